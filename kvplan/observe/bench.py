"""``kvplan check-bench``: a measured serving benchmark beside its simulation (issue 22, part 3).

Reads the result files of four tools, one load level per run:

* vLLM ``vllm bench serve --save-result`` (and ``benchmarks/benchmark_serving.py``): one JSON
  object per file (or one per line when appended): ``request_rate``, ``max_concurrency``,
  ``completed``, ``total_input_tokens``, ``total_output_tokens``, ``output_throughput``,
  ``{mean,median,p99}_{ttft,itl}_ms``;
* SGLang ``python -m sglang.bench_serving --output-file``: JSONL, a line per run, the same keys
  as vLLM's plus ``random_input_len``, ``random_output_len``, ``random_range_ratio``;
* inference-perf (kubernetes-sigs): ``*_lifecycle_metrics.json``: ``load_summary.requested_rate``,
  ``successes.latency.{time_to_first_token,time_per_output_token}`` in seconds (its
  ``inter_token_latency`` is per streamed chunk, not per token),
  ``successes.throughput.output_tokens_per_sec``, ``successes.{prompt_len,output_len}``;
* the summary ``vllm bench serve`` / ``benchmark_serving.py`` / ``sglang.bench_serving`` print
  (``============ Serving Benchmark Result ============`` blocks, as READMEs and blogs quote them):
  its counts, ``Output token throughput``, ``{Mean,Median,P99} {TTFT,TPOT,ITL} (ms)``; the rate
  and concurrency when the block states them (``Traffic request rate``, ``Maximum request
  concurrency``), else none: the caller must give the load (a printed block without them is not
  replayed on a guess);
* GuideLLM ``benchmarks.json``: ``benchmarks[]``, each with its strategy's rate or concurrency
  and ``metrics.<name>.successful.{mean,median,percentiles}`` (the schema GuideLLM documents; no
  real GuideLLM file is among the fixtures, see tests/fixtures/bench/SOURCES.md).

The workload replayed per level: the file's rate (Poisson, as all four tools default to) or
concurrency, its number of completed requests (at most ``max_requests``), and its lengths: a
uniform range where the file states one (SGLang's random dataset: ``randint(max(int(len ×
ratio), 1), len + 1)``, python/sglang/bench_serving.py ``sample_random_requests``); the file's
own per-request lengths where it keeps them (vLLM's ``input_lens`` / ``output_lens``); for a
ShareGPT run known only by its means, a measured ShareGPT sample scaled to them
(``kvplan.observe.sharegpt``); else each request at the file's mean prompt and output lengths.
The front end is the endpoint's (``chat`` for the tools' chat backends, else ``completions``).

The engine's version (its rules: simulate/limits.py ``for_engine_version``): the caller's
(``--engine-version``), else the vLLM version a file states. None of the four tools writes the server's
version into its result (vLLM's ``--save-result`` JSON: date, backend, label, model_id,
tokenizer_id, num_prompts, the user's ``--metadata``; SGLang's: its arguments and metrics), so
it is read only from vLLM's own start-up lines kept in a printed result's text (``vLLM API
server version X``, ``Initializing a V1 LLM engine (vX)``: observe/logs.py ``VLLM_VERSION``).
"""
from __future__ import annotations

import math

from ..errors import KvplanError
from ..model.frozen import record, replace
# bench.read, bench.Level and the field readers: their home before the split (tests and benchmarks/serving use them)
from .bench_read import TOOLS, Level, _endpoint, _num, _rate, _stats, _to, read  # noqa: F401


# ---- replay ------------------------------------------------------------------------------------
@record
class Row:
    level: Level
    predicted: dict  # ttft_ms, itl_ms (Stats as dicts), output_tokens_per_s, saturated


def startup_opts(opts, engine: str, version: str | None, scheduler_steps: int = 1):
    """``opts`` with the vLLM release a run states (``version``: "0.11.0", "v0.11.0", "0.10.1.1 (V1)") as
    ``vllm_version``, so its KV budget is planned with that release's start-up rules (engines/vllm/startup.py:
    its batch defaults, sampler warm-up, whether CUDA graphs are charged), as ``kvplan fit --engine-version``
    plans it. Left as given where the engine is not vLLM, no release is stated, ``opts`` already names one, or
    the run is vLLM V0 (simulate/vllm_v0.py ``v0_engine``, or ``scheduler_steps`` > 1): V0's start-up is not
    modelled, so kvplan's own vLLM plans it as before."""
    from ..engines import ServeOptions
    from ..plan.simulate.limits import vllm_version
    from ..plan.simulate.vllm_v0 import v0_engine

    v = vllm_version(version)
    if engine != "vllm" or v is None or getattr(opts, "vllm_version", None) or scheduler_steps != 1 \
            or v0_engine(version):
        return opts
    return replace(opts if opts is not None else ServeOptions(), vllm_version=v[0])


