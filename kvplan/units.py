"""Units, both ways: counts and sizes as people write them, and byte counts as people read them.

Parsing (public; the CLI's flags use these, and so can a notebook):

    parse_count("128k")  -> 128_000      parse_count("128K") -> 131_072 (vLLM's suffixes)
    parse_size("60GiB")  -> 64_424_509_440   parse_size("8GB") -> 8_000_000_000

Formatting: GB = 10**9 bytes and GiB = 2**30 bytes, both always labelled (``both(n)`` is
``3.36 GB (3.125 GiB)``); a negative amount keeps its sign in both units.

Errors are ``KvplanError`` naming ``what`` was being parsed (the CLI passes its flag name).
"""
from __future__ import annotations

import math

import re

from .errors import KvplanError, opt

# The largest count kvplan takes: 2^40 (1.1 trillion) tokens or sequences. No model has a
# context within three orders of magnitude of it; a bigger number is a typo, not a question.
MAX_COUNT = 2**40
# The largest size kvplan takes: 2^60 bytes (1 EiB), a million times a 1 TiB host; a bigger size is a
# typo (--kv-offloading-size 10^20 GiB printed a 90-column "107374182400.00 EB" row; 10^400 GiB was
# an OverflowError traceback, ux18).
MAX_SIZE = 2**60

_SUFFIX = {"k": 10**3, "m": 10**6, "g": 10**9, "t": 10**12,
           "K": 2**10, "M": 2**20, "G": 2**30, "T": 2**40}
_SIZE_UNITS = {"": 1, "b": 1, "kb": 10**3, "mb": 10**6, "gb": 10**9, "tb": 10**12,
               "kib": 2**10, "mib": 2**20, "gib": 2**30, "tib": 2**40}


def _times(number: str, mult: int) -> tuple[int, bool]:
    """A decimal string (``25.6``) times ``mult``, exactly, in ints: (rounded down, whether whole)."""
    whole, _, frac = number.partition(".")
    num, den = int(whole + frac) * mult, 10 ** len(frac)
    return num // den, num % den == 0


_TOKEN_WORDS = ("ctx", "context", "len", "token", "prompt", "prefix")


def _hint(what: str) -> str:
    """How to write the number: the token suffixes for a length in tokens (``--ctx``,
    ``max_model_len``), a plain count for anything else (``--batch``, ``tp``)."""
    if any(w in what.lower() for w in _TOKEN_WORDS):
        return "(write 4096, 4,096, 128k = 128,000 or 128K = 131,072)"
    return "(write a count: 1, 8, 1,024)"


def parse_count(text, what: str = "count", limit: int = MAX_COUNT, zero: bool = False) -> int:
    """A positive whole number as people write it: ``4096``, ``4_096``, ``4,096``, and vLLM's
    suffixes (vllm/utils/argparse_utils.py human_readable_int): ``128k`` = 128,000, ``128K`` =
    131,072, ``25.6k`` = 25,600, ``1M`` = 1,048,576. What is not a whole number (``4096.5``,
    ``1.5K``) or is above ``limit`` is one clear error; its hint shows the suffixes where
    ``what`` is a length in tokens, and plain counts elsewhere. ``zero``: 0 is taken too (a
    seed, a shared prefix), and the error says so."""
    if isinstance(text, int) and not isinstance(text, bool):
        value = text
    else:
        t = str(text).strip().replace("_", "").replace(",", "")
        m = re.fullmatch(r"(\d+(?:\.\d+)?)([kKmMgGtT]?)", t)
        value = None
        # vLLM: decimals only with a decimal suffix (25.6k), never with a binary one (1.5K)
        if m and len(m.group(1)) <= 40 and (m.group(2).islower() or "." not in m.group(1)):
            v, whole = _times(m.group(1), _SUFFIX.get(m.group(2), 1))
            value = v if whole else None
    if value is None or value < (0 if zero else 1):
        kind = "a whole number, 0 or more" if zero else "a positive whole number"
        raise KvplanError(f"{what} must be {kind}, got '{text}' {_hint(what)}")
    if value > limit:
        raise KvplanError(f"{what} {value:,} is more than kvplan takes ({limit:,}); is it a typo?")
    return value


def check_tokens(ctx: int, batch: int, what: str = "ctx") -> None:
    """The tokens a cache holds, ``what`` (a length: ``ctx``, ``prompt``) times ``batch``, are a
    count too: past ``MAX_COUNT`` they are a typo, not a question (``--ctx 1T --batch 1T`` would
    price 10^24 tokens, and its table would not fit a terminal)."""
    if ctx * batch > MAX_COUNT:
        raise KvplanError(f"{opt(what)} × {opt('batch')} = {ctx * batch:,} tokens is more than kvplan takes "
                          f"({MAX_COUNT:,}); is it a typo?")


