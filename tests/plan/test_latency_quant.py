"""GEMMs of a checkpoint that carries its own quantization (spec.weight_quant), each group in the
format it is stored in (kvplan/plan/latency/step.py ``OpLatency._gemm_formats``, issue 21):
projections quantized iff scope "linear", dense MLPs and shared experts iff "linear" or "mlp", the
LM head never; --weight-dtype puts every group in its one format, as before.

DeepSeek-R1 at TP 8, one rank's attention projections per layer (MLA, 128 / 8 = 16 heads; fp8
e4m3, one fp32 scale per 128 × 128 block, WeightQuant.matrix_bytes):
    q_a  1,536 × 7,168 = 11,010,048 + 12 × 56 blocks × 4 = 2,688 → 11,012,736
    q_b  3,072 × 1,536 =  4,718,592 + 24 × 12 × 4 =        1,152 →  4,719,744
    kv_a   576 × 7,168 =  4,128,768 +  5 × 56 × 4 =        1,120 →  4,129,888
    kv_b 4,096 ×   512 =  2,097,152 + 32 ×  4 × 4 =          512 →  2,097,664
    o    7,168 × 2,048 = 14,680,064 + 56 × 16 × 4 =        3,584 → 14,683,648
    a layer: 36,634,624 weights, 36,643,680 bytes (before the fix: 2 bytes a weight, 73,269,248).
vLLM runs q_a and kv_a as one GEMM (fused_qkv_a_proj; engines.yaml fused_linears, gemm.fused): 2,112 × 7,168, its
bytes 11,012,736 + 4,129,888 = 15,142,624 (17 row blocks × 56 × 4 = 3,808 bytes of scales, as the two apart)."""
import pytest

from kvplan.model.weights import WeightQuant
from kvplan.plan.latency import gemm
from kvplan.plan.latency.step import OpLatency
from kvplan.sources import catalog

R1_SHAPES = [(1536, 7168), (3072, 1536), (576, 7168), (4096, 512), (7168, 2048)]
R1_BYTES = [11_012_736, 4_719_744, 4_129_888, 2_097_664, 14_683_648]
R1_FUSED = [(2112, 7168), (3072, 1536), (4096, 512), (7168, 2048)]  # [q_a + kv_a, q_b, kv_b, o]
R1_FUSED_BYTES = [15_142_624, 4_719_744, 2_097_664, 14_683_648]


@pytest.fixture
def calls(monkeypatch):
    """Every gemm.seconds call as (m, n, k, wfmt, compute_fmt, peak_flops, mamf, weight_bytes), each
    priced 1 us memory-bound."""
    seen = []

    def fake(prof, m, n, k, wfmt, compute_fmt, peak_flops, mamf, weight_bytes=None, block=None, act=None):
        seen.append((m, n, k, wfmt, compute_fmt, peak_flops, mamf, weight_bytes))
        return 1e-6, "memory", f"table {wfmt}"

    monkeypatch.setattr(gemm, "seconds", fake)
    return seen


def r1(gpu="h200", **kw):
    return OpLatency(catalog.load_model("deepseek-r1"), catalog.load_gpu(gpu), tp=8, **kw)


def test_deepseek_r1_projections_at_one_byte_a_weight_plus_block_scales(calls):
    st = r1()
    assert [lins for _, lins in st.proj] == [R1_SHAPES, R1_SHAPES] and [c for c, _ in st.proj] == [3, 58]
    assert [st.proj_fmt.quant.matrix_bytes(n, k) for n, k in R1_SHAPES] == R1_BYTES
    assert sum(R1_BYTES) == 36_643_680 and sum(n * k for n, k in R1_SHAPES) == 36_634_624
    op = st.decode(1000, 1).ops[0]
    assert op[0] == "attention projections (GEMM)" and op[3] == "table fp8_e4m3"
    proj = calls[:8]  # 3 dense layers' then 58 MoE layers' projections, at 1 row each, q_a and kv_a fused
    assert [st.proj_fmt.quant.matrix_bytes(n, k) for n, k in R1_FUSED] == R1_FUSED_BYTES
    assert R1_FUSED_BYTES[0] == R1_BYTES[0] + R1_BYTES[2] and sum(R1_FUSED_BYTES) == sum(R1_BYTES)
    want = [(1, n, k, "fp8_e4m3", "fp8", 1979e12, 0.734, b) for (n, k), b in zip(R1_FUSED, R1_FUSED_BYTES)]
    assert proj == want * 2
    assert op[1] == pytest.approx(st.prof.scale("gemm") * 61 * 4e-6, rel=1e-12)


