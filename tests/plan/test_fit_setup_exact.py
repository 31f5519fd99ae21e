"""fit.setup's rules that mutation testing found unguarded (issue 25, session 8): the refusal
messages and records word for word, the exact boundaries of a budget of 0 bytes, weights as a
checkpoint stores them, the notes, the GPUs in all with data and pipeline parallelism, and what
each rank of a tp or pp split holds more than once. Each number is worked out in its comment.

Llama 3 8B (meta-llama/Meta-Llama-3-8B config.json): 32 layers, hidden 4,096, 32 query heads and
8 KV heads of 128, vocabulary 128,256, max_position_embeddings 8,192; 8,030,261,248 parameters,
16,060,522,496 bytes in bf16. Its KV cache: 32 layers × (K + V) × 8 × 128 × 2 bytes = 131,072
bytes per token. The ideal layout charges nothing but the weights: KV budget = card − weights."""
import pytest

from kvplan.engines import Capacity, ServeOptions
from kvplan.errors import KvplanError
from kvplan.model.weights import StoredWeights
from kvplan.plan import fit
from kvplan.plan.verdict import Verdict
from kvplan.sources import catalog

W = 16_060_522_496  # Llama 3 8B's weights in bf16: 8,030,261,248 × 2
GiB = 2**30


@pytest.fixture(scope="module")
def h100():
    return catalog.load_gpu("h100")


@pytest.fixture(scope="module")
def llama():
    return catalog.load_model("llama-3-8b")


def card(gpu, total):
    return gpu.model_copy(update={"cuda_memory_bytes": total})


@pytest.mark.parametrize("kw,message", [({"ctx": 0}, "ctx must be a positive integer, got 0"),
                                        ({"batch": 0}, "batch must be a positive integer, got 0"),
                                        ({"ctx": -5}, "ctx must be a positive integer, got -5")])
def test_context_and_batch_must_be_positive(h100, llama, kw, message):
    with pytest.raises(KvplanError) as e:
        fit.setup(llama, h100, **kw)
    assert str(e.value) == message


def test_a_budget_of_exactly_zero_is_fits_own_refusal(h100, llama):
    # a card of exactly the weights leaves a KV budget of 0: fit refuses it itself (its message,
    # the smallest --tp: 2), and the verdict is the refusal with a margin of 0 and nothing needed
    r = fit.fit(llama, card(h100, W), engine="ideal", ctx=4096)
    assert r.message == ("llama-3-8b does not fit: each GPU needs 16,060,522,496 bytes of weights as loaded "
                         "plus 0 of runtime, more than the 16,060,522,496 bytes ideal may use of the "
                         "16,060,522,496 on h100-sxm-80gb; the smallest --tp that fits is 2")
    assert r.judgement == Verdict("does_not_fit", 0, 0, 0, None, "the engine refuses this set-up")
    assert fit.setup(llama, card(h100, W), engine="ideal", ctx=4096).report is not None
    # one byte more is a budget of 1: the engine's own refusal (one request of 8,192 tokens
    # needs 8,192 × 131,072 = 1,073,741,824 bytes), not fit's
    r = fit.fit(llama, card(h100, W + 1), engine="ideal", ctx=4096)
    assert r.message == "one request of 8,192 tokens needs 1,073,741,824 bytes of cache per GPU; the budget is 1"
    assert r.min_tp is None and r.capacity.kv_bytes_per_request == 8192 * 131_072


def test_refusal_record_field_by_field(h100):
    # Llama 3.1 405B in bf16 (811 GB) on one H100 PCIe (an estimated total, which says so in a
    # note): the refusal's capacity is all zeros at the model's 131,072-token context, its
    # answers 0 where asked (batch 0 for --ctx, context 0 for --batch) and None where not
    spec, gpu = catalog.load_model("llama-3.1-405b"), catalog.load_gpu("h100-pcie")
    r = fit.fit(spec, gpu, ctx=4096, batch=2)
    assert r.capacity == Capacity(False, 131_072, 0, 0.0, 0, r.message)
    assert r.message.startswith("llama-3.1-405b does not fit: each GPU needs ")
    assert r.notes == (f"{gpu.name}: no CUDA total observed; its total is the capacity sold less 1,736 MiB, "
                       "the largest shortfall observed on a catalog GPU, so the budget may be a little off "
                       "either way (an estimated term)",)
    assert (r.max_batch, r.max_ctx, r.verdict, r.world) == (0, 0, "does_not_fit", 1)
    none = fit.fit(spec, gpu)
    assert (none.max_batch, none.max_ctx) == (None, None)
    # the set-up behind it is the same set-up (sweep reads its engine and stages)
    su = fit.setup(spec, gpu, ctx=4096, batch=2)
    assert su.report == r and su.cap == r.capacity and su.stages == r.stages
    assert (su.spec.name, su.gpu, su.eng.name, su.opts, su.kv_fmt.name) == ("llama-3.1-405b", gpu, "vllm",
                                                                             ServeOptions(), "bf16")
    assert len(su.workers) == 1 and su.notes == list(r.notes) and su.common["world"] == 1


