"""LMCache 0.5.6 as vLLM 0.33's CPU (and disk) KV tier: how much host memory per TP rank and
per node, and how many tokens it holds (issue 23). Two ways vLLM runs it:

* **multi-process** (``--kv-offloading-backend lmcache``: vLLM 0.33's ``config/vllm.py``
  _post_init_kv_transfer_config picks ``LMCacheMPConnector`` and passes no size on): one
  ``lmcache server`` per node owns the storage. Its L1 is ``--l1-size-gb`` GiB
  (``lmcache/v1/distributed/config.py`` parse_args_to_config: ``int(l1_size_gb * (1 << 30))``,
  one pool for the server), allocated in ``--l1-align-bytes`` units (default 4096). Every chunk
  of ``chunk_size`` tokens (``lmcache/v1/multiprocess/config.py`` MPServerConfig.chunk_size =
  256) is stored once per KV rank (``lmcache/v1/distributed/api.py`` ObjectKey.kv_rank), each
  object that rank's KV of the chunk (``multiprocess/modules/lmcache_driven_transfer.py``
  get_layout_desc). So the node's host memory is the L1, and a rank's share is 1 / world of it.
* **in-process** (``--kv-transfer-config '{"kv_connector":"LMCacheConnectorV1"}'``): every
  worker (TP rank) builds its own LMCacheEngine from ``LMCacheEngineConfig``
  (``lmcache/v1/config.py`` _CONFIG_DEFINITIONS: chunk_size 256, local_cpu True,
  max_local_cpu_size 5.0, local_disk None, max_local_disk_size 0.0, save_unfull_chunk False)
  and its LocalCPUBackend pins ``int(max_local_cpu_size * 1024**3)`` bytes up front
  (``storage_backend/local_cpu_backend.py`` initialize_allocator -> MixedMemoryAllocator, full
  allocation): the size is **per rank**, so a node with TP 4 pins 4 × max_local_cpu_size
  (LMCache#2901). A chunk object is ``kv_shape`` = (layers + draft layers, 2 (1 for MLA),
  chunk_size, KV heads on the rank, head size) in the KV dtype
  (``integration/vllm/vllm_service_factory.py``), allocated rounded up to 4096 bytes
  (``memory_management.py`` AddressManager.ALIGN_BYTES, compute_aligned_size). The disk tier
  (``storage_backend/local_disk_backend.py``: max_cache_size = int(max_local_disk_size *
  1024**3), each chunk its physical, aligned size) is per rank too (local_disk_path_sharding
  ``by_gpu``).

Partial chunks: with save_unfull_chunk False (the default) the last, partial chunk of a prompt
is not stored, so a prompt of n tokens keeps floor(n / chunk_size) chunks.

GB in LMCache's settings is GiB (× 1024**3). Facts copied, not code. Checked against LMCache's
own allocator: tests/golden/lmcache_0.5.6.json (scripts/oracles/lmcache_oracle.py).
"""
from __future__ import annotations

import json
import math

from ...errors import KvplanError
from ...model.dtypes import cdiv
from ...model.frozen import record

VERSION = "0.5.6"
ALIGN = 4096  # AddressManager.ALIGN_BYTES; MP server --l1-align-bytes default
GiB = 1024**3
KEYS = ("chunk_size", "max_local_cpu_size", "local_cpu", "local_disk", "max_local_disk_size",
        "save_unfull_chunk", "l1_size_gb")


@record
class LMCacheConfig:
    """LMCache's own settings, named as LMCache names them (GB = GiB)."""

    chunk_size: int = 256
    local_cpu: bool = True
    max_local_cpu_size: float = 5.0  # in-process: GiB per rank
    local_disk: str | None = None
    max_local_disk_size: float = 0.0  # in-process: GiB per rank
    save_unfull_chunk: bool = False
    l1_size_gb: float | None = None  # multi-process server's --l1-size-gb: GiB per node


@record
class LMCacheTier:
    mode: str  # "multi-process" (LMCacheMPConnector) or "in-process" (LMCacheConnectorV1)
    connector: str
    chunk_size: int
    world_size: int
    chunk_object_bytes: int  # one rank's KV of one chunk, as allocated (aligned)
    cpu_chunks: int  # chunks of the prompt the CPU tier holds (every rank's share of each)
    cpu_tokens: int
    host_bytes_per_rank: int
    host_bytes_per_node: int
    disk_chunks: int = 0
    disk_tokens: int = 0
    disk_bytes_per_rank: int = 0
    disk_bytes_per_node: int = 0
    save_unfull_chunk: bool = False
    notes: tuple[str, ...] = ()


