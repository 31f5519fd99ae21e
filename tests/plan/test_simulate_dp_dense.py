"""vLLM's --data-parallel-size on a dense model (simulate/__init__.py ``_dense_dp``): D independent
engines behind vLLM's load balancer (v1/engine/core_client.py DPLBAsyncMPClient: the lowest
4 × waiting + running), not the MoE ranks in lockstep of latency/dp_moe.py. Checked by hand."""
import pytest

from kvplan.engines.base import ServeOptions
from kvplan.errors import KvplanError
from kvplan.plan import simulate as sim
from kvplan.plan.latency.step import OpLatency
from kvplan.plan.simulate import DP_BALANCER, _route
from kvplan.plan.simulate.workload import Request
from kvplan.sources import catalog


@pytest.fixture(scope="module")
def llama():
    spec, gpu = catalog.load_model("llama-3.1-8b"), catalog.load_gpu("h100")
    return spec, gpu, OpLatency(spec, gpu)


def lim() -> sim.Limits:  # no front end, a big pool: only the scheduling is tested
    return sim.Limits("vllm", 16, 10000, 256, 8192, 131072, True, {"num_blocks": "test"})


def test_two_dense_dp_engines_prefill_two_requests_apart(llama):
    """Two requests of 500 -> 2 at 0: with --data-parallel-size 2 the balancer sends the second to
    the idle engine (scores 4 and 0), so each TTFT is one prefill of 500 alone and each ends one
    decode (at 501 tokens) later; one engine prefills both in one step of 1,000 tokens."""
    spec, gpu, rf = llama
    trace = [Request(0.0, 500, 2), Request(0.0, 500, 2)]
    two = sim.simulate(spec, gpu, trace=trace, limits=lim(), roofline=rf, opts=ServeOptions(data_parallel_size=2))
    p = rf.prefill(500).seconds
    assert two.ttft_ms.p50 == two.ttft_ms.p99 == pytest.approx(p * 1000, rel=1e-9)
    assert two.e2e_ms.mean == pytest.approx((p + rf.decode(501).seconds) * 1000, rel=1e-9)
    one = sim.simulate(spec, gpu, trace=trace, limits=lim(), roofline=rf)
    assert one.ttft_ms.mean == pytest.approx(rf.mixed([(0, 500), (0, 500)]).seconds * 1000, rel=1e-9)
    assert one.ttft_ms.mean > two.ttft_ms.mean
    assert any(n.startswith("data parallel (a dense model): 2 independent engines") for n in two.notes)
    assert not any(n.startswith(("data parallel", "DP attention")) for n in one.notes)  # one engine: no DP note
    assert two.router == DP_BALANCER


class _Rank:
    def __init__(self, index: int, waiting: int, running: int):
        self.index, self.waiting, self.running = index, [None] * waiting, [None] * running

    @property
    def load(self) -> int:
        return len(self.waiting) + len(self.running)


def test_the_balancer_weighs_a_waiting_request_as_four_running():
    """Engine 0: 1 waiting (score 4, load 1); engine 1: 3 running (score 3, load 3): vLLM's balancer
    picks engine 1 where least-loaded picks engine 0; at 4 running the scores tie and the first wins."""
    a, b = _Rank(0, 1, 0), _Rank(1, 0, 3)
    assert _route(DP_BALANCER, [a, b], None, {}) is b
    assert _route("least-loaded", [a, b], None, {}) is a
    assert _route(DP_BALANCER, [a, _Rank(1, 0, 4)], None, {}) is a


def test_dense_dp_with_replicas_is_refused_in_one_line(llama):
    spec, gpu, rf = llama
    with pytest.raises(KvplanError) as e:
        sim.simulate(spec, gpu, replicas=2, trace=[Request(0.0, 500, 2)], limits=lim(), roofline=rf,
                     opts=ServeOptions(data_parallel_size=2))
    assert str(e.value) == ("give --replicas or a dense model's --data-parallel-size, not both (simulate does "
                            "not model a router in front of vLLM's own DP balancer)")


def test_a_dense_models_dp_takes_fits_per_engine_cache():
    """Without limits: each engine's KV cache is fit's for one rank (the same as without DP on one
    GPU), and the note counts the blocks over both engines."""
    spec, gpu = catalog.load_model("llama-3.1-8b"), catalog.load_gpu("h100")
    kw = dict(rate=2.0, prompt_tokens="256", output_tokens="16", requests=8)
    one = sim.engine_limits(spec, gpu)
    got = sim.simulate(spec, gpu, opts=ServeOptions(data_parallel_size=2), **kw)
    assert f"KV blocks: {2 * one.num_blocks:,} over 2 DP ranks (2 a replica)" in " ".join(got.notes)


def test_which_runs_are_dense_dp_engines():
    """``_dense_dp``: D engines only for vLLM, D > 1, a model without MoE layers, neither
    --enable-expert-parallel nor DP attention; 1 otherwise (Mixtral-8x7B: MoE, the ranks in lockstep)."""
    from kvplan.plan.simulate import _dense_dp

    dense, moe = catalog.load_model("llama-3.1-8b"), catalog.load_model("mixtral-8x7b")
    sgl = sim.Limits("sglang", 1, 10000, 256, 8192, 131072, True, {"num_blocks": "test"})
    assert _dense_dp(dense, lim(), ServeOptions(data_parallel_size=4)) == 4
    assert _dense_dp(dense, lim(), ServeOptions(data_parallel_size=1)) == 1
    assert _dense_dp(dense, lim(), ServeOptions(data_parallel_size=4, enable_expert_parallel=True)) == 1
    assert _dense_dp(dense, lim(), ServeOptions(data_parallel_size=4, dp_attention=True)) == 1
    assert _dense_dp(dense, sgl, ServeOptions(data_parallel_size=4)) == 1
    assert _dense_dp(None, lim(), ServeOptions(data_parallel_size=4)) == 1
    assert _dense_dp(dense, lim(), None) == 1
    assert _dense_dp(moe, lim(), ServeOptions(data_parallel_size=4)) == 1
