"""simulate's results (kvplan/plan/simulate/results.py): ``summarize`` and ``as_dict`` on small
records built by hand, every figure worked out in the comments.

Times are multiples of 1/16 s, so every sum and difference below is exact in binary floating
point and the milliseconds are exact too (1/16 s = 62.5 ms)."""
import math
from types import SimpleNamespace as NS

import pytest

from kvplan.plan import simulate as sim
from kvplan.plan.simulate.results import SimResult, Stats, summarize, weighted_stats

S = 1 / 16  # one time unit, s


def _lim(**kw) -> sim.Limits:
    base = dict(engine="vllm", block_size=16, num_blocks=8, max_num_seqs=4, max_num_batched_tokens=512,
                max_model_len=4096, sources={"num_blocks": "by hand"})
    base.update(kw)
    return sim.Limits(**base)


def _req(arrival, first, end, output, prompt):
    return NS(arrival=arrival * S, first_tok=first * S, end=end * S, output=output, prompt=prompt)


# Four requests (times in units of 1/16 s):
#   arrival first end  output prompt | TTFT  E2E  TPOT = (end - first) / (output - 1)
#   1       2     6    5      100    | 1     5    4 / 4 = 1
#   2       4     8    3      300    | 2     6    4 / 2 = 2
#   3       6     6    1      200    | 3     3    none (one output token)
#   4       8     11   2      400    | 4     7    3 / 1 = 3
# first arrival 1, last end 11: 10 units = 0.625 s (under 1 s, and the first arrival is not 0).
REQS = [_req(1, 2, 6, 5, 100), _req(2, 4, 8, 3, 300), _req(3, 6, 6, 1, 200), _req(4, 8, 11, 2, 400)]


def _rep(samples=(), gaps=(), host=None, **kw):
    base = dict(samples=list(samples), gaps=list(gaps), preemptions=0, hit_tokens=0, host=host,
                prompt_tokens=0, steps=0)
    base.update(kw)
    return NS(**base)


# One replica of 8 blocks. Samples (t s, used blocks, waiting, running):
#   (1.0, 2, 0, 1), (1.5, 4, 3, 2), (2.5, 8, 1, 3)
# The first sample only opens the span; then dt 0.5 and 1.0 (span 1.5):
#   KV usage  0.5 × 4/8 + 1.0 × 8/8 = 1.25   -> mean 1.25 / 1.5 = 5/6, max 8/8 = 1
#   waiting   0.5 × 3   + 1.0 × 1   = 2.5    -> mean 2.5 / 1.5 = 5/3, max 3
#   running   0.5 × 2   + 1.0 × 3   = 4.0    -> mean 4 / 1.5 = 8/3
# Token gaps: 3 of 1/16 s and 1 of 2/16 s: 62.5, 62.5, 62.5, 125 ms.
SAMPLES = [(1.0, 2, 0, 1), (1.5, 4, 3, 2), (2.5, 8, 1, 3)]


def _one(**kw):
    rep = _rep(SAMPLES, [(S, 3), (2 * S, 1)], host=NS(hit_tokens=32), preemptions=2, hit_tokens=48,
               prompt_tokens=1000, steps=9)
    args = dict(model="m", gpu="g", tp=2, router="round-robin", workload="w", concurrency=3,
                infinite_rate=False, notes=("n",))
    args.update(kw)
    return summarize({"reqs": REQS, "reps": [rep], "mark": {}}, _lim(), **args)


