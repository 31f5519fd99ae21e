"""Issue 25: the kinds of one-line bug an independent check slipped past the suite, each pinned
by numbers a reader can work out by hand (the arithmetic is in the comments).

* vLLM: a budget that fits exactly one request plus the null block; pipeline parallelism with
  sliding-window layers (more batches in flight); each of its --kv-cache-dtype names;
* SGLang: the default mem_fraction_static with PP > 1;
* TensorRT-LLM: its default budget, and contexts that are not a multiple of its 32-token block;
* the log readers' units: vLLM reads ``32k`` as 32,000 and ``32K`` as 32,768; SGLang's "GB" are GiB;
* a what-if MLA variant of a model whose value head differs from its key head.
"""
from types import SimpleNamespace

import pytest

from kvplan.engines import ServeOptions
from kvplan.engines.sglang import _prefill_graph_sizes, default_mem_fraction_static
from kvplan.engines.vllm import KV_CACHE_DTYPES
from kvplan.errors import KvplanError
from kvplan.model.kinds import MLA
from kvplan.observe import log_flags, logs
from kvplan.plan import fit, whatif
from kvplan.sources import catalog

GiB = 2**30
MiB = 2**20
H100 = 84_938_346_987  # CUDA's total of h100-sxm-80gb (gpus.yaml cuda_memory_bytes: 79.11 GiB printed, vllm#27508, kept as 79.105 GiB); nvidia-smi says 81,559 MiB
PRE1 = 681_826_058  # SGLang: used before its baseline on one datacenter GPU (engines/sglang_startup.py PRE_LOAD_TP1)
PRE = PRE1 + 1_340_153_712 + 25_165_824  # at TP 2: + NCCL_TP + the custom all-reduce buffers (3 × 8 MiB)
PRE_PP = PRE1 + 1_340_153_712  # TP 1 × PP 2: NCCL, no custom all-reduce
EXTRA = 219_911_823  # allocated while loading beyond the weights (LOAD_EXTRA)


def plan(model, engine="vllm", gpu="h100", **kw):
    opts = ServeOptions(**{k: kw.pop(k) for k in list(kw) if k in ServeOptions.__record_fields__})
    return fit.fit(catalog.load_model(model), catalog.load_gpu(gpu), engine=engine, opts=opts, **kw)


# --- vLLM ------------------------------------------------------------------------------------

def test_vllm_budget_of_exactly_one_request_and_the_null_block():
    # Llama 3 8B, 16-token blocks: 32 layers × 16 × 8 heads × 256 values × 2 bytes = 2 MiB per
    # block; an 8,192-token request needs 8192 / 16 = 512 blocks; BlockPool holds one null block
    # back, so the smallest budget that starts is 513 blocks = 1,075,838,976 bytes.
    exact = 513 * 2 * MiB
    r = plan("llama-3-8b", block_size=16, kv_cache_memory=exact, max_model_len=8192, ctx=8192)
    assert r.fits
    assert r.capacity.detail["num_gpu_blocks"] == 513
    assert r.capacity.max_concurrency == 513 / 512
    assert r.capacity.kv_cache_tokens == int(513 / 512 * 8192) == 8208
    assert r.max_batch == (513 - 1) // 512 == 1
    # one byte less: 512 blocks' worth minus a byte after the null block: refused, and the longest
    # request that fits is 511 whole blocks = 8,176 tokens
    r = plan("llama-3-8b", block_size=16, kv_cache_memory=exact - 1, max_model_len=8192, ctx=8192)
    assert not r.fits and r.max_batch == 0
    assert r.capacity.detail["estimated_max_model_len"] == 511 * 16 == 8176
    assert "the estimated maximum model length is 8176." in r.message
    # the longest context for a batch of 1 at the exact budget: the whole 8,192 (512 blocks)
    r = plan("llama-3-8b", block_size=16, kv_cache_memory=exact, max_model_len=8192, batch=1)
    assert r.max_ctx == 8192


def test_vllm_pipeline_stages_with_sliding_windows():
    # Mistral 7B: 32 sliding layers (W = 4,096) of 8 KV heads × 256 values; 16-token pages of
    # 16 × 8 × 256 × 2 = 65,536 bytes; --max-num-batched-tokens 2048, max_model_len 32,768.
    # vLLM keeps pp + 1 batches in flight (2 at pp 1), so a sliding layer reserves
    #   pp 1: cdiv(4095 + 2 × 2048, 16) + 1 = cdiv(8191, 16) + 1 = 512 + 1 = 513 blocks
    #   pp 2: cdiv(4095 + 3 × 2048, 16) + 1 = cdiv(10239, 16) + 1 = 640 + 1 = 641 blocks
    # and a stage of pp 2 holds 16 layers: 1 MiB blocks; 4 GiB / 1 MiB = 4,096 blocks
    one = plan("mistral-7b", kv_cache_memory=4 * GiB, max_num_batched_tokens=2048, ctx=32_768)
    two = plan("mistral-7b", pp=2, kv_cache_memory=4 * GiB, max_num_batched_tokens=2048, ctx=32_768)
    assert one.capacity.detail["groups"] == [{"kind": "sliding", "layers": 32, "block_size": 16,
                                              "page_size_bytes": 65_536, "blocks_per_request": 513,
                                              "window": 4096}]
    assert two.capacity.detail["groups"] == [{"kind": "sliding", "layers": 16, "block_size": 16,
                                              "page_size_bytes": 65_536, "blocks_per_request": 641,
                                              "window": 4096}]
    assert one.capacity.detail["num_gpu_blocks"] == 4 * GiB // (2 * MiB) == 2048
    assert two.capacity.detail["num_gpu_blocks"] == 4 * GiB // MiB == 4096
    assert two.capacity.max_concurrency == 4096 / 641
    # requests at once: (blocks − the null block) // blocks per request
    assert one.max_batch == 2047 // 513 == 3
    assert two.max_batch == 4095 // 641 == 6


# Each --kv-cache-dtype name vLLM 0.33 takes (config/cache.py CacheDType) and kvplan models.
KV_NAMES = {"fp8": "fp8_e4m3", "fp8_e4m3": "fp8_e4m3", "fp8_e5m2": "fp8_e5m2",
            "bfloat16": "bf16", "float16": "fp16"}


def test_vllm_kv_cache_dtype_names():
    assert KV_CACHE_DTYPES == KV_NAMES
    for name, fmt in KV_NAMES.items():
        assert log_flags.vllm_options({"kv_cache_dtype": name})[2] == fmt, name
        assert log_flags.vllm_options({"kv_cache_dtype": name.upper()})[2] == fmt, name  # logged as typed
    assert log_flags.vllm_options({"kv_cache_dtype": "auto"})[2] is None
    assert log_flags.vllm_options({})[2] is None
    with pytest.raises(KvplanError, match="--kv-cache-dtype 'nvfp4' in the log is not one kvplan models"):
        log_flags.vllm_options({"kv_cache_dtype": "nvfp4"})


@pytest.mark.parametrize("name,page", [("auto", 65_536), ("bfloat16", 65_536), ("float16", 65_536),
                                       ("fp8", 32_768), ("fp8_e4m3", 32_768), ("fp8_e5m2", 32_768)])
def test_vllm_kv_cache_dtype_names_in_the_page(name, page):
    # Llama 3 8B: a 16-token page is 16 × 8 heads × 256 values × 2 bytes = 65,536 in a 16-bit
    # cache and 16 × 8 × 256 × 1 = 32,768 in either fp8
    r = log_flags.vllm_fit(catalog.load_model("llama-3-8b"), catalog.load_gpu("h100"),
                      {"kv_cache_dtype": name, "max_model_len": "8192", "block_size": "16",
                       "kv_cache_memory_bytes": str(2 * GiB)})
    assert r.capacity.detail["groups"][0]["page_size_bytes"] == page


# --- SGLang ------------------------------------------------------------------------------------

