"""kvplan/plan/latency/profile.py and tables.py: which table, row and fallback each constant comes
from, checked against the data files' own numbers (kernels.yaml, fallback.yaml, fitted.yaml), and
the log-x interpolation worked out by hand (issue 25)."""
import copy
import math

import pytest

from kvplan.model.hardware import SCALE_UP_FABRICS_SOURCE
from kvplan.errors import KvplanError
from kvplan.plan.latency import tables
from kvplan.plan.latency.profile import Profile
from kvplan.sources import catalog

FB = tables.load("fallback")
FIT = tables.load("fitted")
KERN = tables.load("kernels")


@pytest.fixture(scope="module")
def h100():
    return catalog.load_gpu("h100")


# ---- tables -------------------------------------------------------------------------------
def test_interp_is_linear_in_log_x_and_clamped():
    """xs 1, 100; ys 0, 10: x = 10 is half-way in log x → 5; clamped at both ends; None skipped."""
    xs, ys = [1, 100], [0.0, 10.0]
    assert tables.interp(xs, ys, 10) == pytest.approx(5.0)
    assert tables.interp(xs, ys, 1000) == 10.0 and tables.interp(xs, ys, 0.5) == 0.0
    assert tables.interp(xs, ys, 1) == 0.0 and tables.interp(xs, ys, 100) == 10.0
    assert tables.interp([1, 10, 100], [2.0, None, 4.0], 10) == pytest.approx(3.0)
    assert tables.interp([1, 10], [None, None], 5) is None
    assert tables.interp([1, 10, 100, 1000], [0.0, 1.0, 3.0, 6.0], math.sqrt(10) * 100) == pytest.approx(4.5)
    assert tables.interp([1, 100], [0.0, 10.0], 0) == 0.0  # x <= 0 is held at 1e-9


def test_interp2_along_y_then_x():
    """Rows at x 1, 100 (log-mid 10); columns at y 1, 10000 (log-mid 100).
    Row 1: 0 → 4, row 2: 10 → 30; at (10, 100): row values 2 and 20, their mean 11."""
    xs, ys = [1, 100], [1, 10000]
    grid = [[0.0, 4.0], [10.0, 30.0]]
    assert tables.interp2(xs, ys, grid, 10, 100) == pytest.approx(11.0)
    assert tables.interp2(xs, ys, grid, 1, 100) == pytest.approx(2.0)
    assert tables.interp2(xs, ys, grid, 0.5, 10000) == pytest.approx(4.0)
    assert tables.interp2(xs, ys, grid, 1000, 1) == pytest.approx(10.0)
    assert tables.interp2(xs, ys, grid, 10, 100) == pytest.approx(11.0)  # the memoized plan, again
    # an empty row takes no part: the other row's values everywhere
    g2 = [[None, None], [10.0, 30.0]]
    assert tables.interp2(xs, ys, g2, 1, 100) == pytest.approx(20.0)
    assert tables.interp2([1, 10, 100], ys, [[0.0, 0.0], [None, None], [10.0, 10.0]], 10, 1) == pytest.approx(5.0)
    assert tables.interp2(xs, ys, [[None, None], [None, None]], 10, 100) is None


def test_interp2_grid_cache_follows_the_axes():
    """The same grid object with other axes is recompiled, not served from the cache."""
    grid = [[0.0, 4.0], [10.0, 30.0]]
    assert tables.interp2([1, 100], [1, 10000], grid, 10, 100) == pytest.approx(11.0)
    assert tables.interp2([1, 10], [1, 10000], grid, 10, 100) == pytest.approx(20.0)
    assert tables.interp2([1, 10], [1, 100], grid, 10, 100) == pytest.approx(30.0)


# ---- profile: GEMM and attention tables -------------------------------------------------------
def test_engine_names_and_aliases(h100):
    assert Profile(h100, "ideal").engine == "vllm" and Profile(h100, "tensorrt-llm").engine == "trtllm"
    assert Profile(h100, "llama.cpp").engine == "llamacpp" and Profile(h100, "transformers").engine == "hf"
    with pytest.raises(KvplanError, match="engine must be one of vllm, sglang, trtllm, llamacpp, got 'x'"):
        Profile(h100, "x")