def test_kv_cache_memory_beyond_the_card_field_by_field(h100, llama):
    # --kv-cache-memory 1 GiB beside 16,060,522,496 bytes of weights on a card of W + 1 GiB − 5:
    # 5 bytes short. The cache is fixed, so the margin is what the card has left: −5
    opts = ServeOptions(kv_cache_memory=GiB, data_parallel_size=2)
    gpu = card(h100, W + GiB - 5)
    r = fit.fit(llama, gpu, engine="ideal", ctx=4096, batch=2, opts=opts)
    msg = ("--kv-cache-memory 1,073,741,824 bytes plus 16,060,522,496 of weights as loaded is 5 bytes more than the "
           "17,134,264,315 on h100-sxm-80gb")
    assert (r.message, r.max_batch, r.max_ctx, r.world) == (msg, 0, 0, 2)
    assert r.capacity == Capacity(False, 8192, 0, 0.0, 0, msg)
    assert r.judgement == Verdict("does_not_fit", -5, 0, 0, None, "short by 0.00 GiB of KV budget")
    assert r.notes == ("per rank: attention tp 1 × 2 replica(s); routed experts over 1 EP rank(s), each split tp 2; "
                       "2 GPUs; the budget and KV figures are one rank's (the fullest), the capacity one attention "
                       "replica's",)
    none = fit.fit(llama, gpu, engine="ideal", opts=opts)
    assert (none.max_batch, none.max_ctx) == (None, None)
    su = fit.setup(llama, gpu, engine="ideal", ctx=4096, batch=2, opts=opts)
    assert su.report == r and su.cap == r.capacity and su.stages == r.stages
    assert (su.spec.name, su.gpu, su.eng.name, su.opts, su.kv_fmt.name) == ("llama-3-8b", gpu, "ideal", opts, "bf16")
    assert len(su.workers) == 1 and su.notes == list(r.notes) and su.common["world"] == 2
    # exactly the cache and the weights (0 bytes left), or 1 byte more: it fits (8,192 tokens
    # × 131,072 bytes = the 1 GiB cache)
    for extra in (0, 1):
        ok = fit.fit(llama, card(h100, W + GiB + extra), engine="ideal", ctx=4096,
                     opts=ServeOptions(kv_cache_memory=GiB))
        assert ok.fits and ok.message is None and ok.max_batch == 2, extra  # 8,192 // 4,096


def test_gpus_in_all_with_data_and_pipeline_parallelism(h100, llama):
    # vLLM, tp 1 × data parallel 2 × pp 2: 2 × 2 = 4 GPUs, said in the note and the report
    r = fit.fit(llama, h100, pp=2, opts=ServeOptions(data_parallel_size=2))
    assert r.world == r.gpus == 4
    assert r.notes == ("per rank: attention tp 1 × 2 replica(s); routed experts over 1 EP rank(s), each split tp 2; "
                       "4 GPUs; the budget and KV figures are one rank's (the fullest), the capacity one attention "
                       "replica's",)
    # vLLM's expert parallelism: its all-to-all buffers are modelled (engines/vllm/ep_buffers.py),
    # so its note does not say they are not; SGLang's does
    qwen = catalog.load_model("qwen3-30b-a3b")
    v = fit.fit(qwen, h100, tp=2, opts=ServeOptions(enable_expert_parallel=True))
    assert v.notes == ("per rank: attention tp 2 × 1 replica(s); routed experts over 2 EP rank(s); 2 GPUs; the "
                       "budget and KV figures are one rank's (the fullest), the capacity one attention replica's",)
    s = fit.fit(qwen, h100, tp=2, engine="sglang", opts=ServeOptions(ep_size=2))
    assert s.notes == (v.notes[0] + "; the all-to-all buffers of expert parallelism are not modelled",)


