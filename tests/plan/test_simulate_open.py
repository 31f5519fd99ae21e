"""simulate's replicas (kvplan/plan/simulate/{scheduler,sglang,speculative}.py) in the corners the
rules tests leave: a host-tier load, caching off, exact-capacity preemption, a prefix held by
requests of different lengths, SGLang's retraction and re-admission, a speculative budget spent by
decodes. The same hand-traceable set-up as tests/plan/test_simulate_scheduler_rules.py: every step
costs 1 s (its Ledger), vLLM 0.33 / SGLang 0.5.23 rules as kvplan/plan/simulate/__init__.py cites
them (v1/core/sched/scheduler.py ``Scheduler.schedule``; v1/core/kv_cache_manager.py
``allocate_slots``, ``get_computed_blocks`` (at most num_tokens − 1 tokens hit), ``free``;
v1/core/block_pool.py's free queue; SGLang schedule_policy.py ``PrefillAdder``)."""
import pytest

from kvplan.errors import KvplanError
from kvplan.plan import simulate as sim
from kvplan.plan.simulate.scheduler import Replica, _Req
from kvplan.plan.simulate.sglang import SGLangReplica
from kvplan.plan.simulate.speculative import SpecReplica
from tests.plan.test_simulate_scheduler_rules import Ledger, SpecLedger, _eagle, lim


def steps(rep, arrivals, n=12, probe=lambda rep: rep.free):
    """Step ``rep`` at most ``n`` times, adding ``arrivals[i]`` before step i: ``probe`` after
    each step (a mutant that loops forever is cut off at ``n``)."""
    out, t = [], 0.0
    for i in range(n):
        if i < len(arrivals):
            rep.waiting.extend(arrivals[i])
        got = rep.step(t)
        if got is None:
            break
        t += got[0]
        out.append(probe(rep))
    return out


def queued(rep):
    """Blocks the free queue holds: never-cached runs, preempted requests' own blocks and the
    prefix spans still cached (what ``_take`` can pop); equals ``rep.free`` when consistent."""
    n = 0
    for e in rep.queue:
        if isinstance(e, int):
            n += e
        elif isinstance(e, sim._Run):
            n += e.left
        else:
            n += max(0, min(e.hi, rep.prefixes[e.pid].cached) - e.lo)
    return n


def R(i, prompt, output, pid=None):
    return _Req(i, sim.Request(0.0, prompt, output, pid))


# ---- caching off -------------------------------------------------------------------------------
# 2 blocks of 4, caching off: a request of 8 tokens needs exactly both blocks (nothing to evict).
def test_caching_off_admits_a_request_that_needs_every_block():
    rf = Ledger()
    rep = Replica(lim(blocks=2, budget=64, caching=False), rf)
    r = R(0, 8, 1)
    assert steps(rep, [[r]]) == [2] and rf.calls == [([(0, 8)], 0, 0)] and r.end == 1.0


# The rules test's preemption (4 blocks; r0, r1 4 -> 6; r1 preempted at decode step 5 with 5
# tokens generated, 8 computed) with caching off and a budget of 8: nothing is hit, so r1
# recomputes its 4 + 5 = 9 tokens in 2 chunks, (0, 8) in step 7 and (8, 1) in step 8, and only
# then samples its 6th token (end 8 s).
def test_a_resumed_request_without_a_cache_recomputes_prompt_and_output_in_chunks():
    rf = Ledger()
    rep = Replica(lim(blocks=4, budget=8, caching=False), rf)
    r0, r1 = R(0, 4, 6), R(1, 4, 6)
    assert steps(rep, [[r0, r1]]) == [2, 0, 0, 0, 0, 4, 2, 4]
    assert rf.calls[-2:] == [([(0, 8)], 0, 0), ([(8, 1)], 0, 0)]
    assert (r0.end, r1.end, r1.g, r1.hit_tokens) == (6.0, 8.0, 6, 0)