def test_gemm_efficiency_reads_the_size_grid_and_floor(h100):
    """H100 × vLLM's bf16 curve: read at (M, N·K) on its by_size grid (a column per power of two of N·K, at 2^(b+0.5));
    at the curve's first M and a column's N·K the value is that cell; halfway between two columns in log N·K, the
    mean of the two cells; past the last column, the last (clamped); the floor is the table's, in seconds."""
    p = Profile(h100, "vllm")
    g = KERN["families"]["h100_sxm"]["engines"]["vllm"]["gemm"]
    c = g["bf16"]
    m0 = c["m"][0]
    j = c["nk"].index(round(2 ** 24.5))  # the 2^24 column: 4,096 x 4,096 up to 2^25
    e, floor, src = p.gemm_efficiency("bf16", m0, c["nk"][j], 0.7)
    assert e == pytest.approx(c["by_size"][0][j]) and floor == pytest.approx(c["floor_us"] * 1e-6)
    assert src == g["source"] + " (bf16)"
    e, _, _ = p.gemm_efficiency("bf16", m0, (c["nk"][j] * c["nk"][j + 1]) ** 0.5, 0.7)
    assert e == pytest.approx((c["by_size"][0][j] + c["by_size"][0][j + 1]) / 2)
    e, _, _ = p.gemm_efficiency("bf16", m0, 1 << 40, 0.7)
    assert e == pytest.approx(min(1.0, c["by_size"][0][-1]))


def test_gemm_efficiency_reads_the_size_class_without_a_grid(h100):
    """A curve without by_size (rocm.yaml's): N·K >= 2^24 reads the 'large' row, below it 'small'."""
    p = Profile(h100, "vllm")
    g = KERN["families"]["h100_sxm"]["engines"]["vllm"]["gemm"]
    curve = {k: v for k, v in g["bf16"].items() if k not in ("by_size", "nk")}
    p.tables = {"gemm": {"bf16": curve, "source": "s"}}
    m0 = curve["m"][0]
    assert p.gemm_efficiency("bf16", m0, 1 << 24, 0.7)[0] == curve["efficiency"]["large"][0]
    assert p.gemm_efficiency("bf16", m0, (1 << 24) - 1, 0.7)[0] == curve["efficiency"]["small"][0]
    p = Profile(h100, "vllm")
    assert p.gemm_curve("int4") == (None, "")
    e, floor, src = p.gemm_efficiency("int4", 1, 1 << 24, 0.7)
    assert e is None and floor == pytest.approx(FB["gemm_floor_us"] * 1e-6)
    assert src == "physics fallback: " + FB["memory_efficiency_source"]


def test_no_tables_is_the_physics_fallback(h100):
    """llama.cpp has no measured table: GEMMs fall back, decode attention runs at 0.83 × rows / 64
    (batch 4 × 8 KV heads = 32 rows: half), prefill at fallback.yaml's curve."""
    p = Profile(h100, "llamacpp")
    assert p.tables is None and p.label == "physics fallback (no measured kernel table for this GPU/engine)"
    assert p.gemm_curve("bf16") == (None, "")
    e, floor, src = p.decode_attention_efficiency(4, 1000, 8, 4)
    assert e == pytest.approx(FB["memory_efficiency"] * 32 / 64) and floor == pytest.approx(FB["attention_floor_us"] * 1e-6)
    assert src == "physics fallback: " + FB["decode_attention_source"]
    assert p.decode_attention_efficiency(64, 1000, 8, 4)[0] == pytest.approx(FB["memory_efficiency"])
    e, src = p.prefill_attention_efficiency(2048)
    i = FB["prefill_attention"]["isl"].index(2048)
    assert e == FB["prefill_attention"]["efficiency"][i] and src == "physics fallback: " + FB["prefill_attention"]["source"]
    assert Profile(h100, "vllm").label == "measured kernel tables: h100_sxm × vllm (aiconfigurator 0.12.0)"


def test_decode_attention_picks_the_nearest_grid(h100):
    """KV heads 3 is as near 2 as 4 and GQA 6 as near 4 as 8: a tie goes to the first (kv2, gqa4); 5 and 7
    → kv4, gqa8; 16 → kv8; the value at a grid point is the grid's entry."""
    p = Profile(h100, "vllm")
    t = KERN["families"]["h100_sxm"]["engines"]["vllm"]["decode_attention"]
    b, c = t["batch"][2], t["ctx"][3]
    e, floor, src = p.decode_attention_efficiency(b, c, 8, 8)
    assert e == min(t["efficiency"]["kv8_gqa8"][2][3], 1.0) and floor == pytest.approx(t["floor_us"] * 1e-6)
    assert src == f"{t['source']} ({t['kernel']}, kv8 gqa8)"
    assert p.decode_attention_efficiency(b, c, 3, 6)[2].endswith("kv2 gqa4, read at batch × 3/2: decode_attention_rows)")
    assert p.decode_attention_efficiency(b, c, 5, 7)[2].endswith("kv4 gqa8, read at batch × 5/4: decode_attention_rows)")
    assert p.decode_attention_efficiency(b, c, 1, 1)[2].endswith("kv1 gqa1)")
    # 16 KV heads: the kv8 grid at 2 × the batch (decode_attention_rows); the grid's batches are 4× apart, so 2 × the
    # batch of row 2 lies half-way in log batch between rows 2 and 3
    g = t["efficiency"]["kv8_gqa1"]
    assert t["batch"][3] == 4 * t["batch"][2]
    assert p.decode_attention_efficiency(b, c, 16, 2)[0] == pytest.approx(min((g[2][3] + g[3][3]) / 2, 1.0))


