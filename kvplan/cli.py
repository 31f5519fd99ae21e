"""The command line: parse, call the library, render. Errors become one line and exit 2."""
from __future__ import annotations

import re
import sys
from typing import Optional

import typer

from .errors import KvplanError

app = typer.Typer(add_completion=True, no_args_is_help=False, pretty_exceptions_enable=False,
                  rich_markup_mode=None, invoke_without_command=True,
                  context_settings={"help_option_names": ["-h", "--help"]},
                  help="kvplan: exact KV-cache sizes, per engine layout, for the models people run.")


MODEL_HELP = ("catalog name or alias, a Hugging Face repo id (from the local cache), a YAML spec, a config.json "
              "(or its folder), or a .gguf file")


def _complete_model(incomplete: str) -> list[str]:
    """Shell completion of MODEL: catalog names (`kvplan --install-completion`)."""
    from .sources import catalog

    return [n for n in catalog.model_names() if n.startswith(incomplete.lower())]


def _complete_gpu(incomplete: str) -> list[str]:
    from .sources import catalog

    return [g.name for g in catalog.gpus() if g.name.startswith(incomplete.lower())]


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


def _times(number: str, mult: int) -> tuple[int, bool]:
    """A decimal string (``25.6``) times ``mult``, exactly, in ints: (rounded down, whether whole)."""
    whole, _, frac = number.partition(".")
    num, den = int(whole + frac) * mult, 10 ** len(frac)
    return num // den, num % den == 0


def _count(name: str, text: str) -> int:
    """Parse a positive whole number as people write it: ``4096``, ``4_096``, ``4,096``, and
    vLLM's suffixes (vllm/utils/argparse_utils.py human_readable_int): ``128k`` = 128,000,
    ``128K`` = 131,072, ``25.6k`` = 25,600, ``1M`` = 1,048,576. What is not a whole number of
    tokens (``4096.5``, ``1.5K``) is one clear error."""
    t = str(text).strip().replace("_", "").replace(",", "")
    m = re.fullmatch(r"(\d+(?:\.\d+)?)([kKmMgGtT]?)", t)
    value = None
    # vLLM: decimals only with a decimal suffix (25.6k), never with a binary one (1.5K)
    if m and (m.group(2).islower() or "." not in m.group(1)):
        v, whole = _times(m.group(1), _SUFFIX.get(m.group(2), 1))
        value = v if whole else None
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
    t = str(text).strip().replace("_", "").replace(",", "")
    m = re.fullmatch(r"(\d+(?:\.\d+)?)\s*([A-Za-z]*)", t)
    unit = m.group(2).lower() if m else ""
    if not m or unit not in _SIZE_UNITS:
        raise KvplanError(f"{name} must be a size like 60GiB, 8GB or a byte count, got '{text}'")
    n = _times(m.group(1), _SIZE_UNITS[unit])[0]
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
    from .sources import catalog

    notes: list[str] = []
    spec = catalog.load_model(model, notes)
    for n in notes:
        sys.stderr.write(f"kvplan: note: {n}\n")
    return spec


def _default_engine(model: str, default: str) -> str:
    """llama.cpp's layout for a GGUF file (the only engine that runs one), else ``default``."""
    return "llamacpp" if model.strip().lower().endswith(".gguf") else default


def _llamacpp_opts(cache_type_k, cache_type_v, ubatch_size, swa_full, flash_attn, parallel=None,
                   kv_unified=False, **more):
    from .engines import ServeOptions

    fa = str(flash_attn).strip().lower()
    if fa not in ("on", "off"):
        raise KvplanError(f"--flash-attn must be on or off, got '{flash_attn}'")
    return ServeOptions(cache_type_k=cache_type_k, cache_type_v=cache_type_v,
                        ubatch_size=None if ubatch_size is None else _count("--ubatch-size", ubatch_size),
                        swa_full=swa_full, flash_attn=fa == "on",
                        parallel=None if parallel is None else _count("--parallel", parallel),
                        kv_unified=kv_unified, **more)


def _note_llamacpp_flags(engine: str, cache_type_k, cache_type_v, ubatch_size, swa_full, flash_attn, parallel,
                         kv_unified) -> None:
    """Say so when llama.cpp's own flags are given to another engine's layout (which ignores them)."""
    if engine.strip().lower() in ("llamacpp", "all"):
        return
    given = [flag for flag, v in (("--cache-type-k", cache_type_k), ("--cache-type-v", cache_type_v),
                                  ("--ubatch-size", ubatch_size), ("--swa-full", swa_full),
                                  ("--flash-attn", str(flash_attn).strip().lower() != "on"),
                                  ("--parallel", parallel), ("--kv-unified", kv_unified)) if v]
    if given:
        what = "is a llama.cpp option" if len(given) == 1 else "are llama.cpp options"
        sys.stderr.write(f"kvplan: note: {', '.join(given)} {what}; the {engine} layout ignores "
                         f"{'it' if len(given) == 1 else 'them'} (--engine llamacpp uses them)\n")


