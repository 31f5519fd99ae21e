"""Round 6 (issue 21): the rows of three new source documents, written into measurements.yaml and excluded.yaml.

    git -C <mirror of wbing520/ai-performance-engineering> show 5a4d0c3:code/ch11_inference/inference_gpu_cluster_sizing/dataset/trt_llm_0_9_0_dli.csv > dli.csv
    git -C <the same> show 5a4d0c3:code/ch11_inference/inference_gpu_cluster_sizing/dataset/nim.csv > nim.csv
    python benchmarks/published/round6_rows.py dli.csv nim.csv    # appends the round-6 entries (run once)

The sources, read after round 5's held-out figures and session 9's changes had been seen, and split (make_split.py,
round 6, seed 2026120606) before any of their rows was predicted:

* the TensorRT-LLM 0.9.0 benchmark table of NVIDIA's DLI course "Sizing LLM inference systems", as shipped in the
  course material copied into wbing520/ai-performance-engineering (``trt_llm_0_9_0_dli.csv``, 3,449 runs): static
  batches (TensorRT-LLM's benchmark, one batch of fixed lengths), first-token and token-to-token latency. Its rows
  are many times the rest of the set and slow to predict, so a seeded sample of the rows kvplan can predict is kept
  (``SAMPLE`` rows drawn with ``random.Random(SEED)``, drawn before any was predicted); every other row is left out
  by a rule, each rule an entry of excluded.yaml with its count;
* the NIM GenAI-Perf table of the same course (``nim.csv``, 787 runs): NIM for LLMs on its TensorRT-LLM backend,
  Llama 3 8B / 70B on A100 / H100, client-side TTFT and inter-token latency; the concurrency-1 runs are rows, the
  other concurrencies (continuous batching of a closed loop) are left out as in round 5;
* vLLM's performance-benchmark Buildkite build 9513 (the H200 latency tests, batch 8, 32 -> 128; build 4338's page
  shows the same three numbers, the same run).
"""
from __future__ import annotations

import csv
import random
import sys

from rows_io import append

SEED = 2026120606  # round 6's seed: the sample below and make_split.py's draw
SAMPLE = 30
RETRIEVED = "2026-12-06"
REPO = "https://github.com/wbing520/ai-performance-engineering/blob/5a4d0c37a3231b2ff8a268df7f129be259c48a48/"
DLI = REPO + "code/ch11_inference/inference_gpu_cluster_sizing/dataset/trt_llm_0_9_0_dli.csv"
NIM = REPO + "code/ch11_inference/inference_gpu_cluster_sizing/dataset/nim.csv"
BUILD = "https://buildkite.com/vllm/performance-benchmark/builds/9513"

DLI_MODELS = {"LLaMA v2 7B": "llama-2-7b", "LLaMA v2 13B": "llama-2-13b", "LLaMA v2 70B": "llama-2-70b",
              "Mistral 7B": "mistral-7b", "Mixtral 8x7B": "mixtral-8x7b"}
DLI_GPUS = {"H100 80GB HBM3": "h100-sxm-80gb", "H200 141GB HBM3": "h200-sxm-141gb", "A100-SXM4-80GB": "a100-sxm-80gb",
            "L40S": "l40s", "L40": "l40", "H100 NVL": "h100-nvl-94gb"}
NIM_MODELS = {"meta-llama3-8b-instruct": "llama-3-8b", "meta-llama3-70b-instruct": "llama-3-70b"}
NIM_GPUS = {"H100_80GB_HBM3": "h100-sxm-80gb", "A100-SXM4-80GB": "a100-sxm-80gb"}


def _quote(name: str, line: int, row: dict, cols: list[str]) -> str:
    """The row as the file has it, one 'column: value' per line (values verbatim; the CSV's commas would read as
    thousands separators)."""
    return f"{name}, data row {line} (of the header's columns):\n" + "\n".join(f"{c}: {row[c]}" for c in cols)


DLI_COLS = ["Model", "GPU", "Precision", "Number of GPUs", "Tensor Model Parallel Size", "Batch Size",
            "Input/Output Lengths", "Enable XQA", "Enable Custom All Reduce", "Use Fake Weight",
            "1st Token Latency (ms)", "Latency (ms)", "Token-to-token Latency (ms)"]


