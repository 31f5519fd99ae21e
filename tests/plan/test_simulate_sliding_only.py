"""simulate for a model whose only KV cache groups are sliding window (Mistral 7B v0.1: 32 layers,
window 4,096), as vLLM 0.33 serves it: kv_cache_utils.py ``is_kv_cache_spec_uniform`` makes one
``SlidingWindowSpec`` group, run by one ``SlidingWindowManager`` (v1/core/
single_type_kv_cache_manager.py): after ``remove_skipped_blocks`` a request at c computed tokens
allocating n holds cdiv(c + n, block) − max(0, c − W + 1) // block blocks. Figures counted by
hand; kvplan/plan/simulate/hybrid.py ``VllmSlidingReplica``."""
from types import SimpleNamespace as NS

import pytest

from kvplan.plan import simulate as sim
from kvplan.plan.simulate.groups import Group
from kvplan.plan.simulate.hybrid import VllmHybridReplica, VllmSlidingReplica, replica_class
from kvplan.plan.simulate.scheduler import Replica
from kvplan.sources import catalog
from tests.plan.test_simulate_hybrid import Ledger
from tests.plan.test_simulate_scheduler_rules import drive

SWA = Group("sliding", 16, 128)


def _sliding(blocks, budget=1024):
    lim = sim.Limits("vllm", 16, blocks, 8, budget, 4096, True, {}, groups=(SWA,), main_group=False)
    return VllmSlidingReplica(lim, Ledger())


def test_replica_class_without_a_full_group():
    """vLLM limits whose groups are all sliding (main_group False) get the sliding-only replica;
    with a full group beside them, the hybrid one."""
    lim = lambda **kw: NS(**{"engine": "vllm", "groups": (SWA,), "host_blocks": 0, "swa_tokens": 0, **kw})
    assert replica_class(lim(main_group=False)) is VllmSlidingReplica
    assert replica_class(lim()) is VllmHybridReplica


def test_one_request_holds_the_window_only():
    """Prompt 1,000 in one chunk (c = 0): cdiv(1000, 16) = 63 blocks (nothing behind the window
    yet). First decode (c = 1000): 1000 − 128 + 1 = 873 tokens behind the window = 54 whole
    blocks, so cdiv(1001, 16) − 54 = 9. Then none. With a full-attention group beside it (hybrid
    replica) the same request holds 63 + 63 and 63 + 9."""
    rep = _sliding(200)
    rs, free = drive(rep, [sim.Request(0.0, 1000, 3)])
    assert [200 - f for f in free] == [63, 9, 0]
    assert rep.preemptions == 0 and rep.free == 200


@pytest.mark.parametrize("pool, preempted", [(18, 0), (17, 1)])
def test_preemption_where_the_window_says(pool, preempted):
    """Two requests of prompt 100, output 60 (decodes at c = 100..158): each holds, per c,
    cdiv(c + 1, 16) − max(0, c − 127) // 16: c = 100: 7; 112: 8; 128: 9; 143: 8; 144: 9; 159
    never reached; at most 9. Two peak at 18: a pool of 18 never preempts, 17 does (at c = 128).
    One full-attention group would peak at cdiv(159, 16) = 10 each, 20: it preempts in a pool of 18."""
    rep = _sliding(pool)
    drive(rep, [sim.Request(0.0, 100, 60), sim.Request(0.0, 100, 60)])
    assert (rep.preemptions > 0) == bool(preempted) and rep.free == pool
    full = Replica(sim.Limits("vllm", 16, 18, 8, 1024, 4096, True, {}), Ledger())
    drive(full, [sim.Request(0.0, 100, 60), sim.Request(0.0, 100, 60)])
    assert full.preemptions > 0


def test_chunked_prefill_frees_behind_the_window_between_chunks():
    """Budget 512, prompt 1,000: chunk 1 (c = 0, 512 tokens) 32 blocks; chunk 2 (c = 512, 488
    tokens): (512 − 127) // 16 = 24 blocks behind the window freed, cdiv(1000, 16) − 24 = 39."""
    rep = _sliding(200, budget=512)
    rs, free = drive(rep, [sim.Request(0.0, 1000, 2)])
    assert [200 - f for f in free[:2]] == [32, 39]


def test_mistral_7b_v01_simulates_on_vllm():
    """The catalog's mistral-7b (v0.1, every layer sliding, window 4,096) was refused; it now
    simulates, its cache the one sliding group fit plans."""
    r = sim.simulate(catalog.load_model("mistral-7b"), catalog.load_gpu("h100"), engine="vllm",
                     concurrency=4, prompt_tokens="512", output_tokens="64", requests=8, seed=0)
    assert r.requests == 8 and r.output_tokens_per_s > 0 and r.preemptions == 0
