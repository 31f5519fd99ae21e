"""--lengths: distributions and files (kvplan/plan/traffic.py parse_lengths), boundaries and
messages, by hand."""
import pytest

from kvplan.errors import KvplanError
from kvplan.plan.traffic import parse_lengths


def test_distributions_at_their_edges():
    lengths, note = parse_lengths("uniform:1-5", 50)
    assert len(lengths) == 1000 and min(lengths) == 1 and max(lengths) == 5  # 1,000 requests by default
    assert note == "1,000 requests sampled from uniform:1-5 (seed 0)"
    assert parse_lengths("uniform:3-3", 50, n=4) == ([3, 3, 3, 3], "4 requests sampled from uniform:3-3 (seed 0)")
    # a spread of 0: every request the mean (or the median)
    assert parse_lengths("normal:10,0", 50, n=2)[0] == [10, 10]
    assert parse_lengths("lognormal:1,0", 50, n=1) == ([1], "1 request sampled from lognormal:1,0 (seed 0)")
    # 1 and the limit themselves are not clipped; 0 is, to 1
    assert parse_lengths("normal:1,0", 50, n=2) == ([1, 1], "2 requests sampled from normal:1,0 (seed 0)")
    assert parse_lengths("normal:50,0", 50, n=2)[1] == "2 requests sampled from normal:50,0 (seed 0)"
    assert parse_lengths("normal:0,0", 50, n=2) == (
        [1, 1], "2 requests sampled from normal:0,0 (seed 0), 2 clipped to [1, 50]")


@pytest.mark.parametrize("spec, msg", [
    ("uniform:0-5", "--lengths uniform:A-B needs whole numbers 1 <= A <= B, got '0-5'"),
    ("uniform:5-4", "--lengths uniform:A-B needs whole numbers 1 <= A <= B, got '5-4'"),
    ("uniform:abc", "--lengths uniform:A-B needs whole numbers 1 <= A <= B, got 'abc'"),
    ("normal:abc,1", "--lengths: the first parameter must be a number, got 'abc'"),
    ("normal:1,x", "--lengths: the spread must be a number, got 'x'"),
    ("normal:1,inf", "--lengths: the spread must be finite, got 'inf'"),
    ("normal:10,-1", "--lengths normal:10,-1: the spread must be >= 0"),
    ("lognormal:0,1", "--lengths lognormal:0,1: the spread must be >= 0 and the median > 0"),
    ("foo:1", "--lengths: unknown distribution 'foo'; use uniform:A-B, normal:MEAN,STD, "
              "lognormal:MEDIAN,SIGMA or a file"),
])
def test_bad_distributions_say_why(spec, msg):
    with pytest.raises(KvplanError) as e:
        parse_lengths(spec, 50, n=3)
    assert str(e.value) == msg


def test_files(tmp_path):
    one = tmp_path / "one.txt"
    one.write_text("7\n")
    assert parse_lengths(str(one), 50) == ([7], f"1 requests from {one}")
    plain = tmp_path / "plain.txt"
    plain.write_text("1\n50\n")  # 1 and the limit itself
    assert parse_lengths(str(plain), 50)[0] == [1, 50]
    csv = tmp_path / "t.csv"
    csv.write_text("prompt_tokens,output_tokens\n5,0\n1,0\n0,3\n")  # zeros allowed, a length of 1 too
    assert parse_lengths(str(csv), 50)[0] == [5, 1, 3]


@pytest.mark.parametrize("body, msg", [
    ("abc\n", "line 1: a length must be a positive integer, got 'abc'"),
    ("3\n0\n", "line 2: a length must be a positive integer, got '0'"),
    ("51\n", "request 1 has 51 tokens, beyond the context limit of 50"),
    ("prompt_tokens,output_tokens\nx,1\n", "line 2: prompt_tokens must be a positive integer, got 'x'"),
    ("prompt_tokens,output_tokens\n1,1\n2,y\n", "line 3: output_tokens must be a positive integer, got 'y'"),
    ("prompt_tokens,output_tokens\n0,0\n", "line 2: a request needs at least one token"),
])
def test_bad_files_say_where(tmp_path, body, msg):
    f = tmp_path / "l.txt"
    f.write_text(body)
    with pytest.raises(KvplanError) as e:
        parse_lengths(str(f), 50)
    assert str(e.value) == f"--lengths: {f}{' ' if msg.startswith('line') else ': '}{msg}"


