"""Split the published measurements into a fit set and a held-out set, by source document (issue 21).

    python benchmarks/published/make_split.py          # rewrite split.yaml
    python benchmarks/published/make_split.py --check  # exit 1 if split.yaml is not what the seed gives

One source document is one publication of one measurement campaign: its rows all go to the same side, so a blog's
numbers never sit on both sides. The held-out sources are drawn with Python's random.Random(SEED).sample from the
sorted source ids, ceil(n / 2) of them. Nothing here reads an error or a prediction: the split was made before any
constant was fitted, and must not be redrawn after looking at results.

Round 2 (`round2` in split.yaml): the round-1 held-out figures were printed and read before round 2, so they no longer
measure anything; the round-1 held-out sources become "seen" (they may now be fitted, and are labelled in-sample).
Five new source documents, read after that, are split the same way with their own seed (SEED_ROUND2), drawn and
committed before any constant or structure of the model was changed for round 2.

Round 3 (`round3`): likewise, round 2's held-out sources become "seen"; the new source documents (SOURCES_ROUND3, only
those that hold measurement rows) are split with SEED_ROUND3, committed before any round-3 change. With one such
document, ceil(1 / 2) = 1 puts it on the held-out side: round 3 fits nothing new, it only tests.

Round 4 (`round4`): round 3's held-out source becomes "seen"; three new source documents (SOURCES_ROUND4), split
with SEED_ROUND4, committed before any round-4 row was predicted or any constant changed.

Round 6 (`round6`): round 5's held-out sources become "seen"; three new source documents (SOURCES_ROUND6: two tables of
NVIDIA's DLI course, TensorRT-LLM 0.9.0 and NIM, and vLLM's H200 CI build), split with SEED_ROUND6 and committed
before any round-6 row was predicted, with the model frozen as session 9 left it.

Round 7 (`round7`): round 6's held-out sources become "seen"; three new source documents (SOURCES_ROUND7: AMD's ROCm vLLM
docker page on MI300X, the SGLang cookbook's Gemma 4 and DeepSeek-V3.1 pages), split with SEED_ROUND7 and committed
before any round-7 row was predicted.

Round 8 (`round8`): round 7's held-out sources become "seen"; one new source document (SOURCES_ROUND8: dstack's Llama 3.1
405B FP8 comparison of 8 x H100 SXM5 and 8 x MI300X under vLLM), split with SEED_ROUND8 (one document: held out) and
committed with aiconfigurator's predictions before any round-8 row was predicted.

Round 9 (`round9`): round 8's held-out source becomes "seen"; one new source document (SOURCES_ROUND9: TensorRT-LLM's
performance.md at the v0.8.0 release, its static-batch throughput and batch-1 first-token tables on H200, H100, L40S and
A100), split with SEED_ROUND9 (one document: held out) and committed with aiconfigurator's predictions before any round-9
row was predicted.

Round 10 (`round10`): round 9's held-out source becomes "seen"; one new source document (SOURCES_ROUND10: a third party's
llama-bench runs of Llama 3 8B F16 on a Google Cloud A100-SXM4-40GB and L4 and a vSphere T4, Majestic-labs-AI/benchmarks-ai),
split with SEED_ROUND10 (one document: held out) and committed with aiconfigurator's coverage (none: no llama.cpp backend)
before any round-10 row was predicted.

Round 11 (`round11`): round 10's held-out source becomes "seen"; three new source documents (SOURCES_ROUND11: Vultr's NVIDIA
HGX B200 vLLM cookbook, a cloud provider's vllm bench serve runs at fixed 2,048 / 512 random lengths, and vLLM PRs #2542
and #3240, benchmark_latency sweeps of Mixtral-8x7B on H100 and A100), split with SEED_ROUND11 (ceil(3 / 2) = 2 held out)
and committed with aiconfigurator's predictions before any round-11 row was predicted.

Round 12 (`round12`): round 11's held-out sources become "seen"; two new source documents (SOURCES_ROUND12: Tenstorrent's
tt-inference-server issues #356 and #394, their engineers' vLLM reference runs on NVIDIA GPUs at fixed ISL / OSL,
concurrency 1), split with SEED_ROUND12 (ceil(2 / 2) = 1 held out) and committed with aiconfigurator's coverage before any
round-12 row was predicted.

Round 13 (`round13`): round 12's held-out sources become "seen"; two new source documents (SOURCES_ROUND13: vLLM PR #2192's
benchmark_latency table, static batches of 32 / 64 at TP 2 / 4, and TensorRT-LLM issue #5929's LLMPerf runs of
DeepSeek-R1 on 8 x H200 / 8 x B200 at concurrency 1), split with SEED_ROUND13 (ceil(2 / 2) = 1 held out) and committed
with aiconfigurator's coverage before any round-13 row was predicted.

Round 14 (`round14`): round 13's held-out source becomes "seen"; two new source documents (SOURCES_ROUND14: torchao's
quantization README at 92dd5f5, PyTorch's batch-1 decode rates of Llama 2 7B / Llama 3 8B on an A100 80 GB and Llama 3.1
8B on an H100 in bfloat16, int8 / int4 weight-only and FP8, measured with torchao's gpt-fast generate.py; and Qwen's
Qwen2.5 speed benchmark page, batch-1 runs of Qwen2.5 7B / 14B / 32B on A100 80 GB under vLLM 0.6.3 and Transformers
4.46 in bfloat16, GPTQ-Int8 / Int4 and AWQ, 1 to 129,024 prompt tokens), split with SEED_ROUND14 (ceil(2 / 2) = 1 held
out) and committed with aiconfigurator's coverage before any round-14 row was predicted.

Round 15 (`round15`): round 14's held-out source becomes "seen"; three new source documents (SOURCES_ROUND15: AMD's ROCm
vLLM docker page in its 20250305_aiter release, benchmark_latency static batches of Llama 3.1 70B / 405B FP8 on 8 x MI300X,
batch 1-128; Qwen's speed benchmark page for Qwen2 (QwenLM/Qwen2.5 at 4da996c), batch-1 runs of Qwen2-7B on A100 80 GB
under vLLM 0.4.2 and Transformers 4.38.2; and Qwen's speed benchmark page for Qwen3 (QwenLM/Qwen3 at c7f51a1), batch-1 runs
of every Qwen3 model on H20 under SGLang 0.4.6.post1 and Transformers 4.51.3, the MoE models at TP 1-8), split with
SEED_ROUND15 (ceil(3 / 2) = 2 held out) and committed with aiconfigurator's coverage before any round-15 row was predicted.

Round 16 (`round16`): round 15's held-out sources become "seen"; three new source documents (SOURCES_ROUND16: Hugging Face
optimum's GPTQ benchmark README at 4e98776, transformers 4.37.2 / AutoGPTQ 0.7.0 runs of Llama-2-13B-chat on an A100-SXM4-80GB
in float16 and GPTQ int4 under four kernels, prefill (512 tokens) and decode (512 steps) at batch 1-16; and AMD's ROCm vLLM
docker page in two more releases, 20250620_aiter (vLLM 0.9.1, V1) and 20250521_aiter (vLLM 0.8.5), benchmark_latency static
batches of Llama 3.1 70B / 405B FP8 on 8 x MI300X, batch 1-128), split with SEED_ROUND16 (ceil(3 / 2) = 2 held out) and
committed before any round-16 row was predicted.

Round 17 (`round17`): round 16's held-out sources become "seen"; five new source documents (SOURCES_ROUND17: three llama.cpp
pull requests whose description prints one llama-bench comparison table, master and PR build, of gpt-oss 20B MXFP4,
Qwen3-30B-A3B Q4_0 and Llama 8B Q4_0 on an RTX 4090 or an RTX 6000 Ada (decode-only tgN rows and pp8096 prefill rows); and
two pages of the SGLang cookbook at 7b5bd9c, Kimi-K2.5 on 8 x H200 and Qwen3-Coder-Next on 2 x B200, their concurrency-1
median TTFT and TPOT), split with SEED_ROUND17 (ceil(5 / 2) = 3 held out) and committed before any round-17 row was
predicted.

Round 18 (`round18`): round 17's held-out sources become "seen"; two new source documents (SOURCES_ROUND18: dstack's DeepSeek-R1
benchmark on 8 x H200 and 8 x MI300X, vLLM and SGLang offline static batches of 32-1,024 random prompts, 3,200 tokens in and
800 / 1,600 / 3,200 out, end to end; and DataCrunch's DeepSeek-R1 deployment page, one sglang.bench_one_batch run on 8 x H200
at batch 1, its prefill latency and median decode step), split with SEED_ROUND18 (ceil(2 / 2) = 1 held out) and committed
before any round-18 row was predicted.

Round 19 (`round19`): round 18's held-out source becomes "seen"; one new source document (SOURCES_ROUND19: NVIDIA TensorRT Model
Optimizer's benchmark reference at 111b2da, Llama 3.1 8B / 70B on H200 under TensorRT-LLM v0.15 in BF16, FP8 and INT4 AWQ at
batch 1 / 8 / 64, 2,048 tokens in and 128 out, output tokens per second), split with SEED_ROUND19 (one document: held out)
and committed before any round-19 row was predicted.

Round 20 (`round20`): round 19's held-out source becomes "seen"; three new source documents (SOURCES_ROUND20: PyTorch torchao's
quantization README at aa25287, vLLM 0.13.0 `vllm bench throughput` runs of Llama 3.1 8B on one B200 and one H100 in bfloat16,
float8 rowwise, int8 weight-only and NVFP4, an offline batch of 32 x 4,096 -> 32 ("prefill") and one of 128 x 32 -> 2,048
("decode"), (prompt + generated) tokens per second; and AMD's ROCm vLLM docker page in two more releases, 20250605_aiter (vLLM
0.9.0.1) and 20250410_aiter (vLLM 0.7.3), benchmark_latency static batches of Llama 3.1 70B / 405B FP8 on 8 x MI300X, batch
1-128), split with SEED_ROUND20 (ceil(3 / 2) = 2 held out) and committed before any round-20 row was predicted.

Round 21 (`round21`): round 20's held-out sources become "seen"; three new source documents (SOURCES_ROUND21: the SGLang
team's gpt-oss post on the LMSYS blog, batch-1 decode throughput of gpt-oss-120b in MXFP4 and BF16 on NVIDIA B200 (TP 4) and
H100 (TP 8) through bench_one_batch_server, 1,024 -> 512 tokens; and AMD's ROCm vLLM docker page in two more releases,
20250513_aiter (vLLM 0.8.5) and 20250325_aiter (vLLM 0.7.3), benchmark_latency static batches of Llama 3.1 70B / 405B FP8 on
8 x MI300X, batch 1-128), split with SEED_ROUND21 (ceil(3 / 2) = 2 held out) and committed before any round-21 row was
predicted.

Round 5 (`round5`): round 4's held-out sources become "seen"; four new source documents (SOURCES_ROUND5, SGLang's
cookbook pages), split with SEED_ROUND5, committed before any round-5 row was predicted. The model they are predicted
with is the one after round 4's changes (TurboMind's first token included), frozen before this split.
"""
from __future__ import annotations

