"""Issue 25: vLLM 0.33's engine wiring (kvplan/engines/vllm/__init__.py: run_dtype, stages,
for_model, configure, _pages, hold, budget, capacity, max_batch, _refuse) called directly, every
figure worked out by hand beside its assertion from vLLM's block arithmetic
(v1/core/kv_cache_utils.py, v1/core/kv_cache_planning.py, v1/kv_cache_interface.py):
blocks = budget // bytes per block, one block held back as the null block, a request of
max_model_len refused when its blocks do not fit beside the null block, the estimate of the
longest max_model_len that would fit, concurrency = blocks / blocks per request."""
from types import SimpleNamespace

import pytest

from kvplan.engines import ServeOptions
from kvplan.engines.base import BudgetPart, Capacity, Worker
from kvplan.engines.vllm import ENGINE, VLLM
from kvplan.engines.vllm.pages import Config
from kvplan.errors import KvplanError
from kvplan.model import dtypes
from kvplan.model.frozen import replace
from kvplan.sources import catalog

GiB, MiB = 2**30, 2**20
H100 = catalog.load_gpu("h100")  # sm90, 79.1 GiB: ≥ 70 GiB and not an A100, so 8,192 tokens / 1,024 seqs
A100 = catalog.load_gpu("a100-80gb")  # sm80, 79.1 GiB but an A100: 2,048 tokens / 256 seqs
B200 = catalog.load_gpu("b200")  # sm100, 178 GiB: ≥ 160 GiB, so 16,384 tokens / 1,024 seqs
V100 = catalog.load_gpu("v100")  # sm70
DEFAULT_NOTE = "vLLM's default (CacheConfig.DEFAULT_BLOCK_SIZE)"


def _model(name):
    return catalog.load_model(name)


# --- run_dtype: config/model.py _resolve_auto_dtype ------------------------------------------

def test_run_dtype_of_a_float32_checkpoint_by_compute_capability():
    gpt2 = _model("gpt2")  # a float32 checkpoint
    assert gpt2.dtype == "fp32"
    # bfloat16 from sm80 on, float16 before (V100: sm70, T4: sm75)
    assert ENGINE.run_dtype(gpt2, V100) == "fp16"
    assert ENGINE.run_dtype(gpt2, catalog.load_gpu("t4")) == "fp16"
    assert ENGINE.run_dtype(gpt2, A100) == "bf16"  # sm80 exactly: the edge
    assert ENGINE.run_dtype(gpt2, H100) == "bf16"
    assert ENGINE.run_dtype(gpt2, None) == "bf16"  # no GPU: the sm80+ answer
    assert ENGINE.run_dtype(gpt2, SimpleNamespace(name="unknown-card")) == "bf16"  # no capability known
    # a 16-bit checkpoint runs as it is, whatever the card
    assert ENGINE.run_dtype(_model("llama-3-8b"), V100) == "bf16"


# --- stages: distributed/utils.py get_pp_indices ----------------------------------------------

def test_pipeline_stages_give_the_remainder_to_the_stages_before_the_last():
    # num_layers // pp each; the remainder, one layer each, to partitions[-2], [-3], ...
    assert ENGINE.stages(32, 1) == [32]
    assert ENGINE.stages(32, 4) == [8, 8, 8, 8]
    assert ENGINE.stages(31, 3) == [10, 11, 10]  # 31 = 3 × 10 + 1: the middle (−2) stage
    assert ENGINE.stages(32, 3) == [11, 11, 10]  # 32 = 3 × 10 + 2: stages −2 and −3
    assert ENGINE.stages(33, 4) == [8, 8, 9, 8]  # 33 = 4 × 8 + 1
    assert ENGINE.stages(35, 4) == [9, 9, 9, 8]  # 35 = 4 × 8 + 3: all but the last


# --- for_model / configure: the settings vLLM resolves ----------------------------------------

def test_for_model_resolves_the_gpu_and_the_pipeline():
    s = _model("llama-3-8b")
    eng = ENGINE.for_model(s, H100, ServeOptions(), "bf16", "bf16")
    assert eng.model is s
    # H100: 8,192 batched tokens, 1,024 seqs; async scheduling keeps pp + 1 = 2 batches in flight
    assert eng.cfg == Config(16, 8192, 8192, 1024, 2 * 8192, "align", "bf16", DEFAULT_NOTE)
    # pp 2: 3 batches in flight; A100: 2,048 tokens / 256 seqs
    assert ENGINE.for_model(s, H100, ServeOptions(), "bf16", "bf16", 2).cfg.in_flight_tokens == 3 * 8192
    assert ENGINE.for_model(s, A100, ServeOptions(), "bf16", "bf16").cfg == \
        Config(16, 8192, 2048, 256, 2 * 2048, "align", "bf16", DEFAULT_NOTE)


def test_configure_without_a_gpu_or_a_model():
    s = _model("llama-3-8b")
    # no GPU: 2,048 tokens, 256 seqs, pp 1 (2 batches in flight), max_model_len the model's 8,192
    assert ENGINE.configure(s, None, ServeOptions(), "bf16") == \
        Config(16, 8192, 2048, 256, 4096, "align", "bf16", DEFAULT_NOTE)
    # no model: max_model_len must be given; 16-token blocks, "default"
    assert ENGINE.configure(None, None, ServeOptions(max_model_len=1024), "bf16") == \
        Config(16, 1024, 2048, 256, 4096, "align", "bf16", "default")
    with pytest.raises(KvplanError) as e:
        ENGINE.configure(None, None, ServeOptions(), "bf16")
    assert str(e.value) == "the model states no max_position_embeddings; give max_model_len"


