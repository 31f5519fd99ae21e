"""SGLang's admission at a page size over 1 with a shared prefix (kvplan/plan/simulate/sglang.py
``SGLangReplica._fits``), counted by hand: a request that hits cached prefix pages sitting free
locks them (schedule_policy.py ``PrefillAdder._lock_node``: ``inc_lock_ref`` takes them out of the
tree cache's evictable size, which ``rem_total_tokens`` counts beside the free pages), so the room
loses their tokens. Every step takes 1 s (the Ledger of test_simulate_hybrid.py)."""
from kvplan.plan import simulate as sim
from kvplan.plan.simulate.scheduler import _Req
from kvplan.plan.simulate.sglang import SGLangReplica
from tests.plan.test_simulate_hybrid import Ledger  # every step takes 1 s


def _replica(pages: int) -> SGLangReplica:
    """Page 16, ``pages`` pages, a 32-token (2-page) shared prefix, the whole output reserved."""
    lim = sim.Limits("sglang", 16, pages, 8, 8192, 8192, True, {}, output_reserve=1.0)
    return SGLangReplica(lim, Ledger(), shared_prefix=32)


def _after_a(pages: int):
    """A (prompt 40 = the prefix + 8, output 1) needs 40 + 1 + 16 = 57 tokens ≤ pages × 16: admitted
    (cdiv(40, 16) = 3 pages); its prefill makes its one token, registers the 2 full prefix pages
    (40 // 16 = 2) and it finishes: every page free again, the prefix's 2 cached among them."""
    rep = _replica(pages)
    a = _Req(0, sim.Request(0.0, 40, 1, "p"))
    rep.waiting.append(a)
    d, done = rep.step(0.0)
    assert done == [a] and rep.free == pages and rep.out_left == 0
    p = rep.prefixes["p"]
    assert (p.cached, p.maxheld) == (2, 0)  # cached, held by no one: free
    return rep


def test_a_hit_on_free_cached_pages_counts_their_tokens_as_taken():
    """B (prompt 48 = the prefix + 16, output 1) hits the 2 cached pages (at most (48 − 1) // 16 = 2),
    which sit free: they count 2 × 16 = 32 tokens. On 4 pages (64 tokens) it needs 16 uncached + 1 +
    one page 16 + 32 = 65 > 64: refused, as without the hit (48 + 1 + 16 = 65). Counted as 2 / 16
    tokens the hit would make it fit (33.125). On 5 pages (80 tokens): 65 ≤ 80, admitted with the
    2 pages hit (32 tokens), 16 new tokens and cdiv(32 + 16, 16) − 2 = 1 page to take."""
    b = _Req(1, sim.Request(0.0, 48, 1, "p"))
    rep = _after_a(4)
    assert rep._fits(b, 8192) is None
    rep = _after_a(5)
    assert rep._fits(b, 8192) == (2, 0, 32, 16, 1, 0)  # (shared pages, own, hit tokens, new, pages to take, host)
