"""The 2026 frontier kinds (issue 13): each model's cache stated by hand from its config.json.

Every expected number below is arithmetic on keys of the vendored config (tests/fixtures/
configs/, sources in SOURCES_EXTRA.md), written out so a reader can redo it. bf16 = 2 bytes.
The parameter counts are transformers' own (5.20.2, meta device; see tests/golden/
hf_params_frontier.json) where a transformers class builds the model.
"""
import json

import pytest
from typer.testing import CliRunner

from kvplan.sources import catalog, hfconfig as hf
from kvplan.model import dtypes
from kvplan.cli import app
from kvplan.errors import KvplanError
from kvplan.plan.size import kv_size

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
                      (__import__("pathlib").Path(__file__).parents[1] / "fixtures" / "configs" /
                       "gemma-4-26B-A4B.json").read_text()))
    assert raw["text_config"]["num_kv_shared_layers"] == 0
    r = size("gemma-4-26b-a4b", 512)
    assert r.bytes_per_token == 25 * 8192 + 5 * 4096


@pytest.mark.parametrize("fixture,params", [
    ("DeepSeek-V3.2.json", 671_877_929_216), ("GLM-5.json", 743_911_199_232),
    ("DeepSeek-V4-Flash.json", 284_332_230_231), ("DeepSeek-V4-Pro.json", 1_572_997_179_491),
    ("MiMo-V2-Flash.json", 308_778_768_832), ("GLM-5.2.json", 743_377_000_704)])
def test_parameters_match_transformers(fixture, params, fixtures):
    """transformers 5.20.2, AutoModelForCausalLM.from_config on the meta device (golden file)."""
    golden = json.loads((fixtures.parent.parent / "golden" / "hf_params_frontier.json").read_text())
    assert golden["models"][fixture]["parameters"] == params
    assert hf.load(fixtures / fixture).parameters() == params


def test_glm52_index_share_by_hand(fixtures):
    # indexer_types: 21 "full" layers cache the latent (576 × 2 B) and an index key (132 B), the 57
    # "shared" ones the latent only: 78 × 1,152 + 21 × 132
    raw = json.loads((fixtures / "GLM-5.2.json").read_text())
    assert raw["indexer_types"].count("full") == 21
    r = size("glm-5.2", 4096)
    assert r.bytes_per_token == 78 * 1152 + 21 * 132 == 92_628
    # the same 21 layers as GlmMoeDsaConfig derives from index_topk_freq 4 and offset 3
    derived = ["full" if max(i - 3 + 1, 0) % 4 == 0 else "shared" for i in range(78)]
    assert derived == raw["indexer_types"]
    del raw["indexer_types"]
    assert hf.from_config(raw, "glm-5.2").counts() == catalog.load_model("glm-5.2").counts()


def test_bad_indexer_types_is_refused(fixtures):
    raw = json.loads((fixtures / "GLM-5.2.json").read_text())
    raw["indexer_types"][5] = "half"
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


@pytest.mark.parametrize("engine", ["sglang", "llamacpp", "trtllm", "hf-static"])
def test_engines_not_checked_on_mimo_refuse_in_one_line(engine):
    r = runner.invoke(app, ["fit", "mimo-v2-flash", "--gpu", "h200", "--tp", "8", "--engine", engine])
    assert r.exit_code == 2
    line = r.output.strip()
    assert "\n" not in line and engine in line and "mimo_v2_flash" in line


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


# --- engines, against their own code ---------------------------------------------------------

GOLDEN = __import__("pathlib").Path(__file__).parents[1] / "golden"
VLLM = json.loads((GOLDEN / "vllm_0.33_frontier.json").read_text())
HF = json.loads((GOLDEN / "hf_cache_frontier_bf16.json").read_text())


def _vllm_id(r):
    return f"{r['config']}-tp{r['tp']}-{r['kv_cache_dtype']}-{r['max_model_len_requested'] or 'default'}-" \
           f"{r['kv_budget_bytes'] // 2**30}GiB"


@pytest.mark.parametrize("r", [r for r in VLLM["records"] if r["status"] in ("ok", "refused")], ids=_vllm_id)
def test_vllm_plan_matches_vllm(r, fixtures):
    """vLLM 0.33.0's own planner on the CPU (scripts/oracles/vllm_plan_oracle.py, H100 emulated)."""
    from kvplan.plan import fit
    from kvplan.engines import ServeOptions

    spec = hf.load(fixtures / r["config"])
    opts = ServeOptions(kv_cache_memory=r["kv_budget_bytes"], max_model_len=r["max_model_len_requested"])
    got = fit.fit(spec, catalog.load_gpu("h100"), tp=r["tp"], engine="vllm",
                  kv_dtype={"auto": None, "fp8": "fp8_e4m3"}[r["kv_cache_dtype"]], opts=opts, check_memory=False)
    cap = got.capacity
    assert cap.max_model_len == r["max_model_len"]
    if r["status"] == "refused":
        assert not got.fits and r["refusal_message"].startswith(cap.message)
        return
    assert got.fits, got.message
    assert cap.detail["num_gpu_blocks"] == r["num_gpu_blocks"]
    assert cap.kv_cache_tokens == r["kv_cache_tokens"]
    assert cap.max_concurrency == pytest.approx(r["max_concurrency"], rel=1e-12)
    assert cap.log_lines[0] == r["log_line"]
    assert cap.detail["block_size"] == r["block_size"]


