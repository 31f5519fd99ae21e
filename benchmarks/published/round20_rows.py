"""Round 20 (issue 21): the rows of the new source documents, written into measurements.yaml and excluded.yaml.

    # mirrors of pytorch/ao and ROCm/vllm (fetch tool), read with git show
    python benchmarks/published/round20_rows.py <git dir of pytorch/ao> <git dir of ROCm/vllm>   # once

The sources, read after round 19's held-out figures had been seen (session 21), and split (make_split.py, round 20, seed
2026121720) before any of their rows was predicted against its measured figure. This round looked for vLLM / SGLang rows on
NVIDIA data-centre and consumer cards, decode-only and first-token rows and MoE at small batch (under-represented in the
held-out history); what it found and took, and what it read and did not take, is in README.md's round-20 section:

* PyTorch torchao's quantization README at aa25287 (``torchao/quantization/README.md``, 2026-01-05, "Update quantization
  README.md (#3551)": "Updating quantization README with updated benchmark results from #3473"), its "Performance
  benchmarks" section: ``meta-llama/Llama-3.1-8B`` (printed "Llama-3-8.1B") under "torch==2.9.0 and vllm==0.13.0" on one
  NVIDIA B200 and one NVIDIA H100, bfloat16 and torchao-quantized checkpoints (float8 rowwise W8A8, int8 weight-only, NVFP4),
  two ``vllm bench throughput`` runs each: "prefill" (32 prompts of 4,096 tokens generating 32) and "decode" (128 prompts of
  32 tokens generating 2,048), "toks/s". A new campaign of the file whose 2024 tables (92dd5f5, gpt-fast generate.py at
  batch 1) are round 14's seen source; the same numbers were moved, unchanged, to docs/source/workflows/inference.md on
  2026-01-30 (3548d36): one document.
* AMD's ROCm vLLM docker page (``docs/dev-docker/README.md`` of ROCm/vllm) at 68af055 (2025-06-11, "Updated README.md for
  June 10 release (#574)"): the 20250605_aiter release (ROCm 6.4.1, hipBLASLt 0.15, vLLM 0.9.0.1, PyTorch 2.7), its "Latency
  Measurements" table: ``benchmark_latency.py`` end-to-end seconds of one static batch of Llama 3.1 70B / 405B FP8 on 8 x
  MI300X, TP 8, batch 1-128, 128 / 2048 -> 2048.
* The same page at c43debd (2025-04-14, "Updated README.md with April 10 results (#512)"): the 20250410_aiter release (ROCm
  6.3.1, hipBLASLt 0.13, vLLM 0.7.3, PyTorch 2.7dev), its own "Latency Measurements" table.
  The two ROCm tables are two more release campaigns of the page whose 20250305 (round 15), 20250521 and 20250620 (round
  16) and 20250812-text (round 7) tables are seen sources: independent of every earlier row as measurements (other images,
  other runs: 70B at batch 1, 128 -> 2048 reads 15.566 s and 17.411 s here, 17.654 / 15.851 / 17.175 / 17.236 s in the seen
  releases), not independent of them as a publisher, nor of each other.

Rules, fixed before any row was predicted:

* torchao: how the table was made is read from the same commit's ``benchmarks/quantization/measure_accuracy_and_performance.sh``
  (``vllm bench throughput --model $OUTPUT_DIR --dtype bfloat16`` with ``--num_prompts 32 --input_len 4096 --output_len 32
  --max_model_len 4128`` ("prefill") and ``--num_prompts 128 --input_len 32 --output_len 2048 --max_model_len 2080``
  ("decode")) and ``parse_log.py`` (both columns are the run's "total tokens/s": the line ``Throughput: R requests/s, T total
  tokens/s, O output tokens/s``, T taken for both), so each figure is ``prompt_and_output_tokens_per_s_total`` of one
  offline batch of its prompts (all submitted at once; kvplan's closed_batch_seconds runs it through the engine's scheduler).
  Formats (``create_quantized_model.py``): bfloat16 -> bf16; float8_rowwise = Float8DynamicActivationFloat8WeightConfig
  (PerRow): FP8 weights with per-row scales and per-token dynamic FP8 activations -> fp8 (vLLM's own default FP8 scheme);
  int8 weight-only = Int8WeightOnlyConfig -> int8; nvfp4 = NVFP4DynamicActivationNVFP4WeightConfig -> nvfp4. KV cache bf16
  (no --kv-cache-dtype: vLLM's 'auto' is the model dtype). The two "TODO" cells (B200 mxfp8, H100 int4 / float8) hold no
  figure; the speedup columns are ratios of the table's own figures; the accuracy table is not a speed; the file's other
  tables (Sparse-Marlin, Marlin QQQ, Int8DynamicActivationIntxWeight, Codebook, UINTx) are earlier campaigns of gpt-fast's
  generate.py, not this section's: excluded entries, each with its reason. "NVIDIA H100" is taken as the SXM 80 GB part
  (round 14's reading of the same README's bare "H100"); B200 as kvplan's b200.
* ROCm: every latency row is a row (``e2e_latency_s``); the max-throughput tables are excluded row by row (the engine picks
  the batch). KV cache and weights as the page's latency command sets them (both pages: ``--quantization fp8 --kv-cache-dtype
  fp8 --dtype float16``): FP8 weights (Quark FP8-KV checkpoints, per-tensor scales) and an FP8 KV cache. The 20250410 page's
  405B block names "amd/Llama-3.1-70B-Instruct-FP8-KV" in its model cell (round 15 met the same slip at b309ea7): 405B shapes
  taken, the row's notes say so.
"""
from __future__ import annotations

