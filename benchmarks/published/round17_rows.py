"""Round 17 (issue 21): the rows of the new source documents, written into measurements.yaml and excluded.yaml.

    git -C <mirror of sgl-project/sgl-cookbook> show 7b5bd9c:docs/autoregressive/Moonshotai/Kimi-K2.5.md > kimi-k2.5.md
    git -C <the same> show 7b5bd9c:docs/autoregressive/Qwen/Qwen3-Coder-Next.md > qwen3-coder-next.md
    python benchmarks/published/round17_rows.py kimi-k2.5.md qwen3-coder-next.md   # appends the round-17 entries (once)

The sources, read after round 16's held-out figures had been seen (session 18), and split (make_split.py, round 17, seed
2026121717) before any of their rows was predicted against its measured figure. This round looked for decode-only and
first-token rows on NVIDIA GPUs, which rounds 15 and 16's held-out sets lack:

* three llama.cpp pull requests whose description prints one ``scripts/compare-llama-bench.py`` table (the same
  llama-bench tests run by the master build of the day and by the PR's build; both t/s columns are rows, round 11's rule
  for a PR's before / after builds), their text read through the search tool's stored copy of each thread and quoted
  verbatim below:
  - PR #16649 "CUDA: topk-moe: add optional parameter for gpt-oss" (am17an, 2025-10-18): "Performance on a 4090", tg32 /
    tg64 / tg128 of gpt-oss 20B MXFP4 MoE (6 rows);
  - PR #16834 "CUDA: use fastdiv in set-rows" (am17an, 2025-10-29): "Device 0: NVIDIA GeForce RTX 4090, compute
    capability 8.9, VMM: yes", tg128 / tg256 / tg512 of gpt-oss 20B MXFP4 MoE and qwen3moe 30B.A3B Q4_0 (12 rows);
  - PR #19053 "CUDA: Fix loop unrolling for BW in mul_mat_q_stream_k_fixup" (ORippler, 2026-01-23, merged 2026-02-03):
    its "Perf numbers" table, whose "NVIDIA RTX 6000 Ada Generation" rows of gpt-oss 20B MXFP4 MoE and llama 8B Q4_0 at
    pp8096 and tg128 are in the catalog (8 rows); its other rows are excluded row by row (X19053);
* two pages of the SGLang cookbook at 7b5bd9c (the snapshot rounds 5 and 7 read; each page is its own campaign, one
  source document, round 5's rule), their concurrency-1 runs only (median TTFT and median TPOT, round 7's lengths and
  notes: the same seed, the same token totals 6,101 / 4,220, 6,101 / 44,462 and 41,941 / 4,220):
  - "Kimi-K2.5": SGLang 0.5.6.post2 on 8 x H200, TP 8, moonshotai/Kimi-K2.5 (6 rows); its speculative-decoding section
    printed no result ("Pending update..."), and its MI350X section is on a GPU kvplan's catalog does not have;
  - "Qwen3-Coder-Next": SGLang 0.5.8+ on 2 x B200, TP 2, Qwen/Qwen3-Coder-Next (6 rows).

Rules, fixed before any row was predicted:

* llama-bench ``tgN``: N tokens generated one at a time after no prompt, t/s = N / wall time: ``decode_tokens_per_s_per_seq``,
  batch 1, input_len 0, output_len N. ``ppN``: one N-token prompt, t/s = N / wall time: ``prefill_tokens_per_s``, batch 1,
  input_len N, output_len 0. KV cache f16 (llama-bench's default; no PR prints a flag); flash attention at llama-bench's
  default of the day (not printed), noted in each row; all layers on the GPU (the models fit the cards);
* llama.cpp models: "gpt-oss 20B MXFP4 MoE" -> gpt-oss-20b, mxfp4 (the GGUF's file type; the formats of its non-expert
  tensors are not printed); "qwen3moe 30B.A3B Q4_0" -> qwen3-30b-a3b, q4_0; "llama 8B Q4_0" -> llama-3.1-8b, q4_0 (which
  Llama 3.x 8B is not printed; they have the same layer shapes); a model, weight format or GPU kvplan does not have is
  excluded with the reason (nemotron_h 9B, Q4_K_M, RTX PRO 6000 Blackwell);
* cookbook: a run at concurrency 16, 64 or 100 is a closed loop of continuous batching, not a fixed batch (round 5's rule);
  each concurrency-1 run's other statistics describe the same requests as its two rows; Kimi-K2.5 -> kvplan's
  kimi-k2-instruct (the text model of moonshotai/Kimi-K2.5 has Kimi K2's shapes: 61 layers, 384 routed experts, MLA),
  its checkpoint's routed experts in INT4 (compressed-tensors pack-quantized, group 32) and the rest bf16
  (checkpoints.yaml); Qwen3-Coder-Next -> qwen3-next-80b-a3b ("80B total parameters but only 3B activated parameters ...
  hybrid architecture", the page), bf16. KV caches bf16 (SGLang's --kv-cache-dtype auto: the model dtype). 'H200': the
  SXM 141 GB part assumed.
"""
from __future__ import annotations

