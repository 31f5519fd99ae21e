"""simulate's replicas for caches of more than one KV cache group (issue 22): vLLM's hybrid
allocator (groups.py says what each group holds) and SGLang's separate sliding-window pool.

vLLM (``VllmHybridReplica``): the first full-attention (or MLA) group is ``scheduler.Replica``'s
own (block pool, prefix cache, preemption: unchanged); each request also holds ``r.xb`` blocks of
the other groups, from the same pool. Admission (``allocate_slots``) and every prefill chunk need
the sum over the groups (``HybridKVCacheCoordinator.get_num_blocks_to_allocate``; admission first
for the whole sequence, each group capped at its ``Group.admission``: vLLM ≥ 0.19), the blocks that
left the window coming back first (``remove_skipped_blocks``); decodes change their holding only at
the positions ``groups.next_change`` gives (a new block, a block behind the window), each filed as
an event as ``Replica`` files a decode's next block, and a decode that finds the pool short
preempts the most recently admitted request (vLLM's running pass).

SGLang (``SGLangSWAReplica``): the full pool is ``Replica``'s token pool; the SWA pool
(``Limits.swa_tokens``) is a second count. A prefill chunk of n tokens at c computed holds
min(c, window) + n there: the tokens behind the window are freed between chunks (schedule_batch.py
``_evict_swa`` in extend, radix cache off) or left evictable in the radix tree (radix cache on:
``SWAPrefillBudget.remaining_swa`` counts ``swa_evictable_size`` as room, taken as free here);
admission also needs
``groups.sglang_swa_need`` below the free SWA tokens (``SWAPrefillBudget.check_prefill``); a
request entering decode keeps min(its final length, window + eviction interval)
(``groups.sglang_swa_cap``, the top of the eviction saw-tooth, so pessimistic) and gives back the
rest at once (one step early: optimistic by one step); when the SWA pool runs short at that point,
the most recently admitted requests are retracted, as for the full pool. Simplifications: the
SWA tokens of a radix-cache hit are taken as still cached (not re-taken); requests admitted in one
batch are checked against the free SWA tokens left by the earlier ones, without their reservations.
"""
from __future__ import annotations

from ...errors import KvplanError
from ...model.dtypes import cdiv
from .groups import Group, held, next_change, sglang_swa_cap, sglang_swa_need
from .scheduler import Replica, _Req
from .sglang import SGLangReplica


def replica_class(limits):
    """The replica for ``limits``' groups: None when the cache is one group (scheduler.Replica)."""
    if limits.engine == "sglang":
        return SGLangSWAReplica if limits.swa_tokens else None
    if not limits.groups:
        return None
    main = getattr(limits, "main_group", True)
    if limits.host_blocks:
        raise KvplanError("simulate does not model a CPU KV tier (--kv-offloading-size) beside "
                          "vLLM's hybrid KV cache groups")
    if getattr(limits, "scheduler_steps", 1) > 1:
        raise KvplanError("vLLM V0 (--num-scheduler-steps) has no hybrid KV cache groups")
    if getattr(limits, "v0", False):  # vllm_v0.py: a run of vLLM before 0.8.0
        raise KvplanError("vLLM V0 (a release before 0.8.0) has no hybrid KV cache groups")
    return VllmHybridReplica if main else VllmSlidingReplica


