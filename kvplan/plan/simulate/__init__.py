"""Throughput under load: a discrete-event simulation of a serving engine (issue 22, part 1).

Requests arrive (Poisson or evenly spaced at a rate, all at once, a closed loop of clients, or a
trace), are routed to one of ``replicas`` copies of the engine, and each replica runs its
scheduler step by step. Every step's time is the per-operation step model's ``mixed`` (or its
constant-time form ``mixed_sum``; ``kvplan.plan.latency.step.OpLatency``, with the kernels and
per-step overhead of the simulated engine) for exactly the prefill chunks and decodes scheduled
in it: the step ``kvplan perf --engine`` prints by default, nothing re-derived here. The KV capacity is ``fit``'s for the
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
  more are needed than the free queue holds; a WAITING request is admitted only if the blocks of
  its whole sequence fit (``full_sequence_must_fit``, ``scheduler_reserve_full_isl``: vLLM ≥ 0.19,
  limits.RESERVE_FULL_ISL; a run of an older version checks its first chunk only);
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

The front end (``limits.FRONTEND``, data with its source, per endpoint): one FIFO server (vLLM's
API-server process: HTTP, chat template, tokenization) that spends ``per_request_s`` on each
request before the scheduler sees it; its TTFT includes the wait and that time. The fit-side runs
that outran it give its rate: 44 requests/s on /v1/chat/completions (gpustack), about 90 on
/v1/completions (kvcached; inference-perf). With ``replicas`` the front ends are taken as one
queue ``replicas`` times as fast (each replica has its own; routing happens after it here).

Async scheduling (vLLM ≥ 0.14's default, ``limits.ASYNC_SCHEDULING``; ``Limits.async_scheduling``):
the engine core schedules step k+1 while step k runs, so a request that reaches the scheduler while
a step runs with requests running is first scheduled in the step after the next one; an idle engine
schedules it at once (scheduler.py ``Replica.lag``). Its effect on the step's own time (no CPU gap
between steps) is the step model's.

Simplifications, each on the side stated: a request's output length is known (``max_tokens`` =
``ignore_eos``, as benchmarks run); CUDA-graph padding is not modelled;
running requests are taken as decodes first then prefills (vLLM's admission order gives that
order except after unusual preemption patterns); two requests that compute the same prefix
block at once keep separate copies and only the first is cached (vLLM caches both; a later hit
may find one here where vLLM would find the other).

SGLang (a documented simplification of ``scheduler.py`` ``get_next_batch_to_run``, 0.5.23; its own rules in
sglang.py): a token pool of ``max_total_num_tokens`` (page size 1) from ``fit``; a step is EITHER a prefill batch (new
requests FCFS, its default ``schedule_policy``, within ``chunked_prefill_size`` tokens, the last one chunked) when one
can be admitted, OR a decode step of every running request (no mixed batches: its default); admission keeps the
running requests' remaining output free (``PrefillAdder``, times ``new_token_ratio``); the overlap scheduler forms the
next batch while the current one runs, so a request that arrives during a busy step waits one more; the radix cache
reuses shared-prefix tokens at token granularity; when a decode step lacks tokens, the most recently admitted requests
are retracted (recompute). ``chunked_prefill_size`` and ``max_running_requests`` are SGLang's defaults
(kvplan.engines.sglang, by card memory and token pool) unless --max-num-batched-tokens / --max-num-seqs set them.

Issue 23's two extensions, each in its own module: vLLM's ``--speculative-config`` (every decode step a speculative
round: speculative.py) and the CPU tier of ``--kv-offloading-size`` as a second level behind the prefix cache
(host.py). vLLM's V0 engine (a version before 0.8.0, and ``--num-scheduler-steps N``; ``Limits.v0``, check-bench's
replay): vllm_v0.py, prefill-first steps of whole prompts that never mix with decodes. ``--engine-version``
(``opts.vllm_version``) plans that vLLM release: its start-up (fit's), its scheduler's rules (release.py
``for_release``) and its per-step costs (latency/versions.py ``release_profile``).

``saturated`` (open loop): more than a tenth of the requests that arrived in the second half of the arrival window
were still waiting (not admitted) when the last one arrived, beyond those waiting at its start: the queue grew at over
10 % of the arrival rate, i.e. arrivals outpace service. ``--rate inf`` is saturated by definition (an infinite
arrival rate); a closed loop never is (its queue is bounded by the clients).
"""
from __future__ import annotations

