"""What every command shares: model loading, the option parsers (kvplan.units under the flag's
name), output to the terminal's width or as JSON/CSV/Markdown, and errors as one line, exit 2."""
from __future__ import annotations

import sys

import typer

from ..errors import KvplanError
from ..units import parse_count, parse_fraction, parse_number, parse_size


def _count(name: str, text) -> int:
    return parse_count(text, name)


def _max_model_len(text) -> int | None:
    """--max-model-len: a length; vLLM 0.33's ``auto`` / ``-1`` (fit the length to the memory left:
    v1/core/kv_cache_planning.py _auto_fit_max_model_len) is refused with where kvplan answers it."""
    if text is None:
        return None
    if str(text).strip().lower() in ("auto", "-1"):
        raise KvplanError(f"--max-model-len {str(text).strip()} (vLLM fits the length to the memory left) is not "
                          "planned; give a length, or run `kvplan fit MODEL --gpu GPU --batch 1` for the longest "
                          "one request can hold, the length vLLM's auto-fit looks for")
    return parse_count(text, "--max-model-len")


def _block_size(engine: str, text, version=None) -> int | None:
    """--block-size (SGLang's --page-size): a count the engine modelled takes (api.block_size: vLLM 0.33's multiples
    of 16 tokens)."""
    from .. import api

    return None if text is None else api.block_size(engine, parse_count(text, "--block-size"), version)


def _whole(name: str, text) -> int:
    """A count that may be 0 (--seed, --shared-prefix)."""
    return parse_count(text, name, zero=True)


def _size(name: str, text) -> int | None:
    return parse_size(text, name)


def _kv_cache_memory(text) -> int | None:
    """--kv-cache-memory: a size, not 0. The library plans 0 as no cache (plan/longest.py searches
    nothing), but a user who writes 0 has not asked for that: vLLM 0.33 reads 0 as not given
    (gpu_worker.py determine_available_memory: ``if kv_cache_memory_bytes := ...``)."""
    n = _vllm_bytes(text)
    n = parse_size(text, "--kv-cache-memory") if n is None else n
    if n == 0:
        raise KvplanError("--kv-cache-memory 0 leaves no room for the cache (vLLM 0.33 reads 0 as not given: "
                          "`if kv_cache_memory_bytes := ...` in gpu_worker.py determine_available_memory); give a "
                          "size or leave it out")
    return n


def _vllm_bytes(text) -> int | None:
    """--kv-cache-memory-bytes as vLLM 0.33 reads it (utils/argparse_utils.py human_readable_int, the type
    engine/arg_utils.py gives kv_cache_memory_bytes): 20G = 20 × 2^30 (K, M, G, T binary, whole numbers only),
    20g = 20 × 10^9 (k, m, g, t decimal, 25.6k allowed), so a vLLM command line's value means what it means
    there. None: not that form (kvplan's own sizes, 60GiB or 8GB, are read by parse_size)."""
    import re

    from ..units import _times, check_size

    m = re.fullmatch(r"(\d+(?:\.\d+)?)([kKmMgGtT])", str(text).strip()) if text is not None else None
    if m is None:
        return None
    number, suffix = m.groups()
    if suffix.isupper() and "." in number:  # vLLM: "Decimals are not allowed with binary suffixes like G"
        raise KvplanError(f"--kv-cache-memory {text}: decimals are not allowed with binary suffixes like {suffix} "
                          f"(vLLM's rule); did you mean {number}{suffix.lower()} ({number} × 10^"
                          f"{3 * ' kmgt'.index(suffix.lower())} bytes) or {number}{suffix}iB?")
    power = " kmgt".index(suffix.lower())
    n = _times(number, 2 ** (10 * power) if suffix.isupper() else 10 ** (3 * power))[0]
    return check_size(n, "--kv-cache-memory", text)


def _fraction(name: str, text) -> float | None:
    return parse_fraction(text, name)


def _number(name: str, text, low: float = 0.0, high: float | None = None, open_low: bool = True) -> float | None:
    return parse_number(text, name, low, high, open_low)


MODEL_HELP = ("catalog name or alias, a Hugging Face repo id (from the local cache), a YAML spec, a config.json "
              "(or its folder), or a .gguf file")


def _complete_model(incomplete: str) -> list[str]:
    """Shell completion of MODEL: catalog names (`kvplan --install-completion`)."""
    from .. import api

    return [n for n in api.model_names() if n.startswith(incomplete.lower())]


def _complete_gpu(incomplete: str) -> list[str]:
    from .. import api

    return [g.name for g in api.gpus() if g.name.startswith(incomplete.lower())]


def _fail(msg: str, code: int = 2):
    sys.stderr.write(f"kvplan: error: {msg}\n")
    raise typer.Exit(code)


