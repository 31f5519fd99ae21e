"""Session 21's GEMM rules worked by hand (issue 21; MUTATION.md "Session 21 (GEMM efficiency by size, fused linears,
TensorRT-LLM's int4 kernels by M)"): the by_size grid read log-log (Profile.gemm_efficiency), the fused linears'
N summed (gemm.fused, engines.yaml fused_linears), TensorRT-LLM's int4 kernels by M (Profile.weight_only_kernel,
gemm.seconds) with their sources word for word."""
import math

import pytest

from kvplan.plan.latency import gemm, tables
from kvplan.plan.latency.profile import Profile
from kvplan.sources import catalog

H200_TRT_BF16 = tables.load("kernels")["families"]["h200_sxm"]["engines"]["trtllm"]["gemm"]["bf16"]


def _profile(monkeypatch, gpu="h200", wo=None, eff=0.5):
    """TensorRT-LLM's profile with fitted.yaml ``weight_only`` set by hand (None: the key absent) and, where ``eff``
    is given, the curve's efficiency fixed (no floor), so every figure below is worked by hand."""
    real = tables.load

    def load(name):
        if name != "fitted":
            return real(name)
        doc = {k: v for k, v in real(name).items() if k != "weight_only"}
        return doc if wo is None else dict(doc, weight_only=wo)

    monkeypatch.setattr(tables, "load", load)
    p = Profile(catalog.load_gpu(gpu), "trtllm")
    if eff is not None:
        monkeypatch.setattr(p, "gemm_efficiency", lambda fmt, m, nk, mamf: (eff, 0.0, f"table {fmt}"))
    return p


WO = {"trtllm": {"int4": {"gemv": 2.0, "cutlass_memory": 3.0, "cutlass_compute": 1.5, "source": "by hand"}}}


# ---- Profile.gemm_efficiency: the by_size grid, log N·K then log M ---------------------------------------------

def test_h200_trtllm_bf16_reads_the_grid_log_log_at_m_6_and_a_fused_qkv():
    """The four cells around (M 6, N·K 6,144 × 4,096 = 25,165,824 = 1.5 × 2^24), measured: aiconfigurator 0.12.0's
    h200_sxm/gemm/trtllm/1.3.0rc20/gemm_perf.parquet, bfloat16 rows with N, K >= 1,024, the median of max(bytes /
    4.8 TB/s, FLOP / 989.5 TFLOPS) / latency (derive_kernels.by_size; 46 rows in the 2^24 bin, 40 in 2^25, rerun
    with pandas in session 21): M 4: 0.599 (2^24 column, at 2^24.5 = 23,726,566), 0.682 (2^25, at 47,453,133);
    M 8: 0.6022, 0.6881.
    Along N·K: f = ln(25,165,824 / 23,726,566) / ln(47,453,133 / 23,726,566) = 0.08496 (log2 1.5 − 0.5);
    M 4: 0.599 + 0.083 × 0.08496 = 0.60605; M 8: 0.6022 + 0.0859 × 0.08496 = 0.60950.
    Along M: log2(6 / 4) = 0.58496: 0.60605 + 0.00345 × 0.58496 = 0.60807. The floor: the table's 3.21 us."""
    c = H200_TRT_BF16
    i, j = c["m"].index(4), c["nk"].index(23_726_566)
    assert c["m"][i + 1] == 8 and c["nk"][j + 1] == 47_453_133
    assert [c["by_size"][i][j:j + 2], c["by_size"][i + 1][j:j + 2]] == [[0.599, 0.682], [0.6022, 0.6881]]
    fy = math.log(25_165_824 / 23_726_566) / math.log(47_453_133 / 23_726_566)
    assert fy == pytest.approx(0.084963, abs=1e-6) and math.log2(6 / 4) == pytest.approx(0.584963, abs=1e-6)
    e, floor, src = Profile(catalog.load_gpu("h200"), "trtllm").gemm_efficiency("bf16", 6, 6144 * 4096, 0.8)
    assert e == pytest.approx(0.608068, abs=1e-6) and floor == pytest.approx(3.21e-6, rel=1e-12)
    assert src == ("aiconfigurator 0.12.0: aiconfigurator_core/systems/data/h200_sxm/gemm/trtllm/1.3.0rc20/"
                   "gemm_perf.parquet (bf16)")


