"""An open loop with a client-side cap on requests in flight (vllm bench serve --request-rate R
--max-concurrency C: its semaphore holds a request that arrives while C are in flight, and the
request's latencies count from when it is sent). Times by hand with a step model in which every
step takes one second."""
import pytest

from kvplan.errors import KvplanError
from kvplan.observe import bench
from kvplan.plan import simulate as sim
from kvplan.plan.simulate.workload import Request
from kvplan.sources import catalog

from tests.plan.test_simulate_args import Steps, tiny


def _raw(n, rate, cap, output=3):
    reqs = [Request(i / rate, 10, output) for i in range(n)]
    return sim.run(reqs, tiny(async_scheduling=False), Steps(1.0), max_concurrency=cap)


def test_a_cap_of_one_sends_each_request_when_the_last_finishes():
    # arrivals at 0, 1, 2, 3 s; each request is a prefill step and two decode steps (3 s): sent at 0, 3, 6, 9
    raw = _raw(4, 1.0, 1)
    assert [r.arrival for r in raw["reqs"]] == [0.0, 3.0, 6.0, 9.0]
    assert [r.first_tok for r in raw["reqs"]] == [1.0, 4.0, 7.0, 10.0]
    assert [r.end for r in raw["reqs"]] == [3.0, 6.0, 9.0, 12.0]


def test_a_cap_that_is_never_reached_changes_nothing():
    free = sim.run([Request(i * 5.0, 10, 3) for i in range(4)], tiny(async_scheduling=False), Steps(1.0))
    capped = _raw(4, 0.2, 1)
    assert [(r.arrival, r.first_tok, r.end) for r in capped["reqs"]] == \
        [(r.arrival, r.first_tok, r.end) for r in free["reqs"]] == [(t, t + 1, t + 3) for t in (0.0, 5.0, 10.0, 15.0)]


def test_requests_held_at_the_client_count_toward_saturation():
    spec, gpu = catalog.load_model("llama-3.1-8b"), catalog.load_gpu("h100")

    def run(rate):
        return sim.simulate(spec, gpu, rate=rate, arrivals_kind="constant", max_concurrency=1, requests=40,
                            prompt_tokens="10", output_tokens="3", limits=tiny(async_scheduling=False),
                            roofline=Steps(1.0))

    over, under = run(1.0), run(0.25)  # 3 s of service a request against 1 s / 4 s between arrivals
    assert over.saturated and not under.saturated
    assert over.workload.endswith(", at most 1 in flight (the client's cap)")


@pytest.mark.parametrize("kw", [dict(rate=float("inf")), dict(concurrency=2)])
def test_a_cap_needs_a_finite_rate(kw):
    spec, gpu = catalog.load_model("llama-3.1-8b"), catalog.load_gpu("h100")
    with pytest.raises(KvplanError, match=r"^a client's in-flight cap \(max_concurrency\) goes with a finite --rate"):
        sim.simulate(spec, gpu, max_concurrency=2, limits=tiny(), roofline=Steps(), **kw)
    with pytest.raises(KvplanError, match=r"^a client's in-flight cap is a positive integer on an open loop, got 0$"):
        _raw(2, 1.0, 0)


def test_replay_of_a_rate_with_a_max_concurrency_caps_the_open_loop(monkeypatch, tmp_path):
    """vllm bench serve's result with a finite request_rate and a max_concurrency was replayed as a closed loop of C
    (its rate dropped); it is the open loop at that rate with the client's cap."""
    import json
    from pathlib import Path

    fix = Path(__file__).parent.parent / "fixtures" / "bench" / "vllm_llama-3.2-3b_4xl40s_rate10.json"
    f = tmp_path / "r.json"
    f.write_text(json.dumps(json.loads(fix.read_text()) | {"max_concurrency": 8}))
    (lv,) = bench.read(f)
    assert (lv.rate, lv.concurrency) == (10.0, 8)
    seen, real = [], sim.simulate

    def spy(*a, **kw):
        seen.append({k: kw.get(k) for k in ("rate", "concurrency", "max_concurrency", "arrivals_kind")})
        return real(*a, **kw)

    monkeypatch.setattr(sim, "simulate", spy)
    bench.replay([lv], catalog.load_model("llama-3.2-3b"), catalog.load_gpu("l40s"), replicas=4, max_requests=60)
    assert seen == [{"rate": 10.0, "concurrency": None, "max_concurrency": 8, "arrivals_kind": "poisson"}]
