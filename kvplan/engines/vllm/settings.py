"""vLLM 0.33's settings for one model on one GPU: compute capability, the scheduler's batch
defaults, the attention backend's block size and the hybrid alignment."""
from __future__ import annotations


from ...errors import KvplanError, opt
from ...model import dtypes
from ...model.dtypes import cdiv
from ...model.frozen import replace
from ...model.kinds import MLA, CompressedAttention, IndexedAttention, IndexedMLA
from .pages import DSV4_BLOCK, Config, page


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
               "b200": 100, "gb200": 100, "b300": 103, "rtx-5090": 120, "gb10": 121, "v100": 70, "t4": 75}


def capability(gpu) -> int | None:
    name = gpu.name
    for key in sorted(_CAPABILITY, key=len, reverse=True):
        if name == key or name.startswith(key + "-"):
            return _CAPABILITY[key]
    return None


# --- resolving vLLM's settings -------------------------------------------------------------

# model_executor/models/config.py NemotronHForCausalLMConfig.update_mamba_ssm_cache_dtype: with
# --mamba-ssm-cache-dtype auto, NemotronH keeps its SSM state in the config's
# mamba_ssm_cache_dtype, else float32 ("the only dtype known to have no accuracy issues").
SSM_DEFAULT = {"nemotron_h": "fp32"}
# Models whose vLLM attention is built without the cache config, so --kv-cache-dtype has no
# effect (measured: tests/golden/vllm_0.33_plan.json, falcon-7b with fp8 keeps 16-bit pages).
KV_DTYPE_IGNORED = {"falcon": "model_executor/models/falcon.py FalconAttention: the rotary and "
                               "ALiBi paths build Attention without cache_config"}


def batch_defaults(gpu) -> tuple[int, int]:
    """EngineArgs.get_batch_defaults, the OPENAI_API_SERVER (``vllm serve``) column:
    ≥ 160 GiB: 16384 tokens / 1024 seqs; ≥ 70 GiB and not an A100: 8192 / 1024; else 2048 / 256."""
    mem = gpu.usable_bytes if gpu is not None else 0
    if mem >= 160 * GiB:
        return 16384, 1024
    if mem >= 70 * GiB and not gpu.name.startswith("a100"):
        return 8192, 1024
    return 2048, 256


def attention_block_size(spec, gpu, kv_fmt: str) -> tuple[int, str]:
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


def align_hybrid(spec, cfg: Config, model_dtype: str) -> Config:
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


def check_block_size(block_size: int | None, version: str | None = None) -> None:
    """--block-size as vLLM 0.33.0 takes it: CacheConfig accepts any block_size > 0 (config/cache.py, Field gt=0),
    but at start-up select_common_block_size (v1/worker/utils.py) needs a kernel block size that divides it, and
    every CUDA attention backend's kernels take multiples of 16 (FLASH_ATTN, FLASHINFER, TRITON_ATTN, FLEX_ATTENTION,
    TRITON_MLA: get_supported_kernel_block_sizes -> [MultipleOf(16)]) or a fixed 32/64/128 (FLASHINFER_MLA, FLASHMLA,
    CUTLASS_MLA), so any other size raises "No common block size". Checked for kvplan's own release only: a release
    stated with --engine-version (``version``; 0.10's config/cache.py took Literal[1, 8, 16, 32, 64, 128]) is not
    refused here. The CLI's --block-size is checked (api.block_size); the planner itself plans any size (tests
    price a 1-token block by hand)."""
    b = block_size
    if b and b % 16 and not version:
        raise KvplanError(f"{opt('block_size')} {b}: vLLM {VERSION}'s attention kernels take blocks of a multiple "
                          f"of 16 tokens (16, 32, 64, 128, 256, ...; select_common_block_size refuses {b} at "
                          "start-up)")