class VllmHybridReplica(Replica):
    """vLLM 0.33's one block pool shared by every KV cache group (groups.py)."""

    def __init__(self, limits, roofline, shared_prefix: int = 0, index: int = 0):
        super().__init__(limits, roofline, shared_prefix, index)
        self.groups = limits.groups
        self.main = (Group("full", self.bs),)  # the scheduler's own group: its decode events
        self._x = 0  # the other groups' holding after the chunk being scheduled

    def _give(self, k: int) -> None:
        """``k`` blocks back to the pool (the tail of the free queue: never hit again here)."""
        self.free += k
        self._append(k)

    def _fits(self, r: _Req, budget: int):
        hp, ho, evict, hc = self._hits(r)
        hit = (hp + ho + hc) * self.bs
        n = min(r.prompt + r.g - hit, budget)
        need = cdiv(hit + n, self.bs) - (hp + ho) + held(self.groups, hit, n)
        gate = max(need, self._full_need(r, hit, hp + ho)) if self.full_isl else need
        return (hp, ho, hit, n, need, hc) if gate + evict <= self.free else None

    def _full_need(self, r: _Req, hit: int, local: int) -> int:
        """The whole sequence's blocks in every group (``Group.admission``)."""
        full = min(r.prompt + r.g, self.lim.max_model_len)
        return super()._full_need(r, hit, local) + sum(g.admission(hit, full) for g in self.groups)

    def _admit(self, r: _Req, budget: int):
        got = super()._admit(r, budget)  # takes the blocks of every group (``_fits``' need)
        if got is not None:
            r.xb = held(self.groups, got[0], got[1])
        return got

    def _chunk_need(self, r: _Req, n: int) -> int:
        self._x = held(self.groups, r.computed, n)
        return super()._chunk_need(r, n) + self._x - r.xb

    def _take_chunk(self, r: _Req, need: int) -> None:
        if need >= 0:
            self._take(need)
        else:  # more blocks left the window than the chunk takes
            self._give(-need)
        r.xb = self._x

    def _free_blocks(self, r: _Req, keep_own: bool) -> None:
        """Every group's blocks back; a preempted request's own blocks are not kept for a hit
        (groups.py: pessimistic)."""
        super()._free_blocks(r, keep_own=False)
        self._give(r.xb)
        r.xb = 0

    def _block_due(self, r: _Req) -> int:
        """Its first decode step: the window drops what the prefill left behind it."""
        return r.dec_step + 1

    def _decode_blocks(self, clock: int) -> bool:
        """The decodes whose holding changes at this step: blocks behind the window back, new
        blocks taken, in admission order with preemption when the pool is short."""
        before = self.preemptions
        due = self.block_due.pop(clock, None)
        if not due:
            return False
        moves = []
        for r, ep in due:
            if r.epoch == ep and r.state == "decode":
                c = r.dec_base + clock - 1 - r.dec_step  # computed tokens as this step is scheduled
                x = held(self.groups, c, 1)
                moves.append((r, c, x, self._own_new(c) + x - r.xb))
        if sum(d for *_, d in moves if d > 0) > self.free:
            moves.sort(key=lambda m: m[0].admit)
        for r, c, x, d in moves:
            if r.state != "decode":
                continue
            if d > 0:
                if not self._preempt_for(r, d):
                    break
                self._take(d)
            elif d < 0:
                self._give(-d)
            r.xb = x
            nxt = next_change(self.main + self.groups, c)
            self._file_block(r, clock + nxt - c)
        return self.preemptions > before


    def _own_new(self, c: int) -> int:
        """The scheduler's own (full-attention) group takes a block when c reaches a block's end."""
        return int(c % self.bs == 0)


class VllmSlidingReplica(VllmHybridReplica):
    """vLLM 0.33 with no full-attention or MLA group: every layer sliding window (Mistral 7B
    v0.1: one window of 4,096 for all 32 layers). kv_cache_utils.py ``is_kv_cache_spec_uniform``
    makes that one KV cache group of ``SlidingWindowSpec`` (or ``UniformTypeKVCacheSpecs`` for
    equal windows of different page sizes), run by ``UnitaryKVCacheCoordinator`` with one
    ``SlidingWindowManager`` (single_type_kv_cache_manager.py): a request holds
    ``cdiv(c + n, block) − skipped(c) // block`` blocks, the blocks wholly behind the window
    freed by ``remove_skipped_blocks`` before each allocation (groups.py ``Group.held``), and
    admission counts ``max_admission_blocks_per_request`` at most (``Group.admission``). So the
    scheduler's own group holds nothing here and every block is ``r.xb`` (``held`` over
    ``limits.groups``, the sliding group among them). Not modelled, on the pessimistic side:
    prefix-cache hits (``SlidingWindowManager.find_longest_cache_hit`` finds a hit whose last
    ``cdiv(W − 1, block)`` blocks are cached): each request recomputes its prompt, as with
    ``--no-enable-prefix-caching``."""

    def __init__(self, limits, roofline, shared_prefix: int = 0, index: int = 0):
        super().__init__(limits, roofline, shared_prefix, index)
        self.main = ()  # no full-attention group: no block of the scheduler's own
        self.queue = self.host = None  # no prefix hits (pessimistic; the docstring)
        self.k_prefix = 0

    def _fits(self, r: _Req, budget: int):
        n = min(r.prompt + r.g, budget)
        need = held(self.groups, 0, n)
        gate = max(need, self._full_need(r, 0, 0)) if self.full_isl else need
        return (0, 0, 0, n, need, 0) if gate <= self.free else None

    def _full_need(self, r: _Req, hit: int, local: int) -> int:
        full = min(r.prompt + r.g, self.lim.max_model_len)
        return sum(g.admission(hit, full) for g in self.groups)

    def _chunk_need(self, r: _Req, n: int) -> int:
        self._x = held(self.groups, r.computed, n)
        return self._x - r.xb

    def _held(self, r: _Req) -> int:
        return 0

    def _own_new(self, c: int) -> int:
        return 0


