"""vLLM's start-up budget: everything on a GPU that is neither weights nor KV cache.

vLLM 0.33 (v1/worker/gpu_worker.py, Worker.determine_available_memory and init_device;
utils/mem_utils.py, memory_profiling; v1/worker/utils.py, request_memory):

    requested    = ceil(total × gpu_memory_utilization)       total: cudaMemGetInfo's total
    available KV = requested − (weights + non-torch growth + torch's transient peak)
                   − CUDA-graph estimate

* the snapshot the growth is measured from is taken in ``init_device`` *after* the distributed
  environment (NCCL, custom all-reduce) and the cuBLAS/cuBLASLt handles are created, so in 0.33
  those are outside the budget; older V1 releases took it before NCCL (a log's non-torch line
  then includes NCCL);
* the transient peak is the profile run (v1/worker/gpu/model_runner.py, GPUModelRunner.profile_run):
  a forward over ``max_num_batched_tokens`` tokens with attention skipped, then
  ``_dummy_sampler_run`` over ``min(max_num_seqs, max_num_batched_tokens)`` rows (one logit row
  per dummy request, ``_dummy_run``'s ``num_reqs``) of the *gathered* vocabulary (the LM head's
  logits are all-gathered over TP, model_executor/layers/logits_processor.py
  LogitsProcessor._gather_logits, so this part does not shrink with TP), run twice, the second
  time with ``SamplingParams.for_sampler_warmup()`` through the fp32 pipeline;
* which runner profiles follows the release (startup.yaml model_runner, read in each release's
  config/vllm.py VllmConfig.use_v2_model_runner): the V1 runner up to 0.21; the V2 runner by
  default for some dense models from 0.22.0 (Qwen3), 0.23.0 (Llama, Mistral, Qwen3), 0.24.0, every
  dense model from 0.25.0 and every model in 0.33.0. The V2 runner's profile sampler pass in 0.22.0
  to 0.28.0 runs with no top-k / top-p (6 bytes a logit, 2 in 0.28.0; ``ServeOptions.vllm_version``
  picks the release, check-log reads it from the log); where the runner or its sampler is not
  known (a release not read, a drafter, 0.33's two-pass V2 warm-up) the V1 figure is charged and
  the gap to the logits alone is carried as uncertainty ("at risk");
* the CUDA-graph estimate (v1/worker/gpu/cudagraph_utils.py, profile_cudagraph_memory: captures
  into a throwaway pool, extrapolating FULL graphs from the largest few) is subtracted when
  ``VLLM_MEMORY_PROFILER_ESTIMATE_CUDAGRAPHS`` is on, its default in 0.33 (envs.py); V1
  releases before 0.21 captured graphs after sizing the cache and charged nothing.

The sampler's bytes per logit and PyTorch's cuBLAS workspace follow from code (startup.yaml, with
the tensors named); the V1 runner's sampler path (FlashInfer, the Triton top-k/top-p or the sort)
follows the release and, up to 0.11, the log's FlashInfer line (``v1_sampler_peak``). kvplan cannot run the forward, so the non-torch growth, the CUDA-graph
estimate and the MXFP4 post-load growth are fitted constants: the MXFP4 growth and the graphs on
the FIT half of the public start-up logs, the non-torch growth (session 11) on every fit and seen
log that states it (scripts/fit_startup_constants.py; tests/data/startup_logs_split.json),
stored with their sources in startup.yaml beside this module. Each estimated term carries an
uncertainty (``BudgetPart.uncertainty``), which the verdict (kvplan.plan.verdict) uses to say
"at risk". Facts copied, not code.
"""
from __future__ import annotations

from ...model import dtypes
from ...model.spec import MoeMlp
from ..base import BudgetPart
from .non_torch import (cuda_context, nccl_before_snapshot, no_peer_access, non_torch,  # noqa: F401
                        non_torch_extra_tp, non_torch_part, nvls_group, pcie_only, snapshot_before_nccl,
                        whole_non_torch)
