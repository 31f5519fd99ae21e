"""simulate's workload (kvplan/plan/simulate/workload.py) and host tier (host.py): lengths,
traces and arrivals with every message in full, and the LRU worked out by hand (issue 25)."""
import random
import re

import pytest

from kvplan.errors import KvplanError
from kvplan.plan.simulate.host import HostTier
from kvplan.plan.simulate.workload import Request, arrivals, read_trace, sample_lengths


# ---- lengths -------------------------------------------------------------------------------
def test_a_whole_number_and_its_limits():
    assert sample_lengths(" 1_000 ", 2, 0, "--prompt-tokens", 1000) == [1000, 1000]
    assert sample_lengths("1", 1, 0, "--prompt-tokens", 1000) == [1]
    for v, shown in (("0", "0"), ("1001", "1,001")):
        with pytest.raises(KvplanError, match=rf"^--prompt-tokens must be between 1 and 1,000, got {shown}$"):
            sample_lengths(v, 2, 0, "--prompt-tokens", 1000)


def test_the_clamped_normal_by_hand():
    """STD 0: every length is the rounded mean, held to [MIN, MAX]; otherwise Random(seed).gauss."""
    assert sample_lengths("normal:100.4,0,1,200", 3, 7, "--output-tokens", 1000) == [100, 100, 100]
    assert sample_lengths("normal:500,0,1,200", 2, 7, "--output-tokens", 1000) == [200, 200]
    assert sample_lengths("normal:-5,0,3,200", 2, 7, "--output-tokens", 1000) == [3, 3]
    rng = random.Random(3)
    want = [min(max(round(rng.gauss(100, 30)), 50), 150) for _ in range(20)]
    assert sample_lengths("normal:100,30,50,150", 20, 3, "--output-tokens", 1000) == want
    assert sample_lengths("normal:100,0,100,100", 1, 0, "x", 100) == [100]  # MIN = MAX = limit


@pytest.mark.parametrize("text,msg", [
    ("normal:a,1,1,2", "^--prompt-tokens normal:MEAN,STD,MIN,MAX needs numbers and whole MIN, MAX, got 'normal:a,1,1,2'$"),
    ("normal:1,1,1.5,2", "needs numbers and whole MIN, MAX"),
    ("normal:1,-1,1,2", "^--prompt-tokens normal:MEAN,STD,MIN,MAX needs STD >= 0 and 1 <= MIN <= MAX, got 'normal:1,-1,1,2'$"),
    ("normal:inf,1,1,2", "needs STD >= 0 and 1 <= MIN <= MAX"),
    ("normal:1,nan,1,2", "needs STD >= 0 and 1 <= MIN <= MAX"),
    ("normal:1,1,0,2", "needs STD >= 0 and 1 <= MIN <= MAX"),
    ("normal:1,1,3,2", "needs STD >= 0 and 1 <= MIN <= MAX"),
    ("normal:1,1,1,1001", r"^--prompt-tokens: MAX 1,001 is beyond the limit of 1,000 tokens$"),
    ("lots", r"^--prompt-tokens must be a whole number or a distribution \(uniform:A-B, normal:MEAN,STD\[,MIN,MAX\], "
             r"lognormal:MEDIAN,SIGMA\), got 'lots'$"),
    ("uniform:20-10", r"^--prompt-tokens uniform:A-B needs whole numbers 1 <= A <= B, got '20-10'$"),
])
def test_length_errors_in_full(text, msg):
    with pytest.raises(KvplanError, match=msg):
        sample_lengths(text, 3, 0, "--prompt-tokens", 1000)


def test_distributions_are_the_traffic_syntax():
    assert sample_lengths("uniform:5-5", 3, 0, "x", 100) == [5, 5, 5]
    assert sample_lengths("normal:50,0", 2, 0, "x", 100) == [50, 50]
    assert sample_lengths("normal:500,0", 2, 0, "x", 100) == [100, 100]  # clipped to the limit


# ---- traces --------------------------------------------------------------------------------
def trace(tmp_path, body):
    f = tmp_path / "t.csv"
    f.write_text(body)
    return f


