"""kvplan/plan/latency/: what session 9's mutation run of the per-operation step model found untested
(issue 25): the grouped MoE kernel's edges (no tokens, one token per expert, a compute-bound fallback, a
table without compute efficiencies, a tie, the bound over three linears), the experts' table format,
the fitted overhead's prior and its sources, whole experts under EP inside TP, a fitted attention
scale on the simulator's fast path, the GEMM groups' formats, and the fast path's order of additions.
Every figure is worked by hand here or read from the data file it comes from."""
import pytest

from kvplan.model.hardware import SCALE_UP_FABRICS_SOURCE
from kvplan.model.spec import MoeMlp
from kvplan.model.weights import WeightQuant
from kvplan.plan.latency import gemm, moe, tables
from kvplan.plan.latency.profile import Profile
from kvplan.plan.latency.step import OpLatency
from kvplan.sources import catalog

BW = 1e12  # bytes/s


class Prof:
    """Round constants: 10^12 B/s, the fallback's memory efficiency 0.8 and a 1 us GEMM floor; ``moe``: a
    measured grouped-MoE fit, or None for the physics fallback."""

    def __init__(self, moe_fit=None, floor_us=1.0):
        self.bw = BW
        self.fb = {"memory_efficiency": 0.8, "gemm_floor_us": floor_us}
        self.mem_eff = 0.8
        self.moe = moe_fit

    def moe_prior(self, fmt):  # Profile.moe_prior: no NVIDIA median prior in these fakes
        return None

    def moe_fit(self, fmt):
        return self.moe, f"moe {fmt}"


# one expert: gate and up 1,000 × 500 fused into w13 2,000 × 500, down 500 × 1,000; 1.5 M weights at 1 byte
LINS = [(2000, 500), (500, 1000)]
FIT = {"alpha_us": 30.0, "memory_efficiency": 0.5, "m": [1, 100], "compute_efficiency": [0.1, 0.4]}


# ---- moe.py ---------------------------------------------------------------------------------
def test_fused_linears_stacks_only_a_gated_experts_equal_gate_and_up():
    """Two linears are an ungated expert even when up and down are both square (I = H = 1,000); three
    whose first two differ are not a gate/up pair: both pass through as they are."""
    assert moe.fused_linears([(1000, 1000), (1000, 1000)]) == [(1000, 1000), (1000, 1000)]
    assert moe.fused_linears([(768, 2048), (512, 2048), (2048, 768)]) == [(768, 2048), (512, 2048), (2048, 768)]
    assert moe.fused_linears([(768, 2048), (768, 2048), (2048, 768)]) == [(1536, 2048), (2048, 768)]


def test_a_grouped_moe_kernel_with_no_tokens_costs_its_fixed_terms():
    """No token routed (0 pairs over 0 experts): no bytes and no FLOPs, so the measured table's alpha
    (30 us) alone, or at the fallback one 1 us floor per fused kernel (2 us); no division by zero."""
    t, bound, _ = moe.grouped_seconds(Prof(FIT), 0, 0, 1_500_000, LINS, "bf16", 1e15, 0.5)
    assert t == pytest.approx(30e-6, rel=1e-12) and bound == "memory"
    t, bound, _ = moe.grouped_seconds(Prof(), 0, 0, 1_500_000, LINS, "bf16", 1e15, 0.5)
    assert t == pytest.approx(2e-6, rel=1e-12) and bound == "memory"


@pytest.mark.parametrize("routed", [10, 5])
def test_one_token_per_expert_reads_the_tables_first_compute_efficiency(routed):
    """10 experts read by 10 pairs (M = 1) or by 5 (M = 0.5, clamped to 1): compute efficiency 0.1, the
    table's M = 1 point (at M = 2 it would be 0.1 + 0.3 × log 2 / log 100 = 0.145). Peak 10^12, 10 pairs:
    w13 2 × 10 × 10^6 / 10^12 / 0.1 = 200 us over (10^7 + 2 × 10 × 2,500) / 10^12 / 0.5 = 20.1 us; w2 100 us
    over 10.06 us: 30 + 200 + 100 = 330 us, compute-bound. 5 pairs: half the FLOPs, 30 + 100 + 50 us."""
    t, bound, _ = moe.grouped_seconds(Prof(FIT), routed, 10, 1_500_000, LINS, "bf16", 1e12, 0.5)
    assert t == pytest.approx((30 + 300 * routed / 10) * 1e-6, rel=1e-12) and bound == "compute"


