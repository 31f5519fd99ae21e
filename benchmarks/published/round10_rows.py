"""Round 10 (issue 21): the rows of the new source document, written into measurements.yaml and excluded.yaml.

    python benchmarks/published/round10_rows.py   # appends the round-10 entries (run once)

The source, read after round 9's held-out figures had been seen (session 12), and split (make_split.py, round 10, seed
2026121010) before any of its rows was predicted against its measured figure:

* Majestic-labs-AI/benchmarks-ai's README.md (Brian Cunnie, July 2024): llama.cpp's ``llama-bench`` on Meta-Llama-3-8B
  converted to a GGUF F16 file (``convert_hf_to_gguf.py``), run by a third party on rented or virtual machines: a Google
  Cloud A100-SXM4-40GB (a2-highgpu-1g) and L4 (g2-standard-8), and a T4 in a vSphere VM. Not published by llama.cpp,
  NVIDIA or any engine vendor, and no row of it was ever in this file: independent of every earlier source. The README
  carried two tables in turn: 6b14b36 (2024-07-16, "Finally, some CUDA benchmarks": ``./llama-bench -m
  models/Meta-Llama-3-8B.gguf``, llama-bench's default pp512 and tg128, on the T4 and the L4) and 7851f17 (2024-07-17,
  "Benchmarks include NVIDIA A100": ``build/bin/llama-bench -m models/Meta-Llama-3-8B.gguf -p 0 -n 128,256,512`` on the
  A100, the L4 and the T4), which replaced the first (other runs: the L4's tg128 reads 16.07 in the first and 16.15 in
  the second); 470a750 and 41d21ed keep 7851f17's table unchanged and 54846e3 moved the README to Google Docs. Both
  tables are one source document (one author, one campaign over four days), every row of each is a measurement or an
  excluded.yaml entry with its reason.

Rule for the rows, fixed before any was predicted: a row whose llama-bench standard deviation (the figure after the
"±", over its repetitions) exceeds 10 % of its mean is left out, as the repetitions disagree and the mean is no one
speed of the machine (the T4's tg512, 9.01 ± 5.78); CPU-backend rows and the MacBook Air's Metal rows are left out (not
a GPU in kvplan's catalog).

TABLES holds the README's table lines verbatim (header, separator, data rows) at each commit.
"""
from __future__ import annotations

import sys

from rows_io import append

RETRIEVED = "2026-12-06"
REPO = "https://github.com/Majestic-labs-AI/benchmarks-ai/blob/"
HEADING = ("## Benchmarks Using Georgi Gerganov's [llama-bench]"
           "(https://github.com/ggerganov/llama.cpp/tree/master/examples/llama-bench)")

