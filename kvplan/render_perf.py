"""Rendering for `kvplan perf`, `compare` and `sweep`: tables, JSON rows, CSV and Markdown."""
from __future__ import annotations

import csv
import io

from .render import both, gb, ints


def ms(seconds: float) -> str:
    v = seconds * 1e3
    return f"{v:,.3f} ms" if v < 10 else f"{v:,.2f} ms" if v < 1000 else f"{seconds:,.2f} s"


def flops(n: int) -> str:
    for size, name in ((10**15, "PFLOP"), (10**12, "TFLOP"), (10**9, "GFLOP"), (10**6, "MFLOP")):
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


def perf_json(r) -> dict:
    d, p = r.decode, r.prefill
    out = {
        "model": r.model, "gpu": r.gpu, "tp": r.tp, "ctx": r.ctx, "batch": r.batch,
        "prompt": r.prompt, "kv_dtype": r.kv_dtype, "weight_dtype": r.weight_dtype,
        "compute_format": r.compute_format, "peak_tflops": r.peak_tflops,
        "bandwidth_bytes_per_s": r.bandwidth_bytes_per_s,
        "interconnect_bytes_per_s": r.interconnect_bytes_per_s,
        "efficiency": _eff_json(r.efficiency), "weights_bytes": r.weights_bytes,
        "active_parameters": r.active_parameters,
        "prefill_seconds": p.seconds, "ttft_seconds": r.ttft_seconds,
        "prefill_bound": p.bound,
        "decode_step_seconds": d.seconds, "tokens_per_second": r.tokens_per_second,
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
    return out


def perf_table(r, spec, explain: bool = False):
    from rich.console import Group
    from rich.table import Table
    from rich.text import Text

    e = r.efficiency
    par = f"tp {r.tp} × " if r.tp > 1 else ""
    head = [f"{r.model}: {spec.display_name} on {par}{r.gpu} · ctx {ints(r.ctx)} · batch {ints(r.batch)}",
            f"weights {r.weight_dtype} · KV {r.kv_dtype} · matmuls in {r.compute_format}: "
            f"{r.peak_tflops:g} TFLOP/s dense × {e.compute:.3f} · memory "
            f"{r.bandwidth_bytes_per_s / 1e12:g} TB/s × {e.memory:.2f} · overhead {ms(e.step_overhead_s)}/step"]
    t = Table(title=None, show_edge=False)
    t.add_column("per GPU", justify="left")
    t.add_column(f"decode step (ctx {ints(r.ctx)})", justify="right")
    t.add_column(f"prefill ({ints(r.prompt)} tokens)", justify="right")
    d, p = r.decode, r.prefill
    rows = [("weights read", gb(d.weight_bytes), gb(p.weight_bytes)),
            ("KV read", gb(d.kv_read_bytes) if d.kv_read_bytes else "-", "-"),
            ("KV written", gb(d.kv_write_bytes) if d.kv_write_bytes else "-",
             gb(p.kv_write_bytes) if p.kv_write_bytes else "-"),
            ("state read+written", gb(d.state_bytes) if d.state_bytes else "-",
             gb(p.state_bytes) if p.state_bytes else "-"),
            ("bytes", ints(d.bytes), ints(p.bytes)),
            ("FLOPs (matmul + attention)", flops(d.flops), flops(p.flops)),
            ("memory time", ms(d.memory_s), ms(p.memory_s)),
            ("compute time", ms(d.compute_s), ms(p.compute_s))]
    if r.tp > 1:
        rows.append(("all-reduce time", ms(d.comm_s), ms(p.comm_s)))
    rows += [("overhead", ms(d.overhead_s), ms(p.overhead_s)),
             ("time", ms(d.seconds), ms(p.seconds)),
             ("bound", d.bound, p.bound)]
    for row in rows:
        t.add_row(*row)
    lines = [f"decode: {ms(d.seconds)} per step, {rate(1 / d.seconds)} tokens/s per sequence, "
             f"{rate(r.tokens_per_second)} tokens/s in all ({d.bound}-bound)",
             f"prefill: TTFT {ms(p.seconds)} for {ints(r.prompt)} tokens × {ints(r.batch)} "
             f"({p.bound}-bound)"]
    lines += [f"note: {n}" for n in r.notes]
    parts = [Text("\n".join(head)), t, Text("\n".join(lines))]
    if r.generation:
        parts.append(cache_table(r.generation))
    if r.batch_table:
        parts.append(batch_table(r))
    if explain:
        parts.append(Text(perf_explain(r)))
    return Group(*parts)


def cache_table(g):
    from rich.console import Group
    from rich.table import Table
    from rich.text import Text

    head = Text(f"{ints(g.new_tokens)} tokens generated after a prompt of {ints(g.prompt)} "
                f"(batch {ints(g.batch)}): with the KV cache, or recomputing the whole prefix each step")
    t = Table(show_edge=False)
    for col, just in (("", "left"), ("FLOPs", "right"), ("bytes", "right"), ("time", "right")):
        t.add_column(col, justify=just)
    t.add_row("with cache", flops(g.cached_flops), gb(g.cached_bytes), ms(g.cached_seconds))
    t.add_row("recompute", flops(g.recompute_flops), gb(g.recompute_bytes), ms(g.recompute_seconds))
    t.add_row("ratio", f"{g.flops_ratio:,.1f}×", f"{g.recompute_bytes / g.cached_bytes:,.2f}×",
              f"{g.time_ratio:,.1f}×")
    return Group(head, t)


def batch_table(r):
    from rich.console import Group
    from rich.table import Table
    from rich.text import Text

    head = Text(f"decode at ctx {ints(r.ctx)} by batch ({r.max_batch_engine}'s memory plan fits "
                f"{ints(r.max_batch or 0)} sequences)")
    t = Table(show_edge=False)
    for col, just in (("batch", "right"), ("step", "right"), ("tok/s/seq", "right"),
                      ("tok/s", "right"), ("bound", "left"), ("", "left")):
        t.add_column(col, justify=just)
    turned = False
    for row in r.batch_table:
        mark = []
        if row.step.bound == "compute" and not turned:
            mark.append("← compute-bound from here")
            turned = True
        if not row.fits:
            mark.append("✗ out of memory")
        t.add_row(ints(row.batch), ms(row.step.seconds), rate(1 / row.step.seconds),
                  rate(row.tokens_per_second), row.step.bound, " ".join(mark))
    return Group(head, t)


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
def rows_out(rows: list[dict], columns: list[tuple[str, str, object]], fmt: str, title: str = ""):
    """Render a list of row dicts: ``columns`` is (key, header, formatter for tables).
    json: the rows themselves; csv / md: raw values; table: a rich Table."""
    if fmt == "json":
        from .render import dumps

        return dumps(rows)
    if fmt == "csv":
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow([k for k, _, _ in columns])
        for r in rows:
            w.writerow(["" if r.get(k) is None else r.get(k) for k, _, _ in columns])
        return buf.getvalue().rstrip("\n")
    if fmt == "md":
        head = "| " + " | ".join(h for _, h, _ in columns) + " |"
        sep = "|" + "|".join("---" if i == 0 else "---:" for i in range(len(columns))) + "|"
        body = ["| " + " | ".join(_cell(r.get(k), f) for k, _, f in columns) + " |" for r in rows]
        return "\n".join(([f"**{title}**", ""] if title else []) + [head, sep] + body)
    from rich.console import Group
    from rich.table import Table
    from rich.text import Text

    t = Table(show_edge=False)
    for i, (_, h, _) in enumerate(columns):
        t.add_column(h, justify="left" if i == 0 else "right")
    for r in rows:
        t.add_row(*[_cell(r.get(k), f) for k, _, f in columns])
    return Group(Text(title), t) if title else t


def _cell(v, f) -> str:
    if v is None:
        return "-"
    return f(v) if f else str(v)


def pct(v: float) -> str:
    return f"{100 * v:+.1f} %"


def bytes_cell(n: int) -> str:
    return both(n)