import math
import random
import sys
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
SEED = 20261206  # the date the split was drawn, fixed before any error was computed on the new rows
METHOD = ("random.Random(seed).sample(sorted(source ids), ceil(n / 2)) -> held_out; the rest -> fit. "
          "A row belongs to the source whose url_prefix its `source` URL starts with.")

# (id, url prefixes, seen before issue 21, how)
SOURCES = [
    ("xiongjiedai-llama3-notebooks", ["https://github.com/XiongjieDai/GPU-Benchmarks-on-LLM-Inference/"], True,
     "issue 8: 13 rows in measurements.yaml and docs/perf-accuracy.md before issue 21"),
    ("llamacpp-pr4766", ["https://github.com/ggml-org/llama.cpp/pull/4766"], True,
     "issue 8: 4 rows in measurements.yaml and docs/perf-accuracy.md before issue 21"),
    ("trtllm-performance-md-v0.6.1",
     ["https://github.com/NVIDIA/TensorRT-LLM/blob/138f96d45f90b9667426f7c47297d8c06bafac73/docs/source/performance.md"],
     True, "issue 8: 14 of its rows in measurements.yaml before issue 21 (its other rows were read, and their error "
           "quoted in issue 21)"),
    ("vllm-buildkite-9515", ["https://buildkite.com/vllm/performance-benchmark/builds/9515"], True,
     "issue 8: 3 rows before issue 21"),
    ("nim-llama-3.3-70b-1.8.0", ["https://docs.nvidia.com/nim/benchmarking/llm/1.0.0/performance.md"], True,
     "issue 8: 4 rows before issue 21"),
    ("gpt-fast-readme", ["https://github.com/pytorch-labs/gpt-fast/"], True,
     "kvplan's default memory efficiency (0.83) and 1.6 ms step overhead were derived from its Llama-2-7B row "
     "(kvplan/perf.py); its other rows are new in issue 21"),
    ("trtllm-blog-h200-launch", ["https://github.com/NVIDIA/TensorRT-LLM/blob/1555478c1b417a0b34de05209862ea5a2ab9add1/"
                                 "docs/source/blogs/H200launch.md"], False, "new in issue 21"),
    ("trtllm-blog-falcon180b-h200", ["https://github.com/NVIDIA/TensorRT-LLM/blob/3c44cb974badec8966108b16054a99c0923e410d/"
                                     "docs/source/blogs/Falcon180B-H200.md"], False, "new in issue 21"),
    ("mlc-llm-perf-bench", ["https://github.com/mlc-ai/llm-perf-bench/"], False, "new in issue 21"),
]

SEED_ROUND2 = 2026120602  # 2026-12-06, second draw of the day; fixed before any round-2 row was predicted
# (id, url prefixes, how) of the round-2 source documents
SOURCES_ROUND2 = [
    ("vllm-buildkite-9523", ["https://buildkite.com/vllm/performance-benchmark/builds/9523"],
     "round 2: vLLM performance CI on A100-SXM4-80GB, latency tests (3 rows)"),
    ("vllm-buildkite-9555", ["https://buildkite.com/vllm/performance-benchmark/builds/9555"],
     "round 2: vLLM performance CI on 8xH100, latency tests (3 rows)"),
    ("vllm-pr-23197", ["https://github.com/vllm-project/vllm/pull/23197"],
     "round 2: vLLM benchmark_latency on H100, Llama 3.1 8B bf16 / RTN int8 / int4 and Llama 3.3 70B bf16 TP 4, batch 1-16"),
    ("autoawq-pr-320", ["https://github.com/casper-hansen/AutoAWQ/pull/320"],
     "round 2: AutoAWQ benchmark.py, A100-SXM4-80GB, Vicuna 7B AWQ int4, batch 1"),
    ("autoawq-pr-365", ["https://github.com/casper-hansen/AutoAWQ/pull/365"],
     "round 2: AutoAWQ benchmark.py, RTX 4090, Mistral 7B AWQ int4, batch 1"),
]


