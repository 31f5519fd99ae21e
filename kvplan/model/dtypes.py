"""Element formats for cached tensors: how many bytes a row of n values costs.

Every format is exact integer arithmetic. A plain format stores ``bits`` per value and a row
of n values costs ``ceil(n * bits / 8)`` bytes. A group-quantized format stores values in
groups of ``group`` with a fixed number of bytes per group (packed values plus their scale
and, for asymmetric formats, a zero point / minimum); a row of n values costs
``ceil(n / group)`` groups. Rows are the innermost contiguous vector of a cache tensor (one
head's K or V for one token, or one MLA latent), which is what real quantizers group over.

Sources for the grouped formats (bytes per block of 32 values):
  llama.cpp ggml/src/ggml-common.h: block_q8_0 = fp16 d + 32 int8 = 34 B; block_q4_0 = fp16 d +
  16 B of nibbles = 18 B; block_q4_1 = fp16 d + fp16 m + 16 B = 20 B; block_q5_0 = fp16 d +
  4 B high bits + 16 B = 22 B; block_q5_1 = fp16 d + fp16 m + 4 B + 16 B = 24 B.
  mxfp4: OCP Microscaling Formats (MX) v1.0 spec: blocks of 32 FP4 (E2M1) values sharing one
  8-bit E8M0 scale = 17 B (gpt-oss's expert weights: `*_blocks` uint8 + `*_scales` uint8).
  nvfp4: 16 FP4 (E2M1) values share one FP8 E4M3 scale = 9 B (NVIDIA's NVFP4; vLLM 0.33
  compressed_tensors_w4a4_nvfp4.py CompressedTensorsW4A4Fp4.create_weights: weight_packed
  uint8 [out, in / 2], weight_scale float8_e4m3fn [out, in / 16]).
  KIVI (Liu et al. 2024, arXiv:2402.02750): b-bit asymmetric quantization per group of G
  values with an fp16 scale and an fp16 zero point: ceil(G * b / 8) + 4 bytes per group.
"""
from __future__ import annotations

import re

from ..errors import KvplanError
from .frozen import record


