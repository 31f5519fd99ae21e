"""The wheel ships every subpackage: pyproject's package list is the source tree's.

CI installs kvplan with `pip install .` (not editable), so a folder missing from the list is a
package missing from every user's install, whatever the tests see in the checkout."""
from pathlib import Path

import pytest

tomllib = pytest.importorskip("tomllib")  # Python 3.11+

ROOT = Path(__file__).resolve().parent.parent


def test_every_subpackage_is_in_pyproject():
    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    tree = {".".join(p.parent.relative_to(ROOT).parts) for p in (ROOT / "kvplan").rglob("__init__.py")}
    assert tree <= listed, f"add to pyproject's packages: {sorted(tree - listed)}"
    assert {p for p in listed if not p.startswith("kvplan.model_specs")} <= tree
