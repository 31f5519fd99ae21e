"""simulate's limits (kvplan/plan/simulate/limits.py engine_limits): the scheduler's batch limits
and KV capacity per engine, GPU, TP and flag, each with its source, word for word.

The batch defaults are the engines' own rules, as kvplan.engines computes them:
* vLLM 0.33, EngineArgs.get_batch_defaults (the ``vllm serve`` column; kvplan.engines.vllm.settings
  batch_defaults): a card of >= 160 GiB 16,384 tokens / 1,024 sequences; >= 70 GiB (not an A100)
  8,192 / 1,024; else 2,048 / 256. H100 (79.1 GiB usable): 8,192 / 1,024; L4 (22.0 GiB): 2,048 / 256.
* SGLang 0.5.23, memory_hook.py handle_gpu_memory_settings (kvplan.engines.sglang
  chunked_prefill_size): chunked_prefill_size 4,096 under 60 GiB (L4), 8,192 under 160 GiB (H100);
  kv_cache_configurator.py resolve_max_num_reqs (max_running_requests): tokens / context × 512
  clamped to 2,048-4,096, at most half the token pool.
"""
import pytest

from kvplan.engines import ServeOptions
from kvplan.errors import KvplanError
from kvplan.plan import fit as fitmod
from kvplan.plan import simulate as sim
from kvplan.plan.simulate.limits import FRONTEND
from kvplan.sources import catalog

H100 = "h100-sxm-80gb"
VLLM_BATCH = "vLLM EngineArgs.get_batch_defaults (kvplan.engines.vllm)"
SGL_SEQS = ("SGLang's max_running_requests from the token pool (kv_cache_configurator.py "
            "resolve_max_num_reqs; kvplan.engines.sglang)")
SGL_CHUNK = ("SGLang's chunked_prefill_size by card memory (memory_hook.py handle_gpu_memory_settings; "
             "kvplan.engines.sglang)")
SGL_RESERVE = ("SGLang's new_token_ratio after its decay (kvplan.engines.sglang NEW_TOKEN_RATIO_FLOOR), "
               "for every running request, ignore_eos or not (PrefillAdder._get_running_request_total_token_offset)")


@pytest.fixture(scope="module")
def llama():
    return catalog.load_model("llama-3.1-8b"), catalog.load_gpu("h100")


def blocks(spec, gpu, tp=1, engine="vllm", opts=None) -> int:
    return fitmod.fit(spec, gpu, tp=tp, engine=engine, opts=opts or ServeOptions()).capacity.detail


def test_vllm_defaults_on_an_h100_every_field_and_source(llama):
    """Defaults: prefix caching on, the completions endpoint; 8,192 tokens / 1,024 sequences (an
    H100 is >= 70 GiB); 16-token blocks; num_gpu_blocks less vLLM's null block."""
    spec, gpu = llama
    lim = sim.engine_limits(spec, gpu)
    n = blocks(spec, gpu)["num_gpu_blocks"]
    where = f"kvplan fit llama-3.1-8b --gpu {H100} --tp 1 --engine vllm"
    assert (lim.engine, lim.block_size, lim.num_blocks, lim.max_num_seqs, lim.max_num_batched_tokens,
            lim.max_model_len) == ("vllm", 16, n - 1, 1024, 8192, 131072)
    assert lim.prefix_caching is True and lim.note == "" and lim.frontend == (0.0108,)
    assert (lim.host_blocks, lim.host_chunk_blocks, lim.host_block_seconds) == (0, 1, 0.0)
    assert (lim.output_reserve, lim.scheduler_steps, lim.reserve_full_isl) == (0.0, 1, True)
    assert lim.async_scheduling is True  # kvplan's vLLM (0.33): on by default since 0.14.0
    assert lim.sources == {
        "num_blocks": f"{where}: num_gpu_blocks {n:,} less the null block",
        "block_size": f"{where}: vLLM's default (CacheConfig.DEFAULT_BLOCK_SIZE)",
        "max_num_seqs": VLLM_BATCH, "max_num_batched_tokens": VLLM_BATCH,
        "max_model_len": "the model's max context",
        "frontend": FRONTEND["vllm"]["source"]["completions"],
        "reserve_full_isl": sim.limits.RESERVE_FULL_ISL["source"],
        "async_scheduling": sim.limits.ASYNC_SCHEDULING["source"]}


