"""Rendering for `kvplan perf`, `compare` and `sweep`: tables, JSON rows, CSV and Markdown."""
from __future__ import annotations

from ..units import both, gb, ints, plural


def ms(seconds: float) -> str:
    """``7.869 ms``, ``123.45 ms``, ``66,124.68 s``; past a million seconds (11.6 days), three
    figures and an exponent (``3.95e+14 s``), so that an absurd input keeps its table within 80
    columns (a 10^12-token prompt's TTFT had 24 digits)."""
    v = seconds * 1e3
    if seconds >= 1e6:
        return f"{seconds:.3g} s"
    return f"{v:,.3f} ms" if v < 10 else f"{v:,.2f} ms" if v < 1000 else f"{seconds:,.2f} s"


def flops(n: int) -> str:
    """``19.20 GFLOP``; past 1,000 EFLOP, three figures and an exponent (``2.62e+32 FLOP``)."""
    if n >= 10**21:
        return f"{n:.3g} FLOP"
    for size, name in ((10**18, "EFLOP"), (10**15, "PFLOP"), (10**12, "TFLOP"), (10**9, "GFLOP"), (10**6, "MFLOP")):
        if n >= size:
            return f"{n / size:,.2f} {name}"
    return f"{n:,} FLOP"


def rate(tok_s: float) -> str:
    return f"{tok_s:,.1f}" if tok_s < 10000 else f"{tok_s:,.0f}"


# ---- perf -----------------------------------------------------------------------------------
def _eff_json(e) -> dict:
    return {"memory": e.memory, "compute": e.compute, "step_overhead_seconds": e.step_overhead_s,
            "memory_source": e.memory_source, "compute_source": e.compute_source,
            "overhead_source": e.overhead_source}


def perf_json(r, explain: bool = False) -> dict:
    d, p = r.decode, r.prefill
    out = {
        "model": r.model, "gpu": r.gpu, "tp": r.tp, "data_parallel_size": r.data_parallel_size,
        "expert_parallel": r.expert_parallel, "ctx": r.ctx, "batch": r.batch,
        "prompt": r.prompt, "kv_dtype": r.kv_dtype, "weight_dtype": r.weight_dtype,
        "compute_format": r.compute_format, "peak_tflops": r.peak_tflops,
        "bandwidth_bytes_per_s": r.bandwidth_bytes_per_s,
        "interconnect_bytes_per_s": r.interconnect_bytes_per_s,
        "efficiency": _eff_json(r.efficiency), "weights_bytes": r.weights_bytes,
        "active_parameters": r.active_parameters,
        "prefill_seconds": p.seconds, "ttft_seconds": r.ttft_seconds,
        "prefill_bound": p.bound,
        "decode_step_seconds": d.seconds, "tokens_per_second": r.tokens_per_second,
        "step_model": "per-operation" if d.ops else "roofline",
        "decode_breakdown": [{"op": n, "seconds": s, "bound": b, "source": src} for n, s, b, src in d.ops],
        "prefill_breakdown": [{"op": n, "seconds": s, "bound": b, "source": src} for n, s, b, src in p.ops],
        "tokens_per_second_per_sequence": 1.0 / d.seconds,
        "bound": d.bound, "decode_bytes": d.bytes, "decode_flops": d.flops,
        "prefill_bytes": p.bytes, "prefill_flops": p.flops,
        "decode": d.as_dict(), "prefill": p.as_dict(),
        "cache_vs_recompute": r.generation.as_dict() if r.generation else None,
        "batch_table": [{"batch": row.batch, "fits": row.fits, "bound": row.step.bound,
                         "decode_step_seconds": row.step.seconds,
                         "tokens_per_second": row.tokens_per_second,
                         "tokens_per_second_per_sequence": 1.0 / row.step.seconds}
                        for row in r.batch_table],
        "max_batch": r.max_batch, "max_batch_engine": r.max_batch_engine,
        "notes": list(r.notes),
    }
    if r.speculative is not None:
        sp = r.speculative
        out["speculative"] = {f: getattr(sp, f) for f in sp.__record_fields__}
    if explain:
        out["explain"] = {ph: _step_explain(r, st) for ph, st in (("decode", d), ("prefill", p))}
    return out


