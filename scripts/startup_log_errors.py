"""kvplan's vLLM KV budget against real, public vLLM start-up logs, beside aiconfigurator's.

    python scripts/startup_log_errors.py          # the markdown table docs/startup-logs-first-batch.md shows

Data: tests/data/vllm_startup_logs.json (each log's URL, the lines copied from it, the inputs
kvplan is given, and NVIDIA aiconfigurator 0.12.0's estimate_kv_cache result, run offline:
`pip install aiconfigurator==0.12.0`, aiconfigurator_core/sdk/memory.py estimate_kv_cache with
backend "vllm", backend_version "current" and each log's GPU, TP and flags).
tests/plan/test_vllm_startup_logs.py checks that this table is docs/startup-logs-first-batch.md's and bounds the errors.
"""
from __future__ import annotations

import json
from pathlib import Path

DATA = Path(__file__).resolve().parent.parent / "tests" / "data" / "vllm_startup_logs.json"
GiB = 2**30


def kvplan_budget(entry: dict) -> int:
    """kvplan's KV budget per GPU for one log, from model, GPU and the log's flags alone (the same
    path as `kvplan check-log`: kvplan.observe.log_flags.vllm_fit)."""
    from kvplan.sources import catalog
    from kvplan.observe import launch, log_flags

    # the log's release decides the profile run's model runner (engines/vllm/startup.py
    # model_runner), as in scripts/startup_log_baseline.py; a log that names none is not told
    k = {**entry["kvplan"]}
    k.setdefault("vllm_version", entry.get("vllm_version") or "not given")
    spec = launch.row_spec(k)
    gpu = catalog.load_gpu(k["gpu"])
    r = log_flags.vllm_fit(spec, gpu, k, weight_dtype=k.get("weight_dtype"))
    kv = r.kv_budget_bytes
    loaded = r.weights_as_loaded  # what "Model loading took" counts
    if "weights_gib_from_log" in k:  # swap kvplan's weights as loaded for the log's
        kv += loaded - round(k["weights_gib_from_log"] * GiB)
    return kv, loaded


def readme_logs() -> list[dict]:
    """The first collection (batch 2026-12-01), docs/startup-logs-first-batch.md's table; later batches are scored by
    scripts/startup_log_baseline.py into docs/startup-logs.md."""
    return [e for e in json.loads(DATA.read_text())["logs"] if e.get("batch") == "2026-12-01"]


def rows() -> list[dict]:
    out = []
    for e in readme_logs():
        measured = e.get("available_kv_cache_gib")
        row = {"id": e["id"], "url": e["url"], "gpu": e["gpu"], "model": e["model"],
               "measured_gib": measured, "kvplan_gib": None, "kvplan_err": None,
               "weights_log_gib": e.get("model_weights_gib"), "weights_kvplan_gib": None,
               "aic_gib": (e.get("aiconfigurator") or {}).get("predicted_kv_gib"),
               "aic_err": (e.get("aiconfigurator") or {}).get("error_pct"),
               "why_not": e.get("kvplan_skip")}
        if "kvplan" in e and measured:
            kv, w = kvplan_budget(e)
            row["kvplan_gib"] = kv / GiB
            row["weights_kvplan_gib"] = w / GiB
            row["kvplan_err"] = 100 * (kv / GiB - measured) / measured
        out.append(row)
    return out


def table() -> str:
    lines = ["| log (vLLM version) | GPUs | model | weights per GPU, log / kvplan (GiB) | "
             "measured KV (GiB) | kvplan | error | aiconfigurator 0.12 | error |",
             "|---|---|---|---:|---:|---:|---:|---:|---:|"]
    logs = {e["id"]: e for e in readme_logs()}
    for r in rows():
        e = logs[r["id"]]
        ver = e.get("vllm_version") or "?"
        n = e.get("num_gpus") or e.get("tp") or 1
        gpu = f"{n} × {e['gpu'].split(' (')[0]}"
        kv = f"{r['kvplan_gib']:.2f}" if r["kvplan_gib"] is not None else "-"
        ke = f"{r['kvplan_err']:+.1f} %" if r["kvplan_err"] is not None else (
            "not modelled" if r["why_not"] else "no figure")
        ag = f"{r['aic_gib']:.2f}" if r["aic_gib"] is not None else "-"
        ae = f"{r['aic_err']:+.1f} %" if r["aic_err"] is not None else "unsupported"
        measured = f"{r['measured_gib']:.2f}" if r["measured_gib"] is not None else "-"
        wl = f"{r['weights_log_gib']:.2f}" if r["weights_log_gib"] is not None else "-"
        wk = f"{r['weights_kvplan_gib']:.2f}" if r["weights_kvplan_gib"] is not None else "-"
        lines.append(f"| [{r['id']}]({r['url']}) ({ver.split(' ')[0]}) | {gpu} | "
                     f"{e['model'].split(' (')[0]} | {wl} / {wk} | {measured} | {kv} | {ke} | {ag} | {ae} |")
    return "\n".join(lines)


if __name__ == "__main__":
    print(table())
