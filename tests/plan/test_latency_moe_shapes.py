"""MoE experts priced from the measured table at the model's own shape (issue 21, session 17: the prefill of large MoE
models). data/moe_shapes.json (benchmarks/latency/derive_moe_shapes.py) copies aiconfigurator 0.12.0's balanced,
no-EP rows of the catalog models' shapes; moe.grouped_seconds reads them before the fit. Checked by hand against
the table: TensorRT-LLM 1.3.0rc20 on H200, fp8_block, DeepSeek-R1's shape (hidden 7,168, intermediate 2,048,
256 experts, top 8) at moe_tp 8: 8,192 tokens 4,980.x us a layer (the fit gave 1.13 ms); SGLang 0.5.14 on B200
(flashinfer trtllm MoE) 1,024 tokens 396.6 us."""
import json
import math

import pytest

from kvplan.plan.latency import moe, tables
from kvplan.plan.latency.step import OpLatency
from kvplan.sources import catalog

SHAPES = json.loads((tables.DATA / "moe_shapes.json").read_text())


def row(fam, eng, fmt, key):
    t = SHAPES["families"][fam][eng][fmt]
    return next(r for r in t["shapes"] if (r["hidden"], r["intermediate"], r["experts"], r["top_k"], r["tp"]) == key)


def r1(gpu, engine, **kw):
    return OpLatency(catalog.load_model("deepseek-r1"), catalog.load_gpu(gpu), tp=8, engine=engine, **kw)


def moe_op(step):
    return next(o for o in step.ops if o[0].startswith("MoE experts"))


@pytest.mark.parametrize("gpu,engine,fam,tokens", [("h200-sxm-141gb", "trtllm", "h200_sxm", 8192),
                                                   ("b200", "sglang", "b200_sxm", 1024),
                                                   ("h200-sxm-141gb", "vllm", "h200_sxm", 2048)])
def test_prefill_experts_are_the_measured_row_times_layers(gpu, engine, fam, tokens):
    """At a measured token count the op is exactly the table's time × the 58 MoE layers (no fit, no interpolation)."""
    r = row(fam, engine, "fp8", (7168, 2048, 256, 8, 8))
    us = r["us"][r["tokens"].index(tokens)]
    op = moe_op(r1(gpu, engine).prefill(tokens))
    assert op[1] == pytest.approx(58 * us * 1e-6, rel=1e-12)
    assert "measured at this shape" in op[3] and "moe_perf.parquet" in op[3]


def test_trtllm_h200_row_by_hand():
    r = row("h200_sxm", "trtllm", "fp8", (7168, 2048, 256, 8, 8))
    assert SHAPES["families"]["h200_sxm"]["trtllm"]["fp8"]["table_dtype"] == "fp8_block"
    assert 4900 < r["us"][r["tokens"].index(8192)] < 5100  # 4.98 ms a layer, 4.4 × the fit's 1.13 ms


def test_between_measured_counts_log_log():
    xs, ys = [512, 1024], [300.0, 400.0]
    t = moe.measured_seconds((xs, ys, ""), 724.0773439350246)  # sqrt(512 × 1024): the geometric middle
    assert t == pytest.approx(math.sqrt(300.0 * 400.0) * 1e-6, rel=1e-9)
    assert moe.measured_seconds((xs, ys, ""), 2048) == pytest.approx(800e-6)  # linear past the last count
    assert moe.measured_seconds((xs, ys, ""), 100) == pytest.approx(300e-6)  # the smallest count's time below it


def test_shape_not_in_table_keeps_the_fit():
    """Expert parallelism (the table's rows are EP 1) and a family without the engine's table (A100 under vLLM:
    aiconfigurator 0.12.0 has no vLLM MoE table for A100) price as before, by the fit or the fallback."""
    st = r1("h200-sxm-141gb", "vllm", ep=8)
    assert all(k is None for k in st.moe_keys)
    assert "measured at this shape" not in moe_op(st.prefill(1024))[3]
    st = OpLatency(catalog.load_model("deepseek-r1"), catalog.load_gpu("a100-sxm-80gb"), tp=8, engine="vllm")
    assert st.moe_keys[0] is not None and "measured at this shape" not in moe_op(st.prefill(1024))[3]


def test_a_pass_that_reads_part_of_the_experts_keeps_the_fit():
    """Decode at batch 1 reads 8 of 256 experts and a 64-token pass 223 of them (uniform routing); the table's
    balanced rows spread the pairs over fewer experts (its 64-token row takes 156 us on B200, 9.0 TB/s if all 1.41 GB
    were read), so both keep the fit; from about 220 tokens every expert is read and the measured row prices it."""
    st = r1("b200", "sglang")
    key = st.moe_keys[0]
    rows = moe.measured_shape(st.prof, "fp8", key)
    for tokens, measured in ((1, False), (64, False), (300, True), (1024, True)):
        read = moe.expected_experts(256, 8, tokens)
        t, _, src = moe.grouped_seconds(st.prof, tokens * 8, read, st.expert_bytes[0], st.moe_shapes[0][3], "fp8",
                                        st.peak_flops, st.mamf, shape=key)
        fit = moe.grouped_seconds(st.prof, tokens * 8, read, st.expert_bytes[0], st.moe_shapes[0][3], "fp8",
                                  st.peak_flops, st.mamf)[0]
        assert ("measured at this shape" in src) == measured
        assert t == (moe.measured_seconds(rows, tokens) if measured else fit)


def test_measured_shape_needs_the_format_and_key():
    st = r1("b200", "sglang")
    assert moe.measured_shape(st.prof, None, st.moe_keys[0]) is None
    assert moe.measured_shape(st.prof, "fp8", None) is None
    assert moe.measured_shape(st.prof, "fp8", (7168, 2048, 256, 8, 3)) is None
    assert moe.measured_shape(st.prof, "fp8", st.moe_keys[0]) is not None
