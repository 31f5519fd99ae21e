"""The validation report: one JSON object, a rich table (quantity | predicted | measured |
error), and a Markdown row per case for the matrix runner. Units come from ``render``."""
from __future__ import annotations

from ..render import tables as render

DASH = "—"


def _err(measured: float | int | None, predicted: float | int | None) -> str:
    if measured is None or predicted is None:
        return DASH
    if measured == predicted:
        return "0 (equal)"
    if not predicted:
        return DASH
    return f"{100 * (measured - predicted) / predicted:+.1f} %"


def _ms(s: float) -> str:
    return f"{s * 1e3:.3f} ms"


def _rate(bps: float) -> str:
    return f"{bps / 1e9:.1f} GB/s" if bps >= 1e9 else f"{bps / 1e6:.1f} MB/s"


def to_json(r) -> dict:
    lay, d = r.layout, r.device
    out = {
        "model": r.model, "command": r.command, "ctx": lay.ctx, "batch": lay.batch,
        "engine": lay.engine, "kv_dtype": lay.kv_format, "model_dtype": lay.model_dtype,
        "device": d.kind, "device_name": d.name, "device_chosen": d.chosen,
        "torch_version": d.torch_version, "driver": d.driver, "cuda_runtime": d.cuda_runtime,
        "date": d.date,
        "layers_allocated": lay.layers_allocated, "layers_total": lay.layers_total,
        "scaled": lay.scaled,
        "predicted_kv_bytes": lay.predicted_bytes, "measured_kv_bytes": r.measured_kv_bytes,
        "equal": r.memory_equal,
        "predicted_kv_bytes_all_layers": lay.predicted_full_bytes,
        "predicted_source": lay.source,
        "measured_source": "Σ tensor.untyped_storage().nbytes() over the allocated tensors",
        "tensors": len(lay.tensors),
        "layout": lay.detail,
        "cuda_memory": None if r.cuda_allocated_delta is None else {
            "memory_allocated_delta": r.cuda_allocated_delta,
            "memory_allocated_expected": r.cuda_allocated_expected,
            "memory_reserved_delta": r.cuda_reserved_delta,
        },
        "fit": None, "speed": None, "prediction": None, "prediction_note": r.prediction_note,
        "notes": [*lay.notes, *r.notes],
    }
    if r.fit is not None:
        f = r.fit
        out["fit"] = {"gpu": f.gpu, "max_batch": f.max_batch, "weights_bytes": f.weights_bytes,
                      "kv_budget_bytes": f.kv_budget_bytes, "cache_bytes_allocated": f.cache_bytes,
                      "cache_bytes_predicted": f.cache_bytes_predicted,
                      "one_more_sequence_bytes": f.one_more_bytes, "fits": f.fits,
                      "one_more_exceeds_budget": f.one_more_exceeds, "free_before": f.free_before,
                      "free_after": f.free_after, "total": f.total, "budget": f.budget,
                      "notes": f.notes}
    s = r.speed
    if s is not None:
        out["speed"] = {
            "judged": d.kind == "cuda", "layers_timed": s.layers_timed, "layers_total": s.layers_total,
            "scaled": s.layers_timed != s.layers_total,
            "layers_step": s.layers_step.as_dict(), "head_step": s.head_step.as_dict(),
            "step_s": s.step_s, "bytes_moved_timed": s.bytes_timed, "bytes_moved_step": s.bytes_step,
            "weights_bytes_timed": s.weights_bytes, "bandwidth_bytes_per_s": s.bandwidth,
            "growth": s.growth, "notes": s.notes}
    p = r.prediction
    if p is not None:
        out["prediction"] = {"seconds": p.seconds, "bytes": p.bytes, "flops": getattr(p, "flops", None),
                             "bound": getattr(p, "bound", None)}
    return out


def _row(quantity: str, predicted: str, measured: str, error: str, short: str | None = None,
         predicted_short: str | None = None, measured_short: str | None = None) -> dict:
    """One row: the wording for a wide terminal, and a shorter one (``*_short``) for 80 columns."""
    return {"quantity": quantity, "predicted": predicted, "measured": measured, "error": error,
            "quantity_short": short or quantity, "predicted_short": predicted_short or predicted,
            "measured_short": measured_short or measured}


def _clip(text: str, n: int) -> str:
    return text if len(text) <= n else text[:n - 1] + "…"


