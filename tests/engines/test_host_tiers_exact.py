"""Issue 25: the host tiers of issue 23 to the last byte and word: SGLang's HiCache tier
(engines/sglang_hicache.py) as a whole record, llama.cpp's -ngl placement at its edges
(engines/llamacpp_offload.py), every refusal's whole message. Numbers worked out by hand beside
each assertion (the rules are the ones test_host_tiers.py checks against SGLang and llama.cpp)."""
import json
import shlex
from types import SimpleNamespace

import pytest
from typer.testing import CliRunner

from kvplan.cli import app
from kvplan.engines import llamacpp_offload as off
from kvplan.engines import sglang_hicache as H
from kvplan.errors import KvplanError

run = CliRunner().invoke
FIRST = "one pinned host pool per TP rank (HostKVCache); the per-node figure is every rank on one node"
COMMON = {"backend": "sglang hicache", "connector": "HiCache host pool", "sglang_version": "0.5.23"}


def _raises(msg, f, *args):
    with pytest.raises(KvplanError) as e:
        f(*args)
    assert str(e.value) == msg


def test_hicache_tier_default_ratio_whole_record():
    # one stage of 100 device tokens at 10 bytes each, TP 2, page 1: int(100 × 2.0) = 200, + one
    # padding page = 201 tokens, 2,010 bytes a rank, 2 ranks on the node
    assert H.tier(H.HiCacheConfig(), [(100, 10)], 2, 1) == {
        **COMMON, "world_size": 2, "ratio": None, "hicache_size_gb": 0, "storage_backend": None,
        "size_per_token": 10, "cpu_tokens": 201, "host_bytes_per_rank": 2010, "host_bytes_per_node": 4020,
        "rule": "int(100 device tokens × ratio 2) = 200; + one padding page of 1 = 201 tokens",
        "notes": (FIRST, "neither --hicache-ratio nor --hicache-size: SGLang starts from ratio 2.0 and lowers it "
                         "until the pools fit in 0.8 × (host memory − 10 GiB) per node (hicache_auto_size.py); "
                         "kvplan shows ratio 2.0")}


def test_hicache_tier_fixed_size_synced_over_stages():
    # --hicache-size 1 over 2 pipeline stages of 3 and 7 bytes a token: each stage alone would
    # take 10^9 // 3 = 333,333,333 and 10^9 // 7 = 142,857,142 tokens; sync_fixed_hicache_size
    # gives both the smaller. Page 64: 142,857,142 // 64 + 1 = 2,232,143 pages = 142,857,152
    # tokens; 3 and 7 bytes: 428,571,456 and 1,000,000,064 bytes; TP 3 ranks per stage on the node
    t = H.tier(H.HiCacheConfig(size_gb=1), [(1000, 3), (500, 7)], 3, 64)
    assert t == {
        **COMMON, "world_size": 6, "ratio": None, "hicache_size_gb": 1, "storage_backend": None,
        "size_per_token": 7, "cpu_tokens": 142_857_152, "host_bytes_per_rank": 1_000_000_064,
        "host_bytes_per_node": 3 * (428_571_456 + 1_000_000_064),
        "rule": "--hicache-size 1 GB: 1 × 10^9 // 7 bytes per token = 142,857,142; + one padding page of 64 "
                "= 142,857,152 tokens",
        "notes": (FIRST,)}


def test_hicache_tier_small_ratio_and_backend():
    # int(100 × 0.99) = 99, + 1 padding token = 100: not more than the GPU's 100, so SGLang warns
    c = H.parse(" 0.99", None, " File ")
    assert c == H.HiCacheConfig(0.99, 0, "file")
    assert H.tier(c, [(100, 10)], 1, 1) == {
        **COMMON, "world_size": 1, "ratio": 0.99, "hicache_size_gb": 0, "storage_backend": "file",
        "size_per_token": 10, "cpu_tokens": 100, "host_bytes_per_rank": 1000, "host_bytes_per_node": 1000,
        "rule": "int(100 device tokens × ratio 0.99) = 99; + one padding page of 1 = 100 tokens",
        "notes": (FIRST, "--hicache-storage-backend file: an L3 tier sized by the backend, not by SGLang; not counted",
                  "the host pool holds fewer tokens than the GPU pool: SGLang warns that the L2 cache is less "
                  "effective")}
    # one token more on the host (ratio 1.0: 100 + 1) and the warning goes
    assert len(H.tier(H.HiCacheConfig(1.0), [(100, 10)], 1, 1)["notes"]) == 1


