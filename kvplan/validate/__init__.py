"""``kvplan validate``: allocate the cache kvplan predicted, in the layout it predicted, with
PyTorch, and time a real cached decode at the model's shapes.

The only part of kvplan that imports torch; nothing outside this package imports it, and the
CLI imports this package inside the ``validate`` command alone. Modules:

* ``formats``: element formats as torch storage (fp8 through torch's float8 types, grouped
  integer formats as packed uint8 plus their scales), derived from each format's definition;
* ``layout``: the tensors of the ideal, hf and vllm layouts, shaped from the spec;
* ``device``: device choice, free memory and the guard, what the report names the device;
* ``speed``: the synthetic decoder and its timing;
* ``run``: one validation (memory, optionally capacity, speed) as a ``Result``;
* ``report``: the table, JSON and Markdown; ``matrix``: a list of cases to a Markdown report.
"""
from __future__ import annotations

from ..errors import KvplanError

MISSING_TORCH = "kvplan validate needs PyTorch, which is not installed: pip install 'kvplan[validate]'"


def require_torch():
    """torch, or one clear error naming the extra that installs it."""
    import warnings

    # a CPU wheel without numpy warns once at import; nothing kvplan does needs numpy
    warnings.filterwarnings("ignore", message="Failed to initialize NumPy")
    try:
        import torch
    except ImportError:
        raise KvplanError(MISSING_TORCH) from None
    return torch
