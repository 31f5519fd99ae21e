"""docs/perf-accuracy.md is what scripts/perf_accuracy.py computes now, and the README quotes it."""
import copy
import functools
import importlib.util
import re

from conftest import ROOT

spec = importlib.util.spec_from_file_location("perf_accuracy", ROOT / "scripts" / "perf_accuracy.py")
pa = importlib.util.module_from_spec(spec)
spec.loader.exec_module(pa)

# every prediction takes about a minute on CI's cores: compute the rows once for this file (render() and the tests
# below all read them) and hand each caller its own copy, so no test sees another's edits
_rows_once = functools.cache(pa.rows)
pa.rows = lambda: copy.deepcopy(_rows_once())


def test_page_is_current():
    assert (ROOT / "docs" / "perf-accuracy.md").read_text() == pa.render(), \
        "run `python scripts/perf_accuracy.py` to refresh docs/perf-accuracy.md"


def test_every_row_on_one_side_and_readme_quotes_the_held_out_median():
    rows = pa.rows()
    assert len(rows) >= 150 and {r["side"] for r in rows} == {"held_out", "seen", "fit"}
    for doc in {r["doc"] for r in rows}:  # one source document never sits on both sides
        assert len({r["side"] for r in rows if r["doc"] == doc}) == 1
    s = pa.summary(rows)
    readme = (ROOT / "README.md").read_text()
    m = re.search(r"held-out median absolute error is\s+([\d.]+) %", readme)
    # the headline is round 21's held-out figure as printed once (frozen on the page, every row and cell in
    # benchmarks/published/round21_first_print.txt): 4 decode rows (the SGLang team's gpt-oss post: gpt-oss-120b MXFP4 /
    # BF16 on B200 TP 4 and H100 TP 8, batch 1) and 32 whole static batches (AMD's ROCm vLLM docker page, release
    # 20250513: Llama 3.1 70B / 405B FP8 on 8 x MI300X, batch 1-128); no TTFT row
    assert m and pa.FROZEN_ROUND21["all"].startswith(f"{m.group(1)} % ")
    ph = s["held_out"]["breakdowns"]["phase"]
    assert s["held_out"]["all"]["n"] == 36 and ph["static batch"]["n"] == 32 and ph["decode"]["n"] == 4
    assert ph["prefill"]["n"] == 0
    page = (ROOT / "docs" / "perf-accuracy.md").read_text()
    first21 = (ROOT / "benchmarks" / "published" / "round21_first_print.txt").read_text()
    fz21 = pa.FROZEN_ROUND21
    held21, fit21 = first21.split("## fit side")[0], first21.split("## fit-side summary")[1]
    assert f"\nall kvplan {fz21['all']}; aic {fz21['aic_all']}\n" in held21
    for key in ("source", "phase", "gpu", "model", "batch"):  # each bucket as first printed
        assert all(f"\n{key} {c.replace(': ', ' kvplan ', 1)}; aic " in held21 for c in fz21[key].split("; "))
    assert f"\nrows aiconfigurator models kvplan {fz21['both_kvplan']}; aic {fz21['both_aic']}\n" in held21
    assert f"\nall kvplan {fz21['fit_side'][len('kvplan '):]}\n" in fit21
    assert f"- **All held-out rows**: {fz21['all']}; by phase {fz21['phase']}; by source {fz21['source']}." in page
    assert f"its rows deferred in `not_fitted.yaml`): {fz21['fit_side']}; by model" in page
    # today's figures differ from the first print once the model changes: the page must say so
    assert pa._cell(s["held_out"]["all"]) == fz21["all"] or "Today's figures on the same rows (after" in page
    first20 = (ROOT / "benchmarks" / "published" / "round20_first_print.txt").read_text()
    fz20 = pa.FROZEN_ROUND20
    held20, fit20 = first20.split("## fit side")[0], first20.split("## fit-side summary")[1]
    assert f"\nall kvplan {fz20['all']}; aic {fz20['aic_all']}\n" in held20
    for key in ("source", "model", "batch", "prompt"):  # each bucket as first printed
        assert all(f"\n{key} {c.replace(': ', ' kvplan ', 1)}; aic " in held20 for c in fz20[key].split("; "))
    assert all(f"\nmodel batch {c.replace(': ', ' kvplan ', 1)}; aic " in held20 for c in fz20["model_batch"].split("; "))
    assert f"\nall kvplan {fz20['fit_side'][len('kvplan '):]}\n" in fit20
    assert all(f"\ngpu {c.replace(': ', ' kvplan ', 1)}; aic " in fit20 for c in fz20["fit_gpu"].split("; "))
    assert f"\nrows aiconfigurator models kvplan {fz20['fit_both_kvplan']}; aic {fz20['fit_both_aic']}\n" in fit20
    assert f"MI300X in FP8): {fz20['all']}; by source {fz20['source']}." in page
    assert f"its rows deferred in `not_fitted.yaml`): {fz20['fit_side']}; by GPU {fz20['fit_gpu']};" in page
    # round 20 (seen since round 21's split): its first print kept literally, today's figures beside it
    assert "Today's figures on the same rows (seen since round 21's split)" in page
    first19 = (ROOT / "benchmarks" / "published" / "round19_first_print.txt").read_text()
    fz19 = pa.FROZEN_ROUND19
    held19 = first19.split("## fit-side")[0]
    assert f"\nall kvplan {fz19['all']}; aic {fz19['aic_all']}\n" in held19
    for key in ("source", "engine", "gpu", "batch", "TP", "weights", "model"):  # each bucket as first printed
        assert all(f"\n{key} {c.replace(': ', ' kvplan ', 1)}; aic " in held19 for c in fz19[key].split("; "))
    assert f"\nrows aiconfigurator models kvplan {fz19['both_kvplan']}; aic {fz19['both_aic']}\n" in held19
    assert f"row): {fz19['all']}; by model {fz19['model']}; by weights {fz19['weights']};" in page
    # round 19 (seen since round 20's split): its first print kept literally, today's figures beside it
    assert "Today's figures on the same rows (seen since round 20's split)" in page
    first18 = (ROOT / "benchmarks" / "published" / "round18_first_print.txt").read_text()
    fz18 = pa.FROZEN_ROUND18
    held18 = first18.split("## fit-side")[0]
    assert f"\nall kvplan {fz18['all']}; aic {fz18['aic_all']}\n" in held18
    for key in ("source", "engine", "gpu", "batch", "output"):  # each bucket as first printed
        assert all(f"\n{key} {c.replace(': ', ' kvplan ', 1)}; aic " in held18 for c in fz18[key].split("; "))
    assert f"\nrows aiconfigurator models kvplan {fz18['both_kvplan']}; aic {fz18['both_aic']}\n" in held18
    assert f"## fit-side summary (datacrunch-deepseek-r1-h200, not fitted)\nall {fz18['fit_side']}\n" in first18
    fit18 = first18.split("## fit-side")[1]
    assert all(f"\nphase {c.replace(': ', ' kvplan ', 1)}; aic " in fit18 for c in fz18["fit_phase"].split("; "))
    assert f"row): {fz18['all']}; by engine {fz18['engine']}; by GPU {fz18['gpu']};" in page
    assert f"its rows deferred in `not_fitted.yaml`): {fz18['fit_side']}; by phase {fz18['fit_phase']}." in page
    # round 18 (seen since round 19's split): its first print kept literally, today's figures beside it
    assert "Today's figures on the same rows (seen since round 19's split)" in page
    first17 = (ROOT / "benchmarks" / "published" / "round17_first_print.txt").read_text()
    fz17 = pa.FROZEN_ROUND17
    held17 = first17.split("## fit-side")[0]
    assert f"\nall kvplan {fz17['all']}; aic {fz17['aic_all']}\n" in held17
    for key in ("source", "phase", "metric", "engine", "gpu", "model", "build"):  # each bucket as first printed
        assert all(f"\n{key} {c.replace(': ', ' kvplan ', 1)}; aic " in held17 for c in fz17[key].split("; "))
    assert f"## fit-side summary (llamacpp-pr-19053, sglang-cookbook-kimi-k2.5, not fitted)\nall {fz17['fit_side']}\n" \
        in first17
    fit17 = first17.split("## fit-side")[1]
    for key in ("source", "phase"):
        assert all(f"\n{key} {c.replace(': ', ' kvplan ', 1)}; aic " in fit17 for c in fz17["fit_" + key].split("; "))
    assert f"- **All**: {fz17['all']}; by phase {fz17['phase']}; by metric {fz17['metric']}." in page
    assert f"their rows deferred in `not_fitted.yaml`): {fz17['fit_side']};" in page
    # round 17 (seen since round 18's split): its first print kept literally, today's figures beside it
    assert "Today's figures on the same rows (seen since round 18's split)" in page
    # round 16 (seen since round 17's split): its first print kept literally, today's figures beside it
    assert "Today's figures on the same rows (seen since round 17's split)" in page
    first16 = (ROOT / "benchmarks" / "published" / "round16_first_print.txt").read_text()
    fz16 = pa.FROZEN_ROUND16
    assert f"\nall kvplan {fz16['all']}; aic {fz16['aic_all']}\n" in first16.split("## fit-side")[0]
    for key in ("source", "model", "batch", "prompt"):  # each bucket as first printed, one line per bucket
        assert all(f"\n{key} {c.replace(': ', ' kvplan ', 1)}; aic " in first16.split("## fit-side")[0]
                   for c in fz16[key].split("; "))
    assert f"## fit-side summary (optimum-gptq-benchmark-4e98776, not fitted)\nall {fz16['fit_side']}\n" in first16
    fit16 = first16.split("## fit-side")[1]
    for key in ("phase", "weights", "kernel", "batch"):
        assert all(f"\n{key} {c.replace(': ', ' kvplan ', 1)}; aic " in fit16 for c in fz16["fit_" + key].split("; "))
    assert f"every row is vLLM on MI300X in FP8): {fz16['all']}; by source {fz16['source']}." in page
    assert f"its rows deferred in `not_fitted.yaml`): {fz16['fit_side']}; by phase {fz16['fit_phase']};" in page
    # round 15 (seen since round 16's split): its first print kept literally, today's figures beside it
    assert "Today's figures on the same rows (seen since round 16's split)" in page
    first15 = (ROOT / "benchmarks" / "published" / "round15_first_print.txt").read_text()
    fz15 = pa.FROZEN_ROUND15
    assert f"\nall kvplan {fz15['all']}; aic {fz15['aic_all']}\n" in first15.split("## fit-side")[0]
    for key in ("source", "engine", "gpu", "batch", "weights"):  # each bucket as first printed, one line per bucket
        assert all(f"\n{key} {c.replace(': ', ' kvplan ', 1)}; aic " in first15 for c in fz15[key].split("; "))
    assert f"\nrows aiconfigurator models {fz15['aic']}\n" in first15.split("## fit-side")[0]
    assert f"## fit-side summary (qwen3-speed-benchmark-c7f51a1, not fitted)\nall {fz15['fit_side']}\n" in first15
    fit15 = first15.split("## fit-side")[1]
    assert all(f"\nengine {c.replace(': ', ' kvplan ', 1)}; aic " in fit15 for c in fz15["fit_engine"].split("; "))
    assert f"there is no decode-only or TTFT row): {fz15['all']}; by source {fz15['source']}." in page
    assert f"nothing was fitted on it for the print, its rows deferred in `not_fitted.yaml`): {fz15['fit_side']};" in page
    # round 14 (seen since round 15's split): its first print kept literally, today's figures beside it
    assert "Today's figures on the same rows (seen since round 15's split)" in page
    first14 = (ROOT / "benchmarks" / "published" / "round14_first_print.txt").read_text()
    fz14 = pa.FROZEN_ROUND14
    assert f"\nall kvplan {fz14['all']}; aic not modelled (n 0)\n" in first14
    assert f"\nphase decode kvplan {fz14['decode']}; aic not modelled (n 0)\n" in first14
    for key in ("gpu", "weights", "model"):  # each bucket as first printed, one line per bucket
        assert all(f"\n{key} {c.replace(': ', ' kvplan ', 1)}; aic " in first14 for c in fz14[key].split("; "))
    assert f"## fit-side summary (qwen25-speed-benchmark-a912d23, not fitted)\nall {fz14['fit_side']}\n" in first14
    fit14 = first14.split("## fit-side")[1]
    assert all(f"\nengine {c.replace(': ', ' kvplan ', 1)}; aic " in fit14 for c in fz14["fit_engine"].split("; "))
    assert f"6 → 206 tokens of context): {fz14['decode']};" in page and f"nothing was fitted on it for the print): " \
        f"{fz14['fit_side']};" in page
    # round 13 (seen since round 14's split): its first print kept literally, today's figures beside it
    assert "Today's figures on the same rows (seen since round 14's split)" in page
    first13 = (ROOT / "benchmarks" / "published" / "round13_first_print.txt").read_text()
    fz13 = pa.FROZEN_ROUND13
    aic13 = dict(x.split(" ", 1) for x in fz13["aic"].split("; "))
    assert f"\nall kvplan {fz13['all']}; aic {aic13['all']}\n" in first13
    assert f"\nphase decode kvplan {fz13['decode']}; aic {aic13['decode']}\n" in first13
    assert f"\nphase ttft kvplan {fz13['ttft']}; aic {aic13['TTFT']}\n" in first13
    assert all(f"\ngpu {c.replace(': ', ' kvplan ', 1)}; aic " in first13 for c in fz13["gpu"].split("; "))
    assert f"## fit-side summary (vllm-pr-2192, not fitted)\nall {fz13['fit_side']}\n" in first13
    assert f"- All round-13 held-out rows: {fz13['all']};" in page and f"of context): {fz13['decode']}." in page \
        and f"~8,192 tokens): {fz13['ttft']}." in page
    # round 12 (seen since round 13's split): its first print kept literally, today's figures beside it
    assert "Today's figures on the same rows (seen since round 13's split)" in page
    first12 = (ROOT / "benchmarks" / "published" / "round12_first_print.txt").read_text()
    fz12 = pa.FROZEN_ROUND12
    assert f"\nall kvplan {fz12['all']}; aic not modelled (n 0)\n" in first12
    assert f"\nphase decode kvplan {fz12['decode']}\n" in first12 and f"\nphase prefill kvplan {fz12['ttft']}\n" in first12
    assert all(f"\nprompt {c.replace(': ', ' kvplan ', 1)}\n" in first12 for c in fz12["prompt"].split("; "))
    fit_all, fit_ph = fz12["fit_side"].split(": ", 1)
    assert f"## fit-side summary (tt-inference-server-issue-394, not fitted)\nall {fit_all}; aic" in first12
    tp, tt = fit_ph.split(", ")
    assert f"\nphase decode kvplan {tp[len('TPOT '):]}\n" in first12.split("## fit-side")[1]
    assert f"\nphase prefill kvplan {tt[len('TTFT '):]}\n" in first12.split("## fit-side")[1]
    assert f"- All round-12 held-out rows: {fz12['all']};" in page and f"of context): {fz12['decode']}." in page \
        and f"completions front end): {fz12['ttft']}." in page
    # round 11 (seen since round 12's split): its first print kept literally, today's figures beside it
    assert "Today's figures on the same rows (seen since round 12's split)" in page
    first = (ROOT / "benchmarks" / "published" / "round11_first_print.txt").read_text()
    fz = pa.FROZEN_ROUND11
    assert f"\nall kvplan {fz['all']}; aic " in first and f"- All round-11 held-out rows: {fz['all']};" in page
    for name, k in (("static batch", "static"), ("decode", "decode"), ("ttft", "ttft")):
        assert f"\nphase {name} kvplan {fz[k]}; aic " in first
    assert f"(PR #2542, the time of one static batch): {fz['static']};" in page
    assert f"(Vultr, TPOT at concurrency 1): {fz['decode']}." in page and f"at concurrency 1): {fz['ttft']}." in page
    for k, name in (("gpu", "gpu"), ("batch", "batch"), ("column", "pr2542 column")):  # each bucket as first printed
        assert all(f"\n{name} {c.replace(': ', ' kvplan ', 1)}; aic " in first for c in fz[k].split("; "))
    aic = dict(x.split(" ", 1) if not x.startswith("fixed") else ("static", x[len("fixed batch "):])
               for x in fz["aic"].split("; "))
    assert f"\nall kvplan {fz['all']}; aic {aic['all']}\n" in first
    assert f"\nphase static batch kvplan {fz['static']}; aic {aic['static']}\n" in first
    assert f"\nphase decode kvplan {fz['decode']}; aic {aic['decode']}\n" in first
    assert f"\nphase ttft kvplan {fz['ttft']}; aic {aic['TTFT']}\n" in first
    assert f"## fit-side summary (vllm-pr-3240, not fitted)\nall {fz['fit_side']}\n" in first
    # round 10 (seen since round 11's split): its first print kept literally, today's figures beside it
    first10 = (ROOT / "benchmarks" / "published" / "round10_first_print.txt").read_text()
    assert f"\nall {pa.FROZEN_ROUND10['all']}\n" in first10 and f"- All round-10 held-out rows: {pa.FROZEN_ROUND10['all']};" in page
    assert f"decode (tg) {pa.FROZEN_ROUND10['decode']}" in first10 and f"prefill (pp512) {pa.FROZEN_ROUND10['prefill']}" \
        in first10 and f"(`tg`, one sequence from an empty context): {pa.FROZEN_ROUND10['decode']};" in page
    for k, name in (("gpu", "gpu"), ("decode_gpu", "decode on")):  # each bucket as first printed, one line per bucket
        assert all(f"{name} {c.replace(': ', ' ', 1)}" in first10 for c in pa.FROZEN_ROUND10[k].split("; "))
    assert all(f"tg {c[2:].replace(': ', ' ', 1)}" in first10 for c in pa.FROZEN_ROUND10["tg"].split("; "))
    assert all(f"table {c.split()[0]} {c.split(': ', 1)[1]}" in first10 for c in pa.FROZEN_ROUND10["table"].split("; "))
    assert "Today's figures on the same rows (seen since round 11's split)" in page
    # round 9 (seen since round 10's split): its first print kept literally, today's figures beside it
    first9 = (ROOT / "benchmarks" / "published" / "round9_first_print.txt").read_text()
    assert f"ALL {pa.FROZEN_ROUND9['all']}" in first9 and f"- All round-9 held-out rows: {pa.FROZEN_ROUND9['all']};" in page
    assert f"phase static batch {pa.FROZEN_ROUND9['static']}" in first9 and f"phase prefill {pa.FROZEN_ROUND9['prefill']}" \
        in first9 and f"(Peak Throughput, the time of one static batch): {pa.FROZEN_ROUND9['static']}." in page
    for k in ("gpu", "model", "tp", "input"):
        name = {"input": "in"}.get(k, k)
        assert all(f"{name} {c.replace(': ', ' ', 1)}" in first9 for c in pa.FROZEN_ROUND9[k].split("; "))
    # round 8 (seen since round 9's split): its first print kept literally, today's figures beside it
    first8 = (ROOT / "benchmarks" / "published" / "round8_first_print.txt").read_text()
    assert f"ALL {pa.FROZEN_ROUND8['all']}" in first8 and f"- All round-8 held-out rows: {pa.FROZEN_ROUND8['all']};" in page
    # round 7 (seen since round 8's split): its first print kept literally
    assert f"median TPOT, or the mean where the page prints no median): {pa.FROZEN_ROUND7['decode']}." in page
    # round 6 (seen since round 7's split): its first print kept literally, with today's figures beside it
    assert f"- **Decode** (NIM, GenAI-Perf's mean inter-token latency at concurrency 1): {pa.FROZEN_ROUND6['decode']}." \
        in page and "Round 6 held out, first print → after session 10's changes (seen): decode " \
        f"{pa.FROZEN_ROUND6['decode']} → " in page
    # round 5 (seen): its first print, the MoE fix and session 9's changes, each labelled with its figures
    assert f"decode (median TPOT at concurrency 1) {pa.FROZEN_ROUND5['decode']}" in page
    assert '"after session 9\'s changes, seen"' in page and "after the MoE fix, seen: all 43.8 % / +43.8 % → decode " \
        f"{pa.FROZEN_MOE_FIX['decode']}" in page