def _later_round(n: int, seed: int, sources: list, seen: dict, day: str = "2026-12-06") -> dict:
    """Round ``n`` (2, 3, ...): its own sources split by its own seed, the previous round's
    held-out sources become seen."""
    ids = sorted(src[0] for src in sources)
    held = sorted(random.Random(seed).sample(ids, math.ceil(len(ids) / 2)))
    return {
        "seed": seed,
        "method": METHOD,
        "made": f"{day}, after the round-{n - 1} held-out figures were seen, before any constant or structure of "
                f"kvplan's perf model was changed for round {n} and before any round-{n} row was predicted",
        "seen_sources": seen["held_out_sources"],
        "seen_how": f"round-{n - 1} held-out sources: their figures were printed in docs/perf-accuracy.md, so from round "
                    f"{n} on they may be fitted and are reported as in-sample ('seen'"
                    + (")" if n == 2 else ", like round 1's held-out sources)"),
        "held_out_sources": held,
        "fit_sources": [i for i in ids if i not in held],
        "sources": [{"id": i, "url_prefixes": u, "seen_before_issue_21": False, "how": how} for i, u, how in sources],
    }


def split_round2() -> dict:
    return _later_round(2, SEED_ROUND2, SOURCES_ROUND2, split_round1())

SEED_ROUND3 = 2026120703  # 2026-12-06, round 3; fixed before any round-3 row was predicted
# (id, url prefixes, how) of the round-3 source documents that hold measurements (the Azure NDv5 page's LLM rows are all
# in excluded.yaml: weight format not stated; its NCCL table is in nccl_tests.yaml)
SOURCES_ROUND3 = [
    ("azure-nd-a100-v4", ["https://github.com/Azure/AI-benchmarking-guide/blob/3bb66cacc25632d8ece36bc1d5128c5ea886a60b/"
                          "Azure_Results/ND_A100_v4_results.md"],
     "round 3: Azure AI-benchmarking-guide ND A100 v4 (8 x A100 SXM 80 GB), TensorRT-LLM benchmark.py, fp16, 128 -> 8, "
     "batch 16-64, TP 1 and 8 (5 rows)"),
]


def split_round3() -> dict:
    return _later_round(3, SEED_ROUND3, SOURCES_ROUND3, split_round2())

SEED_ROUND4 = 2026120604  # 2026-12-06, round 4; fixed before any round-4 row was predicted
# (id, url prefixes, how) of the round-4 source documents (their rows left out are in excluded.yaml with the reason;
# the NCCL-tests PCIe table read in round 4 holds no speed row and is in nccl_tests.yaml)
SOURCES_ROUND4 = [
    ("lmdeploy-a100-fp16-v0.1.0a1", ["https://github.com/InternLM/lmdeploy/blob/3e391df4673326f79363eebe030876861a9b7090/"
                                     "docs/en/benchmark/a100_fp16.md"],
     "round 4: lmdeploy docs 'Benchmark on A100 (FP16)', TurboMind v0.1.0a1 profile_generation, Llama 2 7B / 13B (TP 1) "
     "and 70B (TP 4), batch 1-64, per-token decode latency and batch-1 first-token latency"),
    ("lmdeploy-w4a16-4090", ["https://github.com/InternLM/lmdeploy/blob/00948ee273c696465b3a301519c08ef9c674683f/"
                             "docs/en/quantization/w4a16.md"],
     "round 4: lmdeploy docs 'AWQ/GPTQ' performance table, RTX 4090, Llama 2 7B / 13B int4, batch 1, 1 -> 512 tokens "
     "(llm-awq, MLC LLM, TurboMind)"),
    ("autoawq-readme-0.1.6", ["https://github.com/casper-hansen/AutoAWQ/blob/027758d473e3e85356d2deb952a5279c0d85c396/"
                              "README.md"],
     "round 4: AutoAWQ README benchmarks (AutoAWQ 0.1.6, RTX 4090), Vicuna 7B, Mistral 7B, Llama 2 13B, Falcon 7B, "
     "CodeLlama 34B, int4 GEMM / GEMV, batch 1-8, prefill and decode"),
]


def split_round4() -> dict:
    return _later_round(4, SEED_ROUND4, SOURCES_ROUND4, split_round3())


SEED_ROUND5 = 2026120605  # 2026-12-06, round 5; fixed before any round-5 row was predicted
_COOKBOOK = "https://github.com/sgl-project/sgl-cookbook/blob/7b5bd9c05e3d86da5161ac2be9b91c19a34bf49d/docs/autoregressive/"
# (id, url prefixes, how) of the round-5 source documents: the SGLang cookbook's model pages, each its own benchmark
# campaign (hardware, model and SGLang version of its own); their rows left out are in excluded.yaml with the reason
SOURCES_ROUND5 = [
    ("sglang-cookbook-llama3.1", [_COOKBOOK + "Llama/Llama3.1.md"],
     "round 5: SGLang cookbook 'Llama 3.1' speed benchmark, SGLang 0.5.6, 8 x A100, Llama 3.1 70B bf16 TP 8, "
     "sglang.bench_serving at concurrency 1 (median TTFT and TPOT; 1000 / 1000 and 8000 / 1000 random lengths)"),
    ("sglang-cookbook-qwen3", [_COOKBOOK + "Qwen/Qwen3.md"],
     "round 5: SGLang cookbook 'Qwen3' speed benchmark, SGLang 0.5.6, 8 x B200, Qwen3-235B-A22B-Instruct-2507 bf16 "
     "TP 8, concurrency 1 (1000 / 1000, 1000 / 8000, 8000 / 1000)"),
    ("sglang-cookbook-llama4", [_COOKBOOK + "Llama/Llama4.md"],
     "round 5: SGLang cookbook 'Llama 4' speed benchmark, SGLang 0.5.9, 8 x MI300X, Llama 4 Scout and Maverick bf16 "
     "TP 8, concurrency 1 (1000 / 1000)"),
    ("sglang-cookbook-deepseek-r1", [_COOKBOOK + "DeepSeek/DeepSeek-R1.md"],
     "round 5: SGLang cookbook 'DeepSeek-R1' speed benchmark, SGLang 0.5.6.post1, 8 x B200, DeepSeek-R1-0528 FP8 "
     "TP 8, concurrency 1 (1000 / 1000, 1000 / 8000, 8000 / 1000)"),
]


def split_round5() -> dict:
    return _later_round(5, SEED_ROUND5, SOURCES_ROUND5, split_round4())


SEED_ROUND6 = 2026120606  # 2026-12-06, round 6; fixed before any round-6 row was predicted (round6_rows.py's sample too)
_DLI = ("https://github.com/wbing520/ai-performance-engineering/blob/5a4d0c37a3231b2ff8a268df7f129be259c48a48/"
        "code/ch11_inference/inference_gpu_cluster_sizing/dataset/")
# (id, url prefixes, how) of the round-6 source documents (benchmarks/published/round6_rows.py wrote their rows; the rows
# left out are in excluded.yaml by rule, with counts). Read after round 5's held-out figures and session 9's changes
# (SGLang's eager prompt passes, Infinity Fabric) had been seen; the model they are predicted with is the one after them.
SOURCES_ROUND6 = [
    ("dli-trtllm-0.9.0", [_DLI + "trt_llm_0_9_0_dli.csv"],
     "round 6: NVIDIA DLI course table trt_llm_0_9_0_dli.csv (TensorRT-LLM 0.9.0 static batches, H100 SXM / H100 NVL / "
     "H200 / A100 SXM / L40S / L40, TP 1-8, batch 1-1536, FP8 and fp16), a seeded sample of 30 of its predictable rows, "
     "first-token and token-to-token latency"),
    ("dli-nim-genai-perf", [_DLI + "nim.csv"],
     "round 6: NVIDIA DLI course table nim.csv (NIM for LLMs, TensorRT-LLM backend, GenAI-Perf), Llama 3 8B / 70B on "
     "A100 SXM / H100 SXM, TP 1-8, fp16 / bf16 / fp8, concurrency 1 (72 runs: TTFT and inter-token latency)"),
    ("vllm-buildkite-9513", ["https://buildkite.com/vllm/performance-benchmark/builds/9513"],
     "round 6: vLLM performance CI on H200, latency tests (3 rows: batch 8, 32 -> 128)"),
]


def split_round6() -> dict:
    return _later_round(6, SEED_ROUND6, SOURCES_ROUND6, split_round5())


