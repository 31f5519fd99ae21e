"""Reading the files people hand kvplan (config.json, YAML specs, safetensors indexes, length
files) so that a bad one is one ``KvplanError`` naming the file and the problem: not readable,
not UTF-8 text (where the first bad byte is), malformed, or nested deeper than any real config.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

from ..errors import KvplanError

# Real config.json files nest a handful of levels (quantization_config.config_groups.group_0.
# weights: 5); 100 is far beyond any, and far below what Python's recursive parsers survive.
MAX_DEPTH = 100

_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.S)
_BRACKET = re.compile(r"[\[\]{}]")


def read_text(path: Path, what: str = "file") -> str:
    """The file's text as UTF-8 (a byte-order mark is dropped)."""
    try:
        data = Path(path).read_bytes()
    except OSError as e:
        raise KvplanError(f"cannot read {path}: {e.strerror or e}") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        kind = "a binary file" if b"\x00" in data[:4096] else "text in another encoding"
        raise KvplanError(f"{path}: not UTF-8 text ({kind}: byte 0x{data[e.start]:02x} at offset {e.start:,}); "
                          f"a {what} must be UTF-8") from None


def nesting_depth(text: str, stop: int = MAX_DEPTH) -> int:
    """How deep JSON (or YAML flow) brackets nest, strings skipped; stops counting past ``stop``."""
    depth = deepest = 0
    for m in _BRACKET.finditer(_STRING.sub("", text)):
        depth += 1 if m.group() in "[{" else -1
        if depth > deepest:
            deepest = depth
            if deepest > stop:
                break
    return deepest


def _too_deep(path: Path) -> KvplanError:
    return KvplanError(f"{path}: nested more than {MAX_DEPTH} levels deep; no model config is")


def load_json(path: Path, what: str = "config.json"):
    """A JSON document: UTF-8, at most ``MAX_DEPTH`` levels deep, well formed. Python's json
    accepts Infinity / NaN, as found in real configs."""
    text = read_text(path, what)
    if nesting_depth(text) > MAX_DEPTH:
        raise _too_deep(path)
    try:
        return json.loads(text)
    except json.JSONDecodeError as e:
        raise KvplanError(f"{path}: malformed JSON at line {e.lineno} column {e.colno}: {e.msg}") from None
    except RecursionError:
        raise _too_deep(path) from None


def load_yaml(path: Path, what: str = "YAML spec"):
    """A YAML document: UTF-8, at most ``MAX_DEPTH`` flow levels deep, well formed."""
    text = read_text(path, what)
    if nesting_depth(text) > MAX_DEPTH:
        raise _too_deep(path)
    import yaml

    try:
        return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f" at line {mark.line + 1} column {mark.column + 1}" if mark else ""
        problem = getattr(e, "problem", None) or str(e).splitlines()[0]
        raise KvplanError(f"{path}: malformed YAML{where}: {problem}") from None
    except RecursionError:
        raise _too_deep(path) from None
