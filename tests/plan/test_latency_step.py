"""kvplan/plan/latency/step.py: how OpLatency composes a pass from its ops, checked op by op
against the functions it calls and the step's byte counts by hand (issue 25).

Llama-3.1-8B at TP 2 on an H100: 32 layers, hidden 4,096, bf16 activations (2 bytes); a rank
holds 4 of the 8 KV heads: 32 layers × 2 (K, V) × 4 × 128 × 2 bytes = 65,536 bytes per token."""
import pytest

from kvplan.errors import KvplanError
from kvplan.model.spec import MoeMlp

from kvplan.plan.latency import attention, comm, gemm
from kvplan.plan.latency.step import OpLatency
from kvplan.sources import catalog


@pytest.fixture  # per test: mutmut maps a test to the code its own set-up runs
def tp2():
    return OpLatency(catalog.load_model("llama-3.1-8b"), catalog.load_gpu("h100"), tp=2)


@pytest.fixture
def mixed(tp2):
    # two chunks (100 cached + 50 new, 0 + 30) beside decodes at 1,000 and 2,000: 82 rows, 4 sequences
    return tp2.mixed([(100, 50), (0, 30)], [1000, 2000])


def test_the_hand_numbers(tp2):
    assert (tp2.bytes_per_token, tp2.kv_heads, tp2.gqa, tp2.layers_n, tp2.head) == (65536, 4, 4, 32, (64128, 4096))


def test_a_mixed_steps_bytes_by_hand(mixed):
    """K/V read: decodes 3,000 tokens + the chunk's 100 cached = 3,100 × 65,536 = 203,161,600;
    written: 82 × 65,536 = 5,373,952; all-reduce bytes sent: 2 × 32 layers × (2 × (2 − 1) × 82 × 4,096
    × 2 / 2) = 42,991,616; 82 rows over 4 sequences is not whole: tokens 1."""
    assert (mixed.phase, mixed.batch, mixed.ctx, mixed.tokens) == ("mixed", 4, 2000, 1)
    assert (mixed.kv_read_bytes, mixed.kv_write_bytes, mixed.state_bytes) == (203_161_600, 5_373_952, 0)
    assert mixed.comm_bytes == 42_991_616


def test_each_op_is_its_functions(tp2, mixed):
    p = tp2.prof
    names = [o[0] for o in mixed.ops]
    assert names == ["attention projections (GEMM)", "MLP (GEMM)", "logits (LM head GEMM)",
                     "decode attention (K/V read, mean ctx 1,500)", "prefill attention (causal, 150 tokens)",
                     "K/V write and recurrent state", "all-reduce (65 × 671,744 bytes)", "engine overhead (per step)"]
    ops = {o[0]: o for o in mixed.ops}
    # the LM head: one GEMM of 4 rows (one per sequence) × 64,128 × 4,096
    head = gemm.seconds(p, 4, 64128, 4096, tp2.wfmt, tp2.compute_fmt, tp2.peak_flops, tp2.mamf)
    assert ops["logits (LM head GEMM)"][1:3] == (p.scale("gemm") * head[0], head[1])
    # decode attention: 3,000 tokens of K/V at mean context 1,500
    dec = attention.decode_seconds(p, 3000 * 65536, mixed.attention_flops - _chunk_flops(tp2), 2, 1500.0, 4, 4,
                                   32, tp2.peak_flops)
    assert ops["decode attention (K/V read, mean ctx 1,500)"][1] == pytest.approx(p.scale("attention") * dec[0])
    # the K/V write at the fallback's memory efficiency
    assert ops["K/V write and recurrent state"][1] == pytest.approx(5_373_952 / (p.bw * p.fb["memory_efficiency"]))
    ar = comm.seconds(p, 2, 82, 4096, 2, tp2.spec)
    assert ops["all-reduce (65 × 671,744 bytes)"][1:3] == (ar[0], "comm") and ar[1:3] == (671_744, 65)
    assert ops["engine overhead (per step)"][1] == p.overhead(32, 4)[0]
    by = {b: sum(o[1] for o in mixed.ops if o[2] == b) for b in ("memory", "compute", "comm", "overhead")}
    assert (mixed.memory_s, mixed.compute_s, mixed.comm_s, mixed.overhead_s) == pytest.approx(
        (by["memory"], by["compute"], by["comm"], by["overhead"]))
    assert mixed.seconds == pytest.approx(sum(o[1] for o in mixed.ops))