SEED_ROUND7 = 2026120707  # 2026-12-06, round 7 (session 10); fixed before any round-7 row was predicted
# (id, url prefixes, how) of the round-7 source documents (benchmarks/published/round7_rows.py wrote their rows; the rows
# left out are in excluded.yaml with the reason). Read after round 6's held-out figures had been seen; the model they are
# predicted with is the one after round 7's fit-side changes, frozen before their first print.
SOURCES_ROUND7 = [
    ("rocm-vllm-dev-docker-0.10.0", ["https://github.com/ROCm/vllm/blob/040de12d45c16d6de6ad386cc57dd68b8c5b805e/"
                                     "docs/dev-docker/README.md"],
     "round 7: AMD's ROCm vLLM docker page (rocm6.4.1_vllm_0.10.0_20250812), 'Latency Measurements': vLLM "
     "benchmark_latency on 8 x MI300X, Llama 3.1 70B / 405B FP8, TP 8, batch 1-128, 128 / 2048 -> 2048 (32 rows)"),
    ("sglang-cookbook-gemma4", [_COOKBOOK + "Google/Gemma4.md"],
     "round 7: SGLang cookbook 'Gemma 4' speed benchmark, SGLang gemma4 branch, gemma-4-26B-A4B-it bf16 on 1 x H200 and "
     "1 x MI300X, concurrency 1 (median TTFT and mean TPOT; 4 rows)"),
    ("sglang-cookbook-deepseek-v3.1", [_COOKBOOK + "DeepSeek/DeepSeek-V3_1.md"],
     "round 7: SGLang cookbook 'DeepSeek-V3.1' speed benchmark, SGLang 0.5.7, 8 x MI300X, DeepSeek-V3.1 FP8 TP 8, "
     "concurrency 1 (1000 / 1000, 1000 / 8000, 8000 / 1000; median TTFT and TPOT; 6 rows)"),
]


def split_round7() -> dict:
    return _later_round(7, SEED_ROUND7, SOURCES_ROUND7, split_round6())


SEED_ROUND8 = 2026120808  # 2026-12-06, round 8 (session 11); fixed before any round-8 row was predicted
# (id, url prefixes, how) of the round-8 source documents (benchmarks/published/round8_rows.py wrote their rows; the rows
# left out are in excluded.yaml with the reason). Read after round 7's held-out figures had been seen; the model they are
# predicted with is the one session 10 left (frozen: no constant or code of it changed for round 8). With one document,
# ceil(1 / 2) = 1 puts it on the held-out side, as in round 3.
SOURCES_ROUND8 = [
    ("dstack-h100-vs-mi300x-405b", ["https://github.com/dstackai/benchmarks/blob/06c957ab51572ca18db9c1f4bb254a9eb86df4d7/"
                                    "comparison/h100sxm5_vs_mi300x/"],
     "round 8: dstack's Llama 3.1 405B FP8 comparison, vLLM 0.6.3 / 0.6.4 benchmark_throughput.py with --num-prompts = "
     "the batch, 8 x H100 SXM5 and 8 x MI300X, TP 8, batch 4-128, 128 / 2048 / 32784 -> 2048, end to end (49 rows)"),
]


def split_round8() -> dict:
    return _later_round(8, SEED_ROUND8, SOURCES_ROUND8, split_round7())


SEED_ROUND9 = 2026120909  # 2026-12-06, round 9 (session 12); fixed before any round-9 row was predicted
# (id, url prefixes, how) of the round-9 source documents (benchmarks/published/round9_rows.py wrote their rows; the rows
# left out are in excluded.yaml with the reason). Read after round 8's held-out figures had been seen; the model they are
# predicted with is the one on main when the split was committed (frozen: no constant or code of it changed for round
# 9). With one document, ceil(1 / 2) = 1 puts it on the held-out side, as in rounds 3 and 8.
SOURCES_ROUND9 = [
    ("trtllm-performance-md-v0.8.0",
     ["https://github.com/NVIDIA/TensorRT-LLM/blob/5955b8afbad2ddcc3156202b16c567e94c52248f/docs/source/performance.md"],
     "round 9: TensorRT-LLM docs/source/performance.md at the v0.8.0 release ('All data was generated using version "
     "0.8.0'), gptSessionBenchmark static batches: Peak Throughput (out tok/s/GPU, batch 16-1024, TP 1-4, 128 / 2048 -> "
     "128 / 2048) and Low Latency (batch-1 first token, 128 / 2048 tokens, TP 1 and 8) on H200, H100, L40S (FP8) and "
     "A100 (FP16); Mistral 7B, Llama 2 7B / 70B (72 rows)"),
]


def split_round9() -> dict:
    return _later_round(9, SEED_ROUND9, SOURCES_ROUND9, split_round8())


SEED_ROUND10 = 2026121010  # 2026-12-06, round 10 (session 12); fixed before any round-10 row was predicted
# (id, url prefixes, how) of the round-10 source documents (benchmarks/published/round10_rows.py wrote their rows; the rows
# left out are in excluded.yaml with the reason). Read after round 9's held-out figures had been seen; the model they are
# predicted with is the one on this branch when the split was committed (frozen: no constant or code of it changed for
# round 10). With one document, ceil(1 / 2) = 1 puts it on the held-out side, as in rounds 3, 8 and 9.
SOURCES_ROUND10 = [
    ("majestic-benchmarks-ai-llamabench",
     ["https://github.com/Majestic-labs-AI/benchmarks-ai/blob/"],
     "round 10: Majestic-labs-AI/benchmarks-ai README.md (July 2024, two tables in turn: 6b14b36 and 7851f17), a third "
     "party's llama-bench runs of Meta-Llama-3-8B F16 (llama.cpp master of mid-July 2024, defaults): pp512 and tg128 / "
     "256 / 512 at batch 1 on a Google Cloud A100-SXM4-40GB and L4 and a T4 in a vSphere VM (12 rows)"),
]


def split_round10() -> dict:
    return _later_round(10, SEED_ROUND10, SOURCES_ROUND10, split_round9())


SEED_ROUND11 = 2026121111  # 2026-12-07, round 11 (session 13); fixed before any round-11 row was predicted
# (id, url prefixes, how) of the round-11 source documents (benchmarks/published/round11_rows.py wrote their rows; the rows
# left out are in excluded.yaml with the reason). Read after round 10's held-out figures had been seen; the model they are
# predicted with is the one on this branch when the split was committed (frozen: no constant or code of it changed for
# round 11). Three documents: ceil(3 / 2) = 2 are drawn to the held-out side; the third is a fit-side source (nothing is
# fitted on it this round: the model stays frozen).
SOURCES_ROUND11 = [
    ("vultr-b200-vllm-cookbook", ["https://docs.vultr.com/inference-cookbook/cuda/"],
     "round 11: Vultr's NVIDIA HGX B200 vLLM Optimization Cookbook (docs.vultr.com/inference-cookbook/cuda/, pages of "
     "11 March 2026): vllm bench serve (vLLM 0.16.0) against vllm serve on B200, random 2,048 / 512 tokens, concurrency "
     "1-1024; rows: the concurrency-1 TTFT and TPOT of Nemotron 3 Nano 30B-A3B FP8 at TP 2 (2 rows)"),
    ("vllm-pr-2542", ["https://github.com/vllm-project/vllm/pull/2542"],
     "round 11: vLLM PR #2542 (2024-01-22) benchmark_latency sweep, Mixtral-8x7B-Instruct bf16 on 8 x H100, TP 8, "
     "1,000 -> 50 tokens, batch 1-64, vLLM main and main + the PR (14 rows)"),
    ("vllm-pr-3240", ["https://github.com/vllm-project/vllm/pull/3240"],
     "round 11: vLLM PR #3240 (2024-03-06) benchmark_latency sweep, Mixtral-8x7B-Instruct bf16 on 2 x A100 80 GB, TP 2, "
     "1,000 -> 50 tokens, batch 1-64, vLLM main and main + the PR's tuned MoE config (14 rows)"),
]


