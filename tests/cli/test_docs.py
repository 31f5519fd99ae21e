"""The docs site: it builds with ``mkdocs build --strict``, its generated reference pages are
current, every command has a page, the README stays a page long and points only at what a clone
has, and the Python examples print what they say. (The console examples of every page are
re-run by tests/cli/test_readme.py.)"""
import contextlib
import importlib.util
import io
import os
import re
import subprocess
import sys

import pytest

from conftest import ROOT

DOCS = ROOT / "docs"
README = (ROOT / "README.md").read_text()

spec = importlib.util.spec_from_file_location("docs_reference", ROOT / "scripts" / "docs_reference.py")
reference = importlib.util.module_from_spec(spec)
spec.loader.exec_module(reference)


def test_site_builds_strict(tmp_path):
    # the `docs` extra is part of `dev`, so CI has mkdocs: a missing one is a failure, not a skip
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    p = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--config-file", str(ROOT / "mkdocs.yml"),
                        "--site-dir", str(tmp_path / "site")], capture_output=True, text=True, cwd=ROOT, env=env)
    assert p.returncode == 0, p.stdout + p.stderr + "\n(pip install -e '.[docs]' brings mkdocs)"
    assert "WARNING" not in p.stderr, p.stderr
    cli = (tmp_path / "site" / "reference" / "cli" / "index.html").read_text()
    assert "kvplan fit --help" in cli and 'id="kvplan-check-server"' in cli
    assert "Survivors" in (tmp_path / "site" / "mutation" / "index.html").read_text()  # MUTATION.md, included


@pytest.mark.parametrize("name", sorted(reference.PAGES))
def test_generated_reference_is_current(name):
    page = reference.PAGES[name]
    assert page.read_text() == reference.render(page.read_text()), \
        f"run `python scripts/docs_reference.py` to refresh {page.relative_to(ROOT)}"


def test_reference_lists_every_command():
    top = reference.examples.run("kvplan --help")
    names = reference.commands(top)
    assert len(names) >= 12 and {"size", "fit", "check-server"} <= set(names)
    cli = (DOCS / "reference" / "cli.md").read_text()
    assert [m for m in re.findall(r"^## kvplan (\S+)$", cli, re.M)] == names


def test_every_command_has_a_page():
    # the commands overview has a row per command, linking to a page that shows it at work
    index = (DOCS / "commands" / "index.md").read_text()
    for name in reference.commands(reference.examples.run("kvplan --help")):
        row = re.search(rf"^\| `kvplan {re.escape(name)}[ `].*\[[^]]+\]\(([\w.-]+\.md)\) \|$", index, re.M)
        assert row, name
        assert f"kvplan {name}" in (DOCS / "commands" / row.group(1)).read_text(), name


def test_api_reference_documents_the_public_functions():
    api = (DOCS / "reference" / "api.md").read_text()
    for name in reference._public_names():
        assert f"## kvplan.{name}\n" in api, name
    assert "(no docstring)" not in api  # every public name says what it does


def test_readme_is_a_page():
    assert len(README.splitlines()) <= 300


def test_readme_links_resolve_in_a_clone():
    # relative links point at files a clone has; nothing outside the repository
    links = re.findall(r"\]\(([^)#]+)(?:#[^)]*)?\)", README)
    assert any(link.startswith("docs/") for link in links)
    for link in links:
        if not link.startswith(("http://", "https://")):
            assert (ROOT / link).exists(), link
    assert "../" not in README and "shared/" not in README


def test_readme_says_the_validate_tests_need_torch():
    # the test command passes without torch by skipping the validate tests: the README says so,
    # and how to run them, with the pin .ci/run installs
    pin = re.search(r"pip install -q (torch==[\d.]+)", (ROOT / ".ci" / "run").read_text()).group(1)
    assert "skipped" in README and f"pip install {pin}" in README


def test_docs_point_only_at_what_a_clone_has():
    for page in DOCS.rglob("*.md"):
        assert "shared/hf_configs" not in page.read_text(), page


def python_examples():
    for page in [ROOT / "README.md", *sorted(DOCS.rglob("*.md"))]:
        pattern = r"<!-- python-example -->\n```python\n(.*?)```\n\nprints:\n\n```text\n(.*?)```"
        for code, printed in re.findall(pattern, page.read_text(), re.S):
            yield page.relative_to(ROOT).as_posix(), code, printed


PY = list(python_examples())


def test_there_are_python_examples():
    assert {"README.md", "docs/reference/api.md"} <= {p for p, _, _ in PY}


@pytest.mark.parametrize("page,code,printed", PY, ids=[p for p, _, _ in PY])
def test_python_example_prints_what_it_says(page, code, printed):
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code, page, "exec"), {})
    assert out.getvalue() == printed
