"""Serving accuracy (issue 22, part 4): every published run in runs.yaml replayed by `kvplan
check-bench`'s replay (simulate at the run's load, the engine's KV plan, perf's per-operation step
model: nothing fitted to these runs), its error per figure, and the medians per half of
split.yaml. Writes docs/serving-accuracy.md.

    python benchmarks/serving/accuracy.py [--max-requests N]

Figures compared per load level: output tokens/s; inter-token latency (mean where the file has it,
else median; inference-perf: its time_per_output_token); TTFT (median where the file has it, else
mean); and saturation: a run counts as saturated when its measured output throughput fell below
90 % of the offered load (rate × the file's mean output tokens; rate inf always), and the
simulation's own `saturated` flag is set beside it."""
from __future__ import annotations

import argparse
import math
import statistics
import sys
from pathlib import Path

import yaml

from kvplan.engines.base import ServeOptions
from kvplan.model.frozen import replace
from kvplan.observe import bench
from kvplan.sources import catalog

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent


def pick(d: dict, order):
    for k in order:
        if d.get(k) is not None:
            return k, d[k]
    return None, None


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--max-requests", type=int, default=600)
    ap.add_argument("--half", choices=("fit", "all"), default="all",
                    help="fit: replay and print the fit side only (while tuning; writes no docs)")
    a = ap.parse_args()
    runs = yaml.safe_load((HERE / "runs.yaml").read_text())["sources"]
    split = yaml.safe_load((HERE / "split.yaml").read_text())
    r2 = split["round2"]
    half = ({s: "held-out" for s in r2["held_out"]} | {s: "fit" for s in r2["fit"]}
            | {s: "seen" for s in r2["seen"]})
    rows = []
    for src, body in runs.items():
        if a.half == "fit" and half[src] == "held-out":
            continue
        for run in body["runs"]:
            spec, gpu = catalog.load_model(run["model"]), catalog.load_gpu(run["gpu"])
            levels = bench.read(HERE / run["file"])
            if "rate" in run:  # a printed summary that does not state its load: the run's own setting
                levels = [replace(lv, rate=bench._rate(run["rate"])) if lv.rate is None and not lv.concurrency
                          else lv for lv in levels]
            opts = ServeOptions(**{k: run[k] for k in ("max_model_len", "gpu_memory_utilization",
                                                       "max_num_seqs", "max_num_batched_tokens") if k in run})
            got = bench.replay(levels, spec, gpu, tp=run["tp"], replicas=run["replicas"], engine=run["engine"],
                               opts=opts, prefix_caching=run["prefix_caching"],
                               max_requests=a.max_requests)
            for r in got:
                lv, m, p = r.level, r.level.measured, r.predicted
                kt, ttft_m = pick(m["ttft_ms"], ("p50", "mean"))
                itl_key = "tpot_ms" if run.get("itl_metric") == "tpot" else "itl_ms"
                ki, itl_m = pick(m[itl_key], ("mean", "p50"))
                out_m = m.get("output_tokens_per_s")
                # one rule for both sides (bench.saturated), each with its own throughput
                sat_m = bench.saturated(lv.rate, m["mean_output_tokens"], out_m)
                sat_p = bench.saturated(lv.rate, m["mean_output_tokens"], p["output_tokens_per_s"])
                rows.append({
                    "source": src, "half": half[src], "file": Path(run["file"]).name, "level": lv.source,
                    "model": spec.name, "gpu": gpu.name, "tp": run["tp"], "replicas": run["replicas"],
                    "engine": run["engine"], "load": "inf" if lv.rate is None or math.isinf(lv.rate) else f"{lv.rate:g}/s",
                    "lengths": f"{lv.prompt_tokens} / {lv.output_tokens}",
                    "out": (out_m, p["output_tokens_per_s"]),
                    "itl": (itl_m, p[itl_key].get(ki)) if ki else (None, None),
                    "itl_stat": (ki or "") + (" TPOT" if itl_key == "tpot_ms" else ""),
                    "ttft": (ttft_m, p["ttft_ms"].get(kt)) if kt else (None, None), "ttft_stat": kt or "",
                    "sat": (sat_m, sat_p), "sim_flag": p["saturated"]})
                print(f"{src:<24}{lv.source:<60}done", file=sys.stderr)
    if a.half == "fit":
        for r in rows:
            print(f"{r['half']:<6}{r['source']:<24}{r['load']:>8} {r['lengths']:<34}"
                  f"out {pct1(r['out'])} itl {pct1(r['itl'])} ttft {pct1(r['ttft'])} "
                  f"sat {'y' if r['sat'][0] else 'n'}/{'y' if r['sat'][1] else 'n'}")
        for h in ("fit", "seen"):
            sub = [r for r in rows if r["half"] == h]
            print(h, len(sub), *(f"{k} {med(sub, k)[0]:.0%} ({med(sub, k)[1]:+.0%})" for k in ("out", "itl", "ttft")
                                  if med(sub, k)[0] is not None),
                  f"sat {sum(1 for r in sub if r['sat'][0] and r['sat'][1])} of {sum(1 for r in sub if r['sat'][0])}")
        return 0
    write(rows, split, a.max_requests)
    return 0


