"""kvplan check-log, validate and check-server: the plan beside what an engine or a card reports."""
from __future__ import annotations

import sys
from typing import Optional

import typer

from ..errors import KvplanError
from .root import app
from .common import (FORMAT_HELP, MODEL_HELP, WIDE_HELP, _complete_model, _count, _fail, _format, _json, _load, _run, _show, _size)


@app.command(name="check-log")
def check_log(
    log: str = typer.Argument(..., metavar="FILE", help="a vLLM, SGLang or llama.cpp start-up log, or - for stdin"),
    gpu: Optional[str] = typer.Option(None, "--gpu", help="the GPU it ran on (logs do not say; vLLM and SGLang)"),
    model: Optional[str] = typer.Option(None, "--model",
                                        help="the model, when the log's is a path here unknown (any MODEL form)"),
    tp: Optional[str] = typer.Option(None, "--tp", "--tensor-parallel-size", "-tp", "--tp-size",
                                     help="tensor-parallel size, when the log does not say it"),
    weight_dtype: Optional[str] = typer.Option(None, "--weight-dtype",
                                               help="price every weight in this format (default: as the log "
                                                    "or the model's name says)"),
    as_json: bool = typer.Option(False, "--json", help="print one JSON object"),
):
    """Put kvplan's plan beside each figure an engine's start-up log reports, with the error."""
    from .. import api
    from ..render import check as render

    def go():
        if log == "-":
            text = sys.stdin.read()
        else:
            from pathlib import Path

            try:
                text = Path(log).read_text(errors="replace")
            except OSError as e:
                raise KvplanError(f"cannot read {log}: {e.strerror or e}") from None
        if weight_dtype is not None:
            from ..model import dtypes

            dtypes.get(weight_dtype)  # an unknown name: one clear line
        c = api.check_log(text, gpu, model, None if tp is None else _count("--tp", tp), weight_dtype)
        _json(render.check_json(c)) if as_json else _show(render.check_table(c))

    _run(go)


@app.command()
def validate(
    model: Optional[str] = typer.Argument(None, metavar="MODEL", autocompletion=_complete_model, help=MODEL_HELP),
    ctx: Optional[str] = typer.Option(None, "--ctx", help="tokens per sequence"),
    batch: str = typer.Option("1", "--batch", "-b", help="sequences decoded together"),
    kv_dtype: Optional[str] = typer.Option(None, "--kv-dtype", help="KV element format (default: the model's dtype)"),
    engine: str = typer.Option("ideal", "--engine", help="layout to allocate: ideal, hf or vllm"),
    device: Optional[str] = typer.Option(None, "--device", help="cuda or cpu (default: cuda if torch sees one)"),
    layers: Optional[str] = typer.Option(None, "--layers", help="allocate and time the first K layers only (scaled to all in the speed figures)"),
    fit: bool = typer.Option(False, "--fit", help="CUDA: weights stand-in + the cache for fit's max batch on the live card"),
    cuda_graph: bool = typer.Option(False, "--cuda-graph", help="CUDA: replay the decode step as a CUDA graph"),
    memory_only: bool = typer.Option(False, "--memory-only", help="allocate and compare bytes; no timing"),
    steps: Optional[str] = typer.Option(None, "--steps", help="timed decode steps (default 50 on CUDA, 3 on the CPU)"),
    recompute_lengths: Optional[str] = typer.Option(None, "--recompute-lengths",
                                                    help="lengths for the no-cache steps (default: ctx/4, ctx/2, ctx up to 4096; 4,8,16 on the CPU), or none"),
    safety_margin: str = typer.Option("2GiB", "--safety-margin", help="memory left free on the device, never allocated"),
    gpu: Optional[str] = typer.Option(None, "--gpu", help="the catalog GPU this card is (default: matched by name)"),
    matrix: Optional[str] = typer.Option(None, "--matrix", help="a YAML list of cases: run them all, write Markdown"),
    out: Optional[str] = typer.Option(None, "--out", help="with --matrix: write the Markdown report here"),
    tp: Optional[str] = typer.Option(None, "--tp", "--tensor-parallel-size", "-tp",
                                     help="tensor-parallel ranks, a process each (torch.distributed; torchrun detected)"),
    pp: Optional[str] = typer.Option(None, "--pp", "--pipeline-parallel-size", "-pp",
                                     help="pipeline stages: tp × pp ranks"),
    timeout: str = typer.Option("300", "--timeout", help="with --tp/--pp: seconds a collective may wait"),
    as_json: bool = typer.Option(False, "--json", help="print one JSON object"),
    fmt: Optional[str] = typer.Option(None, "--format", help=FORMAT_HELP),
    wide: bool = typer.Option(False, "--wide", help=WIDE_HELP),
):
    """Allocate the predicted cache with PyTorch and time a cached decode: predicted beside measured."""

    def go():
        from ..validate import ranks as rk

        f = _format(fmt, as_json)
        if tp is not None or pp is not None or rk.torchrun_env() is not None:
            return _validate_ranks(model, ctx, batch, kv_dtype, engine, device, layers, memory_only,
                                   steps, tp, pp, timeout, gpu, f == "json",
                                   fit or cuda_graph or matrix is not None or recompute_lengths is not None)
        from ..validate import report, require_torch
        from ..validate.run import validate as check

        require_torch()
        lens = None
        if recompute_lengths is not None:
            text = recompute_lengths.strip().lower()
            lens = [] if text in ("none", "0", "") else [_count("--recompute-lengths", t) for t in text.split(",")]
        common = dict(cuda_graph=cuda_graph, safety_margin=_size("--safety-margin", safety_margin), gpu=gpu)
        if matrix is not None:
            from ..validate.matrix import run_matrix

            with report.progress() as say:
                results = run_matrix(matrix, device, _load, progress=say, safety_margin=common["safety_margin"], gpu=gpu)
            md = report.markdown(results)
            if out:
                with open(out, "w") as fh:
                    fh.write(md)
            if f == "json":
                return _json([report.to_json(r) for r in results])
            sys.stdout.write(md if not out else f"wrote {out}: {len(results)} case{'s' if len(results) != 1 else ''}\n")
            if not all(r.memory_equal for r in results):
                raise typer.Exit(1)
            return
        if model is None or ctx is None:
            raise KvplanError("give MODEL and --ctx (or --matrix FILE.yaml)")
        from ..validate.matrix import command

        spec = _load(model)
        case = dict(model=model, ctx=_count("--ctx", ctx), batch=_count("--batch", batch), kv_dtype=kv_dtype,
                    engine=engine, layers=None if layers is None else _count("--layers", layers), fit=fit,
                    cuda_graph=cuda_graph, speed=not memory_only, lengths=lens,
                    steps=None if steps is None else _count("--steps", steps))
        with report.progress() as say:
            r = check(spec, case["ctx"], case["batch"], kv_dtype, engine, device, case["layers"], fit,
                      speed=not memory_only, steps=case["steps"], lengths=lens,
                      command=command(case, device), progress=say, **common)
        if f == "json":
            _json(report.to_json(r))
        else:
            _show([report.table(r), "\n".join(report.footer(r, deterministic=memory_only))], f, wide)
        if not r.memory_equal:
            raise typer.Exit(1)

    _run(go)


