"""Round 15 (issue 21): the rows of the new source documents, written into measurements.yaml and excluded.yaml.

    git -C QWEN3_CLONE show c7f51a1:docs/source/getting_started/speed_benchmark.md > /tmp/qwen3_speed.md
    git -C QWEN25_CLONE show 4da996c:docs/source/benchmark/speed_benchmark.rst > /tmp/qwen2_speed.rst
    python benchmarks/published/round15_rows.py /tmp/qwen3_speed.md /tmp/qwen2_speed.rst   # appends (run once)

The sources, read after round 14's held-out figures had been seen (session 16), and split (make_split.py, round 15, seed
2026121615) before any of their rows was predicted against its measured figure:

* AMD's ROCm vLLM docker page, ``docs/dev-docker/README.md`` of ROCm/vllm at b309ea7: the text of the 20250305_aiter
  release of ``rocm/vllm-dev:main`` (ROCm 6.3.1, hipBLASLt 0.13, vLLM 0.7.3, PyTorch 2.7 nightly; "What is New"
  20250305_aiter), its "Latency Measurements" table: ``benchmark_latency.py`` end-to-end seconds of one static batch of
  Llama 3.1 70B / 405B FP8 (AMD's Quark FP8-KV checkpoints) on 8 x MI300X, TP 8, batch 1-128, 128 / 2048 prompt tokens
  -> 2048 generated. Another campaign than round 7's table of the same page (040de12: the 20250812 release, vLLM 0.10.0,
  other figures, KV cache float16): another docker release, another engine version, its own command (this one passes
  ``--kv-cache-dtype fp8``). No row of it was ever in this file or on the accuracy page.

* Qwen's "Speed Benchmark" page for Qwen2, ``docs/source/benchmark/speed_benchmark.rst`` of QwenLM/Qwen2.5 (the
  repository was QwenLM/Qwen2 then) at 4da996c (2024-09-18, "update doc"; the tables of 593ace6 / 66fea61 / 5c4e69c,
  June 2024): the Qwen team's batch-1 runs of the Qwen2 Instruct models on NVIDIA A100 80GB, generating 2,048 tokens after
  1 to 129,024 prompt tokens, with vLLM 0.4.2 and with Hugging Face Transformers 4.38.2. Another campaign than round 14's
  Qwen2.5 page (the same file at a912d23, rewritten for Qwen2.5 in October 2024: other models, engine versions and
  figures). Only Qwen2-7B-Instruct is a catalog model (Qwen2.5-7B's shapes, see QWEN2_MODEL_NOTE).

* Qwen's "Speed Benchmark" page for Qwen3, ``docs/source/getting_started/speed_benchmark.md`` of QwenLM/Qwen3 at c7f51a1
  (2025-05-20; the tables of ac72724, 2025-05-16): batch-1 runs of every Qwen3 model on NVIDIA H20 96GB with SGLang
  0.4.6.post1 and with Hugging Face Transformers 4.51.3, in BF16, FP8, GPTQ-Int8 / Int4 and AWQ, generating 2,048 tokens
  after 1 to 129,024 prompt tokens; the MoE models at TP 1 (30B-A3B) and TP 4 / 8 (235B-A22B). Its figure is a metric this
  file did not have: "Speed = (tokens_prompt + tokens_generation) / time" (the page's Notes), the prompt counted in the
  numerator: ``prompt_and_output_tokens_per_s_total`` (README schema; scripts/perf_accuracy.py predicts it as
  batch x (input + output) / the whole call's time, added with these rows, before any was predicted).

Rules, fixed before any row was predicted:

* every row of each table is a row or an excluded entry with its reason; a row's model must be in kvplan's catalog
  (Qwen2's 0.5B, 1.5B, 57B-A14B and 72B tables are not); a table that is no fixed-shape latency (the ROCm page's
  max-throughput table, the Qwen2 page's MoE throughput table) is excluded row by row;
* the Transformers tables' "GPU Memory" columns are not speeds (one excluded entry per kept row says so), and the Qwen3
  page's four "MoE Kernel Unsupported" cells print no figure;
* weight formats: BF16 -> bf16; FP8 -> fp8 (Qwen's FP8 checkpoints: block-wise 128 x 128 FP8 weights, activations
  quantized to FP8 per token group at run time: W8A8); GPTQ-Int8 -> int8; GPTQ-Int4 / GPTQ-INT4 / AWQ / AWQ-INT4 -> int4
  (groups of 128; kvplan's int8 / int4 do not count the scales). KV cache: bfloat16 for BF16 / FP8 rows (dtype auto); the
  GPTQ / AWQ checkpoints run in float16 (their config's torch_dtype), KV cache fp16 (2 bytes, as bfloat16);
* "GPU Num" is the tensor-parallel size for vLLM and SGLang (the Qwen3 page's Note column says "TP=n"); every
  Transformers row of a catalog model runs on one GPU;
* the Qwen3 page prints the longest prompt as "129042" in every table that has it and lists "129024" in its Notes (the
  input lengths tested): the rows take the Notes' 129,024 (the 18 tokens are 0.01 % of the prompt) and say so.
"""
from __future__ import annotations