import heapq
import math

from ...errors import KvplanError, opt
from ..latency.dp_attention import DataParallelStep
from .events import _busy, _first_events, _forget, _ranks
from .limits import ENGINES, ROUTERS, SATURATION_SHARE, Limits, engine_limits  # noqa: F401
from .results import SimResult, Stats, summarize, weighted_stats  # noqa: F401
from .scheduler import Replica, _Prefix, _Req, _Run  # noqa: F401
from .workload import Request, arrivals, read_trace, sample_lengths, within_max_model_len  # noqa: F401
from .release import for_release  # opts.vllm_version (--engine-version): that release's scheduler rules
from ..latency.versions import release_profile  # and its per-step costs (its start-up: fit's, in engine_limits)
from ..traffic import MAX_REQUESTS, check_requests  # noqa: F401  (one rule for every command's --requests)


# vLLM's internal load balancer over a dense model's --data-parallel-size engines (not a --router choice)
DP_BALANCER = "vllm-dp"
DP_WAITING_WEIGHT = 4  # vllm/v1/engine/core_client.py DPLBAsyncMPClient.get_core_engine_for_request:
# "score = waiting * 4 + running", the lowest score from eng_start_index (0 for one client), ties to the first


def _route(router: str, reps: list, r: _Req, state: dict) -> Replica:
    if len(reps) == 1:
        return reps[0]
    if router == DP_BALANCER:
        return min(reps, key=lambda x: (DP_WAITING_WEIGHT * len(x.waiting) + len(x.running), x.index))
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


def _replicas(limits: Limits, roofline, replicas: int, shared_prefix: int, drafter) -> list:
    """The replicas ``run`` steps: the engine's scheduler (speculative, hybrid KV groups, SGLang, vLLM
    V0 multi-step or V1), each as D ranks in lockstep under DP attention."""
    if drafter is not None:
        from .speculative import SpecReplica

        if getattr(limits, "groups", ()):
            raise KvplanError("simulate does not model speculative decoding with hybrid KV cache groups")
        return [SpecReplica(limits, roofline, drafter, shared_prefix, i) for i in range(replicas)]
    from .hybrid import replica_class
    from .sglang import SGLangReplica
    from .vllm_v0 import V0MultiStepReplica

    cls = replica_class(limits) or (SGLangReplica if limits.engine == "sglang" else
                                    V0MultiStepReplica if getattr(limits, "v0", False) else Replica)
    if isinstance(roofline, DataParallelStep):  # DP attention (dp.py)
        from .dp import DPReplica

        return [DPReplica(cls, limits, roofline, shared_prefix, i) for i in range(replicas)]
    return [cls(limits, roofline, shared_prefix, i) for i in range(replicas)]


