"""Your own traffic: how each allocation strategy fills a KV budget with real request lengths.

The PagedAttention paper (Kwon et al., SOSP 2023, §2.3 and Fig. 2) measured that systems that
pre-allocate each request at its maximum length, or pad a batch to its longest request, leave
most of the reserved cache unwritten (20-38 % of it holding tokens), while paging wastes under
4 %. This module computes those figures exactly for a list of request lengths:

* ``contiguous``: every request reserves ``max_model_len`` tokens (static pre-allocation);
* ``padded``: requests are batched in arrival order, each batch padded to its longest request
  (as a static batch of ``generate``);
* ``paged B``: each request reserves ``cdiv(len, B) × B`` tokens (vLLM's 16, TensorRT-LLM's
  ``tokens_per_block`` 32, or any ``--block-size``);
* ``token``: each request reserves exactly its tokens (SGLang's token-granular pool).

For each: how many of the requests, taken in arrival order, fit in the budget at once, and
which share of the reserved bytes is never written. Bytes are the tight (``ideal``) layout of
the GPU's share of the model at each reserved length, so sliding windows and recurrent state
count as they should. ``shared_prefix`` tokens common to every request are stored once where
the strategy can share them: whole blocks for ``paged`` (vLLM's prefix cache shares only full
blocks), every token for ``token`` (SGLang's radix cache).
"""
from __future__ import annotations

import csv
import math
import random
import re
from pathlib import Path

from ..model.dtypes import cdiv
from ..errors import KvplanError, opt
from ..model.frozen import record

DEFAULT_REQUESTS = 1000
_DIST = re.compile(r"^(uniform|normal|lognormal):(.+)$")
_EXAMPLES = {"uniform": "uniform:100-4000", "normal": "normal:4096,1024", "lognormal": "lognormal:2048,0.5"}
_FORMS = "uniform:A-B, normal:MEAN,STD, lognormal:MEDIAN,SIGMA or a file"

# The most requests any command takes (simulate, plan, check-bench --max-requests, fit --lengths
# --requests): simulate's cost sets it. A simulated request holds about 4.3 kB while it runs and
# costs about 0.27 ms of CPU. Measured (ux17, the 2-core development machine): `/usr/bin/time -v
# kvplan simulate llama-3.1-8b --gpu h100 --rate 1 --prompt-tokens 100 --output-tokens 10 --requests
# 100000` took 26.85 s and a maximum resident set of 428,320 kB; 10^8 requests were killed for
# memory (23 GB). So 10^6 is about 4.3 GB and minutes: past it a count is a typo, not a question.
# fit samples lengths more cheaply (ux18: `/usr/bin/time -f "%e s %M kB" kvplan fit llama-3.1-8b
# --gpu h100 --lengths normal:4096,1024 --requests 1000000` 3.42 s, 69,840 kB), but 10^8 would be
# minutes and GBs there too, and the same count is one answer in every command.
MAX_REQUESTS = 1_000_000


def check_requests(requests: int, name: str = "requests") -> None:
    """Past ``MAX_REQUESTS`` a request count is refused, not run until the machine kills it
    (``name``: the parameter it came in, for the message)."""
    if requests > MAX_REQUESTS:
        raise KvplanError(f"{opt(name)} {requests:,} is more than kvplan takes ({MAX_REQUESTS:,}: a "
                          f"simulated request holds about 4.3 kB and costs 0.27 ms, so 4.3 GB and minutes at "
                          f"the most); is it a typo?")


def _num(text: str, what: str) -> float:
    try:
        v = float(text)
    except ValueError:
        raise KvplanError(f"--lengths: {what} must be a number, got '{text}'") from None
    if not math.isfinite(v):
        raise KvplanError(f"--lengths: {what} must be finite, got '{text}'")
    return v


