"""`kvplan sweep`: every (context, batch, KV format) point, fast.

The cache of ``batch`` sequences is batch × (one sequence's cache), and one sequence's cache
at a context is a sum over layer types; so the per-sequence bytes (and, with a GPU, the
per-sequence decode bytes and attention FLOPs) are computed once per (context, format) and
every batch is a multiplication; with a GPU each point's decode step is perf's own
(``perf.step_model``, per operation), bit for bit, each context's batches priced at once
without building the records (``decode_steps_many``). 100,000 points take well under a
second with or without a GPU (benchmarks/sweep_speed.py; docs/performance.md).
"""
from __future__ import annotations

import re

from ..model import dtypes
from ..errors import KvplanError, opt
from .parallel import tp_needs_gpu
from .verdict import batch_band
from ..units import parse_range  # noqa: F401  (sweep.parse_range: the range syntax, in units)


def sweep(spec, ctxs: list[int], batches: list[int], kv_dtypes: list[str | None],
          gpu=None, tp: int = 1, engine: str | None = None, weight_dtype: str | None = None,
          progress=None, opts=None) -> dict:
    """Rows for every (ctx, batch, kv format), plus the GPU's KV budget when one is given (``kv_budget_bytes``:
    over all ``tp`` GPUs, as the rows' bytes count the whole cache; ``kv_budget_bytes_per_gpu``: fit's figure).

    Without a GPU: KV bytes in ``engine``'s layout (default: ideal). With one: also whether the
    batch fits, which is fit's own answer (``fit.setup(...).max_batch(ctx)``, the engine fit
    uses: ``engine``, or vLLM when none is given, as ``kvplan fit`` does), and the decode
    step's time, tokens/s and bound as ``kvplan perf`` prices them (``perf.step_model``)."""
    from .. import engines
    from ..engines.base import cache_bytes

    tp_needs_gpu(tp, gpu, "the fits")
    if gpu is None and weight_dtype is not None:  # without a GPU no column reads the weights
        raise KvplanError(f"{opt('weight_dtype')} prices the fits and the decode step on a GPU; give {opt('gpu')} "
                          f"(the bytes are the KV cache's only)")
    engine = None if engine is None else str(engine).strip().lower()  # as engines.get reads it
    layout = engine or "ideal"
    fit_engine = engine or "vllm"
    eng_base = engines.get(layout)
    opts = opts or engines.ServeOptions()
    run = eng_base.run_dtype(spec, gpu)
    rows, budgets, per_gpu = [], {}, {}
    fmts = [dtypes.get(k or run) for k in kv_dtypes]
    for fmt in fmts:
        roof = su = None
        eng = eng_base.for_model(spec, gpu, opts, fmt.name, run)
        if gpu is not None:
            from .fit import setup
            from .perf import step_model

            from .latency.versions import release_profile  # --engine-version: that release's per-step costs

            roof = step_model(spec, gpu, tp, fmt.name, weight_dtype, release_profile(fit_engine, opts))  # perf's
            su = setup(spec, gpu, tp=tp, engine=fit_engine, kv_dtype=fmt.name, weight_dtype=weight_dtype,
                       opts=opts)
            if su.eng.name == eng_base.name:
                eng = su.eng  # the layout fit plans (vLLM: this GPU's in-flight batch)
            per_gpu[fmt.name] = max(min(s.kv_budget_bytes for s in su.stages), 0)  # fit's kv_budget_bytes
            budgets[fmt.name] = per_gpu[fmt.name] * tp  # all GPUs, as the bytes count
            # at risk: batches that fit only if the estimated parts err the kind way (plan/verdict.py)
            pess = su.pessimistic()
        for c in ctxs:
            per_seq = cache_bytes(spec, c, 1, fmt, eng, run)
            if roof is not None:
                most = su.max_batch(c)
                low = pess.max_batch(c) if most else 0
                # every batch's step at this context, bit for bit perf's (tests/plan/test_one_answer.py)
                steps = roof.decode_steps_many(c, batches, roof.decode_terms(c))
            for i, b in enumerate(batches):
                row = {"ctx": c, "batch": b, "kv_dtype": fmt.name, "kv_cache_bytes": b * per_seq}
                if roof is not None:  # the decode step, as kvplan perf prices it
                    t, bound = steps[i]
                    row.update(fits=b <= most, verdict=batch_band(b, most, low), decode_step_seconds=t,
                               tokens_per_second=b / t, bound=bound)
                rows.append(row)
            if progress:
                progress(len(batches))
    return {"rows": rows, "kv_budget_bytes": budgets, "engine": eng_base.name,
            "fit_engine": fit_engine if gpu is not None else None, "tp": tp, "kv_budget_bytes_per_gpu": per_gpu}

