"""Prefix reuse from traffic (issue 23): the share of prompt tokens a trace finds cached in each
KV tier, replayed over the tiers' capacities.

The trace is simulate's CSV (``arrival_s,prompt_tokens,output_tokens[,prefix_id]``): requests
with the same ``prefix_id`` share their first ``--shared-prefix`` tokens; every other token is
the request's own. Each engine's hashing and lookup, as its code does it:

* vLLM 0.33 (v1/core/kv_cache_utils.py hash_block_tokens, KVCacheManager.get_computed_blocks):
  full blocks of ``block_size`` tokens, each hash chained on its parent's; a hit is the longest
  run of cached blocks from the start, at most ``prompt − 1`` tokens (max_cache_hit_length); the
  CPU tier (OffloadingConnector) holds the same blocks, stored as they are computed;
* SGLang 0.5.23 (mem_cache radix tree, HiCache write_through by default): the same prefix match
  at ``page_size`` granularity (1 by default) over the GPU radix cache and then the host pool.

Each tier is an LRU of its capacity in blocks; every block a request computes (prompt and output)
is inserted into every tier (write-through), a hit refreshes it. Simplification, on the
optimistic side and said so: requests run one after another, so in-flight requests' blocks never
crowd the cache; the hit rate is an upper bound for a busy server.
"""
from __future__ import annotations

from collections import OrderedDict

from ..model.frozen import record


@record
class TierHits:
    tier: str
    capacity_tokens: int
    hit_tokens: int


@record
class Reuse:
    requests: int
    prompt_tokens: int
    block_size: int
    tiers: tuple[TierHits, ...]
    missed_tokens: int
    note: str

    @property
    def hit_rate(self) -> float:
        return sum(t.hit_tokens for t in self.tiers) / self.prompt_tokens if self.prompt_tokens else 0.0


class _LRU:
    def __init__(self, blocks: int):
        self.cap, self.d = blocks, OrderedDict()

    def __contains__(self, k) -> bool:
        return k in self.d

    def touch(self, k) -> None:
        if self.cap <= 0:
            return
        self.d[k] = None
        self.d.move_to_end(k)
        while len(self.d) > self.cap:
            self.d.popitem(last=False)


def replay(requests, shared_prefix: int, block_size: int, tiers: list[tuple[str, int]]) -> Reuse:
    """``requests``: simulate.Request rows in arrival order; ``tiers``: (name, capacity in tokens),
    fastest first (the GPU pool, then the host tier)."""
    lrus = [_LRU(cap // block_size) for _, cap in tiers]
    hits = [0] * len(tiers)
    prompt_total = missed = 0
    for i, r in enumerate(requests):
        shared = min(shared_prefix, r.prompt) if r.prefix_id is not None else 0
        n_blocks = (r.prompt + r.output) // block_size

        def key(b: int):  # a block's chained hash is the prefix's identity up to it
            return (r.prefix_id, b) if (b + 1) * block_size <= shared else (i, b)

        limit = (r.prompt - 1) // block_size  # at most prompt − 1 tokens come from the cache
        prompt_total += r.prompt
        got = 0
        for b in range(limit):
            k = key(b)
            where = next((t for t, lru in enumerate(lrus) if k in lru), None)
            if where is None:
                break
            hits[where] += block_size
            got += block_size
        missed += r.prompt - got
        for b in range(n_blocks):
            for lru in lrus:
                lru.touch(key(b))
    note = ("requests replayed one after another (in-flight blocks never crowd the cache): an upper "
            "bound for a busy server")
    return Reuse(len(requests), prompt_total, block_size,
                 tuple(TierHits(n, c, h) for (n, c), h in zip(tiers, hits)), missed, note)