def _chunk_flops(st):
    return st.mix_flops(101, 150) + st.mix_flops(1, 30)


def test_the_prefill_op_adds_the_cached_read(tp2, mixed):
    p = tp2.prof
    pre = attention.prefill_seconds(p, _chunk_flops(tp2), 150, 32, tp2.peak_flops)[0]
    pre += 100 * 65536 / (p.bw * p.fb["memory_efficiency"])
    op = next(o for o in mixed.ops if o[0].startswith("prefill attention"))
    assert op[1] == pytest.approx(p.scale("attention") * pre) and op[2] == "compute"


@pytest.mark.parametrize("model,tp,ep", [("llama-3.1-8b", 1, 1), ("llama-3.1-8b", 2, 1), ("qwen3-30b-a3b", 2, 4),
                                         ("qwen3-30b-a3b", 1, 1), ("qwen3-30b-a3b", 1, 2)])
def test_the_fast_path_is_the_sum_of_the_ops(model, tp, ep):
    """``seconds=True`` (the simulator's path) adds the same floats in the same order as ``price``'s
    ops (``sum`` of them, exactly), memoized or not: decode only, prefill only, mixed."""
    st = OpLatency(catalog.load_model(model), catalog.load_gpu("h100"), tp=tp, ep=ep)
    fresh = OpLatency(catalog.load_model(model), catalog.load_gpu("h100"), tp=tp, ep=ep)
    for chunks, decodes, ctx_sum in (((), 3, 3000), ([(0, 64)], 0, 0), ([(128, 64), (0, 7)], 5, 12345),
                                     ([(0, 64)], 0, 0), ((), 3, 3000)):
        full = fresh.mixed_sum(chunks, decodes, ctx_sum, 2000)
        assert st.mixed_sum(chunks, decodes, ctx_sum, 2000, seconds=True) == sum(o[1] for o in full.ops)
        assert full.seconds == pytest.approx(sum(o[1] for o in full.ops), rel=1e-12)


def test_a_profile_scale_multiplies_every_op_and_names_itself(tp2):
    base = tp2.mixed([(0, 64)], [500])
    st = OpLatency(catalog.load_model("llama-3.1-8b"), catalog.load_gpu("h100"), tp=2)
    st.profile_scale, st.profile_label = 2.0, "× 2.000 (test)"
    scaled = st.mixed([(0, 64)], [500])
    for a, b in zip(base.ops, scaled.ops):
        assert b[1] == pytest.approx(2 * a[1]) and b[3] == f"{a[3]}; × 2.000 (test)" and a[0] == b[0]
    assert st.mixed_sum([(0, 64)], 1, 500, 500, seconds=True) == pytest.approx(2 * base.seconds, rel=1e-12)


def test_phases_and_whole_tokens(tp2):
    assert (tp2.decode(1000).batch, tp2.prefill(64).batch) == (1, 1)
    d, p = tp2.decode(1000, 4), tp2.prefill(64, 2)
    assert (d.phase, d.batch, d.ctx, d.tokens) == ("decode", 4, 1000, 1)
    assert (p.phase, p.batch, p.ctx, p.tokens) == ("prefill", 2, 0, 64)
    assert d.ops[3][0] == "decode attention (K/V read, mean ctx 1,000)"
    assert p.ops[3][0] == "prefill attention (causal, 64 tokens)"


def test_decode_and_prefill_bytes_and_flops_by_hand(tp2):
    """decode(1,000, 4): 4 × 1,000 tokens read and 4 × 1 written at 65,536 bytes, attention FLOPs
    4 × mix_flops(1,001, 1,001); prefill(64, 2): nothing read, 2 × 64 written, 2 × mix_flops(1, 64)."""
    d, p = tp2.decode(1000, 4), tp2.prefill(64, 2)
    assert (d.kv_read_bytes, d.kv_write_bytes) == (4 * 1000 * 65536, 4 * 65536)
    assert d.attention_flops == 4 * tp2.mix_flops(1001, 1001) and d.attention_flops != 4 * tp2.mix_flops(1000, 1002)
    assert (p.kv_read_bytes, p.kv_write_bytes, p.attention_flops) == (0, 2 * 64 * 65536, 2 * tp2.mix_flops(1, 64))