# ---- a one-token request before another chunk ------------------------------------------------
# r0 2 -> 1 and r1 3 -> 2 in step 1: r0 ends on its only token; r1's chunk still completes
# (first token at 1 s), its decode in step 2.
def test_a_one_token_request_does_not_hide_the_chunks_after_it():
    rf = Ledger()
    rep = Replica(lim(), rf)
    r0, r1 = R(0, 2, 1), R(1, 3, 2)
    assert steps(rep, [[r0, r1]]) == [99, 100]
    assert rf.calls == [([(0, 2), (0, 3)], 0, 0), ([], 1, 4)]
    assert (r0.end, r1.first_tok, r1.end) == (1.0, 1.0, 2.0)


# ---- exact capacity ----------------------------------------------------------------------------
# 3 blocks of 4, budget 4: r0 12 -> 1 in chunks of 4, one block each; the 3rd chunk needs 1
# block and exactly 1 is free: no preemption (``allocate_slots`` fails only when fewer are free).
def test_a_chunk_that_needs_exactly_the_free_blocks_preempts_nothing():
    rf = Ledger()
    rep = Replica(lim(blocks=3, budget=4), rf)
    r = R(0, 12, 1)
    assert steps(rep, [[r]]) == [2, 1, 3]
    assert rf.calls == [([(0, 4)], 0, 0), ([(4, 4)], 0, 0), ([(8, 4)], 0, 0)] and rep.preemptions == 0


# 6 blocks of 4. r0, r1, r2 (4 -> 3) and r3 (1 -> 5), all in step 1: 4 blocks, free 2. Decode
# step 1 (step 2): r0..r2 sit at 4 computed tokens and ask for a 2nd block (3 due, 2 free); r3 at 1
# is not due. In admission order r0 and r1 take the 2 free blocks; r2 finds none: the most
# recently admitted running request, r3 (a fresh decode: its 1st token, no decode step yet) is
# preempted, its block freed, and r2 takes it. Step 2 decodes r0..r2 only (lengths 5 + 5 + 5).
# Step 3 ends r0..r2 (6 blocks back); r3 resumes in step 4 recomputing 1 + 1 tokens (its 1st
# token 3 s before its 2nd: the gap of a preempted request), then decodes to 5 tokens.
def test_the_running_pass_preempts_the_newest_request_only_when_the_pool_is_short():
    rf = Ledger()
    rep = Replica(lim(blocks=6, budget=64), rf)
    rs = [R(i, 4, 3) for i in range(3)] + [R(3, 1, 5)]
    assert steps(rep, [rs]) == [2, 0, 6, 5, 5, 5, 6]
    assert rf.calls == [([(0, 4), (0, 4), (0, 4), (0, 1)], 0, 0), ([], 3, 15), ([], 3, 18), ([(0, 2)], 0, 0),
                        ([], 1, 3), ([], 1, 4), ([], 1, 5)]
    assert [r.preempted for r in rs] == [0, 0, 0, 1] and rep.preemptions == 1
    assert rep.gaps == [(1.0, 1), (1.0, 1), (1.0, 1), (1.0, 3), (3.0, 1), (1.0, 1), (1.0, 1), (1.0, 1)]


# 5 blocks; r0..r3 (4 -> 3), one block each in step 1 (free 1). Decode step 1: all 4 due, 1 free:
# r0 takes it; r1 preempts r3 (newest) and takes its block; r2 finds none and preempts itself.
# Two preemptions in one step, both counted; r2 and r3 resume together in step 4.
def test_two_preemptions_in_one_step_are_both_counted():
    rf = Ledger()
    rep = Replica(lim(blocks=5, budget=64), rf)
    rs = [R(i, 4, 3) for i in range(4)]
    assert steps(rep, [rs]) == [1, 1, 5, 1, 5]
    assert [r.preempted for r in rs] == [0, 0, 1, 1] and rep.preemptions == 2
    assert rf.calls[3] == ([(4, 1), (0, 5)], 0, 0)  # r2 hits its own full block; r3's was evicted


