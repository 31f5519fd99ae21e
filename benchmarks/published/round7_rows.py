"""Round 7 (issue 21): the rows of three new source documents, written into measurements.yaml and excluded.yaml.

    # the ROCm vLLM page's 'Latency Measurements' and 'Throughput Measurements' tables, copied verbatim (read_file of
    # ROCm/vllm at 040de12) into rocm_table.md and rocm_tput.md side by side
    git -C <mirror of sgl-project/sgl-cookbook> show 7b5bd9c:docs/autoregressive/Google/Gemma4.md > gemma4.md
    git -C <the same> show 7b5bd9c:docs/autoregressive/DeepSeek/DeepSeek-V3_1.md > dsv31.md
    python benchmarks/published/round7_rows.py rocm_table.md gemma4.md dsv31.md   # appends the round-7 entries (run once)

The sources, read after round 6's held-out figures had been seen (session 10), and split (make_split.py, round 7, seed
2026120707) before any of their rows was predicted against its measured figure:

* AMD's ROCm vLLM docker page (``ROCm/vllm`` ``docs/dev-docker/README.md`` at 040de12, release
  rocm6.4.1_vllm_0.10.0_20250812): vLLM 0.10.0 ``benchmark_latency.py`` (the v0.8.5 script) on 8 x MI300X, Llama 3.1
  70B and 405B FP8, TP 8, batch 1-128, 128 / 2048 -> 2048: one static batch end to end, in seconds;
* the SGLang cookbook's Gemma 4 page (at 7b5bd9c): ``sglang.bench_serving`` at concurrency 1 on one H200 and one
  MI300X; only gemma-4-26B-A4B-it is in kvplan's catalog;
* the SGLang cookbook's DeepSeek-V3.1 page (at 7b5bd9c): SGLang 0.5.7 on 8 x MI300X, TP 8, concurrency 1 at 1000 /
  1000, 1000 / 8000 and 8000 / 1000 (round 5's pages' lengths: the same seed, the same token totals).

Every row of each table is a measurement here or an entry of excluded.yaml with its reason.
"""
from __future__ import annotations

import sys
from pathlib import Path

from rows_io import append

RETRIEVED = "2026-12-06"
ROCM = "https://github.com/ROCm/vllm/blob/040de12d45c16d6de6ad386cc57dd68b8c5b805e/docs/dev-docker/README.md"
COOKBOOK = "https://github.com/sgl-project/sgl-cookbook/blob/7b5bd9c05e3d86da5161ac2be9b91c19a34bf49d/docs/autoregressive/"
GEMMA = COOKBOOK + "Google/Gemma4.md"
DSV31 = COOKBOOK + "DeepSeek/DeepSeek-V3_1.md"

ROCM_MODELS = {"Llama 3.1 70B (amd/Llama-3.1-70B-Instruct-FP8-KV)": ("llama-3.1-70b", "70b"),
               "Llama 3.1 405B (amd/Llama-3.1-405B-Instruct-FP8-KV)": ("llama-3.1-405b", "405b")}
ROCM_NOTES = (
    "AMD's ROCm vLLM docker page, 'Latency Measurements' (release rocm6.4.1_vllm_0.10.0_20250812: ROCm 6.4.1, vLLM "
    "v0.10.0, 'Benchmarks were run with benchmark scripts from v0.8.5'): benchmark_latency.py, one batch of {b} random "
    "prompts of {i} tokens each generating {o} (ignore_eos), the mean of 5 iterations after 3 warm-ups, end to end "
    "(prefill + {o} - 1 decode steps), on a Supermicro AS-8125GS-TNMR2 with 8 x MI300X (192 GiB, 750 W), TP 8. The "
    "page's command: --dtype float16 --tensor-parallel-size 8 on AMD's Quark FP8 checkpoint {ckpt} (FP8 weights and "
    "activations, per-tensor scales: weight format fp8). The latency command passes no --kv-cache-dtype, so vLLM's "
    "'auto' keeps the KV cache in the model dtype (float16); the checkpoint's KV scales are unused then. CUDA (HIP) "
    "graphs on (vLLM's default; the page's tips recommend them for decode).")