def parse(text: str | None) -> LMCacheConfig:
    """``--lmcache-config``: a JSON object of LMCache's own keys (or a .json/.yaml file of them)."""
    if text is None:
        return LMCacheConfig()
    t = text.strip()
    if not t.startswith("{"):
        from pathlib import Path

        p = Path(t)
        if not p.is_file():
            raise KvplanError(f"--lmcache-config: not a JSON object nor a file: {t[:60]}")
        from ...sources.readers import read_text

        try:
            t = read_text(p, "config file")
        except KvplanError as e:
            raise KvplanError(f"--lmcache-config: {e}") from None
        if p.suffix in (".yaml", ".yml"):
            import yaml

            try:
                d = yaml.safe_load(t)
            except yaml.YAMLError as e:
                raise KvplanError(f"--lmcache-config: bad YAML: {str(e).splitlines()[0]}") from None
            return _from_dict(d)
    try:
        d = json.loads(t)
    except json.JSONDecodeError as e:
        raise KvplanError(f"--lmcache-config must be JSON: {e.msg}") from None
    return _from_dict(d)


def _from_dict(d) -> LMCacheConfig:
    if not isinstance(d, dict):
        raise KvplanError("--lmcache-config must be an object of LMCache's settings")
    unknown = set(d) - set(KEYS)
    if unknown:
        raise KvplanError(f"--lmcache-config: kvplan models {', '.join(KEYS)}; not {', '.join(sorted(unknown))}")
    c = d.get("chunk_size", 256)
    if not isinstance(c, int) or isinstance(c, bool) or c < 1:
        raise KvplanError("--lmcache-config chunk_size must be a positive integer")
    up = {"chunk_size": c}
    for k in ("max_local_cpu_size", "max_local_disk_size", "l1_size_gb"):
        if k in d and d[k] is not None:
            v = d[k]
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v) or v < 0:
                raise KvplanError(f"--lmcache-config {k} must be a number of GB (GiB), >= 0")
            up[k] = float(v)
    for k in ("local_cpu", "save_unfull_chunk"):
        if k in d:
            if not isinstance(d[k], bool):
                raise KvplanError(f"--lmcache-config {k} must be true or false")
            up[k] = d[k]
    if d.get("local_disk") is not None:
        up["local_disk"] = str(d["local_disk"])
    return LMCacheConfig(**up)


def chunk_object_bytes(rank_bytes_per_token: int, chunk_size: int, tokens: int | None = None) -> int:
    """One rank's KV of one chunk (``tokens`` for a partial one), rounded up to 4096 bytes."""
    raw = rank_bytes_per_token * (chunk_size if tokens is None else tokens)
    return cdiv(raw, ALIGN) * ALIGN


def stored_tokens(prompt: int, cfg: LMCacheConfig) -> int:
    """Tokens of a prompt LMCache keeps: whole chunks, plus the partial one with save_unfull_chunk."""
    return prompt if cfg.save_unfull_chunk else prompt // cfg.chunk_size * cfg.chunk_size


def _gib_bytes(gb: float) -> int:
    return int(gb * GiB)


def multi_process(cfg: LMCacheConfig, rank_bytes_per_token: int, world: int, l1_bytes: int,
                  size_note: str) -> LMCacheTier:
    """One server per node, one L1 of ``l1_bytes``; each chunk stored as ``world`` objects."""
    if l1_bytes <= 0:
        raise KvplanError("the LMCache server's L1 (--l1-size-gb) must be greater than 0")
    obj = chunk_object_bytes(rank_bytes_per_token, cfg.chunk_size)
    chunks = l1_bytes // (obj * world)
    return LMCacheTier("multi-process", "LMCacheMPConnector", cfg.chunk_size, world, obj, chunks,
                       chunks * cfg.chunk_size, chunks * obj, l1_bytes, save_unfull_chunk=cfg.save_unfull_chunk,
                       notes=(size_note, "one `lmcache server` per node holds every rank's objects in one L1 "
                              "(pinned host memory); each rank's share is 1/world of it"))


def in_process(cfg: LMCacheConfig, rank_bytes_per_token: int, world: int) -> LMCacheTier:
    """Every rank its own LMCacheEngine: max_local_cpu_size (and the disk tier) per rank."""
    obj = chunk_object_bytes(rank_bytes_per_token, cfg.chunk_size)
    cpu = _gib_bytes(cfg.max_local_cpu_size) if cfg.local_cpu else 0
    chunks = cpu // obj
    disk = _gib_bytes(cfg.max_local_disk_size) if cfg.local_disk and cfg.max_local_disk_size > 0 else 0
    dchunks = disk // obj
    notes = [f"LMCache pins max_local_cpu_size on EVERY rank: {world} × {cpu / GiB:g} GiB on the node"]
    if disk:
        notes.append(f"the disk tier is per rank too: {world} × {disk / GiB:g} GiB under {cfg.local_disk}")
    return LMCacheTier("in-process", "LMCacheConnectorV1", cfg.chunk_size, world, obj, chunks,
                       chunks * cfg.chunk_size, cpu, cpu * world, dchunks, dchunks * cfg.chunk_size,
                       disk, disk * world, cfg.save_unfull_chunk, tuple(notes))
