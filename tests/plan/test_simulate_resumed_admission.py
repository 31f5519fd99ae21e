"""vLLM ≥ 0.19's full-sequence admission (scheduler.py ``Replica._full_need``) for a preempted
request that resumes: its sequence is its prompt plus the tokens it already generated
(``request.num_tokens``), so the gate counts prompt + g, by hand."""
from kvplan.plan import simulate as sim
from kvplan.plan.simulate.scheduler import Replica, _Req
from tests.plan.test_simulate_hybrid import Ledger  # every step takes 1 s


def test_a_resumed_request_needs_its_prompt_and_its_generated_tokens():
    """Block size 1, prompt 10, 2 tokens generated before its preemption: the whole sequence is
    10 + 2 = 12 tokens = 12 blocks. With a 4-token budget its first chunk needs only 4 blocks, so
    the gate is max(4, 12) = 12: 11 free blocks refuse it, 12 admit it (10 − 2 = 8 would fit 11)."""
    for blocks, fits in ((11, False), (12, True)):
        rep = Replica(sim.Limits("vllm", 1, blocks, 8, 4096, 4096, False), Ledger())
        assert rep.full_isl
        r = _Req(0, sim.Request(0.0, 10, 5))
        r.g = 2
        assert rep._full_need(r, 0, 0) == 12
        assert (rep._fits(r, 4) is not None) is fits
