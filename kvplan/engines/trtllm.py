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
  keeps an MLA model at "at risk"; the multimodal encoder reserve; ``KvCacheConfig.max_tokens``;
  the all-to-all workspaces of expert parallelism with attention DP (``ep_alltoall_part``: allocated
  only with enable_attention_dp, sizes not read, so such a plan is "at risk" naming ``ep_alltoall``).
* Capacity: max_tokens = budget // bytes per token; blocks = max_tokens // 32; the pool holds
  blocks × 32 tokens. A ``max_seq_len`` longer than that is cut to it, not refused
  (_validate_and_adjust_attention_windows).
* The estimate's bytes a token against the pool's (TensorRT-LLM#5872): KvCacheCreator counts
  ``head_dim × num_key_value_heads // tp`` per layer (_util.py _get_cache_size_per_token; the
  same formula in later releases' resource_manager.py KVCacheManager.get_cache_size_per_token, as
  the code index stores 2026 versions of it), the pool
  whole KV heads, ``ceil(num_key_value_heads / tp)`` a rank (KVCacheManager.__init__
  num_kv_heads_per_layer). With fewer KV heads than ranks (Qwen3-235B-A22B's 4 at TP 8) the
  estimate counts half a head, the pool one. Before 1.1.0 (``pool_from_max_tokens``) the final
  pool is ``max_tokens`` of the pool's size, and KVCacheManager.calculate_max_num_blocks cuts it
  to free_gpu_memory_fraction × free memory only where the fraction is set: a kv_cache_config in
  trtllm-serve's extra_llm_api_options replaces the one carrying its
  --kv_cache_free_gpu_memory_fraction (llm_args.py update_llm_args_with_extra_dict:
  ``llm_args | llm_args_dict``), and KvCacheConfig's own default was None. kvplan cannot see
  which, so such a plan is "at risk", naming ``kv_estimate``, with the pool the estimate makes.
  From 1.1.0 the estimate is bytes (``max_gpu_total_bytes = kv_cache_max_memory``, "Estimated
  max memory in KV cache", as the 1.1.0 SRO-SA log prints): the mismatch moves no pool.
  Read, as stored in the code index for the 1.0.0rc period (forks; the v1.0.0rc tags could not
  be fetched: the repository is 2.5 GB and PyPI's 1.0.0rc1/rc3 are stubs for pypi.nvidia.com).
* max_seq_len (kvplan's --max-model-len): by default the length the model's config gives, and a
  longer one is lowered to it with a warning, not refused (``max_seq_len_limit``, read in
  tensorrt_llm/_torch/pyexecutor/model_engine.py at commit ``MODEL_ENGINE_COMMIT``,
  PyTorchModelEngine._init_max_seq_len and _infer_max_seq_len_from_config); a request longer
  than max_seq_len is refused (tensorrt_llm/executor/worker.py _deduce_max_tokens: "prompt
  length ... is larger than max_seq_len", a ValueError).
"""
from __future__ import annotations

import math
import re
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


# The first release read to size the final pool in bytes (_util.py after TensorRT-LLM PR #5933,
# "improve kvcache allocation in PyTorch runtime", merged 2025-08: estimate_max_tokens sets
# kv_cache_config.max_gpu_total_bytes): 1.1.0, whose round-20 SRO-SA log
# (sro-sa_rtx6000ada_tinyllama-1.1b_trtllm1.1.0_pytorch_frac0.9) prints "Estimated max memory in KV
# cache". Earlier releases set kv_cache_config.max_tokens ("Estimated max tokens in KV cache"); read
# for the 1.0.0rc period (TensorRT-LLM#5872's 1.0.0rc1 / rc3), 1.0.0 and the 1.1.0 candidates not
# read, taken as the earlier ones (the cautious side).
# Session 22 tried to read the 1.0.0 final / 1.1.0rc boundary from code and could not: PyPI's
# tensorrt-llm 1.0.0 is a stub sdist for pypi.nvidia.com (pip download fails at its metadata); the
# repository (2.5 GB) is over the 500 MB a fetch may bring; the code index stores one version of
# _torch/pyexecutor/_util.py a fork, not at release tags (venkywonka/TensorRT-LLM's version.py reads
# 1.0.2, its stored _util.py is of an older ExecutorConfig-era commit, 07b09a00, which still sets
# max_tokens). What was read: PR #5933's review thread (2025-07-14 to 2025-08-13, merged after) is the
# change; its non-VSWA path still writes max_tokens = kv_cache_max_memory // _get_kv_size_per_token()
# (the estimate's bytes a token) beside the bytes, so from 1.1.0 the pool holds the budget only through
# the byte cap (max_gpu_total_bytes; the 1.1.0 log above prints it); docs/source/release-notes.md
# (commit 001eaece) lists no such change under Release 1.0. So 1.0.0 final and every 1.1.0rc stay on the
# cautious side (rc < inf), unread.
POOL_IN_BYTES_FROM = (1, 1, 0, math.inf)


def release(version: str | None) -> tuple[int, int, int, float] | None:
    """(major, minor, patch, rc) of the TensorRT-LLM release ``version`` names ("1.0.0rc3", "1.1.0
    (PyTorch backend)"; rc = inf for a final release), None where it names none."""
    m = re.search(r"(\d+)\.(\d+)\.(\d+)(?:\s*rc\s*(\d+))?", version or "")
    if m is None:
        return None
    return int(m[1]), int(m[2]), int(m[3]), float(m[4]) if m[4] is not None else math.inf


def pool_from_max_tokens(version: str | None) -> bool:
    """Whether the release sizes its final pool as the estimate's ``max_tokens`` × the pool's
    bytes a token (before 1.1.0; module docstring). None, kvplan's read commit: no; a version
    that names no release kvplan can read: yes (the cautious side)."""
    if version is None:
        return False
    r = release(version)
    return r is None or r < POOL_IN_BYTES_FROM


def kv_geometry(spec) -> dict[str, tuple[int, int, int, int]]:
    """(num_key_value_heads, head_dim, v_dim, num_heads) of each cached, non-MLA attention layer
    type of the whole model (before the tensor-parallel split, which keeps one whole KV head a
    rank; num_heads / a rank's num_heads gives the split back)."""
    out = {}
    for name in spec.counts():
        lt = spec.layer_types[name]
        m = lt.mixer
        if not lt.kv_shared and not isinstance(m, MLA) and hasattr(m, "num_kv_heads"):
            out[name] = (m.num_kv_heads, m.head_dim, m.v_dim, m.num_heads)
    return out


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


# Expert parallelism's all-to-all workspaces (fused_moe/, read in the code index: WideEPMoE and
# CutlassFusedMoE select_alltoall_method_type, TRTLLMGenFusedMoE enable_alltoall, of the 1.0 - 1.2
# period). TensorRT-LLM allocates them only with attention data parallelism: the method is
# NotEnabled "if not mapping.enable_attention_dp" or "if mapping.tp_size == 1" (unless
# TRTLLM_FORCE_ALLTOALL_METHOD names one), and some releases also where moe_ep_size <= top_k; else
# MNNVL (MnnvlMoe.get_moe_workspaces, get_moe_prepare_workspace, where the NVLink fabric supports
# it), DeepEP / DeepEPLowLatency buffers (TRTLLM_CAN_USE_DEEP_EP=1) or, in later releases,
# NVLinkOneSided. Their sizes were not read. Without attention DP the MoE layers take the
# allgather / reducescatter (or all-reduce) path: no workspace beyond NCCL's (the non-torch term).
ALLTOALL_SRC = ("fused_moe/ select_alltoall_method_type (WideEPMoE, CutlassFusedMoE) and TRTLLMGenFusedMoE "
                "enable_alltoall, read in the code index")


def ep_alltoall_part(spec, opts: ServeOptions) -> BudgetPart | None:
    """The all-to-all workspace term of a MoE model planned with expert parallelism (kvplan's
    --enable-expert-parallel, TensorRT-LLM's moe_expert_parallel_size), None otherwise. With data-parallel
    attention replicas (TensorRT-LLM's enable_attention_dp) TensorRT-LLM may allocate the workspaces
    (MNNVL, DeepEP, NVLinkOneSided: sizes not read), so the term is unmodelled and the plan never
    "fits"; without, it allocates none (0 bytes, said)."""
    from ..model.spec import MoeMlp

    if not opts.enable_expert_parallel or not any(
            isinstance(spec.layer_types[lt].mlp, MoeMlp) for lt in spec.counts()):
        return None
    if opts.data_parallel_size > 1:
        return BudgetPart(
            "ep_alltoall", "all-to-all workspaces (EP, attention DP)", 0,
            "with enable_attention_dp and more than one rank TensorRT-LLM chooses an all-to-all method "
            "(MNNVL where the NVLink fabric supports it, DeepEP with TRTLLM_CAN_USE_DEEP_EP=1, NVLinkOneSided "
            f"in later releases; {ALLTOALL_SRC}) and allocates its workspaces, whose sizes kvplan has not read",
            unmodelled=True)
    return BudgetPart("ep_alltoall", "all-to-all workspaces (EP, no attention DP)", 0,
                      "none: without enable_attention_dp the all-to-all method is NotEnabled (unless "
                      f"TRTLLM_FORCE_ALLTOALL_METHOD names one; {ALLTOALL_SRC}), the MoE layers take the "
                      "allgather / reducescatter path")


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
# The second fit row, round 20's sro-sa_rtx6000ada_tinyllama-1.1b_trtllm1.1.0_pytorch_frac0.9 (kvplan
# -9.4 %: 35.55 GiB against the log's 39.26), decomposed in session 22: the CUDA total, kvplan's lowest
# observed RTX 6000 Ada figure 44.42 GiB against this card's 47.37 (ECC off; not an input):
# -2.95 x 0.9 = -2.65 GiB; this term, 2.55 GiB against the run's 2.51 of which 1.38 is the estimation's
# temporary cache (allocated outside torch, "tmp kv_mem 1.38 GiB") that _cal_max_memory adds back, so
# 1.13 net: -1.42 x 0.9 = -1.28 GiB; weights and activations, kvplan's 2.05 + 0.32 against torch's peak
# 2.23 + 0.39: +0.25 x 0.9 = +0.23 GiB. Sum -3.70 GiB (the gap: -3.71). Both cautious terms kept: the
# net figure of the bench3 row (2.55 - 0.13 = 2.42 GiB) would move that row from +1.2 % further over
# the log, and the card's ECC state is not known to a plan.
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

    def __init__(self, geometry: dict[str, tuple[int, int, int, int]] | None = None,
                 trtllm_version: str | None = None):
        self.geometry = geometry  # kv_geometry of the model planned (for_model); None: not resolved
        self.trtllm_version = trtllm_version

    def for_model(self, spec, gpu, opts: ServeOptions, kv_fmt: str, model_dtype: str,
                  pp: int = 1) -> "TRTLLM":
        return TRTLLM(kv_geometry(spec), opts.trtllm_version)

    def _grows(self, spec, kv_fmt, model_dtype: str) -> int:
        """Bytes one more block of tokens costs one rank: recurrent state cancels out."""
        return (cache_bytes(spec, 2 * TOKENS_PER_BLOCK, 1, kv_fmt, self, model_dtype)
                - cache_bytes(spec, TOKENS_PER_BLOCK, 1, kv_fmt, self, model_dtype))

    def estimate_bytes_per_token(self, spec, tp: int, kv_fmt, model_dtype: str) -> tuple[int, int, str] | None:
        """(the estimate's bytes a token, the pool's, how) on one rank holding ``spec`` (the rank's
        share), where they differ: fewer KV heads than ranks (module docstring). None where they
        agree, or where the model was not resolved (``for_model``). The estimate's figure is 0
        (not computed) for a mix of attention geometries: TensorRT-LLM averages the heads of a
        list and takes one head_dim, which kvplan does not follow."""
        geo = {n: g[:3] for n, g in (self.geometry or {}).items() if n in spec.counts()}
        split = {g for g in geo.values() if g[0] % tp}
        if not split:
            return None
        pool = self._grows(spec, kv_fmt, model_dtype) // TOKENS_PER_BLOCK
        if len(set(geo.values())) > 1 or any(hd != vd for _, hd, vd in geo.values()):
            return 0, pool, "a mix of attention geometries: the estimate's figure is not computed"
        (kv, hd, _), = split
        per_rank = -(-kv // tp)  # KVCacheManager: (num_kv_heads + tp_size − 1) // tp_size
        est = pool // (per_rank * hd) * (hd * kv // tp)
        return est, pool, (f"head_dim × KV heads // tp = {hd} × {kv} // {tp} = {hd * kv // tp} a layer "
                           f"against the pool's ceil({kv} / {tp}) = {per_rank} whole head{'s' * (per_rank > 1)}"
                           f" × {hd}")

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
        ep = ep_alltoall_part(spec, opts)
        if ep is not None:
            parts.append(ep)
        fraction = opts.gpu_memory_utilization if opts.gpu_memory_utilization is not None else FRACTION
        free = total - sum(p.bytes for p in parts)
        kv = int(free * fraction)
        src = f"free_gpu_memory_fraction {fraction:g} × (total − the parts above)"  # _cal_max_memory
        if opts.kv_cache_memory is not None:  # max_gpu_total_bytes: min(estimate, cap)
            src += f"; capped by max_gpu_total_bytes (--kv-cache-memory {opts.kv_cache_memory:,})"
            kv = min(kv, opts.kv_cache_memory)
        gap = self.estimate_bytes_per_token(spec, tp, kv_fmt, spec.dtype) \
            if pool_from_max_tokens(self.trtllm_version) else None
        if gap is not None:
            parts.append(self._estimate_part(gap, kv, free))
        return [*parts, BudgetPart("kv_cache", "KV cache", kv, src),
                BudgetPart("unused", "left free (1 − fraction)" if opts.kv_cache_memory is None else "left free",
                           total - sum(p.bytes for p in parts) - kv, "")]

    def _estimate_notes(self, spec, kv_fmt, model_dtype: str) -> list[str]:
        """The estimate's bytes a token against the pool's, for --explain, where they differ."""
        geo = [(g[3], spec.layer_types[n].mixer.num_heads) for n, g in (self.geometry or {}).items()
               if n in spec.counts()]
        gap = self.estimate_bytes_per_token(spec, geo[0][0] // geo[0][1], kv_fmt, model_dtype) if geo else None
        if gap is None:
            return []
        est, pool, how = gap
        head = (f"TensorRT-LLM's estimate counts {est:,} bytes a token ({how}), the pool {pool:,} "
                "(_util.py KvCacheCreator._get_cache_size_per_token, resource_manager.py KVCacheManager)")
        if pool_from_max_tokens(self.trtllm_version):
            return [f"{head}: TensorRT-LLM {self.trtllm_version} sizes the pool from that token count "
                    "(before 1.1.0): at risk, kv_estimate"]
        return [f"{head}: from 1.1.0 (and at kvplan's read commit) the estimate is bytes (max_gpu_total_bytes), "
                "so the pool holds the budget; a release before 1.1.0 (--engine-version) sizes the pool "
                f"from that token count, {pool / est:.2f} × the budget where free_gpu_memory_fraction is "
                "unset (TensorRT-LLM#5872)" if est else
                f"{head}: from 1.1.0 (and at kvplan's read commit) the estimate is bytes, so the pool holds the "
                "budget; before 1.1.0 (--engine-version) the pool is sized from that token count"]

    def _estimate_part(self, gap: tuple[int, int, str], kv: int, free: int) -> BudgetPart:
        """The pool a release before 1.1.0 makes of ``kv`` bytes of budget where the estimate's bytes
        a token are fewer than the pool's (module docstring), as an unmodelled part: whether
        free_gpu_memory_fraction was set, which decides it, is not an input."""
        est, pool, how = gap
        rel = f"TensorRT-LLM {self.trtllm_version}"
        if est:
            made = kv // est * pool  # max_tokens = budget // estimate's bytes; the pool: that × its own
            size = (f"a pool of max_tokens {kv // est:,} × {pool:,} = {made / 2**30:.2f} GiB "
                    f"({pool / est:.2f} × the budget) against {free / 2**30:.2f} GiB free: "
                    + ("more than the GPU has, so creating the KV cache runs out of memory "
                       "(TensorRT-LLM#5872)" if made > free else "what is left for the run shrinks"))
        else:
            size = "a pool larger than the budget, by a factor kvplan does not compute"
        return BudgetPart(
            "kv_estimate", "KV estimate (KV heads < TP)", 0,
            f"{rel} sizes max_tokens with {est:,} bytes a token ({how}; _util.py KvCacheCreator"
            f"._get_cache_size_per_token) and the pool holds {pool:,}; where free_gpu_memory_fraction is "
            "unset (a kv_cache_config in trtllm-serve's extra_llm_api_options replaces the CLI's, "
            "llm_args.py update_llm_args_with_extra_dict; KvCacheConfig's default None), "
            f"resource_manager.py calculate_max_num_blocks takes max_tokens as it is: {size}; with the "
            "fraction set it cuts the pool to fraction × free memory", unmodelled=True)

    rejects_beyond_max_model_len = True  # worker.py _deduce_max_tokens (module docstring)

    def context_limit(self, spec) -> tuple[int, str] | None:
        limit, how = max_seq_len_limit(spec)
        return limit, (f"TensorRT-LLM lowers a longer max_seq_len to it ({how}; "
                       "_torch/pyexecutor/model_engine.py _init_max_seq_len)")

    def capacity(self, workers: list[Worker], gpu, opts: ServeOptions, kv_fmt,
                 model_dtype: str) -> Capacity:
        limit, how = max_seq_len_limit(workers[0].spec)
        mml = min(opts.max_model_len or limit, limit)

        per_token = max(self._grows(w.spec, kv_fmt, model_dtype) for w in workers) // TOKENS_PER_BLOCK
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
                   *notes, *self._estimate_notes(workers[0].spec, kv_fmt, model_dtype))
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
