"""vLLM 0.33's per-layer pages (kvplan/engines/vllm/pages.py) for the kinds its golden runs
(tests/golden/vllm_0.33_plan.json, _frontier.json) do not cover: Mamba-1 (Jamba) and the gated
DeltaNet (Qwen3-Next). Every number is worked out by hand from the rule's docstring: vLLM's
mamba1_state_shape and gated_delta_net_state_shape (conv state of conv_kernel - 1 columns)."""
from kvplan.engines.vllm.pages import Config, page
from kvplan.model import dtypes
from kvplan.model.frozen import replace
from kvplan.sources import catalog

CFG = Config(16, 4096, 2048, 256, 4096, "align", "bf16")
BF16 = dtypes.get("bf16")


def _mixer(model: str, kind: str):
    return catalog.load_model(model).layer_types[kind].mixer


def test_jamba_mamba1_page():
    m = _mixer("jamba-v0.1", "mamba-dense")  # inner 8,192, state 16, conv kernel 4
    # conv 8,192 x (4 - 1) = 24,576 bf16 values = 49,152 bytes; SSM 8,192 x 16 = 131,072 values
    # in the model dtype = 262,144 bytes; 311,296 bytes in all, no prefill-checkpoint block
    p = page(m, BF16, "bf16", CFG)
    assert (p.kind, p.state_bytes, p.checkpoint_blocks, p.bytes) == ("mamba", 311_296, 0, 311_296)
    # align mode (prefix caching): 2 pages per request; "none": 1
    assert p.blocks(4096, CFG) == 2 and p.blocks(4096, replace(CFG, mamba_cache_mode="none")) == 1
    # a float32 run keeps both in float32: twice the bytes
    assert page(m, BF16, "fp32", CFG).state_bytes == 2 * 311_296
    # a state dtype named by the config is used for the SSM only: 49,152 + 131,072 x 4 = 573,440
    assert page(m.model_copy(update={"ssm_state_dtype": "fp32"}), BF16, "bf16", CFG).state_bytes == 573_440


def test_qwen3_next_gated_deltanet_page():
    m = _mixer("qwen3-next-80b-a3b", "linear")  # 16 key heads, 32 value heads, 128 dims, kernel 4
    # conv_dim = 2 x 16 x 128 + 32 x 128 = 8,192; conv 8,192 x 3 = 24,576 bf16 values = 49,152
    # bytes; recurrent 32 x 128 x 128 = 524,288 values x 2 = 1,048,576 bytes: 1,097,728
    assert m.conv_dim == 8192
    p = page(m, BF16, "bf16", CFG)
    assert (p.kind, p.state_bytes, p.checkpoint_blocks) == ("mamba", 1_097_728, 0)
    assert p.blocks(4096, CFG) == 2
    # a recurrent state dtype from the config: 49,152 + 524,288 x 4 = 2,146,304
    assert page(m.model_copy(update={"recurrent_state_dtype": "fp32"}), BF16, "bf16", CFG).state_bytes == 2_146_304


def test_full_attention_page_follows_the_block_size():
    m = _mixer("qwen3-next-80b-a3b", "attention")  # 2 KV heads of 256 dims
    # one token: 2 heads x (256 + 256) x 2 bytes = 2,048; a 16-token page 32,768, a 64-token 131,072
    assert page(m, BF16, "bf16", CFG).bytes == 32_768
    assert page(m, BF16, "bf16", replace(CFG, block_size=64)).bytes == 131_072


def test_llama4_chunked_page_keeps_the_whole_chunk():
    m = _mixer("llama-4-scout", "local")  # chunk 8,192 tokens, 8 KV heads of 128
    cfg = replace(CFG, block_size=1, max_model_len=1_000_000)
    p = page(m, BF16, "bf16", cfg)
    # ChunkedLocalAttentionSpec: the window is the chunk; a request holds at most
    # min(chunk + in-flight tokens, max_len) = min(8,192 + 4,096, 1,000,000) = 12,288 1-token blocks
    assert (p.kind, p.window, p.token_bytes) == ("chunked", 8192, 8 * 256 * 2)
    assert p.blocks(1_000_000, cfg) == 12_288


def test_deepseek_v4_indexer_page_counts_the_scales():
    """The indexer keys (DeepseekV4IndexerCache): per compressed entry index_head_dim fp8 bytes
    plus a 4-byte scale per 128. DeepSeek-V4's own 128 dims cannot tell the scales apart once the
    page is aligned to 576 bytes (64 x 132 = 8,448 and 64 x 128 = 8,192 both round up to 8,640),
    so a made-up 256-dim indexer is used."""
    m = _mixer("deepseek-v4-flash", "c4").model_copy(update={"index_head_dim": 256})
    pages = page(m, BF16, "bf16", replace(CFG, block_size=256))
    idx = pages[2]
    # one entry: 256 + 256 // 128 x 4 = 264 bytes; a 256-token block holds 256 / 4 = 64 entries:
    # 16,896 bytes, aligned up to 576: cdiv(16,896, 576) = 30 -> 17,280
    assert (idx.kind, idx.token_bytes, idx.bytes) == ("mla", 264, 17_280)


def test_dsa_formats_and_indexer_bytes_are_names_and_ints():
    from kvplan.engines.vllm.pages import _indexer_bytes, dsa_latent_format

    # an fp8 cache keeps the latent in DeepSeek's fp8_ds_mla rows; other formats stay as asked
    assert dsa_latent_format(dtypes.get("fp8_e4m3")) == "fp8_ds_mla"
    assert dsa_latent_format(BF16) == "bf16"
    # DeepSeek-V3.2's indexer keys: 128 fp8 bytes + 128 // 128 x 4 scale bytes = 132, an int
    m = catalog.load_model("deepseek-v3.2").layer_types
    mixer = next(lt.mixer for lt in m.values() if hasattr(lt.mixer, "index_head_dim"))
    assert mixer.index_head_dim == 128
    assert _indexer_bytes(mixer) == 132 and type(_indexer_bytes(mixer)) is int
