"""The GGUF reader's rules, key by key (issue 25: the mutants of kvplan/sources/gguf.py).

Most cases hand ``spec_from_meta`` the metadata dict and tensor table that ``gguf.read`` returns
(keys as llama.cpp names them, see the module docstring); the file-level ones write a real GGUF
with gguf.GGUFWriter (llama.cpp's gguf-py). Sizes are tiny and worked out beside each assertion."""
import pytest

from kvplan.errors import KvplanError
from kvplan.sources import gguf as g

# a tiny llama: 2 layers, hidden 32, 4 heads, 2 KV heads, key/value length from hidden / heads = 8
BASE = {"general.architecture": "llama", "llama.block_count": 2, "llama.embedding_length": 32,
        "llama.attention.head_count": 4, "llama.attention.head_count_kv": 2, "llama.vocab_size": 100}
EMBD = ("token_embd.weight", "F16", 100 * 32, 6_400)  # 3,200 values in f16


def spec(extra=None, drop=(), tensors=(EMBD,), source="f.gguf"):
    meta = {k: v for k, v in {**BASE, **(extra or {})}.items() if k not in drop}
    return g.spec_from_meta(meta, list(tensors), "m", source)


def mixers(s):
    return [s.layer_types[n].mixer for n in s.layers]


def mlps(s):
    return [s.layer_types[n].mlp for n in s.layers]


# --- per-layer counts ---------------------------------------------------------------------------

def test_per_layer_counts():
    assert g._per_layer(3, 2, "head_count", "f") == [3, 3]
    assert g._per_layer((3, 4), 2, "head_count", "f") == [3, 4]  # gguf-py returns arrays as lists or tuples
    assert g._per_layer(0, 2, "head_count", "f") == [0, 0]  # 0 is a count (the caller refuses it)


@pytest.mark.parametrize("value", [[1, 2, 3], True, -1, 1.5, [1, None]])
def test_per_layer_refuses_anything_else(value):
    with pytest.raises(KvplanError, match=r"^f: head_count must be a count or one count per layer \(2\), "
                                          rf"got {value!r}$".replace("[", r"\[").replace("]", r"\]")):
        g._per_layer(value, 2, "head_count", "f")


# --- which layers slide ---------------------------------------------------------------------

def test_no_window_no_sliding_layers():
    assert g.sliding_layers({}, "gemma2", 3, "f") == [False] * 3
    assert g.sliding_layers({"gemma2.attention.sliding_window": 0}, "gemma2", 3, "f") == [False] * 3


@pytest.mark.parametrize("arch,period_key,want", [
    ("gemma2", None, [True, False, True, False]),  # period 2: il % 2 < 1
    ("phi3", None, [False] * 4),  # phi3.cpp set_swa_pattern(1): il % 1 < 0 never holds, no layer slides
    ("llama", 0, [True] * 4),  # a period of 0: every layer slides (llama_hparams::set_swa_pattern)
    ("llama", 3, [True, True, False, True]),  # il % 3 < 2
])
def test_sliding_period(arch, period_key, want):
    meta = {f"{arch}.attention.sliding_window": 64}
    if period_key is not None:
        meta[f"{arch}.attention.sliding_window_pattern"] = period_key
    assert g.sliding_layers(meta, arch, 4, "f") == want


def test_sliding_pattern_array_and_its_length():
    meta = {"llama.attention.sliding_window": 64, "llama.attention.sliding_window_pattern": [1, 0, 0]}
    assert g.sliding_layers(meta, "llama", 3, "f") == [True, False, False]
    with pytest.raises(KvplanError, match=r"^f: sliding_window_pattern has 3 entries for 4 layers$"):
        g.sliding_layers(meta, "llama", 4, "f")


# --- refusals and their messages ------------------------------------------------------------

