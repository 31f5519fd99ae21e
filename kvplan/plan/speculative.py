"""Decode speed with speculative decoding (issue 23): ``kvplan perf --speculative-config ...
--acceptance A``. One speculative round per sequence is

* k draft forward passes, each reading the drafter's weights (its budget line in ``kvplan fit``:
  engines/vllm/speculative.py, after the embedding / LM head shared with the target) and the
  drafter's own cache (its layers' share of the target's per-layer KV read) at the
  GPU's effective bandwidth, plus the per-step overhead; and
* one target pass verifying k + 1 tokens of every sequence (``Roofline.mixed`` with a chunk of
  k + 1 new tokens on a cache of ctx: the weights read once, the KV read once, k + 1 tokens of
  compute and KV written);

and yields (1 − α^(k+1)) / (1 − α) tokens per sequence on average for a per-token acceptance
rate α (Leviathan et al. 2023, https://arxiv.org/abs/2211.17192, eq. 1; speculative.py
tokens_per_step). Not modelled: the rejection sampler, the drafter's compute beyond its
bandwidth roof, tree drafts; an n-gram drafter is taken as free."""
from __future__ import annotations

from ..errors import KvplanError
from ..model.frozen import record


@record
class SpecPerf:
    method: str
    num_speculative_tokens: int
    acceptance: float
    tokens_per_step: float  # per sequence, per verification round
    draft_weights_bytes: int
    draft_seconds: float  # the k draft passes
    verify_seconds: float  # the target's pass over k + 1 tokens a sequence
    round_seconds: float
    tokens_per_second: float  # all sequences
    tokens_per_second_per_sequence: float
    speedup: float  # over plain decode at the same ctx and batch


@record
class Drafter:
    """What one speculative round costs and yields, for ``perf`` and ``simulate`` alike."""

    method: str
    num_speculative_tokens: int  # k
    acceptance: float
    tokens_per_step: float  # per sequence, per verification round
    weights_bytes: int  # the drafter's weights on one GPU (0 for n-gram)
    kv_layers: int  # attention layers the drafter adds to the pool
    lookahead: int  # KV slots vLLM reserves past the k + 1 verified (config/vllm.py num_lookahead_tokens)


def drafter(r, spec, sc, acceptance: float | None) -> Drafter:
    """The drafter of ``sc`` (a SpecConfig) for the step model ``r``, at acceptance rate α."""
    from ..engines.vllm import extras, speculative

    if acceptance is None:
        raise KvplanError("--speculative-config needs --acceptance, the per-token acceptance rate (0 to 1)")
    k = sc.num_speculative_tokens
    tps = speculative.tokens_per_step(acceptance, k)
    draft_bytes, draft_layers = 0, 0
    if sc.method != "ngram":
        d = extras.draft(spec, spec.shard(r.tp), _Opts(sc), r.tp, 1)
        draft_bytes, draft_layers = d.weights_bytes, d.kv_layers
    return Drafter(sc.method, k, acceptance, tps, draft_bytes, draft_layers, speculative.lookahead(sc))


def draft_seconds(r, d: Drafter, kv_per_layer_sum: int) -> float:
    """The k draft passes of one round: each reads the drafter's weights and its layers' share
    of the cache (``kv_per_layer_sum``: one target layer's cache read, summed over the
    sequences) at the GPU's effective bandwidth, plus the per-step overhead; 0 for n-gram."""
    if d.method == "ngram":
        return 0.0
    bw = r.gpu.memory_bandwidth_bytes_per_s * r.eff.memory
    return d.num_speculative_tokens * ((d.weights_bytes + d.kv_layers * kv_per_layer_sum) / bw
                                       + r.eff.step_overhead_s)


def spec_perf(r, spec, ctx: int, batch: int, sc, acceptance: float, plain_step_seconds: float) -> SpecPerf:
    d = drafter(r, spec, sc, acceptance)
    k, tps = d.num_speculative_tokens, d.tokens_per_step
    draft_s = draft_seconds(r, d, batch * (r.kv_tokens_read(ctx) // max(1, spec.num_layers)))
    verify_s = r.mixed(chunks=[(ctx, k + 1)] * batch).seconds
    round_s = draft_s + verify_s
    return SpecPerf(sc.method, k, acceptance, tps, d.weights_bytes, draft_s, verify_s, round_s,
                    batch * tps / round_s, tps / round_s, plain_step_seconds / round_s * tps)


@record
class _Opts:
    speculative_config: object
