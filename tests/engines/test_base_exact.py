"""Issue 25: what every engine shares (engines/base.py): the budget's closing, the byte arithmetic
of a holding, the search for the largest batch or context, and the refusals, on numbers small
enough to work by hand beside each assertion."""
import pytest

from kvplan.engines.base import (BudgetPart, Engine, Holding, Side, finish_budget, kv_format_name, largest,
                                 per_token_bytes, side_bytes, state_bytes)
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
