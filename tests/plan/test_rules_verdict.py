"""fits / at risk / does not fit (kvplan/plan/verdict.py) at its boundaries, by hand (issue 25: the
mutants these kill are listed in MUTATION.md, session 6)."""
from kvplan.engines import BudgetPart, Capacity
from kvplan.plan.fit import Stage
from kvplan.plan.verdict import AT_RISK, DOES_NOT_FIT, EXIT, FITS, WORDS, Verdict, judge, start_need

GiB = 2**30


def _cap(need: int = 0, fits: bool = True, **detail) -> Capacity:
    return Capacity(fits, 1000, 0, 0.0, need, detail=detail)


def _stage(kv: int, unc: dict | None = None, unused: int = GiB, blind: str | None = None) -> Stage:
    parts = [BudgetPart("weights", "weights", 10 * GiB)]
    parts += [BudgetPart(k, k + " label", GiB, k + " source", u) for k, u in (unc or {}).items()]
    if blind:
        parts.append(BudgetPart(blind, blind + " label", 0, blind + " source", 0, True))
    parts += [BudgetPart("kv_cache", "KV cache", kv), BudgetPart("unused", "unused", unused)]
    return Stage(0, 0, 1, 1, 10 * GiB, parts)


def test_words_and_exit_codes():
    assert (FITS, AT_RISK, DOES_NOT_FIT) == ("fits", "at_risk", "does_not_fit")
    assert WORDS == {"fits": "fits", "at_risk": "at risk", "does_not_fit": "does NOT fit"}
    assert EXIT == {"fits": 0, "does_not_fit": 1, "at_risk": 3}
    v = Verdict("at_risk", 1, 2, 3)
    assert (v.words, v.deciding_term, v.why) == ("at risk", None, "")


def test_start_need_sglang_cells_pages_and_ctx():
    # cell 1,000.5 bytes: 1,000,500 thousandths, ceil(1,000,500 / 1,000) = 1,001; × ctx 10 × page 4
    assert start_need("sglang", _cap(7, cell_size_bytes=1000.5, page_size=4), 10) == 40_040
    # below a thousandth is dropped: int(1,000,000.4) = 1,000,000 thousandths → 1,000
    assert start_need("sglang", _cap(7, cell_size_bytes=1000.0004)) == 1000
    # no ctx: one token; ctx 0 too; no page size: 1
    assert start_need("sglang", _cap(7, cell_size_bytes=1000)) == 1000
    assert start_need("sglang", _cap(7, cell_size_bytes=1000), 0) == 1000
    assert start_need("sglang", _cap(7, cell_size_bytes=1000, page_size=None), 3) == 3000
    # a whole cell is not rounded up: 1,000 × 1,000 // 1,000 = 1,000 exactly
    assert start_need("sglang", _cap(7, cell_size_bytes=1000.0), 2) == 2000
    # no cell size: the request's bytes plus the block held back
    assert start_need("sglang", _cap(7, bytes_per_block=5)) == 12


def test_start_need_trtllm_blocks():
    # 100 bytes a token, 32-token blocks by default: one block without ctx, 2 blocks for 33 tokens
    assert start_need("trtllm", _cap(7, bytes_per_token=100)) == 3200
    assert start_need("trtllm", _cap(7, bytes_per_token=100), 32) == 3200
    assert start_need("trtllm", _cap(7, bytes_per_token=100), 33) == 6400
    assert start_need("trtllm", _cap(7, bytes_per_token=100), 0) == 3200  # still one block
    assert start_need("trtllm", _cap(7, bytes_per_token=100, block_size=64), 65) == 12_800
    assert start_need("trtllm", _cap(7)) == 7  # no bytes per token: the request's bytes


def test_start_need_vllm_null_block():
    # one request of max_model_len + the null block: 2 GiB + 2 MiB; no block known: the request
    assert start_need("vllm", _cap(2 * GiB, bytes_per_block=2**21)) == 2 * GiB + 2**21
    assert start_need("vllm", _cap(2 * GiB, bytes_per_block=None)) == 2 * GiB
    assert start_need("vllm", _cap(2 * GiB)) == 2 * GiB
    assert start_need("vllm", _cap(2 * GiB, cell_size_bytes=1, bytes_per_token=1), 1) == 2 * GiB  # not SGLang's


