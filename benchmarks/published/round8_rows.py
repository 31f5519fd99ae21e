"""Round 8 (issue 21): the rows of the new source document, written into measurements.yaml and excluded.yaml.

    # the mirror of dstackai/benchmarks at 06c957ab (fetch tool), read with git show
    python benchmarks/published/round8_rows.py <git dir of dstackai/benchmarks>   # appends the round-8 entries (run once)

The source, read after round 7's held-out figures had been seen (session 11), and split (make_split.py, round 8, seed
2026120808) before any of its rows was predicted against its measured figure:

* dstack's "Llama3.1-405B-Fp8 Inference Performance Comparison between 8xH100SXM5 and 8xMi300x"
  (``comparison/h100sxm5_vs_mi300x/`` at 06c957ab): vLLM ``benchmark_throughput.py`` with ``--num-prompts`` = the batch,
  fixed lengths 128 / 2048 / 32784 -> 2048, one run end to end in seconds, on 8 x H100 SXM5 (vLLM
  0.6.3.post2.dev308+gb489fc3c) and 8 x MI300X (vLLM 0.6.3.dev109 with meta-llama's checkpoint, 0.6.4.dev4 with amd's),
  TP 8, batch 4-256. The three ``throughput_latency_curve_<in>_<out>.csv`` files are the tables; ``throughput_comparsion.csv``
  and ``throughput_latency_curve.csv`` hold the same runs again (excluded as duplicates).

Rule applied to every row before any prediction: ``benchmark_throughput.py`` submits all ``--num-prompts`` requests at
once, so the batch is the stated one only while every sequence's K/V fits vLLM's cache at once. A row whose batch exceeds
the largest batch kvplan's vLLM memory plan gives at ``input + output`` tokens (``kvplan.api.fit``, the run's
``--max-model-len 91680`` and ``--enforce-eager``, KV bf16) ran in waves and is left out with that reason. That is
kvplan's memory half (its exact part), not the latency model the rows test.
"""
from __future__ import annotations

import csv
import io
import subprocess
import sys

from rows_io import append

RETRIEVED = "2026-12-06"
COMMIT = "06c957ab51572ca18db9c1f4bb254a9eb86df4d7"
DIR = "comparison/h100sxm5_vs_mi300x/"
BASE = f"https://github.com/dstackai/benchmarks/blob/{COMMIT}/{DIR}"
TABLES = ("128_2048", "2048_2048", "32784_2048")

# the README's benchmark commands and environments, verbatim (README.md lines 123, 263, 405, 533, 538, 544)
SETUPS = {
    "8xH100-meta-Llama-31-405B-FP8": dict(
        tag="h100", gpu="h100-sxm-80gb", eager=False,
        version="vLLM 0.6.3.post2.dev308+gb489fc3c (the README's 'vLLM Version: 0.6.3.post2.dev308+gb489fc3c')",
        cmd='python benchmark_throughput.py --backend vllm --model "meta-llama/Llama-3.1-405B-FP8" '
            "--input-len=<INPUT_LEN> --output-len=<OUTPUT_LEN> --tensor-parallel-size 8 --max-model-len 91680 "
            "--num-prompts=<BATCH_SIZE> --num-scheduler-step 1",
        env="### 8xH100 SXM5", ckpt="meta-llama/Llama-3.1-405B-FP8"),
    "8xMi300x-meta-Llama-31-405B-FP8": dict(
        tag="mi300x-meta", gpu="mi300x", eager=True,
        version="vLLM 0.6.3.dev109+gcb3b2b9b.d20241010 (ROCm 6.2; the README's 'vLLM Version')",
        cmd='python benchmark_throughput.py --backend vllm --model "meta-llama/Llama-3.1-405B-FP8" '
            "--input-len=<INPUT_LEN> --output-len=<OUTPUT_LEN> --tensor-parallel-size 8 --max-model-len 91680 "
            "--num-prompts=<BATCH_SIZE> --enforce-eager --num-scheduler-step 15",
        env="### 8xMi300x with meta-llama/Llama-3.1-405B-FP8", ckpt="meta-llama/Llama-3.1-405B-FP8"),
    "8xMi300x-amd-Llama-31-405B-Instruct-FP8-KV": dict(
        tag="mi300x-amd", gpu="mi300x", eager=True,
        version="vLLM 0.6.4.dev4+gc9fc1608 (ROCm 6.2; the README's 'vLLM Version')",
        cmd='python benchmark_throughput.py --backend vllm --model "amd/Llama-3.1-405B-Instruct-FP8-KV" '
            "--input-len=<INPUT_LEN> --output-len=<OUTPUT_LEN> --tensor-parallel-size 8 --max-model-len 91680 "
            "--num-prompts=<BATCH_SIZE> --enforce-eager --num-scheduler-step 1",
        env="### 8xMi300x with amd/Llama-3.1-405B-Instruct-FP8-KV", ckpt="amd/Llama-3.1-405B-Instruct-FP8-KV"),
}
NOTES = (
    "dstack's 'Llama3.1-405B-Fp8 Inference Performance Comparison between 8xH100SXM5 and 8xMi300x', 'Offline "
    "Throughput-Latency Benchmark Results': vLLM benchmarks/benchmark_throughput.py with --num-prompts = the batch "
    "({b} random prompts of exactly {i} tokens, each generating exactly {o}: the script's SamplingParams set "
    "ignore_eos and max_tokens = output_len), all submitted at once, one run; end_to_end_latency is the script's elapsed "
    "time in seconds (prefill of every prompt plus the decode steps), as throughput_comparsion.csv's elapsed_time "
    "column shows. Command: {cmd}. Checkpoint {ckpt}: FP8 weights (e4m3) with FP8 activations; no --kv-cache-dtype, so "
    "vLLM's 'auto' keeps the KV cache in the model dtype (bf16); Llama 3.1 405B: the shapes of kvplan's "
    "llama-3.1-405b. TP 8 on one node ({gpu_words}). CUDA graphs {graphs}. Whether chunked prefill ran is not printed. "
    "The batch fits vLLM's KV cache at once by "
    "kvplan's vLLM memory plan (round8_rows.py's rule): max batch {mb} at {ctx} tokens.")


