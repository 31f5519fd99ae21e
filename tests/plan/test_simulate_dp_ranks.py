"""simulate/dp.py's DPReplica built and stepped directly: its ranks' shared prefix and numbers, and
a step that goes on when the first rank has nothing to do (stand-in step model, by hand)."""
from __future__ import annotations

import pytest

from kvplan.plan import simulate as sim
from kvplan.plan.simulate.dp import DPReplica
from kvplan.plan.simulate.sglang import SGLangReplica
from tests.plan.test_simulate_dp import _Step  # the stand-in step: slowest rank + 0.1 ms a row


def _lim(block: int = 1) -> sim.Limits:
    return sim.Limits("sglang", block, 100_000, 64, 4096, 100_000, True, {}, "", (0.0,), output_reserve=1.0)


def test_ranks_share_the_prefix_and_are_numbered_across_replicas():
    """Defaults: replica 0, no shared prefix (k_prefix 0 on each rank at block 1), ranks 0 and 1.
    Replica 1 of D = 2 with a 64-token prefix at block 16: each rank 64 // 16 = 4 prefix blocks,
    ranks numbered 1 × 2 + 0 = 2 and 1 × 2 + 1 = 3 (SGLang's dp_rank across the deployment)."""
    rep = DPReplica(SGLangReplica, _lim(1), _Step(2))
    assert rep.index == 0
    assert [x.k_prefix for x in rep.ranks] == [0, 0]
    assert [x.index for x in rep.ranks] == [0, 1]
    rep = DPReplica(SGLangReplica, _lim(16), _Step(2), 64, 1)
    assert rep.index == 1
    assert [x.k_prefix for x in rep.ranks] == [4, 4]
    assert [x.index for x in rep.ranks] == [2, 3]


def test_a_step_goes_on_past_an_idle_first_rank():
    """Round robin: rank 0 gets a 10-token prompt with 1 output token, rank 1 one with 4. Step 1:
    both prefill (parts of 10 rows each) and rank 0's request ends with its first token; then rank
    0 forms nothing while rank 1 decodes 3 more steps of one row: 1 ms + 0.1 ms each."""
    step = _Step(2)
    reqs = [sim.Request(0.0, 10, 1), sim.Request(0.0, 10, 4)]
    raw = sim.run(reqs, _lim(), step, concurrency=2)
    assert [[p[1] for p in parts] for parts in step.seen] == [[10, 10], [1], [1], [1]]
    short, long = raw["reqs"]
    assert short.end == pytest.approx(0.010 + 0.002)  # 1 ms × 10 + 0.1 ms × 20
    assert long.end == pytest.approx(0.012 + 3 * 0.0011)


def test_summary_counts_replicas_not_ranks():
    """Four rank schedulers at D = 2 are 4 // 2 = 2 replicas (an int: JSON says 2, not 2.0); the
    note counts 8 blocks × 4 ranks = 32 blocks over the DP attention ranks."""
    import json
    from types import SimpleNamespace as NS

    from kvplan.plan.simulate.results import summarize

    rank = dict(samples=[], gaps=[], preemptions=0, hit_tokens=0, host=None, prompt_tokens=0, steps=0)
    reqs = [NS(arrival=0.0, first_tok=0.5, end=1.0, output=2, prompt=10)]
    lim = sim.Limits("sglang", 1, 8, 4, 512, 4096)
    r = summarize({"reqs": reqs, "reps": [NS(**rank) for _ in range(4)], "mark": {}}, lim, model="m",
                  gpu="g", tp=1, router="round-robin", workload="w", concurrency=1, infinite_rate=False,
                  dp=2)
    assert r.notes == ("KV blocks: 32 over 4 DP attention ranks (2 a replica)",)
    assert '"replicas": 2,' in json.dumps(r.as_dict())
