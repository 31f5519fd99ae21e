"""Round 11 (issue 21): the rows of the new source document, written into measurements.yaml and excluded.yaml.

    python benchmarks/published/round11_rows.py   # appends the round-11 entries (run once)

The source, read after round 10's held-out figures had been seen (session 13), and split (make_split.py, round 11, seed
2026121111) before any of its rows was predicted against its measured figure:

* Vultr's "NVIDIA HGX B200 vLLM Optimization Cookbook" (docs.vultr.com/inference-cookbook/cuda/, pages updated 11 March
  2026): a cloud provider's own runs of ``vllm bench serve`` (vLLM 0.16.0; 0.12.0 for MiniMax M2.5) against ``vllm
  serve`` on 8 x NVIDIA HGX B200, random prompts of 2,048 tokens and 512 output tokens, at concurrency 1, 8, 16, ... 1024.
  Not published by vLLM, NVIDIA or a model vendor, and no row of it was ever in this file or on the accuracy page; the
  serving-accuracy work (benchmarks/serving/runs.yaml, round 6 of issue 22) read it and did not use it, so no kvplan figure
  was ever computed on it. One campaign (one machine, one client command, one set of pages): one source document. Its
  tables are read on the "Concurrency Tuning" page (one table per model configuration); the model guides repeat them.

* vLLM pull requests #2542 ("Fused MOE for Mixtral", 2024-01-22) and #3240 ("adding fused moe kernel config for A100
  TP2", 2024-03-06): each pastes one ``benchmarks/benchmark_latency.py`` sweep of Mixtral-8x7B-Instruct-v0.1 (1,000
  prompt tokens, 50 generated, batch 1-64, 100 iterations) twice, on vLLM main of that day ("master") and with the PR
  applied, on 8 x H100 (TP 8) and 2 x A100 (TP 2). Each PR is its own source document (another author, machine and
  month); neither was ever in this file. #2542's later comment "Latency numbers: python benchmarks/benchmark_latency..."
  is cut in the stored copy of the thread (left out unread). vLLM PR #4002 (Mixtral-8x22B on A100-80G, TP 4 / 8, batch
  8-32) was read and not used (README): it prints no command, so its prompt and output lengths are not stated.

Rule for the PR rows, fixed before any was predicted: every printed latency is a row, both columns ("master" and "this
PR": two builds of vLLM the thread names), metric ``e2e_latency_s`` (benchmark_latency's mean time of one batch, prefill
and all decode steps, in seconds, as round 2's PR #23197 rows).

Rule for the Vultr rows, fixed before any was predicted (as rounds 5 and 7 did for serving benchmarks): only concurrency-1 runs
are rows (one request in flight: batch 1); of each, the TTFT (the prefill of one 2,048-token prompt, output_len 1) and
the TPOT (the decode step at 2,048-2,559 tokens of context) are rows, the run's output tok/s and ITL p99 are left out
(another statistic of the same run). Concurrency 8-1024 runs are left out (the engine's batch is not fixed: requests
arrive, prefill and finish interleaved). Models not in kvplan's catalog are left out. Tables whose concurrency-1 row
could not be read in the stored copy of the pages (its excerpts cut those tables) are left out and said so: they are
rows this round could not see, not rows chosen away.

What the stored pages say, each copied verbatim into the quotes below: methodology ("Input tokens 2,048", "Output tokens
512", "Dataset Random (synthetic)", "Prompts per run 50 (c=1), 400 (c>1)", "GPU utilization 0.90", "vLLM 0.12.0 / 0.16.0",
"vllm bench serve --base-url http://localhost:8000 --model <model_id> --dataset-name random --random-input-len 2048
--random-output-len 512 --num-prompts 40..." [cut in the stored copy]); TPOT is "average time between consecutive output
tokens". The hardware page: "8x NVIDIA HGX B200 (179 GB HBM3e each)", "CUDA 13.0, Driver 580.105.08, vLLM 0.16.0, PyTorch
2.9.1".
"""
from __future__ import annotations

import re
import sys

from rows_io import append

RETRIEVED = "2026-12-07"
BASE = "https://docs.vultr.com/inference-cookbook/cuda/"
TUNING = BASE + "optimization/concurrency-tuning"
OVERVIEW = BASE + "benchmarks/results-overview"
HEAD = ("Throughput Results (NVIDIA HGX B200 Verified)\n\nAll results use input=2048, output=512 tokens, random dataset.\n\n")
COLS = "| Concurrent | Output tok/s | TTFT (ms) | TPOT (ms) | ITL p99 (ms) |\n|---|---|---|---|---|"

