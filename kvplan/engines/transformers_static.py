"""hf-static: Hugging Face transformers >= 5 ``StaticCache(config, max_cache_len=ctx)``, the
pre-allocated cache ``torch.compile`` and ``generate(cache_implementation="static")`` use
(transformers/cache_utils.py StaticCache, STATIC_LAYER_TYPE_MAPPING).

Every layer is allocated in full when the cache is created, for the whole batch: full
attention at ``max_cache_len`` tokens (StaticLayer), sliding and chunked layers at
``min(window, max_cache_len)`` (StaticSlidingWindowLayer: the whole window, where the dynamic
cache keeps window − 1), MLA as the latent and recurrent layers as their states, exactly as
``hf`` holds them. Measured with transformers 5.20.2 on the meta device for the 25 shared
configs at 100, 5,000 and 9,000 tokens and batch 1 and 2 (tests/golden/hf_static_bf16.json).
"""
from __future__ import annotations

from functools import singledispatch

from ..model.kinds import ChunkedAttention, SlidingWindow
from .base import Engine, Holding
from .transformers import hf


@singledispatch
def hf_static(mixer, ctx: int, run_dtype: str) -> Holding:
    """Full attention, MLA and recurrent layers: as DynamicCache holds them after ctx tokens."""
    return hf(mixer, ctx, run_dtype)


@hf_static.register
def _(mixer: SlidingWindow, ctx: int, run_dtype: str) -> Holding:
    """StaticSlidingWindowLayer: effective max_cache_len = min(sliding_window, max_cache_len)."""
    return Holding(mixer.kv_rows(), min(ctx, mixer.window))


@hf_static.register
def _(mixer: ChunkedAttention, ctx: int, run_dtype: str) -> Holding:
    """Chunked layers map to StaticSlidingWindowLayer with the chunk size as the window."""
    return Holding(mixer.kv_rows(), min(ctx, mixer.chunk))


class HFStatic(Engine):
    name = "hf-static"
    summary = "Hugging Face transformers >= 5 StaticCache pre-allocated at max_cache_len = ctx"
    version = "transformers 5.20.2"
    state_in_kv_dtype = True
    rule = staticmethod(hf_static)


ENGINE = HFStatic()