def _rows(r) -> list[dict]:
    lay = r.layout
    which = f"{lay.layers_allocated} of {lay.layers_total} layers" if lay.scaled else f"all {lay.layers_total} layers"
    short = f"{lay.layers_allocated}/{lay.layers_total} layers" if lay.scaled else f"{lay.layers_total} layers"
    out = [_row(f"KV cache + state bytes ({which})", render.ints(lay.predicted_bytes),
                render.ints(r.measured_kv_bytes), _err(r.measured_kv_bytes, lay.predicted_bytes),
                f"KV+state, {short}")]
    if lay.scaled:
        out.append(_row(f"KV cache + state bytes (all {lay.layers_total} layers, not allocated)",
                        render.ints(lay.predicted_full_bytes), DASH, DASH, f"  {lay.layers_total} layers (unallocated)"))
    out.append(_row("tensors allocated", DASH, render.ints(len(lay.tensors)), DASH))
    if lay.engine == "vllm" and lay.detail.get("num_blocks"):
        d = lay.detail
        out.append(_row("vLLM blocks (batch × per request + null)",
                        f"{lay.batch} × {d['blocks_per_request']:,} + 1 = {d['num_blocks']:,}", DASH, DASH,
                        "vLLM blocks (B×req+1)", f"{d['num_blocks']:,}"))
    if r.cuda_allocated_delta is not None:
        out.append(_row("torch.cuda.memory_allocated() change (512-byte rounding)",
                        render.ints(r.cuda_allocated_expected), render.ints(r.cuda_allocated_delta),
                        _err(r.cuda_allocated_delta, r.cuda_allocated_expected), "memory_allocated() Δ"))
        out.append(_row("torch.cuda.memory_reserved() change (segments)", DASH,
                        render.ints(r.cuda_reserved_delta), DASH, "memory_reserved() Δ"))
    f = r.fit
    if f is not None:
        out += [_row("--fit: weights stand-in (per GPU)", render.ints(f.weights_bytes), render.ints(f.weights_bytes),
                     DASH, "fit: weights stand-in"),
                _row(f"--fit: cache for max batch {f.max_batch}", render.ints(f.cache_bytes_predicted),
                     render.ints(f.cache_bytes), _err(f.cache_bytes, f.cache_bytes_predicted),
                     _clip(f"fit: cache, batch {f.max_batch:,}", 24)),
                _row("--fit: KV budget", render.ints(f.kv_budget_bytes), "fits" if f.fits else "DOES NOT FIT", DASH,
                     "fit: KV budget"),
                _row(f"--fit: cache for {render.plural(f.max_batch + 1, 'sequence')}", render.ints(f.one_more_bytes),
                     "over the budget" if f.one_more_exceeds else "WITHIN the budget", DASH,
                     _clip(f"fit: cache, batch {f.max_batch + 1:,}", 24)),
                *(_row(f"--fit: budget: {b['part']}", render.ints(b["bytes"]), DASH, DASH,
                       _clip(f"fit: {b['part']}", 24)) for b in f.budget),
                _row("--fit: free memory before / after", DASH,
                     f"{render.gib(f.free_before)} / {render.gib(f.free_after)}", DASH, "fit: free before/after",
                     measured_short=f"{f.free_before / 2**30:.1f} / {f.free_after / 2**30:.1f} GiB")]
    s = r.speed
    if s is not None:
        p = r.prediction
        scaled = f"scaled to {s.layers_total} layers" if s.layers_timed != s.layers_total else f"{s.layers_total} layers"
        t = s.layers_step
        graph = ", CUDA graph" if t.graph else ""
        out += [_row(f"decode step ({scaled} + LM head)", _ms(p.seconds) if p else DASH, _ms(s.step_s),
                     _err(s.step_s, p.seconds if p else None), f"decode step, {s.layers_total} layers"),
                _row(f"  {render.plural(s.layers_timed, 'layer')} timed: median{graph}", DASH, _ms(t.median_s), DASH,
                     f"  {s.layers_timed} timed: median" + (", graph" if t.graph else "")),
                _row(f"  {render.plural(s.layers_timed, 'layer')} timed: p10-p90", DASH,
                     f"{t.p10_s * 1e3:.3f}-{_ms(t.p90_s)}", DASH, f"  {s.layers_timed} timed: p10-p90"),
                _row(f"bytes moved per step ({scaled})", render.ints(p.bytes) if p else DASH,
                     render.ints(s.bytes_step), _err(s.bytes_step, p.bytes if p else None), "bytes moved per step"),
                _row("bandwidth achieved (timed layers + head)", DASH, _rate(s.bandwidth), DASH, "bandwidth achieved")]
        for g in s.growth:
            out.append(_row(f"  at {g['tokens']:,} tokens: cached / whole prefix recomputed", DASH,
                            f"{_ms(g['cached_step_s'])} / {_ms(g['recomputed_step_s'])}", DASH,
                            _clip(f"  {g['tokens']:,}: cached/no cache", 24),
                            measured_short=f"{g['cached_step_s'] * 1e3:.3f} / {_ms(g['recomputed_step_s'])}"))
    return out


