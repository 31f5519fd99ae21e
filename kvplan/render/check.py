"""Rendering of check-log and check-server: kvplan's figure beside each one an engine reported."""
from __future__ import annotations

from ..units import ints


def _figure_value(v, f, printed: bool = False) -> str:
    """A figure in the unit and digits the engine printed it in (GiB, MiB, x), so that reported
    and planned read alike; the exact bytes are in --json."""
    if v is None:
        return "-"
    if printed:
        return f.text
    unit = f.text.rsplit(" ", 1)[-1] if f.unit == "bytes" else ""
    if unit == "MiB":
        return f"{v / 2**20:.2f} MiB"
    if unit in ("GiB", "GB"):  # vLLM V0 and SGLang print GiB and call it GB; kvplan's own says GiB
        return f"{v / 2**30:.2f} GiB"
    if f.unit == "x":
        return f"{v:.2f}x"
    if f.unit == "bytes/token":
        return f"{v:,.1f}" if round(v) != v else ints(round(v))
    return ints(round(v))


def check_json(c) -> dict:
    """kvplan check-log / check-server: each reported figure beside kvplan's."""
    f = c.facts
    return {"engine": f.engine, "version": f.version, "model_in_log": f.model, "model": c.model, "gpu": c.gpu,
            "flags": {k: v if isinstance(v, (int, float, str, bool)) or v is None else str(v)
                      for k, v in f.flags.items()},
            "figures": [{"key": r.figure.key, "label": r.figure.label, "line": r.figure.line,
                         "as_printed": r.figure.text, "unit": r.figure.unit, "reported": r.figure.reported,
                         "printed_rounding": r.figure.tolerance, "kvplan": r.predicted,
                         "error_pct": r.error_pct, "why_no_figure": r.why_not or None} for r in c.rows],
            "notes": list(c.notes)}


def check_table(c, what: str = "log") -> list:
    from .sheet import Col, Sheet

    f = c.facts
    ver = f" {f.version}" if f.version else ""
    names = {"vllm": "vLLM", "sglang": "SGLang", "llamacpp": "llama.cpp"}
    head = f"{names[f.engine]}{ver} {what}: model {f.model or '-'} → kvplan {c.model}" + (f" on {c.gpu}" if c.gpu else "")
    rows = []
    for r in c.rows:
        printed = what == "log" and r.figure.unit != "bytes/token"
        rows.append({"where": r.figure.line if what == "log" else r.figure.text, "figure": r.figure.label,
                     "key": r.figure.key,
                     "reported": r.figure.reported, "kvplan": r.predicted, "error_pct": r.error_pct,
                     "_text": {"reported": _figure_value(r.figure.reported, r.figure, printed),
                               "kvplan": _figure_value(r.predicted, r.figure),
                               "error_pct": f"{r.error_pct:+.2f} %" if r.error_pct is not None
                               else (r.why_not or "-")}})
    cols = [Col("where", "line" if what == "log" else "source", left=what != "log", drop=1),
            Col("figure", "figure", left=True, narrow_key="key"), Col("reported", "reported"),
            Col("kvplan", "kvplan"),
            Col("error_pct", "error")]
    flags = ", ".join(f"{k}={v}" for k, v in f.flags.items() if not isinstance(v, (dict, list)))
    lines = [f"flags read: {flags}" if flags else "flags read: none (the engine's defaults)"]
    if any(r.figure.unit == "bytes" and r.figure.text.endswith(" GB") for r in c.rows):
        lines.append(f"note: {names[f.engine]}'s \"GB\" is GiB (2^30 bytes), as kvplan's column says")
    lines += [f"note: {n}" for n in c.notes]
    return [Sheet(cols, rows, [head]), "\n".join(lines)]
