"""Session 19's mutation survivors in bench.py's arrival processes and start-up release (mut19b): a vllm bench
serve result at burstiness 0 refused word for word; SGLang bench_serving's and inference-perf's levels replayed
as Poisson; a multi-step (V0) replay planned with kvplan's own vLLM whatever release the run states."""
import json
from pathlib import Path

import pytest

from kvplan.engines import ServeOptions
from kvplan.errors import KvplanError
from kvplan.observe import bench
from kvplan.plan import simulate as sim
from kvplan.sources import catalog

FIX = Path(__file__).parent.parent / "fixtures" / "bench"


@pytest.mark.parametrize("b, shown", [(0.0, "0"), (-1.5, "-1.5")])
def test_a_burstiness_not_above_zero_is_refused_word_for_word(tmp_path, b, shown):
    # vllm bench serve draws gamma gaps of shape burstiness: 0 is no distribution (the mutant `b >= 0` let 0 by)
    f = tmp_path / "r.json"
    f.write_text(json.dumps(json.loads((FIX / "vllm_llama-3.2-3b_4xl40s_rate10.json").read_text()) | {"burstiness": b}))
    with pytest.raises(KvplanError) as e:
        bench.read(f)
    assert str(e.value) == f"burstiness must be > 0, got {shown}"


@pytest.mark.parametrize("name", ["sglang_llama-3.3-70b_4xh200_online.jsonl",
                                  "inference-perf_llama-3-8b_a100_stage_0_lifecycle_metrics.json"])
def test_sglang_and_inference_perf_levels_are_poisson(name):
    # neither file states an arrival process: SGLang bench_serving draws exponential gaps, inference-perf's
    # "constant" load rescales exponential gaps (Level.arrivals' default)
    levels = bench.read(FIX / name)
    assert levels and {lv.arrivals for lv in levels} == {"poisson"}


def _limits(monkeypatch, version, steps):
    """What bench.replay gives engine_limits (the opts) and the simulator (the limits) for one Qwen3-32B level on
    one H100 at max-model-len 16,000 (test_bench_startup_version.py's setting), the simulator replaced."""
    seen, real = [], sim.engine_limits

    def spy(*a, **kw):
        seen.append(a[4])
        return real(*a, **kw)

    def fake_simulate(*a, limits=None, **kw):
        seen.append(limits)
        raise StopIteration

    monkeypatch.setattr(sim, "engine_limits", spy)
    monkeypatch.setattr(sim, "simulate", fake_simulate)
    lv = bench.Level("printed", "x", None, 1.0, None, 4, "1000", "10", {}, engine_version=version)
    with pytest.raises(StopIteration):
        bench.replay([lv], catalog.load_model("qwen3-32b"), catalog.load_gpu("h100-sxm-80gb"),
                     opts=ServeOptions(max_model_len=16000), max_requests=4, scheduler_steps=steps)
    return seen


def test_a_multi_step_replay_plans_kvplans_own_vllm_whatever_release_it_states(monkeypatch):
    # --num-scheduler-steps 8 is vLLM V0, whose start-up is not modelled: the stated 0.11.0 is not passed on
    # (the mutant that dropped scheduler_steps from startup_opts planned 0.11.0's smaller budget)
    opts8, lim8 = _limits(monkeypatch, "0.11.0", 8)
    own = _limits(monkeypatch, None, 8)[1]
    opts1, lim1 = _limits(monkeypatch, "0.11.0", 1)
    assert (opts8.vllm_version, opts1.vllm_version) == (None, "0.11.0")
    assert lim8.kv_tokens == own.kv_tokens > lim1.kv_tokens
