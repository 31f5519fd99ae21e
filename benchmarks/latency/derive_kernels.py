"""Efficiency curves per GPU family and engine, derived from aiconfigurator 0.12.0's measured kernel tables.

    /work/scratch/aic/bin/python benchmarks/latency/derive_kernels.py [SYSTEMS_DIR]

aiconfigurator (NVIDIA/aiconfigurator, Apache-2.0) ships, per GPU, tables of kernel latencies measured on the card
(``aiconfigurator_core/systems/data/<gpu>/<op>/<framework>/<version>/*.parquet``). kvplan does not ship or read them at
run time: this script reduces them to a few hundred efficiencies per GPU family, each relative to kvplan's own datasheet
numbers (``model_specs/gpus.yaml``), and writes ``kvplan/plan/latency/data/kernels.yaml`` with the file each curve came
from. Needs pandas + pyarrow (the scratch venv that has aiconfigurator); kvplan never does.

What each curve is (medians over the table's rows in the stated range):

* ``gemm``: roofline time / measured time, by M (tokens in the pass) and by the weight matrix's size class (N·K below or
  above 2^24 elements), for N, K in [1,024, 16,384]. Roofline = max(bytes / datasheet bandwidth, 2·M·N·K / datasheet
  dense peak). ``floor_us``: the median latency of the smallest GEMMs at M ≤ 16 (N·K ≤ 2^20), a launch's floor.
  ``by_size`` (columns at ``nk``): the same by M and by each power of two of N·K, which Profile.gemm_efficiency
  reads where present (the two classes stay for the tables without it: rocm.yaml).
* ``decode_attention``: K/V bytes read / (measured time × datasheet bandwidth), by batch × context × GQA ratio × KV heads
  per GPU (head_dim 128, bf16 cache, no window); ``floor_us`` the median time of batch 1 at context ≤ 127.
* ``prefill_attention``: causal attention FLOPs (2·2·heads·head_dim·isl²/2 per sequence) / (time × dense peak), by prompt
  length, batch 1, 32 heads, 8 KV heads, head_dim 128.
* ``allreduce``: α (µs) and β (bytes/s) of ``time = α + bytes / β`` per GPU count, least squares over messages of 2^12 to
  2^26 bf16 elements (``message_size`` is in elements: aiconfigurator's ops.CustomAllReduce passes tokens × hidden);
  NCCL's table and the engine's own all-reduce kernel (vLLM/SGLang/TRT-LLM custom all-reduce, CUDA-graph variant).
* ``nccl_alltoall``: the same fit over NCCL's ``alltoall`` rows (nccl-tests' alltoall_perf: ``message_size`` elements is
  one rank's whole send buffer, 1/n of it to each rank), for expert parallelism's dispatch and combine.
* ``moe``: one MoE layer's routed experts as the engine runs them, one fused grouped kernel per expert linear (w13 =
  gate + up, then w2) over every expert the tokens route to, plus routing, activation quantization and the weighted
  sum (vLLM ``fused_experts``; the table times that whole call). Model: ``time = alpha + Σ_linear max(bytes /
  (bandwidth × memory_efficiency), FLOPs / (dense peak × compute_efficiency(M)))`` with bytes = experts read × N × K ×
  bytes per weight + 2-byte activations in and out, FLOPs = 2 × tokens routed × N × K, M = tokens routed / experts
  read. Fitted on the ``balanced`` rows without expert parallelism (aiconfigurator's balanced router gives T·k
  routed pairs to min(E, T·k) distinct experts): ``memory_efficiency`` the median over memory-bound rows reading
  over 50 us of weights, ``alpha_us`` the median residual of the 1- and 2-token rows, ``compute_efficiency`` the
  median by M of the compute-bound rows (FLOPs above bytes), alternated 4 times. fp8 is the ``fp8_block`` table
  (128 × 128 block scales, DeepSeek-V3 / Qwen3 FP8 checkpoints; the per-tensor ``fp8`` table where none), int4 the
  ``int4_wo`` table (group 128); TRT-LLM's ``nongated`` kernels are left out (kvplan's experts are gated).
"""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "kvplan" / "plan" / "latency" / "data" / "kernels.yaml"
DEFAULT_SYSTEMS = Path("/work/scratch/aic/lib/python3.11/site-packages/aiconfigurator_core/systems")
# aiconfigurator system -> kvplan GPU names it stands for (same die and memory; 40 GB A100 at its own bandwidth)
SYSTEMS = {"a100_sxm": ["a100-sxm-80gb", "a100-sxm-40gb"], "h100_sxm": ["h100-sxm-80gb"],
           "h200_sxm": ["h200-sxm-141gb"], "l40s": ["l40s"], "b200_sxm": ["b200"]}
