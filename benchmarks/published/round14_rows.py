"""Round 14 (issue 21): the rows of the new source documents, written into measurements.yaml and excluded.yaml.

    git -C QWEN_CLONE show a912d23:docs/source/benchmark/speed_benchmark.rst > /tmp/qwen25_speed.rst
    python benchmarks/published/round14_rows.py /tmp/qwen25_speed.rst   # appends the round-14 entries (run once)

The sources, read after round 13's held-out figures had been seen (session 15), and split (make_split.py, round 14, seed
2026121521) before any of their rows was predicted against its measured figure:

* torchao's ``torchao/quantization/README.md`` at 92dd5f5 (pytorch/ao PR #1017 "Dynamic Float8 benchmarking llama",
  2024-10-07): its "Benchmarks" section, one table of Llama-2-7B and Llama-3-8B on "a single NVIDIA-A100-80GB GPU" and
  one of Meta-Llama-3.1-8B on "a single NVIDIA-H100 GPU", each row a weight format (bfloat16, int8 / int4 weight-only,
  FP8 weight-only and dynamic W8A8), decode rate in tokens per second at batch 1; and two more tables further down
  the same page (Sparse-Marlin, UINTx). PyTorch's own measurements of its quantization library, made with
  ``torchao/_models/llama/generate.py`` (gpt-fast's generate.py as torchao keeps it) and recorded by the commands of
  ``torchao/_models/llama/benchmarks.sh`` ("README BENCHMARKS"). No row of it was ever in this file or on the accuracy
  page. One README at one commit: one source document (as round 10's two tables of one README).

* Qwen's "Qwen2.5 Speed Benchmark" page, ``docs/source/benchmark/speed_benchmark.rst`` of QwenLM/Qwen2.5 at a912d23
  (2024-11-06, "Rebuild docs for speed benchmark", the tables of 0f0ecfb "add qwen2.5 perf report", 2024-10-30; published
  as qwen.readthedocs.io's benchmark/speed_benchmark page): the Qwen team's batch-1 runs of every Qwen2.5 Instruct model
  on NVIDIA A100 80GB, in bfloat16, GPTQ-Int8, GPTQ-Int4 and AWQ, generating 2,048 tokens after 1 to 129,024 prompt
  tokens, with vLLM 0.6.3 (0.6.2 for the 129,024-token rows) and with Hugging Face Transformers 4.46.0: "Speed(tokens/s)"
  per run. One page, one campaign: one source document.

Rules for these rows, fixed before any was predicted; torchao README:

* every row of each table whose model, GPU and weight format kvplan can name is a row; the other rows are in
  excluded.yaml with their reason: W8A8 int8 ("int8dq": measurements.yaml's ``int8`` is a weight-only format), FP6
  (no 6-bit format in kvplan.model.dtypes), autoquant (a per-layer choice among formats made by timing, so no single
  stated format), and the Sparse-Marlin and UINTx tables (their sections state no GPU; their bfloat16 / int8wo /
  int4wo-64 rows print the A100 table's figures again, the same runs);
* the tables' other columns (wikitext perplexity, "Memory Bandwidth (GB/s)" = model size x tokens/s, peak memory,
  model size) are not speeds: one excluded entry per kept row says so;
* "int4wo-64-GPTQ" is the int4wo-64 format with GPTQ-chosen values (same kernel, same bytes): a row, though its figure
  is the int4wo-64 row's, printed again.

Qwen2.5 page (read from the mirror of QwenLM/Qwen2.5 at a912d23):

* every row of every table whose model is in kvplan's catalog is a row (Qwen2.5-7B / 14B / 32B-Instruct, both engines);
  the 0.5B, 1.5B, 3B and 72B tables are in excluded.yaml (not in the catalog); the Transformers tables' "GPU Memory(GB)"
  column is not a speed (one excluded entry per kept Transformers row);
* "GPU Num" is the tensor-parallel size for vLLM (the Qwen speed-benchmark script passes the visible GPUs as
  ``tensor_parallel_size``); a Transformers row on more than one GPU would be a layer split (``device_map="auto"``), not
  tensor parallelism, and is left out (none of the catalog models' Transformers rows uses more than one);
* the vLLM rows marked "setting1" ran with ``enforce_eager=True`` (the page's "[Setting 1]" footnote of the 32B table):
  cuda_graphs_off.yaml names them, written with these rows, before any was predicted;
* the figure: the page does not define "Speed(tokens/s)"; the Qwen team's speed-benchmark scripts, published in the same
  repository two weeks later (examples/speed-benchmark, 8205ba2, 2024-11-18, "Add speed benchmark examples"), compute
  ``output_len / time`` with output_len = 2,048 and time = the wall time of one ``llm.generate()`` (vLLM, after warm-up
  calls) or ``model.generate()`` (Transformers, ``min_length`` forcing all 2,048 tokens) call: prefill included, i.e. ``output_tokens_per_s_total`` at batch
  1 (and the page's 1-token and 6,144-token rates are nearly equal, which a numerator with the prompt in it would not give).

What the torchao figure is (generate.py at 92dd5f5, read from the mirror): ``main()`` runs ``num_samples`` = 5 timed
generations (after one untimed compile pass when ``--compile``) of ``max_new_tokens`` = 200 tokens (argparse default)
after the default prompt "Hello, my name is" with a BOS token prepended (``encode_tokens(..., bos=True)``): 6 prompt
tokens under both the Llama 2 SentencePiece and the Llama 3 tiktoken vocabularies (BOS, "Hello", ",", " my", " name",
" is"; counted here from the vocabularies, not printed by the source). Each sample's ``tokens_sec`` = generated tokens
/ the wall time of ``generate()`` (the 6-token prefill, uncompiled without ``--compile_prefill``, included), and the
README's "Tokens/Second" is their mean. ``--compile`` compiles ``decode_one_token`` with
``torch.compile(mode="reduce-overhead", fullgraph=True)`` (CUDA graphs); weights and KV cache in bfloat16
(``--precision`` default) unless quantized; batch 1 (``setup_caches(max_batch_size=1, ...)``); sampling at
temperature 0.8 / top-k 200, no stop at EOS (every sample generates 200 tokens).
"""
from __future__ import annotations