def test_sglang_mem_fraction_static_with_pipeline_stages():
    # handle_gpu_memory_settings on an H100 (81,559 MiB: between 61,440 and 163,840): chunked
    # prefill 8,192, decode graphs up to 256 (tp < 4). Reserved MiB:
    #   512 + 8192 × 1.5 + tp × pp / 8 × 1024 + 2 × 256 + 8 × (prefill graph sizes up to 8,192)
    # the prefill sizes: 4..32 step 4 (8), 48..256 step 16 (14), 288..512 step 32 (8),
    # 576..1024 step 64 (8), 1280..4096 step 256 (12), 4608..8192 step 512 (8): 58
    assert _prefill_graph_sizes(8192) == 8 + 14 + 8 + 8 + 12 + 8 == 58
    gpu = SimpleNamespace(smi_bytes=81_559 * MiB)  # SGLang reads nvidia-smi's total
    # pp 1: 512 + 12,288 + 128 + 512 + 464 = 13,904 -> (81,559 − 13,904) / 81,559 = 0.8295 -> 0.830
    # pp 2: 512 + 12,288 + 256 + 512 + 464 = 14,032 -> (81,559 − 14,032) / 81,559 = 0.8280 -> 0.828
    # pp 4: 512 + 12,288 + 512 + 512 + 464 = 14,288 -> 67,271 / 81,559 = 0.8248 -> 0.825
    assert default_mem_fraction_static(gpu, 1, 1, False, False) == 0.830
    assert default_mem_fraction_static(gpu, 1, 2, False, False) == 0.828
    assert default_mem_fraction_static(gpu, 1, 4, False, False) == 0.825
    # and tp 2 × pp 2 reserves what tp 4 × pp 1 reserves for communication (tp × pp / 8 × 1024),
    # but tp 4 takes the larger decode-graph cap (512): + 2 × 256 more
    assert default_mem_fraction_static(gpu, 2, 2, False, False) == round((81_559 - 14_288) / 81_559, 3)
    assert default_mem_fraction_static(gpu, 4, 1, False, False) == round((81_559 - 14_800) / 81_559, 3)


def test_sglang_fit_passes_the_pipeline_stages_to_its_budget():
    # fit's budget for SGLang: the cache gets mem_fraction_static × (total − what was used before
    # SGLang's baseline: PRE1 on one GPU, PRE_PP on two pipeline stages) − weights − EXTRA; with pp 2
    # the fraction is 0.828 (above), with pp 1 0.830
    for pp, mfs, pre in ((1, 0.830, PRE1), (2, 0.828, PRE_PP)):
        r = plan("llama-3.1-8b", engine="sglang", pp=pp, max_model_len=8192)
        assert r.stages[0].part("kv_cache") == int((H100 - pre) * mfs) - r.stages[0].part("weights") - EXTRA, pp


# --- TensorRT-LLM ------------------------------------------------------------------------------

def test_trtllm_default_budget_by_hand():
    # free_gpu_memory_fraction 0.9 of what is left after weights, the estimation run's peak and
    # the non-torch runtime. Llama 3.1 8B in bf16: 8,030,261,248 parameters × 2 bytes; give the
    # activation peak and the non-torch bytes so every term is written here.
    weights = 8_030_261_248 * 2
    act, non_torch = 3 * GiB, GiB
    r = plan("llama-3.1-8b", engine="trtllm", max_model_len=8192, activation_bytes=act, non_torch_bytes=non_torch)
    assert r.weights_bytes == weights == 16_060_522_496
    free = H100 - weights - act - non_torch
    assert free == 84_938_346_987 - 16_060_522_496 - 3_221_225_472 - 1_073_741_824 == 64_582_857_195
    assert r.kv_budget_bytes == int(free * 0.9) == 58_124_571_475
    assert r.stages[0].part("unused") == free - int(free * 0.9)
    assert sum(p.bytes for p in r.stages[0].budget) == H100
    assert [(p.key, p.label, p.source) for p in r.stages[0].budget] == [
        ("weights", "weights (this GPU's share)", "parameters × weight format, split as the parallel layers split them"),
        ("activation", "estimation-run peak (activations)", "--activation-memory"),
        ("non_torch", "non-torch runtime (CUDA graphs, NCCL)", "--non-torch-memory"),
        ("kv_cache", "KV cache", "free_gpu_memory_fraction 0.9 × (total − the parts above)"),
        ("unused", "left free (1 − fraction)", "")]
    # 131,072 bytes per token (32 layers × 2 × 8 heads × 128 × 2 bytes): 58,124,571,475 // 131,072
    # = 443,455 tokens = 13,857 whole blocks of 32 = 443,424 tokens in the pool
    assert r.capacity.detail["num_gpu_blocks"] == 58_124_571_475 // 131_072 // 32 == 13_857
    assert r.capacity.kv_cache_tokens == 13_857 * 32


def test_trtllm_default_non_torch_and_activation():
    from kvplan.engines.vllm import startup

    spec = catalog.load_model("llama-3.1-8b")
    # non-torch: 2,612 MiB on one GPU, 2,612 + 1,280 MiB with more than one (NCCL)
    one = plan("llama-3.1-8b", engine="trtllm", max_model_len=8192)
    two = plan("llama-3.1-8b", engine="trtllm", tp=2, max_model_len=8192)
    assert one.stages[0].part("non_torch") == 2612 * MiB
    assert two.stages[0].part("non_torch") == (2612 + 1280) * MiB
    # pipeline stages count like tensor ranks (tp × pp > 1): 3,892 MiB on each of 2 stages
    pp2 = plan("llama-3.1-8b", engine="trtllm", pp=2, max_model_len=8192)
    assert [s.part("non_torch") for s in pp2.stages] == [3892 * MiB] * 2 == [4_081_057_792] * 2
    # the estimation run's peak at max_num_tokens 8,192 (TensorRT-LLM's default), or the flag's
    assert one.stages[0].part("activation") == startup.activation_peak(spec, 8192, 0)
    assert [p.source for p in one.stages[0].budget[1:3]] == [
        "estimated for 8,192 tokens (vllm_memory.activation_peak)",
        "fitted on one TensorRT-LLM log at TP 1 (trtllm.NON_TORCH_TP1); NCCL at TP > 1 a default estimate"]
    mine = plan("llama-3.1-8b", engine="trtllm", max_model_len=8192, max_num_batched_tokens=2048)
    assert mine.stages[0].part("activation") == startup.activation_peak(spec, 2048, 0)
    # --gpu-memory-utilization is the fraction of the free memory, not of the card
    half = plan("llama-3.1-8b", engine="trtllm", max_model_len=8192, gpu_memory_utilization=0.5,
                activation_bytes=3 * GiB, non_torch_bytes=GiB)
    assert half.kv_budget_bytes == int(64_582_857_195 * 0.5) == 32_291_428_597


def test_trtllm_contexts_not_a_multiple_of_its_block():
    # 8 GiB at 131,072 bytes per token = 65,536 tokens = 2,048 blocks of 32
    r = plan("llama-3.1-8b", engine="trtllm", kv_cache_memory=8 * GiB, max_model_len=100, ctx=100)
    assert r.capacity.detail["num_gpu_blocks"] == 2048
    # a 100-token request holds cdiv(100, 32) = 4 blocks: 2048 // 4 = 512 at once (not
    # 65,536 // 100 = 655); 96 tokens are exactly 3 blocks: 682; 97 tokens 4 blocks again
    assert r.max_batch == 2048 // 4 == 512
    assert r.capacity.kv_bytes_per_request == 4 * 32 * 131_072
    assert r.capacity.max_concurrency == 2048 / 4
    assert plan("llama-3.1-8b", engine="trtllm", kv_cache_memory=8 * GiB, max_model_len=100, ctx=96).max_batch == 682
    assert plan("llama-3.1-8b", engine="trtllm", kv_cache_memory=8 * GiB, max_model_len=100, ctx=97).max_batch == 512
    # the longest context for 3 requests: each may hold 2048 // 3 = 682 blocks = 21,824 tokens
    r = plan("llama-3.1-8b", engine="trtllm", kv_cache_memory=8 * GiB, max_model_len=32_768, batch=3)
    assert r.max_ctx == 682 * 32 == 21_824


