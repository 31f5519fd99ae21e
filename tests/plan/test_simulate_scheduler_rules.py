"""simulate's vLLM V1 scheduler (kvplan/plan/simulate/scheduler.py), step by step against a step
model that prices every step at 1 s and records what it was asked to price, so each step's
batch, blocks and times can be counted by hand from vLLM 0.33's rules
(vllm/v1/core/sched/scheduler.py ``Scheduler.schedule``; v1/core/kv_cache_manager.py
``allocate_slots``, ``get_computed_blocks``, ``free``; as the module docstring of
kvplan/plan/simulate/__init__.py cites them)."""
from types import SimpleNamespace as NS

import pytest

from kvplan.errors import KvplanError
from kvplan.plan import simulate as sim
from kvplan.plan.simulate.scheduler import Replica, _Req


class Ledger:
    """Every step takes 1 s; ``calls`` holds (prefill chunks as (cached, new), decodes, Σ of the
    decodes' sequence lengths) per step, as ``mixed_sum`` is asked (``mixed``: its list)."""

    def __init__(self, linear: bool = True):
        self.decode_is_linear = linear
        self.calls = []

    def mixed_sum(self, chunks, decodes, ctx_sum, ctx_max=0, seconds=False):
        self.calls.append((list(chunks), decodes, ctx_sum))
        return 1.0

    def mixed(self, chunks=(), decodes=()):
        self.calls.append((list(chunks), list(decodes)))
        return NS(seconds=1.0)


def lim(blocks=100, block=4, seqs=8, budget=8, caching=True, **kw):
    return sim.Limits("vllm", block, blocks, seqs, budget, 4096, caching, {}, **kw)


def drive(rep, reqs):
    """Step ``rep`` with every request waiting at 0 until all are done: the free blocks after
    each step."""
    rs = [_Req(i, q) for i, q in enumerate(reqs)]
    rep.waiting.extend(rs)
    free, t = [], 0.0
    while rep.has_work():
        d, _ = rep.step(t)
        t += d
        free.append(rep.free)
    return rs, free


# ---- a token budget shared by decodes, a chunked prefill and new requests ---------------------
# Budget 8 tokens, blocks of 4. r0 3 -> 3 tokens, r1 4 -> 2, r2 12 -> 2, r3 2 -> 1, all waiting.
# step 1: admit r0 (3 tokens, 1 block), r1 (4, 1 block), r2 chunked to the 1 token left (1 block):
#   r0 and r1 sample their first token; r2 has 1 of 12. Free 100 - 3 = 97.
# step 2: decodes r0 (length 4), r1 (length 5): budget 8 - 2 = 6; r1 at 4 computed tokens asks
#   for 5 tokens' slots: a 2nd block; r2's chunk (1, 6) reaches 7 tokens: cdiv(7, 4) - 1 = 1 more
#   block; nothing left for r3. r1's 2nd token ends it: its 2 blocks come back. Free 97.
# step 3: r0 at 4 tokens asks for a 2nd block; decode r0 (length 5), budget 7: r2's last 5
#   tokens (7, 5) take its 3rd block, budget 2: r3 admitted whole (0, 2), 1 block. r0 ends
#   (3 tokens), r3 ends on its only token; r2 samples its first. Free 97.
# step 4: r2 at 12 tokens asks for a 4th block; decode (length 13) ends it. Free 100.
# A step model that is not linear in context is asked with each decode's sequence length.
@pytest.mark.parametrize("linear", [True, False])
def test_a_token_budget_is_shared_by_decodes_then_running_prefills_then_new_requests(linear):
    rf = Ledger(linear)
    rep = Replica(lim(), rf)
    rs, free = drive(rep, [sim.Request(0.0, 3, 3), sim.Request(0.0, 4, 2), sim.Request(0.0, 12, 2),
                           sim.Request(0.0, 2, 1)])
    if linear:
        assert rf.calls == [([(0, 3), (0, 4), (0, 1)], 0, 0), ([(1, 6)], 2, 4 + 5),
                            ([(7, 5), (0, 2)], 1, 5), ([], 1, 13)]
    else:
        assert rf.calls == [([(0, 3), (0, 4), (0, 1)], []), ([(1, 6)], [4, 5]), ([(7, 5), (0, 2)], [5]),
                            ([], [13])]
    assert free == [97, 97, 97, 100]
    assert [(r.first_tok, r.end, r.g) for r in rs] == [(1.0, 3.0, 3), (1.0, 2.0, 2), (3.0, 4.0, 2),
                                                      (3.0, 3.0, 1)]
    assert rep.gaps == [(1.0, 1), (1.0, 1), (1.0, 1), (1.0, 1)]
    assert (rep.steps, rep.admitted, rep.prompt_tokens, rep.n_dec, rep.dec_sum) == (4, 4, 21, 0, 0)
    assert [r.admit for r in rs] == [1, 2, 3, 4]
    assert rep.samples == [(1.0, 3, 1, 3), (2.0, 3, 1, 2), (3.0, 3, 0, 1), (4.0, 0, 0, 0)]


