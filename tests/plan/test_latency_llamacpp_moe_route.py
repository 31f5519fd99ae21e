"""llama.cpp's MoE routed path (fitted.yaml ``moe_route``, benchmarks/latency/fit.py ``fit_moe_route``; issue 21).

llama.cpp's build_moe_ffn graph runs the router's softmax, the top-k, the selected weights' get_rows (and their
normalisation), the weights' multiply and n_expert_used - 1 adds for the experts' sum as kernels of their own
(engines.yaml llamacpp ``moe_route_source``), where vLLM runs one fused top-k kernel (data/moe_routing.yaml, 7 us).
kvplan charges llama.cpp one fitted figure per MoE layer per pass in place of that top-k, fitted on the fit side's
llama.cpp decode rows of MoE models (round 17's RTX 4090 rows, seen): Qwen3-30B-A3B has 48 MoE layers
(config.json num_hidden_layers 48, decoder_sparse_step 1), gpt-oss-20b 24 (12 sliding-window, 12 full attention)."""
import importlib.util
import statistics
from pathlib import Path

import pytest
import yaml

from kvplan.plan.latency import tables
from kvplan.plan.latency.step import OpLatency
from kvplan.sources import catalog

ROOT = Path(__file__).resolve().parents[2]
FIT = tables.load("fitted")["moe_route"]["llamacpp"]
NAME = "MoE routing and experts' sum, fitted"


def _load(name, path):
    spec = importlib.util.spec_from_file_location(name, ROOT / path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def qwen(engine="llamacpp", gpu="rtx-4090"):
    return OpLatency(catalog.load_model("qwen3-30b-a3b"), catalog.load_gpu(gpu), 1, "q4_0", "q4_0", engine=engine)


def routed(step):
    return [o for o in step.ops if o[0].startswith(("MoE routing", "MoE top-k"))]


def test_the_fit_is_stored_with_its_rows_and_label():
    assert FIT["rows"] == 18 and 0 < FIT["per_layer_us"] <= 300
    assert FIT["source"].startswith("benchmarks/latency/fit.py fit_moe_route: the median |error| of 18 fit-side ")
    assert "qwen3-30b-a3b on rtx-4090" in FIT["source"] and "gpt-oss-20b on rtx-4090" in FIT["source"]


def test_llamacpp_decode_pays_the_figure_per_moe_layer_in_place_of_the_fused_top_k():
    step = qwen().decode(1000, 1)
    (op,) = routed(step)
    assert op[0] == f"{NAME} (48 layers × {FIT['per_layer_us']:g} us)"
    assert op[1] == pytest.approx(48 * FIT["per_layer_us"] * 1e-6, rel=1e-12)
    assert op[2] == "overhead" and op[3].startswith("fitted: benchmarks/latency/fit.py fit_moe_route")
    assert step.seconds == pytest.approx(sum(o[1] for o in step.ops), rel=1e-12)  # the fast path carries it


def test_other_engines_keep_the_fused_top_k():
    (op,) = routed(qwen(engine="vllm", gpu="h100-sxm-80gb").decode(1000, 1))
    assert op[0] == "MoE top-k (48 layers × 7 us)" and op[1] == pytest.approx(48 * 7e-6, rel=1e-12)


def test_gpt_oss_pays_it_on_both_layer_types_and_a_dense_model_not_at_all():
    st = OpLatency(catalog.load_model("gpt-oss-20b"), catalog.load_gpu("rtx-4090"), 1, "mxfp4", engine="llamacpp")
    ops = routed(st.decode(100, 1))
    assert [o[0] for o in ops] == [f"{NAME} (12 layers × {FIT['per_layer_us']:g} us)"] * 2
    assert sum(o[1] for o in ops) == pytest.approx(24 * FIT["per_layer_us"] * 1e-6, rel=1e-12)
    dense = OpLatency(catalog.load_model("llama-3-8b"), catalog.load_gpu("rtx-4090"), 1, "q4_0", "q4_0",
                      engine="llamacpp")
    assert not routed(dense.decode(100, 1))


def test_the_term_moves_the_step_by_itself():
    st, base = qwen(), qwen()
    tables.load("fitted")  # cached: the patched copy below is this process's only
    with_route = st.decode(1000, 1).seconds
    without = base.decode(1000, 1).seconds - 48 * FIT["per_layer_us"] * 1e-6 + 48 * 7e-6
    old = dict(tables.load("fitted"))
    try:
        tables.load("fitted").pop("moe_route")
        assert qwen().decode(1000, 1).seconds == pytest.approx(without, rel=1e-9)
    finally:
        tables.load("fitted").clear()
        tables.load("fitted").update(old)
    assert qwen().decode(1000, 1).seconds == pytest.approx(with_route, rel=1e-12)


def test_the_stored_figure_reproduces_its_fit_error_on_its_rows():
    """fit.py's objective recomputed: the median |error| of the 18 rows with the stored figure."""
    pa = _load("perf_accuracy", "scripts/perf_accuracy.py")
    rows = [e for e in yaml.safe_load((pa.PUB / "measurements.yaml").read_text())
            if e["engine"] == "llamacpp" and e["id"] not in pa.NOT_FITTED and pa.PHASE[e["metric"]] == "decode"
            and pa._is_moe(e["model"])]
    errs = [abs(pa.per_token_error(e["metric"], pa.predict(e), e["value"])) for e in rows]
    assert len(rows) == 18 and round(statistics.median(errs), 4) == FIT["fit_median_abs_error"]


def test_a_profile_refit_prices_its_rows_under_the_held_terms():
    """fit.py --profile: the rows' coefficients at the stored constants give the stored prediction, an fp16 prompt
    row's GEMMs at the fitted f16_gemm share (fit.hold_fitted_terms; before it, at the MAMF share: 8.6 % off here)."""
    fit = _load("fit", "benchmarks/latency/fit.py")
    doc = tables.load("fitted")
    meas = {e["id"]: e for e in yaml.safe_load((fit.pa.PUB / "measurements.yaml").read_text())}
    fit.hold_fitted_terms(doc)
    c = doc["engines"]["llamacpp"]
    for i in ("llamacpp-4090-llama3-8b-f16-pp512", "llamacpp-pr16834-4090-qwen3-30b-a3b-q4_0-tg128-master"):
        r = fit.coefficients(meas[i])
        f = c.get("dequant", {}).get(r["w"], {}).get("factor", 1.0)
        assert fit._time(r, c, f) == pytest.approx(fit.row_time(meas[i], doc), rel=1e-9)