@pytest.mark.parametrize("ce", [[None, None], [0.0, 0.0]])
def test_a_table_without_a_compute_efficiency_prices_the_memory_side_only(ce):
    """A fit with no (or zero) compute efficiency at any M: each fused kernel is its memory time. 100
    pairs over 10 experts: w13 (10^7 + 2 × 100 × 2,500) / 10^12 / 0.5 = 21 us, w2 (5 × 10^6 + 2 × 100 ×
    1,500) / 10^12 / 0.5 = 10.6 us: 30 + 21 + 10.6 = 61.6 us."""
    t, bound, _ = moe.grouped_seconds(Prof(dict(FIT, compute_efficiency=ce)), 100, 10, 1_500_000, LINS,
                                      "bf16", 1e13, 0.5)
    assert t == pytest.approx(61.6e-6, rel=1e-12) and bound == "memory"


def test_the_fallback_divides_the_flops_by_the_mamf():
    """Peak 10^13, MAMF 0.5, 100 pairs over 10 experts: w13 2 × 100 × 10^6 / 10^13 / 0.5 = 40 us over its
    memory (10^7 + 2 × 100 × 2,500) / 10^12 / 0.8 = 13.125 us; w2 20 us over (5 × 10^6 + 2 × 100 × 1,500) /
    10^12 / 0.8 = 6.625 us: 60 us, compute-bound (the 1 us floor below both)."""
    t, bound, _ = moe.grouped_seconds(Prof(), 100, 10, 1_500_000, LINS, "bf16", 1e13, 0.5)
    assert t == pytest.approx(60e-6, rel=1e-12) and bound == "compute"


def test_the_moe_bound_is_the_larger_share_over_three_linears():
    """Three linears (1,000 × 1,000 and two 1 × 10,000; 1,020,000 weights at 1 byte), 1,000 pairs over 10
    experts, peak 10^14, MAMF 0.5. The square one: 2 × 1,000 × 10^6 / 10^14 / 0.5 = 40 us of compute over
    (10^7 + 2 × 1,000 × 2,000) / 10^12 / 0.8 = 17.5 us of memory; each thin one memory-bound, (10 × 10^4 +
    2 × 1,000 × 10,001) / 10^12 / 0.8 = 25.1275 us. 40 + 2 × 25.1275 = 90.255 us; memory holds 50.255 of it."""
    lins = [(1000, 1000), (1, 10000), (1, 10000)]
    t, bound, _ = moe.grouped_seconds(Prof(), 1000, 10, 1_020_000, lins, "bf16", 1e14, 0.5)
    assert t == pytest.approx(90.255e-6, rel=1e-12) and bound == "memory"


def test_a_moe_tie_is_memory_bound():
    """One 4 × 4 expert at 1 byte a weight, one pair: 16 + 2 × (4 + 4) = 32 bytes at 10^12 B/s and
    2 × 16 = 32 FLOPs at 10^12 FLOP/s, both at 0.8: the same time, called memory-bound (as gemm.seconds)."""
    assert 1 * 16 * 16 / 16 + 2 * 1 * (4 + 4) == 2.0 * 1 * 4 * 4 == 32
    _, bound, _ = moe.grouped_seconds(Prof(floor_us=0.0), 1, 1, 16, [(4, 4)], "bf16", 1e12, 0.8)
    assert bound == "memory"


def test_fp16_experts_read_the_bf16_table():
    """kernels.yaml measures bf16 experts; fp16 ones (the same bytes, the same tensor-core rate) read it."""
    qwen = catalog.load_model("qwen3-30b-a3b")
    assert moe.table_format(qwen, "fp16", "bf16") == "bf16"
    assert moe.table_format(qwen.model_copy(update={"dtype": "fp16"}), None, "fp16") == "bf16"


