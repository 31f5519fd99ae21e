"""``kvplan plan``: the cheapest deployment that meets a latency SLA (issue 22, part 2).

The search space, for each GPU type given:

* aggregated: TP × ``max_num_seqs`` × replicas behind a least-loaded router. For each (TP,
  max_num_seqs) the replica count starts at the lower bound ``ceil(rate / μ)`` (μ: one
  replica's requests/s with ``max_num_seqs`` clients in a closed loop, simulated) and grows one
  by one until the SLA is met, the GPU budget is spent, or ``SCAN`` more replicas did not help;
* disaggregated prefill/decode: a prefill pool (TP_p × R_p, every request's prompt, output 1)
  and a decode pool (TP_d × max_num_seqs × R_d) sized apart, on the same GPU type. The decode
  pool's replica count grows until its ITL p90 is met; the prefill pool's until the prompt's
  TTFT (its own p90 plus the KV transfer) is; then the two are simulated joined (each request
  reaches the decode pool when its prefill ends plus its transfer) and the prefill pool grows
  while the joined TTFT p90 misses, the decode pool while the ITL p90 does, and either while
  it is saturated.
* expert parallelism, for MoE models under vLLM: aggregated replicas of TP × DP GPUs with
  ``--enable-expert-parallel`` (EP = TP × DP ≤ 8, one node, dividing every MoE layer's experts;
  DP 1 with TP > 1 is EP over the TP ranks). Each replica is DP attention ranks, each with its
  own KV cache (``fit``'s per-rank plan) and requests, simulated as DP replicas of the step model
  behind the router; each rank's step holds E/EP whole experts, reads them at all DP ranks'
  tokens (equal batches, lockstep) and pays a dispatch + combine all-to-all per MoE layer
  (``latency/moe.py``, ``latency/comm.py``). Dense models are searched as before.

Every candidate is a ``simulate`` run (``kvplan.plan.simulate``, the engine's scheduler, KV
capacity from ``fit``, steps from ``perf``'s per-operation model), so its p90s are the
simulator's, with its stated simplifications. A decode-pool replica receives a request's KV
(the sim's one "prefill" step of it is priced as one decode row at that context: the token the
decode instance computes first), so it never computes a prompt.

KV transfer: the bytes each prefill rank holds for the prompt (``Roofline.kv_written``) over
the link's one-way bandwidth per GPU (``model_specs/links.yaml``): NVLink when both pools fit in
one 8-GPU node and the GPU has NVLink, else InfiniBand (``--link`` chooses). Cost: GPUs ×
hourly price (``model_specs/gpu_prices.yaml`` or ``--prices``) / the offered output tokens per
hour (rate × mean output), per million output tokens. Ranked cheapest first among those meeting both p90 targets.

* DP attention, MoE models with MLA under SGLang (``dp_attention_layouts``): replicas of TP GPUs as
  ``--dp-size D --enable-dp-attention`` (D from 2 to TP, dividing it), D ranks stepped together
  (simulate/dp.py); ``max_num_seqs`` is the replica's --max-running-requests, split over the ranks.

Not searched: expert parallelism in disaggregated pools (both pools are TP only), SGLang's
``--ep-size``, pipeline parallelism, and mixed GPU types across the two pools.
"""
from __future__ import annotations

import math
import os

from ..errors import KvplanError, opt, render
from ..model.frozen import field, record, replace
from .costs import NODE_GPUS, link_seconds

SCAN = 4  # replicas added past the lower bound before a configuration is given up
DEFAULT_TPS = (1, 2, 4, 8)
DEFAULT_SEQS = (32, 64, 128, 256)


