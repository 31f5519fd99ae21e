"""fit's rules that mutation testing found unguarded (issue 25, session 6): what a set-up answers
where the model cannot start, the weights held twice over tp ranks, the smallest --tp search,
and the request-length comparison (--lengths). Each number is worked out in its comment."""
import pytest

from kvplan.engines import ServeOptions
from kvplan.plan import fit
from kvplan.plan import traffic as tr
from kvplan.sources import catalog


@pytest.fixture(scope="module")
def h100():
    return catalog.load_gpu("h100")


def test_setup_judgement_is_fits_own(h100):
    # Setup.judgement (what compare and sweep ask) must give fit's verdict record, field by field:
    # with and without a context, a context beyond max-model-len (judged without it), a fixed
    # --kv-cache-memory, and a model that cannot start (the refusal's own judgement)
    spec = catalog.load_model("llama-3-8b")
    # (SGLang and TensorRT-LLM: their own start rule, one token of the pool / one block)
    for engine, ctx, opts in (("vllm", 8192, None), ("vllm", None, None),
                              ("vllm", 10_000, ServeOptions(max_model_len=8192)),
                              ("vllm", 4096, ServeOptions(kv_cache_memory=20 * 2**30)),
                              ("vllm", 4096, ServeOptions(kv_cache_memory=58 * 2**30)),
                              ("sglang", 4096, None), ("trtllm", 4096, None),
                              ("sglang", 8192, ServeOptions(max_model_len=8192)),
                              ("sglang", 10_000, ServeOptions(max_model_len=8192)),
                              ("vllm", 4096, ServeOptions(gpu_memory_utilization=0.1))):
        su = fit.setup(spec, h100, engine=engine, ctx=ctx, opts=opts)
        r = fit.fit(spec, h100, engine=engine, ctx=ctx, opts=opts)
        assert su.judgement(ctx) == r.judgement, (engine, ctx, opts)
    # 0.1 × 85.5 GB = 8.6 GB cannot hold 16 GB of weights: the set-up is the refusal
    assert su.report is not None and su.judgement(4096).verdict == "does_not_fit"


def test_fixed_kv_cache_margin_is_what_the_card_has_left(h100):
    # --kv-cache-memory 58 GiB for Llama 3 8B: the cache is fixed, so the margin is the smaller
    # of (58 GiB − one request and the null block) and what the card has left beside the cache,
    # weights, activation and CUDA graphs (the "unused" part, about 1.4 GB here)
    spec = catalog.load_model("llama-3-8b")
    r = fit.fit(spec, h100, ctx=4096, opts=ServeOptions(kv_cache_memory=58 * 2**30))
    left = r.stages[0].part("unused")
    assert 0 < left < 58 * 2**30 - 2**30
    assert r.margin_bytes == left
    # one GPU (tp 1, pp 1) holds nothing twice: no copies
    assert r.copies is None


def test_setup_that_cannot_start_answers_zero(h100):
    # Llama 3.1 405B in bf16 on one H100: 811,706,777,600 bytes of weights on an 85.5 GB card
    su = fit.setup(catalog.load_model("llama-3.1-405b"), h100)
    assert su.report is not None
    assert su.max_batch(1) == 0 and su.max_ctx(1) == 0


def test_setup_max_ctx_is_the_longest_context_the_batch_holds():
    # under vLLM, whose page arithmetic reads the GPU and the model dtype: the answer c for B
    # sequences is the largest context at which B still fit. Jamba on an H200; Mistral 7B on an
    # H100, whose 4,096-token window holds up to 4,096 + 2 × 8,192 tokens a step batches there
    # (2 × 2,048 on a card under 70 GiB): 32 sequences of 14,400 tokens
    for model, gpu, b in (("jamba-v0.1", "h200", 8), ("mistral-7b", "h100", 32)):
        su = fit.setup(catalog.load_model(model), catalog.load_gpu(gpu), batch=b)
        c = su.max_ctx(b)
        assert 1 <= c < su.cap.max_model_len
        assert su.max_batch(c) >= b > su.max_batch(c + 1)


