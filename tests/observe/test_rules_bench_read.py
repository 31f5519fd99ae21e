"""check-bench's readers and replay, record by record (issue 25: the mutants of
kvplan/observe/bench.py). Each result file is made up here in its tool's documented keys (the
module docstring) with round numbers, and the whole Level it reads into is written out."""
import json
import math

import pytest

from kvplan.errors import KvplanError
from kvplan.observe import bench
from kvplan.model.frozen import replace
from kvplan.observe.bench import Level


_TMP = {}


class _SimResult:
    """What replay reads of a simulate result, for tests that replace simulate."""
    class _Stats:
        def as_dict(self):
            return {}
    ttft_ms = itl_ms = tpot_ms = e2e_ms = _Stats()
    output_tokens_per_s, saturated, duration_s, requests = 1.0, False, 1.0, 1


def _write(doc, name="r.json"):
    f = _TMP["dir"] / name
    f.write_text(json.dumps(doc))
    return f


@pytest.fixture(autouse=True)
def _tmp(tmp_path):
    _TMP["dir"] = tmp_path


VLLM = {"backend": "vllm", "model_id": "org/M", "request_rate": 4, "max_concurrency": None, "completed": 10,
        "total_input_tokens": 1_005, "total_output_tokens": 196, "output_throughput": 50.5,
        "mean_ttft_ms": 40.0, "median_ttft_ms": 38.0, "p99_ttft_ms": 90.0, "mean_itl_ms": 9.0,
        "median_itl_ms": 8.0, "p99_itl_ms": 20.0, "mean_tpot_ms": 9.5}


def test_vllm_result_whole():
    # 1,005 / 10 = 100.5 prompt tokens a request, rounded to 100 (Python rounds half to even);
    # 196 / 10 = 19.6 → 20
    (lv,) = bench.read(_write(VLLM))
    assert lv == Level("vllm", "r.json", "org/M", 4.0, None, 10, "100", "20",
                       {"ttft_ms": {"mean": 40.0, "p50": 38.0, "p99": 90.0}, "itl_ms": {"mean": 9.0, "p50": 8.0, "p99": 20.0},
                        "tpot_ms": {"mean": 9.5}, "output_tokens_per_s": 50.5, "mean_prompt_tokens": 100.5,
                        "mean_output_tokens": 19.6}, (), None, "completions")


def test_vllm_counts_concurrency_and_rate():
    # num_prompts when completed is absent; a concurrency with an infinite rate is a closed loop
    (lv,) = bench.read(_write({**VLLM, "completed": None, "num_prompts": 5, "request_rate": "inf",
                               "max_concurrency": 4}))
    assert (lv.requests, lv.rate, lv.concurrency) == (5, None, 4)
    (lv,) = bench.read(_write({**VLLM, "request_rate": None, "max_concurrency": 4}))
    assert (lv.rate, lv.concurrency) == (None, 4)
    # a concurrency cap beside a finite rate: both kept (an open loop, capped)
    (lv,) = bench.read(_write({**VLLM, "request_rate": 4, "max_concurrency": 8}))
    assert (lv.rate, lv.concurrency) == (4.0, 8)
    # no cap and an infinite rate: all at once
    (lv,) = bench.read(_write({**VLLM, "request_rate": "Infinity"}))
    assert (lv.rate, lv.concurrency) == (math.inf, None)
    # one completed request is a run
    (lv,) = bench.read(_write({**VLLM, "completed": 1, "total_input_tokens": 3, "total_output_tokens": 1}))
    assert (lv.requests, lv.prompt_tokens, lv.output_tokens) == (1, "3", "1")
    # means under one token are one token
    (lv,) = bench.read(_write({**VLLM, "total_input_tokens": 2, "total_output_tokens": 3}))
    assert (lv.prompt_tokens, lv.output_tokens) == ("1", "1")
    with pytest.raises(KvplanError, match=r"^r\.json: no completed requests$"):
        bench.read(_write({**VLLM, "completed": 0}))


