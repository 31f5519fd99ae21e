"""Throughput under load: a discrete-event simulation of a serving engine (issue 22, part 1).

Requests arrive (Poisson or evenly spaced at a rate, all at once, a closed loop of clients, or a
trace), are routed to one of ``replicas`` copies of the engine, and each replica runs its
scheduler step by step. Every step's time is ``perf.Roofline.mixed`` (or its constant-time
form ``mixed_sum``) for exactly the prefill chunks and decodes scheduled in it: the same
roofline ``kvplan perf`` prints, nothing re-derived here. The KV capacity is ``fit``'s for the
engine, GPU and TP (vLLM: ``num_gpu_blocks`` less the null block; SGLang: its token pool).

vLLM V1's scheduler (vllm/v1/core/sched/scheduler.py, ``Scheduler.schedule``; 0.33):

* a token budget of ``max_num_batched_tokens`` per step; the RUNNING requests first, in their
  admission order (every decode takes 1 token; a request still in prefill takes
  ``min(remaining, budget)``: chunked prefill); then, only when nothing was preempted in this
  step, the WAITING queue in FCFS order while ``len(running) < max_num_seqs``, the budget is
  positive and ``KVCacheManager.allocate_slots`` finds the blocks (the first that does not fit
  stops admission: head-of-line, as ``schedule`` breaks);
* KV in blocks of ``block_size`` tokens: a request holds ``cdiv(computed tokens, block)``
  blocks; ``allocate_slots`` asks for the blocks of ``computed + new`` tokens, and fails when
  more are needed than the free queue holds;
* when a running request cannot get its block, ``self.running.pop()`` preempts the most
  recently admitted running request (``_preempt_request``: blocks freed, computed tokens 0,
  back to the FRONT of the waiting queue); if that is the request itself, the running pass
  stops. A resumed request recomputes its prompt and the tokens it had generated;
* prefix caching (``KVCacheManager.get_computed_blocks``, ``BlockPool``): full blocks are
  hashed; a new request reuses the longest run of cached full blocks of its tokens, at most
  ``num_tokens - 1`` tokens (``max_cache_hit_length``); blocks are refcounted, a freed block goes
  to the tail of the free queue (a request's blocks in reverse order, so its first blocks are
  evicted last) and is evicted from the cache when popped from the head for a new allocation.
  Hit blocks with refcount 0 leave the free queue and count against the allocation
  (``_get_num_evictable_blocks``). Here: blocks of a ``--shared-prefix`` (per ``prefix_id``)
  are shared between requests; a preempted request's own full blocks stay cached until evicted
  and are hit when it resumes; other blocks are never hit (their tokens are unique).

Simplifications, each on the side stated: a request's output length is known (``max_tokens`` =
``ignore_eos``, as benchmarks run); async scheduling and CUDA-graph padding are not modelled;
running requests are taken as decodes first then prefills (vLLM's admission order gives that
order except after unusual preemption patterns); two requests that compute the same prefix
block at once keep separate copies and only the first is cached (vLLM caches both; a later hit
may find one here where vLLM would find the other).

SGLang (a documented simplification of ``scheduler.py`` ``get_next_batch_to_run``, 0.5): a
token pool of ``max_total_num_tokens`` (page size 1) from ``fit``; a step is EITHER a prefill
batch (new requests FCFS within ``chunked_prefill_size`` tokens, the last one chunked) when one
can be admitted, OR a decode step of every running request (no mixed batches: its default);
the radix cache reuses shared-prefix tokens at token granularity; when a decode step lacks
tokens, the most recently admitted requests are retracted (recompute). Not modelled: SGLang's
``new_token_ratio`` reservation, which admits fewer requests than this does (so this is
optimistic about SGLang's admission and pessimistic about its retractions), and its
``chunked_prefill_size`` / ``max_running_requests`` defaults (given here as stated assumptions;
pass --max-num-batched-tokens / --max-num-seqs to set them).

``saturated`` (open loop): more than a tenth of the requests that arrived in the second half
of the arrival window were still waiting (not admitted) when the last one arrived, beyond those
waiting at its start: the queue grew at over 10 % of the arrival rate, i.e. arrivals outpace
service. ``--rate inf`` is saturated by definition (an infinite arrival rate); a closed loop
never is (its queue is bounded by the clients).
"""
from __future__ import annotations

import csv
import heapq
import math
import random
import re
from collections import deque
from pathlib import Path

from ..errors import KvplanError
from ..model.dtypes import cdiv
from ..model.frozen import field, record

