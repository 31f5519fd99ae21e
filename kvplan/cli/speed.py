"""kvplan perf, compare and sweep: how fast, and what-ifs side by side."""
from __future__ import annotations

import sys
from typing import Optional

import typer

from ..errors import KvplanError
from .root import app
from .common import (COMPILE_CACHE_HELP, ENGINE_VERSION_HELP, FORMAT_HELP, MODEL_HELP, WIDE_HELP, _compile_cache,
                     _complete_model, _count, _engine_version, _format, _fraction, _json, _load, _max_model_len, _number, _run,
                     _say, _show)


@app.command()
def perf(
    model: str = typer.Argument(..., metavar="MODEL", autocompletion=_complete_model, help=MODEL_HELP),
    gpu: str = typer.Option(..., "--gpu", help="GPU name (see `kvplan gpus`)"),
    ctx: str = typer.Option(..., "--ctx", help="tokens each sequence holds when the decode step runs"),
    batch: str = typer.Option("1", "--batch", "-b", help="sequences decoded together"),
    prompt: Optional[str] = typer.Option(None, "--prompt", help="prompt tokens for prefill/TTFT (default: --ctx)"),
    tp: str = typer.Option("1", "--tp", "--tensor-parallel-size", "-tp", "--tp-size", help="tensor-parallel GPUs"),
    data_parallel_size: str = typer.Option("1", "--data-parallel-size", "-dp",
                                           help="vLLM: attention replicas, --batch is one replica's"),
    enable_expert_parallel: bool = typer.Option(False, "--enable-expert-parallel",
                                                help="vLLM: routed experts whole, over tp × dp ranks"),
    kv_dtype: Optional[str] = typer.Option(None, "--kv-dtype", help="KV element format (default: the model's dtype)"),
    kv_cache_dtype: Optional[str] = typer.Option(None, "--kv-cache-dtype", help="the engine's names for the "
                                                 "cache's format (as kvplan fit)"),
    weight_dtype: Optional[str] = typer.Option(None, "--weight-dtype", help="weight format (default: as stored)"),
    bw_efficiency: Optional[str] = typer.Option(None, "--bw-efficiency", help="share of datasheet bandwidth reached (default 0.83)"),
    flops_efficiency: Optional[str] = typer.Option(None, "--flops-efficiency", help="share of dense peak reached (default: per GPU)"),
    step_overhead_ms: Optional[str] = typer.Option(None, "--step-overhead-ms", help="fixed cost per forward pass (default 1.6)"),
    new_tokens: Optional[str] = typer.Option(None, "--new-tokens", help="tokens generated in the cache-vs-recompute "
                                             "table (default 1000)"),
    no_cache_compare: bool = typer.Option(False, "--no-cache-compare", help="leave out the cache-vs-recompute table"),
    batch_table: bool = typer.Option(False, "--batch-table", help="decode time by batch up to what fits"),
    engine: str = typer.Option("vllm", "--engine", help="engine whose memory plan bounds --batch-table (vllm)"),
    engine_version: Optional[str] = typer.Option(None, "--engine-version", metavar="VERSION",
                                                 help=ENGINE_VERSION_HELP),
    gpu_memory_utilization: Optional[str] = typer.Option(None, "--gpu-memory-utilization", "--mem-fraction-static",
                                                         metavar="F", help="the engine's share of the GPU in the "
                                                         "memory plan bounding --batch (as kvplan fit)"),
    speculative_config: Optional[str] = typer.Option(None, "--speculative-config",
                                                     help='vLLM: JSON, e.g. {"method":"eagle3","num_speculative_tokens":3}'),
    acceptance: Optional[str] = typer.Option(None, "--acceptance",
                                             help="per-token acceptance rate of the drafts (0 to 1)"),
    profile: Optional[str] = typer.Option(None, "--profile", metavar="FILE",
                                          help="a calibrated latency profile (check-bench --calibrate)"),
    as_json: bool = typer.Option(False, "--json", help="print one JSON object"),
    explain: bool = typer.Option(False, "--explain", help="show the arithmetic with its sources"),
    fmt: Optional[str] = typer.Option(None, "--format", help=FORMAT_HELP),
    wide: bool = typer.Option(False, "--wide", help=WIDE_HELP),
):
    """How fast: prefill (TTFT) and one decode step, as a labelled roofline.

    \b
    Example:
      kvplan perf llama-3.1-8b --gpu h100 --ctx 8k --batch 8 --batch-table"""
    from .. import api
    from ..render import perf as render_perf

    def go():
        f = _format(fmt, as_json)
        c, b = _count("--ctx", ctx), _count("--batch", batch)
        pr = None if prompt is None else _count("--prompt", prompt)
        if no_cache_compare and new_tokens is not None:  # the table it sizes is left out
            raise KvplanError("--new-tokens sizes the cache-vs-recompute table that --no-cache-compare leaves out; "
                              "give one of them")
        n = None if no_cache_compare else _count("--new-tokens", "1000" if new_tokens is None else new_tokens)
        from ..engines.vllm import speculative

        sc = None if speculative_config is None else speculative.parse(speculative_config)
        acc = _number("--acceptance", acceptance, 0, 1, open_low=False)
        spec = _load(model)
        r = api.perf(spec, gpu, c, b, pr, _count("--tp", tp), kv_dtype, weight_dtype, engine,
                     _number("--bw-efficiency", bw_efficiency, 0, 1),
                     _number("--flops-efficiency", flops_efficiency, 0, 1),
                     _number("--step-overhead-ms", step_overhead_ms, 0, None, open_low=False),
                     n, batch_table, sc, acc, profile=profile,
                     data_parallel_size=_count("--data-parallel-size", data_parallel_size),
                     enable_expert_parallel=enable_expert_parallel, engine_version=engine_version,
                     gpu_memory_utilization=_fraction("--gpu-memory-utilization", gpu_memory_utilization),
                     kv_cache_dtype=kv_cache_dtype)
        for w in r.notes:
            if w.startswith("ctx ") or w.startswith("this does not fit"):
                _say("warning", w)
            elif w.startswith("at risk: "):  # fit's words at this --batch (plan/perf.py _fits_notes), as fit says them
                _say("at risk", w[len("at risk: "):])
        if f == "json":
            return _json(render_perf.perf_json(r, explain))
        _show(render_perf.perf_table(r, spec, explain), f, wide)

    _run(go)


