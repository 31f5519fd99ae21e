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

from ..model import dtypes
from .. import engines
from . import formats
from .blocks import (Attention, DeltaNetMixer, LatentAttention, Layer, Mamba2Mixer, MambaMixer, Mlp, _Maker,
                     _nbytes)
from .timing import SpeedResult, measure


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
