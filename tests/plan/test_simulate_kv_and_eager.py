"""simulate takes the engine's cache format and CUDA-graph flags (ux16b): --kv-cache-dtype (vLLM's and
SGLang's name; --kv-dtype in kvplan's names) and --enforce-eager (vLLM) / --disable-cuda-graph (SGLang),
each reaching both fit's KV pool and the step model, as kvplan fit and kvplan perf answer them."""
import json

import pytest
from typer.testing import CliRunner

from kvplan.cli import app
from kvplan.engines.base import ServeOptions
from kvplan.plan import perf
from kvplan.plan import simulate as sim
from kvplan.sources import catalog

runner = CliRunner()
LOAD = ["--concurrency", "16", "--prompt-tokens", "8192", "--output-tokens", "32", "--requests", "16"]


def _json(*args):
    r = runner.invoke(app, list(args))
    assert r.exit_code == 0, r.output
    return json.loads(r.stdout)


@pytest.mark.parametrize("engine,name,fmt", [("vllm", "fp8", "fp8_e4m3"), ("sglang", "fp8_e5m2", "fp8_e5m2")])
def test_kv_cache_dtype_reaches_fits_pool_and_the_step(engine, name, fmt):
    common = ["llama-3.1-8b", "--gpu", "h100", "--engine", engine]
    f = _json("fit", *common, "--kv-cache-dtype", name, "--json")
    plain = _json("simulate", *common, *LOAD, "--json")
    s = _json("simulate", *common, *LOAD, "--kv-cache-dtype", name, "--json")
    assert s["kv_cache"]["fit_tokens"] == f["kv_cache_tokens"] > plain["kv_cache"]["fit_tokens"]
    assert f"--kv-dtype {fmt}" in s["kv_cache"]["source"]  # the fit command it names gives that pool
    assert s == _json("simulate", *common, *LOAD, "--kv-dtype", fmt, "--json")  # kvplan's name, the same run
    assert s["itl_ms"]["mean"] < plain["itl_ms"]["mean"]  # half the K/V read per decode step
    spec, gpu = catalog.load_model("llama-3.1-8b"), catalog.load_gpu("h100")
    lim = sim.engine_limits(spec, gpu, 1, engine, ServeOptions(), kv_dtype=fmt)
    rf, _ = sim._step_model(spec, gpu, 1, lim, ServeOptions(), None, None, fmt)
    assert rf.decode(8192, 16).seconds == perf.perf(spec, gpu, 8192, 16, kv_dtype=fmt, engine=engine).decode.seconds


@pytest.mark.parametrize("engine,flag", [("vllm", "--enforce-eager"), ("sglang", "--disable-cuda-graph")])
def test_eager_reaches_fits_plan_and_the_step_overhead(engine, flag):
    common = ["llama-3.1-8b", "--gpu", "h100", "--engine", engine]
    f = _json("fit", *common, flag, "--json")  # each engine's own spelling (tests/cli/test_walk17.py)
    plain = _json("simulate", *common, *LOAD, "--json")
    s = _json("simulate", *common, *LOAD, flag, "--json")
    assert s["kv_cache"]["fit_tokens"] == f["kv_cache_tokens"]
    if engine == "vllm":  # no CUDA graphs to capture: their memory goes to the cache (fit's plan)
        assert f["kv_cache_tokens"] > plain["kv_cache"]["fit_tokens"]
    assert s["kv_cache"]["source"].split(": ")[0].endswith(flag)
    assert s["itl_ms"]["mean"] > plain["itl_ms"]["mean"]  # the engine's eager per-layer overhead
    assert any(n.startswith(f"no CUDA graphs: {engine}'s step overhead at its eager") for n in s["notes"])


def test_kv_flags_refused_clearly():
    base = ["simulate", "llama-3.1-8b", "--gpu", "h100", *LOAD]
    r = runner.invoke(app, [*base, "--kv-cache-dtype", "fp9"])
    assert r.exit_code == 2 and "--kv-cache-dtype 'fp9' is not one of vllm's names" in r.output
    r = runner.invoke(app, [*base, "--kv-cache-dtype", "fp8", "--kv-dtype", "fp8"])
    assert r.exit_code == 2 and "give --kv-dtype or --kv-cache-dtype, not both" in r.output


def test_eager_and_kv_dtype_reach_sglangs_dp_attention_ranks():
    """mut16c: SGLang's DP attention step (one model per rank) takes --disable-cuda-graph and --kv-dtype as the
    single engine does, and so does vLLM's DP + EP step: the note (the rank's profile), a slower step without
    graphs, and a faster one on an FP8 cache; a plain run has no eager note, and vLLM's source ends on the flag."""
    common = ["qwen3-30b-a3b", "--gpu", "h100", "--engine", "sglang", "--tp", "2", "--dp-size", "2",
              "--enable-dp-attention", *LOAD]
    plain = _json("simulate", *common, "--json")
    eager = _json("simulate", *common, "--disable-cuda-graph", "--json")
    fp8 = _json("simulate", *common, "--kv-dtype", "fp8", "--json")
    assert not any(n.startswith("no CUDA graphs") for n in plain["notes"])
    assert any(n.startswith("no CUDA graphs: sglang's step overhead at its eager") for n in eager["notes"])
    assert eager["itl_ms"]["mean"] > plain["itl_ms"]["mean"]
    assert fp8["itl_ms"]["mean"] < plain["itl_ms"]["mean"]
    common = ["qwen3-30b-a3b", "--gpu", "h100", "--engine", "vllm", "--data-parallel-size", "2",
              "--enable-expert-parallel", *LOAD]  # vLLM's DP + EP step: the same two flags
    plain = _json("simulate", *common, "--json")
    eager = _json("simulate", *common, "--enforce-eager", "--json")
    fp8 = _json("simulate", *common, "--kv-dtype", "fp8", "--json")
    assert eager["itl_ms"]["mean"] > plain["itl_ms"]["mean"] > fp8["itl_ms"]["mean"]
    s = _json("simulate", "llama-3.1-8b", "--gpu", "h100", *LOAD, "--enforce-eager", "--json")
    assert s["kv_cache"]["source"].startswith("kvplan fit llama-3.1-8b --gpu h100-sxm-80gb --tp 1 --engine vllm "
                                              "--enforce-eager: ")
