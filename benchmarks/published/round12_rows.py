"""Round 12 (issue 21): the rows of the new source documents, written into measurements.yaml and excluded.yaml.

    python benchmarks/published/round12_rows.py   # appends the round-12 entries (run once)

The sources, read after round 11's held-out figures had been seen (session 13), and split (make_split.py, round 12, seed
2026121212) before any of their rows was predicted against its measured figure:

* Tenstorrent's tt-inference-server issue #356 "DeepSeek-R1-0528: GPU Benchmarks" (opened 2025-06-30) and issue #394
  "[Model Readiness Support]: Qwen3-4B" (its GPU comment of 2025-11-12): Tenstorrent engineers measuring NVIDIA GPUs as
  reference points for their own hardware, with their release workflow (``python run.py --device gpu``) against a vLLM
  server they started themselves. Not published by vLLM, NVIDIA or a model vendor; no row of either thread was ever in
  this file or on the accuracy page. Each thread is one campaign (one tester, one machine, one month): one source
  document each.

The client is tt-inference-server's ``benchmarking/run_benchmarks.py`` (read at b4b8acc, the repository on 2025-07-01):
vLLM's ``benchmark_serving.py --backend vllm --dataset-name cleaned-random --random-input-len ISL --random-output-len OSL
--ignore-eos --max-concurrency C --num-prompts N``: every prompt ISL tokens, every answer OSL tokens, through vLLM's
OpenAI completions API, timed by the client (TTFT from the HTTP request to the first streamed token). The report's
note: "all metrics are means across benchmark run unless otherwise stated"; "Concurrency: number of concurrent requests
(batch size)".

Rule for these rows, fixed before any was predicted (round 5's and round 11's rule for served runs): a table is read
only if its GPU is an NVIDIA GPU of kvplan's catalog inside one node (8 GPUs or fewer) and its model is in the catalog;
of each concurrency-1 run (one request in flight: batch 1), the TTFT (``ttft_ms``: the prefill of ISL tokens, served)
and the TPOT (``decode_ms_per_token``: the decode steps at ISL + 1 ... ISL + OSL - 1 tokens of context) are rows; the
run's other columns (Tput User, Tput Decode, Tput Prefill, E2EL, Req Tput) are other statistics of the same run and are
left out. Rows the stored copy of the thread cuts (every copy read on 2026-12-07 is an excerpt) are left out unread, not
chosen away. The GPU variant, where not stated, is taken as SXM (rounds 4 and 11); the tensor-parallel size, where not
stated, is the GPU count the table names.

Read and not used (README): the same repository's issue #340 "Qwen3 Family: GPU Benchmarks" (Qwen3-0.6B ... 30B-A3B on
an "A100": neither the memory size, 40 or 80 GB, nor the tensor-parallel size is stated, and the catalog's A100s differ
by 30 % in bandwidth).
"""
from __future__ import annotations

import sys

from rows_io import append

RETRIEVED = "2026-12-07"
ISSUE = "https://github.com/tenstorrent/tt-inference-server/issues/"
COLS = ("|  ISL  | OSL  | Concurrency | N Req | TTFT (ms) | TPOT (ms) | Tput User (TPS) | Tput Decode (TPS) | Tput Prefill "
        "(TPS) | E2EL (ms) | Req Tput (RPS) |")
CLIENT = (
    "tt-inference-server's release workflow against a vLLM server the tester started (docs/gpu_workflows.md: 'you must "
    "bring-your-own-server'); client benchmarking/run_benchmarks.py -> vLLM benchmark_serving.py --backend vllm "
    "--dataset-name cleaned-random --random-input-len {isl} --random-output-len {osl} --ignore-eos --max-concurrency 1 "
    "--num-prompts {n} (n from the table's 'N Req'): {n} requests one at a time, each {isl} prompt tokens and {osl} "
    "generated, through the OpenAI completions API; the report's figures are means over the {n} requests. The vLLM "
    "release and its flags are not stated (the report's vllm_commit is for Tenstorrent's fork, 'n/a' on GPU)."
)
TTFT = "TTFT: client-side, from the HTTP request to the first streamed token (tokenization, scheduling, the prefill)."
TPOT = "TPOT: (E2EL - TTFT) / (OSL - 1) per request, averaged: the decode steps after the first token."

