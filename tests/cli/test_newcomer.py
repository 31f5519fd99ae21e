"""Issue 19's newcomer's list: each item as a new user met it, checked through the CLI."""
import json

from typer.testing import CliRunner

from kvplan.cli import app

runner = CliRunner()


def run(*args, env=None):
    return runner.invoke(app, list(args), env=env)


# 1. llama.cpp's --cache-type-k/-v: the report says what it sized, and the geometry is heads×dim.
# By hand: llama-3.1-8b has 32 layers of 8 KV heads × 128; q8_0 is 34 bytes per 32 values, so a
# K row is 1,024 / 32 × 34 = 1,088 bytes and an f16 V row 2,048 bytes.

def test_llamacpp_cache_types_named_in_title_and_json():
    r = run("size", "llama-3.1-8b", "--ctx", "4096", "--engine", "llamacpp", "-ctk", "q8_0", "-ctv", "q8_0",
            "--wide")
    assert r.exit_code == 0, r.output
    assert "KV q8_0 · layout llamacpp" in r.stdout and "KV fp16" not in r.stdout
    assert "8×128" in r.stdout and "1×1024" not in r.stdout
    d = json.loads(run("size", "llama-3.1-8b", "--ctx", "4096", "--engine", "llamacpp", "-ctk", "q8_0",
                       "-ctv", "q8_0", "--json").stdout)
    assert d["kv_dtype"] == "q8_0" and d["k_dtype"] == "q8_0" and d["v_dtype"] == "q8_0"
    assert d["layers"][0]["geometry"] == "8×128"
    assert d["kv_cache_bytes"] == 32 * 4096 * 2 * 1088


def test_llamacpp_k_and_v_formats_differ():
    r = run("size", "llama-3.1-8b", "--ctx", "4096", "--engine", "llamacpp", "-ctk", "q8_0", "--explain",
            "--wide")
    assert r.exit_code == 0, r.output
    assert "K q8_0, V fp16" in r.stdout
    # --explain prices each tensor in its own format and adds up to the total
    total = 32 * 4096 * (1088 + 2048)
    assert f"full: 32 × 1 × 4,096 × (1 × 1088 + 1 × 2048) = {total:,}" in r.stdout
    assert f"total = {total:,} bytes" in r.stdout
    d = json.loads(run("size", "llama-3.1-8b", "--ctx", "4096", "--engine", "llamacpp", "-ctk", "q8_0",
                       "--json", "--explain").stdout)
    assert (d["k_dtype"], d["v_dtype"]) == ("q8_0", "fp16") and d["kv_dtype"] == "q8_0/fp16"
    assert [t["bytes_per_row"] for t in d["explain"]["groups"][0]["tensors"]] == [1088, 2048]


def test_fit_says_llamacpp_cache_types():
    r = run("fit", "llama-3.1-8b", "--gpu", "rtx4090", "--ctx", "8k", "--engine", "llamacpp", "-ctk", "q8_0",
            "-ctv", "q8_0")
    assert "KV q8_0" in r.stdout and "KV fp16" not in r.stdout


# 2. validate's table fits 80 columns and takes --format and --wide like the other commands.

def _made_up_validate_result():
    """Every row the report can show (CUDA, --fit, speed), from made-up inputs: rendering only."""
    import pytest

    pytest.importorskip("torch")
    from types import SimpleNamespace

    from kvplan.sources import catalog
    from kvplan.validate import device as dev
    from kvplan.validate import layout as lay
    from kvplan.validate import timing as sp
    from kvplan.validate.run import FitCheck, Result

    plan = lay.plan_layout(catalog.load_model("llama-3.1-8b"), 131072, 64, None, "vllm", 2)
    info = dev.DeviceInfo("cuda", "made-up card", "default: torch sees a CUDA device", "2.x", "999.1", "12.x",
                          80 * 2**30, "2026-01-01 00:00 UTC")
    t = sp.Timing(0.010, 0.009, 0.012, 0.009, 0.013, 50, True)
    speed = sp.SpeedResult(2, 32, t, t, 0.170, 85_899_345_920, 85_899_345_920, 900,
                           [{"tokens": 4096, "cached_step_s": 0.01, "recomputed_step_s": 0.02}], [])
    fit = FitCheck("h100-sxm-80gb", 7, 85_899_345_920, 85_899_345_920, 85_899_345_920, 85_899_345_920,
                   85_899_345_920, 84 * 2**30, 8 * 2**30, 85_899_345_920,
                   [{"part": "activation peak (profile run)", "bytes": 85_899_345_920, "source": ""}], True, True)
    return Result("llama-3.1-8b", "kvplan validate ...", info, plan, plan.predicted_bytes, 85_899_345_920,
                  85_899_345_920, 85_899_345_920, speed,
                  SimpleNamespace(seconds=0.2, bytes=85_899_345_920, flops=1, bound="memory"), "", fit)


