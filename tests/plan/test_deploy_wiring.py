"""Issue 25, session 10: what plan/deploy.py hands from one step to the next, checked where it is
handed over: a candidate's own fields (mode, max_num_seqs, EP), the replica models an EP task and a
disaggregated pair are built with, the prefill pool's view of a request (output 1, also in its
closed-loop capacity), a request reaching the decode pool when its prefill ends *plus* its KV
transfer, and p90s reported in milliseconds (the simulator's seconds × 1000).

The session-10 mutation run of deploy.py had these mutants survive (MUTATION.md, session 10); session
8 had killed them with a copy-only in-process run of the docs' examples, which no later run has.

`sim.run` is wrapped by a spy that records each call and returns the real result, so the numbers
compared are the simulator's own; a scan is 11 requests of llama-3.1-8b (a few tenths of a second)."""
import pytest

from kvplan.plan import deploy as d
from kvplan.plan import simulate as sim

PRICES = {"h100-sxm-80gb": (2.0, "src h"), "l40s": (1.0, "src l")}
KV_TOKEN = 131_072  # llama-3.1-8b: 32 layers × 8 KV heads × 128 × (K, V) × 2 bytes
IB_S = 1024 * KV_TOKEN / 50e9  # a 1024-token prompt's KV over InfiniBand's 50 GB/s a GPU: 2.684 ms


def workload(**kw):
    base = dict(model="llama-3.1-8b", rate=4.0, prompt_tokens="1024", output_tokens="16",
                ttft_p90_ms=1e9, itl_p90_ms=1e9, requests=11, prices=PRICES)
    base.update(kw)
    return d.Workload(**base)


@pytest.fixture(autouse=True)
def _fresh_models():
    d._CACHE.clear()  # a replica's models are cached per process: build them under this test's code
    yield
    d._CACHE.clear()


@pytest.fixture
def runs(monkeypatch):
    """Every ``simulate.run`` call of the test: (requests, limits, step, replicas, concurrency, result)."""
    got, real = [], sim.run

    def spy(reqs, lim, step, replicas=1, router="round-robin", shared_prefix=0, concurrency=None, **kw):
        out = real(reqs, lim, step, replicas, router, shared_prefix, concurrency, **kw)
        got.append((list(reqs), lim, step, replicas, concurrency, out))
        return out

    monkeypatch.setattr(sim, "run", spy)
    return got


def p90(values) -> float:
    """numpy.percentile's default: linear between the ranks around (n − 1) × 0.9 of the sorted list."""
    v = sorted(values)
    pos = (len(v) - 1) * 0.9
    lo = int(pos)
    hi = min(lo + 1, len(v) - 1)
    return v[lo] + (v[hi] - v[lo]) * (pos - lo)


# ---- a candidate's own fields ----------------------------------------------------------------------------
def test_a_candidate_that_does_not_fit_keeps_its_tasks_mode_and_options():
    # llama-3.1-70b's 141 GB of weights over TP 2 = 70.5 GB a GPU, more than an L40S's 48 GB: no
    # simulation, one noted candidate per task, carrying the task's own mode, TP and max_num_seqs
    w = workload(model="llama-3.1-70b")
    agg = d.evaluate(w, d.Task("aggregated", "l40s", 2, 32))
    assert [(c.mode, c.gpu, c.tp, c.max_num_seqs, c.dp, c.ep, c.layout) for c in agg] == [
        ("aggregated", "l40s", 2, 32, 1, 1, "0×tp2")]  # TP 2 without --enable-expert-parallel: EP 1
    assert agg[0].note.startswith("does not fit: llama-3.1-70b does not fit")
    # a disaggregated task is the pair's scan, not an aggregated one
    pair = d.evaluate(w, d.Task("disaggregated", "l40s", 2, 64, 2))
    assert [(c.mode, c.tp, c.max_num_seqs, c.prefill_tp, c.layout) for c in pair] == [
        ("disaggregated", 2, 64, 2, "P 0×tp2 + D 0×tp2")]
    assert pair[0].note.startswith("does not fit: llama-3.1-70b does not fit")


def test_a_simulated_aggregated_candidate_keeps_its_mode_and_max_num_seqs(runs):
    got = d.evaluate(workload(), d.Task("aggregated", "h100", 1, 32))
    assert [(c.mode, c.max_num_seqs, c.replicas, c.ep, c.meets) for c in got] == [("aggregated", 32, 1, 1, True)]