def test_decode_attention_reads_the_grid_at_batch_times_kv_heads(h100):
    """fallback.yaml decode_attention_rows: the measured efficiency is one function of (sequence, KV head) rows, so
    32 KV heads (Llama-2-7B, MHA) at batch b read the 8-head grid at 4 b: at b = 4 and 64, the grid's batch 16 and
    256 rows exactly; the sweep reads the same; with the rule off (any other value) the grid is read at b."""
    p = Profile(h100, "vllm")
    t = KERN["families"]["h100_sxm"]["engines"]["vllm"]["decode_attention"]
    g, c = t["efficiency"]["kv8_gqa1"], t["ctx"][2]
    assert FB["decode_attention_rows"] == "batch_x_kv_heads"
    for i, b in ((2, 4), (4, 64)):
        assert t["batch"][i] == 4 * b
        assert p.decode_attention_efficiency(b, c, 32, 1)[0] == min(g[i][2], 1.0)
        assert p.decode_attention_efficiency(4 * b, c, 8, 1)[0] == p.decode_attention_efficiency(b, c, 32, 1)[0]
    assert p.decode_attention_efficiencies([4, 64], c, 32, 1) == [p.decode_attention_efficiency(b, c, 32, 1)[:2]
                                                                  for b in (4, 64)]
    off = Profile(h100, "vllm")
    off.fb = {**off.fb, "decode_attention_rows": "per_grid"}
    assert off.decode_attention_efficiency(4, c, 32, 1)[0] == min(g[1][2], 1.0) != min(g[2][2], 1.0)


def test_prefill_attention_from_the_table(h100):
    p = Profile(h100, "vllm")
    t = KERN["families"]["h100_sxm"]["engines"]["vllm"]["prefill_attention"]
    e, src = p.prefill_attention_efficiency(t["isl"][3])
    assert e == t["efficiency"][3] and src == f"{t['source']} ({t['kernel']})"


# ---- collectives ----------------------------------------------------------------------------
AR = tables.load("allreduce")["families"]


def test_allreduce_is_the_engines_curve_where_it_runs_its_kernels_else_ncclS(h100):
    """vLLM on H100, 14,336 bytes: 2 GPUs run its custom all-reduce (its own curve); 3 and 5 GPUs are no custom
    all-reduce world size, so NCCL's curve at the nearest count (2, 4); 16 GPUs NCCL's 8-GPU curve. llama.cpp has no
    custom all-reduce: NCCL's."""
    from kvplan.plan.latency import comm

    fam = AR["h100_sxm"]
    p = Profile(h100, "vllm")
    for n, k, cur in ((2, 2, fam["engines"]["vllm"]), (3, 2, fam["nccl"]), (5, 4, fam["nccl"]), (16, 8, fam["nccl"])):
        t, s = p.allreduce(n, 14_336)
        assert t == comm.curve_seconds(cur["bytes"], cur["us"][k], 14_336)
        assert s.startswith(f"{cur['source']} ({k} GPUs; vllm runs ")
    t, s = Profile(h100, "llamacpp").allreduce(4, 14_336)
    assert t == comm.curve_seconds(fam["nccl"]["bytes"], fam["nccl"]["us"][4], 14_336) and "llamacpp runs NCCL" in s
    a, b, s = p.alltoall(8)
    a2a = KERN["families"]["h100_sxm"]["nccl_alltoall"]
    assert (a, b) == (pytest.approx(a2a["by_gpus"][8]["alpha_us"] * 1e-6), a2a["by_gpus"][8]["beta_bytes_per_s"])
    assert s == f"{a2a['source']} (8 GPUs)"


