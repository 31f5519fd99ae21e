"""Session 20's mutation survivors in the release rules (lat21ds) and llama.cpp's eager prompt passes (lat21cpp):
the overhead op names why a pass runs eager, in exact words, and an engine with no engines.yaml entry has no graph
cap (MUTATION.md, session 20, mut20b)."""
import pytest

from kvplan.plan.latency import tables
from kvplan.plan.latency.step import OpLatency
from kvplan.plan.latency.versions import graph_max_batch
from kvplan.sources import catalog

SRC = tables.load("engines")["sglang"]["graph_max_batch"][0]["source"]


def _overhead(step):
    (op,) = [o for o in step.ops if o[0] == "engine overhead (per step)"]
    return op


def test_an_engine_without_an_entry_has_no_graph_cap():
    # "ideal" (kvplan validate's engine) has no engines.yaml entry: no bracket, as for an engine with no brackets
    assert "ideal" not in tables.load("engines")
    assert graph_max_batch("ideal", "SGLang 0.4.3.post2") is None
    assert graph_max_batch("sglang", "SGLang 0.4.3.post2")[0] == 160


def test_a_decode_pass_past_the_cap_names_the_cap_and_its_source():
    st = OpLatency(catalog.load_model("llama-3.1-8b"), catalog.load_gpu("h100-sxm-80gb"), 1, "bf16", "bf16",
                   engine="sglang", graph_max_batch=graph_max_batch("sglang", "0.4.6.post5"))
    assert SRC.startswith("SGLang 0.4.2.post4, 0.4.3.post4 and 0.4.6.post5 (the wheels")
    past = _overhead(st.decode(1000, 161))[3]
    assert f", no CUDA graph captured past 160 sequences: this pass runs eager ({SRC}): " in past
    at = _overhead(st.decode(1000, 160))[3]
    assert ", CUDA graphs on: " in at and "captured past" not in at


def test_a_llamacpp_prompt_pass_says_graphs_capture_decode_only():
    m, g = catalog.load_model("llama-3-8b"), catalog.load_gpu("rtx-4090")
    pre = _overhead(OpLatency(m, g, 1, "fp16", "fp16", engine="llamacpp").prefill(512, 1))[3]
    assert ", CUDA graphs capture decode only: this pass runs eager: " in pre
    off = _overhead(OpLatency(m, g, 1, "fp16", "fp16", engine="llamacpp", cuda_graphs=False).prefill(512, 1))[3]
    assert ", CUDA graphs off: " in off and "decode only" not in off