# ---- profile.py -------------------------------------------------------------------------------
def _fitted_with(monkeypatch, edit):
    """tables.load with fitted.yaml's engines passed through ``edit`` (a copy: the cached dict is kept)."""
    real = tables.load

    def load(name):
        d = real(name)
        return dict(d, engines=edit(dict(d["engines"]))) if name == "fitted" else d

    monkeypatch.setattr(tables, "load", load)


def test_an_engine_without_fit_rows_takes_the_prior(monkeypatch):
    """fitted.yaml without vLLM rows: its overhead is the _prior's (the fitted engines' median), so labelled:
    0.475 ms + 45 us × 32 layers + 30 us × 1 sequence = 1.945 ms with graphs (session 21's fit)."""
    _fitted_with(monkeypatch, lambda e: {k: v for k, v in e.items() if k != "vllm"})
    p = Profile(catalog.load_gpu("h100"), "vllm")
    prior = tables.load("fitted")["engines"]["_prior"]
    assert p.fit == prior and (prior["base_ms"], prior["per_layer_us_graphs"], prior["per_seq_us"]) == (0.475, 45.0, 30.0)  # session 21 refit: was (0.35, 28.5, 65.0)
    assert p.fit_label == "no fit rows for this engine: median of the fitted engines"
    s, src = p.overhead(32, 1)
    assert s == pytest.approx(1.945e-3, rel=1e-12)  # 0.475 ms + 32 x 45 us + 30 us (was 1.327 ms)
    assert src == ("no fit rows for this engine: median of the fitted engines, CUDA graphs on: "
                   "0.475 ms + 45 us × layers + 30 us × sequences")


def test_an_infinity_fabric_sources_name_the_fabric():
    """MI325X: NVLink's α and β fraction, and why Infinity Fabric counts as a scale-up fabric, joined by '; '."""
    fb = tables.load("fallback")
    s = Profile(catalog.load_gpu("mi325x"), "sglang").allreduce(8, 16_384)[1]  # MI300X has rccl-tests' (rocm.yaml)
    assert s == ("physics fallback: " + fb["nvlink_alpha_source"] + "; " + fb["nvlink_beta_source"] + "; "
                 + SCALE_UP_FABRICS_SOURCE)
    s = Profile(catalog.load_gpu("v100-sxm2-32gb"), "vllm").allreduce(8, 16_384)[1]
    assert s == "physics fallback: " + fb["nvlink_alpha_source"] + "; " + fb["nvlink_beta_source"]


def test_the_overhead_of_a_pass_is_a_decode_steps_unless_told():
    """SGLang graphs decode steps only (engines.yaml prefill_cuda_graphs: false). ``overhead(layers, seqs)``
    is a decode step's: 0.2 ms + 42 us × 32 layers + 0 us a sequence = 1.544 ms; a pass with prompt tokens runs
    eager, 0.2 ms + 700 us × 32 = 22.6 ms, and says so (session 21's fit, the per-sequence cost held at 0: the
    overlap scheduler runs the per-request CPU work beside the GPU, engines.yaml fit_per_seq_source), so 64
    running requests cost the step no more than one."""
    p = Profile(catalog.load_gpu("h100"), "sglang")
    f = p.fit
    assert (f["base_ms"], f["per_layer_us_graphs"], f["per_layer_us_eager"], f["per_seq_us"]) == (0.2, 42.0, 700.0, 0.0)  # session 21 refit: was (0.75, 30.0, 670.0, 0.0)
    assert p.overhead(32, 1)[0] == pytest.approx(1.544e-3, rel=1e-12)  # 0.2 ms + 32 x 42 us (was 1.71 ms)
    assert p.overhead(32, 64)[0] == pytest.approx(1.544e-3, rel=1e-12)
    s, src = p.overhead(32, 1, prompt=True)
    assert s == pytest.approx(22.6e-3, rel=1e-12)  # 0.2 ms + 32 x 700 us eager (was 22.19 ms)
    assert src == ("fitted on the fit half (sglang), CUDA graphs capture decode only: this pass runs eager: "
                   "0.2 ms + 700 us × layers + 0 us × sequences")