from .compile_part import torch_compile_part
from .graphs import capture_graphs, capture_sizes, cuda_graph_estimate  # noqa: F401
from .moe_workspace import kept_bytes, workspace_values
from .settings import VERSION
from .startup_data import _data, _release, const, constants  # noqa: F401

MiB = 2**20
GiB = 2**30


def forward_peak(spec, tokens: int) -> int:
    """The profile forward's transient peak for one rank (``spec`` already sharded by TP), a
    shape estimate: the residual stream and hidden state (2 × hidden) plus the widest layer's
    intermediates in the model's 16-bit dtype: an MLP's gate+up and activation (3 ×
    intermediate); an MoE layer's fused-MoE workspaces (below) plus the shared expert (3 × its
    intermediate); attention's q, k, v and output
    (an MLA layer: the decompressed heads and the latent). FP8 linears (ModelOpt per-tensor,
    compressed-tensors FP8-dynamic: Fp8LinearOp quantizes each GEMM input to a 1-byte copy plus
    a scale) never raise a dense MLP's peak: at the down projection the bf16 activation, its fp8
    copy, the output and the two [tokens, hidden] tensors the layer holds (the normed input and
    the residual) are 3 × intermediate + 6 × hidden bytes a token, below the 6 × intermediate +
    4 × hidden at SiluAndMul (gate_up and its output) whenever intermediate ≥ hidden.

    The fused-MoE workspaces, from code (vLLM 0.15.1 model_executor/layers/fused_moe:
    FusedMoEModularKernel._allocate_buffers takes workspace13 and workspace2 at once, the output
    sharing workspace13's memory when the tokens fit one chunk of VLLM_FUSED_MOE_CHUNK_SIZE,
    16,384; TritonExperts.workspace_shapes (M, top-k, max(I, K)) and (M, top-k, max(2·I, K)),
    DeepGemmExperts and CutlassExpertsFp8 the same widths over M·top-k rows, Marlin's the same
    sizes): top-k × (max(I, K) + max(2·I, K)) values a token, I the rank's expert intermediate and
    K the hidden (or latent) width. Where I ≥ K this is 3 × I × top-k; fine-grained experts (I <
    K/2: Qwen3 MoE, DeepSeek) take 2 × K × top-k. Not priced: DeepGEMM's per-expert alignment
    of M (deep_gemm_moe.py compute_aligned_M) and chunks past 16,384 tokens."""
    h = spec.hidden_size
    widest = 0
    for lt in spec.counts():
        layer = spec.layer_types[lt]
        m = layer.mixer
        attn = 0
        if hasattr(m, "num_kv_heads"):
            attn = (2 * m.num_heads + 2 * m.num_kv_heads) * m.head_dim
        elif hasattr(m, "kv_lora_rank"):
            attn = m.num_heads * (m.qk_nope_head_dim + m.qk_rope_head_dim + m.v_head_dim) \
                + m.kv_lora_rank
        mlp = 0
        if layer.mlp is not None:
            i = layer.mlp.intermediate_size
            mlp = 3 * i
            if isinstance(layer.mlp, MoeMlp):
                mlp = workspace_values(layer.mlp, h) + 3 * layer.mlp.shared_intermediate_size
        widest = max(widest, attn, mlp)
    return tokens * (2 * h + widest) * 2


