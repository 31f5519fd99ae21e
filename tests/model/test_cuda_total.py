"""The total an engine's budget starts from: CUDA's, not nvidia-smi's (issue 20).

vLLM (v1/worker/gpu_worker.py: requested = total × gpu_memory_utilization, total from
cudaMemGetInfo), SGLang and TensorRT-LLM (torch.cuda.mem_get_info) and llama.cpp
(cudaMemGetInfo) all start from CUDA's total, which is below nvidia-smi's "Total": the driver
keeps a reserve CUDA never reports.
"""
from __future__ import annotations

import math

import pytest
import yaml

from kvplan.engines.base import total_parts
from kvplan.model.hardware import (MiB, RESERVE_BELOW_DRIVER, RESERVE_BELOW_SOLD, printed_floor)
from kvplan.sources import catalog
from kvplan.sources.catalog import specs_dir

GiB = 2**30
RAW = yaml.safe_load((specs_dir() / "gpus.yaml").read_text())


def test_printed_floor_is_the_lowest_value_the_print_can_stand_for():
    # "79.11 GiB" is a value in [79.105, 79.115) GiB: kvplan keeps the lower end, rounded down
    assert printed_floor("79.11 GiB") == math.floor(79.105 * GiB) == 84_938_346_987
    assert printed_floor("44.42 GiB") == 47_690_243_112  # 44.415 × 2**30 = 47,690,243,112.96
    assert printed_floor("42298834944 bytes") == 42_298_834_944  # deviceQuery: exact
    assert printed_floor("81008 MiB") == 81_007 * MiB + MiB // 2  # 81007.5 MiB


@pytest.mark.parametrize("g", [g for g in RAW if g.get("cuda_memory_bytes")], ids=lambda g: g["name"])
def test_each_cuda_total_is_the_lowest_sourced_figure(g):
    src = g["cuda_memory_sources"]
    assert src and all(set(s) == {"printed", "url", "quote"} and s["url"].startswith("https://") for s in src)
    assert g["cuda_memory_bytes"] == min(printed_floor(s["printed"]) for s in src)
    # below every other figure of the same card
    assert g["cuda_memory_bytes"] < g["memory_bytes"]
    assert g["driver_memory_bytes"] is None or g["cuda_memory_bytes"] < g["driver_memory_bytes"]


