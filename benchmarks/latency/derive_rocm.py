"""MI300X's kernel profile, from measurements AMD published: writes kvplan/plan/latency/data/rocm.yaml.

    python benchmarks/latency/derive_rocm.py AITER_CHECKOUT      # a git checkout of ROCm/aiter at AITER_COMMIT

aiconfigurator (kernels.yaml) has no AMD system, so an MI300X was priced by the physics fallback. This script reduces
three published sources to the same curves derive_kernels.py makes from aiconfigurator's tables (same definitions, each
efficiency relative to model_specs/gpus.yaml's datasheet bandwidth and dense peak), for the GPUs of ``GPUS``:

* ``memory_efficiency``: BabelStream 5.0 Copy on one MI300X (AMD's system acceptance guide, ``BABELSTREAM``), the
  bandwidth a streaming kernel reaches; kvplan uses it wherever it prices a memory pass without a kernel curve.
* ``gemm.fp8_block``: AITER's tuned block-scale FP8 GEMM table for DeepSeek-V3's shapes (``GEMM_FP8``, Composable Kernel
  ``a8w8_blockscale``: activations scaled per 1 × 128, weights per 128 × 128), the rows tuned on gfx942 with 304 CUs
  (MI300X); column ``us`` is the kernel's measured time. Efficiency = roofline / measured time by M and by N·K below
  or above 2^24 elements, N and K in [1,024, 16,384] (derive_kernels.gemm_curves); ``floor_us`` the median time at
  M <= 16 of the smallest matrices measured (N·K <= 2^21: DeepSeek-V3 has none below). Only block-scaled FP8
  weights use it (gemm.seconds): a per-tensor FP8 checkpoint runs another kernel (hipBLASLt), with no table here.
* ``moe``: AITER's tuned fused-MoE tables on gfx942 / 304 CUs, fp8 (``MOE_FP8``: DeepSeek-V3 block-scale, 33 experts
  with the shared one fused, top-9, hidden 7,168, expert intermediate 2,048) and bf16 (``MOE_BF16``: Qwen3-235B, 128
  experts, top-8, hidden 4,096, intermediate 384 and 192); column ``us`` is both stages' measured time. Fitted as
  derive_kernels.moe_fit fits aiconfigurator's tables, the experts read being kvplan's E·(1 − (1 − k/E)^T)
  (the tuner routes random scores: uniform routing).
* ``nccl_allreduce``: rccl-tests all_reduce_perf on 8 × MI300X, HIP graphs on (``-G 1``), out-of-place (``RCCL``,
  ROCm blog): α and β least squares over 8 KB to 128 MB (derive_kernels.allreduce), α at least the smallest time.

No measured decode-attention (MLA, paged attention), prefill-attention or bf16 dense-GEMM table for MI300X was found
in a form kvplan can read: those stay the physics fallback, labelled so. MI325X and MI355X have none of these
(AITER's 304-CU rows cannot tell an MI300X from an MI325X, whose bandwidth differs): physics fallback.
"""
from __future__ import annotations

import csv
import io
import statistics
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "kvplan" / "plan" / "latency" / "data" / "rocm.yaml"
sys.path.insert(0, str(ROOT))

from kvplan.plan.latency.moe import expected_experts  # noqa: E402

GPUS = ["mi300x"]
AITER_COMMIT = "e4048607a535ace3a2b51ded31b1c8c2d45c0879"
AITER_URL = f"https://github.com/ROCm/aiter/blob/{AITER_COMMIT}/"
GEMM_FP8 = "aiter/configs/model_configs/a8w8_blockscale_tuned_gemm_ds_v3.csv"
MOE_FP8 = "aiter/configs/model_configs/a8w8_blockscale_tuned_fmoe_ds_v3.csv"
MOE_BF16 = "aiter/configs/model_configs/qwen3_235b_bf16_tuned_fmoe.csv"
M_GRID = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096, 8192]

