"""kvplan perf, compare and sweep: every figure checked against arithmetic stated here."""
import json
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from conftest import ROOT
from kvplan.sources import catalog
from kvplan.plan import perf, whatif
from kvplan.plan import sweep as sw
from kvplan.cli import app
from kvplan.model.kinds import MLA, ChunkedAttention, FullAttention, SlidingWindow

runner = CliRunner()
H100 = catalog.load_gpu("h100")


def cli(*args):
    r = runner.invoke(app, list(args))
    return r.exit_code, r.stdout, r.stderr if hasattr(r, "stderr") else ""


def cli_json(*args):
    code, out, _ = cli(*args)
    assert code == 0, out
    return json.loads(out)


# ---- the hand check -------------------------------------------------------------------
def test_llama2_13b_decode_step_by_hand():
    # 13,015,864,320 parameters × 2 B = 26,031,728,640 B of weights; 40 layers × 2 (K, V) × 40
    # heads × 128 × 2 B = 819,200 B per token, × 4,096 = 3,355,443,200 B read; the new token's
    # 819,200 written. (26,031,728,640 + 3,355,443,200 + 819,200) / 3.35e12 B/s = 8.7725 ms.
    d = cli_json("perf", "llama-2-13b", "--gpu", "h100", "--ctx", "4096", "--batch", "1",
                 "--kv-dtype", "fp16", "--weight-dtype", "fp16", "--bw-efficiency", "1.0",
                 "--step-overhead-ms", "0", "--json")
    assert d["decode"]["weight_bytes"] == 26_031_728_640
    assert d["decode"]["kv_read_bytes"] == 3_355_443_200
    assert d["decode"]["kv_write_bytes"] == 819_200
    assert d["decode_bytes"] == 26_031_728_640 + 3_355_443_200 + 819_200
    assert d["decode_step_seconds"] == pytest.approx((26_031_728_640 + 3_355_443_200 + 819_200) / 3.35e12)
    assert round(d["decode_step_seconds"] * 1e3, 2) == 8.77
    assert d["bound"] == "memory"
    assert d["tokens_per_second"] == pytest.approx(1 / d["decode_step_seconds"])
    for key in ("prefill_seconds", "decode_step_seconds", "tokens_per_second", "bound",
                "decode_bytes", "decode_flops"):
        assert key in d


def test_decode_flops_by_hand():
    # 2 × active parameters (all but the 32000 × 5120 input embedding, a lookup) + attention:
    # 40 layers × 2 × 40 heads × (128 + 128) per key × 4,097 keys (the cache and the new token)
    r = perf.Roofline(catalog.load_model("llama-2-13b"), H100, 1, "fp16", "fp16")
    d = r.decode(4096, 1)
    assert r.active_params == 13_015_864_320 - 32000 * 5120
    assert d.attention_flops == 40 * 2 * 40 * 256 * 4097
    assert d.matmul_flops == 2 * (13_015_864_320 - 32000 * 5120)
    p = r.prefill(1000, 1)  # the causal triangle: Σ i for i = 1..1000 = 500,500 keys per head
    assert p.attention_flops == 40 * 2 * 40 * 256 * 500_500
    assert p.kv_write_bytes == 1000 * 819_200 and p.kv_read_bytes == 0


def test_efficiencies_and_overhead_apply_as_stated():
    r = perf.Roofline(catalog.load_model("llama-2-13b"), H100, 1, "fp16", "fp16")
    d = r.decode(4096, 1)
    assert r.eff.memory == 0.83 and r.eff.compute == 0.803 and r.eff.step_overhead_s == 0.0016
    assert d.memory_s == pytest.approx(d.bytes / (3.35e12 * 0.83))
    assert d.compute_s == pytest.approx(d.flops / (989.4e12 * 0.803))
    assert d.seconds == pytest.approx(d.memory_s + 0.0016)
    # a GPU without a measured MAMF row takes the NVIDIA median
    assert perf.efficiency(catalog.load_gpu("l4"), "bf16").compute == 0.803
    assert perf.efficiency(catalog.load_gpu("h100"), "fp8").compute == 0.709


