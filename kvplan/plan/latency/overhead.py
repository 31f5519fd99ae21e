"""Per-step engine overhead (scheduling, launches not hidden by CUDA graphs, sampling) and the
logits: the LM head is priced as a GEMM of the pass's sampled rows (one per sequence), and the
rest as base + per layer + per sequence, constants fitted per engine on the fit half."""
from __future__ import annotations


def seconds(prof, layers: int, seqs: int):
    return prof.overhead(layers, seqs)
