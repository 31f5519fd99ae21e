"""The per-operation formulas of kvplan/plan/latency/ (gemm, attention, comm, moe) against a
stand-in profile whose constants are round numbers, so every expected figure is worked out by
hand in the test (issue 25: tests that catch wrong numbers)."""
import math

import pytest

from kvplan.plan.latency import attention, comm, gemm, moe, overhead

BW = 1e12  # bytes/s
PEAK = 1e15  # FLOP/s


class Prof:
    """A profile with round constants; records the table format GEMMs asked for."""

    def __init__(self, eff=0.5, floor=1e-6, curves=("bf16", "fp8"), dequant=(2.0, "dq-src")):
        self.bw = BW
        self.fb = {"memory_efficiency": 0.8, "attention_floor_us": 10.0}
        self.mem_eff = 0.8  # Profile.mem_eff: the family's measured streaming share, else the fallback's
        self.eff, self.floor, self.curves, self._dequant = eff, floor, curves, dequant
        self.asked = []

    def gemm_curve(self, fmt):
        return ({"m": [1]}, "curve") if fmt in self.curves else (None, "")

    def gemm_efficiency(self, fmt, m, nk, mamf):
        self.asked.append((fmt, m, nk, mamf))
        return self.eff, self.floor, f"table {fmt}"

    def dequant(self, fmt):
        self.dq_asked = fmt
        return self._dequant

    def weight_only_kernel(self, fmt, m):  # Profile.weight_only_kernel: no engine rule in these fakes
        return None

    def fallback_compute(self, wfmt, mamf):  # Profile.fallback_compute for an engine without fp16 accumulation
        return mamf, None

    def moe_prior(self, fmt):  # Profile.moe_prior: no NVIDIA median prior in these fakes
        return None

    def moe_fit(self, fmt):
        self.moe_asked = fmt
        return getattr(self, "moe", None), f"moe {fmt}"

    def decode_attention_efficiency(self, batch, ctx, kv_heads, gqa):
        self.asked.append((batch, ctx, kv_heads, gqa))
        return 0.5, 2e-6, "decode-src"

    def prefill_attention_efficiency(self, isl, mla=False):
        self.asked.append((isl, mla) if mla else isl)
        return self.eff, "prefill-src"

    def allreduce(self, n, nbytes):
        self.asked.append(("ar", n, nbytes))
        return 10e-6 + nbytes / 1e11, "ar-src"

    def alltoall(self, n):
        self.asked.append(("a2a", n))
        return 20e-6, 5e10, "a2a-src"

    def overhead(self, layers, seqs, prompt=False):
        return 1e-3 + layers * 1e-6 + seqs * 1e-5 + (1.0 if prompt else 0.0), "oh"


# ---- GEMM ---------------------------------------------------------------------------------
def test_gemm_memory_bound_bf16_by_hand():
    """M=1, N=K=1,000, bf16: bytes 1,000,000 × 2 + 2 × 1 × 2,000 = 2,004,000 at 10^12 B/s = 2.004 us,
    / efficiency 0.5 = 4.008 us; compute 2 × 10^6 / 10^15 / 0.5 = 4 ns: memory-bound."""
    p = Prof()
    t, bound, src = gemm.seconds(p, 1, 1000, 1000, "bf16", "bf16", PEAK, 0.7)
    assert t == pytest.approx(4.008e-6) and bound == "memory" and src == "table bf16"
    assert p.asked == [("bf16", 1, 1_000_000, 0.7)]


def test_gemm_compute_bound_by_hand():
    """M=N=K=4,096: compute 2 × 4,096^3 / 10^15 = 137.44 us; bytes 4,096² × 2 + 2 × 4,096 × 8,192
    = 100,663,296 → 100.66 us: compute-bound, both / 0.5."""
    t, bound, _ = gemm.seconds(Prof(), 4096, 4096, 4096, "bf16", "bf16", PEAK, 0.7)
    assert bound == "compute" and t == pytest.approx(2 * 2 * 4096 ** 3 / PEAK)


