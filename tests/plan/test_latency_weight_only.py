"""TensorRT-LLM's int4 (w4a16) GEMMs by kernel (Profile.weight_only_kernel, gemm.seconds): engines.yaml
``weight_only_gemv_max_m`` splits a GEMV (M <= 4) from CUTLASS's mixed-input GEMM, each with fitted.yaml
``weight_only``'s multipliers; here the multipliers and the curve's efficiency are set by the test (gemv 2.0, CUTLASS
3.0 on streaming and 1.5 on tensor-core time, efficiency 0.5, no floor), so every figure is worked out by hand."""
import pytest

from kvplan.plan.latency import gemm, tables
from kvplan.plan.latency.profile import Profile
from kvplan.sources import catalog

WO = {"trtllm": {"int4": {"gemv": 2.0, "cutlass_memory": 3.0, "cutlass_compute": 1.5, "source": "by hand"}}}


@pytest.fixture
def prof(monkeypatch):
    real = tables.load
    monkeypatch.setattr(tables, "load", lambda name: dict(real(name), weight_only=WO) if name == "fitted"
                        else real(name))
    p = Profile(catalog.load_gpu("h200"), "trtllm")
    monkeypatch.setattr(p, "gemm_efficiency", lambda fmt, m, nk, mamf: (0.5, 0.0, f"table {fmt}"))
    return p


def test_the_kernel_follows_m(prof):
    """SMALL_M_FAST_PATH = 5: M 4 is the GEMV's, M 5 CUTLASS's; int8 has no entry, vLLM no rule."""
    assert tables.load("engines")["trtllm"]["weight_only_gemv_max_m"] == 4
    f = prof.weight_only_kernel("int4", 4)
    assert f[:2] == (2.0, 1.0) and "GEMV (M <= 4)" in f[2] and f[2].endswith("by hand")
    f = prof.weight_only_kernel("int4", 5)
    assert f[:2] == (3.0, 1.5) and "CUTLASS mixed-input GEMM (M > 4)" in f[2]
    assert prof.weight_only_kernel("int8", 1) is None
    assert Profile(catalog.load_gpu("h200"), "vllm").weight_only_kernel("int4", 1) is None


def test_gemv_streams_at_its_multiplier(prof):
    """M 1, 4,096 x 4,096 int4 (group 128): 16,777,216 x (0.5 + 2.5 / 128) = 8,716,288 bytes + 2 x (4,096 + 4,096)
    activation bytes = 8,732,672 at 4.8 TB/s / 0.5 = 3.6386 us, x 2.0 = 7.2773 us, memory-bound."""
    t, bound, src = gemm.seconds(prof, 1, 4096, 4096, "int4", "bf16", 1e15, 0.8)
    assert t == pytest.approx(8_732_672 / 4.8e12 / 0.5 * 2.0, rel=1e-12) and bound == "memory"
    assert "GEMV" in src and "dequant" not in src


def test_cutlass_at_a_prefill_m_is_compute_bound_at_its_multiplier(prof):
    """M 8,192: 2 x 8,192 x 4,096 x 4,096 = 274,877,906,944 FLOP at 10^15 / 0.5 = 549.76 us, x 1.5 = 824.63 us; the
    bytes 8,716,288 + 2 x 8,192 x 8,192 = 142,934,016 at 4.8 TB/s / 0.5 x 3.0 = 178.67 us: compute decides."""
    t, bound, _ = gemm.seconds(prof, 8192, 4096, 4096, "int4", "bf16", 1e15, 0.8)
    assert t == pytest.approx(274_877_906_944 / 1e15 / 0.5 * 1.5, rel=1e-12) and bound == "compute"


def test_cutlass_at_a_decode_m_streams_at_its_multiplier(prof):
    """M 8: bytes 8,716,288 + 2 x 8 x 8,192 = 8,847,360 at 4.8 TB/s / 0.5 x 3.0 = 11.059 us; FLOP 2 x 8 x 4,096^2 =
    268,435,456 at 10^15 / 0.5 x 1.5 = 0.805 us: memory decides."""
    t, bound, _ = gemm.seconds(prof, 8, 4096, 4096, "int4", "bf16", 1e15, 0.8)
    assert t == pytest.approx(8_847_360 / 4.8e12 / 0.5 * 3.0, rel=1e-12) and bound == "memory"
