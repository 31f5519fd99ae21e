"""Issue 25: llama.cpp's engine methods (engines/llamacpp.py) as whole records: the default settings
when ``for_model`` was not called (``kvplan validate`` asks ``engines.get("llamacpp").hold`` so), each
layer kind's holding, the budget and the capacity under -ngl / -nkvo, and the batch search at its
edges. Every number is worked by hand beside it; the byte rules themselves are the ones
test_llamacpp_golden.py checks against llama.cpp's own constructors (tests/golden/llamacpp_0c1e57098.json).

Llama-3.1-8B throughout the -ngl part: 32 layers of 8 KV heads × 128; an f16 cell of one layer is
2 (K, V) × 8 × 128 × 2 bytes = 4,096. Parameters (kvplan's spec): embeddings 525,336,576, a layer
218,112,000, final norm 4,096, LM head 525,336,576: 8,030,261,248 in all, 16,060,522,496 bytes in bf16.
-ngl 20: i_gpu_start = 32 + 1 − 20 = 13 (llama-model.cpp load_tensors), layers 13-31 (19) and the
output on the GPU: 19 × 218,112,000 + 4,096 + 128,256 × 4,096 = 4,669,468,672 parameters,
9,338,937,344 bytes; the host keeps the embeddings and layers 0-12: 525,336,576 + 13 × 218,112,000 =
3,360,792,576 parameters, 6,721,585,152 bytes. One 8,192-token request (n_ctx = pad(8,192) = 8,192
cells): G = 19 × 8,192 × 4,096 = 637,534,208 bytes of cache on the GPU, H = 13 × 8,192 × 4,096 =
436,207,616 in host memory.
"""
from types import SimpleNamespace

import pytest

from kvplan.engines import llamacpp as L
from kvplan.engines import llamacpp_offload as off
from kvplan.engines.base import BudgetPart, Capacity, Holding, ServeOptions, Worker
from kvplan.errors import KvplanError
from kvplan.model import dtypes
from kvplan.model.kinds import StateTensor
from kvplan.sources import catalog

F16 = dtypes.get("fp16")
G, H = 19 * 8192 * 4096, 13 * 8192 * 4096
GPU_W, HOST_W = 9_338_937_344, 6_721_585_152
WEIGHTS = 2 * 8_030_261_248
SRC = "llama-model.cpp load_tensors: i_gpu_start = n_layer + 1 − ngl; the token embeddings stay on the CPU"


def _raises(msg, f, *args):
    with pytest.raises(KvplanError) as e:
        f(*args)
    assert str(e.value) == msg


def _mixer(model, lt):
    return catalog.load_model(model).layer_types[lt].mixer


@pytest.fixture(scope="module")
def llama():
    return catalog.load_model("llama-3.1-8b")


# --- the default settings (no for_model) ---------------------------------------------------------
def test_default_settings_record():
    # llama-server's defaults: --ubatch-size 512, no --swa-full, flash attention on, the window
    # kept, no widest-V padding (flash attention stores V untransposed); K and V in the --kv-dtype
    assert L.ENGINE.cfg is None
    assert L.ENGINE._cfg("bf16", "q8_0") == L.Config("q8_0", "q8_0", 512, False, True, False, 0, "bf16")
    assert L.ENGINE._cfg("fp16", "bf16") == L.Config("bf16", "bf16", 512, False, True, False, 0, "fp16")
    assert L.ENGINE.kv_formats("q8_0") == ("q8_0", "q8_0") and L.ENGINE.kv_formats("fp32") == ("fp32", "fp32")
    # llama.cpp caches in f16 whatever the checkpoint (fit's note prints this name)
    assert L.ENGINE.run_dtype(catalog.load_model("llama-3.1-8b"), None) == "fp16"