def test_gemm_floor():
    t, _, _ = gemm.seconds(Prof(floor=1e-3), 1, 10, 10, "bf16", "bf16", PEAK, 0.7)
    assert t == 1e-3


@pytest.mark.parametrize("wfmt,bpw", [("int4", 0.5 + 2.5 / 128), ("int8", 1.0), ("q4_0", 18 / 32), ("fp8", 1.0),
                                      ("fp8_e4m3", 1.0), ("fp8_e5m2", 1.0), ("fp16", 2.0), ("fp32", 4.0),
                                      ("nf4-unknown", 2.0)])
def test_gemm_bytes_per_weight(wfmt, bpw):
    """A weight-only table exists for every format here, so no dequant factor: time = bytes / bw / 0.5."""
    p = Prof(curves=("bf16", "fp8", "int4", "int8", "q4_0", "nf4-unknown", "fp32"))
    t, _, _ = gemm.seconds(p, 1, 1024, 1024, wfmt, "fp8", PEAK, 0.7)
    assert t == pytest.approx((1024 * 1024 * bpw + 2 * 2048) / BW / 0.5)


@pytest.mark.parametrize("wfmt,compute,table", [("fp8_e4m3", "fp8", "fp8"), ("fp8_e5m2", "fp8", "fp8"),
                                                ("fp8", "bf16", "bf16"), ("fp8_e4m3", "bf16", "bf16"),
                                                ("fp16", "fp16", "bf16"), ("bf16", "bf16", "bf16")])
def test_gemm_table_by_format(wfmt, compute, table):
    p = Prof()
    gemm.seconds(p, 8, 64, 64, wfmt, compute, PEAK, 0.7)
    assert p.asked[0][0] == table


def test_gemm_weight_only_without_a_table_streams_at_bf16_times_dequant():
    """int4 with no int4 curve: the bf16 table, and the memory-bound time × the dequant factor 2:
    bytes 1,024² × (0.5 + 2.5/128) + 2 × 2,048 = 548,864 → / 10^12 / 0.5 × 2."""
    p = Prof()
    t, bound, src = gemm.seconds(p, 1, 1024, 1024, "int4", "bf16", PEAK, 0.7)
    assert p.asked[0][0] == "bf16" and bound == "memory"
    assert t == pytest.approx(548_864 / BW / 0.5 * 2.0)
    assert src == "table bf16; dequant ×2.00: dq-src" and p.dq_asked == "int4"
    # with a table of its own: no factor
    p = Prof(curves=("bf16", "int4"))
    t2, _, src2 = gemm.seconds(p, 1, 1024, 1024, "int4", "bf16", PEAK, 0.7)
    assert p.asked[0][0] == "int4" and t2 == pytest.approx(548_864 / BW / 0.5) and src2 == "table int4"
    # a factor with no source: the time still scales, the source says nothing more
    t3, _, src3 = gemm.seconds(Prof(dequant=(1.5, "")), 1, 1024, 1024, "int8", "bf16", PEAK, 0.7)
    assert t3 == pytest.approx((1024 * 1024 + 4096) / BW / 0.5 * 1.5) and src3 == "table bf16"


def test_gemm_dequant_not_on_a_compute_bound_gemm():
    p = Prof()
    t, bound, _ = gemm.seconds(p, 4096, 4096, 4096, "int8", "bf16", PEAK, 0.7)
    assert bound == "compute" and t == pytest.approx(2 * 4096 ** 3 / PEAK / 0.5)


def test_gemm_physics_fallback():
    """No table: memory at fallback's 0.8, compute at the MAMF ratio 0.7."""
    p = Prof(eff=None)
    t, bound, _ = gemm.seconds(p, 1, 1000, 1000, "bf16", "bf16", PEAK, 0.7)
    assert bound == "memory" and t == pytest.approx(2_004_000 / BW / 0.8)
    t, bound, _ = gemm.seconds(p, 4096, 4096, 4096, "bf16", "bf16", PEAK, 0.7)
    assert bound == "compute" and t == pytest.approx(2 * 4096 ** 3 / PEAK / 0.7)