def test_trtllm_size_pads_to_whole_blocks():
    from kvplan.plan import size

    spec = catalog.load_model("llama-3.1-8b")
    # 33 tokens fill 2 blocks of 32: 64 × 131,072 bytes; 32 tokens exactly 1 block
    assert size.kv_size(spec, 33, engine="trtllm").kv_cache_bytes == 64 * 131_072
    assert size.kv_size(spec, 32, engine="trtllm").kv_cache_bytes == 32 * 131_072


# --- the log readers' units -------------------------------------------------------------------

def test_vllm_counts_k_is_thousand_and_capital_k_is_kibi():
    # vLLM's human_readable_int: lower-case k/m/g are powers of 10, upper-case K/M/G of 2
    opts, tp, _ = log_flags.vllm_options({"max_model_len": "32k", "max_num_batched_tokens": "8K",
                                     "max_num_seqs": "1", "tensor_parallel_size": "2"})
    assert opts.max_model_len == 32_000
    assert opts.max_num_batched_tokens == 8 * 1024 == 8192
    assert opts.max_num_seqs == 1 and tp == 2
    assert log_flags.vllm_options({"max_model_len": "32K"})[0].max_model_len == 32 * 1024 == 32_768
    assert log_flags.vllm_options({"kv_cache_memory_bytes": "1G"})[0].kv_cache_memory == 2**30
    assert log_flags.vllm_options({"kv_cache_memory_bytes": "1g"})[0].kv_cache_memory == 10**9
    assert log_flags.vllm_options({"kv_cache_memory_bytes": "2M"})[0].kv_cache_memory == 2 * 2**20
    assert log_flags.vllm_options({"kv_cache_memory_bytes": "2m"})[0].kv_cache_memory == 2_000_000
    assert log_flags.vllm_options({"max_model_len": "1.5k"})[0].max_model_len == 1500
    assert log_flags.vllm_options({"max_model_len": "None"})[0].max_model_len is None


SGLANG_LOG = """\
[2026-01-01 00:00:00] server_args=ServerArgs(model_path='meta-llama/Llama-3.1-8B', tp_size=1, mem_fraction_static=0.8)
[2026-01-01 00:00:01] Load weight end. elapsed=3.1 s, type=LlamaForCausalLM, avail mem=63.50 GB, mem usage=14.99 GB.
[2026-01-01 00:00:02] KV Cache is allocated. dtype: torch.bfloat16, #tokens: 400000, K size: 24.41 GB, V size: 24.41 GB
[2026-01-01 00:00:03] max_total_num_tokens=400000, chunked_prefill_size=8192, context_len=131072
"""


def test_sglang_gb_are_gib():
    facts = logs.parse(SGLANG_LOG)
    assert facts.engine == "sglang" and facts.model == "meta-llama/Llama-3.1-8B"
    assert facts.flags["mem_fraction_static"] == 0.8 and facts.flags["context_length"] == 131_072
    f = {x.key: x for x in facts.figures if x.key != "kv_tokens"}
    # 14.99 GB = 14.99 × 2**30 bytes (not 14.99 × 10**9), ± half the last digit: 0.005 × 2**30
    assert f["weights"].reported == 14.99 * GiB
    assert f["weights"].tolerance == 0.005 * GiB
    # K + V = (24.41 + 24.41) × 2**30; per token that / 400,000 (≈ 131,040, Llama 3.1 8B's 131,072
    # within the printed digits: ± 0.01 × 2**30 / 400,000 = 26.8)
    assert f["kv_bytes"].reported == 24.41 * GiB + 24.41 * GiB
    assert f["kv_bytes"].tolerance == 0.01 * GiB
    assert f["cell_bytes"].reported == pytest.approx(48.82 * GiB / 400_000)
    assert abs(f["cell_bytes"].reported - 131_072) <= f["cell_bytes"].tolerance
    assert [x.reported for x in facts.figures if x.key == "kv_tokens"] == [400_000, 400_000]


def test_sglang_mla_kv_size_in_gib():
    facts = logs.parse("KV Cache is allocated. dtype: torch.bfloat16, #tokens: 1000, KV size: 2.50 GB\n")
    (tokens, kv) = facts.figures
    assert tokens.reported == 1000 and kv.reported == 2.5 * GiB == 2_684_354_560


# --- what-if: MLA for a model whose value head is not its key head -----------------------------

def test_whatif_mla_keeps_the_value_head():
    # MiMo-V2-Flash: 64 query heads of 192 key dims and 128 value dims. mla:512+64 keeps the
    # 192 as the no-RoPE key part and the 128 as the value head, so per layer
    #   kv_b: 512 → 64 × (192 + 128) = 10,485,760; o_proj: 64 × 128 → 4,096 = 33,554,432
    spec = catalog.load_model("mimo-v2-flash")
    v = whatif.apply(spec, "mla:512+64")
    full = [lt for lt in v.spec.layer_types.values() if isinstance(lt.mixer, MLA)]
    assert full
    for lt in full:
        m = lt.mixer
        assert (m.num_heads, m.qk_nope_head_dim, m.v_head_dim, m.kv_lora_rank, m.qk_rope_head_dim) == \
            (64, 192, 128, 512, 64)
    m = full[0].mixer
    as_if_v_were_192 = m.model_copy(update={"v_head_dim": 192})
    # the two differ by 64 more value dims in kv_b (512 × 64 × 64) and o_proj (64 × 64 × 4,096)
    assert as_if_v_were_192.params(4096) - m.params(4096) == 512 * 64 * 64 + 64 * 64 * 4096 == 18_874_368


def test_sglang_capacity_by_hand():
    # Llama 3.1 8B, bf16: cell = 32 layers × 8 heads × (128 + 128) × 2 bytes = 131,072 bytes per
    # token; an 8 GiB pool: 8,589,934,592 // 131,072 = 65,536 tokens
    r = plan("llama-3.1-8b", engine="sglang", kv_cache_memory=8 * GiB, max_model_len=8192, ctx=8000)
    c = r.capacity
    assert c.fits and c.kv_cache_tokens == 65_536 and c.message is None
    assert c.detail == {"cell_size_bytes": 131_072, "page_size": 1, "max_total_num_tokens": 65_536}
    assert c.log_lines == ("max_total_num_tokens=65536",)
    assert c.explain == ("cell = 131,072 bytes per token (attention layers on this GPU)",
                         "max_total_num_tokens = budget // cell = 8,589,934,592 // 131,072 = 65,536")
    # one 8,192-token request: 8,192 × 131,072 bytes; 65,536 / 8,192 = 8 at once
    assert c.kv_bytes_per_request == 8192 * 131_072 and c.max_concurrency == 8.0
    assert r.max_batch == 65_536 // 8000 == 8  # token-granular: no blocks to round up
    r = plan("llama-3.1-8b", engine="sglang", kv_cache_memory=8 * GiB, max_model_len=32_768, batch=3)
    assert r.max_ctx == 65_536 // 3 == 21_845
    # a pool smaller than one token's cell: 0 tokens, refused
    r = plan("llama-3.1-8b", engine="sglang", kv_cache_memory=131_071, max_model_len=8192, ctx=8000)
    assert not r.fits and r.message == "no memory left for the KV pool" and r.max_batch == 0
    r = plan("llama-3.1-8b", engine="sglang", kv_cache_memory=131_072, max_model_len=8192, ctx=1)
    assert r.capacity.kv_cache_tokens == 1 and r.capacity.fits and r.max_batch == 1
    assert r.capacity.message is None  # one token is a pool


