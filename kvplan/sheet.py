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
from dataclasses import dataclass, field, replace
from typing import Callable

FORMATS = ("table", "json", "csv", "md")


@dataclass(frozen=True)
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


@dataclass
class Sheet:
    columns: list[Col]
    rows: list[dict]
    title: list[str] = field(default_factory=list)
    footer: list[str] = field(default_factory=list)
    csv_keys: list[str] | None = None  # CSV columns, when not the table's own keys


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


def _table(s: Sheet, cols: list[Col]):
    from rich.table import Table

    t = Table(show_edge=False, pad_edge=False)
    for c in cols:
        t.add_column(c.header, justify="left" if c.left else "right", no_wrap=True,
                     overflow="ellipsis")
    for r in s.rows:
        t.add_row(*[cell(r, c) for c in cols])
    return t


def fit_columns(s: Sheet, width: int, wide: bool = False) -> list[Col]:
    """The columns to show at ``width``: all of them with ``wide``; otherwise drop the highest
    drop ranks (the last such column first) until the table's natural width fits."""
    cols = list(s.columns)
    if wide:
        return cols
    from rich.console import Console
    from rich.measure import Measurement

    console = Console(width=10**4, color_system=None, force_terminal=False)

    def need(cs):
        return Measurement.get(console, console.options, _table(s, cs)).maximum

    while need(cols) > width:
        droppable = [c for c in cols if c.drop]
        if not droppable:
            short = [replace(c, fmt=c.narrow or c.fmt, key=c.narrow_key or c.key,
                             header=c.narrow_header or c.header, narrow=None, narrow_key=None,
                             narrow_header=None, orig=c.header)
                     if (c.narrow or c.narrow_key or c.narrow_header) else c for c in cols]
            return short if short != cols else cols
        worst = max(c.drop for c in droppable)
        cols.remove([c for c in cols if c.drop == worst][-1])
    return cols


def to_rich(s: Sheet, width: int, wide: bool = False):
    from rich.console import Group
    from rich.text import Text

    cols = fit_columns(s, width, wide)
    parts = []
    if s.title:
        parts.append(Text("\n".join(s.title)))
    parts.append(_table(s, cols))
    hidden = [c.header for c in s.columns if c.header not in {x.orig or x.header for x in cols}]
    foot = list(s.footer)
    if hidden:
        foot.append(f"({len(hidden)} column{'s' if len(hidden) > 1 else ''} left out to fit "
                    f"{width} columns: {', '.join(hidden)}; --wide shows them)")
    if foot:
        parts.append(Text("\n".join(foot)))
    return Group(*parts)