# ---- the replica models -------------------------------------------------------------------------------------
def test_an_ep_task_is_simulated_with_its_dp_ranks_and_expert_parallel_steps(runs):
    # qwen3-30b-a3b (128 experts a MoE layer), TP 1 × DP 2 with --enable-expert-parallel: EP = 1 × 2;
    # a budget of 2 GPUs simulates one replica (2 DP ranks, each a simulated replica) then stops
    w = workload(model="qwen3-30b-a3b", max_gpus=2)
    got = d.evaluate(w, d.Task("aggregated", "h100", 1, 32, dp=2, ep=True))
    assert [(c.replicas, c.dp, c.ep, c.gpus) for c in got[:1]] == [(1, 2, 2, 2)]
    # every simulation (the closed-loop capacity and the scan) steps each rank with E/EP experts
    assert runs and all((step.ep, step.dp) == (2, 2) for _, _, step, _, _, _ in runs)
    assert [n for _, _, _, n, c, _ in runs if c is None] == [2]  # one replica = 2 DP ranks
    # the replica's step model itself, and a dense TP 2 replica's (no expert parallelism)
    assert (d._models(w, "h100", 1, 32, dp=2, ep=True)[3].ep) == 2
    assert d._models(workload(), "h100", 2, 32)[3].ep == 1


def test_a_pairs_decode_pool_is_a_decode_side_replica_and_its_prefill_pool_computes_one_token(runs):
    w = workload()
    got = d.evaluate(w, d.Task("disaggregated", "h100", 1, 32, 1, "infiniband"))
    assert [(c.mode, c.prefill_replicas, c.replicas, c.meets) for c in got] == [("disaggregated", 1, 1, True)]
    reqs = d._requests(w, 11, 4.0, 0)
    # the runs: decode pool's capacity, prefill pool's capacity, the prefill pool, the pair joined
    (cap_d, cap_p, pre, joined) = runs
    # the decode pool: DecodeSide steps (a prompt arrives as KV) and no token budget (1 << 40)
    for r in (cap_d, joined):
        assert isinstance(r[2], d.DecodeSide) and r[1].max_num_batched_tokens == 1 << 40
    for r in (cap_p, pre):
        assert not isinstance(r[2], d.DecodeSide) and r[1].max_num_batched_tokens < 1 << 40
    # the prefill pool's view of a request is its prompt and output 1, in its closed-loop capacity (no
    # max_num_seqs given: vLLM's default for a GPU of >= 70 GiB, not an A100, is 1024, engines/vllm/
    # settings.py; so 2 × 1024 requests, 1024 clients) as in the scan (the workload's 11 requests, at
    # their arrivals); the decode pool's capacity is measured with the workload's own output, 16 tokens
    assert cap_p[1].max_num_seqs == cap_p[4] == 1024 and len(cap_p[0]) == 2048
    assert {(q.prompt, q.output) for q in cap_p[0]} == {(1024, 1)}
    assert {q.output for q in cap_d[0]} == {16}
    assert [(q.arrival_s, q.prompt, q.output) for q in pre[0]] == [(q.arrival_s, q.prompt, 1) for q in reqs]
    assert pre[4] is None and joined[4] is None


def test_a_request_reaches_the_decode_pool_when_its_prefill_ends_plus_its_transfer(runs):
    # InfiniBand: 1024 tokens × 131,072 B / 50 GB/s = 2.684 ms after the prefill pool's last step
    w = workload()
    (c,) = d.evaluate(w, d.Task("disaggregated", "h100", 1, 32, 1, "infiniband"))
    _, _, pre, joined = runs
    ends = [r.end for r in pre[5]["reqs"]]
    assert [q.arrival_s for q in joined[0]] == pytest.approx([e + IB_S for e in ends], rel=1e-12)
    assert c.transfer_ms == pytest.approx(IB_S * 1000)
    # the pair's TTFT is measured from each request's own arrival to its first token at the decode pool
    firsts = [r.first_tok for r in joined[5]["reqs"]]
    assert min(f - q.arrival_s for f, q in zip(firsts, pre[0])) > IB_S


# ---- milliseconds -------------------------------------------------------------------------------------------
def test_p90_is_the_tenth_of_eleven_values_in_milliseconds():
    # 11 values: (11 − 1) × 0.9 = rank 9 exactly, the 10th smallest: 0.010 s = 10 ms
    assert d._p90([i / 1000 for i in (5, 1, 11, 2, 9, 3, 10, 4, 8, 6, 7)]) == pytest.approx(10.0, rel=1e-12)
    # 2 values: rank 0.9, 0.9 of the way from 1 s to 2 s: 1.9 s = 1,900 ms
    assert d._p90([2.0, 1.0]) == pytest.approx(1900.0, rel=1e-12)


def test_a_pairs_p90s_are_the_simulators_seconds_in_milliseconds(runs):
    w = workload()
    (c,) = d.evaluate(w, d.Task("disaggregated", "h100", 1, 32, 1, "infiniband"))
    _, _, pre, joined = runs
    raw = joined[5]
    ttft_s = [r.first_tok - q.arrival_s for r, q in zip(raw["reqs"], pre[0])]
    gaps_s = [g for rep in raw["reps"] for g, n in rep.gaps for _ in range(n)]  # (gap, tokens) pairs
    assert len(ttft_s) == 11 and len(gaps_s) >= 11 * 14  # 15 gaps a 16-token output, some merged
    assert c.ttft_p90_ms == pytest.approx(p90(ttft_s) * 1000, rel=1e-9)
    assert c.itl_p90_ms == pytest.approx(p90(gaps_s) * 1000, rel=1e-9)
    assert 1 < c.itl_p90_ms < 100 and c.ttft_p90_ms > IB_S * 1000  # ms, not seconds


