"""Engines: one module per engine, each owning both halves of that engine's accounting.

1. **What it holds** of each layer kind for one sequence: a ``functools.singledispatch`` rule
   from a mixer (``layers.py``) to a ``Holding``; its default is the ideal layout, and each
   module registers one rule per kind where its engine differs, citing the engine code.
2. **How it turns a GPU's memory into a cache**: the budget (what the engine takes of the
   card before the cache), the granularity it allocates in, and the capacity figures it
   reports. ``Engine`` below is the tight, engine-neutral version of that half; an engine
   module subclasses it where its engine does something else.

``fit.py`` composes spec × GPU × parallelism × engine and knows no engine by name; ``get``
imports only the module asked for. Adding an engine: one module here and one line in
``MODULES``.
"""
from __future__ import annotations

import importlib

from ..errors import KvplanError
from .base import (BudgetPart, Capacity, Engine, FRONTIER_FAMILIES, FRONTIER_KINDS, Holding, ServeOptions, Side, Worker, cache_bytes, finish_budget, largest, per_token_bytes, refuse, side_bytes, side_holdings, state_bytes)

MODULES = {"ideal": "ideal", "hf": "transformers", "hf-static": "transformers_static", "vllm": "vllm", "sglang": "sglang", "trtllm": "trtllm",
           "llamacpp": "llamacpp"}


_LOADED: dict[str, Engine] = {}


def get(name: str) -> Engine:
    key = str(name).strip().lower()
    if key not in MODULES:
        raise KvplanError(f"unknown engine '{name}'; known: {', '.join(MODULES)}", option="engine")
    if key not in _LOADED:
        _LOADED[key] = importlib.import_module(f"{__name__}.{MODULES[key]}").ENGINE
    return _LOADED[key]


def default_block_sizes() -> list[int]:
    """Every paged engine's default tokens per block, in registry order (each engine's own)."""
    return list(dict.fromkeys(b for k in MODULES if (b := get(k).default_block_tokens)))


def kv_cache_format(engine: str, name: str) -> str | None:
    """The element format an engine's own ``--kv-cache-dtype`` name means; None for "auto"
    (the model's dtype). Each engine module owns its names (``KV_CACHE_DTYPES``); an engine
    with none, or a name outside its list, is one clear error naming what it accepts."""
    get(engine)  # an unknown engine is its own error
    mod = importlib.import_module(f"{__name__}.{MODULES[str(engine).strip().lower()]}")
    names = getattr(mod, "KV_CACHE_DTYPES", None)
    key = str(name).strip().lower()
    if names is None:
        raise KvplanError(getattr(mod, "KV_CACHE_DTYPE_NOTE", f"{engine} has no --kv-cache-dtype; use --kv-dtype"),
                          option="kv-cache-dtype")
    if key == "auto":
        return None
    if key not in names:
        raise KvplanError(f"--kv-cache-dtype '{name}' is not one of {engine}'s names kvplan models; "
                          f"known: auto, {', '.join(names)}", option="kv-cache-dtype")
    return names[key]
