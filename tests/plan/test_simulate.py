"""kvplan simulate: numbers a reader can check by hand against the step function and the cache."""
import json
import math
import subprocess
import sys

import pytest

from kvplan.sources import catalog
from kvplan.plan import simulate as sim
from kvplan.errors import KvplanError
from kvplan.plan.latency.step import OpLatency
from kvplan.plan.perf import Roofline


@pytest.fixture(scope="module")
def llama():
    """The step model simulate uses by default: the one `kvplan perf` prints (per operation)."""
    spec, gpu = catalog.load_model("llama-3.1-8b"), catalog.load_gpu("h100")
    return spec, gpu, OpLatency(spec, gpu)


def tiny(blocks: int, engine: str = "vllm", block: int = 16, seqs: int = 256, budget: int = 8192,
         caching: bool = True) -> sim.Limits:
    """A cache of ``blocks`` blocks given through the library (what fit would otherwise say)."""
    return sim.Limits(engine, block, blocks, seqs, budget, 131072, caching, {"num_blocks": "test"})


# ---- the step function ------------------------------------------------------------------------
def test_a_mixed_step_is_priced_from_the_same_terms_as_prefill_and_decode(llama):
    _, _, rf = llama
    assert rf.mixed([(0, 1000)]) == rf.prefill(1000)
    assert rf.mixed(decodes=[1001]) == rf.decode(1001)
    assert rf.mixed(decodes=[1001] * 4) == rf.decode(1001, 4)
    assert rf.mixed_sum([], 4, 4 * 1001, 1001) == rf.decode(1001, 4)
    mixed = rf.mixed([(512, 256)], [100, 2000])
    assert rf.mixed_sum([(512, 256)], 2, 2100, 2000) == mixed
    assert rf.mixed_sum([(512, 256)], 2, 2100, seconds=True) == pytest.approx(mixed.seconds, rel=1e-12)
    # the fast path a simulator takes adds exactly the ops `perf --explain` lists
    assert rf.mixed_sum([(512, 256)], 2, 2100, seconds=True) == sum(o[1] for o in mixed.ops)
    # the weights are read once for the step's 258 tokens, not once per sequence
    assert mixed.weight_bytes == rf.weights_read(258) == rf.weights_bytes
    assert mixed.matmul_flops == 2 * rf.active_params * 258


@pytest.mark.parametrize("model,gpu,tp", [("llama-3.1-70b", "h100", 4), ("mixtral-8x7b", "a100-80gb", 2),
                                          ("llama-3.1-8b", "l40s", 1)])
def test_the_fast_step_price_is_the_sum_of_the_ops_for_random_mixes(model, gpu, tp):
    import random

    rf = OpLatency(catalog.load_model(model), catalog.load_gpu(gpu), tp)
    rng = random.Random(7)
    for _ in range(60):
        chunks = [(rng.randrange(0, 3000), rng.randrange(1, 2000)) for _ in range(rng.randrange(0, 3))]
        dec = [rng.randrange(1, 5000) for _ in range(rng.randrange(0 if chunks else 1, 200))]
        step = rf.mixed(chunks, dec)
        assert rf.mixed_sum(chunks, len(dec), sum(dec), seconds=True) == sum(o[1] for o in step.ops)


def test_simulate_prices_steps_with_perfs_default_model_for_its_engine():
    spec, gpu = catalog.load_model("llama-3.1-8b"), catalog.load_gpu("h100")
    for engine in ("vllm", "sglang"):
        r = sim.simulate(spec, gpu, engine=engine, concurrency=1, requests=1, prompt_tokens="500",
                         output_tokens="1")
        front = sim.limits.FRONTEND[engine]["per_request_s"]["completions"]  # the front end, then the prefill
        assert r.ttft_ms.mean == pytest.approx((front + OpLatency(spec, gpu, engine=engine).prefill(500).seconds)
                                               * 1000, rel=1e-12)