def test_nvlink_without_a_table_is_the_datasheet_fraction():
    """V100 SXM2 (no measured curve; NVLink 2 at 300 GB/s): α 10 us + bytes / (300 GB/s × 0.5) for an
    all-reduce, β 300 GB/s × 0.37 for an all-to-all."""
    v100 = catalog.load_gpu("v100-sxm2-32gb")
    p = Profile(v100, "vllm")
    assert p.family is None and p.tables is None and p.ar_family is None
    t, s = p.allreduce(4, 1_500_000)
    assert t == pytest.approx(FB["nvlink_alpha_us"] * 1e-6 + 1_500_000 / (300e9 * FB["nvlink_beta_fraction"]))
    assert s == "physics fallback: " + FB["nvlink_alpha_source"] + "; " + FB["nvlink_beta_source"]
    a, b, s = p.alltoall(4)
    assert b == pytest.approx(300e9 * FB["nvlink_alltoall_beta_fraction"])
    assert s.endswith(FB["nvlink_alltoall_beta_source"])


def test_infinity_fabric_is_a_scale_up_fabric_not_pcie():
    """MI325X (no measured curve; 7 Infinity Fabric peer links, 896 GB/s in the catalog): priced as NVLink is,
    10 us + bytes / (896 GB/s × 0.5) (was L40S's PCIe table: an 8-GPU all-reduce of 7.6 MB took 8.7 ms)."""
    p = Profile(catalog.load_gpu("mi325x"), "sglang")
    t, s = p.allreduce(8, 7_600_000)
    assert t == pytest.approx(10e-6 + 7_600_000 / (896e9 * 0.5))
    assert s.startswith("physics fallback: ") and s.endswith(SCALE_UP_FABRICS_SOURCE)
    assert p.alltoall(8)[1] == pytest.approx(896e9 * FB["nvlink_alltoall_beta_fraction"])


@pytest.mark.parametrize("gpu", ["h100-nvl-94gb", "a10g", "t4"])
def test_a_bridge_or_pcie_card_takes_the_pcie_reference(gpu):
    """An NVLink bridge, no interconnect figure, or PCIe only: L40S's measured curves. vLLM at 2 GPUs runs its
    custom all-reduce (P2P over PCIe): L40S's vLLM curve; 3 GPUs (no custom world size) and 6 (more than two
    PCIe-only GPUs) NCCL's, at the 2- and 4-GPU curves (6: 4 and 8 tie, the smaller)."""
    from kvplan.plan.latency import comm

    p = Profile(catalog.load_gpu(gpu), "vllm")
    ref = AR[FB["pcie_reference"]]
    for n, k, cur in ((2, 2, ref["engines"]["vllm"]), (3, 2, ref["nccl"]), (6, 4, ref["nccl"])):
        t, s = p.allreduce(n, 65_536)
        assert t == comm.curve_seconds(cur["bytes"], cur["us"][k], 65_536)
        assert s.startswith(f"physics fallback (PCIe): {cur['source']} ({k} GPUs; ")
        assert s.endswith("; " + FB["pcie_reference_source"])
    a, b, _ = p.alltoall(8)
    assert b == KERN["families"][FB["pcie_reference"]]["nccl_alltoall"]["by_gpus"][8]["beta_bytes_per_s"]


# ---- overhead, dequantization, fitted scales ----------------------------------------------------
@pytest.mark.parametrize("engine", ["vllm", "llamacpp", "lmdeploy"])
def test_overhead_base_per_layer_per_sequence(h100, engine):
    """base_ms + per-layer us (graphs or eager) × layers + per-seq us × sequences, fitted.yaml's constants
    (lmdeploy has no fit rows: the _prior)."""
    f = FIT["engines"].get(engine) or FIT["engines"]["_prior"]
    for graphs, key in ((True, "per_layer_us_graphs"), (False, "per_layer_us_eager")):
        p = Profile(h100, engine, cuda_graphs=graphs)
        s, src = p.overhead(32, 10)
        assert s == pytest.approx(f["base_ms"] * 1e-3 + f[key] * 1e-6 * 32 + f["per_seq_us"] * 1e-6 * 10)
        assert src == (f"{p.fit_label}, {'CUDA graphs on' if graphs else 'CUDA graphs off'}: {f['base_ms']:g} ms + "
                       f"{f[key]:g} us × layers + {f['per_seq_us']:g} us × sequences")
    label = Profile(h100, engine).fit_label
    assert label == (f"fitted on the fit half ({engine})" if engine in FIT["engines"]
                     else "no fit rows for this engine: median of the fitted engines")


