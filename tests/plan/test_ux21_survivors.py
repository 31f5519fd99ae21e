"""ux21's library change (session 21: --engine-version on simulate, sweep, compare and perf; fit's at-risk maxima;
sweep's per-GPU budget), pinned where its mutation run (mut21c) found the tests silent. Each figure is fit's or
kvplan's own, worked in the comments."""
import pytest

from kvplan import api
from kvplan.engines import ServeOptions
from kvplan.plan import simulate as sim
from kvplan.plan.sweep import sweep
from kvplan.sources import catalog

H100 = catalog.load_gpu("h100")


# simulate prices each step at the release's profile (latency/versions.py release_profile): vLLM 0.7.3 is V0 with
# v0.6.0's async output processing, engines.yaml's vllm_v06; 0.5.4 vllm_v0; 0.10.0 (V1) and no release kvplan's vllm.
@pytest.mark.parametrize("version, profile", [("0.7.3", "vllm_v06"), ("0.5.4", "vllm_v0"), ("0.10.0", "vllm"),
                                              (None, "vllm")])
def test_simulates_step_is_the_releases(version, profile):
    spec = catalog.load_model("llama-3.1-8b")
    opts = ServeOptions(vllm_version=version)
    rf, dp = sim._step_model(spec, H100, 1, sim.engine_limits(spec, H100, opts=opts), opts, None, None)
    assert (rf.engine, dp) == (profile, 1)
    # vLLM's DP + EP on a MoE model: each rank's share at the release's profile too (latency/dp_moe.py _Rank)
    moe = catalog.load_model("qwen3-30b-a3b")
    opts = ServeOptions(vllm_version=version, data_parallel_size=2, enable_expert_parallel=True)
    rf, dp = sim._step_model(moe, H100, 1, sim.engine_limits(moe, H100, opts=opts), opts, None, None)
    assert (rf.rank.engine, dp) == (profile, 2)


# fit --batch's "at risk above" figure (max_ctx_low) is --batch's answer only: not with --ctx as well (that answer is
# the batch × ctx verdict), not where nothing fits (max_ctx 0), not where no part is estimated (llama.cpp's plan has
# no uncertainty: its max_ctx is not banded).
def test_max_ctx_low_only_for_batchs_own_answer():
    r = api.fit("llama-3.1-8b", "h100", batch=16)
    assert (r.max_ctx, r.max_ctx_low) == (27184, 25792)  # as tests/cli/test_walk21.py's
    both = api.fit("llama-3.1-8b", "h100", batch=16, ctx=8000)
    assert (both.max_ctx, both.max_ctx_low, both.max_batch, both.max_batch_low) == (27184, None, 54, 51)
    none = api.fit("llama-3.1-8b", "h100", batch=100_000)
    assert (none.max_ctx, none.max_ctx_low) == (0, None)
    cpp = api.fit("llama-3.1-8b", "h100", batch=16, engine="llamacpp")
    assert cpp.judgement.uncertainty_bytes == 0 and cpp.max_ctx > 0 and cpp.max_ctx_low is None


# sweep's budget where the weights overflow the card: Llama-3.1-70B's bf16 weights (~141 GB) on one L4 leave fit's
# kv_budget_bytes at -121,327,412,133; sweep counts no cache room, 0 (not 1, not negative), per GPU and over them.
def test_sweeps_budget_is_zero_where_the_weights_overflow():
    f = api.fit("llama-3.1-70b", "l4")
    assert f.kv_budget_bytes < 0
    s = sweep(catalog.load_model("llama-3.1-70b"), [8000], [1], [None], gpu=catalog.load_gpu("l4"))
    assert (s["kv_budget_bytes"], s["kv_budget_bytes_per_gpu"], s["fit_engine"]) == ({"bf16": 0}, {"bf16": 0}, "vllm")
    bare = sweep(catalog.load_model("llama-3.1-70b"), [8000], [1], [None])  # no GPU: no budget, no fit engine
    assert (bare["kv_budget_bytes"], bare["kv_budget_bytes_per_gpu"], bare["fit_engine"], bare["tp"]) == \
        ({}, {}, None, 1)


# --enforce-eager under vLLM's DP + EP: every rank's own share runs without CUDA graphs, as the group's experts do
# (engines.yaml's vllm profile captures graphs: cuda_graphs true; False given, False kept, in both parts).
def test_an_eager_dp_moe_step_is_eager_on_every_rank():
    from kvplan.plan.latency.dp_moe import DataParallelMoEStep

    moe = catalog.load_model("qwen3-30b-a3b")
    eager, graphs = DataParallelMoEStep(moe, H100, 1, 2, cuda_graphs=False), DataParallelMoEStep(moe, H100, 1, 2)
    assert (eager.rank.prof.cuda_graphs, graphs.rank.prof.cuda_graphs) == (False, True)
    assert (eager.rank.engine, DataParallelMoEStep(moe, H100, 1, 2, engine="vllm_v06").rank.engine) == \
        ("vllm", "vllm_v06")


