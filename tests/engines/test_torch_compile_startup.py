"""torch.compile's share of vLLM's start-up (issue 20 item 1, item 4): vLLM compiles the model inside
the profile run that sizes the KV cache, and what a cold compile cache costs is not in its code, so
kvplan charges nothing, carries a band FITTED on fit-side logs only, and the verdict leans to
"at risk" (engines/vllm/startup.py torch_compile_part, startup.yaml
torch_compile_cold_uncertainty_bytes)."""
import json
import math
from pathlib import Path

import yaml
from typer.testing import CliRunner

from kvplan import api
from kvplan.cli import app
from kvplan.engines.vllm import startup

ROOT = Path(__file__).resolve().parents[2]
GiB = 2**30
ENTRY = yaml.safe_load((ROOT / "kvplan" / "engines" / "vllm" / "startup.yaml").read_text())[
    "torch_compile_cold_uncertainty_bytes"]


def _part(r, key):
    return next((p for p in r.stages[0].budget if p.key == key), None)


def test_the_band_is_the_fit_side_cold_step_rounded_up():
    # each pair is a cold start-up and a warm one with the same args; the logs print GiB to 0.01,
    # so the step is at most (warm − cold) + 0.01 GiB: the band is the largest such bound
    steps = [round(p["warm_gib"] - p["cold_gib"], 2) for p in ENTRY["fitted_on"]]
    assert steps == [0.56, 0.56]
    assert startup.const("torch_compile_cold_uncertainty_bytes") == math.ceil((max(steps) + 0.01) * GiB)
    assert ENTRY["kind"] == "FITTED"


def test_fitted_only_on_fit_side_urls():
    split = json.loads((ROOT / "tests" / "data" / "startup_logs_split.json").read_text())
    rounds = [split] + [v for k, v in split.items() if k.startswith("round_")]
    fit = set().union(*(r.get("fit_urls", ()) for r in rounds))
    held = set().union(*(r.get("held_out_urls", ()) for r in rounds))
    for p in ENTRY["fitted_on"]:
        assert p["url"] in fit and p["url"] not in held, p["url"]


def test_compiled_start_up_carries_the_band_and_charges_no_bytes():
    c = api.fit("qwen2.5-3b", "rtx-3090", max_model_len=8192, gpu_memory_utilization=0.85)
    e = api.fit("qwen2.5-3b", "rtx-3090", max_model_len=8192, gpu_memory_utilization=0.85, enforce_eager=True)
    tc = _part(c, "torch_compile")
    assert (tc.bytes, tc.uncertainty) == (0, 612_032_840)
    assert "FITTED" in tc.source and "startup.yaml" in tc.source
    assert _part(e, "torch_compile") is None  # --enforce-eager: no compile
    # no bytes: the compiled budget differs from the eager one by the CUDA-graph estimate alone
    assert e.kv_budget_bytes - c.kv_budget_bytes == _part(c, "cuda_graphs").bytes
    # --kv-cache-memory: vLLM still compiles in the profile run, but measures nothing
    k = api.fit("qwen2.5-3b", "rtx-3090", max_model_len=8192, kv_cache_memory=8 * GiB)
    assert _part(k, "torch_compile") is None


def test_a_margin_inside_the_band_only_is_at_risk():
    # pick the utilization whose margin lies between the other terms' errors and those plus the
    # compile band: "fits" without the band, "at risk" with it
    base = api.fit("qwen2.5-3b", "rtx-3090", max_model_len=8192, gpu_memory_utilization=0.5)
    band = startup.const("torch_compile_cold_uncertainty_bytes")
    others = base.judgement.uncertainty_bytes - band
    target = others + band // 2
    util = 0.5 + (target - base.judgement.margin_bytes) / base.gpu_memory_bytes
    r = api.fit("qwen2.5-3b", "rtx-3090", max_model_len=8192, gpu_memory_utilization=util)
    v = r.judgement
    assert others < v.margin_bytes <= v.uncertainty_bytes == others + band
    assert v.verdict == "at_risk"


def test_explain_names_the_term():
    out = CliRunner().invoke(app, ["fit", "qwen2.5-3b", "--gpu", "rtx-3090", "--max-model-len", "8192",
                                   "--explain"]).output
    flat = " ".join(out.split())
    assert "estimated terms (bytes either way):" in flat
    assert "torch.compile, cold cache (estimated) ±612.03 MB (583.68 MiB)" in flat
    eager = CliRunner().invoke(app, ["fit", "qwen2.5-3b", "--gpu", "rtx-3090", "--max-model-len", "8192",
                                     "--enforce-eager", "--explain"]).output
    assert "torch.compile" not in eager


def test_compile_states_match_their_rows():
    # tests/data/vllm_startup_compile.json: each row exists, "eager" exactly where the row runs
    # --enforce-eager, and the quoted line is the engine's own marker for the state
    logs = {e["id"]: e for e in json.loads((ROOT / "tests" / "data" / "vllm_startup_logs.json").read_text())["logs"]}
    marks = {"cold": "Compiling a graph for", "warm": ("Directly load the compiled graph", "Directly load AOT compilation"),
             "eager": ("Enforce eager set", "enforce_eager in the row's flags")}
    data = json.loads((ROOT / "tests" / "data" / "vllm_startup_compile.json").read_text())["logs"]
    assert {x["state"] for x in data} == {"eager", "cold", "warm"}
    for x in data:
        e = logs[x["id"]]
        eager = bool((e.get("flags") or {}).get("enforce_eager") or (e.get("kvplan") or {}).get("enforce_eager"))
        assert (x["state"] == "eager") == eager, x["id"]
        m = marks[x["state"]]
        assert any(k in x["line"] for k in (m if isinstance(m, tuple) else (m,))), x["id"]