def test_validate_table_fits_80_columns_keeping_every_column():
    from kvplan.render.sheet import to_text
    from kvplan.validate import report

    r = _made_up_validate_result()
    text = to_text([report.table(r)], 80)
    assert max(len(line) for line in text.splitlines()) <= 80, text
    assert "left out" not in text  # shorter wordings, not fewer columns
    header = text.splitlines()[1]
    assert all(h in header for h in ("quantity", "predicted", "measured", "error"))
    wide = to_text([report.table(r)], 80, wide=True)
    assert "torch.cuda.memory_allocated() change (512-byte rounding)" in wide


def test_validate_takes_format_and_wide():
    import pytest

    pytest.importorskip("torch")
    zoo = str(__import__("conftest").ROOT / "tests" / "fixtures" / "validate" / "zoo.yaml")
    base = ("validate", zoo, "--device", "cpu", "--ctx", "40", "--memory-only")
    r = run(*base, "--format", "csv")
    assert r.exit_code == 0, r.output
    assert r.stdout.splitlines()[0] == "quantity,predicted,measured,error"
    r = run(*base, "--format", "md")
    assert "| quantity | predicted | measured | error |" in r.stdout
    assert json.loads(run(*base, "--format", "json").stdout)["equal"] is True
    assert run(*base, "--wide").exit_code == 0
    assert "--format must be one of" in run(*base, "--format", "xml").output


# 3. fit --batch where the model's default max-model-len cannot start: answer the longest context
# for the batch, and say which --max-model-len makes vLLM start.

def test_fit_batch_answers_longest_context_when_default_max_model_len_refused():
    r = run("fit", "llama-3.1-8b", "--gpu", "rtx4090", "--batch", "4")
    assert r.exit_code == 0, r.output
    assert "max context for 4 sequences: 0 tokens" not in r.stdout and "does NOT fit" not in r.stdout
    # 9,824 since session 13 (vLLM 0.33's V2 sampler warm-up from its code, 14 bytes a logit + the penalty
    # state, where the V1 runner's 38 bytes a logit were charged: 39,344 KV tokens, 9,836 a sequence, 9,824 in
    # whole 16-token blocks); 8,576 since session 12 (vLLM's 32 MiB rotary table with the weights: 64 tokens less a sequence);
    # 8,640 since issue 20 session 11 (the sampler from vLLM's code, non-torch 0.14 GiB); 9,232 before, since
    # the budget starts from CUDA's 23.515 GiB (the lowest observed on a 4090),
    # not nvidia-smi's 24,564 MiB (9,824 before)
    assert "max context for 4 sequences: 9,824 tokens each" in r.stdout
    assert "--max-model-len 9824" in " ".join(r.stdout.split())
    d = json.loads(run("fit", "llama-3.1-8b", "--gpu", "rtx4090", "--batch", "4", "--json").stdout)
    assert d["fits"] and d["max_ctx"] == 9_824 and d["max_model_len"] == 9_824
    # the same answer as asking with that --max-model-len, and one token more does not fit
    same = json.loads(run("fit", "llama-3.1-8b", "--gpu", "rtx4090", "--batch", "4", "--max-model-len", "9824",
                          "--json").stdout)
    assert same["max_ctx"] == 9_824 and same["kv_cache_tokens"] == d["kv_cache_tokens"]
    more = json.loads(run("fit", "llama-3.1-8b", "--gpu", "rtx4090", "--batch", "4", "--max-model-len", "9825",
                          "--json").stdout)
    assert more["max_ctx"] < 9_825
    # a --max-model-len the user gave is theirs: no search, the refusal stands
    given = run("fit", "llama-3.1-8b", "--gpu", "rtx4090", "--batch", "4", "--max-model-len", "131072")
    assert given.exit_code == 1 and "does NOT fit" in given.stdout


