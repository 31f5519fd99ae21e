"""Round 13 (issue 21): the rows of the new source documents, written into measurements.yaml and excluded.yaml.

    python benchmarks/published/round13_rows.py   # appends the round-13 entries (run once)

The sources, read after round 12's held-out figures had been seen (session 14), and split (make_split.py, round 13, seed
2026121413) before any of their rows was predicted against its measured figure:

* vLLM PR #2192 "Custom all reduce kernels" (hanzhi713, description of 2023-12-19): ``benchmarks/benchmark_latency.py``
  at fixed shapes (256 prompt tokens, 256 generated, batch 32 / 64, tensor parallel 2 / 4), vLLM main before the PR (NCCL
  all-reduce) and with it (the PR's custom all-reduce): one static batch end to end, seconds. A contributor's own
  measurements; no row of the thread was ever in this file or on the accuracy page. One campaign: one source document.
* TensorRT-LLM issue #5929 "DS-R1 FP4 on B200 vs DS-R1 FP8 on H200 --- slow-down in TTFT" (matkle, 2025-07-10):
  LLMPerf against ``trtllm-serve`` (TensorRT-LLM v0.21.0rc2 built from source) with DeepSeek-R1 FP8 on 8 x H200 and
  DeepSeek-R1 FP4 on 8 x B200, TP 8, expert parallel 1 / 4 / 8: p50 ITL and p50 TTFT in seconds. A user's measurements
  (not NVIDIA's); one campaign: one source document.

Rules for these rows, fixed before any was predicted:

* every row of each table whose model and GPU are in kvplan's catalog is a row; a row whose model or GPU is not is in
  excluded.yaml with that reason (PR #2192's "Llama 33B" (LLaMA-1 33B) and its A30); the memory columns are not speeds;
* served runs (issue #5929): only concurrency-1 runs (round 5's rule); of them, the p50 TTFT (``ttft_s``) and the p50 ITL
  (``decode_s_per_token``), as printed, in seconds;
* expert parallel: measurements.yaml has no field for it and scripts/perf_accuracy.py prices the routed experts sharded
  by tensor parallelism, so only the ``EP=None`` columns (TP 8, experts split by TP) are rows; the EP=4 / EP=8 columns
  are in excluded.yaml with this reason;
* rows the stored copy of a thread cuts (every copy read on 2026-12-07 is an excerpt) are left out unread, not chosen
  away.

What LLMPerf's figures are (ray-project/llmperf, read at 0451d33 / 004d3af): ``token_benchmark_ray.py`` against the
OpenAI chat-completions API (``openai_chat_completions_client.py``: a system and a user message, so the chat template is
applied); ``inter_token_latency_s`` per request is ``sum(time_to_next_token)`` (whose first element is the TTFT) divided
by the request's output tokens, i.e. (TTFT + the decode steps) / output tokens; p50 is the median over the requests.
The lengths are LLMPerf's --mean-input-tokens / --mean-output-tokens; their standard deviations (defaults 150 and 80)
are not stated in the issue, nor the number of requests; ``max_tokens`` caps the answer (no ignore-eos), and a reasoning
model's answer is long, so the cap is taken as reached.
"""
from __future__ import annotations

import sys

from rows_io import append

RETRIEVED = "2026-12-07"

# ---- vLLM PR #2192 ------------------------------------------------------------------------------------------------
PR2192 = "https://github.com/vllm-project/vllm/pull/2192"
PR2192_HEAD = (
    "hanzhi713 · description · 2023-12-19\n## Latency and memory\n\nTested with\n```\npython "
    "benchmarks/benchmark_latency.py \\\n--model NAME -tp TP --input-len 256 --output-len 256 --batch-size BS "
    "--num-iters 5\n```\nL = Latency, M = Memory\n\n| Model     | GPU      | TP  | BS  | L before (s) | L after (s) | M "
    "before (MB) | M after (MB) |")
