"""simulate with more than one KV cache group (kvplan/plan/simulate/groups.py, hybrid.py): the
blocks each group holds, counted by hand from vLLM 0.33's v1/core/single_type_kv_cache_manager.py
(``SlidingWindowManager.get_num_skipped_tokens``: max(0, c − W + 1) tokens behind the window;
``remove_skipped_blocks`` frees their whole blocks before ``allocate_slots`` takes cdiv(c + n, block)
for the request), and SGLang 0.5.23's two token pools."""
import math
from types import SimpleNamespace as NS

import pytest

from kvplan.errors import KvplanError
from kvplan.plan import simulate as sim
from kvplan.plan.simulate.groups import Group, held, next_change, sglang_swa_need
from kvplan.plan.simulate.hybrid import SGLangSWAReplica, VllmHybridReplica
from kvplan.plan.simulate.scheduler import Replica, _Req
from kvplan.sources import catalog
from tests.plan.test_simulate_scheduler_rules import drive  # one stepping helper for the replica tests



class Ledger:
    """Every step takes 1 s (as tests/plan/test_simulate_scheduler_rules.py's)."""

    decode_is_linear = True

    def mixed_sum(self, chunks, decodes, ctx_sum, ctx_max=0, seconds=False):
        return 1.0

    def mixed(self, chunks=(), decodes=()):
        return NS(seconds=1.0)


SWA = Group("sliding", 16, 128)  # gpt-oss: window 128, blocks of 16


def test_gpt_oss_sliding_group_by_hand():
    """A 1,000-token prompt prefilled in one chunk (c = 0): nothing is behind the window yet, so
    the sliding group takes cdiv(1000, 16) = 63 blocks, as the full group. Its first decode (c =
    1000, slots for 1,001 tokens): skipped 1000 − 128 + 1 = 873 tokens = 54 whole blocks, so
    cdiv(1001, 16) − 54 = 63 − 54 = 9 blocks (tokens 864..1000); the full group cdiv(1001, 16) =
    63. The next change: a block leaves the window at c = 1007 (1007 − 127 = 880 = 55 × 16), a new
    one at c = 1008."""
    assert SWA.held(0, 1000) == 63 and Group("full", 16).held(0, 1000) == 63
    assert SWA.held(1000, 1) == 9 and Group("full", 16).held(1000, 1) == 63
    assert SWA.next_change(1000) == 1007 and SWA.held(1007, 1) == 8 and SWA.held(1008, 1) == 9
    assert next_change((Group("full", 16),), 1000) == 1008
    # below the window the sliding group grows as the full one: no block leaves before c = 143
    assert [SWA.held(c, 1) for c in (100, 112, 128, 142, 143, 144)] == [7, 8, 9, 9, 8, 9]
    assert SWA.next_change(100) == 112 and SWA.next_change(128) == 143
    # chunked local attention (Llama 4, chunk 8192): a whole chunk leaves at multiples of 8192
    ch = Group("chunked", 16, 8192)
    assert ch.held(8191, 1) == 512 and ch.held(8192, 1) == 1 and ch.next_change(8191) == 8192
    # Mamba: the fixed blocks fit plans, whatever the length
    assert Group("mamba", 0, fixed=3).held(0, 5000) == 3 and Group("mamba", 0, fixed=3).next_change(9) is None
    assert held((SWA, Group("mamba", 0, fixed=3)), 1000, 1) == 12


def _vllm(blocks, groups=(SWA,), budget=1024, caching=True):
    lim = sim.Limits("vllm", 16, blocks, 8, budget, 4096, caching, {}, groups=groups)
    return VllmHybridReplica(lim, Ledger())


def test_one_request_holds_both_groups():
    """One gpt-oss request (prompt 1000, output 3): after its prefill step 63 + 63 = 126 blocks
    are used; after its first decode step (c = 1000) 63 + 9 = 72; all come back at the end."""
    rep = _vllm(200)
    rs, free = drive(rep, [sim.Request(0.0, 1000, 3)])
    assert [200 - f for f in free] == [126, 72, 0]
    assert rep.preemptions == 0 and rep.free == 200