ENGINES = ("vllm", "sglang")
ROUTERS = ("round-robin", "least-loaded", "prefix")
# SGLang values this module assumes where kvplan has no sourced default (see module docstring)
SGLANG_CHUNKED_PREFILL_ASSUMED = 8192
SGLANG_MAX_RUNNING_ASSUMED = 1024
SATURATION_SHARE = 0.10


# ---- what the engine gives the scheduler -----------------------------------------------------
@record
class Limits:
    """One replica's scheduler limits and KV capacity, each with where it came from."""

    engine: str
    block_size: int  # tokens per KV block (SGLang: page size, 1)
    num_blocks: int  # blocks the scheduler may hand out (vLLM: num_gpu_blocks − the null block)
    max_num_seqs: int
    max_num_batched_tokens: int
    max_model_len: int
    prefix_caching: bool = True
    sources: dict = field(default_factory=dict)

    @property
    def kv_tokens(self) -> int:
        return self.num_blocks * self.block_size


def engine_limits(spec, gpu, tp: int = 1, engine: str = "vllm", opts=None,
                  prefix_caching: bool = True) -> Limits:
    """The KV capacity and batch limits ``fit`` plans for ``engine`` on ``gpu`` × ``tp``."""
    from ..engines import ServeOptions
    from . import fit as fitmod

    if engine not in ENGINES:
        raise KvplanError(f"--engine must be one of {', '.join(ENGINES)} for simulate, got '{engine}'")
    opts = opts or ServeOptions()
    r = fitmod.fit(spec, gpu, tp=tp, engine=engine, opts=opts)
    cap = r.capacity
    if not cap.fits:
        raise KvplanError(r.message or cap.message or f"{spec.name} does not fit on {gpu.name}")
    d = cap.detail
    where = f"kvplan fit {spec.name} --gpu {gpu.name} --tp {tp} --engine {engine}"
    if engine == "vllm":
        groups = d.get("groups", [])
        if len(groups) != 1 or groups[0]["kind"] not in ("full", "mla"):
            kinds = ", ".join(sorted({g["kind"] for g in groups})) or "none"
            raise KvplanError(f"simulate models one KV cache group of full-attention (or MLA) layers; "
                              f"vLLM keeps {spec.name}'s cache in groups of: {kinds}")
        src = {"num_blocks": f"{where}: num_gpu_blocks {d['num_gpu_blocks']:,} less the null block",
               "block_size": f"{where}: {d.get('block_size_source', 'vLLM')}",
               "max_num_seqs": "--max-num-seqs" if opts.max_num_seqs else
               "vLLM EngineArgs.get_batch_defaults (kvplan.engines.vllm)",
               "max_num_batched_tokens": "--max-num-batched-tokens" if opts.max_num_batched_tokens else
               "vLLM EngineArgs.get_batch_defaults (kvplan.engines.vllm)",
               "max_model_len": "--max-model-len" if opts.max_model_len else "the model's max context"}
        lim = Limits("vllm", d["block_size"], d["num_gpu_blocks"] - 1, d["max_num_seqs"],
                     d["max_num_batched_tokens"], cap.max_model_len, prefix_caching, src)
        if lim.max_num_batched_tokens < lim.max_num_seqs:
            # vllm/config/scheduler.py SchedulerConfig: max_num_batched_tokens >= max_num_seqs
            raise KvplanError(f"--max-num-batched-tokens {lim.max_num_batched_tokens} is smaller than "
                              f"--max-num-seqs {lim.max_num_seqs}; vLLM refuses that")
        return lim
    tokens = d["max_total_num_tokens"]
    page = d.get("page_size", 1)
    if d.get("swa_tokens") is not None or d.get("max_mamba_cache_size") is not None:
        raise KvplanError(f"simulate models SGLang's single full-attention token pool; "
                          f"{spec.name} uses a hybrid pool")
    src = {"num_blocks": f"{where}: max_total_num_tokens {tokens:,}",
           "block_size": "SGLang page size (kvplan.engines.sglang)",
           "max_num_seqs": "--max-num-seqs" if opts.max_num_seqs else
           f"assumed {SGLANG_MAX_RUNNING_ASSUMED} (SGLang's max_running_requests default is not modelled)",
           "max_num_batched_tokens": "--max-num-batched-tokens" if opts.max_num_batched_tokens else
           f"assumed {SGLANG_CHUNKED_PREFILL_ASSUMED} (SGLang's chunked_prefill_size default is not modelled)",
           "max_model_len": "--max-model-len" if opts.max_model_len else "the model's max context"}
    return Limits("sglang", page, tokens // page, opts.max_num_seqs or SGLANG_MAX_RUNNING_ASSUMED,
                  opts.max_num_batched_tokens or SGLANG_CHUNKED_PREFILL_ASSUMED, cap.max_model_len,
                  prefix_caching, src)