# (commit, date, command in the README at that commit, the table's lines verbatim)
TABLES = [
    ("6b14b3639daef8f6732348cbc4183a337930d372", "2024-07-16",
     "git clone git@github.com:ggerganov/llama.cpp ... make GGML_CUDA=1 -j4 ... ./llama-bench -m "
     "models/Meta-Llama-3-8B.gguf", """\
| model                          |       size |     params | backend    | threads |          test |    tokens/second |  notes |
| ------------------------------ | ---------: | ---------: | ---------- | ------: | ------------: | ---------------: | ------ |
| Meta llama 3 8B F16            |  14.96 GiB |     8.03 B | CPU        |       4 |         pp512 |      8.95 ± 0.99 | [vSphere](#vsphere) |
| Meta llama 3 8B F16            |  14.96 GiB |     8.03 B | CPU        |       4 |         tg128 |      2.15 ± 0.02 | [vSphere](#vsphere) |
| Meta llama 3 8B F16            |  14.96 GiB |     8.03 B | CUDA       |      99 |         pp512 |  1444.68 ± 60.51 | [vSphere](#vsphere) |
| Meta llama 3 8B F16            |  14.96 GiB |     8.03 B | CUDA       |      99 |         tg128 |     16.40 ± 0.04 | [vSphere](#vsphere) |
| Meta llama 3 8B F16            |  14.96 GiB |     8.03 B | CPU        |       4 |         pp512 |     13.12 ± 0.10 | [Google L4](#google_l4) |
| Meta llama 3 8B F16            |  14.96 GiB |     8.03 B | CPU        |       4 |         tg128 |      2.91 ± 0.01 | [Google L4](#google_l4) |
| Meta llama 3 8B F16            |  14.96 GiB |     8.03 B | CUDA       |      99 |         pp512 | 2270.05 ± 127.44 | [Google L4](#google_l4) |
| Meta llama 3 8B F16            |  14.96 GiB |     8.03 B | CUDA       |      99 |         tg128 |     16.07 ± 0.03 | [Google L4](#google_l4) |
"""),
    ("7851f170c93c0b45739c7405d667d441fab2ceec", "2024-07-17",
     "git clone git@github.com:ggerganov/llama.cpp ... cmake -B build -DGGML_CUDA=ON ... build/bin/llama-bench -m "
     "models/Meta-Llama-3-8B.gguf -p 0 -n 128,256,512", """\
| model                          |       size |     params | backend    | threads / graphic layers|          test |    tokens/second |  notes |
| ------------------------------ | ---------: | ---------: | ---------- | ------: | ------------: | ---------------: | ------ |
| Meta llama 3 8B F16            |  14.96 GiB |     8.03 B | CUDA       |      99 |         tg128 |     51.22 ± 0.25 | [Google A100](#google_a100) |
| Meta llama 3 8B F16            |  14.96 GiB |     8.03 B | CUDA       |      99 |         tg256 |     51.02 ± 0.31 | [Google A100](#google_a100) |
| Meta llama 3 8B F16            |  14.96 GiB |     8.03 B | CUDA       |      99 |         tg512 |     51.02 ± 0.02 | [Google A100](#google_a100) |
| Meta llama 3 8B F16            |  14.96 GiB |     8.03 B | CUDA       |      99 |         tg128 |     16.15 ± 0.01 | [Google L4](#google_l4) |
| Meta llama 3 8B F16            |  14.96 GiB |     8.03 B | CUDA       |      99 |         tg256 |     16.10 ± 0.01 | [Google L4](#google_l4) |
| Meta llama 3 8B F16            |  14.96 GiB |     8.03 B | CUDA       |      99 |         tg512 |     16.00 ± 0.01 | [Google L4](#google_l4) |
| Meta llama 3 8B F16            |  14.96 GiB |     8.03 B | CUDA       |      99 |         tg128 |     16.41 ± 0.04 | [vSphere T4](#vsphere) |
| Meta llama 3 8B F16            |  14.96 GiB |     8.03 B | CUDA       |      99 |         tg256 |     16.18 ± 0.09 | [vSphere T4](#vsphere) |
| Meta llama 3 8B F16            |  14.96 GiB |     8.03 B | CUDA       |      99 |         tg512 |      9.01 ± 5.78 | [vSphere T4](#vsphere) |
| Meta llama 3 8B F16            |  14.96 GiB |     8.03 B | Metal      |      99 |         tg128 |      5.26 ± 0.15 | [MacBook Air](#macbook_air) |
| Meta llama 3 8B F16            |  14.96 GiB |     8.03 B | Metal      |      99 |         tg256 |      4.24 ± 0.11 | [MacBook Air](#macbook_air) |
| Meta llama 3 8B F16            |  14.96 GiB |     8.03 B | Metal      |      99 |         tg512 |      4.16 ± 0.15 | [MacBook Air](#macbook_air) |
| Meta llama 3 8B F16            |  14.96 GiB |     8.03 B | CPU        |       4 |         tg128 |      2.91 ± 0.01 | [Google L4](#google_l4) |
| Meta llama 3 8B F16            |  14.96 GiB |     8.03 B | CPU        |       4 |         tg128 |      2.15 ± 0.02 | [vSphere T4](#vsphere) |
"""),
]

# the README's footnotes, verbatim, for each machine of a CUDA row
MACHINES = {
    "vSphere": ("t4", "vSphere (footnote 'vSphere' / 'vSphere T4'): a VM with 4 cores of an Intel Xeon D-1736NT, 32 GiB "
                "RAM, Ubuntu 24.04, 'NVIDIA Tesla T4 16 GiB TU104GL', drivers 545.29.06, CUDA 12.3"),
    "vSphere T4": ("t4", "vSphere T4 (footnote): a VM with 4 cores of an Intel Xeon D-1736NT, 32 GiB RAM, Ubuntu 24.04, "
                   "'NVIDIA Tesla T4 16 GiB TU104GL', drivers 545.29.06, CUDA 12.3"),
    "Google L4": ("l4", "Google L4 (footnote): GCP g2-standard-8 VM, 8 vCPUs of an Intel Xeon @ 2.20GHz, 32 GiB RAM, "
                  "Debian 11, 'NVIDIA Tesla L4 24 GiB', drivers 550.90.07, CUDA 12.4"),
    "Google A100": ("a100-sxm-40gb", "Google A100 (footnote): GCP a2-highgpu-1g VM, 12 vCPUs, 80 GiB RAM, Debian 11, "
                    "'NVIDIA NVIDIA A100-SXM4-40GB', drivers 550.90.07, CUDA 12.4"),
}
TAG = {"t4": "t4", "l4": "l4", "a100-sxm-40gb": "a100-40gb"}
SPREAD = 0.10  # the rule above: a standard deviation over 10 % of the mean leaves the row out

