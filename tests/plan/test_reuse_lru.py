"""Prefix reuse replayed over LRU tiers (kvplan/plan/reuse.py): the edge cases, by hand.

Blocks of 16 tokens unless said; a request's blocks are keyed by its prefix id while they lie
wholly inside the shared prefix, by the request otherwise; a hit is at most prompt − 1 tokens.
"""
import pytest

from kvplan.plan.reuse import replay
from kvplan.plan.simulate import Request


def _hits(reqs, shared, block, tiers):
    u = replay(reqs, shared, block, tiers)
    return [t.hit_tokens for t in u.tiers]


def test_a_tier_holds_exactly_its_capacity():
    # A computes its 64-token prompt (the shared prefix) and no output: 4 blocks, exactly a GPU
    # tier of 64 tokens; B finds all 4
    reqs = [Request(0.0, 64, 0, "p"), Request(1.0, 80, 1, "p")]
    assert _hits(reqs, 64, 16, [("GPU", 64)]) == [64]
    # a tier of one block keeps one: B's first block hits
    assert _hits([Request(0.0, 16, 0, "p"), Request(1.0, 32, 1, "p")], 64, 16, [("GPU", 16)]) == [16]
    # under one block holds nothing
    assert _hits(reqs, 64, 16, [("GPU", 15)]) == [0]


def test_requests_without_a_prefix_share_nothing():
    reqs = [Request(0.0, 64, 1), Request(1.0, 64, 1)]
    assert _hits(reqs, 64, 16, [("GPU", 4096)]) == [0]
    # SGLang's page of one token: not even the first token is shared
    assert _hits(reqs, 64, 1, [("GPU", 4096)]) == [0]
    # the same with a prefix id: 63 tokens (prompt − 1) at pages of 1
    assert _hits([Request(0.0, 64, 1, "p"), Request(1.0, 64, 1, "p")], 64, 1, [("GPU", 4096)]) == [63]


def test_output_tokens_are_cached_too():
    # A: 32 prompt + 40 output = 72 tokens, 4 full blocks (its first 2 the 32-token prefix);
    # B (prompt 48) finds the 2 prefix blocks
    reqs = [Request(0.0, 32, 40, "p"), Request(1.0, 48, 1, "p")]
    assert _hits(reqs, 32, 16, [("GPU", 4096)]) == [32]
    # A's output pushes its prefix out of a GPU of 4 blocks into the host tier
    reqs = [Request(0.0, 64, 64, "p"), Request(1.0, 80, 1, "p")]
    assert _hits(reqs, 64, 16, [("GPU", 64), ("CPU", 4096)]) == [0, 64]


def test_a_hit_is_at_most_prompt_minus_one_tokens():
    # a 65-token prompt may take all 4 blocks of the 64-token prefix (64 <= 65 − 1)
    reqs = [Request(0.0, 64, 16, "p"), Request(1.0, 65, 1, "p")]
    assert _hits(reqs, 64, 16, [("GPU", 4096)]) == [64]


def test_the_record():
    u = replay([Request(0.0, 64, 16, "p"), Request(1.0, 80, 1, "p"), Request(2.0, 10, 1)], 64, 16,
               [("GPU", 64), ("CPU", 1024)])
    assert (u.requests, u.prompt_tokens, u.block_size, u.missed_tokens) == (3, 154, 16, 154 - 64)
    assert [(t.tier, t.capacity_tokens) for t in u.tiers] == [("GPU", 64), ("CPU", 1024)]
    assert u.note == ("requests replayed one after another (in-flight blocks never crowd the cache): an upper "
                      "bound for a busy server")
    assert u.hit_rate == pytest.approx(64 / 154)
    assert replay([], 64, 16, [("GPU", 64)]).hit_rate == 0.0
