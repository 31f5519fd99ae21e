"""Goal (issue 22): `kvplan simulate` runs 10,000 requests in <= 2 s on one core.

    python benchmarks/simulate_speed.py

Times the library call (model, GPU and fit's plan loaded once beforehand) for the issue's own
example workload, 8 requests/s of 2,048-token prompts and 250-token answers on one H100, and
for two heavier ones, each the best of 3 runs: the process's CPU time (the verdict: what one core
spends, on a machine other jobs share) and the wall clock beside it. Steps are priced by the
per-operation model (``OpLatency``, vLLM's kernels), as ``kvplan simulate`` does.

Measured 2026-12-06 on this project's shared 2-core machine: slowest case (rate 8/s) 1.07 s CPU,
1.48 s wall at load average ~4.7 (1.22 s CPU, 3.12 s wall at load average ~7)."""
from __future__ import annotations

import math
import sys
import time

from kvplan.sources import catalog
from kvplan.plan import simulate as sim
from kvplan.plan.latency.step import OpLatency

GOAL_S = 2.0
CASES = [
    ("rate 8/s, prompt 2048, output 250", dict(rate=8.0, prompt_tokens="2048", output_tokens="250")),
    ("rate inf, prompt 1024, output 128", dict(rate=math.inf, prompt_tokens="1024", output_tokens="128")),
    ("rate 30/s, normal:1000,300,300,3000 / 128, shared prefix 256",
     dict(rate=30.0, prompt_tokens="normal:1000,300,300,3000", output_tokens="128",
          shared_prefix=256)),
]


def main() -> int:
    spec, gpu = catalog.load_model("llama-3.1-8b"), catalog.load_gpu("h100")
    lim, rf = sim.engine_limits(spec, gpu), OpLatency(spec, gpu)
    worst = worst_cpu = 0.0
    for name, kw in CASES:
        best = cpu = math.inf
        for _ in range(3):
            t, c = time.perf_counter(), time.process_time()
            r = sim.simulate(spec, gpu, requests=10_000, limits=lim, roofline=rf, **kw)
            best = min(best, time.perf_counter() - t)
            cpu = min(cpu, time.process_time() - c)
        worst, worst_cpu = max(worst, best), max(worst_cpu, cpu)
        print(f"{name:<56} {best:6.2f} s wall, {cpu:5.2f} s CPU  ({r.steps:,} steps)")
    # one core: the process's own CPU time (single-threaded), which on a machine shared with other
    # jobs is what the run costs; the wall clock is printed beside it
    print(f"slowest {worst_cpu:.2f} s CPU ({worst:.2f} s wall) against the goal of {GOAL_S} s on one "
          f"core: {'met' if worst_cpu <= GOAL_S else 'MISSED'}")
    return 0 if worst_cpu <= GOAL_S else 1


if __name__ == "__main__":
    sys.exit(main())