@app.command()
def compare(
    models_: list[str] = typer.Argument(..., metavar="MODEL...", help="one or more models"),
    ctx: str = typer.Option(..., "--ctx", help="tokens per sequence"),
    batch: str = typer.Option("1", "--batch", "-b", help="sequences"),
    variants: Optional[str] = typer.Option(None, "--variants",
                                           help="what-ifs: mha, gqa:G, mqa, mla:R+r, window:W, kv:FMT, share:N; "
                                                "comma-separated, combined with + (gqa:8+kv:fp8)"),
    gpu: Optional[str] = typer.Option(None, "--gpu", help="add the max batch and decode tokens/s on this GPU"),
    tp: str = typer.Option("1", "--tp", "--tensor-parallel-size", "-tp", "--tp-size", help="tensor-parallel GPUs (with --gpu)"),
    engine: Optional[str] = typer.Option(None, "--engine",
                                         help="layout of the bytes and engine of the max batch (default: bytes "
                                              "ideal, max batch vLLM's, as `kvplan fit`)"),
    max_model_len: Optional[str] = typer.Option(None, "--max-model-len", help="with --gpu: default the model's"),
    compile_cache: Optional[str] = typer.Option(None, "--compile-cache", metavar="warm|cold",
                                                help=COMPILE_CACHE_HELP + " (with --gpu; as kvplan fit)"),
    engine_version: Optional[str] = typer.Option(None, "--engine-version", metavar="VERSION",
                                                 help=ENGINE_VERSION_HELP + " (with --gpu)"),
    gpu_memory_utilization: Optional[str] = typer.Option(None, "--gpu-memory-utilization", "--mem-fraction-static",
                                                         metavar="F", help="the engine's share of the GPU (with "
                                                         "--gpu; as kvplan fit)"),
    kv_dtype: Optional[str] = typer.Option(None, "--kv-dtype", help="KV element format (default: the model's dtype)"),
    weight_dtype: Optional[str] = typer.Option(None, "--weight-dtype", help="weight format (default: as stored)"),
    fmt: Optional[str] = typer.Option(None, "--format", help=FORMAT_HELP),
    wide: bool = typer.Option(False, "--wide", help=WIDE_HELP),
    as_json: bool = typer.Option(False, "--json", help="same as --format json"),
):
    """Models side by side, or one model's what-if variants (GQA, MQA, MLA, a window, a format).

    \b
    Example:
      kvplan compare llama-2-13b --variants mha,gqa:8,mqa,kv:fp8 \\
        --ctx 4096 --gpu h100"""
    from .. import api
    from ..render import perf as render_perf

    def go():
        f = _format(fmt, as_json)
        c, b = _count("--ctx", ctx), _count("--batch", batch)
        specs = [_load(m) for m in models_]
        g = api.load_gpu(gpu) if gpu else None
        opts = _serve_opts(max_model_len, engine, compile_cache, g, engine_version, gpu_memory_utilization)
        _warn_beyond_context(specs, c, opts)
        rows = api.compare(specs, c, b, variants, g, _count("--tp", tp), engine, kv_dtype, weight_dtype, options=opts)
        vs = variants is not None
        if f == "json":
            return _json(rows)
        _note_fit_engine(engine, g, "max batch")
        _show(render_perf.compare_sheet(rows, c, b, bool(vs), g), f, wide)

    _run(go)


