"""Every command's tables fit the terminal: no line wider than COLUMNS, no wrapped or truncated
row (a row is one line, every cell whole), at 60, 80, 100 and 160 columns; --wide keeps all
columns; --format csv and md carry the same rows."""
import csv
import io
import json

import pytest
from typer.testing import CliRunner

from kvplan.cli import app

runner = CliRunner()

COMMANDS = {
    "size": ["size", "gemma-2-9b", "--ctx", "8192"],
    "size-all": ["size", "gpt-oss-20b", "--ctx", "32k", "--engine", "all"],
    "size-state": ["size", "jamba-v0.1", "--ctx", "4096", "--batch", "2"],
    "fit": ["fit", "llama-3.1-70b", "--gpu", "h100", "--tp", "2", "--ctx", "8192"],
    "fit-pp": ["fit", "llama-3.1-70b", "--gpu", "h100", "--tp", "2", "--pp", "2", "--ctx", "8192"],
    "fit-traffic": ["fit", "llama-3.1-8b", "--gpu", "h100", "--lengths", "uniform:100-4000"],
    "perf": ["perf", "llama-3.1-8b", "--gpu", "h100", "--ctx", "8k", "--batch", "8", "--batch-table"],
    "perf-tp": ["perf", "llama-3.1-70b", "--gpu", "h100", "--tp", "2", "--ctx", "8k"],
    "compare": ["compare", "llama-2-13b", "--variants", "gqa:8,mqa,mla:512+64,kv:fp8", "--ctx", "4096",
                "--gpu", "h100"],
    "sweep": ["sweep", "llama-3.1-8b", "--ctx", "1k:128k:x4", "--batch", "1,32", "--gpu", "h100"],
    "models": ["models"],
    "gpus": ["gpus"],
    "show": ["show", "gemma-2-9b"],
    "check-log": ["check-log", "tests/data/logs/vllm_0.15.1_a100-40gb_llama-3.1-8b.log", "--gpu", "a100-sxm-40gb"],
}
ROWS = {"size": 2, "size-all": 7, "models": None, "gpus": None, "show": 2}


def run(args, width):
    r = runner.invoke(app, args, env={"COLUMNS": str(width), "NO_COLOR": "1", "TERM": "dumb"})
    assert r.exit_code in (0, 1), r.stdout
    return r.stdout


@pytest.mark.parametrize("width", [60, 80, 100, 160])
@pytest.mark.parametrize("name", list(COMMANDS))
def test_tables_fit_the_width(name, width):
    out = run(COMMANDS[name], width)
    lines = out.splitlines()
    assert max(len(line) for line in lines) <= width, name
    assert all(line == line.rstrip() for line in lines)  # no trailing spaces
    rows = [line for line in lines if "│" in line]
    assert rows and not any("…" in line for line in rows)  # no cell cut short
    expected = ROWS.get(name, 0)
    if expected is None:  # one row per catalog entry
        expected = len(json.loads(run(COMMANDS[name] + ["--json"], 200)))
    if expected:
        assert len(rows) == expected  # a row never spills onto a second line


def test_wide_keeps_every_column():
    narrow = run(COMMANDS["size"], 60)
    wide = run(COMMANDS["size"] + ["--wide"], 60)
    assert "left out to fit 60 columns" in narrow and "bytes/token" not in narrow.split("\n")[2]
    assert "bytes/token" in wide and "left out" not in wide


@pytest.mark.parametrize("name", ["size", "size-all", "fit", "perf", "compare", "sweep", "models", "gpus", "show"])
def test_csv_and_markdown(name):
    out = run(COMMANDS[name] + ["--format", "csv"], 80)
    rows = list(csv.reader(io.StringIO(out)))
    assert len(rows) >= 2 and all(len(r) == len(rows[0]) for r in rows)
    md = run(COMMANDS[name] + ["--format", "md"], 80)
    assert "| --- |" not in md and "|---" in md


