"""Issue 25: vLLM 0.33's CPU KV tier (engines/vllm/offload.py) at its edges and to the last word of
each refusal, on made-up block sizes small enough to work by hand (the rules are the ones
test_vllm_extras.py checks against vLLM's own functions, tests/golden/vllm_0.33_offload.json)."""
import pytest

from kvplan.engines.vllm import offload as O
from kvplan.errors import KvplanError

SHM = ("one shared region in /dev/shm per node (SharedOffloadRegion): the container's /dev/shm must hold it",)
REPL = "MLA at TP > 1: one copy of the latent serves every rank (replicated_layout)"
NODES = "several nodes: each maps the region in its own /dev/shm; not checked against vLLM"


def _raises(msg, f, *args, **kw):
    with pytest.raises(KvplanError) as e:
        f(*args, **kw)
    assert str(e.value) == msg


def test_backend_names():
    assert [O.parse_backend(t) for t in (None, "", " LMCache ", "NATIVE")] == ["native", "native", "lmcache", "native"]
    _raises("--kv-offloading-backend must be native or lmcache, got 'Mooncake '", O.parse_backend, "Mooncake ")


def test_blocks_per_chunk():
    assert [O.blocks_per_chunk(x, 16) for x in (None, {}, {"blocks_per_chunk": "3"}, {"block_size": 48},
                                                {"block_size": 16}, {"blocks_per_chunk": 1})] == [1, 1, 3, 3, 1, 1]
    assert type(O.blocks_per_chunk({"block_size": 48}, 16)) is int
    assert O.blocks_per_chunk({"block_size": 1}, 1) == 1  # one token a chunk of one-token blocks
    _raises("give only one of 'block_size' or 'blocks_per_chunk' in kv_connector_extra_config",
            O.blocks_per_chunk, {"block_size": 16, "blocks_per_chunk": 1}, 16)
    for n in (0, -2):
        _raises("'blocks_per_chunk' must be greater than 0", O.blocks_per_chunk, {"blocks_per_chunk": n}, 16)
    for t in (24, 0, -16, 8):
        _raises(f"'block_size'={t} in kv_connector_extra_config must be a multiple of the "
                "GPU KV cache block size (16 tokens)", O.blocks_per_chunk, {"block_size": t}, 16)


def test_native_tier_by_hand():
    # 1,000 bytes a block per worker, blocks of 16 tokens, TP 2: a chunk holds both ranks' slots,
    # 2,000 bytes, rounded up to one 4,096-byte page; 10,000 bytes hold 2 chunks (8,192 bytes):
    # 2 blocks = 32 tokens, each rank's own slots 2 × 1,000, the region 2 × 4,096
    t = O.plan_tier(10_000, "native", 1000, 16, 2)
    assert t == O.OffloadTier("native", "OffloadingConnector", 10_000, 1, 16, 2, False, 4096, 1000, 2, 2, 32,
                              2000, 8192, SHM)
    assert all(type(b) is int for b in (t.chunk_bytes, t.cpu_page_size_per_worker, t.host_bytes_per_rank))
    # 3 blocks a chunk, TP 1 × PP 2: chunk 1,000 × 2 × 3 = 6,000 -> 8,192; 20,000 // 8,192 = 2 chunks
    t = O.plan_tier(20_000, "native", 1000, 16, 1, 2, extra={"blocks_per_chunk": 3})
    assert (t.world_size, t.chunk_bytes, t.cpu_page_size_per_worker, t.num_chunks, t.cpu_blocks, t.cpu_tokens,
            t.host_bytes_per_rank, t.host_bytes_per_node) == (2, 8192, 3000, 2, 6, 96, 6000, 16_384)
    # exactly a page: 4,096 bytes stay 4,096; a budget of exactly 2 pages holds 2 chunks
    t = O.plan_tier(8192, "native", 4096, 16, 1)
    assert (t.chunk_bytes, t.num_chunks) == (4096, 2)
    assert O.plan_tier(8191, "native", 4096, 16, 1).num_chunks == 1


def test_replicated_layout_only_for_mla_at_tp_on_one_node():
    # MLA at TP 2, PP 1, one node: one copy, chunk 1,000 -> 4,096; 10,000 bytes: 2 chunks
    t = O.plan_tier(10_000, "native", 1000, 16, 2, 1, True)
    assert (t.replicated_layout, t.chunk_bytes, t.cpu_page_size_per_worker, t.host_bytes_per_rank,
            t.notes) == (True, 4096, 1000, 2000, SHM + (REPL,))
    t = O.plan_tier(100_000, "native", 3000, 16, 2, 1, True)
    assert (t.chunk_bytes, t.num_chunks) == (4096, 24)  # 3,000 -> 4,096 (not 2 × 3,000 -> 8,192)
    for tp, pp, nodes in ((1, 1, 1), (2, 2, 1), (2, 1, 2)):
        t = O.plan_tier(100_000, "native", 3000, 16, tp, pp, True, nodes=nodes)
        assert t.replicated_layout is False and t.cpu_page_size_per_worker == 3000
    assert O.plan_tier(100_000, "native", 3000, 16, 2, 1, True, nodes=2).notes == SHM + (NODES,)


def test_lmcache_and_refusals():
    t = O.plan_tier(5 * 2**30, "lmcache", 1000, 16, 2, 2)
    assert (t.backend, t.connector, t.cpu_bytes_to_use, t.world_size, t.num_chunks, t.cpu_tokens) == (
        "lmcache", "LMCacheMPConnector", 5 * 2**30, 4, None, None)
    assert t.notes == ("vLLM 0.33's --kv-offloading-backend lmcache starts LMCacheMPConnector and does not pass "
                       "--kv-offloading-size on (config/vllm.py _post_init_kv_transfer_config): the LMCache "
                       "server process sizes the CPU tier with its own settings; kvplan does not model them yet",)
    for b in (0, -1):
        _raises("--kv-offloading-size must be greater than 0", O.plan_tier, b, "native", 1000, 16, 1)
    assert O.plan_tier(1, "native", 1000, 16, 1).num_chunks == 0


def test_flag_bytes():
    assert O.flag_bytes(0.5) == 536_870_912 and O.flag_bytes(64) == 64 * 2**30
    assert O.flag_bytes(1.1) == 1_181_116_006  # int(1.1 × 2^30): the float's product, truncated