# ---- the workload ----------------------------------------------------------------------------
@record
class Request:
    arrival_s: float
    prompt: int
    output: int
    prefix_id: str | None = None


_CLAMPED = re.compile(r"^normal:([^,]+),([^,]+),([^,]+),([^,]+)$")


def sample_lengths(text: str, n: int, seed: int, what: str, limit: int) -> list[int]:
    """``n`` lengths for ``what`` (--prompt-tokens, --output-tokens): a whole number, the
    ``--lengths`` distributions (uniform:A-B, normal:MEAN,STD, lognormal:MEDIAN,SIGMA, clipped to
    [1, limit]) or a clamped ``normal:MEAN,STD,MIN,MAX``."""
    from .traffic import parse_lengths

    t = str(text).strip().replace("_", "")
    if re.fullmatch(r"\d+", t):
        v = int(t)
        if not 1 <= v <= limit:
            raise KvplanError(f"{what} must be between 1 and {limit:,}, got {v:,}")
        return [v] * n
    m = _CLAMPED.match(t)
    if m:
        try:
            mean, std = float(m.group(1)), float(m.group(2))
            lo, hi = int(m.group(3)), int(m.group(4))
        except ValueError:
            raise KvplanError(f"{what} normal:MEAN,STD,MIN,MAX needs numbers and whole MIN, MAX, "
                              f"got '{text}'") from None
        if not (math.isfinite(mean) and math.isfinite(std)) or std < 0 or not 1 <= lo <= hi:
            raise KvplanError(f"{what} normal:MEAN,STD,MIN,MAX needs STD >= 0 and 1 <= MIN <= MAX, "
                              f"got '{text}'")
        if hi > limit:
            raise KvplanError(f"{what}: MAX {hi:,} is beyond the limit of {limit:,} tokens")
        rng = random.Random(seed)
        return [min(max(round(rng.gauss(mean, std)), lo), hi) for _ in range(n)]
    if ":" not in t:
        raise KvplanError(f"{what} must be a whole number or a distribution (uniform:A-B, "
                          f"normal:MEAN,STD[,MIN,MAX], lognormal:MEDIAN,SIGMA), got '{text}'")
    try:
        lengths, _ = parse_lengths(t, limit, n, seed)
    except KvplanError as e:
        raise KvplanError(str(e).replace("--lengths", what)) from None
    return lengths


def read_trace(path: str | Path) -> list[Request]:
    """A CSV ``arrival_s,prompt_tokens,output_tokens[,prefix_id]`` (a header row optional)."""
    p = Path(path)
    try:
        lines = [ln for ln in p.read_text().splitlines() if ln.strip()]
    except (OSError, UnicodeDecodeError) as e:
        raise KvplanError(f"--trace: cannot read {p}: {getattr(e, 'strerror', None) or e}") from None
    rows = list(csv.reader(lines))
    if rows and rows[0] and not re.fullmatch(r"\s*[\d.eE+-]+\s*", rows[0][0]):
        head = [c.strip() for c in rows[0]]
        if head[:3] != ["arrival_s", "prompt_tokens", "output_tokens"] or len(head) > 4 or \
                (len(head) == 4 and head[3] != "prefix_id"):
            raise KvplanError(f"--trace: {p}: the header must be arrival_s,prompt_tokens,output_tokens"
                              f"[,prefix_id], got '{lines[0]}'")
        rows = rows[1:]
    if not rows:
        raise KvplanError(f"--trace: {p} holds no requests")
    out = []
    for i, row in enumerate(rows, start=1):
        if len(row) not in (3, 4):
            raise KvplanError(f"--trace: {p} request {i}: needs 3 or 4 columns, got {len(row)}")
        try:
            t = float(row[0])
        except ValueError:
            t = float("nan")
        if not (math.isfinite(t) and t >= 0):
            raise KvplanError(f"--trace: {p} request {i}: arrival_s must be a number >= 0, got '{row[0]}'")
        nums = []
        for name, v in (("prompt_tokens", row[1]), ("output_tokens", row[2])):
            if not re.fullmatch(r"\s*\d+\s*", v) or int(v) < 1:
                raise KvplanError(f"--trace: {p} request {i}: {name} must be a positive integer, got '{v}'")
            nums.append(int(v))
        pid = row[3].strip() if len(row) == 4 and row[3].strip() else None
        out.append(Request(t, nums[0], nums[1], pid))
    out.sort(key=lambda r: r.arrival_s)
    return out


