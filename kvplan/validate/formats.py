"""Element formats as torch storage, each derived from the format's own definition.

This is a second, independent statement of what ``kvplan/model/dtypes.py`` says in bytes: here a
format is a list of typed components per group of values (the fields of llama.cpp's block
structs, KIVI's scale and zero point), so that the bytes torch allocates for them check
``dtypes.py``'s ``group_bytes`` rather than repeat it. Components are stored as separate
tensors (structure of arrays); llama.cpp interleaves them per block (array of structures):
the same bytes.

Sources: llama.cpp ggml/src/ggml-common.h (block_q8_0: ``ggml_half d; int8_t qs[QK8_0]``,
QK8_0 = 32; block_q4_0: ``d; uint8_t qs[QK4_0 / 2]``; block_q4_1: ``d, m; qs[16]``;
block_q5_0: ``d; uint8_t qh[4]; qs[16]``; block_q5_1: ``d, m; qh[4]; qs[16]``; block_iq4_nl:
``d; qs[16]``); OCP Microscaling Formats (MX) v1.0: 32 FP4 E2M1 values and one E8M0 scale
byte; KIVI (arXiv:2402.02750): b-bit values per group of G with an fp16 scale and zero point.
"""
from __future__ import annotations

from ..model import dtypes
from ..errors import KvplanError
from ..model.frozen import record

# format -> (values per block, [(component, torch dtype, elements per block)])
_BLOCKS = {
    "q8_0": (32, [("d", "float16", 1), ("qs", "int8", 32)]),
    "q4_0": (32, [("d", "float16", 1), ("qs", "uint8", 16)]),
    "q4_1": (32, [("d", "float16", 1), ("m", "float16", 1), ("qs", "uint8", 16)]),
    "q5_0": (32, [("d", "float16", 1), ("qh", "uint8", 4), ("qs", "uint8", 16)]),
    "q5_1": (32, [("d", "float16", 1), ("m", "float16", 1), ("qh", "uint8", 4), ("qs", "uint8", 16)]),
    "iq4_nl": (32, [("d", "float16", 1), ("qs", "uint8", 16)]),
    "mxfp4": (32, [("e8m0", "uint8", 1), ("qs", "uint8", 16)]),
    # NVFP4: 16 E2M1 values packed two per byte and one E4M3 scale (vLLM's weight_packed uint8 and
    # weight_scale float8_e4m3fn, compressed_tensors_w4a4_nvfp4.py) = 9 bytes per 16 values
    "nvfp4": (16, [("scale", "float8_e4m3fn", 1), ("qs", "uint8", 8)]),
    # vLLM's fp8_ds_mla row (vllm/v1/attention/backends/mla/flashmla_sparse.py): 512 fp8 latent
    # values, 4 fp32 scales (one per 128), the 64 RoPE values in bf16 = 656 bytes per 576 values
    "fp8_ds_mla": (576, [("latent", "float8_e4m3fn", 512), ("scales", "float32", 4), ("rope", "bfloat16", 64)]),
    # DeepSeek's indexer keys: 128 fp8 values and one fp32 scale = 132 bytes
    "fp8_ds_index": (128, [("k", "float8_e4m3fn", 128), ("scale", "float32", 1)]),
}
# formats torch stores natively, one element per value
NATIVE = {"fp32": "float32", "fp16": "float16", "bf16": "bfloat16", "fp8_e4m3": "float8_e4m3fn",
          "fp8_e5m2": "float8_e5m2", "int8": "int8"}
# plain formats below a byte: values packed into uint8
_PACKED = {"int4": 2}  # values per byte


@record
class Part:
    """One tensor to allocate: a suffix for its name, its shape and torch dtype name."""

    suffix: str
    shape: tuple[int, ...]
    dtype: str


def parts(fmt: str, lead: tuple[int, ...], n: int) -> list[Part]:
    """The tensors holding ``lead`` rows of ``n`` values each in format ``fmt``: a native
    dtype of shape (*lead, n), or packed uint8 (and scales) grouped along the row."""
    f = dtypes.get(fmt)
    if f.name in NATIVE:
        return [Part("", (*lead, n), NATIVE[f.name])]
    if f.name in _PACKED:
        return [Part("packed", (*lead, -(-n // _PACKED[f.name])), "uint8")]
    if f.name in _BLOCKS:
        group, comps = _BLOCKS[f.name]
    elif f.name.startswith("kivi"):  # kivi<b>-g<G>: fp16 scale, fp16 zero, G b-bit values packed
        group = f.group
        comps = [("scale", "float16", 1), ("zero", "float16", 1), ("q", "uint8", -(-(group * f.bits) // 8))]
    else:  # a format added to dtypes.py but not described here: say so rather than guess
        raise KvplanError(f"validate has no torch storage for the {f.name} format yet")
    blocks = -(-n // group)
    return [Part(name, (*lead, blocks, count), dt) for name, dt, count in comps]


def native(fmt: str) -> str | None:
    """The torch dtype name that stores ``fmt`` one value per element, or None."""
    return NATIVE.get(dtypes.get(fmt).name)
