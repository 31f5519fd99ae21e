"""Issue 25: llama.cpp's rules (engines/llamacpp.py) to the last word of each refusal and note, and
its settings record field by field (the byte rules are the ones test_llamacpp_golden.py checks
against llama.cpp's own constructors, tests/golden/llamacpp_0c1e57098.json)."""
import pytest

from kvplan.engines import llamacpp as L
from kvplan.engines.base import ServeOptions
from kvplan.errors import KvplanError
from kvplan.sources import catalog

TYPES = "f32, f16, bf16, q8_0, q4_0, q4_1, q5_0, q5_1, iq4_nl"
NOTE = ("one llama.cpp slot per sequence here; llama-server without --parallel shares one stream among 4 slots "
        "(--parallel 4 --kv-unified), which sizes sliding and recurrent caches differently")


def _raises(msg, f, *args):
    with pytest.raises(KvplanError) as e:
        f(*args)
    assert str(e.value) == msg


def test_cache_type_names():
    assert [L._cache_type(n, None) for n in (" Q8_0 ", "f32", "IQ4_NL")] == ["q8_0", "fp32", "iq4_nl"]
    assert [L._cache_type(None, k) for k in (None, "bf16", "q8_0")] == ["fp16", "bf16", "q8_0"]
    _raises(f"llama.cpp has no 'fp8_e4m3' cache type; it takes: {TYPES}", L._cache_type, None, "fp8")
    _raises(f"unknown llama.cpp cache type 'Q9'; known: {TYPES}", L._cache_type, "Q9", None)
    assert (L._name("fp16"), L._name("q8_0"), L._name("xx")) == ("f16", "q8_0", "xx")
    assert L.pad(1) == 256 and L.pad(256) == 256 and L.pad(257) == 512 and L.pad(5, 4) == 8


def test_for_model_settings_and_refusals():
    s = catalog.load_model("llama-3.1-8b")
    cfg = L.ENGINE.for_model(s, None, ServeOptions(), "fp16", "bf16").cfg
    # the widest V row: 8 KV heads × 128
    assert cfg == L.Config("fp16", "fp16", 512, False, True, False, 1024, "bf16")
    o = ServeOptions(cache_type_k="q8_0", cache_type_v="q4_0", ubatch_size=256, swa_full=True, parallel=3,
                     kv_unified=True, n_gpu_layers=7, no_kv_offload=True)
    assert L.ENGINE.for_model(s, None, o, "fp16", "bf16").cfg == L.Config(
        "q8_0", "q4_0", 256, True, True, False, 1024, "bf16", 3, True, 7, True)
    assert L.ENGINE.for_model(catalog.load_model("mistral-7b"), None, ServeOptions(), "fp16", "bf16").cfg.drops_window
    _raises("llama.cpp needs flash attention for a quantized V cache (q4_0); use --flash-attn on or --cache-type-v f16",
            L.ENGINE.for_model, s, None, ServeOptions(cache_type_v="q4_0", flash_attn=False), "fp16", "bf16")
    L.ENGINE.for_model(s, None, ServeOptions(cache_type_k="q4_0", flash_attn=False), "fp16", "bf16")  # K may be
    _raises("llama.cpp stores MLA as one K row: --cache-type-k (q8_0) and --cache-type-v (f16) must be the same",
            L.ENGINE.for_model, catalog.load_model("deepseek-v2-lite"), None, ServeOptions(cache_type_k="q8_0"),
            "fp16", "bf16")


def test_notes():
    e = L.ENGINE
    assert e.notes(catalog.load_model("gemma-2-9b")) == [NOTE]
    assert e.notes(catalog.load_model("llama-3.1-8b")) == []
    # Mistral's window is dropped by the GGUF conversion: its layers are full, sized alike with
    # llama-server's default 4 unified slots, so only the conversion is noted
    assert e.notes(catalog.load_model("mistral-7b")) == [L.CONVERSION_NOTES["mistral"]]
    g = catalog.load_model("gemma-2-9b")
    for o in (ServeOptions(parallel=4), ServeOptions(kv_unified=True)):
        assert e.for_model(g, None, o, "fp16", "bf16").notes(g) == []
    assert e.for_model(g, None, ServeOptions(), "fp16", "bf16").notes(g) == [NOTE]


def test_streams_by_hand():
    cfg = L.Config("fp16", "fp16", 512, False, True, False, 0, "bf16")
    # 1,000 tokens × 3 sequences: -c 3,000 -> 3,072 cells, 3 slots of pad(1,024) = 1,024; n_ubatch 512
    assert L._streams(1000, 3, cfg) == (3, 3, 1024, 512)
    # 100 tokens × 1: n_ubatch min(100, 2,048, 512) = 100
    assert L._streams(100, 1, cfg) == (1, 1, 256, 100)
    u = L.Config("fp16", "fp16", 4096, False, True, False, 0, "bf16", 4, True)
    assert L._streams(1000, 3, u) == (4, 1, 3072, 2048)  # one stream of all the cells; n_batch 2,048 clamps
    p = L.Config("fp16", "fp16", 512, False, True, False, 0, "bf16", 300)
    _raises("a context of 256 cells cannot be split into 300 slots (--parallel)", L._streams, 100, 1, p)
    assert L._streams(100, 1, L.Config("fp16", "fp16", 512, False, True, False, 0, "bf16", 256))[:3] == (256, 256, 256)
