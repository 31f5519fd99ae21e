"""AWQ Marlin tile padding (engines/vllm/loaded.py marlin_padded, awq_marlin_padding_growth) where
session 19's mutation run (mut19a) found no test reading the rule: the first thread-tile family
winning, a product tie, a group of 128 on a misaligned input, GPTQ and an AWQ spec without a
grouping, an H100 with a grouping Machete takes, AWQ that leaves attention unquantized, an o_proj
bias, an ungated MLP, a gated MLP without bias whose outputs pad, two layer types, routed experts.
Every figure from vLLM 0.33.0's utils/marlin_utils.py marlin_padded_nk or worked by hand."""
import json

from kvplan.engines.vllm import loaded
from kvplan.model.weights import WeightQuant
from kvplan.observe import launch

AWQ = {"bits": 4, "group_size": 128, "quant_method": "awq", "version": "gemm", "zero_point": True}


def _spec(model, tp=1, **q):
    return launch.row_spec({"model": model, "quantization_config": {**AWQ, **q}}).shard(tp)


def test_the_first_family_wins_where_it_is_cheaper():
    # (out up to 64, in up to 128) = (64, 256): 16,384; (out up to 128, in up to 64) = (128, 192):
    # 24,576. The first is cheaper although its input is the longer
    assert loaded.marlin_padded(64, 192, None) == (64, 256)
    assert loaded.marlin_padded(64, 192, 32) == (64, 256)


def test_a_product_tie_keeps_the_first_family():
    # (192, 256) and (256, 192): 49,152 both, 448 both; Python's min keeps the first, as
    # marlin_padded_nk's min(candidates, key=...) does
    assert loaded.marlin_padded(192, 192, None) == (192, 256)


def test_group_128_pads_the_input_to_128_in_both_families():
    # lcm(64, 128) = 128: (256, up(192, 128) = 256) both ways, not (256, 192)
    assert loaded.marlin_padded(200, 192, 128) == (256, 256)


def test_gptq_is_not_priced_here():
    # the rule is AWQ's (auto_awq.py get_quant_method); the same shapes as Llama-2-7B TP 8 group 32
    # (2,424,832 bytes as AWQ) give nothing for a GPTQ checkpoint
    g = launch.row_spec({"model": "llama-2-7b", "quantization_config": {
        "bits": 4, "group_size": 32, "quant_method": "gptq", "sym": True, "desc_act": False}}).shard(8)
    assert g.weight_quant.method == "gptq"
    assert loaded.awq_marlin_padding_growth(g, 89, "0.29.0") == 0
    assert loaded.awq_marlin_padding_growth(_spec("llama-2-7b", 8, group_size=32), 89, "0.29.0") == 2_424_832


def test_awq_without_a_grouping_is_not_priced():
    # neither a Marlin group size (32, 64, 128) nor per-channel scales: not a shape the rule knows
    s = _spec("llama-2-7b", 8, group_size=32)
    q = s.weight_quant.model_copy(update={"group": None, "channel": None})
    assert isinstance(q, WeightQuant) and (q.group, q.channel) == (None, None)
    assert loaded.awq_marlin_padding_growth(s.model_copy(update={"weight_quant": q}), 89, "0.29.0") == 0


def test_on_an_h100_machete_refuses_the_misaligned_down_projection():
    # per channel: Machete's grouping on 9.0, but down_proj's 1,376 inputs (Llama-2-7B TP 8) are not a
    # multiple of Machete's 64, so Marlin takes it padded: 4,096 x 32 / 2 = 65,536 bytes a layer,
    # 32 layers; the aligned qkv, o and gate_up stay unpadded
    c = _spec("llama-2-7b", 8, group_size=-1)
    assert loaded.awq_marlin_padding_growth(c, 90, "0.33.0") == 32 * 65_536 == 2_097_152
    # group 64 (Machete's): 1,376 % 64 = 32 straddles a group, plain AWQ, no padding
    assert loaded.awq_marlin_padding_growth(_spec("llama-2-7b", 8, group_size=64), 90, "0.33.0") == 0


