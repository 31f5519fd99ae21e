"""The one exception type the library raises for bad input; the CLI turns it into one line."""
from __future__ import annotations

import re


class KvplanError(Exception):
    """A user-facing error: bad input, unknown name, inconsistent spec, impossible request."""


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
    return f"{path}: {loc or 'spec'}: {msg}{more}"
