"""The device: which one, what it is called, how much memory is free, and the guard.

kvplan never changes a GPU's settings (clocks, MIG, persistence, the allocator's
configuration): it asks torch for a device, allocates with ``torch.empty`` (never managed
memory) and gives every byte back when it is done, also on an error or Ctrl-C.
"""
from __future__ import annotations

import datetime
import os
import platform

from ..errors import KvplanError
from ..model.frozen import record
from ..units import gib

GiB = 2**30
DEFAULT_SAFETY_MARGIN = 2 * GiB  # left free on top of what is allocated: CUDA context growth,
# cuBLAS/cuDNN workspaces and the caching allocator's rounding (see ``cuda_memory_note``)


@record
class DeviceInfo:
    kind: str  # "cuda" | "cpu"
    name: str
    chosen: str  # why this device
    torch_version: str
    driver: str | None  # CUDA driver version (CUDA only)
    cuda_runtime: str | None
    total_bytes: int | None
    date: str


def choose(torch, requested: str | None) -> tuple[str, str]:
    """The device to use and why: cuda if torch sees one, else cpu; ``--device`` forces it."""
    have = torch.cuda.is_available()
    if requested is None:
        return ("cuda", "default: torch sees a CUDA device") if have else \
            ("cpu", "default: torch sees no CUDA device")
    key = str(requested).strip().lower()
    if key not in ("cuda", "cpu"):
        raise KvplanError(f"--device must be cuda or cpu, got '{requested}'")
    if key == "cuda" and not have:
        built = torch.version.cuda or "none (a CPU build)"
        raise KvplanError(f"--device cuda: torch {torch.__version__} sees no CUDA device "
                          f"(built with CUDA {built})")
    return key, "--device " + key


def _driver() -> str | None:
    """The NVIDIA driver version, read from the kernel module (no subprocess, no NVML)."""
    try:
        with open("/proc/driver/nvidia/version") as f:
            first = f.readline()
    except OSError:
        return None
    parts = first.split("Kernel Module")
    return parts[1].split()[0] if len(parts) > 1 and parts[1].split() else first.strip() or None


def info(torch, kind: str, chosen: str) -> DeviceInfo:
    date = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    if kind == "cuda":
        idx = torch.cuda.current_device()
        props = torch.cuda.get_device_properties(idx)
        return DeviceInfo("cuda", torch.cuda.get_device_name(idx), chosen, torch.__version__,
                          _driver(), torch.version.cuda, int(props.total_memory), date)
    name = platform.processor() or platform.machine() or "cpu"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    name = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return DeviceInfo("cpu", f"CPU: {name} ({os.cpu_count()} logical cores)", chosen,
                      torch.__version__, None, None, None, date)


def free_bytes(torch, kind: str) -> int | None:
    """Memory free on the device now: torch.cuda.mem_get_info on CUDA; MemAvailable from
    /proc/meminfo on the CPU (None where the system does not say)."""
    if kind == "cuda":
        return int(torch.cuda.mem_get_info()[0])
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        return None
    return None


def guard(what: str, need: int, free: int | None, margin: int, kind: str) -> None:
    """Refuse, in one line, to allocate ``need`` bytes past free memory less the margin."""
    if free is None:
        return
    room = free - margin
    if need > room:
        raise KvplanError(
            f"{what} needs {need:,} bytes ({gib(need)}), but the {kind} has {free:,} "
            f"bytes free ({gib(free)}) less the {margin / GiB:g} GiB safety margin "
            f"(--safety-margin): use fewer --layers, a smaller --batch or --ctx")


def round512(n: int) -> int:
    """The CUDA caching allocator rounds every request up to a multiple of 512 bytes
    (c10/cuda/CUDACachingAllocator.cpp: kMinBlockSize = 512, round_size)."""
    return -(-n // 512) * 512


def cuda_memory_note() -> str:
    return ("torch.cuda.memory_allocated counts each block rounded up to 512 bytes (and a large "
            "block keeps the rest of its segment when that rest is 1 MiB or less, too small to split); "
            "memory_reserved counts the segments the caching allocator took from the driver: "
            "requests up to 1 MiB share 2 MiB segments, 1-10 MiB requests get 20 MiB segments, "
            "larger ones a segment of their own rounded up to 2 MiB "
            "(c10/cuda/CUDACachingAllocator.cpp: kSmallBuffer, kLargeBuffer, kRoundLarge), and a "
            "segment freed earlier may be reused, so reserved can grow by less")


def release(torch, kind: str) -> None:
    """Give cached blocks back to the driver (the tensors must already be gone)."""
    import gc

    gc.collect()
    if kind == "cuda":
        torch.cuda.synchronize()
        torch.cuda.empty_cache()