import subprocess
import sys

from rows_io import append

RETRIEVED = "2026-12-07"

# ---- torchao quantization README at aa25287 (pytorch/ao) -----------------------------------------------------------------
AO_COMMIT = "aa2528724b07c33ce6497463b73ad2ec93909264"
AO_SRC = f"https://github.com/pytorch/ao/blob/{AO_COMMIT}/torchao/quantization/README.md"
AO_VERSION = "vLLM 0.13.0 (torch 2.9.0), the README's 'using torch==2.9.0 and vllm==0.13.0'"
# the tables' (weight, activation) cells -> (id tag, weight_dtype, what it is)
AO_FORMATS = {
    ("bfloat16", "bfloat16"): ("bf16", "bf16", "the bfloat16 checkpoint (quant recipe None)"),
    ("float8_rowwise", "float8_rowwise"): (
        "fp8-rowwise", "fp8", "torchao float8_rowwise: Float8DynamicActivationFloat8WeightConfig(granularity=PerRow()), "
        "FP8 e4m3 weights with one scale per output row and FP8 activations quantized per token at run time (W8A8; "
        "vLLM's default FP8 activation scheme, dynamic per token, so act_quant.yaml does not list the row)"),
    ("int8_rowwwise", "bfloat16"): (
        "int8-wo", "int8", "torchao int8_rowwise_weight_only (the table's 'int8_rowwwise | bfloat16'): Int8WeightOnlyConfig(), "
        "int8 weights with per-channel scales and bfloat16 activations"),
    ("nvfp4", "nvfp4"): (
        "nvfp4", "nvfp4", "torchao nvfp4: NVFP4DynamicActivationNVFP4WeightConfig(use_dynamic_per_tensor_scale=True, "
        "use_triton_kernel=True), NVFP4 weights (FP4 e2m1 in blocks of 16 with FP8 block scales and a per-tensor scale) and "
        "activations quantized to NVFP4 at run time (W4A4)"),
}
AO_GPUS = {"NVIDIA B200": ("b200", "b200", "one NVIDIA B200 (kvplan's b200)"),
           "NVIDIA H100": ("h100", "h100-sxm-80gb", "one 'NVIDIA H100' (variant not stated; the SXM 80 GB part taken, "
                                                    "round 14's reading of the same README's bare 'H100')")}
