"""simulate's free-queue entries and shared prefixes (scheduler.py's block pool, kept as runs)."""
from __future__ import annotations


class _Run:
    """A preempted request's own full blocks, cached in the free queue until evicted (the top
    ones first: vLLM frees a request's blocks in reverse order)."""

    __slots__ = ("left",)

    def __init__(self, left: int):
        self.left = left


class _Span:
    """Blocks lo..hi−1 of shared prefix ``pid``, freed together: one entry of the free queue.
    Blocks above ``_Prefix.cached`` were evicted; ``lo`` rises when a request takes the bottom
    ones back (vLLM ``touch`` removes just the blocks it hits: the rest keep their place)."""

    __slots__ = ("pid", "lo", "hi")

    def __init__(self, pid, lo: int, hi: int):
        self.pid, self.lo, self.hi = pid, lo, hi


class _Prefix:
    """One shared prefix: blocks 0..cached−1 are cached; ``holders`` counts requests by the
    leading blocks they hold; blocks maxheld..cached−1 are free, in the free queue as the
    ``spans`` that cover them."""

    __slots__ = ("cached", "holders", "maxheld", "spans")

    def __init__(self):
        self.cached, self.holders, self.maxheld, self.spans = 0, {}, 0, []