# ---- the prefix cache --------------------------------------------------------------------------
# Blocks of 4, a shared prefix of 8 (2 blocks). r0 ("a", 10) caches both. r1 ("a", 7 -> 1): at
# most 7 − 1 = 6 tokens may hit, so 6 // 4 = 1 whole block (4 tokens); it computes the other 3.
def test_a_short_request_hits_only_whole_blocks_below_its_last_token():
    rf = Ledger()
    rep = Replica(lim(budget=64), rf, shared_prefix=8)
    r0, r1 = R(0, 10, 1, "a"), R(1, 7, 1, "a")
    steps(rep, [[r0], [r1]])
    assert rf.calls == [([(0, 10)], 0, 0), ([(4, 3)], 0, 0)] and r1.hit_tokens == 4


# Budget 6: r0 ("a", 10 -> 1) computes 6 tokens in step 1: 1 whole block of the prefix is cached
# (not 1.5). r1 ("a", 10 -> 1) comes in step 2 beside r0's last 4 tokens and hits that 1 block:
# (4, 2) with the 2 tokens left of the budget.
def test_a_chunked_prefill_caches_only_its_whole_prefix_blocks():
    rf = Ledger()
    rep = Replica(lim(budget=6), rf, shared_prefix=8)
    r0, r1 = R(0, 10, 1, "a"), R(1, 10, 1, "a")
    steps(rep, [[r0], [r1]])
    assert rf.calls == [([(0, 6)], 0, 0), ([(6, 4), (4, 2)], 0, 0), ([(6, 4)], 0, 0)]
    assert r1.hit_tokens == 4


# r0 ("a", 5 -> 1) and r1 ("a", 10 -> 1) in one step: r0 caches 5 // 4 = 1 prefix block first;
# r1 computed its own copy of block 0 (it held none of the cached ones), so its 2nd block is not
# registered (``cache_blocks`` chains a block to the cached one before it): 1 block stays cached
# and r2 ("a", 10) hits 4 tokens (then, holding block 0, it caches block 1).
def test_a_request_that_did_not_hold_the_cached_blocks_does_not_extend_them():
    rf = Ledger()
    rep = Replica(lim(budget=64), rf, shared_prefix=8)
    r0, r1, r2 = R(0, 5, 1, "a"), R(1, 10, 1, "a"), R(2, 10, 1, "a")
    assert steps(rep, [[r0, r1], [r2]], probe=lambda rep: rep.prefixes["a"].cached) == [1, 2]
    assert rf.calls[1] == ([(4, 6)], 0, 0) and r2.hit_tokens == 4


# 100 blocks of 4, a prefix of 8 tokens. r0 ("a", 10 -> 1) caches 2 blocks, ends: free 100.
# r1 ("a", 7 -> 6) hits 1 block (at most 6 tokens) and computes 3: 1 own block, free 98.
# r2 ("a", 10 -> 2) hits both: the 2nd is taken from the free queue (r1 holds the 1st): + 1 own
# block: free 96. Step 4: r2 ends: its own block and the prefix's 2nd (r1 still holds the 1st):
# free 98 − 1 (r1's 2nd block at 8 tokens) = 97; the queue gets (1, 2) of the prefix.
# Step 5: r3 (no prefix, 388 tokens = 97 blocks) takes every free block: the never-cached ones,
# r2's own, then the prefix's block 1 (of the range 1..2): 1 block stays cached.
# r1 ends in step 7: its 2 own blocks and the prefix's block 0 back: free 100.
def test_a_prefix_held_by_a_shorter_request_frees_only_the_blocks_above_its_hold():
    rf = Ledger()
    rep = Replica(lim(budget=512), rf, shared_prefix=8)
    r0, r1, r2, r3 = R(0, 10, 1, "a"), R(1, 7, 6, "a"), R(2, 10, 2, "a"), R(3, 388, 1)
    got = steps(rep, [[r0], [r1], [r2], [], [r3]],
                probe=lambda rep: (rep.free, rep.prefixes["a"].cached, rep.prefixes["a"].maxheld))
    assert got == [(100, 2, 0), (98, 2, 1), (96, 2, 2), (97, 2, 1), (97, 1, 1), (97, 1, 1), (100, 1, 0)]
    assert [r.hit_tokens for r in (r1, r2)] == [4, 8]