def test_the_front_end_serves_requests_one_at_a_time():
    """A FIFO server, not a delay: three requests all at once behind a front end of 1 s a request
    reach the scheduler at 1, 2 and 3 s; each is done long before the next comes, so request i's
    first token is at (i + 1) s + its prefill, by hand."""
    from kvplan.model.frozen import replace

    spec, gpu = catalog.load_model("llama-3.1-8b"), catalog.load_gpu("h100")
    lim = sim.engine_limits(spec, gpu)
    rf = OpLatency(spec, gpu)
    reqs = [sim.Request(0.0, 300, 2) for _ in range(3)]
    raw = sim.run(reqs, replace(lim, frontend=(1.0,)), rf)
    got = [r.first_tok for r in raw["reqs"]]
    want = [i + 1.0 + rf.prefill(300).seconds for i in range(3)]
    assert got == pytest.approx(want, rel=1e-12)


def test_the_front_end_takes_each_endpoints_fitted_time():
    spec, gpu = catalog.load_model("llama-3.1-8b"), catalog.load_gpu("h100")
    assert sim.engine_limits(spec, gpu).frontend == (0.0108,)  # completions: vllm bench serve's default
    chat = sim.engine_limits(spec, gpu, endpoint="chat")
    assert chat.frontend == (0.02272,) and "22.72 s" in chat.sources["frontend"]
    with pytest.raises(KvplanError, match="endpoint"):
        sim.engine_limits(spec, gpu, endpoint="grpc")


def test_an_in_process_engine_has_no_front_end(llama):
    """The in-process endpoint (an engine driven from Python, no HTTP server: LLMServingSim's AsyncLLM runs) charges
    no front end, for either engine: one request of 1,000 -> 50 tokens at a time costs exactly its prefill and 49
    decodes, its TTFT the prefill alone (the completions endpoint's would add 10.8 ms)."""
    spec, gpu, rf = llama
    p, n = 1000, 50
    for engine in ("vllm", "sglang"):
        lim = sim.engine_limits(spec, gpu, engine=engine, endpoint="in-process")
        assert lim.frontend == (0.0,) and "in-process" in lim.sources["frontend"]
    lim = sim.engine_limits(spec, gpu, endpoint="in-process")
    r = sim.simulate(spec, gpu, concurrency=1, requests=3, prompt_tokens=str(p), output_tokens=str(n),
                     limits=lim, roofline=rf)
    ttft = rf.prefill(p).seconds
    e2e = ttft + sum(rf.decode(p + t).seconds for t in range(1, n))
    assert r.ttft_ms.p50 == pytest.approx(ttft * 1000, rel=1e-12)
    assert r.e2e_ms.mean == pytest.approx(e2e * 1000, rel=1e-12)
    served = sim.simulate(spec, gpu, concurrency=1, requests=3, prompt_tokens=str(p), output_tokens=str(n),
                          limits=sim.engine_limits(spec, gpu), roofline=rf)
    assert served.ttft_ms.p50 - r.ttft_ms.p50 == pytest.approx(10.8, rel=1e-9)  # the completions endpoint's 10.8 ms


def test_given_lengths_replace_the_drawn_ones():
    """lengths=[(p, o)]: one request of 700 -> 3 tokens at a time costs its prefill and 2 decodes."""
    spec, gpu = catalog.load_model("llama-3.1-8b"), catalog.load_gpu("h100")
    lim, rf = sim.engine_limits(spec, gpu), OpLatency(spec, gpu)
    r = sim.simulate(spec, gpu, concurrency=1, requests=2, prompt_tokens="10", output_tokens="10",
                     limits=lim, roofline=rf, lengths=[(700, 3)])
    e2e = lim.frontend[0] + rf.prefill(700).seconds + rf.decode(701).seconds + rf.decode(702).seconds
    assert r.e2e_ms.mean == pytest.approx(e2e * 1000, rel=1e-12)
    assert r.prompt_tokens == 1400 and "2 per-request lengths" not in r.workload and "1 per-request" in r.workload


