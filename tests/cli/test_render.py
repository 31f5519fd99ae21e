import pytest

from kvplan.units import both, gb, gib


@pytest.mark.parametrize("n,text", [
    (3_355_443_200, "3.36 GB (3.125 GiB)"),
    (17_179_869_184, "17.18 GB (16 GiB)"),
    (16_777_216, "16.78 MB (16 MiB)"),
    (512, "512 B (512 B)"),
    (1_342_052_838_400, "1.34 TB (1.221 TiB)"),
])
def test_units_are_labelled(n, text):
    assert both(n) == text
    assert " G " not in both(n) and not both(n).endswith(" G")


def test_gb_is_decimal_gib_is_binary():
    assert gb(10**9) == "1.00 GB" and gib(2**30) == "1 GiB"


def test_a_negative_amount_keeps_its_sign_in_both_units():
    # issue 19's newcomer list: "−67.13 GB (62.515 GiB)" lost the sign in the binary unit
    n = -(67 * 10**9 + 130_000_000)
    assert both(n) == f"−67.13 GB (−{gib(-n).split()[0]} GiB)"
    assert both(-1) == "−1 B (−1 B)" and both(0) == "0 B (0 B)"
