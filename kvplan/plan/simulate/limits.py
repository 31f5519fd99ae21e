"""simulate's engines, routers and limits: the scheduler's settings and the KV capacity it is
given, asked of fit for the engine, GPU and TP (``engine_limits``)."""
from __future__ import annotations

from ...errors import KvplanError, opt
from ...model.frozen import field, record, replace

ENGINES = ("vllm", "sglang")


ROUTERS = ("round-robin", "least-loaded", "prefix")


SATURATION_SHARE = 0.10


# The engine's front end (per request, per endpoint): one home, kvplan/plan/latency/frontend.py (issue 21
# prices it in a served request's first token as well).
from ..latency.frontend import ENDPOINTS, FRONTEND  # noqa: E402  (re-exported: simulate's callers and tests)


# vLLM's admission gate (scheduler.py ``Replica._fits``): SchedulerConfig.scheduler_reserve_full_isl
# (--scheduler-reserve-full-isl), default True; the scheduler then admits a waiting request only if
# the blocks of its whole sequence (request.num_tokens, capped at max_model_len) fit, not just its
# first chunk's. Absent in vLLM 0.18.1's vllm/config/scheduler.py, present (True) in 0.19.0's
# (KVCacheManager.can_fit_full_sequence, called from Scheduler.schedule); in 0.33.0
# KVCacheManager.allocate_slots(full_sequence_must_fit=...) (pip download --no-deps vllm==0.18.1,
# 0.19.0, 0.33.0; upstream PR vllm-project/vllm#37307).
RESERVE_FULL_ISL = {"since": (0, 19, 0), "default": True,
                    "source": "vLLM >= 0.19.0 SchedulerConfig.scheduler_reserve_full_isl (default True; "
                              "vllm/config/scheduler.py): KVCacheManager.allocate_slots(full_sequence_must_fit) "
                              "in 0.33.0, can_fit_full_sequence in 0.19.0"}


# SGLang's overlap scheduler (sglang.py): opt-in and "experimental" (--enable-overlap-schedule)
# until sgl-project/sglang PR #2067 "Enable overlap by default" (merged 2024-11-18; its author: TTFT
# rises "because we delayed the processing of the first batch"), on by default in 0.4.0 (2024-12)
# and after (--disable-overlap-schedule). A run of an older release replays without it; 0.3.6, the
# release nearest the change, is taken as before it (not checked against its code).
OVERLAP_SCHEDULE = {"since": (0, 4, 0),
                    "source": "sgl-project/sglang PR #2067 (merged 2024-11-18): --enable-overlap-schedule on "
                              "by default from then; before, opt-in (docs of 2024-11-15, PR #2047)"}


# vLLM V1's async scheduling (AsyncScheduler, EngineCore.step_with_batch_queue with a batch queue of 2:
# VllmConfig.max_concurrent_batches): the engine core schedules step k+1 while step k runs and takes new
# requests in only after step k's output, so a request that reaches the engine core while a step runs with
# requests running joins the step after the next one (one step later than without it); an idle engine
# schedules it at once; a request whose max_tokens the scheduled steps reach is not scheduled again
# (Scheduler.schedule: "Avoid scheduling an extra step"), so no trailing step. Off by default through
# 0.13.0 (SchedulerConfig.async_scheduling: bool = False in the 0.12.0 and 0.13.0 wheels); on by default
# (None -> True unless an option is incompatible, VllmConfig.__post_init__) from 0.14.0 (its wheel's
# SchedulerConfig; vllm-project/vllm PR #27614 on issue #27679's async-scheduling plan; 0.33.0's: the same;
# 0.14.0 released 2026-01-17, as deepjavalibrary/djl issue #3833 dates it: a run published before then ran
# without it, whatever its unstated version: runs.yaml's ``async_scheduling``).
ASYNC_SCHEDULING = {"since": (0, 14, 0),
                    "source": "vLLM >= 0.14.0: async scheduling on by default (SchedulerConfig.async_scheduling "
                              "None -> True in VllmConfig.__post_init__ unless pipeline parallel, a non-EAGLE/MTP "
                              "drafter or an executor other than mp / uni: the 0.14.0 and 0.33.0 wheels; bool = "
                              "False in 0.12.0 / 0.13.0); EngineCore.step_with_batch_queue schedules step k+1 while "
                              "step k runs"}


