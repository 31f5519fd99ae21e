"""vLLM's admission gate for long prompts (kvplan/plan/simulate/scheduler.py ``Replica._fits``,
limits.RESERVE_FULL_ISL): from vLLM 0.19.0 (SchedulerConfig.scheduler_reserve_full_isl, default
True) a waiting request is admitted only if the blocks of its whole sequence fit
(0.33: ``KVCacheManager.allocate_slots(full_sequence_must_fit=True)``), not only its first chunk's;
older versions check the first chunk only. Counted by hand with the 1-second step model of
test_simulate_scheduler_rules.py."""
import pytest

from kvplan.plan import simulate as sim
from kvplan.plan.simulate.groups import Group
from kvplan.plan.simulate.hybrid import VllmHybridReplica
from kvplan.plan.simulate.limits import for_vllm_version
from kvplan.plan.simulate.scheduler import Replica, _Req
from tests.plan.test_simulate_scheduler_rules import Ledger, drive, lim


# 3 blocks of 4, budget 4 tokens; r0 (4 -> 3), r1 (8 -> 2). Step 1: r0 (0, 4), 1 block (free 2).
# Step 2: r0's decode at 4 takes a 2nd block (free 1); r1's first chunk of 3 would need 1 block
# (it fits) but its 8 tokens need 2 > 1 free: not admitted. Step 3: r0's decode at 5 makes its
# 3rd token and ends (2 blocks back, free 3). Steps 4, 5: r1 (0, 4), (4, 4), 2 blocks (free 1);
# step 6: its decode at 8 takes a 3rd block and ends it. No preemption (without the gate r1 is
# admitted at step 2 and preempts itself at step 3: test_simulate_scheduler_rules.py).
def test_a_prompt_whose_whole_blocks_do_not_fit_waits_though_its_first_chunk_would():
    rf = Ledger()
    rep = Replica(lim(blocks=3, budget=4), rf)
    rs, free = drive(rep, [sim.Request(0.0, 4, 3), sim.Request(0.0, 8, 2)])
    assert rf.calls == [([(0, 4)], 0, 0), ([], 1, 5), ([], 1, 6), ([(0, 4)], 0, 0), ([(4, 4)], 0, 0),
                        ([], 1, 9)]
    assert free == [2, 1, 3, 2, 1, 3]
    assert (rep.preemptions, rs[1].preempted, rs[0].end, rs[1].first_tok, rs[1].end) == (0, 0, 3.0, 5.0, 6.0)


# A pool of 10 blocks of 4, budget 8: r0 (8 -> 10) runs and holds 2 blocks (free 8). r1 (40
# tokens > the budget): its first chunk of 8 needs 2 blocks (fit), its 40 tokens need 10 > 8.
# Step 2: r0's decode at 8 tokens takes a 3rd block (free 7); without the gate r1's chunk of the 7
# tokens left in the budget takes 2 (free 5).
@pytest.mark.parametrize("gate, admitted", [(True, False), (False, True)])
def test_the_gate_counts_the_whole_prompt_and_older_versions_only_the_first_chunk(gate, admitted):
    rep = Replica(lim(blocks=10, budget=8, reserve_full_isl=gate), Ledger())
    r0, r1 = _Req(0, sim.Request(0.0, 8, 10)), _Req(1, sim.Request(0.0, 40, 1))
    rep.waiting.append(r0)
    rep.step(0.0)
    assert rep.free == 8
    rep.waiting.append(r1)
    assert (rep._fits(r1, 8) is not None) is admitted
    rep.step(1.0)
    assert (r1 in rep.running, rep.free) == ((True, 5) if admitted else (False, 7))


def test_prompts_within_one_chunk_are_admitted_alike():
    """Where the whole prompt is the first chunk the gate changes nothing."""
    got = []
    for gate in (True, False):
        rf = Ledger()
        rs, free = drive(Replica(lim(blocks=6, budget=64, reserve_full_isl=gate), rf),
                         [sim.Request(0.0, 8, 9), sim.Request(0.0, 8, 9), sim.Request(0.0, 12, 3)])
        got.append((rf.calls, free, [r.preempted for r in rs]))
    assert got[0] == got[1]


# The hybrid replica: blocks of 4, a sliding group of window 8 whose admission cap is 5 blocks
# (cdiv(min(7 + 8, max_model_len), 4) + 1: fit's blocks_per_request). 12 blocks; r0 (4 -> 10)
# holds 1 full + 1 sliding block (free 10). r1 (24 tokens): its first chunk of 4 (budget 8 − 4)
# needs 1 + 1; its whole sequence 6 full + min(6, 5) sliding = 11 > 10.
@pytest.mark.parametrize("gate, free", [(True, 10), (False, 8)])
def test_the_hybrid_gate_counts_the_whole_prompt_in_every_group(gate, free):
    g = Group("sliding", 4, 8, cap=5)
    assert (g.admission(0, 24), g.admission(0, 8), g.admission(12, 24), g.held(0, 4)) == (5, 2, 4, 1)
    L = sim.Limits("vllm", 4, 12, 8, 8, 4096, True, {}, groups=(g,), reserve_full_isl=gate)
    rep = VllmHybridReplica(L, Ledger())
    r0, r1 = _Req(0, sim.Request(0.0, 4, 10)), _Req(1, sim.Request(0.0, 24, 1))
    rep.waiting.extend([r0, r1])
    rep.step(0.0)
    assert (rep.free, r1 in rep.running) == (free, not gate)
    assert rep._full_need(r1, 0, 0) == 11


def test_the_version_a_run_states_picks_the_rule():
    L = lim()
    assert L.reserve_full_isl is True
    for v, on in [("0.19.0", True), ("v0.33.0", True), ("0.18.1", False), ("v0.11.0", False),
                  ("0.10.1.1 (V1)", False), ("0.6.0 (V0, multi-step)", False),
                  ("not stated (the llm-d image of May 2025)", True), (None, True)]:
        got = for_vllm_version(L, v)
        assert got.reserve_full_isl is on, v
        assert ("reserve_full_isl" in got.sources) is (not on), v
    sg = sim.Limits("sglang", 1, 100, 8, 8, 4096)
    assert for_vllm_version(sg, "0.4.0") is sg
