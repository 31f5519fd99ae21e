"""kvplan simulate's arguments (kvplan/plan/simulate/__init__.py simulate): each reaches the run
and the result, its refusal is one line word for word, and the drawn workload is the documented
one (lengths from seed and seed + 1, arrivals from seed + 2). Most runs use ``Steps``, a step
model in which every step costs the same, so times are counted by hand."""
import math

import pytest

from kvplan.engines import ServeOptions
from kvplan.errors import KvplanError
from kvplan.plan import simulate as sim
from kvplan.plan.latency.step import OpLatency
from kvplan.plan.simulate.limits import FRONTEND
from kvplan.sources import catalog


class Steps:
    """A step model in which every step takes ``s`` seconds, whatever it holds."""

    decode_is_linear = True

    def __init__(self, s: float = 1.0):
        self.s = s

    def mixed_sum(self, parts, n_dec, dec_sum, seconds=True):
        return self.s


def tiny(blocks: int = 10_000, mml: int = 131072, caching: bool = True, **kw) -> sim.Limits:
    return sim.Limits("vllm", 16, blocks, 256, 8192, mml, caching, {"num_blocks": "test"}, **kw)


@pytest.fixture(scope="module")
def llama():
    return catalog.load_model("llama-3.1-8b"), catalog.load_gpu("h100")


# ---- refusals, word for word ---------------------------------------------------------------------
@pytest.mark.parametrize("kw, msg", [
    (dict(rate=1.0, concurrency=2), "give exactly one of --rate, --concurrency or --trace"),
    (dict(rate=1.0, tp=0), "tp must be a positive integer, got 0"),
    (dict(rate=1.0, replicas=0), "replicas must be a positive integer, got 0"),
    (dict(rate=1.0, requests=0), "requests must be a positive integer, got 0"),
    (dict(rate=1.0, requests=2.5), "requests must be a positive integer, got 2.5"),
    (dict(concurrency=0), "concurrency must be a positive integer, got 0"),
    (dict(concurrency=1.5), "concurrency must be a positive integer, got 1.5"),
    # a bool is an int in Python, but True is a switch, not the count 1 (session 19's leftover)
    (dict(rate=1.0, tp=True), "tp must be a positive integer, got True"),
    (dict(rate=1.0, replicas=True), "replicas must be a positive integer, got True"),
    (dict(rate=1.0, requests=True), "requests must be a positive integer, got True"),
    (dict(concurrency=True), "concurrency must be a positive integer, got True"),
    (dict(rate=0.0), "rate must be a number > 0 or inf, got 0.0"),
    (dict(rate=1.0, shared_prefix=-1), "shared_prefix must not be negative"),
    (dict(rate=1.0, engine="trtllm"), "engine must be vllm or sglang for simulate, got 'trtllm'"),
    (dict(rate=1.0, router="random"), "router must be one of round-robin, least-loaded, prefix, got 'random'"),
])
def test_bad_arguments_are_one_line(llama, kw, msg):
    spec, gpu = llama
    with pytest.raises(KvplanError) as e:
        sim.simulate(spec, gpu, limits=tiny(), roofline=Steps(), **kw)
    assert str(e.value) == msg
    name = msg.split()[0]
    if name in ("tp", "replicas", "requests", "concurrency", "rate", "shared_prefix", "engine", "router"):
        assert e.value.option == name


def test_run_refuses_an_unknown_router():
    with pytest.raises(KvplanError) as e:
        sim.run([sim.Request(0.0, 10, 2)], tiny(), Steps(), router="random")
    assert str(e.value) == "router must be one of round-robin, least-loaded, prefix, got 'random'"
    assert e.value.option == "router"