@pytest.mark.parametrize("call,msg", [(lambda s: s.decode(0), "context must be a positive integer, got 0"),
                                      (lambda s: s.decode(5, 0), "batch must be a positive integer, got 0"),
                                      (lambda s: s.prefill(0), "prompt must be a positive integer, got 0"),
                                      (lambda s: s.prefill(5, 0), "batch must be a positive integer, got 0")])
def test_refusals_name_what_is_wrong(tp2, call, msg):
    with pytest.raises(KvplanError, match=f"^{msg}$"):
        call(tp2)


@pytest.mark.parametrize("wd,one", [(None, 2), ("fp8", 1)])
def test_ep_weights_in_the_weight_dtype(wd, one):
    """Qwen3-30B-A3B: an EP-8 rank drops 48 layers × (128 − 16) experts of 3 × 2,048 × 768 weights
    at 2 bytes (bf16) or 1 (--weight-dtype fp8): 50,734,301,184 or 25,367,150,592 bytes; an int."""
    q, h = catalog.load_model("qwen3-30b-a3b"), catalog.load_gpu("h100")
    a, b = OpLatency(q, h, 1, weight_dtype=wd), OpLatency(q, h, 1, weight_dtype=wd, ep=8)
    assert a.weights_bytes - b.weights_bytes == 48 * 112 * 3 * 2048 * 768 * one
    assert isinstance(b.weights_bytes, int)


def test_ep_weights_of_a_quantized_checkpoint_stay_quantized():
    """gpt-oss-20b stores its experts quantized (weight_quant): an EP-4 rank drops 24 layers × (32 − 8)
    experts at their stored size, 13,236,480 bytes each (bf16 would be 49,783,680)."""
    g, h = catalog.load_model("gpt-oss-20b"), catalog.load_gpu("h100")
    mlp = next(lt.mlp for lt in g.layer_types.values() if isinstance(lt.mlp, MoeMlp))
    assert g.weight_quant is not None and (g.num_layers, mlp.num_experts) == (24, 32)
    a, b = OpLatency(g, h, 1), OpLatency(g, h, 1, ep=4)
    assert a._expert_bytes(g, mlp, None) == 13_236_480
    assert a.weights_bytes - b.weights_bytes == 24 * 24 * 13_236_480


def test_gemm_ops_in_the_weight_format_and_their_bound():
    """--weight-dtype fp8 on an H100 (fp8 compute): the projections op is Σ count × gemm.seconds of each
    GEMM vLLM launches (q, k, v as one: gemm.fused) in fp8, the fp8 table; a decode's GEMMs are memory-bound, a
    4,096-token prefill's compute-bound."""
    st = OpLatency(catalog.load_model("llama-3.1-8b"), catalog.load_gpu("h100"), weight_dtype="fp8")
    assert (st.wfmt, st.compute_fmt) == ("fp8_e4m3", "fp8")
    want = 0.0
    for count, lins in st.proj:
        assert gemm.fused(lins, st.hidden) == [(6144, 4096), (4096, 4096)]
        for n, k in gemm.fused(lins, st.hidden):
            want += count * gemm.seconds(st.prof, 4, n, k, "fp8_e4m3", "fp8", st.peak_flops, st.mamf)[0]
    d = st.decode(1000, 4)
    assert d.ops[0][0] == "attention projections (GEMM)" and d.ops[0][1] == pytest.approx(want, rel=1e-12)
    assert d.ops[0][3].endswith("(fp8)")
    assert [o[2] for o in d.ops[:3]] == ["memory"] * 3
    p = st.prefill(4096)
    assert [o[2] for o in p.ops[:2]] == ["compute"] * 2


def test_fitted_op_scales_multiply_their_ops():
    """fitted.yaml may carry gemm_scale / attention_scale per engine (none today): GEMM ops × the one,
    attention ops × the other, the rest unchanged."""
    spec, h = catalog.load_model("llama-3.1-8b"), catalog.load_gpu("h100")
    base = OpLatency(spec, h).mixed([(0, 64)], [500])
    st = OpLatency(spec, h)
    st.prof.fit = dict(st.prof.fit, gemm_scale=2.0, attention_scale=3.0)
    ops = st.mixed([(0, 64)], [500]).ops
    want = {"attention projections (GEMM)": 2, "MLP (GEMM)": 2, "logits (LM head GEMM)": 2,
            "decode attention (K/V read, mean ctx 500)": 3, "prefill attention (causal, 64 tokens)": 3,
            "K/V write and recurrent state": 1, "engine overhead (per step)": 1}
    assert [o[0] for o in ops] == list(want)
    for a, b in zip(base.ops, ops):
        assert b[1] == pytest.approx(want[a[0]] * a[1], rel=1e-12)