# ---- preemption --------------------------------------------------------------------------------
# 4 blocks of 4 tokens; r0 and r1: 4 -> 6 tokens, both admitted in step 1 (1 block each, free 2).
# After the prefill each holds 4 computed tokens; the decode at 4 asks for 5 tokens' slots: both
# take a 2nd block at decode step 1 (free 0). Decode step 5 (the 6th step) runs at 8 computed
# tokens and asks for a 3rd block each: none is free, so r0 (admitted first) preempts r1, the most
# recently admitted (``_preempt_request``: r1's 2 blocks freed, back to the FRONT of the waiting
# queue, its 5 tokens kept). r0 takes one of them (r1's top block, as vLLM frees a request's
# blocks in reverse order), makes its 6th token and ends: 3 blocks back, free 4.
# Step 7 resumes r1 alone: 4 + 5 = 9 tokens, at most 8 of them cached: its first block is still
# in the free queue (a hit of 4 tokens), it computes the other 5 (2 more blocks) and samples its
# 6th token, 2 s after its 5th (the step r1 was preempted in made none).
def test_the_most_recently_admitted_request_is_preempted_and_resumes_on_its_cached_blocks():
    rf = Ledger()
    rep = Replica(lim(blocks=4, budget=64), rf)
    rs, free = drive(rep, [sim.Request(0.0, 4, 6), sim.Request(0.0, 4, 6)])
    assert rf.calls == [([(0, 4), (0, 4)], 0, 0), ([], 2, 5 + 5), ([], 2, 12), ([], 2, 14), ([], 2, 16),
                        ([], 1, 9), ([(4, 5)], 0, 0)]
    assert free == [2, 0, 0, 0, 0, 4, 4]
    assert (rs[0].preempted, rs[1].preempted, rep.preemptions) == (0, 1, 1)
    assert (rs[0].first_tok, rs[0].end, rs[1].first_tok, rs[1].end) == (1.0, 6.0, 1.0, 7.0)
    assert (rs[1].hit_tokens, rep.hit_tokens, rep.prompt_tokens, rs[1].epoch) == (4, 4, 8, 1)
    assert rep.gaps == [(1.0, 1), (1.0, 1), (1.0, 2), (1.0, 2), (1.0, 2), (1.0, 1), (2.0, 1)]
    assert rs[1].g == rs[0].g == 6 and rep.admitted == 3


# vLLM before 0.19 (or --no-scheduler-reserve-full-isl: admission checks the first chunk only;
# with the gate, r1's 2 blocks do not fit in the 1 free at step 2: test_simulate_full_isl.py).
# 3 blocks of 4, budget 4 tokens. Step 1: r0 (4 -> 3) alone fills the budget, 1 block. Step 2:
# r0's decode at 4 tokens takes a 2nd block (free 1); budget 3: r1 (8 -> 2) admitted with a chunk
# of 3 (1 block, free 0). Step 3: r1's next chunk of 3 needs a 2nd block; none free: the most
# recently admitted running request is r1 itself, so r1 is preempted (its block freed) and the
# running pass stops; nothing is admitted in a step that preempted; r0 ends (2 blocks back).
# Steps 4, 5: r1 again from 0, chunks of 4; step 6 its decode at 8 tokens takes a 3rd block.
def test_a_prefill_that_cannot_get_its_block_preempts_itself_and_stops_the_pass():
    rf = Ledger()
    rep = Replica(lim(blocks=3, budget=4, reserve_full_isl=False), rf)
    rs, free = drive(rep, [sim.Request(0.0, 4, 3), sim.Request(0.0, 8, 2)])
    assert rf.calls == [([(0, 4)], 0, 0), ([(0, 3)], 1, 5), ([], 1, 6), ([(0, 4)], 0, 0), ([(4, 4)], 0, 0),
                        ([], 1, 9)]
    assert free == [2, 0, 3, 2, 1, 3]
    assert (rs[0].end, rs[1].first_tok, rs[1].end, rs[1].preempted, rs[1].hit_tokens) == (3.0, 5.0, 6.0, 1, 0)
    assert rep.prompt_tokens == 12  # a resumed prompt is not counted again