def rocm(path: str) -> tuple[list, list]:
    lines = [ln.rstrip("\n") for ln in open(path) if ln.strip()]
    header = "\n".join(lines[:2])
    rows, model = [], None
    for ln in lines[2:]:
        cells = [c.strip() for c in ln.strip().strip("|").split("|")]
        if cells[0]:
            model, first = cells[0], ln
        name, tag = ROCM_MODELS[model]
        b, i, o, v = int(cells[3]), int(cells[4]), int(cells[5]), cells[6]
        quote = header + "\n" + (first if first == ln else first + "\n" + ln)
        rows.append({
            "id": f"rocm-vllm-mi300x-llama3.1-{tag}-fp8-tp8-bs{b}-{i}-{o}-latency", "source": ROCM, "quote": quote,
            "retrieved": RETRIEVED, "engine": "vllm",
            "engine_version": "vLLM v0.10.0 (ROCm/vllm docker rocm6.4.1_vllm_0.10.0_20250812; benchmark scripts from "
                              "v0.8.5)",
            "model": name, "weight_dtype": "fp8", "kv_dtype": "fp16", "gpu": "mi300x", "num_gpus": 8, "batch": b,
            "input_len": i, "output_len": o, "metric": "e2e_latency_s", "value": float(v),
            "notes": ROCM_NOTES.format(b=b, i=i, o=o, ckpt=model.split("(")[1].rstrip(")"))
                     + (" Llama 3.1 405B Instruct: the shapes of kvplan's llama-3.1-405b." if tag == "405b" else
                        " Llama 3.1 70B Instruct: the shapes of kvplan's llama-3.1-70b.")})
    tput = open(Path(path).with_name("rocm_tput.md")).read().splitlines()
    excluded = [{"source": ROCM, "quote": "\n".join(tput[:3] + ([tput[3]] if k > 3 and k < 7 else [])
                                                        + ([tput[7]] if k > 7 else []) + [tput[k]]),
                 "reason": "a max-throughput run of benchmark_throughput.py: every prompt is sent at once and vLLM's "
                           "scheduler picks the batch (up to Max Num Seqs), so the row has no fixed batch"}
                for k in range(3, len(tput))]
    return rows, excluded


# the cookbook's random lengths (sglang.bench_serving --dataset-name random, range ratio 0, seed 1): the rows stand for
# the two middle requests of a 10-request median, as round 5 derived them (README.md, round 5)
LENGTHS = {("1000", "1000", "ttft"): (742, 1), ("1000", "1000", "tpot"): (782, 285),
           ("1000", "8000", "ttft"): (742, 1), ("1000", "8000", "tpot"): (877, 4430),
           ("8000", "1000", "ttft"): (3438, 1), ("8000", "1000", "tpot"): (4519, 625)}
RANDOM_NOTE = (
    "sglang.bench_serving --dataset-name random with the default --random-range-ratio 0 and --seed 1 draws each "
    "request's lengths as numpy randint(1, L + 1) (inputs then outputs): for 1000 / 1000 the 10 prompts are 38, 236, "
    "909, 73, 768, 906, 716, 646, 848, 961 tokens and the outputs 145, 130, 973, 584, 750, 509, 391, 282, 179, 277 "
    "(sums 6,101 and 4,220, the page's totals; with 8000 the prompts sum to 41,941 and 8000 outputs to 44,462, the "
    "page's totals again). bench_serving's warm-up runs request 0 first, so with the radix cache its prompt is cached. ")
TTFT_NOTE = ("TTFT: from the HTTP request to the first streamed token (tokenization, scheduling, the prefill and the "
             "streaming round trip included); a median of 10 is the mean of the 5th and 6th: requests 6 and 4 (prompts "
             "716 and 768) or, for 8000-token prompts, 8 and 2 (2,896 and 3,981); input_len is their mean.")
TPOT_NOTE = ("TPOT: (end-to-end latency - TTFT) / (output tokens - 1) per request; the median's two middle requests "
             "by prompt + output / 2; input_len and output_len are their means (round 5's rows, the same lengths).")


def _block(lines: list[str], start: int, end: int) -> list[str]:
    """Lines ``start``..``end`` (1-based, inclusive) as the page has them, less Markdown code fences."""
    return [ln.rstrip() for ln in lines[start - 1:end] if not ln.startswith("```")]


