"""Round 9 (issue 21): the rows of the new source document, written into measurements.yaml and excluded.yaml.

    python benchmarks/published/round9_rows.py   # appends the round-9 entries (run once)

The source, read after round 8's held-out figures had been seen (session 12), and split (make_split.py, round 9, seed
2026120909) before any of its rows was predicted against its measured figure:

* TensorRT-LLM's ``docs/source/performance.md`` at 5955b8af (the v0.8.0 release), "All data was generated using
  version 0.8.0": a "Peak Throughput" table per GPU (H200, H100, L40S FP8; A100 FP16) of static batches timed with
  ``gptSessionBenchmark`` (``--batch_size B --input_output_len in,out``), output tokens per second per GPU, and a
  "Low Latency" table per GPU of batch-1 first-token latency (``--input_output_len in,1``). A new measurement campaign:
  round 1's rows are the v0.5 / v0.6.1 tables of the same file (138f96d4), other numbers. The same file at v0.9.0 was
  read too and is not a new campaign: its numbers are those of NVIDIA's DLI table ``trt_llm_0_9_0_dli.csv`` (round 6,
  seen), e.g. H100 Mistral 7B batch 896 128 -> 128 20,404 out tok/s/GPU there and 20404.66 in the CSV.

TABLES below holds the document's table lines verbatim (the section heading, the header row, the data rows), copied
from the file at that commit; every row is either a measurement or an excluded.yaml entry with its reason.
"""
from __future__ import annotations

import sys

from rows_io import append

RETRIEVED = "2026-12-06"
COMMIT = "5955b8afbad2ddcc3156202b16c567e94c52248f"
SOURCE = f"https://github.com/NVIDIA/TensorRT-LLM/blob/{COMMIT}/docs/source/performance.md"
VERSION = "0.8.0 ('All data was generated using version 0.8.0')"

THROUGHPUT_HEADER = ("| Model                        | Batch Size | TP (1)    | Input Length | Output Length | "
                     "Throughput (out tok/s/GPU) |")
LATENCY_HEADER = "| Model                        | Batch Size | TP (1)    | Input Length | 1st Token Latency (ms) |"