PR2192_ROWS = [  # (line verbatim, kvplan setup or None, reason when None)
    ("| Llama 70B | A100-80G | 4   | 64  | 16.37        | 14.57       | 76723         | 75717        |",
     dict(model="llama-2-70b", gpu="a100-sxm-80gb", tag="a100-llama2-70b-fp16-tp4-bs64",
          note="'Llama 70B' of December 2023: Llama 2 70B (kvplan's llama-2-70b; LLaMA-1 had no 70B), fp16 (vLLM dtype "
               "'auto': the checkpoint's float16), KV fp16. 'A100-80G': the variant is not stated, taken as SXM 80 GB "
               "(rounds 4 and 11)."), None),
    ("| Llama 33B | A100-80G | 2   | 64  | 15.88        | 14.38       | 75739         | 74741        |", None,
     "LLaMA-1 33B (hidden 6656, 60 layers) is not in kvplan's catalog"),
    ("| Llama 13B | A30 (no nvlink)     | 2   | 32  | 10.43        | 9.79        | 23519         | 22911        |", None,
     "the A30 is not in kvplan's GPU catalog"),
    ("| Llama 7B  | T4       | 2   | 32  | 17.90        | 17.51       | 14969         | 14475        |",
     dict(model="llama-2-7b", gpu="t4", tag="t4-llama-7b-fp16-tp2-bs32",
          note="'Llama 7B': LLaMA-1 7B or Llama 2 7B, the same shapes (4,096 hidden, 32 layers, 32 heads, 11,008 "
               "intermediate, 32,000 vocabulary): kvplan's llama-2-7b. fp16 (the T4 has no bf16), KV fp16. Two T4s over "
               "PCIe (no NVLink)."), None),
]
PR2192_NOTE = (
    "vLLM benchmarks/benchmark_latency.py (the PR's command: --input-len 256 --output-len 256 --batch-size {bs} -tp {tp} "
    "--num-iters 5): one static batch of {bs} prompts of 256 tokens, 256 generated each, timed end to end (prefill plus "
    "255 decode steps), the mean of 5 iterations after warm-up, seconds. '{which}' = {build}. vLLM main of December 2023 "
    "(after v0.2.5's CUDA graphs, PR #1926, which the PR's custom all-reduce is written for: 'NCCL's internal buffer is "
    "captured in the graph'), the V0 engine; release not stated. {model_note}")
BUILDS = {"before": ("L before (s)", "vLLM main without the PR (all-reduce by NCCL)"),
          "after": ("L after (s)", "vLLM main with the PR (its custom all-reduce kernels)")}

# ---- TensorRT-LLM issue #5929 -------------------------------------------------------------------------------------
TRT5929 = "https://github.com/NVIDIA/TensorRT-LLM/issues/5929"
TRT_HEAD = (
    "matkle · description · 2025-07-10\n**System Info**\nGPU: 8x NVIDIA B200 180 GB vs 8x NVIDIA H200 141 GB\nTRT-LLM: "
    "docker image built from source for v0.21.0rc2\nOS: Ubuntu 22.04\n\n**Issue**\nWe see consistent and significant "
    "slow-down in TTFT for DS-R1 FP4 on B200 vs DS-R1 FP8 on H200, unless `ep_size=None` (in which case we see speed-up as "
    "expected). The following numbers were obtained by running LLMPerf against `trtllm-serve`:\n\nModel | Batch Size | Input | Output | ITL p50 TP=8, EP=None | ITL p50 TP=8, EP=4 | ITL p50 TP=8, "
    "EP=8 | TTFT p50 TP=8, EP=None | TTFT p50 TP=8, EP=4 | TTFT p50 TP=8, EP=8")