import sys
from pathlib import Path

from rows_io import append

RETRIEVED = "2026-12-07"
COMMIT = "92dd5f557d32ce616a138dfe0bdc195355271514"
SRC = f"https://github.com/pytorch/ao/blob/{COMMIT}/torchao/quantization/README.md"
VERSION = ("torchao main at 92dd5f5 (2024-10-07), torchao/_models/llama/generate.py (gpt-fast's generate.py as torchao "
           "keeps it) with --compile; the PyTorch build is not stated")

A100_HEAD = (
    "## Benchmarks\nBenchmarks and evaluation are run on a machine with a single NVIDIA-A100-80GB GPU using the scripts "
    "for [generation](../_models/llama/generate.py) and [eval](../_models/llama/eval.py). Evaluation was done using the "
    "lm_eval library for tasks/data. The models used were meta-llama/Llama-2-7b-chat-hf and meta-llama/Meta-Llama-3-8B."
    "\n\n| Model       | Technique               | wikitext-perplexity | Tokens/Second | Memory Bandwidth (GB/s) | Peak "
    "Memory (GB) | Model Size (GB) |")
H100_HEAD = (
    "Benchmarks and evaluation for model meta-llama/Meta-Llama-3.1-8B are run on a machine with a single NVIDIA-H100 GPU "
    "using the scripts for [generation](../_models/llama/generate.py) and [eval](../_models/llama/eval.py). Evaluation was "
    "done using the lm_eval library for tasks/data.\n\n| Model         | Technique               | wikitext-perplexity | "
    "Tokens/Second | Memory Bandwidth (GB/s) | Peak Memory (GB) | Model Size (GB) |")
SPARSE_HEAD = (
    "### Sparse-Marlin\n\nSparse-Marlin 2:4 is an optimized GPU kernel that extends the Mixed Auto-Regressive Linear "
    "(Marlin) dense kernel to support 4-bit quantized weights and 2:4 sparsity for extremely high performance.\n\n"
    "| Model       | Technique               | Tokens/Second | Memory Bandwidth (GB/s) | Peak Memory (GB) | Model Size (GB) |")
