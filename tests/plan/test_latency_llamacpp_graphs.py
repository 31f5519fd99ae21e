"""When llama.cpp runs its steps as CUDA graphs (issue 21, session 20), by the code of the builds the rows name.

- A prompt's passes run eager in every build: ggml-cuda's graph check refuses a graph when a node adds a multi-row
  src1 ("disable CUDA graphs for batch size > 1", engines.yaml llamacpp ``prefill_cuda_graphs_source``), so a
  ubatch of prompt tokens pays the eager per-layer cost; a one-token decode step stays graphed.
- Rows from builds before PR #6766 (2023-10 and 2024-01) and rows on a GPU below compute capability 8.0 (the T4,
  before PR #25749) ran eager: benchmarks/published/cuda_graphs_off.yaml names them."""
import importlib.util
from pathlib import Path

import pytest
import yaml

from kvplan.plan.latency import tables
from kvplan.plan.latency.step import OpLatency
from kvplan.sources import catalog

ROOT = Path(__file__).resolve().parents[2]
C = tables.load("fitted")["engines"]["llamacpp"]


def _pa():
    spec = importlib.util.spec_from_file_location("perf_accuracy", ROOT / "scripts" / "perf_accuracy.py")
    pa = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(pa)
    return pa


def overhead(step):
    (op,) = [o for o in step.ops if o[0] == "engine overhead (per step)"]
    return op


def test_a_prompt_pass_is_eager_and_a_decode_step_graphed():
    assert tables.load("engines")["llamacpp"]["prefill_cuda_graphs"] is False
    st = OpLatency(catalog.load_model("llama-3-8b"), catalog.load_gpu("rtx-4090"), 1, "fp16", "fp16",
                   engine="llamacpp")
    assert C["per_layer_us_eager"] > C["per_layer_us_graphs"]
    pre = overhead(st.prefill(512, 1))  # one ubatch: 512 tokens
    assert pre[1] == pytest.approx(C["base_ms"] * 1e-3 + 32 * C["per_layer_us_eager"] * 1e-6 + C["per_seq_us"] * 1e-6,
                                   rel=1e-12)
    assert "this pass runs eager" in pre[3]
    dec = overhead(st.decode(100, 1))
    assert dec[1] == pytest.approx(C["base_ms"] * 1e-3 + 32 * C["per_layer_us_graphs"] * 1e-6
                                   + C["per_seq_us"] * 1e-6, rel=1e-12)
    assert "CUDA graphs on" in dec[3]


def test_old_builds_and_the_t4_rows_are_listed_eager():
    pa = _pa()
    rows = [e for e in yaml.safe_load((pa.PUB / "measurements.yaml").read_text()) if e["engine"] == "llamacpp"]
    old = {e["id"] for e in rows if "2023" in e["engine_version"] or "January 2024" in e["engine_version"]}
    t4 = {e["id"] for e in rows if e["gpu"] == "t4"}
    assert len(old) == 6 and len(t4) == 4
    assert old | t4 <= pa.GRAPHS_OFF
    # every other llama.cpp row (May 2024 on, compute capability 8.0 and up) runs graphed decode steps
    assert not {e["id"] for e in rows} - old - t4 & pa.GRAPHS_OFF


def test_an_eager_row_pays_the_eager_layers_on_every_decode_step():
    pa = _pa()
    meas = {e["id"]: e for e in yaml.safe_load((pa.PUB / "measurements.yaml").read_text())}
    e = meas["majestic-t4-llama3-8b-f16-tg128-0716"]
    eager = pa.model_for(e).decode(10, 1).seconds
    graphed = OpLatency(catalog.load_model("llama-3-8b"), catalog.load_gpu("t4"), 1, "fp16", "fp16",
                        engine="llamacpp").decode(10, 1).seconds
    assert eager - graphed == pytest.approx(32 * (C["per_layer_us_eager"] - C["per_layer_us_graphs"]) * 1e-6, rel=1e-9)
