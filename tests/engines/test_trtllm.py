"""--engine trtllm: TensorRT-LLM's V1 KV-cache manager, by hand (its code was read, not run)."""
from kvplan.sources import catalog
from kvplan.plan import fit, size as memory
from kvplan.engines import ServeOptions

GiB = 2**30


def trt(model, gpu="h100", **kw):
    opts = ServeOptions(**{k: kw.pop(k) for k in list(kw) if k in ServeOptions.__record_fields__})
    return fit.fit(catalog.load_model(model), catalog.load_gpu(gpu), engine="trtllm", opts=opts,
                   check_memory=False, **kw)


def test_llama_8b_8gib():
    # 32 layers × 2 × 8 heads × 128 × 2 bytes = 131,072 bytes/token; 8 GiB // that = 65,536
    # tokens = 2,048 blocks of 32; the 131,072 max_seq_len is cut to the pool's 65,536
    r = trt("llama-3.1-8b", kv_cache_memory=8 * GiB)
    assert r.capacity.detail["bytes_per_token"] == 131_072
    assert r.capacity.detail["num_gpu_blocks"] == 2048 and r.capacity.kv_cache_tokens == 65_536
    assert "cuts it to 65,536" in r.capacity.detail["note"]


def test_llama_70b_tp2_and_mla():
    # 70B, TP 2: 80 × 2 × 4 × 128 × 2 = 163,840 bytes/token; 8 GiB // that = 52,428 tokens,
    # 1,638 blocks, 52,416 tokens in the pool
    r = trt("llama-3.1-70b", tp=2, kv_cache_memory=8 * GiB)
    assert r.capacity.kv_cache_tokens == 52_416
    # DeepSeek-V3: 61 × 576 × 2 = 70,272 bytes/token on every rank; 8 GiB // that = 122,238
    # tokens = 3,819 whole blocks = 122,208 tokens in the pool
    r = trt("deepseek-v3", gpu="h200", tp=8, kv_cache_memory=8 * GiB)
    assert r.capacity.detail["bytes_per_token"] == 70_272
    assert r.capacity.kv_cache_tokens == (8 * GiB // 70_272) // 32 * 32 == 122_208


def test_sliding_windows_get_full_pools_without_max_attention_window():
    # Mistral 7B at 32,768 tokens: V1 sizes every layer for the full length (1,024 blocks of 32)
    spec = catalog.load_model("mistral-7b")
    assert memory.kv_size(spec, 32_768, engine="trtllm").kv_cache_bytes == 32_768 * 131_072
    assert memory.kv_size(spec, 100, engine="trtllm").kv_cache_bytes == 128 * 131_072  # 4 blocks
