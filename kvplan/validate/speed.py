"""A synthetic decoder with the model's real shapes, and the timing of its decode step.

Random weights in the model's dtype, one block per layer: RMSNorm, the token mixer, RMSNorm,
the MLP, residual adds; then the LM head. Per mixer kind, one cached decode step:

* full / sliding / chunked attention: q, k, v projections, the new token's K/V written into
  the cache, ``scaled_dot_product_attention`` over the tokens the layout holds (a sliding
  layer's window), GQA through ``enable_gqa=True`` (K/V are never repeated), the output
  projection;
* MLA in absorbed form: the query's no-RoPE part multiplied into the latent space through
  kv_b's key half, attention over the cached latent itself (scores and output as two batched
  matmuls against the latent, every head at once, the latent's first kv_lora_rank values
  serving as values), the result taken back out through kv_b's value half (DeepSeek-V2
  paper, section 2.1.2); the no-cache path uses ``scaled_dot_product_attention``; hf keeps
  the latent as two tensors (kv_nope, k_rot), the same bytes, timed here as one;
* Mamba / Mamba2 / Gated DeltaNet: in-projection, one step of the causal conv over the conv
  state, the recurrent state updated in place (decay, outer-product input; the delta rule for
  DeltaNet), out-projection;
* MLP: gated or plain; MoE reads ``min(experts, batch × top-k)`` experts, each token sent to
  top-k of them in a fixed pattern (which experts a router picks does not change the bytes).

The cache is timed in the element format where torch can attend over it: fp16/bf16/fp32 as
they are, fp8 upcast to the model dtype each step; grouped integer formats (q8_0, q4_0, KIVI,
int4) are timed over a cache of the same shape in the model dtype (torch has no kernel for
them). The bytes moved per step are counted in the format asked for.

Timing: CUDA events after warm-up on CUDA (optionally one CUDA-graph replay per step);
``time.perf_counter`` on the CPU, where the figures are reported, not judged.
"""
from __future__ import annotations

import statistics
import time

from ..model import dtypes
from .. import engines
from ..model.frozen import field, record
from . import formats
from .layout import Tensor, state_shape

FILL_BLOCK = 1 << 20  # CPU: a random block of this many values, repeated (see _fill)


@record
class Timing:
    median_s: float
    p10_s: float
    p90_s: float
    min_s: float
    max_s: float
    steps: int
    graph: bool = False

    def as_dict(self) -> dict:
        return {"median_s": self.median_s, "p10_s": self.p10_s, "p90_s": self.p90_s,
                "min_s": self.min_s, "max_s": self.max_s, "steps": self.steps, "cuda_graph": self.graph}


@record(frozen=False)
class SpeedResult:
    layers_timed: int
    layers_total: int
    layers_step: Timing  # the decode step of the timed layers (no LM head)
    head_step: Timing  # the LM head
    step_s: float  # scaled to every layer: layers × total / timed + head
    bytes_timed: int  # bytes the timed step moves (timed layers + head)
    bytes_step: int  # scaled like step_s
    weights_bytes: int  # of the timed layers and the head
    growth: list[dict] = field(default_factory=list)  # per length: cached vs recomputed
    notes: list[str] = field(default_factory=list)

    @property
    def bandwidth(self) -> float:
        """Bytes moved per second in the timed step (layers and head, unscaled)."""
        t = self.layers_step.median_s + self.head_step.median_s
        return self.bytes_timed / t if t > 0 else 0.0


