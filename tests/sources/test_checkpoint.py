"""Weights as stored: safetensors files written here with real headers (8-byte little-endian
length, JSON of dtype / shape / data_offsets, then the data) and tiny tensors."""
import json
import struct
from math import prod

import pytest
from typer.testing import CliRunner

from kvplan.sources import catalog, safetensors as checkpoint
from kvplan.cli import app
from kvplan.errors import KvplanError

runner = CliRunner(env={"COLUMNS": "160"})  # wide enough that no line of the summary wraps
BYTES = {"BF16": 2, "F16": 2, "F32": 4, "F8_E4M3": 1, "U8": 1, "I32": 4}

# A tiny Llama: hidden 16, 2 layers, 2 heads of 8, 1 KV head, MLP 32, vocab 64, bf16.
CONFIG = {"model_type": "llama", "hidden_size": 16, "num_hidden_layers": 2, "num_attention_heads": 2,
          "num_key_value_heads": 1, "head_dim": 8, "intermediate_size": 32, "vocab_size": 64,
          "max_position_embeddings": 256, "tie_word_embeddings": False, "torch_dtype": "bfloat16"}


def llama_tensors(dtype="BF16"):
    t = {"model.embed_tokens.weight": (dtype, [64, 16]), "lm_head.weight": (dtype, [64, 16]),
         "model.norm.weight": (dtype, [16])}
    for i in range(2):
        p = f"model.layers.{i}."
        t.update({p + "self_attn.q_proj.weight": (dtype, [16, 16]), p + "self_attn.k_proj.weight": (dtype, [8, 16]),
                  p + "self_attn.v_proj.weight": (dtype, [8, 16]), p + "self_attn.o_proj.weight": (dtype, [16, 16]),
                  p + "mlp.gate_proj.weight": (dtype, [32, 16]), p + "mlp.up_proj.weight": (dtype, [32, 16]),
                  p + "mlp.down_proj.weight": (dtype, [16, 32]), p + "input_layernorm.weight": (dtype, [16]),
                  p + "post_attention_layernorm.weight": (dtype, [16])})
    return t


# embeddings 64×16 = 1,024; LM head 1,024; final norm 16; per layer q 256 + k 128 + v 128 + o 256
# + MLP 3 × 512 + two norms 32 = 2,336; two layers 4,672: 1,024 + 1,024 + 16 + 4,672 = 6,736
PARAMS = 6_736


def write_safetensors(path, tensors: dict):
    """A real safetensors file: header length (u64 LE), JSON header, zeroed data."""
    header, offset = {}, 0
    for name, (dtype, shape) in tensors.items():
        n = prod(shape) * BYTES[dtype]
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [offset, offset + n]}
        offset += n
    header["__metadata__"] = {"format": "pt"}
    raw = json.dumps(header).encode()
    raw += b" " * (-len(raw) % 8)  # the format pads the header to a multiple of 8 with spaces
    path.write_bytes(struct.pack("<Q", len(raw)) + raw + bytes(offset))
    return offset


def folder(tmp_path, shards):
    d = tmp_path / "tiny"
    d.mkdir()
    (d / "config.json").write_text(json.dumps(CONFIG))
    total = sum(write_safetensors(d / name, t) for name, t in shards.items())
    return d, total


def test_one_file_exact_bytes_and_parameters(tmp_path):
    d, total = folder(tmp_path, {"model.safetensors": llama_tensors()})
    spec = catalog.load_model(str(d))
    assert spec.parameters() == PARAMS
    st = spec.stored_weights
    assert st.bytes == total == 2 * PARAMS == 13_472 and st.elements == PARAMS and st.tensors == 21
    assert st.differences(PARAMS) == []  # the text decoder is exactly kvplan's architecture
    assert spec.weight_bytes() == (13_472, "as stored (BF16)")


def test_shards_with_index_and_a_vision_tower(tmp_path):
    t = llama_tensors()
    names = list(t)
    a = {n: t[n] for n in names[:10]}
    b = {n: t[n] for n in names[10:]}
    b["model.vision_tower.patch_embed.weight"] = ("F32", [10, 16])  # 160 values, 640 bytes
    b["model.layers.0.self_attn.q_proj.weight_scale"] = ("F32", [1])  # a quantization scale, 4 bytes
    d, total = folder(tmp_path, {"model-00001-of-00002.safetensors": a, "model-00002-of-00002.safetensors": b})
    index = {"metadata": {"total_size": total},
             "weight_map": {**{n: "model-00001-of-00002.safetensors" for n in a},
                            **{n: "model-00002-of-00002.safetensors" for n in b}}}
    (d / checkpoint.INDEX).write_text(json.dumps(index))
    st = catalog.load_model(str(d)).stored_weights
    assert st.bytes == 13_472 + 640 + 4 == total
    assert st.part_elements == {"text decoder": PARAMS, "vision tower": 160, "quantization scales": 1}
    assert st.dtype_bytes == {"BF16": 13_472, "F32": 644}
    assert st.differences(PARAMS) == ["vision tower: 160 values not in the text decoder",
                                      "quantization scales: 1 values not in the text decoder"]
    assert st.towers_bytes() == 640
    spec = catalog.load_model(str(d))
    assert spec.weight_bytes()[0] == total and spec.weight_bytes(text_only=True)[0] == total - 640
    r = runner.invoke(app, ["size", str(d), "--ctx", "256", "--text-only", "--json"])
    d_json = json.loads(r.stdout)
    assert d_json["weights_bytes"] == 13_472 + 4  # the tower's 640 bytes left out
    assert d_json["stored_weights"]["bytes"] == 14_116