def replay(levels, spec, gpu, *, tp: int = 1, replicas: int = 1, engine: str = "vllm", opts=None,
           prefix_caching: bool = True, max_requests: int = 1000, seed: int = 0, step=None,
           scheduler_steps: int = 1, engine_version: str | None = None,
           async_scheduling: bool | None = None) -> list[Row]:
    """Each level simulated at its own load. ``scheduler_steps`` > 1: the server ran vLLM V0's
    ``--num-scheduler-steps`` (kvplan/plan/simulate/vllm_v0.py); ``engine_version``: the engine's
    version the run used, for its rules (simulate/limits.py ``for_engine_version``; a vLLM before
    0.8.0 is replayed by V0's scheduler, vllm_v0.py ``v0_engine``); when not given, each level's
    own (``Level.engine_version``, where its file states one). ``async_scheduling``: vLLM's async
    scheduling where the run's date tells it apart from an unstated version (False: the run predates
    vLLM 0.14.0, its first default; simulate/limits.py ASYNC_SCHEDULING); None: by the version. ``step``: the step model for every
    level; None: each level's version's (latency/versions.py ``step_profile``: vLLM 0.2.5-0.5.x
    one step at a time runs ``vllm_v0``'s per-step constants, 0.6.0-0.7.x ``vllm_v06``'s)."""
    from ..plan import simulate as sim
    from ..plan.simulate.limits import for_engine_version
    from ..plan.simulate.vllm_v0 import v0_limits
    from ..plan.latency.step import OpLatency
    from ..plan.latency.versions import step_profile

    for lv in levels:
        if lv.rate is None and not lv.concurrency:
            raise KvplanError(f"{lv.source}: the result does not state its request rate or concurrency, "
                              "so it cannot be replayed (a printed summary without 'Traffic request rate')")
    lims, steps = {}, {}
    rows = []
    for lv in levels:
        ep = lv.endpoint or "completions"
        ver = engine_version or lv.engine_version
        prof = step_profile(engine, ver, scheduler_steps)
        if prof not in steps:
            steps[prof] = step or OpLatency(spec, gpu, tp, engine=prof)
        if (ep, ver) not in lims:
            lims[ep, ver] = v0_limits(sim.engine_limits(spec, gpu, tp, engine, startup_opts(opts, engine, ver,
                                                                                             scheduler_steps),
                                                        prefix_caching, ep),
                                      scheduler_steps, opts, ver if engine == "vllm" else None)
            if ver:
                lims[ep, ver] = for_engine_version(lims[ep, ver], ver)
            if async_scheduling is not None and engine == "vllm":
                why = "the run's async scheduling, stated apart from its version (its date)"
                lims[ep, ver] = replace(lims[ep, ver], async_scheduling=async_scheduling,
                                        sources={**lims[ep, ver].sources, "async_scheduling": why})
        lim = lims[ep, ver]
        if lv.tool == "sglang" and lim.engine == "sglang":  # bench_serving sends ignore_eos (its default)
            lim = replace(lim, ignore_eos=True)
        n = min(lv.requests, max_requests)
        if lv.concurrency and lv.rate is not None and not math.isinf(lv.rate):  # --request-rate R --max-concurrency C
            kw = dict(rate=lv.rate, arrivals_kind=lv.arrivals, max_concurrency=lv.concurrency)
        elif lv.concurrency:
            kw = dict(concurrency=lv.concurrency)
        else:
            kw = dict(rate=lv.rate, arrivals_kind=lv.arrivals)
        if lv.prefix_ids or lv.warmup:
            kw |= dict(prefix_ids=list(lv.prefix_ids[:lv.warmup + n]) or None, shared_prefix=lv.shared_prefix,
                       warmup=lv.warmup)
        r = sim.simulate(spec, gpu, tp=tp, replicas=replicas, engine=engine, prompt_tokens=lv.prompt_tokens,
                         output_tokens=lv.output_tokens, requests=n, seed=seed, limits=lim, roofline=steps[prof],
                         router="least-loaded", lengths=_lengths(lv, lv.warmup + n, seed), opts=opts, **kw)
        rows.append(Row(lv, {"ttft_ms": r.ttft_ms.as_dict(), "itl_ms": r.itl_ms.as_dict(),
                             "tpot_ms": r.tpot_ms.as_dict(), "e2e_ms": r.e2e_ms.as_dict(),
                             "output_tokens": round(r.output_tokens_per_s * r.duration_s), "requests": r.requests,
                             "arrival_span_s": getattr(r, "arrival_span_s", None),
                             "output_tokens_per_s": r.output_tokens_per_s, "saturated": r.saturated}))
    return rows


def _lengths(lv: Level, n: int, seed: int):
    """The lengths a level is replayed with: the file's own per-request lengths (the first ``n``),
    else for a ShareGPT run stated only by its means a measured ShareGPT sample scaled to them
    (``kvplan.observe.sharegpt``), else None (``prompt_tokens`` / ``output_tokens``)."""
    if lv.lengths:
        return list(lv.lengths[:n])
    if (lv.dataset or "").lower() == "sharegpt" and "mean_prompt_tokens" in lv.measured:
        from .sharegpt import pairs

        return pairs(n, lv.measured["mean_prompt_tokens"], lv.measured["mean_output_tokens"], seed)
    return None


