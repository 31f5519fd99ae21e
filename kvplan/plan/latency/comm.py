"""Tensor-parallel communication: two all-reduces per layer (after attention's output projection and
after the MLP's down projection, Megatron-LM's split), one more for the vocabulary-parallel
embedding; each α + bytes/β with α, β by interconnect and GPU count."""
from __future__ import annotations


def allreduces_per_step(layers: int) -> int:
    return 2 * layers + 1


def seconds(prof, tp: int, rows: int, hidden: int, act_bytes: int, layers: int):
    """(seconds, bytes per all-reduce, calls, source)."""
    if tp <= 1:
        return 0.0, 0, 0, ""
    nbytes = rows * hidden * act_bytes
    alpha, beta, src = prof.allreduce(tp)
    calls = allreduces_per_step(layers)
    return calls * (alpha + nbytes / beta), nbytes, calls, src
