"""kvplan.plan.sweep.sweep with a GPU: each row's verdict at the edges fit draws (the pessimistic
batch, the largest batch), the budget, the run dtype and the serve options.

Llama 3 8B: 131,072 B a token (32 layers × 8 KV heads × 128 × (K + V) × 2 B).
GPT-2: 12 layers × 12 heads × 64 × (K + V) × 2 B = 36,864 B a token at 16 bits.
"""
import pytest

from kvplan import engines
from kvplan.plan import sweep as sw
from kvplan.plan.fit import fit
from kvplan.sources import catalog

H100 = catalog.load_gpu("h100")


@pytest.fixture(scope="module")
def llama3():
    return catalog.load_model("llama-3-8b")


def test_verdicts_change_exactly_at_fits_two_batches(llama3):
    f = fit(llama3, H100, ctx=4096)
    low, most = f.max_batch_low, f.max_batch
    assert 1 < low < most
    res = sw.sweep(llama3, [4096], [1, low, low + 1, most, most + 1], [None], H100)
    assert [(r["batch"], r["verdict"], r["fits"]) for r in res["rows"]] == [
        (1, "fits", True), (low, "fits", True), (low + 1, "at_risk", True), (most, "at_risk", True),
        (most + 1, "does_not_fit", False)]


def test_nothing_fits_beyond_the_max_model_length(llama3):
    # vLLM refuses a request longer than max_model_len (8,192): not even one sequence is "fits"
    res = sw.sweep(llama3, [16384], [1, 2], [None], H100)
    assert [(r["verdict"], r["fits"]) for r in res["rows"]] == [("does_not_fit", False)] * 2
    assert res["rows"][0]["kv_cache_bytes"] == 16384 * 131_072


def test_a_model_that_does_not_load_has_a_budget_of_zero():
    # Llama 3.1 405B's bf16 weights alone are ~811 GB: the KV budget is negative, said as 0
    res = sw.sweep(catalog.load_model("llama-3.1-405b"), [8192], [1], [None], H100)
    assert res["kv_budget_bytes"] == {"bf16": 0}
    assert res["rows"][0]["verdict"] == "does_not_fit"


def test_serve_options_reach_the_budget(llama3):
    opts = engines.ServeOptions(gpu_memory_utilization=0.5)
    res = sw.sweep(llama3, [4096], [1], [None], H100, opts=opts)
    assert res["kv_budget_bytes"] == {"bf16": fit(llama3, H100, opts=opts).kv_budget_bytes}
    assert res["kv_budget_bytes"]["bf16"] < fit(llama3, H100).kv_budget_bytes


def test_vllm_runs_an_fp32_model_in_fp16_before_sm80():
    # vLLM's --dtype auto (config/model.py _resolve_auto_dtype): a float32 checkpoint runs in
    # float16 on a T4 (sm75), so its cache is fp16: 1,024 tokens × 36,864 B
    res = sw.sweep(catalog.load_model("gpt2"), [1024], [1], [None], catalog.load_gpu("t4"), engine="vllm")
    assert res["rows"][0]["kv_dtype"] == "fp16" and list(res["kv_budget_bytes"]) == ["fp16"]
    assert res["rows"][0]["kv_cache_bytes"] == 1024 * 36_864 == 37_748_736