def _show(git_dir: str, path: str) -> str:
    return subprocess.run(["git", "--git-dir", git_dir, "show", f"{COMMIT}:{DIR}{path}"], check=True,
                          capture_output=True, text=True).stdout


def _max_batch(setup: dict, ctx: int) -> int:
    from kvplan import api

    return api.fit("llama-3.1-405b", setup["gpu"], ctx=ctx, tp=8, engine="vllm", weight_dtype="fp8",
                   kv_dtype="bf16", max_model_len=91680, enforce_eager=setup["eager"]).max_batch


def rows(git_dir: str) -> tuple[list, list]:
    readme = _show(git_dir, "README.md").splitlines()
    out, excluded = [], []
    for t in TABLES:
        path = f"csv_data/throughput_latency_curve_{t}.csv"
        text = _show(git_dir, path).lstrip("\ufeff")
        lines = text.splitlines()
        header = lines[0]
        cols = header.split(",")
        for k, ln in enumerate(lines[1:], 1):
            cells = next(csv.reader(io.StringIO(ln)))
            name, i, o, b, v = cells[0].strip(), int(cells[1]), int(cells[2]), int(cells[3]), cells[4]
            src = BASE + path
            quote = (f"{path.split('/')[1]}, data row {k} (of the header's columns; a CSV row's commas would join its "
                     "numbers):\n" + "\n".join(f"{c}: {x}" for c, x in zip(cols, cells)))
            setup = SETUPS.get(name)
            if setup is None:
                excluded.append({"source": src, "quote": quote, "reason": (
                    "'4xMi300x 1FP8-amd' / '8xMi300x 2FP8-amd': the README gives no command, TP or checkpoint for these "
                    "runs, and the 8-GPU line is two copies of the 4-GPU run (the same latencies, twice the tokens per "
                    "second): setup not stated")})
                continue
            mb = _max_batch(setup, i + o)
            if b > mb:
                excluded.append({"source": src, "quote": quote, "reason": (
                    f"batch {b} x {i + o} tokens does not fit vLLM's KV cache at once (kvplan's vLLM memory plan: max "
                    f"batch {mb} at {i + o} tokens for this setup), so the requests ran in waves, not as one batch "
                    "(round8_rows.py's rule, applied before any prediction)")})
                continue
            cmd_line = next(k for k, x in enumerate(readme) if x.strip() == setup["cmd"])
            out.append({
                "id": f"dstack-vllm-{setup['tag']}-llama3.1-405b-fp8-tp8-bs{b}-{i}-{o}-latency",
                "source": src,
                "quote": quote + "\nREADME.md:\n" + readme[cmd_line - 2] + "\n" + readme[cmd_line],
                "retrieved": RETRIEVED, "engine": "vllm", "engine_version": setup["version"],
                "model": "llama-3.1-405b", "weight_dtype": "fp8", "kv_dtype": "bf16", "gpu": setup["gpu"],
                "num_gpus": 8, "batch": b, "input_len": i, "output_len": o, "metric": "e2e_latency_s",
                "value": float(v),
                "notes": NOTES.format(b=b, i=i, o=o, cmd=setup["cmd"], ckpt=setup["ckpt"], mb=mb, ctx=i + o,
                                      gpu_words="8 x H100 80GB HBM3, NVSwitch" if setup["gpu"] != "mi300x" else
                                      "8 x AMD Instinct MI300X, XGMI",
                                      graphs="off (--enforce-eager)" if setup["eager"] else "on (vLLM's default)")})
    curve = [next(csv.reader(io.StringIO(ln))) for t in TABLES
             for ln in _show(git_dir, f"csv_data/throughput_latency_curve_{t}.csv").lstrip("\ufeff").splitlines()[1:]]
    for dup in ("csv_data/throughput_comparsion.csv", "csv_data/throughput_latency_curve.csv"):
        lines = _show(git_dir, dup).lstrip("\ufeff").splitlines()
        for ln in lines[1:]:
            c = next(csv.reader(io.StringIO(ln)))
            same = [k for k in curve if k[1:4] == c[1:4] and abs(float(k[4]) - float(c[4])) < 0.01]
            twin = [k for k in curve if k[1:4] == c[1:4] and k[0].split("-")[0] == c[0].split(" ")[0]]
            why = ("the same run as a row of the throughput_latency_curve_<in>_<out>.csv tables (the same lengths, "
                   "batch and latency to the digits printed there; the GPU label spelled differently): a duplicate, "
                   "recorded once" if same else
                   "a second measurement of a setup the throughput_latency_curve_<in>_<out>.csv tables already hold "
                   f"(there {twin[0][4] if twin else '?'} s, here {c[4]} s); one setup, one row: the per-length "
                   "table's is kept, and this file does not say which run the README's charts show")
            excluded.append({"source": BASE + dup, "quote": f"{DIR}{dup}:\n{lines[0]}\n{ln}", "reason": why})
    return out, excluded


def main(git_dir: str) -> None:
    r, x = rows(git_dir)
    append(r, x)


if __name__ == "__main__":
    main(sys.argv[1])