def run(requests: list[Request], limits: Limits, roofline, replicas: int = 1,
        router: str = "round-robin", shared_prefix: int = 0, concurrency: int | None = None,
        open_loop_rate: float | None = None, infinite_rate: bool = False, drafter=None,
        warmup: int = 0, max_concurrency: int | None = None) -> dict:
    """Run ``requests`` (in arrival order; with ``concurrency`` their arrival times are
    ignored: C clients each send the next request when their last one finishes) through
    ``replicas`` replicas; the raw per-request and per-replica record. ``drafter``: a
    plan.speculative.Drafter (speculative decoding: simulate/speculative.py). ``warmup``
    (closed loop only): the first ``warmup`` requests are a warm-up batch, run as their own
    closed loop of C; the rest start, C at once, when the last of them has finished (a client
    that awaits its warm-up before it measures). The warm-up leaves its prefix cache behind; its
    requests and its steps' records are dropped (``raw["reqs"]`` holds the measured ones).
    ``max_concurrency`` (an open loop only): the client holds at most that many requests in flight; a request
    whose arrival finds them all busy waits at the client and is sent when one finishes, its latencies counted
    from then (vllm bench serve --request-rate R --max-concurrency C: ``limited_request_func`` takes a semaphore
    before ``request_func``, which stamps the request's start; vllm/benchmarks/serve.py)."""
    _check_run(router, warmup, concurrency, max_concurrency, len(requests))
    reps = _replicas(limits, roofline, replicas, shared_prefix, drafter)
    reqs = [_Req(i, q) for i, q in enumerate(requests)]
    fe_req = (getattr(limits, "frontend", None) or (0.0, 0.0))[0] / replicas
    fe_free = [0.0]

    def enter(t: float, r: _Req) -> float:
        """When the request reaches a scheduler: the front end serves requests one at a time, in
        the order they come (see the module docstring)."""
        fe_free[0] = max(fe_free[0], t) + fe_req
        return fe_free[0]

    phase_end = warmup or len(reqs)  # the closed loop sends requests up to here, then waits
    heap, nxt = _first_events(reqs, concurrency, phase_end, max_concurrency, enter)
    held: list = []  # requests waiting at the client for a free slot (max_concurrency), in arrival order
    in_flight = [0]

    def send(t: float, r: _Req) -> None:
        r.arrival = t
        in_flight[0] += 1
        heapq.heappush(heap, (enter(t, r), r.i))
    state: dict = {}
    finished = arrived = 0
    half = len(reqs) // 2
    mark = {}  # waiting counts at the half-way and the last arrival (saturation)
    one = reps[0] if len(reps) == 1 else None
    while finished < len(reqs):
        busy, t_step = _busy(one, reps)
        if heap and heap[0][0] <= t_step:
            t, i = heapq.heappop(heap)
            if i >= len(reqs):  # a client arrival (max_concurrency)
                r = reqs[i - len(reqs)]
                if in_flight[0] < max_concurrency:
                    send(t, r)
                else:
                    held.append(r)
                arrived += 1
                if arrived in (half + 1, len(reqs)):
                    mark[arrived] = sum(len(x.waiting) for x in reps) + len(held) - (1 if held and held[-1] is r else 0)
                continue
            r = reqs[i]
            rep = _route(router, reps, r, state)
            if not rep.has_work():
                rep.t = max(rep.t, t)
            r.seen = t
            rep.waiting.append(r)
            if max_concurrency:
                continue
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
        if max_concurrency:
            in_flight[0] -= len(done)
            while held and in_flight[0] < max_concurrency:
                send(rep.t, held.pop(0))
        if concurrency:
            for _ in done:
                if nxt < phase_end:
                    reqs[nxt].arrival = rep.t
                    heapq.heappush(heap, (enter(rep.t, reqs[nxt]), nxt))
                    nxt += 1
            if phase_end < len(reqs) and finished == phase_end:  # the warm-up is over: measure
                for x in _ranks(reps):
                    _forget(x)
                phase_end = len(reqs)
                for r in reqs[nxt:nxt + concurrency]:
                    r.arrival = rep.t
                    heapq.heappush(heap, (enter(rep.t, r), r.i))
                nxt = min(nxt + concurrency, len(reqs))
    return {"reqs": reqs[warmup:], "reps": _ranks(reps), "mark": mark}


def _positive_int(v) -> bool:  # a count of 1 or more; True is an int in Python, but a switch, not a count
    return isinstance(v, int) and not isinstance(v, bool) and v >= 1


