"""SGLang's ``add_one_req_ignore_eos`` peak check (kvplan/plan/simulate/sglang.py
``SGLangReplica._peak_fits``), each case worked out by hand from the rule as sglang.py's docstring
states it (schedule_policy.py ``PrefillAdder.add_one_req_ignore_eos``):

* paged = ceil(uncached prompt / page) × page + one page must be ≤ min(free tokens, room);
* a sliding-window pool (``swa_tokens``) skips the rest;
* else states = (output left, prompt + generated) of every running request with output left, and
  the new one; sorted; cur = free − paged; at each i (n − i requests still running) the check
  cur + freed − left × (n − i) must stay > IGNORE_EOS_RESERVE_TOKENS (1) × (n − i), and freed
  adds that request's held tokens after it.

Each test is a pair at the boundary (one token or page either side), so an off-by-one, a swapped
operator or a dropped term moves the answer on one side."""
from kvplan.model.frozen import replace
from kvplan.plan import simulate as sim
from kvplan.plan.latency.step import OpLatency
from kvplan.plan.simulate.scheduler import _Req
from kvplan.plan.simulate.sglang import SGLangReplica
from kvplan.plan.simulate.workload import Request
from kvplan.sources import catalog

_RF = None


def _replica(page: int, pages: int, running=(), swa_tokens: int = 0) -> SGLangReplica:
    """A radix-cache-off ignore_eos replica of ``pages`` free pages of ``page`` tokens, with
    ``running`` = [(prompt, output, generated)] in its running batch."""
    global _RF
    if _RF is None:
        _RF = OpLatency(catalog.load_model("llama-3.1-8b"), catalog.load_gpu("h100"), engine="sglang")
    lim = sim.Limits("sglang", page, pages, 256, 8192, 131072, False, {}, output_reserve=0.0, ignore_eos=True)
    if swa_tokens:
        lim = replace(lim, swa_tokens=swa_tokens)
    rep = SGLangReplica(lim, _RF)
    for i, (p, o, g) in enumerate(running):
        x = _Req(i, Request(0.0, p, o))
        x.g = g
        rep.running[x] = None
    return rep


def _new(prompt: int, output: int, g: int = 0) -> _Req:
    r = _Req(99, Request(0.0, prompt, output))
    r.g = g
    return r


def test_first_check_binds_with_two_running():
    """Page 1. Running A (10 + 30, 10 made): left 20, held 20; B (5 + 50, 20 made): left 30, held
    25; new r (10 + 40): paged 10 + 1 = 11, left 40, held 10. n = 3, cur = F − 11:
    i=0: cur − 20×3 > 3 → cur ≥ 64; i=1: cur + 20 − 30×2 > 2 → cur ≥ 43; i=2: cur + 45 − 40 > 1.
    So F = 75 admits, F = 74 refuses."""
    run = [(10, 30, 10), (5, 50, 20)]
    assert _replica(1, 75, run)._peak_fits(_new(10, 40), 10, 75) is True
    assert _replica(1, 74, run)._peak_fits(_new(10, 40), 10, 74) is False


def test_last_check_binds_and_counts_every_earlier_end():
    """Page 1. Running A (100 + 10, 5 made): left 5, held 105; B (100 + 20, 10 made): left 10, held
    110; new r (10 + 300): paged 11, left 300, held 10. cur = F − 11: i=0: cur − 15 > 3;
    i=1: cur + 105 − 20 > 2; i=2: cur + 105 + 110 − 300 > 1 → cur ≥ 87. F = 98 admits, 97 refuses
    (counting only B's 110 freed, or prompts less their made tokens, 95 + 90, would refuse 98)."""
    run = [(100, 10, 5), (100, 20, 10)]
    assert _replica(1, 98, run)._peak_fits(_new(10, 300), 10, 98) is True
    assert _replica(1, 97, run)._peak_fits(_new(10, 300), 10, 97) is False


def test_a_running_request_with_no_output_left_is_not_counted():
    """SGLang's add_req_state keeps only tokens_left > 0. Running C (50 + 8, all 8 made); new r
    (10 + 20): paged 11, n = 1: cur − 20 > 1 → cur ≥ 22, F ≥ 33. At F = 32 refused; counting C as
    a state (left 0, held 58) would pass i=0 (21 > 2) and then 21 + 58 − 20 > 1."""
    run = [(50, 8, 8)]
    assert _replica(1, 33, run)._peak_fits(_new(10, 20), 10, 33) is True
    assert _replica(1, 32, run)._peak_fits(_new(10, 20), 10, 32) is False