def arrivals(n: int, rate: float | None, kind: str = "poisson", seed: int = 0) -> list[float]:
    """``n`` arrival times: Poisson (exponential gaps) or constant at ``rate`` per second, or all
    at 0 when ``rate`` is None (``--rate inf``)."""
    if rate is None:
        return [0.0] * n
    if kind == "constant":
        return [i / rate for i in range(n)]
    if kind != "poisson":
        raise KvplanError(f"--arrivals must be poisson or constant, got '{kind}'")
    rng, t, out = random.Random(seed), 0.0, []
    for _ in range(n):
        out.append(t)
        t += rng.expovariate(rate)
    return out


# ---- one replica's scheduler ------------------------------------------------------------------
class _Req:
    __slots__ = ("i", "arrival", "prompt", "output", "pid", "g", "computed", "state", "admit",
                 "shared", "run", "run_base", "epoch", "dec_step", "dec_base", "finish_at",
                 "last_tok", "first_tok", "end", "fresh", "preempted", "hit_tokens")

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
        self.fresh = False  # decoding, but no decode step since its last token
        self.preempted = 0
        self.hit_tokens = 0


class _Run:
    """A preempted request's own full blocks, cached in the free queue until evicted (the top
    ones first: vLLM frees a request's blocks in reverse order)."""

    __slots__ = ("left",)

    def __init__(self, left: int):
        self.left = left


class _Prefix:
    """One shared prefix: blocks 0..cached−1 are cached; ``holders`` counts requests by the
    leading blocks they hold; blocks maxheld..cached−1 are free (in the queue, evictable);
    ``version`` marks queue entries stale once those blocks are taken back."""

    __slots__ = ("cached", "holders", "maxheld", "version")

    def __init__(self):
        self.cached, self.holders, self.maxheld, self.version = 0, {}, 0, 0