AO_PHASES = {  # column -> (phase, batch, input, output, max_model_len, the script's arguments)
    "prefill": ("prefill", 32, 4096, 32, 4128, "--num_prompts 32 --input_len 4096 --output_len 32 --max_model_len 4128"),
    "decode": ("decode", 128, 32, 2048, 2080, "--num_prompts 128 --input_len 32 --output_len 2048 --max_model_len 2080"),
}
AO_NOTE = (
    "PyTorch torchao's quantization README at aa25287 (2026-01-05, PR #3551: 'updated benchmark results from #3473'), "
    "'Performance benchmarks': 'All the following benchmarks are for `meta-llama/Llama-3-8.1B` using `torch==2.9.0` and "
    "`vllm==0.13.0`' (meta-llama/Llama-3.1-8B, the script's default MODEL_ID and the README's accuracy line; the shapes of "
    "kvplan's llama-3.1-8b), on {gpu_note}. Weights: {fmt_note}. How it ran (benchmarks/quantization/measure_accuracy_and_performance.sh "
    "at aa25287): the checkpoint saved by create_quantized_model.py (transformers TorchAoConfig), then `vllm bench throughput "
    "--model $OUTPUT_DIR --dtype bfloat16 {args}` (the '{phase}' run): {b} prompts of {i} random tokens each generating {o} "
    "(ignore_eos), all submitted at once to one offline LLM engine (vLLM V1 defaults: CUDA graphs, chunked prefill, prefix "
    "caching; no --kv-cache-dtype, so the KV cache is the model dtype, bfloat16; max_model_len {mml} stated). parse_log.py "
    "takes the run's 'Throughput: R requests/s, T total tokens/s, O output tokens/s' line's T for the table's '{phase} "
    "toks/s' column: (prompt + generated) tokens of all {b} requests over the run's wall time "
    "(prompt_and_output_tokens_per_s_total), as one batch of {b} run to the end.")

# ---- ROCm vLLM docker page, releases 20250605_aiter (68af055) and 20250410_aiter (c43debd) -----------------------------
ROCM = {
    "20250605": {
        "short": "68af055",
        "version": ("vLLM 0.9.0.1 (ROCm/vllm docker rocm/vllm-dev:main, release 20250605_aiter: ROCm 6.4.1, hipBLASLt 0.15, "
                    "PyTorch 2.7; benchmark scripts from v0.6.5)"),
        "what": ("the 20250605_aiter release of rocm/vllm-dev:main as the page of 2025-06-11 describes it ('ROCm 6.4.1, "
                 "HipblasLT 0.15, vLLM 0.9.0.1, PyTorch 2.7'; 'What is New': 'AITER MHA', 'IBM 3d kernel for unified "
                 "attention', 'Full graph capture for split attention'). Which engine, V0 or V1, the latency runs used is "
                 "not stated (the release after it, 20250620_aiter, says 'V1 on by default'); the row takes kvplan's "
                 "profile for vLLM 0.9.0.1 (V1), as round 16 did for 20250521's 0.8.5"),
        "host": "2x AMD EPYC 9575F Processors",
    },
    "20250410": {
        "short": "c43debd",
        "version": ("vLLM 0.7.3 (ROCm/vllm docker rocm/vllm-dev:main, release 20250410_aiter: ROCm 6.3.1, hipBLASLt 0.13, "
                    "PyTorch 2.7dev (nightly); benchmark scripts from v0.6.5)"),
        "what": ("the 20250410_aiter release of rocm/vllm-dev:main as the page of 2025-04-14 ('Updated README.md with April 10 "
                 "results') describes it ('ROCm 6.3.1, HipblasLT 0.13, vLLM 0.7.3, PyTorch 2.7dev (nightly)'; 'What is "
                 "New': DeepSeek-V3 / R1 support, Gemma-3 enablement, detokenizer disablement, torch.compile support); vLLM "
                 "0.7.3's V0 engine by default (V1 on by default from vLLM 0.8.0)"),
        "host": "2x AMD EPYC 9554 Processors",
    },
}
ROCM_TABLE_HEAD = "| Model | Precision | TP Size | Batch Size | Input | Output | MI300X Latency (sec) |"
ROCM_MODELS = {"Llama 3.1 70B": ("llama-3.1-70b", "llama3.1-70b"), "Llama 3.1 405B": ("llama-3.1-405b", "llama3.1-405b")}
ROCM_NOTE = (
    "AMD's ROCm vLLM docker page (docs/dev-docker/README.md at {short}), 'Latency Measurements', {what}: benchmark_latency.py "
    "('Benchmarks were run with benchmark scripts from v0.6.5'), one static batch of {b} random prompts of {i} tokens each "
    "generating {o} (ignore_eos), the mean of 5 iterations after 3 warm-ups, end to end (prefill + {o} - 1 decode steps), on "
    "8 x MI300X, TP 8, AMD's Quark FP8-KV checkpoint ({ckpt}: FP8 weights and activations, per-tensor scales: weight format "
    "fp8). The page's latency command: VLLM_USE_TRITON_FLASH_ATTN=0, --distributed-executor-backend mp --quantization fp8 "
    "--kv-cache-dtype fp8 --dtype float16 --gpu-memory-utilization 0.9 --num-iters-warmup 3 --num-iters 5: an FP8 KV cache; "
    "AITER not set (VLLM_USE_AITER 'the default value is 0'; the page sets it only for DeepSeek); HIP graphs on (no "
    "--enforce-eager); custom all-reduce on (no --disable-custom-all-reduce). Host: 'Supermicro AS-8125GS-TNMR2 with {host}, "
    "2.25 TiB RAM, 8x AMD Instinct MI300X (192GiB, 750W) GPUs'. {model_note}")