import re
import sys
from pathlib import Path

from rows_io import append

RETRIEVED = "2026-12-07"

# ---- ROCm vLLM docker page, 20250305_aiter release --------------------------------------------------------------------
ROCM_COMMIT = "b309ea79418c6fc9058a6b2dec312375d3c75753"
ROCM_SRC = f"https://github.com/ROCm/vllm/blob/{ROCM_COMMIT}/docs/dev-docker/README.md"
ROCM_VERSION = ("vLLM 0.7.3 (ROCm/vllm docker rocm/vllm-dev:main, release 20250305_aiter: ROCm 6.3.1, hipBLASLt 0.13, "
                "PyTorch 2.7dev nightly)")
ROCM_HEAD = ("## Latency Measurements\n\nThe table below shows latency measurement, which typically involves assessing the "
             "time from when the system receives an input to when the model produces a result.\n\n"
             "| Model | Precision | TP Size | Batch Size | Input | Output | MI300X Latency (sec) |\n"
             "|-------|-----------|----------|------------|--------|---------|-------------------|")
ROCM_70B = "| Llama 3.1 70B (amd/Llama-3.1-70B-Instruct-FP8-KV) | FP8 | 8 | 1 | 128 | 2048 | 17.654 |"
ROCM_405B = "| Llama 3.1 405B (amd/Llama-3.1-70B-Instruct-FP8-KV) | FP8 | 8 | 1 | 128 | 2048 | 46.632 |"
# (first line of the model's block, kvplan model, id tag, [the block's other lines, verbatim])
ROCM_BLOCKS = [
    (ROCM_70B, "llama-3.1-70b", "llama3.1-70b", [
        "| | | | 2 | 128 | 2048 | 18.269 |", "| | | | 4 | 128 | 2048 | 18.561 |", "| | | | 8 | 128 | 2048 | 20.180  |",
        "| | | | 16 | 128 | 2048 | 22.541 |", "| | | | 32 | 128 | 2048 | 25.454 |", "| | | | 64 | 128 | 2048 | 33.666 |",
        "| | | | 128 | 128 | 2048 | 48.466 |", "| | | | 1 | 2048 | 2048 | 17.771 |", "| | | | 2 | 2048 | 2048 | 18.304 |",
        "| | | | 4 | 2048 | 2048 | 19.173 |", "| | | | 8 | 2048 | 2048 | 21.326 |", "| | | | 16 | 2048 | 2048 | 24.375 |",
        "| | | | 32 | 2048 | 2048 | 29.284 |", "| | | | 64 | 2048 | 2048 | 40.200 |",
        "| | | | 128 | 2048 | 2048 | 62.420 |"]),
    (ROCM_405B, "llama-3.1-405b", "llama3.1-405b", [
        "| | | | 2 | 128 | 2048 | 47.370 |", "| | | | 4 | 128 | 2048 | 49.945 |", "| | | | 8 | 128 | 2048 | 53.010 |",
        "| | | | 16 | 128 | 2048 | 56.348 |", "| | | | 32 | 128 | 2048 | 65.222 |", "| | | | 64 | 128 | 2048 | 82.688 |",
        "| | | | 128 | 128 | 2048 | 115.980 |", "| | | | 1 | 2048 | 2048 | 46.918 |", "| | | | 2 | 2048 | 2048 | 48.132 |",
        "| | | | 4 | 2048 | 2048 | 52.281 |", "| | | | 8 | 2048 | 2048 | 55.874 |", "| | | | 16 | 2048 | 2048 | 61.822 |",
        "| | | | 32 | 2048 | 2048 | 76.925 |", "| | | | 64 | 2048 | 2048 | 105.400 |",
        "| | | | 128 | 2048 | 2048 | 162.503 |"]),
]
ROCM_MODEL_NOTE = {
    "llama-3.1-70b": "Llama 3.1 70B Instruct (AMD's FP8-KV checkpoint): the shapes of kvplan's llama-3.1-70b.",
    "llama-3.1-405b": ("Llama 3.1 405B Instruct: the shapes of kvplan's llama-3.1-405b. The table's model cell names "
                       "'Llama 3.1 405B' with the checkpoint 'amd/Llama-3.1-70B-Instruct-FP8-KV' in brackets, a slip of "
                       "the page (405B's latencies are 2.6-2.7 x the 70B rows'; the page's latency command uses "
                       "amd/Llama-3.1-405B-Instruct-FP8-KV): taken as the 405B FP8-KV checkpoint."),
}
ROCM_NOTE = (
    "AMD's ROCm vLLM docker page, 'Latency Measurements' (the 20250305_aiter release of rocm/vllm-dev:main: ROCm 6.3.1, "
    "hipBLASLt 0.13, vLLM 0.7.3 (V0 engine: vLLM 0.7's default), PyTorch 2.7dev): benchmark_latency.py, one static batch "
    "of {b} random prompts of {i} tokens each generating {o} (ignore_eos), the mean of 5 iterations after 3 warm-ups "
    "(the page's command: --num-iters-warmup 3 --num-iters 5), end to end (prefill + {o} - 1 decode steps), on 8 x MI300X, "
    "TP 8. The page's latency command: VLLM_USE_TRITON_FLASH_ATTN=0, --distributed-executor-backend mp --quantization fp8 "
    "--kv-cache-dtype fp8 --dtype float16 --gpu-memory-utilization 0.9 on AMD's Quark FP8-KV checkpoint (FP8 weights and "
    "activations, per-tensor scales: weight format fp8), KV cache FP8. AITER off (VLLM_USE_AITER defaults to 0 in this "
    "image, the page's 'AITER use cases'). HIP graphs on (vLLM's default; no --enforce-eager). The page does not name the "
    "host for this release's tables (round 7's release names a Supermicro AS-8125GS-TNMR2, 8 x MI300X 192 GiB 750 W). "
    "{model_note}")
