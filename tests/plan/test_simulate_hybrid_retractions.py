"""simulate's hybrid replicas (kvplan/plan/simulate/hybrid.py) around retractions, counted by hand:
SGLang's SWA replica retracting for full-pool pages at a decode (pages of 16 tokens) and for SWA
room, and re-admitting a retracted request against its remaining output; vLLM's full-sequence gate
for a resumed request in every group. Every step takes 1 s (the Ledger of test_simulate_hybrid.py)."""
import pytest

from kvplan.plan import simulate as sim
from kvplan.plan.simulate.groups import Group
from kvplan.plan.simulate.hybrid import SGLangSWAReplica, VllmHybridReplica
from kvplan.plan.simulate.scheduler import _Req
from tests.plan.test_simulate_hybrid import Ledger  # every step takes 1 s


def _sglang(pages: int, budget: int, bs: int = 16, swa: int = 10_000, caching: bool = True,
            reserve: float = 0.0) -> SGLangSWAReplica:
    """SGLang, window 128; ``pages`` pages of ``bs`` tokens in the full pool; nothing reserved for
    the running requests' output unless ``reserve``."""
    lim = sim.Limits("sglang", bs, pages, 8, budget, 8192, caching, {}, output_reserve=reserve,
                     groups=(Group("sliding", bs, 128),), swa_tokens=swa)
    return SGLangSWAReplica(lim, Ledger())


def _run(rep, reqs):
    """Requests waiting at 0, stepped to the end: (requests, [(free pages or blocks, free SWA
    tokens or None) after each step])."""
    rs = [_Req(i, sim.Request(0.0, p, o)) for i, (p, o) in enumerate(reqs)]
    rep.waiting.extend(rs)
    trace = []
    while rep.has_work():
        d, _ = rep.step(rep.t)
        rep.t += d
        trace.append((rep.free, getattr(rep, "swa_free", None)))
    return rs, trace


# -- SGLang, pages of 16: a decode short of full-pool pages ---------------------------------------
def test_sglang_page_16_decode_shortage_after_a_decode_retraction():
    """7 pages; A (prompt 32, output 26), B (32, 28), C (16, 16). SGLang's admission (nothing reserved
    for the running): A 32 + 26 + 16 = 74 ≤ 112 tokens (2 pages: 5 free), B 32 + 28 + 16 = 76 ≤ 80
    (2: 3 free), C 16 + 16 + 16 = 48 ≤ 48 (1: 2 free); all three prefill in step 1. Step 2: A and B
    at c = 32 and C at c = 16 each need a page, 3 > 2 free: A and B take them, C (the latest) is
    retracted (its page back: 1 free). Steps 3-17: C needs 17 + 15 + 16 = 48 > 16 tokens: waits.
    Step 18: A and B at c = 48 need a 4th page, 2 > 1: A takes it, B is retracted (3 back: 3 free).
    A's 26th token at step 26 ends it (1 + 25 decodes): 7 free. Step 27: B (49 + 11 + 16 = 76 ≤ 112;
    4 pages) and C (17 + 15 + 16 = 48 ≤ 48; 2 pages) come back: 1 free; B's 28th token at 37
    (10 decodes), C's 16th at 41 (14), no page boundary on the way (B 49..58, C 17..30)."""
    rep = _sglang(7, 4096)
    (a, b, c), trace = _run(rep, [(32, 26), (32, 28), (16, 16)])
    assert [f for f, _ in trace][:2] == [2, 1] and trace[16][0] == 1 and trace[17][0] == 3
    assert trace[25][0] == 7 and trace[26][0] == 1 and trace[-1][0] == 7
    assert [r.end for r in (a, b, c)] == [26.0, 37.0, 41.0]
    assert [r.preempted for r in (a, b, c)] == [0, 1, 1] and rep.preemptions == 2


def test_sglang_page_16_decode_shortage_after_a_chunked_prefill():
    """6 pages, chunks of 16 tokens; A (prompt 32, output 20), B (16, 20). Step 1: A (32 + 20 + 16 =
    68 ≤ 96) takes its first chunk (1 page: 5 free); step 2 its second (4 free) and its first token.
    Step 3: B (16 + 20 + 16 = 52 ≤ 64): 1 page, 3 free. Step 4: A at c = 32 and B at c = 16 each take
    a page (1 free). Step 20: A at c = 48 and B at c = 32, 2 > 1: A takes it, B (17 tokens made) is
    retracted (2 back: 2 free). A ends at step 22 (its 20th token); step 23 re-admits B (33 tokens:
    3 pages, 3 free), its 18th token; its 20th at step 25."""
    rep = _sglang(6, 16)
    (a, b), trace = _run(rep, [(32, 20), (16, 20)])
    assert [f for f, _ in trace] == [5, 4, 3] + [1] * 16 + [2, 2, 6, 3, 3, 6]
    assert (a.end, b.end, a.preempted, b.preempted) == (22.0, 25.0, 0, 1)


