"""SGLang 0.5.23's hierarchical cache (HiCache): the host KV pool behind the GPU's radix cache
(issue 23), per TP rank and per node.

Rules read from the 0.5.23 wheel (paths under sglang/srt/; facts copied, not code):

* flags (arg_groups/fields/memory.py): ``--enable-hierarchical-cache`` (alias
  ``--enable-hicache``); ``--hicache-ratio`` (float, host pool / device pool, default None);
  ``--hicache-size`` (int, "in gigabytes", default 0; overrides the ratio);
  ``--hicache-host-memory-fraction`` (default 0.8); ``--hicache-storage-backend`` (file, mooncake,
  hf3fs, nixl, ...: an L3 tier outside the process, sized by the backend, not by SGLang).
* arg_groups/hicache_hook.py handle_hicache_ratio_default: no ratio given -> 2.0 (cache mode);
  an explicit ratio or size turns the host-memory fraction off (no auto-sizing).
* mem_cache/hicache_auto_size.py auto_size_hicache: with neither flag, the ratio becomes
  min(2.0, budget × (1 − 0.05) / device pool bytes), budget = 0.8 × host memory free per rank
  (pool_host/base.py host_memory_budget_bytes: (available − 10 GiB) // ranks on the host).
* mem_cache/hybrid_cache/hybrid_pool_assembler.py build_kv_host_pool: one host pool per rank,
  for the rank's device pool (device_capacity_tokens = the device pool's size, i.e.
  max_total_num_tokens), with the server's page size.
* pool_host/mha.py MHATokenToKVPoolHost.get_size_per_token: (head_dim + v_head_dim) ×
  kv heads per rank × layers × dtype bytes; pool_host/mla.py MLATokenToKVPoolHost:
  (kv_lora_rank + qk_rope_head_dim) × dtype bytes × layers. The same cell as the device pool.
* pool_host/base.py HostKVCache.__init__: with ``hicache_size`` > 0, size =
  int(hicache_size × 1e9 // size_per_token) (GB of 10^9, per rank; the minimum over PP stages,
  sync_fixed_hicache_size), else size = int(device_capacity_tokens × ratio); then
  page_num = size // page_size + 1 (one padding page) and size = page_num × page_size; the host
  buffer is size × size_per_token bytes (_allocate_host_buffer), refused when more than the host
  memory free for the rank.

Checked against SGLang's own HostKVCache.__init__ and get_size_per_token run on the CPU:
tests/golden/sglang_0.5.23_hicache.json (scripts/oracles/sglang/hicache_oracle.py).
"""
from __future__ import annotations

from ..errors import KvplanError
from ..model.frozen import record

VERSION = "0.5.23"
DEFAULT_RATIO = 2.0  # handle_hicache_ratio_default, cache mode
HOST_FRACTION = 0.8  # --hicache-host-memory-fraction default
SLACK = 0.05  # hicache_auto_size._ALLOCATION_SLACK_FRACTION
RESERVE = 10 * 2**30  # pool_host/base.py HICACHE_HOST_MEMORY_RESERVE_BYTES
BACKENDS = ("file", "sim", "mooncake", "npu_memcache", "hf3fs", "nixl", "aibrix", "dynamic", "eic",
            "simm", "mori", "shm", "tensorcast", "seaweedfs")


@record
class HiCacheConfig:
    """SGLang's HiCache flags as given (None: not given)."""

    ratio: float | None = None
    size_gb: int = 0
    storage_backend: str | None = None


def parse(ratio: str | None, size: str | None, backend: str | None) -> HiCacheConfig:
    """--hicache-ratio (a number > 0), --hicache-size (whole GB, SGLang's int), the backend name."""
    r = None
    if ratio is not None:
        try:
            r = float(ratio)
        except ValueError:
            raise KvplanError(f"--hicache-ratio must be a number, got '{ratio}'") from None
        if not r > 0:
            raise KvplanError(f"--hicache-ratio must be greater than 0, got {ratio}")
    s = 0
    if size is not None:
        t = size.strip()
        if not t.isdigit():
            raise KvplanError(f"--hicache-size is a whole number of GB (10^9 bytes) per rank, as SGLang "
                              f"takes it, got '{size}'")
        s = int(t)
    b = None
    if backend is not None:
        b = backend.strip().lower()
        if b not in BACKENDS:
            raise KvplanError(f"--hicache-storage-backend must be one of {', '.join(BACKENDS)}, got '{backend}'")
    return HiCacheConfig(r, s, b)


