"""kvplan.plan.size.kv_size: what its report carries beside the cache bytes (side caches, copies,
text-only weights, the engine's notes, llama.cpp's placement, K and V formats, the source and the
stored weights), each by hand.

bf16 = 2 bytes. DeepSeek-V3.2's indexer key: 128 fp8 values + one fp32 scale = 132 B a token a
layer (vLLM's DeepseekV32IndexerCache head_size, tests/engines/test_frontier.py); its MLA latent:
(kv_lora_rank 512 + qk_rope_head_dim 64) × 2 B = 1,152 B; 61 layers: 3 dense + 58 MoE.
Llama 3.1 8B: 32 layers × 8 KV heads × 128 × (K + V) × 2 B = 4,096 B a token a layer.
"""
import pytest

from kvplan import engines
from kvplan.model.weights import StoredWeights
from kvplan.plan.size import kv_size
from kvplan.sources import catalog


@pytest.fixture(scope="module")
def v32():
    return catalog.load_model("deepseek-v3.2")


@pytest.fixture(scope="module")
def llama():
    return catalog.load_model("llama-3.1-8b")


def test_side_cache_bytes_are_added_per_token_and_kept_apart(v32):
    # ideal layout, every token kept: per layer 1,152 + 132 = 1,284 B; the side share 132 B
    r = kv_size(v32, 1000)
    by = {g.layer_type: g for g in r.groups}
    assert by["dense"].bytes_per_token == 3 * 1_284 and by["moe"].bytes_per_token == 58 * 1_284
    assert by["dense"].side_bytes_per_token == 3 * 132 and by["moe"].side_bytes_per_token == 58 * 132
    assert r.bytes_per_token == r.next_token_bytes == 61 * 1_284 == 78_324


def test_compressed_side_caches_grow_past_the_full_window():
    # DeepSeek-V4-Flash at 1,000 tokens (window 128, full): the window layers do not grow; the 21
    # ratio-4 layers add one (1,024 + 132)-byte entry every 4 tokens, 1,156 // 4 = 289 B a token,
    # the 20 ratio-128 layers one 1,024-byte entry every 128 tokens, 8 B a token
    r = kv_size(catalog.load_model("deepseek-v4-flash"), 1000)
    by = {g.layer_type: g for g in r.groups}
    assert not any(g.growing for g in r.groups)
    assert by["c4"].side_bytes_per_token == 21 * 289 and by["c128"].side_bytes_per_token == 20 * 8
    assert by["swa"].side_bytes_per_token == 0
    assert r.next_token_bytes == 21 * 289 + 20 * 8 == 6_229


def test_vllm_blocks_hold_the_side_cache_until_the_block_fills(v32):
    # vLLM runs DeepSeek-V3.2 in 64-token blocks (FLASH_ATTN_MLA_SPARSE + DEEPSEEK_V32_INDEXER,
    # engines/vllm/settings.py); 1,000 tokens take 16 blocks = 1,024 tokens of latent and of
    # indexer keys, so the 1,001st token adds nothing, not even to the indexer's keys
    r = kv_size(v32, 1000, engine="vllm")
    assert r.kv_cache_bytes == 1_024 * 78_324 == 80_203_776
    assert all(g.held.tokens == 1_024 and g.held.sides[0].entries == 1_024 for g in r.groups)
    assert r.next_token_bytes == 0 and all(g.side_bytes_per_token == 0 for g in r.groups)
    # the 1,025th token opens the 17th block: the whole 1,284 B a layer
    full = kv_size(v32, 1024, engine="vllm")
    assert full.next_token_bytes == 78_324
    assert [g.side_bytes_per_token for g in full.groups] == [3 * 132, 58 * 132]


def test_copies_are_the_batch_or_one_shared_pool(llama):
    assert [g.copies for g in kv_size(llama, 1000, batch=3).groups] == [3]
    # llama.cpp's --kv-unified: one stream for all the slots
    r = kv_size(llama, 1000, batch=3, engine="llamacpp", opts=engines.ServeOptions(kv_unified=True))
    assert [g.copies for g in r.groups] == [1]


