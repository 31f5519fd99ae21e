"""What-if variants of a model and `kvplan compare`'s rows.

A variant is the same model with one change to how it caches, written as ``kvplan compare``
takes it; changes combine with ``+``:

* ``mha`` / ``gqa:G`` / ``mqa``: every softmax-attention layer with num_heads, G or 1 KV heads
  (K/V projections shrink or grow with them);
* ``mla:R+r``: every full-attention layer becomes multi-head latent attention caching an
  R-value latent plus an r-value RoPE key (DeepSeek-V2's shape: ``mla:512+64``), with the
  layer's own head count, head_dim as the no-RoPE query/key dims and its V dims;
* ``window:W``: every full-attention layer becomes a sliding window of W tokens;
* ``kv:FMT``: the cache in another element format (fp8, q4_0, kivi2, ...);
* ``share:N``: cross-layer KV sharing (CLA, Brandon et al. 2024, arXiv:2405.12981): of every N
  consecutive layers that cache K/V, the first keeps its cache and the others read it.
"""
from __future__ import annotations

import re

from ..model import dtypes
from ..errors import KvplanError
from .parallel import tp_needs_gpu
from ..model.frozen import record
from ..model.kinds import MLA, FullAttention, SlidingWindow, _Attention
from ..model.spec import ModelSpec, compress_pattern


@record
class Variant:
    label: str
    spec: ModelSpec
    kv_dtype: str | None


def parse(text: str) -> list[str]:
    """``mha,gqa:8+kv:fp8,mla:512+64`` -> ["mha", "gqa:8+kv:fp8", "mla:512+64"]."""
    out = [v.strip() for v in text.split(",") if v.strip()]
    if not out:
        raise KvplanError("--variants is empty; give e.g. mha,gqa:8,mqa,mla:512+64,window:4096,kv:fp8,share:2")
    return out


def _changes(label: str) -> list[str]:
    """Split a variant on '+', keeping mla:R+r together."""
    parts, out = label.split("+"), []
    for p in parts:
        p = p.strip()
        if out and re.fullmatch(r"\d+", p) and re.fullmatch(r"mla:\d+", out[-1]):
            out[-1] += "+" + p
        else:
            out.append(p)
    return out


def _int(change: str, text: str) -> int:
    if not re.fullmatch(r"\d+", text) or int(text) < 1:
        raise KvplanError(f"variant '{change}': '{text}' is not a positive whole number")
    return int(text)


def _map_mixers(spec: ModelSpec, fn, what: str, change: str) -> ModelSpec:
    changed, lts = 0, {}
    for name, lt in spec.layer_types.items():
        new = fn(lt.mixer)
        if new is not lt.mixer:
            changed += 1
        lts[name] = lt.model_copy(update={"mixer": new})
    if not changed:
        raise KvplanError(f"variant '{change}': {spec.name} has no {what} layers to change")
    return spec.model_copy(update={"layer_types": lts})


def _heads(spec: ModelSpec, kv_heads, change: str) -> ModelSpec:
    def fn(m):
        if not isinstance(m, _Attention):
            return m
        n = kv_heads(m)
        if m.num_heads % n:
            raise KvplanError(f"variant '{change}': {n} KV heads do not divide the {m.num_heads} "
                              f"query heads of {spec.name}")
        return m.model_copy(update={"num_kv_heads": n})
    return _map_mixers(spec, fn, "softmax-attention", change)


def _share(spec: ModelSpec, n: int) -> ModelSpec:
    if n < 2:
        raise KvplanError("variant 'share:N' needs N >= 2 (layers per cached K/V)")
    names, lts, i = [], dict(spec.layer_types), 0
    for name in spec.layers:
        lt = spec.layer_types[name]
        if lt.mixer.kv_rows() and not lt.kv_shared:
            if i % n:
                shared = f"{name}-shared"
                lts[shared] = lt.model_copy(update={"kv_shared": True})
                name = shared
            i += 1
        names.append(name)
    if i == 0:
        raise KvplanError(f"variant 'share:{n}': {spec.name} has no layers caching K/V to share")
    if n > i:  # share:100 on 32 layers was share:32 under another name
        raise KvplanError(f"variant 'share:{n}': {spec.name} has {i} layers caching K/V; N can be at most {i}")
    used = dict.fromkeys(names)
    data = {k: getattr(spec, k) for k in type(spec).model_fields}
    data.update(layer_types={k: lts[k] for k in used}, pattern=compress_pattern(names))
    return ModelSpec.model_construct(**data)  # a fresh spec: ``layers`` is cached per instance


