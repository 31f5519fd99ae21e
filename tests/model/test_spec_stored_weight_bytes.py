"""Session 13's model/spec.py survivors (issue 25), each number by hand."""
from __future__ import annotations

from conftest import FIXTURES

from kvplan.model.weights import StoredWeights
from kvplan.sources import hfconfig as hf


def _llama3_8b_as_stored():
    # Meta-Llama-3-8B (8,030,261,248 parameters, bf16) with a checkpoint's own bytes: a text
    # decoder of 1,000,000 bytes, towers of 300 (vision) and 20 (audio), 7 bytes of scales
    st = StoredWeights(bytes=1_000_327, source="test", dtype_bytes={"BF16": 1_000_320, "F32": 7},
                       part_bytes={"text decoder": 1_000_000, "vision tower": 300, "audio tower": 20,
                                   "quantization scales": 7})
    return hf.load(FIXTURES / "Meta-Llama-3-8B.json").model_copy(update={"stored_weights": st})


def test_weight_bytes_are_the_checkpoints_own():
    spec = _llama3_8b_as_stored()
    # no --weight-dtype: the stored bytes, all of them, towers included
    assert spec.weight_bytes() == (1_000_327, "as stored (BF16, F32)")


def test_weight_bytes_text_only_take_off_the_towers_only():
    spec = _llama3_8b_as_stored()
    # 1,000,327 − 300 − 20 = 1,000,007: the scales stay, the towers go
    assert spec.weight_bytes(text_only=True) == (1_000_007, "as stored (BF16, F32)")


def test_an_explicit_weight_dtype_prices_the_architecture_not_the_checkpoint():
    spec = _llama3_8b_as_stored()
    # --weight-dtype fp8: 8,030,261,248 parameters × 1 byte, whatever the checkpoint stores
    assert spec.weight_bytes("fp8") == (8_030_261_248, "fp8_e4m3")
    # and bf16: × 2
    assert spec.weight_bytes("bf16", text_only=True) == (16_060_522_496, "bf16")