ROCM_THROUGHPUT = (
    "### Throughput Measurements\n\nThe table below shows performance data where a local inference client is fed requests "
    "at an infinite rate and shows the throughput client-server scenario under maximum load.\n\n"
    "| Model | Precision | TP Size | Input | Output | Num Prompts | Max Num Seqs | Throughput (tokens/s) |\n"
    "|-------|-----------|---------|-------|--------|-------------|--------------|-----------------------|")
ROCM_THROUGHPUT_ROWS = [
    "| Llama 3.1 70B (amd/Llama-3.1-70B-Instruct-FP8-KV) | FP8 | 8 | 128 | 2048 | 3200 | 3200 | 15919.0  |",
    "|       |           |         | 128   | 4096   | 1500        | 1500         | 12053.3               |",
    "|       |           |         | 500   | 2000   | 2000        | 2000         | 13089.0               |",
    "|       |           |         | 2048  | 2048   | 1500        | 1500         | 8352.4                |",
    "| Llama 3.1 405B (amd/Llama-3.1-405B-Instruct-FP8-KV) | FP8 | 8 | 128 | 2048 | 1500 | 1500 | 4219.7 |",
    "|       |           |         | 128   | 4096   | 1500        | 1500         | 3328.7                |",
    "|       |           |         | 500   | 2000   | 2000        | 2000         | 3109.3                |",
    "|       |           |         | 2048  | 2048   | 500         | 500          | 2121.7                |",
]


