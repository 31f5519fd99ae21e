"""vLLM 0.23.0's cold torch.compile step (issue 20, session 22): read in the vllm-0.23.0 wheel,
v1/worker/gpu_worker.py Worker.determine_available_memory runs profile_run (which compiles the model)
inside utils/mem_utils.py memory_profiling, and config/compilation.py turns on Inductor's
benchmark_combo_kernel under torch >= 2.9, as in 0.29.0; the step's size is not in the code, so
startup.yaml torch_compile_cold_bytes_0_23 is FITTED on vLLM 0.23.0's two fit-side cold logs and
charged from 0.22.0 to 0.28.0, whose wheels read the same."""
import json
from pathlib import Path

from kvplan import api
from kvplan.engines.vllm import startup

ROOT = Path(__file__).resolve().parents[2]
GiB = 2**30


def test_fitted_on_the_two_fit_side_cold_logs_balancing_their_errors():
    entry = startup._data()["torch_compile_cold_bytes_0_23"]
    assert entry["kind"] == "FITTED"
    split = json.loads((ROOT / "tests" / "data" / "startup_logs_split.json").read_text())
    rounds = [split] + [v for k, v in split.items() if k.startswith("round_")]
    fit = set().union(*(r.get("fit_urls", ()) for r in rounds))
    held = set().union(*(r.get("held_out_urls", ()) for r in rounds))
    rows = entry["fitted_on"]
    for p in rows:
        assert p["url"] in fit and p["url"] not in held, p["url"]
    # kvplan's KV bytes over each log's "Available KV cache memory" with nothing charged for the compile:
    # RTX 4090 7,362,659,043 - 6.06 GiB = 855,783,590; H100 9,407,870,306 - 8.61 GiB = 162,953,201
    over = [p["kvplan_kv_bytes_uncharged"] - round(p["available_kv_cache_gib"] * GiB) for p in rows]
    assert over == [855_783_590, 162_953_201]
    # the step c that leaves both at the same relative error: (o1 - c) / 6.06 = -(o2 - c) / 8.61
    c = int((over[0] * 8.61 + over[1] * 6.06) / (8.61 + 6.06))
    assert c == startup.const("torch_compile_cold_bytes_0_23") == 569_583_715


def _part(v, cache=None):
    r = api.fit("qwen2.5-7b", "rtx-4090", engine="vllm", max_model_len=32768, gpu_memory_utilization=0.92,
                max_num_seqs=32, max_num_batched_tokens=2048, vllm_version=v, compile_cache=cache)
    return r, next((p.bytes, p.uncertainty) for p in r.stages[0].budget if p.key == "torch_compile")


def test_charged_from_0_22_to_0_28_unless_warm():
    band = startup.const("torch_compile_cold_uncertainty_bytes")
    cold, c = _part("0.23.0")
    assert c == _part("0.23.0", "cold")[1] == (569_583_715, band)
    warm, w = _part("0.23.0", "warm")
    assert w == (0, 0)
    # the charge comes straight out of the KV budget, nothing else moves
    assert warm.kv_budget_bytes - cold.kv_budget_bytes == 569_583_715
    # the same code in 0.22.0 to 0.28.0 (config/compilation.py benchmark_combo_kernel, the compile inside
    # memory_profiling): 0.23.0's step charged there too; up to 0.21.0 the band only; 0.29.0 its own
    for v in ("0.22.0", "0.22.1", "0.24.0", "0.25.1", "0.26.0", "0.27.1", "0.28.0"):
        assert _part(v)[1] == (569_583_715, band), v
    assert _part("0.21.0")[1] == _part("0.19.0")[1] == _part("0.33.0")[1] == (0, band)
    assert _part("0.29.0")[1] == (startup.const("torch_compile_cold_bytes_0_29"), band)
