"""AWQ zero points under Machete (engines/vllm/loaded.py awq_machete_growth) on shapes and scopes
the Qwen3-14B test (tests/observe/test_rules_row_quant.py) does not reach: matrices Machete refuses,
a plain (ungated) MLP, several layer types, AWQ on the MLPs only and on the routed experts only.
vLLM 0.33.0 kernels/linear/mixed_precision/machete.py can_implement -> machete_utils.py
check_machete_supports_shape: the partition's input a multiple of 64 and its output of 128, else
Marlin, whose zero points keep their packed bytes. Growth per matrix that Machete takes:
(in / group) x out x 2 bytes for the 16-bit -scale x zero, less the (in / group) x out / 8 int32
zero points it replaces: 1.5 bytes per group and output (mutation testing, session 18)."""
from kvplan.engines.vllm import loaded
from kvplan.observe import launch

AWQ = {"bits": 4, "group_size": 128, "quant_method": "awq", "version": "gemm", "zero_point": True}


def _spec(model, **q):
    return launch.row_spec({"model": model, "quantization_config": {**AWQ, **q}})


def test_refused_shapes_keep_their_bytes():
    # SmolLM2-360M (hidden 960, 15 heads x 64, 5 KV heads, MLP 2,560 gated, 32 layers), group 64:
    # qkv out 960 + 2 x 320 = 1,600 (1,600 % 128 = 64: refused), o out 960 (refused), down out 960
    # (refused); only gate_up (out 5,120, in 960: 960 % 64 = 0, though 960 % 128 = 64) is Machete's:
    # 960 / 64 = 15 groups x 5,120 x 1.5 = 115,200 a layer, x 32 = 3,686,400
    s = _spec("smollm2-360m", group_size=64)
    g = loaded.awq_machete_growth(s, 90)
    assert g == 32 * 15 * 5120 * 3 // 2 == 3_686_400
    assert type(g) is int  # bytes are ints (no float division of the input into groups)


def test_an_ungated_mlp_has_one_input_matrix():
    # GPT-2 (hidden 768, MLP 3,072 ungated, 12 layers), group 128, every shape Machete's:
    # qkv out 2,304 and o out 768 on 768 / 128 = 6 groups, up out 3,072 on 6, down out 768 on
    # 3,072 / 128 = 24: 1.5 x (6 x 2,304 + 6 x 768 + 6 x 3,072 + 24 x 768) = 82,944 a layer
    assert loaded.awq_machete_growth(_spec("gpt2"), 90) == 12 * 3 * (6 * 2304 + 6 * 768 + 6 * 3072 + 24 * 768) // 2 \
        == 995_328
    # Falcon-7B (hidden 4,544, multi-query, MLP 18,176 ungated, 32 layers), group 64: qkv out
    # 4,544 + 128 = 4,672, o and down out 4,544 (each % 128 = 64: refused); up out 18,176 on
    # 4,544 / 64 = 71 groups: 71 x 18,176 x 1.5 = 1,935,744 a layer
    assert loaded.awq_machete_growth(_spec("falcon-7b", group_size=64), 90) == 32 * 71 * 18176 * 3 // 2 \
        == 61_943_808


def test_every_layer_type_counts():
    # Gemma-3-1B: 22 local and 4 global layers, the same linears (hidden 1,152, 4 heads x 256, one KV
    # head, MLP 6,912 gated), group 128: qkv out 1,536 and gate_up out 13,824 on 9 groups, o out
    # 1,152 on 1,024 / 128 = 8, down out 1,152 on 54: 1.5 x 209,664 = 314,496 a layer, x 26
    per_layer = 3 * (9 * 1536 + 8 * 1152 + 9 * 13824 + 54 * 1152) // 2
    assert loaded.awq_machete_growth(_spec("gemma-3-1b"), 90) == 26 * per_layer == 8_176_896


def test_scope_mlp_and_experts():
    # modules_to_not_convert ["self_attn"]: AWQ on the MLPs only. Qwen3-14B (40 layers): gate_up out
    # 34,816 on 40 groups, down out 5,120 on 136: 1.5 x (40 x 34,816 + 136 x 5,120) x 40
    mlp = _spec("qwen3-14b", modules_to_not_convert=["self_attn"])
    assert mlp.weight_quant.scope == "mlp"
    assert loaded.awq_machete_growth(mlp, 90) == 40 * 3 * (40 * 34816 + 136 * 5120) // 2 == 125_337_600
    # AWQ on the routed experts only (DeepSeek-V2-Lite: its dense first layer's MLP and every
    # attention left 16-bit): the experts take AWQ's MoE method, not the linear one: nothing grows
    d = _spec("deepseek-v2-lite")
    e = d.model_copy(update={"weight_quant": d.weight_quant.model_copy(update={"scope": "experts"})})
    assert loaded.awq_machete_growth(e, 90) == 0


