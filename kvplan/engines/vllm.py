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

from functools import singledispatch

from ..model import dtypes
from ..model.dtypes import cdiv
from ..errors import KvplanError
from ..model.frozen import record, replace
from ..model.layers import MLA, ChunkedAttention, CompressedAttention, FullAttention, GatedDeltaNet, IndexedAttention, IndexedMLA, KimiDeltaAttention, Mamba, Mamba2, SlidingWindow
from .base import BudgetPart, Capacity, Engine, Holding, ServeOptions, Side, Worker, finish_budget, largest

VERSION = "0.33.0"
GiB = 2**30

# vLLM's --kv-cache-dtype names (config/cache.py CacheDType) -> kvplan element formats.
# "auto" is the model's dtype. Other vLLM formats (nvfp4, turboquant_*, ...) are not modelled.
KV_CACHE_DTYPES = {"fp8": "fp8_e4m3", "fp8_e4m3": "fp8_e4m3", "fp8_e5m2": "fp8_e5m2",
                   "bfloat16": "bf16", "float16": "fp16"}

# CUDA compute capability by GPU family (NVIDIA, https://developer.nvidia.com/cuda-gpus); vLLM
# picks attention backends, and so block sizes, by it (platforms/cuda.py).
_CAPABILITY = {"a100": 80, "a10": 86, "a10g": 86, "a40": 86, "rtx-3090": 86, "l4": 89, "l40": 89,
               "l40s": 89, "rtx-4090": 89, "h100": 90, "h200": 90, "h20": 90, "gh200": 90,
               "b200": 100, "gb200": 100, "b300": 103, "rtx-5090": 120, "v100": 70, "t4": 75}


def capability(gpu) -> int | None:
    name = gpu.name
    for key in sorted(_CAPABILITY, key=len, reverse=True):
        if name == key or name.startswith(key + "-"):
            return _CAPABILITY[key]
    return None


# --- the first half: what one layer of each kind keeps, in pages -------------------------

@record
class Page:
    """One layer's KV-cache spec as vLLM plans it (kv_cache_interface.py)."""

    kind: str  # full | sliding | chunked | mla | mamba
    block_size: int  # tokens per block
    token_bytes: int  # one token of this layer (attention kinds); 0 for mamba
    state_bytes: int = 0  # mamba: the whole per-sequence state
    window: int = 0  # sliding window or attention chunk
    padded: int | None = None  # page_size_padded
    checkpoint_blocks: int = 0  # MambaSpec.num_prefill_checkpoint_blocks
    packed: bool = False  # DeepSeek-V4: planned by _get_packed_kv_cache_groups (see _packed_groups)

    @property
    def real_bytes(self) -> int:
        return self.state_bytes if self.kind == "mamba" else self.block_size * self.token_bytes

    @property
    def bytes(self) -> int:
        """page_size_bytes: block_size × per-token bytes, or the Mamba state; padded if set."""
        return self.padded if self.padded is not None else self.real_bytes

    def blocks(self, max_len: int, cfg: "Config") -> int:
        """cdiv(max_memory_usage_bytes, page_size_bytes): blocks one request may hold."""
        b = self.block_size
        if self.kind in ("full", "mla"):  # FullAttentionSpec.max_memory_usage_bytes
            return cdiv(max_len, b)
        if self.kind == "sliding":  # SlidingWindowSpec.max_admission_blocks_per_request
            return cdiv(min(self.window - 1 + cfg.in_flight_tokens, max_len), b) + 1
        if self.kind == "chunked":  # ChunkedLocalAttentionSpec.max_admission_blocks_per_request
            return cdiv(min(self.window + cfg.in_flight_tokens, max_len), b)
        # MambaSpec.max_memory_usage_bytes: 1 page in "none" mode; in "align" mode (prefix
        # caching, the default) 2 + num_prefill_checkpoint_blocks (speculative blocks: none)
        return 2 + self.checkpoint_blocks if cfg.mamba_cache_mode == "align" else 1

    def key(self) -> tuple:
        """What makes two layers' specs equal (and so groupable)."""
        return (self.kind, self.block_size, self.token_bytes, self.state_bytes, self.window, self.padded,
                self.checkpoint_blocks)

    def type_key(self) -> tuple:
        """UniformTypeKVCacheSpecs.is_uniform_type: same spec type, block and window; page
        sizes may differ."""
        return (self.kind, self.block_size, self.window)


