"""The command line: output, JSON validity, one-line errors with non-zero exits, start-up cost."""
import json
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from kvplan.cli import app

runner = CliRunner()


def run(*args):
    return runner.invoke(app, list(args))


def test_size_json_golden():
    r = run("size", "llama-13b", "--ctx", "4096", "--kv-dtype", "fp16", "--json")
    assert r.exit_code == 0, r.output
    d = json.loads(r.stdout)
    assert d["kv_cache_bytes"] == 3355443200
    assert d["state_bytes"] == 0 and d["total_bytes"] == 3355443200
    assert d["parameters"] == 13_015_864_320 and d["weights_bytes"] == 2 * 13_015_864_320
    assert d["model"] == "llama-2-13b" and d["ctx"] == 4096 and d["batch"] == 1 and d["kv_dtype"] == "fp16"
    assert d["layers"] == [{"layer_type": "full", "kind": "full", "label": "full", "count": 40,
                            "geometry": "40×128", "tokens": 4096, "bytes_per_token": 819200,
                            "kv_bytes": 3355443200, "state_bytes": 0, "bytes": 3355443200}]


def test_size_table_says_units():
    r = run("size", "llama-13b", "--ctx", "4096", "--kv-dtype", "fp16")
    assert r.exit_code == 0
    assert "3,355,443,200 bytes = 3.36 GB (3.125 GiB)" in r.stdout


def test_size_defaults_to_model_dtype():
    d = json.loads(run("size", "llama-3.1-8b", "--ctx", "1", "--json").stdout)
    assert d["kv_dtype"] == "bf16"


def test_explain_substitutes_numbers():
    r = run("size", "gemma-2-9b", "--ctx", "8192", "--explain")
    assert "local: 21 × 1 × 4,096 × (8 × 512 + 8 × 512) = 704,643,072" in r.stdout
    assert "global: 21 × 1 × 8,192 × (8 × 512 + 8 × 512) = 1,409,286,144" in r.stdout


def test_config_json_path(tmp_path):
    from conftest import FIXTURES

    r = run("size", str(FIXTURES / "Llama-3.1-8B.json"), "--ctx", "131072", "--json")
    assert json.loads(r.stdout)["kv_cache_bytes"] == 17_179_869_184
    d = tmp_path / "llama"
    d.mkdir()
    (d / "config.json").write_text((FIXTURES / "Llama-3.1-8B.json").read_text())
    assert json.loads(run("size", str(d), "--ctx", "8192", "--kv-dtype", "fp8", "--json").stdout)[
        "kv_cache_bytes"] == 536_870_912


@pytest.mark.parametrize("args,message", [
    (["size", "llama-14b", "--ctx", "10"], "unknown model 'llama-14b'; did you mean: llama-2-13b"),
    (["size", "llama-13b", "--ctx", "0"], "--ctx must be a positive whole number, got '0'"),
    (["size", "llama-13b", "--ctx", "-3"], "--ctx must be a positive whole number"),
    (["size", "llama-13b", "--ctx", "4.5"], "--ctx must be a positive whole number, got '4.5'"),
    (["size", "llama-13b", "--ctx", "lots"], "--ctx must be a positive whole number"),
    (["size", "llama-13b", "--ctx", "10", "--batch", "0"], "--batch must be a positive whole number"),
    (["size", "llama-13b", "--ctx", "10", "--kv-dtype", "fp7"], "unknown dtype 'fp7'"),
    (["size", "llama-13b", "--ctx", "10", "--kv-dtype", ""], "unknown dtype ''"),
    (["size", "llama-13b", "--ctx", "10", "--weight-dtype", "q3"], "unknown dtype 'q3'"),
    (["size", "llama-13b", "--ctx", "10", "--engine", "tgi"], "unknown engine 'tgi'"),
    (["size", "/no/such/config.json", "--ctx", "10"], "no such file: /no/such/config.json"),
    (["size", "missing.yaml", "--ctx", "10"], "no such file: missing.yaml"),
    (["show", "gpt-5"], "unknown model 'gpt-5'"),
])
def test_errors_are_one_line(args, message):
    r = run(*args)
    assert r.exit_code == 2
    assert r.stdout == ""
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], r.stderr