def test_library_fit_batch_answers_longest_context():
    import kvplan

    r = kvplan.fit("llama-3.1-8b", "rtx4090", batch=4)
    assert r.fits and r.max_ctx == 9_824 and r.capacity.max_model_len == 9_824  # CUDA's total (issue 20); session 13's V2 sampler


# 4. fit --engine llamacpp: the compute buffers it does not count are said at 80 columns.

def test_llamacpp_fit_says_compute_buffers_not_counted_at_80_columns():
    r = run("fit", "llama-3.1-8b", "--gpu", "rtx4090", "--ctx", "8k", "--engine", "llamacpp", env={"COLUMNS": "80"})
    text = " ".join(r.stdout.split())
    assert "note: compute buffers" in text and "not counted" in text
    assert max(len(line) for line in r.stdout.splitlines()) <= 80
    d = json.loads(run("fit", "llama-3.1-8b", "--gpu", "rtx4090", "--ctx", "8k", "--engine", "llamacpp",
                       "--json").stdout)
    assert any("compute buffers" in n for n in d["notes"])
    vllm = run("fit", "llama-3.1-8b", "--gpu", "rtx4090", "--ctx", "8k")
    assert "compute buffers" not in vllm.stdout


# 5. The sweep plot: budget labels apart, points that do not fit marked, one colour per line,
# the legend beside the axes (inspected on the figure object).

def _sweep_figure():
    import pytest

    pytest.importorskip("matplotlib")
    from kvplan.plan import sweep as sw
    from kvplan.render.plots import sweep_figure
    from kvplan.sources import catalog

    spec, gpu = catalog.load_model("llama-3.1-8b"), catalog.load_gpu("h100")
    res = sw.sweep(spec, sw.parse_range("--ctx", "1k:128k"), [1, 2, 4, 8, 16, 32, 64, 128], ["bf16", "fp8"], gpu)
    return res, sweep_figure(res, "llama-3.1-8b · h100")


def _data_lines(ax):
    return [ln for ln in ax.get_lines() if not ln.get_label().startswith("_") and ln.get_gid() == "series"]


def test_sweep_plot_budget_labels_do_not_overlap():
    res, fig = _sweep_figure()
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    ax = fig.axes[0]
    labels = [t for t in ax.texts if "KV budget" in t.get_text()]
    assert labels and len(res["kv_budget_bytes"]) == 2
    boxes = [t.get_window_extent(renderer) for t in labels]
    assert not any(a.overlaps(b) for i, a in enumerate(boxes) for b in boxes[i + 1:])
    # every budget is still named (both formats), with its GiB
    text = " ".join(t.get_text() for t in labels)
    assert "bf16" in text and "fp8" in text


def test_sweep_plot_marks_what_does_not_fit_and_colours_each_line():
    res, fig = _sweep_figure()
    for ax in fig.axes[:2]:
        lines = _data_lines(ax)
        colours = [ln.get_color() for ln in lines]
        assert len(colours) == len(set(colours)), "a colour used twice"
    kv = fig.axes[0]
    assert len(_data_lines(kv)) == 16
    over = [ln for ln in kv.get_lines() if ln.get_gid() == "does not fit"]
    n_over = sum(not r["fits"] for r in res["rows"])
    assert n_over > 0 and sum(len(ln.get_xdata()) for ln in over) == n_over
    assert all(ln.get_marker() == "x" for ln in over)
    fits = [ln for ln in kv.get_lines() if ln.get_gid() == "fits"]
    assert fits and all(ln.get_marker() == "o" for ln in fits)


def test_sweep_plot_legend_is_outside_the_axes():
    _, fig = _sweep_figure()
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    for ax in fig.axes[:2]:
        leg = ax.get_legend()
        assert leg is not None
        assert not leg.get_window_extent(renderer).overlaps(ax.get_window_extent(renderer))
        # and inside the figure
        fb, lb = fig.bbox, leg.get_window_extent(renderer)
        assert lb.x1 <= fb.x1 + 1 and lb.y0 >= fb.y0 - 1


# 6. Wording: plurals, parentheses, a negative saving, a header, hints, suggestions.