def test_every_grid_is_m_by_columns_at_the_middle_of_each_power_of_two():
    """kernels.yaml's by_size grids as derive_kernels.by_size writes them: a row per M of the curve, a column per
    power of two b of N·K, consecutive, read at round(2^(b + 0.5)) (2^20: 1,482,910 = round(1,482,910.4))."""
    assert round(2 ** 20.5) == 1_482_910
    n = 0
    for fam in tables.load("kernels")["families"].values():
        for eng in fam.get("engines", {}).values():
            for fmt, c in (eng.get("gemm") or {}).items():
                if not isinstance(c, dict) or "by_size" not in c:
                    continue
                b0 = math.floor(math.log2(c["nk"][0]))
                assert c["nk"] == [round(2 ** (b0 + i + 0.5)) for i in range(len(c["nk"]))], fmt
                assert len(c["by_size"]) == len(c["m"]) and {len(r) for r in c["by_size"]} == {len(c["nk"])}, fmt
                n += 1
    assert n == 29  # 15 bf16 (5 families x 3 engines), 12 fp8 (A100 has none), A100 TRT-LLM's int4 and int8
    assert n == sum(1 for f in tables.load("kernels")["families"].values() for e in f.get("engines", {}).values()
                    for c in (e.get("gemm") or {}).values() if isinstance(c, dict) and "m" in c)


# ---- gemm.fused and engines.yaml fused_linears --------------------------------------------------------------------

def test_fused_sums_n_of_the_hidden_states_readers():
    """Llama-3.1-8B (hidden 4,096): q 4,096 + k 1,024 + v 1,024 = 6,144 one GEMM, o alone; gate 14,336 + up 14,336 =
    28,672, down alone; DeepSeek-V3's MLA (hidden 7,168): q_a 1,536 + kv_a 576 = 2,112 (vLLM's fused_qkv_a_proj),
    q_b, kv_b, o alone, in their order; a group whose first matrix does not read the hidden state keeps it first."""
    assert gemm.fused([(4096, 4096), (1024, 4096), (1024, 4096), (4096, 4096)], 4096) == [(6144, 4096), (4096, 4096)]
    assert gemm.fused([(14336, 4096), (14336, 4096), (4096, 14336)], 4096) == [(28672, 4096), (4096, 14336)]
    mla = [(1536, 7168), (3072, 1536), (576, 7168), (4096, 512), (7168, 2048)]
    assert gemm.fused(mla, 7168) == [(2112, 7168), (3072, 1536), (4096, 512), (7168, 2048)]
    assert gemm.fused([(512, 1024), (4096, 4096), (1024, 4096), (4096, 4096)], 4096) == \
        [(512, 1024), (5120, 4096), (4096, 4096)]
    assert gemm.fused([(4096, 4096)], 4096) == [(4096, 4096)]  # the LM head: one matrix, its own GEMM


def test_the_engines_that_fuse_and_their_sources():
    """engines.yaml fused_linears: vLLM (every release profile), SGLang, TensorRT-LLM and 'other' (a NIM runs a
    TensorRT-LLM engine) launch fused QKV and gate_up GEMMs, each with its source; llama.cpp, gpt-fast, MLC,
    ExLlamaV2, LMDeploy and HF Transformers are priced a GEMM a matrix (no fused_linears). LMDeploy is a known gap,
    not yet modelled (found in session 21's mutation run): TurboMind's LlamaDecoderLayerWeight.cc runs attention.w_qkv
    as one GEMM of (heads + 2 × KV heads) × head_dim and sets fused_up_and_gate_ (fused_gating_intermediate, 2 ×
    inter); adding it moves LMDeploy's fitted rows, so it waits for a refit: update this set with it."""
    eng = tables.load("engines")
    fused = {k for k, v in eng.items() if isinstance(v, dict) and v.get("fused_linears") is True}
    assert fused == {"vllm", "vllm_v020", "vllm_v0", "vllm_v06", "sglang", "trtllm", "other"}
    assert not {k for k, v in eng.items() if isinstance(v, dict) and v.get("fused_linears") not in (True, None)}
    for k in fused:
        assert eng[k]["fused_linears_source"], k
    assert "QKVParallelLinear" in eng["sglang"]["fused_linears_source"]
    assert "FusedGatedMLP" in eng["trtllm"]["fused_linears_source"]


