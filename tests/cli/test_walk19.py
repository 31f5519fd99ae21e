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