def test_configure_refuses_a_max_model_len_beyond_the_model():
    s = _model("llama-3-8b")  # max_position_embeddings 8,192
    assert ENGINE.configure(s, None, ServeOptions(max_model_len=8192), "bf16").max_model_len == 8192
    with pytest.raises(KvplanError) as e:
        ENGINE.configure(s, None, ServeOptions(max_model_len=8193), "bf16")
    assert str(e.value) == ("max_model_len=8193 is greater than llama-3-8b's length as vLLM derives it "
                            "(8192: max_position_embeddings); vLLM refuses it unless VLLM_ALLOW_LONG_MAX_MODEL_LEN=1")


# vLLM 0.33 derives the limit from every length key and, for some rope types, the rope factor
# (config/model.py _get_and_verify_max_len; model_arch_config_convertor.py
# derive_max_model_len_and_key); SGLang from the first of its keys (get_context_length). Each case
# is a real config.json (tests/fixtures/configs/) edited as the comment says, checked by hand.
def _edited(tmp_path, fixture, **edits):
    import json

    from kvplan import api

    cfg = json.load(open(f"tests/fixtures/configs/{fixture}.json"))
    cfg.update(edits)
    path = tmp_path / "config.json"
    path.write_text(json.dumps(cfg))
    return api.load_model(str(path))


@pytest.mark.parametrize("fixture, edits, vllm_limit, sglang_limit", [
    # Qwen's long-context recipe: yarn, factor 4, original 32,768 on a 32,768-position model. vLLM:
    # yarn's factor is not applied (32,768); SGLang: original_max_position_embeddings stated, factor 1
    ("Qwen2.5-7B-Instruct", {"rope_scaling": {"type": "yarn", "factor": 4.0,
                                              "original_max_position_embeddings": 32768}}, 32768, 32768),
    # yarn without the original length: SGLang applies the factor (131,072), vLLM does not
    ("Qwen2.5-7B-Instruct", {"rope_scaling": {"rope_type": "yarn", "factor": 4.0}}, 32768, 131072),
    # Llama 3.1's own llama3 rope (factor 8 on 131,072 positions): neither engine scales it
    ("Llama-3.1-8B", {}, 131072, 131072),
    # linear factor 2 on Mistral's 32,768: both scale it, 65,536
    ("Mistral-7B-v0.1", {"rope_scaling": {"type": "linear", "factor": 2.0}}, 65536, 65536),
    # dynamic factor 2 with seq_length 4,096 beside the 32,768 positions: vLLM takes the smallest key
    # (seq_length) × 2 = 8,192; SGLang reads seq_length before max_position_embeddings: 4,096 × 2
    ("Mistral-7B-v0.1", {"seq_length": 4096, "rope_scaling": {"type": "dynamic", "factor": 2.0}}, 8192, 8192),
    # model_max_length wins in vLLM even where longer (Command-R); SGLang reads it before the positions
    ("Mistral-7B-v0.1", {"model_max_length": 65536}, 65536, 65536),
    # max_seq_len 16,384 and max_sequence_length 8,192: vLLM the smallest, SGLang max_sequence_length first
    ("Mistral-7B-v0.1", {"max_seq_len": 16384, "max_sequence_length": 8192}, 8192, 8192),
    ("Mistral-7B-v0.1", {"max_seq_len": 4096, "max_sequence_length": 8192}, 4096, 8192),
])
def test_engines_derive_the_length_limit_from_the_config(tmp_path, fixture, edits, vllm_limit, sglang_limit):
    from kvplan.engines import sglang
    from kvplan.engines.vllm import check_max_model_len, max_len_limit

    spec = _edited(tmp_path, fixture, **edits)
    assert max_len_limit(spec)[0] == vllm_limit
    assert sglang.derived_context_len(spec) == sglang_limit
    check_max_model_len(spec, vllm_limit)
    with pytest.raises(KvplanError, match=f"derives it \\({vllm_limit}: .*VLLM_ALLOW_LONG_MAX_MODEL_LEN=1"):
        check_max_model_len(spec, vllm_limit + 1)
    sglang.check_context_length(spec, sglang_limit)
    with pytest.raises(KvplanError, match=f"derives it \\({sglang_limit}: "):
        sglang.check_context_length(spec, sglang_limit + 1)
    # unset, each engine serves the length it derives
    assert ENGINE.configure(spec, None, ServeOptions(), "bf16").max_model_len == vllm_limit


def test_a_config_with_only_seq_length():
    """ChatGLM-style: no max_position_embeddings, only seq_length (vLLM and SGLang both read it)."""
    from kvplan.engines import sglang
    from kvplan.engines.vllm import max_len_limit
    from kvplan.sources.hfconfig.reader import from_config
    import json

    cfg = json.load(open("tests/fixtures/configs/Mistral-7B-v0.1.json"))
    del cfg["max_position_embeddings"]
    cfg["seq_length"] = 8192
    spec = from_config(cfg, "seq-only")
    assert spec.max_context is None and spec.context_keys == {"seq_length": 8192}
    assert max_len_limit(spec) == (8192, "seq_length")
    assert sglang.derived_context_len(spec) == 8192
    assert ENGINE.configure(spec, None, ServeOptions(), "bf16").max_model_len == 8192