PARALLEL_HELP = "llama.cpp: slots (llama-server --parallel; default one per sequence, --batch)"
UNIFIED_HELP = "llama.cpp: the slots share one cache stream (llama-server's default without --parallel)"


def _width() -> int:
    """The terminal's width: COLUMNS when set, else the terminal's own, else 80."""
    import os

    env = os.environ.get("COLUMNS", "")
    if env.isdigit() and int(env) > 0:
        return int(env)
    try:
        return os.get_terminal_size(sys.stdout.fileno()).columns if sys.stdout.isatty() else 80
    except (OSError, ValueError):
        return 80


def _show(parts, fmt: str = "table", wide: bool = False) -> None:
    """Print a command's tables and text: to the terminal's width (80 when not a terminal,
    unless COLUMNS says otherwise), as CSV (the first table's raw values) or as Markdown."""
    from .render.sheet import Sheet, to_csv, to_md, to_text

    parts = parts if isinstance(parts, list) else [parts]
    sheets = [p for p in parts if isinstance(p, Sheet)]
    if fmt == "csv":
        sys.stdout.write(to_csv(sheets) + "\n")
    elif fmt == "md":
        text = [p for p in parts if isinstance(p, str)]
        sys.stdout.write(to_md(sheets) + "".join(f"\n\n{t}" for t in text if t) + "\n")
    else:
        sys.stdout.write(to_text(parts, _width(), wide))


_FORMATS = ("table", "json", "csv", "md")
FORMAT_HELP = "table (default; fits the terminal), json, csv (raw values) or md"
WIDE_HELP = "show every column even where the terminal is narrower"


def _format(fmt: str | None, as_json: bool) -> str:
    f = "json" if as_json else (fmt or "table").strip().lower()
    if f not in _FORMATS:
        raise KvplanError(f"--format must be one of {', '.join(_FORMATS)}, got '{fmt}'")
    return f


def _json(obj) -> None:
    """One JSON document; an object also says which kvplan wrote it (lists stay lists of rows)."""
    from . import __version__
    from .render.tables import dumps

    if isinstance(obj, dict) and "kvplan_version" not in obj:
        obj = {**obj, "kvplan_version": __version__}
    sys.stdout.write(dumps(obj) + "\n")


def _run(fn):
    """Call fn; turn library errors into one line and exit 2."""
    try:
        return fn()
    except KvplanError as e:
        _fail(str(e))


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
    fmt: Optional[str] = typer.Option(None, "--format", help=FORMAT_HELP),
    wide: bool = typer.Option(False, "--wide", help=WIDE_HELP),
):
    """How big the KV cache is at this context and batch.

    Example: kvplan size llama-3.1-8b --ctx 128k --batch 4 --kv-dtype fp8 --engine vllm"""
    from .plan import size as memory
    from .render import tables as render

    def go():
        f = _format(fmt, as_json)
        c, b = _count("--ctx", ctx), _count("--batch", batch)
        opts = _llamacpp_opts(cache_type_k, cache_type_v, ubatch_size, swa_full, flash_attn, parallel, kv_unified)
        spec = _load(model)
        eng = engine or _default_engine(model, "ideal")
        _note_llamacpp_flags(eng, cache_type_k, cache_type_v, ubatch_size, swa_full, flash_attn, parallel, kv_unified)
        if eng.strip().lower() == "all":
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
            if f == "json":
                return _json({"model": spec.name, "ctx": c, "batch": b,
                              "engines": [render.size_json(r, explain) for r in reports]})
            return _show(render.engines_table(reports, spec), f, wide)
        report = memory.kv_size(spec, c, b, kv_dtype, eng, weight_dtype, text_only, opts)
        for w in report.warnings:
            sys.stderr.write(f"kvplan: warning: {w}\n")
        if f == "json":
            return _json(render.size_json(report, explain))
        parts = render.size_table(report, spec)
        _show(parts + ([render.explain(report, spec)] if explain else []), f, wide)

    _run(go)