# ---- what one candidate is ------------------------------------------------------------------------
@record
class Candidate:
    mode: str  # aggregated | disaggregated
    gpu: str
    tp: int  # (decode pool's, when disaggregated)
    replicas: int
    max_num_seqs: int
    prefill_tp: int = 0
    prefill_replicas: int = 0
    link: str = ""
    transfer_ms: float = 0.0
    ttft_p90_ms: float | None = None
    itl_p90_ms: float | None = None
    # rate × mean output: the load offered, not a measured throughput (simulate's output_tokens_per_s)
    offered_output_tokens_per_s: float = 0.0
    saturated: bool = False
    usd_per_hour: float = 0.0
    usd_per_m_output: float | None = None
    meets: bool = False
    note: str = ""  # why it was given up: a message template (errors.render says it in a caller's words)
    dp: int = 1  # attention replicas (vLLM --data-parallel-size) in one replica of tp × dp GPUs
    ep: int = 1  # ranks the routed experts are split over (--enable-expert-parallel: tp × dp)
    dp_attention: bool = False  # SGLang --dp-size dp --enable-dp-attention: dp ranks within tp GPUs

    @property
    def gpus(self) -> int:
        return self.tp * (1 if self.dp_attention else self.dp) * self.replicas + self.prefill_tp * self.prefill_replicas

    @property
    def layout(self) -> str:
        if self.mode == "aggregated":
            return (f"{self.replicas}×tp{self.tp}" + (f" dp-attn{self.dp}" if self.dp_attention else
                                                      f"×dp{self.dp}" if self.dp > 1 else "")
                    + (" EP" if self.ep > 1 else ""))
        return f"P {self.prefill_replicas}×tp{self.prefill_tp} + D {self.replicas}×tp{self.tp}"

    def as_dict(self) -> dict:
        d = {k: getattr(self, k) for k in ("mode", "gpu", "tp", "replicas", "max_num_seqs", "prefill_tp",
                                           "prefill_replicas", "link", "transfer_ms", "ttft_p90_ms",
                                           "itl_p90_ms", "offered_output_tokens_per_s", "saturated",
                                           "usd_per_hour", "usd_per_m_output", "meets", "note", "dp", "ep",
                                           "dp_attention")}
        d["note"] = render(self.note)  # a KvplanError's template: its parameters in the library's words
        d["gpus"] = self.gpus
        return d


@record
class Task:
    """One unit of work for a process (or a Ray task): a configuration and its replica scan."""

    mode: str
    gpu: str
    tp: int
    max_num_seqs: int
    prefill_tp: int = 0
    link: str = "auto"
    dp: int = 1
    ep: bool = False  # --enable-expert-parallel over tp × dp
    dp_attention: bool = False  # SGLang: dp attention ranks within tp GPUs


@record
class Workload:
    model: str
    rate: float
    prompt_tokens: str
    output_tokens: str
    ttft_p90_ms: float
    itl_p90_ms: float
    engine: str = "vllm"
    requests: int = 200
    seed: int = 0
    max_gpus: int = 64
    max_model_len: int | None = None
    profile: str | None = None
    prices: dict = field(default_factory=dict)
    gpu_memory_utilization: float | None = None  # the engine's share of each GPU (SGLang's --mem-fraction-static)
    engine_version: str | None = None  # the vLLM release planned (--engine-version, as simulate's: simulate/release.py)


# ---- the decode side of a disaggregated pair ---------------------------------------------------
class DecodeSide:
    """A decode-pool replica's step model: a request arriving with its KV computes one token at
    its context (one decode row), never its prompt; everything else is the engine's own step."""

    def __init__(self, inner):
        self.inner = inner
        self.decode_is_linear = inner.decode_is_linear

    def mixed_sum(self, chunks, decodes, ctx_sum, ctx_max=0, seconds=False):
        return self.inner.mixed_sum((), decodes + len(chunks), ctx_sum + sum(c + n for c, n in chunks),
                                    ctx_max, seconds)

    def mixed(self, chunks=(), decodes=()):
        return self.inner.mixed((), list(decodes) + [c + n for c, n in chunks])


# ---- evaluating one task ------------------------------------------------------------------------
_CACHE: dict = {}


