"""kvplan.units, the parsers every flag goes through and the formatters every table prints.

Every expected value is arithmetic a reader can redo: GB = 10^9 bytes, GiB = 2^30 bytes, and vLLM's
suffixes (vllm/utils/argparse_utils.py, human_readable_int, vLLM 0.33): lowercase k/m/g/t decimal
(10^3 ...), uppercase K/M/G/T binary (2^10 ...), decimals only with a decimal suffix. The error
messages are tested word for word: they are what a user sees after a typo.
"""
import pytest

from kvplan.errors import KvplanError
from kvplan.units import (MAX_COUNT, both, gb, gib, parse_count, parse_fraction, parse_number,
                          parse_range, parse_size, plural)

COUNT_HINT = "(write a count: 1, 8, 1,024)"
TOKEN_HINT = "(write 4096, 4,096, 128k = 128,000 or 128K = 131,072)"


def _msg(fn, *args, **kw) -> str:
    with pytest.raises(KvplanError) as e:
        fn(*args, **kw)
    return str(e.value)


# --- parse_count ---------------------------------------------------------------------------------

@pytest.mark.parametrize("text,value", [
    ("128k", 128_000),            # 128 × 10^3
    ("128K", 131_072),            # 128 × 2^10
    ("2m", 2_000_000), ("2M", 2_097_152),          # 2 × 10^6, 2 × 2^20
    ("1g", 10**9), ("1G", 2**30), ("1t", 10**12), ("1T", 2**40),
    ("25.6k", 25_600),            # 25.6 × 1,000, exact in ints
    ("0.5k", 500), (" 4,096 ", 4_096), ("1_024", 1_024),
])
def test_counts_with_vllms_suffixes(text, value):
    assert parse_count(text, "--ctx") == value


def test_an_int_is_taken_as_it_is_and_a_bool_is_not_a_count():
    assert parse_count(4096) == 4096
    assert parse_count(MAX_COUNT) == MAX_COUNT            # the limit itself is taken
    # True is an int to Python, not a count to a user: refused like the text 'True'
    assert _msg(parse_count, True) == f"count must be a positive whole number, got 'True' {COUNT_HINT}"


def test_a_fraction_of_a_token_is_refused_not_truncated():
    # 1.0001k = 1,000.1 tokens: vLLM's int(float(..) * 1000) would take 1,000; kvplan refuses it
    assert _msg(parse_count, "1.0001k", "--ctx") == \
        f"--ctx must be a positive whole number, got '1.0001k' {TOKEN_HINT}"
    assert _msg(parse_count, "1.5K", "--ctx").startswith("--ctx must be a positive whole number, got '1.5K'")


def test_count_messages_word_for_word():
    # the default name, and the hint: suffixes for a length in tokens, plain counts elsewhere
    assert _msg(parse_count, "0") == f"count must be a positive whole number, got '0' {COUNT_HINT}"
    assert _msg(parse_count, "x", "--batch") == f"--batch must be a positive whole number, got 'x' {COUNT_HINT}"
    assert _msg(parse_count, "x", "--ctx") == f"--ctx must be a positive whole number, got 'x' {TOKEN_HINT}"
    assert _msg(parse_count, "x", "max_model_len").endswith(TOKEN_HINT)
    # 2^40 + 1 = 1,099,511,627,777: one above the limit
    assert _msg(parse_count, str(2**40 + 1)) == \
        "count 1,099,511,627,777 is more than kvplan takes (1,099,511,627,776); is it a typo?"


def test_count_digit_guard_at_40_digits():
    # up to 40 digits are read (and then refused as over the limit); 41 are refused unread
    forty, forty_one = "1" * 40, "1" * 41
    assert _msg(parse_count, forty) == \
        f"count {int(forty):,} is more than kvplan takes ({MAX_COUNT:,}); is it a typo?"
    assert _msg(parse_count, forty_one) == \
        f"count must be a positive whole number, got '{forty_one}' {COUNT_HINT}"


def test_range_multiplies_with_x_and_star_and_adds_with_plus():
    assert parse_range("--ctx", "1k:8k:x2") == [1_000, 2_000, 4_000, 8_000]
    assert parse_range("--ctx", "1k:8k:*2") == [1_000, 2_000, 4_000, 8_000]
    assert parse_range("--ctx", "1k:3k:+1k") == [1_000, 2_000, 3_000]
    assert _msg(parse_range, "--ctx", "1:8:x1") == "--ctx range factor must be at least 2, got 'x1'"
    assert parse_range("--ctx", "1:3:+1") == [1, 2, 3]   # a step of 1 is fine when adding


