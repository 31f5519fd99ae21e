"""Round 18 (issue 21): the rows of the new source documents, written into measurements.yaml and excluded.yaml.

    # mirrors of dstackai/benchmarks (its deepseek-r1-benchmark branch holds 7f37e66) and datacrunch-research/blogs
    # (fetch tool), read with git show
    python benchmarks/published/round18_rows.py <git dir of dstackai/benchmarks> <git dir of datacrunch-research/blogs>

The sources, read after round 17's held-out figures had been seen (session 19), and split (make_split.py, round 18, seed
2026121718) before any of their rows was predicted against its measured figure. This round looked for static batches above
1 on NVIDIA data-centre GPUs under vLLM, SGLang and TensorRT-LLM (round 17's held-out set was batch 1 only):

* dstack's "Evaluate DeepSeek-R1 Inference performance with SgLang, vLLM and TensorRT-LLM on 8xH200 and 8xMi300x"
  (``Deepseek-R1/`` of dstackai/benchmarks at 7f37e66, 2025-03-18, its branch deepseek-r1-benchmark): the offline table
  ``raw_data/offline_results.csv``, vLLM's ``benchmark_throughput.py`` (with dstack's SGLang path) running ``--num-prompts``
  random prompts of exactly 3,200 tokens, each generating exactly 800 / 1,600 / 3,200 tokens, all submitted at once, one
  run, ``elapsed_time`` in seconds: DeepSeek-R1 (FP8) on 8 x H200 and 8 x MI300X, TP 8, batch 32-1,024, vLLM 0.7.x and
  SGLang 0.4.2-0.4.3. A different campaign of the publisher of round 8's source (dstack's Llama 3.1 405B comparison):
  another model, other GPUs, other engines, other scripts;
* DataCrunch's "Deploying DeepSeek-R1 671B on 8xH200 Datacrunch" (datacrunch-research/blogs at 60e1e7a,
  ``deepseek-r1-deployment/deepseek-r1-deployment.md``, first committed 2025-01-31): one ``sglang.bench_one_batch`` run of
  DeepSeek-R1 on 8 x H200, TP 8, batch 1, 128 prompt tokens and 256 generated, its prefill latency and median decode step.

Rules, fixed before any row was predicted:

* dstack offline rows: ``elapsed_time`` is ``e2e_latency_s`` of one batch of ``num_requests`` sequences (benchmark_throughput.py
  times ``llm.generate`` over all prompts: every prefill and every decode step); ``max_model_len 32768`` (the commands'
  ``--max-model-len=32768``; SGLang's ``context_length``). Every vLLM and SGLang row is a row: where a batch does not fit the
  engine's KV cache or its cap on running sequences at once, the engine ran it in waves, which scripts/perf_accuracy.py's
  ``closed_batch_seconds`` prices by running the batch through kvplan simulate's scheduler (the project's rule since
  session 15), so no row is chosen away by kvplan's own memory plan. The checkpoint is deepseek-ai/DeepSeek-R1 (FP8 weights
  with 128 x 128 block scales); no command sets a KV-cache format, so both engines keep it in the model dtype (bf16);
* dstack's TensorRT-LLM offline rows are left out: the engine was built with ``convert_checkpoint.py --dtype bfloat16`` and
  ``trtllm-build --gemm_plugin bfloat16``, and DeepSeek-R1's 671 B parameters in bf16 (about 1.34 TB) cannot be held by 8 x
  141 GB, so the format the engine really ran is not the one its commands state (and the README's "Limitations" says this
  path is not the one TensorRT-LLM recommends);
* dstack's online table (``raw_data/online_results.csv``): served runs of 500 prompts at concurrency 4-128 (a closed loop of
  continuous batching, not a fixed batch: rounds 5 and 11's rule), some with a shared-prefix dataset: every row left out;
* DataCrunch's bench_one_batch: the second ("Benchmark ...") pass is the measurement (the page: "The final user will
  percieve the decode latency shown below"); its ``Prefill. latency`` is ``ttft_s`` (one 128-token prompt, no HTTP, no
  sampling queue), its ``Decode.  median latency`` is ``decode_s_per_token`` (the median of the decode steps after 128
  prompt tokens, 255 of them); the warm-up pass (JIT compilation and CUDA-graph capture in its first steps) and each
  pass's per-step and total lines are other statistics of the same run, left out.
"""
from __future__ import annotations

import csv
import io
import subprocess
import sys

