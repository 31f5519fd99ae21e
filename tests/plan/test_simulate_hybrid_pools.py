"""simulate's hybrid replicas (kvplan/plan/simulate/hybrid.py), counted by hand: which replica a
cache's groups get, SGLang 0.5.23's sliding-window (SWA) token pool through a chunked prefill, a
retraction for SWA room and the decode top-up to min(final length, window + 128), and vLLM 0.33's
groups on one block pool. Every step takes 1 s (the Ledger of test_simulate_hybrid.py)."""
from types import SimpleNamespace as NS

import pytest

from kvplan.errors import KvplanError
from kvplan.plan import simulate as sim
from kvplan.plan.simulate.groups import Group
from kvplan.plan.simulate.hybrid import SGLangSWAReplica, VllmHybridReplica, replica_class
from kvplan.plan.simulate.scheduler import _Req
from tests.plan.test_simulate_hybrid import Ledger  # every step takes 1 s


SWA1 = Group("sliding", 1, 128)  # SGLang's page of 1 token, window 128 (gpt-oss)
SWA16 = Group("sliding", 16, 128)  # vLLM: blocks of 16


def _sglang(swa, budget=4096, tokens=5000):
    lim = sim.Limits("sglang", 1, tokens, 8, budget, 8192, True, {}, output_reserve=1.0,
                     groups=(SWA1,), swa_tokens=swa)
    return SGLangSWAReplica(lim, Ledger())


def _vllm(blocks, bs=16, budget=1024, groups=(SWA16,)):
    lim = sim.Limits("vllm", bs, blocks, 8, budget, 4096, True, {}, groups=groups)
    return VllmHybridReplica(lim, Ledger())


def _run(rep, reqs):
    """Requests waiting at 0; the replica stepped to the end: (requests, [(swa_free or free,
    preemptions) after each step])."""
    rs = [_Req(i, q) for i, q in enumerate(reqs)]
    rep.waiting.extend(rs)
    trace = []
    while rep.has_work():
        d, _ = rep.step(rep.t)
        rep.t += d
        trace.append((getattr(rep, "swa_free", rep.free), rep.preemptions))
    return rs, trace


# -- which replica ---------------------------------------------------------------------------------
def test_replica_class_by_engine_and_groups():
    """SGLang gets the SWA replica only with an SWA pool; vLLM the hybrid one only with groups;
    the CPU tier and V0's multi-step scheduling are refused in one clear line each."""
    lim = lambda **kw: NS(**{"engine": "vllm", "groups": (SWA16,), "host_blocks": 0,
                             "swa_tokens": 0, **kw})
    assert replica_class(lim(engine="sglang", swa_tokens=1000)) is SGLangSWAReplica
    assert replica_class(lim(engine="sglang")) is None
    assert replica_class(lim(groups=())) is None
    assert replica_class(lim(swa_tokens=1000)) is VllmHybridReplica  # no scheduler_steps: V1
    assert replica_class(lim(scheduler_steps=1)) is VllmHybridReplica
    with pytest.raises(KvplanError) as e:
        replica_class(lim(host_blocks=10))
    assert str(e.value) == ("simulate does not model a CPU KV tier (--kv-offloading-size) beside "
                            "vLLM's hybrid KV cache groups")
    with pytest.raises(KvplanError) as e:
        replica_class(lim(scheduler_steps=2))
    assert str(e.value) == "vLLM V0 (--num-scheduler-steps) has no hybrid KV cache groups"


def test_replicas_keep_their_index_and_no_shared_prefix_by_default():
    """Built as simulate builds them: index 0 and no shared prefix unless given (page 1: a
    1-token prefix would already be a whole block)."""
    for rep in (_sglang(1000), _vllm(100, bs=1)):
        assert rep.index == 0 and rep.k_prefix == 0
    lim = sim.Limits("sglang", 1, 100, 8, 64, 512, True, {}, groups=(SWA1,), swa_tokens=50)
    rep = SGLangSWAReplica(lim, Ledger(), 0, 7)
    assert rep.index == 7 and rep.k_prefix == 0
    rep = _vllm(100, bs=1)
    rep = VllmHybridReplica(rep.lim, Ledger(), 0, 7)
    assert rep.index == 7 and rep.k_prefix == 0