def test_text_only_drops_the_towers_from_weights_and_encoder_parameters():
    # Gemma 4 26B-A4B: 25,233,141,760 text parameters (transformers, tests/golden/hf_params.json)
    # and a 572,792,112-parameter vision tower and projector (tests/model/test_weights.py), bf16
    spec = catalog.load_model("gemma-4-26b-a4b")
    both = kv_size(spec, 512)
    text = kv_size(spec, 512, text_only=True)
    assert both.encoder_parameters == 572_792_112 and text.encoder_parameters == 0
    assert both.weights_bytes == 2 * (25_233_141_760 + 572_792_112) == 51_611_867_744
    assert text.weights_bytes == 2 * 25_233_141_760 == 50_466_283_520
    assert both.parameters == text.parameters == 25_233_141_760
    # the cache is the same either way
    assert both.kv_cache_bytes == text.kv_cache_bytes


def test_the_engines_notes_are_the_reports_warnings():
    r = kv_size(catalog.load_model("mistral-7b"), 1000, engine="llamacpp")
    assert r.warnings == ("convert_hf_to_gguf.py writes Mistral as the llama arch, which has no sliding "
                          "window: every layer keeps the whole context",)
    r = kv_size(catalog.load_model("gemma-2-9b"), 1000, engine="llamacpp")
    assert r.warnings == ("one llama.cpp slot per sequence here; llama-server without --parallel shares one "
                          "stream among 4 slots (--parallel 4 --kv-unified), which sizes sliding and recurrent "
                          "caches differently",)


def test_llamacpp_placement_under_ngl(llama):
    # -ngl 16 on 32 layers: llama.cpp counts the output layer among the 16 (load_tensors:
    # i_gpu_start = n_layer + 1 − ngl = 17), so layers 17..31 (15) are on the GPU and 0..16 (17) in
    # host memory. 1,000 tokens fill 1,024 cells (n_ctx GGML_PAD-ed to 256, llama-context.cpp);
    # two sequences: 2 × 1,024 × 4,096 B = 8,388,608 B a layer
    r = kv_size(llama, 1000, batch=2, engine="llamacpp", opts=engines.ServeOptions(n_gpu_layers=16))
    p = r.placement
    assert (p["n_gpu_layers"], p["n_layer"], p["gpu_layers"], p["first_gpu_layer"]) == (16, 32, 15, 17)
    assert p["kv_gpu_bytes"] == 15 * 8_388_608 == 125_829_120
    assert p["kv_host_bytes"] == 17 * 8_388_608 == 142_606_336
    assert r.kv_cache_bytes == p["kv_gpu_bytes"] + p["kv_host_bytes"]
    # the weights split too, and the two shares are the whole (16,060,522,496 B for 8.03 B bf16 parameters)
    assert p["weights_gpu_bytes"] + p["weights_host_bytes"] == r.weights_bytes == 16_060_522_496
    assert 0 < p["weights_gpu_bytes"] < p["weights_host_bytes"]
    # without -ngl nothing is placed
    assert kv_size(llama, 1000, engine="llamacpp").placement is None


def test_llamacpp_cells_and_growth(llama):
    # 1,000 tokens: 1,024 cells; the 1,001st token lands in a cell already there
    r = kv_size(llama, 1000, batch=2, engine="llamacpp")
    assert r.kv_cache_bytes == 2 * 32 * 1_024 * 4_096 == 268_435_456
    assert r.next_token_bytes == 0 and not r.groups[0].growing
    # 1,024 tokens: the next one needs 256 more cells
    assert kv_size(llama, 1024, batch=2, engine="llamacpp").next_token_bytes == 32 * 4_096


def test_k_and_v_formats(llama):
    r = kv_size(llama, 1000)
    assert (r.kv_dtype, r.k_dtype, r.v_dtype) == ("bf16", "bf16", "bf16")
    # llama.cpp --cache-type-k q8_0, V in f16: a q8_0 block is 32 values in 34 B, so K is 1,024 / 32
    # × 34 = 1,088 B and V 2,048 B a token a layer: 32 × 1,024 cells × 3,136 B
    r = kv_size(llama, 1000, engine="llamacpp", opts=engines.ServeOptions(cache_type_k="q8_0"))
    assert (r.kv_dtype, r.k_dtype, r.v_dtype) == ("q8_0/fp16", "q8_0", "fp16")
    assert r.kv_cache_bytes == 32 * 1_024 * 3_136 == 102_760_448


