"""SGLang's memory used before its baseline and while loading, read from the FIT half of the
SGLang start-up logs (tests/data/startup_logs_split.json), term by term (issue 20); since session 15
one term (NCCL on PCIe-only cards, PCIE_SEEN_ROW) from a seen log, whose held-out figure was printed.

    PYTHONPATH=. python scripts/fit_sglang_startup.py

prints the figures stored in kvplan/engines/sglang_startup.py; tests/engines/test_sglang_startup_fit.py
checks that they agree to the byte. Each log figure is SGLang's two-decimal "GB" (GiB), taken as
round(x × 2**30) bytes; every GPU total is kvplan's (model_specs/gpus.yaml, CUDA's total).
A row on the held-out side is refused unless it is seen (never tune on an unprinted held-out row).
"""
from __future__ import annotations

import json
import math
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "scripts")]

GiB = 2**30
# the fit-side rows each term reads (ids in tests/data/sglang_startup_logs.json)
TP1_ROWS = {"datacenter": "llmd-gke-snapshot_h100_qwen3-32b_sglang0.5.19_mfs0.9",
            "display": "jerryzsj_sglang_rtx3090_r1-distill-qwen-7b_mfs0.88"}
TP_N_ROWS = ("vllm21348_sglang_4xh100_qwen3-235b-a22b-fp8_tp4_mfs0.93",
             "inferencex2128_sglang_8xh200_dsv4-pro-fp8_tp8_mfs0.88")
# Session 15: NCCL's share on PCIe-only cards, read from SGLang's own line in a SEEN log (held out in
# round 2, its held-out figure printed then; the lead allows fitting on seen rows from session 15 on).
# No fit-side SGLang log runs on PCIe-only cards at TP > 1.
PCIE_SEEN_ROW = "llmsinclouds_sglang0.4.3_4xl4_qwq-32b_tp4_mfs0.85"


def _b(gib: float) -> int:
    return round(gib * GiB)


def _rows() -> dict[str, dict]:
    import startup_log_baseline as base

    logs = json.loads((ROOT / "tests" / "data" / "sglang_startup_logs.json").read_text())["logs"]
    out = {}
    for e in logs:
        if e["id"] in (*TP1_ROWS.values(), *TP_N_ROWS):
            if not base._side(e["url"]).startswith("fit"):
                raise SystemExit(f"{e['id']} is not on the fit side")
            out[e["id"]] = e
    return out


def _kvplan_weights(e: dict) -> int:
    """kvplan's weights as loaded for the row (parameters × format), the GPU with the most,
    without LOAD_EXTRA (the term read here)."""
    import startup_log_baseline as base

    rep = base._sglang(base._inputs(e, "sglang"))
    return max(s.weights_as_loaded - s.part("load_extra") for s in rep.stages)


def _gpu(e: dict):
    from kvplan.sources import catalog

    return catalog.load_gpu(e["kvplan"]["gpu"])


def derive() -> dict[str, int]:
    from kvplan.engines.sglang_startup import custom_all_reduce_bytes

    rows = _rows()
    out = {}
    # 1. allocated while loading beyond kvplan's parameters: 'Load weight end ... mem usage' − kvplan
    extra = {k: _b(rows[i]["weights_mem_usage_gib"]) - _kvplan_weights(rows[i]) for k, i in TP1_ROWS.items()}
    out["load_extra"] = max(extra.values())  # the larger: the cautious side
    # 2. used before the baseline on one GPU: CUDA's total − 'Load weight begin. avail mem'
    for k, i in TP1_ROWS.items():
        out[f"tp1_{k}"] = _gpu(rows[i]).usable_bytes - _b(rows[i]["pre_load_avail_gib"])
    # 3. more on each GPU at TP > 1 (NCCL communicators, pre-warm), beyond the datacenter context
    #    and the custom all-reduce buffers (computed)
    nccl = {}
    for i in TP_N_ROWS:
        e, gpu = rows[i], _gpu(rows[i])
        if e.get("avail_mem_after_load_gib") is not None and e.get("weights_mem_usage_gib") is not None:
            pre = _b(e["avail_mem_after_load_gib"]) + _b(e["weights_mem_usage_gib"])  # the log's own
        else:  # the pool: SGLang sizes tokens = rest // cell, so rest ≥ tokens × cell (the least: cautious)
            mfs = e["flags"]["mem_fraction_static"]
            cell = _cell(e)
            pre = math.ceil((e["kv_tokens"] * cell + _kvplan_weights(e) + out["load_extra"]) / mfs)
        nccl[i] = gpu.usable_bytes - pre - out["tp1_datacenter"] - custom_all_reduce_bytes(e["tp"])
    out["nccl"] = max(nccl.values())
    # 4. NCCL's share on PCIe-only cards: SGLang's "Init torch distributed ends. mem usage=X GB"
    #    (init_torch_distributed: free memory before the groups less after them, the context excluded)
    out["nccl_pcie"] = _b(_init_dist_usage(_seen_row(PCIE_SEEN_ROW)))
    out["_by_row"] = {**{f"load_extra {i}": v for i, v in zip(TP1_ROWS.values(), extra.values())},
                      **{f"nccl {i}": v for i, v in nccl.items()}}
    return out


def _seen_row(row_id: str) -> dict:
    """A row whose held-out figure was printed in an earlier round (seen), or a fit-side row;
    refuses a row of a round whose held-out figures are not yet printed."""
    import startup_log_baseline as base

    logs = json.loads((ROOT / "tests" / "data" / "sglang_startup_logs.json").read_text())["logs"]
    e = next(e for e in logs if e["id"] == row_id)
    side = base._side(e["url"])
    if not (side.startswith("fit") or side.endswith(", seen)")):
        raise SystemExit(f"{row_id} is {side}: neither fit nor seen")
    return e


def _init_dist_usage(e: dict) -> float:
    """The GB figure of the row's "Init torch distributed ends. mem usage=X GB" line."""
    import re

    return next(float(m.group(1)) for v in e["verbatim"]
                if (m := re.search(r"Init torch distributed ends\. mem usage=([\d.]+) GB", v)))


def _cell(e: dict) -> int:
    import startup_log_baseline as base

    rep = base._sglang(base._inputs(e, "sglang"))
    return rep.capacity.detail["cell_size_bytes"]


if __name__ == "__main__":
    d = derive()
    for k, v in d.pop("_by_row").items():
        print(f"{k}: {v:,} bytes ({v / GiB:.3f} GiB)")
    for k, v in d.items():
        print(f"{k} = {v:,}  # {v / GiB:.3f} GiB")