def split_round11() -> dict:
    return _later_round(11, SEED_ROUND11, SOURCES_ROUND11, split_round10(), day="2026-12-07")


SEED_ROUND12 = 2026121212  # 2026-12-07, round 12 (session 13); fixed before any round-12 row was predicted
# (id, url prefixes, how) of the round-12 source documents (benchmarks/published/round12_rows.py wrote their rows; the rows
# left out are in excluded.yaml with the reason). Read after round 11's held-out figures had been seen; the model they are
# predicted with is main's when the split was committed, merged before the first print (frozen: no constant or code of it
# changed for round 12). Two documents: ceil(2 / 2) = 1 is drawn to the held-out side; the other is a fit-side source
# (nothing is fitted on it this round).
SOURCES_ROUND12 = [
    ("tt-inference-server-issue-356", ["https://github.com/tenstorrent/tt-inference-server/issues/356"],
     "round 12: tt-inference-server issue #356 'DeepSeek-R1-0528: GPU Benchmarks' (July 2025), Tenstorrent's reference "
     "runs on NVIDIA GPUs: vLLM benchmark_serving at fixed ISL / OSL, concurrency 1; rows: the vLLM table of "
     "DeepSeek-R1-0528-AWQ (int4) on 8 x H100, TP 8, TTFT and TPOT at 128-8,192 -> 128 / 1,024 (14 rows)"),
    ("tt-inference-server-issue-394", ["https://github.com/tenstorrent/tt-inference-server/issues/394"],
     "round 12: tt-inference-server issue #394 '[Model Readiness Support]: Qwen3-4B', its GPU comment of 2025-11-12: "
     "vLLM benchmark_serving at fixed ISL / OSL, concurrency 1, Qwen3-4B bf16 on one RTX 4090; TTFT and TPOT at "
     "128-4,096 -> 128 / 1,024 (12 rows)"),
]


def split_round12() -> dict:
    return _later_round(12, SEED_ROUND12, SOURCES_ROUND12, split_round11(), day="2026-12-07")


SEED_ROUND13 = 2026121413  # 2026-12-07, round 13 (session 14); fixed before any round-13 row was predicted
# (id, url prefixes, how) of the round-13 source documents (benchmarks/published/round13_rows.py wrote their rows; the rows
# left out are in excluded.yaml with the reason). Read after round 12's held-out figures had been seen; the model they are
# predicted with is main's when the first print is made (merged then; no constant or code of it changed for round 13 by
# this work). Two documents: ceil(2 / 2) = 1 is drawn to the held-out side; the other is a fit-side source (nothing is
# fitted on it this round).
SOURCES_ROUND13 = [
    ("vllm-pr-2192", ["https://github.com/vllm-project/vllm/pull/2192"],
     "round 13: vLLM PR #2192 'Custom all reduce kernels' (2023-12-19), benchmark_latency at 256 -> 256 tokens, vLLM main "
     "without / with the PR's custom all-reduce: Llama 2 70B fp16 on 4 x A100 80 GB (TP 4, batch 64) and Llama 7B fp16 on "
     "2 x T4 (TP 2, batch 32), end to end seconds (4 rows)"),
    ("trtllm-issue-5929", ["https://github.com/NVIDIA/TensorRT-LLM/issues/5929"],
     "round 13: TensorRT-LLM issue #5929 (2025-07-10), LLMPerf against trtllm-serve v0.21.0rc2 at concurrency 1, "
     "DeepSeek-R1 FP8 on 8 x H200 and FP4 on 8 x B200, TP 8 without expert parallel, 1,600 / 8,192 -> 600 tokens: p50 ITL "
     "and p50 TTFT (8 rows)"),
]


def split_round13() -> dict:
    return _later_round(13, SEED_ROUND13, SOURCES_ROUND13, split_round12(), day="2026-12-07")


SEED_ROUND14 = 2026121521  # 2026-12-07, round 14 (session 15); fixed before any round-14 row was predicted
# (id, url prefixes, how) of the round-14 source documents (benchmarks/published/round14_rows.py wrote their rows; the rows
# left out are in excluded.yaml with the reason). Read after round 13's held-out figures had been seen; the model they are
# predicted with is main's when the first print is made (merged then; no constant or code of it changed for round 14 by
# this work). Two documents: ceil(2 / 2) = 1 is drawn to the held-out side; the other is a fit-side source (nothing is
# fitted on it this round).
SOURCES_ROUND14 = [
    ("torchao-quantization-readme-92dd5f5",
     ["https://github.com/pytorch/ao/blob/92dd5f557d32ce616a138dfe0bdc195355271514/torchao/quantization/README.md"],
     "round 14: pytorch/ao torchao/quantization/README.md at 92dd5f5 (2024-10-07), PyTorch's torchao benchmarks with "
     "torchao/_models/llama/generate.py (gpt-fast's, torch.compile decode), batch 1, a 6-token prompt, 200 new tokens: "
     "tokens/s of Llama-2-7B and Llama-3-8B on one A100-80GB (bfloat16, int8 / int4 weight-only) and Llama-3.1-8B on one "
     "H100 (bfloat16, int8 / int4 weight-only, FP8 weight-only and dynamic) (14 rows)"),
    ("qwen25-speed-benchmark-a912d23",
     ["https://github.com/QwenLM/Qwen2.5/blob/a912d239c2d0e2e5d10bb8d02e6f5685edb43e68/docs/source/benchmark/"
      "speed_benchmark.rst"],
     "round 14: QwenLM/Qwen2.5 docs/source/benchmark/speed_benchmark.rst at a912d23 (2024-11-06; tables of 2024-10-30), "
     "the Qwen team's 'Qwen2.5 Speed Benchmark': batch 1, 2,048 generated tokens after 1-129,024 prompt tokens on NVIDIA "
     "A100 80GB, vLLM 0.6.3 (0.6.2 at 129,024) and Transformers 4.46.0, bfloat16 / GPTQ-Int8 / GPTQ-Int4 / AWQ; rows: "
     "Qwen2.5-7B / 14B / 32B-Instruct, output tokens per second of the whole generate call (120 rows)"),
]


def split_round14() -> dict:
    return _later_round(14, SEED_ROUND14, SOURCES_ROUND14, split_round13(), day="2026-12-07")