def test_attention_left_unquantized_pads_only_the_mlp(tmp_path):
    # test_awq_marlin_padding's one-layer Qwen2-style model (hidden 1,120, MLP 4,480, per channel) with
    # modules_to_not_convert ["self_attn"]: gate_up 143,360 + down 71,760; not qkv's 41,616 or o's 36,432
    cfg = {"architectures": ["Qwen2ForCausalLM"], "model_type": "qwen2", "hidden_size": 1120,
           "num_attention_heads": 14, "num_key_value_heads": 2, "intermediate_size": 4480, "num_hidden_layers": 1,
           "vocab_size": 1024, "max_position_embeddings": 4096, "rms_norm_eps": 1e-6, "tie_word_embeddings": False,
           "torch_dtype": "float16", "hidden_act": "silu", "rope_theta": 10000.0,
           "quantization_config": {**AWQ, "group_size": -1, "modules_to_not_convert": ["self_attn"]}}
    (tmp_path / "config.json").write_text(json.dumps(cfg))
    s = launch.row_spec({"model": str(tmp_path / "config.json")})
    assert s.weight_quant.scope == "mlp"
    assert loaded.awq_marlin_padding_growth(s, 89, "0.29.0") == 143_360 + 71_760 == 215_120


def _one_layer(tmp_path, cfg, **q):
    # a one-layer config (head_dim 80: hidden 1,120, 14 heads), AWQ per channel unless told
    base = {"hidden_size": 1120, "num_attention_heads": 14, "num_hidden_layers": 1, "vocab_size": 1024,
            "max_position_embeddings": 4096, "tie_word_embeddings": False, "torch_dtype": "float16",
            "quantization_config": {**AWQ, "group_size": -1, **q}}
    (tmp_path / "config.json").write_text(json.dumps({**base, **cfg}))
    return launch.row_spec({"model": str(tmp_path / "config.json")})


LLAMA = {"architectures": ["LlamaForCausalLM"], "model_type": "llama", "num_key_value_heads": 2,
         "intermediate_size": 4480, "rms_norm_eps": 1e-6, "hidden_act": "silu", "rope_theta": 10000.0}


def test_an_o_projection_with_a_bias_pads_it(tmp_path):
    # Llama with attention_bias: q/k/v and o carry biases (the MLP none). As the Qwen2 model of
    # test_awq_marlin_padding (293,168 bytes), and o's bias padded from 1,120 to 1,152: 32 x 2 = 64 more
    s = _one_layer(tmp_path, {**LLAMA, "attention_bias": True})
    m = next(iter(s.layer_types.values())).mixer
    assert (m.qkv_bias, m.o_bias) == (True, True)
    assert loaded.awq_marlin_padding_growth(s, 89, "0.29.0") == 293_168 + 64 == 293_232


def test_an_ungated_mlp_pads_one_up_projection(tmp_path):
    # OPT without biases (enable_bias false): MHA, fc1 (4,480, 1,120), fc2 (1,120, 4,480), per channel.
    #   qkv (3,360, 1,120) -> (3,392, 1,152): 3,392 x 576 - 3,360 x 560 = 72,192, scales 64, zero points 16
    #   o   (1,120, 1,120) -> (1,152, 1,152): 36,352 + 64 + 16 = 36,432
    #   fc1 (4,480, 1,120) -> (4,480, 1,152): 4,480 x 16 = 71,680 (not a gated 8,960 rows: 143,360)
    #   fc2 (1,120, 4,480) -> (1,152, 4,480): 32 x 2,240 + 64 + 16 = 71,760
    s = _one_layer(tmp_path, {"architectures": ["OPTForCausalLM"], "model_type": "opt", "ffn_dim": 4480,
                              "enable_bias": False, "word_embed_proj_dim": 1120})
    assert loaded.awq_marlin_padding_growth(s, 89, "0.29.0") == 72_272 + 36_432 + 71_680 + 71_760 == 252_144


def test_a_gated_mlp_without_bias_pads_no_bias(tmp_path):
    # Qwen2's MLP has no bias; intermediate 4,500 with attention left unquantized, per channel:
    #   gate_up (9,000, 1,120) -> (9,024, 1,152) [9,024 x 1,152 < 9,088 x 1,152]: 9,024 x 576 - 9,000 x 560
    #     = 157,824, scales 24 x 2 = 48, zero points 4,512 - 4,500 = 12                  -> 157,884
    #   down (1,120, 4,500) -> (1,152, 4,544) [1,152 x 4,544 < 1,152 x 4,608]: rows of ceil(4,544 x 4 / 32)
    #     x 4 = 2,272 and ceil(4,500 x 4 / 32) x 4 = 2,252 bytes: 1,152 x 2,272 - 1,120 x 2,252 = 95,104,
    #     scales 64, zero points 16                                                       -> 95,184
    s = _one_layer(tmp_path, {**LLAMA, "architectures": ["Qwen2ForCausalLM"], "model_type": "qwen2",
                              "intermediate_size": 4500}, modules_to_not_convert=["self_attn"])
    assert loaded.awq_marlin_padding_growth(s, 89, "0.29.0") == 157_884 + 95_184 == 253_068