# The same r0, r1, r2 without r3: r1 ends in step 7, its 2 own blocks and the prefix's block 0
# to the queue's tail: [95, (stale), 1, prefix 1..2, 2, prefix 0..1]. r4 (400 tokens, 100
# blocks) then takes every block in queue order: block 1 once (the range 1..2 holds 1 block),
# then r1's 2, then block 0: nothing of the prefix stays cached.
def test_a_prefix_range_above_a_shorter_hold_is_evicted_one_block_at_a_time():
    rep = Replica(lim(budget=512), Ledger(), shared_prefix=8)
    r0, r1, r2, r4 = R(0, 10, 1, "a"), R(1, 7, 6, "a"), R(2, 10, 2, "a"), R(4, 400, 1)
    got = steps(rep, [[r0], [r1], [r2], [], [], [], [], [r4]], probe=lambda rep: (rep.free, rep.prefixes["a"].cached))
    assert got == [(100, 2), (98, 2), (96, 2), (97, 2), (97, 2), (97, 2), (100, 2), (100, 0)]
    assert rep.rf.calls[-1] == ([(0, 400)], 0, 0)


# A request that hits FEWER blocks of a free cached prefix than are cached (r1 above: 1 of 2)
# takes just those from the free queue; the unhit block keeps its place there (vLLM's ``touch``
# removes only the blocks hit). Found by session 9's triage: the queue's whole range was marked
# stale, so the unhit block stayed counted free but off the queue, and allocating every free
# block then found the queue empty (IndexError).
def test_a_partial_prefix_hit_keeps_the_unhit_blocks_in_the_free_queue():
    rep = Replica(lim(budget=512), Ledger(), shared_prefix=8)
    r0, r1, r3 = R(0, 10, 1, "a"), R(1, 7, 3, "a"), R(3, 392, 1)
    # step 2: r1 holds block 0 and 1 own block: 98 free, block 1 among them; step 3: r3 takes all
    # 98 (evicting block 1: 1 cached) and ends in the same step; step 4: r1 ends: 100 free
    got = steps(rep, [[r0], [r1], [r3]], probe=lambda rep: (rep.free, queued(rep), rep.prefixes["a"].cached))
    assert got == [(100, 100, 2), (98, 98, 2), (98, 98, 1), (100, 100, 1)]
    assert (r1.hit_tokens, r3.end, r1.end) == (4, 3.0, 4.0)


# 4 blocks; r0 ("a", 10 -> 1) caches 2 prefix blocks and ends: queue [2 never cached, prefix 0..1].
# r1 (12 -> 2) takes 3: the 2, then the prefix's LAST block (block 1): block 0 stays cached and
# queued. Its decode at 12 asks for a 4th block: block 0 is evicted (cached 0).
def test_a_partly_evicted_prefix_stays_in_the_free_queue_for_the_next_allocation():
    rep = Replica(lim(blocks=4, budget=64), Ledger(), shared_prefix=8)
    r0, r1 = R(0, 10, 1, "a"), R(1, 12, 2)
    got = steps(rep, [[r0], [r1], []], probe=lambda rep: (rep.free, rep.prefixes["a"].cached))
    assert got == [(4, 2), (1, 1), (4, 0)]