# ---- attention ----------------------------------------------------------------------------
def test_decode_attention_by_hand():
    """1 GB of K/V at 10^12 B/s × 0.5 = 2 ms; FLOPs 10^12 at half of 10^15 = 2 ms too: tie."""
    p = Prof()
    t, src = attention.decode_seconds(p, 10 ** 9, 10 ** 11, 4, 1000.0, 8, 4, 32, PEAK)
    assert t == pytest.approx(2e-3) and src == "decode-src"
    assert p.asked == [(4, 1000.0, 8, 4)]
    t, _ = attention.decode_seconds(Prof(), 10 ** 6, 10 ** 12, 4, 1000.0, 8, 4, 32, PEAK)
    assert t == pytest.approx(10 ** 12 / (PEAK * 0.5))  # compute-bound: 2 ms
    # the floor: 2 us per layer × 32 layers
    t, _ = attention.decode_seconds(Prof(), 1000, 0, 1, 1.0, 1, 1, 32, PEAK)
    assert t == pytest.approx(64e-6)


def test_decode_attention_clamps_its_lookup_and_skips_empty_passes():
    p = Prof()
    attention.decode_seconds(p, 1000, 0, 2, 0.5, 0, 0, 4, PEAK)
    assert p.asked == [(2, 1, 1, 1)]
    assert attention.decode_seconds(p, 1000, 1000, 0, 1.0, 8, 4, 4, PEAK) == (0.0, "")
    assert attention.decode_seconds(p, 1000, 1000, 2, 1.0, 8, 4, 0, PEAK) == (0.0, "")


def test_prefill_attention_by_hand():
    """10^12 FLOPs at 10^15 × 0.5 = 2 ms; the floor 10 us × layers."""
    p = Prof()
    t, src = attention.prefill_seconds(p, 10 ** 12, 2048.0, 32, PEAK)
    assert t == pytest.approx(2e-3) and src == "prefill-src" and p.asked == [2048.0]
    t, _ = attention.prefill_seconds(Prof(), 10 ** 6, 0.5, 32, PEAK)
    assert t == pytest.approx(320e-6)
    assert attention.prefill_seconds(Prof(), 0, 100.0, 32, PEAK) == (0.0, "")
    # an efficiency of 0 is held at 10^-3: 10^9 / 10^12 = 1 ms
    t, _ = attention.prefill_seconds(Prof(eff=0.0), 10 ** 9, 100.0, 1, PEAK)
    assert t == pytest.approx(1e-3)
    p = Prof()
    attention.prefill_seconds(p, 10 ** 9, 0.25, 1, PEAK)
    assert p.asked == [1]


# ---- communication ------------------------------------------------------------------------
def test_allreduce_by_hand():
    """TP 4, 16 rows × 4,096 hidden × 2 bytes = 131,072 bytes; Llama-3.1-8B's 32 layers of attention + MLP:
    2 × 32 + 1 = 65 calls of 10 us + 131,072 / 10^11 s = 11.31072 us: 735.1968 us."""
    from kvplan.sources import catalog

    spec = catalog.load_model("llama-3.1-8b")
    p = Prof()
    t, nbytes, calls, src = comm.seconds(p, 4, 16, 4096, 2, spec)
    assert (nbytes, calls, src) == (131_072, 65, "ar-src") and p.asked == [("ar", 4, 131_072)]
    assert t == pytest.approx(65 * (10e-6 + 131_072 / 1e11))
    assert comm.allreduces_per_step(spec) == 65
    assert comm.seconds(p, 1, 16, 4096, 2, spec) == (0.0, 0, 0, "")


