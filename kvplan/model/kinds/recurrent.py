"""Recurrent mixers with fixed-size per-sequence state: Mamba, Mamba2, Gated DeltaNet and Kimi
Delta Attention."""
from __future__ import annotations

from typing import Literal

from ..frozen import PositiveInt, model_validator
from .base import StateTensor, _divides, _Frozen


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
