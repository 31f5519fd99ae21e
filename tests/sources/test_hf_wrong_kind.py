"""from_config's one line for a value of the wrong kind, word for word (session 19's mutation run of
ux19's change, mut19d): where it says the file is, which keys it names (up to three, each value's
repr cut at 30 characters), a bool named where it divided by zero, and the spec's source."""
import json

import pytest

from kvplan.errors import KvplanError
from kvplan.sources import hfconfig as hf

QWEN3_MOE = "tests/fixtures/configs/Qwen3-30B-A3B.json"
GPT2 = "tests/fixtures/configs/GPT-2.json"
BASE = {"model_type": "mistral", "hidden_size": 4096, "num_hidden_layers": 4, "num_attention_heads": 32,
        "num_key_value_heads": 8, "intermediate_size": 14336, "vocab_size": 32000, "torch_dtype": "bfloat16"}


def refused(raw, **kw):
    with pytest.raises(KvplanError) as e:
        hf.from_config(raw, "test", **kw)
    return str(e.value)


def test_the_source_is_the_one_given_else_where_it_was_read():
    assert hf.from_config(BASE, "t").source == "config.json"
    assert hf.from_config(BASE, "t", where="c.json").source == "c.json"
    assert hf.from_config(BASE, "t", source="hub:org/t", where="c.json").source == "hub:org/t"


def test_a_config_that_is_not_an_object_is_one_line_naming_no_key():
    # raw.get fails before any key is read: nothing to name, and the default place is "config.json"
    assert refused([1]) == ("config.json: a value of the wrong kind (AttributeError: 'list' object has no "
                            "attribute 'get')")


def test_a_bool_that_divides_by_zero_is_named():
    raw = {**json.load(open(GPT2)), "n_head": False}  # n_embd % n_head with False: 768 % 0
    assert refused(raw, where="c.json") == ("c.json: a value of the wrong kind (ZeroDivisionError: integer modulo "
                                            "by zero); check 'n_head' = False")


def test_two_keys_are_named_in_order_and_a_long_value_is_cut_at_30_characters():
    g = json.load(open(GPT2))
    assert refused({**g, "n_embd": [1], "n_head": [2]}, where="c.json") == (
        "c.json: a value of the wrong kind (TypeError: unsupported operand type(s) for %: 'list' and 'list'); "
        "check 'n_embd' = [1], 'n_head' = [2]")
    assert repr([1] * 20)[:30] == "[1, 1, 1, 1, 1, 1, 1, 1, 1, 1,"  # 10 × "1, " is 30 characters
    assert refused({**g, "n_embd": [1] * 20}, where="c.json") == (
        "c.json: a value of the wrong kind (TypeError: unsupported operand type(s) for %: 'list' and 'int'); "
        "check 'n_embd' = [1, 1, 1, 1, 1, 1, 1, 1, 1, 1,")


def test_three_keys_are_named_four_are_not():
    # Qwen3-MoE reads these keys before decoder_sparse_step's %; each string is named as 'str' is in the message
    raw = {**json.load(open(QWEN3_MOE)), "decoder_sparse_step": "x", "attention_bias": "s", "num_experts": "s"}
    head = "c.json: a value of the wrong kind (TypeError: unsupported operand type(s) for %: 'int' and 'str')"
    assert refused(raw, where="c.json") == head + "; check 'attention_bias' = 's', 'decoder_sparse_step' = 'x', " \
                                                  "'num_experts' = 's'"
    assert refused({**raw, "max_window_layers": "s"}, where="c.json") == head
