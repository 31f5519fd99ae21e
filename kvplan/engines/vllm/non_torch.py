"""vLLM's non-torch memory inside its KV budget, by release, card and parallel group (issue 20):
the growth after vLLM's start-up snapshot (fitted), NCCL's buffers by card (NVLink, PCIe, no peer
access), NCCL's communicators in releases that snapshot before them, and the CUDA context in releases
that charge everything outside torch's allocator (up to 0.9.0). Split out of startup.py, which
re-exports these names; its constants are in startup.yaml. Facts copied, not code."""
from __future__ import annotations

from .settings import VERSION
from .startup_data import _data, _release, const

GiB = 2**30


def no_peer_access(gpu) -> bool:
    """Whether ``gpu`` is one whose stock driver gives no peer-to-peer access between cards
    (startup.yaml ``no_peer_access_gpus``, each with its source): NCCL then connects ranks through
    its SHM transport, whose buffers are host memory."""
    return gpu is not None and gpu.name in _data()["no_peer_access_gpus"]["gpus"]


def non_torch_extra_tp(gpu) -> tuple[int, int]:
    """(bytes charged, uncertainty) of the non-torch growth that TP or PP > 1 adds after vLLM's
    snapshot: NCCL's connection buffers, set up at the first collectives that need them (the
    communicators themselves exist before the snapshot from vLLM 0.11.0 on, gpu_worker.py
    init_device). On a card without peer access NCCL's SHM transport (src/transport/shm.cc
    shmRecvSetup: every protocol's buffer in host shared memory) puts none on the GPU, so nothing
    is charged, but the fitted extra is carried as the uncertainty (an NVLink bridge gives a pair
    of such cards P2P, and with it device buffers). On cards with no NVLink at all (``pcie_only``)
    the fitted PCIe figure is charged and the rest of the NVLink figure carried as the
    uncertainty."""
    extra = const("non_torch_extra_tp_bytes")
    if no_peer_access(gpu):
        return 0, extra
    if pcie_only(gpu):
        pcie = const("non_torch_extra_tp_pcie_bytes")
        return pcie, extra - pcie
    return extra, 0


def pcie_only(gpu) -> bool:
    """Whether ``gpu``'s cards have no NVLink of any kind (not even a bridge) nor another scale-up
    fabric: NCCL then links ranks over PCIe with few channels (startup.yaml
    non_torch_extra_tp_pcie_bytes). No card given: False (the NVLink figure, the cautious side)."""
    from ...model.hardware import scale_up_fabric

    if gpu is None or scale_up_fabric(gpu):
        return False
    ic = (getattr(gpu, "interconnect", None) or "").lower()
    return "nvlink" not in ic or "no nvlink" in ic


def non_torch(tp: int, pp: int, gpu=None) -> int:
    return const("non_torch_tp1_bytes") + (non_torch_extra_tp(gpu)[0] if tp * pp > 1 else 0)


def snapshot_before_nccl(version: str | None) -> bool | None:
    """Whether vLLM ``version`` takes its start-up snapshot before NCCL's communicators exist
    (v1/worker/gpu_worker.py Worker.init_device: before 0.11.0, startup.yaml
    snapshot_after_distributed_from), so that they are in the growth it charges; None where no
    release can be read. ``0.10.x`` reads as its minor release."""
    import re

    first = _release(_data()["snapshot_after_distributed_from"]["release"])
    if (m := re.match(r"\s*v?(\d+)\.(\d+)\.x\b", version or "")):
        return (int(m.group(1)), int(m.group(2))) < first[:2]
    key = _release(version)
    return None if key is None else key < first


def whole_non_torch(version: str | None) -> bool | None:
    """Whether vLLM ``version``'s V1 worker charges everything on the device outside torch's
    allocator, the CUDA context and other processes included (v1/worker/gpu_worker.py
    determine_available_memory up to 0.9.0, startup.yaml whole_non_torch_until), rather than the
    growth after its start-up snapshot (0.9.1 on); None where no release can be read. ``0.9.x``
    holds both rules, so it reads as None."""
    import re

    last = _release(_data()["whole_non_torch_until"]["release"])
    if (m := re.match(r"\s*v?(\d+)\.(\d+)\.x\b", version or "")):
        minor = (int(m.group(1)), int(m.group(2)))
        return None if minor == last[:2] else minor < last[:2]
    key = _release(version)
    return None if key is None else key <= last


