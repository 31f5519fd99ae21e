"""Golden sizes a reader can check by hand, and properties of the arithmetic."""
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kvplan.sources import catalog
from kvplan.errors import KvplanError
from kvplan.plan.size import kv_size


def kv(name, ctx, dtype, batch=1, engine="ideal"):
    return kv_size(catalog.load_model(name), ctx, batch, dtype, engine)


def test_llama_2_13b_fp16_4096():
    # 2 (K, V) × 40 layers × 40 KV heads × 128 dims × 4096 tokens × 2 bytes
    r = kv("llama-13b", 4096, "fp16")
    assert r.kv_cache_bytes == 2 * 40 * 40 * 128 * 4096 * 2 == 3_355_443_200
    assert r.state_bytes == 0 and r.total_bytes == r.kv_cache_bytes
    assert r.bytes_per_token == 2 * 40 * 40 * 128 * 2 == 819_200


def test_llama_3_1_8b():
    # 2 × 32 layers × 8 KV heads × 128 × 2 bytes = 131,072 bytes per token
    assert kv("llama-3.1-8b", 131072, "bf16").kv_cache_bytes == 131_072 * 131_072 == 17_179_869_184
    assert kv("llama-3.1-8b", 8192, "fp8").kv_cache_bytes == 65_536 * 8_192 == 536_870_912


@pytest.mark.parametrize("name,ctx,expected,by_hand", [
    # 32 sliding layers hold min(32768, 4096) tokens × 2 × 8 × 128 × 2 bytes
    ("mistral-7b", 32768, 536_870_912, 32 * 4096 * 2 * 8 * 128 * 2),
    # 21 global × 8192 tokens + 21 local × 4096, each token 2 × 8 × 256 × 2 bytes
    ("gemma-2-9b", 8192, 2_113_929_216, (21 * 8192 + 21 * 4096) * 2 * 8 * 256 * 2),
    # 61 MLA layers × (512 latent + 64 rope) × 2 bytes × 8192 tokens
    ("deepseek-v3", 8192, 575_668_224, 61 * (512 + 64) * 2 * 8192),
    # 18 full × 131072 + 18 sliding × 128 tokens, each 2 × 8 × 64 × 2 bytes
    ("gpt-oss-120b", 131072, 4_836_556_800, (18 * 131072 + 18 * 128) * 2 * 8 * 64 * 2),
    # multi_query: 1 KV head of 64 dims, 32 layers
    ("falcon-7b", 2048, 16_777_216, 32 * 2048 * 2 * 1 * 64 * 2),
    # 12 global NoPE layers × 131072 + 36 chunked × 8192, each 2 × 8 × 128 × 2 bytes
    ("llama-4-scout", 131072, 7_650_410_496, (12 * 131072 + 36 * 8192) * 2 * 8 * 128 * 2),
])
def test_variant_kinds_bf16(name, ctx, expected, by_hand):
    assert expected == by_hand
    assert kv(name, ctx, "bf16").kv_cache_bytes == expected


def test_below_window_everything_is_held():
    assert kv("mistral-7b", 1000, "bf16").kv_cache_bytes == 32 * 1000 * 2 * 8 * 128 * 2


def test_mamba_state_is_fixed_and_in_its_own_dtype():
    # Nemotron-3-Nano: 23 Mamba2 layers; conv (64×64 + 2×8×128 channels × 3 columns) in bf16,
    # SSM state 64 heads × 64 × 128 in fp32 (mamba_ssm_cache_dtype: float32)
    a, b = kv("nemotron-3-nano", 10, "bf16"), kv("nemotron-3-nano", 10_000, "bf16")
    per_layer = (64 * 64 + 2 * 8 * 128) * 3 * 2 + 64 * 64 * 128 * 4
    assert a.state_bytes == b.state_bytes == 23 * per_layer
    # 6 attention layers × 2 KV heads × 128 × 2 (K, V) × 2 bytes per token
    assert b.kv_cache_bytes == 6 * 2 * 128 * 2 * 2 * 10_000


def test_int4_is_not_free():
    assert kv("llama-3.1-8b", 1000, "int4").kv_cache_bytes == 1000 * 32 * 8 * 128 * 2 // 2


