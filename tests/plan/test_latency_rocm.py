"""MI300X's measured profile (kvplan/plan/latency/data/rocm.yaml, benchmarks/latency/derive_rocm.py): each constant
checked against the published figure it came from, and what stays the physics fallback says so (issue 21)."""
import importlib.util
import math
from pathlib import Path

import pytest

from kvplan.plan.latency import gemm, tables
from kvplan.plan.latency.profile import Profile
from kvplan.plan.latency.step import OpLatency
from kvplan.sources import catalog

ROOT = Path(__file__).resolve().parents[2]
ROCM = tables.load("rocm")["families"]["mi300x"]
_spec = importlib.util.spec_from_file_location("derive_rocm", ROOT / "benchmarks" / "latency" / "derive_rocm.py")
derive = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(derive)


@pytest.fixture(scope="module")
def mi300x():
    return Profile(catalog.load_gpu("mi300x"), "sglang")


def test_memory_efficiency_is_babelstream_copy_over_the_datasheet(mi300x):
    """BabelStream Copy 4,255,995.148 MB/s on one MI300X / 5.3 TB/s = 0.80302 → 0.803; the quote holds the figure."""
    assert mi300x.mem_eff == ROCM["memory_efficiency"] == 0.803
    assert "4255995.148" in ROCM["memory_efficiency_quote"]
    assert mi300x.mem_source.startswith("measured: BabelStream 5.0 Copy on MI300X")


def test_allreduce_is_the_rccl_tests_curve(mi300x):
    """rccl-tests' graph-mode table on 8 × MI300X, the blog's points as published (allreduce.yaml): 8,192 bytes took
    7.64 us and 16,384 bytes 8.71 us, so 14,336 bytes (log2 13.807..., 0.807 of the way in log size) costs
    7.64 + 0.807 × 1.07 = 8.504 us. SGLang's custom all-reduce has no MI300X table, so the source says RCCL stands in."""
    cur = tables.load("allreduce")["families"]["mi300x"]["nccl"]
    assert list(zip(cur["bytes"], cur["us"][8])) == list(derive.RCCL["rows"])
    t, s = mi300x.allreduce(8, 14_336)
    assert t == pytest.approx((7.64 + (8.71 - 7.64) * (math.log(14_336 / 8_192) / math.log(2))) * 1e-6, rel=1e-12)
    assert t == pytest.approx(8.504e-6, abs=1e-9)
    assert s.startswith("rccl-tests all_reduce_perf") and "(8 GPUs; sglang runs custom one-shot, no table of it here" in s
    # the 128 MB point as measured (795.3 us): no line between
    assert mi300x.allreduce(8, 134_217_728)[0] == pytest.approx(795.3e-6, rel=1e-12)


def test_block_fp8_takes_aiters_curve_and_per_tensor_fp8_the_fallback(mi300x):
    """DeepSeek-V3's 128 × 128-block FP8 weights: AITER's a8w8_blockscale curve; a per-tensor FP8 GEMM (Llama FP8):
    no MI300X table, the physics fallback at BabelStream's bandwidth (labelled both ways)."""
    peak = 2614.9e12
    _, _, src = gemm.seconds(mi300x, 1, 7168, 2048, "fp8_e4m3", "fp8", peak, 0.8, block=128)
    assert "a8w8_blockscale_tuned_gemm_ds_v3.csv" in src
    t, bound, src = gemm.seconds(mi300x, 1, 8192, 8192, "fp8_e4m3", "fp8", peak, 0.8)
    assert src.startswith("physics fallback: ") and "BabelStream" in src and bound == "memory"
    assert t == pytest.approx((8192 * 8192 + 2 * (8192 + 8192)) / (5.3e12 * 0.803))
    # aiconfigurator's fp8 curves stand for block-scaled weights on NVIDIA as before
    h100 = Profile(catalog.load_gpu("h100"), "sglang")
    assert "gemm_perf.parquet" in gemm.seconds(h100, 1, 7168, 2048, "fp8_e4m3", "fp8", 1e15, 0.7, block=128)[2]


def test_gemm_floor_is_the_smallest_measured_gemm():
    """The median of AITER's M <= 16 rows at N·K <= 2^21 (N 4,096 × K 512: 3.49, 3.55, ... us) → 3.55 us."""
    assert ROCM["engines"]["sglang"]["gemm"]["fp8_block"]["floor_us"] == 3.55


def test_moe_fp8_fit_reproduces_aiters_one_token_row(mi300x):
    """AITER's DeepSeek-V3 fused MoE (33 experts with the shared one, top-9, H 7,168, I 2,048), 1 token: 99.21 us.
    The fit prices it alpha + the 9 experts' w13 + w2 bytes at its memory efficiency, within 5 %."""
    f, src = mi300x.moe_fit("fp8")
    assert f is ROCM["engines"]["sglang"]["moe"]["fp8"] and "a8w8_blockscale_tuned_fmoe_ds_v3.csv" in src
    bpw = 1.0 + 4 / 128 / 128
    mem = (9 * 3 * 2048 * 7168 * bpw + 2 * 9 * (3 * 2048 + 2 * 7168)) / 5.3e12
    assert f["alpha_us"] * 1e-6 + mem / f["memory_efficiency"] == pytest.approx(99.21e-6, rel=0.05)


def test_explain_names_the_rocm_sources_and_labels_the_rest_fallback():
    """kvplan perf deepseek-v3 --gpu mi300x --tp 8 --engine sglang --explain: GEMMs, MoE and all-reduce from the
    measured ROCm tables; decode attention (no MI300X MLA table) the physics fallback, at BabelStream's bandwidth."""
    r = OpLatency(catalog.load_model("deepseek-v3"), catalog.load_gpu("mi300x"), tp=8, engine="sglang")
    ops = {name.split(" (")[0]: src for name, _, _, src in r.decode(1000, 1).ops}
    assert "AITER" in ops["attention projections"] and "AITER" in ops["MoE experts"]
    assert "rccl-tests" in ops["all-reduce"]
    assert ops["decode attention"].startswith("physics fallback: ") and "BabelStream" in ops["decode attention"]
    assert r.prof.label.startswith("measured ROCm kernel tables")


@pytest.mark.parametrize("gpu", ["mi325x", "mi355x"])
def test_other_amd_cards_stay_the_labelled_fallback(gpu):
    p = Profile(catalog.load_gpu(gpu), "vllm")
    assert p.tables is None and p.label.startswith("physics fallback")
    assert p.mem_eff == tables.load("fallback")["memory_efficiency"]