def test_copies_by_hand(h100):
    # Llama 3 8B over tp 2: every projection splits evenly (8 KV heads -> 4 per rank, 128,256
    # vocabulary rows -> 64,128), so what both ranks hold twice is only the norms: 2 RMSNorms of
    # 4,096 per layer × 32 layers + the final 4,096 = 266,240 parameters, with text_only or not
    spec = catalog.load_model("llama-3-8b")
    su = fit.setup(spec, h100, tp=2)
    for text_only in (False, True):
        c = fit.copies(su.spec, su.spec.shard(2), 2, su.stages, None, text_only)
        assert c.parameters == {"norms, embeddings and head": 2 * 4096 * 32 + 4096}
        assert c.parameters["norms, embeddings and head"] == 266_240
    assert fit.fit(spec, h100, tp=2).copies.parameters == {"norms, embeddings and head": 266_240}


def test_copies_count_encoder_towers_once(h100):
    # Gemma 4 26B-A4B's towers: 572,792,112 parameters, even, so tp 2 splits them into two
    # halves of 286,396,056 and they add nothing twice: with the towers (text_only False) or
    # without (True), the replicated parameters are the same
    spec = catalog.load_model("gemma-4-26b-a4b")
    assert spec.encoder_params() == 572_792_112 == 2 * 286_396_056
    got = []
    for text_only in (False, True):
        su = fit.setup(spec, h100, tp=2, text_only=text_only)
        got.append(fit.copies(su.spec, su.spec.shard(2), 2, su.stages, None, text_only).parameters)
    assert got[0] == got[1]


def test_smallest_tp_follows_the_weight_dtype(h100):
    # Llama 3.1 405B: 405,853,388,800 parameters. In fp8 (1 byte each) over tp 8: ~50.7 GB a GPU,
    # which fits an 85.5 GB H100; over tp 4, ~101 GB does not. In bf16 tp 8 is ~101 GB, so 16.
    spec = catalog.load_model("llama-3.1-405b")
    assert fit.fit(spec, h100, weight_dtype="fp8").min_tp == 8
    assert fit.fit(spec, h100).min_tp == 16


def _fixed_lengths(seen):
    def parse(spec, mml, n, seed):
        seen.append(seed)
        return [1000, 1500, 2000], "three requests"
    return parse


def test_traffic_block_sizes_compared(h100, monkeypatch):
    # --lengths compares the engine's own block, every paged engine's default (vLLM 16,
    # TensorRT-LLM 32) and the user's --block-size, each once, in that order
    seen = []
    monkeypatch.setattr(tr, "parse_lengths", _fixed_lengths(seen))
    spec = catalog.load_model("llama-3.1-8b")

    def names(engine, gpu=h100, s=spec, **kw):
        r = fit.fit(s, gpu, engine=engine, opts=ServeOptions(**kw), traffic=fit.Traffic("x", seed=7))
        return [st.name for st in r.traffic]

    # the tight layout has no block of its own: --block-size, else 16
    assert names("ideal") == ["contiguous", "padded", "paged 16", "paged 32", "token"]
    assert fit.fit(spec, h100, engine="ideal", traffic=fit.Traffic("x")).traffic_note == "three requests"
    assert names("ideal", block_size=48) == ["contiguous", "padded", "paged 48", "paged 16", "paged 32", "token"]
    assert seen == [7, None, 7]  # the seed reaches the sampler (None by default: parse_lengths reads it as 0)
    # without --lengths: no strategies and no note about them
    plain = fit.fit(spec, h100, engine="ideal")
    assert plain.traffic == () and plain.traffic_note == ""
    # Jamba under vLLM: the attention block is raised to hold the Mamba state (80 tokens at the
    # default, 128 with --block-size 64); the user's 64 is compared as well
    jamba, h200 = catalog.load_model("jamba-v0.1"), catalog.load_gpu("h200")
    assert names("vllm", h200, jamba) == ["contiguous", "padded", "paged 80", "paged 16", "paged 32", "token"]
    assert names("vllm", h200, jamba, block_size=64) == ["contiguous", "padded", "paged 128", "paged 16",
                                                         "paged 32", "paged 64", "token"]


