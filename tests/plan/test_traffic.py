"""fit --lengths: allocation strategies on a user's own request lengths, checked by hand."""
import json

import pytest
from typer.testing import CliRunner

from kvplan.plan import traffic
from kvplan.cli import app
from kvplan.errors import KvplanError

PER_TOKEN = 32 * 8 * 256 * 2  # Llama-3.1-8B: 32 layers × 8 KV heads × (128 + 128) values × 2 bytes


def run(*args):
    return CliRunner().invoke(app, list(args))


def test_strategies_by_hand(tmp_path):
    f = tmp_path / "lengths.txt"
    f.write_text("100\n200\n\n300\n")
    res = run("fit", "llama-3.1-8b", "--gpu", "h100", "--lengths", str(f), "--kv-cache-memory", "1GiB",
              "--max-model-len", "1024", "--json")
    assert res.exit_code == 0, res.output
    t = {s["strategy"]: s for s in json.loads(res.stdout)["traffic"]["strategies"]}
    written = 600 * PER_TOKEN
    # contiguous: 3 × 1,024 reserved for 600 written: 1 − 600 / 3,072
    assert t["contiguous"]["reserved_bytes"] == 3 * 1024 * PER_TOKEN
    assert t["contiguous"]["waste"] == 1 - 600 / 3072
    # padded: the batch pads every request to the longest, 300: 1 − 600 / 900
    assert t["padded"]["reserved_bytes"] == 900 * PER_TOKEN and t["padded"]["waste"] == pytest.approx(1 / 3)
    # vLLM's 16-token blocks: 112 + 208 + 304 = 624 tokens; TensorRT-LLM's 32: 128 + 224 + 320 = 672
    assert t["paged 16"]["reserved_bytes"] == 624 * PER_TOKEN
    assert t["paged 32"]["reserved_bytes"] == 672 * PER_TOKEN
    assert t["token"]["reserved_bytes"] == written and t["token"]["waste"] == 0
    assert all(s["written_bytes"] == written and s["fit_at_once"] == 3 for s in t.values())


def test_fit_at_once_stops_at_the_budget():
    # budget of 1,000 tokens' bytes; requests 300, 300, 300, 300 in 16-token blocks take 304 each:
    # three fit (912), the fourth would not; contiguous at 512 fits one (two would be 1,024)
    def cost(n):
        return n * 10

    s = {x.name: x for x in traffic.strategies([300] * 4, cost, 10_000, 512, [16])}
    assert s["paged 16"].fit_at_once == 3 and s["paged 16"].reserved_bytes == 3 * 304 * 10
    assert s["contiguous"].fit_at_once == 1
    assert s["token"].fit_at_once == 3  # 4 × 300 = 1,200 > 1,000


def test_shared_prefix_counts_whole_blocks_for_paging():
    # 3 requests of 100 tokens sharing a 40-token prompt; 16-token blocks share 32 tokens (2 whole
    # blocks), the token pool all 40: paged reserves 112 + 2 × (112 − 32), token 100 + 2 × 60
    def cost(n):
        return n

    s = {x.name: x for x in traffic.strategies([100] * 3, cost, 10_000, 512, [16], shared_prefix=40)}
    assert s["paged 16"].reserved_bytes == 112 + 2 * 80
    assert s["token"].reserved_bytes == 100 + 2 * 60
    assert s["token"].shared_bytes == 2 * 40


def test_distributions_are_seeded_and_clipped():
    a, note = traffic.parse_lengths("uniform:512-8192", 8192, 200, seed=1)
    b, _ = traffic.parse_lengths("uniform:512-8192", 8192, 200, seed=1)
    assert a == b and len(a) == 200 and min(a) >= 512 and max(a) <= 8192
    c, note = traffic.parse_lengths("normal:4000,3000", 4096, 500)
    assert max(c) == 4096 and min(c) >= 1 and "clipped" in note
    d, _ = traffic.parse_lengths("lognormal:1000,0.5", 100_000, 100)
    assert all(x >= 1 for x in d)


def test_csv_lengths(tmp_path):
    f = tmp_path / "t.csv"
    f.write_text("prompt_tokens,output_tokens\n100,28\n0,5\n")
    assert traffic.parse_lengths(str(f), 4096)[0] == [128, 5]


@pytest.mark.parametrize("spec,msg", [
    ("zipf:1,2", "unknown distribution 'zipf'"),
    ("uniform:9-3", "1 <= A <= B"),
    ("normal:4096", "needs two numbers"),
    ("lognormal:0,1", "median > 0"),
])
def test_bad_distributions(spec, msg):
    with pytest.raises(KvplanError, match=msg):
        traffic.parse_lengths(spec, 8192)


@pytest.mark.parametrize("body,msg", [
    ("", "holds no request lengths"),
    ("100\n-5\n", "line 2: a length must be a positive integer, got '-5'"),
    ("100\n2.5\n", "got '2.5'"),
    ("100\n99999\n", "request 2 has 99,999 tokens, beyond the context limit of 8,192"),
    ("a,b\n1,2\n", "prompt_tokens and output_tokens"),
])
def test_bad_files(tmp_path, body, msg):
    f = tmp_path / "x.txt"
    f.write_text(body)
    with pytest.raises(KvplanError, match=msg):
        traffic.parse_lengths(str(f), 8192)


def test_cli_bad_lengths_is_one_line(tmp_path):
    res = run("fit", "llama-3.1-8b", "--gpu", "h100", "--lengths", "zipf:1,2")
    assert res.exit_code == 2 and res.stderr.count("\n") == 1 and "unknown distribution" in res.stderr
    res = run("fit", "llama-3.1-8b", "--gpu", "h100", "--lengths", str(tmp_path / "missing.txt"))
    assert res.exit_code == 2 and res.stderr.count("\n") == 1 and "--lengths: no such file: " in res.stderr
