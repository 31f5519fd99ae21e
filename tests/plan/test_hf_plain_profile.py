"""Plain Hugging Face Transformers (the model's own modules, unfused) runs its own overhead profile, hf_plain, beside
hf (AutoAWQ's fused modules): Qwen's Qwen2.5 speed benchmark (round 14, fit side; benchmarks/published/
engine_profiles.yaml) is fitted on it alone (issue 21, session 16: python benchmarks/latency/fit.py --profile hf_plain),
with the Qwen3 page's dense bfloat16 / AWQ / GPTQ-Int8 rows since session 17, so its per-layer Python cost is not
charged to AutoAWQ's rows, nor theirs to it."""
import importlib.util

import yaml
from conftest import ROOT

spec = importlib.util.spec_from_file_location("perf_accuracy", ROOT / "scripts" / "perf_accuracy.py")
pa = importlib.util.module_from_spec(spec)
spec.loader.exec_module(pa)

ROWS = {e["id"]: e for e in yaml.safe_load((pa.PUB / "measurements.yaml").read_text())}
DATA = ROOT / "kvplan" / "plan" / "latency" / "data"
FITTED_DOC = yaml.safe_load((DATA / "fitted.yaml").read_text())
FITTED = FITTED_DOC["engines"]
ENGINES = yaml.safe_load((DATA / "engines.yaml").read_text())


def test_the_qwen_transformers_rows_and_only_they_run_hf_plain():
    plain = {i for i, e in ROWS.items() if pa.profile_of(e) == "hf_plain"}
    qwen = {i for i, e in ROWS.items() if e["engine"] == "hf" and "QwenLM/Qwen2.5/blob/a912d23" in e["source"]}
    # round 15's Qwen speed-benchmark pages (Qwen2 at QwenLM/Qwen2.5 4da996c, held out; Qwen3, fit side, its FP8 and MoE
    # rows left out in not_fitted.yaml): the same plain-Transformers harness, routed to hf_plain with their rows
    later = {i for i, e in ROWS.items() if e["engine"] == "hf" and (
        "QwenLM/Qwen2.5/blob/4da996c" in e["source"] or "QwenLM/Qwen3/" in e["source"])}
    # round 16's optimum GPTQ benchmark (transformers 4.37.2 generate(), AutoGPTQ's unfused modules; fit side, deferred in
    # not_fitted.yaml): routed to hf_plain with its rows, not fitted on it
    optimum = {i for i, e in ROWS.items() if e["engine"] == "hf" and "huggingface/optimum/blob/4e98776" in e["source"]}
    assert len(optimum) == 50 and optimum <= pa.NOT_FITTED
    assert all(ROWS[i]["engine_version"].startswith("transformers 4.37.2") for i in optimum)
    assert plain == qwen | later | optimum and len(qwen) == 48 and len(later) == 16 + 80 and not qwen & pa.NOT_FITTED
    assert all("Transformers 4.46.0" in ROWS[i]["engine_version"] for i in qwen)
    assert all(("Transformers 4.38.2" in ROWS[i]["engine_version"]) != ("Transformers 4.51.3" in ROWS[i]["engine_version"])
               for i in later)
    # the AutoAWQ rows (fused modules) stay on hf
    assert all(pa.profile_of(e) == "hf" for e in ROWS.values() if e["engine"] == "hf" and e["id"] not in plain)


def test_hf_plain_constants_are_fitted_on_its_rows_and_differ_from_hfs():
    hp, hf = FITTED["hf_plain"], FITTED["hf"]
    # Qwen2.5's 48 rows, the Qwen3 page's 48 fitted ones (tests/plan/test_qwen3_speed_not_fitted.py) and, since session
    # 21's full refit, the Qwen2 page's 16 (round 15's held-out source, seen since round 16's split)
    assert hp["fit_rows"] == 48 + 48 + 16 == hp["eager_rows"] and hp["graphs_rows"] == 0
    # session 22's --profile hf_plain (lat22fit: after --profile hf, the RTX 4090 at its measured 0.912) writes its
    # source; session 21's full run (lat21trt) wrote none, fitted.yaml's own naming the fit side
    assert hp["source"].startswith("benchmarks/latency/fit.py --profile hf_plain: its 112 fit-side rows")
    assert "the per-sequence cost held" in hp["source"] and "benchmarks/latency/fit.py on the fit side" in FITTED_DOC["source"]
    # held at hf's (every hf_plain row runs one sequence: engines.yaml fit_per_seq_source); hf's refit on the RTX 4090
    # at 0.912 (session 22) moved it 40 -> 87.5 us
    assert ENGINES["hf_plain"]["fit_per_seq_of"] == "hf" and hp["per_seq_us"] == hf["per_seq_us"] == 87.5
    # fit.py's output (session 22's --profile hf_plain; session 21's full run gave 2.45 ms, 550 / 510 us, 0.2016;
    # session 17's --profile hf_plain 0.05 ms, 660 / 620 us, int4 3.5, int8 3.6, 23.26 %), pinned: a change moves these
    assert (hp["base_ms"], hp["per_layer_us_eager"], hp["per_layer_us_graphs"]) == (2.4, 550.0, 510.0)
    assert hp["dequant"]["int4"]["factor"] == 3.8 and hp["dequant"]["int8"]["factor"] == 3.75
    assert hp["fit_median_abs_error"] == 0.2015  # session 21: 0.2016
    # AutoAWQ's fused modules: 35 us a layer eager since session 22's --profile hf (0 before: engines.yaml hf
    # overhead_fit_note), far below hf_plain's per-layer Python cost
    assert hf["per_layer_us_eager"] == 35.0 < hp["per_layer_us_eager"] / 10
    assert "hf_plain" in ENGINES["hf"]["overhead_fit_note"]


def test_a_qwen_row_is_priced_with_hf_plains_eager_step():
    from kvplan.plan.latency.profile import Profile
    from kvplan.sources import catalog

    e = ROWS["qwen25-hf-a100-qwen2.5-7b-bf16-tp1-bs1-1-2048"]
    r = pa.model_for(e)
    assert r.engine == "hf_plain" and not r.prof.cuda_graphs and r.prof.split_kv
    s, why = r.prof.overhead(28, 1)  # Qwen2.5 7B: 28 layers, one sequence
    hp = FITTED["hf_plain"]
    assert abs(s - (hp["base_ms"] * 1e-3 + 28 * hp["per_layer_us_eager"] * 1e-6 + hp["per_seq_us"] * 1e-6)) < 1e-12
    assert "hf_plain" in why
    # hf's own profile prices the same step at its fused-module constants, far lower
    assert Profile(catalog.load_gpu(e["gpu"]), "hf").overhead(28, 1)[0] < s / 5
