"""The command line: parse, call the library, render. Errors become one line and exit 2.

One module per group of commands; ``main`` is the console script."""
from __future__ import annotations

import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # typer is imported by main() after it turns the collector off (benchmarks/startup.py)
    import typer

# The modules that register commands on the app, in the order of `kvplan --help`, and the
# commands each registers. A run imports only the module of the command it asks for (the others
# cost about 3 ms of a 70 ms query: benchmarks/startup.py); ``app`` (below) and the overview load
# them all. tests/cli/test_cli.py checks this table against what each module registers.
_MODULES = {
    "memory": ("size",),
    "fit": ("fit",),
    "speed": ("perf", "compare", "sweep"),
    "catalog": ("models", "show", "gpus", "import"),
    "observe": ("check-log", "validate", "check-server"),
    "serve": ("simulate",),
    "deploy": ("plan",),
    "bench": ("check-bench",),
}


def _load(names=None) -> typer.Typer:
    """The shared app with the modules of ``names`` (every module when None) registered on it."""
    import importlib

    for module, commands in _MODULES.items():
        if names is None or any(c in names for c in commands):
            importlib.import_module(f"{__name__}.{module}")
    from .root import app as the_app

    return the_app


def __getattr__(name: str):  # `from kvplan.cli import app`: the whole app, every command on it
    if name == "app":
        return _load()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


_METAVARS = {  # the help shows what each option takes, not <str>
    "SIZE|GIB": ("--kv-offloading-size",), "native|lmcache": ("--kv-offloading-backend",),
    "R": ("--hicache-ratio",), "GB": ("--hicache-size",), "BACKEND": ("--hicache-storage-backend", "--all2all-backend"),
    "N|all|auto": ("--n-gpu-layers",),
    "JSON": ("--kv-transfer-config", "--speculative-config", "--lmcache-config"),
    "N|RANK": ("--max-lora-rank",), "N|SLOTS": ("--max-loras", "--max-cpu-loras", "--max-loras-per-batch", "--max-loaded-loras"),
    "N": ("--ctx", "--batch", "--parallel", "--tp", "--pp", "--max-model-len", "--block-size", "--max-num-batched-tokens",
          "--max-num-seqs", "--requests", "--seed", "--shared-prefix", "--ubatch-size", "--prompt",
          "--new-tokens", "--layers", "--steps", "--replicas", "--data-parallel-size", "--ep-size"),
    "SIZE": ("--kv-cache-memory", "--activation-memory", "--cuda-graph-memory", "--non-torch-memory",
             "--safety-margin", "--host-memory"),
    "cuda|cpu": ("--device",), "N,...": ("--recompute-lengths",), "FILE.yaml": ("--matrix",),
    "FILE": ("--out", "--trace"),
    "FORMAT": ("--kv-dtype", "--weight-dtype", "--cache-type-k", "--cache-type-v"),
    "DTYPE": ("--kv-cache-dtype",),
    "F": ("--gpu-memory-utilization", "--bw-efficiency", "--flops-efficiency"),
    "MS": ("--step-overhead-ms",), "A": ("--acceptance",), "GPU": ("--gpu",), "ENGINE": ("--engine",), "SPEC": ("--lengths",),
    "R|inf": ("--rate",), "C": ("--concurrency",), "poisson|constant": ("--arrivals",),
    "DIST": ("--prompt-tokens", "--output-tokens"), "ROUTER": ("--router",),
    "table|json|csv|md": ("--format",), "on|off": ("--flash-attn",), "V,...": ("--variants",),
    "FILE.png": ("--plot",), "SECONDS": ("--timeout",), "NAME": ("--name", "--model"), "URL": ("--source",),
}


def _set_metavars(the_app: typer.Typer) -> None:
    by_flag = {flag: mv for mv, flags in _METAVARS.items() for flag in flags}
    for cmd in the_app.registered_commands:
        for d in cmd.callback.__defaults__ or ():
            decls = getattr(d, "param_decls", None) or ()
            mv = next((by_flag[x] for x in decls if x in by_flag), None)
            if mv and getattr(d, "metavar", None) is None:
                d.metavar = mv


def main():  # console script entry point
    """Run the app; usage errors (unknown option, missing --ctx) also end in one line, exit 2.

    The collector is off for the run, typer's import included (this module imports typer only
    here, after it: the collections that importing typer triggers cost about 5% of that import),
    and the heap is frozen before exit: a query allocates little that cycles, and the
    interpreter's final collection over every imported module's objects costs more than the
    query itself (benchmarks/startup.py)."""
    import gc

    gc.disable()
    try:
        the_app = _for(sys.argv[1:])
        _set_metavars(the_app)
        empty = _empty_option(the_app, sys.argv[1:])
        if empty is not None:
            sys.stderr.write(f"kvplan: error: {empty} is empty; give it a value or leave it out\n")
            sys.exit(2)
        _main(the_app)
    finally:
        gc.freeze()


def _empty_option(the_app: typer.Typer, argv: list[str]) -> str | None:
    """The option given an empty value (``--engine ''``, ``--engine=``), if one was: typer takes ''
    as given, and most options then fall back to their default without a word (a shell variable
    left empty). Looked for only where argv holds an empty value; the model argument has its own
    message (sources.catalog)."""
    if not any(a == "" or (a.startswith("--") and a.endswith("=")) for a in argv):
        return None
    from typer.main import get_command

    name = next((a for a in argv if not a.startswith("-")), None)
    cmd = getattr(get_command(the_app), "commands", {}).get(name) if name else None
    if cmd is None:
        return None
    takes = {o for p in cmd.params if getattr(p, "is_flag", None) is False for o in p.opts}
    for i, a in enumerate(argv):
        opt, eq, value = a.partition("=")
        if (eq and opt in takes and not value) or (a == "" and i and argv[i - 1] in takes):
            return opt if eq else argv[i - 1]
    return None


def _for(argv: list[str]) -> typer.Typer:
    """The app as this run needs it: with only the command asked for, when there is one.

    typer builds a click command for every registered command before it dispatches (reading
    each function's signature: about a millisecond a command), and each module of commands costs
    its import; a run needs one. The overview (bare ``kvplan``, ``-h``), an unknown command and
    shell completion get the whole app."""
    import os

    name = next((a for a in argv if not a.startswith("-")), None)
    known = {c for commands in _MODULES.values() for c in commands}
    if name not in known or any(k.startswith("_") and k.endswith("_COMPLETE") for k in os.environ):
        return _load()
    from typer.main import get_command_name

    the_app = _load({name})
    keep = [c for c in the_app.registered_commands if (c.name or get_command_name(c.callback.__name__)) == name]
    if not keep:
        return _load()
    import copy

    one = copy.copy(the_app)
    one.registered_commands = keep
    return one


def _main(the_app: typer.Typer | None = None):
    try:
        the_app = the_app or _load()
        code = the_app(standalone_mode=False, prog_name="kvplan")
    except KeyboardInterrupt:
        sys.stderr.write("kvplan: interrupted\n")
        sys.exit(130)
    except MemoryError:  # a count far past what was meant (simulate --requests 100000000000): one line
        sys.stderr.write("kvplan: error: out of memory: is a count (--requests, --batch, --ctx) far larger "
                         "than meant?\n")
        sys.exit(2)
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