import sys

from round7_rows import LENGTHS, RANDOM_NOTE, TPOT_NOTE, TTFT_NOTE, _block, _find
from rows_io import append

RETRIEVED = "2026-12-07"

# ---- llama.cpp pull requests --------------------------------------------------------------------------------------------
PR16649 = "https://github.com/ggml-org/llama.cpp/pull/16649"
H16649 = ("CUDA: topk-moe: add optional parameter for gpt-oss\n\nam17an · description · 2025-10-18\nWhile looking at this "
          "kernel I realized that it is relatively easy to add it for gpt-oss, which does the softmax after the top-k.\n\n"
          "Performance on a 4090:\n"
          "| Model                 | Test   |   t/s master |   t/s cuda_gpt_oss_opt |   Speedup |\n"
          "|:----------------------|:-------|-------------:|-----------------------:|----------:|")
T16649 = [
    ("| gpt-oss 20B MXFP4 MoE | tg32   |       170.99 |                 177.68 |      1.04 |", "gpt-oss 20B MXFP4 MoE", "tg32", 170.99, 177.68),
    ("| gpt-oss 20B MXFP4 MoE | tg64   |       168.75 |                 175.36 |      1.04 |", "gpt-oss 20B MXFP4 MoE", "tg64", 168.75, 175.36),
    ("| gpt-oss 20B MXFP4 MoE | tg128  |       167.01 |                 173.33 |      1.04 |", "gpt-oss 20B MXFP4 MoE", "tg128", 167.01, 173.33),
]
PR16834 = "https://github.com/ggml-org/llama.cpp/pull/16834"
H16834 = ("CUDA: use fastdiv in set-rows\n\nam17an · description · 2025-10-29\nHelpful in TG\n\n"
          "Device 0: NVIDIA GeForce RTX 4090, compute capability 8.9, VMM: yes\n"
          "| Model                 | Test   |   t/s master |   t/s set-row |   Speedup |\n"
          "|:----------------------|:-------|-------------:|--------------:|----------:|")
T16834 = [
    ("| gpt-oss 20B MXFP4 MoE | tg128  |       186.10 |        187.25 |      1.01 |", "gpt-oss 20B MXFP4 MoE", "tg128", 186.10, 187.25),
    ("| gpt-oss 20B MXFP4 MoE | tg256  |       184.63 |        187.19 |      1.01 |", "gpt-oss 20B MXFP4 MoE", "tg256", 184.63, 187.19),
    ("| gpt-oss 20B MXFP4 MoE | tg512  |       183.95 |        184.45 |      1.00 |", "gpt-oss 20B MXFP4 MoE", "tg512", 183.95, 184.45),
    ("| qwen3moe 30B.A3B Q4_0 | tg128  |       161.55 |        163.48 |      1.01 |", "qwen3moe 30B.A3B Q4_0", "tg128", 161.55, 163.48),
    ("| qwen3moe 30B.A3B Q4_0 | tg256  |       162.39 |        163.33 |      1.01 |", "qwen3moe 30B.A3B Q4_0", "tg256", 162.39, 163.33),
    ("| qwen3moe 30B.A3B Q4_0 | tg512  |       159.14 |        160.86 |      1.01 |", "qwen3moe 30B.A3B Q4_0", "tg512", 159.14, 160.86),
]
PR19053 = "https://github.com/ggml-org/llama.cpp/pull/19053"
H19053 = (
    "CUDA: Fix loop unrolling for BW in mul_mat_q_stream_k_fixup\n\nORippler · description · 2026-01-23\nBy providing "
    "stride_* variables as `size_t` (i.e., 64-bit), the compiler can correctly unroll the [two for-loops](https://github.com/"
    "ggml-org/llama.cpp/blob/557515be1e93ed8939dd8a7c7d08765fdbe8be31/ggml/src/ggml-cuda/mmq.cuh#L3789-L3816) on BW. This "
    "gives some perf for prefill/pp phase on BW, while not affecting other SMs.\n...\n<summary>Perf numbers</summary>\n\n"
    "| GPU                                                     | Model                 | Test   |   t/s master |   t/s "
    "osimons/fix_bw_mmq_fixup_kernel |   Speedup |\n"
    "|:--------------------------------------------------------|:----------------------|:-------|-------------:|"
    "--------------------------------------:|----------:|")