def dli(path: str) -> tuple[list, list]:
    rows = list(csv.DictReader(open(path, newline="")))
    out, ex = [], []
    unknown_model = [i for i, r in enumerate(rows, 1) if r["Model"] not in DLI_MODELS]
    unknown_gpu = [i for i, r in enumerate(rows, 1) if r["Model"] in DLI_MODELS and r["GPU"] not in DLI_GPUS]
    ok = [i for i, r in enumerate(rows, 1) if r["Model"] in DLI_MODELS and r["GPU"] in DLI_GPUS]
    empty = [i for i in ok if not (rows[i - 1]["1st Token Latency (ms)"] and rows[i - 1]["Token-to-token Latency (ms)"])]
    eligible = [i for i in ok if i not in set(empty)]
    drawn = sorted(random.Random(SEED).sample(eligible, SAMPLE))
    for i in drawn:
        r = rows[i - 1]
        fp8 = r["Precision"] == "FP8"
        isl, osl = (int(x) for x in r["Input/Output Lengths"].split(","))
        tp = int(r["Tensor Model Parallel Size"])
        w = "fp8" if fp8 else "fp16"
        model, gpu, b = DLI_MODELS[r["Model"]], DLI_GPUS[r["GPU"]], int(r["Batch Size"])
        base = f"dli-trtllm-{gpu}-{model}-{w}-tp{tp}-bs{b}-{isl}-{osl}"
        notes = (f"TensorRT-LLM 0.9.0 benchmark run (one static batch of {b} sequences, each exactly {isl} prompt and "
                 f"{osl} generated tokens; TP {tp} over {tp} GPU(s)), from the DLI course table: 'Precision' {r['Precision']} "
                 f"({'FP8 weights and activations' if fp8 else 'Mixed: the fp16 build'}; the KV-cache format is not stated, "
                 "so kv_dtype is null and kvplan takes the weights' format), 'Use Fake Weight' Yes (random weights of the "
                 "model's shapes), XQA on, custom all-reduce as the row says. GPU named by the table "
                 f"('{r['GPU']}' -> kvplan's {gpu}). The file's name gives the version (trt_llm_0_9_0); nothing else in "
                 f"the repository says more. Drawn in round 6's seeded sample (random.Random({SEED}).sample of {SAMPLE} "
                 "of the table's predictable rows, round6_rows.py).")
        common = {"retrieved": RETRIEVED, "engine": "trtllm",
                  "engine_version": "TensorRT-LLM 0.9.0 (the file name trt_llm_0_9_0_dli.csv; PBR build " + r["PBR"] + ")",
                  "model": model, "weight_dtype": w, "kv_dtype": None, "gpu": gpu, "num_gpus": tp, "batch": b,
                  "input_len": isl}
        q = _quote("trt_llm_0_9_0_dli.csv", i, r, DLI_COLS)
        out.append({"id": base + "-ttft", "source": DLI, "quote": q, **common, "output_len": 1, "metric": "ttft_ms",
                    "value": float(r["1st Token Latency (ms)"]),
                    "notes": notes + " Value: '1st Token Latency (ms)', the context phase of the whole batch to its "
                                     "first generated tokens."})
        out.append({"id": base + "-tpot", "source": DLI, "quote": q, **common, "output_len": osl,
                    "metric": "decode_ms_per_token", "value": float(r["Token-to-token Latency (ms)"]),
                    "notes": notes + " Value: 'Token-to-token Latency (ms)' = (Latency - 1st Token Latency) / "
                                     f"(output - 1), the mean of the {osl - 1} generation steps after the first token."})
    head = "trt_llm_0_9_0_dli.csv columns: " + "; ".join(rows[0].keys())
    rule = [(unknown_model, "the model (GPT-J 6B, Falcon 180B) is not in kvplan's model catalog"),
            (unknown_gpu, "GH200 120GB is not in kvplan's GPU catalog"),
            (empty, "the run printed no 1st-token or token-to-token latency (empty cells: the run failed or did not fit)"),
            ([i for i in eligible if i not in set(drawn)],
             f"not drawn in round 6's seeded sample (random.Random({SEED}).sample of {SAMPLE} of the {len(eligible)} "
             "predictable rows; the table's 3,449 runs are ten times the rest of the set, and its long static batches "
             "are slow to predict in the test suite)")]
    for lines, why in rule:
        ex.append({"source": DLI, "quote": head + f"\ndata rows ({len(lines)}): " + _ranges(lines), "reason": why})
    ex.append({"source": DLI, "quote": head + "\ncolumns of the drawn rows: Latency (ms), Throughput (tokens / sec), "
                                              "Throughput per GPU, Generation Throughput, GPU Peak Memory Usage (GB)",
               "reason": "summaries of the same run as the two columns kept (Latency = 1st token + (output - 1) x "
                         "token-to-token; the throughputs are batch x output / latency), or not a time"})
    return out, ex


