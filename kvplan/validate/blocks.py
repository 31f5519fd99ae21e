"""The blocks of ``speed``'s synthetic decoder, in torch: the tensor maker, one class per token
mixer kind (attention, latent attention, Mamba, Mamba2, Gated DeltaNet), the MLP, and a layer
(norms, mixer, MLP, residual adds). What each block's decode step does is in ``speed``'s
docstring."""
from __future__ import annotations

from ..model import dtypes
from . import formats
from .layout import Tensor, state_shape

FILL_BLOCK = 1 << 20  # CPU: a random block of this many values, repeated (see _fill)


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
