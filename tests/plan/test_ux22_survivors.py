"""ux22's library change (session 22: plan --engine-version, perf's at-risk verdict at its batch), pinned where its
mutation run (mut22c) found the tests silent. Each figure is fit's or kvplan's own, worked in the comments."""
import pytest

from kvplan import api
from kvplan.plan import deploy as d


@pytest.fixture(autouse=True)
def _fresh_models():
    d._CACHE.clear()  # a replica's models are cached per process: build them under this test's code
    yield
    d._CACHE.clear()


# perf's "at risk" is fit's verdict at perf's --batch, fit planning the release perf prices (plan/perf.py
# _engine_fit: trtllm_version for a TensorRT-LLM plan). Qwen3-235B-A22B has 4 KV heads: at TP 8 TensorRT-LLM
# before 1.1.0 sizes max_tokens from its estimate, head_dim × KV heads // tp = 128 × 4 // 8 = 64 a layer, while the
# pool keeps ceil(4 / 8) = 1 whole head × 128 a layer: twice the bytes a token, so the pool the estimate makes is
# twice the budget (engines/trtllm.py _estimate_part, "kv_estimate", not modelled: at risk at any batch). From
# 1.1.0 (and with no release, kvplan's read commit) the estimate is bytes and the plan fits with its margin.
@pytest.mark.parametrize("batch", [1, 30])
def test_perf_is_at_risk_where_a_trtllm_release_sizes_the_pool_from_its_estimate(batch):
    m, kw = "qwen3-235b-a22b", dict(tp=8, engine="trtllm")
    fit = api.fit(m, "h100", ctx=8000, batch=batch, trtllm_version="1.0.0rc3", **kw)
    assert fit.verdict == "at_risk" and "but kv_estimate (KV estimate (KV heads < TP)) is not modelled" in \
        fit.judgement.why and "24,064 bytes a token" in fit.judgement.why and "holds 48,128" in fit.judgement.why
    notes = api.perf(m, "h100", 8000, batch=batch, engine_version="1.0.0rc3", **kw).notes
    assert [n for n in notes if n.startswith("at risk: ")] == [
        f"at risk: trtllm's memory plan: {fit.judgement.why} (kvplan fit --ctx 8000 --batch {batch})"]
    assert api.fit(m, "h100", ctx=8000, batch=batch, **kw).verdict == "fits"
    assert not [n for n in api.perf(m, "h100", 8000, batch=batch, **kw).notes if n.startswith("at risk")]
    assert not [n for n in api.perf(m, "h100", 8000, batch=batch, engine_version="1.1.0", **kw).notes
                if n.startswith("at risk")]


# plan --engine-version: each replica is planned as simulate plans the release (simulate/release.py for_release):
# admission by the first chunk's blocks before 0.19.0 (reserve_full_isl off), async scheduling off before 0.14.0,
# the V0 engine before 0.8.0 with its steps at engines.yaml's vllm_v06 profile (latency/versions.py
# release_profile); kvplan's own release (none given): all three on/off as 0.33.0 runs. A disaggregated pair's
# decode replica keeps those rules (plan/deploy.py _models): only its token budget differs (1 << 40), and the note
# and front end the plain replica carries. The releases are built one after another in one process: each is its own
# cache entry (the limits' and the step's keys hold the release).
RULES = [(None, True, True, False, "vllm"), ("0.14.0", False, True, False, "vllm"),
         ("0.10.0", False, False, False, "vllm"), ("0.7.3", False, False, True, "vllm_v06"), (None, True, True, False,
                                                                                               "vllm")]


def test_plans_replicas_keep_the_releases_rules_on_both_sides():
    base = dict(model="llama-3.1-8b", rate=4.0, prompt_tokens="1024", output_tokens="16", ttft_p90_ms=1e9,
                itl_p90_ms=1e9, requests=11)
    for ver, full_isl, async_, v0, profile in RULES:
        w = d.Workload(**base, engine_version=ver)
        _, _, lim, step = d._models(w, "h100", 1, 32)
        assert (lim.reserve_full_isl, lim.async_scheduling, lim.v0, step.engine) == (full_isl, async_, v0, profile)
        _, _, side, side_step = d._models(w, "h100", 1, 32, decode_side=True)
        assert side_step.inner is step and side.max_num_batched_tokens == 1 << 40
        assert d.replace(side, max_num_batched_tokens=lim.max_num_batched_tokens, note=lim.note,
                         frontend=lim.frontend) == lim