def test_configure_block_size_given_and_by_backend():
    s = _model("llama-3-8b")
    cfg = ENGINE.configure(s, H100, ServeOptions(block_size=32, max_num_seqs=7, max_num_batched_tokens=512), "bf16")
    assert cfg == Config(32, 8192, 512, 7, 2 * 512, "align", "bf16", "--block-size")
    # DeepSeek-V3 (MLA) on sm100: FLASHINFER_MLA, 32-token blocks; B200 ≥ 160 GiB: 16,384 / 1,024
    v3 = _model("deepseek-v3")
    assert ENGINE.configure(v3, B200, ServeOptions(), "bf16") == \
        Config(32, 163_840, 16384, 1024, 2 * 16384, "align", "bf16",
               "FLASHINFER_MLA on sm100 takes 32 or 64 tokens per block: 32")


def test_configure_notes_where_the_cache_is_not_in_the_format_asked():
    falcon = _model("falcon-7b")
    cfg = ENGINE.configure(falcon, H100, ServeOptions(), "fp8_e4m3", "bf16")
    note = ("vLLM's falcon attention ignores --kv-cache-dtype: its cache stays bf16 "
            "(model_executor/models/falcon.py FalconAttention: the rotary and ALiBi paths build "
            "Attention without cache_config)")
    assert cfg == Config(16, 2048, 8192, 1024, 16384, "align", "bf16", DEFAULT_NOTE, kv_note=note)
    # asked in the model's own format: nothing to say
    assert ENGINE.for_model(falcon, H100, ServeOptions(), "bf16", "bf16").cfg.kv_note == ""
    v4 = ENGINE.configure(_model("deepseek-v4-flash"), H100, ServeOptions(max_model_len=4096), "bf16", "bf16")
    assert v4.kv_note == ("vLLM keeps DeepSeek-V4's cache in fp8_ds_mla rows (584 bytes per 512 values) "
                          "whatever --kv-cache-dtype says (models/deepseek_v4/attention.py)")
    assert (v4.block_size, v4.sparse_mla) == (256, False)


def test_notes_and_formats_of_a_configured_engine():
    falcon = _model("falcon-7b")
    eng = ENGINE.for_model(falcon, H100, ServeOptions(), "fp8_e4m3", "bf16")
    assert eng.notes(falcon) == [eng.cfg.kv_note] and eng.kv_formats("fp8_e4m3") == ("bf16", "bf16")
    assert ENGINE.for_model(falcon, H100, ServeOptions(), "bf16", "bf16").notes(falcon) == []
    # and what a request holds is in bf16: 100 tokens in cdiv(100, 16) = 7 blocks = 112 tokens of
    # 1 KV head × 64, K and V each named bf16 though fp8 was asked
    from kvplan.engines.base import Holding

    assert eng.hold(falcon.layer_types["block"].mixer, 100, "bf16", "fp8_e4m3") == \
        Holding([(1, 64), (1, 64)], 112, formats=("bf16", "bf16"))
    # a bare engine: the format asked, nothing to say
    assert ENGINE.notes(falcon) == [] and ENGINE.kv_formats("fp8_e4m3") == ("fp8_e4m3", "fp8_e4m3")


# --- capacity, _refuse, max_batch: the pool, the null block, the refusals ---------------------

BF16, FP8 = dtypes.get("bf16"), dtypes.get("fp8_e4m3")
# Llama 3 8B in bf16, 16-token blocks: a layer's page is 16 × 8 KV heads × 128 × 2 (K, V) × 2 bytes
# = 65,536; 32 layers: 2,097,152 bytes (2 MiB) a block; a request of 8,192 tokens: 512 blocks = 1 GiB
PAGE, BLOCK = 65_536, 2 * MiB
REFUSE_EMPTY = ("No available memory for the cache blocks. Try increasing `gpu_memory_utilization` "
                "when initializing the engine.")


def _workers(spec, *budgets, tp=1):
    """One worker per pipeline stage (as fit makes them), each with a KV budget of its own."""
    from kvplan.plan.fit import rank_stages

    return [Worker(sub, [BudgetPart("kv_cache", "KV cache", b)])
            for (_, _, sub), b in zip(rank_stages(spec, tp, len(budgets), ENGINE), budgets)]


def _slice(name, first, count):
    from kvplan.plan.fit import stage_spec

    return stage_spec(_model(name).shard(1), first, count)


def _cap(workers, eng=None, gpu=H100, fmt=BF16, **opts):
    return (eng or VLLM()).capacity(workers, gpu, ServeOptions(**opts), fmt, "bf16")


