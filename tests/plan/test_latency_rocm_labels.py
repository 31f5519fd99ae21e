"""The labels of MI300X's fallback ops (plan/latency/profile.py): where a measured bandwidth share
(rocm.yaml, BabelStream) stands in the physics fallback, the op's source says both, in one form:
"physics fallback: <what>; bandwidth measured: BabelStream ..."."""
from __future__ import annotations

import pytest

from kvplan.plan.latency import tables
from kvplan.plan.latency.profile import Profile
from kvplan.sources import catalog

FB = tables.load("fallback")


@pytest.fixture(scope="module")
def mi300x():
    return Profile(catalog.load_gpu("mi300x"), "sglang")


def test_gemm_fallback_names_mamf_and_the_measured_bandwidth(mi300x):
    """A per-tensor FP8 GEMM has no MI300X curve (AITER's is block-scaled): no efficiency, the fallback's floor."""
    e, floor, src = mi300x.gemm_efficiency("fp8", 1, 8192 * 8192, 0.8)
    assert e is None and floor == FB["gemm_floor_us"] * 1e-6
    assert src == f"physics fallback: {FB['compute_efficiency_source']}; bandwidth {mi300x.mem_source}"
    assert mi300x.mem_source.startswith("measured: BabelStream")


def test_decode_attention_fallback_names_the_measured_bandwidth(mi300x):
    """No MI300X decode-attention table: one sequence × 1 KV head = 1 row of the fallback's 64 full rows,
    0.803 × 1 / 64 = 0.012546875 of the bandwidth; the label adds the bandwidth's source."""
    e, floor, src = mi300x.decode_attention_efficiency(1, 1000, 1, 128)
    assert e == pytest.approx(0.803 / FB["decode_attention_full_rows"]) and FB["decode_attention_full_rows"] == 64
    assert src == f"physics fallback: {FB['decode_attention_source']}; bandwidth {mi300x.mem_source}"
    # on a card at the fallback's own bandwidth share, no second label
    h = Profile(catalog.load_gpu("mi325x"), "sglang")
    assert h.decode_attention_efficiency(1, 1000, 1, 128)[2] == "physics fallback: " + FB["decode_attention_source"]
