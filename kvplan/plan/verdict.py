"""Three answers, not two: fits, at risk, does not fit (issue 20).

The engine's own check says whether the model starts (``Capacity.fits``; vLLM's
``_check_enough_kv_cache_memory``, SGLang's "no memory left for the KV pool", TensorRT-LLM's
one block). kvplan's budget behind that check is partly computed from the engine's code
(weights, the share, the cache's page arithmetic) and partly estimated: the profile run's
activation peak, the CUDA-graph pool, the MXFP4 post-load growth, SGLang's CUDA context.
Each estimated part carries ``BudgetPart.uncertainty`` (bytes either way, with its source).

* **margin** = KV budget − what the engine needs to start (and, with ``--ctx``, to hold one
  sequence of ``ctx`` tokens), on the GPU with the least of it;
* **does not fit**: margin < 0, or the engine refuses (a margin of exactly 0 passes the engines'
  own checks, e.g. vLLM 0.33's `needed_memory > available_memory`,
  v1/core/kv_cache_planning.py _check_enough_kv_cache_memory; it is "at risk" where a part is
  estimated);
* **at risk**: 0 < margin ≤ the sum of the uncertainties of the estimated parts on that GPU
  (summed, not added in quadrature: never optimistic). The *deciding term* is the part with the
  largest uncertainty: the one whose error alone could turn the answer;
* **fits**: the margin is larger than every estimated part's error together, and no part is
  ``unmodelled`` (a term kvplan cannot size, e.g. an all-to-all backend it has not read: then
  "at risk", naming it).

* **after sizing** (vLLM): what the engine allocates once the KV cache is sized, charged in no
  budget, must fit in what the share leaves, (1 − utilization) × total (the "unused" part), less
  what sits on the GPU before vLLM's start-up snapshot (the CUDA context, and NCCL with the custom
  all-reduce buffers from 0.11.0; engines/vllm/non_torch.py outside_share; where that alone is more
  than the unused part vLLM refuses at start-up, v1/worker/utils.py request_memory): the block
  tables of the KV cache groups past the first (engines/vllm/startup.py post_sizing_block_tables),
  the CUDA graphs of a release that captures them after sizing and charges them in no budget (the
  V1 runner up to 0.19, the V2 runner of 0.22 to 0.28; gpu_worker.py compile_or_warm_up_model's
  capture_model; startup.py graphs_after_sizing, the fitted estimate with its uncertainty), and the
  sampler warm-up that follows (engines/vllm/after_sizing.py): it takes back the profile run's
  sampler peak, freed with the profile and kept out of the cache, but PyTorch's allocator may not
  place it in what it holds (the measured fragmentation, an uncertainty). Where the budget charges
  the graphs (0.20 and later, V1) they reuse that part. Short of it: "does not fit"; a headroom
  within one group's table (the runner's first input batch, freed as it is replaced, may not be
  reused), the graphs', the outside part's and the estimated parts' errors and the warm-up's
  fragmentation: "at risk", naming ``post_sizing``.

Where a term is estimated, the answer leans to "at risk" by construction; a term computed from
the engine's code (uncertainty 0) never makes it so.
"""
from __future__ import annotations

from ..model.frozen import record

FITS, AT_RISK, DOES_NOT_FIT = "fits", "at_risk", "does_not_fit"
WORDS = {FITS: "fits", AT_RISK: "at risk", DOES_NOT_FIT: "does NOT fit"}
# the CLI's exit status per answer (docs/commands/fit.md): 3 for at risk, so that a script
# running `kvplan fit ... && deploy` does not go ahead on an answer kvplan cannot promise
EXIT = {FITS: 0, DOES_NOT_FIT: 1, AT_RISK: 3}


@record
class Verdict:
    verdict: str  # fits, at_risk, does_not_fit
    margin_bytes: int  # KV budget − what the engine needs, on the tightest GPU (negative: short)
    need_bytes: int  # what the engine needs of the KV budget to start (and hold one ctx sequence)
    uncertainty_bytes: int  # the estimated parts' errors together, on that GPU
    deciding_term: str | None = None  # BudgetPart.key whose uncertainty decides the answer
    why: str = ""
    batch: int | None = None  # the batch of ctx-token sequences the answer is for (fit --ctx --batch)

    @property
    def words(self) -> str:
        return WORDS[self.verdict]


