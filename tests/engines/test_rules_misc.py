"""Smaller rules: messages, defaults and helpers, spelled out so that a changed constant fails."""
import json

import pytest

from conftest import FIXTURES
from kvplan.sources import catalog, hfconfig as hf
from kvplan.model import dtypes
from kvplan.errors import KvplanError
from kvplan.model.kinds import FullAttention
from kvplan.plan.size import kv_size
from kvplan.model.spec import compress_pattern, parse_pattern

LLAMA = {"model_type": "llama", "hidden_size": 4096, "num_hidden_layers": 4, "num_attention_heads": 32,
         "num_key_value_heads": 8, "intermediate_size": 11008, "vocab_size": 32000, "torch_dtype": "bfloat16"}


# --- dtypes ----------------------------------------------------------------------------------------

def test_dtype_names_are_normalised():
    assert dtypes.get("FP8-E4M3").name == "fp8_e4m3"   # case and '-' for '_'
    assert dtypes.get(" bf16 ").name == "bf16"
    assert dtypes.get("KIVI4-G64").name == "kivi4-g64"  # KIVI keeps its '-g'


def test_negative_row():
    with pytest.raises(ValueError) as e:
        dtypes.get("fp16").row_bytes(-1)
    assert str(e.value) == "negative element count"


# --- memory ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("ctx,batch,message", [(0, 1, "ctx must be a positive integer, got 0"),  # the parameter's name (issue 19)
                                               (5, 0, "batch must be a positive integer, got 0")])
def test_count_messages(ctx, batch, message):
    with pytest.raises(KvplanError) as e:
        kv_size(catalog.load_model("gpt2"), ctx, batch)
    assert str(e.value) == message


def test_library_counts_encoders_by_default():
    r = kv_size(catalog.load_model("gemma-4-26b-a4b"), 1)
    assert r.encoder_parameters == 572_792_112  # transformers: 25,805,933,872 − 25,233,141,760
    assert r.weights_bytes == 2 * 25_805_933_872


def test_hf_mla_geometry_shows_the_two_tensors():
    r = kv_size(hf.load(FIXTURES / "DeepSeek-V2-Lite.json"), 10, engine="hf")
    assert {g.geometry for g in r.groups} == {"1×512 + 1×64"}
    r = kv_size(hf.load(FIXTURES / "DeepSeek-V2-Lite.json"), 10)
    assert {g.geometry for g in r.groups} == {"latent 512+64"}


def test_attention_geometry_with_v_dim():
    assert FullAttention(num_heads=4, num_kv_heads=2, head_dim=8, v_head_dim=6).geometry() == "2×8/6"
    assert FullAttention(num_heads=4, num_kv_heads=2, head_dim=8).geometry() == "2×8"


# --- spec --------------------------------------------------------------------------------------

def test_weight_groups_gpt2():
    # GPT-2: vocab 50,257 + 1,024 learned positions, × 768; LM head tied; final LayerNorm 2 × 768
    s = catalog.load_model("gpt2")
    assert s.embedding_params() == (50_257 + 1_024) * 768 == 39_383_808
    assert s.lm_head_params() == 0 and s.final_norm_params() == 2 * 768
    # one block: attention 4 × 768² + 4 × 768 biases; MLP 2 × 768 × 3072 + 3072 + 768; 2 LayerNorms × 2 × 768
    block = 4 * 768 * 768 + 4 * 768 + 2 * 768 * 3072 + 3072 + 768 + 2 * 2 * 768
    assert s.layer_params() == {"block": block} and block == 7_087_872
    assert s.parameters() == 39_383_808 + 12 * block + 1536 == 124_439_808  # transformers' count
    assert s.model_copy(update={"final_norm": False}).final_norm_params() == 0


def test_weight_groups_llama():
    s = catalog.load_model("llama-3.1-8b")
    assert s.embedding_params() == s.lm_head_params() == 128_256 * 4096 == 525_336_576
    assert s.final_norm_params() == 4096  # RMSNorm: one weight vector