def _validate_ranks(model, ctx, batch, kv_dtype, engine, device, layers, memory_only, steps, tp, pp,
                    timeout, gpu, as_json, single_only):
    """``validate --tp/--pp``: every rank's shard (kvplan/validate/ranks.py)."""
    import shlex

    from ..validate import ranks as rk
    from ..validate import ranks_report as rr

    if single_only:
        raise KvplanError("--fit, --cuda-graph, --matrix and --recompute-lengths check one device; "
                          "leave them out with --tp/--pp")
    if model is None or ctx is None:
        raise KvplanError("give MODEL and --ctx")
    t, p = (1 if v is None else _count(name, v) for name, v in (("--tp", tp), ("--pp", pp)))
    argv = ["kvplan", "validate", model, "--ctx", ctx, "--batch", batch, "--tp", str(t), "--pp", str(p)]
    for flag, v in (("--kv-dtype", kv_dtype), ("--engine", engine), ("--device", device),
                    ("--layers", layers), ("--steps", steps)):
        if v is not None:
            argv += [flag, str(v)]
    try:
        r = rk.validate_ranks(_load(model), t, p, _count("--ctx", ctx), _count("--batch", batch), kv_dtype,
                              engine, device, None if layers is None else _count("--layers", layers),
                              not memory_only, None if steps is None else _count("--steps", steps),
                              _count("--timeout", timeout), gpu,
                              command=shlex.join(argv + (["--memory-only"] if memory_only else [])))
    except rk.RankFailure as e:
        _fail(str(e), 1)
    if r is None:  # a torchrun rank other than 0: rank 0 prints for all
        return
    if as_json:
        _json(rr.to_json(r))
    else:
        _show([rr.table(r), "\n".join(rr.footer(r, deterministic=memory_only))])
    if not r.memory_equal:
        raise typer.Exit(1)


@app.command(name="check-server")
def check_server(
    url: str = typer.Argument(..., metavar="URL", help="a running vLLM server, e.g. http://localhost:8000"),
    gpu: str = typer.Option(..., "--gpu", help="the GPU it runs on (its metrics do not say)"),
    model: Optional[str] = typer.Option(None, "--model", help="the model, when /v1/models' is not one kvplan knows"),
    tp: Optional[str] = typer.Option(None, "--tp", "--tensor-parallel-size", "-tp", "--tp-size",
                                     help="as the server was started"),
    enforce_eager: bool = typer.Option(False, "--enforce-eager", help="as the server was started"),
    max_num_batched_tokens: Optional[str] = typer.Option(None, "--max-num-batched-tokens"),
    max_num_seqs: Optional[str] = typer.Option(None, "--max-num-seqs"),
    timeout: str = typer.Option("5", "--timeout", help="seconds to wait for each request"),
    as_json: bool = typer.Option(False, "--json", help="print one JSON object"),
):
    """Put kvplan's plan beside a running vLLM server's cache (its /metrics and /v1/models)."""
    from ..render import check as render
    from .. import api

    def go():
        try:
            secs = float(timeout)
        except ValueError:
            secs = 0.0
        if not 0 < secs <= 600:
            raise KvplanError(f"--timeout must be seconds in (0, 600], got '{timeout}'")
        flags = {"tensor_parallel_size": None if tp is None else _count("--tp", tp),
                 "enforce_eager": enforce_eager or None,
                 "max_num_batched_tokens": None if max_num_batched_tokens is None
                 else _count("--max-num-batched-tokens", max_num_batched_tokens),
                 "max_num_seqs": None if max_num_seqs is None else _count("--max-num-seqs", max_num_seqs)}
        c = api.check_server(url, gpu, model, secs, flags)
        _json(render.check_json(c)) if as_json else _show(render.check_table(c, "server"))

    _run(go)