def test_sglang_random_dataset_lengths():
    d = {**VLLM, "backend": "sglang", "dataset_name": "random", "random_input_len": 1000, "random_output_len": 200,
         "random_range_ratio": 0.5, "mean_e2e_latency_ms": 1.0}
    # randint(max(int(1000 × 0.5), 1), 1000 + 1): uniform 500 to 1000; outputs 100 to 200
    (lv,) = bench.read(_write(d))
    assert (lv.tool, lv.prompt_tokens, lv.output_tokens, lv.dataset) == ("sglang", "uniform:500-1000", "uniform:100-200",
                                                                         "random")
    # no ratio: 0, so from 1
    (lv,) = bench.read(_write({**d, "random_range_ratio": None}))
    assert (lv.prompt_tokens, lv.output_tokens) == ("uniform:1-1000", "uniform:1-200")
    # a ratio of 1: every request at the length
    (lv,) = bench.read(_write({**d, "random_range_ratio": 1.0}))
    assert (lv.prompt_tokens, lv.output_tokens) == ("1000", "200")
    # another data set, or vLLM's file with the same keys: the means
    (lv,) = bench.read(_write({**d, "dataset_name": "sharegpt"}))
    assert (lv.prompt_tokens, lv.output_tokens) == ("100", "20")
    v = {k: x for k, x in d.items() if k != "random_range_ratio"}
    (lv,) = bench.read(_write({**v, "backend": "vllm"}))
    assert (lv.tool, lv.prompt_tokens) == ("vllm", "100")


@pytest.mark.parametrize("extra,tool", [
    ({"backend": "sglang-oai"}, "sglang"),
    ({"backend": "vllm", "random_range_ratio": 0.0, "mean_e2e_latency_ms": 5.0}, "sglang"),  # SGLang's own keys
    ({"backend": "vllm", "random_range_ratio": 0.0}, "vllm"),
    ({"backend": "vllm", "mean_e2e_latency_ms": 5.0}, "vllm"),
    ({"backend": None}, "vllm"),
])
def test_which_tool_wrote_a_vllm_like_file(extra, tool):
    d = {k: v for k, v in {**VLLM, **extra}.items() if v is not None}
    (lv,) = bench.read(_write(d))
    assert lv.tool == tool


def test_vllm_like_needs_an_itl():
    d = {k: v for k, v in VLLM.items() if k not in ("median_itl_ms",)}
    assert bench.read(_write(d))[0].measured["itl_ms"] == {"mean": 9.0, "p99": 20.0}  # the mean alone will do
    d = {k: v for k, v in VLLM.items() if k not in ("mean_itl_ms",)}
    assert bench.read(_write(d))[0].measured["itl_ms"] == {"p50": 8.0, "p99": 20.0}
    d = {k: v for k, v in VLLM.items() if k not in ("mean_itl_ms", "median_itl_ms")}
    with pytest.raises(KvplanError, match=r"^r\.json: not a result of vllm, sglang, inference-perf, guidellm \(keys: "
                                          r"backend, completed, max_concurrency, mean_tpot_ms, mean_ttft_ms, "
                                          r"median_ttft_ms\.\.\.\)$"):
        bench.read(_write(d))


def test_json_lines_are_numbered_and_each_must_be_an_object():
    f = _write(None)
    f.write_text(json.dumps(VLLM) + "\n\n" + json.dumps({**VLLM, "request_rate": 8}) + "\n")
    a, b = bench.read(f)
    assert (a.source, a.rate, b.source, b.rate) == ("r.json:1", 4.0, "r.json:2", 8.0)
    f.write_text(json.dumps(VLLM) + "\n[1]\n")
    with pytest.raises(KvplanError, match=r"^r\.json:2: expected a JSON object$"):
        bench.read(f)
    f.write_text("[1]")
    with pytest.raises(KvplanError, match=r"^r\.json: expected a JSON object$"):
        bench.read(f)
    f.write_text(json.dumps(VLLM) + "\n{oops\n")
    with pytest.raises(KvplanError, match=r"^.*r\.json: not JSON or JSON lines \(Expecting property name enclosed "
                                          r"in double quotes, line 1\)$"):
        bench.read(f)


