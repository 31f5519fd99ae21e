"""The latent / indexed-sparse family converters (kvplan/sources/hfconfig/latent.py) on edited
copies of the vendored configs (tests/fixtures/configs/, sources in SOURCES_EXTRA.md): the keys
they may leave out, the index-share schedules GlmMoeDsaConfig derives, and the exact one-line
refusals. Every expected number is arithmetic on the config's keys, written out; bf16 = 2 bytes.

The transformers rules cited are transformers 5.20.2 (the version tests/golden/hf_params_frontier.json
was measured with); MiniMax-M3's are vLLM 0.33.0's models/minimax_m3/nvidia/model.py."""
import json
import re

import pytest

from conftest import FIXTURES
from kvplan.errors import KvplanError
from kvplan.plan.size import kv_size
from kvplan.sources import hfconfig as hf

WHERE = "config.json"  # from_config's default `where`, the prefix of every message


def raw(name: str) -> dict:
    return json.loads((FIXTURES / name).read_text())


def load(cfg: dict):
    return hf.from_config(cfg, "test")


def refused(cfg: dict, message: str) -> None:
    with pytest.raises(KvplanError, match=f"^{re.escape(message)}$"):
        load(cfg)


def per_token(spec) -> int:
    return kv_size(spec, 1024).bytes_per_token


def indexed_layers(spec) -> list[int]:
    return [i for i, n in enumerate(spec.layers) if spec.layer_types[n].mixer.kind == "mla_indexed"]


# ---- GLM-5.2 / DeepSeek-V3.2 (_deepseek): which layers run a lightning indexer ----------------
# GLM-5.2: 78 MLA layers, each caching kv_lora_rank 512 + qk_rope_head_dim 64 = 576 bf16 values
# (1,152 B) per token; a layer that runs an indexer also caches its key, index_head_dim 128 fp8
# + one fp32 scale = 132 B.

def glm52_without_types() -> dict:
    cfg = raw("GLM-5.2.json")
    del cfg["indexer_types"]
    return cfg


def test_glm_index_topk_pattern_string_maps_f_and_s():
    # GlmMoeDsaConfig.__post_init__: a str pattern maps "F" -> "full", "S" -> "shared", and
    # overrides index_topk_freq / index_skip_topk_offset (4 and 3 here, which would give 21 full)
    cfg = glm52_without_types()
    cfg["index_topk_pattern"] = "FS" * 39
    spec = load(cfg)
    assert indexed_layers(spec) == list(range(0, 78, 2))
    assert spec.layers[:4] == ["dense-indexed", "dense-shared", "dense-indexed", "moe-shared"]
    assert per_token(spec) == 78 * 1152 + 39 * 132 == 95_004


def test_glm_index_topk_pattern_list_is_taken_as_is():
    # GlmMoeDsaConfig: a pattern that is not a str is taken as the list of types (list(pattern))
    cfg = glm52_without_types()
    cfg["index_topk_pattern"] = ["full", "shared", "shared"] * 26
    spec = load(cfg)
    assert indexed_layers(spec) == list(range(0, 78, 3))
    assert per_token(spec) == 78 * 1152 + 26 * 132 == 93_288


def test_glm_index_skip_topk_offset_defaults_to_2():
    # GlmMoeDsaConfig: offset = kwargs.get("index_skip_topk_offset", 2); a layer is "full" when
    # max(i - offset + 1, 0) % freq == 0. freq 4, offset 2: i = 0 (max(-1, 0) = 0), then i - 1 = 0,
    # 4, ..., 76 -> i = 1, 5, ..., 77: 21 layers (offset 3 would give 0, 1, 2, 6, ..., 74)
    cfg = glm52_without_types()
    del cfg["index_skip_topk_offset"]
    assert cfg["index_topk_freq"] == 4
    spec = load(cfg)
    assert indexed_layers(spec) == [0] + list(range(1, 78, 4))
    assert per_token(spec) == 78 * 1152 + 21 * 132


