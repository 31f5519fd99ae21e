"""The command line: parse, call the library, render. Errors become one line and exit 2."""
from __future__ import annotations

import re
import sys
from typing import Optional

import typer

from .errors import KvplanError

app = typer.Typer(add_completion=False, no_args_is_help=False, pretty_exceptions_enable=False,
                  rich_markup_mode=None, invoke_without_command=True,
                  context_settings={"help_option_names": ["-h", "--help"]},
                  help="kvplan: exact KV-cache sizes, per engine layout, for the models people run.")


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("kvplan")
    except PackageNotFoundError:  # a source checkout that was not installed
        return "0+unknown"


@app.callback()
def _root(ctx: typer.Context,
          show_version: bool = typer.Option(False, "--version", help="print kvplan's version and exit")):
    """kvplan: exact KV-cache sizes, per engine layout, for the models people run."""
    if show_version:
        sys.stdout.write(f"kvplan {_version()}\n")
        raise typer.Exit(0)
    if ctx.invoked_subcommand is None:  # bare `kvplan`: the overview, exit 0
        sys.stdout.write(ctx.get_help() + "\n")
        raise typer.Exit(0)


def _fail(msg: str, code: int = 2):
    sys.stderr.write(f"kvplan: error: {msg}\n")
    raise typer.Exit(code)


_SUFFIX = {"k": 10**3, "m": 10**6, "g": 10**9, "t": 10**12,
           "K": 2**10, "M": 2**20, "G": 2**30, "T": 2**40}


def _count(name: str, text: str) -> int:
    """Parse a positive whole number as people write it: ``4096``, ``4_096``, ``4,096``, and
    vLLM's suffixes (vllm/utils/argparse_utils.py human_readable_int): ``128k`` = 128,000,
    ``128K`` = 131,072, ``25.6k`` = 25,600, ``1M`` = 1,048,576. What is not a whole number of
    tokens (``4096.5``, ``1.5K``) is one clear error."""
    from fractions import Fraction

    t = str(text).strip().replace("_", "").replace(",", "")
    m = re.fullmatch(r"(\d+(?:\.\d+)?)([kKmMgGtT]?)", t)
    value = None
    if m and (m.group(2) or "." not in m.group(1)):
        v = Fraction(m.group(1)) * _SUFFIX.get(m.group(2), 1)
        if m.group(2).isupper() and "." in m.group(1):
            v = None  # vLLM: no decimals with binary suffixes
        value = int(v) if v is not None and v.denominator == 1 else None
    if value is None or value < 1:
        raise KvplanError(f"{name} must be a positive whole number, got '{text}' "
                          "(write 4096, 4,096, 128k = 128,000 or 128K = 131,072)")
    return value


_SIZE_UNITS = {"": 1, "b": 1, "kb": 10**3, "mb": 10**6, "gb": 10**9, "tb": 10**12,
               "kib": 2**10, "mib": 2**20, "gib": 2**30, "tib": 2**40}


def _size(name: str, text: str | None) -> int | None:
    """Parse a memory size: bytes (``64424509440``, ``64_424_509_440``) or a number with a
    unit (``60GiB``, ``8GB``, ``1.5 GiB``); GB = 10^9, GiB = 2^30. Fractions round down."""
    if text is None:
        return None
    from fractions import Fraction

    t = str(text).strip().replace("_", "").replace(",", "")
    m = re.fullmatch(r"(\d+(?:\.\d+)?)\s*([A-Za-z]*)", t)
    unit = m.group(2).lower() if m else ""
    if not m or unit not in _SIZE_UNITS:
        raise KvplanError(f"{name} must be a size like 60GiB, 8GB or a byte count, got '{text}'")
    n = int(Fraction(m.group(1)) * _SIZE_UNITS[unit])
    if n < 0:
        raise KvplanError(f"{name} must not be negative, got '{text}'")
    return n


def _fraction(name: str, text: str | None) -> float | None:
    if text is None:
        return None
    try:
        v = float(text)
    except ValueError:
        raise KvplanError(f"{name} must be a number in (0, 1], got '{text}'") from None
    if not 0 < v <= 1:
        raise KvplanError(f"{name} must be a number in (0, 1], got '{text}'")
    return v


def _load(model: str):
    """The spec for a model reference; a variant read as its base model is said on stderr."""
    from . import catalog

    notes: list[str] = []
    spec = catalog.load_model(model, notes)
    for n in notes:
        sys.stderr.write(f"kvplan: note: {n}\n")
    return spec