def test_vllm_golden_covers_the_frontier_models():
    ok = {r["config"] for r in VLLM["records"] if r["status"] == "ok"}
    assert {"DeepSeek-V3.2.json", "GLM-5.json", "MiMo-V2-Flash.json", "Kimi-K3.json", "DeepSeek-V4-Flash.json",
            "DeepSeek-V4-Pro.json", "GLM-5.2.json", "MiniMax-M3.json"} <= ok


def test_vllm_dsa_page_by_hand():
    # DeepSeek-V3.2 in vLLM: 64-token blocks; per layer a latent page of 64 × 576 × 2 B (bf16) or
    # 64 × 656 B (fp8_ds_mla) and an indexer page of 64 × 132 B, all in one uniform-type group
    r = size("deepseek-v3.2", 1000, engine="vllm")
    assert r.kv_cache_bytes == 61 * 1024 * (1152 + 132)  # 1,000 tokens -> 16 blocks of 64
    r = size("deepseek-v3.2", 1000, engine="vllm", kv_dtype="fp8")
    assert r.kv_cache_bytes == 61 * 1024 * (656 + 132) and r.bytes_per_token == 48_068


def test_vllm_kimi_k3_by_hand():
    # the MLA page (1,152 B per token, bf16) must hold the KDA state: conv 3 × 36,864 × 2 B +
    # recurrent 96 × 128 × 128 × 4 B (float32) = 6,512,640 B -> blocks of 128 × ceil(6,512,640 /
    # (128 × 1,152)) = 128 × 45 = 5,760 tokens; pages of 5,760 × 1,152 = 6,635,520 B
    from kvplan.plan import fit
    from kvplan.engines import ServeOptions

    got = fit.fit(catalog.load_model("kimi-k3"), catalog.load_gpu("h100"), engine="vllm",
                  opts=ServeOptions(kv_cache_memory=40 * 2**30, max_model_len=8192), check_memory=False)
    d = got.capacity.detail
    assert d["block_size"] == 5760 and {g["page_size_bytes"] for g in d["groups"]} == {6_635_520}
    # 4 groups (3 × 23 KDA layers, 24 MLA layers): 24 pages a block
    assert d["bytes_per_block"] == 24 * 6_635_520
    assert d["num_gpu_blocks"] == 40 * 2**30 // (24 * 6_635_520) == 269


def test_vllm_glm52_shared_layers_keep_fp8_ds_mla_rows():
    # GLM-5.2 with an fp8 cache in vLLM: all 78 latents in 656-byte fp8_ds_mla rows (the sparse
    # backend runs every layer), index keys only on the 21 full layers: 1,000 tokens -> 16 blocks of 64
    r = size("glm-5.2", 1000, engine="vllm", kv_dtype="fp8")
    assert r.kv_cache_bytes == 1024 * (78 * 656 + 21 * 132)


@pytest.mark.parametrize("r", HF["records"], ids=lambda r: f"{r['config']}-{r['ctx']}-b{r['batch']}")
def test_hf_layout_matches_transformers(r, fixtures):
    """transformers 5.20.2 on the meta device (../shared/recipes/measure_hf_cache.py): K/V tensors
    plus every other cache tensor (the indexer keys), less the 8-byte step counter transformers
    keeps per sliding layer (not per sequence; kvplan does not count it)."""
    spec = hf.load(fixtures / r["config"])
    got = kv_size(spec, r["ctx"], r["batch"], "bf16", "hf")
    # DeepSeek-V4's caches are DynamicSlidingWindowLayers too, each with its counter
    sliding = sum(n for lt, n in spec.counts().items() if spec.layer_types[lt].mixer.kind in ("sliding", "compressed"))
    assert got.total_bytes == r["kv_bytes"] + r["other_bytes"] - 8 * sliding