UINTX_HEAD = (
    "### UINTx Quantization\nWe're trying to develop kernels for low bit quantization for intx quantization formats. "
    "While the current performance is not ideal, we're hoping to continue to iterate on these kernels to improve their "
    "performance.\n\n| Model       | Technique               | wikitext-perplexity | Tokens/Second | Memory Bandwidth "
    "(GB/s) | Peak Memory (GB) | Model Size (GB) |")

# (table head, gpu, gpu note, [(model cell, kvplan model, model note, [row lines verbatim])])
A100_NOTE = ("'a single NVIDIA-A100-80GB GPU': the variant is not stated, taken as SXM 80 GB (rounds 4, 11 and 13's "
             "rule).")
H100_NOTE = "'a single NVIDIA-H100 GPU': neither variant nor memory is stated, taken as the SXM 80 GB part (the same rule)."
TABLES = [
    (A100_HEAD, "a100-sxm-80gb", A100_NOTE, [
        ("| Llama-2-7B  | Base (bfloat16)         | 12.212              |  107.38       | 1418.93                 | 13.88"
         "            | 13.21           |", "llama-2-7b",
         "meta-llama/Llama-2-7b-chat-hf: Llama 2 7B's shapes (kvplan's llama-2-7b).", [
             "|             | int8dq                  | 12.262              |    9.61       |   63.67                 |  8.61"
             "            |  6.62           |",
             "|             | int8wo                  | 12.204              |  170.83       | 1131.18                 |  8.95"
             "            |  6.62           |",
             "|             | fp6                     | 12.369              |  117.89       |  584.57                 |  6.52"
             "            |  4.96           |",
             "|             | int4wo-64               | 12.843              |  201.14       |  751.42                 |  4.87"
             "            |  3.74           |",
             "|             | int4wo-64-GPTQ          | 12.527              |  201.14       |  751.42                 |  4.87"
             "            |  3.74           |",
             "|             | autoquant-int4hqq       | 12.825              |  209.19       |  804.32                 |  4.89"
             "            |  3.84           |"]),
        ("| Llama-3-8B  | Base (bfloat16)         |  7.441              |   95.64       | 1435.54                 | 16.43"
         "            | 15.01           |", "llama-3-8b", "meta-llama/Meta-Llama-3-8B (kvplan's llama-3-8b).", [
             "|             | int8dq                  |  7.581              |    8.61       |   64.75                 |  9.24"
             "            |  7.52           |",
             "|             | int8wo                  |  7.447              |  153.03       | 1150.80                 | 10.42"
             "            |  7.52           |",
             "|             | fp6                     |  7.661              |  161.58       |  910.02                 |  7.72"
             "            |  5.63           |",
             "|             | int4wo-64               |  8.316              |  180.80       |  763.33                 |  6.88"
             "            |  4.22           |",
             "|             | int4wo-64-GPTQ          |  7.921              |  180.80       |  763.33                 |  6.88"
             "            |  4.22           |",
             "|             | autoquant-int4hqq       |  8.110              |  188.41       |  800.58                 |  7.14"
             "            |  4.25           |"]),
    ]),
    (H100_HEAD, "h100-sxm-80gb", H100_NOTE, [
        ("| Llama-3.1-8B  | Base (bfloat16)         |  7.54               |  126.90       | 1904.75                 | "
         "16.75            | 15.01           |", "llama-3.1-8b", "meta-llama/Meta-Llama-3.1-8B (kvplan's llama-3.1-8b).", [
             "|               | int8wo                  |  7.56               |  198.85       | 1495.41                 | "
             "11.05            |  7.52           |",
             "|               | int4wo-64               |  8.44               |  241.39       | 1019.14                 |  "
             "7.08            |  4.22           |",
             "|               | float8wo                |  7.60               |  178.46       | 1339.93                 | "
             "12.09            |  7.51           |",
             "|               | float8dq (PerTensor)    |  7.62               |  116.40       |  873.58                 | "
             "11.14            |  7.51           |",
             "|               | float8dq (Per Row)      |  7.61               |  154.63       | 1161.47                 | "
             "11.14            |  7.51           |"]),
    ]),
]
# technique -> (weight_dtype, id tag, note) for the rows; None -> excluded with the reason
TECH = {
    "Base (bfloat16)": ("bf16", "bf16", "Weights bfloat16 (generate.py --precision default torch.bfloat16)."),
    "int8wo": ("int8", "int8wo", "int8 weight-only (torchao int8_weight_only: symmetric, one scale per output channel; "
                                 "activations bfloat16)."),
    "int4wo-64": ("int4", "int4wo-g64", "int4 weight-only, one bfloat16 scale and zero point per group of 64 "
                                        "(torchao int4_weight_only(group_size=64), tinygemm's tensor-core-tiled layout "
                                        "and torch.ops.aten._weight_int4pack_mm; kvplan's int4 does not count the "
                                        "scales)."),
    "int4wo-64-GPTQ": ("int4", "int4wo-g64-gptq", "int4 weight-only in groups of 64 with GPTQ-chosen values: the "
                                                  "int4wo-64 format and kernel (the README prints the int4wo-64 row's "
                                                  "speed figures again for it)."),
    "float8wo": ("fp8", "fp8wo", "FP8 (E4M3) weight-only (torchao float8_weight_only): weights stored in FP8, "
                                 "activations and the matmul in bfloat16 (kvplan's fp8 prices FP8 weight bytes; at batch "
                                 "1 the weight read dominates)."),
    "float8dq (PerTensor)": ("fp8", "fp8dq-tensor", "FP8 (E4M3) weights and dynamically quantized FP8 activations "
                                                    "(torchao float8_dynamic_activation_float8_weight, one scale per "
                                                    "tensor): W8A8 FP8 matmuls."),
    "float8dq (Per Row)": ("fp8", "fp8dq-row", "FP8 (E4M3) weights and dynamically quantized FP8 activations, one scale "
                                               "per row (the README's label; benchmarks.sh at this commit runs "
                                               "'--quantization float8dq-wo', which generate.py parses as per-tensor: "
                                               "the label is taken as printed): W8A8 FP8 matmuls."),
    "int8dq": None, "fp6": None, "autoquant-int4hqq": None,
}
TECH_OUT = {
    "int8dq": "int8 dynamic activation and int8 weight quantization (torchao int8_dynamic_activation_int8_weight, W8A8 "
              "int8 matmuls): measurements.yaml's int8 is a weight-only format (README schema), and no W8A8-int8 format "
              "is named there",
    "fp6": "FP6 weight-only (torchao fpx_weight_only(3, 2), the FP6-LLM kernel, run with --precision float16): kvplan has "
           "no 6-bit weight format (kvplan.model.dtypes)",
    "autoquant-int4hqq": "autoquant picks each linear layer's format by timing it (int4 HQQ, int8 or none), so the run's "
                         "weight format is not one stated format",
}
ROW_NOTE = (
    "torchao's README 'Tokens/Second': _models/llama/generate.py --compile (benchmarks.sh 'README BENCHMARKS'), batch 1, "
    "prompt 'Hello, my name is' with BOS (6 tokens, counted from the tokenizer's vocabulary, not printed by the "
    "source), max_new_tokens 200 (default), the mean over 5 timed samples (after an untimed compile pass) of generated "
    "tokens / wall time of generate(), the uncompiled 6-token prefill included; decode compiled with "
    "torch.compile(mode='reduce-overhead') (CUDA graphs). KV cache bfloat16. {tech_note} {model_note} {gpu_note}")
