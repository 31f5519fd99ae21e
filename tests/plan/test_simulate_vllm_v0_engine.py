"""vLLM's V0 engine by version (kvplan/plan/simulate/vllm_v0.py): a run of a release before 0.8.0
replays V0's scheduler one step at a time (prefill-only steps of whole prompts that pause the running
decodes, the block manager's watermark), each checked by hand with a step model of round numbers."""
import pytest

from kvplan.engines import ServeOptions
from kvplan.errors import KvplanError
from kvplan.model.frozen import replace
from kvplan.plan import simulate as sim
from kvplan.plan.simulate.hybrid import replica_class
from kvplan.plan.simulate.scheduler import Replica, _Req
from kvplan.plan.simulate.vllm_v0 import V0MultiStepReplica, v0_engine, v0_limits
from kvplan.plan.simulate.workload import Request


class Steps:
    """A step costs 10 ms plus 1 ms per prompt token, whatever its decodes."""
    decode_is_linear = True

    def mixed_sum(self, parts, n_dec, dec_sum, seconds=True):
        return 0.010 + 0.001 * sum(n for _, n in parts)


def lim(num_blocks: int = 10_000, mml: int = 4096) -> sim.Limits:
    return sim.Limits("vllm", 16, num_blocks, 256, 8192, mml, False, {"num_blocks": "test"})


@pytest.mark.parametrize("text, v0", [
    ("0.4.1", True), ("v0.5.0rc0", True), ("0.7.3.dev138+g21f6ca217 (rocm/vllm-dev; V0)", True),
    ("0.7.4.dev181+gf35f8e22 (the nightly wheel over vllm/vllm-openai:v0.7.3; V0)", True),
    ("0.6.0 (V0, multi-step)", True), ("0.7.3 (V1)", False), ("0.8.0", False),
    ("0.8.3 (vllm/vllm-openai:v0.8.3; V1, TP with the mp executor)", False), ("0.10.1.1 (V1)", False),
    ("0.11.0", False), ("not stated (July 2025)", False), ("", False), (None, False)])
def test_which_versions_ran_v0(text, v0):
    """V1 became vLLM's default in 0.8.0 (PR #13726); a text that names the engine says which."""
    assert v0_engine(text) is v0


def test_a_v0_release_gets_v0_limits_with_one_step():
    base = lim(mml=4096)
    v = v0_limits(base, 1, None, "0.4.1")
    assert (v.v0, v.scheduler_steps, v.max_num_batched_tokens, v.max_num_seqs, v.reserve_full_isl) == \
        (True, 1, 4096, 256, False)
    assert v.sources["scheduler_steps"].startswith("vLLM 0.4.1: the V0 engine (before 0.8.0)")
    assert v0_limits(lim(mml=1024), 1, None, "0.4.1").max_num_batched_tokens == 2048  # max(mml, 2048)
    assert v0_limits(base, 1, ServeOptions(max_num_batched_tokens=512), "0.4.1").max_num_batched_tokens == 512
    assert v0_limits(base, 1, None, "0.8.0") is base and v0_limits(base, 1, None, None) is base
    assert v0_limits(base, 1, None, "0.4.1", chunked_prefill=True) is base  # V0's chunked prefill: V1's shape
    assert v0_limits(base, 4).v0  # multi-step is V0 whatever the version
    with pytest.raises(KvplanError, match="chunked prefill is not simulated"):
        v0_limits(base, 4, None, "0.6.0", chunked_prefill=True)


def test_an_arriving_prompt_pauses_the_running_decodes():
    """A (100 prompt tokens, 5 output) at 0, B (50, 2) at 0.115 s. Steps: prefill A 0-0.110 (A's
    first token), decode A 0.110-0.120. V0: B's prompt runs alone 0.120-0.180 (A paused), then
    decodes of A and B 0.180-0.190 (B done: e2e 0.075 s), A 0.190-0.200-0.210 (done: 0.210 s). V1
    mixes B's prompt with A's decode at 0.120-0.180, so A is done one step earlier, at 0.200 s."""
    two = [Request(0.0, 100, 5), Request(0.115, 50, 2)]
    v0 = sim.simulate(None, None, trace=two, limits=v0_limits(lim(), 1, None, "0.4.1"), roofline=Steps())
    assert v0.e2e_ms.mean == pytest.approx((210 + 75) / 2, rel=1e-9)
    assert v0.ttft_ms.mean == pytest.approx((110 + 65) / 2, rel=1e-9)
    v1 = sim.simulate(None, None, trace=two, limits=v0_limits(lim(), 1, None, "0.8.0"), roofline=Steps())
    assert v1.e2e_ms.mean == pytest.approx((200 + 75) / 2, rel=1e-9)


def test_the_block_managers_watermark_holds_back_admission():
    """200 blocks: watermark int(0.01 × 200) = 2. With 10 free, a 144-token prompt (9 blocks) would
    leave 1 < 2 (can_allocate: LATER); a 128-token one (8 blocks) leaves 2 and is admitted. V1 (no
    watermark) admits both."""
    v0 = V0MultiStepReplica(v0_limits(lim(200), 1, None, "0.4.1"), Steps(), 0, 0)
    v1 = Replica(lim(200), Steps(), 0, 0)
    assert v0.watermark == 2
    for rep in (v0, v1):
        rep.free = 10
    big, small = _Req(0, Request(0.0, 144, 5)), _Req(1, Request(0.0, 128, 5))
    assert v0._fits(big, 8192) is None and v0._fits(small, 8192) is not None
    assert v1._fits(big, 8192) is not None


def test_v0_has_no_hybrid_groups():
    with pytest.raises(KvplanError) as e:
        replica_class(replace(v0_limits(lim(), 1, None, "0.4.1"), groups=("g",)))
    assert str(e.value) == "vLLM V0 (a release before 0.8.0) has no hybrid KV cache groups"

