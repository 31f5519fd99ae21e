"""`kvplan sweep`: every (context, batch, KV format) point, fast.

The cache of ``batch`` sequences is batch × (one sequence's cache), and one sequence's cache
at a context is a sum over layer types; so the per-sequence bytes (and, with a GPU, the
per-sequence decode bytes and attention FLOPs) are computed once per (context, format) and
every batch is a multiplication. 100,000 points take well under a second
(benchmarks/sweep_speed.py).
"""
from __future__ import annotations

import re

from ..model import dtypes
from ..errors import KvplanError
from ..units import parse_count


def parse_range(name: str, text: str) -> list[int]:
    """``1k:128k`` (doubling from the first to the last, the last always included),
    ``1k:128k:x4`` (× 4), ``1024:8192:+1024`` (steps of 1,024), or a list ``1,8,32``."""
    t = str(text).strip()
    if ":" in t:
        parts = t.split(":")
        if len(parts) not in (2, 3):
            raise KvplanError(f"{name} range must be START:END or START:END:xF / +STEP, got '{text}'")
        lo, hi = parse_count(parts[0], name), parse_count(parts[1], name)
        if hi < lo:
            raise KvplanError(f"{name} range ends before it starts: '{text}'")
        step = parts[2].strip() if len(parts) == 3 else "x2"
        m = re.fullmatch(r"([x*+])(.+)", step)
        if not m:
            raise KvplanError(f"{name} range step must be xF (multiply) or +N (add), got '{step}'")
        s = parse_count(m.group(2), name)
        if m.group(1) in "x*" and s < 2:
            raise KvplanError(f"{name} range factor must be at least 2, got '{step}'")
        out, v = [], lo
        while v <= hi:
            out.append(v)
            v = v * s if m.group(1) in "x*" else v + s
            if len(out) > 100_000:
                raise KvplanError(f"{name} range '{text}' has more than 100,000 values")
        if out[-1] != hi:
            out.append(hi)
        return out
    vals = [parse_count(v, name) for v in t.split(",") if v.strip()]
    if not vals:
        raise KvplanError(f"{name} is empty")
    return vals


def sweep(spec, ctxs: list[int], batches: list[int], kv_dtypes: list[str | None],
          gpu=None, tp: int = 1, engine: str | None = None, weight_dtype: str | None = None,
          progress=None, opts=None) -> dict:
    """Rows for every (ctx, batch, kv format), plus the GPU's KV budget when one is given.

    Without a GPU: KV bytes in ``engine``'s layout (default: ideal). With one: also whether the
    batch fits, which is fit's own answer (``fit.setup(...).max_batch(ctx)``, the engine fit
    uses: ``engine``, or vLLM when none is given, as ``kvplan fit`` does), and the decode
    step's time and tokens/s from the roofline (``perf``)."""
    from .. import engines
    from ..engines.base import cache_bytes

    layout = engine or "ideal"
    fit_engine = engine or "vllm"
    eng_base = engines.get(layout)
    opts = opts or engines.ServeOptions()
    run = eng_base.run_dtype(spec, gpu)
    rows, budgets = [], {}
    fmts = [dtypes.get(k or run) for k in kv_dtypes]
    for fmt in fmts:
        roof = su = None
        eng = eng_base.for_model(spec, gpu, opts, fmt.name, run)
        if gpu is not None:
            from .fit import setup
            from .perf import Roofline

            roof = Roofline(spec, gpu, tp, fmt.name, weight_dtype)
            su = setup(spec, gpu, tp=tp, engine=fit_engine, kv_dtype=fmt.name, weight_dtype=weight_dtype,
                       opts=opts)
            if su.eng.name == eng_base.name:
                eng = su.eng  # the layout fit plans (vLLM: this GPU's in-flight batch)
            budget = max(min(s.kv_budget_bytes for s in su.stages), 0) * tp  # all GPUs, as the bytes count
            budgets[fmt.name] = budget
            wread = {b: roof.weights_read(b) for b in batches}
        for c in ctxs:
            per_seq = cache_bytes(spec, c, 1, fmt, eng, run)
            if roof is not None:
                most = su.max_batch(c)
                # at risk: batches that fit only if the estimated parts err the kind way (plan/verdict.py)
                low = su.pessimistic().max_batch(c) if most else 0
                kv_read = roof.kv_tokens_read(c)
                attn = roof.mix_flops(c + 1, c + 1)
                mm = 2 * roof.active_params
                extra = roof.kv_written(c) + 2 * roof.state_per_seq
            for b in batches:
                row = {"ctx": c, "batch": b, "kv_dtype": fmt.name, "kv_cache_bytes": b * per_seq}
                if roof is not None:  # the decode step, by the roofline's own equation
                    t, bound = roof.pass_seconds(b, wread[b] + b * (kv_read + extra), b * (mm + attn))
                    row.update(fits=b <= most, verdict="fits" if b <= low else "at_risk" if b <= most
                               else "does_not_fit", decode_step_seconds=t, tokens_per_second=b / t, bound=bound)
                rows.append(row)
            if progress:
                progress(len(batches))
    return {"rows": rows, "kv_budget_bytes": budgets, "engine": eng_base.name,
            "fit_engine": fit_engine if gpu is not None else None}
