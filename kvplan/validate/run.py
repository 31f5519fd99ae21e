"""One validation: memory (always), capacity on a live card (``--fit``), speed.

Everything allocated here is released before ``validate`` returns, also when it raises or is
interrupted (try/finally: the tensors are dropped, then the caching allocator's blocks are
given back with ``torch.cuda.empty_cache``). A CUDA out-of-memory error becomes one line
saying what did not fit.
"""
from __future__ import annotations

from ..errors import KvplanError
from ..model.frozen import field, record
from . import device as dev
from . import layout as lay
from . import require_torch

DEFAULT_STEPS = {"cuda": 50, "cpu": 3}
DEFAULT_WARMUP = {"cuda": 5, "cpu": 1}
CPU_LENGTHS = (4, 8, 16)  # no-cache lengths on the CPU: small, reported not judged
CUDA_MAX_LENGTH = 4096  # the longest default no-cache length on CUDA (--recompute-lengths overrides)


@record(frozen=False)
class FitCheck:
    gpu: str
    max_batch: int
    weights_bytes: int
    kv_budget_bytes: int
    cache_bytes: int  # the cache for max_batch sequences, as allocated
    cache_bytes_predicted: int
    one_more_bytes: int  # the cache for max_batch + 1 sequences (predicted)
    free_before: int
    free_after: int
    total: int
    budget: list[dict]
    fits: bool
    one_more_exceeds: bool
    notes: list[str] = field(default_factory=list)


@record(frozen=False)
class Result:
    model: str
    command: str
    device: dev.DeviceInfo
    layout: lay.Layout
    measured_kv_bytes: int
    cuda_allocated_delta: int | None = None
    cuda_reserved_delta: int | None = None
    cuda_allocated_expected: int | None = None  # Σ tensors rounded up to 512 bytes
    speed: object = None  # timing.SpeedResult
    prediction: object = None  # kvplan.plan.perf's answer, where kvplan has one
    prediction_note: str = ""
    fit: FitCheck | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def memory_equal(self) -> bool:
        return self.measured_kv_bytes == self.layout.predicted_bytes


def _oom(torch):
    return getattr(torch.cuda, "OutOfMemoryError", RuntimeError)


