"""simulate with vLLM's ``--speculative-config`` (issue 23): a replica whose decodes are
speculative rounds.

* Tokens: every decode step of a request emits the expected number of tokens of a round,
  E = (1 − α^(k+1)) / (1 − α) (engines/vllm/speculative.py tokens_per_step), not a random draw:
  E is kept as a whole number of thousandths and request r has emitted
  floor(s × E) − floor(s0 × E) tokens s steps into the clock since it started decoding at s0,
  so all decodes advance in lockstep (the simulator's lazy decodes stay constant-time), a run
  does not depend on the seed, and α = 0 gives 1 token a step, α = 1 exactly k + 1. A step
  emits ⌊E⌋ or ⌈E⌉ tokens; the spread of a real acceptance process (a round emits 1 to k + 1)
  is not modelled, so per-request latency tails are narrower than a server's. The last round
  stops at the request's ``max_tokens`` (vLLM drops the tokens past it).
* Step time: the target verifies 1 + k tokens of every decoding sequence (``mixed`` with a
  chunk of k + 1 on the sequence's cache, as ``kvplan perf --speculative-config`` prices it)
  beside the step's prefill chunks, plus the k draft passes (plan/speculative.py
  draft_seconds) over the decoding sequences. A step with prefill chunks only runs no drafter
  (vLLM's drafter also runs on a finished prefill: not counted, optimistic).
* KV: the capacity is ``fit``'s with the drafter (its layers in the same pool, its weights off
  the budget); a decode asks ``allocate_slots`` for computed + 1 + k + lookahead tokens' blocks
  (v1/core/sched/scheduler.py; lookahead = k, 0 for n-gram), so a request holds up to
  cdiv(2k + 1, block) blocks more than its tokens fill, and the token budget counts 1 + k per
  decode. Not modelled: the lookahead at a prefill's admission, max_model_len's cap on the
  spec tokens of a request near it.
* ITL: one gap per step (the tokens of a round arrive together, as a stream's chunks do);
  TPOT is (last token − first token) / (output − 1) as before.
"""
from __future__ import annotations

from ...model.dtypes import cdiv
from ..speculative import Drafter, draft_seconds
from .scheduler import Replica, _Req

MILLI = 1000  # E is kept in thousandths of a token: |E − kept| <= 0.0005


class SpecReplica(Replica):
    def __init__(self, limits, roofline, d: Drafter, shared_prefix: int = 0, index: int = 0):
        super().__init__(limits, roofline, shared_prefix, index)
        self.d = d
        self.q = 1 + d.num_speculative_tokens
        self.extra = self.q + d.lookahead
        self.num = max(MILLI, round(d.tokens_per_step * MILLI))
        self.layers = max(1, roofline.spec.num_layers)

    def F(self, clock: int) -> int:
        """Tokens every decode has emitted by decode step ``clock``, counted from step 0."""
        return clock * self.num // MILLI

    def _reach(self, r: _Req, n: int) -> int:
        if n <= 0:
            return r.dec_step
        return max(r.dec_step, cdiv((self.F(r.dec_step) + n) * MILLI, self.num))

    def _held(self, r: _Req) -> int:
        return r.held if r.state == "decode" else cdiv(r.computed, self.bs)

    def _before(self, r: _Req, clock: int) -> int:
        """``r``'s computed tokens when decode step ``clock`` starts."""
        return r.dec_base + self.F(clock - 1) - self.F(r.dec_step)

    def _block_due(self, r: _Req) -> int:
        """The first step whose computed + 1 + k + lookahead tokens pass the blocks held."""
        return self._reach(r, r.held * self.bs - self.extra + 1 - r.dec_base) + 1

    def _materialize(self, r: _Req) -> None:
        if r.state == "decode" and self.dec_clock != r.dec_step:
            d = self.F(self.dec_clock) - self.F(r.dec_step)
            r.computed, r.g = r.dec_base + d, min(r.output, r.g + d)
            r.dec_step, r.dec_base = self.dec_clock, r.computed
            r.last_tok = self.last_dec_end

    def _decode_blocks(self, clock: int) -> bool:
        """vLLM's running pass: each decode due for blocks gets all it needs, in admission
        order, the most recently admitted preempted when the pool is short."""
        before = self.preemptions
        due = self.block_due.pop(clock, None)
        if due:
            due = sorted((r for r, ep in due if r.epoch == ep and r.state == "decode"), key=lambda r: r.admit)
            for r in due:
                if r.state != "decode":
                    continue
                need = cdiv(self._before(r, clock) + self.extra, self.bs) - r.held
                if need > 0:
                    if not self._preempt_for(r, need):
                        break
                    self._take(need)
                    r.held += need
                self._file_block(r, self._block_due(r))
        return self.preemptions > before

    def _finish_decodes(self, end: float, clock: int) -> list:
        inc = self.F(clock) - self.F(clock - 1)
        done = super()._finish_decodes(end, clock)
        self.dec_sum += self.n_dec * (inc - 1)
        return done

    def _price(self, chunks: list, decoding: bool) -> float:
        if not decoding:
            return super()._price(chunks, decoding)
        clock = self.dec_clock + 1
        ctxs = [self._before(r, clock) for r in self.running if r.state == "decode"]
        rf = self.rf
        parts = [(c, n) for _, c, n in chunks] + [(c, self.q) for c in ctxs]
        # the same price without the op records where the step model allows (mixed_sum's seconds)
        verify = rf.mixed_sum(parts, 0, 0, seconds=True) if self.linear else rf.mixed(parts).seconds
        per_layer = sum(rf.kv_tokens_read(c) // self.layers for c in ctxs)
        return verify + draft_seconds(rf, self.d, per_layer)
