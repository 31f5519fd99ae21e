"""How fast: ``perf`` (the decode step and prefill of ``kvplan perf``, with its batch table,
cache-vs-recompute and speculative rows) and generation with and without the cache. Each
step is priced by the per-operation model (``latency/``) or the roofline (``roofline.py``).
"""
from __future__ import annotations

from ..errors import KvplanError, opt
from ..units import check_tokens
from ..model.frozen import field, record, replace
from ..model.hardware import GpuSpec
from ..model.spec import ModelSpec
from .roofline import (COMPUTE_EFFICIENCY, COMPUTE_SOURCE, DenseLike, EFFICIENCY_SOURCES, Efficiency, MAMF, MEMORY_EFFICIENCY, MEMORY_SOURCE, OVERHEAD_SOURCE, Roofline, STEP_OVERHEAD_S, Step, compute_format, efficiency, expected_experts, positive)  # noqa: F401  (re-exported: perf.Roofline)


# ---- generation with and without the cache --------------------------------------------------
# Steps priced exactly, one by one, per column of the cache-vs-recompute table; a longer generation
# is priced in runs of an odd number of steps, each by its middle step times the run's length (exact
# where a step's cost is affine in its context, as a full-attention decode's FLOPs and bytes are),
# so that --new-tokens 100000000 answers in seconds rather than hours. Chosen for time, not fitted.
EXACT_STEPS = 8192


@record
class Generation:
    prompt: int
    new_tokens: int
    batch: int
    cached_flops: int
    cached_bytes: int
    cached_seconds: float
    recompute_flops: int
    recompute_bytes: int
    recompute_seconds: float
    every: int = 1  # 1: every step priced; n: runs of n steps, each priced by its middle one

    @property
    def flops_ratio(self) -> float:
        return self.recompute_flops / self.cached_flops

    @property
    def time_ratio(self) -> float:
        return self.recompute_seconds / self.cached_seconds

    def as_dict(self) -> dict:
        return {"prompt": self.prompt, "new_tokens": self.new_tokens, "batch": self.batch,
                "with_cache": {"flops": self.cached_flops, "bytes": self.cached_bytes,
                               "seconds": self.cached_seconds},
                "without_cache": {"flops": self.recompute_flops, "bytes": self.recompute_bytes,
                                  "seconds": self.recompute_seconds},
                "flops_ratio": self.flops_ratio, "time_ratio": self.time_ratio,
                "steps_priced_every": self.every}


