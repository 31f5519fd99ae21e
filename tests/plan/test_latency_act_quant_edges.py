"""FP8 activation quantization (gemm.seconds ``act``, Profile.act_quant, OpLatency's formats) where session 16's
mutation run found no test looking (MUTATION.md, "Session 16: plan/latency gemm.py, profile.py, step.py"): the
roofline floor under a scheme that takes time away, the source line, what an engine's tables without a rule return,
the refusals' wording, a checkpoint stored in FP8, and the fitted MLA rest on a model with one MLA layer type. Every
expected figure is read from data/act_quant.yaml or fitted.yaml by its axes, or worked out by hand from the GPU's
catalog entry."""
import json
import re

import pytest

from kvplan import api
from kvplan.errors import KvplanError
from kvplan.model.weights import WeightQuant
from kvplan.plan.latency import gemm, tables
from kvplan.plan.latency.profile import Profile
from kvplan.plan.latency.step import OpLatency
from kvplan.sources import catalog


def compute_scale_us(k: int, m: int, family: str, tabs: str) -> float:
    aq = tables.load("act_quant")
    fam = aq["tables"][tabs]["families"][family]
    return tables.interp2(fam["k"], aq["m"], fam["compute_scale_us"], k, m)


def fp8(gpu: str, engine: str, m: int, n: int, k: int, act=None):
    g = catalog.load_gpu(gpu)
    return gemm.seconds(Profile(g, engine), m, n, k, "fp8", "fp8", g.dense_tflops["fp8"] * 1e12, 0.8, act=act)


def test_static_scales_never_beat_the_roofline_memory(monkeypatch):
    """TensorRT-LLM on an H100, M = 16, N = 2,048, K = 8,192, a scheme taking 1 s away (more than any measured kernel
    difference: since kernels.yaml's by_size grid no real shape's table time less its scale computation falls under
    its bytes): the time is what streaming the matrix takes, (2,048 × 8,192 + 2 × 16 × (2,048 + 8,192)) bytes =
    17,104,896 at 3.35 TB/s = 5.106 us (aiconfigurator's fp8_static rule: no lower than the roofline)."""
    monkeypatch.setattr(Profile, "act_quant", lambda self, scheme, m, k: (-1.0, "minus a second"))
    mem = 17_104_896 / 3.35e12
    assert fp8("h100-sxm-80gb", "trtllm", 16, 2048, 8192, "static_tensor")[0] == pytest.approx(mem, rel=1e-12)


def test_static_scales_never_beat_the_roofline_compute():
    """TensorRT-LLM on an H200, M = 2,048, N = 1,024, K = 16,384: 2 × 2,048 × 1,024 × 16,384 = 68,719,476,736 FLOP at
    H200's 1,979 dense FP8 TFLOPS = 34.724 us, above the bytes' 18.35 us at 4.8 TB/s and above the table's time less
    its scale computation: compute is the floor."""
    table = fp8("h200", "trtllm", 2048, 1024, 16384)[0]
    d = compute_scale_us(16384, 2048, "h200_sxm", "trtllm") * 1e-6
    comp = 68_719_476_736 / 1979e12
    assert table - d < comp and (1024 * 16384 + 2 * 2048 * (1024 + 16384)) / 4.8e12 < comp
    assert fp8("h200", "trtllm", 2048, 1024, 16384, "static_tensor")[0] == pytest.approx(comp, rel=1e-12)


def test_the_source_adds_the_scheme_and_its_signed_time():
    """vLLM on an H100, M = 1, K = 4,096: the table's source, then the static scheme's difference, minus the
    measured compute_scale at (K 4,096, M 1), in microseconds with its sign, and the scheme's source."""
    base = fp8("h100-sxm-80gb", "vllm", 1, 6144, 4096)[2]
    t, _, src = fp8("h100-sxm-80gb", "vllm", 1, 6144, 4096, "static_tensor")
    us = compute_scale_us(4096, 1, "h100_sxm", "vllm")
    asrc = Profile(catalog.load_gpu("h100-sxm-80gb"), "vllm").act_quant("static_tensor", 1, 4096)[1]
    assert asrc and src == f"{base}; static_tensor activation quantization {-us:+.2f} us a call: {asrc}"
    assert f"{-us:+.2f}".startswith("-0.")  # a fraction of a microsecond, printed as such