def _percentile(xs: list[float], q: float) -> float:
    s = sorted(xs)
    k = (len(s) - 1) * q
    lo = int(k)
    hi = min(lo + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (k - lo)


def measure(torch, fn, kind: str, steps: int, warmup: int, graph: bool = False) -> Timing:
    """Median and spread of ``steps`` calls of ``fn`` after ``warmup`` calls."""
    with torch.inference_mode():
        for _ in range(warmup):
            fn()
        run = fn
        if kind == "cuda":
            torch.cuda.synchronize()
            if graph:
                side = torch.cuda.Stream()
                side.wait_stream(torch.cuda.current_stream())
                with torch.cuda.stream(side):
                    for _ in range(2):
                        fn()
                torch.cuda.current_stream().wait_stream(side)
                g = torch.cuda.CUDAGraph()
                with torch.cuda.graph(g):
                    fn()
                run = g.replay
                run()
                torch.cuda.synchronize()
            events = [(torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True))
                      for _ in range(steps)]
            for a, b in events:
                a.record()
                run()
                b.record()
            torch.cuda.synchronize()
            times = [a.elapsed_time(b) / 1000 for a, b in events]
        else:
            times = []
            for _ in range(steps):
                t0 = time.perf_counter()
                run()
                times.append(time.perf_counter() - t0)
    return Timing(statistics.median(times), _percentile(times, 0.1), _percentile(times, 0.9),
                  min(times), max(times), len(times), graph and kind == "cuda")


class _Maker:
    """Makes the decoder's tensors on one device in one dtype and counts their bytes."""

    def __init__(self, torch, device, dtype: str):
        self.torch, self.device, self.dtype = torch, device, getattr(torch, dtype)
        self.base = None

    def _fill(self, t):
        torch = self.torch
        if t.numel() == 0:
            return t
        if t.is_cuda:
            return t.normal_(0, 0.02)
        # CPU: filling hundreds of MB with fresh normal samples takes seconds; a 1 Mi-value random
        # block repeated is as random as a GEMM's speed can tell
        if self.base is None:
            self.base = torch.randn(FILL_BLOCK, generator=torch.Generator().manual_seed(0)) * 0.02
        flat = t.view(-1)
        base = self.base.to(t.dtype)
        q, r = divmod(flat.numel(), FILL_BLOCK)
        if q:
            flat[:q * FILL_BLOCK].view(q, FILL_BLOCK).copy_(base.expand(q, FILL_BLOCK))
        flat[q * FILL_BLOCK:].copy_(base[:r])
        return t

    def w(self, *shape):
        return self._fill(self.torch.empty(shape, dtype=self.dtype, device=self.device))

    def cache(self, shape, dtype):
        t = self.torch.empty(shape, dtype=dtype, device=self.device)
        if t.is_floating_point() and t.element_size() >= 2:
            return self._fill(t)
        return t.zero_()


def _nbytes(*ts) -> int:
    return sum(t.numel() * t.element_size() for t in ts if t is not None)


def _fmt_bytes(fmt: str, lead: tuple[int, ...], n: int) -> int:
    return sum(Tensor("", p.shape, p.dtype).nbytes for p in formats.parts(fmt, lead, n))