BABELSTREAM = {
    "url": "https://github.com/ROCm/system-acceptance-docs/blob/058057f6bc65ae222fbbd625dee4937a3e154de0/docs/"
           "performance-bench/mi300x.rst",
    "quote": "BabelStream Version: 5.0 Implementation: HIP ... Using HIP device AMD Instinct MI300X ... Function "
             "MBytes/sec Min (sec) Max Average Copy 4255995.148 0.00101 0.00117 0.00106",
    "copy_mbytes_per_s": 4255995.148,
}
RCCL = {
    "url": "https://github.com/ROCm/rocm-blogs/blob/0e81c2ca45881844429731ad502be4a839ca96f0/blogs/"
           "software-tools-optimization/mi300x-rccl-xgmi/README.md",
    "quote": "mpirun -np 8 --bind-to numa -env NCCL_DEBUG=VERSION rccl-tests/build/all_reduce_perf -b 8 -e 16G -f 2 "
             "-g 1 -G 1 ... AMD Instinct MI300X ... RCCL version : 2.22.3-develop:f5b15f2 ... ROCm version : 6.3.0.0",
    # (bytes, out-of-place time us), copied from the blog's graph-mode (-G 1) table, 8 KB ... 128 MB
    "rows": [(8192, 7.64), (16384, 8.71), (32768, 9.05), (65536, 9.14), (131072, 9.51), (262144, 10.26),
             (524288, 14.26), (1048576, 19.40), (2097152, 35.03), (4194304, 51.83), (8388608, 83.74),
             (16777216, 149.1), (33554432, 243.4), (67108864, 427.9), (134217728, 795.3)],
}


def rows(checkout: Path, path: str) -> list[dict]:
    """The CSV at AITER_COMMIT, its MI300X rows (gfx942, 304 CUs)."""
    text = subprocess.run(["git", "-C", str(checkout), "show", f"{AITER_COMMIT}:{path}"], check=True,
                          capture_output=True, text=True).stdout
    out = []
    for r in csv.DictReader(io.StringIO(text)):
        if r["cu_num"] == "304" and r.get("gfx", "gfx942") == "gfx942":
            out.append(r)
    return out


def _median(xs):
    return round(statistics.median(xs), 4) if xs else None


def gemm_curve(rs: list[dict], bw: float, peak: float, bpw: float) -> dict:
    pts = []
    for r in rs:
        m, n, k, t = int(r["M"]), int(r["N"]), int(r["K"]), float(r["us"]) * 1e-6
        roof = max((n * k * bpw + 2 * m * (n + k)) / bw, 2.0 * m * n * k / peak)
        pts.append((m, n, k, roof / t, t))
    curve = {}
    for cls, big in (("small", False), ("large", True)):
        curve[cls] = [_median([e for m, n, k, e, _ in pts if m == mm and 1024 <= n <= 16384 and 1024 <= k <= 16384
                               and (n * k >= 1 << 24) == big]) for mm in M_GRID]
    floor = statistics.median(t for m, n, k, _, t in pts if m <= 16 and n * k <= 1 << 21)
    return {"m": M_GRID, "efficiency": curve, "floor_us": round(floor * 1e6, 2), "rows": len(pts)}


def moe_fit(rs: list[dict], bw: float, peak: float, bpw: float) -> dict:
    """derive_kernels.moe_fit's model and procedure on AITER's rows (gated experts: w13 + w2 = 3 · I · H)."""
    pts = []
    for r in rs:
        t, h, i = int(r["token"]), int(r["model_dim"]), int(r["inter_dim"])
        e, k = int(r["expert"]), int(r["topk"])
        routed, read = t * k, expected_experts(e, k, t)
        mem = (read * 3 * i * h * bpw + 2 * routed * (3 * i + 2 * h)) / bw
        pts.append((t, mem, 2.0 * routed * 3 * i * h / peak, routed / read, float(r["us"]) * 1e-6))
    alpha = 0.0
    for _ in range(4):
        e_mem = statistics.median(mem / max(lat - alpha, 1e-7) for t, mem, comp, m, lat in pts
                                  if comp < 0.25 * mem and mem > 50e-6)
        alpha = statistics.median(max(lat - mem / e_mem, 0.0) for t, mem, comp, m, lat in pts
                                  if comp < 0.25 * mem and t <= 2)
    ce = []
    for mm in M_GRID:
        sel = [comp / max(lat - alpha, 1e-7) for t, mem, comp, m, lat in pts if comp > mem
               and min(M_GRID, key=lambda g: abs(__import__("math").log(m / g))) == mm]
        ce.append(_median(sel))
    from kvplan.plan.latency import tables
    errs = []
    for t, mem, comp, m, lat in pts:
        c = tables.interp(M_GRID, ce, m) if any(ce) else None
        errs.append(abs((alpha + max(mem / e_mem, comp / c if c else 0.0)) / lat - 1))
    return {"alpha_us": round(alpha * 1e6, 2), "memory_efficiency": round(e_mem, 4), "m": M_GRID,
            "compute_efficiency": ce, "rows": len(pts), "fit_median_abs_error": round(statistics.median(errs), 4)}