def cuda_context(gpu) -> tuple[int, int]:
    """(bytes, uncertainty) of the CUDA context and what else sits on ``gpu`` before vLLM starts,
    by card kind: SGLang's start-up logs' figure (engines/sglang_startup.py PRE_LOAD_TP1, the one
    home of it), an estimate carried with its PRE_LOAD_UNCERTAINTY."""
    from ..sglang_startup import PRE_LOAD_UNCERTAINTY, used_before

    return used_before(gpu, 1, 1), PRE_LOAD_UNCERTAINTY["value"]


def nvls_group(gpu, tp: int, pp: int) -> bool:
    """Whether a TP or PP group of ``tp`` × ``pp`` on ``gpu`` is one where NCCL can set up NVLink
    SHARP: more than two GPUs in the group (NVIDIA/nccl src/transport/nvls.cc ncclNvlsInit,
    "gpuCount <= 2" returns without it) on NVLink cards of compute capability 9.0 or later
    (multicast; model/hardware.py scale_up_fabric)."""
    from ...model.hardware import scale_up_fabric
    from .settings import capability

    cap = capability(gpu) if gpu is not None else None
    return max(tp, pp) > 2 and cap is not None and cap >= 90 and scale_up_fabric(gpu)


def nccl_before_snapshot(gpu, tp: int, pp: int, version: str | None) -> int:
    """Bytes of NCCL's communicators inside vLLM's non-torch growth: the fitted
    ``nccl_before_snapshot_nvls_bytes`` where the release takes its snapshot before NCCL (or
    cannot be read: the cautious side) and the group is one NCCL can run NVLink SHARP on
    (``nvls_group``); else 0. An estimate: overheads carries it as its own uncertainty."""
    if not nvls_group(gpu, tp, pp) or snapshot_before_nccl(version) is False:
        return 0
    return const("nccl_before_snapshot_nvls_bytes")


def graph_profile_growth(gpu, opts, tp: int, v2_runner: bool = False) -> tuple[int, int, str]:
    """(bytes charged, uncertainty, why) of the non-torch growth a TP group leaves when vLLM profiles
    its CUDA graphs inside the window whose growth it charges (startup.yaml
    non_torch_graph_profile_tp_bytes: the V1 runner of 0.18.0 up to 0.27.0, gpu_worker.py
    determine_available_memory calling profile_cudagraph_memory under memory_profiling; fitted).
    Nothing at TP 1, under --enforce-eager, on the V2 runner (``v2_runner``: it captures none) or from
    0.27.0 on; on a card without NVLink, or a release kvplan cannot read, carried as uncertainty."""
    rule = _data()["non_torch_graph_profile_tp_bytes"]
    if tp <= 1 or opts.enforce_eager:
        return 0, 0, ""
    ver = opts.vllm_version or VERSION
    key = _release(ver)
    if key is not None and not _release(rule["first"])[:3] + (0,) <= key < _release(rule["first_outside"])[:3] + (0,):
        return 0, 0, ""
    if v2_runner:
        return 0, 0, ""
    size = const("non_torch_graph_profile_tp_bytes")
    why = (f"; vLLM {ver} profiles its CUDA graphs inside the window it charges (gpu_worker.py "
           f"determine_available_memory, V1 runner, {rule['first']} to before {rule['first_outside']}): "
           f"the TP group's growth {size / GiB:.2f} GiB, fitted on four fit-side 0.19.0 H100 logs")
    if key is None:
        return 0, size, why.replace(f"vLLM {ver} profiles", f"vLLM {ver} (release not read) may profile") + ", carried as uncertainty"
    if no_peer_access(gpu) or pcie_only(gpu):
        return 0, size, why + "; no NVLink here (no log), carried as uncertainty"
    return size, 0, why