@app.command()
def fit(
    model: str = typer.Argument(..., metavar="MODEL", autocompletion=_complete_model,
                                help=MODEL_HELP),
    gpu: str = typer.Option(..., "--gpu", help="GPU name (see `kvplan gpus`)", autocompletion=_complete_gpu),
    ctx: Optional[str] = typer.Option(None, "--ctx", help="tokens per sequence: answer the largest batch"),
    batch: Optional[str] = typer.Option(None, "--batch", "-b", help="sequences: answer the longest context each"),
    tp: str = typer.Option("1", "--tp", "--tensor-parallel-size", help="tensor-parallel GPUs"),
    pp: str = typer.Option("1", "--pp", "--pipeline-parallel-size", help="pipeline stages"),
    engine: Optional[str] = typer.Option(None, "--engine", help="vllm (default; llamacpp for a .gguf), sglang, "
                                                                "trtllm, llamacpp, ideal, hf or hf-static"),
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
    parallel: Optional[str] = typer.Option(None, "--parallel", "-np", help=PARALLEL_HELP),
    kv_unified: bool = typer.Option(False, "--kv-unified", "-kvu", help=UNIFIED_HELP),
    lengths: Optional[str] = typer.Option(None, "--lengths",
                                          help="your traffic: uniform:A-B, normal:MEAN,STD, lognormal:MEDIAN,SIGMA, "
                                               "or a file of lengths (or CSV prompt_tokens,output_tokens)"),
    requests: str = typer.Option("1000", "--requests", help="requests sampled from a --lengths distribution"),
    seed: str = typer.Option("0", "--seed", help="seed for sampling --lengths"),
    shared_prefix: str = typer.Option("0", "--shared-prefix", help="prompt tokens common to every request"),
    as_json: bool = typer.Option(False, "--json", help="print one JSON object"),
    explain: bool = typer.Option(False, "--explain", help="show the arithmetic"),
    fmt: Optional[str] = typer.Option(None, "--format", help=FORMAT_HELP),
    wide: bool = typer.Option(False, "--wide", help=WIDE_HELP),
):
    """What fits on one GPU or several: batch at --ctx, context at --batch, KV capacity.

    Example: kvplan fit llama-3.1-70b --gpu h100 --tensor-parallel-size 2 --ctx 8k"""
    from .sources import catalog
    from .render import tables as render
    from .plan import fit as fitmod

    def opt_count(name, v):
        return None if v is None else _count(name, v)

    def go():
        f = _format(fmt, as_json)
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
            cache_type_k, cache_type_v, ubatch_size, swa_full, flash_attn, parallel, kv_unified,
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
        _note_llamacpp_flags(engine or _default_engine(model, "vllm"), cache_type_k, cache_type_v, ubatch_size,
                             swa_full, flash_attn, parallel, kv_unified)
        r = fitmod.fit(spec, g, _count("--tp", tp), _count("--pp", pp), engine or _default_engine(model, "vllm"),
                       kvd, weight_dtype,
                       opt_count("--ctx", ctx), opt_count("--batch", batch), opts, text_only,
                       traffic=traffic)
        if f == "json":
            _json(render.fit_json(r, explain))
        else:
            _show(render.fit_table(r, spec, explain), f, wide)
        if not r.fits:
            raise typer.Exit(1)

    _run(go)


def _number(name: str, text: str | None, low: float = 0.0, high: float | None = None,
            open_low: bool = True) -> float | None:
    """A real number in (low, high] (or [low, high] with open_low False)."""
    if text is None:
        return None
    try:
        v = float(str(text).strip())
    except ValueError:
        v = float("nan")
    ok = v == v and (v > low if open_low else v >= low) and (high is None or v <= high)
    if not ok:
        rng = f"{'(' if open_low else '['}{low:g}, {high:g}]" if high is not None else \
            (f"> {low:g}" if open_low else f">= {low:g}")
        raise KvplanError(f"{name} must be a number {rng}, got '{text}'")
    return v


