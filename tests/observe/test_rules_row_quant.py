"""Issue 20 (session 18): a start-up log's row names a catalog model and its checkpoint's own
``quantization_config`` (AWQ, GPTQ, ...), priced as a config.json's would be
(sources/hfconfig/quant.py).
Every figure is worked out by hand beside its assertion."""
import pytest

from kvplan.engines.base import ServeOptions
from kvplan.engines.vllm import loaded
from kvplan.errors import KvplanError
from kvplan.observe import launch
from kvplan.sources.hfconfig.quant import checkpoint_weight_quant

GiB = 2**30
# Qwen's Qwen3 AWQ releases (tests/data/vllm_startup_logs.json, the optlab / newblog AWQ rows)
AWQ = {"bits": 4, "group_size": 128, "modules_to_not_convert": None, "quant_method": "awq", "version": "gemm",
       "zero_point": True}


def test_awq_matrix_bytes_by_hand():
    # Qwen3-32B-AWQ's q_proj, as a public model report lists its tensors: qweight int32
    # [5120, 1024] = 20,971,520 B; qzeros int32 [40, 1024] = 163,840 B; scales 16-bit [40, 8192]
    # = 655,360 B (vLLM 0.28-0.33 auto_awq.py create_weights: [in, out / 8], [in / 128, out / 8],
    # [in / 128, out])
    wq = checkpoint_weight_quant(AWQ, "t", 64)
    assert (wq.scope, wq.format, wq.group, wq.zero_points, wq.packed) == ("linear", "int4", 128, True, True)
    assert wq.matrix_bytes(8192, 5120) == 20_971_520 + 163_840 + 655_360
    # zero_point false still allocates qzeros (create_weights registers them either way)
    assert checkpoint_weight_quant({**AWQ, "zero_point": False}, "t").matrix_bytes(8192, 5120) == 21_790_720
    with pytest.raises(KvplanError, match="is not one kvplan prices"):
        checkpoint_weight_quant({"quant_method": "bitsandbytes"}, "t")


def test_row_spec_prices_the_awq_checkpoint_of_a_catalog_model():
    spec = launch.row_spec({"model": "qwen3-14b", "quantization_config": AWQ})
    assert spec.weight_quant.method == "awq" and spec.weight_quant.group == 128
    # stored bytes, Qwen3-14B (40 layers, hidden 5,120, QKV out 7,168, MLP 17,408, vocabulary
    # 151,936, untied): a layer's four matrices, each out × in / 2 + (in / 128) × out × 2.5:
    # qkv 7,168 × 5,120, o 5,120 × 5,120, gate_up 34,816 × 5,120, down 5,120 × 17,408
    per_layer = sum(o * i // 2 + (i // 128) * o * 5 // 2
                    for o, i in ((7168, 5120), (5120, 5120), (34816, 5120), (5120, 17408)))
    norms = 40 * (2 * 5120 + 2 * 128) * 2 + 5120 * 2  # two norms, q/k norms, the final norm
    stored = 40 * per_layer + 2 * 151_936 * 5120 * 2 + norms
    assert spec.weight_bytes()[0] == stored == 9_976_576_000
    # the tensors vLLM allocates while loading (the allocator's input): the same less Qwen3's q/k
    # norms (40 × 512 B), which load_tensors leaves out, plus the rotary table
    tensors = loaded.load_tensors(spec, 1, ServeOptions())
    assert sum(tensors) - loaded.rotary_cache_bytes(spec) == stored - 40 * 2 * 128 * 2
    # the AWQ log's own line (vLLM 0.29.0 weight_utils.py): "Checkpoint size: 9.29 GiB"; group 64
    # (one more scale and zero row per 64 inputs) would say 9.53
    assert f"{stored / GiB:.2f}" == "9.29"
    g64 = launch.row_spec({"model": "qwen3-14b", "quantization_config": {**AWQ, "group_size": 64}})
    assert f"{g64.weight_bytes()[0] / GiB:.2f}" == "9.53"


def test_row_spec_refuses_two_formats():
    with pytest.raises(KvplanError, match="already has a weight format"):
        launch.row_spec({"model": "qwen3-14b", "quantization_config": AWQ, "quantization": "fp8"})
    with pytest.raises(KvplanError, match="already has a weight format"):
        launch.row_spec({"model": "gpt-oss-120b", "quantization_config": AWQ})