FRAMEWORKS = {"trtllm": "trtllm", "vllm": "vllm", "sglang": "sglang"}
M_GRID = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096, 8192]
BATCH_GRID = [1, 4, 16, 64, 256, 1024]
CTX_GRID = [127, 511, 2047, 8191, 32767]
ISL_GRID = [128, 512, 1024, 2048, 4096, 8192, 16384]
DTYPE_BYTES = {"bfloat16": 2.0, "fp8": 1.0, "fp8_block": 1.0, "int8_wo": 1.0, "int4_wo": 0.5}
DTYPE_NAME = {"bfloat16": "bf16", "fp8": "fp8", "int8_wo": "int8", "int4_wo": "int4"}
PEAK_KEY = {"bfloat16": "bf16", "fp8": "fp8", "int8_wo": "bf16", "int4_wo": "bf16"}


def latest(folder: Path, needs: str = "") -> Path | None:
    """The newest version folder under ``folder`` that holds the table ``needs``."""
    vs = sorted((p for p in folder.iterdir() if p.is_dir() and (not needs or (p / needs).exists())), key=lambda p: [int(x) if x.isdigit() else x
                for x in p.name.replace("rc", ".").replace("post", ".").split(".")]) if folder.is_dir() else []
    return vs[-1] if vs else None


def rel(p: Path, systems: Path) -> str:
    return "aiconfigurator 0.12.0: aiconfigurator_core/systems/" + str(p.relative_to(systems))


def gemm_curves(df: pd.DataFrame, bw: float, peaks: dict) -> dict:
    out = {}
    for dt, g in df.groupby("gemm_dtype"):
        if dt not in DTYPE_NAME or not peaks.get(PEAK_KEY[dt]):
            continue
        g = g[(g.n >= 1024) & (g.n <= 16384) & (g.k >= 1024) & (g.k <= 16384)]
        peak = peaks[PEAK_KEY[dt]] * 1e12
        nbytes = g.n * g.k * DTYPE_BYTES[dt] + 2 * g.m * (g.k + g.n)
        roof = np.maximum(nbytes / bw, 2.0 * g.m * g.n * g.k / peak)
        eff = roof / (g.latency * 1e-3)
        big = (g.n * g.k) >= (1 << 24)
        curve = {}
        for cls, mask in (("small", ~big), ("large", big)):
            row = []
            for m in M_GRID:
                sel = eff[mask & (g.m == m)]
                row.append(round(float(np.median(sel)), 4) if len(sel) else None)
            curve[cls] = row
        tiny = df[(df.gemm_dtype == dt) & (df.m <= 16) & (df.n * df.k <= (1 << 20))]
        out[DTYPE_NAME[dt]] = {"m": M_GRID, "efficiency": curve, **by_size(df[df.gemm_dtype == dt], dt, bw, peak),
                               "floor_us": round(float(np.median(tiny.latency)) * 1e3, 2) if len(tiny) else None}
    return out