SEED_ROUND15 = 2026121615  # 2026-12-07, round 15 (session 16); fixed before any round-15 row was predicted
# (id, url prefixes, how) of the round-15 source documents (benchmarks/published/round15_rows.py wrote their rows; the rows
# left out are in excluded.yaml with the reason). Read after round 14's held-out figures had been seen; the model they are
# predicted with is main's when the first print is made (merged then; no constant or code of it changed for round 15 by
# this work). Three documents: ceil(3 / 2) = 2 are drawn to the held-out side; the third is a fit-side source (nothing is
# fitted on it this round).
SOURCES_ROUND15 = [
    ("rocm-vllm-dev-docker-20250305",
     ["https://github.com/ROCm/vllm/blob/b309ea79418c6fc9058a6b2dec312375d3c75753/docs/dev-docker/README.md"],
     "round 15: ROCm/vllm docs/dev-docker/README.md at b309ea7, the text of the 20250305_aiter release of rocm/vllm-dev:main "
     "(ROCm 6.3.1, vLLM 0.7.3): its 'Latency Measurements' table, benchmark_latency.py end-to-end seconds of one static batch "
     "of Llama 3.1 70B / 405B FP8 (AMD's Quark FP8-KV checkpoints, --kv-cache-dtype fp8) on 8 x MI300X, TP 8, batch 1-128, "
     "128 / 2048 -> 2048 tokens (32 rows; another release's campaign than round 7's table of the same page at 040de12)"),
    ("qwen2-speed-benchmark-4da996c",
     ["https://github.com/QwenLM/Qwen2.5/blob/4da996c576418cc9ecdff35aeddfcdca814e9568/docs/source/benchmark/"
      "speed_benchmark.rst"],
     "round 15: QwenLM/Qwen2.5 (then QwenLM/Qwen2) docs/source/benchmark/speed_benchmark.rst at 4da996c (2024-09-18; tables "
     "of June 2024), the Qwen team's Qwen2 speed benchmark: batch 1, 2,048 generated tokens after 1-129,024 prompt tokens on "
     "NVIDIA A100 80GB, vLLM 0.4.2 and Transformers 4.38.2, bfloat16 / GPTQ-Int8 / GPTQ-Int4 / AWQ; rows: Qwen2-7B-Instruct "
     "(Qwen2.5-7B's shapes), output tokens per second of the whole generate call (40 rows; another campaign than round 14's "
     "Qwen2.5 page, the same file at a912d23)"),
    ("qwen3-speed-benchmark-c7f51a1",
     ["https://github.com/QwenLM/Qwen3/blob/c7f51a1a1ce3d4bb750bc545cd2673fff4c5a8f9/docs/source/getting_started/"
      "speed_benchmark.md"],
     "round 15: QwenLM/Qwen3 docs/source/getting_started/speed_benchmark.md at c7f51a1 (2025-05-20), the Qwen team's Qwen3 "
     "speed benchmark: batch 1, 2,048 generated tokens after 1-129,024 prompt tokens on NVIDIA H20 96GB, SGLang 0.4.6.post1 "
     "(TP 1-8) and Transformers 4.51.3, BF16 / FP8 / GPTQ-Int8 / GPTQ-Int4 / AWQ; rows: Qwen3 0.6B-32B and the MoE 30B-A3B and "
     "235B-A22B, (prompt + generated tokens) per second of the whole call (212 rows)"),
]


def split_round15() -> dict:
    return _later_round(15, SEED_ROUND15, SOURCES_ROUND15, split_round14(), day="2026-12-07")


SEED_ROUND16 = 2026121716  # 2026-12-07, round 16 (session 17); fixed before any round-16 row was predicted
# (id, url prefixes, how) of the round-16 source documents (benchmarks/published/round16_rows.py wrote their rows; the rows
# left out are in excluded.yaml with the reason). Read after round 15's held-out figures had been seen; the model they are
# predicted with is main's when the first print is made (merged then; no constant or code of it changed for round 16 by
# this work). Three documents: ceil(3 / 2) = 2 are drawn to the held-out side; the third is a fit-side source (nothing is
# fitted on it this round).
SOURCES_ROUND16 = [
    ("optimum-gptq-benchmark-4e98776",
     ["https://github.com/huggingface/optimum/blob/4e987762cdd33c237a63538c181b1ccfa4d7648a/tests/benchmark/README.md"],
     "round 16: huggingface/optimum tests/benchmark/README.md at 4e98776 (2024-02-15), optimum's GPTQ benchmark with "
     "transformers 4.37.2, AutoGPTQ 0.7.0, PyTorch 2.2.0 on one A100-SXM4-80GB: Llama-2-13B-chat float16 and GPTQ int4 (group "
     "128) under the cuda-old, exllama, exllama_v2 and marlin kernels, batch 1-16; its prefill table (one generate() call of "
     "one new token after 512 prompt tokens: ttft_ms) and decode table (512 new tokens after a 1-token prompt, the call / "
     "512: decode_ms_per_token) (50 rows; its 10 bitsandbytes fp4 rows excluded: not a kvplan weight format)"),
    ("rocm-vllm-dev-docker-20250620",
     ["https://github.com/ROCm/vllm/blob/5486e7bc8523be0324ccd68f221959445b56cc2a/docs/dev-docker/README.md"],
     "round 16: ROCm/vllm docs/dev-docker/README.md at 5486e7b (2025-07-07), the 20250620_aiter release of "
     "rocm/vllm-dev:main (ROCm 6.4.1, vLLM 0.9.1, V1 on by default): its 'Latency Measurements' table, benchmark_latency.py "
     "end-to-end seconds of one static batch of Llama 3.1 70B / 405B FP8 (KV cache float16: no --kv-cache-dtype in the "
     "command) on 8 x MI300X, TP 8, batch 1-128, 128 / 2048 -> 2048 tokens (32 rows)"),
    ("rocm-vllm-dev-docker-20250521",
     ["https://github.com/ROCm/vllm/blob/7bb0618b1fe725b7d4fad9e525aa44da12c94a8b/docs/dev-docker/README.md"],
     "round 16: ROCm/vllm docs/dev-docker/README.md at 7bb0618 (2025-05-29), the 20250521_aiter release of "
     "rocm/vllm-dev:main (ROCm 6.3.1, vLLM 0.8.5): its 'Latency Measurements' table, benchmark_latency.py end-to-end seconds "
     "of one static batch of Llama 3.1 70B / 405B FP8 (--kv-cache-dtype fp8) on 8 x MI300X, TP 8, batch 1-128, 128 / 2048 -> "
     "2048 tokens (32 rows)"),
]


def split_round16() -> dict:
    return _later_round(16, SEED_ROUND16, SOURCES_ROUND16, split_round15(), day="2026-12-07")


SEED_ROUND17 = 2026121717  # 2026-12-07, round 17 (session 18); fixed before any round-17 row was predicted
# (id, url prefixes, how) of the round-17 source documents (benchmarks/published/round17_rows.py wrote their rows; the rows
# left out are in excluded.yaml with the reason). Read after round 16's held-out figures had been seen; the model they are
# predicted with is main's when the first print is made (merged then; no constant or code of it changed for round 17 by
# this work). Five documents: ceil(5 / 2) = 3 are drawn to the held-out side; the other two are fit-side sources (nothing
# is fitted on them this round).
SOURCES_ROUND17 = [
    ("llamacpp-pr-16649", ["https://github.com/ggml-org/llama.cpp/pull/16649"],
     "round 17: llama.cpp PR #16649 'CUDA: topk-moe: add optional parameter for gpt-oss' (2025-10-18), llama-bench on an RTX "
     "4090, master and the PR: tg32 / tg64 / tg128 of gpt-oss 20B MXFP4 MoE, decode only, batch 1 (6 rows)"),
    ("llamacpp-pr-16834", ["https://github.com/ggml-org/llama.cpp/pull/16834"],
     "round 17: llama.cpp PR #16834 'CUDA: use fastdiv in set-rows' (2025-10-29), llama-bench on an RTX 4090, master and the "
     "PR: tg128 / tg256 / tg512 of gpt-oss 20B MXFP4 MoE and qwen3moe 30B.A3B Q4_0, decode only, batch 1 (12 rows)"),
    ("llamacpp-pr-19053", ["https://github.com/ggml-org/llama.cpp/pull/19053"],
     "round 17: llama.cpp PR #19053 'CUDA: Fix loop unrolling for BW in mul_mat_q_stream_k_fixup' (2026-01-23), llama-bench, "
     "master and the PR: the RTX 6000 Ada rows of gpt-oss 20B MXFP4 MoE and llama 8B Q4_0, pp8096 (prefill) and tg128 (decode), "
     "batch 1 (8 rows; its k-quant, nemotron_h and RTX PRO 6000 Blackwell rows excluded)"),
    ("sglang-cookbook-kimi-k2.5",
     ["https://github.com/sgl-project/sgl-cookbook/blob/7b5bd9c05e3d86da5161ac2be9b91c19a34bf49d/docs/autoregressive/"
      "Moonshotai/Kimi-K2.5.md"],
     "round 17: the SGLang cookbook's 'Kimi-K2.5' page at 7b5bd9c: SGLang 0.5.6.post2 on 8 x H200, TP 8, sglang.bench_serving "
     "random 1000 / 1000, 1000 / 8000, 8000 / 1000 at concurrency 1: median TTFT and TPOT (6 rows; Kimi K2's shapes, INT4 routed "
     "experts)"),
    ("sglang-cookbook-qwen3-coder-next",
     ["https://github.com/sgl-project/sgl-cookbook/blob/7b5bd9c05e3d86da5161ac2be9b91c19a34bf49d/docs/autoregressive/"
      "Qwen/Qwen3-Coder-Next.md"],
     "round 17: the SGLang cookbook's 'Qwen3-Coder-Next' page at 7b5bd9c: SGLang 0.5.8+ on 2 x B200, TP 2, sglang.bench_serving "
     "random 1000 / 1000, 1000 / 8000, 8000 / 1000 at concurrency 1: median TTFT and TPOT (6 rows; Qwen3-Next-80B-A3B shapes, "
     "bf16)"),
]