def test_cuda_graphs_default_is_the_engines(h100):
    assert Profile(h100).engine == "vllm" and Profile(h100).cuda_graphs is True
    assert Profile(h100, "vllm").cuda_graphs is True and Profile(h100, "hf").cuda_graphs is False
    assert Profile(h100, "vllm", cuda_graphs=False).cuda_graphs is False


def test_dequant_factor_by_engine_then_median(h100):
    v = FIT["engines"]["vllm"]["dequant"]
    assert Profile(h100, "vllm").dequant("int4") == (v["int4"]["factor"], v["int4"]["source"])
    f, src = Profile(h100, "vllm").dequant("q4_0")
    assert f == v["int4"]["factor"] and src == v["int4"]["source"] + " (the int4 factor stands for q4_0)"
    # trtllm has no factors of its own: the medians
    assert Profile(h100, "trtllm").dequant("int8") == (FIT["dequant"]["int8"]["factor"], FIT["dequant"]["int8"]["source"])
    assert Profile(h100, "vllm").dequant("fp8") == (1.0, "")


def test_fitted_op_scale_defaults_to_one(h100):
    p = Profile(h100, "vllm")
    assert p.scale("gemm") == p.fit.get("gemm_scale", 1.0) and p.scale("no-such-op") == 1.0


# ---- calibrated profiles (calibrate.py) -------------------------------------------------------
def test_load_profile_checks_kind_and_scale(tmp_path):
    from kvplan.plan.latency.calibrate import KIND, load_profile

    assert KIND == "kvplan-latency-profile"
    good = {"kind": KIND, "step_scale": 2}
    assert load_profile(good) is good
    for bad in (True, 0, -1.0, float("inf"), float("nan"), "2"):  # None: no step_scale (tests/cli/test_walk18.py)
        with pytest.raises(KvplanError, match=r"^--profile: step_scale must be a number > 0, got "):
            load_profile({"kind": KIND, "step_scale": bad})
    for doc in ({"kind": "other", "step_scale": 1}, {"step_scale": 1}):
        with pytest.raises(KvplanError, match=r"^--profile: not a kvplan latency profile \(kind: kvplan-latency-profile\); "
                                              r"write one with kvplan check-bench FILE --calibrate OUT.yaml$"):
            load_profile(doc)
    f = tmp_path / "p.yaml"
    f.write_text(f"kind: {KIND}\nstep_scale: 0.5\n")
    assert load_profile(f)["step_scale"] == 0.5 and load_profile(str(f))["step_scale"] == 0.5
    with pytest.raises(KvplanError, match=r"^--profile: cannot read .*missing.yaml: No such file or directory$"):
        load_profile(tmp_path / "missing.yaml")
    f.write_bytes(b"kind: \xff\xfe\n")
    with pytest.raises(KvplanError, match=r"^--profile: .*a profile must be UTF-8$"):
        load_profile(f)


def test_apply_profile_sets_scale_and_label(h100):
    from kvplan.plan.latency.calibrate import KIND, apply_profile

    class Step:
        gpu = h100

    s = apply_profile(Step(), {"kind": KIND, "step_scale": 3, "fitted_on": "run.json", "gpu": h100.name})
    assert s.profile_scale == 3.0 and isinstance(s.profile_scale, float)
    assert s.profile_label == "× 3.000 (profile fitted on run.json)"
    s = apply_profile(Step(), {"kind": KIND, "step_scale": 1.25, "gpu": ""})  # no GPU named: any GPU
    assert s.profile_label == "× 1.250 (profile fitted on ?)"
    with pytest.raises(KvplanError, match=r"^--profile was fitted on l40s, not h100-sxm-80gb$"):
        apply_profile(Step(), {"kind": KIND, "step_scale": 1, "gpu": "l40s"})


def test_write_profile_rounds_and_takes_square_roots(tmp_path, h100):
    """before/after are mean squared log errors: the file holds their square roots (0.09 → 0.3)."""
    import yaml

    from kvplan.plan.latency.calibrate import KIND, load_profile, write_profile

    out = tmp_path / "p.yaml"
    doc = write_profile(out, 1.234567, h100, "vllm", "llama-3.1-8b", "run.json", 3, 0.09, 0.0004)
    assert doc == {"kind": KIND, "gpu": "h100-sxm-80gb", "engine": "vllm", "model": "llama-3.1-8b",
                   "step_scale": 1.2346, "fitted_on": "run.json", "levels": 3, "rms_log_error_before": 0.3,
                   "rms_log_error_after": 0.02,
                   "note": "one factor on every step's time, fitted by kvplan check-bench --calibrate "
                           "(kvplan/plan/latency/calibrate.py); apply with --profile"}
    # √0.02 = 0.141421..., √0.5 = 0.707106...: four decimals each
    d2 = write_profile(tmp_path / "q.yaml", 1.0, h100, "vllm", "m", "f", 1, 0.02, 0.5)
    assert (d2["rms_log_error_before"], d2["rms_log_error_after"]) == (0.1414, 0.7071)
    assert yaml.safe_load(out.read_text()) == doc and list(yaml.safe_load(out.read_text())) == list(doc)
    assert load_profile(out) == doc
    with pytest.raises(KvplanError, match=r"^--calibrate: cannot write .*p.yaml: No such file or directory$"):
        write_profile(tmp_path / "no" / "dir" / "p.yaml", 1.0, h100, "vllm", "m", "f", 1, 0.0, 0.0)


