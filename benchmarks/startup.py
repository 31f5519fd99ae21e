"""CPU cost of a `kvplan size` query against the cost of importing its dependencies.

    python benchmarks/startup.py [--runs 30]

Runs, alternating, the table query `kvplan size llama-13b --ctx 4096`, the same with `--json`,
the import line of issue 11 (A: `python -c "import typer, rich.table, pydantic, yaml"`, what a
query would cost if it imported the libraries it is built on) and `python -c pass`, as whole
processes, and measures each one's CPU time (user + system, from getrusage of the child).
Prints the medians and the ratios; the goals (issue 11): the table query <= 0.8 and the
`--json` query <= 0.6 of A.
"""
from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys


def cpu_seconds(cmd: list[str]) -> float:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=30)
    a = ap.parse_args()
    exe = shutil.which("kvplan") or os.path.join(os.path.dirname(sys.executable), "kvplan")
    query = [exe, "size", "llama-13b", "--ctx", "4096"]
    base_a = [sys.executable, "-c", "import typer, rich.table, pydantic, yaml"]
    cmds = {"table: kvplan size llama-13b --ctx 4096": query,
            "json:  kvplan size llama-13b --ctx 4096 --json": query + ["--json"],
            "A: import typer, rich.table, pydantic, yaml": base_a,
            "python -c pass": [sys.executable, "-c", "pass"]}
    for cmd in cmds.values():  # warm the file cache
        cpu_seconds(cmd)
    times = {k: [] for k in cmds}
    for _ in range(a.runs):
        for k, cmd in cmds.items():
            times[k].append(cpu_seconds(cmd))
    med = {k: statistics.median(v) for k, v in times.items()}
    for k, v in times.items():
        print(f"{k:48s} median CPU {med[k] * 1000:6.1f} ms (min {min(v) * 1000:.1f}, max {max(v) * 1000:.1f})")
    base = med["A: import typer, rich.table, pydantic, yaml"]
    t, j = med["table: kvplan size llama-13b --ctx 4096"], med["json:  kvplan size llama-13b --ctx 4096 --json"]
    print(f"table query / A = {t / base:.3f} (goal <= 0.8); json query / A = {j / base:.3f} (goal <= 0.6); "
          f"{a.runs} runs each, alternated, python {sys.version.split()[0]}")


if __name__ == "__main__":
    main()
