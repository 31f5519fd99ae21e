"""vllm: vLLM 0.33.0 (the V1 engine), its paged KV cache and the capacity line it logs.

Both halves of vLLM's accounting, each rule next to the vLLM file and function it follows
(paths are inside the vllm package, release 0.33.0):

* per layer kind, a *spec* with a page size (one block of ``block_size`` tokens, one layer)
  and the most blocks one request of ``max_model_len`` can need:
  ``v1/kv_cache_interface.py`` (FullAttentionSpec, SlidingWindowSpec,
  ChunkedLocalAttentionSpec, MLAAttentionSpec, MambaSpec: ``page_size_bytes`` and
  ``max_memory_usage_bytes``);
* the planner: layers grouped into KV-cache groups, page sizes unified, blocks counted and the
  start-up check, ``v1/core/kv_cache_planning.py`` (get_kv_cache_groups,
  unify_kv_cache_spec_page_size, _get_kv_cache_groups_uniform_page_size,
  _get_kv_cache_bytes_per_block, get_kv_cache_configs, _check_enough_kv_cache_memory,
  _estimate_max_model_len_from_groups) and ``v1/core/kv_cache_utils.py``
  (get_max_concurrency_for_kv_cache_config, get_kv_cache_capacity, update_kv_cache_capacity:
  the "GPU KV cache size: N tokens, Maximum concurrency for M tokens per request: C x" line);
* block sizes: ``config/cache.py`` (CacheConfig.DEFAULT_BLOCK_SIZE = 16), the attention
  backend's ``get_supported_kernel_block_sizes`` as chosen by ``platforms/cuda.py``
  (_get_backend_priorities) and ``platforms/interface.py``
  (update_block_size_for_backend, _align_hybrid_block_size: Mamba hybrids);
* the memory budget: ``v1/worker/gpu_worker.py`` (determine_available_memory) and
  ``utils/mem_utils.py`` (memory_profiling); scheduler defaults from ``engine/arg_utils.py``
  (EngineArgs.get_batch_defaults, the ``vllm serve`` column).

The 2026 frontier kinds (issue 13) follow ``models/deepseek_v32`` and ``model_executor/models/
deepseek_v2.py`` (DeepseekV32IndexerCache), ``models/deepseek_v4`` (attention.py, compressor.py:
window, compressed, indexer and compressor-state specs) with ``v1/core/kv_cache_planning.py``
(_get_packed_kv_cache_groups), ``models/minimax_m3/common/indexer.py`` (MiniMaxM3IndexerCache) and
``model_executor/layers/mamba/mamba_utils.py`` (kda_state_shape, kda_state_dtype); each was
checked against vLLM's planner run on the CPU (tests/golden/vllm_0.33_frontier.json).

Facts copied, not code: every function below is kvplan's own.
"""
from __future__ import annotations

from ...model import dtypes
from ...errors import KvplanError, opt
from ...model.frozen import replace
from ...model.kinds import MLA, CompressedAttention, IndexedAttention, IndexedMLA
from ..base import BudgetPart, Capacity, Engine, Holding, ServeOptions, Side, Worker, finish_budget, largest
from .pages import Config, Page, dsa_latent_format, page
from .planner import Plan, plan
from .settings import KV_CACHE_DTYPES  # noqa: F401  (vLLM's --kv-cache-dtype names, read by the CLI and logs)
from .settings import (GiB, KV_DTYPE_IGNORED, SSM_DEFAULT, VERSION, align_hybrid,
                       attention_block_size, batch_defaults, capability)


# rope types whose factor vLLM does not apply to the derived length (config/model.py
# _get_and_verify_max_len: "YaRN variants leave max_position_embeddings already scaled"; llama3
# and longrope state the extended length too); "su" is read as longrope (sources/hfconfig)
_UNSCALED_ROPE = frozenset({"su", "longrope", "llama3", "yarn", "deepseek_yarn", "deepseek_llama_scaling"})


