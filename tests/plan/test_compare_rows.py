"""kvplan.plan.whatif.rows (`kvplan compare`) with a GPU: each row's fit columns are fit's own
answer for the same settings, and a row that fits nothing says why, word for word.

Llama 3 8B: 32 layers × 8 KV heads × 128 × (K + V) × 2 B = 131,072 B a token; Llama 3.1 8B the
same; its max_position_embeddings 8,192 (3.1: 131,072).
"""
import pytest

from kvplan import engines
from kvplan.errors import KvplanError
from kvplan.model.spec import ModelSpec
from kvplan.plan import whatif
from kvplan.plan.fit import fit
from kvplan.sources import catalog

H100 = catalog.load_gpu("h100")


@pytest.fixture(scope="module")
def llama3():
    return catalog.load_model("llama-3-8b")


def test_a_shared_variant_is_not_planned_by_vllm(llama3):
    base, shared = whatif.rows([llama3], 4096, variants=["share:2"], gpu=H100)
    assert base["fit_engine"] == "vllm" and base["max_batch"] > 0 and "max_batch_reason" not in base
    assert shared["kv_cache_bytes"] == 4096 * 131_072 // 2
    assert {k: shared[k] for k in ("gpu", "fit_engine", "max_batch", "decode_tokens_per_second",
                                   "max_batch_tokens_per_second", "max_batch_reason")} == {
        "gpu": "h100-sxm-80gb", "fit_engine": "vllm", "max_batch": None, "decode_tokens_per_second": None,
        "max_batch_tokens_per_second": None,
        "max_batch_reason": "vLLM's page planner does not model share:N (give --engine to plan it in another engine)"}
    assert "fit_verdict" not in shared
    # in another engine the shared variant is planned
    _, sg = whatif.rows([llama3], 4096, variants=["share:2"], gpu=H100, engine="sglang")
    assert sg["fit_engine"] == "sglang" and sg["max_batch"] > 0


def test_the_verdict_and_the_pessimistic_batch_are_fits(llama3):
    f = fit(llama3, H100, ctx=4096)
    assert f.max_batch_low is not None and 0 < f.max_batch_low < f.max_batch   # an estimated part
    (row,) = whatif.rows([llama3], 4096, gpu=H100)
    assert (row["fit_verdict"], row["max_batch"], row["max_batch_low"]) == (f.verdict, f.max_batch, f.max_batch_low)
    assert row["fit_verdict"] == "fits"


def test_a_context_beyond_the_max_model_length_fits_nothing_and_says_so(llama3):
    # vLLM's max_model_len is the config's 8,192: a 16,384-token request is refused, not sized
    f = fit(llama3, H100, ctx=16384)
    assert f.max_batch == 0 and f.max_batch_low is None and not f.message
    (row,) = whatif.rows([llama3], 16384, gpu=H100)
    assert row["max_batch"] == 0 and row["max_batch_low"] == 0
    assert row["max_batch_reason"] == "ctx 16,384 is beyond the max model length 8,192; give a longer max model length"
    assert row["max_batch_tokens_per_second"] is None


def test_a_context_at_the_max_model_length_that_no_budget_holds():
    # Llama 3.1 8B at its full 131,072 tokens on an RTX 4090 under SGLang: one sequence needs
    # 131,072 × 131,072 B = 17,179,869,184 B, far more than the KV budget SGLang leaves; the
    # context is the max model length itself, not beyond it
    spec, gpu = catalog.load_model("llama-3.1-8b"), catalog.load_gpu("rtx4090")
    f = fit(spec, gpu, engine="sglang", ctx=131_072)
    assert f.max_batch == 0 and not f.message and f.capacity.max_model_len == 131_072
    assert 0 < f.kv_budget_bytes < 131_072 * 131_072
    (row,) = whatif.rows([spec], 131_072, gpu=gpu, engine="sglang")
    assert row["max_batch_reason"] == (f"one sequence of 131,072 tokens needs more than the KV budget of "
                                       f"{f.kv_budget_bytes:,} bytes")


def test_serve_options_reach_fit(llama3):
    # half the memory for vLLM: a smaller batch than the default 0.9's
    opts = engines.ServeOptions(gpu_memory_utilization=0.5)
    (row,) = whatif.rows([llama3], 4096, gpu=H100, opts=opts)
    assert row["max_batch"] == fit(llama3, H100, ctx=4096, opts=opts).max_batch
    assert row["max_batch"] < fit(llama3, H100, ctx=4096).max_batch


def test_a_variant_without_kv_keeps_the_format_unset(llama3):
    assert whatif.apply(llama3, "mqa").kv_dtype is None
    assert whatif.apply(llama3, "mqa+kv:fp8").kv_dtype == "fp8_e4m3"


def test_a_model_that_caches_nothing_has_no_saving():
    # two MLP-only layers: 0 bytes of cache, so no saving can be stated (not a division by 0)
    spec = ModelSpec.model_validate({
        "name": "nc", "display_name": "nc", "source": "by hand", "dtype": "bf16", "hidden_size": 64,
        "vocab_size": 100, "pattern": "n*2", "layer_types": {"n": {"mixer": {"kind": "none"}}}})
    rows = whatif.rows([spec], 100, variants=["kv:fp8"])
    assert [(r["total_bytes"], r["saving"]) for r in rows] == [(0, None), (0, None)]


def test_share_beyond_the_layers_is_refused(llama3):
    """ux16: share:100 on Llama 3's 32 layers was share:32 under another label."""
    (row,) = whatif.rows([whatif.apply(llama3, "share:32").spec], 4096)
    assert row["kv_bytes_per_token"] == 131_072 // 32  # one layer's K/V for all 32
    with pytest.raises(KvplanError) as e:
        whatif.apply(llama3, "share:33")
    assert str(e.value) == "variant 'share:33': llama-3-8b has 32 layers caching K/V; N can be at most 32"


def test_tp_without_a_gpu_is_refused_in_full(llama3):
    """ux16: without a GPU the bytes are the whole cache, so a --tp would be ignored; the refusal says
    what the tp would have sized (its max batch)."""
    with pytest.raises(KvplanError) as e:
        whatif.rows([llama3], 4096, tp=2)
    assert str(e.value) == "tp=2 plans the max batch on a GPU; give gpu (the bytes are the whole cache)"
    assert whatif.rows([llama3], 4096, tp=1)[0]["kv_bytes_per_token"] == 131_072