# (table title, model guide, vLLM version, catalog model or None, weight format, TP, the table's readable lines)
TABLES = [
    ("Nemotron Nano 30B (FP8, TP=2, 2 GPUs)", "nvidia/NVIDIA-Nemotron-3-Nano-30B-A3B-FP8", "0.16.0",
     "nemotron-3-nano-30b-a3b", "fp8", 2, [
         "| 1 | 277 | 362 | 2.91 | 3.14 |", "| 8 | 1,881 | 152 | 3.96 | 4.28 |", "| 16 | 3,455 | 160 | 4.32 | 5.19 |",
         "| 32 | 3,798 | 206 | 7.86 | 40.72 |", "| 64 | 8,120 | 324 | 6.74 | 43.82 |",
         "| 128 | 11,556 | 520 | 8.91 | 45.19 |", "| 256 | 15,552 | 1,254 | 11.77 | 48.20 |",
         "| 512 | 18,746 | 2,610 | 15.46 | 47.88 |", "| 1024 | 18,829 | 2,563 | 15.46 | 47.75 |"]),
    ("Nemotron Super 49B (FP8, TP=1, 1 GPU)", "Nemotron Super 49B (the page's name; not in kvplan's catalog)", "0.16.0",
     None, "fp8", 1, [
         "| 1 | 73 | 170 | 13.40 | 14.44 |", "| 8 | 570 | 71 | 12.34 | 13.65 |", "| 16 | 1,054 | 117 | 11.17 | 13.66 |",
         "| 32 | 2,120 | 172 | 11.57 | 12.09 |", "| 64 | 3,816 | 205 | 12.70 | 13.86 |",
         "| 128 | 3,799 | 222 | 12.70 | 13.43 |", "| 256 | 1,586 | 5,551 | 20.56 | 192.31 |",
         "| 512 | 3,775 | 271 | 12.69 | 13.66 |", "| 1024 | 1,587 | 5,544 | 20.56 | 189.99 |"]),
    ("MiniMax M2.5 (FP8, TP=4, 4 GPUs)", "MiniMaxAI/MiniMax-M2.5", "0.12.0", None, "fp8", 4, [
        "| 1 | 87 | 84 | 11.40 | 12.75 |", "| 8 | 581 | 217 | 13.37 | 13.72 |", "| 16 | 1,057 | 77 | 15.01 | 15.85 |"]),
]
# tables listed on the results overview whose rows the stored pages cut before their concurrency-1 row
UNREAD = [
    ("Nemotron Nano 30B (NVFP4)", "| Nemotron Nano 30B (NVFP4) | 3B | 1 | 1 | 15,575 | 15,575 | ~512 |",
     "nemotron-3-nano-30b-a3b (NVFP4 weights, TP 1)"),
    ("GLM-5 744B", "| GLM-5 744B | 40B | 8 | 8 | 2,132 | 267 | ~128 |", "glm-5 (zai-org/GLM-5-FP8, TP 8)"),
    ("DeepSeek V3.2 685B", "| DeepSeek V3.2 685B | 37B | 8 | 8 | 4,370 | 546 | ~512 |",
     "deepseek-v3 (the guide's model ID is deepseek-ai/DeepSeek-V3-0324 with --quantization fp8, TP 8)"),
]
OVERVIEW_COLS = ("| Model | Active Params | TP | GPUs | Peak tok/s | tok/s/GPU | Saturation |\n"
                 "|---|---|---|---|---|---|---|")

COMMON = (
    "Vultr inference cookbook (NVIDIA HGX B200, pages updated 11 March 2026), 'Concurrency Tuning' page, table "
    "'{title}': `vllm serve nvidia/NVIDIA-Nemotron-3-Nano-30B-A3B-FP8 --tensor-parallel-size 2 --max-model-len 32768 "
    "--gpu-memory-utilization 0.90 --trust-remote-code` (the model guide's command; docker image vllm/vllm-openai:v0.16.0; "
    "no --kv-cache-dtype, so vLLM's 'auto': the KV format is the checkpoint's, which the pages do not state) and `vllm "
    "bench serve --dataset-name random --random-input-len 2048 --random-output-len 512` with 50 prompts at concurrency 1 "
    "(the methodology page; the rest of its command is cut in the stored copy). vLLM's random dataset with its default "
    "--random-range-ratio 0 gives every prompt 2,048 tokens and asks 512 tokens of each; the row's output tok/s (277) "
    "equals 512 / (0.362 s + 511 x 2.91 ms) = 276.9, so the 512 tokens were generated. 8 x B200 '179 GB HBM3e each' "
    "(kvplan's b200), CUDA 13.0, driver 580.105.08, PyTorch 2.9.1. Weights: the FP8 checkpoint NVIDIA publishes (which "
    "layers stay bf16 is not stated by the page). Published by a cloud provider, not by vLLM, NVIDIA or the model's "
    "vendor. ")
