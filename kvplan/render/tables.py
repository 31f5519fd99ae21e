"""Rendering: tables, JSON and the --explain text (units formatted by kvplan.units: GB = 10**9
bytes and GiB = 2**30 bytes, both always labelled)."""
from __future__ import annotations

import json
from typing import TYPE_CHECKING

from ..model import dtypes
from ..plan.size import SizeReport
from ..model.spec import ModelSpec, compress_pattern
from ..units import both, gb, gib, ints, plural

if TYPE_CHECKING:  # annotations only: `kvplan size` never imports the GPU catalog's module
    from ..model.hardware import GpuSpec


def size_json(r: SizeReport, explain: bool = False) -> dict:
    out = {
        "model": r.model, "ctx": r.ctx, "batch": r.batch, "kv_dtype": r.kv_dtype,
        "k_dtype": r.k_dtype or r.kv_dtype, "v_dtype": r.v_dtype or r.kv_dtype, "engine": r.engine,
        "kv_cache_bytes": r.kv_cache_bytes, "state_bytes": r.state_bytes, "total_bytes": r.total_bytes,
        "bytes_per_token": r.bytes_per_token, "next_token_bytes": r.next_token_bytes,
        "parameters": r.parameters, "encoder_parameters": r.encoder_parameters,
        "weight_dtype": r.weight_dtype, "weights_bytes": r.weights_bytes,
        "layers": [{"layer_type": g.layer_type, "kind": g.kind, "label": g.label, "count": g.count,
                    "geometry": g.geometry, "tokens": g.tokens, "bytes_per_token": g.bytes_per_token,
                    "kv_bytes": g.kv_bytes, "state_bytes": g.state_bytes, "bytes": g.kv_bytes + g.state_bytes}
                   for g in r.groups],
        "warnings": list(r.warnings),
        "source": r.source,
        "stored_weights": stored_json(r.stored_weights, r.parameters),
    }
    if r.placement is not None:  # llama.cpp -ngl / -nkvo (Engine.offload_split), as fit's placement
        out["placement"] = dict(r.placement)
    if explain:
        out["explain"] = explain_json(r)
    return out


def explain_json(r: SizeReport) -> dict:
    """--explain as data: each layer type's terms (layers × batch × tokens × Σ rows × bytes per
    row, and each state tensor), so a program can recompute every figure."""
    fmt = dtypes.get(r.k_dtype or r.kv_dtype)
    groups = []
    for g in r.groups:
        held = g.held
        tensors = [{"rows": rows, "values_per_row": n, "format": f.name, "bytes_per_row": f.row_bytes(n)}
                   for (rows, n), f in zip(held.rows, _formats(held, fmt))]
        states = [{"name": st.name, "elements": st.elements, "dtype": st.dtype,
                   "bytes": dtypes.get(st.dtype).row_bytes(st.elements)} for st in held.state]
        groups.append({"layer_type": g.layer_type, "layers": g.count, "batch": r.batch, "copies": g.copies,
                       "tokens": g.tokens,
                       "tensors": tensors, "state": states, "kv_bytes": g.kv_bytes,
                       "state_bytes": g.state_bytes})
    return {"formula": "Σ layer types: layers × copies × (tokens × Σ tensors rows × bytes_per_row "
                       "+ Σ state bytes); copies = batch, or 1 where the batch shares one pool",
            "element_format": {"name": fmt.name, "bits": fmt.bits, "group": fmt.group,
                               "group_bytes": fmt.group_bytes},
            "groups": groups, "total_bytes": r.total_bytes}


def _formats(held, fmt) -> list:
    """Each cached tensor's element format: the engine's own per tensor (llama.cpp's K and V
    types), else ``fmt``."""
    return [dtypes.get(f) for f in held.formats] if held.formats else [fmt] * len(held.rows)


def _kv_title(r: SizeReport) -> str:
    k, v = r.k_dtype or r.kv_dtype, r.v_dtype or r.kv_dtype
    return f"KV {k}" if k == v else f"K {k}, V {v}"


