"""simulate's engine replica: the scheduler step by step (token budget, chunked prefill,
blocks, prefix cache, preemption), as kvplan/plan/simulate/__init__.py's docstring describes."""
from __future__ import annotations

from collections import deque

from ...errors import KvplanError
from ...model.dtypes import cdiv
from .entries import _Prefix, _Run, _Span
from .host import HostTier
from .limits import Limits
from .workload import Request


class _Req:  # one request in one replica's scheduler
    __slots__ = ("i", "arrival", "prompt", "output", "pid", "g", "computed", "state", "admit",
                 "shared", "run", "run_base", "epoch", "dec_step", "dec_base", "finish_at",
                 "last_tok", "first_tok", "end", "preempted", "hit_tokens", "held", "seen", "xb")

    def __init__(self, i: int, r: Request):
        self.i, self.arrival, self.prompt, self.output, self.pid = i, r.arrival_s, r.prompt, r.output, r.prefix_id
        self.g = 0  # output tokens generated
        self.computed = 0  # tokens whose K/V is cached (a decode's advances lazily: _materialize)
        self.state = "waiting"  # waiting | prefill | decode | done
        self.admit = 0  # admission order
        self.shared = 0  # leading blocks held as shared-prefix blocks
        self.run = None  # _Run: own full blocks a preemption left cached
        self.run_base = 0  # the shared blocks it held then (a run is hit only after them)
        self.epoch = 0  # bumped at each preemption: stale event entries are skipped
        self.dec_step = self.dec_base = self.finish_at = 0
        self.last_tok = self.first_tok = self.end = None
        self.preempted = 0
        self.hit_tokens = self.xb = 0  # xb: held in the other KV cache groups (hybrid.py)
        self.held = 0  # blocks held while decoding (speculative.py: beyond the computed tokens')
        self.seen = 0.0  # when it reached the scheduler (past the front end)


