"""int4 experts and the MoE router in the per-operation model (issue 21, round 12's diagnosis).

DeepSeek-R1 at TP 8 with ``--weight-dtype int4`` (AWQ / GPTQ group 128: per 128 weights an fp16 scale and a 4-bit
zero point, 2.5 bytes): one routed expert on a rank is w13 512 × 7,168 and w2 7,168 × 256,
    weights  3 × 7,168 × 256 = 5,505,024 → 4 bits each       2,752,512 bytes
    groups   5,505,024 / 128 = 43,008   → 2.5 bytes each      107,520 bytes
    expert                                                   2,860,032 bytes
the bytes the dense GEMMs already counted (gemm.BYTES_PER_WEIGHT) and the MoE tables' int4 curve was derived with
(derive_kernels.py MOE_BPW: 0.5 + 2 / 128), which the experts left out before.

The router (data/moe_routing.yaml), which aiconfigurator's MoE tables do not time: per MoE layer, the gate GEMM
hidden → experts (7,168 → 256) in bf16, replicated, unquantized, plus the top-k kernel's 7 us."""
import pytest

from kvplan.plan.latency import gemm, tables
from kvplan.plan.latency.step import OpLatency
from kvplan.sources import catalog


def r1(**kw):
    return OpLatency(catalog.load_model("deepseek-r1"), catalog.load_gpu("h100-sxm-80gb"), tp=8, **kw)


def test_int4_group_bytes_by_hand():
    assert gemm.stored_bytes("int4", 512, 7168) == 1_835_008 + 512 * 56 * 5 // 2 == 1_906_688
    assert gemm.stored_bytes("int4", 7168, 256) == 917_504 + 7168 * 2 * 5 // 2 == 953_344
    assert gemm.stored_bytes("bf16", 7168, 256) == 3_670_016  # no scales: 2 bytes a weight


def test_int4_experts_stream_their_group_scales():
    st = r1(weight_dtype="int4")
    assert st.moe_shapes[0][3] == [(512, 7168), (7168, 256)]
    assert st.expert_bytes == [2_752_512 + 107_520] == [2_860_032]
    # the memory plan's bytes are untouched: the roofline's experts stay at the dtype's 4 bits
    assert st.moe[0][3] == 2_752_512


def test_other_formats_keep_the_rooflines_expert_bytes():
    for w in ("bf16", "fp8", "int8"):
        st = r1(weight_dtype=w)
        assert st.expert_bytes == [st.moe[0][3]]


def test_router_op_prices_the_gate_gemm_and_top_k():
    st = r1(weight_dtype="int4")
    ops = {o[0]: o for o in st.decode(1000, 1).ops}
    gate, _, src = gemm.seconds(st.prof, 1, 256, 7168, "bf16", "bf16", st.gpu.dense_tflops["bf16"] * 1e12,
                                st.router_fmt.mamf)
    assert gate > 0 and src.endswith("h100_sxm/gemm/vllm/0.24.0/gemm_perf.parquet (bf16)")
    assert ops["MoE router gate 7,168 -> 256 (GEMM)"][1:] == (pytest.approx(st.prof.scale("gemm") * 58 * gate,
                                                                            rel=1e-12), "memory", src)
    assert tables.load("moe_routing")["topk_us"] == 7.0
    assert ops["MoE top-k (58 layers × 7 us)"][1] == pytest.approx(58 * 7e-6, rel=1e-12)
    # the step's sum carries it: the fast path (seconds) equals the sum of the ops
    step = st.decode(1000, 1)
    assert step.seconds == pytest.approx(sum(o[1] for o in step.ops), rel=1e-9)


def test_a_dense_model_has_no_router():
    st = OpLatency(catalog.load_model("llama-3.1-8b"), catalog.load_gpu("h100-sxm-80gb"))
    assert not any(o[0].startswith(("MoE router", "MoE top-k")) for o in st.decode(1000, 1).ops)