ADA = "| NVIDIA RTX 6000 Ada Generation                          | "
# the rows past the stored markdown excerpt are quoted from the search tool's other stored copy of the same PR page, whose
# table is flattened to text (https://hdoplus.com/proxy_gol.php?url=https%3A%2F%2Fgithub.com%2Fggml-org%2Fllama.cpp%2Fpull%2F19053)
FLAT = ("CUDA: Fix loop unrolling for BW in mul_mat_q_stream_k_fixup#19053 ... Perf numbers\n"
        "GPU Model Test t/s master t/s osimons/fix_bw_mmq_fixup_kernel Speedup\n")
T19053 = [
    (H19053, ADA + "gpt-oss 20B MXFP4 MoE | pp8096 |      8404.05 |                               8375.79 |      1.00 |",
     "gpt-oss 20B MXFP4 MoE", "pp8096", 8404.05, 8375.79),
    (H19053, ADA + "gpt-oss 20B MXFP4 MoE | tg128  |       253.79 |                                253.90 |      1.00 |",
     "gpt-oss 20B MXFP4 MoE", "tg128", 253.79, 253.90),
    (FLAT, "NVIDIA RTX 6000 Ada Generation llama 8B Q4_0 pp8096 8008.29 7978.80 1.00", "llama 8B Q4_0", "pp8096",
     8008.29, 7978.80),
    (FLAT, "NVIDIA RTX 6000 Ada Generation llama 8B Q4_0 tg128 168.87 168.85 1.00", "llama 8B Q4_0", "tg128",
     168.87, 168.85),
]
X19053 = [
    ("NVIDIA RTX 6000 Ada Generation llama 3B Q4_K_M pp8096 16148.93 16019.60 0.99", "k-quant"),
    ("NVIDIA RTX 6000 Ada Generation llama 3B Q4_K_M tg128 315.50 315.08 1.00", "k-quant"),
    ("NVIDIA RTX 6000 Ada Generation nemotron_h 9B BF16 pp8096 4263.16 4248.53 1.00", "nemotron"),
    ("NVIDIA RTX 6000 Ada Generation nemotron_h 9B BF16 tg128 48.61 48.59 1.00", "nemotron"),
    ("NVIDIA RTX 6000 Ada Generation nemotron_h 9B Q4_K_M pp8096 5165.11 5157.43 1.00", "nemotron"),
    ("NVIDIA RTX 6000 Ada Generation nemotron_h 9B Q4_K_M tg128 111.54 111.47 1.00", "nemotron"),
    ("NVIDIA RTX PRO 6000 Blackwell Max-Q Workstation Edition gpt-oss 20B MXFP4 MoE pp8096 12582.80 12758.37 1.01", "gpu"),
    ("NVIDIA RTX PRO 6000 Blackwell Max-Q Workstation Edition gpt-oss 20B MXFP4 MoE tg128 352.58 353.16 1.00", "gpu"),
    ("NVIDIA RTX PRO 6000 Blackwell Max-Q Workstation Edition llama 3B Q4_K_M pp8096 16879.10 17619.47 1.04", "gpu"),
]
REASONS = {
    "k-quant": "llama.cpp's Q4_K_M (k-quants: super-blocks of 256 values with 6-bit sub-block scales, a mix of Q4_K and Q6_K "
               "tensors) is not a weight format kvplan has (kvplan/model/dtypes.py); left out rather than mapped onto q4_0",
    "nemotron": "nemotron_h 9B (NVIDIA Nemotron-H 9B, a hybrid Mamba-2 / attention model) is not in kvplan's catalog (its "
                "nemotron-h entry is the 56B)",
    "gpu": "the RTX PRO 6000 Blackwell Max-Q Workstation Edition is not in kvplan's GPU catalog",
}
LMODELS = {"gpt-oss 20B MXFP4 MoE": ("gpt-oss-20b", "mxfp4", "gpt-oss-20b-mxfp4"),
           "qwen3moe 30B.A3B Q4_0": ("qwen3-30b-a3b", "q4_0", "qwen3-30b-a3b-q4_0"),
           "llama 8B Q4_0": ("llama-3.1-8b", "q4_0", "llama-8b-q4_0")}