def test_summarize_counts_every_figure_of_a_run_built_by_hand():
    r = _one()
    assert (r.model, r.gpu, r.engine, r.tp, r.replicas, r.router, r.workload, r.requests) == \
        ("m", "g", "vllm", 2, 1, "round-robin", "w", 4)
    assert r.duration_s == 10 * S == 0.625
    assert r.requests_per_s == 4 / 0.625 == 6.4
    assert r.output_tokens_per_s == 11 / 0.625 == 17.6  # 5 + 3 + 1 + 2 output tokens
    assert r.input_tokens_per_s == 1000 / 0.625 == 1600.0  # 100 + 300 + 200 + 400 prompt tokens
    # TTFT 62.5, 125, 187.5, 250 ms: mean 156.25; numpy's linear percentiles at (n-1) q / 100:
    # p50 at 1.5: 125 + 0.5 × 62.5; p90 at 2.7: 187.5 + 0.7 × 62.5; p99 at 2.97: 187.5 + 0.97 × 62.5
    assert r.ttft_ms.mean == 156.25 and r.ttft_ms.p50 == 156.25
    assert r.ttft_ms.p90 == pytest.approx(231.25) and r.ttft_ms.p99 == pytest.approx(248.125)
    # E2E sorted 187.5, 312.5, 375, 437.5 ms: mean 1312.5 / 4; p50 (312.5 + 375) / 2;
    # p90 375 + 0.7 × 62.5; p99 375 + 0.97 × 62.5
    assert r.e2e_ms.mean == 328.125 and r.e2e_ms.p50 == 343.75
    assert r.e2e_ms.p90 == pytest.approx(418.75) and r.e2e_ms.p99 == pytest.approx(435.625)
    # TPOT 62.5, 125, 187.5 ms (the one-token request has none): p50 at 1.0, p90 at 1.8, p99 at 1.98
    assert r.tpot_ms.mean == 125.0 and r.tpot_ms.p50 == 125.0
    assert r.tpot_ms.p90 == pytest.approx(175.0) and r.tpot_ms.p99 == pytest.approx(186.25)
    # ITL 62.5 × 3, 125: mean 312.5 / 4; p50 62.5 (positions 1 and 2); p90 at 2.7: 62.5 + 0.7 × 62.5
    assert r.itl_ms.mean == 78.125 and r.itl_ms.p50 == 62.5
    assert r.itl_ms.p90 == pytest.approx(106.25) and r.itl_ms.p99 == pytest.approx(123.125)
    assert (r.preemptions, r.prefix_hit_tokens, r.host_hit_tokens, r.prompt_tokens, r.steps) == \
        (2, 48, 32, 1000, 9)
    assert r.kv_usage_mean == pytest.approx(5 / 6) and r.kv_usage_max == 1.0
    assert r.queue_max == 3 and r.queue_mean == pytest.approx(5 / 3)
    assert r.running_mean == pytest.approx(8 / 3)
    # one replica: the timeline is every sample (under 200 of them), usage as a share of 8 blocks
    assert r.timeline == [(1.0, 0.25, 0, 1), (1.5, 0.5, 3, 2), (2.5, 1.0, 1, 3)]
    assert r.notes == ("n",) and r.limits == _lim()


def test_saturation_is_judged_by_how_the_run_was_loaded():
    r = _one()
    assert not r.saturated and r.saturation == "closed loop of 3 clients: the queue is bounded"
    r = _one(concurrency=None, infinite_rate=True)
    assert r.saturated
    assert r.saturation == "--rate inf: every request arrives at once (an infinite arrival rate)"
    r = _one(concurrency=None)  # open loop, no marks: too few requests
    assert not r.saturated and r.saturation == "too few requests to judge"


@pytest.mark.parametrize("a, b, saturated", [(3, 4, False), (3, 5, True), (0, 0, False)])
def test_saturated_when_the_queue_grows_by_more_than_a_tenth_of_the_second_half(a, b, saturated):
    # 20 requests: the marks are taken at the 11th arrival (20 // 2 + 1) and the 20th; the second
    # half is arrivals 11..20, 10 requests, so the line is 10 % × 10 = 1.0 request of growth:
    # grown by 1 is not over it (not saturated), by 2 is.
    reqs = [_req(i, i + 1, i + 2, 2, 10) for i in range(20)]
    r = summarize({"reqs": reqs, "reps": [_rep(SAMPLES)], "mark": {11: a, 20: b}}, _lim(), model="m",
                  gpu="g", tp=1, router="round-robin", workload="w", concurrency=None, infinite_rate=False)
    assert r.saturated is saturated
    assert r.saturation == (f"waiting requests grew from {a} to {b} over the second half of the arrivals "
                            "(10 requests); saturated when the growth exceeds 10% of them")


