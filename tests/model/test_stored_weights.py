"""StoredWeights: a checkpoint's weights as stored, beside kvplan's architecture count (issue 25:
the survivors of kvplan/model/weights.py's mutation run of session 7). Every number is made up
and small, so each line can be checked by eye."""
import pytest

from kvplan.model.weights import StoredWeights


def _w(**kw):
    return StoredWeights(bytes=1, source="made up", **kw)


def test_towers_bytes_counts_vision_and_audio_only():
    w = _w(part_bytes={"text decoder": 1000, "vision tower": 30, "audio tower": 7,
                       "quantization scales": 5})
    assert w.towers_bytes() == 37


def test_describe_formats_largest_first_or_as_stored():
    assert _w(dtype_bytes={"F32": 10, "BF16": 300, "U8": 20}).describe_formats() == "BF16, U8, F32"
    assert _w(dtype_bytes={"BF16": 1, "F8_E4M3": 2}).describe_formats() == "F8_E4M3, BF16"
    assert _w().describe_formats() == "as stored"


def test_differences_none_without_a_tensor_table():
    assert _w(elements=None, part_elements={"text decoder": 5}).differences(7) == []


def test_differences_same_count_names_only_the_other_parts():
    w = _w(elements=130, part_elements={"text decoder": 100, "vision tower": 20, "audio tower": 10})
    assert w.differences(100) == ["vision tower: 20 values not in the text decoder",
                                  "audio tower: 10 values not in the text decoder"]


def test_differences_without_a_text_decoder_part_is_all_missing():
    w = _w(elements=0, part_elements={})
    assert w.differences(50) == ["text decoder: 0 values stored, -50 beside the architecture's 50"]


@pytest.mark.parametrize("dtype", ["U8", "I8", "I32", "U32", "U4", "I4"])
def test_differences_fewer_values_in_packed_integers_says_why(dtype):
    w = _w(elements=25, part_elements={"text decoder": 25}, dtype_bytes={dtype: 25, "BF16": 4})
    assert w.differences(100) == ["text decoder: 25 values stored, -75 beside the architecture's 100"
                                  " (packed integers: a stored value holds several parameters)"]


def test_differences_packed_but_more_values_or_unpacked_fewer_says_no_why():
    more = _w(elements=101, part_elements={"text decoder": 101}, dtype_bytes={"I32": 4, "BF16": 1})
    assert more.differences(100) == ["text decoder: 101 values stored, +1 beside the architecture's 100"]
    unpacked = _w(elements=99, part_elements={"text decoder": 99}, dtype_bytes={"BF16": 198})
    assert unpacked.differences(100) == ["text decoder: 99 values stored, -1 beside the architecture's 100"]