def test_length_flags_name_themselves_and_stop_below_max_model_len(llama):
    """Drawn lengths are bounded by max_model_len − 1 (a request needs a prompt token and an
    output token): 99 of a 100-token context is allowed, 100 is not."""
    spec, gpu = llama
    kw = dict(concurrency=1, requests=1, limits=tiny(mml=100), roofline=Steps())
    r = sim.simulate(spec, gpu, prompt_tokens="99", output_tokens="1", **kw)
    assert r.prompt_tokens == 99
    for flag, p, o in (("--prompt-tokens", "100", "1"), ("--output-tokens", "1", "100")):
        with pytest.raises(KvplanError) as e:
            sim.simulate(spec, gpu, prompt_tokens=p, output_tokens=o, **kw)
        assert str(e.value) == f"{flag} must be between 1 and 99, got 100"
    assert sim.simulate(spec, gpu, prompt_tokens="1", output_tokens="99", **kw).e2e_ms.mean == 99_000


# ---- the drawn workload ------------------------------------------------------------------------
def test_the_workload_is_lengths_from_seed_and_seed_plus_1_arrivals_from_seed_plus_2(llama):
    """simulate(rate, seed) runs the trace of arrivals(seed + 2) with prompts drawn from seed and
    outputs from seed + 1; the defaults are seed 0 and 1,000 requests."""
    spec, gpu = llama
    kw = dict(limits=tiny(), roofline=Steps(0.01))
    p, o = "uniform:10-200", "uniform:2-40"
    for seed, n in ((None, 1000), (7, 50)):
        s = 0 if seed is None else seed
        times = sim.arrivals(n, 5.0, "poisson", s + 2)
        ps = sim.sample_lengths(p, n, s, "--prompt-tokens", 131071)
        os_ = sim.sample_lengths(o, n, s + 1, "--output-tokens", 131071)
        want = sim.simulate(spec, gpu, trace=[sim.Request(t, a, b) for t, a, b in zip(times, ps, os_)], **kw)
        args = dict(rate=5.0, prompt_tokens=p, output_tokens=o, **kw)
        got = sim.simulate(spec, gpu, **args) if seed is None else \
            sim.simulate(spec, gpu, seed=seed, requests=n, **args)
        assert got.requests == n and got.prompt_tokens == sum(ps)
        assert (got.e2e_ms, got.ttft_ms, got.duration_s) == (want.e2e_ms, want.ttft_ms, want.duration_s)


def test_the_default_lengths_and_the_workload_line(llama):
    """Without lengths: 1,024 prompt tokens and 128 output tokens a request."""
    spec, gpu = llama
    r = sim.simulate(spec, gpu, concurrency=2, requests=3, limits=tiny(), roofline=Steps())
    assert r.workload == "concurrency 2, prompt 1024, output 128"
    assert r.prompt_tokens == 3 * 1024 and r.output_tokens_per_s * r.duration_s == pytest.approx(3 * 128)
    inf = sim.simulate(spec, gpu, rate=math.inf, requests=3, prompt_tokens="10", output_tokens="2",
                       shared_prefix=5, limits=tiny(), roofline=Steps())
    assert inf.workload == "rate inf, prompt 10, output 2, shared prefix 5"
    assert inf.saturated and inf.saturation == "--rate inf: every request arrives at once (an infinite arrival rate)"
    c = sim.simulate(spec, gpu, rate=2.5, arrivals_kind="constant", requests=3, prompt_tokens="10",
                     output_tokens="2", limits=tiny(), roofline=Steps())
    assert c.workload == "constant 2.5/s, prompt 10, output 2"


def test_given_lengths_of_one_token_stay_one_token(llama):
    """--lengths rows are used as given, raised to at least 1 token: (1, 1) is a one-token prompt
    with a single output token (its prefill is its only step: e2e 1 s)."""
    spec, gpu = llama
    r = sim.simulate(spec, gpu, concurrency=1, requests=2, lengths=[(1, 1), (0, 0)], limits=tiny(),
                     roofline=Steps())
    assert r.prompt_tokens == 2 and r.e2e_ms.mean == 1000 and r.steps == 2
    assert r.workload == "concurrency 1, 2 per-request lengths"


def test_a_trace_names_its_file(llama, tmp_path):
    spec, gpu = llama
    f = tmp_path / "t.csv"
    f.write_text("0,10,2\n1,10,2\n")
    r = sim.simulate(spec, gpu, trace=str(f), limits=tiny(), roofline=Steps())
    assert r.workload == f"trace {f} (2 requests)"
    listed = sim.simulate(spec, gpu, trace=sim.read_trace(f), limits=tiny(), roofline=Steps())
    assert listed.workload == "trace (2 requests)"


