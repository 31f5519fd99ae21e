"""kvplan: exact KV-cache planning. See README.md.

``kvplan.size``, ``kvplan.fit`` and ``kvplan.load_model`` (kvplan/api.py) are loaded on first use,
so ``import kvplan`` stays as light as it was. ``kvplan.fit`` is also the module kvplan/fit.py
(``from kvplan import fit; fit.fit(...)``), made callable as the API function.
"""
__version__ = "0.1.0"

_API = ("size", "load_model")


def __getattr__(name: str):
    if name in _API:
        from . import api

        return getattr(api, name)
    if name == "fit":  # the submodule, callable (see the end of kvplan/fit.py)
        import importlib

        return importlib.import_module(".fit", __name__)
    raise AttributeError(f"module 'kvplan' has no attribute '{name}'")


def __dir__():
    return sorted([*globals(), *_API, "fit"])