def _load(model: str):
    """The spec for a model reference; a variant read as its base model is said on stderr."""
    from .. import api

    notes: list[str] = []
    spec = api.load_model(model, notes)
    for n in notes:
        _say("note", n)
    return spec


def _default_engine(model: str, default: str) -> str:
    """llama.cpp's layout for a GGUF file (the only engine that runs one), else ``default``."""
    return "llamacpp" if model.strip().lower().endswith(".gguf") else default


# SGLang's names for the scheduler limits kvplan reads as vLLM's (engines/sglang.py chunked_prefill_size,
# max_running_requests), accepted beside them as --mem-fraction-static is beside --gpu-memory-utilization
BATCHED_FLAGS = ("--max-num-batched-tokens", "--chunked-prefill-size")
BATCHED_HELP = "tokens a step may schedule (the second name is SGLang's)"
SEQS_FLAGS = ("--max-num-seqs", "--max-running-requests")
SEQS_HELP = "sequences running at once (the second name is SGLang's)"
RADIX_HELP = "SGLang: no radix cache, so no prefix reuse"


def _prefix_caching(engine: str, prefix_caching: bool, disable_radix_cache: bool) -> bool:
    """Prefix reuse, spelled as the engine modelled spells turning it off: vLLM's --no-enable-prefix-caching,
    SGLang's --disable-radix-cache; SGLang's spelling given to vLLM is refused with vLLM's, as ``_eager`` does."""
    if disable_radix_cache and str(engine).strip().lower() != "sglang":
        raise KvplanError("--disable-radix-cache is SGLang's flag; vLLM's is --no-enable-prefix-caching")
    return prefix_caching and not disable_radix_cache


EAGER_HELP = "vLLM: no CUDA graphs (no graph memory; the eager step overhead in simulate)"
NO_GRAPHS_HELP = "SGLang: no CUDA graphs (the eager step overhead in simulate)"


def _eager(engine: str, enforce_eager: bool, disable_cuda_graph: bool) -> bool:
    """No CUDA graphs, spelled as the engine modelled spells it: vLLM's --enforce-eager, SGLang's
    --disable-cuda-graph. The other engine's spelling is refused with the right one, as
    plan/parallel.engine_flags refuses the parallelism flags (an engine rejects a flag it lacks)."""
    e = str(engine).strip().lower()
    if enforce_eager and e == "sglang":
        raise KvplanError("--enforce-eager is vLLM's flag; SGLang's is --disable-cuda-graph")
    if enforce_eager and e != "vllm":  # TensorRT-LLM's, llama.cpp's and the bare layouts' plans have no graphs term
        raise KvplanError(f"--enforce-eager is vLLM's flag; the {e} plan would ignore it (give --engine vllm)")
    if disable_cuda_graph and e != "sglang":
        raise KvplanError("--disable-cuda-graph is SGLang's flag; " + ("vLLM's is --enforce-eager" if e == "vllm" else
                                                                      f"the {e} plan would ignore it (give --engine "
                                                                      "sglang)"))
    return enforce_eager or disable_cuda_graph


