"""An accelerator: its memory, bandwidth and dense throughput, with their sources."""
from __future__ import annotations

from typing import Literal

from .frozen import Frozen, PositiveInt, Sources, field


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
    memory_bandwidth_bytes_per_s: PositiveInt
    dense_tflops: dict[Literal["fp16", "bf16", "fp8", "int8", "fp4", "fp32", "tf32"], float | None]
    interconnect: str | None = None
    interconnect_bytes_per_s: PositiveInt | None = None
    sources: Sources  # at least one
    notes: str = ""

    @property
    def usable_bytes(self) -> int:
        """What an allocator can see: the driver's figure where known, else the capacity sold."""
        return self.driver_memory_bytes or self.memory_bytes
