"""kvplan check-bench: the result files of the benchmark tools (real files, tests/fixtures/bench/
SOURCES.md), replayed through simulate; --calibrate writes a profile that --profile applies."""
import json
import math
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from kvplan.errors import KvplanError
from kvplan.observe import bench
from kvplan.plan.latency.calibrate import apply_profile, load_profile
from kvplan.plan.latency.step import OpLatency
from kvplan.sources import catalog

FIX = Path(__file__).parent.parent / "fixtures" / "bench"
SG = FIX / "sglang_llama-3.3-70b_4xh200_online.jsonl"
VL = FIX / "vllm_llama-3.2-3b_4xl40s_rate10.json"
IP0 = FIX / "inference-perf_llama-3-8b_a100_stage_0_lifecycle_metrics.json"


def test_every_fixture_is_listed_with_its_source():
    sources = (FIX / "SOURCES.md").read_text()
    for f in FIX.iterdir():
        if f.name != "SOURCES.md":
            assert f"`{f.name}`" in sources, f.name


def test_sglang_jsonl_is_one_level_per_line_with_its_uniform_lengths():
    lv = bench.read(SG)
    assert [x.rate for x in lv] == [1.0, 2.0, 4.0, 8.0, 16.0]
    assert [x.requests for x in lv] == [300, 600, 1200, 2400, 3200]
    # random_range_ratio 0.0: randint(max(int(1024 * 0), 1), 1024 + 1)
    assert lv[0].prompt_tokens == lv[0].output_tokens == "uniform:1-1024"
    assert lv[0].measured["ttft_ms"] == {"p50": 85.74514742940664}
    assert lv[0].measured["itl_ms"] == {"p50": 13.638956006616354}
    assert lv[0].tool == "sglang"


def test_vllm_save_result_reads_means_medians_p99_and_the_mean_lengths():
    (lv,) = bench.read(VL)
    assert lv.tool == "vllm" and lv.rate == 10.0 and lv.concurrency is None and lv.requests == 300
    assert lv.prompt_tokens == "999" and lv.output_tokens == str(round(81050 / 300))
    assert lv.measured["ttft_ms"]["p99"] == pytest.approx(89.76647855975897)
    assert lv.model == "meta-llama/Llama-3.2-3B-Instruct"


def test_inference_perf_converts_seconds_and_uses_time_per_output_token():
    (lv,) = bench.read(IP0)
    assert lv.tool == "inference-perf" and lv.rate == 1.0 and lv.requests == 60
    assert lv.measured["ttft_ms"]["p50"] == pytest.approx(54.611469531664625)
    assert lv.measured["itl_ms"]["mean"] == pytest.approx(7.278099084623923)
    assert lv.prompt_tokens == "207" and lv.output_tokens == "229"


def test_guidellm_schema(tmp_path):
    # the documented benchmarks.json shape (no real GuideLLM file was found: SOURCES.md)
    doc = {"benchmarks": [{"config": {"strategy": {"type_": "concurrent", "streams": 8}}, "metrics": {
        "request_totals": {"successful": 40},
        "prompt_token_count": {"successful": {"mean": 512.0}},
        "output_token_count": {"successful": {"mean": 128.0}},
        "time_to_first_token_ms": {"successful": {"mean": 40.0, "median": 38.0, "percentiles": {"p90": 55.0}}},
        "inter_token_latency_ms": {"successful": {"mean": 9.0, "median": 8.5}},
        "output_tokens_per_second": {"successful": {"mean": 900.0}}}}]}
    f = tmp_path / "benchmarks.json"
    f.write_text(json.dumps(doc))
    (lv,) = bench.read(f)
    assert lv.concurrency == 8 and lv.rate is None and lv.prompt_tokens == "512"
    assert lv.measured["ttft_ms"] == {"mean": 40.0, "p50": 38.0, "p90": 55.0}