def test_refusals_name_the_file():
    with pytest.raises(KvplanError, match=r"^f\.gguf: no general\.architecture; not a model GGUF$"):
        spec(drop=("general.architecture",))
    with pytest.raises(KvplanError, match=r"^f\.gguf: arch 'mamba2' keeps more than full/sliding attention; kvplan "
                                          r"plans it from its config\.json, not from a GGUF$"):
        g.spec_from_meta({"general.architecture": "mamba2"}, [], "m", "f.gguf")
    with pytest.raises(KvplanError, match=r"^f\.gguf: missing llama\.embedding_length$"):
        spec(drop=("llama.embedding_length",))
    with pytest.raises(KvplanError, match=r"^f\.gguf: head_count must be a count or one count per layer \(2\)"):
        spec({"llama.attention.head_count": [4]})
    with pytest.raises(KvplanError, match=r"^f\.gguf: head_count_kv must be a count or one count per layer \(2\)"):
        spec({"llama.attention.head_count_kv": [2]})
    with pytest.raises(KvplanError, match=r"^f\.gguf: feed_forward_length must be a count or one count per layer"):
        spec({"llama.feed_forward_length": [64]})
    with pytest.raises(KvplanError, match=r"^f\.gguf: a sliding window \(64\) but no sliding_window_pattern, and "
                                          r"kvplan does not know which of arch 'llama''s layers llama\.cpp slides$"):
        spec({"llama.attention.sliding_window": 64})
    with pytest.raises(KvplanError, match=r"^f\.gguf: no vocabulary size \(no llama\.vocab_size, tokens or "
                                          r"token_embd\.weight\)$"):
        spec(drop=("llama.vocab_size",), tensors=())
    with pytest.raises(KvplanError, match=r"^f\.gguf: inconsistent GGUF: .*num_heads \(4\) is not divisible by "
                                          r"num_kv_heads \(3\)"):
        spec({"llama.attention.head_count_kv": 3})


@pytest.mark.parametrize("heads,kv", [([4, 0], [2, 2]), ([4, 4], [2, 0])])
def test_a_layer_without_attention_heads_is_refused(heads, kv):
    # Falcon-H1 / Jamba-style GGUFs give their recurrent layers 0 heads or 0 KV heads
    with pytest.raises(KvplanError, match=r"^f\.gguf: layers with no attention heads \(a recurrent hybrid\); "
                                          r"kvplan plans those from their config\.json$"):
        spec({"llama.attention.head_count": heads, "llama.attention.head_count_kv": kv})


# --- the spec, field by field ---------------------------------------------------------------

def test_one_head_is_a_head():
    s = spec({"llama.attention.head_count": 1, "llama.attention.head_count_kv": 1})
    assert [(m.num_heads, m.num_kv_heads, m.head_dim) for m in mixers(s)] == [(1, 1, 32)] * 2


def test_kv_heads_default_to_the_heads():
    s = spec(drop=("llama.attention.head_count_kv",))  # no head_count_kv: MHA, as llama.cpp reads it
    assert [m.num_kv_heads for m in mixers(s)] == [4, 4]


def test_head_dims():
    # no key_length: hidden // heads = 32 // 4 = 8 (llama.cpp n_embd_head_k = n_embd / n_head)
    assert [m.head_dim for m in mixers(spec())] == [8, 8]
    # hidden 36 over 8 heads floors to 4 (an integer, never 4.5)
    s = spec({"llama.embedding_length": 36, "llama.attention.head_count": 8, "llama.attention.head_count_kv": 8},
             tensors=())
    assert [m.head_dim for m in mixers(s)] == [4, 4]
    # key_length 192, value_length 128 (DeepSeek-style): the value dim is its own
    s = spec({"llama.attention.key_length": 192, "llama.attention.value_length": 128})
    assert [(m.head_dim, m.v_head_dim) for m in mixers(s)] == [(192, 128)] * 2
    # a value length equal to the key length is not set apart
    s = spec({"llama.attention.key_length": 16, "llama.attention.value_length": 16})
    assert [(m.head_dim, m.v_head_dim) for m in mixers(s)] == [(16, None)] * 2


def test_dense_mlp_or_none():
    assert mlps(spec()) == [None, None]  # no feed_forward_length: no MLP priced
    s = spec({"llama.feed_forward_length": 64})
    assert [(m.kind, m.intermediate_size) for m in mlps(s)] == [("dense", 64)] * 2