def test_sglang_hybrid_swa_pool_by_hand():
    # gpt-oss-20b: 12 full + 12 sliding (W = 128) layers of 8 KV heads × (64 + 64) values, bf16:
    # 2,048 bytes per token and layer. SGLang's hybrid SWA pool: cell = 12 × 2,048 (full) +
    # 0.8 × 12 × 2,048 (SWA) = 24,576 + 19,660.8 = 44,236.8 bytes;
    # full tokens = int(8,589,934,592 // 44,236.8) = 194,180; SWA tokens = int(194,180 × 0.8) = 155,344
    r = plan("gpt-oss-20b", engine="sglang", kv_cache_memory=8 * GiB, max_model_len=8192, ctx=8192)
    c = r.capacity
    assert c.detail == {"cell_size_bytes": 44_236.8, "page_size": 1, "max_total_num_tokens": 194_180,
                        "swa_tokens": 155_344}
    assert c.log_lines == ("Use sliding window memory pool. full_layer_tokens=194180, swa_layer_tokens=155344",)
    # one 8,192-token request: 12 × 8,192 × 2,048 (full) + 12 × 127 × 2,048 (its last W − 1
    # tokens in the SWA layers) = 201,326,592 + 3,121,152 = 204,447,744 bytes
    assert c.kv_bytes_per_request == 204_447_744
    assert r.max_batch == 194_180 // 8192 == 23
    # with 64-token pages both pools round down to whole pages: 194,176 and int(194,176 × 0.8)
    # = 155,340 -> 155,328
    r = plan("gpt-oss-20b", engine="sglang", kv_cache_memory=8 * GiB, max_model_len=8192, block_size=64)
    assert (r.capacity.kv_cache_tokens, r.capacity.detail["swa_tokens"]) == (194_176, 155_328)


def test_trtllm_capacity_lines_by_hand():
    # Llama 3.1 8B, 8 GiB given: 8,589,934,592 // 131,072 = 65,536 tokens = 2,048 blocks of 32,
    # the whole 8.00 GiB allocated
    r = plan("llama-3.1-8b", engine="trtllm", kv_cache_memory=8 * GiB, max_model_len=8192, ctx=8000)
    c = r.capacity
    assert c.log_lines == ("[MemUsageChange] Allocated 8.00 GiB for max tokens in paged KV cache (65536).",)
    assert c.detail == {"block_size": 32, "num_gpu_blocks": 2048, "bytes_per_token": 131_072}
    assert c.explain == ("bytes per token = 131,072 (all attention layers, full length: no max_attention_window given)",
                         "max_tokens = budget // bytes per token = 8,589,934,592 // 131,072 = 65,536",
                         "blocks = max_tokens // 32 = 2,048; pool = 65,536 tokens")
    # an 8,192-token request: 256 blocks; 2,048 / 256 = 8 at once; 8,000 tokens: 250 blocks -> 8
    assert c.max_concurrency == 8.0 and c.kv_bytes_per_request == 8192 * 131_072 and r.max_batch == 8
    # the given budget is max_gpu_total_bytes, a cap (_util.py configure_kv_cache_capacity:
    # min(estimate, cap)): weights, the estimated run's parts, then the 8 GiB (below the
    # estimate), the rest of the card left over
    act, nt = 838_860_800, 2_738_880_512  # 8,192 × (2 × 4,096 + 3 × 14,336) × 2; 2,612 MiB
    assert [(p.key, p.bytes) for p in r.stages[0].budget] == [
        ("weights", 16_060_522_496), ("activation", act), ("non_torch", nt), ("kv_cache", 8 * GiB),
        ("unused", H100 - 16_060_522_496 - act - nt - 8 * GiB)]


def test_trtllm_pool_of_one_block_or_none():
    # 32 tokens × 131,072 bytes = one block: it starts, and the 8,192-token max_seq_len is cut
    r = plan("llama-3.1-8b", engine="trtllm", kv_cache_memory=32 * 131_072, max_model_len=8192, ctx=32)
    assert r.fits and r.capacity.kv_cache_tokens == 32 and r.max_batch == 1 and r.capacity.message is None
    assert r.capacity.detail["note"] == ("max_seq_len 8,192 exceeds the pool's 32 tokens: TensorRT-LLM cuts "
                                         "it to 32 (_validate_and_adjust_attention_windows)")
    assert r.capacity.max_concurrency == 1 / 256
    # a byte less: 31 tokens, no whole block
    r = plan("llama-3.1-8b", engine="trtllm", kv_cache_memory=32 * 131_072 - 1, max_model_len=8192, ctx=32)
    assert not r.fits and r.message == "no room for a single 32-token block" and r.max_batch == 0
    assert r.capacity.log_lines == ("[MemUsageChange] Allocated 0.00 GiB for max tokens in paged KV cache (0).",)
    # a pool that holds max_seq_len has no note: 8,192 tokens exactly
    r = plan("llama-3.1-8b", engine="trtllm", kv_cache_memory=8192 * 131_072, max_model_len=8192)
    assert "note" not in r.capacity.detail and r.capacity.max_concurrency == 1.0


def test_trtllm_bytes_per_token_leaves_recurrent_state_out():
    # Qwen3-Next: 12 full-attention layers of 2 KV heads × 256 dims (K and V) in bf16:
    # 12 × 2 × 2 × 256 × 2 = 24,576 bytes per token; the 36 Gated DeltaNet layers' fixed state
    # does not grow with the context, so it is not in the per-token figure
    spec = catalog.load_model("qwen3-next-80b-a3b")
    # (8 GiB is a cap under the estimate, give the activation so that the 160 GB of bf16
    # weights leave room on a B200)
    r = fit.fit(spec, catalog.load_gpu("b200"), engine="trtllm", check_memory=False,
                opts=ServeOptions(kv_cache_memory=8 * GiB, max_model_len=8192, activation_bytes=0))
    assert r.kv_budget_bytes == 8 * GiB
    assert r.capacity.detail["bytes_per_token"] == 12 * 2 * 2 * 256 * 2 == 24_576
    assert r.capacity.detail["num_gpu_blocks"] == 8 * GiB // 24_576 // 32 == 10_922


def _with_mixer(spec, kind, **update):
    """The spec with every ``kind`` mixer changed (a fresh spec, as what-if builds one)."""
    from kvplan.model.spec import ModelSpec

    lts = {k: v.model_copy(update={"mixer": v.mixer.model_copy(update=update)}) if v.mixer.kind == kind else v
           for k, v in spec.layer_types.items()}
    data = {k: getattr(spec, k) for k in type(spec).model_fields}
    data.update(layer_types=lts)
    return ModelSpec.model_construct(**data)


def test_sglang_mamba_slots_by_hand():
    from kvplan.engines.sglang import pool
    from kvplan.model import dtypes

    # Jamba v0.1: 28 Mamba-1 layers (12 with a dense MLP, 16 with MoE: two layer types) of
    # inner 8,192, state 16, conv kernel 4, bf16; 4 attention layers of 8 KV heads × 128.
    # One request's state per layer: conv 8,192 × 3 × 2 bytes + SSM 8,192 × 16 × 2 bytes
    # = 49,152 + 262,144 = 311,296; × 28 layers = 8,716,288 bytes.
    # SGLang gives 0.9 / 1.9 of the 8 GiB to states: 4,068,916,385.68 bytes; slots =
    # (that − one state) // one state = 465, plus one padding slot taken: 466 × 8,716,288 =
    # 4,061,790,208; the KV pool gets 8,589,934,592 − 4,061,790,208 = 4,528,144,384 bytes, at
    # 4 × 8 × 256 × 2 = 16,384 bytes per token: 276,376 tokens.
    jamba = catalog.load_model("jamba-v0.1")
    assert pool(jamba, dtypes.get("bf16"), "bf16", 8 * GiB) == {
        "mamba_slots": 465, "budget_after_mamba": 4_528_144_384, "mamba_per_req": 8_716_288,
        "cell": 16_384, "tokens": 276_376, "swa_tokens": None}
    # the config's own SSM dtype wins: fp32 SSM states are 49,152 + 8,192 × 16 × 4 = 573,440
    # bytes per layer, 16,056,320 per request; 4,068,916,385.68 // 16,056,320 − 1 = 252 slots;
    # 8,589,934,592 − 253 × 16,056,320 = 4,527,685,632 bytes = 276,348 tokens
    p = pool(_with_mixer(jamba, "mamba", ssm_state_dtype="fp32"), dtypes.get("bf16"), "bf16", 8 * GiB)
    assert (p["mamba_per_req"], p["mamba_slots"], p["tokens"]) == (16_056_320, 252, 276_348)
    # Qwen3-Next: 36 Gated DeltaNet layers, conv (2 × 16 × 128 + 32 × 128) × 3 × 2 bytes = 49,152
    # and a recurrent 32 × 128 × 128 state in float32 (SGLang's default, sglang.SSM_FP32: its config
    # sets no mamba_ssm_dtype) = 2,097,152: 2,146,304 per layer, 77,266,944 per request;
    # 4,068,916,385.68 // 77,266,944 − 1 = 51 slots; 8 GiB − 52 × 77,266,944 = 4,572,053,504 bytes
    # // (12 × 2 × 2 × 256 × 2 = 24,576) = 186,037 tokens
    p = pool(catalog.load_model("qwen3-next-80b-a3b"), dtypes.get("bf16"), "bf16", 8 * GiB)
    assert (p["mamba_per_req"], p["mamba_slots"], p["budget_after_mamba"], p["tokens"]) == \
        (77_266_944, 51, 4_572_053_504, 186_037)
    # and its own recurrent-state dtype wins: bf16 halves the 2,097,152 to 1,048,576 bytes
    p = pool(_with_mixer(catalog.load_model("qwen3-next-80b-a3b"), "gated_deltanet", recurrent_state_dtype="bf16"),
             dtypes.get("bf16"), "bf16", 8 * GiB)
    assert p["mamba_per_req"] == 36 * (49_152 + 1_048_576)


