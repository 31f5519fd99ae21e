"""simulate's workload: requests, their lengths (a number, a distribution, a trace file) and
their arrival times."""
from __future__ import annotations

import csv
import math
import random
import re
from pathlib import Path

from ...errors import KvplanError, opt
from ...model.frozen import record


# ---- the workload ----------------------------------------------------------------------------
@record
class Request:
    arrival_s: float
    prompt: int
    output: int
    prefix_id: str | None = None


_CLAMPED = re.compile(r"^normal:([^,]+),([^,]+),([^,]+),([^,]+)$")


def sample_lengths(text: str, n: int, seed: int, what: str, limit: int) -> list[int]:
    """``n`` lengths for ``what`` (--prompt-tokens, --output-tokens): a whole number, the
    ``--lengths`` distributions (uniform:A-B, normal:MEAN,STD, lognormal:MEDIAN,SIGMA, clipped to
    [1, limit]) or a clamped ``normal:MEAN,STD,MIN,MAX``."""
    from ..traffic import parse_lengths

    t = str(text).strip().replace("_", "")
    if re.fullmatch(r"\d+", t):
        v = int(t)
        if not 1 <= v <= limit:
            raise KvplanError(f"{what} must be between 1 and {limit:,}, got {v:,}")
        return [v] * n
    m = _CLAMPED.match(t)
    if m:
        try:
            mean, std = float(m.group(1)), float(m.group(2))
            lo, hi = int(m.group(3)), int(m.group(4))
        except ValueError:
            raise KvplanError(f"{what} normal:MEAN,STD,MIN,MAX needs numbers and whole MIN, MAX, "
                              f"got '{text}'") from None
        if not (math.isfinite(mean) and math.isfinite(std)) or std < 0 or not 1 <= lo <= hi:
            raise KvplanError(f"{what} normal:MEAN,STD,MIN,MAX needs STD >= 0 and 1 <= MIN <= MAX, "
                              f"got '{text}'")
        if hi > limit:
            raise KvplanError(f"{what}: MAX {hi:,} is beyond the limit of {limit:,} tokens")
        rng = random.Random(seed)
        # clipped before rounding (no round(inf)); round(clip(x)) == clip(round(x)) for whole lo, hi
        return [round(min(max(rng.gauss(mean, std), lo), hi)) for _ in range(n)]
    if ":" not in t:
        raise KvplanError(f"{what} must be a whole number or a distribution (uniform:A-B, "
                          f"normal:MEAN,STD[,MIN,MAX], lognormal:MEDIAN,SIGMA), got '{text}'")
    try:
        lengths, _ = parse_lengths(t, limit, n, seed)
    except KvplanError as e:
        raise KvplanError(str(e).replace("--lengths", what)) from None
    return lengths


def within_max_model_len(reqs: list[Request], mml: int) -> int:
    """Each request held to ``max_model_len`` as the engine holds it, in place: a prompt of
    ``mml`` tokens or more is refused (no room for one output token), a longer output is cut to
    ``mml − prompt`` (as vLLM caps max_tokens). Returns how many were cut."""
    clipped = 0
    for i, q in enumerate(reqs):
        if q.prompt + q.output > mml:
            if q.prompt >= mml:
                raise KvplanError(f"request {i + 1}: a prompt of {q.prompt:,} tokens leaves no room "
                                  f"for output within max_model_len {mml:,}")
            reqs[i] = Request(q.arrival_s, q.prompt, mml - q.prompt, q.prefix_id)
            clipped += 1
    return clipped


def read_trace(path: str | Path) -> list[Request]:
    """A CSV ``arrival_s,prompt_tokens,output_tokens[,prefix_id]`` (a header row optional)."""
    from ...sources.readers import read_text  # UTF-8, a spreadsheet's byte-order mark dropped, one line if not

    p = Path(path)
    try:
        lines = [ln for ln in read_text(p, "trace").splitlines() if ln.strip()]
    except KvplanError as e:
        raise KvplanError(f"--trace: {e}") from None
    rows = list(csv.reader(lines))
    if rows and rows[0] and not re.fullmatch(r"\s*[\d.eE+-]+\s*", rows[0][0]):
        head = [c.strip() for c in rows[0]]
        if head[:3] != ["arrival_s", "prompt_tokens", "output_tokens"] or len(head) > 4 or \
                (len(head) == 4 and head[3] != "prefix_id"):
            raise KvplanError(f"--trace: {p}: the header must be arrival_s,prompt_tokens,output_tokens"
                              f"[,prefix_id], got '{lines[0]}'")
        rows = rows[1:]
    if not rows:
        raise KvplanError(f"--trace: {p} holds no requests")
    out = []
    for i, row in enumerate(rows, start=1):
        if len(row) not in (3, 4):
            raise KvplanError(f"--trace: {p} request {i}: needs 3 or 4 columns, got {len(row)}")
        try:
            t = float(row[0])
        except ValueError:
            t = float("nan")
        if not (math.isfinite(t) and t >= 0):
            raise KvplanError(f"--trace: {p} request {i}: arrival_s must be a number >= 0, got '{row[0]}'")
        nums = []
        for name, v in (("prompt_tokens", row[1]), ("output_tokens", row[2])):
            if not re.fullmatch(r"\s*\d+\s*", v) or int(v) < 1:
                raise KvplanError(f"--trace: {p} request {i}: {name} must be a positive integer, got '{v}'")
            nums.append(int(v))
        pid = row[3].strip() if len(row) == 4 and row[3].strip() else None
        out.append(Request(t, nums[0], nums[1], pid))
    out.sort(key=lambda r: r.arrival_s)
    return out


def arrivals(n: int, rate: float | None, kind: str = "poisson", seed: int = 0) -> list[float]:
    """``n`` arrival times: Poisson (exponential gaps) or constant at ``rate`` per second, or all
    at 0 when ``rate`` is None (``--rate inf``). ``gamma:B`` (a benchmark tool's process, not a CLI
    choice): gaps drawn from a gamma distribution of shape B and mean 1 / rate, vLLM's ``vllm bench
    serve --burstiness B`` (vllm/benchmarks/serve.py ``get_request``: ``np.random.gamma(shape=burstiness,
    scale=1 / (rate * burstiness))``; B = 1 is Poisson, B < 1 burstier, B > 1 more even)."""
    if rate is None:
        return [0.0] * n
    if kind == "constant":
        return [i / rate for i in range(n)]
    shape = 1.0
    if kind.startswith("gamma:"):
        try:
            shape = float(kind[6:])
        except ValueError:
            shape = math.nan
        if not (math.isfinite(shape) and shape > 0):
            raise KvplanError(f"a gamma arrival process needs a burstiness > 0, got '{kind[6:]}'")
    elif kind != "poisson":
        raise KvplanError(f"{opt('arrivals')} must be poisson or constant, got '{kind}'")
    rng, t, out = random.Random(seed), 0.0, []
    for _ in range(n):
        out.append(t)
        t += rng.expovariate(rate) if shape == 1.0 else rng.gammavariate(shape, 1.0 / (rate * shape))
    return out