def test_measured_efficiencies_are_capped_at_one(h100):
    """A table value above 1 (a kernel beating the datasheet roof) is read as 1."""
    p = Profile(h100, "vllm")
    p.tables = {"prefill_attention": {"isl": [1, 10], "efficiency": [1.5, 1.5], "source": "s", "kernel": "k"},
                "gemm": {"bf16": {"m": [1, 10], "efficiency": {"small": [1.7, 1.7], "large": [1.7, 1.7]},
                                  "floor_us": 2.0}, "source": "g"},
                "decode_attention": {"batch": [1, 10], "ctx": [1, 10], "floor_us": 3.0, "source": "d", "kernel": "k",
                                     "efficiency": {"kv8_gqa4": [[1.9, 1.9], [1.9, 1.9]]}}}
    assert p.prefill_attention_efficiency(5) == (1.0, "s (k)")
    assert p.gemm_efficiency("bf16", 5, 100, 0.7) == (1.0, pytest.approx(2e-6), "g (bf16)")
    assert p.decode_attention_efficiency(5, 5, 8, 4) == (1.0, pytest.approx(3e-6), "d (k, kv8 gqa4)")
    p.tables["gemm"]["bf16"]["floor_us"] = None  # a curve without a floor takes the fallback's
    assert p.gemm_efficiency("bf16", 5, 100, 0.7)[1] == pytest.approx(FB["gemm_floor_us"] * 1e-6)


def test_interp2_three_rows_exact_at_the_grid_points():
    """Rows at x 1, 10, 100 with values 0, 10, 30 (flat in y): x = 1, y = 1 is exactly row 1's 0;
    √10·10 ≈ 31.6 is half-way from 10 to 100 in log x → 20; beyond 100 the last row, 30."""
    xs, ys = [1, 10, 100], [1, 10000]
    grid = [[0.0, 4.0], [10.0, 10.0], [30.0, 30.0]]
    assert tables.interp2(xs, ys, grid, 1, 1) == 0.0
    assert tables.interp2(xs, ys, grid, math.sqrt(10) * 10, 5) == pytest.approx(20.0)
    assert tables.interp2(xs, ys, grid, 50, 5) == pytest.approx(10 + 20 * math.log(5) / math.log(10))
    assert tables.interp2(xs, ys, grid, 1000, 5) == 30.0
    assert tables.interp2(xs, ys, grid, 10, 1) == 10.0


def test_stale_cache_entries_are_not_served():
    """The caches are keyed by id(); an entry whose lists are other objects (an id reused after a
    list was freed) is rebuilt, whichever of its lists differs."""
    xs, ys = [1, 100], [0.0, 10.0]
    key = (id(xs), id(ys))
    tables._PTS[key] = ([1, 100], ys, [0.0, 1.0], [5.0, 5.0])  # another xs list
    assert tables.interp(xs, ys, 10) == pytest.approx(5.0) and tables._PTS[key][0] is xs
    tables._PTS[key] = (xs, [7.0, 7.0], [0.0, 1.0], [7.0, 7.0])  # another ys list
    assert tables.interp(xs, ys, 10) == pytest.approx(5.0)
    gx, gy, grid = [1, 100], [1, 10000], [[0.0, 4.0], [10.0, 30.0]]
    assert tables.interp2(gx, gy, grid, 10, 100) == pytest.approx(11.0)
    assert tables.interp2([1, 10], gy, grid, 10, 100) == pytest.approx(20.0)  # same grid and ys, other xs
    gx2 = [1, 10]
    assert tables.interp2(gx2, [1, 100], grid, 10, 100) == pytest.approx(30.0)  # same grid, other ys
    assert tables.interp2(gx2, [1, 10000], grid, 10, 100) == pytest.approx(20.0)  # same grid and xs, other ys


