"""Each kind's ``mix_flops`` / ``keys_seen`` against a brute-force sum or numbers stated by hand,
at the edges (first query, window boundary, chunk boundary): what perf's FLOPs rest on."""
import pytest

from kvplan.model.kinds import MLA, ChunkedAttention, FullAttention, GatedDeltaNet, Mamba, Mamba2, NoCache, SlidingWindow

GEO = dict(num_heads=4, num_kv_heads=2, head_dim=8)
PAIRS = [(1, 1), (1, 2), (2, 2), (1, 3), (3, 4), (4, 4), (4, 5), (5, 5), (1, 9), (6, 13), (8, 8), (9, 9), (1, 40)]


def brute(keys, first, last):
    return sum(keys(i) for i in range(first, last + 1))


@pytest.mark.parametrize("window,sinks", [(1, 0), (4, 0), (4, 2), (8, 0)])
def test_sliding_keys_seen(window, sinks):
    s = SlidingWindow(window=window, sink_tokens=sinks, **GEO)
    for n in range(0, 30):
        got = s.keys_seen(n)
        assert isinstance(got, int) and got == brute(lambda i: min(i, window + sinks), 1, n), n


@pytest.mark.parametrize("chunk", [1, 3, 4, 8])
def test_chunked_keys_seen(chunk):
    c = ChunkedAttention(chunk=chunk, **GEO)
    for n in range(0, 30):
        got = c.keys_seen(n)
        assert isinstance(got, int) and got == brute(lambda i: (i - 1) % chunk + 1, 1, n), n


def test_full_keys_seen_and_flops():
    f = FullAttention(**GEO)
    per_key = 2 * 4 * (8 + 8)
    for first, last in PAIRS:
        got = f.mix_flops(first, last)
        assert isinstance(got, int) and got == per_key * brute(lambda i: i, first, last), (first, last)
    v = FullAttention(num_heads=4, num_kv_heads=1, head_dim=8, v_head_dim=16)
    assert v.flops_per_key() == 2 * 4 * (8 + 16) == 192


def test_mla_flops():
    m = MLA(num_heads=3, kv_lora_rank=16, qk_rope_head_dim=4, qk_nope_head_dim=8, v_head_dim=8)
    per_key = 2 * 3 * (2 * 16 + 4)  # 216: scores over latent + rope, sum over the latent
    for first, last in PAIRS:
        got = m.mix_flops(first, last)
        assert isinstance(got, int) and got == per_key * brute(lambda i: i, first, last), (first, last)


def test_recurrent_flops_by_hand():
    # Mamba2: conv_dim = 2 × 3 + 2 × 1 × 4 = 14; per token 2 × 14 × 4 (conv) + 5 × 2 × 3 × 4 (state)
    m2 = Mamba2(num_heads=2, head_dim=3, state_size=4, n_groups=1, conv_kernel=4)
    assert m2.mix_flops(1, 1) == 112 + 120 == 232 and m2.mix_flops(5, 7) == 3 * 232
    # Mamba: per token 2 × 6 × 3 (conv over 6 inner channels, kernel 3) + 5 × 6 × 2 (state)
    m1 = Mamba(inner=6, state_size=2, conv_kernel=3, dt_rank=1)
    assert m1.mix_flops(1, 1) == 36 + 60 == 96 and m1.mix_flops(2, 11) == 10 * 96
    # Gated DeltaNet: conv_dim = 2 × 2 × 3 + 4 × 5 = 32; 2 × 32 × 4 + 7 × 4 × 3 × 5
    g = GatedDeltaNet(num_key_heads=2, num_value_heads=4, key_head_dim=3, value_head_dim=5, conv_kernel=4)
    assert g.mix_flops(1, 1) == 256 + 420 == 676 and g.mix_flops(3, 4) == 2 * 676
    assert NoCache().mix_flops(1, 100) == 0


def test_frontier_flops_at_the_window_edge_and_ints():
    from kvplan.sources import catalog
    from kvplan.model.kinds import CompressedAttention

    c = CompressedAttention(num_heads=2, head_dim=4, qk_rope_head_dim=2, window=3, compress_ratio=4,
                            q_lora_rank=8, o_groups=1, o_lora_rank=4)
    for first, last in PAIRS:
        got = c.mix_flops(first, last)
        assert isinstance(got, int)
        assert got == brute(lambda i: 2 * 2 * 2 * 4 * (min(i, 3) + i // 4), first, last), (first, last)
    assert c.model_copy(update={"compress_ratio": 0}).mix_flops(1, 2) == 2 * 2 * 2 * 4 * (1 + 2)
    spec = catalog.load_model("deepseek-v3.2")
    m = next(lt.mixer for lt in spec.layer_types.values() if lt.mixer.kind == "mla_indexed")
    per_key = 2 * m.num_heads * (2 * m.kv_lora_rank + m.qk_rope_head_dim) + 2 * m.index_n_heads * m.index_head_dim
    for first, last in PAIRS:
        got = m.mix_flops(first, last)
        assert isinstance(got, int) and got == per_key * brute(lambda i: i, first, last), (first, last)


def test_frontier_shards_and_state_names():
    from kvplan.sources import catalog

    d = catalog.load_model("deepseek-v4-flash")
    c4 = d.layer_types["c4"].mixer
    s = c4.shard(8)
    assert s.num_heads == c4.num_heads // 8 == 8 and isinstance(s.num_heads, int)
    assert [st.name for st in c4.state("bf16")] == ["compressor", "indexer compressor"]
    assert c4.side_caches()[0].entries(4095) == 1023 and isinstance(c4.side_caches()[0].entries(4095), int)
    m = catalog.load_model("minimax-m3").layer_types["sparse-moe"].mixer
    assert m.shard(2).index_heads == 2 and m.shard(8).index_heads == 1  # one index head kept whole
    assert m.side_caches()[0].name == "index keys"


def test_side_cache_bytes_are_ints():
    from kvplan.plan.size import kv_size

    r = kv_size(__import__("kvplan.sources.catalog", fromlist=["x"]).load_model("deepseek-v4-flash"), 1000, 1)
    assert isinstance(r.bytes_per_token, int) and isinstance(r.total_bytes, int)