def _find(lines: list[str], prefix: str, start: int) -> int:
    """1-based number of the first line at or after ``start`` that starts with ``prefix``."""
    return next(k + 1 for k in range(start - 1, len(lines)) if lines[k].startswith(prefix))


def gemma(path: str) -> tuple[list, list]:
    lines = open(path).read().splitlines()
    env = _block(lines, _find(lines, "**Test Environment:**", 1), _find(lines, "- SGLang Version", 1))
    rows, excluded = [], []
    runs = [k + 1 for k, ln in enumerate(lines) if ln.startswith("============ Serving Benchmark Result")]
    for start in runs:
        end = _find(lines, "==================================================", start + 1)
        head = max(k + 1 for k in range(start) if lines[k].startswith("#### "))
        kind = max(k + 1 for k in range(start) if lines[k].startswith("**") and "Benchmark (" in lines[k])
        block = _block(lines, start, end)
        quote = "\n".join(env + [lines[head - 1], lines[kind - 1]] + block)
        section = lines[head - 1]
        c1 = any(ln.split() == ["Max", "request", "concurrency:", "1"] for ln in block)
        if "26B-A4B" in section and c1 and "Text" in lines[kind - 1]:
            gpu, tag = ("h200-sxm-141gb", "h200") if "H200" in section else ("mi300x", "mi300x")
            get = {ln.split(":")[0].strip(): ln.split(":")[1].strip() for ln in block if ":" in ln}
            for metric, key, (i, o), note in (("ttft_ms", "Median TTFT (ms)", (742, 1), TTFT_NOTE),
                                              ("decode_ms_per_token", "Mean TPOT (ms)", (610, 422),
                                               "TPOT: the page prints the mean over the 10 requests of each one's "
                                               "(end-to-end latency - TTFT) / (output tokens - 1) and no median; a "
                                               "request's TPOT grows with its context, so the row stands for the mean "
                                               "context prompt + output / 2 over the 10 (821 tokens): input_len 610 "
                                               "and output_len 422 are the means of the prompts and outputs.")):
                rows.append({
                    "id": f"sglang-{tag}-gemma4-26b-a4b-bf16-tp1-c1-1000-1000-{'ttft' if metric == 'ttft_ms' else 'tpot'}",
                    "source": GEMMA, "quote": quote, "retrieved": RETRIEVED, "engine": "sglang",
                    "engine_version": "SGLang 'gemma4 branch' (the page's 'SGLang Version'; no release number)",
                    "model": "gemma-4-26b-a4b", "weight_dtype": "bf16", "kv_dtype": "bf16", "gpu": gpu, "num_gpus": 1,
                    "batch": 1, "input_len": i, "output_len": o, "metric": metric, "value": float(get[key]),
                    "notes": f"SGLang cookbook page 'Gemma 4', 5.1 Speed Benchmark, {section.lstrip('# ')}, 'Latency "
                             "Benchmark (Text)': `sglang serve --model-path google/gemma-4-26B-A4B-it` (TP 1, dtype "
                             "auto = bf16, KV cache bf16: --kv-cache-dtype auto) and `sglang.bench_serving --backend "
                             "sglang --dataset-name random --num-prompts 10 --max-concurrency 1` (one request in "
                             "flight: batch 1; no --random-input-len / --random-output-len, and the totals 6,101 / "
                             "4,220 are those of 1000 / 1000 under seed 1, so the lengths are those). "
                             + ("'H200': the SXM 141 GB part assumed. " if tag == "h200" else "")
                             + RANDOM_NOTE + note})
            excluded.append({"source": GEMMA, "quote": quote,
                             "reason": "the run's other statistics (mean TTFT, median ITL, throughputs) describe the "
                                       "same requests as its two rows (median TTFT, mean TPOT)"})
            continue
        if "26B-A4B" not in section:
            why = (f"{section.lstrip('# ').split(' (')[0]} is not in kvplan's model catalog (only gemma-4-26b-a4b is)")
        elif not c1:
            why = "concurrency 100: a closed loop of continuous batching, not a fixed batch (as in round 5)"
        else:
            why = "image inputs (two 720p images a request, 534 vision tokens): kvplan prices text tokens only"
        excluded.append({"source": GEMMA, "quote": quote, "reason": why})
    return rows, excluded