def test_first_token_is_the_prefill_unless_the_engine_says(h100, monkeypatch):
    """engines.yaml's first_token: TurboMind (lmdeploy, <= v0.1.0a1) prefills prompt − 1 tokens and samples from a
    decode step; every other engine from the prefill pass; anything else in the file is refused."""
    assert Profile(h100, "lmdeploy").first_token == "context_minus_one"
    assert {Profile(h100, e).first_token for e in ("vllm", "sglang", "trtllm", "llamacpp", "hf")} == {"prefill"}
    engines = dict(tables.load("engines"))
    engines["vllm"] = dict(engines["vllm"], first_token="decode")
    real = tables.load
    monkeypatch.setattr(tables, "load", lambda name: engines if name == "engines" else real(name))
    with pytest.raises(KvplanError, match="^engines.yaml: vllm's first_token must be prefill or context_minus_one$"):
        Profile(h100, "vllm")

def test_moe_fit_from_the_engines_table_else_the_fallback(h100):
    """H100 × vLLM has a grouped-MoE fit per format (kernels.yaml moe, from aiconfigurator's moe_perf.parquet);
    A100 × vLLM's table has no balanced-routing rows, llama.cpp no tables, mxfp4 no fit: the physics fallback."""
    t = KERN["families"]["h100_sxm"]["engines"]["vllm"]["moe"]
    fit, src = Profile(h100, "vllm").moe_fit("fp8")
    assert fit is t["fp8"] and src.startswith(t["source"] + " (fp8_block, ")
    fallback = "physics fallback: grouped MoE, one kernel per fused linear (w13, w2) over the experts read; "
    for prof, fmt in ((Profile(h100, "llamacpp"), "bf16"), (Profile(h100, "vllm"), None),
                      (Profile(catalog.load_gpu("a100-sxm-80gb"), "vllm"), "bf16")):
        assert prof.moe_fit(fmt) == (None, fallback + FB["memory_efficiency_source"])


def test_moe_fits_are_physical():
    """Every MoE fit names its table and kernel; memory efficiency in (0, 1], compute efficiency in (0, 1],
    the fixed cost under 0.1 ms, and the fit's own median |error| on its rows under 30 %."""
    n = 0
    for fam in KERN["families"].values():
        for eng in fam["engines"].values():
            t = eng.get("moe")
            if not t:
                continue
            assert t["source"].startswith("aiconfigurator 0.12.0: aiconfigurator_core/systems/data/")
            for fmt, f in ((k, v) for k, v in t.items() if k != "source"):
                n += 1
                assert fmt in ("bf16", "fp8", "int4") and f["kernel"] and f["rows"] > 100
                assert 0 < f["memory_efficiency"] <= 1 and 0 <= f["alpha_us"] < 100
                assert all(0 < e <= 1 for e in f["compute_efficiency"] if e is not None)
                assert f["fit_median_abs_error"] < 0.3
    assert n >= 20


def test_moe_prior_is_the_median_of_the_measured_fits_of_the_engines_kernels():
    """H20 has no kernel table. Its SGLang bf16 grouped MoE takes the medians over the families that measured SGLang's
    bf16 fused_moe (kernels.yaml moe): alpha 44.44 (A100), 19.81 (H100), 21.25 (H200), 0.0 (L40S), 13.12 (B200) us,
    median 19.81; memory efficiency 0.7921, 0.8243, 0.7846, 0.7689, 0.9004, median 0.7921. A GPU with its own table
    keeps it (moe_fit), and there is no prior for an engine without kernel tables, an AMD card, no format, or a format
    no family measured."""
    h20 = Profile(catalog.load_gpu("h20"), "sglang")
    assert h20.moe_fit("bf16")[0] is None
    fits = [f["engines"]["sglang"]["moe"]["bf16"] for f in KERN["families"].values()
            if "bf16" in f.get("engines", {}).get("sglang", {}).get("moe", {})]
    assert sorted(f["alpha_us"] for f in fits) == [0.0, 13.12, 19.81, 21.25, 44.44]
    alpha, eff, src = h20.moe_prior("bf16")
    assert alpha == pytest.approx(19.81e-6, rel=1e-12) and eff == 0.7921
    assert src.startswith("no measured MoE table for this GPU: the median of the 5 measured sglang bf16 grouped-MoE")
    for prof, fmt in ((Profile(catalog.load_gpu("h20"), "llamacpp"), "bf16"), (h20, None), (h20, "mxfp4"),
                      (Profile(catalog.load_gpu("mi250x"), "sglang"), "bf16")):
        assert prof.moe_prior(fmt) is None