def test_default_hold_of_each_kind():
    e = L.ENGINE
    # full attention, 1,000 tokens in q8_0: one stream of pad(1,000) = 1,024 cells, K and V rows
    # of 8 KV heads × 128 = 1,024 values
    assert e.hold(_mixer("llama-3.1-8b", "full"), 1000, "bf16", "q8_0") == Holding(
        [(1, 1024), (1, 1024)], 1024, formats=("q8_0", "q8_0"))
    # Gemma 2's sliding layer (window 4,096) at 8,192 tokens: pad(min(8,192, 4,096 + n_ubatch 512))
    # = 4,608 cells (llama-kv-cache-iswa.cpp); 8 KV heads × 256 = 2,048 values a row
    assert e.hold(_mixer("gemma-2-9b", "local"), 8192, "bf16", "fp16") == Holding(
        [(1, 2048), (1, 2048)], 4608, formats=("fp16", "fp16"))
    # a context below n_ubatch clamps it: 300 tokens -> n_ubatch 300, pad(min(512, 4,096 + 300)) = 512
    assert e.hold(_mixer("gemma-2-9b", "local"), 300, "bf16", "fp16").tokens == 512
    # MLA: one K row of kv_lora_rank 512 + rope 64 = 576 values
    assert e.hold(_mixer("deepseek-v2-lite", "dense"), 1000, "bf16", "fp16") == Holding(
        [(1, 576)], 1024, formats=("fp16",))
    # a layer without a cache (Nemotron-H's MLP layers) holds nothing
    assert e.hold(_mixer("nemotron-h-56b", "mlp"), 1000, "bf16", "fp16") == Holding([], 0)


def test_recurrent_state_is_f32_whatever_the_cache_type():
    e = L.ENGINE
    # llama-memory-recurrent.cpp: r (conv) and s (state) tensors are f32, one cell per slot.
    # Jamba's Mamba-1: conv (4 − 1) × inner 8,192 = 24,576; state inner 8,192 × 16 = 131,072
    assert e.hold(_mixer("jamba-v0.1", "mamba-dense"), 1000, "bf16", "q8_0") == Holding(
        [], 0, [StateTensor(name="conv", elements=24_576, dtype="fp32"),
                StateTensor(name="ssm", elements=131_072, dtype="fp32")])
    # Nemotron-H's Mamba-2: conv channels 256 × 64 + 2 × 8 groups × 256 = 20,480, × 3 = 61,440;
    # state 256 heads × 64 × 256 = 4,194,304 (the golden record's 54 layers: 13,271,040 and
    # 905,969,664 bytes = 54 × 61,440 × 4 and 54 × 4,194,304 × 4)
    assert e.hold(_mixer("nemotron-h-56b", "mamba"), 1000, "bf16", "fp16") == Holding(
        [], 0, [StateTensor(name="conv", elements=61_440, dtype="fp32"),
                StateTensor(name="ssm", elements=4_194_304, dtype="fp32")])
    # Qwen3-Next's Gated DeltaNet: conv channels 2 × 16 × 128 (q, k) + 32 × 128 (v) = 8,192, × 3
    # = 24,576; the delta-rule state 32 value heads × 128 × 128 = 524,288
    assert e.hold(_mixer("qwen3-next-80b-a3b", "linear"), 1000, "bf16", "fp16") == Holding(
        [], 0, [StateTensor(name="conv", elements=24_576, dtype="fp32"),
                StateTensor(name="ssm", elements=524_288, dtype="fp32")])


def test_unified_hold_and_the_state_of_every_slot():
    s = catalog.load_model("nemotron-h-56b")
    u = L.ENGINE.for_model(s, None, ServeOptions(parallel=4, kv_unified=True), "fp16", "bf16")
    # --parallel 4 --kv-unified: one stream, but the recurrent memory keeps one cell per slot
    # (mem_size = max(1, n_seq_max)): 4 × 61,440 and 4 × 4,194,304 elements, in one copy
    held, streams = u.hold_batch(s.layer_types["mamba"].mixer, 1000, 2, "bf16", "fp16")
    assert streams == 1
    assert held == Holding([], 0, [StateTensor(name="conv", elements=4 * 61_440, dtype="fp32"),
                                   StateTensor(name="ssm", elements=4 * 4_194_304, dtype="fp32")])
    # hold() is a batch of one: --kv-unified without --parallel gives one slot and one stream of
    # pad(1,000) = 1,024 cells (a batch of 2 would pad 2,000 to 2,048)
    one = L.ENGINE.for_model(s, None, ServeOptions(kv_unified=True), "fp16", "bf16")
    assert one.hold(s.layer_types["attention"].mixer, 1000, "bf16", "fp16") == Holding(
        [(1, 1024), (1, 1024)], 1024, formats=("fp16", "fp16"))