def _runs(price, lo: int, hi: int, every: int) -> tuple[int, int, float]:
    """(FLOPs, bytes, seconds) of the steps ``price(t)`` for t in lo ... hi − 1, each run of
    ``every`` steps priced by its middle step (every = 1: each step)."""
    flops = nbytes = 0
    seconds = 0.0
    for start in range(lo, hi, every):
        n = min(every, hi - start)
        s, b = price(start + (n - 1) // 2)
        flops, nbytes, seconds = flops + n * s.flops, nbytes + n * b, seconds + n * s.seconds
    return flops, nbytes, seconds


def generation(r: Roofline, prompt: int, new_tokens: int, batch: int = 1) -> Generation:
    """``new_tokens`` tokens after a ``prompt``-token prompt. With the cache: one prefill (it
    makes the first token) and a decode step per further token, at contexts prompt + 1 ...
    prompt + n − 1. Without it: every token re-runs the whole prefix, a prefill of prompt + t
    tokens for t = 0 ... n − 1 (no K/V kept, none written). Past ``EXACT_STEPS`` steps, runs of
    ``every`` (odd) steps are priced by their middle step (``Generation.every``)."""
    positive("--new-tokens", new_tokens)
    every = 1 if new_tokens <= EXACT_STEPS else -(-new_tokens // EXACT_STEPS) | 1
    first = r.prefill(prompt, batch)

    def decode(t):
        s = r.decode(prompt + t, batch)
        return s, s.bytes

    def again(t):
        s = r.prefill(prompt + t, batch)
        return s, s.bytes - s.kv_write_bytes

    cf, cb, cs = _runs(decode, 1, new_tokens, every)
    rf, rb, rs = _runs(again, 0, new_tokens, every)
    return Generation(prompt, new_tokens, batch, first.flops + cf, first.bytes + cb, first.seconds + cs,
                      rf, rb, rs, every)


# ---- the report `kvplan perf` prints --------------------------------------------------------
@record
class BatchRow:
    batch: int
    step: Step
    fits: bool

    @property
    def tokens_per_second(self) -> float:
        return self.batch / self.step.seconds


@record
class PerfReport:
    model: str
    gpu: str
    tp: int
    ctx: int
    batch: int
    prompt: int
    kv_dtype: str
    weight_dtype: str
    compute_format: str
    peak_tflops: float
    bandwidth_bytes_per_s: int
    interconnect_bytes_per_s: int | None
    efficiency: Efficiency
    weights_bytes: int
    active_parameters: int
    decode: Step
    prefill: Step
    generation: Generation | None = None
    batch_table: tuple[BatchRow, ...] = ()
    max_batch: int | None = None
    max_batch_engine: str | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)
    speculative: object | None = None  # plan/speculative.py SpecPerf (--speculative-config --acceptance)
    data_parallel_size: int = 1  # attention replicas (vLLM --data-parallel-size)
    expert_parallel: int = 1  # ranks the routed experts are split over (tp × DP with --enable-expert-parallel)

    @property
    def tokens_per_second(self) -> float:
        return self.batch / self.decode.seconds

    @property
    def ttft_seconds(self) -> float:
        return self.prefill.seconds


def batch_sizes(max_batch: int) -> list[int]:
    """The batch table's rows: 1, 2, 4, ... up to what fits, that largest batch itself, then the
    first power of two that does not fit (just 1 when nothing fits)."""
    if max_batch < 1:
        return [1]
    out, b = [], 1
    while b <= max_batch:
        out.append(b)
        b *= 2
    if out[-1] != max_batch:
        out.append(max_batch)
    return out + [b]


def beyond_positions(spec: ModelSpec, engine: str, ctx: int, prompt: int, new_tokens: int | None) -> list[str]:
    """A note where a step reaches past the model's positions, in the engine's words (vLLM and SGLang
    refuse such a length by default: ``Engine.context_limit``); priced all the same."""
    from .. import engines

    try:
        limit = engines.get(engine).context_limit(spec)
    except KvplanError:  # a latency profile's engine (vllm_v0, lmdeploy, ...) that plans no memory
        limit = None
    if limit is None and spec.max_context:
        limit = (spec.max_context, "")
    if limit is None:
        return []
    n, says = limit
    how = "max_position_embeddings" if n == spec.max_context else "context length"
    out = []
    for what, tokens in (("", ctx), (" (the prompt)", prompt if prompt != ctx else 0),
                         (" (the prompt + the new tokens − 1)", prompt + new_tokens - 1 if new_tokens else 0)):
        if tokens > n:
            out.append(f"ctx {tokens:,}{what} is beyond {spec.name}'s {how} ({n:,})"
                       + (f"; {says}: priced as if it were set" if says else ""))
    return out


def _checked_prompt(ctx: int, batch: int, prompt: int | None) -> int:
    """The prompt ``perf`` prices (``ctx`` where none is given), its lengths and the batch checked."""
    positive("--batch", batch)
    prompt = ctx if prompt is None else prompt
    positive("--prompt", prompt)
    check_tokens(ctx, batch)
    check_tokens(prompt, batch, "prompt")
    if prompt > ctx:  # the decode step's context holds the prompt: a longer prompt is two questions mixed up
        raise KvplanError(f"{opt('prompt')} {prompt:,} is longer than {opt('ctx')} {ctx:,}, the tokens each sequence "
                          f"holds at the decode step (the prompt among them); give {opt('ctx')} {prompt:,} or more")
    return prompt


def perf(spec: ModelSpec, gpu: GpuSpec, ctx: int, batch: int = 1, prompt: int | None = None,
         tp: int = 1, kv_dtype: str | None = None, weight_dtype: str | None = None,
         bw_efficiency: float | None = None, flops_efficiency: float | None = None,
         step_overhead_ms: float | None = None, new_tokens: int | None = None,
         batch_table: bool = False, engine: str = "vllm", speculative_config=None,
         acceptance: float | None = None, model: str = "ops", profile=None,
         data_parallel_size: int = 1, enable_expert_parallel: bool = False,
         engine_version: str | None = None, gpu_memory_utilization: float | None = None) -> PerfReport:
    """``data_parallel_size`` / ``enable_expert_parallel``: vLLM's flags; with EP the step is one
    of tp × DP ranks (``batch`` its DP rank's sequences), priced per operation only. ``engine_version``:
    the engine's release priced (``--engine-version``; vLLM's: its per-step costs, latency/versions.py
    ``release_profile``; vLLM's or TensorRT-LLM's: its memory plan in the fits notes and the batch table, as fit's).
    ``gpu_memory_utilization``: the engine's share of the GPU in that memory plan (fit's --gpu-memory-utilization;
    None: the engine's default), so perf's "fits" is fit's at the same flags."""
    positive("--ctx", ctx)
    positive("--data-parallel-size", data_parallel_size)
    from .. import engines
    from .parallel import engine_flags

    engine = str(engine).strip().lower()
    engines.get(engine)  # an unknown name is refused, not priced and planned as vLLM

    engine_flags(engine, expert_parallel=enable_expert_parallel)  # SGLang's experts: --ep-size, not this
    ep = tp * data_parallel_size if enable_expert_parallel else 1
    if enable_expert_parallel:
        from .latency.moe import check_expert_parallel

        check_expert_parallel(spec, tp, ep, asked=True)
    if acceptance is not None and speculative_config is None:
        raise KvplanError("--acceptance needs --speculative-config")
    prompt = _checked_prompt(ctx, batch, prompt)
    if model == "ops" and any(v is not None for v in (bw_efficiency, flops_efficiency, step_overhead_ms)):
        model = "roofline"  # an efficiency override names the roofline's own knobs
    if model == "ops":
        from .latency.versions import release_profile

        r = step_model(spec, gpu, tp, kv_dtype, weight_dtype, release_profile(engine, engine_version), ep=ep)
        if profile is not None:  # a calibrated profile (kvplan check-bench --calibrate)
            from .latency.calibrate import apply_profile

            apply_profile(r, profile)
    elif enable_expert_parallel:
        raise KvplanError("expert parallelism is priced by the per-operation model only; drop the "
                          "efficiency overrides (--bw-efficiency, --flops-efficiency, --step-overhead-ms)")
    else:
        r = Roofline(spec, gpu, tp, kv_dtype, weight_dtype, None, bw_efficiency, flops_efficiency,
                     step_overhead_ms)
    if data_parallel_size > 1 and not enable_expert_parallel and r.moe:
        raise KvplanError("--data-parallel-size without --enable-expert-parallel splits every expert over "
                          "tp × DP ranks, which the step model does not price; add --enable-expert-parallel")
    notes = [f"every op's time scaled {r.profile_label}"] if getattr(r, "profile_label", "") else []
    notes += beyond_positions(spec, engine, ctx, prompt, new_tokens)
    if r.moe:
        notes.append("MoE: weights read per step count the experts the batch's tokens route to, "
                     "E × (1 − (1 − k/E)^tokens), assuming uniform routing")
    if data_parallel_size > 1:
        notes.append(f"data parallel: {data_parallel_size} attention replicas of tp {tp} ({tp * data_parallel_size} "
                     f"GPUs); --batch and tokens/s are one replica's"
                     + (f"; experts whole over EP {ep} ranks ({getattr(r, 'ep_moe', [(0, 0)])[0][1] // ep} "
                        f"per rank), read at all replicas' tokens (equal batches, lockstep), a dispatch + "
                        f"combine all-to-all per MoE layer (kvplan/plan/latency/comm.py)" if ep > 1 else ""))
    if spec.encoders:
        notes.append("encoder towers are not read in a text decode step (not counted)")
    if r.sides:
        notes.append("sparse attention: every layer reads its whole cache and its side caches "
                     "(indexer keys, compressed entries); a top-k selection's smaller read is not "
                     "modelled, so this is an upper bound")
    if tp > 1:
        notes.append("all-reduce: measured time by message size (log-size interpolation), the engine's choice of "
                     "kernel, 1 per mixer and per MLP + 1 (kvplan/plan/latency/comm.py)"
                     if hasattr(r, "prof") else
                     "all-reduce: bandwidth term only (ring, 1 per mixer and per MLP); latency not modelled")
    notes += _fits_notes(r, spec, gpu, tp, engine, kv_dtype, weight_dtype, ctx, batch, data_parallel_size,
                         enable_expert_parallel, engine_version, gpu_memory_utilization)
    gen = generation(r, prompt, new_tokens, batch) if new_tokens else None
    rows, max_b, eng_name = (), None, None
    if batch_table:
        rows, max_b, eng_name = _batch_table(r, spec, gpu, tp, engine, kv_dtype, weight_dtype, ctx,
                                             data_parallel_size, enable_expert_parallel, engine_version,
                                             gpu_memory_utilization)
    return PerfReport(
        model=spec.name, gpu=gpu.name, tp=tp, ctx=ctx, batch=batch, prompt=prompt,
        kv_dtype=r.kv_fmt.name, weight_dtype=r.weight_dtype, compute_format=r.compute_fmt,
        peak_tflops=gpu.dense_tflops[r.compute_fmt],
        bandwidth_bytes_per_s=gpu.memory_bandwidth_bytes_per_s,
        interconnect_bytes_per_s=gpu.interconnect_bytes_per_s, efficiency=r.eff,
        weights_bytes=r.weights_bytes, active_parameters=r.active_params,
        decode=r.decode(ctx, batch), prefill=r.prefill(prompt, batch), generation=gen,
        batch_table=rows, max_batch=max_b, max_batch_engine=eng_name, notes=tuple(notes),
        speculative=_speculative(r, spec, ctx, batch, speculative_config, acceptance),
        data_parallel_size=data_parallel_size, expert_parallel=ep)


def _batch_table(r, spec, gpu, tp, engine, kv_dtype, weight_dtype, ctx, dp, ep, ver=None, gmu=None):
    """(rows, max batch, engine) of the batch table, bounded by the engine's memory plan (one DP
    rank's under vLLM's --data-parallel-size / --enable-expert-parallel)."""
    f = _engine_fit(spec, gpu, tp, engine, kv_dtype, weight_dtype, ctx, dp, ep, ver, gmu=gmu)
    max_b = f.max_batch or 0
    return tuple(BatchRow(b, r.decode(ctx, b), b <= max_b) for b in batch_sizes(max_b)), max_b, f.engine


def _fits_notes(r, spec, gpu, tp, engine, kv_dtype, weight_dtype, ctx, batch, dp, ep, ver=None, gmu=None) -> list[str]:
    """A note where the step priced does not fit: its weights and cache overflow the card, or (the
    bytes passing) the engine's own plan, fit's answer, holds fewer than ``batch`` such sequences; or is at risk:
    the plan holds them only if its estimated parts err the kind way (fit's "at risk" at this --batch, its words,
    naming the deciding term: plan/verdict.py), as the standard asks of every "fits"."""
    need = r.weights_bytes + batch * (r.kv_tokens_read(ctx) + r.state_per_seq)
    if need > gpu.usable_bytes:
        return [f"this does not fit: {need:,} bytes of weights and cache per GPU against "
                f"{gpu.usable_bytes:,} on {gpu.name} (see kvplan fit; a larger --tp)"]
    plan = _engine_fit(spec, gpu, tp, engine, kv_dtype, weight_dtype, ctx, dp, ep, ver, batch, gmu)
    also = f" --gpu-memory-utilization {gmu:g}" if gmu is not None else ""
    if batch > (plan.max_batch or 0):
        return [f"this does not fit: {plan.engine}'s memory plan holds {plan.max_batch or 0:,} "
                f"sequence(s) of {ctx:,} tokens per replica, not {batch:,} (kvplan fit --ctx {ctx}{also})"]
    if plan.verdict == "at_risk":
        return [f"at risk: {plan.engine}'s memory plan: {plan.judgement.why} (kvplan fit --ctx {ctx} --batch {batch}"
                f"{also})"]
    return []


def _engine_fit(spec, gpu, tp, engine, kv_dtype, weight_dtype, ctx, dp, ep, ver=None, batch=None, gmu=None):
    """``kvplan fit``'s answer at ``ctx`` for the engine perf prices (vLLM for a latency profile that
    plans no memory), one DP rank's under vLLM's --data-parallel-size / --enable-expert-parallel. A
    ctx past the engine's context limit is planned with that length allowed, as perf prices it
    (``beyond_positions``: "priced as if it were set"). ``ver``: the engine's release planned (fit's --engine-version);
    ``batch``: judged at that batch, as ``fit --batch`` (its verdict; None: the largest batch only); ``gmu``: fit's
    --gpu-memory-utilization (None: the engine's default)."""
    from .. import engines
    from ..engines.base import ServeOptions
    from .fit import fit

    eng = engine if engine in ("vllm", "sglang", "trtllm", "llamacpp") else "vllm"
    opts = ServeOptions(data_parallel_size=dp, enable_expert_parallel=ep, vllm_version=ver if eng == "vllm" else None,
                        trtllm_version=ver if eng == "trtllm" else None, gpu_memory_utilization=gmu)
    limit = engines.get(eng).context_limit(spec)
    if limit is not None and ctx > limit[0]:
        opts = replace(opts, max_model_len=ctx, long_context_allowed=True)
    return fit(spec, gpu, tp=tp, engine=eng, kv_dtype=kv_dtype, weight_dtype=weight_dtype, ctx=ctx, opts=opts,
               **({} if batch is None else {"batch": batch}))


def _speculative(r, spec, ctx, batch, sc, acceptance):
    if sc is None:
        return None
    from .speculative import spec_perf

    return spec_perf(r, spec, ctx, batch, sc, acceptance, r.decode(ctx, batch).seconds)


def step_model(spec: ModelSpec, gpu: GpuSpec, tp: int = 1, kv_dtype: str | None = None,
               weight_dtype: str | None = None, engine: str = "vllm", ep: int = 1):
    """The step model ``kvplan perf`` prices with by default (per operation, ``OpLatency``), for
    ``engine``'s latency profile; ``sweep`` and ``compare`` price their decode steps with it too,
    so the same step gets the same time from every command. A layout with no latency profile of
    its own (ideal, hf-static) is priced as vLLM, perf's default engine."""
    from .latency.profile import _ALIASES
    from .latency import tables
    from .latency.step import OpLatency

    engine = str(engine).strip().lower()  # as engines.get reads it: --engine SGLang is SGLang's profile
    if _ALIASES.get(engine, engine) not in tables.load("engines"):
        engine = "vllm"
    return OpLatency(spec, gpu, tp, kv_dtype, weight_dtype, engine=engine, ep=ep)


def decode_step(spec: ModelSpec, gpu: GpuSpec, ctx: int, batch: int = 1, kv_dtype: str | None = None,
                weight_dtype: str | None = None, engine: str = "ideal", tp: int = 1) -> Step:
    """One decode step as ``kvplan perf`` prices it by default (``step_model``, per operation, for
    ``engine``'s latency profile; a layout with none, ideal or hf-static, is priced as vLLM): what
    `kvplan validate` puts beside its measurement, so validate's prediction is perf's figure."""
    return step_model(spec, gpu, tp, kv_dtype, weight_dtype, engine).decode(ctx, batch)
