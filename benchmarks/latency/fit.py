"""Fit the per-step engine overhead and the dequantization factors on the FIT half only, and write them.

    python benchmarks/latency/fit.py      # rewrites kvplan/plan/latency/data/fitted.yaml

Reads benchmarks/published/split.yaml and uses only rows whose source is a fit source; a held-out row is never
predicted here. For each row, the time behind its metric (a prefill, the decode steps, or both) is linear in the
constants fitted: T = T0 + base × steps + per_layer × layers × steps + per_seq × Σ sequences per step
+ (factor − 1) × weight-only GEMM streaming time. Each constant is chosen by grid search to minimise the median
|error| of its engine's fit rows (engines with no fit row get the median of the fitted engines, labelled so).
The dequantization factor of int8 / int4 weight-only GEMMs (where no measured table has the format) is fitted on
the fit rows in those formats after their engine's overhead. Deterministic: same data, same output.
"""
from __future__ import annotations

import importlib.util
import itertools
import statistics
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
OUT = ROOT / "kvplan" / "plan" / "latency" / "data" / "fitted.yaml"

from kvplan.plan.latency import tables  # noqa: E402

_spec = importlib.util.spec_from_file_location("perf_accuracy", ROOT / "scripts" / "perf_accuracy.py")
pa = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(pa)

ZERO = {"base_ms": 0.0, "per_layer_us_graphs": 0.0, "per_layer_us_eager": 0.0, "per_seq_us": 0.0}
_real_load = tables.load


def _with(fitted: dict):
    def load(name):
        return fitted if name == "fitted" else _real_load(name)
    tables.load = load


def row_time(e: dict, fitted: dict) -> float:
    """The predicted time behind the entry's metric (∝ 1 / rate), under ``fitted``."""
    _with(fitted)
    try:
        v = pa.predict(e)
    finally:
        tables.load = _real_load
    return 1 / v if "_per_s" in e["metric"] else v


def fitted_doc(engines: dict, dequant: dict) -> dict:
    return {"source": "benchmarks/latency/fit.py on the fit half of benchmarks/published/split.yaml (seed 20261206)",
            "engines": engines, "dequant": dequant}


def main() -> dict:
    split = yaml.safe_load((ROOT / "benchmarks" / "published" / "split.yaml").read_text())
    fit_prefixes = [p for s in split["sources"] if s["id"] in split["fit_sources"] for p in s["url_prefixes"]]
    entries = [e for e in yaml.safe_load((ROOT / "benchmarks" / "published" / "measurements.yaml").read_text())
               if any(e["source"].startswith(p) for p in fit_prefixes)]
    base = fitted_doc({"_prior": dict(ZERO)}, {"int4": {"factor": 1.0, "source": "-"}, "int8": {"factor": 1.0, "source": "-"}})
    rows = []
    for e in entries:
        t0 = row_time(e, base)
        one = {k: dict(ZERO) for k in ("b", "l", "s")}
        one["b"]["base_ms"], one["l"]["per_layer_us_graphs"], one["l"]["per_layer_us_eager"] = 1.0, 1.0, 1.0
        one["s"]["per_seq_us"] = 1.0
        cb = row_time(e, fitted_doc({"_prior": one["b"]}, base["dequant"])) - t0
        cl = row_time(e, fitted_doc({"_prior": one["l"]}, base["dequant"])) - t0
        cs = row_time(e, fitted_doc({"_prior": one["s"]}, base["dequant"])) - t0
        two = {"int4": {"factor": 2.0, "source": "-"}, "int8": {"factor": 2.0, "source": "-"}}
        cq = row_time(e, fitted_doc({"_prior": dict(ZERO)}, two)) - t0
        err0 = pa.per_token_error(e["metric"], pa.predict(e), e["value"])  # under the current fitted.yaml
        t_meas = row_time(e, tables.load("fitted")) / (1 + err0)
        rows.append({"id": e["id"], "engine": e["engine"], "w": e["weight_dtype"], "t0": t0, "cb": cb, "cl": cl,
                     "cs": cs, "cq": cq, "t": t_meas})
    engines, grid = {}, (
        [i * 0.05 for i in range(81)], [float(i) for i in range(0, 61, 2)], [i * 2.5 for i in range(41)])

    def err(rs, b, pl, ps, fq=None):
        return statistics.median(abs((r["t0"] + b * r["cb"] + pl * r["cl"] + ps * r["cs"]
                                      + ((fq[r["w"]] - 1) * r["cq"] if fq and r["w"] in fq else 0)) / r["t"] - 1)
                                 for r in rs)

    for eng in sorted({r["engine"] for r in rows}):
        rs = [r for r in rows if r["engine"] == eng and r["w"] not in ("int4", "int8")] or \
             [r for r in rows if r["engine"] == eng]
        best = min(itertools.product(*grid), key=lambda p: (err(rs, *p), p))
        engines[eng] = {"base_ms": round(best[0], 3), "per_layer_us_graphs": best[1], "per_layer_us_eager": None,
                        "per_seq_us": best[2], "fit_rows": len(rs), "fit_median_abs_error": round(err(rs, *best), 4)}
    prior = {k: statistics.median(v[k] for v in engines.values()) for k in ("base_ms", "per_layer_us_graphs", "per_seq_us")}
    # CUDA graphs off: each kernel launch from the host, ~8 launches per layer at ~5 us each (CUDA C Programming Guide,
    # launch overhead order) on top of the graphs-on figure: not fitted (no fit row runs eager).
    for v in list(engines.values()) + [prior]:
        v["per_layer_us_eager"] = v["per_layer_us_graphs"] + 40.0
    engines["_prior"] = prior
    dequant = {}
    for fmt in ("int8", "int4"):
        rs = [r for r in rows if r["w"] == fmt]
        if not rs:
            continue
        fs = [1.0 + i * 0.05 for i in range(61)]

        def ferr(f, rs=rs):
            return statistics.median(abs((r["t0"] + sum(engines[r["engine"]][k] * r[c] for k, c in (
                ("base_ms", "cb"), ("per_layer_us_graphs", "cl"), ("per_seq_us", "cs"))) + (f - 1) * r["cq"]) / r["t"] - 1)
                for r in rs)
        f = min(fs, key=lambda f: (ferr(f), f))
        dequant[fmt] = {"factor": round(f, 3), "source": f"fitted on {len(rs)} {fmt} rows of the fit half "
                        f"({', '.join(sorted({r['engine'] for r in rs}))}): median |error| {100 * ferr(f):.1f} %"}
    return fitted_doc(engines, dequant)


if __name__ == "__main__":
    d = main()
    OUT.write_text("# Generated by benchmarks/latency/fit.py from the FIT half only; do not edit by hand.\n"
                   "# base_ms + per_layer_us × layers + per_seq_us × sequences per step; per_layer_us_eager (CUDA graphs off)\n"
                   "# is the graphs-on figure + 40 us (not fitted: no fit row runs eager).\n"
                   + yaml.safe_dump(d, sort_keys=False, width=120))
    print(OUT.read_text())
