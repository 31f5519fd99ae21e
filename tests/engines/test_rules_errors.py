"""The importer's and the spec's error paths, one table: each input and the exact message naming
the key at fault (a message is the user's only clue, so a wrong or vague one is a bug)."""
import json

import pytest

from kvplan.sources import hfconfig as hf
from kvplan.errors import KvplanError
from kvplan.model.spec import parse_pattern

LLAMA = {"model_type": "llama", "hidden_size": 4096, "num_hidden_layers": 4, "num_attention_heads": 32,
         "num_key_value_heads": 8, "intermediate_size": 11008, "vocab_size": 32000, "torch_dtype": "bfloat16"}
NEMOTRON = {"model_type": "nemotron_h", "hidden_size": 1024, "num_hidden_layers": 4, "num_attention_heads": 8,
            "num_key_value_heads": 2, "head_dim": 128, "hybrid_override_pattern": "M*M-", "mamba_num_heads": 16,
            "mamba_head_dim": 64, "ssm_state_size": 128, "n_groups": 8, "conv_kernel": 4,
            "intermediate_size": 4096, "vocab_size": 32000, "torch_dtype": "bfloat16"}
GEMMA4 = {"model_type": "gemma4_text", "hidden_size": 1024, "num_hidden_layers": 2, "num_attention_heads": 8,
          "num_key_value_heads": 4, "head_dim": 128, "sliding_window": 512, "intermediate_size": 4096,
          "layer_types": ["sliding_attention", "full_attention"], "vocab_size": 32000}


def cfg(base, drop=(), **over):
    out = {**base, **over}
    for k in drop:
        out.pop(k)
    return out


W = "config.json"
CASES = [
    # missing model_type (and none outside text_config either)
    (cfg(LLAMA, drop=["model_type"]), f"{W}: missing required key 'model_type'"),
    (cfg(LLAMA, model_type="rwkv"), f"{W}: model_type 'rwkv' is not supported by kvplan's importer"),
    # wrong layer_types length
    (cfg(LLAMA, layer_types=["full_attention"] * 3), f"{W}: layer_types has 3 entries, num_hidden_layers is 4"),
    (cfg(GEMMA4, layer_types=["full_attention"] * 3), f"{W}: layer_types has 3 entries, num_hidden_layers is 2"),
    # sliding layers without a window
    (cfg(LLAMA, layer_types=["sliding_attention", "full_attention"] * 2),
     f"{W}: layer_types has sliding layers but sliding_window is not set"),
    (cfg(LLAMA, model_type="gemma2", head_dim=128),
     f"{W}: layer_types has sliding layers but sliding_window is not set"),
    (cfg(LLAMA, layer_types=["full_attention", "mystery", "full_attention", "full_attention"]),
     f"{W}: layer_types entry 'mystery' is not understood"),
    # non-integer counts
    (cfg(LLAMA, hidden_size="4096"), f"{W}: key 'hidden_size' must be a positive integer, got '4096'"),
    (cfg(LLAMA, num_hidden_layers=0), f"{W}: key 'num_hidden_layers' must be a positive integer, got 0"),
    (cfg(LLAMA, num_attention_heads=True), f"{W}: key 'num_attention_heads' must be a positive integer, got True"),
    (cfg(LLAMA, vocab_size=32000.0), f"{W}: key 'vocab_size' must be a positive integer, got 32000.0"),
    (cfg(LLAMA, intermediate_size=-1), f"{W}: key 'intermediate_size' must be a positive integer, got -1"),
    (cfg(LLAMA, drop=["hidden_size"]), f"{W}: missing required key 'hidden_size'"),
    (cfg(LLAMA, hidden_size=4000, num_attention_heads=48),
     f"{W}: no head_dim and hidden_size 4000 is not divisible by num_attention_heads 48"),
    # malformed patterns
    (cfg(NEMOTRON, hybrid_override_pattern="M*X-"), f"{W}: key 'hybrid_override_pattern' has unknown block 'X'"),
    (cfg(NEMOTRON, hybrid_override_pattern="M*M"), f"{W}: hybrid_override_pattern has 3 blocks, num_hidden_layers is 4"),
    (cfg(NEMOTRON, drop=["hybrid_override_pattern"]), f"{W}: missing required key 'hybrid_override_pattern'"),
    # keys the importer refuses to guess about
    (cfg(LLAMA, attention_sink_size=4),
     f"{W}: key 'attention_sink_size' = 4 is not understood by kvplan's importer; refusing to guess its "
     "effect on the cache"),
    (cfg(GEMMA4, num_kv_shared_layers=2),
     f"{W}: key 'num_kv_shared_layers' (per-layer inputs / KV sharing) is not supported yet"),
    (cfg(GEMMA4, hidden_size_per_layer_input=256),
     f"{W}: key 'hidden_size_per_layer_input' (per-layer inputs / KV sharing) is not supported yet"),
    (cfg(GEMMA4, use_double_wide_mlp=True), f"{W}: key 'use_double_wide_mlp' is not supported yet"),
    (cfg(LLAMA, model_type="opt", ffn_dim=16384, max_position_embeddings=2048, word_embed_proj_dim=512),
     f"{W}: key 'word_embed_proj_dim' != hidden_size (project_in/out) is not supported"),
    (cfg(LLAMA, quantization_config={"quant_method": "mxfp4", "modules_to_not_convert": ["model.layers.0.experts"]}),
     f"{W}: quantization_config leaves the experts unquantized; kvplan cannot tell what mxfp4 applies to"),
    (cfg(LLAMA, quantization_config={"quant_method": "fp8", "weight_block_size": [128, 64]}),
     f"{W}: quantization_config.weight_block_size [128, 64] is not a square block kvplan understands"),
    (cfg(LLAMA, quantization_config={"quant_method": "fp8", "fmt": "e3m4"}),
     f"{W}: quantization_config.fmt 'e3m4' is not e4m3 or e5m2"),
    # a config that parses but contradicts itself: pydantic's message, located
    (cfg(LLAMA, num_key_value_heads=5),
     f"{W}: inconsistent config: layer_types.full.mixer: num_heads (32) is not divisible by num_kv_heads (5)"),
]


