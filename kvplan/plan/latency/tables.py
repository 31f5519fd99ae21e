"""The data files and the interpolation every curve uses (log-spaced axes, linear in log x)."""
from __future__ import annotations

import bisect
import functools
import math
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data"


@functools.lru_cache(maxsize=None)
def load(name: str) -> dict:
    import yaml

    return yaml.safe_load((DATA / f"{name}.yaml").read_text())


_PTS: dict = {}  # id(xs), id(ys) -> (xs, ys, log xs, ys) of the points with a value (data is loaded once)


def _points(xs, ys):
    key = (id(xs), id(ys))
    got = _PTS.get(key)
    if got is None or got[0] is not xs or got[1] is not ys:
        pts = [(math.log(a), b) for a, b in zip(xs, ys) if b is not None]
        got = _PTS[key] = (xs, ys, [p[0] for p in pts], [p[1] for p in pts])
    return got[2], got[3]


def _at(lxs, vals, lx: float) -> float | None:
    if not lxs:
        return None
    if lx <= lxs[0]:
        return vals[0]
    if lx >= lxs[-1]:
        return vals[-1]
    i = bisect.bisect_right(lxs, lx)
    x0, x1 = lxs[i - 1], lxs[i]
    y0 = vals[i - 1]
    return y0 + (vals[i] - y0) * (lx - x0) / (x1 - x0)


def interp(xs, ys, x: float) -> float | None:
    """``ys`` at ``x`` by linear interpolation in log x over the points that have a value;
    clamped at both ends. None when no point has one."""
    lxs, vals = _points(xs, ys)
    return _at(lxs, vals, math.log(max(x, 1e-9)))


class _Grid:
    """A grid compiled once: each row's points in log y, and per x the two rows (and weight)
    the interpolation along x uses. A row with any value always yields one (clamped), so which
    rows take part does not depend on y."""

    def __init__(self, xs, ys, grid):
        self.src = (xs, ys, grid)
        self.rows = [_points(ys, row) for row in grid]
        self.lxs = [math.log(a) for a, row in zip(xs, self.rows) if row[0]]
        self.idx = [i for i, row in enumerate(self.rows) if row[0]]
        self.by_x: dict = {}

    def at(self, x: float, y: float) -> float | None:
        plan = self._plan(x)
        if not plan:
            return None
        ly = math.log(max(y, 1e-9))
        y0 = _at(*self.rows[plan[0]], ly)
        if len(plan) == 1:
            return y0
        x0, x1, lx = plan[2], plan[3], plan[4]
        return y0 + (_at(*self.rows[plan[1]], ly) - y0) * (lx - x0) / (x1 - x0)

    def at_many(self, xs, y: float) -> list:
        """``[self.at(x, y) for x in xs]``, the same floats from the same operations, with each
        row's value at ``y`` read once (a sweep asks one context at a hundred batches)."""
        ly = math.log(max(y, 1e-9))
        row_at: dict = {}
        out = []
        for x in xs:
            plan = self._plan(x)
            if not plan:
                out.append(None)
                continue
            y0 = row_at.get(plan[0])
            if y0 is None:
                y0 = row_at[plan[0]] = _at(*self.rows[plan[0]], ly)
            if len(plan) == 1:
                out.append(y0)
                continue
            y1 = row_at.get(plan[1])
            if y1 is None:
                y1 = row_at[plan[1]] = _at(*self.rows[plan[1]], ly)
            x0, x1, lx = plan[2], plan[3], plan[4]
            out.append(y0 + (y1 - y0) * (lx - x0) / (x1 - x0))
        return out

    def _plan(self, x: float) -> tuple:
        """The rows the interpolation along x uses at ``x`` (and their weights), memoised."""
        plan = self.by_x.get(x)
        if plan is None:
            lx, lxs, idx = math.log(max(x, 1e-9)), self.lxs, self.idx
            if not lxs:
                plan = ()
            elif lx <= lxs[0]:
                plan = (idx[0],)
            elif lx >= lxs[-1]:
                plan = (idx[-1],)
            else:
                i = bisect.bisect_right(lxs, lx)
                plan = (idx[i - 1], idx[i], lxs[i - 1], lxs[i], lx)
            self.by_x[x] = plan
        return plan


_GRIDS: dict = {}


def _grid(xs, ys, grid) -> _Grid:
    g = _GRIDS.get(id(grid))
    if g is None or g.src[2] is not grid or g.src[0] is not xs or g.src[1] is not ys:
        g = _GRIDS[id(grid)] = _Grid(xs, ys, grid)
    return g


def interp2(xs, ys, grid, x: float, y: float) -> float | None:
    """``grid[i][j]`` (row i at xs[i], column j at ys[j]) at (x, y): along y in each row, then along x."""
    return _grid(xs, ys, grid).at(x, y)


def interp2_many(xs, ys, grid, x_list, y: float) -> list:
    """``[interp2(xs, ys, grid, x, y) for x in x_list]``, bit for bit, each row read once at ``y``."""
    return _grid(xs, ys, grid).at_many(x_list, y)
