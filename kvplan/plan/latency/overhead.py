"""Per-step engine overhead (scheduling, launches not hidden by CUDA graphs, sampling) and the
logits: the LM head is priced as a GEMM of the pass's sampled rows (one per sequence), and the
rest as base + per layer + per sequence, constants fitted per engine on the fit half.

What "a layer" is: the per-layer constant was fitted (benchmarks/latency/fit.py, its ``cl``
coefficient) on rows whose every layer is a token mixer plus an MLP or MoE, two residual blocks
(``LayerType.blocks``; every catalog model but the Nemotron-H family: tests/plan/test_hybrid_blocks.py),
so it is the cost of two blocks' kernels. A layer of one block (Nemotron-H: a Mamba2, attention,
MLP or MoE block alone) launches about half of them, so ``layer_equivalents`` counts blocks / 2:
the same count as before for every fitted row (the fit does not move), half a layer for each
single-block layer. The fit has no hybrid row to tell a Mamba block from an MLP block, so each
block counts alike; that is a choice, not a measurement."""
from __future__ import annotations


def layer_equivalents(spec) -> float:
    """The layers the fitted per-layer term is charged for: ``spec``'s residual blocks / 2."""
    return spec.blocks() / 2


def seconds(prof, layers: float, seqs: int, prompt: bool = False):
    """``layers``: ``layer_equivalents`` of the model. ``prompt``: the pass carries prompt tokens
    (Profile.overhead: eager where graphs capture decode only)."""
    return prof.overhead(layers, seqs, prompt)
