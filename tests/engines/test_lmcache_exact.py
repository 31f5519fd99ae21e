"""Issue 25: LMCache 0.5.6 as vLLM 0.33's CPU/disk tier (engines/vllm/lmcache.py) at its edges and
to the last word of each refusal; numbers worked by hand beside each assertion (the allocator's
rules are the ones test_lmcache.py checks against LMCache's own, tests/golden/lmcache_0.5.6.json)."""
import pytest

from kvplan.engines.vllm import lmcache as L
from kvplan.errors import KvplanError

GiB = 2**30
MP_NOTE = "one `lmcache server` per node holds every rank's objects in one L1 (pinned host memory); " \
          "each rank's share is 1/world of it"


def _raises(msg, f, *args):
    with pytest.raises(KvplanError) as e:
        f(*args)
    assert str(e.value) == msg


def test_parse_text_and_files(tmp_path):
    assert L.parse(None) == L.LMCacheConfig() == L.LMCacheConfig(256, True, 5.0, None, 0.0, False, None)
    c = L.parse(' {"chunk_size": 128, "max_local_cpu_size": 2, "local_disk": "/tmp/x", "max_local_disk_size": 1,'
                ' "local_cpu": false, "save_unfull_chunk": true, "l1_size_gb": 3} ')
    assert c == L.LMCacheConfig(128, False, 2.0, "/tmp/x", 1.0, True, 3.0)
    assert type(c.max_local_cpu_size) is float and type(c.l1_size_gb) is float
    assert L.parse('{"l1_size_gb": null, "local_disk": null}') == L.LMCacheConfig()
    assert L.parse('{"local_disk": 5}').local_disk == "5"
    j = tmp_path / "c.json"
    j.write_text('{"chunk_size": 64}')
    assert L.parse(str(j)).chunk_size == 64
    for suffix in (".yaml", ".yml"):
        y = tmp_path / f"c{suffix}"
        y.write_text("chunk_size: 512\nmax_local_cpu_size: 1.5\n")
        assert (L.parse(f" {y} ").chunk_size, L.parse(str(y)).max_local_cpu_size) == (512, 1.5)
    y = tmp_path / "bad.yaml"
    y.write_text("a: [1\n")
    with pytest.raises(KvplanError) as e:
        L.parse(str(y))
    assert str(e.value).startswith("--lmcache-config: bad YAML: while parsing a flow sequence")
    long = "x" * 70
    _raises(f"--lmcache-config: not a JSON object nor a file: {'x' * 60}", L.parse, long)
    _raises("--lmcache-config must be JSON: Expecting property name enclosed in double quotes", L.parse, "{bad")
    # a YAML file that is a list, not an object
    y.write_text("- 1\n")
    _raises("--lmcache-config must be an object of LMCache's settings", L.parse, str(y))


def test_from_dict_refusals_whole():
    _raises("--lmcache-config must be an object of LMCache's settings", L._from_dict, [1])
    _raises("--lmcache-config: kvplan models chunk_size, max_local_cpu_size, local_cpu, local_disk, "
            "max_local_disk_size, save_unfull_chunk, l1_size_gb; not a, remote_url", L._from_dict,
            {"remote_url": "x", "a": 1})
    for c in (0, -1, True, 1.5, "256"):
        _raises("--lmcache-config chunk_size must be a positive integer", L._from_dict, {"chunk_size": c})
    assert L._from_dict({"chunk_size": 1}).chunk_size == 1
    for k in ("max_local_cpu_size", "max_local_disk_size", "l1_size_gb"):
        for v in (-0.5, True, "1", float("inf"), float("nan")):
            _raises(f"--lmcache-config {k} must be a number of GB (GiB), >= 0", L._from_dict, {k: v})
        assert getattr(L._from_dict({k: 0}), k) == 0.0
    for k in ("local_cpu", "save_unfull_chunk"):
        _raises(f"--lmcache-config {k} must be true or false", L._from_dict, {k: 1})
        assert getattr(L._from_dict({k: False}), k) is False
    assert L._from_dict({"save_unfull_chunk": True}).save_unfull_chunk is True


