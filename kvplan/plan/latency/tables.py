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


def interp(xs, ys, x: float) -> float | None:
    """``ys`` at ``x`` by linear interpolation in log x over the points that have a value;
    clamped at both ends. None when no point has one."""
    pts = [(math.log(a), b) for a, b in zip(xs, ys) if b is not None]
    if not pts:
        return None
    lx = math.log(max(x, 1e-9))
    if lx <= pts[0][0]:
        return pts[0][1]
    if lx >= pts[-1][0]:
        return pts[-1][1]
    i = bisect.bisect_right([p[0] for p in pts], lx)
    (x0, y0), (x1, y1) = pts[i - 1], pts[i]
    return y0 + (y1 - y0) * (lx - x0) / (x1 - x0)


def interp2(xs, ys, grid, x: float, y: float) -> float | None:
    """``grid[i][j]`` (row i at xs[i], column j at ys[j]) at (x, y): along y in each row, then along x."""
    col = [interp(ys, row, y) for row in grid]
    return interp(xs, col, x)
