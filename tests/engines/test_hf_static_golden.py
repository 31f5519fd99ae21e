"""`--engine hf-static` against the bytes transformers' StaticCache really allocates.

tests/golden/hf_static_bf16.json: transformers 5.20.2, each shared config built on the meta
device, StaticCache(config, max_cache_len=L) passed to one forward over 8 tokens, bytes summed
over the cache's tensors (scripts/oracles/measure_hf_static.py). K/V must match exactly; the
other tensors are the recurrent state plus one 0-dim int64 position counter (8 bytes) per
attention layer, bookkeeping that does not grow with the batch and that kvplan does not count.
"""
import json

import pytest

from conftest import FIXTURES, GOLDEN
from kvplan.sources import hfconfig as hf
from kvplan.plan.size import kv_size

RECORDS = json.loads((GOLDEN / "hf_static_bf16.json").read_text())["records"]


def test_covers_the_shared_configs():
    assert len({r["config"] for r in RECORDS}) == 25
    assert {r["max_cache_len"] for r in RECORDS} == {100, 5000, 9000}


@pytest.mark.parametrize("config", sorted({r["config"] for r in RECORDS}))
def test_static_layout_matches_transformers(config):
    spec = hf.load(FIXTURES / config)
    attention_layers = sum(n for lt, n in spec.counts().items() if spec.layer_types[lt].mixer.kv_rows())
    for r in [r for r in RECORDS if r["config"] == config]:
        got = kv_size(spec, r["max_cache_len"], r["batch"], "bf16", "hf-static")
        where = f"{config} L={r['max_cache_len']} batch={r['batch']}"
        assert got.kv_cache_bytes == r["kv_bytes"], where
        assert got.state_bytes == r["other_bytes"] - 8 * attention_layers, where


def test_static_keeps_the_whole_window():
    # Mistral 7B at 5,000 tokens: the static cache holds the 4,096-token window (the dynamic
    # cache 4,095): 32 layers × 4,096 × 8 KV heads × 256 values × 2 bytes = 536,870,912
    spec = hf.load(FIXTURES / "Mistral-7B-v0.1.json")
    assert kv_size(spec, 5000, 1, "bf16", "hf-static").kv_cache_bytes == 536_870_912
    assert kv_size(spec, 5000, 1, "bf16", "hf").kv_cache_bytes == 536_870_912 // 4096 * 4095