def by_size(g: pd.DataFrame, dt: str, bw: float, peak: float) -> dict:
    """The same efficiency by M and by the matrix's size, one column per power of two of N·K (N, K >= 1,024, no upper
    bound: the tables' 51,200 and 65,536 rows reach LM-head sizes), read at the bin's geometric middle, 2^(b + 0.5).
    A table whose kernel has a fixed cost per call (TRT-LLM 1.3.0rc20's fp8 GEMM on H200: about 13 us at M = 1, the
    activation's quantization with it) is slow on small matrices and near the bandwidth on large ones (0.25 of the
    roofline at N·K 2^24, 0.74 at 2^28): two size classes priced a 70B model's 235 MB MLP matrices at the 2^24-2^28
    median (0.36), this grid at their size."""
    g = g[(g.n >= 1024) & (g.k >= 1024)]
    nbytes = g.n * g.k * DTYPE_BYTES[dt] + 2 * g.m * (g.k + g.n)
    eff = np.maximum(nbytes / bw, 2.0 * g.m * g.n * g.k / peak) / (g.latency * 1e-3)
    b = np.floor(np.log2(g.n * g.k)).astype(int)
    bins = sorted(int(x) for x in b.unique())
    grid = []
    for m in M_GRID:
        row = []
        for x in bins:
            sel = eff[(g.m == m) & (b == x)]
            row.append(round(float(np.median(sel)), 4) if len(sel) else None)
        grid.append(row)
    return {"nk": [round(2 ** (x + 0.5)) for x in bins], "by_size": grid}


def _plain(df: pd.DataFrame) -> pd.DataFrame:
    """head_dim 128, no window, a 16-bit cache (columns some table versions lack are not filtered on)."""
    m = df.head_dim == 128
    if "window_size" in df:
        m &= df.window_size == 0
    if "kv_cache_dtype" in df:
        m &= df.kv_cache_dtype.isin(["bfloat16", "float16", "fp16", "bf16"])
    return df[m]


def decode_attention(df: pd.DataFrame, bw: float) -> dict:
    g = _plain(df)
    if "beam_width" in g:
        g = g[g.beam_width == 1]
    if g.empty:
        return {}
    kernel = sorted(g.kernel_source.unique())[0] if "kernel_source" in g else "?"
    g = g[g.kernel_source == kernel] if "kernel_source" in g else g
    ctx = g.step + g.isl if "isl" in g else g.step
    eff = (g.batch_size * ctx * 2 * g.num_key_value_heads * 128 * 2) / (g.latency * 1e-3 * bw)
    grid = {}
    for kvh in (1, 2, 4, 8):
        for ratio in (1, 4, 8):
            rows = []
            for b in BATCH_GRID:
                row = []
                for c in CTX_GRID:
                    sel = eff[(g.num_key_value_heads == kvh) & (g.num_heads == kvh * ratio) & (g.batch_size == b)
                              & (ctx >= c * 0.9) & (ctx <= c * 1.1)]
                    row.append(round(float(np.median(sel)), 4) if len(sel) else None)
                rows.append(row)
            grid[f"kv{kvh}_gqa{ratio}"] = rows
    tiny = g[(g.batch_size == 1) & (ctx <= 127)]
    return {"kernel": str(kernel), "batch": BATCH_GRID, "ctx": CTX_GRID, "efficiency": grid,
            "floor_us": round(float(np.median(tiny.latency)) * 1e3, 2) if len(tiny) else None}


def prefill_attention(df: pd.DataFrame, peak: float) -> dict:
    g = _plain(df)
    g = g[(g.batch_size == 1) & (g.num_heads == 32) & (g.num_key_value_heads == 8)]
    if g.empty:
        return {}
    kernel = sorted(g.kernel_source.unique())[0] if "kernel_source" in g else "?"
    g = g[g.kernel_source == kernel] if "kernel_source" in g else g
    flops = 2 * 2 * 32 * 128 * g.isl * (g.isl + 1) / 2
    eff = flops / (g.latency * 1e-3 * peak)
    row = []
    for s in ISL_GRID:
        sel = eff[g.isl == s]
        row.append(round(float(np.median(sel)), 4) if len(sel) else None)
    return {"kernel": str(kernel), "isl": ISL_GRID, "efficiency": row}