# A queued prefix span emptied by a hold of exactly its top (lo raised to hi) covers no block,
# even after the holder caches MORE blocks of that prefix: popping it evicts nothing (vLLM before
# 0.19: admission checks the first chunk only, reserve_full_isl=False). 4 blocks of 4, budget 4,
# prefix 8 tokens (2 blocks); r0 (4 -> 4), r1 ("a", 12 -> 1), r2 ("a", 9 -> 1) at 4 s.
# step 1: r0 (0, 4), 1 block; free 3.  step 2: r0's decode at 4 asks for a 2nd block, r1 (0, 3)
#   gets 1 (free 1); r1 has no whole block yet.  step 3: r1 (3, 3) takes the last block and
#   caches prefix block 0 (cached 1, held by r1).  step 4: r1's chunk (6, 3) needs a 3rd block,
#   none free: r1, the newest, is preempted (its own block, then span 0..1 of "a" queued); r0's
#   decode at 6 makes its 4th token and ends it: queue [1, a 0..1, 2], free 4.
# step 5: r1 hits block 0 (4 tokens; takes it from the queue: span 1..1, empty) and its chunk
#   (4, 4) takes the head's 1 block, caching block 1 (cached 2, held by r1); free 2.
# step 6: r1 (8, 4) takes 1 block: the empty span is popped (nothing evicted), then 1 of the 2;
#   r1 ends: free 4, both prefix blocks cached and queued.  step 7: r2 hits both (8 tokens, at
#   most 9 − 1): (8, 1), ends at 7 s. (Evicting down to the empty span's top would leave block 1
#   uncached: r2 would hit 4 tokens and compute (4, 4) then (8, 1).)
def test_popping_an_emptied_prefix_span_evicts_nothing_above_it():
    rf = Ledger()
    rep = Replica(lim(blocks=4, budget=4, reserve_full_isl=False), rf, shared_prefix=8)
    r0, r1, r2 = R(0, 4, 4), R(1, 12, 1, "a"), R(2, 9, 1, "a")
    got = steps(rep, [[r0, r1], [], [], [], [r2]], probe=lambda rep: (rep.free, queued(rep)))
    assert got == [(3, 3), (1, 1), (0, 0), (4, 4), (2, 2), (4, 4), (4, 4)]
    assert rf.calls == [([(0, 4)], 0, 0), ([(0, 3)], 1, 5), ([(3, 3)], 1, 6), ([], 1, 7), ([(4, 4)], 0, 0),
                        ([(8, 4)], 0, 0), ([(8, 1)], 0, 0)]
    assert (r1.preempted, r1.hit_tokens, r1.end, r2.hit_tokens, r2.end, rep.prefixes["a"].cached) == \
        (1, 4, 6.0, 8, 7.0, 2)


# A shared prefix configured (8 tokens) but requests without a prefix_id: nothing registers as a
# prefix, so a preempted request's own blocks are hit on resumption as in the rules test
# (4 blocks; r0 ("b", 4 -> 6), r1 (4 -> 6); r1 preempted, resumes hitting 4 tokens).
def test_requests_without_a_prefix_id_never_register_a_prefix():
    rf = Ledger()
    rep = Replica(lim(blocks=4, budget=64), rf, shared_prefix=8)
    r0, r1 = R(0, 4, 6, "b"), R(1, 4, 6)
    steps(rep, [[r0, r1]])
    assert None not in rep.prefixes and r1.preempted == 1
    assert rf.calls[-1] == ([(4, 5)], 0, 0) and (r1.hit_tokens, r1.end) == (4, 7.0)


# 4 blocks, a prefix of 4 tokens (1 block). r0 ("a", 5 -> 1) caches it. r1, r2 ("a", 5 -> 6) both
# hit it (4 tokens) and compute 1. At 8 computed tokens both ask for a 3rd block, 1 free: r2 is
# preempted (r1 ends at 7 s) and resumes hitting the prefix and its own full block: 8 tokens.
# r2 hit 4 + 8 = 12 tokens over its two admissions.
def test_a_requests_hits_add_up_over_its_admissions():
    rf = Ledger()
    rep = Replica(lim(blocks=4, budget=64), rf, shared_prefix=4)
    r0, r1, r2 = R(0, 5, 1, "a"), R(1, 5, 6, "a"), R(2, 5, 6, "a")
    steps(rep, [[r0], [r1, r2]])
    assert (r1.hit_tokens, r2.hit_tokens, r2.preempted, r2.end) == (4, 12, 1, 9.0)
    assert rep.hit_tokens == 16