def test_deepseek_v32_indexes_every_layer_whatever_the_share_keys_say():
    # transformers' DeepseekV32Attention builds its DeepseekV32Indexer in every layer; it has no
    # index_topk_freq (GlmMoeDsaConfig's): 61 layers × (1,152 + 132) B
    cfg = raw("DeepSeek-V3.2.json")
    cfg.update(index_topk_freq=4, index_skip_topk_offset=3)
    spec = load(cfg)
    assert indexed_layers(spec) == list(range(61))
    assert per_token(spec) == 61 * (1152 + 132) == 78_324


def test_mlp_layer_types_must_name_dense_or_sparse_per_layer():
    message = f"{WHERE}: key 'mlp_layer_types' must list 'dense' or 'sparse' for each of 78 layers"
    cfg = raw("GLM-5.2.json")
    cfg["mlp_layer_types"] = cfg["mlp_layer_types"][:77]  # one short, every entry valid
    refused(cfg, message)
    cfg = raw("GLM-5.2.json")
    cfg["mlp_layer_types"][10] = "moe"  # the right length, one entry not understood
    refused(cfg, message)


# ---- DeepSeek-V4 (_deepseek_v4) ---------------------------------------------------------------

def test_deepseek_v4_needs_one_kv_head():
    cfg = raw("DeepSeek-V4-Flash.json")
    cfg["num_key_value_heads"] = 2
    refused(cfg, f"{WHERE}: key 'num_key_value_heads' must be 1 for DeepSeek-V4 (shared-KV MQA)")


@pytest.mark.parametrize("bad", [-4, True, 4.0])
def test_deepseek_v4_refuses_a_ratio_it_cannot_read(bad):
    # one bad entry among 0 / 4 / 128: a negative, a bool (an int subclass) and a float
    cfg = raw("DeepSeek-V4-Flash.json")
    cfg["compress_ratios"][2] = bad
    refused(cfg, f"{WHERE}: key 'compress_ratios' has a ratio kvplan cannot read: {bad!r}")


def test_deepseek_v4_attention_bias():
    # DeepseekV4Config: attention_bias defaults to False, and DeepseekV4Attention has no biases
    cfg = raw("DeepSeek-V4-Flash.json")
    assert cfg["attention_bias"] is False
    plain = load(cfg)
    del cfg["attention_bias"]
    assert load(cfg) == plain
    cfg["attention_bias"] = True
    refused(cfg, f"{WHERE}: key 'attention_bias' = true is not supported for deepseek_v4 "
                 "(transformers' DeepseekV4Attention has no biases)")


# ---- MiniMax-M3 (_minimax_m3) -----------------------------------------------------------------
# 60 GQA layers: 4 KV heads × head_dim 128 × (K + V) × 2 B = 2,048 B per token; the 57 layers
# flagged in sparse_attention_freq add one index key of sparse_index_dim 128 × 2 B = 256 B.

M3_PER_TOKEN = 60 * 2048 + 57 * 256  # 137,472


def test_minimax_m3_fixture_per_token():
    assert per_token(load(raw("MiniMax-M3.json"))) == M3_PER_TOKEN == 137_472


def test_minimax_m3_qk_norm_type_other_than_per_head_is_refused():
    cfg = raw("MiniMax-M3.json")
    assert cfg["use_qk_norm"] is True
    cfg["qk_norm_type"] = "per_layer"
    refused(cfg, f"{WHERE}: key 'qk_norm_type' = 'per_layer' is not understood")


def test_minimax_m3_qk_norm_type_defaults_to_per_head():
    # vLLM builds per-head q/k norms (RMSNorm over head_dim): an absent qk_norm_type is that one
    cfg = raw("MiniMax-M3.json")
    plain = load(cfg)
    del cfg["qk_norm_type"]
    assert load(cfg) == plain


def test_minimax_m3_attention_output_gate():
    # vLLM supports only attention_output_gate == False (its model docstring); absent = False
    cfg = raw("MiniMax-M3.json")
    plain = load(cfg)
    del cfg["attention_output_gate"]
    assert load(cfg) == plain
    cfg["attention_output_gate"] = True
    refused(cfg, f"{WHERE}: key 'attention_output_gate' (a gated output) is not supported yet")


