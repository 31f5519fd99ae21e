"""The Hugging Face importer: each config feature, on real fixtures and on minimal configs."""
import json

import pytest

from kvplan.sources import hfconfig as hf
from kvplan.errors import KvplanError

BASE = {"model_type": "llama", "hidden_size": 4096, "num_hidden_layers": 4, "num_attention_heads": 32,
        "num_key_value_heads": 8, "intermediate_size": 11008, "vocab_size": 32000, "torch_dtype": "bfloat16"}


def imp(**over):
    cfg = {**BASE, **over}
    return hf.from_config({k: v for k, v in cfg.items() if v is not None}, "test")


def mixers(spec):
    return [spec.layer_types[n].mixer for n in spec.layers]


def test_head_dim_explicit_beats_derived():
    assert mixers(imp(head_dim=256))[0].head_dim == 256      # Gemma-style: not hidden / heads
    assert mixers(imp())[0].head_dim == 4096 // 32


def test_absent_kv_heads_means_mha():
    assert mixers(imp(num_key_value_heads=None))[0].num_kv_heads == 32


def test_heads_not_divisible_is_an_error():
    with pytest.raises(KvplanError, match="num_kv_heads"):
        imp(num_key_value_heads=5)


def test_falcon_multi_query(fixtures):
    spec = hf.load(fixtures / "falcon-7b.json")
    m = mixers(spec)[0]
    assert (m.num_heads, m.num_kv_heads, m.head_dim) == (71, 1, 64)  # num_kv_heads: 71 is ignored


def test_falcon_new_decoder_architecture():
    cfg = {"model_type": "falcon", "hidden_size": 8192, "num_hidden_layers": 60, "num_attention_heads": 128,
           "num_kv_heads": 8, "new_decoder_architecture": True, "vocab_size": 65024}
    m = mixers(hf.from_config(cfg, "falcon-40b"))[0]
    assert m.num_kv_heads == 8


def test_falcon_without_multi_query_is_mha():
    cfg = {"model_type": "falcon", "hidden_size": 4544, "num_hidden_layers": 2, "num_attention_heads": 71,
           "multi_query": False, "vocab_size": 65024}
    assert mixers(hf.from_config(cfg, "f"))[0].num_kv_heads == 71


def test_qwen2_window_present_but_off(fixtures):
    spec = hf.load(fixtures / "Qwen2.5-7B-Instruct.json")  # sliding_window 131072, use_sliding_window false
    assert {m.kind for m in mixers(spec)} == {"full"}


def test_qwen2_max_window_layers():
    spec = imp(model_type="qwen2", use_sliding_window=True, sliding_window=4096, max_window_layers=2)
    assert [m.kind for m in mixers(spec)] == ["full", "full", "sliding", "sliding"]


def test_mistral_window_on_every_layer(fixtures):
    assert {(m.kind, m.window) for m in mixers(hf.load(fixtures / "Mistral-7B-v0.1.json"))} == {("sliding", 4096)}


def test_mixtral_null_window_is_full(fixtures):
    assert {m.kind for m in mixers(hf.load(fixtures / "Mixtral-8x7B-v0.1.json"))} == {"full"}


def test_phi3_window_on_every_layer(fixtures):
    assert {(m.kind, m.window) for m in mixers(hf.load(fixtures / "Phi-3-mini-4k-instruct.json"))} == {("sliding", 2047)}


def test_gemma2_alternates_starting_local(fixtures):
    spec = hf.load(fixtures / "gemma-2-9b-it.json")
    assert spec.pattern == "(local global)*21"
    assert [m.kind for m in mixers(spec)][:2] == ["sliding", "full"]


def test_sliding_window_pattern_gemma3():
    spec = imp(model_type="gemma3_text", head_dim=256, sliding_window=1024, sliding_window_pattern=3,
               num_hidden_layers=6)
    assert [m.kind for m in mixers(spec)] == ["sliding", "sliding", "full"] * 2