def _step_explain(r, st) -> dict:
    e = r.efficiency
    return {
        "formula": "seconds = max(bytes / (bandwidth × memory efficiency), flops / (peak × compute "
                   "efficiency)) + comm_seconds + overhead_seconds",
        "bytes": {"weights": st.weight_bytes, "kv_read": st.kv_read_bytes, "kv_written": st.kv_write_bytes,
                  "state": st.state_bytes, "total": st.bytes},
        "memory": {"bandwidth_bytes_per_s": r.bandwidth_bytes_per_s, "efficiency": e.memory,
                   "seconds": st.memory_s, "source": e.memory_source},
        "flops": {"matmul": st.matmul_flops, "active_parameters": r.active_parameters,
                  "tokens": st.batch * st.tokens, "attention": st.attention_flops, "total": st.flops},
        "compute": {"format": r.compute_format, "peak_flops_per_s": r.peak_tflops * 1e12,
                    "efficiency": e.compute, "seconds": st.compute_s, "source": e.compute_source},
        "comm": {"bytes": st.comm_bytes, "seconds": st.comm_s,
                 "interconnect_bytes_per_s": r.interconnect_bytes_per_s},
        "overhead": {"seconds": st.overhead_s, "source": e.overhead_source},
        "seconds": st.seconds, "bound": st.bound}


