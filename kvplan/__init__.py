"""kvplan: exact KV-cache planning. See README.md and docs/.

The public API is this module's ``__all__`` (the functions live in kvplan/api.py and are loaded on
first use, so ``import kvplan`` stays light). The CLI calls only these; a notebook can do all
that the CLI does.
"""
__version__ = "0.1.0"

_API = ("size", "fit", "load_model")
__all__ = ["__version__", *_API]


def __getattr__(name: str):
    if name in _API:
        from . import api

        return getattr(api, name)
    raise AttributeError(f"module 'kvplan' has no attribute '{name}'")


def __dir__():
    return sorted([*globals(), *_API])
