"""Measured MoE layer times at the exact shapes of kvplan's catalog MoE models (issue 21: prefill of large MoE models).

    /path/to/aiconfigurator-venv/bin/python benchmarks/latency/derive_moe_shapes.py [SYSTEMS_DIR]

writes ``kvplan/plan/latency/data/moe_shapes.json``. From the same table, version, kernel and rows as
derive_kernels.py's ``moe`` fit (``moe_curves``: the newest ``moe_perf.parquet`` of the engine with gated rows, the
``balanced`` router, no expert parallelism, the format's most common ``kernel_source``), it copies the rows whose
shape is a catalog model's (hidden size, full expert intermediate size, experts, top-k, at each ``moe_tp_size``):
one measured time per token count (``num_tokens``, 1 to 16,384). ``moe.grouped_seconds`` reads them before the fit
(log-log interpolation in tokens), so a model whose shape the table holds is priced at its own measured kernel.

Why: the fit is one curve of efficiency by tokens per expert over every shape in the table (its median |error| 20-24 %
on fp8), and it misses the thin per-rank slices of the large MoE models by far more: DeepSeek-R1 at TP 8 (256
experts of 2,048 / 8 = 256 intermediate columns a rank) on TensorRT-LLM's H200 fp8_block table takes 4.98 ms a layer
at 8,192 tokens where the fit gives 1.13 ms, and 0.397 ms at 1,024 tokens on SGLang's B200 table where the fit gives
0.333 ms. Copied facts (the table's times), no fit.
"""
from __future__ import annotations

import sys
from pathlib import Path

import json

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from derive_kernels import DEFAULT_SYSTEMS, FRAMEWORKS, MOE_DTYPES, ROOT, SYSTEMS, rel  # noqa: E402

OUT = ROOT / "kvplan" / "plan" / "latency" / "data" / "moe_shapes.json"
TP = (1, 2, 4, 8)  # tensor-parallel sizes kvplan's MoE rows run (the table also holds 16 and 32)


def catalog_shapes() -> set:
    """(hidden, intermediate, experts, top-k) of every gated MoE layer in kvplan's catalog."""
    sys.path.insert(0, str(ROOT))
    from kvplan.model.spec import MoeMlp
    from kvplan.sources import catalog

    out = set()
    for name in catalog.model_names():
        spec = catalog.catalog_spec(name)
        for lt in spec.layer_types.values():
            if isinstance(lt.mlp, MoeMlp) and lt.mlp.gated:
                out.add((spec.hidden_size, lt.mlp.intermediate_size, lt.mlp.num_experts, lt.mlp.experts_per_token))
    return out


def versions(folder: Path) -> list:
    """Version folders with a moe_perf.parquet, newest first (derive_kernels.moe_curves' order)."""
    return sorted((p for p in folder.iterdir() if (p / "moe_perf.parquet").exists()), reverse=True,
                  key=lambda p: [int(x) if x.isdigit() else x for x in
                                 p.name.replace("rc", ".").replace("post", ".").split(".")]) if folder.is_dir() else []


def shapes_of(folder: Path, wanted: set, systems: Path) -> dict:
    for v in versions(folder):
        df = pd.read_parquet(v / "moe_perf.parquet")
        df = df[(df.distribution == "balanced") & (df.moe_ep_size == 1) & ~df.kernel_source.str.contains("nongated")]
        out = {}
        for name, dts in MOE_DTYPES.items():
            dt = next((d for d in dts if (df.moe_dtype == d).any()), None)
            if dt is None:
                continue
            g = df[df.moe_dtype == dt]
            kernel = g.kernel_source.value_counts().index[0]
            g = g[g.kernel_source == kernel]
            rows = []
            for (h, i, e, k, tp), s in g.groupby(["hidden_size", "inter_size", "num_experts", "topk", "moe_tp_size"]):
                if (int(h), int(i), int(e), int(k)) not in wanted or int(tp) not in TP:
                    continue
                s = s.groupby("num_tokens").latency.median().sort_index()
                rows.append({"hidden": int(h), "intermediate": int(i), "experts": int(e), "top_k": int(k),
                             "tp": int(tp), "tokens": [int(t) for t in s.index],
                             "us": [round(float(x) * 1e3, 2) for x in s.values]})
            if rows:
                out[name] = {"table_dtype": dt, "kernel": str(kernel), "shapes": rows}
        if out:  # the version derive_kernels' fit used (the newest with gated rows)
            return {**out, "source": rel(v / "moe_perf.parquet", systems)}
    return {}


def main(systems: Path) -> dict:
    wanted = catalog_shapes()
    data = {"generated_by": "benchmarks/latency/derive_moe_shapes.py",
            "source": "aiconfigurator 0.12.0 (NVIDIA, Apache-2.0) measured MoE tables, aiconfigurator_core/systems/data",
            "what": "one MoE layer's routed experts (the engine's fused call), microseconds by tokens in the pass, "
                    "balanced router, no expert parallelism, at the catalog models' shapes",
            "families": {}}
    for sysname in SYSTEMS:
        fam = {}
        for fw in FRAMEWORKS:
            got = shapes_of(systems / "data" / sysname / "moe" / fw, wanted, systems)
            if got:
                fam[fw] = got
        if fam:
            data["families"][sysname] = fam
    return data


if __name__ == "__main__":
    systems = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_SYSTEMS
    d = main(systems)
    d = {"note": "Generated by benchmarks/latency/derive_moe_shapes.py from aiconfigurator 0.12.0's measured MoE "
                 "tables (Apache-2.0); do not edit by hand. JSON, not YAML: read on every MoE pricing, it loads in "
                 "milliseconds", **d}
    text = json.dumps(d, indent=1)
    for shapes in (x["shapes"] for f in d["families"].values() for e in f.values() for x in e.values()
                   if isinstance(x, dict)):
        for r in shapes:  # one shape a line
            text = text.replace(json.dumps(r, indent=1).replace("\n", "\n" + " " * 6), json.dumps(r), 1)
    OUT.write_text(text + "\n")
    print(f"wrote {OUT.relative_to(ROOT)} ({OUT.stat().st_size:,} bytes)")