def test_pipeline_stage_holds_only_its_layers(h100, llama):
    # ideal layout, pp 2: each stage's cache is its 16 layers: one request of 8,192 tokens takes
    # 8,192 × 16 × 2 × 8 × 128 × 2 = 536,870,912 bytes on a GPU (half of the 32 layers' 1 GiB)
    r = fit.fit(llama, h100, engine="ideal", pp=2, ctx=1000)
    assert r.capacity.kv_bytes_per_request == 536_870_912
    assert [len(w.spec.layers) for w in fit.setup(llama, h100, engine="ideal", pp=2).workers] == [16, 16]


def test_copies_of_replicated_kv_heads(h100, llama):
    # tp 16 over 8 KV heads: each rank keeps one KV head whole, so K and V (4,096 × 128 each per
    # rank) are held 16 times instead of 8: 32 layers × 2 × 4,096 × 128 × (16 − 8) = 268,435,456
    # extra parameters; the norms every rank keeps: 15 extra copies of (2 × 4,096 × 32 + 4,096)
    r = fit.fit(llama, h100, tp=16, engine="ideal")
    assert r.copies.parameters == {"full mixer": 268_435_456, "norms, embeddings and head": 15 * 266_240}
    assert 32 * 2 * 4096 * 128 * 8 == 268_435_456


def test_copies_of_a_tied_head_over_pipeline_stages(h100):
    # Gemma 2 9B ties its embeddings: over pp 2 (tp 1) the last stage keeps its own copy of the
    # 256,000 × 3,584 embedding matrix as its LM head: 917,504,000 parameters held twice
    r = fit.fit(catalog.load_model("gemma-2-9b"), h100, pp=2, engine="ideal")
    assert 256_000 * 3584 == 917_504_000
    assert r.copies.parameters == {"norms, embeddings and head": 917_504_000}


def test_vllm_engine_is_made_for_the_gpu_the_dtype_and_the_stages(h100, llama):
    # vLLM's batch defaults for `vllm serve` on a card of >= 70 GiB that is not an A100: 1,024
    # sequences (EngineArgs.get_batch_defaults): 100-token requests are capped there
    assert fit.fit(llama, h100, ctx=100).max_batch == 1024
    # pp 2: pp + 1 = 3 batches of 8,192 tokens in flight (VllmConfig.max_concurrent_batches)
    assert fit.setup(catalog.load_model("mistral-7b"), h100, pp=2).eng.cfg.in_flight_tokens == 3 * 8192
    # Falcon's attention ignores --kv-cache-dtype: the cache stays in the model's bf16, said once
    r = fit.fit(catalog.load_model("falcon-7b"), h100, kv_dtype="fp8", ctx=100)
    assert r.kv_dtype == "bf16"
    assert r.notes == ("vLLM's falcon attention ignores --kv-cache-dtype: its cache stays bf16 "
                       "(model_executor/models/falcon.py FalconAttention: the rotary and ALiBi paths build "
                       "Attention without cache_config)",)


def test_weight_dtype_names_and_prices(h100, llama):
    # --weight-dtype fp8: the report names the format it priced
    assert fit.fit(llama, h100, engine="ideal", weight_dtype="fp8").weight_dtype == "fp8_e4m3"
    # gpt-oss-20b's checkpoint is mxfp4; --weight-dtype bf16 prices every parameter at 2 bytes
    gpt = catalog.load_model("gpt-oss-20b")
    r = fit.fit(gpt, h100, engine="ideal", weight_dtype="bf16")
    assert (r.weight_dtype, r.stages[0].weights_bytes) == ("bf16", gpt.parameters() * 2)


def stored_llama(llama):
    # a checkpoint of 20,000,000,000 bytes, 1,000,000,000 of them a vision tower
    st = StoredWeights(bytes=20_000_000_000, source="a test", part_bytes={"vision tower": 1_000_000_000},
                       dtype_bytes={"BF16": 20_000_000_000})
    return llama.model_copy(update={"stored_weights": st})


def test_weights_as_stored_on_one_gpu(h100, llama):
    spec = stored_llama(llama)
    r = fit.fit(spec, h100, engine="ideal")
    assert (r.weight_dtype, r.stages[0].weights_bytes) == ("as stored (BF16)", 20_000_000_000)
    assert r.notes == ("weights: 20,000,000,000 bytes as stored, read from a test",)
    # --text-only leaves the towers' 1,000,000,000 bytes out
    r = fit.fit(spec, h100, engine="ideal", text_only=True)
    assert r.stages[0].weights_bytes == 19_000_000_000
    assert r.notes == ("weights: 19,000,000,000 bytes as stored, read from a test",)
    # --weight-dtype prices the parameters instead: 8,030,261,248 × 2; nothing as stored
    r = fit.fit(spec, h100, engine="ideal", weight_dtype="bf16")
    assert (r.weight_dtype, r.stages[0].weights_bytes, r.notes) == ("bf16", W, ())