def test_moe_mlp_from_the_expert_keys():
    s = spec({"llama.feed_forward_length": 64, "llama.expert_count": 8, "llama.expert_used_count": 2,
              "llama.expert_feed_forward_length": 16})
    assert [(m.kind, m.num_experts, m.experts_per_token, m.intermediate_size) for m in mlps(s)] == [("moe", 8, 2, 16)] * 2
    # without expert_used_count: 1 expert a token; without expert_feed_forward_length: the FFN length
    s = spec({"llama.feed_forward_length": 64, "llama.expert_count": 8})
    assert [(m.num_experts, m.experts_per_token, m.intermediate_size) for m in mlps(s)] == [(8, 1, 64)] * 2
    s = spec({"llama.expert_count": 8})  # neither: an intermediate size of 1 (for the count only)
    assert [m.intermediate_size for m in mlps(s)] == [1, 1]


def test_vocabulary_from_key_tokens_or_embedding():
    assert spec().vocab_size == 100
    assert spec({"tokenizer.ggml.tokens": ["a"] * 7}, drop=("llama.vocab_size",)).vocab_size == 7
    # neither key: token_embd's 3,200 values over hidden 32 = 100 rows
    assert spec(drop=("llama.vocab_size",)).vocab_size == 100
    # token_embd found among other tensors: 1,600 values / 32 = 50
    t = [("output_norm.weight", "F32", 32, 128), ("token_embd.weight", "Q8_0", 1_600, 1_700)]
    assert spec(drop=("llama.vocab_size",), tensors=t).vocab_size == 50


def test_layer_names():
    assert spec().layers == ["attn", "attn"]
    s = spec({"llama.block_count": 3, "llama.attention.sliding_window": 64,
              "llama.attention.sliding_window_pattern": [True, False, True]})
    assert s.layers == ["local", "global", "local"]
    assert [m.kind for m in mixers(s)] == ["sliding", "full", "sliding"]
    assert [getattr(m, "window", None) for m in mixers(s)] == [64, None, 64]
    # per-layer heads or KV heads: the counts join the name
    s = spec({"llama.attention.head_count_kv": [2, 1]})
    assert s.layers == ["attn-h4-kv2", "attn-h4-kv1"]
    s = spec({"llama.attention.head_count": [4, 2], "llama.attention.head_count_kv": 2})
    assert s.layers == ["attn-h4-kv2", "attn-h2-kv2"]
    # per-layer FFN lengths: heads, KV heads and the length
    s = spec({"llama.feed_forward_length": [64, 32]})
    assert s.layers == ["attn-h4-kv2-ff64", "attn-h4-kv2-ff32"]
    assert [m.intermediate_size for m in mlps(s)] == [64, 32]
    s = spec({"llama.feed_forward_length": [64, 64], "llama.attention.head_count_kv": [2, 1]})
    assert s.layers == ["attn-h4-kv2", "attn-h4-kv1"]  # one FFN length: not in the name


def test_names_dtype_context_and_tied_embeddings():
    s = spec()
    assert (s.name, s.display_name, s.source, s.family) == ("m", "m", "f.gguf", "llama")
    assert s.dtype == "fp16"
    assert s.dtype_note == "a GGUF: llama.cpp keeps K and V in f16 unless --cache-type-k/-v say otherwise"
    assert s.max_context is None and s.tie_embeddings  # no output.weight: the LM head is token_embd
    s = spec({"general.name": "Tiny Llama", "llama.context_length": 8192},
             tensors=[EMBD, ("output.weight", "Q6_K", 3_200, 2_624)])
    assert s.display_name == "Tiny Llama" and s.max_context == 8192 and not s.tie_embeddings
    assert s.stored_weights.source == "the tensor table of f.gguf"
    assert s.stored_weights.bytes == 6_400 + 2_624


# --- the tensor table -----------------------------------------------------------------------

