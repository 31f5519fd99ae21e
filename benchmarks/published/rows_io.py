"""Where a round's rows go: appended to measurements.yaml and excluded.yaml beside this file, as the
``roundN_rows.py`` scripts write them (run as scripts from the repository root, so this folder is on
``sys.path``)."""
from __future__ import annotations

from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent


def append(rows: list[dict], excluded: list[dict], header: str = "") -> None:
    """Append ``rows`` to measurements.yaml and ``excluded`` to excluded.yaml (each after ``header``, a
    comment line, when given) and say how many."""
    def dump(d):
        return header + yaml.safe_dump(d, sort_keys=False, width=120, allow_unicode=True)

    with open(HERE / "measurements.yaml", "a") as f:
        f.write(dump(rows))
    with open(HERE / "excluded.yaml", "a") as f:
        f.write(dump(excluded))
    print(f"{len(rows)} rows, {len(excluded)} excluded entries")
