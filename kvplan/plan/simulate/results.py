"""simulate's results: latency percentiles weighted by tokens, and the summary a run reports."""
from __future__ import annotations

import math

from ...model.frozen import field, record
from .limits import SATURATION_SHARE, Limits


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
    host_hit_tokens: int = 0  # of prefix_hit_tokens, loaded from the CPU tier (host.py)
    arrival_span_s: float = 0.0  # the first request's arrival to the last's (open loop: the draw's span)

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
                             "hit_rate": self.prefix_hit_tokens / self.prompt_tokens if self.prompt_tokens else 0.0,
                             "host_hit_tokens": self.host_hit_tokens, "host_tier_tokens": lim.host_blocks * lim.block_size,
                             "host_block_seconds": lim.host_block_seconds},
            "kv_cache": {"blocks": lim.num_blocks, "block_size": lim.block_size,
                         "tokens": lim.kv_tokens, "fit_tokens": lim.fit_tokens, "usage_mean": self.kv_usage_mean,
                         "usage_max": self.kv_usage_max, "source": lim.sources.get("num_blocks", "")},
            "scheduler": {"max_num_seqs": lim.max_num_seqs,
                          "max_num_batched_tokens": lim.max_num_batched_tokens,
                          "max_model_len": lim.max_model_len, "sources": dict(lim.sources)},
            "queue": {"max": self.queue_max, "mean": self.queue_mean, "running_mean": self.running_mean},
            "steps": self.steps,
            "timeline": [{"t_s": t, "kv_usage": u, "waiting": w, "running": r} for t, u, w, r in self.timeline],
            "notes": list(self.notes),
        }


def summarize(raw: dict, limits: Limits, *, model: str, gpu: str, tp: int, router: str,
              workload: str, concurrency: int | None, infinite_rate: bool,
              notes: tuple = (), dp: int = 1) -> SimResult:
    """``raw["reps"]``: every scheduler, ``dp`` (DP attention ranks) to a replica."""
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
        sat, why = False, f"closed loop of {concurrency:,} clients: the queue is bounded"
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
        model=model, gpu=gpu, engine=limits.engine, tp=tp, replicas=len(reps) // dp, router=router,
        workload=workload, requests=len(reqs), limits=limits, duration_s=dur,
        arrival_span_s=max(r.arrival for r in reqs) - t0,
        ttft_ms=weighted_stats(ttft, 1000), itl_ms=weighted_stats(gaps, 1000),
        tpot_ms=weighted_stats(tpot, 1000), e2e_ms=weighted_stats(e2e, 1000),
        requests_per_s=len(reqs) / dur, output_tokens_per_s=out_tokens / dur,
        input_tokens_per_s=in_tokens / dur,
        preemptions=sum(x.preemptions for x in reps), saturated=sat, saturation=why,
        prefix_hit_tokens=sum(x.hit_tokens for x in reps),
        host_hit_tokens=sum(x.host.hit_tokens for x in reps if x.host is not None),
        prompt_tokens=sum(x.prompt_tokens for x in reps), steps=sum(x.steps for x in reps),
        kv_usage_mean=usage_sum / span, kv_usage_max=usage_max, queue_max=qmax,
        queue_mean=q_sum / span, running_mean=run_sum / span, timeline=timeline,
        notes=notes + ((f"KV blocks: {nb:,} over {len(reps):,} " + (f"{'DP' if limits.engine == 'vllm' else 'DP attention'} ranks ({dp} a replica)" if dp > 1
                                                                   else "replicas"),) if len(reps) > 1 else ()))