TRT_ROWS = [
    "DeepSeek-R1 FP8 | 1 | 1600 | 600 | 0.01378 | 0.01081 | 0.011 | 0.16463 | 0.13436 | 0.12411",
    "DeepSeek-R1 FP4 | 1 | 1600 | 600 | 0.00678 | 0.00661 | 0.00681 | 0.16104 | 0.16018 | 0.17265",
    "DeepSeek-R1 FP8 | 1 | 8192 | 600 | 0.01453 | 0.01159 | 0.01178 | 0.51583 | 0.37007 | 0.35281",
    "DeepSeek-R1 FP4 | 1 | 8192 | 600 | 0.00714 | 0.00697 | 0.00717 | 0.39411 | 0.39012 | 0.44809",
]
TRT_SETUP = {
    "FP8": dict(weight_dtype="fp8", gpu="h200-sxm-141gb", tag="h200x8-deepseek-r1-fp8",
                note="DeepSeek-R1 FP8: deepseek-ai/DeepSeek-R1's own FP8 weights (block-scaled, 128 x 128; kvplan's fp8 "
                     "does not count the block scales), kvplan's deepseek-r1. 8 x H200 141 GB (the variant is not stated: "
                     "taken as SXM, the 8-GPU HGX board), TP 8. "
                     "KV format not stated: TensorRT-LLM's KvCacheConfig dtype 'auto' takes the checkpoint's, which "
                     "quantizes no KV cache: bf16 (MLA latent cache)."),
    "FP4": dict(weight_dtype="nvfp4", gpu="b200", tag="b200x8-deepseek-r1-fp4",
                note="DeepSeek-R1 FP4: taken as nvidia/DeepSeek-R1-FP4 (NVFP4 weights of the MoE and dense MLP linears, "
                     "the rest 16-bit or FP8 as the checkpoint keeps them; kvplan prices every weight as nvfp4, an "
                     "approximation), kvplan's deepseek-r1. 8 x B200 180 GB, TP 8. KV format not stated: 'auto', "
                     "taken as bf16 (assumed: the checkpoint quantizes no KV cache)."),
}
TRT_NOTE = (
    "LLMPerf (ray-project/llmperf token_benchmark_ray.py) against trtllm-serve (TensorRT-LLM v0.21.0rc2, PyTorch "
    "backend: the one that serves DeepSeek-R1; expert parallel off, 'EP=None'; MTP and the rest of the serve options "
    "not stated, taken as off) through the OpenAI chat-completions API (chat template applied), one request at a time "
    "('Batch Size' 1 = LLMPerf --num-concurrent-requests 1). Lengths: LLMPerf's mean input {isl} and mean output {osl} "
    "tokens; their standard deviations and the request count are not stated (LLMPerf's defaults: 150 and 80). {what} "
    "{setup_note}")
ITL = ("ITL p50: the median over requests of LLMPerf's inter_token_latency_s = (TTFT + every later token's gap) / output "
       "tokens, in seconds: it holds one TTFT per request spread over the ~{osl} tokens (about 2-9 % of the figure here), "
       "so it is slightly above the decode step time.")
TTFT = ("TTFT p50: client-side, from the HTTP request to the first streamed content token (chat template, tokenization, "
        "scheduling, the prefill of ~{isl} tokens), the median over requests, in seconds.")
TRT_OTHER = [  # lines of the table that are not rows, verbatim, each with its reason
    ("Speed-up |   |   |   | 2.03332 | 1.63469 | 1.61488 | 1.02231 | 0.83877 | 0.71885",
     "a ratio of two rows above (FP8 / FP4), not a measurement"),
    ("Speed-up |   |   |   | 2.0356 | 1.66225 | 1.64388 | 1.30884 | 0.9486 | 0.78736",
     "a ratio of two rows above (FP8 / FP4), not a measurement"),
    ("DeepSeek-R1 FP8 | 8 | 1600 | 600 | 0.01818 | 0.01566 | 0.01642 | 0.69481 | 0.49538 | 0.47733",
     "LLMPerf at 8 concurrent requests: a served run above concurrency 1, whose batch is not fixed (round 5's rule)"),
    ("DeepSeek-R1 FP4 | 8 | 1600 | 600 | 0.008",
     "LLMPerf at 8 concurrent requests (round 5's rule); this row and every later row of the table are also cut in every "
     "stored copy of the thread read on 2026-12-07: left out unread"),
]