def max_len_limit(spec) -> tuple[int, str] | None:
    """The longest --max-model-len vLLM 0.33 takes for ``spec`` without
    VLLM_ALLOW_LONG_MAX_MODEL_LEN, and how it is derived, or None where the config states no
    length (vLLM then assumes 2048 but takes any length given).

    transformers_utils/model_arch_config_convertor.py derive_max_model_len_and_key: the smallest
    of the length keys the config states, except that model_max_length, where stated, wins;
    config/model.py _get_and_verify_max_len: times the rope factor unless the rope type is one
    of ``_UNSCALED_ROPE`` or the model type is a Gemma 3 ("already scaled by RoPE scaling"); a
    longer max_model_len is refused unless it is at most model_max_length."""
    if spec is None:
        return None
    keys = dict(spec.context_keys)
    if spec.max_context:
        keys.setdefault("max_position_embeddings", spec.max_context)
    if not keys:
        return None
    key = "model_max_length" if "model_max_length" in keys else min(keys, key=lambda k: keys[k])
    return _rope_scaled(spec, keys[key], key)


def _rope_scaled(spec, n: int, key: str) -> tuple[int, str]:
    """``n`` (read from ``key``) times the rope factor where vLLM 0.33 applies it
    (_get_and_verify_max_len: not for ``_UNSCALED_ROPE`` types nor Gemma 3)."""
    rope = spec.rope
    if rope is not None and rope.factor is not None and rope.type not in _UNSCALED_ROPE \
            and "gemma3" not in spec.family:
        return int(n * rope.factor), f"{key} {n} × {rope.type} rope factor {rope.factor:g}"
    return n, key


# vLLM 0.33 config/model.py _get_and_verify_max_len: "If none of the keys were found in the config,
# use a default and log a warning" (default_max_len = 2048; read in the 0.33.0 wheel), then scaled as a
# stated length is
NO_LENGTH_DEFAULT = 2048


def default_len(spec) -> tuple[int, str] | None:
    """The max_model_len vLLM 0.33 serves ``spec`` at when none is given, and why (config/model.py
    _get_and_verify_max_len, ``max_model_len is None or max_model_len == -1``): the derived length
    (max_len_limit), except that a model with a rope of type longrope ("su" read as longrope)
    gets original_max_position_embeddings ("For LongRoPE, default to
    original_max_position_embeddings to avoid performance degradation for shorter sequences"),
    whatever any environment variable says; a longer --max-model-len, up to the derived length,
    is taken. A config stating no length gets ``NO_LENGTH_DEFAULT`` (2048), rope-scaled as a stated
    one (a LongRoPE model: its original_max_position_embeddings where stated); any length given is
    then taken."""
    got = max_len_limit(spec)
    if got and spec.rope is not None and spec.rope.type == "longrope" and spec.rope.original_max_position:
        n = spec.rope.original_max_position
        return n, (f"vLLM's default for a LongRoPE model, original_max_position_embeddings, not the {got[0]:,} "
                   f"it takes at most; --max-model-len up to {got[0]:,} sets it")
    if got:
        return got[0], f"the length vLLM derives ({got[1]})"
    if spec is None:
        return None
    if spec.rope is not None and spec.rope.type == "longrope":  # hf_config's attribute, else the 2048
        n = spec.rope.original_max_position or NO_LENGTH_DEFAULT
        return n, "vLLM's default for a LongRoPE model whose config states no length"
    n, how = _rope_scaled(spec, NO_LENGTH_DEFAULT, "default")
    scaled = f" ({how})" if n != NO_LENGTH_DEFAULT else ""
    return n, (f"vLLM's default where the config states no length: it assumes {NO_LENGTH_DEFAULT}{scaled}; "
               f"{opt('max_model_len')} sets any other")


def default_max_model_len(spec) -> int | None:
    """The max_model_len vLLM 0.33 serves ``spec`` at when none is given (``default_len``)."""
    got = default_len(spec)
    return got[0] if got else None


