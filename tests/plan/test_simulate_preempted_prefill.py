"""A request preempted in the middle of its chunked prefill (scheduler.py ``Replica._leave``) leaves
the list of requests in prefill, so the chunks of the requests behind it still run, counted by
hand. vLLM, blocks of 1 token, 11 blocks, a budget of 4 tokens a step, every step 1 s (the Ledger
of test_simulate_hybrid.py)."""
from kvplan.plan import simulate as sim
from kvplan.plan.simulate.scheduler import Replica, _Req
from tests.plan.test_simulate_hybrid import Ledger  # every step takes 1 s


def test_a_request_preempted_mid_prefill_does_not_hold_up_later_chunks():
    """A (prompt 2, output 10), B (prompt 8, output 2), C (prompt 6, output 1), all waiting at 0.
    Step 1: A's 2 tokens (2 blocks) and B's first 2 (its gate max(2, 8) = 8 ≤ 9 free): 7 free; A makes
    its first token. Step 2: A's decode takes a block, B's next 3 tokens 3 more: 3 free. Step 3: A's
    decode takes one (2 free); B's next 3 need 3 > 2, so B, the latest admitted, is preempted, in
    prefill: its 5 blocks back, 7 free. Steps 4-10: A decodes alone (B needs 8 blocks, C waits behind
    it) down to 0 free; its 10th token at step 10 (1 + 9 decodes) ends it: 11 free. Steps 11, 12: B's
    prompt in chunks of 4, its first token at 12; step 13 its second ends it (C's gate 6 > the 2 then
    free). Steps 14, 15: C's 4 + 2 tokens, its one token ends it at 15 s."""
    rep = Replica(sim.Limits("vllm", 1, 11, 8, 4, 4096, False), Ledger())
    a, b, c = rs = [_Req(i, sim.Request(0.0, p, o)) for i, (p, o) in enumerate(((2, 10), (8, 2), (6, 1)))]
    rep.waiting.extend(rs)
    free = []
    while rep.has_work():
        d, _ = rep.step(rep.t)
        rep.t += d
        free.append(rep.free)
        if len(free) == 3:  # B preempted in prefill: waiting again, nothing computed, off the prefill list
            assert (b.state, b.computed, b.preempted, rep.prefilling) == ("waiting", 0, 1, [])
    assert free == [7, 3, 7, 6, 5, 4, 3, 2, 1, 11, 7, 3, 11, 7, 11]
    assert [r.end for r in rs] == [10.0, 13.0, 15.0] and rep.preemptions == 1