# -- SGLang's SWA pool -----------------------------------------------------------------------------
def test_sglang_chunked_prefill_frees_behind_the_window():
    """Prompt 1,000, output 5, chunks of 512. Admission: SWA need max(512 − 128, 0) + min(512 + 5,
    128) + 1 = 513 < 2,000; the chunk takes 512 SWA tokens: 1,488 free. Chunk 2 (c = 512, 488
    tokens) holds min(512, 128) + 488 = 616: it takes 616 − 512 = 104 (1,384 free); the prefill
    ends there and the request keeps min(1,000 + 4, 128 + 128) = 256: 2,000 − 256 = 1,744 free.
    The full pool holds 1,000 + 1 tokens after the first decode; all comes back at the end."""
    rep = _sglang(2000, budget=512)
    (r,), trace = _run(rep, [sim.Request(0.0, 1000, 5)])
    assert trace[:2] == [(1488, 0), (1744, 0)]
    assert rep.swa_free == 2000 and rep.free == 5000 and r.xb == 0 and not rep.pending


def test_sglang_chunk_without_swa_room_retracts_itself():
    """Pool of 600: the first chunk is admitted (513 < 600: 88 left) but chunk 2 wants 104 > 88,
    so the request retracts itself; alone in the replica it can never run: one clear error."""
    rep = _sglang(600, budget=512)
    with pytest.raises(KvplanError, match="1,000 tokens"):
        _run(rep, [sim.Request(0.0, 1000, 5)])
    assert rep.preemptions == 1 and rep.swa_free == 600 and rep.free == 5000


def test_sglang_retraction_for_swa_lets_the_decodes_go_on():
    """Pool 650, chunks of 512. A (prompt 200, output 50): need 0 + min(250, 128) + 1 = 129 < 650;
    B (prompt 1,000, output 5) gets the other 312 tokens: need 184 + 128 + 1 = 313 < 450. After step
    1: 650 − 512 = 138 free; A decodes and will keep min(200 + 49, 256) = 249 (49 more). Step 2:
    B's chunk 2 (c = 312, 512 tokens) wants 128 + 512 − 312 = 328 > 138: B is retracted (its 312
    back: 450); B's 513 > 450 cannot come back, so the step runs A's decode, which takes its 49:
    401 free. B waits for A (49 more steps), then runs alone: 650 − 512 = 138, chunk 2 wants 104,
    keeps 256."""
    rep = _sglang(650, budget=512)
    (a, b), trace = _run(rep, [sim.Request(0.0, 200, 50), sim.Request(0.0, 1000, 5)])
    assert trace[:3] == [(138, 0), (401, 1), (401, 1)] and a.xb == 0 and b.preempted == 1
    assert a.end < b.first_tok and rep.swa_free == 650 and rep.free == 5000
    assert trace[-1] == (650, 1) and (650 - 512, 1) in trace and (650 - 256, 1) in trace


def test_sglang_decode_tops_up_to_window_plus_interval():
    """Prompt 100, output 200, pool 256: admission needs 0 + min(300, 128) + 1 = 129 < 256; the
    prefill takes 100 (156 free); entering decode it keeps min(100 + 199, 256) = 256, so its first
    decode step takes the other 156: exactly the free 156, no retraction (0 free)."""
    rep = _sglang(256)
    r = _Req(0, sim.Request(0.0, 100, 200))
    rep.waiting.append(r)
    rep.t += rep.step(rep.t)[0]
    assert (rep.swa_free, r.xb, rep.pending) == (156, 100, {r: 156})
    rep.t += rep.step(rep.t)[0]
    assert (rep.swa_free, r.xb, rep.pending, rep.preemptions) == (0, 256, {}, 0)
    while rep.has_work():
        rep.t += rep.step(rep.t)[0]
    assert rep.swa_free == 256 and r.g == 200 and r.preempted == 0


def test_sglang_decode_top_up_retracts_the_latest():
    """Two requests of prompt 100, output 200, pool 400: both admitted (129 < 400, 129 < 300): 200
    free, each to top up 156 on its first decode. A (admitted first) takes 156: 44 left; B's 156 >
    44 retracts B (its 100 back): 144 free, one preemption. Step 3 re-admits B (101 tokens): the
    radix cache kept its tokens, it hits at most 101 − 1 = 100 and takes the one other SWA token
    (hits taken as still in the SWA pool: hybrid.py's simplification): 143 free. B ends after A."""
    rep = _sglang(400)
    rs = [_Req(i, sim.Request(0.0, 100, 200)) for i in range(2)]
    rep.waiting.extend(rs)
    for _ in range(3):
        rep.t += rep.step(rep.t)[0]
    assert (rs[1].hit_tokens, rs[1].state, rep.swa_free) == (100, "decode", 143)
    rep = _sglang(400)
    (a, b), trace = _run(rep, [sim.Request(0.0, 100, 200), sim.Request(0.0, 100, 200)])
    assert trace[:2] == [(200, 0), (144, 1)]
    assert a.preempted == 0 and b.preempted >= 1 and a.end < b.end
    assert rep.swa_free == 400 and rep.free == 5000 and not rep.pending