def test_guidellm_profiles_keep_their_arrival_process(tmp_path):
    """GuideLLM's constant profile sends requests at uniform intervals, its poisson profile exponential gaps: each
    level keeps its own, and the replay follows it."""
    def bm(kind):
        return {"config": {"strategy": {"type_": kind, "rate": 2.0}}, "metrics": {
            "request_totals": {"successful": 30}, "prompt_token_count": {"successful": {"mean": 256.0}},
            "output_token_count": {"successful": {"mean": 64.0}},
            "time_to_first_token_ms": {"successful": {"median": 30.0}},
            "inter_token_latency_ms": {"successful": {"median": 9.0}},
            "output_tokens_per_second": {"successful": {"mean": 120.0}}}}

    f = tmp_path / "benchmarks.json"
    f.write_text(json.dumps({"benchmarks": [bm("constant"), bm("poisson")]}))
    const, pois = bench.read(f)
    assert (const.rate, const.arrivals, pois.rate, pois.arrivals) == (2.0, "constant", 2.0, "poisson")


@pytest.mark.parametrize("b,want", [(None, "poisson"), (1.0, "poisson"), (0.5, "gamma:0.5"), (4, "gamma:4"),
                                    ("Infinity", "constant")])
def test_vllm_burstiness_is_the_replays_arrival_process(tmp_path, b, want):
    d = json.loads(VL.read_text())
    d.pop("burstiness", None)
    text = json.dumps(d if b is None else d | {"burstiness": 0.0}).replace('"burstiness": 0.0', f'"burstiness": {b}')
    f = tmp_path / "r.json"
    f.write_text(text)
    (lv,) = bench.read(f)
    assert lv.arrivals == want


def test_replay_follows_the_levels_arrival_process(monkeypatch):
    """A constant-rate level is simulate at --arrivals constant (evenly spaced), not Poisson: the same lengths and
    rate, another TTFT; a closed loop passes no arrival process."""
    from kvplan.model.frozen import replace
    from kvplan.plan import simulate as sim

    spec, gpu = catalog.load_model("llama-3.2-3b"), catalog.load_gpu("l40s")
    (lv,) = bench.read(VL)
    real, seen = sim.simulate, []

    def spy(*a, **kw):
        seen.append(kw.get("arrivals_kind"))
        return real(*a, **kw)

    monkeypatch.setattr(sim, "simulate", spy)
    (pois,) = bench.replay([lv], spec, gpu, replicas=4, max_requests=100)
    (const,) = bench.replay([replace(lv, arrivals="constant")], spec, gpu, replicas=4, max_requests=100)
    bench.replay([replace(lv, rate=None, concurrency=4, arrivals="constant")], spec, gpu, max_requests=20)
    assert seen == ["poisson", "constant", None]
    r = real(spec, gpu, replicas=4, rate=10.0, arrivals_kind="constant", prompt_tokens="999", output_tokens="270",
             requests=100, router="least-loaded")
    assert const.predicted["ttft_ms"] == r.ttft_ms.as_dict() != pois.predicted["ttft_ms"]


@pytest.mark.parametrize("text,msg", [("{}", "not a result of"), ("not json", "not JSON"),
                                      ('{"load_summary": {}, "successes": {"count": 0}}', "no successful")])
def test_bad_files_are_one_clear_error(tmp_path, text, msg):
    f = tmp_path / "x.json"
    f.write_text(text)
    with pytest.raises(KvplanError, match=msg):
        bench.read(f)


def test_replay_is_simulate_at_the_files_load():
    from kvplan.plan import simulate as sim

    spec, gpu = catalog.load_model("llama-3.2-3b"), catalog.load_gpu("l40s")
    lv = bench.read(VL)
    (row,) = bench.replay(lv, spec, gpu, replicas=4, max_requests=100)
    r = sim.simulate(spec, gpu, replicas=4, rate=10.0, prompt_tokens="999", output_tokens="270",
                     requests=100, router="least-loaded")
    assert row.predicted["ttft_ms"] == r.ttft_ms.as_dict()
    assert row.predicted["output_tokens_per_s"] == r.output_tokens_per_s