LNOTE = {"gpt-oss-20b": "'gpt-oss 20B MXFP4 MoE' is llama-bench's description of an OpenAI gpt-oss-20b GGUF of file type "
                        "MXFP4 MoE (the routed experts in MXFP4; the formats of its other tensors are not printed): "
                        "kvplan's gpt-oss-20b with weight_dtype mxfp4.",
         "qwen3-30b-a3b": "'qwen3moe 30B.A3B Q4_0' is a Qwen3-30B-A3B GGUF quantized to Q4_0 (which Qwen3-30B-A3B release is "
                          "not printed; they have the same shapes): kvplan's qwen3-30b-a3b with weight_dtype q4_0.",
         "llama-3.1-8b": "'llama 8B Q4_0' is a Llama 3.x 8B GGUF quantized to Q4_0 (which release is not printed; Llama 3 "
                         "and 3.1 8B have the same layer shapes): kvplan's llama-3.1-8b with weight_dtype q4_0."}
BUILDS = {16649: ("2025-10-18", "cuda_gpt_oss_opt"), 16834: ("2025-10-29", "set-row"),
          19053: ("2026-01-23", "osimons/fix_bw_mmq_fixup_kernel; merged 2026-02-03")}
GPUS = {16649: ("rtx-4090", "4090", "'Performance on a 4090': kvplan's rtx-4090 (GeForce RTX 4090)"),
        16834: ("rtx-4090", "4090", "'NVIDIA GeForce RTX 4090, compute capability 8.9': kvplan's rtx-4090"),
        19053: ("rtx-6000-ada", "rtx6000ada", "'NVIDIA RTX 6000 Ada Generation': kvplan's rtx-6000-ada")}


def llama_row(pr, src, quote, cell, test, value, build):
    model, wd, mtag = LMODELS[cell]
    gpu, gtag, gnote = GPUS[pr]
    day, branch = BUILDS[pr]
    tg = test.startswith("tg")
    n = int(test[2:])
    what = (f"llama-bench '{test}': {n} tokens generated one at a time from an empty context (no prompt), one sequence, "
            f"t/s = {n} / wall time (the mean over llama-bench's repetitions)" if tg else
            f"llama-bench '{test}': one {n}-token prompt processed with no token generated, t/s = {n} / wall time "
            f"(llama-bench's default n_batch 2048 / n_ubatch 512: batches of at most 2,048 tokens, each run in 512-token "
            f"micro-batches)")
    return {
        "id": f"llamacpp-pr{pr}-{gtag}-{mtag}-{test}-{build}", "source": src, "quote": quote, "retrieved": RETRIEVED,
        "engine": "llamacpp",
        "engine_version": (f"llama.cpp master of {day} (PR #{pr}'s base; build number not printed)" if build == "master"
                           else f"llama.cpp PR #{pr} (branch {branch}; build number not printed)"),
        "model": model, "weight_dtype": wd, "kv_dtype": "fp16", "gpu": gpu, "num_gpus": 1, "batch": 1,
        "input_len": 0 if tg else n, "output_len": n if tg else 0,
        "metric": "decode_tokens_per_s_per_seq" if tg else "prefill_tokens_per_s", "value": value,
        "notes": (f"{what}. llama.cpp PR #{pr}'s table is scripts/compare-llama-bench.py output: the same llama-bench tests "
                  f"run by the master build of the day and by the PR's build; both columns are rows (round 11's rule for "
                  f"a PR's before / after builds); this row is the {'master' if build == 'master' else 'PR'} column. "
                  f"{LNOTE[model]} GPU: {gnote}. No llama-bench flag is printed: KV cache f16 (llama-bench's default), "
                  f"flash attention at llama-bench's default of the day (not printed), all layers on the GPU (the model "
                  f"fits the card).")}