def _check_run(router: str, warmup: int, concurrency, max_concurrency, n: int) -> None:
    """``run``'s arguments checked: the router, the warm-up (a closed loop's, leaving requests to measure) and the
    client's in-flight cap (an open loop's)."""
    if router not in ROUTERS + (DP_BALANCER,):
        raise KvplanError(f"{opt('router')} must be one of {', '.join(ROUTERS)}, got '{router}'")
    if warmup and not concurrency:
        raise KvplanError("a warm-up batch needs a closed loop (--concurrency)")
    if max_concurrency is not None and (concurrency or not _positive_int(max_concurrency)):
        raise KvplanError(f"a client's in-flight cap is a positive integer on an open loop, got {max_concurrency!r}")
    if not 0 <= warmup < n:
        raise KvplanError(f"the warm-up takes {warmup:,} of {n:,} requests: none would be measured")


def _check_args(rate, concurrency, trace, tp, replicas, requests, shared_prefix, prefix_ids, warmup, engine,
                router) -> None:
    """``simulate``'s arguments: one clear error for the first one that is wrong."""
    given = [x is not None for x in (rate, concurrency, trace)]
    if sum(given) != 1:
        raise KvplanError("give exactly one of --rate, --concurrency or --trace")
    for name, v in (("tp", tp), ("replicas", replicas), ("requests", requests)):
        if not _positive_int(v):
            raise KvplanError(f"{opt(name)} must be a positive integer, got {v!r}")
    check_requests(requests)
    if concurrency is not None and not _positive_int(concurrency):
        raise KvplanError(f"{opt('concurrency')} must be a positive integer, got {concurrency!r}")
    if rate is not None and (isinstance(rate, bool) or not (rate > 0)):
        raise KvplanError(f"{opt('rate')} must be a number > 0 or inf, got {rate!r}")
    if isinstance(shared_prefix, bool) or shared_prefix < 0:  # True is an int, not a number of tokens
        raise KvplanError(f"{opt('shared_prefix')} " + (f"is a number of tokens, got {shared_prefix!r}"
                                                        if isinstance(shared_prefix, bool) else "must not be negative"))
    if prefix_ids is not None and (not shared_prefix or not len(prefix_ids) or trace is not None):
        raise KvplanError("per-request prefix groups need --shared-prefix (and no --trace: a trace "
                          "carries its own prefix_id column)")
    if not isinstance(warmup, int) or warmup < 0 or (warmup and concurrency is None):
        raise KvplanError(f"a warm-up batch is a whole number of requests >= 0 in a closed loop "
                          f"(--concurrency), got {warmup!r}")
    if engine not in ENGINES:
        raise KvplanError(f"{opt('engine')} must be vllm or sglang for simulate, got '{engine}'")
    if router not in ROUTERS:
        raise KvplanError(f"{opt('router')} must be one of {', '.join(ROUTERS)}, got '{router}'")


def served_len(spec, engine: str, max_model_len: int | None) -> tuple[int | None, str]:
    """``Engine.served_len`` of the engine named."""
    from ... import engines

    return engines.get(engine).served_len(spec, max_model_len)


def lengths_within(text: str, n: int, seed: int, what: str, mml: int | None, why: str = "") -> list[int]:
    """``sample_lengths`` bounded by max_model_len − 1 (a request needs a prompt token and an output
    token; 1 << 30 without one), its refusal followed by ``why`` where given (``served_len``)."""
    try:
        return sample_lengths(text, n, seed, what, (mml or 1 << 30) - 1)
    except KvplanError as e:
        if not why:
            raise
        raise KvplanError(f"{e} (max_model_len {mml:,}: {why})") from None