def test_capacity_of_a_plain_pool_every_figure():
    # 4 GiB / 2 MiB = 2,048 blocks; 2,048 / 512 = 4.00 requests of 8,192 tokens; 4 × 8,192 tokens
    cap = _cap(_workers(_model("llama-3-8b"), 4 * GiB), max_model_len=8192)
    line = "GPU KV cache size: 32,768 tokens, Maximum concurrency for 8,192 tokens per request: 4.00x"
    detail = {"block_size": 16, "block_size_source": DEFAULT_NOTE, "num_gpu_blocks": 2048,
              "bytes_per_block": BLOCK, "blocks_per_request": 512, "max_num_batched_tokens": 8192,
              "max_num_seqs": 1024,
              "groups": [{"kind": "full", "layers": 32, "block_size": 16, "page_size_bytes": PAGE,
                          "blocks_per_request": 512}],
              # after sizing (engines/vllm/after_sizing.py): one H100's CUDA context outside the share, and the
              # sampler warm-up's fragmentation, ceil(2.320 x 1,024 rows x 128,256 vocabulary x 4 bytes)
              "outside_share_bytes": 681_826_058, "outside_share_uncertainty": 536_870_912,
              "outside_share_what": "the CUDA context", "warmup_fragmentation_bytes": 1_218_780_857}
    explain = (f"block: 16 tokens ({DEFAULT_NOTE})",
               "group of 32 full layer(s): page 65,536 bytes, 512 blocks for a 8,192-token request",
               "bytes per block = largest group's pages = 2,097,152",
               "num_gpu_blocks = KV budget // bytes per block = 4,294,967,296 // 2,097,152 = 2,048",
               "max concurrency = num_gpu_blocks / blocks per request = 2,048 / 512 = 4.00",
               "KV cache tokens = int(concurrency × max_model_len) = 32,768")
    assert cap == Capacity(True, 8192, 32_768, 4.0, 512 * BLOCK, None, (line,), detail, explain)


def test_capacity_notes_the_format_vllm_keeps():
    # Falcon 7B asked for fp8 keeps bf16: 16 × 1 KV head × 64 × 2 × 2 = 4,096 bytes a layer,
    # 32 layers: 131,072 a block; 1 GiB / 131,072 = 8,192 blocks; 2,048 tokens = 128 blocks: 64.00x
    eng = ENGINE.for_model(_model("falcon-7b"), H100, ServeOptions(), "fp8_e4m3", "bf16")
    cap = eng.capacity(_workers(_model("falcon-7b"), GiB), H100, ServeOptions(), FP8, "bf16")
    note = eng.cfg.kv_note
    assert note.startswith("vLLM's falcon attention ignores --kv-cache-dtype")
    assert (cap.detail["kv_cache_dtype_note"], cap.detail["num_gpu_blocks"], cap.max_concurrency) == \
        (note, 8192, 64.0)
    assert cap.explain[:2] == (note, f"block: 16 tokens ({DEFAULT_NOTE})")
    # the same asked in bf16: no note in the detail nor in the explanation
    plain = _cap(_workers(_model("falcon-7b"), GiB))
    assert "kv_cache_dtype_note" not in plain.detail and plain.explain[0] == f"block: 16 tokens ({DEFAULT_NOTE})"
    assert plain.detail["num_gpu_blocks"] == 8192


def test_capacity_of_three_unequal_stages():
    # 32 layers over pp 3: 11, 11, 10; blocks of 11 × 65,536 = 720,896 and 10 × 65,536 = 655,360;
    # 4 GiB each: 5,957 and 6,553 blocks; every worker takes the smallest, 5,957
    # (get_kv_cache_configs); 5,957 / 512 = 11.634765625; int(11.634765625 × 8,192) = 95,312
    ws = _workers(_model("llama-3-8b"), 4 * GiB, 4 * GiB, 4 * GiB)
    cap = _cap(ws, max_model_len=8192)
    assert (cap.detail["num_gpu_blocks"], cap.detail["bytes_per_block"]) == (5957, 11 * PAGE)
    assert cap.max_concurrency == 5957 / 512 and cap.kv_cache_tokens == 95_312
    assert cap.kv_bytes_per_request == 512 * 11 * PAGE  # the largest stage's
    assert [g["layers"] for g in cap.detail["groups"]] == [11]
    # requests at once: (5,957 − 1) // 512 = 11 on the first stages ((6,553 − 1) // 512 = 12 on the last)
    assert VLLM().max_batch(ws, H100, cap, ServeOptions(max_model_len=8192), BF16, "bf16", 8192) == 11


def test_capacity_with_no_budget_and_at_the_null_block():
    llama = _model("llama-3-8b")
    detail = {"estimated_max_model_len": 0, "block_size": 16, "bytes_per_block": BLOCK,
              "max_num_batched_tokens": 8192, "max_num_seqs": 1024}
    for b in (0, -1):  # nothing left for the cache: vLLM's first refusal
        assert _cap(_workers(llama, b), max_model_len=8192) == \
            Capacity(False, 8192, 0, 0.0, 512 * BLOCK, REFUSE_EMPTY, detail=detail, explain=(REFUSE_EMPTY,))
    # one byte, or exactly one block: nothing beside the null block, so no estimate is offered
    for b, avail in ((1, "-0.0"), (BLOCK, "0.0")):
        msg = (f"To serve at least one request with the model's max seq len (8192), (1.0 GiB KV cache is "
               f"needed, which is larger than the available KV cache memory ({avail} GiB). Try increasing "
               "`gpu_memory_utilization` (which also controls CPU memory on the CPU backend) or "
               "decreasing `max_model_len` when initializing the engine. See "
               "https://docs.vllm.ai/en/latest/configuration/conserving_memory/ for more details.")
        assert _cap(_workers(llama, b), max_model_len=8192) == \
            Capacity(False, 8192, 0, 0.0, 512 * BLOCK, msg, detail=detail, explain=(msg,))