def test_shard_needs_a_positive_tp():
    with pytest.raises(ValueError) as e:
        catalog.load_model("gpt2").shard(0)
    assert str(e.value) == "tp must be positive"


def test_compress_pattern_round_trips():
    for names in (["a", "b"] * 21, ["d"] * 3 + ["m"] * 58, ["x", "y", "y"] * 5 + ["x"], ["a"]):
        assert parse_pattern(compress_pattern(names)) == names
    assert compress_pattern(["l", "l", "l", "g"] * 12) == "(l*3 g)*12"


# --- importer: small rules -----------------------------------------------------------------------

def test_one_of_a_count_is_fine():
    assert hf.from_config({**LLAMA, "num_hidden_layers": 1}, "t").num_layers == 1


def test_every_unread_key_is_checked():
    # the check walks every key, sorted: one late in the alphabet is refused too
    with pytest.raises(KvplanError) as e:
        hf.from_config({**LLAMA, "zz_kv_shift": 4}, "t")
    assert str(e.value) == ("config.json: key 'zz_kv_shift' = 4 is not understood by kvplan's importer; "
                            "refusing to guess its effect on the cache")


def test_unreadable_config(tmp_path):
    with pytest.raises(KvplanError) as e:
        hf.load_json(tmp_path)  # a directory
    assert str(e.value) == f"cannot read {tmp_path}: Is a directory"


@pytest.mark.parametrize("block,message", [
    ([0, 0], "config.json: quantization_config.weight_block_size [0, 0] is not a square block kvplan understands"),
    ([1.5, 1.5], "config.json: quantization_config.weight_block_size [1.5, 1.5] is not a square block kvplan understands"),
    ([128, 128, 128], "config.json: quantization_config.weight_block_size [128, 128, 128] is not a square block kvplan understands"),
    ("128", "config.json: quantization_config.weight_block_size '128' is not a square block kvplan understands"),
])
def test_bad_block_sizes(block, message):
    with pytest.raises(KvplanError) as e:
        hf.from_config({**LLAMA, "quantization_config": {"quant_method": "fp8", "weight_block_size": block}}, "t")
    assert str(e.value) == message


def test_fp8_quantization_variants():
    q = hf.from_config({**LLAMA, "quantization_config": {"quant_method": "fp8", "fmt": "e5m2",
                                                         "weight_block_size": [1, 1]}}, "t").weight_quant
    assert (q.scope, q.format, q.block) == ("linear", "fp8_e5m2", 1)
    q = hf.from_config({**LLAMA, "quantization_config": {"quant_method": "fp8"}}, "t").weight_quant
    assert (q.format, q.block) == ("fp8_e4m3", None)
    # a method kvplan does not model is priced in the model dtype (gptq is modelled now:
    # tests/sources/test_quantized.py)
    assert hf.from_config({**LLAMA, "quantization_config": {"quant_method": "bitsandbytes"}}, "t").weight_quant is None


def test_quantization_config_outside_text_config():
    cfg = json.loads((FIXTURES / "Llama-4-Scout-17B-16E-Instruct.json").read_text())
    cfg["quantization_config"] = {"quant_method": "fp8", "weight_block_size": [128, 128]}
    assert hf.from_config(cfg, "t").weight_quant.block == 128


def test_dtype_keys_and_note():
    base = {k: v for k, v in LLAMA.items() if k != "torch_dtype"}
    s = hf.from_config(base, "t")
    assert (s.dtype, s.dtype_note) == ("fp32", "config.json states no torch_dtype; transformers defaults to float32")
    s = hf.from_config({**base, "dtype": "float16"}, "t")
    assert (s.dtype, s.dtype_note) == ("fp16", None)
    # under text_config: the inner dtype wins over the outer one; else the outer torch_dtype, then dtype
    cfg = json.loads((FIXTURES / "gemma-3-27b-it.json").read_text())  # outer dtype: bfloat16
    assert hf.from_config(cfg, "t").dtype == "bf16"
    cfg["text_config"]["torch_dtype"] = "float16"
    assert hf.from_config(cfg, "t").dtype == "fp16"
    del cfg["text_config"]["torch_dtype"]
    cfg["torch_dtype"] = "float32"
    assert hf.from_config(cfg, "t").dtype == "fp32"


