"""Chunks of prefill work as ``OpLatency._mixed`` (step.py) takes them: ``n`` alike chunks priced once and counted
``n`` times, and the runs of a chunk list."""
from __future__ import annotations


class _Alike:
    """``n`` copies of one chunk, as a sequence of chunks (``len``, iteration) that ``_mixed``
    prices once and counts ``n`` times: a prefill of a large ``--batch`` costs one chunk's work,
    not a pass over a list of that many (``kvplan perf --batch 100000000`` ran for hours)."""

    def __init__(self, chunk, n: int):
        self.chunk, self.n = chunk, n

    def __len__(self) -> int:
        return self.n

    def __iter__(self):
        from itertools import repeat

        return repeat(self.chunk, self.n)


def _runs(chunks):
    """(chunk, how many) for each run of ``chunks`` that ``_mixed`` may price at once."""
    if isinstance(chunks, _Alike):
        return ((chunks.chunk, chunks.n),) if chunks.n else ()
    return ((c, 1) for c in chunks)
