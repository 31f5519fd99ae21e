"""Edges of session 12's serving changes in simulate (kvplan/plan/simulate dp.py, __init__.py,
limits.py), each counted by hand: vLLM's DP balancer over 3 ranks (with 2, scanning forwards and
backwards look the same), SGLang's DP dispatch (round robin, never by load), a warm-up's CPU-tier
hits dropped from the figures, and the SGLang version rule's recorded sources."""
from __future__ import annotations

from kvplan.plan import simulate as sim
from kvplan.plan.simulate.dp import DPReplica
from kvplan.plan.simulate.limits import for_engine_version, vllm_version
from kvplan.plan.simulate.scheduler import Replica, _Req
from kvplan.plan.simulate.sglang import SGLangReplica


class _Side:
    last = (0, 0, False)
    decode_is_linear = True


class _Step:
    def __init__(self, dp: int):
        self.dp, self.rank, self.decode_is_linear = dp, _Side(), True


def _lim(engine: str = "vllm", blocks: int = 100) -> sim.Limits:
    return sim.Limits(engine, 16, blocks, 64, 4096, 100_000, True, {}, "", (0.0,))


def _req(i: int) -> _Req:
    return _Req(i, sim.Request(0.0, 10, 2))


def test_vllms_balancer_starts_at_rank_0_and_moves_forwards_over_three_ranks():
    """3 empty ranks; waiting requests hold no blocks, so no waiting penalty. The scan start goes
    0, 1, 2, 0, 1, 2 (it starts at 0 and moves on by one a request) and a tie goes to the first
    scanned: requests 1-4 go to ranks 0 (0, 0, 0), 1 (scan 1, 2, 0: 0, 0, 1), 2 (scan 2, 0, 1:
    0, 1, 1), 0 (1, 1, 1): waiting [2, 1, 1]; the 5th scans from 1 (1, 1, 2): rank 1, [2, 2, 1];
    the 6th from 2 (1, 2, 2): rank 2, [2, 2, 2]. (A start at rank 1 sends the first to rank 1.)
    Afresh, rank 0 holding 2 and ranks 1, 2 tied at 0: scanning forwards 0, 1, 2 picks rank 1
    (backwards, 0, 2, 1, would pick rank 2)."""
    rep = DPReplica(Replica, _lim(), _Step(3))
    for i in range(4):
        rep.waiting.append(_req(i))
    assert [len(x.waiting) for x in rep.ranks] == [2, 1, 1]
    rep.waiting.append(_req(4))
    assert [len(x.waiting) for x in rep.ranks] == [2, 2, 1]
    rep.waiting.append(_req(5))
    assert [len(x.waiting) for x in rep.ranks] == [2, 2, 2]
    rep = DPReplica(Replica, _lim(), _Step(3))
    rep.ranks[0].waiting.extend([_req(10), _req(11)])
    rep.waiting.append(_req(12))
    assert [len(x.waiting) for x in rep.ranks] == [2, 1, 0]


def test_sglangs_dp_dispatch_is_round_robin_whatever_the_load():
    """SGLang's DataParallelController round robin: rank 0 already holds 3 waiting, rank 1 none;
    the next two requests still go to rank 0, then rank 1 (vLLM's balancer would send both to
    rank 1)."""
    rep = DPReplica(SGLangReplica, _lim("sglang"), _Step(2))
    rep.ranks[0].waiting.extend([_req(0), _req(1), _req(2)])
    rep.waiting.append(_req(3))
    assert [len(x.waiting) for x in rep.ranks] == [4, 0]
    rep.waiting.append(_req(4))
    assert [len(x.waiting) for x in rep.ranks] == [4, 1]


def test_a_warm_up_drops_its_cpu_tier_hits():
    """test_simulate_host.py's trace as a warm-up (one client): A (prefix p, 80 tokens), then B
    (prefix q, 190 tokens: all 12 GPU blocks) evicts p, and C (p again) loads p's 4 blocks, 64
    tokens, from the CPU tier. Then one measured request D (prefix z, new): no hit anywhere, so
    the figures count 0 CPU-tier tokens and 0 prefix hits (the warm-up's 64 dropped)."""
    reqs = [sim.Request(0.0, 80, 1, "p"), sim.Request(0.0, 190, 1, "q"), sim.Request(0.0, 80, 1, "p"),
            sim.Request(0.0, 80, 1, "z")]
    lim = sim.Limits("vllm", 16, 12, 256, 8192, 131072, True, {"num_blocks": "test"},
                     host_blocks=64, host_chunk_blocks=1, host_block_seconds=0.01)

    class Steps:
        decode_is_linear = True

        def mixed_sum(self, parts, n_dec, dec_sum, seconds=True):
            return 1.0

    cold = sim.run(reqs[:3], lim, Steps(), shared_prefix=64, concurrency=1)
    assert cold["reps"][0].host.hit_tokens == 64  # the warm-up alone does hit the tier
    raw = sim.run(reqs, lim, Steps(), shared_prefix=64, concurrency=1, warmup=3)
    rep = raw["reps"][0]
    assert rep.host.hit_tokens == 0 and rep.hit_tokens == 0