def test_replay_takes_the_runs_async_scheduling_apart_from_its_version(monkeypatch):
    """runs.yaml's ``async_scheduling`` (a vLLM run whose version is unstated but whose date predates
    0.14.0): False turns async scheduling off for every level, with its reason among the limits'
    sources, and the row is simulate's with those limits; None leaves it to the version (unstated:
    kvplan's vLLM 0.33, on). Off, a request arriving mid-step is no longer held a step: a lower TTFT
    at this file's 10 requests/s. SGLang has no such rule to turn."""
    from kvplan.model.frozen import replace
    from kvplan.plan import simulate as sim

    spec, gpu = catalog.load_model("llama-3.2-3b"), catalog.load_gpu("l40s")
    lv, real, seen = bench.read(VL), sim.simulate, []

    def spy(*a, **kw):
        seen.append(kw["limits"])
        return real(*a, **kw)

    monkeypatch.setattr(sim, "simulate", spy)
    (off,) = bench.replay(lv, spec, gpu, replicas=4, max_requests=100, async_scheduling=False)
    (on,) = bench.replay(lv, spec, gpu, replicas=4, max_requests=100)
    assert [x.async_scheduling for x in seen] == [False, True]
    assert seen[0].sources["async_scheduling"] == "the run's async scheduling, stated apart from its version (its date)"
    lim = replace(sim.engine_limits(spec, gpu, 1, "vllm", None, True, "completions"), async_scheduling=False)
    r = real(spec, gpu, replicas=4, rate=10.0, prompt_tokens="999", output_tokens="270", requests=100,
             router="least-loaded", limits=lim)
    assert off.predicted["ttft_ms"] == r.ttft_ms.as_dict()
    assert off.predicted["ttft_ms"]["mean"] < on.predicted["ttft_ms"]["mean"]
    bench.replay(lv, spec, gpu, replicas=4, max_requests=100, engine="sglang", async_scheduling=False)
    assert seen[-1].engine == "sglang" and "async_scheduling" not in seen[-1].sources


def test_a_profile_scales_every_step_and_is_refused_on_another_gpu(tmp_path):
    spec = catalog.load_model("llama-3.1-8b")
    h100 = catalog.load_gpu("h100")
    base = OpLatency(spec, h100)
    f = tmp_path / "p.yaml"
    f.write_text(yaml.safe_dump({"kind": "kvplan-latency-profile", "gpu": h100.name, "step_scale": 1.5}))
    st = apply_profile(OpLatency(spec, h100), f)
    assert st.decode(1000, 8).seconds == pytest.approx(1.5 * base.decode(1000, 8).seconds, rel=1e-12)
    assert st.mixed_sum([(0, 500)], 3, 3000, seconds=True) == pytest.approx(
        1.5 * base.mixed_sum([(0, 500)], 3, 3000, seconds=True), rel=1e-12)
    with pytest.raises(KvplanError, match="fitted on h100-sxm-80gb"):
        apply_profile(OpLatency(spec, catalog.load_gpu("a100-sxm-80gb")), f)
    f.write_text("kind: other\n")
    with pytest.raises(KvplanError, match="not a kvplan latency profile"):
        load_profile(f)


def cli(*args):
    return subprocess.run([sys.executable, "-m", "kvplan", *args], capture_output=True, text=True)