# ---- step.py: construction ------------------------------------------------------------------------
def test_a_fitted_attention_scale_reaches_the_fast_path(monkeypatch):
    """fitted.yaml may give an engine an attention_scale (none does today): read when the step model is built,
    it multiplies the attention ops of ``price`` and of ``seconds`` (the simulator's path) alike."""
    spec, gpu = catalog.load_model("llama-3.1-8b"), catalog.load_gpu("h100")
    base = OpLatency(spec, gpu).mixed([(0, 64)], [500])
    _fitted_with(monkeypatch, lambda e: dict(e, vllm=dict(e["vllm"], attention_scale=3.0)))
    st = OpLatency(spec, gpu)
    step = st.mixed([(0, 64)], [500])
    for a, b in zip(base.ops, step.ops):
        assert b[1] == pytest.approx((3 if "attention (" in a[0] else 1) * a[1], rel=1e-12), a[0]
    assert st.mixed_sum([(0, 64)], 1, 500, 500, seconds=True) == pytest.approx(step.seconds, rel=1e-12)


def test_ep_inside_tp_reads_whole_experts():
    """Qwen3-30B-A3B at TP 2 and EP 2 (DP 1): a rank holds 64 whole experts (intermediate 768, not 768 / 2):
    w13 1,536 × 2,048 and w2 2,048 × 768, 3 × 768 × 2,048 × 2 = 9,437,184 bytes each. A decode of 4 rows routes
    4 × 8 / 2 = 16 pairs to the rank's 128 × (1 − (120/128)^4) / 2 = 14.6 experts, priced on them, × 48 layers."""
    st = OpLatency(catalog.load_model("qwen3-30b-a3b"), catalog.load_gpu("h100"), tp=2, ep=2)
    assert st.dp == 1 and st.moe_shapes == [(48, 128, 8, [(1536, 2048), (2048, 768)])]
    assert st.expert_bytes == [9_437_184] == [3 * 768 * 2048 * 2]
    op = next(o for o in st.decode(100, 4).ops if o[0].startswith("MoE"))
    read = 128 * (1 - (120 / 128) ** 4) / 2
    assert op[0] == f"MoE experts, EP 2 ({read:.1f} of 64 on the rank read, 1 tokens each)"
    t = moe.grouped_seconds(st.prof, 16, read, 9_437_184, [(1536, 2048), (2048, 768)], "bf16", st.peak_flops, st.mamf)[0]
    assert op[1] == pytest.approx(st.prof.scale("gemm") * 48 * t, rel=1e-12)


def test_a_weight_dtype_prices_the_experts_on_its_table():
    """--weight-dtype fp8 on a bf16 checkpoint: the experts read the fp8 grouped-MoE table (vLLM's H100 fp8_block
    rows), not the bf16 one."""
    st = OpLatency(catalog.load_model("qwen3-30b-a3b"), catalog.load_gpu("h100"), weight_dtype="fp8")
    assert st.moe_fmt == "fp8"
    op = next(o for o in st.decode(100).ops if o[0].startswith("MoE"))
    assert "(fp8_block, vllm_fp8moe_triton_tritonexperts)" in op[3]


def test_an_ungated_moes_shared_expert_is_ungated():
    """DeepSeek-V2-Lite with its MoE layers made ungated (up, down): the shared experts (2,816 together) are
    two GEMMs, 2,816 × 2,048 and 2,048 × 2,816, as the experts are; the dense layer keeps its gated MLP."""
    spec = catalog.load_model("deepseek-v2-lite")
    lts = {n: lt.model_copy(update={"mlp": lt.mlp.model_copy(update={"gated": False})})
           if isinstance(lt.mlp, MoeMlp) else lt for n, lt in spec.layer_types.items()}
    st = OpLatency(spec.model_copy(update={"layer_types": lts}), catalog.load_gpu("h100"))
    assert st.mlps == [(1, [(10944, 2048), (10944, 2048), (2048, 10944)]), (26, [(2816, 2048), (2048, 2816)])]
    assert st.moe_shapes == [(26, 64, 6, [(1408, 2048), (2048, 1408)])]