def test_hicache_parse_and_host_pool_edges():
    assert H.parse("0.5", "0", None) == H.HiCacheConfig(0.5, 0, None)  # a ratio below 1 is allowed
    assert H.parse(None, " 12 ", "MOONCAKE") == H.HiCacheConfig(None, 12, "mooncake")
    # --hicache-size 1: 10^9 // 1,000 = 1,000,000 tokens + 1 padding token
    p = H.host_pool(H.HiCacheConfig(size_gb=1), 10, 1000)
    assert (p.host_tokens, p.host_bytes) == (1_000_001, 1_000_001_000)
    # the PP-synced count, when the caller gives it, wins over the rank's own
    assert H.host_pool(H.HiCacheConfig(size_gb=1), 10, 1000, 1, 7).host_tokens == 8
    # 1 byte a token is a pool; 0 is none
    assert H.host_pool(H.HiCacheConfig(), 10, 1).host_bytes == 21
    assert H.fixed_tokens(H.HiCacheConfig(size_gb=3), 7) == 428_571_428  # 3 × 10^9 // 7
    # SGLang's floor is integer division: at 10^8 GB and 1,133 bytes a token a float quotient
    # (88,261,253,309,796.99...) would round up to the next integer
    assert H.fixed_tokens(H.HiCacheConfig(size_gb=10**8), 1133) == 10**17 // 1133 == 88_261_253_309_796
    assert H.host_pool(H.HiCacheConfig(size_gb=10**8), 1, 1133).host_tokens == 88_261_253_309_797


def test_hicache_auto_ratio_floors_the_per_rank_share():
    # 15 bytes over the 10 GiB reserve on 8 ranks: 15 // 8 = 1 byte a rank, int(1 × 0.8) = 0
    assert H.auto_ratio(H.RESERVE + 15, 8, 1) == 0
    # 80 bytes: 10 a rank, int(8.0) = 8, × 0.95 over a 4-byte pool = 1.9; capped at 2.0 above
    assert H.auto_ratio(H.RESERVE + 80, 8, 4) == pytest.approx(1.9)
    assert H.auto_ratio(H.RESERVE + 800, 8, 4) == 2.0


@pytest.mark.parametrize("args, msg", [
    (("x", None, None), "--hicache-ratio must be a number, got 'x'"),
    (("0", None, None), "--hicache-ratio must be greater than 0, got 0"),
    ((None, "1.5", None), "--hicache-size is a whole number of GB (10^9 bytes) per rank, as SGLang takes it, got '1.5'"),
    ((None, None, "s3"), "--hicache-storage-backend must be one of " + ", ".join(H.BACKENDS) + ", got 's3'"),
])
def test_hicache_parse_messages(args, msg):
    _raises(msg, H.parse, *args)


def test_hicache_host_pool_without_bytes_per_token():
    _raises("the hierarchical cache needs a KV pool with bytes per token", H.host_pool, H.HiCacheConfig(), 10, 0)


# --- llama.cpp -ngl / -nkvo -------------------------------------------------------------------
def _size(args: str) -> dict:
    r = run(app, ["size", *shlex.split(args), "--json"])
    assert r.exit_code == 0, r.output
    return json.loads(r.stdout)


def test_ngl_one_layer_and_host_weights_without_output():
    # -ngl 2 on Llama-3.1-8B: i_gpu_start = 33 − 2 = 31: one layer (31) and the output on the GPU;
    # its cache: 8,192 tokens × 4,096 bytes a layer
    p = _size("llama-3.1-8b --engine llamacpp --ctx 8192 -ngl 2")["placement"]
    assert (p["first_gpu_layer"], p["gpu_layers"], p["kv_gpu_bytes"], p["kv_host_bytes"]) == (
        31, 1, 8192 * 4096, 31 * 8192 * 4096)
    # -ngl 0: everything on the host: the embeddings, 32 layers, the final norm and the LM head
    # (bf16): 2 × (525,336,576 + 32 × 218,112,000 + 4,096 + 525,336,576)
    p = _size("llama-3.1-8b --engine llamacpp --ctx 8192 -ngl 0")["placement"]
    assert (p["weights_gpu_bytes"], p["weights_host_bytes"]) == (0, 2 * (525_336_576 + 32 * 218_112_000 + 4096
                                                                          + 525_336_576))
    # -nkvo alone: every layer and the output on the GPU, as llama.cpp counts them n_layer + 1
    assert _size("llama-3.1-8b --engine llamacpp --ctx 8192 -nkvo")["placement"]["n_gpu_layers"] == 33