def rocm_rows() -> tuple[list, list]:
    out, excluded = [], []
    for first, model, tag, more in ROCM_BLOCKS:
        for line in [first] + more:
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            b, i, o, value = int(cells[3]), int(cells[4]), int(cells[5]), cells[6]
            quote = f"{ROCM_HEAD}\n{first}" + ("" if line == first else f"\n{line}")
            out.append({
                "id": f"rocm-vllm-20250305-mi300x-{tag}-fp8-tp8-bs{b}-{i}-{o}-latency", "source": ROCM_SRC,
                "quote": quote, "retrieved": RETRIEVED, "engine": "vllm", "engine_version": ROCM_VERSION,
                "model": model, "weight_dtype": "fp8", "kv_dtype": "fp8", "gpu": "mi300x", "num_gpus": 8, "batch": b,
                "input_len": i, "output_len": o, "metric": "e2e_latency_s", "value": float(value),
                "notes": ROCM_NOTE.format(b=b, i=i, o=o, model_note=ROCM_MODEL_NOTE[model])})
    for k, line in enumerate(ROCM_THROUGHPUT_ROWS):
        first = ROCM_THROUGHPUT_ROWS[0] if k < 4 else ROCM_THROUGHPUT_ROWS[4]
        quote = f"{ROCM_THROUGHPUT}\n{first}" + ("" if line == first else f"\n{line}")
        excluded.append({"source": ROCM_SRC, "quote": quote, "reason": (
            "a max-throughput run (benchmark_throughput.py, all prompts submitted at once, up to 'Max Num Seqs' running "
            "together with continuous batching): the engine picks the batch, no fixed shape (README 'How entries were "
            "chosen')")})
    return out, excluded


# ---- Qwen2 speed benchmark (QwenLM/Qwen2.5 at 4da996c) -------------------------------------------------------------
QWEN2_COMMIT = "4da996c576418cc9ecdff35aeddfcdca814e9568"
QWEN2_SRC = f"https://github.com/QwenLM/Qwen2.5/blob/{QWEN2_COMMIT}/docs/source/benchmark/speed_benchmark.rst"
QWEN2_TEXT: Path | None = None
QWEN2_ENV = {
    "Transformer": ("The environment of the evaluation with huggingface transformers is:\n\n-  NVIDIA A100 80GB\n"
                    "-  Transformers 4.38.2"),
    "vLLM": "The environment of the evaluation with vLLM is:\n\n-  NVIDIA A100 80GB\n-  vLLM 0.4.2",
}
QWEN2_NOTES = ("- We use the batch size of 1 and the least number of GPUs as\n  possible for the evalution.\n"
               "- We test the speed and memory of generating 2048 tokens with \n  the input lengths of 1, 6144, 14336, "
               "30720, 63488, and 129024 \n  tokens (\\>32k is only avaliable for Qwen2-72B-Instuct and Qwen2-7B-Instuct).")
QWEN2_VLLM_NOTE = ("- For vLLM, the memory usage is not reported because it pre-allocates\n  all GPU memory. We use "
                   "``gpu_memory_utilization=0.9 max_model_len=32768 enforce_eager=False``\n  by default.")
QWEN2_MODEL_NOTE = (
    "Qwen2-7B-Instruct: taken as kvplan's qwen2.5-7b, whose shapes it has (the Qwen2 technical report, arXiv 2407.10671, "
    "Table 1: hidden 3,584, 28 layers, 28 query / 4 KV heads of 128, intermediate 18,944, untied embeddings; Qwen2.5-7B's "
    "config.json, kvplan's vendored copy, states the same).")
