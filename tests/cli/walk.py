"""The new-user walks' CLI helpers (test_walk15 ... test_walk20): one home for how a walk runs a command at a
terminal's width and checks a one-line refusal."""
from typer.testing import CliRunner

from kvplan.cli import app

runner = CliRunner()


def run(*args, width=80):
    return runner.invoke(app, list(args), env={"COLUMNS": str(width), "NO_COLOR": "1", "TERM": "dumb"})


def one_line(r, text):
    assert r.exit_code == 2 and r.output == f"kvplan: error: {text}\n", r.output
