"""A per-GPU latency profile fitted to one measured serving run (``kvplan check-bench --calibrate``)
and applied with ``--profile FILE`` (perf, simulate, plan, check-bench).

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

from ...errors import KvplanError

KIND = "kvplan-latency-profile"


def load_profile(src) -> dict:
    import yaml

    if isinstance(src, dict):
        doc = src
    else:
        p = Path(src)
        try:
            doc = yaml.safe_load(p.read_text())
        except (OSError, UnicodeDecodeError) as e:
            raise KvplanError(f"--profile: cannot read {p}: {getattr(e, 'strerror', None) or e}") from None
        except yaml.YAMLError:
            raise KvplanError(f"--profile: {p} is not valid YAML") from None
    if not isinstance(doc, dict) or doc.get("kind") != KIND:
        raise KvplanError(f"--profile: not a kvplan latency profile (kind: {KIND}); write one with "
                          "kvplan check-bench FILE --calibrate OUT.yaml")
    s = doc.get("step_scale")
    if isinstance(s, bool) or not isinstance(s, (int, float)) or not (0 < s < math.inf):
        raise KvplanError(f"--profile: step_scale must be a number > 0, got {s!r}")
    return doc


def apply_profile(step, src):
    """``step`` (an ``OpLatency``) with the profile's scale; refuses a profile of another GPU."""
    doc = load_profile(src)
    if doc.get("gpu") and doc["gpu"] != step.gpu.name:
        raise KvplanError(f"--profile was fitted on {doc['gpu']}, not {step.gpu.name}")
    step.profile_scale = float(doc["step_scale"])
    step.profile_label = f"× {step.profile_scale:.3f} (profile fitted on {doc.get('fitted_on', '?')})"
    return step


def objective(rows) -> float:
    from ...observe.bench import pairs

    err = []
    for row in rows:
        got = {(m, s): (a, b) for m, s, a, b in pairs(row)}
        for key in (("ttft_ms", "p50"), ("ttft_ms", "mean")):
            if key in got:
                err.append(got[key])
                break
        for key in (("itl_ms", "mean"), ("itl_ms", "p50")):
            if key in got:
                err.append(got[key])
                break
        if ("output_tokens_per_s", "") in got:
            err.append(got[("output_tokens_per_s", "")])
    terms = [math.log(p / m) ** 2 for m, p in err if m > 0 and p and p > 0]
    if not terms:
        raise KvplanError("the run has no TTFT, ITL or throughput figure to fit to")
    return sum(terms) / len(terms)


def fit(levels, spec, gpu, *, tp=1, replicas=1, engine="vllm", opts=None, max_requests=300, seed=0):
    """(scale, error before, error after, rows after): golden-section search on log(scale)."""
    from ...observe.bench import replay
    from .step import OpLatency

    def run(scale):
        st = OpLatency(spec, gpu, tp, engine=engine)
        st.profile_scale = scale
        rows = replay(levels, spec, gpu, tp=tp, replicas=replicas, engine=engine, opts=opts,
                      max_requests=max_requests, seed=seed, step=st)
        return objective(rows), rows

    cache = {}

    def f(x):
        if x not in cache:
            cache[x] = run(math.exp(x))
        return cache[x][0]

    a, b = math.log(1 / 8), math.log(8)
    g = (math.sqrt(5) - 1) / 2
    c, d = b - g * (b - a), a + g * (b - a)
    for _ in range(14):
        if f(c) < f(d):
            b, d = d, c
            c = b - g * (b - a)
        else:
            a, c = c, d
            d = a + g * (b - a)
    x = (a + b) / 2
    best = min([x, c, d], key=f)
    before = run(1.0)[0]
    return math.exp(best), before, cache[best][0], cache[best][1]


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