# -- vLLM's groups on one pool ---------------------------------------------------------------------
def test_vllm_shared_prefix_hit_counts_the_sliding_group_whole():
    """A 64-token shared prefix (4 blocks of 16). A (prompt 70, output 2) takes cdiv(70, 16) = 5
    full + 5 sliding blocks and leaves the prefix's 4 full blocks cached and free. B (prompt 100)
    hits them: hit 64, it computes 36 tokens, needs cdiv(100, 16) − 4 = 3 full + the sliding
    group's cdiv(100, 16) − 0 skipped = 7 (its window does not reach back past token 0): 10 new
    blocks + the 4 hit = 14 in use after its prefill step. A pool of 13 cannot admit it."""
    lim = sim.Limits("vllm", 16, 100, 8, 1024, 4096, True, {}, groups=(SWA16,))
    rep = VllmHybridReplica(lim, Ledger(), 64)
    _run(rep, [sim.Request(0.0, 70, 2, "p")])
    assert rep.free == 100
    rs, trace = _run(rep, [sim.Request(0.0, 100, 2, "p")])
    assert 100 - trace[0][0] == 14 and rs[0].hit_tokens == 64 and rep.free == 100
    lim = sim.Limits("vllm", 16, 13, 8, 1024, 4096, True, {}, groups=(SWA16,))
    rep = VllmHybridReplica(lim, Ledger(), 64)
    _run(rep, [sim.Request(0.0, 70, 2, "p")])
    with pytest.raises(KvplanError, match="100 tokens"):
        _run(rep, [sim.Request(0.0, 100, 2, "p")])


def test_vllm_preempted_request_keeps_no_blocks_for_a_hit():
    """Two requests of prompt 100, output 60 on 37 blocks: the later one is preempted at c = 144
    (test_simulate_hybrid.py); its blocks all go back without being kept for a hit (groups.py:
    pessimistic), so it recomputes its prompt and the tokens it had made from 0: no hit tokens anywhere."""
    rep = _vllm(37)
    (a, b), trace = _run(rep, [sim.Request(0.0, 100, 60), sim.Request(0.0, 100, 60)])
    assert (a.preempted, b.preempted) == (0, 1) and rep.hit_tokens == 0 and b.hit_tokens == 0
    assert rep.free == 37


# -- SGLang with pages of 16 tokens ------------------------------------------------------------------
def _sglang16(swa, tokens=5000):
    lim = sim.Limits("sglang", 16, tokens, 8, 4096, 8192, True, {}, output_reserve=0.0,
                     groups=(Group("sliding", 16, 128),), swa_tokens=swa)
    return SGLangSWAReplica(lim, Ledger())


def test_sglang_page_16_swa_need_counts_tokens_not_pages():
    """Page 16, prompt 100, output 10: the SWA need is max(100 − 128, 0) + min(100 + 10, 128) + 16
    = 126 tokens (the prompt's 100 tokens, not its cdiv(100, 16) = 7 pages: that would be 33).
    126 < 127: admitted; 126 ≥ 126: never, one clear error (it is alone)."""
    rs, _ = _run(_sglang16(127), [sim.Request(0.0, 100, 10)])
    assert rs[0].g == 10
    with pytest.raises(KvplanError, match="100 tokens"):
        _run(_sglang16(126), [sim.Request(0.0, 100, 10)])


def test_sglang_page_16_decode_takes_a_page_at_the_boundary():
    """Page 16, prompt 16, output 20 on 100 pages: the prefill takes cdiv(16, 16) = 1 page (99
    free) and makes token 1; its 19 decodes run at c = 16..34: the first (c = 16, slots for 17 tokens)
    takes a second page (98 free), the 17th (c = 32, step 18) a third (97); all back at the end."""
    rep = _sglang16(1000, tokens=100)
    r = _Req(0, sim.Request(0.0, 16, 20))
    rep.waiting.append(r)
    frees = []
    while rep.has_work():
        rep.t += rep.step(rep.t)[0]
        frees.append(rep.free)
    assert frees[:3] == [99, 98, 98] and frees[16:18] == [98, 97] and frees[-1] == 100