def test_ngl_splits_alternating_layers_at_the_right_one():
    # gpt-oss-20b alternates sliding (even layers) and full (odd) attention; -ngl 20 at ctx 8,192:
    # i_gpu_start = 25 − 20 = 5, so layers 0-4 (3 sliding, 2 full) keep their cache on the host.
    # llama.cpp f16, 8 KV heads × 64 × 2 (K, V) × 2 bytes = 2,048 bytes a token: a full layer
    # 8,192 × 2,048 = 16,777,216; a sliding one pad256(min(8,192, 128 + 512)) = 768 cells = 1,572,864
    d = _size("gpt-oss-20b --engine llamacpp --ctx 8192 -ngl 20")
    p = d["placement"]
    assert p["kv_host_bytes"] == 3 * 1_572_864 + 2 * 16_777_216
    assert p["kv_gpu_bytes"] + p["kv_host_bytes"] == d["total_bytes"] == 12 * 1_572_864 + 12 * 16_777_216


def test_weight_split_floors_to_whole_bytes():
    # a made-up model of 3 parameters, one on the GPU and two on the host: 10 bytes split 3 + 6
    spec = SimpleNamespace(embedding_params=lambda: 1, layer_params=lambda: {"a": 1}, layers=["a"],
                           final_norm_params=lambda: 0, lm_head_params=lambda: 1)
    p = off.Placement(1, 1, 1, 0, True, True, 1, 2)
    g, h = off.weight_split(10, spec, p)
    assert (g, h) == (3, 6) and type(g) is int and type(h) is int
    one = SimpleNamespace(embedding_params=lambda: 1, layer_params=lambda: {}, layers=[],
                          final_norm_params=lambda: 0, lm_head_params=lambda: 0)
    assert off.weight_split(10, one, off.Placement(0, 0, 1, 0, False, True, 0, 1)) == (0, 10)
    none = SimpleNamespace(embedding_params=lambda: 0, layer_params=lambda: {}, layers=[],
                           final_norm_params=lambda: 0, lm_head_params=lambda: 0)
    _raises("the model has no parameters to place", off.weight_split, 10, none, p)


def test_ngl_refuses_more_than_one_gpu():
    msg = "-ngl / --no-kv-offload: kvplan models llama.cpp on one GPU (--tp 1 --pp 1)"
    _raises(msg, off.check, 1, 2)
    _raises(msg, off.check, 2, 1)
    off.check(1, 1)


# --- tier_flags.py: the flags into ServeOptions -------------------------------------------------
def _extras(engine, hicache=False, ratio=None, size=None, backend=None, ngl=None, nkvo=False, host=None):
    from kvplan.engines import tier_flags
    from kvplan.engines.base import ServeOptions

    return tier_flags.extras(ServeOptions(), engine, hicache, ratio, size, backend, ngl, nkvo, host,
                             lambda flag, text: (flag, text))


def test_tier_flags_into_serve_options():
    from kvplan.engines import tier_flags
    from kvplan.engines.base import ServeOptions

    for t in ("all", " AUTO ", "-1", None):
        assert tier_flags.n_gpu_layers(t) is None
    assert tier_flags.n_gpu_layers(" 12 ") == 12 and tier_flags.n_gpu_layers("0") == 0
    assert _extras(" SGLang ") == ServeOptions()  # no flag: the options as given
    o = _extras("sglang", True, "1.5", None, "file")
    assert o.hicache == H.HiCacheConfig(1.5, 0, "file") and (o.n_gpu_layers, o.no_kv_offload) == (None, False)
    assert _extras("sglang", True).hicache == H.HiCacheConfig()  # the flag alone
    o = _extras("LlamaCpp", ngl="20", nkvo=True, host="64GiB")
    assert (o.n_gpu_layers, o.no_kv_offload, o.host_memory, o.hicache) == (20, True, ("--host-memory", "64GiB"), None)
    assert _extras("llamacpp", nkvo=True).n_gpu_layers is None


@pytest.mark.parametrize("kw, msg", [
    (dict(engine="llamacpp", ngl="x"), "-ngl / --n-gpu-layers takes a number of layers, 'all' or 'auto', got 'x'"),
    (dict(engine="vllm", hicache=True, ratio="2"),
     "--enable-hierarchical-cache, --hicache-ratio: SGLang flags; kvplan models them for --engine sglang only"),
    (dict(engine="sglang", size="4", backend="file"),
     "--hicache-size, --hicache-storage-backend need --enable-hierarchical-cache"),
    (dict(engine="sglang", hicache=True, ratio="2", size="4"),
     "give --hicache-ratio or --hicache-size, not both (SGLang lets the size win)"),
    (dict(engine="sglang", ngl="4", nkvo=True),
     "--n-gpu-layers, --no-kv-offload: llama.cpp flags; kvplan models them for --engine llamacpp only"),
])
def test_tier_flags_messages(kw, msg):
    with pytest.raises(KvplanError) as e:
        _extras(**kw)
    assert str(e.value) == msg
