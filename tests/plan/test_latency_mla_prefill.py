"""Prefill attention as the engines run it (issues 21/22, long prompts): in the activation format's peak (bf16), not the
weights' (fp8 GEMMs only); MLA non-absorbed (multi-head attention over 192 / 128 head dims, V padded to 192 where the
engine's FlashAttention build needs one head dim) at the MLA context kernel's measured efficiency where the family has
one (data/mla_context.yaml). FLOPs counted by hand.

DeepSeek-R1 at TP 8: 61 MLA layers, 16 query heads on a rank, qk_nope 128 + qk_rope 64 = 192, v 128, latent 512."""
import pytest
import yaml

from kvplan.plan.latency import tables
from kvplan.plan.latency.step import OpLatency
from kvplan.sources import catalog

N = 4096
CAUSAL = N * (N + 1) // 2  # 8,390,656 keys seen over a 4,096-token prompt


def r1(gpu="h200-sxm-141gb", engine="vllm"):
    return OpLatency(catalog.load_model("deepseek-r1"), catalog.load_gpu(gpu), tp=8, engine=engine)


def attention_op(st, prompt=N):
    (op,) = [o for o in st.prefill(prompt).ops if o[0].startswith("prefill attention")]
    return op


def test_mla_prefill_flops_by_hand():
    """Per key 2 × 16 × (192 + 128) = 10,240 (padded V: 2 × 16 × 384 = 12,288; absorbed, decode's: 2 × 16 × (2 × 512
    + 64) = 34,816); positions 1-4 see 10 keys, 3-4 see 7."""
    mla = next(m for _, m, _, _ in r1().layers)
    assert (mla.num_heads, mla.kind) == (16, "mla")
    assert mla.prefill_flops(1, 4) == 102_400
    assert mla.prefill_flops(3, 4) == 71_680
    assert mla.prefill_flops(1, 4, pad_v=True) == 122_880
    assert mla.mix_flops(1, 4) == 348_160


def test_an_fp8_models_prefill_attention_runs_at_the_bf16_peak_on_the_flash_attention_table():
    """vLLM on an H200 (FA3 on SM90: V unpadded): 61 × 10,240 × 8,390,656 = 5,241,139,363,840 FLOPs at the dense bf16
    peak × kernels.yaml's vLLM prefill efficiency at 4,096 tokens; the GEMMs run fp8 (twice the peak)."""
    st = r1()
    assert st.compute_fmt == "fp8" and not st.mla_pad_v and st.mla_prefill
    flops = 61 * 10_240 * CAUSAL
    assert flops == 5_241_139_363_840 == st.prefill(N).attention_flops
    t = tables.load("kernels")["families"]["h200_sxm"]["engines"]["vllm"]["prefill_attention"]
    eff = t["efficiency"][t["isl"].index(N)]
    bf16 = catalog.load_gpu("h200-sxm-141gb").dense_tflops["bf16"] * 1e12
    assert catalog.load_gpu("h200-sxm-141gb").dense_tflops["fp8"] * 1e12 == pytest.approx(2 * bf16, rel=0.01)
    op = attention_op(st)
    assert op[1] == pytest.approx(st.prof.scale("attention") * flops / (bf16 * eff), rel=1e-9)
    assert "vllm" in op[3] and "MLA context" not in op[3]


def test_sglang_prices_mla_prefill_at_its_measured_mla_context_kernel():
    """SGLang on an H200: aiconfigurator's context_mla table (mla_context.yaml), not the GQA FlashAttention one."""
    st = r1(engine="sglang")
    t = tables.load("mla_context")["families"]["h200_sxm"]["engines"]["sglang"]
    eff = t["efficiency"][t["isl"].index(N)]
    gqa = tables.load("kernels")["families"]["h200_sxm"]["engines"]["sglang"]["prefill_attention"]
    assert eff < 0.5 * gqa["efficiency"][gqa["isl"].index(N)]  # the measured MLA kernel is the slower one
    bf16 = catalog.load_gpu("h200-sxm-141gb").dense_tflops["bf16"] * 1e12
    op = attention_op(st)
    assert op[1] == pytest.approx(st.prof.scale("attention") * 61 * 10_240 * CAUSAL / (bf16 * eff), rel=1e-9)
    assert "context_mla_perf" in op[3] and "MLA context" in op[3]


@pytest.mark.parametrize("gpu, engine, padded", [
    ("h200-sxm-141gb", "vllm_v06", True),   # vLLM 0.7.x V0 pads V whatever the card
    ("h200-sxm-141gb", "vllm", False),      # FA3 on SM90 takes two head dims
    ("b200", "vllm", False),                # FA4 on SM100
    ("a100-sxm-80gb", "vllm", True),        # FA2: one head dim
    ("mi300x", "vllm", True),               # no vllm_flash_attn build: padded
    ("h200-sxm-141gb", "sglang", False),    # its own measured kernel
])
def test_v_padding_by_engine_and_card(gpu, engine, padded):
    st = r1(gpu, engine)
    assert st.mla_pad_v is padded
    assert st.prefill(N).attention_flops == 61 * (12_288 if padded else 10_240) * CAUSAL


def test_a_gqa_fp8_model_prices_attention_at_bf16():
    """Llama-3.1-8B, fp8 weights, H100 (vLLM): 32 layers × 2 × 32 heads × (128 + 128) × 8,390,656 FLOPs at the bf16
    peak × the table's efficiency: half the speed the fp8 peak would give."""
    st = OpLatency(catalog.load_model("llama-3.1-8b"), catalog.load_gpu("h100-sxm-80gb"), weight_dtype="fp8_e4m3")
    flops = 32 * 2 * 32 * 256 * CAUSAL
    assert st.prefill(N).attention_flops == flops
    t = tables.load("kernels")["families"]["h100_sxm"]["engines"]["vllm"]["prefill_attention"]
    bf16 = catalog.load_gpu("h100-sxm-80gb").dense_tflops["bf16"] * 1e12
    assert st.peak_flops > 1.9 * bf16  # the GEMMs' fp8 peak
    assert attention_op(st)[1] == pytest.approx(
        st.prof.scale("attention") * flops / (bf16 * t["efficiency"][t["isl"].index(N)]), rel=1e-9)


def test_the_mla_context_table_names_its_sources():
    d = yaml.safe_load((tables.DATA / "mla_context.yaml").read_text())
    assert d["generated_by"] == "benchmarks/latency/derive_mla_context.py"
    for fam in d["families"].values():
        for eng in fam["engines"].values():
            assert eng["source"].startswith("aiconfigurator 0.12.0: ") and "context_mla_perf" in eng["source"]
            assert len(eng["isl"]) == len(eng["efficiency"])