def vllm_version(version: str | None) -> tuple[str, tuple[int, int, int]] | None:
    """(the version as stated, (major, minor, patch)) of an engine's version text ("0.11.0", "v0.10.1.1
    (V1)", "0.19.0rc1"), None when it does not lead with one."""
    import re

    m = re.match(r"\s*v?(\d+)\.(\d+)(?:\.(\d+))?[\w.+-]*", version or "")  # the rest of its token: "0.10.1.1"
    return None if m is None else (m.group(0).strip(), tuple(int(x or 0) for x in m.groups()))


def reserves_full_isl(version: str | None) -> bool:
    """Whether vLLM ``version`` admits a waiting request only when its whole sequence fits
    (RESERVE_FULL_ISL: from 0.19.0); a version not stated is kvplan's own vLLM (0.33: it does)."""
    v = vllm_version(version)
    return v is None or v[1] >= RESERVE_FULL_ISL["since"]


def for_engine_version(lim: "Limits", version: str | None) -> "Limits":
    """``lim`` with the rules of the engine ``version`` a run states ("0.11.0", "v0.10.1.1 (V1)").
    vLLM older than 0.19.0: admission checks the first chunk's blocks only; older than 0.14.0: no
    async scheduling (ASYNC_SCHEDULING); SGLang older than
    0.4.0: no overlap scheduler (OVERLAP_SCHEDULE). A version not stated (or not leading the text)
    is kvplan's own engine (vLLM 0.33, SGLang 0.5.23)."""
    if lim.engine == "sglang":
        v = vllm_version(version)
        if v is None or v[1] >= OVERLAP_SCHEDULE["since"]:
            return lim
        src = {**lim.sources, "overlap": f"SGLang {v[0]}: before 0.4.0 the overlap scheduler is off "
                                         f"by default ({OVERLAP_SCHEDULE['source']})",
               "ignore_eos_peak": f"SGLang {v[0]}: its ignore_eos admission not read; every running "
                                  "request's remaining output is kept free"}
        return replace(lim, overlap=False, ignore_eos_peak=False, sources=src)
    if lim.engine != "vllm":
        return lim
    v = vllm_version(version)
    if v is not None and v[1] < ASYNC_SCHEDULING["since"] and lim.async_scheduling:
        lim = replace(lim, async_scheduling=False,
                      sources={**lim.sources, "async_scheduling": f"vLLM {v[0]}: before 0.14.0 async scheduling is "
                                                                  f"off by default ({ASYNC_SCHEDULING['source']})"})
    if reserves_full_isl(version):
        return lim
    src = {**lim.sources, "reserve_full_isl": f"vLLM {v[0]}: before 0.19.0, admission "
                                               "checks the first chunk's blocks only"}
    return replace(lim, reserve_full_isl=False, sources=src)


for_vllm_version = for_engine_version  # its first name (vLLM's rule only)