def parse_range(name: str, text: str) -> list[int]:
    """``1k:128k`` (doubling from the first to the last, the last always included),
    ``1k:128k:x4`` (× 4), ``1024:8192:+1024`` (steps of 1,024), or a list ``1,8,32``."""
    t = str(text).strip()
    if ":" in t:
        parts = t.split(":")
        if len(parts) not in (2, 3):
            raise KvplanError(f"{name} range must be START:END or START:END:xF / +STEP, got '{text}'")
        lo, hi = parse_count(parts[0], name), parse_count(parts[1], name)
        if hi < lo:
            raise KvplanError(f"{name} range ends before it starts: '{text}'")
        step = parts[2].strip() if len(parts) == 3 else "x2"
        m = re.fullmatch(r"([x*+])(.+)", step)
        if not m:
            raise KvplanError(f"{name} range step must be xF (multiply) or +N (add), got '{step}'")
        s = parse_count(m.group(2), name)
        if m.group(1) in "x*" and s < 2:
            raise KvplanError(f"{name} range factor must be at least 2, got '{step}'")
        out, v = [], lo
        while v <= hi:
            out.append(v)
            v = v * s if m.group(1) in "x*" else v + s
            if len(out) > 100_000:
                raise KvplanError(f"{name} range '{text}' has more than 100,000 values")
        if out[-1] != hi:
            out.append(hi)
        return out
    vals = [parse_count(v, name) for v in t.split(",") if v.strip()]
    if not vals:
        raise KvplanError(f"{name} is empty")
    return vals


def parse_size(text, what: str = "size") -> int | None:
    """A memory size: bytes (``64424509440``, ``64_424_509_440``) or a number with a unit
    (``60GiB``, ``8GB``, ``1.5 GiB``); GB = 10^9, GiB = 2^30. Fractions of a byte round down where
    a unit makes them (``1.1kib``); a fraction of a bare byte count (``1.5``) is refused.
    None stays None (an option not given)."""
    if text is None:
        return None
    if isinstance(text, int) and not isinstance(text, bool):
        if text < 0:
            raise KvplanError(f"{what} must not be negative, got {text}")
        return text
    t = str(text).strip().replace("_", "").replace(",", "")
    m = re.fullmatch(r"(\d+(?:\.\d+)?)\s*([A-Za-z]*)", t)
    unit = m.group(2).lower() if m else ""
    if not m or unit not in _SIZE_UNITS or len(m.group(1)) > 40:
        raise KvplanError(f"{what} must be a size like 60GiB, 8GB or a byte count, got '{text}'")
    n, whole = _times(m.group(1), _SIZE_UNITS[unit])
    if not whole and unit in ("", "b"):  # "1.5" read as 1 byte, a GiB meant: not rounded down silently
        raise KvplanError(f"{what} {text} is not a whole number of bytes; give a unit (1.5GiB, 1.5GB) or whole bytes")
    return check_size(n, what, text)


def check_size(n: int, what: str = "size", text=None) -> int:
    """``n`` bytes, refused past ``MAX_SIZE`` (as written: ``text``)."""
    if n > MAX_SIZE:
        raise KvplanError(f"{what} {text if text is not None else n} is more than kvplan takes (1 EiB = 2^60 "
                          "bytes); is it a typo?")
    return n


def parse_fraction(text, what: str = "fraction") -> float | None:
    """A share in (0, 1] (``0.9``); None stays None."""
    if text is None:
        return None
    try:
        v = float(text)
    except ValueError:
        raise KvplanError(f"{what} must be a number in (0, 1], got '{text}'") from None
    if not 0 < v <= 1:
        raise KvplanError(f"{what} must be a number in (0, 1], got '{text}'")
    return v


def parse_number(text, what: str = "number", low: float = 0.0, high: float | None = None,
                 open_low: bool = True) -> float | None:
    """A finite real number in (low, high] (or [low, high] with ``open_low`` False); None stays
    None. ``inf`` is refused: no option means "unbounded" by it (simulate reads ``--rate inf``
    itself)."""
    if text is None:
        return None
    try:
        v = float(str(text).strip())
    except ValueError:
        v = float("nan")
    ok = math.isfinite(v) and (v > low if open_low else v >= low) and (high is None or v <= high)
    if not ok:
        rng = f"{'(' if open_low else '['}{low:g}, {high:g}]" if high is not None else \
            (f"> {low:g}" if open_low else f">= {low:g}")
        # inf parses as a number > 0: say which number is meant (plan's --rate inf, where simulate takes it)
        raise KvplanError(f"{what} must be a {'finite ' if math.isinf(v) else ''}number {rng}, got '{text}'")
    return v


_DEC = [(10**18, "EB"), (10**15, "PB"), (10**12, "TB"), (10**9, "GB"), (10**6, "MB"), (10**3, "kB")]
_BIN = [(2**60, "EiB"), (2**50, "PiB"), (2**40, "TiB"), (2**30, "GiB"), (2**20, "MiB"), (2**10, "KiB")]


def _unit(n: int, table, digits: int) -> str:
    if n < 0:
        return "−" + _unit(-n, table, digits)
    for size, name in table:
        if n >= size:
            text = f"{n / size:.{digits}f}"
            if "." in text and table is _BIN:
                text = text.rstrip("0").rstrip(".")
            return f"{text} {name}"
    return f"{n} B"


def gb(n: int) -> str:
    """Decimal units, two decimals: ``3.36 GB``."""
    return _unit(n, _DEC, 2)


def gib(n: int) -> str:
    """Binary units, up to three decimals: ``3.125 GiB``."""
    return _unit(n, _BIN, 3)


def both(n: int) -> str:
    """``3.36 GB (3.125 GiB)``."""
    return f"{gb(n)} ({gib(n)})"


def plural(n: int, word: str, many: str | None = None) -> str:
    """``1 sequence``, ``2 sequences``, ``1,000 requests`` (``many``: an irregular plural)."""
    return f"{n:,} {word if n == 1 else (many or word + 's')}"


def ints(n: int) -> str:
    """``3,355,443,200``."""
    return f"{n:,}"