def _drawn(spec, engine, opts, limits, mml, n, rate, concurrency, arrivals_kind, prompt_tokens, output_tokens,
           shared_prefix, seed, lengths, prefix_ids, warmup):
    """``simulate``'s ``n`` requests when no trace is given (lengths drawn or given, arrivals, prefix
    groups) and the words that describe the load."""
    if lengths:
        ps = [max(1, int(lengths[i % len(lengths)][0])) for i in range(n)]
        os_ = [max(1, int(lengths[i % len(lengths)][1])) for i in range(n)]
    else:
        served, why = served_len(spec, engine, getattr(opts, "max_model_len", None))
        why = why if limits is None and served == mml else ""  # the limits given: the caller's length
        ps = lengths_within(prompt_tokens, n, seed, "--prompt-tokens", mml, why)
        os_ = lengths_within(output_tokens, n, seed + 1, "--output-tokens", mml, why)
    inf = rate is not None and math.isinf(rate)
    times = arrivals(n, None if (inf or concurrency) else rate, arrivals_kind, seed + 2)
    pids = [str(prefix_ids[i % len(prefix_ids)]) for i in range(n)] if prefix_ids is not None else \
        ["0" if shared_prefix else None] * n
    reqs = [Request(t, p, o, g) for t, p, o, g in zip(times, ps, os_, pids)]
    load = (f"concurrency {concurrency}" if concurrency else "rate inf" if inf else
            f"{arrivals_kind} {rate:g}/s")
    sizes = (f"{len(lengths):,} per-request lengths" if lengths else
             f"prompt {prompt_tokens}, output {output_tokens}")
    what = f"{load}, {sizes}" + \
        (f", shared prefix {shared_prefix:,}" if shared_prefix else "") + \
        (f" in {len(set(pids)):,} groups" if prefix_ids is not None else "") + \
        (f", after a warm-up of {warmup:,}" if warmup else "")
    return reqs, what