@app.command()
def perf(
    model: str = typer.Argument(..., metavar="MODEL",
                                help="catalog name or alias, a YAML spec, or a config.json (or its folder)"),
    gpu: str = typer.Option(..., "--gpu", help="GPU name (see `kvplan gpus`)"),
    ctx: str = typer.Option(..., "--ctx", help="tokens each sequence holds when the decode step runs"),
    batch: str = typer.Option("1", "--batch", "-b", help="sequences decoded together"),
    prompt: Optional[str] = typer.Option(None, "--prompt", help="prompt tokens for prefill/TTFT (default: --ctx)"),
    tp: str = typer.Option("1", "--tp", "--tensor-parallel-size", help="tensor-parallel GPUs"),
    kv_dtype: Optional[str] = typer.Option(None, "--kv-dtype", help="KV element format (default: the model's dtype)"),
    weight_dtype: Optional[str] = typer.Option(None, "--weight-dtype", help="weight format (default: as stored)"),
    bw_efficiency: Optional[str] = typer.Option(None, "--bw-efficiency", help="share of datasheet bandwidth reached (default 0.83)"),
    flops_efficiency: Optional[str] = typer.Option(None, "--flops-efficiency", help="share of dense peak reached (default: per GPU)"),
    step_overhead_ms: Optional[str] = typer.Option(None, "--step-overhead-ms", help="fixed cost per forward pass (default 1.6)"),
    new_tokens: str = typer.Option("1000", "--new-tokens", help="tokens generated in the cache-vs-recompute table"),
    no_cache_compare: bool = typer.Option(False, "--no-cache-compare", help="leave out the cache-vs-recompute table"),
    batch_table: bool = typer.Option(False, "--batch-table", help="decode time by batch up to what fits"),
    engine: str = typer.Option("vllm", "--engine", help="engine whose memory plan bounds --batch-table (vllm)"),
    as_json: bool = typer.Option(False, "--json", help="print one JSON object"),
    explain: bool = typer.Option(False, "--explain", help="show the arithmetic with its sources"),
    fmt: Optional[str] = typer.Option(None, "--format", help=FORMAT_HELP),
    wide: bool = typer.Option(False, "--wide", help=WIDE_HELP),
):
    """How fast: prefill (TTFT) and one decode step, as a labelled roofline.

    Example: kvplan perf llama-3.1-8b --gpu h100 --ctx 8k --batch 8 --batch-table"""
    from .sources import catalog
    from .render import perf as render_perf
    from .plan import perf as perfmod

    def go():
        f = _format(fmt, as_json)
        c, b = _count("--ctx", ctx), _count("--batch", batch)
        pr = None if prompt is None else _count("--prompt", prompt)
        n = None if no_cache_compare else _count("--new-tokens", new_tokens)
        spec = _load(model)
        g = catalog.load_gpu(gpu)
        r = perfmod.perf(spec, g, c, b, pr, _count("--tp", tp), kv_dtype, weight_dtype,
                         _number("--bw-efficiency", bw_efficiency, 0, 1),
                         _number("--flops-efficiency", flops_efficiency, 0, 1),
                         _number("--step-overhead-ms", step_overhead_ms, 0, None, open_low=False),
                         n, batch_table, engine)
        for w in r.notes:
            if w.startswith("ctx "):
                sys.stderr.write(f"kvplan: warning: {w}\n")
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
    tp: str = typer.Option("1", "--tp", "--tensor-parallel-size", help="tensor-parallel GPUs (with --gpu)"),
    engine: str = typer.Option("ideal", "--engine", help="layout for the bytes and the max batch (default ideal)"),
    kv_dtype: Optional[str] = typer.Option(None, "--kv-dtype", help="KV element format (default: the model's dtype)"),
    weight_dtype: Optional[str] = typer.Option(None, "--weight-dtype", help="weight format (default: as stored)"),
    fmt: Optional[str] = typer.Option(None, "--format", help=FORMAT_HELP),
    wide: bool = typer.Option(False, "--wide", help=WIDE_HELP),
    as_json: bool = typer.Option(False, "--json", help="same as --format json"),
):
    """Models side by side, or one model's what-if variants (GQA, MQA, MLA, a window, a format).

    Example: kvplan compare llama-2-13b --variants mha,gqa:8,mqa,kv:fp8 --ctx 4096 --gpu h100"""
    from .sources import catalog
    from .render import perf as render_perf
    from .plan import whatif

    def go():
        f = _format(fmt, as_json)
        c, b = _count("--ctx", ctx), _count("--batch", batch)
        specs = [_load(m) for m in models_]
        g = catalog.load_gpu(gpu) if gpu else None
        vs = whatif.parse(variants) if variants is not None else None
        rows = whatif.rows(specs, c, b, kv_dtype, vs, g, engine, weight_dtype, _count("--tp", tp))
        if f == "json":
            return _json(rows)
        _show(render_perf.compare_sheet(rows, c, b, bool(vs), g), f, wide)

    _run(go)


