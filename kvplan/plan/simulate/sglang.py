"""simulate's SGLang replica (0.5.23): where its scheduler differs from vLLM's, from its code.

* Admission reserves every running request's remaining output (schedule_policy.py
  ``PrefillAdder``): the room a new request may use is the free and evictable pool less
  Σ min(max_new_tokens − generated, CLIP_MAX_NEW_TOKENS) × new_token_ratio over the running
  batch (``_get_running_request_total_token_offset``: the ratio for every request, ignore_eos or
  not), and the request needs its uncached prompt + min(max_new_tokens, CLIP_MAX_NEW_TOKENS) +
  one page (``add_one_req``). The ratio is ``Limits.output_reserve``: the new_token_ratio's
  floor (0.098, kvplan.engines.sglang). With the radix cache off and ignore_eos requests
  (``Limits.ignore_eos``: sglang.bench_serving's default), ``add_one_req_ignore_eos`` (read at
  sgl-project/sglang 00550cd1) instead: the uncached prompt in pages + one page within the free
  tokens and that room, then a check of the peak of future use (``_peak_fits``; skipped for a
  sliding-window pool, as SGLang skips it). A run of a release before 0.4.0 (not read here:
  ``Limits.ignore_eos_peak`` False, limits.py ``for_engine_version``) keeps every running
  ignore_eos request's whole remaining output free instead. Simplifications: the ratio's decay from 0.7 and its
  rise after a retraction are not modelled (optimistic about admission in a run's first 600
  steps and after retractions); CLIP_MAX_NEW_TOKENS (4,096) is not applied (pessimistic); a
  chunked request reserves its output from its first chunk (SGLang: from its last). When decode
  runs out of tokens anyway, the base replica retracts the most recently admitted request.
* The overlap scheduler (scheduler.py ``event_loop_overlap``, on unless
  --disable-overlap-schedule): the CPU forms batch k+1 while the GPU runs batch k, so a request
  that reaches the scheduler after step k began waits for step k+1 to finish too (it joins batch
  k+2). When the GPU was idle, or nothing was running (the batch formed ahead was empty), it is
  scheduled at once. The batch formed ahead does not know which requests step k finishes (their
  results are processed after batch k+1 is launched: ``process_batch_result`` of the last batch
  follows ``run_batch`` of the current one), so when it is a decode it still runs them (a trailing
  step); when step k finished every running request, batch k+1 is that decode alone, and a request
  that arrives while it runs is scheduled when it ends (``_trail``). A run of SGLang before 0.4.0 (``Limits.overlap`` False: limits.py
  OVERLAP_SCHEDULE) ran without it: a request is seen by the next step that starts after it.
* chunked_prefill_size and max_running_requests come from fit (kvplan.engines.sglang: SGLang's
  defaults by card memory and token pool). FCFS is SGLang's default ``schedule_policy``.
"""
from __future__ import annotations

from .scheduler import Replica, _Req

IGNORE_EOS_RESERVE_TOKENS = 1  # python/sglang/srt/managers/schedule_policy.py


class SGLangReplica(Replica):
    """SGLang's PrefillAdder reservation and overlap scheduling on top of the shared replica."""

    def __init__(self, *a, **kw):
        super().__init__(*a, **kw)
        self.out_left = 0  # Σ over running requests of their remaining output tokens
        self.trail: list = []  # sequence lengths of the requests the last step finished (overlap)
        self.extra: list = []  # those a decode step formed ahead still runs (priced, no token)
        self.ghost = 0.0  # seconds of a trailing decode step that runs alone

    def form(self, now: float):
        trail, self.trail, self.extra, self.ghost = self.trail, [], [], 0.0
        if trail and self.waiting and not self.running and not any(r.seen <= self.last_start for r in self.waiting):
            end = self.last_end + self._decode_s(trail)  # batch k+1: the finished requests' decode alone
            if now < end - 1e-12:
                self.ghost = end - now
                return None, [], False
        busy = self.lim.overlap and self.running and now <= self.last_end + 1e-12  # else nothing formed ahead
        self.cutoff = self.last_start if busy else now
        b = super().form(now)
        if b is not None and trail and busy and not b[1]:
            self.extra = trail  # a decode formed ahead: it still holds the requests step k finished
        return b

    def _decode_s(self, lengths: list) -> float:
        if self.linear:
            return self.rf.mixed_sum([], len(lengths), sum(lengths), seconds=True)
        return self.rf.mixed([], lengths).seconds

    def _price(self, chunks: list, decoding: bool) -> float:
        if self.ghost:
            return self.ghost
        if not self.extra:
            return super()._price(chunks, decoding)
        if self.linear:
            n, s = len(self.extra), sum(self.extra)
            return self.rf.mixed_sum([(c, k) for _, c, k in chunks], self.n_dec + n, self.dec_sum + s, seconds=True)
        return self.rf.mixed([(c, k) for _, c, k in chunks],
                             [r.dec_base + self.dec_clock - r.dec_step + 1 for r in self.running
                              if r.state == "decode"] + self.extra).seconds

    def finish(self, b: tuple, now: float, d: float) -> list:
        self.last_start, self.last_end = now, now + d
        if b[0] is None:  # the trailing step ran: nothing of it is anyone's token
            return []
        done = super().finish(b, now, d)
        if self.lim.overlap:
            self.trail = [r.prompt + r.g for r in done]
        return done

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
        ratio = self.lim.output_reserve
        if self.lim.ignore_eos and not self.lim.ignore_eos_peak:
            ratio = 1.0  # a release before 0.4.0 (its rule not read): every remaining output kept free
        room = self.free * self.bs - ratio * self.out_left
        if self.lim.ignore_eos and self.lim.ignore_eos_peak and not self.lim.prefix_caching:
            return f if self._peak_fits(r, whole, room) else None  # add_one_req_ignore_eos
        if whole + (r.output - r.g) + self.bs + evict > room:
            return None
        return f

    def _peak_fits(self, r: _Req, whole: int, room: float) -> bool:
        """SGLang's ``add_one_req_ignore_eos`` (radix cache off, ignore_eos): the uncached prompt in
        pages + one page within the free tokens and ``room``; then, every running request and this
        one sorted by the output it has left, the pool must keep more than
        IGNORE_EOS_RESERVE_TOKENS a request free at each one's end, counting the tokens of those
        that ended first (skipped for a sliding-window pool, as SGLang skips it)."""
        paged = -(-whole // self.bs) * self.bs + self.bs
        free = self.free * self.bs
        if paged > min(free, room):
            return False
        if self.lim.swa_tokens:
            return True
        states = sorted([(x.output - x.g, x.prompt + x.g) for x in self.running if x.output > x.g]
                        + [(r.output - r.g, r.prompt + r.g)])
        cur, freed, n = free - paged, 0, len(states)
        for i, (left, held) in enumerate(states):
            if cur + freed - left * (n - i) <= IGNORE_EOS_RESERVE_TOKENS * (n - i):
                return False
            freed += held
        return True

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
