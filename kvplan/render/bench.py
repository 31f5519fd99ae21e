"""``kvplan check-bench``'s report: predicted beside measured, per load level, 80 columns."""
from __future__ import annotations

import math
import textwrap

NAMES = {"ttft_ms": "TTFT, ms", "itl_ms": "ITL, ms", "output_tokens_per_s": "output tok/s"}


def load(lv) -> str:
    if lv.concurrency:
        return f"concurrency {lv.concurrency}"
    return "rate inf" if lv.rate is None or math.isinf(lv.rate) else f"rate {lv.rate:g}/s"


def _v(x) -> str:
    return "-" if x is None else (f"{x:,.0f}" if abs(x) >= 100 else f"{x:.2f}")


def rows_as_dicts(rows):
    from ..observe.bench import pairs

    out = []
    for r in rows:
        out.append({"source": r.level.source, "tool": r.level.tool, "load": load(r.level),
                    "requests": r.level.requests, "prompt_tokens": r.level.prompt_tokens,
                    "output_tokens": r.level.output_tokens, "saturated_predicted": r.predicted["saturated"],
                    "pairs": [{"metric": m, "stat": s, "measured": a, "predicted": b,
                               "error": (b - a) / a if a else None} for m, s, a, b in pairs(r)]})
    return out


def render(rows, head: str, notes=(), width: int = 80) -> str:
    from ..observe.bench import pairs

    out = []

    def para(text):
        out.extend(textwrap.wrap(text, width, subsequent_indent="  ", break_on_hyphens=False,
                                 break_long_words=False))

    para(head)
    out.append("")
    out.append(f"{'load level':<28}{'metric':<14}{'stat':<6}{'measured':>10}{'predicted':>11}{'error':>9}")
    for r in rows:
        first = True
        label = f"{load(r.level)} ({r.level.requests:,})"
        for m, s, a, b in pairs(r):
            err = f"{(b - a) / a:+.0%}" if a else "-"
            out.append(f"{(label if first else ''):<28}{NAMES[m]:<14}{s:<6}{_v(a):>10}{_v(b):>11}{err:>9}")
            first = False
        if r.predicted["saturated"]:
            out.append(f"{'':<28}simulated: saturated")
    out.append("(error: predicted against measured; in brackets: requests completed in the run,")
    out.append(" replayed up to --max-requests)")
    for n in notes:
        para(f"note: {n}")
    return "\n".join(out) + "\n"