@pytest.mark.parametrize("tp,pp", [(2, 1), (1, 2)])
def test_weights_as_stored_not_split(h100, llama, tp, pp):
    # over tp 2 or pp 2 each GPU's share is computed, and the report says so
    r = fit.fit(stored_llama(llama), h100, engine="ideal", tp=tp, pp=pp)
    assert r.weight_dtype == "bf16"
    assert r.notes == ("weights as stored (20,000,000,000 bytes) are used on one GPU only; each GPU's share over "
                       f"tp {tp} × pp {pp} is computed from the architecture",)


def test_weights_as_stored_not_read_where_the_engine_converts_them(h100, llama):
    # an fp32 checkpoint under vLLM, which runs it in bf16: the stored bytes are not what loads
    spec = stored_llama(llama).model_copy(update={"dtype": "fp32"})
    r = fit.fit(spec, h100)
    assert r.stages[0].weights_bytes == W
    assert r.notes == ("vllm keeps this fp32 model in bf16 by default (cache and weights)",
                       "weights as stored are fp32; vllm runs them in bf16, so they are computed, not read")


def test_weights_as_stored_are_not_used_over_data_parallel_moe_ranks(h100):
    # vLLM's data parallelism without EP splits the routed experts tp over all 2 GPUs, so
    # one GPU's share is computed (the same as with no checkpoint read), not the stored whole
    qwen = catalog.load_model("qwen3-30b-a3b")
    st = StoredWeights(bytes=70_000_000_000, source="a test")
    opts = ServeOptions(data_parallel_size=2)
    computed = fit.fit(qwen, h100, engine="ideal", opts=opts).stages[0].weights_bytes
    r = fit.fit(qwen.model_copy(update={"stored_weights": st}), h100, engine="ideal", opts=opts)
    assert r.stages[0].weights_bytes == computed < qwen.weight_bytes()[0] < 70_000_000_000


def test_setup_counts_the_encoder_towers_by_default():
    # Gemma 4 26B-A4B: 25,233,141,760 text parameters and 572,792,112 of towers, loaded on the
    # first stage unless --text-only (setup's own default, as sweep calls it)
    vlm, h200 = catalog.load_model("gemma-4-26b-a4b"), catalog.load_gpu("h200")
    su = fit.setup(vlm, h200)
    assert su.stages[0].parameters == vlm.parameters() + 572_792_112 == 25_805_933_872
    assert su.notes == ["weights include 572,792,112 parameters of encoder towers (--text-only leaves them out, "
                        "as an engine told to skip them does)"]


def test_lengths_sampled_for_the_report(h100, llama):
    # --lengths uniform:1-100000 with 7 requests, clipped to --max-model-len 8,192 (no stub:
    # traffic.parse_lengths itself)
    r = fit.fit(llama, h100, traffic=fit.Traffic("uniform:1-100000", requests=7),
                opts=ServeOptions(max_model_len=8192))
    assert r.traffic_note.startswith("7 requests sampled from uniform:1-100000 (seed 0), ")
    assert r.traffic_note.endswith(" clipped to [1, 8,192]")


