"""Weights as a checkpoint stores them: safetensors headers read by hand, no weights read.

A safetensors file starts with an 8-byte little-endian header length N and N bytes of JSON:
for every tensor its ``dtype``, ``shape`` and ``data_offsets`` [begin, end) into the data that
follows (huggingface/safetensors, docs "Format"). The bytes of a tensor are end − begin, exactly
what is stored: a quantized checkpoint's packed integers, fp8 blocks with their scales, MXFP4
experts, a vision tower. Where the shards are not all on disk, ``model.safetensors.index.json``'s
``metadata.total_size`` (transformers' save_pretrained: the sum of the tensors' bytes) is used.

Tensor names are sorted into parts so that the stored element count can be set beside kvplan's
architecture count with the difference named: vision and audio towers (and their projectors),
decoder layers beyond the architecture's count (DeepSeek's multi-token-prediction layer),
quantization scales and zero points, and the text decoder (everything else).
"""
from __future__ import annotations

import json
import re
import struct
from math import prod
from pathlib import Path

from ..errors import KvplanError
from ..model.weights import StoredWeights

INDEX = "model.safetensors.index.json"
MAX_HEADER = 100 * 2**20  # safetensors refuses headers over 100 MB (its MAX_HEADER_SIZE)

_TOWER = re.compile(r"(^|\.)(vision_tower|vision_model|visual|vision|vision_encoder|image_encoder|"
                    r"multi_modal_projector|mm_projector|embed_vision|image_newline)(\.|$)")
_AUDIO = re.compile(r"(^|\.)(audio_tower|audio_model|audio|audio_encoder|embed_audio)(\.|$)")
_SCALE = re.compile(r"(_scale|_scale_inv|\.scales|_scales|\.qzeros|\.g_idx|_zero_point|\.absmax|"
                    r"\.input_scale|\.weight_scale_2)$")
_LAYER = re.compile(r"(?:^|\.)layers\.(\d+)\.")


def read_header(path: Path) -> dict:
    """The JSON header of one safetensors file (tensor name -> dtype, shape, data_offsets)."""
    try:
        with open(path, "rb") as f:
            head = f.read(8)
            if len(head) < 8:
                raise KvplanError(f"{path}: not a safetensors file (shorter than its 8-byte header length)")
            (n,) = struct.unpack("<Q", head)
            if n > MAX_HEADER:
                raise KvplanError(f"{path}: not a safetensors file (header length {n:,} bytes)")
            raw = f.read(n)
    except OSError as e:
        raise KvplanError(f"cannot read {path}: {e.strerror or e}") from None
    try:
        meta = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise KvplanError(f"{path}: not a safetensors file (its header is not JSON)") from None
    if len(raw) < n or not isinstance(meta, dict):
        raise KvplanError(f"{path}: not a safetensors file (truncated header)")
    return {k: v for k, v in meta.items() if k != "__metadata__"}


def part_of(name: str, num_layers: int | None) -> str:
    """Which part of a checkpoint a tensor belongs to, by its name."""
    if _SCALE.search(name):
        return "quantization scales"
    if _TOWER.search(name):
        return "vision tower"
    if _AUDIO.search(name):
        return "audio tower"
    m = _LAYER.search(name)
    if m and num_layers is not None and int(m.group(1)) >= num_layers:
        return "layers beyond the decoder's"
    return "text decoder"


def from_headers(headers: dict[str, dict], source: str, num_layers: int | None) -> StoredWeights:
    nbytes = elements = 0
    parts_el: dict[str, int] = {}
    parts_b: dict[str, int] = {}
    by_dtype: dict[str, int] = {}
    for name, t in headers.items():
        try:
            begin, end = t["data_offsets"]
            n = prod(t["shape"])
            dtype = str(t["dtype"])
        except (KeyError, TypeError, ValueError):
            raise KvplanError(f"{source}: tensor '{name}' has no dtype, shape and data_offsets") from None
        if end < begin:
            raise KvplanError(f"{source}: tensor '{name}' ends before it begins")
        part = part_of(name, num_layers)
        nbytes += end - begin
        elements += n
        parts_el[part] = parts_el.get(part, 0) + n
        parts_b[part] = parts_b.get(part, 0) + end - begin
        by_dtype[dtype] = by_dtype.get(dtype, 0) + end - begin
    return StoredWeights(bytes=nbytes, source=source, tensors=len(headers), elements=elements,
                         part_elements=parts_el, part_bytes=parts_b, dtype_bytes=by_dtype)


def read(folder: Path, num_layers: int | None = None) -> StoredWeights | None:
    """Weights as stored in a model folder (or cached snapshot); None when it holds none."""
    files = sorted(folder.glob("*.safetensors"))
    index = folder / INDEX
    listed: list[str] = []
    total = None
    if index.exists():
        try:
            from .readers import load_json

            data = load_json(index, "safetensors index")
            total = data.get("metadata", {}).get("total_size")
            listed = sorted(set((data.get("weight_map") or {}).values()))
        except (ValueError, AttributeError):
            raise KvplanError(f"{index}: not a safetensors index (malformed JSON)") from None
    present = {f.name for f in files}
    missing = [s for s in listed if s not in present]
    if files and not missing:
        headers: dict[str, dict] = {}
        for f in files if not listed else [folder / s for s in listed]:
            headers.update(read_header(f))
        count = len(listed) if listed else len(files)
        what = files[0].name if count == 1 else f"{count} safetensors files"
        return from_headers(headers, f"{what} in {folder}", num_layers)
    if isinstance(total, int) and total > 0:
        note = f" ({len(missing)} of {len(listed)} shards not on disk)" if missing else ""
        return StoredWeights(bytes=total, source=f"{INDEX} metadata.total_size in {folder}{note}")
    return None