def check_max_model_len(spec, max_model_len: int | None) -> None:
    """vLLM refuses a --max-model-len past the length it derives from the config (max_len_limit)
    unless VLLM_ALLOW_LONG_MAX_MODEL_LEN=1."""
    got = max_len_limit(spec)
    if got and max_model_len and max_model_len > got[0]:
        limit, how = got
        raise KvplanError(f"{opt('max_model_len', max_model_len)} is greater than {spec.name}'s "
                          f"length as vLLM derives it ({limit}: {how}); vLLM refuses it unless "
                          "VLLM_ALLOW_LONG_MAX_MODEL_LEN=1")


class VLLM(Engine):
    name = "vllm"
    display = "vLLM"
    default_block_tokens = 16  # config/cache.py CacheConfig.DEFAULT_BLOCK_SIZE (attention backends may pick more)
    rejects_beyond_max_model_len = True  # a prompt longer than max_model_len is refused, not truncated
    summary = f"vLLM {VERSION} paged KV cache (V1 engine)"
    version = VERSION
    default_utilization = 0.9  # CacheConfig.gpu_memory_utilization
    # measured (tests/golden/vllm_0.33_frontier.json); the other frontier kinds: no rule yet, refused
    frontier = frozenset({"mla_indexed", "kda", "compressed", "full_indexed", "mimo_v2_flash"})

    def __init__(self, cfg: Config | None = None):
        self.cfg = cfg

    def run_dtype(self, spec, gpu) -> str:
        """config/model.py _resolve_auto_dtype (--dtype auto): a float32 checkpoint runs in the
        platform's first supported dtype: bfloat16 from sm80 on, float16 before."""
        if spec.dtype != "fp32":
            return spec.dtype
        cap = capability(gpu) if gpu is not None else None
        return "fp16" if cap is not None and cap < 80 else "bf16"

    def stages(self, num_layers: int, pp: int) -> list[int]:
        """distributed/utils.py get_pp_indices: num_layers // pp each; the remainder goes one
        layer each to the stages just before the last (the last holds the final norm and head)."""
        parts = [num_layers // pp] * pp
        for i in range(2, num_layers % pp + 2):
            parts[-i] += 1
        return parts

    def for_model(self, spec, gpu, opts: ServeOptions, kv_fmt: str, model_dtype: str,
                  pp: int = 1) -> "VLLM":
        """This engine with vLLM's settings resolved for one model (and GPU, if known)."""
        eng = VLLM(self.configure(spec, gpu, opts, kv_fmt, model_dtype, pp))
        eng.model = spec  # the whole model, for what the drafter and LoRA add (extras.py)
        return eng

    def hold(self, mixer, ctx: int, model_dtype: str, kv_dtype: str) -> Holding:
        """What vLLM reserves for one request of ctx tokens (``size --engine vllm``): whole
        blocks, and for sliding and chunked layers the admission cap (window − 1, or the chunk,
        plus the tokens in flight: max_admission_blocks_per_request), the most such a request
        holds, during chunked prefill; while it decodes it holds fewer."""
        cfg = self.cfg or Config(16, ctx, 2048, 256, 2 * 2048, "align", kv_dtype, "default")
        cfg = replace(cfg, max_model_len=max(cfg.max_model_len, ctx))
        asked, kv_dtype = kv_dtype, cfg.kv_format  # configured: the format vLLM keeps (Falcon: the model's)
        p = page(mixer, dtypes.get(kv_dtype), model_dtype, cfg)
        if p is None:
            return Holding([], 0)
        if isinstance(p, tuple) and p[0].packed:  # DeepSeek-V4: every page the request holds
            from ...model.kinds import StateTensor

            held = sum(q.bytes * q.blocks(ctx, cfg) for q in p)
            return Holding([], 0, [StateTensor(name="pages", elements=held, dtype="int8")])
        if isinstance(p, tuple) and isinstance(mixer, IndexedAttention):  # K/V + bf16 index keys
            tokens = p[0].blocks(ctx, cfg) * cfg.block_size
            return Holding(mixer.kv_rows(), tokens,
                           sides=(Side("index keys", 1, mixer.index_head_dim, tokens, mixer.index_format or "bf16"),))
        if isinstance(p, tuple):  # DSA: the latent and the indexer keys, in the same blocks
            tokens = p[0].blocks(ctx, cfg) * cfg.block_size
            fmt = dsa_latent_format(dtypes.get(kv_dtype))
            return Holding(mixer.kv_rows(), tokens, formats=(fmt,),
                           sides=(Side("indexer keys", 1, mixer.index_head_dim, tokens, "fp8_ds_index"),))
        if p.kind == "mamba":
            from ...model.kinds import StateTensor

            per_block = cfg.mamba_page_bytes or p.state_bytes
            return Holding([], 0, [StateTensor(name="state blocks", elements=per_block * p.blocks(ctx, cfg),
                                               dtype="int8")])
        rows = mixer.kv_rows()
        if isinstance(mixer, MLA) and cfg.sparse_mla:
            return Holding(rows, p.blocks(ctx, cfg) * cfg.block_size, formats=(dsa_latent_format(dtypes.get(kv_dtype)),))
        return Holding(rows, p.blocks(ctx, cfg) * cfg.block_size,
                       formats=None if kv_dtype == asked else (kv_dtype,) * len(rows))

    def check_max_model_len(self, spec, max_model_len: int | None) -> None:
        check_max_model_len(spec, max_model_len)

    def context_limit(self, spec) -> tuple[int, str] | None:
        got = max_len_limit(spec)
        return (got[0], "vLLM refuses a longer max_model_len unless VLLM_ALLOW_LONG_MAX_MODEL_LEN=1") \
            if got else None

    def default_len(self, spec) -> tuple[int, str] | None:
        return default_len(spec)

    def kv_formats(self, kv_fmt: str) -> tuple[str, str]:
        """The format this configured layout keeps K and V in, which is not always the one asked
        (``KV_DTYPE_IGNORED``: Falcon's attention ignores --kv-cache-dtype)."""
        fmt = self.cfg.kv_format if self.cfg is not None else kv_fmt
        return fmt, fmt

    def notes(self, spec) -> list[str]:
        """Why the cache is not in the format asked for, where it is not (``Config.kv_note``)."""
        return [self.cfg.kv_note] if self.cfg is not None and self.cfg.kv_note else []

    def configure(self, spec, gpu, opts: ServeOptions, kv_fmt: str, model_dtype: str | None = None,
                  pp: int = 1) -> Config:
        mnbt_default, seqs_default = batch_defaults(gpu)
        mml = opts.max_model_len or (default_max_model_len(spec) if spec is not None else None)
        if not opts.long_context_allowed:
            check_max_model_len(spec, opts.max_model_len)
        if not mml:
            raise KvplanError(f"the model states no max_position_embeddings; give {opt('max_model_len')}")
        from .ep_buffers import default_batched_tokens

        mnbt = opts.max_num_batched_tokens or default_batched_tokens(opts) or mnbt_default
        block, note = (opts.block_size, "--block-size") if opts.block_size else \
            (attention_block_size(spec, gpu, kv_fmt) if spec is not None else (16, "default"))
        # VllmConfig.max_concurrent_batches: async scheduling (on by default) keeps 2 batches in
        # flight with pp = 1, pp + 1 with pipeline stages (Model Runner V2, the default runner).
        in_flight = (pp + 1) * mnbt
        kv_note = ""
        if spec is not None and spec.family in KV_DTYPE_IGNORED and model_dtype and kv_fmt != model_dtype:
            kv_note = (f"vLLM's {spec.family} attention ignores --kv-cache-dtype: its cache stays "
                       f"{model_dtype} ({KV_DTYPE_IGNORED[spec.family]})")
            kv_fmt = model_dtype
        if spec is not None and any(isinstance(spec.layer_types[lt].mixer, CompressedAttention)
                                    for lt in spec.counts()):
            kv_note = ("vLLM keeps DeepSeek-V4's cache in fp8_ds_mla rows (584 bytes per 512 values) "
                       "whatever --kv-cache-dtype says (models/deepseek_v4/attention.py)")
        cfg = Config(block_size=block, max_model_len=mml, max_num_batched_tokens=mnbt,
                     max_num_seqs=opts.max_num_seqs or seqs_default, in_flight_tokens=in_flight,
                     mamba_cache_mode="align", kv_format=kv_fmt, block_size_note=note,
                     ssm_default_dtype=SSM_DEFAULT.get(spec.family) if spec is not None else None,
                     kv_note=kv_note,
                     sparse_mla=spec is not None and any(isinstance(spec.layer_types[lt].mixer, IndexedMLA)
                                                         for lt in spec.counts()))
        if (opts.max_num_batched_tokens or opts.max_num_seqs) and cfg.max_num_batched_tokens < cfg.max_num_seqs:
            # vllm/config/scheduler.py SchedulerConfig: max_num_batched_tokens >= max_num_seqs (said
            # where either was given: two defaults are vLLM's to reconcile, e.g. DeepEP LL's 256)
            on = getattr(gpu, "name", "this GPU")
            seqs = opt("max_num_seqs", cfg.max_num_seqs) if opts.max_num_seqs else \
                f"max_num_seqs {cfg.max_num_seqs} (vLLM's default on {on}; {opt('max_num_seqs')} sets it)"
            tokens = opt("max_num_batched_tokens", cfg.max_num_batched_tokens) if opts.max_num_batched_tokens else \
                f"max_num_batched_tokens {cfg.max_num_batched_tokens} (vLLM's default on {on})"
            raise KvplanError(f"{tokens} is smaller than {seqs}; vLLM refuses that")
        if spec is not None:
            cfg = align_hybrid(spec, cfg, model_dtype or spec.dtype)
        return cfg

    def _pages(self, spec, cfg: Config, model_dtype: str) -> list[Page | None]:
        fmt = dtypes.get(cfg.kv_format)
        pages = []
        for lt in spec.layers:  # a kind with a side cache gives one spec per cache (DSA: two)
            p = page(spec.layer_types[lt].mixer, fmt, model_dtype, cfg)
            pages.extend(p if isinstance(p, tuple) else [p])
        if cfg.mamba_page_bytes:
            pages = [replace(p, padded=cfg.mamba_page_bytes) if p is not None and p.kind == "mamba"
                     else p for p in pages]
        return pages

    def budget(self, gpu, weights_bytes: int, spec, opts: ServeOptions, tp: int, pp: int,
               kv_fmt) -> list[BudgetPart]:
        from . import ep_buffers
        from . import loaded, startup as vllm_memory

        util = opts.gpu_memory_utilization if opts.gpu_memory_utilization is not None else 0.9
        total = gpu.usable_bytes
        cfg = self.configure(spec, gpu, opts, kv_fmt.name, spec.dtype, pp)
        parts = [BudgetPart("weights", "weights (this GPU's share)", weights_bytes,
                            "parameters × weight format, split as vLLM's parallel layers split them")]
        grow = vllm_memory.mxfp4_growth(spec, gpu)
        if grow and vllm_memory.mxfp4_from_code(gpu):
            parts.append(BudgetPart("weights_transform", "weights: MXFP4 post-load transform", grow,
                                    "from vLLM's code: padded experts, fp32 biases on compute capability "
                                    "10.x (engines/vllm/startup.py mxfp4_growth_sm100)", 0))
        elif grow:
            parts.append(BudgetPart("weights_transform", "weights: MXFP4 post-load transform", grow,
                                    "fitted on the fit half (engines/vllm/startup.py mxfp4_growth)",
                                    vllm_memory.const("mxfp4_growth_uncertainty_ppm") * grow // 1_000_000))
        rot = loaded.rotary_cache_bytes(spec)
        if rot:
            parts.append(BudgetPart("weights_rotary", "weights: rotary cos/sin cache", rot,
                                    "from vLLM's code: get_rope's cos_sin_cache buffer, positions × rotary dim "
                                    "× dtype, inside \"Model loading took\" (engines/vllm/loaded.py "
                                    "rotary_cache_bytes)", 0))
        from .settings import capability

        awq = loaded.awq_machete_growth(spec, capability(gpu), opts.vllm_version)
        if awq:
            parts.append(BudgetPart("weights_awq_zeros", "weights: AWQ zero points as Machete holds them", awq,
                                    "from vLLM's code: on compute capability 9.0 Machete replaces each packed "
                                    "4-bit zero point with a 16-bit -scale × zero (engines/vllm/loaded.py "
                                    "awq_machete_growth)", 0))
        pad = loaded.awq_marlin_padding_growth(spec, capability(gpu), opts.vllm_version)
        if pad:
            parts.append(BudgetPart("weights_awq_padding", "weights: AWQ linears padded for Marlin", pad,
                                    "from vLLM's code (0.24.0 and later): MarlinLinearKernel pads a partition "
                                    "to Marlin's thread tiles (utils/marlin_utils.py marlin_padded_nk; "
                                    "engines/vllm/loaded.py awq_marlin_padding_growth)", 0))
        from .dsv4 import compressor_scratch

        scratch = compressor_scratch(spec, gpu, cfg.max_num_batched_tokens)
        if scratch:
            parts.append(BudgetPart("weights_compressor_scratch", "weights: DeepSeek-V4 compressors' fp32 scratch",
                                    scratch, "from vLLM 0.29.0's code: on ROCm each compress-ratio-128 layer's "
                                    "two-stage compressor allocates (max_num_batched_tokens, 512) fp32 at "
                                    "construction, inside \"Model loading took\" (engines/vllm/dsv4.py "
                                    "compressor_scratch)", 0))
        q = spec.weight_quant
        if q is None or (q.format != "mxfp4" and not q.expert_format):  # MXFP4: inside its growth
            slack = loaded.allocator_slack(loaded.load_tensors(spec, tp, opts))
            if slack:
                parts.append(BudgetPart("weights_allocator", "weights: caching allocator's whole blocks", slack,
                                        "from PyTorch's code: a weight whose 2 MiB-rounded segment leaves at most "
                                        "1 MiB keeps it whole, counted in \"Model loading took\" "
                                        "(engines/vllm/loaded.py allocator_slack)", 0))
        if opts.kv_cache_memory is None:
            parts += vllm_memory.overheads(spec, gpu, cfg, opts, tp, pp)
            parts += ep_buffers.parts(spec, cfg, opts, tp)  # expert parallelism's all-to-all (a bad backend refused)
        elif opts.all2all_backend:
            ep_buffers.backend(opts.all2all_backend)  # a bad name is refused either way
        from . import extras  # issue 23: the drafter's weights and the LoRA slots, own lines

        self.tp = tp  # the offloaded tier's copies (capacity) follow the world size
        parts += extras.budget_parts(getattr(self, "model", None) or spec, spec, opts, tp, pp, cfg)
        return finish_budget(total, util, parts, opts.kv_cache_memory,
                             f"(1 − {util:g}) × total: outside vLLM's --gpu-memory-utilization share"
                             if opts.kv_cache_memory is None else "")

    def capacity(self, workers: list[Worker], gpu, opts: ServeOptions, kv_fmt,
                 model_dtype: str) -> Capacity:
        cfg = self.configure(workers[0].spec, gpu, opts, kv_fmt.name, model_dtype, len(workers))
        from . import extras

        plans = [plan(self._pages(w.spec, cfg, model_dtype)
                      + extras.draft_pages(self, w.spec, cfg, model_dtype, opts, i == len(workers) - 1), cfg)
                 for i, w in enumerate(workers)]
        budgets = [w.kv_budget_bytes for w in workers]
        mml = cfg.max_model_len
        live = [(p, b) for p, b in zip(plans, budgets) if p.groups]
        if not live:  # attention-free: BlockPool still keeps its one null block
            return Capacity(True, mml, 0, float("inf"), 0, detail={"num_gpu_blocks": 1})
        for p, b in live:
            if b <= 0:
                return _refuse(cfg, 0, p, b, "No available memory for the cache blocks. Try "
                               "increasing `gpu_memory_utilization` when initializing the engine.")
        # get_kv_cache_configs: the null block is held back before the check
        for p, b in live:
            check = b - p.bytes_per_block
            need = p.request_bytes(mml)
            if need > check:
                est = largest(lambda n: p.request_bytes(n) <= check, mml) if check > 0 else 0
                est_msg = (f"Based on the available memory, the estimated maximum model length is "
                           f"{est}. " if est > 0 else "")
                msg = (f"To serve at least one request with the model's max seq len ({mml}), "
                       f"({_gib(need)} GiB KV cache is needed, which is larger than the available "
                       f"KV cache memory ({_gib(check)} GiB). {est_msg}Try increasing "
                       f"`gpu_memory_utilization` (which also controls CPU memory on the CPU "
                       f"backend) or decreasing `max_model_len` when initializing the engine. "
                       f"See https://docs.vllm.ai/en/latest/configuration/conserving_memory/ "
                       f"for more details.")
                return _refuse(cfg, est, p, b, msg)
        # num_blocks per worker = available // bytes_per_block; every worker takes the smallest
        num_blocks = min(b // p.bytes_per_block for p, b in live)
        p0 = max((p for p, _ in live), key=lambda p: p.blocks_per_request(mml))
        per_req = p0.blocks_per_request(mml)
        conc = num_blocks / per_req
        tokens = int(conc * mml)
        line = (f"GPU KV cache size: {tokens:,} tokens, Maximum concurrency for {mml:,} tokens "
                f"per request: {conc:.2f}x")
        top = max(live, key=lambda pb: pb[0].bytes_per_block)[0]
        detail = {
            "block_size": cfg.block_size, "block_size_source": cfg.block_size_note,
            **({"kv_cache_dtype_note": cfg.kv_note} if cfg.kv_note else {}),
            "num_gpu_blocks": num_blocks, "bytes_per_block": top.bytes_per_block,
            "blocks_per_request": per_req,
            "max_num_batched_tokens": cfg.max_num_batched_tokens, "max_num_seqs": cfg.max_num_seqs,
            "groups": [{"kind": g.page.kind, "layers": g.layers, "block_size": g.page.block_size,
                        "page_size_bytes": g.page.bytes,
                        "blocks_per_request": g.page.blocks(mml, cfg),
                        **({"window": g.page.window} if g.page.window else {})}
                       for g in top.groups],
        }
        explain = (
            *((cfg.kv_note,) if cfg.kv_note else ()),
            f"block: {cfg.block_size} tokens ({cfg.block_size_note})",
            *(f"group of {g.layers} {g.page.kind} layer(s): page {g.page.bytes:,} bytes, "
              f"{g.page.blocks(mml, cfg)} blocks for a {mml:,}-token request" for g in top.groups),
            f"bytes per block = largest group's pages = {top.bytes_per_block:,}",
            f"num_gpu_blocks = KV budget // bytes per block = {min(budgets):,} // "
            f"{top.bytes_per_block:,} = {num_blocks:,}",
            f"max concurrency = num_gpu_blocks / blocks per request = {num_blocks:,} / {per_req:,} "
            f"= {conc:.2f}",
            f"KV cache tokens = int(concurrency × max_model_len) = {tokens:,}",
        )
        detail.update(extras.details(getattr(self, "model", None) or workers[0].spec, opts, top,
                                     cfg.block_size, getattr(self, "tp", 1), len(workers)))
        from . import after_sizing
        from .startup import model_runner, post_sizing_block_tables
        if model_runner(workers[0].spec, opts, opts.vllm_version or VERSION)[0] != "v2":
            # the V1 runner's block tables rebuilt after sizing (plan/verdict.py, after sizing); the
            # V2 runner builds its own (v1/worker/gpu/block_table.py), not derived here
            detail["post_sizing_bytes"] = post_sizing_block_tables(detail, mml)
        # what vLLM allocates after sizing, outside every budget: graphs, warm-up (after_sizing.py)
        detail.update(after_sizing.detail(workers[0].spec, gpu, opts, getattr(self, "tp", 1), len(workers),
                                          cfg.max_num_seqs, cfg.max_num_batched_tokens))
        return Capacity(True, mml, tokens, conc, top.request_bytes(mml), None, (line,), detail, explain)

    def max_batch(self, workers, gpu, cap: Capacity, opts, kv_fmt, model_dtype, ctx: int) -> int:
        """Requests of ctx tokens the pool admits at once: the usable blocks (all but the null
        block) over one request's blocks, capped by --max-num-seqs."""
        if not cap.fits and "num_gpu_blocks" not in cap.detail:
            return 0
        # a sweep asks one plan for many contexts: the settings and the plan do not depend on ctx
        # (beyond max_model_len, which is in cfg), so each is made once per (worker, settings)
        spec, configs = workers[0].spec, self.__dict__.setdefault("_configs", {})
        key = (id(spec), id(gpu), id(opts), kv_fmt.name, model_dtype, len(workers))
        hit = configs.get(key)
        if hit is None or hit[0] is not spec or hit[1] is not gpu or hit[2] is not opts:  # ids are reused
            if len(configs) > 256:
                configs.clear()
            hit = configs[key] = (spec, gpu, opts, self.configure(spec, gpu, opts, kv_fmt.name, model_dtype,
                                                                  len(workers)))
        cfg = hit[3]
        if ctx > cfg.max_model_len:
            cfg = replace(cfg, max_model_len=ctx)
        best = None
        from . import extras

        memo = self.__dict__.setdefault("_plans", {})
        if len(memo) > 256:
            memo.clear()
        for w in workers:
            key = (id(w), id(opts), cfg, model_dtype)
            hit = memo.get(key)
            if hit is None or hit[0] is not w or hit[1] is not opts:  # ids are reused once freed
                hit = memo[key] = (w, opts, plan(self._pages(w.spec, cfg, model_dtype) + extras.draft_pages(
                    self, w.spec, cfg, model_dtype, opts, w is workers[-1]), cfg))
            p = hit[2]
            if not p.groups:
                continue
            usable = w.kv_budget_bytes // p.bytes_per_block - 1
            n = max(0, usable // p.blocks_per_request(ctx))
            best = n if best is None else min(best, n)
        # the scheduler runs at most --max-num-seqs sequences at once (SchedulerConfig)
        return min(best if best is not None else cfg.max_num_seqs, cfg.max_num_seqs)


def _gib(n: int) -> str:
    """vllm.utils.mem_utils.format_gib: GiB rounded to 2 decimals."""
    return f"{round(n / GiB, 2)}"


def _refuse(cfg: Config, est: int, p: Plan, budget: int, msg: str) -> Capacity:
    return Capacity(False, cfg.max_model_len, 0, 0.0, p.request_bytes(cfg.max_model_len), msg,
                    detail={"estimated_max_model_len": est, "block_size": cfg.block_size,
                            "bytes_per_block": p.bytes_per_block,
                            "max_num_batched_tokens": cfg.max_num_batched_tokens,
                            "max_num_seqs": cfg.max_num_seqs},
                    explain=(msg,))


ENGINE = VLLM()