QWEN2_QUANT = {  # quantization cell -> (weight_dtype, kv_dtype, id tag, note)
    "BF16": ("bf16", "bf16", "bf16", "bfloat16 weights (the Instruct checkpoint); KV cache bfloat16 (dtype auto)."),
    "GPTQ-Int8": ("int8", "fp16", "gptq-int8", "Qwen's GPTQ-Int8 checkpoint: int8 weight-only in groups of 128 (kvplan's "
                                                "int8 does not count the scales); float16 activations and KV cache (the "
                                                "quantized checkpoints' dtype; 2 bytes as bfloat16)."),
    "GPTQ-Int4": ("int4", "fp16", "gptq-int4", "Qwen's GPTQ-Int4 checkpoint: int4 weight-only in groups of 128 (kvplan's "
                                                "int4 does not count the scales); float16 activations and KV cache."),
    "AWQ": ("int4", "fp16", "awq", "Qwen's AWQ checkpoint: int4 weight-only in groups of 128 with zero points (kvplan's int4 "
                                   "does not count scales or zeros); float16 activations and KV cache (AWQ runs in float16)."),
}
QWEN2_ENGINE = {
    "vLLM": ("vllm", "qwen2-vllm", "vLLM 0.4.2 (V0 engine), offline LLM.generate",
             "Qwen's speed benchmark of Qwen2 with vLLM 0.4.2 (the page's vLLM environment: CUDA 11.8, PyTorch 2.3.0, "
             "Flash Attention 2.5.6, Transformers 4.40.1), offline ``LLM.generate`` of one prompt on one GPU; "
             "gpu_memory_utilization 0.9, max_model_len 32768, enforce_eager False ('by default', the page's notes: CUDA "
             "graphs on); the page runs prompts over 32k ('only available for ... Qwen2-7B-Instuct') without stating the "
             "max_model_len or the rope scaling of those runs."),
    "Transformer": ("hf", "qwen2-hf", "Hugging Face Transformers 4.38.2 (AutoGPTQ 0.7.1 / AutoAWQ 0.2.4 kernels), generate()",
                    "Qwen's speed benchmark of Qwen2 with Hugging Face Transformers 4.38.2 (CUDA 11.8, PyTorch "
                    "2.1.2+cu118, Flash Attention 2.3.3; AutoGPTQ 0.7.1, AutoAWQ 0.2.4), ``model.generate`` of one prompt "
                    "on one GPU."),
}
QWEN2_ROW_NOTE = (
    "{engine_note} 'Speed(tokens/s)' = 2048 generated tokens / the wall time of the one generate call (prefill of the "
    "'Input Length' prompt included), batch 1: the page does not define the figure; the Qwen team's speed-benchmark "
    "scripts (QwenLM/Qwen2.5 examples/speed-benchmark at 8205ba2, published with the Qwen2.5 rewrite of this page) compute "
    "it so, and the page's 1-token and 6,144-token rates are close, which a prompt-in-the-numerator figure would not give "
    "(round 14's reading of the same page at a912d23). {quant_note} {model_note} 'NVIDIA A100 80GB': the variant is not "
    "stated, taken as SXM 80 GB (rounds 4, 11, 13 and 14's rule).")


def qwen2_tables() -> list:
    """The page's tables: (section line, engine key, size, header line, [row lines]) in page order; the MoE throughput
    table under the 57B section (its own header) is a section of its own, engine key 'throughput'."""
    out, cur = [], None
    for line in QWEN2_TEXT.read_text().splitlines():
        m = re.match(r"^-\s+(\S+) \((Transformer|vLLM)\)", line)
        if m:
            cur = [line, m.group(2), m.group(1), None, []]
            out.append(cur)
        elif line.startswith("Note: Compared with dense models"):
            cur = [line, "throughput", "57B-A14B", None, []]
            out.append(cur)
        elif cur is not None and line.startswith("|"):
            if line.split("|")[1].strip() == "Model":
                cur[3] = line
            else:
                cur[4].append(line)
    return out


