"""Round 21 (issue 21): the rows of the new source documents, written into measurements.yaml and excluded.yaml.

    # mirror of ROCm/vllm (fetch tool), read with git show
    python benchmarks/published/round21_rows.py <git dir of ROCm/vllm>   # once

The sources, read after round 20's held-out figures had been seen (session 22), and split (make_split.py, round 21, seed
2026121721) before any of their rows was predicted against its measured figure. This round looked for NVIDIA rows
(decode-only and first-token, SGLang and llama.cpp, MoE at small batch, TP 2-8, int4 / fp8) from several publishers and
found few it could read in full; what it took, and what it read and did not take, is in README.md's round-21 section:

* The SGLang team's gpt-oss post on the LMSYS blog (lmsys.org/blog/2025-08-27-gpt-oss, "SGLang for gpt-oss: From Day 0
  Support to Enhanced Performance", 2025-08-27), read as its source file in lm-sys/lm-sys.github.io at dbd47f4
  (``blog/2025-08-27-gpt-oss.md``): its "Low-Latency Performance (Batch Size = 1)" table, "single-batch decode
  throughput" of openai/gpt-oss-120b (MXFP4) and lmsys/gpt-oss-120b-bf16 (BF16) on NVIDIA B200 (TP 4) and NVIDIA H100
  (TP 8, triton attention), and on AMD MI350 (TP 8, triton backend). How it ran is the post's linked reproduction guide,
  sgl-project/sglang ``benchmark/gpt_oss/README.md`` (at 1dc322c: ``git checkout v0.5.1.post3``; the launch lines
  ``--tp 8 --attention-backend triton`` on H100, ``--tp 4`` on B200; the benchmark ``python3 -m
  sglang.bench_one_batch_server ... --batch-size 1 --input-len 1024 --output-len 512 --show-report``), and what the
  figure is, that script's code (``sglang/bench_one_batch_server.py`` run_one_case in the sglang 0.5.1.post3 and 0.5.2
  wheels: the same code but for 0.5.2's dataset_path argument): one /generate call of ``batch_size`` random prompts of exactly ``input_len`` tokens
  (``sample_random_requests(..., range_ratio=1.0)``), ``ignore_eos``, ``max_new_tokens = output_len``, streamed with
  ``stream_interval`` 1 after a ``/flush_cache``; ``ttft`` is when the chunk with ``completion_tokens == 1`` arrives,
  ``latency`` when the stream ends, and the printed "output throughput" is ``batch_size * output_len / (latency - ttft)``:
  the 512 tokens over the time of the 511 decode steps after the first token, at batch 1 (so
  ``decode_tokens_per_s_per_seq``, as round 17's llama.cpp tg rows; the one-step difference, 512 / 511, is 0.2 %).
* AMD's ROCm vLLM docker page (``docs/dev-docker/README.md`` of ROCm/vllm) in two release campaigns no round has taken,
  left by round 20 "for a later round, unread as rows": 16d2b92 (2025-05-19, "Updated README.md (#546)"; the image of
  the page's "20250513_aiter" release: ROCm 6.3.1, hipBLASLt 0.15, vLLM 0.8.5, PyTorch 2.7) and 25070a1 (2025-03-28,
  "Docs_update_20250327 (#493)"; the "20250325_aiter" release: ROCm 6.3.1, hipBLASLt 0.13, vLLM 0.7.3, PyTorch 2.7dev),
  each its "Latency Measurements" table (``benchmark_latency.py`` end-to-end seconds of one static batch of Llama 3.1 70B /
  405B FP8 on 8 x MI300X, TP 8, batch 1-128, 128 / 2048 -> 2048), read with round20_rows.rocm_rows (one home for the
  page's reading). The two releases were chosen before the draw and before any prediction for the vLLM versions they
  add beside round 20's (0.8.5 and 0.7.3); the January / February 2025 tables (vLLM 0.6.6, milliseconds, 7a292f9 /
  13434bd) are left again, unread as rows (their page names no host and says "MI300X or MI325X").

Rules, fixed before any row was predicted:

* gpt-oss: every NVIDIA cell of the batch-1 table is a row (4): kvplan's gpt-oss-120b, weight_dtype mxfp4 for the MXFP4
  checkpoint (the release's MoE experts in MXFP4, the rest bf16, as kvplan's gpt-oss-120b spec holds it) and bf16 for
  lmsys/gpt-oss-120b-bf16; KV cache bf16 (no --kv-cache-dtype: SGLang's 'auto' is the model dtype, and
  server_args.model_specific_adjustments sets dtype bfloat16 for the MXFP4 checkpoint); "NVIDIA B200" is kvplan's b200,
  "NVIDIA H100" the SXM 80 GB part (the post names no variant; TP 8 needs eight of them in one NVLink node: SXM taken, as
  rounds 5 and 14 read a bare 'H100'). The setup each row's notes state is the code's: on B200 with the MXFP4
  checkpoint SGLang 0.5.2 picks the flashinfer_mxfp4 MoE runner, whose default precision quantizes the activations to
  MXFP8 (mxfp4.py: ``flashinfer_mxfp4_moe_precision == "default"`` -> ``mxfp8_quantize``), and trtllm_mha attention; on
  H100 the triton attention the guide passes and the triton_kernels MoE runner. The MI350 column (2 cells) is excluded:
  "AMD MI350" is not a GPU of kvplan's catalog (mi355x is; the MI350X part differs in clocks and power). The batch-32
  results are two charts (combined_prefill_performance / combined_decode_performance: bars without printed values), the
  GPQA table is accuracy: excluded entries.
* ROCm: as round 20 (round20_rows.py's rules, its rocm_rows): every latency row is a row (``e2e_latency_s``), FP8 weights
  and an FP8 KV cache as the page's latency command sets them; the max-throughput tables excluded row by row. The
  20250325 page's 405B block names the 70B checkpoint in its model cell (the slip rounds 15 and 20 met): 405B shapes
  taken, the rows' notes say so.
"""
from __future__ import annotations