def rows() -> tuple[list, list]:
    out, excluded = [], []
    for line, setup, reason in PR2192_ROWS:
        quote = f"{PR2192_HEAD}\n{line}"
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        tp, bs = int(cells[2]), int(cells[3])
        if setup is None:
            excluded.append({"source": PR2192, "quote": quote, "reason": reason})
            continue
        for which, col in (("before", 4), ("after", 5)):
            head, build = BUILDS[which]
            out.append({
                "id": f"vllm-pr2192-{setup['tag']}-256-256-{which}", "source": PR2192, "quote": quote,
                "retrieved": RETRIEVED, "engine": "vllm",
                "engine_version": f"vLLM main of December 2023, {'without' if which == 'before' else 'with'} PR #2192 "
                                  "(release not stated)",
                "model": setup["model"], "weight_dtype": "fp16", "kv_dtype": "fp16", "gpu": setup["gpu"],
                "num_gpus": tp, "batch": bs, "input_len": 256, "output_len": 256, "metric": "e2e_latency_s",
                "value": float(cells[col]),
                "notes": PR2192_NOTE.format(bs=bs, tp=tp, which=head, build=build, model_note=setup["note"])})
        excluded.append({"source": PR2192, "quote": quote, "reason": (
            f"the same runs' memory columns (M before {cells[6]} MB, M after {cells[7]} MB): GPU memory, not a speed")})
    excluded.append({"source": PR2192, "quote": "hanzhi713 · description · 2023-12-19\n## Throughput\n\n| Model     | GPU"
                     "      | TP  | Throughput before                 | Throughput after                  |",
                     "reason": "the PR's throughput table: its rows are cut in every stored copy of the thread read on "
                               "2026-12-07 (left out unread); a throughput run lets the engine pick the batch"})
    for line in TRT_ROWS:
        cells = [c.strip() for c in line.split("|")]
        fmt = cells[0].split()[-1]
        setup = TRT_SETUP[fmt]
        bs, isl, osl = int(cells[1]), int(cells[2]), int(cells[3])
        assert bs == 1
        quote = f"{TRT_HEAD}\n{line}"
        for metric, value, o, what, tag in (("decode_s_per_token", float(cells[4]), osl, ITL.format(osl=osl), "itl"),
                                            ("ttft_s", float(cells[7]), 1, TTFT.format(isl=isl), "ttft")):
            out.append({
                "id": f"trt5929-{setup['tag']}-tp8-c1-{isl}-{osl}-{tag}", "source": TRT5929, "quote": quote,
                "retrieved": RETRIEVED, "engine": "trtllm",
                "engine_version": "TensorRT-LLM v0.21.0rc2 (docker image built from source), trtllm-serve",
                "model": "deepseek-r1", "weight_dtype": setup["weight_dtype"], "kv_dtype": "bf16", "gpu": setup["gpu"],
                "num_gpus": 8, "batch": 1, "input_len": isl, "output_len": o, "metric": metric, "value": value,
                "notes": TRT_NOTE.format(isl=isl, osl=osl, what=what, setup_note=setup["note"])})
        excluded.append({"source": TRT5929, "quote": quote, "reason": (
            f"the same runs with expert parallelism (ITL p50 EP=4 {cells[5]}, EP=8 {cells[6]}; TTFT p50 EP=4 "
            f"{cells[8]}, EP=8 {cells[9]}): measurements.yaml has no expert-parallel field and scripts/perf_accuracy.py "
            "prices the routed experts split by tensor parallelism, so only the EP=None columns are rows")})
    for line, reason in TRT_OTHER:
        excluded.append({"source": TRT5929, "quote": f"{TRT_HEAD}\n{line}", "reason": reason})
    return out, excluded


def main() -> None:
    r, x = rows()
    append(r, x)


if __name__ == "__main__":
    if len(sys.argv) > 1:
        sys.exit("usage: python benchmarks/published/round13_rows.py")
    main()
