"""Each cache kind and MLP on small made-up geometries, every flag on and off, so that every term
of its arithmetic changes the answer; the sums are written out for checking by hand."""
import pytest

from kvplan.sources import catalog
from kvplan.errors import KvplanError
from kvplan.model.kinds import MLA, FullAttention, GatedDeltaNet, Mamba, Mamba2, NoCache, SlidingWindow
from kvplan.model.spec import DenseMlp, MoeMlp

H = 16  # hidden size used throughout


def ints(d: dict) -> dict:
    """Fail on 2.0 where 2 is meant (a / that should be //)."""
    for k, v in d.items():
        assert type(v) is not float, (k, v)
    return d


# --- labels, geometry and state names (they reach the table and --explain) ----------------------

def test_labels_and_geometry():
    assert SlidingWindow(num_heads=8, num_kv_heads=2, head_dim=4, window=4096).label() == "sliding W=4096"
    assert SlidingWindow(num_heads=8, num_kv_heads=2, head_dim=4, window=4096, sink_tokens=4).label() == \
        "sliding W=4096+4 sinks"
    mla = MLA(num_heads=2, kv_lora_rank=8, qk_rope_head_dim=4, qk_nope_head_dim=6, v_head_dim=5)
    m2 = Mamba2(num_heads=4, head_dim=2, state_size=3, n_groups=2, conv_kernel=4)
    m1 = Mamba(inner=6, state_size=3, conv_kernel=4, dt_rank=2)
    gdn = GatedDeltaNet(num_key_heads=2, num_value_heads=4, key_head_dim=3, value_head_dim=5, conv_kernel=4)
    assert [k.label() for k in (mla, m2, m1, gdn, NoCache())] == ["mla", "mamba2", "mamba", "gated deltanet", "none"]
    assert NoCache().geometry() == "-"
    # recurrent kinds and NoCache hold no tokens at any context
    assert [k.span(100) for k in (m2, m1, gdn, NoCache())] == [0, 0, 0, 0]


def test_state_tensors_named_and_sized():
    # Mamba2: conv_dim = inner 4·2 + 2 × 2 groups × 3 = 20 channels × (4 − 1) columns; SSM 4 × 2 × 3
    m2 = Mamba2(num_heads=4, head_dim=2, state_size=3, n_groups=2, conv_kernel=4)
    assert [(s.name, s.elements, s.dtype) for s in m2.state("bf16")] == [("conv", 60, "bf16"), ("ssm", 24, "bf16")]
    m2f = m2.model_copy(update={"ssm_state_dtype": "fp32"})
    assert [(s.name, s.dtype) for s in m2f.state("bf16")] == [("conv", "bf16"), ("ssm", "fp32")]
    # Mamba: conv 6 × 3 columns, SSM 6 × 3
    m1 = Mamba(inner=6, state_size=3, conv_kernel=4, dt_rank=2)
    assert [(s.name, s.elements, s.dtype) for s in m1.state("fp16")] == [("conv", 18, "fp16"), ("ssm", 18, "fp16")]
    # GatedDeltaNet: conv_dim 2 × 2 × 3 + 4 × 5 = 32 channels × 3 columns; recurrent 4 × 3 × 5
    gdn = GatedDeltaNet(num_key_heads=2, num_value_heads=4, key_head_dim=3, value_head_dim=5, conv_kernel=4)
    assert [(s.name, s.elements, s.dtype) for s in gdn.state("bf16")] == \
        [("conv", 96, "bf16"), ("recurrent", 60, "bf16")]


# --- parameters, every flag -------------------------------------------------------------------