def test_grouped_moe_on_a_gpu_without_a_table_adds_the_prior_alpha():
    """One MoE layer of Qwen3-Next-80B-A3B at TP 4 on H20 (SGLang, bf16), a decode of 32 tokens: 320 routed pairs
    over E·(1 − (1 − 10/512)^32) = 239.6 of 512 experts; one expert on a rank is w13 256 × 2,048 and w2 2,048 × 128
    at 2 bytes, 1,572,864 bytes. Each fused linear: max((read × its share of the bytes + 2 × 320 × (N + K)) / 4.0 TB/s
    / 0.7921, 2 × 320 × N × K / MAMF, the 4.6 us floor), plus the prior's 19.81 us once: the memory terms win
    (w13 about 80 us, w2 about 40 us). llama.cpp (no prior) prices the same layer at the physics fallback's 0.83 of
    the bandwidth and no alpha."""
    from kvplan.plan.latency import moe

    gpu = catalog.load_gpu("h20")
    lins = [(256, 2048), (2048, 128)]
    read = 512 * (1 - (1 - 10 / 512) ** 32)
    nbytes = 2 * (256 * 2048 + 2048 * 128)
    assert nbytes == 1_572_864
    mems = [(read * nbytes * (n * k) / (3 * 2048 * 128) + 2 * 320 * (n + k)) / gpu.memory_bandwidth_bytes_per_s
            for n, k in lins]
    t, bound, src = moe.grouped_seconds(Profile(gpu, "sglang"), 320, read, nbytes, lins, "bf16", 148e12, 0.7)
    assert t == pytest.approx(19.81e-6 + sum(m / 0.7921 for m in mems), rel=1e-12) and bound == "memory"
    assert 110e-6 < t - 19.81e-6 < 130e-6 and src.startswith("no measured MoE table for this GPU")
    t0, _, src0 = moe.grouped_seconds(Profile(gpu, "llamacpp"), 320, read, nbytes, lins, "bf16", 148e12, 0.7)
    assert t0 == pytest.approx(sum(m / FB["memory_efficiency"] for m in mems), rel=1e-12)
    assert src0.startswith("physics fallback: grouped MoE")


def test_moe_prior_skips_a_family_without_the_engines_tables_and_names_its_sources(monkeypatch):
    """H20 under vLLM, bf16: the families with a measured vLLM bf16 fused_moe (kernels.yaml moe) are H100 (alpha
    24.17 us, memory efficiency 0.8459), H200 (26.35, 0.8411), L40S (0.0, 0.7649), B200 (15.42, 0.9144): medians
    (15.42 + 24.17) / 2 = 19.795 us and (0.8411 + 0.8459) / 2 = 0.8435 (A100's vLLM tables hold no moe). A kernels.yaml
    whose H100 family has no vLLM tables (derive_kernels.py writes a framework only where aiconfigurator has a table
    of it: ``if eng: fam["engines"][fw] = eng``) leaves H200, L40S, B200: 15.42 us and 0.8411; the source names the
    families it took, comma-separated, word for word."""
    h20 = Profile(catalog.load_gpu("h20"), "vllm")
    alpha, eff, src = h20.moe_prior("bf16")
    assert alpha == pytest.approx(19.795e-6, rel=1e-12) and eff == pytest.approx(0.8435, rel=1e-12)
    assert src == ("no measured MoE table for this GPU: the median of the 4 measured vllm bf16 grouped-MoE fits in "
                   "kernels.yaml (h100_sxm, h200_sxm, l40s, b200_sxm; aiconfigurator 0.12.0): 19.795 us a layer + "
                   "weights at 0.84 of bandwidth, one grouped kernel per fused linear")
    kern = copy.deepcopy(tables.load("kernels"))  # load is lru-cached: the shared dict is left as read
    assert "vllm" in kern["families"]["h100_sxm"]["engines"]
    del kern["families"]["h100_sxm"]["engines"]["vllm"]
    load = tables.load
    monkeypatch.setattr(tables, "load", lambda name: kern if name == "kernels" else load(name))
    alpha, eff, src = h20.moe_prior("bf16")
    assert alpha == pytest.approx(15.42e-6, rel=1e-12) and eff == 0.8411
    assert "the median of the 3 measured vllm bf16 grouped-MoE fits in kernels.yaml (h200_sxm, l40s, b200_sxm; " \
           "aiconfigurator 0.12.0): 15.42 us a layer + weights at 0.84 of bandwidth" in src
