"""The longest context a batch can have when the model's own max context cannot start.

``fit(batch=B)`` asks: how long can each of B sequences be? An engine that refuses to start
unless one request of ``max_model_len`` fits (vLLM, whose default is the model's whole
context) answers 0 on a card too small for that default, although a smaller
``--max-model-len`` starts and serves B sequences. Where the user did not choose
``max_model_len``, ``longest_for_batch`` answers the question asked: the largest context ``c``
such that the engine, started with ``max_model_len = c``, holds B sequences of ``c`` tokens,
and says which ``--max-model-len`` to pass.
"""
from __future__ import annotations

from ..engines import ServeOptions
from ..engines.base import largest
from ..model.frozen import replace
from .fit import FitReport, fit


def _with_len(opts: ServeOptions, n: int) -> ServeOptions:
    return replace(opts, max_model_len=n)


def longest_for_batch(spec, gpu, tp: int = 1, pp: int = 1, engine: str = "vllm", kv_dtype: str | None = None,
                      weight_dtype: str | None = None, batch: int = 1, opts: ServeOptions | None = None,
                      text_only: bool = False, first: FitReport | None = None) -> FitReport:
    """``fit(batch=batch)``; where it is refused only because the default max_model_len cannot
    start, the fit at the longest context that can (with a note naming the flag)."""
    opts = opts or ServeOptions()
    r = first or fit(spec, gpu, tp, pp, engine, kv_dtype, weight_dtype, None, batch, opts, text_only)
    default = r.capacity.max_model_len
    if r.fits or opts.max_model_len is not None or r.capacity.fits or r.kv_budget_bytes <= 0:
        return r

    def at(c: int) -> FitReport:
        return fit(spec, gpu, tp, pp, engine, kv_dtype, weight_dtype, None, batch, _with_len(opts, c), text_only)

    def ok(c: int) -> bool:
        f = at(c)
        return f.fits and f.capacity.fits and (f.max_ctx or 0) >= c

    # a first guess, only a shortcut and checked: the context a sequence has in the plan started
    # at the engine's own estimate of the longest max_model_len (vLLM's); else, or where the
    # check fails, a binary search over [1, default)
    est = r.capacity.detail.get("estimated_max_model_len") or 0
    guess = (at(est).max_ctx or 0) if 0 < est < default else 0
    if guess and ok(guess) and not ok(guess + 1):
        best = guess
    else:
        best = largest(ok, default - 1)  # the engines' one binary search
        if best == 0:
            return r
    out = at(best)
    note = (f"{out.engine} cannot start with the model's max context ({default:,} tokens) as "
            f"max-model-len on this GPU; the longest context for {batch:,} "
            f"sequence{'s' if batch != 1 else ''} is {best:,} tokens each: "
            f"pass --max-model-len {best} so that {out.engine} starts")
    return replace(out, notes=(note, *out.notes))
