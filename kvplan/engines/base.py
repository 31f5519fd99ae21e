"""What every engine shares: the engine protocol (``Engine``, its tight engine-neutral default),
what one layer holds (``Holding``), the serving options by vLLM's names, a GPU's share
(``Worker``), a budget's parts and the capacity figures, and the arithmetic of what a holding
costs in bytes (``per_token_bytes``, ``side_bytes``, ``state_bytes``, ``cache_bytes``): the one
home of bytes per token, which ``plan.size``, ``fit`` and every engine ask.
"""
from __future__ import annotations

from ..errors import KvplanError, opt
from ..model.frozen import field, record
from ..model import dtypes as _dtypes
from ..model.kinds import StateTensor



@record
class Side:
    """A cache one layer holds beside its main K/V (an indexer's keys, a compressed series):
    ``entries`` × ``rows`` rows of ``values`` each, in ``format`` (None: the KV dtype).
    ``stride`` is the tokens one entry stands for (1, or a compression ratio)."""

    name: str
    rows: int
    values: int
    entries: int
    format: str | None = None
    stride: int = 1


@record
class Holding:
    """What one layer holds for one sequence: ``tokens`` × the per-token ``rows``, plus state,
    plus side caches with their own entry counts and formats."""

    rows: list[tuple[int, int]]  # (rows per token, values per row), one pair per tensor
    tokens: int
    state: list[StateTensor] = field(default_factory=list)
    formats: tuple[str, ...] | None = None  # one element format per tensor (K, V) where they differ
    sides: tuple[Side, ...] = ()


def side_holdings(mixer, ctx: int) -> tuple[Side, ...]:
    """The kind's side caches after ``ctx`` tokens, at their tight count (one entry per
    complete stride of tokens)."""
    return tuple(Side(sc.name, sc.rows, sc.values, sc.entries(ctx), sc.format, sc.stride)
                 for sc in getattr(mixer, "side_caches", lambda: [])())


# The kinds added for the 2026 frontier models (issue 13). An engine lists the ones its rules
# model in ``Engine.frontier``; ``check`` refuses a spec with any other, naming engine and kind,
# because these kinds subclass older ones (MLA, full, GDN) and an engine's rule for the parent
# would otherwise be applied to them silently.
FRONTIER_KINDS = frozenset({"mla_indexed", "compressed", "full_indexed", "kda"})
# Families built from older kinds whose engine layouts differ in ways not checked everywhere
# (MiMo-V2-Flash: sliding layers with their own head counts; SGLang and llama.cpp run them in
# their own hybrid SWA pools): an engine lists the ones it has been checked on in ``frontier``.
FRONTIER_FAMILIES = frozenset({"mimo_v2_flash"})


def refuse(engine: str, mixer) -> None:
    """One clear refusal for a kind an engine's rules do not model (never a silent number)."""
    raise KvplanError(f"the {engine} layout does not model '{mixer.kind}' layers ({mixer.label()}); "
                      f"use {opt('engine', 'ideal')}")