def test_malformed_fields_and_unreadable_files():
    with pytest.raises(KvplanError, match=r"^r\.json: a vllm, sglang, inference-perf or guidellm result "
                                          r"missing or malformed field: 'total_input_tokens'$"):
        bench.read(_write({k: v for k, v in VLLM.items() if k != "total_input_tokens"}))
    with pytest.raises(KvplanError, match=r"^cannot read .*: Is a directory$"):
        bench.read(_TMP["dir"])
    f = _write(None)
    f.write_bytes(b"\xff\xfe{")
    # said as every reader says it (sources/readers.py), not in the codec's words
    with pytest.raises(KvplanError, match=r"^.*r\.json: not UTF-8 text \(text in another encoding: byte 0xff at "
                                          r"offset 0\); a benchmark result must be UTF-8$"):
        bench.read(f)


def test_per_request_lengths_only_when_complete():
    d = {**VLLM, "completed": 2, "total_input_tokens": 30, "total_output_tokens": 7,
         "input_lens": [10, 20], "output_lens": [3, 4]}
    assert bench.read(_write(d))[0].lengths == ((10, 3), (20, 4))
    assert bench.read(_write({**d, "output_lens": [3]}))[0].lengths == ()


IP = {"load_summary": {"requested_rate": 2.0},
      "successes": {"count": 20, "prompt_len": {"mean": 300.4}, "output_len": {"mean": 50.6},
                    "latency": {"time_to_first_token": {"mean": 0.05, "median": 0.04, "p90": 0.08, "p99": 0.1},
                                "time_per_output_token": {"mean": 0.01, "p50": 0.009}},
                    "throughput": {"output_tokens_per_sec": 500.0}}}


def test_inference_perf_whole():
    # seconds × 1,000 = ms; inference-perf names its median "median" or "p50"
    (lv,) = bench.read(_write(IP))
    assert lv == Level("inference-perf", "r.json", None, 2.0, None, 20, "300", "51",
                       {"ttft_ms": {"mean": 50.0, "p50": 40.0, "p90": 80.0, "p99": 100.0},
                        "itl_ms": {"mean": 10.0, "p50": 9.0}, "output_tokens_per_s": 500.0,
                        "mean_prompt_tokens": 300.4, "mean_output_tokens": 50.6})


def test_inference_perf_sparse():
    s = {"count": 1, "prompt_len": {"mean": 0.2}, "output_len": {"mean": 0.4}}
    (lv,) = bench.read(_write({"load_summary": {}, "successes": s}))
    assert lv == Level("inference-perf", "r.json", None, None, None, 1, "1", "1",
                       {"ttft_ms": {}, "itl_ms": {}, "output_tokens_per_s": None,
                        "mean_prompt_tokens": 0.2, "mean_output_tokens": 0.4})
    with pytest.raises(KvplanError, match=r"^r\.json: no successful requests$"):
        bench.read(_write({"load_summary": {}, "successes": {**s, "count": 0}}))
    # a file with one of the two inference-perf keys is not read as one
    with pytest.raises(KvplanError, match=r"not a result of"):
        bench.read(_write({"successes": s}))


def guidellm_benchmark(strategy, where="config"):
    return {where: {"strategy": strategy}, "metrics": {
        "request_totals": {"successful": 40},
        "prompt_token_count": {"successful": {"mean": 512.4}},
        "output_token_count": {"successful": {"mean": 0.3}},
        "time_to_first_token_ms": {"successful": {"mean": 40.0, "median": 38.0,
                                                  "percentiles": {"p50": 37.0, "p90": 55.0, "p95": 60.0, "p99": 70.0}}},
        "inter_token_latency_ms": {"successful": {"mean": 9.0}},
        "output_tokens_per_second": {"successful": {"mean": 900.0}}}}


def test_guidellm_whole():
    (lv,) = bench.read(_write({"benchmarks": [guidellm_benchmark({"type_": "poisson", "rate": 2})]}, "b.json"))
    # a p50 among the percentiles overrides the median; p95 is not kept
    assert lv == Level("guidellm", "b.json #1", None, 2.0, None, 40, "512", "1",
                       {"ttft_ms": {"mean": 40.0, "p50": 37.0, "p90": 55.0, "p99": 70.0}, "itl_ms": {"mean": 9.0},
                        "output_tokens_per_s": 900.0, "mean_prompt_tokens": 512.4, "mean_output_tokens": 0.3})


