"""Multi-head latent attention (DeepSeek V2/V3, Kimi K2) and its variants: with a lightning
indexer (DeepSeek-V3.2, GLM-5) and with a gated output (Kimi Linear)."""
from __future__ import annotations

from typing import Literal

from ..frozen import PositiveInt
from .base import SideCache, StateTensor, _divides, _Frozen


class MLA(_Frozen):
    """Multi-head latent attention (DeepSeek V2/V3, Kimi K2).

    A tight cache keeps, per token, the compressed KV latent (``kv_lora_rank``) and the shared
    decoupled RoPE key (``qk_rope_head_dim``): one "head", no separate V. Per-head K and V are
    re-expanded from the latent (or absorbed into the projections) at attention time.
    """

    kind: Literal["mla"] = "mla"
    num_heads: PositiveInt
    kv_lora_rank: PositiveInt
    qk_rope_head_dim: PositiveInt
    qk_nope_head_dim: PositiveInt
    v_head_dim: PositiveInt
    q_lora_rank: PositiveInt | None = None
    o_bias: bool = False

    def kv_rows(self) -> list[tuple[int, int]]:
        return [(1, self.kv_lora_rank + self.qk_rope_head_dim)]

    def span(self, ctx: int) -> int:
        return ctx

    def state(self, model_dtype: str) -> list[StateTensor]:
        return []

    def params(self, hidden: int) -> int:
        qk_head = self.qk_nope_head_dim + self.qk_rope_head_dim
        if self.q_lora_rank:  # q_a_proj, q_a_layernorm, q_b_proj
            n = hidden * self.q_lora_rank + self.q_lora_rank + self.q_lora_rank * self.num_heads * qk_head
        else:
            n = hidden * self.num_heads * qk_head
        n += hidden * (self.kv_lora_rank + self.qk_rope_head_dim)  # kv_a_proj_with_mqa
        n += self.kv_lora_rank  # kv_a_layernorm
        n += self.kv_lora_rank * self.num_heads * (self.qk_nope_head_dim + self.v_head_dim)  # kv_b
        n += self.num_heads * self.v_head_dim * hidden + (hidden if self.o_bias else 0)  # o_proj
        return n

    def linears(self, hidden: int) -> list[tuple[int, int]]:
        """q_a/q_b (or q), kv_a_proj_with_mqa, kv_b, o as (out, in)."""
        qk_head = self.qk_nope_head_dim + self.qk_rope_head_dim
        q = [(self.q_lora_rank, hidden), (self.num_heads * qk_head, self.q_lora_rank)] \
            if self.q_lora_rank else [(self.num_heads * qk_head, hidden)]
        return q + [(self.kv_lora_rank + self.qk_rope_head_dim, hidden),
                    (self.num_heads * (self.qk_nope_head_dim + self.v_head_dim), self.kv_lora_rank),
                    (hidden, self.num_heads * self.v_head_dim)]

    def mix_flops(self, first: int, last: int) -> int:
        """Absorbed MLA (DeepSeek-V2 paper §2.1.2; vLLM's MLA decode path): each query head
        scores the cached latent + RoPE key (kv_lora_rank + rope dims) and sums the latent
        (kv_lora_rank), so per key 2 × heads × (2 × kv_lora_rank + rope dims); causal."""
        per_key = 2 * self.num_heads * (2 * self.kv_lora_rank + self.qk_rope_head_dim)
        return per_key * (last * (last + 1) // 2 - (first - 1) * first // 2)

    def prefill_flops(self, first: int, last: int, pad_v: bool = False) -> int:
        """A prompt's attention as the engines run MLA in prefill: non-absorbed. The latent is up-projected to
        per-head K (qk_nope + rope dims) and V (v_head_dim) by kv_b (a GEMM in ``linears``), then multi-head attention:
        per key 2 × heads × (qk_nope + qk_rope + v_head_dim), causal (vLLM ``MLACommonImpl._forward_prefill``:
        kv_b_proj then flash_attn_varlen_func with head dim 192 / 128; SGLang's ``forward_normal`` MHA path for
        extends). DeepSeek-V3 at 16 heads: 2 × 16 × 320 = 10,240 FLOPs per key, against 34,816 absorbed. ``pad_v``: V
        zero-padded to the query/key head dim (a FlashAttention build without two head dims: engines.yaml
        ``mla_prefill_v_padding``), 2 × 16 × 384 = 12,288."""
        qk = self.qk_nope_head_dim + self.qk_rope_head_dim
        per_key = 2 * self.num_heads * (qk + (max(qk, self.v_head_dim) if pad_v else self.v_head_dim))
        return per_key * (last * (last + 1) // 2 - (first - 1) * first // 2)

    def geometry(self) -> str:
        return f"latent {self.kv_lora_rank}+{self.qk_rope_head_dim}"

    def shard(self, tp: int):
        """Query heads split over ranks; the latent is one "head" that every rank keeps whole
        (replicated, never split), as are q_a/kv_a projections (vLLM's DeepseekV2MLAAttention)."""
        _divides("attention heads", self.num_heads, tp)
        return self.model_copy(update={"num_heads": self.num_heads // tp})

    def label(self) -> str:
        return "mla"


def _indexer_params(hidden: int, q_lora_rank: int | None, n_heads: int, head_dim: int) -> int:
    """DeepSeek-V3.2's lightning indexer (transformers DeepseekV32Indexer): wq_b (q_lora_rank ->
    n_heads × head_dim), wk (hidden -> head_dim), k_norm (LayerNorm: weight + bias) and
    weights_proj (hidden -> n_heads), all bias-free."""
    return (q_lora_rank or hidden) * n_heads * head_dim + hidden * head_dim + 2 * head_dim + hidden * n_heads


class IndexedMLA(MLA):
    """DeepSeek Sparse Attention (DeepSeek-V3.2, GLM-5/5.1): an MLA layer plus a lightning
    indexer whose keys are cached beside the latent: per token, one ``index_head_dim`` key in
    fp8 with one fp32 scale per 128 values (DeepSeek-V3.2's inference/model.py Indexer keeps
    ``k_cache`` in float8_e4m3fn and ``k_scale_cache`` in float32; vLLM's
    DeepseekV32IndexerCache head_size = index_head_dim + index_head_dim // 128 × 4 bytes).
    The indexer's ``index_n_heads`` query heads are not cached. The index key is in this
    format whatever the latent's KV dtype."""

    kind: Literal["mla_indexed"] = "mla_indexed"
    index_n_heads: PositiveInt
    index_head_dim: PositiveInt
    index_format: str = "fp8_ds_index"

    def side_caches(self) -> list[SideCache]:
        return [SideCache(name="indexer keys", values=self.index_head_dim, format=self.index_format)]

    def params(self, hidden: int) -> int:
        return super().params(hidden) + _indexer_params(hidden, self.q_lora_rank, self.index_n_heads,
                                                        self.index_head_dim)

    def linears(self, hidden: int) -> list[tuple[int, int]]:
        """MLA's matrices plus the indexer's wq_b and wk (weights_proj, hidden -> heads, is small
        and kept out, as the router is)."""
        return super().linears(hidden) + [(self.index_n_heads * self.index_head_dim, self.q_lora_rank or hidden),
                                          (self.index_head_dim, hidden)]

    def mix_flops(self, first: int, last: int) -> int:
        """MLA's (over every key: DSA's top-k selection is not modelled, an upper bound) plus the
        indexer scoring every key: index heads × index_head_dim, a multiply and an add."""
        keys = last * (last + 1) // 2 - (first - 1) * first // 2
        return super().mix_flops(first, last) + 2 * self.index_n_heads * self.index_head_dim * keys

    def prefill_flops(self, first: int, last: int, pad_v: bool = False) -> int:
        """As at decode (``mix_flops``): DeepSeek Sparse Attention's prefill kernel is not modelled apart."""
        return self.mix_flops(first, last)

    def geometry(self) -> str:
        return f"{super().geometry()} + index {self.index_head_dim}"

    def label(self) -> str:
        return "mla + indexer"


class GatedMLA(MLA):
    """MLA with a sigmoid output gate (Kimi-K3's mla_use_output_gate): the same cache as MLA (so
    every engine's MLA rule applies), one more hidden -> heads × v_head_dim projection (vLLM
    model_executor/layers/linear.py KimiK3MergedQKVGateLinear: [q_a | kv_a | gate])."""

    kind: Literal["mla_gated"] = "mla_gated"

    def params(self, hidden: int) -> int:
        return super().params(hidden) + hidden * self.num_heads * self.v_head_dim

    def linears(self, hidden: int) -> list[tuple[int, int]]:
        return super().linears(hidden) + [(self.num_heads * self.v_head_dim, hidden)]

    def label(self) -> str:
        return "mla (gated)"