def _llamacpp_opts(cache_type_k, cache_type_v, ubatch_size, swa_full, flash_attn, parallel=None,
                   kv_unified=False, **more):
    from .. import api

    fa = str(flash_attn).strip().lower()
    if fa not in ("on", "off"):
        raise KvplanError(f"--flash-attn must be on or off, got '{flash_attn}'")
    return api.serve_options(cache_type_k=cache_type_k, cache_type_v=cache_type_v,
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
        _say("note", f"{', '.join(given)} {what}; the {engine} layout ignores "
                     f"{'it' if len(given) == 1 else 'them'} (--engine llamacpp uses them)")


# Which engines' plans read the scheduler flags (engines/: vLLM's own; SGLang's --page-size,
# --chunked-prefill-size, --max-running-requests; TensorRT-LLM's max_num_tokens); the rest ignore them.
_SCHEDULER_FLAGS = {"--block-size": ("vllm", "sglang"), "--max-num-batched-tokens": ("vllm", "sglang", "trtllm"),
                    "--max-num-seqs": ("vllm", "sglang")}


def _note_scheduler_flags(engine: str, **given) -> None:
    """Say so when a scheduler flag is given to an engine whose plan does not read it (llama.cpp's,
    TensorRT-LLM's fixed 32-token blocks, the bare layouts), as _note_llamacpp_flags does the reverse."""
    e = engine.strip().lower()
    unread = [flag for flag, v in given.items() if v is not None and e not in _SCHEDULER_FLAGS[flag]]
    if unread:
        one = len(unread) == 1
        _say("note", f"the {e} plan does not read {', '.join(unread)}; {'it is' if one else 'they are'} "
                     f"ignored (read by {', '.join(sorted({x for f in unread for x in _SCHEDULER_FLAGS[f]}))})")


COMPILE_CACHE_HELP = ("vLLM: torch.compile's cache at start-up; warm: this model's compiled graphs are in it "
                      "(VLLM_CACHE_ROOT or compilation-config cache_dir), so no compile band; default: as cold")


def _compile_cache(engine: str, text) -> str | None:
    """--compile-cache, for every command that plans vLLM's start-up (fit, simulate, sweep, compare): the
    library checks the word (engines/vllm/startup.py torch_compile_part); another engine's plan does not
    read it, which is said, as _note_scheduler_flags says of the scheduler flags."""
    if text is None:
        return None
    e = str(engine).strip().lower()
    if e != "vllm":
        _say("note", f"--compile-cache is vLLM's (torch.compile in its profile run); the {e} plan does not "
                     "read it")
    return str(text).strip().lower()


ENGINE_VERSION_HELP = ("vLLM: the release planned (its start-up, as kvplan fit's; in perf, simulate, sweep and "
                       "compare also its per-step costs, in simulate its scheduler rules); default kvplan's, 0.33.0; "
                       "trtllm: its release (1.0.0rc3)")


def _engine_version(engine: str, text) -> dict:
    """--engine-version for the commands that plan with ServeOptions (fit, simulate, sweep, compare; api.perf
    checks perf's the same way), as the ServeOptions fields that carry it: the library checks it
    (api.engine_version: vLLM's release with its patch, or TensorRT-LLM's) and the engine's field holds it
    (vllm_version; trtllm_version under --engine trtllm)."""
    from .. import api

    v = api.engine_version(str(engine), text)
    trt = str(engine).strip().lower() == "trtllm"
    return {"vllm_version": None if trt else v, "trtllm_version": v if trt else None}


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


def _say(kind: str, text: str) -> None:
    """A note, warning or "at risk" line on stderr, folded to the terminal's width (80 when not a
    terminal) with its continuation indented; words (a path, a URL) are kept whole. An error stays
    one line (``_fail``): a script reads it whole."""
    import textwrap

    lines = textwrap.wrap(f"kvplan: {kind}: {text}", _width(), subsequent_indent="  ", break_long_words=False,
                          break_on_hyphens=False)
    sys.stderr.write("\n".join(lines) + "\n")


def _show(parts, fmt: str = "table", wide: bool = False) -> None:
    """Print a command's tables and text: to the terminal's width (80 when not a terminal,
    unless COLUMNS says otherwise), as CSV (the first table's raw values) or as Markdown."""
    from ..render.sheet import Sheet, to_csv, to_md, to_text

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
    if as_json and fmt is not None and fmt.strip().lower() != "json":
        raise KvplanError(f"give --json or --format {fmt}, not both (--json is --format json)")
    f = "json" if as_json else (fmt or "table").strip().lower()
    if f not in _FORMATS:
        raise KvplanError(f"--format must be one of {', '.join(_FORMATS)}, got '{fmt}'")
    return f


def _json(obj) -> None:
    """One JSON document; an object also says which kvplan wrote it (lists stay lists of rows)."""
    from .. import __version__
    from ..render.tables import dumps

    if isinstance(obj, dict) and "kvplan_version" not in obj:
        obj = {**obj, "kvplan_version": __version__}
    sys.stdout.write(dumps(obj) + "\n")


# The library's parameter names -> the CLI's options, where the option is not the parameter
# with dashes (tp -> --tp, max_model_len -> --max-model-len need no entry)
FLAGS = {"ctx": "--ctx", "kv_cache_memory": "--kv-cache-memory", "activation_bytes": "--activation-memory",
         "cuda_graph_bytes": "--cuda-graph-memory", "non_torch_bytes": "--non-torch-memory",
         "cache_type_k": "--cache-type-k", "cache_type_v": "--cache-type-v", "model": "MODEL",
         "ttft_p90_ms": "--ttft-p90", "itl_p90_ms": "--itl-p90"}


def flag(name: str) -> str:
    """The CLI's option for a library parameter: ``tp`` -> ``--tp``, ``max_model_len`` -> ``--max-model-len``."""
    return FLAGS.get(name) or "--" + name.replace("_", "-")


def flag_message(e: KvplanError) -> str:
    """A library error as the CLI says it: its parameters as flags (``use --engine ideal``)."""
    from ..errors import render

    return render(getattr(e, "template", str(e)), flag)


def _run(fn):
    """Call fn; turn library errors into one line (in the CLI's flag names) and exit 2."""
    try:
        return fn()
    except KvplanError as e:
        _fail(flag_message(e))
