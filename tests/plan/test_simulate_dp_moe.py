"""simulate with vLLM's --data-parallel-size D --enable-expert-parallel (plan/latency/dp_moe.py,
plan/simulate/dp.py): every rank steps together, padded to the busiest rank's tokens, and the API
server balances requests over the ranks. Stand-in numbers a reader can check by hand, and the real
step model against kvplan perf's own price of the same set-up."""
from __future__ import annotations

import pytest

from kvplan.engines import ServeOptions
from kvplan.errors import KvplanError
from kvplan.plan import simulate as sim
from kvplan.plan.latency.dp_moe import DataParallelMoEStep
from kvplan.plan.latency.step import OpLatency
from kvplan.plan.simulate.dp import DPReplica
from kvplan.plan.simulate.scheduler import Replica
from kvplan.sources import catalog

SPEC, GPU = catalog.load_model("qwen3-30b-a3b"), catalog.load_gpu("h100")


@pytest.fixture(scope="module")
def dp2():
    return DataParallelMoEStep(SPEC, GPU, 1, 2)


def test_equal_batches_cost_what_perf_prices_for_tp1_ep2(dp2):
    """Two ranks decoding 8 sequences each (contexts summing to 8,000): the step is perf's step at
    --tp 1 with experts over 2 EP ranks (OpLatency(ep=2) reads the experts at 2 × 8 tokens: every
    rank's), its routed experts moved from the rank to the group side and nothing counted twice."""
    own = dp2.rank.mixed_sum([], 8, 8_000, seconds=True)
    rank = dp2.rank.last
    got = dp2.step([(own, *rank), (own, *rank)])
    perf = OpLatency(SPEC, GPU, 1, engine="vllm", ep=2).mixed_sum([], 8, 8_000, seconds=True)
    assert got == pytest.approx(perf, rel=1e-9)


def test_one_idle_rank_still_pays_for_the_padded_experts(dp2):
    """Rank 1 has nothing: its dummy batch (1 token) is never the slowest. Rank 0's 8 decodes:
    its own share + the experts at 2 × 8 = 16 tokens (every rank padded to 8) + one overhead;
    the same as when rank 1 runs one token of its own, or 8 of its own."""
    own = dp2.rank.mixed_sum([], 8, 8_000, seconds=True)
    busy = (own, *dp2.rank.last)
    dummy_s = dp2.rank.mixed_sum([], 1, 1, seconds=True)
    dummy = (dummy_s, *dp2.rank.last)
    assert dummy[1:] == (1, 1, False) and dummy_s < own
    by_hand = own + dp2.mlp_seconds(16) + dp2.rank.overhead_seconds(8, False)
    assert dp2.step([busy]) == pytest.approx(by_hand, rel=1e-12)
    assert dp2.step([busy, dummy]) == pytest.approx(by_hand, rel=1e-12)
    assert dp2.step([busy, busy]) == pytest.approx(by_hand, rel=1e-12)
    # the padding counts: experts at 16 tokens cost more than at 8 + 1 or 8 (a miscount shows)
    assert dp2.mlp_seconds(16) > dp2.mlp_seconds(9) > dp2.mlp_seconds(8)


class _Step(DataParallelMoEStep):
    """Stand-in: a rank's share 1 ms a row; the step the slowest share + 0.1 ms × D × the most rows."""

    def __init__(self, dp: int):
        from tests.plan.test_simulate_dp import _Side

        self.dp, self.rank, self.decode_is_linear, self.seen = dp, _Side(), True, []

    def step(self, parts):
        self.seen.append(list(parts))
        return max(p[0] for p in parts) + 0.0001 * self.dp * max(p[1] for p in parts)


def _lim(blocks: int = 100_000) -> sim.Limits:
    return sim.Limits("vllm", 16, blocks, 64, 4096, 100_000, True, {}, "", (0.0,))


def test_a_busy_rank_and_an_idle_one_by_hand():
    """One request (10-token prompt, 4 output tokens) on a replica of 2 ranks: rank 0 gets it, rank
    1 idles (its dummy batch adds nothing). Step 1 prefills 10 tokens: 10 ms + 0.1 ms × 2 × 10 =
    12 ms, the first token; then 3 decode steps of 1 row: 1 ms + 0.2 ms each."""
    step = _Step(2)
    raw = sim.run([sim.Request(0.0, 10, 4)], _lim(), step, concurrency=1)
    (r,) = raw["reqs"]
    assert [[p[1] for p in parts] for parts in step.seen] == [[10], [1], [1], [1]]
    assert r.first_tok == pytest.approx(0.012)
    assert r.end == pytest.approx(0.012 + 3 * 0.0012)
    assert len(raw["reps"]) == 2 and raw["reps"][1].steps == 0


