"""What every layer kind shares: the spec base class, the tensor-parallel divisibility check,
and the two records kinds return: a fixed-size state tensor and a side cache."""
from __future__ import annotations

from ..frozen import Frozen, PositiveInt


class _Frozen(Frozen):
    """A spec class: a frozen class (kvplan.model.frozen), validated by pydantic only for untrusted input."""


def _divides(what: str, n: int, tp: int) -> None:
    if n % tp:
        from ...errors import KvplanError, opt

        raise KvplanError(f"{opt('tp', tp)} does not divide the {n} {what}; "
                          f"choose a tensor-parallel size that divides {n}")


class StateTensor(_Frozen):
    """A fixed-size per-sequence tensor (one layer, one sequence)."""

    name: str
    elements: int
    dtype: str  # an element format name (see dtypes.py)


# --- 2026 frontier kinds: side caches beside the main one -----------------------------------
# A side cache is cached per token (or per ``stride`` tokens) like K/V, but in its own format
# and with its own count of entries: an indexer's keys (DeepSeek-V3.2, GLM-5, MiniMax-M3) or a
# compressed KV series (DeepSeek-V4). Kinds that have them list them in ``side_caches()``; an
# engine that does not model them must refuse the kind (see engines/__init__.py refuse()).


class SideCache(_Frozen):
    """A per-token cache beside a layer's main K/V: ``rows`` × ``values`` per entry, one entry
    per ``stride`` tokens (a compression ratio; 1 = every token), in ``format`` (an element
    format name; None = the KV dtype the user asked for)."""

    name: str
    rows: PositiveInt = 1
    values: PositiveInt
    stride: PositiveInt = 1
    format: str | None = None

    def entries(self, ctx: int) -> int:
        """Entries a tight cache holds after ``ctx`` tokens: one per complete group of
        ``stride`` tokens (the tokens of an unfinished group are the compressor's state)."""
        return ctx // self.stride