def test_compute_bound_at_large_batch():
    # Llama 3.1 8B at ctx 16: per step ≈ 16.06 GB of weights (memory 5.78 ms at 0.83 × 3.35 TB/s);
    # compute 2 × 7.5 B × B / (989.4 T × 0.803) passes it near B ≈ 300
    r = perf.Roofline(catalog.load_model("llama-3.1-8b"), H100)
    assert r.decode(16, 64).bound == "memory"
    assert r.decode(16, 1024).bound == "compute"


def test_expected_experts():
    assert perf.expected_experts(8, 2, 1) == pytest.approx(2.0)
    assert perf.expected_experts(8, 2, 2) == pytest.approx(8 * (1 - 0.75 ** 2)) == pytest.approx(3.5)
    assert perf.expected_experts(8, 2, 10_000) == pytest.approx(8.0)


def test_moe_reads_only_routed_experts():
    # Mixtral 8x7B bf16 at batch 1: 2 of 8 experts per layer; one expert = 3 × 4096 × 14336
    # parameters × 2 B = 352,321,536 B, so 32 layers × 6 experts are not read
    r = perf.Roofline(catalog.load_model("mixtral-8x7b"), H100)
    one = 3 * 4096 * 14336 * 2
    assert r.moe[0][3] == one
    assert r.decode(1, 1).weight_bytes == r.weights_bytes - 32 * 6 * one
    b2 = r.decode(1, 2).weight_bytes  # 3.5 experts expected per layer
    assert b2 == r.weights_bytes - round(32 * (8 - 3.5) * one)
    # FLOPs: active parameters only (top-2)
    assert r.active_params == 46_702_792_704 - 32000 * 4096 - 32 * 6 * 3 * 4096 * 14336


def test_keys_seen_per_kind():
    geo = dict(num_heads=4, num_kv_heads=2, head_dim=8)
    assert FullAttention(**geo).keys_seen(10) == 55
    assert SlidingWindow(window=4, **geo).keys_seen(10) == 1 + 2 + 3 + 4 + 4 * 6
    assert SlidingWindow(window=4, sink_tokens=2, **geo).keys_seen(10) == 1 + 2 + 3 + 4 + 5 + 6 * 5
    assert ChunkedAttention(chunk=4, **geo).keys_seen(10) == (1 + 2 + 3 + 4) * 2 + 1 + 2
    assert FullAttention(**geo).mix_flops(3, 5) == 2 * 4 * 16 * (3 + 4 + 5)
    m = MLA(num_heads=128, kv_lora_rank=512, qk_rope_head_dim=64, qk_nope_head_dim=128, v_head_dim=128)
    assert m.mix_flops(1, 1) == 2 * 128 * (2 * 512 + 64)


def test_tensor_parallel_split_and_all_reduce():
    spec = catalog.load_model("llama-3.1-70b")
    r1, r2 = perf.Roofline(spec, H100, 1), perf.Roofline(spec, H100, 2)
    from kvplan.plan.fit import fit

    assert r2.weights_bytes == fit(spec, H100, tp=2, ctx=8192).weights_bytes
    assert r2.bytes_per_token * 2 == r1.bytes_per_token  # 8 KV heads split 4 + 4
    d = r2.decode(1000, 1)
    # 2 all-reduces × 80 layers × 2 (tp − 1) / tp × 8192 values × 2 B = 2,621,440 B sent
    assert d.comm_bytes == 2 * 80 * 8192 * 2
    assert d.comm_s == pytest.approx(2 * 80 * 8192 * 2 / (900e9 / 2))
    assert perf.Roofline(spec, catalog.load_gpu("h100"), 1).decode(1000, 1).comm_bytes == 0


def test_compute_format_follows_weights():
    assert perf.Roofline(catalog.load_model("deepseek-v3"), H100, 8).compute_fmt == "fp8"
    a100 = catalog.load_gpu("a100")
    assert perf.Roofline(catalog.load_model("deepseek-v3"), a100, 8).compute_fmt == "bf16"
    assert perf.Roofline(catalog.load_model("llama-2-7b"), catalog.load_gpu("t4")).compute_fmt == "fp16"
    assert perf.Roofline(catalog.load_model("llama-3-8b"), catalog.load_gpu("t4")).compute_fmt == "fp16"


