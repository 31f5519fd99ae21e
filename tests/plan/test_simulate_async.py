"""vLLM V1's async scheduling in simulate (limits.ASYNC_SCHEDULING; scheduler.py ``Replica.lag``): from
0.14.0 the engine core schedules step k+1 while step k runs (EngineCore.step_with_batch_queue, a batch
queue of 2), so a request that arrives while a step runs with requests running is first scheduled one
step later than without it. Each case checked by hand from the step model's prices."""
import pytest

from kvplan.plan import simulate as sim
from kvplan.plan.latency.step import OpLatency
from kvplan.plan.simulate.limits import ASYNC_SCHEDULING, for_engine_version
from kvplan.plan.simulate.vllm_v0 import v0_limits
from kvplan.plan.simulate.workload import Request
from kvplan.sources import catalog


@pytest.fixture(scope="module")
def llama():
    spec, gpu = catalog.load_model("llama-3.1-8b"), catalog.load_gpu("h100")
    return spec, gpu, OpLatency(spec, gpu, engine="vllm")


def lim(async_scheduling: bool) -> sim.Limits:
    # 16-token blocks, room for everything, no front end: only the scheduler's timing is tested
    return sim.Limits("vllm", 16, 100_000, 256, 8192, 131072, True, {"num_blocks": "test"},
                      async_scheduling=async_scheduling)


def step(rf, prefills, decodes):
    """One step's seconds as the replica prices it: prefill chunks (computed, new) beside decodes at
    their sequence lengths (computed + 1)."""
    if rf.decode_is_linear:
        return rf.mixed_sum(prefills, len(decodes), sum(decodes), seconds=True)
    return rf.mixed(prefills, decodes).seconds


def ttft_b(r, rf, p_a):
    """B's TTFT (ms) from the mean of A's and B's."""
    return 2 * r.ttft_ms.mean - p_a * 1000


def test_a_request_arriving_mid_step_waits_one_more_step_with_async_scheduling(llama):
    """A from 0: prefill P, then its decodes D1, D2, ... B (300 tokens) arrives halfway through D1.
    Without async scheduling B is prefilled in the step after D1, beside A's decode at 502 tokens.
    With it, the step after D1 was scheduled when D1 began (A's decode at 502 alone), and B joins the
    one after that, beside A's decode at 503."""
    spec, gpu, rf = llama
    P, D1 = step(rf, [(0, 500)], []), step(rf, [], [501])
    tb = P + D1 / 2
    trace = [Request(0.0, 500, 100), Request(tb, 300, 2)]
    sync = sim.simulate(spec, gpu, trace=trace, limits=lim(False), roofline=rf)
    assert ttft_b(sync, rf, P) == pytest.approx((P + D1 + step(rf, [(0, 300)], [502]) - tb) * 1000, rel=1e-9)
    lag = sim.simulate(spec, gpu, trace=trace, limits=lim(True), roofline=rf)
    want = P + D1 + step(rf, [], [502]) + step(rf, [(0, 300)], [503]) - tb
    assert ttft_b(lag, rf, P) == pytest.approx(want * 1000, rel=1e-9)


def test_a_request_arriving_during_a_prefill_waits_for_the_decode_scheduled_behind_it(llama):
    """B arrives during A's prefill: A's first decode was scheduled when that prefill began, so B
    is prefilled in the step after it (beside A's decode at 502); without async, right after P."""
    spec, gpu, rf = llama
    P = step(rf, [(0, 500)], [])
    tb = P / 2
    trace = [Request(0.0, 500, 100), Request(tb, 300, 2)]
    sync = sim.simulate(spec, gpu, trace=trace, limits=lim(False), roofline=rf)
    assert ttft_b(sync, rf, P) == pytest.approx((P + step(rf, [(0, 300)], [501]) - tb) * 1000, rel=1e-9)
    lag = sim.simulate(spec, gpu, trace=trace, limits=lim(True), roofline=rf)
    want = P + step(rf, [], [501]) + step(rf, [(0, 300)], [502]) - tb
    assert ttft_b(lag, rf, P) == pytest.approx(want * 1000, rel=1e-9)


def test_an_idle_engine_and_a_finished_batch_schedule_at_once(llama):
    """Nothing scheduled ahead, nothing to wait for: B after A has finished (at 5 s), and B arriving
    during A's last decode (vLLM does not schedule a request whose max_tokens its scheduled steps
    reach: no trailing step, unlike SGLang's overlap scheduler), are prefilled as without async."""
    spec, gpu, rf = llama
    P, D1 = step(rf, [(0, 500)], []), step(rf, [], [501])
    idle = sim.simulate(spec, gpu, trace=[Request(0.0, 500, 2), Request(5.0, 300, 2)], limits=lim(True),
                        roofline=rf)
    assert ttft_b(idle, rf, P) == pytest.approx(step(rf, [(0, 300)], []) * 1000, rel=1e-9)
    tb = P + D1 / 4  # A (output 2) ends with D1
    last = sim.simulate(spec, gpu, trace=[Request(0.0, 500, 2), Request(tb, 300, 2)], limits=lim(True),
                        roofline=rf)
    assert ttft_b(last, rf, P) == pytest.approx((P + D1 + step(rf, [(0, 300)], []) - tb) * 1000, rel=1e-9)


def test_the_version_a_run_states_picks_async_scheduling():
    """On from 0.14.0 (its wheel's SchedulerConfig default None -> True), off in 0.13.0 and before; a
    version not stated is kvplan's own vLLM (0.33: on); V0 (before 0.8.0) never lags."""
    on = lim(True)
    assert ASYNC_SCHEDULING["since"] == (0, 14, 0)
    assert for_engine_version(on, "0.13.0").async_scheduling is False
    assert "before 0.14.0" in for_engine_version(on, "v0.11.0").sources["async_scheduling"]
    assert for_engine_version(on, "0.14.0").async_scheduling is True
    assert for_engine_version(on, "0.19.0").async_scheduling is True
    assert for_engine_version(on, None).async_scheduling is True
    assert for_engine_version(on, "not stated (May 2025)").async_scheduling is True
    assert for_engine_version(lim(False), "0.20.1").async_scheduling is False  # never turned on here


def test_v0_and_sglang_replicas_do_not_take_vllms_async_rule(llama):
    spec, gpu, rf = llama
    from kvplan.plan.simulate import _replicas

    v0 = v0_limits(lim(True), 1, version="0.4.1")
    assert _replicas(v0, rf, 1, 0, None)[0].lag is False
    assert _replicas(lim(True), rf, 1, 0, None)[0].lag is True
    sg = sim.Limits("sglang", 1, 100_000, 256, 8192, 131072, True, {"num_blocks": "test"}, async_scheduling=True)
    assert _replicas(sg, OpLatency(spec, gpu, engine="sglang"), 1, 0, None)[0].lag is False


def test_the_reason_async_scheduling_is_off_names_the_runs_version_as_stated():
    """The source a run before 0.14.0 gets: its version as the run states it (not the parsed triple),
    then ASYNC_SCHEDULING's own source."""
    why = for_engine_version(lim(True), "v0.10.1.1 (V1)").sources["async_scheduling"]
    assert why == f"vLLM v0.10.1.1: before 0.14.0 async scheduling is off by default ({ASYNC_SCHEDULING['source']})"