NIM_COLS = ["task_inputs-model", "task_inputs-execution_type", "task_inputs-GPU", "task_inputs-n_gpus",
            "task_inputs-precision", "input_config-concurrency", "input_config-synthetic_input_tokens_mean",
            "input_config-output_tokens_mean", "num_input_token-avg", "num_output_token-avg",
            "time_to_first_token-unit", "time_to_first_token-avg", "inter_token_latency-unit", "inter_token_latency-avg"]


def nim(path: str) -> tuple[list, list]:
    rows = list(csv.DictReader(open(path, newline="")))
    out = []
    for i, r in enumerate(rows, 1):
        if r["input_config-concurrency"] != "1":
            continue
        model, gpu = NIM_MODELS[r["task_inputs-model"]], NIM_GPUS[r["task_inputs-GPU"]]
        tp, w = int(r["task_inputs-n_gpus"]), r["task_inputs-precision"]
        isl, osl = int(r["input_config-synthetic_input_tokens_mean"]), int(r["input_config-output_tokens_mean"])
        base = f"nim-dli-{gpu}-{model}-{w}-tp{tp}-c1-{isl}-{osl}"
        notes = ("NVIDIA NIM for LLMs (execution_type NIM_TRT-LLM: its TensorRT-LLM backend; container version not stated) "
                 f"measured with GenAI-Perf at concurrency 1 (one request in flight: batch 1), synthetic prompts of {isl} "
                 f"tokens (stddev 0; the mean counted by the tokenizer is {r['num_input_token-avg']}) and {osl} generated "
                 f"tokens (max_tokens and output_tokens_mean), TP {tp} ('n_gpus'), precision '{w}' as the NIM profile "
                 "names it (KV-cache format not stated: kv_dtype null). GPU named by the table "
                 f"('{r['task_inputs-GPU']}' -> kvplan's {gpu}). From the DLI course table nim.csv.")
        common = {"retrieved": RETRIEVED, "engine": "other",
                  "engine_version": "NVIDIA NIM for LLMs, TensorRT-LLM backend (NIM_TRT-LLM); version not stated",
                  "model": model, "weight_dtype": w, "kv_dtype": None, "gpu": gpu, "num_gpus": tp, "batch": 1,
                  "input_len": isl}
        q = _quote("nim.csv", i, r, NIM_COLS)
        out.append({"id": base + "-ttft", "source": NIM, "quote": q, **common, "output_len": 1, "metric": "ttft_ns",
                    "value": float(r["time_to_first_token-avg"]),
                    "notes": notes + " Value: 'time_to_first_token-avg' in ns, GenAI-Perf's client-side TTFT (HTTP "
                                     "request to the first streamed token), mean over the run's requests."})
        out.append({"id": base + "-itl", "source": NIM, "quote": q, **common, "output_len": osl,
                    "metric": "decode_ns_per_token", "value": float(r["inter_token_latency-avg"]),
                    "notes": notes + " Value: 'inter_token_latency-avg' in ns, GenAI-Perf's (request latency - TTFT) "
                                     f"/ (output tokens - 1): the mean of the {osl - 1} steps after the first token."})
    others = [i for i, r in enumerate(rows, 1) if r["input_config-concurrency"] != "1"]
    head = "nim.csv columns: " + "; ".join(rows[0].keys())
    ex = [{"source": NIM, "quote": head + f"\ndata rows ({len(others)}): " + _ranges(others),
           "reason": "input_config-concurrency 2-250: a closed loop of that many requests under continuous batching, "
                     "new prompts' prefills mixed into the running decodes, so neither TTFT nor ITL is one prefill or "
                     "one fixed-batch decode step (a serving workload for kvplan simulate, issue 22)"},
          {"source": NIM, "quote": head + "\nthe other columns of the concurrency-1 rows (request latency, throughputs, "
                                          "p95s)",
           "reason": "summaries of the same requests as the two means kept (request latency = TTFT + (output - 1) x "
                     "ITL), or percentiles of them"}]
    return out, ex


