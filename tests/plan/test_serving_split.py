"""benchmarks/serving's split (issue 22, part 4): each round's halves are disjoint, name only
sources runs.yaml has, and the latest round places every source; its seed's shuffle is recorded."""
import random
from pathlib import Path

import pytest
import yaml

DIR = Path(__file__).resolve().parents[2] / "benchmarks" / "serving"
SPLIT = yaml.safe_load((DIR / "split.yaml").read_text())
RUNS = yaml.safe_load((DIR / "runs.yaml").read_text())["sources"]
ROUNDS = {k: v for k, v in SPLIT.items() if k.startswith("round")}


def test_the_latest_round_places_every_source_once():
    last = ROUNDS[max(ROUNDS, key=lambda k: int(k[5:]))]
    halves = [set(last[h]) for h in ("held_out", "fit", "seen")]
    assert sum(len(h) for h in halves) == len(set().union(*halves))  # disjoint
    assert set().union(*halves) == set(RUNS)


def test_each_round_names_known_sources_and_earlier_held_outs_are_seen_later():
    names = sorted(ROUNDS, key=lambda k: int(k[5:]))
    for prev, cur in zip(names, names[1:]):
        assert set(ROUNDS[prev]["held_out"]) <= set(ROUNDS[cur]["seen"])
    for r in ROUNDS.values():
        assert set(r["held_out"]) | set(r["fit"]) | set(r.get("seen", [])) <= set(RUNS)