def test_inconsistent_yaml_spec(tmp_path):
    from kvplan.sources import catalog

    p = tmp_path / "bad.yaml"
    p.write_text((catalog.specs_dir() / "models" / "llama-2-7b.yaml").read_text()
                 .replace("num_kv_heads: 32", "num_kv_heads: 6"))
    r = run("size", str(p), "--ctx", "10")
    assert r.exit_code == 2 and "bad.yaml" in r.stderr and "num_kv_heads (6)" in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1


def test_malformed_config_json(tmp_path):
    p = tmp_path / "config.json"
    p.write_text("{not json")
    r = run("size", str(p), "--ctx", "10")
    assert r.exit_code == 2 and "malformed JSON" in r.stderr


@pytest.mark.parametrize("cmd", [["models", "--json"], ["gpus", "--json"], ["show", "deepseek-v3", "--json"],
                                 ["size", "nemotron-h-56b", "--ctx", "9000", "--json", "--engine", "hf"]])
def test_json_is_valid(cmd):
    r = run(*cmd)
    assert r.exit_code == 0
    json.loads(r.stdout)


def test_models_and_gpus_tables():
    assert "llama-2-13b" in run("models").stdout
    out = run("gpus").stdout
    assert "h100-sxm-80gb" in out and "dense" in out


def test_show_prints_pattern_and_source():
    out = run("show", "gemma-2-9b").stdout
    assert "42 layers: (local global)*21" in out
    assert "https://huggingface.co/google/gemma-2-9b-it/blob/main/config.json" in out


def test_import_roundtrip(tmp_path):
    from conftest import FIXTURES

    r = run("import", str(FIXTURES / "gpt-oss-20b.json"), "--name", "my-oss")
    assert r.exit_code == 0
    p = tmp_path / "my-oss.yaml"
    p.write_text(r.stdout)
    d = json.loads(run("size", str(p), "--ctx", "1000", "--json").stdout)
    assert d["model"] == "my-oss"


@pytest.mark.parametrize("args", [["--json"], [], ["--engine", "vllm"]])
def test_size_does_not_import_heavy_modules(args):
    # a catalog query: no torch/numpy/matplotlib, and no pydantic (catalog specs are trusted),
    # no PyYAML (the JSON bundle), no rich (tables are plain text), no dataclasses (kvplan's
    # records are kvplan.model.frozen.record: no code generated at every start)
    code = ("import sys; from kvplan.cli import app\n"
            f"try:\n    app(['size', 'llama-13b', '--ctx', '4096', *{args!r}])\nexcept SystemExit:\n    pass\n"
            "heavy = sorted(m for m in ('torch', 'numpy', 'matplotlib', 'transformers', 'pydantic', 'yaml',"
            " 'rich.console', 'rich.table', 'dataclasses') if m in sys.modules)\n"
            "sys.stderr.write(repr(heavy))")
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert p.stderr.strip().splitlines()[-1] == "[]"


def test_a_run_builds_only_the_command_it_runs(monkeypatch):
    from kvplan import cli

    everything = len(cli.app.registered_commands)
    assert everything > 10
    one = cli._for(["size", "llama-13b", "--ctx", "4096"])
    assert [c.callback.__name__ for c in one.registered_commands] == ["size"]
    assert [c.name for c in cli._for(["--json", "check-log", "x.log"]).registered_commands] == ["check-log"]
    assert [c.name for c in cli._for(["import", "config.json"]).registered_commands] == ["import"]
    assert len(cli.app.registered_commands) == everything  # the shared app is left whole
    for argv in ([], ["-h"], ["--version"], ["sise"]):  # the overview and an unknown name: everything
        assert cli._for(argv) is cli.app
    monkeypatch.setenv("_KVPLAN_COMPLETE", "complete_bash")  # shell completion lists every command
    assert cli._for(["size"]) is cli.app