@pytest.mark.parametrize("ep,name", [
    (1, "MoE experts (8.0 of 128 read, 1 tokens each)"),
    # EP 2: 2 DP ranks × 1 row = 2 tokens: 128 × (1 − (120/128)²) = 15.5 experts read, 16 / 15.5 → 1 token each
    (2, "MoE experts, EP 2 (7.8 of 64 on the rank read, 1 tokens each)")])
def test_moe_op_names_by_hand(ep, name):
    st = OpLatency(catalog.load_model("qwen3-30b-a3b"), catalog.load_gpu("h100"), ep=ep)
    assert st.decode(1000, 1).ops[1][0] == name


def test_a_cache_less_model_decodes_on_the_fast_path(tmp_path):
    """A model of Mamba layers only (Jamba v0.1's Mamba layer, 4 of them) has no K/V bytes per token:
    its decode attention is priced at context 1, and the fast path does not divide by zero."""
    import yaml

    doc = yaml.safe_load((catalog.specs_dir() / "models" / "jamba-v0.1.yaml").read_text())
    doc.update(name="mamba-only", layer_types={"m": doc["layer_types"]["mamba-dense"]}, pattern="(m)*4")
    f = tmp_path / "mamba-only.yaml"
    f.write_text(yaml.safe_dump(doc))
    st = OpLatency(catalog.load_model(str(f)), catalog.load_gpu("h100"))
    assert st.bytes_per_token == 0 and st.state_per_seq > 0
    full = st.mixed_sum((), 2, 2000, 1000)
    assert st.mixed_sum((), 2, 2000, 1000, seconds=True) == sum(o[1] for o in full.ops)
    assert "decode attention (K/V read, mean ctx 1)" in [o[0] for o in full.ops]


def test_decode_writes_side_caches_by_its_context():
    """DeepSeek-V4-Flash keeps compressed entries written when a group of 4 (or 128) tokens completes:
    a decode at context 127 writes them, one at 128 does not (Roofline.kv_written of that context)."""
    st = OpLatency(catalog.load_model("deepseek-v4-flash"), catalog.load_gpu("b200"), tp=8)
    assert st.decode(127).kv_write_bytes == st.kv_written(127) > st.decode(128).kv_write_bytes == st.bytes_per_token


def _gemm_sum(st, shapes, m, mamf=None):
    """Σ count × gemm.seconds over ``shapes`` at ``m`` rows (each fused set one GEMM where the engine fuses them:
    engines.yaml fused_linears), and the bound with the larger share."""
    t, by = 0.0, {"memory": 0.0, "compute": 0.0}
    for count, lins in shapes:
        for n, k in (gemm.fused(lins, st.hidden) if st.prof.eng.get("fused_linears") else lins):
            s, b, _ = gemm.seconds(st.prof, m, n, k, st.wfmt, st.compute_fmt, st.peak_flops, mamf or st.mamf)
            t += count * s
            by[b] += count * s
    return t, max(by, key=by.get)


@pytest.mark.parametrize("engine", ["vllm", "llamacpp"])
def test_gemm_ops_are_sums_of_gemms_with_the_larger_bound(engine):
    """At 384 rows Llama-3.1-8B's GEMMs are some memory-, some compute-bound: each op is the sum over
    its shapes, bound by the larger share. llama.cpp has no tables: the fallback divides by the MAMF."""
    st = OpLatency(catalog.load_model("llama-3.1-8b"), catalog.load_gpu("h100"), engine=engine)
    ops = st.prefill(384).ops
    for op, shapes in ((ops[0], st.proj), (ops[1], st.mlps)):
        t, bound = _gemm_sum(st, shapes, 384)
        assert op[1] == pytest.approx(t, rel=1e-12) and op[2] == bound
    bounds = {gemm.seconds(st.prof, 384, n, k, st.wfmt, st.compute_fmt, st.peak_flops, st.mamf)[1]
              for _, lins in st.proj + st.mlps for n, k in lins}
    assert bounds == {"memory", "compute"} or engine == "llamacpp"