def parse_lengths(spec: str, limit: int, n: int | None = None, seed: int | None = None) -> tuple[list[int], str]:
    """Request lengths from a distribution or a file, and a one-line description of them.

    Distributions are sampled with ``random.Random(seed)`` and clipped to [1, limit]; a file's
    lengths must already be within it (one integer per line, or a CSV with ``prompt_tokens`` and
    ``output_tokens`` columns whose sum is the length). ``n`` (default ``DEFAULT_REQUESTS``) and
    ``seed`` (default 0) sample a distribution: given with a file, which is taken whole, they are
    refused rather than dropped without a word."""
    text = spec.strip()
    if not text:
        raise KvplanError(f"--lengths is empty; give {_FORMS}")
    head, colon, rest = text.partition(":")
    if head in _EXAMPLES and not rest.strip() and (colon or not Path(text).exists()):  # "uniform:" alone
        raise KvplanError(f"--lengths {head}: needs its parameters, e.g. {_EXAMPLES[head]}")
    m = _DIST.match(text)
    if m:
        n = DEFAULT_REQUESTS if n is None else n
        seed = 0 if seed is None else seed
        rng = random.Random(seed)
        kind, args = m.group(1), m.group(2)
        if kind == "uniform":
            lo_hi = re.fullmatch(r"\s*(\d+)\s*-\s*(\d+)\s*", args)
            if not lo_hi or int(lo_hi.group(1)) < 1 or int(lo_hi.group(1)) > int(lo_hi.group(2)):
                raise KvplanError(f"--lengths uniform:A-B needs whole numbers 1 <= A <= B, got '{args}'")
            lo, hi = int(lo_hi.group(1)), int(lo_hi.group(2))
            raw = [rng.randint(lo, hi) for _ in range(n)]
        else:
            parts = args.split(",")
            if len(parts) != 2:
                raise KvplanError(f"--lengths {kind}: needs two numbers, e.g. {kind}:4096,1024")
            a, b = _num(parts[0], "the first parameter"), _num(parts[1], "the spread")
            if b < 0 or (kind == "lognormal" and a <= 0):
                raise KvplanError(f"--lengths {kind}:{args}: the spread must be >= 0"
                                  + (" and the median > 0" if kind == "lognormal" else ""))
            # each draw held to [-1, limit + 1] before rounding, so a huge spread clips rather than
            # overflowing (round(inf), exp(800)); the same draws and the same clipped count, as
            # random.lognormvariate is exp(normalvariate(mu, sigma))
            if kind == "normal":
                raw = [round(min(max(rng.gauss(a, b), -1.0), limit + 1.0)) for _ in range(n)]
            else:
                cap = math.log(limit + 1)
                raw = [round(math.exp(min(rng.normalvariate(math.log(a), b), cap))) for _ in range(n)]
        lengths = [min(max(1, x), limit) for x in raw]
        clipped = sum(1 for x in raw if x < 1 or x > limit)
        note = f"{n:,} request{'s' if n != 1 else ''} sampled from {text} (seed {seed})" + \
            (f", {clipped:,} clipped to [1, {limit:,}]" if clipped else "")
        return lengths, note
    if ":" in text and not Path(text).exists():
        raise KvplanError(f"--lengths: unknown distribution '{text.split(':')[0]}'; use {_FORMS}")
    given = [opt(k) for k, v in (("requests", n), ("seed", seed)) if v is not None]
    if given:
        raise KvplanError(f"{' and '.join(given)} sample{'' if len(given) > 1 else 's'} a --lengths distribution; "
                          f"{text} is a file, taken whole: leave {'them' if len(given) > 1 else 'it'} out")
    return _from_file(Path(text), limit)