@record
class Config:
    """The vLLM settings that change the plan, resolved as vLLM resolves them."""

    block_size: int
    max_model_len: int
    max_num_batched_tokens: int
    max_num_seqs: int
    in_flight_tokens: int  # VllmConfig.max_in_flight_tokens
    mamba_cache_mode: str
    kv_format: str  # kvplan element format of attention K/V
    block_size_note: str = ""
    mamba_page_bytes: int | None = None  # Mamba pages padded to the attention page (hybrids)
    ssm_default_dtype: str | None = None  # the SSM state dtype when the config names none
    kv_note: str = ""  # why the cache is not in the format asked for
    sparse_mla: bool = False  # a DSA model: every MLA layer runs the sparse-MLA backend (fp8_ds_mla rows)


@singledispatch
def page(mixer, fmt: dtypes.ElementFormat, model_dtype: str, cfg: Config) -> Page | None:
    """No cache (NoCache, an MLP-only block): no spec, not in any group."""
    return None


def _kv_token_bytes(mixer, fmt) -> int:
    # AttentionSpec.state_content_size_bytes: (head_size + head_size_v) × dtype size per head
    return sum(rows * fmt.row_bytes(n) for rows, n in mixer.kv_rows())


@page.register
def _(mixer: FullAttention, fmt, model_dtype, cfg) -> Page:
    """FullAttentionSpec: page = block_size × kv_heads × (head_size + head_size_v) × bytes."""
    return Page("full", cfg.block_size, _kv_token_bytes(mixer, fmt))


@page.register
def _(mixer: SlidingWindow, fmt, model_dtype, cfg) -> Page:
    """SlidingWindowSpec (sink tokens are not a vLLM notion: the window alone is kept)."""
    return Page("sliding", cfg.block_size, _kv_token_bytes(mixer, fmt), window=mixer.window)


@page.register
def _(mixer: ChunkedAttention, fmt, model_dtype, cfg) -> Page:
    """ChunkedLocalAttentionSpec (Llama 4's local layers)."""
    return Page("chunked", cfg.block_size, _kv_token_bytes(mixer, fmt), window=mixer.chunk)


@page.register
def _(mixer: MLA, fmt, model_dtype, cfg) -> Page:
    """MLAAttentionSpec: one head of kv_lora_rank + qk_rope_head_dim values, head_size_v = 0,
    kept whole on every tensor-parallel rank. In a DSA model (GLM-5.2's layers without an
    indexer) the sparse-MLA backend keeps an fp8 latent in fp8_ds_mla rows too (measured)."""
    latent = dtypes.get(_dsa_latent_format(fmt)) if cfg.sparse_mla else fmt
    return Page("mla", cfg.block_size, latent.row_bytes(mixer.kv_lora_rank + mixer.qk_rope_head_dim))


def _dsa_latent_format(fmt) -> str:
    """The sparse-MLA backends (FLASH_ATTN_MLA_SPARSE, FLASHMLA_SPARSE) keep an fp8 latent in
    DeepSeek's fp8_ds_mla rows of 656 bytes (model_executor/layers/attention/mla_attention.py
    state_content_bytes {"fp8_ds_mla": 656}); otherwise the latent is in the cache dtype."""
    return "fp8_ds_mla" if fmt.name == "fp8_e4m3" else fmt.name


def _indexer_bytes(mixer) -> int:
    """DeepseekV32IndexerCache (model_executor/models/deepseek_v2.py): MLAAttentionSpec of one
    head of index_head_dim + index_head_dim // 128 × 4 uint8 bytes (fp8 keys + fp32 scales)."""
    return mixer.index_head_dim + mixer.index_head_dim // 128 * 4


@page.register
def _(mixer: IndexedMLA, fmt, model_dtype, cfg) -> tuple[Page, Page]:
    """DeepSeek Sparse Attention: two MLAAttentionSpecs per layer, the latent (attn) and the
    indexer's key cache (indexer.k_cache), planned as separate layers of one uniform-type
    group (measured: tests/golden/vllm_0.33_frontier.json)."""
    latent = dtypes.get(_dsa_latent_format(fmt)).row_bytes(mixer.kv_lora_rank + mixer.qk_rope_head_dim)
    return Page("mla", cfg.block_size, latent), Page("mla", cfg.block_size, _indexer_bytes(mixer))


