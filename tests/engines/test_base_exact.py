"""Issue 25: what every engine shares (engines/base.py): the budget's closing, the byte arithmetic
of a holding, the search for the largest batch or context, and the refusals, on numbers small
enough to work by hand beside each assertion."""
from types import SimpleNamespace

import pytest

from kvplan.engines.base import (BudgetPart, Capacity, Engine, Holding, ServeOptions, Side, Worker, cache_bytes,
                                 finish_budget, kv_format_name, largest, per_token_bytes, side_bytes,
                                 side_holdings, state_bytes, total_parts)
from kvplan.errors import KvplanError
from kvplan.model import dtypes
from kvplan.model.kinds import StateTensor
from kvplan.sources import catalog


def _raises(msg, f, *args):
    with pytest.raises(KvplanError) as e:
        f(*args)
    assert str(e.value) == msg


def test_largest():
    assert largest(lambda n: n <= 7, 10) == 7
    assert largest(lambda n: n <= 7, 7) == 7 and largest(lambda n: n <= 7, 8) == 7
    assert largest(lambda n: n <= 7, 5) == 5
    assert largest(lambda n: True, 1) == 1 and largest(lambda n: True, 2) == 2
    assert largest(lambda n: n <= 1, 100) == 1 and largest(lambda n: n <= 99, 100) == 99
    assert largest(lambda n: False, 10) == 0 and largest(lambda n: True, 0) == 0


def test_finish_budget_by_hand():
    w = BudgetPart("weights", "weights", 300)
    # 1,000 bytes at 0.9: the engine's share 900, the cache 900 − 300 = 600, 100 left outside
    assert finish_budget(1000, 0.9, [w], None, "src") == [
        w, BudgetPart("kv_cache", "KV cache", 600, "total × 0.9 − the parts above"),
        BudgetPart("unused", "not given to the engine", 100, "src")]
    # int() of the share: 999 × 0.5 = 499.5 -> 499, less 300 = 199; 999 − 300 − 199 = 500 outside
    assert [p.bytes for p in finish_budget(999, 0.5, [w], None)] == [300, 199, 500]
    assert finish_budget(1000, 1, [w], None)[1].bytes == 700
    # a fixed cache: exactly it, the rest of the card "left on the card" (negative: over-committed)
    assert finish_budget(1000, 0.9, [w], 500)[1:] == [
        BudgetPart("kv_cache", "KV cache", 500, "--kv-cache-memory (vLLM's --kv-cache-memory-bytes): fixed, no estimate"),
        BudgetPart("unused", "left on the card", 200, "")]
    assert finish_budget(1000, 0.9, [w], 800)[2].bytes == -100
    for u in (0, -0.1, 1.01):
        with pytest.raises(KvplanError) as e:
            finish_budget(1000, u, [w], None)
        assert str(e.value).endswith(f"must be in (0, 1], got {u}") and "gpu_memory_utilization" in str(e.value)


def test_a_holdings_bytes():
    fp16 = dtypes.get("fp16")
    assert kv_format_name("q8_0", "q8_0") == "q8_0" and kv_format_name("q8_0", "fp16") == "q8_0/fp16"
    # two K rows of 128 and one V row of 64 in fp16: 2 × 256 + 128 = 640 bytes a token
    h = Holding([(2, 128), (1, 64)], 10)
    assert per_token_bytes(h, fp16) == 640
    # K in q8_0 (32 values in 34 bytes: 128 -> 136), V in fp16: 2 × 136 + 128 = 400
    assert per_token_bytes(Holding([(2, 128), (1, 64)], 10, formats=("q8_0", "fp16")), fp16) == 400
    # a side cache of 10 entries × 2 rows × 64 values: 256 bytes an entry in fp16, 2,560 held;
    # stride 4 tokens an entry: 64 a token; stride 3: 256 // 3 = 85; in fp8: 128 an entry
    s = Side("ix", 2, 64, 10, None, 4)
    assert side_bytes(Holding([], 0, sides=(s,)), fp16) == (2560, 64)
    assert side_bytes(Holding([], 0, sides=(Side("ix", 2, 64, 10, None, 3),)), fp16) == (2560, 85)
    assert side_bytes(Holding([], 0, sides=(Side("ix", 2, 64, 10, "fp8", 1), s)), fp16) == (1280 + 2560, 128 + 64)
    # states in their own dtypes: 100 fp32 + 50 bf16 = 400 + 100 bytes
    assert state_bytes(Holding([], 0, [StateTensor(name="a", elements=100, dtype="fp32"),
                                       StateTensor(name="b", elements=50, dtype="bf16")])) == 500