def apply(spec: ModelSpec, label: str) -> Variant:
    kv = None
    for change in _changes(label):
        key, _, arg = change.partition(":")
        key = key.strip().lower()
        if key == "mha" and not arg:
            spec = _heads(spec, lambda m: m.num_heads, change)
        elif key == "mqa" and not arg:
            spec = _heads(spec, lambda m: 1, change)
        elif key == "gqa":
            g = _int(change, arg)
            spec = _heads(spec, lambda m: g, change)
        elif key == "window":
            w = _int(change, arg)
            spec = _map_mixers(spec, lambda m: SlidingWindow(**{**_geometry(m), "window": w})
                               if isinstance(m, FullAttention) else m, "full-attention", change)
        elif key == "mla":
            m_ = re.fullmatch(r"(\d+)\+(\d+)", arg)
            if not m_:
                raise KvplanError(f"variant '{change}': write mla:LATENT+ROPE, e.g. mla:512+64")
            rank, rope = _int(change, m_.group(1)), _int(change, m_.group(2))
            spec = _map_mixers(spec, lambda m: MLA(
                num_heads=m.num_heads, kv_lora_rank=rank, qk_rope_head_dim=rope,
                qk_nope_head_dim=m.head_dim, v_head_dim=m.v_dim)
                if isinstance(m, FullAttention) else m, "full-attention", change)
        elif key == "kv":
            kv = dtypes.get(arg).name
        elif key == "share":
            spec = _share(spec, _int(change, arg))
        else:
            raise KvplanError(f"unknown variant '{change}'; known: mha, gqa:G, mqa, mla:R+r, "
                              "window:W, kv:FORMAT, share:N (combine with +)")
    return Variant(label, spec, kv)


def _geometry(m: _Attention) -> dict:
    return {k: getattr(m, k) for k in ("num_heads", "num_kv_heads", "head_dim", "v_head_dim",
                                       "qkv_bias", "o_bias", "qk_norm", "learned_sinks",
                                       "k_eq_v", "output_gate")}


# ---- compare rows ---------------------------------------------------------------------------
def rows(specs: list[ModelSpec], ctx: int, batch: int = 1, kv_dtype: str | None = None,
         variants: list[str] | None = None, gpu=None, engine: str | None = None,
         weight_dtype: str | None = None, tp: int = 1, opts=None) -> list[dict]:
    """One row per model, and per variant of it: KV bytes per token, at ctx × batch, weights
    (in ``engine``'s layout; default ideal); with a GPU, the largest batch at ctx, which is
    fit's own answer in the engine fit uses (``engine``, or vLLM when none is given), and
    decode tokens/s. A max batch of 0 comes with ``max_batch_reason``."""
    from .size import kv_size

    tp_needs_gpu(tp, gpu, "the max batch")
    layout = engine or "ideal"
    fit_engine = engine or "vllm"
    out = []
    for spec in specs:
        todo = [Variant("", spec, None)] + [apply(spec, v) for v in (variants or [])]
        base_total = None
        for v in todo:
            kvd = v.kv_dtype or kv_dtype
            shared = any(lt.kv_shared for lt in v.spec.layer_types.values())
            if shared and engine == "vllm":
                raise KvplanError("share:N is modelled in the ideal, hf, sglang, trtllm and llamacpp "
                                  "layouts, not vllm's page planner; use --engine ideal")
            r = kv_size(v.spec, ctx, batch, kvd, layout, weight_dtype)
            row = {"model": spec.name, "variant": v.label or None, "ctx": ctx, "batch": batch,
                   "kv_dtype": r.kv_dtype, "engine": r.engine,
                   "kv_bytes_per_token": r.bytes_per_token, "kv_cache_bytes": r.kv_cache_bytes,
                   "state_bytes": r.state_bytes, "total_bytes": r.total_bytes,
                   "parameters": r.parameters, "weights_bytes": r.weights_bytes}
            if base_total is None:
                base_total = r.total_bytes
            row["saving"] = (1 - r.total_bytes / base_total) if base_total else None
            if gpu is not None and shared and fit_engine == "vllm":
                row.update(gpu=gpu.name, fit_engine="vllm", max_batch=None, decode_tokens_per_second=None,
                           max_batch_tokens_per_second=None,
                           max_batch_reason="vLLM's page planner does not model share:N (give --engine to "
                                            "plan it in another engine)")
            elif gpu is not None:
                from .fit import fit
                from .perf import step_model

                f = fit(v.spec, gpu, tp=tp, engine=fit_engine, kv_dtype=kvd, weight_dtype=weight_dtype,
                        ctx=ctx, opts=opts)
                from .latency.versions import release_profile  # --engine-version: that release's per-step costs

                rl = step_model(v.spec, gpu, tp, kvd, weight_dtype, release_profile(f.engine, opts))  # perf's step
                row.update(gpu=gpu.name, fit_engine=f.engine, max_batch=f.max_batch or 0,
                           decode_tokens_per_second=batch / rl.decode(ctx, batch).seconds,
                           max_batch_tokens_per_second=(f.max_batch / rl.decode(ctx, f.max_batch).seconds)
                           if f.max_batch else None)
                row["fit_verdict"] = f.verdict  # plan/verdict.py: fits, at_risk, does_not_fit
                row["max_batch_low"] = f.max_batch_low if f.max_batch_low is not None else f.max_batch
                if not f.max_batch:
                    row["max_batch_reason"] = _why_none(f, ctx)
            out.append(row)
    return out


def _why_none(f, ctx: int) -> str:
    """Why fit's answer is 0 sequences: the model cannot start, or ctx is past what it accepts."""
    if f.message:
        return f.message
    if ctx > f.capacity.max_model_len:
        return (f"ctx {ctx:,} is beyond the max model length {f.capacity.max_model_len:,}; "
                "give a longer max model length")
    return f"one sequence of {ctx:,} tokens needs more than the KV budget of {f.kv_budget_bytes:,} bytes"
