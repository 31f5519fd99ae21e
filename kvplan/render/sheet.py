"""A table as data, rendered to the terminal's width, CSV or Markdown.

Every table kvplan prints is a ``Sheet``: columns (each with the key of its raw value, a header,
a formatter for people and a drop rank), rows of raw values, and text lines above and below.
``--format csv`` writes the raw values (ints stay exact), ``md`` the formatted cells, and a
terminal table keeps every row on one line: when the columns do not fit the width, the
columns with the highest drop rank go first (``--wide`` keeps them all), never a wrapped row.
"""
from __future__ import annotations

import csv
import io
from typing import Callable

from ..model.frozen import field, record, replace

FORMATS = ("table", "json", "csv", "md")


@record
class Col:
    key: str
    header: str
    fmt: Callable | None = None  # raw value -> text, for tables and Markdown
    left: bool = False
    drop: int = 0  # 0: always shown; at a narrow width the highest rank is dropped first
    narrow: Callable | None = None  # a shorter wording, used when dropping columns is not enough
    narrow_key: str | None = None  # ... or another raw value, shorter (a key for a label)
    narrow_header: str | None = None
    orig: str | None = None  # the header before a narrow wording replaced it


@record(frozen=False)
class Sheet:
    columns: list[Col]
    rows: list[dict]
    title: list[str] = field(default_factory=list)
    footer: list[str] = field(default_factory=list)
    csv_keys: list[str] | None = None  # CSV columns, when not the table's own keys
    narrow_first: bool = False  # at a narrow width, try the narrow wordings before dropping columns


def cell(row: dict, c: Col) -> str:
    text = row.get("_text", {}).get(c.key)  # a row's own wording of a cell, for people
    if text is not None:
        return text
    v = row.get(c.key)
    if v is None:
        return "-"
    return c.fmt(v) if c.fmt else str(v)


def to_csv(sheets: list[Sheet]) -> str:
    """The first sheet's rows as CSV (raw values; sheets after the first are for people)."""
    s = sheets[0]
    keys = s.csv_keys or list(dict.fromkeys(c.key for c in s.columns))
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(keys)
    for r in s.rows:
        w.writerow(["" if r.get(k) is None else r.get(k) for k in keys])
    return buf.getvalue().rstrip("\n")


def to_md(sheets: list[Sheet]) -> str:
    out = []
    for s in sheets:
        out += [f"**{t}**" if i == 0 else t for i, t in enumerate(s.title)]
        if s.title:
            out.append("")
        out.append("| " + " | ".join(c.header.replace("|", "\\|") for c in s.columns) + " |")
        out.append("|" + "|".join("---" if c.left else "---:" for c in s.columns) + "|")
        out += ["| " + " | ".join(cell(r, c).replace("|", "\\|") for c in s.columns) + " |" for r in s.rows]
        if s.footer:
            out += [""] + s.footer
        out.append("")
    return "\n".join(out).rstrip("\n")


def _widths(s: Sheet, cols: list[Col]) -> list[int]:
    return [max([len(c.header)] + [len(cell(r, c)) for r in s.rows]) for c in cols]


def _need(s: Sheet, cols: list[Col]) -> int:
    return sum(_widths(s, cols)) + 3 * (len(cols) - 1)


def _narrowed(cols: list[Col]) -> list[Col]:
    """The columns in their narrow wordings, where they have one."""
    return [replace(c, fmt=c.narrow or c.fmt, key=c.narrow_key or c.key,
                    header=c.narrow_header or c.header, narrow=None, narrow_key=None,
                    narrow_header=None, orig=c.header)
            if (c.narrow or c.narrow_key or c.narrow_header) else c for c in cols]


def fit_columns(s: Sheet, width: int, wide: bool = False) -> list[Col]:
    """The columns to show at ``width``: all of them with ``wide``; otherwise drop the highest
    drop ranks (the last such column first) until the table fits, then use narrow wordings."""
    cols = list(s.columns)
    if wide:
        return cols
    if s.narrow_first and _need(s, cols) > width:
        short = _narrowed(cols)
        if _need(s, short) <= width or not any(c.drop for c in cols):
            return short
    while _need(s, cols) > width:
        droppable = [c for c in cols if c.drop]
        if not droppable:
            return _narrowed(cols)
        worst = max(c.drop for c in droppable)
        cols.remove([c for c in cols if c.drop == worst][-1])
    return cols


def table_lines(s: Sheet, cols: list[Col]) -> list[str]:
    """Header, rule and one line per row, columns separated as ``a ┃ b`` / ``a │ b``."""
    w = _widths(s, cols)

    def line(cells, sep):
        parts = [x.ljust(n) if c.left else x.rjust(n) for x, n, c in zip(cells, w, cols)]
        return sep.join(parts).rstrip()

    rule = "╇".join("━" * (n + (1 if i in (0, len(w) - 1) else 2)) if len(w) > 1 else "━" * n
                    for i, n in enumerate(w))
    out = [line([c.header for c in cols], " ┃ "), rule]
    out += [line([cell(r, c) for c in cols], " │ ") for r in s.rows]
    return out


def wrap(text: str, width: int) -> list[str]:
    """Text lines folded to ``width`` (words kept whole where they fit)."""
    import textwrap

    out = []
    for ln in text.split("\n"):
        lead = " " * (len(ln) - len(ln.lstrip(" ")))  # an indented line continues indented
        out += textwrap.wrap(ln, width, break_on_hyphens=False, initial_indent="",
                             subsequent_indent=lead + ("  " if lead else ""), drop_whitespace=True) or [""]
    return out


def to_text(parts: list, width: int, wide: bool = False) -> str:
    """A command's sheets and text as the terminal shows them: every line within ``width``
    (``wide``: tables whole, text unfolded)."""
    out: list[str] = []
    fold = (lambda t: t.split("\n")) if wide else (lambda t: wrap(t, width))
    for p in parts:
        if not isinstance(p, Sheet):
            out += fold(str(p))
            continue
        cols = fit_columns(p, width, wide)
        for t in p.title:
            out += fold(t)
        out += table_lines(p, cols)
        hidden = [c.header for c in p.columns if c.header not in {x.orig or x.header for x in cols}]
        foot = list(p.footer)
        if hidden:
            foot.append(f"({len(hidden)} column{'s' if len(hidden) > 1 else ''} left out to fit "
                        f"{width} columns: {', '.join(hidden)}; --wide shows them)")
        for t in foot:
            out += fold(t)
    return "\n".join(line.rstrip() for line in out) + "\n"