def test_csv_values_are_raw_ints():
    out = run(["size", "llama-2-13b", "--ctx", "4096", "--format", "csv"], 80)
    row = next(csv.DictReader(io.StringIO(out)))
    assert row["bytes"] == "3355443200" and row["layers"] == "40"


def test_bad_format_is_one_line():
    r = runner.invoke(app, ["gpus", "--format", "xml"])
    assert r.exit_code == 2 and "--format must be one of table, json, csv, md" in r.stderr


def test_json_with_explain_is_structured():
    r = runner.invoke(app, ["size", "gemma-2-9b", "--ctx", "8192", "--json", "--explain"])
    d = json.loads(r.stdout)["explain"]
    g = {x["layer_type"]: x for x in d["groups"]}
    # local: 21 layers × 1 × 4,096 tokens × (8 rows × 512 B + 8 × 512) = 704,643,072
    t = g["local"]
    assert (t["layers"], t["tokens"], [(x["rows"], x["bytes_per_row"]) for x in t["tensors"]]) == \
        (21, 4096, [(8, 512), (8, 512)])
    assert t["kv_bytes"] == 21 * 4096 * 2 * 8 * 512 == 704_643_072
    assert d["total_bytes"] == sum(x["kv_bytes"] + x["state_bytes"] for x in d["groups"])
    f = json.loads(runner.invoke(app, ["fit", "llama-3-8b", "--gpu", "h100", "--ctx", "8192", "--json",
                                       "--explain"]).stdout)["explain"]
    assert f["weights"][0]["bytes"] == 16_060_522_496 and f["capacity"]
    p = json.loads(runner.invoke(app, ["perf", "llama-3-8b", "--gpu", "h100", "--ctx", "8192", "--json",
                                       "--explain", "--no-cache-compare"]).stdout)
    assert sum(o["seconds"] for o in p["decode_breakdown"]) == pytest.approx(p["decode_step_seconds"])
    assert all(o["source"] for o in p["decode_breakdown"] if o["op"] != "attention projections (GEMM)")
    p = json.loads(runner.invoke(app, ["perf", "llama-3-8b", "--gpu", "h100", "--ctx", "8192", "--json",
                                       "--explain", "--no-cache-compare", "--bw-efficiency", "0.83"]).stdout)
    e = p["explain"]["decode"]
    assert e["bytes"]["total"] == p["decode_bytes"]
    assert e["memory"]["seconds"] == pytest.approx(
        e["bytes"]["total"] / (e["memory"]["bandwidth_bytes_per_s"] * e["memory"]["efficiency"]))
    assert e["memory"]["source"] == "--bw-efficiency"  # the roofline, chosen by its own knob


@pytest.mark.parametrize("width", [80, 100, 160])
def test_perf_explain_fits_with_each_source_said_once_below(width):
    """perf --explain's per-operation table was 306 columns wide at 80 (each op's efficiency source,
    up to 200 characters, in a column): the sources are numbered notes below it now."""
    import re

    from kvplan import api

    args = ["perf", "deepseek-v3", "--gpu", "h200", "--tp", "8", "--ctx", "8k", "--explain", "--no-cache-compare"]
    lines = run(args, width).splitlines()
    assert max(len(line) for line in lines) <= width
    flat = "".join("".join(lines).split())  # folded notes may break inside a path: compare sans spaces
    ops = api.perf("deepseek-v3", "h200", 8000, tp=8).decode.ops
    for _, _, _, src in ops:  # every source, in full, once
        assert flat.count("".join(src.split())) == 1, src
    refs = [line for line in lines if re.fullmatch(r"(decode|prefill) .*│ \[\d+\]", line)]
    assert len(refs) == len([line for line in lines if line.startswith(("decode ", "prefill "))]) > 0
    notes = sorted({int(x) for x in re.findall(r"│ \[(\d+)\]", "\n".join(refs))})
    assert notes == list(range(1, len(notes) + 1))
    assert all(f"[{n}] " in "\n".join(lines) for n in notes)