def non_torch_part(gpu, opts, tp: int, pp: int, v2_runner: bool = False) -> tuple[int, str, int]:
    """(bytes, source, uncertainty) of the non-torch part vLLM charges inside its share on one rank:
    --non-torch-memory where given, else the fitted growth after the start-up snapshot, NCCL's share by
    card and group, the CUDA context of releases up to 0.9.0 and NCCL's communicators of releases that
    snapshot before them."""
    if opts.non_torch_bytes is not None:
        nt, nt_src, nt_unc = opts.non_torch_bytes, "--non-torch-memory", 0
    else:
        nt, nt_src, nt_unc = non_torch(tp, pp, gpu), ("growth after the start-up snapshot; fitted on fit and seen "
                                                      "rows (session 11, engines/vllm/startup.yaml)"), 0
        if tp * pp > 1 and no_peer_access(gpu):
            nt_unc = non_torch_extra_tp(gpu)[1]
            nt_src += ("; no NCCL buffers on a card without peer access (NCCL's SHM transport keeps "
                       "them in host memory), their fitted size carried as the uncertainty")
        elif tp * pp > 1 and pcie_only(gpu):
            nt_unc = non_torch_extra_tp(gpu)[1]
            nt_src += ("; NCCL over PCIe (no NVLink): the PCIe figure fitted on a fit-side log, the rest of "
                       "the NVLink figure carried as the uncertainty")
        ver = opts.vllm_version or VERSION
        if (whole := whole_non_torch(ver)) is not False:
            ctx, ctx_unc = cuda_context(gpu)
            if whole:
                nt, nt_unc = nt + ctx, nt_unc + ctx_unc
                nt_src += (f"; vLLM {ver} charges everything outside torch's allocator (gpu_worker.py "
                           f"determine_available_memory, up to 0.9.0): the CUDA context and other processes, "
                           f"{ctx / GiB:.2f} GiB estimated by card kind (SGLang's logs), ±{ctx_unc / GiB:.2f} GiB")
            else:
                nt_unc += ctx
                nt_src += (f"; a release kvplan cannot read may be one up to 0.9.0, which charges the CUDA "
                           f"context and other processes too ({ctx / GiB:.2f} GiB, carried as uncertainty)")
        if (nccl := nccl_before_snapshot(gpu, tp, pp, ver)):
            nt, nt_unc = nt + nccl, nt_unc + nccl
            when = ("takes its snapshot before NCCL's communicators exist (gpu_worker.py init_device, "
                    "before 0.11.0)" if snapshot_before_nccl(ver) else
                    "is a release kvplan cannot read, so its snapshot may come before NCCL's communicators")
            nt_src += (f"; vLLM {ver} {when}: {nccl / GiB:.2f} GiB of NCCL's on a group of more than two "
                       "NVLink GPUs that can use NVLink SHARP, estimated (fitted on one fit-side log), "
                       "carried as its uncertainty")
        g, g_unc, g_why = graph_profile_growth(gpu, opts, tp, v2_runner)
        nt, nt_unc, nt_src = nt + g, nt_unc + g_unc, nt_src + g_why
    return nt, nt_src, nt_unc


def outside_share(gpu, tp: int, pp: int, version: str | None) -> tuple[int, int, str]:
    """(bytes, uncertainty, why) on each GPU before vLLM's start-up snapshot that its share does not
    charge: the CUDA context, and NCCL's communicators with the custom all-reduce buffers in releases
    that take the snapshot after them (0.11.0 on; ``snapshot_before_nccl``), by card and group as
    SGLang's logs show them (engines/sglang_startup.py used_before, their one home). vLLM checks at
    start-up that the free memory holds the whole share (v1/worker/utils.py request_memory in 0.19.0
    and 0.33.0, gpu_worker.py init_device in 0.12.0: "Free memory on device ... is less than desired
    GPU memory utilization"), so these come out of the (1 − utilization) part. 0 where the release
    charges everything outside torch inside the share (up to 0.9.0, ``whole_non_torch``); a release
    that cannot be read takes the larger figure (the cautious side)."""
    from ..sglang_startup import PRE_LOAD_UNCERTAINTY, used_before

    if whole_non_torch(version or VERSION) is True:
        return 0, 0, ""
    unc = PRE_LOAD_UNCERTAINTY["value"]
    if tp * pp == 1 or snapshot_before_nccl(version or VERSION) is True:
        return used_before(gpu, 1, 1), unc, "the CUDA context"
    return used_before(gpu, tp, tp * pp), unc, "the CUDA context, NCCL and the custom all-reduce buffers"