def test_stages_and_refusals():
    e = Engine()
    assert e.stages(10, 3) == [4, 3, 3] and e.stages(11, 3) == [4, 4, 3] and e.stages(2, 3) == [1, 1, 0]
    assert e.stages(9, 1) == [9]
    with pytest.raises(KvplanError) as x:
        e.check(catalog.load_model("deepseek-v3.2"))
    assert str(x.value).startswith("the ideal layout does not model 'mla_indexed' layers (mla + indexer); use ")
    with pytest.raises(KvplanError) as x:
        e.check(catalog.load_model("mimo-v2-flash"))
    assert str(x.value).startswith("the ideal layout is not checked for mimo_v2_flash models (mimo-v2-flash); use ")
    assert str(x.value).endswith(" ideal, hf or vllm")

    class Frontier(Engine):
        name = "f"
        frontier = frozenset({"mla_indexed", "mimo_v2_flash"})

    Frontier().check(catalog.load_model("deepseek-v3.2"))
    Frontier().check(catalog.load_model("mimo-v2-flash"))
    e.check(catalog.load_model("llama-3.1-8b"))


# --- the engine-neutral defaults, on a made-up model whose holding is set by hand --------------
class _Spec:
    """Two layer types: "a" shares another layer's cache (kv_shared), "b" holds its own."""

    def __init__(self, max_context=None):
        self.max_context, self.name = max_context, "toy"
        self.layer_types = {"a": SimpleNamespace(kv_shared=True, mixer="A"),
                            "b": SimpleNamespace(kv_shared=False, mixer="B")}

    def counts(self):
        return {"a": 2, "b": 3}


class _Toy(Engine):
    """Per sequence, per "b" layer: ctx tokens × one row of 64 values; a side cache of 3 entries
    of one row of 32 values, a stride of 4 tokens; 8 elements of state in the model's dtype."""

    copies = 2

    def hold_batch(self, mixer, ctx, batch, model_dtype, kv_dtype):
        assert mixer == "B" and kv_dtype == "fp16"
        return Holding([(1, 64)], ctx, [StateTensor(name="s", elements=8, dtype=model_dtype)],
                       sides=(Side("ix", 1, 32, 3, None, 4),)), self.copies * batch


FP16 = dtypes.get("fp16")


def test_cache_bytes_skips_shared_layers_and_adds_sides_and_state():
    # fp16, ctx 10: 10 × 128 = 1,280 + the side cache held, 3 × 64 = 192 (not its 16 a token)
    # + state 8 × 4 (fp32) = 32 -> 1,504 a layer; × 3 layers × 2 copies = 9,024; "a" adds nothing
    assert cache_bytes(_Spec(), 10, 1, FP16, _Toy(), "fp32") == 9024
    assert cache_bytes(_Spec(), 10, 2, FP16, _Toy(), "bf16") == 3 * 4 * (1280 + 192 + 16)


def _workers(budget, max_context=None):
    return [Worker(_Spec(max_context), [BudgetPart("kv_cache", "KV cache", budget)])]


def test_capacity_by_hand():
    # ctx 10 at fp32 state: 9,024 bytes a request; a budget of 27,072 holds exactly 3
    e, opts = _Toy(), ServeOptions(max_model_len=10)
    assert e.capacity(_workers(27_072), None, opts, FP16, "fp32") == Capacity(
        True, 10, 30, 3.0, 9024, None, detail={},
        explain=("concurrency = KV budget / one request's cache = 27,072 / 9,024 = 3.00",))
    c = e.capacity(_workers(9024), None, opts, FP16, "fp32")
    assert (c.fits, c.max_concurrency, c.message) == (True, 1.0, None)  # exactly one request fits
    c = e.capacity(_workers(9023, 10), None, ServeOptions(), FP16, "fp32")  # max_model_len from the model
    assert (c.fits, c.kv_cache_tokens, c.message) == (
        False, 9, "one request of 10 tokens needs 9,024 bytes of cache per GPU; the budget is 9,023")
    _raises("the model states no max context; give max_model_len or ctx", e.capacity, _workers(1), None,
            ServeOptions(), FP16, "fp32")
    # the model's dtype reaches the holding: 8 bf16 elements of state, 1,488 a layer
    assert e.capacity(_workers(10**6), None, opts, FP16, "bf16").kv_bytes_per_request == 3 * 2 * 1488
    # a model that holds nothing: unbounded concurrency, no tokens counted, no batch bound
    e.copies = 0
    c = e.capacity(_workers(100), None, opts, FP16, "fp32")
    assert (c.fits, c.kv_cache_tokens, c.max_concurrency, c.kv_bytes_per_request) == (True, 0, float("inf"), 0)
    assert e.max_batch(_workers(100), None, c, opts, FP16, "fp32", 10) == 0