def test_two_ranks_two_requests_the_slower_sets_the_step():
    """Two requests at once go to ranks 0 and 1 (the second scan starts at rank 1); prompts of 10
    and 30 tokens: the first step lasts the 30-token rank's 30 ms + 0.1 ms × 2 × 30 = 36 ms, so
    both first tokens come at 36 ms."""
    step = _Step(2)
    raw = sim.run([sim.Request(0.0, 10, 2), sim.Request(0.0, 30, 2)], _lim(), step, concurrency=2)
    a, b = raw["reqs"]
    assert [p[1] for p in step.seen[0]] == [10, 30]
    assert a.first_tok == pytest.approx(0.036) and b.first_tok == pytest.approx(0.036)


def _replica(d: int = 2, blocks: int = 100):
    return DPReplica(Replica, _lim(blocks), _Step(d))


def _req(i: int):
    from kvplan.plan.simulate.scheduler import _Req

    return _Req(i, sim.Request(0.0, 10, 2))


def test_the_balancer_takes_the_lowest_waiting_plus_running_from_a_rotating_start():
    """vLLM's score (core_client.py DPLBAsyncMPClient): waiting + running; with KV usage at or
    below half no waiting penalty. Rank 0 holds 2 waiting, rank 1 holds 1: the next request goes
    to rank 1 (1 < 2) although the scan starts at rank 0; on a tie the scan's first rank wins, and
    the start moves on by one each request."""
    rep = _replica()
    r0, r1 = rep.ranks
    r0.waiting.extend([_req(0), _req(1)])
    r1.waiting.append(_req(2))
    rep.waiting.append(_req(3))  # scan from rank 0: scores 2, 1
    assert (len(r0.waiting), len(r1.waiting)) == (2, 2)
    rep.waiting.append(_req(4))  # scan from rank 1: a tie, 2 and 2: rank 1
    assert (len(r0.waiting), len(r1.waiting)) == (2, 3)
    rep.waiting.append(_req(5))  # scan from rank 0: 2 < 3
    assert (len(r0.waiting), len(r1.waiting)) == (3, 3)


def test_the_waiting_penalty_grows_past_half_the_kv_cache():
    """Rank 0: 1 waiting and 67 of its 100 blocks in use: score 1 + 1 × 6 × (0.67 − 0.5) = 2.02;
    rank 1: 2 running, nothing waiting: 2. The request goes to rank 1. At 66 blocks rank 0 scores
    1 + 6 × 0.16 = 1.96 < 2 and gets it (a weight of 5 or 7 instead of 6 flips one of the two)."""
    for used, to_rank1 in ((67, True), (66, False)):
        rep = _replica(blocks=100)
        r0, r1 = rep.ranks
        r0.waiting.append(_req(0))
        r0.free = 100 - used
        r1.running.update({1: None, 2: None})
        rep.waiting.append(_req(3))
        assert [len(x.waiting) for x in rep.ranks] == ([1, 1] if to_rank1 else [2, 0]), used


def test_simulate_runs_vllm_dp_ep_and_refuses_dp_without_ep():
    opts = ServeOptions(data_parallel_size=2, enable_expert_parallel=True)
    r = sim.simulate(SPEC, GPU, tp=1, engine="vllm", rate=4.0, prompt_tokens="512", output_tokens="64",
                     requests=40, opts=opts)
    assert r.replicas == 1 and r.output_tokens_per_s > 0
    assert any(n.startswith("data parallel: each replica is 2 engine ranks (tp 1 each)") for n in r.notes)
    assert any("over 2 DP ranks (2 a replica)" in n for n in r.notes)
    with pytest.raises(KvplanError, match="--enable-expert-parallel"):
        sim.simulate(SPEC, GPU, tp=1, engine="vllm", rate=4.0, prompt_tokens="512", output_tokens="64",
                     requests=10, opts=ServeOptions(data_parallel_size=2))
