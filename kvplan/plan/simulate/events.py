"""The simulation loop's events and records (``run`` in simulate/__init__.py): the event list at the start, the
replicas with work, the engine ranks of a data-parallel replica and a warm-up's records dropped."""
from __future__ import annotations

import heapq
import math


def _first_events(reqs: list, concurrency, phase_end: int, max_concurrency, enter) -> tuple[list, int]:
    """The event list at the start, (time it reaches the scheduler, index) each, and the next request a closed
    loop sends: C requests at t = 0 (a closed loop); every request's client arrival, index + n, sent at once if
    a slot is free, else held (an open loop with an in-flight cap); every request at its arrival (an open loop)."""
    if concurrency:
        first = reqs[:min(concurrency, phase_end)]
        for r in first:
            r.arrival = 0.0
        heap = [(enter(0.0, r), r.i) for r in first]
    elif max_concurrency:
        heap = [(r.arrival, r.i + len(reqs)) for r in reqs]
    else:
        heap = [(enter(r.arrival, r), r.i) for r in reqs]
    heapq.heapify(heap)
    return heap, len(first) if concurrency else 0


def _busy(one, reps: list) -> tuple[list, float]:
    """The replicas with work and the time of the earliest one's next step (``one``: the only replica, if so)."""
    if one is not None:
        busy = [one] if (one.waiting or one.running) else []
        return busy, (one.t if busy else math.inf)
    busy = [x for x in reps if x.has_work()]
    return busy, min((x.t for x in busy), default=math.inf)


def _ranks(reps: list) -> list:
    """Every engine rank of ``reps`` (a data-parallel replica's ranks in its place)."""
    return [x for g in reps for x in getattr(g, "ranks", (g,))]


def _forget(rep) -> None:
    """A replica's records of a warm-up batch dropped (what it cached stays cached): the ITL gaps,
    the KV / queue samples and the counts a result reports."""
    rep.gaps.clear()
    rep.samples.clear()
    rep.preemptions = rep.steps = rep.hit_tokens = rep.prompt_tokens = 0
    if getattr(rep, "host", None) is not None:
        rep.host.hit_tokens = 0