def test_one_sequence_is_singular():
    r = run("fit", "llama-3.1-8b", "--gpu", "h100", "--batch", "1")
    assert "max context for 1 sequence:" in r.stdout and "1 sequences" not in r.stdout
    r = run("fit", "llama-3.1-8b", "--gpu", "rtx4090", "--ctx", "32k", "--max-model-len", "32k")
    assert "max batch at 32,000 tokens: 1 sequence\n" in r.stdout
    from kvplan.units import plural

    assert plural(1, "sequence") == "1 sequence" and plural(0, "sequence") == "0 sequences"
    assert plural(1_000, "request") == "1,000 requests"


def test_gpu_memory_source_has_no_nested_parentheses():
    r = run("fit", "llama-3.1-8b", "--gpu", "h100-pcie", "--ctx", "1k")
    assert "((" not in r.stdout and "))" not in r.stdout
    assert "bytes (estimated: no CUDA or driver total observed; the capacity sold less" in " ".join(r.stdout.split())


def test_compare_says_a_negative_saving_as_a_cost():
    r = run("compare", "llama-3.1-8b", "--variants", "mha", "--ctx", "8k", "--gpu", "h100")
    assert "-300.0 %" not in r.stdout and "−300.0 %" not in r.stdout
    assert "adds 300.0 %" in r.stdout


def test_perf_batch_table_status_column_has_a_header():
    from kvplan.render.sheet import Sheet

    r = run("perf", "llama-3.1-8b", "--gpu", "h100", "--ctx", "8k", "--batch", "8", "--batch-table", "--wide")
    header = next(line for line in r.stdout.splitlines() if line.startswith("batch "))
    assert header.rstrip().endswith("status")
    assert Sheet  # every column of the batch table has a header
    md = run("perf", "llama-3.1-8b", "--gpu", "h100", "--ctx", "8k", "--batch", "8", "--batch-table",
             "--format", "md").stdout
    assert "| batch | step | tok/s/seq | tok/s | bound | status |" in md


def test_count_errors_hint_at_counts_and_ctx_at_tokens():
    for flag in ("--batch", "--tp"):
        r = run("fit", "llama-3.1-8b", "--gpu", "h100", "--ctx", "1k", flag, "x")
        assert r.exit_code == 2
        assert f"{flag} must be a positive whole number, got 'x'" in r.output
        assert "128K" not in r.output and "128k" not in r.output and "tokens" not in r.output
    r = run("fit", "llama-3.1-8b", "--gpu", "h100", "--ctx", "x")
    assert "--ctx must be a positive whole number, got 'x'" in r.output and "128K = 131,072" in r.output
    r = run("fit", "llama-3.1-8b", "--gpu", "h100", "--batch", "1", "--max-model-len", "x")
    assert "128K = 131,072" in r.output


def test_gpu_suggestions_name_each_gpu_once():
    r = run("fit", "llama-3.1-8b", "--gpu", "rtx509", "--ctx", "1k")
    assert r.exit_code == 2
    line = r.output.strip().splitlines()[-1]
    names = line.split("did you mean: ")[1].split(", ")
    assert len(names) == len(set(names)) and "rtx-5090" in names
    assert not ({"rtx5090", "rtx-5090"} <= set(names))


# 7. Three bad files: one line naming the file and the problem, exit 2 (CLI size and show, and
# the library's KvplanError).

def _bad_files(tmp_path):
    binary = tmp_path / "binary" / "config.json"
    binary.parent.mkdir()
    binary.write_bytes(bytes(range(256)) * 4)
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 100_000 + "]" * 100_000)
    deep_obj = tmp_path / "deep_obj.json"
    deep_obj.write_text('{"a":' * 100_000 + "1" + "}" * 100_000)
    latin = tmp_path / "latin1.yaml"
    latin.write_bytes("name: café\nsource: here\n".encode("latin-1"))
    return {binary: "not UTF-8", deep: "nested", deep_obj: "nested", latin: "not UTF-8"}


def test_bad_files_are_one_line_exit_2_in_the_cli(tmp_path):
    import subprocess
    import sys

    for path, problem in _bad_files(tmp_path).items():
        for cmd in (["size", str(path), "--ctx", "1k"], ["show", str(path)]):
            p = subprocess.run([sys.executable, "-m", "kvplan", *cmd], capture_output=True, text=True)
            assert p.returncode == 2, (cmd, p.stderr[-300:])
            assert p.stderr.count("\n") == 1 and "Traceback" not in p.stderr, p.stderr[-300:]
            assert p.stderr.startswith("kvplan: error: ") and str(path) in p.stderr and problem in p.stderr
            if problem == "not UTF-8":
                assert "byte 0x" in p.stderr  # where the bad byte is


