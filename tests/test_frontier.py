"""The 2026 frontier kinds (issue 13): each model's cache stated by hand from its config.json.

Every expected number below is arithmetic on keys of the vendored config (tests/fixtures/
configs/, sources in SOURCES_EXTRA.md), written out so a reader can redo it. bf16 = 2 bytes.
The parameter counts are transformers' own (5.20.2, meta device; see tests/golden/
hf_params_frontier.json) where a transformers class builds the model.
"""
import json

import pytest
from typer.testing import CliRunner

from kvplan import catalog, dtypes, hf
from kvplan.cli import app
from kvplan.errors import KvplanError
from kvplan.memory import kv_size

M = 1 << 20  # 1,048,576 tokens: the context DeepSeek-V4's model card quotes

runner = CliRunner()


def size(name, ctx, **kw):
    return kv_size(catalog.load_model(name), ctx, **kw)


def test_indexer_key_format_is_fp8_plus_an_fp32_scale_per_128():
    # 128 fp8 values (128 B) + one fp32 scale (4 B) = 132 B: vLLM's DeepseekV32IndexerCache head_size
    assert dtypes.get("fp8_ds_index").row_bytes(128) == 132
    assert dtypes.get("fp8_ds_index").row_bytes(256) == 264


def test_deepseek_v32_bytes_per_token():
    # 61 layers × (latent kv_lora_rank 512 + qk_rope_head_dim 64 = 576 values × 2 B
    #              + indexer key index_head_dim 128 in fp8 + 4 B scale = 132 B)
    r = size("deepseek-v3.2", 1000)
    assert r.bytes_per_token == 61 * (576 * 2 + 132) == 78_324
    assert r.kv_cache_bytes == 1000 * 78_324 and r.state_bytes == 0
    # the indexer keys stay fp8 when the latent goes fp8: 61 × (576 + 132)
    assert size("deepseek-v3.2", 1000, kv_dtype="fp8").bytes_per_token == 61 * (576 + 132)


def test_glm5_bytes_per_token():
    # 78 layers × (576 × 2 + 132); GLM-5 has the same MLA dims as DeepSeek-V3.2
    r = size("glm-5", 4096)
    assert r.bytes_per_token == 78 * 1284 == 100_152
    assert r.kv_cache_bytes == 4096 * 100_152