def llamacpp_rows() -> tuple[list, list]:
    rows, excluded = [], []
    for pr, src, head, table in ((16649, PR16649, H16649, T16649), (16834, PR16834, H16834, T16834)):
        for line, cell, test, master, new in table:
            for build, v in (("master", master), ("pr", new)):
                rows.append(llama_row(pr, src, f"{head}\n{line}", cell, test, v, build))
    for head, line, cell, test, master, new in T19053:
        for build, v in (("master", master), ("pr", new)):
            rows.append(llama_row(19053, PR19053, f"{head}\n{line}", cell, test, v, build))
    for line, why in X19053:
        excluded.append({"source": PR19053, "quote": FLAT + line, "reason": REASONS[why] + " (both t/s columns)"})
    excluded.append({"source": PR19053, "quote": FLAT + X19053[-1][0],
                     "reason": "the table's rows after this one (the rest of the RTX PRO 6000 Blackwell Max-Q rows and any "
                               "other GPU's) are past every stored copy of the PR page read this round: unread, not chosen "
                               "away (the RTX PRO 6000 Blackwell is not in kvplan's catalog either)"})
    return rows, excluded


# ---- SGLang cookbook pages ----------------------------------------------------------------------------------------------
COOKBOOK = "https://github.com/sgl-project/sgl-cookbook/blob/7b5bd9c05e3d86da5161ac2be9b91c19a34bf49d/docs/autoregressive/"
KIMI = COOKBOOK + "Moonshotai/Kimi-K2.5.md"
QCN = COOKBOOK + "Qwen/Qwen3-Coder-Next.md"
PAGES = {
    "kimi": dict(src=KIMI, title="Kimi-K2.5", env=("- Hardware: NVIDIA H200 GPU (8x)", "- SGLang Version"),
                 launch="sglang serve", model="kimi-k2-instruct", wd="int4", gpu="h200-sxm-141gb", n=8, tag="h200",
                 mtag="kimi-k2.5-int4-tp8", version="SGLang 0.5.6.post2 (the page's 'SGLang Version: 0.5.6.post2')",
                 what=("`sglang serve --model-path moonshotai/Kimi-K2.5 --tp 8 --trust-remote-code` on 8 x NVIDIA H200 "
                       "(TP 8; no speculative decoding, no DP attention in this section's command). Kimi-K2.5's text "
                       "model has Kimi K2's shapes (61 layers, hidden 7168, MLA with 64 heads, 384 routed experts of "
                       "which 8 a token, one shared expert): kvplan's kimi-k2-instruct. The checkpoint stores its routed "
                       "experts in INT4 (compressed-tensors pack-quantized, group 32) and everything else in bf16: "
                       "checkpoints.yaml prices that layout; weight_dtype int4 buckets the row. KV cache bf16 (SGLang's "
                       "--kv-cache-dtype auto). 'H200': the SXM 141 GB part assumed.")),
    "qcn": dict(src=QCN, title="Qwen3-Coder-Next", env=("- Hardware: NVIDIA B200 GPU (2x)", "- sglang version"),
                launch="python -m sglang.launch_server", model="qwen3-next-80b-a3b", wd="bf16", gpu="b200", n=2,
                tag="b200", mtag="qwen3-coder-next-bf16-tp2", version="SGLang 0.5.8+ (the page's 'sglang version: 0.5.8+')",
                what=("`python -m sglang.launch_server --model Qwen/Qwen3-Coder-Next --tp 2` on 2 x NVIDIA B200 (TP 2). "
                      "Qwen3-Coder-Next: 'With 80B total parameters but only 3B activated parameters ... its innovative "
                      "hybrid architecture' (the page): the Qwen3-Next-80B-A3B architecture (Gated DeltaNet linear "
                      "attention on 3 of 4 layers, 512 experts, 10 a token), kvplan's qwen3-next-80b-a3b; bf16 weights "
                      "(the released checkpoint), KV cache bf16 (SGLang's --kv-cache-dtype auto).")),
}


