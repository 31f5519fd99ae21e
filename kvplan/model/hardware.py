"""An accelerator: its memory, bandwidth and dense throughput, with their sources."""
from __future__ import annotations

from typing import Literal, NamedTuple

from .frozen import Frozen, PositiveInt, Sources, field

MiB = 2**20
# What a driver keeps that CUDA never reports (issue 20): the engines size their budgets from
# CUDA's total (cudaMemGetInfo / torch.cuda.mem_get_info), which is below nvidia-smi's "Total"
# and below the capacity sold. Where no CUDA total of a GPU was observed, kvplan subtracts the
# LARGEST shortfall observed on any catalog GPU (cautious, never optimistic), marked estimated.
# Each figure is the max over model_specs/gpus.yaml's sourced pairs, rounded up to a MiB;
# tests/model/test_cuda_total.py recomputes them from the file, so they cannot drift. A
# unified-memory part (GB10, memory_label "unified") is left out: the OS shares its pool.
RESERVE_BELOW_DRIVER = 876 * MiB  # a100-sxm-80gb: nvidia-smi 81,920 MiB, CUDA 79.15 GiB
RESERVE_BELOW_SOLD = {"hbm": 1736 * MiB,  # gb200: 186 GiB sold, CUDA 184.31 GiB
                      "other": 3784 * MiB}  # l40s (GDDR6 with ECC): 48 GiB sold, CUDA 44.31 GiB


# Which interconnects (the catalog's free text, matched case-insensitively) are a GPU-to-GPU scale-up fabric
# joining every card, rather than PCIe or a bridge joining pairs only.
SCALE_UP_FABRICS = ("nvlink", "infinity fabric")
SCALE_UP_FABRICS_SOURCE = (
    "NVLink / NVSwitch (NVIDIA datasheets); AMD Infinity Fabric: an 8 x MI300X platform connects every GPU to the "
    "7 others by direct peer links of 128 GB/s each (AMD MI300X data sheet; ROCm docs, conceptual/gpu-arch/mi300), "
    "a GPU-to-GPU fabric like NVLink, not PCIe")


def scale_up_fabric(gpu) -> bool:
    """Whether ``gpu``'s cards are all linked by a scale-up fabric (NVLink, AMD Infinity Fabric:
    SCALE_UP_FABRICS) rather than PCIe, a bridge joining pairs only; read from the catalog's
    interconnect text ("PCIe 4.0 x16 (no NVLink)" names none)."""
    ic = (getattr(gpu, "interconnect", None) or "").lower()
    return any(f in ic for f in SCALE_UP_FABRICS) and "bridge" not in ic and "no nvlink" not in ic


def printed_floor(printed: str) -> int:
    """The fewest bytes a printed total can stand for: "79.11 GiB" (a value rounded to its last
    digit) is at least 79.105 GiB; "42298834944 bytes" is exact. Rounded down to a byte."""
    num, unit = printed.split()
    if unit == "bytes":
        return int(num)
    scale = {"GiB": 2**30, "MiB": MiB}[unit]
    from decimal import Decimal  # here, not at import: a query that prints no GPU never pays for it

    step = Decimal(1).scaleb(Decimal(num).as_tuple().exponent)  # 0.01 for "79.11"
    return int((Decimal(num) - step / 2) * scale)


class MemoryBasis(NamedTuple):
    """The total an engine's budget starts from, where it comes from, and how far it may err."""

    bytes: int
    source: str  # one line, no nested parentheses (it is printed inside one)
    uncertainty: int  # bytes either way; 0 where CUDA's own total was observed

    @property
    def estimated(self) -> bool:
        return self.uncertainty > 0


class _Frozen(Frozen):
    """A spec class: a frozen class (kvplan.model.frozen), validated by pydantic only for untrusted input."""


class GpuSpec(_Frozen):
    """One accelerator, with its sources. Throughputs are dense (no 2:4 sparsity)."""

    name: str
    display_name: str
    vendor: Literal["nvidia", "amd", "intel", "google", "other"]
    aliases: list[str] = field(default_factory=list)
    memory_label: str
    memory_bytes: PositiveInt
    driver_memory_bytes: PositiveInt | None = None
    # CUDA's (HIP's) total, the lowest observed over cuda_memory_sources, each
    # {printed, url, quote}; printed as "79.11 GiB" or "42298834944 bytes"
    cuda_memory_bytes: PositiveInt | None = None
    cuda_memory_sources: list[dict[str, str]] = field(default_factory=list)
    memory_bandwidth_bytes_per_s: PositiveInt
    # what torch.cuda.get_device_properties().multi_processor_count reports (SMs on NVIDIA, compute
    # units on AMD; vLLM's platforms num_compute_units), with its {url, quote}; None where no
    # source was found (then a rule that needs it takes its cautious side)
    multi_processor_count: PositiveInt | None = None
    multi_processor_count_source: dict[str, str] | None = None
    dense_tflops: dict[Literal["fp16", "bf16", "fp8", "int8", "fp4", "fp32", "tf32"], float | None]
    interconnect: str | None = None
    interconnect_bytes_per_s: PositiveInt | None = None
    sources: Sources  # at least one
    notes: str = ""

    @property
    def unified_memory(self) -> bool:
        """Whether the card shares its memory with the CPU and the OS (the catalog's memory_label
        says "unified": the DGX Spark's GB10). There vLLM reads free memory from the host
        (utils/mem_utils.py MemorySnapshot.measure: psutil.virtual_memory().available on an
        integrated GPU), so its non-torch term counts host allocations kvplan does not model."""
        return "unified" in self.memory_label.lower()

    @property
    def smi_bytes(self) -> int:
        """nvidia-smi's (rocm-smi's) total where known, else the capacity sold: what SGLang's
        default --mem-fraction-static reads (nvidia-smi --query-gpu=memory.total)."""
        return self.driver_memory_bytes or self.memory_bytes

    @property
    def memory_basis(self) -> MemoryBasis:
        """CUDA's total where observed (the lowest); else nvidia-smi's total or the capacity sold
        less the largest shortfall observed on any catalog GPU, marked estimated."""
        if self.cuda_memory_bytes:
            urls = sorted({s["url"] for s in self.cuda_memory_sources
                           if printed_floor(s["printed"]) == self.cuda_memory_bytes})
            return MemoryBasis(self.cuda_memory_bytes,
                               f"CUDA total, the lowest observed: {', '.join(urls)}", 0)
        if self.driver_memory_bytes:
            r = RESERVE_BELOW_DRIVER
            return MemoryBasis(self.driver_memory_bytes - r,
                               f"estimated: no CUDA total observed; the driver's total less "
                               f"{r // MiB:,} MiB, the largest reserve observed on a catalog GPU", r)
        r = RESERVE_BELOW_SOLD["hbm" if "HBM" in self.memory_label.upper() else "other"]
        return MemoryBasis(self.memory_bytes - r,
                           f"estimated: no CUDA or driver total observed; the capacity sold less "
                           f"{r // MiB:,} MiB, the largest shortfall observed on a catalog GPU", r)

    @property
    def usable_bytes(self) -> int:
        """What an engine's budget starts from: CUDA's total (``memory_basis``)."""
        return self.memory_basis.bytes