# ---- max_model_len and the shared prefix ------------------------------------------------------
def test_outputs_beyond_max_model_len_are_cut_and_counted(llama):
    """max_model_len 100: 60 + 50 is cut to 60 + 40 (vLLM caps max_tokens), 60 + 40 is exactly
    at the limit and left alone, 90 + 20 is cut to 90 + 10: two cut. With Steps a request alone
    takes one step per output token."""
    spec, gpu = llama
    reqs = [sim.Request(0.0, 60, 50), sim.Request(100.0, 60, 40), sim.Request(200.0, 90, 20, "x")]
    r = sim.simulate(spec, gpu, trace=reqs, limits=tiny(mml=100), roofline=Steps())
    assert r.notes == ("2 requests' output cut to fit max_model_len 100 (as vLLM caps max_tokens)",)
    assert r.e2e_ms.p50 == 40_000 and r.e2e_ms.mean == pytest.approx((40 + 40 + 10) / 3 * 1000)
    assert r.duration_s == 210 and r.prompt_tokens == 210
    with pytest.raises(KvplanError) as e:
        sim.simulate(spec, gpu, trace=[sim.Request(0.0, 10, 2), sim.Request(1.0, 100, 1)],
                     limits=tiny(mml=100), roofline=Steps())
    assert str(e.value) == ("request 2: a prompt of 100 tokens leaves no room for output within "
                            "max_model_len 100")


def test_a_cut_request_keeps_its_prefix(llama):
    """Two requests of prefix "a" (32 tokens) cut to fit: the second still hits the first's two
    blocks."""
    spec, gpu = llama
    reqs = [sim.Request(0.0, 60, 90, "a"), sim.Request(100.0, 60, 90, "a")]
    r = sim.simulate(spec, gpu, trace=reqs, shared_prefix=32, limits=tiny(mml=100), roofline=Steps())
    assert r.prefix_hit_tokens == 32 and r.notes == ("2 requests' output cut to fit max_model_len 100 (as vLLM caps max_tokens)",)


def test_the_shared_prefix_must_be_shorter_than_each_prompt_that_has_it(llama):
    """Request 1 has no prefix (50 tokens is fine); request 2's 100 tokens are not longer than a
    100-token prefix; request 3's 101 are."""
    spec, gpu = llama
    reqs = [sim.Request(0.0, 50, 2), sim.Request(1.0, 100, 2, "a"), sim.Request(2.0, 101, 2, "a")]
    with pytest.raises(KvplanError) as e:
        sim.simulate(spec, gpu, trace=reqs, shared_prefix=100, limits=tiny(), roofline=Steps())
    assert str(e.value) == "--shared-prefix 100 is not shorter than request 2's prompt (100 tokens)"
    ok = sim.simulate(spec, gpu, trace=[reqs[0], reqs[2]], shared_prefix=100, limits=tiny(), roofline=Steps())
    assert ok.notes == ()


def test_prefix_caching_off_is_said_only_with_a_shared_prefix(llama):
    spec, gpu = llama
    kw = dict(concurrency=1, requests=2, prompt_tokens="40", output_tokens="2", roofline=Steps())
    off = sim.simulate(spec, gpu, shared_prefix=16, limits=tiny(caching=False), **kw)
    assert off.notes == ("prefix caching is off: the shared prefix is recomputed for every request",)
    assert off.prefix_hit_tokens == 0
    assert sim.simulate(spec, gpu, limits=tiny(caching=False), **kw).notes == ()
    on = sim.simulate(spec, gpu, shared_prefix=16, limits=tiny(), **kw)
    assert on.notes == () and on.prefix_hit_tokens == 16


