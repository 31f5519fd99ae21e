"""Per-step engine overhead (scheduling, launches not hidden by CUDA graphs, sampling) and the
logits: the LM head is priced as a GEMM of the pass's sampled rows (one per sequence), and the
rest as base + per layer + per sequence, constants fitted per engine on the fit half."""
from __future__ import annotations


def seconds(prof, layers: int, seqs: int, prompt: bool = False):
    """``prompt``: the pass carries prompt tokens (Profile.overhead: eager where graphs capture decode only)."""
    return prof.overhead(layers, seqs, prompt)
