"""The longest context a batch can have when vLLM cannot start with the model's own max context
(kvplan/plan/longest.py), by hand.

Llama 3 8B (max context 8,192) under vLLM with 16-token blocks: 32 layers × 16 tokens × 8 KV
heads × 256 values × 2 bytes = 2 MiB a block (1 MiB with an fp8 cache). A fixed
--kv-cache-memory of 257 blocks leaves 256 after vLLM's null block: 4,096 tokens, so
max-model-len 8,192 (512 blocks) cannot start; started with max-model-len c, it holds
256 // cdiv(c, 16) sequences of c tokens.
"""
import pytest

from kvplan.engines import ServeOptions
from kvplan.model.frozen import replace
from kvplan.plan import fit as F
from kvplan.plan import longest as L
from kvplan.sources import catalog

MiB = 2**20
BUDGET = 257 * 2 * MiB


def _note(best: int, batch: int) -> str:
    seqs = f"{batch:,} sequence{'s' if batch != 1 else ''}"
    return (f"vllm cannot start with the model's max context (8,192 tokens) as max-model-len on this GPU; "
            f"the longest context for {seqs} is {best:,} tokens each: pass --max-model-len {best} so that vllm starts")


@pytest.fixture()
def calls(monkeypatch):
    """How many times longest_for_batch asks fit (each is a whole engine plan)."""
    n = [0]
    real = L.fit

    def counting(*a, **k):
        n[0] += 1
        return real(*a, **k)

    monkeypatch.setattr(L, "fit", counting)
    return n


@pytest.fixture(scope="module")
def llama():
    return catalog.load_model("llama-3-8b"), catalog.load_gpu("h100")


@pytest.mark.parametrize("batch, kv, budget, best", [
    (1, None, BUDGET, 4096),        # 256 blocks × 16
    (2, None, BUDGET, 2048),        # 128 blocks each
    (3, None, BUDGET, 1360),        # 256 // 3 = 85 blocks = 1,360 tokens each
    (1, "fp8", 129 * 2 * MiB, 4112),  # 258 blocks of 1 MiB, 257 after the null block
])
def test_the_longest_context_and_its_note(llama, calls, batch, kv, budget, best):
    s, g = llama
    o = ServeOptions(kv_cache_memory=budget)
    assert not F.fit(s, g, kv_dtype=kv, batch=batch, opts=o).fits  # max-model-len 8,192 cannot start
    calls[0] = 0
    r = L.longest_for_batch(s, g, kv_dtype=kv, batch=batch, opts=o)
    assert r.fits and r.max_ctx == best and r.capacity.max_model_len == best
    assert r.notes[0] == _note(best, batch)
    # vLLM's own estimate of the longest max-model-len, checked at best and best + 1: five plans
    # (the first fit, the estimate's, best, best + 1, the answer), not a binary search
    assert calls[0] == 5


def test_without_an_estimate_a_binary_search_finds_the_same(llama, calls):
    s, g = llama
    o = ServeOptions(kv_cache_memory=BUDGET)
    first = F.fit(s, g, batch=2, opts=o)
    cap = first.capacity
    bare = replace(first, capacity=replace(cap, detail={k: v for k, v in cap.detail.items()
                                                        if k != "estimated_max_model_len"}))
    calls[0] = 0
    r = L.longest_for_batch(s, g, batch=2, opts=o, first=bare)
    assert r.max_ctx == 2048 and r.notes[0] == _note(2048, 2)
    # largest over [1, 8,191]: ok(1), then 13 halvings (2^13 = 8,192), then the answer
    assert calls[0] == 1 + 13 + 1


def test_what_is_left_as_it_was(llama, calls):
    s, g = llama
    # a batch that cannot hold one token each: 1,000 requests of 1 block > 256 blocks
    calls[0] = 0
    r = L.longest_for_batch(s, g, batch=1000, opts=ServeOptions(kv_cache_memory=BUDGET))
    assert not r.fits and r.max_ctx == 0 and not any("--max-model-len" in n for n in r.notes)
    # the first plan, the estimate's (4,096 tokens: none of the 1,000), then ok(1): no
    assert calls[0] == 3
    # the user chose max-model-len: their answer, refused, without a search
    calls[0] = 0
    r = L.longest_for_batch(s, g, batch=1, opts=ServeOptions(kv_cache_memory=BUDGET, max_model_len=8192))
    assert not r.fits and calls[0] == 1 and not any("--max-model-len" in n for n in r.notes)
    # it fits as asked: no search
    calls[0] = 0
    r = L.longest_for_batch(s, g, batch=1, opts=ServeOptions(kv_cache_memory=513 * 2 * MiB))
    assert r.fits and r.max_ctx == 8192 and calls[0] == 1
    # no room for a cache at all (Llama 3.1 405B's weights on one H100): no search
    calls[0] = 0
    big = catalog.load_model("llama-3.1-405b")
    r = L.longest_for_batch(big, g, batch=1)
    assert r.kv_budget_bytes <= 0 and not r.fits and calls[0] == 1