def test_sglang_page_16_a_decode_page_with_exactly_one_free_is_taken():
    """8 pages, chunks of 16; A (prompt 32, output 21), B (32, 23), C (16, 27); nothing reserved for
    the running. Steps 1-2: A's two chunks (6 free); steps 3-4 B's (4 free); step 5 C (16 + 27 + 16 =
    59 ≤ 64: 3 free). Step 6: A, B at c = 32 and C at c = 16: 3 pages for 3 free (0 free). Step 22:
    A, B at c = 48 and C at c = 32 need 3 pages, none free: A retracts the latest, C (2 pages back),
    takes one; B then needs 1 page with exactly 1 free: it takes it, no retraction (0 free). A ends
    at 25 (1 + 20 decodes, steps 6-25; 4 free); steps 26-28 re-admit C (33 + 10 + 16 = 59 ≤ 64; 33
    tokens in chunks of 16, 16, 1: 1 free) while B waits; B's 23rd token at 30, C's 27th at 37."""
    rep = _sglang(8, 16)
    (a, b, c), trace = _run(rep, [(32, 21), (32, 23), (16, 27)])
    assert [f for f, _ in trace][:6] == [7, 6, 5, 4, 3, 0] and trace[21][0] == 0
    assert [r.end for r in (a, b, c)] == [25.0, 30.0, 37.0]
    assert [r.preempted for r in (a, b, c)] == [0, 0, 1] and rep.preemptions == 1


# -- SGLang, page 1: re-admission counts the output still to come ----------------------------------
def test_sglang_readmission_reserves_the_output_left_not_all_of_it():
    """Page 1, SWA pool 112 tokens, no prefix caching; A (prompt 40, output 30), B (10, 20),
    C (10, 30). Step 1 SWA needs (min(extend + output, 128) + 1): A 71 < 112 (takes 40: 72 free),
    B 31 < 72 (10: 62), C 41 < 62 (10: 52); each makes a token and will keep its whole sequence
    (A 69, B 29, C 39). Step 2: A tops up 29 (23 free), B 19 (4), C's 29 > 4 retracts C (10 back: 14).
    C (11 tokens to recompute, 29 to make) needs min(11 + 29, 128) + 1 = 41 ≥ 14: waits. B's 20th
    token at step 20 frees its 29: 43. Step 21: 41 < 43, C comes back (11 tokens: 32 free; with its
    whole output, 43 ≥ 43 would wait for A); step 22 C tops up 28 (4 free). A, paused at step 21,
    ends at 31; C's 30th token at 49 (28 decodes from step 22)."""
    rep = _sglang(5000, 4096, bs=1, swa=112, caching=False, reserve=1.0)
    (a, b, c), trace = _run(rep, [(40, 30), (10, 20), (10, 30)])
    swa = [s for _, s in trace]
    assert swa[:2] == [52, 14] and swa[19:22] == [43, 32, 4] and swa[-1] == 112
    assert [r.end for r in (a, b, c)] == [31.0, 20.0, 49.0] and c.preempted == 1


# -- vLLM: a resumed request's whole sequence in every group ---------------------------------------
def test_vllm_resumed_request_gate_counts_generated_tokens_in_every_group():
    """Blocks of 16, one sliding group (window 128, no admission cap), budget 16. A request of
    prompt 40 that made 10 tokens before a preemption resumes with 50 tokens: the full group needs
    cdiv(50, 16) = 4 blocks and the sliding group (50 < 128: nothing skipped) 4 more: 8, though its
    first chunk of 16 needs only 1 + 1. 7 free refuse it, 8 admit it (40 − 10 = 30 tokens would
    count 2 sliding blocks and fit 7)."""
    for blocks, fits in ((7, False), (8, True)):
        lim = sim.Limits("vllm", 16, blocks, 8, 16, 4096, False, {}, groups=(Group("sliding", 16, 128),))
        rep = VllmHybridReplica(lim, Ledger())
        r = _Req(0, sim.Request(0.0, 40, 20))
        r.g = 10
        assert rep._full_need(r, 0, 0) == 8
        assert (rep._fits(r, 16) is not None) is fits


def test_vllm_stale_block_event_of_a_readmitted_request_is_skipped():
    """Blocks of 16 and a Mamba group of 1 block a request, 6 blocks. A (prompt 20, output 16):
    2 + 1 blocks; B (16, 31): 1 + 1; 1 free. Step 2: B's first decode (c = 16) takes a second full
    block: 0 free; B files its next block for c = 32, A for c = 32 too (A at step 14, B at 18).
    Step 14: A needs its third block, none free: B (the latest) is preempted, its 3 blocks back, A
    takes one (2 free); B's event for c = 32 stays filed under its old epoch. A's 16th token at
    step 16 ends it: 6 free. Step 17: B comes back with 16 + 13 = 29 tokens: 2 + 1 blocks (3 free),
    its 14th token; step 21 (c = 32) its third full block: 2 free, the old event skipped (taking it
    too would hold a block B never frees: 5 of 6 back). B's 31st token at step 34: 6 free."""
    lim = sim.Limits("vllm", 16, 6, 8, 1024, 4096, True, {}, groups=(Group("mamba", 0, fixed=1),))
    rep = VllmHybridReplica(lim, Ledger())
    (a, b), trace = _run(rep, [(20, 16), (16, 31)])
    assert [f for f, _ in trace] == [1] + [0] * 12 + [2, 2, 6] + [3] * 4 + [2] * 13 + [6]
    assert (a.end, b.end, a.preempted, b.preempted) == (16.0, 34.0, 0, 1)
