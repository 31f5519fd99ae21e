"""SGLang 0.5.23's KV budget from its own code, and the one constant it needs (issue 20).

sglang/srt (0.5.23 wheel):

* distributed/bootstrap.py ``measure_pre_model_load_memory``: after the parallel groups (NCCL,
  custom all-reduce, the pre-warm) exist and before any weight loads, SGLang takes the free
  memory, the minimum over ranks: ``pre`` ("Memory baseline taken. mem usage=X GB");
* mem_cache/kv_cache_configurator.py ``_profile_available_bytes``: after the weights load,
  ``rest = available − pre × (1 − mem_fraction_static)`` (``slack_gb``), refused when ≤ 0
  ("Loaded weights leave no GPU memory for the KV cache ... minimum viable = 1 −
  available/pre"); the pool is then sized from ``rest`` (pool_configurator.py).

So the KV budget is ``(total − pre_used) × mem_fraction_static − weights``: the fraction applies
to the memory free before the weights, not to the whole card, and what the CUDA context and
NCCL took before the baseline is charged in full. ``pre_used`` is not computable from SGLang's
code (the driver, NCCL's buffers); it is fitted on the FIT half of the SGLang start-up logs only
(tests/data/startup_logs_split.json), below. Facts copied, not code.
"""
from __future__ import annotations

GiB = 2**30

# Memory used on each GPU before SGLang's baseline (CUDA context, NCCL, custom all-reduce), bytes.
PRE_LOAD = {
    "value": 2_866_066_391,  # 2.67 GiB
    "source": (
        "fit half of tests/data/sglang_startup_logs.json, the larger of its two figures (cautious): "
        "vllm21348_sglang_4xh100_qwen3-235b-a22b-fp8_tp4_mfs0.93 (TP 4, H100 80 GB): the pool "
        "(367,404 tokens × 48,128 bytes = 16.47 GiB) + kvplan's weights as loaded (55.12 GiB) over "
        "0.93 gives pre = 76.98 GiB of the 79.65 GiB card: 2.67 GiB used before; "
        "inferencex2128_sglang_8xh200_dsv4-pro-fp8_tp8_mfs0.88 (TP 8, H200): avail mem 12.25 GB + "
        "mem usage 125.65 GB after loading = 137.90 GiB free before, of 140.40 GiB: 2.50 GiB. "
        "No fit-side log runs at TP 1 (there the CUDA context alone is less: kvplan charges the "
        "same, the cautious side)."),
}
# The same on one GPU (no NCCL communicator or custom all-reduce buffers between GPUs), round 2.
PRE_LOAD_TP1 = {
    "value": 1_331_439_862,  # 1.24 GiB
    "source": (
        "fit half of round 2 (tests/data/startup_logs_split.json round_2.fit_urls), the one TP 1 row: "
        "jerryzsj_sglang_rtx3090_r1-distill-qwen-7b_mfs0.88 (RTX 3090, WSL2 desktop): 'Load weight begin. "
        "avail mem=22.76 GB' of kvplan's 24 GiB card = 25,769,803,776 − 24,438,363,914 bytes. Before, the "
        "multi-GPU figure (2.67 GiB) was charged on one GPU too and this row's pool came out 18.7 % under "
        "the log. One row, on a desktop card that also drives a display: the uncertainty below stays."),
}
PRE_LOAD_UNCERTAINTY = {
    "value": 536_870_912,  # 0.5 GiB
    "source": ("the two fit-side figures differ by 0.17 GiB; rounded up to 0.5 GiB for the TP sizes "
               "and GPUs no fit-side log shows (one of them rests on kvplan's own weight pricing)"),
}


def budget_parts(total: int, mfs: float, weights_bytes: int, gpus: int = 1):
    """(parts before the cache, KV budget, slack) for one GPU of ``gpus`` (TP × PP), as
    _profile_available_bytes sizes it."""
    from .base import BudgetPart

    pre_used = (PRE_LOAD if gpus > 1 else PRE_LOAD_TP1)["value"]
    pre = total - pre_used
    kv = int(pre * mfs) - weights_bytes
    slack = total - pre_used - weights_bytes - kv
    parts = [BudgetPart("weights", "weights (this GPU's share)", weights_bytes, "parameters × weight format"),
             BudgetPart("non_torch", "CUDA context, NCCL (before the baseline)", pre_used,
                        "fitted on the fit half of the SGLang logs (engines/sglang_startup.py)",
                        PRE_LOAD_UNCERTAINTY["value"]),
             BudgetPart("kv_cache", "KV cache", kv,
                        f"(total − used before the baseline) × mem_fraction_static {mfs:g} − weights "
                        "(kv_cache_configurator.py _profile_available_bytes)"),
             BudgetPart("unused", "slack: activations, CUDA graphs", slack,
                        f"(total − used before the baseline) × (1 − {mfs:g})")]
    return parts
