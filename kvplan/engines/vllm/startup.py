"""vLLM 0.33's memory other than weights and cache, estimated from the model's shapes.

vLLM measures these at start-up (v1/worker/gpu_worker.py, determine_available_memory): it
runs a dummy forward of ``max_num_batched_tokens`` tokens and a sampler pass over
``max_num_seqs`` rows under utils/mem_utils.py memory_profiling, then captures CUDA graphs;

    available KV = total × gpu_memory_utilization − (weights + non-torch increase
                   + transient torch peak) − CUDA-graph estimate

kvplan cannot run the forward, so each part is estimated by a rule documented here and
checked against real start-up logs (tests/data/vllm_startup_logs.json, README "How close").
Each part can be overridden (``--activation-memory``, ``--cuda-graph-memory``,
``--non-torch-memory``), and ``--kv-cache-memory`` skips the estimate altogether.
"""
from __future__ import annotations

from ...model.spec import MoeMlp
from ..base import BudgetPart

MiB = 2**20
GiB = 2**30

# The constants below are fitted, in sample, to the public V1 start-up logs in
# tests/data/vllm_startup_logs.json: what those logs leave unexplained after the weights and
# kvplan's activation estimate is 0.98-1.25 GiB at TP 1 (A100 40/80 GB: Llama-3.1-8B,
# gpt-oss-20b, Gemma 4 26B) and 2.39 GiB at TP 2 (2 × L40S, Qwen3-30B-A3B). The two newest
# logs that print "CUDAGraph" memory show 0.09 GiB (27B models, TP 2, RTX 3090/5090).
# They are defaults, not facts: per-log errors are in the README (scripts/startup_log_errors.py).
NON_TORCH_TP1 = 1152 * MiB  # CUDA context growth, cuBLAS workspaces, allocator slack
NON_TORCH_PER_TP = 1280 * MiB  # + NCCL buffers and custom all-reduce when tp × pp > 1
CUDA_GRAPH_BYTES = 96 * MiB  # vLLM ≥ 0.21 charges its CUDA-graph estimate to the budget


def activation_peak(spec, tokens: int, seqs: int) -> int:
    """The transient torch peak of vLLM's profiling forward plus sampler pass, for one rank.

    Forward over ``tokens`` tokens: the residual stream and hidden state (2 × hidden), the
    widest layer's intermediates (MLP gate+up and activation: 3 × intermediate per rank; an
    MoE layer's routed copies: top-k × that; attention's q, k, v and output), in the model's
    16-bit dtype. Sampler over ``seqs`` rows: fp32 logits over the (rank-padded × tp) vocab,
    three live copies (logits, probabilities, log-probabilities)."""
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
                mlp = 3 * i * layer.mlp.experts_per_token + 3 * layer.mlp.shared_intermediate_size
        widest = max(widest, attn, mlp)
    forward = tokens * (2 * h + widest) * 2
    sampler = seqs * spec.vocab_size * 4 * 3
    return max(forward, sampler)


def overheads(spec, gpu, cfg, opts, tp: int, pp: int) -> list[BudgetPart]:
    """The non-KV parts vLLM charges inside its share, for one rank."""
    act = opts.activation_bytes if opts.activation_bytes is not None else \
        activation_peak(spec, cfg.max_num_batched_tokens, cfg.max_num_seqs)
    graphs = 0 if opts.enforce_eager else \
        (opts.cuda_graph_bytes if opts.cuda_graph_bytes is not None else CUDA_GRAPH_BYTES)
    non_torch = opts.non_torch_bytes if opts.non_torch_bytes is not None else \
        NON_TORCH_TP1 + (NON_TORCH_PER_TP if tp * pp > 1 else 0)
    return [
        BudgetPart("activation", "activation peak (profiling forward + sampler)", act,
                   f"estimated: {cfg.max_num_batched_tokens:,} tokens, {cfg.max_num_seqs:,} "
                   "sampler rows (kvplan/engines/vllm/startup.py activation_peak)"
                   if opts.activation_bytes is None else "--activation-memory"),
        BudgetPart("cuda_graphs", "CUDA graphs", graphs,
                   "--enforce-eager: none" if opts.enforce_eager else
                   ("default estimate (vllm_memory.CUDA_GRAPH_BYTES)" if opts.cuda_graph_bytes is None
                    else "--cuda-graph-memory")),
        BudgetPart("non_torch", "non-torch runtime (cuBLAS, NCCL)", non_torch,
                   "default estimate (vllm_memory.NON_TORCH_*)" if opts.non_torch_bytes is None
                   else "--non-torch-memory"),
    ]