@pytest.mark.parametrize("name,part", [
    ("v.blk.0.attn_q.weight", "vision tower"), ("mm.0.weight", "vision tower"), ("a.blk.0.ffn_up.weight", "audio tower"),
    ("blk.3.attn_q.weight", "text decoder"), ("blk.4.nextn.eh_proj.weight", "layers beyond the decoder's"),
    ("blk.40.attn_q.weight", "layers beyond the decoder's"), ("blk.output.weight", "text decoder"),
    ("token_embd.weight", "text decoder"), ("vv.weight", "text decoder"),
])
def test_part_of(name, part):
    assert g.part_of(name, 4) == part  # 4 decoder layers: blk.0 to blk.3


def test_stored_sums_per_part_and_type():
    t = [("token_embd.weight", "F16", 3_200, 6_400), ("blk.0.attn_q.weight", "Q8_0", 2_048, 2_176),
         ("blk.0.attn_k.weight", "Q8_0", 1_024, 1_088), ("blk.2.eh_proj.weight", "F16", 64, 128),
         ("v.patch.weight", "F32", 10, 40)]
    w = g.stored(t, 2, "f.gguf")
    assert w.bytes == 6_400 + 2_176 + 1_088 + 128 + 40 == 9_832
    assert w.elements == 3_200 + 2_048 + 1_024 + 64 + 10 == 6_346 and w.tensors == 5
    assert w.part_elements == {"text decoder": 6_272, "layers beyond the decoder's": 64, "vision tower": 10}
    assert w.part_bytes == {"text decoder": 9_664, "layers beyond the decoder's": 128, "vision tower": 40}
    assert w.dtype_bytes == {"F16": 6_528, "Q8_0": 3_264, "F32": 40}
    assert w.source == "the tensor table of f.gguf"
    assert g.stored([], 2, "f").bytes == 1  # an empty table: 1 byte (stored weights are positive)


# --- files ----------------------------------------------------------------------------------

gguf = pytest.importorskip("gguf")
np = pytest.importorskip("numpy")


def write(path):
    """A real GGUF (llama, 2 layers) with one tensor: token_embd 100 × 32 in f16 = 6,400 bytes."""
    w = gguf.GGUFWriter(str(path), "llama")
    w.add_block_count(2)
    w.add_embedding_length(32)
    w.add_head_count(4)
    w.add_head_count_kv(2)
    w.add_tensor("token_embd.weight", np.zeros((100, 32), dtype=np.float16))
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
    return path


def test_load_slug_source_and_note(tmp_path):
    f = write(tmp_path / "My Model (Q4_K_M).gguf")
    notes = []
    s = g.load(f, notes)
    assert s.name == "my-model-q4_k_m" and s.source == str(f) and s.vocab_size == 100  # from token_embd
    assert notes == [f"{f.name}: arch llama, 2 layers; weights 6,400 bytes from its tensor table "
                     f"({s.stored_weights.describe_formats()})"]
    assert g.load(write(tmp_path / "(!).gguf")).name == "model"  # nothing left of the stem
    assert g.load(write(tmp_path / "-x.y-.gguf")).name == "x.y"  # leading and trailing - and . dropped


def test_read_errors(tmp_path, monkeypatch):
    with pytest.raises(KvplanError, match=r"^cannot read .*: Is a directory$"):
        g.read(tmp_path)
    junk = tmp_path / "junk.gguf"
    junk.write_bytes(b"not a gguf at all")
    with pytest.raises(KvplanError, match=r"junk\.gguf: not a GGUF file \(GGUF magic invalid\)$"):
        g.read(junk)

    def raise_(e):
        def reader(path):
            raise e
        return reader
    # only the first line of the reader's error, cut at 120 characters
    monkeypatch.setattr(gguf, "GGUFReader", raise_(ValueError("x" * 130 + "\nsecond line")))
    with pytest.raises(KvplanError, match=r"junk\.gguf: not a GGUF file \(x{120}\)$"):
        g.read(junk)
    monkeypatch.setattr(gguf, "GGUFReader", raise_(IndexError()))  # no message: the error's type
    with pytest.raises(KvplanError, match=r"junk\.gguf: not a GGUF file \(IndexError\)$"):
        g.read(junk)
