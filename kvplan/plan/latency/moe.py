"""Mixture of experts: a pass of T tokens each routed to k of E experts reads the distinct experts
they pick, E·(1 − (1 − k/E)^T) in expectation under uniform routing, and each expert it reads
multiplies T·k / (experts read) tokens (a grouped GEMM of that M per expert)."""
from __future__ import annotations


def expected_experts(num_experts: int, k: int, tokens: int) -> float:
    return num_experts * (1.0 - (1.0 - k / num_experts) ** tokens)


def tokens_per_expert(num_experts: int, k: int, tokens: int) -> float:
    return tokens * k / max(expected_experts(num_experts, k, tokens), 1e-9)
