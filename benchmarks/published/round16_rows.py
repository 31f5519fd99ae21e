"""Round 16 (issue 21): the rows of the new source documents, written into measurements.yaml and excluded.yaml.

    git -C OPTIMUM_CLONE show 4e98776:tests/benchmark/README.md > /tmp/optimum_gptq.md
    git -C ROCM_VLLM_CLONE show 5486e7b:docs/dev-docker/README.md > /tmp/rocm_20250620.md
    git -C ROCM_VLLM_CLONE show 7bb0618:docs/dev-docker/README.md > /tmp/rocm_20250521.md
    python benchmarks/published/round16_rows.py /tmp/optimum_gptq.md /tmp/rocm_20250620.md /tmp/rocm_20250521.md  # once

The sources, read after round 15's held-out figures had been seen (session 17), and split (make_split.py, round 16, seed
2026121716) before any of their rows was predicted against its measured figure:

* Hugging Face optimum's GPTQ benchmark, ``tests/benchmark/README.md`` of huggingface/optimum at 4e98776 (2024-02-15, "Add
  end-to-end Marlin benchmark (#1695)"; the file was deleted in 2025): one campaign on "a single NVIDIA A100-SXM4-80GB GPU"
  with "AutoGPTQ 0.7.0, PyTorch 2.2.0, bitsandbytes 0.42.0, transformers 4.37.2" of Llama-2-13B-chat in float16, GPTQ int4
  (TheBloke/Llama-2-13B-chat-GPTQ, 4 bits, group 128, no act-order) under four kernels (cuda-old, exllama, exllama_v2,
  marlin) and bitsandbytes fp4, at batch 1, 2, 4, 8, 16: a "Prefill benchmark" (512-token prompts, one new token: the
  whole ``generate()`` call, a first-token latency) and a "Decode benchmark" (a 1-token prompt, 512 new tokens: the call
  over its 512 tokens, "essentially measuring the decode step"), ``tests/benchmark/benchmark_gptq.py`` at the same commit
  (``per_token_latency = mean_latency / new_token``; ``throughput = batch_size / (per_token_latency * 1e-3)``). The same
  file's earlier tables (0b08a1f to 87fcf9f, August to November 2023: AutoGPTQ 0.4.2 / 0.5.0, transformers 4.32 / 4.35,
  512 -> 512 generate runs and a prefill table) are another campaign, not taken this round; no row of either was ever in
  this file or on the accuracy page.

* AMD's ROCm vLLM docker page, ``docs/dev-docker/README.md`` of ROCm/vllm at 5486e7b (2025-07-07, "Updated README.md for
  June 24 Docker release (#589)"): the 20250620_aiter release of ``rocm/vllm-dev:main`` (ROCm 6.4.1, hipBLASLt 0.15,
  vLLM 0.9.1, PyTorch 2.7; "V1 on by default"), its "Latency Measurements" table: ``benchmark_latency.py`` end-to-end
  seconds of one static batch of Llama 3.1 70B / 405B FP8 on 8 x MI300X, TP 8, batch 1-128, 128 / 2048 -> 2048. The
  table was replaced on 2025-07-15/16 (2ecfd95 / f94ec9b: round 7's table, 17.236 s where this one reads 17.175 s).

* The same page at 7bb0618 (2025-05-29, "Added benchmark results and commit hash (#556)"): the 20250521_aiter release
  (ROCm 6.3.1, hipBLASLt 0.15, vLLM 0.8.5, PyTorch 2.7; "AITER V1 engine performance improvement"), its own "Latency
  Measurements" table (replaced on 2025-06-11 by 68af055's). Another release's campaign than round 15's (20250305, b309ea7)
  and round 7's (20250812 text, 040de12), and than the 20250620 table above.

Rules, fixed before any row was predicted:

* every row of each table is a row or an excluded entry with its reason; bitsandbytes fp4 (4-bit floats in blocks of 64
  with an absmax scale each, fp16 compute) is not a weight format kvplan has (kvplan/model/dtypes.py), so its 10 rows are
  excluded, not mapped onto int4 or mxfp4; the optimum page's perplexity table and every row's "Load time (s)" are not
  speeds; the ROCm pages' max-throughput tables are excluded row by row (the engine picks the batch);
* optimum: the prefill table's "Per-token latency (ms)" is the whole ``generate()`` call for one new token after a
  512-token prompt (``ttft_ms``, in-process, no HTTP); the decode table's is the whole call for 512 new tokens after a
  1-token prompt divided by 512 (``decode_ms_per_token``: the first of the 512 forwards is the 1-token prompt's, a step
  like the others, 1/512 of the figure); "Throughput (tok/s)" is batch / that latency, the same measurement;
* optimum weight formats: None -> fp16 (torch_dtype float16; KV cache fp16); gptq -> int4 (group 128: kvplan's int4
  does not count the scales; the four kernels are rows of their own, the kernel in the row's notes); TP 1;
* ROCm: KV cache as the page's latency command sets it: 20250521's passes ``--quantization fp8 --kv-cache-dtype fp8``
  (KV fp8); 20250620's passes neither (its next line still says "For FP16 models, remove `--quantization fp8
  --kv-cache-dtype fp8`"), so vLLM's 'auto' keeps the KV cache in the model dtype, float16 (round 7's reading of the same
  command at 040de12); weights FP8 (AMD's Quark FP8-KV checkpoints, per-tensor scales).
"""
from __future__ import annotations

