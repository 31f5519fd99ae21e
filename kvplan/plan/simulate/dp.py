"""simulate's data-parallel ranks: one engine replica of D ranks, each its own scheduler, stepped together.

SGLang 0.5.23 with ``--dp-size D --enable-dp-attention`` (latency/dp_attention.py has the step's
price and its sources):

* the DP controller hands each request to one rank (managers/data_parallel_controller.py
  ``DataParallelController``; ``load_balance_method`` "auto", its default, resolves to
  ``round_robin`` outside PD disaggregation: arg_groups/serving_hook.py
  ``handle_load_balance_method``; ``round_robin_scheduler`` takes the next active worker in turn);
* each rank runs its own scheduler (``SGLangReplica``) with its own token pool (fit's per-rank
  ``max_total_num_tokens``), its own ``max_running_requests`` (--max-running-requests // D:
  kv_cache_configurator.py ``resolve_max_num_reqs``) and chunked prefill size (// D), all in
  ``engine_limits``;
* a step runs on every rank at once (idle ranks run an idle batch) and lasts as long as the
  slowest rank's share plus the MLP over every rank's tokens (``DataParallelStep.step``).

vLLM with ``--data-parallel-size D --enable-expert-parallel`` on a MoE model (latency/dp_moe.py has
the step's price and its sources): D engine cores, each its own scheduler (``Replica``) and KV
cache (fit's per-rank ``num_gpu_blocks``), stepped in lockstep (``DPEngineCoreProc``; an idle rank
runs a dummy batch); the API server routes each request (v1/engine/core_client.py
``DPLBAsyncMPClient.get_core_engine_for_request``, one API server, @ 00080ee1) to the rank of the
lowest score, ``max(in flight, waiting + running)`` (taken here as waiting + running, exact: the
coordinator's 100 ms snapshot delay is not modelled) plus ``waiting × 6 × max(0, KV cache usage −
0.5)``, scanning from a start that moves on by one rank each request (ties go to the first scanned).
"""
from __future__ import annotations


class _Waiting:
    """The replica's arrivals: each goes to the next rank in turn (round robin)."""

    def __init__(self, ranks: list):
        self.ranks, self.rr = ranks, -1

    def append(self, r) -> None:
        self.rr = (self.rr + 1) % len(self.ranks)
        self.ranks[self.rr].waiting.append(r)

    def __len__(self) -> int:
        return sum(len(x.waiting) for x in self.ranks)


class _Balanced(_Waiting):
    """vLLM's DP load balancing (see the module docstring): the lowest score from a rotating start."""

    def append(self, r) -> None:
        d = len(self.ranks)
        self.rr = (self.rr + 1) % d  # the scan start: 0 for the first request, then one on each time
        best = None
        for i in range(d):
            x = self.ranks[(self.rr + i) % d]
            score = len(x.waiting) + len(x.running)
            if x.waiting:
                score += len(x.waiting) * WAITING_PENALTY * max(0.0, x.used_blocks() / x.lim.num_blocks - 0.5)
            if best is None or score < best[0]:
                best = (score, x)
        best[1].waiting.append(r)


# core_client.py DPLBAsyncMPClient: ``score += waiting * 6.0 * max(0.0, kv_cache_usage - 0.5)``
WAITING_PENALTY = 6.0


class _Running:
    def __init__(self, ranks: list):
        self.ranks = ranks

    def __len__(self) -> int:
        return sum(len(x.running) for x in self.ranks)


class DPReplica:
    """D ranks of ``cls`` (each its own scheduler and pool) behind the engine's dispatch (SGLang: round
    robin; vLLM: its load balancing), stepped in lockstep by ``step`` (a ``DataParallelStep``);
    ``simulate`` routes to it as to a replica."""

    def __init__(self, cls, limits, step, shared_prefix: int = 0, index: int = 0):
        self.ranks = [cls(limits, step.rank, shared_prefix, index * step.dp + i) for i in range(step.dp)]
        self.model, self.index, self.t = step, index, 0.0
        self.waiting = (_Balanced if limits.engine == "vllm" else _Waiting)(self.ranks)
        self.running = _Running(self.ranks)

    @property
    def load(self) -> int:
        return len(self.waiting) + len(self.running)

    def has_work(self) -> bool:
        return any(x.has_work() for x in self.ranks)

    def step(self, now: float):
        """Every rank forms its batch; the step lasts the slowest rank's share plus the MLP over
        all their rows: (seconds, requests finished), or None when no rank has work."""
        formed, parts = [], []
        side = self.model.rank
        for x in self.ranks:
            b = x.form(now)
            if b is None:
                continue
            own = x._price(b[1], b[2])
            parts.append((own, *side.last))
            formed.append((x, b))
        if not formed:
            return None
        d = self.model.step(parts)
        done = []
        for x, b in formed:
            done += x.finish(b, now, d)
        return d, done
