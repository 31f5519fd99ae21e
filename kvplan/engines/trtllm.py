"""trtllm: TensorRT-LLM's PyTorch backend with its default (V1) KV-cache manager.

Read, not run: TensorRT-LLM's sizing code imports its compiled extension and CUDA, so nothing
here was measured; the rules come from reading tensorrt_llm/_torch/pyexecutor/_util.py
(KvCacheCreator.configure_kv_cache_capacity, _create_kv_cache_manager) and
tensorrt_llm/llmapi/llm_args.py (KvCacheConfig) at commit 0004396720054fd8e205cbf616f21f0b57c6b412,
and tensorrt_llm/_torch/pyexecutor/resource_manager.py (KVCacheManager.get_cache_size_per_token,
calculate_max_num_blocks) of the same period. Tests check the arithmetic by hand only.

* Blocks of ``tokens_per_block`` = 32 tokens (KvCacheConfig default).
* Bytes per token: 2 × layers × kv_heads_per_rank × head_dim × dtype bytes (fp8: 1); MLA one
  K-only latent of kv_lora_rank + qk_rope_head_dim per layer, on every rank.
* Sliding windows: the V1 manager knows only ``max_attention_window`` passed by the user; with
  none, every attention layer gets a full-length pool, even where the HF config has a window
  (Mistral, Gemma 2, gpt-oss). Not modelled: ``--max-attention-window``, KVCacheManagerV2.
* Budget: ``free_gpu_memory_fraction`` (0.9) × (total − the peak of an estimation run, weights
  included); the estimation's peak is estimated here like vLLM's profile (vllm_memory) with
  TensorRT-LLM's ``max_num_tokens`` default of 8192 and no sampler pass.
* Capacity: max_tokens = budget // bytes per token; blocks = max_tokens // 32; the pool holds
  blocks × 32 tokens. A ``max_seq_len`` longer than that is cut to it, not refused
  (_validate_and_adjust_attention_windows).
"""
from __future__ import annotations

from functools import singledispatch

from ..model.dtypes import cdiv
from ..model.kinds import MLA, ChunkedAttention, FullAttention, SlidingWindow
from .base import cache_bytes, BudgetPart, Capacity, Engine, Holding, ServeOptions, Worker, finish_budget, largest

COMMIT = "0004396720054fd8e205cbf616f21f0b57c6b412"
TOKENS_PER_BLOCK = 32  # llm_args.py KvCacheConfig.tokens_per_block
FRACTION = 0.9  # llm_args.py KvCacheConfig.free_gpu_memory_fraction
# llm_args.py KvCacheConfig.dtype: "auto" follows the checkpoint, else the dtype forced;
# "fp8" is FP8 e4m3 (examples/pytorch/README.md: "FP8(e4m3) kvcache ... --kv_cache_dtype fp8").
# nvfp4 is not modelled.
KV_CACHE_DTYPES = {"fp8": "fp8_e4m3"}
MAX_NUM_TOKENS = 8192  # llm_args.py BaseLlmArgs.max_num_tokens default


@singledispatch
def trtllm(mixer, ctx: int, run_dtype: str) -> Holding:
    """Layers without a paged cache (recurrent state, none): as the ideal layout."""
    from .ideal import ideal

    return ideal(mixer, ctx, run_dtype)


@trtllm.register(FullAttention)
@trtllm.register(SlidingWindow)
@trtllm.register(ChunkedAttention)
@trtllm.register(MLA)
def _paged(mixer, ctx: int, run_dtype: str) -> Holding:
    """Every attention kind in whole 32-token blocks of the full context: sliding and chunked
    layers too (no max_attention_window given, the window only masks attention); MLA as one
    K-only head of kv_lora_rank + qk_rope_head_dim (_create_kv_cache_manager, is_mla)."""
    return Holding(mixer.kv_rows(), cdiv(ctx, TOKENS_PER_BLOCK) * TOKENS_PER_BLOCK)


# Kept from kvplan's earlier vLLM defaults (fitted in sample to the first four V1 logs, no
# TensorRT-LLM log): CUDA context, cuBLAS workspaces and NCCL for the estimation run.
NON_TORCH_TP1 = 1152 * 2**20
NON_TORCH_PER_TP = 1280 * 2**20