def test_vllm_on_an_l4_and_the_flags_as_sources():
    """An L4 (22 GiB) takes vLLM's small-card defaults, 2,048 tokens / 256 sequences; a flag given
    is its own source."""
    spec, gpu = catalog.load_model("llama-3.1-8b"), catalog.load_gpu("l4")
    lim = sim.engine_limits(spec, gpu, opts=ServeOptions(max_model_len=8192))
    assert (lim.max_num_seqs, lim.max_num_batched_tokens, lim.max_model_len) == (256, 2048, 8192)
    assert lim.sources["max_model_len"] == "--max-model-len"
    assert lim.sources["max_num_seqs"] == lim.sources["max_num_batched_tokens"] == VLLM_BATCH
    o = ServeOptions(max_model_len=4096, max_num_seqs=8, max_num_batched_tokens=512)
    flags = sim.engine_limits(spec, gpu, opts=o, prefix_caching=False, endpoint="chat")
    assert (flags.max_num_seqs, flags.max_num_batched_tokens, flags.max_model_len) == (8, 512, 4096)
    assert flags.prefix_caching is False and flags.frontend == (0.02272,)
    assert {k: flags.sources[k] for k in ("max_num_seqs", "max_num_batched_tokens", "max_model_len")} == {
        "max_num_seqs": "--max-num-seqs", "max_num_batched_tokens": "--max-num-batched-tokens",
        "max_model_len": "--max-model-len"}
    assert flags.sources["frontend"] == FRONTEND["vllm"]["source"]["chat"]


def test_tp_reaches_fit(llama):
    """TP 2 halves each rank's KV heads (8 → 4): vLLM's 2 MiB blocks become 1 MiB, and more of
    them fit beside half the weights."""
    spec, gpu = llama
    one, two = blocks(spec, gpu), blocks(spec, gpu, tp=2)
    assert (one["bytes_per_block"], two["bytes_per_block"]) == (2 * 2**20, 2**20)
    lim = sim.engine_limits(spec, gpu, tp=2)
    assert lim.num_blocks == two["num_gpu_blocks"] - 1 != one["num_gpu_blocks"] - 1
    assert lim.sources["num_blocks"].startswith(f"kvplan fit llama-3.1-8b --gpu {H100} --tp 2 --engine vllm: ")


def test_vllm_refuses_fewer_batched_tokens_than_sequences(llama):
    """vllm/config/scheduler.py SchedulerConfig: max_num_batched_tokens >= max_num_seqs; equal is
    allowed."""
    spec, gpu = llama
    ok = sim.engine_limits(spec, gpu, opts=ServeOptions(max_model_len=4096, max_num_seqs=64,
                                                        max_num_batched_tokens=64))
    assert (ok.max_num_seqs, ok.max_num_batched_tokens) == (64, 64)
    with pytest.raises(KvplanError) as e:
        sim.engine_limits(spec, gpu, opts=ServeOptions(max_model_len=4096, max_num_seqs=64,
                                                       max_num_batched_tokens=32))
    assert str(e.value) == "max_num_batched_tokens=32 is smaller than max_num_seqs=64; vLLM refuses that"


def test_fit_at_risk_is_said_beside_the_results():
    """Llama 3.1 8B on an A10G at 16,384 tokens: fit's margin is within its uncertainty."""
    spec, gpu = catalog.load_model("llama-3.1-8b"), catalog.load_gpu("a10g")
    o = ServeOptions(max_model_len=16384)
    f = fitmod.fit(spec, gpu, engine="vllm", opts=o)
    assert f.verdict == "at_risk"
    lim = sim.engine_limits(spec, gpu, opts=o)
    assert lim.note == f"fit says at risk: {f.judgement.why}"
    r = sim.simulate(spec, gpu, opts=o, concurrency=1, requests=1, prompt_tokens="100", output_tokens="2")
    assert r.notes[0] == lim.note


def test_sglang_at_risk_note():
    spec, gpu = catalog.load_model("qwen3-8b"), catalog.load_gpu("rtx-4090")
    o = ServeOptions(max_model_len=4096)
    f = fitmod.fit(spec, gpu, engine="sglang", opts=o)
    assert f.verdict == "at_risk"
    assert sim.engine_limits(spec, gpu, engine="sglang", opts=o).note == f"fit says at risk: {f.judgement.why}"


def test_what_does_not_fit_is_fits_own_message():
    spec, gpu = catalog.load_model("llama-3.1-8b"), catalog.load_gpu("l4")
    f = fitmod.fit(spec, gpu, engine="vllm")
    assert not f.capacity.fits and f.message
    with pytest.raises(KvplanError) as e:
        sim.engine_limits(spec, gpu)
    assert str(e.value) == f.message


