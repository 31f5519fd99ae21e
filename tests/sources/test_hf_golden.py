"""`--engine hf` against the bytes Hugging Face transformers really allocates.

tests/golden/hf_cache_bf16.json was measured, not computed: for each vendored config.json,
transformers (version in the file) built the model on the meta device (no weights), ran one
forward over ctx tokens with use_cache=True in bfloat16, and summed numel × element_size over
every tensor the returned cache holds ("measured_with" in the file says how to rerun it).
K/V tensors are compared with kv_cache_bytes; the other tensors with state_bytes, except the
one 0-dim int64 bookkeeping scalar transformers keeps per sliding layer (8 bytes, not per
sequence), which kvplan does not count as cache.

tests/golden/hf_cache_extra_bf16.json holds the same measurement for the other vendored configs.

tests/golden/hf_params.json (and _extra): the parameter count transformers reports for the same models
(sum of numel over model.parameters(), tied weights once).
"""
import json

import pytest

from conftest import FIXTURES, GOLDEN
from kvplan.sources import hfconfig as hf
from kvplan.plan.size import kv_size

# hf_cache_bf16.json: the 25 shared configs; *_extra: the other vendored configs (same procedure)
RECORDS = [r for name in ("hf_cache_bf16.json", "hf_cache_extra_bf16.json")
           for r in json.loads((GOLDEN / name).read_text())["records"]]
PARAMS = {"models": {k: v for name in ("hf_params.json", "hf_params_extra.json", "hf_params_frontier.json")
                     for k, v in json.loads((GOLDEN / name).read_text())["models"].items()}}
# configs no transformers class builds (remote code, or no text class), with the reason
NOT_BUILT = json.loads((GOLDEN / "hf_params_frontier.json").read_text())["not_built"]


def bookkeeping(record) -> int:
    return sum(t["bytes"] for t in record["tensors"] if t["kind"] != "kv" and t["shape"] == [])


def test_golden_covers_every_shared_config():
    assert len({r["config"] for r in RECORDS}) >= 25
    assert len(RECORDS) >= 25 * 8


@pytest.mark.parametrize("config", sorted({r["config"] for r in RECORDS}))
def test_hf_layout_matches_transformers(config):
    spec = hf.load(FIXTURES / config)
    for r in [r for r in RECORDS if r["config"] == config]:
        got = kv_size(spec, r["ctx"], r["batch"], "bf16", "hf")
        where = f"{config} ctx={r['ctx']} batch={r['batch']}"
        assert got.kv_cache_bytes == r["kv_bytes"], where
        assert got.state_bytes == r["other_bytes"] - bookkeeping(r), where


@pytest.mark.parametrize("config", sorted(PARAMS["models"]))
def test_parameters_match_transformers(config):
    m = PARAMS["models"][config]
    # multimodal checkpoints (Gemma 4): kvplan counts the text decoder, transformers' text model
    expected = m.get("text_model_parameters") or m["parameters"]
    assert hf.load(FIXTURES / config).parameters() == expected


def test_published_llama_2_13b_count():
    assert hf.load(FIXTURES / "Llama-2-13B.json").parameters() == 13_015_864_320


def test_every_vendored_config_is_checked_against_transformers():
    fixtures = sorted(p.name for p in FIXTURES.glob("*.json"))
    assert sorted([*PARAMS["models"], *NOT_BUILT]) == fixtures
    assert len({r["config"] for r in RECORDS}) >= 44  # cache records: all but plain-attention repeats