OTHER_TABLES = [  # (head, [(line, reason)]) for the two tables whose sections state no GPU
    (SPARSE_HEAD, [
        ("| Llama-3-8B  | Base (bfloat16)         |   95.64       | 1435.54                 | 16.43            | 15.01"
         "           |", "the Sparse-Marlin section states no GPU; this row prints the A100 table's Llama-3-8B bfloat16 "
                         "figures again (the same run, a row above)"),
        ("|             | int8wo                  |  153.03       | 1150.80                 | 10.42            |  7.52"
         "           |", "the Sparse-Marlin section states no GPU; this row prints the A100 table's Llama-3-8B int8wo "
                         "figures again (the same run, a row above)"),
        ("|             | int4wo-64               |  180.80       |  763.33                 |  6.88            |  4.22"
         "           |", "the Sparse-Marlin section states no GPU; this row prints the A100 table's Llama-3-8B int4wo-64 "
                         "figures again (the same run, a row above)"),
        ("|             | int4wo-64-sparse-marlin |  226.02       |  689.20                 |  5.32            |  3.05"
         "           |", "the Sparse-Marlin section states no GPU, and 2:4-sparse int4 weights are no format kvplan "
                         "names (kvplan.model.dtypes)"),
    ]),
    (UINTX_HEAD, [
        ("| Llama-2-7B  | Base (bfloat16)         | 12.212              | 107.38        | 1418.93                 | 13.88"
         "            | 13.21           |", "the UINTx section states no GPU; this row prints the A100 table's Llama-2-7B "
                                            "bfloat16 figures again (the same run, a row above)"),
        ("|             | uintx-4-64-hqq          | 12.775              |  50.99        |  200.08                 |  6.29"
         "            |  3.92           |", "the UINTx section states no GPU (torchao's prototype uintx kernels)"),
        ("|             | uintx-2-8-hqq           | 24.500              |  40.25        |  265.95                 |  9.24"
         "            |  6.61           |", "the UINTx section states no GPU, and 2-bit weights are no format kvplan "
                                            "names (kvplan.model.dtypes)"),
        ("| Llama-3-8B  | Base (bfloat16)         |  7.441              |  95.64        | 1435.54                 | 16.43"
         "            | 15.01           |", "the UINTx section states no GPU; this row prints the A100 table's Llama-3-8B "
                                            "bfloat16 figures again (the same run, a row above)"),
        ("|             | uintx-4-64-hqq          |  8.124              |  47.85        |  213.24                 | 11.85"
         "            |  4.46           |", "the UINTx section states no GPU (torchao's prototype uintx kernels)"),
        ("|             | uintx-2-8-hqq           | 39.605              |  34.83        |  261.42                 | 14.99"
         "            |  7.51           |", "the UINTx section states no GPU, and 2-bit weights are no format kvplan "
                                            "names (kvplan.model.dtypes)"),
    ]),
]
# ---- Qwen2.5 speed benchmark ---------------------------------------------------------------------------------------
QWEN_COMMIT = "a912d239c2d0e2e5d10bb8d02e6f5685edb43e68"
QWEN_SRC = f"https://github.com/QwenLM/Qwen2.5/blob/{QWEN_COMMIT}/docs/source/benchmark/speed_benchmark.rst"
QWEN_ENV = {  # the page's environment lines for each engine: its heading, the GPU and the engine version
    "Transformer": ("The environment of the evaluation with huggingface transformers is:\n\n-  NVIDIA A100 80GB\n"
                    "-  Transformers 4.46.0"),
    "vLLM": "The environment of the evaluation with vLLM is:\n\n-  NVIDIA A100 80GB\n-  vLLM 0.6.3",
}
QWEN_NOTES = "- We use the batch size of 1 and the least number of GPUs as"
# the page's text at QWEN_COMMIT, given on the command line (git show a912d23:docs/source/benchmark/speed_benchmark.rst in
# a clone of QwenLM/Qwen2.5); the rows' quotes keep every line used
QWEN_TEXT: Path | None = None
QWEN_MODELS = {"7B": "qwen2.5-7b", "14B": "qwen2.5-14b", "32B": "qwen2.5-32b-instruct"}
QWEN_MODEL_NOTE = {
    "qwen2.5-7b": "Qwen2.5-7B-Instruct (kvplan's qwen2.5-7b: the base model's shapes).",
    "qwen2.5-14b": "Qwen2.5-14B-Instruct (kvplan's qwen2.5-14b: the base model's shapes).",
    "qwen2.5-32b-instruct": "Qwen2.5-32B-Instruct (kvplan's qwen2.5-32b-instruct).",
}
QWEN_QUANT = {  # quantization cell -> (weight_dtype, kv_dtype, id tag, note)
    "BF16": ("bf16", "bf16", "bf16", "bfloat16 weights (the Instruct checkpoint); KV cache bfloat16 (dtype auto)."),
    "GPTQ-Int8": ("int8", "fp16", "gptq-int8", "Qwen's GPTQ-Int8 checkpoint: int8 weight-only in groups of 128 (kvplan's "
                                                "int8 does not count the scales); float16 activations and KV cache (the "
                                                "quantized checkpoints' dtype; taken as float16, 2 bytes as bfloat16)."),
    "GPTQ-Int4": ("int4", "fp16", "gptq-int4", "Qwen's GPTQ-Int4 checkpoint: int4 weight-only in groups of 128 (kvplan's "
                                                "int4 does not count the scales); float16 activations and KV cache (taken "
                                                "as float16, 2 bytes as bfloat16)."),
    "AWQ": ("int4", "fp16", "awq", "Qwen's AWQ checkpoint: int4 weight-only in groups of 128 with zero points (kvplan's int4 "
                                   "does not count scales or zeros); float16 activations and KV cache (AWQ runs in float16)."),
}
QWEN_ENGINE = {
    "vLLM": ("vllm", "qwen25-vllm", "vLLM 0.6.3 (V0 engine), offline LLM.generate",
             "Qwen's speed benchmark with vLLM 0.6.3 (the page's vLLM environment: CUDA 12.1, PyTorch 2.4.0, Flash "
             "Attention 2.6.3), offline ``LLM.generate`` of one prompt, tensor parallel over the 'GPU Num' GPUs; "
             "gpu_memory_utilization 0.9, max_model_len 32768, enforce_eager False ('by default', the page's notes) unless "
             "the row's note says otherwise."),
    "Transformer": ("hf", "qwen25-hf", "Hugging Face Transformers 4.46.0 (AutoGPTQ 0.7.1 / AutoAWQ 0.2.6 kernels), generate()",
                    "Qwen's speed benchmark with Hugging Face Transformers 4.46.0 (CUDA 12.1, PyTorch 2.3.1, Flash "
                    "Attention 2.5.8; AutoGPTQ 0.7.1+cu121, AutoAWQ 0.2.6), ``model.generate`` of one prompt on one GPU."),
}
QWEN_ROW_NOTE = (
    "{engine_note} 'Speed(tokens/s)' = 2048 generated tokens / the wall time of the one generate call (prefill of the "
    "'Input Length' prompt included; the Qwen speed-benchmark script's definition, examples/speed-benchmark at 8205ba2), "
    "batch 1. {setting}{quant_note} {model_note} 'NVIDIA A100 80GB': the variant is not stated, taken as SXM 80 GB (rounds "
    "4, 11 and 13's rule).")