COMMON = (
    "llama-bench on Meta-Llama-3-8B (meta-llama/Meta-Llama-3-8B, base; kvplan's llama-3-8b) converted with llama.cpp's "
    "convert_hf_to_gguf.py to one F16 GGUF ('Meta llama 3 8B F16', 14.96 GiB), all layers on the GPU (the column "
    "'threads / graphic layers' reads 99, llama-bench's default -ngl 99). llama.cpp master as cloned for the run "
    "(README at {commit}, {date}; the build number is not printed, the README's command: `{cmd}`); no other flag, so "
    "llama-bench's defaults of July 2024 applied: KV cache f16, flash attention off, n_batch 2048 / n_ubatch 512, "
    "5 repetitions, the ± is their standard deviation. Machine: {machine}. Published by a third party (Majestic Labs "
    "AI's benchmarks-ai repository), not by llama.cpp or a vendor. ")
TG = "'{test}': {n} tokens generated one at a time from an empty context (no prompt), t/s = {n} / wall time."
PP = "'pp512': one 512-token prompt processed in one batch (n_ubatch 512), t/s = 512 / wall time, no token generated."


def rows() -> tuple[list, list]:
    out, excluded = [], []
    for commit, date, cmd, body in TABLES:
        source = f"{REPO}{commit}/README.md"
        header = "\n".join(body.splitlines()[:2])
        for line in body.splitlines()[2:]:
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            backend, test, tps, note = cells[3], cells[5], cells[6], cells[7]
            machine = note[1:note.index("]")]
            quote = f"{HEADING}\n{header}\n{line}"
            mean, sd = (float(x) for x in tps.split("±"))
            if backend != "CUDA":
                why = ("CPU backend (4 threads): kvplan prices GPUs, not CPUs" if backend == "CPU" else
                       "Metal backend on a MacBook Air (Apple M2): not a GPU in kvplan's catalog")
                excluded.append({"source": source, "quote": quote, "reason": why})
                continue
            if sd > SPREAD * mean:
                excluded.append({"source": source, "quote": quote, "reason": (
                    f"llama-bench's standard deviation {sd} is {100 * sd / mean:.0f} % of the mean {mean} t/s (more "
                    "than 10 %): the repetitions disagree, so the mean is no one speed of the machine; rule fixed "
                    "before any round-10 row was predicted")})
                continue
            gpu, mnote = MACHINES[machine]
            n = int(test[2:])
            if test.startswith("tg"):
                i, o, metric, what = 0, n, "decode_tokens_per_s_per_seq", TG.format(test=test, n=n)
            else:
                i, o, metric, what = n, 0, "prefill_tokens_per_s", PP
            out.append({
                "id": f"majestic-{TAG[gpu]}-llama3-8b-f16-{test}-{date[5:].replace('-', '')}", "source": source,
                "quote": quote, "retrieved": RETRIEVED, "engine": "llamacpp",
                "engine_version": f"llama.cpp master as cloned for the run (README at {commit[:7]}, {date}; build not "
                                  "stated)",
                "model": "llama-3-8b", "weight_dtype": "fp16", "kv_dtype": "fp16", "gpu": gpu, "num_gpus": 1,
                "batch": 1, "input_len": i, "output_len": o, "metric": metric, "value": mean,
                "notes": what + " " + COMMON.format(commit=commit[:7], date=date, cmd=cmd, machine=mnote).rstrip()})
    return out, excluded


def main() -> None:
    r, x = rows()
    append(r, x)


if __name__ == "__main__":
    if len(sys.argv) > 1:
        sys.exit("usage: python benchmarks/published/round10_rows.py")
    main()