def test_refused_rows_are_shown_not_dropped():
    rows = pa.rows()
    refused = [r for r in rows if r["kvplan"] is None]
    assert all(r["refused"] and r["kvplan_err"] is None for r in refused)
    page = (ROOT / "docs" / "perf-accuracy.md").read_text()
    assert page.count("| refused |") == len(refused)


def test_prediction_by_hand_for_one_entry():
    # TensorRT-LLM static batch, A100 SXM, Llama 2 7B fp16, batch 60, 128 -> 2048: the throughput is
    # 60 × 2048 / (prefill of 60 × 128 tokens + 2,047 decode steps at contexts 129 ... 2,175)
    from kvplan.sources import catalog
    from kvplan.plan import perf

    e = next(x for x in pa.yaml.safe_load((pa.PUB / "measurements.yaml").read_text())
             if x["id"] == "trtllm-a100-llama2-7b-fp16-bs60-128-2048-throughput")
    from kvplan.plan.latency.step import OpLatency

    r = OpLatency(catalog.load_model("llama-2-7b"), catalog.load_gpu("a100-sxm-80gb"), 1, "fp16", "fp16", engine="trtllm")
    t = r.prefill(128, 60).seconds + sum(r.decode(128 + k, 60).seconds for k in range(1, 2048))
    assert pa.predict(e) == 60 * 2048 / t