def allreduce(df: pd.DataFrame, op: str = "all_reduce") -> dict:
    if "op_name" in df:
        df = df[df.op_name == op]
    if "nccl_dtype" in df:
        df = df[df.nccl_dtype == "half"]
    if "kernel_source" in df and df.kernel_source.str.contains("graph").any():
        df = df[df.kernel_source.str.contains("graph")]
    out = {}
    for n, g in df.groupby("num_gpus"):
        g = g[(g.message_size >= 1 << 12) & (g.message_size <= 1 << 26)].groupby("message_size").latency.median()
        if len(g) < 4:
            continue
        x = g.index.values * 2.0  # bf16 bytes
        y = g.values * 1e-3
        a, b = np.linalg.lstsq(np.vstack([np.ones_like(x), x]).T, y, rcond=None)[0]
        small = float(g.iloc[0]) * 1e3
        out[int(n)] = {"alpha_us": round(float(max(small, a * 1e6) if a > 0 else small), 2),
                       "beta_bytes_per_s": int(1 / b) if b > 0 else None}
    return out


MOE_DTYPES = {"bf16": ("bfloat16",), "fp8": ("fp8_block", "fp8"), "int4": ("int4_wo",)}
MOE_BPW = {"bfloat16": 2.0, "fp8": 1.0, "fp8_block": 1.0 + 4 / 128 / 128, "int4_wo": 0.5 + 2 / 128}


def _moe_terms(g: pd.DataFrame, bw: float, peak: float):
    """(weight + activation seconds at full bandwidth, FLOP seconds at full peak, M) of each row (gated experts)."""
    inter, h = g.inter_size / g.moe_tp_size, g.hidden_size
    routed = g.num_tokens * g.topk
    read = np.minimum(g.num_experts, routed)
    mem = (read * 3 * inter * h * g.moe_dtype.map(MOE_BPW) + 2 * routed * (3 * inter + 2 * h)) / bw
    return mem.values, (2 * routed * 3 * inter * h / peak).values, (routed / read).values


def moe_fit(g: pd.DataFrame, bw: float, peak: float) -> dict:
    mem, comp, m = _moe_terms(g, bw, peak)
    lat = g.latency.values * 1e-3
    memreg, alpha = comp < 0.25 * mem, 0.0
    for _ in range(4):
        big = memreg & (mem > 50e-6)
        e_mem = float(np.median(mem[big] / np.maximum(lat[big] - alpha, 1e-7)))
        small = memreg & (g.num_tokens.values <= 2)
        alpha = float(np.median(np.maximum(lat[small] - mem[small] / e_mem, 0.0)))
    idx = np.abs(np.log(m)[:, None] - np.log(M_GRID)[None, :]).argmin(1)
    creg = comp > mem
    ce = []
    for j in range(len(M_GRID)):
        sel = creg & (idx == j)
        ce.append(round(float(np.median(comp[sel] / np.maximum(lat[sel] - alpha, 1e-7))), 4) if sel.sum() else None)
    xs = [np.log(x) for x, e in zip(M_GRID, ce) if e]
    e_c = np.interp(np.log(m), xs, [e for e in ce if e]) if xs else np.full(len(m), np.inf)
    err = (alpha + np.maximum(mem / e_mem, comp / e_c)) / lat - 1
    return {"alpha_us": round(alpha * 1e6, 2), "memory_efficiency": round(e_mem, 4), "m": M_GRID,
            "compute_efficiency": ce, "rows": int(len(g)), "fit_median_abs_error": round(float(np.median(np.abs(err))), 4)}


def moe_curves(folder: Path, bw: float, peaks: dict, systems: Path) -> dict:
    """The newest version of the engine's MoE table with gated rows, reduced to one fit per weight format."""
    versions = sorted((p for p in folder.iterdir() if (p / "moe_perf.parquet").exists()), reverse=True,
                      key=lambda p: [int(x) if x.isdigit() else x for x in
                                     p.name.replace("rc", ".").replace("post", ".").split(".")]) if folder.is_dir() else []
    for v in versions:
        df = pd.read_parquet(v / "moe_perf.parquet")
        df = df[(df.distribution == "balanced") & (df.moe_ep_size == 1) & ~df.kernel_source.str.contains("nongated")]
        out = {}
        for name, dts in MOE_DTYPES.items():
            dt = next((d for d in dts if (df.moe_dtype == d).any()), None)
            if dt is None:
                continue
            g = df[df.moe_dtype == dt]
            kernel = g.kernel_source.value_counts().index[0]
            peak = peaks["fp8" if dt.startswith("fp8") else "bf16"] * 1e12
            out[name] = {"table_dtype": dt, "kernel": str(kernel), **moe_fit(g[g.kernel_source == kernel], bw, peak)}
        if out:
            return {**out, "source": rel(v / "moe_perf.parquet", systems)}
    return {}