from rows_io import append

RETRIEVED = "2026-12-07"

# ---- dstack: DeepSeek-R1 on 8 x H200 and 8 x MI300X ---------------------------------------------------------------------
DSTACK = "7f37e6697725e58dd09b9ef190b62ce19f01d45e"
DDIR = "Deepseek-R1/"
DBASE = f"https://github.com/dstackai/benchmarks/blob/{DSTACK}/{DDIR}"
# (csv GPU, csv backend) -> kvplan setup; the version line is the README's environment section, verbatim
DSETUPS = {
    ("h200", "vllm"): dict(engine="vllm", gpu="h200-sxm-141gb", env="### vLLM-H200",
                           version="    vLLM Version: 0.7.4.dev181+gf35f8e22", words="vLLM 0.7.4.dev181+gf35f8e22"),
    ("mi300", "vllm"): dict(engine="vllm", gpu="mi300x", env="### vLLM-Mi300",
                            version="    vLLM Version: 0.7.3.dev138+g21f6ca217", words="vLLM 0.7.3.dev138+g21f6ca217 (ROCm)"),
    ("h200", "sglang"): dict(engine="sglang", gpu="h200-sxm-141gb", env="### SgLang-H200",
                             version="    sglang: 0.4.3.post2", words="SGLang 0.4.3.post2"),
    ("mi300", "sglang"): dict(engine="sglang", gpu="mi300x", env="### SgLang-Mi300x",
                              version="    sglang: 0.4.2.post4", words="SGLang 0.4.2.post4 (ROCm)"),
}
GPU_WORDS = {"h200-sxm-141gb": "8 x NVIDIA H200 SXM5 141GB (the README's '8x NVIDIA H200 SXM5 GPU, 141GB, 700W')",
             "mi300x": "8 x AMD MI300X (the README's '8x AMD Mi300x GPU, 192GB, 750W')"}
DNOTES = (
    "dstack's DeepSeek-R1 benchmark (Deepseek-R1/ at 7f37e66), 'Offline Benchmarking Commands': {cmd_words}: "
    "benchmark_throughput.py without --dataset synthesizes {b} prompts of exactly {i} random tokens (re-tokenized to that "
    "length) and times one generate() over all of them with ignore_eos and {o} new tokens each: one batch of {b}, every "
    "prefill and decode step, end to end in seconds (the CSV's elapsed_time). {engine_words} on {gpu_words}, TP 8 "
    "(--tensor-parallel-size=8), max_model_len 32768 (--max-model-len=32768). Checkpoint deepseek-ai/DeepSeek-R1: FP8 "
    "weights with 128 x 128 block scales (kvplan's deepseek-r1, fp8); no command sets a KV-cache format, so the engine keeps "
    "the model dtype (bf16). {extra}Where the batch does not fit the engine's KV cache or its cap on running sequences at "
    "once it ran in waves (round18_rows.py's rule: every row kept, waves priced by kvplan simulate's scheduler).")
DEXTRA = {
    "vllm": "vLLM's LLM class (no --async-engine): the V0 engine of 0.7.x, CUDA graphs on (no --enforce-eager); the "
            "serve task's VLLM_ATTENTION_BACKEND=FLASHMLA is not stated for the offline runs. ",
    "sglang": "dstack's run_sglang: sgl.Engine(tp_size=8, context_length=32768, enable_dp_attention=False: the "
              "--enable-dp-attention flag is not in the offline command, default False), CUDA graphs on (SGLang's default). ",
}
TRT_REASON = (
    "TensorRT-LLM offline row: the README builds its engine with convert_checkpoint.py --dtype bfloat16 and trtllm-build "
    "--gemm_plugin bfloat16, and DeepSeek-R1's 671 B parameters in bf16 (about 1.34 TB) cannot be held by 8 x 141 GB, so the "
    "weight format the engine ran is not the one its commands state (its README's Limitations also says this engine path is "
    "not the one TensorRT-LLM recommends): weight format not determinable, left out (round18_rows.py's rule)")
ONLINE_REASON = (
    "online table: bench_serving.py with 500 prompts at max concurrency {c} ({ds}): a closed loop of continuous batching "
    "(requests arrive, prefill and finish interleaved), not a fixed batch; only fixed-batch runs are rows here (rounds 5 "
    "and 11's rule), served runs belong to the serving accuracy (issue 22)")