def test_capacity_estimate_of_a_one_token_max_model_len():
    # --block-size 1: a page is 1 × 8 × 128 × 2 × 2 = 4,096 bytes, 131,072 a block; max_model_len 2
    # needs 2 blocks; a budget of 2 blocks leaves 1 beside the null block: the longest is 1 token
    cap = _cap(_workers(_model("llama-3-8b"), 2 * 131_072), max_model_len=2, block_size=1)
    assert not cap.fits and cap.detail["estimated_max_model_len"] == 1
    assert "(0.0 GiB). Based on the available memory, the estimated maximum model length is 1. Try" in cap.message


def test_capacity_and_max_batch_without_any_cache_layer():
    # Nemotron-H's layer 1 is an MLP-only block: no KV spec, no group; BlockPool keeps its null block
    mlp = Worker(_slice("nemotron-h-56b", 1, 1), [BudgetPart("kv_cache", "KV cache", GiB)])
    cap = _cap([mlp])
    assert cap == Capacity(True, 8192, 0, float("inf"), 0, detail={"num_gpu_blocks": 1})
    # nothing limits the batch but --max-num-seqs (1,024 on an H100)
    assert VLLM().max_batch([mlp], H100, cap, ServeOptions(), BF16, "bf16", 8192) == 1024
    # beside a stage with attention (layer 7: 8 KV heads × 128, 65,536-byte pages): that stage's pool
    # alone, 1 GiB / 65,536 = 16,384 blocks, (16,384 − 1) // 512 = 31 requests of 8,192 tokens
    attn = Worker(_slice("nemotron-h-56b", 7, 1), [BudgetPart("kv_cache", "KV cache", GiB)])
    cap = _cap([mlp, attn])
    assert (cap.detail["num_gpu_blocks"], cap.max_concurrency, cap.kv_cache_tokens) == (16_384, 32.0, 262_144)
    assert VLLM().max_batch([mlp, attn], H100, cap, ServeOptions(), BF16, "bf16", 8192) == 31


def test_capacity_on_an_engine_not_configured_for_a_model():
    # a bare engine (no model, no tp from a budget): the CPU tier is one rank's copy; 8 GiB of
    # 4,096-byte-aligned 2 MiB chunks (blocks_per_chunk 1): 4,096 blocks of 16 tokens
    cap = _cap(_workers(_model("llama-3-8b"), 4 * GiB), max_model_len=8192, kv_offloading_size=8 * GiB)
    t = cap.detail["cpu_offload"]
    assert (t["world_size"], t["blocks_per_chunk"], t["chunk_bytes"], t["cpu_blocks"]) == (1, 1, BLOCK, 4096)
    assert t["cpu_tokens"] == 4096 * 16


def test_max_batch_edges():
    llama = _model("llama-3-8b")
    opts = ServeOptions(max_model_len=8192)
    ws = _workers(llama, 2 * 512 * BLOCK)  # exactly 1,024 blocks: 1,023 usable beside the null block
    cap = _cap(ws, max_model_len=8192)
    n = VLLM().max_batch(ws, H100, cap, opts, BF16, "bf16", 8192)
    assert n == 1023 // 512 == 1 and isinstance(n, int)
    # a context beyond what the pool holds: 1,023 // cdiv(1,048,576, 16) = 1,023 // 65,536 = 0
    assert VLLM().max_batch(ws, H100, cap, opts, BF16, "bf16", 1_048_576) == 0
    # 16-token requests take 1 block each: 1,023, capped by --max-num-seqs: 1,024 on an H100 (256 without a GPU)
    assert VLLM().max_batch(ws, H100, cap, opts, BF16, "bf16", 16) == 1023
    big = _workers(llama, 4 * GiB)
    assert VLLM().max_batch(big, H100, _cap(big, max_model_len=8192), opts, BF16, "bf16", 16) == 1024
    # a refused pool (no blocks reported) admits nothing, though shorter requests would fit
    small = _workers(llama, 100 * BLOCK)
    refused = _cap(small, max_model_len=8192)
    assert not refused.fits and VLLM().max_batch(small, H100, refused, opts, BF16, "bf16", 16) == 0
    # where the engine did report a pool, the blocks are counted whatever the verdict: (2,048 − 1) // 512
    cap4 = _cap(big, max_model_len=8192)
    assert VLLM().max_batch(big, H100, replace(cap4, fits=False), opts, BF16, "bf16", 8192) == 3


def test_max_batch_in_the_format_vllm_keeps():
    # Falcon 7B asked for fp8 keeps bf16 pages: 131,072 a block, 1 GiB = 8,192 blocks;
    # 2,048 tokens = 128 blocks: (8,192 − 1) // 128 = 63 (fp8 pages would give 127)
    falcon = _model("falcon-7b")
    ws = _workers(falcon, GiB)
    eng = ENGINE.for_model(falcon, H100, ServeOptions(), "fp8_e4m3", "bf16")
    cap = eng.capacity(ws, H100, ServeOptions(), FP8, "bf16")
    assert eng.max_batch(ws, H100, cap, ServeOptions(), FP8, "bf16", 2048) == 63