class Attention:
    def __init__(self, torch, mk: _Maker, m, hidden: int, batch: int, tokens: int, fmt: str, dtype):
        self.m, self.torch = m, torch
        nh, H, hd, vd = m.num_heads, m.num_kv_heads, m.head_dim, m.v_dim
        self.wq = mk.w(nh * hd * (2 if m.output_gate else 1), hidden)
        self.wk = mk.w(H * hd, hidden)
        self.wv = None if m.k_eq_v else mk.w(H * vd, hidden)
        self.wo = mk.w(hidden, nh * vd)
        nat = formats.native(fmt)
        self.upcast = nat is not None and nat.startswith("float8")
        store = getattr(torch, nat) if nat and (self.upcast or nat == str(dtype).split(".")[-1]) else dtype
        self.K = mk.cache((batch, H, tokens, hd), store)
        self.V = mk.cache((batch, H, tokens, vd), store)
        self.n = tokens
        self.fmt, self.batch = fmt, batch
        self.window = getattr(m, "window", None) or getattr(m, "chunk", None)

    @property
    def weight_bytes(self) -> int:
        return _nbytes(self.wq, self.wk, self.wv, self.wo)

    def cache_bytes(self) -> int:
        m = self.m
        return (_fmt_bytes(self.fmt, (self.batch, m.num_kv_heads, self.n), m.head_dim)
                + _fmt_bytes(self.fmt, (self.batch, m.num_kv_heads, self.n), m.v_dim))

    def state_bytes(self) -> int:
        return 0

    def _qkv(self, F, x):
        m = self.m
        q = F.linear(x, self.wq)[..., :m.num_heads * m.head_dim]
        k = F.linear(x, self.wk)
        v = k if self.wv is None else F.linear(x, self.wv)
        return q, k, v

    def step(self, F, x):
        m, B = self.m, x.shape[0]
        q, k, v = self._qkv(F, x)
        pos = self.n - 1  # a fixed slot: the step is the same every time (CUDA-graph safe)
        self.K[:, :, pos] = k.view(B, m.num_kv_heads, m.head_dim).to(self.K.dtype)
        self.V[:, :, pos] = v.view(B, m.num_kv_heads, m.v_dim).to(self.V.dtype)
        K, V = self.K[:, :, :self.n], self.V[:, :, :self.n]
        if self.upcast:
            K, V = K.to(x.dtype), V.to(x.dtype)
        o = F.scaled_dot_product_attention(q.view(B, m.num_heads, 1, m.head_dim), K, V,
                                           enable_gqa=m.num_heads != m.num_kv_heads)
        return F.linear(o.reshape(B, m.num_heads * m.v_dim), self.wo)

    def prefill(self, F, x):
        m = self.m
        B, S, _ = x.shape
        q, k, v = self._qkv(F, x)
        q = q.view(B, S, m.num_heads, m.head_dim).transpose(1, 2)
        k = k.view(B, S, m.num_kv_heads, m.head_dim).transpose(1, 2)
        v = v.view(B, S, m.num_kv_heads, m.v_dim).transpose(1, 2)
        mask = None
        if self.window and self.window < S:
            i = self.torch.arange(S, device=x.device)
            mask = (i[None, :] <= i[:, None]) & (i[:, None] - i[None, :] < self.window)
        o = F.scaled_dot_product_attention(q, k, v, attn_mask=mask, is_causal=mask is None,
                                           enable_gqa=m.num_heads != m.num_kv_heads)
        return F.linear(o.transpose(1, 2).reshape(B, S, m.num_heads * m.v_dim), self.wo)


class LatentAttention:
    """MLA in absorbed form over a cache of [batch, tokens, kv_lora_rank + rope]."""

    def __init__(self, torch, mk: _Maker, m, hidden: int, batch: int, tokens: int, fmt: str, dtype):
        self.m, self.torch = m, torch
        qk = m.qk_nope_head_dim + m.qk_rope_head_dim
        if m.q_lora_rank:
            self.wqa, self.wqb = mk.w(m.q_lora_rank, hidden), mk.w(m.num_heads * qk, m.q_lora_rank)
        else:
            self.wqa, self.wqb = None, mk.w(m.num_heads * qk, hidden)
        self.wkva = mk.w(m.kv_lora_rank + m.qk_rope_head_dim, hidden)
        self.wkvb = mk.w(m.num_heads * (m.qk_nope_head_dim + m.v_head_dim), m.kv_lora_rank)
        self.wo = mk.w(hidden, m.num_heads * m.v_head_dim)
        nat = formats.native(fmt)
        self.upcast = nat is not None and nat.startswith("float8")
        store = getattr(torch, nat) if nat and (self.upcast or nat == str(dtype).split(".")[-1]) else dtype
        self.C = mk.cache((batch, tokens, m.kv_lora_rank + m.qk_rope_head_dim), store)
        self.n, self.fmt, self.batch = tokens, fmt, batch
        self.scale = qk ** -0.5

    @property
    def weight_bytes(self) -> int:
        return _nbytes(self.wqa, self.wqb, self.wkva, self.wkvb, self.wo)

    def cache_bytes(self) -> int:
        m = self.m
        return _fmt_bytes(self.fmt, (self.batch, self.n), m.kv_lora_rank + m.qk_rope_head_dim)

    def state_bytes(self) -> int:
        return 0

    def _query(self, F, x):
        m = self.m
        q = F.linear(F.linear(x, self.wqa) if self.wqa is not None else x, self.wqb)
        q = q.view(*x.shape[:-1], m.num_heads, m.qk_nope_head_dim + m.qk_rope_head_dim)
        q_nope, q_rope = q[..., :m.qk_nope_head_dim], q[..., m.qk_nope_head_dim:]
        wkvb = self.wkvb.view(m.num_heads, m.qk_nope_head_dim + m.v_head_dim, m.kv_lora_rank)
        q_lat = self.torch.einsum("...hn,hnr->...hr", q_nope, wkvb[:, :m.qk_nope_head_dim])
        return self.torch.cat([q_lat, q_rope], -1), wkvb[:, m.qk_nope_head_dim:]

    def _out(self, F, o_lat, w_uv):
        m = self.m
        o = self.torch.einsum("...hr,hvr->...hv", o_lat, w_uv)
        return F.linear(o.reshape(*o.shape[:-2], m.num_heads * m.v_head_dim), self.wo)

    def step(self, F, x):
        m = self.m
        q, w_uv = self._query(F, x)  # [B, heads, latent + rope]
        self.C[:, self.n - 1] = F.linear(x, self.wkva).to(self.C.dtype)
        C = self.C[:, :self.n]
        if self.upcast:
            C = C.to(x.dtype)
        # every head attends over the one latent: two batched matmuls read it once per sequence
        # (SDPA would broadcast the latent to every head, a copy on its math path)
        p = self.torch.softmax((q @ C.transpose(1, 2)).float() * self.scale, -1).to(x.dtype)
        return self._out(F, p @ C[..., :m.kv_lora_rank], w_uv)

    def prefill(self, F, x):
        m = self.m
        q, w_uv = self._query(F, x)  # [B, S, heads, latent + rope]
        lat = F.linear(x, self.wkva)[:, None]  # [B, 1, S, latent + rope]
        o = F.scaled_dot_product_attention(q.transpose(1, 2), lat, lat[..., :m.kv_lora_rank],
                                           is_causal=True, scale=self.scale, enable_gqa=True)
        return self._out(F, o.transpose(1, 2), w_uv)