def lengths_for(kind: str, ctx: int, given: list[int] | None) -> list[int]:
    if given is not None:
        return sorted({min(n, ctx) for n in given if n > 0})
    if kind == "cpu":
        return sorted({min(n, ctx) for n in CPU_LENGTHS})
    top = min(ctx, CUDA_MAX_LENGTH)  # a prefill of batch × length tokens: keep its activations modest
    return sorted({max(1, top // 4), max(1, top // 2), top})


def live_gpu(torch, name: str | None, total: int):
    """The catalog's GPU for this card (``--gpu``, or the one whose display name matches the
    device's), with the memory the driver reports now; None where none matches."""
    from ..sources import catalog

    if name:
        g = catalog.load_gpu(name)
    else:
        dn = torch.cuda.get_device_name(torch.cuda.current_device()).lower()
        cands = [g for g in catalog.gpus() if g.display_name.lower() in dn or dn in g.display_name.lower()]
        cands = [g for g in cands if abs(g.usable_bytes - total) < 2 * dev.GiB] or cands
        g = cands[0] if len(cands) == 1 else None
    return g.model_copy(update={"driver_memory_bytes": total}) if g is not None else None


def _check_options(kind: str, fit: bool, cuda_graph: bool, steps: int | None) -> None:
    """Options that need a CUDA device, and the step count."""
    if fit and kind != "cuda":
        raise KvplanError("--fit needs a CUDA device: it allocates the weights and the cache on a "
                          f"live card, and this run is on the {kind}")
    if cuda_graph and kind != "cuda":
        raise KvplanError(f"--cuda-graph needs a CUDA device; this run is on the {kind}")
    if steps is not None and steps < 1:
        raise KvplanError(f"--steps must be a positive integer, got {steps}")


def _time_speed(torch, spec, plan, result: Result, info, live, kind: str, ctx: int, batch: int, engine: str,
                layers: int | None, steps: int | None, lengths: list[int] | None, cuda_graph: bool,
                safety_margin: int, weight_dtype: str | None, say) -> None:
    """Speed: the synthetic decoder's decode step timed on this device (``result.speed``) and,
    on CUDA, kvplan perf's predicted step beside it."""
    from . import speed as sp

    sub = lay.select_layers(spec, layers)
    fmt = plan.kv_format
    need = sp.estimate_bytes(spec, sub, ctx, batch, fmt, engine, plan.model_dtype)
    dev.guard("the synthetic decoder (weights, cache, state)", need,
              dev.free_bytes(torch, kind), safety_margin, kind)
    n = steps or DEFAULT_STEPS[kind]
    lens = lengths_for(kind, ctx, lengths)
    say("timing the decode step", 2 + len(lens))
    try:
        result.speed = sp.run_speed(torch, spec, sub, ctx, batch, fmt, engine, kind, n,
                                    DEFAULT_WARMUP[kind], cuda_graph, lens,
                                    progress=lambda what: say(None))
    except _oom(torch) as e:
        raise KvplanError(f"out of memory building the synthetic decoder on {info.name}: "
                          f"{str(e).splitlines()[0]}") from None
    if result.speed.layers_timed != result.speed.layers_total:
        result.notes.append(
            f"speed: {result.speed.layers_timed} of {result.speed.layers_total} layers timed, "
            f"scaled by {result.speed.layers_total}/{result.speed.layers_timed} (the LM head "
            "once); the first layers stand for the rest")
    if kind == "cuda":
        result.prediction, result.prediction_note = sp.predicted_step(
            spec, live, ctx, batch, fmt, weight_dtype, engine)
    else:  # a GPU's predicted step beside a CPU's measured one would compare nothing
        result.prediction_note = "kvplan perf predicts a GPU; this run is on the CPU"


def validate(spec, ctx: int, batch: int, kv_dtype: str | None = None, engine: str = "ideal",
             device: str | None = None, layers: int | None = None, fit: bool = False,
             cuda_graph: bool = False, speed: bool = True, steps: int | None = None,
             lengths: list[int] | None = None, safety_margin: int = dev.DEFAULT_SAFETY_MARGIN,
             gpu: str | None = None, weight_dtype: str | None = None, command: str = "",
             progress=None) -> Result:
    torch = require_torch()
    kind, why = dev.choose(torch, device)
    _check_options(kind, fit, cuda_graph, steps)
    info = dev.info(torch, kind, why)
    live = live_gpu(torch, gpu, info.total_bytes) if kind == "cuda" else None
    plan = lay.plan_layout(spec, ctx, batch, kv_dtype, engine, layers, live if kind == "cuda" else None)
    say = progress or (lambda *a: None)
    result = Result(spec.name, command, info, plan, 0)
    if kind == "cpu":
        result.notes.append("run on the CPU: the byte counts are exact checks; the timings are "
                            "reported, not judged (small shapes, no GPU)")
    held = []
    try:
        # --- memory: the planned cache, tensor by tensor ---
        dev.guard("the cache", plan.planned_tensor_bytes, dev.free_bytes(torch, kind), safety_margin, kind)
        say("allocating the cache", len(plan.tensors))
        if kind == "cuda":
            torch.cuda.synchronize()
            a0, r0 = torch.cuda.memory_allocated(), torch.cuda.memory_reserved()
        try:
            held = lay.allocate(plan, kind, progress=lambda: say(None))
        except _oom(torch) as e:
            raise KvplanError(f"out of memory allocating the {plan.planned_tensor_bytes:,}-byte cache "
                              f"on {info.name}: {str(e).splitlines()[0]}") from None
        result.measured_kv_bytes = lay.storage_bytes(held)
        if kind == "cuda":
            torch.cuda.synchronize()
            result.cuda_allocated_delta = torch.cuda.memory_allocated() - a0
            result.cuda_reserved_delta = torch.cuda.memory_reserved() - r0
            result.cuda_allocated_expected = sum(dev.round512(t.nbytes) for t in plan.tensors)
            result.notes.append(dev.cuda_memory_note())
        del held[:]
        dev.release(torch, kind)
        # --- capacity on the live card ---
        if fit:
            say("--fit: weights stand-in and the max-batch cache", 2)
            result.fit = _fit(torch, spec, ctx, kv_dtype, engine, live, info, safety_margin, weight_dtype, say)
        # --- speed ---
        if speed:
            _time_speed(torch, spec, plan, result, info, live, kind, ctx, batch, engine, layers, steps,
                        lengths, cuda_graph, safety_margin, weight_dtype, say)
    finally:
        held = None
        dev.release(torch, kind)
    return result


def _fit(torch, spec, ctx, kv_dtype, engine, live, info, margin, weight_dtype, say,
         device: str = "cuda", mem_info=None) -> FitCheck:
    """Weights stand-in plus the cache for fit's max batch, on the live card. ``device`` and
    ``mem_info`` (free, total) are parameters so that tests can run this on the CPU with a
    pretended card; the command runs it on CUDA only."""
    mem_info = mem_info or torch.cuda.mem_get_info
    from ..plan import fit as fitmod
    from ..model.hardware import GpuSpec

    free0, total = (int(x) for x in mem_info())
    # plan for what this card has free now, less the margin: on an idle card that is the total
    # less the CUDA context; an engine plans for the total (vLLM: total × utilization)
    usable = min(total, free0 - margin)
    if usable <= 0:
        raise KvplanError(f"--fit: {free0:,} bytes free on {info.name}, less the "
                          f"{margin / dev.GiB:g} GiB safety margin, leaves nothing to plan with")
    gpu = live or GpuSpec.model_construct(
        name="cuda-live", display_name=info.name, vendor="nvidia", aliases=[], memory_label="",
        memory_bytes=total, driver_memory_bytes=total, memory_bandwidth_bytes_per_s=1,
        dense_tflops={}, interconnect=None, interconnect_bytes_per_s=None,
        sources=["torch.cuda.mem_get_info"], notes="")
    gpu = gpu.model_copy(update={"memory_bytes": usable, "driver_memory_bytes": usable})
    r = fitmod.fit(spec, gpu, engine=engine, kv_dtype=kv_dtype, weight_dtype=weight_dtype, ctx=ctx)
    b = r.max_batch or 0
    notes = [f"planned for {usable:,} bytes: the {free0:,} free on the card less the "
             f"{margin:,}-byte safety margin (of {total:,} in all)", *r.notes]
    budget = [{"part": p.label, "bytes": p.bytes, "source": p.source} for p in r.stages[0].budget]
    if b < 1:
        raise KvplanError(f"fit: not one sequence of {ctx:,} tokens fits next to the weights on "
                          f"{info.name} ({r.message or 'no room for the cache'})")
    plan = lay.plan_layout(spec, ctx, b, kv_dtype, engine, None, gpu)
    more = lay.plan_layout(spec, ctx, b + 1, kv_dtype, engine, None, gpu).predicted_bytes
    need = r.weights_bytes + plan.planned_tensor_bytes
    dev.guard(f"--fit (weights {r.weights_bytes:,} + cache for {b} sequence{'s' if b != 1 else ''})", need, free0, margin, device)
    held = []
    try:
        try:
            held.append(torch.empty(r.weights_bytes, dtype=torch.uint8, device=device))  # the weights' stand-in
            say(None)
            held += lay.allocate(plan, device)
            say(None)
        except _oom(torch) as e:
            raise KvplanError(f"--fit: out of memory after {lay.storage_bytes(held):,} bytes "
                              f"(weights {r.weights_bytes:,} + a {plan.planned_tensor_bytes:,}-byte "
                              f"cache for {b} sequence{'s' if b != 1 else ''}): {str(e).splitlines()[0]}") from None
        if device == "cuda":
            torch.cuda.synchronize()
        cache = lay.storage_bytes(held[1:])
        free1 = int(mem_info()[0])
    finally:
        del held[:]
        dev.release(torch, device)
    if engine == "vllm" and r.capacity.detail.get("max_num_seqs") == b:
        notes.append(f"max batch is vLLM's --max-num-seqs ({b}), not memory")
    return FitCheck(gpu.name, b, r.weights_bytes, r.kv_budget_bytes, cache, plan.predicted_bytes,
                    more, free0, free1, total, budget, cache <= r.kv_budget_bytes,
                    more > r.kv_budget_bytes, notes)