def test_max_num_seqs_holds_the_next_request_until_one_finishes():
    rf = Ledger()
    rep = Replica(lim(seqs=1, budget=64), rf)
    rs, free = drive(rep, [sim.Request(0.0, 4, 2), sim.Request(0.0, 4, 1)])
    assert rf.calls == [([(0, 4)], 0, 0), ([], 1, 5), ([(0, 4)], 0, 0)]
    assert (rs[1].first_tok, rs[1].end) == (3.0, 3.0)


# Budget 4: r0, r1, r2 (1 -> 3) take 1 token each in step 1 and r3 (3 -> 1) the last one. Step 2:
# three decodes leave a budget of exactly 1, still spent on r3's next chunk; step 3 likewise.
def test_a_running_prefill_takes_a_budget_of_one_token():
    rf = Ledger()
    rep = Replica(lim(budget=4), rf)
    rs, free = drive(rep, [sim.Request(0.0, 1, 3)] * 3 + [sim.Request(0.0, 3, 1)])
    assert rf.calls == [([(0, 1)] * 4, 0, 0), ([(1, 1)], 3, 6), ([(2, 1)], 3, 9)]
    assert free == [96, 96, 100] and (rs[3].first_tok, rs[3].end) == (3.0, 3.0)


def test_the_error_names_the_request_and_the_blocks_it_needs():
    rep = Replica(lim(blocks=2, budget=64), Ledger())
    r = _Req(0, sim.Request(0.0, 9, 2))
    r.g = 1  # a resumed request asks for its prompt and its generated tokens: 10 tokens, 3 blocks
    rep.waiting.append(r)
    with pytest.raises(KvplanError, match=r"^a request of 10 tokens needs 3 blocks of 4 tokens; the cache has 2$"):
        rep.step(0.0)
    assert Replica(lim(), Ledger()).step(0.0) is None  # nothing to run


# ---- the prefix cache --------------------------------------------------------------------------
# Blocks of 4, 100 of them, a shared prefix of 8 tokens: 2 full blocks per prefix_id.
# r0 ("a", 10 -> 2) alone: 3 blocks; its first 2 become the prefix's cached blocks (cache_blocks).
# r1 ("a", 10 -> 2) comes while r0 decodes: 2 blocks hit (8 tokens; at most 10 - 1 tokens can
#   hit: 2 blocks), r0 holds them so none leaves the free queue; r1 computes 2 tokens, 1 block.
# r0 ends: its own block is freed; the prefix's 2 stay held by r1. r1 ends: all 3 free again,
#   the prefix's 2 cached at the tail of the free queue (free 100).
# r2 ("a", 10 -> 1) hits them from the free queue: 2 + 1 new blocks must be free.
# r3 (no prefix, 396 -> 1) takes 99 blocks: the free queue's head first (97 never-cached, then
#   r2's own block), then the prefix's LAST block (freed in reverse order): 1 of 2 stays cached.
# r4 ("a", 10 -> 1) hits that 1 block (4 tokens) and computes 6.
def test_shared_prefix_blocks_are_hit_held_freed_and_evicted_last_block_first():
    rf = Ledger()
    rep = Replica(lim(budget=512), rf, shared_prefix=8)
    R = [_Req(0, sim.Request(0.0, 10, 2, "a")), _Req(1, sim.Request(0.0, 10, 2, "a")),
         _Req(2, sim.Request(0.0, 10, 1, "a")), _Req(3, sim.Request(0.0, 396, 1)),
         _Req(4, sim.Request(0.0, 10, 1, "a"))]
    p = None
    free, t = [], 0.0
    for add in ([R[0]], [R[1]], [], [R[2]], [R[3]], [R[4]]):
        rep.waiting.extend(add)
        d, _ = rep.step(t)
        t += d
        free.append(rep.free)
        p = p or rep.prefixes["a"]
        assert p.cached in (1, 2)
    assert rf.calls == [([(0, 10)], 0, 0), ([(8, 2)], 1, 11), ([], 1, 11), ([(8, 2)], 0, 0),
                        ([(0, 396)], 0, 0), ([(4, 6)], 0, 0)]
    assert free == [97, 97, 100, 100, 100, 100]
    assert [r.hit_tokens for r in R] == [0, 8, 8, 0, 4] and rep.hit_tokens == 20
    assert (p.cached, p.maxheld, p.holders) == (2, 0, {})
    assert rep.prompt_tokens == 10 * 4 + 396