def test_the_moe_op_is_one_grouped_kernel_per_fused_linear_per_layer():
    """Qwen3-30B-A3B, a 64-token prefill: 128 × (1 − (120/128)^64) experts read, 64 × 8 routed pairs,
    priced per layer by moe.grouped_seconds over w13 (2 × 768 × 2,048) and w2 (2,048 × 768), × 48 layers
    (at this shape the measured table's time: data/moe_shapes.json)."""
    from kvplan.plan.latency import moe

    st = OpLatency(catalog.load_model("qwen3-30b-a3b"), catalog.load_gpu("h100"))
    read = 128 * (1 - (120 / 128) ** 64)
    m = round(64 * 8 / read)
    op = st.prefill(64).ops[1]
    assert op[0] == f"MoE experts ({read:.1f} of 128 read, {m} tokens each)" and read == moe.expected_experts(128, 8, 64)
    assert st.moe_shapes == [(48, 128, 8, [(1536, 2048), (2048, 768)])]
    assert st.expert_bytes == [3 * 768 * 2048 * 2]  # bf16
    assert st.moe_keys == [(2048, 768, 128, 8, 1)]  # the measured table's key (hidden, intermediate, E, k, tp)
    t = moe.grouped_seconds(st.prof, 64 * 8, read, st.expert_bytes[0], st.moe_shapes[0][3], "bf16",
                            st.peak_flops, st.mamf, shape=st.moe_keys[0])[0]
    assert op[1] == pytest.approx(48 * t, rel=1e-12)
    # H100 × vLLM's bf16 MoE table holds this shape (data/moe_shapes.json), but 126.9 of 128 experts read is not
    # every expert: the fit prices it (moe.grouped_seconds)
    assert "measured at this shape" not in op[3] and read < 127.5


def test_deepseek_r1_tp8_decode_batch_50_by_hand_at_the_fallback():
    """DeepSeek-R1 on 8 × H200, batch 50, llama.cpp (no measured tables: the physics fallback).
    Experts read per layer: 256 × (1 − (248/256)^50) = 203.66 of 256; routed pairs 50 × 8 = 400.
    One expert on a rank (moe_intermediate 2,048 / 8 = 256, hidden 7,168, fp8 + fp32 128×128 block scales):
    gate, up, down 3 × 256 × 7,168 = 5,505,024 bytes + 3 × (2 × 56) × 4 = 1,344 bytes of scales = 5,506,368.
    w13 (512 × 7,168) holds 2/3 of it, 3,670,912; w2 (7,168 × 256) 1/3, 1,835,456.
    w13: (203.66 × 3,670,912 + 2 × 400 × (512 + 7,168)) / 4.8 TB/s = 157.03 us; w2: (203.66 × 1,835,456 +
    2 × 400 × (7,168 + 256)) / 4.8 TB/s = 79.11 us; each above the 4.6 us floor and its FLOPs time
    (2 × 400 × 512 × 7,168 / 1,979 TFLOP/s / 0.734 = 4.0 us), so a layer is (157.03 + 79.11) / 0.83 = 284.5 us
    and 58 MoE layers 16.50 ms. The old pricing, 203.7 separate experts × 3 GEMMs at the 4.6 us floor ×
    58 layers, was 163 ms (issue 21): more than 9 × this."""
    st = OpLatency(catalog.load_model("deepseek-r1"), catalog.load_gpu("h200"), tp=8, engine="llamacpp")
    assert st.expert_bytes == [5_506_368] and st.moe_fmt == "fp8"
    op = next(o for o in st.decode(2000, 50).ops if o[0].startswith("MoE"))
    assert op[0] == "MoE experts (203.7 of 256 read, 2 tokens each)" and op[2] == "memory"
    read = 256 * (1 - (248 / 256) ** 50)
    w13 = (read * 3_670_912 + 2 * 400 * (512 + 7168)) / 4.8e12
    w2 = (read * 1_835_456 + 2 * 400 * (7168 + 256)) / 4.8e12
    assert w13 == pytest.approx(157.03e-6, rel=1e-4) and w2 == pytest.approx(79.11e-6, rel=1e-4)
    assert op[1] == pytest.approx(58 * (w13 + w2) / 0.83, rel=1e-12) == pytest.approx(16.50e-3, rel=1e-3)
    assert op[3].startswith("physics fallback: grouped MoE, one kernel per fused linear")
    assert 163e-3 / op[1] > 9