def test_two_replicas_have_no_timeline_and_say_their_blocks():
    # Replica 1 as above; replica 2 idles (waiting 0, 0 of 8 blocks) from 0 to 2: it adds 2 s of
    # span and nothing else. Means over the 3.5 s: usage 1.25 / 3.5, waiting 2.5 / 3.5, running 4 / 3.5.
    idle = _rep([(0.0, 0, 0, 0), (2.0, 0, 0, 0)], host=None, preemptions=1, hit_tokens=16,
                prompt_tokens=5, steps=2)
    busy = _rep(SAMPLES, host=NS(hit_tokens=32), preemptions=2, hit_tokens=48, prompt_tokens=1000, steps=9)
    r = summarize({"reqs": REQS, "reps": [busy, idle], "mark": {}}, _lim(), model="m", gpu="g", tp=1,
                  router="least-loaded", workload="w", concurrency=2, infinite_rate=False, notes=("n",))
    assert r.replicas == 2 and r.timeline == []
    assert r.notes == ("n", "KV blocks: 16 over 2 replicas")  # 8 blocks × 2
    assert (r.preemptions, r.prefix_hit_tokens, r.host_hit_tokens, r.prompt_tokens, r.steps) == \
        (3, 64, 32, 1005, 11)
    assert r.kv_usage_mean == pytest.approx(1.25 / 3.5) and r.queue_mean == pytest.approx(2.5 / 3.5)
    assert r.running_mean == pytest.approx(4 / 3.5) and r.queue_max == 3 and r.kv_usage_max == 1.0


def test_an_idle_replica_reports_zero_means_and_an_empty_queue():
    # one sample: no span (its time-weighted means are 0 over an empty span) and nothing waiting
    r = summarize({"reqs": REQS, "reps": [_rep([(1.0, 2, 0, 0)])], "mark": {}}, _lim(), model="m", gpu="g",
                  tp=1, router="round-robin", workload="w", concurrency=1, infinite_rate=False)
    assert (r.kv_usage_mean, r.queue_mean, r.running_mean, r.queue_max) == (0.0, 0.0, 0.0, 0)
    assert r.kv_usage_max == 0.25 and r.notes == () and r.host_hit_tokens == 0


def test_the_timeline_keeps_every_hundredth_share_of_a_long_run():
    # 200 samples: step max(1, 200 // 100) = 2, so samples 0, 2, ..., 198: 100 points, in time order
    samples = [(float(i), i % 9, 0, 1) for i in range(199, -1, -1)]
    r = summarize({"reqs": REQS, "reps": [_rep(samples)], "mark": {}}, _lim(), model="m", gpu="g", tp=1,
                  router="round-robin", workload="w", concurrency=1, infinite_rate=False)
    assert len(r.timeline) == 100
    assert r.timeline[:2] == [(0.0, 0.0, 0, 1), (2.0, 0.25, 0, 1)] and r.timeline[-1][0] == 198.0


# ---- weighted_stats ------------------------------------------------------------------------------
def test_percentiles_of_four_distinct_samples():
    # 10, 20, 30, 50: mean 27.5; p50 at 1.5: 25; p90 at 2.7: 30 + 0.7 × 20 = 44; p99 at 2.97: 49.4
    s = weighted_stats([(50.0, 1), (10.0, 1), (30.0, 1), (20.0, 1)])
    assert s.mean == 27.5 and s.p50 == 25.0
    assert s.p90 == pytest.approx(44.0) and s.p99 == pytest.approx(49.4)
    assert s.as_dict() == {"mean": 27.5, "p50": 25.0, "p90": s.p90, "p99": s.p99}
    assert weighted_stats([(1.0, 2)], 1000).as_dict() == {"mean": 1000.0, "p50": 1000.0, "p90": 1000.0,
                                                         "p99": 1000.0}


def test_a_value_counted_zero_times_is_not_in_the_set():
    # (inf, 0) holds no sample: the mean stays 2.0 (inf × 0 would make it nan)
    s = weighted_stats([(1.0, 1), (math.inf, 0), (3.0, 1)])
    assert s.mean == 2.0 and s.p99 == pytest.approx(2.98)
    assert weighted_stats([(5.0, 0)]) == Stats(None, None, None, None)