def test_minimax_m3_sparse_config_errors_name_the_sub_config():
    cfg = raw("MiniMax-M3.json")
    del cfg["sparse_attention_config"]["sparse_num_index_heads"]
    refused(cfg, f"{WHERE}: sparse_attention_config: missing required key 'sparse_num_index_heads'")


def test_minimax_m3_use_sparse_attention_false_means_no_index_keys():
    # with the branch off and no per-layer flags, vLLM's _sparse_attention_layer_ids is empty:
    # 60 layers × 2,048 B and no index key
    cfg = raw("MiniMax-M3.json")
    cfg["sparse_attention_config"]["use_sparse_attention"] = False
    del cfg["sparse_attention_config"]["sparse_attention_freq"]
    spec = load(cfg)
    assert spec.counts() == {"full-dense": 3, "full-moe": 57}
    assert per_token(spec) == 60 * 2048 == 122_880


def test_minimax_m3_use_sparse_attention_defaults_to_on():
    # vLLM reads only sparse_attention_freq (no use_sparse_attention): absent = the flags apply
    cfg = raw("MiniMax-M3.json")
    del cfg["sparse_attention_config"]["use_sparse_attention"]
    assert per_token(load(cfg)) == M3_PER_TOKEN


@pytest.mark.parametrize("key", ["sparse_attention_freq", "moe_layer_freq"])
@pytest.mark.parametrize("value", ["short", "scalar"])
def test_minimax_m3_per_layer_flags_must_cover_every_layer(key, value):
    cfg = raw("MiniMax-M3.json")
    holder = cfg["sparse_attention_config"] if key == "sparse_attention_freq" else cfg
    holder[key] = holder[key][:59] if value == "short" else 1
    refused(cfg, f"{WHERE}: key '{key}' must list one flag per layer (60)")


@pytest.mark.parametrize("fixture,shared,first_dense,q_lora", [
    ("DeepSeek-V3.json", 1, 3, 1536), ("Kimi-K2-Instruct.json", 1, 3, 1536), ("DeepSeek-V3.2.json", 1, 3, 1536),
    ("GLM-5.json", 1, 3, 2048), ("DeepSeek-V2-Lite.json", 2, 0, 1536)])
def test_deepseek_family_absent_keys_are_transformers_class_defaults(fixture, shared, first_dense, q_lora):
    # transformers 5.20.2 models/deepseek_v3/configuration_deepseek_v3.py DeepseekV3Config: n_shared_experts
    # = 1, first_k_dense_replace = 3, q_lora_rank = 1536 (configuration_deepseek_v32.py the same;
    # configuration_glm_moe_dsa.py GlmMoeDsaConfig q_lora_rank = 2048; configuration_deepseek_v2.py
    # DeepseekV2Config 2, 0, 1536). A key the file leaves out takes the class default, and vLLM 0.33 reads
    # the attributes (models/deepseek_v2.py; kimi_k2 loads as DeepseekV3Config, transformers_utils/config.py).
    # Before, kvplan read an absent key as 0 / 0 / None: every layer MoE, no shared expert, no q LoRA.
    cfg = raw(fixture)
    moe_i, layers = cfg["moe_intermediate_size"], cfg["num_hidden_layers"]
    for k in ("n_shared_experts", "first_k_dense_replace", "q_lora_rank"):
        del cfg[k]
    spec = load(cfg)
    assert spec.layers == ["dense"] * first_dense + ["moe"] * (layers - first_dense)
    assert spec.layer_types["moe"].mlp.shared_intermediate_size == shared * moe_i
    assert {lt.mixer.q_lora_rank for lt in spec.layer_types.values()} == {q_lora}


def test_deepseek_v3_keys_stated_null_stay_null():
    # a key present as null is not the class default: vLLM 0.33 builds no shared expert (`if
    # config.n_shared_experts is not None`) and a plain q_proj (`if self.q_lora_rank is not None`)
    cfg = raw("DeepSeek-V3.json")
    cfg["n_shared_experts"] = None
    cfg["q_lora_rank"] = None
    spec = load(cfg)
    assert spec.layer_types["moe"].mlp.shared_intermediate_size == 0
    assert spec.layer_types["moe"].mixer.q_lora_rank is None


