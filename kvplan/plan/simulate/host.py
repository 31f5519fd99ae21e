"""simulate's second prefix-cache level (issue 23): the CPU tier of ``--kv-offloading-size``
(vLLM's OffloadingConnector, or LMCache) as an LRU of blocks in host memory behind the GPU's
prefix cache.

* Stores: every full block a request computed is written to host memory (vLLM's connector
  offloads computed blocks; LMCache stores a prompt's whole chunks): a shared prefix's blocks
  when they are cached on the GPU, a request's own blocks when it frees them. The tier holds
  ``cpu_tokens`` (``kvplan fit``'s figure for the flags) as blocks of the GPU's block size; the
  least recently used blocks leave first, a prefix's last blocks before its first (optimistic:
  a chain's first block evicted first would end every hit behind it).
* Hits: a request admitted with fewer of its shared prefix's blocks on the GPU than the host
  holds loads the rest, in whole chunks of the tier (vLLM's native tier: its block of
  ``block_size`` × blocks_per_chunk tokens; LMCache: chunk_size tokens), at most prompt − 1
  tokens in all. The load is charged to the step that admits it: its bytes per GPU over the
  GPU's host link (plan/reload.py, each rank over its own link at the link's peak), added to
  the step's time, not overlapped with it (vLLM loads asynchronously while other requests run:
  pessimistic for the others' latency, and the loaded request's TTFT is a lower bound).
* Not modelled: a preempted request's own blocks coming back from host memory (they are
  recomputed, as without the tier).
"""
from __future__ import annotations

from collections import OrderedDict


class HostTier:
    """An LRU of ``blocks`` blocks: key -> how many blocks it holds (a prefix: its leading ones)."""

    __slots__ = ("cap", "chunk", "block_seconds", "d", "used", "hit_tokens")

    def __init__(self, blocks: int, chunk: int, block_seconds: float):
        self.cap, self.chunk, self.block_seconds = blocks, max(1, chunk), block_seconds
        self.d: OrderedDict = OrderedDict()
        self.used = 0
        self.hit_tokens = 0

    def put(self, key, n: int) -> None:
        """``key`` now holds ``n`` blocks (a prefix keeps what it held if more), most recent."""
        old = self.d.pop(key, 0)
        n = max(n, old) if key[0] == "p" else n
        if n <= 0:
            self.used -= old
            return
        self.d[key] = n
        self.used += n - old
        while self.used > self.cap:
            k, m = next(iter(self.d.items()))
            drop = min(m, self.used - self.cap)
            if drop == m:
                del self.d[k]
            else:
                self.d[k] = m - drop
            self.used -= drop

    def prefix_blocks(self, pid, limit: int) -> int:
        """Leading blocks of prefix ``pid`` a request may load (whole chunks, at most ``limit``);
        a hit makes them most recent."""
        n = self.d.get(("p", pid), 0)
        if n:
            self.d.move_to_end(("p", pid))
        return min(n, limit) // self.chunk * self.chunk
