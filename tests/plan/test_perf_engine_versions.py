"""vLLM's per-step constants by version: rows of vLLM before v0.2.5 (no CUDA graphs at all) run their own profile,
vllm_v020, fitted on them alone (engines.yaml; benchmarks/published/cuda_graphs_off.yaml engine_profile); rows of
vLLM 0.2.5-0.5.x (the V0 engine) run vllm_v0 and 0.6.0-0.7.x (V0 with v0.6.0's asynchronous output processing) vllm_v06
(latency/versions.py profile_for, by the rows' engine_version)."""
import importlib.util

import pytest
import yaml
from conftest import ROOT

spec = importlib.util.spec_from_file_location("perf_accuracy", ROOT / "scripts" / "perf_accuracy.py")
pa = importlib.util.module_from_spec(spec)
spec.loader.exec_module(pa)

ROWS = {e["id"]: e for e in yaml.safe_load((pa.PUB / "measurements.yaml").read_text())}
FITTED = yaml.safe_load((ROOT / "kvplan" / "plan" / "latency" / "data" / "fitted.yaml").read_text())["engines"]


def test_pre_graph_vllm_rows_run_their_own_profile():
    old = ROWS["vllm-a100pcie-llama2-70b-fp16-tp2-bs1-7-256"]  # vLLM acbed3e, 2023-10-06
    assert pa.profile_of(old) == "vllm_v020" and old["engine"] == "vllm"
    r = pa.model_for(old)
    assert r.engine == "vllm_v020" and not r.prof.cuda_graphs
    new = ROWS["dstack-vllm-mi300x-amd-llama3.1-405b-fp8-tp8-bs4-128-2048-latency"]  # vLLM 0.6.4 --enforce-eager
    assert pa.profile_of(new) == "vllm_v06" and not pa.model_for(new).prof.cuda_graphs
    v1 = ROWS["vultr-b200-nemotron3-nano-30b-fp8-tp2-c1-2048-512-tpot"]  # vLLM 0.16.0: V1
    assert pa.profile_of(v1) == "vllm" and pa.model_for(v1).prof.cuda_graphs
    # every row the profile names ran vLLM acbed3e
    assert all("acbed3e" in ROWS[i]["engine_version"] for i, p in pa.ENGINE_PROFILE.items() if p == "vllm_v020")