import re
import sys
from pathlib import Path

from rows_io import append

RETRIEVED = "2026-12-07"

# ---- Hugging Face optimum GPTQ benchmark (huggingface/optimum at 4e98776) --------------------------------------------
OPT_COMMIT = "4e987762cdd33c237a63538c181b1ccfa4d7648a"
OPT_SRC = f"https://github.com/huggingface/optimum/blob/{OPT_COMMIT}/tests/benchmark/README.md"
OPT_TEXT: Path | None = None
OPT_VERSION = "transformers 4.37.2, AutoGPTQ 0.7.0, PyTorch 2.2.0 (optimum tests/benchmark/benchmark_gptq.py at 4e98776)"
OPT_KERNELS = {  # the table's kernel cell -> (id tag, weight format, note)
    "None": ("fp16", "fp16", "float16 weights (meta-llama/Llama-2-13b-chat-hf, AutoModelForCausalLM.from_pretrained("
                             "torch_dtype=torch.float16))"),
    "cuda-old": ("gptq-int4-cuda-old", "int4", "GPTQ int4 (TheBloke/Llama-2-13B-chat-GPTQ: 4 bits, group 128, no "
                                               "act-order) under AutoGPTQ's cuda-old kernel (exllama and exllama_v2 "
                                               "disabled, marlin off)"),
    "exllama": ("gptq-int4-exllama", "int4", "GPTQ int4 (TheBloke/Llama-2-13B-chat-GPTQ: 4 bits, group 128, no "
                                             "act-order) under the exllama kernel (AutoGPTQ, --use-exllama "
                                             "--exllama-version 1)"),
    "exllama_v2": ("gptq-int4-exllamav2", "int4", "GPTQ int4 (TheBloke/Llama-2-13B-chat-GPTQ: 4 bits, group 128, no "
                                                  "act-order) under the exllamav2 kernel (AutoGPTQ, --use-exllama "
                                                  "--exllama-version 2)"),
    "marlin": ("gptq-int4-marlin", "int4", "GPTQ int4 (TheBloke/Llama-2-13B-chat-GPTQ: 4 bits, group 128, no act-order) "
                                           "under the Marlin kernel (AutoGPTQ, --use-marlin)"),
}
OPT_NOTE = (
    "Hugging Face optimum's GPTQ benchmark (tests/benchmark/README.md at 4e98776, 2024-02-15; 'The results below are for "
    "AutoGPTQ 0.7.0, PyTorch 2.2.0, bitsandbytes 0.42.0, transformers 4.37.2', 'a single NVIDIA A100-SXM4-80GB GPU'): "
    "{phase} Llama-2-13B-chat (the shapes of kvplan's llama-2-13b), {kernel}. The script (benchmark_gptq.py at the same "
    "commit): input_ids = torch.randint over the vocabulary, shape (batch, prompt length), an all-ones mask; "
    "model.generate(min_new_tokens = max_new_tokens, eos_token_id None, greedy, use_cache True) after one warm-up call, "
    "timed with CUDA events, the mean over {iters} calls; per_token_latency = mean_latency / new_tokens. Plain transformers "
    "4.37.2 decoder modules run eagerly from Python (no torch.compile, no static cache; GPTQ loaded by AutoGPTQ's "
    "from_quantized with inject_fused_attention=False, inject_fused_mlp=False), attention by transformers' default for "
    "Llama in 4.37 (SDPA). KV cache float16. GPU: 'NVIDIA A100-SXM4-80GB' (a100-sxm-80gb).")