def test_the_terms_source_word_for_word():
    # --explain and --json print the source: it cites where vLLM compiles (the profile run) and the
    # range of cold-compile steps the yaml entry lists (0.00 GiB, Gemma-4-E4B, to 0.81 GiB,
    # R1-Distill-Qwen-14B with LoRA), and names the entry the band comes from
    c = api.fit("qwen2.5-3b", "rtx-3090", max_model_len=8192, gpu_memory_utilization=0.85)
    assert _part(c, "torch_compile").source == (
        "not charged: a cold compile in the profile run (gpu_worker.py determine_available_memory, "
        "memory_profiling) costs 0 to 0.81 GiB in the logs, a warm cache nothing; a band FITTED on "
        "fit-side logs, not vLLM's code (engines/vllm/startup.yaml torch_compile_cold_uncertainty_bytes)")
    src = " ".join(ENTRY["source"].split())
    assert "0.00 for Gemma-4-E4B" in src and "and 0.81 GiB for Qwen3-14B and R1-Distill-Qwen-14B" in src


def test_a_warm_cache_drops_the_band_and_nothing_else():
    # --compile-cache warm: vLLM loads the compiled graphs (compilation/backends.py CompilerManager.compile,
    # "Directly load the compiled graph(s) ... from the cache"), so no compile band; the bytes are as before
    kw = dict(max_model_len=8192, gpu_memory_utilization=0.85)
    c = api.fit("qwen2.5-3b", "rtx-3090", **kw)
    w = api.fit("qwen2.5-3b", "rtx-3090", compile_cache="warm", **kw)
    cold = api.fit("qwen2.5-3b", "rtx-3090", compile_cache="cold", **kw)
    band = startup.const("torch_compile_cold_uncertainty_bytes")
    assert (_part(w, "torch_compile").bytes, _part(w, "torch_compile").uncertainty) == (0, 0)
    assert "backends.py" in _part(w, "torch_compile").source
    assert w.kv_budget_bytes == c.kv_budget_bytes == cold.kv_budget_bytes
    assert c.judgement.uncertainty_bytes - w.judgement.uncertainty_bytes == band == 612_032_840
    assert cold.judgement.uncertainty_bytes == c.judgement.uncertainty_bytes  # not stated: as cold


def test_a_margin_inside_the_band_fits_with_a_warm_cache():
    base = api.fit("qwen2.5-3b", "rtx-3090", max_model_len=8192, gpu_memory_utilization=0.5)
    band = startup.const("torch_compile_cold_uncertainty_bytes")
    others = base.judgement.uncertainty_bytes - band
    util = 0.5 + (others + band // 2 - base.judgement.margin_bytes) / base.gpu_memory_bytes
    cold = api.fit("qwen2.5-3b", "rtx-3090", max_model_len=8192, gpu_memory_utilization=util)
    warm = api.fit("qwen2.5-3b", "rtx-3090", max_model_len=8192, gpu_memory_utilization=util, compile_cache="warm")
    assert (cold.verdict, warm.verdict) == ("at_risk", "fits")
    assert warm.judgement.uncertainty_bytes == others < warm.judgement.margin_bytes


def test_compile_cache_bad_value_is_one_line():
    import pytest

    from kvplan.errors import KvplanError
    with pytest.raises(KvplanError, match="compile_cache=\"hot\" is not one of: warm, cold"):
        api.fit("qwen2.5-3b", "rtx-3090", max_model_len=8192, compile_cache="hot")
    r = CliRunner().invoke(app, ["fit", "qwen2.5-3b", "--gpu", "rtx-3090", "--compile-cache", "hot"])
    assert r.exit_code == 2 and r.output.strip().splitlines() == [
        "kvplan: error: --compile-cache hot is not one of: warm, cold"]


def test_check_log_reads_the_compile_cache():
    # vLLM 0.33.0 compilation/backends.py CompilerManager.compile's two lines; one compile makes the
    # start-up cold, VLLM_DISABLE_COMPILE_CACHE=1 (envs.py) too
    from kvplan.observe import log_flags, logs

    head = "(EngineCore_DP0 pid=1) INFO 12-07 10:00:00 [backends.py:311] "
    warm = head + "Directly load the compiled graph(s) for compile range (1, 8192) from the cache, took 3.210 s"
    cold = head.replace("311", "418") + "Compiling a graph for compile range (1, 8192) takes 21.50 s"
    kv = "(EngineCore_DP0 pid=1) INFO 12-07 10:00:05 [gpu_worker.py:300] Available KV cache memory: 10.00 GiB"
    assert logs.parse("\n".join([warm, kv])).flags["compile_cache"] == "warm"
    assert logs.parse("\n".join([warm, cold, kv])).flags["compile_cache"] == "cold"
    assert logs.parse("\n".join([cold, warm, kv])).flags["compile_cache"] == "cold"
    assert logs.parse("VLLM_DISABLE_COMPILE_CACHE=1 vllm serve x\n" + warm + "\n" + kv).flags["compile_cache"] == "cold"
    assert "compile_cache" not in logs.parse(kv).flags
    opts, _, _ = log_flags.vllm_options(logs.parse("\n".join([warm, kv])).flags)
    assert opts.compile_cache == "warm"
