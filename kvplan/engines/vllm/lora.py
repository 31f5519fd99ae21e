"""vLLM 0.33's LoRA slots: ``--enable-lora --max-loras N --max-lora-rank R`` (issue 23).

At start-up vLLM wraps every supported layer of the model and allocates, once, stacked A and B
buffers for ``max_loras`` adapters of rank ``max_lora_rank`` in ``lora_dtype`` (``auto``: the
model's dtype); they stay on the GPU whatever is loaded, so they come out of the KV budget like
weights. Rules (paths inside the vllm package, release 0.33.0):

* ``lora/model_manager.py`` create_lora_manager -> LoRAModelManager._create_lora_modules: every
  supported module is replaced by its LoRA layer, which calls ``create_lora_weights``.
* ``lora/layers/base_linear.py`` BaseLinearLayerWithLoRA.create_lora_weights: per output slice,
  ``lora_a`` (max_loras, 1, rank, input_size) and ``lora_b`` (max_loras, 1, output_size, rank),
  where a column-parallel layer (``column_parallel_linear.py``: QKV with 3 slices, gate/up with
  2) keeps its full input in A and its per-rank outputs in B, and a row-parallel layer
  (``row_parallel_linear.py``: o_proj, down_proj) its per-rank input in A and its full output in
  B (the default, fully_sharded_loras=False).
* ``lora/layers/vocab_parallel_embedding.py``: ``lora_a_stacked`` (max_loras, vocab, rank) and
  ``lora_b_stacked`` (max_loras, 1, hidden, rank); ``lora_a_stacked_2d`` is a view of the first.
* ``lora/layers/logits_processor.py`` LogitsProcessorWithLoRA: ``lora_a`` (max_loras, 1, rank,
  hidden), ``lora_b`` (max_loras, 1, vocab, rank), the whole vocabulary on every rank, and at TP > 1 an int64 vocab-sized map
  (``sharded_to_full_mapping_gpu``).

* ``lora/punica_wrapper`` (``punica_bytes``): the language model's one PunicaWrapperGPU
  (lora/model_manager.py LoRAModelManager: get_punica_wrapper(max_num_batched_tokens,
  max_batches=max_num_seqs)), built with the layers in load_model.

Not counted: the host-side adapter cache (``--max-cpu-loras``: adapters as loaded, sized by each
adapter's own files) and the profile run's dummy adapters (v1/worker/lora_model_runner_mixin.py
maybe_setup_dummy_loras: max_loras adapters of rank min(max_lora_rank, 8), created on the CPU by
LoRAModelManager.create_dummy_lora and copied into the stacked buffers counted here); the punica
kernels' per-step intermediates (tokens x rank x slices) fall inside the profile run's peak.

Checked against vLLM's own layers on the meta device: tests/golden/vllm_0.33_lora.json
(scripts/oracles/vllm_extras_oracle.py lora). Facts copied, not code.
"""
from __future__ import annotations

from ...model import dtypes
from ...errors import KvplanError
from ...model.frozen import record
from ...model.kinds import FullAttention, SlidingWindow

# vLLM's LoRAConfig defaults (config/lora.py, 0.29.0 and 0.33.0): max_loras 1, max_lora_rank 16
LORA_DEFAULTS = (1, 16)


@record
class LoraSlots:
    max_loras: int
    max_lora_rank: int
    max_cpu_loras: int
    dtype: str
    bytes: int  # per GPU, all buffers
    parts: tuple[tuple[str, int], ...]  # (part, bytes) per GPU


def check(max_loras: int, rank: int, max_cpu_loras: int | None) -> int:
    """config/lora.py LoRAConfig: max_lora_rank one of the supported ranks, max_cpu_loras >=
    max_loras (default: max_loras)."""
    if max_loras < 1:
        raise KvplanError("--max-loras must be at least 1")
    if rank not in (1, 8, 16, 32, 64, 128, 256, 320, 512):
        raise KvplanError(f"--max-lora-rank must be one of 1, 8, 16, 32, 64, 128, 256, 320, 512, got {rank}")
    cpu = max_cpu_loras if max_cpu_loras is not None else max_loras
    if cpu < max_loras:
        raise KvplanError(f"--max-cpu-loras ({cpu}) must be >= --max-loras ({max_loras})")
    return cpu