def test_a_trace_with_and_without_its_header(tmp_path):
    reqs = read_trace(trace(tmp_path, "arrival_s, prompt_tokens ,output_tokens,prefix_id\n2.5,100,10,sys\n"
                                      "\n0, 7 ,3,\n1e0,5,1\n"))
    assert reqs == [Request(0.0, 7, 3, None), Request(1.0, 5, 1, None), Request(2.5, 100, 10, "sys")]
    assert read_trace(str(trace(tmp_path, "0,1,1\n"))) == [Request(0.0, 1, 1, None)]
    assert read_trace(trace(tmp_path, "arrival_s,prompt_tokens,output_tokens\n3,4,5\n")) == [Request(3.0, 4, 5)]


@pytest.mark.parametrize("body,msg", [
    ("a,prompt_tokens,output_tokens\n0,1,1\n", "the header must be arrival_s,prompt_tokens,output_tokens"
                                               r"\[,prefix_id\], got 'a,prompt_tokens,output_tokens'$"),
    ("arrival_s,prompt_tokens,output_tokens,x\n0,1,1\n", "the header must be"),
    ("arrival_s,prompt_tokens,output_tokens,prefix_id,y\n0,1,1\n", "the header must be"),
    ("arrival_s,prompt_tokens,output_tokens\n", "holds no requests$"),
    ("0,1\n", "request 1: needs 3 or 4 columns, got 2$"),
    ("0,1,1\n0,1,1,p,q\n", "request 2: needs 3 or 4 columns, got 5$"),
    ("0,1,1\nnan,1,1\n", "request 2: arrival_s must be a number >= 0, got 'nan'$"),
    ("0,1,1\ninf,1,1\n", "request 2: arrival_s must be a number >= 0, got 'inf'$"),
    ("0,1,1\n1e,1,1\n", "request 2: arrival_s must be a number >= 0, got '1e'$"),
    ("-1,1,1\n", "request 1: arrival_s must be a number >= 0, got '-1'$"),
    ("nan,1,1\n", "the header must be"),  # a first cell that is not a number is a header
    ("0,0,1\n", "request 1: prompt_tokens must be a positive integer, got '0'$"),
    ("0,1.5,1\n", "request 1: prompt_tokens must be a positive integer, got '1.5'$"),
    ("0,1,-2\n", "request 1: output_tokens must be a positive integer, got '-2'$"),
])
def test_trace_errors_in_full(tmp_path, body, msg):
    f = trace(tmp_path, body)
    with pytest.raises(KvplanError, match=rf"^--trace: {re.escape(str(f))}(: | )" + msg):
        read_trace(f)


def test_an_unreadable_trace(tmp_path):
    with pytest.raises(KvplanError, match=r"^--trace: cannot read .*missing.csv: No such file or directory$"):
        read_trace(tmp_path / "missing.csv")
    f = tmp_path / "bin.csv"
    f.write_bytes(b"\xff\xfe\x00")
    with pytest.raises(KvplanError, match=r"^--trace: .*bin\.csv: not UTF-8 text \(a binary file: byte 0xff at offset 0\); "
                                          r"a trace must be UTF-8$"):
        read_trace(f)


# ---- arrivals ------------------------------------------------------------------------------
def test_arrivals_by_hand():
    assert arrivals(3, None) == [0.0, 0.0, 0.0]
    assert arrivals(4, 2.0, "constant") == [0.0, 0.5, 1.0, 1.5]
    rng, want, t = random.Random(5), [], 0.0
    for _ in range(4):
        want.append(t)
        t += rng.expovariate(3.0)
    assert arrivals(4, 3.0, "poisson", seed=5) == want and want[0] == 0.0
    assert arrivals(4, 3.0) == arrivals(4, 3.0, "poisson", 0)
    with pytest.raises(KvplanError, match=r"arrivals must be poisson or constant, got 'burst'$"):
        arrivals(2, 1.0, "burst")