# ---- what reaches engine_limits, the step model and the result ----------------------------------
def test_simulates_own_limits_default_to_prefix_caching_on_the_completions_endpoint(llama):
    spec, gpu = llama
    kw = dict(concurrency=1, requests=1, prompt_tokens="100", output_tokens="1", roofline=Steps())
    r = sim.simulate(spec, gpu, **kw)
    assert r.limits.prefix_caching is True and r.limits.frontend == (0.0108,)
    chat = sim.simulate(spec, gpu, endpoint="chat", prefix_caching=False, **kw)
    assert chat.limits.prefix_caching is False and chat.limits.frontend == (0.02272,)
    assert chat.limits.sources["frontend"] == FRONTEND["vllm"]["source"]["chat"]


def test_tp_and_a_profile_reach_the_step_model(llama):
    """One request of 500 tokens -> 1 token: TTFT = the front end + the prefill, priced at the
    given TP by perf's step model, times a profile's step_scale."""
    spec, gpu = llama
    kw = dict(concurrency=1, requests=1, prompt_tokens="500", output_tokens="1")
    front = FRONTEND["vllm"]["per_request_s"]["completions"]
    r = sim.simulate(spec, gpu, tp=2, **kw)
    assert r.tp == 2
    assert r.ttft_ms.mean == pytest.approx((front + OpLatency(spec, gpu, 2).prefill(500).seconds) * 1000, rel=1e-12)
    prof = {"kind": "kvplan-latency-profile", "gpu": gpu.name, "step_scale": 2.0}
    p = sim.simulate(spec, gpu, profile=prof, **kw)
    assert p.ttft_ms.mean == pytest.approx((front + 2 * OpLatency(spec, gpu).prefill(500).seconds) * 1000, rel=1e-12)


def test_the_result_names_the_run(llama):
    spec, gpu = llama
    r = sim.simulate(spec, gpu, concurrency=4, requests=4, prompt_tokens="10", output_tokens="2",
                     replicas=2, router="least-loaded", limits=tiny(), roofline=Steps())
    assert (r.model, r.gpu, r.tp, r.router, r.replicas) == ("llama-3.1-8b", "h100-sxm-80gb", 1, "least-loaded", 2)
    assert not r.saturated and r.saturation == "closed loop of 4 clients: the queue is bounded"
    assert r.notes == ("KV blocks: 20,000 over 2 replicas",)
    bare = sim.simulate(None, None, trace=[sim.Request(0.0, 10, 2)], limits=tiny(), roofline=Steps())
    assert (bare.model, bare.gpu) == ("", "")


# ---- the front end, routing, saturation (run) ---------------------------------------------------
def test_replicas_share_one_front_end_that_is_replicas_times_as_fast(llama):
    """A front end of 1 s a request, 2 replicas: one queue of 0.5 s a request. Four requests at
    0 reach the schedulers at 0.5, 1, 1.5 and 2 s; each then takes 2 steps of 1 s (prompt, then
    its second token)."""
    spec, gpu = llama
    r = sim.simulate(spec, gpu, rate=math.inf, requests=4, prompt_tokens="10", output_tokens="2",
                     replicas=2, limits=tiny(frontend=(1.0,)), roofline=Steps())
    assert r.ttft_ms.mean == pytest.approx((1.5 + 2 + 2.5 + 3) / 4 * 1000)
    one = sim.simulate(spec, gpu, rate=math.inf, requests=1, prompt_tokens="10", output_tokens="2",
                       limits=tiny(frontend=None), roofline=Steps())
    assert one.ttft_ms.mean == 1000  # no front end: the prefill step alone


def test_requests_carry_a_prefix_id_only_with_a_shared_prefix(llama):
    """Without --shared-prefix the prefix router has no prefix to send home: four requests at
    once, one sequence at a time per replica (2 steps of 1 s each), spread over two replicas
    end at 2, 2, 4, 4 s; all on one replica they would end at 2, 4, 6, 8."""
    spec, gpu = llama
    r = sim.simulate(spec, gpu, rate=math.inf, requests=4, prompt_tokens="10", output_tokens="2",
                     replicas=2, router="prefix", roofline=Steps(),
                     limits=sim.Limits("vllm", 16, 10_000, 1, 8192, 131072, True, {}))
    assert r.e2e_ms.mean == 3000 and r.e2e_ms.p50 == 3000
