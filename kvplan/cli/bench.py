"""kvplan check-bench: a measured serving benchmark (GuideLLM, vllm bench serve, SGLang
bench_serving, inference-perf) beside its simulation; --calibrate fits a latency profile."""
from __future__ import annotations

import sys
from pathlib import Path
from typing import List, Optional

import typer

from .root import app
from .common import (RADIX_HELP, SEQS_FLAGS, SEQS_HELP, _complete_gpu, _count, _json, _max_model_len, _prefix_caching,
                     _run)


@app.command("check-bench")
def check_bench(
    files: List[str] = typer.Argument(..., metavar="FILE...", help="result files of GuideLLM, vllm bench "
                                      "serve --save-result, sglang.bench_serving or inference-perf"),
    gpu: str = typer.Option(..., "--gpu", metavar="GPU", help="the GPU the run used", autocompletion=_complete_gpu),
    model: Optional[str] = typer.Option(None, "--model", metavar="MODEL", help="the model served (default: "
                                        "the file's model id)"),
    tp: str = typer.Option("1", "--tp", "--tensor-parallel-size", "-tp", "--tp-size", metavar="N",
                           help="tensor-parallel GPUs per replica"),
    replicas: str = typer.Option("1", "--replicas", metavar="N", help="replicas behind the endpoint"),
    engine: str = typer.Option("vllm", "--engine", metavar="ENGINE", help="vllm or sglang"),
    max_num_seqs: Optional[str] = typer.Option(None, *SEQS_FLAGS, metavar="N", help=SEQS_HELP),
    max_model_len: Optional[str] = typer.Option(None, "--max-model-len", metavar="N"),
    prefix_caching: bool = typer.Option(True, "--enable-prefix-caching/--no-enable-prefix-caching"),
    disable_radix_cache: bool = typer.Option(False, "--disable-radix-cache", help=RADIX_HELP),
    max_requests: str = typer.Option("1000", "--max-requests", metavar="N", help="requests replayed per level"),
    calibrate: Optional[str] = typer.Option(None, "--calibrate", metavar="OUT.yaml",
                                            help="fit the step time to this run and write a profile"),
    profile: Optional[str] = typer.Option(None, "--profile", metavar="FILE", help="a calibrated profile"),
    engine_version: Optional[str] = typer.Option(None, "--engine-version", metavar="VERSION",
                                                 help="the engine's version the server ran (vLLM: before 0.19 "
                                                 "admission checks the first chunk; SGLang: before 0.4 no overlap "
                                                 "scheduler); default: the file's, else kvplan's"),
    data_parallel_size: str = typer.Option("1", "--data-parallel-size", "-dp", metavar="N",
                                           help="vLLM --data-parallel-size the server ran (a dense model: N "
                                           "engines behind vLLM's balancer)"),
    as_json: bool = typer.Option(False, "--json", help="print one JSON object"),
):
    """Predicted beside measured for each load level of a benchmark run.

    \b
    Example:
      kvplan check-bench online.jsonl --model llama-3.1-70b --gpu h200 \\
        --tp 4 --engine sglang"""
    from .. import api
    from ..render.bench import render, rows_as_dicts

    def go():
        if engine_version is not None and engine.strip().lower() == "vllm":  # its start-up is planned by release,
            api.engine_version("vllm", engine_version)  # as fit's: "0.33" names none (refused, as in fit)
        r = api.check_bench(files, gpu, model, _count("--tp", tp), _count("--replicas", replicas), engine,
                            None if max_num_seqs is None else _count("--max-num-seqs", max_num_seqs),
                            _max_model_len(max_model_len),
                            _count("--max-requests", max_requests),
                            _prefix_caching(engine, prefix_caching, disable_radix_cache), calibrate, profile,
                            engine_version, _count("--data-parallel-size", data_parallel_size))
        spec, g, levels, rows, notes = r["spec"], r["gpu"], r["levels"], r["rows"], r["notes"]
        n = _count("--replicas", replicas)  # as simulate says it: replicas of tp, not a count of GPUs
        head = (f"{spec.name} on {g.name}: {n} replica{'s' if n != 1 else ''} of tp {_count('--tp', tp)} · "
                f"{r['engine']} · {len(levels)} load level{'s' if len(levels) > 1 else ''} from "
                f"{', '.join(Path(f).name for f in files)} "
                f"({', '.join(sorted({lv.tool for lv in levels}))})")
        if as_json:
            return _json({"model": spec.name, "gpu": g.name, "engine": r["engine"], "tp": _count("--tp", tp),
                          "replicas": _count("--replicas", replicas), "levels": rows_as_dicts(rows),
                          "notes": notes})
        sys.stdout.write(render(rows, head, notes))

    _run(go)