def _models(w: Workload, gpu_name: str, tp: int, seqs: int | None, decode_side: bool = False, dp: int = 1,
            ep: bool = False, dpa: bool = False):
    """(spec, gpu, limits, step model) for one replica (one DP rank of it), kept per process; ``dpa``:
    SGLang's DP attention, dp ranks within tp GPUs (``DataParallelStep``: simulate/dp.py)."""
    key = (w.model, w.engine, w.max_model_len, w.profile, gpu_name, tp, seqs, decode_side, dp, ep, dpa,
           w.gpu_memory_utilization, w.engine_version)
    if key in _CACHE:
        return _CACHE[key]
    from ..engines.base import ServeOptions
    from ..sources import catalog
    from . import simulate as sim
    from .latency.step import OpLatency
    from .latency.versions import release_profile

    spec, gpu = catalog.load_model(w.model), catalog.load_gpu(gpu_name)
    # --engine-version: that vLLM release's start-up (fit's), scheduler rules and per-step costs, as simulate
    # plans it (simulate/release.py for_release, latency/versions.py release_profile): one home for the release
    opts = ServeOptions(max_model_len=w.max_model_len, max_num_seqs=seqs, data_parallel_size=dp,
                        enable_expert_parallel=ep, dp_attention=dpa, gpu_memory_utilization=w.gpu_memory_utilization,
                        vllm_version=w.engine_version if w.engine == "vllm" else None)
    try:
        lim = sim.for_release(sim.engine_limits(spec, gpu, tp, w.engine, opts), opts)
    except KvplanError as e:
        _CACHE[key] = (spec, gpu, None, e.template)  # said in the caller's words (render)
        return _CACHE[key]
    skey = ("step", w.model, w.engine, w.profile, gpu_name, tp, dp, ep, dpa, w.engine_version)
    step = _CACHE.get(skey)
    if step is None:
        from .latency.dp_attention import DataParallelStep

        step = DataParallelStep(spec, gpu, tp, dp, w.engine) if dpa else \
            OpLatency(spec, gpu, tp, engine=release_profile(w.engine, opts), ep=tp * dp if ep else 1)
        if w.profile:  # a profile is one GPU's: the other GPUs of the search keep the tables
            from .latency.calibrate import apply_profile, load_profile

            if load_profile(w.profile).get("gpu") in (None, gpu.name):
                step.apply_profile(w.profile) if dpa else apply_profile(step, w.profile)
        _CACHE[skey] = step
    if decode_side:
        lim = sim.Limits(lim.engine, lim.block_size, lim.num_blocks, lim.max_num_seqs, 1 << 40, lim.max_model_len,
                         lim.prefix_caching, lim.sources, groups=lim.groups, swa_tokens=lim.swa_tokens,
                         fit_tokens=lim.fit_tokens, async_scheduling=lim.async_scheduling,
                         reserve_full_isl=lim.reserve_full_isl, v0=lim.v0)  # the release's rules (for_release)
        step = DecodeSide(step)
    _CACHE[key] = (spec, gpu, lim, step)
    return _CACHE[key]


def _requests(w: Workload, n: int, rate: float | None, seed: int, output: str | None = None):
    from . import simulate as sim

    ps = sim.sample_lengths(w.prompt_tokens, n, seed, "--prompt-tokens", 1 << 30)
    os_ = sim.sample_lengths(output or w.output_tokens, n, seed + 1, "--output-tokens", 1 << 30)
    times = sim.arrivals(n, rate, "poisson", seed + 2)
    return [sim.Request(t, p, o) for t, p, o in zip(times, ps, os_)]


def _capacity(w: Workload, lim, step, output: str | None = None) -> float:
    """One replica's requests/s with ``max_num_seqs`` clients always waiting (a closed loop; under DP
    attention that many per rank)."""
    from . import simulate as sim

    c = lim.max_num_seqs * (step.dp if hasattr(step, "rank") else 1)
    reqs = _requests(w, max(2 * c, 64), None, w.seed + 7, output)
    raw = sim.run(reqs, lim, step, 1, "least-loaded", 0, c)
    t1 = max(r.end for r in raw["reqs"])
    return len(reqs) / t1 if t1 > 0 else math.inf


def _p90(values) -> float | None:
    from .simulate import weighted_stats

    return weighted_stats([(v, 1) for v in values], 1000).p90


def _price(w: Workload, gpu: str) -> float:
    got = w.prices.get(gpu)
    if got is None:
        raise KvplanError(f"no hourly price for {gpu}; add it with --prices FILE")
    return got[0]