import sys

import round20_rows as r20
from rows_io import append

RETRIEVED = "2026-12-08"

# ---- the SGLang team's gpt-oss post (LMSYS blog, 2025-08-27) ------------------------------------------------------------
LM_COMMIT = "dbd47f49bac0d5a080e2a6647c42ddb1b0fb4122"
LM_SRC = f"https://github.com/lm-sys/lm-sys.github.io/blob/{LM_COMMIT}/blog/2025-08-27-gpt-oss.md"
LM_PAGE = "https://lmsys.org/blog/2025-08-27-gpt-oss"
LM_TABLE = """##### Low-Latency Performance (Batch Size = 1)

For latency-sensitive applications, we measured single-batch decode throughput across NVIDIA and AMD GPUs, showcasing excellent performance.

| Hardware / Precision | NVIDIA B200  | NVIDIA H100  | AMD MI350    |
| -------------------- | ------------ | ------------ | ------------ |
| MXFP4                | 416.02 tok/s | 318.53 tok/s | 200.84 tok/s |
| BF16                 | 315.63 tok/s | 293.12 tok/s | 220.06 tok/s |

<span style="color: grey; font-size: 12px;">
B200 was tested with TP=4, H100 with TP=8 and triton attention, and MI350 with TP=8 and triton backend.
</span>"""
LM_VERSION = ("SGLang 0.5.1.post3 (the post's reproduction guide, sgl-project/sglang benchmark/gpt_oss/README.md at 1dc322c: "
              "'git checkout v0.5.1.post3'; the post's install line reads sglang[all]>=0.5.2)")
