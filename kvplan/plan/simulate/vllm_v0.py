"""simulate's vLLM V0 multi-step replica (``--num-scheduler-steps N``, vLLM 0.5.x-0.6.x), for
published runs of that engine; kvplan's own vLLM is V1 (scheduler.py). From vLLM 0.6.0's code:

* ``LLMEngine.step`` schedules only when the cached batch has no remaining steps
  (``_has_remaining_steps``: every sequence group of a multi-step batch is on the same step);
  until then it reruns the cached batch. A request that arrives during a decode block waits for
  the rest of the block.
* ``Scheduler._schedule_prefills`` sets a prefill batch's steps to
  ``_get_num_lookahead_slots(is_prefill=True) + 1`` = 1 (lookahead slots are 0 for a prefill,
  chunked prefill off); a decode batch runs ``num_lookahead_slots + 1`` = N steps
  (``SchedulerConfig``: ``num_lookahead_slots`` = N − 1 with multi-step).
* ``Scheduler._schedule_default`` (chunked prefill off, as multi-step required in 0.6.0):
  waiting requests that fit are prefilled first, whole (a prompt is never chunked), and a step
  is a prefill batch or a decode batch, never both.
* Defaults (``SchedulerConfig``, 0.6.0): max_num_batched_tokens = max(max_model_len, 2048) with
  chunked prefill off; max_num_seqs 256 (``EngineArgs``).

Simplifications: a request that ends inside a block leaves at its last token (V0 keeps it in
the cached batch until the block ends: optimistic by the few steps' work it still costs); the
block's look-ahead KV slots are not reserved (optimistic about KV room by N − 1 tokens a
request)."""
from __future__ import annotations

from ...errors import KvplanError, opt
from ...model.frozen import replace
from .scheduler import Replica, _Req

V0_BATCHED_TOKENS_FLOOR = 2048  # vllm/config.py _DEFAULT_MAX_NUM_BATCHED_TOKENS (0.6.0)
V0_MAX_NUM_SEQS = 256  # vllm/engine/arg_utils.py EngineArgs.max_num_seqs (0.6.0)
SOURCE = "vLLM 0.6.0 V0 (kvplan/plan/simulate/vllm_v0.py)"


def v0_limits(lim, steps: int, opts=None):
    """``lim`` (vLLM's, from fit) as vLLM V0 with ``--num-scheduler-steps steps``: V0's batch
    defaults where the options do not set them."""
    if not isinstance(steps, int) or steps < 1:
        raise KvplanError(f"{opt('num_scheduler_steps')} must be a positive integer, got {steps!r}")
    if steps == 1:
        return lim
    if lim.engine != "vllm":
        raise KvplanError(f"{opt('num_scheduler_steps')} is vLLM V0's flag; simulate it with --engine vllm")
    given_t = getattr(opts, "max_num_batched_tokens", None)
    given_s = getattr(opts, "max_num_seqs", None)
    src = dict(lim.sources)
    src["scheduler_steps"] = f"--num-scheduler-steps {steps}: {SOURCE}"
    if not given_t:
        src["max_num_batched_tokens"] = f"max(max_model_len, {V0_BATCHED_TOKENS_FLOOR}), chunked prefill off: {SOURCE}"
    if not given_s:
        src["max_num_seqs"] = f"EngineArgs default {V0_MAX_NUM_SEQS}: {SOURCE}"
    return replace(lim, scheduler_steps=steps, sources=src,
                   max_num_batched_tokens=given_t or max(lim.max_model_len, V0_BATCHED_TOKENS_FLOOR),
                   max_num_seqs=given_s or V0_MAX_NUM_SEQS)


class V0MultiStepReplica(Replica):
    """V0's prefill-first batches, whole prompts, and decode blocks of ``scheduler_steps`` steps."""

    def __init__(self, *a, **kw):
        super().__init__(*a, **kw)
        self.mixed_batches = False
        self.block_left = 0  # decode steps left in the running block

    def _prefill_ready(self) -> bool:
        if self.block_left > 0 and self.n_dec:
            return False  # the cached batch has steps left: nothing is scheduled
        self.block_left = 0
        return super()._prefill_ready()

    def _fits(self, r: _Req, budget: int):
        f = super()._fits(r, budget)
        if f is None or f[3] < r.prompt + r.g - f[2]:
            return None  # chunked prefill off: a prompt is prefilled whole or not at all
        return f

    def _finish_decodes(self, end: float, clock: int) -> list:
        self.block_left = (self.block_left or self.lim.scheduler_steps) - 1
        return super()._finish_decodes(end, clock)
