"""kvplan/plan/latency/step.py: how OpLatency composes a pass from its ops, checked op by op
against the functions it calls and the step's byte counts by hand (issue 25).

Llama-3.1-8B at TP 2 on an H100: 32 layers, hidden 4,096, bf16 activations (2 bytes); a rank
holds 4 of the 8 KV heads: 32 layers × 2 (K, V) × 4 × 128 × 2 bytes = 65,536 bytes per token."""
import pytest

from kvplan.plan.latency import attention, comm, gemm
from kvplan.plan.latency.step import OpLatency
from kvplan.sources import catalog


@pytest.fixture(scope="module")
def tp2():
    return OpLatency(catalog.load_model("llama-3.1-8b"), catalog.load_gpu("h100"), tp=2)


@pytest.fixture(scope="module")
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
    ar = comm.seconds(p, 2, 82, 4096, 2, 32)
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
                                         ("qwen3-30b-a3b", 1, 1)])
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
    d, p = tp2.decode(1000, 4), tp2.prefill(64, 2)
    assert (d.phase, d.batch, d.ctx, d.tokens) == ("decode", 4, 1000, 1)
    assert (p.phase, p.batch, p.ctx, p.tokens) == ("prefill", 2, 0, 64)
    assert d.ops[3][0] == "decode attention (K/V read, mean ctx 1,000)"
    assert p.ops[3][0] == "prefill attention (causal, 64 tokens)"
