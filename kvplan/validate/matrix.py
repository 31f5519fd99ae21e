"""``kvplan validate --matrix FILE.yaml``: run a list of cases, write one Markdown report.

The file is a YAML list of cases (or ``{defaults: {...}, cases: [...]}``), each a mapping of
the command's options: ``model`` and ``ctx`` (required), ``batch`` (1), ``kv_dtype``,
``engine`` (ideal), ``layers``, ``fit``, ``cuda_graph``, ``speed`` (true), ``steps``,
``lengths``. ``benchmarks/validation_matrix.yaml`` is the set meant for docs/validation.md.
"""
from __future__ import annotations

import shlex
from pathlib import Path

from ..errors import KvplanError

KEYS = {"model", "ctx", "batch", "kv_dtype", "engine", "layers", "fit", "cuda_graph", "speed",
        "steps", "lengths"}


def read_cases(path: str) -> list[dict]:
    import yaml

    from ..sources.readers import read_text

    p = Path(path)
    if not p.exists():
        raise KvplanError(f"--matrix: no such file: {path}")
    try:
        data = yaml.safe_load(read_text(p, "matrix"))
    except KvplanError as e:
        raise KvplanError(f"--matrix: {e}") from None
    except yaml.YAMLError as e:
        raise KvplanError(f"--matrix {path}: not valid YAML ({str(e).splitlines()[0]})") from None
    defaults = {}
    if isinstance(data, dict):
        defaults, data = data.get("defaults") or {}, data.get("cases")
    if not isinstance(data, list) or not data:
        raise KvplanError(f"--matrix {path}: expected a list of cases (or a mapping with 'cases:')")
    cases = []
    for i, case in enumerate(data, 1):
        if not isinstance(case, dict):
            raise KvplanError(f"--matrix {path}: case {i} is not a mapping of options")
        case = {**defaults, **case}
        unknown = sorted(set(case) - KEYS)
        if unknown:
            raise KvplanError(f"--matrix {path}: case {i}: unknown option '{unknown[0]}'; "
                              f"known: {', '.join(sorted(KEYS))}")
        for need in ("model", "ctx"):
            if need not in case:
                raise KvplanError(f"--matrix {path}: case {i} names no {need}")
        for key in ("ctx", "batch", "layers", "steps"):
            v = case.get(key)
            if v is not None and (not isinstance(v, int) or isinstance(v, bool) or v < 1):
                raise KvplanError(f"--matrix {path}: case {i}: {key} must be a positive integer, got {v!r}")
        lens = case.get("lengths")
        if lens is not None and (not isinstance(lens, list) or not all(
                isinstance(n, int) and not isinstance(n, bool) and n > 0 for n in lens)):
            raise KvplanError(f"--matrix {path}: case {i}: lengths must be a list of positive integers")
        cases.append(case)
    return cases


def command(case: dict, device: str | None) -> str:
    """The single command that reproduces a case."""
    args = ["kvplan", "validate", str(case["model"]), "--ctx", str(case["ctx"]),
            "--batch", str(case.get("batch", 1))]
    timed = case.get("speed") is not False
    for key, flag in (("kv_dtype", "--kv-dtype"), ("engine", "--engine"), ("layers", "--layers"),
                      ("steps", "--steps")):
        if case.get(key) is not None and (timed or key != "steps"):
            args += [flag, str(case[key])]
    if timed and case.get("lengths") is not None:
        args += ["--recompute-lengths", ",".join(str(n) for n in case["lengths"]) or "none"]
    if device:
        args += ["--device", device]
    for key, flag in (("fit", "--fit"), ("cuda_graph", "--cuda-graph")):
        if case.get(key):
            args.append(flag)
    if case.get("speed") is False:
        args.append("--memory-only")
    return shlex.join(args)


def run_matrix(path: str, device: str | None, load, progress=None, **common) -> list:
    """Every case of the file, in order; ``load`` turns a model name into a spec."""
    from .run import validate

    results = []
    for case in read_cases(path):
        spec = load(str(case["model"]))
        results.append(validate(
            spec, case["ctx"], case.get("batch", 1), case.get("kv_dtype"), case.get("engine", "ideal"),
            device, case.get("layers"), bool(case.get("fit")), bool(case.get("cuda_graph")),
            case.get("speed", True) is not False, case.get("steps"), case.get("lengths"),
            command=command(case, device), progress=progress, **common))
    return results