def test_deepseek_v4_routed_experts_priced_as_mxfp4():
    # expert_dtype "fp4": each routed expert's gate and up (2048 × 4096) and down (4096 × 2048)
    # in MXFP4 (17 bytes per 32 values) instead of fp8 with one fp32 scale per 128 × 128 block
    spec = catalog.load_model("deepseek-v4-flash")
    assert spec.weight_quant.expert_format == "mxfp4"
    fp8 = 2 * (2048 * 4096 + 16 * 32 * 4) + (4096 * 2048 + 32 * 16 * 4)
    fp4 = 2 * 2048 * (4096 // 32 * 17) + 4096 * (2048 // 32 * 17)
    plain = spec.model_copy(update={"weight_quant": spec.weight_quant.model_copy(update={"expert_format": None})})
    assert plain.weight_bytes()[0] - spec.weight_bytes()[0] == 43 * 256 * (fp8 - fp4)


def test_vllm_deepseek_v4_pages_by_hand():
    # vLLM 0.33 keeps DeepSeek-V4 in fp8_ds_mla rows of 584 bytes, pages rounded up to 576 bytes:
    # window: 64 × 584 = 37,376 -> 37,440; C4 entries: 256 / 4 × 584 = 37,376 -> 37,440; C128:
    # 256 / 128 × 584 = 1,168 -> 1,728; C4 indexer: 64 × 132 = 8,448 -> 8,640; compressor states
    # (float32): C4 4 × 2·2·512 × 4 = 32,768 -> 32,832, its indexer 4 × 2·2·128 × 4 = 8,192 ->
    # 8,640, C128 8 × 2·512 × 4 = 32,768 -> 32,832. The largest group is the 62 MLA specs:
    # 21 × 37,440 + 20 × 1,728 + 21 × 8,640 = 1,002,240 bytes per block.
    from kvplan.plan import fit
    from kvplan.engines import ServeOptions

    got = fit.fit(catalog.load_model("deepseek-v4-flash"), catalog.load_gpu("h100"), engine="vllm",
                  opts=ServeOptions(kv_cache_memory=40 * 2**30), check_memory=False)
    d = got.capacity.detail
    assert d["bytes_per_block"] == 21 * 37_440 + 20 * 1_728 + 21 * 8_640 == 1_002_240
    # window groups 22 + 21 layers; C4 states 21 × (32,832 + 8,640); C128 states 20 × 32,832
    assert [g["page_size_bytes"] for g in d["groups"]] == [22 * 37_440, 21 * 37_440, 1_002_240,
                                                         21 * (32_832 + 8_640), 20 * 32_832]
    # blocks per 1M-token request: window cdiv(127 + 16,384, 64) + 1 = 259 (twice), entries
    # cdiv(2^20, 256) = 4,096, C4 states cdiv(7 + 16,384, 4) + 1 = 4,099, C128 cdiv(127 + 16,384, 8) + 1 = 2,065
    assert [g["blocks_per_request"] for g in d["groups"]] == [259, 259, 4096, 4099, 2065]
    assert d["num_gpu_blocks"] == 40 * 2**30 // 1_002_240 == 42_853


@pytest.mark.parametrize("fixture", ["MiniMax-M3.json", "Kimi-K3.json"])
def test_parameters_match_vllms_model_code(fixture, fixtures):
    """No transformers class builds these two; vLLM 0.33's does (meta device, TP 1,
    tests/golden/vllm_params_frontier.json). vLLM keeps the router's e_score_correction_bias as
    a parameter; kvplan counts it as transformers does for DeepSeek-V3, as a buffer."""
    golden = json.loads((GOLDEN / "vllm_params_frontier.json").read_text())["models"][fixture]
    assert hf.load(fixtures / fixture).parameters() == golden["parameters"] - golden["e_score_correction_bias"]


def test_show_labels_each_frontier_kind():
    r = runner.invoke(app, ["show", "kimi-k3"], env={"COLUMNS": "250"})
    assert r.exit_code == 0, r.output
    assert "kimi delta attention" in r.output and "mla (gated)" in r.output
    assert "recurrent state 1,572,864 × bf16" in r.output  # 96 heads × 128 × 128
    r = runner.invoke(app, ["show", "deepseek-v3.2"], env={"COLUMNS": "250"})
    assert "mla + indexer" in r.output and "indexer keys 1×128 fp8_ds_index per token" in r.output


def test_deepseek_v4_pro_by_hand():
    # compress_ratios[:61]: 128, 128, then (4, 128) × 29, then 4 -> 30 CSA and 31 HCA layers, no
    # window-only layer; head_dim 512, window 128, index_head_dim 128
    spec = catalog.load_model("deepseek-v4-pro")
    assert spec.counts() == {"c128": 31, "c4": 30}
    r = size("deepseek-v4-pro", M)
    swa = 61 * 128 * 512 * 2
    assert r.kv_cache_bytes == swa + 30 * (M // 4) * (1024 + 132) + 31 * (M // 128) * 1024 == 9_359_196_160
    assert r.next_token_bytes == 30 * 289 + 31 * 8 == 8_918
