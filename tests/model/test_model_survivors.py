"""Session 9's last model/ survivors (issue 25), each number by hand."""
from __future__ import annotations

import json

import pytest
from conftest import FIXTURES

from kvplan.model import frozen
from kvplan.model.frozen import MISSING, Frozen
from kvplan.model.spec import compress_pattern
from kvplan.model.weights import WeightQuant
from kvplan.sources import hfconfig as hf


def test_compress_pattern_tries_periods_up_to_16_only():
    # 34 layers, (16 × a, then b) twice: period 17 would give "(a*16 b)*2" (10 characters), but
    # periods stop at 16, so it stays runs: "a*16 b a*16 b" (13)
    names = (["a"] * 16 + ["b"]) * 2
    assert compress_pattern(names) == "a*16 b a*16 b"
    # period 16 itself is tried: (15 × a, b) twice -> "(a*15 b)*2"
    assert compress_pattern((["a"] * 15 + ["b"]) * 2) == "(a*15 b)*2"


def test_an_explicit_weight_dtype_prices_a_quantized_checkpoint_as_that_dtype():
    # Nemotron-H-56B with fp8 MLPs: asked in bf16, every parameter is 2 bytes (params × 2), not
    # the stored mix; as stored, the 54 × 2 MLP matrices of 8192 × 32768 are 1 byte each
    spec = hf.load(FIXTURES / "Nemotron-H-56B-Base-8K.json")
    fp8 = spec.model_copy(update={"weight_quant": WeightQuant(scope="mlp", format="fp8_e4m3")})
    assert fp8.priced_bytes(1000, "bf16") == 2000
    n = fp8.parameters()
    q = 54 * 2 * 8192 * 32768
    assert fp8.priced_bytes(n) == (n - q) * 2 + fp8.weight_quant.matrix_bytes(8192, 32768) * 108


def test_validate_builds_its_adapter_on_a_cache_miss():
    # the adapter cache is per process: cleared, validate builds the TypeAdapter again
    from kvplan.model.kinds import FullAttention
    frozen._ADAPTERS.clear()
    a = frozen.validate(FullAttention, {"kind": "full", "num_heads": 8, "num_kv_heads": 2, "head_dim": 64})
    assert (a.num_kv_heads, a.head_dim) == (2, 64) and FullAttention in frozen._ADAPTERS


def test_validate_reuses_the_adapter_it_cached_for_the_class():
    # a hit reads the cache by class (building a TypeAdapter costs ~ms a class: spec loads
    # validate hundreds of records): a stand-in cached for FullAttention is what answers
    from kvplan.model.kinds import FullAttention

    class StandIn:
        def validate_python(self, data):
            return ("cached", data)

    saved = dict(frozen._ADAPTERS)
    try:
        frozen._ADAPTERS[FullAttention] = StandIn()
        assert frozen.validate(FullAttention, {"kind": "full"}) == ("cached", {"kind": "full"})
    finally:
        frozen._ADAPTERS.clear()
        frozen._ADAPTERS.update(saved)


def test_deleting_a_field_is_refused_and_missing_reads_as_such():
    class R(Frozen):
        x: int = 1
    r = R()
    with pytest.raises(frozen.FrozenInstanceError, match=r"^cannot delete field 'x'$"):
        del r.x
    assert repr(MISSING) == "MISSING"


def test_an_expert_format_beside_dense_layers_prices_only_the_experts_in_it():
    # DeepSeek-V3: 3 dense layers, then 58 MoE layers of 256 routed experts, each expert gate and
    # up (2048 x 7168) and down (7168 x 2048). With expert_format mxfp4 beside fp8 linears, only
    # the routed experts' matrices change format: the dense layers' MLPs stay fp8 (they are no
    # experts), so the difference to the fp8-only checkpoint is 58 x 256 experts' worth of matrices
    from kvplan.model import dtypes
    spec = hf.load(FIXTURES / "DeepSeek-V3.json")
    assert spec.counts() == {"dense": 3, "moe": 58}
    fp8 = WeightQuant(scope="linear", format="fp8_e4m3")
    mx = WeightQuant(scope="linear", format="fp8_e4m3", expert_format="mxfp4")
    a, b = (spec.model_copy(update={"weight_quant": q}) for q in (fp8, mx))
    n = spec.parameters()
    m4 = dtypes.get("mxfp4")
    per_expert = (2 * (2048 * m4.row_bytes(7168) - fp8.matrix_bytes(2048, 7168))
                  + (7168 * m4.row_bytes(2048) - fp8.matrix_bytes(7168, 2048)))
    assert b.priced_bytes(n) - a.priced_bytes(n) == 58 * 256 * per_expert