def test_sglang_requests_capped_by_mamba_slots():
    # Jamba as above: 276,376 tokens and 465 state slots. At 100 tokens the pool would take
    # 2,763 requests, the states 465; at 1,000 tokens the pool 276
    def jamba(**kw):
        return fit.fit(catalog.load_model("jamba-v0.1"), catalog.load_gpu("h200"), engine="sglang",
                       check_memory=False, opts=ServeOptions(kv_cache_memory=8 * GiB, max_model_len=4096), **kw)
    r = jamba(ctx=100)
    assert r.capacity.detail["max_mamba_cache_size"] == 465 and r.max_batch == 465
    assert r.capacity.explain[0] == ("Mamba states: 465 requests × 8,716,288 bytes (+1 padding slot) taken "
                                     "first; the KV pool gets 4,528,144,384")
    assert jamba(ctx=1000).max_batch == 276_376 // 1000 == 276
    # the longest context 465 requests can have: 276,376 // 465 = 594 tokens each; 466 requests: none
    assert jamba(batch=465).max_ctx == 594
    assert jamba(batch=466).max_ctx == 0


def test_sglang_budget_follows_the_model():
    # MLA (DeepSeek-V2-Lite) on an H100: 1,536 MiB for the MLA graphs instead of the prefill
    # graphs' 8 × 58: 512 + 12,288 + 128 + 512 + 1,536 = 14,976 -> 66,583 / 81,559 = 0.8164 -> 0.816;
    # (the fraction reads nvidia-smi's 81,559 MiB; the pool starts from CUDA's total)
    # the cache: int((84,938,346,987 − 681,826,058 used before SGLang's baseline on one datacenter GPU)
    # × 0.816) − 31,412,968,448 weights − 219,911,823 (EXTRA) = 68,753,321,078 − 31,412,968,448 − 219,911,823
    # = 37,120,440,807
    r = plan("deepseek-v2-lite", engine="sglang")
    assert [(p.key, p.bytes) for p in r.stages[0].budget] == [
        ("weights", 31_412_968_448), ("non_torch", PRE1), ("load_extra", EXTRA), ("kv_cache", 37_120_440_807),
        ("unused", H100 - PRE1 - 31_412_968_448 - EXTRA - 37_120_440_807)]
    # on two GPUs: + NCCL_TP and the custom all-reduce buffers
    r = plan("deepseek-v2-lite", engine="sglang", tp=2)
    assert r.stages[0].part("non_torch") == PRE
    # Llama 2 (a "llama-2" model path): the prefill graphs stop at 4,096: 8 + 14 + 8 + 8 + 12 = 50
    # sizes, 400 MiB. On an H200 (143,771 MiB): 512 + 12,288 + 128 + 512 + 400 = 13,840 ->
    # 129,931 / 143,771 = 0.9037 -> 0.904 (0.903 without the cap: 13,904 -> 0.9033)
    r = plan("llama-2-7b", engine="sglang", gpu="h200")
    assert [(p.key, p.label) for p in r.stages[0].budget] == [
        ("weights", "weights (this GPU's share)"), ("non_torch", "CUDA context, NCCL (before the baseline)"),
        ("load_extra", "allocated while loading, beyond the weights"), ("kv_cache", "KV cache"),
        ("unused", "slack: activations, CUDA graphs")]
    # the H200's CUDA total: 139.81 GiB printed (vllm#34553), kept as 139.805 GiB = 150,114,475,704
    # (gpus.yaml cuda_memory_bytes); the fraction still reads nvidia-smi's 143,771 MiB.
    # int((150,114,475,704 − 681,826,058) × 0.904) − 13,476,831,232 − 219,911,823 = 135,087,115,279 − ...
    assert r.stages[0].part("kv_cache") == int((150_114_475_704 - PRE1) * 0.904) - 13_476_831_232 - EXTRA \
        == 121_390_372_224
    # Gemma 4 (no prefill graph: 512 + 12,288 + 128 + 512 = 13,440 -> 0.835) with its vision
    # tower of 27 layers × 1,152: ratio = 27 × 1,152² / (24 × 1,024²) = 1.423828125, so
    # 0.835 × 0.95 × (1 − 0.1 × 0.423828125) = 0.835 × 0.95 × 0.9576171875
    r = plan("gemma-4-26b-a4b", engine="sglang")
    mfs = 0.835 * 0.95 * 0.9576171875
    assert r.stages[0].part("kv_cache") == int((H100 - PRE1) * mfs) - r.stages[0].part("weights") - EXTRA
    # an explicit --mem-fraction-static (gpu_memory_utilization) replaces the default
    r = plan("llama-2-7b", engine="sglang", gpu="h200", gpu_memory_utilization=0.5)
    assert r.stages[0].part("kv_cache") == int((150_114_475_704 - PRE1) * 0.5) - 13_476_831_232 - EXTRA \
        == 61_019_581_768


def test_sglang_size_of_hybrid_models():
    from kvplan.plan import size

    # Nemotron-H 56B: 54 Mamba-2 layers, each request holds conv (256 × 64 + 2 × 8 × 256 = 20,480
    # channels × 3) = 61,440 values in bf16 = 122,880 bytes and its SSM 256 × 64 × 256 =
    # 4,194,304 values in float32 (SGLang's default for NemotronH) = 16,777,216 bytes;
    # 54 × 16,900,096 = 912,605,184; 10 attention layers × 1,000 tokens × 8 × 256 × 2 = 40,960,000
    r = size.kv_size(catalog.load_model("nemotron-h-56b"), 1000, engine="sglang")
    (mamba,) = [g for g in r.groups if g.kind == "mamba2"]
    assert [(s.name, s.elements, s.dtype) for s in mamba.held.state] == [("conv", 61_440, "bf16"),
                                                                        ("ssm", 4_194_304, "fp32")]
    assert r.total_bytes == 54 * (122_880 + 16_777_216) + 40_960_000 == 953_565_184
    # Jamba (not NemotronH): its SSM state stays in bf16: 28 × (49,152 + 262,144) = 8,716,288
    r = size.kv_size(catalog.load_model("jamba-v0.1"), 1000, engine="sglang")
    assert r.total_bytes == 8_716_288 + 4 * 1000 * 8 * 256 * 2 == 25_100_288
    # Llama 4 Scout is a hybrid-SWA model for SGLang: its 36 chunked layers keep at most one
    # chunk (8,192) of a 10,000-token request, the 12 full layers all of it; 4,096 bytes per
    # token and layer: 36 × 8,192 × 4,096 + 12 × 10,000 × 4,096 = 1,207,959,552 + 491,520,000
    r = size.kv_size(catalog.load_model("llama-4-scout"), 10_000, engine="sglang")
    assert [(g.kind, g.held.tokens) for g in r.groups] == [("chunked", 8192), ("full", 10_000)]
    assert r.total_bytes == 1_207_959_552 + 491_520_000


