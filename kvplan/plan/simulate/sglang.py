"""simulate's SGLang replica (0.5.23): where its scheduler differs from vLLM's, from its code.

* Admission reserves every running request's remaining output (schedule_policy.py
  ``PrefillAdder``): the room a new request may use is the free and evictable pool less
  Σ min(max_new_tokens − generated, CLIP_MAX_NEW_TOKENS) × ratio over the running batch
  (``_get_running_request_total_token_offset``; ratio 1 for ``ignore_eos`` requests, as
  sglang.bench_serving sends them, else the decaying ``new_token_ratio``), and the request needs
  its uncached prompt + min(max_new_tokens, CLIP_MAX_NEW_TOKENS) + one page (``add_one_req``).
  The ratio is ``Limits.output_reserve``: the new_token_ratio's floor (0.098,
  kvplan.engines.sglang), or 1 for ignore_eos runs. Simplifications: the ratio's decay from 0.7
  and its rise after a retraction are not modelled (optimistic about admission in a run's first
  600 steps and after retractions); CLIP_MAX_NEW_TOKENS (4,096) is not applied and ignore_eos
  runs with the radix cache off (``add_one_req_ignore_eos``, which checks the peak of future use
  instead) are held to the same sum (both pessimistic); a chunked request reserves its output
  from its first chunk (SGLang: from its last). When decode runs out of tokens anyway (ratio
  < 1), the base replica retracts the most recently admitted request.
* The overlap scheduler (scheduler.py ``event_loop_overlap``, on unless
  --disable-overlap-schedule): the CPU forms batch k+1 while the GPU runs batch k, so a request
  that reaches the scheduler after step k began waits for step k+1 to finish too (it joins batch
  k+2). When the GPU was idle, or nothing was running (the batch formed ahead was empty), it is
  scheduled at once. A run of SGLang before 0.4.0 (``Limits.overlap`` False: limits.py
  OVERLAP_SCHEDULE) ran without it: a request is seen by the next step that starts after it.
* chunked_prefill_size and max_running_requests come from fit (kvplan.engines.sglang: SGLang's
  defaults by card memory and token pool). FCFS is SGLang's default ``schedule_policy``.
"""
from __future__ import annotations

from .scheduler import Replica, _Req


class SGLangReplica(Replica):
    """SGLang's PrefillAdder reservation and overlap scheduling on top of the shared replica."""

    def __init__(self, *a, **kw):
        super().__init__(*a, **kw)
        self.out_left = 0  # Σ over running requests of their remaining output tokens
        self.cutoff = 0.0  # requests that reached the scheduler after this are not seen yet
        self.last_start = self.last_end = -1.0

    def form(self, now: float):
        busy = self.lim.overlap and self.running and now <= self.last_end + 1e-12  # else nothing formed ahead
        self.cutoff = self.last_start if busy else now
        return super().form(now)

    def finish(self, b: tuple, now: float, d: float) -> list:
        self.last_start, self.last_end = now, now + d
        return super().finish(b, now, d)

    def _fits(self, r: _Req, budget: int):
        if r.seen > self.cutoff:
            return None
        f = super()._fits(r, budget)
        if f is None:
            return None
        hp, ho, hit, n, need, hc = f
        whole = r.prompt + r.g - hit  # the uncached prompt, as if unchunked
        evict = self._hits(r)[2] * self.bs  # cached tokens it hits that sit free (it locks them)
        # in tokens, as PrefillAdder's rem_total_tokens counts them: free pages × page size
        if whole + (r.output - r.g) + self.bs + evict > self.free * self.bs - self.lim.output_reserve * self.out_left:
            return None
        return f

    def _admit(self, r: _Req, budget: int):
        got = super()._admit(r, budget)
        if got is not None:
            self.out_left += r.output - r.g
        return got

    def _leave(self, r: _Req) -> None:
        super()._leave(r)
        self.out_left -= r.output - r.g

    def _finish_decodes(self, end: float, clock: int) -> list:
        self.out_left -= self.n_dec
        return super()._finish_decodes(end, clock)

    def _finish_prefills(self, chunks: list, end: float) -> list:
        before = sum(r.g for r, _, _ in chunks)
        done = super()._finish_prefills(chunks, end)
        self.out_left -= sum(r.g for r, _, _ in chunks) - before
        return done