@record
class ServeOptions:
    """Serving flags, named as vLLM names them. None means "the engine's default"; an engine
    reads the ones it models and says which it ignored."""

    max_model_len: int | None = None
    gpu_memory_utilization: float | None = None
    kv_cache_memory: int | None = None  # bytes per GPU; skips the memory estimate
    block_size: int | None = None
    max_num_batched_tokens: int | None = None
    max_num_seqs: int | None = None
    enforce_eager: bool = False
    activation_bytes: int | None = None  # override of the estimated profiling peak
    cuda_graph_bytes: int | None = None  # override of the CUDA-graph reservation
    non_torch_bytes: int | None = None  # override of the non-torch runtime reservation
    # llama.cpp (llama-server's names): K/V cache types, micro-batch, full-size SWA cache, FA
    cache_type_k: str | None = None
    cache_type_v: str | None = None
    ubatch_size: int | None = None
    swa_full: bool = False
    flash_attn: bool = True
    parallel: int | None = None  # llama-server --parallel (slots); None: one per sequence
    kv_unified: bool = False  # llama-server --kv-unified: the slots share one cache stream
    # vLLM beyond the GPU pool (issue 23): engines/vllm/offload.py, speculative.py, lora.py
    kv_offloading_size: int | None = None  # bytes over all ranks (vLLM's flag is in GiB)
    kv_offloading_backend: str = "native"
    kv_connector_extra_config: dict | None = None  # block grouping: block_size or blocks_per_chunk
    speculative_config: object | None = None  # engines/vllm/speculative.py SpecConfig
    lora: tuple[int, int, int | None] | None = None  # (max_loras, max_lora_rank, max_cpu_loras)
    # SGLang's --enable-lora (server_args Lora, 0.5.23): (max_loras_per_batch, max_lora_rank or None:
    # inferred from the adapters, max_loaded_loras); its LoRA memory pool is not priced (plan notes)
    sglang_lora: tuple[int, int | None, int | None] | None = None
    kv_connector: str | None = None  # --kv-transfer-config's kv_connector (LMCacheConnectorV1)
    lmcache: object | None = None  # engines/vllm/lmcache.py LMCacheConfig (LMCache's own settings)
    hicache: object | None = None  # engines/sglang_hicache.py HiCacheConfig (--enable-hierarchical-cache)
    n_gpu_layers: int | None = None  # llama.cpp -ngl (engines/llamacpp_offload.py); None: all
    no_kv_offload: bool = False  # llama.cpp -nkvo: the KV cache in host memory
    host_memory: int | None = None  # bytes of host memory for a host-resident cache (kvplan's own flag)
    # expert and data parallelism (issue 20): plan/parallel.py
    data_parallel_size: int = 1  # vLLM --data-parallel-size; SGLang --dp-size
    enable_expert_parallel: bool = False  # vLLM: experts over tp × dp ranks
    ep_size: int | None = None  # SGLang --ep-size
    dp_attention: bool = False  # SGLang --enable-dp-attention
    all2all_backend: str | None = None  # vLLM --all2all-backend (engines/vllm/ep_buffers.py); None: default
    # the vLLM release planned for (its profile run's model runner: engines/vllm/startup.py model_runner);
    # None: kvplan's vLLM version
    vllm_version: str | None = None
    # the TensorRT-LLM release planned for (engines/trtllm.py pool_from_max_tokens: before 1.1.0 the
    # final pool is sized from the estimate's token count); None: kvplan's read commit
    trtllm_version: str | None = None
    # whether vLLM's V1 sampler runs FlashInfer's top-k/top-p (a log's "Using FlashInfer for top-p & top-k
    # sampling."; False: "FlashInfer is not available" or disabled); None: not known (engines/vllm/startup.py
    # v1_sampler_peak: the release's default, or the cautious path where it depends on the install)
    flashinfer_sampler: bool | None = None
    # vLLM's torch.compile cache at start-up (engines/vllm/startup.py torch_compile_part): "warm" (the
    # model's compiled graphs are in the cache, compilation/backends.py "Directly load the compiled
    # graph(s) ... from the cache"), "cold" ("Compiling a graph for ...", or VLLM_DISABLE_COMPILE_CACHE=1);
    # None: not known, as "cold"
    compile_cache: str | None = None
    # the engine's own override of its context limit is set (VLLM_ALLOW_LONG_MAX_MODEL_LEN=1,
    # SGLANG_ALLOW_OVERWRITE_LONGER_CONTEXT_LEN=1): a max_model_len past the model's is taken. A start-up
    # log read by check-log shows an engine that started, so its length was allowed.
    long_context_allowed: bool = False


@record
class BudgetPart:
    """One labelled slice of a GPU's memory, in bytes, with where its rule comes from."""

    key: str
    label: str
    bytes: int
    source: str = ""
    uncertainty: int = 0  # bytes either way, where the part is estimated rather than computed
    unmodelled: bool = False  # kvplan cannot size it at all: the verdict is never "fits" (plan/verdict.py)


@record
class Worker:
    """What one GPU (one pipeline stage's tensor-parallel rank) holds and may spend on cache."""

    spec: object  # the rank's ModelSpec: sharded by TP, sliced to its stage's layers
    budget: list[BudgetPart]

    @property
    def kv_budget_bytes(self) -> int:
        return next(p.bytes for p in self.budget if p.key == "kv_cache")