LM_GUIDE = "https://github.com/sgl-project/sglang/blob/1dc322ca15c48c959c2a84a9fc6421897973789a/benchmark/gpt_oss/README.md"
LM_CELLS = {  # (precision row, GPU column) -> value as printed
    ("MXFP4", "NVIDIA B200"): "416.02", ("MXFP4", "NVIDIA H100"): "318.53",
    ("BF16", "NVIDIA B200"): "315.63", ("BF16", "NVIDIA H100"): "293.12",
}
LM_GPUS = {
    "NVIDIA B200": ("b200", "b200", 4, "one node's NVIDIA B200 GPUs (kvplan's b200), TP 4 ('B200 was tested with TP=4'; the "
                    "guide: `python3 -m sglang.launch_server --model <checkpoint> --tp 4`, no other flag): SGLang's "
                    "GPT-OSS defaults on SM100 (server_args.model_specific_adjustments in 0.5.2): trtllm_mha attention and "
                    "FlashInfer all-reduce fusion{moe}"),
    "NVIDIA H100": ("h100", "h100-sxm-80gb", 8, "eight NVIDIA H100 (the post names no variant; TP 8 in one node: the SXM 80 GB "
                    "part taken, as rounds 5 and 14 read a bare 'H100'), TP 8 with triton attention ('H100 with TP=8 and "
                    "triton attention'; the guide: `--tp 8 --attention-backend triton`){moe}"),
}
LM_FORMATS = {
    "MXFP4": ("mxfp4", "openai/gpt-oss-120b (the release checkpoint: MoE experts in MXFP4, attention and the rest bf16; "
                       "kvplan's gpt-oss-120b with weight_dtype mxfp4)",
              {"b200": "; with the MXFP4 checkpoint on SM100 the flashinfer_mxfp4 MoE runner, whose default precision "
                       "quantizes the MoE input to MXFP8 (layers/quantization/mxfp4.py: flashinfer_mxfp4_moe_precision "
                       "'default' -> mxfp8_quantize), so the experts run W4A8",
               "h100": "; the MoE in the triton_kernels runner (model_specific_adjustments: 'Detected GPT-OSS model, "
                       "enabling triton_kernels MOE kernel'), MXFP4 weights with bf16 activations"}),
    "BF16": ("bf16", "lmsys/gpt-oss-120b-bf16 (the guide's BF16 checkpoint: every weight bfloat16; kvplan's gpt-oss-120b "
                     "with weight_dtype bf16)",
             {"b200": "; the bf16 MoE in SGLang's default runner (no quantization_config)",
              "h100": "; the bf16 MoE in the triton_kernels runner (model_specific_adjustments, ep_size 1)"}),
}
LM_NOTE = (
    "The SGLang team's gpt-oss post (LMSYS blog, 2025-08-27; {page}), 'Low-Latency Performance (Batch Size = 1)': "
    "'single-batch decode throughput' of {ckpt} on {gpu_note}. How it ran, from the post's reproduction guide ({guide}): "
    "`python3 -m sglang.bench_one_batch_server --model openai/gpt-oss-120b --base-url http://localhost:30000 --batch-size 1 "
    "--input-len 1024 --output-len 512 --show-report` against the launched server, after the script's warm-up case (16 x "
    "1,024 -> 16). What the figure is (bench_one_batch_server.py run_one_case, sglang 0.5.1.post3 and 0.5.2 wheels): one "
    "/generate call of 1 random prompt of exactly 1,024 tokens (sample_random_requests range_ratio 1.0) after /flush_cache, "
    "ignore_eos, max_new_tokens 512, temperature 0, streamed with stream_interval 1; ttft = the arrival of the chunk with "
    "completion_tokens == 1, latency = the end of the stream; 'output throughput' = batch_size * output_len / (latency - "
    "ttft) = 512 tokens over the 511 decode steps after the first token (contexts 1,025-1,535), through the HTTP API with "
    "streaming (the client's per-token receive inside the window). Taken as decode_tokens_per_s_per_seq over 512 steps from "
    "a 1,024-token prompt: the printed figure counts one token more than its steps (512 / 511 = +0.2 %). KV cache bfloat16 "
    "(no --kv-cache-dtype: 'auto' = the model dtype; for the MXFP4 checkpoint model_specific_adjustments sets dtype "
    "bfloat16). CUDA graphs on (SGLang's default; no --disable-cuda-graph). Radix cache on but cold (flush_cache before "
    "the case).")


