"""The MLA layer's decode cost beyond kvplan's priced ops where no measured MLA module table covers the GPU family and
engine (fitted.yaml ``mla_rest``, benchmarks/latency/fit.py ``fit_mla_rest``): SGLang on MI300X, fitted on the fit
side's DeepSeek-V3.1 decode rows, one figure per MLA layer per decode step, labelled fitted (issues 21 and 22).
DeepSeek-V3's 61 layers are all MLA (config.json num_hidden_layers 61, every layer kv_lora_rank 512)."""
import importlib.util
import statistics
from pathlib import Path

import pytest

from kvplan.plan.latency import tables
from kvplan.plan.latency.step import OpLatency
from kvplan.sources import catalog

ROOT = Path(__file__).resolve().parents[2]
FIT = tables.load("fitted")["mla_rest"]["mi300x"]["sglang"]


def ds(gpu="mi300x", engine="sglang"):
    return OpLatency(catalog.load_model("deepseek-v3"), catalog.load_gpu(gpu), tp=8, engine=engine)


def rest(step):
    return [o for o in step.ops if o[0].startswith("MLA")]


def test_the_fit_is_stored_with_its_rows_and_label():
    assert FIT["rows"] == 3 and FIT["residual_us"] > 0
    assert FIT["source"].startswith("benchmarks/latency/fit.py fit_mla_rest: ")
    assert FIT["source"].count("sglang-mi300x-deepseek-v3.1-fp8-tp8-") == 3


@pytest.mark.parametrize("ctx, batch", [(1000, 1), (4000, 32), (200, 256)])
def test_decode_pays_61_layers_of_the_figure_at_every_batch_and_context(ctx, batch):
    step = ds().decode(ctx, batch)
    (op,) = rest(step)
    assert op[0] == f"MLA layer rest, fitted (61 layers × {FIT['residual_us']:g} us)"
    assert op[1] == pytest.approx(61 * FIT["residual_us"] * 1e-6, rel=1e-12)
    assert op[3].startswith("fitted: benchmarks/latency/fit.py fit_mla_rest")
    assert step.seconds == pytest.approx(sum(o[1] for o in step.ops), rel=1e-12)  # the fast path carries it


def test_the_term_moves_the_step_by_itself():
    st = ds()
    with_rest = st.decode(1000, 1).seconds
    st.mla_rest = None
    st._memo_rows.clear(), st._memo_seqs.clear()
    assert with_rest - st.decode(1000, 1).seconds == pytest.approx(61 * FIT["residual_us"] * 1e-6, rel=1e-9)


def test_only_decode_only_where_fitted_only_mla():
    assert not rest(ds().prefill(1000, 1))  # a decode step's figure: prefill passes do not take it
    assert not rest(ds(engine="vllm").decode(1000, 1))  # no fit for vLLM on MI300X, no vLLM module table for it
    assert not rest(ds(gpu="h200", engine="sglang").decode(1000, 1))  # NVIDIA: the engine's fitted overheads
    assert [o[0] for o in rest(ds(gpu="h200", engine="vllm").decode(1000, 1))] == [
        "MLA module rest (61 layers, norms, BMMs)"]  # vLLM on H200 keeps its measured module table
    scout = OpLatency(catalog.load_model("llama-4-scout"), catalog.load_gpu("mi300x"), tp=8, engine="sglang")
    assert not rest(scout.decode(1000, 1))  # no MLA layer
    assert not rest(OpLatency(catalog.load_model("deepseek-v3"), catalog.load_gpu("mi325x"), tp=8,
                              engine="sglang").decode(1000, 1))  # MI325X: no family, no fit


def test_the_stored_figure_reproduces_its_fit_error_on_its_rows():
    """fit.py's objective recomputed: the median |error| of the three rows' per-token decode time with the stored
    figure is the stored fit_median_abs_error (one layer more or less moves it by ~0.8 %)."""
    spec = importlib.util.spec_from_file_location("perf_accuracy", ROOT / "scripts" / "perf_accuracy.py")
    pa = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(pa)
    import yaml

    ids = [i.strip(" ,()") for i in FIT["source"].split("(")[1].split(")")[0].split(",")]
    meas = {e["id"]: e for e in yaml.safe_load((pa.PUB / "measurements.yaml").read_text())}
    errs = [abs(pa.per_token_error(meas[i]["metric"], pa.predict(meas[i]), meas[i]["value"])) for i in ids]
    assert len(ids) == 3 and round(statistics.median(errs), 4) == FIT["fit_median_abs_error"]