def test_fit_py_fits_each_version_on_its_own_rows():
    # the 16 acbed3e rows are vllm_v020's and all eager; vLLM's own eager rows (v0.2.5 on) are round 8's dstack MI300X
    # runs (--enforce-eager on vLLM 0.6.4, seen since round 9's split): amd's 18 Quark rows, meta's 18 left out
    # (not_fitted.yaml: an unfused FP8 path on ROCm), and Qwen's 3 [Setting 1] rows (enforce_eager True on vLLM 0.6.3,
    # round 14, fitted since session 16). 0.6.x is the V0 engine with v0.6.0's asynchronous output processing, so they
    # are vllm_v06's eager rows; vllm_v0 (0.2.5-0.5.x) and V1's profile (vllm) have none: their eager cost is
    # graphs-on + their engine's published with/without CUDA graphs pairs (data/eager.yaml; test_eager_pairs.py)
    assert FITTED["vllm_v020"]["fit_rows"] == 16 == FITTED["vllm_v020"]["eager_rows"]
    v, v0, v06 = FITTED["vllm"], FITTED["vllm_v0"], FITTED["vllm_v06"]
    eager = [i for i in ROWS if i.startswith("dstack-vllm-mi300x-amd-")] + sorted(pa.GRAPHS_OFF & {
        i for i in ROWS if i.startswith("qwen25-vllm-")})
    assert v06["eager_rows"] == len(eager) == 18 + 3 and not set(eager) & pa.NOT_FITTED
    assert set(eager) <= set(v06["fit_row_ids"])
    # vLLM PR #1440 (V0, Llama 2 7B, batch 1): about 1.2 s vs about 1.05 s over 99 decode steps of 32 layers
    assert v0["eager_rows"] == 0 and v0["per_layer_us_eager"] == round(v0["per_layer_us_graphs"] + 47.35, 2)
    # fit.py's output (python benchmarks/latency/fit.py --profile vllm, then --profile vllm_v06, then --profile vllm_v0;
    # session 17: vLLM's constants fitted on its NVIDIA rows, its MI300X rows fitting fitted.yaml's family_overhead), pinned:
    # v0.6.0's step is the cheaper one (output processing off the step's path), each fitted on its own releases' rows;
    # both hold vLLM V1's per-sequence cost (engines.yaml fit_per_seq_of)
    got = (v06["base_ms"], v06["per_layer_us_graphs"], v06["per_layer_us_eager"], v06["per_seq_us"])
    # session 21 (lat21trt: GEMMs by matrix size, fused QKV / gate_up, then python benchmarks/latency/fit.py, then
    # --profile vllm_v06, then --profile vllm_v0): was (0.15, 12.0, 145.0, 52.5), vllm's per-sequence 52.5 -> 30 us
    # session 21 (lat21bw: the RTX 4090 at its measured 0.912, the same sequence): was (0.0, 58.0, 150.0, 30.0)
    assert got == (0.1, 50.0, 150.0, 65.0) and v06["per_seq_us"] == v0["per_seq_us"] == v["per_seq_us"]
    # session 18 (python benchmarks/latency/fit.py --profile vllm_v06, then --profile vllm_v0, with round 15's rows
    # seen): vllm_v06 takes round 15's 32 ROCm vLLM 0.7.3 rows, priced with the MI300X term it holds (fitted by vllm;
    # test_latency_family_overhead.py), so its constants and factors do not move; vllm_v0 takes round 15's 24 Qwen2
    # vLLM 0.4.2 rows: base 4.8 -> 4.9 ms and int4 / int8 factors of its own (it had none: the engines' median)
    # (session 21's refit: v06 0.0701, factors 1.4 / 1.25; v0 base 4.9 ms, 60 us a layer, factors 1.05 / 0.7, 0.1276)
    assert (v06["fit_rows"], v06["fit_median_abs_error"]) == (135, 0.0665)  # lat21bw: was 0.0758
    assert (v06["dequant"]["int4"]["factor"], v06["dequant"]["int8"]["factor"]) == (1.3, 1.05)  # lat21bw: was 1.25
    assert (v0["base_ms"], v0["per_layer_us_graphs"], v0["per_seq_us"], v0["fit_rows"]) == (5.1, 58.0, 65.0, 56)  # lat21bw: was (5.8, 32.0, 30.0)
    assert (v0["dequant"]["int4"]["factor"], v0["dequant"]["int8"]["factor"]) == (1.15, 0.5)  # lat21bw: was 1.4
    assert v0["fit_median_abs_error"] == 0.1273  # lat21bw: was 0.134
    assert v06["base_ms"] < v0["base_ms"] / 10
    qwen = {i for i in ROWS if i.startswith("qwen25-vllm-")}
    assert len(qwen) == 72 and qwen <= set(v06["fit_row_ids"]) and not qwen & set(v0["fit_row_ids"])
    # vLLM-Omni issue #7960 (vLLM 0.29.0, V1; Qwen2.5-7B thinker, 28 layers): TPOT ~23 / ~22 ms eager vs ~13 ms
    assert v["eager_rows"] == 0 and v["per_layer_us_eager"] == round(v["per_layer_us_graphs"] + 339.28, 2)
    assert {i for i in ROWS if i.startswith("dstack-vllm-mi300x-meta-")} <= pa.NOT_FITTED


def test_old_versions_eager_cost_cannot_be_todays():
    # dstack's amd Quark rows ran vLLM 0.6.4 with --enforce-eager: the whole step at batch 4 (e2e / 2,048 steps,
    # prefill included) is shorter than 126 layers at vllm_v020's eager cost alone, and longer than at the V0 engine's
    # (vllm_v0: graphs-on + vLLM PR #1440's published pair). V1's (vllm: graphs-on + vLLM-Omni #7960's pairs, where
    # --enforce-eager also drops torch.compile) is above this whole step: another engine, not compared here
    e = ROWS["dstack-vllm-mi300x-amd-llama3.1-405b-fp8-tp8-bs4-128-2048-latency"]
    step = e["value"] / e["output_len"]
    old, new = (126 * FITTED[k]["per_layer_us_eager"] * 1e-6 for k in ("vllm_v020", "vllm_v0"))
    assert old > step > new