def qwen2_rows() -> tuple[list, list]:
    out, excluded = [], []
    for section, eng, size, header, lines in qwen2_tables():
        first = isl_line = None
        isl = None
        for line in lines:
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            if eng == "throughput":
                excluded.append({"source": QWEN2_SRC, "quote": f"{section}\n\n{header}\n{line}", "reason": (
                    "vLLM benchmark_throughput.py over 100 / 1,000 prompts (input 1,000, output 100, --enforce-eager -tp 2: "
                    "the page's command): a max-throughput run, the engine picks the batch, no fixed shape; Qwen1.5-32B "
                    "and Qwen2-57B-A14B are not in kvplan's model catalog")})
                continue
            if cells[0]:
                first = line
            if cells[1]:
                isl, isl_line = int(cells[1]), line
            ctx = "\n".join(dict.fromkeys(x for x in (first, isl_line, line)))
            notes = QWEN2_NOTES + ("\n" + QWEN2_VLLM_NOTE if eng == "vLLM" else "")
            quote = f"{QWEN2_ENV[eng]}\n\n{notes}\n\n{section}\n\n{header}\n{ctx}"
            if size != "7B":
                excluded.append({"source": QWEN2_SRC, "quote": quote, "reason": (
                    f"Qwen2-{size}-Instruct is not in kvplan's model catalog (model_specs/models/; Qwen2-{size}'s shapes are "
                    "no catalog model's)")})
                continue
            quant, gpus, speed = cells[2], int(cells[3]), cells[4]
            engine, tag, version, engine_note = QWEN2_ENGINE[eng]
            wd, kv, qtag, qnote = QWEN2_QUANT[quant]
            out.append({
                "id": f"{tag}-a100-qwen2-7b-{qtag}-tp{gpus}-bs1-{isl}-2048", "source": QWEN2_SRC, "quote": quote,
                "retrieved": RETRIEVED, "engine": engine, "engine_version": version, "model": "qwen2.5-7b",
                "weight_dtype": wd, "kv_dtype": kv, "gpu": "a100-sxm-80gb", "num_gpus": gpus, "batch": 1,
                "input_len": isl, "output_len": 2048, "metric": "output_tokens_per_s_total", "value": float(speed),
                "notes": QWEN2_ROW_NOTE.format(engine_note=engine_note, quant_note=qnote, model_note=QWEN2_MODEL_NOTE)})
            if eng == "Transformer":
                excluded.append({"source": QWEN2_SRC, "quote": quote, "reason": (
                    f"the same run's GPU Memory(GB) column ({cells[5]}): memory, not a speed")})
    return out, excluded


# ---- Qwen3 speed benchmark (QwenLM/Qwen3 at c7f51a1) ---------------------------------------------------------------
QWEN3_COMMIT = "c7f51a1a1ce3d4bb750bc545cd2673fff4c5a8f9"
QWEN3_SRC = f"https://github.com/QwenLM/Qwen3/blob/{QWEN3_COMMIT}/docs/source/getting_started/speed_benchmark.md"
QWEN3_TEXT: Path | None = None
QWEN3_ENV = {
    "SGLang": "### SGLang\n- **Hardware**: \n  - NVIDIA H20 96GB\n- **Software**:\n  - SGLang 0.4.6.post1",
    "Transformers": ("### Hugging Face Transformers\n\n- **Hardware**: \n  - NVIDIA H20 96GB\n"
                     "- **Software for Non-AutoAWQ**:\n  - Transformers 4.51.3"),
}
QWEN3_NOTES = (
    "- **Inference Speed (tokens/s)** is calculated as:  \n  \n  ```{math}\n  \\text{Speed} = \\frac{\\text{tokens}_{\\text"
    "{prompt}} + \\text{tokens}_{\\text{generation}}}{\\text{time}}\n  ```\n\n- We use a **batch size of 1** and the "
    "**minimum number of GPUs** possible for evaluation.\n\n- We test the **speed and memory usage** when generating **2048 "
    "tokens**, with input lengths of\n  `1`, `6144`, `14336`, `30720`, `63488`, and `129024` tokens.")
QWEN3_MODELS = {"Qwen3-0.6B": "qwen3-0.6b", "Qwen3-1.7B": "qwen3-1.7b", "Qwen3-4B": "qwen3-4b", "Qwen3-8B": "qwen3-8b",
                "Qwen3-14B": "qwen3-14b", "Qwen3-32B": "qwen3-32b", "Qwen3-30B-A3B": "qwen3-30b-a3b",
                "Qwen3-235B-A22B": "qwen3-235b-a22b"}