def test_calibrate_writes_a_profile_that_lowers_the_error_on_its_own_run(tmp_path):
    out = tmp_path / "prof.yaml"
    r = cli("check-bench", str(VL), "--gpu", "l40s", "--replicas", "4", "--max-requests", "120",
            "--calibrate", str(out))
    assert r.returncode == 0, r.stderr
    doc = load_profile(out)
    assert doc["gpu"] == "l40s" and doc["rms_log_error_after"] <= doc["rms_log_error_before"]
    assert not math.isclose(doc["step_scale"], 1.0)
    r2 = cli("simulate", "llama-3.2-3b", "--gpu", "l40s", "--concurrency", "1", "--prompt-tokens", "500",
             "--output-tokens", "50", "--requests", "20", "--profile", str(out), "--json")
    r1 = cli("simulate", "llama-3.2-3b", "--gpu", "l40s", "--concurrency", "1", "--prompt-tokens", "500",
             "--output-tokens", "50", "--requests", "20", "--json")
    a, b = json.loads(r1.stdout), json.loads(r2.stdout)
    assert b["itl_ms"]["p50"] == pytest.approx(a["itl_ms"]["p50"] * doc["step_scale"], rel=1e-9)


def test_check_bench_table_fits_80_columns_and_json_is_valid():
    r = cli("check-bench", str(SG), "--model", "llama-3.1-70b", "--gpu", "h200", "--tp", "4", "--engine",
            "sglang", "--max-requests", "100")
    assert r.returncode == 0, r.stderr
    assert all(len(line) <= 80 for line in r.stdout.splitlines())
    assert "rate 16/s (3,200)" in r.stdout
    r = cli("check-bench", str(IP0), "--model", "llama-3-8b", "--gpu", "a100-sxm-40gb", "--json")
    doc = json.loads(r.stdout)
    assert doc["levels"][0]["tool"] == "inference-perf"


def test_check_bench_bad_input_is_one_line():
    r = cli("check-bench", str(IP0), "--gpu", "a100-sxm-40gb")
    assert r.returncode == 2 and "give --model" in r.stderr and len(r.stderr.strip().splitlines()) == 1


def test_reads_the_printed_summary_blocks_of_vllm_bench_serve(tmp_path):
    from kvplan.observe import bench

    block = """noise before
============ Serving Benchmark Result ============
Successful requests:                     500
Benchmark duration (s):                  98.91
Total input tokens:                      998175
Total generated tokens:                  50000
Output token throughput (tok/s):         505.51
Mean TTFT (ms):                          50716.13
Median TTFT (ms):                        49138.28
Mean TPOT (ms):                          206.51
Mean ITL (ms):                           204.84
Median ITL (ms):                         46.01
==================================================
"""
    f = tmp_path / "run.txt"
    f.write_text(block + block.replace("Successful requests:                     500",
                                       "Traffic request rate:                    4.0\nSuccessful requests: 10"))
    a, b = bench.read(f)
    assert (a.requests, a.prompt_tokens, a.output_tokens, a.rate) == (500, "1996", "100", None)
    assert a.measured["ttft_ms"] == {"mean": 50716.13, "p50": 49138.28}
    assert a.measured["tpot_ms"] == {"mean": 206.51} and a.measured["output_tokens_per_s"] == 505.51
    assert (b.requests, b.rate) == (10, 4.0)
    with pytest.raises(KvplanError, match="request rate or concurrency"):
        bench.replay([a], None, None)


def test_one_saturation_rule_for_measured_and_simulated():
    from kvplan.observe.bench import saturated

    assert saturated(2.0, 100.0, 179.9) and not saturated(2.0, 100.0, 180.0)  # 90 % of 200 tok/s
    assert saturated(math.inf, 100.0, None) and saturated(2.0, 100.0, None) is None
    assert saturated(None, 100.0, 1.0) is False  # a closed loop


def test_saturation_over_a_finite_runs_own_span():
    """101 requests of 100 tokens at 1/s: their mean span is 100 s (100 intervals), so a server that
    keeps up gives 10,100 tokens in 100 s plus the last request's decode; saturated below 90 % of that:
    90.9 tok/s with no drain, 90.9 × 100 / 110 = 82.6 with a 10 s drain or over a drawn span of 110 s."""
    from kvplan.observe.bench import saturated

    assert saturated(1.0, 100.0, 90.8, 101) and not saturated(1.0, 100.0, 91.0, 101)
    assert not saturated(1.0, 100.0, 85.0, 101, drain_s=10.0) and saturated(1.0, 100.0, 82.5, 101, drain_s=10.0)
    assert not saturated(1.0, 100.0, 85.0, 101, span_s=110.0)
    assert saturated(math.inf, 100.0, None, 101) and saturated(None, 100.0, 1.0, 101) is False