TTFT = ("TTFT: the page's 'TTFT (ms)' (which statistic of the 50 requests is not stated; vllm bench serve prints mean, "
        "median and p99, and the methodology calls TPOT an average), from the HTTP request to the first streamed token: "
        "tokenization, scheduling, the prefill of 2,048 tokens and the streaming round trip. vllm bench serve's warm-up "
        "sends the first request's prompt once before the run, so with vLLM's prefix caching on by default that one "
        "prompt of 50 hits the cache.")
TPOT = ("TPOT: 'average time between consecutive output tokens' (methodology), each request's (latency - TTFT) / 511 "
        "averaged over the 50: the decode step of one sequence at 2,048 to 2,559 tokens of context.")


def _quote(title: str, lines: list[str]) -> str:
    return f"{HEAD}{title}\n\n{COLS}\n" + "\n".join(lines)


def rows() -> tuple[list, list]:
    out, excluded = [], []
    for title, ckpt, ver, model, wdt, tp, lines in TABLES:
        for line in lines:
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            conc = int(cells[0])
            quote = _quote(title, [line])
            if model is None:
                excluded.append({"source": TUNING, "quote": quote, "reason": (
                    f"{ckpt}: not in kvplan's catalog (model_specs/models/); concurrency {conc}"
                    + ("" if conc == 1 else ", and concurrency above 1 (batch not fixed)"))})
                continue
            if conc != 1:
                excluded.append({"source": TUNING, "quote": quote, "reason": (
                    f"concurrency {conc}: a served run whose batch is not fixed (requests arrive, prefill and finish "
                    "interleaved); only concurrency-1 runs are rows, rule fixed before any round-11 row was predicted")})
                continue
            excluded.append({"source": TUNING, "quote": quote, "reason": (
                f"the concurrency-1 run's 'Output tok/s' ({cells[1]}) and 'ITL p99 (ms)' ({cells[4]}): other statistics "
                "of the run whose TTFT and TPOT are rows (round 5's rule)")})
            for metric, value, i, o, what, tag in (("ttft_ms", float(cells[2]), 2048, 1, TTFT, "ttft"),
                                                   ("decode_ms_per_token", float(cells[3]), 2048, 512, TPOT, "tpot")):
                out.append({
                    "id": f"vultr-b200-nemotron3-nano-30b-fp8-tp{tp}-c1-2048-512-{tag}", "source": TUNING,
                    "quote": quote, "retrieved": RETRIEVED, "engine": "vllm",
                    "engine_version": f"vLLM {ver} (docker vllm/vllm-openai:v{ver}, the cookbook's 'Stack')",
                    "model": model, "weight_dtype": wdt, "kv_dtype": None, "gpu": "b200", "num_gpus": tp,
                    "batch": 1, "input_len": i, "output_len": o, "metric": metric, "value": value,
                    "notes": what + " " + COMMON.format(title=title).rstrip() + " KV format not stated."})
    for name, line, what in UNREAD:
        excluded.append({"source": OVERVIEW, "quote": f"{OVERVIEW_COLS}\n{line}", "reason": (
            f"{name} ({what}): its concurrency table (on the 'Concurrency Tuning' page and its model guide) is cut before "
            "the concurrency-1 row in every stored copy of the pages read on 2026-12-07, so its rows could not be read; "
            "left out unread, not chosen away (a later round may add them from a full copy)")})
    return out, excluded