class _Recurrent:
    """Shared by the state-space kinds: conv state + recurrent state, updated in place."""

    def state_bytes(self) -> int:
        """The state in the dtypes the layout keeps it in (fp8 states are timed in the model
        dtype, counted in fp8)."""
        return self.batch * sum(dtypes.get(st.dtype).row_bytes(st.elements) for st in self.held.state)

    def cache_bytes(self) -> int:
        return 0

    def _conv(self, F, xin, state, w):
        torch = self.torch
        window = torch.cat([state.to(xin.dtype), xin[..., None]], -1)
        state.copy_(window[..., -state.shape[-1]:].to(state.dtype))
        return F.silu((window[..., -w.shape[-1]:] * w).sum(-1))

    def step(self, F, x):
        return self._step(F, x, self.conv, self.ssm)

    def prefill(self, F, x):
        conv, ssm = self.conv.clone().zero_(), self.ssm.clone().zero_()
        return self.torch.stack([self._step(F, x[:, t], conv, ssm) for t in range(x.shape[1])], 1)


def _state_tensors(torch, mk, mixer, held, batch):
    out = []
    for st in held.state:
        nat = formats.native(st.dtype)
        dt = getattr(torch, nat) if nat and not nat.startswith(("float8", "int")) else mk.dtype
        out.append(mk.cache((batch, *state_shape(mixer, st)), dt))
    return out