def test_q8_0_counts_its_scales():
    # 128 values = 4 blocks of 34 bytes per row; 32 layers × 8 heads × 2 tensors
    assert kv("llama-3.1-8b", 1000, "q8_0").kv_cache_bytes == 1000 * 32 * 8 * 2 * 4 * 34


@pytest.mark.parametrize("ctx,batch", [(0, 1), (-5, 1), (10, 0), (1.5, 1), (True, 1)])
def test_bad_counts(ctx, batch):
    with pytest.raises(KvplanError):
        kv("llama-3.1-8b", ctx, "bf16", batch)


MODELS = ["llama-2-13b", "mistral-7b", "gemma-2-9b", "deepseek-v3", "gpt-oss-20b", "llama-4-scout",
          "nemotron-3-nano", "falcon-7b", "gpt2", "gemma-4-26b-a4b"]


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(MODELS), st.integers(1, 300_000), st.integers(1, 64),
       st.sampled_from(["bf16", "fp8", "int4", "q4_0", "kivi2"]), st.sampled_from(["ideal", "hf"]))
def test_linear_in_batch_and_never_negative(name, ctx, batch, dtype, engine):
    one = kv(name, ctx, dtype, 1, engine)
    many = kv(name, ctx, dtype, batch, engine)
    assert many.total_bytes == batch * one.total_bytes
    assert many.kv_cache_bytes >= 0 and many.state_bytes >= 0
    assert all(isinstance(v, int) for v in (many.kv_cache_bytes, many.state_bytes, many.weights_bytes))


@settings(max_examples=40, deadline=None)
@given(st.sampled_from(["llama-2-13b", "llama-3.1-8b", "qwen3-8b", "deepseek-v3", "gpt2"]),
       st.integers(1, 100_000), st.integers(1, 100_000))
def test_full_attention_is_linear_in_tokens(name, a, b):
    assert kv(name, a + b, "bf16").kv_cache_bytes == kv(name, a, "bf16").kv_cache_bytes \
        + kv(name, b, "bf16").kv_cache_bytes


@settings(max_examples=40, deadline=None)
@given(st.sampled_from(MODELS), st.integers(1, 200_000), st.integers(0, 5_000))
def test_monotone_in_tokens(name, a, more):
    assert kv(name, a + more, "bf16").kv_cache_bytes >= kv(name, a, "bf16").kv_cache_bytes


def test_recurrent_states_ideal():
    # Jamba: 28 Mamba-1 layers, conv 8192 channels × 3 columns + SSM 8192 × 16, all bf16
    assert kv("jamba", 50, "bf16").state_bytes == 28 * (8192 * 3 + 8192 * 16) * 2
    # Qwen3-Next: 36 DeltaNet layers, conv (2·16·128 + 32·128) × 3 + recurrent 32 × 128 × 128, bf16
    assert kv("qwen3-next", 50, "bf16").state_bytes == 36 * ((2 * 16 * 128 + 32 * 128) * 3 + 32 * 128 * 128) * 2


def test_recurrent_states_hf():
    # transformers keeps all 4 conv columns in bf16 and the recurrent state in fp32
    assert kv("jamba", 50, "bf16", engine="hf").state_bytes == 28 * (8192 * 4 * 2 + 8192 * 16 * 4)
    assert kv("qwen3-next", 50, "bf16", engine="hf").state_bytes == \
        36 * ((2 * 16 * 128 + 32 * 128) * 4 * 2 + 32 * 128 * 128 * 4)


def test_sink_tokens_streamingllm(tmp_path):
    # Mistral 7B's layers with 4 sink tokens kept beside a 4096 window (StreamingLLM)
    text = (catalog.specs_dir() / "models" / "mistral-7b.yaml").read_text()
    p = tmp_path / "mistral-sinks.yaml"
    p.write_text(text.replace("window: 4096", "window: 4096\n      sink_tokens: 4"))
    spec = catalog.load_model(str(p))
    per_token = 32 * 2 * 8 * 128 * 2
    assert kv_size(spec, 4000, 1, "bf16").kv_cache_bytes == 4000 * per_token       # below: all held
    assert kv_size(spec, 100_000, 1, "bf16").kv_cache_bytes == (4096 + 4) * per_token
    assert kv_size(spec, 100_000, 1, "bf16", "hf").kv_cache_bytes == 4095 * per_token  # hf keeps no sinks