def test_missing_shard_falls_back_to_the_index_total(tmp_path):
    d, total = folder(tmp_path, {"model-00001-of-00002.safetensors": llama_tensors()})
    (d / checkpoint.INDEX).write_text(json.dumps({"metadata": {"total_size": 99_000},
                                                  "weight_map": {"x": "model-00002-of-00002.safetensors",
                                                                 "y": "model-00001-of-00002.safetensors"}}))
    st = checkpoint.read(d)
    assert st.bytes == 99_000 and st.elements is None
    assert "1 of 2 shards not on disk" in st.source


def test_extra_layers_and_packed_integers_are_named(tmp_path):
    t = llama_tensors()
    t["model.layers.2.eh_proj.weight"] = ("BF16", [16, 32])  # an MTP layer past the 2 decoder layers
    t["model.layers.0.mlp.gate_proj.weight"] = ("I32", [32, 2])  # 512 int4 values packed 8 per int32
    d, _ = folder(tmp_path, {"model.safetensors": t})
    st = catalog.load_model(str(d)).stored_weights
    assert st.part_elements["layers beyond the decoder's"] == 512
    diff = st.differences(PARAMS)
    assert diff[0] == ("text decoder: 6,288 values stored, -448 beside the architecture's 6,736 (packed "
                       "integers: a stored value holds several parameters)")
    assert diff[1] == "layers beyond the decoder's: 512 values not in the text decoder"


def test_size_and_fit_use_the_stored_bytes(tmp_path):
    d, _ = folder(tmp_path, {"model.safetensors": llama_tensors()})
    r = runner.invoke(app, ["size", str(d), "--ctx", "256"])
    assert r.exit_code == 0, r.output
    assert "weights as stored: 13,472 bytes = 13.47 kB (13.156 KiB) (BF16), read from model.safetensors" in r.stdout
    assert "kvplan's architecture: 6,736 parameters" in r.stdout
    f = json.loads(runner.invoke(app, ["fit", str(d), "--gpu", "h100", "--ctx", "256", "--json"]).stdout)
    assert f["weights_bytes"] == 13_472 and f["weight_dtype"] == "as stored (BF16)"
    # a format asked for prices the architecture instead: 6,736 × 1 byte
    g = json.loads(runner.invoke(app, ["size", str(d), "--ctx", "256", "--weight-dtype", "fp8", "--json"]).stdout)
    assert g["weights_bytes"] == PARAMS and g["stored_weights"] is None


@pytest.mark.parametrize("data,message", [
    (b"\x01\x00", "shorter than its 8-byte header length"),
    (struct.pack("<Q", 2**40), "header length"),
    (struct.pack("<Q", 4) + b"nope", "its header is not JSON"),
])
def test_not_safetensors_is_one_line(tmp_path, data, message):
    d = tmp_path / "bad"
    d.mkdir()
    (d / "config.json").write_text(json.dumps(CONFIG))
    (d / "model.safetensors").write_bytes(data)
    with pytest.raises(KvplanError, match=message):
        catalog.load_model(str(d))
    r = runner.invoke(app, ["size", str(d), "--ctx", "1"])
    assert r.exit_code == 2 and len(r.stderr.strip().splitlines()) == 1


def test_fit_uses_the_stored_bytes_on_one_gpu_only(tmp_path):
    t = llama_tensors()
    t["model.layers.0.self_attn.q_proj.weight_scale"] = ("F32", [1])  # stored, not in the architecture
    d, total = folder(tmp_path, {"model.safetensors": t})
    assert total == 13_472 + 4
    one = json.loads(runner.invoke(app, ["fit", str(d), "--gpu", "h100", "--ctx", "256", "--json"]).stdout)
    assert one["weights_bytes"] == 13_476  # the checkpoint's own bytes, scale included
    two = json.loads(runner.invoke(app, ["fit", str(d), "--gpu", "h100", "--ctx", "256", "--pp", "2",
                                         "--json"]).stdout)
    assert sum(s["weights_bytes"] for s in two["stages"]) != 13_476  # each stage computed from the architecture
    assert any(n.startswith("weights as stored (13,476 bytes) are used on one GPU only") for n in two["notes"])
