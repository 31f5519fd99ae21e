"""The hybrid families' importer (kvplan/sources/hfconfig/hybrid.py), key by key, for what the
other tests leave open (issue 25's survivors): Kimi Linear as transformers' and vLLM's
KimiLinearConfig has it without Kimi-K3's additions, each refusal's whole message, and the keys a
family marks as understood loading at values other than PretrainedConfig's defaults.

Defaults are vLLM 0.33's ``vllm/transformers_utils/configs/kimi_linear.py`` (KimiLinearConfig:
``num_shared_experts=0``, ``first_k_dense_replace=0``, ``mla_use_output_gate=False``,
``attn_res_block_size=None``, ``routed_expert_hidden_size=None``) and its
``models/kimi_k3/nvidia/model.py`` (``kda_config.get("use_full_rank_gate", False)``). The
fixture is Kimi-K3's real config (tests/fixtures/configs/Kimi-K3.json: 93 layers, 69 KDA + 24 MLA,
hidden 7168, moe_intermediate_size 3072, 2 shared experts, first_k_dense_replace 1)."""
import copy
import json

import pytest

from conftest import FIXTURES
from kvplan.errors import KvplanError
from kvplan.sources import hfconfig as hf

K3 = json.loads((FIXTURES / "Kimi-K3.json").read_text())


def kimi(drop=(), drop_linear=(), **edit):
    """Kimi-K3's config with text_config keys dropped or set (and linear_attn_config keys dropped)."""
    raw = copy.deepcopy(K3)
    text = raw["text_config"]
    for k in drop:
        text.pop(k)
    for k in drop_linear:
        text["linear_attn_config"].pop(k)
    text.update(edit)
    return raw


def refusal(raw) -> str:
    with pytest.raises(KvplanError) as e:
        hf.from_config(raw, "t")
    return str(e.value)


# --- Kimi Linear / Kimi-K3 ----------------------------------------------------------------------

def test_kimi_linear_without_k3_keys_takes_kimi_linear_defaults():
    # Kimi Linear's own keys only: no output gate, no latent MoE, no attention residuals, no
    # shared experts, no dense first layer, the low-rank KDA gate
    spec = hf.from_config(kimi(drop=["mla_use_output_gate", "routed_expert_hidden_size", "latent_moe_use_norm",
                                     "attn_res_block_size", "num_shared_experts", "first_k_dense_replace"],
                               drop_linear=["use_full_rank_gate"]), "t")
    assert spec.counts() == {"kda-moe": 69, "mla-moe": 24}  # first_k_dense_replace 0: every layer MoE
    mla, kda = spec.layer_types["mla-moe"].mixer, spec.layer_types["kda-moe"].mixer
    assert (mla.kind, kda.kind, kda.full_rank_gate) == ("mla", "kda", False)
    moe = spec.layer_types["mla-moe"].mlp
    assert (moe.shared_intermediate_size, moe.latent_size, moe.intermediate_size) == (0, None, 3072)
    assert [lt.norms for lt in spec.layer_types.values()] == [2, 2]  # input and post-attention RMSNorm
    assert not spec.attn_res


def test_kimi_shared_experts_and_dense_layers_read():
    spec = hf.from_config(kimi(num_shared_experts=1, first_k_dense_replace=2), "t")
    assert spec.counts() == {"kda-dense": 2, "kda-moe": 67, "mla-moe": 24}  # layers 1 and 2 are KDA
    assert spec.layer_types["mla-moe"].mlp.shared_intermediate_size == 3072  # 1 × moe_intermediate_size


def test_kimi_attention_residuals_cost_four_vectors_a_layer_and_two_at_the_end():
    # attn_res_block_size: two more RMSNorms and two hidden -> 1 projections per layer (4 × 7168
    # values), and the final output_attn_res_norm / _proj (2 × 7168): 7168 × (93 × 4 + 2) = 2,680,832
    with_res, without = hf.from_config(kimi(), "t"), hf.from_config(kimi(drop=["attn_res_block_size"]), "t")
    assert with_res.parameters() - without.parameters() == 7168 * (93 * 4 + 2) == 2_680_832
    assert [lt.norms for lt in without.layer_types.values()] == [2, 2, 2]
    assert (with_res.attn_res, bool(without.attn_res)) == (True, False)


def test_kimi_latent_moe_without_its_norm_is_refused():
    # vLLM 0.33's KimiLinearConfig defaults latent_moe_use_norm to False; kvplan models the normed one
    msg = "config.json: key 'latent_moe_use_norm' = false is not supported yet"
    assert refusal(kimi(drop=["latent_moe_use_norm"])) == msg
    assert refusal(kimi(latent_moe_use_norm=False)) == msg


def test_kimi_linear_attn_config_errors_name_it():
    assert refusal(kimi(drop_linear=["kda_layers"])) == \
        "config.json: linear_attn_config: missing required key 'kda_layers'"
    raw = kimi()
    raw["text_config"]["linear_attn_config"]["full_attn_layers"].remove(93)
    assert refusal(raw) == ("config.json: linear_attn_config's kda_layers and full_attn_layers must cover "
                            "layers 1..93 once each")


def test_kimi_generic_keys_it_marks_understood_load_at_other_values():
    # PretrainedConfig keys Kimi-K3's text_config carries (at their defaults there): Kimi's decoder
    # has no cross-attention and beam groups are a generation setting, so neither changes the spec
    base = hf.from_config(kimi(), "t")
    spec = hf.from_config(kimi(add_cross_attention=True, cross_attention_hidden_size=7168, num_beam_groups=2), "t")
    assert spec == base


def test_kimi_moe_layer_freq_places_the_moe_layers():
    # vLLM 0.33 models/kimi_k3/nvidia/model.py: MoE where layer_idx >= first_k_dense_replace and
    # layer_idx % moe_layer_freq == 0. Frequency 2 after 1 dense layer: MoE on the even indices
    # 2, 4, ..., 92 (46 layers), dense on 0 and the 46 odd ones (47)
    spec = hf.from_config(kimi(moe_layer_freq=2), "t")
    counts = spec.counts()
    assert sum(v for k, v in counts.items() if k.endswith("-moe")) == 46
    assert sum(v for k, v in counts.items() if k.endswith("-dense")) == 47
    # index 3 is layer 4, the first MLA layer: odd, so dense; index 7 (layer 8) too; the MLA layers
    # are 4, 8, ..., 92 and 93, indices 3, 7, ..., 91 (23 odd) and 92 (even)
    assert (counts["mla-dense"], counts["mla-moe"]) == (23, 1)
    assert hf.from_config(kimi(moe_layer_freq=1), "t") == hf.from_config(kimi(), "t")
    # absent: KimiLinearConfig's default, 1 (every layer past first_k_dense_replace)
    assert hf.from_config(kimi(drop=("moe_layer_freq",)), "t") == hf.from_config(kimi(), "t")
    assert refusal(kimi(moe_layer_freq=0)) == "config.json: key 'moe_layer_freq' must be a positive integer, got 0"


def test_kimi_pruned_heads_are_refused():
    # PretrainedConfig.pruned_heads names attention heads removed from the weights: the spec would
    # count them, so a non-empty one is refused (the generic rule; its default {} loads)
    assert refusal(kimi(pruned_heads={"3": [0, 1]})) == (
        "config.json: key 'pruned_heads' = {'3': [0, 1]} is not understood by kvplan's importer; "
        "refusing to guess its effect on the cache")
    assert hf.from_config(kimi(pruned_heads={}), "t") == hf.from_config(kimi(), "t")
