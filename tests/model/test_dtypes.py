import pytest
from hypothesis import given
from hypothesis import strategies as st

from kvplan.model import dtypes
from kvplan.errors import KvplanError


@pytest.mark.parametrize("name,n,expected", [
    ("fp32", 128, 512), ("fp16", 128, 256), ("bf16", 128, 256), ("fp8", 128, 128),
    ("fp8_e5m2", 128, 128), ("int8", 128, 128),
    ("int4", 128, 64), ("int4", 3, 2),            # int4 is half a byte, never 0: 3 values -> 2 bytes
    ("q8_0", 128, 4 * 34), ("q4_0", 128, 4 * 18), ("q4_1", 128, 4 * 20),
    ("q5_0", 128, 4 * 22), ("q5_1", 128, 4 * 24),
    ("q8_0", 33, 2 * 34),                          # a partial group costs a whole group
    ("kivi2", 128, 4 * (8 + 4)),                   # 32 values × 2 bits = 8 bytes + fp16 scale + zero
    ("kivi4-g64", 128, 2 * (32 + 4)),
])
def test_row_bytes(name, n, expected):
    assert dtypes.get(name).row_bytes(n) == expected


@pytest.mark.parametrize("alias,canonical", [("float16", "fp16"), ("bfloat16", "bf16"), ("FP8", "fp8_e4m3"),
                                             ("float8_e4m3fn", "fp8_e4m3"), ("Q4_0", "q4_0"), ("float32", "fp32")])
def test_aliases(alias, canonical):
    assert dtypes.get(alias).name == canonical


@pytest.mark.parametrize("bad", ["fp7", "", "int3", "kivi0", "kivi9"])
def test_unknown_dtype(bad):
    with pytest.raises(KvplanError):
        dtypes.get(bad)


FORMATS = ["fp32", "fp16", "bf16", "fp8", "int8", "int4", "q8_0", "q4_0", "q4_1", "q5_0", "q5_1",
           "kivi2", "kivi4", "kivi3-g128"]


@given(st.sampled_from(FORMATS), st.integers(0, 10**7))
def test_never_cheaper_than_bits(name, n):
    fmt = dtypes.get(name)
    assert fmt.row_bytes(n) * 8 >= n * fmt.bits
    assert isinstance(fmt.row_bytes(n), int)


@given(st.sampled_from(FORMATS), st.integers(0, 10**6), st.integers(0, 10**6))
def test_whole_groups_add_up(name, a, b):
    fmt = dtypes.get(name)
    g = fmt.group  # rows that are whole groups cost exactly the sum of their parts
    assert fmt.row_bytes(a * g + b * g) == fmt.row_bytes(a * g) + fmt.row_bytes(b * g)
