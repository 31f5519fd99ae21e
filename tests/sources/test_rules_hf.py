"""The importer's rules, one config key at a time: a vendored config.json with one key removed
(the default transformers applies must be the one kvplan applies) or set to another value (the
key must be read, under its exact name). What each key means is in the family's
configuration_<family>.py in transformers 5.23; the expected values follow from it by hand."""
import json

import pytest

from conftest import FIXTURES
from kvplan.sources import hfconfig as hf

N56 = "Nemotron-H-56B-Base-8K.json"
NANO = "Nemotron-3-Nano-30B-A3B.json"
Q3N = "Qwen3-Next-80B-A3B-Instruct.json"
G4 = "gemma-4-26B-A4B.json"
L4 = "Llama-4-Scout-17B-16E-Instruct.json"
DS2 = "DeepSeek-V2-Lite.json"
F7 = "falcon-7b.json"
OPT = "OPT-125m.json"
JAMBA = "Jamba-v0.1.json"
GPT2 = "GPT-2.json"


def load(fixture, drop=(), **edit):
    """The fixture's config with keys dropped or set (in text_config when it has one)."""
    cfg = json.loads((FIXTURES / fixture).read_text())
    inner = cfg.get("text_config", cfg)
    for k in drop:
        inner.pop(k, None)
    inner.update(edit)
    return hf.from_config(cfg, "t")


def mixer(spec, lt):
    return spec.layer_types[lt].mixer


def mlp(spec, lt):
    return spec.layer_types[lt].mlp


# --- Nemotron-H --------------------------------------------------------------------------------

def test_nemotron_block_types_by_name():
    # layers_block_type (older configs) or layer_types (newer) instead of the pattern string
    chars = {"M": "mamba", "*": "attention", "-": "mlp", "E": "moe"}
    pattern = json.loads((FIXTURES / N56).read_text())["hybrid_override_pattern"]
    spec = load(N56, drop=["hybrid_override_pattern"], layers_block_type=[chars[c] for c in pattern])
    assert spec.counts() == {"mamba": 54, "mlp": 54, "attention": 10}  # 118 blocks
    longer = {"M": "linear_attention", "*": "full_attention", "-": "mlp", "E": "moe"}
    pattern = json.loads((FIXTURES / NANO).read_text())["hybrid_override_pattern"]
    spec = load(NANO, drop=["hybrid_override_pattern"], layer_types=[longer[c] for c in pattern])
    assert spec.counts() == {"mamba": 23, "moe": 23, "attention": 6}


def test_nemotron_defaults():
    base = load(N56)
    spec = load(N56, drop=["num_hidden_layers", "use_conv_bias", "mamba_proj_bias", "use_bias", "mlp_bias",
                           "attention_bias", "num_key_value_heads"])
    assert spec.num_layers == 118                         # absent: one layer per pattern character
    m = mixer(spec, "mamba")
    assert (m.conv_bias, m.proj_bias) == (True, False)    # use_conv_bias=True, use_bias=False
    assert mlp(spec, "mlp").bias is False                 # mlp_bias=False
    a = mixer(spec, "attention")
    assert (a.qkv_bias, a.o_bias, a.num_kv_heads) == (False, False, 8)  # absent KV heads: NemotronHConfig's 8
    mha = load(N56, num_key_value_heads=None)  # null: num_attention_heads (NemotronHConfig.__post_init__)
    assert mixer(mha, "attention").num_kv_heads == 64
    # 56 more KV heads than 8 in 10 layers: k and v projections 2 × 8192 × 56 × 128 each
    assert mha.parameters() - base.parameters() == 10 * 2 * 8192 * (64 - 8) * 128
    assert m.ssm_state_dtype is None                      # no mamba_ssm_cache_dtype: the model dtype


def test_nemotron_flags_read():
    spec = load(N56, use_conv_bias=False, mamba_proj_bias=True, mlp_bias=True, attention_bias=True,
                mamba_ssm_cache_dtype="float32")
    m = mixer(spec, "mamba")
    assert (m.conv_bias, m.proj_bias, m.ssm_state_dtype) == (False, True, "fp32")
    assert mlp(spec, "mlp").bias is True
    assert (mixer(spec, "attention").qkv_bias, mixer(spec, "attention").o_bias) == (True, True)
    assert mixer(load(N56, drop=["mamba_proj_bias"], use_bias=True), "mamba").proj_bias is True