def test_mla_params():
    # qk_head = 6 + 4 = 10. q_proj 16 × 2 × 10 = 320; kv_a 16 × (8 + 4) = 192; kv_a norm 8;
    # kv_b 8 × 2 × (6 + 5) = 176; o_proj 2 × 5 × 16 = 160 (+ 16 bias)
    mla = MLA(num_heads=2, kv_lora_rank=8, qk_rope_head_dim=4, qk_nope_head_dim=6, v_head_dim=5)
    assert mla.params(H) == 320 + 192 + 8 + 176 + 160 == 856
    assert mla.model_copy(update={"o_bias": True}).params(H) == 856 + 16
    # q_lora_rank 3: q_a 16 × 3 + its norm 3 + q_b 3 × 2 × 10 = 111 in place of 320
    assert mla.model_copy(update={"q_lora_rank": 3}).params(H) == 856 - 320 + 48 + 3 + 60


def test_mamba2_params():
    # inner 8, conv_dim 8 + 2·2·3 = 20, hidden 5. in_proj 5 × (16 + 12 + 4) = 160; conv 20 × 4 = 80
    # (+ 20 bias); dt_bias, A_log, D 3 × 4 = 12; norm 8; out_proj 8 × 5 = 40;
    # proj biases 16 + 12 + 4 + 5 = 37
    m = Mamba2(num_heads=4, head_dim=2, state_size=3, n_groups=2, conv_kernel=4)
    assert m.params(5) == 160 + 80 + 20 + 12 + 8 + 40 == 320
    assert m.model_copy(update={"conv_bias": False, "proj_bias": True}).params(5) == 160 + 80 + 12 + 8 + 40 + 37 == 337


def test_mamba_params():
    # i 6, n 3, r 2, hidden 5. in_proj 5 × 2 × 6 = 60 (+ 12); conv 6 × 4 = 24 (+ 6); x_proj 6 × (2 + 6) = 48;
    # dt_proj 2 × 6 + 6 = 18; A_log, D 6 × 3 + 6 = 24; out_proj 6 × 5 = 30 (+ 5); inner norms 2 + 6 = 8
    m = Mamba(inner=6, state_size=3, conv_kernel=4, dt_rank=2)
    assert m.params(5) == 60 + 24 + 6 + 48 + 18 + 24 + 30 == 210
    flipped = m.model_copy(update={"conv_bias": False, "proj_bias": True, "inner_norms": True})
    assert flipped.params(5) == 60 + 12 + 24 + 48 + 18 + 24 + 30 + 5 + 8 == 229


def test_moe_params_and_active():
    # expert (gated, biased): 3 × 5 × 3 + (2 × 3 + 5) = 56; router 5 × 4 = 20 (+ 4 bias);
    # shared expert (gated, no bias) 3 × 5 × 2 = 30; shared gate 5; router scale 5 + 4
    moe = MoeMlp(num_experts=4, experts_per_token=1, intermediate_size=3, expert_bias=True, router_bias=True,
                 shared_intermediate_size=2, shared_gate=True, router_scale=True)
    assert moe.params(5) == 4 * 56 + 20 + 4 + 30 + 5 + 9 == 292
    assert moe.active_params(5) == 292 - (4 - 1) * 56 == 124
    # not gated: expert 2 × 5 × 3 + (3 + 5) = 38, shared 2 × 5 × 2 = 20
    plain = moe.model_copy(update={"gated": False})
    assert plain.params(5) == 4 * 38 + 20 + 4 + 20 + 5 + 9 == 210
    assert plain.active_params(5) == 210 - 3 * 38 == 96


def test_model_active_parameters():
    # Qwen3-30B-A3B: 48 layers of 128 experts, 8 active, expert 3 × 2048 × 768 = 4,718,592;
    # 30,532,122,624 parameters (transformers); inactive 48 × 120 × 4,718,592 = 27,179,089,920
    spec = catalog.load_model("qwen3-30b-a3b")
    assert spec.parameters() == 30_532_122_624
    assert spec.active_parameters() == 30_532_122_624 - 48 * 120 * 3 * 2048 * 768 == 3_353_032_704
    # DeepSeek-V3: 3 dense layers, then 58 MoE layers of 256 routed experts (8 active) of
    # 3 × 7168 × 2048 = 44,040,192 parameters; 671,026,404,352 in all (transformers)
    ds = catalog.load_model("deepseek-v3")
    assert ds.active_parameters() == 671_026_404_352 - 58 * 248 * 44_040_192 == 37_552_282_624