def test_the_reports_source_is_the_specs(llama):
    r = kv_size(llama, 1000)
    assert r.source == llama.source == "https://huggingface.co/meta-llama/Meta-Llama-3.1-8B/blob/main/config.json"


def test_stored_weights_only_without_a_weight_dtype(llama):
    stored = StoredWeights(bytes=16_000_000_000, source="a test")
    spec = llama.model_copy(update={"stored_weights": stored})
    r = kv_size(spec, 1000)
    assert r.stored_weights is stored and r.weights_bytes == 16_000_000_000
    # --weight-dtype prices the parameters instead: 8,030,261,248 × 1 B in fp8; nothing as stored
    r = kv_size(spec, 1000, weight_dtype="fp8")
    assert r.stored_weights is None and r.weights_bytes == 16_060_522_496 // 2
    assert kv_size(llama, 1000).stored_weights is None


def test_a_configured_engine_is_used_as_it_is(llama):
    # an Engine passed in is not looked up by name nor configured again: vLLM with 32-token
    # blocks holds 1,000 tokens in 32 blocks = 1,024 tokens (its default, 16, would hold 1,008)
    eng = engines.get("vllm").for_model(llama, None, engines.ServeOptions(block_size=32), "bf16", "bf16")
    r = kv_size(llama, 1000, engine=eng)
    assert r.groups[0].tokens == 1_024 and r.kv_cache_bytes == 1_024 * 32 * 4_096
    assert kv_size(llama, 1000, engine="vllm").groups[0].tokens == 1_008


def test_vllm_keeps_falcon_in_its_own_dtype_whatever_kv_dtype_says():
    # vLLM 0.33's Falcon attention ignores --kv-cache-dtype (engines/vllm/settings.py
    # KV_DTYPE_IGNORED); measured: tests/golden/vllm_0.33_plan.json plans falcon-7b's 32 layers in
    # pages of 4,096 B a 16-token block with fp8 as with auto: 16 × 1 KV head × 64 × (K + V) × 2 B.
    # So 1,000 tokens (63 blocks, 1,008 tokens) take 1,008 × 32 × 256 B, in bf16, not half of it
    import json
    from pathlib import Path

    from kvplan.plan import sweep as sw
    from kvplan.plan.fit import fit

    golden = json.loads((Path(__file__).parents[1] / "golden" / "vllm_0.33_plan.json").read_text())["records"]
    pages = {r["kv_cache_dtype"]: r["groups"] for r in golden if r["config"] == "falcon-7b.json" and r["groups"]}
    assert pages == {"auto": [["FullAttentionSpec", 32, 4096, 128]], "fp8": [["FullAttentionSpec", 32, 4096, 128]]}

    falcon = catalog.load_model("falcon-7b")
    note = ("vLLM's falcon attention ignores --kv-cache-dtype: its cache stays bf16 (model_executor/models/"
            "falcon.py FalconAttention: the rotary and ALiBi paths build Attention without cache_config)")
    r = kv_size(falcon, 1000, kv_dtype="fp8", engine="vllm")
    assert r.kv_cache_bytes == 1_008 * 32 * 256 == 8_257_536 == kv_size(falcon, 1000, engine="vllm").kv_cache_bytes
    assert (r.kv_dtype, r.bytes_per_token) == ("bf16", 32 * 256)
    assert r.warnings == (note,)
    assert sw.sweep(falcon, [1000], [1], ["fp8"], engine="vllm")["rows"][0]["kv_cache_bytes"] == 8_257_536
    f = fit(falcon, catalog.load_gpu("h100"), engine="vllm", kv_dtype="fp8")
    assert f.notes.count(note) == 1 and f.kv_dtype == "bf16"
    # other layouts keep the format asked for: 1,000 × 32 × 128 × 1 B
    assert kv_size(falcon, 1000, kv_dtype="fp8").kv_cache_bytes == 4_096_000
