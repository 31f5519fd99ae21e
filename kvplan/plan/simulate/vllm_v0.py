"""simulate's vLLM V0 replica, for published runs of vLLM before V1 was its default engine (0.8.0):
every V0 run with chunked prefill off (V0's default up to 32K context), and ``--num-scheduler-steps N``
(multi-step, vLLM 0.5.x-0.6.x); kvplan's own vLLM is V1 (scheduler.py). Which runs are V0
(``v0_engine``): a stated version before 0.8.0 that does not say V1, or one that says V0. V1 became
the default in 0.8.0 (vllm-project/vllm PR #13726, "We have now enabled V1 engine by default" in the
v0.8.0 release notes; its v1_user_guide.md, PR #15064: "V1 is now enabled by default for all
supported use cases ... To disable V1, please set ... VLLM_USE_V1=0"); before it ``VLLM_USE_V1``
defaulted to 0 (vllm/envs.py, 0.7.3: ``os.getenv("VLLM_USE_V1", "0")``).

From vLLM 0.4.1's ``vllm/core/scheduler.py`` (read in the release's wheel, ``pip download
vllm==0.4.1 --no-deps``) and 0.6.0's:

* ``Scheduler._schedule_default`` (chunked prefill off): waiting requests that fit are prefilled
  first, whole (``_schedule_prefills(..., enable_chunking=False)``: a prompt is never chunked);
  "Don't schedule decodes if prefills are scheduled": a step is a prefill batch or a decode batch of
  every running request, never both, so every arriving prompt pauses the running decodes for a step.
* ``BlockSpaceManagerV1.can_allocate``: a waiting request's prompt blocks are allocated only while
  ``num_free_gpu_blocks - num_required_blocks >= watermark_blocks``, ``int(0.01 × num_gpu_blocks)``
  (``watermark: float = 0.01``; 0.7.3's ``SelfAttnBlockSpaceManager`` has the same default): ``WATERMARK``.
* ``LLMEngine.step`` with multi-step (0.6.0) schedules only when the cached batch has no remaining
  steps (``_has_remaining_steps``: every sequence group of a multi-step batch is on the same step);
  until then it reruns the cached batch. A request that arrives during a decode block waits for
  the rest of the block. ``Scheduler._schedule_prefills`` sets a prefill batch's steps to
  ``_get_num_lookahead_slots(is_prefill=True) + 1`` = 1; a decode batch runs
  ``num_lookahead_slots + 1`` = N steps (``SchedulerConfig``: ``num_lookahead_slots`` = N − 1).
  Without multi-step, N = 1: every step is scheduled (this replica with ``scheduler_steps`` 1).
* Defaults (``SchedulerConfig``, 0.4.1, 0.6.0 and 0.7.3 alike): max_num_batched_tokens =
  max(max_model_len, 2048) with chunked prefill off; max_num_seqs 256 (``EngineArgs``).

Chunked prefill on in V0 (``--enable-chunked-prefill``; from 0.5.x on by default above 32K context
on CUDA, and forced off for MLA models in 0.7.3, ``VllmConfig.__post_init__``): V0's
``_schedule_chunked_prefill`` runs decodes and running chunks first, then new prompts chunked into
the same token budget: V1's shape, so such a run (``v0_limits(..., chunked_prefill=True)``) keeps
V1's replica with the version's other rules; runs.yaml's V0 runs state none (none is replayed so).

Simplifications: a request that ends inside a block leaves at its last token (V0 keeps it in
the cached batch until the block ends: optimistic by the few steps' work it still costs); the
block's look-ahead KV slots are not reserved (optimistic about KV room by N − 1 tokens a
request); V0's swap-out preemption (multi-sequence groups only) is not modelled: a single-sequence
request is preempted by recompute, as V1's."""
from __future__ import annotations

from ...errors import KvplanError, opt
from ...model.frozen import replace
from .limits import vllm_version
from .scheduler import Replica, _Req