def test_a_resumed_request_counts_its_made_tokens():
    """A request retracted with 5 of 30 made comes back: uncached 10 + 5 = 15, paged 16, left 25,
    held 15. Alone: cur − 25 > 1 → cur ≥ 27, F ≥ 43 (its output in full, 30, would need 47).
    Beside running A (10 + 100): states (25, 15), (100, 10); i=0: cur − 50 > 2; i=1: cur + 15 −
    100 > 1 → cur ≥ 87, F ≥ 103 (held as 10 − 5 = 5 would need 113)."""
    assert _replica(1, 43)._peak_fits(_new(10, 30, 5), 15, 43) is True
    assert _replica(1, 42)._peak_fits(_new(10, 30, 5), 15, 42) is False
    run = [(10, 100, 0)]
    assert _replica(1, 103, run)._peak_fits(_new(10, 30, 5), 15, 103) is True
    assert _replica(1, 102, run)._peak_fits(_new(10, 30, 5), 15, 102) is False


def test_the_prompt_must_fit_the_room_as_well_as_the_free_tokens():
    """Page 1, 100 free, r (49 + 1): paged 50. Room 50: 50 ≤ 50, then cur 50 − 1 > 1: admitted;
    room 49: refused before the peak check."""
    assert _replica(1, 100)._peak_fits(_new(49, 1), 49, 50) is True
    assert _replica(1, 100)._peak_fits(_new(49, 1), 49, 49) is False


def test_pages_of_sixteen():
    """Page 16, r (20 + 1): ceil(20 / 16) = 2 pages + one = 48 tokens. 4 free pages (64): cur 16,
    16 − 1 > 1 admitted; 3 pages (48): cur 0, refused at the peak; 2 pages (32): 48 > 32 refused."""
    assert _replica(16, 4)._peak_fits(_new(20, 1), 20, 64) is True
    assert _replica(16, 3)._peak_fits(_new(20, 1), 20, 48) is False
    assert _replica(16, 2)._peak_fits(_new(20, 1), 20, 32) is False


def test_a_sliding_window_pool_skips_the_peak_check():
    """r (10 + 100) in 20 free tokens: paged 11 fits, and the peak check would refuse it (9 − 100
    ≤ 1); with a sliding-window pool SGLang skips that check: admitted. 10 free still refuses it
    (11 > 10)."""
    assert _replica(1, 20)._peak_fits(_new(10, 100), 10, 20) is False
    assert _replica(1, 20, swa_tokens=64)._peak_fits(_new(10, 100), 10, 20) is True
    assert _replica(1, 10, swa_tokens=64)._peak_fits(_new(10, 100), 10, 10) is False


def _pair(b_prompt: int, b_output: int, version: str | None = None) -> int:
    """As test_simulate_sglang.py's ``_ignore_eos_pair``: a pool of 1,000 tokens (page 1), radix
    cache off, ignore_eos, output_reserve 0; A (100 + 100) and B (``b_prompt`` + ``b_output``)
    arrive together; how many the first step admits. A, admitted first, leaves 900 free and 100
    of output to come."""
    from kvplan.plan.simulate.limits import for_engine_version

    lim = for_engine_version(sim.Limits("sglang", 1, 1000, 256, 8192, 131072, False, {}, output_reserve=0.0,
                                        ignore_eos=True), version)
    _replica(1, 1)  # loads the step model once
    rep = SGLangReplica(lim, _RF)
    rep.waiting.extend([_Req(0, Request(0.0, 100, 100)), _Req(1, Request(0.0, b_prompt, b_output))])
    rep.form(0.0)
    return len(rep.running)


def test_the_peak_rule_takes_its_room_at_the_new_token_ratio():
    """SGLang >= 0.4 (the peak rule): room = 900 free − 0 (output_reserve) × 100 = 900. B (850 +
    1): paged 851 ≤ 900; states (1, 850), (100, 100), cur 49: 49 − 2 > 2, 49 + 850 − 100 > 1:
    admitted. Keeping A's whole output free (ratio 1) would leave room 800 < 851."""
    assert _pair(850, 1) == 2


def test_before_0_4_the_whole_remaining_output_is_kept_free():
    """SGLang 0.3.0 (its ignore_eos rule not read: ratio 1): room = 900 − 1 × 100 = 800, and B needs
    prompt + output + one page: 100 + 699 + 1 = 800 ≤ 800 admitted, 100 + 700 + 1 = 801 refused
    (ratio 0 would admit 801; ratio 2 would refuse 800)."""
    assert _pair(100, 699, "0.3.0") == 2
    assert _pair(100, 700, "0.3.0") == 1
