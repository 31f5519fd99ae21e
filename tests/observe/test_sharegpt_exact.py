"""Issue 25: ``sharegpt.pairs`` (observe/sharegpt.py) against draws a reader can redo: the sample is
``random.Random(seed).choices(PAIRS, k=n)`` (seed 0 by default), each side scaled by the wanted mean
over the sample's mean (65,578 / 320 prompt and 65,331 / 320 output tokens), rounded, at least 1."""
import random

from kvplan.observe import sharegpt

MP = sum(p for p, _ in sharegpt.PAIRS) / len(sharegpt.PAIRS)  # 65,578 / 320 = 204.93...
MO = sum(o for _, o in sharegpt.PAIRS) / len(sharegpt.PAIRS)  # 65,331 / 320 = 204.16...


def _draws(n, seed):
    return random.Random(seed).choices(sharegpt.PAIRS, k=n)


def test_the_sample_unscaled_and_doubled():
    d = _draws(400, 0)
    # at the sample's own means the factor is exactly 1: the measured pairs, a 0-token answer as 1
    assert sharegpt.pairs(400, MP, MO) == [(p, max(1, o)) for p, o in d]
    assert any(o == 0 for _, o in d)  # the sample holds some of the 15 empty answers
    # twice the output mean: every answer doubled (2 × 0 still 1), prompts unchanged
    assert sharegpt.pairs(400, MP, 2 * MO) == [(p, max(1, 2 * o)) for p, o in d]
    assert sharegpt.pairs(400, MP, MO, seed=5) == [(p, max(1, o)) for p, o in _draws(400, 5)]


def test_lengths_never_below_one_token():
    # a prompt mean of 10⁻⁶ scales every prompt below half a token: each is 1, not 0 (nor 2)
    assert {p for p, _ in sharegpt.pairs(50, 1e-6, MO)} == {1}
    assert {o for _, o in sharegpt.pairs(50, MP, 1e-6)} == {1}