ROCM_THROUGHPUT_REASON = ("a max-throughput run (benchmark_throughput.py, all prompts submitted at once, up to 'Max Num "
                          "Seqs' running together with continuous batching): the engine picks the batch, no fixed shape "
                          "(README 'How entries were chosen')")


def _show(git_dir: str, rev: str, path: str) -> str:
    return subprocess.run(["git", "--git-dir", git_dir, "show", f"{rev}:{path}"], check=True, capture_output=True,
                          text=True).stdout


def _full(git_dir: str, rev: str) -> str:
    return subprocess.run(["git", "--git-dir", git_dir, "rev-parse", rev], check=True, capture_output=True,
                          text=True).stdout.strip()


def _cells(line: str) -> list[str]:
    return [c.strip() for c in line.strip().strip("|").split("|")]


def torchao_rows(git_dir: str) -> tuple[list, list]:
    text = _show(git_dir, AO_COMMIT, "torchao/quantization/README.md")
    lines = text.splitlines()
    intro = "All the following benchmarks are for `meta-llama/Llama-3-8.1B` using `torch==2.9.0` and `vllm==0.13.0`. "
    if intro.strip() not in [x.strip() for x in lines]:
        raise ValueError("the performance section's first line is not the expected one")
    cmd = ["// 1. prefill", "vllm bench throughput --num_prompts 32 --input_len 4096 --output_len 32 --max_model_len 4128",
           "// 2. decode", "vllm bench throughput --num_prompts 128 --input_len 32 --output_len 2048 --max_model_len 2080"]
    for x in cmd:
        if x not in lines:
            raise ValueError(f"not in the README: {x!r}")
    rows, excluded = [], []
    for gpu_head, (tag, gpu, gpu_note) in AO_GPUS.items():
        h = lines.index(f"### {gpu_head}")
        header, sep = lines[h + 2], lines[h + 3]
        if _cells(header) != ["weight", "activation", "prefill toks/s", "decode toks/s", "prefill_speedup", "decode_speedup"]:
            raise ValueError(header)
        for line in lines[h + 4:]:
            if not line.startswith("|"):
                break
            c = _cells(line)
            quote_base = "\n".join([intro.strip(), "", f"### {gpu_head}", "", header, sep, line])
            if c[2].startswith("TODO"):
                excluded.append({"source": AO_SRC, "quote": quote_base, "reason": (
                    f"no figure: the {c[0]} / {c[1]} cells read '{c[2]}' and '-' (a known failure, linked issue; "
                    f"measure_accuracy_and_performance.sh lists mxfp8 among VLLM_BROKEN_RECIPES and leaves int4 / float8 "
                    f"out of the H100 recipes), so no speed was measured")})
                continue
            fid, wd, fmt_note = AO_FORMATS[(c[0], c[1])]
            for col, value in (("prefill", c[2]), ("decode", c[3])):
                phase, b, i, o, mml, args = AO_PHASES[col]
                quote = quote_base + "\n\n" + "\n".join(cmd)
                rows.append({
                    "id": f"torchao-vllm-{tag}-llama3.1-8b-{fid}-bs{b}-{i}-{o}-{phase}", "source": AO_SRC,
                    "quote": quote, "retrieved": RETRIEVED, "engine": "vllm", "engine_version": AO_VERSION,
                    "model": "llama-3.1-8b", "weight_dtype": wd, "kv_dtype": "bf16", "gpu": gpu, "num_gpus": 1,
                    "batch": b, "input_len": i, "output_len": o, "max_model_len": mml,
                    "metric": "prompt_and_output_tokens_per_s_total", "value": float(value),
                    "notes": AO_NOTE.format(gpu_note=gpu_note, fmt_note=fmt_note, args=args, phase=phase, b=b, i=i, o=o,
                                            mml=mml)})
            excluded.append({"source": AO_SRC, "quote": quote_base, "reason": (
                f"the row's prefill_speedup ({c[4]}) and decode_speedup ({c[5]}): ratios of the table's own toks/s figures "
                f"to the bfloat16 row's, not measurements (the row's two figures are rows of their own)")})
    # the accuracy table: not speeds
    a = lines.index("## Accuracy benchmarks")
    k = next(n for n in range(a, len(lines)) if lines[n].startswith("| weight | activation | wikitext-perplexity"))
    for line in lines[k + 2:]:
        if not line.startswith("|"):
            break
        excluded.append({"source": AO_SRC, "quote": "\n".join(lines[a:a + 3] + [lines[k], lines[k + 1], line]),
                         "reason": "a model-accuracy figure (wikitext perplexity, winogrande) and checkpoint size, not a "
                                   "speed"})
    # the file's other tables: earlier campaigns of gpt-fast's generate.py, not this section's
    others = {
        "### Sparse-Marlin": "round 14's source (92dd5f5) already held this table (its Sparse-Marlin rows were excluded "
                             "there: the section states no GPU, its bf16 / int8 / int4 rows reprint the A100 table's runs); "
                             "another campaign than this section's vLLM 0.13.0 runs, kept unchanged in the file",
        "### Marlin QQQ": "another campaign of the file (gpt-fast generate.py tokens/s, batch 1; the section names no GPU), "
                          "not this section's vLLM 0.13.0 runs; w4a8 (4-bit weights, int8 activations) is not a kvplan "
                          "weight format",
        "### Int8DynamicActivationIntxWeightConfig Quantization": "another campaign of the file (generate.py on a CPU: 1.24 "
                                                                 "tok/s for bfloat16; no GPU), not this section's runs",
        "### Codebook Quantization": "another campaign of the file (PR #1299, 2024-12-17: gpt-fast generate.py on 'a single "
                                     "NVIDIA-A6000 GPU'), not this section's vLLM 0.13.0 runs; codebook weights are not a "
                                     "kvplan weight format; its bfloat16 baselines belong to that campaign",
        "### UINTx Quantization": "round 14's source (92dd5f5) already held this table (excluded there: no GPU stated in "
                                  "its section; its bf16 rows reprint the A100 table's runs); another campaign than this "
                                  "section's",
    }
    for head, reason in others.items():
        h = lines.index(head)
        k = next(n for n in range(h, len(lines)) if lines[n].startswith("| Model"))
        body = []
        for line in lines[k + 2:]:
            if not line.startswith("|"):
                break
            body.append(line)
        excluded.append({"source": AO_SRC, "quote": "\n".join([head, "", lines[k], lines[k + 1]] + body),
                         "reason": f"{reason} ({len(body)} table rows)"})
    if len(rows) != 12:
        raise ValueError(f"torchao: {len(rows)} rows, expected 12")
    return rows, excluded