def test_a_sliding_window_model_is_not_priced_from_sums():
    spec, gpu = catalog.load_model("gemma-2-9b"), catalog.load_gpu("h100")
    rf = Roofline(spec, gpu)
    assert not rf.decode_is_linear
    with pytest.raises(KvplanError):
        rf.mixed_sum([], 2, 100)


# ---- one request at a time ----------------------------------------------------------------------
@pytest.mark.parametrize("engine", ["vllm", "sglang"])
def test_one_request_at_a_time_costs_a_prefill_and_n_minus_1_decodes(llama, engine):
    spec, gpu, rf = llama
    lim = sim.engine_limits(spec, gpu, engine=engine)
    p, n = 1000, 50
    r = sim.simulate(spec, gpu, concurrency=1, requests=3, prompt_tokens=str(p),
                     output_tokens=str(n), limits=lim, roofline=rf)
    ttft = lim.frontend[0] + rf.prefill(p).seconds  # the front end's delay (limits.FRONTEND), the prefill
    e2e = ttft + sum(rf.decode(p + t).seconds for t in range(1, n))
    # SGLang's overlap scheduler: the decode formed ahead still runs the request just finished (at
    # its p + n tokens), and the next request, sent at its last token, waits for it (sglang.py)
    trail = rf.decode(p + n).seconds if engine == "sglang" else 0.0
    assert r.ttft_ms.p50 == pytest.approx((ttft + trail) * 1000, rel=1e-12)  # requests 2 and 3
    assert r.e2e_ms.mean == pytest.approx((e2e + trail * 2 / 3) * 1000, rel=1e-12)
    assert r.itl_ms.mean == pytest.approx((e2e - ttft) / (n - 1) * 1000, rel=1e-12)
    assert r.preemptions == 0 and not r.saturated
    assert r.requests_per_s == pytest.approx(3 / (3 * e2e + 2 * trail), rel=1e-9)


def test_a_prompt_longer_than_the_token_budget_is_prefilled_in_chunks(llama):
    spec, gpu, rf = llama
    lim = sim.engine_limits(spec, gpu)
    assert lim.max_num_batched_tokens == 8192
    r = sim.simulate(spec, gpu, concurrency=1, requests=1, prompt_tokens="10000",
                     output_tokens="2", limits=lim, roofline=rf)
    ttft = lim.frontend[0] + rf.mixed([(0, 8192)]).seconds + rf.mixed([(8192, 1808)]).seconds
    assert r.ttft_ms.mean == pytest.approx(ttft * 1000, rel=1e-12)
    assert r.e2e_ms.mean == pytest.approx((ttft + rf.decode(10001).seconds) * 1000, rel=1e-12)


def test_capacity_comes_from_fit(llama):
    from kvplan.plan import fit as fitmod

    spec, gpu, _ = llama
    f = fitmod.fit(spec, gpu, engine="vllm")
    lim = sim.engine_limits(spec, gpu)
    assert lim.num_blocks == f.capacity.detail["num_gpu_blocks"] - 1  # less the null block
    assert lim.block_size == f.capacity.detail["block_size"] == 16
    assert lim.max_num_seqs == f.capacity.detail["max_num_seqs"]
    s = sim.engine_limits(spec, gpu, engine="sglang")
    assert s.kv_tokens == fitmod.fit(spec, gpu, engine="sglang").capacity.detail["max_total_num_tokens"]


