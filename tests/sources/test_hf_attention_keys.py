"""The attention-only converters (sources/hfconfig/attention.py), the reader and the config view,
one key or one refusal at a time: a vendored config.json with a key dropped (the default the
engines apply must be the one kvplan applies) or set to a value the importer must refuse, word
for word. Sources: transformers 5.20.2 and vLLM 0.33.0 / SGLang 0.5.23 as installed in
/work/scratch/vllm/venv and /work/scratch/sglang/venv (file and line named at each test)."""
import json

import pytest

from conftest import FIXTURES
from kvplan.errors import KvplanError
from kvplan.sources import hfconfig as hf

W = "config.json"


def raw(fixture, drop=(), **edit):
    cfg = json.loads((FIXTURES / fixture).read_text())
    inner = cfg.get("text_config", cfg)
    for k in drop:
        inner.pop(k, None)
    inner.update(edit)
    return cfg


def load(fixture, drop=(), **edit):
    return hf.from_config(raw(fixture, drop, **edit), "t")


def refused(fixture, drop=(), **edit) -> str:
    with pytest.raises(KvplanError) as e:
        load(fixture, drop, **edit)
    return str(e.value)


# --- GPT-2, OPT, Falcon: the hidden size split across the heads ---------------------------------

@pytest.mark.parametrize("fixture, edit", [
    # GPT2Attention.__init__ (modeling_gpt2.py:85): "`embed_dim` must be divisible by num_heads"
    ("GPT-2.json", {"n_embd": 100, "n_head": 3}),
    # OPTAttention.__init__ (modeling_opt.py:125): "embed_dim must be divisible by num_heads"
    ("OPT-125m.json", {"hidden_size": 100, "word_embed_proj_dim": 100, "num_attention_heads": 3}),
    # FalconAttention.__init__ (modeling_falcon.py:222): "`hidden_size` must be divisible by num_heads"
    ("falcon-7b.json", {"hidden_size": 100, "num_attention_heads": 3}),
])
def test_a_hidden_size_the_heads_do_not_divide_is_refused_not_floored(fixture, edit):
    # 100 / 3 = 33.3: transformers refuses to build such a model; kvplan used to floor it to 33
    assert refused(fixture, **edit) == f"{W}: hidden_size 100 is not divisible by num_attention_heads 3"


def test_divisible_hidden_sizes_still_split_evenly():
    assert load("GPT-2.json").layer_types["block"].mixer.head_dim == 768 // 12 == 64
    assert load("OPT-125m.json").layer_types["block"].mixer.head_dim == 768 // 12 == 64
    assert load("falcon-7b.json").layer_types["block"].mixer.head_dim == 4544 // 71 == 64


# --- MiMo-V2-Flash --------------------------------------------------------------------------------
MIMO = "MiMo-V2-Flash.json"


def test_mimo_has_no_shared_expert_and_refuses_one_it_would_have_to_guess():
    # transformers 5.20.2 modeling_mimo_v2_flash.py MiMoV2FlashMoE: "no shared experts"; vLLM 0.33
    # mimo_v2.py MiMoV2MoE builds routed experts only; SGLang 0.5.23 mimo_v2.py passes
    # gated_shared_output=None. The released config states "n_shared_experts": null.
    for spec in (load(MIMO), load(MIMO, n_shared_experts=0), load(MIMO, drop=["n_shared_experts"])):
        assert spec.layer_types["local-moe"].mlp.shared_intermediate_size == 0
    assert refused(MIMO, n_shared_experts=1) == (
        f"{W}: key 'n_shared_experts' = 1 is not read by this family's config; refusing to guess its effect")


def test_mimo_flag_lists_are_refused_word_for_word():
    pattern = raw(MIMO)["hybrid_layer_pattern"]
    # one flag short (47 of 48 layers)
    assert refused(MIMO, hybrid_layer_pattern=pattern[:-1]) == (
        f"{W}: key 'hybrid_layer_pattern' must list one 0/1 flag per layer (48)")
    # the right length, a flag that is neither 0 nor 1
    assert refused(MIMO, moe_layer_freq=[0] + [2] * 47) == (
        f"{W}: key 'moe_layer_freq' must list one 0/1 flag per layer (48)")
    # DeepSeek spells moe_layer_freq as one number; here it is not a list, and says so
    assert refused(MIMO, moe_layer_freq=1) == f"{W}: key 'moe_layer_freq' must list one 0/1 flag per layer (48)"


def test_mimo_defaults_when_the_keys_are_absent():
    spec = load(MIMO, drop=["attention_bias", "add_full_attention_sink_bias", "add_swa_attention_sink_bias"])
    full, local = spec.layer_types["global-moe"].mixer, spec.layer_types["local-moe"].mixer
    # transformers 5.20.2 MiMoV2FlashConfig: attention_bias: bool = False (configuration_mimo_v2_flash.py:91)
    assert (full.qkv_bias, local.qkv_bias) == (False, False)
    # sinks: vLLM 0.33 mimo_v2.py:418 getattr(config, "add_swa_attention_sink_bias", False) and gives
    # full layers none; SGLang 0.5.23 mimo_v2.py:893/914 getattr(..., False) for both keys.
    # (transformers 5.20.2 ignores both keys and always puts sinks on sliding layers; the engines decide.)
    assert (full.learned_sinks, local.learned_sinks) == (False, False)
    stated = load(MIMO)  # the released config: full layers without sinks, sliding layers with them
    assert (stated.layer_types["global-moe"].mixer.learned_sinks, stated.layer_types["local-moe"].mixer.learned_sinks) \
        == (False, True)