@pytest.mark.parametrize("strategy,where,rate,conc", [
    ({"type_": "constant", "rate": 3}, "config", 3.0, None),
    ({"type": "poisson", "rate": 1.5}, "args", 1.5, None),  # older files: args.strategy, "type"
    ({"type_": "concurrent", "streams": 8}, "config", None, 8),
    ({"type_": "concurrent", "max_concurrency": 6}, "config", None, 6),
    ({"type_": "throughput"}, "config", math.inf, None),
    ({"type_": "synchronous"}, "config", None, 1),
])
def test_guidellm_strategies(strategy, where, rate, conc):
    (lv,) = bench.read(_write({"benchmarks": [guidellm_benchmark(strategy, where)]}))
    assert (lv.rate, lv.concurrency) == (rate, conc)


def test_guidellm_errors_name_the_benchmark():
    ok = guidellm_benchmark({"type_": "synchronous"})
    bad = guidellm_benchmark({"type_": "sweep"})
    with pytest.raises(KvplanError, match=r"^b\.json benchmark 2: strategy 'sweep' is not replayed \(constant, "
                                          r"poisson, concurrent, throughput, synchronous\)$"):
        bench.read(_write({"benchmarks": [ok, bad]}, "b.json"))
    for drop in ("request_totals", "prompt_token_count", "output_token_count"):
        m = dict(ok["metrics"])
        del m[drop]
        with pytest.raises(KvplanError, match=r"^b\.json benchmark 2: needs request_totals and prompt/output token "
                                              r"counts$"):
            bench.read(_write({"benchmarks": [ok, {**ok, "metrics": m}]}, "b.json"))
    levels = bench.read(_write({"benchmarks": [ok, ok]}, "b.json"))
    assert [lv.source for lv in levels] == ["b.json #1", "b.json #2"]


def test_pairs_in_order():
    lv = Level("vllm", "f", None, 1.0, None, 1, "1", "1",
               {"ttft_ms": {"p50": 1.0, "mean": 2.0, "p90": 3.0, "p99": 4.0}, "itl_ms": {"mean": 5.0},
                "output_tokens_per_s": 6.0})
    row = bench.Row(lv, {"ttft_ms": {"p50": 10.0, "mean": 20.0, "p90": 30.0, "p99": 40.0},
                         "itl_ms": {"mean": 50.0, "p50": 55.0}, "output_tokens_per_s": 60.0})
    assert bench.pairs(row) == [("ttft_ms", "p50", 1.0, 10.0), ("ttft_ms", "mean", 2.0, 20.0),
                                ("ttft_ms", "p90", 3.0, 30.0), ("ttft_ms", "p99", 4.0, 40.0),
                                ("itl_ms", "mean", 5.0, 50.0), ("output_tokens_per_s", "", 6.0, 60.0)]
    empty = bench.Row(Level("vllm", "f", None, 1.0, None, 1, "1", "1", {}),
                      {"ttft_ms": {}, "itl_ms": {}, "output_tokens_per_s": 1.0})
    assert bench.pairs(empty) == []


# --- replay, with the simulator replaced ----------------------------------------------------