QWEN_SETTING = {
    "": "",
    "setting-64k": "Row note 'setting-64k': gpu_memory_utilization 0.9, max_model_len 65536, enforce_eager False (the "
                   "page's footnote). ",
    "vllm==0.6.2, new sample config": "Row note 'vllm==0.6.2, new sample config': vLLM 0.6.2 (not 0.6.3) with sampling "
                                      "temperature 0.7, top-p 0.8, top-k 20 (the page's footnote); max_model_len for the "
                                      "129,024-token prompt not stated. ",
    "setting1": "Row note 'setting1': the 32B table's footnote [Setting 1] = gpu_memory_utilization 1.0, max_model_len "
                "32768, enforce_eager True: no CUDA graphs (cuda_graphs_off.yaml). ",
    "auto_gptq==0.6.0+cu1210": "Row note 'auto_gptq==0.6.0+cu1210': AutoGPTQ 0.6.0 for this run. ",
}


def qwen_tables() -> list:
    """The page's tables: (section line, engine key, size, header line, [row lines]) in page order."""
    import re
    text = QWEN_TEXT.read_text()
    out, cur = [], None
    for line in text.splitlines():
        m = re.match(r"^-\s+(\S+) \((Transformer|vLLM)\)", line)
        if m:
            cur = [line, m.group(2), m.group(1), None, []]
            out.append(cur)
        elif cur is not None and line.startswith("|"):
            if line.split("|")[1].strip() == "Model":
                cur[3] = line
            else:
                cur[4].append(line)
    return out