def simulate(spec, gpu, *, tp: int = 1, replicas: int = 1, engine: str = "vllm",
             rate: float | None = None, concurrency: int | None = None, trace=None,
             arrivals_kind: str = "poisson", prompt_tokens: str = "1024", output_tokens: str = "128",
             shared_prefix: int = 0, requests: int = 1000, seed: int = 0, opts=None,
             prefix_caching: bool = True, router: str = "round-robin",
             limits: Limits | None = None, roofline=None, profile=None,
             acceptance: float | None = None, lengths=None, prefix_ids=None, warmup: int = 0,
             endpoint: str = "completions", kv_dtype: str | None = None,
             max_concurrency: int | None = None, weight_dtype: str | None = None) -> SimResult:
    """``kvplan simulate``: exactly one of ``rate`` (requests/s; ``math.inf`` for all at once),
    ``concurrency`` or ``trace`` (a CSV path or a list of ``Request``). ``limits`` and
    ``roofline`` (any step model with ``Roofline``'s interface; default ``OpLatency`` for the
    engine, as ``kvplan perf``) replace what ``fit`` and ``perf`` would give (tests use a tiny
    cache); ``profile``: a calibrated latency profile (``kvplan check-bench --calibrate``);
    ``acceptance``: the per-token acceptance rate of ``opts.speculative_config``'s drafts;
    ``lengths``: per-request (prompt, output) pairs used in order (cycled) in place of drawing
    ``prompt_tokens`` / ``output_tokens`` (a measured run's own lengths); ``prefix_ids``:
    per-request prefix groups used in order (cycled), requests of one group sharing their first
    ``shared_prefix`` tokens (a population of documents, each asked several questions; without
    them every request shares one prefix); ``warmup`` (with ``concurrency``): that many requests
    first, as a warm-up batch whose cache stays and whose figures are dropped (``run``), before
    the ``requests`` measured ones (lengths and prefix groups run on through both). ``kv_dtype``: the
    cache's format and ``weight_dtype`` the weights' (None: the model's), in fit's plan and the step alike;
    ``opts.enforce_eager`` (vLLM's --enforce-eager, SGLang's --disable-cuda-graph) likewise: fit's plan
    without graph memory and the step at the engine's eager overhead (``Profile.overhead``). ``max_concurrency``
    (with a finite ``rate``): the client keeps at most that many requests in flight (``run``)."""
    if max_concurrency is not None and (rate is None or math.isinf(rate)):
        raise KvplanError("a client's in-flight cap (max_concurrency) goes with a finite --rate; at --rate inf "
                          "it is a closed loop: give --concurrency")
    _check_args(rate, concurrency, trace, tp, replicas, requests, shared_prefix, prefix_ids, warmup, engine,
                router)
    lim = limits or for_release(engine_limits(spec, gpu, tp, engine, opts, prefix_caching, endpoint, kv_dtype, weight_dtype), opts)
    rf, dp = _step_model(spec, gpu, tp, lim, opts, roofline, profile, kv_dtype, weight_dtype)
    mml = lim.max_model_len
    notes = [lim.note] if lim.note else []
    if opts is not None and opts.kv_cache_memory is not None and opts.gpu_memory_utilization is not None:
        from ..fit import _unused_utilization  # fit's note, word for word

        notes.append(_unused_utilization(str(engine).strip().lower(), opts.gpu_memory_utilization))
    if opts is not None and opts.enforce_eager and roofline is None:
        notes.append(getattr(rf, "rank", rf).prof.eager_note())
    engines = _dense_dp(spec, lim, opts)
    if engines > 1:
        if replicas > 1:
            raise KvplanError("give --replicas or a dense model's --data-parallel-size, not both (simulate "
                              "does not model a router in front of vLLM's own DP balancer)")
        replicas, router, dp = engines, DP_BALANCER, engines
        notes.append(f"data parallel (a dense model): {engines} independent engines (tp {tp} each), each with its "
                     f"own scheduler and KV cache, no lockstep (vLLM runs DPEngineCoreProc for MoE models only); "
                     f"vLLM's balancer sends each request to the engine with the lowest 4 × waiting + running "
                     f"(counted at once here; vLLM's counts come from its coordinator every 100 ms), and "
                     f"{engines} API servers (vLLM's default for internal load balancing) share the front end")
    elif dp > 1 and lim.engine == "vllm":
        notes.append(f"data parallel: each replica is {dp} engine ranks (tp {tp} each), each with its own "
                     f"scheduler, KV cache and requests (vLLM's load balancing); a step runs on all ranks at "
                     f"once, as long as the slowest rank's own share plus the experts over {dp} × the most "
                     f"tokens any rank has (an idle rank runs a dummy batch)")
    elif dp > 1:
        notes.append(f"DP attention: each replica is {dp} attention ranks (tp {tp // dp} each), each with its own "
                     f"scheduler, token pool and requests (round robin); a step runs on all ranks at once, as "
                     f"long as the slowest rank's attention plus the MLP over every rank's tokens")
    if getattr(lim, "groups", ()):
        from .groups import describe

        notes.append(describe(lim))
    drafter = _drafter(spec, rf, lim, opts, acceptance, notes)
    if trace is not None:
        reqs = trace if isinstance(trace, list) else read_trace(trace)
        what = f"trace {trace if not isinstance(trace, list) else ''}".strip() + f" ({len(reqs):,} requests)"
    else:
        reqs, what = _drawn(spec, engine, opts, limits, mml, requests + warmup, rate, concurrency, arrivals_kind,
                            prompt_tokens, output_tokens, shared_prefix, seed, lengths, prefix_ids, warmup)
    clipped = within_max_model_len(reqs, mml)
    if clipped:
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
    if max_concurrency:
        what += f", at most {max_concurrency:,} in flight (the client's cap)"
    raw = run(reqs, lim, rf, replicas, router, shared_prefix, concurrency, drafter=drafter, warmup=warmup,
              max_concurrency=max_concurrency)
    return summarize(raw, lim, model=spec.name if spec is not None else "", gpu=gpu.name if gpu is not None else "",
                     tp=tp, router=router, workload=what, concurrency=concurrency,
                     infinite_rate=inf, notes=tuple(notes), dp=dp)


def _dense_dp(spec, lim: Limits, opts) -> int:
    """vLLM's --data-parallel-size D for a model without MoE layers (and without
    --enable-expert-parallel): D whole engines behind vLLM's load balancer (DPLBAsyncMPClient), each
    an ordinary EngineCoreProc (core.py runs DPEngineCoreProc, the ranks in lockstep, only for MoE
    models); 1 otherwise."""
    d = opts.data_parallel_size if opts is not None else 1
    if d <= 1 or lim.engine != "vllm" or opts.dp_attention or opts.enable_expert_parallel or spec is None:
        return 1
    from ...model.spec import MoeMlp

    if any(isinstance(spec.layer_types[lt].mlp, MoeMlp) for lt in spec.counts()):
        return 1
    return d