V0_BATCHED_TOKENS_FLOOR = 2048  # vllm/config.py _DEFAULT_MAX_NUM_BATCHED_TOKENS (0.6.0)
V0_MAX_NUM_SEQS = 256  # vllm/engine/arg_utils.py EngineArgs.max_num_seqs (0.6.0)
SOURCE = "vLLM 0.6.0 V0 (kvplan/plan/simulate/vllm_v0.py)"
V1_DEFAULT_SINCE = (0, 8, 0)  # vllm-project/vllm PR #13726 (v0.8.0's release notes): V1 by default
WATERMARK = 0.01  # vllm/core/block_manager_v1.py BlockSpaceManagerV1 (0.4.1), block_manager.py (0.7.3): watermark=0.01


def v0_engine(version: str | None) -> bool:
    """Whether a run's stated vLLM ``version`` ran the V0 engine: before 0.8.0 (V1_DEFAULT_SINCE)
    unless its text says V1, or any version whose text says V0 ("0.6.0 (V0, multi-step)")."""
    import re

    v = vllm_version(version)
    if v is None:
        return False
    if re.search(r"\bV0\b", version):
        return True
    return v[1] < V1_DEFAULT_SINCE and not re.search(r"\bV1\b", version)


def v0_limits(lim, steps: int, opts=None, version: str | None = None, chunked_prefill: bool = False):
    """``lim`` (vLLM's, from fit) as vLLM V0 where the run was V0: ``--num-scheduler-steps steps``
    > 1, or a ``version`` ``v0_engine`` calls V0 (one step at a time); V0's batch defaults where the
    options do not set them. ``chunked_prefill``: the run turned V0's chunked prefill on (V1's
    replica; see the module docstring). Otherwise ``lim`` itself."""
    if not isinstance(steps, int) or steps < 1:
        raise KvplanError(f"{opt('num_scheduler_steps')} must be a positive integer, got {steps!r}")
    if steps == 1 and (chunked_prefill or not v0_engine(version)):
        return lim
    if lim.engine != "vllm":
        raise KvplanError(f"{opt('num_scheduler_steps')} is vLLM V0's flag; simulate it with --engine vllm")
    if chunked_prefill:
        raise KvplanError("vLLM V0's multi-step with chunked prefill is not simulated")
    given_t = getattr(opts, "max_num_batched_tokens", None)
    given_s = getattr(opts, "max_num_seqs", None)
    src = dict(lim.sources)
    src["scheduler_steps"] = (f"--num-scheduler-steps {steps}: {SOURCE}" if steps > 1 else
                              f"vLLM {vllm_version(version)[0]}: the V0 engine (before 0.8.0), prefill-first "
                              f"whole prompts, chunked prefill off (kvplan/plan/simulate/vllm_v0.py)")
    if not given_t:
        src["max_num_batched_tokens"] = f"max(max_model_len, {V0_BATCHED_TOKENS_FLOOR}), chunked prefill off: {SOURCE}"
    if not given_s:
        src["max_num_seqs"] = f"EngineArgs default {V0_MAX_NUM_SEQS}: {SOURCE}"
    return replace(lim, scheduler_steps=steps, v0=True, reserve_full_isl=False, sources=src,
                   max_num_batched_tokens=given_t or max(lim.max_model_len, V0_BATCHED_TOKENS_FLOOR),
                   max_num_seqs=given_s or V0_MAX_NUM_SEQS)


class V0MultiStepReplica(Replica):
    """V0's prefill-first batches, whole prompts, the block manager's watermark, and decode blocks
    of ``scheduler_steps`` steps (1: every step scheduled)."""

    def __init__(self, *a, **kw):
        super().__init__(*a, **kw)
        self.mixed_batches = False
        self.full_isl = False  # V0 allocates a prompt's blocks (can_allocate), not its whole sequence's
        self.watermark = int(WATERMARK * self.lim.num_blocks)
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
        if self.free - (f[4] + f[0] + f[1]) < self.watermark:  # f: (hp, ho, hit, n, need, hc)
            return None  # can_allocate: LATER while the free blocks would fall under the watermark
        return f

    def _finish_decodes(self, end: float, clock: int) -> list:
        self.block_left = (self.block_left or self.lim.scheduler_steps) - 1
        return super()._finish_decodes(end, clock)
