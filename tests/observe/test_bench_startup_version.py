"""The serving replay plans a vLLM run's KV budget with the release the run states (issue 20, session 19):
bench.replay passes it to the start-up plan as ``ServeOptions.vllm_version`` (``startup_opts``), as
``kvplan fit --engine-version`` does.

The check against a measured log: llm-d's vLLM 0.11.0 start-up of Qwen3-32B on one H100 80GB at 0.9
with max-model-len 16,000 (tests/data/vllm_startup_logs.json llmd_qwen3-32b_tp1_mml16000, its
verbatim row: "4.45" GiB of KV cache). At 262,144 bytes a token (64 layers x 8 KV heads x 128 x 2 x
2 bytes) that is 4.445 GiB / 262,144 B = 18,206 tokens at the rounding's low end. kvplan's own vLLM
(0.33: the V2 runner's 14-byte sampler warm-up, CUDA graphs charged) plans 6.62 GiB there, 27,104
tokens, more than vLLM 0.11.0 had: a replay of a 0.11.0 run planned that way is optimistic."""
import math

import pytest

from kvplan.engines import ServeOptions
from kvplan.observe import bench
from kvplan.plan import simulate as sim
from kvplan.sources import catalog

LLMD_KV_TOKENS_LOW = math.floor(4.445 * 2**30 / 262_144)  # 18,206: the log's 4.45 GiB at its rounding's low end


@pytest.mark.parametrize("stated, planned", [
    ("0.11.0", "0.11.0"),
    ("v0.11.0", "v0.11.0"),
    ("0.11.0 (vllm/vllm-openai:v0.11.0)", "0.11.0"),
    ("0.10.1.1 (V1)", "0.10.1.1"),
    ("0.8.5", "0.8.5"),
])
def test_startup_opts_takes_the_runs_v1_release(stated, planned):
    got = bench.startup_opts(ServeOptions(max_model_len=16000), "vllm", stated)
    assert got.vllm_version == planned
    assert got.max_model_len == 16000  # the run's other options kept


@pytest.mark.parametrize("stated", [None, "", "not stated (caveat 2)", "0.6.0 (V0, multi-step)",
                                    "0.8.4 (V0: VLLM_USE_V1=0)", "0.4.1"])
def test_startup_opts_leaves_v0_and_unstated_runs_to_kvplans_own_vllm(stated):
    opts = ServeOptions(max_model_len=16000)
    assert bench.startup_opts(opts, "vllm", stated) is opts


def test_startup_opts_leaves_other_engines_multi_step_and_a_named_release_alone():
    opts = ServeOptions()
    assert bench.startup_opts(opts, "sglang", "0.5.5.post1") is opts
    assert bench.startup_opts(opts, "vllm", "0.11.0", scheduler_steps=8) is opts
    named = ServeOptions(vllm_version="0.19.0")
    assert bench.startup_opts(named, "vllm", "0.11.0").vllm_version == "0.19.0"
    assert bench.startup_opts(None, "vllm", "0.11.0").vllm_version == "0.11.0"


def _replayed_limits(monkeypatch, engine_version):
    """The Limits bench.replay hands the simulator for one Qwen3-32B level on one H100 at max-model-len
    16,000 (the simulator itself replaced: only what it is given is checked)."""
    seen = []

    def fake_simulate(*a, limits=None, **kw):
        seen.append(limits)
        raise StopIteration

    monkeypatch.setattr(sim, "simulate", fake_simulate)
    spec, gpu = catalog.load_model("qwen3-32b"), catalog.load_gpu("h100-sxm-80gb")
    lv = bench.Level("printed", "x", None, 1.0, None, 4, "1000", "10", {}, engine_version=engine_version)
    with pytest.raises(StopIteration):
        bench.replay([lv], spec, gpu, opts=ServeOptions(max_model_len=16000), max_requests=4)
    return seen[0]


def test_replay_of_a_0_11_0_run_is_not_more_generous_than_vllm_0_11_0_was(monkeypatch):
    lim = _replayed_limits(monkeypatch, "0.11.0")
    assert lim.kv_tokens <= LLMD_KV_TOKENS_LOW  # never more KV than the engine had
    assert lim.kv_tokens >= 0.97 * LLMD_KV_TOKENS_LOW  # and within 3 % of it (17,936 tokens: -1.5 %)


def test_replay_without_a_release_plans_kvplans_own_vllm(monkeypatch):
    lim = _replayed_limits(monkeypatch, None)
    assert lim.kv_tokens > LLMD_KV_TOKENS_LOW  # 0.33's budget: what a 0.11.0 run would be wrongly given
