"""Rules that differ by the engine release a row states (issue 21, round 18's DeepSeek-R1 whole batches):

* SGLang 0.4.2-0.4.6 captures decode CUDA graphs up to 160 sequences (server_args cuda_graph_max_bs = 160); a larger
  decode batch runs eager (engines.yaml sglang graph_max_batch; latency/versions.py graph_max_batch);
* a whole static batch is run through the scheduler of the release it states (scripts/perf_accuracy.py
  closed_batch_seconds): vLLM before 0.8.0 is V0, at most 256 running sequences, so a larger batch runs in waves even
  where the KV cache would hold it all."""
import importlib.util

import pytest
import yaml
from conftest import ROOT

from kvplan.plan.latency.step import OpLatency
from kvplan.plan.latency.versions import graph_max_batch, without_engine_name
from kvplan.sources import catalog

spec = importlib.util.spec_from_file_location("perf_accuracy", ROOT / "scripts" / "perf_accuracy.py")
pa = importlib.util.module_from_spec(spec)
spec.loader.exec_module(pa)

ROWS = {e["id"]: e for e in yaml.safe_load((pa.PUB / "measurements.yaml").read_text())}


def test_engine_name_is_stripped_from_a_version_text():
    assert without_engine_name("vLLM 0.7.4.dev181+gf35f8e22 (the README's environment)").startswith("0.7.4.dev181")
    assert without_engine_name("SGLang 0.4.3.post2") == "0.4.3.post2"
    assert without_engine_name("0.7.3") == "0.7.3" and without_engine_name(None) == ""


@pytest.mark.parametrize("version, cap", [("SGLang 0.4.3.post2", 160), ("SGLang 0.4.2.post4 (ROCm)", 160),
                                          ("0.4.6.post5", 160), ("0.4.7", None), ("0.5.6.post1", None),
                                          ("0.4.1", None), (None, None), ("SGLang main of 2025-01-20", None)])
def test_sglang_graph_cap_by_release(version, cap):
    got = graph_max_batch("sglang", version)
    assert (got[0] if got else None) == cap
    assert graph_max_batch("vllm", "0.7.3") is None  # no bracket read for vLLM: every batch graphed, as before


def _overhead(r, batch):
    op = next(o for o in r.decode(3600, batch).ops if o[0].startswith("engine overhead"))
    return op[1], op[3]


def test_sglang_04_decode_past_160_sequences_runs_eager():
    m, g = catalog.load_model("deepseek-r1"), catalog.load_gpu("h200-sxm-141gb")
    old = OpLatency(m, g, 8, "bf16", "fp8", engine="sglang", graph_max_batch=graph_max_batch("sglang", "0.4.3.post2"))
    new = OpLatency(m, g, 8, "bf16", "fp8", engine="sglang")
    f = old.prof.fit
    layers = old.overhead_layers
    for b in (1, 160):  # graphed in both
        assert _overhead(old, b) == _overhead(new, b)
        assert old.decode(3600, b).seconds == new.decode(3600, b).seconds
    t_old, src = _overhead(old, 161)
    t_new, _ = _overhead(new, 161)
    assert "runs eager" in src and "160" in src and "cuda_graph_max_bs" in src
    assert t_new == pytest.approx((f["base_ms"] * 1e3 + f["per_layer_us_graphs"] * layers) * 1e-6)
    assert t_old == pytest.approx((f["base_ms"] * 1e3 + f["per_layer_us_eager"] * layers) * 1e-6)
    assert old.decode(3600, 161).seconds - new.decode(3600, 161).seconds == pytest.approx(t_old - t_new)


def test_rows_pass_their_release_to_the_step_model():
    r = pa.model_for(ROWS["dstack-dsr1-sglang-h200-deepseek-r1-fp8-tp8-bs256-3200-800-latency"])
    assert r.prof.graph_max_batch[0] == 160
    assert pa.model_for(ROWS["dstack-dsr1-vllm-h200-deepseek-r1-fp8-tp8-bs256-3200-800-latency"]).prof.graph_max_batch \
        is None


def _row(batch: int, version: str) -> dict:
    return {"id": "synthetic", "engine": "vllm", "engine_version": version, "model": "llama-3.1-8b",
            "weight_dtype": "bf16", "kv_dtype": "bf16", "gpu": "h100-sxm-80gb", "num_gpus": 1, "batch": batch,
            "input_len": 64, "output_len": 4, "source": "-", "metric": "e2e_latency_s"}


def test_v0_whole_batch_past_256_sequences_runs_in_waves():
    # 300 sequences of 68 tokens fit one H100's KV cache many times over: V1 runs them at once (no simulation), vLLM
    # 0.7.3's V0 admits 256 (max_num_seqs) and the rest after, so the batch is simulated and takes longer
    r = OpLatency(catalog.load_model("llama-3.1-8b"), catalog.load_gpu("h100-sxm-80gb"), 1, "bf16", "bf16",
                  engine="vllm_v06")
    assert pa.closed_batch_seconds(_row(300, "vLLM 0.9.0"), r) is None
    assert pa.closed_batch_seconds(_row(256, "vLLM 0.7.3"), r) is None
    waves = pa.closed_batch_seconds(_row(300, "vLLM 0.7.3"), r)
    assert waves is not None and waves > r.first_token(64, 300) + sum(r.decode(64 + t, 300).seconds for t in (1, 2, 3))