def test_deepseek_r1_tp8_decode_batch_50_on_the_measured_vllm_table():
    """The same step with vLLM's H200 table (kernels.yaml moe fp8 = aiconfigurator's fp8_block rows):
    alpha + (w13 + w2 bytes) / (4.8 TB/s × memory_efficiency) per layer, × 58; the per-expert floor is gone."""
    st = OpLatency(catalog.load_model("deepseek-r1"), catalog.load_gpu("h200"), tp=8)
    fit, src = st.prof.moe_fit("fp8")
    assert fit["table_dtype"] == "fp8_block" and "h200_sxm/moe/vllm/" in src
    from kvplan.plan.latency import moe

    read = 256 * (1 - (248 / 256) ** 50)
    mem = (read * 5_506_368 + 2 * 400 * (512 + 7168 + 7168 + 256)) / 4.8e12
    t = moe.grouped_seconds(st.prof, 400, read, 5_506_368, st.moe_shapes[0][3], "fp8", st.peak_flops, st.mamf)[0]
    assert t == pytest.approx(fit["alpha_us"] * 1e-6 + mem / fit["memory_efficiency"], rel=1e-12)  # the fit
    # DeepSeek-R1's own shape at TP 8 is in the table (data/moe_shapes.json), but this step reads 203.7 of 256
    # experts: the fit prices it, × 58 layers
    assert moe.measured_shape(st.prof, "fp8", (7168, 2048, 256, 8, 8)) is not None
    op = next(o for o in st.decode(2000, 50).ops if o[0].startswith("MoE"))
    assert op[1] == pytest.approx(58 * t, rel=1e-12) and "measured at this shape" not in op[3]
    assert 10e-3 < op[1] < 30e-3  # ~68 GB of experts at 2-4 TB/s, not 0.4 TB/s

    # a 1,024-token prefill reads every expert: the table's 1,024-token row, × 58 layers
    rows = moe.measured_shape(st.prof, "fp8", (7168, 2048, 256, 8, 8))
    op = next(o for o in st.prefill(1024).ops if o[0].startswith("MoE"))
    assert op[1] == pytest.approx(58 * rows[1][rows[0].index(1024)] * 1e-6, rel=1e-12)


def test_ep_2_prices_its_all_to_all():
    st = OpLatency(catalog.load_model("qwen3-30b-a3b"), catalog.load_gpu("h100"), ep=2)
    op = next(o for o in st.decode(1000, 4).ops if o[0].startswith("all-to-all"))
    # 4 tokens × top-8 × 2,048 × 2 bytes = 131,072 bytes, a dispatch and a combine per layer: 96 calls
    assert op[0] == "all-to-all, EP dispatch + combine (96 × 131,072 bytes)" and op[2] == "comm"
    assert op[3].endswith(" (2 GPUs); a rank sends its attention group's tokens / tp")


def test_the_write_ops_source(tp2):
    op = next(o for o in tp2.decode(100).ops if o[0] == "K/V write and recurrent state")
    assert op[3] == "physics fallback: " + tp2.prof.fb["memory_efficiency_source"]


def test_recurrent_state_read_and_written_by_hand():
    """Jamba v0.1 (8,716,288 bytes of Mamba state per sequence): a decode reads and writes it (2×),
    a first chunk only writes it (1×), a later chunk reads and writes it (2×): 2 decodes + a later
    chunk + a first chunk = 2 × 2 + 2 + 1 = 7 states."""
    st = OpLatency(catalog.load_model("jamba-v0.1"), catalog.load_gpu("h100"))
    assert st.state_per_seq == 8_716_288
    assert st.mixed([(100, 50), (0, 30)], [1000, 2000]).state_bytes == 7 * 8_716_288
    assert st.mixed([(0, 30)]).state_bytes == 8_716_288 and st.decode(10, 3).state_bytes == 6 * 8_716_288
    assert st.mixed([(100, 1)]).state_bytes == 2 * 8_716_288


def test_a_one_token_chunk_is_priced_by_ops_and_bad_chunks_are_refused(tp2):
    step = tp2.mixed([(100, 1)])
    assert step.ops and step.seconds == pytest.approx(sum(o[1] for o in step.ops))
    for chunks in ([(10, 5), (0, 0)], [(10, 5), (0, True)], [(10, 5), (0, 1.5)], [(0, -2)]):
        with pytest.raises(KvplanError, match="^chunk must be a positive integer, got "):
            tp2.mixed(chunks)
    with pytest.raises(KvplanError, match="^a step needs at least one sequence$"):
        tp2.mixed_sum((), 0, 0)
    with pytest.raises(KvplanError, match="^a step needs at least one sequence$"):
        tp2.mixed_sum((), 0, 0, seconds=True)