def test_family_is_the_inner_model_type():
    assert hf.load(FIXTURES / "gemma-3-27b-it.json").family == "gemma3_text"  # outer: gemma3


def test_source_and_name_from_the_path(tmp_path):
    d = tmp_path / "My Model v2"
    d.mkdir()
    (d / "config.json").write_text(json.dumps(LLAMA))
    s = hf.load(d)
    assert (s.name, s.source) == ("my-model-v2", str(d / "config.json"))
    p = tmp_path / "Weird__Name!.json"
    p.write_text(json.dumps(LLAMA))
    assert hf.load(p).name == "weird__name"
    p = tmp_path / "!!!.json"
    p.write_text(json.dumps(LLAMA))
    assert hf.load(p).name == "model"
    assert hf.from_config(LLAMA, "t").source == "config.json"
    assert hf.from_config(LLAMA, "t", source="https://x/config.json").source == "https://x/config.json"


def test_llama_with_gemma_or_qwen_keys_is_not_refused():
    # keys transformers' Llama ignores but that name windows: understood, not refused
    s = hf.from_config({**LLAMA, "sliding_window_pattern": 6, "_sliding_window_pattern": 6,
                        "max_window_layers": 2, "use_sliding_window": False}, "t")
    assert s.pattern == "full*4"


def test_dtype_descriptions_and_kivi_bounds():
    assert dtypes.get("fp16").description == "IEEE float16"
    assert dtypes.get("q8_0").description == "llama.cpp q8_0: 32 int8 + fp16 scale = 34 bytes per 32 values"
    assert dtypes.get("kivi2").description == "KIVI 2-bit, group 32, fp16 scale + fp16 zero point"
    # the edges are allowed: 1 and 8 bits, groups of 1 (1 value × 1 bit -> 1 B + 4 B scale and zero)
    assert dtypes.get("kivi1").row_bytes(32) == 1 * (4 + 4)        # 32 × 1 bit = 4 B + 4
    assert dtypes.get("kivi8").row_bytes(32) == 32 + 4
    assert dtypes.get("kivi4-g1").row_bytes(3) == 3 * (1 + 4)
    with pytest.raises(KvplanError) as e:
        dtypes.get("kivi4-g0")
    assert str(e.value) == "bad KIVI format 'kivi4-g0': bits must be 1-8 and group positive"


def test_nested_dtype_and_quantization_config():
    cfg = json.loads((FIXTURES / "gemma-3-27b-it.json").read_text())  # outer dtype: bfloat16
    cfg["text_config"]["dtype"] = "float16"   # the inner `dtype` name is read too, and wins
    assert hf.from_config(cfg, "t").dtype == "fp16"
    cfg = json.loads((FIXTURES / "Llama-4-Scout-17B-16E-Instruct.json").read_text())
    cfg["text_config"]["quantization_config"] = {"quant_method": "fp8"}
    assert hf.from_config(cfg, "t").weight_quant.format == "fp8_e4m3"


def test_group_without_count_is_once():
    assert parse_pattern("(a b) c") == ["a", "b", "c"]
    assert parse_pattern("(a b)*2 c*3") == ["a", "b", "a", "b", "c", "c", "c"]


def test_no_final_norm_in_the_count():
    # OPT-125m: 125,239,296 parameters (transformers); without do_layer_norm_before the final
    # LayerNorm (weight + bias, 2 × 768) is gone
    cfg = json.loads((FIXTURES / "OPT-125m.json").read_text())
    assert hf.from_config(cfg, "t").parameters() == 125_239_296
    cfg["do_layer_norm_before"] = False
    assert hf.from_config(cfg, "t").parameters() == 125_239_296 - 2 * 768