# ---- as_dict -------------------------------------------------------------------------------------
def _result(**kw):
    st = Stats(1.0, 2.0, 3.0, 4.0)
    base = dict(model="m", gpu="g", engine="vllm", tp=2, replicas=3, router="prefix", workload="w",
                requests=10, limits=_lim(host_blocks=5, host_block_seconds=0.25, fit_tokens=64),
                duration_s=2.5,
                ttft_ms=st, itl_ms=Stats(5.0, 6.0, 7.0, 8.0), tpot_ms=Stats(9.0, 10.0, 11.0, 12.0),
                e2e_ms=Stats(13.0, 14.0, 15.0, 16.0), requests_per_s=4.0, output_tokens_per_s=40.0,
                input_tokens_per_s=400.0, preemptions=1, saturated=True, saturation="why",
                prefix_hit_tokens=50, prompt_tokens=200, steps=7, kv_usage_mean=0.5, kv_usage_max=0.75,
                queue_max=6, queue_mean=1.5, running_mean=2.5, timeline=[(0.5, 0.25, 1, 2)],
                notes=("a", "b"), host_hit_tokens=16)
    base.update(kw)
    return SimResult(**base)


def test_as_dict_names_every_figure():
    assert _result().as_dict() == {
        "model": "m", "gpu": "g", "engine": "vllm", "tp": 2, "replicas": 3, "router": "prefix",
        "workload": "w", "requests": 10,
        "ttft_ms": {"mean": 1.0, "p50": 2.0, "p90": 3.0, "p99": 4.0},
        "itl_ms": {"mean": 5.0, "p50": 6.0, "p90": 7.0, "p99": 8.0},
        "tpot_ms": {"mean": 9.0, "p50": 10.0, "p90": 11.0, "p99": 12.0},
        "e2e_ms": {"mean": 13.0, "p50": 14.0, "p90": 15.0, "p99": 16.0},
        "requests_per_s": 4.0, "output_tokens_per_s": 40.0, "input_tokens_per_s": 400.0,
        "preemptions": 1, "saturated": True, "saturation": "why", "duration_s": 2.5,
        # hit rate 50 / 200; the host tier 5 blocks × 16 tokens
        "prefix_cache": {"enabled": True, "hit_tokens": 50, "prompt_tokens": 200, "hit_rate": 0.25,
                         "host_hit_tokens": 16, "host_tier_tokens": 80, "host_block_seconds": 0.25},
        # 8 blocks × 16 tokens; fit's own figure as given
        "kv_cache": {"blocks": 8, "block_size": 16, "tokens": 128, "fit_tokens": 64, "usage_mean": 0.5,
                     "usage_max": 0.75,
                     "source": "by hand"},
        "scheduler": {"max_num_seqs": 4, "max_num_batched_tokens": 512, "max_model_len": 4096,
                      "sources": {"num_blocks": "by hand"}},
        "queue": {"max": 6, "mean": 1.5, "running_mean": 2.5},
        "steps": 7,
        "timeline": [{"t_s": 0.5, "kv_usage": 0.25, "waiting": 1, "running": 2}],
        "notes": ["a", "b"],
    }


def test_as_dict_without_prompt_tokens_or_a_capacity_source():
    d = _result(prompt_tokens=0, prefix_hit_tokens=0, limits=_lim(sources={}, prefix_caching=False)).as_dict()
    assert d["prefix_cache"]["hit_rate"] == 0.0 and d["prefix_cache"]["enabled"] is False
    assert d["kv_cache"]["source"] == "" and d["scheduler"]["sources"] == {}


class _Flat:
    """Every step 10 ms."""
    decode_is_linear = True

    def mixed_sum(self, parts, n_dec, dec_sum, seconds=True):
        return 0.010


def test_a_result_states_its_arrivals_span():
    """Arrivals at 0, 1 and 3 s: the span is 3 s (bench.saturated's span of a replay)."""
    r = sim.simulate(None, None, trace=[sim.Request(0.0, 10, 2), sim.Request(1.0, 10, 2), sim.Request(3.0, 10, 2)],
                     limits=sim.Limits("vllm", 16, 10_000, 256, 8192, 4096, False, {}),
                     roofline=_Flat())
    assert r.arrival_span_s == 3.0