def test_alltoall_by_hand():
    """EP 8, 16 tokens × top-8 × 2,048 × 2 bytes = 524,288 bytes; 2 × 48 calls of
    20 us + 524,288 / 5·10^10 s."""
    assert comm.alltoall_bytes(16, 8, 2048, 2) == 524_288
    p = Prof()
    t, nbytes, calls, src = comm.alltoall_seconds(p, 8, 16, 8, 2048, 2, 48)
    assert (nbytes, calls, src) == (524_288, 96, "a2a-src") and p.asked == [("a2a", 8)]
    assert t == pytest.approx(96 * (20e-6 + 524_288 / 5e10))
    assert comm.alltoall_seconds(p, 1, 16, 8, 2048, 2, 48) == (0.0, 0, 0, "")
    t, nbytes, calls, _ = comm.alltoall_seconds(p, 2, 16, 8, 2048, 2, 1)  # EP 2: two ranks already exchange
    assert (nbytes, calls) == (524_288, 2) and t == pytest.approx(2 * (20e-6 + 524_288 / 5e10))
    assert comm.alltoall_seconds(p, 8, 16, 8, 2048, 2, 0) == (0.0, 0, 0, "")


# ---- MoE ----------------------------------------------------------------------------------
def test_moe_expected_experts_by_hand():
    """E = 4, k = 2, T = 2: 4 × (1 − (1/2)²) = 3 experts read, 2 × 2 / 3 tokens each."""
    assert moe.expected_experts(4, 2, 2) == 3.0
    assert moe.tokens_per_expert(4, 2, 2) == pytest.approx(4 / 3)
    assert moe.experts_read_per_rank(4, 2, 2, 2) == 1.5
    assert moe.expected_experts(8, 1, 1) == 1.0 and moe.tokens_per_expert(8, 1, 1) == 1.0
    assert moe.tokens_per_expert(8, 2, 0) == 0.0  # no tokens: no division by zero
    assert math.isclose(moe.expected_experts(128, 8, 4096), 128)


def test_overhead_is_the_profiles():
    assert overhead.seconds(Prof(), 10, 3) == (pytest.approx(1e-3 + 10e-6 + 3e-5), "oh")
    assert overhead.seconds(Prof(), 10, 3, True) == (pytest.approx(1.0 + 1e-3 + 10e-6 + 3e-5), "oh")


@pytest.mark.parametrize("tp,ep,asked,msg", [
    (2, 3, False, "expert parallelism spans tp × data_parallel_size ranks; got 3"),
    (1, 0, False, "expert parallelism spans tp × data_parallel_size ranks; got 0"),
    (1, "2", False, "expert parallelism spans tp × data_parallel_size ranks; got '2'"),
    (1, 3, False, "enable_expert_parallel over 3 ranks (tp × data_parallel_size) does not divide qwen3-30b-a3b's "
                  "128 experts evenly; kvplan prices even splits only"),
])
def test_expert_parallel_messages_in_full(tp, ep, asked, msg):
    from kvplan.errors import KvplanError
    from kvplan.sources import catalog

    with pytest.raises(KvplanError) as e:
        moe.check_expert_parallel(catalog.load_model("qwen3-30b-a3b"), tp, ep, asked)
    assert str(e.value) == msg


def test_fused_linears_stack_gate_and_up():
    assert moe.fused_linears([(768, 2048), (768, 2048), (2048, 768)]) == [(1536, 2048), (2048, 768)]
    assert moe.fused_linears([(768, 2048), (2048, 768)]) == [(768, 2048), (2048, 768)]  # not gated


def test_moe_table_format():
    from kvplan.sources import catalog

    r1, qwen = catalog.load_model("deepseek-r1"), catalog.load_model("qwen3-30b-a3b")
    assert moe.table_format(r1, None, "bf16") == "fp8" and moe.table_format(qwen, None, "bf16") == "bf16"
    assert moe.table_format(qwen, "int4", "bf16") == "int4" and moe.table_format(qwen, "fp8_e4m3", "bf16") == "fp8"
    assert moe.table_format(qwen, "q4_0", "bf16") is None  # no table: the physics fallback


# one expert: gate and up 1,000 × 500, down 500 × 1,000: fused w13 2,000 × 500, w2 500 × 1,000; 1.5 M weights,
# 1 byte each; 10 experts read
LINS = [(2000, 500), (500, 1000)]