def test_deepseek_v4_flash_by_hand():
    # config: 43 layers; compress_ratios[:43] = 0, 0, then (4, 128) × 20, then 4 -> 2 window-only,
    # 21 CSA (ratio 4) and 20 HCA (ratio 128) layers; head_dim 512 (one K=V head), window 128,
    # index_head_dim 128.
    spec = catalog.load_model("deepseek-v4-flash")
    assert spec.counts() == {"swa": 2, "c4": 21, "c128": 20}
    ctx = M
    swa = 43 * 128 * 512 * 2  # every layer: the last 128 tokens' K=V vector, bf16
    c4 = 21 * (ctx // 4) * (512 * 2 + 132)  # compressed entry bf16 + indexer key fp8 + scale
    c128 = 20 * (ctx // 128) * 512 * 2
    r = size("deepseek-v4-flash", ctx)
    assert r.kv_cache_bytes == swa + c4 + c128 == 6_537_216_000
    # growth per token once the window is full: 21 × (1024 + 132) / 4 + 20 × 1024 / 128
    assert r.next_token_bytes == 21 * 289 + 20 * 8 == 6_229
    # compressor state, per layer and sequence, bf16: (ratio − 1) pending tokens × kv + gate of
    # coff × head_dim (coff 2 on CSA, 1 on HCA), plus CSA's previous window (ratio × 2 × dim)
    c4_state = (3 * 2 * 2 * 512 + 4 * 2 * 512) + (3 * 2 * 2 * 128 + 4 * 2 * 128)
    c128_state = 127 * 2 * 1 * 512
    assert r.state_bytes == 2 * (21 * c4_state + 20 * c128_state)


def test_deepseek_v4_flash_against_v3_at_1m():
    # DeepSeek-V3: 61 layers × 576 × 2 B = 70,272 B per token
    v3 = size("deepseek-v3", M)
    assert v3.kv_cache_bytes == M * 61 * 576 * 2
    v4 = size("deepseek-v4-flash", M)
    assert v4.kv_cache_bytes * 100 // v3.kv_cache_bytes == 8  # 8.87 %: about 1/11 of V3's


def test_kimi_k3_by_hand():
    # 24 MLA layers (full_attn_layers) × 576 × 2 B per token; 69 KDA layers (kda_layers) with a fixed
    # state: conv over q, k, v = 3 × 96 heads × 128 = 36,864 channels × (short_conv_kernel_size 4 − 1)
    # and a recurrent 96 × 128 × 128 matrix, both bf16 here (the model dtype)
    spec = catalog.load_model("kimi-k3")
    assert spec.counts() == {"kda-dense": 1, "kda-moe": 68, "mla-moe": 24}
    r = size("kimi-k3", 8192)
    assert r.bytes_per_token == 24 * 1152 == 27_648
    assert r.kv_cache_bytes == 8192 * 27_648
    assert r.state_bytes == 69 * (36_864 * 3 * 2 + 96 * 128 * 128 * 2) == 232_316_928


def test_minimax_m3_by_hand():
    # 60 layers of GQA: 4 KV heads × 128 × (K + V) × 2 B = 2,048 B; 57 sparse layers
    # (sparse_attention_freq) add one shared index key of sparse_index_dim 128 × 2 B = 256 B
    r = size("minimax-m3", 4096)
    assert r.bytes_per_token == 60 * 2048 + 57 * 256 == 137_472
    assert r.kv_cache_bytes == 4096 * 137_472


def test_mimo_v2_flash_by_hand():
    # 9 full layers (hybrid_layer_pattern 0): 4 KV heads × (K 192 + V 128) × 2 B = 2,560 B per token;
    # 39 sliding layers: 8 KV heads (swa_num_key_value_heads) × (192 + 128) × 2 B = 5,120 B per token
    # for at most sliding_window_size + 1 = 129 tokens
    r = size("mimo-v2-flash", 32768)
    assert r.bytes_per_token == 9 * 2560 + 39 * 5120 == 222_720
    assert r.next_token_bytes == 9 * 2560
    assert r.kv_cache_bytes == 9 * 2560 * 32768 + 39 * 5120 * 129


def test_gemma4_26b_has_no_shared_layers():
    # its config says num_kv_shared_layers 0: every layer stores its own cache. 25 sliding layers
    # × 8 KV heads × 256 × (K + V) × 2 B = 8,192 B; 5 full layers × num_global_key_value_heads 2 ×
    # global_head_dim 512 × (K + V) × 2 B = 4,096 B (attention_k_eq_v: V comes from the K
    # projection, yet both are cached)
    raw = json.loads((catalog.load_model("gemma-4-26b-a4b").fixture and
                      (__import__("pathlib").Path(__file__).parent / "fixtures" / "configs" /
                       "gemma-4-26B-A4B.json").read_text()))
    assert raw["text_config"]["num_kv_shared_layers"] == 0
    r = size("gemma-4-26b-a4b", 512)
    assert r.bytes_per_token == 25 * 8192 + 5 * 4096


@pytest.mark.parametrize("fixture,params", [
    ("DeepSeek-V3.2.json", 671_877_929_216), ("GLM-5.json", 743_911_199_232),
    ("DeepSeek-V4-Flash.json", 284_332_230_231), ("DeepSeek-V4-Pro.json", 1_572_997_179_491),
    ("MiMo-V2-Flash.json", 308_778_768_832)])
def test_parameters_match_transformers(fixture, params, fixtures):
    """transformers 5.20.2, AutoModelForCausalLM.from_config on the meta device (golden file)."""
    golden = json.loads((fixtures.parent.parent / "golden" / "hf_params_frontier.json").read_text())
    assert golden["models"][fixture]["parameters"] == params
    assert hf.load(fixtures / fixture).parameters() == params


def test_glm52_indexer_types_is_refused(fixtures):
    # GLM-5.2 keeps the indexer on some layers only (indexer_types); not modelled yet -> refused by name
    raw = json.loads((fixtures / "GLM-5.json").read_text())
    raw["indexer_types"] = ["full"] * 21 + ["shared"] * 57
    with pytest.raises(KvplanError, match="'indexer_types'"):
        hf.from_config(raw, "glm-5.2")


def test_unknown_sparse_key_is_refused(fixtures):
    raw = json.loads((fixtures / "MiniMax-M3.json").read_text())
    raw["sparse_attention_config"]["sparse_kv_cache_ratio"] = 2
    with pytest.raises(KvplanError, match="'sparse_kv_cache_ratio'"):
        hf.from_config(raw, "m")


def test_compress_ratios_must_cover_every_layer(fixtures):
    raw = json.loads((fixtures / "DeepSeek-V4-Flash.json").read_text())
    raw["compress_ratios"] = raw["compress_ratios"][:10]
    with pytest.raises(KvplanError, match="'compress_ratios'"):
        hf.from_config(raw, "v4")


@pytest.mark.parametrize("engine", ["sglang", "llamacpp", "trtllm", "hf-static"])
@pytest.mark.parametrize("model,kind", [("deepseek-v3.2", "mla_indexed"), ("deepseek-v4-flash", "compressed"),
                                        ("minimax-m3", "full_indexed"), ("kimi-k3", "kda")])
def test_engines_without_a_rule_refuse_in_one_line(engine, model, kind):
    r = runner.invoke(app, ["size", model, "--ctx", "4096", "--engine", engine])
    assert r.exit_code == 2
    line = r.output.strip()
    assert "\n" not in line and engine in line and f"'{kind}'" in line and "Traceback" not in line


def test_size_all_engines_leaves_out_the_refusing_ones():
    r = runner.invoke(app, ["size", "deepseek-v4-flash", "--ctx", "4096", "--engine", "all", "--json"])
    assert r.exit_code == 0, r.output
    engines = [e["engine"] for e in json.loads(r.stdout)["engines"]]
    assert "ideal" in engines and "sglang" not in engines


def test_show_says_what_each_layer_stores():
    r = runner.invoke(app, ["show", "deepseek-v4-flash"], env={"COLUMNS": "250"})
    assert r.exit_code == 0, r.output
    assert "compressed kv 1×512 per 4 tokens" in r.output
    assert "indexer keys 1×128 fp8_ds_index per 4 tokens" in r.output
    assert "last 128 tokens" in r.output