# (source doc, comment header, table title, kvplan setup, [rows verbatim], [cut lines verbatim], note)
TABLES = [
    ("356", "gtobarTT · comment · 2025-07-10",
     "### Performance Benchmark Sweeps for DeepSeek-R1-0528-AWQ on 8xH100s (vLLM)",
     dict(model="deepseek-r1", weight_dtype="int4", kv_dtype="fp16", gpu="h100-sxm-80gb", num_gpus=8, tag="h100x8-deepseek-r1-0528-awq",
          version="vLLM (release not stated; run of July 2025)"),
     ["|   128 |  128 |           1 |     8 |      47.3 |      16.1 |           62.11 |              62.1 |             "
      "2708.7 |    2091.9 |          0.478 |",
      "|   128 | 1024 |           1 |     4 |      27.3 |      16.1 |           62.08 |              62.1 |             "
      "4694.4 |   16505.0 |          0.061 |",
      "|  1024 |  128 |           1 |     4 |     105.3 |      16.1 |           61.99 |              62.0 |             "
      "9722.8 |    2154.1 |          0.464 |",
      "|  2048 |  128 |           1 |     4 |     127.3 |      16.3 |           61.5  |              61.5 |            "
      "16083.8 |    2192.5 |          0.456 |",
      "|  3072 |  128 |           1 |     4 |     131.7 |      16.4 |           61.12 |              61.1 |            "
      "23318.3 |    2209.7 |          0.452 |",
      "|  4096 |  128 |           1 |     2 |     120.1 |      16.4 |           60.81 |              60.8 |            "
      "34100.3 |    2208.6 |          0.453 |",
      "|  8192 |  128 |           1 |     2 |     242.0 |      16.6 |"],
     [],
     "DeepSeek-R1-0528-AWQ (the thread's name; the issue's plan: '8xH100s: Quantized (AWQ)'), kvplan's deepseek-r1 "
     "(R1-0528 keeps R1's shapes) with int4 weights (AWQ 4-bit; kvplan's int4 does not count AWQ's group scales and zero "
     "points); KV format not stated (vLLM 'auto': the checkpoint's 16-bit dtype for the MLA latent cache). 8 x H100, "
     "TP 8 assumed (the table names 8 GPUs and no other split), SXM 80 GB assumed (the variant is not stated)."),
    ("394", "gtobarTT · comment · 2025-11-12",
     "### Performance Benchmark Sweeps for Qwen_Qwen3-4B on 4090\n\n#### Text-to-Text Performance Benchmark Sweeps for "
     "Qwen_Qwen3-4B on 4090",
     dict(model="qwen3-4b", weight_dtype="bf16", kv_dtype=None, gpu="rtx-4090", num_gpus=1, tag="rtx4090-qwen3-4b-bf16",
          version="vLLM (release not stated; run of November 2025)"),
     ["|   128 |  128 |           1 |     8 |      33.1 |      10.5 |           95.27 |              95.3 |             "
      "3872.1 |    1366.1 |          0.731 |",
      "|   128 | 1024 |           1 |     4 |      24.7 |      10.4 |           96.05 |              96.0 |             "
      "5189.1 |   10675.8 |          0.094 |",
      "|  1024 |  128 |           1 |     4 |      62.1 |      10.3 |           97.16 |              97.2 |            "
      "16501.7 |    1369.1 |          0.73  |",
      "|  2048 |  128 |           1 |     4 |      77.7 |      10.8 |           92.22 |              92.2 |            "
      "26369.0 |    1454.9 |          0.687 |",
      "|  3072 |  128 |           1 |     4 |      82.6 |      10.8 |           92.27 |              92.3 |            "
      "37197.1 |    1459.0 |          0.685 |",
      "|  4096 |  128 |           1 |     2 |      76.6 |      10.9 |           92.15 |              92.2 |            "
      "53472.8 |    1454.7 |          0.687 |"],
     ["|  8192 |  128 |"],
     "Qwen_Qwen3-4B (the report's name for Qwen/Qwen3-4B), kvplan's qwen3-4b; dtype not stated: the checkpoint's bf16 "
     "(vLLM 'auto'), KV bf16. One RTX 4090 (24 GB), TP 1."),
]
# tables of the threads that are not rows, each with its visible lines (verbatim) and the reason
OTHER = [
    ("356", "gtobarTT · comment · 2025-07-08\n### Performance Benchmark Sweeps for DeepSeek-R1-0528 on 16xH100\n\n"
     + COLS + "\n|   128 |  128 |           1 |     8 |     208.5 |      31.2 |"
     "\n|   128 | 1024 |           1 |     4 |     193.8 |      31.3 |\n|  1024 |  128 |           1 |     4 |     812.3 |"
     "      31.2 |\n|  2048 |  128 |           1 |     4 |     689.7 |      31.2 |\n|  3072 |  128 |",
     "16 x H100 (the issue's plan: '16 xH100s: Full Precision' with TensorRT-LLM, SGLang and vLLM): two 8-GPU nodes, "
     "whose inter-node split is not stated and which kvplan's one-node tensor-parallel step does not price; the engine "
     "of this table is not named in the text read either. Left out by the one-node rule, fixed before prediction"),
    ("356", "gtobarTT · description · 2025-06-30\n- 8xH100s: Quantized (AWQ)\n     - [x] SGLang\n     - [x] Optional: vLLM",
     "the SGLang run on 8 x H100 (AWQ) and the 16 x H100 runs' other engines: their tables are not in any stored copy "
     "of the thread read on 2026-12-07 (only the vLLM 8 x H100 table and one 16 x H100 table could be read); left out "
     "unread, not chosen away"),
    ("394", "[Model Readiness Support]: Qwen3-4B (Tenstorrent n150 / n300 / p150 / t3k reports of the same thread)",
     "the thread's Tenstorrent-device runs: not GPUs of kvplan's catalog"),
]