class Mamba2Mixer(_Recurrent):
    def __init__(self, torch, mk, m, hidden, batch, held):
        self.m, self.torch = m, torch
        self.w_in = mk.w(2 * m.inner + 2 * m.n_groups * m.state_size + m.num_heads, hidden)
        self.w_conv = mk.w(m.conv_dim, m.conv_kernel)
        self.w_out = mk.w(hidden, m.inner)
        f32 = dict(dtype=torch.float32, device=mk.device)
        self.A, self.D, self.dt_bias = -torch.ones(m.num_heads, **f32), torch.ones(m.num_heads, **f32), \
            torch.zeros(m.num_heads, **f32)
        self.conv, self.ssm = _state_tensors(torch, mk, m, held, batch)
        self.held, self.batch = held, batch

    @property
    def weight_bytes(self) -> int:
        return _nbytes(self.w_in, self.w_conv, self.w_out)

    def _step(self, F, x, conv, ssm):
        m, B = self.m, x.shape[0]
        z, xbc, dt = F.linear(x, self.w_in).split([m.inner, m.conv_dim, m.num_heads], -1)
        xs, Bm, Cm = self._conv(F, xbc, conv, self.w_conv).split(
            [m.inner, m.n_groups * m.state_size, m.n_groups * m.state_size], -1)
        dt = F.softplus(dt.float() + self.dt_bias)
        rep = m.num_heads // m.n_groups
        Bh = Bm.float().view(B, m.n_groups, m.state_size).repeat_interleave(rep, 1)
        Ch = Cm.float().view(B, m.n_groups, m.state_size).repeat_interleave(rep, 1)
        xh = xs.float().view(B, m.num_heads, m.head_dim)
        h = ssm.float() * self.torch.exp(dt * self.A)[..., None, None] \
            + (dt[..., None] * xh)[..., None] * Bh[:, :, None, :]
        ssm.copy_(h)
        y = (h @ Ch[..., None])[..., 0] + self.D[:, None] * xh
        return F.linear(y.reshape(B, m.inner).to(x.dtype) * F.silu(z), self.w_out)


class MambaMixer(_Recurrent):
    def __init__(self, torch, mk, m, hidden, batch, held):
        self.m, self.torch = m, torch
        self.w_in = mk.w(2 * m.inner, hidden)
        self.w_conv = mk.w(m.inner, m.conv_kernel)
        self.w_x = mk.w(m.dt_rank + 2 * m.state_size, m.inner)
        self.w_dt = mk.w(m.inner, m.dt_rank)
        self.w_out = mk.w(hidden, m.inner)
        f32 = dict(dtype=torch.float32, device=mk.device)
        self.A, self.D = -torch.ones(m.inner, m.state_size, **f32), torch.ones(m.inner, **f32)
        self.conv, self.ssm = _state_tensors(torch, mk, m, held, batch)
        self.held, self.batch = held, batch

    @property
    def weight_bytes(self) -> int:
        return _nbytes(self.w_in, self.w_conv, self.w_x, self.w_dt, self.w_out)

    def _step(self, F, x, conv, ssm):
        m = self.m
        xs, z = F.linear(x, self.w_in).split([m.inner, m.inner], -1)
        xs = self._conv(F, xs, conv, self.w_conv)
        dtr, Bm, Cm = F.linear(xs, self.w_x).split([m.dt_rank, m.state_size, m.state_size], -1)
        dt = F.softplus(F.linear(dtr, self.w_dt).float())
        xf = xs.float()
        h = ssm.float() * self.torch.exp(dt[..., None] * self.A) + (dt * xf)[..., None] * Bm.float()[:, None, :]
        ssm.copy_(h)
        y = (h @ Cm.float()[..., None])[..., 0] + self.D * xf
        return F.linear(y.to(x.dtype) * F.silu(z), self.w_out)


class DeltaNetMixer(_Recurrent):
    def __init__(self, torch, mk, m, hidden, batch, held):
        self.m, self.torch = m, torch
        kd, vd = m.num_key_heads * m.key_head_dim, m.num_value_heads * m.value_head_dim
        self.w_qkvz = mk.w(2 * kd + 2 * vd, hidden)
        self.w_ba = mk.w(2 * m.num_value_heads, hidden)
        self.w_conv = mk.w(m.conv_dim, m.conv_kernel)
        self.w_out = mk.w(hidden, vd)
        self.kd, self.vd = kd, vd
        self.conv, self.ssm = _state_tensors(torch, mk, m, held, batch)
        self.held, self.batch = held, batch

    @property
    def weight_bytes(self) -> int:
        return _nbytes(self.w_qkvz, self.w_ba, self.w_conv, self.w_out)

    def _step(self, F, x, conv, S):
        m, B, torch = self.m, x.shape[0], self.torch
        q, k, v, z = F.linear(x, self.w_qkvz).split([self.kd, self.kd, self.vd, self.vd], -1)
        b, a = F.linear(x, self.w_ba).float().chunk(2, -1)
        q, k, v = self._conv(F, torch.cat([q, k, v], -1), conv, self.w_conv).float().split(
            [self.kd, self.kd, self.vd], -1)
        rep = m.num_value_heads // m.num_key_heads
        q = q.view(B, m.num_key_heads, m.key_head_dim).repeat_interleave(rep, 1)
        k = k.view(B, m.num_key_heads, m.key_head_dim).repeat_interleave(rep, 1)
        v = v.view(B, m.num_value_heads, m.value_head_dim)
        g = torch.exp(-F.softplus(a))  # per value head decay
        h = S.float() * g[..., None, None]
        delta = (v - (k[..., None, :] @ h)[..., 0, :]) * torch.sigmoid(b)[..., None]
        h = h + k[..., :, None] * delta[..., None, :]
        S.copy_(h)
        o = (q[..., None, :] @ h)[..., 0, :]
        return F.linear(o.reshape(B, self.vd).to(x.dtype) * F.silu(z), self.w_out)


