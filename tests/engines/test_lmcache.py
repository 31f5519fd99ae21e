"""Issue 23: LMCache 0.5.6 as vLLM 0.33's CPU/disk KV tier, per rank and per node
(kvplan/engines/vllm/lmcache.py): in-process against LMCache's own allocator
(tests/golden/lmcache_0.5.6.json, scripts/oracles/lmcache_oracle.py), multi-process by hand."""
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kvplan.cli import app
from kvplan.engines.vllm import lmcache as L
from kvplan.errors import KvplanError

GiB = 2**30
GOLD = json.loads((Path(__file__).parents[1] / "golden" / "lmcache_0.5.6.json").read_text())
LLAMA_TOKEN = 32 * 2 * 8 * 128 * 2  # Llama-3.1-8B, bf16: 131,072 bytes a token over all KV heads


@pytest.mark.parametrize("r", GOLD["records"], ids=lambda r: f"tp{r['tp']}-{json.dumps(r['settings'])}")
def test_in_process_matches_lmcache(r):
    assert GOLD["lmcache_version"] == L.VERSION and "lmcache_oracle.py" in GOLD["command"]
    cfg = L._from_dict(r["settings"])
    assert (cfg.chunk_size, cfg.max_local_cpu_size, cfg.save_unfull_chunk) == (
        r["chunk_size"], r["max_local_cpu_size"], r["save_unfull_chunk"])
    t = L.in_process(cfg, LLAMA_TOKEN // r["tp"], r["tp"])
    assert (t.chunk_object_bytes, t.cpu_chunks, t.host_bytes_per_rank, t.disk_chunks, t.disk_bytes_per_rank) == (
        r["chunk_object_physical_bytes"], r["cpu_chunks"], r["cpu_bytes_per_rank"], r["disk_chunks"],
        r["disk_max_cache_size"])
    assert t.host_bytes_per_node == r["tp"] * r["cpu_bytes_per_rank"]  # every rank pins its own
    assert L.chunk_object_bytes(LLAMA_TOKEN // r["tp"], 1) == r["one_token_object_physical_bytes"]


def test_by_hand():
    # default 5 GiB per rank; TP 4: a chunk is 256 tokens × 32 KiB = 8 MiB; 5 GiB / 8 MiB = 640
    t = L.in_process(L.LMCacheConfig(), LLAMA_TOKEN // 4, 4)
    assert (t.cpu_chunks, t.cpu_tokens, t.host_bytes_per_rank, t.host_bytes_per_node) == (
        640, 163840, 5 * GiB, 20 * GiB)
    # multi-process: one 64 GiB L1 per node, each chunk stored as 4 objects of 8 MiB
    t = L.multi_process(L.LMCacheConfig(), LLAMA_TOKEN // 4, 4, 64 * GiB, "")
    assert (t.cpu_chunks, t.cpu_tokens, t.host_bytes_per_rank, t.host_bytes_per_node) == (
        2048, 524288, 16 * GiB, 64 * GiB)
    # an object is rounded up to 4 KiB: 100 tokens × 1,000 bytes = 100,000 -> 102,400
    assert L.chunk_object_bytes(1000, 100) == 102400
    # partial chunks: dropped unless save_unfull_chunk
    assert L.stored_tokens(1000, L.LMCacheConfig()) == 768
    assert L.stored_tokens(1000, L.LMCacheConfig(save_unfull_chunk=True)) == 1000
    for bad in ('{"chunk_size": 0}', '{"max_local_cpu_size": -1}', '{"remote_url": "x"}', '[1]', '{bad'):
        with pytest.raises(KvplanError):
            L.parse(bad)


def run(*args):
    return CliRunner().invoke(app, ["fit", "llama-3.1-8b", "--gpu", "h100", *args])


def test_cli_tp4_per_rank_and_node():
    r = run("--tp", "4", "--kv-offloading-size", "64GiB", "--kv-offloading-backend", "lmcache", "--json")
    t = json.loads(r.stdout)["cpu_offload"]
    assert (t["mode"], t["cpu_tokens"], t["host_bytes_per_rank"], t["host_bytes_per_node"]) == (
        "multi-process", 524288, 16 * GiB, 64 * GiB)
    r = run("--tp", "4", "--kv-transfer-config", '{"kv_connector":"LMCacheConnectorV1"}',
            "--lmcache-config", '{"max_local_cpu_size": 16}', "--json")
    t = json.loads(r.stdout)["cpu_offload"]
    assert (t["mode"], t["cpu_tokens"], t["host_bytes_per_rank"], t["host_bytes_per_node"]) == (
        "in-process", 524288, 16 * GiB, 64 * GiB)
    for bad in (["--lmcache-config", "{}"], ["--kv-transfer-config", '{"kv_connector":"Nope"}'],
                ["--kv-transfer-config", '{"kv_connector":"LMCacheConnectorV1"}', "--kv-offloading-size", "8"]):
        r = run(*bad)
        assert r.exit_code != 0 and "Traceback" not in r.output


def test_fit_table_shows_the_tiers_in_80_columns():
    r = run("--tp", "4", "--kv-transfer-config", '{"kv_connector":"LMCacheConnectorV1"}', "--lmcache-config",
            '{"max_local_cpu_size": 16, "local_disk": "/nvme", "max_local_disk_size": 100}')
    assert r.exit_code == 0
    lines = r.stdout.splitlines()
    assert "CPU (host)    │   524,288 │     17.18 GB (16 GiB) │       68.72 GB (64 GiB)" in lines
    assert "disk          │ 3,276,800 │   107.37 GB (100 GiB) │     429.50 GB (400 GiB)" in lines
    assert max(len(x) for x in lines) <= 80