def split_round17() -> dict:
    return _later_round(17, SEED_ROUND17, SOURCES_ROUND17, split_round16(), day="2026-12-07")


SEED_ROUND18 = 2026121718  # 2026-12-07, round 18 (session 19); fixed before any round-18 row was predicted
# (id, url prefixes, how) of the round-18 source documents (benchmarks/published/round18_rows.py wrote their rows; the rows
# left out are in excluded.yaml with the reason). Read after round 17's held-out figures had been seen; the model they are
# predicted with is main's when the first print is made (merged then; no constant or code of it changed for round 18 by
# this work). Two documents: ceil(2 / 2) = 1 is drawn to the held-out side; the other is a fit-side source (nothing is
# fitted on it this round).
SOURCES_ROUND18 = [
    ("dstack-deepseek-r1-h200-mi300x",
     ["https://github.com/dstackai/benchmarks/blob/7f37e6697725e58dd09b9ef190b62ce19f01d45e/Deepseek-R1/"],
     "round 18: dstack's 'Evaluate DeepSeek-R1 Inference performance with SgLang, vLLM and TensorRT-LLM on 8xH200 and 8xMi300x' "
     "(dstackai/benchmarks Deepseek-R1/ at 7f37e66, 2025-03-18): raw_data/offline_results.csv, benchmark_throughput.py with "
     "--num-prompts = the batch (32-1,024), random prompts of exactly 3,200 tokens generating 800 / 1,600 / 3,200, one run end "
     "to end in seconds, DeepSeek-R1 FP8 at TP 8 under vLLM 0.7.4.dev / SGLang 0.4.3.post2 on 8 x H200 and vLLM 0.7.3.dev / "
     "SGLang 0.4.2.post4 on 8 x MI300X (51 rows; its 12 TensorRT-LLM offline rows and the online table's served runs "
     "excluded)"),
    ("datacrunch-deepseek-r1-h200",
     ["https://github.com/datacrunch-research/blogs/blob/60e1e7adb3482b2397231e04cbbccaf38040c77c/deepseek-r1-deployment/"],
     "round 18: DataCrunch's 'Deploying DeepSeek-R1 671B on 8xH200 Datacrunch' (datacrunch-research/blogs at 60e1e7a, first "
     "committed 2025-01-31): one sglang.bench_one_batch run, batch 1, 128 prompt tokens and 256 generated, TP 8, torch.compile "
     "on: its measured pass's prefill latency (ttft_s) and median decode step (decode_s_per_token) (2 rows)"),
]


def split_round18() -> dict:
    return _later_round(18, SEED_ROUND18, SOURCES_ROUND18, split_round17(), day="2026-12-07")


SEED_ROUND19 = 2026121719  # 2026-12-07, round 19 (session 20); fixed before any round-19 row was predicted
# (id, url prefixes, how) of the round-19 source documents (benchmarks/published/round19_rows.py wrote their rows; the rows
# left out are in excluded.yaml with the reason). Read after round 18's held-out figures had been seen; the model they are
# predicted with is main's when the first print is made (merged then; no constant or code of it changed for round 19 by
# this work). One document: ceil(1 / 2) = 1 is drawn to the held-out side.
SOURCES_ROUND19 = [
    ("modelopt-benchmark-h200-trtllm",
     ["https://github.com/NVIDIA/TensorRT-Model-Optimizer/blob/111b2dab8b7419859fc5063c40a0633bf1c75b9e/benchmark.md"],
     "round 19: NVIDIA TensorRT Model Optimizer's 'Benchmark Reference' (NVIDIA/TensorRT-Model-Optimizer benchmark.md at "
     "111b2da, 2025-01-08), section 1.1: Llama 3.1 8B (TP 1) and 70B (BF16 TP 2, FP8 / INT4 AWQ TP 1) on H200 under "
     "TensorRT-LLM v0.15 (nvidia-modelopt v0.21.1), trtllm-bench throughput over 200 requests of exactly 2,048 tokens in and "
     "128 out on engines built with max batch 1 / 8 / 64: output tokens per second (18 rows; its 6 W4A8 AWQ cells excluded, "
     "a format kvplan has no weight dtype for)"),
]


def split_round19() -> dict:
    return _later_round(19, SEED_ROUND19, SOURCES_ROUND19, split_round18(), day="2026-12-07")


SEED_ROUND20 = 2026121720  # 2026-12-07, round 20 (session 21); fixed before any round-20 row was predicted
# (id, url prefixes, how) of the round-20 source documents (benchmarks/published/round20_rows.py wrote their rows; the rows
# left out are in excluded.yaml with the reason). Read after round 19's held-out figures had been seen; the model they are
# predicted with is main's when the first print is made (merged then; no constant or code of it changed for round 20 by
# this work). Three documents: ceil(3 / 2) = 2 are drawn to the held-out side; the other is a fit-side source (nothing is
# fitted on it this round). The two ROCm pages are two release campaigns of one publisher's page (as in rounds 15 and 16).
SOURCES_ROUND20 = [
    ("torchao-quantization-readme-aa25287",
     ["https://github.com/pytorch/ao/blob/aa2528724b07c33ce6497463b73ad2ec93909264/torchao/quantization/README.md"],
     "round 20: pytorch/ao torchao/quantization/README.md at aa25287 (2026-01-05), 'Performance benchmarks': Llama 3.1 8B "
     "under torch 2.9.0 and vLLM 0.13.0 on one B200 (bfloat16, NVFP4, float8 rowwise) and one H100 (bfloat16, float8 rowwise, "
     "int8 weight-only), vllm bench throughput of 32 prompts 4,096 -> 32 ('prefill') and 128 prompts 32 -> 2,048 ('decode'), "
     "total (prompt + generated) tokens per second (12 rows; two TODO cells, the speedup columns, the accuracy table and the "
     "file's earlier gpt-fast tables excluded)"),
    ("rocm-vllm-dev-docker-20250605",
     ["https://github.com/ROCm/vllm/blob/68af0558487474544f16002b57de8ab53d5f19db/docs/dev-docker/README.md"],
     "round 20: ROCm/vllm docs/dev-docker/README.md at 68af055 (2025-06-11), the 20250605_aiter release of "
     "rocm/vllm-dev:main (ROCm 6.4.1, vLLM 0.9.0.1): its 'Latency Measurements' table, benchmark_latency.py end-to-end seconds "
     "of one static batch of Llama 3.1 70B / 405B FP8 (--kv-cache-dtype fp8) on 8 x MI300X, TP 8, batch 1-128, 128 / 2048 -> "
     "2048 tokens (32 rows)"),
    ("rocm-vllm-dev-docker-20250410",
     ["https://github.com/ROCm/vllm/blob/c43debd43c4d8a7e4fdeff4c069c5970e5e701c0/docs/dev-docker/README.md"],
     "round 20: ROCm/vllm docs/dev-docker/README.md at c43debd (2025-04-14, 'April 10 results'), the 20250410_aiter release of "
     "rocm/vllm-dev:main (ROCm 6.3.1, vLLM 0.7.3): its 'Latency Measurements' table, benchmark_latency.py end-to-end seconds "
     "of one static batch of Llama 3.1 70B / 405B FP8 (--kv-cache-dtype fp8) on 8 x MI300X, TP 8, batch 1-128, 128 / 2048 -> "
     "2048 tokens (32 rows; the 405B block's model cell names the 70B checkpoint, a slip)"),
]