def test_bad_files_are_kvplan_errors_in_the_library(tmp_path):
    import pytest

    import kvplan
    from kvplan.errors import KvplanError

    for path, problem in _bad_files(tmp_path).items():
        with pytest.raises(KvplanError, match=problem):
            kvplan.size(str(path), 1024)


# 8. Library errors speak the library's terms (tp, engine="ideal", max_model_len) and carry the
# parameter as KvplanError.option; the CLI says the flag (--tp, --engine ideal), as before.

LIBRARY_ERRORS = [
    # (call, option, library message, CLI args, CLI message)
    (lambda k: k.fit("llama-3.1-8b", "h100", ctx=1024, tp=3), "tp",
     "tp=3 does not divide the 32 attention heads",
     ["fit", "llama-3.1-8b", "--gpu", "h100", "--ctx", "1k", "--tp", "3"], "--tp 3 does not divide the 32 attention heads"),
    (lambda k: k.fit("llama-3.1-8b", "h100", ctx=1024, pp=100), "pp",
     "pp=100 is more than the model's 32 layers",
     ["fit", "llama-3.1-8b", "--gpu", "h100", "--ctx", "1k", "--pp", "100"], "--pp 100 is more than the model's 32 layers"),
    (lambda k: k.fit("llama-3.1-8b", "h100", ctx=1024, max_model_len=200_000), "max_model_len",
     "max_model_len=200000 is greater than llama-3.1-8b's length as vLLM derives it",
     ["fit", "llama-3.1-8b", "--gpu", "h100", "--ctx", "1k", "--max-model-len", "200000"],
     "--max-model-len 200000 is greater than llama-3.1-8b's length as vLLM derives it"),
    (lambda k: k.fit("llama-3.1-8b", "h100", ctx=1024, gpu_memory_utilization=1.5), "gpu_memory_utilization",
     "gpu_memory_utilization must be in (0, 1], got 1.5", None, None),
    (lambda k: k.size("deepseek-v4-flash", 10, engine="sglang"), "engine",
     "the sglang layout does not model 'compressed' layers (sliding W=128); use engine=\"ideal\"",
     ["size", "deepseek-v4-flash", "--ctx", "10", "--engine", "sglang"],
     "the sglang layout does not model 'compressed' layers (sliding W=128); use --engine ideal"),
    (lambda k: k.size("llama-3.1-8b", 0), "ctx", "ctx must be a positive integer, got 0", None, None),
    (lambda k: k.size("llama-3.1-8b", 10, batch=0), "batch", "batch must be a positive integer, got 0", None, None),
    (lambda k: k.fit("llama-3.1-8b", "h100", ctx=1024, engine="nope"), "engine", "unknown engine 'nope'",
     ["fit", "llama-3.1-8b", "--gpu", "h100", "--ctx", "1k", "--engine", "nope"], "unknown engine 'nope'"),
]


def test_library_errors_speak_library_terms():
    import pytest

    import kvplan
    from kvplan.errors import KvplanError

    for call, option, message, _, _ in LIBRARY_ERRORS:
        with pytest.raises(KvplanError) as e:
            call(kvplan)
        assert str(e.value).startswith(message), str(e.value)
        assert "--" not in str(e.value)
        assert e.value.option == option


def test_cli_says_flags_for_library_errors():
    for _, _, _, args, message in LIBRARY_ERRORS:
        if args is None:
            continue
        r = run(*args)
        assert r.exit_code == 2
        assert r.output.startswith(f"kvplan: error: {message}"), r.output


def test_flag_names_at_the_cli_edge():
    from kvplan.cli.common import flag_message
    from kvplan.errors import KvplanError, opt

    e = KvplanError(f"{opt('kv_dtype', 'q4_0')} is not a cache type; {opt('gpu_memory_utilization')} too")
    assert str(e) == 'kv_dtype="q4_0" is not a cache type; gpu_memory_utilization too'
    assert e.option == "kv_dtype"
    assert flag_message(e) == "--kv-dtype q4_0 is not a cache type; --gpu-memory-utilization too"
    assert flag_message(KvplanError("plain words")) == "plain words"