def test_replay_passes_the_files_load_and_the_set_up(monkeypatch):
    from kvplan.plan import simulate as sim

    calls, limits = [], []

    class Stats:
        def __init__(self, v):
            self.v = v

        def as_dict(self):
            return {"p50": self.v}

    class Result:
        ttft_ms, itl_ms, tpot_ms, e2e_ms = Stats(1.0), Stats(2.0), Stats(3.0), Stats(5.0)
        output_tokens_per_s, saturated, duration_s, requests, arrival_span_s = 4.0, False, 10.0, 50, 7.5

    def engine_limits(*a):
        limits.append(a)
        return f"limits-{a[-1]}"

    def simulate(spec, gpu, **kw):
        calls.append((spec, gpu, kw))
        return Result()
    monkeypatch.setattr(sim, "engine_limits", engine_limits)
    monkeypatch.setattr(sim, "simulate", simulate)
    a = Level("vllm", "a", None, 2.0, None, 50, "100", "10", {}, endpoint="chat")
    b = Level("vllm", "b", None, None, 4, 5_000, "uniform:1-9", "7", {}, lengths=((3, 4),) * 5_000)
    c = Level("vllm", "c", None, 1.0, None, 5, "1", "1", {})
    rows = bench.replay([a, b, c], "spec", "gpu", tp=2, replicas=3, engine="sglang", opts="opts",
                        prefix_caching=False, max_requests=1_000, seed=9, step="step")
    # one engine_limits per endpoint (chat, then completions for the two that do not say)
    assert limits == [("spec", "gpu", 2, "sglang", "opts", False, "chat"),
                      ("spec", "gpu", 2, "sglang", "opts", False, "completions")]
    common = dict(tp=2, replicas=3, engine="sglang", seed=9, roofline="step", router="least-loaded", opts="opts")
    assert calls[0] == ("spec", "gpu", dict(common, prompt_tokens="100", output_tokens="10", requests=50,
                                            limits="limits-chat", lengths=None, rate=2.0, arrivals_kind="poisson"))
    # 5,000 completed requests, replayed up to max_requests = 1,000, with the first 1,000 lengths
    assert calls[1] == ("spec", "gpu", dict(common, prompt_tokens="uniform:1-9", output_tokens="7", requests=1_000,
                                            limits="limits-completions", lengths=[(3, 4)] * 1_000, concurrency=4))
    assert calls[2][2]["rate"] == 1.0 and "concurrency" not in calls[2][2] and "max_concurrency" not in calls[2][2]
    assert rows[0] == bench.Row(a, {"ttft_ms": {"p50": 1.0}, "itl_ms": {"p50": 2.0}, "tpot_ms": {"p50": 3.0},
                                    "e2e_ms": {"p50": 5.0}, "output_tokens": 40, "requests": 50,
                                    "arrival_span_s": 7.5, "output_tokens_per_s": 4.0, "saturated": False})
    # a client's warm-up and prefix groups (the first 2 of lengths and prefix_ids): the warm-up plus the
    # measured requests' lengths and groups, cut at max_requests like the lengths alone
    calls.clear()
    d = Level("vllm", "d", None, None, 2, 3, "5", "2", {}, lengths=((5, 2), (6, 2), (7, 2), (8, 2), (9, 2)),
              prefix_ids=("a", "b", "a", "b", "c"), shared_prefix=4, warmup=2)
    bench.replay([d], "spec", "gpu", step="step", max_requests=2)
    got = calls[0][2]
    assert (got["requests"], got["warmup"], got["shared_prefix"], got["concurrency"]) == (2, 2, 4, 2)
    assert got["lengths"] == [(5, 2), (6, 2), (7, 2), (8, 2)] and got["prefix_ids"] == ["a", "b", "a", "b"]
    # prefix groups without a warm-up, and a warm-up without groups: each still reaches simulate
    # (groups: the first warmup + n = 0 + 2 of them; no groups: None, the warm-up's 1 + 2 lengths)
    calls.clear()
    e = replace(d, warmup=0)
    f = replace(d, prefix_ids=(), shared_prefix=0, warmup=1)
    bench.replay([e, f], "spec", "gpu", step="step", max_requests=2)
    assert [(k["prefix_ids"], k["shared_prefix"], k["warmup"]) for _, _, k in calls] == [(["a", "b"], 4, 0),
                                                                                        (None, 0, 1)]
    assert calls[0][2]["lengths"] == [(5, 2), (6, 2)] and calls[1][2]["lengths"] == [(5, 2), (6, 2), (7, 2)]
    # the defaults: one GPU and replica, vLLM, prefix caching on, 1,000 requests, seed 0
    calls.clear(), limits.clear()
    bench.replay([b], "spec", "gpu", step="step")
    assert limits == [("spec", "gpu", 1, "vllm", None, True, "completions")]
    assert calls[0][2]["requests"] == 1_000 and calls[0][2]["seed"] == 0 and calls[0][2]["replicas"] == 1


def test_replay_refuses_a_level_without_its_load():
    lv = Level("printed", "out.txt", None, None, None, 5, "1", "1", {})
    with pytest.raises(KvplanError, match=r"^out\.txt: the result does not state its request rate or concurrency, "
                                          r"so it cannot be replayed \(a printed summary without 'Traffic request "
                                          r"rate'\)$"):
        bench.replay([lv], "spec", "gpu", step="step")