@record
class Capacity:
    """What the cache holds, as the engine would report it."""

    fits: bool  # can one request of max_model_len be served
    max_model_len: int
    kv_cache_tokens: int  # per replica, as the engine counts tokens
    max_concurrency: float  # requests of max_model_len the cache holds (as the engine logs it)
    kv_bytes_per_request: int  # the cache one request of max_model_len takes, per GPU (largest stage)
    message: str | None = None  # the engine's refusal, when it refuses
    log_lines: tuple[str, ...] = ()  # the lines the engine itself would print
    detail: dict = field(default_factory=dict)  # engine-specific figures (blocks, page sizes)
    explain: tuple[str, ...] = ()  # the arithmetic, for --explain


class Engine:
    """The engine-neutral accounting: a tight cache in the layout of ``rule``.

    Budget: the memory the driver reports × ``gpu_memory_utilization`` (default 1.0: no
    engine's reservation), less the weights; nothing else is charged. Capacity: every byte of
    the budget holds cache, one token at a time (no blocks)."""

    name = "ideal"
    display = "the ideal layout"  # the engine as a sentence names it
    summary = "what a tight cache must hold to decode the next token"
    rejects_beyond_max_model_len = False  # a request longer than --max-model-len is refused
    default_block_tokens: int | None = None  # tokens per KV block when the user sets none (paged engines)
    version = ""
    state_in_kv_dtype = False  # recurrent state in the KV dtype (hf) or the model's own (ideal)
    default_utilization = 1.0
    budget_caveat = ""  # what the budget leaves out, said under every fit (one line)
    frontier: frozenset = frozenset()  # the FRONTIER_KINDS this engine's rules model

    def check_max_model_len(self, spec, max_model_len: int | None) -> None:
        """Refuse a --max-model-len this engine itself refuses for ``spec`` (past the model's
        positions: vLLM and SGLang refuse it unless an environment variable is set); other
        engines take any length."""

    def context_limit(self, spec) -> tuple[int, str] | None:
        """The longest --max-model-len this engine takes for ``spec`` without its override and what
        it says past it, or None where it takes any length."""
        return None

    def default_len(self, spec) -> tuple[int, str] | None:
        """The max_model_len this engine serves ``spec`` at when none is given and where it comes
        from (vLLM: not always ``context_limit``: a LongRoPE model gets its original length), or
        None where kvplan has no rule for it (the model's max_context is then taken)."""
        return None

    def served_len(self, spec, max_model_len: int | None) -> tuple[int | None, str]:
        """The max_model_len this engine serves ``spec`` at (the one given, else ``default_len``,
        else the model's max_context; None where none is known) and, where that default is shorter
        than the longest the engine takes (``context_limit``: vLLM's LongRoPE default) or the model
        states no max_context (SGLang's 2048), why, for the length checks' messages; "" otherwise."""
        if max_model_len or spec is None:
            return max_model_len or None, ""
        own, top = self.default_len(spec), self.context_limit(spec)
        if own is None:
            return spec.max_context, ""
        shorter = top is not None and own[0] < top[0]
        return own[0], (own[1] if shorter or not spec.max_context else "")  # no max_context: the engine's guess

    def check(self, spec) -> None:
        """Refuse a spec holding a frontier kind (or family) this engine does not model."""
        for lt in spec.counts():
            mixer = spec.layer_types[lt].mixer
            if mixer.kind in FRONTIER_KINDS and mixer.kind not in self.frontier:
                refuse(self.name, mixer)
        if spec.family in FRONTIER_FAMILIES and spec.family not in self.frontier:
            raise KvplanError(f"the {self.name} layout is not checked for {spec.family} models "
                              f"({spec.name}); use {opt('engine')} ideal, hf or vllm")

    @staticmethod
    def rule(mixer, ctx: int, run_dtype: str) -> Holding:
        raise NotImplementedError

    def hold(self, mixer, ctx: int, model_dtype: str, kv_dtype: str) -> Holding:
        return self.rule(mixer, ctx, kv_dtype if self.state_in_kv_dtype else model_dtype)

    def hold_batch(self, mixer, ctx: int, batch: int, model_dtype: str, kv_dtype: str) -> tuple[Holding, int]:
        """What ``batch`` sequences of ``ctx`` tokens hold in one layer, as (one copy, copies):
        each sequence its own copy here. An engine whose sequences share one pool (llama.cpp's
        ``--kv-unified``) answers with the pool and 1."""
        return self.hold(mixer, ctx, model_dtype, kv_dtype), batch

    # --- the second half: a GPU's memory turned into a cache ----------------------------
    def stages(self, num_layers: int, pp: int) -> list[int]:
        """Layers per pipeline stage: as even as possible, the remainder to the first stages."""
        base, extra = divmod(num_layers, pp)
        return [base + (1 if i < extra else 0) for i in range(pp)]

    def budget(self, gpu, weights_bytes: int, spec, opts: ServeOptions, tp: int, pp: int,
               kv_fmt) -> list[BudgetPart]:
        total = gpu.usable_bytes
        util = opts.gpu_memory_utilization if opts.gpu_memory_utilization is not None \
            else self.default_utilization
        parts = [BudgetPart("weights", "weights", weights_bytes)]
        return finish_budget(total, util, parts, opts.kv_cache_memory)

    def run_dtype(self, spec, gpu) -> str:
        """The dtype the engine runs the model in (and, by default, caches K/V in)."""
        return spec.dtype

    def kv_formats(self, kv_fmt: str) -> tuple[str, str]:
        """The element formats this layout keeps K and V in: both ``kv_fmt`` unless the engine
        stores them apart (llama.cpp's --cache-type-k / --cache-type-v)."""
        return kv_fmt, kv_fmt

    def offload_split(self, spec, ctx: int, batch: int, kv_fmt, model_dtype: str,
                      weights_bytes: int | None) -> dict | None:
        """Where a partly offloaded model's layers, cache and weights are (llama.cpp's -ngl /
        -nkvo); None for an engine that keeps them all on the GPU."""
        return None

    def notes(self, spec) -> list[str]:
        """What a user should know about this model in this engine (e.g. a conversion that
        drops a key the config.json has)."""
        return []

    def for_model(self, spec, gpu, opts: ServeOptions, kv_fmt: str, model_dtype: str,
                  pp: int = 1) -> "Engine":
        """This engine with its settings resolved for one model; tight engines have none."""
        return self

    def capacity(self, workers: list[Worker], gpu, opts: ServeOptions, kv_fmt,
                 model_dtype: str) -> Capacity:
        mml = opts.max_model_len or workers[0].spec.max_context or 0
        if not mml:
            raise KvplanError(f"the model states no max context; give {opt('max_model_len')} or {opt('ctx')}")

        def per_request(n: int) -> int:
            return max(cache_bytes(w.spec, n, 1, kv_fmt, self, model_dtype) for w in workers)

        budget = min(w.kv_budget_bytes for w in workers)
        need = per_request(mml)
        conc = budget / need if need else float("inf")
        fits = budget >= need
        tokens = int(conc * mml) if need else 0
        msg = None if fits else (f"one request of {mml:,} tokens needs {need:,} bytes of cache "
                                 f"per GPU; the budget is {budget:,}")
        return Capacity(fits, mml, tokens, conc, need, msg, detail={},
                        explain=(f"concurrency = KV budget / one request's cache = {budget:,} / "
                                 f"{need:,} = {conc:.2f}",))

    def max_batch(self, workers: list[Worker], gpu, cap: Capacity, opts: ServeOptions, kv_fmt,
                  model_dtype: str, ctx: int) -> int:
        need = max(cache_bytes(w.spec, ctx, 1, kv_fmt, self, model_dtype) for w in workers)
        budget = min(w.kv_budget_bytes for w in workers)
        return budget // need if need else 0

    def max_ctx(self, workers: list[Worker], gpu, cap: Capacity, opts: ServeOptions, kv_fmt,
                model_dtype: str, batch: int, limit: int) -> int:
        """The longest context each of ``batch`` sequences can have, up to ``limit``."""
        return largest(lambda n: self.max_batch(workers, gpu, cap, opts, kv_fmt, model_dtype, n)
                       >= batch, limit)