def _llamacpp_opts(cache_type_k, cache_type_v, ubatch_size, swa_full, flash_attn, **more):
    from .engines import ServeOptions

    fa = str(flash_attn).strip().lower()
    if fa not in ("on", "off"):
        raise KvplanError(f"--flash-attn must be on or off, got '{flash_attn}'")
    return ServeOptions(cache_type_k=cache_type_k, cache_type_v=cache_type_v,
                        ubatch_size=None if ubatch_size is None else _count("--ubatch-size", ubatch_size),
                        swa_full=swa_full, flash_attn=fa == "on", **more)


def _print(obj) -> None:
    from rich.console import Console

    Console(width=max(140, Console().width)).print(obj)


def _json(obj) -> None:
    from .render import dumps

    sys.stdout.write(dumps(obj) + "\n")


def _run(fn):
    """Call fn; turn library errors into one line and exit 2."""
    try:
        return fn()
    except KvplanError as e:
        _fail(str(e))


@app.command()
def size(
    model: str = typer.Argument(..., metavar="MODEL",
                                help="catalog name or alias, a YAML spec, or a config.json (or its folder)"),
    ctx: str = typer.Option(..., "--ctx", help="tokens per sequence (prompt + generated)"),
    batch: str = typer.Option("1", "--batch", "-b", help="sequences decoded together"),
    kv_dtype: Optional[str] = typer.Option(None, "--kv-dtype", help="KV element format (default: the model's dtype)"),
    weight_dtype: Optional[str] = typer.Option(None, "--weight-dtype", help="weight format (default: the model's dtype)"),
    engine: str = typer.Option("ideal", "--engine",
                               help="layout: ideal (tight cache), hf (DynamicCache), hf-static (StaticCache), "
                                    "vllm, trtllm (paged blocks), sglang (token pool), llamacpp, or all"),
    as_json: bool = typer.Option(False, "--json", help="print one JSON object"),
    explain: bool = typer.Option(False, "--explain", help="print the equation with the numbers substituted"),
    text_only: bool = typer.Option(False, "--text-only", help="leave vision/audio towers out of the weights"),
    cache_type_k: Optional[str] = typer.Option(None, "--cache-type-k", "-ctk", help="llama.cpp: K cache type (f16, q8_0, ...)"),
    cache_type_v: Optional[str] = typer.Option(None, "--cache-type-v", "-ctv", help="llama.cpp: V cache type"),
    ubatch_size: Optional[str] = typer.Option(None, "--ubatch-size", "-ub", help="llama.cpp: micro-batch (512)"),
    swa_full: bool = typer.Option(False, "--swa-full", help="llama.cpp: full-size cache for sliding layers"),
    flash_attn: str = typer.Option("on", "--flash-attn", "-fa", help="llama.cpp: on (default) or off"),
):
    """How big the KV cache is at this context and batch."""
    from . import memory, render

    def go():
        c, b = _count("--ctx", ctx), _count("--batch", batch)
        opts = _llamacpp_opts(cache_type_k, cache_type_v, ubatch_size, swa_full, flash_attn)
        spec = _load(model)
        if engine.strip().lower() == "all":
            from .engines import MODULES
            from .engines import get as get_engine

            reports = []
            for e in MODULES:
                try:
                    get_engine(e).check(spec)
                except KvplanError as err:  # a layout that does not model a kind is left out, said why
                    sys.stderr.write(f"kvplan: note: {err}\n")
                    continue
                reports.append(memory.kv_size(spec, c, b, kv_dtype, e, weight_dtype, text_only, opts))
            for w in reports[0].warnings:
                sys.stderr.write(f"kvplan: warning: {w}\n")
            if as_json:
                return _json({"model": spec.name, "ctx": c, "batch": b,
                              "engines": [render.size_json(r) for r in reports]})
            return _print(render.engines_table(reports, spec))
        report = memory.kv_size(spec, c, b, kv_dtype, engine, weight_dtype, text_only, opts)
        for w in report.warnings:
            sys.stderr.write(f"kvplan: warning: {w}\n")
        if as_json:
            return _json(render.size_json(report))
        _print(render.size_table(report, spec))
        if explain:
            _print(render.explain(report, spec))

    _run(go)