def test_every_layer_type_counts(tmp_path):
    # two layers of two types (sliding and full attention), each as the one-layer Qwen2 model: twice 293,168
    s = _one_layer(tmp_path, {**LLAMA, "architectures": ["Qwen2ForCausalLM"], "model_type": "qwen2",
                              "num_hidden_layers": 2, "layer_types": ["sliding_attention", "full_attention"],
                              "use_sliding_window": True, "sliding_window": 1024, "max_window_layers": 2})
    assert len(s.counts()) == 2
    assert loaded.awq_marlin_padding_growth(s, 89, "0.29.0") == 2 * 293_168 == 586_336


def test_routed_experts_are_not_this_rule(tmp_path):
    # the rule prices MarlinLinearKernel's linears; an MoE layer's routed experts are not among them.
    # Qwen3-30B-A3B at TP 8, group 32: qkv (640, 2,048) and o (2,048, 512) are aligned, so nothing,
    # though the experts' down projection (2,048, 96) would pad to 128 inputs
    s = _spec("qwen3-30b-a3b", 8, group_size=32)
    assert loaded.awq_marlin_padding_growth(s, 89, "0.29.0") == 0


def test_the_plan_part_word_for_word():
    # the part --explain and --json print: key, label, bytes, source, no band
    from kvplan import api

    spec = launch.row_spec({"model": "llama-2-7b", "quantization_config": {**AWQ, "group_size": 32}})
    r = api.fit(spec, "l40s", tp=8, engine="vllm", max_model_len=4096, vllm_version="0.29.0")
    p = next(p for p in r.stages[0].budget if p.key == "weights_awq_padding")
    assert (p.label, p.bytes, p.uncertainty, p.unmodelled) == (
        "weights: AWQ linears padded for Marlin", 2_424_832, 0, False)
    assert p.source == ("from vLLM's code (0.24.0 and later): MarlinLinearKernel pads a partition to Marlin's "
                        "thread tiles (utils/marlin_utils.py marlin_padded_nk; engines/vllm/loaded.py "
                        "awq_marlin_padding_growth)")


def test_marlins_group_sizes_each_pad_and_others_do_not(tmp_path):
    # a one-layer Llama, hidden 1,024, 14 heads of head_dim 80 (2 KV heads), MLP 2,048 (aligned):
    # qkv (1,440, 1,024) -> (1,472, 1,024) [1,472 x 1,024 < 1,536 x 1,024]: 32 more outputs; o (1,024, 1,120)
    # pads its input to 1,152 where its groups divide 1,120 (32), and straddles otherwise (64, 128).
    #   group 32:  qkv 1,024 x 32 / 2 = 16,384 + scales 32 rows x 32 x 2 = 2,048 + zeros 32 x 16 = 512 = 18,944;
    #              o 16,384 + one more scale row 1,024 x 2 = 2,048 + zeros 512 = 18,944             -> 37,888
    #   group 64:  qkv 16,384 + 16 x 32 x 2 = 1,024 + 16 x 16 = 256                                  -> 17,664
    #   group 128: qkv 16,384 + 8 x 32 x 2 = 512 + 8 x 16 = 128                                      -> 17,024
    #   group 16 (not Marlin's, MARLIN_SUPPORTED_GROUP_SIZES): nothing
    cfg = {**LLAMA, "hidden_size": 1024, "head_dim": 80, "intermediate_size": 2048}
    for group, grown in ((32, 37_888), (64, 17_664), (128, 17_024), (16, 0)):
        d = tmp_path / str(group)
        d.mkdir()
        s = _one_layer(d, cfg, group_size=group)
        assert (s.weight_quant.group, loaded.awq_marlin_padding_growth(s, 89, "0.29.0")) == (group, grown)