@app.command()
def sweep(
    model: str = typer.Argument(..., metavar="MODEL", autocompletion=_complete_model, help=MODEL_HELP),
    ctx: str = typer.Option(..., "--ctx", help="contexts: 1k:128k (doubling), 1k:128k:x4, 1024:8192:+1024, or 1k,4k,8k"),
    batch: str = typer.Option("1", "--batch", "-b", help="batches: 1,8,32 or 1:256 (doubling)"),
    kv_dtype: Optional[str] = typer.Option(None, "--kv-dtype", help="KV formats, comma-separated (fp16,fp8)"),
    gpu: Optional[str] = typer.Option(None, "--gpu", help="add fits, decode time and tokens/s on this GPU"),
    tp: str = typer.Option("1", "--tp", "--tensor-parallel-size", "-tp", "--tp-size", help="tensor-parallel GPUs (with --gpu)"),
    engine: Optional[str] = typer.Option(None, "--engine",
                                         help="layout of the bytes and engine of the verdict column (default: bytes "
                                              "ideal, fits by vLLM's plan, as `kvplan fit`)"),
    max_model_len: Optional[str] = typer.Option(None, "--max-model-len", help="with --gpu: default the model's"),
    compile_cache: Optional[str] = typer.Option(None, "--compile-cache", metavar="warm|cold",
                                                help=COMPILE_CACHE_HELP + " (with --gpu; as kvplan fit)"),
    engine_version: Optional[str] = typer.Option(None, "--engine-version", metavar="VERSION",
                                                 help=ENGINE_VERSION_HELP + " (with --gpu)"),
    gpu_memory_utilization: Optional[str] = typer.Option(None, "--gpu-memory-utilization", "--mem-fraction-static",
                                                         metavar="F", help="the engine's share of the GPU (with "
                                                         "--gpu; as kvplan fit)"),
    weight_dtype: Optional[str] = typer.Option(None, "--weight-dtype", help="weight format (default: as stored)"),
    fmt: Optional[str] = typer.Option(None, "--format", help=FORMAT_HELP),
    wide: bool = typer.Option(False, "--wide", help=WIDE_HELP),
    as_json: bool = typer.Option(False, "--json", help="same as --format json"),
    plot: Optional[str] = typer.Option(None, "--plot", help="write a PNG: KV against context, tokens/s against batch"),
):
    """Every combination of context, batch and KV format, as a table, CSV, JSON or a plot.

    \b
    Example:
      kvplan sweep llama-3.1-8b --ctx 1k:128k --batch 1,8,32 --gpu h100 \\
        --plot kv.png"""
    from .. import api
    from ..render import perf as render_perf
    from ..units import parse_range

    def go():
        f = _format(fmt, as_json)
        ctxs = parse_range("--ctx", ctx)
        batches = parse_range("--batch", batch)
        kvs = [k.strip() for k in kv_dtype.split(",")] if kv_dtype else [None]
        spec = _load(model)
        g = api.load_gpu(gpu) if gpu else None
        opts = _serve_opts(max_model_len, engine, compile_cache, g, engine_version, gpu_memory_utilization)
        _warn_beyond_context([spec], max(ctxs), opts)
        total = len(ctxs) * len(kvs)
        if plot is not None and not plot.lower().endswith(".png"):
            raise KvplanError(f"--plot writes a PNG; give a file name ending in .png, got '{plot}'")
        if total * len(batches) > 20_000 and sys.stderr.isatty():
            from rich.progress import Progress

            with Progress(transient=True) as bar:
                task = bar.add_task("sweeping", total=total * len(batches))
                res = api.sweep(spec, ctxs, batches, kvs, g, _count("--tp", tp), engine, weight_dtype,
                                progress=lambda n: bar.advance(task, n), options=opts)
        else:
            res = api.sweep(spec, ctxs, batches, kvs, g, _count("--tp", tp), engine, weight_dtype, options=opts)
        if plot is not None:
            from ..render.plots import sweep_plot

            sweep_plot(res, plot, f"{spec.name} · layout {res['engine']}" + (f" · {g.name}" if g else ""))
            sys.stderr.write(f"kvplan: wrote {plot}\n")
        if f == "json":
            return _json({"model": spec.name, "engine": res["engine"], "gpu": g.name if g else None,
                          "tp": res["tp"], "kv_budget_bytes": res["kv_budget_bytes"],
                          "kv_budget_bytes_per_gpu": res["kv_budget_bytes_per_gpu"], "fit_engine": res["fit_engine"],
                          "rows": res["rows"]})
        _note_fit_engine(engine, g, "verdict column")
        _show(render_perf.sweep_sheet(res, spec, g), f, wide)

    _run(go)


