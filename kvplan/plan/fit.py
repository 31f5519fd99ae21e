"""What fits: a model × a GPU × tensor/pipeline parallelism × an engine.

``fit`` knows no engine by name. It shards the spec (each kind and MLP owns its split,
``ModelSpec.shard``), cuts the layers into pipeline stages as the engine does, prices each
GPU's weights, asks the engine for each GPU's budget (what it takes before the cache) and
for the capacity it would report, and answers the three questions: how many requests of
``ctx`` tokens fit, how long ``batch`` requests can be, and how many tokens the cache holds.
"""
from __future__ import annotations


from ..model import dtypes
from .. import engines
from ..engines import BudgetPart, Capacity, ServeOptions, Worker, tier_flags
from ..engines.base import kv_format_name, total_parts
from ..errors import KvplanError, opt
from ..model.frozen import field, record, replace
from ..model.spec import ModelSpec, MoeMlp, compress_pattern
from .copies import Copies, copies  # noqa: F401  (fit.copies: its home before the split)
from .verdict import judge


@record
class Stage:
    """One GPU's share: a pipeline stage's layers on one tensor-parallel rank."""

    index: int
    first_layer: int
    layers: int
    parameters: int
    weights_bytes: int
    budget: list[BudgetPart]

    @property
    def kv_budget_bytes(self) -> int:
        return next(p.bytes for p in self.budget if p.key == "kv_cache")

    def part(self, key: str) -> int:
        return sum(p.bytes for p in self.budget if p.key == key)

    @property
    def weights_as_loaded(self) -> int:
        """The checkpoint's bytes plus what the engine adds while loading (MXFP4's post-load
        transform, vLLM's rotary cos/sin table, AWQ's zero points under Machete and its linears padded for Marlin, the caching
        allocator's whole blocks; SGLang's allocated-while-loading estimate): what "Model loading
        took X GiB" (vLLM) and "Load weight end ... mem usage" (SGLang) report."""
        return self.weights_bytes + self.part("weights_transform") + self.part("weights_rotary") \
            + self.part("weights_awq_zeros") + self.part("weights_awq_padding") + self.part("weights_allocator") \
            + self.part("load_extra")


@record
class FitReport:
    model: str
    gpu: str
    gpu_memory_bytes: int  # per GPU, CUDA's total (or estimated, see gpu_memory_source)
    gpu_memory_source: str
    engine: str
    tp: int
    pp: int
    kv_dtype: str
    weight_dtype: str
    fits: bool
    capacity: Capacity
    stages: list[Stage]
    ctx: int | None = None
    batch: int | None = None
    max_batch: int | None = None
    max_ctx: int | None = None
    message: str | None = None
    min_tp: int | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)
    traffic: tuple = ()  # traffic.Strategy per allocation strategy, with --lengths
    traffic_note: str = ""
    source: str = ""  # where the model's config came from
    copies: "Copies | None" = None  # what every GPU keeps whole (tp × pp > 1)
    judgement: object = None  # plan.verdict.Verdict: fits / at risk / does not fit, margin, term
    max_batch_low: int | None = None  # max_batch with every estimated part at its error (Setup.pessimistic)
    max_ctx_low: int | None = None  # max_ctx likewise: the longest context for --batch that fits, not at risk
    world: int | None = None  # GPUs in all, where data parallelism adds replicas (plan/parallel.py)

    @property
    def verdict(self) -> str:
        """fits, at_risk or does_not_fit (``fits`` is true for the first two)."""
        return self.judgement.verdict if self.judgement else ("fits" if self.fits else "does_not_fit")

    @property
    def margin_bytes(self) -> int | None:
        return self.judgement.margin_bytes if self.judgement else None

    @property
    def deciding_term(self) -> str | None:
        return self.judgement.deciding_term if self.judgement else None

    @property
    def gpus(self) -> int:
        return self.world or self.tp * self.pp

    @property
    def weights_bytes(self) -> int:
        """The largest weight share on one GPU."""
        return max(s.weights_bytes for s in self.stages)

    @property
    def weights_as_loaded(self) -> int:
        """The largest weight share on one GPU as the engine loads it (Stage.weights_as_loaded)."""
        return max(s.weights_as_loaded for s in self.stages)

    @property
    def kv_budget_bytes(self) -> int:
        return min(s.kv_budget_bytes for s in self.stages)