def _finish(c: Candidate, w: Workload, reqs, price: float) -> Candidate:
    """Cost at the offered load (rate × the mean output of the simulated requests): every
    deployment that meets the SLA serves the same tokens, so they rank by dollars per hour."""
    out_per_s = w.rate * sum(q.output for q in reqs) / len(reqs)
    per_h = c.gpus * price
    usd_m = per_h / (out_per_s * 3600) * 1e6 if out_per_s > 0 else None
    meets = (not c.saturated and c.ttft_p90_ms is not None and c.itl_p90_ms is not None
             and c.ttft_p90_ms <= w.ttft_p90_ms and c.itl_p90_ms <= w.itl_p90_ms)
    return replace(c, offered_output_tokens_per_s=out_per_s, usd_per_hour=per_h, usd_per_m_output=usd_m, meets=meets)


def _aggregated(w: Workload, t: Task) -> list[Candidate]:
    from . import simulate as sim

    spec, gpu, lim, step = _models(w, t.gpu, t.tp, t.max_num_seqs, dp=t.dp, ep=t.ep, dpa=t.dp_attention)
    base = Candidate("aggregated", gpu.name, t.tp, 0, t.max_num_seqs, dp=t.dp, ep=t.tp * t.dp if t.ep else 1,
                     dp_attention=t.dp_attention)
    if lim is None:
        return [replace(base, note=f"does not fit: {step}")]
    price = _price(w, gpu.name)
    # vLLM: a replica is dp attention ranks, each its own KV cache and requests: dp simulated
    # replicas; SGLang's DP attention: one replica of dp ranks stepped together (simulate/dp.py)
    per = 1 if t.dp_attention else t.dp
    lo = max(1, math.ceil(w.rate / (per * _capacity(w, lim, step))))
    out = []
    for r in range(lo, lo + SCAN + 1):
        if r * t.tp * per > w.max_gpus:
            out.append(replace(base, replicas=r, note=f"over {opt('max_gpus', w.max_gpus)}"))
            break
        reqs = _requests(w, w.requests, w.rate, w.seed)
        res = sim.summarize(sim.run(reqs, lim, step, r * per, "least-loaded", 0, None), lim, model=spec.name,
                            gpu=gpu.name, tp=t.tp, router="least-loaded", workload="", concurrency=None,
                            infinite_rate=False, dp=t.dp if t.dp_attention else 1)
        c = _finish(replace(base, replicas=r, ttft_p90_ms=res.ttft_ms.p90, itl_p90_ms=res.itl_ms.p90,
                                 saturated=res.saturated), w, reqs, price)
        out.append(c)
        if c.meets:
            break
    return out


def _link(t: Task, gpu, gpus: int) -> str:
    if t.link != "auto":
        return t.link
    nv = gpu.interconnect_bytes_per_s and "nvlink" in (gpu.interconnect or "").lower()
    return "nvlink" if nv and gpus <= NODE_GPUS else "infiniband"


