"""Issue 25, session 11: plan/deploy.py's SGLang DP-attention candidates, checked where deploy hands
them on: the tasks ``tasks_for`` makes of ``dp_attention_layouts``' pairs, the replica models such a
task is built with (one ``DataParallelStep`` of D ranks over T GPUs, SGLang's per-rank limits), the
closed-loop capacity run (``max_num_seqs`` clients on every rank), the scan's replica count (one
simulated replica of D ranks, not D replicas), and the candidate's own DP-attention fields.

Session 11's mutation run of deploy.py (MUTATION.md) had these mutants survive: the DP-attention
tests of tests/plan/test_simulate_dp.py are not in deploy's narrowed selection, and none checked
what a DP-attention task is simulated with. ``sim.run`` is wrapped by a spy that records each call
and returns the real result. DeepSeek-R1 on H200s (141 GB each) at TP 8: 8 × 141 GB holds its
~671 GB of FP8 weights."""
import pytest

from kvplan import api
from kvplan.plan import deploy as d
from kvplan.plan import simulate as sim
from kvplan.plan.latency.dp_attention import DataParallelStep
from kvplan.sources import catalog
from tests.plan.test_deploy_wiring import _fresh_models  # noqa: F401  (autouse: a fresh model cache per test)

H200 = "h200-sxm-141gb"
PRICES = {H200: (3.0, "src h200")}


def workload(**kw):
    base = dict(model="deepseek-r1", rate=0.5, prompt_tokens="256", output_tokens="8", ttft_p90_ms=1e9,
                itl_p90_ms=1e9, engine="sglang", requests=11, max_gpus=64, prices=PRICES)
    base.update(kw)
    return d.Workload(**base)


@pytest.fixture
def runs(monkeypatch):
    """Every ``simulate.run`` call of the test: (requests, limits, step, replicas, concurrency)."""
    got, real = [], sim.run

    def spy(reqs, lim, step, replicas=1, router="round-robin", shared_prefix=0, concurrency=None, **kw):
        got.append((list(reqs), lim, step, replicas, concurrency))
        return real(reqs, lim, step, replicas, router, shared_prefix, concurrency, **kw)

    monkeypatch.setattr(sim, "run", spy)
    return got


# ---- the candidates searched ----------------------------------------------------------------------------
def test_dp_attention_layouts_are_d_dividing_t_for_sglang_by_default():
    """D in (2, 4, 8) with D ≤ T and T % D == 0; SGLang is the default engine."""
    ds = catalog.load_model("deepseek-r1")
    assert d.dp_attention_layouts((8,), ds) == [(8, 2), (8, 4), (8, 8)]
    # T 3: 2 does not divide 3; T 6: 2 divides it, 4 (≤ 6) does not
    assert d.dp_attention_layouts((3, 6), ds, "sglang") == [(6, 2)]
    # a MoE model with MLA, but vLLM: none (DP attention is SGLang's flag)
    assert d.dp_attention_layouts((8,), ds, "vllm") == []


def test_tasks_for_makes_one_dp_attention_task_per_pair_and_max_num_seqs():
    got = d.tasks_for([H200], tps=(8,), seqs=(32, 64), disaggregated=False, link="nvlink", dpa_pairs=[(8, 8)])
    assert got == [d.Task("aggregated", H200, 8, 32, link="nvlink", dp=8, dp_attention=True),
                   d.Task("aggregated", H200, 8, 64, link="nvlink", dp=8, dp_attention=True),
                   d.Task("aggregated", H200, 8, 32, link="nvlink"),
                   d.Task("aggregated", H200, 8, 64, link="nvlink")]
    assert [(t.mode, t.gpu, t.tp, t.max_num_seqs, t.link, t.dp, t.dp_attention, t.ep) for t in got[:2]] == [
        ("aggregated", H200, 8, 32, "nvlink", 8, True, False), ("aggregated", H200, 8, 64, "nvlink", 8, True, False)]


def test_plan_deployment_searches_dp_attention_for_sglang_only(monkeypatch):
    """api.plan_deployment hands the engine to dp_attention_layouts: DeepSeek-R1 at TP 8 under SGLang
    gets the D = 2, 4, 8 tasks; under vLLM none (the search itself is stubbed out)."""
    seen = []
    monkeypatch.setattr(d, "search", lambda w, tasks, workers=None, ray=None, progress=None: seen.append(tasks))
    kw = dict(rate=1.0, prompt_tokens="256", output_tokens="8", ttft_p90_ms=1e3, itl_p90_ms=1e2, gpus="h200",
              tps=(8,), seqs=(64,), disaggregated=False)
    api.plan_deployment("deepseek-r1", engine="sglang", **kw)
    api.plan_deployment("deepseek-r1", engine="vllm", **kw)
    assert [t.dp for t in seen[0] if t.dp_attention] == [2, 4, 8]
    assert [t for t in seen[1] if t.dp_attention] == []