def test_max_batch_of_a_mamba_hybrid():
    # Jamba: 28 Mamba-1 layers (311,296-byte state) and 4 attention layers (8 KV heads × 128 × 2 × 2 =
    # 4,096 bytes a token). _align_hybrid_block_size: 16 × cdiv(311,296, 16 × 4,096) = 16 × 5 = 80-token
    # blocks, 327,680-byte pages, the Mamba pages padded to them. Groups of min(28, 4) = 4 layers: 7
    # Mamba groups and 1 attention group, 4 × 327,680 = 1,310,720 bytes a block; 1 GiB = 819 blocks.
    # A request of 8,000 tokens: cdiv(8,000, 80) = 100 + 7 × 2 (align mode) = 114 blocks: 818 // 114 = 7
    jamba = _model("jamba-v0.1")
    ws = _workers(jamba, GiB)
    opts = ServeOptions(max_model_len=8192)
    cap = _cap(ws, max_model_len=8192)
    assert (cap.detail["block_size"], cap.detail["bytes_per_block"], cap.detail["num_gpu_blocks"]) == \
        (80, 1_310_720, 819)
    assert VLLM().max_batch(ws, H100, cap, opts, BF16, "bf16", 8000) == 7


def test_max_batch_counts_the_drafters_layers():
    # EAGLE-3 for Llama 3.1 8B adds one attention layer of the same page to the pool (last stage):
    # 33 × 65,536 = 2,162,688 bytes a block; 4 GiB = 1,985 blocks; a 512-token request is 32 blocks:
    # 1,984 // 32 = 62 (without the drafter: 2,047 // 32 = 63)
    from kvplan.engines.vllm import speculative

    s = _model("llama-3.1-8b")
    sc = speculative.parse('{"method":"eagle3","model":"yuhuili/EAGLE3-LLaMA3.1-Instruct-8B",'
                           '"num_speculative_tokens":3}')
    opts = ServeOptions(max_model_len=8192, speculative_config=sc)
    ws = _workers(s, 4 * GiB)
    eng = ENGINE.for_model(s, H100, opts, "bf16", "bf16")
    cap = eng.capacity(ws, H100, opts, BF16, "bf16")
    assert (cap.detail["bytes_per_block"], cap.detail["num_gpu_blocks"]) == (33 * PAGE, 1985)
    assert eng.max_batch(ws, H100, cap, opts, BF16, "bf16", 512) == 62
    plain = ServeOptions(max_model_len=8192)
    assert eng.max_batch(ws, H100, _cap(ws, max_model_len=8192), plain, BF16, "bf16", 512) == 63


def test_max_batch_plans_are_not_reused_across_settings_or_freed_ids():
    from kvplan.engines.vllm.planner import Plan

    llama = _model("llama-3-8b")
    ws = _workers(llama, 4 * GiB)
    opts = ServeOptions(max_model_len=8192)
    cap = _cap(ws, max_model_len=8192)
    eng = VLLM()
    # bf16: (2,048 − 1) // 512 = 3; then fp8 on the same engine, worker and options: 1 MiB blocks,
    # (4,096 − 1) // 512 = 7 (a plan kept from the bf16 call would say 3)
    assert eng.max_batch(ws, H100, cap, opts, BF16, "bf16", 8192) == 3
    assert eng.max_batch(ws, H100, cap, opts, FP8, "bf16", 8192) == 7
    # an entry under this call's key left by another worker or another options object (ids are
    # reused once freed) is not trusted: an empty plan there would say "no limit but max_num_seqs"
    cfg = replace(ENGINE.configure(llama, H100, opts, "bf16", "bf16", 1), max_model_len=8192)
    key = (id(ws[0]), id(opts), cfg, "bf16")
    for stale in ((object(), opts), (ws[0], ServeOptions())):
        eng = VLLM()
        eng._plans = {key: (*stale, Plan([], 0, cfg))}
        assert eng.max_batch(ws, H100, cap, opts, BF16, "bf16", 8192) == 3


# --- hold: what one request holds, layer by layer (size --engine vllm) ------------------------

def test_hold_on_a_bare_engine_uses_vllms_defaults():
    from kvplan.engines.base import Holding

    local = _model("mistral-7b").layer_types["local"].mixer  # W = 4,096; 8 KV heads × 128
    # no settings: 16-token blocks, 2,048 batched tokens × 2 batches in flight; a sliding layer
    # holds cdiv(min(4,095 + 4,096, ctx), 16) + 1 blocks: ctx 32,768: 512 + 1 = 513 blocks, 8,208 tokens
    assert VLLM().hold(local, 32_768, "bf16", "bf16") == Holding([(8, 128), (8, 128)], 8208)
    # ctx 100: cdiv(100, 16) + 1 = 8 blocks, 128 tokens; kept in the format asked (fp8: no override)
    assert VLLM().hold(local, 100, "bf16", "fp8_e4m3") == Holding([(8, 128), (8, 128)], 128)
    # a layer without cache (Nemotron-H's MLP block) holds nothing
    assert VLLM().hold(_model("nemotron-h-56b").layer_types["mlp"].mixer, 100, "bf16", "bf16") == Holding([], 0)


def test_hold_of_mamba_states():
    from kvplan.engines.base import Holding
    from kvplan.model.kinds import StateTensor

    jamba = _model("jamba-v0.1")
    m = jamba.layer_types["mamba-dense"].mixer  # a 311,296-byte state (test_rules_vllm_pages.py)
    # align mode (prefix caching, the default): 2 pages a request
    assert VLLM().hold(m, 100, "bf16", "bf16") == \
        Holding([], 0, [StateTensor(name="state blocks", elements=2 * 311_296, dtype="int8")])
    # configured for Jamba: the pages padded to the 80-token attention page, 80 × 4,096 = 327,680
    eng = ENGINE.for_model(jamba, None, ServeOptions(), "bf16", "bf16")
    assert eng.hold(m, 100, "bf16", "bf16") == \
        Holding([], 0, [StateTensor(name="state blocks", elements=2 * 327_680, dtype="int8")])


