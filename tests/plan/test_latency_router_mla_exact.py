"""Session 14's latency terms at their edges, by hand (session 14's mutation run): the MoE router's gate runs
unquantized beside fp8 experts, at the card's bf16 MAMF row; vLLM's MLA module rest on a model with one MLA
layer type; the simulator's fast path (``seconds=True``) carries the MLA rest as ``price`` does."""
import json

import pytest

from kvplan import api
from kvplan.plan import roofline
from kvplan.plan.latency import tables
from kvplan.plan.latency.step import OpLatency
from kvplan.sources import catalog

H100 = tables.load("mla_module")["families"]["h100_sxm"]


def test_the_router_gate_beside_fp8_experts_runs_bf16_at_the_bf16_row():
    """Qwen3-30B-A3B with fp8 weights on a B200: the experts compute in fp8, the router's gate (built without
    the quant config, data/moe_routing.yaml) in the activation dtype, bf16, at B200's bf16 MAMF (0.776 in
    roofline.MAMF; its fp8 row is 0.763 and the median of the NVIDIA rows 0.803)."""
    gpu = catalog.load_gpu("b200")
    st = OpLatency(catalog.load_model("qwen3-30b-a3b"), gpu, weight_dtype="fp8_e4m3")
    assert st.compute_fmt == "fp8" and st.mamf == roofline.MAMF["b200"]["fp8"] == 0.763
    assert (st.router_fmt.wfmt, st.router_fmt.compute_fmt) == ("bf16", "bf16")
    assert st.router_fmt.peak_flops == gpu.dense_tflops["bf16"] * 1e12
    assert st.router_fmt.mamf == roofline.MAMF["b200"]["bf16"] == 0.776


def test_mla_rest_with_one_mla_layer_type(tmp_path):
    """DeepSeek-V2-Lite's config with first_k_dense_replace 0: all 27 layers MoE + MLA, one layer type, 16 heads
    at TP 1; vLLM on an H100 pays 27 × the measured (16 heads, batch 1) cell, 31.7 us: 855.9 us a decode pass."""
    cfg = json.load(open("tests/fixtures/configs/DeepSeek-V2-Lite.json"))
    cfg["first_k_dense_replace"] = 0
    path = tmp_path / "config.json"
    path.write_text(json.dumps(cfg))
    spec = api.load_model(str(path))
    assert len(spec.counts()) == 1
    st = OpLatency(spec, catalog.load_gpu("h100-sxm-80gb"))
    (op,) = [o for o in st.decode(1000, 1).ops if o[0].startswith("MLA module rest")]
    assert op[0] == "MLA module rest (27 layers, norms, BMMs)"
    assert H100["residual_us"][16][0] == 31.7 and op[1] == pytest.approx(27 * 31.7e-6, rel=1e-9)


@pytest.mark.parametrize("chunks, decodes, ctx_sum", [((), 1, 1000), ((), 4, 4000), ([(0, 64)], 2, 2000)])
def test_the_fast_path_carries_the_mla_rest(chunks, decodes, ctx_sum):
    """DeepSeek-R1 at TP 8 on an H100 (vLLM, int4 weights): ``seconds=True`` adds the same floats as
    ``price``'s ops, the MLA rest among them (61 layers × the 16-head cell at the decode count)."""
    def r1():
        return OpLatency(catalog.load_model("deepseek-r1"), catalog.load_gpu("h100-sxm-80gb"), tp=8,
                         weight_dtype="int4", kv_dtype="fp16")

    full = r1().mixed_sum(chunks, decodes, ctx_sum, 1000)
    (rest,) = [o for o in full.ops if o[0].startswith("MLA module rest")]
    assert rest[1] == pytest.approx(61 * H100["residual_us"][16][H100["batch"].index(decodes)] * 1e-6, rel=1e-9)
    assert r1().mixed_sum(chunks, decodes, ctx_sum, 1000, seconds=True) == pytest.approx(
        sum(o[1] for o in full.ops), rel=1e-12)