def cdiv(a: int, b: int) -> int:
    """Ceiling division of non-negative ints."""
    return -(-a // b)


@record
class ElementFormat:
    """A storage format for cached values.

    ``group`` values are stored in ``group_bytes`` bytes. A plain format of b bits per value is
    expressed as group = 8 values in b bytes (8 values × b bits = b bytes), so one formula covers
    both; ``bits`` is kept for display and for the "never cheaper than its bits" property.
    """

    name: str
    bits: int  # nominal bits per value (the payload, without scales)
    group: int = 8
    group_bytes: int | None = None  # None: plain format, group_bytes = bits
    description: str = ""

    @property
    def grouped(self) -> bool:
        return self.group_bytes is not None

    def row_bytes(self, n: int) -> int:
        """Bytes for one contiguous row of ``n`` values."""
        if n < 0:
            raise ValueError("negative element count")
        if self.group_bytes is None:
            return cdiv(n * self.bits, 8)
        return cdiv(n, self.group) * self.group_bytes

    @property
    def torch_name(self) -> str | None:
        """The torch dtype that stores this format, if one does."""
        return _TORCH.get(self.name)


_PLAIN = {
    "fp32": (32, "IEEE float32"),
    "fp16": (16, "IEEE float16"),
    "bf16": (16, "bfloat16"),
    "fp8_e4m3": (8, "FP8 E4M3 (OCP; torch.float8_e4m3fn)"),
    "fp8_e5m2": (8, "FP8 E5M2"),
    "int8": (8, "int8, scales not counted (per-tensor scale)"),
    "int4": (4, "int4 packed two per byte, scales not counted"),
}
_GROUPED = {
    "q8_0": (8, 32, 34, "llama.cpp q8_0: 32 int8 + fp16 scale = 34 bytes per 32 values"),
    "q4_0": (4, 32, 18, "llama.cpp q4_0: 32 nibbles + fp16 scale = 18 bytes per 32 values"),
    "q4_1": (4, 32, 20, "llama.cpp q4_1: 32 nibbles + fp16 scale + fp16 min = 20 bytes per 32"),
    "q5_0": (5, 32, 22, "llama.cpp q5_0: 32 × 5 bits + fp16 scale = 22 bytes per 32 values"),
    "q5_1": (5, 32, 24, "llama.cpp q5_1: 32 × 5 bits + fp16 scale + fp16 min = 24 bytes per 32"),
    "iq4_nl": (4, 32, 18, "llama.cpp iq4_nl: fp16 scale + 32 non-linear 4-bit indices = 18 bytes per 32 values"),
    "mxfp4": (4, 32, 17, "OCP MX FP4 (E2M1): 32 values in 16 bytes + one E8M0 scale byte = 17 bytes"),
    "nvfp4": (4, 16, 9, "NVFP4: 16 FP4 (E2M1) values in 8 bytes + one FP8 E4M3 scale byte = 9 bytes (a weight "
                        "matrix adds one fp32 global scale; vLLM compressed_tensors_w4a4_nvfp4.py create_weights)"),
    "fp8_ds_mla": (8, 576, 656, "vLLM's fp8_ds_mla MLA row: 512 fp8 latent values + 4 fp32 scales + 64 bf16 RoPE "
                                "values = 656 bytes per 576-value latent (v1/attention/backends/mla/flashmla_sparse.py)"),
    "fp8_ds_index": (8, 128, 132, "DeepSeek indexer keys: 128 fp8 e4m3 values + one fp32 scale = 132 bytes "
                                  "(DeepSeek-V3.2 inference/model.py Indexer k_cache + k_scale_cache)"),
}
_ALIASES = {
    "float32": "fp32", "float": "fp32", "f32": "fp32",
    "float16": "fp16", "half": "fp16", "f16": "fp16",
    "bfloat16": "bf16",
    "fp8": "fp8_e4m3", "e4m3": "fp8_e4m3", "fp8_e4m3fn": "fp8_e4m3", "float8_e4m3fn": "fp8_e4m3",
    "e5m2": "fp8_e5m2", "float8_e5m2": "fp8_e5m2",
}
_TORCH = {"fp32": "float32", "fp16": "float16", "bf16": "bfloat16", "fp8_e4m3": "float8_e4m3fn",
          "fp8_e5m2": "float8_e5m2", "int8": "int8"}
_KIVI = re.compile(r"^kivi(\d+)(?:-g(\d+))?$")
KIVI_DEFAULT_GROUP = 32  # KIVI's paper uses group size 32 for keys and values


def names() -> list[str]:
    """Canonical format names, for help text and errors."""
    return [*_PLAIN, *_GROUPED, "kivi<b>[-g<G>]"]


def get(name: str) -> ElementFormat:
    """Look up a format by name or alias (case-insensitive); raise KvplanError if unknown."""
    key = str(name).strip().lower().replace("-", "_") if not str(name).lower().startswith("kivi") \
        else str(name).strip().lower()
    key = _ALIASES.get(key, key)
    if key in _PLAIN:
        bits, desc = _PLAIN[key]
        return ElementFormat(key, bits, description=desc)
    if key in _GROUPED:
        bits, group, gbytes, desc = _GROUPED[key]
        return ElementFormat(key, bits, group, gbytes, desc)
    m = _KIVI.match(key)
    if m:
        bits, group = int(m.group(1)), int(m.group(2) or KIVI_DEFAULT_GROUP)
        if not 1 <= bits <= 8 or group < 1:
            raise KvplanError(f"bad KIVI format '{name}': bits must be 1-8 and group positive")
        return ElementFormat(f"kivi{bits}-g{group}", bits, group, cdiv(group * bits, 8) + 4,
                             f"KIVI {bits}-bit, group {group}, fp16 scale + fp16 zero point")
    raise KvplanError(f"unknown dtype '{name}'; known: {', '.join(names())}")
