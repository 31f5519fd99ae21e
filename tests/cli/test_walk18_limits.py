"""Session 18's new-user limits (ux18), the cases its mutation run (mut18e) found no test reading: each
expected message or count is arithmetic a reader can redo from the input."""
import json

import pytest

from conftest import ROOT
from kvplan.errors import KvplanError
from kvplan.model.spec import parse_pattern

TOO_MANY = "layers is more than kvplan takes (10,000; the deepest model it ships has 126)"


# The layer count is checked as each token is read, before it is spelled out, and counts the layers
# of the groups still open: "(x (a*6000 b*6000)*2)" is refused at b*6000 with x (1) + a*6000 +
# b*6000 = 12,001 layers, before the inner group's *2 (24,001) is expanded.
def test_a_pattern_counts_the_open_groups_layers_before_expanding():
    assert len(parse_pattern("a (b*4999 c*4999)*1 d")) == 10_000  # 1 + 4,999 + 4,999 + 1: the limit is taken
    for text, n in (("(x (a*6000 b*6000)*2)", "12,001"), ("(a*6000 b*6000)*2", "12,000"),
                    ("(a*5000 b*5000)*2", "20,000")):  # the last at its ")": 2 × (5,000 + 5,000)
        with pytest.raises(ValueError) as e:
            parse_pattern(text)
        assert str(e.value) == f"{n} {TOO_MANY}", text


# A GGUF's block_count: 1 is a model (one layer), 0, a bool and a string are refused word for word.
def test_a_gguf_block_count_must_be_a_positive_integer():
    from kvplan.sources import gguf

    meta, tensors = gguf.read(ROOT / "tests/data/tiny-gemma2.gguf")
    assert meta["gemma2.block_count"] == 4

    def spec(count):
        return gguf.spec_from_meta({**meta, "gemma2.block_count": count}, tensors, "tiny", "t.gguf")

    assert spec(1).num_layers == 1 and spec(2).num_layers == 2
    for bad in (0, -3, True, "4"):
        with pytest.raises(KvplanError) as e:
            spec(bad)
        assert str(e.value) == f"t.gguf: gemma2.block_count must be a positive integer, got {bad!r}"
    with pytest.raises(KvplanError) as e:
        spec(10_001)
    assert str(e.value) == f"t.gguf: gemma2.block_count: 10,001 {TOO_MANY}; is it a typo?"


# GPT-2's layer count is n_layer (HF GPT2Config): past the limit it is refused under that key, before
# the family spells out 10,001 layers; 10,000 is taken.
def test_gpt2_n_layer_past_the_limit_is_refused_under_its_own_key():
    from kvplan.sources import hfconfig as hf

    cfg = json.loads((ROOT / "tests/fixtures/configs/GPT-2.json").read_text())
    assert cfg["n_layer"] == 12
    assert hf.from_config({**cfg, "n_layer": 10_000}, "gpt2").num_layers == 10_000
    with pytest.raises(KvplanError) as e:
        hf.from_config({**cfg, "n_layer": 10_001}, "gpt2")
    assert str(e.value) == f"config.json: key 'n_layer': 10,001 {TOO_MANY}; is it a typo?"


# fit.Traffic built by a library caller with no requests or seed: a lengths file is taken whole (its
# 3 lines, not refused for a --requests nobody gave) and a distribution draws DEFAULT_REQUESTS (1,000)
# with seed 0 (mut18e: the CLI passes both explicitly, so no test read Traffic's own defaults).
def test_traffic_without_requests_or_seed_takes_a_file_whole(tmp_path):
    from kvplan.plan import fit
    from kvplan.sources import catalog

    f = tmp_path / "lengths.txt"
    f.write_text("100\n2000\n3000\n")
    spec, gpu = catalog.load_model("llama-3.1-8b"), catalog.load_gpu("h100")
    assert fit.fit(spec, gpu, engine="vllm", traffic=fit.Traffic(str(f))).traffic_note == f"3 requests from {f}"
    assert fit.fit(spec, gpu, engine="vllm", traffic=fit.Traffic("uniform:3-3")).traffic_note == \
        "1,000 requests sampled from uniform:3-3 (seed 0)"