def pct1(pair):
    e = err(pair)
    return "   -" if e is None else f"{e:+5.0%}"


def err(pair):
    m, p = pair
    return None if m in (None, 0) or p is None else (p - m) / m


def med(rows, key):
    v = [abs(err(r[key])) for r in rows if err(r[key]) is not None]
    s = [err(r[key]) for r in rows if err(r[key]) is not None]
    return (statistics.median(v), statistics.median(s), len(v)) if v else (None, None, 0)


NOTES = [
    "- **On the round-2 held-out half every target but saturation is missed**: throughput is",
    "  over-predicted 1.9-4.2×, TPOT and TTFT under-predicted by about half. The larger part is",
    "  the replay, not the engine model: at rate inf a run lasts as long as its longest requests",
    "  (the 10-prompt run's 5.37 s is its 741-token answer), and replaying every request at the",
    "  mean length (187 tokens) finishes far sooner. Replaying the file's own length lists (the",
    "  original files carry input_lens / output_lens) is the next step; it was not done here, and",
    "  if it is done now it is a change made after seeing these figures.",
    "- The round-2 held-out half is one source (LambdaLabs, vLLM ~0.6, a V0 engine), three all-at-once",
    "  ShareGPT runs: a thin headline. Its ShareGPT lengths are replayed at their means, and at",
    "  rate inf the run's length is set by its longest requests, which the means leave out.",
    "- The fit side's largest misses are the all-at-once runs: gpustack's vLLM 0.11 Qwen3-14B on one",
    "  H100 finishes its 2K-32K-token prompts at about half the simulated speed (prefill-bound: the",
    "  per-operation model's prefill efficiency, issue 21's, not the scheduler), and its ShareGPT",
    "  runs at a third to a half (means for lengths, as above).",
    "- TTFT stays under-predicted at low load for SGLang (datacrunch, 70B and 405B: 40-100 ms short,",
    "  growing with the model), where no front-end delay is set (none was fitted for SGLang).",
    "- The shared saturation rule flags short runs whose drain at the end lowers the average; it",
    "  does so on both sides now, so it compares like with like, but it says 'below 90 % of the",
    "  offered load', not 'the queue grows without bound' (simulate's own flag, still in its JSON).",
    "- Not done: the scheduler's per-step CPU time, vLLM's async scheduling, SGLang's admission",
    "  reserve (new_token_ratio) and the late-building queue at 70B 8/s and 16/s (still ITL -78 %",
    "  and -84 %): not reached in this round.",
]