@record
class HostPool:
    """One rank's host pool, as HostKVCache sizes it."""

    size_per_token: int
    host_tokens: int
    host_bytes: int
    rule: str


def host_pool(cfg: HiCacheConfig, device_tokens: int, size_per_token: int, page_size: int = 1,
              size_tokens: int | None = None) -> HostPool:
    """HostKVCache.__init__ for one rank. ``size_tokens``: the PP-synced token count of a fixed
    --hicache-size (sync_fixed_hicache_size), where the caller has it."""
    if size_per_token <= 0:
        raise KvplanError("the hierarchical cache needs a KV pool with bytes per token")
    if cfg.size_gb > 0:
        size = size_tokens if size_tokens is not None else int(cfg.size_gb * 10**9 // size_per_token)
        rule = f"--hicache-size {cfg.size_gb} GB: {cfg.size_gb} × 10^9 // {size_per_token:,} bytes per token"
    else:
        ratio = cfg.ratio if cfg.ratio is not None else DEFAULT_RATIO
        size = int(device_tokens * ratio)
        rule = f"int({device_tokens:,} device tokens × ratio {ratio:g})"
    pages = size // page_size + 1  # one padding page
    tokens = pages * page_size
    return HostPool(size_per_token, tokens, tokens * size_per_token,
                    f"{rule} = {size:,}; + one padding page of {page_size} = {tokens:,} tokens")


def fixed_tokens(cfg: HiCacheConfig, size_per_token: int) -> int:
    return int(cfg.size_gb * 10**9 // size_per_token)


def auto_ratio(host_memory_bytes: int, ranks_per_host: int, device_bytes: int) -> float:
    """auto_size_hicache: the ratio SGLang lowers 2.0 to where the host is short of memory."""
    budget = int((host_memory_bytes - RESERVE) // ranks_per_host * HOST_FRACTION)
    return min(DEFAULT_RATIO, budget * (1 - SLACK) / device_bytes)


def tier(cfg: HiCacheConfig, stages: list[tuple[int, int]], tp: int, page_size: int) -> dict:
    """The host tier of a whole engine: ``stages`` is (device tokens, bytes per token) of one
    rank per pipeline stage (each stage's TP ranks alike). Every rank allocates its own pool."""
    synced = min(fixed_tokens(cfg, spt) for _, spt in stages) if cfg.size_gb > 0 else None
    pools = [host_pool(cfg, dev, spt, page_size, synced) for dev, spt in stages]
    top = max(pools, key=lambda p: p.host_bytes)
    notes = ["one pinned host pool per TP rank (HostKVCache); the per-node figure is every rank on one node"]
    if cfg.ratio is None and cfg.size_gb == 0:
        notes.append("neither --hicache-ratio nor --hicache-size: SGLang starts from ratio 2.0 and lowers it "
                     "until the pools fit in 0.8 × (host memory − 10 GiB) per node (hicache_auto_size.py); "
                     "kvplan shows ratio 2.0")
    if cfg.storage_backend:
        notes.append(f"--hicache-storage-backend {cfg.storage_backend}: an L3 tier sized by the backend, "
                     "not by SGLang; not counted")
    if top.host_tokens <= stages[0][0]:
        notes.append("the host pool holds fewer tokens than the GPU pool: SGLang warns that the L2 cache "
                     "is less effective")
    return {"backend": "sglang hicache", "connector": "HiCache host pool", "sglang_version": VERSION,
            "world_size": tp * len(stages), "ratio": cfg.ratio, "hicache_size_gb": cfg.size_gb,
            "storage_backend": cfg.storage_backend, "size_per_token": top.size_per_token,
            "cpu_tokens": min(p.host_tokens for p in pools),
            "host_bytes_per_rank": top.host_bytes,
            "host_bytes_per_node": tp * sum(p.host_bytes for p in pools),
            "rule": top.rule, "notes": tuple(notes)}