def test_a_chunk_writes_side_caches_by_its_context():
    st = OpLatency(catalog.load_model("deepseek-v4-flash"), catalog.load_gpu("b200"), tp=8)
    assert st.mixed([(127, 1)]).kv_write_bytes == st.kv_written(127, 1) > st.bytes_per_token


def test_ep_weights_read_at_a_small_batch_by_hand():
    """Gemma 4 26B-A4B at EP 2 (tp 1, DP 2) has MoE in two layer types (25 + 5 layers, 128 experts of
    11,894,784 bytes, top-8): one row per rank routes 2 tokens, 128 × (1 − (120/128)²) = 15.5 experts in
    all, a rank reads 7.75 of its 64 per layer; the rest, (64 − 7.75) × 30 layers × 11,894,784 bytes, is unread."""
    st = OpLatency(catalog.load_model("gemma-4-26b-a4b"), catalog.load_gpu("h100"), ep=2)
    assert st.ep_moe == [(25, 128, 8, 11_894_784), (5, 128, 8, 11_894_784)]
    assert st.weights_read(1) == st.weights_bytes - round((64 - 7.75) * 30 * 11_894_784)


@pytest.mark.parametrize("tp,ep,want", [
    # TP 4: 2 × 32 layers × (2 × 3 × (10 rows × 4,096 × 2 bytes) // 4 = 122,880) = 7,864,320 bytes
    (4, 1, 2 * 32 * (2 * 3 * 10 * 4096 * 2 // 4)),
])
def test_comm_bytes_by_hand_tp(tp, ep, want):
    st = OpLatency(catalog.load_model("llama-3.1-8b"), catalog.load_gpu("h100"), tp=tp, ep=ep)
    got = st.decode(100, 10).comm_bytes
    assert got == want == 7_864_320 and type(got) is int


@pytest.mark.parametrize("tp,ep,want", [
    # EP 2, tp 1: 96 all-to-alls of 10 tokens × 8 × 2,048 × 2 bytes = 327,680, half of each leaves
    (1, 2, 96 * (327_680 // 2)),
    # EP 8, tp 2: the all-reduce, 2 × 48 × (2 × 1 × 10 × 2,048 × 2 // 2), plus 96 × (5 tokens' 163,840 × 7 // 8)
    (2, 8, 2 * 48 * (2 * 10 * 2048 * 2 // 2) + 96 * (163_840 * 7 // 8)),
])
def test_comm_bytes_by_hand_ep(tp, ep, want):
    st = OpLatency(catalog.load_model("qwen3-30b-a3b"), catalog.load_gpu("h100"), tp=tp, ep=ep)
    got = st.decode(100, 10).comm_bytes
    assert got == want and type(got) is int


def test_step_record_fields_by_hand(mixed, tp2):
    """matmul FLOPs 2 × active parameters × 82 rows; tokens a whole int."""
    assert mixed.matmul_flops == 2 * tp2.active_params * 82
    p = tp2.prefill(64, 2)
    assert p.tokens == 64 and type(p.tokens) is int


def test_state_is_written_in_the_write_op_and_on_the_fast_path():
    st = OpLatency(catalog.load_model("jamba-v0.1"), catalog.load_gpu("h100"))
    step = st.mixed_sum([(100, 50)], 2, 3000, 2000)
    op = next(o for o in step.ops if o[0] == "K/V write and recurrent state")
    assert op[1] == pytest.approx((step.kv_write_bytes + step.state_bytes) / (st.prof.bw * st.prof.fb["memory_efficiency"]))
    assert st.mixed_sum([(100, 50)], 2, 3000, 2000, seconds=True) == sum(o[1] for o in step.ops)


def test_constructor_settings_reach_the_step():
    """kv dtype, engine, CUDA graphs and an empty profile label; GQA ratios as ints (Llama-3.1-8B:
    32 heads over 8 KV heads = 4, at TP 8 one KV head and 4 heads per rank: 4; Llama-2-7B is MHA: 1)."""
    spec, h = catalog.load_model("llama-3.1-8b"), catalog.load_gpu("h100")
    assert OpLatency(spec, h, kv_dtype="fp8").bytes_per_token == 32 * 2 * 8 * 128 * 1
    st = OpLatency(spec, h, engine="sglang", cuda_graphs=False)
    assert st.engine == "sglang" and st.prof.cuda_graphs is False and st.profile_label == ""
    assert type(st.gqa) is int and st.gqa == 4 and OpLatency(spec, h, tp=8).gqa == 4
    assert OpLatency(catalog.load_model("llama-2-7b"), h).gqa == 1


def test_ep_1_keeps_the_tp_split_experts():
    """At EP 1 and TP 2 a rank holds every expert at half its intermediate (768 / 2 = 384), priced as
    Roofline does; only EP > 1 takes whole experts."""
    from kvplan.plan.roofline import Roofline

    q, h = catalog.load_model("qwen3-30b-a3b"), catalog.load_gpu("h100")
    st = OpLatency(q, h, 2)
    assert st.weights_bytes == Roofline(q, h, 2).weights_bytes
    assert 384 in {x for n, k in st.moe_shapes[0][3] for x in (n, k)}
    assert 768 in {x for n, k in OpLatency(q, h, 2, ep=2).moe_shapes[0][3] for x in (n, k)}


def test_first_token_by_engine():
    """Most engines: the prefill. TurboMind <= v0.1.0a1 (lmdeploy): a prefill of prompt − 1 tokens and a decode step at
    context prompt; a one-token prompt is the decode step alone."""
    spec, gpu = catalog.load_model("llama-2-7b"), catalog.load_gpu("a100-sxm-80gb")
    v = OpLatency(spec, gpu, engine="vllm")
    assert v.first_token(128, 2) == v.prefill(128, 2).seconds
    t = OpLatency(spec, gpu, engine="lmdeploy")
    assert t.first_token(128, 2) == t.prefill(127, 2).seconds + t.decode(128, 2).seconds
    assert t.first_token(2) == t.prefill(1).seconds + t.decode(2).seconds
    assert t.first_token(1) == t.decode(1).seconds
    assert t.first_token(128) > t.prefill(128).seconds  # one more pass over the weights


def test_sglang_prompt_passes_run_eager_its_decode_steps_graphed():
    """SGLang's CUDA graphs capture decode steps only (engines.yaml prefill_cuda_graphs: false): a prefill or mixed
    pass pays the eager per-layer cost, a decode step the graphed one; vLLM graphs both. ``seconds`` (the
    simulator's path, memoised by sequences and whether the pass has prompt tokens) agrees with the ops' sum."""
    spec, gpu = catalog.load_model("llama-3.1-8b"), catalog.load_gpu("h100")
    s = OpLatency(spec, gpu, engine="sglang")
    f = s.prof.fit
    assert s.prof.cuda_graphs is True and s.prof.prefill_graphs is False
    eager = f["base_ms"] * 1e-3 + f["per_layer_us_eager"] * 1e-6 * 32 + f["per_seq_us"] * 1e-6
    graphed = f["base_ms"] * 1e-3 + f["per_layer_us_graphs"] * 1e-6 * 32 + f["per_seq_us"] * 1e-6
    assert f["per_layer_us_eager"] != f["per_layer_us_graphs"]
    pre = {o[0]: o for o in s.prefill(500).ops}["engine overhead (per step)"]
    assert pre[1] == pytest.approx(eager) and "capture decode only: this pass runs eager" in pre[3]
    assert {o[0]: o for o in s.decode(500).ops}["engine overhead (per step)"][1] == pytest.approx(graphed)
    for st in (s.prefill(500), s.decode(500), s.mixed([(0, 30)], [1000])):
        assert st.seconds == pytest.approx(sum(o[1] for o in st.ops))
    d1, p1 = s.decode(700).seconds, s.prefill(700).seconds  # memoised apart: the decode's overhead stays graphed
    assert s._mixed((), 1, s.kv_tokens_read(700), s.kv_written(700), s.mix_flops(701, 701), 700, seconds=True) \
        == pytest.approx(d1)
    assert s._mixed([(0, 700)], 0, 0, 0, 0, 0, seconds=True) == pytest.approx(p1)
    v = OpLatency(spec, gpu, engine="vllm")
    assert v.prof.prefill_graphs is True
    fv = v.prof.fit
    assert {o[0]: o for o in v.prefill(500).ops}["engine overhead (per step)"][1] == pytest.approx(
        fv["base_ms"] * 1e-3 + fv["per_layer_us_graphs"] * 1e-6 * 32 + fv["per_seq_us"] * 1e-6)
