"""Softmax attention with K/V heads (MHA, GQA, MQA): full, sliding-window, chunked, and full
attention with a lightning indexer (MiniMax-M3)."""
from __future__ import annotations

from typing import Literal

from ..frozen import NonNegativeInt, PositiveInt, model_validator
from .base import SideCache, StateTensor, _divides, _Frozen


class _Attention(_Frozen):
    """Geometry shared by softmax-attention kinds: MHA, GQA and MQA are one thing.

    ``num_kv_heads`` = ``num_heads`` is MHA, 1 is MQA, anything dividing ``num_heads`` is GQA.
    ``head_dim`` is stated, never derived (Gemma's is not hidden / heads). ``v_head_dim``
    defaults to ``head_dim``.
    """

    num_heads: PositiveInt
    num_kv_heads: PositiveInt
    head_dim: PositiveInt
    v_head_dim: PositiveInt | None = None
    qkv_bias: bool = False
    o_bias: bool = False
    qk_norm: bool = False  # per-head RMSNorm on q and k (Qwen3, Gemma 3): 2 * head_dim params
    learned_sinks: bool = False  # gpt-oss: one learned sink logit per head (not sink tokens)
    k_eq_v: bool = False  # Gemma 4 global layers: no v_proj, V is computed from the K projection
    output_gate: bool = False  # Qwen3-Next: q_proj also emits a per-head output gate (2 × q)

    @model_validator(mode="after")
    def _heads_divide(self):
        if self.num_heads % self.num_kv_heads:
            raise ValueError(f"num_heads ({self.num_heads}) is not divisible by "
                             f"num_kv_heads ({self.num_kv_heads})")
        return self

    @property
    def v_dim(self) -> int:
        return self.v_head_dim or self.head_dim

    def kv_rows(self) -> list[tuple[int, int]]:
        return [(self.num_kv_heads, self.head_dim), (self.num_kv_heads, self.v_dim)]

    def state(self, model_dtype: str) -> list[StateTensor]:
        return []

    def params(self, hidden: int) -> int:
        q = self.num_heads * self.head_dim
        k = self.num_kv_heads * self.head_dim
        v = 0 if self.k_eq_v else self.num_kv_heads * self.v_dim
        qp = 2 * q if self.output_gate else q
        n = hidden * (qp + k + v) + self.num_heads * self.v_dim * hidden
        if self.qkv_bias:
            n += qp + k + v
        if self.o_bias:
            n += hidden
        if self.qk_norm:
            n += 2 * self.head_dim
        if self.learned_sinks:
            n += self.num_heads
        return n

    def linears(self, hidden: int) -> list[tuple[int, int]]:
        """Weight matrices as (out, in): q (with Qwen3-Next's gate), k, v, o."""
        q = self.num_heads * self.head_dim * (2 if self.output_gate else 1)
        mats = [(q, hidden), (self.num_kv_heads * self.head_dim, hidden)]
        if not self.k_eq_v:
            mats.append((self.num_kv_heads * self.v_dim, hidden))
        return mats + [(hidden, self.num_heads * self.v_dim)]

    def flops_per_key(self) -> int:
        """One query against one cached key: q·k over head_dim and p·v over v_dim, each a
        multiply and an add, in every query head (GQA reads shared K/V, computes per q head)."""
        return 2 * self.num_heads * (self.head_dim + self.v_dim)

    def keys_seen(self, n: int) -> int:
        """Σ over query positions 1..n of the keys each attends to (causal)."""
        raise NotImplementedError

    def mix_flops(self, first: int, last: int) -> int:
        return self.flops_per_key() * (self.keys_seen(last) - self.keys_seen(first - 1))

    def geometry(self) -> str:
        dims = str(self.head_dim) if self.v_dim == self.head_dim else f"{self.head_dim}/{self.v_dim}"
        return f"{self.num_kv_heads}×{dims}"

    def shard(self, tp: int):
        """One tensor-parallel rank's share: ``num_heads / tp`` query heads and
        ``max(1, num_kv_heads // tp)`` KV heads (a rank keeps a whole KV head; with more ranks
        than KV heads each head is replicated). ``tp`` must divide ``num_heads``, and ``tp`` must
        divide ``num_kv_heads`` or be a multiple of it: the rule of all three engines kvplan plans
        for, each read in its own code (session 22), so the refusal is theirs, not kvplan's:

        * vLLM: model_executor/layers/linear.py QKVParallelLinear.__init__ (``divide`` asserts:
          ``num_kv_heads = divide(total_num_kv_heads, tp_size)`` where tp < KV heads, else
          ``num_kv_head_replicas = divide(tp_size, total_num_kv_heads)``).
        * SGLang: python/sglang/srt/layers/linear.py QKVParallelLinear.__init__, the same
          ``divide`` (commit 0079fcc18b3ee44bfeaaea8a9268c1d50b57b3e1, as the code index stores it).
        * TensorRT-LLM's PyTorch backend: the attention module and the KV-cache manager keep
          ``ceil(num_kv_heads / tp)`` heads a rank (_torch/modules/attention.py Attention.__init__,
          resource_manager.py KVCacheManager), but loading the checkpoint refuses the split first:
          _torch/models/checkpoints/hf/weight_mapper.py HfWeightMapper._duplicate_kv asserts
          ``num_kv_heads % tensor_parallel_size == 0`` where tp ≤ KV heads, else
          ``tensor_parallel_size % num_kv_heads == 0`` (commit 088aa36b002777f37d26241bcba56c86b132e5ee,
          as the code index stores it). So Phi-4 (40 heads, 10 KV heads) at TP 4 stops with an
          AssertionError in every engine, and kvplan says so in one line."""
        _divides("attention heads", self.num_heads, tp)
        kv = self.num_kv_heads
        if (kv >= tp and kv % tp) or (kv < tp and tp % kv):
            from ...errors import KvplanError, opt

            why = (f"does not divide the {kv} KV heads; choose a tensor-parallel size that divides {kv}"
                   if kv >= tp else f"is not a multiple of the {kv} KV heads, so they cannot be replicated evenly")
            raise KvplanError(f"{opt('tp', tp)} {why} (vLLM, SGLang and TensorRT-LLM refuse this split too)")
        return self.model_copy(update={"num_heads": self.num_heads // tp,
                                       "num_kv_heads": max(1, self.num_kv_heads // tp)})


class FullAttention(_Attention):
    """Causal softmax attention over every previous token."""

    kind: Literal["full"] = "full"

    def span(self, ctx: int) -> int:
        return ctx

    def keys_seen(self, n: int) -> int:
        """Query i sees keys 1..i: n(n + 1) / 2."""
        return n * (n + 1) // 2

    def label(self) -> str:
        return "full"


class SlidingWindow(_Attention):
    """Attention over the last ``window`` tokens, plus ``sink_tokens`` first tokens kept forever
    (StreamingLLM, Xiao et al. 2023). A tight cache holds min(ctx, window + sink_tokens)."""

    kind: Literal["sliding"] = "sliding"
    window: PositiveInt
    sink_tokens: NonNegativeInt = 0

    def span(self, ctx: int) -> int:
        return min(ctx, self.window + self.sink_tokens)

    def keys_seen(self, n: int) -> int:
        """Query i sees min(i, window + sinks) keys."""
        m = self.window + self.sink_tokens
        if n <= m:
            return n * (n + 1) // 2
        return m * (m + 1) // 2 + (n - m) * m

    def label(self) -> str:
        sinks = f"+{self.sink_tokens} sinks" if self.sink_tokens else ""
        return f"sliding W={self.window}{sinks}"


class ChunkedAttention(_Attention):
    """Chunked local attention (Llama 4): a token attends only within its chunk of ``chunk``
    tokens. A tight cache reserves min(ctx, chunk) tokens (the most a chunk can hold)."""

    kind: Literal["chunked"] = "chunked"
    chunk: PositiveInt

    def span(self, ctx: int) -> int:
        return min(ctx, self.chunk)

    def keys_seen(self, n: int) -> int:
        """Query i sees the ((i - 1) mod chunk) + 1 keys of its own chunk so far."""
        q, r = divmod(n, self.chunk)
        return q * (self.chunk * (self.chunk + 1) // 2) + r * (r + 1) // 2

    def label(self) -> str:
        return f"chunked C={self.chunk}"


class IndexedAttention(FullAttention):
    """Full softmax attention plus a key-only index cache (MiniMax-M3's block-sparse layers):
    per token one shared index key of ``index_head_dim`` values, kept whole on every
    tensor-parallel rank (vLLM MinimaxM3QKVParallelLinearWithIndexer: "index_k is a single
    shared head, replicated to every rank"; MiniMaxM3IndexerCache: one vector per token).
    ``index_heads`` query heads score it; they are not cached. ``index_format`` None = the
    model's dtype (vLLM's indexer_kv_dtype default "bf16")."""

    kind: Literal["full_indexed"] = "full_indexed"
    index_heads: PositiveInt
    index_head_dim: PositiveInt
    index_format: str | None = None
    sparse_block: PositiveInt | None = None  # tokens per scored block (sparse_block_size)

    def side_caches(self) -> list[SideCache]:
        return [SideCache(name="index keys", values=self.index_head_dim, format=self.index_format)]

    def params(self, hidden: int) -> int:
        """The GQA layer, the index q (index_heads) and k (one head) projections fused into
        qkv_proj, and per-head RMSNorms on index q and k (vLLM model_executor minimax_m3
        index_q_norm / index_k_norm: index_head_dim each)."""
        return super().params(hidden) + hidden * (self.index_heads + 1) * self.index_head_dim \
            + 2 * self.index_head_dim

    def linears(self, hidden: int) -> list[tuple[int, int]]:
        return super().linears(hidden) + [((self.index_heads + 1) * self.index_head_dim, hidden)]

    def geometry(self) -> str:
        return f"{super().geometry()} + index {self.index_head_dim}"

    def shard(self, tp: int):
        out = super().shard(tp)
        return out.model_copy(update={"index_heads": max(1, self.index_heads // tp)})

    def label(self) -> str:
        return "full + index keys"