@page.register
def _(mixer: IndexedAttention, fmt, model_dtype, cfg) -> tuple[Page, Page]:
    """MiniMax-M3's sparse layers: the FullAttentionSpec K/V and the index keys as an
    MLAAttentionSpec of one index_head_dim vector per token (MiniMaxM3IndexerCache) in
    indexer_kv_dtype, "bf16" by default whatever --kv-cache-dtype (models/minimax_m3/common/
    indexer.py); one uniform-type group with the full layers (measured)."""
    index = dtypes.get(mixer.index_format or "bf16").row_bytes(mixer.index_head_dim)
    return Page("full", cfg.block_size, _kv_token_bytes(mixer, fmt)), Page("mla", cfg.block_size, index)


def _state_page(tensors, checkpoint_blocks: int = 0) -> Page:
    return Page("mamba", 0, 0, state_bytes=sum(dtypes.get(d).row_bytes(n) for n, d in tensors),
                checkpoint_blocks=checkpoint_blocks)


@page.register
def _(mixer: Mamba2, fmt, model_dtype, cfg) -> Page:
    """MambaSpec from mamba2_state_shape: conv (conv_dim, conv_kernel − 1) in the model dtype,
    SSM (heads, head_dim, state_size) in mamba_ssm_cache_dtype (the config's, else the model's);
    MambaMixer2.get_kv_cache_spec adds one prefill-checkpoint block (3 pages per request)."""
    return _state_page([(mixer.conv_dim * (mixer.conv_kernel - 1), model_dtype),
                        (mixer.num_heads * mixer.head_dim * mixer.state_size,
                         mixer.ssm_state_dtype or cfg.ssm_default_dtype or model_dtype)],
                       checkpoint_blocks=1)


@page.register
def _(mixer: Mamba, fmt, model_dtype, cfg) -> Page:
    """MambaSpec from mamba1_state_shape: conv (inner, conv_kernel − 1), SSM (inner, state_size)."""
    return _state_page([(mixer.inner * (mixer.conv_kernel - 1), model_dtype),
                        (mixer.inner * mixer.state_size, mixer.ssm_state_dtype or model_dtype)])


@page.register
def _(mixer: GatedDeltaNet, fmt, model_dtype, cfg) -> Page:
    """MambaSpec from gated_delta_net_state_shape: conv (conv_dim, conv_kernel − 1) and the
    recurrent (value_heads, value_dim, key_dim) state, both in the model dtype unless the
    config names a state dtype. Not checked against vLLM's planner (no Qwen3-Next run): vLLM
    adds a prefill-checkpoint block only where its FlashInfer GDN kernel exports checkpoints,
    which is not modelled (2 pages per request)."""
    return _state_page([(mixer.conv_dim * (mixer.conv_kernel - 1), model_dtype),
                        (mixer.num_value_heads * mixer.key_head_dim * mixer.value_head_dim,
                         mixer.recurrent_state_dtype or model_dtype)])


@page.register
def _(mixer: KimiDeltaAttention, fmt, model_dtype, cfg) -> Page:
    """MambaSpec from kda_state_shape / kda_state_dtype (model_executor/layers/mamba/
    mamba_utils.py): conv (heads × head_dim + 2 × key heads × key dim, conv_kernel − 1) in the
    model dtype and the recurrent (heads, head_dim, head_dim) state in float32 (the "auto"
    mamba_ssm_cache_dtype of KDA), plus one prefill-checkpoint block: 3 pages per request in
    align mode (measured for Kimi-K3: tests/golden/vllm_0.33_frontier.json)."""
    return _state_page([(mixer.conv_dim * (mixer.conv_kernel - 1), model_dtype),
                        (mixer.num_value_heads * mixer.key_head_dim * mixer.value_head_dim,
                         mixer.recurrent_state_dtype or "fp32")], checkpoint_blocks=1)


# DeepSeek-V4 (models/deepseek_v4/attention.py, compressor.py): vLLM 0.33 keeps its cache in
# DeepSeek's fp8_ds_mla rows whatever --kv-cache-dtype says ("Using DeepSeek's fp8_ds_mla KV
# cache format", measured for auto and fp8): 448 fp8 NoPE values + 64 bf16 RoPE values + 7 scales
# + 1 pad = 584 bytes per 512-value vector, pages rounded up to a multiple of 576 bytes.
DSV4_ROW, DSV4_ALIGN, DSV4_SWA_BLOCK, DSV4_BLOCK = 584, 576, 64, 256


