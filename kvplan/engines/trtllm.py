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
* Budget (_util.py KvCacheCreator, term by term):
  ``configure_kv_cache_capacity`` runs the estimation (dummy context requests filling
  ``max_num_tokens``, 8192 by default) on a temporary cache, then
  ``peak_memory = torch_peak_memory + extra_cost`` (torch's allocated peak, weights included,
  plus ``extra_cost`` = what the driver shows used beyond torch's allocations after the run:
  CUDA context, NCCL, CUDA graphs), and ``_cal_max_memory``:
  ``(total_gpu_memory − peak_memory + allocated_bytes) × free_gpu_memory_fraction``, where
  ``allocated_bytes`` (the temporary cache, inside the peak) is added back, so it cancels. kvplan
  charges weights (computed), the estimation run's activations (estimated like vLLM's profile
  forward, no sampler pass: ``max_tokens=1`` per dummy request) and the non-torch share
  (fitted on one TensorRT-LLM log at TP 1, NON_TORCH_TP1), each estimated term with an uncertainty, then
  ``max_tokens = tokens_for_budget(budget)`` (budget // bytes per token). A user's
  ``max_gpu_total_bytes`` (kvplan's ``--kv-cache-memory``) is a cap: ``min(estimate, cap)``, not
  a fixed size. Not modelled: ``get_mla_context_workspace_reserve`` (MLA with block reuse and
  no chunked prefill, KvCacheConfig's defaults: up to budget × w / (k + w) off the cache, w the
  attention backend's ``runtime_workspace_bytes_per_token``, not read), said as a term that
  keeps an MLA model at "at risk"; the multimodal encoder reserve; ``KvCacheConfig.max_tokens``.
* Capacity: max_tokens = budget // bytes per token; blocks = max_tokens // 32; the pool holds
  blocks × 32 tokens. A ``max_seq_len`` longer than that is cut to it, not refused
  (_validate_and_adjust_attention_windows).
* max_seq_len (kvplan's --max-model-len): by default the length the model's config gives, and a
  longer one is lowered to it with a warning, not refused (``max_seq_len_limit``, read in
  tensorrt_llm/_torch/pyexecutor/model_engine.py at commit ``MODEL_ENGINE_COMMIT``,
  PyTorchModelEngine._init_max_seq_len and _infer_max_seq_len_from_config); a request longer
  than max_seq_len is refused (tensorrt_llm/executor/worker.py _deduce_max_tokens: "prompt
  length ... is larger than max_seq_len", a ValueError).
"""
from __future__ import annotations

import math
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
MODEL_ENGINE_COMMIT = "1a0dc5f70054f66d892df6a964996fc5ead6f81e"  # _torch/pyexecutor/model_engine.py, as read
# model_engine.py _infer_max_seq_len_from_config: "inferred_max_seq_len = 2048" where the config
# states no max_position_embeddings; the rope factor scales it unless the rope type is one of these
DEFAULT_MAX_SEQ_LEN = 2048
UNSCALED_ROPE = frozenset({"su", "longrope", "llama3", "yarn"})


def max_seq_len_limit(spec) -> tuple[int, str]:
    """The longest max_seq_len TensorRT-LLM's PyTorch backend keeps for ``spec``, and how it is
    derived (model_engine.py _infer_max_seq_len_from_config): max_position_embeddings (2048 where
    the config states none), times the rope factor, rounded up, unless the rope type is one of
    ``UNSCALED_ROPE``. _init_max_seq_len uses it when no max_seq_len is given and lowers a longer
    one to it ("Specified max_seq_len=... is larger than what the model can support")."""
    limit, how = (spec.max_context, "max_position_embeddings") if spec.max_context else \
        (DEFAULT_MAX_SEQ_LEN, "TensorRT-LLM's default: the config states no max_position_embeddings")
    rope = spec.rope
    if rope is not None and rope.factor is not None and rope.factor != 1 and rope.type not in UNSCALED_ROPE:
        how = f"{how} {limit:,} × {rope.type} rope factor {rope.factor:g}"
        limit = math.ceil(limit * rope.factor)
    return limit, how


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


# _util.py configure_kv_cache_capacity: extra_cost = what the driver shows used beyond torch's
# allocations after the estimation run, which comes after the warmup (autotuner, CUDA graphs for
# every batch size up to max_batch_size), so it holds the CUDA context, cuBLAS, the CUDA graphs'
# non-torch part, the C++ runtime's buffers and, at TP > 1, NCCL.
# NON_TORCH_TP1: fitted on fit and seen rows (session 12; 1,152 MiB before, kept from kvplan's
# earlier vLLM defaults): the one TensorRT-LLM PyTorch-backend log that states it, round 8's fit
# side, bench3_h200_llama-3-8b_trtllm1.2.0rc4_pytorch_frac0.9
# (https://github.com/faradawn/bench3/blob/64ae4f53eaf341cac03be15bf7b0e59960310486/logs/trtllm-serve-egine.log,
# TensorRT-LLM 1.2.0rc4, Llama-3-8B on one H200, max_batch_size 32): "Memory used outside torch
# (e.g., NCCL and CUDA graphs) in memory usage profiling: 2.55 GiB", rounded up to a MiB. Taken
# as printed, the cautious side: it holds the 0.13 GiB temporary cache ("tmp kv_mem 0.13 GiB")
# that _cal_max_memory adds back, which here covers the torch memory kvplan's activation estimate
# leaves out ("Memory used after loading model weights (inside torch) ... 15.06 GiB" against 14.96
# of weights, plus "Memory dynamically allocated during inference (inside torch) ... 0.14 GiB"
# against kvplan's 0.10). One log at 32 batch sizes: larger max_batch_size captures more graphs,
# so the term keeps an uncertainty as large as itself.
NON_TORCH_TP1 = 2612 * 2**20
# NON_TORCH_PER_TP: kept from kvplan's earlier vLLM defaults (no TensorRT-LLM log at TP > 1).
NON_TORCH_PER_TP = 1280 * 2**20

class TRTLLM(Engine):
    name = "trtllm"
    display = "TensorRT-LLM"
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
        tokens = opts.max_num_batched_tokens or MAX_NUM_TOKENS
        if opts.activation_bytes is not None:
            act, act_src, act_unc = opts.activation_bytes, "--activation-memory", 0
        else:
            act = vllm_memory.activation_peak(spec, tokens, 0)
            act_src = f"estimated for {tokens:,} tokens (vllm_memory.activation_peak)"  # torch peak − weights
            act_unc = vllm_memory.const("activation_non_torch_uncertainty_bytes")
        if opts.non_torch_bytes is not None:
            nt, nt_src, nt_unc = opts.non_torch_bytes, "--non-torch-memory", 0
        else:
            nt = NON_TORCH_TP1 + (NON_TORCH_PER_TP if tp * pp > 1 else 0)
            nt_src, nt_unc = ("fitted on one TensorRT-LLM log at TP 1 (trtllm.NON_TORCH_TP1); "
                             "NCCL at TP > 1 a default estimate"), nt  # _util.py extra_cost
        parts += [BudgetPart("activation", "estimation-run peak (activations)", act, act_src, act_unc),
                  BudgetPart("non_torch", "non-torch runtime (CUDA graphs, NCCL)", nt, nt_src, nt_unc)]
        if any(isinstance(spec.layer_types[lt].mixer, MLA) for lt in spec.counts()):
            parts.append(BudgetPart(
                "mla_workspace", "context-MLA workspace reserve", 0,
                "_util.py get_mla_context_workspace_reserve: with block reuse on and chunked prefill off "
                "(the defaults) TensorRT-LLM may take up to budget × w / (k + w) off the cache; w, the "
                "backend's runtime_workspace_bytes_per_token, was not read", unmodelled=True))
        fraction = opts.gpu_memory_utilization if opts.gpu_memory_utilization is not None else FRACTION
        free = total - sum(p.bytes for p in parts)
        kv = int(free * fraction)
        src = f"free_gpu_memory_fraction {fraction:g} × (total − the parts above)"  # _cal_max_memory
        if opts.kv_cache_memory is not None:  # max_gpu_total_bytes: min(estimate, cap)
            src += f"; capped by max_gpu_total_bytes (--kv-cache-memory {opts.kv_cache_memory:,})"
            kv = min(kv, opts.kv_cache_memory)
        return [*parts, BudgetPart("kv_cache", "KV cache", kv, src),
                BudgetPart("unused", "left free (1 − fraction)" if opts.kv_cache_memory is None else "left free",
                           total - sum(p.bytes for p in parts) - kv, "")]

    rejects_beyond_max_model_len = True  # worker.py _deduce_max_tokens (module docstring)

    def context_limit(self, spec) -> tuple[int, str] | None:
        limit, how = max_seq_len_limit(spec)
        return limit, (f"TensorRT-LLM lowers a longer max_seq_len to it ({how}; "
                       "_torch/pyexecutor/model_engine.py _init_max_seq_len)")

    def capacity(self, workers: list[Worker], gpu, opts: ServeOptions, kv_fmt,
                 model_dtype: str) -> Capacity:
        limit, how = max_seq_len_limit(workers[0].spec)
        mml = min(opts.max_model_len or limit, limit)

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
        if opts.max_model_len and opts.max_model_len > limit:
            notes.append(f"max_seq_len {opts.max_model_len:,} is longer than TensorRT-LLM takes for "
                         f"{workers[0].spec.name} ({limit:,}: {how}): it lowers it to {limit:,} "
                         "(model_engine.py _init_max_seq_len)")
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
