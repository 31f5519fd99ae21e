"""Rendering: rich tables, JSON and the --explain text. The only place that formats units.

GB = 10**9 bytes and GiB = 2**30 bytes; both are always labelled.
"""
from __future__ import annotations

import json

from . import dtypes
from .memory import SizeReport
from .spec import GpuSpec, ModelSpec, compress_pattern

_DEC = [(10**12, "TB"), (10**9, "GB"), (10**6, "MB"), (10**3, "kB")]
_BIN = [(2**40, "TiB"), (2**30, "GiB"), (2**20, "MiB"), (2**10, "KiB")]


def _unit(n: int, table, digits: int) -> str:
    for size, name in table:
        if n >= size:
            text = f"{n / size:.{digits}f}"
            if "." in text and table is _BIN:
                text = text.rstrip("0").rstrip(".")
            return f"{text} {name}"
    return f"{n} B"


def gb(n: int) -> str:
    return _unit(n, _DEC, 2)


def gib(n: int) -> str:
    return _unit(n, _BIN, 3)


def both(n: int) -> str:
    """``3.36 GB (3.125 GiB)``."""
    return f"{gb(n)} ({gib(n)})"


def ints(n: int) -> str:
    return f"{n:,}"


def size_json(r: SizeReport) -> dict:
    return {
        "model": r.model, "ctx": r.ctx, "batch": r.batch, "kv_dtype": r.kv_dtype, "engine": r.engine,
        "kv_cache_bytes": r.kv_cache_bytes, "state_bytes": r.state_bytes, "total_bytes": r.total_bytes,
        "bytes_per_token": r.bytes_per_token, "next_token_bytes": r.next_token_bytes,
        "parameters": r.parameters, "encoder_parameters": r.encoder_parameters,
        "weight_dtype": r.weight_dtype, "weights_bytes": r.weights_bytes,
        "layers": [{"layer_type": g.layer_type, "kind": g.kind, "label": g.label, "count": g.count,
                    "geometry": g.geometry, "tokens": g.tokens, "bytes_per_token": g.bytes_per_token,
                    "kv_bytes": g.kv_bytes, "state_bytes": g.state_bytes, "bytes": g.kv_bytes + g.state_bytes}
                   for g in r.groups],
        "warnings": list(r.warnings),
    }


def dumps(obj) -> str:
    return json.dumps(obj, indent=2, allow_nan=False)


