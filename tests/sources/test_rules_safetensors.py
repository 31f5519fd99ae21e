"""The safetensors reader's boundaries and messages (issue 25: the mutants of
kvplan/sources/safetensors.py). Every file is a real safetensors file built here: an 8-byte
little-endian header length N, N bytes of JSON header, then the tensors' bytes; sizes are tiny
and worked out by hand beside each assertion."""
import json
import struct

import pytest

from kvplan.errors import KvplanError
from kvplan.sources import safetensors as st


def write(path, header: dict, declared: int | None = None, data: bytes = b""):
    """A header as given (no padding), with its true length or ``declared`` as the length field."""
    raw = json.dumps(header).encode()
    path.write_bytes(struct.pack("<Q", len(raw) if declared is None else declared) + raw + data)
    return path


def tensor(dtype, shape, begin, end):
    return {"dtype": dtype, "shape": shape, "data_offsets": [begin, end]}


def test_header_length_is_unsigned(tmp_path):
    # 8 bytes of 0xff: an unsigned u64 of 2**64 - 1, far past the 100 MiB cap (read signed it
    # would be -1 and slip past the cap)
    p = tmp_path / "a.safetensors"
    p.write_bytes(b"\xff" * 8 + b"{}")
    with pytest.raises(KvplanError, match=r"a\.safetensors: not a safetensors file \(header length "
                                          r"18,446,744,073,709,551,615 bytes\)$"):
        st.read_header(p)


def test_header_length_at_the_cap_is_read(tmp_path):
    # exactly MAX_HEADER = 100 × 2**20 = 104,857,600 bytes is allowed (safetensors refuses only
    # more); this file declares that much but holds only "{}": a truncated header, not a length error
    p = write(tmp_path / "a.safetensors", {}, declared=st.MAX_HEADER)
    assert st.MAX_HEADER == 104_857_600
    with pytest.raises(KvplanError, match=r"a\.safetensors: not a safetensors file \(truncated header\)$"):
        st.read_header(p)
    q = write(tmp_path / "b.safetensors", {}, declared=st.MAX_HEADER + 1)
    with pytest.raises(KvplanError, match=r"\(header length 104,857,601 bytes\)$"):
        st.read_header(q)


def test_truncated_or_not_an_object(tmp_path):
    # a header declared 100 bytes long that holds a complete JSON object of 2: truncated
    p = write(tmp_path / "a.safetensors", {}, declared=100)
    with pytest.raises(KvplanError, match=r"truncated header\)$"):
        st.read_header(p)
    # a whole header that is JSON but not an object
    q = tmp_path / "b.safetensors"
    q.write_bytes(struct.pack("<Q", 3) + b"[1]")
    with pytest.raises(KvplanError, match=r"b\.safetensors: not a safetensors file \(truncated header\)$"):
        st.read_header(q)


def test_a_folder_is_not_readable(tmp_path):
    with pytest.raises(KvplanError, match=r"^cannot read .*: Is a directory$"):
        st.read_header(tmp_path)


def test_header_drops_the_metadata(tmp_path):
    h = {"__metadata__": {"format": "pt"}, "w": tensor("BF16", [2, 3], 0, 12)}
    assert st.read_header(write(tmp_path / "a.safetensors", h, data=bytes(12))) == {"w": h["w"]}


@pytest.mark.parametrize("name,layers,part", [
    ("model.audio_tower.layers.0.fc1.weight", 32, "audio tower"),
    ("audio.encoder.weight", 32, "audio tower"),
    ("model.vision_tower.blocks.0.weight", 32, "vision tower"),
    ("model.layers.0.mlp.down_proj.weight_scale_inv", 32, "quantization scales"),
    ("model.layers.31.mlp.down_proj.weight", 32, "text decoder"),
    ("model.layers.32.eh_proj.weight", 32, "layers beyond the decoder's"),
    ("model.layers.32.eh_proj.weight", None, "text decoder"),  # no layer count: nothing is beyond it
])
def test_part_of(name, layers, part):
    assert st.part_of(name, layers) == part