def test_margin_exactly_zero_is_not_does_not_fit():
    # budget 2 GiB, need 2 GiB: margin 0; the engine's check (needed > available) passes
    v = judge("vllm", [_stage(2 * GiB)], _cap(2 * GiB), True)
    assert (v.verdict, v.margin_bytes, v.need_bytes, v.uncertainty_bytes) == ("fits", 0, 2 * GiB, 0)
    assert v.why == "margin 0.00 GiB; no part of the budget is estimated"
    # with any estimated part, margin 0 ≤ its error: at risk
    assert judge("vllm", [_stage(2 * GiB, {"activation": 1})], _cap(2 * GiB), True).verdict == "at_risk"
    # one byte short: does not fit
    assert judge("vllm", [_stage(2 * GiB - 1)], _cap(2 * GiB), True).verdict == "does_not_fit"


def test_margin_equal_to_the_uncertainty_is_at_risk_one_more_fits():
    # margin 1 GiB, parts ±0.25 + ±0.75 GiB = ±1 GiB: at risk, decided by the larger one
    unc = {"activation": GiB // 4, "cuda_graphs": 3 * GiB // 4}
    v = judge("vllm", [_stage(3 * GiB, unc)], _cap(2 * GiB), True)
    assert (v.verdict, v.margin_bytes, v.uncertainty_bytes, v.deciding_term) == ("at_risk", GiB, GiB, "cuda_graphs")
    assert v.why == ("the margin of 1.00 GiB is within the ±1.00 GiB the estimated parts may err; the largest: "
                     "cuda_graphs (cuda_graphs label: ±0.75 GiB, cuda_graphs source)")
    v = judge("vllm", [_stage(3 * GiB + 1, unc)], _cap(2 * GiB), True)
    assert (v.verdict, v.deciding_term, v.uncertainty_bytes) == ("fits", None, GiB)
    assert v.why == "margin 1.00 GiB, more than the ±1.00 GiB the estimated parts may err"


def test_short_within_the_error_names_the_term():
    # margin −1 GiB, ±1 GiB together: does not fit, "might start", decided by ±0.75 GiB
    unc = {"activation": GiB // 4, "cuda_graphs": 3 * GiB // 4}
    v = judge("vllm", [_stage(GiB, unc)], _cap(2 * GiB), True)
    assert (v.verdict, v.margin_bytes, v.deciding_term) == ("does_not_fit", -GiB, "cuda_graphs")
    assert v.why == ("short by 1.00 GiB of KV budget; within the ±1.00 GiB the estimated parts may err, so it "
                     "might start, but kvplan does not say fits where that rests on cuda_graphs (cuda_graphs "
                     "label: ±0.75 GiB, cuda_graphs source)")
    # one byte further short: beyond the error, no deciding term
    v = judge("vllm", [_stage(GiB - 1, unc)], _cap(2 * GiB), True)
    assert (v.verdict, v.deciding_term) == ("does_not_fit", None)
    assert v.why == "short by 1.00 GiB of KV budget"


def test_refused_with_room_left():
    # the engine refuses with margin +1 GiB: does not fit, and the why says the engine refuses
    v = judge("vllm", [_stage(3 * GiB, {"activation": GiB})], _cap(2 * GiB, False), False)
    assert (v.verdict, v.margin_bytes, v.deciding_term) == ("does_not_fit", GiB, "activation")
    assert v.why.startswith("the engine refuses this set-up; within the ±1.00 GiB")
    v = judge("vllm", [_stage(3 * GiB)], _cap(2 * GiB, False), False)
    assert (v.verdict, v.deciding_term, v.why) == ("does_not_fit", None, "the engine refuses this set-up")


def test_need_is_zero_when_refused_without_a_request_size():
    # refused and no request size (it cannot start at all): need 0, margin the whole budget
    v = judge("vllm", [_stage(3 * GiB)], _cap(0, False, bytes_per_block=GiB), False)
    assert (v.need_bytes, v.margin_bytes) == (0, 3 * GiB)
    # it starts with a request size of 0: the block held back is still needed
    v = judge("vllm", [_stage(3 * GiB)], _cap(0, True, bytes_per_block=GiB), True)
    assert (v.need_bytes, v.margin_bytes) == (GiB, 2 * GiB)
    # refused with a request size: the need is counted
    v = judge("vllm", [_stage(3 * GiB)], _cap(GiB, False), False)
    assert v.need_bytes == GiB


def test_the_tightest_gpu_decides():
    # two stages: 5 GiB and 3 GiB of KV budget; need 2 GiB: margin 1 GiB, from the 3 GiB one,
    # whose ±2 GiB (not the other's ±0.5) makes it at risk
    a, b = _stage(5 * GiB, {"activation": GiB // 2}), _stage(3 * GiB, {"cuda_graphs": 2 * GiB})
    for stages in ([a, b], [b, a]):
        v = judge("vllm", stages, _cap(2 * GiB), True)
        assert (v.verdict, v.margin_bytes, v.uncertainty_bytes, v.deciding_term) == \
            ("at_risk", GiB, 2 * GiB, "cuda_graphs")


def test_fixed_cache_needs_room_beside_it():
    # margin 3 GiB by the cache, but one stage has only 0.5 GiB unused: the margin is 0.5 GiB
    s1, s2 = _stage(5 * GiB, unused=GiB // 2), _stage(5 * GiB, unused=4 * GiB)
    v = judge("vllm", [s2, s1], _cap(2 * GiB), True, kv_cache_fixed=True)
    assert (v.verdict, v.margin_bytes) == ("fits", GiB // 2)
    assert judge("vllm", [s2, s1], _cap(2 * GiB), True).margin_bytes == 3 * GiB  # not fixed
    # the unused part is larger than the cache's margin: the cache's margin stays
    assert judge("vllm", [s2], _cap(2 * GiB), True, kv_cache_fixed=True).margin_bytes == 3 * GiB
    # no room beside the cache: short
    v = judge("vllm", [_stage(5 * GiB, unused=-1)], _cap(2 * GiB), True, kv_cache_fixed=True)
    assert (v.verdict, v.margin_bytes) == ("does_not_fit", -1)


def test_unmodelled_part_is_never_fits():
    v = judge("vllm", [_stage(9 * GiB, {"activation": GiB}, blind="all2all")], _cap(2 * GiB), True)
    assert (v.verdict, v.margin_bytes, v.deciding_term) == ("at_risk", 7 * GiB, "all2all")
    assert v.why == "margin 7.00 GiB, but all2all (all2all label) is not modelled: all2all source"
    # an unmodelled part with the margin inside the error: at risk by the error's term
    v = judge("vllm", [_stage(3 * GiB, {"activation": 2 * GiB}, blind="all2all")], _cap(2 * GiB), True)
    assert (v.verdict, v.deciding_term) == ("at_risk", "activation")


def test_trtllm_one_token_blocks_without_ctx():
    # block size 1: no ctx is one token (100 bytes), not two
    assert start_need("trtllm", _cap(7, bytes_per_token=100, block_size=1)) == 100


def test_judge_passes_ctx_to_the_need():
    # SGLang, cell 1,000 bytes, ctx 10: need 10,000; budget 25,000: margin 15,000
    v = judge("sglang", [_stage(25_000)], _cap(7, cell_size_bytes=1000), True, ctx=10)
    assert (v.need_bytes, v.margin_bytes, v.verdict) == (10_000, 15_000, "fits")


def test_refused_at_margin_zero_says_refused():
    # the engine refuses with a margin of exactly 0: "refuses", not "short by 0.00 GiB"
    v = judge("vllm", [_stage(2 * GiB)], _cap(2 * GiB, False), False)
    assert (v.verdict, v.margin_bytes, v.why) == ("does_not_fit", 0, "the engine refuses this set-up")


def test_every_verdict_carries_need_and_uncertainty():
    # does not fit: need 2 GiB, ±0.5 GiB; unmodelled: need 2 GiB, ±0.25 GiB
    v = judge("vllm", [_stage(GiB, {"activation": GiB // 2})], _cap(2 * GiB), True)
    assert (v.verdict, v.need_bytes, v.uncertainty_bytes) == ("does_not_fit", 2 * GiB, GiB // 2)
    v = judge("vllm", [_stage(9 * GiB, {"activation": GiB // 4}, blind="all2all")], _cap(2 * GiB), True)
    assert (v.verdict, v.need_bytes, v.uncertainty_bytes) == ("at_risk", 2 * GiB, GiB // 4)


def test_fits_with_nothing_estimated_states_the_margin():
    # budget 3 GiB, need 2 GiB, no estimated part: margin 1.00 GiB
    v = judge("vllm", [_stage(3 * GiB)], _cap(2 * GiB), True)
    assert (v.verdict, v.why) == ("fits", "margin 1.00 GiB; no part of the budget is estimated")
