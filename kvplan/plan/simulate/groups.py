"""simulate's KV cache groups beyond the first: what one request holds in each (issue 22).

vLLM 0.33 (v1/core): every group draws its blocks from one ``BlockPool`` (``fit``'s
num_gpu_blocks); ``HybridKVCacheCoordinator.get_num_blocks_to_allocate`` (kv_cache_coordinator.py)
sums the groups' needs, and ``KVCacheManager.allocate_slots`` (kv_cache_manager.py) first frees
what each group no longer needs (``remove_skipped_blocks`` at the computed tokens: no async
scheduling here, so ``num_in_flight_tokens`` is 0), then checks that sum against the free blocks.
Per group (single_type_kv_cache_manager.py), after an allocation for ``n`` tokens past ``c``
computed ones, a request holds

* full attention / MLA (``FullAttentionManager``): ``cdiv(c + n, block)``;
* sliding window ``W`` (``SlidingWindowManager``): the same blocks less those wholly behind the
  window, ``get_num_skipped_tokens(c) = max(0, c − W + 1)`` tokens, i.e.
  ``cdiv(c + n, block) − max(0, c − W + 1) // block`` (``remove_skipped_blocks``: freed also
  between the chunks of a chunked prefill, never within one);
* chunked local attention (``ChunkedLocalAttentionManager``): skipped ``c // W × W`` tokens;
* Mamba / linear-attention state (``MambaManager``): taken here as the fixed
  ``blocks_per_request`` fit plans (``MambaSpec.max_memory_usage_bytes``: 2 + checkpoint blocks
  in "align" mode), held from admission to the end.

The first full-attention (or MLA) group is the scheduler's own (``scheduler.Replica``: its block
pool, prefix cache and preemption); this module gives the others' blocks. Approximations, each on
the side stated: a prefix-cache hit is the first group's (a shared prefix, as ``Replica`` finds
it), and the other groups' blocks for it are counted as newly taken from the pool (vLLM's
``HybridKVCacheCoordinator.find_longest_cache_hit`` takes the sliding group's last
``cdiv(W − 1, block)`` blocks from the cache: pessimistic by those where another running request
holds them, optimistic where vLLM had evicted them); a preempted request's own blocks are not hit
when it resumes (pessimistic: it recomputes); the free then allocate of one sliding block at
window and block boundaries is applied at each decode step exactly.

SGLang 0.5.23: a sliding-window model keeps two token pools (mem_cache/allocator/swa.py
``SWATokenToKVPoolAllocator``): ``max_total_num_tokens`` for the full layers and ``swa_tokens``
for the sliding ones (fit: kvplan.engines.sglang ``pool``). See ``sglang_swa_need`` and
``SGLANG_SWA_EVICTION_INTERVAL`` below, and hybrid.py for the replica.
"""
from __future__ import annotations

from ...model.dtypes import cdiv
from ...model.frozen import record

MAIN_KINDS = ("full", "mla")  # a group the scheduler's own accounting (scheduler.Replica) can be

# sglang/srt/environ.py: SGLANG_SWA_EVICTION_INTERVAL = EnvInt(128); managers/schedule_batch.py
# (the decode pass: evict when a request is this many tokens past its last eviction) and
# mem_cache/common.py free_swa_out_of_window_slots (evict below seqlen − 1 − window)
SGLANG_SWA_EVICTION_INTERVAL = 128


