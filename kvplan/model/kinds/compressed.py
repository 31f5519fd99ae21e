"""DeepSeek-V4's compressed attention: a sliding window plus a compressed KV series and, on CSA
layers, a lightning indexer's compressed keys."""
from __future__ import annotations

from typing import Literal

from ..frozen import NonNegativeInt, PositiveInt, model_validator
from .base import SideCache, StateTensor, _divides, _Frozen


class CompressedAttention(_Frozen):
    """DeepSeek-V4 attention (CSA / HCA / sliding-only layers; transformers DeepseekV4Attention,
    DeepseekV4HCACache / DeepseekV4CSACache; DeepSeek-V4 paper §2.3).

    One shared K=V vector of ``head_dim`` per token (MQA, one KV head) kept for the last
    ``window`` tokens, and, when ``compress_ratio`` > 0, one compressed entry of ``head_dim``
    per ``compress_ratio`` tokens for the whole context. CSA layers (ratio 4 in the released
    configs) add a lightning indexer whose compressed keys (``index_head_dim``, fp8 + one fp32
    scale per 128 values) are kept per compressed entry. A compressor keeps, per sequence, the
    projected kv and gate of the tokens of the unfinished window (at most ratio − 1 tokens;
    ``coff`` = 2 series for overlapping CSA windows, 1 for HCA) and, for CSA, the previous
    window's first series (overlap); the indexer's own compressor keeps the same at
    ``index_head_dim``. That state is bounded: ``state`` counts its largest size.
    """

    kind: Literal["compressed"] = "compressed"
    num_heads: PositiveInt
    head_dim: PositiveInt
    qk_rope_head_dim: PositiveInt
    window: PositiveInt
    compress_ratio: NonNegativeInt = 0  # 0 = sliding window only
    q_lora_rank: PositiveInt
    o_groups: PositiveInt
    o_lora_rank: PositiveInt
    index_n_heads: NonNegativeInt = 0
    index_head_dim: NonNegativeInt = 0
    index_format: str = "fp8_ds_index"
    indexed: bool = False  # a lightning indexer on this layer (CSA)

    @model_validator(mode="after")
    def _indexer_dims(self):
        if self.indexed and not (self.compress_ratio and self.index_n_heads and self.index_head_dim):
            raise ValueError("an indexed compressed layer needs compress_ratio, index_n_heads and index_head_dim")
        return self

    @property
    def coff(self) -> int:
        """Series per source token: 2 with overlapping windows (CSA), else 1."""
        return 2 if self.indexed else 1

    def kv_rows(self) -> list[tuple[int, int]]:
        return [(1, self.head_dim)]

    def span(self, ctx: int) -> int:
        return min(ctx, self.window)

    def side_caches(self) -> list[SideCache]:
        if not self.compress_ratio:
            return []
        out = [SideCache(name="compressed kv", values=self.head_dim, stride=self.compress_ratio)]
        if self.indexed:
            out.append(SideCache(name="indexer keys", values=self.index_head_dim, stride=self.compress_ratio,
                                 format=self.index_format))
        return out

    def _compressor_values(self, dim: int) -> int:
        pending = (self.compress_ratio - 1) * 2 * self.coff * dim  # kv + gate of the unfinished window
        overlap = self.compress_ratio * 2 * dim if self.coff == 2 else 0  # previous window's kv + gate
        return pending + overlap

    def state(self, model_dtype: str) -> list[StateTensor]:
        if not self.compress_ratio:
            return []
        out = [StateTensor(name="compressor", elements=self._compressor_values(self.head_dim), dtype=model_dtype)]
        if self.indexed:
            out.append(StateTensor(name="indexer compressor", elements=self._compressor_values(self.index_head_dim),
                                   dtype=model_dtype))
        return out

    def params(self, hidden: int) -> int:
        """transformers DeepseekV4Attention: q_a, q_a_norm, q_b, kv_proj, kv_norm, grouped o_a
        (num_heads × head_dim / o_groups -> o_groups × o_lora_rank, one weight shared by the
        groups' blocks), o_b, sinks; the compressor (kv, gate, position_bias, kv_norm) and, on CSA
        layers, the indexer (its own compressor, q_b_proj, weights_proj)."""
        d, r = self.head_dim, self.q_lora_rank
        n = hidden * r + r + r * self.num_heads * d + hidden * d + d
        n += (self.num_heads * d // self.o_groups) * self.o_groups * self.o_lora_rank
        n += self.o_groups * self.o_lora_rank * hidden + self.num_heads
        if self.compress_ratio:
            c = self.coff * d
            n += 2 * hidden * c + self.compress_ratio * c + d
            if self.indexed:
                i = self.index_head_dim
                n += 2 * hidden * 2 * i + self.compress_ratio * 2 * i + i
                n += r * self.index_n_heads * i + hidden * self.index_n_heads
        return n

    def linears(self, hidden: int) -> list[tuple[int, int]]:
        """q_a, q_b, kv, o_a, o_b (the compressor's and indexer's projections are left out)."""
        d = self.head_dim
        return [(self.q_lora_rank, hidden), (self.num_heads * d, self.q_lora_rank), (d, hidden),
                (self.o_groups * self.o_lora_rank, self.num_heads * d // self.o_groups),
                (hidden, self.o_groups * self.o_lora_rank)]

    def mix_flops(self, first: int, last: int) -> int:
        """Query i attends the K=V entries of its window (min(i, window)) and every compressed
        entry so far (i // ratio), q·k and p·v over head_dim in each head; a CSA layer's indexer
        also scores each compressed entry (index heads × index_head_dim). An upper bound where
        the indexer keeps a top-k of the entries."""
        def window_keys(n):
            w = self.window
            return n * (n + 1) // 2 if n <= w else w * (w + 1) // 2 + (n - w) * w

        def compressed(n):  # Σ_{i=1..n} i // ratio
            r = self.compress_ratio
            if not r:
                return 0
            q = n // r
            return r * q * (q - 1) // 2 + q * (n - q * r + 1)

        per_key = 2 * self.num_heads * 2 * self.head_dim
        n = per_key * (window_keys(last) - window_keys(first - 1))
        entries = compressed(last) - compressed(first - 1)
        n += per_key * entries
        if self.indexed:
            n += 2 * self.index_n_heads * self.index_head_dim * entries
        return n

    def geometry(self) -> str:
        return f"1×{self.head_dim} K=V" + (f" + idx {self.index_head_dim}" if self.indexed else "")

    def shard(self, tp: int):
        """Query heads split over ranks; the single K=V head, the compressed entries and the
        indexer keys are kept whole on every rank (as MLA's latent)."""
        _divides("attention heads", self.num_heads, tp)
        return self.model_copy(update={"num_heads": self.num_heads // tp})

    def label(self) -> str:
        if not self.compress_ratio:
            return f"sliding W={self.window}"
        return f"{'csa' if self.indexed else 'hca'} 1/{self.compress_ratio} + W={self.window}"