def _disaggregated(w: Workload, t: Task) -> list[Candidate]:
    from . import simulate as sim

    spec, gpu, lim_p, step_p = _models(w, t.gpu, t.prefill_tp, None)
    _, _, lim_d, step_d = _models(w, t.gpu, t.tp, t.max_num_seqs, decode_side=True)
    base = Candidate("disaggregated", gpu.name, t.tp, 0, t.max_num_seqs, t.prefill_tp, 0)
    if lim_p is None or lim_d is None:
        return [replace(base, note=f"does not fit: {step_p if lim_p is None else step_d}")]
    price = _price(w, gpu.name)
    reqs = _requests(w, w.requests, w.rate, w.seed)
    out: list[Candidate] = []

    # lower bounds from each pool's closed-loop capacity; then grow whichever pool misses
    rd = max(1, math.ceil(w.rate / _capacity(w, lim_d, step_d)))
    pre = [sim.Request(q.arrival_s, q.prompt, 1) for q in reqs]  # the prefill pool's view: output 1
    rp = max(1, math.ceil(w.rate / _capacity(w, lim_p, step_p, "1")))
    for k in range(2 * SCAN + 1):
        gpus = t.prefill_tp * rp + t.tp * rd
        link = _link(t, gpu, gpus)
        try:
            xfer = [link_seconds(link, gpu, step_p.kv_written(0, q.prompt)) for q in reqs]
        except KvplanError as e:
            return [replace(base, note=e.template)]
        c = replace(base, replicas=rd, prefill_replicas=rp, link=link,
                    transfer_ms=sum(xfer) / len(xfer) * 1000)
        if c.gpus > w.max_gpus:
            out.append(replace(c, note=f"over {opt('max_gpus', w.max_gpus)}"))
            break
        raw_p = sim.run(pre, lim_p, step_p, rp, "least-loaded", 0, None)
        ready = [r.end + x for r, x in zip(raw_p["reqs"], xfer)]
        if k < 2 * SCAN and _p90([rt - q.arrival_s for rt, q in zip(ready, reqs)]) > w.ttft_p90_ms:
            rp += 1  # the prefill pool alone misses the TTFT: no need to simulate the pair yet
            continue
        joined = [sim.Request(rt, q.prompt, q.output) for rt, q in zip(ready, reqs)]
        raw_d = sim.run(joined, lim_d, step_d, rd, "least-loaded", 0, None)
        ttft = _p90([d.first_tok - q.arrival_s for d, q in zip(raw_d["reqs"], reqs)])
        itl = sim.weighted_stats([g for x in raw_d["reps"] for g in x.gaps], 1000).p90
        sat_p, sat_d = (sim.summarize(raw, lim, model=spec.name, gpu=gpu.name, tp=1, router="", workload="",
                                      concurrency=None, infinite_rate=False).saturated
                        for raw, lim in ((raw_p, lim_p), (raw_d, lim_d)))
        c = _finish(replace(c, ttft_p90_ms=ttft, itl_p90_ms=itl, saturated=sat_p or sat_d), w, reqs, price)
        out.append(c)
        if c.meets:
            break
        if itl is None or itl > w.itl_p90_ms or sat_d:  # a saturated pool grows, whichever it is
            rd += 1
        if ttft is None or ttft > w.ttft_p90_ms or sat_p:
            rp += 1
    return out


def evaluate(w: Workload, t: Task) -> list[Candidate]:
    """Every candidate deployment one task simulated (its replica scan), in order."""
    try:
        return _aggregated(w, t) if t.mode == "aggregated" else _disaggregated(w, t)
    except KvplanError as e:
        return [Candidate(t.mode, t.gpu, t.tp, 0, t.max_num_seqs, t.prefill_tp, note=e.template, dp=t.dp,
                          ep=t.tp * t.dp if t.ep else 1, dp_attention=t.dp_attention)]


def _evaluate_packed(args):
    return evaluate(*args)


# ---- the search ----------------------------------------------------------------------------------
@record
class PlanResult:
    workload: Workload
    candidates: tuple  # every simulated candidate
    ranked: tuple  # those meeting the SLA, cheapest first
    tasks: int
    workers: str
    price_sources: dict = field(default_factory=dict)

    @property
    def simulated(self) -> int:
        return sum(1 for c in self.candidates if c.ttft_p90_ms is not None)

    @property
    def rows(self) -> tuple:
        """``ranked`` with the survivors that differ only in ``max_num_seqs`` and simulated alike
        (the same p90s, throughput and cost: the limit never bound) merged into one row: (the
        first of them in rank order, the other ``max_num_seqs`` values), in rank order."""
        out: dict = {}
        for c in self.ranked:
            key = (c.mode, c.gpu, c.tp, c.replicas, c.prefill_tp, c.prefill_replicas, c.link, c.dp, c.ep,
                   c.dp_attention, c.ttft_p90_ms, c.itl_p90_ms, c.offered_output_tokens_per_s, c.saturated,
                   c.usd_per_m_output, c.transfer_ms)
            if key in out:
                out[key][1].append(c.max_num_seqs)
            else:
                out[key] = (c, [])
        return tuple((c, tuple(alike)) for c, alike in out.values())


def ep_layouts(tps, experts=(), engine: str = "vllm") -> list[tuple[int, int]]:
    """(tp, dp) of the expert-parallel replicas searched: vLLM and a MoE model (``experts``: each
    MoE layer's expert count), EP = tp × dp from 2 to one node's GPUs, dividing every count."""
    if engine != "vllm" or not experts:
        return []
    return [(tp, dp) for tp in tps for dp in (1, 2, 4, 8)
            if 2 <= tp * dp <= NODE_GPUS and all(e % (tp * dp) == 0 for e in experts)]