def lmsys_rows() -> tuple[list, list]:
    rows, excluded = [], []
    lines = LM_TABLE.splitlines()
    header = [c.strip() for c in lines[4].strip().strip("|").split("|")]
    if header != ["Hardware / Precision", "NVIDIA B200", "NVIDIA H100", "AMD MI350"]:
        raise ValueError(header)
    for line in lines[6:8]:
        c = [x.strip() for x in line.strip().strip("|").split("|")]
        prec = c[0]
        wd, ckpt, moe = LM_FORMATS[prec]
        for col, cell in zip(header[1:], c[1:]):
            value = cell.removesuffix(" tok/s")
            quote = "\n".join(lines[:6] + [line] + lines[8:])
            if col == "AMD MI350":
                excluded.append({"source": LM_SRC, "quote": quote, "reason": (
                    f"the {prec} cell of the AMD MI350 column ({cell}, TP 8, triton backend): 'AMD MI350' is not a GPU "
                    f"of kvplan's catalog (its AMD parts are mi250x, mi300x, mi325x and mi355x; the MI350X differs from "
                    f"the MI355X in clocks and board power), so no kvplan figure can be put beside it")})
                continue
            if LM_CELLS[(prec, col)] != value:
                raise ValueError((prec, col, value))
            tag, gpu, tp, gpu_note = LM_GPUS[col]
            rows.append({
                "id": f"lmsys-gptoss-sglang-{tag}-gpt-oss-120b-{wd}-tp{tp}-bs1-1024-512-decode", "source": LM_SRC,
                "quote": quote, "retrieved": RETRIEVED, "engine": "sglang", "engine_version": LM_VERSION,
                "model": "gpt-oss-120b", "weight_dtype": wd, "kv_dtype": "bf16", "gpu": gpu, "num_gpus": tp,
                "batch": 1, "input_len": 1024, "output_len": 512, "metric": "decode_tokens_per_s_per_seq",
                "value": float(value),
                "notes": LM_NOTE.format(page=LM_PAGE, ckpt=ckpt, gpu_note=gpu_note.format(moe=moe[tag]), guide=LM_GUIDE)})
    charts = ("##### High-Throughput Performance (Batch Size = 32)\n\nFor high-throughput applications, SGLang delivers "
              "significant performance gains over our initial Day 0 support and have shown great performance on both "
              "prefill and decode on different hardwares.\n\n")
    for name in ("combined_prefill_performance", "combined_decode_performance"):
        excluded.append({"source": LM_SRC, "quote": charts + f"![{name}.png](/images/blog/gpt_oss/{name}.png)",
                         "reason": (f"a chart ({name}: batch 32, 1k and 8k inputs on B200 / H100 / MI350, 'Day 0' beside "
                                    f"'Optimized (main)'): its bars carry no printed values (the repository's {name}.svg "
                                    f"draws bars and axis ticks only), so no figure can be read without measuring "
                                    f"pixels (README 'How entries were chosen': charts only are not read)")})
    excluded.append({"source": LM_SRC, "quote": (
        "| Reasoning Effort | SGLang | vLLM | Official |\n| Low | 65.6 | 65.3 | 67.1 |\n| Medium | 71.3 | 72.4 | 73.1 |\n"
        "| High | 79.8 | 79.4 | 80.1 |"), "reason": "a model-accuracy table (GPQA by reasoning effort), not a speed"})
    if len(rows) != 4:
        raise ValueError(f"gpt-oss post: {len(rows)} rows, expected 4")
    return rows, excluded