def dsv31(path: str) -> tuple[list, list]:
    lines = open(path).read().splitlines()
    env = _block(lines, _find(lines, "**Test Environment:**", 1), _find(lines, "- sglang version", 1))
    launch = _block(lines, _find(lines, "python -m sglang.launch_server", _find(lines, "#### 5.1.4", 1)),
                    _find(lines, "  --tp 8", _find(lines, "#### 5.1.4", 1)))
    rows, excluded = [], []
    for start in [k + 1 for k, ln in enumerate(lines) if ln.startswith("============ Serving Benchmark Result")]:
        end = _find(lines, "==================================================", start + 1)
        cmd = max(k + 1 for k in range(start) if lines[k].startswith("python -m sglang.bench_serving"))
        block = _block(lines, start, end)
        get = {ln.split(":")[0].strip(): ln.split(":")[1].strip() for ln in block if ":" in ln}
        args = {lines[k].split()[0]: lines[k].split()[1] for k in range(cmd, start) if lines[k].startswith("  --")
                and len(lines[k].split()) > 1}
        i, o, c = args["--random-input-len"], args["--random-output-len"], args["--max-concurrency"]
        keep = [ln for ln in block if not ln.startswith(("Median TTFT", "Median TPOT"))]
        if c != "1":
            excluded.append({"source": DSV31, "quote": "\n".join(env + _block(lines, cmd, start - 3) + block),
                             "reason": f"concurrency {c}: a closed loop of continuous batching, not a fixed batch "
                                       "(as in round 5)"})
            continue
        for phase, key in (("ttft", "Median TTFT (ms)"), ("tpot", "Median TPOT (ms)")):
            li, lo = LENGTHS[(i, o, phase)]
            pick = [ln for ln in block if ln.startswith(("Max request concurrency", "Total input tokens:",
                                                         "Total generated tokens:", key))]
            rows.append({
                "id": f"sglang-mi300x-deepseek-v3.1-fp8-tp8-c1-{i}-{o}-{phase}", "source": DSV31,
                "quote": "\n".join(env + launch + _block(lines, cmd, start - 3) + pick), "retrieved": RETRIEVED,
                "engine": "sglang", "engine_version": "SGLang 0.5.7 (the page's 'sglang version: 0.5.7')",
                "model": "deepseek-v3", "weight_dtype": "fp8", "kv_dtype": "bf16", "gpu": "mi300x", "num_gpus": 8,
                "batch": 1, "input_len": li, "output_len": lo,
                "metric": "ttft_ms" if phase == "ttft" else "decode_ms_per_token", "value": float(get[key]),
                "notes": "SGLang cookbook page 'DeepSeek-V3.1', 5.1.4 Low Concurrency: `sglang.launch_server "
                         "--model-path deepseek-ai/DeepSeek-V3.1 --tp 8` on 8 x AMD MI300X and `sglang.bench_serving "
                         f"--dataset-name random --random-input-len {i} --random-output-len {o} --num-prompts 10 "
                         "--max-concurrency 1` (batch 1). DeepSeek-V3.1: the shapes of kvplan's deepseek-v3 (the same "
                         "architecture); its checkpoint's weights are FP8 (e4m3, 128 x 128 block scales); KV cache "
                         "bf16 (SGLang's --kv-cache-dtype auto: the model dtype). The page's test environment names "
                         "the model 'DeepSeek-V3.1-Terminus' and its commands 'DeepSeek-V3.1' (the same shapes). "
                         + RANDOM_NOTE + (TTFT_NOTE if phase == "ttft" else TPOT_NOTE)})
        excluded.append({"source": DSV31, "quote": "\n".join(env + _block(lines, cmd, start - 3) + keep),
                         "reason": "the run's other statistics (means, P99s, ITL, end-to-end latency, throughputs) "
                                   "describe the same requests as its two rows (median TTFT, median TPOT)"})
    return rows, excluded


def main(rocm_md: str, gemma_md: str, dsv31_md: str) -> None:
    parts = [rocm(rocm_md), gemma(gemma_md), dsv31(dsv31_md)]
    rows = [r for p in parts for r in p[0]]
    excluded = [x for p in parts for x in p[1]]
    append(rows, excluded)


if __name__ == "__main__":
    main(*sys.argv[1:4])
