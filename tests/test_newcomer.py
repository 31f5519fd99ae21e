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