SATURATED_SHARE = 0.9


def saturated(rate: float | None, mean_output_tokens: float, output_tokens_per_s: float | None,
              requests: int | None = None, span_s: float | None = None, drain_s: float = 0.0) -> bool | None:
    """One rule for a measured run and its simulation alike: an open-loop run of ``requests``
    requests is saturated when its output throughput fell below 90 % of what a server that keeps up
    would give over the run's own length: its output tokens (``requests`` × ``mean_output_tokens``)
    over its arrivals' span plus the last request's own decode (``drain_s``: each side's per-token
    latency × the mean output; 0 where unknown). ``span_s``: when the first and the last request
    were sent (a simulation knows its own draw); not given, (requests − 1) / rate, the mean of a
    client's draw (vLLM's benchmark_serving.py sends its first request at once and waits one
    interval after each, so N requests span N − 1 intervals of mean 1 / rate). Throughput is tokens
    over the run's wall time (first request sent to last token), so a run that keeps up still
    falls short of rate × mean output by the span's draw and the drain: at 100 requests a draw one
    standard deviation long (√(N − 1) / rate) is 10 % of the span. Without ``requests``, the
    steady-state load rate × mean output. All at once (rate inf) always is saturated; a closed loop
    never is. None when the throughput is unknown."""
    if rate is None:
        return False
    if math.isinf(rate):
        return True
    if output_tokens_per_s is None:
        return None
    if not requests or requests < 2:
        return output_tokens_per_s < SATURATED_SHARE * rate * mean_output_tokens
    span = (requests - 1) / rate if span_s is None else span_s
    return output_tokens_per_s * (span + drain_s) < SATURATED_SHARE * requests * mean_output_tokens


def pairs(row: Row):
    """(metric, statistic, measured, predicted) for every figure both sides have."""
    out = []
    for metric in ("ttft_ms", "itl_ms"):
        for stat in ("p50", "mean", "p90", "p99"):
            m = row.level.measured.get(metric, {}).get(stat)
            p = row.predicted[metric].get(stat)
            if m is not None and p is not None:
                out.append((metric, stat, m, p))
    m = row.level.measured.get("output_tokens_per_s")
    if m:
        out.append(("output_tokens_per_s", "", m, row.predicted["output_tokens_per_s"]))
    return out


# ---- calibration ------------------------------------------------------------------------------
def objective(rows) -> float:
    err = []
    for row in rows:
        got = {(m, s): (a, b) for m, s, a, b in pairs(row)}
        for key in (("ttft_ms", "p50"), ("ttft_ms", "mean")):
            if key in got:
                err.append(got[key])
                break
        for key in (("itl_ms", "mean"), ("itl_ms", "p50")):
            if key in got:
                err.append(got[key])
                break
        if ("output_tokens_per_s", "") in got:
            err.append(got[("output_tokens_per_s", "")])
    terms = [math.log(p / m) ** 2 for m, p in err if m > 0 and p and p > 0]
    if not terms:
        raise KvplanError("the run has no TTFT, ITL or throughput figure to fit to")
    return sum(terms) / len(terms)


def calibrate(levels, spec, gpu, *, tp=1, replicas=1, engine="vllm", opts=None, max_requests=300, seed=0,
              engine_version=None):
    """One factor on every step's time fitted to a run (kvplan/plan/latency/calibrate.py says what
    and why): (scale, error before, error after, rows after), by golden-section search on
    log(scale) in [1/8, 8] of the mean squared log error of TTFT (median, else mean), ITL (mean,
    else median) and output tokens/s over the run's levels; scale 1 unless a scale tried lowers
    that error."""
    from ..plan.latency.step import OpLatency
    from ..plan.latency.versions import levels_profile

    prof = levels_profile(engine, {engine_version or lv.engine_version for lv in levels})

    def run(scale):
        st = OpLatency(spec, gpu, tp, engine=prof)
        st.profile_scale = scale
        rows = replay(levels, spec, gpu, tp=tp, replicas=replicas, engine=engine, opts=opts,
                      max_requests=max_requests, seed=seed, step=st, engine_version=engine_version)
        return objective(rows), rows

    cache = {}

    def f(x):
        if x not in cache:
            cache[x] = run(math.exp(x))
        return cache[x][0]

    from ..plan.latency.calibrate import SCALE_RANGE

    a, b = math.log(SCALE_RANGE[0]), math.log(SCALE_RANGE[1])
    g = (math.sqrt(5) - 1) / 2
    c, d = b - g * (b - a), a + g * (b - a)
    for _ in range(14):
        if f(c) < f(d):
            b, d = d, c
            c = b - g * (b - a)
        else:
            a, c = c, d
            d = a + g * (b - a)
    x = (a + b) / 2
    before = f(0.0)
    # scale 1 first: where no scale tried beats it (a flat objective), it is kept, not the end
    # the search drifted to (a flat objective ends at 8, a step 8× slower for no gain)
    best = min([0.0, x, c, d], key=f)
    return math.exp(best), before, cache[best][0], cache[best][1]
