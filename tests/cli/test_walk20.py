"""Session 20's walk as a new user at 80 columns: what it found, each checked through the CLI."""
import json

import pytest

from kvplan.cli import app
from walk import one_line, run, runner


# `kvplan fit --ctx 8k --batch 64 --json` said does_not_fit beside a margin_bytes of +37 GiB: the margin
# is the start's (the verdict the batch's). The JSON now says whose margin it is and gives the batch's,
# in sequences: the max batch less the batch asked for (negative: short).
def test_fit_json_says_whose_margin_and_gives_the_batchs():
    args = ("fit", "llama-3.1-8b", "--gpu", "h100", "--ctx", "8k", "--json")
    start = json.loads(run(*args).output)
    assert start["margin_of"] == "start" and "batch_margin_sequences" not in start
    for batch, code in ((64, 1), (start["max_batch_low"], 0)):
        r = run(*args, "--batch", str(batch))
        d = json.loads(r.output)
        assert r.exit_code == code and d["margin_of"] == "start" and d["margin_bytes"] == start["margin_bytes"]
        assert d["batch_margin_sequences"] == start["max_batch"] - batch
    assert json.loads(run(*args, "--batch", "64").output)["batch_margin_sequences"] < 0


# `--compile-cache warm|cold` was fit's alone, while simulate, sweep and compare answer the same start-up
# question (a cold compile's band pushes the answer to "at risk"): each now takes it, and moves as fit does.
def test_every_command_that_plans_vllms_start_takes_the_compile_cache():
    fit = {c: json.loads(run("fit", "llama-3.1-8b", "--gpu", "h100", "--ctx", "8000", "--json",
                             *c).output) for c in ((), ("--compile-cache", "warm"))}
    cold, warm = fit[()]["max_batch_low"], fit[("--compile-cache", "warm")]["max_batch_low"]
    assert cold < warm  # the band moved fit's answer: batch `warm` is at risk cold, fits warm
    for c, low in (((), cold), (("--compile-cache", "warm"), warm)):
        s = json.loads(run("sweep", "llama-3.1-8b", "--ctx", "8000", "--batch", str(warm), "--gpu", "h100", "--json",
                           *c).output)
        assert s["rows"][0]["verdict"] == ("fits" if c else "at_risk")
        m = json.loads(run("compare", "llama-3.1-8b", "--ctx", "8000", "--gpu", "h100", "--json", *c).output)
        assert m[0]["max_batch_low"] == low
    sim = ("simulate", "llama-3.1-8b", "--gpu", "h100", "--rate", "2", "--prompt-tokens", "100", "--output-tokens",
           "10", "--requests", "20", "--gpu-memory-utilization", "0.46")  # fit: at risk cold, fits warm
    assert "fit says at risk" in run(*sim).output
    w = run(*sim, "--compile-cache", "warm")
    assert w.exit_code == 0 and "fit says at risk" not in w.output and "--compile-cache warm" in w.output


def test_the_compile_cache_is_checked_and_said_where_it_is_not_read():
    one_line(run("sweep", "llama-3.1-8b", "--ctx", "8000", "--gpu", "h100", "--compile-cache", "tepid"),
             "--compile-cache tepid is not one of: warm, cold")
    one_line(run("compare", "llama-3.1-8b", "--ctx", "8000", "--compile-cache", "warm"),
             "--compile-cache is for vLLM's start-up on a GPU; give --gpu or leave it out")
    r = runner.invoke(app, ["fit", "llama-3.1-8b", "--gpu", "h100", "--engine", "sglang", "--compile-cache", "warm"],
                      env={"COLUMNS": "200"})
    assert "kvplan: note: --compile-cache is vLLM's (torch.compile in its profile run); the sglang plan does not " \
           "read it" in r.output


# sweep's fits column said yes / at risk / no where fit says fits / at risk / does NOT fit for the same
# batch: the column is now "verdict" in fit's words (plan/verdict.py WORDS); --format csv keeps the raw value.
def test_sweeps_verdict_column_speaks_fits_words():
    base = ("llama-3.1-8b", "--gpu", "h100", "--ctx", "32k")
    r = run("sweep", *base, "--batch", "12,13,14")
    rows = [line.split("│") for line in r.stdout.splitlines() if line.startswith("32,000")]
    assert [c[4].strip() for c in rows] == ["fits", "at risk", "does NOT fit"]
    for b, want in ((12, "fits"), (13, "at risk"), (14, "does NOT fit")):
        out = run("fit", *base, "--batch", str(b)).stdout
        assert out.splitlines()[-1].startswith(want) or f"\n{want}:" in out, b
    assert "verdict column: vLLM's plan, as in fit" in r.stderr
    csv = run("sweep", *base, "--batch", "13", "--format", "csv").stdout.splitlines()
    assert csv[0].split(",")[4] == "verdict" and csv[1].split(",")[4] == "at_risk"


# `simulate --concurrency 100000000` said "closed loop of 100000000 clients" and `--replicas 100000` "over 100000
# replicas", where every other count is printed with thousands separators.
def test_simulates_counts_are_written_as_every_other_count():
    base = ("simulate", "llama-3.1-8b", "--gpu", "h100", "--prompt-tokens", "10", "--output-tokens", "5",
            "--requests", "4", "--json")
    r = json.loads(run(*base, "--concurrency", "1000").stdout)
    assert r["saturation"] == "closed loop of 1,000 clients: the queue is bounded"
    r = json.loads(run(*base, "--rate", "1", "--replicas", "1000").stdout)
    assert "KV blocks: 27,184,000 over 1,000 replicas" in r["notes"]