class TRTLLM(Engine):
    name = "trtllm"
    default_block_tokens = TOKENS_PER_BLOCK
    summary = "TensorRT-LLM PyTorch backend, V1 KV-cache manager (read, not measured)"
    version = f"TensorRT-LLM @ {COMMIT[:10]}"
    rule = staticmethod(trtllm)
    default_utilization = 1.0

    def budget(self, gpu, weights_bytes: int, spec, opts: ServeOptions, tp: int, pp: int,
               kv_fmt) -> list[BudgetPart]:
        from .vllm import startup as vllm_memory

        total = gpu.usable_bytes
        parts = [BudgetPart("weights", "weights (this GPU's share)", weights_bytes,
                            "parameters × weight format, split as the parallel layers split them")]
        if opts.kv_cache_memory is not None:
            return finish_budget(total, 1.0, parts, opts.kv_cache_memory)
        tokens = opts.max_num_batched_tokens or MAX_NUM_TOKENS
        act = opts.activation_bytes if opts.activation_bytes is not None else \
            vllm_memory.activation_peak(spec, tokens, 0)
        non_torch = opts.non_torch_bytes if opts.non_torch_bytes is not None else \
            NON_TORCH_TP1 + (NON_TORCH_PER_TP if tp * pp > 1 else 0)
        parts += [BudgetPart("activation", "estimation-run peak (activations)", act,
                             "--activation-memory" if opts.activation_bytes is not None else
                             f"estimated for {tokens:,} tokens (vllm_memory.activation_peak)"),
                  BudgetPart("non_torch", "non-torch runtime (CUDA graphs, NCCL)", non_torch,
                             "--non-torch-memory" if opts.non_torch_bytes is not None else
                             "default estimate (trtllm.NON_TORCH_*)")]
        fraction = opts.gpu_memory_utilization if opts.gpu_memory_utilization is not None else FRACTION
        free = total - sum(p.bytes for p in parts)
        kv = int(free * fraction)
        return [*parts, BudgetPart("kv_cache", "KV cache", kv,
                                   f"free_gpu_memory_fraction {fraction:g} × (total − the parts above)"),
                BudgetPart("unused", "left free (1 − fraction)", free - kv, "")]

    def capacity(self, workers: list[Worker], gpu, opts: ServeOptions, kv_fmt,
                 model_dtype: str) -> Capacity:
        mml = opts.max_model_len or workers[0].spec.max_context or 0

        def grows(w):  # bytes one more block of tokens costs: recurrent state cancels out
            return (cache_bytes(w.spec, 2 * TOKENS_PER_BLOCK, 1, kv_fmt, self, model_dtype)
                    - cache_bytes(w.spec, TOKENS_PER_BLOCK, 1, kv_fmt, self, model_dtype))

        per_token = max(grows(w) for w in workers) // TOKENS_PER_BLOCK
        budget = min(w.kv_budget_bytes for w in workers)
        max_tokens = max(budget, 0) // per_token if per_token else 0
        blocks = max_tokens // TOKENS_PER_BLOCK
        pool = blocks * TOKENS_PER_BLOCK
        per_req = cdiv(mml, TOKENS_PER_BLOCK)
        conc = blocks / per_req if per_req else 0.0
        notes = []
        if pool < mml:
            notes.append(f"max_seq_len {mml:,} exceeds the pool's {pool:,} tokens: TensorRT-LLM cuts "
                         f"it to {pool:,} (_validate_and_adjust_attention_windows)")
        line = f"[MemUsageChange] Allocated {pool * per_token / 2**30:.2f} GiB for max tokens in paged KV cache ({pool})."
        detail = {"block_size": TOKENS_PER_BLOCK, "num_gpu_blocks": blocks, "bytes_per_token": per_token,
                  **({"note": notes[0]} if notes else {})}
        explain = (f"bytes per token = {per_token:,} (all attention layers, full length: no "
                   "max_attention_window given)",
                   f"max_tokens = budget // bytes per token = {budget:,} // {per_token:,} = {max_tokens:,}",
                   f"blocks = max_tokens // {TOKENS_PER_BLOCK} = {blocks:,}; pool = {pool:,} tokens",
                   *notes)
        return Capacity(blocks >= 1, mml, pool, conc, per_req * TOKENS_PER_BLOCK * per_token,
                        None if blocks >= 1 else "no room for a single 32-token block",
                        (line,), detail, explain)

    def max_batch(self, workers, gpu, cap: Capacity, opts, kv_fmt, model_dtype, ctx: int) -> int:
        blocks = cap.detail.get("num_gpu_blocks", 0)
        return blocks // cdiv(ctx, TOKENS_PER_BLOCK)

    def max_ctx(self, workers, gpu, cap: Capacity, opts, kv_fmt, model_dtype, batch: int, limit: int) -> int:
        return largest(lambda n: self.max_batch(workers, gpu, cap, opts, kv_fmt, model_dtype, n) >= batch,
                       limit)


ENGINE = TRTLLM()
