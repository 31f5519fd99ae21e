"""A run whose server had no CUDA graphs (vLLM's --enforce-eager, SGLang's --disable-cuda-graph) is
replayed with the step model's eager overhead (latency/profile.py ``Profile.overhead``: the profile's
per_layer_us_eager on every pass), where it took the engine's graphs default: benchmarks/serving/
accuracy.py reads the flag, ``ServeOptions.enforce_eager`` carries it, latency/versions.py
``cuda_graphs`` turns it into the step model's switch (bench.replay, simulate)."""
import importlib.util
from pathlib import Path

import pytest

from kvplan.engines.base import ServeOptions
from kvplan.observe import bench
from kvplan.plan import simulate as sim
from kvplan.plan.latency.step import OpLatency
from kvplan.plan.latency.versions import cuda_graphs
from kvplan.sources import catalog

DIR = Path(__file__).resolve().parents[2] / "benchmarks" / "serving"


@pytest.fixture(scope="module")
def acc():
    spec = importlib.util.spec_from_file_location("serving_accuracy_eager", DIR / "accuracy.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_the_flags_that_turn_graphs_off(acc):
    """The server command before its parenthesised notes: either engine's switch, and nothing else."""
    assert acc.eager({"flags": "vllm serve Qwen/Qwen3-32B --enforce-eager --max-model-len 4096"})
    assert acc.eager({"flags": "python3 -m sglang.launch_server --model-path Q --disable-cuda-graph (defaults: radix "
                               "cache on)"})
    assert not acc.eager({"flags": "vllm serve Q --max-num-seqs 8 (the author's other runs used --enforce-eager)"})
    assert not acc.eager({"flags": "python3 -m sglang.launch_server --cuda-graph-max-bs 512"})
    assert not acc.eager({})


def test_serve_options_to_the_step_models_switch():
    assert cuda_graphs(ServeOptions(enforce_eager=True)) is False
    assert cuda_graphs(ServeOptions()) is None and cuda_graphs(None) is None


def test_simulate_prices_an_eager_server_eager():
    """Llama 3.1 8B on an H100 (vLLM): the step model simulate builds takes graphs off with
    --enforce-eager, so a decode step of one sequence costs (per_layer_us_eager − per_layer_us_graphs)
    × 32 layers more: fitted.yaml's vLLM 115 − 18 = 97 us a layer, 3.104 ms."""
    spec, gpu = catalog.load_model("llama-3.1-8b"), catalog.load_gpu("h100")
    lim = sim.engine_limits(spec, gpu)
    eager, _ = sim._step_model(spec, gpu, 1, lim, ServeOptions(enforce_eager=True), None, None)
    graphs, _ = sim._step_model(spec, gpu, 1, lim, ServeOptions(), None, None)
    assert eager.prof.cuda_graphs is False and graphs.prof.cuda_graphs is True
    f = eager.prof.fit
    extra = (f["per_layer_us_eager"] - f["per_layer_us_graphs"]) * 32 * 1e-6
    assert extra == pytest.approx(0.003104)
    assert eager.decode(1000).seconds - graphs.decode(1000).seconds == pytest.approx(extra)


def test_replay_of_an_eager_run_is_slower_by_the_eager_cost():
    """One vLLM level, C=1, 100 → 20: with --enforce-eager each of its 19 decode steps costs 3.104 ms
    more (the test above), so its mean ITL rises by that much (the prefill too, but that is TTFT's)."""
    spec, gpu = catalog.load_model("llama-3.1-8b"), catalog.load_gpu("h100")
    lv = bench.Level(tool="vllm", source="t", model=None, rate=None, concurrency=1, requests=4,
                     prompt_tokens="100", output_tokens="20")
    a = bench.replay([lv], spec, gpu, opts=ServeOptions(enforce_eager=True), max_requests=4)[0].predicted
    b = bench.replay([lv], spec, gpu, opts=ServeOptions(), max_requests=4)[0].predicted
    assert a["itl_ms"]["mean"] - b["itl_ms"]["mean"] == pytest.approx(3.104, rel=0.01)