@app.command()
def sweep(
    model: str = typer.Argument(..., metavar="MODEL", help="catalog name or alias, a YAML spec, or a config.json"),
    ctx: str = typer.Option(..., "--ctx", help="contexts: 1k:128k (doubling), 1k:128k:x4, 1024:8192:+1024, or 1k,4k,8k"),
    batch: str = typer.Option("1", "--batch", "-b", help="batches: 1,8,32 or 1:256 (doubling)"),
    kv_dtype: Optional[str] = typer.Option(None, "--kv-dtype", help="KV formats, comma-separated (fp16,fp8)"),
    gpu: Optional[str] = typer.Option(None, "--gpu", help="add fits, decode time and tokens/s on this GPU"),
    tp: str = typer.Option("1", "--tp", "--tensor-parallel-size", help="tensor-parallel GPUs (with --gpu)"),
    engine: str = typer.Option("ideal", "--engine", help="layout of the KV bytes (default ideal)"),
    weight_dtype: Optional[str] = typer.Option(None, "--weight-dtype", help="weight format (default: as stored)"),
    fmt: Optional[str] = typer.Option(None, "--format", help=FORMAT_HELP),
    wide: bool = typer.Option(False, "--wide", help=WIDE_HELP),
    as_json: bool = typer.Option(False, "--json", help="same as --format json"),
    plot: Optional[str] = typer.Option(None, "--plot", help="write a PNG: KV against context, tokens/s against batch"),
):
    """Every combination of context, batch and KV format, as a table, CSV, JSON or a plot.

    Example: kvplan sweep llama-3.1-8b --ctx 1k:128k --batch 1,8,32 --gpu h100 --plot kv.png"""
    from .sources import catalog
    from .render import perf as render_perf
    from .plan import sweep as sw

    def go():
        f = _format(fmt, as_json)
        ctxs = sw.parse_range("--ctx", ctx, _count)
        batches = sw.parse_range("--batch", batch, _count)
        kvs = [k.strip() for k in kv_dtype.split(",")] if kv_dtype else [None]
        spec = _load(model)
        g = catalog.load_gpu(gpu) if gpu else None
        total = len(ctxs) * len(kvs)
        if plot is not None and not plot.lower().endswith(".png"):
            raise KvplanError(f"--plot writes a PNG; give a file name ending in .png, got '{plot}'")
        if total * len(batches) > 20_000 and sys.stderr.isatty():
            from rich.progress import Progress

            with Progress(transient=True) as bar:
                task = bar.add_task("sweeping", total=total * len(batches))
                res = sw.sweep(spec, ctxs, batches, kvs, g, _count("--tp", tp), engine, weight_dtype,
                               progress=lambda n: bar.advance(task, n))
        else:
            res = sw.sweep(spec, ctxs, batches, kvs, g, _count("--tp", tp), engine, weight_dtype)
        if plot is not None:
            sw.plot(res, plot, f"{spec.name} · layout {res['engine']}" + (f" · {g.name}" if g else ""))
            sys.stderr.write(f"kvplan: wrote {plot}\n")
        if f == "json":
            return _json({"model": spec.name, "engine": res["engine"], "gpu": g.name if g else None,
                          "kv_budget_bytes": res["kv_budget_bytes"], "fit_engine": res["fit_engine"],
                          "rows": res["rows"]})
        _show(render_perf.sweep_sheet(res, spec, g), f, wide)

    _run(go)


@app.command()
def models(as_json: bool = typer.Option(False, "--json", help="print JSON"),
           fmt: Optional[str] = typer.Option(None, "--format", help=FORMAT_HELP),
           wide: bool = typer.Option(False, "--wide", help=WIDE_HELP)):
    """List the models in the catalog."""
    from .sources import catalog
    from .render import tables as render

    def go():
        specs = catalog.all_models()
        f = _format(fmt, as_json)
        _json(render.models_json(specs)) if f == "json" else _show(render.models_table(specs), f, wide)

    _run(go)


@app.command()
def show(model: str = typer.Argument(..., metavar="MODEL", autocompletion=_complete_model, help=MODEL_HELP),
         as_json: bool = typer.Option(False, "--json", help="print JSON"),
         fmt: Optional[str] = typer.Option(None, "--format", help=FORMAT_HELP),
         wide: bool = typer.Option(False, "--wide", help=WIDE_HELP)):
    """A model's layers, kinds and geometry, with its source."""
    from .render import tables as render

    def go():
        spec = _load(model)
        f = _format(fmt, as_json)
        _json(render.show_json(spec)) if f == "json" else _show(render.show_table(spec), f, wide)

    _run(go)


@app.command()
def gpus(as_json: bool = typer.Option(False, "--json", help="print JSON"),
         fmt: Optional[str] = typer.Option(None, "--format", help=FORMAT_HELP),
         wide: bool = typer.Option(False, "--wide", help=WIDE_HELP)):
    """List the GPUs kvplan knows, with memory, bandwidth and dense throughput."""
    from .sources import catalog
    from .render import tables as render

    def go():
        gs = catalog.gpus()
        f = _format(fmt, as_json)
        _json(render.gpus_json(gs)) if f == "json" else _show(render.gpus_table(gs), f, wide)

    _run(go)


@app.command(name="import")
def import_(config: str = typer.Argument(..., metavar="CONFIG", help="path to a Hugging Face config.json (or its folder)"),
            name: Optional[str] = typer.Option(None, "--name", help="spec name (default: from the path)"),
            source: Optional[str] = typer.Option(None, "--source", help="URL the config came from")):
    """Convert a Hugging Face config.json into a kvplan YAML spec (printed)."""
    from pathlib import Path

    from .sources import hfconfig as hf, yaml_spec as specyaml

    def go():
        spec = hf.load(Path(config), name)
        if source:
            spec = spec.model_copy(update={"source": source})
        sys.stdout.write(specyaml.dump(spec))

    _run(go)