# `fit --engine-version 0.33` (the release fit's help named as the default, "0.33") planned a release whose model
# runner kvplan had not read (its ranges are by major.minor.patch) and gave a KV cache 2.6 GB smaller than the
# default's, saying nothing on the terminal. A version without its patch is refused; 0.33.0 is the default's plan.
def test_an_engine_version_without_its_patch_is_refused():
    base = ("fit", "llama-3.1-8b", "--gpu", "h100", "--json")
    for v in ("0.33", "v0.33"):
        one_line(run(*base, "--engine-version", v),
                 f"--engine-version {v} names no release; give its patch too, such as 0.33.0")
    default, named = (json.loads(run(*base, *a).stdout) for a in ((), ("--engine-version", "0.33.0")))
    assert named["kv_cache_tokens"] == default["kv_cache_tokens"] and named["verdict"] == default["verdict"]
    assert "default kvplan's, 0.33.0" in " ".join(run("fit", "--help", width=200).stdout.split())
    bench = "tests/fixtures/bench/vllm_llama-3.2-3b_4xl40s_rate10.json"
    one_line(run("check-bench", bench, "--gpu", "l40s", "--model", "llama-3.2-3b", "--tp", "4", "--engine-version",
                 "0.33"), "--engine-version 0.33 names no release; give its patch too, such as 0.33.0")


# --enable-expert-parallel on a dense model: perf refused it and so did simulate with --data-parallel-size 2, but
# simulate at one rank and fit at any took it, fit saying "routed experts over 2 EP rank(s)" of a model with none.
# One answer now, from every command; a MoE model is planned as before.
def test_expert_parallel_on_a_dense_model_is_refused_by_every_command():
    msg = ("--enable-expert-parallel needs a mixture-of-experts model; llama-3.1-8b is dense (vLLM refuses it too: "
           "the number of experts must be greater than 0)")
    sim = ("simulate", "llama-3.1-8b", "--gpu", "h100", "--rate", "1", "--prompt-tokens", "10", "--output-tokens",
           "5", "--requests", "5", "--enable-expert-parallel")
    for args in (("fit", "llama-3.1-8b", "--gpu", "h100", "--enable-expert-parallel"),
                 ("fit", "llama-3.1-8b", "--gpu", "h100", "--enable-expert-parallel", "--data-parallel-size", "2"),
                 sim, (*sim, "--data-parallel-size", "2"),
                 ("perf", "llama-3.1-8b", "--gpu", "h100", "--ctx", "1k", "--enable-expert-parallel")):
        one_line(run(*args), msg)
    moe = json.loads(run("fit", "qwen3-30b-a3b", "--gpu", "h100", "--enable-expert-parallel", "--data-parallel-size",
                         "2", "--json").stdout)
    assert "routed experts over 2 EP rank(s)" in moe["notes"][0]


# `kvplan fit --kv-cache-memory 20G`, copied from a vLLM command line (--kv-cache-memory-bytes 20G, which vLLM
# 0.33 reads as 20 GiB: utils/argparse_utils.py human_readable_int), was refused; it now means what vLLM reads.
def test_kv_cache_memory_reads_vllms_suffixes_as_vllm_does():
    def budget(v, cmd="fit"):
        args = (cmd, "llama-3.1-8b", "--gpu", "h100", "--kv-cache-memory", v, "--json")
        if cmd == "simulate":
            args += ("--rate", "1", "--prompt-tokens", "10", "--output-tokens", "5", "--requests", "2")
            return json.loads(run(*args).stdout)["kv_cache"]["blocks"]
        return json.loads(run(*args).stdout)["kv_budget_bytes"]
    assert budget("20G") == budget("20GiB") == 20 * 2**30
    assert budget("20g") == budget("20GB") == 20 * 10**9 and budget("25.6k") == 25_600 and budget("1K") == 1024
    assert budget("20G", "simulate") == budget("20GiB", "simulate")
    one_line(run("fit", "llama-3.1-8b", "--gpu", "h100", "--kv-cache-memory", "1.5G"),
             "--kv-cache-memory 1.5G: decimals are not allowed with binary suffixes like G (vLLM's rule); did you "
             "mean 1.5g (1.5 × 10^9 bytes) or 1.5GiB?")


# `--max-model-len auto` (or -1), vLLM 0.33's auto-fit, was "must be a positive whole number": it is now refused
# saying what it is and where kvplan answers it, by every command that takes --max-model-len.
@pytest.mark.parametrize("cmd", [
    ("fit", "llama-3.1-8b", "--gpu", "h100"),
    ("simulate", "llama-3.1-8b", "--gpu", "h100", "--rate", "1", "--prompt-tokens", "5", "--output-tokens", "5"),
    ("sweep", "llama-3.1-8b", "--ctx", "1k", "--gpu", "h100"),
    ("compare", "llama-3.1-8b", "--ctx", "1k", "--gpu", "h100"),
    ("plan", "llama-3.1-8b", "--rate", "1", "--prompt-tokens", "5", "--output-tokens", "5", "--ttft-p90", "100",
     "--itl-p90", "10"),
    ("check-bench", "tests/fixtures/bench/vllm_llama-3.2-3b_4xl40s_rate10.json", "--gpu", "l40s", "--model",
     "llama-3.2-3b")])
def test_max_model_len_auto_is_refused_saying_where_kvplan_answers_it(cmd):
    for v in ("auto", "-1"):
        one_line(run(*cmd, "--max-model-len", v),
                 f"--max-model-len {v} (vLLM fits the length to the memory left) is not planned; give a length, or "
                 "run `kvplan fit MODEL --gpu GPU --batch 1` for the longest one request can hold, the length vLLM's "
                 "auto-fit looks for")