def test_the_flags_reach_every_plan(calls):
    # --weight-dtype: Llama 3.1 70B's bf16 weights (141 GB) do not fit one H100, its fp8 ones do;
    # the search's plans must keep the fp8 weights
    s, g = catalog.load_model("llama-3.1-70b"), catalog.load_gpu("h100")
    block = 80 * 16 * 8 * 256 * 2  # 5 MiB a block of 80 layers
    o = ServeOptions(kv_cache_memory=257 * block)
    r = L.longest_for_batch(s, g, weight_dtype="fp8", batch=1, opts=o)
    assert r.fits and r.max_ctx == 4096 and r.weight_dtype == "fp8_e4m3"
    # and the first plan: on an H200 a cache of 8,193 blocks (131,072 tokens + the null block)
    # beside the fp8 weights starts at the model's own 131,072; bf16 weights would not
    h200 = catalog.load_gpu("h200")
    o = ServeOptions(kv_cache_memory=8193 * block)
    assert not F.fit(s, h200, batch=1, opts=o).fits
    calls[0] = 0
    r = L.longest_for_batch(s, h200, weight_dtype="fp8", batch=1, opts=o)
    assert r.fits and r.max_ctx == 131_072 and calls[0] == 1
    assert not any("--max-model-len" in n for n in r.notes)


def test_text_only_reaches_every_plan():
    """Gemma 4 26B-A4B at --gpu-memory-utilization 0.95 on a card whose CUDA total is 57 GB has a
    cache budget of 218,396,408 bytes with its encoder towers in (572,792,112 parameters,
    1,145,584,224 bytes; the budget is the engine's own arithmetic, engines/vllm/startup.py; since
    session 20 the fused-MoE workspace vLLM keeps beside the sampler pass, 738,197,504 bytes at 8,192
    tokens, raises the profile peak by 184,549,376: engines/vllm/moe_workspace.py); a card 1 GB
    smaller asks vLLM for 0.95 × 10**9 = 950,000,000 bytes less: −731,603,592, no cache. Text-only it
    has the towers' 1,145,584,224 bytes more, 413,980,632: it fits again."""
    s = catalog.load_model("gemma-4-26b-a4b")
    o = ServeOptions(gpu_memory_utilization=0.95)

    def card(gb):
        return catalog.load_gpu("h100").model_copy(update={"cuda_memory_bytes": gb * 10**9, "cuda_memory_sources": []})
    big = L.longest_for_batch(s, card(57), batch=1, opts=o)  # towers in by default
    r = L.longest_for_batch(s, card(56), batch=1, opts=o)
    assert big.fits and r.kv_budget_bytes == big.kv_budget_bytes - 950_000_000
    assert big.kv_budget_bytes == 218_396_408 == 402_945_784 - 184_549_376
    assert not r.fits and r.kv_budget_bytes == -731_603_592
    t = L.longest_for_batch(s, card(56), batch=1, opts=o, text_only=True)
    assert t.fits and t.max_ctx > 0 and t.kv_budget_bytes == 413_980_632 == -731_603_592 + 2 * 572_792_112


def test_the_defaults(llama):
    s, g = llama
    # one sequence on one GPU under vLLM unless told otherwise
    r = L.longest_for_batch(s, g, opts=ServeOptions(kv_cache_memory=BUDGET))
    assert (r.max_ctx, r.engine, r.tp, r.pp) == (4096, "vllm", 1, 1) and r.notes[0] == _note(4096, 1)


def test_a_budget_of_nothing_is_not_searched(llama, calls):
    s, g = llama
    # --kv-cache-memory 0: no cache at all, the first plan is the answer
    calls[0] = 0
    r = L.longest_for_batch(s, g, batch=1, opts=ServeOptions(kv_cache_memory=0))
    assert not r.fits and r.kv_budget_bytes == 0 and calls[0] == 1
    # 1 byte is a budget (less than vLLM's null block): searched, ok(1) is no, the first plan is the answer
    calls[0] = 0
    r = L.longest_for_batch(s, g, batch=1, opts=ServeOptions(kv_cache_memory=1))
    assert not r.fits and r.kv_budget_bytes == 1 and r.max_ctx == 0 and calls[0] == 2
    # a model whose max context is one token: nothing shorter to search
    one = s.model_copy(update={"max_context": 1})
    calls[0] = 0
    r = L.longest_for_batch(one, g, batch=1, opts=ServeOptions(kv_cache_memory=2 * MiB))
    assert not r.fits and r.capacity.max_model_len == 1 and calls[0] == 1


def test_an_estimate_that_cannot_start_is_checked_not_trusted(llama, calls):
    """The guess is a shortcut: a report whose estimate is wrong still gets the searched answer."""
    s, g = llama
    o = ServeOptions(kv_cache_memory=BUDGET)
    first = F.fit(s, g, batch=1, opts=o)
    cap = first.capacity
    for est in (4000, 4095, 4097, 6000, 8191):  # shorter or longer than the 4,096 tokens that start
        wrong = replace(first, capacity=replace(cap, detail={**cap.detail, "estimated_max_model_len": est}))
        calls[0] = 0
        r = L.longest_for_batch(s, g, batch=1, opts=o, first=wrong)
        assert r.max_ctx == 4096 and r.notes[0] == _note(4096, 1)
        assert calls[0] > 5  # the estimate's plan, then the binary search: not the 5-plan shortcut


def test_an_estimate_of_one_token_is_tried(calls):
    """--block-size 1: Llama 3 8B's block is 32 × 1 × 8 × 256 × 2 = 131,072 bytes; a budget of 2
    blocks leaves 1 after the null block: one token. vLLM's estimate is 1, checked at 1 and 2 (five
    plans, not the 15 of a binary search over [1, 8,191])."""
    s, g = catalog.load_model("llama-3-8b"), catalog.load_gpu("h100")
    o = ServeOptions(kv_cache_memory=2 * 131_072, block_size=1)
    assert F.fit(s, g, batch=1, opts=o).capacity.detail.get("estimated_max_model_len") == 1
    calls[0] = 0
    r = L.longest_for_batch(s, g, batch=1, opts=o)
    assert r.fits and r.max_ctx == 1 and calls[0] == 5