def rows() -> tuple[list, list]:
    out, excluded = [], []
    for doc, header, title, setup, lines, cut, note in TABLES:
        source = ISSUE + doc
        for line in lines:
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            isl, osl, conc, n = (int(c) for c in cells[:4])
            assert conc == 1
            quote = f"{header}\n{title}\n\n{COLS}\n{line}"
            client = CLIENT.format(isl=isl, osl=osl, n=n)
            for metric, value, o, what, tag in (("ttft_ms", float(cells[4]), 1, TTFT, "ttft"),
                                                ("decode_ms_per_token", float(cells[5]), osl, TPOT, "tpot")):
                out.append({
                    "id": f"tt-{setup['tag']}-c1-{isl}-{osl}-{tag}", "source": source, "quote": quote,
                    "retrieved": RETRIEVED, "engine": "vllm", "engine_version": setup["version"],
                    "model": setup["model"], "weight_dtype": setup["weight_dtype"], "kv_dtype": setup["kv_dtype"],
                    "gpu": setup["gpu"], "num_gpus": setup["num_gpus"], "batch": 1, "input_len": isl, "output_len": o,
                    "metric": metric, "value": value, "notes": f"{what} {client} {note}"})
            if len(cells) > 6:
                excluded.append({"source": source, "quote": quote, "reason": (
                    f"the concurrency-1 run's Tput User ({cells[6]}), Tput Decode ({cells[7]}), Tput Prefill "
                    f"({cells[8]}), E2EL ({cells[9]} ms) and Req Tput ({cells[10]}): other statistics of the run whose "
                    "TTFT and TPOT are rows (round 5's rule)")})
            else:
                excluded.append({"source": source, "quote": quote, "reason": (
                    "the run's other columns are cut in every stored copy read on 2026-12-07 (its TTFT and TPOT are "
                    "rows); left out unread")})
        for line in cut:
            excluded.append({"source": source, "quote": f"{header}\n{title}\n\n{COLS}\n{line}", "reason": (
                "this row and every later row of the table are cut in every stored copy of the thread read on "
                "2026-12-07: left out unread, not chosen away (a later round may add them from a full copy)")})
    for doc, quote, reason in OTHER:
        excluded.append({"source": ISSUE + doc, "quote": quote, "reason": reason})
    return out, excluded


def main() -> None:
    r, x = rows()
    append(r, x)


if __name__ == "__main__":
    if len(sys.argv) > 1:
        sys.exit("usage: python benchmarks/published/round12_rows.py")
    main()