PR = "https://github.com/vllm-project/vllm/pull/"
# (PR, date, GPU, TP, the thread's command line, [(column title as printed, build, lines verbatim)])
PR_SWEEPS = [
    ("2542", "2024-01-22", "h100-sxm-80gb", 8,
     "Latency with `python benchmarks/benchmark_latency.py --model=mistralai/Mixtral-8x7B-Instruct-v0.1 --input-len 1000 "
     "--output-len 50 -tp 8 --num-iters 100 --batch-size <bs>`:",
     [("This PR:", "pr", ["bs=1: 0.459s", "bs=2: 0.515s", "bs=4: 0.610s", "bs=8: 0.813s", "bs=16: 1.044s",
                          "bs=32: 1.489s", "bs=64: 2.419s"]),
      ("Compare to master:", "master", ["bs=1: 0.590s", "bs=2: 0.631s", "bs=4: 0.709s", "bs=8: 0.838s",
                                        "bs=16: 1.086s", "bs=32: 1.615s", "bs=64: 2.727s"])]),
    ("3240", "2024-03-06", "a100-sxm-80gb", 2,
     "Latency measurements using: `python benchmarks/benchmark_latency.py --model=mistralai/Mixtral-8x7B-Instruct-v0.1 "
     "--input-len 1000 --output-len 50 -tp 2 --num-iters 100 --batch-size <bs>:`",
     [("This PR:", "pr", ["BS: 1, Avg latency: 0.7621450612053741 seconds", "BS: 2, Avg latency: 1.0328856136795366 seconds",
                          "BS: 4, Avg latency: 1.4489717756788014 seconds", "BS: 8, Avg latency: 2.0341408042260447 seconds",
                          "BS: 16, Avg latency: 2.893355064672651 seconds", "BS: 32, Avg latency: 4.530912061399431 seconds",
                          "BS: 64, Avg latency: 7.537396909691161 seconds"]),
      ("Compared to master:", "master", ["BS: 1, Avg latency: 0.8453641083685216 seconds",
                                         "BS: 2, Avg latency: 1.1280082573764958 seconds",
                                         "BS: 4, Avg latency: 1.6140852882619947 seconds",
                                         "BS: 8, Avg latency: 2.348028304380132 seconds",
                                         "BS: 16, Avg latency: 3.5489811494306194 seconds",
                                         "BS: 32, Avg latency: 5.627054951939499 seconds",
                                         "BS: 64, Avg latency: 9.691197272467543 seconds"])]),
]
BUILD = {
    ("2542", "master"): "vLLM main of 2024-01-22 without PR #2542's fused MoE kernel (release not stated)",
    ("2542", "pr"): "vLLM main of 2024-01-22 with PR #2542 (fused MoE Triton kernel for Mixtral; merged)",
    ("3240", "master"): "vLLM main of 2024-03-06 (fused MoE kernel with its default config: no tuned config for A100 TP 2; "
                        "release not stated)",
    ("3240", "pr"): "vLLM main of 2024-03-06 with PR #3240 (a tuned fused-MoE config file for A100 TP 2)",
}
GPU_NOTE = {
    "2542": "GPU: 'on H100' (8 GPUs, TP 8; SXM 80 GB assumed: the variant is not stated).",
    "3240": ("GPU: 'A100' (2 GPUs, TP 2; the memory is not stated, but Mixtral-8x7B's 46.7 B bf16 parameters do not fit "
             "2 x 40 GB, so 80 GB; SXM assumed: the variant is not stated)."),
}
PR_NOTES = (
    "vLLM benchmarks/benchmark_latency.py as of {date}: one LLM.generate call on a batch of {bs} dummy prompts of 1,000 "
    "tokens, each generating 50 tokens (ignore_eos), timed end to end; the value is the mean over 100 iterations after "
    "warm-up, in seconds. Mixtral-8x7B-Instruct-v0.1 (kvplan's mixtral-8x7b) with dtype 'auto' = the checkpoint's "
    "bf16, KV cache bf16 (no --kv-cache-dtype). {gpu} Build: {build}.")


def pr_rows() -> tuple[list, list]:
    out, excluded = [], []
    for num, date, gpu, tp, cmd, columns in PR_SWEEPS:
        source = PR + num
        for title, build, lines in columns:
            for line in lines:
                bs_text, value_text = re.match(r"(?:bs=|BS: )(\d+)(?::|, Avg latency:) ([\d.]+)", line).groups()
                bs, value = int(bs_text), float(value_text)
                tag = {"h100-sxm-80gb": "h100", "a100-sxm-80gb": "a100"}[gpu]
                out.append({
                    "id": f"vllm-{tag}-mixtral-8x7b-bf16-tp{tp}-bs{bs}-1000-50-latency-pr{num}-{build}",
                    "source": source, "quote": f"{cmd}\n\n{title}\n{line}", "retrieved": RETRIEVED, "engine": "vllm",
                    "engine_version": BUILD[(num, build)], "model": "mixtral-8x7b", "weight_dtype": "bf16",
                    "kv_dtype": "bf16", "gpu": gpu, "num_gpus": tp, "batch": bs, "input_len": 1000, "output_len": 50,
                    "metric": "e2e_latency_s", "value": value,
                    "notes": PR_NOTES.format(date=date, bs=bs, gpu=GPU_NOTE[num], build=BUILD[(num, build)])})
    excluded.append({"source": PR + "2542", "quote": "pcmoritz · comment · 2024-01-22\nLatency numbers:\n\n```\npython "
                     "benchmarks/benchmark_latency", "reason": (
                         "a second latency comment of the thread, cut after its command's first words in every stored "
                         "copy read on 2026-12-07: its rows could not be read (left out unread, not chosen away)")})
    return out, excluded


def main() -> None:
    r, x = rows()
    r2, x2 = pr_rows()
    append(r2 + r, x2 + x)


if __name__ == "__main__":
    if len(sys.argv) > 1:
        sys.exit("usage: python benchmarks/published/round11_rows.py")
    main()
