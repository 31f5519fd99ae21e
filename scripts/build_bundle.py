"""Write model_specs/catalog.json from the YAML catalog (the source).

    python scripts/build_bundle.py

The JSON bundle is what a query reads (one small parse, no YAML import); the YAML files stay
the reviewed source. tests/sources/test_catalog.py fails when the two disagree: rerun this script after
editing any file in model_specs/ (scripts/build_catalog.py runs it too).
"""
from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kvplan.sources import catalog  # noqa: E402


def main() -> None:
    data = catalog.make_bundle()
    path = ROOT / "model_specs" / catalog.BUNDLE
    path.write_text(catalog.bundle_text(data))
    print(f"wrote {path.relative_to(ROOT)}: {len(data['models'])} models, {len(data['aliases'])} aliases, "
          f"{len(data['gpus'])} GPUs")


if __name__ == "__main__":
    main()