def test_streams_are_whole_cells():
    cfg = L.Config("fp16", "fp16", 512, False, True, False, 0, "bf16")
    # 1,000 × 3: pad(3,000) = 3,072 cells, 3,072 // 3 = 1,024 a slot: an int, not 1,024.0
    got = L._streams(1000, 3, cfg)
    assert got == (3, 3, 1024, 512) and all(type(x) is int for x in got)


def test_for_model_takes_the_kv_dtype_and_a_stage_without_attention(llama):
    # no --cache-type-k/-v: both from --kv-dtype
    assert L.ENGINE.for_model(llama, None, ServeOptions(), "q8_0", "bf16").cfg == L.Config(
        "q8_0", "q8_0", 512, False, True, False, 1024, "bf16")
    # Nemotron-H's first two layers (Mamba-2, MLP) as a stage of their own: no layer with KV
    # heads, so the widest V row is 0
    sub = off.layers(catalog.load_model("nemotron-h-56b"), 0, 2)
    assert L.ENGINE.for_model(sub, None, ServeOptions(), "fp16", "bf16").cfg.v_max == 0


# --- the budget -----------------------------------------------------------------------------------
def test_budget_without_offload(llama):
    gpu = SimpleNamespace(usable_bytes=10_000)
    w = BudgetPart("weights", "weights", 1000, "parameters × weight format; compute buffers not counted")
    # the whole card less the weights: 10,000 − 1,000 = 9,000 (L.ENGINE has no settings: no -ngl)
    assert L.ENGINE.budget(gpu, 1000, llama, ServeOptions(), 1, 1, F16) == [
        w, BudgetPart("kv_cache", "KV cache", 9000, "total × 1 − the parts above"),
        BudgetPart("unused", "not given to the engine", 0, "")]
    # --gpu-memory-utilization 0.5: 5,000 − 1,000 = 4,000 for the cache, 5,000 outside
    assert [p.bytes for p in L.ENGINE.budget(gpu, 1000, llama, ServeOptions(gpu_memory_utilization=0.5),
                                             1, 1, F16)] == [1000, 4000, 5000]


def _engine(spec, **kw):
    return L.ENGINE.for_model(spec, None, ServeOptions(**kw), "fp16", "bf16")


def test_budget_under_ngl(llama):
    e = _engine(llama, n_gpu_layers=20)
    gpu = SimpleNamespace(usable_bytes=GPU_W + 3 * G)
    assert e.budget(gpu, WEIGHTS, llama, ServeOptions(), 1, 1, F16) == [
        BudgetPart("weights", "weights on the GPU (19 of 32 layers + output)", GPU_W, SRC),
        BudgetPart("kv_cache", "KV cache", 3 * G, "total × 1 − the parts above"),
        BudgetPart("unused", "not given to the engine", 0, "")]
    # --kv-cache-memory fixes the cache; the rest of the card is "left on the card"
    assert e.budget(gpu, WEIGHTS, llama, ServeOptions(kv_cache_memory=G), 1, 1, F16)[1:] == [
        BudgetPart("kv_cache", "KV cache", G, "--kv-cache-memory (vLLM's --kv-cache-memory-bytes): fixed, no estimate"),
        BudgetPart("unused", "left on the card", 2 * G, "")]
    # -ngl 0: no layer and no output on the GPU, no weights there
    z = _engine(llama, n_gpu_layers=0)
    assert z.budget(gpu, WEIGHTS, llama, ServeOptions(), 1, 1, F16)[0] == BudgetPart(
        "weights", "weights on the GPU (0 of 32 layers)", 0, SRC)


# --- capacity under -ngl / -nkvo ------------------------------------------------------------------
def _cap(spec, usable, opts, **kw):
    e = _engine(spec, **kw)
    budget = e.budget(SimpleNamespace(usable_bytes=usable), WEIGHTS, spec, opts, 1, 1, F16)
    return e.capacity([Worker(spec, budget)], None, opts, F16, "bf16")


def _detail(host_memory, kv_gpu=G, kv_host=H, ngl=20, start=13, layers=19, output=True, kv_on=True,
            gpu_w=GPU_W, host_w=HOST_W):
    return {"placement": {
        "n_gpu_layers": ngl, "n_layer": 32, "gpu_layers": layers, "first_gpu_layer": start,
        "output_on_gpu": output, "kv_offload": kv_on, "weights_gpu_bytes": gpu_w, "weights_host_bytes": host_w,
        "kv_gpu_bytes_per_request": kv_gpu, "kv_host_bytes_per_request": kv_host,
        "host_memory_bytes": host_memory, "llamacpp_commit": "0c1e57098"}}