class Mlp:
    def __init__(self, torch, mk, mlp, hidden: int, batch: int):
        self.torch, self.mlp = torch, mlp
        gated = mlp.gated
        if mlp.kind == "moe":
            self.active = min(mlp.num_experts, batch * mlp.experts_per_token)
            self.k = mlp.experts_per_token
            self.router = mk.w(mlp.num_experts, hidden)
            self.experts = [self._dense(mk, mlp.intermediate_size, hidden, gated) for _ in range(self.active)]
            self.shared = self._dense(mk, mlp.shared_intermediate_size, hidden, gated) \
                if mlp.shared_intermediate_size else None
        else:
            self.router, self.experts, self.shared = None, [], self._dense(mk, mlp.intermediate_size, hidden, gated)
        self.routes: dict[int, list] = {}
        self.device = mk.device

    @staticmethod
    def _dense(mk, inter, hidden, gated):
        return (mk.w(inter, hidden) if gated else None, mk.w(inter, hidden), mk.w(hidden, inter))

    @property
    def weight_bytes(self) -> int:
        return _nbytes(self.router, *(w for e in self.experts for w in e),
                       *(self.shared or ()))

    @staticmethod
    def _run(F, e, x):
        gate, up, down = e
        h = F.silu(F.linear(x, gate)) * F.linear(x, up) if gate is not None else F.gelu(F.linear(x, up))
        return F.linear(h, down)

    def _route(self, n: int):
        """Token t goes to experts (t·k + j) mod active, j < k: every allocated expert is read."""
        if n not in self.routes:
            torch = self.torch
            per = [[] for _ in self.experts]
            for t in range(n):
                for j in range(self.k):
                    per[(t * self.k + j) % self.active].append(t)
            self.routes[n] = [(i, torch.tensor(ts, device=self.device)) for i, ts in enumerate(per) if ts]
        return self.routes[n]

    def __call__(self, F, x):
        shape = x.shape
        x = x.reshape(-1, shape[-1])
        out = self._run(F, self.shared, x) if self.shared is not None else self.torch.zeros_like(x)
        if self.experts:
            F.linear(x, self.router)
            for i, idx in self._route(x.shape[0]):
                out = out.index_add(0, idx, self._run(F, self.experts[i], x[idx]))
        return out.view(shape)


class Layer:
    def __init__(self, mixer, mlp):
        self.mixer, self.mlp = mixer, mlp

    def step(self, F, x):
        if self.mixer is not None:
            x = x + self.mixer.step(F, F.rms_norm(x, x.shape[-1:]))
        if self.mlp is not None:
            x = x + self.mlp(F, F.rms_norm(x, x.shape[-1:]))
        return x

    def prefill(self, F, x):
        if self.mixer is not None:
            x = x + self.mixer.prefill(F, F.rms_norm(x, x.shape[-1:]))
        if self.mlp is not None:
            x = x + self.mlp(F, F.rms_norm(x, x.shape[-1:]))
        return x

    @property
    def weight_bytes(self) -> int:
        return (self.mixer.weight_bytes if self.mixer else 0) + (self.mlp.weight_bytes if self.mlp else 0)

    def moved_bytes(self) -> int:
        """What one decode step reads and writes: weights, the cache read, the state read and
        written (the new token's K/V write is one token: left out)."""
        m = self.mixer
        return self.weight_bytes + ((m.cache_bytes() + 2 * m.state_bytes()) if m else 0)