def test_the_budget_part_is_from_code():
    # the part api.fit shows for Qwen3-14B-AWQ on an H100 (9.0): the 154,828,800 bytes of
    # tests/observe/test_rules_row_quant.py, labelled, sourced, and with no band (from vLLM's code)
    from kvplan import api

    (p,) = [p for p in api.fit(_spec("qwen3-14b"), "h100", tp=1, engine="vllm").stages[0].budget
            if p.key == "weights_awq_zeros"]
    assert (p.label, p.bytes, p.uncertainty) == ("weights: AWQ zero points as Machete holds them", 154_828_800, 0)
    assert p.source == ("from vLLM's code: on compute capability 9.0 Machete replaces each packed 4-bit zero "
                        "point with a 16-bit -scale × zero (engines/vllm/loaded.py awq_machete_growth)")


# By release (startup.yaml awq_machete_by_release, loaded.py awq_machete_rule), read in the wheels:
# AWQ-Marlin without Machete up to 0.18.0; check_marlin_supports_layer without tile padding in 0.19.0
# to 0.23.0 (a layer whose input is no multiple of 128 falls back to plain AWQ before Machete is
# asked); allow_tile_padding=True in auto_awq.py from 0.24.0 (0.24.0 to 0.29.0 and 0.33.0 read).
SMOL_GATE_UP = 32 * 15 * 5120 * 3 // 2  # SmolLM2-360M group 64: gate_up only (test_refused_shapes...)


def test_smollm2_gate_up_follows_the_release():
    s = _spec("smollm2-360m", group_size=64)
    # tile padding (0.24.0 on): gate_up's input 960 (960 % 128 = 64) still goes to AWQ-Marlin, then Machete
    for v in ("0.24.0", "0.28.0", "0.29.0", "0.33.0", None):
        assert loaded.awq_machete_growth(s, 90, v) == SMOL_GATE_UP == 3_686_400, v
    # no padding (0.19.0 to 0.23.0): Marlin wants input % 128: plain AWQ, the packed zero points kept
    for v in ("0.19.0", "0.21.0", "0.23.0"):
        assert loaded.awq_machete_growth(s, 90, v) == 0, v
    # up to 0.18.0 AWQ-Marlin runs Marlin itself: never Machete
    assert loaded.awq_machete_growth(s, 90, "0.12.0") == loaded.awq_machete_growth(s, 90, "0.18.0") == 0
    # a release in no range (0.18.1 not read) takes the rule with the most growth
    assert loaded.awq_machete_growth(s, 90, "0.18.1") == SMOL_GATE_UP
    assert [loaded.awq_machete_rule(v) for v in ("0.18.0", "0.19.0", "0.23.0", "0.24.0", "0.18.1")] == \
        ["marlin_only", "marlin_shape", "marlin_shape", "tile_padding", "tile_padding"]


def test_without_padding_marlin_shaped_matrices_still_grow():
    # Gemma-3-1B group 128 (test_every_layer_type_counts): every input (1,152, 1,024, 6,912) a multiple
    # of 128 and every output of 64, so 0.21.0's unpadded Marlin check passes and Machete takes all four
    g = _spec("gemma-3-1b")
    assert loaded.awq_machete_growth(g, 90, "0.21.0") == loaded.awq_machete_growth(g, 90, "0.33.0") == 8_176_896


def test_a_group_straddling_the_input_falls_back_to_plain_awq():
    # Falcon-7B group 128: hidden 4,544 = 35.5 groups. auto_awq.py (0.24.0 on) with tile padding still
    # asks input_size_per_partition % group_size == 0: up_proj falls back to AutoAWQLinearMethod (the
    # 64-group case above grows it by 61,943,808)
    assert loaded.awq_machete_growth(_spec("falcon-7b", group_size=128), 90, "0.33.0") == 0


def test_the_plan_follows_the_logged_release():
    from kvplan import api

    def part(version):
        st = api.fit(_spec("qwen3-14b"), "h100", tp=1, engine="vllm", vllm_version=version).stages[0]
        return [p.bytes for p in st.budget if p.key == "weights_awq_zeros"]

    assert part("0.33.0") == part("0.21.0") == [154_828_800]  # Qwen3-14B: every shape Marlin's and Machete's
    assert part("0.18.0") == []