def test_a_held_prefix_counts_once_and_is_free_only_when_its_last_holder_goes():
    rep = Replica(lim(budget=512), Ledger(), shared_prefix=8)
    a, b = _Req(0, sim.Request(0.0, 10, 3, "a")), _Req(1, sim.Request(0.0, 10, 3, "a"))
    rep.waiting.append(a)
    rep.step(0.0)  # a: 3 blocks, the first 2 cached as the prefix, held by a
    p = rep.prefixes["a"]
    assert (rep.free, p.cached, p.maxheld, p.holders, a.shared, p.spans) == (97, 2, 2, {2: 1}, 2, [])
    rep.waiting.append(b)
    rep.step(1.0)  # b hits both, held by a: 1 block of its own
    assert (rep.free, p.holders, b.shared, p.spans) == (96, {2: 2}, 2, [])
    rep.preempt(a)  # a lets go of the prefix: b still holds it, nothing else comes free
    assert (rep.free, p.holders, p.maxheld, a.shared) == (97, {2: 1}, 2, 0)
    # a's own block (11 computed tokens: no full block of its own) joins the never-cached run
    assert list(rep.queue) == [97] and rep.waiting[0] is a and a.state == "waiting"
    rep.preempt(b)  # the last holder: the 2 prefix blocks join the free queue's tail, still cached
    assert (rep.free, p.holders, p.maxheld, p.cached) == (100, {}, 0, 2)
    span = rep.queue[1]
    assert (len(rep.queue), rep.queue[0], span.pid, span.lo, span.hi, p.spans) == (2, 98, "a", 0, 2, [span])
    assert [r.i for r in rep.waiting] == [1, 0]


# ---- SGLang's admission reserve (sglang.py; schedule_policy.py PrefillAdder, 0.5.23) --------------
# A token pool of 31 (page 1), ratio 1 (ignore_eos). r0 10 -> 5 and r1 10 -> 6 reach it at 0.
# step 1, a prefill batch: r0 needs its 10 prompt tokens + 5 output + 1 page = 16 <= 31; then r1
#   needs 10 + 6 + 1 = 17 > 21 free - 5 of r0's output reserved: it waits. r0 samples a token:
#   4 of its output left.
# step 2: r1 needs 17 <= 21 - 4 (exactly): a prefill batch of r1 alone (no mixed batches).
# steps 3-7: decodes take 1 token each a step; r0 ends at step 6 (14 tokens back), r1 at step 7;
#   step 7 was formed (overlap) before step 6's result: it still runs r0's decode (at 15 tokens).
def test_sglang_admits_a_request_only_with_its_output_and_the_running_outputs_kept_free():
    from kvplan.plan.simulate.sglang import SGLangReplica

    rf = Ledger()
    rep = SGLangReplica(sim.Limits("sglang", 1, 31, 8, 64, 4096, True, {}, output_reserve=1.0), rf, index=3)
    assert rep.index == 3
    rs = [_Req(0, sim.Request(0.0, 10, 5)), _Req(1, sim.Request(0.0, 10, 6))]
    rep.waiting.extend(rs)
    free, left, t = [], [], 0.0
    while rep.has_work():
        d, _ = rep.step(t)
        t += d
        free.append(rep.free)
        left.append(rep.out_left)
    assert rf.calls == [([(0, 10)], 0, 0), ([(0, 10)], 0, 0), ([], 2, 22), ([], 2, 24), ([], 2, 26),
                        ([], 2, 28), ([], 2, 30)]
    assert free == [21, 11, 9, 7, 5, 17, 31]
    assert left == [4, 9, 7, 5, 3, 1, 0]  # Σ of the running requests' output still to come
    assert [(r.first_tok, r.end) for r in rs] == [(1.0, 6.0), (2.0, 7.0)]


