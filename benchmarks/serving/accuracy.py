"""Serving accuracy (issue 22, part 4): every published run in runs.yaml replayed by `kvplan
check-bench`'s replay (simulate at the run's load, the engine's KV plan, perf's per-operation step
model: nothing fitted to these runs), its error per figure, and the medians per half of
split.yaml. Writes docs/serving-accuracy.md.

    python benchmarks/serving/accuracy.py [--max-requests N]

Figures compared per load level: output tokens/s; inter-token latency (mean where the file has it,
else median; inference-perf: its time_per_output_token); TTFT (median where the file has it, else
mean); and saturation: a run counts as saturated when its measured output throughput fell below
90 % of what a server that keeps up gives over the run's own length (its output tokens over its
arrivals' span plus one request's decode: `kvplan.observe.bench.saturated`, one rule for the file
and the replay, each with its own span and per-token latency, neither with a decode term where the file
prints no per-token latency (`drains`); rate inf always), and the
simulation's own `saturated` flag is set beside it. A run whose throughput is not tokens over the
measured wall time says so (runs.yaml ``throughput``), and the replay gives the same quantity:
``per_request_sum``, C × Σ output tokens / Σ per-request latency (a closed loop of C counted as
if its C clients were never idle), from the replay's own requests.

    python benchmarks/serving/accuracy.py --source NAME   # one source's rows printed, no docs"""
from __future__ import annotations

import argparse
import json
import math
import statistics
import sys
from pathlib import Path

import yaml

from kvplan.engines.base import ServeOptions
from kvplan.errors import KvplanError
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
    ap.add_argument("--max-requests", type=int, default=5000)
    ap.add_argument("--half", choices=("fit", "all"), default="all",
                    help="fit: replay and print the fit side only (while tuning; writes no docs)")
    ap.add_argument("--rows", type=Path, help="also save every row to this JSON file")
    ap.add_argument("--render", type=Path, help="write the docs from rows saved by --rows (no replay)")
    ap.add_argument("--source", help="replay and print one runs.yaml source's rows only (writes no docs)")
    a = ap.parse_args()
    split = yaml.safe_load((HERE / "split.yaml").read_text())
    if a.render:
        saved = json.loads(a.render.read_text())
        write(saved["rows"], split, saved["max_requests"])
        return 0
    runs = yaml.safe_load((HERE / "runs.yaml").read_text())["sources"]
    half = halves(split)
    rows = []
    if a.source and a.source not in runs:
        print(f"accuracy.py: no source '{a.source}' in runs.yaml", file=sys.stderr)
        return 2
    for src, body in runs.items():
        if a.half == "fit" and half[src] == "held-out" or a.source and src != a.source:
            continue
        for run in body["runs"]:
            rows += replay_run(src, half[src], run, a.max_requests)
    if a.rows:
        a.rows.write_text(json.dumps({"max_requests": a.max_requests, "rows": rows}, default=str))
    if a.half == "fit" or a.source:
        for r in rows:
            print(f"{r['half']:<6}{r['source']:<24}{r['load']:>8} {r['lengths']:<34}"
                  f"out {pct1(r['out'])} itl {pct1(r['itl'])} ttft {pct1(r['ttft'])} "
                  f"sat {'y' if r['sat'][0] else 'n'}/{'y' if r['sat'][1] else 'n'}"
                  + (f"  REFUSED: {r['refused'][:60]}" if r.get("refused") else ""))
        for h in ("fit", "seen", "held-out"):
            sub = [r for r in rows if r["half"] == h]
            if not sub:
                continue
            print(h, len(sub), *(f"{k} {med(sub, k)[0]:.0%} ({med(sub, k)[1]:+.0%})" for k in ("out", "itl", "ttft")
                                  if med(sub, k)[0] is not None),
                  f"sat {sum(1 for r in sub if r['sat'][0] and r['sat'][1])} of {sum(1 for r in sub if r['sat'][0])}")
        return 0
    write(rows, split, a.max_requests)
    return 0


def halves(split):
    """Each source's half: round 22's split (session 22)."""
    r22 = split["round22"]
    return ({s: "held-out" for s in r22["held_out"]} | {s: "fit" for s in r22["fit"]}
            | {s: "seen" for s in r22["seen"]})


def replay_run(src, half, run, max_requests):
    """One runs.yaml run replayed level by level: its rows (a level's table row may carry its own
    ``max_running_requests``, the server flag that run used: replayed with it)."""
    spec, gpu = catalog.load_model(run["model"]), catalog.load_gpu(run["gpu"])
    levels = (bench.read(HERE / run["file"]) if "file" in run else
              csv_levels(run) if "csv" in run else table_levels(run))
    if "rate" in run:  # a printed summary that does not state its load: the run's own setting
        levels = [replace(lv, rate=bench._rate(run["rate"])) if lv.rate is None and not lv.concurrency
                  else lv for lv in levels]
    levels = with_shared_prefix(run, with_max_tokens(run, with_client_prompts(run, with_lengths(run, levels))))
    levels = with_output_cap(run, levels, max_requests)
    base = {k: run[k] for k in ("max_model_len", "gpu_memory_utilization", "max_num_seqs",
                                "max_num_batched_tokens", "enable_expert_parallel") if k in run}
    per_level = [(run.get("levels") or [{}] * len(levels))[i].get("max_running_requests")
                 if "table" in run else None for i in range(len(levels))]
    rows = []
    for seqs in dict.fromkeys(per_level):
        group = [lv for lv, s in zip(levels, per_level) if s == seqs]
        opts = ServeOptions(**(base | ({"max_num_seqs": seqs} if seqs else {})))
        try:
            got = bench.replay(group, spec, gpu, tp=run["tp"], replicas=run["replicas"], engine=run["engine"],
                               opts=opts, prefix_caching=run["prefix_caching"],
                               max_requests=max_requests, scheduler_steps=run.get("num_scheduler_steps", 1),
                               engine_version=str(run.get("engine_version") or ""),
                               async_scheduling=run.get("async_scheduling"))
        except KvplanError as e:  # kvplan refuses the run (e.g. fit finds no room for the KV cache)
            rows += [refused(src, half, run, spec, gpu, lv, str(e)) for lv in group]
            continue
        rows += [row(src, half, run, spec, gpu, r) for r in got]
    return rows


def drains(mo: float, itl_m: float | None, mo_p: float, itl_p: float | None) -> tuple[float, float]:
    """(measured, replayed) drain seconds of ``bench.saturated``: each side's mean output tokens × its own per-token
    latency (ms). One rule for both sides: where the file prints no per-token latency its side has no drain term,
    and neither has the replay's (a replay that queues decodes slowly, so its drain alone would clear it of a
    saturation the file's side, judged without one, shows)."""
    if itl_m is None:
        return 0.0, 0.0
    return mo * itl_m / 1000, mo_p * (itl_p or 0) / 1000


def row(src, half, run, spec, gpu, r):
    lv, m, p = r.level, r.level.measured, r.predicted
    kt, ttft_m = pick(m["ttft_ms"], ("p50", "mean"))
    itl_key = "tpot_ms" if run.get("itl_metric") == "tpot" else "itl_ms"
    ki, itl_m = pick(m[itl_key], ("mean", "p50"))
    out_m = m.get("output_tokens_per_s")
    # one rule for both sides (bench.saturated), each with its own throughput, output tokens, arrival span
    # (the file's mean draw, the replay's own) and drain (its own per-token latency over the mean output)
    mo = m["mean_output_tokens"]
    out_p = p["output_tokens_per_s"]
    if run.get("throughput") == "per_request_sum":  # the source's C x Σ tokens / Σ latency, replayed alike
        out_p = lv.concurrency * p["output_tokens"] / (p["e2e_ms"]["mean"] / 1000 * p["requests"])
    itl_p = p["tpot_ms" if itl_key == "tpot_ms" else "itl_ms"].get(ki or "mean")
    mo_p = p["output_tokens"] / p["requests"]  # the replay's own lengths (a scaled sample's mean may differ)
    drain_m, drain_p = drains(mo, itl_m, mo_p, itl_p)
    sat_m = bench.saturated(lv.rate, mo, out_m, lv.requests, drain_s=drain_m)
    sat_p = bench.saturated(lv.rate, mo_p, out_p, p["requests"], p.get("arrival_span_s"), drain_p)
    itl_pp = p[itl_key].get(ki) if ki else None
    if run.get("tpot_lines_per_token"):  # scored in the file's own units
        out_p, itl_pp = in_file_units(run, mo, out_p, itl_pp)
    print(f"{src:<24}{lv.source:<60}done", file=sys.stderr)
    return {"source": src, "half": half, "file": run_name(run), "level": lv.source,
            "model": spec.name, "gpu": gpu.name, "tp": run["tp"], "replicas": run["replicas"],
            "engine": run["engine"], "load": load(lv),
            "lengths": f"{lv.prompt_tokens} / {lv.output_tokens}",
            "out": (out_m, out_p),
            "itl": (itl_m, itl_pp) if ki else (None, None),
            "itl_stat": (ki or "") + (" TPOT" if itl_key == "tpot_ms" else ""),
            "ttft": (ttft_m, p["ttft_ms"].get(kt)) if kt else (None, None), "ttft_stat": kt or "",
            "sat": (sat_m, sat_p), "sim_flag": p["saturated"]}


def round9_after(first9, rows):
    """Round 9's rows as first printed beside today's replay of them (seen after the print): each
    figure's error, first print → now."""
    now = {(r["file"], r["level"]): r for r in rows if r["source"] == first9[0]["source"]}
    out = ["| engine | GPU | load | prompt / output (first → now) | output tok/s error | TPOT error | TTFT error |",
           "|---|---|---|---|---|---|---|"]
    for f in first9:
        n = now.get((f["file"], f["level"]))
        if n is None:
            continue

        def two(key):
            a, b = err(f[key]), err(n[key])
            return " → ".join("-" if e is None else f"{e:+.0%}" for e in (a, b))

        out.append(f"| {f['engine']} | {f['gpu']} | {f['load']} | {f['lengths']} → {n['lengths']} | {two('out')} | "
                   f"{two('itl')} | {two('ttft')} |")
    return out


def run_name(run):
    if "csv" in run:
        return Path(run["csv"]).name + " " + ", ".join(f"{v}" for v in run["csv_where"].values())
    return Path(run["file"]).name if "file" in run else run["table"]


def csv_levels(run):
    """The rows of a CSV of SGLang bench_serving results (runs.yaml ``csv``, its columns the JSONL
    result's keys) that match ``csv_where``, as load levels: a closed loop of ``max_concurrency``
    (or ``request_rate``) over ``completed`` requests of ``random_input_len`` / ``random_output_len``
    tokens (bench_serving sends ignore_eos; --random-range-ratio 1 makes them fixed)."""
    import csv

    out = []
    with open(HERE / run["csv"], encoding="utf-8-sig", newline="") as f:
        for i, row in enumerate(csv.DictReader(f), start=2):
            if any(row.get(k) != v for k, v in run["csv_where"].items()):
                continue

            def st(name):
                return {k: float(row[f"{s}_{name}_ms"]) for s, k in (("mean", "mean"), ("median", "p50"), ("p99", "p99"))
                        if row.get(f"{s}_{name}_ms")}

            conc = int(row["max_concurrency"]) if row.get("max_concurrency") else None
            measured = {"ttft_ms": st("ttft"), "itl_ms": st("itl"), "tpot_ms": st("tpot"),
                        "output_tokens_per_s": float(row["output_throughput"]),
                        "mean_prompt_tokens": int(row["total_input_tokens"]) / int(row["completed"]),
                        "mean_output_tokens": int(row["total_output_tokens"]) / int(row["completed"])}
            out.append(bench.Level("sglang", f"{Path(run['csv']).name} line {i}", None,
                                   None if conc else bench._rate(row.get("request_rate") or "inf"), conc,
                                   int(row["completed"]), row["random_input_len"], row["random_output_len"],
                                   measured, dataset=row.get("dataset_name")))
    return out


def table_levels(run):
    """A published table's rows (runs.yaml ``levels``: each row's figures as printed, no result
    file behind them) as load levels. A row states its load (``rate`` or ``concurrency``) and its
    requests; its lengths either as ``isl`` / ``osl`` (a random data set: every request ISL -> OSL
    tokens, or uniform over [max(int(L x range_ratio), 1), L] where the row gives ``range_ratio``,
    as the clients' ``sample_random_requests`` draw them) or, for a ShareGPT table, the means of its
    ``total_input_tokens`` / ``total_output_tokens`` over its requests where the row states them
    (the replay scales kvplan's measured ShareGPT sample to them), else the mean lengths of that
    sample (kvplan.observe.sharegpt), the output mean from output tok/s over req/s where the row
    gives both. Output tok/s: the row's
    ``output_throughput``; else ``output_throughput_per_gpu`` x the run's GPUs; else, for a closed
    loop of ``concurrency`` requests, ``osl`` x concurrency / ``e2el_ms`` (the rate it completes
    tokens at); else none."""
    from kvplan.observe.sharegpt import PAIRS

    mp = sum(p for p, _ in PAIRS) / len(PAIRS)
    mo = sum(max(o, 1) for _, o in PAIRS) / len(PAIRS)
    out = []
    for i, row in enumerate(run["levels"], start=1):
        if "isl" in row:
            prompt, mean_in = _table_dist(row["isl"], row.get("range_ratio"))
            output, mean_out = _table_dist(row["osl"], row.get("range_ratio"))
        elif "total_input_tokens" in row:  # a ShareGPT row that states its token totals: their means
            mean_in, mean_out = row["total_input_tokens"] / row["requests"], row["total_output_tokens"] / row["requests"]
            prompt, output = str(round(mean_in)), str(round(mean_out))
        else:
            prompt, mean_in = str(round(mp)), mp
            mean_out = row["output_throughput"] / row["request_throughput"] if "request_throughput" in row else mo
            output = str(round(mean_out))

        def st(name):
            return {k: row[f"{s}_{name}_ms"] for s, k in (("mean", "mean"), ("median", "p50"), ("p99", "p99"))
                    if f"{s}_{name}_ms" in row}

        measured = {"ttft_ms": st("ttft"), "itl_ms": st("itl"), "tpot_ms": st("tpot"),
                    "output_tokens_per_s": _table_throughput(run, row),
                    "mean_prompt_tokens": mean_in, "mean_output_tokens": mean_out}
        conc = row.get("concurrency")
        out.append(bench.Level("sglang", f"{run['table']} #{i}", None,
                               None if conc else bench._rate(row["rate"]), conc,
                               int(row["requests"]), prompt, output, measured, dataset=run.get("dataset"),
                               arrivals=run.get("arrivals", "poisson")))
    return out


def _table_dist(n, ratio):
    """A random data set's length: exactly ``n`` where the row states no ``range_ratio``, else
    uniform over [max(int(n x ratio), 1), n] (its mean), as SGLang's bench_serving draws a prompt
    (``randint(max(int(L * ratio), 1), L + 1)``; its output lengths start at int(L * ratio), taken
    as 1 here, as the runs.yaml DISTs of earlier rounds do): a stated ratio of 0.0, its default, is
    uniform over 1..n; a ratio of 1 is exactly n."""
    if ratio is None:
        return str(n), float(n)
    lo = max(int(n * ratio), 1)
    if lo >= n:
        return str(n), float(n)
    return f"uniform:{lo}-{n}", (lo + n) / 2


def _table_throughput(run, row):
    if "output_throughput" in row:
        return row["output_throughput"]
    if "output_throughput_per_gpu" in row:
        return row["output_throughput_per_gpu"] * run["tp"] * run["replicas"]
    if row.get("e2el_ms") and row.get("concurrency") and "osl" in row:
        return row["osl"] * row["concurrency"] / (row["e2el_ms"] / 1000)
    return None


def with_lengths(run, levels):
    """The run's per-request lengths (``lengths_file``: the original file's input_lens /
    output_lens, kept beside a summary copy) and its data set (``dataset``: one name, or one per
    level), as runs.yaml states them."""
    if "lengths_file" in run:
        d = json.loads((HERE / run["lengths_file"]).read_text())
        pairs = tuple(zip(d["input_lens"], d["output_lens"]))
        levels = [replace(lv, lengths=pairs) for lv in levels]
    if run.get("endpoint"):
        levels = [replace(lv, endpoint=lv.endpoint or run["endpoint"]) for lv in levels]
    for key in ("prompt_tokens", "output_tokens"):  # the run's stated length distribution (a DIST per level)
        if key in run:
            v = run[key] if isinstance(run[key], list) else [run[key]] * len(levels)
            levels = [replace(lv, **{key: str(x)}) for lv, x in zip(levels, v)]
    ds = run.get("dataset")
    if ds is not None:
        names = ds if isinstance(ds, list) else [ds] * len(levels)
        levels = [replace(lv, dataset=lv.dataset or name) for lv, name in zip(levels, names)]
    return levels


def with_client_prompts(run, levels):
    """A client's own prompts counted in tokens (runs.yaml ``client_prompts``: ``file``, a JSON of
    per-commit, per-regime ``prompt_tokens`` in the order the client sends them; ``commit`` and
    ``regime`` pick the list): each level replays its ``requests`` first prompts at those lengths,
    every output at the level's ``osl`` (benchmarks/serving/ree2raz_prompts.py made the one file).
    With ``groups``, identical prompts (the file's ``group``) share all but their last token in the
    prefix cache (simulate's per-request prefix groups; its shared prefix is one length, the
    shortest prompt's less one, so a longer prompt recomputes the tokens past it); with
    ``warmup_per_client`` W, the client's warm-up batch, its first W x C prompts (as many as there
    are), runs before them as its own closed loop of C (simulate's ``warmup``)."""
    cp = run.get("client_prompts")
    if not cp:
        return levels
    d = json.loads((HERE / cp["file"]).read_text())["workloads"][cp["commit"]][cp["regime"]]
    toks, groups = d["prompt_tokens"], d["group"]
    out = []
    for lv in levels:
        warm = list(range(min(cp.get("warmup_per_client", 0) * lv.concurrency, len(toks))))
        sent = warm + [i % len(toks) for i in range(lv.requests)]
        pairs = tuple((toks[i], int(lv.output_tokens)) for i in sent)
        mean = sum(p for p, _ in pairs[len(warm):]) / lv.requests
        more = dict(prefix_ids=tuple(f"p{groups[i]}" for i in sent),
                    shared_prefix=min(toks[i] for i in sent) - 1) if cp.get("groups") else {}
        out.append(replace(lv, lengths=pairs, warmup=len(warm), prompt_tokens=str(round(mean)),
                           measured=lv.measured | {"mean_prompt_tokens": mean}, **more))
    return out


def with_shared_prefix(run, levels):
    """A client that sends every group's users one system prompt (runs.yaml ``shared_prefix``:
    ``groups`` system prompts of ``tokens`` tokens, each shared by ``users_per_group`` users, as
    inference-perf's shared_prefix data states them): request i goes to user i mod (groups x users),
    the users in group order, and shares its group's first ``tokens`` tokens in the prefix cache
    (simulate's per-request prefix groups). With ``whole_prompt_repeats``, the client's
    ``groups x users_per_group`` prompts are its whole prompt set and request i sends prompt
    i mod that many again (inference-perf's SharedPrefixDataGenerator before #257: ``i = n %
    len(self.prompts)``): identical prompts share all but their last token (vLLM hits at most
    num_tokens - 1), as ``with_client_prompts`` replays its groups."""
    sp = run.get("shared_prefix")
    if not sp:
        return levels
    users, per = sp["groups"] * sp["users_per_group"], sp["users_per_group"]
    if sp.get("whole_prompt_repeats"):
        return [replace(lv, prefix_ids=tuple(f"q{i % users}" for i in range(lv.requests)),
                        shared_prefix=int(lv.prompt_tokens) - 1) for lv in levels]
    return [replace(lv, prefix_ids=tuple(f"p{i % users // per}" for i in range(lv.requests)),
                    shared_prefix=sp["tokens"]) for lv in levels]


def with_max_tokens(run, levels):
    """A client that sent ``max_tokens_sent`` with ignore_eos (runs.yaml; inference-perf's config
    ``output_len``): the server generated that many tokens a request, whatever the file's output_len
    (its tokenizer's count of the returned text) says; replayed at that length."""
    n = run.get("max_tokens_sent")
    return levels if not n else [replace(lv, output_tokens=str(n)) for lv in levels]