def test_saturation_of_two_requests_and_at_exactly_ninety_percent():
    """Two requests already span one interval: 2 requests of 100 tokens at 1/s keep up with 200
    tokens over (2 − 1) / 1 = 1 s, so 100 tok/s is saturated (100 × 1 < 0.9 × 200 = 180) where the
    steady-state rule (0.9 × 1 × 100 = 90) would call it kept up; 180 tok/s is not (180 = 180). At
    exactly 90 % of a longer run it is not saturated either: 10 requests of 10 tokens over a drawn
    span of 9 s give 10 tok/s × 9 s = 90 tokens = 0.9 × 100 (exact in binary: 0.9 × 10 is 9.0)."""
    from kvplan.observe.bench import saturated

    assert saturated(1.0, 100.0, 100.0, 2) and saturated(1.0, 100.0, 179.9, 2)
    assert not saturated(1.0, 100.0, 180.0, 2)
    assert not saturated(1.0, 10.0, 10.0, 10, span_s=9.0) and saturated(1.0, 10.0, 9.99, 10, span_s=9.0)


def test_round_12s_runs_by_the_finite_run_rule():
    """zhjunqin's vLLM 0.4.1 rows (benchmarks/serving/runs.yaml): the 2/s run (200 requests, 220.66
    tokens each on average, median TPOT 29.64 ms, median TTFT 68 ms: no queue) kept up: 0.9 × 44,132
    tokens / (99.5 s + 220.66 × 0.02964 s) = 374.6 tok/s < 391.28 measured; the steady-state rule
    called it saturated (391.28 < 0.9 × 2 × 220.66 = 397.2). The 8/s run (1,000 requests, 199.774
    tokens, TPOT 104.71 ms; median TTFT 24.9 s) stays saturated: 0.9 × 199,774 / (124.875 + 20.92) =
    1,233 > 986.37; the 5/s run (TPOT 82.95 ms) is not: 831 < 915.52."""
    from kvplan.observe.bench import saturated

    assert saturated(2.0, 220.66, 391.28)  # the steady-state rule, without the run's count
    assert not saturated(2.0, 220.66, 391.28, 200, drain_s=220.66 * 0.02964)
    assert saturated(8.0, 199.774, 986.37, 1000, drain_s=199.774 * 0.10471)
    assert not saturated(5.0, 199.774, 915.52, 1000, drain_s=199.774 * 0.08295)


def test_a_save_result_with_its_per_request_lengths_is_replayed_with_them(tmp_path):
    """vLLM's --save-result keeps input_lens / output_lens: the replay sends exactly those
    requests (two requests of 100 -> 5 and 900 -> 60 tokens: 1,000 prompt tokens in all)."""
    d = {"backend": "openai-chat", "request_rate": "inf", "completed": 2, "total_input_tokens": 1000,
         "total_output_tokens": 65, "output_throughput": 100.0, "median_ttft_ms": 50.0, "mean_itl_ms": 10.0,
         "input_lens": [100, 900], "output_lens": [5, 60]}
    f = tmp_path / "r.json"
    f.write_text(json.dumps(d))
    (lv,) = bench.read(f)
    assert lv.lengths == ((100, 5), (900, 60)) and lv.endpoint == "chat" and lv.prompt_tokens == "500"
    spec, gpu = catalog.load_model("llama-3.1-8b"), catalog.load_gpu("h100")
    (row,) = bench.replay([lv], spec, gpu)
    assert row.predicted["output_tokens_per_s"] > 0
    assert bench._lengths(lv, 2, 0) == [(100, 5), (900, 60)]


