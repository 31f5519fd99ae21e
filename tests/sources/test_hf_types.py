"""A config.json value of the wrong type is refused, not read as a count: pydantic's lax mode
turned "8" into 8, 8.0 into 8 and true into 1 (a head count of one), and _head_dim truncated
"128" and 128.5 with int() (session 18's leftover, found again by session 19's walk)."""
import pytest

from kvplan.errors import KvplanError
from kvplan.sources import hfconfig as hf

BASE = {"model_type": "mistral", "hidden_size": 4096, "num_hidden_layers": 4, "num_attention_heads": 32,
        "num_key_value_heads": 8, "intermediate_size": 14336, "vocab_size": 32000, "sliding_window": 4096,
        "torch_dtype": "bfloat16"}


def imp(**over):
    return hf.from_config({**BASE, **over}, "test", where="c.json")


def test_the_base_config_reads():
    m = imp().layer_types["local"].mixer
    assert (m.num_kv_heads, m.head_dim, m.window) == (8, 128, 4096)


@pytest.mark.parametrize("key,value,msg", [
    ("num_key_value_heads", "8", "c.json: inconsistent config: layer_types.local.mixer.num_kv_heads: "
                                 "Input should be a valid integer, got '8'"),
    ("num_key_value_heads", 8.0, "c.json: inconsistent config: layer_types.local.mixer.num_kv_heads: "
                                 "Input should be a valid integer, got 8.0"),
    ("num_key_value_heads", True, "c.json: inconsistent config: layer_types.local.mixer.num_kv_heads: "
                                  "Input should be a valid integer, got True"),
    ("num_key_value_heads", 0, "c.json: inconsistent config: layer_types.local.mixer.num_kv_heads: "
                               "Input should be greater than 0, got 0"),
    ("sliding_window", "4096", "c.json: inconsistent config: layer_types.local.mixer.window: "
                               "Input should be a valid integer, got '4096'"),
    ("head_dim", "128", "c.json: key 'head_dim' must be a positive integer, got '128'"),
    ("head_dim", 128.5, "c.json: key 'head_dim' must be a positive integer, got 128.5"),
    ("head_dim", 0, "c.json: key 'head_dim' must be a positive integer, got 0"),
])
def test_a_wrong_type_is_refused_with_its_value(key, value, msg):
    with pytest.raises(KvplanError) as e:
        imp(**{key: value})
    assert str(e.value) == msg


def test_a_yaml_spec_count_given_as_a_string_is_refused(tmp_path):
    from kvplan.sources import catalog

    text = open("model_specs/models/llama-3.1-8b.yaml").read()
    assert "num_kv_heads: 8\n" in text
    p = tmp_path / "m.yaml"
    p.write_text(text.replace("num_kv_heads: 8\n", "num_kv_heads: '8'\n"))
    with pytest.raises(KvplanError, match=r"num_kv_heads: Input should be a valid integer, got '8'"):
        catalog.load_model(str(p))


# A fuzz over the vendored configs (one or two keys set to a string, a list, a bool, a huge number)
# found 14 places in the family converters where a value of the wrong type was a traceback (TypeError,
# ZeroDivisionError) through every command: GPT-2's n_embd [1] ("unsupported operand type(s) for %"),
# Qwen3-MoE's decoder_sparse_step 'x'. Each is one line now, naming the key where it can tell.
@pytest.mark.parametrize("path,key,value,msg", [
    ("tests/fixtures/configs/GPT-2.json", "n_embd", [1],
     "c.json: a value of the wrong kind (TypeError: unsupported operand type(s) for %: 'list' and 'int'); "
     "check 'n_embd' = [1]"),
    ("tests/fixtures/configs/Qwen3-30B-A3B.json", "decoder_sparse_step", "x",
     "c.json: a value of the wrong kind (TypeError: unsupported operand type(s) for %: 'int' and 'str'); "
     "check 'decoder_sparse_step' = 'x'"),
])
def test_a_converter_tripped_by_a_type_is_one_line(path, key, value, msg):
    import json

    raw = json.load(open(path))
    assert key in raw
    raw[key] = value
    with pytest.raises(KvplanError) as e:
        hf.from_config(raw, "test", where="c.json")
    assert str(e.value) == msg