def test_max_batch_and_max_ctx():
    e, opts = _Toy(), ServeOptions()
    assert e.max_batch(_workers(27_071), None, None, opts, FP16, "fp32", 10) == 2  # 27,071 // 9,024
    assert type(e.max_batch(_workers(27_072), None, None, opts, FP16, "fp32", 10)) is int
    assert e.max_batch(_workers(27_072), None, None, opts, FP16, "bf16", 10) == 27_072 // 8928
    # one request of n tokens: 6 × (128 n + 192 + 32) bytes; 9,024 bytes: n <= 10
    assert e.max_ctx(_workers(9024), None, None, opts, FP16, "fp32", 1, 100) == 10
    seen = []

    class Spy(_Toy):
        def max_batch(self, workers, gpu, cap, opts, kv_fmt, model_dtype, ctx):
            seen.append((gpu, model_dtype))
            return 1

    assert Spy().max_ctx(_workers(1), "the gpu", None, opts, FP16, "fp32", 1, 4) == 4
    assert set(seen) == {("the gpu", "fp32")}


def test_budget_hold_and_messages():
    gpu = SimpleNamespace(usable_bytes=10_000)
    w = BudgetPart("weights", "weights", 1000)
    assert Engine().budget(gpu, 1000, None, ServeOptions(), 1, 1, FP16) == finish_budget(10_000, 1.0, [w], None)
    assert [p.bytes for p in Engine().budget(gpu, 1000, None, ServeOptions(gpu_memory_utilization=0.5), 1, 1,
                                             FP16)] == [1000, 4000, 5000]

    class KvState(Engine):
        state_in_kv_dtype = True

        @staticmethod
        def rule(mixer, ctx, run_dtype):
            return Holding([], 0, [StateTensor(name="s", elements=1, dtype=run_dtype)])

    class OwnState(KvState):
        state_in_kv_dtype = False

    assert KvState().hold("m", 1, "bf16", "fp8").state[0].dtype == "fp8"
    assert OwnState().hold("m", 1, "bf16", "fp8").state[0].dtype == "bf16"
    for u in (0, 1.5):
        _raises(f"gpu_memory_utilization must be in (0, 1], got {u}", finish_budget, 1000, u, [w], None)
    _raises("the ideal layout does not model 'mla_indexed' layers (mla + indexer); use engine=\"ideal\"",
            Engine().check, catalog.load_model("deepseek-v3.2"))
    _raises("the ideal layout is not checked for mimo_v2_flash models (mimo-v2-flash); use engine ideal, hf or vllm",
            Engine().check, catalog.load_model("mimo-v2-flash"))


def test_side_holdings_and_estimated_total():
    s = catalog.load_model("deepseek-v3.2")
    assert side_holdings(s.layer_types[s.layers[0]].mixer, 1000) == (
        Side("indexer keys", 1, 128, 1000, "fp8_ds_index", 1),)
    # nvidia-smi's total known, CUDA's not (the A10G before its CUDA total was observed)
    g = catalog.load_gpu("a10g").model_copy(update={"cuda_memory_bytes": None, "cuda_memory_sources": []})
    assert g.memory_basis.estimated and g.memory_basis.source.startswith("estimated: no CUDA total observed")
    assert total_parts(g) == [BudgetPart("gpu_total", "GPU total (estimated)", 0, g.memory_basis.source,
                                         g.memory_basis.uncertainty)]
