"""``kvplan fit`` with what lies beyond the GPU's pool priced too (issue 23): the time to bring a
prefix back from the host tier beside recomputing it (plan/reload.py) and, with a trace, the
prefix hits per tier (plan/reuse.py). Kept apart from plan/fit.py, which the step model and
simulate import: these import them in turn."""
from __future__ import annotations

import inspect

from ..errors import KvplanError
from .fit import fit as _fit


def fit(spec, gpu, *args, trace: str | None = None, trace_prefix: int = 0, **kw):
    """``plan.fit.fit``, then the reload times and the trace's reuse in the capacity's detail."""
    r = _fit(spec, gpu, *args, **kw)
    cap, notes = r.capacity, list(r.notes)
    if cap.fits and "cpu_offload" in cap.detail:
        _reload(spec, gpu, r, cap.detail["cpu_offload"], r.ctx or cap.max_model_len, notes)
    if trace is not None and cap.fits:  # opts as fit takes it, by name or by position
        opts = inspect.signature(_fit).bind(spec, gpu, *args, **kw).arguments.get("opts")
        cap.detail["reuse"] = _reuse(trace, cap, opts, trace_prefix)
    from ..model.frozen import replace

    return replace(r, notes=tuple(notes)) if len(notes) != len(r.notes) else r


def _reload(spec, gpu, r, tier: dict, prefix: int, notes: list) -> None:
    from .reload import reload

    rows = [("CPU (host)", tier["host_bytes_per_rank"] // tier["cpu_tokens"])] if tier.get("cpu_tokens") else []
    if tier.get("disk_tokens"):  # LMCache's local disk, per rank
        rows.append(("local disk", tier["disk_bytes_per_rank"] // tier["disk_tokens"], "disk"))
    if not rows:
        return
    try:
        tier["reload"] = reload(spec, gpu, r.tp, r.kv_dtype, r.engine, rows, prefix)
    except KvplanError as e:
        notes.append(f"reload time not priced: {e}")


def _reuse(path: str, cap, opts, shared_prefix: int) -> dict:
    from .reuse import replay
    from .simulate import read_trace, within_max_model_len

    tiers = [("GPU (KV pool)", cap.kv_cache_tokens)]
    cpu = cap.detail.get("cpu_offload", {})
    if cpu.get("cpu_tokens"):
        tiers.append(("CPU (host)", cpu["cpu_tokens"]))
    block = cap.detail.get("block_size") or cap.detail.get("page_size") or \
        (opts.block_size if opts is not None else None) or 16
    reqs = read_trace(path)
    clipped = within_max_model_len(reqs, cap.max_model_len)  # as simulate holds them: one rule
    u = replay(reqs, shared_prefix, block, tiers)
    return {"requests": u.requests, "prompt_tokens": u.prompt_tokens, "block_size": u.block_size,
            "hit_rate": u.hit_rate, "missed_tokens": u.missed_tokens, "note": u.note, "outputs_cut": clipped,
            "tiers": [{"tier": t.tier, "capacity_tokens": t.capacity_tokens, "hit_tokens": t.hit_tokens}
                      for t in u.tiers]}