def test_version_routing_picks_the_profile():
    from kvplan.plan.latency.versions import levels_profile, profile_for, step_profile

    assert profile_for("vllm", "0.7.3") == "vllm_v06" and profile_for("vllm", "0.6.0") == "vllm_v06"
    assert profile_for("vllm", "0.5.5") == "vllm_v0"  # before v0.6.0's asynchronous output processing
    assert profile_for("vllm", "0.8.0") == "vllm"  # V1 by default from 0.8.0 (PR #13726)
    assert profile_for("vllm", "0.2.4") == "vllm_v020"  # no CUDA graphs before 0.2.5 (PR #1926)
    assert profile_for("vllm", "0.2.5") == "vllm_v0" and profile_for("vllm", "v0.4.1") == "vllm_v0"
    assert profile_for("vllm", "vLLM 0.6.3.post2.dev308+gb489fc3c (the README's)") == "vllm_v06"
    assert profile_for("vllm", "0.7.3 (V1)") == "vllm"  # VLLM_USE_V1=1 before 0.8.0 ran V1
    assert profile_for("vllm", None) == profile_for("vllm", "vLLM main of 2024-01-22") == "vllm"
    assert profile_for("sglang", "0.4.1") == "sglang"  # only vLLM's versions route
    assert step_profile("vllm", "0.6.0 (V0, multi-step)", 10) == "vllm" == step_profile("vllm", "0.11.0")
    assert levels_profile("vllm", {"0.4.1", "0.5.4"}) == "vllm_v0"
    assert levels_profile("vllm", {"0.4.1", "0.7.3"}) == "vllm"  # vllm_v0 and vllm_v06: the engine's own
    assert levels_profile("vllm", {"0.4.1", "0.11.0"}) == "vllm"  # mixed versions: the engine's own


def test_dated_main_rows_route_by_the_releases_they_lie_between():
    from kvplan.plan.latency.versions import profile_for

    v0 = yaml.safe_load((ROOT / "kvplan" / "plan" / "latency" / "data" / "engines.yaml").read_text())["vllm_v0"]
    for x in pa.ENGINE_RELEASES:  # after 0.2.5 and before 0.6.0: V0 with CUDA graphs, before its async output processing
        assert profile_for("vllm", x["released_after"]) == "vllm_v0" and x["released_before"] == v0["versions_below"]
        assert profile_for("vllm", x["released_before"]) == "vllm_v06"
        rows = [e for e in ROWS.values() if e["source"].startswith(x["source_prefix"])]
        assert rows and all(pa.profile_of(e) == "vllm_v0" and pa.model_for(e).prof.cuda_graphs for e in rows)