def split_round20() -> dict:
    return _later_round(20, SEED_ROUND20, SOURCES_ROUND20, split_round19(), day="2026-12-07")


SEED_ROUND21 = 2026121721  # 2026-12-08, round 21 (session 22); fixed before any round-21 row was predicted
# (id, url prefixes, how) of the round-21 source documents (benchmarks/published/round21_rows.py wrote their rows; the rows
# left out are in excluded.yaml with the reason). Read after round 20's held-out figures had been seen; the model they are
# predicted with is main's when the first print is made (merged then; no constant or code of it changed for round 21 by
# this work). Three documents: ceil(3 / 2) = 2 are drawn to the held-out side; the other is a fit-side source (nothing is
# fitted on it this round). The two ROCm pages are two more release campaigns of one publisher's page (as in rounds 15, 16
# and 20); the gpt-oss post is another publisher's (the SGLang team), on NVIDIA GPUs.
SOURCES_ROUND21 = [
    ("lmsys-sglang-gpt-oss-blog-2025-08-27",
     ["https://github.com/lm-sys/lm-sys.github.io/blob/dbd47f49bac0d5a080e2a6647c42ddb1b0fb4122/blog/2025-08-27-gpt-oss.md",
      "https://lmsys.org/blog/2025-08-27-gpt-oss"],
     "round 21: the SGLang team's post 'SGLang for gpt-oss: From Day 0 Support to Enhanced Performance' (LMSYS blog, "
     "2025-08-27; its source file in lm-sys/lm-sys.github.io at dbd47f4), 'Low-Latency Performance (Batch Size = 1)': "
     "single-batch decode throughput (bench_one_batch_server, 1,024 -> 512 tokens, SGLang 0.5.1.post3 per the post's "
     "reproduction guide) of gpt-oss-120b MXFP4 and BF16 on NVIDIA B200 (TP 4) and H100 (TP 8, triton attention) (4 rows; "
     "the AMD MI350 column, the batch-32 charts and the accuracy table excluded)"),
    ("rocm-vllm-dev-docker-20250513",
     ["https://github.com/ROCm/vllm/blob/16d2b92ebcf90fe55cf73fa0b9329a6c9d3dede8/docs/dev-docker/README.md"],
     "round 21: ROCm/vllm docs/dev-docker/README.md at 16d2b92 (2025-05-19), the 20250513_aiter release of "
     "rocm/vllm-dev:main (ROCm 6.3.1, vLLM 0.8.5): its 'Latency Measurements' table, benchmark_latency.py end-to-end seconds "
     "of one static batch of Llama 3.1 70B / 405B FP8 (--kv-cache-dtype fp8) on 8 x MI300X, TP 8, batch 1-128, 128 / 2048 -> "
     "2048 tokens (32 rows)"),
    ("rocm-vllm-dev-docker-20250325",
     ["https://github.com/ROCm/vllm/blob/25070a1841df0dca585b7ddcb967c42aaec4b7c5/docs/dev-docker/README.md"],
     "round 21: ROCm/vllm docs/dev-docker/README.md at 25070a1 (2025-03-28), the 20250325_aiter release of "
     "rocm/vllm-dev:main (ROCm 6.3.1, vLLM 0.7.3): its 'Latency Measurements' table, benchmark_latency.py end-to-end seconds "
     "of one static batch of Llama 3.1 70B / 405B FP8 (--kv-cache-dtype fp8) on 8 x MI300X, TP 8, batch 1-128, 128 / 2048 -> "
     "2048 tokens (32 rows; the 405B block's model cell names the 70B checkpoint, a slip)"),
]


def split_round21() -> dict:
    return _later_round(21, SEED_ROUND21, SOURCES_ROUND21, split_round20(), day="2026-12-08")


def split() -> dict:
    return {**split_round1(), "round2": split_round2(), "round3": split_round3(), "round4": split_round4(),
            "round5": split_round5(), "round6": split_round6(), "round7": split_round7(), "round8": split_round8(),
            "round9": split_round9(), "round10": split_round10(),
            "round11": split_round11(), "round12": split_round12(),
            "round13": split_round13(), "round14": split_round14(), "round15": split_round15(),
            "round16": split_round16(), "round17": split_round17(), "round18": split_round18(),
            "round19": split_round19(), "round20": split_round20(),
            "round21": split_round21()}


def split_round1() -> dict:
    ids = sorted(s[0] for s in SOURCES)
    held = sorted(random.Random(SEED).sample(ids, math.ceil(len(ids) / 2)))
    return {
        "seed": SEED,
        "method": METHOD,
        "made": "2026-12-06, before any constant of kvplan's perf model was fitted to these rows",
        "held_out_sources": held,
        "fit_sources": [i for i in ids if i not in held],
        "sources": [{"id": i, "url_prefixes": p, "seen_before_issue_21": seen, "how": how} for i, p, seen, how in SOURCES],
    }


def all_sources(doc: dict) -> list[dict]:
    """Every source document of both rounds."""
    return doc["sources"] + [s for n in ("round2", "round3", "round4", "round5", "round6", "round7", "round8", "round9", "round10", "round11", "round12", "round13", "round14", "round15", "round16", "round17", "round18", "round19", "round20", "round21") for s in doc.get(n, {}).get("sources", [])]


def source_of(url: str, doc: dict) -> str:
    hits = [s["id"] for s in all_sources(doc) if any(url.startswith(p) for p in s["url_prefixes"])]
    if len(hits) != 1:
        raise ValueError(f"{url}: matches {len(hits)} sources in split.yaml")
    return hits[0]


def render() -> str:
    return ("# Generated by benchmarks/published/make_split.py; do not edit by hand. Fit / held-out split of the published\n"
            "# measurements by source document (issue 21), drawn with a recorded seed before any constant was fitted.\n"
            + yaml.safe_dump(split(), sort_keys=False, width=120, allow_unicode=True))


if __name__ == "__main__":
    out = HERE / "split.yaml"
    if "--check" in sys.argv:
        ok = out.exists() and out.read_text() == render()
        print("split.yaml matches its seed" if ok else "split.yaml differs from what its seed gives")
        sys.exit(0 if ok else 1)
    out.write_text(render())
    s = split()
    rows = yaml.safe_load((HERE / "measurements.yaml").read_text())
    for name, d in (("round 1", s), ("round 2", s["round2"]), ("round 3", s["round3"]), ("round 4", s["round4"]),
                    ("round 5", s["round5"]), ("round 6", s["round6"]), ("round 7", s["round7"]),
                    ("round 8", s["round8"]), ("round 9", s["round9"]), ("round 10", s["round10"]),
                    ("round 11", s["round11"]), ("round 12", s["round12"]),
                    ("round 13", s["round13"]), ("round 14", s["round14"]), ("round 15", s["round15"]),
                    ("round 16", s["round16"]), ("round 17", s["round17"]), ("round 18", s["round18"]),
                    ("round 19", s["round19"]), ("round 20", s["round20"]),
                    ("round 21", s["round21"])):
        n = {k: sum(source_of(e["source"], s) in d[k] for e in rows) for k in ("held_out_sources", "fit_sources")}
        print(f"{name} held out: {', '.join(d['held_out_sources'])} ({n['held_out_sources']} rows)\n"
              f"{name} fit:      {', '.join(d['fit_sources'])} ({n['fit_sources']} rows)")