# ---- preemption where the cache runs out ---------------------------------------------------------
# Three requests of 32 prompt tokens and 33 output tokens arrive together. Each is admitted with
# cdiv(32, 16) = 2 blocks; its last decode runs at 32 + 33 − 2 = 63 computed tokens and asks for
# slots for 64 tokens: 4 blocks. So all three need 12 blocks at the end: with 12 nothing is
# preempted, with 11 the third (most recently admitted) is.
@pytest.mark.parametrize("blocks, preempted", [(12, False), (11, True), (100, False), (8, True)])
def test_preemption_starts_exactly_where_the_blocks_run_out(llama, blocks, preempted):
    _, _, rf = llama
    reqs = [sim.Request(0.0, 32, 33) for _ in range(3)]
    raw = sim.run(reqs, tiny(blocks), rf)
    assert (raw["reps"][0].preemptions > 0) is preempted
    assert raw["reqs"][0].preempted == 0  # the first admitted is never the victim
    if preempted:
        assert raw["reqs"][2].preempted >= 1
    assert all(r.state == "done" and r.g == 33 for r in raw["reqs"])


def test_two_requests_of_four_blocks_fit_in_eight(llama):
    _, _, rf = llama
    raw = sim.run([sim.Request(0.0, 32, 33)] * 2, tiny(8), rf)
    assert raw["reps"][0].preemptions == 0
    raw = sim.run([sim.Request(0.0, 32, 34)] * 2, tiny(8), rf)  # 65 tokens: a 5th block each
    assert raw["reps"][0].preemptions == 1


def test_a_request_larger_than_the_cache_is_one_clear_error(llama):
    _, _, rf = llama
    with pytest.raises(KvplanError, match="needs 7 blocks"):
        sim.run([sim.Request(0.0, 100, 2)], tiny(6), rf)


# ---- prefix caching, counted by hand -----------------------------------------------------------
# A 500-token shared prefix fills 31 blocks of 16 (496 tokens). Requests far apart: the first
# computes everything, each later one finds those 31 blocks cached.
@pytest.mark.parametrize("caching", [True, False])
def test_prefix_cache_hits_are_the_full_blocks_of_the_shared_prefix(llama, caching):
    spec, gpu, rf = llama
    r = sim.simulate(spec, gpu, rate=0.1, arrivals_kind="constant", requests=5, prompt_tokens="1000",
                     output_tokens="4", shared_prefix=500, limits=tiny(1000, caching=caching),
                     roofline=rf)
    assert r.prefix_hit_tokens == (4 * 496 if caching else 0)
    assert r.prompt_tokens == 5000
    hit_ttft = rf.mixed([(496, 504)]).seconds  # the 504 tokens after the cached blocks
    miss_ttft = rf.prefill(1000).seconds
    want = (miss_ttft + 4 * hit_ttft) / 5 if caching else miss_ttft
    assert r.ttft_ms.mean == pytest.approx(want * 1000, rel=1e-12)


def test_sglang_reuses_the_prefix_token_by_token(llama):
    spec, gpu, rf = llama
    r = sim.simulate(spec, gpu, rate=0.1, arrivals_kind="constant", requests=3, prompt_tokens="1000",
                     output_tokens="4", shared_prefix=500,
                     limits=tiny(100000, engine="sglang", block=1), roofline=rf)
    assert r.prefix_hit_tokens == 2 * 500


def test_a_resumed_request_hits_its_own_cached_blocks(llama):
    _, _, rf = llama
    raw = sim.run([sim.Request(0.0, 32, 33) for _ in range(3)], tiny(11), rf)
    rep = raw["reps"][0]
    assert rep.preemptions >= 1
    # the victim had computed 48 tokens (3 full blocks) when preempted: they are still cached
    # when it resumes (nothing else needed the free blocks), so it recomputes only past them
    assert raw["reqs"][2].hit_tokens == 48 * raw["reqs"][2].preempted


def test_the_block_pool_balances_after_every_run(llama):
    _, _, rf = llama
    for blocks in (13, 20, 40):
        raw = sim.run([sim.Request(i * 0.01, 40 + 7 * i, 30 + 5 * i, "a" if i % 2 else None)
                       for i in range(12)], tiny(blocks), rf, shared_prefix=32)
        rep = raw["reps"][0]
        assert rep.free == rep.lim.num_blocks  # every block came back
        q = rep.queue
        anon = sum(e for e in q if isinstance(e, int))
        runs = sum(e.left for e in q if isinstance(e, sim._Run))
        spans = sum(max(0, min(e.hi, rep.prefixes[e.pid].cached) - e.lo) for e in q
                    if not isinstance(e, (int, sim._Run)))
        pref = sum(max(0, p.cached - p.maxheld) for p in rep.prefixes.values())
        assert anon + runs + spans == rep.free and spans == pref