def test_per_gpu_throughput_by_hand():
    # H100 FP8 Llama 2 70B, TP 2, batch 96, 2048 -> 128, out tok/s/GPU = 96 × 128 / (prefill + 127 steps) / 2
    from kvplan.plan import perf
    from kvplan.sources import catalog

    e = next(x for x in pa.yaml.safe_load((pa.PUB / "measurements.yaml").read_text())
             if x["id"] == "trtllm-h100-llama2-70b-fp8-tp2-bs96-2048-128-throughput")
    from kvplan.plan.latency.step import OpLatency

    r = OpLatency(catalog.load_model("llama-2-70b"), catalog.load_gpu("h100-sxm-80gb"), 2, "fp8", "fp8", engine="trtllm")
    t = r.prefill(2048, 96).seconds + sum(r.decode(2048 + k, 96).seconds for k in range(1, 128))
    assert pa.predict(e) == 96 * 128 / t / 2
    assert pa.per_token_error(e["metric"], 2 * e["value"], e["value"]) == -0.5  # twice the rate = half the time


def test_last_round_held_out_is_never_fitted():
    # the round-21 held-out sources are the headline (their first print), and the held-out sources of rounds 1-20
    # (printed before the next round) are labelled "seen", not held out
    spec2 = importlib.util.spec_from_file_location("fit", ROOT / "benchmarks" / "latency" / "fit.py")
    fit = importlib.util.module_from_spec(spec2)
    spec2.loader.exec_module(fit)
    doc, _ = pa.split()
    fitted = {e["id"] for e in fit.fit_side_entries()}
    rows = pa.rows()
    held = {r["id"] for r in rows if r["side"] == "held_out"}
    # round 21 printed (session 22): its held-out rows are the headline; round 20's held-out rows are seen since round
    # 21's split, deferred from fit.py's side in not_fitted.yaml until a refit takes them (fit.REFIT_TOOK names round 19)
    assert pa.PENDING == () and len(held) == 36
    assert set(doc["round20"]["held_out_sources"]) == set(doc["round21"]["seen_sources"])
    r20 = {r["id"] for r in rows if r["doc"] in set(doc["round20"]["held_out_sources"])}
    assert len(r20) == 64 and r20 <= pa.NOT_FITTED and not r20 & fitted
    # round 21's first print is recorded (round21_first_print.txt), but no refit has taken its rows (fit.REFIT_TOOK does
    # not name round 21), so fit.py's side holds none of them and fitted.yaml stays the fit of its rows
    assert "round21" not in fit.printed_rounds() and not held & fitted
    assert {r["doc"] for r in rows if r["side"] == "held_out"} == set(doc["round21"]["held_out_sources"])
    for prev, nxt in (("round10", "round11"), ("round11", "round12"), ("round12", "round13"), ("round13", "round14"),
                      ("round14", "round15"), ("round15", "round16"), ("round16", "round17"), ("round17", "round18"),
                      ("round18", "round19"), ("round19", "round20"), ("round20", "round21")):
        ho = set(doc[prev]["held_out_sources"])
        assert ho <= set(doc[nxt]["seen_sources"]) and {r["side"] for r in rows if r["doc"] in ho} == {"seen"}
    assert {r["doc"] for r in rows if r["side"] == "seen"} == set(doc["held_out_sources"]).union(
        *(set(doc[n]["held_out_sources"]) for n in ("round2", "round3", "round4", "round5", "round6", "round7",
                                                    "round8", "round9", "round10", "round11", "round12",
                                                    "round13", "round14", "round15", "round16", "round17",
                                                    "round18", "round19", "round20")))
    # rounds 11-14's fit-side sources (vLLM PR #3240; tt-inference-server #394; vLLM PR #2192; Qwen2.5's speed benchmark
    # page) are on the fit side and in fit.py's rows
    assert set(doc["round11"]["fit_sources"]) | set(doc["round12"]["fit_sources"]) | set(doc["round13"]["fit_sources"]) \
        | set(doc["round14"]["fit_sources"]) <= {r["doc"] for r in rows if r["side"] == "fit"}
    # round 15's fit-side source (Qwen3's speed benchmark page) is on the fit side; since session 17 its plain
    # Transformers rows of the dense models in bfloat16, AWQ and GPTQ-Int8 are fitted (hf_plain), the rest left out in
    # not_fitted.yaml, each by its reason (tests/plan/test_qwen3_speed_not_fitted.py)
    assert set(doc["round15"]["fit_sources"]) <= {r["doc"] for r in rows if r["side"] == "fit"}
    r15 = {e["id"] for e in fit.fit_side_entries() if pa._doc_of(e["source"]) in set(doc["round15"]["fit_sources"])}
    assert len(r15) == 48 and all(i.startswith("qwen3-hf-") for i in r15)
    # rounds 16, 17, 18, 20 and 21's fit-side sources (optimum's GPTQ benchmark; llama.cpp PR #19053 and the SGLang
    # cookbook's Kimi-K2.5 page; DataCrunch's DeepSeek-R1 page; torchao's quantization README at aa25287; the ROCm vLLM
    # docker page's 20250325 release) are on the fit side, their rows deferred in not_fitted.yaml
    for n in ("round16", "round17", "round18", "round20", "round21"):
        assert set(doc[n]["fit_sources"]) <= {r["doc"] for r in rows if r["side"] == "fit"}
        assert not {e["id"] for e in fit.fit_side_entries() if pa._doc_of(e["source"]) in set(doc[n]["fit_sources"])}
    # every seen and fit row but not_fitted.yaml's (meta's FP8 405B on MI300X: an unpriced ROCm GEMM path; kernel paths
    # and H20 steps of round 15's fit side that nothing prices; rounds 16, 17, 18, 20 and 21's deferred fit sides; dstack's
    # DeepSeek-R1 offline batches)
    assert fitted == {r["id"] for r in rows if r["side"] in ("seen", "fit")} - pa.NOT_FITTED


def test_rows_that_ran_eager_are_predicted_eager():
    e = next(x for x in pa.yaml.safe_load((pa.PUB / "measurements.yaml").read_text())
             if x["id"] == "vllm-a100pcie-llama2-70b-fp16-tp2-bs1-7-256")
    assert e["id"] in pa.GRAPHS_OFF and not pa.model_for(e).prof.cuda_graphs
    e2 = dict(e, id="not-listed")
    assert pa.model_for(e2).prof.cuda_graphs  # vLLM captures CUDA graphs by default