def sampler_peak(spec, tp: int, tokens: int, seqs: int, bytes_per_logit: int | None = None) -> int:
    """``_dummy_sampler_run`` (v1/worker/gpu_model_runner.py, vLLM 0.11.0, 0.15.1 and 0.33's V1
    runner) over min(max_num_seqs, max_num_batched_tokens) rows of the gathered (64-padded)
    vocabulary, from code (startup.yaml sampler_bytes_per_logit: the tensors alive while
    v1/sample/ops/topk_topp_sampler.py apply_top_k_top_p sorts), plus what the profile run still
    holds: the dummy forward's hidden states over ``tokens`` (profile_run keeps them across the
    sampler), the gathered rows and their ``rand_like`` copy, all in the 16-bit dtype. 0 without
    a sampler pass (``seqs`` 0: TensorRT-LLM's estimation run).

    With ``bytes_per_logit`` (the V2 runner's, startup.yaml model_runner): its dummy pass
    (v1/worker/gpu/model_runner.py _dummy_sampler_run; 0.22.0 to 0.28.0 one pass, 0.33.0 a second
    with SamplingParams.for_sampler_warmup()) holds that many bytes a logit, gumbel_sample's
    per-block argmax and max (12 bytes a row and block of sampler_v2_gumbel_block entries), the
    forward's hidden states and the gathered rows (no ``rand_like`` copy)."""
    rows = min(seqs, tokens)
    if rows <= 0:
        return 0
    vocab = spec.vocab_size * tp  # spec.vocab_size is the rank's padded share
    if bytes_per_logit is not None:
        blocks = -(-vocab // const("sampler_v2_gumbel_block"))
        return rows * vocab * bytes_per_logit + rows * blocks * 12 + (tokens + rows) * spec.hidden_size * 2
    held = (tokens + 2 * rows) * spec.hidden_size * 2
    return rows * vocab * const("sampler_bytes_per_logit") + held


def penalty_state(spec, tp: int, seqs: int) -> int:
    """The V2 sampler's penalty counts, built with the sampler in load_model and kept (vLLM 0.33.0
    v1/worker/gpu/sample/penalties.py PenaltiesState.__init__: output_bin_counts, max_num_seqs x
    vocab int32, and prompt_bin_mask, max_num_seqs x cdiv(vocab, 32) int32); 0.33's
    memory_profiling counts them (startup.yaml v2_sampler_0_33_source)."""
    vocab = spec.vocab_size * tp  # the padded vocabulary, at least vLLM's unpadded one
    return max(seqs, 0) * (vocab + -(-vocab // 32)) * 4


def _range(ranges: list[dict], version: str | None) -> dict | None:
    """The range of ``ranges`` (each with ``first`` and ``last``) holding ``version``; None where
    none does or no release can be read. ``0.11.x`` counts where every 0.11 release and build
    falls in one range."""
    import re

    if (m := re.match(r"\s*v?(\d+)\.(\d+)\.x\b", version or "")):
        lo, hi = (_range(ranges, f"{m.group(1)}.{m.group(2)}.{p}") for p in ("0rc0", "999"))
        return lo if lo is not None and lo is hi else None
    key = _release(version)
    if key is None:
        return None
    for r in ranges:
        lo, hi = _release(r["first"]), _release(r["last"])
        if lo <= key <= hi:
            return r
    return None


def runner_range(version: str | None) -> dict | None:
    """The startup.yaml model_runner range holding ``version`` (None where the release is not
    read, or none can be read from the string)."""
    return _range(_data()["model_runner"]["ranges"], version)


def v1_sampler_range(version: str | None) -> dict | None:
    """The startup.yaml v1_sampler range holding ``version``: which top-k/top-p path the V1
    runner's profile sampler pass takes in that release."""
    return _range(_data()["v1_sampler"]["ranges"], version)


def _v1_const(name: str) -> int:
    return int(_data()["v1_sampler"][name]["value"])


def triton_buffer_rows(rows: int, sms: int | None) -> int:
    """Vocabulary rows of the Triton top-k/top-p buffer (startup.yaml triton_bytes_per_logit):
    min(next_power_of_2(min(SMs, rows)), SMs); next_power_of_2(rows) where the SMs are not known."""
    pow2 = 1 << max(min(sms or rows, rows) - 1, 0).bit_length()
    return min(pow2, sms) if sms else pow2


def v1_sampler_peak(spec, tp: int, tokens: int, seqs: int, version: str | None,
                    flashinfer: bool | None = None, sms: int | None = None) -> tuple[int, int, str]:
    """(bytes charged, the lowest the pass can hold, why) for the V1 model runner's
    ``_dummy_sampler_run`` in vLLM ``version``, from code (startup.yaml v1_sampler, read in the
    0.10.1.1 to 0.21.0 wheels): FlashInfer's top-k/top-p (14 bytes a logit), the Triton
    top-k/top-p of forward_native (14, plus its buffer of ``triton_buffer_rows`` vocabulary rows in
    float32, by the card's SMs ``sms``) or the sort (38, ``sampler_peak``), plus what the profile run still holds
    (the forward's hidden states, the gathered rows and their ``rand_like`` copy). ``flashinfer``:
    whether the log shows FlashInfer's sampler in use (None: not known). Where the path depends on
    whether FlashInfer is installed (up to 0.11) and the log does not say, the sort is charged and
    FlashInfer's figure is the lowest; so too for a release in no range (a pre-release at an edge)."""
    rows = min(seqs, tokens)
    sort = sampler_peak(spec, tp, tokens, seqs)
    if rows <= 0:
        return 0, 0, ""
    vocab = spec.vocab_size * tp
    held = (tokens + 2 * rows) * spec.hidden_size * 2
    fi = rows * vocab * _v1_const("flashinfer_bytes_per_logit") + held
    small = rows < _v1_const("triton_min_rows")
    buf = triton_buffer_rows(rows, sms)
    triton = rows * vocab * _v1_const("triton_bytes_per_logit") + buf * vocab * 4 + held
    rng = v1_sampler_range(version)
    rule = rng["rule"] if rng else None
    native = ("the sort (38 bytes a logit)" if small else
              f"forward_native's Triton top-k/top-p (14 bytes a logit + its buffer of {buf:,} rows"
              + (f", the card's {sms} SMs)" if sms else ")"))
    if rule == "flashinfer_if_installed":
        if flashinfer:
            return fi, fi, "the V1 sampler through FlashInfer (the log says so): 14 bytes a logit"
        if flashinfer is False:
            return sort, sort, "the V1 sampler's sort (FlashInfer not in use, as the log says): 38 bytes a logit"
        return sort, fi, ("the V1 sampler's sort charged (38 bytes a logit); vLLM before 0.12 takes FlashInfer's "
                          "sampler (14) where FlashInfer is installed, which the log would say, so at risk down to it")
    if rule in ("opt_in_sort", "opt_in_triton") and flashinfer:
        return fi, fi, "the V1 sampler through FlashInfer (VLLM_USE_FLASHINFER_SAMPLER=1, as the log says): 14 bytes a logit"
    if rule == "opt_in_triton" or rule == "flashinfer_default_two_passes":
        peak = sort if small else triton
        why = ("FlashInfer first, then " if rule == "flashinfer_default_two_passes" else "") + native
        return peak, peak, f"the V1 sampler pass: {why}"
    if rule is None:  # a pre-release at an edge, or no release read: the sort, at risk down to FlashInfer's
        return sort, fi, ("the V1 sampler's sort charged (38 bytes a logit); a release whose sampler path "
                          "kvplan has not read, so at risk down to FlashInfer's 14")
    return sort, sort, "the V1 sampler's sort: 38 bytes a logit"


def graphs_charged(version: str | None) -> bool | None:
    """Whether the V1 runner of vLLM ``version`` subtracts its CUDA-graph estimate from the KV
    budget (startup.yaml cuda_graph_estimate_charged_from, read in each release's
    v1/worker/gpu_worker.py determine_available_memory and envs.py): True from 0.20.0 (its
    pre-releases included), False up to 0.19.0, where the graphs are captured after the KV cache
    is sized; None where kvplan cannot tell (a release between the two, or none readable).
    ``0.11.x`` reads as its minor release (``0.19.x`` holds releases not read: None)."""
    import re

    rule = _data()["cuda_graph_estimate_charged_from"]
    first, last = _release(rule["release"]), _release(rule["last_without"])
    if (m := re.match(r"\s*v?(\d+)\.(\d+)\.x\b", version or "")):
        minor = (int(m.group(1)), int(m.group(2)))
        return True if minor >= first[:2] else False if minor < last[:2] else None
    key = _release(version)
    if key is None:
        return None
    return True if key >= first[:3] + (0,) else False if key <= last else None


def graphs_after_sizing(spec, opts) -> tuple[int, int]:
    """(bytes, uncertainty) of the CUDA-graph pool vLLM captures after sizing the KV cache and
    charges in no budget: the V1 runner up to 0.19 (``graphs_charged`` False) and the V2 runner of
    0.22.0 to 0.28.0 (no estimate, startup.yaml model_runner), both through
    gpu_worker.py compile_or_warm_up_model's capture_model once initialize_from_config has
    allocated the cache; the fitted cuda_graph_bytes with its uncertainty, checked against what
    the share leaves (plan/verdict.py _post_sizing). (0, 0) where the budget charges them, under
    --enforce-eager, or where the user set their size (--cuda-graph-memory)."""
    if opts.enforce_eager or opts.cuda_graph_bytes is not None:
        return 0, 0
    if graphs_charged(opts.vllm_version or VERSION) is False or _v2_without_graph_estimate(spec, opts):
        return const("cuda_graph_bytes"), const("cuda_graph_uncertainty_bytes")
    return 0, 0


def _v2_without_graph_estimate(spec, opts) -> bool:
    """Whether the profile runs on a V2 runner whose profile_cudagraph_memory returns 0 (vLLM
    0.22.0 to 0.28.0, startup.yaml model_runner: a range with v2_bytes_per_logit and no
    v2_cudagraph_estimate)."""
    ver = opts.vllm_version or VERSION
    rng = runner_range(ver) or {}
    return (rng.get("v2_bytes_per_logit") is not None and not rng.get("v2_cudagraph_estimate")
            and model_runner(spec, opts, ver)[0] == "v2")


def _moe(spec) -> bool:
    return any(isinstance(spec.layer_types[lt].mlp, MoeMlp) for lt in spec.counts())


def _attention(mixer) -> bool:
    return hasattr(mixer, "num_kv_heads") or hasattr(mixer, "kv_lora_rank")


def model_runner(spec, opts, version: str | None) -> tuple[str | None, str]:
    """("v1" | "v2" | None, why): the model runner vLLM ``version`` picks by default for ``spec``
    (vllm/config/vllm.py VllmConfig.use_v2_model_runner, per release in startup.yaml
    model_runner); None where kvplan cannot tell (a release not read, or a drafter)."""
    rng = runner_range(version)
    if rng is None:
        return None, f"vLLM {version or '(release not given)'}: a release whose model runner kvplan has not read"
    if rng["rule"] == "v1":
        return "v1", f"vLLM {version}: the V1 model runner (V2 only with VLLM_USE_V2_MODEL_RUNNER=1)"
    if getattr(opts, "speculative_config", None) is not None:
        return None, f"vLLM {version} with a drafter: the V2 runner takes some methods and not others"
    mixers = [spec.layer_types[lt].mixer for lt in spec.counts()]
    attn = [m for m in mixers if _attention(m)]
    hybrid = bool(attn) and len(attn) < len(mixers) and any(hasattr(m, "conv_kernel") for m in mixers)
    listed = spec.family in rng.get("families", [])
    moe, quant = _moe(spec), spec.weight_quant is not None
    v2 = {"listed_dense_unquantized": listed and not moe and not quant,
          "listed": listed,
          "dense_or_listed": bool(attn) and (listed or (not moe and not hybrid)),
          "all": True}[rng["rule"]]
    what = f"{'MoE' if moe else 'dense'}{', quantized' if quant else ''}, {spec.family or 'family not given'}"
    return ("v2" if v2 else "v1"), f"vLLM {version}: the {'V2' if v2 else 'V1'} model runner by default ({what})"


def blas_workspace(gpu) -> int:
    """PyTorch's cuBLAS workspace, allocated through the caching allocator at the profile run's
    first GEMM and kept (aten/src/ATen/cuda/CublasHandlePool.cpp getChosenWorkspaceSize, no
    CUBLAS_WORKSPACE_CONFIG): ``:4096:8`` on sm90 and sm100, else ``:4096:2:16:8``."""
    from .settings import capability

    cap = capability(gpu) if gpu is not None else None
    big = cap is not None and cap // 10 in (9, 10)
    return const("cublas_workspace_bytes_sm90" if big else "cublas_workspace_bytes")


def activation_peak(spec, tokens: int, seqs: int, tp: int = 1) -> int:
    """The transient torch peak of the profile run: the forward, then the sampler, whichever is
    larger (the forward's activations but its output are freed before the sampler runs)."""
    return max(forward_peak(spec, tokens), sampler_peak(spec, tp, tokens, seqs))


def mxfp4_growth(spec, gpu) -> int:
    """Bytes vLLM's MXFP4 MoE method adds to the rank's MXFP4 experts after loading
    (model_executor/layers/quantization/mxfp4.py, Mxfp4MoEMethod.process_weights_after_loading:
    the Marlin repack or the triton_kernels swizzle with padded dimensions): on compute capability
    10.x from code (``mxfp4_growth_sm100``), else fitted per compute capability (startup.yaml);
    0 for other formats."""
    from .settings import capability

    q = spec.weight_quant
    if q is None or q.format != "mxfp4":
        return 0
    if mxfp4_from_code(gpu):
        return mxfp4_growth_sm100(spec)
    cap = capability(gpu) if gpu is not None else None
    key = "mxfp4_growth_ppm_sm90" if cap is not None and cap >= 90 else "mxfp4_growth_ppm_sm80"
    mx = sum(n * q.matrix_bytes(o, i) for o, i, n in spec.quantized_matrices())
    return mx * const(key) // 1_000_000


def mxfp4_from_code(gpu) -> bool:
    """Whether the MXFP4 growth on ``gpu`` follows from vLLM's code (compute capability 10.x)."""
    from .settings import capability

    cap = capability(gpu) if gpu is not None else None
    return cap is not None and cap // 10 == 10


def mxfp4_growth_sm100(spec) -> int:
    """The MXFP4 experts as vLLM loads them on compute capability 10.x, from code, less the
    checkpoint's bytes kvplan already prices (the MXFP4 matrices and the experts' 16-bit biases).

    vLLM 0.13.0 and 0.15.1, model_executor/layers/quantization/mxfp4.py: get_mxfp4_backend picks
    SM100_FI_MXFP4_BF16 on ``is_device_capability_family(100)`` with FlashInfer installed (as in
    vLLM's images), SM100_FI_MXFP4_MXFP8_TRTLLM under VLLM_USE_FLASHINFER_MOE_MXFP4_MXFP8=1;
    Mxfp4MoEMethod.create_weights pads both with ``round_up(intermediate_size_per_partition, 256)``
    and ``round_up(hidden_size, 256)`` (the largest padding of its backends: the CUTLASS variant
    and Marlin pad to 128, triton_kernels to 64) and allocates per expert w13 [2·I', H'/2] and w2
    [H', I'/2] uint8 with one uint8 scale per 32 values; process_weights_after_loading keeps the
    padded shapes, casts both biases to float32 (``.to(torch.float32)``: 2·I' + H' values of 4
    bytes) and adds gemm1_alpha, gemm1_beta and gemm1_clamp_limit, one float32 per expert each."""
    q = spec.weight_quant
    h = spec.hidden_size
    model_bytes = dtypes.get(spec.dtype).row_bytes(1)
    grow = 0
    for lt_name, count in spec.counts().items():
        mlp = spec.layer_types[lt_name].mlp
        if not isinstance(mlp, MoeMlp):
            continue
        e, i, w = mlp.num_experts, mlp.intermediate_size, mlp.latent_size or h
        pad = const("mxfp4_sm100_pad")
        ip, hp = dtypes.cdiv(i, pad) * pad, dtypes.cdiv(w, pad) * pad
        loaded = 2 * ip * hp // 2 + 2 * ip * hp // 32 + hp * ip // 2 + hp * ip // 32
        stored = 2 * q.matrix_bytes(i, w) + q.matrix_bytes(w, i)  # gate, up (w13) and down (w2)
        if mlp.expert_bias:
            loaded += (2 * ip + hp) * 4
            stored += (2 * i + w) * model_bytes
        grow += count * (e * (loaded - stored) + 3 * e * 4)
    return grow


def overheads(spec, gpu, cfg, opts, tp: int, pp: int) -> list[BudgetPart]:
    """The non-KV parts vLLM charges inside its share, for one rank, each with its uncertainty."""
    fitted = "fitted on the fit half of the start-up logs (engines/vllm/startup.yaml)"
    unc = const("activation_non_torch_uncertainty_bytes")
    if opts.activation_bytes is not None:
        act, act_src, act_unc = opts.activation_bytes, "--activation-memory", 0
    else:
        fwd = forward_peak(spec, cfg.max_num_batched_tokens)
        runner, runner_why = model_runner(spec, opts, opts.vllm_version or VERSION)
        rng = runner_range(opts.vllm_version or VERSION) or {}
        per_logit = rng.get("v2_bytes_per_logit")
        v2 = runner == "v2" and per_logit is not None
        smp = sampler_peak(spec, tp, cfg.max_num_batched_tokens, cfg.max_num_seqs, per_logit if v2 else None)
        ws = blas_workspace(gpu)
        state = penalty_state(spec, tp, cfg.max_num_seqs) if v2 and rng.get("v2_penalty_state") else 0
        kept, kept_unc = kept_bytes(spec, cfg.max_num_batched_tokens, opts.vllm_version or VERSION)  # beside the sampler
        act, act_unc = max(fwd, smp + kept) + ws + state, unc + kept_unc
        rows = min(cfg.max_num_seqs, cfg.max_num_batched_tokens)
        act_src = (f"profile run: max(forward over {cfg.max_num_batched_tokens:,} tokens "
                   f"{fwd / GiB:.2f} GiB, sampler over {rows:,} rows × vocab {smp / GiB:.2f} GiB) + cuBLAS "
                   f"workspace {ws / MiB:.0f} MiB; sampler from vLLM's code (engines/vllm/startup.yaml); "
                   + runner_why)
        if runner == "v1":
            smp, low, s_why = v1_sampler_peak(spec, tp, cfg.max_num_batched_tokens, cfg.max_num_seqs,
                                              opts.vllm_version or VERSION, getattr(opts, "flashinfer_sampler", None),
                                              gpu.multi_processor_count)
            act = max(fwd, smp + kept) + ws
            act_unc += max(fwd, smp + kept) - max(fwd, low + kept)
            act_src = (f"profile run: max(forward over {cfg.max_num_batched_tokens:,} tokens "
                       f"{fwd / GiB:.2f} GiB, sampler over {rows:,} rows × vocab {smp / GiB:.2f} GiB) + cuBLAS "
                       f"workspace {ws / MiB:.0f} MiB; {runner_why}; {s_why} (engines/vllm/startup.yaml v1_sampler)")
        if v2:
            warm = rng.get("v2_two_pass_warmup")  # 0.33.0: the two-pass warm-up; 0.22.0 to 0.28.0: one pass
            act_src += (f", whose {'dummy sampler warm-up' if warm else 'one dummy sampler pass'} holds {per_logit} bytes a logit"
                        + (f", plus its penalty counts over {cfg.max_num_seqs:,} sequences {state / GiB:.2f} GiB"
                           if state else ""))
        elif runner != "v1":
            # the runner, or the V2 runner's sampler, is not known: the V1 figure (the cautious
            # side) is charged, and what the logits alone would leave is carried as uncertainty
            floor = max(fwd, sampler_peak(spec, tp, cfg.max_num_batched_tokens, cfg.max_num_seqs, 2))
            act_unc += max(fwd, smp) - floor
            act_src += ("" if runner is None else ", whose sampler warm-up kvplan has not derived") + \
                "; the V1 runner's sampler charged, at risk down to the logits alone"
        if kept or kept_unc:
            act_src += (f"; the fused-MoE workspace ({(kept or kept_unc) / GiB:.2f} GiB) stays allocated beside the "
                        "sampler pass (v1/worker/workspace.py WorkspaceManager, from 0.13.0; engines/vllm/startup.yaml "
                        "moe_workspace_kept_from)" + (", carried as uncertainty: a release kvplan cannot read"
                                                      if kept_unc else ""))
    if opts.enforce_eager:
        graphs, g_src, g_unc = 0, "--enforce-eager: none", 0
    elif opts.cuda_graph_bytes is None and _v2_without_graph_estimate(spec, opts):
        graphs, g_src, g_unc = 0, ("the V2 model runner estimates none (v1/worker/gpu/model_runner.py "
                                   "profile_cudagraph_memory returns 0, vLLM 0.21.0 to 0.28.0): captured "
                                   "after the KV cache is sized, checked against what the share leaves"), 0
    elif opts.cuda_graph_bytes is not None:
        graphs, g_src, g_unc = opts.cuda_graph_bytes, "--cuda-graph-memory", 0
    elif graphs_charged(ver := opts.vllm_version or VERSION) is False:
        graphs, g_src, g_unc = 0, (f"vLLM {ver} subtracts no CUDA-graph estimate (gpu_worker.py "
                                   "determine_available_memory, up to 0.19; engines/vllm/startup.yaml "
                                   "cuda_graph_estimate_charged_from): captured after the KV cache is sized, "
                                   "checked against what the share leaves"), 0
    else:
        # a drafter's decode graphs hold 1 + k tokens a request (_set_cudagraph_sizes), and --enable-lora captures
        # each size once per LoRA case (mut21b, session 21): neither follows the capture count, so not scaled down
        unscaled = getattr(opts, "speculative_config", None) is not None or getattr(opts, "lora", None) is not None
        graphs, g_why = (cuda_graph_estimate(gpu, cfg.max_num_seqs, cfg.max_num_batched_tokens)
                         if not unscaled else (const("cuda_graph_bytes"), ""))
        g_src, g_unc = f"profile_cudagraph_memory estimate; {fitted}{g_why}", const("cuda_graph_uncertainty_bytes")
    v2_runner = model_runner(spec, opts, opts.vllm_version or VERSION)[0] == "v2"
    nt, nt_src, nt_unc = non_torch_part(gpu, opts, tp, pp, v2_runner)
    return [
        BudgetPart("activation", "activation peak (profile forward + sampler)", act, act_src, act_unc),
        BudgetPart("cuda_graphs", "CUDA graphs", graphs, g_src, g_unc),
        BudgetPart("non_torch", "non-torch growth (after vLLM's snapshot)", nt, nt_src, nt_unc),
        *torch_compile_part(opts, (runner_range(opts.vllm_version or VERSION) or {}).get("cold_compile")),
    ]


def post_sizing_block_tables(detail: dict, max_model_len: int) -> int:
    """Bytes of GPU memory the V1 runner takes after the KV cache is sized and charged nothing: the
    block tables of the KV cache groups past the first (v1/worker/gpu_model_runner.py
    may_reinitialize_input_batch, in initialize_kv_cache, rebuilds the input batch with one
    v1/worker/block_table.py BlockTable per group when there are several; the one group's table
    built in the runner's __init__ is in the profile). Each: max_num_seqs × cdiv(max_model_len,
    block_size) × startup.yaml block_table_bytes_per_entry (read in the 0.12.0 wheel). 0 with one group."""
    groups = detail.get("groups") or []
    if len(groups) < 2 or not detail.get("max_num_seqs"):
        return 0
    per = const("block_table_bytes_per_entry") * detail["max_num_seqs"]
    return sum(per * -(-max_model_len // g["block_size"]) for g in groups[1:])