def stage_spec(rank: ModelSpec, first: int, count: int) -> ModelSpec:
    """The layers [first, first + count) of a (sharded) spec, as a spec of their own."""
    names = rank.layers[first:first + count]
    used = {n: rank.layer_types[n] for n in dict.fromkeys(names)}
    data = {k: getattr(rank, k) for k in type(rank).model_fields}
    data.update(layer_types=used, pattern=compress_pattern(names))
    return ModelSpec.model_construct(**data)


def stage_parameters(rank: ModelSpec, first: int, count: int, pp: int, encoders: int = 0) -> int:
    """Parameters one GPU of a stage holds: its layers, the embeddings on the first stage, the
    final norm and LM head on the last (vLLM's PPMissingLayer elsewhere). With tied embeddings
    and pp > 1 the last stage keeps its own copy of the embedding matrix as its LM head."""
    per_layer = rank.layer_params()
    n = sum(per_layer[lt] for lt in rank.layers[first:first + count])
    last = first + count == rank.num_layers
    if first == 0:
        n += rank.embedding_params() + encoders
    if last:
        n += rank.final_norm_params() + rank.lm_head_params()
        if rank.tie_embeddings and pp > 1:
            n += rank.vocab_size * rank.hidden_size
    return n


def stage_weight_bytes(sub: ModelSpec, params: int, wfmt) -> int:
    """One GPU's weights: ``params`` in ``wfmt``, or, with wfmt None, as the checkpoint stores
    them (``ModelSpec.priced_bytes``, the one weight pricer ``size`` uses too)."""
    return sub.priced_bytes(params, None if wfmt is None else wfmt.name)


def _holds_checkpoint(spec: ModelSpec, eng, tp: int, pp: int, opts: ServeOptions) -> bool:
    """Whether each GPU loads the whole checkpoint, so its stored bytes are the GPU's weights: no
    tensor or pipeline split, and no expert split (vLLM's data-parallel ranks split a mixture of
    experts' experts over tp × DP, with or without expert parallelism; a dense model's DP ranks
    are whole replicas)."""
    from .parallel import layout_of

    if tp * pp > 1:
        return False
    lay = layout_of(eng.name, tp, opts)
    return lay.gpus == 1 or not any(isinstance(lt.mlp, MoeMlp) for lt in spec.layer_types.values())


