"""kvplan check-bench: a measured serving benchmark (GuideLLM, vllm bench serve, SGLang
bench_serving, inference-perf) beside its simulation; --calibrate fits a latency profile."""
from __future__ import annotations

import sys
from pathlib import Path
from typing import List, Optional

import typer

from ..errors import KvplanError
from .app import app
from .common import _complete_gpu, _count, _json, _load, _run


@app.command("check-bench")
def check_bench(
    files: List[str] = typer.Argument(..., metavar="FILE...", help="result files of GuideLLM, vllm bench "
                                      "serve --save-result, sglang.bench_serving or inference-perf"),
    gpu: str = typer.Option(..., "--gpu", metavar="GPU", help="the GPU the run used", autocompletion=_complete_gpu),
    model: Optional[str] = typer.Option(None, "--model", metavar="MODEL", help="the model served (default: "
                                        "the file's model id)"),
    tp: str = typer.Option("1", "--tp", metavar="N", help="tensor-parallel GPUs per replica"),
    replicas: str = typer.Option("1", "--replicas", metavar="N", help="replicas behind the endpoint"),
    engine: str = typer.Option("vllm", "--engine", metavar="ENGINE", help="vllm or sglang"),
    max_num_seqs: Optional[str] = typer.Option(None, "--max-num-seqs", metavar="N"),
    max_model_len: Optional[str] = typer.Option(None, "--max-model-len", metavar="N"),
    prefix_caching: bool = typer.Option(True, "--enable-prefix-caching/--no-enable-prefix-caching"),
    max_requests: str = typer.Option("1000", "--max-requests", metavar="N", help="requests replayed per level"),
    calibrate: Optional[str] = typer.Option(None, "--calibrate", metavar="OUT.yaml",
                                            help="fit the step time to this run and write a profile"),
    profile: Optional[str] = typer.Option(None, "--profile", metavar="FILE", help="a calibrated profile"),
    as_json: bool = typer.Option(False, "--json", help="print one JSON object"),
):
    """Predicted beside measured for each load level of a benchmark run.

    Example: kvplan check-bench online.jsonl --model llama-3.1-70b --gpu h200 --tp 4 --engine sglang"""
    from ..engines.base import ServeOptions
    from ..observe import bench
    from ..plan.latency import calibrate as cal
    from ..plan.latency.step import OpLatency
    from ..render.bench import render, rows_as_dicts
    from ..sources import catalog

    def go():
        eng = engine.strip().lower()
        if eng not in ("vllm", "sglang"):
            raise KvplanError(f"--engine must be vllm or sglang for check-bench, got '{engine}'")
        if calibrate and profile:
            raise KvplanError("--calibrate fits a new profile; leave out --profile")
        levels = [lv for f in files for lv in bench.read(f)]
        ref = model or next((lv.model for lv in levels if lv.model), None)
        if not ref:
            raise KvplanError("the file does not name its model; give --model")
        spec = _load(ref)
        g = catalog.load_gpu(gpu)
        opts = ServeOptions(max_num_seqs=None if max_num_seqs is None else _count("--max-num-seqs", max_num_seqs),
                            max_model_len=None if max_model_len is None else _count("--max-model-len", max_model_len))
        kw = dict(tp=_count("--tp", tp), replicas=_count("--replicas", replicas), engine=eng, opts=opts)
        n = _count("--max-requests", max_requests)
        notes = []
        step = OpLatency(spec, g, kw["tp"], engine=eng)
        if profile:
            cal.apply_profile(step, profile)
            notes.append(f"steps scaled {step.profile_label}")
        if calibrate:
            scale, before, after, rows = bench.calibrate(levels, spec, g, max_requests=min(n, 300), **kw)
            cal.write_profile(calibrate, scale, g, eng, spec.name, ", ".join(files), len(levels), before, after)
            notes.append(f"calibrated: every step × {scale:.3f}; RMS log error {before ** 0.5:.3f} -> "
                         f"{after ** 0.5:.3f} over {len(levels)} levels (fitted on this run: not a held-out "
                         f"figure); profile written to {calibrate}")
        else:
            rows = bench.replay(levels, spec, g, prefix_caching=prefix_caching, max_requests=n, step=step, **kw)
        head = (f"{spec.name} on {kw['replicas']} × {kw['tp']} × {g.name} · {eng} · "
                f"{len(levels)} load level{'s' if len(levels) > 1 else ''} from "
                f"{', '.join(Path(f).name for f in files)} "
                f"({', '.join(sorted({lv.tool for lv in levels}))})")
        if as_json:
            return _json({"model": spec.name, "gpu": g.name, "engine": eng, "tp": kw["tp"],
                          "replicas": kw["replicas"], "levels": rows_as_dicts(rows), "notes": notes})
        sys.stdout.write(render(rows, head, notes))

    _run(go)