# The smallest --tp hint asks the engine's capacity on this GPU, as fit --tp does: Llama-3.1-70B's bf16 weights
# (~141 GB) leave no room on one H100; at --max-num-seqs 4,096 vLLM's H100 default of 8,192 batched tokens takes
# that many sequences (8,192 >= 4,096), where another card's 2,048 (EngineArgs.get_batch_defaults under 70 GiB)
# would be refused. The hint is 4, as without the flag (fit --tp 4 fits; --tp 2 leaves no room for one request of
# 131,072 tokens).
def test_the_smallest_tp_is_planned_on_this_gpu():
    r = api.fit("llama-3.1-70b", "h100", max_num_seqs=4096)
    assert not r.fits and r.message.endswith("; the smallest --tp that fits is 4")
    assert api.fit("llama-3.1-70b", "h100", max_num_seqs=4096, tp=4).fits
    assert not api.fit("llama-3.1-70b", "h100", max_num_seqs=4096, tp=2).fits


# perf's "this does not fit" note is fit's plan of the set-up priced: its engine, cache and weight formats, DP + EP
# and (ux21) the release. fit --ctx 8000 on one H100 for Llama-3.1-8B: vLLM 0.33.0 54 sequences, vLLM 0.10.0 52 (its
# start-up: no CUDA-graph estimate subtracted, the V1 sampler's sort), SGLang 51, an fp8 cache 108, fp8 weights 62.
NOTE = ("this does not fit: {}'s memory plan holds {} sequence(s) of 8,000 tokens per replica, not {} "
        "(kvplan fit --ctx 8000)")


@pytest.mark.parametrize("kw, holds", [({}, 54), ({"engine_version": "0.10.0"}, 52), ({"engine": "sglang"}, 51),
                                       ({"kv_dtype": "fp8"}, 108), ({"weight_dtype": "fp8"}, 62)])
def test_perfs_fits_note_is_fits_plan_of_what_is_priced(kw, holds):
    def notes(batch):
        return [n for n in api.perf("llama-3.1-8b", "h100", ctx=8000, batch=batch, **kw).notes
                if n.startswith("this does not fit")]

    assert api.fit("llama-3.1-8b", "h100", ctx=8000, **{"vllm_version" if k == "engine_version" else k: v
                                                         for k, v in kw.items()}).max_batch == holds
    assert notes(holds) == []  # exactly what the plan holds: no note
    assert notes(holds + 1) == [NOTE.format(kw.get("engine", "vllm"), holds, holds + 1)]
    p = api.perf("llama-3.1-8b", "h100", ctx=8000, batch=8, batch_table=True, **kw)
    assert (p.max_batch, p.max_batch_engine) == (holds, kw.get("engine", "vllm"))
    assert [r.batch for r in p.batch_table if r.fits][-1] == holds  # the table runs up to what fits


# vLLM's --data-parallel-size 2 --enable-expert-parallel for Qwen3-30B-A3B on H100s: each rank keeps half the experts,
# so fit's plan holds 50 sequences of 8,000 tokens a rank, where one whole copy holds 14. Mixtral-8x7B at --tp 4 over
# 2 DP ranks: with EP the all-to-all buffers (engines/vllm/ep_buffers.py uses_all2all) take room, 230 sequences a
# rank, where DP without EP plans 235: perf's note is the EP plan's.
def test_perfs_fits_note_under_dp_and_ep():
    kw = dict(ctx=8000, data_parallel_size=2, enable_expert_parallel=True)
    assert api.fit("qwen3-30b-a3b", "h100", **kw).max_batch == 50
    notes = [n for n in api.perf("qwen3-30b-a3b", "h100", batch=51, **kw).notes if n.startswith("this does not fit")]
    assert notes == [NOTE.format("vllm", 50, 51)]
    assert not [n for n in api.perf("qwen3-30b-a3b", "h100", batch=50, **kw).notes if n.startswith("this does not")]
    assert api.perf("qwen3-30b-a3b", "h100", batch=8, batch_table=True, **kw).max_batch == 50
    kw["tp"] = 4
    assert [api.fit("mixtral-8x7b", "h100", **{**kw, "enable_expert_parallel": ep}).max_batch
            for ep in (True, False)] == [230, 235]
    notes = [n for n in api.perf("mixtral-8x7b", "h100", batch=231, **kw).notes if n.startswith("this does not fit")]
    assert notes == [NOTE.format("vllm", 230, 231)]
    assert api.perf("mixtral-8x7b", "h100", batch=8, batch_table=True, **kw).max_batch == 230


# compare's and sweep's decode step is perf's own (perf.step_model at the release's profile) in the cache and weight
# formats asked: Llama-3.1-8B on one H100 at 8,000 tokens, one sequence, each format's step its own (an fp8 cache
# reads half the KV bytes, fp8 weights half the weight bytes, so neither is the bf16 step).
@pytest.mark.parametrize("kw", [{}, {"kv_dtype": "fp8"}, {"weight_dtype": "fp8"},
                                {"kv_dtype": "fp8", "weight_dtype": "fp8"}])
def test_compare_and_sweep_price_perfs_step_in_the_formats_asked(kw):
    from kvplan.plan import whatif

    spec = catalog.load_model("llama-3.1-8b")
    step = api.perf("llama-3.1-8b", "h100", ctx=8000, batch=1, **kw).decode.seconds
    assert (step == api.perf("llama-3.1-8b", "h100", ctx=8000, batch=1).decode.seconds) == (kw == {})
    row = whatif.rows([spec], 8000, 1, gpu=H100, **kw)[0]
    assert row["decode_tokens_per_second"] == 1 / step
    s = sweep(spec, [8000], [1], [kw.get("kv_dtype")], gpu=H100, weight_dtype=kw.get("weight_dtype"))
    assert s["rows"][0]["decode_step_seconds"] == step
