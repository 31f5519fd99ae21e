"""docs/perf-accuracy.md is what scripts/perf_accuracy.py computes now, and the README quotes it."""
import importlib.util
import re

from conftest import ROOT

spec = importlib.util.spec_from_file_location("perf_accuracy", ROOT / "scripts" / "perf_accuracy.py")
pa = importlib.util.module_from_spec(spec)
spec.loader.exec_module(pa)


def test_page_is_current():
    assert (ROOT / "docs" / "perf-accuracy.md").read_text() == pa.render(), \
        "run `python scripts/perf_accuracy.py` to refresh docs/perf-accuracy.md"


def test_at_least_15_measurements_and_readme_quotes_the_median():
    rows = pa.rows()
    assert len(rows) >= 15
    s = pa.summary(rows)
    readme = (ROOT / "README.md").read_text()
    m = re.search(r"median absolute error of decode time per token is\s+([\d.]+) %", readme)
    assert m and float(m.group(1)) == round(100 * s["decode_median"], 1)


def test_prediction_by_hand_for_one_entry():
    # TensorRT-LLM static batch, A100 SXM, Llama 2 7B fp16, batch 60, 128 -> 2048: the throughput is
    # 60 × 2048 / (prefill of 60 × 128 tokens + 2,047 decode steps at contexts 129 ... 2,175)
    from kvplan.sources import catalog
    from kvplan.plan import perf

    e = next(x for x in pa.yaml.safe_load((pa.PUB / "measurements.yaml").read_text())
             if x["id"] == "trtllm-a100-llama2-7b-fp16-bs60-128-2048-throughput")
    r = perf.Roofline(catalog.load_model("llama-2-7b"), catalog.load_gpu("a100-sxm-80gb"), 1, "fp16", "fp16")
    t = r.prefill(128, 60).seconds + sum(r.decode(128 + k, 60).seconds for k in range(1, 2048))
    assert pa.predict(e) == 60 * 2048 / t
