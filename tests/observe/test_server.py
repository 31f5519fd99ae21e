"""kvplan check-server against a real HTTP server on 127.0.0.1 serving vLLM 0.33.0's pages.

tests/data/vllm_0.33.0_metrics.txt and vllm_0.33.0_models.json were written by vLLM 0.33.0's own
CacheConfig.metrics_info / ModelList and prometheus_client (scripts/oracles/vllm/metrics_page.py),
with the figures of a real start-up log (Llama-3.1-8B on an A100 40GB, enforce-eager,
max_num_batched_tokens 8192: 157,936 tokens = 9,871 blocks of 16).
"""
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from typer.testing import CliRunner

from conftest import ROOT
from kvplan.observe import server
from kvplan.cli import app
from kvplan.errors import KvplanError

pytest.importorskip("prometheus_client")
runner = CliRunner()
DATA = ROOT / "tests" / "data"
PAGES = {"/metrics": (DATA / "vllm_0.33.0_metrics.txt").read_bytes(),
         "/v1/models": (DATA / "vllm_0.33.0_models.json").read_bytes()}


def serve(pages):
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            body = pages.get(self.path)
            self.send_response(200 if body is not None else 404)
            self.end_headers()
            self.wfile.write(body or b"not found")

        def log_message(self, *a):
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return httpd


@pytest.fixture
def vllm():
    httpd = serve(PAGES)
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def test_reads_cache_config_and_model(vllm):
    labels, usage, card = server.read(vllm)
    assert labels["num_gpu_blocks"] == "9871" and labels["block_size"] == "16"
    assert labels["gpu_memory_utilization"] == "0.9" and labels["kv_cache_size_tokens"] == "157936"
    assert usage == 0.0
    assert card["root"] == "meta-llama/Llama-3.1-8B-Instruct" and card["max_model_len"] == 131072


def test_check_server_beside_the_plan(vllm):
    r = runner.invoke(app, ["check-server", vllm, "--gpu", "a100-sxm-40gb", "--enforce-eager",
                            "--max-num-batched-tokens", "8192", "--json"])
    assert r.exit_code == 0, r.output
    d = json.loads(r.stdout)
    assert d["model"] == "llama-3.1-8b" and d["gpu"] == "a100-sxm-40gb"
    figs = {f["key"]: f for f in d["figures"]}
    assert figs["gpu_blocks"]["reported"] == 9871 and figs["kv_tokens"]["reported"] == 157_936
    # the same plan as check-log on the log these figures came from (tests/observe/test_logs.py): 156,368 tokens
    # (156,624 before vLLM's 32 MiB rotary table was priced with the weights: 256 tokens of 128 KiB)
    # (159,392 before session 11's sampler from vLLM's code and 0.14 GiB non-torch; 162,720 before issue 20:
    # nvidia-smi's total; now CUDA's, the deviceQuery 42,298,834,944 bytes)
    assert figs["kv_tokens"]["kvplan"] == 156_368 and figs["gpu_blocks"]["kvplan"] == 156_368 // 16
    assert abs(figs["kv_tokens"]["error_pct"]) < 5.0  # in sample (engines/vllm/startup.yaml)
    assert d["flags"]["gpu_memory_utilization"] == "0.9" and d["flags"]["max_model_len"] == 131072
    assert "KV cache in use now: 0.0 % (vllm:kv_cache_usage_perc)" in d["notes"]


def test_table(vllm):
    r = runner.invoke(app, ["check-server", vllm + "/metrics", "--gpu", "a100-sxm-40gb", "--enforce-eager",
                            "--max-num-batched-tokens", "8192"])
    assert r.exit_code == 0, r.output
    assert "num_gpu_blocks" in r.stdout and "9,871" in r.stdout and "9,773" in r.stdout


def test_server_down_is_one_line():
    httpd = serve(PAGES)
    url = f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()  # the port is closed now: connection refused
    r = runner.invoke(app, ["check-server", url, "--gpu", "h100", "--timeout", "2"])
    assert r.exit_code == 2
    assert r.stderr.count("\n") == 1 and f"cannot reach {url}/metrics" in r.stderr
    assert "is the server running?" in r.stderr


def test_not_vllms_page_is_one_line():
    httpd = serve({"/metrics": b"# TYPE up gauge\nup 1\n"})
    try:
        url = f"http://127.0.0.1:{httpd.server_address[1]}"
        r = runner.invoke(app, ["check-server", url, "--gpu", "h100"])
        assert r.exit_code == 2 and r.stderr.count("\n") == 1
        assert "is not a vLLM metrics page (no vllm:cache_config_info)" in r.stderr
        with pytest.raises(KvplanError, match="not a Prometheus metrics page"):
            server.parse_metrics("{json: 1}\n", "x")
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_no_models_endpoint_needs_model():
    httpd = serve({"/metrics": PAGES["/metrics"]})
    try:
        url = f"http://127.0.0.1:{httpd.server_address[1]}"
        r = runner.invoke(app, ["check-server", url, "--gpu", "a100-sxm-40gb"])
        assert r.exit_code == 2 and "names no model; give --model" in r.stderr
        r = runner.invoke(app, ["check-server", url, "--gpu", "a100-sxm-40gb", "--model", "llama-3.1-8b", "--json"])
        assert r.exit_code == 0 and json.loads(r.stdout)["model"] == "llama-3.1-8b"
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_timeout_is_one_line():
    import socket

    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen(1)  # accepts the connection, never answers
    try:
        url = f"http://127.0.0.1:{s.getsockname()[1]}"
        r = runner.invoke(app, ["check-server", url, "--gpu", "h100", "--timeout", "0.5"])
        assert r.exit_code == 2 and r.stderr.count("\n") == 1
        assert "did not answer within 0.5 s" in r.stderr or "timed out" in r.stderr
    finally:
        s.close()


def test_url_forms(vllm):
    labels, _, _ = server.read(vllm.removeprefix("http://"))  # host:port alone is http
    assert labels["num_gpu_blocks"] == "9871"
    with pytest.raises(KvplanError, match="reads http:// or https:// URLs"):
        server.read("ftp://127.0.0.1/")


def test_readme_block_is_current(vllm):
    """docs/commands/check-server.md's output is this command's, against this loopback server."""
    import os
    import re
    import shutil
    import subprocess
    import sys

    exe = shutil.which("kvplan") or os.path.join(os.path.dirname(sys.executable), "kvplan")
    env = {**os.environ, "COLUMNS": "140", "NO_COLOR": "1", "TERM": "dumb"}
    p = subprocess.run([exe, "check-server", vllm, "--gpu", "a100-sxm-40gb", "--enforce-eager",
                        "--max-num-batched-tokens", "8192"], capture_output=True, text=True, env=env)
    readme = (ROOT / "docs" / "commands" / "check-server.md").read_text()
    block = re.search(r"```text\n\$ kvplan check-server http://127.0.0.1:PORT [^\n]*\n(.*?)```", readme, re.S)
    assert block.group(1) == p.stdout + p.stderr
