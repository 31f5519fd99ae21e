"""kvplan plan: prices as data with their quotes, hand-checkable transfers, a search whose ranking
is by cost among the candidates that meet the SLA, the same on a process pool and on Ray."""
import json
import re
import subprocess
import sys

import pytest
import yaml

from kvplan.errors import KvplanError
from kvplan.engines.launch import serve_command
from kvplan.plan import costs
from kvplan.plan import deploy as d
from kvplan.plan.latency.step import OpLatency
from kvplan.sources import catalog


def workload(**kw):
    base = dict(model="llama-3.1-8b", rate=4.0, prompt_tokens="1024", output_tokens="128",
                ttft_p90_ms=1000.0, itl_p90_ms=60.0, requests=60, prices=costs.load_prices())
    base.update(kw)
    return d.Workload(**base)


# ---- data -----------------------------------------------------------------------------------------
def test_every_price_is_the_quoted_per_second_rate_times_3600():
    doc = yaml.safe_load((catalog.specs_dir() / "gpu_prices.yaml").read_text())
    assert doc["source"].startswith("https://")
    for name, row in doc["prices"].items():
        catalog.load_gpu(name)  # a GPU kvplan knows
        active = re.findall(r"\$([0-9.]+)", row["quote"])[1]  # flex, then active per second
        assert row["usd_per_hour"] == pytest.approx(float(active) * 3600, abs=1e-9), name


def test_prices_can_be_overridden_and_bad_files_are_one_line(tmp_path):
    f = tmp_path / "p.yaml"
    f.write_text("prices:\n  h100: {usd_per_hour: 1.5, source: my contract}\n")
    assert costs.load_prices(f) == {"h100-sxm-80gb": (1.5, "my contract")}
    f.write_text("prices:\n  h100: {usd_per_hour: -1}\n")
    with pytest.raises(KvplanError, match="must be a number > 0"):
        costs.load_prices(f)
    f.write_text("prices:\n  nosuchgpu: {usd_per_hour: 1}\n")
    with pytest.raises(KvplanError, match="unknown GPU"):
        costs.load_prices(f)


def test_kv_transfer_is_bytes_over_the_links_one_way_bandwidth():
    h100 = catalog.load_gpu("h100")
    gb = 10**9
    assert costs.link_seconds("infiniband", h100, gb) == pytest.approx(gb / 50e9)  # 400 Gb/s = 50 GB/s
    assert costs.link_seconds("nvlink", h100, gb) == pytest.approx(gb / (h100.interconnect_bytes_per_s / 2))
    assert costs.link_seconds("ethernet", h100, gb) == pytest.approx(8 * gb / 12.5e9)  # 8 GPUs share 100 Gb/s
    with pytest.raises(KvplanError, match="no NVLink"):
        costs.link_seconds("nvlink", catalog.load_gpu("l40s"), gb)


def test_a_decode_pool_prices_an_arriving_prompt_as_one_decode_row():
    spec, gpu = catalog.load_model("llama-3.1-8b"), catalog.load_gpu("h100")
    rf = OpLatency(spec, gpu)
    side = d.DecodeSide(rf)
    assert side.mixed_sum([(0, 2048)], 3, 3000, seconds=True) == rf.mixed_sum([], 4, 5048, seconds=True)
    assert side.mixed([(0, 2048)], [1000]).seconds == rf.mixed([], [1000, 2048]).seconds


def test_launch_commands_use_each_engines_flags():
    assert serve_command("vllm", "m/x", 2, 64) == "vllm serve m/x --tensor-parallel-size 2 --max-num-seqs 64"
    assert serve_command("sglang", "m/x", 2, 64, "decode") == (
        "python -m sglang.launch_server --model-path m/x --tp 2 --max-running-requests 64 "
        "--disaggregation-mode decode")
    assert "NixlConnector" in serve_command("vllm", "m/x", 1, None, "prefill")


# ---- the search -----------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def small():
    w = workload()
    tasks = d.tasks_for(["h100", "l40s"], (1, 2), (64,))
    return w, tasks, d.search(w, tasks, workers=1)


