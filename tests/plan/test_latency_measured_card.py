"""gemm.measured_card (session 22, srv23fix): a GPU family's kernel curves are efficiencies against the datasheet
bandwidth of the card they were measured on (benchmarks/latency/derive_kernels.py: kernels.yaml ``gpus[0]``, the
A100 SXM 80 GB for aiconfigurator's a100_sxm). On the family's other card (the 40 GB, 1,555 GB/s) a memory-bound
GEMM streams at the measured rate (efficiency × 2,039 GB/s), no faster than ``mem_eff`` of its own bandwidth, and
never slower than the old reading (efficiency × its own bandwidth). Every figure below is worked by hand."""
from types import SimpleNamespace

import pytest

from kvplan.plan.latency import gemm
from kvplan.plan.latency.profile import Profile
from kvplan.sources import catalog

from tests.plan.test_latency_ops import PEAK, Prof


def _a100_40(eff):
    p = Prof(eff=eff)
    p.family, p.gpu, p.bw, p.mem_source = "a100_sxm", SimpleNamespace(name="a100-sxm-40gb"), 1.555e12, "src"
    return p


def test_measured_card_is_the_family_first():
    assert gemm.measured_card(Profile(catalog.load_gpu("a100-sxm-40gb"), "vllm")) == ("a100-sxm-80gb", 2.039e12)
    assert gemm.measured_card(Profile(catalog.load_gpu("a100-sxm-80gb"), "vllm")) is None
    assert gemm.measured_card(Profile(catalog.load_gpu("h100-sxm-80gb"), "vllm")) is None
    assert gemm.measured_card(Prof()) is None  # a stand-in without a family


def test_slow_curve_streams_at_the_measured_rate():
    """M=1, N=K=1,000 bf16: 2,004,000 bytes. Old: / (0.5 × 1.555e12) = 2.5775 us. Measured rate: / (0.5 × 2.039e12)
    = 1.9657 us; ceiling / (0.8 × 1.555e12) = 1.6109 us; the larger, 1.9657 us, is below the old: taken."""
    t, bound, src = gemm.seconds(_a100_40(0.5), 1, 1000, 1000, "bf16", "bf16", PEAK, 0.7)
    assert t == pytest.approx(2_004_000 / (0.5 * 2.039e12)) and bound == "memory"
    assert "streaming as measured on the a100-sxm-80gb" in src


def test_ceiling_binds():
    """eff 0.7: measured rate 2,004,000 / (0.7 × 2.039e12) = 1.4040 us, below the ceiling's 1.6109 us; old
    2,004,000 / (0.7 × 1.555e12) = 1.8410 us: the ceiling's 1.6109 us."""
    t, _, _ = gemm.seconds(_a100_40(0.7), 1, 1000, 1000, "bf16", "bf16", PEAK, 0.7)
    assert t == pytest.approx(2_004_000 / (0.8 * 1.555e12))


def test_never_slower_than_the_old_reading():
    """eff 0.9: old 2,004,000 / (0.9 × 1.555e12) = 1.4320 us beats the ceiling's 1.6109 us: the old reading stays."""
    t, _, src = gemm.seconds(_a100_40(0.9), 1, 1000, 1000, "bf16", "bf16", PEAK, 0.7)
    assert t == pytest.approx(2_004_000 / (0.9 * 1.555e12)) and "streaming as measured" not in src


def test_measured_card_itself_unchanged():
    """The 80 GB card reads its own curve as before: the same M=1 GEMV at eff 0.5 = 2,004,000 / (0.5 × 2.039e12)."""
    p = Prof(eff=0.5)
    p.family, p.gpu, p.bw = "a100_sxm", SimpleNamespace(name="a100-sxm-80gb"), 2.039e12
    t, _, _ = gemm.seconds(p, 1, 1000, 1000, "bf16", "bf16", PEAK, 0.7)
    assert t == pytest.approx(2_004_000 / (0.5 * 2.039e12))


# Session 22 mutation (mut22b): the survivors of gemm.seconds' new lines, each figure by hand.


def test_the_source_keeps_the_tables_and_names_the_measured_rate_word_for_word():
    """eff 0.6: measured rate 0.6 × 2.039e12 = 1.2234 TB/s, printed "1.22"; 2,004,000 / 1.2234e12 = 1.6381 us, above
    the ceiling's 2,004,000 / (0.8 × 1.555e12) = 1.6109 us, below the old 2,004,000 / (0.6 × 1.555e12) = 2.1479 us:
    taken, and the source is the table's (the stand-in's "table bf16") then the rule's, mem_eff 0.8 printed "80%"."""
    t, _, src = gemm.seconds(_a100_40(0.6), 1, 1000, 1000, "bf16", "bf16", PEAK, 0.7)
    assert t == pytest.approx(2_004_000 / (0.6 * 2.039e12))
    assert src == ("table bf16; streaming as measured on the a100-sxm-80gb (1.22 TB/s), no faster than 80% of this "
                   "card's bandwidth (src)")


def test_the_printed_rate_is_over_exactly_1e12():
    """eff 0.875 / 2.039 (0.42913...): the measured rate eff × 2.039e12 / 1e12 is 0.875 TB/s exactly in floating point,
    a tie that two decimals print as "0.88" (round half to even); any other divisor (1e12 + 1) prints "0.87". Time:
    2,004,000 / 0.875e12 = 2.2903 us, above the ceiling's 1.6109 us, below the old 2,004,000 / (0.42913 × 1.555e12)
    = 3.0031 us: taken."""
    t, _, src = gemm.seconds(_a100_40(0.875 / 2.039), 1, 1000, 1000, "bf16", "bf16", PEAK, 0.7)
    assert t == pytest.approx(2_004_000 / 0.875e12)
    assert "(0.88 TB/s)" in src


def test_a_curve_at_the_ceilings_share_keeps_the_old_reading():
    """eff 0.8 = mem_eff: the old reading 2,004,000 / (0.8 × 1.555e12) = 1.6109 us and the ceiling are the same
    figure; the measured rate's 2,004,000 / (0.8 × 2.039e12) = 1.2285 us is faster, so the rule's time is the ceiling,
    no faster than the old: nothing changes and the source says nothing of the rule (only a strictly faster time
    takes it)."""
    t, _, src = gemm.seconds(_a100_40(0.8), 1, 1000, 1000, "bf16", "bf16", PEAK, 0.7)
    assert t == 2_004_000 / 1.555e12 / 0.8 and src == "table bf16"


def test_a_family_card_as_fast_as_the_measured_one_reads_its_curve_as_before():
    """A stand-in for a family's other card at the measured card's own 2,039 GB/s: its curve already is a share of
    that bandwidth, so the rule (for slower cards) stays off and the source is the table's alone. eff 0.6:
    2,004,000 / 2.039e12 / 0.6 = 1.6381 us. (With the rule on at equal bandwidths, 2,004,000 / (0.6 × 2.039e12)
    rounds one ulp below that figure at eff 0.6 and would be taken with the rule's words.)"""
    p = _a100_40(0.6)
    p.bw = 2.039e12
    t, _, src = gemm.seconds(p, 1, 1000, 1000, "bf16", "bf16", PEAK, 0.7)
    assert t == 2_004_000 / 2.039e12 / 0.6 and src == "table bf16"