def _show(git_dir: str, rev: str, path: str) -> str:
    return subprocess.run(["git", "--git-dir", git_dir, "show", f"{rev}:{path}"], check=True, capture_output=True,
                          text=True).stdout


def dstack_rows(git_dir: str) -> tuple[list, list]:
    readme = _show(git_dir, DSTACK, DDIR + "README.md").splitlines()
    text = _show(git_dir, DSTACK, DDIR + "raw_data/offline_results.csv").lstrip("\ufeff")
    lines = text.splitlines()
    cols = lines[0].split(",")
    src = DBASE + "raw_data/offline_results.csv"
    rows, excluded = [], []
    for k, ln in enumerate(lines[1:], 1):
        cells = next(csv.reader(io.StringIO(ln)))
        rec = dict(zip(cols, cells))
        quote = (f"raw_data/offline_results.csv, data row {k} (of the header's columns; a CSV row's commas would join its "
                 "numbers):\n" + "\n".join(f"{c}: {x}" for c, x in zip(cols, cells)))
        if rec["backend"] == "trt-llm":
            excluded.append({"source": src, "quote": quote, "reason": TRT_REASON})
            continue
        s = DSETUPS[(rec["GPU"], rec["backend"])]
        b, i, o = int(rec["num_requests"]), int(rec["input_len"]), int(rec["output_len"])
        assert b * i == int(rec["total_input_tokens"]) and b * o == int(rec["total_output_tokens"])
        head = "### Sglang" if s["engine"] == "sglang" else "### vLLM"
        off = readme.index("## Offline Benchmarking Commands")
        h0 = next(n for n, x in enumerate(readme) if x.strip() == head and n > off)
        cmd = [x for x in readme[h0 + 2:h0 + 10] if x.strip()]
        assert cmd[0].startswith("python benchmark_throughput.py") and cmd[-1].lstrip().startswith("--num-prompts")
        env = next(n for n, x in enumerate(readme) if x.strip() == s["env"])
        assert s["version"] in readme[env:env + 6]
        cmd_words = " ".join(x.strip().rstrip("\\").strip() for x in cmd)
        rows.append({
            "id": f"dstack-dsr1-{s['engine']}-{rec['GPU']}-deepseek-r1-fp8-tp8-bs{b}-{i}-{o}-latency",
            "source": src,
            "quote": quote + "\nREADME.md:\n" + "\n".join([s["env"], s["version"], head] + cmd),
            "retrieved": RETRIEVED, "engine": s["engine"], "engine_version": s["words"] + " (the README's environment)",
            "model": "deepseek-r1", "weight_dtype": "fp8", "kv_dtype": "bf16", "gpu": s["gpu"], "num_gpus": 8,
            "batch": b, "input_len": i, "output_len": o, "max_model_len": 32768, "metric": "e2e_latency_s",
            "value": float(rec["elapsed_time"]),
            "notes": DNOTES.format(cmd_words=cmd_words, b=b, i=i, o=o, engine_words=s["words"], gpu_words=GPU_WORDS[s["gpu"]],
                                   extra=DEXTRA[s["engine"]])})
    online = _show(git_dir, DSTACK, DDIR + "raw_data/online_results.csv").lstrip("\ufeff").splitlines()
    ocols = online[0].split(",")
    for k, ln in enumerate(online[1:], 1):
        cells = next(csv.reader(io.StringIO(ln)))
        rec = dict(zip(ocols, cells))
        ds = ("random prompts of exactly {} tokens, {} generated".format(rec["random_input_len"], rec["random_output_len"])
              if rec["dataset_name"] == "random" else "a generated shared-prefix dataset: prefix caching")
        excluded.append({"source": DBASE + "raw_data/online_results.csv",
                         "quote": f"raw_data/online_results.csv, data row {k}:\n{online[0]}\n{ln}",
                         "reason": ONLINE_REASON.format(c=rec["max_concurrency"], ds=ds)})
    return rows, excluded