OPT_PHASE = {
    "prefill": ("the 'Prefill benchmark': one generate() call producing one new token after a 512-token prompt per "
                "sequence (the script's --prefill: new_tokens = [1]), so 'Per-token latency (ms)' is the whole call, "
                "the batch's first token, in-process (no HTTP);", "10 (--num-batches default, not passed)"),
    "decode": ("the 'Decode benchmark' ('a prefill length of 1, essentially measuring the decode step in text generation "
               "(512 tokens generated)'): one generate() call of 512 new tokens after a 1-token prompt per sequence (the "
               "script's --decode: prompt_lengths = [1]), 'Per-token latency (ms)' = the call / 512, of which the first of "
               "the 512 forwards is the 1-token prompt's (1/512 of the figure);", "5 (--num-batches 5)"),
}


def opt_rows() -> tuple[list, list]:
    text = OPT_TEXT.read_text()
    lines = text.splitlines()
    preamble = "\n\n".join([
        "The results below are for AutoGPTQ 0.7.0, PyTorch 2.2.0, bitsandbytes 0.42.0, transformers 4.37.2.",
        next(x for x in lines if x.startswith("Here are results obtained on a single NVIDIA A100-SXM4-80GB"))])
    for x in preamble.split("\n\n"):
        if x not in lines:
            raise ValueError(f"not in the page: {x!r}")
    sections = {"prefill": ("## Prefill benchmark", next(x for x in lines if x.startswith("The benchmark below is for a "
                                                                                          "prompt length of 512"))),
                "decode": ("## Decode benchmark", next(x for x in lines if x.startswith("The benchmark below is for a "
                                                                                        "prefill length of 1")))}
    out, excluded = [], []
    phase, batch, header = None, None, None
    for k, line in enumerate(lines):
        if line == "## Prefill benchmark":
            phase = "prefill"
        elif line == "## Decode benchmark":
            phase = "decode"
        elif line.startswith("## Perplexity"):
            phase = "ppl"
        m = re.match(r"### Batch size = (\d+)$", line)
        if m:
            batch = int(m.group(1))
            continue
        if line.startswith("| quantization"):
            header = line
            sep = lines[k + 1]
            continue
        if not line.startswith("| ") or line.startswith("|--") or header is None:
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if phase == "ppl":
            excluded.append({"source": OPT_SRC, "quote": f"## Perplexity benchmark results\n\n{header}\n{sep}\n{line}",
                             "reason": "a perplexity (model accuracy), not a speed"})
            continue
        head, desc = sections[phase]
        quote = f"{preamble}\n\n{head}\n\n{desc}\n\n### Batch size = {batch}\n\n{header}\n{sep}\n{line}"
        quant, kernel, load, latency, tput = cells[0], cells[4], cells[5], cells[6], cells[7]
        if quant == "bitsandbytes":
            excluded.append({"source": OPT_SRC, "quote": quote, "reason": (
                "bitsandbytes fp4 weights ('Bitsandbytes uses the fp4 scheme, with the compute in fp16': 4-bit floats in "
                "blocks of 64 with an absmax scale each) are not a weight format kvplan has (kvplan/model/dtypes.py); "
                "left out rather than mapped onto int4 or mxfp4, whose kernels and scale bytes differ")})
            continue
        tag, wd, knote = OPT_KERNELS[kernel]
        pnote, iters = OPT_PHASE[phase]
        i, o = (512, 1) if phase == "prefill" else (1, 512)
        metric = "ttft_ms" if phase == "prefill" else "decode_ms_per_token"
        out.append({
            "id": f"optimum-gptq-4e98776-a100-llama-2-13b-{tag}-bs{batch}-{i}-{o}-{phase}", "source": OPT_SRC,
            "quote": quote, "retrieved": RETRIEVED, "engine": "hf", "engine_version": OPT_VERSION,
            "model": "llama-2-13b", "weight_dtype": wd, "kv_dtype": "fp16", "gpu": "a100-sxm-80gb", "num_gpus": 1,
            "batch": batch, "input_len": i, "output_len": o, "metric": metric, "value": float(latency),
            "notes": OPT_NOTE.format(phase=pnote, kernel=knote, iters=iters)})
        excluded.append({"source": OPT_SRC, "quote": quote, "reason": (
            f"the same run's 'Load time (s)' ({load}: loading the model, not an inference speed) and 'Throughput (tok/s)' "
            f"({tput}: batch / the per-token latency, the same measurement as the row's value, "
            f"{out[-1]['id']})")})
    return out, excluded