def _aligned(n: int, align: int = DSV4_ALIGN) -> int:
    """AttentionSpec._apply_alignment_padding: the page rounded up to a multiple of align."""
    return cdiv(n, align) * align


@page.register
def _(mixer: CompressedAttention, fmt, model_dtype, cfg) -> tuple[Page, ...]:
    """Per layer, up to five specs:
    * the window (DeepseekV4SWACache): SlidingWindowMLASpec, 64-token blocks of 584-byte rows;
    * the compressed entries: MLAAttentionSpec with tokens_per_state = compress_ratio, blocks of
      256 tokens (256 / ratio entries of 584 bytes);
    * on CSA layers the indexer keys (DeepseekV4IndexerCache): MLAAttentionSpec, one 132-byte
      entry (128 fp8 + 4) per 4 tokens;
    * the compressor's state (CompressorStateCache, float32, state_dim = 2 × coff × head_dim):
      SlidingWindowMLASpec over coff × ratio tokens in blocks of 4 (C4) or 8 (C128), and on CSA
      layers the indexer's compressor (state_dim 2 × 2 × index_head_dim).
    Every page is aligned to 576 bytes (measured: tests/golden/vllm_0.33_frontier.json)."""
    pages = [Page("sliding", DSV4_SWA_BLOCK, DSV4_ROW, window=mixer.window,
                  padded=_aligned(DSV4_SWA_BLOCK * DSV4_ROW), packed=True)]
    r = mixer.compress_ratio
    if r:
        pages.append(Page("mla", DSV4_BLOCK, DSV4_ROW, padded=_aligned(DSV4_BLOCK // r * DSV4_ROW), packed=True))
        if mixer.indexed:
            row = mixer.index_head_dim + mixer.index_head_dim // 128 * 4
            pages.append(Page("mla", DSV4_BLOCK, row, padded=_aligned(DSV4_BLOCK // r * row), packed=True))
        coff = mixer.coff
        state_block = {4: 4, 128: 8}.get(r)
        if state_block is None:
            raise KvplanError(f"vLLM's DeepSeek-V4 compressor takes ratios 4 and 128, not {r}")
        dims = [mixer.head_dim] + ([mixer.index_head_dim] if mixer.indexed else [])
        for d in dims:
            row = 2 * coff * d * 4  # float32 kv + score state of coff series
            pages.append(Page("sliding", state_block, row, window=coff * r,
                              padded=_aligned(state_block * row), packed=True))
    return tuple(pages)


def _approximate_gcd(values: list[int], lower_bound: int) -> int:
    """kv_cache_planning._approximate_gcd: the d >= lower_bound (up to max(values)) with the
    least total round-up padding of values to multiples of d; ties prefer the larger d."""
    best, best_pad = lower_bound, None
    for d in range(lower_bound, max(values) + 1):
        pad = sum((d - x % d) % d for x in values)
        if best_pad is None or pad <= best_pad:
            best, best_pad = d, pad
    return best


def _packed_groups(specs: list[Page]) -> list[Group]:
    """kv_cache_planning._get_packed_kv_cache_groups for attention-only layouts: layers bucketed
    by spec type (UniformTypeKVCacheSpecs), a bucket whose page sizes come in equal numbers is a
    repeating pattern split into groups of about repeats_per_group repeats (the approximate gcd
    of those buckets' largest counts, at least the largest mixed-size balanced bucket's), every
    other bucket one group. A group's page is the sum of its layers' pages."""
    buckets: dict[tuple, list[Page]] = {}
    for p in specs:
        buckets.setdefault(p.type_key(), []).append(p)
    info = []
    for pages in buckets.values():
        sizes: dict[int, list[Page]] = {}
        for p in pages:
            sizes.setdefault(p.bytes, []).append(p)
        balanced = len({len(v) for v in sizes.values()}) == 1
        info.append((pages, sizes, balanced))
    floor = max((max(len(v) for v in sizes.values()) for _, sizes, balanced in info
                 if balanced and len(sizes) > 1), default=0)
    repeats = _approximate_gcd([max(len(v) for v in sizes.values()) for _, sizes, balanced in info if balanced],
                               floor) if floor else None
    groups = []
    for pages, sizes, balanced in info:
        n = cdiv(max(len(v) for v in sizes.values()), repeats) if balanced and repeats else 1
        pattern = list(zip(*sizes.values())) if n > 1 else [pages]
        for i in range(n):
            members = [p for rep in pattern[i::n] for p in rep]
            groups.append(Group(replace(members[0], padded=sum(p.bytes for p in members)), 1))
    return groups


# --- the planner: groups, block bytes, the start-up check ---------------------------------

@record
class Group:
    page: Page
    layers: int  # layers in the group (a block of this group holds one page of each)


@record
class Plan:
    groups: list[Group]
    bytes_per_block: int  # _get_kv_cache_bytes_per_block: the largest group's pages
    cfg: Config

    def blocks_per_request(self, max_len: int) -> int:
        return sum(g.page.blocks(max_len, self.cfg) for g in self.groups)

    def request_bytes(self, max_len: int) -> int:
        """_max_memory_usage_bytes_from_groups: bytes_per_block × Σ groups' blocks."""
        return self.bytes_per_block * self.blocks_per_request(max_len)


def _unify(pages: list[Page]) -> list[Page]:
    """unify_kv_cache_spec_page_size: smaller pages grow their block size by the ratio to the
    largest page; a Mamba page, or an attention page that does not divide it, is padded."""
    top = max(p.bytes for p in pages)
    out = []
    for p in pages:
        if p.bytes == top:
            out.append(p)
        elif p.kind != "mamba" and top % p.bytes == 0:
            out.append(replace(p, block_size=p.block_size * (top // p.bytes)))
        elif p.kind != "mla":
            out.append(replace(p, padded=top))
        else:
            raise KvplanError("vLLM cannot unify this model's MLA page with its other layers' pages")
    return out


def plan(pages: list[Page], cfg: Config) -> Plan:
    """get_kv_cache_groups, for the layer specs of one worker (None = layer without cache)."""
    specs = [p for p in pages if p is not None]
    if not specs:
        return Plan([], 0, cfg)
    if any(p.packed for p in specs):
        groups = _packed_groups(specs)
        return Plan(groups, max(g.page.bytes for g in groups), cfg)
    keys = {p.key() for p in specs}
    attention = all(p.kind in ("full", "mla") for p in specs)
    if len(keys) == 1:  # is_kv_cache_spec_uniform: one group, every layer
        return Plan([Group(specs[0], len(specs))], len(specs) * specs[0].bytes, cfg)
    # full and MLA specs of one block size are one uniform type (measured for MiniMax-M3, whose
    # index keys are MLA specs beside full-attention K/V)
    if attention and (len({p.kind for p in specs}) == 1 or len({p.block_size for p in specs}) == 1) or \
            all(p.kind == "sliding" for p in specs) and len({p.window for p in specs}) == 1:
        # UniformTypeKVCacheSpecs: same kind and token span, different page sizes: one group
        # whose block holds one page of every layer.
        total = sum(p.bytes for p in specs)
        return Plan([Group(replace(specs[0], padded=total), 1)], total, cfg)
    specs = _unify(specs)
    buckets: dict[tuple, list[Page]] = {}
    for p in specs:  # _get_kv_cache_groups_uniform_page_size: bucket equal specs
        buckets.setdefault(p.key(), []).append(p)
    sizes = [len(b) for b in buckets.values()]
    group_size = max(sizes) if max(sizes) < min(sizes) * 1.5 else min(sizes)
    groups = []
    for bucket in buckets.values():  # layers[i::n] for i in range(n), n = cdiv(len, group_size)
        n = cdiv(len(bucket), group_size)
        for i in range(n):
            groups.append(Group(bucket[0], len(bucket[i::n])))
    return Plan(groups, max(g.layers * g.page.bytes for g in groups), cfg)


# --- resolving vLLM's settings -------------------------------------------------------------

# model_executor/models/config.py NemotronHForCausalLMConfig.update_mamba_ssm_cache_dtype: with
# --mamba-ssm-cache-dtype auto, NemotronH keeps its SSM state in the config's
# mamba_ssm_cache_dtype, else float32 ("the only dtype known to have no accuracy issues").
_SSM_DEFAULT = {"nemotron_h": "fp32"}
# Models whose vLLM attention is built without the cache config, so --kv-cache-dtype has no
# effect (measured: tests/golden/vllm_0.33_plan.json, falcon-7b with fp8 keeps 16-bit pages).
_KV_DTYPE_IGNORED = {"falcon": "model_executor/models/falcon.py FalconAttention: the rotary and "
                               "ALiBi paths build Attention without cache_config"}


def _batch_defaults(gpu) -> tuple[int, int]:
    """EngineArgs.get_batch_defaults, the OPENAI_API_SERVER (``vllm serve``) column:
    ≥ 160 GiB: 16384 tokens / 1024 seqs; ≥ 70 GiB and not an A100: 8192 / 1024; else 2048 / 256."""
    mem = gpu.usable_bytes if gpu is not None else 0
    if mem >= 160 * GiB:
        return 16384, 1024
    if mem >= 70 * GiB and not gpu.name.startswith("a100"):
        return 8192, 1024
    return 2048, 256


def _attention_block_size(spec, gpu, kv_fmt: str) -> tuple[int, str]:
    """The block size vLLM picks when --block-size is not given (update_block_size_for_backend
    with the backend _get_backend_priorities selects). 16 (CacheConfig.DEFAULT_BLOCK_SIZE) for
    FLASH_ATTN (sm80-sm90), FLASHINFER (sm100) and FLASH_ATTN_MLA (sm90), whose kernels take any
    multiple of 16; MLA on sm100 selects FLASHINFER_MLA, whose kernels take 32 or 64: 32; MLA with
    an fp8 cache on sm90 selects FLASHMLA: 64 (measured: tests/golden/vllm_0.33_plan.json)."""
    cap = capability(gpu) if gpu is not None else None
    if any(isinstance(spec.layer_types[lt].mixer, CompressedAttention) for lt in spec.counts()):
        # measured (tests/golden/vllm_0.33_frontier.json): FLASHMLA_SPARSE_DSV4 plans 256-token
        # blocks (64 compressed entries of a ratio-4 layer); the window and compressor states
        # keep their own block sizes (64, 4, 8)
        return DSV4_BLOCK, "DeepSeek-V4 (FLASHMLA_SPARSE_DSV4): 256 tokens per block"
    sparse = {spec.layer_types[lt].mixer.sparse_block for lt in spec.counts()
              if isinstance(spec.layer_types[lt].mixer, IndexedAttention)}
    if sparse:
        # MiniMaxM3SparseForCausalLM: the block size must equal sparse_block_size (measured: 128)
        return max(sparse), "MiniMax-M3 sparse attention: blocks of sparse_block_size tokens"
    if any(isinstance(spec.layer_types[lt].mixer, IndexedMLA) for lt in spec.counts()):
        # measured on sm90 (tests/golden/vllm_0.33_frontier.json): the sparse-MLA backends and the
        # DEEPSEEK_V32_INDEXER run 64-token blocks
        return 64, "DeepSeek Sparse Attention (FLASH_ATTN_MLA_SPARSE + DEEPSEEK_V32_INDEXER): 64 tokens per block"
    mla = any(isinstance(spec.layer_types[lt].mixer, MLA) for lt in spec.counts())
    if mla and cap is not None and cap // 10 == 10:
        return 32, "FLASHINFER_MLA on sm100 takes 32 or 64 tokens per block: 32"
    if mla and kv_fmt.startswith("fp8") and (cap is None or cap // 10 == 9):
        # FLASH_ATTN_MLA takes no fp8 cache; the next in line on sm90, FLASHMLA, runs 64-token blocks
        return 64, "FLASHMLA (MLA with an fp8 cache on sm90) takes 64 tokens per block"
    wide = any(getattr(spec.layer_types[lt].mixer, "head_dim", 0) == 512 for lt in spec.counts())
    if wide and kv_fmt.startswith("fp8") and (cap is None or cap // 10 == 9):
        # flash_attn.py _get_sm90_fa4_fp8_kv_block_size: the sm90 FP8-KV kernel for head size
        # 512 uses a 64-token page; the Triton fallback measured for Gemma 4 picks 64 as well
        return 64, "head size 512 with an fp8 cache on sm90: 64-token pages"
    return 16, "vLLM's default (CacheConfig.DEFAULT_BLOCK_SIZE)"


class VLLM(Engine):
    name = "vllm"
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
        return VLLM(self.configure(spec, gpu, opts, kv_fmt, model_dtype, pp))

    def hold(self, mixer, ctx: int, model_dtype: str, kv_dtype: str) -> Holding:
        """What vLLM reserves for one request of ctx tokens (``size --engine vllm``): whole
        blocks, and for sliding and chunked layers the admission cap (window − 1, or the chunk,
        plus the tokens in flight: max_admission_blocks_per_request), the most such a request
        holds, during chunked prefill; while it decodes it holds fewer."""
        cfg = self.cfg or Config(16, ctx, 2048, 256, 2 * 2048, "align", kv_dtype, "default")
        cfg = replace(cfg, max_model_len=max(cfg.max_model_len, ctx))
        p = page(mixer, dtypes.get(kv_dtype), model_dtype, cfg)
        if p is None:
            return Holding([], 0)
        if isinstance(p, tuple) and p[0].packed:  # DeepSeek-V4: every page the request holds
            from ..model.layers import StateTensor

            held = sum(q.bytes * q.blocks(ctx, cfg) for q in p)
            return Holding([], 0, [StateTensor(name="pages", elements=held, dtype="int8")])
        if isinstance(p, tuple) and isinstance(mixer, IndexedAttention):  # K/V + bf16 index keys
            tokens = p[0].blocks(ctx, cfg) * cfg.block_size
            return Holding(mixer.kv_rows(), tokens,
                           sides=(Side("index keys", 1, mixer.index_head_dim, tokens, mixer.index_format or "bf16"),))
        if isinstance(p, tuple):  # DSA: the latent and the indexer keys, in the same blocks
            tokens = p[0].blocks(ctx, cfg) * cfg.block_size
            fmt = _dsa_latent_format(dtypes.get(kv_dtype))
            return Holding(mixer.kv_rows(), tokens, formats=(fmt,),
                           sides=(Side("indexer keys", 1, mixer.index_head_dim, tokens, "fp8_ds_index"),))
        if p.kind == "mamba":
            from ..model.layers import StateTensor

            per_block = cfg.mamba_page_bytes or p.state_bytes
            return Holding([], 0, [StateTensor(name="state blocks", elements=per_block * p.blocks(ctx, cfg),
                                               dtype="int8")])
        rows = mixer.kv_rows()
        if isinstance(mixer, MLA) and cfg.sparse_mla:
            return Holding(rows, p.blocks(ctx, cfg) * cfg.block_size, formats=(_dsa_latent_format(dtypes.get(kv_dtype)),))
        return Holding(rows, p.blocks(ctx, cfg) * cfg.block_size)

    def configure(self, spec, gpu, opts: ServeOptions, kv_fmt: str, model_dtype: str | None = None,
                  pp: int = 1) -> Config:
        mnbt_default, seqs_default = _batch_defaults(gpu)
        mml = opts.max_model_len or (spec.max_context if spec is not None else None)
        if spec is not None and opts.max_model_len and spec.max_context and opts.max_model_len > spec.max_context:
            # config/model.py ModelConfig: a longer max_model_len needs VLLM_ALLOW_LONG_MAX_MODEL_LEN=1
            raise KvplanError(f"--max-model-len {opts.max_model_len} is greater than {spec.name}'s "
                              f"max_position_embeddings ({spec.max_context}); vLLM refuses it unless "
                              "VLLM_ALLOW_LONG_MAX_MODEL_LEN=1")
        if not mml:
            raise KvplanError("the model states no max_position_embeddings; give --max-model-len")
        mnbt = opts.max_num_batched_tokens or mnbt_default
        block, note = (opts.block_size, "--block-size") if opts.block_size else \
            (_attention_block_size(spec, gpu, kv_fmt) if spec is not None else (16, "default"))
        # VllmConfig.max_concurrent_batches: async scheduling (on by default) keeps 2 batches in
        # flight with pp = 1, pp + 1 with pipeline stages (Model Runner V2, the default runner).
        in_flight = (pp + 1) * mnbt
        kv_note = ""
        if spec is not None and spec.family in _KV_DTYPE_IGNORED and model_dtype and kv_fmt != model_dtype:
            kv_note = (f"vLLM's {spec.family} attention ignores --kv-cache-dtype: its cache stays "
                       f"{model_dtype} ({_KV_DTYPE_IGNORED[spec.family]})")
            kv_fmt = model_dtype
        if spec is not None and any(isinstance(spec.layer_types[lt].mixer, CompressedAttention)
                                    for lt in spec.counts()):
            kv_note = ("vLLM keeps DeepSeek-V4's cache in fp8_ds_mla rows (584 bytes per 512 values) "
                       "whatever --kv-cache-dtype says (models/deepseek_v4/attention.py)")
        cfg = Config(block_size=block, max_model_len=mml, max_num_batched_tokens=mnbt,
                     max_num_seqs=opts.max_num_seqs or seqs_default, in_flight_tokens=in_flight,
                     mamba_cache_mode="align", kv_format=kv_fmt, block_size_note=note,
                     ssm_default_dtype=_SSM_DEFAULT.get(spec.family) if spec is not None else None,
                     kv_note=kv_note,
                     sparse_mla=spec is not None and any(isinstance(spec.layer_types[lt].mixer, IndexedMLA)
                                                         for lt in spec.counts()))
        if spec is not None:
            cfg = _align_hybrid(spec, cfg, model_dtype or spec.dtype)
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
        from . import vllm_startup as vllm_memory

        util = opts.gpu_memory_utilization if opts.gpu_memory_utilization is not None else 0.9
        total = gpu.usable_bytes
        cfg = self.configure(spec, gpu, opts, kv_fmt.name, spec.dtype, pp)
        parts = [BudgetPart("weights", "weights (this GPU's share)", weights_bytes,
                            "parameters × weight format, split as vLLM's parallel layers split them")]
        if opts.kv_cache_memory is None:
            parts += vllm_memory.overheads(spec, gpu, cfg, opts, tp, pp)
        return finish_budget(total, util, parts, opts.kv_cache_memory,
                             f"(1 − {util:g}) × total: outside vLLM's --gpu-memory-utilization share"
                             if opts.kv_cache_memory is None else "")

    def capacity(self, workers: list[Worker], gpu, opts: ServeOptions, kv_fmt,
                 model_dtype: str) -> Capacity:
        cfg = self.configure(workers[0].spec, gpu, opts, kv_fmt.name, model_dtype, len(workers))
        plans = [plan(self._pages(w.spec, cfg, model_dtype), cfg) for w in workers]
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
        return Capacity(True, mml, tokens, conc, top.request_bytes(mml), None, (line,), detail, explain)

    def max_batch(self, workers, gpu, cap: Capacity, opts, kv_fmt, model_dtype, ctx: int) -> int:
        """Requests of ctx tokens the pool admits at once: the usable blocks (all but the null
        block) over one request's blocks, capped by --max-num-seqs."""
        if not cap.fits and "num_gpu_blocks" not in cap.detail:
            return 0
        cfg = self.configure(workers[0].spec, gpu, opts, kv_fmt.name, model_dtype, len(workers))
        cfg = replace(cfg, max_model_len=max(cfg.max_model_len, ctx))
        best = None
        for w in workers:
            p = plan(self._pages(w.spec, cfg, model_dtype), cfg)
            if not p.groups:
                continue
            usable = w.kv_budget_bytes // p.bytes_per_block - 1
            n = max(0, usable // p.blocks_per_request(ctx))
            best = n if best is None else min(best, n)
        # the scheduler runs at most --max-num-seqs sequences at once (SchedulerConfig)
        return min(best if best is not None else cfg.max_num_seqs, cfg.max_num_seqs)


def _align_hybrid(spec, cfg: Config, model_dtype: str) -> Config:
    """_align_hybrid_block_size: in a model with Mamba-like layers the attention block grows to
    the smallest multiple of the kernel alignment (max(16, block size); 128 for MLA) whose page
    holds the largest Mamba state, and every Mamba page is padded to that attention page."""
    fmt = dtypes.get(cfg.kv_format)
    pages = [q for lt in spec.counts() for p in [page(spec.layer_types[lt].mixer, fmt, model_dtype, cfg)]
             for q in (p if isinstance(p, tuple) else [p])]
    mamba = [p for p in pages if p is not None and p.kind == "mamba"]
    attn = [p for p in pages if p is not None and p.kind != "mamba"]
    if not mamba or not attn:
        return cfg
    state = max(p.state_bytes for p in mamba)
    per_token = attn[0].token_bytes
    align = max(16, cfg.block_size)
    if any(p.kind == "mla" for p in attn):
        align = max(align, 128)
    block = max(align * cdiv(state, align * per_token), cfg.block_size)
    note = (f"raised from {cfg.block_size} so one attention page ({per_token:,} bytes/token) "
            f"holds the {state:,}-byte Mamba state (_align_hybrid_block_size)"
            if block != cfg.block_size else cfg.block_size_note)
    return replace(cfg, block_size=block, block_size_note=note, mamba_page_bytes=block * per_token)


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