def test_no_rule_or_the_tables_own_scheme_is_nothing():
    """SGLang's tables have no act_quant entry, and vLLM's table already times the per-token scheme: (0.0, "")."""
    h100 = catalog.load_gpu("h100-sxm-80gb")
    assert Profile(h100, "sglang").act_quant("dynamic_tensor", 1, 4096) == (0.0, "")
    assert Profile(h100, "vllm").act_quant("dynamic_token", 1, 4096) == (0.0, "")


def test_refusals_list_the_schemes():
    aq = tables.load("act_quant")
    known = sorted({x for t in aq["tables"].values() for x in t["schemes"]})
    assert known == ["dynamic_tensor", "dynamic_token", "static_tensor"]
    h100 = catalog.load_gpu("h100-sxm-80gb")
    with pytest.raises(KvplanError, match="^" + re.escape(
            "activation quantization must be one of dynamic_tensor, dynamic_token, static_tensor, got 'per_block'")
            + "$"):
        Profile(h100, "vllm").act_quant("per_block", 1, 4096)
    trt = ", ".join(aq["tables"]["trtllm"]["schemes"])
    with pytest.raises(KvplanError, match="^" + re.escape(
            f"activation quantization 'dynamic_token' has no measured rule for trtllm's trtllm tables "
            f"(data/act_quant.yaml: {trt})") + "$"):
        Profile(h100, "trtllm").act_quant("dynamic_token", 1, 4096)


def test_an_fp8_checkpoint_runs_the_engines_scheme():
    """Llama 3.1 8B stored in per-tensor FP8 (scope linear: the projections and MLPs; the LM head in bf16) on
    TensorRT-LLM, whose default is the checkpoint's static scales: a decode step at batch 1 costs the per-tensor
    dynamic scheme's time less one scale computation per quantized input, 32 layers × (qkv 4,096, o 4,096,
    gate_up 4,096, down 14,336); the bf16 head has none."""
    spec = catalog.load_model("llama-3.1-8b").model_copy(
        update={"weight_quant": WeightQuant(scope="linear", format="fp8_e4m3")})
    g = catalog.load_gpu("h100-sxm-80gb")
    dflt = OpLatency(spec, g, 1, engine="trtllm").decode(100).seconds
    dyn = OpLatency(spec, g, 1, engine="trtllm", act_quant="dynamic_tensor").decode(100).seconds
    want = 32 * sum(compute_scale_us(k, 1, "h100_sxm", "trtllm") for k in (4096, 4096, 4096, 14336)) * 1e-6
    assert dyn - dflt == pytest.approx(want, rel=1e-6)


def test_fitted_mla_rest_with_one_mla_layer_type(tmp_path):
    """DeepSeek-V2-Lite's config with first_k_dense_replace 0 (all 27 layers MoE + MLA, one layer type) under SGLang on
    MI300X: the fitted per-layer rest, 27 × fitted.yaml's residual_us."""
    cfg = json.load(open("tests/fixtures/configs/DeepSeek-V2-Lite.json"))
    cfg["first_k_dense_replace"] = 0
    path = tmp_path / "config.json"
    path.write_text(json.dumps(cfg))
    spec = api.load_model(str(path))
    assert len(spec.counts()) == 1
    us = tables.load("fitted")["mla_rest"]["mi300x"]["sglang"]["residual_us"]
    st = OpLatency(spec, catalog.load_gpu("mi300x"), engine="sglang")
    (op,) = [o for o in st.decode(1000, 1).ops if o[0].startswith("MLA")]
    assert op[0] == f"MLA layer rest, fitted (27 layers × {us:g} us)"
    assert op[1] == pytest.approx(27 * us * 1e-6, rel=1e-12)