# ---- speculative decoding (speculative.py) -----------------------------------------------------
class SpecLedger(Ledger):
    """The ledger plus what a drafter's cost reads: one sequence's cache read at context c is
    10 c + 1 bytes over ``layers`` layers, at 1 byte/s and no per-step overhead."""

    def __init__(self, layers: int, linear: bool = True):
        super().__init__(linear)
        self.spec = NS(num_layers=layers)
        self.gpu = NS(memory_bandwidth_bytes_per_s=1.0)
        self.eff = NS(memory=1.0, step_overhead_s=0.0)

    def kv_tokens_read(self, ctx):
        return 10 * ctx + 1


def _eagle(k=1):
    from kvplan.plan.speculative import Drafter

    # acceptance 1: every round emits k + 1 tokens; EAGLE's lookahead is k (config/vllm.py)
    return Drafter(method="eagle", num_speculative_tokens=k, acceptance=1.0, tokens_per_step=k + 1.0,
                   weights_bytes=0, kv_layers=1, lookahead=k)


# k = 1, acceptance 1: 2 tokens a round. Blocks of 4; one request 4 -> 5 tokens.
# step 1: the prefill (1 block), its 1st token. A decode asks allocate_slots for computed + 1 + k +
#   lookahead = computed + 3 tokens' slots.
# step 2 (decode step 1, at 4 computed): 7 slots, a 2nd block; the target verifies (4, 2); the
#   drafter reads (10 × 4 + 1) // layers bytes once (k = 1 pass); tokens 2, 3.
# step 3 (decode step 2, at 6): 9 slots, a 3rd block; verifies (6, 2): tokens 4, 5, the last.
@pytest.mark.parametrize("layers, linear", [(1, True), (4, True), (4, False)])
def test_a_speculative_round_verifies_k_plus_1_tokens_and_reserves_the_lookahead(layers, linear):
    from kvplan.plan.simulate.speculative import SpecReplica

    rf = SpecLedger(layers, linear)
    rep = SpecReplica(lim(budget=64), rf, _eagle())
    rs, free = drive(rep, [sim.Request(0.0, 4, 5)])
    verify = [(4, 2)], [(6, 2)]
    want = [(v, 0, 0) if linear else (v, []) for v in ([(0, 4)],) + verify]
    assert rf.calls == want
    assert free == [99, 98, 100] and rep.steps == 3
    r = rs[0]
    assert (r.g, r.computed, r.first_tok) == (5, 8, 1.0)
    assert r.end == 3.0 + 41 // layers + 61 // layers


# Two requests, the second prefilled beside the first's first round: its rounds count from the
# decode step it joined at. r0 4 -> 7 decodes in steps 2, 3, 4 (decode steps 1-3, 2 tokens each,
# at 4, 6, 8 computed tokens). r1 4 -> 2 comes before step 2: step 2 holds its prefill (0, 4) and
# r0's round at 4; step 3 r0's round at 6 and r1's first at its own 4 (not 4 + r0's 2), which
# makes its 2nd token, the last (of the round's 2 tokens, 1 is kept: 6 computed).
def test_a_later_requests_rounds_count_from_its_own_first_decode_step():
    from kvplan.plan.simulate.speculative import SpecReplica

    rf = SpecLedger(1)
    rep = SpecReplica(lim(budget=64), rf, _eagle())
    r0, r1 = _Req(0, sim.Request(0.0, 4, 7)), _Req(1, sim.Request(0.0, 4, 2))
    rep.waiting.append(r0)
    t = 0.0
    for add in ([], [r1], [], []):
        rep.waiting.extend(add)
        t += rep.step(t)[0]
    assert rf.calls == [([(0, 4)], 0, 0), ([(0, 4), (4, 2)], 0, 0), ([(6, 2), (4, 2)], 0, 0), ([(8, 2)], 0, 0)]
    assert (r0.g, r0.computed, r1.g, r1.computed) == (7, 10, 2, 6)
    assert (r0.end, r1.first_tok, r1.end) == (4.0 + 41 + 61 + 81 + 41, 2.0 + 41, 3.0 + 41 + 61 + 41)
    assert not rep.has_work() and rep.free == 100


def test_speculative_replicas_keep_their_index_for_the_prefix_router():
    rf = SpecLedger(1)
    reqs = [sim.Request(0.0, 8, 2, "a"), sim.Request(0.0, 8, 2, "b")]
    raw = sim.run(reqs, lim(budget=64), rf, replicas=2, router="prefix", drafter=_eagle())
    assert [x.index for x in raw["reps"]] == [0, 1]
    assert [x.prompt_tokens for x in raw["reps"]] == [8, 8]  # a to replica 0, b to the idle replica 1
