"""vLLM 0.33's settings (kvplan/engines/vllm/settings.py) at their edges, on made-up GPUs: the
scheduler's batch defaults (engine/arg_utils.py EngineArgs.get_batch_defaults, the `vllm serve`
column: >= 160 GiB 16,384 tokens / 1,024 seqs; >= 70 GiB and not an A100 8,192 / 1,024; else
2,048 / 256) and the compute capability by GPU family name."""
from types import SimpleNamespace

import pytest

from kvplan.engines.vllm.settings import batch_defaults, capability

GiB = 2**30


@pytest.mark.parametrize("name, mem, want", [
    ("b200", 160 * GiB, (16384, 1024)),  # exactly 160 GiB: the largest defaults
    ("b200", 160 * GiB - 1, (8192, 1024)),
    ("a100-sxm-80gb", 200 * GiB, (16384, 1024)),  # the A100 exception is only below 160 GiB
    ("h100-sxm-80gb", 70 * GiB, (8192, 1024)),  # exactly 70 GiB
    ("h100-sxm-80gb", 70 * GiB - 1, (2048, 256)),
    ("a100-sxm-80gb", 80 * GiB, (2048, 256)),
])
def test_vllm_batch_defaults_at_their_edges(name, mem, want):
    assert batch_defaults(SimpleNamespace(name=name, usable_bytes=mem)) == want


def test_vllm_batch_defaults_without_a_gpu():
    assert batch_defaults(None) == (2048, 256)


@pytest.mark.parametrize("name, want", [
    ("h100", 90), ("h100-sxm-80gb", 90), ("a100-sxm-80gb", 80), ("a10", 86), ("a10g", 86),
    ("l40s", 89), ("b300", 103), ("rtx-5090", 120), ("t4", 75),
    ("h1000", None),  # a family name is matched whole or followed by "-"
    ("mi300x", None),
])
def test_vllm_capability_by_family(name, want):
    assert capability(SimpleNamespace(name=name)) == want