class Replica:
    """One engine's scheduler, block pool and prefix cache, stepped by ``simulate``."""

    def __init__(self, limits: Limits, roofline, shared_prefix: int = 0, index: int = 0):
        self.lim, self.rf, self.index = limits, roofline, index
        self.bs = limits.block_size
        self.mixed_batches = limits.engine == "vllm"
        self.full_isl = self.mixed_batches and getattr(limits, "reserve_full_isl", True)  # _fits
        self.lag = limits.engine == "vllm" and limits.async_scheduling and not limits.v0  # limits.ASYNC_SCHEDULING
        self.cutoff = self.last_start = self.last_end = -1.0  # lag: requests seen after the cutoff wait a step
        self.q = 1  # tokens a decode is scheduled with (speculative: 1 + k)
        self.linear = roofline.decode_is_linear
        self.k_prefix = shared_prefix // self.bs  # full blocks of a shared prefix
        self.free = limits.num_blocks
        self.queue = deque([limits.num_blocks]) if limits.prefix_caching else None
        self.host = HostTier(limits.host_blocks, limits.host_chunk_blocks, limits.host_block_seconds) \
            if limits.host_blocks and limits.prefix_caching else None  # host.py: the CPU tier
        self.reload_s = 0.0  # host-tier loads charged to the step being scheduled
        self.prefixes: dict = {}
        self.waiting: deque = deque()
        self.running: dict = {}  # insertion = admission order; the last is the most recent
        self.prefilling: list = []
        self.n_dec = 0
        self.dec_sum = 0  # Σ over decodes of the sequence length each is priced at (computed + 1)
        self.dec_clock = 0  # steps that ran the decodes
        self.block_due: dict = {}
        self.finish_due: dict = {}
        self.fresh: dict = {}
        self.last_dec_end = 0.0
        self.t = 0.0  # when this replica is next free
        self.admitted = self.preemptions = self.steps = 0
        self.hit_tokens = self.prompt_tokens = 0
        self.gaps: list = []  # (seconds, how many tokens had that gap)
        self.samples: list = []  # (t, used blocks, waiting, running) after each step

    @property
    def load(self) -> int:
        return len(self.waiting) + len(self.running)

    def has_work(self) -> bool:
        return bool(self.waiting or self.running)

    def used_blocks(self) -> int:
        return self.lim.num_blocks - self.free

    # -- the free queue (vLLM's FreeKVCacheBlockQueue, kept as runs) -----------------------------
    def _append(self, entry) -> None:
        q = self.queue
        if q is None:
            return
        if isinstance(entry, int):
            if entry <= 0:
                return
            if q and isinstance(q[-1], int):
                q[-1] += entry
                return
        q.append(entry)

    def _take(self, k: int) -> None:
        """Pop ``k`` free blocks from the head of the queue, evicting the cached ones there."""
        if k <= 0:
            return
        if k > self.free:
            raise AssertionError(f"allocating {k} of {self.free} free blocks")
        self.free -= k
        q = self.queue
        while q is not None and k:
            e = q[0]
            if isinstance(e, int):
                take = min(e, k)
                if take == e:
                    q.popleft()
                else:
                    q[0] = e - take
            elif isinstance(e, _Run):
                take = min(e.left, k)
                e.left -= take
                if e.left == 0:
                    q.popleft()
            else:
                top = min(e.hi, self.prefixes[e.pid].cached)
                if top <= e.lo:  # taken back or evicted through another span
                    q.popleft()
                    continue
                take = min(top - e.lo, k)
                self.prefixes[e.pid].cached = top - take
                if take == top - e.lo:
                    q.popleft()
            k -= take

    def _unhold(self, r: _Req) -> None:
        p = self.prefixes[r.pid]
        p.holders[r.shared] -= 1
        if not p.holders[r.shared]:
            del p.holders[r.shared]
        r.shared = 0

    def _release_prefix(self, r: _Req) -> None:
        """``r`` lets go of its shared blocks; those no request holds now are free (cached)."""
        if not r.shared:
            return
        self._unhold(r)
        p = self.prefixes[r.pid]
        new = max(p.holders, default=0)
        if new < p.maxheld:
            self.free += p.maxheld - new
            span = _Span(r.pid, new, p.maxheld)
            p.spans.append(span)
            self._append(span)
            p.maxheld = new

    def _hold_prefix(self, r: _Req, blocks: int, hit: bool) -> None:
        """``r`` holds the prefix's first ``blocks`` blocks: hit (taken from the free queue
        where no one held them) or just registered (its own blocks, now cached)."""
        p = self.prefixes[r.pid]
        if r.shared:
            self._unhold(r)
        r.shared = blocks
        p.holders[blocks] = p.holders.get(blocks, 0) + 1
        if blocks > p.maxheld:
            if hit:
                self.free -= blocks - p.maxheld
            p.maxheld = blocks
            for span in p.spans:  # blocks under the hold leave the queue; those above stay put
                span.lo = max(span.lo, blocks)
            p.spans = [span for span in p.spans if span.lo < span.hi]

    # -- decodes advance lazily ------------------------------------------------------------------
    def _materialize(self, r: _Req) -> None:
        if r.state == "decode":
            d = self.dec_clock - r.dec_step
            if d:
                r.computed, r.g = r.dec_base + d, r.g + d
                r.dec_step, r.dec_base = self.dec_clock, r.computed
                r.last_tok = self.last_dec_end

    def _leave(self, r: _Req) -> None:
        """Take ``r`` off the running set (its blocks are freed by the caller)."""
        self._materialize(r)
        if r.state == "decode":
            self.n_dec -= 1
            self.dec_sum -= r.computed + 1
            self.fresh.pop(r, None)
        elif r.state == "prefill":
            self.prefilling.remove(r)
        del self.running[r]

    def _free_blocks(self, r: _Req, keep_own: bool) -> None:
        """vLLM ``KVCacheManager.free``: a request's blocks in reverse order to the queue's tail
        (its partial last block, its own full blocks, then the shared ones)."""
        own = self._held(r) - r.shared
        full_own = max(0, r.computed // self.bs - r.shared)
        self.free += own
        if keep_own and full_own and self.queue is not None:
            self._append(own - full_own)
            r.run, r.run_base = _Run(full_own), r.shared
            self.queue.append(r.run)
        else:
            self._append(own)
        if self.host is not None:
            self.host.put(("u", r.i), full_own)
        if r.shared:
            self._release_prefix(r)

    def preempt(self, r: _Req) -> None:
        """vLLM ``_preempt_request``: blocks freed, computed tokens 0, front of the queue."""
        self._leave(r)
        self._free_blocks(r, keep_own=True)
        r.state, r.computed = "waiting", 0
        r.epoch += 1
        r.preempted += 1
        self.preemptions += 1
        self.waiting.appendleft(r)

    def _preempt_for(self, r: _Req, need: int) -> bool:
        """Preempt the most recently admitted running requests until ``need`` blocks are free;
        False when ``r`` itself had to go."""
        while need > self.free:
            victim = next(reversed(self.running))
            self.preempt(victim)
            if victim is r:
                return False
        return True

    # -- admission, with prefix hits ---------------------------------------------------------------
    def _hits(self, r: _Req) -> tuple[int, int, int, int]:
        """(shared blocks hit, own blocks hit, blocks among them now free, shared blocks found in
        host memory past those: host.py) for a request with no computed tokens: vLLM
        ``get_computed_blocks``, at most num_tokens − 1 tokens."""
        if self.queue is None:
            return 0, 0, 0, 0
        cap = (r.prompt + r.g - 1) // self.bs
        hp = evict = ho = 0
        if r.pid is not None and self.k_prefix and r.pid in self.prefixes:
            p = self.prefixes[r.pid]
            hp = min(p.cached, cap)
            evict = max(0, hp - p.maxheld)
        if r.run is not None and r.run.left and hp == r.run_base:
            ho = min(r.run.left, cap - hp)
            evict += ho
        hc = 0
        if self.host is not None and not ho and r.pid is not None and self.k_prefix:
            hc = max(0, self.host.prefix_blocks(r.pid, min(self.k_prefix, cap)) - hp)
        return hp, ho, evict, hc

    def _fits(self, r: _Req, budget: int):
        """(hits, new tokens, blocks to take) if ``r`` can be admitted with ``budget`` tokens:
        vLLM's ``allocate_slots`` for its first chunk, and with ``full_isl`` (vLLM ≥ 0.19,
        limits.RESERVE_FULL_ISL) first for its whole sequence (``full_sequence_must_fit``); none past the cutoff."""
        if self.lag and r.seen > self.cutoff:
            return None
        hp, ho, evict, hc = self._hits(r)
        hit = (hp + ho + hc) * self.bs
        n = min(r.prompt + r.g - hit, budget)
        need = cdiv(hit + n, self.bs) - (hp + ho)
        gate = max(need, self._full_need(r, hit, hp + ho)) if self.full_isl else need
        return (hp, ho, hit, n, need, hc) if gate + evict <= self.free else None

    def _full_need(self, r: _Req, hit: int, local: int) -> int:
        """Blocks ``r``'s whole sequence needs past its ``local`` hit blocks (hybrid.py: in every
        group): ``get_num_blocks_to_allocate`` for min(num_tokens, max_model_len) tokens."""
        return cdiv(min(r.prompt + r.g, self.lim.max_model_len), self.bs) - local

    def _admit(self, r: _Req, budget: int):
        """Admit the head of the waiting queue if its blocks fit (``allocate_slots``)."""
        f = self._fits(r, budget)
        if f is None:
            return None
        hp, ho, hit, n, need, hc = f
        self.waiting.popleft()
        if hc:  # loaded from host memory (host.py), not recomputed
            self.reload_s += hc * self.host.block_seconds
            self.host.hit_tokens += hc * self.bs
        if hp:
            self._hold_prefix(r, hp, hit=True)
        if ho:
            r.run.left -= ho
            self.free -= ho
        r.run = None  # what was not hit is left to eviction
        self._take(need)
        r.computed = hit
        r.hit_tokens += hit
        self.hit_tokens += hit
        if not r.preempted:
            self.prompt_tokens += r.prompt
        r.state = "prefill"
        self.admitted += 1
        r.admit = self.admitted
        self.running[r] = None
        self.prefilling.append(r)
        return hit, n

    def _register(self, r: _Req) -> None:
        """Shared-prefix blocks ``r`` just filled become cached (vLLM ``cache_blocks``) when it
        holds every block of that prefix cached so far."""
        if self.queue is None or r.pid is None or not self.k_prefix:
            return
        p = self.prefixes.get(r.pid)
        if p is None:
            p = self.prefixes[r.pid] = _Prefix()
        full = min(self.k_prefix, r.computed // self.bs)
        if r.shared == p.cached and full > p.cached:
            p.cached = full
            self._hold_prefix(r, full, hit=False)
            if self.host is not None:
                self.host.put(("p", r.pid), full)

    # -- one step ----------------------------------------------------------------------------------
    def step(self, now: float):
        """Schedule and run one step starting at ``now``: (seconds, requests finished), or None
        when there is nothing to run."""
        b = self.form(now)
        if b is None:
            return None
        d = self._price(b[1], b[2])
        if self.reload_s:
            d, self.reload_s = d + self.reload_s, 0.0
        return d, self.finish(b, now, d)

    def form(self, now: float):
        """Schedule one step: (decode clock, prefill chunks, whether decodes run), or None."""
        clock = self.dec_clock + 1
        if self.lag:  # step k+1 was scheduled when step k began (with requests running): arrivals since wait
            self.cutoff = self.last_start if self.running and now <= self.last_end + 1e-12 else now
        before = self.preemptions  # a preemption anywhere in this step holds the waiting queue
        do_decode = self.mixed_batches or not self._prefill_ready()
        budget = self.lim.max_num_batched_tokens
        if do_decode:
            self._decode_blocks(clock)
            budget -= self.n_dec * self.q
        chunks = self._schedule_prefills(budget, before) if self.mixed_batches or not do_decode else []
        decoding = do_decode and self.n_dec > 0
        if not chunks and not decoding:
            if self.waiting and not self.running:
                r = self.waiting[0]
                raise KvplanError(f"a request of {r.prompt + r.g:,} tokens needs "
                                  f"{cdiv(r.prompt + r.g, self.bs):,} blocks of {self.bs} tokens; "
                                  f"the cache has {self.lim.num_blocks:,}")
            return None
        return clock, chunks, decoding

    def finish(self, b: tuple, now: float, d: float) -> list:
        """The step ``form`` made ran from ``now`` for ``d`` seconds: the requests it finished."""
        clock, chunks, decoding = b
        end = now + d
        self.last_start, self.last_end = now, end
        self.steps += 1
        done = self._finish_decodes(end, clock) if decoding else []
        done += self._finish_prefills(chunks, end)
        for r in done:
            self._leave(r)
            self._free_blocks(r, keep_own=False)
            r.state, r.end, r.last_tok = "done", end, end
        self.samples.append((end, self.used_blocks(), len(self.waiting), len(self.running)))
        return done

    def _schedule_prefills(self, budget: int, before: int) -> list:
        """Running requests still in prefill, in order, then WAITING requests, only when nothing
        was preempted in this step (``before``: the count when it began; Scheduler.schedule):
        (request, computed, new tokens) each."""
        chunks: list = []
        for r in list(self.prefilling):
            if budget <= 0 or r.state != "prefill":
                break
            n = min(r.prompt + r.g - r.computed, budget)
            need = self._chunk_need(r, n)
            if not self._preempt_for(r, need):
                break
            self._take_chunk(r, need)
            chunks.append((r, r.computed, n))
            budget -= n
        if self.preemptions == before:
            while self.waiting and budget > 0 and len(self.running) < self.lim.max_num_seqs:
                r = self.waiting[0]
                got = self._admit(r, budget)
                if got is None:
                    break
                chunks.append((r, got[0], got[1]))
                budget -= got[1]
        return chunks

    def _price(self, chunks: list, decoding: bool) -> float:
        """The step's seconds: its prefill chunks beside its decodes, from the step model."""
        parts = [(c, n) for _, c, n in chunks]
        if not decoding:
            return self.rf.mixed_sum(parts, 0, 0, seconds=True) if self.linear else self.rf.mixed(parts).seconds
        if self.linear:
            return self.rf.mixed_sum(parts, self.n_dec, self.dec_sum, seconds=True)
        return self.rf.mixed(parts, [r.dec_base + self.dec_clock - r.dec_step + 1
                                     for r in self.running if r.state == "decode"]).seconds

    def _finish_decodes(self, end: float, clock: int) -> list:
        """Token gaps of this decode step, and the requests whose last token it produced."""
        done = []
        stale = self.n_dec - len(self.fresh)
        if stale:
            self.gaps.append((end - self.last_dec_end, stale))
        for r in self.fresh:
            self.gaps.append((end - r.last_tok, 1))
        self.fresh = {}
        self.dec_clock = clock
        self.dec_sum += self.n_dec
        self.last_dec_end = end
        for r, ep in self.finish_due.pop(clock, ()):
            if r.epoch == ep and r.state == "decode":
                done.append(r)
        return done

    def _finish_prefills(self, chunks: list, end: float) -> list:
        """Chunks computed; a completed prefill (or a preempted request's recompute) samples a
        token and joins the decodes. Returns the requests that are then finished."""
        done = []
        for r, c, n in chunks:
            if r.state != "prefill":
                continue
            r.computed = c + n
            self._register(r)
            if r.computed < r.prompt + r.g:
                continue
            self.prefilling.remove(r)
            r.g += 1
            if r.first_tok is None:
                r.first_tok = end
            else:
                self.gaps.append((end - r.last_tok, 1))
            r.last_tok = end
            r.state = "decode"
            self.n_dec += 1
            self.dec_sum += r.computed + 1
            r.dec_step, r.dec_base = self.dec_clock, r.computed
            if r.g >= r.output:
                done.append(r)
                continue
            self.fresh[r] = None
            r.held = cdiv(r.computed, self.bs)
            r.finish_at = self._reach(r, r.output - r.g)
            self.finish_due.setdefault(r.finish_at, []).append((r, r.epoch))
            self._file_block(r, self._block_due(r))
        return done

    def _chunk_need(self, r: _Req, n: int) -> int:  # hybrid.py: and the other KV cache groups
        return cdiv(r.computed + n, self.bs) - cdiv(r.computed, self.bs)

    def _take_chunk(self, r: _Req, need: int) -> None:  # hybrid.py: the other groups' share too
        self._take(need)

    # hooks speculative.py's replica overrides (a decode step emits more than one token)
    def _held(self, r: _Req) -> int:
        return cdiv(r.computed, self.bs)

    def _reach(self, r: _Req, n: int) -> int:
        """The decode step at which ``r`` has ``n`` more tokens than at its ``dec_step``."""
        return r.dec_step + n

    def _block_due(self, r: _Req) -> int:
        """The decode step at which ``r``, just decoding, needs its next block."""
        return r.dec_step + 1 + cdiv(r.computed, self.bs) * self.bs - r.computed

    def _file_block(self, r: _Req, at: int) -> None:
        """File ``r``'s next block allocation at decode step ``at``: its decode at computed c
        asks for c + 1 tokens' blocks, so a new block when c reaches the end of the last."""
        if self.bs > 1 and at <= r.finish_at:
            self.block_due.setdefault(at, []).append((r, r.epoch))

    def _decode_blocks(self, clock: int) -> bool:
        """The decodes of this step get their blocks, in admission order; when the pool is
        empty the most recently admitted request is preempted (vLLM's running pass). True if
        any request was preempted."""
        before = self.preemptions
        if self.bs == 1:  # SGLang's token pool: every decode takes one slot each step
            while self.n_dec > self.free:
                self.preempt(next(reversed(self.running)))
            self._take(self.n_dec)
            return self.preemptions > before
        due = self.block_due.pop(clock, None)
        if due:
            due = [r for r, ep in due if r.epoch == ep and r.state == "decode"]
            nxt = clock + self.bs
            if len(due) <= self.free:  # enough for all: no preemption, order does not matter
                self._take(len(due))
                bd = self.block_due
                for r in due:
                    if nxt <= r.finish_at:
                        bd.setdefault(nxt, []).append((r, r.epoch))
                return False
            due.sort(key=lambda r: r.admit)
            for r in due:
                if r.state != "decode":
                    continue
                if not self._preempt_for(r, 1):
                    break
                self._take(1)
                self._file_block(r, clock + self.bs)
        return self.preemptions > before

    def _prefill_ready(self) -> bool:
        """SGLang runs a prefill batch whenever one can be formed (a chunked request in
        progress, or a waiting request that fits), else a decode step."""
        if self.prefilling:
            return True
        if not self.waiting or len(self.running) >= self.lim.max_num_seqs:
            return False
        return self._fits(self.waiting[0], self.lim.max_num_batched_tokens) is not None