def test_a_sharegpt_run_stated_by_its_means_is_replayed_with_a_measured_spread():
    from kvplan.observe import sharegpt

    # the source file's own totals (LambdaLabs' 320-prompt ShareGPT run): the data are unchanged
    assert len(sharegpt.PAIRS) == 320
    assert sum(p for p, _ in sharegpt.PAIRS) == 65_578 and sum(o for _, o in sharegpt.PAIRS) == 65_331
    got = sharegpt.pairs(20_000, 217.0, 202.0, seed=1)
    assert sum(p for p, _ in got) / len(got) == pytest.approx(217.0, rel=0.03)
    assert sum(o for _, o in got) / len(got) == pytest.approx(202.0, rel=0.03)
    assert max(o for _, o in got) > 3 * 202  # the long answers that set an all-at-once run's length
    lv = bench.Level("printed", "x", None, math.inf, None, 10, "217", "202",
                     {"mean_prompt_tokens": 217.0, "mean_output_tokens": 202.0}, dataset="sharegpt")
    assert len(bench._lengths(lv, 10, 0)) == 10
    assert bench._lengths(bench.Level("printed", "x", None, math.inf, None, 10, "217", "202", {}), 10, 0) is None


@pytest.mark.parametrize("d,want", [({"backend": "openai-chat"}, "chat"), ({"backend": "vllm"}, "completions"),
                                    ({"endpoint_type": "vllm", "backend": "vllm"}, "completions"),
                                    ({"backend": "sglang-oai-chat"}, "chat"), ({}, None)])
def test_the_endpoint_follows_the_files_backend(d, want):
    assert bench._endpoint(d) == want


def test_reads_sglang_bench_serving_printed_blocks_with_their_concurrency(tmp_path):
    """sglang.bench_serving prints 'Backend:' and 'Max request concurrency:' (vLLM's client
    prints 'Maximum request concurrency' and no backend): a closed-loop SGLang run read from its
    printed block keeps its concurrency, and is known as SGLang's client (which sends ignore_eos)."""
    from kvplan.observe import bench

    block = """============ Serving Benchmark Result ============
Backend:                                 sglang
Traffic request rate:                    inf
Max request concurrency:                 16
Successful requests:                     80
Total input tokens:                      39668
Total generated tokens:                  40805
Output token throughput (tok/s):         513.48
Median TTFT (ms):                        147.02
==================================================
"""
    f = tmp_path / "run.txt"
    f.write_text(block + block.replace("Backend:                                 sglang\n", ""))
    a, b = bench.read(f)
    assert (a.tool, a.concurrency, a.rate, a.requests) == ("sglang", 16, None, 80)
    assert (b.tool, b.concurrency) == ("printed", 16)


# ---- the vLLM version a run states (its admission rule: simulate/limits.py for_vllm_version) ----
D4 = Path(__file__).parent.parent.parent / "benchmarks/serving/files/dennislee22/test4_qwen2-7b_1xa100-80gb_gmu0.25.txt"
LOG = FIX / "vllm-0.10.1.1_startup_head.log"


def _admission(monkeypatch, levels, **kw):
    """The reserve_full_isl each level was replayed with (simulate recorded, not run)."""
    from types import SimpleNamespace

    from kvplan.plan import simulate as sim

    got = []

    def fake(*a, limits=None, **k):
        got.append(limits.reserve_full_isl)
        z = SimpleNamespace(as_dict=dict)
        return SimpleNamespace(ttft_ms=z, itl_ms=z, tpot_ms=z, e2e_ms=z, output_tokens_per_s=1.0, duration_s=1.0,
                               requests=1, saturated=False)

    monkeypatch.setattr(sim, "simulate", fake)
    levels = [bench.replace(lv, rate=math.inf) for lv in levels]  # the README's runs use the default rate inf
    bench.replay(levels, catalog.load_model("qwen2.5-7b"), catalog.load_gpu("a100-sxm-80gb"), **kw)
    return got