GPU_TAG = {"a100-sxm-80gb": "a100", "h100-sxm-80gb": "h100"}
MODEL_TAG = {"llama-2-7b": "llama2-7b", "llama-3-8b": "llama3-8b", "llama-3.1-8b": "llama3.1-8b"}


def qwen_rows() -> tuple[list, list]:
    out, excluded = [], []
    for section, eng, size, header, lines in qwen_tables():
        model = QWEN_MODELS.get(size)
        first = isl_line = None
        isl = None
        for line in lines:
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            if cells[0]:
                first = line
            if cells[1]:
                isl, isl_line = int(cells[1]), line
            ctx = "\n".join(dict.fromkeys(x for x in (first, isl_line, line)))
            quote = f"{QWEN_ENV[eng]}\n\n{QWEN_NOTES}\n\n{section}\n\n{header}\n{ctx}"
            if model is None:
                excluded.append({"source": QWEN_SRC, "quote": quote, "reason": (
                    f"Qwen2.5-{size}-Instruct is not in kvplan's model catalog (model_specs/models/)")})
                continue
            quant, gpus, speed = cells[2], int(cells[3]), cells[4]
            note = cells[6] if eng == "Transformer" else cells[5]
            engine, tag, version, engine_note = QWEN_ENGINE[eng]
            if eng == "Transformer" and gpus > 1:
                excluded.append({"source": QWEN_SRC, "quote": quote, "reason": (
                    "Transformers on more than one GPU splits the layers (device_map='auto'), not tensor parallelism")})
                continue
            wd, kv, qtag, qnote = QWEN_QUANT[quant]
            if eng == "vLLM" and note == "vllm==0.6.2, new sample config":
                version = "vLLM 0.6.2 (V0 engine), offline LLM.generate"
            out.append({
                "id": f"{tag}-a100-{model.replace('-instruct', '')}-{qtag}-tp{gpus}-bs1-{isl}-2048", "source": QWEN_SRC,
                "quote": quote, "retrieved": RETRIEVED, "engine": engine, "engine_version": version, "model": model,
                "weight_dtype": wd, "kv_dtype": kv, "gpu": "a100-sxm-80gb", "num_gpus": gpus, "batch": 1,
                "input_len": isl, "output_len": 2048, "metric": "output_tokens_per_s_total", "value": float(speed),
                "notes": QWEN_ROW_NOTE.format(engine_note=engine_note, setting=QWEN_SETTING[note], quant_note=qnote,
                                              model_note=QWEN_MODEL_NOTE[model])})
            if eng == "Transformer":
                excluded.append({"source": QWEN_SRC, "quote": quote, "reason": (
                    f"the same run's GPU Memory(GB) column ({cells[5]}): memory, not a speed")})
    return out, excluded