# ---- ROCm vLLM docker page, releases 20250620_aiter (5486e7b) and 20250521_aiter (7bb0618) ----------------------------
ROCM = {
    "20250620": {
        "commit": "5486e7bc8523be0324ccd68f221959445b56cc2a", "text": None, "kv": "fp16",
        "version": ("vLLM 0.9.1 (ROCm/vllm docker rocm/vllm-dev:main, release 20250620_aiter: ROCm 6.4.1, hipBLASLt 0.15, "
                    "PyTorch 2.7; 'V1 on by default'; benchmark scripts from v0.6.5)"),
        "what": ("the 20250620_aiter release of rocm/vllm-dev:main as the page of 2025-07-07 describes it ('ROCm 6.4.1, "
                 "HipblasLT 0.15, vLLM 0.9.1, PyTorch 2.7'; 'What is New': 'V1 on by default (use VLLM_USE_V1=0 to "
                 "override)': the V1 engine)"),
        "command": ("The page's latency command: VLLM_USE_TRITON_FLASH_ATTN=0, --distributed-executor-backend mp --dtype "
                    "float16 --gpu-memory-utilization 0.9 --num-iters-warmup 3 --num-iters 5 --compilation-config "
                    "'{\"full_cuda_graph\": true, \"custom_ops\": [\"+rms_norm\", \"+silu_and_mul\"], \"pass_config\": "
                    "{\"enable_noop\": true, \"enable_fusion\": true}}' (HIP graphs of the whole step) and "
                    "--disable-custom-all-reduce, which 'Known Issues' requires for Llama-3.1 405B ('For all other "
                    "models, remove --disable-custom-all-reduce': the 70B rows ran vLLM's custom all-reduce, the 405B "
                    "rows RCCL's). It passes no --quantization / --kv-cache-dtype (the next line: 'For FP16 models, "
                    "remove `--quantization fp8 --kv-cache-dtype fp8`'), so the KV cache is vLLM's 'auto', the model "
                    "dtype float16; the checkpoint's FP8 weights load by its own quantization config. Host: 'Supermicro "
                    "AS-8125GS-TNMR2 with 2x AMD EPYC 9575F Processors, 2.25 TiB RAM, 8x AMD Instinct MI300X (192GiB, "
                    "750W) GPUs'."),
    },
    "20250521": {
        "commit": "7bb0618b1fe725b7d4fad9e525aa44da12c94a8b", "text": None, "kv": "fp8",
        "version": ("vLLM 0.8.5 (ROCm/vllm docker rocm/vllm-dev:main, release 20250521_aiter: ROCm 6.3.1, hipBLASLt 0.15, "
                    "PyTorch 2.7; benchmark scripts from v0.6.5)"),
        "what": ("the 20250521_aiter release of rocm/vllm-dev:main as the page of 2025-05-29 describes it ('ROCm 6.3.1, "
                 "HipblasLT 0.15, vLLM 0.8.5, PyTorch 2.7'; 'What is New': 'AITER V1 engine performance improvement'). "
                 "Which engine, V0 or V1, the latency runs used is not stated: the next release's notes (20250620_aiter) "
                 "say 'V1 on by default', so this image's default may have been V0; the row takes kvplan's profile for "
                 "vLLM 0.8.5 (V1)"),
        "command": ("The page's latency command: VLLM_USE_TRITON_FLASH_ATTN=0, --distributed-executor-backend mp "
                    "--quantization fp8 --kv-cache-dtype fp8 --dtype float16 --gpu-memory-utilization 0.9 "
                    "--num-iters-warmup 3 --num-iters 5: FP8 weights and an FP8 KV cache. AITER off (VLLM_USE_AITER "
                    "'the default value is 0'). HIP graphs on (vLLM's default; no --enforce-eager). Host: 'Supermicro "
                    "AS-8125GS-TNMR2 with 2x AMD EPYC 9575F Processors, 2.25 TiB RAM, 8x AMD Instinct MI300X (192GiB, "
                    "750W) GPUs'."),
    },
}
ROCM_HEAD = ("## Latency Measurements\n\nThe table below shows latency measurement, which typically involves assessing the "
             "time from when the system receives an input to when the model produces a result.\n\n"
             "| Model | Precision | TP Size | Batch Size | Input | Output | MI300X Latency (sec) |\n"
             "|-------|-----------|----------|------------|--------|---------|-------------------|")
ROCM_MODELS = {"Llama 3.1 70B (amd/Llama-3.1-70B-Instruct-FP8-KV)": ("llama-3.1-70b", "llama3.1-70b"),
               "Llama 3.1 405B (amd/Llama-3.1-405B-Instruct-FP8-KV)": ("llama-3.1-405b", "llama3.1-405b")}