# --- weight matrices (what a quantization_config quantizes) -------------------------------------

def test_attention_linears():
    a = FullAttention(num_heads=4, num_kv_heads=2, head_dim=8, v_head_dim=6)
    # q 4·8 = 32, k 2·8 = 16, v 2·6 = 12 (out × in); o 16 × 4·6
    assert a.linears(H) == [(32, H), (16, H), (12, H), (H, 24)]
    assert a.model_copy(update={"output_gate": True}).linears(H) == [(64, H), (16, H), (12, H), (H, 24)]
    assert a.model_copy(update={"k_eq_v": True}).linears(H) == [(32, H), (16, H), (H, 24)]


def test_other_linears():
    mla = MLA(num_heads=2, kv_lora_rank=8, qk_rope_head_dim=4, qk_nope_head_dim=6, v_head_dim=5)
    # q 2 × 10; kv_a 8 + 4; kv_b 2 × (6 + 5) from the latent 8; o 16 × 2·5
    assert mla.linears(H) == [(20, H), (12, H), (22, 8), (H, 10)]
    assert mla.model_copy(update={"q_lora_rank": 3}).linears(H) == [(3, H), (20, 3), (12, H), (22, 8), (H, 10)]
    m2 = Mamba2(num_heads=4, head_dim=2, state_size=3, n_groups=2, conv_kernel=4)
    assert m2.linears(5) == [(2 * 8 + 2 * 2 * 3 + 4, 5), (5, 8)]  # in_proj 32 × 5, out_proj
    m1 = Mamba(inner=6, state_size=3, conv_kernel=4, dt_rank=2)
    assert m1.linears(5) == [(12, 5), (2 + 6, 6), (6, 2), (5, 6)]  # in, x, dt, out
    gdn = GatedDeltaNet(num_key_heads=2, num_value_heads=4, key_head_dim=3, value_head_dim=5, conv_kernel=4)
    assert gdn.linears(7) == [(2 * 6 + 2 * 20, 7), (8, 7), (7, 20)]  # qkvz, ba, out
    assert NoCache().linears(7) == []
    assert DenseMlp(intermediate_size=3).linears(5) == [(3, 5), (3, 5), (5, 3)]
    assert DenseMlp(intermediate_size=3, gated=False).linears(5) == [(3, 5), (5, 3)]
    moe = MoeMlp(num_experts=2, experts_per_token=1, intermediate_size=3, gated=False, shared_intermediate_size=4)
    assert moe.expert_linears(5) == [(3, 5), (5, 3)] * 2
    assert moe.linears(5) == [(3, 5), (5, 3)] * 2 + [(4, 5), (5, 4)]
    assert moe.model_copy(update={"shared_intermediate_size": 0}).linears(5) == [(3, 5), (5, 3)] * 2


# --- tensor-parallel shards and their refusals ------------------------------------------------

def test_attention_shard():
    a = FullAttention(num_heads=8, num_kv_heads=4, head_dim=4)
    assert ints(dict(a.shard(2))) and (a.shard(2).num_heads, a.shard(2).num_kv_heads) == (4, 2)
    assert (a.shard(8).num_heads, a.shard(8).num_kv_heads) == (1, 1)  # 4 KV heads replicated over 8 ranks
    with pytest.raises(KvplanError) as e:
        FullAttention(num_heads=12, num_kv_heads=6, head_dim=4).shard(4)
    assert str(e.value) == ("tp=4 does not divide the 6 KV heads; choose a tensor-parallel size that divides 6 "
                            "(vLLM, SGLang and TensorRT-LLM refuse this split too)")
    with pytest.raises(KvplanError) as e:
        FullAttention(num_heads=24, num_kv_heads=4, head_dim=4).shard(6)
    assert str(e.value) == ("tp=6 is not a multiple of the 4 KV heads, so they cannot be replicated evenly "
                            "(vLLM, SGLang and TensorRT-LLM refuse this split too)")
    with pytest.raises(KvplanError) as e:
        a.shard(3)
    assert str(e.value) == "tp=3 does not divide the 8 attention heads; choose a tensor-parallel size that divides 8"