def test_from_headers_sums_bytes_per_part_and_dtype():
    # two text tensors of 12 and 8 bytes, a zero-byte tensor (begin == end is allowed), an audio
    # tensor of 4 F32 values = 16 bytes
    h = {"a": tensor("BF16", [2, 3], 0, 12), "b": tensor("BF16", [4], 12, 20), "empty": tensor("BF16", [0], 20, 20),
         "audio_tower.w": tensor("F32", [4], 20, 36)}
    w = st.from_headers(h, "src", 2)
    assert w.bytes == 36 and w.elements == 6 + 4 + 0 + 4 == 14 and w.tensors == 4
    assert w.part_bytes == {"text decoder": 20, "audio tower": 16}
    assert w.part_elements == {"text decoder": 10, "audio tower": 4}
    assert w.dtype_bytes == {"BF16": 20, "F32": 16}


def test_from_headers_messages():
    with pytest.raises(KvplanError, match=r"^src: tensor 'w' has no dtype, shape and data_offsets$"):
        st.from_headers({"w": {"dtype": "BF16", "shape": [1]}}, "src", None)
    with pytest.raises(KvplanError, match=r"^src: tensor 'w' ends before it begins$"):
        st.from_headers({"w": tensor("BF16", [1], 2, 1)}, "src", None)


def shard(path, name, n):
    """One shard holding a single BF16 tensor of ``n`` values: 2n bytes."""
    return write(path, {name: tensor("BF16", [n], 0, 2 * n)}, data=bytes(2 * n))


def test_index_lists_the_shards_read(tmp_path):
    # two listed shards of 3 and 5 values (6 + 10 = 16 bytes) beside a stray consolidated file of
    # 100 values that the index does not list (Mistral's repos ship both): only the listed count
    shard(tmp_path / "model-00001-of-00002.safetensors", "a", 3)
    shard(tmp_path / "model-00002-of-00002.safetensors", "b", 5)
    shard(tmp_path / "consolidated.safetensors", "c", 100)
    (tmp_path / st.INDEX).write_text(json.dumps({"weight_map": {"a": "model-00001-of-00002.safetensors",
                                                                 "b": "model-00002-of-00002.safetensors"}}))
    w = st.read(tmp_path)  # an index without "metadata" is fine when the shards are on disk
    assert w.bytes == 16 and w.elements == 8 and w.tensors == 2
    assert w.source == f"2 safetensors files in {tmp_path}"


def test_one_file_or_several_without_an_index(tmp_path):
    shard(tmp_path / "model.safetensors", "a", 3)
    assert st.read(tmp_path).source == f"model.safetensors in {tmp_path}"
    shard(tmp_path / "extra.safetensors", "b", 5)
    w = st.read(tmp_path)
    assert w.source == f"2 safetensors files in {tmp_path}" and w.bytes == 16


def test_index_total_when_no_shard_is_on_disk(tmp_path):
    (tmp_path / st.INDEX).write_text(json.dumps({"metadata": {"total_size": 1}}))
    w = st.read(tmp_path)  # 1 byte is a total; no shard listed, none missing: no note
    assert w.bytes == 1 and w.source == f"{st.INDEX} metadata.total_size in {tmp_path}"
    (tmp_path / st.INDEX).write_text(json.dumps({"metadata": {"total_size": 0}, "weight_map": {"a": "x.safetensors"}}))
    assert st.read(tmp_path) is None  # a total of 0 bytes is no total


def test_index_errors_name_the_index(tmp_path):
    (tmp_path / st.INDEX).write_bytes(b'{"a": "\xe9"}')
    with pytest.raises(KvplanError, match=r"not UTF-8 text .*; a safetensors index must be UTF-8$"):
        st.read(tmp_path)
    (tmp_path / st.INDEX).write_text("[1, 2]")  # JSON, but not an object
    with pytest.raises(KvplanError, match=r"^.*model\.safetensors\.index\.json: not a safetensors index "
                                          r"\(malformed JSON\)$"):
        st.read(tmp_path)