# ---- the host tier (host.py) -------------------------------------------------------------------
# 6 blocks of 4, a prefix of 8, a host tier of 10 blocks at 0.5 s a block. r0 ("a", 10 -> 1)
# caches the prefix on the GPU and in host memory. r1 (24 -> 1) takes all 6 blocks: the prefix
# leaves the GPU. r2, r3 ("a", 10 -> 2) in step 3 both load its 2 blocks from host memory:
# 2 × 2 × 0.5 = 2 s added to that step (3 s: first tokens at 5 s), 16 tokens loaded; step 4
# costs its 1 s again (ends at 6 s).
def test_host_tier_loads_in_one_step_add_up_and_are_charged_once():
    rf = Ledger()
    L = sim.Limits("vllm", 4, 6, 8, 64, 4096, True, {}, host_blocks=10, host_chunk_blocks=1,
                   host_block_seconds=0.5)
    rep = Replica(L, rf, shared_prefix=8)
    r0, r1, r2, r3 = R(0, 10, 1, "a"), R(1, 24, 1), R(2, 10, 2, "a"), R(3, 10, 2, "a")
    steps(rep, [[r0], [r1], [r2, r3]])
    assert rf.calls[2] == ([(8, 2), (8, 2)], 0, 0)
    assert rep.host.hit_tokens == 16 and rep.reload_s == 0.0
    assert [(r.first_tok, r.end) for r in (r2, r3)] == [(5.0, 6.0), (5.0, 6.0)]


# ---- SGLang (sglang.py) ------------------------------------------------------------------------
def sg(pool, budget=64, seqs=8, caching=True, shared=0):
    return SGLangReplica(sim.Limits("sglang", 1, pool, seqs, budget, 4096, caching, {}, output_reserve=0.0),
                         Ledger(), shared_prefix=shared)


# Budget 4: r0 (10 -> 2) is prefilled in chunks (0, 4), (4, 4), (8, 2): a chunk in progress is a
# prefill batch each step (SGLang runs prefill whenever one can be formed), then its decode.
def test_sglang_keeps_prefilling_a_chunked_request():
    rep = sg(100, budget=4)
    assert steps(rep, [[R(0, 10, 2)]]) == [96, 92, 90, 100]
    assert rep.rf.calls == [([(0, 4)], 0, 0), ([(4, 4)], 0, 0), ([(8, 2)], 0, 0), ([], 1, 11)]


# max_running_requests 1: with r0 running, r1 cannot be admitted, so step 2 is a decode step.
def test_sglang_decodes_when_the_running_batch_is_full():
    rep = sg(100, seqs=1)
    assert steps(rep, [[R(0, 4, 2), R(1, 4, 1)]]) == [96, 100, 100]
    assert rep.rf.calls == [([(0, 4)], 0, 0), ([], 1, 5), ([(0, 4)], 0, 0)]


# A pool of 16 tokens, ratio 0 (nothing reserved for running outputs). r0 (4 -> 9) and r1 (4 -> 6)
# prefilled in step 1 (8 tokens, free 8); each decode step takes 1 token each: free 6, 4, 2, 0.
# Step 6: 2 decodes, 0 free: r1 (newest) is retracted with 5 tokens generated (out_left loses its 1
# left), its 8 computed slots freed but kept cached, r0 takes 1: free 7. r0 decodes alone to its
# 9th token (step 9), its slots taken from those cached ones; r1 comes back in step 10 hitting
# the 4 left, computes 5 (prompt 4 + 5 generated = 9) and samples its 6th, last token.
def test_sglang_retracts_the_newest_request_and_readmits_it_with_its_output():
    rep = sg(16)
    r0, r1 = R(0, 4, 9), R(1, 4, 6)
    got = steps(rep, [[r0, r1]], probe=lambda rep: (rep.free, rep.out_left))
    assert got == [(8, 13), (6, 11), (4, 9), (2, 7), (0, 5), (7, 3), (6, 2), (5, 1), (16, 0), (16, 0)]
    assert rep.rf.calls[-1] == ([(4, 5)], 0, 0)
    assert (r1.preempted, r1.g, r1.end, r0.end) == (1, 6, 10.0, 9.0)


# A pool of 17, caching off, ratio 0; r0 (4 -> 8), r1 (4 -> 6), r2 (4 -> 4) prefilled together
# (12 tokens, free 5). Each decode step takes 1 token a request. Step 3: 3 decodes, 2 free: r2
# retracted (2 generated, 5 slots back). Step 6: 2 decodes, 1 free: r1 retracted (5 generated,
# 8 back). r0 ends in step 8: 17 free. Step 9: r1 back with its prompt + 5 generated = 9 tokens
# (+ 1 output + 1 page = 11 <= 17); then r2 needs 4 + 2 = 6 + 2 output + 1 = 9 > 17 − 9 = 8:
# it waits for step 10. r1 ends in step 9, r2 in step 11.
def test_sglang_readmits_a_retracted_request_with_its_generated_tokens_counted():
    rep = sg(17, caching=False)
    rs = [R(0, 4, 8), R(1, 4, 6), R(2, 4, 4)]
    assert steps(rep, [rs]) == [5, 2, 5, 3, 1, 8, 7, 17, 17, 11, 17]
    assert rep.rf.calls[8:10] == [([(0, 9)], 0, 0), ([(0, 6)], 0, 0)]
    assert [(r.preempted, r.end) for r in rs] == [(0, 8.0), (1, 9.0), (1, 11.0)]