# ---- DataCrunch: DeepSeek-R1 on 8 x H200, sglang.bench_one_batch ---------------------------------------------------------
BLOGS = "60e1e7adb3482b2397231e04cbbccaf38040c77c"
BPATH = "deepseek-r1-deployment/deepseek-r1-deployment.md"
BSRC = f"https://github.com/datacrunch-research/blogs/blob/{BLOGS}/{BPATH}"
BNOTES = (
    "DataCrunch's 'Deploying DeepSeek-R1 671B on 8xH200 Datacrunch' (datacrunch-research/blogs at 60e1e7a; first "
    "committed 2025-01-31): `python3 -m sglang.bench_one_batch --batch-size 1 --input 128 --output 256 --model "
    "deepseek-ai/DeepSeek-R1 --trust-remote-code --tp 8 --enable-torch-compile --torch-compile-max-bs 1` in the "
    "lmsysorg/sglang:latest container of the day (the SGLang version is not printed; the page names v0.4.1 as the release "
    "that supports DeepSeek-V3), on 8 x NVIDIA H200 ('8xH200': the SXM 141 GB part assumed), TP 8, offline (no HTTP, no "
    "DP attention in this command), CUDA graphs on (SGLang's default) and torch.compile on for batch 1. FP8 checkpoint "
    "(kvplan's deepseek-r1, fp8: 128 x 128 block scales); KV cache in the model dtype (bf16; no --kv-cache-dtype). The "
    "second pass ('Benchmark ...') is the measurement, as the page says. {what}")
BWHAT = {
    "ttft": "'Prefill. latency': one forward pass over the 128-token prompt of the batch's one sequence (ttft_s, no "
            "HTTP or queue: kvplan's first token without a front end).",
    "tpot": "'Decode.  median latency': the median of the pass's decode steps (one token each after the 128-token prompt, "
            "255 steps), decode_s_per_token.",
}


def datacrunch_rows(git_dir: str) -> tuple[list, list]:
    lines = _show(git_dir, BLOGS, BPATH).splitlines()
    cmd = next(n for n, x in enumerate(lines) if x.startswith("python3 -m sglang.bench_one_batch"))
    bench = next(n for n, x in enumerate(lines) if x.startswith("Benchmark ...") and n > cmd)
    end = next(n for n, x in enumerate(lines) if x.startswith("Total. latency") and n > bench)
    title, launch = lines[0], next(x for x in lines if x.startswith("python3 -m sglang.launch_server"))
    head = [title, lines[cmd - 3], lines[cmd]]  # the page title, "4. The following command ...", the command
    pre = next(x for x in lines[bench:end] if x.startswith("Prefill. latency"))
    med = next(x for x in lines[bench:end] if x.startswith("Decode.  median latency"))
    rows = []
    for phase, line, metric, o in (("ttft", pre, "ttft_s", 1), ("tpot", med, "decode_s_per_token", 256)):
        value = float(line.split("latency:")[1].split("s,")[0])
        rows.append({
            "id": f"datacrunch-sglang-h200-deepseek-r1-fp8-tp8-bs1-128-256-{phase}", "source": BSRC,
            "quote": "\n".join(head + ["Benchmark ...", line]), "retrieved": RETRIEVED, "engine": "sglang",
            "engine_version": "SGLang in lmsysorg/sglang:latest of late January 2025 (version not printed)",
            "model": "deepseek-r1", "weight_dtype": "fp8", "kv_dtype": "bf16", "gpu": "h200-sxm-141gb", "num_gpus": 8,
            "batch": 1, "input_len": 128, "output_len": o, "metric": metric, "value": value,
            "notes": BNOTES.format(what=BWHAT[phase])})
    warm = lines[cmd + 1:bench]
    excluded = [
        {"source": BSRC, "quote": "\n".join(head + warm),
         "reason": "the warm-up pass of the same bench_one_batch run (its prefill and first decode step include "
                   "torch.compile's JIT compilation and CUDA-graph capture; the page takes the second pass as the "
                   "measurement)"},
        {"source": BSRC, "quote": "\n".join(head + [x for x in lines[bench:end + 1] if x not in (pre, med)]),
         "reason": "the measured pass's per-step decode latencies and its total are other statistics of the same run as "
                   "its two rows (prefill latency, median decode latency)"},
        {"source": BSRC, "quote": launch,
         "reason": "the page's server launch (with --enable-dp-attention) has no measured result on the page; only the "
                   "offline bench_one_batch run is measured"},
    ]
    return rows, excluded


def main(dstack_git: str, blogs_git: str) -> None:
    parts = [dstack_rows(dstack_git), datacrunch_rows(blogs_git)]
    rows = [r for p in parts for r in p[0]]
    excluded = [x for p in parts for x in p[1]]
    ids = [r["id"] for r in rows]
    assert len(ids) == len(set(ids)), "duplicate ids"
    append(rows, excluded)


if __name__ == "__main__":
    main(*sys.argv[1:])
