"""The admission gate of a cache of sliding-window groups only (kvplan/plan/simulate/hybrid.py
``VllmSlidingReplica``, vLLM 0.33's one ``SlidingWindowManager`` group), counted by hand: blocks of
16, window 128, so nothing is behind the window at c = 0 and a request's first chunk of n tokens
takes cdiv(n, 16) blocks; with ``reserve_full_isl`` (vLLM >= 0.19) its whole sequence, min(prompt +
generated, max_model_len) tokens, must fit first (``Group.admission``, capped at the group's
``max_admission_blocks_per_request``). Session 14's mutation run."""
from kvplan.plan import simulate as sim
from kvplan.plan.simulate.groups import Group
from kvplan.plan.simulate.hybrid import VllmSlidingReplica
from kvplan.plan.simulate.scheduler import _Req
from kvplan.sources import catalog
from tests.plan.test_simulate_hybrid import Ledger

SWA = Group("sliding", 16, 128)


def _rep(blocks, budget, group=SWA, **kw):
    lim = sim.Limits("vllm", 16, blocks, 8, budget, 4096, True, {}, groups=(group,), main_group=False, **kw)
    return VllmSlidingReplica(lim, Ledger())


def _req(prompt, generated=0):
    r = _Req(0, sim.Request(0.0, prompt, 60))
    r.g = generated  # a preempted request comes back with its generated tokens to recompute
    return r


def test_a_resumed_request_counts_its_generated_tokens():
    """Prompt 100 with 20 generated before a preemption: 120 tokens, cdiv(120, 16) = 8 blocks, all
    in one chunk (budget 1,024); its whole sequence is the same 120 tokens, 8 blocks."""
    rep = _rep(100, 1024)
    assert rep._fits(_req(100, 20), 1024) == (0, 0, 0, 120, 8, 0)
    assert rep._full_need(_req(100, 20), 0, 0) == 8
    assert rep._full_need(_req(100), 0, 0) == 7  # cdiv(100, 16)


def test_the_whole_sequence_gate_at_its_edge():
    """Prompt 1,000, budget 32: the first chunk takes cdiv(32, 16) = 2 blocks, the whole sequence
    cdiv(1000, 16) = 63. With the gate (vLLM >= 0.19) a pool of 63 free blocks admits it and 62
    does not; without it (reserve_full_isl False, vLLM < 0.19) 2 free blocks do and 1 does not."""
    assert _rep(63, 32)._fits(_req(1000), 32) == (0, 0, 0, 32, 2, 0)
    assert _rep(62, 32)._fits(_req(1000), 32) is None
    assert _rep(2, 32, reserve_full_isl=False)._fits(_req(1000), 32) == (0, 0, 0, 32, 2, 0)
    assert _rep(1, 32, reserve_full_isl=False)._fits(_req(1000), 32) is None
    assert _rep(62, 32, reserve_full_isl=False)._fits(_req(1000), 32) == (0, 0, 0, 32, 2, 0)
    # capped at max_admission_blocks_per_request: 9 blocks (the window's), so 9 free admit it
    capped = Group("sliding", 16, 128, 0, 9)
    assert _rep(9, 32, capped)._fits(_req(1000), 32) == (0, 0, 0, 32, 2, 0)
    assert _rep(8, 32, capped)._fits(_req(1000), 32) is None


def test_each_replica_keeps_its_index():
    """simulate builds replica i as cls(limits, roofline, shared_prefix, i); the prefix router
    sends a new prefix to the least-loaded replica's index (simulate._route): two fresh replicas,
    prefix 0 to replica 0, then prefix 1, replica 0 now loaded, to replica 1."""
    lim = sim.Limits("vllm", 16, 100, 8, 1024, 4096, True, {}, groups=(SWA,), main_group=False)
    reps = [VllmSlidingReplica(lim, Ledger(), 0, i) for i in range(2)]
    assert [r.index for r in reps] == [0, 1]
    state = {}
    a = sim._route("prefix", reps, _Req(0, sim.Request(0.0, 100, 5, prefix_id="0")), state)
    assert a is reps[0]
    a.waiting.append(_Req(0, sim.Request(0.0, 100, 5, prefix_id="0")))
    b = sim._route("prefix", reps, _Req(1, sim.Request(0.0, 100, 5, prefix_id="1")), state)
    assert b is reps[1] and state["home"] == {"0": 0, "1": 1}


def test_mistral_7b_limits_say_sliding_groups_only():
    """The catalog's mistral-7b (every layer sliding): one sliding group, no scheduler's own group,
    and the source says which replica runs it."""
    lim = sim.engine_limits(catalog.load_model("mistral-7b"), catalog.load_gpu("h100"), 1, "vllm")
    assert lim.main_group is False and [g.kind for g in lim.groups] == ["sliding"]
    assert lim.sources["groups"] == (
        "kvplan fit mistral-7b --gpu h100-sxm-80gb --tp 1 --engine vllm: sliding-window KV cache groups only (1), "
        "one block pool (hybrid.py VllmSlidingReplica: no prefix-cache hits modelled)")