def test_nemotron_head_dim_keys():
    assert mixer(load(N56), "attention").head_dim == 128  # attention_head_dim
    assert mixer(load(N56, attention_head_dim=96), "attention").head_dim == 96
    assert mixer(load(N56, drop=["attention_head_dim"], head_dim=96), "attention").head_dim == 96
    # neither key: NemotronHConfig's head_dim 128 (transformers 5.20.2 and 5.25.0), not hidden // heads:
    # Nano's 2688 // 32 would be 84
    assert mixer(load(NANO, drop=["head_dim"]), "attention").head_dim == 128


def test_nemotron_shared_experts():
    # Nano: moe_shared_expert_intermediate_size 3712, n_shared_experts 1
    assert mlp(load(NANO, drop=["n_shared_experts"]), "moe").shared_intermediate_size == 3712  # default 1
    assert mlp(load(NANO, n_shared_experts=0), "moe").shared_intermediate_size == 0
    assert mlp(load(NANO, drop=["moe_shared_expert_intermediate_size"]), "moe").shared_intermediate_size == 0
    # a key a config may carry without MoE blocks is understood, not refused
    assert load(N56, n_shared_experts=1, n_group=1, topk_group=1).num_layers == 118


def test_nemotron_unknown_block_names_the_first():
    with pytest.raises(Exception) as e:
        load(N56, hybrid_override_pattern="MYX" + "M" * 115)
    assert str(e.value) == "config.json: key 'hybrid_override_pattern' has unknown block 'X'"


# --- Qwen3-Next --------------------------------------------------------------------------------

def test_qwen3_next_interval_and_types():
    assert load(Q3N).pattern == "(linear*3 attention)*12"
    assert load(Q3N, drop=["full_attention_interval"]).pattern == "(linear*3 attention)*12"  # default 4
    assert load(Q3N, full_attention_interval=2).pattern == "(linear attention)*24"
    types = ["full_attention"] * 8 + ["linear_attention"] * 40
    assert load(Q3N, layer_types=types).pattern == "attention*8 linear*40"


def test_qwen3_next_keys():
    a = mixer(load(Q3N, attention_bias=True), "attention")
    assert (a.qkv_bias, a.o_bias, a.qk_norm, a.output_gate) == (True, True, True, True)
    a = mixer(load(Q3N), "attention")
    assert (a.qkv_bias, a.o_bias, a.num_kv_heads) == (False, False, 2)
    assert mixer(load(Q3N, drop=["num_key_value_heads"]), "attention").num_kv_heads == 2  # Qwen3NextConfig's 2
    assert mixer(load(Q3N, num_key_value_heads=None), "attention").num_kv_heads == 16  # null: MHA
    assert mixer(load(Q3N, num_key_value_heads=4), "attention").num_kv_heads == 4
    m = mlp(load(Q3N, drop=["shared_expert_intermediate_size"]), "linear")
    assert (m.shared_intermediate_size, m.shared_gate) == (0, False)
    m = mlp(load(Q3N), "linear")
    assert (m.shared_intermediate_size, m.shared_gate, m.intermediate_size) == (512, True, 512)
    dense = mlp(load(Q3N, drop=["num_experts", "decoder_sparse_step", "mlp_only_layers",
                                               "shared_expert_intermediate_size"]), "attention")
    assert (dense.kind, dense.intermediate_size) == ("dense", 5120)


@pytest.mark.parametrize("edit", [{"decoder_sparse_step": 2}, {"mlp_only_layers": [0]}])
def test_qwen3_next_mixed_dense_moe_refused(edit):
    with pytest.raises(Exception) as e:
        load(Q3N, **edit)
    assert str(e.value) == ("config.json: key 'mlp_only_layers' / 'decoder_sparse_step' mixing dense and MoE "
                            "layers is not supported for qwen3_next")


def test_qwen3_next_unknown_layer_type():
    with pytest.raises(Exception) as e:
        load(Q3N, layer_types=["linear_attention"] * 47 + ["sliding_attention"])
    assert str(e.value) == "config.json: layer_types entry 'sliding_attention' is not understood"