def test_a_missing_file_says_what_lengths_takes(tmp_path):
    # not a file and not a distribution (a mistyped one: 10,20): both ways of giving lengths named
    with pytest.raises(KvplanError) as e:
        parse_lengths(str(tmp_path / "none.txt"), 50)
    assert str(e.value) == (f"--lengths: no such file: {tmp_path / 'none.txt'}; give uniform:A-B, "
                            "normal:MEAN,STD, lognormal:MEDIAN,SIGMA or a file")
    with pytest.raises(KvplanError) as e:  # another reason the OS gives is said in its words
        parse_lengths(str(tmp_path), 50)
    assert str(e.value) == f"--lengths: cannot read {tmp_path}: Is a directory"


@pytest.mark.parametrize("spec, msg", [
    ("", "--lengths is empty; give uniform:A-B, normal:MEAN,STD, lognormal:MEDIAN,SIGMA or a file"),
    ("  ", "--lengths is empty; give uniform:A-B, normal:MEAN,STD, lognormal:MEDIAN,SIGMA or a file"),
    ("uniform:", "--lengths uniform: needs its parameters, e.g. uniform:100-4000"),
    ("normal", "--lengths normal: needs its parameters, e.g. normal:4096,1024"),
    ("lognormal: ", "--lengths lognormal: needs its parameters, e.g. lognormal:2048,0.5"),
])
def test_an_empty_or_bare_distribution_says_what_it_needs(spec, msg):
    # `--lengths ''` read the current folder ("cannot read .: Is a directory"), `uniform:` was an
    # "unknown distribution 'uniform'" (session 15's walk)
    with pytest.raises(KvplanError) as e:
        parse_lengths(spec, 50, n=3)
    assert str(e.value) == msg


def test_a_csv_of_its_header_alone_or_not_utf8_is_refused(tmp_path):
    f = tmp_path / "h.csv"
    f.write_text("prompt_tokens,output_tokens\n")
    with pytest.raises(KvplanError) as e:
        parse_lengths(str(f), 50)
    assert str(e.value) == f"--lengths: {f} holds no request lengths"  # as an empty file is
    b = tmp_path / "b.txt"
    b.write_bytes(b"12\n\xff\n")
    with pytest.raises(KvplanError) as e:
        parse_lengths(str(b), 50)
    assert str(e.value) == (f"--lengths: {b}: not UTF-8 text (text in another encoding: byte 0xff at offset 3); "
                            "a lengths file must be UTF-8")  # as every reader says it (sources/readers.py)


@pytest.mark.parametrize("spec", ["lognormal:1000,10000", "lognormal:1e300,1e300", "normal:1e308,1e308"])
def test_a_huge_spread_clips_rather_than_overflowing(spec):
    # exp(10000 * z) and 1e308 + 1e308 * z overflow a float for most draws; each such draw is
    # clipped to [1, limit] like any other (it raised OverflowError: a traceback from kvplan fit)
    for seed in (0, 1, 2):
        lengths, note = parse_lengths(spec, 4096, n=5, seed=seed)
        assert len(lengths) == 5 and all(1 <= x <= 4096 for x in lengths)
    from kvplan.plan.simulate.workload import sample_lengths

    assert all(1 <= x <= 4096 for x in sample_lengths(spec, 5, 1, "--prompt-tokens", 4096))
    # the clamped form: 1e308 + 1e308 * z is above MAX 100 (or inf) unless z < -1, then below MIN 1
    assert all(x in (1, 100) for x in sample_lengths("normal:1e308,1e308,1,100", 5, 1, "--prompt-tokens", 4096))


def test_the_clip_keeps_the_draws_and_the_clipped_count():
    # the same numbers as Python's own samplers, rounded and clipped after (the old code):
    # random.lognormvariate(mu, sigma) is exp(normalvariate(mu, sigma))
    import math
    import random

    r = random.Random(7)
    raw = [round(r.lognormvariate(math.log(1000), 1.5)) for _ in range(200)]
    want = [min(max(1, x), 4096) for x in raw]
    clipped = sum(1 for x in raw if x < 1 or x > 4096)
    assert clipped > 0
    assert parse_lengths("lognormal:1000,1.5", 4096, n=200, seed=7) == (
        want, f"200 requests sampled from lognormal:1000,1.5 (seed 7), {clipped} clipped to [1, 4,096]")
    r = random.Random(3)
    raw = [round(r.gauss(100, 80)) for _ in range(200)]
    want = [min(max(1, x), 150) for x in raw]
    clipped = sum(1 for x in raw if x < 1 or x > 150)
    assert parse_lengths("normal:100,80", 150, n=200, seed=3) == (
        want, f"200 requests sampled from normal:100,80 (seed 3), {clipped} clipped to [1, 150]")