@app.command(name="check-log")
def check_log(
    log: str = typer.Argument(..., metavar="FILE", help="a vLLM, SGLang or llama.cpp start-up log, or - for stdin"),
    gpu: Optional[str] = typer.Option(None, "--gpu", help="the GPU it ran on (logs do not say; vLLM and SGLang)"),
    model: Optional[str] = typer.Option(None, "--model",
                                        help="the model, when the log's is a path here unknown (any MODEL form)"),
    as_json: bool = typer.Option(False, "--json", help="print one JSON object"),
):
    """Put kvplan's plan beside each figure an engine's start-up log reports, with the error."""
    from .observe import logs
    from .render import tables as render

    def go():
        if log == "-":
            text = sys.stdin.read()
        else:
            from pathlib import Path

            try:
                text = Path(log).read_text(errors="replace")
            except OSError as e:
                raise KvplanError(f"cannot read {log}: {e.strerror or e}") from None
        c = logs.check(logs.parse(text), gpu, model)
        _json(render.check_json(c)) if as_json else _show(render.check_table(c))

    _run(go)


@app.command()
def validate(
    model: Optional[str] = typer.Argument(None, metavar="MODEL", help="catalog name or alias, a YAML spec, or a config.json"),
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
    as_json: bool = typer.Option(False, "--json", help="print one JSON object"),
):
    """Allocate the predicted cache with PyTorch and time a cached decode: predicted beside measured."""

    def go():
        from .validate import report, require_torch
        from .validate.run import validate as check

        require_torch()
        lens = None
        if recompute_lengths is not None:
            text = recompute_lengths.strip().lower()
            lens = [] if text in ("none", "0", "") else [_count("--recompute-lengths", t) for t in text.split(",")]
        common = dict(cuda_graph=cuda_graph, safety_margin=_size("--safety-margin", safety_margin), gpu=gpu)
        if matrix is not None:
            from .validate.matrix import run_matrix

            with report.progress() as say:
                results = run_matrix(matrix, device, _load, progress=say, safety_margin=common["safety_margin"], gpu=gpu)
            md = report.markdown(results)
            if out:
                with open(out, "w") as f:
                    f.write(md)
            if as_json:
                return _json([report.to_json(r) for r in results])
            sys.stdout.write(md if not out else f"wrote {out}: {len(results)} cases\n")
            if not all(r.memory_equal for r in results):
                raise typer.Exit(1)
            return
        if model is None or ctx is None:
            raise KvplanError("give MODEL and --ctx (or --matrix FILE.yaml)")
        from .validate.matrix import command

        spec = _load(model)
        case = dict(model=model, ctx=_count("--ctx", ctx), batch=_count("--batch", batch), kv_dtype=kv_dtype,
                    engine=engine, layers=None if layers is None else _count("--layers", layers), fit=fit,
                    cuda_graph=cuda_graph, speed=not memory_only, lengths=lens,
                    steps=None if steps is None else _count("--steps", steps))
        with report.progress() as say:
            r = check(spec, case["ctx"], case["batch"], kv_dtype, engine, device, case["layers"], fit,
                      speed=not memory_only, steps=case["steps"], lengths=lens,
                      command=command(case, device), progress=say, **common)
        if as_json:
            _json(report.to_json(r))
        else:
            _show([report.table(r), "\n".join(report.footer(r, deterministic=memory_only))])
        if not r.memory_equal:
            raise typer.Exit(1)

    _run(go)


@app.command(name="check-server")
def check_server(
    url: str = typer.Argument(..., metavar="URL", help="a running vLLM server, e.g. http://localhost:8000"),
    gpu: str = typer.Option(..., "--gpu", help="the GPU it runs on (its metrics do not say)"),
    model: Optional[str] = typer.Option(None, "--model", help="the model, when /v1/models' is not one kvplan knows"),
    tp: Optional[str] = typer.Option(None, "--tp", "--tensor-parallel-size", help="as the server was started"),
    enforce_eager: bool = typer.Option(False, "--enforce-eager", help="as the server was started"),
    max_num_batched_tokens: Optional[str] = typer.Option(None, "--max-num-batched-tokens"),
    max_num_seqs: Optional[str] = typer.Option(None, "--max-num-seqs"),
    timeout: str = typer.Option("5", "--timeout", help="seconds to wait for each request"),
    as_json: bool = typer.Option(False, "--json", help="print one JSON object"),
):
    """Put kvplan's plan beside a running vLLM server's cache (its /metrics and /v1/models)."""
    from .render import tables as render
    from .observe import server

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
        c = server.check(url, gpu, model, secs, flags)
        _json(render.check_json(c)) if as_json else _show(render.check_table(c, "server"))

    _run(go)