# --- Gemma 4 -----------------------------------------------------------------------------------

def test_gemma4_global_defaults_to_local_geometry():
    spec = load(G4, drop=["num_global_key_value_heads", "global_head_dim", "attention_k_eq_v"])
    g = mixer(spec, "global")
    assert (g.num_kv_heads, g.head_dim, g.k_eq_v) == (8, 256, False)


def test_gemma4_dense_and_bias():
    spec = load(G4, enable_moe_block=False, attention_bias=True)
    assert (mlp(spec, "local").kind, mlp(spec, "local").intermediate_size, spec.layer_types["local"].norms) == \
        ("dense", 2112, 4)
    loc, glob = mixer(spec, "local"), mixer(spec, "global")
    assert (loc.qkv_bias, loc.o_bias, glob.qkv_bias, glob.o_bias) == (True, True, True, True)
    spec = load(G4, drop=["enable_moe_block", "attention_bias"])
    assert mlp(spec, "global").kind == "dense" and mixer(spec, "global").o_bias is False
    assert load(G4).layer_types["local"].norms == 7 and load(G4).tie_embeddings is True


def test_gemma4_zero_valued_unsupported_keys_are_fine():
    spec = load(G4, hidden_size_per_layer_input=0, num_kv_shared_layers=0, use_double_wide_mlp=False)
    assert spec.counts() == {"local": 25, "global": 5}


# --- Llama 4 -----------------------------------------------------------------------------------

def test_llama4_layer_rules():
    assert load(L4).pattern == "(local*3 global)*12"                    # no_rope_layer_interval: 4
    assert load(L4, no_rope_layer_interval=2).pattern == "(local global)*24"
    assert load(L4, no_rope_layers=[1] * 47 + [0]).pattern == "local*47 global"
    assert load(L4, layer_types=["full_attention"] * 48).pattern == "global*48"
    assert mixer(load(L4, attention_chunk_size=4096), "local").chunk == 4096
    assert mixer(load(L4, drop=["attention_chunk_size"]), "local").chunk == 8192


def test_llama4_moe_step_and_dense_size():
    # interleave_moe_layer_step 2: MoE on layers 1, 3, 5, ...; the others dense of intermediate_size_mlp
    spec = load(L4, interleave_moe_layer_step=2)
    assert spec.layers[:4] == ["local-dense", "local-moe", "local-dense", "global-moe"]
    assert mlp(spec, "local-dense").intermediate_size == 16384
    assert mlp(load(L4, interleave_moe_layer_step=2, drop=["intermediate_size_mlp"]), "local-dense").intermediate_size == 8192
    assert load(L4, moe_layers=[0]).layers[:2] == ["local-moe", "local-dense"]
    assert load(L4, drop=["interleave_moe_layer_step"]).counts() == {"local": 36, "global": 12}


