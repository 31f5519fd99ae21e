"""Session 18's walk as a new user at 80 columns: what it found, each checked through the CLI."""
import pytest
from typer.testing import CliRunner

from kvplan.cli import app
from kvplan.errors import KvplanError

runner = CliRunner()
BENCH = "tests/fixtures/bench/vllm_llama-3.2-3b_4xl40s_rate10.json"


def run(*args, width=80):
    return runner.invoke(app, list(args), env={"COLUMNS": str(width), "NO_COLOR": "1", "TERM": "dumb"})


# `kvplan fit llama-3.1-8b --gpu h100 --lengths normal:4096,1024 --requests 100000000` sampled 10^8
# lengths (10^6 took 3.42 s and 70 MB) where simulate and plan refuse past 1,000,000; and
# check-bench --max-requests took any count. One rule (plan/traffic.py MAX_REQUESTS) in every command.
def test_every_request_count_has_the_same_limit(monkeypatch):
    from kvplan.plan import fit, traffic as tr
    from kvplan.sources import catalog

    def never(*a, **k):
        raise AssertionError("lengths sampled past the limit")

    monkeypatch.setattr(tr, "parse_lengths", never)
    with pytest.raises(KvplanError, match=r"^requests 1,000,001 is more than kvplan takes \(1,000,000: "):
        fit.fit(catalog.load_model("llama-3.1-8b"), catalog.load_gpu("h100"), engine="vllm",
                traffic=fit.Traffic("normal:4096,1024", requests=tr.MAX_REQUESTS + 1))
    monkeypatch.undo()
    r = run("fit", "llama-3.1-8b", "--gpu", "h100", "--lengths", "normal:4096,1024", "--requests", "100000000")
    assert r.exit_code == 2 and r.output == (
        "kvplan: error: --requests 100,000,000 is more than kvplan takes (1,000,000: a simulated request holds "
        "about 4.3 kB and costs 0.27 ms, so 4.3 GB and minutes at the most); is it a typo?\n")
    r = run("check-bench", BENCH, "--gpu", "l40s", "--max-requests", "1000001")
    assert r.exit_code == 2 and r.output.startswith(
        "kvplan: error: --max-requests 1,000,001 is more than kvplan takes (1,000,000: ") and r.output.count("\n") == 1
    from kvplan.plan import simulate as sim

    assert sim.MAX_REQUESTS is tr.MAX_REQUESTS and sim.check_requests is tr.check_requests  # one home