def perf_table(r, spec, explain: bool = False) -> list:
    from .sheet import Col, Sheet

    e = r.efficiency
    par = f"tp {r.tp} × " if r.tp > 1 else ""
    if r.data_parallel_size > 1:
        par += f"dp {r.data_parallel_size}" + (f" (EP {r.expert_parallel})" if r.expert_parallel > 1 else "") + " × "
    head = [f"{r.model}: {spec.display_name} on {par}{r.gpu} · ctx {ints(r.ctx)} · batch {ints(r.batch)}",
            f"weights {r.weight_dtype} · KV {r.kv_dtype} · matmuls in {r.compute_format}: "
            f"{r.peak_tflops:g} TFLOP/s dense × {e.compute:.3f} · memory "
            f"{r.bandwidth_bytes_per_s / 1e12:g} TB/s × {e.memory:.2f} · overhead {ms(e.step_overhead_s)}/step"]
    d, p = r.decode, r.prefill
    if d.ops:  # the per-operation model: its efficiencies are per op (--explain), not these three
        head[1] = (f"weights {r.weight_dtype} · KV {r.kv_dtype} · matmuls in {r.compute_format} · "
                   "per-operation model (kvplan/plan/latency)")

    def row(key, label, dv, pv, f, short=None):
        return {"quantity": key, "label": label, "short": short or label, "decode": dv, "prefill": pv,
                "_text": {"decode": "-" if dv in (0, None) and f is not str else f(dv),
                          "prefill": "-" if pv in (0, None) and f is not str else f(pv)}}

    rows = [row("weight_bytes", "weights read", d.weight_bytes, p.weight_bytes, gb, "weights"),
            row("kv_read_bytes", "KV read", d.kv_read_bytes, None, gb),
            row("kv_write_bytes", "KV written", d.kv_write_bytes, p.kv_write_bytes, gb),
            row("state_bytes", "state read+written", d.state_bytes, p.state_bytes, gb, "state r+w"),
            row("bytes", "bytes", d.bytes, p.bytes, ints),
            row("flops", "FLOPs (matmul + attention)", d.flops, p.flops, flops, "FLOPs"),
            row("memory_seconds", "memory time", d.memory_s, p.memory_s, ms),
            row("compute_seconds", "compute time", d.compute_s, p.compute_s, ms)]
    if r.tp > 1 or r.expert_parallel > 1:
        what = "all-reduce" if r.expert_parallel == 1 else ("all-to-all" if r.tp == 1 else "all-reduce + all-to-all")
        rows.append(row("comm_seconds", f"{what} time", d.comm_s, p.comm_s, ms, what))
    rows += [row("overhead_seconds", "overhead", d.overhead_s, p.overhead_s, ms),
             row("seconds", "time", d.seconds, p.seconds, ms),
             row("bound", "bound", d.bound, p.bound, str)]
    for x in rows[-3:-1]:
        x["_text"] = {"decode": ms(x["decode"]), "prefill": ms(x["prefill"])}
    cols = [Col("label", "per GPU", left=True, narrow_key="short"),
            Col("decode", f"decode step (ctx {ints(r.ctx)})", narrow_header="decode"),
            Col("prefill", f"prefill ({ints(r.prompt)} tokens)", narrow_header="prefill")]
    lines = [f"decode: {ms(d.seconds)} per step, {rate(1 / d.seconds)} tokens/s per sequence, "
             f"{rate(r.tokens_per_second)} tokens/s in all ({d.bound}-bound)",
             f"prefill: TTFT {ms(p.seconds)} for {ints(r.prompt)} tokens × {ints(r.batch)} "
             f"({p.bound}-bound)"]
    sp = r.speculative
    if sp is not None:
        lines += [f"speculative ({sp.method}, k {sp.num_speculative_tokens}, acceptance {sp.acceptance:g}): "
                  f"{sp.tokens_per_step:.2f} tokens per round of {ms(sp.round_seconds)}",
                  f"  (drafts {ms(sp.draft_seconds)} + verify {ms(sp.verify_seconds)}): "
                  f"{rate(sp.tokens_per_second_per_sequence)} tokens/s per sequence, {sp.speedup:.2f}× plain"]
    lines += [f"note: {n}" for n in r.notes]
    parts = [Sheet(cols, rows, head, lines, ["quantity", "decode", "prefill"])]
    if r.batch_table:
        parts.append(batch_table(r))
    if r.generation:
        parts.append(cache_table(r.generation))
    if explain and d.ops:
        parts.append(ops_explain(r))
    elif explain:
        parts.append(perf_explain(r))
    return parts


def ops_explain(r):
    """Each operation of the decode step and the prefill, its time, and the source of its efficiency."""
    from .sheet import Col, Sheet

    rows, sources = [], {}  # each source once, as a numbered note under the table (they run to 200
    for phase, step in (("decode", r.decode), ("prefill", r.prefill)):  # characters: no column fits them)
        for name, sec, bound, src in step.ops:
            n = sources.setdefault(src or "-", len(sources) + 1)
            rows.append({"phase": phase, "op": name, "seconds": sec, "bound": bound, "source": src or "-",
                         "ref": n, "_text": {"seconds": ms(sec), "ref": f"[{n}]"}})
    cols = [Col("phase", "phase", left=True), Col("op", "operation", left=True), Col("seconds", "time"),
            Col("bound", "bound", left=True, drop=1), Col("ref", "from", left=True)]
    notes = [f"[{n}] {src}" for src, n in sources.items()]
    return Sheet(cols, rows, ["per operation (kvplan perf --explain); from: the source of its efficiency"], notes,
                 ["phase", "op", "seconds", "source"])


