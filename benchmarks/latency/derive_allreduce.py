"""All-reduce time by message size, per GPU family, engine and GPU count, from measured tables.

    /work/scratch/me12/lat21src/venv/bin/python benchmarks/latency/derive_allreduce.py [SYSTEMS_DIR]

Writes ``kvplan/plan/latency/data/allreduce.yaml``: the measured points themselves (message bytes -> microseconds of
one all-reduce), which ``kvplan/plan/latency/comm.py`` interpolates in log size. Sources:

* aiconfigurator 0.12.0 (NVIDIA/aiconfigurator, Apache-2.0), ``aiconfigurator_core/systems/data/<gpu>/comm/``:
  - ``nccl/<version>/nccl_perf.parquet``, op ``all_reduce``, dtype ``half``: nccl-tests ``all_reduce_perf`` run
    per size (collector/network/collect_nccl.py ``nccl_benchmark``: ``-b size -e size -t n -d half -w 40 -n 100``,
    the out-of-place time column), ``message_size`` = bytes / 2;
  - ``<engine>/<version>/custom_allreduce_perf.parquet``: the engine's own all-reduce entry point, 5 calls captured in
    one CUDA graph and replayed (collector/network/collect_all_reduce.py: vLLM ``tensor_model_parallel_all_reduce``
    under ``graph_capture``, i.e. vLLM's whole dispatch: custom all-reduce one-shot / two-shot, torch symmetric
    memory, pynccl; SGLang's with its custom all-reduce on and mscclpp / torch symm-mem off, its defaults;
    TensorRT-LLM's ``AllReduce`` with ``AllReduceStrategy.AUTO``), bf16, ``message_size`` elements (bytes = 2 ×).
    The graph rows (``kernel_source`` ``*_graph``) are kept: the eager rows add the Python call (about 20 us), which
    kvplan prices in the per-layer eager overhead.
  The newest version folder holding the table is read (as derive_kernels.py does); the version the table itself
  names (its ``version`` column) is recorded beside the folder, they differ where aiconfigurator reused a table.
* MI300X: rccl-tests ``all_reduce_perf`` in graph mode on 8 × MI300X from the ROCm blog (derive_rocm.py ``RCCL``).

One row per (size, GPU count) in these tables; where a folder holds several, their median. No smoothing here:
comm.py reads the points as published and takes, at each size, the least time at that size or above (a smaller
message never waits longer than a larger one could be padded to), which removes single-point spikes.
"""
from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pandas as pd
import yaml

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "kvplan" / "plan" / "latency" / "data" / "allreduce.yaml"
HERE = Path(__file__).resolve().parent


def _module(name: str):
    spec = importlib.util.spec_from_file_location(name, HERE / f"{name}.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def curve(df: pd.DataFrame) -> dict:
    """{bytes: [...], us: {gpus: [...]}} over the sizes every GPU count has (bf16 elements -> bytes)."""
    t = df.pivot_table(index="message_size", columns="num_gpus", values="latency", aggfunc="median").dropna()
    return {"bytes": [int(s) * 2 for s in t.index],
            "us": {int(n): [round(float(v) * 1e3, 2) for v in t[n]] for n in t.columns}}


def main(systems: Path) -> dict:
    dk = _module("derive_kernels")
    data = {"generated_by": "benchmarks/latency/derive_allreduce.py",
            "units": "bytes: one GPU's message (bf16, 2 x the table's message_size elements); us: one all-reduce",
            "families": {}}
    for sysname, names in dk.SYSTEMS.items():
        base = systems / "data" / sysname / "comm"
        fam = {"gpus": names}
        folders = sorted((p for p in (base / "nccl").iterdir() if (p / "nccl_perf.parquet").exists()),
                         key=lambda p: [int(x) for x in p.name.split(".")], reverse=True)
        for v in folders:  # newest NCCL with all-reduce rows (h100_sxm's 2.23 table holds none)
            df = pd.read_parquet(v / "nccl_perf.parquet")
            df = df[(df.op_name == "all_reduce") & (df.nccl_dtype == "half")]
            if len(df):
                fam["nccl"] = {"source": dk.rel(v / "nccl_perf.parquet", systems) + " (op all_reduce, half: "
                               "nccl-tests all_reduce_perf, out-of-place)", "version": str(df.version.iloc[0]),
                               **curve(df)}
                break
        engines = {}
        for fw in dk.FRAMEWORKS:
            v = dk.latest(base / fw, "custom_allreduce_perf.parquet")
            if v is None:
                continue
            df = pd.read_parquet(v / "custom_allreduce_perf.parquet")
            if df.kernel_source.str.contains("graph").any():
                df = df[df.kernel_source.str.contains("graph")]
            engines[fw] = {"source": dk.rel(v / "custom_allreduce_perf.parquet", systems)
                           + f" ({df.kernel_source.iloc[0]}, {df.allreduce_dtype.iloc[0]})",
                           "version": f"{df.framework.iloc[0]} {df.version.iloc[0]}", **curve(df)}
        fam["engines"] = engines
        data["families"][sysname] = fam
    rccl = _module("derive_rocm").RCCL
    data["families"]["mi300x"] = {
        "gpus": ["mi300x"],
        "nccl": {"source": f"rccl-tests all_reduce_perf, 8 x MI300X, RCCL 2.22.3, ROCm 6.3, HIP graphs (-G 1), "
                           f"out-of-place ({rccl['url']})", "quote": rccl["quote"], "version": "RCCL 2.22.3",
                 "bytes": [b for b, _ in rccl["rows"]], "us": {8: [t for _, t in rccl["rows"]]}},
        "engines": {}}
    return data


if __name__ == "__main__":
    systems = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(
        "/work/scratch/me12/lat21src/venv/lib/python3.11/site-packages/aiconfigurator_core/systems")
    d = main(systems)
    head = ("# Generated by benchmarks/latency/derive_allreduce.py from measured all-reduce tables (aiconfigurator "
            "0.12.0, Apache-2.0;\n# rccl-tests on the ROCm blog); do not edit by hand. Every curve names the table "
            "it came from.\n")
    OUT.write_text(head + yaml.safe_dump(d, sort_keys=False, width=120, default_flow_style=None))
    print(f"wrote {OUT.relative_to(ROOT)} ({OUT.stat().st_size:,} bytes)")