def test_traffic_shared_prefix_is_stored_once(h100, monkeypatch):
    # three requests of 1,000, 1,500 and 2,000 tokens sharing a 999-token prefix; ideal layout of
    # Llama 3.1 8B: 32 layers × 8 KV heads × 256 values × 2 bytes = 131,072 bytes a token.
    # token granularity: the prefix is stored once instead of three times: 2 × 999 × 131,072
    monkeypatch.setattr(tr, "parse_lengths", _fixed_lengths([]))
    r = fit.fit(catalog.load_model("llama-3.1-8b"), h100, engine="ideal",
                traffic=fit.Traffic("x", shared_prefix=999))
    by = {s.name: s for s in r.traffic}
    assert by["token"].fit_at_once == 3
    assert by["token"].shared_bytes == 2 * 999 * 131_072
    # blocks of 16: whole blocks of the prefix only, 992 tokens (62 blocks)
    assert by["paged 16"].shared_bytes == 2 * 992 * 131_072


def test_smallest_tp_needs_a_positive_budget(h100):
    # Llama 3 8B in the ideal layout (KV budget = the card − the weights). Over tp 2 each GPU
    # holds half of 8,030,261,248 parameters plus the 266,240 norm parameters both keep:
    # 4,015,263,744 × 2 bytes = 8,030,527,488. A card of exactly that leaves 0 bytes at tp 2,
    # which holds no token, so the smallest --tp is 4. The hint is a --tp fit then says fits
    # (session 21): one request of the max context, 8,192 tokens × 32 layers × 4 of the 8 KV heads
    # × 128 × 2 (K, V) × 2 bytes = 536,870,912 bytes at tp 2, must fit too: one byte short of
    # that is still 4, the card that holds it is 2
    spec = catalog.load_model("llama-3-8b")
    assert (8_030_261_248 + 266_240) // 2 * 2 == 8_030_527_488
    assert fit.fit(spec, h100, engine="ideal", tp=2).stages[0].weights_bytes == 8_030_527_488
    assert 8_192 * 32 * 4 * 128 * 2 * 2 == 536_870_912

    def min_tp(mem):
        return fit.fit(spec, h100.model_copy(update={"cuda_memory_bytes": mem}), engine="ideal").min_tp

    assert min_tp(8_030_527_488) == 4
    assert min_tp(8_030_527_489) == 4  # 1 byte of budget holds no request
    assert min_tp(8_030_527_488 + 536_870_912 - 1) == 4
    assert min_tp(8_030_527_488 + 536_870_912) == 2


def test_smallest_tp_with_text_only(h100):
    # Gemma 4 26B-A4B over tp 2: each GPU's text weights w, and its half of the towers
    # (286,396,056 parameters × 2 bytes = 572,792,112 bytes) with them. A card of w + one request
    # of the max context (the hint is a --tp that fit says fits: session 21) holds the text model
    # over tp 2 and starts, but not with the towers as well: the smallest --tp is 2 with
    # --text-only, 4 without
    spec = catalog.load_model("gemma-4-26b-a4b")
    r = fit.fit(spec, h100, engine="ideal", tp=2, text_only=True)
    w = r.stages[0].weights_bytes
    assert fit.fit(spec, h100, engine="ideal", tp=2).stages[0].weights_bytes - w == 572_792_112
    gpu = h100.model_copy(update={"cuda_memory_bytes": w + r.capacity.kv_bytes_per_request})
    assert fit.fit(spec, gpu, engine="ideal", text_only=True).min_tp == 2
    assert fit.fit(spec, gpu, engine="ideal").min_tp == 4


def test_copies_in_bytes(h100):
    # the 266,240 parameters both ranks of Llama 3 8B keep, in bytes: × 2 in bf16, × 1 in fp8
    # (the model is priced in the same format); Gemma 4's towers, split evenly, add nothing
    # twice, and the model's own bytes drop by the towers' 572,792,112 × 2 with --text-only
    spec = catalog.load_model("llama-3-8b")
    assert fit.fit(spec, h100, tp=2).copies.replicated_bytes == 532_480
    assert fit.fit(spec, h100, tp=2, weight_dtype="fp8").copies.replicated_bytes == 266_240
    g = catalog.load_model("gemma-4-26b-a4b")
    full, text = (fit.fit(g, h100, tp=2, text_only=t).copies for t in (False, True))
    assert full.replicated_bytes == text.replicated_bytes
    assert full.model_bytes - text.model_bytes == 2 * 572_792_112


