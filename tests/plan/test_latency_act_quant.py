"""FP8 activation quantization per linear call (issue 21, round 14's torchao FP8 rows): vLLM's measured ``fp8`` GEMM
table times a dynamic per-token quantization of the input with every call (aiconfigurator's collect_gemm.py runs
RowParallelLinear.forward with Fp8Config(activation_scheme="dynamic")); a group quantized otherwise adds the measured
kernels' difference at its (M, K) from data/act_quant.yaml (aiconfigurator's vLLM quantize tables):

    static_tensor:  - compute_scale(M, K)                       (one static kernel instead of the per-token one)
    dynamic_tensor: + scale_matrix(M, K) - compute_scale(M, K)  (max reduction + static kernel)

Every expected figure is read from the data file by its axes (K row, M column), so a rule off by one row, one column
or one call per layer fails."""
import importlib.util
from pathlib import Path

import pytest
import yaml

from kvplan.errors import KvplanError
from kvplan.plan.latency import gemm, tables
from kvplan.plan.latency.profile import Profile
from kvplan.plan.latency.step import OpLatency
from kvplan.sources import catalog

ROOT = Path(__file__).resolve().parents[2]
H100 = "h100-sxm-80gb"


def measured_us(table: str, k: int, m: int, family: str = "h100_sxm", tabs: str = "vllm") -> float:
    aq = tables.load("act_quant")
    fam = aq["tables"][tabs]["families"][family]
    return fam[table][fam["k"].index(k)][aq["m"].index(m)]


def interp_us(table: str, k: int, m: int, family: str = "h100_sxm", tabs: str = "vllm") -> float:
    """Between the grid's K rows (14,336 is not one): log-linear in K, as the model reads it."""
    aq = tables.load("act_quant")
    fam = aq["tables"][tabs]["families"][family]
    return tables.interp2(fam["k"], aq["m"], fam[table], k, m)


def fp8(engine: str, m: int, n: int, k: int, act=None, gpu=H100) -> float:
    g = catalog.load_gpu(gpu)
    return gemm.seconds(Profile(g, engine), m, n, k, "fp8", "fp8", g.dense_tflops["fp8"] * 1e12, 0.8, act=act)[0]


@pytest.mark.parametrize("m,k", [(1, 4096), (16, 4096), (1, 16384), (256, 8192)])
def test_static_takes_away_the_per_token_scale(m, k):
    got = fp8("vllm", m, 6144, k, "static_tensor") - fp8("vllm", m, 6144, k)
    assert got == pytest.approx(-measured_us("compute_scale_us", k, m) * 1e-6, rel=1e-9)


@pytest.mark.parametrize("m,k", [(1, 4096), (4, 12288), (1, 16384)])
def test_per_tensor_adds_a_reduction_pass(m, k):
    got = fp8("vllm", m, 6144, k, "dynamic_tensor") - fp8("vllm", m, 6144, k)
    want = measured_us("scale_matrix_us", k, m) - measured_us("compute_scale_us", k, m)
    assert got == pytest.approx(want * 1e-6, rel=1e-9)
    assert got > 0  # two passes cost more than the per-token kernel, on H100's measured tables


def test_per_token_is_the_tables_own():
    assert fp8("vllm", 1, 6144, 4096, "dynamic_token") == fp8("vllm", 1, 6144, 4096)


def test_tables_without_a_rule():
    """SGLang's tables were not read for their quantization: no change there; a bf16 GEMM has none; TensorRT-LLM's
    table has no per-token rule (its quantize tables time per-tensor kernels): refused, not guessed."""
    assert fp8("sglang", 1, 6144, 4096, "dynamic_tensor") == fp8("sglang", 1, 6144, 4096)
    g = catalog.load_gpu(H100)
    bf = [gemm.seconds(Profile(g, "vllm"), 1, 6144, 4096, "bf16", "bf16", 1e15, 0.8, act=a)[0]
          for a in (None, "dynamic_tensor")]
    assert bf[0] == bf[1]
    with pytest.raises(KvplanError, match="no measured rule"):
        fp8("trtllm", 1, 6144, 4096, "dynamic_token")


@pytest.mark.parametrize("m,k", [(1, 4096), (64, 8192)])
def test_trtllm_static_takes_away_its_per_tensor_scale(m, k):
    assert fp8("trtllm", m, 6144, k, "dynamic_tensor") == fp8("trtllm", m, 6144, k)
    got = fp8("trtllm", m, 6144, k, "static_tensor") - fp8("trtllm", m, 6144, k)
    assert got == pytest.approx(-measured_us("compute_scale_us", k, m, tabs="trtllm") * 1e-6, rel=1e-9)