# ---- saturation --------------------------------------------------------------------------------
def test_a_rate_above_capacity_is_saturated_and_below_is_not(llama):
    spec, gpu, rf = llama
    lim = sim.engine_limits(spec, gpu)
    kw = dict(prompt_tokens="1024", output_tokens="128", limits=lim, roofline=rf)
    top = sim.simulate(spec, gpu, rate=math.inf, requests=2000, **kw)
    assert top.saturated
    cap = top.requests_per_s  # served with every request queued at once
    assert not sim.simulate(spec, gpu, rate=cap / 2, requests=2000, **kw).saturated
    assert sim.simulate(spec, gpu, rate=cap * 2, requests=2000, **kw).saturated
    assert not sim.simulate(spec, gpu, concurrency=64, requests=500, **kw).saturated


# ---- replicas, traces, lengths ---------------------------------------------------------------------
def test_two_replicas_round_robin_serve_spaced_requests_like_one(llama):
    spec, gpu, rf = llama
    kw = dict(rate=1.0, arrivals_kind="constant", requests=6, prompt_tokens="200", output_tokens="5",
              roofline=rf, limits=tiny(1000))
    one = sim.simulate(spec, gpu, **kw)
    two = sim.simulate(spec, gpu, replicas=2, **kw)
    assert two.e2e_ms == one.e2e_ms


def test_the_prefix_router_keeps_a_prefix_on_one_replica(llama, tmp_path):
    spec, gpu, rf = llama
    f = tmp_path / "t.csv"
    f.write_text("arrival_s,prompt_tokens,output_tokens,prefix_id\n" +
                 "".join(f"{i},300,3,{'ab'[i % 2]}\n" for i in range(8)))
    lim = tiny(1000)
    kw = dict(trace=str(f), shared_prefix=160, limits=lim, roofline=rf)
    pre = sim.simulate(spec, gpu, replicas=2, router="prefix", **kw)
    rr = sim.simulate(spec, gpu, replicas=4, router="round-robin", **kw)
    assert pre.prefix_hit_tokens == 6 * 160  # each prefix computed once, hit 3 times
    assert rr.prefix_hit_tokens == 4 * 160  # 4 replicas × 2 prefixes computed, 4 hits


def test_trace_errors_are_one_line(tmp_path):
    for body, msg in (("arrival_s,prompt_tokens\n1,2\n", "header"),
                      ("0,100,x\n", "output_tokens must be a positive integer"),
                      ("-1,100,3\n", "arrival_s must be a number >= 0"),
                      ("", "holds no requests")):
        f = tmp_path / "bad.csv"
        f.write_text(body)
        with pytest.raises(KvplanError, match=msg):
            sim.read_trace(f)


def test_lengths_clamped_normal_and_the_lengths_syntax():
    xs = sim.sample_lengths("normal:100,50,80,120", 500, 1, "--prompt-tokens", 1000)
    assert min(xs) == 80 and max(xs) == 120
    assert sim.sample_lengths("250", 3, 0, "--output-tokens", 1000) == [250, 250, 250]
    ys = sim.sample_lengths("uniform:10-20", 200, 0, "--output-tokens", 1000)
    assert 10 <= min(ys) and max(ys) <= 20
    with pytest.raises(KvplanError, match="--prompt-tokens"):
        sim.sample_lengths("uniform:20-10", 3, 0, "--prompt-tokens", 1000)
    with pytest.raises(KvplanError, match="MIN <= MAX"):
        sim.sample_lengths("normal:100,5,50,10", 3, 0, "--prompt-tokens", 1000)