def _from_file(path: Path, limit: int) -> tuple[list[int], str]:
    from ..sources.readers import read_text  # UTF-8, a spreadsheet's byte-order mark dropped

    if not path.exists():  # not a file: perhaps a distribution mistyped (10,20; uniform 1-10)
        raise KvplanError(f"--lengths: no such file: {path}; give {_FORMS}")
    try:
        body = read_text(path, "lengths file")
    except KvplanError as e:
        raise KvplanError(f"--lengths: {e}") from None
    lines = [ln for ln in body.splitlines() if ln.strip()]
    if not lines:
        raise KvplanError(f"--lengths: {path} holds no request lengths")
    out = []
    if "," in lines[0] and not re.fullmatch(r"\s*\d+\s*", lines[0]):
        rows = csv.DictReader(lines)
        if not rows.fieldnames or not {"prompt_tokens", "output_tokens"} <= set(rows.fieldnames):
            raise KvplanError(f"--lengths: {path}: a CSV needs prompt_tokens and output_tokens columns")
        for i, row in enumerate(rows, start=2):
            out.append(_length(row["prompt_tokens"], path, i, "prompt_tokens", allow_zero=True)
                       + _length(row["output_tokens"], path, i, "output_tokens", allow_zero=True))
            if out[-1] < 1:
                raise KvplanError(f"--lengths: {path} line {i}: a request needs at least one token")
    else:
        out = [_length(ln, path, i) for i, ln in enumerate(lines, start=1)]
    if not out:  # a CSV of its header alone
        raise KvplanError(f"--lengths: {path} holds no request lengths")
    for i, x in enumerate(out, start=1):
        if x > limit:
            raise KvplanError(f"--lengths: {path}: request {i} has {x:,} tokens, beyond the context "
                              f"limit of {limit:,}")
    return out, f"{len(out):,} requests from {path}"


def _length(text: str, path: Path, line: int, what: str = "a length", allow_zero: bool = False) -> int:
    t = str(text).strip()
    if not re.fullmatch(r"\d+", t) or (int(t) < 1 and not allow_zero):
        raise KvplanError(f"--lengths: {path} line {line}: {what} must be a positive integer, got '{t}'")
    return int(t)


@record
class Strategy:
    name: str
    granularity: str
    fit_at_once: int  # requests, in arrival order, whose reservations fit in the budget together
    reserved_bytes: int  # what those requests reserve
    written_bytes: int  # what they write
    shared_bytes: int  # prefix bytes stored once instead of once per request

    @property
    def waste(self) -> float:
        """Share of the reserved cache never written (0 when nothing is reserved)."""
        return 1 - self.written_bytes / self.reserved_bytes if self.reserved_bytes else 0.0


def strategies(lengths: list[int], cost, budget: int, max_model_len: int, block_sizes: list[int],
               shared_prefix: int = 0) -> list[Strategy]:
    """Each strategy over the requests in arrival order. ``cost(tokens)`` is one request's cache
    bytes at that many tokens; ``budget`` the bytes the cache may use."""
    memo: dict[int, int] = {}

    def c(t: int) -> int:
        if t not in memo:
            memo[t] = cost(t) if t > 0 else 0
        return memo[t]

    def greedy(reserve, shared_tokens: int = 0, name: str = "", gran: str = "") -> Strategy:
        shared = c(shared_tokens) if shared_tokens else 0
        used, n, written = shared, 0, 0
        for ln in lengths:
            r = reserve(ln) - (shared if shared_tokens else 0)
            if used + r > budget:
                break
            used += r
            n += 1
            written += c(ln) - (shared if shared_tokens else 0)
        written += shared if n else 0
        return Strategy(name, gran, n, used if n else 0, written, shared * (n - 1) if n > 1 else 0)

    out = [greedy(lambda ln: c(max_model_len), name="contiguous",
                  gran=f"max_model_len ({max_model_len:,} tokens) per request")]
    # padded: batches in arrival order; a batch grows while it fits when padded to its longest
    n = written = reserved = 0
    longest = 0
    for ln in lengths:
        new_longest = max(longest, ln)
        need = (n + 1) * c(new_longest)
        if need > budget:
            break
        n, longest = n + 1, new_longest
        written += c(ln)
        reserved = need
    out.append(Strategy("padded", "batch padded to its longest request", n, reserved, written, 0))
    for b in block_sizes:
        shared_tokens = (shared_prefix // b) * b
        out.append(greedy(lambda ln, b=b: c(cdiv(ln, b) * b), shared_tokens, f"paged {b}",
                          f"blocks of {b} tokens"))
    out.append(greedy(lambda ln: c(ln), shared_prefix, "token", "one token"))
    return out