def largest(ok, limit: int) -> int:
    """The largest n in [1, limit] with ok(n) (ok is monotone: true then false); 0 if none."""
    if limit < 1 or not ok(1):
        return 0
    lo, hi = 1, limit
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if ok(mid):
            lo = mid
        else:
            hi = mid - 1
    return lo


def finish_budget(total: int, util: float, parts: list[BudgetPart],
                  kv_cache_memory: int | None, util_source: str = "") -> list[BudgetPart]:
    """Close a budget so that it sums to ``total``: the engine's share (total × util), the
    parts charged inside it, what is left for the cache, and the share left outside.

    With ``kv_cache_memory`` the cache gets exactly that and the share left outside is
    whatever remains (negative means the card is over-committed, and ``fit`` says so)."""
    if not 0 < util <= 1:
        raise KvplanError(f"{opt('gpu_memory_utilization')} must be in (0, 1], got {util}")
    charged = sum(p.bytes for p in parts)
    if kv_cache_memory is not None:
        kv = kv_cache_memory
        kv_src = "--kv-cache-memory (vLLM's --kv-cache-memory-bytes): fixed, no estimate"
    else:
        kv = int(total * util) - charged
        kv_src = f"total × {util:g} − the parts above"
    rest = total - charged - kv
    return [*parts, BudgetPart("kv_cache", "KV cache", kv, kv_src),
            BudgetPart("unused", "not given to the engine" if kv_cache_memory is None
                       else "left on the card", rest, util_source)]