@pytest.mark.parametrize("pool, preempted", [(38, 0), (37, 1), (35, 1)])
def test_preemption_starts_where_both_groups_exceed_the_pool(pool, preempted):
    """Two requests of prompt 100, output 60 (decodes at c = 100..158). Each holds, per decode
    position c, full cdiv(c + 1, 16) + sliding cdiv(c + 1, 16) − max(0, c − 127) // 16 blocks:
    c = 100: 7 + 7; 112: 8 + 8; 128: 9 + 9; 143: 9 + 8; 144: 10 + 9 = 19. Two requests peak at
    38 blocks (c = 144): a pool of 38 never preempts, 37 preempts the later one at c = 144, 35
    already at c = 128 (36 > 35). One full group alone would peak at 2 × 10 = 20."""
    rep = _vllm(pool)
    drive(rep, [sim.Request(0.0, 100, 60), sim.Request(0.0, 100, 60)])
    assert (rep.preemptions > 0) == bool(preempted) and rep.free == pool
    base = Replica(sim.Limits("vllm", 16, 20, 8, 1024, 4096, True, {}), Ledger())
    drive(base, [sim.Request(0.0, 100, 60), sim.Request(0.0, 100, 60)])
    assert base.preemptions == 0


def test_admission_needs_every_groups_blocks():
    """A 1,000-token prompt needs 63 + 63 = 126 blocks at admission: a pool of 125 cannot hold it
    (one group alone would need 63)."""
    with pytest.raises(KvplanError, match="1,000 tokens"):
        drive(_vllm(125), [sim.Request(0.0, 1000, 2)])
    rs, free = drive(_vllm(126), [sim.Request(0.0, 1000, 2)])
    assert free[0] == 0


def test_chunked_prefill_frees_behind_the_window_between_chunks():
    """Budget 512: chunks at c = 0, 512 of a 1,000-token prompt. Chunk 1: 32 + 32 blocks. Chunk 2
    (c = 512, 488 tokens): full cdiv(1000, 16) = 63; sliding: (512 − 127) // 16 = 24 blocks behind
    the window freed, cdiv(1000, 16) − 24 = 39: 102 in all."""
    rep = _vllm(200, budget=512)
    rs, free = drive(rep, [sim.Request(0.0, 1000, 2)])
    assert [200 - f for f in free[:2]] == [64, 102]


def test_mamba_group_fixed_blocks():
    """A Mamba group of 3 blocks a request: a 40-token prompt takes cdiv(40, 16) = 3 + 3."""
    rep = _vllm(100, groups=(Group("mamba", 16, fixed=3),))
    rs, free = drive(rep, [sim.Request(0.0, 40, 2)])
    assert 100 - free[0] == 6 and rep.free == 100


def test_sglang_swa_pool():
    """SGLang: a 1,000-token prompt takes 1,000 full and 1,000 SWA tokens; admission needs
    max(1000 − 128, 0) + min(1000 + 5, 128) + 1 = 1,001 < the free SWA tokens; in decode it keeps
    min(final length, 128 + 128) = 256 SWA tokens."""
    assert sglang_swa_need(1000, 5, 128, 1) == 1001
    lim = sim.Limits("sglang", 1, 5000, 8, 4096, 8192, True, {}, output_reserve=1.0,
                     groups=(Group("sliding", 1, 128),), swa_tokens=1001)
    rep = SGLangSWAReplica(lim, Ledger())
    r = _Req(0, sim.Request(0.0, 1000, 5))
    rep.cutoff = r.seen  # seen by the scheduler, as form sets it (before a step nothing is: -1.0)
    assert rep._fits(r, 4096) is None  # 1,001 is not below 1,001
    lim = sim.Limits("sglang", 1, 5000, 8, 4096, 8192, True, {}, output_reserve=1.0,
                     groups=(Group("sliding", 1, 128),), swa_tokens=1002)
    rep = SGLangSWAReplica(lim, Ledger())
    rep.cutoff = r.seen
    assert rep._fits(r, 4096) is not None  # 1,001 < 1,002
    rep.waiting.append(r)
    rep.step(0.0)
    assert rep.swa_free == 1002 - 256 and r.xb == 256
    while rep.has_work():
        rep.step(rep.t)
        rep.t += 1.0
    assert rep.swa_free == 1002 and rep.free == 5000


def test_gpt_oss_simulates_on_both_engines():
    """The issue's own command now runs: vLLM's two groups and SGLang's two pools."""
    spec, gpu = catalog.load_model("gpt-oss-120b"), catalog.load_gpu("h100")
    for engine in ("vllm", "sglang"):
        r = sim.simulate(spec, gpu, tp=2, engine=engine, rate=4.0, prompt_tokens="1000",
                         output_tokens="1000", requests=60)
        assert r.output_tokens_per_s > 0 and not math.isnan(r.ttft_ms.p50)