def test_an_old_sglang_names_its_version_in_both_sources():
    """for_engine_version on SGLang 0.3.0: overlap and the ignore_eos peak rule both off (False,
    not merely falsy: Limits is dumped to JSON), each source led by the version as stated."""
    lim = sim.Limits("sglang", 1, 1000, 256, 8192, 131072, True, {})
    old = for_engine_version(lim, "v0.3.0 (dev)")
    assert old.overlap is False and old.ignore_eos_peak is False
    assert old.sources["overlap"].startswith("SGLang v0.3.0: before 0.4.0 the overlap scheduler is off by default (")
    assert old.sources["ignore_eos_peak"] == ("SGLang v0.3.0: its ignore_eos admission not read; every running "
                                              "request's remaining output is kept free")


def test_a_version_without_its_patch_number_reads_patch_0():
    """'0.19' is 0.19.0 (the patch absent: 0), 'v0.4.1' 0.4.1; text not leading with one: None."""
    assert vllm_version("0.19") == ("0.19", (0, 19, 0))
    assert vllm_version("v0.4.1 (V1)") == ("v0.4.1", (0, 4, 1))
    assert vllm_version("nightly") is None and vllm_version(None) is None
    assert vllm_version("0.10.1.1") == ("0.10.1.1", (0, 10, 1))  # said as stated, compared by three parts
    assert vllm_version("0.19.0rc1 (V1)") == ("0.19.0rc1", (0, 19, 0))


def test_engine_limits_plans_the_kv_and_weight_dtypes_it_is_given():
    """vLLM, llama-3.1-8b on an H100: the KV budget does not depend on the K/V format, so fp8 K/V
    (half the bytes a block) gives 2× the blocks, or 2× + 1 (the floor of budget / half a block);
    fp8 weights free ~8 GB for the cache: more blocks, as fit counts them (num_gpu_blocks less
    the null block)."""
    from kvplan.plan import fit as fitmod
    from kvplan.sources import catalog

    spec, gpu = catalog.load_model("llama-3.1-8b"), catalog.load_gpu("h100")
    bf16 = sim.engine_limits(spec, gpu).num_blocks + 1
    fp8_kv = sim.engine_limits(spec, gpu, kv_dtype="fp8").num_blocks + 1
    assert fp8_kv in (2 * bf16, 2 * bf16 + 1)
    fp8_w = sim.engine_limits(spec, gpu, weight_dtype="fp8").num_blocks + 1
    assert fp8_w == fitmod.fit(spec, gpu, weight_dtype="fp8").capacity.detail["num_gpu_blocks"]
    assert fp8_w > bf16 * 1.1


def test_engine_limits_names_the_dp_layout_in_its_sources():
    """The sources quote the fit command that made the pool: --data-parallel-size D
    --enable-expert-parallel only when both are given with D > 1 (D = 2 here; EP alone, or DP
    without EP, is a plain fit); SGLang's --dp-size 2 --enable-dp-attention likewise."""
    from kvplan.engines import ServeOptions
    from kvplan.sources import catalog

    spec, gpu = catalog.load_model("qwen3-30b-a3b"), catalog.load_gpu("h100")
    head = f"kvplan fit qwen3-30b-a3b --gpu {gpu.name} --tp 1 --engine vllm"
    ep2 = sim.engine_limits(spec, gpu, opts=ServeOptions(data_parallel_size=2, enable_expert_parallel=True))
    assert ep2.sources["num_blocks"].startswith(head + " --data-parallel-size 2 --enable-expert-parallel: ")
    for o in (ServeOptions(enable_expert_parallel=True), ServeOptions(data_parallel_size=2)):
        assert sim.engine_limits(spec, gpu, opts=o).sources["num_blocks"].startswith(head + ": num_gpu_blocks")
    sg = sim.engine_limits(spec, gpu, tp=2, engine="sglang", opts=ServeOptions(data_parallel_size=2, dp_attention=True))
    assert sg.sources["num_blocks"].startswith(
        f"kvplan fit qwen3-30b-a3b --gpu {gpu.name} --tp 2 --engine sglang --dp-size 2 --enable-dp-attention: ")