def start_need(engine: str, cap, ctx: int | None = None) -> int:
    """Bytes of KV budget per GPU the engine needs before it starts (its own check), and to
    hold one sequence of ``ctx`` tokens where ``ctx`` is given:

    * vLLM: one request of max_model_len plus the null block held back before the check
      (v1/core/kv_cache_planning.py get_kv_cache_configs, _check_enough_kv_cache_memory);
    * SGLang: one token of the pool (its cell; model_executor/model_runner.py refuses an empty
      pool), or ``ctx`` tokens;
    * TensorRT-LLM: one 32-token block, or the blocks of ``ctx`` tokens;
    * the tight layouts: one request of max_model_len (Engine.capacity)."""
    d = cap.detail
    if engine == "sglang" and d.get("cell_size_bytes"):
        cell = -(-int(d["cell_size_bytes"] * 1000) // 1000)
        return cell * max(ctx or 1, 1) * (d.get("page_size") or 1)
    if engine == "trtllm" and d.get("bytes_per_token"):
        blk = d.get("block_size", 32)
        return d["bytes_per_token"] * blk * max(-(-(ctx or 1) // blk), 1)
    return cap.kv_bytes_per_request + int(d.get("bytes_per_block") or 0)


def batch_band(batch: int, most: int, low: int | None) -> str:
    """The answer for ``batch`` sequences where at most ``most`` fit and at most ``low`` with every estimated part
    at the far end of its error (None: no part is estimated): fits up to ``low``, at risk up to ``most``, then does
    not fit. One rule for fit --ctx --batch (``for_batch``) and sweep's verdict column."""
    if batch > most:
        return DOES_NOT_FIT
    return FITS if low is None or batch <= low else AT_RISK


def for_batch(v: Verdict, stages, batch: int, ctx: int, most: int, low: int | None) -> Verdict:
    """The answer for ``batch`` sequences of ``ctx`` tokens, where the engine starts (``v``): as
    sweep's fits column says it (plan/sweep.py), "does not fit" past the max batch ``most``, "at
    risk" past ``low``, the max batch with every estimated part at the far end of its error. The
    margin stays the start's."""
    band = batch_band(batch, most, low)
    if v.verdict == DOES_NOT_FIT or band == FITS:
        return v
    if band == DOES_NOT_FIT:
        return Verdict(DOES_NOT_FIT, v.margin_bytes, v.need_bytes, v.uncertainty_bytes, None,
                       f"{batch:,} sequences of {ctx:,} tokens: at most {most:,} fit", batch)
    worst = min(stages, key=lambda s: s.kv_budget_bytes)
    top = max((p for p in worst.budget if p.uncertainty), key=lambda p: p.uncertainty)  # low < most: one is
    return Verdict(AT_RISK, v.margin_bytes, v.need_bytes, v.uncertainty_bytes, top.key,
                   f"{batch:,} sequences of {ctx:,} tokens fit only if the estimated parts err the kind way: with "
                   f"each at the far end of its error at most {low:,} fit (the largest: {top.key}, "
                   f"±{top.uncertainty / 2**30:.2f} GiB)", batch)


def judge(engine: str, stages, cap, fits: bool, ctx: int | None = None,
          kv_cache_fixed: bool = False) -> Verdict:
    """The answer, its margin and the term that decides it (see the module docstring)."""
    v = _judge(engine, stages, cap, fits, ctx, kv_cache_fixed)
    return v if v.verdict == DOES_NOT_FIT or engine != "vllm" else _post_sizing(v, stages, cap)


def _post_sizing(v: Verdict, stages, cap) -> Verdict:
    """The after-sizing check (module docstring): what sits on the GPU before vLLM's snapshot, vLLM's block
    tables rebuilt past the first KV cache group, the CUDA graphs of a release that captures them after sizing
    and the sampler warm-up's fragmentation, against what the share leaves, on the GPU with the least left."""
    d = cap.detail
    tables, graphs = d.get("post_sizing_bytes") or 0, d.get("post_sizing_graph_bytes") or 0
    g_unc, held = d.get("post_sizing_graph_uncertainty") or 0, d.get("outside_share_bytes") or 0
    frag = d.get("warmup_fragmentation_bytes") or 0
    if not (tables or graphs or held or frag):
        return v
    groups = len(d["groups"])
    one = tables // (groups - 1) if tables else 0
    left = min(s.part("unused") for s in stages)
    gib = 2**30
    if held > left:  # vLLM's own check at start-up, before any memory is profiled
        return Verdict(DOES_NOT_FIT, min(v.margin_bytes, left - held), v.need_bytes, v.uncertainty_bytes,
                       "post_sizing", f"post_sizing: {d['outside_share_what']} ({held / gib:.2f} GiB) are on the GPU "
                       f"before vLLM starts, more than the {left / gib:.2f} GiB its share leaves: vLLM refuses at "
                       "start-up (\"Free memory on device ... is less than desired GPU memory utilization\"; "
                       "v1/worker/utils.py request_memory)")
    what = _after_sizing_terms(d, groups, one, tables, graphs, g_unc, held, frag)
    head = left - held - tables - graphs
    what = f"post_sizing: after the KV cache is sized {what} against the {left / gib:.2f} GiB the share leaves"
    if head < 0:
        return Verdict(DOES_NOT_FIT, min(v.margin_bytes, head), v.need_bytes, v.uncertainty_bytes,
                       "post_sizing", f"{what}: short by {-head / gib:.2f} GiB")
    # the error carried: with tables, one table and the estimated parts' errors; with graphs, their estimate's
    # own; what sits outside the share, its own; the warm-up's fragmentation (the cache takes what vLLM sized, so
    # what is left after it does not move with kvplan's other estimates: the unused share and the freed profile
    # peak, which the sampler warm-up takes back)
    h_unc = d.get("outside_share_uncertainty") or 0
    band = (one + v.uncertainty_bytes if tables else 0) + g_unc + h_unc + frag
    if head <= band:
        within = " and ".join(x for x in (
            f"one group's table and the ±{v.uncertainty_bytes / gib:.2f} GiB the estimated parts may err"
            if tables else "", f"the ±{g_unc / gib:.2f} GiB the graphs' estimate may err" if graphs else "",
            f"the ±{h_unc / gib:.2f} GiB what sits outside the share may err" if held else "",
            f"the {frag / gib:.2f} GiB the sampler warm-up may find unusable" if frag else "") if x)
        return Verdict(AT_RISK, min(v.margin_bytes, head), v.need_bytes, band,
                       "post_sizing", f"{what}: {head / gib:.2f} GiB to spare, within {within}")
    return v


def _after_sizing_terms(d, groups, one, tables, graphs, g_unc, held, frag) -> str:
    gib = 2**30
    what = []
    if held:
        what.append(f"with {d['outside_share_what']} on the GPU before vLLM's snapshot ({held / gib:.2f} GiB, "
                    "outside its share; engines/vllm/non_torch.py outside_share)")
    if tables:
        what.append(f"vLLM rebuilds its input batch with a block table for each of {groups} KV cache groups "
                    f"({groups - 1} × {one / gib:.2f} GiB = {tables / gib:.2f} GiB more, charged in no budget; "
                    f"gpu_model_runner.py may_reinitialize_input_batch, block_table.py BlockTable)")
    if graphs:
        what.append(f"vLLM captures its CUDA graphs ({graphs / gib:.2f} GiB estimated, ±{g_unc / gib:.2f} GiB, "
                    f"charged in no budget; gpu_worker.py compile_or_warm_up_model, capture_model)")
    if frag:
        what.append(f"warms its sampler up again (the profile's sampler pass, given back, with up to "
                    f"{frag / gib:.2f} GiB of the headroom unusable to PyTorch's allocator, measured at two OOMs; "
                    "engines/vllm/after_sizing.py)")
    return " and ".join(what)


def _judge(engine: str, stages, cap, fits: bool, ctx: int | None = None,
           kv_cache_fixed: bool = False) -> Verdict:
    need = start_need(engine, cap, ctx) if cap.fits or cap.kv_bytes_per_request else 0
    worst = min(stages, key=lambda s: s.kv_budget_bytes)
    margin = worst.kv_budget_bytes - need
    if kv_cache_fixed:  # the cache is fixed; the card must hold it beside everything else
        margin = min(margin, min(s.part("unused") for s in stages))
    parts = [p for p in worst.budget if p.uncertainty]
    unc = sum(p.uncertainty for p in parts)
    top = max(parts, key=lambda p: p.uncertainty) if parts else None
    gib = 2**30

    def term() -> str:
        return (f"{top.key} ({top.label}: ±{top.uncertainty / gib:.2f} GiB, {top.source})"
                if top else "")

    if not fits or margin < 0:
        close = top is not None and -margin <= unc
        why = (f"short by {-margin / gib:.2f} GiB of KV budget" if margin < 0 else
               "the engine refuses this set-up")
        if close:
            why += (f"; within the ±{unc / gib:.2f} GiB the estimated parts may err, so it might "
                    f"start, but kvplan does not say fits where that rests on {term()}")
        return Verdict(DOES_NOT_FIT, margin, need, unc, top.key if close else None, why)
    if top is not None and margin <= unc:
        return Verdict(AT_RISK, margin, need, unc, top.key,
                       f"the margin of {margin / gib:.2f} GiB is within the ±{unc / gib:.2f} GiB the "
                       f"estimated parts may err; the largest: {term()}")
    blind = next((p for p in worst.budget if p.unmodelled), None)
    if blind is not None:
        return Verdict(AT_RISK, margin, need, unc, blind.key,
                       f"margin {margin / gib:.2f} GiB, but {blind.key} ({blind.label}) is not modelled: "
                       f"{blind.source}")
    why = (f"margin {margin / gib:.2f} GiB, more than the ±{unc / gib:.2f} GiB the estimated parts may "
           f"err" if parts else f"margin {margin / gib:.2f} GiB; no part of the budget is estimated")
    return Verdict(FITS, margin, need, unc, None, why)
