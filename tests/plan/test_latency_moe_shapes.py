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


# Mutation run mut17e (session 17): Mixtral-8x7B's experts (hidden 4,096, intermediate 14,336, 8 experts, top 2) at
# tp 4 on H100 under TensorRT-LLM, bf16: the table's row (4096, 14336, 8, 2, 4) has 1,024 tokens 382.67 us, 1,536
# tokens 491.10 us and 16,384 tokens 3,889.69 us a layer; 32 MoE layers. A rank's expert is 3 × 4,096 × 14,336 / 4
# weights × 2 bytes = 88,080,384 bytes; fused linears (7,168, 4,096) and (4,096, 3,584); H100 3.35 TB/s.
def mixtral_tp4():
    return OpLatency(catalog.load_model("mixtral-8x7b"), catalog.load_gpu("h100-sxm-80gb"), tp=4, engine="trtllm")


def test_mixtral_row_read_at_tokens_not_tensor_parallel(monkeypatch):
    """1,024 tokens route 2,048 (token, expert) pairs: the table's time at 2,048 / top-2 = 1,024 tokens, 382.67 us
    (at 2,048 / tp 4 = 512 it would be 337.57 us). The shape table is read afresh (its cache emptied)."""
    monkeypatch.setattr(moe, "_SHAPES", {})
    st = mixtral_tp4()
    assert st.expert_bytes == [88_080_384] and st.moe_keys == [(4096, 14336, 8, 2, 4)]
    op = moe_op(st.prefill(1024))
    assert op[1] == pytest.approx(32 * 382.67e-6, rel=1e-12)
    assert "h100_sxm/moe/trtllm" in op[3] and "measured at this shape" in op[3] and "27 token counts" in op[3]


def test_mixtral_past_the_largest_count_is_linear():
    """32,768 tokens: twice the largest count (16,384: 3,889.69 us), so 7,779.38 us a layer."""
    assert moe_op(mixtral_tp4().prefill(32768))[1] == pytest.approx(32 * 2 * 3889.69e-6, rel=1e-12)


def test_mixtral_switch_over_at_ten_tokens():
    """Uniform routing reads 8 × (1 − (3/4)^T) experts: 7.399 at T = 9, 7.549 at T = 10; the measured row needs
    8 − 0.5 = 7.5, so 10 tokens is the first pass priced from the row (T ≥ ln 16 / ln(4/3) = 9.64)."""
    st = mixtral_tp4()
    assert "measured at this shape" not in moe_op(st.prefill(9))[3]
    assert "measured at this shape" in moe_op(st.prefill(10))[3]
    args = (st.prof, 20, 7.5, st.expert_bytes[0], st.moe_shapes[0][3], "bf16", st.peak_flops, st.mamf)
    assert "measured at this shape" in moe.grouped_seconds(*args, shape=st.moe_keys[0])[2]  # exactly 7.5: the row
    args = (st.prof, 20, 7.49, *args[3:])
    assert "measured at this shape" not in moe.grouped_seconds(*args, shape=st.moe_keys[0])[2]


def test_mixtral_bound_by_hand():
    """Memory-bound where reading the experts takes at least half the measured time. Weights 8 × 88,080,384 B /
    3.35 TB/s = 210.34 us; activations 2 B × 2T pairs × (7,168 + 4,096 + 4,096 + 3,584) / 3.35 TB/s = 22.62 ns a
    token. 1,536 tokens (a measured count, 491.10 us): 210.34 + 34.74 = 245.08 us < 245.55 us: compute. 1,280 tokens
    (log-log: 382.67^0.4497 × 491.10^0.5503 = 438.99 us): 210.34 + 28.95 = 239.29 us ≥ 219.49 us: memory, though the
    weights alone (210.34 us) would not be. 16 tokens (263.35 us): memory."""
    st = mixtral_tp4()
    assert moe_op(st.prefill(1536))[1] == pytest.approx(32 * 491.10e-6, rel=1e-12)
    assert moe_op(st.prefill(1536))[2] == "compute"
    op = moe_op(st.prefill(1280))
    assert op[1] == pytest.approx(32 * 438.99e-6, rel=2e-5) and op[2] == "memory"
    assert moe_op(st.prefill(16))[2] == "memory"
    assert moe_op(st.prefill(16384))[2] == "compute"