PRINTED = """INFO 05-01 10:00:00 Starting
============ Serving Benchmark Result ============
Successful requests:                     10
Maximum request concurrency:             8
Total input tokens:                      1000
Total generated tokens:                  200
Output token throughput (tok/s):         50.5
---------------Time to First Token----------------
Mean TTFT (ms):                          40.0
Median TTFT (ms):                        38.0
-----Inter-token Latency (ITL)-----
Mean ITL (ms):                           9.0
==================================================
Successful requests:                     99999
"""


def test_printed_block_whole():
    # the "----" headings inside the block are skipped, not an end; the "====" line ends it (the
    # line after it is not read); a stated concurrency is kept as an integer
    f = _write(None, "run.txt")
    f.write_text(PRINTED)
    (lv,) = bench.read(f)
    assert lv == Level("printed", "run.txt", None, None, 8, 10, "100", "20",
                       {"ttft_ms": {"mean": 40.0, "p50": 38.0}, "itl_ms": {"mean": 9.0}, "tpot_ms": {},
                        "output_tokens_per_s": 50.5, "mean_prompt_tokens": 100.0, "mean_output_tokens": 20.0},
                       (), None, None)


def test_printed_blocks_are_numbered_from_one():
    f = _write(None, "run.txt")
    f.write_text(PRINTED + PRINTED.replace("Successful requests:                     10\n",
                                           "Successful requests:                     20\n", 1))
    a, b = bench.read(f)
    assert (a.source, a.requests, b.source, b.requests) == ("run.txt #1", 10, "run.txt #2", 20)


@pytest.mark.parametrize("drop", ["Successful requests:                     10\n",
                                  "Total generated tokens:                  200\n"])
def test_a_printed_block_needs_its_counts(drop):
    f = _write(None, "run.txt")
    f.write_text(PRINTED.replace(drop, ""))
    with pytest.raises(KvplanError, match=r"^run\.txt: a printed result without its request and token counts$"):
        bench.read(f)


def test_endpoint_type_before_backend():
    assert bench._endpoint({"endpoint_type": "openai-chat", "backend": "vllm"}) == "chat"
    assert bench._endpoint({"endpoint_type": "", "backend": "openai-chat"}) == "chat"


def test_guidellm_without_a_strategy_and_with_tiny_means():
    b = guidellm_benchmark({})
    del b["config"]  # neither config.strategy nor args.strategy: no strategy named
    with pytest.raises(KvplanError, match=r"^r\.json benchmark 1: strategy None is not replayed"):
        bench.read(_write({"benchmarks": [b]}))
    b = guidellm_benchmark({"type_": "synchronous"})
    b["metrics"]["prompt_token_count"]["successful"]["mean"] = 0.4  # under one token a request: 1
    assert bench.read(_write({"benchmarks": [b]}))[0].prompt_tokens == "1"


def test_sharegpt_lengths_are_the_measured_sample_at_the_runs_means_and_seed():
    from kvplan.observe import sharegpt

    lv = Level("vllm", "f", None, 1.0, None, 10, "217", "202",
               {"mean_prompt_tokens": 217.0, "mean_output_tokens": 202.0}, dataset="ShareGPT")
    got = bench._lengths(lv, 10, 9)
    assert got == sharegpt.pairs(10, 217.0, 202.0, 9) and got != sharegpt.pairs(10, 217.0, 202.0, 0)


def test_replay_builds_the_step_model_and_passes_the_seed(monkeypatch):
    from kvplan.observe import sharegpt
    from kvplan.plan import simulate as sim
    from kvplan.plan.latency import step

    made, calls = [], []
    monkeypatch.setattr(step, "OpLatency", lambda *a, **k: made.append((a, k)) or "step")
    monkeypatch.setattr(sim, "engine_limits", lambda *a: "limits")

    monkeypatch.setattr(sim, "simulate", lambda spec, gpu, **kw: calls.append(kw) or _SimResult())
    lv = Level("vllm", "f", None, 1.0, None, 10, "217", "202",
               {"mean_prompt_tokens": 217.0, "mean_output_tokens": 202.0}, dataset="sharegpt")
    bench.replay([lv], "spec", "gpu", tp=4, engine="sglang", seed=9)
    assert made == [(("spec", "gpu", 4), {"engine": "sglang"})] and calls[0]["roofline"] == "step"
    assert calls[0]["lengths"] == sharegpt.pairs(10, 217.0, 202.0, 9)