def test_each_command_is_where_the_table_of_modules_says():
    # main() imports only the module of the command asked for, by cli._MODULES: a command left out
    # of the table (or listed under the wrong module) would be missing from its own run
    from typer.main import get_command_name

    from kvplan import cli

    registered = {}
    for c in cli.app.registered_commands:
        registered.setdefault(c.callback.__module__.rsplit(".", 1)[-1], []).append(
            c.name or get_command_name(c.callback.__name__))
    assert registered == {m: list(names) for m, names in cli._MODULES.items()}
    assert list(registered) == list(cli._MODULES)  # the order of `kvplan --help`


@pytest.mark.parametrize("argv,loaded,not_loaded", [
    (["size", "gpt2", "--ctx", "8", "--json"], "memory", "speed"),
    (["size", "gpt2", "--ctx", "8"], "memory", "fit"),  # fit's 55 options are not built for a size run
    (["fit", "gpt2", "--gpu", "h100", "--ctx", "8", "--json"], "fit", "memory"),
    (["gpus", "--json"], "catalog", "memory"),
    (["sise"], "bench", None),  # an unknown command: every module, so click can say so
])
def test_a_run_imports_the_module_of_its_command_only(argv, loaded, not_loaded):
    code = ("import sys; from kvplan import cli; sys.argv = ['kvplan', *%r]\n"
            "try:\n    cli.main()\nexcept SystemExit:\n    pass\n"
            "sys.stderr.write(repr(sorted(m.rsplit('.', 1)[-1] for m in sys.modules if m.startswith('kvplan.cli.'))))"
            % (argv,))
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    modules = eval(p.stderr.strip().splitlines()[-1])
    assert loaded in modules
    if not_loaded is None:
        assert set(cli_modules()) <= set(modules)
    else:
        assert not_loaded not in modules


def test_importing_the_cli_leaves_typer_to_main():
    # main() turns the collector off and then imports typer (the collections during typer's import
    # cost about 5% of it: docs/performance.md); `import kvplan.cli` alone must not import it first
    code = "import sys, kvplan.cli; sys.stderr.write(repr('typer' in sys.modules))"
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert p.stderr.strip().splitlines()[-1] == "False"
    code = ("import gc, sys, kvplan.cli\nseen = []\nclass Spy:\n    def find_spec(self, name, *a):\n"
            "        if name == 'typer': seen.append(gc.isenabled())\n        return None\n"
            "sys.meta_path.insert(0, Spy()); sys.argv = ['kvplan', 'models', '--json']\n"
            "try:\n    kvplan.cli.main()\nexcept SystemExit:\n    pass\nsys.stderr.write(repr(seen))")
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert p.stderr.strip().splitlines()[-1] == "[False]"


def cli_modules():
    from kvplan import cli

    return list(cli._MODULES)


def test_the_overview_still_lists_every_command():
    p = subprocess.run([sys.executable, "-m", "kvplan", "-h"], capture_output=True, text=True)
    from kvplan import cli

    for c in cli.app.registered_commands:
        assert f"  {c.name or c.callback.__name__} " in p.stdout


def test_python_dash_m():
    p = subprocess.run([sys.executable, "-m", "kvplan", "size", "gpt2", "--ctx", "1024", "--json"],
                       capture_output=True, text=True)
    assert p.returncode == 0
    # GPT-2: 12 layers × 2 × 12 heads × 64 × 1024 tokens × 4 bytes (fp32)
    assert json.loads(p.stdout)["kv_cache_bytes"] == 12 * 2 * 12 * 64 * 1024 * 4


