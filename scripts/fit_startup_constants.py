"""Fit vLLM's start-up constants on the FIT half of the start-up logs only (issue 20).

Session 11: the sampler's bytes per logit now follow from vLLM's code (38, startup.yaml
sampler_bytes_per_logit) and the non-torch constants were refit by hand on every fit and seen V1
log that states "non-torch memory" (startup.yaml lists them); this script's least-squares fit of
both is the earlier method, kept for the record and for the MXFP4 growth, which it still fits.

    python scripts/fit_startup_constants.py
    python scripts/fit_startup_constants.py nccl   # session 15: nccl_before_snapshot_nvls_bytes only

Reads tests/data/startup_logs_split.json and uses only rows whose URL is in ``fit_urls``
(held-out rows are never read for a figure). Prints the values kvplan/engines/vllm/startup.yaml
stores, with the rows each came from. Model of what a V1 log leaves after weights and KV:

    util × total − weights(log) − available KV(log) = non-torch(tp) + max(forward, sampler)
    sampler = b × min(max_num_seqs, max_num_batched_tokens) × vocab

(b in bytes per logit); least squares over a grid, b in 0.5-byte steps, non-torch in 10 MiB
steps. The MXFP4 post-load growth is (log weights − kvplan's checkpoint weights) / the rank's
MXFP4 expert bytes, per compute capability.
"""
from __future__ import annotations

import json
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
sys.path.insert(0, str(ROOT))
import startup_log_split  # noqa: E402

from kvplan.engines.vllm import settings, startup  # noqa: E402
from kvplan.sources import catalog  # noqa: E402
from kvplan.observe import launch, logs  # noqa: E402

GiB, MiB = 2**30, 2**20
SPLIT = json.loads((ROOT / "tests" / "data" / "startup_logs_split.json").read_text())


def fit_rows() -> list[dict]:
    return [e for e in startup_log_split.all_logs()
            if e["url"] in SPLIT["fit_urls"] and startup_log_split.scored(e) and e.get("engine") == "V1"]


def points():
    out = []
    for e in fit_rows():
        k = e["kvplan"]
        w, kv = e.get("model_weights_gib"), e.get("available_kv_cache_gib")
        if w is None or kv is None:
            continue
        spec, gpu = launch.row_spec(k), catalog.load_gpu(k["gpu"])
        mnbt, seqs = settings.batch_defaults(gpu)
        mnbt, seqs = k.get("max_num_batched_tokens") or mnbt, k.get("max_num_seqs") or seqs
        tp = k.get("tp", 1)
        rank = spec.shard(tp)
        resid = k["gpu_memory_utilization"] * gpu.usable_bytes - w * GiB - kv * GiB
        out.append(dict(id=e["id"], resid=resid, logits=min(seqs, mnbt) * spec.vocab_size,
                        forward=startup.forward_peak(rank, mnbt), tp=tp))
    return out


def model(p, b2, n0, n1):
    return n0 + (n1 if p["tp"] > 1 else 0) + max(p["forward"], b2 * p["logits"] // 2)


def fit_activation():
    pts = points()
    best = None
    for b2 in range(0, 161):  # bytes per logit × 2
        for n0 in range(0, 1000 * MiB, 10 * MiB):
            for n1 in (0,) + tuple(range(10 * MiB, 1000 * MiB, 10 * MiB)):
                err = sum((p["resid"] - model(p, b2, n0, n1)) ** 2 for p in pts)
                if best is None or err < best[0]:
                    best = (err, b2, n0, n1)
    _, b2, n0, n1 = best
    res = {p["id"]: model(p, b2, n0, n1) - p["resid"] for p in pts}
    return b2, n0, n1, res


def fit_mxfp4():
    out = {}
    for e in fit_rows():
        k = e["kvplan"]
        w = e.get("model_weights_gib")
        spec = launch.row_spec(k)
        if w is None or not spec.weight_quant or spec.weight_quant.format != "mxfp4":
            continue
        from kvplan.plan import fit as planfit
        gpu = catalog.load_gpu(k["gpu"])
        rep = planfit.fit(spec, gpu, tp=k.get("tp", 1), engine="ideal")
        sub = spec.shard(k.get("tp", 1))
        q = sub.weight_quant
        mx = sum(n * q.matrix_bytes(o, i) for o, i, n in sub.quantized_matrices())
        # the log's weights hold vLLM's rotary cos/sin table too (engines/vllm/loaded.py
        # rotary_cache_bytes, from code): not part of the experts' growth
        from kvplan.engines.vllm import loaded

        ppm = round(1_000_000 * (w * GiB - rep.weights_bytes - loaded.rotary_cache_bytes(spec)) / mx)
        out.setdefault(settings.capability(gpu), []).append((e["id"], ppm))
    return out


# The fit-side log startup.yaml nccl_before_snapshot_nvls_bytes is fitted on (session 15): the one
# fit-side vLLM log before 0.11.0 with a group of more than two Hopper NVLink GPUs and no connector.
NCCL_FIT_ROW = "evalds_8xh100_qwen3-32b_tp8_fp8kv_v0.10.0"


def fit_nccl_before_snapshot() -> tuple[int, int]:
    """(bytes, the row's KV error in bytes with them): what the fit-side log NCCL_FIT_ROW's
    available KV leaves under kvplan's budget without nccl_before_snapshot_nvls_bytes, planned as
    docs/startup-logs.md plans it (scripts/startup_log_baseline.py). Refuses a held-out row."""
    import startup_log_baseline as base

    e = next(e for e in startup_log_split.all_logs() if e["id"] == NCCL_FIT_ROW)
    assert base._side(e["url"]).startswith("fit"), "fitted on the fit half only"
    k = base._inputs(e, "vllm")
    rep = base._vllm(k)
    term = startup.nccl_before_snapshot(catalog.load_gpu(k["gpu"]), k["tp"], 1, k["vllm_version"])
    log_kv = round(e["available_kv_cache_gib"] * GiB)
    need = rep.kv_budget_bytes + term - log_kv
    return need, rep.kv_budget_bytes - log_kv


if __name__ == "__main__" and sys.argv[1:] == ["nccl"]:
    need, err = fit_nccl_before_snapshot()
    print(f"nccl_before_snapshot_nvls_bytes: {need} bytes ({need / GiB:.3f} GiB), from {NCCL_FIT_ROW} "
          f"(its KV error with the stored value: {err / GiB:+.3f} GiB)")
elif __name__ == "__main__":
    b2, n0, n1, res = fit_activation()
    print(f"sampler bytes per logit: {b2 / 2}")
    print(f"non-torch tp1: {n0} bytes ({n0 / GiB:.3f} GiB); extra for tp > 1: {n1} bytes")
    for i, r in sorted(res.items()):
        print(f"  residual {i}: {r / GiB:+.2f} GiB (kvplan - log)")
    print(f"uncertainty (largest |residual|): {max(abs(r) for r in res.values()) / GiB:.2f} GiB")
    for cap, rows in fit_mxfp4().items():
        print(f"mxfp4 post-load growth sm{cap}: {rows} -> median {statistics.median(r for _, r in rows)} ppm")