def test_survivors_meet_the_sla_and_rank_by_cost(small):
    w, tasks, res = small
    assert res.ranked and res.simulated >= len(tasks)
    for c in res.ranked:
        assert c.meets and c.ttft_p90_ms <= w.ttft_p90_ms and c.itl_p90_ms <= w.itl_p90_ms
        assert not c.saturated
        # cost per million output tokens: GPUs × $/h over the offered output tokens per hour
        assert c.usd_per_m_output == pytest.approx(c.gpus * w.prices[c.gpu][0] / (c.offered_output_tokens_per_s * 3600) * 1e6)
    costs = [c.usd_per_m_output for c in res.ranked]
    assert costs == sorted(costs)
    # a configuration's replica scan stops at the first count that meets the SLA
    for c in res.candidates:
        if c.meets:
            later = [x for x in res.candidates if (x.mode, x.gpu, x.tp, x.prefill_tp, x.max_num_seqs) ==
                     (c.mode, c.gpu, c.tp, c.prefill_tp, c.max_num_seqs) and x.gpus > c.gpus]
            assert not later


def test_a_process_pool_gives_the_same_plan(small):
    w, tasks, res = small
    assert d.search(w, tasks, workers=2).candidates == res.candidates


def test_an_impossible_sla_ranks_nothing_and_explains_why():
    from kvplan.render.deploy import render, verdicts

    w = workload(itl_p90_ms=0.5)
    res = d.search(w, d.tasks_for(["h100"], (1,), (64,), disaggregated=False), workers=1)
    assert not res.ranked
    assert any("ITL p90" in v and "> 0.5 ms" in v for v in verdicts(res))
    assert "no deployment met the SLA" in render(res)


def test_a_cheaper_price_changes_the_winner(small):
    w, tasks, res = small
    cheap = dict(w.prices, **{"l40s": (0.01, "test")})
    res2 = d.search(d.Workload(**{**{k: getattr(w, k) for k in (
        "model", "rate", "prompt_tokens", "output_tokens", "ttft_p90_ms", "itl_p90_ms", "requests")}, "prices": cheap}),
        tasks, workers=1)
    assert res2.ranked[0].gpu == "l40s"


def test_the_ray_path_gives_the_same_plan_on_a_local_ray(small):
    ray = pytest.importorskip("ray")
    w, tasks, res = small
    ray.init(num_cpus=1, include_dashboard=False, log_to_driver=False)
    try:
        got = d.search(w, tasks[:2], ray_address="auto")
    finally:
        ray.shutdown()
    assert got.candidates == d.search(w, tasks[:2], workers=1).candidates
    assert got.workers.startswith("Ray cluster")


# ---- the command ------------------------------------------------------------------------------------
ARGS = ["llama-3.1-8b", "--rate", "4", "--prompt-tokens", "1024", "--output-tokens", "128",
        "--ttft-p90", "1000", "--itl-p90", "60", "--gpus", "h100", "--tp", "1", "--max-num-seqs", "64",
        "--requests", "60", "--workers", "1"]


def cli(*args):
    return subprocess.run([sys.executable, "-m", "kvplan", "plan", *args], capture_output=True, text=True)


def test_plan_prints_the_best_command_and_explains_line_by_line():
    r = cli(*ARGS, "--explain")
    assert r.returncode == 0, r.stderr
    # the command is folded to the width with ` \` continuations (render.deploy.shell_lines)
    assert "vllm serve meta-llama/Meta-Llama-3.1-8B --tensor-parallel-size 1 --max-num-seqs 64" in \
        r.stdout.replace(" \\\n  ", " ")
    why = r.stdout.split("why:\n")[1]
    assert why.startswith("#1 ") and "won: the cheapest" in " ".join(why.split())
    table = r.stdout.split("\n\n")[1].splitlines()
    assert all(len(line) <= 80 for line in table)


def test_plan_json_is_valid():
    r = cli(*ARGS, "--json", "--no-disaggregated")
    doc = json.loads(r.stdout)
    assert doc["ranked"][0]["rank"] == 1 and doc["ranked"][0]["commands"]
    assert doc["simulated"] == len(doc["candidates"])


@pytest.mark.parametrize("extra,msg", [
    (["--link", "wifi"], "--link must be one of"),
    (["--engine", "trtllm"], "--engine must be vllm or sglang"),
    (["--prices", "/nonexistent.yaml"], "--prices: cannot read"),
    (["--gpus", "t4"], "no hourly price for t4"),
])
def test_bad_input_is_one_line_and_exit_2(extra, msg):
    r = cli(*ARGS, *extra)
    assert r.returncode == 2 and msg in r.stderr and len(r.stderr.strip().splitlines()) == 1, r.stderr
