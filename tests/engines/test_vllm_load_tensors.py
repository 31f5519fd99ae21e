"""engines/vllm/loaded.py ``load_tensors``: the tensors one rank allocates while vLLM builds the
model, in order, each worked out by hand from the model's config (model_specs/models/*.yaml) and the
rules in load_tensors' docstring (vLLM models/qwen2.py, llama.py, deepseek_v2.py; layers/fused_moe
create_weights). Session 13's mutation run of load_tensors (MUTATION.md) left these paths unchecked."""
from kvplan.engines.base import ServeOptions
from kvplan.engines.vllm import loaded
from kvplan.model.weights import WeightQuant
from kvplan.sources import catalog

OPTS = ServeOptions()
# Qwen2.5-7B: hidden 3,584, 28 + 4 heads of 128 (qkv 4,608 rows), intermediate 18,944, vocabulary
# 152,064, untied, 28 layers, bf16 (2 bytes a value); the rotary table 8 MiB (test_vllm_allocator.py)
QKV, H, I, V = 4_608, 3_584, 18_944, 152_064
ROTARY = 8 * 2**20


def test_qwen2_7b_every_tensor_in_order():
    sizes = loaded.load_tensors(catalog.load_model("qwen2.5-7b"), 1, OPTS)
    first = [V * H * 2,  # the embedding
             QKV * H * 2, QKV * 2, H * H * 2,  # qkv_proj, its bias, o_proj
             ROTARY,  # once, with the first layer's attention
             2 * I * H * 2, H * I * 2, H * 2, H * 2]  # gate_up_proj, down_proj, the two norms
    assert sizes[:9] == first
    assert sizes[9:16] == [QKV * H * 2, QKV * 2, H * H * 2, 2 * I * H * 2, H * I * 2, H * 2, H * 2]
    assert sizes[-2:] == [H * 2, V * H * 2]  # the final norm and the untied LM head
    assert len(sizes) == 1 + 28 * 7 + 1 + 2
    assert all(type(s) is int for s in sizes)


def test_no_qkv_bias_no_bias_tensor():
    # Llama 3.1 8B (no attention bias): qkv 6,144 × 4,096 × 2, then o_proj 4,096 × 4,096 × 2 at once
    sizes = loaded.load_tensors(catalog.load_model("llama-3.1-8b"), 1, OPTS)
    assert sizes[1:3] == [6_144 * 4_096 * 2, 4_096 * 4_096 * 2]


def test_a_checkpoint_that_quantizes_only_its_mlps():
    # scope "mlp", FP8 per channel: the attention stays bf16; gate_up and down are 1 byte a value
    # with one fp32 scale per output row as a tensor of their own
    q = WeightQuant(scope="mlp", format="fp8_e4m3", channel=True)
    spec = catalog.load_model("qwen2.5-7b").model_copy(update={"weight_quant": q})
    sizes = loaded.load_tensors(spec, 1, OPTS)
    assert sizes[1:11] == [QKV * H * 2, QKV * 2, H * H * 2, ROTARY,
                           2 * I * H, 2 * I * 4, H * I, H * 4, H * 2, H * 2]


def test_a_quantization_without_scales_adds_no_tensor():
    # FP8 with no scale of any kind: each matrix is its values alone, nothing after it (a
    # 0-byte tensor would still take a 512-byte block in allocator_slack)
    q = WeightQuant(scope="linear", format="fp8_e4m3")
    spec = catalog.load_model("qwen2.5-7b").model_copy(update={"weight_quant": q})
    sizes = loaded.load_tensors(spec, 1, OPTS)
    assert sizes[1:7] == [QKV * H, QKV * 2, H * H, ROTARY, 2 * I * H, H * I]
    assert 0 not in sizes


def test_packed_rows_fill_whole_int32_words():
    # AWQ/GPTQ pack each row into int32 words: a row of 3,585 int4 values is 14,340 bits, 449
    # words, 1,796 bytes (not the 1,793 bytes of 4-bit values end to end); per-channel scales of 2
    # bytes. An unpacked FP8 row of 3,585 values is 3,585 bytes (not 897 words, 3,588 bytes). A
    # hidden size of 3,585 is made up: every catalog row is a multiple of 32 bits, where both agree.
    base = catalog.load_model("qwen2.5-7b").model_copy(update={"hidden_size": 3_585})
    awq = WeightQuant(scope="linear", format="int4", packed=True, channel=True, scale_bytes=2)
    sizes = loaded.load_tensors(base.model_copy(update={"weight_quant": awq}), 1, OPTS)
    assert sizes[1:3] == [QKV * 1_796, QKV * 2]
    fp8 = WeightQuant(scope="linear", format="fp8_e4m3", channel=True)
    sizes = loaded.load_tensors(base.model_copy(update={"weight_quant": fp8}), 1, OPTS)
    assert sizes[1:3] == [QKV * 3_585, QKV * 4]


