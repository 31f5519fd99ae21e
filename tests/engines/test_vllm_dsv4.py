"""vLLM's DeepSeek-V4 terms on ROCm (engines/vllm/dsv4.py), each golden by hand from vLLM 0.29.0's code
(the same in 0.28.0's; `pip download --no-deps vllm==0.29.0`, unzip; paths in the module's docstring), for
DeepSeek-V4-Pro at TP 8 (the catalog's config: 30 CSA layers of compress ratio 4 with a 64-head, 128-wide
indexer; 31 HCA layers of ratio 128; head_dim 512, window 128; 384 experts of intermediate 3072 over
hidden 7168), as vllm#53961 ran it: 8 x MI300X, max_model_len 1,048,576, 16,384 batched tokens."""
from kvplan.engines.vllm import dsv4
from kvplan.sources import catalog

MML = 1_048_576


def _pro():
    return catalog.load_model("deepseek-v4-pro").shard(8)


def test_workspace_is_the_indexers_decode_logits_on_mi300x():
    spec, gpu = _pro(), catalog.load_gpu("mi300x")
    # rocm_aiter_sparse_attn_indexer's profile branch on gfx942: (tokens, max_model_len // 4) fp32
    # = 16,384 × 262,144 × 4 = 17,179,869,184 bytes (16 GiB); larger than the key gather,
    # T = 40 × 1,048,576 // 4 = 10,485,760: T × 128 + T × 4 = 1,384,120,320, and than the sparse MLA's
    # gather, 4 × (262,144 + 128 + 16,384) × 512 × 2 = 1,141,374,976; the 512 MiB transient beside it
    assert dsv4.workspace(spec, gpu, 16_384, MML) == (17_179_869_184, 536_870_912)
    # at the 8,192 tokens the same launch started with before #51726: half, 8 GiB
    assert dsv4.workspace(spec, gpu, 8_192, MML) == (8_589_934_592, 536_870_912)
    # on another AMD card (not gfx942/gfx950) the logits are per indexer head: × 64
    assert dsv4.workspace(spec, catalog.load_gpu("mi250x"), 1_024, 65_536)[0] == 64 * 1_024 * 16_384 * 4
    # not modelled on CUDA, and nothing for a model without DeepSeek-V4's attention
    assert dsv4.workspace(spec, catalog.load_gpu("h100"), 16_384, MML) == (0, 0)
    assert dsv4.workspace(catalog.load_model("llama-3.1-8b"), gpu, 16_384, MML) == (0, 0)


def test_compressor_scratch_and_emulated_experts():
    spec, mi300x = _pro(), catalog.load_gpu("mi300x")
    # 31 ratio-128 layers × (16,384, 512) fp32 = 31 × 33,554,432 = 1,040,187,392 bytes (0.97 GiB)
    assert dsv4.compressor_scratch(spec, mi300x, 16_384) == 1_040_187_392
    assert dsv4.compressor_scratch(spec, catalog.load_gpu("h100"), 16_384) == 0
    # MXFP4 experts emulated on gfx942: 384 experts × 3 × 384 (3072 / 8) × 7168 × 2 bytes = 6,341,787,648
    assert dsv4.emulation_dequant(spec, mi300x) == 6_341_787_648
    assert dsv4.emulation_dequant(spec, catalog.load_gpu("mi355x")) == 0  # gfx950: AITER's native MXFP4
    assert dsv4.emulation_dequant(spec, catalog.load_gpu("h100")) == 0


def test_deepseek_v4_on_rocm_is_never_called_fits():
    from kvplan import api

    r = api.fit("deepseek-v4-pro", "mi300x", tp=8, engine="vllm", kv_dtype="fp8",
                max_model_len=MML, max_num_batched_tokens=16_384)
    assert r.verdict != "fits" and r.deciding_term == "rocm_path"