def test_gamma_arrivals_are_vllms_burstiness_by_hand():
    """vllm bench serve --burstiness B: gaps of a gamma of shape B and scale 1 / (rate B) (mean 1 / rate); B = 1 is
    the Poisson draw itself, seed for seed."""
    rng, want, t = random.Random(7), [], 0.0
    for _ in range(5):
        want.append(t)
        t += rng.gammavariate(0.25, 1.0 / (4.0 * 0.25))
    assert arrivals(5, 4.0, "gamma:0.25", seed=7) == want and want[0] == 0.0
    assert arrivals(6, 3.0, "gamma:1", seed=2) == arrivals(6, 3.0, "poisson", seed=2)
    many = arrivals(20001, 5.0, "gamma:0.5", seed=1)
    assert abs(many[-1] / 20000 - 0.2) < 0.01  # mean gap 1 / rate
    gaps = [b - a for a, b in zip(many, many[1:])]
    mean = sum(gaps) / len(gaps)
    cv2 = sum((g - mean) ** 2 for g in gaps) / len(gaps) / mean ** 2
    assert abs(cv2 - 2.0) < 0.15  # a gamma's squared coefficient of variation is 1 / shape: burstier than Poisson's 1
    for bad in ("0", "-1", "x", "inf"):
        with pytest.raises(KvplanError, match=r"^a gamma arrival process needs a burstiness > 0, got "):
            arrivals(2, 1.0, f"gamma:{bad}")


# ---- the host tier's LRU -------------------------------------------------------------------
def test_host_tier_keeps_a_prefixs_most_and_replaces_a_requests():
    t = HostTier(10, 0, 0.5)
    assert (t.cap, t.chunk, t.block_seconds, t.used, t.hit_tokens) == (10, 1, 0.5, 0, 0)
    t.put(("p", "a"), 4)
    t.put(("p", "a"), 2)  # a prefix keeps the 4 it held
    assert t.d[("p", "a")] == 4 and t.used == 4
    t.put(("u", 1), 3)
    t.put(("u", 1), 1)  # a request's own blocks are replaced
    assert t.d[("u", 1)] == 1 and t.used == 5
    t.put(("u", 1), 0)  # none: gone
    assert ("u", 1) not in t.d and t.used == 4
    t.put(("u", 9), 0)
    assert ("u", 9) not in t.d and t.used == 4


def test_host_tier_evicts_the_oldest_partly_then_wholly():
    t = HostTier(6, 2, 0.0)
    t.put(("p", "a"), 4)
    t.put(("u", 1), 4)  # 8 > 6: two of a's four go (its last ones), a keeps 2
    assert list(t.d.items()) == [(("p", "a"), 2), (("u", 1), 4)] and t.used == 6
    assert t.prefix_blocks("a", 9) == 2  # whole 2-block chunks
    t.put(("u", 2), 3)  # 9 > 6: u1 (now the oldest) loses 3 of its 4
    assert list(t.d.items()) == [(("u", 1), 1), (("p", "a"), 2), (("u", 2), 3)] and t.used == 6
    t.put(("u", 3), 6)  # everything else goes
    assert list(t.d.items()) == [(("u", 3), 6)] and t.used == 6
    assert t.prefix_blocks("a", 9) == 0 and t.prefix_blocks("zz", 9) == 0


def test_prefix_blocks_rounds_down_to_chunks_and_the_limit():
    t = HostTier(100, 3, 0.0)
    t.put(("p", "a"), 8)
    assert t.prefix_blocks("a", 99) == 6 and t.prefix_blocks("a", 5) == 3 and t.prefix_blocks("a", 2) == 0
    t.put(("p", "b"), 1)
    t.prefix_blocks("a", 1)  # a hit (even of nothing whole) makes a the most recent
    assert list(t.d)[-1] == ("p", "a")


def test_a_trace_may_start_with_an_exponent_of_either_case(tmp_path):
    f = tmp_path / "t.csv"
    for first in ("1e-3", "2E-3"):
        f.write_text(f"{first},100,3\n0.5,20,2\n")
        assert [r.arrival_s for r in read_trace(f)] == [float(first), 0.5]


def test_drawn_lengths_are_the_seeded_generators():
    # traffic.parse_lengths draws with random.Random(seed): the same seed the same lengths
    import random

    rng = random.Random(3)
    want = [rng.randint(1, 10 ** 6) for _ in range(8)]
    assert sample_lengths("uniform:1-1000000", 8, 3, "--prompt-tokens", 10 ** 6) == want