def test_layer_types_list(fixtures):
    spec = hf.load(fixtures / "gpt-oss-20b.json")
    kinds = [m.kind for m in mixers(spec)]
    assert kinds == ["sliding", "full"] * 12 and mixers(spec)[0].window == 128


def test_llama4_chunked_and_global(fixtures):
    spec = hf.load(fixtures / "Llama-4-Scout-17B-16E-Instruct.json")  # nested under text_config
    kinds = [m.kind for m in mixers(spec)]
    assert kinds == ["chunked", "chunked", "chunked", "full"] * 12
    assert mixers(spec)[0].chunk == 8192


def test_mla(fixtures):
    m = mixers(hf.load(fixtures / "DeepSeek-V3.json"))[0]
    assert (m.kind, m.kv_lora_rank, m.qk_rope_head_dim) == ("mla", 512, 64)
    assert m.kv_rows() == [(1, 576)]


def test_nemotron_pattern_and_infinity(fixtures):
    spec = hf.load(fixtures / "Nemotron-H-56B-Base-8K.json")  # contains Infinity
    counts = spec.counts()
    assert (counts["mamba"], counts["attention"], counts["mlp"]) == (54, 10, 54)
    m = spec.layer_types["mamba"].mixer
    assert (m.num_heads, m.head_dim, m.state_size, m.n_groups, m.conv_kernel) == (256, 64, 256, 8, 4)


def test_gemma4_per_type_geometry(fixtures):
    spec = hf.load(fixtures / "gemma-4-26B-A4B.json")
    local, glob = spec.layer_types["local"].mixer, spec.layer_types["global"].mixer
    assert (local.kind, local.num_kv_heads, local.head_dim, local.window) == ("sliding", 8, 256, 1024)
    assert (glob.kind, glob.num_kv_heads, glob.head_dim) == ("full", 2, 512)
    assert spec.counts() == {"local": 25, "global": 5}


def test_unknown_attention_key_is_named():
    with pytest.raises(KvplanError, match="'attention_sink_size'"):
        imp(attention_sink_size=4)


def test_unknown_model_type_is_named():
    with pytest.raises(KvplanError, match="model_type 'rwkv'"):
        imp(model_type="rwkv")


def test_layer_types_with_unknown_entry():
    with pytest.raises(KvplanError, match="linear_attention"):
        imp(layer_types=["full_attention", "linear_attention", "full_attention", "full_attention"])


def test_malformed_json(tmp_path):
    p = tmp_path / "config.json"
    p.write_text('{"model_type": "llama", ')
    with pytest.raises(KvplanError, match="malformed JSON"):
        hf.load(p)


def test_folder_with_config(tmp_path):
    (tmp_path / "config.json").write_text(json.dumps(BASE))
    assert hf.load(tmp_path).num_layers == 4


def test_missing_required_key_is_named():
    cfg = dict(BASE)
    del cfg["hidden_size"]
    with pytest.raises(KvplanError, match="'hidden_size'"):
        hf.from_config(cfg, "x")


def test_jamba_periods(fixtures):
    spec = hf.load(fixtures / "Jamba-v0.1.json")
    kinds = [m.kind for m in mixers(spec)]
    assert [i for i, k in enumerate(kinds) if k == "full"] == [4, 12, 20, 28]  # i % 8 == 4
    moe = [i for i, n in enumerate(spec.layers) if n.endswith("-moe")]
    assert moe == list(range(1, 32, 2))  # i % 2 == 1
    m = spec.layer_types["mamba-dense"].mixer
    assert (m.inner, m.state_size, m.conv_kernel) == (8192, 16, 4)


def test_qwen3_next_linear_attention(fixtures):
    spec = hf.load(fixtures / "Qwen3-Next-80B-A3B-Instruct.json")
    assert spec.pattern == "(linear*3 attention)*12"
    lin = spec.layer_types["linear"].mixer
    assert (lin.kind, lin.num_key_heads, lin.num_value_heads, lin.key_head_dim, lin.value_head_dim) == \
        ("gated_deltanet", 16, 32, 128, 128)