def test_no_row_where_the_table_lacks_family_engine_or_format(monkeypatch):
    """Read afresh (cache emptied): MI300X has no family in the table, A100 only SGLang's, L40S under SGLang bf16 and
    int4 but no fp8 (aiconfigurator 0.12.0 has none of them), so each is None, not an error; H100 under TensorRT-LLM
    has Mixtral's row at tp 4 with 27 token counts, 1 to 16,384."""
    monkeypatch.setattr(moe, "_SHAPES", {})
    key = (4096, 14336, 8, 2, 4)
    for gpu, engine, fmt in (("mi300x", "sglang", "bf16"), ("a100-sxm-80gb", "vllm", "bf16"), ("l40s", "sglang", "fp8")):
        prof = OpLatency(catalog.load_model("mixtral-8x7b"), catalog.load_gpu(gpu), tp=4, engine=engine).prof
        assert moe.measured_shape(prof, fmt, key) is None
    rows = moe.measured_shape(mixtral_tp4().prof, "bf16", key)
    assert len(rows[0]) == 27 and (rows[0][0], rows[0][-1]) == (1, 16384) and rows[1][-1] == 3889.69


# Session 19 (lat21mla): DeepSeek-R1 at TP 8 on H200 under vLLM. A rank's expert is 3 x 7,168 x 256 fp8 weights plus
# its 128 x 128 block scales = 5,506,368 bytes; all 256 = 1,409,630,208 bytes. vLLM 0.24.0's Triton row at this shape
# takes 291.78 us at 256 tokens: 4.83 TB/s for the weights alone, above H200's 4.8 TB/s data sheet.
def test_a_row_faster_than_reading_every_expert_keeps_the_fit():
    """256 tokens route 2,048 pairs; with all 256 experts read the bytes are 1,409,630,208 + 2 x 2,048 x
    (512 + 7,168 + 7,168 + 256) = 1,471,496,192, 306.56 us at 4.8 TB/s, 369.35 us at the best streaming share known
    (0.83, the card's; the kernel's fit has 0.7745): the row's 291.78 us did not read them all, so the fit prices it,
    as it does a pass that reads part of the experts."""
    st = r1("h200-sxm-141gb", "vllm")
    key, lins = st.moe_keys[0], st.moe_shapes[0][3]
    assert st.expert_bytes == [5_506_368] and lins == [(512, 7168), (7168, 256)]
    rows = moe.measured_shape(st.prof, "fp8", key)
    assert rows[1][rows[0].index(256)] == 291.78
    t, bound, src = moe.grouped_seconds(st.prof, 2048, 256.0, 5_506_368, lins, "fp8", st.peak_flops, st.mamf,
                                        shape=key)
    fit = moe.grouped_seconds(st.prof, 2048, 256.0, 5_506_368, lins, "fp8", st.peak_flops, st.mamf)
    assert (t, bound) == fit[:2] and src.startswith(fit[2])
    assert "faster than reading all 256 experts" in src and "291.8 us" in src
    assert t > 1_471_496_192 / (4.8e12 * 0.83) > 291.78e-6


def test_a_row_that_can_have_read_every_expert_is_used():
    """1,024 tokens: 8,192 pairs, 1,409,630,208 + 2 x 8,192 x 15,104 = 1,657,094,144 bytes, 415.9 us at 0.83 of
    4.8 TB/s; the row's 472.97 us is within the bytes, so it prices the pass as measured."""
    st = r1("h200-sxm-141gb", "vllm")
    key, lins = st.moe_keys[0], st.moe_shapes[0][3]
    t, _, src = moe.grouped_seconds(st.prof, 8192, 256.0, 5_506_368, lins, "fp8", st.peak_flops, st.mamf, shape=key)
    assert t == pytest.approx(472.97e-6, rel=1e-12) and "faster than" not in src
    assert 1_657_094_144 / (4.8e12 * 0.83) < 472.97e-6


def test_decode_experts_grow_with_the_batch():
    """A decode step's experts never cost less at a larger batch (before session 19 batch 256 took the 291.78 us row,
    16.9 ms over 58 layers, under batch 128's 24.2 ms from the fit)."""
    st = r1("h200-sxm-141gb", "vllm")
    got = [moe_op(st.decode(2000, b))[1] for b in (1, 8, 32, 64, 128, 192, 256, 320, 384, 1024, 2048)]
    assert all(a <= b for a, b in zip(got, got[1:])), got