@app.command()
def fit(
    model: str = typer.Argument(..., metavar="MODEL",
                                help="catalog name or alias, a YAML spec, or a config.json (or its folder)"),
    gpu: str = typer.Option(..., "--gpu", help="GPU name (see `kvplan gpus`)"),
    ctx: Optional[str] = typer.Option(None, "--ctx", help="tokens per sequence: answer the largest batch"),
    batch: Optional[str] = typer.Option(None, "--batch", "-b", help="sequences: answer the longest context each"),
    tp: str = typer.Option("1", "--tp", "--tensor-parallel-size", help="tensor-parallel GPUs"),
    pp: str = typer.Option("1", "--pp", "--pipeline-parallel-size", help="pipeline stages"),
    engine: str = typer.Option("vllm", "--engine", help="vllm (default), sglang, trtllm, llamacpp, ideal, hf or hf-static"),
    kv_dtype: Optional[str] = typer.Option(None, "--kv-dtype", help="KV element format, kvplan's names"),
    kv_cache_dtype: Optional[str] = typer.Option(None, "--kv-cache-dtype",
                                                 help="vLLM's names: auto, fp8, fp8_e4m3, fp8_e5m2"),
    weight_dtype: Optional[str] = typer.Option(None, "--weight-dtype", help="weight format (default: the model's dtype)"),
    gpu_memory_utilization: Optional[str] = typer.Option(None, "--gpu-memory-utilization", "--mem-fraction-static",
                                                         help="the engine's share of the GPU (vLLM: 0.9; SGLang's "
                                                              "--mem-fraction-static)"),
    kv_cache_memory: Optional[str] = typer.Option(None, "--kv-cache-memory", "--kv-cache-memory-bytes",
                                                  help="fix the KV budget per GPU (60GiB, 8GB, bytes)"),
    max_model_len: Optional[str] = typer.Option(None, "--max-model-len", help="default: the model's max context"),
    block_size: Optional[str] = typer.Option(None, "--block-size", "--page-size",
                                             help="tokens per KV block (vLLM picks by backend; SGLang's --page-size, 1)"),
    max_num_batched_tokens: Optional[str] = typer.Option(None, "--max-num-batched-tokens"),
    max_num_seqs: Optional[str] = typer.Option(None, "--max-num-seqs"),
    enforce_eager: bool = typer.Option(False, "--enforce-eager", help="no CUDA graphs (no graph memory)"),
    activation_memory: Optional[str] = typer.Option(None, "--activation-memory", help="override the activation-peak estimate"),
    cuda_graph_memory: Optional[str] = typer.Option(None, "--cuda-graph-memory", help="override the CUDA-graph estimate"),
    non_torch_memory: Optional[str] = typer.Option(None, "--non-torch-memory", help="override the non-torch estimate"),
    text_only: bool = typer.Option(False, "--text-only", help="leave vision/audio towers out of the weights"),
    cache_type_k: Optional[str] = typer.Option(None, "--cache-type-k", "-ctk", help="llama.cpp: K cache type (f16, q8_0, ...)"),
    cache_type_v: Optional[str] = typer.Option(None, "--cache-type-v", "-ctv", help="llama.cpp: V cache type"),
    ubatch_size: Optional[str] = typer.Option(None, "--ubatch-size", "-ub", help="llama.cpp: micro-batch (512)"),
    swa_full: bool = typer.Option(False, "--swa-full", help="llama.cpp: full-size cache for sliding layers"),
    flash_attn: str = typer.Option("on", "--flash-attn", "-fa", help="llama.cpp: on (default) or off"),
    lengths: Optional[str] = typer.Option(None, "--lengths",
                                          help="your traffic: uniform:A-B, normal:MEAN,STD, lognormal:MEDIAN,SIGMA, "
                                               "or a file of lengths (or CSV prompt_tokens,output_tokens)"),
    requests: str = typer.Option("1000", "--requests", help="requests sampled from a --lengths distribution"),
    seed: str = typer.Option("0", "--seed", help="seed for sampling --lengths"),
    shared_prefix: str = typer.Option("0", "--shared-prefix", help="prompt tokens common to every request"),
    as_json: bool = typer.Option(False, "--json", help="print one JSON object"),
    explain: bool = typer.Option(False, "--explain", help="show the arithmetic"),
):
    """What fits on one GPU or several: batch at --ctx, context at --batch, KV capacity."""
    from . import catalog, render
    from . import fit as fitmod

    def opt_count(name, v):
        return None if v is None else _count(name, v)

    def go():
        if kv_dtype is not None and kv_cache_dtype is not None:
            raise KvplanError("give --kv-dtype or --kv-cache-dtype, not both")
        kvd = kv_dtype
        if kv_cache_dtype is not None:
            from .engines.vllm import KV_CACHE_DTYPES

            key = kv_cache_dtype.strip().lower()
            if key != "auto" and key not in KV_CACHE_DTYPES:
                raise KvplanError(f"--kv-cache-dtype '{kv_cache_dtype}' is not one kvplan models; "
                                  f"known: auto, {', '.join(KV_CACHE_DTYPES)}")
            kvd = None if key == "auto" else KV_CACHE_DTYPES[key]
        opts = _llamacpp_opts(
            cache_type_k, cache_type_v, ubatch_size, swa_full, flash_attn,
            max_model_len=opt_count("--max-model-len", max_model_len),
            gpu_memory_utilization=_fraction("--gpu-memory-utilization", gpu_memory_utilization),
            kv_cache_memory=_size("--kv-cache-memory", kv_cache_memory),
            block_size=opt_count("--block-size", block_size),
            max_num_batched_tokens=opt_count("--max-num-batched-tokens", max_num_batched_tokens),
            max_num_seqs=opt_count("--max-num-seqs", max_num_seqs), enforce_eager=enforce_eager,
            activation_bytes=_size("--activation-memory", activation_memory),
            cuda_graph_bytes=_size("--cuda-graph-memory", cuda_graph_memory),
            non_torch_bytes=_size("--non-torch-memory", non_torch_memory))
        spec = _load(model)
        g = catalog.load_gpu(gpu)
        traffic = None
        if lengths is not None:
            sp = str(shared_prefix).strip()
            traffic = fitmod.Traffic(lengths, _count("--requests", requests),
                                     int(seed) if re.fullmatch(r"\d+", str(seed).strip()) else _count("--seed", seed),
                                     0 if sp == "0" else _count("--shared-prefix", sp))
        r = fitmod.fit(spec, g, _count("--tp", tp), _count("--pp", pp), engine, kvd, weight_dtype,
                       opt_count("--ctx", ctx), opt_count("--batch", batch), opts, text_only,
                       traffic=traffic)
        if as_json:
            _json(render.fit_json(r))
        else:
            _print(render.fit_table(r, spec, explain))
        if not r.fits:
            raise typer.Exit(1)

    _run(go)