# ---- what the engine gives the scheduler -----------------------------------------------------
@record
class Limits:
    """One replica's scheduler limits and KV capacity, each with where it came from."""

    engine: str
    block_size: int  # tokens per KV block (SGLang: page size, 1)
    num_blocks: int  # blocks the scheduler may hand out (vLLM: num_gpu_blocks − the null block)
    max_num_seqs: int
    max_num_batched_tokens: int
    max_model_len: int
    prefix_caching: bool = True
    sources: dict = field(default_factory=dict)
    note: str = ""  # fit's "at risk" answer (plan/verdict.py), said beside the results
    frontend: tuple = (0.0,)  # FRONTEND's (per_request_s,) for the engine and endpoint
    # the CPU tier behind the prefix cache (simulate/host.py; fit's --kv-offloading-size / LMCache)
    host_blocks: int = 0  # blocks of block_size tokens it holds
    host_chunk_blocks: int = 1  # its unit of a hit, in blocks
    host_block_seconds: float = 0.0  # loading one block to the GPU (plan/reload.py)
    output_reserve: float = 0.0  # SGLang: the share of running requests' remaining output kept free
    scheduler_steps: int = 1  # vLLM V0's --num-scheduler-steps (vllm_v0.py)
    v0: bool = False  # vLLM's V0 scheduler (vllm_v0.py: a run before 0.8.0, or multi-step); False: V1
    groups: tuple = ()  # KV cache groups beyond the scheduler's own (groups.Group; hybrid.py)
    main_group: bool = True  # vLLM: a full-attention / MLA group exists; False: sliding-window groups only
    swa_tokens: int = 0  # SGLang: the sliding-window token pool beside the full one (hybrid.py)
    reserve_full_isl: bool = True  # vLLM ≥ 0.19: a waiting request's whole sequence must fit (RESERVE_FULL_ISL)
    # vLLM V1: async scheduling (ASYNC_SCHEDULING; scheduler.py Replica), on in engine_limits (kvplan's vLLM 0.33)
    async_scheduling: bool = False
    overlap: bool = True  # SGLang: the overlap scheduler (sglang.py), off before 0.4.0 (OVERLAP_SCHEDULE)
    ignore_eos: bool = False  # SGLang: the requests ask ignore_eos (sglang.bench_serving's default; sglang.py)
    ignore_eos_peak: bool = True  # SGLang ≥ 0.4: add_one_req_ignore_eos's peak check (sglang.py); before: not read
    # fit's "KV cache size" in tokens (Capacity.kv_cache_tokens): vLLM's int(concurrency × max_model_len),
    # which counts a request's blocks in every KV cache group, so half of kv_tokens for two groups alike
    fit_tokens: int = 0

    @property
    def kv_tokens(self) -> int:
        return self.num_blocks * self.block_size


def fit_command(spec, gpu, tp: int, engine: str, opts, kv_dtype: str | None = None,
                weight_dtype: str | None = None) -> str:
    """The ``kvplan fit`` command whose plan ``engine_limits`` takes: every option of ``opts`` that
    moves fit's pool (the batch limits size vLLM's profile run; a drafter takes memory), so that
    running it prints the capacity simulate names; no CUDA graphs as the engine spells it."""
    import json

    cmd = f"kvplan fit {spec.name} --gpu {gpu.name} --tp {tp} --engine {engine}"
    if opts.dp_attention and opts.data_parallel_size > 1:
        cmd += f" --dp-size {opts.data_parallel_size} --enable-dp-attention"
    elif opts.enable_expert_parallel and opts.data_parallel_size > 1:
        cmd += f" --data-parallel-size {opts.data_parallel_size} --enable-expert-parallel"
    cmd += "".join(f" {flag} {v}" for flag, v in (
        ("--ep-size", opts.ep_size), ("--max-model-len", opts.max_model_len),
        ("--gpu-memory-utilization", opts.gpu_memory_utilization), ("--kv-cache-memory", opts.kv_cache_memory),
        ("--block-size", opts.block_size), ("--max-num-seqs", opts.max_num_seqs),
        ("--max-num-batched-tokens", opts.max_num_batched_tokens), ("--kv-dtype", kv_dtype),
        ("--weight-dtype", weight_dtype), ("--engine-version", opts.vllm_version if engine == "vllm" else None),
        ("--compile-cache", getattr(opts, "compile_cache", None) if engine == "vllm" else None))
        if v is not None)
    sc = getattr(opts, "speculative_config", None)
    if sc is not None:
        d = {"method": sc.method, "num_speculative_tokens": sc.num_speculative_tokens, "model": sc.model}
        text = json.dumps({k: v for k, v in d.items() if v is not None}, separators=(", ", ":"))  # breakable, no ": "
        cmd += f" --speculative-config '{text}'"
    if opts.enforce_eager:
        cmd += " --disable-cuda-graph" if engine == "sglang" else " --enforce-eager"
    return cmd


