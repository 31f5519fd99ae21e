"""Mixture of experts: a pass of T tokens each routed to k of E experts reads the distinct experts
they pick, E·(1 − (1 − k/E)^T) in expectation under uniform routing, and each expert it reads
multiplies T·k / (experts read) tokens (a grouped GEMM of that M per expert).

Expert parallelism (vLLM ``--enable-expert-parallel``, EP = tp × data-parallel-size ranks; see
``kvplan.plan.parallel``): each rank holds E/EP whole experts and the data-parallel ranks step in
lockstep, so the tokens routed are all DP ranks' together (T = rows × DP, equal batches assumed);
under uniform routing a rank reads its share of the distinct experts, E·(1 − (1 − k/E)^T) / EP,
each at the same T·k / (experts read) tokens."""
from __future__ import annotations

from ...errors import KvplanError, opt
from ...model.spec import MoeMlp


def expected_experts(num_experts: int, k: int, tokens: int) -> float:
    return num_experts * (1.0 - (1.0 - k / num_experts) ** tokens)


def tokens_per_expert(num_experts: int, k: int, tokens: int) -> float:
    return tokens * k / max(expected_experts(num_experts, k, tokens), 1e-9)


def experts_read_per_rank(num_experts: int, k: int, tokens: int, ep: int) -> float:
    """Distinct experts one of ``ep`` ranks reads when ``tokens`` tokens (all DP ranks') route."""
    return expected_experts(num_experts, k, tokens) / ep


def check_expert_parallel(spec, tp: int, ep: int, asked: bool = False) -> int:
    """The data-parallel size of ``ep`` = tp × DP ranks, or a one-line error for a combination
    kvplan cannot price: EP on a dense model, EP not a multiple of tp, EP not dividing every MoE
    layer's experts (vLLM gives the first E mod EP ranks one more; kvplan prices even splits only).
    ``asked``: the flag was given, so a dense model is an error even at EP 1."""
    if ep == 1 and not asked:
        return 1
    if not isinstance(ep, int) or ep < 1 or ep % tp:
        raise KvplanError(f"expert parallelism spans {opt('tp')} × {opt('data_parallel_size')} ranks; got {ep!r}")
    moes = {lt.mlp.num_experts for lt in spec.layer_types.values() if isinstance(lt.mlp, MoeMlp)}
    if not moes:
        raise KvplanError(f"{opt('enable_expert_parallel')} needs a mixture-of-experts model; {spec.name} is dense")
    bad = sorted(e for e in moes if e % ep)
    if bad:
        raise KvplanError(f"{opt('enable_expert_parallel')} over {ep} ranks ({opt('tp')} × "
                          f"{opt('data_parallel_size')}) does not divide {spec.name}'s {bad[0]} experts "
                          f"evenly; kvplan prices even splits only")
    return ep // tp