def main(systems: Path) -> dict:
    sys.path.insert(0, str(ROOT))
    gpus = {g["name"]: g for g in yaml.safe_load((ROOT / "model_specs" / "gpus.yaml").read_text())}
    data = {"generated_by": "benchmarks/latency/derive_kernels.py", "source": "aiconfigurator 0.12.0 (NVIDIA, "
            "Apache-2.0) measured kernel tables, aiconfigurator_core/systems/data; efficiencies relative to "
            "model_specs/gpus.yaml datasheet bandwidth and dense peak", "families": {}}
    for sysname, names in SYSTEMS.items():
        spec = gpus[names[0]]
        bw, peaks = float(spec["memory_bandwidth_bytes_per_s"]), spec["dense_tflops"]
        base = systems / "data" / sysname
        fam = {"gpus": names, "engines": {}}
        for fw in FRAMEWORKS:
            eng = {}
            v = latest(base / "gemm" / fw, "gemm_perf.parquet")
            if v is not None:
                eng["gemm"] = {**gemm_curves(pd.read_parquet(v / "gemm_perf.parquet"), bw, peaks),
                               "source": rel(v / "gemm_perf.parquet", systems)}
            v = latest(base / "attention" / fw, "generation_attention_perf.parquet")
            if v is not None:
                da = decode_attention(pd.read_parquet(v / "generation_attention_perf.parquet"), bw)
                if da:
                    eng["decode_attention"] = {**da, "source": rel(v / "generation_attention_perf.parquet", systems)}
                pa = prefill_attention(pd.read_parquet(v / "context_attention_perf.parquet"), peaks["bf16"] * 1e12)
                if pa:
                    eng["prefill_attention"] = {**pa, "source": rel(v / "context_attention_perf.parquet", systems)}
            v = latest(base / "comm" / fw, "custom_allreduce_perf.parquet")
            if v is not None and (v / "custom_allreduce_perf.parquet").exists():
                eng["allreduce"] = {"by_gpus": allreduce(pd.read_parquet(v / "custom_allreduce_perf.parquet")),
                                    "source": rel(v / "custom_allreduce_perf.parquet", systems)}
            moe = moe_curves(base / "moe" / fw, bw, peaks, systems)
            if moe:
                eng["moe"] = moe
            if eng:
                fam["engines"][fw] = eng
        v = latest(base / "comm" / "nccl", "nccl_perf.parquet")
        if v is not None:
            fam["nccl_allreduce"] = {"by_gpus": allreduce(pd.read_parquet(v / "nccl_perf.parquet")),
                                     "source": rel(v / "nccl_perf.parquet", systems)}
            fam["nccl_alltoall"] = {"by_gpus": allreduce(pd.read_parquet(v / "nccl_perf.parquet"), "alltoall"),
                                    "source": rel(v / "nccl_perf.parquet", systems) + " (op alltoall)"}
        data["families"][sysname] = fam
    return data


if __name__ == "__main__":
    systems = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_SYSTEMS
    d = main(systems)
    head = ("# Generated by benchmarks/latency/derive_kernels.py from aiconfigurator 0.12.0's measured kernel tables "
            "(Apache-2.0);\n# do not edit by hand. Every curve names the table it came from.\n")
    OUT.write_text(head + yaml.safe_dump(d, sort_keys=False, width=120, default_flow_style=None))
    print(f"wrote {OUT.relative_to(ROOT)} ({OUT.stat().st_size:,} bytes)")