# ---- ROCm vLLM docker page, releases 20250513_aiter (16d2b92) and 20250325_aiter (25070a1) -------------------------------
r20.ROCM["20250513"] = {
    "short": "16d2b92",
    "version": ("vLLM 0.8.5 (ROCm/vllm docker rocm/vllm-dev:main, release 20250513_aiter: ROCm 6.3.1, hipBLASLt 0.15, "
                "PyTorch 2.7; benchmark scripts from v0.6.5)"),
    "what": ("the 20250513_aiter release of rocm/vllm-dev:main as the page of 2025-05-19 (16d2b92, 'Updated README.md (#546)') "
             "describes it ('ROCm 6.3.1, HipblasLT 0.15, vLLM 0.8.5, PyTorch 2.7'; 'What is New': 'Out of memory bug fix', "
             "'PyTorch fixes', 'Tunable ops fixes'; its release list's newest entry is '20250513_aiter'). Which engine, V0 or "
             "V1, the latency runs used is not stated (V1 is vLLM's default from 0.8.0; the page sets no VLLM_USE_V1); the "
             "row takes kvplan's profile for vLLM 0.8.5 (V1), as round 16 did for 20250521's 0.8.5"),
    "host": "2x AMD EPYC 9575F Processors",
}
r20.ROCM["20250325"] = {
    "short": "25070a1",
    "version": ("vLLM 0.7.3 (ROCm/vllm docker rocm/vllm-dev:main, release 20250325_aiter: ROCm 6.3.1, hipBLASLt 0.13, "
                "PyTorch 2.7dev (nightly); benchmark scripts from v0.6.5)"),
    "what": ("the 20250325_aiter release of rocm/vllm-dev:main as the page of 2025-03-28 (25070a1, 'Docs_update_20250327 "
             "(#493)') describes it ('ROCm 6.3.1, HipblasLT 0.13, vLLM 0.7.3, PyTorch 2.7dev (nightly)'; 'What is New': "
             "improved DeepSeek-V3 / R1 support, initial Gemma-3 enablement, detokenizer disablement, torch.compile "
             "support; its release list's newest entry is '20250325_aiter'); vLLM 0.7.3's V0 engine by default (V1 on by "
             "default from vLLM 0.8.0)"),
    "host": "2x AMD EPYC 9554 Processors",
}


# rocm_rows' note on the 405B cell's slip quotes round 20's page's latency ranges; this page's own (read from its table)
SLIP_RANGES = ("(46-158 s against 17-61 s)", "(46.8-159.6 s against 17.7-63.7 s)")


def rocm_20250325(rocm_git: str) -> tuple[list, list]:
    rows, excl = r20.rocm_rows(rocm_git, "20250325")
    slipped = [r for r in rows if SLIP_RANGES[0] in r["notes"]]
    if len(slipped) != 16:
        raise ValueError(f"20250325: {len(slipped)} rows with the 405B cell's note, expected 16")
    lat = {(r["model"], r["batch"], r["input_len"]): r["value"] for r in rows}
    for model, lo, hi in (("llama-3.1-405b", 46.779, 159.555), ("llama-3.1-70b", 17.662, 63.717)):
        vals = [v for (m, _, _), v in lat.items() if m == model]
        if (min(vals), max(vals)) != (lo, hi):
            raise ValueError((model, min(vals), max(vals)))
    for r in slipped:
        r["notes"] = r["notes"].replace(*SLIP_RANGES)
    return rows, excl


def main(rocm_git: str) -> None:
    r20.RETRIEVED = RETRIEVED  # rocm_rows stamps the rows with the module's date: this round's reading
    rows, excl = [], []
    for f in (lmsys_rows, lambda: r20.rocm_rows(rocm_git, "20250513"), lambda: rocm_20250325(rocm_git)):
        r, x = f()
        rows += r
        excl += x
    ids = [r["id"] for r in rows]
    if len(ids) != len(set(ids)):
        raise ValueError("duplicate ids")
    append(rows, excl)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python benchmarks/published/round21_rows.py ROCM_VLLM_GIT_DIR")
    main(*sys.argv[1:])