def _serve_opts(max_model_len, engine=None, compile_cache=None, gpu=None, engine_version=None, gmu=None):
    """The options compare and sweep plan with; their max batch and verdict column follow vLLM's plan unless
    --engine names another (``_note_fit_engine``)."""
    from .. import api

    for name, v in (("--compile-cache", compile_cache), ("--engine-version", engine_version),
                    ("--gpu-memory-utilization", gmu)):
        if v is not None and gpu is None:  # no start-up is planned without a GPU: not dropped unsaid
            raise KvplanError(f"{name} is for vLLM's start-up on a GPU; give --gpu or leave it out")
    return api.serve_options(max_model_len=_max_model_len(max_model_len),
                             gpu_memory_utilization=_fraction("--gpu-memory-utilization", gmu),
                             compile_cache=_compile_cache(engine or "vllm", compile_cache),
                             **_engine_version(engine or "vllm", engine_version))


def _warn_beyond_context(specs, ctx: int, opts) -> None:
    for spec in specs:
        limit = opts.max_model_len or spec.max_context
        if limit and ctx > limit:
            what = "--max-model-len" if opts.max_model_len else f"{spec.name}'s max context"
            _say("warning", f"ctx {ctx:,} is beyond {what} ({limit:,})")


def _note_fit_engine(engine, gpu, what: str) -> None:
    """Say which plan ``what`` (compare's max batch, sweep's verdict column) follows when it is not the bytes'
    layout."""
    if gpu is not None and engine is None:
        # one line within 80 columns; --engine plans both in one engine
        _say("note", f"bytes: ideal layout; {what}: vLLM's plan, as in fit")
