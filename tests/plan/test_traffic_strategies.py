"""Each allocation strategy over a list of request lengths (kvplan/plan/traffic.py strategies),
by hand, with a cache of 10 bytes a token."""
from kvplan.plan.traffic import strategies


def _run(lengths, budget, shared_prefix=None, max_model_len=32):
    kw = {} if shared_prefix is None else {"shared_prefix": shared_prefix}
    out = strategies(lengths, lambda t: 10 * t, budget, max_model_len, [8], **kw)
    return {s.name: (s.fit_at_once, s.reserved_bytes, s.written_bytes, s.shared_bytes) for s in out}, out


def test_each_strategy_without_a_shared_prefix():
    got, out = _run([1, 20, 3, 17], 600)
    assert [(s.name, s.granularity) for s in out] == [
        ("contiguous", "max_model_len (32 tokens) per request"), ("padded", "batch padded to its longest request"),
        ("paged 8", "blocks of 8 tokens"), ("token", "one token")]
    # contiguous: 320 bytes each; 640 > 600, so one request, which writes 10
    assert got["contiguous"] == (1, 320, 10, 0)
    # padded: 1 × 10, then 2 × 200, then 3 × 200 = 600 (exactly the budget), then 4 × 200 > 600;
    # written 10 + 200 + 30
    assert got["padded"] == (3, 600, 240, 0)
    # paged 8: 80, 240, 80 (= 400), then 240 more is 640 > 600; written 10 + 200 + 30
    assert got["paged 8"] == (3, 400, 240, 0)
    # token: 10 + 200 + 30 + 170 = 410, all four
    assert got["token"] == (4, 410, 410, 0)
    # a budget of exactly 410 still holds all four by token, 409 three
    assert _run([1, 20, 3, 17], 410)[0]["token"][0] == 4 and _run([1, 20, 3, 17], 409)[0]["token"][0] == 3


def test_a_shared_prefix_is_stored_once():
    # 16 shared tokens (160 bytes, two whole blocks of 8) stored once for paged and token
    got, _ = _run([20, 24, 16], 1000, 16)
    # paged 8: 160 + (240 − 160) + (240 − 160) + (160 − 160) = 320 reserved; written
    # (200 − 160) + (240 − 160) + 0 + 160 once = 280; two copies of 160 saved
    assert got["paged 8"] == (3, 320, 280, 320)
    # token: 160 + 40 + 80 + 0 = 280, all written
    assert got["token"] == (3, 280, 280, 320)
    # contiguous and padded share nothing: 3 × 320 = 960; 3 × 240 = 720; written 600
    assert got["contiguous"] == (3, 960, 600, 0) and got["padded"] == (3, 720, 600, 0)
    # 20, 24 and 30 tokens in 300 bytes by token: 160 + 40 + 80 = 280, then 140 more > 300:
    # two requests, written 40 + 80 + 160, one copy saved
    assert _run([20, 24, 30], 300, 16)[0]["token"] == (2, 280, 280, 160)


def test_nothing_fits():
    # 20 tokens after a 16-token prefix: 160 + 40 = 200 > 100: none, and nothing reserved,
    # written or shared (the prefix is not counted without a request)
    got, _ = _run([20], 100, 16)
    assert set(got.values()) == {(0, 0, 0, 0)}
