"""vLLM 0.33's settings (kvplan/engines/vllm/settings.py) at their edges, on made-up GPUs: the
scheduler's batch defaults (engine/arg_utils.py EngineArgs.get_batch_defaults, the `vllm serve`
column: >= 160 GiB 16,384 tokens / 1,024 seqs; >= 70 GiB and not an A100 8,192 / 1,024; else
2,048 / 256) and the compute capability by GPU family name."""
from types import SimpleNamespace

import pytest

from kvplan.engines.vllm.settings import batch_defaults, capability

GiB = 2**30


@pytest.mark.parametrize("name, mem, want", [
    ("b200", 160 * GiB, (16384, 1024)),  # exactly 160 GiB: the largest defaults
    ("b200", 160 * GiB - 1, (8192, 1024)),
    ("a100-sxm-80gb", 200 * GiB, (16384, 1024)),  # the A100 exception is only below 160 GiB
    ("h100-sxm-80gb", 70 * GiB, (8192, 1024)),  # exactly 70 GiB
    ("h100-sxm-80gb", 70 * GiB - 1, (2048, 256)),
    ("a100-sxm-80gb", 80 * GiB, (2048, 256)),
])
def test_vllm_batch_defaults_at_their_edges(name, mem, want):
    assert batch_defaults(SimpleNamespace(name=name, usable_bytes=mem)) == want


def test_vllm_batch_defaults_without_a_gpu():
    assert batch_defaults(None) == (2048, 256)


@pytest.mark.parametrize("name, want", [
    ("h100", 90), ("h100-sxm-80gb", 90), ("a100-sxm-80gb", 80), ("a10", 86), ("a10g", 86),
    ("l40s", 89), ("b300", 103), ("rtx-5090", 120), ("t4", 75),
    ("h1000", None),  # a family name is matched whole or followed by "-"
    ("mi300x", None),
])
def test_vllm_capability_by_family(name, want):
    assert capability(SimpleNamespace(name=name)) == want


@pytest.mark.parametrize("model, gpu, kv, want", [
    ("deepseek-v4-flash", "h100", "bf16", (256, "DeepSeek-V4 (FLASHMLA_SPARSE_DSV4): 256 tokens per block")),
    ("minimax-m3", "b200", "fp8_e4m3", (128, "MiniMax-M3 sparse attention: blocks of sparse_block_size tokens")),
    ("deepseek-v3.2", "h100", "bf16",
     (64, "DeepSeek Sparse Attention (FLASH_ATTN_MLA_SPARSE + DEEPSEEK_V32_INDEXER): 64 tokens per block")),
    ("deepseek-v3", "b200", "fp8_e4m3", (32, "FLASHINFER_MLA on sm100 takes 32 or 64 tokens per block: 32")),
    ("deepseek-v3", "h100", "fp8_e4m3", (64, "FLASHMLA (MLA with an fp8 cache on sm90) takes 64 tokens per block")),
    ("deepseek-v3", "h100", "bf16", (16, "vLLM's default (CacheConfig.DEFAULT_BLOCK_SIZE)")),
    ("gemma-4-26b-a4b", "h100", "fp8_e4m3", (64, "head size 512 with an fp8 cache on sm90: 64-token pages")),
    ("gemma-4-26b-a4b", "b200", "fp8_e4m3", (16, "vLLM's default (CacheConfig.DEFAULT_BLOCK_SIZE)")),
    # sm80: FLASH_ATTN, whatever the cache dtype or head size
    ("deepseek-v3", "a100-sxm-80gb", "fp8_e4m3", (16, "vLLM's default (CacheConfig.DEFAULT_BLOCK_SIZE)")),
    ("gemma-4-26b-a4b", "a100-sxm-80gb", "fp8_e4m3", (16, "vLLM's default (CacheConfig.DEFAULT_BLOCK_SIZE)")),
])
def test_vllm_block_size_and_its_reason_per_backend(model, gpu, kv, want):
    """attention_block_size: the block each backend takes and the reason kvplan shows for it
    (the block sizes measured: tests/golden/vllm_0.33_plan.json and _frontier.json)."""
    from kvplan.engines.vllm.settings import attention_block_size
    from kvplan.sources import catalog

    assert attention_block_size(catalog.load_model(model), catalog.load_gpu(gpu), kv) == want


def test_vllm_mla_block_on_every_sm10x():
    # FLASHINFER_MLA is picked on the whole sm10x family: a B300 (sm103) as a B200 (sm100)
    from kvplan.engines.vllm.settings import attention_block_size
    from kvplan.sources import catalog

    b300 = SimpleNamespace(name="b300", usable_bytes=288 * GiB)
    assert attention_block_size(catalog.load_model("deepseek-v3"), b300, "bf16")[0] == 32


def test_vllm_block_size_without_a_gpu_assumes_sm90():
    # no GPU known: the sm90 choices (an fp8 MLA cache on FLASHMLA: 64-token blocks)
    from kvplan.engines.vllm.settings import attention_block_size
    from kvplan.sources import catalog

    assert attention_block_size(catalog.load_model("deepseek-v3"), None, "fp8_e4m3")[0] == 64
    assert attention_block_size(catalog.load_model("gemma-4-26b-a4b"), None, "fp8_e4m3")[0] == 64
