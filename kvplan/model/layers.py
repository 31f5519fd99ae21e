"""Every kind of per-layer cache state, each owning its arithmetic.

A kind says what one layer must remember while decoding, independent of any engine:

* ``kv_rows()``: the rows it caches per token, as (rows, values per row) pairs, one pair per
  cached tensor (K and V for attention, one latent for MLA). A row is one head's vector, the
  unit that quantized formats group over.
* ``span(ctx)``: how many tokens a tight cache must hold to decode the next token after ``ctx``
  tokens (the "ideal" layout; engines may keep more or fewer, see ``engines.py``).
* ``state(model_dtype)``: fixed-size per-sequence state that does not grow with context
  (recurrent/SSM state), as named tensors with their element counts and dtypes.
* ``params(hidden)``: parameters of the layer's token mixer (projections, norms inside it).
* ``mix_flops(first, last)``: FLOPs of the work that depends on the cache, for the queries at
  positions first..last (1-based) of one sequence: attention scores and the weighted sum over
  the keys each query sees, or a recurrent layer's state update. The projections are not in it
  (they are 2 × parameters per token, counted once for the whole model by ``perf``).

Adding a kind means one class here, registered in ``Mixer`` below, plus one method per engine
in ``engines.py`` where that engine's rule differs from the ideal one.
"""
from __future__ import annotations

from typing import Literal

from .frozen import Frozen, NonNegativeInt, PositiveInt, model_validator, tagged_union



class _Frozen(Frozen):
    """A spec class: a frozen class (kvplan.model.frozen), validated by pydantic only for untrusted input."""


def _divides(what: str, n: int, tp: int) -> None:
    if n % tp:
        from ..errors import KvplanError

        raise KvplanError(f"--tp {tp} does not divide the {n} {what}; "
                          f"choose a tensor-parallel size that divides {n}")