def size_table(r: SizeReport, spec: ModelSpec):
    from rich.console import Group
    from rich.table import Table
    from rich.text import Text

    title = (f"{r.model}: {spec.display_name} · ctx {ints(r.ctx)} · batch {ints(r.batch)} · "
             f"KV {r.kv_dtype} · layout {r.engine}")
    t = Table(title=title, title_justify="left")
    for col, just in (("layers", "right"), ("kind", "left"), ("KV heads×dim", "left"),
                      ("tokens held", "right"), ("bytes/token", "right"), ("state/seq", "right"),
                      ("bytes", "right"), ("GB (GiB)", "right")):
        t.add_column(col, justify=just, no_wrap=True)
    for g in r.groups:
        total = g.kv_bytes + g.state_bytes
        t.add_row(f"{g.count} {g.layer_type}", g.label, g.geometry, ints(g.tokens) if g.tokens else "-",
                  ints(g.bytes_per_token) if g.bytes_per_token else "-",
                  ints(g.state_bytes // r.batch) if g.state_bytes else "-",
                  ints(total), both(total) if total else "-")
    lines = [
        f"KV cache: {ints(r.kv_cache_bytes)} bytes = {both(r.kv_cache_bytes)}",
    ]
    if r.state_bytes:
        lines.append(f"recurrent state: {ints(r.state_bytes)} bytes = {both(r.state_bytes)}")
        lines.append(f"total: {ints(r.total_bytes)} bytes = {both(r.total_bytes)}")
    lines.append(f"per token and sequence: {ints(r.bytes_per_token)} bytes in all K/V layers; "
                 f"the next token adds {ints(r.next_token_bytes)}")
    enc = f" + {ints(r.encoder_parameters)} in encoder towers" if r.encoder_parameters else ""
    lines.append(f"weights: {ints(r.parameters)} parameters{enc} × {r.weight_dtype} = "
                 f"{ints(r.weights_bytes)} bytes = {both(r.weights_bytes)}")
    return Group(t, Text("\n".join(lines)))


def explain(r: SizeReport, spec: ModelSpec) -> str:
    fmt = dtypes.get(r.kv_dtype)
    unit = (f"{fmt.name}: ceil(n / {fmt.group}) × {fmt.group_bytes} bytes for a row of n values"
            if fmt.grouped else f"{fmt.name}: {fmt.bits} bits per value")
    out = ["KV bytes = Σ over layer types: layers × batch × tokens held × Σ over cached tensors "
           "(rows per token × bytes per row)", f"  element format {unit}"]
    for g in r.groups:
        held = g.held
        if held.rows:
            parts = " + ".join(f"{rows} × {fmt.row_bytes(n)}" for rows, n in held.rows)
            main = g.count * r.batch * g.tokens * sum(rows * fmt.row_bytes(n) for rows, n in held.rows)
            out.append(f"  {g.layer_type}: {g.count} × {r.batch} × {ints(g.tokens)} × ({parts}) "
                       f"= {ints(main)}")
        for sd in held.sides:
            sf = dtypes.get(sd.format) if sd.format else fmt
            per = f"one per {sd.stride} tokens" if sd.stride > 1 else "one per token"
            out.append(f"  {g.layer_type} {sd.name} ({per}, {sf.name}): {g.count} × {r.batch} × "
                       f"{ints(sd.entries)} × ({sd.rows} × {sf.row_bytes(sd.values)}) = "
                       f"{ints(g.count * r.batch * sd.entries * sd.rows * sf.row_bytes(sd.values))}")
        for st in held.state:
            sf = dtypes.get(st.dtype)
            out.append(f"  {g.layer_type} {st.name} state: {g.count} × {r.batch} × {ints(st.elements)} "
                       f"values × {st.dtype} = {ints(g.count * r.batch * sf.row_bytes(st.elements))}")
    out.append(f"  total = {ints(r.total_bytes)} bytes = {both(r.total_bytes)}")
    return "\n".join(out)


def models_json(specs: list[ModelSpec]) -> list[dict]:
    return [{"name": s.name, "display_name": s.display_name, "family": s.family, "layers": s.num_layers,
             "kinds": sorted({lt.mixer.kind for lt in s.layer_types.values()}), "dtype": s.dtype,
             "parameters": s.parameters(), "max_context": s.max_context, "source": s.source}
            for s in specs]


def models_table(specs: list[ModelSpec]):
    from rich.table import Table

    t = Table(title=f"{len(specs)} models")
    for col in ("name", "model", "layers", "kinds", "params", "dtype", "max ctx"):
        t.add_column(col, justify="right" if col in ("layers", "params", "max ctx") else "left")
    for d in models_json(specs):
        t.add_row(d["name"], d["display_name"], str(d["layers"]), ", ".join(d["kinds"]),
                  f"{d['parameters'] / 1e9:.2f} B", d["dtype"], ints(d["max_context"] or 0))
    return t


def show_json(s: ModelSpec) -> dict:
    return {**s.model_dump(mode="json", exclude_none=True), "layers": s.layers,
            "num_layers": s.num_layers, "parameters": s.parameters(),
            "active_parameters": s.active_parameters()}


def show_table(s: ModelSpec):
    from rich.console import Group
    from rich.table import Table
    from rich.text import Text

    head = [f"{s.name}: {s.display_name}", f"source: {s.source}",
            f"{s.num_layers} layers: {compress_pattern(s.layers)}",
            f"hidden {s.hidden_size}, vocab {ints(s.vocab_size)}, dtype {s.dtype}"
            + (f" ({s.dtype_note})" if s.dtype_note else "")
            + f", max context {ints(s.max_context or 0)}",
            f"parameters: {ints(s.parameters())} (active per token: {ints(s.active_parameters())})"]
    if s.notes:
        head.append(f"notes: {s.notes}")
    t = Table()
    for col in ("layer type", "layers", "kind", "heads", "KV heads×dim", "stores (one sequence)", "MLP"):
        t.add_column(col)
    for name, count in s.counts().items():
        lt = s.layer_types[name]
        m = lt.mixer
        mlp = "-" if lt.mlp is None else (f"dense {lt.mlp.intermediate_size}" if lt.mlp.kind == "dense"
                                           else f"moe {lt.mlp.num_experts}×{lt.mlp.intermediate_size}, "
                                                f"top {lt.mlp.experts_per_token}")
        t.add_row(name, str(count), m.label(), str(getattr(m, "num_heads", "-")), m.geometry(),
                  stores(m, s.dtype), mlp)
    return Group(Text("\n".join(head)), t)


def stores(mixer, model_dtype: str) -> str:
    """What one layer of this kind keeps for one sequence, in words (the ideal layout): its
    per-token rows and over which tokens, its side caches, its fixed state."""
    out = []
    if mixer.kv_rows():
        rows = " + ".join(f"{r}×{n}" for r, n in mixer.kv_rows())
        far = 1 << 60
        span = mixer.span(far)
        out.append(f"{rows} per token, " + ("every token" if span == far else f"last {span:,} tokens"))
    for sc in getattr(mixer, "side_caches", lambda: [])():
        fmt = f" {sc.format}" if sc.format else ""
        every = f"per {sc.stride} tokens" if sc.stride > 1 else "per token"
        out.append(f"{sc.name} {sc.rows}×{sc.values}{fmt} {every}")
    for st in mixer.state(model_dtype):
        out.append(f"{st.name} state {st.elements:,} × {st.dtype}")
    return "; ".join(out) or "nothing"


def gpus_json(gs: list[GpuSpec]) -> list[dict]:
    return [g.model_dump(mode="json") for g in gs]


def gpus_table(gs: list[GpuSpec]):
    from rich.table import Table

    t = Table(title=f"{len(gs)} GPUs (dense tensor TFLOP/s, no sparsity)")
    for col in ("name", "GPU", "memory", "bandwidth", "bf16", "fp8", "int8", "aliases"):
        t.add_column(col)

    def tf(v):
        return "-" if v is None else f"{v:g}"

    for g in gs:
        t.add_row(g.name, g.display_name, f"{g.memory_label} ({gib(g.usable_bytes)})",
                  f"{g.memory_bandwidth_bytes_per_s / 1e12:.2f} TB/s", tf(g.dense_tflops.get("bf16")),
                  tf(g.dense_tflops.get("fp8")), tf(g.dense_tflops.get("int8")), ", ".join(g.aliases))
    return t


def fit_json(r) -> dict:
    cap = r.capacity
    out = {
        "model": r.model, "gpu": r.gpu, "gpu_memory_bytes": r.gpu_memory_bytes,
        "gpu_memory_source": r.gpu_memory_source, "engine": r.engine, "tp": r.tp, "pp": r.pp,
        "gpus": r.gpus, "kv_dtype": r.kv_dtype, "weight_dtype": r.weight_dtype, "fits": r.fits,
        "ctx": r.ctx, "batch": r.batch, "max_batch": r.max_batch, "max_ctx": r.max_ctx,
        "max_model_len": cap.max_model_len, "kv_cache_tokens": cap.kv_cache_tokens,
        "max_concurrency": cap.max_concurrency if cap.max_concurrency != float("inf") else None,
        "kv_budget_bytes": r.kv_budget_bytes, "weights_bytes": r.weights_bytes,
        "kv_bytes_per_request": cap.kv_bytes_per_request,
        "budget": [{"label": p.label, "key": p.key, "bytes": p.bytes, "source": p.source}
                   for p in r.stages[0].budget],
        "stages": [{"stage": s.index, "first_layer": s.first_layer, "layers": s.layers,
                    "parameters": s.parameters, "weights_bytes": s.weights_bytes,
                    "budget": [{"label": p.label, "key": p.key, "bytes": p.bytes} for p in s.budget]}
                   for s in r.stages],
        "log_line": cap.log_lines[0] if cap.log_lines else None,
        "message": r.message, "min_tp": r.min_tp, "notes": list(r.notes),
    }
    if r.traffic:
        out["traffic"] = {"requests": r.traffic_note, "strategies": [
            {"strategy": t.name, "granularity": t.granularity, "fit_at_once": t.fit_at_once,
             "reserved_bytes": t.reserved_bytes, "written_bytes": t.written_bytes,
             "shared_bytes": t.shared_bytes, "waste": t.waste} for t in r.traffic]}
    out.update({k: v for k, v in cap.detail.items() if k not in out})
    return out


def _fit_budget_table(r, s):
    from rich.table import Table

    where = f"GPU {s.index} of each tensor-parallel group (pipeline stage {s.index}: layers " \
            f"{s.first_layer}-{s.first_layer + s.layers - 1})" if r.pp > 1 else "each GPU"
    t = Table(title=f"budget of {where}: {ints(r.gpu_memory_bytes)} bytes "
                    f"({r.gpu_memory_source})", title_justify="left")
    for col, just in (("part", "left"), ("bytes", "right"), ("GB (GiB)", "right"), ("rule", "left")):
        t.add_column(col, justify=just, no_wrap=col != "rule", overflow="fold")
    for p in s.budget:
        t.add_row(p.label, ints(p.bytes), both(p.bytes) if p.bytes > 0 else ("-" if p.bytes == 0 else
                  f"−{both(-p.bytes)}"), p.source)
    return t


def fit_table(r, spec: ModelSpec, explain: bool = False):
    from rich.console import Group
    from rich.text import Text

    cap = r.capacity
    par = f"tp {r.tp} × pp {r.pp} = {r.gpus} GPUs" if r.gpus > 1 else "1 GPU"
    head = (f"{r.model}: {spec.display_name} on {par} {r.gpu} · engine {r.engine} · "
            f"KV {r.kv_dtype} · weights {r.weight_dtype}")
    parts = [Text(head)]
    for s in r.stages:
        parts.append(_fit_budget_table(r, s))
    lines = []
    if r.message:
        lines.append(("refused: " if cap.max_model_len else "does not fit: ") + r.message
                     if not r.message.startswith(r.model) else r.message)
    if cap.log_lines:
        lines.append(f"{r.engine} would log: {cap.log_lines[0]}")
    if cap.fits and cap.kv_cache_tokens:
        lines.append(f"KV cache: {ints(r.kv_budget_bytes)} bytes per GPU = {both(r.kv_budget_bytes)}; "
                     f"one {ints(cap.max_model_len)}-token request takes {ints(cap.kv_bytes_per_request)} "
                     f"bytes per GPU")
    if r.ctx is not None:
        lines.append(f"max batch at {ints(r.ctx)} tokens: {ints(r.max_batch or 0)} sequences")
    if r.batch is not None:
        lines.append(f"max context for {ints(r.batch)} sequences: {ints(r.max_ctx or 0)} tokens each")
    lines.append("fits" if r.fits else "does NOT fit")
    lines += [f"note: {n}" for n in r.notes]
    parts.append(Text("\n".join(lines)))
    if r.traffic:
        parts.append(_traffic_table(r))
    if explain:
        ex = [f"weights per GPU: {ints(s.parameters)} parameters × {r.weight_dtype} = "
              f"{ints(s.weights_bytes)} bytes" for s in r.stages]
        ex += list(cap.explain)
        parts.append(Text("\n".join(ex)))
    return Group(*parts)


def engines_table(reports: list[SizeReport], spec: ModelSpec):
    """One model, one context, every layout: what each engine holds, beside the tight cache."""
    from rich.table import Table

    r0 = reports[0]
    t = Table(title=f"{r0.model}: {spec.display_name} · ctx {ints(r0.ctx)} · batch {ints(r0.batch)} · "
                    f"every layout", title_justify="left")
    for col, just in (("layout", "left"), ("KV bytes", "right"), ("state bytes", "right"),
                      ("total", "right"), ("GB (GiB)", "right"), ("vs ideal", "right"), ("KV format", "left")):
        t.add_column(col, justify=just, no_wrap=True)
    ideal = next((r.total_bytes for r in reports if r.engine == "ideal"), None)
    for r in reports:
        rel = f"{100 * (r.total_bytes - ideal) / ideal:+.2f} %" if ideal else "-"
        t.add_row(r.engine, ints(r.kv_cache_bytes), ints(r.state_bytes) if r.state_bytes else "-",
                  ints(r.total_bytes), both(r.total_bytes) if r.total_bytes else "-",
                  rel if r.engine != "ideal" else "", r.kv_dtype)
    return t


def _traffic_table(r):
    from rich.table import Table

    t = Table(title=f"your traffic: {r.traffic_note}; KV budget {ints(r.kv_budget_bytes)} bytes per GPU",
              title_justify="left")
    for col, just in (("strategy", "left"), ("reserves", "left"), ("fit at once", "right"),
                      ("reserved", "right"), ("written", "right"), ("never written", "right")):
        t.add_column(col, justify=just, no_wrap=True)
    for s in r.traffic:
        t.add_row(s.name, s.granularity, ints(s.fit_at_once), both(s.reserved_bytes) if s.reserved_bytes else "-",
                  both(s.written_bytes) if s.written_bytes else "-", f"{100 * s.waste:.1f} %")
    return t