@pytest.mark.parametrize("name", ["vllm_v0", "vllm_v06"])
def test_v0_profile_constants_are_the_data_files_with_their_rows(name):
    import importlib.util as iu

    from kvplan.plan.latency.profile import Profile
    from kvplan.sources import catalog

    v0 = FITTED[name]
    prof = Profile(catalog.load_gpu("h100"), name)
    assert prof.fit is not None and prof.fit == v0 and f"--profile {name}" in v0["source"]
    assert prof.cuda_graphs and "1926" in prof.eng["cuda_graphs_source"] and "13726" in prof.eng["versions_source"]
    s1, _ = prof.overhead(126, 1)
    s2, why = prof.overhead(126, 33)
    assert abs((s2 - s1) - 32 * v0["per_seq_us"] * 1e-6) < 1e-12 and f"{v0['per_seq_us']:g} us × sequences" in why
    assert abs(s1 - (v0["base_ms"] * 1e-3 + 126 * v0["per_layer_us_graphs"] * 1e-6 + v0["per_seq_us"] * 1e-6)) < 1e-12
    # the rows it rests on: exactly the fit side's rows that run the profile, none held out
    fs = iu.spec_from_file_location("fit", ROOT / "benchmarks" / "latency" / "fit.py")
    fit = iu.module_from_spec(fs)
    fs.loader.exec_module(fit)
    mine = sorted(e["id"] for e in fit.profile_entries(name))
    # not_fitted.yaml's rows (meta's FP8 405B on MI300X) are out: fit_side_entries leaves them out for every profile
    assert not set(mine) & pa.NOT_FITTED and any(i.startswith("dstack-vllm-mi300x-meta") for i in pa.NOT_FITTED)
    assert mine == sorted(e["id"] for e in fit.fit_side_entries() if pa.profile_of(e) == name)
    assert v0["per_seq_us"] == FITTED[prof.eng["fit_per_seq_of"]]["per_seq_us"]  # held: not separable (its source)
    assert "per_seq_scan" in prof.eng["fit_per_seq_source"]
    # round 16's split names round 15's held-out sources seen; session 18's refit took their rows (round 15's Qwen2 vLLM
    # 0.4.2 rows for vllm_v0, its ROCm vLLM 0.7.3 rows for vllm_v06)
    doc, _ = pa.split()
    later = [i for i in mine if pa._doc_of(ROWS[i]["source"]) in set(doc["round16"]["seen_sources"])]
    assert len(later) == {"vllm_v0": 24, "vllm_v06": 32}[name] and set(later) <= set(v0["fit_row_ids"])
    assert v0["fit_row_ids"] == mine and v0["fit_rows"] == len(mine) == v0["graphs_rows"] + v0["eager_rows"]
    doc, prefixes = pa.split()
    held = set(doc[pa.LATER[-1]]["held_out_sources"])
    assert not any(pa._doc_of(ROWS[i]["source"]) in held for i in mine)


def test_sglangs_per_sequence_cost_is_held_at_its_stated_value():
    """engines.yaml sglang ``fit_per_seq_us``: 0 us a sequence (the overlap scheduler runs the per-request CPU work
    beside the GPU: fit_per_seq_source cites Scheduler.event_loop_overlap), held by fit.py, which fits the base and
    per-layer costs alone; vllm_v0 holds vLLM's fitted value instead (fit_per_seq_of); vLLM itself searches it."""
    fs = importlib.util.spec_from_file_location("fit", ROOT / "benchmarks" / "latency" / "fit.py")
    fit = importlib.util.module_from_spec(fs)
    fs.loader.exec_module(fit)
    eng = yaml.safe_load((ROOT / "kvplan" / "plan" / "latency" / "data" / "engines.yaml").read_text())["sglang"]
    assert eng["fit_per_seq_us"] == 0.0 and "event_loop_overlap" in eng["fit_per_seq_source"]
    assert fit.held_per_seq("sglang") == 0.0 == FITTED["sglang"]["per_seq_us"]
    assert fit.held_per_seq("vllm_v0", FITTED) == FITTED["vllm"]["per_seq_us"] and fit.held_per_seq("vllm") is None
    # two batch-1 rows (one step, one sequence each: 1 ms a unit of base, 1e-3 ms a us a sequence), measured 1 ms and
    # 2 ms, 0 and 1 ms with every constant 0: held at 0 us a sequence, only base 1.0 ms makes both exact (per layer:
    # no row has a layer term, the smallest, 0). Searched, the tie goes to the smallest base: the rows cannot tell
    # 1.0 ms a step from a smaller base plus a per-sequence cost, the reason it is held
    rows = [dict(t0=0.0, cb=1.0, cl=0.0, ce=0.0, cs=1e-3, cq=0.0, cr=0.0, t=1.0, w="fp16", eager=False),
            dict(t0=1.0, cb=1.0, cl=0.0, ce=0.0, cs=1e-3, cq=0.0, cr=0.0, t=2.0, w="fp16", eager=False)]
    c = fit.fit_engine(rows, {}, per_seq=fit.held_per_seq("sglang"))
    assert (c["base_ms"], c["per_layer_us_graphs"], c["per_seq_us"]) == (1.0, 0.0, 0.0)
    free = fit.fit_engine(rows, {})
    assert free["base_ms"] < 1.0 and free["per_seq_us"] > 0 and fit._err(rows, free) < 1e-9
