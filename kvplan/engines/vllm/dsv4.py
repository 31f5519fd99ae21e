"""What vLLM's DeepSeek-V4 attention reserves in the profile run, and what its compressors hold from
model loading, beyond the shape estimate of startup.py forward_peak (issue 20: vllm#53961, a
refusal kvplan called "fits"). Facts copied from vLLM 0.29.0's code (the wheel, unpacked), not code.

The workspace (v1/worker/workspace.py WorkspaceManager): one buffer a device, grown to the largest
single ``get_simultaneous`` request (the shapes of one request side by side, each rounded up to 256
bytes) and kept; the profile run (no attention metadata) asks, on every DeepSeek-V4 attention layer:

* the sparse MLA's bf16 gather workspace (models/deepseek_v4/amd/rocm.py and nvidia/flashmla.py,
  forward_mqa's warm-up branch): (PREFILL_CHUNK_SIZE 4, M, head_dim) bf16, M = cdiv(max_model_len,
  ratio) + window + max_num_batched_tokens (cdiv 0 on a window-only layer); on CUDA (FlashMLA) beside
  it (tokens, round_up(index_topk + window, 128)) and (tokens,) int32;
* on a layer with an indexer (CSA), the indexer's (v1/attention/ops/rocm_aiter_mla_sparse.py
  rocm_aiter_sparse_attn_indexer on ROCm, which the ROCm path requires AITER for; model_executor/
  layers/sparse_attn_indexer.py sparse_attn_indexer on CUDA), with the indexer's own lengths
  (models/deepseek_v4/attention.py DeepseekV4Indexer: max_model_len // ratio and
  get_max_prefill_buffer_size // ratio, v1/attention/backends/mla/indexer.py: 40 × max_model_len):
  the prefill key gather (T, index_head_dim) fp8 + (T, 4) uint8 (CUDA: with a 1 MiB radix top-k
  buffer in the same request), T = 40 × max_model_len // ratio; on ROCm also the decode logits,
  fp32: on gfx942 and gfx950 (MI300X, MI325X, MI350X, MI355X) (max_num_batched_tokens,
  max_model_len // ratio), on other AMD cards (index_n_heads, max_num_batched_tokens, max_model_len
  // ratio). At 1,048,576 tokens and 16,384 batched tokens that is 16 GiB on an MI300X;
* then a transient of VLLM_SPARSE_INDEXER_MAX_LOGITS_MB (512 MiB, envs.py), freed on return.

The compressors (models/deepseek_v4/compressor.py DeepseekCompressor.__init__): on ROCm
(_prefer_two_stage_compressor) a compressor of head_dim 512 without overlap (compress_ratio 128:
overlap is ratio 4) allocates a (max_num_batched_tokens, 512) fp32 scratch at construction, one a
layer, inside "Model loading took"."""
from __future__ import annotations

from ...model.kinds import CompressedAttention

MiB = 2**20
GFX94_95 = frozenset({"mi300x", "mi325x", "mi350x", "mi355x"})  # gfx942 / gfx950 (platforms/rocm.py)
GFX950 = frozenset({"mi350x", "mi355x"})
CHUNK = 4  # models/deepseek_v4/attention.py PREFILL_CHUNK_SIZE
PREFILL_BUFFER = 40  # v1/attention/backends/mla/indexer.py get_max_prefill_buffer_size: 40 × max_model_len
LOGITS_TRANSIENT = 512 * MiB  # envs.py VLLM_SPARSE_INDEXER_MAX_LOGITS_MB default 512
SCRATCH_DIM = 512  # compressor.py: the two-stage compressor only where head_dim == 512


