"""The one exception type the library raises for bad input; the CLI turns it into one line."""
from __future__ import annotations

import re


# A library parameter named inside a message: \x1f name [\x1e value] \x1f (see ``opt``)
_OPT = re.compile("\x1f([A-Za-z_][A-Za-z0-9_]*)(?:\x1e(.*?))?\x1f", re.S)


def opt(name: str, value=None) -> str:
    """A library parameter inside a ``KvplanError`` message, said in the words of whoever reads
    it: the library says ``tp`` / ``tp=3`` / ``engine="ideal"``, the CLI (``kvplan.cli.common``)
    ``--tp`` / ``--tp 3`` / ``--engine ideal``."""
    if value is None:
        return f"\x1f{name}\x1f"
    shown = f'"{value}"' if isinstance(value, str) else str(value)
    return f"\x1f{name}\x1e{shown}\x1f"


def render(template: str, flag=None) -> str:
    """A message with its parameters as the library says them (``flag`` None), or with
    ``flag(name)`` (the CLI's option for a parameter) and plain values."""
    def one(m: re.Match) -> str:
        name, value = m.group(1), m.group(2)
        if flag is None:
            return name if value is None else f"{name}={value}"
        head = flag(name)
        if value is None:
            return head
        plain = value[1:-1] if len(value) >= 2 and value[0] == value[-1] == '"' else value
        return f"{head} {plain}"

    return _OPT.sub(one, template)


class KvplanError(Exception):
    """A user-facing error: bad input, unknown name, inconsistent spec, impossible request.

    ``option`` is the library parameter the error is about (``tp``, ``engine``,
    ``max_model_len``), when it is about one: given, or the first one the message names with
    ``opt``. ``str(e)`` speaks the library's terms; the CLI renders ``e.template`` with its
    flag names."""

    def __init__(self, message: str = "", option: str | None = None):
        self.template = message
        named = _OPT.search(message)
        self.option = option or (named.group(1) if named else None)
        super().__init__(render(message))


def validation_message(path, e) -> str:
    """One line for a pydantic ValidationError: where (dotted location) and what."""
    err = e.errors()[0]
    loc = ".".join(str(p) for p in err["loc"] if not str(p).startswith("function-after"))
    loc = re.sub(r"(mixer|mlp)\.(full|sliding|chunked|mla|mamba2?|gated_deltanet|none|dense|moe)\b", r"\1", loc)
    # pydantic words these two differently for dataclasses than for models; say it one way
    msg = {"unexpected_keyword_argument": "Extra inputs are not permitted",
           "missing_keyword_only_argument": "Field required"}.get(err["type"], err["msg"])
    msg = msg.removeprefix("Value error, ")
    more = f" (and {len(e.errors()) - 1} more)" if len(e.errors()) > 1 else ""
    given = err.get("input")
    got = f", got {given!r}" if isinstance(given, (str, int, float)) and len(repr(given)) <= 40 else ""
    return f"{path}: {loc or 'spec'}: {msg}{got}{more}"