def test_trtllm_prices_llama_8bs_projections_as_two_gemms_a_layer():
    """Llama-3.1-8B on an H200 under TensorRT-LLM, a decode step of 4 sequences: the attention projections op is
    32 layers × (gemm.seconds at (4, 6,144, 4,096) + at (4, 4,096, 4,096)), the fused QKV and o; a GEMM a matrix
    (q, k, v, o) would be 32 × four calls."""
    from kvplan.plan.latency.step import OpLatency
    st = OpLatency(catalog.load_model("llama-3.1-8b"), catalog.load_gpu("h200"), engine="trtllm")
    one = [gemm.seconds(st.prof, 4, n, k, st.wfmt, st.compute_fmt, st.peak_flops, st.mamf)[0]
           for n, k in [(6144, 4096), (4096, 4096)]]
    apart = [gemm.seconds(st.prof, 4, n, k, st.wfmt, st.compute_fmt, st.peak_flops, st.mamf)[0]
             for n, k in [(4096, 4096), (1024, 4096), (1024, 4096), (4096, 4096)]]
    op = st.decode(1000, 4).ops[0]
    assert op[0] == "attention projections (GEMM)"
    assert op[1] == pytest.approx(32 * sum(one), rel=1e-12) and 32 * sum(apart) > op[1] * 1.05


# ---- TensorRT-LLM's int4 kernels by M -----------------------------------------------------------------------------

def test_the_sources_keep_the_tables_and_name_the_kernel_word_for_word(monkeypatch):
    """The GEMM's source is the table's then the kernel's: M 4, the GEMV at ×2.00; M 5, CUTLASS at ×3.00 streaming,
    ×1.50 tensor-core (the multipliers set by hand)."""
    p = _profile(monkeypatch, wo=WO)
    assert gemm.seconds(p, 4, 4096, 4096, "int4", "bf16", 1e15, 0.8)[2] == (
        "table bf16; trtllm's int4 GEMV (M <= 4) at ×2.00: by hand")
    assert gemm.seconds(p, 5, 4096, 4096, "int4", "bf16", 1e15, 0.8)[2] == (
        "table bf16; trtllm's int4 CUTLASS mixed-input GEMM (M > 4) at ×3.00 streaming, ×1.50 tensor-core: by hand")


def test_q4_0_runs_int4s_kernels(monkeypatch):
    """--weight-dtype q4_0 is a 4-bit weight-only format: TensorRT-LLM prices it by int4's kernels (as ``dequant``
    maps q4_0 to int4), named int4 in the source."""
    p = _profile(monkeypatch, wo=WO)
    assert p.weight_only_kernel("q4_0", 4) == (2.0, 1.0, "trtllm's int4 GEMV (M <= 4) at ×2.00: by hand")
    assert p.weight_only_kernel("q4_0", 5) == p.weight_only_kernel("int4", 5)


def test_without_a_fitted_weight_only_entry_the_dequant_factor_prices_int4(monkeypatch):
    """A fitted.yaml without ``weight_only`` (as before session 21's fit): no kernel rule, and the GEMM takes the
    engine's one dequantization factor (Profile.dequant) on its streaming time."""
    p = _profile(monkeypatch, wo=None)
    assert p.weight_only_kernel("int4", 1) is None and p.weight_only_kernel("int4", 64) is None
    f, fsrc = p.dequant("int4")
    t, bound, src = gemm.seconds(p, 1, 4096, 4096, "int4", "bf16", 1e15, 0.8)
    # 8,732,672 bytes (test_latency_weight_only.py) at 4.8 TB/s / 0.5, × the factor
    assert t == pytest.approx(8_732_672 / 4.8e12 / 0.5 * f, rel=1e-12) and bound == "memory"
    assert src == f"table bf16; dequant ×{f:.2f}: {fsrc}"