BK_HEAD = ("Latency tests\n\n- Input length: 32 tokens.\n\n- Output length: 128 tokens.\n\n- Batch size: fixed (8).\n\n"
           "- Models: llama-3.1 8B, llama-3 70B, mixtral 8x7B.\n\n- Evaluation metrics: end-to-end latency (mean, "
           "median, p99).\n\nTest name | GPU | Mean latency (ms) | Median latency (ms) | P99 latency (ms) |\n\n")
BK = [("latency_llama8B_tp1 | H200 | 834.059 | 834.014 | 834.846 |", "llama-3.1-8b", 1, 834.059),
      ("latency_llama70B_tp4 | H200 | 2075.08 | 2075.36 | 2076.72 |", "llama-3-70b", 4, 2075.08),
      ("latency_mixtral8x7B_tp2 | H200 | 1921.1 | 1920.16 | 1932.79 |", "mixtral-8x7b", 2, 1921.1)]


def buildkite() -> tuple[list, list]:
    out = []
    for line, model, tp, v in BK:
        out.append({"id": f"vllm-h200-{model}-bf16-tp{tp}-bs8-32-128-latency-b9513", "source": BUILD,
                    "quote": BK_HEAD + line, "retrieved": RETRIEVED, "engine": "vllm",
                    "engine_version": "vLLM main as built by Buildkite 'performance-benchmark' build 9513 (commit not "
                                      "shown in the page text read; build 4338's page shows the same three numbers)",
                    "model": model, "weight_dtype": "bf16", "kv_dtype": "bf16", "gpu": "h200-sxm-141gb", "num_gpus": tp,
                    "batch": 8, "input_len": 32, "output_len": 128, "metric": "e2e_latency_ms", "value": v,
                    "notes": "vLLM benchmark_latency as in builds 9515 / 9555 (one batch of 8 prompts of 32 tokens, "
                             "each generating 128, dummy weights, dtype auto = bf16, KV cache bf16 inferred from those "
                             "defaults); the GPU column reads H200 (the SXM 141 GB part assumed). Value: the mean, as for "
                             "the earlier builds. Page text read through the search tool's rendering, cells joined "
                             "with ' | '."})
    ex = [{"source": BUILD, "quote": "Throughput tests (every row of this table on the page)",
           "reason": "ShareGPT prompts of varying length with the batch chosen by vLLM (not a fixed shape)"},
          {"source": BUILD, "quote": "Serving tests (every row of this table on the page)",
           "reason": "ShareGPT prompts at a Poisson request rate (not a fixed shape or concurrency 1)"}]
    return out, ex


def _ranges(xs: list[int]) -> str:
    xs, out, i = sorted(xs), [], 0
    while i < len(xs):
        j = i
        while j + 1 < len(xs) and xs[j + 1] == xs[j] + 1:
            j += 1
        out.append(str(xs[i]) if i == j else f"{xs[i]}-{xs[j]}")
        i = j + 1
    return ", ".join(out)


def main(dli_csv: str, nim_csv: str) -> None:
    rows, excl = [], []
    for r, x in (dli(dli_csv), nim(nim_csv), buildkite()):
        rows += r
        excl += x
    append(rows, excl, "# ---- round 6 (issue 21, session 9): benchmarks/published/round6_rows.py\n")


if __name__ == "__main__":
    main(*sys.argv[1:3])