def _workers(spec: ModelSpec, gpu, tp: int, pp: int, eng, opts: ServeOptions, kv_fmt,
             wfmt, text_only: bool = False, stored: int | None = None) -> tuple[list[Stage], list[Worker]]:
    """``stored``: the checkpoint's own weight bytes, which replace the computed ones on one GPU.
    Expert and data parallelism (plan/parallel.py): attention and dense parts split over the
    attention group, the fullest rank's routed experts added (``ep_delta``)."""
    from .parallel import ep_delta, layout_of

    lay = layout_of(eng.name, tp, opts)
    tp = lay.attn_tp
    rank = spec.shard(tp)
    # encoder towers load on the first stage, split over its ranks (vLLM's default
    # mm_encoder_tp_mode "weights"); not exact per rank where a tower dimension does not divide
    encoders = 0 if text_only else -(-spec.encoder_params() // tp)
    stages, workers = [], []
    for i, (first, count, sub) in enumerate(rank_stages(spec, tp, pp, eng)):
        params = stage_parameters(rank, first, count, pp, encoders)
        wbytes = stage_weight_bytes(sub, params, wfmt) if stored is None else stored
        wbytes += ep_delta(sub, spec, lay, wfmt)
        budget = eng.budget(gpu, wbytes, sub, opts, tp, pp, kv_fmt) + total_parts(gpu)
        stages.append(Stage(i, first, count, params, wbytes, budget))
        workers.append(Worker(sub, budget))
    return stages, workers


def rank_stages(spec: ModelSpec, tp: int, pp: int, eng) -> list[tuple[int, int, ModelSpec]]:
    """(first layer, layers, the rank's spec) per pipeline stage: what one tensor-parallel rank
    of each stage holds (``spec.shard(tp)`` cut into ``eng.stages``). Every rank of a stage holds
    the same shapes. ``fit`` plans each GPU from this, and ``kvplan validate --tp/--pp``
    allocates it."""
    rank = spec.shard(tp)
    if pp > spec.num_layers:
        raise KvplanError(f"{opt('pp', pp)} is more than the model's {spec.num_layers} layers")
    out, first = [], 0
    for count in eng.stages(spec.num_layers, pp):
        out.append((first, count, stage_spec(rank, first, count)))
        first += count
    return out


def _divisors_of_heads(spec: ModelSpec) -> list[int]:
    """The --tp values the smallest-tp search tries: powers of two up to 64 that divide the
    fewest attention heads of any layer; every one for a model without heads (pure Mamba),
    whose shard refuses those that do not divide its channels."""
    heads = [spec.layer_types[lt].mixer.num_heads for lt in spec.counts()
             if hasattr(spec.layer_types[lt].mixer, "num_heads")]
    return [t for t in (1, 2, 4, 8, 16, 32, 64) if not heads or min(heads) % t == 0]


@record
class Traffic:
    """Request lengths to place (``--lengths``) and what to compare."""

    spec: str
    requests: int | None = None  # None: plan.traffic.DEFAULT_REQUESTS for a distribution (a file is taken whole)
    seed: int | None = None  # None: 0 for a distribution
    shared_prefix: int = 0


# TensorRT-LLM's KvCacheConfig.tokens_per_block default (tensorrt_llm/llmapi/llm_args.py)


@record
class Setup:
    """A model on a GPU type in one engine with its budget made and its capacity known: what
    ``fit`` answers every question from (``max_batch``, ``max_ctx``), so that fit, compare and
    sweep give one answer. ``report`` is set instead where the model cannot start at all."""

    spec: ModelSpec
    gpu: object
    eng: object
    opts: ServeOptions
    kv_fmt: object
    workers: list
    stages: list
    notes: list
    common: dict
    cap: Capacity | None = None
    report: "FitReport | None" = None

    def max_batch(self, ctx: int) -> int:
        """The most sequences of ``ctx`` tokens the engine runs at once on these GPUs (0 where
        the model cannot start, or ``ctx`` is beyond what the engine accepts)."""
        if self.report is not None:
            return 0
        if ctx > self.cap.max_model_len and self.eng.rejects_beyond_max_model_len:
            return 0
        return self.eng.max_batch(self.workers, self.gpu, self.cap, self.opts, self.kv_fmt,
                                  self.spec.dtype, ctx)

    def judgement(self, ctx: int | None = None):
        """fit's three answers for this set-up (plan.verdict): the report's where it cannot start."""
        if self.report is not None:
            return self.report.judgement
        fits = self.cap.fits and (ctx is None or self.max_batch(ctx) >= 1)
        return judge(self.eng.name, self.stages, self.cap, fits,
                     ctx if ctx is not None and ctx <= self.cap.max_model_len else None,
                     self.opts.kv_cache_memory is not None)

    def pessimistic(self) -> "Setup":
        """This set-up with every estimated part of each GPU's budget at the far end of its error
        (the KV budget less the parts' uncertainties): what "at risk" is measured against."""
        if self.report is not None:
            return self

        def lower(w):
            unc = sum(p.uncertainty for p in w.budget)
            return Worker(w.spec, [replace(p, bytes=p.bytes - unc) if p.key == "kv_cache" else p
                                   for p in w.budget]) if unc else w

        workers = [lower(w) for w in self.workers]
        if all(a is b for a, b in zip(workers, self.workers)):
            return self
        cap = self.eng.capacity(workers, self.gpu, self.opts, self.kv_fmt, self.spec.dtype)
        return replace(self, workers=workers, cap=cap)

    def max_ctx(self, batch: int) -> int:
        """The longest context each of ``batch`` sequences can have, up to the max model length."""
        if self.report is not None:
            return 0
        return self.eng.max_ctx(self.workers, self.gpu, self.cap, self.opts, self.kv_fmt,
                                self.spec.dtype, batch, self.cap.max_model_len)


def _too_big(spec, gpu, tp, pp, eng, opts, kv_fmt, wfmt, text_only, worst) -> tuple[str, int | None]:
    """The "does not fit" message (weights as loaded, runtime, the engine's share) and the
    smallest --tp that fits: a KV budget that the engine starts with at these flags (its capacity at
    the max model length: a --tp that leaves too small a budget for one request is not offered, since
    fit --tp that says "does not fit")."""
    min_tp = None
    for t in _divisors_of_heads(spec):
        if t <= tp:
            continue
        try:
            s2, w2 = _workers(spec, gpu, t, pp, eng, opts, kv_fmt, wfmt, text_only)
            starts = min(s.kv_budget_bytes for s in s2) > 0 and eng.capacity(w2, gpu, opts, kv_fmt, spec.dtype).fits
        except KvplanError:
            continue
        if starts:
            min_tp = t
            break
    hint = f"; the smallest --tp that fits is {min_tp}" if min_tp else \
        "; no --tp up to 64 fits on this GPU type"
    loaded = worst.weights_as_loaded  # the checkpoint's bytes and what loading adds (MXFP4, rotary table)
    charged = sum(p.bytes for p in worst.budget if p.key not in ("kv_cache", "unused"))
    msg = (f"{spec.name} does not fit: each GPU needs {loaded:,} bytes of weights as loaded "
           f"plus {charged - loaded:,} of runtime, more than the "
           f"{gpu.usable_bytes - worst.part('unused'):,} bytes "
           f"{eng.name} may use of the {gpu.usable_bytes:,} on {gpu.name}{hint}")
    return msg, min_tp


def _unused_utilization(engine: str, util: float) -> str:
    """Why --gpu-memory-utilization is not in a plan whose cache --kv-cache-memory fixes."""
    if engine == "vllm":  # vLLM 0.33 v1/worker/gpu_worker.py determine_available_memory; v1/worker/utils.py
        return (f"--gpu-memory-utilization {util:g} does not size the cache: with --kv-cache-memory vLLM reserves "
                "those bytes and skips its memory profiling (\"This does not respect the gpu_memory_utilization "
                "config\"); it still refuses to start if free memory is below the utilization × total "
                "(request_memory)")
    return f"--gpu-memory-utilization {util:g} does not size the cache: --kv-cache-memory fixes it"


def setup(spec: ModelSpec, gpu, tp: int = 1, pp: int = 1, engine: str = "vllm",
          kv_dtype: str | None = None, weight_dtype: str | None = None, opts: ServeOptions | None = None,
          text_only: bool = False, check_memory: bool = True, ctx: int | None = None,
          batch: int | None = None) -> Setup:
    """Shard, stage, price the weights, make each GPU's budget and ask the engine for its
    capacity. ``check_memory=False`` plans the cache for ``--kv-cache-memory`` even where the
    card could not also hold the weights (what the engine's planner alone would say)."""
    opts = opts or ServeOptions()
    for name, v in (("tp", tp), ("pp", pp), ("ctx", 1 if ctx is None else ctx),
                    ("batch", 1 if batch is None else batch)):
        if not isinstance(v, int) or isinstance(v, bool) or v < 1:  # True is an int, not a count
            raise KvplanError(f"{opt(name)} must be a positive integer, got {v!r}")
    base = engines.get(engine)
    base.check(spec)
    lora_notes = tier_flags.lora_notes(base, opts)  # each engine's LoRA flags, or one clear error
    run = base.run_dtype(spec, gpu)
    base_dtype = spec.dtype
    notes = []
    if run != spec.dtype:
        notes.append(f"{base.name} keeps this {spec.dtype} model in {run} by default (cache and weights)")
        spec = spec.model_copy(update={"dtype": run})
    kv_fmt = dtypes.get(kv_dtype or spec.dtype)
    wfmt = dtypes.get(weight_dtype or spec.dtype) if weight_dtype or not spec.weight_quant else None
    wname = wfmt.name if wfmt is not None else spec.model_copy(update={"stored_weights": None}).weight_bytes()[1]
    eng = base.for_model(spec, gpu, opts, kv_fmt.name, spec.dtype, pp)
    st = spec.stored_weights if weight_dtype is None else None
    stored = None
    if st is not None:
        if not _holds_checkpoint(spec, eng, tp, pp, opts):
            notes.append(f"weights as stored ({st.bytes:,} bytes) are used on one GPU only; each GPU's "
                         f"share over tp {tp} × pp {pp}"
                         + (f" × {opts.data_parallel_size} DP ranks (the experts split)" if tp * pp == 1 else "")
                         + " is computed from the architecture")
        elif dtypes.get(run).bits != dtypes.get(base_dtype).bits:
            notes.append(f"weights as stored are {base_dtype}; {base.name} runs them in {run}, so they are "
                         "computed, not read")
        else:
            stored = st.bytes - (st.towers_bytes() if text_only else 0)
            wname = f"as stored ({st.describe_formats()})"
            notes.append(f"weights: {stored:,} bytes as stored, read from {st.source}")
    stages, workers = _workers(spec, gpu, tp, pp, eng, opts, kv_fmt, wfmt, text_only, stored)
    mem_src = gpu.memory_basis.source
    notes += eng.notes(spec)
    notes += lora_notes
    if opts.kv_cache_memory is not None and opts.gpu_memory_utilization is not None:
        notes.append(_unused_utilization(base.name, opts.gpu_memory_utilization))
    if spec.encoders and not text_only:
        notes.append(f"weights include {spec.encoder_params():,} parameters of encoder towers "
                     "(--text-only leaves them out, as an engine told to skip them does)")
    if getattr(gpu, "unified_memory", False):
        notes.append(f"{gpu.name}: unified memory, shared with the CPU and the OS; vLLM reads free memory from "
                     "the host there, so its non-torch share counts host allocations made during start-up, "
                     "which kvplan does not model (its budget may be smaller than this plan)")
    if gpu.memory_basis.estimated:
        notes.append(f"{gpu.name}: no CUDA total observed; its total is {mem_src.split('; ', 1)[1]}, "
                     "so the budget may be a little off either way (an estimated term)")
    from .parallel import layout_of

    lay = layout_of(eng.name, tp, opts, pp, notes)
    if opts.enable_expert_parallel:  # perf and simulate refuse it on a dense model: so does fit, one answer
        from .latency.moe import routed_experts

        routed_experts(spec)
    common = dict(world=lay.gpus * pp, model=spec.name, gpu=gpu.name, gpu_memory_bytes=gpu.usable_bytes,
                  gpu_memory_source=mem_src, engine=eng.name, tp=tp, pp=pp, kv_dtype=kv_format_name(*eng.kv_formats(kv_fmt.name)),
                  weight_dtype=wname, stages=stages, ctx=ctx, batch=batch, source=spec.source)
    worst = min(stages, key=lambda s: s.kv_budget_bytes)
    if worst.kv_budget_bytes <= 0 and check_memory:
        msg, min_tp = _too_big(spec, gpu, tp, pp, eng, opts, kv_fmt, wfmt, text_only, worst)
        cap = Capacity(False, opts.max_model_len or spec.max_context or 0, 0, 0.0, 0, msg)
        rep = FitReport(fits=False, capacity=cap, message=msg, min_tp=min_tp, notes=tuple(notes),
                        max_batch=0 if ctx else None, max_ctx=0 if batch else None,
                        judgement=judge(eng.name, stages, cap, False, ctx), **common)
        return Setup(spec, gpu, eng, opts, kv_fmt, workers, stages, notes, common, cap, rep)
    over = min(s.part("unused") for s in stages)
    if opts.kv_cache_memory is not None and over < 0 and check_memory:
        msg = (f"--kv-cache-memory {opts.kv_cache_memory:,} bytes plus {worst.weights_as_loaded:,} of "
               f"weights as loaded is {-over:,} bytes more than the {gpu.usable_bytes:,} on {gpu.name}")
        cap = Capacity(False, opts.max_model_len or spec.max_context or 0, 0, 0.0, 0, msg)
        rep = FitReport(fits=False, capacity=cap, message=msg, notes=tuple(notes),
                        max_batch=0 if ctx else None, max_ctx=0 if batch else None,
                        judgement=judge(eng.name, stages, cap, False, ctx, True), **common)
        return Setup(spec, gpu, eng, opts, kv_fmt, workers, stages, notes, common, cap, rep)
    cap = eng.capacity(workers, gpu, opts, kv_fmt, spec.dtype)
    return Setup(spec, gpu, eng, opts, kv_fmt, workers, stages, notes, common, cap)


def fit(spec: ModelSpec, gpu, tp: int = 1, pp: int = 1, engine: str = "vllm",
        kv_dtype: str | None = None, weight_dtype: str | None = None, ctx: int | None = None,
        batch: int | None = None, opts: ServeOptions | None = None, text_only: bool = False,
        check_memory: bool = True, traffic: Traffic | None = None) -> FitReport:
    """What fits: the largest batch at ``ctx``, the longest context for ``batch``, the capacity
    (see ``setup`` for ``check_memory``)."""
    su = setup(spec, gpu, tp, pp, engine, kv_dtype, weight_dtype, opts, text_only, check_memory, ctx, batch)
    if su.report is not None:
        return su.report
    spec, eng, cap, notes, common = su.spec, su.eng, su.cap, su.notes, su.common
    kv_fmt, workers, opts = su.kv_fmt, su.workers, su.opts
    max_batch = max_ctx = None
    limit = eng.context_limit(spec)  # vLLM and SGLang refused a longer one in setup; llama.cpp caps it
    longest = max(cap.max_model_len, ctx or 0)
    if limit is not None and longest > limit[0]:
        notes.append(f"{longest:,} tokens are beyond {spec.name}'s training context ({limit[0]:,}); {limit[1]}"
                     + (" (taken as set here)" if opts.long_context_allowed else ""))
    if ctx is not None:
        if ctx > cap.max_model_len and eng.rejects_beyond_max_model_len:
            why = eng.served_len(spec, opts.max_model_len)[1]  # a default shorter than the limit: why
            notes.append(f"--ctx {ctx:,} is beyond max_model_len {cap.max_model_len:,} ({why}): {eng.display} "
                         "rejects such requests" if why else
                         f"--ctx {ctx:,} is beyond --max-model-len {cap.max_model_len:,}: {eng.display} "
                         "rejects such requests")
        max_batch = su.max_batch(ctx)
    if batch is not None:
        max_ctx = su.max_ctx(batch)
    fits = cap.fits and (max_batch is None or max_batch >= 1) and (max_ctx is None or max_ctx >= 1)
    strategies, tnote = (), ""
    if traffic is not None:
        strategies, tnote = _traffic(traffic, workers, cap, kv_fmt, spec.dtype, opts)
    dup = copies(spec, spec.shard(tp), tp, su.stages, weight_dtype, text_only) if tp * pp > 1 else None
    v = judge(eng.name, su.stages, cap, fits, ctx if ctx is not None and ctx <= cap.max_model_len else None,
              opts.kv_cache_memory is not None)
    low = low_ctx = None
    if ctx is not None and max_batch and v.uncertainty_bytes:
        low = su.pessimistic().max_batch(ctx)
    if batch is not None and ctx is None and max_ctx and v.uncertainty_bytes:  # --batch's answer, banded the same way
        low_ctx = su.pessimistic().max_ctx(batch)
    if ctx is not None and batch is not None and max_batch:  # the question asked: batch × ctx, as sweep answers it
        from .verdict import for_batch

        v = for_batch(v, su.stages, batch, ctx, max_batch, low)
        fits = fits and batch <= max_batch

    return FitReport(fits=fits, capacity=cap, message=cap.message, max_batch=max_batch,
                     max_ctx=max_ctx, notes=tuple(notes), traffic=strategies, traffic_note=tnote,
                     judgement=v, max_batch_low=low, max_ctx_low=low_ctx, copies=dup, **common)


def _traffic(t: Traffic, workers, cap: Capacity, kv_fmt, model_dtype: str, opts: ServeOptions):
    from . import traffic as tr
    from ..engines.base import cache_bytes

    if t.shared_prefix < 0:
        raise KvplanError("--shared-prefix must not be negative")
    if t.requests is not None:
        tr.check_requests(t.requests)
    mml = cap.max_model_len
    lengths, note = tr.parse_lengths(t.spec, mml, t.requests, t.seed)
    if t.shared_prefix and t.shared_prefix >= min(lengths):
        raise KvplanError(f"--shared-prefix {t.shared_prefix:,} is not shorter than the shortest "
                          f"request ({min(lengths):,} tokens)")
    tight = engines.get("ideal")

    def cost(n: int) -> int:
        return max(cache_bytes(w.spec, n, 1, kv_fmt, tight, model_dtype) for w in workers)

    # this engine's block, and every paged engine's default (each engine says its own)
    blocks = [cap.detail.get("block_size") or opts.block_size or 16, *engines.default_block_sizes()]
    if opts.block_size and opts.block_size not in blocks:
        blocks.append(opts.block_size)
    budget = min(w.kv_budget_bytes for w in workers)
    return tuple(tr.strategies(lengths, cost, budget, mml, list(dict.fromkeys(blocks)),
                               t.shared_prefix)), note