def allreduce() -> dict:
    xs = [b for b, _ in RCCL["rows"]]
    ys = [t * 1e-6 for _, t in RCCL["rows"]]
    mx, my = statistics.fmean(xs), statistics.fmean(ys)
    slope = sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sum((x - mx) ** 2 for x in xs)
    a = my - slope * mx
    small = RCCL["rows"][0][1]
    return {8: {"alpha_us": round(max(small, a * 1e6), 2), "beta_bytes_per_s": int(1 / slope)}}


def main(checkout: Path) -> dict:
    gpus = {g["name"]: g for g in yaml.safe_load((ROOT / "model_specs" / "gpus.yaml").read_text())}
    spec = gpus[GPUS[0]]
    bw, peaks = float(spec["memory_bandwidth_bytes_per_s"]), spec["dense_tflops"]
    fp8, bf16 = peaks["fp8"] * 1e12, peaks["bf16"] * 1e12
    aiter = f"AITER ({AITER_URL[:-1]}), "
    kernels = {
        "gemm": {"fp8_block": gemm_curve(rows(checkout, GEMM_FP8), bw, fp8, 1.0),
                 "source": aiter + GEMM_FP8 + ": Composable Kernel a8w8_blockscale, gfx942 / 304 CUs (MI300X), "
                           "column us measured by AITER's tuner"},
        "moe": {"fp8": {"table_dtype": "fp8_block", "kernel": "aiter_ck_moe_2stages",
                        **moe_fit(rows(checkout, MOE_FP8), bw, fp8, 1.0 + 4 / 128 / 128)},
                "bf16": {"table_dtype": "bfloat16", "kernel": "aiter_ck_moe_2stages",
                         **moe_fit(rows(checkout, MOE_BF16), bw, bf16, 2.0)},
                "source": aiter + MOE_FP8 + " (fp8) and " + MOE_BF16 + " (bf16), gfx942 / 304 CUs (MI300X)"},
    }
    fam = {
        "gpus": GPUS,
        "label": "measured ROCm kernel tables: AITER tuned GEMM/MoE, rccl-tests, BabelStream (MI300X)",
        "memory_efficiency": round(BABELSTREAM["copy_mbytes_per_s"] * 1e6 / bw, 4),
        "memory_efficiency_source": f"BabelStream 5.0 Copy on MI300X, 4,256 GB/s of the datasheet's 5,300 "
                                    f"(AMD system acceptance guide: {BABELSTREAM['url']})",
        "memory_efficiency_quote": BABELSTREAM["quote"],
        "engines": {"vllm": kernels, "sglang": kernels},
        "nccl_allreduce": {"by_gpus": allreduce(), "source": f"rccl-tests all_reduce_perf, 8 × MI300X, RCCL 2.22.3, "
                           f"ROCm 6.3, HIP graphs (-G 1), 8 KB-128 MB ({RCCL['url']})", "quote": RCCL["quote"]},
    }
    return {"generated_by": "benchmarks/latency/derive_rocm.py",
            "source": "measurements AMD published for MI300X (AITER's tuned kernel tables, rccl-tests on the ROCm "
                      "blog, BabelStream in the system acceptance guide); efficiencies relative to model_specs/gpus.yaml "
                      "datasheet bandwidth and dense peak", "families": {"mi300x": fam}}


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python benchmarks/latency/derive_rocm.py AITER_CHECKOUT (a clone of ROCm/aiter)")
    d = main(Path(sys.argv[1]))
    head = ("# Generated by benchmarks/latency/derive_rocm.py from measurements AMD published (AITER tuned tables, "
            "rccl-tests,\n# BabelStream); do not edit by hand. Every curve names its source.\n")
    OUT.write_text(head + yaml.safe_dump(d, sort_keys=False, width=120, default_flow_style=None))
    print(OUT.read_text())