@pytest.mark.parametrize("engine,per_block,batch_blocks,null", [
    ("sglang", 131_072, 4096, 0),  # SGLang: a pool of 1-token cells; 4,096 cells a request
    ("trtllm", 32 * 131_072, 4096 // 32, 0),  # TensorRT-LLM: 32-token blocks, 128 a request
    ("vllm", 16 * 131_072, 4096 // 16, 1)])  # vLLM: 16-token blocks, 256 a request, less the null block
def test_pessimistic_setup_recounts_the_cache(h100, llama, engine, per_block, batch_blocks, null):
    # the pessimistic set-up takes every estimated part's uncertainty off the KV budget and asks
    # the engine again: its cache holds (KV budget − uncertainty) // block bytes, and requests of
    # 4,096 tokens fit that // blocks per request (Llama 3 8B: 131,072 bytes a token)
    su = fit.setup(llama, h100, engine=engine, ctx=4096)
    low = su.pessimistic()
    kv = su.workers[0].kv_budget_bytes
    unc = sum(p.uncertainty for p in su.workers[0].budget)
    assert unc > 0
    assert su.max_batch(4096) == (kv // per_block - null) // batch_blocks
    assert low.max_batch(4096) == ((kv - unc) // per_block - null) // batch_blocks < su.max_batch(4096)
    assert low.cap.kv_cache_tokens == (kv - unc) // per_block * (per_block // 131_072) < su.cap.kv_cache_tokens


def test_roofline_reads_one_gpus_parameters(h100, llama):
    # the roofline prices one GPU's weights with fit's stage_parameters (no encoder towers by
    # default): Llama 3 8B on one GPU reads 8,030,261,248 × 2 bytes a step
    from kvplan.plan.perf import Roofline

    assert Roofline(llama, h100, 1, "bf16", None).weights_bytes == W


def test_refusal_of_a_model_that_states_no_context(h100, llama):
    # a config without max_position_embeddings and no --max-model-len: the refusal's capacity
    # says a max model length of 0 (nothing known), in both of fit's own refusals
    big = catalog.load_model("llama-3.1-405b").model_copy(update={"max_context": None})
    r = fit.fit(big, h100, engine="ideal")
    assert r.capacity == Capacity(False, 0, 0, 0.0, 0, r.message)
    small = llama.model_copy(update={"max_context": None})
    r = fit.fit(small, card(h100, W + GiB - 5), engine="ideal", opts=ServeOptions(kv_cache_memory=GiB))
    assert r.capacity == Capacity(False, 0, 0, 0.0, 0, r.message)
    assert r.message.endswith("is 5 bytes more than the 17,134,264,315 on h100-sxm-80gb")


def test_data_parallel_experts_priced_in_the_weight_dtype(h100):
    # Qwen3-30B-A3B: 48 layers × 128 experts × 3 × 2,048 × 768 = 28,991,029,248 routed
    # parameters. vLLM's data parallel 2 (no EP) splits them tp 2 over both GPUs, so each GPU
    # holds all 30,532,122,624 parameters less half the experts, at 1 byte each in fp8
    qwen = catalog.load_model("qwen3-30b-a3b")
    assert 48 * 128 * 3 * 2048 * 768 == 28_991_029_248
    r = fit.fit(qwen, h100, engine="ideal", weight_dtype="fp8", opts=ServeOptions(data_parallel_size=2))
    assert r.stages[0].weights_bytes == qwen.parameters() - 28_991_029_248 // 2 == 16_036_608_000


def test_sglang_ep_size_holds_whole_experts(h100):
    # gpt-oss-20b (24 layers, 32 experts, hidden 2,880, expert biases) on SGLang tp 2: without
    # --ep-size each rank holds half of every expert but each expert's down-projection bias
    # (2,880) whole; with --ep-size 2 it holds 16 whole experts. The difference: the 16 biases
    # of the other rank's experts, 24 × 16 × 2,880 × 2 bytes = 2,211,840
    g = catalog.load_model("gpt-oss-20b")
    tp = fit.fit(g, h100, engine="sglang", tp=2).stages[0].weights_bytes
    ep = fit.fit(g, h100, engine="sglang", tp=2, opts=ServeOptions(ep_size=2)).stages[0].weights_bytes
    assert tp - ep == 24 * 16 * 2880 * 2 == 2_211_840


def test_weight_format_named_from_the_architecture_over_tp(h100):
    # a checkpoint read for gpt-oss-20b, over tp 2: each share is computed, and named as the
    # quantization config says (mxfp4 experts, the rest bf16), not "as stored"
    g = catalog.load_model("gpt-oss-20b")
    gs = g.model_copy(update={"stored_weights": StoredWeights(bytes=13_000_000_000, source="a test")})
    assert fit.fit(gs, h100, engine="ideal", tp=2).weight_dtype == "bf16 + mxfp4 experts"


def test_pessimistic_setup_is_the_same_engine_on_the_same_gpu(h100):
    # the pessimistic capacity is asked with the same GPU and model dtype as fit's own: vLLM's
    # batch defaults on an H100 (8,192 tokens, 1,024 sequences: EngineArgs.get_batch_defaults),
    # and Falcon's cache in bf16 whatever --kv-cache-dtype says: 16 tokens × 32 layers × (K + V)
    # × 1 KV head × 64 × 2 bytes = 131,072 bytes a block (65,536 in fp8)
    su = fit.setup(catalog.load_model("falcon-7b"), h100, kv_dtype="fp8", ctx=100)
    low = su.pessimistic()
    assert low is not su and low.cap.kv_cache_tokens < su.cap.kv_cache_tokens
    d = low.cap.detail
    assert (d["max_num_batched_tokens"], d["max_num_seqs"]) == (8192, 1024)
    assert d["bytes_per_block"] == 16 * 32 * 2 * 64 * 2 == 131_072
