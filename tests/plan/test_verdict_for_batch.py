"""verdict.for_batch, the answer for `fit --ctx C --batch B` (ux19), on hand-made stages (session 19's
mutation run, mut19d): the start's margin, need and uncertainty kept; the tightest stage's largest
estimated part named, its ±bytes in GiB; no `low` (no estimated part) means the max batch decides."""
from types import SimpleNamespace as NS

from kvplan.plan.verdict import AT_RISK, DOES_NOT_FIT, FITS, Verdict, for_batch

GIB = 2**30
START = Verdict(FITS, 7 * GIB, 3 * GIB, 2 * GIB, "weights", "starts")


def part(key, unc):
    return NS(key=key, uncertainty=unc)


# the first stage has more KV budget; the second (tightest) decides, and its largest part is "act" ±1.50 GiB
STAGES = [NS(kv_budget_bytes=10 * GIB, budget=[part("weights", 2 * GIB)]),
          NS(kv_budget_bytes=5 * GIB, budget=[part("cuda", GIB // 2), part("act", 3 * GIB // 2), part("kv", 0)])]


def fields(v):
    return (v.verdict, v.margin_bytes, v.need_bytes, v.uncertainty_bytes, v.deciding_term, v.why, v.batch)


def test_up_to_the_low_max_batch_the_start_answers():
    assert for_batch(START, STAGES, 3, 1000, 4, 3) is START
    # no low (no estimated part): the max batch alone decides, as sweep's column does
    assert for_batch(START, STAGES, 4, 1000, 4, None) is START
    refused = Verdict(DOES_NOT_FIT, -GIB, 3 * GIB, 2 * GIB, None, "does not start")
    assert for_batch(refused, STAGES, 9, 1000, 4, 3) is refused


def test_past_the_max_batch_does_not_fit_with_the_start_bytes():
    v = for_batch(START, STAGES, 5, 32_000, 4, 3)
    assert fields(v) == (DOES_NOT_FIT, 7 * GIB, 3 * GIB, 2 * GIB, None,
                         "5 sequences of 32,000 tokens: at most 4 fit", 5)
    assert fields(for_batch(START, STAGES, 5, 1000, 4, None))[0] == DOES_NOT_FIT


def test_between_low_and_max_is_at_risk_naming_the_tightest_stage_part():
    v = for_batch(START, STAGES, 4, 32_000, 4, 3)
    assert fields(v) == (AT_RISK, 7 * GIB, 3 * GIB, 2 * GIB, "act",
                         "4 sequences of 32,000 tokens fit only if the estimated parts err the kind way: with each "
                         "at the far end of its error at most 3 fit (the largest: act, ±1.50 GiB)", 4)