def rows(r) -> list[tuple[str, str, str, str]]:
    """(quantity, predicted, measured, error) rows, as a wide terminal words them."""
    return [(d["quantity"], d["predicted"], d["measured"], d["error"]) for d in _rows(r)]


def table(r):
    """predicted | measured | error, as a kvplan Sheet: at 80 columns the shorter wordings
    (every column kept); narrower than that, the error column goes first."""
    from ..render.sheet import Col, Sheet

    lay = r.layout
    cols = [Col("quantity", "quantity", left=True, narrow_key="quantity_short"),
            Col("predicted", "predicted", narrow_key="predicted_short"),
            Col("measured", "measured", narrow_key="measured_short"), Col("error", "error", drop=1)]
    return Sheet(cols, _rows(r), [f"validate {r.model} · ctx {lay.ctx:,} · batch {lay.batch} · KV {lay.kv_format} · "
                                  f"layout {lay.engine} · {r.device.kind}"],
                 csv_keys=["quantity", "predicted", "measured", "error"], narrow_first=True)


def footer(r, deterministic: bool = False) -> list[str]:
    """Lines under the table: the device (name, driver, torch, date) and the notes. With
    ``deterministic`` (a run without timing), only what does not depend on the machine."""
    d, lay = r.device, r.layout
    lines = [f"device: {d.kind} ({d.chosen})"]
    if not deterministic:
        drv = f" · driver {d.driver} · CUDA {d.cuda_runtime}" if d.kind == "cuda" else ""
        lines = [f"device: {d.name} ({d.chosen}){drv} · torch {d.torch_version} · {d.date}"]
    lines.append(f"predicted: {lay.source}; measured: Σ untyped_storage().nbytes() of the tensors")
    lines.append("memory: " + ("EQUAL: predicted and allocated bytes agree to the byte" if r.memory_equal
                               else f"MISMATCH: allocated {r.measured_kv_bytes - lay.predicted_bytes:+,} bytes"))
    notes = [*lay.notes, *r.notes]
    if r.speed is not None:
        notes += r.speed.notes
        if not r.prediction:
            notes.append(f"no speed prediction: {r.prediction_note}")
    if deterministic:
        notes = [n for n in notes if not n.startswith("run on the CPU")]
    lines += [f"note: {n}" for n in notes]
    return lines


# --- the matrix report ----------------------------------------------------------------------

def markdown(results: list, title: str = "kvplan validate") -> str:
    """One Markdown report for a matrix of cases: device, date, then one row per case."""
    if not results:
        return f"# {title}\n\nNo cases.\n"
    d = results[0].device
    drv = f", driver {d.driver}, CUDA {d.cuda_runtime}" if d.kind == "cuda" else ""
    lines = [f"# {title}", "",
             f"Device: {d.name}{drv}; torch {d.torch_version}; {d.date}.", ""]
    if d.kind != "cuda":
        lines += ["Run on the CPU: the byte counts are exact checks; the timings are reported, not "
                  "judged, and say nothing about a GPU.", ""]
    lines += ["| case | predicted KV bytes | measured KV bytes | error | step predicted | "
              "step measured | error | command |",
              "|---|---:|---:|---:|---:|---:|---:|---|"]
    for r in results:
        lay, s, p = r.layout, r.speed, r.prediction
        which = f"{lay.layers_allocated}/{lay.layers_total} layers"
        case = f"{r.model} {lay.engine} {lay.kv_format} ctx {lay.ctx:,} × {lay.batch} ({which})"
        lines.append(f"| {case} | {lay.predicted_bytes:,} | {r.measured_kv_bytes:,} | "
                     f"{_err(r.measured_kv_bytes, lay.predicted_bytes)} | "
                     f"{_ms(p.seconds) if p else DASH} | {_ms(s.step_s) if s else DASH} | "
                     f"{_err(s.step_s, p.seconds) if s and p else DASH} | `{r.command}` |")
    return "\n".join(lines) + "\n"


class progress:
    """A rich progress bar on stderr while a validation runs (shown on a terminal only).
    Called as ``say(label, total)`` to start a phase and ``say(None)`` to advance it."""

    def __enter__(self):
        import sys

        from rich.console import Console
        from rich.progress import Progress

        self.bar = Progress(console=Console(stderr=True), transient=True,
                            disable=not sys.stderr.isatty())
        self.bar.__enter__()
        self.task = None
        return self

    def __call__(self, label: str | None, total: int | None = None) -> None:
        if label is None:
            if self.task is not None:
                self.bar.advance(self.task)
            return
        if self.task is not None:
            self.bar.update(self.task, completed=self.bar.tasks[-1].total)
        self.task = self.bar.add_task(label, total=total or 1)

    def __exit__(self, *exc):
        return self.bar.__exit__(*exc)