@app.command()
def simulate(
    model: str = typer.Argument(..., metavar="MODEL", autocompletion=_complete_model, help=MODEL_HELP),
    gpu: str = typer.Option(..., "--gpu", help="GPU name (see `kvplan gpus`)", autocompletion=_complete_gpu),
    tp: str = typer.Option("1", "--tp", "--tensor-parallel-size", help="tensor-parallel GPUs per replica"),
    replicas: str = typer.Option("1", "--replicas", help="copies of the engine behind a router"),
    router: str = typer.Option("round-robin", "--router", help="round-robin, least-loaded or prefix"),
    engine: str = typer.Option("vllm", "--engine", help="vllm (V1 scheduler) or sglang (simplified)"),
    rate: Optional[str] = typer.Option(None, "--rate", help="requests per second, or inf (all at once)"),
    concurrency: Optional[str] = typer.Option(None, "--concurrency", help="closed loop: clients, each "
                                              "sending its next request when the last ends"),
    trace: Optional[str] = typer.Option(None, "--trace", help="CSV arrival_s,prompt_tokens,output_tokens"
                                        "[,prefix_id]"),
    arrivals: str = typer.Option("poisson", "--arrivals", help="with --rate: poisson or constant"),
    prompt_tokens: Optional[str] = typer.Option(None, "--prompt-tokens", help="N, uniform:A-B, "
                                                "normal:MEAN,STD[,MIN,MAX], lognormal:MEDIAN,SIGMA"),
    output_tokens: Optional[str] = typer.Option(None, "--output-tokens", help="as --prompt-tokens"),
    shared_prefix: str = typer.Option("0", "--shared-prefix", help="prompt tokens shared (per prefix_id "
                                      "of a trace)"),
    requests: str = typer.Option("1000", "--requests", help="requests to simulate"),
    seed: str = typer.Option("0", "--seed", help="seed for lengths and arrivals"),
    max_model_len: Optional[str] = typer.Option(None, "--max-model-len", help="default: the model's"),
    max_num_seqs: Optional[str] = typer.Option(None, "--max-num-seqs"),
    max_num_batched_tokens: Optional[str] = typer.Option(None, "--max-num-batched-tokens"),
    prefix_caching: bool = typer.Option(True, "--enable-prefix-caching/--no-enable-prefix-caching",
                                        help="reuse cached prefix blocks (vLLM's default: on)"),
    as_json: bool = typer.Option(False, "--json", help="print one JSON object"),
):
    """Serving under load: TTFT, inter-token latency and throughput, simulated step by step.

    Example: kvplan simulate llama-3.1-8b --gpu h100 --rate 8 --prompt-tokens 2048 --output-tokens 250"""
    import math

    from .sources import catalog
    from .plan import simulate as sim
    from .render.simulate import render as render_sim
    from .engines import ServeOptions

    def go():
        given = [n for n, v in (("--rate", rate), ("--concurrency", concurrency), ("--trace", trace)) if v is not None]
        if len(given) != 1:
            raise KvplanError("give exactly one of --rate R, --rate inf, --concurrency C or --trace FILE"
                              + (f" (got {' and '.join(given)})" if given else ""))
        if trace is None and (prompt_tokens is None or output_tokens is None):
            raise KvplanError("--prompt-tokens and --output-tokens are needed (unless --trace gives them)")
        if trace is not None and (prompt_tokens is not None or output_tokens is not None):
            raise KvplanError("--trace gives each request's lengths; leave out --prompt-tokens and --output-tokens")
        eng = engine.strip().lower()
        if eng not in sim.ENGINES:
            raise KvplanError(f"--engine must be vllm or sglang for simulate, got '{engine}'")
        rt = router.strip().lower()
        if rt not in sim.ROUTERS:
            raise KvplanError(f"--router must be one of {', '.join(sim.ROUTERS)}, got '{router}'")
        kind = arrivals.strip().lower()
        if kind not in ("poisson", "constant"):
            raise KvplanError(f"--arrivals must be poisson or constant, got '{arrivals}'")
        r = None
        if rate is not None:
            r = math.inf if rate.strip().lower() in ("inf", "infinity") else \
                _number("--rate", rate, 0, None)
            if not math.isfinite(r) and rate.strip().lower() not in ("inf", "infinity"):
                raise KvplanError(f"--rate must be a number > 0 or inf, got '{rate}'")
        sd = str(seed).strip()
        sp = str(shared_prefix).strip()
        opts = ServeOptions(
            max_model_len=None if max_model_len is None else _count("--max-model-len", max_model_len),
            max_num_seqs=None if max_num_seqs is None else _count("--max-num-seqs", max_num_seqs),
            max_num_batched_tokens=None if max_num_batched_tokens is None else
            _count("--max-num-batched-tokens", max_num_batched_tokens))
        kw = dict(tp=_count("--tp", tp), replicas=_count("--replicas", replicas), engine=eng,
                  rate=r, concurrency=None if concurrency is None else _count("--concurrency", concurrency),
                  trace=trace, arrivals_kind=kind, prompt_tokens=prompt_tokens or "1",
                  output_tokens=output_tokens or "1",
                  shared_prefix=0 if sp == "0" else _count("--shared-prefix", sp),
                  requests=_count("--requests", requests),
                  seed=int(sd) if re.fullmatch(r"\d+", sd) else _count("--seed", sd), opts=opts,
                  prefix_caching=prefix_caching, router=rt)
        spec = _load(model)
        g = catalog.load_gpu(gpu)
        res = sim.simulate(spec, g, **kw)
        if as_json:
            return _json(res.as_dict())
        sys.stdout.write(render_sim(res))

    _run(go)