def with_output_cap(run, levels, max_requests):
    """A ShareGPT run whose client capped every answer at ``max_output_tokens`` (runs.yaml: the answers end at EOS or
    there, e.g. AccelMark's max_tokens 512): kvplan's ShareGPT sample scaled to a level's means (``bench._lengths``,
    ``sharegpt.pairs`` at the replay's seed 0) has no cap, so a third of its answers would run past it, up to 2.5 x.
    Replayed instead with the same draw, its prompts scaled as ``pairs`` scales them and its answers scaled so that,
    capped, their mean is the level's (the scale found by bisection): the run's cap kept, its mean kept, the sample's
    shape below the cap."""
    import random

    from kvplan.observe.sharegpt import PAIRS

    cap = run.get("max_output_tokens")
    if not cap:
        return levels
    mp = sum(p for p, _ in PAIRS) / len(PAIRS)
    mo = sum(o for _, o in PAIRS) / len(PAIRS)
    out = []
    for lv in levels:
        if lv.lengths or (lv.dataset or "").lower() != "sharegpt" or "mean_prompt_tokens" not in lv.measured:
            out.append(lv)
            continue
        n = min(lv.requests, max_requests) + lv.warmup
        draw = random.Random(0).choices(PAIRS, k=n)  # sharegpt.pairs(n, ..., seed=0)'s draw
        kp, want = lv.measured["mean_prompt_tokens"] / mp, lv.measured["mean_output_tokens"]

        def mean_at(k):
            return sum(min(cap, max(1, round(o * k))) for _, o in draw) / n

        lo, hi = 0.0, want / mo
        while mean_at(hi) < want and hi < 1e4:
            hi *= 2
        for _ in range(60):
            lo, hi = (lo, (lo + hi) / 2) if mean_at((lo + hi) / 2) >= want else ((lo + hi) / 2, hi)
        pairs = tuple((max(1, round(p * kp)), min(cap, max(1, round(o * hi)))) for p, o in draw)
        out.append(replace(lv, lengths=pairs))
    return out


def in_file_units(run, mean_counted, out_p, tpot_p):
    """(output tok/s, TPOT) of a replay of N tokens a request, in the units of an inference-perf build
    that read its stream line by line (runs.yaml ``tpot_lines_per_token``: 2, a 'data:' line and the
    blank line that ends each SSE event, each stamped; [DONE] likewise): its TPOT is (last stamp -
    first) / (stamps - 1) = span / (2N + 1) where the replay's is span / (N - 1), and its output tok/s
    counts its tokenizer's ``mean_counted`` tokens of each request's text. N: ``max_tokens_sent``
    (the client's one max_tokens, ignore_eos), else the file's own mean (a dataset's lengths, each
    request's max_tokens: the conversion at the mean length, an approximation of the mean of
    per-request spans / (2 N_i + 1))."""
    n, k = run.get("max_tokens_sent") or mean_counted, run["tpot_lines_per_token"]
    return (out_p * mean_counted / n if out_p is not None else None,
            tpot_p * (n - 1) / (k * (n + 1) - 1) if tpot_p is not None else None)


def refused(src, half, run, spec, gpu, lv, why):
    """A row for a level kvplan would not replay: every prediction missing, the reason kept."""
    m = lv.measured
    kt, ttft_m = pick(m["ttft_ms"], ("p50", "mean"))
    itl_key = "tpot_ms" if run.get("itl_metric") == "tpot" else "itl_ms"
    ki, itl_m = pick(m[itl_key], ("mean", "p50"))
    out_m = m.get("output_tokens_per_s")
    return {"source": src, "half": half, "file": run_name(run), "level": lv.source,
            "model": spec.name, "gpu": gpu.name, "tp": run["tp"], "replicas": run["replicas"],
            "engine": run["engine"], "load": load(lv), "lengths": f"{lv.prompt_tokens} / {lv.output_tokens}",
            "out": (out_m, None), "itl": (itl_m, None), "itl_stat": (ki or "") + (" TPOT" if itl_key == "tpot_ms" else ""),
            "ttft": (ttft_m, None), "ttft_stat": kt or "",
            "sat": (bench.saturated(lv.rate, m["mean_output_tokens"], out_m, lv.requests,
                                    drain_s=drains(m["mean_output_tokens"], itl_m, 0.0, None)[0]), None),
            "sim_flag": None,
            "refused": why.split(". ")[0]}


def load(lv):
    if lv.concurrency:
        return f"C={lv.concurrency}"
    return "inf" if lv.rate is None or math.isinf(lv.rate) else f"{lv.rate:g}/s"


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
    "- **Round-5 held-out (vllm-benchmark-simon-mo, 25 runs) as first printed: output throughput 59 %",
    "  (−55 %), ITL 261 % (+261 %), TTFT 50 % (−46 %), 25 of 25 saturated runs predicted saturated: every",
    "  target missed but saturation.** After the MoE fix (seen): throughput 46 % (+46 %),",
    "  ITL 33 % (−33 %), TTFT 72 % (−72 %), 25 of 25: the step is now too fast (the DeepSeek-R1 decode",
    "  step at batch 50 is 31.6 ms; measured mean ITL 31-60 ms, predicted 31-51 ms, 235 ms at 30000 / 100).",
    "  After the quantized-GEMM fix (seen; the headline): throughput 37 % (+37 %), ITL 29 % (−29 %),",
    "  TTFT 66 % (−66 %), 25 of 25: the step at batch 50 is 33.0 ms (the projections, dense MLPs and",
    "  shared experts at 1 byte a weight + block scales on vLLM's measured fp8 GEMM table, where they were",
    "  at 2 bytes on the physics fallback); predicted mean ITL 33-54 ms, 255 ms at 30000 / 100.",
    "  Not looked into further: MLA attention's kernel on H200, vLLM 0.8.4's kernels against the 0.24.0",
    "  MoE table, and expert parallelism. The text that follows is the first print's. One source: DeepSeek-R1 (671B MoE, MLA, FP8 block-scaled) on 8 x H200,",
    "  vLLM 0.8.4 TP 8 with and without expert parallelism, 50-500 requests at 10/s (all saturated).",
    "  The miss is the step model's, not the scheduler's: `kvplan perf deepseek-r1 --gpu h200 --tp 8",
    "  --batch 50 --ctx 2000 --explain` prices the decode step at 175.8 ms, 163.0 ms of it the MoE",
    "  experts (203.7 of 256 read, on the physics fallback), for 68.4 GB of weights read per GPU:",
    "  about 0.4 TB/s on a 4.8 TB/s card. The 1000 → 2000 and ShareGPT runs measured 31-60 ms",
    "  mean ITL (predicted 176-221 ms). That op (issue 21, `kvplan/plan/latency/moe.py`) has no measured MoE table for",
    "  this model on H200; nothing was changed for it here. Expert parallelism is not in the step",
    "  model (EP rows replay the TP 8 steps). The same source's SGLang (DP attention) and TensorRT-LLM",
    "  files are left out (runs.yaml says why).",
    "- Diagnosis, round 5 (fit and seen sides only: in-sample; nothing below changed the model).",
    "  (a) vLLM TTFT at low load. benchmark_serving / vllm bench serve take TTFT from just before the",
    "  POST to the first streamed chunk (`async_request_openai_completions` / `_chat_completions`), so",
    "  it holds HTTP, chat template and tokenization, the hop to the engine core, any wait for a",
    "  running step, the prefill step(s), and the way back (output processor, detokenization, the SSE",
    "  chunk). simulate charges the front end's FIFO service time (22.7 ms chat / 10.8 ms completions:",
    "  fitted as a throughput ceiling at rate inf), the wait for the running step to end (a request",
    "  that reaches the scheduler mid-step is scheduled at the next step boundary: `run` steps",
    "  atomically and admits arrivals between steps), and the prefill step(s); the first token is",
    "  counted at the end of the step that finishes the prefill. Not charged: the latency of the",
    "  pipelined stages that do not bound throughput (engine-core input, output processing, the SSE",
    "  write). The residual is not one constant: gpustack (vLLM 0.11.0, Qwen3-8B, one H100, chat, C=1",
    "  to 8) 25.8-29.4 ms short; kvcached (vLLM 0.19.0, Qwen3-0.6B, one H100, completions, 16/s)",
    "  20.3-20.7 ms short; nerdalert (4 replicas behind the llm-d gateway, 10/s) 13.3 ms short; surajssd",
    "  (vLLM 0.8.3, 70B TP 8 on A100 40GB) 3.8 ms and 16.0 ms too long at 1 and 4/s. A constant",
    "  added to every vLLM TTFT would be a fitted fudge that moves surajssd the wrong way; no engine",
    "  code or sourced measurement gives the stages' latency, so it stays out.",
    "  (b) SGLang throughput over-predicted. SGLang's step takes the step model's per-step overhead",
    "  for an engine with no fitted rows (`kvplan/plan/latency/data/fitted.yaml` has no `sglang`",
    "  entry; `_prior`: 0.55 ms + 6 us × layers + 5 us × sequences), where vLLM's, fitted on issue 21's",
    "  fit half, is 0.45 ms + 16 us × layers + 67.5 us × sequences: at 256 running requests of an",
    "  80-layer model SGLang's step carries 2.3 ms of overhead, vLLM's 19.0 ms. SGLang's overlap scheduler",
    "  (`scheduler.py` `event_loop_overlap`) runs batch k+1's scheduling while batch k runs, which",
    "  hides the CPU's work only while it is shorter than the GPU's step; the per-request work of",
    "  `process_batch_result` and the sampler grows with the batch. A sensitivity run (not adopted:",
    "  vLLM's constants are not SGLang's) that gives SGLang vLLM's fitted overhead moves SGLang's",
    "  saturated rows from +69 % to +19 % (70B TP 4 H100, rate inf), +27 % to −5 % (8B A100, inf),",
    "  +47 % to +6 % (datacrunch 70B at 16/s), +15 % to −1 % (cookbook C=100), and the fit side's",
    "  medians from 11 % / 13 % / 40 % to 8 % / 11 % / 37 % (throughput / ITL / TTFT). The step",
    "  overhead is the candidate; its size has to come from SGLang step-time rows on issue 21's fit",
    "  side (benchmarks/latency has none for SGLang), not from this table.",
    "  (c) vLLM V0 multi-step (`--num-scheduler-steps`, vLLM 0.6): only the 4 seen sglang-vllm060",
    "  vLLM rows ran it (TTFT −62 % to −76 %); it was not modelled in round 5 (it is since session 9:",
    "  the split's notes above).",
    "- Round 4's held-out source (sglang-vllm060-readme, 12 runs, seen now) as first printed: throughput",
    "  29 %, ITL 13 %, TTFT 40 %, 4 of 4 saturated runs predicted saturated. Thin,",
    "  said plainly: one source (the SGLang team's own 2024 comparison), 2024 engines (SGLang 0.3.0,",
    "  vLLM 0.6.0 V0), not the versions kvplan's schedulers follow (SGLang 0.5.23, vLLM V1); a table",
    "  without token totals, so lengths are kvplan's ShareGPT sample (its own means, 205 / 204), not",
    "  the runs' own; throughput is compared on the 4 offline rows only (rate inf) and latency on the",
    "  8 online rows only (4 and 8 requests/s, medians).",
    "- vLLM's held-out TTFT as first printed (−62 % to −76 %): these servers ran V0's multi-step",
    "  scheduling (`--num-scheduler-steps 10`), which schedules once per ten decode steps, so an arriving",
    "  request waits for the rest of a ten-step block (measured 100-207 ms median against",
    "  38-51 ms predicted then); simulate modelled V1's admission at every step. Its per-token TPOT was",
    "  within 0-22 % (the 70B TP 4 H100 steps predicted too fast). The rows below replay V0's blocks",
    "  (session 9, seen).",
    "- SGLang's held-out throughput is over-predicted (+27 % on the 8B A100, +70 % on the 70B TP 4",
    "  H100, all at once) while its TTFT at 4-8 requests/s is within −15 % to +18 % and its ITL within",
    "  −27 % to +13 % (the 70B TP 4 H100 decode step again predicted too fast). SGLang 0.3.0's scheduler",
    "  and its torch.compile'd 8B are older than what simulate models; nothing was changed for them.",
    "- Round 4's fit sources as first replayed (no change made for them): surajssd (vLLM 0.8.3, Llama",
    "  3.3 70B TP 8 on 8 x A100 40GB, ShareGPT at 1-16/s and inf): throughput −4 % to −18 %, ITL +5 % to",
    "  +27 %, TTFT +7 % to +49 % at 1-16/s and +586 % all at once (2.4 s predicted against 350 ms);",
    "  the SGLang cookbook (0.5.6, Llama 3.1 70B TP 8 on 8 x A100, closed loops of 1-100): throughput",
    "  −12 % to +21 %, ITL −16 % to +7 %, TTFT −54 % to +27 % (under-predicted at short prompts). The",
    "  first replay of every round-4 run (held-out included) ran with /work/main's installed kvplan",
    "  (the same kvplan/ tree, without this round's printed-block reader), which read the cookbook's",
    "  closed loops as all-at-once; the rerun with the branch's reader changed the cookbook rows only:",
    "  the held-out rows are byte-for-byte those of the first print.",
    "- Round 3's held-out source (dennislee22, 24 runs) is seen now; its first print (throughput 11 %,",
    "  ITL 10 %, TTFT 36 %, saturated 24 of 24) moved with issue 21's step constants since. Its",
    "  notes follow.",
    "- Its KV capacity is not held out: the same repository's start-up logs are on the fit side of",
    "  issue 20's start-up memory model (`docs/startup-logs.md`: kvplan gives 4.42 / 24.42 GiB of KV",
    "  cache against the logs' 5.01 / 24.83 GiB); what is held out is the scheduler and step replay.",
    "- Its TTFT is confounded: each test ran benchmark_serving.py's random data set at its default",
    "  seed 0 against one server with prefix caching on, so later runs can hit blocks cached by",
    "  earlier ones (the README's own log shows a 53.7 % prefix-cache hit rate); the 1-prompt run's",
    "  36 ms TTFT (a 1,024-token prefill of a 7B model on an A100 alone is about 58 ms in the step",
    "  model) and the 20- and 30-prompt runs' 200-240 ms (predicted 680-960 ms) look like such hits.",
    "- The fit side misses its targets (its row above; 9 of the saturation misses are runs kvplan",
    "  refuses). Its largest misses are the step model's, not the",
    "  scheduler's: gpustack's vLLM Qwen3-14B on one H100 runs its 2K-32K-token prompts about half",
    "  as fast as the step model prices their prefill (+90 % to +104 % throughput; the same workloads",
    "  on an A100 are +20 % to +39 %); the decode step at large batches is too fast (datacrunch's",
    "  70B TP4 H200 SGLang at 8/s: ITL 70.8 ms measured at about 360 requests in the system, where",
    "  issue 21's round-1 step model gave 33.8 ms at batch 360, so the run is predicted just short of saturated);",
    "  small-model steps are too fast (kvcached's Qwen3-0.6B at 16/s: TPOT 2.39 ms measured, about",
    "  1.3 ms predicted). These are issue 21's per-operation model; they were not tuned here.",
    "- kvplan refuses 9 gpustack Qwen3-32B runs on one 80 GB GPU (H100 and A100, vLLM 0.11.0",
    "  defaults): planned with the run's own release (session 19: bench.replay passes it to fit, as",
    "  `fit --engine-version`), fit leaves 4.38 GiB of KV cache on the H100 and 8.64 GiB on the A100",
    "  (0.33's rules: 6.62 / 8.72), under the 10 GiB the model's 40,960-token context needs, where",
    "  the page's vLLM served 32K-token prompts. vLLM 0.11.0 refuses that set-up too: llm-d's 0.11.0",
    "  log of the same model, card and utilization (start-up logs, seen) left 4.45 GiB of KV and",
    "  refused at 32,000 tokens, so the page's run differed from what it states (one H100 SXM,",
    "  `vllm serve Qwen/Qwen3-32B`) in a way it does not say (docs/startup-logs.md, session 19).",
    "- All-at-once chat runs stay over-predicted (gpustack ShareGPT +13 % to +95 %) with ITL under-",
    "  predicted: the front end is modelled for requests in, not for the streamed tokens out",
    "  (gpustack's 128 → 4 run measured 394 ms between its 4 tokens, with the GPU nearly idle).",
    "- TTFT at low load stays under-predicted on the fit side, by a time that does not scale with the",
    "  model: vLLM on an H100 measures 60 ms (gpustack, chat, C=1, Qwen3-8B, 233 tokens) and 36 ms",
    "  (kvcached, completions, 16/s, Qwen3-0.6B, 512 tokens) where the front end's fitted service time",
    "  (22.7 / 10.8 ms) and the step model's prefill (8.6 / 2.4 ms) leave 23-29 ms unexplained; SGLang",
    "  27 ms against 15 ms with its overlap lag (gpustack, C=4). Tokenization and the hops between",
    "  the API server, the engine core and the detokenizer are one FIFO service time here, with no",
    "  latency of their own; no engine code gives that latency's size, and it was not fitted.",
    "- The saturation rule (`kvplan.observe.bench.saturated`; since session 13 over the run's own arrival",
    "  span, see \"How the runs were split\") is one rule for both sides; simulate's own queue-growth flag is",
    "  still in its JSON.",
]


def yn(flag):
    return "-" if flag is None else "yes" if flag else "no"