EXPLAIN_20 = ("-ngl 20: i_gpu_start = max(32 + 1 − 20, 0) = 13; layers 13-31 on the GPU, output too",
              "cache of one 8,192-token request: 637,534,208 bytes on the GPU, 436,207,616 in host memory")


def test_capacity_under_ngl_whole(llama):
    # GPU budget 3 G, host 2 H beside the host's weights: min(3, 2) = 2 requests, 16,384 tokens
    host = HOST_W + 2 * H
    o = ServeOptions(max_model_len=8192, host_memory=host)
    assert _cap(llama, GPU_W + 3 * G, o, n_gpu_layers=20) == Capacity(
        True, 8192, 16384, 2.0, G, None, detail=_detail(host), explain=EXPLAIN_20)
    # no --host-memory: only the GPU bounds it, 3 requests
    o = ServeOptions(max_model_len=8192)
    assert _cap(llama, GPU_W + 3 * G, o, n_gpu_layers=20) == Capacity(
        True, 8192, 24576, 3.0, G, None, detail=_detail(None), explain=EXPLAIN_20)


def test_capacity_under_ngl_at_the_edges(llama):
    # exactly one request on each side fits (>=, not >)
    o = ServeOptions(max_model_len=8192, host_memory=HOST_W + H, kv_cache_memory=G)
    c = _cap(llama, GPU_W + 3 * G, o, n_gpu_layers=20)
    assert (c.fits, c.kv_cache_tokens, c.max_concurrency, c.message) == (True, 8192, 1.0, None)
    # one byte short on the GPU: refused with the GPU's figures, (G − 1) / G of a request
    o = ServeOptions(max_model_len=8192, host_memory=HOST_W + 2 * H, kv_cache_memory=G - 1)
    c = _cap(llama, GPU_W + 3 * G, o, n_gpu_layers=20)
    assert (c.fits, c.kv_cache_tokens, c.max_concurrency) == (False, 8191, (G - 1) / G)
    assert c.message == ("one request of 8,192 tokens needs 637,534,208 bytes of cache on the GPU; "
                         "the budget is 637,534,207")
    # one byte short in host memory (the GPU has room for 3): refused with the host's figures
    o = ServeOptions(max_model_len=8192, host_memory=HOST_W + H - 1)
    c = _cap(llama, GPU_W + 3 * G, o, n_gpu_layers=20)
    assert (c.fits, c.kv_cache_tokens, c.max_concurrency) == (False, 8191, (H - 1) / H)
    assert c.message == ("one request of 8,192 tokens needs 436,207,616 bytes of cache in host memory beside "
                         "6,721,585,152 of weights; --host-memory is 7,157,792,767")


def test_capacity_with_the_cache_in_host_memory(llama):
    # -nkvo alone: every layer and the output on the GPU (n_gpu_layers = 33), the whole cache on
    # the host: 32 × 8,192 × 4,096 = 1,073,741,824 bytes a request; of the weights only the token
    # embeddings stay on the host, 2 × 525,336,576 = 1,050,673,152 bytes
    hk, emb = 32 * 8192 * 4096, 2 * 525_336_576
    o = ServeOptions(max_model_len=8192, host_memory=emb + 2 * hk)
    c = _cap(llama, WEIGHTS + 10, o, no_kv_offload=True)
    assert c == Capacity(True, 8192, 16384, 2.0, 0, None,
                         detail=_detail(emb + 2 * hk, 0, hk, 33, 0, 32, True, False, WEIGHTS - emb, emb),
                         explain=("-ngl 33: i_gpu_start = max(32 + 1 − 33, 0) = 0; layers 0-31 on the GPU, "
                                  "output too",
                                  "cache of one 8,192-token request: 0 bytes on the GPU, 1,073,741,824 in host "
                                  "memory (-nkvo)"))
    # no --host-memory: nothing bounds it: infinite concurrency, 0 tokens counted
    c = _cap(llama, WEIGHTS + 10, ServeOptions(max_model_len=8192), no_kv_offload=True)
    assert (c.fits, c.kv_cache_tokens, c.max_concurrency, c.message) == (True, 0, float("inf"), None)
    # -ngl 0: the output stays on the host too; the explanation says no "output too"
    c = _cap(llama, 10 + 0, ServeOptions(max_model_len=8192, host_memory=WEIGHTS + hk), n_gpu_layers=0)
    assert c.explain[0].endswith("on the GPU") and c.detail["placement"]["output_on_gpu"] is False
    assert (c.fits, c.max_concurrency, c.kv_bytes_per_request) == (True, 1.0, 0)


