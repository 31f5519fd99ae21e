"""Write the generated parts of the docs site: the CLI reference and the Python API reference.

    python scripts/docs_reference.py           # rewrite docs/reference/cli.md and api.md
    python scripts/docs_reference.py --check   # exit 1 if either is stale

docs/reference/cli.md is ``kvplan --help`` and then, for every command that help lists, in its
order, ``kvplan COMMAND --help`` (run as the console examples are, scripts/readme_examples.py), so
a new command or option shows up without anyone writing it. docs/reference/api.md is, for every
public name of ``kvplan`` (its ``__all__``) and the library's error type, the signature and the
docstring. Only the text between ``<!-- generated: NAME -->`` and ``<!-- end generated -->`` is
written; the rest of each page is prose. tests/cli/test_docs.py runs the check.
"""
from __future__ import annotations

import importlib
import importlib.util
import inspect
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REF = ROOT / "docs" / "reference"
_spec = importlib.util.spec_from_file_location("readme_examples", ROOT / "scripts" / "readme_examples.py")
examples = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(examples)

FALLBACK_API = ("size", "fit", "load_model")  # kvplan's public functions before it had __all__
ERRORS = ("kvplan.errors", "KvplanError")


def commands(top_help: str) -> list[str]:
    """The command names ``kvplan --help`` lists under "Commands:", in its order."""
    section = top_help.split("\nCommands:\n", 1)[1]
    return [m.group(1) for m in re.finditer(r"^  (\S+)", section, re.M)]


def cli() -> str:
    top = examples.run("kvplan --help")
    out = [f"```text\n$ kvplan --help\n{top}```\n"]
    for name in commands(top):
        out.append(f"\n## kvplan {name}\n\n```text\n$ kvplan {name} --help\n{examples.run(f'kvplan {name} --help')}```\n")
    return "".join(out)


def _markdown(doc: str) -> str:
    """A docstring as Markdown: RST's ``literal`` is Markdown's `literal`."""
    return re.sub(r"``(.+?)``", r"`\1`", inspect.cleandoc(doc)).strip()


class _Annotation:
    """A string annotation (``from __future__ import annotations``) shown as written, unquoted."""

    def __init__(self, text: str):
        self.text = text

    def __repr__(self) -> str:
        return self.text


def _signature(name: str, obj) -> str:
    try:
        sig = inspect.signature(obj)
    except (TypeError, ValueError):
        return f"{name}(...)"
    unquote = lambda a: _Annotation(a) if isinstance(a, str) else a  # noqa: E731
    sig = sig.replace(parameters=[p.replace(annotation=unquote(p.annotation)) for p in sig.parameters.values()],
                      return_annotation=unquote(sig.return_annotation))
    text = f"{name}{sig}"
    if len(text) <= 88:
        return text
    params = ",\n".join(f"    {p}" for p in sig.parameters.values())  # one parameter a line, as black writes it
    ret = "" if sig.return_annotation is inspect.Signature.empty else f" -> {inspect.formatannotation(sig.return_annotation)}"
    return f"{name}(\n{params},\n){ret}"


def _public_names() -> list[str]:
    import kvplan

    names = getattr(kvplan, "__all__", None)
    return [n for n in (names if names is not None else FALLBACK_API) if not n.startswith("__")]


def _resolve(name: str):
    """The object ``kvplan.NAME`` stands for (kvplan.api's function where the package attribute is a
    callable module standing in for it)."""
    import kvplan

    try:
        api = importlib.import_module("kvplan.api")
    except ImportError:
        api = None
    obj = getattr(kvplan, name)
    if inspect.ismodule(obj) and api is not None and callable(getattr(api, name, None)):
        obj = getattr(api, name)
    return obj


def _entry(title: str, obj) -> str:
    doc = _markdown(inspect.getdoc(obj) or "(no docstring)")
    if inspect.isclass(obj):
        head = f"class {title}"
        if not issubclass(obj, BaseException):
            head = f"class {_signature(title, obj)}"
    elif inspect.ismodule(obj):
        head = f"module {title}"
    elif callable(obj):
        head = _signature(title, obj)
    else:
        return f"\n## {title}\n\n```python\n{title} = {obj!r}\n```\n"
    return f"\n## {title}\n\n```python\n{head}\n```\n\n{doc}\n"


def api() -> str:
    out = []
    names = _public_names()
    for name in names:
        out.append(_entry(f"kvplan.{name}", _resolve(name)))
    module, cls = ERRORS
    if cls not in names:
        out.append(_entry(f"{module}.{cls}", getattr(importlib.import_module(module), cls)))
    return "".join(out).lstrip("\n")


GENERATORS = {"cli": cli, "api": api}
PAGES = {"cli": REF / "cli.md", "api": REF / "api.md"}
REGION = re.compile(r"(<!-- generated: (\w+) -->\n)(.*?)(<!-- end generated -->)", re.S)


def render(text: str) -> str:
    """The page with every generated region rewritten."""
    # blank lines around the region: Markdown reads a comment and what touches it as one HTML block
    return REGION.sub(lambda m: m.group(1) + "\n" + GENERATORS[m.group(2)]().strip("\n") + "\n\n" + m.group(4), text)


def main(argv: list[str]) -> int:
    stale = []
    for page in PAGES.values():
        text = page.read_text()
        new = render(text)
        if new != text:
            stale.append(str(page.relative_to(ROOT)))
            if "--check" not in argv:
                page.write_text(new)
    if "--check" in argv:
        print("\n".join(f"stale: {p}" for p in stale) or "reference pages are up to date")
        return 1 if stale else 0
    print("\n".join(f"rewrote {p}" for p in stale) or "reference pages were up to date")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