class SGLangSWAReplica(SGLangReplica):
    """SGLang 0.5.23's full token pool (the base) beside its sliding-window token pool."""

    def __init__(self, limits, roofline, shared_prefix: int = 0, index: int = 0):
        super().__init__(limits, roofline, shared_prefix, index)
        self.window = limits.groups[0].window
        self.cap = sglang_swa_cap(self.window)
        self.swa_free = limits.swa_tokens
        self._want = 0  # SWA tokens the chunk being scheduled takes
        self.pending: dict = {}  # requests entering decode: SWA tokens they still need

    def step(self, now: float):
        """A chunked prefill that had to retract itself for SWA room leaves the step empty: the
        running decodes go on (the next batch formed)."""
        out = super().step(now)
        return super().step(now) if out is None and self.running else out

    def _fits(self, r: _Req, budget: int):
        f = super()._fits(r, budget)
        if f is None:
            return None
        n = f[3]
        if sglang_swa_need(n, r.output - r.g, self.window, self.bs) >= self.swa_free:
            return None
        return f

    def _admit(self, r: _Req, budget: int):
        got = super()._admit(r, budget)
        if got is not None:
            self.swa_free -= got[1]
            r.xb = got[1]
        return got

    def _chunk_need(self, r: _Req, n: int) -> int:
        self._want = min(r.computed, self.window) + n - r.xb  # the window before the chunk, and it
        return super()._chunk_need(r, n)

    def _preempt_for(self, r: _Req, need: int) -> bool:
        """Retract the most recent requests until both pools have room; False when ``r`` went."""
        while need > self.free or self._want > self.swa_free:
            victim = next(reversed(self.running))
            self.preempt(victim)
            if victim is r:
                self._want = 0
                return False
        return True

    def _take_chunk(self, r: _Req, need: int) -> None:
        super()._take_chunk(r, need)
        self.swa_free -= self._want
        r.xb += self._want
        self._want = 0

    def _free_blocks(self, r: _Req, keep_own: bool) -> None:
        super()._free_blocks(r, keep_own)
        self.swa_free += r.xb
        r.xb = 0
        self.pending.pop(r, None)

    def _finish_prefills(self, chunks: list, end: float) -> list:
        done = super()._finish_prefills(chunks, end)
        for r, _, _ in chunks:
            if r.state == "decode" and r not in done:
                keep = min(r.computed + r.output - r.g, self.cap)
                if keep < r.xb:
                    self.swa_free += r.xb - keep
                    r.xb = keep
                elif keep > r.xb:
                    self.pending[r] = keep - r.xb
        return done

    def _decode_blocks(self, clock: int) -> bool:
        before = self.preemptions
        for r in sorted(self.pending, key=lambda q: q.admit):
            k = self.pending.get(r)
            if k is None:  # retracted meanwhile
                continue
            while k > self.swa_free and r in self.running:
                self.preempt(next(reversed(self.running)))
            if r in self.pending:
                del self.pending[r]
                self.swa_free -= k
                r.xb += k
        super()._decode_blocks(clock)
        return self.preemptions > before