def rows() -> tuple[list, list]:
    out, excluded = [], []
    for head, gpu, gpu_note, blocks in TABLES:
        for first, model, model_note, more in blocks:
            for line in [first] + more:
                cells = [c.strip() for c in line.strip().strip("|").split("|")]
                tech, value = cells[1], cells[3]
                quote = f"{head}\n{first}" + ("" if line == first else f"\n{line}")
                if TECH[tech] is None:
                    excluded.append({"source": SRC, "quote": quote, "reason": TECH_OUT[tech]})
                    continue
                wd, tag, tech_note = TECH[tech]
                out.append({
                    "id": f"torchao-{GPU_TAG[gpu]}-{MODEL_TAG[model]}-{tag}-bs1-6-200", "source": SRC, "quote": quote,
                    "retrieved": RETRIEVED, "engine": "gptfast", "engine_version": VERSION,
                    "model": model, "weight_dtype": wd, "kv_dtype": "bf16", "gpu": gpu, "num_gpus": 1, "batch": 1,
                    "input_len": 6, "output_len": 200, "metric": "decode_tokens_per_s_per_seq", "value": float(value),
                    "notes": ROW_NOTE.format(tech_note=tech_note, model_note=model_note, gpu_note=gpu_note)})
                excluded.append({"source": SRC, "quote": quote, "reason": (
                    f"the same run's other columns (wikitext-perplexity {cells[2]}, Memory Bandwidth {cells[4]} GB/s = "
                    f"model size x tokens/s, Peak Memory {cells[5]} GB, Model Size {cells[6]} GB): not speeds")})
    for head, lines in OTHER_TABLES:
        for line, reason in lines:
            excluded.append({"source": SRC, "quote": f"{head}\n{line}", "reason": reason})
    return out, excluded


def main() -> None:
    r, x = rows()
    qr, qx = qwen_rows()
    append(r + qr, x + qx)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python benchmarks/published/round14_rows.py QWEN25_SPEED_BENCHMARK_RST")
    QWEN_TEXT = Path(sys.argv[1])
    main()