def punica_bytes(max_num_batched_tokens: int, max_num_seqs: int, max_loras: int) -> int:
    """The punica wrapper's index tensors on one GPU (vLLM 0.33.0; the same allocations in 0.29.0):
    lora/punica_wrapper/punica_base.py PunicaWrapperBase.__init__: four int64 [tokens]
    (_token_lora_indices, _sampler_indices, _sampler_indices_padded, _embeddings_indices) and three
    int64 [max_batches] (_seq_start_locs, _seq_lengths, _lora_indices_per_batch);
    punica_gpu.py PunicaWrapperGPU.__init__: two LoRAKernelMeta.make (token_mapping_meta,
    prompt_mapping_meta; lora/ops/triton_ops/lora_kernel_metadata.py), each int32 [tokens] twice
    (token_lora_mapping, token_indices_sorted_by_lora_ids), int32 [max_loras + 1] twice
    (active_lora_ids, num_tokens_per_lora) and int32 [max_loras + 2] (lora_token_start_loc); its
    other tensors are on the CPU. Tokens: max_num_batched_tokens, batches: max_num_seqs. The same
    allocations in vLLM 0.21.0 (and its lora/layers' create_lora_weights the same as 0.33.0's)."""
    t, b, n = max_num_batched_tokens, max_num_seqs, max_loras
    base = 4 * t * 8 + 3 * b * 8
    meta = 2 * t * 4 + 2 * (n + 1) * 4 + (n + 2) * 4
    return base + 2 * meta


def lora_slots(rank_spec, tp: int, max_loras: int, rank: int, lora_dtype: str, vocab: int,
               max_cpu_loras: int | None = None) -> LoraSlots:
    """The LoRA buffers on one GPU of ``rank_spec`` (the spec sharded for TP ``tp``; PP = 1).
    ``vocab`` is the whole vocabulary: the embedding's A and the LM head's B are not sharded."""
    cpu = check(max_loras, rank, max_cpu_loras)
    eb = dtypes.get(lora_dtype).row_bytes(1)
    n, r, h = max_loras, rank, rank_spec.hidden_size
    attn = mlp = 0
    for lt, count in rank_spec.counts().items():
        t = rank_spec.layer_types[lt]
        m = t.mixer
        if type(m) not in (FullAttention, SlidingWindow) or t.mlp is None or getattr(t.mlp, "kind", "") != "dense":
            raise KvplanError("kvplan models vLLM's LoRA buffers for attention + dense-MLP layers only; "
                              f"this model has '{m.kind}' / '{getattr(t.mlp, 'kind', None)}' layers")
        q = m.num_heads * m.head_dim  # per rank (the spec is sharded)
        kv = m.num_kv_heads * m.head_dim
        inter = t.mlp.intermediate_size
        # QKV: 3 slices, full input in A; o_proj: row-parallel
        attn += count * n * r * (3 * h + (q + 2 * kv) + q + h)
        # gate/up: 2 slices; down_proj: row-parallel
        mlp += count * n * r * (2 * h + 2 * inter + inter + h)
    embed = n * r * (vocab + h)
    logits = n * r * (h + vocab)
    parts = [("attention (qkv, o)", attn * eb), ("MLP (gate/up, down)", mlp * eb),
             ("embedding", embed * eb), ("LM head", logits * eb)]
    if tp > 1:
        parts.append(("vocab map (int64, TP > 1)", vocab * 8))
    return LoraSlots(n, r, cpu, lora_dtype, sum(b for _, b in parts), tuple(parts))