def test_minimax_m3_without_n_shared_experts_has_no_shared_expert():
    # vLLM's MiniMaxM3MoE: n_shared_experts = getattr(config, "n_shared_experts", None), and a
    # shared expert only `if self.n_shared_experts`
    cfg = raw("MiniMax-M3.json")
    del cfg["n_shared_experts"]
    spec = load(cfg)
    assert spec.layer_types["sparse-moe"].mlp.shared_intermediate_size == 0
    # 57 MoE layers lose one gated MLP of 3 × 6,144 × 3,072 parameters
    assert load(raw("MiniMax-M3.json")).parameters() - spec.parameters() == 57 * 3 * 6144 * 3072


def test_deepseek_v4_without_n_shared_experts_has_one_shared_expert():
    # transformers 5.20.2 DeepseekV4Config: n_shared_experts = 1, and DeepseekV4SparseMoeBlock
    # always builds one shared_experts MLP; vLLM 0.33 (models/deepseek_v4/nvidia/model.py) reads
    # config.n_shared_experts through that class and sizes it moe_intermediate_size × 1. So the
    # key left out = the fixture's 1: 2,048, and the same parameter count (golden-tested).
    cfg = raw("DeepSeek-V4-Flash.json")
    assert cfg["n_shared_experts"] == 1
    plain = load(cfg)
    del cfg["n_shared_experts"]
    spec = load(cfg)
    assert spec.layer_types["c4"].mlp.shared_intermediate_size == 2048
    assert spec.parameters() == plain.parameters() == 284_332_230_231


def test_minimax_m3_without_use_qk_norm_has_the_norms():
    # vLLM 0.33's MiniMax-M3 attention builds q_norm and k_norm (RMSNorm over head_dim 128) on
    # every layer without reading use_qk_norm, as transformers 5.20.2's MiniMaxM3VLAttention does
    cfg = raw("MiniMax-M3.json")
    plain = load(cfg)
    del cfg["use_qk_norm"]
    spec = load(cfg)
    assert spec == plain and spec.layer_types["full-dense"].mixer.qk_norm is True
    # a config that says false has none: 60 layers × 2 norms × 128 weights fewer
    cfg["use_qk_norm"] = False
    cfg["qk_norm_type"] = "per_layer"  # not read without the norms
    off = load(cfg)
    assert off.layer_types["sparse-moe"].mixer.qk_norm is False
    assert plain.parameters() - off.parameters() == 60 * 2 * 128 == 15_360


def test_minimax_m3_experts_are_sized_by_intermediate_size():
    # vLLM's MiniMaxM3MoE: routed experts intermediate_size, the shared one intermediate_size ×
    # n_shared_experts; the fixture's moe_intermediate_size and shared_intermediate_size are the
    # same 3,072, so leaving them out changes nothing
    cfg = raw("MiniMax-M3.json")
    assert cfg["intermediate_size"] == cfg["moe_intermediate_size"] == cfg["shared_intermediate_size"] == 3072
    plain = load(cfg)
    del cfg["moe_intermediate_size"], cfg["shared_intermediate_size"]
    assert load(cfg) == plain
    assert plain.layer_types["sparse-moe"].mlp.shared_intermediate_size == 1 * 3072


@pytest.mark.parametrize("key", ["moe_intermediate_size", "shared_intermediate_size"])
def test_minimax_m3_expert_size_other_than_intermediate_size_is_refused(key):
    # transformers would size the shared expert by shared_intermediate_size, vLLM by
    # intermediate_size: kvplan cannot tell which the weights have
    cfg = raw("MiniMax-M3.json")
    cfg[key] = 1536
    refused(cfg, f"{WHERE}: key '{key}' = 1536 differs from intermediate_size 3072 "
                 "(vLLM sizes MiniMax-M3's experts by intermediate_size alone)")