def test_mla_shard():
    mla = MLA(num_heads=6, kv_lora_rank=8, qk_rope_head_dim=4, qk_nope_head_dim=6, v_head_dim=5)
    s = mla.shard(3)
    assert ints(dict(s)) == {**dict(mla), "num_heads": 2}  # the latent is replicated, not split
    with pytest.raises(KvplanError) as e:
        mla.shard(4)
    assert str(e.value) == "tp=4 does not divide the 6 attention heads; choose a tensor-parallel size that divides 6"


def test_mamba2_shard():
    m = Mamba2(num_heads=8, head_dim=2, state_size=3, n_groups=2, conv_kernel=4)
    assert ints(dict(m.shard(2))) == {**dict(m), "num_heads": 4, "n_groups": 1}
    # 2 groups over 4 ranks: replicated up to 4 (vLLM extra_groups_for_head_shards), 1 per rank
    assert ints(dict(m.shard(4))) == {**dict(m), "num_heads": 2, "n_groups": 1}
    with pytest.raises(KvplanError) as e:
        m.shard(3)
    assert str(e.value) == "tp=3 does not divide the 8 Mamba2 heads; choose a tensor-parallel size that divides 8"


def test_mamba_shard():
    m = Mamba(inner=8, state_size=3, conv_kernel=4, dt_rank=2)
    assert ints(dict(m.shard(2))) == {**dict(m), "inner": 4}
    with pytest.raises(KvplanError) as e:
        m.shard(3)
    assert str(e.value) == "tp=3 does not divide the 8 Mamba inner channels; choose a tensor-parallel size that divides 8"


def test_gated_deltanet_shard():
    g = GatedDeltaNet(num_key_heads=4, num_value_heads=8, key_head_dim=3, value_head_dim=5, conv_kernel=4)
    assert ints(dict(g.shard(2))) == {**dict(g), "num_key_heads": 2, "num_value_heads": 4}
    with pytest.raises(KvplanError) as e:
        g.shard(8)
    assert str(e.value) == "tp=8 does not divide the 4 DeltaNet key heads; choose a tensor-parallel size that divides 4"
    with pytest.raises(KvplanError) as e:
        g.model_copy(update={"num_value_heads": 6}).shard(4)
    assert str(e.value) == "tp=4 does not divide the 6 DeltaNet value heads; choose a tensor-parallel size that divides 6"


def test_mlp_shard():
    d = DenseMlp(intermediate_size=12)
    assert ints(dict(d.shard(4))) == {**dict(d), "intermediate_size": 3}
    with pytest.raises(KvplanError) as e:
        d.shard(5)
    assert str(e.value) == "tp=5 does not divide the 12 MLP intermediate size; choose a tensor-parallel size that divides 12"
    moe = MoeMlp(num_experts=4, experts_per_token=1, intermediate_size=12, shared_intermediate_size=8)
    assert ints(dict(moe.shard(2))) == {**dict(moe), "intermediate_size": 6, "shared_intermediate_size": 4}
    with pytest.raises(KvplanError) as e:
        moe.shard(5)
    assert str(e.value) == "tp=5 does not divide the 12 expert intermediate size; choose a tensor-parallel size that divides 12"
    with pytest.raises(KvplanError) as e:
        moe.shard(12)
    assert str(e.value) == ("tp=12 does not divide the 8 shared-expert intermediate size; "
                            "choose a tensor-parallel size that divides 8")