def engine_limits(spec, gpu, tp: int = 1, engine: str = "vllm", opts=None,
                  prefix_caching: bool = True, endpoint: str = "completions",
                  kv_dtype: str | None = None, weight_dtype: str | None = None) -> Limits:
    """The KV capacity and batch limits ``fit`` plans for ``engine`` on ``gpu`` × ``tp``, and the
    front end's time per request on ``endpoint`` (``FRONTEND``); ``kv_dtype`` / ``weight_dtype``
    as ``fit``'s (None: the spec's own)."""
    if endpoint not in ENDPOINTS:
        raise KvplanError(f"the endpoint must be one of {', '.join(ENDPOINTS)}, got '{endpoint}'")
    from ...engines import ServeOptions
    from .. import fit as fitmod

    if engine not in ENGINES:
        raise KvplanError(f"{opt('engine')} must be one of {', '.join(ENGINES)} for simulate, got '{engine}'")
    opts = opts or ServeOptions()
    r = fitmod.fit(spec, gpu, tp=tp, engine=engine, kv_dtype=kv_dtype, weight_dtype=weight_dtype, opts=opts)
    cap = r.capacity
    if not cap.fits:
        raise KvplanError(r.message or cap.message or f"{spec.name} does not fit on {gpu.name}")
    risk = f"fit says at risk: {r.judgement.why}" if r.verdict == "at_risk" else ""
    where = fit_command(spec, gpu, tp, engine, opts, kv_dtype, weight_dtype)
    args = (spec, gpu, tp, opts, prefix_caching, endpoint, cap, where, risk)
    return _vllm_limits(*args) if engine == "vllm" else _sglang_limits(*args)


def _vllm_limits(spec, gpu, tp, opts, prefix_caching, endpoint, cap, where, risk) -> Limits:
    """vLLM's limits from ``fit``'s plan (``cap.detail``): its KV block pool and batch limits."""
    d = cap.detail
    from .groups import vllm_groups

    block, others, main = vllm_groups(d)
    if block is None:
        kinds = ", ".join(sorted({g["kind"] for g in d.get("groups", [])})) or "none"
        raise KvplanError(f"simulate needs a KV cache group of full-attention (or MLA) layers, or "
                          f"sliding-window groups only; vLLM keeps {spec.name}'s cache in groups of: {kinds}")
    src = {"num_blocks": f"{where}: num_gpu_blocks {d['num_gpu_blocks']:,} less the null block",
           "block_size": f"{where}: {d.get('block_size_source', 'vLLM')}",
           "max_num_seqs": "--max-num-seqs" if opts.max_num_seqs else
           "vLLM EngineArgs.get_batch_defaults (kvplan.engines.vllm)",
           "max_num_batched_tokens": "--max-num-batched-tokens" if opts.max_num_batched_tokens else
           "vLLM EngineArgs.get_batch_defaults (kvplan.engines.vllm)",
           "max_model_len": "--max-model-len" if opts.max_model_len else _default_len(spec, "vllm")}
    src["frontend"], src["reserve_full_isl"] = FRONTEND["vllm"]["source"][endpoint], RESERVE_FULL_ISL["source"]
    src["async_scheduling"] = ASYNC_SCHEDULING["source"]
    if others:
        src["groups"] = (f"{where}: the other KV cache groups ({', '.join(g.kind for g in others)}), one block pool"
                         if main else f"{where}: sliding-window KV cache groups only ({len(others)}), one block pool "
                         "(hybrid.py VllmSlidingReplica: no prefix-cache hits modelled)")
    lim = Limits("vllm", block, d["num_gpu_blocks"] - 1, d["max_num_seqs"],
                 d["max_num_batched_tokens"], cap.max_model_len, prefix_caching, src, risk,
                 _frontend("vllm", endpoint), *_host(d.get("cpu_offload"), block, gpu, tp),
                 groups=others, fit_tokens=cap.kv_cache_tokens, main_group=main, async_scheduling=True)
    return lim  # max_num_batched_tokens >= max_num_seqs: checked by the engine (engines/vllm configure)


def _default_len(spec, engine: str) -> str:
    """Where max_model_len comes from when none is given: the model's max context, or the engine's
    shorter default (``Engine.served_len``: vLLM's LongRoPE default)."""
    from ... import engines

    return engines.get(engine).served_len(spec, None)[1] or "the model's max context"