def test_recurrent_state_read_and_written():
    spec = catalog.load_model("jamba-v0.1")
    r = perf.Roofline(spec, H100)
    assert r.state_per_seq > 0
    assert r.decode(100, 3).state_bytes == 2 * 3 * r.state_per_seq


def test_cache_versus_recompute_flops_by_hand():
    # Llama 2 13B, prompt 100, 1,000 new tokens, batch 1. A = 12,852,024,320 active parameters,
    # k = 40 layers × 20,480 FLOPs per key. With the cache: a 100-token prefill and 999 decode
    # steps at contexts 101 ... 1,099 (each query sees ctx + 1 keys). Without: prefills of
    # 100 ... 1,099 tokens.
    r = perf.Roofline(catalog.load_model("llama-2-13b"), H100, 1, "fp16", "fp16")
    A, k, P, n = 12_852_024_320, 40 * 20_480, 100, 1000
    cached = 2 * A * P + k * P * (P + 1) // 2 + sum(2 * A + k * (P + t + 1) for t in range(1, n))
    again = sum(2 * A * (P + t) + k * (P + t) * (P + t + 1) // 2 for t in range(n))
    g = perf.generation(r, P, n)
    assert (g.cached_flops, g.recompute_flops) == (cached, again)
    assert g.flops_ratio == pytest.approx(again / cached)
    assert 500 < g.flops_ratio < 700  # ≈ (n P + n²/2) / (P + n): the quadratic against the linear
    # time: short recomputed prefixes cost little more than reading the weights once, so the
    # time ratio (≈ 2 here) is far below the FLOPs ratio (≈ 600); at a 4,096-token prompt ≈ 13
    assert g.time_ratio == pytest.approx(g.recompute_seconds / g.cached_seconds) and g.time_ratio > 1.5
    assert 10 < perf.generation(r, 4096, n).time_ratio < 20


def test_cache_table_in_perf_output():
    d = cli_json("perf", "llama-2-13b", "--gpu", "h100", "--ctx", "4096", "--json")
    g = d["cache_vs_recompute"]
    assert g["new_tokens"] == 1000 and g["prompt"] == 4096
    assert g["flops_ratio"] == pytest.approx(g["without_cache"]["flops"] / g["with_cache"]["flops"])
    code, out, _ = cli("perf", "llama-2-13b", "--gpu", "h100", "--ctx", "4096")
    assert code == 0 and "recompute" in out and "ratio" in out
    assert cli_json("perf", "llama-2-13b", "--gpu", "h100", "--ctx", "4096", "--no-cache-compare",
                    "--json")["cache_vs_recompute"] is None


def test_batch_table_marks_memory_and_compute():
    d = cli_json("perf", "llama-3.1-8b", "--gpu", "h100", "--ctx", "8192", "--batch-table", "--json")
    rows = d["batch_table"]
    max_b = d["max_batch"]
    from kvplan.plan.fit import fit

    assert max_b == fit(catalog.load_model("llama-3.1-8b"), H100, ctx=8192).max_batch
    assert [r["batch"] for r in rows][:4] == [1, 2, 4, 8]
    assert rows[-1]["fits"] is False and all(r["fits"] for r in rows[:-1])
    assert rows[-2]["batch"] == max_b and rows[-1]["batch"] > max_b
    code, out, _ = cli("perf", "llama-3.1-8b", "--gpu", "h100", "--ctx", "16", "--batch-table")
    assert "compute-bound from here" in out and "out of memory" in out


# ---- compare ----------------------------------------------------------------------------------
def test_compare_variants_by_hand():
    # MHA 40 × 128 × 2 × 2 B × 40 layers × 4096 = 3,355,443,200; GQA 8: ÷ 5; MQA: ÷ 40
    rows = cli_json("compare", "llama-2-13b", "--variants", "mha,gqa:8,mqa", "--ctx", "4096",
                    "--kv-dtype", "fp16", "--json")
    assert [(r["model"], r["variant"], r["kv_cache_bytes"]) for r in rows] == [
        ("llama-2-13b", None, 3_355_443_200), ("llama-2-13b", "mha", 3_355_443_200),
        ("llama-2-13b", "gqa:8", 671_088_640), ("llama-2-13b", "mqa", 83_886_080)]


def test_compare_more_variants_by_hand():
    spec = catalog.load_model("llama-2-13b")
    rows = whatif.rows([spec], 4096, 1, "fp16", ["mla:512+64", "window:1024", "kv:fp8", "kv:q4_0",
                                                   "share:2", "gqa:8+kv:fp8", "share:4+mqa"])
    by = {r["variant"]: r for r in rows}
    assert by["mla:512+64"]["kv_cache_bytes"] == 40 * (512 + 64) * 2 * 4096
    assert by["window:1024"]["kv_cache_bytes"] == 3_355_443_200 // 4
    assert by["kv:fp8"]["kv_cache_bytes"] == 3_355_443_200 // 2 and by["kv:fp8"]["kv_dtype"] == "fp8_e4m3"
    assert by["kv:q4_0"]["kv_cache_bytes"] == 40 * 2 * 40 * (4 * 18) * 4096  # 128 values = 4 blocks of 18 B
    assert by["share:2"]["kv_cache_bytes"] == 3_355_443_200 // 2
    assert by["share:2"]["weights_bytes"] == by[None]["weights_bytes"]
    assert by["gqa:8+kv:fp8"]["kv_cache_bytes"] == 671_088_640 // 2
    assert by["share:4+mqa"]["kv_cache_bytes"] == 10 * 2 * 128 * 2 * 4096
    assert by["share:2"]["saving"] == pytest.approx(0.5) and by[None]["saving"] == 0


def test_compare_models_with_gpu_and_formats():
    rows = cli_json("compare", "llama-2-13b", "llama-3-8b", "mistral-7b", "--ctx", "4096",
                    "--gpu", "h100", "--json")
    assert [r["model"] for r in rows] == ["llama-2-13b", "llama-3-8b", "mistral-7b"]
    assert rows[1]["kv_bytes_per_token"] == 32 * 2 * 8 * 128 * 2
    assert all(r["max_batch"] > 0 and r["decode_tokens_per_second"] > 0 for r in rows)
    code, out, _ = cli("compare", "llama-3-8b", "--ctx", "4096", "--variants", "gqa:2", "--format", "csv")
    lines = out.strip().splitlines()
    head = lines[0].split(",")
    assert code == 0 and head[:2] == ["model", "variant"] and "saving" in head
    row = dict(zip(head, lines[2].split(",")))
    assert row["variant"] == "gqa:2" and row["kv_cache_bytes"] == str(32 * 2 * 2 * 128 * 2 * 4096)
    assert dict(zip(head, lines[1].split(",")))["variant"] == ""  # the original: no variant
    code, out, _ = cli("compare", "llama-3-8b", "--ctx", "4096", "--format", "md")
    assert code == 0 and out.startswith("**") and "| model |" in out


@pytest.mark.parametrize("args,needle", [
    (["--variants", "gqa:3"], "3 KV heads do not divide the 40"),
    (["--variants", "foo"], "unknown variant 'foo'"),
    (["--variants", "mla:512"], "mla:LATENT+ROPE"),
    (["--variants", "kv:fp7"], "fp7"),
    (["--variants", "share:1"], "N >= 2"),
    (["--format", "xml"], "--format must be one of"),
])
def test_compare_bad_input_is_one_line(args, needle):
    code, out, err = cli("compare", "llama-2-13b", "--ctx", "4096", *args)
    assert code == 2
    assert needle in err and len(err.strip().splitlines()) == 1


def test_variants_on_mla_model_say_what_is_missing():
    code, _, err = cli("compare", "deepseek-v3", "--ctx", "4096", "--variants", "gqa:8")
    assert code == 2 and "has no softmax-attention layers" in err


# ---- sweep ------------------------------------------------------------------------------------
def test_parse_range():
    assert sw.parse_range("--ctx", "1k:128k") == [1000 * 2 ** i for i in range(8)]
    assert sw.parse_range("--ctx", "1K:8K:x4") == [1024, 4096, 8192]
    assert sw.parse_range("--ctx", "1024:4096:+1024") == [1024, 2048, 3072, 4096]
    assert sw.parse_range("--batch", "1,8,32") == [1, 8, 32]
    for bad in ("8k:1k", "1k:2k:x1", "1k:2k:y2", "1:2:3:4"):
        with pytest.raises(Exception):
            sw.parse_range("--ctx", bad)


def test_sweep_rows_equal_size():
    from kvplan.plan.size import kv_size

    spec = catalog.load_model("gemma-2-9b")
    res = sw.sweep(spec, [1000, 8000], [1, 8], [None, "fp8"], H100)
    assert len(res["rows"]) == 2 * 2 * 2
    for row in res["rows"]:
        assert row["kv_cache_bytes"] == kv_size(spec, row["ctx"], row["batch"], row["kv_dtype"]).total_bytes
        step = perf.step_model(spec, H100, 1, row["kv_dtype"]).decode(row["ctx"], row["batch"])  # perf's step
        assert row["decode_step_seconds"] == pytest.approx(step.seconds, rel=1e-12)
        assert row["bound"] == step.bound
    assert set(res["kv_budget_bytes"]) == {"bf16", "fp8_e4m3"}


def test_sweep_cli_formats():
    d = cli_json("sweep", "llama-3.1-8b", "--ctx", "1k:4k", "--batch", "1,8", "--gpu", "h100", "--json")
    assert len(d["rows"]) == 3 * 2 and d["gpu"] == "h100-sxm-80gb"
    code, out, _ = cli("sweep", "llama-3.1-8b", "--ctx", "1k:4k", "--batch", "1,8", "--format", "csv")
    assert code == 0 and out.splitlines()[0] == "ctx,batch,kv_dtype,kv_cache_bytes"
    assert out.splitlines()[1] == f"1000,1,bf16,{1000 * 131072}"


def test_sweep_plot_writes_a_real_png(tmp_path):
    mpl_image = pytest.importorskip("matplotlib.image")
    out = tmp_path / "kv.png"
    code, _, _ = cli("sweep", "llama-3.1-8b", "--ctx", "1k:128k", "--batch", "1,8,32", "--gpu", "h100",
                     "--plot", str(out), "--format", "csv")
    assert code == 0 and out.stat().st_size > 10_000
    img = mpl_image.imread(str(out))
    assert img.shape[0] >= 400 and img.shape[1] >= 1000  # 12 × 4.5 in at 100 dpi
    assert img[..., :3].std() > 0.05  # lines and text, not a blank canvas
    assert (img[..., :3] < 0.5).mean() > 0.002  # dark pixels: the budget line, axes, labels


def test_sweep_plot_without_matplotlib_is_one_line(tmp_path):
    code = ("import sys; sys.modules['matplotlib'] = None; from kvplan.cli import main; "
            f"sys.argv = ['kvplan', 'sweep', 'llama-3-8b', '--ctx', '1k:2k', '--plot', r'{tmp_path / 'x.png'}']; main()")
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert p.returncode == 2
    assert p.stderr.strip() == "kvplan: error: --plot needs matplotlib: pip install 'kvplan[plot]'"


@pytest.mark.parametrize("args,needle", [
    (["--bw-efficiency", "1.5"], "--bw-efficiency must be a number (0, 1]"),
    (["--flops-efficiency", "0"], "--flops-efficiency must be a number (0, 1]"),
    (["--step-overhead-ms", "-1"], "--step-overhead-ms must be a number >= 0"),
    (["--tp", "3"], "does not divide"),
    (["--prompt", "0"], "--prompt must be a positive whole number"),
])
def test_perf_bad_input_is_one_line(args, needle):
    code, _, err = cli("perf", "llama-2-13b", "--gpu", "h100", "--ctx", "4096", *args)
    assert code == 2 and needle in err and len(err.strip().splitlines()) == 1


def test_perf_json_is_valid_for_every_kind():
    for m in ("deepseek-v3", "gpt-oss-20b", "qwen3-next-80b-a3b", "gemma-2-9b", "llama-4-scout",
              "jamba-v0.1", "nemotron-h-56b"):
        d = cli_json("perf", m, "--gpu", "h200", "--ctx", "8192", "--batch", "4", "--json",
                     "--tp", "8" if m == "deepseek-v3" else "1", "--no-cache-compare")
        assert d["decode_step_seconds"] > 0 and d["bound"] in ("memory", "compute")