def test_sglang_request_bytes_of_a_mamba_hybrid():
    # Jamba at max_model_len 4,096: the states of both Mamba layer types (8,716,288 bytes) and 4
    # attention layers × 4,096 tokens × 4,096 bytes = 67,108,864
    r = fit.fit(catalog.load_model("jamba-v0.1"), catalog.load_gpu("h200"), engine="sglang",
                check_memory=False, opts=ServeOptions(kv_cache_memory=8 * GiB, max_model_len=4096))
    assert r.capacity.kv_bytes_per_request == 8_716_288 + 67_108_864 == 75_825_152


def test_sglang_without_a_context_length():
    # a model that states no max_position_embeddings and no --context-length: SGLang's pool is
    # still 65,536 tokens, and it serves at get_context_length's default 2,048 (engines/sglang.py
    # DEFAULT_CONTEXT_LEN): 65,536 / 2,048 = 32 requests, each 2,048 × 131,072 = 268,435,456 bytes
    spec = catalog.load_model("llama-3.1-8b")
    data = {k: getattr(spec, k) for k in type(spec).model_fields}
    data.update(max_context=None)
    from kvplan.model.spec import ModelSpec

    r = fit.fit(ModelSpec.model_construct(**data), catalog.load_gpu("h100"), engine="sglang",
                opts=ServeOptions(kv_cache_memory=8 * GiB))
    assert r.capacity.kv_cache_tokens == 65_536
    assert r.capacity.max_model_len == 2048
    assert r.capacity.max_concurrency == 32.0 and r.capacity.kv_bytes_per_request == 268_435_456


def test_sglang_hybrid_family_with_only_sliding_layers():
    # gpt-oss-20b with every layer sliding (what-if window:128): a hybrid-SWA family with no full
    # layer, so no ratio: cell = 24 × 2,048 = 49,152 bytes; 8,589,934,592 // 49,152 = 174,762
    # tokens (174,720 in 64-token pages); an 8,192-token request holds 127 tokens per layer:
    # 24 × 127 × 2,048 = 6,242,304 bytes
    spec = whatif.apply(catalog.load_model("gpt-oss-20b"), "window:128").spec
    for page, tokens in ((None, 174_762), (64, 174_720)):
        r = fit.fit(spec, catalog.load_gpu("h100"), engine="sglang", ctx=1000,
                    opts=ServeOptions(kv_cache_memory=8 * GiB, max_model_len=8192, block_size=page))
        assert r.capacity.detail == {"cell_size_bytes": 49_152, "page_size": page or 1,
                                     "max_total_num_tokens": tokens}
        assert r.capacity.log_lines == (f"max_total_num_tokens={tokens}",)
        assert r.capacity.kv_bytes_per_request == 24 * 127 * 2048 == 6_242_304
        assert r.max_batch == tokens // 1000 == 174


def test_sglang_reserved_mib_per_card_size():
    from kvplan.engines.sglang import reserved_mib

    # reserved = 512 + max(chunked prefill, 2,048) × 1.5 + tp × pp / 8 × 1,024 + 2 × decode graph
    # cap + 8 × prefill graph sizes up to the chunked prefill (8 + 14 + 8 + 8 = 38 up to 1,024;
    # then 1,280..4,096 step 256; then 4,608.. step 512):
    #   up to 2,048: 38 + 4 = 42; up to 4,096: 38 + 12 = 50; 8,192: 50 + 8 = 58; 16,384: 50 + 24 = 74
    assert [_prefill_graph_sizes(n) for n in (2048, 4096, 16_384)] == [42, 50, 74]
    # under 20,480 MiB: prefill 2,048, decode cap 8: 512 + 3,072 + 128 + 16 + 336 = 4,064
    assert reserved_mib(16_384, 1, 1, False, False) == reserved_mib(20_479, 1, 1, False, False) == 4064
    # 20,480 to 35,839: prefill 4,096, decode cap 48 (160 from tp 4):
    #   tp 1: 512 + 6,144 + 128 + 96 + 400 = 7,280; tp 3: 512 + 6,144 + 384 + 96 + 400 = 7,536;
    #   tp 4: 512 + 6,144 + 512 + 320 + 400 = 7,888
    assert reserved_mib(20_480, 1, 1, False, False) == reserved_mib(35_839, 1, 1, False, False) == 7280
    assert reserved_mib(20_480, 3, 1, False, False) == 7536
    assert reserved_mib(20_480, 4, 1, False, False) == 7888
    # 35,840 to 61,439: decode cap 32 (160 from tp 4): tp 1: 7,248; tp 3: 7,504; tp 4: 7,888
    assert reserved_mib(35_840, 1, 1, False, False) == reserved_mib(61_439, 1, 1, False, False) == 7248
    assert reserved_mib(35_840, 3, 1, False, False) == 7504
    assert reserved_mib(35_840, 4, 1, False, False) == 7888
    # 61,440 to 163,839: prefill 8,192, decode cap 256 (512 from tp 4):
    #   tp 1: 512 + 12,288 + 128 + 512 + 464 = 13,904; tp 3: 14,160; tp 4: 14,800
    assert reserved_mib(61_440, 1, 1, False, False) == reserved_mib(163_839, 1, 1, False, False) == 13_904
    assert reserved_mib(61_440, 3, 1, False, False) == 14_160
    assert reserved_mib(61_440, 4, 1, False, False) == 14_800
    # from 163,840: prefill 16,384, decode cap 512: 512 + 24,576 + 128 + 1,024 + 592 = 26,832
    assert reserved_mib(163_840, 1, 1, False, False) == 26_832
    # MLA: 1,536 instead of the prefill graphs; Gemma 4: no prefill graph at all
    assert reserved_mib(81_559, 1, 1, True, False) == 13_904 - 464 + 1536 == 14_976
    assert reserved_mib(81_559, 1, 1, False, True) == 13_904 - 464 == 13_440
    # a "llama-2" model path (its repo or its name) caps the prefill graphs at 4,096: 50 sizes
    repo = SimpleNamespace(hf_repo="meta-llama/Llama-2-7b-hf", name="my-model")
    named = SimpleNamespace(hf_repo=None, name="llama-2-13b-chat")
    other = SimpleNamespace(hf_repo="meta-llama/Llama-3.1-8B", name="llama-3.1-8b")
    assert reserved_mib(81_559, 1, 1, False, False, repo) == reserved_mib(81_559, 1, 1, False, False, named) \
        == 13_904 - 464 + 400 == 13_840
    assert reserved_mib(81_559, 1, 1, False, False, other) == 13_904


def test_sglang_vision_tower_adjustment_is_clamped():
    # Gemma 4 only: mfs × 0.95 × clamp(1 − 0.1 × (ratio − 1), 0.8, 1.05), ratio = layers ×
    # hidden² / (24 × 1,024²). H100, Gemma 4: 0.835 before (13,440 MiB reserved, above)
    gpu = SimpleNamespace(smi_bytes=81_559 * MiB)  # SGLang reads nvidia-smi's total

    def vlm(layers, hidden):
        return SimpleNamespace(hf_repo=None, name="x", encoders=[SimpleNamespace(layers=layers, hidden_size=hidden)])
    # 1 layer of 1,024: ratio 1/24, 1 − 0.1 × (1/24 − 1) = 1.0958 -> 1.05
    assert default_mem_fraction_static(gpu, 1, 1, False, True, vlm(1, 1024)) == 0.835 * 0.95 * 1.05
    # 96 layers of 1,024: ratio 4, 1 − 0.3 = 0.7 -> 0.8
    assert default_mem_fraction_static(gpu, 1, 1, False, True, vlm(96, 1024)) == 0.835 * 0.95 * 0.8
    # a tower on a model that is not Gemma 4: no adjustment (0.830, the plain H100 figure)
    assert default_mem_fraction_static(gpu, 1, 1, False, False, vlm(96, 1024)) == 0.830


# --- vLLM's planner on made-up pages ----------------------------------------------------------