def total_parts(gpu) -> list[BudgetPart]:
    """The GPU's total as a term of the budget where it is estimated (no CUDA total observed,
    model/hardware.py GpuSpec.memory_basis): no bytes of its own, but its uncertainty, so the
    verdict can say "at risk" naming it (plan/verdict.py). None where CUDA's total is known."""
    basis = gpu.memory_basis
    if not basis.estimated:
        return []
    return [BudgetPart("gpu_total", "GPU total (estimated)", 0, basis.source, basis.uncertainty)]


def kv_format_name(k: str, v: str) -> str:
    """One name for what a cache is sized in: ``q8_0``, or ``q8_0/fp16`` (K/V) where they differ."""
    return k if k == v else f"{k}/{v}"


def per_token_bytes(held: Holding, fmt) -> int:
    """One token of one layer: each tensor's rows in its own format where the engine says so."""
    fmts = [_dtypes.get(f) for f in held.formats] if held.formats else [fmt] * len(held.rows)
    return sum(rows * f.row_bytes(n) for (rows, n), f in zip(held.rows, fmts))


def side_bytes(held: Holding, fmt) -> tuple[int, int]:
    """Side caches of one layer: (bytes held, bytes per token averaged over each side's stride,
    rounded down where an entry does not divide evenly by its stride)."""
    held_bytes = per_token = 0
    for sd in held.sides:
        entry = sd.rows * (_dtypes.get(sd.format) if sd.format else fmt).row_bytes(sd.values)
        held_bytes += sd.entries * entry
        per_token += entry // sd.stride
    return held_bytes, per_token

def state_bytes(held: Holding) -> int:
    """One layer's fixed per-sequence state (recurrent/SSM tensors), each in its own dtype."""
    return sum(_dtypes.get(st.dtype).row_bytes(st.elements) for st in held.state)


def cache_bytes(spec, ctx: int, batch: int, fmt, eng: "Engine", model_dtype: str) -> int:
    """Cache plus state bytes of ``batch`` sequences of ``ctx`` tokens in ``eng``'s layout: the
    same arithmetic as ``plan.size.kv_size``, without the report (fit calls it many times)."""
    total = 0
    for lt_name, count in spec.counts().items():
        if spec.layer_types[lt_name].kv_shared:
            continue
        held, copies = eng.hold_batch(spec.layer_types[lt_name].mixer, ctx, batch, model_dtype, fmt.name)
        per_token = per_token_bytes(held, fmt)
        state = state_bytes(held)
        total += count * copies * (held.tokens * per_token + side_bytes(held, fmt)[0] + state)
    return total