def test_mla_without_q_lora_and_moe_with_shared_experts():
    # DeepSeek-V2-Lite (hidden 2,048, 16 heads, no q_lora, kv_lora 512, rope 64, nope 128, v 128;
    # vocabulary 102,400; layer 0 dense, the rest 64 experts of 1,408 + shared 2,816), FP8 per
    # channel: q 16 × 192 = 3,072 rows, kv_a_proj_with_mqa 512 + 64 = 576, kv_b 16 × 256 = 4,096
    # rows of 512, o 2,048 rows of 16 × 128; each with its fp32 scales, one a row
    q = WeightQuant(scope="linear", format="fp8_e4m3", channel=True)
    spec = catalog.load_model("deepseek-v2-lite").model_copy(update={"weight_quant": q})
    sizes = loaded.load_tensors(spec, 1, OPTS)
    assert sizes[:9] == [102_400 * 2_048 * 2, 3_072 * 2_048, 3_072 * 4, 576 * 2_048, 576 * 4,
                         4_096 * 512, 4_096 * 4, 2_048 * 2_048, 2_048 * 4]
    # bf16, a MoE layer (the second): its MLA as above in bf16, then the router 64 × 2,048 × 2, w13
    # 64 × 2,816 × 2,048 × 2, w2 64 × 2,048 × 1,408 × 2, the shared gate_up 5,632 × 2,048 × 2 and
    # down 2,048 × 2,816 × 2, two norms
    spec = catalog.load_model("deepseek-v2-lite")
    sizes = loaded.load_tensors(spec, 1, OPTS)
    mla = [3_072 * 2_048 * 2, 576 * 2_048 * 2, 4_096 * 512 * 2, 2_048 * 2_048 * 2]
    dense = len(mla) + 1 + 2 + 2  # layer 0: MLA, the rotary table, gate_up and down, two norms
    assert sizes[1 + dense:1 + dense + 11] == mla + [
        64 * 2_048 * 2, 64 * 2 * 1_408 * 2_048 * 2, 64 * 2_048 * 1_408 * 2,
        2 * 2_816 * 2_048 * 2, 2_048 * 2_816 * 2, 2_048 * 2, 2_048 * 2]
    assert all(type(s) is int for s in sizes)


def test_mla_with_q_lora_fuses_q_a_and_kv_a():
    # DeepSeek-V3 at TP 8 (hidden 7,168, 128 heads: 16 a rank, q_lora 1,536, kv_lora 512, rope 64,
    # nope 128, v 128; FP8 in 128 × 128 blocks, one fp32 scale a block; vocabulary 129,280 split
    # over 8): fused_qkv_a_proj (1,536 + 576) × 7,168 with 17 × 56 scales; q_b 3,072 × 1,536 (24 ×
    # 12); kv_b 4,096 × 512 (32 × 4); o 7,168 × 2,048 (56 × 16)
    sizes = loaded.load_tensors(catalog.load_model("deepseek-v3").shard(8), 8, OPTS)
    assert sizes[:9] == [129_280 // 8 * 7_168 * 2, 2_112 * 7_168, 17 * 56 * 4, 3_072 * 1_536, 24 * 12 * 4,
                         4_096 * 512, 32 * 4 * 4, 7_168 * 2_048, 56 * 16 * 4]


def test_quantized_routed_and_shared_experts():
    # DeepSeek-V2-Lite in FP8 per channel, its first MoE layer (after layer 0's 8 MLA tensors, the
    # rotary table, gate_up and down with their scales and two norms: 15): the MLA's 8, the bf16
    # router, then w13 for all 64 experts as one tensor (64 × 2,816 × 2,048 values, 64 × 2,816 fp32
    # scales), w2 (64 × 2,048 × 1,408, 64 × 2,048), the shared gate_up (5,632 × 2,048, 5,632 × 4)
    # and down (2,048 × 2,816, 2,048 × 4), two norms
    q = WeightQuant(scope="linear", format="fp8_e4m3", channel=True)
    spec = catalog.load_model("deepseek-v2-lite").model_copy(update={"weight_quant": q})
    sizes = loaded.load_tensors(spec, 1, OPTS)
    assert sizes[16 + 8:16 + 8 + 11] == [
        64 * 2_048 * 2, 64 * 2_816 * 2_048, 64 * 2_816 * 4, 64 * 2_048 * 1_408, 64 * 2_048 * 4,
        5_632 * 2_048, 5_632 * 4, 2_048 * 2_816, 2_048 * 4, 2_048 * 2, 2_048 * 2]


def test_mamba_and_ungated_mlps():
    # Nemotron-H-56B (hidden 8,192, Mamba2 of 256 heads of 64: inner 16,384, 8 groups, state 256;
    # MLP layers of one ungated up_proj 32,768 wide; bf16; a layer is one block and one norm):
    # in_proj 2 × 16,384 + 2 × 8 × 256 + 256 = 37,120 rows, out_proj 8,192 × 16,384, a norm; then
    # an MLP layer (no mixer tensor): up 32,768 × 8,192, down 8,192 × 32,768, a norm
    sizes = loaded.load_tensors(catalog.load_model("nemotron-h-56b"), 1, OPTS)
    assert sizes[:7] == [131_072 * 8_192 * 2, 37_120 * 8_192 * 2, 8_192 * 16_384 * 2, 8_192 * 2,
                         32_768 * 8_192 * 2, 8_192 * 32_768 * 2, 8_192 * 2]
    # Nemotron 3 Nano (hidden 2,688; Mamba2 64 × 64 = 4,096 inner, 8 groups, state 128: 10,304 rows;
    # 128 ungated experts of 1,856 and a shared one of 3,712): router 128 × 2,688, w13 128 × 1,856 ×
    # 2,688, w2 the same, shared up 3,712 × 2,688 and down, a norm (all bf16)
    sizes = loaded.load_tensors(catalog.load_model("nemotron-3-nano-30b-a3b"), 1, OPTS)
    assert sizes[:11] == [131_072 * 2_688 * 2, 10_304 * 2_688 * 2, 2_688 * 4_096 * 2, 2_688 * 2,
                          128 * 2_688 * 2, 128 * 1_856 * 2_688 * 2, 128 * 2_688 * 1_856 * 2,
                          3_712 * 2_688 * 2, 2_688 * 3_712 * 2, 2_688 * 2, 10_304 * 2_688 * 2]