# Page 1, a prefix of 8 tokens. r0 ("a", 8 -> 1) needs 8 + 1 + 1 page = 10 tokens, caches its 8
# and ends. r1 ("a", 10 -> 1) hits those 8, which sit free: SGLang locks them, so they count
# against the room: 2 uncached + 1 output + 1 page + 8 = 12 tokens. A pool of 12 admits it (a
# chunk (8, 2)); in a pool of 11 it never fits.
def test_sglang_counts_the_free_cached_tokens_a_request_locks():
    rep = sg(12, shared=8)
    steps(rep, [[R(0, 8, 1, "a")], [R(1, 10, 1, "a")]])
    assert rep.rf.calls == [([(0, 8)], 0, 0), ([(8, 2)], 0, 0)]
    rep = sg(11, shared=8)
    with pytest.raises(KvplanError, match="^a request of 10 tokens"):
        steps(rep, [[R(0, 8, 1, "a")], [R(1, 10, 1, "a")]])


# ---- speculative decoding (speculative.py) -----------------------------------------------------
# k = 1 (q = 2 tokens a decode), budget 4. Step 1: r0, r1 (1 -> 9) 1 token each, r2 (10 -> 1) the
# 2 left. Steps 2-5: two decodes take 2 × 2 = 4, the whole budget: r2's prefill waits (no chunk
# of 0 tokens). r0, r1 end at step 5 (1 + 4 × 2 = 9 tokens); r2 resumes (2, 4), (6, 4).
def test_speculative_decodes_can_take_the_whole_budget_from_a_running_prefill():
    rf = SpecLedger(1)
    rep = SpecReplica(lim(budget=4), rf, _eagle())
    rs = [R(0, 1, 9), R(1, 1, 9), R(2, 10, 1)]
    steps(rep, [rs])
    assert rf.calls == [([(0, 1), (0, 1), (0, 2)], 0, 0)] + [([(c, 2), (c, 2)], 0, 0) for c in (1, 3, 5, 7)] + \
        [([(2, 4)], 0, 0), ([(6, 4)], 0, 0)]


# One request 4 -> 9, k = 1, 2 tokens a round; a decode at c asks for c + 3 tokens' blocks of 4:
# c = 4: 7 -> 2 blocks (step 2, free 98); c = 6: 9 -> 3 (step 3, free 97); c = 8: 11 -> 3;
# c = 10: 13 -> 4 (step 5: but that round makes the 8th and 9th tokens and ends it: free 100).
def test_a_speculative_decode_keeps_taking_blocks_as_it_grows():
    rf = SpecLedger(1)
    rep = SpecReplica(lim(budget=64), rf, _eagle())
    assert steps(rep, [[R(0, 4, 9)]]) == [99, 98, 97, 97, 100]


# E = 1.5 tokens a round (kept as 1500 thousandths): the decode clock starts at 0, so a request
# decoding from step 0 has floor(1.5 s) tokens after s rounds: 1, 3, 4, 6 (+1, +2, +1, +2).
# One request 4 -> 6: its prefill makes token 1; rounds verify at 4, 5, 7, 8 computed tokens.
def test_a_fractional_round_counts_tokens_from_decode_step_zero():
    from kvplan.plan.speculative import Drafter

    d = Drafter(method="eagle", num_speculative_tokens=1, acceptance=0.5, tokens_per_step=1.5,
                weights_bytes=0, kv_layers=1, lookahead=1)
    rf = SpecLedger(1)
    rep = SpecReplica(lim(budget=64), rf, d)
    r = R(0, 4, 6)
    steps(rep, [[r]])
    assert rf.calls == [([(0, 4)], 0, 0), ([(4, 2)], 0, 0), ([(5, 2)], 0, 0), ([(7, 2)], 0, 0), ([(8, 2)], 0, 0)]
    assert r.g == 6


