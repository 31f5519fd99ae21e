"""AWQ linears padded for Marlin (engines/vllm/loaded.py awq_marlin_padding_growth), from vLLM's
code: from 0.24.0 auto_awq.py get_quant_method keeps a misaligned matrix on Marlin
(check_marlin_supports_layer(..., allow_tile_padding=True)) and kernels/linear/mixed_precision/
marlin.py MarlinLinearKernel.process_weights_after_loading zero-pads the partition to
utils/marlin_utils.py marlin_padded_nk: the cheaper of (out up to 64, in up to lcm(128, group))
and (out up to 128, in up to lcm(64, group)); qweight, scales and zero points then hold the padded
shape. Read in the 0.24.0, 0.29.0 and 0.33.0 wheels; 0.23.0's check has no padding (plain AWQ)."""
from kvplan import api
from kvplan.engines.vllm import loaded
from kvplan.observe import launch

AWQ = {"bits": 4, "group_size": 128, "quant_method": "awq", "version": "gemm", "zero_point": True}


def _spec(model, tp=1, **q):
    return launch.row_spec({"model": model, "quantization_config": {**AWQ, **q}}).shard(tp)


def test_marlin_padded_nk_by_hand():
    # marlin_padded_nk(size_n, size_k, group_size), as (out, in)
    assert loaded.marlin_padded(4096, 1376, 32) == (4096, 1408)  # in up to 128
    # 1,664 x 960 = 1,597,440 < 1,600 x 1,024 = 1,638,400: the out-to-128 family wins
    assert loaded.marlin_padded(1600, 960, 64) == (1664, 960)
    # 4,736 x 4,544 = 21,520,384 < 4,672 x 4,608 = 21,528,576
    assert loaded.marlin_padded(4672, 4544, 64) == (4736, 4544)
    assert loaded.marlin_padded(100, 128, None) == (128, 128)  # per channel: both families give (128, 128)
    assert loaded.marlin_padded(96, 64, None) == (128, 64)  # 128 x 64 < 128 x 128
    assert loaded.marlin_padded(4096, 4096, 128) == (4096, 4096)


def test_llama2_7b_at_tp8_pads_its_down_projection():
    # Llama-2-7B at TP 8: MLP 11,008 / 8 = 1,376 a rank. down_proj (out 4,096, in 1,376) pads its
    # input to 1,408: 32 more inputs. Group 32: values 4,096 x 32 / 2 = 65,536 bytes more, one more
    # group row of 16-bit scales (4,096 x 2 = 8,192) and of 4-bit zero points (4,096 / 2 = 2,048);
    # gate_up (out 2,752, in 4,096), qkv (1,536, 4,096) and o (4,096, 512) are aligned. 32 layers.
    s = _spec("llama-2-7b", 8, group_size=32)
    assert loaded.awq_marlin_padding_growth(s, 89, "0.29.0") == 32 * (65_536 + 8_192 + 2_048) == 2_424_832
    # per channel (group_size -1): one scale row, unchanged by an input pad: values only
    c = _spec("llama-2-7b", 8, group_size=-1)
    assert loaded.awq_marlin_padding_growth(c, 89, "0.24.0") == 32 * 65_536 == 2_097_152
    # on an H100 Machete refuses down_proj (input 1,376 % 64 = 32) and group 32 is not Machete's:
    # Marlin, padded, the same bytes
    assert loaded.awq_marlin_padding_growth(s, 90, "0.33.0") == 2_424_832


def test_by_release_card_and_group():
    s = _spec("llama-2-7b", 8, group_size=32)
    assert loaded.awq_marlin_padding_growth(s, 89, "0.23.0") == 0  # no tile padding: plain AWQ
    assert loaded.awq_marlin_padding_growth(s, 89, "0.18.0") == 0
    assert loaded.awq_marlin_padding_growth(s, 70, "0.29.0") == 0  # V100: Marlin wants 7.5
    assert loaded.awq_marlin_padding_growth(s, 75, "0.29.0") == 2_424_832
    # group 128: 1,376 % 128 = 96, a group straddles the partition: plain AWQ, no padding
    assert loaded.awq_marlin_padding_growth(_spec("llama-2-7b", 8), 89, "0.29.0") == 0
    # aligned shapes (Qwen3-14B at TP 1, the round-17 L40S rows) grow nothing
    assert loaded.awq_marlin_padding_growth(_spec("qwen3-14b"), 89, "0.29.0") == 0


def test_the_plan_counts_it_in_the_weights_as_loaded():
    spec = launch.row_spec({"model": "llama-2-7b", "quantization_config": {**AWQ, "group_size": 32}})
    # the other terms given, so that the two releases' profile runs (0.29.0's V2 runner, 0.23.0's V1
    # for a quantized Llama) do not move the budget: only the weights differ
    kw = dict(activation_bytes=2**30, cuda_graph_bytes=2**29, non_torch_bytes=2**28)
    r = api.fit(spec, "l40s", tp=8, engine="vllm", max_model_len=4096, vllm_version="0.29.0", **kw)
    old = api.fit(spec, "l40s", tp=8, engine="vllm", max_model_len=4096, vllm_version="0.23.0", **kw)
    st, so = r.stages[0], old.stages[0]
    assert st.part("weights_awq_padding") == 2_424_832 and so.part("weights_awq_padding") == 0
    assert st.weights_as_loaded - so.weights_as_loaded == 2_424_832
    assert so.kv_budget_bytes - st.kv_budget_bytes >= 2_424_832  # out of the KV budget


def test_a_biased_qkv_pads_its_bias(tmp_path):
    # a one-layer Qwen2-style model (qkv bias) with head_dim 80: hidden 1,120, 14 heads, 2 KV heads,
    # MLP 4,480; AWQ per channel (group_size -1: one scale and zero-point row). Marlin pads:
    #   qkv  (1,440, 1,120) -> (1,472, 1,152): values 1,472 x 576 - 1,440 x 560 = 41,472, scales
    #        32 x 2 = 64, zero points 32 / 2 = 16, bias 32 x 2 = 64            -> 41,616
    #   o    (1,120, 1,120) -> (1,152, 1,152): 663,552 - 627,200 + 64 + 16      -> 36,432
    #   gate_up (8,960, 1,120) -> (8,960, 1,152): 8,960 x 16                    -> 143,360
    #   down (1,120, 4,480) -> (1,152, 4,480): 32 x 2,240 + 64 + 16             -> 71,760
    import json

    cfg = {"architectures": ["Qwen2ForCausalLM"], "model_type": "qwen2", "hidden_size": 1120,
           "num_attention_heads": 14, "num_key_value_heads": 2, "intermediate_size": 4480, "num_hidden_layers": 1,
           "vocab_size": 1024, "max_position_embeddings": 4096, "rms_norm_eps": 1e-6, "tie_word_embeddings": False,
           "torch_dtype": "float16", "hidden_act": "silu", "rope_theta": 10000.0,
           "quantization_config": {**AWQ, "group_size": -1}}
    (tmp_path / "config.json").write_text(json.dumps(cfg))
    s = launch.row_spec({"model": str(tmp_path / "config.json")})
    assert loaded.awq_marlin_padding_growth(s, 89, "0.29.0") == 41_616 + 36_432 + 143_360 + 71_760 == 293_168