def test_reserves_are_the_largest_observed_over_the_catalog():
    """The estimates' reserves are recomputed from the sourced pairs, rounded up to a MiB. A
    unified-memory part (GB10: the OS and the CPU share its pool) is left out: its shortfall is
    the system's share, not a driver's reserve."""
    have = [g for g in RAW if g.get("cuda_memory_bytes") and not catalog.load_gpu(g["name"]).unified_memory]
    assert {g["name"] for g in RAW if g.get("cuda_memory_bytes")} - {g["name"] for g in have} == {"gb10"}
    below_driver = max(g["driver_memory_bytes"] - g["cuda_memory_bytes"] for g in have if g["driver_memory_bytes"])
    assert RESERVE_BELOW_DRIVER == -(-below_driver // MiB) * MiB == 876 * MiB  # a100-sxm-80gb

    def sold(hbm):
        return max(g["memory_bytes"] - g["cuda_memory_bytes"] for g in have
                   if ("HBM" in g["memory_label"].upper()) == hbm)
    assert RESERVE_BELOW_SOLD == {"hbm": -(-sold(True) // MiB) * MiB, "other": -(-sold(False) // MiB) * MiB}


def test_usable_bytes_is_cuda_total_where_observed():
    h100 = catalog.load_gpu("h100")
    assert h100.usable_bytes == h100.cuda_memory_bytes == printed_floor("79.11 GiB")
    assert h100.smi_bytes == 81_559 * MiB  # what SGLang's default fraction reads
    b = h100.memory_basis
    assert not b.estimated and b.uncertainty == 0
    assert "https://github.com/vllm-project/vllm/issues/27508" in b.source
    assert "(" not in b.source  # printed inside one parenthesis
    assert total_parts(h100) == []


def test_estimated_from_the_driver_total_less_the_largest_reserve():
    # no catalog card has a driver total and no CUDA total since the A10G's was observed (session
    # 17): the rule is checked on the A10G without its CUDA total
    a10g = catalog.load_gpu("a10g").model_copy(update={"cuda_memory_bytes": None, "cuda_memory_sources": []})
    assert a10g.usable_bytes == 23_028 * MiB - 876 * MiB  # nvidia-smi 23,028 MiB − 876 MiB
    b = a10g.memory_basis
    assert b.estimated and b.uncertainty == 876 * MiB and "876 MiB" in b.source
    (part,) = total_parts(a10g)
    assert (part.key, part.bytes, part.uncertainty) == ("gpu_total", 0, 876 * MiB)


def test_the_a10g_total_is_observed_now():
    """vllm#372 prints an A10G's total on AWS G5 (ml.g5.12xlarge): "22.19 GiB total capacity", kept as
    22.185 GiB, below Dreambooth-Stable-Diffusion#18's 22.20 on the same instance type (no longer
    estimated: 310 MiB below nvidia-smi's 23,028 MiB, not the 876 MiB taken before)."""
    a10g = catalog.load_gpu("a10g")
    assert a10g.usable_bytes == printed_floor("22.19 GiB") == 23_820_962_365
    assert 23_028 * MiB - a10g.usable_bytes == 325_645_763  # 310.6 MiB
    assert not a10g.memory_basis.estimated and total_parts(a10g) == []
    assert "https://github.com/vllm-project/vllm/issues/372" in a10g.memory_basis.source


def test_the_h200_total_is_observed_now():
    """vllm#34553 prints an H200's total: 139.81 GiB, kept as 139.805 GiB (no longer estimated)."""
    h200 = catalog.load_gpu("h200")
    assert h200.usable_bytes == printed_floor("139.81 GiB") == 150_114_475_704
    assert not h200.memory_basis.estimated and total_parts(h200) == []


def test_estimated_from_the_capacity_sold_by_memory_kind():
    pcie = catalog.load_gpu("h100-pcie-80gb")  # HBM2e, no driver or CUDA figure
    assert pcie.usable_bytes == 80 * GiB - 1736 * MiB
    # every GDDR card in the catalog has a CUDA or driver total now: an L40 without its figures
    l40 = catalog.load_gpu("l40").model_copy(update={"cuda_memory_bytes": None, "cuda_memory_sources": []})
    assert l40.usable_bytes == 48 * GiB - 3784 * MiB
    assert l40.memory_basis.uncertainty == 3784 * MiB


def test_verdict_names_the_estimated_total():
    """A margin within the estimated total's error is "at risk", naming gpu_total."""
    from kvplan.plan import fit as planfit

    spec = catalog.catalog_spec("llama-3.1-8b")
    h200 = catalog.load_gpu("h200").model_copy(update={"cuda_memory_bytes": None, "cuda_memory_sources": []})
    r = planfit.fit(spec, h200, engine="ideal")
    assert any(p.key == "gpu_total" for p in r.stages[0].budget)
    kv = r.stages[0].kv_budget_bytes
    # a card whose KV budget leaves less than the 876 MiB the total may err by
    need = r.capacity.kv_bytes_per_request
    tight = h200.model_copy(update={"driver_memory_bytes": h200.driver_memory_bytes - kv + need + 100 * MiB})
    t = planfit.fit(spec, tight, engine="ideal")
    assert t.verdict == "at_risk" and t.deciding_term == "gpu_total"


def test_a40_and_gb10_totals_by_hand():
    """The two cards added in session 18 (issue 20): CUDA's totals as the cited prints give them."""
    a40, gb10 = catalog.load_gpu("a40"), catalog.load_gpu("dgx-spark")
    # vLLM 0.9.1 V0: "total_gpu_memory (44.45GiB)": at least 44.445 GiB = 47,722,455,367.68 bytes
    assert a40.usable_bytes == 47_722_455_367 and not a40.memory_basis.estimated
    # nvidia-smi 46068 MiB is 556 MiB above CUDA's total, under the catalog's 876 MiB reserve
    assert a40.smi_bytes == 46_068 * MiB and (a40.smi_bytes - a40.usable_bytes) // MiB == 556
    # vLLM's start-up check on a DGX Spark: "121.69" GiB, at least 121.685 GiB
    assert gb10.name == "gb10" and gb10.usable_bytes == 130_658_273_853
    assert gb10.memory_basis.uncertainty == 0
    # 0.87 of it is the 105.87 GiB the check asked for
    assert round(0.87 * gb10.usable_bytes / GiB, 2) == 105.87