@pytest.mark.parametrize("args,message", [
    (["size", "llama-13b"], "Missing option '--ctx'"),
    (["size", "llama-13b", "--ctx", "5", "--foo"], "No such option: --foo"),
    (["sise"], "No such command 'sise'"),
])
def test_usage_errors_are_one_line(args, message):
    p = subprocess.run([sys.executable, "-m", "kvplan", *args], capture_output=True, text=True)
    assert p.returncode == 2 and p.stdout == ""
    lines = p.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("kvplan: error: ") and message in lines[0], p.stderr


def test_context_beyond_the_model_warns():
    r = run("size", "gpt2", "--ctx", "5000", "--json")
    assert r.exit_code == 0
    assert "kvplan: warning: ctx 5,000 is beyond gpt2's max_position_embeddings (1,024)" in r.stderr
    assert json.loads(r.stdout)["warnings"] == ["ctx 5,000 is beyond gpt2's max_position_embeddings (1,024)"]


def test_hf_engine_from_the_cli_matches_a_measured_record():
    from conftest import FIXTURES, GOLDEN

    records = json.loads((GOLDEN / "hf_cache_bf16.json").read_text())["records"]
    rec = next(r for r in records if r["config"] == "gemma-2-9b-it.json" and r["ctx"] == 9000 and r["batch"] == 3)
    r = run("size", str(FIXTURES / "gemma-2-9b-it.json"), "--ctx", "9000", "--batch", "3",
            "--kv-dtype", "bf16", "--engine", "hf", "--json")
    assert json.loads(r.stdout)["kv_cache_bytes"] == rec["kv_bytes"]


@pytest.mark.parametrize("text,value", [("4096", 4096), ("4,096", 4096), ("4_096", 4096), ("128k", 128_000),
                                        ("128K", 131_072), ("25.6k", 25_600), ("1M", 1_048_576), ("1m", 1_000_000)])
def test_counts_as_people_write_them(text, value):
    # vLLM's --max-model-len parser (human_readable_int): lowercase decimal, uppercase binary
    from kvplan.units import parse_count

    assert parse_count(text, "--ctx") == value


def test_ctx_suffix_through_the_cli():
    d = json.loads(run("size", "llama-3.1-8b", "--ctx", "128K", "--json").stdout)
    assert d["ctx"] == 131_072 and d["kv_cache_bytes"] == 131_072 * 131_072
    assert "1.5K" in run("size", "llama-3.1-8b", "--ctx", "1.5K").stderr


def test_bare_help_and_version():
    res = run()
    assert res.exit_code == 0 and "Usage:" in res.stdout and "fit" in res.stdout
    assert run("-h").exit_code == 0 and "Usage:" in run("-h").stdout
    assert run("size", "-h").exit_code == 0
    res = run("--version")
    assert res.exit_code == 0 and res.stdout.startswith("kvplan ")


def test_overlong_name_is_one_line():
    for n in (300, 3000):
        res = run("size", "a" * n, "--ctx", "10")
        assert res.exit_code == 2 and res.stderr.count("\n") == 1 and "unknown model" in res.stderr
        assert f"({n:,} characters)" in res.stderr and len(res.stderr) < 200  # not echoed whole
    res = run("size", "a" * 80, "--ctx", "10")  # a name of 80 characters is still shown as typed
    assert f"unknown model '{'a' * 80}'" in res.stderr


def test_version_everywhere():
    # the package version, the CLI's --version and every JSON object agree with pyproject.toml
    import re

    import kvplan
    from conftest import ROOT

    declared = re.search(r'^version = "([^"]+)"', (ROOT / "pyproject.toml").read_text(), re.M).group(1)
    assert kvplan.__version__ == declared
    assert json.loads(run("size", "gpt2", "--ctx", "10", "--json").stdout)["kvplan_version"] == declared
    assert json.loads(run("gpus", "--json").stdout)[0].get("kvplan_version") is None  # a list of rows