# vLLM before 0.19 (admission checks the first chunk only: reserve_full_isl=False).
# 3 blocks of 4, budget 4, k = 1 (a decode takes 2 of the budget and asks for c + 3 slots).
# Step 1: r0 (4 -> 5) prefilled (1 block, free 2). Step 2: r0's round at 4 asks for 7 slots: a
# 2nd block (free 1); r1 (8 -> 2) admitted with the 2 tokens left (1 block, free 0). Step 3: r0's
# round at 6 asks for 9 slots: none free, so the newest running request, r1, still in prefill
# with 2 tokens computed and none generated, is preempted (its 1 block back; r0 takes it); r0's
# round makes tokens 4 and 5 and ends it: 3 blocks free. r1 starts again: (0, 4), (4, 4), its
# first token at 5 s, then its round at 8 makes the 2nd.
def test_a_speculative_replica_preempts_a_prefill_by_the_blocks_its_tokens_fill():
    rf = SpecLedger(1)
    rep = SpecReplica(lim(blocks=3, budget=4, reserve_full_isl=False), rf, _eagle())
    r0, r1 = R(0, 4, 5), R(1, 8, 2)
    assert steps(rep, [[r0, r1]]) == [2, 0, 3, 2, 1, 3]
    assert rf.calls == [([(0, 4)], 0, 0), ([(0, 2), (4, 2)], 0, 0), ([(6, 2)], 0, 0), ([(0, 4)], 0, 0),
                        ([(4, 4)], 0, 0), ([(8, 2)], 0, 0)]
    assert (r1.preempted, r1.g, r1.hit_tokens, r0.g) == (1, 2, 0, 5)


# The host tier's LRU order after a request that hit every cached block of its prefix (no put:
# its blocks are already in host memory, and its admission's lookup made them most recent).
# 6 GPU blocks of 4, a host tier of 8 blocks, prefixes of 2 blocks (8 tokens).
# Step 1: r0 ("a", 10 -> 1) caches prefix a: host [a:2].
# Step 2: x ("c", 10 -> 1) and b ("a", 10 -> 1): b's lookup makes a most recent, then x caches c:
#   host [a:2, c:2]; b, holding all of a's cached blocks, adds none (full 2 == cached 2).
# Step 3: e (24 -> 1) takes all 6 GPU blocks (a and c evicted from the GPU) and ends: its 6 own
#   full blocks go to the host: 10 > 8, the least recent 2 leave: a. Host [c:2, u:6].
# Step 4: d ("a", 10 -> 1) finds a neither on the GPU nor in host memory: computes all 10.
# (Had b's registration re-put a, c would have left instead and d would load 8 tokens.)
def test_a_full_prefix_hit_does_not_refresh_the_host_tiers_lru_at_registration():
    rf = Ledger()
    L = sim.Limits("vllm", 4, 6, 8, 64, 4096, True, {}, host_blocks=8, host_chunk_blocks=1,
                   host_block_seconds=0.5)
    rep = Replica(L, rf, shared_prefix=8)
    r0, x, b, e, d = R(0, 10, 1, "a"), R(1, 10, 1, "c"), R(2, 10, 1, "a"), R(3, 24, 1), R(4, 10, 1, "a")
    got = steps(rep, [[r0], [x, b], [e], [d]], probe=lambda rep: list(rep.host.d.items()))
    assert got[1] == [(("p", "a"), 2), (("p", "c"), 2)]
    assert got[2] == [(("p", "c"), 2), (("u", 3), 6)]
    assert rf.calls == [([(0, 10)], 0, 0), ([(0, 10), (8, 2)], 0, 0), ([(0, 24)], 0, 0), ([(0, 10)], 0, 0)]
    assert (b.hit_tokens, d.hit_tokens, rep.host.hit_tokens, d.end) == (8, 0, 0, 4.0)