QWEN3_QUANT = {  # quantization cell -> (weight_dtype, kv_dtype, id tag, note)
    "BF16": ("bf16", "bf16", "bf16", "bfloat16 weights (the released checkpoint); KV cache bfloat16 (dtype auto)."),
    "FP8": ("fp8", "bf16", "fp8", "Qwen's FP8 checkpoint (Qwen/<model>-FP8): FP8 E4M3 weights with one scale per 128 x 128 "
                                  "block, activations quantized to FP8 per group of 128 at run time (W8A8 FP8 GEMMs); "
                                  "layers the checkpoint keeps in bfloat16 (lm_head, the MoE router) are not told apart "
                                  "(the row's weight format is fp8 for every GEMM); KV cache bfloat16 (dtype auto)."),
    "GPTQ-Int8": ("int8", "fp16", "gptq-int8", "Qwen's GPTQ-Int8 checkpoint: int8 weight-only in groups of 128 (kvplan's "
                                                "int8 does not count the scales); float16 activations and KV cache (the "
                                                "checkpoint's torch_dtype; 2 bytes as bfloat16)."),
    "GPTQ-INT4": ("int4", "fp16", "gptq-int4", "Qwen's GPTQ-Int4 checkpoint: int4 weight-only in groups of 128 (kvplan's "
                                                "int4 does not count the scales); float16 activations and KV cache."),
    "AWQ-INT4": ("int4", "fp16", "awq", "Qwen's AWQ checkpoint: int4 weight-only in groups of 128 with zero points "
                                        "(kvplan's int4 does not count scales or zeros); float16 activations and KV cache."),
}
QWEN3_ENGINE = {
    "SGLang": ("sglang", "qwen3-sglang", "SGLang 0.4.6.post1 (sgl-kernel 0.1.0; vLLM 0.7.2 for AWQ), offline engine",
               "Qwen's Qwen3 speed benchmark with SGLang 0.4.6.post1 (the page's SGLang environment: PyTorch 2.6.0+cu124, "
               "Transformers 4.51.3, SGL-kernel 0.1.0, vLLM 0.7.2 'Required by SGLang for AWQ quantization'), generation "
               "from input_ids with skip_tokenizer_init=True, mem_fraction_static 0.85, context_length 140000, "
               "enable_mixed_chunk=True (the page's notes; chunked prefill at SGLang's default size), AWQ through the "
               "awq_marlin backend, tensor parallel over the 'GPU Num' GPUs (the Note column's 'TP=n')."),
    "Transformers": ("hf", "qwen3-hf", "Hugging Face Transformers 4.51.3 (GPTQModel 2.2.0 / AutoAWQ 0.2.9 kernels), "
                                       "generate()",
                     "Qwen's Qwen3 speed benchmark with Hugging Face Transformers 4.51.3 (the page's environment: PyTorch "
                     "2.6.0, Flash Attention 2.7.4, GPTQModel 2.2.0+cu128torch2.6; AutoAWQ 0.2.9 with PyTorch "
                     "2.6.0+cu124 for AWQ), ``model.generate`` of one prompt on one GPU; the page: 'The inference speed "
                     "of Transformers in FP8 mode is currently not optimal'."),
}
QWEN3_ROW_NOTE = (
    "{engine_note} 'Speed (tokens/s)' = (prompt tokens + generated tokens) / time, the page's formula: batch 1, 2,048 "
    "generated tokens after the 'Input Length' prompt, the prompt counted in the numerator; the time is the whole call "
    "(prefill included). {isl_note}{quant_note} {model_note} NVIDIA H20 96GB (kvplan's h20); one GPU unless 'GPU Num' says "
    "more.")
QWEN3_MODEL_NOTE = "{name}: kvplan's {model} (the released checkpoint's shapes)."
QWEN3_ISL_NOTE = ("The table prints this prompt length as '129042'; the page's Notes list 129024 among the tested input "
                  "lengths, taken here. ")


def qwen3_tables() -> list:
    """(heading, engine key, [header cells], [(tr text, [td cells with their rowspan])]) per table, in page order."""
    text = QWEN3_TEXT.read_text().replace("\r\n", "\n")  # the file's lines end in CR LF
    parts = re.split(r"^(### .*)$", text, flags=re.M)
    out = []
    for k in range(1, len(parts), 2):
        head = parts[k]
        m = re.match(r"### (\S+)\s\((SGLang|Transformers)\)$", head)  # \xa0 before the bracket
        if not m:
            continue
        body = parts[k + 1]
        ths = re.findall(r"<th>(.*?)</th>", body)
        trs = [tr for tr in re.findall(r"<tr>\n(.*?)\n\s*</tr>", body, flags=re.S) if "<td" in tr]
        out.append((head, m.group(2), ths, trs))
    return out