def test_vllm_planner_rules_on_small_pages():
    from kvplan.engines.vllm.pages import Config, Page
    from kvplan.engines.vllm.planner import _approximate_gcd, _unify, plan as vplan

    # _approximate_gcd: the d >= the bound with the least round-up padding, ties to the larger d:
    # [12, 18] from 5: d = 6 pads nothing; [4, 8] from 2: d = 2 and d = 4 both pad nothing -> 4
    assert _approximate_gcd([12, 18], 5) == 6
    assert _approximate_gcd([4, 8], 2) == 4
    cfg = Config(16, 1024, 2048, 256, 4096, "align", "bf16")
    full, slide = Page("full", 16, 1000), Page("sliding", 16, 1000, window=100)
    # one spec for every layer: one group, a block holds one page of each of the 3 layers
    p = vplan([full] * 3, cfg)
    assert [(g.page.kind, g.layers) for g in p.groups] == [("full", 3)] and p.bytes_per_block == 3 * 16_000
    # 3 full + 2 sliding layers: bucket sizes 3 and 2; 3 is not < 2 × 1.5, so groups of 2:
    # the full layers split [0::2] (2 layers) and [1::2] (1); the sliding layers one group of 2.
    # bytes per block: the largest group, 2 × 16,000
    p = vplan([full] * 3 + [slide] * 2, cfg)
    assert [(g.page.kind, g.layers) for g in p.groups] == [("full", 2), ("full", 1), ("sliding", 2)]
    assert p.bytes_per_block == 32_000
    # a 1,024-token request: 64 blocks in each full group; the sliding group cdiv(min(99 + 4,096,
    # 1,024), 16) + 1 = 65: 193 blocks of 32,000 bytes
    assert p.blocks_per_request(1024) == 64 + 64 + 65 == 193
    assert p.request_bytes(1024) == 193 * 32_000
    # 3 and 3: one group each
    p = vplan([full] * 3 + [slide] * 3, cfg)
    assert [(g.page.kind, g.layers) for g in p.groups] == [("full", 3), ("sliding", 3)]
    assert p.bytes_per_block == 48_000
    # unify: a 8,000-byte sliding page divides the 16,000-byte one, so its block doubles (32
    # tokens); a 10,000-byte Mamba state is padded to 16,000; an MLA page that does not divide
    # cannot be unified
    u = _unify([full, Page("sliding", 16, 500, window=100), Page("mamba", 0, 0, state_bytes=10_000)])
    assert [(q.kind, q.block_size, q.bytes) for q in u] == [("full", 16, 16_000), ("sliding", 32, 16_000),
                                                            ("mamba", 0, 16_000)]
    assert all(type(q.block_size) is int for q in u)
    # a Mamba page that divides the largest is padded, never given a bigger block
    assert [(q.kind, q.block_size, q.bytes) for q in _unify([full, Page("mamba", 0, 0, state_bytes=8000)])] == \
        [("full", 16, 16_000), ("mamba", 0, 16_000)]
    with pytest.raises(KvplanError, match="^vLLM cannot unify this model's MLA page with its other layers' pages$"):
        _unify([full, Page("mla", 16, 300)])
    # the d up to the largest value: [8] from 2: 2, 4 and 8 all pad nothing -> 8
    assert _approximate_gcd([8], 2) == 8
    # UniformTypeKVCacheSpecs: full pages of different block sizes, or sliding pages of one
    # window and different sizes, are one group whose block holds a page of each layer
    p = vplan([full, Page("full", 32, 500)], cfg)
    assert [(g.page.kind, g.layers, g.page.bytes) for g in p.groups] == [("full", 1, 32_000)]
    p = vplan([slide, Page("sliding", 16, 500, window=100)], cfg)
    assert [(g.page.kind, g.layers, g.page.bytes) for g in p.groups] == [("sliding", 1, 24_000)]
    # a 1,024-token request: cdiv(min(99 + 4,096, 1,024), 16) + 1 = 65 blocks of 24,000 bytes
    assert p.bytes_per_block == 24_000 and p.blocks_per_request(1024) == 65
    # no cache at all: an empty plan
    assert vplan([None, None], cfg).groups == [] and vplan([None], cfg).bytes_per_block == 0


def test_trtllm_without_a_context_length_or_a_growing_layer():
    from kvplan.model.spec import ModelSpec

    spec = catalog.load_model("llama-3.1-8b")
    data = {k: getattr(spec, k) for k in type(spec).model_fields}
    data.update(max_context=None)
    # no max_position_embeddings and no --max-seq-len: the pool is still 2,048 blocks of 8 GiB;
    # max_seq_len is TensorRT-LLM's inferred default, 2048 (model_engine.py
    # _infer_max_seq_len_from_config), so a request takes 64 blocks: concurrency 2,048 / 64 = 32
    r = fit.fit(ModelSpec.model_construct(**data), catalog.load_gpu("h100"), engine="trtllm",
                opts=ServeOptions(kv_cache_memory=8 * GiB))
    assert r.capacity.detail == {"block_size": 32, "num_gpu_blocks": 2048, "bytes_per_token": 131_072}
    assert r.capacity.max_model_len == 2048 and r.capacity.max_concurrency == 32.0
    assert r.capacity.kv_bytes_per_request == 2048 * 131_072
    # a model with no layer whose cache grows (four of Jamba's Mamba layers): 0 bytes per token.
    # kvplan has no rule for such a model under the V1 manager and refuses rather than guess
    j = catalog.load_model("jamba-v0.1")
    data = {k: getattr(j, k) for k in type(j).model_fields}
    data.update(layer_types={"mamba-dense": j.layer_types["mamba-dense"]}, pattern="mamba-dense*4")
    r = fit.fit(ModelSpec.model_construct(**data), catalog.load_gpu("h100"), engine="trtllm",
                opts=ServeOptions(kv_cache_memory=GiB, max_model_len=4096), ctx=100)
    assert r.capacity.detail["bytes_per_token"] == 0 and r.capacity.detail["num_gpu_blocks"] == 0
    assert not r.fits and r.max_batch == 0


@pytest.mark.parametrize("engine", ["vllm", "sglang", "trtllm"])
def test_fit_refuses_a_zero_context_or_batch(engine):
    # a library caller's ctx=0 used to reach the engines' block arithmetic (ZeroDivisionError)
    spec, h100 = catalog.load_model("llama-3.1-8b"), catalog.load_gpu("h100")
    with pytest.raises(KvplanError, match=r"^ctx must be a positive integer, got 0$"):
        fit.fit(spec, h100, engine=engine, ctx=0)
    with pytest.raises(KvplanError, match=r"^batch must be a positive integer, got 0$"):
        fit.fit(spec, h100, engine=engine, batch=0)


def test_sglang_run_dtype_of_float32_checkpoints():
    # configs/model_config.py _get_and_verify_dtype: float32 checkpoints run in float16, Gemma's
    # in bfloat16; any other dtype as stored
    from kvplan.engines.sglang import SGLang

    h100 = catalog.load_gpu("h100")
    llama, gemma = catalog.load_model("llama-3.1-8b"), catalog.load_model("gemma-2-9b")
    assert SGLang().run_dtype(llama.model_copy(update={"dtype": "fp32"}), h100) == "fp16"
    assert SGLang().run_dtype(gemma.model_copy(update={"dtype": "fp32"}), h100) == "bf16"
    assert SGLang().run_dtype(llama, h100) == "bf16" and SGLang().run_dtype(llama.model_copy(update={"dtype": "fp16"}), h100) == "fp16"


def test_sglang_size_keeps_a_configs_own_ssm_dtype_and_no_tokens_for_state():
    from kvplan.plan import size

    # Nemotron-H with the config saying bf16 for the SSM state: SGLang's float32 default for
    # NemotronH gives way: 4,194,304 values × 2 bytes
    spec = _with_mixer(catalog.load_model("nemotron-h-56b"), "mamba2", ssm_state_dtype="bf16")
    r = size.kv_size(spec, 1000, engine="sglang")
    (mamba,) = [g for g in r.groups if g.kind == "mamba2"]
    assert [(s.name, s.dtype) for s in mamba.held.state] == [("conv", "bf16"), ("ssm", "bf16")]
    assert r.total_bytes == 54 * (122_880 + 4_194_304 * 2) + 40_960_000
    # state-only and cache-less layers hold no tokens
    r = size.kv_size(catalog.load_model("nemotron-h-56b"), 1000, engine="sglang")
    assert {g.kind: g.held.tokens for g in r.groups} == {"mamba2": 0, "none": 0, "full": 1000}


