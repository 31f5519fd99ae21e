"""The Python API (kvplan.size / kvplan.plan.fit / kvplan.load_model) and shell completion."""
import contextlib
import io
import json
import os
import re
import shutil
import subprocess
import sys

import pytest
from typer.testing import CliRunner

import kvplan
from conftest import ROOT
from kvplan.render import tables as render
from kvplan.cli import app
from kvplan.errors import KvplanError

runner = CliRunner()
# the console script: completion is keyed to the program's name (_KVPLAN_COMPLETE)
KVPLAN = shutil.which("kvplan") or os.path.join(os.path.dirname(sys.executable), "kvplan")


def test_size_is_the_clis_report():
    r = kvplan.size("llama-13b", ctx=4096, kv_dtype="fp16")
    cli = json.loads(runner.invoke(app, ["size", "llama-13b", "--ctx", "4096", "--kv-dtype", "fp16", "--json"]).stdout)
    assert render.size_json(r) == {k: v for k, v in cli.items() if k != "kvplan_version"}
    assert r.kv_cache_bytes == 3_355_443_200  # 40 layers × 4,096 × 2 × 40 heads × 128 × 2 bytes


def test_fit_is_the_clis_report():
    f = kvplan.fit("llama-3.1-8b", gpu="h100", ctx=8192, max_model_len=32768)
    cli = json.loads(runner.invoke(app, ["fit", "llama-3.1-8b", "--gpu", "h100", "--ctx", "8192",
                                         "--max-model-len", "32768", "--json"]).stdout)
    assert render.fit_json(f) == {k: v for k, v in cli.items() if k != "kvplan_version"}


def test_load_model_and_spec_passthrough():
    spec = kvplan.load_model("llama-3.1-8b")
    assert spec.num_layers == 32 and kvplan.load_model(spec) is spec
    assert kvplan.size(spec, ctx=1).model == "llama-3.1-8b"


def test_fit_is_the_api_function_and_the_planner_a_module():
    from kvplan import api
    from kvplan.plan import fit

    assert kvplan.fit is api.fit and callable(fit.fit) and fit.FitReport is not None
    assert not callable(fit)


def test_bad_input_raises_kvplan_error():
    with pytest.raises(KvplanError, match="unknown option"):
        kvplan.fit("llama-3.1-8b", gpu="h100", ctx=8192, max_modle_len=1)
    with pytest.raises(KvplanError, match="unknown model"):
        kvplan.size("no-such-model-x", ctx=1)
    with pytest.raises(KvplanError, match="a model is a name"):
        kvplan.load_model(42)


def test_import_kvplan_stays_light():
    code = "import sys, kvplan; print(sorted(m for m in sys.modules if m.startswith(('kvplan', 'pydantic', 'typer', 'rich'))))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert out.stdout.strip() == "['kvplan']", out.stdout + out.stderr


def readme_python():
    text = (ROOT / "README.md").read_text()
    m = re.search(r"<!-- python-example -->\n```python\n(.*?)```\n\nprints:\n\n```text\n(.*?)```", text, re.S)
    return m.group(1), m.group(2)


def test_readme_python_example_runs():
    code, printed = readme_python()
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code, "README.md", "exec"), {})
    assert out.getvalue() == printed


def test_shell_completion_completes_commands_models_and_gpus():
    env = {**os.environ, "_KVPLAN_COMPLETE": "complete_bash", "COMP_WORDS": "kvplan che", "COMP_CWORD": "1"}
    run = [KVPLAN]
    out = subprocess.run(run, capture_output=True, text=True, env=env, cwd=ROOT).stdout.split()
    assert sorted(out) == ["check-bench", "check-log", "check-server"]
    env.update(COMP_WORDS="kvplan size llama-3.1-", COMP_CWORD="2")
    out = subprocess.run(run, capture_output=True, text=True, env=env, cwd=ROOT).stdout.split()
    assert out == ["llama-3.1-405b", "llama-3.1-70b", "llama-3.1-8b"]
    env.update(COMP_WORDS="kvplan fit x --gpu h200", COMP_CWORD="4")
    out = subprocess.run(run, capture_output=True, text=True, env=env, cwd=ROOT).stdout.split()
    assert out and all(g.startswith("h200") for g in out)


def test_show_completion_prints_a_script():
    # typer detects the shell from the parent processes (shellingham) and ignores a shell name
    # after the flag, so run it from bash, as a user does (`; exit $?` keeps bash from exec-ing it
    # away); from a pytest with no shell above it, detection fails ("Shell  not supported")
    r = subprocess.run(["bash", "-c", f"'{KVPLAN}' --show-completion; exit $?"], capture_output=True,
                       text=True, cwd=ROOT)
    assert r.returncode == 0 and "_KVPLAN_COMPLETE=complete_bash" in r.stdout


def test_every_command_has_its_function_in_the_api():
    # issue 19: the API is the door; everything the CLI does a notebook can do
    for name in ("load_model", "load_gpu", "models", "gpus", "engine_names", "size", "size_all", "fit",
                 "traffic", "perf", "compare", "sweep", "simulate", "check_log", "check_server",
                 "import_config", "dump_spec", "KvplanError"):
        assert name in kvplan.__all__ and getattr(kvplan, name) is not None


def test_engine_all_and_the_same_answer_as_the_cli():
    every = kvplan.size("mistral-7b", ctx=32768, engine="all")
    assert [r.engine for r in every] == kvplan.engine_names()
    out = json.loads(runner.invoke(app, ["size", "mistral-7b", "--ctx", "32768", "--engine", "all",
                                         "--json"]).stdout)
    assert [e["total_bytes"] for e in out["engines"]] == [r.total_bytes for r in every]
    # compare's max batch is fit's, through the API as through the CLI
    (row,) = kvplan.compare("llama-3.1-8b", 32768, gpu="h100")
    assert row["max_batch"] == kvplan.fit("llama-3.1-8b", "h100", ctx=32768).max_batch
    res = kvplan.sweep("llama-3.1-8b", [32768], [row["max_batch"], row["max_batch"] + 1], gpu="h100")
    assert [r["fits"] for r in res["rows"]] == [True, False]