def rocm_rows(git_dir: str, release: str) -> tuple[list, list]:
    r = ROCM[release]
    commit = _full(git_dir, r["short"])
    src = f"https://github.com/ROCm/vllm/blob/{commit}/docs/dev-docker/README.md"
    text = _show(git_dir, commit, "docs/dev-docker/README.md")
    lines = text.splitlines()
    image = "\n".join(lines[lines.index("The pre-built image includes:") + 2:lines.index("The pre-built image includes:") + 6])
    h = lines.index("### Latency Measurements")
    t = lines.index(ROCM_TABLE_HEAD)
    head = "\n".join(lines[h:t + 2])
    out, excluded, first = [], [], None
    for line in lines[t + 2:]:
        if not line.startswith("|"):
            break
        cells = _cells(line)
        if cells[0]:
            first = line
            name, ckpt = cells[0].split(" (")
            model, tag = ROCM_MODELS[name]
            ckpt = cell_ckpt = ckpt.rstrip(")")
            if cells[1:3] != ["FP8", "8"]:
                raise ValueError(line)
        b, i, o, value = int(cells[3]), int(cells[4]), int(cells[5]), cells[6]
        quote = f"{head}\n{first}" + ("" if line == first else f"\n{line}")
        if model == "llama-3.1-405b" and "405B" not in cell_ckpt:
            mnote = (f"Llama 3.1 405B Instruct: the shapes of kvplan's llama-3.1-405b. The page's model cell reads 'Llama "
                     f"3.1 405B ({cell_ckpt})', naming the 70B checkpoint; the block's latencies (46-158 s against 17-61 s) "
                     f"and the page's command (MODEL=amd/Llama-3.1-405B-Instruct-FP8-KV) are the 405B's: taken as a slip "
                     f"of the cell (round 15 met the same one at b309ea7)")
            ckpt = "amd/Llama-3.1-405B-Instruct-FP8-KV"
        else:
            mnote = {"llama-3.1-70b": "Llama 3.1 70B Instruct: the shapes of kvplan's llama-3.1-70b.",
                     "llama-3.1-405b": "Llama 3.1 405B Instruct: the shapes of kvplan's llama-3.1-405b."}[model]
        out.append({
            "id": f"rocm-vllm-{release}-mi300x-{tag}-fp8-tp8-bs{b}-{i}-{o}-latency", "source": src, "quote": quote,
            "retrieved": RETRIEVED, "engine": "vllm", "engine_version": r["version"], "model": model,
            "weight_dtype": "fp8", "kv_dtype": "fp8", "gpu": "mi300x", "num_gpus": 8, "batch": b, "input_len": i,
            "output_len": o, "metric": "e2e_latency_s", "value": float(value),
            "notes": ROCM_NOTE.format(short=r["short"], what=r["what"], b=b, i=i, o=o, ckpt=ckpt, host=r["host"],
                                      model_note=mnote)})
    if len(out) != 32:
        raise ValueError(f"{release}: {len(out)} latency rows, expected 32")
    # the page's image list must say what engine_version says
    vllm_line = next(x for x in image.splitlines() if x.startswith("- vLLM"))
    if vllm_line.split()[-1] not in r["version"]:
        raise ValueError(f"{release}: {vllm_line!r} not in the version text")
    # the max-throughput table, row by row
    k = next(n for n, x in enumerate(lines) if x.startswith("| Model | Precision | TP Size | Input | Output | Num Prompts"))
    thead = "\n".join(lines[k - 4:k + 2])
    if not thead.startswith("### Throughput Measurements"):
        raise ValueError(f"{release}: throughput table head {thead[:40]!r}")
    first = None
    for line in lines[k + 2:]:
        if not line.startswith("|"):
            break
        if line.split("|")[1].strip():
            first = line
        excluded.append({"source": src, "quote": f"{thead}\n{first}" + ("" if line == first else f"\n{line}"),
                         "reason": ROCM_THROUGHPUT_REASON})
    return out, excluded


def main(ao_git: str, rocm_git: str) -> None:
    rows, excl = [], []
    for f in (lambda: torchao_rows(ao_git), lambda: rocm_rows(rocm_git, "20250605"),
              lambda: rocm_rows(rocm_git, "20250410")):
        r, x = f()
        rows += r
        excl += x
    ids = [r["id"] for r in rows]
    if len(ids) != len(set(ids)):
        raise ValueError("duplicate ids")
    append(rows, excl)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: python benchmarks/published/round20_rows.py PYTORCH_AO_GIT_DIR ROCM_VLLM_GIT_DIR")
    main(*sys.argv[1:])
