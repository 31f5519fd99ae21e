"""kvplan's vLLM accounting against vLLM 0.33.0's own planner (tests/golden/vllm_0.33_plan.json).

Each record was measured by running vLLM's own code (engine config, model classes on the meta
device, per-layer KV-cache specs, get_kv_cache_configs, update_kv_cache_capacity) on the CPU
with CUDA probes stubbed as an H100; how: scripts/oracles/vllm_plan_oracle.py and
scripts/oracles/compact_vllm_golden.py. kvplan is given the same config.json, TP, budget and
flags, and must reproduce num_gpu_blocks, the token capacity, the concurrency, the log line,
and the refusals with vLLM's message.
"""
import json
from pathlib import Path

import pytest

from kvplan.sources import catalog, hfconfig as hf
from kvplan.plan import fit
from kvplan.engines import ServeOptions
from kvplan.errors import KvplanError

ROOT = Path(__file__).resolve().parents[1]
DATA = json.loads((ROOT / "golden" / "vllm_0.33_plan.json").read_text())
RECORDS = DATA["records"]
H100 = catalog.load_gpu("h100")
KV = {"auto": None, "fp8": "fp8_e4m3"}


def case_id(r):
    return f"{r['config']}-tp{r['tp']}-{r['kv_cache_dtype']}-{r['max_model_len_requested'] or 'default'}-" \
           f"{r['kv_budget_bytes'] // 2**30}GiB"


def kvplan_fit(r):
    spec = hf.load(ROOT / "fixtures" / "configs" / r["config"])
    opts = ServeOptions(kv_cache_memory=r["kv_budget_bytes"], max_model_len=r["max_model_len_requested"])
    return fit.fit(spec, H100, tp=r["tp"], engine="vllm", kv_dtype=KV[r["kv_cache_dtype"]], opts=opts,
                   check_memory=False)


@pytest.mark.parametrize("r", [r for r in RECORDS if r["status"] in ("ok", "refused")], ids=case_id)
def test_plan_matches_vllm(r):
    got = kvplan_fit(r)
    cap = got.capacity
    assert cap.max_model_len == r["max_model_len"]
    if r["status"] == "refused":
        assert not got.fits
        assert cap.message == r["refusal_message"].strip() or r["refusal_message"].startswith(cap.message)
        return
    assert got.fits, got.message
    d = cap.detail
    assert d["num_gpu_blocks"] == r["num_gpu_blocks"]
    assert cap.kv_cache_tokens == r["kv_cache_tokens"]
    assert cap.max_concurrency == pytest.approx(r["max_concurrency"], rel=1e-12)
    assert cap.log_lines[0] == r["log_line"]
    assert d["block_size"] == r["block_size"]


@pytest.mark.parametrize("r", [r for r in RECORDS if r["status"] not in ("ok", "refused")], ids=case_id)
def test_vllm_config_errors_are_errors(r):
    """Where vLLM refuses the configuration itself (a TP that does not divide the heads, a
    max_model_len beyond the model's), kvplan refuses too, in one line."""
    with pytest.raises(KvplanError):
        kvplan_fit(r)


def test_golden_covers_the_shared_configs():
    configs = {r["config"] for r in RECORDS}
    assert len(configs) >= 20
    assert {r["tp"] for r in RECORDS} == {1, 2, 8}
    assert sum(r["status"] == "refused" for r in RECORDS) >= 10