def test_sglang_pool_without_attention_or_budget():
    # four of Jamba's Mamba layers and no attention: no per-token cell, a pool of 0 tokens (kvplan
    # has no rule for SGLang serving such a model and refuses rather than guess)
    from kvplan.model.spec import ModelSpec

    j = catalog.load_model("jamba-v0.1")
    data = {k: getattr(j, k) for k in type(j).model_fields}
    data.update(layer_types={"mamba-dense": j.layer_types["mamba-dense"]}, pattern="mamba-dense*4")
    r = fit.fit(ModelSpec.model_construct(**data), catalog.load_gpu("h100"), engine="sglang",
                opts=ServeOptions(kv_cache_memory=GiB, max_model_len=4096))
    assert r.capacity.detail["cell_size_bytes"] == 0 and r.capacity.kv_cache_tokens == 0 and not r.fits
    # a negative budget (gpt-oss-120b's weights on an L4, planned anyway) is an empty hybrid pool,
    # not a negative one
    r = fit.fit(catalog.load_model("gpt-oss-120b"), catalog.load_gpu("l4"), engine="sglang", check_memory=False)
    assert r.kv_budget_bytes < 0
    assert (r.capacity.kv_cache_tokens, r.capacity.detail["swa_tokens"]) == (0, 0) and not r.fits
    assert r.message == "no memory left for the KV pool"


def test_sglang_hierarchical_cache_refuses_swa_and_mamba_pools():
    from kvplan.engines.sglang_hicache import HiCacheConfig

    for model, gpu in (("gpt-oss-20b", "h100"), ("jamba-v0.1", "h200")):
        with pytest.raises(KvplanError) as e:
            fit.fit(catalog.load_model(model), catalog.load_gpu(gpu), engine="sglang", check_memory=False,
                    opts=ServeOptions(kv_cache_memory=8 * GiB, max_model_len=4096, hicache=HiCacheConfig()))
        assert str(e.value) == ("kvplan models SGLang's hierarchical cache for full-attention and MLA models "
                                "only (this one has sliding-window or Mamba pools)")


# --- the log readers' parallel flags (issue 20: DP and EP as `kvplan fit` takes them) ----------

def test_vllm_options_read_data_and_expert_parallelism():
    opts, tp, _ = log_flags.vllm_options({"data_parallel_size": "8", "enable_expert_parallel": "True",
                                     "all2all_backend": "deepep_low_latency"})
    assert (opts.data_parallel_size, opts.enable_expert_parallel, opts.all2all_backend, tp) == \
        (8, True, "deepep_low_latency", 1)
    opts, _, _ = log_flags.vllm_options({"enable_expert_parallel": True})
    assert (opts.data_parallel_size, opts.enable_expert_parallel, opts.all2all_backend) == (1, True, None)
    opts, _, _ = log_flags.vllm_options({"enable_expert_parallel": "False", "data_parallel_size": None})
    assert (opts.data_parallel_size, opts.enable_expert_parallel) == (1, False)


def test_sglang_options_read_dp_ep_and_dp_attention():
    opts, tp, kvd = log_flags.sglang_options({"tp_size": "8", "dp_size": "8", "ep_size": "8",
                                         "enable_dp_attention": "True", "mem_fraction_static": "0.8"})
    assert (tp, opts.data_parallel_size, opts.ep_size, opts.dp_attention, kvd) == (8, 8, 8, True, None)
    assert opts.gpu_memory_utilization == 0.8
    opts, tp, _ = log_flags.sglang_options({"tp_size": 4, "enable_ep_moe": True})  # the older switch: ep = tp
    assert (tp, opts.ep_size, opts.data_parallel_size, opts.dp_attention) == (4, 4, 1, False)
    opts, _, _ = log_flags.sglang_options({"tp_size": 4, "ep_size": 1})
    assert opts.ep_size is None


def test_dp_attention_halves_the_attention_group_of_the_sglang_plan():
    """tp 8 with --enable-dp-attention --dp-size 8: attention tp 1 × 8 replicas (plan/parallel.py)."""
    from kvplan.sources import catalog

    spec, g = catalog.load_model("qwen3-30b-a3b"), catalog.load_gpu("h100-sxm-80gb")
    plain = log_flags._sglang_fit(spec, g, {"tp_size": 8, "mem_fraction_static": 0.8})
    dpa = log_flags._sglang_fit(spec, g, {"tp_size": 8, "dp_size": 8, "enable_dp_attention": True,
                                     "mem_fraction_static": 0.8})
    assert any("attention tp 1 × 8 replica(s)" in n for n in dpa.notes)
    assert not any("replica(s)" in n for n in plain.notes)


def test_sglang_qwen3_next_recurrent_state_in_float32_in_the_plan_and_the_step():
    """SGLang 0.5.23 keeps Qwen3-Next's recurrent state in float32 (configs/mamba_utils.py mamba2_state_dtype's default;
    sglang.SSM_FP32), vLLM in the model's dtype. At TP 4 one request's state in one Gated DeltaNet layer: conv
    (2 × 16 × 128 + 32 × 128) / 4 × 3 × 2 bytes = 12,288 and 8 × 128 × 128 values, 524,288 bytes in float32 (262,144
    in bf16); a decode step reads and writes all 36 layers' of it: SGLang 36 × 536,576 = 19,316,736 bytes a sequence,
    vLLM 36 × 274,432 = 9,879,552."""
    from kvplan.engines.sglang import SGLang
    from kvplan.plan.latency.step import OpLatency

    spec, h20 = catalog.load_model("qwen3-next-80b-a3b"), catalog.load_gpu("h20")
    assert OpLatency(spec, h20, tp=4, engine="sglang").state_per_seq == 36 * (12_288 + 524_288) == 19_316_736
    assert OpLatency(spec, h20, tp=4, engine="vllm").state_per_seq == 36 * (12_288 + 262_144) == 9_879_552
    gdn = next(lt.mixer for lt in spec.layer_types.values() if lt.mixer.kind == "gated_deltanet")
    held = SGLang(False, True).hold(gdn, 1000, "bf16", "bf16")
    assert [(s.name, s.dtype, s.elements) for s in held.state] == [("conv", "bf16", 8192 * 3),
                                                                     ("recurrent", "fp32", 32 * 128 * 128)]


def test_sglang_kimi_linear_recurrent_state_in_float32_in_the_plan_and_the_step():
    """SGLang keeps Kimi Linear's KDA recurrent state in float32 too (sglang.SSM_FP32: KimiLinearConfig's
    KimiLinearCacheParams takes mamba2_state_dtype(None), 'Default "float32"'; Kimi-K3's config sets no dtype).
    Kimi K3 has 69 KDA layers (1 dense + 68 MoE; 96 key and value heads of 128, conv kernel 4). One request's state
    in one layer, whole: conv 3 × (3 × 96 × 128) × 2 bytes = 221,184 and 96 × 128 × 128 values × 4 bytes =
    6,291,456: the memory plan's Mamba share 69 × 6,512,640 = 449,372,160 bytes a request. At TP 8 (12 heads a
    rank) a decode step reads and writes 69 × (27,648 + 786,432) = 56,171,520 bytes a sequence under SGLang, and
    69 × (27,648 + 393,216) = 29,039,616 under vLLM (the model's bf16)."""
    from kvplan.engines.sglang import pool
    from kvplan.model import dtypes
    from kvplan.plan.latency.step import OpLatency

    spec, h100 = catalog.load_model("kimi-k3"), catalog.load_gpu("h100")
    assert spec.family == "kimi_linear" and spec.counts()["kda-dense"] + spec.counts()["kda-moe"] == 69
    assert pool(spec, dtypes.get("bf16"), "bf16", 8 * GiB)["mamba_per_req"] == 69 * (221_184 + 6_291_456) \
        == 449_372_160
    assert OpLatency(spec, h100, tp=8, engine="sglang").state_per_seq == 69 * (27_648 + 786_432) == 56_171_520
    assert OpLatency(spec, h100, tp=8, engine="vllm").state_per_seq == 69 * (27_648 + 393_216) == 29_039_616