def test_vllm_takes_the_first_full_or_mla_group_and_the_others_beside_it():
    """Gemma 2's full and sliding layers are two KV cache groups: the full one is the scheduler's,
    the sliding one (window 4096) rides beside it (plan/simulate/groups.py); Mistral 7B's only group
    is of sliding-window layers, all beside no full group; DeepSeek-V2-Lite's MLA is one group, taken alone."""
    from kvplan.plan.simulate.groups import Group

    h100 = catalog.load_gpu("h100")
    g2 = sim.engine_limits(catalog.load_model("gemma-2-9b"), h100)
    # cap: max_admission_blocks_per_request, cdiv(min(4095 + in-flight tokens, 8192), 16) + 1
    assert g2.groups == (Group("sliding", 16, 4096, cap=513),) and g2.block_size == 16
    # one group, of sliding-window layers, beside no full one (hybrid.py VllmSlidingReplica); its cap
    # cdiv(min(4095 + 16,384 batched tokens, 32,768), 16) + 1 = 1,281
    m7 = sim.engine_limits(catalog.load_model("mistral-7b"), h100)
    assert m7.groups == (Group("sliding", 16, 4096, cap=1281),) and not m7.main_group and g2.main_group
    ds = catalog.load_model("deepseek-v2-lite")
    assert sim.engine_limits(ds, h100).num_blocks == blocks(ds, h100)["num_gpu_blocks"] - 1
    assert sim.engine_limits(ds, h100).groups == ()


def test_unknown_engine_and_endpoint_messages(llama):
    spec, gpu = llama
    with pytest.raises(KvplanError) as e:
        sim.engine_limits(spec, gpu, engine="trtllm")
    assert str(e.value) == "engine must be one of vllm, sglang for simulate, got 'trtllm'"
    assert e.value.option == "engine"
    with pytest.raises(KvplanError) as e:
        sim.engine_limits(spec, gpu, endpoint="grpc")
    assert str(e.value) == "the endpoint must be one of completions, chat, in-process, got 'grpc'"


def test_sglang_defaults_on_an_h100_every_field_and_source(llama):
    """A token pool of max_total_num_tokens at page 1; max_running_requests = 409,335 / 131,072 ×
    512 = 1,598, clamped up to 2,048; chunked_prefill_size 8,192 (80 GB); the output reserve is
    new_token_ratio's floor 0.7 × 0.14 = 0.098; no front-end time."""
    spec, gpu = llama
    tokens = blocks(spec, gpu, engine="sglang")["max_total_num_tokens"]
    assert tokens == 409_335 and int(tokens / 131072 * 512) == 1598
    lim = sim.engine_limits(spec, gpu, engine="sglang")
    assert (lim.engine, lim.block_size, lim.num_blocks, lim.max_num_seqs, lim.max_num_batched_tokens,
            lim.max_model_len) == ("sglang", 1, 409_335, 2048, 8192, 131072)
    assert lim.prefix_caching is True and lim.note == "" and lim.frontend == (0.0,)
    assert lim.output_reserve == pytest.approx(0.098) and lim.host_blocks == 0
    assert lim.sources == {
        "num_blocks": f"kvplan fit llama-3.1-8b --gpu {H100} --tp 1 --engine sglang: max_total_num_tokens 409,335",
        "block_size": "SGLang page size (kvplan.engines.sglang)",
        "max_num_seqs": SGL_SEQS, "max_num_batched_tokens": SGL_CHUNK,
        "max_model_len": "the model's max context",
        "frontend": FRONTEND["sglang"]["source"]["completions"], "output_reserve": SGL_RESERVE}


def test_sglang_flags_pages_and_a_small_card(llama):
    """--block-size 16 as SGLang's page: 409,328 tokens in 25,583 pages of 16. Flags are their
    own sources; --max-num-seqs is capped at half the pool. On an L4 (< 60 GiB) the chunk is
    4,096; Llama 3.2 1B's pool / 131,072 × 512 falls under 2,048, clamped up to it."""
    spec, gpu = llama
    paged = sim.engine_limits(spec, gpu, engine="sglang", opts=ServeOptions(block_size=16))
    assert (paged.block_size, paged.num_blocks, paged.kv_tokens) == (16, 25_583, 409_328)
    o = ServeOptions(max_model_len=4096, max_num_seqs=8, max_num_batched_tokens=512)
    f = sim.engine_limits(spec, gpu, engine="sglang", opts=o, prefix_caching=False, endpoint="chat")
    assert (f.max_num_seqs, f.max_num_batched_tokens, f.max_model_len, f.prefix_caching) == (8, 512, 4096, False)
    assert {k: f.sources[k] for k in ("max_num_seqs", "max_num_batched_tokens", "max_model_len", "frontend")} == {
        "max_num_seqs": "--max-num-seqs", "max_num_batched_tokens": "--max-num-batched-tokens",
        "max_model_len": "--max-model-len", "frontend": FRONTEND["sglang"]["source"]["chat"]}
    small = catalog.load_model("llama-3.2-1b")
    lim = sim.engine_limits(small, catalog.load_gpu("l4"), engine="sglang")
    assert lim.max_num_batched_tokens == 4096
    assert lim.kv_tokens / 131072 * 512 < 2048 and lim.max_num_seqs == 2048