# (section, GPU heading, rows): the data rows of each table, verbatim
TABLES = [
    ("Peak Throughput", "### H200 GPUs (FP8)", """\
| GPT-J 6B                     | 1024       | 1         | 128          | 128           |                     29,168 |
| GPT-J 6B                     | 120        | 1         | 128          | 2048          |                      9,472 |
| GPT-J 6B                     | 64         | 1         | 2048         | 128           |                      2,961 |
| GPT-J 6B                     | 64         | 1         | 2048         | 2048          |                      4,149 |
| Mistral 7B                   | 896        | 1         | 128          | 128           |                     20,569 |
| Mistral 7B                   | 120        | 1         | 128          | 2048          |                      8,968 |
| Mistral 7B                   | 84         | 1         | 2048         | 128           |                      2,450 |
| Mistral 7B                   | 56         | 1         | 2048         | 2048          |                      3,868 |
| LLaMA 7B                     | 896        | 1         | 128          | 128           |                     20,548 |
| LLaMA 7B                     | 120        | 1         | 128          | 2048          |                      8,343 |
| LLaMA 7B                     | 84         | 1         | 2048         | 128           |                      2,429 |
| LLaMA 7B                     | 56         | 1         | 2048         | 2048          |                      3,530 |
| LLaMA 70B                    | 512        | 1         | 128          | 128           |                      3,844 |
| LLaMA 70B                    | 512        | 2         | 128          | 2048          |                      4,008 |
| LLaMA 70B                    | 64         | 1         | 2048         | 128           |                        421 |
| LLaMA 70B                    | 64         | 1         | 2048         | 2048          |                      1,461 |
| Falcon 180B                  | 1024       | 4         | 128          | 128           |                      1,116 |
| Falcon 180B                  | 1024       | 4         | 128          | 2048          |                        990 |
| Falcon 180B                  | 64         | 4         | 2048         | 128           |                        118 |
| Falcon 180B                  | 64         | 4         | 2048         | 2048          |                        269 |"""),
    ("Peak Throughput", "### H100 GPUs (FP8)", """\
| GPT-J 6B                     | 1024       | 1         | 128          | 128           |                     27,357 |
| GPT-J 6B                     | 120        | 1         | 128          | 2048          |                      7,831 |
| GPT-J 6B                     | 64         | 1         | 2048         | 128           |                      2,661 |
| GPT-J 6B                     | 64         | 1         | 2048         | 2048          |                      3,409 |
| Mistral 7B                   | 896        | 1         | 128          | 128           |                     20,517 |
| Mistral 7B                   | 120        | 1         | 128          | 2048          |                      8,619 |
| Mistral 7B                   | 64         | 1         | 2048         | 128           |                      2,438 |
| Mistral 7B                   | 56         | 1         | 2048         | 2048          |                      3,733 |
| LLaMA 7B                     | 896        | 1         | 128          | 128           |                     20,241 |
| LLaMA 7B                     | 120        | 1         | 128          | 2048          |                      6,922 |
| LLaMA 7B                     | 64         | 1         | 2048         | 128           |                      2,170 |
| LLaMA 7B                     | 56         | 1         | 2048         | 2048          |                      2,816 |
| LLaMA 70B                    | 1024       | 2         | 128          | 128           |                      3,269 |
| LLaMA 70B                    | 512        | 4         | 128          | 2048          |                      2,718 |
| LLaMA 70B                    | 96         | 2         | 2048         | 128           |                        347 |
| LLaMA 70B                    | 64         | 2         | 2048         | 2048          |                      1,020 |
| Falcon 180B                  | 512        | 4         | 128          | 128           |                      1,048 |
| Falcon 180B                  | 1024       | 8         | 128          | 2048          |                        836 |
| Falcon 180B                  | 64         | 4         | 2048         | 128           |                        114 |
| Falcon 180B                  | 64         | 4         | 2048         | 2048          |                        250 |"""),
    ("Peak Throughput", "### L40S GPUs (FP8)", """\
| GPT-J 6B                     | 512        | 1         | 128          | 128           |                  7,992 |
| GPT-J 6B                     | 64         | 1         | 128          | 2048          |                  1,874 |
| GPT-J 6B                     | 32         | 1         | 2048         | 128           |                    693 |
| GPT-J 6B                     | 32         | 1         | 2048         | 2048          |                    768 |
| Mistral 7B                   | 896        | 1         | 128          | 128           |                  9,679 |
| Mistral 7B                   | 120        | 1         | 128          | 2048          |                  4,401 |
| Mistral 7B                   | 84         | 1         | 2048         | 128           |                    979 |
| Mistral 7B                   | 56         | 1         | 2048         | 2048          |                  1,721 |
| LLaMA 7B                     | 256        | 1         | 128          | 128           |                  5,954 |
| LLaMA 7B                     | 64         | 1         | 128          | 2048          |                  1,654 |
| LLaMA 7B                     | 32         | 1         | 2048         | 128           |                    579 |
| LLaMA 7B                     | 16         | 1         | 2048         | 2048          |                    542 |
| LLaMA 70B                    | 256        | 2         | 128          | 128           |                    561 |
| LLaMA 70B                    | 256        | 4         | 128          | 2048          |                    471 |
| LLaMA 70B                    | 16         | 2         | 2048         | 128           |                     49 |
| LLaMA 70B                    | 64         | 4         | 2048         | 2048          |                    177 |
| Falcon 180B                  | 512        | 8         | 128          | 128           |                    152 |
| Falcon 180B                  | 256        | 8         | 128          | 2048          |                    200 |
| Falcon 180B                  | 32         | 8         | 2048         | 128           |                     15 |
| Falcon 180B                  | 16         | 8         | 2048         | 2048          |                     39 |"""),
    ("Peak Throughput", "### A100 GPUs (FP16)", """\
| GPT-J 6B                     | 512        | 1         | 128          | 128           |                  6,810 |
| GPT-J 6B                     | 32         | 1         | 128          | 2048          |                  1,658 |
| GPT-J 6B                     | 32         | 1         | 2048         | 128           |                    631 |
| GPT-J 6B                     | 16         | 1         | 2048         | 2048          |                    692 |
| Mistral 7B                   | 896        | 1         | 128          | 128           |                  6,472 |
| Mistral 7B                   | 120        | 1         | 128          | 2048          |                  3,812 |
| Mistral 7B                   | 84         | 1         | 2048         | 128           |                    734 |
| Mistral 7B                   | 56         | 1         | 2048         | 2048          |                  1,607 |
| LLaMA 7B                     | 256        | 1         | 128          | 128           |                  5,353 |
| LLaMA 7B                     | 32         | 1         | 128          | 2048          |                  1,518 |
| LLaMA 7B                     | 32         | 1         | 2048         | 128           |                    547 |
| LLaMA 7B                     | 16         | 1         | 2048         | 2048          |                    613 |
| LLaMA 70B                    | 256        | 4         | 128          | 128           |                    565 |
| LLaMA 70B                    | 128        | 4         | 128          | 2048          |                    595 |
| LLaMA 70B                    | 32         | 4         | 2048         | 128           |                     66 |
| LLaMA 70B                    | 32         | 4         | 2048         | 2048          |                    185 |
| Falcon 180B                  | 256        | 8         | 128          | 128           |                    193 |
| Falcon 180B                  | 256        | 8         | 128          | 2048          |                    203 |
| Falcon 180B                  | 16         | 8         | 2048         | 128           |                     20 |"""),
    ("Low Latency", "### H200 GPUs (FP8)", """\
| GPT-J 6B                     | 1          | 1         | 128          |                    5.2 |
| GPT-J 6B                     | 1          | 1         | 2048         |                   23.6 |
| Mistral 7B                   | 1          | 1         | 128          |                    6.0 |
| Mistral 7B                   | 1          | 1         | 2048         |                   31.8 |
| LLaMA 7B                     | 1          | 1         | 128          |                    5.8 |
| LLaMA 7B                     | 1          | 1         | 2048         |                   30.1 |
| LLaMA 70B                    | 1          | 8         | 128          |                   16.0 |
| LLaMA 70B                    | 1          | 8         | 2048         |                   78.8 |
| Falcon 180B                  | 1          | 8         | 128          |                   37.2 |
| Falcon 180B                  | 1          | 8         | 2048         |                  120.8 |"""),
    ("Low Latency", "### H100 GPUs (FP8)", """\
| GPT-J 6B                     | 1          | 1         | 128          |                    5.7 |
| GPT-J 6B                     | 1          | 1         | 2048         |                   23.8 |
| Mistral 7B                   | 1          | 1         | 128          |                    6.6 |
| Mistral 7B                   | 1          | 1         | 2048         |                   32.6 |
| LLaMA 7B                     | 1          | 1         | 128          |                    6.4 |
| LLaMA 7B                     | 1          | 1         | 2048         |                   31.0 |
| LLaMA 70B                    | 1          | 8         | 128          |                   17.0 |
| LLaMA 70B                    | 1          | 8         | 2048         |                   84.4 |
| Falcon 180B                  | 1          | 8         | 128          |                   39.7 |
| Falcon 180B                  | 1          | 8         | 2048         |                  128.0 |"""),
    ("Low Latency", "### L40S GPUs (FP8)", """\
| GPT-J 6B                     | 1          | 1         | 128          |                   12.6 |
| GPT-J 6B                     | 1          | 1         | 2048         |                   61.2 |
| Mistral 7B                   | 1          | 1         | 128          |                   15.5 |
| Mistral 7B                   | 1          | 1         | 2048         |                   84.3 |
| LLaMA 7B                     | 1          | 1         | 128          |                   14.3 |
| LLaMA 7B                     | 1          | 1         | 2048         |                   79.0 |
| LLaMA 70B                    | 1          | 8         | 128          |                   70.9 |
| LLaMA 70B                    | 1          | 8         | 2048         |                  708.7 |
| Falcon 180B                  | 1          | 8         | 128          |                   93.4 |
| Falcon 180B                  | 1          | 8         | 2048         |                  769.8 |"""),
    ("Low Latency", "### A100 GPUs (FP16)", """\
| GPT-J 6B                     | 1          | 1         | 128          |                   14.1 |
| GPT-J 6B                     | 1          | 1         | 2048         |                  102.8 |
| Mistral 7B                   | 1          | 1         | 128          |                   16.4 |
| Mistral 7B                   | 1          | 1         | 2048         |                  128.7 |
| LLaMA 7B                     | 1          | 1         | 128          |                   16.1 |
| LLaMA 7B                     | 1          | 1         | 2048         |                  120.5 |
| LLaMA 70B                    | 1          | 8         | 128          |                   35.6 |
| LLaMA 70B                    | 1          | 8         | 2048         |                  235.1 |
| Falcon 180B                  | 1          | 8         | 128          |                   76.5 |
| Falcon 180B                  | 1          | 8         | 2048         |                  463.0 |"""),
]