def tokens_held(engine: str, mixer, ctx: int, run: str, fmt: str):
    """What the layer attends over (or carries) at ``ctx``: the layout's holding for ideal and
    hf; for vLLM the tokens it attends (its blocks' slack is allocated, not read) and the ideal
    layout's state."""
    if engine == "vllm":
        return engines.get("ideal").hold(mixer, ctx, run, fmt)
    return engines.get(engine).hold(mixer, ctx, run, fmt)


def estimate_bytes(spec, sub, ctx: int, batch: int, fmt: str, engine: str, run: str) -> int:
    """Weights (active experts), working cache and state of the synthetic decoder, for the guard."""
    item = dtypes.get(run).row_bytes(1)
    h = sub.hidden_size
    total = spec.vocab_size * h * item
    for lt in sub.layers:
        layer = sub.layer_types[lt]
        total += sum(o * i for o, i in layer.mixer.linears(h)) * item
        if layer.mlp is not None:
            per = sum(o * i for o, i in (layer.mlp.linears(h) if layer.mlp.kind == "dense" else
                                         [(layer.mlp.intermediate_size, h)] * 3))
            n = min(layer.mlp.num_experts, batch * layer.mlp.experts_per_token) if layer.mlp.kind == "moe" else 1
            total += (per * n + (3 * h * getattr(layer.mlp, "shared_intermediate_size", 0))) * item
        held = tokens_held(engine, layer.mixer, ctx, run, fmt)
        total += batch * held.tokens * sum(r * n for r, n in held.rows) * max(item, 2)
        total += batch * sum(st.elements for st in held.state) * 4
    return total


class Decoder:
    def __init__(self, torch, spec, sub, ctx: int, batch: int, fmt: str, engine: str, device):
        run = engines.get(engine).run_dtype(sub, None)
        self.torch, self.batch, self.run = torch, batch, run
        dtype = getattr(torch, formats.NATIVE[dtypes.get(run).name])
        mk = _Maker(torch, device, formats.NATIVE[dtypes.get(run).name])
        h = sub.hidden_size
        self.layers, self.notes = [], []
        for lt in sub.layers:
            layer = sub.layer_types[lt]
            m = layer.mixer
            held = tokens_held(engine, m, ctx, run, fmt)
            kind = m.kind
            if kind in ("full", "sliding", "chunked"):
                mixer = Attention(torch, mk, m, h, batch, max(1, held.tokens), fmt, dtype)
            elif kind == "mla":
                mixer = LatentAttention(torch, mk, m, h, batch, max(1, held.tokens), fmt, dtype)
            elif kind == "mamba2":
                mixer = Mamba2Mixer(torch, mk, m, h, batch, held)
            elif kind == "mamba":
                mixer = MambaMixer(torch, mk, m, h, batch, held)
            elif kind == "gated_deltanet":
                mixer = DeltaNetMixer(torch, mk, m, h, batch, held)
            else:
                mixer = None
            mlp = Mlp(torch, mk, layer.mlp, h, batch) if layer.mlp is not None else None
            self.layers.append(Layer(mixer, mlp))
        self.head = mk.w(spec.vocab_size, h)
        self.x = mk.w(batch, h)
        self.hidden = h
        self.mk = mk
        nat = formats.native(fmt)
        run_name = formats.NATIVE[dtypes.get(run).name]
        if nat is not None and not nat.startswith("float8") and nat != run_name:
            self.notes.append(f"the {fmt} cache was timed in {run} (the model dtype); bytes moved count {fmt}")
        if nat is None:
            self.notes.append(f"{fmt} has no torch attention kernel: the cache was timed in {run}; "
                              f"bytes moved count {fmt}")
        elif nat.startswith("float8"):
            self.notes.append(f"the {fmt} cache is upcast to {run} each step (torch's SDPA takes no "
                              "fp8); bytes moved count fp8")
        if any(getattr(lt_.mlp, "kind", "") == "moe" for lt_ in (sub.layer_types[n] for n in sub.layers)):
            self.notes.append("MoE: min(experts, batch × top-k) experts read per step, tokens routed "
                              "in a fixed pattern")

    def set_ctx(self, engine: str, spec_sub, ctx: int, fmt: str):
        """Attend over the tokens held at a shorter context (a prefix of the cache)."""
        for lt, layer in zip(spec_sub.layers, self.layers):
            m = layer.mixer
            if isinstance(m, (Attention, LatentAttention)):
                held = tokens_held(engine, spec_sub.layer_types[lt].mixer, ctx, self.run, fmt)
                m.n = max(1, min(held.tokens, m.K.shape[2] if isinstance(m, Attention) else m.C.shape[1]))

    def step(self):
        F = self.torch.nn.functional
        x = self.x
        for layer in self.layers:
            x = layer.step(F, x)
        return x

    def head_step(self):
        F = self.torch.nn.functional
        return F.linear(F.rms_norm(self.x, self.x.shape[-1:]), self.head)

    def recompute(self, length: int):
        """A decode step without a cache: the whole prefix of ``length`` tokens run again."""
        F = self.torch.nn.functional
        xs = self.x[:, None, :].expand(self.batch, length, self.hidden).contiguous()

        def fn():
            y = xs
            for layer in self.layers:
                y = layer.prefill(F, y)
            return F.linear(F.rms_norm(y[:, -1], y.shape[-1:]), self.head)

        return fn

    def moved_bytes(self) -> tuple[int, int]:
        return sum(layer.moved_bytes() for layer in self.layers), _nbytes(self.head)

    @property
    def weight_bytes(self) -> int:
        return sum(layer.weight_bytes for layer in self.layers) + _nbytes(self.head)