def test_falcon_new_architecture_ignores_multi_query(tmp_path):
    # falcon-40b's config carries both new_decoder_architecture and multi_query; transformers
    # reads num_kv_heads (8) and ignores multi_query: 60 layers × 8 × 64 × 2 (K, V) × 2 bytes
    import json as _json

    from kvplan.sources import hfconfig as hf
    from kvplan.plan.size import kv_size

    cfg = {"model_type": "falcon", "hidden_size": 8192, "num_attention_heads": 128, "num_hidden_layers": 60,
           "num_kv_heads": 8, "new_decoder_architecture": True, "multi_query": True, "vocab_size": 65024,
           "torch_dtype": "bfloat16"}
    f = tmp_path / "config.json"
    f.write_text(_json.dumps(cfg))
    spec = hf.load(f)
    assert kv_size(spec, 1).bytes_per_token == 60 * 8 * 64 * 2 * 2


def test_vllm_next_token_at_a_block_boundary():
    # Mistral 7B in vLLM's layout: 4,095 -> 4,096 tokens stays in 256 blocks (no growth); 4,096
    # -> 4,097 opens block 257 of the sliding layers' window + in-flight span (131,072 bytes/token)
    from kvplan.sources import catalog
    from kvplan.plan.size import kv_size

    spec = catalog.load_model("mistral-7b")
    assert kv_size(spec, 4095, engine="vllm").next_token_bytes == 0
    assert kv_size(spec, 4096, engine="vllm").next_token_bytes == 131_072


def test_vllm_state_of_a_float32_hybrid_is_in_the_run_dtype(tmp_path):
    # vLLM runs a float32 checkpoint in bf16 (sm80+ default), Mamba conv state included:
    # conv (4 × 64 + 2 × 128) × 3 values × 2 bytes = 3,072 + SSM 4 × 64 × 128 × 2 = 65,536
    from kvplan.sources import catalog
    from kvplan.plan.size import kv_size

    f = tmp_path / "m.yaml"
    f.write_text("""name: m
display_name: m
source: hand-made for a test
dtype: fp32
hidden_size: 256
vocab_size: 256
max_context: 4096
layer_types:
  ssm:
    mixer: {kind: mamba2, num_heads: 4, head_dim: 64, state_size: 128, n_groups: 1, conv_kernel: 4}
  attn:
    mixer: {kind: full, num_heads: 4, num_kv_heads: 1, head_dim: 64}
pattern: "ssm attn"
""")
    spec = catalog.load_model(str(f))
    r = kv_size(spec, 16, engine="vllm")
    assert r.kv_dtype == "bf16"
    block = r.groups[1].tokens  # attention block raised to hold the state: 16 × cdiv(68,608, 16 × 256)
    assert block == 16 * -(-68_608 // (16 * 256)) == 272
    assert r.state_bytes == 3 * 272 * 256  # 3 pages (align mode), each padded to the attention page


def test_hf_static_keeps_recurrent_state_in_the_cache_dtype():
    """transformers' StaticCache holds Mamba layers as DynamicCache does: the conv state in the
    cache's dtype, the SSM state in fp32. Jamba v0.1: 28 Mamba layers of inner 8,192, conv kernel
    4, state 16: conv 28 × 8,192 × 4 elements, SSM 28 × 8,192 × 16 × 4 bytes = 14,680,064."""
    s = catalog.load_model("jamba-v0.1")
    ssm = 28 * 8192 * 16 * 4
    for kv, width in (("bf16", 2), ("fp32", 4)):
        r = kv_size(s, 1000, 1, kv_dtype=kv, engine="hf-static")
        assert r.state_bytes == 28 * 8192 * 4 * width + ssm  # 16,515,072 and 18,350,080