def test_llama4_bias_and_kv_heads():
    a = mixer(load(L4, attention_bias=True), "global")
    assert (a.qkv_bias, a.o_bias) == (True, True)
    a = mixer(load(L4, drop=["num_key_value_heads", "head_dim"]), "global")
    assert (a.num_kv_heads, a.head_dim) == (40, 5120 // 40)


# --- DeepSeek ----------------------------------------------------------------------------------

def test_deepseek_layer_rules():
    assert load(DS2).pattern == "dense moe*26"                          # first_k_dense_replace 1
    assert load(DS2, drop=["first_k_dense_replace"]).pattern == "moe*27"
    # moe_layer_freq 2: MoE where i >= 1 and i % 2 == 0
    assert load(DS2, moe_layer_freq=2).layers == ["dense", "dense"] + ["moe", "dense"] * 12 + ["moe"]
    assert load(DS2, drop=["moe_layer_freq"]).pattern == "dense moe*26"
    assert load(DS2, drop=["n_routed_experts", "n_shared_experts"]).pattern == "dense*27"


def test_deepseek_keys():
    # n_shared_experts 2 × moe_intermediate_size 1408
    assert mlp(load(DS2), "moe").shared_intermediate_size == 2 * 1408
    # absent: transformers 5.20.2 DeepseekV2Config's n_shared_experts = 2 (what vLLM 0.33 reads); null: none
    assert mlp(load(DS2, drop=["n_shared_experts"]), "moe").shared_intermediate_size == 2 * 1408
    assert mlp(load(DS2, n_shared_experts=None), "moe").shared_intermediate_size == 0
    assert mixer(load(DS2, attention_bias=True), "moe").o_bias is True
    assert mixer(load(DS2, drop=["attention_bias"]), "moe").o_bias is False


# --- Falcon ------------------------------------------------------------------------------------

def test_falcon_keys():
    spec = load(F7, bias=True)
    m, d = mixer(spec, "block"), mlp(spec, "block")
    assert (m.qkv_bias, m.o_bias, d.bias) == (True, True, True)
    assert mixer(load(F7, drop=["bias"]), "block").qkv_bias is False
    assert spec.layer_types["block"].norms == 1                          # parallel attention, one LayerNorm
    assert load(F7, parallel_attn=False).layer_types["block"].norms == 2
    assert load(F7, drop=["parallel_attn"]).layer_types["block"].norms == 1
    assert mlp(load(F7, ffn_hidden_size=1000), "block").intermediate_size == 1000
    assert mlp(load(F7, drop=["ffn_hidden_size"]), "block").intermediate_size == 4 * 4544


def test_falcon_new_decoder_architecture():
    # (multi_query dropped: the importer reads it only without the new architecture, see MUTATION.md)
    spec = load(F7, new_decoder_architecture=True, num_kv_heads=1, num_ln_in_parallel_attn=1, drop=["multi_query"])
    assert (mixer(spec, "block").num_kv_heads, spec.layer_types["block"].norms) == (1, 1)
    spec = load(F7, new_decoder_architecture=True, drop=["num_kv_heads", "num_ln_in_parallel_attn", "multi_query"])
    assert (mixer(spec, "block").num_kv_heads, spec.layer_types["block"].norms) == (71, 2)
    assert load(F7, drop=["new_decoder_architecture"]).layer_types["block"].mixer.num_kv_heads == 1


# --- OPT, GPT-2, Jamba -------------------------------------------------------------------------

def test_opt_keys():
    assert load(OPT).final_norm is True
    assert load(OPT, do_layer_norm_before=False).final_norm is False
    assert load(OPT, _remove_final_layer_norm=True).final_norm is False
    assert load(OPT, drop=["do_layer_norm_before"]).final_norm is True
    spec = load(OPT, enable_bias=False)
    assert (mixer(spec, "block").qkv_bias, mixer(spec, "block").o_bias, mlp(spec, "block").bias) == (False, False, False)
    assert load(OPT, drop=["word_embed_proj_dim"]).num_layers == 12
    assert load(OPT).position_embeddings == 2048 + 2  # OPTLearnedPositionalEmbedding's offset of 2


def test_gpt2_alternate_names():
    spec = load(GPT2, drop=["n_embd", "n_head", "n_layer"], hidden_size=768, num_attention_heads=12,
                num_hidden_layers=12)
    assert spec.parameters() == 124_439_808  # transformers' count for GPT-2 (tests/golden/hf_params.json)
    assert mlp(load(GPT2, n_inner=1000), "block").intermediate_size == 1000
    assert mlp(load(GPT2), "block").intermediate_size == 4 * 768


def test_jamba_keys():
    m = mixer(load(JAMBA, mamba_dt_rank=100, mamba_proj_bias=True, mamba_conv_bias=False), "mamba-dense")
    assert (m.dt_rank, m.proj_bias, m.conv_bias) == (100, True, False)
    m = mixer(load(JAMBA, drop=["mamba_dt_rank", "mamba_proj_bias", "mamba_conv_bias"]), "mamba-dense")
    assert (m.dt_rank, m.proj_bias, m.conv_bias) == (-(-4096 // 16), False, True)  # ceil(hidden / 16) = 256
    assert mixer(load(JAMBA, drop=["num_key_value_heads"]), "attention-dense").num_kv_heads == 8  # JambaConfig's 8
    assert mixer(load(JAMBA, num_key_value_heads=None), "attention-dense").num_kv_heads == 32  # null: MHA
    assert mixer(load(JAMBA, num_key_value_heads=4), "attention-dense").num_kv_heads == 4


# --- llama-like families whose branch no fixture takes -------------------------------------------

QWEN = {"hidden_size": 1024, "num_hidden_layers": 4, "num_attention_heads": 8, "num_key_value_heads": 2,
        "intermediate_size": 4096, "vocab_size": 1000, "sliding_window": 256, "use_sliding_window": False,
        "max_window_layers": 2}


@pytest.mark.parametrize("mt", ["qwen2", "qwen2_moe", "qwen3", "qwen3_moe"])
def test_qwen_families_gate_the_window(mt):
    extra = {"num_experts": 4, "num_experts_per_tok": 2, "moe_intermediate_size": 512} if mt.endswith("moe") else {}
    if mt == "qwen2_moe":
        extra["shared_expert_intermediate_size"] = 1024
    spec = hf.from_config({**QWEN, **extra, "model_type": mt}, "t")
    assert [m.mixer.kind for m in (spec.layer_types[n] for n in spec.layers)] == ["full"] * 4
    on = hf.from_config({**QWEN, **extra, "model_type": mt, "use_sliding_window": True}, "t")
    assert [on.layer_types[n].mixer.kind for n in on.layers] == ["full", "full", "sliding", "sliding"]
    m = spec.layer_types[spec.layers[0]].mixer
    assert m.qkv_bias is mt.startswith("qwen2") and m.o_bias is False   # Qwen2: q/k/v bias, no o bias
    assert m.qk_norm is mt.startswith("qwen3")


def test_qwen_moe_layers():
    cfg = {**QWEN, "model_type": "qwen2_moe", "num_experts": 4, "num_experts_per_tok": 2,
           "moe_intermediate_size": 512, "shared_expert_intermediate_size": 1024, "decoder_sparse_step": 2,
           "mlp_only_layers": [3]}
    spec = hf.from_config(cfg, "t")
    # MoE where (i + 1) % 2 == 0 and i not in mlp_only_layers: layer 1 only
    assert spec.layers == ["full-dense", "full-moe", "full-dense", "full-dense"]
    moe = spec.layer_types["full-moe"].mlp
    assert (moe.num_experts, moe.experts_per_token, moe.intermediate_size, moe.shared_intermediate_size,
            moe.shared_gate) == (4, 2, 512, 1024, True)
    cfg = {k: v for k, v in cfg.items() if k != "shared_expert_intermediate_size"}
    spec = hf.from_config({**cfg, "model_type": "qwen3_moe", "decoder_sparse_step": 1, "mlp_only_layers": []}, "t")
    assert spec.layers == ["full"] * 4 and spec.layer_types["full"].mlp.shared_intermediate_size == 0


def test_gemma3_outer_model_type_has_qk_norm():
    # a gemma3 config whose text_config states no model_type: the outer one applies
    cfg = json.loads((FIXTURES / "gemma-3-27b-it.json").read_text())
    del cfg["text_config"]["model_type"]
    spec = hf.from_config(cfg, "t")
    assert spec.family == "gemma3" and mixer(spec, "local").qk_norm is True
    assert spec.parameters() == 27_009_346_304  # transformers' text parameters, as with gemma3_text


def test_gemma2_starts_local():
    cfg = {**QWEN, "model_type": "gemma2", "head_dim": 128, "use_sliding_window": True}
    spec = hf.from_config(cfg, "t")
    assert spec.pattern == "(local global)*2" and spec.layer_types["local"].norms == 4


# --- defaults and names no fixture exercises -----------------------------------------------------

def test_tied_by_default_families():
    # Falcon and Gemma 4 tie the LM head to the embeddings unless the config says otherwise
    assert load(F7, drop=["tie_word_embeddings"]).tie_embeddings is True
    cfg = json.loads((FIXTURES / G4).read_text())
    cfg.pop("tie_word_embeddings", None)
    cfg["text_config"].pop("tie_word_embeddings", None)
    assert hf.from_config(cfg, "t").tie_embeddings is True


def test_qwen3_next_defaults():
    assert mixer(load(Q3N, drop=["head_dim"]), "attention").head_dim == 256  # Qwen3NextConfig's 256
    assert mixer(load(Q3N, head_dim=128), "attention").head_dim == 128
    assert load(Q3N, drop=["decoder_sparse_step"]).counts() == {"linear": 36, "attention": 12}


def test_jamba_dt_rank_rounds_up():
    # mamba_dt_rank absent: ceil(hidden / 16); 4100 / 16 = 256.25 -> 257
    m = mixer(load(JAMBA, hidden_size=4100, head_dim=128, drop=["mamba_dt_rank"]), "mamba-dense")
    assert (m.dt_rank, m.inner) == (257, 2 * 4100)


def test_llama4_defaults_and_errors():
    a = mixer(load(L4, drop=["attention_bias"]), "global")
    assert (a.qkv_bias, a.o_bias) == (False, False)
    with pytest.raises(Exception) as e:
        load(L4, layer_types=["full_attention"] * 47 + ["mystery"])
    assert str(e.value) == "config.json: layer_types entry 'mystery' is not understood"
    with pytest.raises(Exception) as e:
        load(G4, layer_types=["full_attention"] * 29 + ["mystery"])
    assert str(e.value) == "config.json: layer_types entry 'mystery' is not understood"


def test_qwen_moe_step_and_default():
    base = {**QWEN, "model_type": "qwen3_moe", "num_experts": 4, "num_experts_per_tok": 2,
            "moe_intermediate_size": 512, "num_hidden_layers": 6}
    # decoder_sparse_step 3: MoE where (i + 1) % 3 == 0: layers 2 and 5
    spec = hf.from_config({**base, "decoder_sparse_step": 3}, "t")
    assert [i for i, n in enumerate(spec.layers) if n.endswith("-moe")] == [2, 5]
    assert hf.from_config(base, "t").layers == ["full"] * 6  # default step 1: every layer MoE


def test_gemma3_outer_model_type_pattern():
    # model_type only outside text_config and no layer_types: the default pattern 6 still applies
    cfg = json.loads((FIXTURES / "gemma-3-27b-it.json").read_text())
    del cfg["text_config"]["model_type"], cfg["text_config"]["layer_types"], cfg["text_config"]["_sliding_window_pattern"]
    assert hf.from_config(cfg, "t").pattern == "(local*5 global)*10 local*2"  # 62 layers


def test_vision_config_errors_name_it():
    cfg = json.loads((FIXTURES / G4).read_text())
    del cfg["vision_config"]["patch_size"]
    with pytest.raises(Exception) as e:
        hf.from_config(cfg, "t")
    assert str(e.value) == "config.json: vision_config: missing required key 'patch_size'"


def test_llama_mlp_bias_and_attention_bias():
    spec = hf.from_config({**QWEN, "model_type": "llama", "mlp_bias": True, "attention_bias": True}, "t")
    lt = spec.layer_types[spec.layers[0]]
    assert (lt.mlp.bias, lt.mixer.qkv_bias, lt.mixer.o_bias) == (True, True, True)
    spec = hf.from_config({**QWEN, "model_type": "llama"}, "t")
    lt = spec.layer_types[spec.layers[0]]
    assert (lt.mlp.bias, lt.mixer.qkv_bias, lt.mixer.o_bias) == (False, False, False)


# --- Qwen3 MoE: keys Qwen3MoeConfig does not read ---------------------------------------------

Q3M = "Qwen3-30B-A3B.json"


def test_qwen3_moe_accepts_qkv_bias_and_shared_expert_only_at_their_no_op_values():
    """Qwen3-Coder-480B-A35B's config carries "qkv_bias": false and "shared_expert_intermediate_size": 0,
    keys transformers' Qwen3MoeConfig does not read (its attention reads attention_bias; it has no shared
    expert): accepted at those values, the spec unchanged; any other value is refused, not guessed."""
    base = load(Q3M)
    same = load(Q3M, qkv_bias=False, shared_expert_intermediate_size=0)
    assert same.layer_types == base.layer_types and same.pattern == base.pattern
    assert mixer(same, "full").qkv_bias is False and mlp(same, "full").shared_intermediate_size == 0
    for key, v in (("qkv_bias", True), ("shared_expert_intermediate_size", 512)):
        with pytest.raises(Exception) as e:
            load(Q3M, **{key: v})
        assert str(e.value) == (f"config.json: key '{key}' = {v!r} is not read by this family's config; refusing to guess "
                                "its effect")