GPUS = {"H200": ("h200-sxm-141gb", "h200"), "H100": ("h100-sxm-80gb", "h100"), "L40S": ("l40s", "l40s"),
        "A100": ("a100-sxm-80gb", "a100")}
MODELS = {"Mistral 7B": ("mistral-7b", "mistral-7b", "The doc's 'Mistral 7B' (Mistral-7B-v0.1 shapes: kvplan's "
                         "mistral-7b; the doc gives no build command for it, so its build is the table's precision "
                         "and nothing more)"),
          "LLaMA 7B": ("llama-2-7b", "llama2-7b", "The doc's 'LLaMA 7B' is its Llama2-7b build (the config json of "
                       "its 'Llama2-7b' section: 32 layers, 32 KV heads, vocab 32000)"),
          "LLaMA 70B": ("llama-2-70b", "llama2-70b", "The doc's 'LLaMA 70B' is its Llama2-70b build (80 layers, 8 KV "
                        "heads, vocab 32000)")}
NOT_IN_CATALOG = {"GPT-J 6B": "GPT-J 6B is not in kvplan's model catalog (model_specs/models/)",
                  "Falcon 180B": "Falcon 180B is not in kvplan's model catalog (model_specs/models/)"}

COMMON = (
    "TensorRT-LLM performance.md at {commit} (v0.8.0), '{section}' table, '{heading}'. {model_note}. Precision as the "
    "table's heading: {prec}. GPU variant not stated in the table; the doc's reproduction notes are written for "
    "'an H100-HBM3-80GB system' (SXM); H200 taken as the SXM 141 GB part, A100 as the 80 GB SXM part, L40S is PCIe "
    "only (no NVLink). ")
