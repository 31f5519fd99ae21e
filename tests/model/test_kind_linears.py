"""Each 2026 mixer's projections (``linears``, the GEMMs the latency model prices) against its
parameter count (``params``, the weights): the projections hold every parameter but the norms
and biases, which are under 0.3 % of the layer (issue 25: survivors of kinds/*.linears, whose
only other tests price a step). Catalog models, each mixer kind once."""
import pytest

from kvplan.sources import catalog

CASES = [("deepseek-v3.2", "mla_indexed"), ("glm-5", "mla_indexed"), ("kimi-k3", "kda"),
         ("kimi-k3", "mla_gated"), ("minimax-m3", "full_indexed"), ("qwen3-next-80b-a3b", "gated_deltanet"),
         ("llama-3.1-8b", "full"), ("deepseek-v3", "mla")]


@pytest.mark.parametrize("model,kind", CASES)
def test_linears_hold_every_parameter_but_norms(model, kind):
    spec = catalog.load_model(model)
    m = next(lt.mixer for lt in spec.layer_types.values() if lt.mixer.kind == kind)
    lin = m.linears(spec.hidden_size)
    assert all(type(a) is int and type(b) is int and a > 0 and b > 0 for a, b in lin)
    rest = m.params(spec.hidden_size) - sum(a * b for a, b in lin)
    assert 0 <= rest < 0.003 * m.params(spec.hidden_size)


def test_labels_of_the_2026_kinds():
    labels = {lt.mixer.kind: lt.mixer.label() for n in ("deepseek-v3.2", "kimi-k3", "minimax-m3")
              for lt in catalog.load_model(n).layer_types.values()}
    assert labels["mla_indexed"] == "mla + indexer"
    assert labels["mla_gated"] == "mla (gated)"
    assert labels["kda"] == "kimi delta attention"
    assert labels["full_indexed"] == "full + index keys"


def test_kda_low_rank_gate_is_two_projections():
    # the output gate: Kimi-K3's full-rank one is one hidden -> heads × key_head_dim matrix; Kimi
    # Linear's (use_full_rank_gate off) two thin ones, hidden -> key_head_dim -> heads × key_head_dim;
    # params and linears move by the same count
    spec = catalog.load_model("kimi-k3")
    full = next(lt.mixer for lt in spec.layer_types.values() if lt.mixer.kind == "kda")
    low = full.model_copy(update={"full_rank_gate": False})
    h, d = spec.hidden_size, full.key_head_dim
    qkv = full.num_value_heads * d
    gone = sum(a * b for a, b in full.linears(h)) - sum(a * b for a, b in low.linears(h))
    assert gone == qkv * h - (d * h + qkv * d)  # 96 × 128 × h − (128 × h + 96 × 128 × 128)
    assert full.params(h) - low.params(h) == gone


def test_indexed_attention_shards_its_index_heads_and_keeps_its_index_format():
    # MiniMax-M3's block-sparse layers: 4 index heads; a rank keeps index_heads // tp of them,
    # at least one, as an int; the index keys' side cache keeps the layer's index format
    spec = catalog.load_model("minimax-m3")
    m = next(lt.mixer for lt in spec.layer_types.values() if lt.mixer.kind == "full_indexed")
    assert [(type(m.shard(tp).index_heads), m.shard(tp).index_heads) for tp in (1, 2, 4, 8)] == \
        [(int, 4), (int, 2), (int, 1), (int, 1)]
    fp8 = m.model_copy(update={"index_format": "fp8"})
    assert [c.format for c in fp8.side_caches()] == ["fp8"]
    assert [(c.name, c.values) for c in m.side_caches()] == [("index keys", 128)]


def test_deepseek_v4_compressed_layers_labels_geometry_and_projections():
    # DeepSeek-V4-Flash: a sliding layer (no compression), c4 = CSA (compressed 1/4, indexed),
    # c128 = HCA (compressed 1/128, no indexer); every projection a pair of ints (the compressor
    # and indexer weights are not GEMMs of the step, so params exceed the projections there)
    spec = catalog.load_model("deepseek-v4-flash")
    m = {k: lt.mixer for k, lt in spec.layer_types.items()}
    assert [(m[k].label(), m[k].geometry()) for k in ("swa", "c4", "c128")] == [
        ("sliding W=128", "1×512 K=V"), ("csa 1/4 + W=128", "1×512 K=V + idx 128"),
        ("hca 1/128 + W=128", "1×512 K=V")]
    h = spec.hidden_size
    for k in ("swa", "c4", "c128"):
        lin = m[k].linears(h)
        assert all(type(a) is int and type(b) is int for a, b in lin)
        assert type(m[k].params(h)) is int and m[k].params(h) >= sum(a * b for a, b in lin)
    with pytest.raises(Exception, match="^tp=3 does not divide the 64 attention heads; "):
        m["c4"].shard(3)


def test_spec_shard_pads_the_vocabulary_to_64_then_splits_it_in_ints():
    # vLLM pads the vocabulary to a multiple of 64 before splitting it over TP ranks:
    # Llama 3.1's 128,256 is already one (2,004 × 64): 64,128 a rank at TP 2; GPT-2's 50,257 pads
    # to 50,304 (786 × 64): 25,152 a rank
    assert catalog.load_model("llama-3.1-8b").shard(2).vocab_size == 64_128
    g = catalog.load_model("gpt2").shard(2).vocab_size
    assert (type(g), g) == (int, 25_152)