def test_objects_and_stored_tokens():
    # 1,000 bytes a token: a 4-token object is 4,000 -> 4,096; 5 tokens 5,000 -> 8,192; exactly 4,096 stays
    assert [L.chunk_object_bytes(1000, 256, t) for t in (4, 5)] == [4096, 8192]
    assert L.chunk_object_bytes(1024, 4) == 4096 and L.chunk_object_bytes(1024, 256, 0) == 0
    c = L.LMCacheConfig(chunk_size=100)
    assert [L.stored_tokens(n, c) for n in (99, 100, 250)] == [0, 100, 200]
    assert L._gib_bytes(1.5) == 1_610_612_736 and L._gib_bytes(0.1) == 107_374_182  # int(), truncated


def test_multi_process_by_hand():
    # 1,000 bytes a token per rank, chunks of 4 tokens: an object is 4,096 bytes; world 3: a chunk
    # takes 12,288 bytes of the L1; an L1 of 100,000 bytes holds 8 chunks = 32 tokens, each rank's
    # share 8 × 4,096 = 32,768 bytes
    c = L.LMCacheConfig(chunk_size=4, save_unfull_chunk=True)
    t = L.multi_process(c, 1000, 3, 100_000, "the note")
    assert t == L.LMCacheTier("multi-process", "LMCacheMPConnector", 4, 3, 4096, 8, 32, 32_768, 100_000,
                              save_unfull_chunk=True, notes=("the note", MP_NOTE))
    for b in (0, -1):
        _raises("the LMCache server's L1 (--l1-size-gb) must be greater than 0", L.multi_process, c, 1000, 3, b, "")
    assert L.multi_process(c, 1000, 3, 12_288, "").cpu_chunks == 1
    assert L.multi_process(c, 1000, 3, 1, "").cpu_chunks == 0  # one byte: allowed, holds nothing


def test_in_process_by_hand():
    # 1 GiB a rank, objects of 4 tokens × 1,000 bytes -> 4,096: 262,144 chunks = 1,048,576 tokens;
    # a 2 GiB disk a rank: 524,288 chunks; TP 2: the node pins 2 GiB of host memory and 4 GiB of disk
    c = L.LMCacheConfig(chunk_size=4, max_local_cpu_size=1.0, local_disk="/d", max_local_disk_size=2.0)
    t = L.in_process(c, 1000, 2)
    assert t == L.LMCacheTier("in-process", "LMCacheConnectorV1", 4, 2, 4096, 262_144, 1_048_576, GiB, 2 * GiB,
                              524_288, 2_097_152, 2 * GiB, 4 * GiB, False,
                              ("LMCache pins max_local_cpu_size on EVERY rank: 2 × 1 GiB on the node",
                               "the disk tier is per rank too: 2 × 2 GiB under /d"))
    # no CPU tier (local_cpu false): 0 bytes; a disk path with no size, or a size with no path: no disk
    t = L.in_process(L.LMCacheConfig(chunk_size=4, local_cpu=False, local_disk="/d"), 1000, 1)
    assert (t.cpu_chunks, t.host_bytes_per_rank, t.disk_chunks, t.disk_bytes_per_rank) == (0, 0, 0, 0)
    assert t.notes == ("LMCache pins max_local_cpu_size on EVERY rank: 1 × 0 GiB on the node",)
    t = L.in_process(L.LMCacheConfig(chunk_size=4, max_local_disk_size=2.0), 1000, 1)
    assert (t.disk_chunks, t.disk_bytes_per_node, len(t.notes)) == (0, 0, 1)
    # a disk of exactly 1 GiB: 262,144 chunks of 4,096 bytes
    t = L.in_process(L.LMCacheConfig(chunk_size=4, local_disk="/d", max_local_disk_size=1.0), 1000, 1)
    assert (t.disk_chunks, t.disk_bytes_per_rank) == (262_144, GiB)
    assert L.in_process(L.LMCacheConfig(max_local_cpu_size=0.5), 1000, 1).notes[0].endswith("1 × 0.5 GiB on the node")