def test_mimo_window_from_sliding_window_when_sliding_window_size_is_absent():
    # transformers 5.20.2 MiMoV2FlashConfig: sliding_window: int = 129, replaced by
    # sliding_window_size + 1 only when sliding_window_size is given (configuration_mimo_v2_flash.py:107, 132)
    assert load(MIMO).layer_types["local-moe"].mixer.window == 128 + 1
    assert load(MIMO, drop=["sliding_window_size"], sliding_window=129).layer_types["local-moe"].mixer.window == 129
    assert load(MIMO, drop=["sliding_window_size"], sliding_window=300).layer_types["local-moe"].mixer.window == 300


# --- the reader -------------------------------------------------------------------------------------

def test_expert_dtype_other_than_fp4_with_a_quantization_config_is_refused():
    v4 = "DeepSeek-V4-Flash.json"
    assert load(v4).weight_quant.expert_format == "mxfp4"
    assert refused(v4, expert_dtype="fp8") == f"{W}: key 'expert_dtype' = 'fp8' is not understood"
    # fp4 experts with no quantization_config: nothing says how the rest is stored
    assert refused(v4, drop=["quantization_config"]) == f"{W}: key 'expert_dtype' = 'fp4' is not understood"


def test_a_quantization_of_every_linear_is_taken_for_a_hybrid_model():
    # compressed-tensors fp8 (RedHatAI's Llama-4-Scout FP8-dynamic config groups: per-channel fp8
    # weights) with an ignore list naming only the LM head quantizes every decoder linear (scope
    # "linear"), the Gated DeltaNet mixers' too, so it is priced; only an ignore list that leaves
    # attention out says nothing of them and is refused (test_quantized.py)
    scout = json.loads((FIXTURES.parent / "quantized" / "Llama-4-Scout-17B-16E-Instruct-FP8-dynamic.json").read_text())
    q = {**scout["quantization_config"], "ignore": ["lm_head"]}
    wq = load("Qwen3-Next-80B-A3B-Instruct.json", quantization_config=q).weight_quant
    assert (wq.method, wq.scope, wq.format, wq.channel) == ("compressed-tensors", "linear", "fp8_e4m3", True)


def test_a_layer_count_that_is_not_an_integer_is_not_used_to_check_an_ignore_list():
    # GPT-2 counts its layers in n_layer; a stray num_hidden_layers of 12.0 beside it is not a
    # layer count, so an ignore list naming layers 0-11 cannot be checked against it: one line, no traceback
    q = {"quant_method": "awq", "bits": 4, "group_size": 128, "zero_point": True,
         "modules_to_not_convert": [f"model.layers.{i}.self_attn" for i in range(12)]}
    with pytest.raises(KvplanError):
        load("GPT-2.json", num_hidden_layers=12.0, quantization_config=q)


def test_a_text_only_config_does_not_count_a_vision_tower_named_beside_it():
    # Gemma 4 nests its decoder under text_config beside vision_config (Gemma4Config), and the tower
    # is counted; a flat config of model_type gemma4_text is the text-only model (transformers
    # 5.20.2 modeling_gemma4.py: Gemma4ForCausalLM takes a Gemma4TextConfig), which builds no
    # tower, whatever vision_config a re-saved file still carries
    nested = json.loads((FIXTURES / "gemma-4-26B-A4B.json").read_text())
    assert [e.kind for e in hf.from_config(nested, "t").encoders] == ["gemma4_vision"]
    flat = {**nested["text_config"], "vision_config": nested["vision_config"], "dtype": nested["dtype"]}
    assert flat["model_type"] == "gemma4_text"
    assert hf.from_config(flat, "t").encoders == []


# --- the config view (cfg.py) ---------------------------------------------------------------------

def test_a_harmless_default_does_not_end_the_check_of_the_keys_after_it():
    # add_cross_attention: False is PretrainedConfig's default (harmless); attention_window sorts after
    # it and is not understood
    assert refused("Llama-3.1-8B.json", add_cross_attention=False, attention_window=4096) == (
        f"{W}: key 'attention_window' = 4096 is not understood by kvplan's importer; refusing to guess its "
        "effect on the cache")
    assert load("Llama-3.1-8B.json", add_cross_attention=False).num_layers == 32


@pytest.mark.parametrize("config", ["Qwen3-8B.json", "Qwen3-30B-A3B.json"])
def test_qwen3_qkv_bias_is_taken_only_at_false(config):
    """Qwen3(Moe)Config does not read qkv_bias (its attention reads attention_bias); Qwen3-Coder's
    config states "qkv_bias": false, which loads as if absent; a true one is refused, not guessed
    (attention.py _only_default), for the dense family and the MoE one alike."""
    raw = json.loads((FIXTURES / config).read_text())
    assert hf.from_config({**raw, "qkv_bias": False}, "t") == hf.from_config(raw, "t")
    with pytest.raises(KvplanError, match=r"^config.json: key 'qkv_bias' = True is not read by this "
                                          r"family's config; refusing to guess its effect$"):
        hf.from_config({**raw, "qkv_bias": True}, "t")