@pytest.mark.parametrize("config,message", CASES, ids=[m.split(": ", 1)[1][:48] for _, m in CASES])
def test_importer_error_names_the_key(config, message):
    with pytest.raises(KvplanError) as e:
        hf.from_config(config, "test")
    assert str(e.value) == message


@pytest.mark.parametrize("text,message", [
    ("[1, 2]", "a config.json must hold a JSON object"),
    ('"llama"', "a config.json must hold a JSON object"),
    ('{"model_type": "llama",', "malformed JSON at line 1 column 24: Expecting property name enclosed in double quotes"),
])
def test_config_file_that_is_not_an_object(tmp_path, text, message):
    p = tmp_path / "config.json"
    p.write_text(text)
    with pytest.raises(KvplanError) as e:
        hf.load(p)
    assert str(e.value) == f"{p}: {message}"


def test_config_file_missing(tmp_path):
    with pytest.raises(KvplanError) as e:
        hf.load(tmp_path / "nope" / "config.json")
    assert str(e.value) == f"no such file: {tmp_path / 'nope' / 'config.json'}"


def test_error_names_the_file(tmp_path):
    p = tmp_path / "config.json"
    p.write_text(json.dumps(cfg(LLAMA, hidden_size="big")))
    with pytest.raises(KvplanError) as e:
        hf.load(p)
    assert str(e.value) == f"{p}: key 'hidden_size' must be a positive integer, got 'big'"


@pytest.mark.parametrize("text,message", [
    ("(a b", "unbalanced '(' in layer pattern"),
    ("a b)", "unbalanced ')' in layer pattern"),
    ("a $b", "bad layer pattern near ' $b'"),  # from where the bad token's leading space starts
    ("a*", "bad layer pattern near '*'"),
    ("a b c d e f g h i j k l m n o p !", "bad layer pattern near ' !'"),
    ("x*3 (y z)*2 !rest of a long tail", "bad layer pattern near ' !rest of a '"),  # 12 characters shown
])
def test_malformed_layer_pattern(text, message):
    with pytest.raises(ValueError) as e:
        parse_pattern(text)
    assert str(e.value) == message
