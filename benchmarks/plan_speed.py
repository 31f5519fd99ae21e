"""Goal (issue 22): `kvplan plan` over >= 500 candidate deployments finishes in <= 60 s on 2 cores.

    python benchmarks/plan_speed.py [--workers N]

Plans llama-3.1-8b at 30 requests/s of 1,024-token prompts and 256-token answers (TTFT p90 <=
500 ms, ITL p90 <= 25 ms) over H100, H200, A100-80GB and L40S × TP 1, 2, 4, 8 × max_num_seqs 16, 32,
64, 128, 256, aggregated and disaggregated (every prefill TP against every decode TP), 200
requests simulated per candidate, on a process pool of 2 (the library call, start-up of the
workers included). Prints the candidates simulated, the wall clock and the CPU seconds of the
parent and its workers together (on a machine other jobs share, the wall clock over-states
what 2 free cores would take; both are printed, the verdict is on the wall clock).

Measured 2026-12-06 on this project's 2-core machine, shared with other jobs: 526 candidates
simulated (400 configurations); at load average 4.7: 49.2 s wall, 33.2 CPU-s: met; at load
average 9: 99.0 s wall, 34.9 CPU-s: missed. Not measured on 2 otherwise idle cores.
Rerun 2026-12-06 with expert parallelism searched (branch planep, rebased on main after issue 21's
round-3 constants; llama-3.1-8b is dense, so its search is the same 400 configurations): 524
candidates simulated on both main and the branch; main 36.5 s wall / 36.8 CPU-s (load 8) and
53.0 s / 45.2 CPU-s (load 5); the branch 59.6 s / 40.4 CPU-s (load 10) and 81.4 s / 40.7 CPU-s
(load 5, other jobs): main met twice, the branch met once and missed once under load; the CPU
seconds do not separate the two."""
from __future__ import annotations

import argparse
import resource
import sys
import time

from kvplan.plan import costs
from kvplan.plan import deploy as d

GOAL_S, GOAL_N = 60.0, 500


def cpu_s() -> float:
    a, b = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return a.ru_utime + a.ru_stime + b.ru_utime + b.ru_stime


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--workers", type=int, default=2)
    a = ap.parse_args()
    w = d.Workload("llama-3.1-8b", 30.0, "1024", "256", 500.0, 25.0, prices=costs.load_prices())
    tasks = d.tasks_for(["h100", "h200", "a100-sxm-80gb", "l40s"], (1, 2, 4, 8), (16, 32, 64, 128, 256))
    t, c = time.perf_counter(), cpu_s()
    res = d.search(w, tasks, workers=a.workers)
    wall, cpu = time.perf_counter() - t, cpu_s() - c
    print(f"{len(tasks)} configurations, {res.simulated} candidates simulated, {len(res.ranked)} meet the SLA")
    print(f"best: {res.ranked[0].gpu} {res.ranked[0].layout} ${res.ranked[0].usd_per_m_output:.3f}/M" if res.ranked else "none")
    print(f"{wall:.1f} s wall, {cpu:.1f} CPU-s on a {res.workers}")
    ok = res.simulated >= GOAL_N and wall <= GOAL_S
    print(f"goal: >= {GOAL_N} candidates in <= {GOAL_S:g} s: {'met' if ok else 'MISSED'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