# --- parse_size ----------------------------------------------------------------------------------

@pytest.mark.parametrize("text,value", [
    ("8GB", 8 * 10**9), ("8gb", 8 * 10**9), ("8 GB", 8 * 10**9),
    ("60GiB", 60 * 2**30), ("60gib", 60 * 2**30), ("1.5 GiB", 3 * 2**29),
    ("512MiB", 512 * 2**20), ("2KiB", 2_048), ("3kb", 3_000), ("1TiB", 2**40), ("2tb", 2 * 10**12),
    ("64_424_509_440", 64_424_509_440), ("1,024", 1_024), ("1,024 MiB", 2**30),
    ("100", 100), ("100b", 100), ("0", 0),
    ("1.0", 1), ("1.1kib", 1_126),  # a unit's fraction of a byte rounds down (1.1 × 1,024 = 1,126.4)
    ("0.0000000001GB", 0),        # 10^-10 × 10^9 = 0.1 byte: 0
])
def test_sizes_in_gb_and_gib(text, value):
    assert parse_size(text, "--kv-cache-memory") == value


def test_size_ints_none_and_bools():
    assert parse_size(None) is None
    assert parse_size(0) == 0 and parse_size(12_345) == 12_345
    assert _msg(parse_size, -5) == "size must not be negative, got -5"
    assert _msg(parse_size, -5, "--cpu-offload") == "--cpu-offload must not be negative, got -5"
    assert _msg(parse_size, True) == "size must be a size like 60GiB, 8GB or a byte count, got 'True'"


@pytest.mark.parametrize("text", ["abc", "8XB", "GiB", "-8GB", "8 G B", "1.5.2GiB", ""])
def test_bad_sizes_are_one_clear_error(text):
    assert _msg(parse_size, text, "--kv-cache-memory") == \
        f"--kv-cache-memory must be a size like 60GiB, 8GB or a byte count, got '{text}'"


# `kvplan fit llama-3.1-8b --gpu h100 --ctx 4096 --kv-cache-memory 1.5` planned a 1-byte KV cache (a
# GiB meant): a bare byte count with a fraction is refused, not rounded down (ux18).
@pytest.mark.parametrize("text", ["1.5", "1.5b", "0.5", "100.25 B"])
def test_a_fraction_of_a_bare_byte_count_is_refused(text):
    assert _msg(parse_size, text, "--kv-cache-memory") == (
        f"--kv-cache-memory {text} is not a whole number of bytes; give a unit (1.5GiB, 1.5GB) or whole bytes")


def test_size_digit_guard_at_40_digits():
    big = "more than kvplan takes (1 EiB = 2^60 bytes); is it a typo?"
    assert _msg(parse_size, "1" + "0" * 39) == f"size {'1' + '0' * 39} is {big}"  # 40 digits: read, then refused
    assert _msg(parse_size, "1" * 41) == \
        f"size must be a size like 60GiB, 8GB or a byte count, got '{'1' * 41}'"


# `kvplan fit ... --kv-offloading-size 99999999999999999999` (GiB) printed a 90-column row of
# "107374182400.00 EB"; 400 nines were an OverflowError traceback (ux18). Past 1 EiB: one line.
def test_sizes_past_an_exbibyte_are_refused():
    from kvplan.engines.vllm.flags import offloading_bytes
    from kvplan.units import MAX_SIZE

    assert MAX_SIZE == 2**60 and parse_size(str(2**60)) == 2**60
    assert parse_size("1048576TiB") == 2**60  # the limit itself is taken
    assert _msg(parse_size, str(2**60 + 1), "--kv-cache-memory") == (
        f"--kv-cache-memory {2**60 + 1} is more than kvplan takes (1 EiB = 2^60 bytes); is it a typo?")
    assert _msg(parse_size, "1048577TiB", "--host-memory").startswith("--host-memory 1048577TiB is more than")
    assert offloading_bytes(str(2**30), parse_size) == 2**60
    for gib in (str(2**30 + 1), "99999999999999999999", "9" * 400):
        assert _msg(offloading_bytes, gib, parse_size) == (
            f"--kv-offloading-size {gib} is more than kvplan takes (1 EiB = 2^60 bytes); is it a typo?")