def test_a_printed_result_with_its_server_log_states_the_vllm_version(tmp_path, monkeypatch):
    # the vLLM 0.10.1.1 server's first log lines, then the benchmark's printed results (both stored)
    f = tmp_path / "run.txt"
    f.write_text(LOG.read_text() + D4.read_text())
    levels = bench.read(f)
    assert len(levels) == 10 and {lv.engine_version for lv in levels} == {"0.10.1.1"}
    assert {lv.engine_version for lv in bench.read(D4)} == {None}  # the results alone do not say
    # 0.10.1.1 < 0.19.0: admission checks the first chunk only; the caller's version wins over the file's
    assert _admission(monkeypatch, levels[:1]) == [False]
    assert _admission(monkeypatch, levels[:1], engine_version="0.19.0") == [True]
    assert _admission(monkeypatch, levels[:1], engine_version="0.18.1") == [False]
    assert _admission(monkeypatch, bench.read(D4)[:1]) == [True]  # none stated: kvplan's vLLM (0.33)


def test_check_bench_engine_version_flag_reaches_the_replay_and_says_so():
    r = cli("check-bench", str(IP0), "--model", "llama-3-8b", "--gpu", "a100-sxm-40gb", "--max-requests", "20",
            "--engine-version", "0.11.0", "--json")  # the demo's server: vllm/vllm-openai:v0.11.0 (SOURCES.md)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["notes"] == ["vLLM 0.11.0 (--engine-version): before 0.19.0 a waiting request "
                                             "is admitted when its first chunk fits"]
    r = cli("check-bench", str(IP0), "--model", "llama-3-8b", "--gpu", "a100-sxm-40gb", "--max-requests", "20",
            "--engine-version", "0.19.0", "--json")
    assert r.returncode == 0 and json.loads(r.stdout)["notes"] == []
    r = cli("check-bench", str(IP0), "--model", "llama-3-8b", "--gpu", "a100-sxm-40gb", "--engine-version", "latest")
    assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1
    assert "--engine-version must be a version such as 0.11.0, got 'latest'" in r.stderr


def test_check_bench_engine_version_turns_sglangs_overlap_scheduler_off_before_0_4():
    args = ("check-bench", str(SG), "--model", "llama-3.1-70b", "--gpu", "h200", "--tp", "4", "--engine", "sglang",
            "--max-requests", "20", "--json", "--engine-version")
    r = cli(*args, "0.3.0")
    assert r.returncode == 0, r.stderr
    old = json.loads(r.stdout)
    assert old["notes"] == ["SGLang 0.3.0 (--engine-version): before 0.4.0 the overlap scheduler is off by default"]
    new = json.loads(cli(*args, "0.4.0").stdout)
    assert new["notes"] == []
    # at 1 request/s (the first level) a request that arrives mid-step no longer waits a second step

    def ttft(doc):
        return next(p["predicted"] for p in doc["levels"][0]["pairs"] if p["metric"] == "ttft_ms")

    assert ttft(old) < ttft(new)


def test_calibrate_replays_every_scale_it_tries_at_the_version_given(monkeypatch):
    # the golden-section search replays the run once per scale tried; each replay must carry the
    # caller's engine version (its rules), not the levels' own (objective stubbed: a flat error)
    seen = []

    def spy(levels, spec, gpu, **kw):
        seen.append(kw["engine_version"])
        return []

    monkeypatch.setattr(bench, "replay", spy)
    monkeypatch.setattr(bench, "objective", lambda rows: 1.0)
    spec, g = catalog.load_model("llama-3.1-8b"), catalog.load_gpu("h100")
    scale, before, after, rows = bench.calibrate([], spec, g, engine_version="0.11.0")
    assert scale == 1.0 and len(seen) > 1 and set(seen) == {"0.11.0"}  # flat: scale 1 kept (the first of min)
    seen.clear()
    bench.calibrate([], spec, g)
    assert set(seen) == {None}
