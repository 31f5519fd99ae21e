"""vLLM V0 (kvplan/plan/simulate/vllm_v0.py): the block manager's watermark counts every block of
the prompt, the cached ones too (vLLM 0.4.1 core/block_manager_v1.py ``can_allocate``:
``num_required_blocks = len(seq.logical_token_blocks)``, whatever the prefix cache holds), and
v0_engine / v0_limits' texts. Session 13's mutation run of vllm_v0.py (MUTATION.md) left these unchecked; each figure by hand."""
import pytest

from kvplan.errors import KvplanError
from kvplan.plan import simulate as sim
from kvplan.plan.simulate.scheduler import _Req
from kvplan.plan.simulate.vllm_v0 import V0MultiStepReplica, v0_engine, v0_limits
from kvplan.plan.simulate.workload import Request


class Steps:
    decode_is_linear = True

    def mixed_sum(self, parts, n_dec, dec_sum, seconds=True):
        return 1.0


def lim(num_blocks: int) -> sim.Limits:
    return sim.Limits("vllm", 16, num_blocks, 256, 8192, 4096, True, {"num_blocks": "test"})


def _rep(hits):
    """A V0 replica of 200 blocks (watermark int(0.01 × 200) = 2) with 10 free, whose prefix cache
    answers ``hits`` (shared blocks, own blocks, of them now free, from host) for every request."""
    rep = V0MultiStepReplica(v0_limits(lim(200), 1, None, "0.4.1"), Steps(), 0, 0)
    rep.free = 10
    rep._hits = lambda r: hits
    return rep


@pytest.mark.parametrize("hits", [(2, 0, 0, 0), (0, 2, 0, 0)])
def test_the_watermark_counts_cached_blocks_too(hits):
    # 144 tokens = 9 blocks, 2 of them hit: 7 to take, but can_allocate counts all 9: 10 − 9 = 1 < 2
    assert _rep(hits)._fits(_Req(0, Request(0.0, 144, 5)), 8192) is None
    # 128 tokens = 8 blocks, 2 hit: 10 − 8 = 2, admitted (6 to take, 32 tokens hit)
    assert _rep(hits)._fits(_Req(0, Request(0.0, 128, 5)), 8192) == (*hits[:2], 32, 96, 6, 0)


def test_a_text_that_says_v0_is_v0_at_any_version():
    assert v0_engine("0.8.5 (V0)")  # V1 the default since 0.8.0, but the run says V0
    assert not v0_engine("0.8.5")


def test_multi_step_with_chunked_prefill_refused_word_for_word():
    with pytest.raises(KvplanError) as e:
        v0_limits(lim(200), 4, None, "0.6.0", chunked_prefill=True)
    assert str(e.value) == "vLLM V0's multi-step with chunked prefill is not simulated"