def write(rows, split, max_requests):
    def pct(x):
        return "-" if x is None else f"{x:+.0%}"

    r2 = split["round2"]
    lines = ["# Serving accuracy: `simulate` against published measured runs", "",
             "Generated by `python benchmarks/serving/accuracy.py` (do not edit by hand). Each run is a",
             "benchmark tool's own result (a file, or the summary it printed), copied from a public repository",
             "with its settings (`benchmarks/serving/runs.yaml`), replayed by `kvplan check-bench`'s replay: the",
             "engine's KV plan from `fit`, steps from `perf`'s per-operation model, the run's rate and lengths,",
             f"at most {max_requests} requests per level.", "",
             "Targets (issue 22): output throughput median |error| ≤ 10 %, inter-token latency ≤ 15 %,",
             "TTFT ≤ 25 %, every saturated run predicted saturated.", "",
             "## How the runs were split, and what was tuned", "",
             f"- Round 1 (seed {split['seed']}): {', '.join(split['held_out'])} held out; nothing was tuned. Its",
             "  held-out figures were printed (tput 29 %, ITL 276 %, TTFT 57 %), so that source is **seen** now.",
             f"- Round 2 (seed {r2['seed']}, `split.yaml` `round2`, committed before any change to the simulator):",
             f"  the new sources were split by the same rule; **held out: {', '.join(r2['held_out'])}**; fit:",
             f"  {', '.join(r2['fit'])}; seen: {', '.join(r2['seen'])}.",
             "- Changed after round 1's held-out figures were seen, using the fit and seen runs only",
             "  (`accuracy.py --half fit`): (1) a per-request front-end delay for vLLM (22.72 ms,",
             "  `kvplan/plan/simulate/limits.py` FRONTEND, fitted on gpustack's 128 → 4 run); a front-end",
             "  *queue* with a per-output-token cost was tried and dropped: it fitted gpustack's two runs but",
             "  capped inference-perf's 112.55/s run at a quarter of its measured throughput; (2) the",
             "  saturation rule: one rule (`kvplan.observe.bench.saturated`: output throughput below 90 % of",
             "  rate × mean output tokens) for the measured run and for its simulation, in place of the",
             "  measured rule beside the simulator's queue-growth flag; (3) for LambdaLabs' files the",
             "  per-token figure compared is TPOT, decided from the files before the split (their ITL is per",
             "  streamed chunk: median ITL 126 ms against a median TPOT of 20 ms in the same file).",
             "- The held-out half was replayed once, after these were frozen.", "",
             "## Headline", "",
             "| half | runs | output tok/s: median \\|error\\| (signed) | ITL | TTFT | saturated runs predicted saturated |",
             "|---|---|---|---|---|---|"]
    for h in ("held-out", "fit", "seen", "all"):
        sub = [r for r in rows if h == "all" or r["half"] == h]
        cells = []
        for key in ("out", "itl", "ttft"):
            a, s, n = med(sub, key)
            cells.append("-" if a is None else f"{a:.0%} ({s:+.0%}, n={n})")
        sat = [r for r in sub if r["sat"][0]]
        hit = sum(1 for r in sat if r["sat"][1])
        name = {"held-out": "**held-out (round 2)**", "seen": "seen (round-1 held-out)",
                "fit": "fit (in-sample)", "all": "all"}[h]
        lines.append(f"| {name} | {len(sub)} | {cells[0]} | {cells[1]} | {cells[2]} | {hit} of {len(sat)} |")
    lines += ["", "Read with care:", ""] + NOTES + [
              "", "## Every run", "",
              "| half | source | model | GPUs | engine | load | prompt / output | output tok/s meas → pred | ITL ms meas → pred | TTFT ms meas → pred | saturated meas / pred |",
              "|---|---|---|---|---|---|---|---|---|---|---|"]

    def mp(pair, stat=""):
        m, p = pair
        if m is None:
            return "-"
        return f"{m:,.1f} → {p:,.1f} ({pct(err(pair))})" + (f" {stat}" if stat else "")

    for r in rows:
        gpus = f"{r['replicas']} × {r['tp']} × {r['gpu']}"
        lines.append(f"| {r['half']} | {r['source']} | {r['model']} | {gpus} | {r['engine']} | {r['load']} | "
                     f"{r['lengths']} | {mp(r['out'])} | {mp(r['itl'], r['itl_stat'])} | "
                     f"{mp(r['ttft'], r['ttft_stat'])} | {'yes' if r['sat'][0] else 'no'} / "
                     f"{'yes' if r['sat'][1] else 'no'} |")
    lines += ["", "Sources and settings of every file: `benchmarks/serving/runs.yaml`. Llama 3.3 70B is replayed as",
              "kvplan's `llama-3.1-70b` (the same config.json architecture); the ShareGPT runs are replayed at",
              "their mean prompt and output lengths (the spread is not replayed), SGLang's random runs at",
              "uniform 1–1024 as its `sample_random_requests` draws them.", ""]
    (ROOT / "docs" / "serving-accuracy.md").write_text("\n".join(lines))


if __name__ == "__main__":
    sys.exit(main())
