"""startup.yaml, vLLM's start-up constants and rules by release (each with its source), and the
release key they are read with; shared by startup.py, non_torch.py and loaded.py (startup.py
re-exports these names)."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import yaml


@lru_cache(maxsize=1)
def _data() -> dict:
    return yaml.safe_load((Path(__file__).with_name("startup.yaml")).read_text())


@lru_cache(maxsize=1)
def constants() -> dict:
    """startup.yaml: each constant with ``value`` (an int) and its ``source``."""
    return {k: v for k, v in _data().items() if isinstance(v, dict) and "value" in v}


def const(name: str) -> int:
    return int(constants()[name]["value"])


def _release(version: str | None) -> tuple[int, int, int, int] | None:
    """A vLLM version string as a sortable key: (major, minor, patch, 1), a pre-release or dev
    build of that release (``0.19.2rc1.dev206+g95995bbef``) (…, 0): before the release. None where
    no release can be read (``not printed``, ``nightly``)."""
    import re

    m = re.match(r"\s*v?(\d+)\.(\d+)\.(\d+)(\.\d+)?([\w.+-]*)", version or "")
    if not m:
        return None
    final = not re.match(r"(rc|dev|a|b|\.dev)", m.group(5) or "")
    return int(m.group(1)), int(m.group(2)), int(m.group(3)), int(final)