def test_hold_of_minimax_m3_index_keys():
    from kvplan.engines.base import Holding, Side

    s = _model("minimax-m3")
    m = s.layer_types["sparse-moe"].mixer  # 4 KV heads × 128, index keys of 128 in bf16 (no format named)
    eng = ENGINE.for_model(s, None, ServeOptions(max_model_len=4096), "bf16", "bf16")
    assert eng.cfg.block_size == 128  # sparse_block_size
    # ctx 1,000: cdiv(1,000, 128) = 8 blocks = 1,024 tokens of K/V and of index keys
    assert eng.hold(m, 1000, "bf16", "bf16") == \
        Holding([(4, 128), (4, 128)], 1024, sides=(Side("index keys", 1, 128, 1024, "bf16"),))


def test_hold_of_deepseek_sparse_attention():
    from kvplan.engines.base import Holding, Side

    s = _model("deepseek-v3.2")
    m = s.layer_types["moe"].mixer  # a 576-value latent; indexer keys of 128
    eng = ENGINE.for_model(s, None, ServeOptions(max_model_len=4096), "fp8_e4m3", "bf16")
    assert eng.cfg.block_size == 64
    # ctx 1,000: cdiv(1,000, 64) = 16 blocks = 1,024 tokens; an fp8 latent is kept in fp8_ds_mla rows
    assert eng.hold(m, 1000, "bf16", "fp8_e4m3") == \
        Holding([(1, 576)], 1024, formats=("fp8_ds_mla",),
                sides=(Side("indexer keys", 1, 128, 1024, "fp8_ds_index"),))
    # GLM-5.2's MLA layers without an indexer run the sparse backend too
    glm = _model("glm-5.2")
    eng = ENGINE.for_model(glm, None, ServeOptions(max_model_len=4096), "fp8_e4m3", "bf16")
    mla = glm.layer_types["moe-shared"].mixer
    assert eng.hold(mla, 1000, "bf16", "fp8_e4m3") == Holding(mla.kv_rows(), 1024, formats=("fp8_ds_mla",))
    # ... but only MLA layers: a full-attention layer under the same settings keeps plain K/V
    llama = _model("llama-3-8b").layer_types["full"].mixer
    assert eng.hold(llama, 1000, "bf16", "fp8_e4m3") == Holding([(8, 128), (8, 128)], 1024)


def test_hold_of_deepseek_v4_pages():
    from kvplan.engines.base import Holding
    from kvplan.model.kinds import StateTensor

    s = _model("deepseek-v4-flash")
    swa = s.layer_types["swa"].mixer  # window 128, no compression: the window's pages only
    eng = ENGINE.for_model(s, None, ServeOptions(max_model_len=65_536), "bf16", "bf16")
    # 64-token blocks of 584-byte rows: 37,376 bytes, aligned up to 576: 65 × 576 = 37,440
    # ctx 1,000: cdiv(min(127 + 4,096, 1,000), 64) + 1 = 16 + 1 = 17 pages
    # ctx 10,000: cdiv(min(4,223, 10,000), 64) + 1 = 66 + 1 = 67 pages
    for ctx, pages in ((1000, 17), (10_000, 67)):
        assert eng.hold(swa, ctx, "bf16", "bf16") == \
            Holding([], 0, [StateTensor(name="pages", elements=pages * 37_440, dtype="int8")])


# --- _pages: the worker's layer specs ---------------------------------------------------------

def test_pages_pad_only_the_mamba_states():
    jamba = _model("jamba-v0.1")
    cfg = ENGINE.configure(jamba, None, ServeOptions(), "bf16", "bf16")
    assert (cfg.block_size, cfg.mamba_page_bytes) == (80, 327_680)
    pages = VLLM()._pages(jamba, cfg, "bf16")
    assert len(pages) == 32
    # 28 Mamba pages padded from 311,296 to 327,680 bytes; the 4 attention pages are 80 × 4,096 as they are
    assert sorted({(p.kind, p.padded, p.bytes) for p in pages}) == \
        [("full", None, 327_680), ("mamba", 327_680, 327_680)]
    assert sum(p.kind == "mamba" for p in pages) == 28


# --- budget: the parts vLLM charges before the cache ------------------------------------------

