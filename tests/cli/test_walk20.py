"""Session 20's walk as a new user at 80 columns: what it found, each checked through the CLI."""
import json

from typer.testing import CliRunner

from kvplan.cli import app

runner = CliRunner()


def run(*args, width=80):
    return runner.invoke(app, list(args), env={"COLUMNS": str(width), "NO_COLOR": "1", "TERM": "dumb"})


def one_line(r, text):
    assert r.exit_code == 2 and r.output == f"kvplan: error: {text}\n", r.output


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
