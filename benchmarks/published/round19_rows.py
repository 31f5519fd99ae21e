"""Round 19 (issue 21): the rows of the new source document, written into measurements.yaml and excluded.yaml.

    # a mirror of NVIDIA/TensorRT-Model-Optimizer (fetch tool), read with git show
    python benchmarks/published/round19_rows.py <git dir of NVIDIA/TensorRT-Model-Optimizer>

The source, read after round 18's held-out figures had been seen (session 20), and split (make_split.py, round 19, seed
2026121719) before any of its rows was predicted against its measured figure. This round looked for dense models under
TensorRT-LLM, vLLM V1 and SGLang on NVIDIA data-centre GPUs (round 18's held-out set was DeepSeek-R1 only):

* NVIDIA's "TensorRT Model Optimizer Benchmark Reference" (NVIDIA/TensorRT-Model-Optimizer ``benchmark.md`` at 111b2da,
  2025-01-08, "Update LLM Perf benchmarks for 0.21"), its section 1.1 "Performance": Llama 3.1 8B and 70B on H200 under
  TensorRT-LLM v0.15 (nvidia-modelopt v0.21.1), BF16 (8B at TP 1, 70B at TP 2) and FP8 / INT4 AWQ / W4A8 AWQ at TP 1,
  batch 1 / 8 / 64, 2,048 prompt tokens and 128 generated, "Tokens/sec". Not a document of this project's earlier rounds
  (TensorRT-LLM's own performance pages are; this is the quantization toolkit's campaign, its own scripts).

Rules, fixed before any row was predicted:

* how the table was made is read from the same commit's ``llm_ptq/scripts/huggingface_example.sh`` (its ``benchmark`` task):
  ``prepare_dataset.py ... token-norm-dist --input-mean 2048 --output-mean 128 --input-stdev 0 --output-stdev 0
  --num-requests 200`` (every request exactly 2,048 tokens in and 128 out), then ``benchmark_suite.py ... throughput``
  (trtllm-bench with chunked context off unless paged context FMHA is built in: ``disable_bench_chunked_context.py``) on an
  engine built with ``--max_batch_size`` = the table's batch size (``parser.sh``'s ``--batch``). "Tokens/sec" is taken as
  the run's output tokens per second (``output_tokens_per_s_total``: the whole node's, as the table's BF16 70B column at TP 2
  is not divided by the GPU count; its "Speedup is normalized to the GPU count" concerns the speedup columns only);
* the 200 requests run in waves of the batch size with identical lengths (every sequence of a wave finishes at the same
  step), so a row is priced as a static batch of its size: exact for batch 1 and 8 (200 = 25 x 8); at batch 64 the run is
  three waves of 64 and one of 8, which this rule prices as waves of 64 (said before the print);
* the KV cache: ``hf_ptq.py`` at this commit, "Always turn on FP8 kv cache to save memory footprint. For int8_sq, we do not
  quantize kv cache": FP8 KV for the FP8, INT4 AWQ and W4A8 AWQ checkpoints, the model dtype (bf16) for the BF16 baseline;
* INT4 AWQ is kvplan's ``int4`` (weights in 4 bits with group scales, 16-bit activations). W4A8 AWQ (4-bit weights, FP8
  activations) is a format kvplan has no weight dtype for: its rows are in excluded.yaml with that reason;
* the "Speedup" columns are ratios of the table's own figures, not measurements, and the section's later tables (accuracy,
  Stable Diffusion, QAT, sparsity speedups) have no latency of a catalog model: not rows;
* "H200" with no variant is taken as the SXM part (141 GB; rounds 4 and 11's rule for a bare GPU name).
"""
from __future__ import annotations

import subprocess
import sys

from rows_io import append

RETRIEVED = "2026-12-07"
COMMIT = "111b2dab8b7419859fc5063c40a0633bf1c75b9e"
SRC = f"https://github.com/NVIDIA/TensorRT-Model-Optimizer/blob/{COMMIT}/benchmark.md"
MODELS = {"Llama3.1-8B": ("llama-3.1-8b", "8b"), "Llama3.1-70B": ("llama-3.1-70b", "70b")}
# the table's value columns: (header, weight_dtype, kv_dtype, tp for 8B, tp for 70B); None = not a kvplan format
FORMATS = [("BF16", "bf16", "bf16", 1, 2), ("FP8", "fp8", "fp8", 1, 1), ("INT4 AWQ", "int4", "fp8", 1, 1),
           ("W4A8 AWQ", None, "fp8", 1, 1)]