# simulate --weight-dtype: the step prices the weights in that format on every path (plan/simulate _step_model),
# vLLM's DP + EP ranks (DataParallelMoEStep) and SGLang's DP attention (DataParallelStep: its attention ranks and
# its MLP) as the plain OpLatency; fp8 is read as fp8_e4m3 (model/dtypes.py), Qwen3-30B-A3B's own dtype bf16.
@pytest.mark.parametrize("weight_dtype, fmt", [(None, "bf16"), ("fp8", "fp8_e4m3")])
def test_simulates_dp_steps_price_the_weight_dtype(weight_dtype, fmt):
    from kvplan.engines import ServeOptions
    from kvplan.plan import simulate as sim
    from kvplan.sources import catalog

    h100, moe = catalog.load_gpu("h100"), catalog.load_model("qwen3-30b-a3b")
    opts = ServeOptions(data_parallel_size=2, enable_expert_parallel=True)
    lim = sim.engine_limits(moe, h100, opts=opts)
    rf, dp = sim._step_model(moe, h100, 1, lim, opts, None, None, None, weight_dtype)
    assert (type(rf).__name__, dp, rf.rank.weight_dtype) == ("DataParallelMoEStep", 2, fmt)
    opts = ServeOptions(data_parallel_size=2, dp_attention=True)
    lim = sim.engine_limits(moe, h100, 2, "sglang", opts=opts)
    rf, dp = sim._step_model(moe, h100, 2, lim, opts, None, None, None, weight_dtype)
    assert (type(rf).__name__, dp, rf.rank.weight_dtype, rf.mlp.weight_dtype) == ("DataParallelStep", 2, fmt, fmt)


# A DP + EP replica's limits are fit's plan with --enable-expert-parallel (plan/deploy.py _models hands ep to the
# memory plan, not only to the step): Qwen3-30B-A3B, one H100 a rank, DP 2, --max-num-seqs 32: fit's KV budget
# 43,031,329,700 bytes without EP, 43,001,969,572 with it (the all-to-all buffers take 29,360,128 bytes), // a
# 1,572,864-byte block = 27,358 and 27,339 blocks; simulate's pool is fit's less the null block (27,357, 27,338).
@pytest.mark.parametrize("ep", [False, True])
def test_a_dp_ep_replica_is_fits_plan_with_expert_parallel(ep):
    w = d.Workload(model="qwen3-30b-a3b", rate=4.0, prompt_tokens="1024", output_tokens="16", ttft_p90_ms=1e9,
                   itl_p90_ms=1e9, requests=11)
    fit = api.fit("qwen3-30b-a3b", "h100", max_num_seqs=32, data_parallel_size=2, enable_expert_parallel=ep)
    assert fit.capacity.detail["num_gpu_blocks"] == (27_339 if ep else 27_358)
    assert d._models(w, "h100", 1, 32, dp=2, ep=ep)[2].num_blocks == fit.capacity.detail["num_gpu_blocks"] - 1


# simulate's limits are engine_limits' under the release (for_release with simulate's opts) and its prefix caching
# as asked: six 1,000-token prompts sharing a 500-token prefix, 2 a second (each prefill done before the next
# arrives): with vLLM's prefix caching on, requests 2 to 6 each hit the prefix's full 16-token blocks,
# 500 // 16 = 31 blocks = 496 tokens, 5 × 496 = 2,480; off, none. Under 0.10.0 the release's note says its rules.
def test_simulate_plans_the_release_and_prefix_caching_asked():
    from kvplan.engines import ServeOptions

    run = dict(rate=2.0, requests=6, prompt_tokens="1000", output_tokens="10", shared_prefix=500)
    assert api.simulate("llama-3.1-8b", "h100", **run).prefix_hit_tokens == 5 * (500 // 16 * 16) == 2_480
    assert api.simulate("llama-3.1-8b", "h100", **run, prefix_caching=False).prefix_hit_tokens == 0
    notes = api.simulate("llama-3.1-8b", "h100", **run, opts=ServeOptions(vllm_version="0.10.0")).notes
    assert "vLLM 0.10.0 (--engine-version): admission checks the first chunk's blocks only (before 0.19.0); async " \
           "scheduling off (before 0.14.0)" in notes