def test_capacity_needs_a_context(llama):
    nomax = llama.model_copy(update={"max_context": None})
    with pytest.raises(KvplanError) as e:
        _cap(nomax, GPU_W + 3 * G, ServeOptions(), n_gpu_layers=20)
    assert str(e.value) == "the model states no max context; give --max-model-len or --ctx"


# --- the batch search -----------------------------------------------------------------------------
def _max_batch(spec, usable, opts, ctx, **kw):
    e = _engine(spec, **kw)
    budget = e.budget(SimpleNamespace(usable_bytes=usable), WEIGHTS, spec, opts, 1, 1, F16)
    return e.max_batch([Worker(spec, budget)], None, None, opts, F16, "bf16", ctx)


def test_max_batch_under_ngl_at_the_edges(llama):
    # each of b sequences of 8,192 tokens has its own slot of 8,192 cells: b G on the GPU, b H on
    # the host. A GPU budget of exactly 3 G and no host bound: 3 (<=, not <)
    assert _max_batch(llama, GPU_W + 3 * G, ServeOptions(), 8192, n_gpu_layers=20) == 3
    # host exactly 2 H beside its weights: 2
    assert _max_batch(llama, GPU_W + 3 * G, ServeOptions(host_memory=HOST_W + 2 * H), 8192, n_gpu_layers=20) == 2
    with pytest.raises(KvplanError) as e:
        _max_batch(llama, GPU_W + 3 * G, ServeOptions(), 8192, n_gpu_layers=0)
    assert str(e.value) == ("the whole cache is in host memory (-nkvo or no layer on the GPU): give --host-memory "
                            "to bound the batch")


def test_max_batch_past_128_and_at_the_search_cap(llama):
    # 256 tokens a sequence: b slots of pad(256) = 256 cells, 256 × 131,072 = 33,554,432 bytes each;
    # a cache of exactly 200 of them: 200 (the doubling search must pass 128)
    kv = 200 * 256 * 131_072
    e = L.ENGINE.for_model(llama, None, ServeOptions(), "fp16", "bf16")
    w = [Worker(llama, [BudgetPart("kv_cache", "KV cache", kv)])]
    assert e.max_batch(w, None, None, ServeOptions(), F16, "bf16", 256) == 200
    w = [Worker(llama, [BudgetPart("kv_cache", "KV cache", kv - 1)])]
    assert e.max_batch(w, None, None, ServeOptions(), F16, "bf16", 256) == 199
    # a model that holds nothing: every batch fits, and the search stops at its cap, 2**40
    empty = SimpleNamespace(counts=lambda: {}, layer_types={})
    w = [Worker(empty, [BudgetPart("kv_cache", "KV cache", 0)])]
    assert L.ENGINE.max_batch(w, None, None, ServeOptions(), F16, "bf16", 256) == 2**40


@pytest.mark.parametrize("ngl, words", [
    (0, "-ngl 0: i_gpu_start = max(32 + 1 − 0, 0) = 33; no decoder layer on the GPU"),
    (1, "-ngl 1: i_gpu_start = max(32 + 1 − 1, 0) = 32; no decoder layer on the GPU, output too"),
    (2, "-ngl 2: i_gpu_start = max(32 + 1 − 2, 0) = 31; layer 31 on the GPU, output too"),
    (3, "-ngl 3: i_gpu_start = max(32 + 1 − 3, 0) = 30; layers 30-31 on the GPU, output too"),
])
def test_the_placement_in_words_at_few_gpu_layers(llama, ngl, words):
    # -ngl 0 said "layers 33-31 on the GPU" and -ngl 1 "layers 32-31": a range running backwards
    o = ServeOptions(max_model_len=8192, host_memory=64 * 2**30)
    assert _cap(llama, GPU_W + 3 * G, o, n_gpu_layers=ngl).explain[0] == words