def qwen3_rows() -> tuple[list, list]:
    out, excluded = [], []
    for head, eng, ths, trs in qwen3_tables():
        model_line = isl_line = None
        model_cell = isl = None
        header = "\n".join(f"<th>{t}</th>" for t in ths)
        for tr in trs:
            lines = [ln.strip() for ln in tr.splitlines()]
            cells = []
            for ln in lines:
                for span, val in re.findall(r"<td(?: rowspan=\"(\d+)\")?>(.*?)</td>", ln):
                    cells.append((span, val, ln))
            # the leading rowspan cells open a new model / input-length block
            rest = list(cells)
            if len(rest) == len(ths):
                model_cell, model_line = rest[0][1], rest[0][2]
                rest = rest[1:]
            if len(rest) == len(ths) - 1:
                isl, isl_line = int(rest[0][1]), rest[0][2]
                rest = rest[1:]
            vals = [v for _, v, _ in rest]
            row = dict(zip(ths[2:], vals))  # the tables spell two headers two ways
            row = {{"GPU Memory (MB)": "GPU Memory(MB)", "Notes": "Note"}.get(k, k): v for k, v in row.items()}
            row_line = lines[-1]
            ctx = "\n".join(dict.fromkeys(x for x in (model_line, isl_line, row_line)))
            quote = f"{QWEN3_ENV[eng]}\n\n{QWEN3_NOTES}\n\n{head}\n\n{header}\n{ctx}"
            quant, gpus, speed = row["Quantization"], row["GPU Num"], row["Speed (tokens/s)"]
            note = row.get("Note", "")
            if speed == "-":
                excluded.append({"source": QWEN3_SRC, "quote": quote, "reason": (
                    f"no figure: the cell says '{note.replace(chr(160), ' ')}' ({model_cell} {quant} under Transformers "
                    "4.51.3 / GPTQModel 2.2.0 did not run)")})
                continue
            model = QWEN3_MODELS[model_cell]
            engine, tag, version, engine_note = QWEN3_ENGINE[eng]
            wd, kv, qtag, qnote = QWEN3_QUANT[quant]
            tp = int(gpus)
            if eng == "Transformers" and tp != 1:
                raise ValueError(f"{head}: a Transformers row on {tp} GPUs")
            real_isl = 129024 if isl == 129042 else isl
            if eng == "SGLang" and note:
                qnote = f"{qnote} The row's Note: '{note.replace('<br>', ' / ')}'."
            if eng == "SGLang" and quant == "GPTQ-INT4":
                qnote += (" The page: 'The performance of GPTQ-INT4 in SGLang also needs improvement, and we are actively "
                          "working with the team to enhance it.'")
            out.append({
                "id": f"{tag}-h20-{model}-{qtag}-tp{tp}-bs1-{real_isl}-2048", "source": QWEN3_SRC, "quote": quote,
                "retrieved": RETRIEVED, "engine": engine, "engine_version": version, "model": model,
                "weight_dtype": wd, "kv_dtype": kv, "gpu": "h20", "num_gpus": tp, "batch": 1, "input_len": real_isl,
                "output_len": 2048, "metric": "prompt_and_output_tokens_per_s_total", "value": float(speed),
                "notes": QWEN3_ROW_NOTE.format(
                    engine_note=engine_note, isl_note=QWEN3_ISL_NOTE if isl == 129042 else "", quant_note=qnote,
                    model_note=QWEN3_MODEL_NOTE.format(name=model_cell, model=model))})
            if eng == "Transformers":
                excluded.append({"source": QWEN3_SRC, "quote": quote, "reason": (
                    f"the same run's GPU Memory(MB) column ({row['GPU Memory(MB)']}): memory, not a speed")})
    return out, excluded


def main() -> None:
    rows, excl = [], []
    for f in (rocm_rows, qwen2_rows, qwen3_rows):
        r, x = f()
        rows += r
        excl += x
    ids = [r["id"] for r in rows]
    if len(ids) != len(set(ids)):
        raise ValueError("duplicate ids")
    append(rows, excl)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: python benchmarks/published/round15_rows.py QWEN3_SPEED_BENCHMARK_MD QWEN2_SPEED_BENCHMARK_RST")
    QWEN3_TEXT, QWEN2_TEXT = Path(sys.argv[1]), Path(sys.argv[2])
    main()
