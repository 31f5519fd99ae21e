"""kvplan size: how big the cache is (kvplan fit, what fits on a GPU, is in fit.py: a `size` run
does not build fit's sixty options; benchmarks/startup.py)."""
from __future__ import annotations

from typing import Optional

import typer

from .root import app
from .common import (FORMAT_HELP, flag_message, MODEL_HELP, PARALLEL_HELP, UNIFIED_HELP, WIDE_HELP, _complete_model,
                     _count, _default_engine, _format, _json, _llamacpp_opts, _load, _note_llamacpp_flags, _run,
                     _say, _show, _size)


@app.command()
def size(
    model: str = typer.Argument(..., metavar="MODEL", autocompletion=_complete_model,
                                help=MODEL_HELP),
    ctx: str = typer.Option(..., "--ctx", help="tokens per sequence (prompt + generated)"),
    batch: str = typer.Option("1", "--batch", "-b", help="sequences decoded together"),
    kv_dtype: Optional[str] = typer.Option(None, "--kv-dtype", help="KV element format (default: the model's dtype)"),
    weight_dtype: Optional[str] = typer.Option(None, "--weight-dtype", help="weight format (default: the model's dtype)"),
    engine: Optional[str] = typer.Option(None, "--engine",
                                         help="layout: ideal (tight cache, the default), hf (DynamicCache), "
                                              "hf-static (StaticCache), vllm, trtllm (paged blocks), sglang "
                                              "(token pool), llamacpp (the default for a .gguf), or all"),
    as_json: bool = typer.Option(False, "--json", help="print one JSON object"),
    explain: bool = typer.Option(False, "--explain", help="print the equation with the numbers substituted"),
    text_only: bool = typer.Option(False, "--text-only", help="leave vision/audio towers out of the weights"),
    cache_type_k: Optional[str] = typer.Option(None, "--cache-type-k", "-ctk", help="llama.cpp: K cache type (f16, q8_0, ...)"),
    cache_type_v: Optional[str] = typer.Option(None, "--cache-type-v", "-ctv", help="llama.cpp: V cache type"),
    ubatch_size: Optional[str] = typer.Option(None, "--ubatch-size", "-ub", help="llama.cpp: micro-batch (512)"),
    swa_full: bool = typer.Option(False, "--swa-full", help="llama.cpp: full-size cache for sliding layers"),
    flash_attn: str = typer.Option("on", "--flash-attn", "-fa", help="llama.cpp: on (default) or off"),
    parallel: Optional[str] = typer.Option(None, "--parallel", "-np", help=PARALLEL_HELP),
    kv_unified: bool = typer.Option(False, "--kv-unified", "-kvu", help=UNIFIED_HELP),
    n_gpu_layers: Optional[str] = typer.Option(None, "--n-gpu-layers", "-ngl", "--gpu-layers",
                                               help="llama.cpp: layers on the GPU (output layer counts one)"),
    no_kv_offload: bool = typer.Option(False, "--no-kv-offload", "-nkvo", help="llama.cpp: KV cache in host memory"),
    fmt: Optional[str] = typer.Option(None, "--format", help=FORMAT_HELP),
    wide: bool = typer.Option(False, "--wide", help=WIDE_HELP),
):
    """How big the KV cache is at this context and batch.

    \b
    Example:
      kvplan size llama-3.1-8b --ctx 128k --batch 4 --kv-dtype fp8 --engine vllm"""
    from .. import api
    from ..render import tables as render

    def go():
        f = _format(fmt, as_json)
        c, b = _count("--ctx", ctx), _count("--batch", batch)
        opts = _llamacpp_opts(cache_type_k, cache_type_v, ubatch_size, swa_full, flash_attn, parallel, kv_unified)
        spec = _load(model)
        eng = engine or _default_engine(model, "ideal")
        from ..engines import tier_flags  # issue 23: llama.cpp's -ngl / -nkvo, as fit reads them

        opts = tier_flags.extras(opts, eng, False, None, None, None, n_gpu_layers, no_kv_offload, None, _size)
        _note_llamacpp_flags(eng, cache_type_k, cache_type_v, ubatch_size, swa_full, flash_attn, parallel, kv_unified)
        if eng.strip().lower() == "all":
            reports, left_out = api.size_all(spec, c, b, kv_dtype, weight_dtype, text_only, options=opts)
            for err in left_out:  # a layout that does not model a kind is left out, said why
                _say("note", flag_message(err))
            for w in reports[0].warnings:
                _say("warning", w)
            if f == "json":
                return _json({"model": spec.name, "ctx": c, "batch": b,
                              "engines": [render.size_json(r, explain) for r in reports]})
            return _show(render.engines_table(reports, spec), f, wide)
        report = api.size(spec, c, b, kv_dtype, eng, weight_dtype, text_only, options=opts)
        for w in report.warnings:
            _say("warning", w)
        if f == "json":
            return _json(render.size_json(report, explain))
        parts = render.size_table(report, spec)
        _show(parts + ([render.explain(report, spec)] if explain else []), f, wide)

    _run(go)