def test_awq_zero_points_under_machete_by_hand():
    # vLLM 0.28.0-0.33.0 on compute capability 9.0: Machete's transform_w_zp turns each packed 4-bit zero
    # point (groups × out / 8 int32) into a 16-bit -scale × zero (groups × out × 2 B): 1.5 B more per group
    # and output. Qwen3-14B, group 128, per layer: qkv (out 7,168, 40 groups), o (5,120, 40), gate_up
    # (34,816, 40), down (5,120, 136 groups): 1.5 × (40 × (7,168 + 5,120 + 34,816) + 136 × 5,120)
    # = 3,870,720 B; 40 layers 154,828,800 B
    from kvplan import api

    spec = launch.row_spec({"model": "qwen3-14b", "quantization_config": AWQ})
    assert loaded.awq_machete_growth(spec, 90) == 40 * 3 * (40 * (7168 + 5120 + 34816) + 136 * 5120) // 2 \
        == 154_828_800
    # TP 2 halves every partition's outputs or groups (all still multiples of 128 / 64)
    assert loaded.awq_machete_growth(spec.shard(2), 90) == 154_828_800 // 2
    # Marlin below 9.0 (L40S: 8.9) and on 10.0 keeps the byte counts; group 32 is not Machete's
    assert loaded.awq_machete_growth(spec, 89) == loaded.awq_machete_growth(spec, 100) == 0
    g32 = launch.row_spec({"model": "qwen3-14b", "quantization_config": {**AWQ, "group_size": 32}})
    assert loaded.awq_machete_growth(g32, 90) == 0
    # per channel (group_size -1): one zero row per matrix, 1.5 × (7,168 + 5,120 + 34,816 + 5,120) a layer
    ch = launch.row_spec({"model": "qwen3-14b", "quantization_config": {**AWQ, "group_size": -1}})
    assert loaded.awq_machete_growth(ch, 90) == 40 * 3 * (7168 + 5120 + 34816 + 5120) // 2 == 3_133_440
    st = api.fit(spec, "h100", tp=1, engine="vllm").stages[0]
    assert st.part("weights_awq_zeros") == 154_828_800
    assert st.weights_as_loaded == st.weights_bytes + st.part("weights_rotary") + 154_828_800 \
        + st.part("weights_allocator")
    assert api.fit(spec, "l40s", tp=1, engine="vllm").stages[0].part("weights_awq_zeros") == 0


def test_row_spec_error_is_one_line_word_for_word():
    # a row with both its checkpoint's quantization_config and a named format: the whole message, not a substring
    with pytest.raises(KvplanError, match=r"^a row gives quantization_config for a model that already has a "
                                          r"weight format$"):
        launch.row_spec({"model": "qwen3-14b", "quantization_config": AWQ, "quantization": "fp8"})


def test_row_spec_names_the_row_when_its_config_is_refused():
    # the row's quantization_config is read with the row named (where) and the catalog model's layer count (40)
    with pytest.raises(KvplanError, match=r"^row qwen3-14b: quantization_config\.bits 8: vLLM 0\.33 loads "
                                          r"4-bit AWQ only"):
        launch.row_spec({"model": "qwen3-14b", "quantization_config": {**AWQ, "bits": 8}})
    some = [f"model.layers.{i}.self_attn" for i in range(39)]
    with pytest.raises(KvplanError, match=r"^row qwen3-14b: quantization_config\.modules_to_not_convert leaves "
                                          r"attention of some layers only \(39 of 40\) unquantized"):
        launch.row_spec({"model": "qwen3-14b", "quantization_config": {**AWQ, "modules_to_not_convert": some}})


def test_row_spec_awq_with_every_layers_attention_left_in_bf16_by_hand():
    # modules_to_not_convert naming self_attn of all 40 layers (0-39) of Qwen3-14B: the catalog model's layer
    # count makes the list whole, so attention stays bf16 and only the MLPs are AWQ (scope "mlp")
    every = [f"model.layers.{i}.self_attn" for i in range(40)]
    spec = launch.row_spec({"model": "qwen3-14b", "quantization_config": {**AWQ, "modules_to_not_convert": every}})
    assert spec.weight_quant.scope == "mlp"
    # per layer: qkv 7,168 × 5,120 and o 5,120 × 5,120 at 2 B; gate_up 34,816 × 5,120 and down 5,120 × 17,408
    # as AWQ (out × in / 2 + (in / 128) × out × 2.5); embeddings and LM head 2 × 151,936 × 5,120 × 2; norms as
    # above
    attention = (7168 * 5120 + 5120 * 5120) * 2
    mlp = 34816 * 5120 // 2 + 40 * 34816 * 5 // 2 + 5120 * 17408 // 2 + 136 * 5120 * 5 // 2
    norms = 40 * (2 * 5120 + 2 * 128) * 2 + 5120 * 2
    assert spec.weight_bytes()[0] == 40 * (attention + mlp) + 2 * 151_936 * 5120 * 2 + norms == 13_702_297_600