@pytest.mark.parametrize("floor_us,want_us", [
    # 20 routed pairs. w13: (10 × 1,000,000 + 2 × 20 × 2,500) / 1e12 = 10.1 us / 0.8 = 12.625 us (FLOPs:
    # 2 × 20 × 1e6 / 1e15 / 0.5 = 0.08 us); w2: (10 × 500,000 + 2 × 20 × 1,500) / 1e12 = 5.06 us / 0.8 = 6.325 us
    (1.0, 12.625 + 6.325),
    (8.0, 12.625 + 8.0)])  # one floor per fused kernel: w2 lifted to 8 us
def test_grouped_moe_at_the_fallback_by_hand(floor_us, want_us):
    p = Prof()
    p.fb = dict(p.fb, gemm_floor_us=floor_us, memory_efficiency_source="fb-src")
    t, bound, src = moe.grouped_seconds(p, 20, 10, 1_500_000, LINS, "fp8", PEAK, 0.5)
    assert t == pytest.approx(want_us * 1e-6, rel=1e-12) and bound == "memory" and src == "moe fp8"
    assert p.moe_asked == "fp8"


def test_grouped_moe_on_a_measured_table_by_hand():
    """alpha 30 us; 100 routed pairs over 10 experts (M = 10, halfway in log between 1 and 100: compute
    efficiency (0.1 + 0.4) / 2 = 0.25); peak 1e13. w13: comp 2 × 100 × 1e6 / 1e13 = 20 us / 0.25 = 80 us, above
    mem (10e6 + 2 × 100 × 2,500) / 1e12 / 0.5 = 21 us; w2: comp 10 us / 0.25 = 40 us above 10.6 us. 30 + 80 + 40."""
    p = Prof()
    p.moe = {"alpha_us": 30.0, "memory_efficiency": 0.5, "m": [1, 100], "compute_efficiency": [0.1, 0.4]}
    t, bound, _ = moe.grouped_seconds(p, 100, 10, 1_500_000, LINS, "bf16", 1e13, 0.5)
    assert t == pytest.approx(150e-6, rel=1e-12) and bound == "compute"
    # memory-bound at 1e15: 30 + 21 + 10.6 us, no floor on a measured table
    t, bound, _ = moe.grouped_seconds(p, 100, 10, 1_500_000, LINS, "bf16", PEAK, 0.5)
    assert t == pytest.approx(61.6e-6, rel=1e-12) and bound == "memory"


def test_expert_parallel_dense_and_dp():
    from kvplan.errors import KvplanError
    from kvplan.sources import catalog

    dense, qwen = catalog.load_model("llama-3.1-8b"), catalog.load_model("qwen3-30b-a3b")
    assert moe.check_expert_parallel(dense, 1, 1) == 1 and moe.check_expert_parallel(qwen, 2, 8) == 4
    assert type(moe.check_expert_parallel(qwen, 2, 8)) is int
    assert moe.check_expert_parallel(qwen, 1, 1, asked=True) == 1
    with pytest.raises(KvplanError) as e:
        moe.check_expert_parallel(dense, 1, 1, asked=True)
    assert str(e.value) == ("enable_expert_parallel needs a mixture-of-experts model; llama-3.1-8b is dense "
                            "(vLLM refuses it too: the number of experts must be greater than 0)")


def test_gemm_activations_in_and_out_by_hand():
    """M = 8 rows, N = K = 1,000, bf16: 2,000,000 weight bytes + 2 × 8 × 2,000 activation bytes = 2,032,000."""
    t, bound, _ = gemm.seconds(Prof(), 8, 1000, 1000, "bf16", "bf16", PEAK, 0.7)
    assert bound == "memory" and t == pytest.approx(2_032_000 / BW / 0.5)


def test_gemm_a_tie_is_memory_bound():
    """N = K = 2, M = 1: 16 bytes at 10^12 B/s and 8 FLOPs at 5·10^11 FLOP/s both take 16 ps."""
    assert 16 / BW == 8 / 5e11
    _, bound, _ = gemm.seconds(Prof(), 1, 2, 2, "bf16", "bf16", 5e11, 0.7)
    assert bound == "memory"