def test_vllm_dp_without_ep_is_refused_in_one_whole_line():
    """The refusal says what is modelled and what to use instead, in full."""
    import pytest

    from kvplan.engines import ServeOptions
    from kvplan.errors import KvplanError
    from kvplan.sources import catalog

    spec, gpu = catalog.load_model("qwen3-30b-a3b"), catalog.load_gpu("h100")
    with pytest.raises(KvplanError) as e:
        sim.simulate(spec, gpu, tp=1, engine="vllm", rate=4.0, prompt_tokens="512", output_tokens="64",
                     requests=10, opts=ServeOptions(data_parallel_size=2))
    assert str(e.value) == ("simulate models vLLM's --data-parallel-size with --enable-expert-parallel (a MoE "
                            "model's ranks in lockstep); for whole copies of the engine use --replicas")


def test_vllm_dp_of_a_model_with_a_window_is_refused_in_full():
    """gpt-oss-20b's sliding-window layers (window 128) make a decode's cost not affine in its
    context, which the DP step needs (one sum of contexts per rank): refused in one line, naming the
    model."""
    import pytest

    from kvplan.engines import ServeOptions
    from kvplan.errors import KvplanError
    from kvplan.sources import catalog

    with pytest.raises(KvplanError) as e:
        sim.simulate(catalog.load_model("gpt-oss-20b"), catalog.load_gpu("h100"), tp=1, engine="vllm", rate=4.0,
                     prompt_tokens="512", output_tokens="64", requests=10,
                     opts=ServeOptions(data_parallel_size=2, enable_expert_parallel=True))
    assert str(e.value) == ("vLLM data parallel is simulated for models whose decode cost is linear in context; "
                            "gpt-oss-20b's is not")


def test_a_warm_up_in_an_open_loop_is_refused_in_full():
    """A warm-up batch is the first requests of a closed loop; at a rate there is no loop to wait on."""
    import pytest

    from kvplan.errors import KvplanError

    lim = sim.Limits("vllm", 16, 100, 256, 8192, 131072, True, {})
    with pytest.raises(KvplanError) as e:
        sim.run([sim.Request(0.0, 10, 1), sim.Request(0.0, 10, 1)], lim, object(), warmup=1)
    assert str(e.value) == "a warm-up batch needs a closed loop (--concurrency)"


def test_a_warm_up_over_dp_ranks_drops_each_ranks_figures():
    """vLLM DP of 2 ranks (the stand-in step of test_simulate_dp_moe.py: a rank's share 1 ms a
    row, the step that + 0.1 ms × 2 × the most rows), two clients, prompts of 10 and 2 output
    tokens, a warm-up of 2 then 2 measured. Each phase: one request a rank, a prefill step (10 +
    0.1 × 2 × 10 = 12 ms, the first token) and one decode step (1 + 0.2 = 1.2 ms). The warm-up's
    step counts are dropped on every rank (the replica's ranks, not the replica, are forgotten):
    2 steps a rank; each measured TTFT 12 ms."""
    import pytest

    from tests.plan.test_simulate_dp_moe import _Step as DPStep

    reqs = [sim.Request(0.0, 10, 2) for _ in range(4)]
    raw = sim.run(reqs, sim.Limits("vllm", 16, 100_000, 64, 4096, 100_000, True, {}, "", (0.0,)), DPStep(2),
                  concurrency=2, warmup=2)
    assert [x.steps for x in raw["reps"]] == [2, 2]
    assert [r.first_tok - r.arrival for r in raw["reqs"]] == pytest.approx([0.012, 0.012])
    assert raw["reqs"][0].arrival == pytest.approx(0.0132)


def test_after_a_warm_up_the_loop_goes_on_to_the_last_request():
    """One client (test_simulate_warmup.py's stand-in: every step 1 s), a warm-up of 1 then 2
    measured, prompts of 40 with a 32-token shared prefix, 2 output tokens each: the warm-up runs
    0-2 s; the first measured 2-4 s, the second 4-6 s (each a prefill step, then a decode step).
    Measured: 2 requests over 4 s, E2E 2 s each, both hitting the prefix (2 × 32 tokens)."""
    from kvplan.sources import catalog
    from tests.plan.test_simulate_warmup import Steps, tiny

    r = sim.simulate(catalog.load_model("llama-3.1-8b"), catalog.load_gpu("h100"), concurrency=1, requests=2,
                     warmup=1, prompt_tokens="40", output_tokens="2", shared_prefix=32, limits=tiny(),
                     roofline=Steps())
    assert r.requests == 2 and r.duration_s == 4.0 and r.e2e_ms.mean == 2000
    assert r.prefix_hit_tokens == 2 * 32