def test_round5_held_out_is_its_seeded_draw():
    r4, r5 = ROUNDS["round4"], ROUNDS["round5"]
    placed = set(r5["held_out"]) | set(r5["fit"]) | set(r5["seen"])  # round 5's sources, not later rounds'
    new = sorted(placed - set(r4["held_out"]) - set(r4["fit"]) - set(r4["seen"]))
    random.Random(r5["seed"]).shuffle(new)
    assert r5["held_out"] == new[: -(-len(new) // 3)]


def test_round7_held_out_is_its_seeded_draw():
    r6, r7 = ROUNDS["round6"], ROUNDS["round7"]
    placed = set(r7["held_out"]) | set(r7["fit"]) | set(r7["seen"])
    new = sorted(placed - set(r6["held_out"]) - set(r6["fit"]) - set(r6["seen"]))
    assert len(new) == 3
    random.Random(r7["seed"]).shuffle(new)
    assert r7["held_out"] == new[: -(-len(new) // 3)]



def test_round8_held_out_is_its_seeded_draw():
    r7, r8 = ROUNDS["round7"], ROUNDS["round8"]
    placed = set(r8["held_out"]) | set(r8["fit"]) | set(r8["seen"])
    new = sorted(placed - set(r7["held_out"]) - set(r7["fit"]) - set(r7["seen"]))
    assert len(new) == 4
    random.Random(r8["seed"]).shuffle(new)
    assert r8["held_out"] == new[: -(-len(new) // 3)]


def test_round9_held_out_is_its_seeded_draw():
    r8, r9 = ROUNDS["round8"], ROUNDS["round9"]
    placed = set(r9["held_out"]) | set(r9["fit"]) | set(r9["seen"])
    new = sorted(placed - set(r8["held_out"]) - set(r8["fit"]) - set(r8["seen"]))
    assert len(new) == 1
    random.Random(r9["seed"]).shuffle(new)
    assert r9["held_out"] == new[: -(-len(new) // 3)]


def test_round10_held_out_is_its_seeded_draw():
    r9, r10 = ROUNDS["round9"], ROUNDS["round10"]
    placed = set(r10["held_out"]) | set(r10["fit"]) | set(r10["seen"])
    new = sorted(placed - set(r9["held_out"]) - set(r9["fit"]) - set(r9["seen"]))
    assert new == ["aws-bentoml-llm-optimizer-l4"]
    random.Random(r10["seed"]).shuffle(new)
    assert r10["held_out"] == new[: -(-len(new) // 3)]


def test_round9_first_print_record_is_every_held_out_level_as_measured():
    """round9_first_print.json (the held-out rows as first printed, which the headline reads) holds each
    level of the round-9 held-out source once, in runs.yaml's order, with its measured figures and a prediction."""
    import json

    rec = json.loads((DIR / "round9_first_print.json").read_text())["rows"]
    (src,) = ROUNDS["round9"]["held_out"]
    levels = [lv for run in RUNS[src]["runs"] for lv in run["levels"]]
    assert [r["source"] for r in rec] == [src] * len(levels)
    assert [r["out"][0] for r in rec] == [lv["output_throughput"] for lv in levels]
    assert [r["ttft"][0] for r in rec] == [lv["median_ttft_ms"] for lv in levels]
    assert all(r["half"] == "held-out" and r["out"][1] is not None and not r.get("refused") for r in rec)


def test_round10_first_print_record_is_every_held_out_level_as_measured():
    """round10_first_print.json (the held-out rows as first printed, which the headline reads) holds each level of the
    round-10 held-out source once, in runs.yaml's order, with its measured figures and a prediction."""
    import json

    rec = json.loads((DIR / "round10_first_print.json").read_text())["rows"]
    (src,) = ROUNDS["round10"]["held_out"]
    levels = [lv for run in RUNS[src]["runs"] for lv in run["levels"]]
    assert [r["source"] for r in rec] == [src] * len(levels) and len(levels) == 4
    assert [r["out"][0] for r in rec] == [lv["output_throughput"] for lv in levels]
    assert [r["ttft"][0] for r in rec] == [lv.get("median_ttft_ms") for lv in levels]
    assert [r["itl"][0] for r in rec] == [lv.get("mean_itl_ms") for lv in levels]
    assert all(r["half"] == "held-out" and r["out"][1] is not None and not r.get("refused") for r in rec)


def _accuracy():
    import importlib.util

    spec = importlib.util.spec_from_file_location("serving_accuracy", DIR / "accuracy.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_a_table_row_with_lengths_is_a_closed_loop_of_its_stated_lengths():
    # a row as runs.yaml stores it: 8 GPUs, 21.2 output tok/s a GPU -> 169.6 tok/s; lengths uniform over
    # [int(1024 x 0.8), 1024] = [819, 1024] (mean 921.5), as the client's sample_random_requests draws them
    run = {"table": "t", "tp": 8, "replicas": 1, "dataset": "random",
           "levels": [{"concurrency": 4, "requests": 40, "isl": 1024, "osl": 8192, "range_ratio": 0.8,
                       "output_throughput_per_gpu": 21.2, "mean_ttft_ms": 267.3, "mean_tpot_ms": 22.73}]}
    (lv,) = _accuracy().table_levels(run)
    assert (lv.concurrency, lv.rate, lv.requests) == (4, None, 40)
    assert (lv.prompt_tokens, lv.output_tokens) == ("uniform:819-1024", "uniform:6553-8192")
    assert lv.measured["output_tokens_per_s"] == 21.2 * 8
    assert lv.measured["mean_prompt_tokens"] == 921.5
    assert lv.measured["ttft_ms"] == {"mean": 267.3} and lv.measured["tpot_ms"] == {"mean": 22.73}


def test_a_closed_loop_rows_throughput_comes_from_its_e2el_and_a_cut_row_has_none():
    run = {"table": "t", "tp": 1, "replicas": 1,
           "levels": [{"concurrency": 1, "requests": 8, "isl": 128, "osl": 128, "e2el_ms": 640.0},
                      {"concurrency": 2, "requests": 2, "isl": 8192, "osl": 128, "mean_tpot_ms": 28.3}]}
    a, b = _accuracy().table_levels(run)
    assert (a.prompt_tokens, a.output_tokens) == ("128", "128")
    assert a.measured["output_tokens_per_s"] == 128 * 1 / 0.64  # 200 tok/s: one request of 128 tokens each 0.64 s
    assert b.measured["output_tokens_per_s"] is None


def test_a_sharegpt_row_with_token_totals_is_replayed_at_their_means():
    # 1,000 requests of 302,118 prompt and 195,775 output tokens in all: means 302.118 / 195.775, not the sample's own
    run = {"table": "t", "tp": 4, "replicas": 1, "dataset": "sharegpt",
           "levels": [{"concurrency": 32, "requests": 1000, "total_input_tokens": 302118, "total_output_tokens": 195775,
                       "request_throughput": 5.6, "output_throughput": 1095.6, "median_ttft_ms": 75.9, "mean_itl_ms": 27.6}]}
    (lv,) = _accuracy().table_levels(run)
    assert (lv.concurrency, lv.requests, lv.dataset) == (32, 1000, "sharegpt")
    assert (lv.prompt_tokens, lv.output_tokens) == ("302", "196")
    assert lv.measured["mean_prompt_tokens"] == 302.118 and lv.measured["mean_output_tokens"] == 195.775
    assert lv.measured["output_tokens_per_s"] == 1095.6 and lv.measured["itl_ms"] == {"mean": 27.6}


def test_round11_held_out_is_its_seeded_draw():
    r10, r11 = ROUNDS["round10"], ROUNDS["round11"]
    placed = set(r11["held_out"]) | set(r11["fit"]) | set(r11["seen"])
    new = sorted(placed - set(r10["held_out"]) - set(r10["fit"]) - set(r10["seen"]))
    assert new == ["lottolotto-4x3090-vllm025"]
    random.Random(r11["seed"]).shuffle(new)
    assert r11["held_out"] == new[: -(-len(new) // 3)]


def test_round11_rows_are_the_archive_rows_as_copied():
    # the 40 no-spec bf16 rows of data/benchmarks.jsonl (bd22281): 512 -> 256 at concurrency 1-8, output tok/s only;
    # a hand check of two: qwen3-4b--no-spec/repetitive/c8 458.88 (mean of 459.0 and 458.76), baseline c2 68.9
    runs = RUNS["lottolotto-4x3090-vllm025"]["runs"]
    levels = [lv for run in runs for lv in run["levels"]]
    assert len(levels) == 40 and {(lv["isl"], lv["osl"]) for lv in levels} == {(512, 256)}
    assert {run["gpu"] for run in runs} == {"rtx-3090"} and {run["engine_version"] for run in runs} == {"0.25.0"}
    assert runs[0]["levels"][2] == {"concurrency": 8, "requests": 16, "isl": 512, "osl": 256, "output_throughput": 458.88}
    assert runs[4]["levels"][1]["concurrency"] == 2 and runs[4]["levels"][1]["output_throughput"] == 68.9
    assert not any(k.endswith("_ms") for lv in levels for k in lv)  # no latency figure is stated, none is invented


def test_round11_first_print_record_is_every_held_out_level_as_measured():
    """round11_first_print.json (the held-out rows as first printed, which the headline reads) holds each level of the
    round-11 held-out source once, in runs.yaml's order, with its measured output tok/s; kvplan refused the Mistral rows
    at that print (its catalog's mistral-7b is all sliding-window) and predicted every Qwen3-4B row."""
    import json

    rec = json.loads((DIR / "round11_first_print.json").read_text())["rows"]
    (src,) = ROUNDS["round11"]["held_out"]
    runs = RUNS[src]["runs"]
    # the Mistral rows named mistral-7b (v0.1) at the print; runs.yaml names mistral-7b-v0.3 since session 14
    levels = [({"mistral-7b-v0.3": "mistral-7b"}.get(run["model"], run["model"]), lv) for run in runs for lv in run["levels"]]
    assert [r["source"] for r in rec] == [src] * len(levels) and len(levels) == 40
    assert [r["out"][0] for r in rec] == [lv["output_throughput"] for _, lv in levels]
    assert [r["model"] for r in rec] == [m for m, _ in levels]
    assert all(r["half"] == "held-out" and r["itl"][0] is None and r["ttft"][0] is None for r in rec)
    assert all(bool(r.get("refused")) == (r["model"] == "mistral-7b") for r in rec)
    assert all(r["out"][1] is not None for r in rec if r["model"] == "qwen3-4b")


def test_round12_held_out_is_its_seeded_draw():
    r11, r12 = ROUNDS["round11"], ROUNDS["round12"]
    placed = set(r12["held_out"]) | set(r12["fit"]) | set(r12["seen"])
    new = sorted(placed - set(r11["held_out"]) - set(r11["fit"]) - set(r11["seen"]))
    assert new == ["zhjunqin-3090-vllm041"]
    random.Random(r12["seed"]).shuffle(new)
    assert r12["held_out"] == new[: -(-len(new) // 3)]


def test_round12_rows_are_the_pages_vllm_rows_as_copied_and_read():
    # zhjunqin/LLM-Learning inference/benchmark/README.md (17aa102): the vLLM 0.4.1 rows at rates 1 / 2 / 5 / 8 and the
    # flash-attn row at 5; a hand check of two: rate 8 is 1,000 prompts, 986.37 output tok/s, P50 TTFT 24,919.84 ms,
    # P50 TPOT 104.71 ms; rate 1's output tok/s is its 21,789 tokens over its 105.08 s (207.35, to the
    # duration's printed digits)
    runs = RUNS["zhjunqin-3090-vllm041"]["runs"]
    assert [len(r["levels"]) for r in runs] == [4, 1]
    assert {(r["model"], r["gpu"], r["engine_version"], r["prefix_caching"]) for r in runs} == {
        ("llama-3-8b", "rtx-3090", "0.4.1", False)}
    a, b = _accuracy().table_levels(runs[0]), _accuracy().table_levels(runs[1])
    assert [lv.rate for lv in a + b] == [1, 2, 5, 8, 5] and [lv.requests for lv in a + b] == [100, 200, 1000, 1000, 1000]
    r8 = a[3]
    assert r8.measured["output_tokens_per_s"] == 986.37 and r8.measured["ttft_ms"] == {"p50": 24919.84, "p99": 53385.48}
    assert r8.measured["tpot_ms"] == {"p50": 104.71, "p99": 199.54} and r8.measured["itl_ms"] == {}
    assert r8.measured["mean_prompt_tokens"] == 213.987 and r8.measured["mean_output_tokens"] == 199.774
    assert abs(21789 / 105.08 - a[0].measured["output_tokens_per_s"]) < 0.02  # its duration is printed to 0.01 s
    # the rate-8 row saturated as measured (below 90 % of 8 x 199.774 offered), the rate-5 rows did not; the rule also
    # counts the rate-2 row (391.28 < 0.9 x 2 x 220.66), a short run's drain, not a queue (runs.yaml caveat 5)
    from kvplan.observe.bench import saturated as sat

    assert sat(8, 199.774, 986.37) and not sat(5, 199.774, 915.52) and not sat(5, 199.778, 914.19)
    assert sat(2, 220.66, 391.28) and not sat(1, 217.89, 207.35)
    # by the finite-run rule (session 13: the run's own span, (N - 1) / rate, plus one request's decode at its TPOT)
    assert not sat(2, 220.66, 391.28, 200, drain_s=220.66 * 0.02964) and sat(8, 199.774, 986.37, 1000, drain_s=20.92)


def test_round12_first_print_record_is_every_held_out_level_as_measured():
    """round12_first_print.json (the held-out rows as first printed, which the headline reads) holds each level of the
    round-12 held-out source once, in runs.yaml's order, with its measured output tok/s, median TTFT and median TPOT;
    kvplan predicted every row (none refused), and the measured rate-8 row is saturated by kvplan's rule."""
    import json

    rec = json.loads((DIR / "round12_first_print.json").read_text())["rows"]
    (src,) = ROUNDS["round12"]["held_out"]
    levels = [lv for run in RUNS[src]["runs"] for lv in run["levels"]]
    assert [r["source"] for r in rec] == [src] * len(levels) and len(levels) == 5
    assert [r["out"][0] for r in rec] == [lv["output_throughput"] for lv in levels]
    assert [r["ttft"][0] for r in rec] == [lv["median_ttft_ms"] for lv in levels]
    assert [r["itl"][0] for r in rec] == [lv["median_tpot_ms"] for lv in levels]
    assert all(r["itl_stat"] == "p50 TPOT" and r["ttft_stat"] == "p50" for r in rec)
    assert all(r["half"] == "held-out" and not r.get("refused") for r in rec)
    assert all(None not in (r["out"][1], r["itl"][1], r["ttft"][1]) for r in rec)
    assert [r["load"] for r in rec] == ["1/s", "2/s", "5/s", "8/s", "5/s"] and rec[3]["sat"][0] is True


def test_round13_held_out_is_its_seeded_draw():
    r12, r13 = ROUNDS["round12"], ROUNDS["round13"]
    placed = set(r13["held_out"]) | set(r13["fit"]) | set(r13["seen"])
    new = sorted(placed - set(r12["held_out"]) - set(r12["fit"]) - set(r12["seen"]))
    assert new == ["cssnoeasy-a100pcie-vllm019"]
    random.Random(r13["seed"]).shuffle(new)
    assert r13["held_out"] == new[: -(-len(new) // 3)]
    assert set(r12["held_out"]) <= set(r13["seen"]) and r13["fit"] == r12["fit"]


def test_round13_rows_are_the_pages_table_as_copied_and_read():
    # cssnoeasy/a100-vllm-benchmark-blog docs/reports/a100-tp1-vs-tp2-formal-baseline.md (e4226b0), section 8: six rows,
    # each the mean of 3 runs of 100 requests; a hand check of two: TP 1 2048 -> 512 at C = 32 is 3.43 req/s, 1757.34
    # output tok/s, TTFT p50 228.90 ms, p99 638.80 ms, TPOT p99 14.75 ms; TP 2 512 -> 256 at C = 8 is 3.30 req/s, 845.67
    # tok/s, TTFT p50 116.52 ms
    runs = RUNS["cssnoeasy-a100pcie-vllm019"]["runs"]
    assert [r["tp"] for r in runs] == [1, 2] and [len(r["levels"]) for r in runs] == [3, 3]
    assert {(r["model"], r["gpu"], r["engine"], r["engine_version"], r["max_model_len"], r["gpu_memory_utilization"])
            for r in runs} == {("qwen2.5-7b", "a100-pcie-80gb", "vllm", "0.19.0", 4096, 0.75)}
    a, b = _accuracy().table_levels(runs[0]), _accuracy().table_levels(runs[1])
    assert [lv.concurrency for lv in a + b] == [8, 16, 32] * 2 and {lv.rate for lv in a + b} == {None}
    assert [(lv.prompt_tokens, lv.output_tokens) for lv in a] == [("512", "256"), ("2048", "128"), ("2048", "512")]
    assert {lv.requests for lv in a + b} == {100}
    t1 = a[2].measured
    assert t1["output_tokens_per_s"] == 1757.34 and t1["ttft_ms"] == {"p50": 228.90, "p99": 638.80}
    assert t1["tpot_ms"] == {"p99": 14.75} and t1["itl_ms"] == {}  # no median per-token figure: none compared
    assert b[0].measured["output_tokens_per_s"] == 845.67 and b[0].measured["ttft_ms"]["p50"] == 116.52
    # every request generated its full output (caveat 2): output tok/s over req/s is the row's osl to the printed digits
    for run in runs:
        for lv in run["levels"]:
            assert abs(lv["output_throughput"] / lv["request_throughput"] - lv["osl"]) / lv["osl"] < 0.01


def test_round13_first_print_record_is_every_held_out_level_as_measured():
    """round13_first_print.json (the held-out rows as first printed, which the headline reads) holds each level of the
    round-13 held-out source once, in runs.yaml's order, with its measured output tok/s and median TTFT; no per-token
    figure (the page states TPOT p99 only); kvplan predicted every row (none refused); closed loops, none saturated."""
    import json

    rec = json.loads((DIR / "round13_first_print.json").read_text())["rows"]
    (src,) = ROUNDS["round13"]["held_out"]
    runs = RUNS[src]["runs"]
    levels = [lv for run in runs for lv in run["levels"]]
    assert [r["source"] for r in rec] == [src] * len(levels) and len(levels) == 6
    assert [r["tp"] for r in rec] == [1, 1, 1, 2, 2, 2]
    assert [r["load"] for r in rec] == [f"C={lv['concurrency']}" for lv in levels]
    assert [r["out"][0] for r in rec] == [lv["output_throughput"] for lv in levels]
    assert [r["ttft"][0] for r in rec] == [lv["median_ttft_ms"] for lv in levels]
    assert all(r["ttft_stat"] == "p50" and r["itl"] == [None, None] for r in rec)
    assert all(r["half"] == "held-out" and not r.get("refused") for r in rec)
    assert all(None not in (r["out"][1], r["ttft"][1]) for r in rec)
    assert all(r["sat"] == [False, False] for r in rec)


def test_round14_held_out_is_its_seeded_draw():
    r13, r14 = ROUNDS["round13"], ROUNDS["round14"]
    placed = set(r14["held_out"]) | set(r14["fit"]) | set(r14["seen"])
    new = sorted(placed - set(r13["held_out"]) - set(r13["fit"]) - set(r13["seen"]))
    assert new == ["bbuf-dsv3-h200-sglang", "kvcached-a100-sglang"]
    random.Random(r14["seed"]).shuffle(new)
    assert r14["held_out"] == new[: -(-len(new) // 3)] == ["bbuf-dsv3-h200-sglang"]
    assert set(r13["held_out"]) <= set(r14["seen"]) and set(r13["fit"]) < set(r14["fit"])


def test_round14_files_are_the_pages_blocks_as_read():
    """The two round-14 files, read by check-bench's reader: each SGLang block's rate, requests, token totals, output
    tok/s and TTFT / ITL as the pages print them (hand-checked: ovg-project/kvcached f5330bc README's 'without kvcached'
    column at 32 / 16 / 8 per second; BBuf/how-to-optim-algorithm-in-cuda ec33ce3's --disable-shared-experts-fusion block
    at qps 1 / 4 / 8)."""
    from kvplan.observe import bench

    (kv,) = RUNS["kvcached-a100-sglang"]["runs"]
    a = bench.read(DIR / kv["file"])
    assert [(lv.tool, lv.rate, lv.requests) for lv in a] == [("sglang", 32.0, 1920), ("sglang", 16.0, 960),
                                                            ("sglang", 8.0, 480)]
    assert [lv.measured["output_tokens_per_s"] for lv in a] == [2192.53, 1178.78, 671.60]
    assert a[0].measured["ttft_ms"] == {"mean": 2187.97, "p50": 2308.73, "p99": 5356.42}
    assert a[2].measured["itl_ms"] == {"mean": 9.76, "p50": 7.08, "p99": 53.50}
    # caveat 3: uniform 1-1913 / 1-162 (bench_serving's range ratio 0.0): each rate's means within 3.5 % of 957 / 81.5
    # (480 uniform draws' mean has a standard error of 2.6 %); fixed lengths (ratio 1.0) would give 1913 / 162
    assert all(abs(lv.measured["mean_prompt_tokens"] / 957 - 1) < 0.035 for lv in a)
    assert all(abs(lv.measured["mean_output_tokens"] / 81.5 - 1) < 0.035 for lv in a)
    assert (kv["prompt_tokens"], kv["output_tokens"], kv["prefix_caching"]) == ("uniform:1-1913", "uniform:1-162", False)

    (ds,) = RUNS["bbuf-dsv3-h200-sglang"]["runs"]
    b = bench.read(DIR / ds["file"])
    assert [(lv.tool, lv.rate, lv.requests) for lv in b] == [("sglang", 1.0, 300), ("sglang", 4.0, 300),
                                                            ("sglang", 8.0, 300)]
    assert [lv.measured["output_tokens_per_s"] for lv in b] == [190.52, 500.61, 561.02]
    assert [lv.measured["ttft_ms"]["p50"] for lv in b] == [297.76, 484.26, 755.54]
    assert [lv.measured["itl_ms"]["mean"] for lv in b] == [35.95, 101.44, 150.65]
    # the same 300 ShareGPT prompts at each rate (95,293 prompt / 60,411 output tokens)
    assert {(round(lv.measured["mean_prompt_tokens"] * 300), round(lv.measured["mean_output_tokens"] * 300))
            for lv in b} == {(95293, 60411)}
    assert (ds["model"], ds["gpu"], ds["tp"], ds["engine"], ds["dataset"]) == (
        "deepseek-v3", "h200-sxm-141gb", 8, "sglang", "sharegpt")


def test_round14_first_print_record_is_every_held_out_level_as_measured():
    """round14_first_print.json (the held-out rows as first printed, which the headline reads) holds each level of the
    round-14 held-out source once, in its file's order, with its measured output tok/s, mean ITL and median TTFT as
    check-bench reads the file; kvplan predicted every row (none refused); the runs at 4 and 8 per second queued."""
    import json

    from kvplan.observe import bench

    rec = json.loads((DIR / "round14_first_print.json").read_text())["rows"]
    (src,) = ROUNDS["round14"]["held_out"]
    (run,) = RUNS[src]["runs"]
    levels = bench.read(DIR / run["file"])
    assert [r["source"] for r in rec] == [src] * len(levels) and len(levels) == 3
    assert [r["load"] for r in rec] == ["1/s", "4/s", "8/s"]
    assert [r["out"][0] for r in rec] == [lv.measured["output_tokens_per_s"] for lv in levels]
    assert [r["itl"][0] for r in rec] == [lv.measured["itl_ms"]["mean"] for lv in levels]
    assert [r["ttft"][0] for r in rec] == [lv.measured["ttft_ms"]["p50"] for lv in levels]
    assert all(r["itl_stat"] == "mean" and r["ttft_stat"] == "p50" for r in rec)
    assert all(r["half"] == "held-out" and not r.get("refused") for r in rec)
    assert all(None not in (r["out"][1], r["itl"][1], r["ttft"][1]) for r in rec)
    assert [r["sat"][0] for r in rec] == [False, True, True]


def test_round15_held_out_is_its_seeded_draw():
    r14, r15 = ROUNDS["round14"], ROUNDS["round15"]
    placed = set(r15["held_out"]) | set(r15["fit"]) | set(r15["seen"])
    new = sorted(placed - set(r14["held_out"]) - set(r14["fit"]) - set(r14["seen"]))
    assert new == ["sgl-cookbook-h200", "sgl-cookbook-mi300x", "vllm-blog-fp8kv-h100"]
    random.Random(r15["seed"]).shuffle(new)
    assert r15["held_out"] == new[: -(-len(new) // 3)] == ["sgl-cookbook-h200"]
    assert set(r14["held_out"]) <= set(r15["seen"]) and set(r14["fit"]) < set(r15["fit"])


def test_round15_files_and_tables_are_the_pages_figures_as_read():
    """The round-15 runs as check-bench's reader and accuracy.py's table reader take them: each level's load, requests,
    token totals, output tok/s, TTFT and ITL as the pages print them (hand-checked: sgl-project/sgl-cookbook's Gemma4.md
    at 21e9ea1, the 26B-A4B H200 and MI300X text blocks; DeepSeek-V3_1.md at 0e5d0fe; Llama4.md at 855445b; the vLLM
    blog's FP8 KV-cache post at 5ffe2dd, Tables 4 and 5, BF16 rows)."""
    import sys

    from kvplan.observe import bench

    (h,) = RUNS["sgl-cookbook-h200"]["runs"]
    g = bench.read(DIR / h["file"])
    assert [(lv.tool, lv.concurrency, lv.requests) for lv in g] == [("sglang", 1, 10), ("sglang", 100, 1000)]
    assert [lv.measured["output_tokens_per_s"] for lv in g] == [168.81, 3675.81]
    # the page shortens its blocks: a median TTFT at concurrency 1 only, a median ITL and no mean
    assert [lv.measured["ttft_ms"] for lv in g] == [{"mean": 103.74, "p50": 46.57}, {"mean": 153.77}]
    assert [lv.measured["itl_ms"] for lv in g] == [{"p50": 5.78}, {"p50": 20.23}]
    assert round(g[1].measured["mean_prompt_tokens"] * 1000) == 512842 and h["prompt_tokens"] == "uniform:1-1024"
    assert (h["model"], h["gpu"], h["tp"], h["engine"]) == ("gemma-4-26b-a4b", "h200-sxm-141gb", 1, "sglang")

    runs = {Path(r["file"]).name.split("_")[0]: r for r in RUNS["sgl-cookbook-mi300x"]["runs"]}
    d = bench.read(DIR / runs["deepseek-v3.1"]["file"])
    assert [lv.concurrency for lv in d] == [1, 16, 100, 1, 16, 64, 1, 16, 64]
    assert [lv.measured["output_tokens_per_s"] for lv in d][:3] == [39.72, 378.84, 1216.79]
    assert d[0].measured["ttft_ms"]["p50"] == 213.58 and d[0].measured["itl_ms"]["mean"] == 23.90
    assert len(runs["deepseek-v3.1"]["prompt_tokens"]) == len(runs["deepseek-v3.1"]["output_tokens"]) == len(d)
    s = bench.read(DIR / runs["llama-4-scout"]["file"])
    assert [lv.measured["output_tokens_per_s"] for lv in s] == [57.42, 1152.47, 2944.82]
    assert round(s[1].measured["mean_prompt_tokens"] * 80) == 49668  # the page's figure (caveat 4)
    m = bench.read(DIR / runs["llama-4-maverick"]["file"])
    assert [lv.measured["output_tokens_per_s"] for lv in m] == [61.99, 1328.41, 2777.9]
    assert all(r["gpu"] == "mi300x" for r in runs.values())
    assert [r["tp"] for r in runs.values()] == [8, 8, 8, 1]

    sys.path.insert(0, str(DIR))
    import accuracy

    rows = [accuracy.with_lengths(r, accuracy.table_levels(r)) for r in RUNS["vllm-blog-fp8kv-h100"]["runs"]]
    assert [(lv.concurrency, lv.requests, lv.prompt_tokens, lv.output_tokens) for (lv,) in rows] == [
        (8, 150, "uniform:17000-23000", "uniform:1700-2300")] * 2
    assert [(lv.measured["output_tokens_per_s"], lv.measured["ttft_ms"], lv.measured["itl_ms"]) for (lv,) in rows] == [
        (450.3, {"p50": 763.6}, {"p50": 15.18}), (831.6, {"p50": 468.9}, {"p50": 8.09})]


def test_round15_first_print_record_is_every_held_out_level_as_measured():
    """round15_first_print.json (the held-out rows as first printed, which the headline reads) holds each level of the
    round-15 held-out source once, in its file's order, with its measured output tok/s, ITL (the page's median: it prints
    no mean) and TTFT (median at concurrency 1, mean at 100: the page's shortened block) as check-bench reads the file;
    kvplan predicted every row (none refused); closed loops, none saturated by the file's rule."""
    import json

    from kvplan.observe import bench

    rec = json.loads((DIR / "round15_first_print.json").read_text())["rows"]
    (src,) = ROUNDS["round15"]["held_out"]
    (run,) = RUNS[src]["runs"]
    levels = bench.read(DIR / run["file"])
    assert [r["source"] for r in rec] == [src] * len(levels) and len(levels) == 2
    assert [r["load"] for r in rec] == ["C=1", "C=100"]
    assert [r["out"][0] for r in rec] == [lv.measured["output_tokens_per_s"] for lv in levels]
    assert [r["itl"][0] for r in rec] == [lv.measured["itl_ms"]["p50"] for lv in levels]
    assert [r["itl_stat"] for r in rec] == ["p50", "p50"] and [r["ttft_stat"] for r in rec] == ["p50", "mean"]
    assert [r["ttft"][0] for r in rec] == [levels[0].measured["ttft_ms"]["p50"], levels[1].measured["ttft_ms"]["mean"]]
    assert all(r["half"] == "held-out" and not r.get("refused") for r in rec)
    assert all(None not in (r["out"][1], r["itl"][1], r["ttft"][1]) for r in rec)
    assert [r["sat"][0] for r in rec] == [False, False]


def test_round16_held_out_is_its_seeded_draw():
    r15, r16 = ROUNDS["round15"], ROUNDS["round16"]
    placed = set(r16["held_out"]) | set(r16["fit"]) | set(r16["seen"])
    new = sorted(placed - set(r15["held_out"]) - set(r15["fit"]) - set(r15["seen"]))
    assert new == ["sgl-cookbook-b200", "sglang-attn-backend-h200", "wangjunjian-t4-vllm084"]
    random.Random(r16["seed"]).shuffle(new)
    assert r16["held_out"] == new[: -(-len(new) // 3)] == ["sgl-cookbook-b200"]
    assert set(r15["held_out"]) <= set(r16["seen"]) and set(r15["fit"]) < set(r16["fit"])


def test_round16_files_are_the_pages_blocks_as_read():
    """The round-16 runs as check-bench's reader takes them: each level's load, requests, token totals, output tok/s,
    TTFT and ITL as the pages print them (hand-checked: sgl-project/sgl-cookbook's DeepSeek-R1.md at 268193c, 5.1.4;
    Qwen3-Next.md at 60f2595, 5.1.1 / 5.1.2; Nemotron3-Nano.md at 97ad53c, 'BF16 variant')."""
    from kvplan.observe import bench

    runs = {Path(r["file"]).name.split("_")[0]: r for r in RUNS["sgl-cookbook-b200"]["runs"]}
    d = bench.read(DIR / runs["deepseek-r1-0528"]["file"])
    assert [(lv.tool, lv.concurrency, lv.requests) for lv in d] == [
        ("sglang", c, n) for c, n in ((1, 10), (16, 80), (100, 500), (1, 10), (16, 80), (64, 320),
                                      (1, 10), (16, 80), (64, 320))]
    assert [lv.measured["output_tokens_per_s"] for lv in d] == [
        105.24, 795.3, 2282.9, 108.07, 912.02, 2207.16, 103.56, 733.41, 1468.5]
    assert d[0].measured["ttft_ms"]["p50"] == 140.76 and d[0].measured["itl_ms"]["mean"] == 9.16
    assert round(d[2].measured["mean_output_tokens"] * 500) == 252162
    assert len(runs["deepseek-r1-0528"]["prompt_tokens"]) == len(runs["deepseek-r1-0528"]["output_tokens"]) == len(d)
    q = bench.read(DIR / runs["qwen3-next-80b-a3b-instruct"]["file"])
    assert [(lv.concurrency, lv.requests, lv.measured["output_tokens_per_s"]) for lv in q] == [
        (1, 100, 147.7), (100, 1000, 1951.6)]
    assert round(q[1].measured["mean_prompt_tokens"] * 1000) == 302118
    assert q[1].measured["itl_ms"] == {"mean": 47.11, "p50": 13.84, "p99": 289.56}
    (n,) = bench.read(DIR / runs["nemotron-3-nano-30b-a3b-bf16"]["file"])
    assert (n.concurrency, n.requests, n.measured["output_tokens_per_s"]) == (256, 4096, 5794.55)
    assert round(n.measured["mean_output_tokens"] * 4096) == 2087288 and n.measured["ttft_ms"]["p50"] == 93.06
    assert [(r["model"], r["gpu"], r["tp"], r["engine"]) for r in runs.values()] == [
        ("deepseek-r1", "b200", 8, "sglang"), ("qwen3-next-80b-a3b", "b200", 8, "sglang"),
        ("nemotron-3-nano-30b-a3b", "b200", 1, "sglang")]


def test_a_table_rows_range_ratio_reads_as_sglangs_draw():
    """accuracy.py's table rows: no range_ratio is a fixed length; a stated one is bench_serving's
    uniform draw from max(int(L x ratio), 1) to L, so its default 0.0 is 1..L (as bench.py reads a
    SGLang result file's random_range_ratio), and 1 is L itself."""
    acc = _accuracy()
    assert acc._table_dist(1024, None) == ("1024", 1024.0)
    assert acc._table_dist(1024, 0.0) == ("uniform:1-1024", 512.5)
    assert acc._table_dist(1024, 0.8) == ("uniform:819-1024", 921.5)
    assert acc._table_dist(8192, 1) == ("8192", 8192.0)


def test_round16_fit_side_tables_and_files_are_the_pages_figures_as_read():
    """sglang-attn-backend-h200 as accuracy.py's table reader takes it (hand-checked against sgl-project/sglang
    benchmark/attention_backend/NVIDIA_H200.md at 0c4ec4f and 7357586), and wangjunjian-t4-vllm084's transcribed blocks
    against the post's own summary tables (性能基准测试结果: mean TTFT, mean TPOT, output tok/s as printed there)."""
    from kvplan.observe import bench

    acc = _accuracy()
    a = RUNS["sglang-attn-backend-h200"]["runs"]
    rows = [acc.with_lengths(r, acc.table_levels(r)) for r in a]
    assert [len(x) for x in rows] == [6, 6, 6, 6]
    assert {(lv.rate, lv.concurrency) for x in rows for lv in x} == {(16.0, None)}
    assert [lv.requests for x in rows for lv in x[:1]] == [200, 200, 1000, 1000]
    assert [(lv.prompt_tokens, lv.output_tokens) for lv in rows[0][::2]] == [
        ("uniform:1-1024", "uniform:1-1024"), ("uniform:1-8192", "uniform:1-1024"), ("uniform:1-8192", "uniform:1-8192")]
    assert [lv.measured["output_tokens_per_s"] for lv in rows[0]] == [2268.68, 2278.76, 1078.81, 1079.32, 1482.43, 1517.88]
    assert [lv.measured["output_tokens_per_s"] for lv in rows[3]] == [7221.69, 6837.91, 2322.57, 1903.5, 2881.56, 1673.13]
    assert all(lv.measured["ttft_ms"] == {} and lv.measured["itl_ms"] == {} for x in rows for lv in x)  # throughput only
    # uniform lengths, not fixed: the 0c4ec4f rows' input / output throughput ratio is not 1 where I = O (caveat 3)
    ratios = [round(lv["input_throughput"] / lv["output_throughput"], 3) for lv in a[0]["levels"][::4]]
    assert ratios == [0.977, 0.935]
    assert [(r["model"], r["tp"]) for r in a] == [("deepseek-v3", 8), ("llama-3.1-8b", 1)] * 2

    w = {Path(r["file"]).stem.split("v0_")[1]: r for r in RUNS["wangjunjian-t4-vllm084"]["runs"]}
    got = {k: bench.read(DIR / r["file"]) for k, r in w.items()}
    chat = {k: (lv.measured["ttft_ms"]["mean"], lv.measured["tpot_ms"]["mean"]) for k, (lv, *_) in got.items()}
    assert chat == {"base": (7983.40, 139.22), "prefix-caching": (6991.24, 140.30),
                    "chunked-prefill-8192": (6631.39, 139.42), "chunked-prefill-2048": (8737.94, 150.60),
                    "prefix-caching_chunked-prefill-8192": (6980.78, 140.96)}
    agent = {k: [(lv.measured["output_tokens_per_s"], lv.measured["ttft_ms"]["mean"], lv.measured["tpot_ms"]["mean"])
                 for lv in v[1:]] for k, v in got.items() if len(v) == 3}
    assert agent == {
        "base": [(858.57, 2521.91, 106.28), (867.10, 2346.06, 105.89)],
        "prefix-caching": [(916.53, 960.22, 105.32), (977.16, 948.89, 98.59)],
        "chunked-prefill-8192": [(891.97, 2428.85, 102.15), (896.98, 2211.74, 102.59)],
        "prefix-caching_chunked-prefill-8192": [(946.56, 892.64, 101.74), (1008.58, 834.21, 95.44)]}
    assert all((lv.rate, lv.requests) == (None, 100) for v in got.values() for lv in v)  # no rate line: runs.yaml's inf
    assert {r["rate"] for r in w.values()} == {"inf"}
    assert {r["engine_version"] for r in w.values()} == {"0.8.4 (V0: VLLM_USE_V1=0)"}
    assert [round(lv.measured["mean_prompt_tokens"], 2) for lv in got["base"]] == [215.66, 53.0, 53.0]
    assert [(r["prefix_caching"], r.get("max_num_batched_tokens")) for r in w.values()] == [
        (False, None), (True, None), (False, 8192), (False, 2048), (True, 8192)]


def test_round16_first_print_record_is_every_held_out_level_as_measured():
    """round16_first_print.json (the held-out rows as first printed, which the headline reads) holds each level of the
    round-16 held-out source once, in runs.yaml's and each file's order, with its measured output tok/s, mean ITL and
    median TTFT as check-bench reads the files; kvplan predicted every row (none refused); closed loops, none saturated
    by the files' rule."""
    import json

    from kvplan.observe import bench

    rec = json.loads((DIR / "round16_first_print.json").read_text())["rows"]
    (src,) = ROUNDS["round16"]["held_out"]
    levels = [lv for run in RUNS[src]["runs"] for lv in bench.read(DIR / run["file"])]
    assert [r["source"] for r in rec] == [src] * len(levels) and len(levels) == 12
    assert [r["load"] for r in rec] == [f"C={lv.concurrency}" for lv in levels]
    assert [r["out"][0] for r in rec] == [lv.measured["output_tokens_per_s"] for lv in levels]
    assert [r["itl"][0] for r in rec] == [lv.measured["itl_ms"]["mean"] for lv in levels]
    assert [r["ttft"][0] for r in rec] == [lv.measured["ttft_ms"]["p50"] for lv in levels]
    assert {r["itl_stat"] for r in rec} == {"mean"} and {r["ttft_stat"] for r in rec} == {"p50"}
    assert [r["model"] for r in rec] == ["deepseek-r1"] * 9 + ["qwen3-next-80b-a3b"] * 2 + ["nemotron-3-nano-30b-a3b"]
    assert all(r["half"] == "held-out" and not r.get("refused") for r in rec)
    assert all(None not in (r["out"][1], r["itl"][1], r["ttft"][1]) for r in rec)
    assert not any(r["sat"][0] or r["sat"][1] for r in rec)


def test_round17_held_out_is_its_seeded_draw():
    r16, r17 = ROUNDS["round16"], ROUNDS["round17"]
    placed = set(r17["held_out"]) | set(r17["fit"]) | set(r17["seen"])
    new = sorted(placed - set(r16["held_out"]) - set(r16["fit"]) - set(r16["seen"]))
    assert new == ["sglang-pr-10404-qwen3next-h200", "sglang-pr-10467-qwen3next-h20", "sglang-pr-5839-qwen3moe-h20",
                   "vllm-pr-23151-qwen3moe-h100", "vllm-recipes-dsv32-h20"]
    random.Random(r17["seed"]).shuffle(new)
    assert r17["held_out"] == new[: -(-len(new) // 3)] == ["vllm-recipes-dsv32-h20", "sglang-pr-10467-qwen3next-h20"]
    assert set(r16["held_out"]) <= set(r17["seen"]) and set(r16["fit"]) < set(r17["fit"])


def test_round17_tables_are_the_pages_figures_as_read():
    """The round-17 runs as accuracy.py's table reader takes them (hand-checked against the stored texts:
    sgl-project/sglang PR #10404's and #10467's result tables, #5839's H20/30B/TP1 and TP4 tables as far as the stored
    excerpt goes, vLLM PR #23151's 'WO tuned configs' block, vllm-project/recipes DeepSeek-V3_2.md at 269aa70): load,
    requests, lengths and output tok/s; the open loops at 10/s are saturated by the files' own rule, the closed loops
    are not judged."""
    from kvplan.observe import bench

    acc = _accuracy()

    def levels(src):
        return [(r, lv) for r in RUNS[src]["runs"] for lv in acc.with_lengths(r, acc.table_levels(r))]

    h200 = levels("sglang-pr-10404-qwen3next-h200")
    assert [(r["tp"], lv.concurrency, lv.requests, lv.prompt_tokens, lv.output_tokens) for r, lv in h200] == [
        (tp, 8, 100, "1000", "2000") for tp in (2, 2, 4, 4, 8, 8)]
    assert [lv.measured["output_tokens_per_s"] for _, lv in h200] == [
        850.96, 937.94, 1031.49, 1137.94, 1109.89, 1239.43]
    h20 = levels("sglang-pr-10467-qwen3next-h20")
    assert [(r["gpu"], r["tp"], lv.concurrency) for r, lv in h20] == [("h20", 4, 32)] * 2 + [("h20", 8, 32)] * 2
    assert [lv.measured["output_tokens_per_s"] for _, lv in h20] == [1980.89, 2233.44, 2378.39, 2704.56]
    moe = levels("sglang-pr-5839-qwen3moe-h20")
    assert [(r["tp"], lv.rate, lv.requests, lv.prompt_tokens, lv.output_tokens) for r, lv in moe] == [
        (1, 10.0, 100, "1000", "2000")] * 2 + [(1, 10.0, 100, "5000", "1000")] * 2 + [
        (1, 10.0, 100, "10000", "500")] * 2 + [(4, 10.0, 100, "1000", "2000")] * 2 + [(4, 10.0, 100, "5000", "1000")]
    assert [lv.measured["output_tokens_per_s"] for _, lv in moe] == [
        2364.46, 2634.68, 899.59, 974.33, 347.27, 357.94, 4247.26, 5606.77, 3416.06]
    assert all(lv.measured["ttft_ms"] == {} and lv.measured["itl_ms"] == {} for _, lv in h200 + h20 + moe)
    assert all(bench.saturated(lv.rate, lv.measured["mean_output_tokens"], lv.measured["output_tokens_per_s"],
                               lv.requests) for _, lv in moe)
    ((r, lv),) = levels("vllm-pr-23151-qwen3moe-h100")
    assert (r["model"], r["gpu"], r["engine"], r["itl_metric"], lv.concurrency, lv.requests) == (
        "qwen3-30b-a3b", "h100-sxm-80gb", "vllm", "tpot", 10, 100)
    assert lv.measured["output_tokens_per_s"] == 739.79 and lv.measured["ttft_ms"] == {"mean": 267.22, "p50": 300.05}
    assert lv.measured["tpot_ms"] == {"mean": 13.18, "p50": 13.17} and lv.measured["itl_ms"] == {}
    ((r, lv),) = levels("vllm-recipes-dsv32-h20")
    assert (r["model"], r["gpu"], r["tp"], lv.rate, lv.requests, lv.prompt_tokens, lv.output_tokens) == (
        "deepseek-v3.2", "h20", 8, 10.0, 100, "2048", "1024")
    assert lv.measured["output_tokens_per_s"] == 791.73 and lv.measured["ttft_ms"]["p50"] == 21197.97
    assert lv.measured["itl_ms"] == {"mean": 99.71, "p50": 76.89}
    mo = lv.measured["mean_output_tokens"]
    assert bench.saturated(lv.rate, mo, 791.73, lv.requests, drain_s=mo * 99.71 / 1000)


def test_round17_first_print_record_is_every_held_out_level_as_measured():
    """round17_first_print.json (the held-out rows as first printed, which the headline reads) holds each level of the
    round-17 held-out sources once, in runs.yaml's order, with its measured output tok/s (and, for the DeepSeek-V3.2
    recipe row, its mean ITL and median TTFT) as accuracy.py's table reader takes them; the Qwen3-Next rows predicted,
    the DeepSeek-V3.2 row refused by kvplan (its fit refuses the model's max_model_len on 8 x H20) and saturated as
    measured."""
    import json

    acc = _accuracy()
    rec = json.loads((DIR / "round17_first_print.json").read_text())["rows"]
    held = ROUNDS["round17"]["held_out"]
    want = [(src, lv) for src in RUNS if src in held for r in RUNS[src]["runs"]
            for lv in acc.with_lengths(r, acc.table_levels(r))]
    assert [r["source"] for r in rec] == [src for src, _ in want] == ["sglang-pr-10467-qwen3next-h20"] * 4 + [
        "vllm-recipes-dsv32-h20"]
    assert [r["out"][0] for r in rec] == [lv.measured["output_tokens_per_s"] for _, lv in want]
    assert [r["load"] for r in rec] == ["C=32"] * 4 + ["10/s"]
    assert all(r["half"] == "held-out" for r in rec)
    assert all(not r.get("refused") and r["out"][1] is not None for r in rec[:4])
    assert rec[4].get("refused") and rec[4]["out"][1] is None
    assert rec[4]["itl"][0] == 99.71 and rec[4]["ttft"][0] == 21197.97 and rec[4]["sat"][0]
    assert not any(r["sat"][0] for r in rec[:4])  # closed loops


def test_saturation_drains_follow_the_file_one_rule_for_both_sides():
    """bench.saturated's drain: each side's mean output × its own per-token latency, where the file prints one
    (200 tokens × 20 ms = 4 s measured, 210 × 30 ms = 6.3 s replayed); where it prints none, neither side has a
    drain (the replay's 2,000 tokens × 38 ms = 76 s would otherwise clear it of the saturation the file's side, judged
    without one, shows: sglang-pr-5839's 100 requests at 10/s, 2,595 tok/s over 9.9 s + 76 s is above 90 % of
    200,000 tokens, over 9.9 s alone far below)."""
    from kvplan.observe import bench

    drains = _accuracy().drains
    assert drains(200, 20.0, 210, 30.0) == (pytest.approx(4.0), pytest.approx(6.3))
    assert drains(2000, None, 2000, 38.0) == (0.0, 0.0)
    assert bench.saturated(10, 2000, 2595, 100, 9.9, 2000 * 38 / 1000) is False
    assert bench.saturated(10, 2000, 2595, 100, 9.9, drains(2000, None, 2000, 38.0)[1]) is True


def test_round18_held_out_is_its_seeded_draw():
    r17, r18 = ROUNDS["round17"], ROUNDS["round18"]
    placed = set(r18["held_out"]) | set(r18["fit"]) | set(r18["seen"])
    new = sorted(placed - set(r17["held_out"]) - set(r17["fit"]) - set(r17["seen"]))
    assert new == ["faradawn-h200-llama3-8b", "pillaiharish-a100-qwen3-8b", "vllm-recipes-pr58-qwen3next-b200"]
    random.Random(r18["seed"]).shuffle(new)
    assert r18["held_out"] == new[: -(-len(new) // 3)] == ["vllm-recipes-pr58-qwen3next-b200"]
    assert set(r17["held_out"]) <= set(r18["seen"]) and set(r17["fit"]) < set(r18["fit"])


def test_round18_pillaiharish_levels_are_its_csv_rows():
    """Every level of pillaiharish-a100-qwen3-8b is its summary CSV's row (files/pillaiharish-a100-qwen3-8b/, copied
    unchanged from the repository's evidence directories) as accuracy.py's table reader takes it: load, requests,
    lengths, median TTFT and TPOT, output tok/s (the open loop's: the file's successful requests/s x 32, every
    request's exact output); the open loop's 14 and 16/s points saturated by the files' rule, 6-13/s not."""
    import csv

    from kvplan.observe import bench

    acc = _accuracy()
    runs = RUNS["pillaiharish-a100-qwen3-8b"]["runs"]
    got = [[lv for lv in acc.with_lengths(r, acc.table_levels(r))] for r in runs]
    files = DIR / "files" / "pillaiharish-a100-qwen3-8b"

    def rows(name):
        with open(files / name, newline="") as f:
            return list(csv.DictReader(f))

    assert [len(g) for g in got] == [6, 10, 6, 8, 4]
    assert all(r["model"] == "qwen3-8b" and r["gpu"] == "a100-sxm-40gb" and r["max_num_seqs"] == 16
               and r["endpoint"] == "chat" and r["itl_metric"] == "tpot" for r in runs)
    assert [r["prefix_caching"] for r in runs] == [False] * 4 + [True]
    conc, shape, pre, opn, tools = got
    for lv, row in zip(conc, rows("concurrency-summary.csv")):
        assert (lv.concurrency, lv.requests, lv.prompt_tokens, lv.output_tokens) == (
            int(row["concurrency"]), 320, "512", str(int(float(row["actual_output_tokens"]))))
        assert lv.measured["output_tokens_per_s"] == float(row["mean_output_tokens_per_second"])
        assert lv.measured["ttft_ms"] == {"p50": float(row["mean_ttft_p50_ms"])}
        assert lv.measured["tpot_ms"] == {"p50": float(row["mean_tpot_p50_ms_per_token"])}
    for lv, row in zip(shape, rows("shape-summary.csv")):
        assert (lv.concurrency, lv.prompt_tokens, lv.output_tokens) == (
            int(row["concurrency"]), row["input_tokens"], str(round(float(row["mean_actual_output_tokens"]))))
        assert lv.measured["output_tokens_per_s"] == float(row["mean_output_tokens_per_second"])
        assert lv.measured["ttft_ms"]["p50"] == float(row["mean_ttft_p50_ms"])
        assert lv.measured["tpot_ms"]["p50"] == float(row["mean_tpot_p50_ms_per_token"])
    for lv, row in zip(pre, rows("prefill32-summary.csv")):
        assert (lv.concurrency, lv.prompt_tokens, lv.output_tokens) == (
            int(row["concurrency"]), row["input_tokens"], row["actual_output_tokens"])
        assert lv.measured["output_tokens_per_s"] == float(row["mean_output_tokens_per_second"])
        assert lv.measured["ttft_ms"]["p50"] == float(row["mean_ttft_p50_ms"])
    for lv, row in zip(opn, rows("openloop-summary.csv")):
        assert (lv.rate, lv.requests, lv.prompt_tokens, lv.output_tokens) == (
            float(row["offered_request_rate"]), round(float(row["mean_planned_arrivals"])), "512", "32")
        assert lv.measured["output_tokens_per_s"] == round(float(row["mean_successful_requests_per_second"]) * 32, 6)
        assert lv.measured["ttft_ms"]["p50"] == float(row["mean_ttft_p50_ms"])
        assert lv.measured["tpot_ms"]["p50"] == float(row["mean_tpot_p50_ms_per_token"])
    sat = [bench.saturated(lv.rate, 32, lv.measured["output_tokens_per_s"], lv.requests,
                           drain_s=32 * lv.measured["tpot_ms"]["p50"] / 1000) for lv in opn]
    assert sat == [False] * 6 + [True, True]
    # Slentore's open loop sends its arrivals evenly spaced (schedule.go: offset i / rate); every other table is
    # replayed at the clients' Poisson default (the closed loops have no arrival process to follow)
    assert [lv.arrivals for lv in opn] == ["constant"] * 8
    assert {lv.arrivals for g in (conc, shape, pre, tools) for lv in g} == {"poisson"}
    for lv, row in zip(tools, rows("tool-summary.csv")):
        assert (lv.concurrency, lv.requests, lv.prompt_tokens, lv.output_tokens) == (1, 100, "23", "32")
        assert lv.measured["output_tokens_per_s"] == float(row["mean_output_tokens_per_second"])
        assert lv.measured["tpot_ms"]["p50"] == float(row["mean_decode_p50_ms"])
        assert lv.measured["ttft_ms"]["p50"] == float(row["mean_ttft_p50_ms"])


def test_round18_files_are_the_runs_as_read():
    """faradawn-h200-llama3-8b's three vLLM result files (bench3 1_vllm/) and the recipes pull request's B200 block, as
    kvplan's reader takes them: closed loops of 1 / 4 / 8 over 5 / 20 / 40 requests of 128 -> 512 on /v1/completions,
    and one of 256 over 1,000 requests at the block's mean lengths, with their TTFT, ITL and output tok/s."""
    from kvplan.observe import bench

    acc = _accuracy()
    far = [lv for r in RUNS["faradawn-h200-llama3-8b"]["runs"]
           for lv in acc.with_lengths(r, bench.read(DIR / r["file"]))]
    assert [(lv.concurrency, lv.requests, lv.prompt_tokens, lv.output_tokens, lv.endpoint) for lv in far] == [
        (1, 5, "128", "512", "completions"), (4, 20, "128", "512", "completions"), (8, 40, "128", "512", "completions")]
    assert [round(lv.measured["output_tokens_per_s"], 2) for lv in far] == [162.41, 632.35, 1214.46]
    assert [round(lv.measured["ttft_ms"]["p50"], 2) for lv in far] == [29.41, 56.87, 74.65]
    assert [round(lv.measured["itl_ms"]["mean"], 2) for lv in far] == [6.11, 6.22, 6.44]
    (run,) = RUNS["vllm-recipes-pr58-qwen3next-b200"]["runs"]
    (lv,) = acc.with_lengths(run, bench.read(DIR / run["file"]))
    assert (run["model"], run["gpu"], run["tp"], run["prefix_caching"]) == ("qwen3-next-80b-a3b", "b200", 4, False)
    assert (lv.concurrency, lv.requests, lv.prompt_tokens, lv.output_tokens) == (256, 1000, "2044", "957")
    assert lv.measured["output_tokens_per_s"] == 8118.18
    assert lv.measured["ttft_ms"]["p50"] == 419.05 and lv.measured["itl_ms"] == {"mean": 28.49, "p50": 20.46, "p99": 142.6}


def test_round18_first_print_record_is_every_held_out_level_as_measured():
    """round18_first_print.json (the held-out rows as first printed, which the headline reads) holds the one level of
    the round-18 held-out source, as kvplan's reader takes its block (output tok/s, mean ITL, median TTFT), predicted
    (not refused) and not saturated (a closed loop)."""
    import json

    from kvplan.observe import bench

    acc = _accuracy()
    rec = json.loads((DIR / "round18_first_print.json").read_text())["rows"]
    assert ROUNDS["round18"]["held_out"] == ["vllm-recipes-pr58-qwen3next-b200"]
    (run,) = RUNS["vllm-recipes-pr58-qwen3next-b200"]["runs"]
    (lv,) = acc.with_lengths(run, bench.read(DIR / run["file"]))
    (r,) = rec
    assert (r["source"], r["half"], r["load"], r["lengths"]) == (
        "vllm-recipes-pr58-qwen3next-b200", "held-out", "C=256", "2044 / 957")
    assert r["out"][0] == lv.measured["output_tokens_per_s"] == 8118.18
    assert r["itl"][0] == lv.measured["itl_ms"]["mean"] and r["itl_stat"] == "mean"
    assert r["ttft"][0] == lv.measured["ttft_ms"]["p50"] and r["ttft_stat"] == "p50"
    assert not r.get("refused") and None not in (r["out"][1], r["itl"][1], r["ttft"][1])
    assert r["sat"] == [False, False]


def test_round19_held_out_is_its_seeded_draw():
    r18, r19 = ROUNDS["round18"], ROUNDS["round19"]
    placed = set(r19["held_out"]) | set(r19["fit"]) | set(r19["seen"])
    new = sorted(placed - set(r18["held_out"]) - set(r18["fit"]) - set(r18["seen"]))
    assert new == ["inference-sim-residency-h100", "inference-sim-training-h100", "ld-singh-a6000-qwen25-7b"]
    random.Random(r19["seed"]).shuffle(new)
    assert r19["held_out"] == new[: -(-len(new) // 3)] == ["inference-sim-training-h100"]
    assert set(r18["held_out"]) <= set(r19["seen"]) and set(r18["fit"]) < set(r19["fit"])


def test_round19_inference_sim_training_files_are_its_stages_as_read():
    """inference-sim-training-h100's 24 inference-perf stage files (copied unchanged), as kvplan's reader takes them:
    one level each, at the rate and with the successes its runs.yaml workload states, every experiment's stages in
    order; the three overload experiments and CodeLlama-34B's reasoning run are the four saturated by the files' rule
    (bench.saturated, its TPOT as the drain's per-token time), none of the other twenty."""
    import re

    from kvplan.observe import bench

    src = RUNS["inference-sim-training-h100"]
    assert len(src["runs"]) == 24
    sat = []
    for run in src["runs"]:
        assert run["gpu"] == "h100-sxm-80gb" and run["engine"] == "vllm" and run["max_num_seqs"] == 128
        assert (run["max_model_len"], run["max_num_batched_tokens"]) == (4096, 2048)
        (lv,) = bench.read(DIR / run["file"])
        m = re.search(r"constant (\d+)/s for \d+ s \(stage (\d) of \d\); (\d+) successes", run["workload"])
        rate, stage, ok = float(m.group(1)), m.group(2), int(m.group(3))
        assert (lv.rate, lv.concurrency, lv.requests) == (rate, None, ok)
        assert run["file"].endswith(f"_stage_{stage}_lifecycle_metrics.json")
        assert run["copied_from"].endswith(f"/results/stage_{stage}_lifecycle_metrics.json")
        tpot = lv.measured["itl_ms"]["p50"]
        out = float(lv.output_tokens)
        if bench.saturated(lv.rate, out, lv.measured["output_tokens_per_s"], lv.requests, drain_s=out * tpot / 1000):
            sat.append(run["file"].split("/")[-1].split("_stage")[0][16:])
    assert sorted(sat) == ["codellama-34b-tp2-reasoning", "llama-2-70b-hf-tp4-reasoning", "llama-2-7b-tp1-reasoning",
                           "mixtral-8x7b-v0-1-tp2-reasoning"]


def test_round19_residency_levels_are_its_summaries():
    """inference-sim-residency-h100's levels are its 23 summary.json files (copied unchanged): the rate the cell is named
    by, the file's successes, 1024 -> 128 (its token totals over its successes), median / mean TTFT and ITL, and output
    tok/s = total output tokens over the run's 600 s; none saturated by the files' rule."""
    import json

    from kvplan.observe import bench

    acc = _accuracy()
    files = DIR / "files" / "inference-sim-residency"
    names = ([f"sweep_rate_agg_{r}rps_vanilla" for r in (2, 4, 6, 8)]
             + [f"sweep_tenants_{t}T_agg_{2 * t}rps_vanilla" for t in range(1, 6)]
             + [f"sweep_rate_agg_{r}rps_patched" for r in (2, 4, 6, 8)]
             + [f"sweep_tenants_{t}T_agg_{2 * t}rps_patched" for t in range(1, 6)]
             + [f"w5_sweep_agg{r}" for r in (6, 12, 18, 24, 30)])
    runs = RUNS["inference-sim-residency-h100"]["runs"]
    levels = [lv for r in runs for lv in acc.with_lengths(r, acc.table_levels(r))]
    assert len(levels) == len(names) == 23
    assert all(r["model"] == "qwen3-14b" and r["gpu"] == "h100-sxm-80gb" and r["endpoint"] == "chat" for r in runs)
    for lv, name in zip(levels, names):
        d = json.loads((files / f"{name}_summary.json").read_text())
        o, rate = d["overall"], int(name.split("agg")[1].lstrip("_").split("rps")[0])
        assert (lv.rate, lv.requests) == (rate, o["num_successful"]) and o["num_successful"] == o["num_requests"]
        assert (lv.prompt_tokens, lv.output_tokens) == ("1024", "128")
        assert o["total_input_tokens"] == 1024 * lv.requests and o["total_output_tokens"] == 128 * lv.requests
        assert lv.measured["ttft_ms"] == {"mean": o["ttft_ms"]["mean"], "p50": o["ttft_ms"]["median"]}
        assert lv.measured["itl_ms"] == {"mean": o["itl_ms"]["mean"], "p50": o["itl_ms"]["median"]}
        assert lv.measured["output_tokens_per_s"] == round(o["total_output_tokens"] / d["totals"]["total_duration_s"], 6)
        assert not bench.saturated(lv.rate, 128, lv.measured["output_tokens_per_s"], lv.requests,
                                   drain_s=128 * o["itl_ms"]["median"] / 1000)


def test_round19_ld_singh_levels_are_the_reports_rows():
    """ld-singh-a6000-qwen25-7b's levels are the report's two tables (files/ld-singh-a6000/, copied unchanged): the
    concurrency, requests, gen as the output length, TTFT and TPOT medians (seconds x 1000) and tok/s, each row."""
    acc = _accuracy()
    (run,) = RUNS["ld-singh-a6000-qwen25-7b"]["runs"]
    text = (DIR / "files" / "ld-singh-a6000" / "inference-benchmark-report.md").read_text()
    rows = [ln.split() for ln in text.splitlines() if ln.strip() and ln.split()[0].isdigit() and len(ln.split()) == 11]
    levels = acc.with_lengths(run, acc.table_levels(run))
    assert len(rows) == len(levels) == 8
    for lv, r in zip(levels, rows):
        conc, reqs, err, gen, ttft, _, tpot, _, _, tps, _ = r
        assert (lv.concurrency, lv.requests, lv.prompt_tokens, lv.output_tokens, err) == (int(conc), int(reqs), "41", gen, "0")
        assert lv.measured["ttft_ms"] == {"p50": round(float(ttft) * 1000, 6)}
        assert lv.measured["tpot_ms"] == {"p50": round(float(tpot) * 1000, 6)}
        assert lv.measured["output_tokens_per_s"] == float(tps)


def test_round19_first_print_record_is_every_held_out_level_as_measured():
    """round19_first_print.json (the held-out rows as first printed, which the headline reads) holds each of the 24
    levels of the round-19 held-out source once, as kvplan's reader takes its stage files (rate, output tok/s, TPOT and
    TTFT medians), each predicted (none refused), and the four the files' rule calls saturated marked so."""
    import json

    from kvplan.observe import bench

    rec = json.loads((DIR / "round19_first_print.json").read_text())["rows"]
    assert ROUNDS["round19"]["held_out"] == ["inference-sim-training-h100"]
    runs = RUNS["inference-sim-training-h100"]["runs"]
    assert len(rec) == len(runs) == 24
    for r, run in zip(rec, runs):
        (lv,) = bench.read(DIR / run["file"])
        assert (r["source"], r["half"], r["model"], r["tp"]) == ("inference-sim-training-h100", "held-out", run["model"], run["tp"])
        assert r["out"][0] == lv.measured["output_tokens_per_s"]
        assert r["ttft"][0] == lv.measured["ttft_ms"][{"p50": "p50", "mean": "mean"}[r["ttft_stat"]]]
        assert r["itl"][0] == lv.measured["itl_ms"][r["itl_stat"]]
        assert not r.get("refused") and None not in (r["out"][1], r["itl"][1], r["ttft"][1])
    assert sum(1 for r in rec if r["sat"][0]) == 4


def test_round20_held_out_is_its_seeded_draw():
    r19, r20 = ROUNDS["round19"], ROUNDS["round20"]
    placed = set(r20["held_out"]) | set(r20["fit"]) | set(r20["seen"])
    new = sorted(placed - set(r19["held_out"]) - set(r19["fit"]) - set(r19["seen"]))
    assert new == ["llmservingsim-4090-llama31-8b", "violet-quartz-4090-qwen25-7b"]
    random.Random(r20["seed"]).shuffle(new)
    assert r20["held_out"] == new[: -(-len(new) // 3)] == ["violet-quartz-4090-qwen25-7b"]
    assert set(r19["held_out"]) <= set(r20["seen"]) and set(r19["fit"]) < set(r20["fit"])


def test_round20_violet_quartz_files_are_the_runs_as_read():
    """violet-quartz-4090-qwen25-7b's eleven vLLM result files (copied unchanged), as kvplan's reader takes them: closed
    loops of the file's max_concurrency over its completed requests on the chat endpoint, ShareGPT at the file's token
    totals, with the file's output tok/s, median TTFT and mean ITL; prefix caching off in concurrency_performance/run1 and
    quantized_model/run8, on in vllm_bench_serve/run1 (its server's defaults)."""
    import json

    from kvplan.observe import bench

    acc = _accuracy()
    runs = RUNS["violet-quartz-4090-qwen25-7b"]["runs"]
    assert len(runs) == 11
    loads = []
    for run in runs:
        assert (run["model"], run["gpu"], run["tp"], run["engine"], run["engine_version"]) == (
            "qwen2.5-7b", "rtx-4090", 1, "vllm", "0.25.1")
        assert run["prefix_caching"] == ("vllm_bench_serve_run1" in run["file"])
        d = json.loads((DIR / run["file"]).read_text())
        (lv,) = acc.with_lengths(run, bench.read(DIR / run["file"]))
        assert d["endpoint_type"] == "openai-chat" and d["failed"] == 0 and d["request_rate"] == "inf"
        assert (lv.concurrency, lv.requests, lv.endpoint, lv.dataset) == (d["max_concurrency"], d["completed"], "chat", "sharegpt")
        assert (lv.prompt_tokens, lv.output_tokens) == (str(round(d["total_input_tokens"] / d["completed"])),
                                                         str(round(d["total_output_tokens"] / d["completed"])))
        assert lv.measured["output_tokens_per_s"] == d["output_throughput"]
        assert lv.measured["ttft_ms"]["p50"] == d["median_ttft_ms"] and lv.measured["itl_ms"]["mean"] == d["mean_itl_ms"]
        loads.append((run["file"].split("/")[-1].rsplit("_result", 1)[0], lv.concurrency, lv.requests))
    assert loads == [("concurrency_performance_run1", c, 400) for c in (8, 16, 32, 64, 128)] + [
        ("quantized_model_run8", 64, 1200)] + [("vllm_bench_serve_run1", c, 200) for c in (1, 4, 8, 16, 32)]


def test_round20_llmservingsim_levels_are_its_requests():
    """llmservingsim-4090-llama31-8b's two levels are computed from the runs' copied requests.jsonl (vLLM's
    RequestStateStats): TTFT = first_token_ts - queued_ts and TPOT = (last_token_ts - first_token_ts) / (output - 1), their
    mean, median and p99 (linear), output tok/s = output tokens over first queued to last token; its lengths files are the
    records' own input / output tokens in order; both runs saturate by the files' rule (bench.saturated, TPOT drain)."""
    import json
    import statistics

    from kvplan.observe import bench

    acc = _accuracy()

    def p99(xs):
        xs = sorted(xs)
        k = (len(xs) - 1) * 0.99
        f = int(k)
        return xs[f] + (xs[min(f + 1, len(xs) - 1)] - xs[f]) * (k - f)

    runs = RUNS["llmservingsim-4090-llama31-8b"]["runs"]
    assert [r["max_num_seqs"] for r in runs] == [256, 128]
    for run, tag in zip(runs, ("seqs256", "seqs128")):
        recs = [json.loads(ln) for ln in (DIR / "files" / "llmservingsim-4090" / f"{tag}_requests.jsonl").read_text().splitlines()]
        meta = json.loads((DIR / "files" / "llmservingsim-4090" / f"{tag}_meta.json").read_text())
        assert meta["vllm_version"] == run["engine_version"] == "0.19.0"
        assert meta["engine_kwargs"]["max_num_seqs"] == run["max_num_seqs"] and meta["num_requests"] == len(recs) == 300
        lens = json.loads((DIR / run["lengths_file"]).read_text())
        assert lens == {"input_lens": [r["input_toks"] for r in recs], "output_lens": [r["output_toks"] for r in recs]}
        ttft = [(r["first_token_ts"] - r["queued_ts"]) * 1000 for r in recs]
        tpot = [(r["last_token_ts"] - r["first_token_ts"]) * 1000 / (r["output_toks"] - 1) for r in recs]
        span = max(r["last_token_ts"] for r in recs) - min(r["queued_ts"] for r in recs)
        (row,) = run["levels"]
        assert (row["total_input_tokens"], row["total_output_tokens"]) == (sum(lens["input_lens"]), sum(lens["output_lens"]))
        assert row["mean_ttft_ms"] == round(statistics.mean(ttft), 2) and row["median_ttft_ms"] == round(statistics.median(ttft), 2)
        assert row["p99_ttft_ms"] == round(p99(ttft), 2) and row["p99_tpot_ms"] == round(p99(tpot), 2)
        assert row["mean_tpot_ms"] == round(statistics.mean(tpot), 2) and row["median_tpot_ms"] == round(statistics.median(tpot), 2)
        assert row["output_throughput"] == round(row["total_output_tokens"] / span, 2)
        (lv,) = acc.with_lengths(run, acc.table_levels(run))
        assert (lv.rate, lv.concurrency, lv.requests, len(lv.lengths)) == (10.0, None, 300, 300)
        mo = lv.measured["mean_output_tokens"]
        assert bench.saturated(lv.rate, mo, lv.measured["output_tokens_per_s"], lv.requests,
                               drain_s=mo * lv.measured["tpot_ms"]["mean"] / 1000)


def test_round20_first_print_record_is_every_held_out_level_as_measured():
    """round20_first_print.json (the held-out rows as first printed, which the headline reads) holds each of the 11 levels
    of the round-20 held-out source once, in runs.yaml's order, as kvplan's reader takes its files (output tok/s, mean
    ITL, median TTFT), each predicted (none refused) and none judged saturated (closed loops)."""
    import json

    from kvplan.observe import bench

    rec = json.loads((DIR / "round20_first_print.json").read_text())["rows"]
    assert ROUNDS["round20"]["held_out"] == ["violet-quartz-4090-qwen25-7b"]
    runs = RUNS["violet-quartz-4090-qwen25-7b"]["runs"]
    assert len(rec) == len(runs) == 11
    for r, run in zip(rec, runs):
        (lv,) = bench.read(DIR / run["file"])
        assert (r["source"], r["half"], r["model"], r["gpu"]) == ("violet-quartz-4090-qwen25-7b", "held-out", "qwen2.5-7b", "rtx-4090")
        assert r["file"] == run["file"].split("/")[-1] and r["load"] == f"C={lv.concurrency}"
        assert r["out"][0] == lv.measured["output_tokens_per_s"]
        assert (r["itl_stat"], r["itl"][0]) == ("mean", lv.measured["itl_ms"]["mean"])
        assert (r["ttft_stat"], r["ttft"][0]) == ("p50", lv.measured["ttft_ms"]["p50"])
        assert not r.get("refused") and None not in (r["out"][1], r["itl"][1], r["ttft"][1])
        assert r["sat"] == [False, False]


def test_round21_held_out_is_its_seeded_draw():
    r20, r21 = ROUNDS["round20"], ROUNDS["round21"]
    placed = set(r21["held_out"]) | set(r21["fit"]) | set(r21["seen"])
    new = sorted(placed - set(r20["held_out"]) - set(r20["fit"]) - set(r20["seen"]))
    assert new == ["sreeganeshji-a100-40gb-qwen25-7b", "tokey-tahmid-a100-40gb-qwen25-7b", "uv-xiao-a100pcie-sglang-qwen3-06b"]
    random.Random(r21["seed"]).shuffle(new)
    assert r21["held_out"] == new[: -(-len(new) // 3)] == ["sreeganeshji-a100-40gb-qwen25-7b"]
    assert set(r20["held_out"]) <= set(r21["seen"]) and set(r20["fit"]) < set(r21["fit"])


def test_round21_tokey_levels_are_the_tables_rows():
    """tokey-tahmid-a100-40gb-qwen25-7b's six runs are results/RESULTS.md's 'Prefill vs decode' tables (the copy), row by
    row: each row's median (the figure before its [min, max] N=3) as printed, TTFT p50 seconds x 1000, its 'ITL' (a
    per-request TPOT) as median TPOT; closed loops of 1 (24 requests) and 64 (384), exactly ISL -> OSL tokens on the
    completions endpoint, as kvplan's table reader takes them."""
    import re

    acc = _accuracy()
    text = (DIR / "files" / "tokey-a100" / "RESULTS_prefill_vs_decode.md").read_text()
    tables = {}
    for block in text.split("### ")[1:]:
        head, *lines = block.splitlines()
        rows = [re.match(r"\| (\d+) \| (\d+) \| (\d+) \| ([\d.]+) \[[^]]*\] N=3 \| ([\d.]+) \[[^]]*\] N=3 \| ([\d.]+) \[[^]]*\] N=3 \|$", ln)
                for ln in lines if ln.startswith("| ") and not ln.startswith("| concurrency")]
        assert None not in rows
        tables[head] = [tuple(float(x) for x in m.groups()) for m in rows]
    runs = RUNS["tokey-tahmid-a100-40gb-qwen25-7b"]["runs"]
    assert [(r["engine"], r["tp"]) for r in runs] == [(e, t) for e in ("sglang", "vllm") for t in (1, 2, 4)]
    for run in runs:
        assert (run["model"], run["gpu"], run["prefix_caching"], run["itl_metric"]) == ("qwen2.5-7b", "a100-sxm-40gb", False, "tpot")
        assert run["engine_version"] == {"sglang": "0.5.18", "vllm": "0.27.1"}[run["engine"]]
        want = tables[f"{run['engine']} · TP={run['tp']} · Qwen2.5-7B-Instruct"]
        assert len(want) == len(run["levels"]) == 12
        levels = acc.with_lengths(run, acc.table_levels(run))
        for (c, i, o, ttft_s, tpot, out), row, lv in zip(want, run["levels"], levels):
            assert (row["concurrency"], row["isl"], row["osl"]) == (c, i, o)
            assert row["median_ttft_ms"] == pytest.approx(ttft_s * 1000, rel=1e-9)
            assert (row["median_tpot_ms"], row["output_throughput"]) == (tpot, out)
            assert (lv.concurrency, lv.requests, lv.prompt_tokens, lv.output_tokens, lv.endpoint, lv.dataset) == (
                c, {1: 24, 64: 384}[c], str(int(i)), str(int(o)), "completions", "random")
            assert lv.measured["ttft_ms"] == {"p50": row["median_ttft_ms"]} and lv.measured["tpot_ms"] == {"p50": tpot}
            assert lv.measured["output_tokens_per_s"] == out


def test_round21_sreeganeshji_levels_are_the_summaries_means():
    """sreeganeshji-a100-40gb-qwen25-7b's two runs are its two summary.md files (copied unchanged): each (input, output,
    concurrency) group's Mean column (three runs of vllm bench serve) as printed, closed loops of 32 and 64 prompts."""
    acc = _accuracy()
    runs = RUNS["sreeganeshji-a100-40gb-qwen25-7b"]["runs"]
    for run, name, n in zip(runs, ("prefix-cache-off_summary.md", "rmsnorm-vllm-c_summary.md"), (32, 64)):
        assert (run["model"], run["gpu"], run["tp"], run["engine"], run["engine_version"], run["prefix_caching"]) == (
            "qwen2.5-7b", "a100-sxm-40gb", 1, "vllm", "0.27.1", False)
        groups = {}
        for ln in (DIR / "files" / "sreeganeshji-a100" / name).read_text().splitlines()[2:]:
            cells = [c.strip() for c in ln.strip().strip("|").split("|")]
            assert cells[3] == "3"
            groups.setdefault((int(cells[0]), int(cells[1]), int(cells[2])), {})[cells[4].strip("`")] = float(cells[5])
        assert len(groups) == len(run["levels"])
        levels = acc.with_lengths(run, acc.table_levels(run))
        for ((i, o, c), m), row, lv in zip(groups.items(), run["levels"], levels):
            assert (row["isl"], row["osl"], row["concurrency"], row["requests"]) == (i, o, c, n)
            for k, v in row.items():
                if k not in ("isl", "osl", "concurrency", "requests"):
                    assert m[k] == v, (name, i, o, c, k)
            assert (lv.concurrency, lv.requests, lv.prompt_tokens, lv.output_tokens) == (c, n, str(i), str(o))
            assert lv.measured["ttft_ms"]["mean"] == m["mean_ttft_ms"] and lv.measured["itl_ms"]["mean"] == m["mean_itl_ms"]
            assert lv.measured["output_tokens_per_s"] == m["output_throughput"]


def test_round21_uv_xiao_level_is_the_reports_row():
    """uv-xiao-a100pcie-sglang-qwen3-06b's one level is experiments.md's section 2 as printed: 50 requests at Poisson 5/s,
    random 128 -> 64 at range ratio 0.0 (uniform 1..128 / 1..64, as bench_serving draws them)."""
    import re

    acc = _accuracy()
    text = (DIR / "files" / "uv-xiao-a100pcie" / "experiments.md").read_text()
    got = {m.group(1): float(m.group(2)) for m in re.finditer(r"\| \*\*([^*]+)\*\* \| ([\d.]+)", text)}
    assert "--random-input 128 --random-output 64" in text and "--num-prompts 50 --request-rate 5" in text
    (run,) = RUNS["uv-xiao-a100pcie-sglang-qwen3-06b"]["runs"]
    (row,) = run["levels"]
    names = {"output_throughput": "Output token throughput", "request_throughput": "Request throughput",
             "mean_ttft_ms": "Mean TTFT", "median_ttft_ms": "Median TTFT", "p99_ttft_ms": "P99 TTFT",
             "mean_tpot_ms": "Mean TPOT", "median_tpot_ms": "Median TPOT", "p99_tpot_ms": "P99 TPOT",
             "mean_itl_ms": "Mean ITL", "median_itl_ms": "Median ITL", "p99_itl_ms": "P99 ITL",
             "mean_e2el_ms": "Mean E2E Latency"}
    assert {k: row[k] for k in names} == {k: got[v] for k, v in names.items()}
    assert got["Successful requests"] == row["requests"] == 50
    (lv,) = acc.with_lengths(run, acc.table_levels(run))
    assert (lv.rate, lv.concurrency, lv.requests, lv.prompt_tokens, lv.output_tokens) == (5.0, None, 50, "uniform:1-128", "uniform:1-64")
    assert (run["model"], run["gpu"], run["engine"], run["prefix_caching"]) == ("qwen3-0.6b", "a100-pcie-80gb", "sglang", True)


def test_round21_first_print_record_is_every_held_out_level_as_measured():
    """round21_first_print.json (the held-out rows as first printed, which the headline reads) holds each of the 18 levels
    of the round-21 held-out source once, in runs.yaml's order, as kvplan's table reader takes its summaries (output tok/s,
    mean ITL, mean TTFT), each predicted (none refused) and none judged saturated (closed loops)."""
    import json

    acc = _accuracy()
    rec = json.loads((DIR / "round21_first_print.json").read_text())["rows"]
    assert ROUNDS["round21"]["held_out"] == ["sreeganeshji-a100-40gb-qwen25-7b"]
    runs = RUNS["sreeganeshji-a100-40gb-qwen25-7b"]["runs"]
    levels = [(run, lv) for run in runs for lv in acc.with_lengths(run, acc.table_levels(run))]
    assert len(rec) == len(levels) == 18
    for r, (run, lv) in zip(rec, levels):
        assert (r["source"], r["half"], r["model"], r["gpu"]) == ("sreeganeshji-a100-40gb-qwen25-7b", "held-out", "qwen2.5-7b", "a100-sxm-40gb")
        assert (r["file"], r["level"], r["load"]) == (run["table"], lv.source, f"C={lv.concurrency}")
        assert r["out"][0] == lv.measured["output_tokens_per_s"]
        assert (r["itl_stat"], r["itl"][0]) == ("mean", lv.measured["itl_ms"]["mean"])
        assert (r["ttft_stat"], r["ttft"][0]) == ("mean", lv.measured["ttft_ms"]["mean"])
        assert not r.get("refused") and None not in (r["out"][1], r["itl"][1], r["ttft"][1])
        assert r["sat"] == [False, False]


def test_round22_held_out_is_its_seeded_draw():
    r21, r22 = ROUNDS["round21"], ROUNDS["round22"]
    placed = set(r22["held_out"]) | set(r22["fit"]) | set(r22["seen"])
    new = sorted(placed - set(r21["held_out"]) - set(r21["fit"]) - set(r21["seen"]))
    assert new == sorted(s for s in RUNS if s.startswith("accelmark-")) and len(new) == 11
    random.Random(r22["seed"]).shuffle(new)
    assert r22["held_out"] == new[: -(-len(new) // 3)] == [
        "accelmark-rtx3090", "accelmark-a6000", "accelmark-rtx5090", "accelmark-rtx4090"]
    assert set(r21["held_out"]) <= set(r22["seen"]) and set(r21["fit"]) < set(r22["fit"])


def _accelmark_runs():
    return [(src, run) for src, body in RUNS.items() if src.startswith("accelmark-") for run in body["runs"]]


def test_round22_accelmark_levels_are_the_copied_files_figures():
    """Each AccelMark run's levels are its copied result.json as printed: the offline row at the first client
    concurrency (100 prompts at once, output tok/s), each online Poisson rate (TTFT p50, TPOT p50 pooled over three
    runs), the interactive scenario (one request at a time); the request counts are the suite's (suites/*/suite.json:
    100 offline, 300 online and 150 interactive for A, 200 / 50 for B, 300 / 50 for G); the lengths are the means
    runs.yaml's lengths_why derives: offline input = (total - output tok/s) x elapsed / 100, output = output tok/s x
    elapsed / 100, the online / interactive output mean the sustained scenario's tokens_out / requests_completed where
    it lies within 10 % of the offline mean; online and interactive output tok/s = requests x that mean / elapsed."""
    import json

    acc = _accuracy()
    import statistics

    counts = {"llama-3-8b": (300, 150), "llama-3-70b": (200, 50), "mixtral-8x7b": (300, 50)}
    runs = _accelmark_runs()

    def off_in(f):
        o = f["metrics"]["offline"]["results_by_concurrency"][0]
        t = o.get("throughput_tokens_per_sec_total")
        return t and (t - o["throughput_tokens_per_sec"]) * o["elapsed_seconds_median"] / 100

    files = [(run["model"], json.loads((DIR / run["copied"]).read_text())) for _, run in runs]
    median_in = {fam: statistics.median(off_in(f) for model, f in files if (model == "mixtral-8x7b") == fam and off_in(f))
                 for fam in (False, True)}  # Llama 3's tokenizer, Mixtral's
    assert len(runs) == 20 and sum(len(r["levels"]) for _, r in runs) == 104
    for src, run in runs:
        f = json.loads((DIR / run["copied"]).read_text())
        m = f["metrics"]
        assert run["tp"] == f["task"]["parallelism"]["tensor_parallel_size"] == f["chip"]["count"]
        assert run["engine_version"] == f["software"]["framework_version"].split("+")[0]
        assert run["engine"] == f["software"]["framework"].lower() and run["itl_metric"] == "tpot"
        off = m["offline"]["results_by_concurrency"][0]
        mo = off["throughput_tokens_per_sec"] * off["elapsed_seconds_median"] / 100
        if off.get("throughput_tokens_per_sec_total"):
            mi = (off["throughput_tokens_per_sec_total"] - off["throughput_tokens_per_sec"]) * off["elapsed_seconds_median"] / 100
        else:  # the median of the files that print a total, per tokenizer (runs.yaml lengths_why)
            mi = median_in[run["model"] == "mixtral-8x7b"]
            assert f"mean input {mi:.1f} (no total tok/s" in run["lengths_why"]
        sus = [x for x in m.get("sustained", {}).get("samples", []) if not x["is_warmup"]]
        ms = sum(x["tokens_out"] for x in sus) / sum(x["requests_completed"] for x in sus) if sus else None
        mo_on = ms if ms and abs(ms / mo - 1) <= 0.10 else mo
        n_on, n_int = counts[run["model"]]
        first, *online, inter = run["levels"]
        assert first == {"rate": "inf", "requests": 100, "total_input_tokens": round(mi * 100),
                         "total_output_tokens": round(mo * 100), "output_throughput": off["throughput_tokens_per_sec"],
                         **({"max_running_requests": 512} if run["engine"] == "vllm" else {})}
        qs = m["online"]["results_by_qps"]
        assert [lv["rate"] for lv in online] == [q["target_qps"] for q in qs]
        for lv, q in zip(online, qs):
            assert (lv["requests"], lv["median_ttft_ms"], lv["median_tpot_ms"]) == (n_on, q["ttft_ms_p50"], q["tpot_ms_p50"])
            assert lv["output_throughput"] == round(n_on * mo_on / q["elapsed_seconds_median"], 1)
            assert (lv["total_input_tokens"], lv["total_output_tokens"]) == (round(mi * n_on), round(mo_on * n_on))
        it = m["interactive"]
        assert (inter["concurrency"], inter["requests"], inter["median_ttft_ms"], inter["median_tpot_ms"]) == (
            1, n_int, it["ttft_ms_p50"], it["tpot_ms_p50"])
        assert inter["output_throughput"] == round(n_int * mo_on / it["elapsed_seconds_median"], 1)
        levels = acc.with_lengths(run, acc.table_levels(run))
        assert [lv.rate for lv in levels[:-1]] == [float("inf")] + [float(q["target_qps"]) for q in qs]
        assert levels[-1].concurrency == 1 and levels[-1].rate is None
        for lv, row in zip(levels, run["levels"]):
            assert lv.dataset == "sharegpt" and lv.requests == row["requests"]
            assert lv.measured["mean_prompt_tokens"] == row["total_input_tokens"] / row["requests"]
            assert lv.measured["mean_output_tokens"] == row["total_output_tokens"] / row["requests"]
            assert lv.measured["output_tokens_per_s"] == row["output_throughput"]


def test_output_cap_keeps_the_cap_and_the_mean_and_only_where_runs_yaml_states_one():
    """accuracy.py's with_output_cap: an AccelMark level (max_output_tokens 512, answers end at EOS or there) is replayed
    with kvplan's ShareGPT draw (seed 0, as bench._lengths draws it), no answer past 512 and their mean the level's to
    within one token in the draw (the offline row: 34,360 / 100 = 343.6); prompts scaled as sharegpt.pairs scales them,
    so the draw's prompts are pairs()'s; a run without the key is left to bench._lengths (no lengths set)."""
    from kvplan.observe.sharegpt import pairs

    acc = _accuracy()
    (run, *_) = RUNS["accelmark-h100"]["runs"]
    assert run["max_output_tokens"] == 512
    levels = acc.with_lengths(run, acc.table_levels(run))
    capped = acc.with_output_cap(run, levels, 5000)
    for lv, c in zip(levels, capped):
        outs = [o for _, o in c.lengths]
        assert len(c.lengths) == lv.requests and max(outs) == 512
        assert abs(sum(outs) / len(outs) - lv.measured["mean_output_tokens"]) <= 1
        plain = pairs(lv.requests, lv.measured["mean_prompt_tokens"], lv.measured["mean_output_tokens"], 0)
        assert [p for p, _ in c.lengths] == [p for p, _ in plain]
        assert max(o for _, o in plain) > 512  # the uncapped sample runs past the cap
    assert abs(levels[0].measured["mean_output_tokens"] - 343.6) < 0.01
    other = {k: v for k, v in run.items() if k != "max_output_tokens"}
    assert acc.with_output_cap(other, levels, 5000) == levels


def test_round22_first_print_record_is_every_held_out_level_as_measured():
    """round22_first_print.json (the held-out rows as first printed, which the headline reads) holds each of the 42
    levels of the four round-22 held-out sources once, in runs.yaml's order, as kvplan's table reader takes them (output
    tok/s; median TPOT; median TTFT, none on an offline row), each predicted (none refused); the offline batches (rate
    inf) count as saturated on both sides, the rest as the rule judges them."""
    import json

    acc = _accuracy()
    rec = json.loads((DIR / "round22_first_print.json").read_text())["rows"]
    held = ROUNDS["round22"]["held_out"]
    assert held == ["accelmark-rtx3090", "accelmark-a6000", "accelmark-rtx5090", "accelmark-rtx4090"]
    levels = [(src, run, lv) for src in RUNS if src in held for run in RUNS[src]["runs"]
              for lv in acc.with_lengths(run, acc.table_levels(run))]
    assert len(rec) == len(levels) == 42
    for r, (src, run, lv) in zip(rec, levels):
        assert (r["source"], r["half"], r["file"], r["level"]) == (src, "held-out", run["table"], lv.source)
        assert r["out"][0] == lv.measured["output_tokens_per_s"]
        if r["load"] == "inf":
            assert r["itl"] == [None, None] and r["ttft"] == [None, None] and r["sat"] == [True, True]
        else:
            assert (r["itl_stat"], r["itl"][0]) == ("p50 TPOT", lv.measured["tpot_ms"]["p50"])
            assert (r["ttft_stat"], r["ttft"][0]) == ("p50", lv.measured["ttft_ms"]["p50"])
        assert not r.get("refused") and r["out"][1] is not None