# ---- step.py: the GEMM groups' formats ---------------------------------------------------------
AWQ = WeightQuant(scope="mlp", format="int4", method="awq", packed=True, scale_bytes=2, zero_points=True, group=128)


def test_an_fp16_checkpoints_int4_mlps_compute_in_fp16():
    """AWQ int4 MLPs of an fp16 Llama-3.1-8B dequantize to the activations' fp16 (roofline.compute_format):
    the H100's fp16 peak, 989.4 TFLOP/s, and MAMF row (0.803)."""
    spec = catalog.load_model("llama-3.1-8b").model_copy(update={"dtype": "fp16", "weight_quant": AWQ})
    st = OpLatency(spec, catalog.load_gpu("h100"))
    assert st.mlp_fmt == gemm.Format("int4", "fp16", 989.4e12, 0.803, AWQ)
    assert st.proj_fmt == st.head_fmt == gemm.Format("fp16", "fp16", 989.4e12, 0.803)


def test_an_unquantized_group_on_an_fp8_run_takes_its_own_mamf():
    """DeepSeek-R1 (fp8 linears) on a B200 computes in fp8 (MAMF 0.763); the LM head stays bf16 at the
    B200's bf16 peak (2,250 TFLOP/s) and its own bf16 MAMF row, 0.776 (not the 0.803 median of GPUs without one)."""
    st = OpLatency(catalog.load_model("deepseek-r1"), catalog.load_gpu("b200"), tp=8)
    assert (st.compute_fmt, st.mamf) == ("fp8", 0.763)
    assert st.head_fmt == gemm.Format("bf16", "bf16", 2250e12, 0.776)


def test_experts_scope_leaves_the_shared_experts_and_dense_mlps_in_bf16():
    """An fp8 quantization of the routed experts only (scope experts) on DeepSeek-V2-Lite: the dense MLP and
    the shared experts stay bf16 and read vLLM's bf16 GEMM table."""
    spec = catalog.load_model("deepseek-v2-lite").model_copy(
        update={"weight_quant": WeightQuant(scope="experts", format="fp8_e4m3")})
    st = OpLatency(spec, catalog.load_gpu("h100"))
    assert st.mlp_fmt == st.proj_fmt == gemm.Format("bf16", "bf16", 989.4e12, 0.803)
    op = next(o for o in st.decode(100).ops if o[0] == "MLP (GEMM)")
    assert op[3].endswith("h100_sxm/gemm/vllm/0.24.0/gemm_perf.parquet (bf16)")


class _Scripted:
    """A GEMM format whose time is N us, memory-bound where K = 1, compute-bound where not."""

    def seconds(self, prof, m, n, k):
        return n * 1e-6, ("memory" if k == 1 else "compute"), f"src {n}"


def test_a_gemm_groups_bound_is_the_larger_share():
    """Two 3 us memory-bound GEMMs and one 4 us compute-bound one: 10 us, memory (6 us) the larger share,
    the last GEMM's source."""
    st = OpLatency(catalog.load_model("llama-3.1-8b"), catalog.load_gpu("h100"))
    t, bound, src = st._gemms([(1, [(3, 1), (3, 1), (4, 2)])], 1, _Scripted())
    assert (t, bound, src) == (pytest.approx(10e-6, rel=1e-12), "memory", "src 4")


def test_the_fallback_moe_op_divides_its_flops_by_the_mamf():
    """Qwen3-30B-A3B, an 8,192-token prefill on llama.cpp (no measured tables) on an H100 (3.35 TB/s, 989.4
    TFLOP/s bf16, MAMF 0.803, memory efficiency 0.83): 65,536 pairs over all 128 experts (512 tokens each).
    w13: 2 × 65,536 × 1,536 × 2,048 / 989.4e12 / 0.803 = 519.0 us of compute over (128 × 6,291,456 + 2 × 65,536
    × 3,584) / 3.35e12 / 0.83 = 458.6 us; w2: (128 × 3,145,728 + 2 × 65,536 × 2,816) / 3.35e12 / 0.83 = 277.5 us
    over 259.5 us. (519.0 + 277.5) × 48 layers = 38.23 ms."""
    st = OpLatency(catalog.load_model("qwen3-30b-a3b"), catalog.load_gpu("h100"), engine="llamacpp")
    # one pass of 8,192 tokens (llama.cpp's own prefill runs 512-token micro-batches: OpLatency._ubatched)
    op = next(o for o in st._mixed([(0, 8192)], 0, 0, 0, 0, 0).ops if o[0].startswith("MoE"))
    w13 = 2 * 65536 * 1536 * 2048 / 989.4e12 / 0.803
    w2 = (128 * 3_145_728 + 2 * 65536 * 2816) / 3.35e12 / 0.83
    assert w13 > (128 * 6_291_456 + 2 * 65536 * 3584) / 3.35e12 / 0.83 and w2 > 2 * 65536 * 2048 * 768 / 989.4e12 / 0.803
    assert op[1] == pytest.approx(48 * (w13 + w2), rel=1e-9) == pytest.approx(38.23e-3, rel=1e-3)
    assert op[2] == "compute"