ROCM_NOTE = (
    "AMD's ROCm vLLM docker page, 'Latency Measurements', {what}: benchmark_latency.py ('Benchmarks were run with benchmark "
    "scripts from v0.6.5'), one static batch of {b} random prompts of {i} tokens each generating {o} (ignore_eos), the "
    "mean of 5 iterations after 3 warm-ups, end to end (prefill + {o} - 1 decode steps), on 8 x MI300X, TP 8, AMD's Quark "
    "FP8-KV checkpoint ({ckpt}: FP8 weights and activations, per-tensor scales: weight format fp8). {command} {model_note}")
ROCM_MODEL_NOTE = {"llama-3.1-70b": "Llama 3.1 70B Instruct: the shapes of kvplan's llama-3.1-70b.",
                   "llama-3.1-405b": "Llama 3.1 405B Instruct: the shapes of kvplan's llama-3.1-405b."}
ROCM_THROUGHPUT_REASON = ("a max-throughput run (benchmark_throughput.py, all prompts submitted at once, up to 'Max Num "
                          "Seqs' running together with continuous batching): the engine picks the batch, no fixed shape "
                          "(README 'How entries were chosen')")


def rocm_rows(release: str) -> tuple[list, list]:
    r = ROCM[release]
    src = f"https://github.com/ROCm/vllm/blob/{r['commit']}/docs/dev-docker/README.md"
    text = r["text"].read_text()
    if ROCM_HEAD not in text:
        raise ValueError(f"{release}: the latency table's head is not the expected one")
    lines = text.splitlines()
    start = lines.index("| Model | Precision | TP Size | Batch Size | Input | Output | MI300X Latency (sec) |") + 2
    out, excluded = [], []
    first = None
    for line in lines[start:]:
        if not line.startswith("|"):
            break
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if cells[0]:
            first, (model, tag) = line, ROCM_MODELS[cells[0]]
            if cells[1:3] != ["FP8", "8"]:
                raise ValueError(line)
        b, i, o, value = int(cells[3]), int(cells[4]), int(cells[5]), cells[6]
        quote = f"{ROCM_HEAD}\n{first}" + ("" if line == first else f"\n{line}")
        ckpt = cells[0] or next(k for k, v in ROCM_MODELS.items() if v[0] == model)
        out.append({
            "id": f"rocm-vllm-{release}-mi300x-{tag}-fp8-tp8-bs{b}-{i}-{o}-latency", "source": src, "quote": quote,
            "retrieved": RETRIEVED, "engine": "vllm", "engine_version": r["version"], "model": model,
            "weight_dtype": "fp8", "kv_dtype": r["kv"], "gpu": "mi300x", "num_gpus": 8, "batch": b, "input_len": i,
            "output_len": o, "metric": "e2e_latency_s", "value": float(value),
            "notes": ROCM_NOTE.format(what=r["what"], b=b, i=i, o=o, ckpt=ckpt.split("(")[1].rstrip(")"),
                                      command=r["command"], model_note=ROCM_MODEL_NOTE[model])})
    if len(out) != 32:
        raise ValueError(f"{release}: {len(out)} latency rows, expected 32")
    # the max-throughput table, row by row
    k = next(n for n, x in enumerate(lines) if x.startswith("| Model | Precision | TP Size | Input | Output | Num Prompts"))
    head = "\n".join(lines[k - 4:k + 2])
    if not head.startswith("### Throughput Measurements"):
        raise ValueError(f"{release}: throughput table head {head[:40]!r}")
    first = None
    for line in lines[k + 2:]:
        if not line.startswith("|"):
            break
        if line.split("|")[1].strip():
            first = line
        excluded.append({"source": src, "quote": f"{head}\n{first}" + ("" if line == first else f"\n{line}"),
                         "reason": ROCM_THROUGHPUT_REASON})
    return out, excluded


def main() -> None:
    rows, excl = [], []
    for f in (opt_rows, lambda: rocm_rows("20250620"), lambda: rocm_rows("20250521")):
        r, x = f()
        rows += r
        excl += x
    ids = [r["id"] for r in rows]
    if len(ids) != len(set(ids)):
        raise ValueError("duplicate ids")
    append(rows, excl)


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit("usage: python benchmarks/published/round16_rows.py OPTIMUM_GPTQ_README ROCM_20250620_README "
                 "ROCM_20250521_README")
    OPT_TEXT = Path(sys.argv[1])
    ROCM["20250620"]["text"], ROCM["20250521"]["text"] = Path(sys.argv[2]), Path(sys.argv[3])
    main()