def cookbook_rows(key: str, path: str) -> tuple[list, list]:
    p = PAGES[key]
    lines = open(path).read().splitlines()
    e0 = _find(lines, p["env"][0], 1)
    env = _block(lines, e0, _find(lines, p["env"][1], e0))
    rows, excluded = [], []
    for start in [k + 1 for k, ln in enumerate(lines) if ln.startswith("============ Serving Benchmark Result")]:
        end = _find(lines, "==================================================", start + 1)
        block = _block(lines, start, end)
        cmd = max(k + 1 for k in range(start) if lines[k].startswith(("python3 -m sglang.bench_serving",
                                                                        "python -m sglang.bench_serving")))
        launch0 = max(k + 1 for k in range(start) if lines[k].startswith(p["launch"]))
        launch = _block(lines, launch0, _find(lines, "  --port 30000", launch0))
        section = lines[max(k for k in range(start) if lines[k].startswith("#")) ]
        hw = lines[max(k for k in range(start) if lines[k].startswith("- Hardware:"))]
        get = {ln.split(":")[0].strip(): ln.split(":")[1].strip() for ln in block if ":" in ln}
        args = {lines[k].split()[0]: lines[k].split()[1] for k in range(cmd, start) if lines[k].startswith("  --")
                and len(lines[k].split()) > 1}
        i, o, c = args["--random-input-len"], args["--random-output-len"], get["Max request concurrency"]
        full = "\n".join([hw, section] + launch + _block(lines, cmd, _find(lines, "```", cmd + 1) - 1) + block)
        if hw != p["env"][0]:
            excluded.append({"source": p["src"], "quote": full,
                             "reason": f"{hw.split(': ')[1]}: not a GPU in kvplan's catalog (the page's other section)"})
            continue
        if c != "1":
            excluded.append({"source": p["src"], "quote": full,
                             "reason": f"concurrency {c}: a closed loop of continuous batching, not a fixed batch (as in "
                                       "round 5)"})
            continue
        keep = [ln for ln in block if not ln.startswith(("Median TTFT", "Median TPOT"))]
        for phase, key2 in (("ttft", "Median TTFT (ms)"), ("tpot", "Median TPOT (ms)")):
            li, lo = LENGTHS[(i, o, phase)]
            pick = [ln for ln in block if ln.startswith(("Max request concurrency", "Total input tokens:",
                                                         "Total generated tokens:", key2))]
            rows.append({
                "id": f"sglang-{p['tag']}-{p['mtag']}-c1-{i}-{o}-{phase}", "source": p["src"],
                "quote": "\n".join(env + [section] + launch + _block(lines, cmd, _find(lines, "```", cmd + 1) - 1) + pick),
                "retrieved": RETRIEVED, "engine": "sglang", "engine_version": p["version"], "model": p["model"],
                "weight_dtype": p["wd"], "kv_dtype": "bf16", "gpu": p["gpu"], "num_gpus": p["n"], "batch": 1,
                "input_len": li, "output_len": lo, "metric": "ttft_ms" if phase == "ttft" else "decode_ms_per_token",
                "value": float(get[key2]),
                "notes": (f"SGLang cookbook page '{p['title']}' (at 7b5bd9c), {section.lstrip('# ')}: {p['what']} "
                          f"`sglang.bench_serving --backend sglang --dataset-name random --random-input-len {i} "
                          f"--random-output-len {o} --num-prompts 10 --max-concurrency 1` (one request in flight: batch "
                          f"1). " + RANDOM_NOTE + (TTFT_NOTE if phase == "ttft" else TPOT_NOTE))})
        excluded.append({"source": p["src"], "quote": "\n".join([hw, section] + keep),
                         "reason": "the run's other statistics (means, P99s, ITL, end-to-end latency, throughputs) "
                                   "describe the same requests as its two rows (median TTFT, median TPOT)"})
    if key == "kimi":
        s = _find(lines, "#### 5.2.2 Speculative Decoding Benchmark", 1)
        excluded.append({"source": p["src"], "quote": "\n".join(_block(lines, s, _find(lines, "Pending update...", s))),
                         "reason": "the speculative-decoding section (EAGLE3 draft model) prints no result for any of its "
                                   "three runs ('Pending update...'), and kvplan does not price speculative decoding "
                                   "in these rows"})
    return rows, excluded


def main(kimi_md: str, qcn_md: str) -> None:
    parts = [llamacpp_rows(), cookbook_rows("kimi", kimi_md), cookbook_rows("qcn", qcn_md)]
    rows = [r for p in parts for r in p[0]]
    excluded = [x for p in parts for x in p[1]]
    ids = [r["id"] for r in rows]
    assert len(ids) == len(set(ids)), "duplicate ids"
    append(rows, excluded)


if __name__ == "__main__":
    main(*sys.argv[1:])
