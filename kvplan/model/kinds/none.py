"""A layer that caches nothing (an MLP-only block)."""
from __future__ import annotations

from typing import Literal

from .base import StateTensor, _Frozen


class NoCache(_Frozen):
    """A layer that keeps nothing between steps (an MLP-only block, a non-causal layer)."""

    kind: Literal["none"] = "none"

    def kv_rows(self) -> list[tuple[int, int]]:
        return []

    def span(self, ctx: int) -> int:
        return 0

    def state(self, model_dtype: str) -> list[StateTensor]:
        return []

    def params(self, hidden: int) -> int:
        return 0

    def linears(self, hidden: int) -> list[tuple[int, int]]:
        return []

    def mix_flops(self, first: int, last: int) -> int:
        return 0

    def geometry(self) -> str:
        return "-"

    def shard(self, tp: int):
        return self

    def label(self) -> str:
        return "none"
