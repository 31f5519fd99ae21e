"""Wall time of a 100,000-point `kvplan sweep` (context × batch × KV format), in-process.

    python benchmarks/sweep_speed.py [--runs 7]

Sweeps Llama 3.1 8B and Gemma 2 9B (sliding + global layers) on an H100 over 100 contexts
(1,024 ... 131,072 in steps of 1,300) × 100 batches (1 ... 100) × 10 KV formats = 100,000
points, with the GPU (fits, decode time, tokens/s per point) and without it (bytes only), and
prints the median seconds of each. The goal (issue 8): under 1 s on a 2-core machine.
For the whole-process figure (start-up included) use farm-bench on the CLI command printed.
"""
from __future__ import annotations

import argparse
import statistics
import time

from kvplan.sources import catalog
from kvplan.plan.sweep import sweep

FORMATS = ["bf16", "fp16", "fp8_e4m3", "fp8_e5m2", "int8", "int4", "q8_0", "q4_0", "q5_1", "kivi2"]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=7)
    a = ap.parse_args()
    ctxs = [1024 + 1300 * i for i in range(100)]
    batches = list(range(1, 101))
    gpu = catalog.load_gpu("h100")
    for name in ("llama-3.1-8b", "gemma-2-9b"):
        spec = catalog.load_model(name)
        for g in (None, gpu):
            times = []
            for _ in range(a.runs):
                t0 = time.perf_counter()
                res = sweep(spec, ctxs, batches, FORMATS, g)
                times.append(time.perf_counter() - t0)
            assert len(res["rows"]) == 100_000
            print(f"{name:14s} {'with ' + g.name if g else 'bytes only':22s} 100,000 points: "
                  f"median {statistics.median(times):.3f} s (min {min(times):.3f}, max {max(times):.3f})")
    print("CLI: kvplan sweep llama-3.1-8b --ctx 1024:129724:+1300 --batch 1:100:+1 "
          "--kv-dtype " + ",".join(FORMATS) + " --gpu h100 --format csv > /dev/null")


if __name__ == "__main__":
    main()