THROUGHPUT_NOTE = (
    "Peak Throughput, 'reference data at large batch sizes, representing high throughput offline tasks': static "
    "batching with gptSessionBenchmark (--batch_size B --duration 0 --num_runs 5 --input_output_len 'in,out', "
    "--warm_up 1), every sequence exactly these lengths; the column is output tokens per second per GPU (B x out / "
    "(context + generation time) / TP). The batch sizes of this table exceed the --max_batch_size 64 of the doc's "
    "example build commands, so the exact engine build of these rows is not in the doc (as in round 1's v0.6.1 rows); "
    "the Llama2-70b commands export TRTLLM_ENABLE_XQA=1.")
LATENCY_NOTE = (
    "Low Latency, 'reference data at batch size 1 for first token latency': gptSessionBenchmark with "
    "--input_output_len '<in>,1' (static batching, one output token), so the figure is the context phase of one "
    "request. The doc's own first-token commands use batch 64 and, for Llama2-70b, TP 4 (mpirun -n 4); the table "
    "says batch 1 and TP 8, which is what this row records. Footnote: '** Low latency numbers will soon be updated "
    "to reflect real time latency with infight-batching.'")


def rows() -> tuple[list, list]:
    out, excluded = [], []
    for section, heading, body in TABLES:
        header = THROUGHPUT_HEADER if section == "Peak Throughput" else LATENCY_HEADER
        gname = heading.split()[1]
        gpu, gtag = GPUS[gname]
        fp8 = "(FP8)" in heading
        prec = ("FP8 weights / GEMMs and FP8 KV cache (the doc's config json: quant_algo FP8, kv_cache_quant_algo FP8)"
                if fp8 else "FP16 weights and FP16 KV cache (the doc: 'remove the below fp8 quantization field' on "
                "A100; config dtype float16)")
        for line in body.splitlines():
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            name = cells[0]
            quote = f"## {section}\n{heading}\n{header}\n{line}"
            if name in NOT_IN_CATALOG:
                excluded.append({"source": SOURCE, "quote": quote, "reason": NOT_IN_CATALOG[name]})
                continue
            model, mtag, mnote = MODELS[name]
            w = "fp8" if fp8 else "fp16"
            if section == "Peak Throughput":
                b, tp, i, o, v = int(cells[1]), int(cells[2]), int(cells[3]), int(cells[4]), int(cells[5].replace(",", ""))
                rid = f"trtllm080-{gtag}-{mtag}-{w}-tp{tp}-bs{b}-{i}-{o}-throughput"
                metric, note = "output_tokens_per_s_per_gpu", THROUGHPUT_NOTE
            else:
                b, tp, i, o, v = int(cells[1]), int(cells[2]), int(cells[3]), 1, float(cells[4])
                rid = f"trtllm080-{gtag}-{mtag}-{w}-tp{tp}-ttft{i}"
                metric, note = "ttft_ms", LATENCY_NOTE
            out.append({
                "id": rid, "source": SOURCE, "quote": quote, "retrieved": RETRIEVED, "engine": "trtllm",
                "engine_version": VERSION, "model": model, "weight_dtype": w, "kv_dtype": w, "gpu": gpu,
                "num_gpus": tp, "batch": b, "input_len": i, "output_len": o, "metric": metric, "value": v,
                "notes": COMMON.format(commit=COMMIT[:8], section=section, heading=heading.lstrip("# "),
                                       model_note=mnote, prec=prec) + note})
    return out, excluded


def main() -> None:
    r, x = rows()
    append(r, x)


if __name__ == "__main__":
    if len(sys.argv) > 1:
        sys.exit("usage: python benchmarks/published/round9_rows.py")
    main()