def cache_table(g):
    from .sheet import Col, Sheet

    head = [f"{ints(g.new_tokens)} tokens generated after a prompt of {ints(g.prompt)} "
            f"(batch {ints(g.batch)}): with the KV cache, or recomputing the whole prefix each step"]
    if g.every > 1:
        head.append(f"estimated: runs of {ints(g.every)} steps, each priced by its middle step")
    rows = [{"way": "with cache", "flops": g.cached_flops, "bytes": g.cached_bytes, "seconds": g.cached_seconds},
            {"way": "recompute", "flops": g.recompute_flops, "bytes": g.recompute_bytes,
             "seconds": g.recompute_seconds},
            {"way": "ratio", "flops": g.flops_ratio, "bytes": g.recompute_bytes / g.cached_bytes,
             "seconds": g.time_ratio,
             "_text": {"flops": f"{g.flops_ratio:,.1f}×", "bytes": f"{g.recompute_bytes / g.cached_bytes:,.2f}×",
                       "seconds": f"{g.time_ratio:,.1f}×"}}]
    cols = [Col("way", "", left=True), Col("flops", "FLOPs", flops), Col("bytes", "bytes", gb),
            Col("seconds", "time", ms)]
    return Sheet(cols, rows, head)


def batch_table(r):
    from .sheet import Col, Sheet

    head = [f"decode at ctx {ints(r.ctx)} by batch ({r.max_batch_engine}'s memory plan fits "
            f"{plural(r.max_batch or 0, 'sequence')})"]
    rows, turned = [], False
    for row in r.batch_table:
        mark = []
        if row.step.bound == "compute" and not turned:
            mark.append("← compute-bound from here")
            turned = True
        if not row.fits:
            mark.append("✗ out of memory")
        rows.append({"batch": row.batch, "decode_step_seconds": row.step.seconds,
                     "tokens_per_second_per_sequence": 1 / row.step.seconds,
                     "tokens_per_second": row.tokens_per_second, "bound": row.step.bound,
                     "fits": row.fits, "mark": " ".join(mark) or None})
    cols = [Col("batch", "batch", ints), Col("decode_step_seconds", "step", ms),
            Col("tokens_per_second_per_sequence", "tok/s/seq", rate, drop=1),
            Col("tokens_per_second", "tok/s", rate), Col("bound", "bound", left=True),
            Col("mark", "status", left=True)]
    for x in rows:
        x["_text"] = {"mark": x["mark"] or ""}
    return Sheet(cols, rows, head)


def perf_explain(r) -> str:
    d, p, e = r.decode, r.prefill, r.efficiency
    bw = r.bandwidth_bytes_per_s
    peak = r.peak_tflops * 1e12
    out = [
        "decode step = max(bytes / (bandwidth × memory efficiency), FLOPs / (peak × compute "
        "efficiency)) + all-reduce + overhead",
        f"  bytes = weights {ints(d.weight_bytes)} + KV read {ints(d.kv_read_bytes)} + KV written "
        f"{ints(d.kv_write_bytes)} + state {ints(d.state_bytes)} = {ints(d.bytes)}",
        f"  memory: {ints(d.bytes)} / ({bw:,} × {e.memory}) = {ms(d.memory_s)}   [{e.memory_source}]",
        f"  FLOPs = 2 × {ints(r.active_parameters)} active parameters × {ints(d.batch)} + attention "
        f"{ints(d.attention_flops)} = {ints(d.flops)}",
        f"  compute: {ints(d.flops)} / ({peak:,.0f} × {e.compute}) = {ms(d.compute_s)}   [{e.compute_source}]",
    ]
    if r.tp > 1:
        out.append(f"  all-reduce: {ints(d.comm_bytes)} bytes sent per GPU / "
                   f"({r.interconnect_bytes_per_s:,} / 2) = {ms(d.comm_s)}")
    out += [f"  overhead {ms(e.step_overhead_s)}   [{e.overhead_source}]",
            f"  = {ms(d.seconds)} ({d.bound}-bound)",
            f"prefill: FLOPs = 2 × {ints(r.active_parameters)} × {ints(p.batch)} × {ints(p.tokens)} + "
            f"attention over the causal triangle {ints(p.attention_flops)} = {ints(p.flops)}; "
            f"compute {ms(p.compute_s)}, memory {ms(p.memory_s)} → {ms(p.seconds)}"]
    return "\n".join(out)


