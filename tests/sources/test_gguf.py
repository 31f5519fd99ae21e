"""GGUF files written here with gguf.GGUFWriter (llama.cpp's gguf-py), planned and sized by kvplan."""
import json

import pytest
from typer.testing import CliRunner

from kvplan.sources import catalog
from kvplan.cli import app
from kvplan.errors import KvplanError

gguf = pytest.importorskip("gguf")
np = pytest.importorskip("numpy")
runner = CliRunner()


def write(path, arch="gemma2", layers=4, kv=2, window=64, pattern=None, extra=None):
    w = gguf.GGUFWriter(str(path), arch)
    w.add_name("Tiny Test Model")
    w.add_block_count(layers)
    w.add_context_length(8192)
    w.add_embedding_length(32)
    w.add_feed_forward_length(64)
    w.add_head_count(4)
    w.add_head_count_kv(kv)
    w.add_key_length(16)
    w.add_value_length(16)
    w.add_vocab_size(100)
    if window:
        w.add_sliding_window(window)
    if pattern is not None:
        w.add_sliding_window_pattern(pattern)
    for k, v in (extra or {}).items():
        w.add_uint32(k, v)
    # token_embd: 100 × 32 f16 = 6,400 bytes; attn_q: 64 × 32 values in Q8_0 (blocks of 32 values
    # in 34 bytes: 2 bytes of scale + 32 int8) = 64 blocks × 34 = 2,176 bytes; output_norm: 32 f32 = 128
    w.add_tensor("token_embd.weight", np.zeros((100, 32), dtype=np.float16))
    q8 = gguf.quants.quantize(np.zeros((64, 32), dtype=np.float32), gguf.GGMLQuantizationType.Q8_0)
    w.add_tensor("blk.0.attn_q.weight", q8, raw_dtype=gguf.GGMLQuantizationType.Q8_0)
    w.add_tensor("output_norm.weight", np.zeros(32, dtype=np.float32))
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
    return path


def test_gemma2_gguf_planned_in_llamacpp_layout(tmp_path):
    f = write(tmp_path / "tiny.gguf")
    r = runner.invoke(app, ["size", str(f), "--ctx", "1024", "--json"])
    assert r.exit_code == 0, r.output
    d = json.loads(r.stdout)
    assert d["engine"] == "llamacpp"  # the default for a .gguf
    # gemma2 slides layers 0 and 2 (load_swa_pattern(ml, 2): il % 2 < 1). n_ctx_seq = pad(1024, 256)
    # = 1024 cells on the global layers; n_ubatch = min(1024, 2048, 512) = 512, so the SWA cache has
    # pad(min(1024, 64 + 512), 256) = 768 cells. A cell of one layer: K and V, 2 heads × 16 × 2 bytes
    # (f16) each = 128 bytes. 2 × 1,024 × 128 + 2 × 768 × 128 = 262,144 + 196,608 = 458,752
    assert d["kv_cache_bytes"] == 2 * 1024 * 128 + 2 * 768 * 128 == 458_752
    assert {(g["layer_type"], g["count"], g["tokens"]) for g in d["layers"]} == {("local", 2, 768), ("global", 2, 1024)}
    # the weights are the tensor table's: 6,400 + 2,176 + 128
    assert d["weights_bytes"] == 6_400 + 2_176 + 128 == 8_704
    st = d["stored_weights"]
    assert st["dtype_bytes"] == {"F16": 6_400, "Q8_0": 2_176, "F32": 128}
    assert st["elements"] == 3_200 + 2_048 + 32 and st["tensors"] == 3
    note = " ".join(r.stderr.split())  # notes fold to the terminal's width
    assert "tiny.gguf: arch gemma2, 4 layers; weights 8,704 bytes from its tensor table" in note


def test_pattern_array_and_per_layer_kv_heads(tmp_path):
    f = write(tmp_path / "arr.gguf", arch="llama", kv=[2, 1, 2, 1], window=32,
              pattern=[True, False, False, False])
    spec = catalog.load_model(str(f))
    assert [spec.layer_types[n].mixer.kind for n in spec.layers] == ["sliding", "full", "full", "full"]
    assert [spec.layer_types[n].mixer.num_kv_heads for n in spec.layers] == [2, 1, 2, 1]
    assert spec.tie_embeddings  # no output.weight: the LM head is token_embd
    d = json.loads(runner.invoke(app, ["size", str(f), "--ctx", "256", "--json", "--engine", "ideal"]).stdout)
    # ideal: layer 0 holds min(256, 32) = 32 tokens × 2 heads; layers 1-3 hold 256 tokens × 1, 2, 1 heads;
    # a token of one head in one layer is K + V = 2 × 16 × 2 bytes = 64
    assert d["kv_cache_bytes"] == 64 * (32 * 2 + 256 * (1 + 2 + 1)) == 69_632


def test_pattern_period_key_overrides_the_arch_default(tmp_path):
    # period 4: layer il slides when il % 4 < 3, so layers 0, 1, 2 slide and layer 3 does not
    f = write(tmp_path / "p.gguf", extra={"gemma2.attention.sliding_window_pattern": 4})
    spec = catalog.load_model(str(f))
    assert [spec.layer_types[n].mixer.kind for n in spec.layers] == ["sliding"] * 3 + ["full"]


def test_unknown_window_rule_is_refused(tmp_path):
    f = write(tmp_path / "w.gguf", arch="qwen2")
    with pytest.raises(KvplanError, match="does not know which of arch 'qwen2''s layers llama.cpp slides"):
        catalog.load_model(str(f))


def test_not_a_gguf_is_one_line(tmp_path):
    f = tmp_path / "junk.gguf"
    f.write_bytes(b"not a gguf at all")
    r = runner.invoke(app, ["size", str(f), "--ctx", "16"])
    assert r.exit_code == 2
    assert r.stderr.startswith("kvplan: error: ") and "not a GGUF file" in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1


def test_without_the_gguf_package_names_the_extra(tmp_path, monkeypatch):
    import sys

    f = write(tmp_path / "tiny.gguf")
    monkeypatch.setitem(sys.modules, "gguf", None)
    r = runner.invoke(app, ["size", str(f), "--ctx", "16"])
    assert r.exit_code == 2
    assert r.stderr.strip() == "kvplan: error: reading tiny.gguf needs the gguf package: pip install 'kvplan[gguf]'"