class Replica:
    """One engine's scheduler, block pool and prefix cache, stepped by ``simulate``."""

    def __init__(self, limits: Limits, roofline, shared_prefix: int = 0, index: int = 0):
        self.lim, self.rf, self.index = limits, roofline, index
        self.bs = limits.block_size
        self.mixed_batches = limits.engine == "vllm"
        self.linear = roofline.decode_is_linear
        self.k_prefix = shared_prefix // self.bs  # full blocks of a shared prefix
        self.free = limits.num_blocks
        self.queue = deque([limits.num_blocks]) if limits.prefix_caching else None
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
        self.busy_s = 0.0
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
                _, pid, lo, hi, version = e
                p = self.prefixes[pid]
                top, bottom = min(hi, p.cached), max(lo, p.maxheld)
                if version != p.version or top <= bottom:
                    q.popleft()
                    continue
                take = min(top - bottom, k)
                p.cached = top - take
                if take == top - bottom:
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
            self._append(("p", r.pid, new, p.maxheld, p.version))
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
            p.version += 1

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
        own = cdiv(r.computed, self.bs) - r.shared
        full_own = max(0, r.computed // self.bs - r.shared)
        self.free += own
        if keep_own and full_own and self.queue is not None:
            self._append(own - full_own)
            r.run, r.run_base = _Run(full_own), r.shared
            self.queue.append(r.run)
        else:
            self._append(own)
        if r.shared:
            self._release_prefix(r)

    def preempt(self, r: _Req) -> None:
        """vLLM ``_preempt_request``: blocks freed, computed tokens 0, front of the queue."""
        self._leave(r)
        self._free_blocks(r, keep_own=True)
        r.state, r.computed, r.fresh = "waiting", 0, False
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
    def _hits(self, r: _Req) -> tuple[int, int, int]:
        """(shared blocks hit, own blocks hit, blocks among them now free) for a request with no
        computed tokens: vLLM ``get_computed_blocks``, at most num_tokens − 1 tokens."""
        if self.queue is None:
            return 0, 0, 0
        cap = (r.prompt + r.g - 1) // self.bs
        hp = evict = ho = 0
        if r.pid is not None and self.k_prefix and r.pid in self.prefixes:
            p = self.prefixes[r.pid]
            hp = min(p.cached, cap)
            evict = max(0, hp - p.maxheld)
        if r.run is not None and r.run.left and hp == r.run_base:
            ho = min(r.run.left, cap - hp)
            evict += ho
        return hp, ho, evict

    def _fits(self, r: _Req, budget: int):
        hp, ho, evict = self._hits(r)
        hit = (hp + ho) * self.bs
        n = min(r.prompt + r.g - hit, budget)
        need = cdiv(hit + n, self.bs) - (hp + ho)
        return (hp, ho, hit, n, need) if need + evict <= self.free else None

    def _admit(self, r: _Req, budget: int):
        """Admit the head of the waiting queue if its blocks fit (``allocate_slots``)."""
        f = self._fits(r, budget)
        if f is None:
            return None
        hp, ho, hit, n, need = f
        self.waiting.popleft()
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

    # -- one step ----------------------------------------------------------------------------------
    def step(self, now: float):
        """Schedule and run one step starting at ``now``: (seconds, requests finished), or None
        when there is nothing to run."""
        lim = self.lim
        budget = lim.max_num_batched_tokens
        chunks: list = []
        before = self.preemptions
        clock = self.dec_clock + 1
        do_decode = self.mixed_batches or not self._prefill_ready()
        if do_decode:
            self._decode_blocks(clock)
            budget -= self.n_dec
        if self.mixed_batches or not do_decode:
            for r in list(self.prefilling):  # running requests still in prefill, in order
                if budget <= 0 or r.state != "prefill":
                    break
                n = min(r.prompt + r.g - r.computed, budget)
                need = cdiv(r.computed + n, self.bs) - cdiv(r.computed, self.bs)
                if not self._preempt_for(r, need):
                    break
                self._take(need)
                chunks.append((r, r.computed, n))
                budget -= n
            # WAITING requests only when nothing was preempted in this step (Scheduler.schedule)
            if self.preemptions == before:
                while self.waiting and budget > 0 and len(self.running) < lim.max_num_seqs:
                    r = self.waiting[0]
                    got = self._admit(r, budget)
                    if got is None:
                        break
                    chunks.append((r, got[0], got[1]))
                    budget -= got[1]
        decoding = do_decode and self.n_dec > 0
        if not chunks and not decoding:
            if self.waiting and not self.running:
                r = self.waiting[0]
                raise KvplanError(f"a request of {r.prompt + r.g:,} tokens needs "
                                  f"{cdiv(r.prompt + r.g, self.bs):,} blocks of {self.bs} tokens; "
                                  f"the cache has {lim.num_blocks:,}")
            return None
        parts = [(c, n) for _, c, n in chunks]
        if not decoding:
            d = self.rf.mixed_sum(parts, 0, 0, seconds=True) if self.linear else self.rf.mixed(parts).seconds
        elif self.linear:
            d = self.rf.mixed_sum(parts, self.n_dec, self.dec_sum, seconds=True)
        else:
            d = self.rf.mixed(parts, [r.dec_base + self.dec_clock - r.dec_step + 1
                                      for r in self.running if r.state == "decode"]).seconds
        end = now + d
        self.steps += 1
        self.busy_s += d
        done = []
        if decoding:
            stale = self.n_dec - len(self.fresh)
            if stale:
                self.gaps.append((end - self.last_dec_end, stale))
            for r in self.fresh:
                self.gaps.append((end - r.last_tok, 1))
                r.fresh = False
            self.fresh = {}
            self.dec_clock = clock
            self.dec_sum += self.n_dec
            self.last_dec_end = end
            for r, ep in self.finish_due.pop(clock, ()):
                if r.epoch == ep and r.state == "decode":
                    done.append(r)
        for r, c, n in chunks:
            if r.state != "prefill":
                continue
            r.computed = c + n
            self._register(r)
            if r.computed < r.prompt + r.g:
                continue
            # the prefill (or a preempted request's recompute) is complete: it samples a token
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
            r.fresh = True
            self.fresh[r] = None
            r.finish_at = self.dec_clock + r.output - r.g
            self.finish_due.setdefault(r.finish_at, []).append((r, r.epoch))
            self._file_block(r, r.dec_step + 1 + cdiv(r.computed, self.bs) * self.bs - r.computed)
        for r in done:
            self._leave(r)
            self._free_blocks(r, keep_own=False)
            r.state, r.end, r.last_tok = "done", end, end
        self.samples.append((end, self.used_blocks(), len(self.waiting), len(self.running)))
        return d, done

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


# ---- the run: arrivals, routing, replicas --------------------------------------------------------
@record
class Stats:
    mean: float | None
    p50: float | None
    p90: float | None
    p99: float | None

    def as_dict(self) -> dict:
        return {"mean": self.mean, "p50": self.p50, "p90": self.p90, "p99": self.p99}


def weighted_stats(samples, scale: float = 1.0) -> Stats:
    """Mean and percentiles of (value, count) pairs, as ``numpy.percentile``'s default (linear
    between the two nearest ranks) over the list with each value repeated count times."""
    pairs = sorted((v, c) for v, c in samples if c > 0)
    n = sum(c for _, c in pairs)
    if not n:
        return Stats(None, None, None, None)
    mean = sum(v * c for v, c in pairs) / n * scale

    import bisect
    from itertools import accumulate

    values = [v for v, _ in pairs]
    ends = list(accumulate(c for _, c in pairs))  # the expanded list's k-th value: first end > k

    def at(k: int) -> float:
        return values[bisect.bisect_right(ends, k)]

    def pct(q: float) -> float:
        pos = (n - 1) * q / 100
        lo = math.floor(pos)
        a, b = at(lo), at(min(lo + 1, n - 1))
        return (a + (b - a) * (pos - lo)) * scale

    return Stats(mean, pct(50), pct(90), pct(99))


@record
class SimResult:
    model: str
    gpu: str
    engine: str
    tp: int
    replicas: int
    router: str
    workload: str
    requests: int
    limits: Limits
    duration_s: float
    ttft_ms: Stats
    itl_ms: Stats
    tpot_ms: Stats
    e2e_ms: Stats
    requests_per_s: float
    output_tokens_per_s: float
    input_tokens_per_s: float
    preemptions: int
    saturated: bool
    saturation: str
    prefix_hit_tokens: int
    prompt_tokens: int
    steps: int
    kv_usage_mean: float
    kv_usage_max: float
    queue_max: int
    queue_mean: float
    running_mean: float
    timeline: list = field(default_factory=list)  # (t, kv usage, waiting, running), thinned
    notes: tuple = ()

    def as_dict(self) -> dict:
        lim = self.limits
        return {
            "model": self.model, "gpu": self.gpu, "engine": self.engine, "tp": self.tp,
            "replicas": self.replicas, "router": self.router, "workload": self.workload,
            "requests": self.requests,
            "ttft_ms": self.ttft_ms.as_dict(), "itl_ms": self.itl_ms.as_dict(),
            "tpot_ms": self.tpot_ms.as_dict(), "e2e_ms": self.e2e_ms.as_dict(),
            "requests_per_s": self.requests_per_s, "output_tokens_per_s": self.output_tokens_per_s,
            "input_tokens_per_s": self.input_tokens_per_s,
            "preemptions": self.preemptions, "saturated": self.saturated,
            "saturation": self.saturation, "duration_s": self.duration_s,
            "prefix_cache": {"enabled": lim.prefix_caching, "hit_tokens": self.prefix_hit_tokens,
                             "prompt_tokens": self.prompt_tokens,
                             "hit_rate": self.prefix_hit_tokens / self.prompt_tokens if self.prompt_tokens else 0.0},
            "kv_cache": {"blocks": lim.num_blocks, "block_size": lim.block_size,
                         "tokens": lim.kv_tokens, "usage_mean": self.kv_usage_mean,
                         "usage_max": self.kv_usage_max, "source": lim.sources.get("num_blocks", "")},
            "scheduler": {"max_num_seqs": lim.max_num_seqs,
                          "max_num_batched_tokens": lim.max_num_batched_tokens,
                          "max_model_len": lim.max_model_len, "sources": dict(lim.sources)},
            "queue": {"max": self.queue_max, "mean": self.queue_mean, "running_mean": self.running_mean},
            "steps": self.steps,
            "timeline": [{"t_s": t, "kv_usage": u, "waiting": w, "running": r} for t, u, w, r in self.timeline],
            "notes": list(self.notes),
        }


def _route(router: str, reps: list, r: _Req, state: dict) -> Replica:
    if len(reps) == 1:
        return reps[0]
    if router == "round-robin":
        state["rr"] = (state.get("rr", -1) + 1) % len(reps)
        return reps[state["rr"]]
    least = min(reps, key=lambda x: (x.load, x.index))
    if router == "prefix" and r.pid is not None:
        home = state.setdefault("home", {})
        if r.pid not in home:
            home[r.pid] = least.index
        return reps[home[r.pid]]
    return least


def run(requests: list[Request], limits: Limits, roofline, replicas: int = 1,
        router: str = "round-robin", shared_prefix: int = 0, concurrency: int | None = None,
        open_loop_rate: float | None = None, infinite_rate: bool = False) -> dict:
    """Run ``requests`` (in arrival order; with ``concurrency`` their arrival times are
    ignored: C clients each send the next request when their last one finishes) through
    ``replicas`` replicas; the raw per-request and per-replica record."""
    if router not in ROUTERS:
        raise KvplanError(f"--router must be one of {', '.join(ROUTERS)}, got '{router}'")
    reps = [Replica(limits, roofline, shared_prefix, i) for i in range(replicas)]
    reqs = [_Req(i, q) for i, q in enumerate(requests)]
    heap: list = []  # (arrival, index)
    nxt = 0
    if concurrency:
        for r in reqs[:concurrency]:
            r.arrival = 0.0
            heap.append((0.0, r.i))
        nxt = min(concurrency, len(reqs))
    else:
        heap = [(r.arrival, r.i) for r in reqs]
    heapq.heapify(heap)
    state: dict = {}
    finished = 0
    arrived = 0
    half = len(reqs) // 2
    mark = {}  # waiting counts at the half-way and the last arrival (saturation)
    one = reps[0] if len(reps) == 1 else None
    while finished < len(reqs):
        if one is not None:
            busy = [one] if (one.waiting or one.running) else []
            t_step = one.t if busy else math.inf
        else:
            busy = [x for x in reps if x.has_work()]
            t_step = min((x.t for x in busy), default=math.inf)
        if heap and heap[0][0] <= t_step:
            t, i = heapq.heappop(heap)
            r = reqs[i]
            rep = _route(router, reps, r, state)
            if not rep.has_work():
                rep.t = max(rep.t, t)
            rep.waiting.append(r)
            arrived += 1
            if not concurrency and arrived in (half + 1, len(reqs)):
                mark[arrived] = sum(len(x.waiting) for x in reps) - 1
            continue
        if not busy:
            raise KvplanError("the simulation stalled with requests left (a bug; please report)")
        rep = one or min(busy, key=lambda x: (x.t, x.index))
        out = rep.step(rep.t)
        if out is None:
            raise KvplanError("a replica with work scheduled nothing (a bug; please report)")
        d, done = out
        rep.t += d
        finished += len(done)
        if concurrency:
            for _ in done:
                if nxt < len(reqs):
                    reqs[nxt].arrival = rep.t
                    heapq.heappush(heap, (rep.t, nxt))
                    nxt += 1
    return {"reqs": reqs, "reps": reps, "mark": mark}


def summarize(raw: dict, limits: Limits, *, model: str, gpu: str, tp: int, router: str,
              workload: str, concurrency: int | None, infinite_rate: bool,
              notes: tuple = ()) -> SimResult:
    reqs, reps = raw["reqs"], raw["reps"]
    t0 = min(r.arrival for r in reqs)
    t1 = max(r.end for r in reqs)
    dur = max(t1 - t0, 1e-12)
    out_tokens = sum(r.output for r in reqs)
    in_tokens = sum(r.prompt for r in reqs)
    ttft = [((r.first_tok - r.arrival), 1) for r in reqs]
    e2e = [((r.end - r.arrival), 1) for r in reqs]
    tpot = [((r.end - r.first_tok) / (r.output - 1), 1) for r in reqs if r.output > 1]
    gaps = [g for x in reps for g in x.gaps]
    # saturation
    if concurrency:
        sat, why = False, f"closed loop of {concurrency} clients: the queue is bounded"
    elif infinite_rate:
        sat, why = True, "--rate inf: every request arrives at once (an infinite arrival rate)"
    elif len(raw["mark"]) == 2:
        half_n = len(reqs) - (len(reqs) // 2 + 1) + 1
        a, b = raw["mark"][len(reqs) // 2 + 1], raw["mark"][len(reqs)]
        grow = b - a
        sat = grow > SATURATION_SHARE * half_n
        why = (f"waiting requests grew from {a:,} to {b:,} over the second half of the arrivals "
               f"({half_n:,} requests); saturated when the growth exceeds "
               f"{SATURATION_SHARE:.0%} of them")
    else:
        sat, why = False, "too few requests to judge"
    samples = [s for x in reps for s in x.samples]
    nb = limits.num_blocks * len(reps)
    # time-weighted means per replica over its own steps
    usage_sum = usage_max = q_sum = run_sum = 0.0
    span = 0.0
    qmax = 0
    for x in reps:
        prev = None
        for t, used, w, run_ in x.samples:
            if prev is not None:
                dt = t - prev
                usage_sum += dt * used / limits.num_blocks
                q_sum += dt * w
                run_sum += dt * run_
                span += dt
            prev = t
            usage_max = max(usage_max, used / limits.num_blocks)
            qmax = max(qmax, w)
    span = span or 1.0
    step = max(1, len(samples) // 100)
    timeline = [(t, used / limits.num_blocks, w, r) for t, used, w, r in
                sorted(samples)[::step]] if len(reps) == 1 else []
    return SimResult(
        model=model, gpu=gpu, engine=limits.engine, tp=tp, replicas=len(reps), router=router,
        workload=workload, requests=len(reqs), limits=limits, duration_s=dur,
        ttft_ms=weighted_stats(ttft, 1000), itl_ms=weighted_stats(gaps, 1000),
        tpot_ms=weighted_stats(tpot, 1000), e2e_ms=weighted_stats(e2e, 1000),
        requests_per_s=len(reqs) / dur, output_tokens_per_s=out_tokens / dur,
        input_tokens_per_s=in_tokens / dur,
        preemptions=sum(x.preemptions for x in reps), saturated=sat, saturation=why,
        prefix_hit_tokens=sum(x.hit_tokens for x in reps),
        prompt_tokens=sum(x.prompt_tokens for x in reps), steps=sum(x.steps for x in reps),
        kv_usage_mean=usage_sum / span, kv_usage_max=usage_max, queue_max=qmax,
        queue_mean=q_sum / span, running_mean=run_sum / span, timeline=timeline,
        notes=notes + ((f"KV blocks: {nb:,} over {len(reps)} replicas",) if len(reps) > 1 else ()))


def simulate(spec, gpu, *, tp: int = 1, replicas: int = 1, engine: str = "vllm",
             rate: float | None = None, concurrency: int | None = None, trace=None,
             arrivals_kind: str = "poisson", prompt_tokens: str = "1024", output_tokens: str = "128",
             shared_prefix: int = 0, requests: int = 1000, seed: int = 0, opts=None,
             prefix_caching: bool = True, router: str = "round-robin",
             limits: Limits | None = None, roofline=None) -> SimResult:
    """``kvplan simulate``: exactly one of ``rate`` (requests/s; ``math.inf`` for all at once),
    ``concurrency`` or ``trace`` (a CSV path or a list of ``Request``). ``limits`` and
    ``roofline`` replace what ``fit`` and ``perf`` would give (tests use a tiny cache)."""
    from .perf import Roofline

    given = [x is not None for x in (rate, concurrency, trace)]
    if sum(given) != 1:
        raise KvplanError("give exactly one of --rate, --concurrency or --trace")
    for name, v in (("--tp", tp), ("--replicas", replicas), ("--requests", requests)):
        if not isinstance(v, int) or v < 1:
            raise KvplanError(f"{name} must be a positive integer, got {v!r}")
    if concurrency is not None and (not isinstance(concurrency, int) or concurrency < 1):
        raise KvplanError(f"--concurrency must be a positive integer, got {concurrency!r}")
    if rate is not None and not (rate > 0):
        raise KvplanError(f"--rate must be a number > 0 or inf, got {rate!r}")
    if shared_prefix < 0:
        raise KvplanError("--shared-prefix must not be negative")
    lim = limits or engine_limits(spec, gpu, tp, engine, opts, prefix_caching)
    rf = roofline or Roofline(spec, gpu, tp)
    mml = lim.max_model_len
    notes = []
    if trace is not None:
        reqs = trace if isinstance(trace, list) else read_trace(trace)
        what = f"trace {trace if not isinstance(trace, list) else ''}".strip() + f" ({len(reqs):,} requests)"
    else:
        ps = sample_lengths(prompt_tokens, requests, seed, "--prompt-tokens", mml - 1)
        os_ = sample_lengths(output_tokens, requests, seed + 1, "--output-tokens", mml - 1)
        inf = rate is not None and math.isinf(rate)
        times = arrivals(requests, None if (inf or concurrency) else rate, arrivals_kind, seed + 2)
        reqs = [Request(t, p, o, "0" if shared_prefix else None) for t, p, o in zip(times, ps, os_)]
        load = (f"concurrency {concurrency}" if concurrency else "rate inf" if inf else
                f"{arrivals_kind} {rate:g}/s")
        what = f"{load}, prompt {prompt_tokens}, output {output_tokens}" + \
            (f", shared prefix {shared_prefix:,}" if shared_prefix else "")
    over = [i for i, q in enumerate(reqs) if q.prompt + q.output > mml]
    if over:
        clipped = 0
        for i in over:
            q = reqs[i]
            if q.prompt >= mml:
                raise KvplanError(f"request {i + 1}: a prompt of {q.prompt:,} tokens leaves no room "
                                  f"for output within max_model_len {mml:,}")
            reqs[i] = Request(q.arrival_s, q.prompt, mml - q.prompt, q.prefix_id)
            clipped += 1
        notes.append(f"{clipped:,} requests' output cut to fit max_model_len {mml:,} (as vLLM caps "
                     "max_tokens)")
    if shared_prefix:
        short = [i for i, q in enumerate(reqs) if q.prefix_id is not None and q.prompt <= shared_prefix]
        if short:
            raise KvplanError(f"--shared-prefix {shared_prefix:,} is not shorter than request "
                              f"{short[0] + 1}'s prompt ({reqs[short[0]].prompt:,} tokens)")
    if not lim.prefix_caching and shared_prefix:
        notes.append("prefix caching is off: the shared prefix is recomputed for every request")
    inf = rate is not None and math.isinf(rate)
    raw = run(reqs, lim, rf, replicas, router, shared_prefix, concurrency)
    return summarize(raw, lim, model=spec.name if spec is not None else "", gpu=gpu.name if gpu is not None else "",
                     tp=tp, router=router, workload=what, concurrency=concurrency,
                     infinite_rate=inf, notes=tuple(notes))