# ---- one DP-attention task simulated -----------------------------------------------------------------------
def test_a_dp_attention_task_is_one_replica_of_d_ranks_stepped_together(runs):
    """TP 8, --dp-size 8, --max-running-requests 64: SGLang splits the 64 over the 8 ranks, 64 // 8 = 8
    a rank (tests/engines/test_sglang_dp_attention.py). The step model is DataParallelStep(T 8, D 8).
    The capacity run is a closed loop of 8 × 8 = 64 clients over max(2 × 64, 64) = 128 requests; each
    scan run simulates r replicas of the D ranks (not r × 8), and a replica is T = 8 GPUs."""
    t = d.Task("aggregated", H200, 8, 64, dp=8, dp_attention=True)
    cands = d.evaluate(workload(), t)
    assert cands and all(c.note == "" for c in cands), cands
    cap, *scans = runs
    reqs, lim, step, replicas, conc = cap
    assert isinstance(step, DataParallelStep) and (step.tp, step.dp) == (8, 8)
    assert lim.max_num_seqs == 8
    assert (len(reqs), replicas, conc) == (128, 1, 64)
    assert len(scans) == len(cands)
    for (reqs, lim, step, replicas, conc), c in zip(scans, cands):
        assert isinstance(step, DataParallelStep) and lim.max_num_seqs == 8
        assert (len(reqs), replicas, conc) == (11, c.replicas, None)
        assert c.dp_attention is True and (c.dp, c.ep) == (8, 1)
        assert c.layout == f"{c.replicas}×tp8 dp-attn8" and c.gpus == 8 * c.replicas
        assert c.as_dict()["dp_attention"] is True


def test_a_dp_attention_task_that_fails_keeps_its_dp_attention():
    """No hourly price for the H200: evaluate's one candidate carries the task's DP attention."""
    t = d.Task("aggregated", H200, 8, 64, dp=8, dp_attention=True)
    (c,) = d.evaluate(workload(prices={}), t)
    assert c.note == f"no hourly price for {H200}; add it with --prices FILE"
    assert c.dp_attention is True and c.dp == 8 and c.layout == "0×tp8 dp-attn8"


def test_a_profile_scales_both_sides_of_a_dp_attention_step(tmp_path):
    """A profile of the H200 (step_scale 2) reaches the rank side and the MLP side of the step."""
    f = tmp_path / "prof.yaml"
    f.write_text(f"kind: kvplan-latency-profile\ngpu: {H200}\nstep_scale: 2.0\nfitted_on: a test\n")
    step = d._models(workload(profile=str(f)), H200, 8, 64, dp=8, dpa=True)[3]
    assert isinstance(step, DataParallelStep)
    assert step.rank.profile_scale == 2.0 and step.mlp.profile_scale == 2.0


# ---- a decode pool keeps its model's KV groups -----------------------------------------------------------
@pytest.mark.parametrize("engine", ["vllm", "sglang"])
def test_a_decode_side_replica_keeps_the_kv_groups_and_the_window_pool(engine):
    """gpt-oss-20b alternates sliding-window and full layers: vLLM keeps a second KV cache group, SGLang a
    sliding-window token pool. The decode side changes only the token budget (1 << 40)."""
    w = workload(model="gpt-oss-20b", engine=engine, prices={"h100-sxm-80gb": (2.0, "src")})
    plain = d._models(w, "h100", 1, 64)[2]
    side = d._models(w, "h100", 1, 64, decode_side=True)[2]
    # vLLM: the window layers' group (window 128); SGLang: the window pool's tokens beside the full pool
    assert plain.groups != () if engine == "vllm" else plain.swa_tokens > 0
    assert side.max_num_batched_tokens == 1 << 40
    assert (side.groups, side.swa_tokens) == (plain.groups, plain.swa_tokens)


# ---- api.py ---------------------------------------------------------------------------------------------
def test_dump_spec_is_the_specs_yaml():
    assert api.dump_spec(api.load_model("llama-3.1-8b")).startswith("name: llama-3.1-8b\n")


def test_fit_keeps_the_batch_asked_for():
    """llama-3.1-8b at 4,096 tokens and batch 1,000 on an H100: the report is for that batch."""
    assert api.fit("llama-3.1-8b", "h100", ctx=4096, batch=1000).batch == 1000
    assert api.fit("llama-3.1-8b", "h100", ctx=4096).batch is None