def run_speed(torch, spec, sub, ctx: int, batch: int, fmt: str, engine: str, device: str,
              steps: int, warmup: int, graph: bool, lengths: list[int], progress=None) -> SpeedResult:
    dec = Decoder(torch, spec, sub, ctx, batch, fmt, engine, device)
    try:
        notes = list(dec.notes)
        if progress:
            progress("cached decode step")
        layers_t = measure(torch, dec.step, device, steps, warmup, graph)
        head_t = measure(torch, dec.head_step, device, steps, warmup, graph)
        layer_bytes, head_bytes = dec.moved_bytes()
        scale = spec.num_layers / sub.num_layers
        growth = []
        for n in lengths:
            if progress:
                progress(f"cached vs recomputed at {n:,} tokens")
            dec.set_ctx(engine, sub, n, fmt)
            # fewer steps than the main figure; on the CPU no warm-up (the step above warmed it)
            again = 1 if device == "cuda" else 0
            cached = measure(torch, dec.step, device, max(1, steps // 4), again, False)
            recomputed = measure(torch, dec.recompute(n), device, max(1, min(3, steps // 2)), again, False)
            growth.append({"tokens": n, "cached_step_s": cached.median_s,
                           "recomputed_step_s": recomputed.median_s})
        dec.set_ctx(engine, sub, ctx, fmt)
        return SpeedResult(sub.num_layers, spec.num_layers, layers_t, head_t,
                           layers_t.median_s * scale + head_t.median_s,
                           layer_bytes + head_bytes, int(layer_bytes * scale) + head_bytes,
                           dec.weight_bytes, growth, notes)
    finally:
        del dec


def predicted_step(spec, gpu, ctx: int, batch: int, kv_dtype: str, weight_dtype: str | None,
                   engine: str):
    """``kvplan.plan.perf.decode_step`` where kvplan has it (None otherwise, shown as "—")."""
    try:
        from ..plan.perf import decode_step
    except ImportError:
        return None, "kvplan.plan.perf is not in this build"
    if gpu is None:
        return None, "no catalog GPU for this device (--gpu names one)"
    try:
        return decode_step(spec, gpu, ctx=ctx, batch=batch, kv_dtype=kv_dtype,
                           weight_dtype=weight_dtype, engine=engine, tp=1), ""
    except Exception as e:  # the predictor's own refusal: shown, not fatal
        return None, f"kvplan.plan.perf: {e}"