@pytest.mark.parametrize("model, gpu, tp", [("nemotron-h-56b", "h200", 1), ("gpt-oss-20b", "h100", 1)])
def test_sglang_hybrid_pools(model, gpu, tp):
    """Nemotron-H keeps Mamba slots (max_mamba_cache_size) beside its pool: they cap the running
    requests; gpt-oss a sliding-window pool (swa_tokens, window 128) beside the full one."""
    spec, g = catalog.load_model(model), catalog.load_gpu(gpu)
    d = blocks(spec, g, tp, "sglang")
    assert ("swa_tokens" in d) != ("max_mamba_cache_size" in d)
    lim = sim.engine_limits(spec, g, tp, "sglang")
    assert lim.num_blocks == d["max_total_num_tokens"]
    if "swa_tokens" in d:
        assert lim.swa_tokens == d["swa_tokens"] and lim.groups[0].window == 128
    else:
        assert lim.swa_tokens == 0 and lim.max_num_seqs <= d["max_mamba_cache_size"]


# ---- the CPU tier (--kv-offloading-size / LMCache) -------------------------------------------------
def test_the_cpu_tier_in_chunks_of_several_blocks(llama):
    """vLLM's native tier with blocks_per_chunk 4: 64 GiB of 2 MiB blocks = 32,768 blocks, hit in
    chunks of 4 blocks (64 tokens); loading a block moves 16 × 131,072 bytes over PCIe 5.0 x16's
    63,015,384,615 bytes/s. Counts are ints."""
    spec, gpu = llama
    lim = sim.engine_limits(spec, gpu, opts=ServeOptions(kv_offloading_size=64 * 2**30,
                                                         kv_connector_extra_config={"blocks_per_chunk": 4}))
    assert (lim.host_blocks, lim.host_chunk_blocks) == (32768, 4)
    assert type(lim.host_blocks) is int and type(lim.host_chunk_blocks) is int
    assert lim.host_block_seconds == pytest.approx(16 * 131072 / 63_015_384_615, rel=1e-12)


def test_an_lmcache_tier_hits_in_its_chunk_size(llama):
    """LMCache (--kv-offloading-backend lmcache) stores chunks of chunk_size 256 tokens: 16 blocks
    of 16; its 64 GiB L1 holds 2,048 chunks of 32 MiB, 524,288 tokens = 32,768 blocks."""
    spec, gpu = llama
    lim = sim.engine_limits(spec, gpu, opts=ServeOptions(kv_offloading_size=64 * 2**30,
                                                         kv_offloading_backend="lmcache"))
    assert (lim.host_blocks, lim.host_chunk_blocks) == (32768, 16)
    assert type(lim.host_chunk_blocks) is int
    assert lim.host_block_seconds == pytest.approx(16 * 131072 / 63_015_384_615, rel=1e-12)


def test_a_tier_in_whole_blocks_and_whole_bytes_a_token():
    """SmolLM2-135M (30 layers × 3 KV heads × 64 × 2 × 2 bytes = 23,040 bytes a token) under
    LMCache with chunk_size 3: a chunk object is 69,120 bytes rounded up to 4,096: 69,632; 1 GiB
    of L1 holds 15,420 chunks (46,260 tokens, 1,073,725,440 bytes). In vLLM's 16-token blocks
    that is 46,260 // 16 = 2,891 whole blocks; a chunk under a block is hit a block at a time;
    a token's bytes are 1,073,725,440 // 46,260 = 23,210 (floored), a block's load 16 × 23,210
    bytes over the L4's PCIe 4.0 x16 (16 GT/s × 16 lanes × 128/130 / 8 = 31,507,692,307 bytes/s)."""
    from kvplan.engines.vllm.lmcache import LMCacheConfig

    spec, gpu = catalog.load_model("smollm2-135m"), catalog.load_gpu("l4")
    o = ServeOptions(max_model_len=2048, kv_offloading_size=2**30, kv_offloading_backend="lmcache",
                     lmcache=LMCacheConfig(chunk_size=3))
    lim = sim.engine_limits(spec, gpu, opts=o)
    assert (lim.host_blocks, lim.host_chunk_blocks) == (2891, 1)
    assert lim.host_block_seconds == pytest.approx(16 * 23_210 / 31_507_692_307, rel=1e-12)
