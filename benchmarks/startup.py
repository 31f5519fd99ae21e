"""CPU cost of a `kvplan size` query against the cost of importing its dependencies.

    python benchmarks/startup.py [--runs 30]

Runs, alternating, the table query `kvplan size llama-13b --ctx 4096`, the same with `--json`,
the import line of issue 11 (A: `python -c "import typer, rich.table, pydantic, yaml"`, what a
query would cost if it imported the libraries it is built on) and `python -c pass`, as whole
processes, and measures each one's CPU time (user + system, from getrusage of the child).
Prints the medians and the ratios; the goals (issue 11): the table query <= 0.8 and the
`--json` query <= 0.6 of A.

Measure kvplan as it is installed, with its bytecode cached, as A's libraries are: `pip install`
compiles every module, so a user's first query already runs from bytecode. An editable install
(`pip install -e .`) under PYTHONDONTWRITEBYTECODE=1 (as on this project's machines) compiles
kvplan's ~7,000 lines from source at every start and measures that instead; the script says so
when it sees it. `--install` measures a regular install in a fresh virtual environment:

    python benchmarks/startup.py --install [--runs 30]   # pip install . into a temporary venv, then measure
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


def compiles_kvplan_each_run() -> bool:
    """Whether a kvplan process here compiles kvplan's modules from source (no bytecode cache)."""
    import importlib.util

    spec = importlib.util.find_spec("kvplan.cli")
    if spec is None or not spec.origin or not spec.origin.endswith(".py"):
        return False
    cached = importlib.util.cache_from_source(spec.origin)
    return not os.path.exists(cached)


def install_and_rerun(runs: int) -> None:
    """pip install this checkout (not editable) into a temporary venv and measure there."""
    import tempfile
    import venv

    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    with tempfile.TemporaryDirectory(prefix="kvplan-startup-") as d:
        print(f"installing {root} into a fresh venv at {d} ...", file=sys.stderr)
        venv.create(d, with_pip=True)
        py = os.path.join(d, "bin", "python")
        subprocess.run([py, "-m", "pip", "install", "-q", root], check=True)
        subprocess.run([py, os.path.abspath(__file__), "--runs", str(runs)], check=True, cwd=d)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=30)
    ap.add_argument("--install", action="store_true", help="measure a regular install in a fresh temporary venv")
    a = ap.parse_args()
    if a.install:
        return install_and_rerun(a.runs)
    here = os.path.join(os.path.dirname(sys.executable), "kvplan")  # this interpreter's kvplan first
    exe = here if os.path.exists(here) else shutil.which("kvplan")
    if compiles_kvplan_each_run():
        print("warning: kvplan's modules have no bytecode cache here (an editable install under "
              "PYTHONDONTWRITEBYTECODE?): each run compiles them from source, unlike an installed kvplan "
              "and unlike A's libraries; `--install` measures a regular install", file=sys.stderr)
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
          f"{a.runs} runs each, alternated, python {sys.version.split()[0]}, typer {_version('typer')}, "
          f"kvplan {'compiled from source at each run' if compiles_kvplan_each_run() else 'from bytecode'}")


def _version(dist: str) -> str:
    from importlib.metadata import version

    return version(dist)


if __name__ == "__main__":
    main()