def test_max_batch_with_every_estimate_at_its_error(h100):
    # Llama 3 8B, vLLM, 1,024-token requests: 64 blocks of 2 MiB each (16 tokens a block).
    # max_batch: (KV budget // 2 MiB − the null block) // 64; max_batch_low: the same with the
    # budget less the estimated parts' uncertainties (activation and CUDA graphs)
    r = fit.fit(catalog.load_model("llama-3-8b"), h100, ctx=1024,
                opts=ServeOptions(max_model_len=1024, block_size=16))
    b, u = r.stages[0].kv_budget_bytes, r.judgement.uncertainty_bytes
    assert u == sum(p.uncertainty for p in r.stages[0].budget) > 0
    assert r.max_batch == (b // 2**21 - 1) // 64
    assert r.max_batch_low == ((b - u) // 2**21 - 1) // 64 < r.max_batch


def test_a_context_of_exactly_one_token_fits(h100):
    # Llama 3 8B in the ideal layout: 32 layers × 8 KV heads × (128 + 128) values × 2 bytes =
    # 131,072 bytes a token. A card of the weights (16,060,522,496 bytes) + 131,072 leaves one
    # token: started with --max-model-len 1, one sequence of 1 token fits, and that is the
    # answer to --batch 1
    spec = catalog.load_model("llama-3-8b")
    gpu = h100.model_copy(update={"cuda_memory_bytes": 16_060_522_496 + 131_072})
    one = ServeOptions(max_model_len=1)
    r = fit.fit(spec, gpu, engine="ideal", batch=1, opts=one)
    assert r.max_ctx == 1 and r.fits
    r = fit.fit(spec, gpu, engine="ideal", ctx=1, opts=one)
    assert r.max_batch == 1 and r.fits
    assert fit.setup(spec, gpu, engine="ideal", ctx=1, opts=one).judgement(1) == r.judgement
    assert r.judgement.verdict == "fits"


def test_note_for_a_context_beyond_max_model_len(h100):
    # vLLM rejects a request longer than --max-model-len: said for 8,193 tokens, not for 8,192
    spec = catalog.load_model("llama-3-8b")
    note = "--ctx 8,193 is beyond --max-model-len 8,192: vLLM rejects such requests"
    assert note in fit.fit(spec, h100, ctx=8193, opts=ServeOptions(max_model_len=8192)).notes
    assert not any("beyond" in n for n in fit.fit(spec, h100, ctx=8192, opts=ServeOptions(max_model_len=8192)).notes)


def test_stored_weights_in_the_smallest_tp_and_the_copies(h100):
    # a checkpoint that stores 2 GiB more than Llama 3 8B's computed 16,060,522,496 bytes (used
    # as stored on one GPU only). On a card of the computed bytes + 1 GiB the stored weights do
    # not fit on one GPU; over tp 2 (computed shares, 8,030,527,488 bytes each) they do, so the
    # hint is tp 2, never tp 1 recomputed. Over tp 2 the copies compare computed with computed:
    # the 266,240 norm parameters both ranks keep, × 2 bytes
    from kvplan.model.weights import StoredWeights

    computed = 16_060_522_496
    spec = catalog.load_model("llama-3-8b")
    spec = spec.model_copy(update={"stored_weights": StoredWeights(bytes=computed + 2**31, source="a test")})
    r = fit.fit(spec, h100.model_copy(update={"cuda_memory_bytes": computed + 2**30}), engine="ideal")
    assert r.stages[0].weights_bytes == computed + 2**31
    assert not r.fits and r.min_tp == 2
    assert fit.fit(spec, h100, tp=2).copies.replicated_bytes == 532_480


def test_max_batch_low_only_where_a_part_is_estimated(h100):
    # the pessimistic batch is asked only with --ctx, of a batch that fits, where some part of
    # the budget is estimated: not for the ideal layout (nothing estimated), not without --ctx,
    # not where no request of --ctx fits (vLLM refuses 10,000 tokens beyond --max-model-len 8,192)
    spec = catalog.load_model("llama-3-8b")
    assert fit.fit(spec, h100, engine="ideal", ctx=8192).max_batch_low is None
    assert fit.fit(spec, h100).max_batch_low is None
    r = fit.fit(spec, h100, ctx=10_000, opts=ServeOptions(max_model_len=8192))
    assert r.max_batch == 0 and r.max_batch_low is None
