"""Session 19's walk as a new user at 80 columns: what it found, each checked through the CLI."""
import json

import pytest
from typer.testing import CliRunner

from kvplan import api
from kvplan.cli import app
from kvplan.errors import KvplanError

runner = CliRunner()


def run(*args, width=80):
    return runner.invoke(app, list(args), env={"COLUMNS": str(width), "NO_COLOR": "1", "TERM": "dumb"})


def one_line(r, text):
    assert r.exit_code == 2 and r.output == f"kvplan: error: {text}\n", r.output


# `kvplan perf --ctx 1000 --prompt 4000` priced a decode step at 1,000 tokens of context after a
# 4,000-token prefill (a context that cannot hold its own prompt) and said nothing.
def test_a_prompt_longer_than_the_decode_context_is_refused():
    for extra in ([], ["--json"]):
        one_line(run("perf", "llama-3.1-8b", "--gpu", "h100", "--ctx", "1000", "--prompt", "4000", *extra),
                 "--prompt 4,000 is longer than --ctx 1,000, the tokens each sequence holds at the decode step "
                 "(the prompt among them); give --ctx 4,000 or more")
    with pytest.raises(KvplanError, match=r"^prompt 4,000 is longer than ctx 1,000, .*; give ctx 4,000 or more$"):
        api.perf("llama-3.1-8b", "h100", 1000, prompt=4000)
    r = json.loads(run("perf", "llama-3.1-8b", "--gpu", "h100", "--ctx", "4000", "--prompt", "4000", "--json").output)
    assert (r["ctx"], r["prompt"]) == (4000, 4000)


# `kvplan fit --kv-cache-memory 20GiB --gpu-memory-utilization 0.5` planned the 20 GiB and dropped the
# 0.5 without a word. vLLM 0.33 takes both and does the same (v1/worker/gpu_worker.py
# determine_available_memory returns kv_cache_memory_bytes after a profile run, logging "This does not
# respect the gpu_memory_utilization config"), so it is a note, in fit and in simulate alike.
def test_a_utilization_that_kv_cache_memory_overrides_is_said():
    args = ("llama-3.1-8b", "--gpu", "h100", "--kv-cache-memory", "20GiB", "--gpu-memory-utilization", "0.5")
    note = ('--gpu-memory-utilization 0.5 does not size the cache: with --kv-cache-memory vLLM reserves those '
            'bytes and skips its memory profiling ("This does not respect the gpu_memory_utilization config"); '
            'it still refuses to start if free memory is below the utilization × total (request_memory)')
    fit = json.loads(run("fit", *args, "--ctx", "8k", "--json").output)
    assert note in fit["notes"] and fit["kv_budget_bytes"] == 20 * 2**30
    sim = json.loads(run("simulate", *args, "--requests", "20", "--rate", "2", "--prompt-tokens", "1000",
                         "--output-tokens", "10", "--json").output)
    assert note in sim["notes"]
    other = json.loads(run("fit", *args, "--ctx", "8k", "--engine", "sglang", "--json").output)
    assert "--gpu-memory-utilization 0.5 does not size the cache: --kv-cache-memory fixes it" in other["notes"]
    for alone in (("--kv-cache-memory", "20GiB"), ("--gpu-memory-utilization", "0.5")):
        r = json.loads(run("fit", "llama-3.1-8b", "--gpu", "h100", *alone, "--ctx", "8k", "--json").output)
        assert not any("does not size the cache" in n for n in r["notes"])


# `kvplan fit --kv-cache-memory 0` said "each GPU needs 16,094,076,928 bytes of weights ... more than the
# 16,094,076,928 bytes vllm may use; no --tp up to 64 fits": a plan of no cache, where vLLM 0.33 reads 0
# as not given (gpu_worker.py determine_available_memory: `if kv_cache_memory_bytes := ...`).
@pytest.mark.parametrize("cmd", [("fit", "--ctx", "4k"),
                                 ("simulate", "--rate", "1", "--requests", "10", "--prompt-tokens", "100",
                                  "--output-tokens", "10")])
def test_a_kv_cache_memory_of_zero_is_refused(cmd):
    for zero in ("0", "0GB"):
        one_line(run(cmd[0], "llama-3.1-8b", "--gpu", "h100", *cmd[1:], "--kv-cache-memory", zero),
                 "--kv-cache-memory 0 leaves no room for the cache (vLLM 0.33 reads 0 as not given: "
                 "`if kv_cache_memory_bytes := ...` in gpu_worker.py determine_available_memory); give a size "
                 "or leave it out")
    assert run(cmd[0], "llama-3.1-8b", "--gpu", "h100", *cmd[1:], "--kv-cache-memory", "1GiB",
               "--max-model-len", "4096").exit_code == 0