def test_deepseek_r1_mlps_and_shared_experts_quantized_the_head_in_bf16(calls):
    """Scope linear: the 3 dense MLPs (18,432 / 8 = 2,304) and 58 shared experts (2,048 / 8 = 256) in fp8
    with block scales; the LM head (129,280 padded to 129,280 / 8 = 16,160 rows) in bf16, computed in bf16
    on the H200 (989.5 TFLOP/s, MAMF 0.803): vLLM leaves it unquantized."""
    st = r1()
    st.decode(1000, 2)
    mlp, router, head = calls[8:12], calls[12], calls[13]
    # gate_up (one GEMM) 4,608 × 7,168 = 33,030,144 + 36 × 56 × 4 = 8,064 (2 × 16,519,104: gate and up apart);
    # down 7,168 × 2,304 = 16,515,072 + 56 × 18 × 4 = 4,032
    assert [c[7] for c in mlp[:2]] == [33_038_208, 16_519_104]
    # shared: gate_up 512 × 7,168 = 3,670,016 + 4 × 56 × 4 = 896; down 256 × 7,168 + 2 × 56 × 4 = 448
    assert [c[7] for c in mlp[2:]] == [3_670_912, 1_835_456]
    assert {c[3:5] for c in mlp} == {("fp8_e4m3", "fp8")}
    assert head == (2, 16160, 7168, "bf16", "bf16", 989.5e12, 0.803, None)
    # the 58 MoE layers' router gate, 7,168 -> 256 experts, replicated and unquantized (data/moe_routing.yaml)
    assert router == (2, 256, 7168, "bf16", "bf16", 989.5e12, 0.803, None)


def test_the_fix_on_the_measured_vllm_table():
    """Before the fix the description string missed every table (physics fallback, 2 bytes a weight);
    now the projections read vLLM's H200 fp8 table, the head its bf16 table."""
    ops = {o[0]: o for o in r1().decode(2000, 50).ops}
    assert ops["attention projections (GEMM)"][3].endswith("h200_sxm/gemm/vllm/0.24.0/gemm_perf.parquet (fp8)")
    assert ops["MLP (GEMM)"][3].endswith("(fp8)")
    assert ops["logits (LM head GEMM)"][3].endswith("h200_sxm/gemm/vllm/0.24.0/gemm_perf.parquet (bf16)")


def test_an_explicit_weight_dtype_prices_every_group_in_it(calls):
    """--weight-dtype fp8: today's behaviour: every group (the head too) in fp8_e4m3 at BYTES_PER_WEIGHT; the MoE
    router's gate stays in the activation dtype (vLLM builds it without the quant config: data/moe_routing.yaml)."""
    st = r1(weight_dtype="fp8")
    assert st.proj_fmt == st.mlp_fmt == st.head_fmt == gemm.Format("fp8_e4m3", "fp8", 1979e12, 0.734)
    st.decode(1000, 1)
    router = [c for c in calls if c[3] != "fp8_e4m3"]
    assert router == [(1, 256, 7168, "bf16", "bf16", 989.5e12, 0.803, None)]
    assert {c[3:] for c in calls if c not in router} == {("fp8_e4m3", "fp8", 1979e12, 0.734, None)}


def test_without_fp8_tensor_cores_the_block_fp8_groups_compute_in_bf16(calls):
    """An A100 has no fp8 peak: the fp8 weights still read 1 byte + scales, the GEMM runs in bf16."""
    st = r1(gpu="a100-sxm-80gb")
    assert (st.proj_fmt.wfmt, st.proj_fmt.compute_fmt, st.head_fmt.compute_fmt) == ("fp8_e4m3", "bf16", "bf16")
    st.decode(1000, 1)
    assert calls[0] == (1, 2112, 7168, "fp8_e4m3", "bf16", 312e12, 0.869, 15_142_624)  # q_a + kv_a


def test_experts_scope_leaves_every_gemm_group_in_bf16():
    """gpt-oss (mxfp4 experts only): projections and head in bf16, so the H100 vLLM bf16 table, where the
    description string used to miss it."""
    st = OpLatency(catalog.load_model("gpt-oss-20b"), catalog.load_gpu("h100"))
    assert st.spec.weight_quant.scope == "experts"
    assert st.proj_fmt == st.head_fmt == gemm.Format("bf16", "bf16", 989.4e12, 0.803)
    for op in st.decode(1000, 1).ops:
        if "GEMM" in op[0]:
            assert op[3].endswith("h100_sxm/gemm/vllm/0.24.0/gemm_perf.parquet (bf16)"), op