def _req(*sizes: int) -> int:
    """One get_simultaneous request: each shape's bytes rounded up to 256, side by side."""
    return sum(-(-s // 256) * 256 for s in sizes)


def _layers(spec):
    return [(lt, spec.layer_types[lt].mixer) for lt in spec.counts()
            if isinstance(spec.layer_types[lt].mixer, CompressedAttention)]


def workspace(spec, gpu, tokens: int, max_model_len: int) -> tuple[int, int]:
    """(the workspace buffer, the transient beside it) the profile run of vLLM 0.29.0 takes for
    DeepSeek-V4's attention on one AMD rank over ``tokens`` batched tokens; (0, 0) for other models
    and on other vendors' cards (CUDA's FlashMLA request also holds (tokens, round_up(index_topk +
    window, 128)) int32, and index_topk is not in the catalog's spec: not modelled here)."""
    if getattr(gpu, "vendor", None) != "amd":
        return 0, 0
    biggest, transient = 0, 0
    for _, m in _layers(spec):
        r = m.compress_ratio
        n = -(-max_model_len // r) if r > 1 else 0
        biggest = max(biggest, _req(CHUNK * (n + m.window + tokens) * m.head_dim * 2))
        if not m.indexed:
            continue
        t = PREFILL_BUFFER * max_model_len // r
        ctx = max_model_len // r
        heads = 1 if getattr(gpu, "name", None) in GFX94_95 else m.index_n_heads
        biggest = max(biggest, _req(t * m.index_head_dim, t * 4), _req(heads * tokens * ctx * 4))
        transient = LOGITS_TRANSIENT
    return biggest, transient


def compressor_scratch(spec, gpu, tokens: int) -> int:
    """Bytes the ROCm two-stage compressors allocate at construction (inside the weights' load): one
    (tokens, 512) fp32 scratch a layer of head_dim 512 and compress_ratio 128; 0 elsewhere."""
    if getattr(gpu, "vendor", None) != "amd":
        return 0
    n = sum(count for lt, count in spec.counts().items()
            if isinstance(m := spec.layer_types[lt].mixer, CompressedAttention)
            and m.compress_ratio > 1 and m.compress_ratio != 4 and m.head_dim == SCRATCH_DIM)
    return n * tokens * SCRATCH_DIM * 4


def emulation_dequant(spec, gpu) -> int:
    """The transient of vLLM's emulated MXFP4 MoE on an AMD card other than gfx950: AITER's MXFP4
    experts need gfx950 (fused_moe/experts/rocm_aiter_moe.py _supports_quant_scheme: kMxfp4Static
    only ``on_gfx950()``), so on ROCm the MXFP4 oracle falls to EMULATION (fused_moe/oracle/mxfp4.py
    _get_priority_backends: [AITER_MXFP4_BF16, EMULATION]), whose apply
    (fused_moe/experts/ocp_mx_emulation_moe.py OCP_MXQuantizationEmulationTritonExperts.apply)
    dequantizes the layer's whole w1 and w2 to the activation dtype before TritonExperts runs (amd-quark
    0.13 quark/torch/kernel/mx/hip.py dq_mxfp4_hip: one output tensor, no other temporaries): local
    experts × (2·I·K + K·I) values of the model's 16-bit dtype, the largest MoE layer; 0 elsewhere."""
    from ...model.spec import MoeMlp

    q = spec.weight_quant
    mx = q is not None and (q.format == "mxfp4" or getattr(q, "expert_format", None) == "mxfp4")
    if not mx or getattr(gpu, "vendor", None) != "amd" or getattr(gpu, "name", None) in GFX950:
        return 0
    sizes = [m.num_experts * 3 * m.intermediate_size * (m.latent_size or spec.hidden_size) * 2
             for lt in spec.counts() if isinstance(m := spec.layer_types[lt].mlp, MoeMlp)]
    return max(sizes, default=0)


def rocm_unread(spec, gpu) -> bool:
    """Whether the plan is DeepSeek-V4 on an AMD card: kvplan has read the terms above, not the rest
    of that path (the AITER mHC and sparse-MLA kernels' own allocations, the HIP graph pool, RCCL's),
    and the data hold no vLLM start-up on ROCm with a KV figure to measure them by."""
    return getattr(gpu, "vendor", None) == "amd" and bool(_layers(spec))


def unread_parts(spec, gpu) -> list:
    """The unmodelled part DeepSeek-V4 on an AMD card carries (``rocm_unread``): no bytes, and the
    verdict never "fits" (plan/verdict.py)."""
    from ..base import BudgetPart

    if not rocm_unread(spec, gpu):
        return []
    return [BudgetPart("rocm_path", "DeepSeek-V4's ROCm path beyond the terms read", 0,
                       "kvplan has read the attention workspace, the compressors' scratch and the "
                       "emulated MXFP4 experts (engines/vllm/dsv4.py), not the AITER mHC and sparse-MLA kernels' "
                       "own allocations, the HIP graph pool or RCCL's, and no vLLM start-up on ROCm with a KV "
                       "figure is in the data to measure them by", 0, unmodelled=True)]
