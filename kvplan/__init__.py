"""kvplan: exact KV-cache planning. See README.md and docs/.

The public API is this module's ``__all__`` (the functions live in kvplan/api.py and are loaded on
first use, so ``import kvplan`` stays light). The CLI calls only these; a notebook can do all
that the CLI does.
"""
__version__ = "0.1.0"

# names of subpackages (engines, plan, ...) are never API names: `from .. import engines` inside
# kvplan must find the subpackage, not a function
_API = ("load_model", "load_gpu", "model_names", "models", "gpus", "engine_names", "size", "size_all", "fit", "traffic", "perf",
        "compare", "sweep", "simulate", "check_log", "check_server", "import_config", "dump_spec", "serve_options",
        "check_bench", "plan_deployment")
__all__ = ["__version__", "KvplanError", *_API]


def __getattr__(name: str):
    if name == "KvplanError":
        from .errors import KvplanError

        return KvplanError
    if name in _API:
        from . import api

        return getattr(api, name)
    raise AttributeError(f"module 'kvplan' has no attribute '{name}'")


def __dir__():
    return sorted([*globals(), *_API])