def test_budget_with_a_fixed_cache():
    # --kv-cache-memory: no estimate; what the card has beyond weights and cache is left on it
    total = H100.usable_bytes
    parts = VLLM().budget(H100, 16 * GiB, _model("llama-3-8b"), ServeOptions(kv_cache_memory=4 * GiB), 1, 1, BF16)
    # Llama 3 8B's rotary table: 8,192 positions × 128 dims × 2 bytes (bf16) = 2 MiB, loaded with the weights
    rot = 8_192 * 128 * 2
    assert parts == [
        BudgetPart("weights", "weights (this GPU's share)", 16 * GiB,
                   "parameters × weight format, split as vLLM's parallel layers split them"),
        BudgetPart("weights_rotary", "weights: rotary cos/sin cache", rot,
                   "from vLLM's code: get_rope's cos_sin_cache buffer, positions × rotary dim × dtype, "
                   "inside \"Model loading took\" (engines/vllm/loaded.py rotary_cache_bytes)", 0),
        BudgetPart("kv_cache", "KV cache", 4 * GiB,
                   "--kv-cache-memory (vLLM's --kv-cache-memory-bytes): fixed, no estimate"),
        BudgetPart("unused", "left on the card", total - 20 * GiB - rot, ""),
    ]
    # a bad --all2all-backend is refused even where no buffer is charged
    with pytest.raises(KvplanError, match="--all2all-backend must be one of"):
        VLLM().budget(H100, GiB, _model("llama-3-8b"),
                      ServeOptions(kv_cache_memory=GiB, all2all_backend="carrier-pigeon"), 1, 1, BF16)


def test_budget_inside_the_utilization_share():
    # --gpu-memory-utilization 0.5 with every estimate given: the cache gets int(total × 0.5) less
    # weights 16 GiB, activation 1 GiB, CUDA graphs 512 MiB, non-torch 256 MiB
    total = H100.usable_bytes
    opts = ServeOptions(gpu_memory_utilization=0.5, activation_bytes=GiB, cuda_graph_bytes=512 * MiB,
                        non_torch_bytes=256 * MiB)
    parts = VLLM().budget(H100, 16 * GiB, _model("llama-3-8b"), opts, 1, 1, BF16)
    assert [(p.key, p.bytes) for p in parts] == [
        ("weights", 16 * GiB), ("weights_rotary", 2 * MiB),  # 8,192 positions × 128 dims × 2 bytes
        ("activation", GiB), ("cuda_graphs", 512 * MiB), ("non_torch", 256 * MiB),
        ("kv_cache", int(total * 0.5) - 16 * GiB - 2 * MiB - GiB - 768 * MiB),
        ("unused", total - int(total * 0.5))]
    assert parts[-1].source == "(1 − 0.5) × total: outside vLLM's --gpu-memory-utilization share"
    # the default share is 0.9
    parts = VLLM().budget(H100, 16 * GiB, _model("llama-3-8b"), replace(opts, gpu_memory_utilization=None), 1, 1, BF16)
    assert parts[-1] == BudgetPart("unused", "not given to the engine", total - int(total * 0.9),
                                   "(1 − 0.9) × total: outside vLLM's --gpu-memory-utilization share")


def test_budget_charges_the_mxfp4_transform_by_compute_capability():
    from kvplan.engines.vllm import startup

    s = _model("gpt-oss-20b")
    # sm90 grows the MXFP4 experts by 91,065 ppm, sm80 by 111,092 ppm (startup.yaml): the GPU matters
    grow = startup.mxfp4_growth(s, H100)
    assert 0 < grow < startup.mxfp4_growth(s, None)
    parts = VLLM().budget(H100, 12 * GiB, s, ServeOptions(kv_cache_memory=GiB), 1, 1, BF16)
    # ± 20 % of the growth (mxfp4_growth_uncertainty_ppm 200,000): 200,000 × grow // 1,000,000
    assert parts[1] == BudgetPart("weights_transform", "weights: MXFP4 post-load transform", grow,
                                  "fitted on the fit half (engines/vllm/startup.py mxfp4_growth)",
                                  200_000 * grow // 1_000_000)
    # gpt-oss asks get_rope for a float32 table: 4,096 × 32 = 131,072 positions × 64 dims × 4 bytes
    assert parts[2] == BudgetPart("weights_rotary", "weights: rotary cos/sin cache", 131_072 * 64 * 4,
                                  parts[2].source, 0)
    assert [p.key for p in parts] == ["weights", "weights_transform", "weights_rotary", "kv_cache", "unused"]
    # on capability 10.x the growth follows from vLLM's code (startup.mxfp4_growth_sm100): no
    # uncertainty, and the source says so
    from kvplan.sources import catalog

    b200 = catalog.load_gpu("b200")
    parts = VLLM().budget(b200, 12 * GiB, s, ServeOptions(kv_cache_memory=GiB), 1, 1, BF16)
    assert parts[1] == BudgetPart("weights_transform", "weights: MXFP4 post-load transform",
                                  startup.mxfp4_growth_sm100(s),
                                  "from vLLM's code: padded experts, fp32 biases on compute capability "
                                  "10.x (engines/vllm/startup.py mxfp4_growth_sm100)", 0)


def test_a_longrope_model_defaults_to_its_original_length():
    """_get_and_verify_max_len: unset, a LongRoPE model (Phi-3.5 mini: 131,072 positions, original
    4,096) is served at original_max_position_embeddings; a longer one given is taken up to 131,072."""
    from kvplan.engines.vllm import default_max_model_len, max_len_limit

    s = _model("phi-3.5-mini")
    assert (s.rope.type, s.rope.original_max_position, s.max_context) == ("longrope", 4096, 131072)
    assert default_max_model_len(s) == 4096 and max_len_limit(s) == (131072, "max_position_embeddings")
    assert ENGINE.configure(s, None, ServeOptions(), "bf16").max_model_len == 4096
    assert ENGINE.configure(s, None, ServeOptions(max_model_len=131072), "bf16").max_model_len == 131072
    assert default_max_model_len(_model("llama-3.1-8b")) == 131072  # llama3 rope: the derived length
