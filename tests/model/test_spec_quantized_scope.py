"""ModelSpec.quantized_matrices with an ``mlp``-scoped quantization on a model whose layers do not
all have an MLP (Nemotron-H: Mamba-2, attention and MLP layers, each one thing)."""
from __future__ import annotations

import json

from conftest import FIXTURES

from kvplan.model.weights import WeightQuant
from kvplan.sources import hfconfig as hf


def test_mlp_scope_counts_only_the_layers_that_have_an_mlp():
    # REAL: Nemotron-H-56B-Base-8K's config: hybrid_override_pattern has 54 "-" (MLP) layers
    # beside 54 "M" (Mamba-2) and 10 "*" (attention) that have no MLP; its MLP is relu², not
    # gated: up (intermediate 32768 × hidden 8192) and down (8192 × 32768). Quantizing the MLPs
    # therefore covers 54 of each matrix and nothing from the other 64 layers.
    cfg = json.loads((FIXTURES / "Nemotron-H-56B-Base-8K.json").read_text())
    pattern = cfg["hybrid_override_pattern"]
    assert (pattern.count("-"), pattern.count("M"), pattern.count("*")) == (54, 54, 10)
    assert (cfg["hidden_size"], cfg["intermediate_size"]) == (8192, 32768)
    spec = hf.load(FIXTURES / "Nemotron-H-56B-Base-8K.json")
    assert spec.weight_quant is None and spec.quantized_matrices() == []
    fp8 = spec.model_copy(update={"weight_quant": WeightQuant(scope="mlp", format="fp8_e4m3")})
    assert sorted(fp8.quantized_matrices()) == [(8192, 32768, 54), (32768, 8192, 54)]
