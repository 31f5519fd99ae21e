"""vLLM V0 multi-step (kvplan/plan/simulate/vllm_v0.py): v0_limits' sources and refusals word for
word, and chunked prefill off for a resumed request and for a prefix hit."""
import pytest

from kvplan.engines import ServeOptions
from kvplan.errors import KvplanError
from kvplan.plan import simulate as sim
from kvplan.plan.simulate.scheduler import _Req
from kvplan.plan.simulate.vllm_v0 import SOURCE, V0MultiStepReplica, v0_limits


class Steps:
    decode_is_linear = True

    def mixed_sum(self, parts, n_dec, dec_sum, seconds=True):
        return 1.0


def tiny(mml: int = 4096, sources=None) -> sim.Limits:
    return sim.Limits("vllm", 16, 10_000, 1024, 8192, mml, True, sources or {"num_blocks": "test"})


def test_v0_defaults_name_their_source():
    assert SOURCE == "vLLM 0.6.0 V0 (kvplan/plan/simulate/vllm_v0.py)"
    lim = tiny(sources={"num_blocks": "test", "max_num_seqs": "x", "max_num_batched_tokens": "y"})
    v0 = v0_limits(lim, 8)
    assert (v0.scheduler_steps, v0.max_num_batched_tokens, v0.max_num_seqs) == (8, 4096, 256)
    assert v0.sources == {
        "num_blocks": "test",
        "max_num_seqs": f"EngineArgs default 256: {SOURCE}",
        "max_num_batched_tokens": f"max(max_model_len, 2048), chunked prefill off: {SOURCE}",
        "scheduler_steps": f"--num-scheduler-steps 8: {SOURCE}"}
    assert lim.sources == {"num_blocks": "test", "max_num_seqs": "x", "max_num_batched_tokens": "y"}


def test_flags_keep_their_own_sources():
    lim = tiny(sources={"max_num_seqs": "--max-num-seqs", "max_num_batched_tokens": "--max-num-batched-tokens"})
    v0 = v0_limits(lim, 4, ServeOptions(max_num_seqs=16, max_num_batched_tokens=5000))
    assert (v0.max_num_batched_tokens, v0.max_num_seqs) == (5000, 16)
    assert v0.sources == {"max_num_seqs": "--max-num-seqs", "max_num_batched_tokens": "--max-num-batched-tokens",
                          "scheduler_steps": f"--num-scheduler-steps 4: {SOURCE}"}


def test_refusals_word_for_word():
    with pytest.raises(KvplanError) as e:
        v0_limits(tiny(), 0)
    assert str(e.value) == "num_scheduler_steps must be a positive integer, got 0"
    assert e.value.option == "num_scheduler_steps"
    sgl = sim.Limits("sglang", 1, 10_000, 1024, 8192, 4096, True, {})
    with pytest.raises(KvplanError) as e:
        v0_limits(sgl, 2)
    assert str(e.value) == "num_scheduler_steps is vLLM V0's flag; simulate it with --engine vllm"
    assert e.value.option == "num_scheduler_steps"


def test_a_resumed_request_is_recomputed_whole_or_not_at_all():
    """A preempted request of 100 prompt tokens that had generated 20 recomputes 120 tokens:
    with 110 tokens of budget left V0 does not admit it (no chunk), with 120 it does."""
    rep = V0MultiStepReplica(tiny(), Steps(), 0, 0)
    r = _Req(0, sim.Request(0.0, 100, 50))
    r.g = 20
    assert rep._fits(r, 110) is None
    assert rep._fits(r, 120) is not None


def test_a_prefix_hit_leaves_the_rest_of_the_prompt_to_prefill_whole():
    """Prefix caching on, a 32-token shared prefix: the second request hits its two blocks and
    prefills the other 68 tokens whole."""
    lim = v0_limits(tiny(), 4)
    reqs = [sim.Request(0.0, 100, 2, "a"), sim.Request(10.0, 100, 2, "a")]
    raw = sim.run(reqs, lim, Steps(), shared_prefix=32)
    assert raw["reps"][0].hit_tokens == 32 and [r.end for r in raw["reqs"]] == [2.0, 12.0]