@app.command()
def models(as_json: bool = typer.Option(False, "--json", help="print JSON")):
    """List the models in the catalog."""
    from . import catalog, render

    def go():
        specs = catalog.all_models()
        _json(render.models_json(specs)) if as_json else _print(render.models_table(specs))

    _run(go)


@app.command()
def show(model: str = typer.Argument(..., metavar="MODEL", help="catalog name or alias, a YAML spec, or a config.json"),
         as_json: bool = typer.Option(False, "--json", help="print JSON")):
    """A model's layers, kinds and geometry, with its source."""
    from . import render

    def go():
        spec = _load(model)
        _json(render.show_json(spec)) if as_json else _print(render.show_table(spec))

    _run(go)


@app.command()
def gpus(as_json: bool = typer.Option(False, "--json", help="print JSON")):
    """List the GPUs kvplan knows, with memory, bandwidth and dense throughput."""
    from . import catalog, render

    def go():
        gs = catalog.gpus()
        _json(render.gpus_json(gs)) if as_json else _print(render.gpus_table(gs))

    _run(go)


@app.command(name="import")
def import_(config: str = typer.Argument(..., metavar="CONFIG", help="path to a Hugging Face config.json (or its folder)"),
            name: Optional[str] = typer.Option(None, "--name", help="spec name (default: from the path)"),
            source: Optional[str] = typer.Option(None, "--source", help="URL the config came from")):
    """Convert a Hugging Face config.json into a kvplan YAML spec (printed)."""
    from pathlib import Path

    from . import hf, specyaml

    def go():
        spec = hf.load(Path(config), name)
        if source:
            spec = spec.model_copy(update={"source": source})
        sys.stdout.write(specyaml.dump(spec))

    _run(go)


def main():  # console script entry point
    """Run the app; usage errors (unknown option, missing --ctx) also end in one line, exit 2."""
    try:
        code = app(standalone_mode=False)
    except KeyboardInterrupt:
        sys.stderr.write("kvplan: interrupted\n")
        sys.exit(130)
    except BrokenPipeError:  # `kvplan models | head`
        sys.stderr.close()
        sys.exit(0)
    except OSError as e:  # a file the OS refuses (permissions, a name too long): one line
        name = f": {str(e.filename)[:80]}" if getattr(e, "filename", None) else ""
        sys.stderr.write(f"kvplan: error: {e.strerror or e}{name}\n")
        sys.exit(2)
    except Exception as e:  # click's UsageError family, as vendored by typer: duck-typed
        if not (hasattr(e, "format_message") and hasattr(e, "exit_code")):
            raise
        ctx = getattr(e, "ctx", None)
        hint = f" (see `{ctx.command_path} --help`)" if ctx is not None else ""
        sys.stderr.write(f"kvplan: error: {e.format_message()}{hint}\n")
        sys.exit(e.exit_code)
    sys.exit(code if isinstance(code, int) else 0)
