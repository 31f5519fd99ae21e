"""simulate's vLLM V0 multi-step replica (kvplan/plan/simulate/vllm_v0.py): decode blocks of
--num-scheduler-steps steps with no scheduling inside, prefill-first whole prompts, V0's batch
defaults; each checked by hand."""
import pytest

from kvplan.engines.base import ServeOptions
from kvplan.errors import KvplanError
from kvplan.plan import simulate as sim
from kvplan.plan.latency.step import OpLatency
from kvplan.plan.simulate.vllm_v0 import v0_limits
from kvplan.plan.simulate.workload import Request
from kvplan.sources import catalog


@pytest.fixture(scope="module")
def llama():
    spec, gpu = catalog.load_model("llama-3.1-8b"), catalog.load_gpu("h100")
    return spec, gpu, OpLatency(spec, gpu, engine="vllm")


def tiny(steps: int, budget: int = 8192) -> sim.Limits:
    lim = sim.Limits("vllm", 16, 100_000, 256, budget, 131072, False, {"num_blocks": "test"})
    return v0_limits(lim, steps, ServeOptions(max_num_batched_tokens=budget))


def test_an_arrival_waits_for_the_rest_of_the_decode_block(llama):
    """A alone from 0: prefill P, then a block of 4 decode steps D1..D4. B arrives halfway
    through D1; V0 schedules nothing until the block ends, so B's prefill starts after D4."""
    spec, gpu, rf = llama
    P = rf.prefill(500).seconds
    D = [rf.decode(500 + k).seconds for k in range(1, 5)]
    tb = P + D[0] / 2
    r = sim.simulate(spec, gpu, trace=[Request(0.0, 500, 100), Request(tb, 300, 2)],
                     limits=tiny(4), roofline=rf)
    ttft_b = P + sum(D) + rf.prefill(300).seconds - tb
    assert r.ttft_ms.mean == pytest.approx((P + ttft_b) / 2 * 1000, rel=1e-9)
    one = sim.simulate(spec, gpu, trace=[Request(0.0, 500, 100), Request(tb, 300, 2)],
                       limits=tiny(1), roofline=rf)
    assert one.ttft_ms.mean < r.ttft_ms.mean  # V1: B joins the step after D1


def test_one_request_alone_costs_prefill_and_its_decodes(llama):
    """Blocks change nothing for a request alone: prefill + (n − 1) decode steps."""
    spec, gpu, rf = llama
    r = sim.simulate(spec, gpu, trace=[Request(0.0, 200, 10)], limits=tiny(4), roofline=rf)
    e2e = rf.prefill(200).seconds + sum(rf.decode(200 + k).seconds for k in range(1, 10))
    assert r.e2e_ms.mean == pytest.approx(e2e * 1000, rel=1e-9)


def test_a_prompt_is_never_chunked(llama):
    """Chunked prefill off: with a 1,000-token budget, 600 + 600 are two prefill steps of 600
    (V1 would chunk the second into the first step's leftover 400)."""
    spec, gpu, rf = llama
    two = [Request(0.0, 600, 1), Request(0.0, 600, 1)]
    r = sim.simulate(spec, gpu, trace=two, limits=tiny(4, budget=1000), roofline=rf)
    p = rf.prefill(600).seconds
    assert r.ttft_ms.mean == pytest.approx(1.5 * p * 1000, rel=1e-9)  # first tokens at p and 2p


def test_v0_defaults_and_refusals(llama):
    spec, gpu, _ = llama
    lim = sim.engine_limits(spec, gpu, opts=ServeOptions(max_model_len=4096))
    v0 = v0_limits(lim, 10, ServeOptions(max_model_len=4096))
    assert (v0.scheduler_steps, v0.max_num_batched_tokens, v0.max_num_seqs) == (10, 4096, 256)
    assert v0_limits(lim, 1) is lim
    assert v0_limits(sim.engine_limits(spec, gpu, opts=ServeOptions(max_model_len=1024)), 10).max_num_batched_tokens == 2048
    assert v0_limits(lim, 10, ServeOptions(max_num_seqs=64, max_num_batched_tokens=512)).max_num_seqs == 64
    with pytest.raises(KvplanError, match="positive integer"):
        v0_limits(lim, 0)
    with pytest.raises(KvplanError, match="vLLM V0"):
        v0_limits(sim.engine_limits(spec, gpu, engine="sglang"), 10)