NOTES = (
    "NVIDIA TensorRT Model Optimizer's benchmark.md at 111b2da (2025-01-08), section 1.1 'Performance': 'Config: H200, "
    "nvidia-modelopt v0.21.1, TensorRT-LLM v0.15, latency measured with trtllm-bench'; 'Benchmark scenario: Input tokens 2048, "
    "output tokens 128'. How it was run (llm_ptq/scripts/huggingface_example.sh at the same commit): 200 synthetic requests of "
    "exactly 2,048 prompt tokens and 128 generated (prepare_dataset.py token-norm-dist, stdev 0), trtllm-bench throughput "
    "through benchmark_suite.py (chunked context off without paged context FMHA) on an engine built with --max_batch_size "
    "{b}: waves of {b} requests of identical lengths, priced as a static batch of {b} (round19_rows.py's rule{waves}). "
    "{fmt} weights at TP {tp} on {tp} x H200 (SXM 141 GB taken); KV cache {kv} (hf_ptq.py: 'Always turn on FP8 kv cache' for "
    "quantized checkpoints; the BF16 baseline keeps the model dtype). Tokens/sec = the run's generated tokens per second.")


def _show(git_dir: str, path: str) -> str:
    return subprocess.run(["git", "--git-dir", git_dir, "show", f"{COMMIT}:{path}"], check=True, capture_output=True,
                          text=True).stdout


def modelopt_rows(git_dir: str) -> tuple[list, list]:
    lines = _show(git_dir, "benchmark.md").splitlines()
    h = next(n for n, x in enumerate(lines) if x.startswith("#### 1.1 Performance"))
    config = next(x for x in lines[h:] if x.startswith("Config: H200"))
    scenario = next(x for x in lines[h:] if x.startswith("> Benchmark scenario"))
    top = next(n for n, x in enumerate(lines) if n > h and "BF16 (8B:TP1, 70B:TP2)" in x)
    header = [lines[top], lines[top + 2]]
    body = lines[top + 3:top + 9]
    assert all(x.startswith("|") for x in body) and len(body) == 6
    rows, excluded, model = [], [], None
    for line in body:
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        model = cells[0] or model
        b = int(cells[1])
        values = [cells[2], cells[4], cells[7], cells[10]]  # BF16, FP8, INT4 AWQ, W4A8 AWQ tokens/sec
        name, tag = MODELS[model]
        for (fmt, wd, kv, tp8, tp70), v in zip(FORMATS, values):
            tp = tp8 if tag == "8b" else tp70
            quote = "\n".join([config, scenario] + header + ([line] if cells[0] else [f"(model: {model})", line])
                              + [f"({fmt} column: {v} tokens/sec at batch {b})"])
            if wd is None:
                excluded.append({"source": SRC, "quote": quote, "reason": (
                    "W4A8 AWQ (4-bit AWQ weights with FP8 activations and FP8 GEMMs): kvplan has no weight dtype for this "
                    "format (int4 is weight-only with 16-bit activations), so the row cannot be set up as run "
                    "(round19_rows.py's rule)")})
                continue
            waves = "; exact here" if b in (1, 8) else ": at 64 the run is three waves of 64 and one of 8"
            rows.append({
                "id": f"modelopt-trtllm-h200-{name}-{wd}-tp{tp}-bs{b}-2048-128-throughput",
                "source": SRC, "quote": quote, "retrieved": RETRIEVED, "engine": "trtllm",
                "engine_version": "TensorRT-LLM v0.15 (nvidia-modelopt v0.21.1), the table's config line",
                "model": name, "weight_dtype": wd, "kv_dtype": kv, "gpu": "h200-sxm-141gb", "num_gpus": tp,
                "batch": b, "input_len": 2048, "output_len": 128, "metric": "output_tokens_per_s_total",
                "value": float(v.replace(",", "")),
                "notes": NOTES.format(b=b, waves=waves, fmt=fmt, tp=tp, kv=kv)})
    return rows, excluded


def main(git_dir: str) -> None:
    rows, excluded = modelopt_rows(git_dir)
    ids = [r["id"] for r in rows]
    assert len(ids) == len(set(ids)), "duplicate ids"
    append(rows, excluded)


if __name__ == "__main__":
    main(*sys.argv[1:])