# units.check_size on its own (a library caller's byte count): the message names "size" and the
# number itself when no flag or text is given (mut18e: its defaults were read by no test).
def test_check_size_alone_names_the_size_and_its_bytes():
    from kvplan.units import check_size

    assert check_size(2**60) == 2**60 and check_size(0) == 0
    assert _msg(check_size, 2**60 + 1) == (
        "size 1152921504606846977 is more than kvplan takes (1 EiB = 2^60 bytes); is it a typo?")
    assert _msg(check_size, 2**61, "--host-memory", "2EiB") == (
        "--host-memory 2EiB is more than kvplan takes (1 EiB = 2^60 bytes); is it a typo?")


# --- parse_fraction and parse_number -------------------------------------------------------------

def test_fraction_is_in_zero_to_one_with_one_included():
    assert parse_fraction(None) is None
    assert parse_fraction("0.9") == 0.9 and parse_fraction("1") == 1.0 and parse_fraction(0.05) == 0.05
    for bad in ("0", "1.5", "-0.1", "2"):
        assert _msg(parse_fraction, bad) == f"fraction must be a number in (0, 1], got '{bad}'"
    assert _msg(parse_fraction, "most") == "fraction must be a number in (0, 1], got 'most'"
    assert _msg(parse_fraction, "1.01", "--gpu-memory-utilization") == \
        "--gpu-memory-utilization must be a number in (0, 1], got '1.01'"


def test_number_ranges_and_their_messages():
    assert parse_number(None) is None
    assert parse_number("0.5") == 0.5 and parse_number(" 3 ") == 3.0      # default: > 0, no top
    assert _msg(parse_number, "0") == "number must be a number > 0, got '0'"
    assert _msg(parse_number, "abc") == "number must be a number > 0, got 'abc'"
    assert _msg(parse_number, "nan") == "number must be a number > 0, got 'nan'"
    assert parse_number("0", "--x", 0, None, open_low=False) == 0.0
    assert _msg(parse_number, "-1", "--x", 0, None, open_low=False) == "--x must be a number >= 0, got '-1'"
    assert _msg(parse_number, "-1", "--x", 0, 1, open_low=False) == "--x must be a number [0, 1], got '-1'"
    assert _msg(parse_number, "1.5", "--x", 0, 1) == "--x must be a number (0, 1], got '1.5'"
    assert parse_number("1", "--x", 0, 1) == 1.0


# --- formatting ----------------------------------------------------------------------------------

def test_units_switch_at_exactly_one_unit():
    assert gb(10**9) == "1.00 GB" and gb(10**9 - 1) == "1000.00 MB"
    assert gib(2**30) == "1 GiB" and gib(2**20) == "1 MiB" and gib(2**10) == "1 KiB"
    assert gb(999) == "999 B" and gb(1_000) == "1.00 kB"
    assert gib(1_023) == "1023 B"


def test_gib_shows_up_to_three_decimals_without_trailing_zeros():
    assert gib(3 * 2**29) == "1.5 GiB"                  # 1.500 -> 1.5
    assert gib(5 * 2**28) == "1.25 GiB"                 # 1.250 -> 1.25
    assert gib(25 * 2**27) == "3.125 GiB"
    assert gib(10 * 2**30) == "10 GiB"                  # 10.000 -> 10, the 0 before the point kept
    assert gib(100 * 2**30) == "100 GiB"
    # 1,342,052,838,400 / 2^40 = 1.22059...: three decimals, 1.221
    assert gib(1_342_052_838_400) == "1.221 TiB"
    assert gb(10 * 10**9) == "10.00 GB"                 # decimal units keep their two places


def test_negative_amounts_keep_their_sign():
    assert gb(-1_500) == "−1.50 kB" and gib(-1_536) == "−1.5 KiB"
    assert gb(-1) == "−1 B" and gib(-10 * 2**30) == "−10 GiB"
    assert both(-3 * 2**29) == "−1.61 GB (−1.5 GiB)"    # 1,610,612,736 bytes
    assert both(0) == "0 B (0 B)" and gb(1) == "1 B"


def test_plurals():
    assert plural(1, "sequence") == "1 sequence"
    assert plural(2, "sequence") == "2 sequences" and plural(0, "sequence") == "0 sequences"
    assert plural(1_000, "request") == "1,000 requests"
    assert plural(2, "query", "queries") == "2 queries" and plural(1, "query", "queries") == "1 query"