def _llama(quant):
    return catalog.load_model("llama-3.1-8b").model_copy(update={"weight_quant": quant})


AWQ = WeightQuant(scope="mlp", format="int4", method="awq", packed=True, scale_bytes=2, zero_points=True, group=128)


def test_awq_mlp_scope_int4_mlps_bf16_projections(calls):
    """AWQ with the attention in modules_to_not_convert (scope mlp), Llama-3.1-8B on an H100: gate/up
    14,336 × 4,096 int4 packed = 14,336 × 512 words × 4 = 29,360,128 + 32 groups × 14,336 fp16 scales
    = 917,504 + 32 × 1,792 zero-point words × 4 = 229,376 → 30,507,008 bytes (0.5 + 2.5/128 a weight,
    as BYTES_PER_WEIGHT["int4"]); down 4,096 × 14,336: 29,360,128 + 112 × 4,096 × 2 + 112 × 512 × 4 =
    30,507,008; vLLM runs gate and up as one GEMM (gate_up_proj): 28,672 × 4,096, 61,014,016 bytes. Projections
    and head bf16 (no quant bytes)."""
    st = OpLatency(_llama(AWQ), catalog.load_gpu("h100"))
    assert (st.proj_fmt.quant, st.head_fmt.quant, st.mlp_fmt.quant) == (None, None, AWQ)
    st.decode(1000, 1)
    proj, mlp, head = calls[:2], calls[2:4], calls[4]
    assert {c[3:5] + c[7:] for c in proj} == {("bf16", "bf16", None)}
    assert [c[7] for c in mlp] == [2 * 30_507_008, 30_507_008] and {c[3:5] for c in mlp} == {("int4", "bf16")}
    assert 14336 * 4096 * gemm.BYTES_PER_WEIGHT["int4"] == 30_507_008
    assert head[3:] == ("bf16", "bf16", 989.4e12, 0.803, None)


def test_awq_on_the_real_profile_pays_the_dequant_factor_on_the_mlp_only():
    st = OpLatency(_llama(AWQ), catalog.load_gpu("h100"))
    ops = {o[0]: o for o in st.decode(1000, 1).ops}
    assert "dequant" in ops["MLP (GEMM)"][3] and "dequant" not in ops["attention projections (GEMM)"][3]
    assert ops["attention projections (GEMM)"][3].endswith("(bf16)")


def test_a_format_without_a_table_takes_its_bytes_from_weight_quant(calls):
    """MXFP4 on every linear (scope linear): 17 bytes per 32 values (dtypes mxfp4); qkv_proj (q, k, v as one GEMM)
    6,144 × 4,096 = 6,144 × 128 blocks × 17 = 13,369,344 bytes; no fp4 path here, so computed in bf16."""
    q = WeightQuant(scope="linear", format="mxfp4")
    st = OpLatency(_llama(q), catalog.load_gpu("h100"))
    st.decode(1000, 1)
    assert calls[0] == (1, 6144, 4096, "mxfp4", "bf16", 989.4e12, 0.803, 13_369_344)
    assert calls[-1][3:] == ("bf16", "bf16", 989.4e12, 0.803, None)  # the head


class _Prof:
    bw, fb = 1e12, {"memory_efficiency": 0.8}

    def gemm_curve(self, fmt):
        return None, ""

    def gemm_efficiency(self, fmt, m, nk, mamf):
        self.fmt = fmt
        return 0.5, 0.0, f"table {fmt}"


def test_gemm_seconds_takes_the_stored_bytes_when_given():
    """1,000 × 1,000 fp8 with 8 × 8 block scales of 4 bytes: 1,000,000 + 256 bytes + 2 × (1,000 + 1,000)
    activations = 1,004,256 at 10^12 B/s / 0.5; without weight_bytes, 1 byte a weight: 1,004,000."""
    p = _Prof()
    t, bound, src = gemm.seconds(p, 1, 1000, 1000, "fp8_e4m3", "fp8", 1e15, 0.7, weight_bytes=1_000_256)
    assert (t, bound, src, p.fmt) == (pytest.approx(1_004_256 / 1e12 / 0.5), "memory", "table fp8", "fp8")
    assert gemm.seconds(p, 1, 1000, 1000, "fp8_e4m3", "fp8", 1e15, 0.7)[0] == pytest.approx(1_004_000 / 1e12 / 0.5)
    f = gemm.Format("fp8_e4m3", "fp8", 1e15, 0.7, WeightQuant(scope="linear", format="fp8_e4m3", block=128))
    assert f.seconds(p, 1, 1000, 1000)[0] == pytest.approx(1_004_256 / 1e12 / 0.5)