_METAVARS = {  # the help shows what each option takes, not <str>
    "N": ("--ctx", "--batch", "--parallel", "--tp", "--pp", "--max-model-len", "--block-size", "--max-num-batched-tokens",
          "--max-num-seqs", "--requests", "--seed", "--shared-prefix", "--ubatch-size", "--prompt",
          "--new-tokens", "--layers", "--steps", "--replicas"),
    "SIZE": ("--kv-cache-memory", "--activation-memory", "--cuda-graph-memory", "--non-torch-memory",
             "--safety-margin"),
    "cuda|cpu": ("--device",), "N,...": ("--recompute-lengths",), "FILE.yaml": ("--matrix",),
    "FILE": ("--out", "--trace"),
    "FORMAT": ("--kv-dtype", "--weight-dtype", "--cache-type-k", "--cache-type-v"),
    "auto|fp8|fp8_e4m3|fp8_e5m2": ("--kv-cache-dtype",),
    "F": ("--gpu-memory-utilization", "--bw-efficiency", "--flops-efficiency"),
    "MS": ("--step-overhead-ms",), "GPU": ("--gpu",), "ENGINE": ("--engine",), "SPEC": ("--lengths",),
    "R|inf": ("--rate",), "C": ("--concurrency",), "poisson|constant": ("--arrivals",),
    "DIST": ("--prompt-tokens", "--output-tokens"), "ROUTER": ("--router",),
    "table|json|csv|md": ("--format",), "on|off": ("--flash-attn",), "V,...": ("--variants",),
    "FILE.png": ("--plot",), "SECONDS": ("--timeout",), "NAME": ("--name", "--model"), "URL": ("--source",),
}


def _set_metavars() -> None:
    by_flag = {flag: mv for mv, flags in _METAVARS.items() for flag in flags}
    for cmd in app.registered_commands:
        for d in cmd.callback.__defaults__ or ():
            decls = getattr(d, "param_decls", None) or ()
            mv = next((by_flag[x] for x in decls if x in by_flag), None)
            if mv and getattr(d, "metavar", None) is None:
                d.metavar = mv


def main():  # console script entry point
    """Run the app; usage errors (unknown option, missing --ctx) also end in one line, exit 2.

    The collector is off for the run and the heap frozen before exit: a query allocates little
    that cycles, and the interpreter's final collection over every imported module's objects
    costs more than the query itself (benchmarks/startup.py)."""
    import gc

    gc.disable()
    _set_metavars()
    try:
        _main(_for(sys.argv[1:]))
    finally:
        gc.freeze()


def _for(argv: list[str]) -> typer.Typer:
    """The app as this run needs it: with only the command asked for, when there is one.

    typer builds a click command for every registered command before it dispatches (reading
    each function's signature: about a millisecond a command); a run needs one. The overview
    (bare ``kvplan``, ``-h``), an unknown command and shell completion get the whole app."""
    import os

    name = next((a for a in argv if not a.startswith("-")), None)
    if name is None or any(k.startswith("_") and k.endswith("_COMPLETE") for k in os.environ):
        return app
    from typer.main import get_command_name

    keep = [c for c in app.registered_commands if (c.name or get_command_name(c.callback.__name__)) == name]
    if not keep:
        return app
    import copy

    one = copy.copy(app)
    one.registered_commands = keep
    return one


def _main(the_app: typer.Typer = app):
    try:
        code = the_app(standalone_mode=False, prog_name="kvplan")
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