# ---- step.py: the simulator's fast path ----------------------------------------------------------
def test_the_fast_path_adds_the_all_to_all_after_the_attention():
    """``seconds`` adds the same floats in the same order as ``price``'s ops: under EP the all-to-all comes
    after the attention and the K/V write, as in ``price``. At decode batch 39 (Qwen3-30B-A3B, EP 2) adding
    it right after the GEMMs rounds differently, so this step tells the two orders apart (batch 32 did until the
    MoE router's ops were priced, 33 until session 22's lat22fit refit moved vLLM's constants, as session 21's lat21bw
    found: which batch rounds apart moves with the ops' values; after it 23, 39, 41, 42, 47, 49, 55 and 59 of 20-59 do)."""
    st = OpLatency(catalog.load_model("qwen3-30b-a3b"), catalog.load_gpu("h100"), ep=2)
    fresh = OpLatency(catalog.load_model("qwen3-30b-a3b"), catalog.load_gpu("h100"), ep=2)
    full = fresh.mixed_sum((), 39, 39000, 1000)
    vals, names = [o[1] for o in full.ops], [o[0] for o in full.ops]
    a2a, logits = names.index(next(n for n in names if n.startswith("all-to-all"))), names.index("logits (LM head GEMM)")
    early = 0
    for x in vals[:logits] + [vals[a2a]] + [v for i, v in enumerate(vals) if i >= logits and i != a2a]:
        early += x
    assert early != sum(vals)  # the other order is another float here
    assert st.mixed_sum((), 39, 39000, 1000, seconds=True) == sum(vals)


# ---- tables.py: the caches hit ----------------------------------------------------------------------
def test_the_interpolation_caches_are_built_once_and_then_served(monkeypatch):
    """The simulator prices ~10^5 steps from the same curves, so each list's log points, each grid and each
    x's plan are compiled once and served from then on (kept, not rebuilt: the same objects come back)."""
    xs, ys = [1, 100], [0.0, 10.0]
    assert tables.interp(xs, ys, 10) == pytest.approx(5.0)
    pts = tables._PTS[(id(xs), id(ys))]
    assert tables.interp(xs, ys, 20) == pytest.approx(5 * (1 + 0.30103), rel=1e-5)
    assert tables._PTS[(id(xs), id(ys))] is pts
    built = []

    class Grid(tables._Grid):
        def __init__(self, *a):
            built.append(a)
            super().__init__(*a)

    monkeypatch.setattr(tables, "_Grid", Grid)
    gx, gy, grid = [1, 100], [1, 10000], [[0.0, 4.0], [10.0, 30.0]]
    assert tables.interp2(gx, gy, grid, 10, 100) == pytest.approx(11.0)
    g = tables._GRIDS[id(grid)]
    plan = g.by_x[10]
    assert tables.interp2(gx, gy, grid, 10, 1) == pytest.approx(5.0)  # row values 0 and 10
    assert len(built) == 1 and tables._GRIDS[id(grid)] is g and g.by_x[10] is plan
    empty = [[None, None], [None, None]]
    assert tables.interp2(gx, gy, empty, 10, 100) is None
    assert tables._GRIDS[id(empty)].by_x[10] == ()  # no row with a value: the empty plan, kept
