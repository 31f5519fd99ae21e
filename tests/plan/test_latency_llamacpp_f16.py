"""llama.cpp's F16 prompt GEMMs (cuBLAS, fp16 accumulation) on GPUs without a kernel table: the compute-bound time is
2·M·N·K / (fp16-accumulate peak × fitted.yaml's f16_gemm share), the peak being the catalog's fp16 figure times
fallback.yaml's fp16_accumulate_ratio (2 on GeForce cards, whose catalog figure is the fp32-accumulate rate)."""
import pytest

from kvplan.plan.latency import gemm, tables
from kvplan.plan.latency.profile import Profile
from kvplan.sources import catalog

M, N, K = 512, 14336, 4096  # llama-bench pp512 through Llama 3 8B's down projection: 60.1 GFLOP, compute-bound


def _share():
    return tables.load("fitted")["f16_gemm"]["llamacpp"]["compute_efficiency"]


@pytest.mark.parametrize("name, ratio", [("t4", 1.0), ("l4", 1.0), ("a6000", 1.0), ("rtx-4090", 2.0),
                                         ("rtx-3090", 2.0)])
def test_llamacpp_f16_gemm_at_the_fitted_share_of_the_fp16_accumulate_peak(name, ratio):
    gpu = catalog.load_gpu(name)
    assert tables.load("fallback")["fp16_accumulate_ratio"].get(name, 1.0) == ratio
    peak = gpu.dense_tflops["fp16"] * 1e12
    t, bound, src = gemm.seconds(Profile(gpu, "llamacpp"), M, N, K, "fp16", "fp16", peak, 0.803)
    assert bound == "compute" and "fp16 accumulate" in src and "f16_gemm" not in src
    assert t == pytest.approx(2 * M * N * K / (peak * ratio * _share()), rel=1e-12)
    # T4 by hand: 60.13 GFLOP at 65 TFLOPS × the share, e.g. 0.40 -> 2.31 ms (0.803, the MAMF median: 1.15 ms)
    if name == "t4":
        assert t == pytest.approx(60_129_542_144 / (65e12 * _share()))


def test_other_engines_and_formats_keep_the_mamf_share():
    gpu = catalog.load_gpu("t4")
    peak = gpu.dense_tflops["fp16"] * 1e12
    # vLLM (cuBLAS with fp32 accumulation) on a card without tables: the MAMF share passed in
    t, bound, src = gemm.seconds(Profile(gpu, "vllm"), M, N, K, "fp16", "fp16", peak, 0.803)
    assert bound == "compute" and t == pytest.approx(2 * M * N * K / (peak * 0.803)) and "fp16 accumulate" not in src
    # llama.cpp's quantized weights (q4_0: its own kernels) keep it too
    t, bound, _ = gemm.seconds(Profile(gpu, "llamacpp"), M, N, K, "q4_0", "fp16", peak, 0.803)
    assert bound == "compute" and t == pytest.approx(2 * M * N * K / (peak * 0.803))
    # a memory-bound F16 GEMM (decode, M = 1) is unchanged: weights at the fallback's bandwidth share
    p = Profile(gpu, "llamacpp")
    t, bound, _ = gemm.seconds(p, 1, N, K, "fp16", "fp16", peak, 0.803)
    assert bound == "memory" and t == pytest.approx((N * K * 2 + 2 * (N + K)) / (gpu.memory_bandwidth_bytes_per_s
                                                                                    * p.mem_eff))


def test_the_share_is_fitted_on_the_fit_side_llamacpp_f16_prompt_rows():
    f = tables.load("fitted")["f16_gemm"]["llamacpp"]
    assert 0.1 <= f["compute_efficiency"] <= 0.9 and "fp16 prompt rows" in f["source"]
    assert tables.load("engines")["llamacpp"]["gemm_accumulate"] == "fp16"
    assert "CUBLAS_COMPUTE_16F" in tables.load("engines")["llamacpp"]["gemm_accumulate_source"]
