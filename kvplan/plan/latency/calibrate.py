"""A per-GPU latency profile fitted to one measured serving run (``kvplan check-bench --calibrate``;
the fit itself is ``kvplan.observe.bench.calibrate``, which replays the run) and applied with
``--profile FILE`` (perf, simulate, plan, check-bench).

What is fitted: one factor ``step_scale`` on every step's time (all ops of ``OpLatency``
alike), the value that minimizes the squared log error of the simulated TTFT (median or mean),
inter-token latency (mean, else median) and output tokens/s against the run's, over all its load
levels, by golden-section search on log(scale) in [1/8, 8]. One number, because one run cannot
tell the kernels' efficiencies apart from each other; it says how much faster or slower this
hardware and engine build are than the model's tables, and nothing finer.
"""
from __future__ import annotations

import math
from pathlib import Path

from ...errors import KvplanError, opt

KIND = "kvplan-latency-profile"
# The factors check-bench --calibrate searches (observe/bench.py calibrate); a profile's step_scale
# outside them was not written by it: 1e-300 priced a decode step at 0.000 ms and printed a 10^305
# tokens/s line past 80 columns (ux18).
SCALE_RANGE = (1 / 8, 8.0)


def load_profile(src) -> dict:
    if isinstance(src, dict):
        doc = src
    else:
        p = Path(src)
        from ...sources.readers import load_yaml

        try:
            doc = load_yaml(p, "profile")  # the project's one YAML reader: UTF-8, depth-capped
        except KvplanError as e:
            raise KvplanError(f"--profile: {e}") from None
    if not isinstance(doc, dict) or doc.get("kind") != KIND:
        raise KvplanError(f"--profile: not a kvplan latency profile (kind: {KIND}); write one with "
                          "kvplan check-bench FILE --calibrate OUT.yaml")
    if doc.get("step_scale") is None:  # only `kind:` (or step_scale left empty): said so, not "got None"
        where = "the profile" if isinstance(src, dict) else str(src)
        raise KvplanError(f"--profile: {where} has no step_scale (the factor check-bench --calibrate fits and "
                          "writes)")
    for key in ("gpu", "engine", "model", "fitted_on"):
        if doc.get(key) is not None and not isinstance(doc[key], str):
            raise KvplanError(f"--profile: {key} must be text, got {doc[key]!r}")
    s = doc.get("step_scale")
    if isinstance(s, bool) or not isinstance(s, (int, float)) or not (0 < s < math.inf):
        raise KvplanError(f"--profile: step_scale must be a number > 0, got {s!r}")
    lo, hi = SCALE_RANGE
    if not lo <= s <= hi:
        raise KvplanError(f"--profile: step_scale {s!r} is outside the {lo:g} to {hi:g} that check-bench "
                          "--calibrate fits")
    return doc


def check_engine(doc: dict, engine: str | None) -> None:
    """A profile is one GPU's and one engine's (docs/commands/check-bench.md): another engine's is refused."""
    if doc.get("engine") and engine and doc["engine"] != engine:
        raise KvplanError(f"--profile was fitted on a {doc['engine']} run, not {engine}; calibrate one on a "
                          f"{engine} run")


def apply_profile(step, src):
    """``step`` (an ``OpLatency``) with the profile's scale; refuses a profile of another GPU."""
    doc = load_profile(src)
    if doc.get("gpu") and doc["gpu"] != step.gpu.name:
        raise KvplanError(f"--profile was fitted on {doc['gpu']}, not {step.gpu.name}")
    check_engine(doc, getattr(step, "engine", None))
    step.profile_scale = float(doc["step_scale"])
    step.profile_label = f"× {step.profile_scale:.3f} (profile fitted on {doc.get('fitted_on', '?')})"
    return step


def check_output(path, inputs=()) -> None:
    """Where ``check-bench --calibrate`` will write, refused before the run is replayed: a name that
    is not .yaml / .yml (the profile is YAML, and ``--profile`` is told it so), a folder, and any
    file that is not already a kvplan latency profile (one of the files read, or anything else of
    the user's, is not written over)."""
    p = Path(path)
    if p.suffix.lower() not in (".yaml", ".yml"):
        raise KvplanError(f"{opt('calibrate')} writes a YAML profile: give a name ending .yaml, got '{path}'")
    if p.is_dir():
        raise KvplanError(f"{opt('calibrate')}: {path} is a folder; give a file name ending .yaml")
    if any(p.exists() and Path(f).exists() and p.samefile(f) for f in inputs):
        raise KvplanError(f"{opt('calibrate')}: {path} is a file being read; give another name")
    if p.exists():
        try:
            load_profile(p)
        except KvplanError:
            raise KvplanError(f"{opt('calibrate')}: {path} exists and is not a kvplan latency profile; "
                              "not written over: give another name") from None


def write_profile(path, scale: float, gpu, engine: str, model: str, fitted_on: str, levels: int,
                  before: float, after: float) -> dict:
    import yaml

    doc = {"kind": KIND, "gpu": gpu.name, "engine": engine, "model": model, "step_scale": round(scale, 4),
           "fitted_on": fitted_on, "levels": levels,
           "rms_log_error_before": round(math.sqrt(before), 4), "rms_log_error_after": round(math.sqrt(after), 4),
           "note": "one factor on every step's time, fitted by kvplan check-bench --calibrate "
                   "(kvplan/plan/latency/calibrate.py); apply with --profile"}
    try:
        Path(path).write_text(yaml.safe_dump(doc, sort_keys=False))
    except OSError as e:
        raise KvplanError(f"--calibrate: cannot write {path}: {e.strerror or e}") from None
    return doc
