"""Session 17's walk as a new user at 80 columns: what it found, each checked through the CLI."""
import pytest
from typer.testing import CliRunner

from kvplan.cli import app

runner = CliRunner()


def run(*args, width=80):
    return runner.invoke(app, list(args), env={"COLUMNS": str(width), "NO_COLOR": "1", "TERM": "dumb"})


# `kvplan perf llama-3.1-8b --gpu h100 --ctx 4096 --engine foo --batch-table` printed vLLM's batch
# table, exit 0: an unknown --engine was priced and planned as vLLM without a word; so was
# --engine SGLang (fit and size take the name in any case).
def test_perf_refuses_an_unknown_engine():
    from kvplan import api
    from kvplan.errors import KvplanError

    with pytest.raises(KvplanError, match="unknown engine 'foo'"):
        api.perf("llama-3.1-8b", "h100", 4096, engine="foo")
    for extra in ([], ["--batch-table"], ["--json"]):
        r = run("perf", "llama-3.1-8b", "--gpu", "h100", "--ctx", "4096", "--engine", "foo", *extra)
        assert r.exit_code == 2 and r.output == (
            "kvplan: error: unknown engine 'foo'; known: ideal, hf, hf-static, vllm, sglang, trtllm, llamacpp\n")
    same = [run("perf", "llama-3.1-8b", "--gpu", "h100", "--ctx", "4096", "--engine", e, "--batch-table")
            for e in ("sglang", "SGLang")]
    assert same[0].exit_code == 0 and same[0].output == same[1].output
    assert "sglang's memory plan fits" in same[1].output


# `kvplan sweep llama-3.1-8b --ctx 4K --batch 99 --gpu h100 --engine SGLang` priced the decode step
# with vLLM's latency profile (32.87 ms) where --engine sglang gives SGLang's (26.40 ms): the step
# model's engine was matched case-sensitively and fell back to vLLM; the fits column was SGLang's.
def test_sweep_prices_the_engine_named_in_any_case():
    args = ["sweep", "llama-3.1-8b", "--ctx", "4K", "--batch", "1,99", "--gpu", "h100", "--json"]
    lower, mixed = run(*args, "--engine", "sglang"), run(*args, "--engine", "SGLang")
    assert lower.exit_code == 0 and mixed.exit_code == 0
    assert lower.stdout == mixed.stdout
