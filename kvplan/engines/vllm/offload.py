"""vLLM 0.33's CPU KV tier: ``--kv-offloading-size`` and ``--kv-offloading-backend`` (issue 23).

What vLLM does with the two flags, rule by rule (paths inside the vllm package, release 0.33.0):

* ``config/cache.py`` CacheConfig.kv_offloading_size: a float, in GiB, "the total buffer size
  summed across all TP ranks"; kv_offloading_backend ``native`` (default) or ``lmcache``.
* ``config/vllm.py`` VllmConfig._post_init_kv_transfer_config: ``native`` selects the
  ``OffloadingConnector`` (``SimpleCPUOffloadConnector`` only with VLLM_USE_SIMPLE_KV_OFFLOAD=1)
  with ``kv_connector_extra_config["cpu_bytes_to_use"] = kv_offloading_size * (1 << 30)``;
  ``lmcache`` selects ``LMCacheMPConnector`` and does NOT pass the size on: the standalone
  LMCache server process owns the storage and its capacity.
* ``distributed/kv_transfer/kv_connector/v1/offloading/config.py`` build_offloading_config:
  ``blocks_per_chunk`` = 1, or kv_connector_extra_config's ``blocks_per_chunk``, or its
  ``block_size`` (tokens per chunk) // the GPU block size (must divide);
  ``worker_kv_bytes_per_block`` = the GPU pool's bytes per block on one worker
  (kv_cache_tensors[0].size // num_blocks); ``replicated_layout`` for pure-MLA models at TP > 1
  on one node with the ``mp`` executor and no PP / DCP / PCP (every rank's latent is the same).
* ``v1/kv_offload/cpu/spec.py`` CPUOffloadingSpec.__init__: copies = 1 if replicated else the
  world size; chunk = worker bytes per block × copies × blocks_per_chunk;
  ``cpu_page_size_per_worker`` = chunk // copies; the chunk is rounded up to
  ``BLOCK_SIZE_ALIGNMENT`` (``v1/kv_offload/cpu/shared_offload_region.py``: mmap.PAGESIZE, 4096
  on x86-64 Linux); ``num_chunks`` = int(cpu_bytes_to_use) // aligned chunk.
* ``v1/kv_offload/cpu/shared_offload_region.py`` SharedOffloadRegion: ONE region in /dev/shm per
  engine, ``num_chunks`` × aligned chunk bytes, each chunk row holding every worker's slot
  side by side (rank r at r × cpu_page_size); every worker maps it. So the host memory on the
  node is the whole region, and each rank's own slots are num_chunks × cpu_page_size_per_worker.

Checked against vLLM's own functions run on the CPU: tests/golden/vllm_0.33_offload.json
(scripts/oracles/vllm_extras_oracle.py offload). Facts copied, not code.
"""
from __future__ import annotations

from ...model.dtypes import cdiv
from ...errors import KvplanError
from ...model.frozen import record

GiB = 2**30
PAGESIZE = 4096  # mmap.PAGESIZE on x86-64 Linux: SharedOffloadRegion.BLOCK_SIZE_ALIGNMENT
BACKENDS = ("native", "lmcache")


@record
class OffloadTier:
    """The CPU tier of one engine (one data-parallel replica), as vLLM 0.33 sizes it."""

    backend: str
    connector: str
    cpu_bytes_to_use: int | None  # what the flag asks for, over all ranks
    blocks_per_chunk: int | None = None
    tokens_per_block: int | None = None
    world_size: int = 1
    replicated_layout: bool = False
    chunk_bytes: int | None = None  # one chunk of every rank's slots, rounded up to a page
    cpu_page_size_per_worker: int | None = None  # one rank's slot in a chunk
    num_chunks: int | None = None
    cpu_blocks: int | None = None  # GPU-sized blocks the tier holds
    cpu_tokens: int | None = None
    host_bytes_per_rank: int | None = None  # one rank's own slots
    host_bytes_per_node: int | None = None  # the /dev/shm region (all ranks' slots)
    notes: tuple[str, ...] = ()


def parse_backend(text: str | None) -> str:
    b = (text or "native").strip().lower()
    if b not in BACKENDS:
        raise KvplanError(f"--kv-offloading-backend must be native or lmcache, got '{text}'")
    return b


def blocks_per_chunk(extra: dict | None, block_size: int) -> int:
    """build_offloading_config: ``blocks_per_chunk`` or ``block_size`` (tokens per chunk, a
    multiple of the GPU block) from kv_connector_extra_config; 1 without either."""
    extra = extra or {}
    if "blocks_per_chunk" in extra and "block_size" in extra:
        raise KvplanError("give only one of 'block_size' or 'blocks_per_chunk' in kv_connector_extra_config")
    if "blocks_per_chunk" in extra:
        n = int(extra["blocks_per_chunk"])
        if n <= 0:
            raise KvplanError("'blocks_per_chunk' must be greater than 0")
        return n
    if "block_size" in extra:
        t = int(extra["block_size"])
        if t <= 0 or t % block_size:
            raise KvplanError(f"'block_size'={t} in kv_connector_extra_config must be a multiple of the "
                              f"GPU KV cache block size ({block_size} tokens)")
        return t // block_size
    return 1


def plan_tier(cpu_bytes: int, backend: str, worker_bytes_per_block: int, block_size: int, tp: int,
              pp: int = 1, mla_only: bool = False, extra: dict | None = None,
              nodes: int = 1) -> OffloadTier:
    """The CPU tier for ``--kv-offloading-size`` (``cpu_bytes``, over all ranks) given the GPU
    pool's bytes per block on one worker (the largest stage's, as every worker's pool has the same
    number of blocks)."""
    if cpu_bytes <= 0:
        raise KvplanError("--kv-offloading-size must be greater than 0")
    world = tp * pp
    if backend == "lmcache":
        return OffloadTier(
            "lmcache", "LMCacheMPConnector", cpu_bytes, world_size=world,
            notes=("vLLM 0.33's --kv-offloading-backend lmcache starts LMCacheMPConnector and does not pass "
                   "--kv-offloading-size on (config/vllm.py _post_init_kv_transfer_config): the LMCache "
                   "server process sizes the CPU tier with its own settings; kvplan does not model them yet",))
    bpc = blocks_per_chunk(extra, block_size)
    replicated = mla_only and tp > 1 and pp == 1 and nodes == 1
    copies = 1 if replicated else world
    chunk = worker_bytes_per_block * copies * bpc
    per_worker = chunk // copies
    aligned = cdiv(chunk, PAGESIZE) * PAGESIZE
    n = cpu_bytes // aligned
    notes = ["one shared region in /dev/shm per node (SharedOffloadRegion): the container's /dev/shm "
             "must hold it"]
    if replicated:
        notes.append("MLA at TP > 1: one copy of the latent serves every rank (replicated_layout)")
    if nodes > 1:
        notes.append("several nodes: each maps the region in its own /dev/shm; not checked against vLLM")
    return OffloadTier("native", "OffloadingConnector", cpu_bytes, bpc, block_size, world, replicated,
                       aligned, per_worker, n, n * bpc, n * bpc * block_size, n * per_worker, n * aligned,
                       tuple(notes))


def flag_bytes(gib: float) -> int:
    """``kv_offloading_size * (1 << 30)`` as vLLM computes it (a float), then int() as
    CPUOffloadingSpec does."""
    return int(gib * (1 << 30))