def stored_json(st, architecture: int) -> dict | None:
    """Weights as stored (checkpoint files), beside kvplan's architecture count."""
    if st is None:
        return None
    return {"bytes": st.bytes, "source": st.source, "tensors": st.tensors, "elements": st.elements,
            "architecture_parameters": architecture, "part_elements": dict(st.part_elements),
            "part_bytes": dict(st.part_bytes), "dtype_bytes": dict(st.dtype_bytes),
            "differences": st.differences(architecture)}


def stored_lines(st, architecture: int) -> list[str]:
    if st is None:
        return []
    out = [f"weights as stored: {ints(st.bytes)} bytes = {both(st.bytes)} ({st.describe_formats()}), "
           f"read from {st.source}"]
    if st.elements is not None:
        out.append(f"  values stored: {ints(st.elements)} in {ints(st.tensors or 0)} tensors; "
                   f"kvplan's architecture: {ints(architecture)} parameters")
    out += [f"  {d}" for d in st.differences(architecture)]
    return out


def dumps(obj) -> str:
    return json.dumps(obj, indent=2, allow_nan=False)


def size_table(r: SizeReport, spec: ModelSpec) -> list:
    """The cache by layer type; the totals below."""
    from .sheet import Col, Sheet

    title = (f"{r.model}: {spec.display_name} · ctx {ints(r.ctx)} · batch {ints(r.batch)} · "
             f"{_kv_title(r)} · layout {r.engine}")
    rows = [{"layer_type": g.layer_type, "layers": g.count, "kind": g.label, "geometry": g.geometry,
             "tokens": g.tokens or None, "bytes_per_token": g.bytes_per_token or None,
             "state_bytes_per_seq": (g.state_bytes // r.batch) or None,
             "bytes": g.kv_bytes + g.state_bytes} for g in r.groups]
    cols = [Col("layer_type", "layers", left=True), Col("kind", "kind", left=True),
            Col("geometry", "KV heads×dim", left=True, drop=3), Col("tokens", "tokens held", ints, drop=4),
            Col("bytes_per_token", "bytes/token", ints, drop=5)]
    for row in rows:
        row["_text"] = {"layer_type": f"{row['layers']} {row['layer_type']}"}
    if r.state_bytes:
        cols.append(Col("state_bytes_per_seq", "state/seq", ints, drop=6))
    cols += [Col("bytes", "bytes", ints, drop=2),
             Col("bytes", "GB (GiB)", lambda v: both(v) if v else "-", narrow=gb)]
    lines = [f"KV cache: {ints(r.kv_cache_bytes)} bytes = {both(r.kv_cache_bytes)}"]
    if r.state_bytes:
        lines.append(f"recurrent state: {ints(r.state_bytes)} bytes = {both(r.state_bytes)}")
        lines.append(f"total: {ints(r.total_bytes)} bytes = {both(r.total_bytes)}")
    lines.append(f"per token and sequence: {ints(r.bytes_per_token)} bytes in all K/V layers; "
                 f"the next token adds {ints(r.next_token_bytes)}")
    enc = f" + {ints(r.encoder_parameters)} in encoder towers" if r.encoder_parameters else ""
    if r.stored_weights is None:
        lines.append(f"weights: {ints(r.parameters)} parameters{enc} × {r.weight_dtype} = "
                     f"{ints(r.weights_bytes)} bytes = {both(r.weights_bytes)}")
    else:
        lines += stored_lines(r.stored_weights, r.parameters)
        if r.weights_bytes != r.stored_weights.bytes:
            lines.append(f"  weights without the vision/audio towers (--text-only): {ints(r.weights_bytes)} bytes")
    keys = ["layer_type", "layers", "kind", "geometry", "tokens", "bytes_per_token",
            "state_bytes_per_seq", "bytes"]
    out = [Sheet(cols, rows, [title], lines, keys)]
    if r.placement is not None:  # issue 23: llama.cpp -ngl / -nkvo (render/placement.py)
        from .placement import size_placement_sheet

        out.append(size_placement_sheet(r))
    return out


def explain(r: SizeReport, spec: ModelSpec) -> str:
    fmt = dtypes.get(r.k_dtype or r.kv_dtype)

    def describe(f) -> str:
        return (f"{f.name}: ceil(n / {f.group}) × {f.group_bytes} bytes for a row of n values"
                if f.grouped else f"{f.name}: {f.bits} bits per value")

    unit = describe(fmt)
    if r.v_dtype and r.v_dtype != fmt.name:
        unit = f"K {unit}; V {describe(dtypes.get(r.v_dtype))}"
    pooled = any(g.copies != r.batch for g in r.groups)
    out = ["KV bytes = Σ over layer types: layers × batch × tokens held × Σ over cached tensors "
           "(rows per token × bytes per row)", f"  element format {unit}"]
    if pooled:
        out[0] = out[0].replace("layers × batch", "layers × copies")
        out.append(f"  copies: the cache streams of each layer as the engine allocates them, not one per "
                   f"sequence ({r.engine}: {', '.join(sorted({str(g.copies) for g in r.groups}))} for "
                   f"{plural(r.batch, 'sequence')})")
    for g in r.groups:
        held, copies = g.held, g.copies
        if held.rows:
            fmts = _formats(held, fmt)
            parts = " + ".join(f"{rows} × {f.row_bytes(n)}" for (rows, n), f in zip(held.rows, fmts))
            main = g.count * copies * g.tokens * sum(rows * f.row_bytes(n) for (rows, n), f in zip(held.rows, fmts))
            out.append(f"  {g.layer_type}: {g.count} × {copies} × {ints(g.tokens)} × ({parts}) "
                       f"= {ints(main)}")
        for sd in held.sides:
            sf = dtypes.get(sd.format) if sd.format else fmt
            per = f"one per {sd.stride} tokens" if sd.stride > 1 else "one per token"
            out.append(f"  {g.layer_type} {sd.name} ({per}, {sf.name}): {g.count} × {copies} × "
                       f"{ints(sd.entries)} × ({sd.rows} × {sf.row_bytes(sd.values)}) = "
                       f"{ints(g.count * copies * sd.entries * sd.rows * sf.row_bytes(sd.values))}")
        for st in held.state:
            sf = dtypes.get(st.dtype)
            out.append(f"  {g.layer_type} {st.name} state: {g.count} × {copies} × {ints(st.elements)} "
                       f"values × {st.dtype} = {ints(g.count * copies * sf.row_bytes(st.elements))}")
    out.append(f"  total = {ints(r.total_bytes)} bytes = {both(r.total_bytes)}")
    return "\n".join(out)


def models_json(specs: list[ModelSpec]) -> list[dict]:
    return [{"name": s.name, "display_name": s.display_name, "family": s.family, "layers": s.num_layers,
             "kinds": sorted({lt.mixer.kind for lt in s.layer_types.values()}), "dtype": s.dtype,
             "parameters": s.parameters(), "max_context": s.max_context, "source": s.source}
            for s in specs]


def models_table(specs: list[ModelSpec]) -> list:
    from .sheet import Col, Sheet

    rows = models_json(specs)
    for d in rows:
        d["kinds"] = ", ".join(d["kinds"])
    cols = [Col("name", "name", left=True), Col("display_name", "model", left=True, drop=4),
            Col("layers", "layers", drop=3), Col("kinds", "kinds", left=True, drop=2),
            Col("parameters", "params", lambda v: f"{v / 1e9:.2f} B"), Col("dtype", "dtype", left=True, drop=5),
            Col("max_context", "max ctx", ints, drop=1)]
    return [Sheet(cols, rows, [f"{len(specs)} models"])]


def show_json(s: ModelSpec) -> dict:
    return {**s.model_dump(mode="json", exclude_none=True), "layers": s.layers,
            "num_layers": s.num_layers, "parameters": s.parameters(),
            "active_parameters": s.active_parameters()}


def show_table(s: ModelSpec) -> list:
    from .sheet import Col, Sheet

    head = [f"{s.name}: {s.display_name}", f"source: {s.source}",
            f"{s.num_layers} layers: {compress_pattern(s.layers)}",
            f"hidden {s.hidden_size}, vocab {ints(s.vocab_size)}, dtype {s.dtype}"
            + (f" ({s.dtype_note})" if s.dtype_note else "")
            + f", max context {ints(s.max_context or 0)}",
            f"parameters: {ints(s.parameters())} (active per token: {ints(s.active_parameters())})"]
    if s.notes:
        head.append(f"notes: {s.notes}")
    head += stored_lines(s.stored_weights, s.parameters())
    rows = []
    for name, count in s.counts().items():
        lt = s.layer_types[name]
        m = lt.mixer
        mlp = None if lt.mlp is None else (f"dense {lt.mlp.intermediate_size}" if lt.mlp.kind == "dense"
                                            else f"moe {lt.mlp.num_experts}×{lt.mlp.intermediate_size}, "
                                                 f"top {lt.mlp.experts_per_token}")
        rows.append({"layer_type": name, "layers": count, "kind": m.label(),
                     "heads": getattr(m, "num_heads", None), "geometry": m.geometry(),
                     "stores": "nothing: reads an earlier layer's K/V" if lt.kv_shared else stores(m, s.dtype),
                     "mlp": mlp})
    cols = [Col("layer_type", "layer type", left=True), Col("layers", "layers"),
            Col("kind", "kind", left=True), Col("heads", "heads", drop=3),
            Col("geometry", "KV heads×dim", left=True, drop=1), Col("mlp", "MLP", left=True, drop=2)]
    # what each layer keeps, as lines (they can be long; a row must not wrap)
    foot = ["stores, per layer and sequence (the ideal layout):"] + [f"  {r['layer_type']}: {r['stores']}" for r in rows]
    return [Sheet(cols, rows, head, foot,
                  ["layer_type", "layers", "kind", "heads", "geometry", "stores", "mlp"])]



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


def gpus_table(gs: list[GpuSpec]) -> list:
    from .sheet import Col, Sheet

    def tf(v):
        return f"{v:g}"

    rows = []
    for g in gs:
        d = g.dense_tflops
        rows.append({"name": g.name, "display_name": g.display_name, "memory_bytes": g.memory_bytes,
                     "driver_memory_bytes": g.driver_memory_bytes,
                     "memory_bandwidth_bytes_per_s": g.memory_bandwidth_bytes_per_s,
                     # fp16 only where it differs from bf16 (V100, T4: fp16 tensor cores, no bf16)
                     "fp16": d.get("fp16") if d.get("fp16") != d.get("bf16") else None,
                     "bf16": d.get("bf16"), "fp8": d.get("fp8"), "int8": d.get("int8"),
                     "aliases": ", ".join(g.aliases)})
    cols = [Col("name", "name", left=True), Col("display_name", "GPU", left=True, drop=5),
            Col("memory_bytes", "memory as sold", gib),
            Col("driver_memory_bytes", "driver reports", gib, drop=3),
            Col("memory_bandwidth_bytes_per_s", "bandwidth", lambda v: f"{v / 1e12:.2f} TB/s"),
            Col("fp16", "fp16*", tf, drop=2), Col("bf16", "bf16", tf), Col("fp8", "fp8", tf, drop=1),
            Col("int8", "int8", tf, drop=4), Col("aliases", "aliases", left=True, drop=6)]
    return [Sheet(cols, rows, [f"{len(gs)} GPUs · dense tensor TFLOP/s (no sparsity) · memory in GiB"],
                  ["* fp16 shown only where it differs from bf16"])]


def fit_notes(r) -> list[str]:
    """The fit's notes, and what the engine's budget leaves out (its caveat), for every width."""
    from ..engines import get

    caveat = get(r.engine).budget_caveat
    return [*r.notes, *([caveat] if caveat else [])]


def _risk_above(most, low) -> str:  # a max is at risk above its value with every estimated part at the far end
    return f" (at risk above {ints(low)})" if most and low and low < most else ""  # of its error (verdict.batch_band)


def fit_json(r, explain: bool = False) -> dict:
    cap = r.capacity
    out = {
        "model": r.model, "gpu": r.gpu, "gpu_memory_bytes": r.gpu_memory_bytes,
        "gpu_memory_source": r.gpu_memory_source, "engine": r.engine, "tp": r.tp, "pp": r.pp,
        "gpus": r.gpus, "kv_dtype": r.kv_dtype, "weight_dtype": r.weight_dtype, "fits": r.fits,
        "verdict": r.verdict, "margin_bytes": r.margin_bytes,
        # margin_bytes is the start's (KV budget − what the engine needs to start, plan/verdict.py), also under
        # --ctx --batch, where the verdict is the batch's: that batch's margin is batch_margin_sequences
        "margin_of": "start", "deciding_term": r.deciding_term,
        "uncertainty_bytes": r.judgement.uncertainty_bytes if r.judgement else None,
        "verdict_reason": r.judgement.why if r.judgement else None, "max_batch_low": r.max_batch_low,
        "max_ctx_low": getattr(r, "max_ctx_low", None), "ctx": r.ctx, "batch": r.batch, "max_batch": r.max_batch, "max_ctx": r.max_ctx,
        "max_model_len": cap.max_model_len, "kv_cache_tokens": cap.kv_cache_tokens,
        "max_concurrency": cap.max_concurrency if cap.max_concurrency != float("inf") else None,
        "kv_budget_bytes": r.kv_budget_bytes, "weights_bytes": r.weights_bytes,
        "kv_bytes_per_request": cap.kv_bytes_per_request,
        "budget": [{"label": p.label, "key": p.key, "bytes": p.bytes, "source": p.source,
                    "uncertainty_bytes": p.uncertainty} for p in r.stages[0].budget],
        "stages": [{"stage": s.index, "first_layer": s.first_layer, "layers": s.layers,
                    "parameters": s.parameters, "weights_bytes": s.weights_bytes,
                    "budget": [{"label": p.label, "key": p.key, "bytes": p.bytes} for p in s.budget]}
                   for s in r.stages],
        "log_line": cap.log_lines[0] if cap.log_lines else None,
        "message": r.message, "min_tp": r.min_tp, "notes": fit_notes(r), "source": r.source,
    }
    if r.batch is not None and r.ctx is not None and r.max_batch is not None:  # the batch's margin, in sequences
        out["batch_margin_sequences"] = r.max_batch - r.batch
    if r.copies is not None:
        out["weights_all_gpus_bytes"] = r.copies.all_gpus_bytes
        out["model_weights_bytes"] = r.copies.model_bytes
        out["replicated_weights_bytes"] = r.copies.replicated_bytes
        out["replicated_parameters"] = dict(r.copies.parameters)
    if r.traffic:
        out["traffic"] = {"requests": r.traffic_note, "strategies": [
            {"strategy": t.name, "granularity": t.granularity, "fit_at_once": t.fit_at_once,
             "reserved_bytes": t.reserved_bytes, "written_bytes": t.written_bytes,
             "shared_bytes": t.shared_bytes, "waste": t.waste} for t in r.traffic]}
    out.update({k: v for k, v in cap.detail.items() if k not in out})
    if explain:
        out["explain"] = {"weights": [{"stage": st.index, "parameters": st.parameters,
                                       "weight_dtype": r.weight_dtype, "bytes": st.weights_bytes}
                                      for st in r.stages],
                          "budget": [{"stage": st.index, "key": p.key, "bytes": p.bytes, "rule": p.source}
                                     for st in r.stages for p in st.budget],
                          "capacity": list(cap.explain)}
    return out


def _fit_budget_sheet(r, s):
    from .sheet import Col, Sheet

    where = f"GPU {s.index} of each tensor-parallel group (pipeline stage {s.index}: layers " \
            f"{s.first_layer}-{s.first_layer + s.layers - 1})" if r.pp > 1 else "each GPU"
    rows = [{"stage": s.index, "part": p.label, "key": p.key, "bytes": p.bytes, "rule": p.source or None}
            for p in s.budget]
    cols = [Col("part", "part", left=True, narrow_key="key"), Col("bytes", "bytes", ints, drop=1),
            Col("bytes", "GB (GiB)", lambda v: "-" if v == 0 else both(v),
                narrow=lambda v: "-" if v == 0 else gb(v)),
            Col("rule", "rule", left=True, drop=2)]
    if r.pp > 1:
        cols.insert(0, Col("stage", "stage", drop=3))
    # the source may carry its own parenthesis ("as sold (no driver figure known)"): one level only
    src = r.gpu_memory_source.replace(" (", ", ").replace(")", "")
    return Sheet(cols, rows, [f"budget of {where}: {ints(r.gpu_memory_bytes)} bytes ({src})"])


def copies_line(r) -> str:
    """Weights over all GPUs beside the model's: what the ranks keep more than once, by part."""
    c = r.copies
    where = ", ".join(f"{k} {ints(v)}" for k, v in sorted(c.parameters.items(), key=lambda kv: -kv[1]))
    return (f"weights over all {r.gpus} GPUs: {gb(c.all_gpus_bytes)}, the model's {gb(c.model_bytes)}"
            + (f"; {gb(c.replicated_bytes)} held more than once (extra parameters: {where})"
               if c.replicated_bytes else ""))


def fit_table(r, spec: ModelSpec, explain: bool = False) -> list:
    cap = r.capacity
    par = (f"tp {r.tp} × pp {r.pp} = {r.gpus} GPUs" if r.gpus == r.tp * r.pp else
           f"{r.gpus} GPUs (tp {r.tp}, pp {r.pp}, see the note)") if r.gpus > 1 else "1 GPU"
    head = (f"{r.model}: {spec.display_name} on {par} {r.gpu} · engine {r.engine} · "
            f"KV {r.kv_dtype} · weights {r.weight_dtype}")
    sheets = [_fit_budget_sheet(r, s) for s in r.stages]
    sheets[0].title.insert(0, head)
    parts = list(sheets)
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
        lines.append(f"max batch at {plural(r.ctx, 'token')}: {plural(r.max_batch or 0, 'sequence')}"
                     + _risk_above(r.max_batch, r.max_batch_low))
    if r.batch is not None:
        lines.append(f"max context for {plural(r.batch, 'sequence')}: {plural(r.max_ctx or 0, 'token')} each"
                     + _risk_above(r.max_ctx, getattr(r, "max_ctx_low", None)))
    lines += verdict_lines(r)
    if r.copies is not None:
        lines.append(copies_line(r))
    lines += [f"note: {n}" for n in fit_notes(r)]
    parts.append("\n".join(lines))
    if cap.fits and "cpu_offload" in cap.detail:  # issue 23: the CPU / disk tiers (render/tiers.py)
        from .tiers import tiers_sheet

        parts.append(tiers_sheet(r))
        if "reload" in cap.detail["cpu_offload"]:
            from .tiers import reload_sheet

            parts.append(reload_sheet(r))
    if "reuse" in cap.detail:  # issue 23: prefix hits of --trace per tier (render/tiers.py)
        from .tiers import reuse_sheet

        parts.append(reuse_sheet(r))
    if "placement" in cap.detail:  # issue 23: llama.cpp -ngl / -nkvo (render/placement.py)
        from .placement import placement_sheet

        parts.append(placement_sheet(r))
    if r.traffic:
        parts.append(_traffic_sheet(r))
    if explain:
        parts.append("\n".join(fit_explain(r)))
    return parts


def verdict_lines(r) -> list[str]:
    """The answer (fits / at risk / does NOT fit) with its margin; the deciding term's why
    under at risk (plan/verdict.py)."""
    v = r.judgement
    if v is None:
        return ["fits" if r.fits else "does NOT fit"]
    if v.verdict == "fits":
        return [f"fits (margin {both(v.margin_bytes)} per GPU)"]
    if v.batch is not None:  # the batch asked for decides, not the start (plan/verdict.py for_batch)
        return [f"{v.words}: {v.why}"]
    if v.verdict == "at_risk" and v.margin_bytes > v.uncertainty_bytes:  # an unmodelled part decides
        return [f"at risk: fits by {both(v.margin_bytes)} per GPU, but {v.deciding_term} is not "
                f"modelled (--explain says why)"]
    if v.verdict == "at_risk":
        return [f"at risk: fits by {both(v.margin_bytes)} per GPU, within the ±{both(v.uncertainty_bytes)} "
                f"the estimated parts may err (deciding: {v.deciding_term}; --explain says why)"]
    return ["does NOT fit" + (f" (short by {both(-v.margin_bytes)} per GPU)" if v.margin_bytes < 0 else "")]


def fit_explain(r) -> list[str]:
    ex = [f"weights per GPU: {ints(s.parameters)} parameters × {r.weight_dtype} = "
          f"{ints(s.weights_bytes)} bytes" for s in r.stages]
    v = r.judgement
    if v is not None:
        ex.append(f"verdict: {v.words}: margin = KV budget − what {r.engine} needs to start "
                  f"({ints(v.need_bytes)} bytes) = {ints(v.margin_bytes)} bytes; {v.why}")
        worst = min(r.stages, key=lambda s: s.kv_budget_bytes)
        est = [p for p in worst.budget if p.uncertainty]
        if est:  # every estimated term by name (issue 20 item 4), the largest first
            ex.append("estimated terms (bytes either way): " + "; ".join(
                f"{p.label} ±{both(p.uncertainty)}" for p in sorted(est, key=lambda p: -p.uncertainty)))
        if r.max_batch_low is not None and r.max_batch is not None and r.max_batch_low < r.max_batch:
            ex.append(f"with every estimated part at the far end of its error, the max batch at "
                      f"{ints(r.ctx)} tokens is {ints(r.max_batch_low)}, not {ints(r.max_batch)}")
        if (low_ctx := getattr(r, "max_ctx_low", None)) is not None and r.max_ctx and low_ctx < r.max_ctx:
            ex.append(f"with every estimated part at the far end of its error, the max context for "
                      f"{ints(r.batch)} sequences is {ints(low_ctx)} tokens, not {ints(r.max_ctx)}")
    return ex + list(r.capacity.explain)


def engines_table(reports: list[SizeReport], spec: ModelSpec) -> list:
    """One model, one context, every layout: what each engine holds, beside the tight cache."""
    from .sheet import Col, Sheet

    r0 = reports[0]
    ideal = next((r.total_bytes for r in reports if r.engine == "ideal"), None)
    rows = [{"engine": r.engine, "kv_cache_bytes": r.kv_cache_bytes, "state_bytes": r.state_bytes or None,
             "total_bytes": r.total_bytes,
             "vs_ideal": (r.total_bytes - ideal) / ideal if ideal and r.engine != "ideal" else None,
             "kv_dtype": r.kv_dtype} for r in reports]
    cols = [Col("engine", "layout", left=True), Col("kv_cache_bytes", "KV bytes", ints, drop=2),
            Col("state_bytes", "state bytes", ints, drop=3), Col("total_bytes", "total", ints, drop=1),
            Col("total_bytes", "GB (GiB)", lambda v: both(v) if v else "-", narrow=gb),
            Col("vs_ideal", "vs ideal", lambda v: f"{100 * v:+.2f} %"),
            Col("kv_dtype", "KV format", left=True, drop=4)]
    return [Sheet(cols, rows, [f"{r0.model}: {spec.display_name} · ctx {ints(r0.ctx)} · "
                               f"batch {ints(r0.batch)} · every layout"])]


def _traffic_sheet(r):
    from .sheet import Col, Sheet

    rows = [{"strategy": t.name, "granularity": t.granularity, "fit_at_once": t.fit_at_once,
             "reserved_bytes": t.reserved_bytes or None, "written_bytes": t.written_bytes or None,
             "waste": t.waste} for t in r.traffic]
    cols = [Col("strategy", "strategy", left=True), Col("granularity", "reserves", left=True, drop=2),
            Col("fit_at_once", "fit at once", ints), Col("reserved_bytes", "reserved", both, drop=1),
            Col("written_bytes", "written", both, drop=3),
            Col("waste", "never written", lambda v: f"{100 * v:.1f} %")]
    return Sheet(cols, rows, [f"your traffic: {r.traffic_note}; KV budget {ints(r.kv_budget_bytes)} "
                              "bytes per GPU"])
