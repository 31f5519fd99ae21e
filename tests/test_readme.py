"""The README's examples are real output: each ``$ kvplan ...`` line is run and compared."""
import importlib.util
import re

import pytest

from conftest import ROOT

spec = importlib.util.spec_from_file_location("readme_examples", ROOT / "scripts" / "readme_examples.py")
readme = importlib.util.module_from_spec(spec)
spec.loader.exec_module(readme)
TEXT = (ROOT / "README.md").read_text()
EXAMPLES = list(readme.examples(TEXT))


def test_there_are_examples():
    assert len(EXAMPLES) >= 5


@pytest.mark.parametrize("cmd,recorded", EXAMPLES, ids=[c for c, _ in EXAMPLES])
def test_example_output_is_current(cmd, recorded):
    if cmd.startswith("kvplan validate"):
        pytest.importorskip("torch")  # the optional extra: without it validate says so in one line
    assert readme.run(cmd) == recorded, "run `python scripts/readme_examples.py` to refresh README.md"


def test_ci_runs_the_readme_test_command():
    test_cmd = re.search(r"<!-- test-command -->\n```sh\n(.*)\n```", TEXT).group(1)
    ci = (ROOT / ".ci" / "run").read_text()
    assert "test-command" in ci and "README.md" in ci  # .ci/run extracts and runs that very line
    assert "pytest" in test_cmd


def test_every_command_is_documented():
    from kvplan.cli import app

    for cmd in app.registered_commands:
        name = cmd.name or cmd.callback.__name__
        assert f"kvplan {name}" in TEXT, name


def test_catalog_counts_in_readme_are_true():
    from kvplan.sources import catalog

    m = re.search(r"(\d+) model specs and (\d+) GPUs ship", TEXT)
    assert (int(m.group(1)), int(m.group(2))) == (len(catalog.model_names()), len(catalog.gpus()))


def test_every_option_is_documented():
    # every long option of every command appears in the README (its reference section holds
    # each command's --help, kept current by test_example_output_is_current)
    from kvplan.cli import _set_metavars, app

    _set_metavars()
    missing = []
    for cmd in app.registered_commands:
        name = cmd.name or cmd.callback.__name__
        assert f"$ kvplan {name} --help" in TEXT, name
        for d in cmd.callback.__defaults__ or ():
            for flag in getattr(d, "param_decls", None) or ():
                if flag.startswith("--") and flag not in TEXT:
                    missing.append(f"{name} {flag}")
                assert getattr(d, "metavar", None) is not None or d.__class__.__name__ != "OptionInfo" \
                    or d.default in (True, False) or flag in ("--help",), f"{name} {flag} shows <str>"
    assert not missing, missing
