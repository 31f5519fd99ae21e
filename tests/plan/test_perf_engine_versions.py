"""vLLM's per-step constants by version: rows of vLLM before v0.2.5 (no CUDA graphs at all) run their own profile,
vllm_v020, fitted on them alone (engines.yaml; benchmarks/published/cuda_graphs_off.yaml engine_profile)."""
import importlib.util

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
    assert pa.profile_of(new) == "vllm" and not pa.model_for(new).prof.cuda_graphs
    # every row the profile names ran vLLM acbed3e
    assert all("acbed3e" in ROWS[i]["engine_version"] for i, p in pa.ENGINE_PROFILE.items() if p == "vllm_v020")


def test_fit_py_fits_each_version_on_its_own_rows():
    # the 16 acbed3e rows are vllm_v020's and all eager; vLLM's own eager rows (v0.2.5 on) are round 8's dstack MI300X
    # runs (--enforce-eager, seen since round 9's split, fitted since session 13): amd's 18 Quark rows, meta's 18 left
    # out (not_fitted.yaml: an unfused FP8 path on ROCm)
    assert FITTED["vllm_v020"]["fit_rows"] == 16 == FITTED["vllm_v020"]["eager_rows"]
    v = FITTED["vllm"]
    eager = [i for i in ROWS if i.startswith("dstack-vllm-mi300x-amd-")]
    assert v["eager_rows"] == len(eager) == 18 and not set(eager) & pa.NOT_FITTED
    assert {i for i in ROWS if i.startswith("dstack-vllm-mi300x-meta-")} <= pa.NOT_FITTED


def test_old_versions_eager_cost_cannot_be_todays():
    # dstack's amd Quark rows ran vLLM 0.6.4 with --enforce-eager: the whole step at batch 4 (e2e / 2,048 steps,
    # prefill included) is shorter than 126 layers at vllm_v020's eager cost alone, and longer than at vLLM's
    e = ROWS["dstack-vllm-mi300x-amd-llama3.1-405b-fp8-tp8-bs4-128-2048-latency"]
    step = e["value"] / e["output_len"]
    old, new = (126 * FITTED[k]["per_layer_us_eager"] * 1e-6 for k in ("vllm_v020", "vllm"))
    assert old > step > new