def test_a_tie_between_streaming_and_tensor_core_time_is_memory_bound(monkeypatch):
    """As the line before the kernel rule (``"compute" if t_comp > t_mem``): M 8, 4,096 × 4,096 int4, bytes 8,716,288
    + 2 × 8 × 8,192 = 8,847,360 over a bandwidth of 8,847,360 B/s = 1 s; 2 × 8 × 4,096² = 268,435,456 FLOP at a peak
    of as many = 1 s; both / 0.5 × 2.0 (CUTLASS's two multipliers set equal) = 4 s: a tie, memory-bound."""
    wo = {"trtllm": {"int4": {"gemv": 2.0, "cutlass_memory": 2.0, "cutlass_compute": 2.0, "source": "by hand"}}}
    p = _profile(monkeypatch, wo=wo)
    p.bw = 8_847_360
    t, bound, _ = gemm.seconds(p, 8, 4096, 4096, "int4", "bf16", 268_435_456, 0.8)
    assert t == 4.0 and bound == "memory"


def test_a_measured_int4_table_takes_no_kernel_factor(monkeypatch):
    """A100 under TensorRT-LLM has aiconfigurator's int4 table (a100_sxm/gemm/trtllm/1.0.0): it timed the plugin
    itself, both kernels, so no GEMV / CUTLASS multiplier applies. M 1, 4,096 × 4,096: N·K = 2^24, halfway in log
    between the 2^23 and 2^24 columns (at 2^23.5, 2^24.5): (0.1428 + 0.2226) / 2 = 0.1827; 8,732,672 bytes at
    2.039 TB/s = 4.2828 us / 0.1827 = 23.44 us (above the table's 11.26 us floor); × the GEMV's 2.0 would be
    46.9 us."""
    p = _profile(monkeypatch, gpu="a100-sxm-80gb", wo=WO, eff=None)
    assert p.weight_only_kernel("int4", 1)[:2] == (2.0, 1.0)  # the rule is there; the table takes precedence
    t, bound, src = gemm.seconds(p, 1, 4096, 4096, "int4", "bf16", 312e12, 0.8)
    assert t == pytest.approx(8_732_672 / 2.039e12 / 0.1827, rel=1e-9) and bound == "memory"
    assert src == "aiconfigurator 0.12.0: aiconfigurator_core/systems/data/a100_sxm/gemm/trtllm/1.0.0/gemm_perf.parquet (int4)"


def test_the_stored_int4_factors_reach_a_trtllm_plan():
    """fitted.yaml weight_only.trtllm.int4 as session 21 (lat21trt) fitted it: GEMV × 1.8, CUTLASS × 6.5 streaming
    and × 1.5 tensor-core, on 6 rows (a refit moves these: update them with the old values in a comment).
    Llama-3.1-8B with ``--weight-dtype int4`` on an H200 under TensorRT-LLM: a 4-sequence decode's MLP
    GEMMs name the GEMV, an 8-sequence one's CUTLASS."""
    f = tables.load("fitted")["weight_only"]["trtllm"]["int4"]
    assert (f["gemv"], f["cutlass_memory"], f["cutlass_compute"], f["rows"]) == (1.8, 6.5, 1.5, 6)
    assert f["source"].startswith("benchmarks/latency/fit.py fit_weight_only: the median |error| of 6 fit-side "
                                  "trtllm int4 rows (")
    from kvplan.plan.latency.step import OpLatency
    st = OpLatency(catalog.load_model("llama-3.1-8b"), catalog.load_gpu("h200"), weight_dtype="int4", engine="trtllm")
    mlp4 = next(o for o in st.decode(1000, 4).ops if o[0].startswith("MLP"))
    mlp8 = next(o for o in st.decode(1000, 8).ops if o[0].startswith("MLP"))
    assert "trtllm's int4 GEMV (M <= 4) at ×1.80: benchmarks/latency/fit.py fit_weight_only" in mlp4[3]
    assert ("trtllm's int4 CUTLASS mixed-input GEMM (M > 4) at ×6.50 streaming, ×1.50 tensor-core: "
            "benchmarks/latency/fit.py fit_weight_only") in mlp8[3]