def test_active_parameters_sum_over_moe_layer_types():
    from conftest import FIXTURES
    from kvplan.sources import hfconfig as hf

    # Llama 4 Maverick: MoE on every second layer, split over two layer types (local-moe, global-moe);
    # 400,711,848,960 parameters (transformers); 24 MoE layers × 127 idle experts of 3 × 5120 × 8192
    spec = hf.load(FIXTURES / "Llama-4-Maverick-17B-128E-Instruct.json")
    assert spec.counts() == {"local-dense": 24, "local-moe": 12, "global-moe": 12}
    assert spec.parameters() == 400_711_848_960
    assert spec.active_parameters() == 400_711_848_960 - 24 * 127 * 3 * 5120 * 8192 == 17_184_691_200


def test_experts_quantized_beside_dense_layers():
    import json

    from conftest import FIXTURES
    from kvplan.sources import hfconfig as hf

    # DeepSeek-V2-Lite (layer 0 dense, 26 MoE layers of 64 experts) with mxfp4 experts: each expert's
    # gate and up (1408 × 2048) cost 1408 × 2048/32 × 17 B and its down (2048 × 1408) 2048 × 1408/32 × 17 B:
    # 3 × 1,531,904 = 4,595,712 B; the other 15,706,484,224 − 26 × 64 × 3 × 2048 × 1408 parameters in bf16
    cfg = json.loads((FIXTURES / "DeepSeek-V2-Lite.json").read_text())
    cfg["quantization_config"] = {"quant_method": "mxfp4"}
    spec = hf.from_config(cfg, "t")
    quantized = 26 * 64 * 3 * 2048 * 1408
    assert spec.weight_bytes() == (26 * 64 * 4_595_712 + 2 * (15_706_484_224 - quantized),
                                   "bf16 + mxfp4 experts")
    assert spec.weight_bytes()[0] == 10_270_530_560


def test_linears_quantized_in_layers_without_mlp():
    from kvplan.sources import hfconfig as hf

    # a small Nemotron-H, blocks M * M - (Mamba2, attention, Mamba2, MLP); fp8 e4m3 with 128 × 128 scales
    cfg = {"model_type": "nemotron_h", "hidden_size": 1024, "num_hidden_layers": 4, "num_attention_heads": 8,
           "num_key_value_heads": 2, "head_dim": 128, "hybrid_override_pattern": "M*M-", "mamba_num_heads": 16,
           "mamba_head_dim": 64, "ssm_state_size": 128, "n_groups": 8, "conv_kernel": 4,
           "intermediate_size": 4096, "vocab_size": 32000, "torch_dtype": "bfloat16",
           "quantization_config": {"quant_method": "fp8", "weight_block_size": [128, 128]}}
    spec = hf.from_config(cfg, "t")
    # Mamba2 (× 2): in_proj 2·1024 + 2·8·128 + 16 = 4112 × 1024, out_proj 1024 × 1024;
    # attention: q 1024, k 256, v 256 (× 1024), o 1024 × 1024; MLP block: up 4096 × 1024, down 1024 × 4096
    quantized = 2 * (4112 * 1024 + 1024 * 1024) + (1024 + 256 + 256 + 1024) * 1024 + 2 * 4096 * 1024
    assert quantized == 21_528_576
    # one fp32 scale per 128 × 128 tile: Mamba2 2 × (33 × 8 + 8 × 8), attention 8·8 + 2·8 + 2·8 + 8·8,
    # MLP 32 × 8 + 8 × 32
    scales = 2 * (33 * 8 + 8 * 8) + (64 + 16 + 16 + 64) + (256 + 256)
    assert scales == 1328
    assert spec.weight_bytes() == (quantized + 4 * scales + 2 * (spec.parameters() - quantized),
                                   "bf16 + fp8_e4m3 linears (128×128-block scales)")
