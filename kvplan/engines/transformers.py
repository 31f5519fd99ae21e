"""hf: Hugging Face transformers >= 5, the cache a ``DynamicCache`` holds after one forward over
ctx tokens (transformers/cache_utils.py). Every rule here was measured with transformers 5.23
on the meta device (tests/golden/hf_cache*.json).

Capacity: transformers allocates no pool; its cache grows tensor by tensor, so the tight
accounting of ``Engine`` applies, in this layout.
"""
from __future__ import annotations

from functools import singledispatch

from ..model.kinds import MLA, ChunkedAttention, CompressedAttention, GatedDeltaNet, IndexedMLA, Mamba, Mamba2, SlidingWindow, StateTensor
from .base import Engine, Holding, Side
from .ideal import ideal


@singledispatch
def hf(mixer, ctx: int, run_dtype: str) -> Holding:
    """Full-attention layers: transformers.cache_utils.DynamicLayer concatenates every token:
    K and V of [batch, kv_heads, ctx, head_dim] in the run dtype."""
    return ideal(mixer, ctx, run_dtype)


@hf.register
def _(mixer: MLA, ctx: int, run_dtype: str) -> Holding:
    """DeepseekV2/V3Attention (transformers 5) caches the latent, not per-head K/V: kv_nope
    [b, 1, ctx, kv_lora_rank] as "keys" and k_rot [b, 1, ctx, qk_rope_head_dim] as "values";
    the ideal amount, as two tensors (which matters for grouped formats' rounding)."""
    return Holding([(1, mixer.kv_lora_rank), (1, mixer.qk_rope_head_dim)], ctx)


@hf.register
def _(mixer: IndexedMLA, ctx: int, run_dtype: str) -> Holding:
    """DeepseekV32 / GlmMoeDsa (transformers 5.20): the MLA latent as above, and the indexer's
    keys in a cache_utils DynamicIndexedLayer beside it: indexer_keys [b, ctx, index_head_dim]
    in the model dtype, not fp8 (measured: tests/golden/hf_cache_frontier_bf16.json)."""
    return Holding([(1, mixer.kv_lora_rank), (1, mixer.qk_rope_head_dim)], ctx,
                   sides=(Side("indexer keys", 1, mixer.index_head_dim, ctx, run_dtype),))


@hf.register
def _(mixer: CompressedAttention, ctx: int, run_dtype: str) -> Holding:
    """DeepSeek-V4 (transformers 5.20 DeepseekV4HCACache / DeepseekV4CSACache, both
    DynamicSlidingWindowLayers): the last window − 1 tokens of the K=V vector, stored once
    (values is keys) on compressed layers and as separate K and V on window-only layers; every
    compressed entry so far (ctx // ratio) and, on CSA layers, every compressed indexer key, in
    the model dtype; the projected kv and gate of the ctx % ratio tokens of the unfinished
    window (coff series each) and, once a window has closed on a CSA layer, the previous window's
    first series (kv and gate: ratio × head_dim each), for the compressor and the indexer's own
    (measured: tests/golden/hf_cache_frontier_bf16.json)."""
    d, r = mixer.head_dim, mixer.compress_ratio
    tokens = min(ctx, mixer.window - 1)
    if not r:
        return Holding([(1, d), (1, d)], tokens)
    dims = [d] + ([mixer.index_head_dim] if mixer.indexed else [])
    pending, state = ctx % r, []
    for name, dim in zip(("compressor", "indexer compressor"), dims):
        state.append(StateTensor(name=f"{name} buffer", elements=pending * 2 * mixer.coff * dim, dtype=run_dtype))
        if mixer.coff == 2 and ctx >= r:
            state.append(StateTensor(name=f"{name} overlap", elements=r * 2 * dim, dtype=run_dtype))
    sides = tuple(Side(sc.name, sc.rows, sc.values, ctx // sc.stride, run_dtype, sc.stride)
                  for sc in mixer.side_caches())
    return Holding([(1, d)], tokens, state, sides=sides)


@hf.register
def _(mixer: SlidingWindow, ctx: int, run_dtype: str) -> Holding:
    """cache_utils.DynamicSlidingWindowLayer.update keeps the last ``sliding_window - 1``
    tokens (the current token attends to those plus itself). Sink tokens are not kept."""
    return Holding(mixer.kv_rows(), min(ctx, mixer.window - 1))


@hf.register
def _(mixer: ChunkedAttention, ctx: int, run_dtype: str) -> Holding:
    """Llama 4's chunked layers are cached in DynamicSlidingWindowLayer with the chunk size as
    the window (DynamicCache.__init__ reads ``attention_chunk_size`` when there is no
    ``sliding_window``), so they keep the last ``chunk - 1`` tokens."""
    return Holding(mixer.kv_rows(), min(ctx, mixer.chunk - 1))


@hf.register
def _(mixer: Mamba2, ctx: int, run_dtype: str) -> Holding:
    """cache_utils.LinearAttentionLayer keeps ``conv_states`` of [b, conv_dim, conv_kernel]
    (all ``conv_kernel`` columns) in the run dtype and ``recurrent_states`` of
    [b, heads, head_dim, state_size] as the mixer computes them: in float32, whatever the
    run dtype or ``mamba_ssm_cache_dtype`` (measured with transformers 5.23 for Nemotron-H and
    Nemotron 3 Nano, tests/golden/hf_cache_bf16.json)."""
    return Holding([], 0, [mixer.conv_state(mixer.conv_kernel, run_dtype),
                           StateTensor(name="ssm", elements=mixer.num_heads * mixer.head_dim
                                       * mixer.state_size, dtype="fp32")])


@hf.register
def _(mixer: Mamba, ctx: int, run_dtype: str) -> Holding:
    """Jamba's Mamba layers, likewise: conv [b, inner, conv_kernel] in the run dtype, SSM state
    [b, inner, state_size] in float32 (measured with transformers 5.23 for Jamba v0.1)."""
    return Holding([], 0, [mixer.conv_state(mixer.conv_kernel, run_dtype),
                           StateTensor(name="ssm", elements=mixer.inner * mixer.state_size, dtype="fp32")])


@hf.register
def _(mixer: GatedDeltaNet, ctx: int, run_dtype: str) -> Holding:
    """Same LinearAttentionLayer as Mamba: ``conv_states`` [b, conv_dim, conv_kernel] in the run
    dtype, ``recurrent_states`` [b, value_heads, key_dim, value_dim] in float32 (measured with
    transformers 5.23 for Qwen3-Next, tests/golden/hf_cache_extra_bf16.json)."""
    return Holding([], 0, [mixer.conv_state(mixer.conv_kernel, run_dtype), mixer.recurrent_state("fp32")])


class HF(Engine):
    name = "hf"
    summary = "Hugging Face transformers >= 5 DynamicCache after a forward over ctx tokens"
    version = "transformers 5.23"
    state_in_kv_dtype = True
    rule = staticmethod(hf)
    # measured (tests/golden/hf_cache_frontier_bf16.json); MiniMax-M3 (no transformers class) and
    # KDA (Kimi-K3: remote code) are not, and are refused
    frontier = frozenset({"mla_indexed", "compressed", "mimo_v2_flash"})


ENGINE = HF()