def _sglang_limits(spec, gpu, tp, opts, prefix_caching, endpoint, cap, where, risk) -> Limits:
    """SGLang's limits from ``fit``'s plan (``cap.detail``): its token pool, running requests and
    chunk size."""
    d = cap.detail
    tokens = d["max_total_num_tokens"]
    page = d.get("page_size", 1)
    swa, mamba = d.get("swa_tokens"), d.get("max_mamba_cache_size")
    src = {"num_blocks": f"{where}: max_total_num_tokens {tokens:,}",
           "block_size": "SGLang page size (kvplan.engines.sglang)",
           "max_num_seqs": "--max-num-seqs" if opts.max_num_seqs else
           "SGLang's max_running_requests from the token pool (kv_cache_configurator.py "
           "resolve_max_num_reqs; kvplan.engines.sglang)",
           "max_num_batched_tokens": "--max-num-batched-tokens" if opts.max_num_batched_tokens else
           "SGLang's chunked_prefill_size by card memory (memory_hook.py handle_gpu_memory_settings; "
           "kvplan.engines.sglang)",
           "max_model_len": "--max-model-len" if opts.max_model_len else _default_len(spec, "sglang")}
    src["frontend"] = FRONTEND["sglang"]["source"][endpoint]
    from ...engines import sglang as sg

    src["output_reserve"] = ("SGLang's new_token_ratio after its decay (kvplan.engines.sglang "
                             "NEW_TOKEN_RATIO_FLOOR), for every running request, ignore_eos or not "
                             "(PrefillAdder._get_running_request_total_token_offset)")
    ratio = sg.NEW_TOKEN_RATIO_FLOOR
    if sg.attn_dp_size(opts) > 1:  # one DP attention rank's scheduler (simulate/dp.py)
        ratio *= sg.DP_ATTENTION_CONSERVATIVENESS
        src["output_reserve"] += "; × 0.3 with DP attention (DP_ATTENTION_CONSERVATIVENESS)"
        for k in ("num_blocks", "max_num_seqs", "max_num_batched_tokens"):
            src[k] += f"; one of {sg.attn_dp_size(opts)} DP attention ranks"
    seqs = sg.max_running_requests(tokens, cap.max_model_len, opts)
    if mamba is not None and mamba < seqs:  # HybridReqToTokenPool: one Mamba slot per running request
        seqs = mamba
        src["max_num_seqs"] = f"{where}: max_mamba_cache_size {mamba:,} (one Mamba state slot a request)"
    groups = ()
    if swa is not None:
        from .groups import Group

        groups = (Group("sliding", page, _window(spec)),)
        src["swa_tokens"] = f"{where}: swa_tokens {swa:,} (SWATokenToKVPoolAllocator's sliding-window pool)"
    return Limits("sglang", page, tokens // page, seqs, sg.chunked_prefill_size(gpu, opts), cap.max_model_len,
                  prefix_caching, src, risk, _frontend("sglang", endpoint), output_reserve=ratio,
                  groups=groups, swa_tokens=swa or 0, fit_tokens=cap.kv_cache_tokens)


def _window(spec) -> int:
    """The sliding window (or Llama 4's attention chunk) of the model's local layers."""
    from ...model.kinds import ChunkedAttention, SlidingWindow

    for lt in spec.counts():
        m = spec.layer_types[lt].mixer
        if isinstance(m, SlidingWindow):
            return m.window
        if isinstance(m, ChunkedAttention):
            return m.chunk
    raise KvplanError(f"{spec.name}: SGLang plans a sliding-window pool but no layer has a window")


def _frontend(engine: str, endpoint: str = "completions") -> tuple:
    return (FRONTEND[engine]["per_request_s"][endpoint],)




def _host(t: dict | None, block: int, gpu, tp: int) -> tuple[int, int, float]:
    """(blocks, blocks a hit unit, seconds to load a block) of fit's CPU tier; none: (0, 1, 0)."""
    if not t or not t.get("cpu_tokens"):
        return 0, 1, 0.0
    from ..reload import link_bytes_per_s, seconds

    chunk_tokens = t.get("chunk_size") or t["tokens_per_block"] * t["blocks_per_chunk"]
    per_token = t["host_bytes_per_rank"] // t["cpu_tokens"]
    return (t["cpu_tokens"] // block, max(1, chunk_tokens // block),
            seconds(per_token * block, tp, link_bytes_per_s(gpu.name)[0]))