def write(rows, split, max_requests):
    def pct(x):
        return "-" if x is None else f"{x:+.0%}"

    r2, r3, r4, r5, r6, r7, r8, r9, r10, r11, r12, r13, r14, r15, r16, r17, r18, r19, r20, r21, r22 = (
        split[f"round{i}"] for i in range(2, 23))
    first9 = json.loads((HERE / "round9_first_print.json").read_text())["rows"]
    first10 = json.loads((HERE / "round10_first_print.json").read_text())["rows"]
    first11 = json.loads((HERE / "round11_first_print.json").read_text())["rows"]
    first12 = json.loads((HERE / "round12_first_print.json").read_text())["rows"]
    first13 = json.loads((HERE / "round13_first_print.json").read_text())["rows"]
    first14 = json.loads((HERE / "round14_first_print.json").read_text())["rows"]
    first15 = json.loads((HERE / "round15_first_print.json").read_text())["rows"]
    first16 = json.loads((HERE / "round16_first_print.json").read_text())["rows"]
    first17 = json.loads((HERE / "round17_first_print.json").read_text())["rows"]
    first18 = json.loads((HERE / "round18_first_print.json").read_text())["rows"]
    first19 = json.loads((HERE / "round19_first_print.json").read_text())["rows"]
    first20 = json.loads((HERE / "round20_first_print.json").read_text())["rows"]
    first21 = json.loads((HERE / "round21_first_print.json").read_text())["rows"]
    first22 = json.loads((HERE / "round22_first_print.json").read_text())["rows"]
    half_of = halves(split)
    rows = [dict(r, half=half_of[r["source"]]) for r in rows]  # rows saved before round 12 was seen say held-out
    lines = ["# Serving accuracy: `simulate` against published measured runs", "",
             "Generated by `python benchmarks/serving/accuracy.py` (do not edit by hand). Each run is a",
             "benchmark tool's own result (a file, or the summary it printed), copied from a public repository",
             "with its settings (`benchmarks/serving/runs.yaml`), replayed by `kvplan check-bench`'s replay: the",
             "engine's KV plan from `fit`, steps from `perf`'s per-operation model, the run's rate or concurrency,",
             "its lengths (per request where the file keeps them) and its endpoint's front end, every request",
             f"of the run (at most {max_requests:,} per level).", "",
             "Targets (issue 22): output throughput median |error| ≤ 10 %, inter-token latency ≤ 15 %,",
             "TTFT ≤ 25 %, every saturated run predicted saturated.", "",
             "## How the runs were split, and what was tuned", "",
             f"- Round 1 (seed {split['seed']}): {', '.join(split['held_out'])} held out; nothing was tuned. Its",
             "  held-out figures were printed (tput 29 %, ITL 276 %, TTFT 57 %), so that source is **seen** now.",
             f"- Round 2 (seed {r2['seed']}): {', '.join(r2['held_out'])} held out, printed once (tput +156 %,",
             "  TPOT -59 %, TTFT -45 %), so it is **seen** now. Changed after round 1's figures, on the fit",
             "  side: a vLLM front-end delay (22.72 ms, gpustack's 128 → 4 chat run); one saturation rule",
             "  (`kvplan.observe.bench.saturated`, below 90 % of the offered output load) for both sides;",
             "  LambdaLabs' per-token figure is its TPOT (its ITL is per streamed chunk).",
             f"- Round 3 (seed {r3['seed']}, `split.yaml` `round3`, committed before any change to the simulator",
             f"  in this round): the new independent sources split by the same rule; **held out:",
             f"  {', '.join(r3['held_out'])}**; fit: {', '.join(r3['fit'])} (gpustack's other",
             f"  performance-lab pages joined its source, already fit); seen: {', '.join(r3['seen'])}.",
             "- Changed in round 3, after round 2's held-out figures were seen, judged on the fit and seen",
             "  runs only (`accuracy.py --half fit`; fit-side medians before → after: throughput 18 % → 12 %,",
             "  ITL 26 % → 27 %, TTFT 54 % → 48 %; seen: 95 % → 23 %, 63 % → 77 %, 45 % → 25 %):",
             "  (1) lengths: a file's own per-request lengths are replayed (vLLM's input_lens/output_lens;",
             "  LambdaLabs' originals, kept beside their summaries), and a ShareGPT run stated only by its",
             "  means is replayed with a measured ShareGPT sample scaled to them (`kvplan/observe/sharegpt.py`:",
             "  LambdaLabs' 320 (prompt, output) pairs), in place of every request at the mean; (2) the front",
             "  end is a FIFO server per endpoint, not a delay (`limits.FRONTEND`: 10.8 ms a request on",
             "  /v1/completions, fitted on kvcached's three rate-inf runs, 92-97 requests/s; 22.72 ms on",
             "  /v1/chat/completions as before); this is what round 2 tried as a queue and dropped, because",
             "  it had one cost for both endpoints; (3) every request of a run is replayed (at most 600",
             "  before): at 16/s datacrunch's 70B queue only builds after the first 600 requests.",
             "- Not changed in round 3: the per-operation step model (issue 21's; see the notes), SGLang's",
             "  front end and admission, the scheduler's CPU time per step (no sourced figure was found).",
             "- The round-3 held-out half was replayed once, after these were frozen.",
             "- **Changed after the round-3 held-out figures were seen** (session 7; no new runs, so no",
             "  round 4): SGLang's scheduler from SGLang 0.5.23's code (`kvplan/plan/simulate/sglang.py`):",
             "  chunked_prefill_size by card memory and max_running_requests from the token pool in place of",
             "  assumed 8,192 / 1,024; PrefillAdder's reservation of the running requests' remaining output",
             "  (new_token_ratio's floor 0.098; 1 for sglang.bench_serving, which sends ignore_eos); the",
             "  overlap scheduler's one-step lag for a request that arrives while a step runs. Nothing was",
             "  fitted. The held-out runs are all vLLM, so their figures do not move with it. Fit side before",
             "  → after: throughput 11 % → 11 %, ITL 21 % → 21 %, TTFT 46 % (−46 %) → 42 % (−41 %); SGLang's",
             "  fit runs alone are in the table below (datacrunch at low load: TTFT −52 % → −38 % at 1/s;",
             "  405B at 8/s: throughput +1 % → +27 %, its SGLang version is not stated and older ones",
             "  reserved only new_token_ratio of an ignore_eos request's output).",
             f"- Round 4 (seed {r4['seed']}, `split.yaml` `round4`, committed before any change to the simulator",
             f"  in this round and before any round-4 run was replayed): **held out: {', '.join(r4['held_out'])}**;",
             f"  fit: {', '.join(r4['fit'][:2])} (new) and the earlier fit sources; seen: {', '.join(r4['seen'])}.",
             "  Read for round 4 only (no model change): SGLang's printed 'Max request concurrency' (the",
             "  printed-block reader knew vLLM's 'Maximum request concurrency' only) and its 'Backend:' line",
             "  (sglang.bench_serving's client, which sends ignore_eos); a published table without a result",
             "  file is replayed from its rows (`levels` in runs.yaml).",
             "- The round-4 held-out half was replayed once, with the simulator as committed before round 4;",
             "  it is seen now.",
             f"- Round 5 (seed {r5['seed']}, `split.yaml` `round5`, committed before any change to the simulator",
             f"  in this round and before any round-5 run was replayed): **held out: {', '.join(r5['held_out'])}**",
             "  (the only new source: the vLLM team's DeepSeek-R1 spot check, vLLM 0.8.4 on 8 x H200);",
             f"  seen: {', '.join(r5['seen'])}. Read for round 5 only (no model change): runs.yaml's",
             "  `enable_expert_parallel` is passed to fit. One `kvplan simulate` of the 1000 → 2000 workload was",
             "  run before the split was committed, to check that kvplan simulates DeepSeek-R1 on 8 x H200",
             "  (it printed 281 output tok/s), and the README's throughput table was read while collecting.",
             "- **Nothing in the simulator or the step model changed in round 5 before its print: the round-5",
             "  held-out half was replayed once, with the simulator of /work/main at 4622c0d (session 8's start);",
             "  that first print: throughput 59 % (−55 %), ITL 261 % (+261 %), TTFT 50 % (−46 %), 25 of 25.**",
             "  Round 5's diagnosis of the two largest systematic errors (fit and seen side only, in-sample) is",
             "  in the notes; neither became a model change.",
             "- **Changed after the round-5 held-out figures were seen** (session 8, issue 21's MoE fix; round 5",
             "  is seen now): the step model prices a MoE layer's routed experts as one grouped kernel per fused",
             "  linear (w13, w2) over the experts the tokens route to, as vLLM's `fused_experts` runs them, with",
             "  fits from aiconfigurator 0.12.0's measured MoE tables, where it priced each expert as 3 GEMMs",
             "  with their own floors; `benchmarks/latency/fit.py` was rerun on issue 21's fit side. The",
             "  headline's round-5 rows and every row below are **after the MoE fix, seen**. Fit side before",
             "  → after the MoE fix and fit.py's rerun (which also fitted issue 21's round-5 fit rows): throughput",
             "  11 % → 10 %, ITL 13 % → 15 %, TTFT 40 % → 43 %; seen: 12 % → 9 %, 12 % → 9 %, 37 % → 36 %;",
             "  all: 16 % → 14 %, 19 % → 15 %, 44 % → 46 %.",
             "- **Changed again, with round 5 seen** (session 8, issue 21's quantized-GEMM fix): a checkpoint",
             "  that carries its own quantization (DeepSeek-R1's fp8 linears, 128 × 128-block scales) has each",
             "  GEMM group priced in its stored format (`kvplan/plan/latency/step.py` `_gemm_formats`), where",
             "  the format's description string missed every measured table and priced 2 bytes a weight. The",
             "  headline's round-5 rows and every DeepSeek-R1 row below are **after the quantized-GEMM fix,",
             "  seen**; no other run moved (`fit.py`'s rerun left `fitted.yaml` as it was: every fit row names",
             "  its weight format). Round 5 held out, after the MoE fix → after the quantized-GEMM fix:",
             "  throughput 46 % (+46 %) → 37 % (+37 %), ITL 33 % (−33 %) → 29 % (−29 %), TTFT 72 % (−72 %) →",
             "  66 % (−66 %), 25 of 25 both; all: 14 % → 13 %, 16 % → 16 %, 46 % → 45 %.",
             "- **Changed with every round seen** (session 9, judged on seen rows only): vLLM V0's multi-step",
             "  scheduling (`--num-scheduler-steps`, `kvplan/plan/simulate/vllm_v0.py`, from vLLM 0.6.0's",
             "  `LLMEngine.step` / `_has_remaining_steps`: nothing is scheduled until the cached batch's steps",
             "  are done; `Scheduler._schedule_prefills`: a prefill batch runs 1 step, a decode batch N;",
             "  chunked prefill off, so prefill-first whole prompts; V0's defaults max(max_model_len, 2048)",
             "  tokens and 256 sequences), replayed for the runs that state the flag (runs.yaml",
             "  `num_scheduler_steps`: sglang-vllm060's 4 vLLM 0.6.0 tables). Nothing was fitted. Those rows",
             "  before → after: TTFT −63 % / −66 % / −74 % / −76 % → +2 % / −10 % / −27 % / −34 % (8B A100 and",
             "  70B TP 4 H100 at 4 and 8/s), TPOT +2 % / −4 % / −14 % / −24 % → +6 % / +3 % / −10 % / −17 %,",
             "  offline throughput +9 % / +47 % → +8 % / +20 %; seen medians: throughput 10 % → 10 %, ITL",
             "  9 % → 9 %, TTFT 37 % → 27 %; all: 13 % → 13 %, 16 % → 16 %, 45 % → 43 %; no other row moved.",
             f"- Round 6 (seed {r6['seed']}, `split.yaml` `round6`, committed at 2a291d2 before any round-6 run was",
             f"  replayed, after session 9's V0 change): **held out: {', '.join(r6['held_out'])}** (dstackai/benchmarks,",
             "  DeepSeek-R1: vLLM 0.7.x V0 on 8 x H200 and 8 x MI300X, SGLang 0.4.2 on 8 x MI300X, closed loops of",
             "  4-128 at 3,200 → 800-6,400 tokens; 27 rows); seen now adds vllm-benchmark-simon-mo. Read for round 6",
             "  only (no model change): the source's CSV of bench_serving results (`accuracy.py` `csv_levels`).",
             "  **First print, the model frozen at 2a291d2: throughput 84 % (−65 %), ITL 97 % (+97 %), TTFT 458 %",
             "  (+458 %), saturation 0 of 0 (closed loops never count); vLLM's 18 rows 89 % (+38 %) / 51 % (−22 %) /",
             "  110 % (+25 %), SGLang's 9 rows 76 % (−76 %) / 220 % (+220 %) / 1481 % (+1481 %). Every target missed.**",
             "  Diagnosis, not a model change: on MI300X the step model prices the all-reduce at 25.8 s for a prefill",
             "  of 4 x 3,200 tokens and 12.1 ms a decode step of batch 4 (`kvplan perf deepseek-r1 --gpu mi300x --tp 8",
             "  --batch 4 --ctx 3200 --explain`: `kvplan/plan/latency/comm.py`'s link for MI300X), so all 18 MI300X",
             "  rows are predicted far too slow (throughput −12 % to −90 %); on H200 the vLLM step is too fast",
             "  (throughput +88 % to +375 %, ITL −18 % to −55 %, as round 5's DeepSeek-R1 rows), and the measured",
             "  TTFT at C=128 (83 s to 1,273 s median) holds a queue the V1 replay never builds (it admits all 128",
             "  at once; the server ran vLLM 0.7.4's V0 engine).",
             "- Then (session 9, round 6 seen; issue 21's change, docs/perf-accuracy.md) the diagnosed MI300X link",
             "  was fixed in the step model: a collective over AMD Infinity Fabric is priced as over NVLink (α 10 us,",
             "  β = the catalog's 896 GB/s × 0.5; fallback.yaml `scale_up_fabrics`), where the interconnect text,",
             "  lacking \"nvlink\", took L40S's 8-GPU PCIe table (β 0.87 GB/s); SGLang's prefill passes now pay an",
             "  eager per-layer cost (its CUDA graphs capture decode only), and `benchmarks/latency/fit.py` was rerun",
             "  (SGLang's fitted step overhead had absorbed the PCIe cost on four MI300X fit rows). The table below",
             "  keeps round 6's first print; its rows are seen now (round 7).",
             f"- Round 7 (seed {r7['seed']}, `split.yaml` `round7`, committed at 1453f63 (1e2218f before a rebase) before any round-7 run was",
             "  replayed; session 10): three new independent sources, each an issue thread as the search index stores",
             "  it (no result file: the rows are the threads' printed figures, `runs.yaml` says which and why):",
             "  vllm-issue-17788-h100nvl (a vLLM 0.8.5.post1 user, Qwen3-32B on one H100 NVL, ShareGPT all at once;",
             "  the stored block is cut after its TTFT lines), tenstorrent-gpu-reference-qwen3 (Tenstorrent's vLLM GPU",
             "  references, Qwen3-1.7B / 14B on an A100 at concurrency 1; vLLM version and flags not stated) and",
             "  inferencex-dsr1-h200-sglang (SemiAnalysis InferenceX #870: DeepSeek-R1-0528 FP8, SGLang 0.5.7, TP 8",
             f"  without DP attention, 8 x H200, closed loops of 4-64). **Held out: {', '.join(r7['held_out'])}**;",
             f"  fit adds {', '.join(r7['fit'][:2])}; seen now adds {r7['seen'][0]}. Read for round 7 only (no model",
             "  change): published tables with lengths (`levels` rows with isl / osl, a range ratio, a concurrency, a",
             "  per-GPU or E2EL-derived throughput) and a per-row max_running_requests (`accuracy.py` `table_levels`,",
             "  `replay_run`). Nothing in the simulator or the step model was changed in round 7 before its print",
             "  (no fit-side run needs SGLang's DP attention: the held-out runs ran without it, and dstack's H200",
             "  SGLang DP-attention rows stay out, runs.yaml says why).",
             "  **First print (2026-12-06), the model frozen at bd5490d (e0c4fc2 after the rebase onto main, whose rerun",
             "  printed the same rows), every round-7 held-out row replayed once:",
             "  throughput 17 % (−14 %), TPOT 21 % (+20 %), TTFT 60 % (−60 %), saturation 0 of 0 (closed loops never",
             "  count); 7 rows, all SGLang. Every target missed.** Diagnosis, not a model change: TTFT is short at",
             "  every level by 106-257 ms (mean 204-474 ms measured, 98-315 ms predicted), more than round 5's",
             "  unexplained vLLM front-end residual (about 25 ms), and not explained by SGLang's `--stream-interval 10`",
             "  (SGLang 0.5.23's `output_streamer.py` `accept` sends the first token at once; the run's 0.5.7 was not",
             "  read); the DeepSeek-R1 decode step on 8 x H200 is now predicted too slow (TPOT +10 % to +24 %,",
             "  throughput −9 % to −19 %) where round 5's and round 6's vLLM rows on the same card were too fast; the",
             "  C=4 1k/1k row (+73 % throughput, TPOT −41 %) ran on another runner, whose TPOT of 22.7 ms is above",
             "  the 12.8 ms measured at C=8.",
             "- Changed after round 7's first print (session 10, issue 21's step model, not made for these rows:",
             "  a served request's front end priced in its first token, TensorRT-LLM decode without multi-block",
             "  mode, `benchmarks/latency/fit.py` rerun with SGLang's eager prompt cost 575 -> 930 us a layer):",
             "  round 7's \"today\" rows below are after those changes, seen; its first print stays the headline.",
             f"- Round 8 (seed {r8['seed']}, `split.yaml` `round8`, committed at b8de0ca (fb64352 before a rebase) before any round-8 run was",
             "  replayed; session 11): four new sources (`runs.yaml` says what each copies and why): sglang-cookbook-b200",
             "  (the SGLang cookbook's B200 pages, SGLang 0.5.6, TP 8: Qwen3-235B-A22B random 1k/1k, 1k/8k, 8k/1k at",
             "  C=1-100, and gpt-oss-120b ShareGPT at C=1 and 100; the same template and client as sglang-cookbook, so",
             "  not independent of it in method), vllm-pr-23696-gptoss-b200 (a vLLM PR's gpt-oss-120b run on 8 x B200,",
             "  ShareGPT all at once), inferencex-gptoss-h100-power (SemiAnalysis InferenceX #828: gpt-oss-120b, vLLM,",
             "  TP 8 / 4 / 2 on H100, closed loops of 4-64 at 1k/1k; throughput and TPOT only) and achatbot-modal-gptoss-h100",
             "  (a Modal user's SGLang gpt-oss-20b on one H100, C=4 and 32; throughput and TTFT only).",
             f"  **Held out: {', '.join(r8['held_out'])}**; fit adds {', '.join(r8['fit'][:2])}; seen now adds",
             f"  {r8['seen'][0]}. Nothing in the simulator, the step model or `accuracy.py`'s replay changed in round 8",
             "  (only its split mapping). **First print (2026-12-06), the model at fb64352 (= b8de0ca), every round-8 held-out row",
             "  replayed once: no figure. All 9 held-out rows are gpt-oss, and `simulate` refuses gpt-oss on both",
             "  engines (its sliding-window layers: the vLLM replay models one KV-cache group of full-attention or MLA",
             "  layers, the SGLang replay one full-attention token pool), though `kvplan fit` plans both cards; the",
             "  collection checked `fit`, not `simulate`, before the split. Every target missed; the refusals count as",
             "  misses and are listed below.** The fit side's gpt-oss rows (the cookbook's two, the vLLM PR's one) are",
             "  refused the same way; its 9 Qwen3-235B rows on 8 x B200 replay at throughput −4 % to +16 %, ITL −15 % to",
             "  +9 %, TTFT −14 % to +36 % (in-sample, no change made for them).",
             "- Changed after round 8's first print (session 11; round 8's rows are seen since, and every \"after\"",
             "  figure is labelled so): `simulate` replays hybrid KV caches (`kvplan/plan/simulate/groups.py`,",
             "  `hybrid.py`: vLLM's extra cache groups on one block pool, sliding window, chunked local attention and",
             "  Mamba, from vLLM 0.33's single_type_kv_cache_manager.py; SGLang's sliding-window pool from",
             "  swa_memory_pool.py), so the gpt-oss runs replay; SGLang's DP attention (`simulate/dp.py`: per-rank",
             "  schedulers in lockstep; no run here states it); vLLM's profile-run sampler peak from its code and a",
             "  non-torch refit (issue 20: the KV capacity every vLLM replay starts from is smaller); MI300X's",
             "  measured ROCm profile (issue 21: the dstack MI300X runs' steps). None of these was fitted to a run of",
             "  this page.",
             f"- Round 9 (seed {r9['seed']}, `split.yaml` `round9`, committed at eb45eef before any round-9 run was replayed;",
             "  session 12): one new source, ree2raz-inference-bench (a Modal user's benchmark of Qwen2.5-7B-Instruct with its",
             "  own closed-loop chat client: vLLM 0.8.5 and SGLang 0.4.6 (--disable-cuda-graph) on one L4, short 200 → 128 at",
             "  C=1-64 and long 1800 → 512 at C=1, 16, 64, and vLLM 0.20.1 and SGLang latest on one A100 40GB, short at C=1, 16,",
             "  64; 100 requests a level; p50 TTFT and TPOT; `runs.yaml` says what it copies, its caveats and the rows left out).",
             f"  **Held out: {', '.join(r9['held_out'])}**; seen now adds {', '.join(r9['seen'][:2])}. Nothing in",
             "  the simulator, the step model or `accuracy.py`'s replay changed in round 9 (only its split mapping and the",
             "  first-print record). **First print (2026-12-06), the model at eb45eef (kvplan/ as main's 1e75dff), every",
             "  round-9 held-out row replayed once (`benchmarks/serving/round9_first_print.json`, kept as printed; the headline",
             "  reads it): throughput 15 % (−15 %), TPOT 3 % (+0 %), TTFT 83 % (+83 %), saturation 0 of 0 (closed loops never",
             "  count); vLLM's 11 rows 19 % / 10 % / 24 %, SGLang's 11 rows 11 % / 2 % / 140 %. Throughput and TTFT miss",
             "  their targets, TPOT meets its.** Diagnosis, not a model change: (a) the long prompts are 10 documents × 10",
             "  questions (the repository's scripts/generate_workload.py: one generated context per topic, the question last),",
             "  so requests share their document's prefix and both engines cache it (prefix caching on); the replay prices",
             "  every prompt apart, and at C=64 on the L4 (vLLM's KV cache 64,832 tokens by `kvplan fit`, against 64 × 2,312)",
             "  it queues: TTFT +1315 % (vLLM) and +5287 % (SGLang), throughput −55 % and −64 %; (b) the L4 short levels at",
             "  C=16-64 run at throughput −10 % to −25 % while their TPOT is within −6 % to +0 % (not looked into); (c) the",
             "  A100 40GB vLLM 0.20.1 decode step is predicted too slow (TPOT +25 % to +62 %, throughput −20 % to −39 %), SGLang's",
             "  on the same card within −6 % to −1 %; (d) SGLang's short TTFT at C=16-64 is over-predicted (+119 % to +245 %).",
             "  The short prompts' lengths are the generator's stated ~200 tokens (one-sentence questions: likely shorter).",
             "  Found after the print: the same source's two BF16 Qwen3-30B-A3B rows (vLLM 0.20.1, one A100 80GB, C=1 and 4)",
             "  were missed at collection (read from an older summary.csv); they are not added after the print (`runs.yaml`",
             "  lists them for a later round).",
             "- Changed after round 9's print (session 12; round 9's rows are **seen** since, and every figure after",
             "  it is labelled so; the first print above and in the headline does not move): the replay of",
             "  ree2raz-inference-bench now does what its client did (bench_lib.py run_benchmark_impl, scripts/ at",
             "  5b60d5a; `runs.yaml` caveats 1-3 cite each file), nothing in the step model or the schedulers' rules:",
             "  (1) the L4 rows' throughput is the repository's scripts/reaggregate.py figure, C × output tokens / the",
             "  sum of the requests' latencies (its raw per-request files reproduce every L4 row that way to 0.01",
             "  tok/s; the real wall clock of vLLM short C=64 was about 19.5 s, reported 15.4 s), and the replay",
             "  computes the same quantity (`throughput: per_request_sum`), which removes the short rows' −10 % to",
             "  −25 % at C=16-64; (2) the prompts the client sent (in the repository) are counted: short 37-46",
             "  tokens (mean 41.8, stated ~200), long 1,437-1,497 (mean 1,459.8, stated ~1,800), with a Qwen3",
             "  tokenizer file of the same BPE as Qwen2.5's (an estimate, `runs.yaml` caveat 2); (3) the long",
             "  prompts are 10 texts each sent 10 times, and the client warms up with its first 2 × C prompts",
             "  before it measures: the replay runs that warm-up (simulate's `warmup`) and puts identical prompts in",
             "  one prefix group (simulate's `prefix_ids`), so the long C=64 levels no longer run out of KV.",
             "  What is left at that change (not looked into here): TPOT at the short L4 levels is −12 % at C=64,",
             "  SGLang's TTFT is under-predicted (−42 % to −91 % at C=16-64), and the A100 40GB vLLM 0.20.1 step",
             "  stays too slow (TPOT +24 % to +42 %). Each row, first print → today's replay (seen):",
             ""] + round9_after(first9, rows) + [
             "- Changed in session 12 (judged on fit and seen rows only, each figure below labelled so): the replay",
             "  takes SGLang's overlap scheduler by the run's version: off by default before 0.4.0 (sgl-project/sglang",
             "  PR #2067, merged 2024-11-18; `limits.OVERLAP_SCHEDULE`), so sglang-vllm060-readme's SGLang 0.3.0",
             "  rows (seen) replay without it. TTFT error, before -> after: 8B on A100 at 4/s +122 % -> +73 %, at 8/s",
             "  +126 % -> +67 %; 70B on 4 x H100 at 4/s +142 % -> +103 %, at 8/s +191 % -> +116 %; their ITL moves",
             "  by at most 1 point; no fit row changes (no fit SGLang run states a release before 0.4). vLLM's",
             "  `--data-parallel-size` with `--enable-expert-parallel` now replays as ranks in lockstep",
             "  (`kvplan/plan/latency/dp_moe.py`); no run here uses it. SGLang's admission of ignore_eos requests",
             "  (sglang.bench_serving's default) with the radix cache off is now its `add_one_req_ignore_eos` (the",
             "  peak of future use, requests sorted by the output they have left; `simulate/sglang.py`), where the",
             "  replay had kept every running request's whole remaining output free (its running requests keep the",
             "  new_token_ratio floor otherwise, ignore_eos or not, as `_get_running_request_total_token_offset`",
             "  does; releases before 0.4.0, not read, keep the old rule). It moves four fit rows (in-sample),",
             "  datacrunch-h200's:",
             "  70B at 16/s TTFT +6905 % -> -12 %, ITL +7 % -> -41 %, throughput +9 % -> +21 %; 405B at 4/s TTFT",
             "  +481 % -> +25 %, throughput +0 % -> +5 %; 405B at 8/s TTFT +15 % -> -28 %, ITL -51 % -> -46 %,",
             "  throughput -2 % -> +13 %; 405B ShareGPT at 8/s TTFT +79 % -> +71 %, ITL +107 % -> +76 %; fit medians",
             "  throughput 9 % -> 10 %, ITL 10 % -> 12 %, TTFT 35 % -> 33 % (in-sample; with SGLang's admission the",
             "  replay runs larger batches, and their throughput is now over-predicted: the step model's side, not",
             "  looked into).",
             "  Round 8's SGLang rows (achatbot, seen;",
             "  TTFT -98 % and -93 %) are not explained by SGLang's scheduler and were left alone: its pool holds",
             "  1,257,606 full-layer tokens against at most 32 x 1,536 = 49,152 in use, a 512-token prompt is one",
             "  chunk of 8,192, a new request is prefilled at the next step (prefill first, mixed chunks off), and",
             "  the measured median TTFT hardly moves with concurrency (2,466 ms at C=4, 2,107 ms at C=32): a cost",
             "  per request outside the scheduler (the Modal web-server hop runs.yaml names is one candidate, not",
             "  measured).",
             f"- Round 10 (seed {r10['seed']}, `split.yaml` `round10`, committed at 5d4f4b4 before any round-10 run was",
             "  replayed; session 12): one new source, aws-bentoml-llm-optimizer-l4 (AWS's Machine Learning Blog post on",
             "  BentoML's llm-optimizer, December 2025: Qwen3-4B, vLLM (version not stated) at TP 4 on an ml.g6.12xlarge's",
             "  4 × L4, ShareGPT, 1,000 prompts of 302 / 196 tokens on average, in closed loops of 32, 64 and 128 at",
             "  max_num_batched_tokens 8192 (the post's three result records) and of 32 at 4096 (throughput only); `runs.yaml`",
             "  says what it copies, its caveats and the sweep's 23 other configurations left out: a chart image only).",
             f"  **Held out: {', '.join(r10['held_out'])}**; seen now adds {r10['seen'][0]}. Nothing in the simulator or",
             "  the step model changed in round 10 before its print; `accuracy.py`'s table reader takes a ShareGPT row's",
             "  stated token totals as its means (no earlier row states them). **First print (2026-12-06), kvplan/ as main's",
             "  d89bf3f (the branch at 5d4f4b4), every round-10 held-out row replayed once",
             "  (`benchmarks/serving/round10_first_print.json`, kept as printed; the headline reads it): throughput 15 %",
             "  (+15 %, n=4), ITL 10 % (−10 %, n=3), TTFT 10 % (−10 %, n=3), saturation 0 of 0 (closed loops never count).",
             "  Throughput misses its target; ITL and TTFT meet theirs.** Per row, C=32 / 64 / 128: throughput +12 % / +18 % /",
             "  +17 %, mean ITL −10 % / −12 % / −9 %, median TTFT −7 % / −10 % / −10 %; the 4,096-token row +12 % (the",
             "  replay gives it the 8,192-token row's figures). Not looked into (no model change): the",
             "  decode step of a 4B model at TP 4 over four PCIe L4s is predicted about a tenth too fast at every",
             "  concurrency, and throughput follows it; the client's code (llm-optimizer) was not read, so its ignore_eos",
             "  and endpoint are inferred from its result keys (`runs.yaml` caveat 2).",
             f"- Round 11 (seed {r11['seed']}, `split.yaml` `round11`, committed at ba23519 before any round-11 run was",
             "  replayed; session 12): one new source, found among result files committed to public repositories:",
             "  lottolotto-4x3090-vllm025 (LottoLottoLotto/4x3090-llm-benchmarks' data/benchmarks.jsonl at bd22281, a home",
             "  rig's archive: Qwen3-4B and Mistral-7B-v0.3 in bf16 on vLLM 0.25.0, one RTX 3090 capped at 220 W, 512 -> 256",
             "  tokens at concurrency 1-8, `--max-num-seqs 8 --max-num-batched-tokens 8192`; 40 rows, output tok/s only, no",
             "  latency figure; the client is not public: `runs.yaml` says what each row copies, its caveats and the rows left",
             f"  out). **Held out: {', '.join(r11['held_out'])}**; seen now adds {r11['seen'][0]}. Nothing in the simulator,",
             "  the step model or `accuracy.py`'s replay changed in round 11 before its print. **First print (2026-12-06),",
             "  kvplan/ as main's 185da53 (the branch at ba23519), every round-11 held-out row replayed once",
             "  (`benchmarks/serving/round11_first_print.json`, kept as printed; the headline reads it): throughput 20 %",
             "  (+20 %, n=18), no ITL or TTFT stated, saturation 0 of 0 (closed loops never count); the 22 Mistral-7B rows",
             "  were refused by kvplan. Throughput misses its target.** Per Qwen3-4B row: C=1 +29 % to +33 %, C=4 +19 % to",
             "  +21 %, C=8 +12 % to +15 % (predicted 78.2 / 286.9 / 515.1 tok/s against 58.9-60.5 / 236.4-241.7 /",
             "  448.5-458.9 measured; the three prompt kinds and the rerun replay alike). The refusal: the catalog's",
             "  `mistral-7b` is v0.1, every layer of which is sliding-window (4,096 tokens), and `simulate` needs a",
             "  full-attention (or MLA) cache group ('simulate needs a KV cache group of full-attention (or MLA) layers');",
             "  the measured checkpoint, v0.3, has no sliding window (its config.json, not re-read here), and it is not in",
             "  the catalog (`runs.yaml` caveat 4).",
             "  Not looked into (no model change): the decode step predicted too fast, most at C=1 where a step is",
             "  weight-streaming; the cards ran at a 220 W power cap that kvplan's `rtx-3090` profile (stock card) does not",
             "  model (`runs.yaml` caveat 3).",
             "- Changed after that (session 12, issue 21, every row of this page seen or fit): the step model's",
             "  per-step constants were refitted (`benchmarks/latency/fit.py` rerun, with round 7's perf rows and vLLM",
             "  before v0.2.5 as a profile of its own, `vllm_v020`: vLLM's graphs-on 22 us a layer + 80 us a sequence,",
             "  eager 62 us a layer, where they were 28 + 97.5 and 430; SGLang's 1.45 ms + 0 / 690 us a layer + 30 us a",
             "  sequence); every replay's steps move with them. Nothing was fitted to a run of this page.",
             "- Looked at after round 10's print (session 12, issue 21: the A100 decode step at small batch looked too",
             "  slow; every run here seen; **nothing in kvplan/ changed**, so these figures are before and after, seen).",
             "  The two A100 runs where kvplan's step is far too slow are both stated as 40 GB cards and neither is a",
             "  basis for a change. inference-perf-kubecon's 1/s level (Llama 3 8B bf16, vLLM 0.11.0, GKE",
             "  `nvidia-tesla-a100`): its TPOT (median 7.37 ms, the ITL this page compares) is under the 10.3 ms it",
             "  takes to read the model's 16.06 GB once at the A100 40 GB's 1,555 GB/s (7.9 ms at the 80 GB card's 2,039",
             "  GB/s), so no step of that length happened; its per-chunk latencies (median 0.085 ms, p90 15.1 ms) show",
             "  tokens counted about two to a step (inference-perf counts them on the client from the streamed text), a step of about",
             "  15 ms against kvplan's 16.7 ms. ree2raz-inference-bench's vLLM 0.20.1 C=1 level (12.4 ms TPOT for",
             "  Qwen2.5-7B, kvplan +25 %) would stream its GEMMs' 14.1 GB at 73 % or more of the 40 GB datasheet, where",
             "  aiconfigurator's measured A100 80 GB table gives 49-68 % of its own at M = 1; it is within 5 % of",
             "  dennislee22's 11.8 ms for one request of the same geometry (Qwen2-7B, vLLM 0.10.1.1) on an 'A100 80GB'",
             "  (kvplan +2 %), and Modal's `gpu=\"A100\"` may be given an 80 GB card (its GPU guide lists `A100`,",
             "  `A100-40GB` and `A100-80GB` apart; runs.yaml's not_used notes the author once called these runs 80 GB),",
             "  so the card is not known and the run stays replayed as a100-sxm-40gb. The diagnosis, with the A100 GEMM",
             "  tables beside H100's, is in `docs/perf-accuracy.md` (\"What changed\").",
             f"- Round 12 (seed {r12['seed']}, `split.yaml` `round12`, committed at 303354d before any round-12 run was",
             "  replayed; session 13): one new source, zhjunqin-3090-vllm041 (zhjunqin/LLM-Learning's",
             "  inference/benchmark/README.md at 17aa102, May 2024: Llama-3-8B-Instruct in bf16 on vLLM 0.4.1, a V0 engine,",
             "  one RTX 3090, vLLM's benchmark_serving.py with ShareGPT at Poisson rates 1 / 2 / 5 / 8 (100 / 200 / 1,000 /",
             "  1,000 prompts), and again at 5 with flash-attn installed; 5 rows with P50 TTFT and TPOT; the server's logged",
             "  args as flags: chunked prefill and prefix caching off, 256 sequences; `runs.yaml` says what each row copies,",
             "  its caveats and the rows left out: AWQ, lmdeploy, mlc-llm, TensorRT-LLM).",
             f"  **Held out: {', '.join(r12['held_out'])}**; seen now adds {r12['seen'][0]}. Nothing in the simulator, the",
             "  step model or `accuracy.py`'s replay changed in round 12 before its print (`kvplan fit` was run once to check",
             "  that the model plans on the card). **First print (2026-12-07), kvplan/ as main's 9bc96d4 (the branch at",
             "  303354d), every round-12 held-out row replayed once (`benchmarks/serving/round12_first_print.json`, kept as",
             "  printed; the headline reads it): throughput 1 % (−1 %, n=5), TPOT 28 % (−28 %, n=5), TTFT 12 % (−9 %, n=5),",
             "  2 of 2 saturated runs predicted saturated. Throughput and TTFT meet their targets, TPOT misses its.**",
             "  Per row, rate 1 / 2 / 5 / 8 / 5 (flash-attn): throughput −14 % / −1 % / −1 % / +19 % / −0 %, median TPOT",
             "  −12 % / −21 % / −61 % / −28 % / −61 % (predicted 21.7 / 23.5 / 32.6 / 75.6 / 32.6 ms against 24.7 / 29.6 /",
             "  83.0 / 104.7 / 84.1 ms), median TTFT +9 % / +15 % / −9 % / −81 % / −12 % (rate 8: 4.8 s against 24.9 s).",
             "  Read with care: below capacity an open loop's throughput is its offered load, so only the rate-8 row tests",
             "  the model's throughput (+19 %); the medians meet their targets on rows that mostly test the arrivals.",
             "  Not looked into (no model change): (a) the decode step is predicted too fast and more so as the batch",
             "  grows (TPOT −12 % at 1/s to −61 % at 5/s): vLLM 0.4.1 is a V0 release, replayed by V1's scheduler (no",
             "  prefill-only steps that stall the decodes), and vLLM's own v0.6.0 post reports TPOT 5x lower on Llama 8B",
             "  than v0.5.3 once the API server's and the scheduler's CPU work left the step's path; kvplan prices no such",
             "  per-release CPU cost (a candidate, not measured); at 8/s the too-fast step drains the queue faster, hence",
             "  TTFT −81 % and throughput +19 %. (b) kvplan's saturation rule (output below 90 % of rate × mean output)",
             "  flags the measured 2/s row (391.3 against 397.2 tok/s, median TTFT 68 ms: no queue) and the predicted",
             "  1/s row (179.1 against 196.1; the simulator's own flag says not saturated): in a run of 100-200 requests",
             "  the Poisson draw's span and the last request's drain alone move throughput by 5-15 %. (c) the 1/s row's",
             "  −14 % throughput is the replay's own Poisson draw (its 100 arrivals span longer than the client's did),",
             "  not the server.",
             "- Changed after round 12's print (session 13, issue 22; round 12's rows are **seen** since, labelled so below,",
             "  and its first print stays the headline above; every figure here is before -> after on seen or fit rows,",
             "  `PYTHONPATH=. python benchmarks/serving/accuracy.py`, before = main's 53a8528). (1) A vLLM run of a release",
             "  before 0.8.0 (V1 became vLLM's default in 0.8.0, PR #13726; `vllm_v0.v0_engine`, by runs.yaml's",
             "  `engine_version`) replays V0's scheduler one step at a time (`simulate/vllm_v0.py`, read in vLLM 0.4.1's and",
             "  0.7.3's wheels): `_schedule_default` prefills waiting prompts whole in steps of their own and pauses the",
             "  running decodes for them, admits a prompt only while the block manager keeps its 1 % watermark free, and",
             "  takes V0's defaults (max_num_batched_tokens = max(max_model_len, 2048), 256 sequences). It moves round 12",
             "  (vLLM 0.4.1) and dstack's vLLM 0.7.x rows, nothing fit. Round 12, rate 1 / 2 / 5 / 8 / 5 (flash-attn): TPOT",
             "  −12 / −21 / −61 / −28 / −61 % -> −11 / −17 / −56 / −30 / −56 %, TTFT +9 / +15 / −9 / −81 / −12 % -> +4 / +10",
             "  / −24 / −70 / −26 %, throughput unchanged but at 8/s (+19 % -> +25 %); its medians TPOT 28 % -> 30 %, TTFT",
             "  12 % -> 24 % (a prompt no longer waits for a mixed step, so TTFT falls with the step model's too-fast decode",
             "  still in place). dstack-deepseek-r1's 18 vLLM rows (0.7.3 / 0.7.4 nightlies; 0.7.3's `VllmConfig` forces",
             "  chunked prefill off for MLA models, the nightly's code was not read): TTFT median 96 % -> 75 % (−96 % ->",
             "  −75 %), ITL 50 % -> 53 %, throughput 139 % -> 138 %. (2) The saturation rule (`bench.saturated`) was",
             "  output below 90 % of rate × mean output, which a finite run that keeps up misses by its arrivals' draw and",
             "  its last request's decode: round 12's 2/s run (200 requests, 44,132 tokens in 112.79 s, median TTFT",
             "  68 ms) gave 391.28 against 397.2 and was called saturated, and the replay's 1/s run (its 100 arrivals",
             "  spanning 116.9 s, not 99) 179.1 against 196.1. It is now output below 90 % of the run's tokens over its",
             "  own arrivals' span plus one mean request's decode (each side's per-token latency × its mean output; the",
             "  span the replay's own draw, a file's the mean (N − 1) / rate): 2/s 391.28 against 0.9 × 44,132 / (99.5 +",
             "  6.54) = 374.6, not saturated; 8/s 986.37 against 1,233, saturated; the replay's 1/s 179.1 against 171.4,",
             "  not. Over the 53 open-loop rows at a finite rate that kvplan replays, the old rule called 38 saturated as",
             "  measured and the replay matched all 38, short bursts by construction (50 requests sent in 5 s whose",
             "  decode takes 40-90 s: vllm-benchmark-simon-mo); the new one calls 24, and the replay matches 11 (it is",
             "  too fast where they queued: simon-mo's 10,000-token prompts, measured TTFT 15-24 s against 6.2 s); the",
             "  headline's last column (rate inf rows included) went fit 31 of 41 -> 25 of 37, seen (round 12 with it) 59",
             "  of 59 -> 38 of 49, all 90 of 100 -> 63 of 86: the saturation target is further from met. Near",
             "  its threshold it is still fragile: the replay's 2/s run sits at 1.11 of its keep-up time (threshold 1.11),",
             "  its last requests' long ShareGPT outputs outlasting one mean decode. (3) V0's per-step CPU cost (scheduling,",
             "  input preparation, sampling, detokenization on each step's path) is priced by a profile of its own since",
             "  (`vllm_v0`, engines.yaml: vLLM 0.2.5 to 0.7.x by `engine_version`, `latency/versions.py`; multi-step runs",
             "  keep vLLM's): `benchmarks/latency/fit.py --profile vllm_v0` on the perf side's 45 fit + seen V0 rows",
             "  (dstack round 8, vLLM PR #3240), none of these runs: 3.2 ms a step, 0 us a layer (95 eager), the",
             "  per-sequence cost held at vLLM's 80 us (those rows cannot tell it from the per-step one; vLLM's v0.6.0",
             "  post gives shares of time, not costs). Round 12 (seen), rate 1 / 2 / 5 / 8 / 5 (flash-attn): TPOT −11 / −17",
             "  / −56 / −30 / −56 % -> +1 / −6 / −50 / −27 / −51 %, TTFT +4 / +10 / −24 / −70 / −26 % -> +17 / +10 / −19 /",
             "  −64 / −21 %; dstack-deepseek-r1's 18 vLLM rows (seen): ITL median 53 % -> 51 %, throughput 138 % -> 127 %,",
             "  TTFT 75 % unchanged; nothing fit moved. The batch-growing TPOT error at 5/s remains (no per-sequence",
             "  excess was identified). Refit at the end of session 13, after latency round 12's split made round 11's",
             "  vLLM PR #2542 rows (Mixtral on 8 x H100, January 2024) seen: `fit.py --profile vllm_v0` on 59 fit + seen",
             "  rows, 6.6 ms a step, 65 us a layer eager, the per-sequence cost held at vLLM's 85 us (fitted.yaml); the",
             "  figures in this paragraph are before that refit, the rows below are today's.",
             "- Changed in session 13 (issue 22, judged on fit and seen rows only; no new runs, so no round; every",
             "  figure below in-sample or seen): SGLang's overlap scheduler runs a trailing step",
             "  (`kvplan/plan/simulate/sglang.py`, from scheduler.py `event_loop_overlap`: the batch k+1 is formed and",
             "  launched before `process_batch_result` of batch k marks its requests finished, so a decode formed ahead",
             "  still runs them; when step k finished every running request, batch k+1 is that decode alone, and a",
             "  request that arrives while it runs is scheduled when it ends). In a closed loop every next request",
             "  arrives during that step. Nothing was fitted. ree2raz-inference-bench's SGLang rows (seen), TTFT before",
             "  -> after: L4 short C=1 / 4 / 16 / 32 / 64 -34 % / -33 % / -62 % / -65 % / -70 % -> +15 % / +17 % /",
             "  -35 % / -40 % / -51 %; L4 long C=1 / 16 / 64 -34 % / -61 % / -71 % -> +21 % / -34 % / -62 %; A100 C=1 /",
             "  16 / 64 -5 % / -49 % / -92 % -> +39 % / -26 % / -88 % (their throughput and TPOT move by at most 1",
             "  point); the SGLang cookbooks' C=1 rows (fit) -12 % / +44 % / -9 % / -23 % / +1 % / -7 % -> +4 % / +51 % /",
             "  0 % / -16 % / +8 % / +5 %; datacrunch-h200's SGLang rows (fit) and dstack's SGLang C=4 / 8 rows (seen) by",
             "  1-3 points; no vLLM row moves. Medians",
             "  (TTFT): fit 26 % (-6 %) -> 26 % (-4 %), seen 64 % -> 61 %, round 9's SGLang rows 61 % -> 35 %, all",
             "  45 % -> 41 %; throughput and ITL medians unchanged.",
             "  Diagnosed after it, not changed: (a) the C=1 rows now run long because SGLang's prompt pass is priced",
             "  as its GPU work plus its fitted eager cost (`kvplan perf qwen2.5-7b --gpu l4 --engine sglang --batch 1",
             "  --ctx 42 --explain`: 57.95 ms + 20.80 ms on the L4, 15.1 ms + 20.8 ms on the A100 40 GB), while the",
             "  measured C=1 TTFT less one decode step (the trailing step: the run's TPOT) is 118.6 - 57.7 = 60.9 ms",
             "  (L4) and 37.6 - 16.2 = 21.4 ms (A100): the larger of the two, not their sum, as launches that run ahead",
             "  of the GPU would give. That is the step model's rule (issue 21, with `benchmarks/latency/fit.py`'s",
             "  SGLang constants fitted as a sum), not changed here. (b) Under load the raw per-request files",
             "  (raw/sglang_short_c16_r1.jsonl and _c64_r1.jsonl at 3f921f2) show the closed loop's C requests",
             "  prefilled in three waves, one step apart (C=16: TTFT about 0.113 s for 1, 0.17 s for 2, 0.23 s for",
             "  13; C=64: 0.19 s for 1, 0.25 s for about 6, 0.31-0.34 s for the rest): the requests reach the",
             "  scheduler spread over about two steps (one likely cause, not measured: SGLang's tokenizer manager,",
             "  one process, handles them one after another), where the replay's SGLang front end costs nothing",
             "  (`FRONTEND`, not fitted) and",
             "  prefills all C at the trailing step's end; a per-request cost fitted to these waves would be",
             "  fitted on a seen run, so it is left for a source that states it.",
             "  (c) Round 10 (4 x L4, TP 4): `kvplan perf qwen3-4b --gpu l4 --tp 4 --batch 64 --ctx 500 --explain`",
             "  prices the decode step at 27.3 ms, 8.0 ms of it the 73 all-reduces on L40S's PCIe NCCL table (which",
             "  stands for every PCIe-only card) and 6.0 ms engine overhead; no L4 NCCL table or datasheet figure",
             "  says how much longer ml.g6.12xlarge's all-reduce is, so the -10 % ITL stays. (d) Round 11 (RTX 3090",
             "  at 220 W): at C=1 the step reads 8.04 GB of weights; measured about 60 tok/s is 16.7 ms a token, 480",
             "  GB/s (51 % of the 936 GB/s datasheet), against kvplan's 12.25 ms (the stock card's streaming",
             "  efficiency); no source gives a power-capped card's memory bandwidth, so no `--power-limit` was added.",
             "- Added in session 13 (no run here uses it): vLLM's `--data-parallel-size D` on a dense model",
             "  (`simulate`, `check-bench --data-parallel-size`) is D independent engines behind vLLM's balancer",
             "  (v1/engine/core_client.py `DPLBAsyncMPClient`: the lowest 4 x waiting + running), each with fit's",
             "  per-rank KV cache and D API servers (vLLM's internal-LB default), not the MoE ranks in lockstep",
             "  (`latency/dp_moe.py`).",
             f"- Round 13 (seed {r13['seed']}, `split.yaml` `round13`, committed at 11daf27 before any round-13 run was",
             "  replayed; session 13): one new source, cssnoeasy-a100pcie-vllm019 (cssnoeasy/a100-vllm-benchmark-blog's",
             "  docs/reports/a100-tp1-vs-tp2-formal-baseline.md at e4226b0, July 2026: Qwen2.5-7B-Instruct in fp16 on",
             "  vLLM 0.19.0, one and two A100 80GB PCIe (TP 1 / TP 2; no NVLink, the cards across NUMA nodes), `vllm bench",
             "  serve` random 512 -> 256 / 2048 -> 128 / 2048 -> 512 at max concurrency 8 / 16 / 32, 100 prompts a run;",
             "  6 rows, each the mean of three repeats as the page tables them; --gpu-memory-utilization 0.75",
             "  --max-model-len 4096, V1's defaults otherwise; the page states TTFT p50 but TPOT p99 only, so no",
             "  per-token figure is compared, and no run is an open loop, so none is judged saturated; `runs.yaml` says",
             "  what each row copies, its caveats and what is left out: the per-run table, the same author's --enforce-eager",
             "  Qwen3-32B runs). **Held out: " + ", ".join(r13["held_out"]) + "**; seen now adds " + ", ".join(r12["held_out"]) + ".",
             "  Nothing in the simulator, the step model or `accuracy.py`'s replay changed in round 13 before its print",
             "  (`kvplan fit` was run once at TP 1 and TP 2 to check that the model plans on the card). **First print",
             "  (2026-12-07), kvplan/ as main's bffbeb8 (merged at a875aa3), every round-13 held-out row replayed once",
             "  (`benchmarks/serving/round13_first_print.json`, kept as printed; the headline reads it): throughput 31 %",
             "  (−31 %, n=6), ITL not compared (n=0), TTFT 32 % (+32 %, n=6), 0 of 0 saturated runs. Both scored targets",
             "  are missed.** Per row, TP 1 then TP 2, 512 -> 256 C=8 / 2048 -> 128 C=16 / 2048 -> 512 C=32: throughput",
             "  +6 % / −35 % / −27 % and +12 % / −40 % / −34 % (predicted 661 / 591 / 1,280 and 944 / 727 / 1,680 tok/s",
             "  against 623 / 907 / 1,757 and 846 / 1,210 / 2,543), median TTFT +3 % / −0 % / +56 % and +53 % / +11 % /",
             "  +70 % (predicted 144 / 350 / 358 and 179 / 410 / 312 ms against 140 / 351 / 229 and 117 / 371 / 183).",
             "  Not looked into (no model change): (a) the 2048-token-prompt rows are predicted 27-40 % too slow at both",
             "  TP while the 512-token rows are near or above their measurement: these closed loops are paced by",
             "  prefill (7.08 req/s at TP 1 is 14.5 k prompt tokens a second), so the step model's A100 PCIe prefill,",
             "  and the 2,048 batched tokens kvplan takes as vLLM's A100 default (`settings.batch_defaults`; 0.19's own",
             "  default for this card was not read), are the candidates; (b) the measured medians of TTFT are means of",
             "  three runs' medians, the 512 -> 256 runs' first repeat queued (TP 1 r1 275 ms against 69 / 76 ms,",
             "  TP 2 r1 241 against 54 / 54 ms), so the +53 % at TP 2 is against a mean the page's own outlier raised",
             "  and would be larger against the steady runs.",
             "- Changed in session 14 (issue 22; no new runs of this page, so no round; judged on fit and seen rows only,",
             "  every figure in-sample or seen; `PYTHONPATH=. python benchmarks/serving/accuracy.py --half fit`, before =",
             "  main's c6278a5; medians over all fit / seen rows). (1) Round 11's 22 Mistral rows (lottolotto, seen) name",
             "  the catalog's new `mistral-7b-v0.3` (Mistral-7B-v0.3: every layer full attention, vocabulary 32,768; its",
             "  config.json copied verbatim, tests/fixtures/configs/SOURCES_EXTRA.md) where they named v0.1's `mistral-7b`,",
             "  which simulate refused; and simulate now runs a cache of sliding-window groups only (vLLM's one",
             "  `SlidingWindowSpec` group, `SlidingWindowManager` freeing the blocks behind the window:",
             "  `simulate/hybrid.py` VllmSlidingReplica; prefix hits not modelled), so v0.1 is no longer refused either.",
             "  Those 22 rows: refused -> throughput 30.6 % (+30.6 %); C=1 / 4 / 8 predicted 48.2 / 177.4 / 319.8 tok/s",
             "  against 35.1-36.2 / 134.1-138.4 / 256.7-264.4 (v0.1 through the sliding-only replica: 30.7 %), the same",
             "  pattern as the Qwen3-4B rows (the cards' 220 W cap is not modelled). Tried and reverted",
             "  (4e3a956, 7f86bcb), both judged on these rows: (2) a run whose server ran without CUDA graphs",
             "  (`--enforce-eager`, SGLang's `--disable-cuda-graph`) priced with the step model's eager per-layer cost:",
             "  only ree2raz's SGLang rows (seen) ran so, and their ITL went L4 −9..+14 % -> +19..+44 %, A100 −4..+2 % ->",
             "  +92..+120 % (seen ITL 18.1 % -> 23.3 %, fit unchanged): SGLang's 690 us a layer (fitted on its eager",
             "  prompt passes) far exceeds what an eager decode measured here costs, and no source gives that cost.",
             "  (3) SGLang's overlap scheduler (scheduler.py `event_loop_overlap`: `run_batch` of batch k+1 runs while",
             "  the GPU executes batch k) hiding a step's per-layer launch term behind the previous step's GPU work:",
             "  the C=1 rows session 13 diagnosed matched (ree2raz TTFT L4 +32 % / +37 % -> −1 % / +5 %, A100 +90 % ->",
             "  +11 %), but the fit side moved the wrong way (throughput 10.4 % -> 12.4 %, ITL 11.8 % -> 12.7 %, TTFT",
             "  24.4 % -> 26.3 %; datacrunch's 70B / 405B TTFT at 1-4/s −4..+52 % -> −52..+29 %): the per-layer constant",
             "  was fitted as a sum (`benchmarks/latency/fit.py`), so it is not all launch time. Both wait for a refit",
             "  of SGLang's overhead that separates launch time from the rest (issue 21).",
             "  Issue 21's session-14 step-model changes moved this page too (measured all-reduce curves by message size,",
             "  int4 group scales, the MoE router and MLA module rest, attention floors per attention layer, split-KV decode,",
             "  and `benchmarks/latency/fit.py` rerun on its fit side; nothing here was tuned): fit throughput 10 % -> 9 %,",
             "  ITL 11 % (+0 %) -> 15 % (+8 %), TTFT 26 % -> 28 %; seen 21 / 17 / 57 % -> 20 / 17 / 57 %. The ITL move is",
             "  mostly SGLang's refit (0.5 ms + 32 us a graphed layer + 67.5 us a sequence, where it was 1.45 ms + 0 + 30 us):",
             "  datacrunch's SGLang ITL at 1-4/s +0..+5 % -> +15..+22 %. Its perf rows prefer the new constants (SGLang's",
             "  fit median 21.9 % -> 18.3 %), these serving rows the old: a step model that fits both is still open.",
             f"- Round 14 (seed {r14['seed']}, `split.yaml` `round14`, committed at e2dc3f9 before any round-14 run was",
             "  replayed; session 14): two new sources, both SGLang Poisson rate sweeps that reach a queue, each block",
             "  copied unchanged into `files/` (`runs.yaml` says what each copies, its caveats and what is left out).",
             "  bbuf-dsv3-h200-sglang: BBuf/how-to-optim-algorithm-in-cuda's note on SGLang PR #4918 at ec33ce3",
             "  (2025-04-01): DeepSeek-V3 (fp8) at TP 8 on H200, the server with --disable-shared-experts-fusion (SGLang's",
             "  MoE before the PR; version not stated, the author's branch), `sglang.bench_serving` ShareGPT, 300 prompts",
             "  at 1 / 4 / 8 requests/s (3 rows; the fused runs are left out). kvcached-a100-sglang: ovg-project/kvcached's",
             "  bench_kvcached_overhead README at f5330bc: Llama-3.2-3B on SGLang 0.4.6.post2, one A100 80GB (GCP),",
             "  --disable-radix-cache, random uniform 1-1913 -> 1-162 tokens at 32 / 16 / 8 requests/s, the 'without",
             "  kvcached' column (3 rows; the same repository as the fit side's kvcached-h100, another benchmark).",
             "  **Held out: " + ", ".join(r14["held_out"]) + "**; fit adds kvcached-a100-sglang; seen now adds " + ", ".join(r13["held_out"]) + ".",
             "  Nothing in the simulator, the step model or `accuracy.py`'s replay changed in round 14 before its print",
             "  (`kvplan fit` was run once per new model and card to check that it plans). **First print (2026-12-07),",
             "  kvplan/ as main's 2159084 (session 14's final model, merged at 850efa1), every round-14 held-out row",
             "  replayed once (`benchmarks/serving/round14_first_print.json`, kept as printed; the headline reads it):",
             "  throughput 43 % (+43 %, n=3), ITL 63 % (−63 %, n=3, mean ITL), TTFT 76 % (−76 %, n=3, median), 1 of 2",
             "  saturated runs predicted saturated. Every scored target is missed.** Per rate, 1 / 4 / 8 per second:",
             "  throughput +4 % / +43 % / +96 % (predicted 198 / 715 / 1,102 tok/s against 191 / 501 / 561), mean ITL",
             "  −62 % / −67 % / −63 % (13.6 / 33.6 / 55.9 ms against 36.0 / 101.4 / 150.7), median TTFT −68 % / −76 % /",
             "  −80 % (95 / 117 / 149 ms against 298 / 484 / 756); the runs at 4 and 8 per second queued (2.49 and",
             "  2.79 req/s served), kvplan's replay keeps up at 4 per second. Not looked into (no model change): kvplan's",
             "  DeepSeek-V3 step on 8 x H200 is about 2.6 times faster than this early-2025 SGLang branch's (at 1 per",
             "  second, about 7 requests in flight, 13.6 ms against a measured mean ITL of 36.0 ms, median 28.2 ms); the",
             "  seen SGLang 0.5.7 rows of DeepSeek-R1 on the same card (inferencex-dsr1-h200-sglang) measure 11-13 ms",
             "  TPOT at 4-8 in flight (one C=4 runner 22.7 ms) and are predicted within −41..+27 %, so the candidates",
             "  are SGLang's DeepSeek kernels of early 2025 (fp8 block-scaled MoE, MLA, the shared expert run apart),",
             "  which one SGLang step model does not tell apart by version, and the prefill priced for 318-token",
             "  ShareGPT prompts. The fit",
             "  side's kvcached-a100-sglang (in-sample, replayed once with the rest): throughput −19 % / +6 % / −8 % at",
             "  32 / 16 / 8 per second, mean ITL +22 % / +248 % / +54 %, median TTFT +331 % / +52 % / +19 %.",
             "- Changed in session 15 (issue 22, SGLang's step; no new runs of this page, so no round; judged on fit and",
             "  seen rows only, every figure in-sample or seen; before = main's ae49736; `PYTHONPATH=. python",
             "  benchmarks/serving/accuracy.py --rows F`; medians over SGLang's rows of each half unless said). Diagnosis:",
             "  every one of SGLang's 30 perf rows `fit.py` fits runs at batch 1, so they cannot tell a per-sequence cost",
             "  from the per-step one (`fit.py --profile sglang` prints per_seq_scan: the graphs-on rows' best median",
             "  |error| is 8.44-8.55 % at every value from 0 to 300 us), and session 14's 67.5 us a sequence was a tie's",
             "  pick that a serving step pays at every running request (6.75 ms a step at 100). The serving fit side's",
             "  SGLang ITL error grew with the load as that term says: sglang-cookbook's Llama-3.1-70B on 8 x A100 +8 /",
             "  +9 % at C=1, +17 / +21 % at C=100 / 64; datacrunch's 70B on 4 x H200 +16..+22 % where it keeps up (1-4/s,",
             "  and 4 / 8 per second in its second sweep). SGLang's code",
             "  says where the CPU's share goes: `Scheduler.event_loop_overlap` (scheduler.py, the default since 0.4.0)",
             "  launches batch k+1 (`run_batch`) before `process_batch_result` handles batch k, whose per-request loop",
             "  (`process_batch_result_decode`: append the token, check_finished, free a finished request, stream_output)",
             "  and the next `get_next_batch_to_run` run while the GPU computes; SGLang v0.4's blog shows 5 decode",
             "  batches in Nsight with no GPU idle time. So the per-sequence cost is held at 0 us (`engines.yaml` sglang",
             "  `fit_per_seq_us`, its source beside it; `fit.py` holds it, `held_per_seq`) and `fit.py --profile sglang`",
             "  refits the rest: 0.5 ms + 32 us a graphed layer + 67.5 us a sequence -> 0.75 ms + 30 us + 0 (eager",
             "  670 us a layer unchanged; the 30 fit rows' median 18.25 % -> 17.99 %). What stays at batch 1 (0.75 ms +",
             "  30 us a layer, 2.58 ms of a 61-layer DeepSeek step) is read as GPU time beyond kvplan's priced kernels",
             "  (a graph replay launches nothing from the CPU; each layer's norms, RoPE, activation quantization and MoE",
             "  alignment kernels are not priced one by one): a reading, not a measurement. Serving, SGLang rows (fit,",
             "  n=38): throughput 7.9 % (−6.5 %) -> 7.8 % (−1.7 %), ITL 15.2 % (+14.6 %) -> 9.1 % (+2.0 %), TTFT 20.7 %",
             "  (+15.9 %) -> 19.3 % (+9.3 %); seen (n=35): throughput 15.7 % (+0.9 %) -> 17.8 % (+13.8 %), ITL 20.6 %",
             "  (+0.6 %) -> 15.1 % (−1.6 %), TTFT 60.0 % -> 60.2 %; round 14's bbuf rows (seen now; first print kept):",
             "  throughput 43 % -> 44 %, ITL −63 % -> −67 %, TTFT −76 % -> −76 %. The whole page: fit throughput 9.0 %",
             "  (−4.0 %) -> 9.0 % (−2.1 %), ITL 15.9 % (+8.0 %) -> 12.7 % (+2.1 %), TTFT 29.1 % -> 26.3 %; seen 20.2 % /",
             "  16.5 % / 56.3 % -> 20.7 % / 16.1 % / 56.3 %; no vLLM row moves. SGLang's perf rows",
             "  (`scripts/perf_accuracy.py`): fit 8.7 % (+8.1 %, n=8) -> 8.8 % (+8.2 %), seen 22.7 % (−22.7 %, n=22) ->",
             "  22.5 % (−22.5 %). Worse: sglang-vllm060-readme's rate-inf throughput (SGLang v0.3.0, before the",
             "  overlap scheduler, so its per-request CPU work lay on the step; no row identifies that cost, so it is 0",
             "  too) −14 % / −5 % -> +15 % / +26 %, and dstack's DeepSeek-R1 on MI300X (already 2.3-2.8 x too fast).",
             "  Sensitivity, not adopted (no source gives it): 20 us a sequence gives the fit side 7.4 % / 8.7 % / 18.7 %.",
             "  Not changed: DeepSeek-V3 on 8 x H200 (bbuf): `kvplan perf deepseek-v3 --gpu h200 --tp 8 --engine sglang",
             "  --batch 8 --ctx 600 --explain` prices the step at 15.2 ms (routed experts 6.3 ms on aiconfigurator's",
             "  SGLang 0.5.14 fused_moe_triton fp8-block table, projections 2.6 ms, MLA decode 1.2 ms on its fa3 table,",
             "  all-reduce 0.8 ms, overhead 2.6 ms) against a measured median ITL of 28.2 ms at about 7 in flight, while",
             "  SGLang 0.5.7 on the same card and model family (inferencex, seen) measures 12.8 ms at C=8: with CUDA",
             "  graphs and the overlap scheduler on, no CPU term explains 13 ms a step, so the gap is the early-2025",
             "  branch's GPU kernels (block-fp8 fused MoE, MLA decode, the shared expert run apart), which no source",
             "  prices; kvplan's tables are SGLang 0.5.14's.",
             f"- Round 15 (seed {r15['seed']}, `split.yaml` `round15`, committed at 7733dae before any round-15 run was",
             "  replayed; session 15): three new sources (`runs.yaml` says what each copies, its caveats and what is left out).",
             "  sgl-cookbook-mi300x: sgl-project/sgl-cookbook's pages, every printed block of a run on AMD MI300X of a model in",
             "  the catalog (DeepSeek-V3.1 at TP 8, SGLang 0.5.7, 9 closed loops; Llama-4-Scout / -Maverick at TP 8, SGLang 0.5.9,",
             "  3 each; Gemma-4-26B-A4B on one card, 2). sgl-cookbook-h200: the same repository's Gemma 4 page, Gemma-4-26B-A4B on",
             "  one H200 ('gemma4 branch'), random 1024 -> 1024 at concurrency 1 and 100 (2 rows; the same template and client,",
             "  another card). vllm-blog-fp8kv-h100: the vLLM blog's FP8 KV-cache post, Tables 4 and 5, BF16 rows (Llama-3.1-8B and",
             "  gpt-oss-20b on one H100, ~20k -> ~2k tokens at concurrency 8; 2 rows).",
             "  **Held out: " + ", ".join(r15["held_out"]) + "**; fit adds sgl-cookbook-mi300x and vllm-blog-fp8kv-h100; seen now adds " + ", ".join(r14["held_out"]) + ".",
             "  Nothing in the simulator, the step model or `accuracy.py`'s replay changed in round 15 before its print",
             "  (`kvplan fit` was run once per new model and card). **First print (2026-12-07), kvplan/ as main's ab3aa59",
             "  (merged at 55688dd), every round-15 held-out row replayed once (`benchmarks/serving/round15_first_print.json`,",
             "  kept as printed; the headline reads it): throughput 5 % (−5 %, n=2), ITL 6 % (+6 %, n=2, median ITL: the page",
             "  prints no mean), TTFT 13 % (−13 %, n=2; median at concurrency 1, mean at 100), no saturated run (closed loops).",
             "  Every target met, on two rows of one model on one card.** Per level, concurrency 1 / 100: throughput −2 % / −9 %",
             "  (166 / 3,341 tok/s against 169 / 3,676), median ITL +3 % / +10 % (5.96 / 22.19 ms against 5.78 / 20.23), TTFT",
             "  −2 % / −25 % (45.6 / 115.7 ms against 46.6 / 153.8). The fit side's new rows (in-sample, replayed once with the",
             "  rest): sgl-cookbook-mi300x throughput 85 % (+85 %, n=17), ITL 44 % (−44 %), TTFT 47 % (−47 %): kvplan's MI300X",
             "  SGLang steps are faster than these ROCm runs, most for DeepSeek-V3.1 (ITL −35..−58 %), and the concurrency-1",
             "  throughputs are cut by one slow first request each (mean TTFT 0.56-4.3 s against medians of 57-214 ms);",
             "  vllm-blog-fp8kv-h100 throughput 12 % (+10 %, n=2), ITL 10 % (−4 %), TTFT 35 % (−35 %).",
             "- Then (session 16, issues 21 / 22, fit side and seen only): a per-MLA-layer decode cost fitted for SGLang on",
             "  MI300X (`fitted.yaml` `mla_rest`: 188 us a layer, `benchmarks/latency/fit.py --mla-rest-only`, on the three",
             "  published DeepSeek-V3.1 decode rows of the same cookbook page: in-sample here by construction). sgl-cookbook-",
             "  mi300x throughput 85 % -> 29 % (+29 %), ITL 44 % (−44 %) -> 11 % (−11 %), TTFT 47 % -> 41 % (−41 %); the",
             "  DeepSeek runs at concurrency 16-100 stay optimistic (ITL −11..−40 %: the figure is one per step, the runs'",
             "  gap grows with the batch), Gemma 4 (−31..−46 %) is untouched (no MLA layer; its gap is not explained).",
             "  dstack-deepseek-r1's MI300X runs (seen, SGLang 0.4.2): ITL 59 % -> 49 % (−49 %). No other run moved.",
             f"- Round 16 (seed {r16['seed']}, `split.yaml` `round16`, committed at d776103 before any round-16 run was",
             "  replayed; session 16): three new sources (`runs.yaml` says what each copies, its caveats and what is left out).",
             "  sgl-cookbook-b200: sgl-project/sgl-cookbook's B200 pages, every printed block kvplan can replay (DeepSeek-R1-0528",
             "  at TP 8, SGLang 0.5.6.post1, 9 closed loops of random 1000 -> 1000 / 1000 -> 8000 / 8000 -> 1000;",
             "  Qwen3-Next-80B-A3B-Instruct at TP 8, SGLang 0.5.6, ShareGPT at concurrency 1 and 100; Nemotron-3-Nano-30B-A3B",
             "  BF16 on one B200, 4,096 random 1024 -> 1024 prompts at 256; 12 rows). sglang-attn-backend-h200: sgl-project/",
             "  sglang's benchmark/attention_backend/NVIDIA_H200.md at two stored versions (DeepSeek-V3 at TP 8 and Llama-3.1-8B",
             "  on H200, fa3 and flashinfer, Poisson 16/s, 200 and 1,000 prompts; output tok/s only; 24 rows).",
             "  wangjunjian-t4-vllm084: a blog post's Qwen3-4B on one Tesla T4, vLLM 0.8.4 V0, five prefix-caching / chunked-",
             "  prefill configurations at rate inf (13 rows). **Held out: " + ", ".join(r16["held_out"]) + "**; fit adds",
             "  sglang-attn-backend-h200 and wangjunjian-t4-vllm084; seen now adds " + ", ".join(r15["held_out"]) + ".",
             "  Nothing in the simulator or the step model changed in round 16 before its print; one table-reader change in",
             "  `accuracy.py`, made before any replay for the new table rows: a row's stated range ratio of 0.0 reads as",
             "  bench_serving's uniform 1..L (it read as a fixed L; no earlier row states 0.0). **First print (2026-12-07),",
             "  kvplan/ as main's 5a4c935 (merged at d410c08), every round-16 held-out row replayed once",
             "  (`benchmarks/serving/round16_first_print.json`, kept as printed; the headline reads it): throughput 8 % (−5 %,",
             "  n=12), ITL 11 % (+5 %, n=12, mean ITL), TTFT 35 % (−35 %, n=12, median), no saturated run (closed loops).",
             "  Throughput and ITL within their targets, TTFT not (optimistic on every row).** By model: DeepSeek-R1 (9 rows)",
             "  throughput −11..+5 %, mean ITL −5..+13 %, median TTFT −9..−43 % (81-190 ms against 126-225: every level's",
             "  measured first token is slower than kvplan's prefill, most at 1,000-token prompts); Qwen3-Next-80B-A3B",
             "  throughput +36 % / +121 % at concurrency 1 / 100 (200 / 4,314 tok/s against 148 / 1,952), ITL −22 % / −54 %,",
             "  TTFT −67 % / −65 % (44 / 49 ms against 133 / 138): kvplan prices its linear-attention layers far cheaper than",
             "  SGLang 0.5.6 ran them on B200; Nemotron-3-Nano BF16 at 256 throughput +58 % (9,149 against 5,795 tok/s), mean",
             "  ITL −37 %, TTFT −49 %. The fit side's new rows (in-sample, replayed once with the rest): sglang-attn-backend-h200",
             "  throughput 18 % (+18 %, n=24; no ITL or TTFT printed), 18 of 24 measured-saturated runs predicted saturated",
             "  (the Llama-3.1-8B 1024 -> 1024 rows at 16/s run just past capacity and are predicted just under it);",
             "  wangjunjian-t4-vllm084 throughput 91 % (+91 %, n=13), ITL 47 % (−47 %), TTFT 67 % (−67 %): kvplan's T4 steps",
             "  run about twice as fast as vLLM 0.8.4's V0 engine did on this card (fp16, 70 W), which no fitted row prices.",
             "- Changed in session 17 (issue 22, TTFT; no new runs, so no round; judged on fit and seen rows only, every",
             "  figure in-sample or seen; before = main's e6092c0; `PYTHONPATH=. python benchmarks/serving/accuracy.py --rows F`).",
             "  Where TTFT misses, fit and seen rows together (median |error| (signed)): SGLang closed loops 38 % (−34 %, n=66),",
             "  open loops 40 % (+33 %, n=23); vLLM closed 46 % (−36 %, n=56), open 50 % (−48 %, n=44), rate inf 40 % (−19 %,",
             "  n=58); by prompt length, over 3,000 tokens SGLang 75 % (−75 %, n=19) and vLLM 67 % (−65 %, n=42), at most 600",
             "  SGLang 32 % (−9 %, n=62) and vLLM 35 % (−30 %, n=71); vLLM at TP 8 70 % (−69 %, n=48, mostly DeepSeek-R1).",
             "  Read against the engines' code: (1) vLLM V1's async scheduling (EngineCore.step_with_batch_queue with a",
             "  batch queue of 2, AsyncScheduler) schedules step k+1 while step k runs, so a request that reaches the",
             "  engine core while requests run is first scheduled a step later than without it; an idle engine takes it",
             "  at once, and a request whose max_tokens the scheduled steps reach is not scheduled again (no trailing",
             "  step). It is on by default from vLLM 0.14.0 (SchedulerConfig.async_scheduling None -> True; False in the",
             "  0.12.0 and 0.13.0 wheels), and `simulate` now replays it (`limits.ASYNC_SCHEDULING`, scheduler.py",
             "  `Replica.lag`, by the run's version; runs.yaml's `async_scheduling: false` for the vLLM runs whose version",
             "  is not stated but whose date is before 0.14.0's release, 2026-01-17). Nothing was fitted. Rows that move",
             "  (TTFT, before -> after): kvcached-h100 at 16/s −57 / −56 / −56 % -> −50 / −49 / −50 % (fit); vllm-blog-",
             "  fp8kv-h100's Llama-3.1-8B −24 % -> −22 % (fit); ree2raz's vLLM 0.20.1 A100 C=16 −28 % -> −5 %, C=64 +105 % ->",
             "  +114 % (seen); cssnoeasy-a100pcie-vllm019 (seen) TP 1 / TP 2: 512 -> 256 C=8 −10 / +57 % -> −2 / +2 %,",
             "  2048 -> 128 C=16 −1 / +11 % -> +32 / +39 %, 2048 -> 512 C=32 +56 / +128 % -> +107 / +185 % (these closed loops",
             "  are paced by a prefill the step model already prices too slow: throughput −25..−37 %). Medians, before ->",
             "  after: fit throughput 13.7 % (+9.0 %) -> 13.7 % (+9.0 %), ITL 16.1 % (−6.3 %) -> 16.1 % (−6.3 %), TTFT",
             "  35.4 % (−19.3 %) -> 35.4 % (−19.3 %); seen 20.6 % (+13.6 %) -> 20.2 % (+13.5 %), 16.8 % (−7.7 %) -> 16.8 %",
             "  (−7.7 %), 56.5 % (−34.4 %) -> 56.9 % (−34.4 %): a rule of the engine, not a fix of the medians.",
             "  (2) Checked and not a cause: vLLM's client (`vllm bench serve`, 0.12.0's endpoint_request_func.py) takes TTFT",
             "  at the first streamed chunk with choices (completions: even an empty text; chat: the role chunk, sent with",
             "  the first output), which the replay's first token (the end of the step that finishes the prefill) matches;",
             "  vLLM 0.8.5's V1 batch defaults (EngineArgs._set_default_args_v1: 8,192 tokens / 1,024 sequences on a card of",
             "  70 GiB or more, 2,048 / 256 below) equal kvplan's for every 0.8.x V1 run here (none on an A100 80GB, which",
             "  later releases exclude). (3) Not changed (the step model's, other helpers' constants): at concurrency 1",
             "  SGLang has no front end here, so its TTFT is the overlap scheduler's trailing decode step and the prefill",
             "  pass, and the DeepSeek-R1 / V3 passes are priced short (sgl-cookbook-b200 C=1 81 ms against 126-141 ms at 1,000-token prompts, −9 % at 8,000;",
             "  sgl-cookbook-mi300x −32..−59 %), while datacrunch's Llama 70B / 405B at 1-2/s run long (+22..+36 %, the",
             "  eager per-layer sum of session 13's diagnosis (a)); vLLM's low-load gap of 20-29 ms (gpustack 0.11.0 chat,",
             "  kvcached 0.19.0 at 16/s) is still not explained by any engine rule read here.",
             f"- Round 17 (seed {r17['seed']}, `split.yaml` `round17`, committed at eff1e7a before any round-17 run was",
             "  replayed; session 17): five new sources, none with a result file (`runs.yaml` says what each copies, its caveats and",
             "  what is left out): four pull-request descriptions and one recipe page, as the search index stores them.",
             "  sglang-pr-10404-qwen3next-h200 (Qwen3-Next-80B-A3B bf16 on H200 at TP 2 / 4 / 8, 100 prompts of 1,000 -> 2,000 at",
             "  concurrency 8, before / after a tuned MoE config; output tok/s only; 6 rows); sglang-pr-10467-qwen3next-h20 (the same",
             "  author and client on H20 at TP 4 / 8, concurrency 32; 4 rows); sglang-pr-5839-qwen3moe-h20 (Qwen3-30B-A3B bf16 on",
             "  H20 at TP 1 and 4, 100 prompts at Poisson 10/s of 1,000 -> 2,000 / 5,000 -> 1,000 / 10,000 -> 500: open loops far",
             "  above capacity, 9 saturated rows, the series' command read from its sibling PRs; output tok/s only);",
             "  vllm-pr-23151-qwen3moe-h100 (Qwen3-30B-A3B on one H100, vLLM V1 of August 2025, 100 prompts of 2,048 -> 1,024 at",
             "  concurrency 10; 1 row) and vllm-recipes-dsv32-h20 (vllm-project/recipes' DeepSeek-V3.2 page: 8 x H20, TP 8, 100",
             "  prompts of 2,048 -> 1,024 at Poisson 10/s, saturated: median TTFT 21.2 s; 1 row). **Held out: " + ", ".join(r17["held_out"]) + "**;",
             "  fit adds sglang-pr-10404-qwen3next-h200, sglang-pr-5839-qwen3moe-h20 and vllm-pr-23151-qwen3moe-h100; seen now adds",
             "  " + ", ".join(r16["held_out"]) + ". Nothing in the simulator, the step model or `accuracy.py`'s replay changed in round 17",
             "  before its print; after the split, runs.yaml gave the two vLLM runs of unstated version `async_scheduling: false` by",
             "  their dates (main's session-17 rule for such runs, merged with the model). **First print (2026-12-07), kvplan/ as",
             "  main's 3e80af0 (merged at c8ce7f4), every round-17 held-out row replayed once",
             "  (`benchmarks/serving/round17_first_print.json`, kept as printed; the headline reads it): throughput 22 % (+22 %,",
             "  n=4), no ITL or TTFT scored (the only held-out row that prints them is refused), 0 of 1 saturated runs predicted",
             "  saturated: kvplan refuses the DeepSeek-V3.2 run (`fit` leaves 1.63 GiB of KV cache a GPU on 8 x 96 GB H20 at the",
             "  model's max_model_len 163,840, where one request needs 11.95 GiB; the server ran, so either the card was the 141 GB",
             "  H20-3e the page does not name, or kvplan's memory plan is short: not looked into). Throughput misses its target.**",
             "  Qwen3-Next-80B-A3B on H20 at concurrency 32: TP 4 predicted 2,468 tok/s against 1,981 / 2,233 (before / after the",
             "  tuned config: +25 % / +11 %), TP 8 3,205 against 2,378 / 2,705 (+35 % / +18 %): optimistic on every row, as round",
             "  16's Qwen3-Next rows on B200 were (+36 % / +121 %); kvplan's step does not see the kernel config the PR tunes, so",
             "  each pair is one prediction. The fit side's new rows (in-sample, replayed once with the rest): sglang-pr-10404",
             "  throughput 5 % (+1 %, n=6; before / after at TP 2 +2 / −7 %, TP 4 +6 / −4 %, TP 8 +11 / −0 %); sglang-pr-5839 throughput 5 % (+4 %, n=9),",
             "  4 of 9 measured-saturated runs predicted saturated (the 1,000 -> 2,000 rows at TP 1 and the TP 4 rows are not: with",
             "  no ITL printed, the measured side's rule has no drain term, the replay's 2,000-token drain puts it under the 90 % line);",
             "  vllm-pr-23151 throughput −20 %, TPOT +27 %, median TTFT −42 % (173 ms against 300).",
             "- Changed in session 18 (issue 22 (a); no new runs, so no round; judged on fit and seen rows, round 17's held-out",
             "  rows seen since their print; before = main's 3b2bc6e; `PYTHONPATH=. python benchmarks/serving/accuracy.py --rows F`).",
             "  (1) A grouped MoE on an NVIDIA card with no measured kernel table (H20 here) was the physics fallback's weights",
             "  at 0.83 of bandwidth and nothing else, where every aiconfigurator MoE fit in kernels.yaml has a fixed cost a",
             "  layer (alpha 13-94 us, L40S's 0) beside weights at 0.77-0.91 of bandwidth: Qwen3-Next-80B-A3B's 48 MoE layers",
             "  missed about 1 ms of an 11 ms decode step on 4 x H20. Such a card now takes the medians of the measured fits of",
             "  the engine's kernels in that format (`Profile.moe_prior`, computed from kernels.yaml; SGLang bf16: 19.81 us a",
             "  layer, 0.79 of bandwidth); nothing was fitted. (2) SGLang keeps a Mamba / Gated DeltaNet state's SSM tensor in",
             "  float32 unless the config says (0.5.23 configs/mamba_utils.py mamba2_state_dtype; 0.5.2 and 0.5.6: server_args.py",
             "  mamba_ssm_dtype = \"float32\"); kvplan held it so for NemotronH only, so Qwen3-Next's state was half SGLang's in",
             "  the memory plan and in the step's state traffic (`kvplan/engines/sglang.py` SSM_FP32, now with qwen3_next and",
             "  kimi_linear; OpLatency prices SGLang's state as its plan holds it). Round 17's Qwen3-Next on H20 (seen), throughput",
             "  before -> after both: TP 4 +25 / +11 % -> +10 / −2 %, TP 8 +35 / +18 % -> +18 / +4 % (before / after the PR's tuned",
             "  config: kvplan's tables are tuned kernels', so the 'after' rows are the ones it should meet); 22 % (+22 %, n=4)",
             "  -> 7 % (+7 %). Fit side: throughput 12.3 % (+8.0 %) -> 11.3 % (+7.8 %), ITL 16.0 % (−5.8 %) and TTFT 35.9 %",
             "  (−21.7 %) unchanged, 61 of 83 saturated runs predicted saturated unchanged (sglang-pr-5839's H20 rows +45..−5 % ->",
             "  +35..−9 %; sglang-pr-10404's H200 rows move by 1 point); seen: unchanged (18.6 % (+14.6 %), 15.0 % (−6.5 %),",
             "  46.9 % (−36.4 %), 48 of 51). Not explained: round 16's Qwen3-Next rows on B200 (SGLang 0.5.6, which has kvplan's",
             "  tables): throughput +36 % / +120 %, median TTFT 44 / 49 ms against 133 / 138 (a ~300-token prompt's prefill).",
             "  (3) Saturation (issue 22 (c)), one rule for both sides: where a file prints no per-token latency, its side's",
             "  saturation had no drain term while the replay's had its own (`drains` in accuracy.py), and a replay that",
             "  queues decodes slowly, so that drain alone cleared it: 11 of the fit side's 22 misses (sglang-attn-backend-h200's",
             "  6 and sglang-pr-5839's 5, output tok/s only), now judged as the file is, with neither drain. Fit side 61 -> 72",
             "  of 83; seen 48 of 51 unchanged; no run measured unsaturated moved. On those 11 rows the flag says only that",
             "  output throughput fell below 90 % of the offered load over the arrivals' span, on both sides. The fit side's 11",
             "  misses left: 9 gpustack-perf-lab rows kvplan refuses, datacrunch's 405B at 8/s (predicted just under the line,",
             "  throughput +5 %) and nerdalert's L40S at 30/s (throughput +15 %); seen: bbuf-dsv3-h200-sglang at 4 / 8 per s",
             "  (throughput +44 / +105 %: the DeepSeek-V3 step is too fast for that SGLang) and one vllm-benchmark-simon-mo row",
             "  (the replay's own flag says saturated; the rule, at its drain, does not).",
             f"- Round 18 (seed {r18['seed']}, `split.yaml` `round18`, committed at 8f5b119 before any round-18 run was",
             "  replayed; session 18): three new sources (`runs.yaml` says what each copies, its caveats and what is left out).",
             "  pillaiharish-a100-qwen3-8b (pillaiharish/llm-serving-performance-lab's evidence CSVs, copied unchanged: Qwen3-8B on",
             "  one A100-SXM4-40GB, vLLM 0.26.0, max_num_seqs 16, prefix caching off, the repository's own streaming chat client;",
             "  6 closed-loop concurrency points, 10 workload shapes, 6 fixed-32-output points and an open-loop ladder at 6-16/s,",
             "  512 -> 32, whose 14 and 16/s points saturate; and a cross-tool calibration, 4 clients at C=1 with prefix caching on;",
             "  TTFT p50 and TPOT p50 on all 34 rows), faradawn-h200-llama3-8b (three vLLM 0.11.2 result files: Llama-3-8B-Instruct",
             "  on one H200, 128 -> 512 at C=1 / 4 / 8; TTFT and ITL) and vllm-recipes-pr58-qwen3next-b200 (vllm-project/recipes PR",
             "  #58's B200 block: Qwen3-Next-80B-A3B at TP 4, a vLLM nightly of September 2025, 1,000 prompts of 2,048 -> 1,024 at",
             "  concurrency 256; TTFT and ITL; 1 row). **Held out: " + ", ".join(r18["held_out"]) + "**; fit adds",
             "  pillaiharish-a100-qwen3-8b and faradawn-h200-llama3-8b; seen now adds " + ", ".join(r17["held_out"]) + ". The draw",
             "  put both saturated open loops and every TPOT row on the fit side. Nothing in the simulator, the step model or",
             "  `accuracy.py`'s replay changed in round 18 after the split; the model is main's as merged at 4604468 (session 18's",
             "  changes above included). **First print (2026-12-07), every round-18 held-out row replayed once",
             "  (`benchmarks/serving/round18_first_print.json`, kept as printed; the headline reads it): throughput 10 % (+9.5 %,",
             "  8,891 tok/s against 8,118), mean ITL 3 % (−2.9 %, 27.7 ms against 28.5), median TTFT 77 % (−77 %, 96 ms against",
             "  419), n=1; no saturated run held out (0 of 0). Throughput meets its target by half a point and ITL its own; TTFT",
             "  misses (the measured mean is 1,388 ms, its p99 8.1 s: first tokens wait at 256 in flight where the replay's do",
             "  not; not looked into), low as on round 16's Qwen3-Next rows on B200 (SGLang).** One row is not a headline by itself.",
             "  The fit side's new rows (in-sample, replayed once with the rest): pillaiharish throughput 15 % (+1 %), TPOT 21 %",
             "  (+12 %), TTFT 28 % (−24 %), n=34, 0 of 2 saturated runs predicted saturated: at 13-16/s the replay keeps up",
             "  (output +3 / +11 / +27 %, median TTFT 114-422 ms against 1.4-4.0 s), its decode 26.8-30.0 ms a token against",
             "  38-39 measured, so kvplan's capacity for this A100 is about a quarter too high at 512 -> 32 (the closed loops agree at",
             "  C=16-32: +12 / +17 %); at C=1-4 it is the other way (−11..−17 %, the calibration's C=1 −19..−20 %; TPOT +21..+30 %). faradawn: throughput 0 %, ITL 1 %",
             "  (+1 %), median TTFT 64 % (−64 %: 17-21 ms against 29-75). Not changed, not tuned (this task changes no constant).",
             "- Changed in session 19 (issue 22 (b); no new runs, so no round; judged on fit and seen rows; before = main's 120cd86;",
             "  `PYTHONPATH=. python benchmarks/serving/accuracy.py --rows F`). (1) The replay follows each client's own arrival",
             "  process, where it drew every finite rate as Poisson (bench.Level `arrivals`): vllm bench serve's `burstiness` (gamma gaps",
             "  of shape B, mean 1 / rate: 1, every file here, is Poisson; inf constant; vllm/benchmarks/serve.py get_request), GuideLLM's",
             "  constant profile (uniform intervals), SGLang bench_serving (exponential gaps) and inference-perf (Poisson too: its",
             "  'constant' load rescales exponential gaps to the stage, loadgen/load_timer.py ConstantLoadTimer, as in the kubecon demo of",
             "  November 2025); a published table states its client's (runs.yaml `arrivals`): pillaiharish's Slentore open loop is evenly",
             "  spaced (schedule.go). The clients' seeds are not reproduced (numpy's streams; kvplan draws with Python's, seed 0).",
             "  (2) A result with a finite rate and a max_concurrency (vllm bench serve --request-rate R --max-concurrency C: its",
             "  semaphore holds a request while C are in flight, and its latencies count from when it is sent) was replayed as a closed",
             "  loop of C; it is now the open loop with the client's cap (simulate `max_concurrency`). No run here states both. Rows",
             "  that moved (fit, pillaiharish's open loop): 6-12/s TTFT +7 / +8 / +7 / +11 / +15 % -> +4 / +1 / -1 / -3 / -5 %, throughput",
             "  -3..-4 % -> 0 %; 13-16/s throughput +3 / +11 / +27 % -> +6 / +14 / +30 %, still not saturated (kvplan's A100 steps).",
             "  Medians, before -> after: fit throughput 12.1 % (+5.9 %) -> 12.5 % (+5.9 %), ITL 17.9 % (+0.7 %) and TTFT 35.2 % (-24.2 %)",
             "  unchanged, 72 of 85 saturated runs predicted saturated unchanged; seen unchanged (17.7 % (+14.5 %), 15.2 % (-6.8 %),",
             "  50.1 % (-36.4 %), 48 of 52). Where TTFT misses (issue 22 (a), fit and seen after the change): the DeepSeek (MLA) rows,",
             "  seen 60.5 % (-60.5 %, n=71; throughput +49.6 %), fit 46.3 % (-46.3 %, n=9), those over 3,000-token prompts 69 % (-69 %,",
             "  n=49): their steps are priced too fast (the step model's MLA pricing, issue 21); every other seen row 33.1 % (-2.5 %,",
             "  n=80), fit 32.5 % (-21.7 %, n=141). By load: SGLang closed loops 36 % (-34 %, n=78), open 40 % (+33 %, n=23); vLLM closed",
             "  43 % (-29 %, n=86), open 50 % (-43 %, n=52), rate inf 40 % (-19 %, n=58). (c) bbuf-dsv3-h200-sglang (seen; 2025-04-01,",
             "  SGLang at PR #4918's branch): its ITLs reach 1.7 / 3.6 / 7.8 s (max) at 1 / 4 / 8 per s, p99 0.24-1.7 s, consistent",
             "  with SGLang of that spring JIT-compiling DeepGEMM kernels (SM90, SGL_ENABLE_JIT_DEEPGEMM default true) on each new batch",
             "  shape while serving",
             "  (sgl-project/sglang issue #4773, 2025-03-25: a fresh server's first gsm8k pass ran at 606 against 1,186 tok/s; PR #4858;",
             "  the start-up pre-compile arrived with PR #5580, 2025-04-21): stalls kvplan's steady-state steps do not price (not",
             "  modelled; the rows kept as they are; the page does not say whether its server was warm). (d) The fit side's 13 misses:",
             "  9 gpustack Qwen3-32B rows that",
             "  `fit` refuses (6.62 GiB of KV against the 10.0 GiB one 40,960-token request needs on an 80 GB card; vLLM 0.11.0 served",
             "  them, so its budget there was at least 10 GiB: the memory plan's, issue 20), and 4 runs predicted to keep up (datacrunch's",
             "  405B at 8/s, nerdalert at 30/s, pillaiharish at 14 / 16/s: throughput +5 / +15 / +14 / +30 %); seen: bbuf at 4 / 8/s",
             "  (above), vllm-benchmark-simon-mo's DeepSeek-R1 at 10/s (+21 %; the MLA steps) and the DeepSeek-V3.2 run kvplan refuses.",
             "  Tried and not kept (fit rows, in-sample): the front end as a pure delay of its per-request time, not a FIFO. Closed",
             "  loops of fixed lengths stay bunched when measured (faradawn C=8: TTFT 75 ms against the replay's 21, its E2E std 22 ms;",
             "  pillaiharish C=16: 467 against 250), where the FIFO spreads each wave of C requests by 10.8 / 22.72 ms apiece and the",
             "  replay's waves drift apart; as a delay, pillaiharish's C=8 / 16 TTFT moved -40 / -46 % -> -32 / -31 % and faradawn's",
             "  C=4 / 8 -64 / -72 % -> -58 / -54 %, but the rate-inf runs whose throughput the FIFO's rate was fitted on lose that cap.",
             "  No code read here (vLLM 0.12's AsyncMicrobatchTokenizer: a lone request waits its 2 ms batch window, then one thread",
             "  tokenizes a batch; AsyncLLM's output_handler) sets how much of the front end is serial.",
             f"- Round 19 (seed {r19['seed']}, `split.yaml` `round19`, committed at a989301 before any round-19 run was",
             "  replayed; session 19): three new sources (`runs.yaml` says what each copies, its caveats and what is left out).",
             "  inference-sim-training-h100 (inference-sim/training's 24 inference-perf stage files, copied unchanged: Llama-2-7B,",
             "  Llama-2-70B at TP 4, Mixtral-8x7B at TP 2 and CodeLlama-34B at TP 2 on H100 SXM, an instrumented vLLM of February",
             "  2026, max_num_seqs 128, max_num_batched_tokens 2048, max_model_len 4096; shared-prefix workloads at constant 4-20/s,",
             "  four of them saturated; TTFT, TPOT, output tok/s), inference-sim-residency-h100 (inference-sim/residency-vllm's 23",
             "  summaries: Qwen3-14B on one H100, vLLM 0.23.0 stock and residency-patched, Poisson 2-30/s of 1024 -> 128 on the chat",
             "  endpoint; TTFT, ITL) and ld-singh-a6000-qwen25-7b (Qwen2.5-7B-Instruct on one RTX A6000, vLLM 0.23.0, the lab's own",
             "  client's closed loops of 1-512 on a 41-token chat prompt; 8 rows). **Held out: " + ", ".join(r19["held_out"]) + "**;",
             "  fit adds inference-sim-residency-h100 and ld-singh-a6000-qwen25-7b (the same team as the held-out source, another",
             "  repository, client, vLLM build and model); seen now adds " + ", ".join(r18["held_out"]) + ". Nothing in the simulator,",
             "  the step model or `accuracy.py`'s replay changed in round 19 after the split; the model is main's as merged at 61700c0",
             "  (session 19's changes above included). **First print (2026-12-07), every round-19 held-out row replayed once",
             "  (`benchmarks/serving/round19_first_print.json`, kept as printed; the headline reads it): throughput 0.4 % (−0.2 %),",
             "  mean TPOT 186 % (+186 %), median TTFT 88 % (+88 %), n=24; 4 of 4 saturated runs predicted saturated, and 4 runs the",
             "  files call unsaturated predicted saturated (every model's 20/s stage: output −19 / −21 / −36 / −43 %, median TTFT",
             "  25-92 s against 51-68 ms). Throughput meets its target at every rate the server kept up with; TPOT and TTFT miss.**",
             "  Diagnosis, not a model change: the files' time_per_output_token is about half their own (request latency − TTFT) /",
             "  (output − 1) (ratio 1.99-2.05 on the 70B, Mixtral and CodeLlama runs, 2.4-2.6 on Llama-2-7B: 3.6 ms a token against",
             "  9.3 on 7B at 5/s, below the 4 ms it takes an H100 to read 13.5 GB), so inference-perf's per-token figure here is not",
             "  per output token as its output_len counts them; against the latency-derived figure the replay's mean ITL is +1.2 % on",
             "  Llama-2-7B at 5/s (9.4 ms against 9.3) and +61 % on Llama-2-70B at 8/s (30.4 against 18.9). The replay's first tokens",
             "  are 40-136 % slow at the unsaturated rates (the workload's shared system prompts hit vLLM's prefix cache, which the",
             "  inference-perf reader does not replay), and the 20/s stages, which the server served at 51-68 ms, queue in the replay.",
             "  After the print (seen, session 19): each run's shared system prompts are replayed (runs.yaml `shared_prefix`, from",
             "  its profile.yaml: 9-23 groups of 100-150 tokens, 1-5 users each; `with_shared_prefix`). Median TTFT 88 % -> 73 %",
             "  (+73 %), the unsaturated rates' first tokens +40..+136 % -> +35..+103 %, throughput 0.4 % (−0.2 %) unchanged, mean",
             "  TPOT 186 % -> 179 %; the four 20/s stages still queue (median TTFT 22-77 s against 51-68 ms): 96 cached tokens of",
             "  ~575 are a sixth of each prefill, not the gap.",
             "  The fit side's new rows (in-sample, replayed once with the rest): inference-sim-residency-h100 throughput 0.6 % (−0.6 %),",
             "  ITL 16 % (+16 %), TTFT 25 % (+25 %), n=23; ld-singh-a6000-qwen25-7b throughput 5.8 % (−5.4 %), TPOT 7.6 % (+4.4 %),",
             "  TTFT 33 % (+18 %), n=8. Not changed, not tuned (this task changes no constant).",
             "- Session 20 (round 19's held-out rows seen; no constant changed, nothing fitted): what inference-sim-training's",
             "  client sent and how it timed it, read from its inference-perf build (runs.yaml caveats 3 and 6). (1) Its",
             "  results/config.yaml, the config the tool dumped, has shared_prefix 'num_groups: 10 num_prompts_per_group: 10' and no",
             "  multi-turn field: that build (between inference-perf b81afa4, 2025-10-15, and 3631096, 2025-11-14) knew neither",
             "  the profile's names nor multi-turn chat, so it made 100 prompts and sent 'i = n % len(self.prompts)': each prompt",
             "  repeats whole, a prefix hit of all but its last token (`with_shared_prefix` whole_prompt_repeats). (2) Its stream",
             "  reader stamped every line ('async for chunk_bytes in response.content: ... output_token_times.append(...)': a",
             "  'data:' line and a blank line an event), so its time_per_output_token is span / (2N + 1) for N tokens (the files:",
             "  span / TPOT + 1 = 496-504 stamps for N = 247-251); its output_len is its tokenizer's count of the text (194-210 of",
             "  N = 247-251 on Llama-2-7b). The replay generates the N tokens asked for (ignore_eos) and is scored in the file's",
             "  units (`in_file_units`); inference-perf-kubecon (the KubeCon NA 2025 demo's build, seen) stamps the same way",
             "  (479 / 237 stamps for 229 / 116 tokens): its ITL +135 % -> +17 % at 1/s, +729 % -> +309 % at 112.55/s. Round 19's",
             "  rows, today's replay before -> after: throughput 0.4 % -> 0.4 %, TPOT 179 % (+179 %) -> 28 % (+28 %), TTFT 73 %",
             "  (+73 %) -> 39 % (+39 %); 4 of 4 saturated runs predicted saturated, and the unsaturated runs predicted saturated",
             "  4 -> 2 (Llama-2-7B and Llama-2-70B at 20/s; with (1) alone, 1: replaying N = 248 in place of the 7B file's 209",
             "  counted tokens put it back). Mixtral's and CodeLlama's 20/s stages keep up by the rule but still queue (median",
             "  TTFT 12-13 s against 54-64 ms). Fit and seen medians do not move (fit 10 % / 16 % / 29 %, seen 18 % / 15 % / 50 %).",
             "  What is left is step time, not the scheduler: with each prompt cached, a first token under async scheduling is",
             "  the front end, the rest of the running step, the step already scheduled and its own, e.g. Llama-2-70B at 5/s",
             "  10.8 + 8.7 + 2 x 17.3 = 54 ms at the file's own per-token time (17.3 ms = TPOT x 497 / 246) against 51.2 measured,",
             "  and the replay's 65.4 at its 21.4 ms step; the 16 rows below 20/s: TTFT +22..+73 % beside TPOT +20..+76 %, row by row",
             "  alike: `perf` prices these dense decode steps 1.2-1.8x the measured (Llama-2-7B at batch 83, ctx 700:",
             "  24.7 ms, 5.5 of it the fitted per-step overhead, against a measured 16.6 ms step with its prefills), and at 20/s",
             "  that tips two stages into a queue. The seen TTFT (50 %, -35 %) is mostly DeepSeek-R1 (62 of 152 rows, -53..-78 %:",
             "  even at C=4 dstack's 3,200-token prefill replays in 479 ms against 975 on 8 x H200 with vLLM 0.7.4, 374 against",
             "  1,289 on MI300X): prefill pricing of those builds (issue 21's step model), not a scheduler rule.",
             f"- Round 20 (seed {r20['seed']}, `split.yaml` `round20`, committed at ce369a6 before any round-20 run was",
             "  replayed; session 20): two new sources (`runs.yaml` says what each copies, its caveats and what is left out; the",
             "  collection aimed at four and found two usable, its 'not used' block lists the rest). violet-quartz-4090-qwen25-7b",
             "  (violet-quartz/vllm-serving-experiments: eleven `vllm bench serve --save-result` files, Qwen2.5-7B-Instruct bf16 on",
             "  one RTX 4090, vLLM 0.25.1, `--backend openai-chat` over ShareGPT with ignore_eos; closed loops of 8-128 over 400",
             "  prompts and of 64 over 1,200 with prefix caching off, of 1-32 over 200 with it on; TTFT, TPOT, ITL, output tok/s)",
             "  and llmservingsim-4090-llama31-8b (casys-kaist/LLMServingSim's two RTX 4090 validation runs: Llama-3.1-8B bf16,",
             "  vLLM 0.19.0's in-process AsyncLLM, 300 ShareGPT requests at Poisson 10/s, max_num_seqs 256 and 128, both",
             "  saturated; per-request records). **Held out: " + ", ".join(r20["held_out"]) + "**; fit adds",
             "  llmservingsim-4090-llama31-8b; seen now adds " + ", ".join(r19["held_out"]) + ". Nothing in the simulator, the",
             "  step model or `accuracy.py`'s replay changed in round 20 after the split; the model is main's a476bc6 as merged",
             "  at 7c61816 (session 20's changes above included). **First print (2026-12-07), every round-20 held-out row",
             "  replayed once (`benchmarks/serving/round20_first_print.json`, kept as printed; the headline reads it): throughput",
             "  13.3 % (−13.3 %), mean ITL 14.6 % (+14.6 %), median TTFT 43.5 % (+43.5 %), n=11; 0 of 0 saturated (closed loops",
             "  are not judged). Every target missed, ITL by 0.4 points.** Every row's decode is slow: mean ITL +8.7 % to +21.8 %",
             "  (C=1 18.26 ms against 15.82: the card read Qwen2.5-7B's 15.23 GB at about 95 % of its 1,008 GB/s datasheet, where",
             "  the replay's step takes 83 %), and throughput follows it (−7.0 % to −25.6 %). The prefix-caching-off runs: first",
             "  tokens +43.5 % / +28.2 % / +20.4 % at C=8 / 16 / 32 (tens of ms: 76.6 against 53.4 at C=8, the chat front end's",
             "  22.7 ms a request among them), −11 % to −17 % at C=64-128. vllm_bench_serve/run1 (prefix caching on, its levels",
             "  run in order over the same prompts): TTFT +45 % to +87 %, throughput −13 % to −26 %, growing with C (its runs'",
             "  prefix reuse across levels is not replayed, runs.yaml caveat 4). The fit side's new rows (in-sample, replayed once",
             "  with the rest): llmservingsim-4090-llama31-8b throughput −5.3 % / −10.2 %, TPOT +15.6 % / +9.7 %, median TTFT",
             "  +8.6 % / +10.3 % (max_num_seqs 256 / 128), both predicted saturated. Not changed, not tuned (this task changes no",
             "  constant): the RTX 4090 decode step, priced 10-22 % slow on both sources' cards and models, is the next thing to read.",
             f"- Round 21 (seed {r21['seed']}, `split.yaml` `round21`, committed at 5638307 before any round-21 run was",
             "  replayed; session 21): three new sources (`runs.yaml` says what each copies, its caveats and what is left out; its",
             "  round-21 'not used' block lists the rest). tokey-tahmid-a100-40gb-qwen25-7b (tokey-tahmid/llm-inference-bench's",
             "  'Prefill vs decode' tables: Qwen2.5-7B-Instruct bf16 on 1 / 2 / 4 A100-SXM4-40GB, vLLM 0.27.1 and SGLang 0.5.18,",
             "  its own client, closed loops of 1 and 64 over six length pairs 128 -> 512 to 8192 -> 32; 72 rows of median TTFT,",
             "  median TPOT, output tok/s), sreeganeshji-a100-40gb-qwen25-7b (sreeganeshji/inference-performance-lab: the same",
             "  model on one A100-SXM4-40GB, vLLM 0.27.1, `vllm bench serve` random 256 -> 128 and 2048 -> 32 at C=1-32 with",
             "  prefix caching off; two summaries, 18 rows of three-run means) and uv-xiao-a100pcie-sglang-qwen3-06b (uv-xiao/ml-kb:",
             "  Qwen3-0.6B on one A100 80GB PCIe, SGLang 0.5.6.post3, `sglang.bench_serving` random 128 -> 64 at Poisson 5/s; one",
             "  row). **Held out: " + ", ".join(r21["held_out"]) + "**; fit adds tokey-tahmid-a100-40gb-qwen25-7b and",
             "  uv-xiao-a100pcie-sglang-qwen3-06b; seen now adds " + ", ".join(r20["held_out"]) + ". Nothing in the simulator, the",
             "  step model or `accuracy.py`'s replay changed in round 21 after the split; the model is main's c7de921 as merged at",
             "  7b044d6 (session 21's changes above included). **First print (2026-12-08), every round-21 held-out row replayed",
             "  once (`benchmarks/serving/round21_first_print.json`, kept as printed; the headline reads it): throughput 15.2 %",
             "  (−14.0 %), mean ITL 23.7 % (+23.7 %), mean TTFT 13.9 % (−13.5 %), n=18; 0 of 0 saturated (closed loops are not",
             "  judged). TTFT within its target; throughput and ITL missed.** The decode is priced slow again: at C=1 mean ITL",
             "  14.97 ms against 12.19 (the card read Qwen2.5-7B's 15.23 GB at about 80 % of its 1,555 GB/s datasheet, the",
             "  replay's step at 65 %), +22 % to +39 % up to C=32 at 256 -> 128, and throughput follows it (−15.7 % to −26.8 %).",
             "  At 2048 -> 32 the prefill share grows with C and the errors turn: C=16-32 throughput +8 % to +15 %, ITL −6 % to",
             "  −14 %; first tokens are early (−12 % to −44 %) at every level but 256 -> 128 at C=1-2 (+10 % to +24 %). The two",
             "  summaries agree to within a few points (the rmsnorm run is the same server with vLLM's own kernel named). The fit",
             "  side's new rows (in-sample, replayed once",
             "  with the rest): tokey-tahmid-a100-40gb-qwen25-7b 17.6 % (−14.5 %) / TPOT 24.0 % (+23.2 %) / median TTFT 15.5 %",
             "  (−5.3 %) over 72 rows, the same slow decode at C=1 on every engine and TP (TPOT +18 % to +55 %), and vLLM's first",
             "  tokens at C=64 early (−13 % to −79 %); its SGLang TP 2 at C=64 runs slower than its TP 1 (2,472 against 3,411 tok/s",
             "  at 128 -> 512), which the replay does not reproduce (+118 %); uv-xiao-a100pcie-sglang-qwen3-06b −11.5 % / ITL",
             "  +9.3 % / median TTFT −3.5 %. Not changed, not tuned (this task changes no constant): the A100 decode step, priced",
             "  20-30 % slow at C=1 here as the RTX 4090's was in round 20, is the next thing to read.",
             f"- Round 22 (seed {r22['seed']}, `split.yaml` `round22`, committed at 8ad105c before any round-22 run was",
             "  replayed; session 22): one new project, FreedomIntelligence/AccelMark (5797fc4): its verified and community",
             "  results on the cards the catalog holds, Llama-3-8B-Instruct at TP 1, Llama-3-70B-Instruct and Mixtral-8x7B-Instruct",
             "  at TP 8, bf16, ShareGPT-GPT4 prompts (greedy, answers to EOS or 512 tokens), engines in process (vLLM 0.7.3's V0",
             "  engine on ten cards, 0.19.1 on an RTX 5090, 0.20.1 on an A100-80GB; SGLang 0.5.6 on an A100-40GB); per run an",
             "  offline batch (100 prompts at once), Poisson rates (5 / 25 / 100 per second; 2-25 for Llama-3-70B, 2-40 for",
             "  Mixtral) and one request at a time: 20 runs, 104 levels, split into eleven sources by card (one harness, and one",
             "  submitter for ten of them: not independent publishers; `runs.yaml` says what each copies, the lengths and",
             "  throughputs it derives, and what is left out). **Held out: " + ", ".join(r22["held_out"]) + "** (42",
             "  levels: Llama-3-8B on each, Llama-3-70B and Mixtral-8x7B on 8 x RTX 4090 and 8 x RTX A6000); fit adds the other",
             "  seven; seen now adds " + ", ".join(r21["held_out"]) + ". After the split and before the print one change to the",
             "  AccelMark rows' replay, from the source's settings and seen on one fit-side row (d2f40a7): their 512-token answer",
             "  cap (`max_output_tokens`, `with_output_cap`). The model is main's bde9e76 as merged at 9582499 (session 22's",
             "  changes above included). **First print (2026-12-08), every round-22 held-out row replayed once",
             "  (`benchmarks/serving/round22_first_print.json`, kept as printed; the headline reads it): throughput 22.1 %",
             "  (−7.4 %, n=42), median TPOT 36.7 % (+15.1 %, n=34), median TTFT 132 % (+132 %, n=34); 22 of 24 saturated levels",
             "  predicted saturated, 5 more predicted saturated. Every target missed.** By model: Llama-3-8B at TP 1 (20 rows)",
             "  11.3 % (+7.8 %) / 22.6 % (−15.9 %) / 44.5 % (−32.6 %): one request at a time is close (TPOT −8 % to +15 %), but",
             "  under Poisson load vLLM 0.7.3's V0 engine ran slower than its replay (TPOT −15 % to −39 % at 5-100 per second on",
             "  the RTX 3090, 4090 and A6000; the RTX 5090 on V1 the other way, +54 % and +79 % at 25 and 100), and the RTX 3090's",
             "  33,696-token cache queued at 5 per second (TTFT 7.6 s measured, saturated; the replay kept up, −96 %). At TP 8 on",
             "  PCIe cards the replay is far too slow under load: Llama-3-70B 61.3 % (−61.3 %) / 187 % (+187 %) / 652 % (+652 %),",
             "  Mixtral-8x7B 46.0 % (−46.0 %) / 115 % (+115 %) / 315 % (+315 %), where one request at a time is near (TPOT −16 % to",
             "  +15 %; TTFT +66 % to +348 %): the prefill, and with V0's prefill-first steps the decodes behind it, is priced",
             "  slow at TP 8 over PCIe; the offline batches there −52 % to −75 %. The fit side's new rows (in-sample, replayed",
             "  once with the rest): 62 rows 11.1 % (+6.1 %) / 24.9 % (−17.8 %) / 52.1 % (−43.8 %), the H200's Poisson rows",
             "  measured slower than the H100's (TPOT 56.9 against 24.5 ms at 25 per second) and replayed far faster. Not changed,",
             "  not tuned (this task changes no constant): TP 8 over PCIe (its all-reduce and prefill) and vLLM V0 under load are",
             "  the things to read.",
             "",
             "## Headline", "",
             "| half | runs | output tok/s: median \\|error\\| (signed) | ITL | TTFT | saturated runs predicted saturated |",
             "|---|---|---|---|---|---|",
             "| **held-out (round 6), as first printed (2a291d2)** | 27 | 84% (-65%, n=27) | 97% (+97%, n=27) | 458% (+458%, n=27) | 0 of 0 |",
             "| held-out (round 6): vLLM, as first printed | 18 | 89% (+38%, n=18) | 51% (-22%, n=18) | 110% (+25%, n=18) | 0 of 0 |",
             "| held-out (round 6): SGLang, as first printed | 9 | 76% (-76%, n=9) | 220% (+220%, n=9) | 1481% (+1481%, n=9) | 0 of 0 |",
             "| **held-out (round 7, seed 2026120707), as first printed (bd5490d = e0c4fc2, 2026-12-06)** | 7 | 17% (-14%, n=7) | 21% (+20%, n=7) | 60% (-60%, n=7) | 0 of 0 |",
             "| held-out (round 7), after session 10's step-model changes (seen), all SGLang | 7 | 15% (-13%, n=7) | 19% (+18%, n=7) | 55% (-55%, n=7) | 0 of 0 |",
             "| **held-out (round 8, seed 2026120808), as first printed (fb64352 = b8de0ca, 2026-12-06)** | 9 (9 refused by kvplan) | - | - | - | 0 of 0 |",
             "| held-out (round 8): vLLM, as first printed | 7 (7 refused by kvplan) | - | - | - | 0 of 0 |",
             "| held-out (round 8): SGLang, as first printed | 2 (2 refused by kvplan) | - | - | - | 0 of 0 |",
             "| held-out (round 8), after session 11's changes (seen; 3db812e) | 9 | 26% (-14%, n=9) | 30% (+30%, n=7) | 96% (-96%, n=2) | 0 of 0 |",
             "| held-out (round 8): vLLM, after session 11's changes (seen; 3db812e) | 7 | 23% (-23%, n=7) | 30% (+30%, n=7) | - | 0 of 0 |",
             "| held-out (round 8): SGLang, after session 11's changes (seen; 3db812e) | 2 | 97% (+97%, n=2) | - | 96% (-96%, n=2) | 0 of 0 |"]

    def headline(name, sub):
        cells = []
        for key in ("out", "itl", "ttft"):
            a, s, n = med(sub, key)
            cells.append("-" if a is None else f"{a:.0%} ({s:+.0%}, n={n})")
        sat = [r for r in sub if r["sat"][0]]
        hit = sum(1 for r in sat if r["sat"][1])
        nref = sum(1 for r in sub if r.get("refused"))
        runs = f"{len(sub)}" + (f" ({nref} refused by kvplan)" if nref else "")
        return f"| {name} | {runs} | {cells[0]} | {cells[1]} | {cells[2]} | {hit} of {len(sat)} |"

    # round 9's first print, as printed (round9_first_print.json), whatever today's replay gives
    lines += [headline("**held-out (round 9, seed 2026120909), as first printed (eb45eef, 2026-12-06)**", first9)]
    lines += [headline(f"held-out (round 9): {lab}, as first printed", [r for r in first9 if pred(r)])
              for lab, pred in (("vLLM", lambda r: r["engine"] == "vllm"), ("SGLang", lambda r: r["engine"] == "sglang"),
                                ("1 × L4", lambda r: r["gpu"] == "l4"),
                                ("1 × A100 40GB", lambda r: r["gpu"] == "a100-sxm-40gb"))]
    seen9 = [r for r in rows if r["source"] in r9["held_out"]]  # round 9's rows, today's replay (seen)
    lines += [headline("round 9's held-out rows after round 9's print (seen): today's replay", seen9)]
    lines += [headline(f"round 9's rows after its print (seen): {lab}, today's replay", [r for r in seen9 if r["engine"] == e])
              for lab, e in (("vLLM", "vllm"), ("SGLang", "sglang"))]
    # round 10's first print, as printed (round10_first_print.json), whatever today's replay gives
    lines += [headline(f"**held-out (round 10, seed {r10['seed']}), as first printed (5d4f4b4, 2026-12-06)**", first10)]
    seen10 = [r for r in rows if r["source"] in r10["held_out"]]  # round 10's rows, today's replay (seen)
    lines += [headline("round 10's held-out rows after round 10's print (seen): today's replay", seen10)]
    # round 11's first print, as printed (round11_first_print.json), whatever today's replay gives
    lines += [headline(f"**held-out (round 11, seed {r11['seed']}), as first printed (ba23519, 2026-12-06)**", first11)]
    lines += [headline(f"held-out (round 11): {lab}, as first printed", [r for r in first11 if r["model"] == m])
              for lab, m in (("Qwen3-4B", "qwen3-4b"), ("Mistral-7B-v0.3 (as mistral-7b)", "mistral-7b"))]
    seen11 = [r for r in rows if r["source"] in r11["held_out"]]  # round 11's rows, today's replay (seen)
    lines += [headline("round 11's held-out rows after round 11's print (seen): today's replay", seen11)]
    lines += [headline(f"round 11's rows after its print (seen): {lab}, today's replay", [r for r in seen11 if r["model"] == m])
              for lab, m in (("Qwen3-4B", "qwen3-4b"), ("Mistral-7B-v0.3 (as mistral-7b-v0.3, session 14)", "mistral-7b-v0.3"))]
    # round 12's first print, as printed (round12_first_print.json), whatever today's replay gives
    lines += [headline(f"**held-out (round 12, seed {r12['seed']}), as first printed (303354d, 2026-12-07)**", first12)]
    lines += [headline(f"held-out (round 12): {lab}, as first printed", [r for r in first12 if pred(r["load"])])
              for lab, pred in (("rates 1-5/s (below capacity)", lambda x: x != "8/s"),
                                ("rate 8/s (the run that queued)", lambda x: x == "8/s"))]
    seen12 = [r for r in rows if r["source"] in r12["held_out"]]  # round 12's rows, today's replay (seen)
    lines += [headline("round 12's held-out rows after round 12's print (seen): today's replay", seen12)]
    # round 13's first print, as printed (round13_first_print.json), whatever today's replay gives
    lines += [headline(f"**held-out (round 13, seed {r13['seed']}), as first printed (a875aa3, 2026-12-07)**", first13)]
    lines += [headline(f"held-out (round 13): {lab}, as first printed", [r for r in first13 if r["tp"] == tp])
              for lab, tp in (("1 × A100 80GB PCIe (TP 1)", 1), ("2 × A100 80GB PCIe (TP 2)", 2))]
    seen13 = [r for r in rows if r["source"] in r13["held_out"]]  # round 13's rows, today's replay (seen)
    lines += [headline("round 13's held-out rows after round 13's print (seen): today's replay", seen13)]
    # round 14's first print, as printed (round14_first_print.json), whatever today's replay gives
    lines += [headline(f"**held-out (round 14, seed {r14['seed']}), as first printed (850efa1, 2026-12-07)**", first14)]
    lines += [headline(f"held-out (round 14): {lab}, as first printed", [r for r in first14 if pred(r["load"])])
              for lab, pred in (("rate 1/s (below capacity)", lambda x: x == "1/s"),
                                ("rates 4-8/s (the runs that queued)", lambda x: x != "1/s"))]
    seen14 = [r for r in rows if r["source"] in r14["held_out"]]  # round 14's rows, today's replay (seen)
    lines += [headline("round 14's held-out rows after round 14's print (seen): today's replay", seen14)]
    # round 15's first print, as printed (round15_first_print.json), whatever today's replay gives
    lines += [headline(f"**held-out (round 15, seed {r15['seed']}), as first printed (55688dd, 2026-12-07)**", first15)]
    seen15 = [r for r in rows if r["source"] in r15["held_out"]]  # round 15's rows, today's replay (seen)
    lines += [headline("round 15's held-out rows after round 15's print (seen): today's replay", seen15)]
    # round 16's first print, as printed (round16_first_print.json), whatever today's replay gives
    lines += [headline(f"**held-out (round 16, seed {r16['seed']}), as first printed (d410c08, 2026-12-07)**", first16)]
    lines += [headline(f"held-out (round 16): {lab}, as first printed", [r for r in first16 if r["model"] == m])
              for lab, m in (("DeepSeek-R1, 8 × B200", "deepseek-r1"), ("Qwen3-Next-80B-A3B, 8 × B200", "qwen3-next-80b-a3b"),
                             ("Nemotron-3-Nano-30B-A3B, 1 × B200", "nemotron-3-nano-30b-a3b"))]
    seen16 = [r for r in rows if r["source"] in r16["held_out"]]  # round 16's rows, today's replay (seen)
    lines += [headline("round 16's held-out rows after round 16's print (seen): today's replay", seen16)]
    # round 17's first print, as printed (round17_first_print.json), whatever today's replay gives
    lines += [headline(f"**held-out (round 17, seed {r17['seed']}), as first printed (c8ce7f4, 2026-12-07)**", first17)]
    lines += [headline(f"held-out (round 17): {lab}, as first printed", [r for r in first17 if r["source"] == src])
              for lab, src in (("Qwen3-Next-80B-A3B on H20, TP 4 / 8, SGLang (PR #10467)", "sglang-pr-10467-qwen3next-h20"),
                               ("DeepSeek-V3.2 on 8 × H20, vLLM (the recipes page)", "vllm-recipes-dsv32-h20"))]
    seen17 = [r for r in rows if r["source"] in r17["held_out"]]  # round 17's rows, today's replay (seen)
    lines += [headline("round 17's held-out rows after round 17's print (seen): today's replay", seen17)]
    # round 18's first print, as printed (round18_first_print.json), whatever today's replay gives
    lines += [headline(f"**held-out (round 18, seed {r18['seed']}), as first printed (4604468, 2026-12-07)**", first18)]
    seen18 = [r for r in rows if r["source"] in r18["held_out"]]  # round 18's rows, today's replay (seen)
    lines += [headline("round 18's held-out rows after round 18's print (seen): today's replay", seen18)]
    # round 19's first print, as printed (round19_first_print.json), whatever today's replay gives
    lines += [headline(f"**held-out (round 19, seed {r19['seed']}), as first printed (61700c0, 2026-12-07)**", first19)]
    lines += [headline(f"held-out (round 19): {lab}, as first printed", [r for r in first19 if r["model"] == m])
              for lab, m in (("Llama-2-7B, 1 × H100", "llama-2-7b"), ("Llama-2-70B, 4 × H100", "llama-2-70b"),
                             ("Mixtral-8x7B, 2 × H100", "mixtral-8x7b"), ("CodeLlama-34B, 2 × H100", "codellama-34b-instruct"))]
    seen19 = [r for r in rows if r["source"] in r19["held_out"]]  # round 19's rows, today's replay (seen)
    lines += [headline("round 19's held-out rows after round 19's print (seen): today's replay (session 20: the prompts and TPOT of its client's build)", seen19)]
    # round 20's first print, as printed (round20_first_print.json), whatever today's replay gives
    lines += [headline(f"**held-out (round 20, seed {r20['seed']}), as first printed (7c61816, 2026-12-07)**", first20)]
    lines += [headline(f"held-out (round 20): {lab}, as first printed", [r for r in first20 if r["file"].startswith(pre)])
              for lab, pre in (("RTX 4090, prefix caching off, C=8-128 over 400 prompts", "concurrency_performance_run1"),
                               ("RTX 4090, prefix caching off, C=64 over 1,200 prompts", "quantized_model_run8"),
                               ("RTX 4090, prefix caching on, C=1-32 over 200 prompts", "vllm_bench_serve_run1"))]
    seen20 = [r for r in rows if r["source"] in r20["held_out"]]  # round 20's rows, today's replay (seen)
    lines += [headline("round 20's held-out rows after round 20's print (seen): today's replay (after session 21's merges)", seen20)]
    # round 21's first print, as printed (round21_first_print.json), whatever today's replay gives
    lines += [headline(f"**held-out (round 21, seed {r21['seed']}), as first printed (7b044d6, 2026-12-08)**", first21)]
    lines += [headline(f"held-out (round 21): {lab}, as first printed", [r for r in first21 if r["file"].startswith(pre)])
              for lab, pre in (("A100-SXM4-40GB, vLLM 0.27.1, C=1-32 over 32 prompts (prefix-cache-off)", "results/data/prefix-cache-off"),
                               ("A100-SXM4-40GB, vLLM 0.27.1, C=1 / 8 / 32 over 64 prompts (rmsnorm/vllm-c)", "results/data/rmsnorm"))]
    seen21 = [r for r in rows if r["source"] in r21["held_out"]]  # round 21's rows, today's replay (seen)
    lines += [headline("round 21's held-out rows after round 21's print (seen): today's replay (after session 22's merges)", seen21)]
    # round 22's first print, as printed (round22_first_print.json), whatever today's replay gives
    lines += [headline(f"**held-out (round 22, seed {r22['seed']}), as first printed (9582499, 2026-12-08)**", first22)]
    lines += [headline(f"held-out (round 22): {lab}, as first printed", [r for r in first22 if pred(r)])
              for lab, pred in (("Llama-3-8B at TP 1 (RTX 3090, RTX 4090, RTX A6000, RTX 5090)", lambda r: r["tp"] == 1),
                                ("Llama-3-70B at TP 8 (8 x RTX 4090, 8 x RTX A6000)", lambda r: r["model"] == "llama-3-70b"),
                                ("Mixtral-8x7B at TP 8 (8 x RTX 4090, 8 x RTX A6000)", lambda r: r["model"] == "mixtral-8x7b"),
                                ("offline batches (100 prompts at once)", lambda r: r["load"] == "inf"),
                                ("Poisson rates", lambda r: r["load"].endswith("/s")),
                                ("one request at a time", lambda r: r["load"] == "C=1"))]
    for h in ("held-out", "fit", "seen", "all"):
        sub = [r for r in rows if h == "all" or r["half"] == h]
        name = {"held-out": "held-out (round 22), today's replay (equal to the first print until the simulator changes)",
                "seen": "seen (round-1 to round-21 held-outs)", "fit": "fit (in-sample)", "all": "all"}[h]
        lines.append(headline(name, sub))
    lines += ["", "Read with care:", ""] + NOTES + [
              "", "## Every run", "",
              "| half | source | model | GPUs | engine | load | prompt / output | output tok/s meas → pred | ITL ms meas → pred | TTFT ms meas → pred | saturated meas / pred |",
              "|---|---|---|---|---|---|---|---|---|---|---|"]

    def mp(pair, stat=""):
        m, p = pair
        if m is None:
            return "-"
        if p is None:
            return f"{m:,.1f} → refused"
        return f"{m:,.1f} → {p:,.1f} ({pct(err(pair))})" + (f" {stat}" if stat else "")

    for r in rows:
        gpus = f"{r['replicas']} × {r['tp']} × {r['gpu']}"
        half = "seen (round 9, after its print)" if r["source"] in r9["held_out"] else r["half"]
        lines.append(f"| {half} | {r['source']} | {r['model']} | {gpus} | {r['engine']} | {r['load']} | "
                     f"{r['lengths']} | {mp(r['out'])} | {mp(r['itl'], r['itl_stat'])} | "
                     f"{mp(r['ttft'], r['ttft_stat'])} | {yn(r['sat'][0])} / {yn(r['sat'][1])} |")
    refs = sorted({(r["source"], r["file"], r["refused"]) for r in rows if r.get("refused")})
    if refs:
        lines += ["", "Runs kvplan refused (a row above reads 'refused'; they count as misses of the saturation",
                  "target and are left out of the medians):", ""]
        lines += [f"- {src}, `{f}`: {why}" for src, f, why in refs]
    lines += ["", "Sources and settings of every file: `benchmarks/serving/runs.yaml`. Llama 3.3 70B is replayed as",
              "kvplan's `llama-3.1-70b` and Qwen2-7B-Instruct as `qwen2.5-7b` (the same config.json geometry);",
              "ShareGPT levels without per-request lengths are replayed with `kvplan/observe/sharegpt.py`'s",
              "measured sample scaled to their means, SGLang's random runs at uniform 1–1024 as its",
              "`sample_random_requests` draws them, other random runs at their mean lengths.", ""]
    (ROOT / "docs" / "serving-accuracy.md").write_text("\n".join(lines))


if __name__ == "__main__":
    sys.exit(main())
