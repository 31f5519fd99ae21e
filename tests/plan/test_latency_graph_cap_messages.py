"""Session 20's mutation survivors in the release rules (lat21ds) and llama.cpp's eager prompt passes (lat21cpp):
the overhead op names why a pass runs eager, in exact words, and an engine with no engines.yaml entry has no graph
cap; llama.cpp's MoE routed-path fit reproduces its stored figure (MUTATION.md, session 20, mut20b)."""
import importlib.util
from pathlib import Path

from kvplan.plan.latency import tables
from kvplan.plan.latency.step import OpLatency
from kvplan.plan.latency.versions import graph_max_batch
from kvplan.sources import catalog

ROOT = Path(__file__).resolve().parents[2]
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



def test_the_moe_route_fit_reproduces_the_stored_figure_from_its_fit_side_rows():
    """benchmarks/latency/fit.py fit_moe_route on the fit side's llama.cpp rows (engines.yaml llamacpp fit_moe_route
    true) gives fitted.yaml's moe_route entry, figure, row count, error and source; no other engine asks for it."""
    spec = importlib.util.spec_from_file_location("fit", ROOT / "benchmarks" / "latency" / "fit.py")
    fit = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(fit)
    assert [k for k, v in tables.load("engines").items() if v.get("fit_moe_route")] == ["llamacpp"]
    rows = [e for e in fit.fit_side_entries() if e["engine"] == "llamacpp"]
    assert fit.fit_moe_route(rows) == {"llamacpp": tables.load("fitted")["moe_route"]["llamacpp"]}


def _pa():
    spec = importlib.util.spec_from_file_location("perf_accuracy", ROOT / "scripts" / "perf_accuracy.py")
    pa = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(pa)
    return pa


def _row(engine: str, batch: int, version: str | None) -> dict:
    return {"id": "synthetic", "engine": engine, "engine_version": version, "model": "llama-3.1-8b",
            "weight_dtype": "bf16", "kv_dtype": "bf16", "gpu": "h100-sxm-80gb", "num_gpus": 1, "batch": batch,
            "input_len": 64, "output_len": 4, "source": "-", "metric": "e2e_latency_s"}


def test_an_sglang_04_whole_batch_that_fits_runs_at_once():
    # V0's rules are vLLM's alone: SGLang 0.4.3's 300 sequences of 68 tokens (one-token pages) fit one H100's KV cache
    # and its running-request cap, so the batch runs together (no simulation, no V0 error for a pre-0.8.0 number)
    m, g = catalog.load_model("llama-3.1-8b"), catalog.load_gpu("h100-sxm-80gb")
    r = OpLatency(m, g, 1, "bf16", "bf16", engine="sglang")
    assert _pa().closed_batch_seconds(_row("sglang", 300, "SGLang 0.4.3.post2"), r) is None


def test_a_vllm_batch_past_max_num_seqs_runs_its_releases_scheduler():
    # 1,100 sequences > V1's 1,024 (max_num_seqs) run in waves; a release before 0.14.0 schedules without async
    # scheduling (limits.py for_engine_version), so 0.9.0 and 0.13.0 run alike and 0.14.0 as kvplan's own vLLM
    pa = _pa()
    r = OpLatency(catalog.load_model("llama-3.1-8b"), catalog.load_gpu("h100-sxm-80gb"), 1, "bf16", "bf16",
                  engine="vllm")
    t = {v: pa.closed_batch_seconds(_row("vllm", 1100, v), r) for v in ("vLLM 0.9.0", "vLLM 0.13.0", "vLLM 0.14.0",
                                                                         None)}
    assert None not in t.values()
    assert t["vLLM 0.9.0"] == t["vLLM 0.13.0"] and t["vLLM 0.14.0"] == t[None] and t["vLLM 0.9.0"] != t[None]
