"""What vLLM allocates once the KV cache is sized, outside every budget (issue 20), as
plan/verdict.py's after-sizing check reads it from ``Capacity.detail``.

vLLM 0.33.0 (v1/worker/gpu_worker.py compile_or_warm_up_model; 0.12.0 and 0.19.0 the same order):
once initialize_from_config has allocated the cache, the worker captures the CUDA graphs
(capture_model; charged in no budget by the V1 runner up to 0.19 and the V2 runner of 0.22 to 0.28,
startup.py graphs_after_sizing) and then warms the sampler up again: the V1 runner's ``_dummy_run``
over min(max_num_seqs, max_num_batched_tokens) tokens and ``_dummy_sampler_run`` over as many rows
(the V2 runner of 0.33.0: warmup_kernels, before the capture, over at most as many rows). The
warm-up's allocations are the profile run's sampler pass again, freed with the profile, so its bytes
come back; what does not always come back is room PyTorch's caching allocator can place them in
(startup.yaml warmup_fragmentation_permille, measured at two OOMs). All of it must fit in what the
share leaves, (1 − utilization) × total, less what sits on the GPU before vLLM's snapshot
(non_torch.py outside_share). Facts copied, not code."""
from __future__ import annotations

from .non_torch import outside_share
from .startup import graphs_after_sizing
from .startup_data import const


def logits_block(spec, tp: int, max_num_seqs: int, max_num_batched_tokens: int) -> int:
    """One fp32 logits block of the warm-up: min(max_num_seqs, max_num_batched_tokens) rows of the
    gathered vocabulary (``spec.vocab_size`` is the rank's padded share; the LM head's logits are
    all-gathered over TP) × 4 bytes. The V2 runner's warm-up takes at most as many rows (0.33.0
    warmup.py: max_num_batched_tokens // 2 where that is fewer), so this is its cautious side."""
    rows = max(min(max_num_seqs, max_num_batched_tokens), 0)
    return rows * spec.vocab_size * tp * 4


def fragmentation(spec, tp: int, max_num_seqs: int, max_num_batched_tokens: int) -> int:
    """Bytes of headroom the warm-up may find unusable (an uncertainty, never charged): the measured
    blocks (startup.yaml warmup_fragmentation_permille) of this plan's logits block, rounded up."""
    return -(-const("warmup_fragmentation_permille") * logits_block(spec, tp, max_num_seqs,
                                                                      max_num_batched_tokens) // 1000)


def detail(spec, gpu, opts, tp: int, pp: int, max_num_seqs: int, max_num_batched_tokens: int) -> dict:
    """``Capacity.detail`` keys for the after-sizing check: the graphs captured after sizing (where
    no budget charges them), what sits outside the share and the warm-up's fragmentation."""
    out: dict = {}
    g, g_unc = graphs_after_sizing(spec, opts)
    if g:
        out["post_sizing_graph_bytes"], out["post_sizing_graph_uncertainty"] = g, g_unc
    if opts.kv_cache_memory is not None:  # the cache is fixed: judged against the card (verdict.judge)
        return out
    held, held_unc, what = outside_share(gpu, tp, pp, opts.vllm_version)
    if held:
        out["outside_share_bytes"], out["outside_share_uncertainty"], out["outside_share_what"] = \
            held, held_unc, what
    out["warmup_fragmentation_bytes"] = fragmentation(spec, tp, max_num_seqs, max_num_batched_tokens)
    return out