# --- replay's limits: SGLang's ignore_eos reserve, vLLM V0's batch defaults -------------------

def _replayed_limits(monkeypatch, levels, engine, **kw):
    """The Limits each level is simulated with (the real engine_limits; simulate replaced)."""
    from kvplan.plan import simulate as sim
    from kvplan.sources import catalog

    got = []

    monkeypatch.setattr(sim, "simulate", lambda spec, gpu, **k: got.append(k["limits"]) or _SimResult())
    bench.replay(levels, catalog.load_model("llama-3.1-8b"), catalog.load_gpu("h100"), engine=engine,
                 step="step", **kw)
    return got


def test_replay_marks_sglang_bench_serving_runs_on_sglang_ignore_eos(monkeypatch):
    """sglang.bench_serving sends ignore_eos = not --disable-ignore-eos (SGLang 0.5.23,
    sglang/benchmark/serving.py, each request function's payload): the replay says so
    (``Limits.ignore_eos``; with the radix cache off SGLang then admits by add_one_req_ignore_eos's
    peak check, simulate/sglang.py) and keeps the decayed new_token_ratio floor 0.7 × 0.14 = 0.098
    for the running requests (SGLang's offset takes the ratio whether or not a request ignores
    EOS). Only a run of SGLang's tool on SGLang; vLLM's limits keep no reserve (0.0)."""
    def lv(tool):
        return Level(tool, "f", None, 1.0, None, 5, "100", "10", {})
    got = _replayed_limits(monkeypatch, [lv("sglang"), lv("vllm")], "sglang")
    assert [(lim.ignore_eos, lim.output_reserve) for lim in got] == [(True, pytest.approx(0.098)),
                                                                     (False, pytest.approx(0.098))]
    assert [(lim.ignore_eos, lim.output_reserve) for lim in _replayed_limits(monkeypatch, [lv("sglang")], "vllm")] \
        == [(False, 0.0)]


def test_replay_v0_batch_defaults_yield_to_the_given_options(monkeypatch):
    """--num-scheduler-steps 2 (vLLM V0): max_num_seqs is V0's EngineArgs default 256 unless the
    options give one (plan/simulate/vllm_v0.py v0_limits); here they give 7."""
    from kvplan.engines import ServeOptions

    lv = Level("vllm", "f", None, 1.0, None, 5, "100", "10", {})
    given = _replayed_limits(monkeypatch, [lv], "vllm", scheduler_steps=2,
                             opts=ServeOptions(max_num_seqs=7, max_model_len=4096))
    default = _replayed_limits(monkeypatch, [lv], "vllm", scheduler_steps=2, opts=ServeOptions(max_model_len=4096))
    assert (given[0].scheduler_steps, given[0].max_num_seqs, default[0].max_num_seqs) == (2, 7, 256)


def test_replay_of_a_v0_release_takes_v0s_scheduler(monkeypatch):
    """A run of vLLM 0.4.1 (stated by --engine-version or by its file) replays V0's scheduler one step
    at a time with V0's budget max(max_model_len, 2048) = 4096; 0.8.0 (V1 by default) and SGLang
    keep their own; ``Limits.v0`` selects the replica (simulate/vllm_v0.py)."""
    from kvplan.engines import ServeOptions

    o = ServeOptions(max_model_len=4096)
    lv = Level("vllm", "f", None, 1.0, None, 5, "100", "10", {})
    old = _replayed_limits(monkeypatch, [lv], "vllm", opts=o, engine_version="0.4.1")[0]
    assert (old.v0, old.scheduler_steps, old.max_num_batched_tokens, old.reserve_full_isl) == (True, 1, 4096, False)
    stated = _replayed_limits(monkeypatch, [Level("vllm", "f", None, 1.0, None, 5, "100", "10", {},
                                                  engine_version="0.4.1")], "vllm", opts=o)[0]
    assert stated.v0
    assert not _replayed_limits(monkeypatch, [lv], "vllm", opts=o, engine_version="0.8.0")[0].v0
    assert not _replayed_limits(monkeypatch, [lv], "sglang", engine_version="0.3.0")[0].v0