def test_vllm_chunk_that_frees_more_window_blocks_than_it_takes():
    """Prompt 528, output 2, chunks of 512, 100 blocks of 16. Chunk 1 (c = 0): nothing behind the
    window, so 32 full + 32 sliding blocks: 36 free. Chunk 2 (c = 512, 16 tokens): the full group
    takes cdiv(528, 16) − 32 = 1; the sliding group keeps tokens 385..527 (512 − 128 + 1 = 385
    skipped: 24 whole blocks), cdiv(528, 16) − 24 = 9 blocks: 1 + 9 − 32 = −22, so 22 come back:
    58 free (33 + 9 held). All 100 back at the end."""
    rs, trace = _run(_vllm(100, budget=512), [sim.Request(0.0, 528, 2)])
    assert trace == [(36, 0), (58, 0), (100, 0)] and rs[0].xb == 0


def test_vllm_fixed_group_decode_takes_only_the_full_block():
    """A Mamba group of 3 fixed blocks beside the full group (blocks of 16), prompt 16, output 20
    on 100 blocks: admission takes 1 full + 3 fixed (96 free); the decodes at c = 16 and c = 32
    (steps 2 and 18) each need one new full block and no Mamba block (d = 1 + 3 − 3 = 1): 95,
    then 94; the Mamba group never changes, so the next event is the full group's next block."""
    rs, trace = _run(_vllm(100, groups=(Group("mamba", 0, fixed=3),)), [sim.Request(0.0, 16, 20)])
    frees = [f for f, _ in trace]
    assert frees == [96] + [95] * 16 + [94, 94, 100] and rs[0].xb == 0


def test_vllm_preempted_request_recomputes_prompt_and_output_in_one_chunk():
    """The pool of 37 above: B is preempted at step 46 (c = 144; c = 100 was step 2) with 45 tokens made. A ends at
    step 60 (1 prefill + 59 decodes; at c = 158 it held 10 + 10 − 1 = 19: 18 free < B's 20).
    Step 61 re-admits B as one chunk of 100 + 45 = 145 tokens (budget 1,024): 10 full + 10 sliding
    (c = 0: nothing behind the window) = 20: 17 free; its decode at c = 145 drops one sliding
    block (145 − 127 = 18 ≥ 16): 18 free."""
    rep = _vllm(37)
    a, b = (_Req(i, sim.Request(0.0, 100, 60)) for i in range(2))
    rep.waiting.extend([a, b])
    seen = []
    while rep.has_work():
        rep.t += rep.step(rep.t)[0]
        seen.append((a.state, b.state, b.computed, rep.free))
    assert seen[45][1:] == ("waiting", 0, 18) and seen[59] == ("done", "waiting", 0, 37)
    assert seen[60:62] == [("done", "decode", 145, 17), ("done", "decode", 145, 18)]


def test_sglang_chunk_taking_exactly_the_free_swa_tokens_runs():
    """The chunked prefill above on a pool of 616: admission needs 513 < 616; chunk 1 takes 512
    (104 free); chunk 2 wants exactly 104: room enough (SWA tokens short only when the want
    exceeds the free), 0 free; it keeps 256 entering decode: 616 − 256 = 360."""
    rep = _sglang(616, budget=512)
    (r,), trace = _run(rep, [sim.Request(0.0, 1000, 5)])
    assert trace[:2] == [(104, 0), (360, 0)] and r.preempted == 0 and rep.swa_free == 616


def test_vllm_decode_drops_a_window_block_one_step_before_the_next():
    """Prompt 140, output 10 on 100 blocks of 16 (decodes at c = 140..148). Prefill: cdiv(140, 16)
    = 9 full + 9 sliding: 82 free, the same at c = 140..142 (slots for c + 1 ≤ 143 tokens: 9 + 9).
    At c = 143, 143 − 128 + 1 = 16 tokens are behind the window: one block back (9 + 8: 83 free);
    at c = 144 both groups take a block (cdiv(145, 16) = 10; 10 + 9: 81 free)."""
    rs, trace = _run(_vllm(100), [sim.Request(0.0, 140, 10)])
    assert [f for f, _ in trace] == [82, 82, 82, 82, 83, 81, 81, 81, 81, 100]