def test_trtllm_engines_run_static_scales_by_default():
    """engines.yaml trtllm / other ``fp8_activations: static_tensor``: Llama 3 8B FP8 decode at batch 1 costs the
    table's time less one per-tensor scale computation per quantized input (32 layers × 4 + the LM head)."""
    spec, g = catalog.load_model("llama-3-8b"), catalog.load_gpu(H100)
    for eng in ("trtllm", "other"):
        dflt = OpLatency(spec, g, 1, "fp8", "fp8", engine=eng).decode(100).seconds
        table = OpLatency(spec, g, 1, "fp8", "fp8", engine=eng, act_quant="dynamic_tensor").decode(100).seconds
        ks = [4096, 4096, 4096, 14336] * 32 + [4096]
        want = sum(interp_us("compute_scale_us", k, 1, tabs="trtllm") for k in ks) * 1e-6
        assert table - dflt == pytest.approx(want, rel=1e-6)
    assert OpLatency(spec, g, 1, "fp8", "fp8", engine="vllm").act_quant is None


def test_unknown_scheme_is_refused():
    with pytest.raises(KvplanError, match="activation quantization"):
        fp8("vllm", 1, 6144, 4096, "per_block")


def test_a_step_pays_it_once_per_linear_call():
    """Llama 3.1 8B decode at batch 1 under gpt-fast (vLLM's tables): 32 layers × (qkv, o, gate_up, down) + the LM
    head, each call's own K."""
    spec, g = catalog.load_model("llama-3.1-8b"), catalog.load_gpu(H100)
    base = OpLatency(spec, g, 1, "bf16", "fp8", engine="gptfast").decode(100).seconds
    tens = OpLatency(spec, g, 1, "bf16", "fp8", engine="gptfast", act_quant="dynamic_tensor").decode(100).seconds
    h, inter, layers = spec.hidden_size, 14336, 32
    ks = [h, h, h, inter] * layers + [h]  # qkv, o, gate_up, down (inputs h, q heads × 128 = h, h, intermediate), head
    assert interp_us("scale_matrix_us", h, 1) == measured_us("scale_matrix_us", h, 1)
    delta = sum(interp_us("scale_matrix_us", k, 1) - interp_us("compute_scale_us", k, 1) for k in ks) * 1e-6
    assert tens - base == pytest.approx(delta, rel=1e-6)


def test_rows_schemes_exist():
    spec = importlib.util.spec_from_file_location("perf_accuracy", ROOT / "scripts" / "perf_accuracy.py")
    pa = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(pa)
    ids = {e["id"] for e in yaml.safe_load((ROOT / "benchmarks/published/measurements.yaml").read_text())}
    schemes = tables.load("act_quant")["tables"]["vllm"]["schemes"]  # the rows run gpt-fast on vLLM's tables
    assert pa.ACT_QUANT and set(pa.ACT_QUANT) <= ids and set(pa.ACT_QUANT.values()) <= set(schemes)


def test_own_inputs_follow_the_engines_fused_layers():
    h = 4096
    assert gemm.own_inputs([(4096, h), (1024, h), (1024, h), (4096, h)], h) == [True, False, False, True]  # q k v o
    assert gemm.own_inputs([(14336, h), (14336, h), (h, 14336)], h) == [True, False, True]  # gate up down
    assert gemm.own_inputs([(14336, h), (h, 14336)], h) == [True, True]  # ungated
    # MLA (DeepSeek-V3, one rank of TP 8): q_a, q_b, kv_a, kv_b, o -> fused q_a/kv_a, q_b, kv_b, o
    assert gemm.own_inputs([(1536, 7168), (3072, 1536), (576, 7168), (4096, 512), (7168, 2048)], 7168) == \
        [True, True, False, True, True]
    assert gemm.own_inputs([(128256, h)], h) == [True]  # the LM head


def test_block_scaled_weights_keep_the_tables_quantization():
    """DeepSeek-R1's 128 × 128 block FP8 on TensorRT-LLM (H200 has no fp8_block curve: the fp8 one prices it): its
    activations are quantized per group at run time, so the engine's static default does not apply."""
    g = catalog.load_gpu("h200")
    prof = Profile(g, "trtllm")
    args = (prof, 1, 7168, 2048, "fp8_e4m3", "fp8", g.dense_tflops["fp8"] * 1e12, 0.8, None)
    assert gemm.seconds(*args, 128, "static_tensor") == gemm.seconds(*args, 128, None)
    assert gemm.seconds(*args, None, "static_tensor") < gemm.seconds(*args, None, None)