class StateTensor(_Frozen):
    """A fixed-size per-sequence tensor (one layer, one sequence)."""

    name: str
    elements: int
    dtype: str  # an element format name (see dtypes.py)


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
        than KV heads each head is replicated: vLLM's QKVParallelLinear, SGLang and TRT-LLM
        alike). ``tp`` must divide ``num_heads``."""
        _divides("attention heads", self.num_heads, tp)
        if self.num_kv_heads >= tp:
            _divides("KV heads", self.num_kv_heads, tp)
        elif tp % self.num_kv_heads:  # vLLM: num_kv_head_replicas = divide(tp, kv_heads)
            from ..errors import KvplanError

            raise KvplanError(f"--tp {tp} is not a multiple of the {self.num_kv_heads} KV heads, "
                              "so they cannot be replicated evenly")
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

    def geometry(self) -> str:
        return f"latent {self.kv_lora_rank}+{self.qk_rope_head_dim}"

    def shard(self, tp: int):
        """Query heads split over ranks; the latent is one "head" that every rank keeps whole
        (replicated, never split), as are q_a/kv_a projections (vLLM's DeepseekV2MLAAttention)."""
        _divides("attention heads", self.num_heads, tp)
        return self.model_copy(update={"num_heads": self.num_heads // tp})

    def label(self) -> str:
        return "mla"


class Mamba2(_Frozen):
    """A Mamba2 (SSD) mixer: no per-token cache, a fixed recurrent state per sequence.

    The state is a causal-conv window over the conv channels (``conv_dim`` = inner +
    2 × n_groups × state_size) of ``conv_kernel - 1`` past inputs, and the SSM state of
    num_heads × head_dim × state_size values. ``ssm_state_dtype`` is the SSM state's own dtype
    (Nemotron configs set ``mamba_ssm_cache_dtype: float32``); None means the model dtype.
    """

    kind: Literal["mamba2"] = "mamba2"
    num_heads: PositiveInt
    head_dim: PositiveInt
    state_size: PositiveInt
    n_groups: PositiveInt
    conv_kernel: PositiveInt
    conv_bias: bool = True
    proj_bias: bool = False
    ssm_state_dtype: str | None = None

    @model_validator(mode="after")
    def _groups_divide(self):
        if self.num_heads % self.n_groups:
            raise ValueError(f"num_heads ({self.num_heads}) is not divisible by n_groups ({self.n_groups})")
        return self

    @property
    def inner(self) -> int:
        return self.num_heads * self.head_dim

    @property
    def conv_dim(self) -> int:
        return self.inner + 2 * self.n_groups * self.state_size

    def kv_rows(self) -> list[tuple[int, int]]:
        return []

    def span(self, ctx: int) -> int:
        return 0

    def conv_state(self, columns: int, model_dtype: str) -> StateTensor:
        return StateTensor(name="conv", elements=self.conv_dim * columns, dtype=model_dtype)

    def ssm_state(self, model_dtype: str) -> StateTensor:
        return StateTensor(name="ssm", elements=self.num_heads * self.head_dim * self.state_size,
                           dtype=self.ssm_state_dtype or model_dtype)

    def state(self, model_dtype: str) -> list[StateTensor]:
        return [self.conv_state(self.conv_kernel - 1, model_dtype), self.ssm_state(model_dtype)]

    def params(self, hidden: int) -> int:
        in_proj = hidden * (2 * self.inner + 2 * self.n_groups * self.state_size + self.num_heads)
        conv = self.conv_dim * self.conv_kernel + (self.conv_dim if self.conv_bias else 0)
        heads = 3 * self.num_heads  # dt_bias, A_log, D
        norm = self.inner  # gated RMSNorm before out_proj
        out = self.inner * hidden
        bias = (2 * self.inner + 2 * self.n_groups * self.state_size + self.num_heads + hidden) \
            if self.proj_bias else 0
        return in_proj + conv + heads + norm + out + bias

    def linears(self, hidden: int) -> list[tuple[int, int]]:
        """in_proj and out_proj (the conv is not a linear layer)."""
        return [(2 * self.inner + 2 * self.n_groups * self.state_size + self.num_heads, hidden),
                (hidden, self.inner)]

    def mix_flops(self, first: int, last: int) -> int:
        """Per token: the conv (conv_dim × kernel multiply-adds) and the SSM recurrence, about
        5 FLOPs per state value (decay, the B·x outer-product add, the C read-out); recurrent
        decoding, not the chunked prefill scan (whose FLOPs are of the same order)."""
        per = 2 * self.conv_dim * self.conv_kernel + 5 * self.num_heads * self.head_dim * self.state_size
        return per * (last - first + 1)

    def geometry(self) -> str:
        return f"{self.num_heads}×{self.head_dim}, N={self.state_size}"

    def shard(self, tp: int):
        """Heads split over ranks; B/C groups too, replicated up to ``tp`` when ``n_groups``
        does not divide (vLLM mamba_utils.MambaStateShapeCalculator.extra_groups_for_head_shards:
        n_groups + (tp - n_groups) when n_groups % tp != 0)."""
        _divides("Mamba2 heads", self.num_heads, tp)
        groups = self.n_groups if self.n_groups % tp == 0 else tp
        return self.model_copy(update={"num_heads": self.num_heads // tp, "n_groups": groups // tp})

    def label(self) -> str:
        return "mamba2"


class Mamba(_Frozen):
    """A Mamba (S6, Mamba-1) mixer as in Jamba: a fixed state per sequence of a causal-conv
    window over the ``inner`` channels (``conv_kernel - 1`` past inputs) and an SSM state of
    inner × state_size values. ``ssm_state_dtype`` None means the model dtype."""

    kind: Literal["mamba"] = "mamba"
    inner: PositiveInt  # mamba_expand × hidden_size
    state_size: PositiveInt
    conv_kernel: PositiveInt
    dt_rank: PositiveInt
    conv_bias: bool = True
    proj_bias: bool = False
    inner_norms: bool = False  # Jamba: RMSNorms on dt (dt_rank), B and C (state_size each)
    ssm_state_dtype: str | None = None

    def kv_rows(self) -> list[tuple[int, int]]:
        return []

    def span(self, ctx: int) -> int:
        return 0

    def conv_state(self, columns: int, dtype: str) -> StateTensor:
        return StateTensor(name="conv", elements=self.inner * columns, dtype=dtype)

    def ssm_state(self, dtype: str) -> StateTensor:
        return StateTensor(name="ssm", elements=self.inner * self.state_size,
                           dtype=self.ssm_state_dtype or dtype)

    def state(self, model_dtype: str) -> list[StateTensor]:
        return [self.conv_state(self.conv_kernel - 1, model_dtype), self.ssm_state(model_dtype)]

    def params(self, hidden: int) -> int:
        i, n, r = self.inner, self.state_size, self.dt_rank
        return (hidden * 2 * i + (2 * i if self.proj_bias else 0)  # in_proj
                + i * self.conv_kernel + (i if self.conv_bias else 0)  # depthwise conv1d
                + i * (r + 2 * n)  # x_proj
                + r * i + i  # dt_proj with bias
                + i * n + i  # A_log, D
                + i * hidden + (hidden if self.proj_bias else 0)  # out_proj
                + ((r + 2 * n) if self.inner_norms else 0))

    def linears(self, hidden: int) -> list[tuple[int, int]]:
        """in_proj, x_proj, dt_proj, out_proj."""
        return [(2 * self.inner, hidden), (self.dt_rank + 2 * self.state_size, self.inner),
                (self.inner, self.dt_rank), (hidden, self.inner)]

    def mix_flops(self, first: int, last: int) -> int:
        """Per token: the conv and about 5 FLOPs per SSM state value (see Mamba2)."""
        per = 2 * self.inner * self.conv_kernel + 5 * self.inner * self.state_size
        return per * (last - first + 1)

    def geometry(self) -> str:
        return f"{self.inner}, N={self.state_size}"

    def shard(self, tp: int):
        """The inner channels split over ranks (mamba1_state_shape: intermediate_size / tp)."""
        _divides("Mamba inner channels", self.inner, tp)
        return self.model_copy(update={"inner": self.inner // tp})

    def label(self) -> str:
        return "mamba"


class GatedDeltaNet(_Frozen):
    """Gated DeltaNet linear attention (Qwen3-Next): no per-token cache, a fixed state per
    sequence: a causal-conv window over q, k and v channels (conv_dim = 2 × key heads × key dim +
    value heads × value dim) of ``conv_kernel - 1`` past inputs, and a recurrent matrix of
    value_heads × key_dim × value_dim."""

    kind: Literal["gated_deltanet"] = "gated_deltanet"
    num_key_heads: PositiveInt
    num_value_heads: PositiveInt
    key_head_dim: PositiveInt
    value_head_dim: PositiveInt
    conv_kernel: PositiveInt
    recurrent_state_dtype: str | None = None

    @property
    def conv_dim(self) -> int:
        return 2 * self.num_key_heads * self.key_head_dim + self.num_value_heads * self.value_head_dim

    def kv_rows(self) -> list[tuple[int, int]]:
        return []

    def span(self, ctx: int) -> int:
        return 0

    def conv_state(self, columns: int, dtype: str) -> StateTensor:
        return StateTensor(name="conv", elements=self.conv_dim * columns, dtype=dtype)

    def recurrent_state(self, dtype: str) -> StateTensor:
        return StateTensor(name="recurrent",
                           elements=self.num_value_heads * self.key_head_dim * self.value_head_dim,
                           dtype=self.recurrent_state_dtype or dtype)

    def state(self, model_dtype: str) -> list[StateTensor]:
        return [self.conv_state(self.conv_kernel - 1, model_dtype), self.recurrent_state(model_dtype)]

    def params(self, hidden: int) -> int:
        key_dim = self.num_key_heads * self.key_head_dim
        value_dim = self.num_value_heads * self.value_head_dim
        return (hidden * (2 * key_dim + 2 * value_dim)  # in_proj_qkvz
                + hidden * 2 * self.num_value_heads  # in_proj_ba
                + self.conv_dim * self.conv_kernel  # depthwise conv, no bias
                + 2 * self.num_value_heads  # dt_bias, A_log
                + self.value_head_dim  # gated RMSNorm over a value head
                + value_dim * hidden)  # out_proj

    def linears(self, hidden: int) -> list[tuple[int, int]]:
        """in_proj_qkvz, in_proj_ba, out_proj."""
        key_dim = self.num_key_heads * self.key_head_dim
        value_dim = self.num_value_heads * self.value_head_dim
        return [(2 * key_dim + 2 * value_dim, hidden), (2 * self.num_value_heads, hidden),
                (hidden, value_dim)]

    def mix_flops(self, first: int, last: int) -> int:
        """Per token: the conv and the gated delta rule on the state S (key_dim × value_dim per
        value head): decay, S·k, the rank-one update and the q read-out, about 7 FLOPs per state
        value."""
        per = 2 * self.conv_dim * self.conv_kernel \
            + 7 * self.num_value_heads * self.key_head_dim * self.value_head_dim
        return per * (last - first + 1)

    def geometry(self) -> str:
        return f"{self.num_value_heads}×{self.key_head_dim}×{self.value_head_dim}"

    def shard(self, tp: int):
        """Key and value heads split over ranks (gated_delta_net_state_shape: conv_dim / tp,
        value heads / tp)."""
        _divides("DeltaNet key heads", self.num_key_heads, tp)
        _divides("DeltaNet value heads", self.num_value_heads, tp)
        return self.model_copy(update={"num_key_heads": self.num_key_heads // tp,
                                       "num_value_heads": self.num_value_heads // tp})

    def label(self) -> str:
        return "gated deltanet"


class NoCache(_Frozen):
    """A layer that keeps nothing between steps (an MLP-only block, a non-causal layer)."""

    kind: Literal["none"] = "none"

    def kv_rows(self) -> list[tuple[int, int]]:
        return []

    def span(self, ctx: int) -> int:
        return 0

    def state(self, model_dtype: str) -> list[StateTensor]:
        return []

    def params(self, hidden: int) -> int:
        return 0

    def linears(self, hidden: int) -> list[tuple[int, int]]:
        return []

    def mix_flops(self, first: int, last: int) -> int:
        return 0

    def geometry(self) -> str:
        return "-"

    def shard(self, tp: int):
        return self

    def label(self) -> str:
        return "none"


# --- 2026 frontier kinds: side caches beside the main one -----------------------------------
# A side cache is cached per token (or per ``stride`` tokens) like K/V, but in its own format
# and with its own count of entries: an indexer's keys (DeepSeek-V3.2, GLM-5, MiniMax-M3) or a
# compressed KV series (DeepSeek-V4). Kinds that have them list them in ``side_caches()``; an
# engine that does not model them must refuse the kind (see engines/__init__.py refuse()).


class SideCache(_Frozen):
    """A per-token cache beside a layer's main K/V: ``rows`` × ``values`` per entry, one entry
    per ``stride`` tokens (a compression ratio; 1 = every token), in ``format`` (an element
    format name; None = the KV dtype the user asked for)."""

    name: str
    rows: PositiveInt = 1
    values: PositiveInt
    stride: PositiveInt = 1
    format: str | None = None

    def entries(self, ctx: int) -> int:
        """Entries a tight cache holds after ``ctx`` tokens: one per complete group of
        ``stride`` tokens (the tokens of an unfinished group are the compressor's state)."""
        return ctx // self.stride


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

    def geometry(self) -> str:
        return f"{super().geometry()} + index {self.index_head_dim}"

    def label(self) -> str:
        return "mla + indexer"


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


class KimiDeltaAttention(GatedDeltaNet):
    """Kimi Delta Attention (Kimi Linear, Kimi-K3): a gated delta rule with a per-channel gate.
    Its state has the shape of Gated DeltaNet's: a causal short-conv window over q, k and v
    (``conv_kernel`` − 1 past inputs of 2 × heads × head_dim + heads × head_dim channels) and a
    heads × head_dim × head_dim recurrent matrix (vLLM mamba_utils kda_state_shape). Key and
    value heads are the same heads here (``num_key_heads`` = ``num_value_heads``)."""

    kind: Literal["kda"] = "kda"
    full_rank_gate: bool = False  # Kimi-K3: the output gate is one hidden -> heads × head_dim matrix

    def _gate(self, hidden: int) -> list[tuple[int, int]]:
        d, qkv = self.key_head_dim, self.num_value_heads * self.key_head_dim
        return [(qkv, hidden)] if self.full_rank_gate else [(d, hidden), (qkv, d)]

    def params(self, hidden: int) -> int:
        """transformers KimiLinearDeltaAttention: q/k/v projections, a depthwise conv over them
        (no bias), the forget gate (f_a: hidden -> head_dim, f_b: head_dim -> heads × head_dim,
        dt_bias per channel, A_log per head), b_proj (hidden -> heads), the output gate (g_a,
        g_b; Kimi-K3's use_full_rank_gate: one hidden -> heads × head_dim matrix, vLLM
        models/kimi_k3 kda.py in_proj_qkvgfab), a gated RMSNorm over a head and o_proj."""
        d, h = self.key_head_dim, self.num_value_heads
        qkv = h * d
        return (3 * hidden * qkv + 3 * qkv * self.conv_kernel
                + hidden * d + d * qkv + qkv + h  # forget gate
                + hidden * h  # b_proj
                + sum(o * i for o, i in self._gate(hidden))  # output gate
                + d + qkv * hidden)  # o_norm, o_proj

    def linears(self, hidden: int) -> list[tuple[int, int]]:
        """q, k, v, f_a, f_b, b, the output gate, o."""
        d, qkv = self.key_head_dim, self.num_value_heads * self.key_head_dim
        return [(qkv, hidden)] * 3 + [(d, hidden), (qkv, d), (self.num_value_heads, hidden),
                                      *self._gate(hidden), (hidden, qkv)]

    def label(self) -> str:
        return "kimi delta attention"


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


Mixer = tagged_union(__name__, "Mixer", FullAttention, SlidingWindow, ChunkedAttention, MLA, Mamba,
                     Mamba2, GatedDeltaNet, NoCache, IndexedMLA, CompressedAttention, IndexedAttention,
                     KimiDeltaAttention, GatedMLA)
MIXER_CLASSES = {cls.model_fields["kind"].default: cls for cls in
                 (FullAttention, SlidingWindow, ChunkedAttention, MLA, Mamba, Mamba2, GatedDeltaNet, NoCache,
                  IndexedMLA, CompressedAttention, IndexedAttention, KimiDeltaAttention, GatedMLA)}
KINDS = tuple(MIXER_CLASSES)