# ---- rows: compare and sweep ----------------------------------------------------------------
def compare_sheet(rows: list[dict], ctx: int, batch: int, variants: bool, gpu):
    from .sheet import Col, Sheet

    one_model = len({r["model"] for r in rows}) == 1
    cols = [Col("model", "model", left=True, drop=9 if one_model else 0), Col("variant", "variant", left=True),
            Col("kv_dtype", "KV", left=True, drop=4), Col("kv_bytes_per_token", "bytes/token", ints, drop=3),
            Col("kv_cache_bytes", f"KV at {ints(ctx)} × {ints(batch)}", gb)]
    if any(r["state_bytes"] for r in rows):
        cols.append(Col("state_bytes", "state", gb, drop=5))
    if variants:
        # a variant that needs more cache than the original is a cost, not a negative saving
        cols.append(Col("saving", "saving", lambda v: f"{100 * v:.1f} %" if v >= 0 else f"adds {-100 * v:.1f} %"))
    cols.append(Col("weights_bytes", "weights", gb, drop=2))
    if gpu is not None:
        cols += [Col("max_batch", "max batch", ints, narrow_header="max"),
                 Col("decode_tokens_per_second", f"tok/s at {batch}", rate, drop=1),
                 Col("max_batch_tokens_per_second", "tok/s at max", rate)]
    for r in rows:
        r["_text"] = {"variant": r["variant"] or "original"}
    title = (f"{rows[0]['model']} · " if one_model else "") + \
        f"ctx {ints(ctx)} · batch {ints(batch)} · layout {rows[0]['engine']}" + (f" · {gpu.name}" if gpu else "")
    footer = []
    if gpu is not None:
        fe = next((r["fit_engine"] for r in rows if r.get("fit_engine")), None)
        if fe and fe != rows[0]["engine"]:
            title += f" · max batch: {fe}'s plan"
        for r in rows:
            if r.get("max_batch_reason"):
                footer.append(f"max batch of {r['model']} {r['variant'] or 'original'}: {r['max_batch_reason']}")
            if r.get("fit_verdict") == "at_risk":  # plan/verdict.py: inside the estimates' error
                r["_text"]["max_batch"] = f"{ints(r['max_batch'])}*"
                footer.append(f"* {r['model']} {r['variant'] or 'original'}: at risk (kvplan fit --explain "
                              f"says why); {r['max_batch_low']:,} with every estimated part at its error")
    keys = list(dict.fromkeys(k for r in rows for k in r if not k.startswith("_")))
    return Sheet(cols, rows, [title], footer, csv_keys=keys)


def sweep_sheet(res: dict, spec, gpu):
    from .sheet import Col, Sheet

    cols = [Col("ctx", "ctx", ints), Col("batch", "batch", ints), Col("kv_dtype", "KV", left=True, drop=2),
            Col("kv_cache_bytes", "KV cache", gb)]
    if gpu is not None:
        from ..plan.verdict import WORDS  # fit's words for the same answer (fits / at risk / does NOT fit)

        cols += [Col("verdict", "verdict", lambda v: WORDS[v], left=True),
                 Col("decode_step_seconds", "step", ms, drop=1),
                 Col("tokens_per_second", "tok/s", rate), Col("bound", "bound", left=True, drop=3)]
    title = f"{spec.name} · layout {res['engine']}"
    if gpu is not None:
        tp = res.get("tp", 1)  # the budget over all GPUs, as the KV cache column counts; fit says it per GPU
        title += f" · {gpu.name}, KV budget ({res['fit_engine']}{f', over {tp} GPUs' if tp > 1 else ''}): " + ", ".join(
            f"{k} {both(v)}" for k, v in res["kv_budget_bytes"].items())
    return Sheet(cols, res["rows"], [title])
