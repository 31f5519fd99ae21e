"""No traceback, ever: a few hundred random argument lists through the CLI."""
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from kvplan.cli import app

WORDS = ["size", "fit", "show", "models", "gpus", "import", "llama-3.1-8b", "gemma-2-9b", "deepseek-v3",
         "nemotron-3-nano", "h100", "a100", "--gpu", "--ctx", "--batch", "--tp", "--pp", "--engine", "vllm",
         "hf", "hf-static", "trtllm", "all", "ideal", "--kv-dtype", "fp8", "q4_0", "--kv-cache-memory",
         "8GiB", "--max-model-len", "128k", "0", "-1", "4096.5", "1e9", "", "--json", "--explain",
         "--lengths", "uniform:1-9", "zipf:1", "--block-size", "7", "--weight-dtype", "mxfp4",
         "--gpu-memory-utilization", "1.5", "0.5", "/nonexistent", "--text-only", "-h", "--version",
         "llamacpp", "--parallel", "-np", "--kv-unified", "-ctk", "q8_0", "--swa-full", "gpt-oss-20b",
         "perf", "compare", "sweep", "--variants", "gqa:2", "1:8", "check-log", "-"]


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(st.sampled_from(WORDS), st.text(max_size=12)), max_size=7))
def test_no_traceback(args):
    res = CliRunner().invoke(app, args)
    assert "Traceback" not in res.output
    assert res.exception is None or isinstance(res.exception, SystemExit), (args, repr(res.exception))
    assert res.exit_code in (0, 1, 2), (args, res.exit_code)