def _step_model(spec, gpu, tp: int, lim: Limits, opts, roofline, profile, kv_dtype=None, weight_dtype=None):
    """(the step model, DP ranks per replica): ``roofline`` if given, else ``OpLatency`` for the
    engine, ``DataParallelStep`` for SGLang's --dp-size D --enable-dp-attention (D > 1), or
    ``DataParallelMoEStep`` for vLLM's --data-parallel-size D --enable-expert-parallel; each with the
    cache in ``kv_dtype`` and, under ``opts.enforce_eager``, without CUDA graphs."""
    from ..latency.calibrate import apply_profile
    from ..latency.step import OpLatency

    d = opts.data_parallel_size if opts is not None else 1
    moe_dp = d > 1 and lim.engine == "vllm" and not opts.dp_attention and _dense_dp(spec, lim, opts) == 1
    # vLLM DP + EP on a MoE model (latency/dp_moe.py); a dense model's DP engines are independent (_dense_dp)
    dp = d if opts is not None and (opts.dp_attention or moe_dp) else 1
    if moe_dp and not opts.enable_expert_parallel:
        raise KvplanError("simulate models vLLM's --data-parallel-size with --enable-expert-parallel (a MoE "
                          "model's ranks in lockstep); for whole copies of the engine use --replicas")
    if d > 1 and not opts.dp_attention and not moe_dp and _dense_dp(spec, lim, opts) == 1:
        raise KvplanError("simulate models --dp-size with --enable-dp-attention (SGLang); for whole "
                          "copies of the engine use --replicas")
    if dp > 1 and opts.dp_attention and lim.engine != "sglang":
        raise KvplanError("--enable-dp-attention is SGLang's flag; simulate it with --engine sglang")
    graphs = False if opts is not None and opts.enforce_eager else None  # None: the engine's default
    if roofline is not None:
        rf = roofline
    elif moe_dp:
        from ..latency.dp_moe import DataParallelMoEStep

        rf = DataParallelMoEStep(spec, gpu, tp, dp, kv_dtype, weight_dtype, graphs, release_profile("vllm", opts))
        if not rf.decode_is_linear:
            raise KvplanError(f"vLLM data parallel is simulated for models whose decode cost is linear in "
                              f"context; {spec.name}'s is not")
    elif dp > 1:
        rf = DataParallelStep(spec, gpu, tp, dp, engine=lim.engine, ep=opts.ep_size or 1, kv_dtype=kv_dtype,
                              weight_dtype=weight_dtype, cuda_graphs=graphs)
        if not rf.decode_is_linear:
            raise KvplanError(f"DP attention is simulated for models whose decode cost is linear in context; "
                              f"{spec.name}'s is not")
    else:
        rf = OpLatency(spec, gpu, tp, kv_dtype, weight_dtype, release_profile(lim.engine, opts), graphs)
    if profile is not None:
        if isinstance(rf, DataParallelStep):
            rf.apply_profile(profile)
        else:
            rf = apply_profile(rf, profile)
    return rf, rf.dp if isinstance(rf, DataParallelStep) else 1


def _drafter(spec, rf, lim: Limits, opts, acceptance, notes: list):
    """The speculative drafter of ``opts.speculative_config`` (None without one)."""
    sc = getattr(opts, "speculative_config", None)
    if sc is None:
        if acceptance is not None:
            raise KvplanError("--acceptance needs --speculative-config")
        return None
    if lim.engine != "vllm":
        raise KvplanError("--speculative-config is vLLM's flag; simulate it with --engine vllm")
    from ..speculative import drafter

    d = drafter(rf, spec, sc, acceptance)
    notes.append(f"speculative ({d.method}, k {d.num_speculative_tokens}, acceptance {d.acceptance:g}): "
                 f"{d.tokens_per_step:.3f} tokens per decode step, the expected number (not drawn)")
    return d