@pytest.mark.parametrize("workers", [1, 2])
def test_plan_tells_its_progress_one_configuration_at_a_time(workers):
    """ux16: `kvplan plan` with its default search ran 70 s with nothing on the screen; the library now
    says the number of configurations, then each one done (the CLI draws a bar on a terminal)."""
    import kvplan

    told = []

    def start(total):
        told.append(("total", total))
        return lambda n: told.append(n)

    res = kvplan.plan_deployment("llama-3.1-8b", 4, "256", "16", 500, 50, gpus="h100,l40s", tps=[1, 2], seqs=[32],
                                 disaggregated=False, requests=20, workers=workers, progress=start)
    assert told[0] == ("total", res.tasks) and res.tasks == 4  # 2 GPUs × 2 TP × 1 max_num_seqs
    assert told[1:] == [1] * res.tasks


@pytest.mark.parametrize("engine,flag", [("vllm", "--gpu-memory-utilization"), ("sglang", "--mem-fraction-static")])
def test_plan_takes_fits_gpu_memory_utilization(engine, flag):
    """ux16b: plan had no --gpu-memory-utilization, so a server run at another share than the engine's
    default could not be planned; each replica's KV pool is now fit's with it, and the launch command
    says it in the engine's own spelling."""
    import json

    from typer.testing import CliRunner

    from kvplan import api
    from kvplan.cli import app
    from kvplan.render.deploy import commands

    f = api.fit("llama-3.1-8b", "h100", engine=engine, max_num_seqs=64, gpu_memory_utilization=0.5)
    plain = d._models(workload(engine=engine), "h100-sxm-80gb", 1, 64)[2]
    lim = d._models(workload(engine=engine, gpu_memory_utilization=0.5), "h100-sxm-80gb", 1, 64)[2]
    assert lim.fit_tokens == f.capacity.kv_cache_tokens < plain.fit_tokens
    args = ["plan", "llama-3.1-8b", "--rate", "4", "--prompt-tokens", "1024", "--output-tokens", "16",
            "--ttft-p90", "100000", "--itl-p90", "100000", "--gpus", "h100", "--tp", "1", "--max-num-seqs", "64",
            "--requests", "11", "--no-disaggregated", "--workers", "1", "--engine", engine]
    r = CliRunner().invoke(app, [*args, flag, "0.5", "--json"])
    assert r.exit_code == 0, r.output
    assert r.stdout and json.loads(r.stdout)["ranked"][0]["commands"][1].endswith(f"{flag} 0.5")
    bad = CliRunner().invoke(app, [*args, flag, "1.5"])
    assert bad.exit_code == 2 and "--gpu-memory-utilization" in bad.output
    pair = d.Candidate("disaggregated", "h100-sxm-80gb", 1, 1, 64, prefill_tp=1, prefill_replicas=1, link="ib")
    cmds = [x for x in commands(pair, engine, "m", None, 0.5) if not x.startswith("#")]
    assert len(cmds) == 2 and all(f" {flag} 0.5" in x for x in cmds)  # both pools of a disaggregated pair


def test_a_ray_search_tells_its_progress_once_for_every_task(monkeypatch):
    """ux16: on a Ray cluster the results come back together, so progress is told once, all the tasks
    at a time (Ray is not installed here: its dispatch is replaced by one that finds no candidate)."""
    tasks = d.tasks_for(["h100-sxm-80gb", "l40s"], (1, 2), (32,), False)
    monkeypatch.setattr(d, "_on_ray", lambda w, ts, address: ([() for _ in ts], f"Ray at {address}"))
    told = []
    res = d.search(workload(), tasks, ray_address="ray://h:1", progress=told.append)
    assert told == [4] and (res.tasks, res.workers, res.candidates) == (4, "Ray at ray://h:1", ())


def test_sglang_launch_takes_data_parallel_only_with_dp_attention():
    """mut16c: SGLang has no launch command for vLLM's data-parallel flag, so --dp-size without
    --enable-dp-attention is refused by default; with it, and with a memory share, the command by hand."""
    from kvplan.engines.launch import serve_command
    from kvplan.errors import KvplanError

    with pytest.raises(KvplanError, match="no SGLang launch command for vLLM's data/expert-parallel flags"):
        serve_command("sglang", "m", 2, data_parallel_size=2)
    assert serve_command("sglang", "m", 2, data_parallel_size=2, dp_attention=True, gpu_memory_utilization=0.85) == (
        "python -m sglang.launch_server --model-path m --tp 2 --dp-size 2 --enable-dp-attention "
        "--mem-fraction-static 0.85")
