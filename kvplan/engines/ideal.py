"""ideal: what a tight cache must hold to decode the next token (kvplan's default layout).

Not an engine anyone runs: the floor every engine's layout is measured against. Its budget
and capacity are the engine-neutral ones of ``Engine``: the whole budget holds cache, one
token at a time.
"""
from __future__ import annotations

from functools import singledispatch

from .base import FRONTIER_FAMILIES, FRONTIER_KINDS, Engine, Holding, side_holdings


@singledispatch
def ideal(mixer, ctx: int, run_dtype: str) -> Holding:
    """Every token a layer can still attend to, and the state a recurrent layer carries.

    full: ctx tokens; sliding: min(ctx, W + sinks); chunked: min(ctx, chunk); MLA: the latent
    (kv_lora_rank + rope dims, one row) for ctx tokens; Mamba2: conv_kernel - 1 conv columns
    and the SSM state, in its own dtype; none: nothing. Side caches (indexer keys, compressed
    entries): one entry per complete stride of tokens.
    """
    return Holding(mixer.kv_rows(), mixer.span(ctx), mixer.state(run_dtype), sides=side_holdings(mixer, ctx))


class Ideal(Engine):
    name = "ideal"
    summary = "what a tight cache must hold to decode the next token"
    rule = staticmethod(ideal)
    frontier = FRONTIER_KINDS | FRONTIER_FAMILIES


ENGINE = Ideal()