@record
class Group:
    """One KV cache group beyond the scheduler's own: kind, block size, window, fixed blocks."""

    kind: str  # full | mla | sliding | chunked | mamba
    block_size: int
    window: int = 0  # sliding window, or the attention chunk
    fixed: int = 0  # mamba: blocks held per request whatever its length
    cap: int = 0  # sliding / chunked: max_admission_blocks_per_request (fit's blocks_per_request)

    def skipped(self, c: int) -> int:
        """get_num_skipped_tokens(c): tokens no later token attends to (SlidingWindowManager,
        ChunkedLocalAttentionManager; 0 for full attention)."""
        if self.kind == "sliding":
            return max(0, c - self.window + 1)
        if self.kind == "chunked":
            return c // self.window * self.window
        return 0

    def held(self, c: int, n: int) -> int:
        """Blocks a request holds after ``allocate_slots`` for ``n`` new tokens at ``c``
        computed: remove_skipped_blocks(c), then cdiv(c + n, block) blocks in all."""
        if self.kind == "mamba":
            return self.fixed
        return cdiv(c + n, self.block_size) - self.skipped(c) // self.block_size

    def admission(self, c: int, full: int) -> int:
        """Blocks vLLM 0.33's admission gate counts for a whole sequence of ``full`` tokens at
        ``c`` hit tokens: ``get_num_blocks_to_allocate(apply_admission_cap=True)``, the required
        blocks capped at ``cap`` (single_type_kv_cache_manager.py), less the skipped ones (the
        hit's blocks counted as taken, as in ``held``)."""
        if self.kind == "mamba":
            return self.fixed
        need = cdiv(full, self.block_size)
        return max(0, (min(need, self.cap) if self.cap else need) - self.skipped(c) // self.block_size)

    def next_change(self, c: int) -> int | None:
        """The smallest decode position c' > c (computed tokens when the step is scheduled) at
        which ``held(c', 1)`` differs from ``held(c' − 1, 1)``; None if it never does."""
        if self.kind == "mamba":
            return None
        b = self.block_size
        best = _next(c, b, 0)  # a new block when c' is a multiple of the block: cdiv(c' + 1, b)
        if self.kind == "sliding":  # a block leaves the window when c' − W + 1 ≡ 0 (mod b)
            best = min(best, max(_next(c, b, (self.window - 1) % b), self.window - 1 + b))
        elif self.kind == "chunked":  # a whole chunk leaves at multiples of W
            best = min(best, _next(c, self.window, 0))
        return best


def _next(c: int, period: int, offset: int) -> int:
    """The smallest c' > c with c' ≡ offset (mod period)."""
    return c + 1 + (offset - c - 1) % period


def held(groups, c: int, n: int) -> int:
    """Σ over ``groups`` of the blocks held after an allocation of n tokens past c."""
    return sum(g.held(c, n) for g in groups)


def next_change(groups, c: int) -> int | None:
    """The next decode position where any group's holding changes."""
    return min((x for x in (g.next_change(c) for g in groups) if x is not None), default=None)


def vllm_groups(detail: dict) -> tuple[int, tuple, bool]:
    """(the scheduler's own group's block size, the other groups, whether there is a
    full-attention or MLA group) from fit's vLLM plan (``detail["groups"]``). A cache of
    sliding-window groups only (vLLM: one ``SlidingWindowSpec`` group, hybrid.py
    ``VllmSlidingReplica``) gives the first group's block size, every group, False; None in
    place of the block size when there is neither."""
    groups = detail.get("groups", [])

    def group(g):
        return Group(g["kind"], g["block_size"], g.get("window", 0),
                     g["blocks_per_request"] if g["kind"] == "mamba" else 0,
                     g.get("blocks_per_request", 0) if g["kind"] in ("sliding", "chunked") else 0)

    main = next((i for i, g in enumerate(groups) if g["kind"] in MAIN_KINDS), None)
    if main is None:
        if groups and all(g["kind"] == "sliding" for g in groups):
            return groups[0]["block_size"], tuple(group(g) for g in groups), False
        return None, (), False
    return groups[main]["block_size"], tuple(group(g) for i, g in enumerate(groups) if i != main), True


def sglang_swa_need(extend: int, max_new: int, window: int, page: int) -> int:
    """SGLang's SWA reservation for a prefill (mem_cache/prefill_budget.py
    ``estimate_swa_kv_tokens``): max(extend − W, 0) + min(extend + max_new, W) + page; admission
    needs it strictly below the free SWA tokens (``SWAPrefillBudget.check_prefill``)."""
    return max(extend - window, 0) + min(extend + max_new, window) + page


def sglang_swa_cap(window: int) -> int:
    """SWA tokens a decoding request holds at most: its window plus the eviction interval (it
    evicts below seqlen − 1 − W once it is SGLANG_SWA_EVICTION_INTERVAL tokens past its last
    eviction; taken at the top of that saw-tooth: pessimistic by up to 128 tokens)."""
    return window + SGLANG_SWA_EVICTION_INTERVAL


def describe(lim) -> str:
    """The note simulate prints for a cache of several groups or pools."""
    kinds = ", ".join(f"{g.kind}" + (f" (window {g.window:,})" if g.window else "") +
                      (f" ({g.fixed} blocks a request)" if g.fixed else "") for g in lim.groups)
    if lim.engine == "sglang":
        return (f"beside the full-attention pool, a sliding-window pool of {lim.swa_tokens:,} tokens "
                f"(window {lim.groups[0].window:,}): a request holds its window there once decoding")
    if not getattr(lim, "main_group", True):
        return (f"every KV cache group is sliding window ({kinds}): a request holds the blocks of its window, "
                "the ones behind it freed; prefix-cache hits not modelled (kvplan/plan/simulate/hybrid.py)")
    return (f"the blocks are shared by the full-attention group and {kinds}: each request holds "
            "blocks in every group (kvplan/plan/simulate/groups.py)")