def test_percentiles_are_numpy_linear_over_weighted_samples():
    s = sim.weighted_stats([(1.0, 1), (2.0, 2), (10.0, 1)])  # 1, 2, 2, 10
    assert s.mean == 15 / 4 and s.p50 == 2.0
    assert s.p90 == pytest.approx(2 + (10 - 2) * 0.7)  # position 2.7
    assert sim.weighted_stats([]).mean is None


# ---- the command --------------------------------------------------------------------------------
def kvplan(*args):
    return subprocess.run([sys.executable, "-m", "kvplan", "simulate", *args], capture_output=True,
                          text=True, env={"COLUMNS": "80", "PATH": ""})


def test_json_is_valid_and_has_the_issue_keys():
    p = kvplan("llama-3.1-8b", "--gpu", "h100", "--rate", "4", "--prompt-tokens", "normal:500,100,100,900",
               "--output-tokens", "64", "--requests", "200", "--json")
    assert p.returncode == 0, p.stderr
    d = json.loads(p.stdout)
    for k in ("ttft_ms", "itl_ms", "e2e_ms"):
        assert set(d[k]) == {"mean", "p50", "p90", "p99"}
    for k in ("requests_per_s", "output_tokens_per_s", "preemptions", "saturated"):
        assert k in d
    assert d["kv_cache"]["blocks"] > 0 and "num_gpu_blocks" in d["kv_cache"]["source"]


def test_json_stays_valid_when_everything_arrives_at_once():
    p = kvplan("llama-3.1-8b", "--gpu", "h100", "--rate", "inf", "--prompt-tokens", "100",
               "--output-tokens", "1", "--requests", "50", "--json", "--engine", "sglang")
    assert p.returncode == 0, p.stderr
    d = json.loads(p.stdout)
    assert d["saturated"] is True and d["itl_ms"]["mean"] is None  # one token: no gaps


def test_the_table_fits_80_columns():
    p = kvplan("llama-3.1-8b", "--gpu", "h100", "--concurrency", "4", "--prompt-tokens", "300",
               "--output-tokens", "20", "--requests", "20", "--replicas", "2", "--router", "least-loaded",
               "--shared-prefix", "100", "--no-enable-prefix-caching")
    assert p.returncode == 0, p.stderr
    assert max(len(line) for line in p.stdout.splitlines()) <= 80
    assert "time to first token" in p.stdout and "prefix caching off" in p.stdout


@pytest.mark.parametrize("args, msg", [
    (["--rate", "1", "--concurrency", "2", "--prompt-tokens", "9", "--output-tokens", "9"], "exactly one"),
    (["--prompt-tokens", "9", "--output-tokens", "9"], "exactly one"),
    (["--rate", "-3", "--prompt-tokens", "9", "--output-tokens", "9"], "--rate"),
    (["--rate", "1", "--prompt-tokens", "lognormal:0,1", "--output-tokens", "9"], "--prompt-tokens"),
    (["--rate", "1", "--output-tokens", "9"], "--prompt-tokens"),
    (["--rate", "1", "--prompt-tokens", "9", "--output-tokens", "9", "--engine", "hf"], "--engine"),
    (["--rate", "1", "--prompt-tokens", "9", "--output-tokens", "9", "--router", "x"], "--router"),
    (["--rate", "1", "--prompt-tokens", "9", "--output-tokens", "9", "--arrivals", "x"], "--arrivals"),
    (["--trace", "/no/such.csv"], "cannot read"),
    (["--rate", "1", "--prompt-tokens", "9", "--output-tokens", "9", "--max-num-seqs", "9000"],
     "smaller than"),
])
def test_bad_input_is_one_line_and_exit_2(args, msg):
    p = kvplan("llama-3.1-8b", "--gpu", "h100", *args)
    assert p.returncode == 2
    assert p.stderr.count("\n") == 1 and msg in p.stderr and "Traceback" not in p.stderr