def dp_attention_layouts(tps, spec, engine: str = "sglang") -> list[tuple[int, int]]:
    """(tp, dp) of SGLang's DP attention for a MoE model with MLA (DeepSeek-V3/R1, Kimi K2), dp | tp."""
    from ..model.kinds import MLA
    from ..model.spec import MoeMlp

    lts = spec.layer_types.values()
    if engine != "sglang" or not any(isinstance(lt.mlp, MoeMlp) for lt in lts) or \
            not any(isinstance(lt.mixer, MLA) for lt in lts):
        return []
    return [(tp, dp) for tp in tps for dp in (2, 4, 8) if dp <= tp and tp % dp == 0]


def tasks_for(gpus, tps=DEFAULT_TPS, seqs=DEFAULT_SEQS, disaggregated: bool = True,
              link: str = "auto", ep_pairs=(), dpa_pairs=()) -> list[Task]:
    out = []
    for g in gpus:
        for tp, dp in ep_pairs:
            for s in seqs:
                out.append(Task("aggregated", g, tp, s, link=link, dp=dp, ep=True))
        for tp, dp in dpa_pairs:
            for s in seqs:
                out.append(Task("aggregated", g, tp, s, link=link, dp=dp, dp_attention=True))
        for tp in tps:
            for s in seqs:
                out.append(Task("aggregated", g, tp, s, link=link))
                if disaggregated:
                    for tp_p in tps:
                        out.append(Task("disaggregated", g, tp, s, tp_p, link))
    return out


def search(w: Workload, tasks: list[Task], workers: int | None = None, ray_address: str | None = None,
           progress=None) -> PlanResult:
    """Evaluate ``tasks`` on a process pool of ``workers`` (default: every core) or on a Ray
    cluster at ``ray_address``; rank the candidates that meet the SLA by cost. ``progress(n)`` is
    told each time n more tasks are done (a minute-long search shows a bar)."""
    tick = progress or (lambda n: None)
    if ray_address:
        rows, how = _on_ray(w, tasks, ray_address)
        tick(len(tasks))
    else:
        n = workers or os.cpu_count() or 1
        if n == 1:
            rows = []
            for t in tasks:
                rows.append(evaluate(w, t))
                tick(1)
        else:
            from concurrent.futures import ProcessPoolExecutor

            # tasks of one (GPU, TP) next to each other, in a few chunks per worker: a worker
            # builds each step model and KV plan once
            order = sorted(range(len(tasks)), key=lambda i: (tasks[i].gpu, tasks[i].tp, tasks[i].prefill_tp,
                                                              tasks[i].dp, tasks[i].ep))
            chunk = max(1, len(tasks) // (4 * n))
            with ProcessPoolExecutor(max_workers=n) as ex:
                got = []
                for r in ex.map(_evaluate_packed, [(w, tasks[i]) for i in order], chunksize=chunk):
                    got.append(r)
                    tick(1)
            rows = [None] * len(tasks)
            for i, r in zip(order, got):
                rows[i] = r
        how = f"process pool of {n}"
    cands = tuple(c for r in rows for c in r)
    ranked = tuple(sorted((c for c in cands if c.meets),
                          key=lambda c: (c.usd_per_m_output, c.gpus, c.ttft_p90_ms)))
    return PlanResult(w, cands, ranked, len(tasks), how,
                      {g: w.prices[g][1] for g in {c.gpu for c in cands} if g in w.prices})


def _on_ray(w: Workload, tasks: list[Task], address: str):
    try:
        import ray
    except ImportError:
        raise KvplanError("--ray needs Ray: pip install 'kvplan[ray]'") from None
    started = False
    if not ray.is_initialized():
        try:
            ray.init(address=address, ignore_reinit_error=True, log_to_driver=False)
        except Exception as e:  # Ray raises ConnectionError, RuntimeError, ValueError ...
            raise KvplanError(f"--ray {address}: cannot connect: {str(e).splitlines()[0] if str(e) else e}") from None
        started = True
    try:
        remote = ray.remote(_evaluate_packed)
        rows = ray.get([remote.remote((w, t)) for t in tasks])
        n = int(ray.cluster_resources().get("CPU", 0))
    finally:
        if started:
            ray.shutdown()
    return rows, f"Ray cluster at {address} ({n} CPUs)"
