"""The Python API: the CLI's questions as functions, returning the objects the CLI renders.
The CLI calls these and nothing below them (tests/test_architecture.py checks it), so a
notebook can do all the CLI does.

    import kvplan
    spec = kvplan.load_model("Qwen/Qwen3-8B")          # any MODEL the CLI takes
    r = kvplan.size("llama-3.1-8b", ctx=8192, batch=4)  # plan.size.SizeReport
    f = kvplan.fit("llama-3.1-8b", gpu="h100", ctx=8192, max_model_len=32768)  # plan.fit.FitReport
    every = kvplan.size("mistral-7b", ctx=32768, engine="all")  # one SizeReport per layout

A model may be given as a name (catalog name or alias, repo id from the local Hugging Face cache,
YAML spec, config.json or its folder, .gguf) or as a ModelSpec already loaded. Errors are
``kvplan.errors.KvplanError`` with the CLI's one-line message. ``kvplan.render.tables`` turns the reports
into the CLI's tables (``render.size_table(r, spec)``) and JSON (``render.size_json(r)``).
"""
from __future__ import annotations

import math

from .errors import KvplanError, opt
from .model.frozen import fields


def load_model(model, notes: list | None = None):
    """The ModelSpec for any model reference the CLI accepts; ``notes`` collects what the CLI
    prints as notes (a variant read as its base model, where a config came from)."""
    from .sources import catalog
    from .model.spec import ModelSpec

    if isinstance(model, ModelSpec):
        return model
    if not isinstance(model, str):
        raise KvplanError(f"a model is a name, a path or a ModelSpec, got {type(model).__name__}")
    if not model.strip():  # '' read as the current folder's config.json: "no such file: config.json"
        raise KvplanError("the model is empty; give a catalog name (see kvplan models), a Hugging Face repo id, "
                          "a config.json or a .gguf file")
    return catalog.load_model(model, notes)


def load_gpu(gpu):
    """The GpuSpec for a name from ``kvplan gpus`` (or an alias), or a GpuSpec as it is."""
    from .model.hardware import GpuSpec
    from .sources import catalog

    return gpu if isinstance(gpu, GpuSpec) else catalog.load_gpu(str(gpu))


def model_names() -> list[str]:
    """The catalog's model names (shell completion)."""
    from .sources import catalog

    return catalog.model_names()


def models() -> list:
    """Every model in the catalog (``kvplan models``)."""
    from .sources import catalog

    return catalog.all_models()


def gpus() -> list:
    """Every GPU kvplan knows (``kvplan gpus``)."""
    from .sources import catalog

    return catalog.gpus()


def engine_names() -> list[str]:
    """The engine layouts kvplan models, by the names ``engine=`` takes."""
    from .engines import MODULES

    return list(MODULES)


def import_config(path, name: str | None = None, source: str | None = None):
    """``kvplan import``: a Hugging Face config.json (or its folder) as a ModelSpec."""
    from pathlib import Path

    from .sources import hfconfig

    if str(path).strip().lower().endswith(".gguf"):  # it was read as JSON: "not UTF-8 text ... a config.json"
        raise KvplanError(f"{path}: import converts a config.json; a .gguf file is read as it is by every "
                          f"command (kvplan show {path})")
    spec = hfconfig.load(Path(path), name)
    return spec.model_copy(update={"source": source}) if source else spec


def dump_spec(spec) -> str:
    """A ModelSpec as the YAML text of a catalog entry."""
    from .sources import yaml_spec

    return yaml_spec.dump(spec)


def _options(kwargs: dict, what: str):
    from .engines import ServeOptions

    if "options" in kwargs and isinstance(kwargs["options"], ServeOptions):
        return kwargs["options"]
    known = {f.name for f in fields(ServeOptions)}
    unknown = sorted(set(kwargs) - known)
    if unknown:
        raise KvplanError(f"{what}() got unknown option(s) {', '.join(unknown)}; serving options are: "
                          f"{', '.join(sorted(known))}")
    _check_options(kwargs)
    return ServeOptions(**kwargs)


_COUNTS = ("max_model_len", "block_size", "max_num_batched_tokens", "max_num_seqs", "ubatch_size", "parallel",
           "data_parallel_size", "ep_size")  # ServeOptions' counts: 1 or more, as the CLI parses them
_BYTES = ("kv_cache_memory", "activation_bytes", "cuda_graph_bytes", "non_torch_bytes", "kv_offloading_size",
          "host_memory")  # byte counts: 0 or more (an override of 0 is a measured nothing)


def _check_options(kw: dict) -> None:
    """The serving options' numbers as the CLI's parsers check them (kvplan.units), for a caller of the API:
    a bool is not a number (True is an int in Python) and a count or size is whole."""
    def whole(v) -> bool:
        return isinstance(v, int) and not isinstance(v, bool)

    for name in _COUNTS:
        v = kw.get(name)
        if v is not None and not (whole(v) and v >= 1):
            raise KvplanError(f"{opt(name)} must be a positive integer, got {v!r}")
    for name in _BYTES:
        v = kw.get(name)
        if v is not None and not (whole(v) and v >= 0):
            raise KvplanError(f"{opt(name)} must be a whole number of bytes, 0 or more, got {v!r}")
    g = kw.get("gpu_memory_utilization")
    if g is not None and (isinstance(g, bool) or not isinstance(g, (int, float)) or not 0 < g <= 1):
        raise KvplanError(f"{opt('gpu_memory_utilization')} must be in (0, 1], got {g!r}")


def serve_options(**options):
    """The serving flags by the engines' names (max_model_len, gpu_memory_utilization,
    cache_type_k, ...) as one ServeOptions, for the functions that take ``options=``."""
    return _options(options, "serve_options")


def _is_gguf(model) -> bool:
    return isinstance(model, str) and model.strip().lower().endswith(".gguf")


def size(model, ctx: int, batch: int = 1, kv_dtype: str | None = None, engine: str | None = None,
         weight_dtype: str | None = None, text_only: bool = False, **options):
    """``kvplan size``: the cache ``batch`` sequences of ``ctx`` tokens hold in ``engine``'s
    layout (default: ideal; llamacpp for a .gguf; ``"all"``: a list, one SizeReport per layout
    that models this model, as ``--engine all``). ``options``: llama.cpp's cache_type_k,
    cache_type_v, ubatch_size, swa_full, flash_attn (ServeOptions). Returns plan.size.SizeReport."""
    from .plan import size as memory

    spec = load_model(model)
    eng = engine or ("llamacpp" if _is_gguf(model) else "ideal")
    opts = _options(options, "size")
    if str(eng).strip().lower() == "all":
        return size_all(spec, ctx, batch, kv_dtype, weight_dtype, text_only, opts)[0]  # a list, one per layout
    return memory.kv_size(spec, ctx, batch, kv_dtype, eng, weight_dtype, text_only, opts)


def size_all(model, ctx: int, batch: int = 1, kv_dtype: str | None = None, weight_dtype: str | None = None,
             text_only: bool = False, options=None, **more) -> tuple[list, list[str]]:
    """``kvplan size --engine all``: (one SizeReport per layout that models this model, and for
    each layout left out, the KvplanError that says why)."""
    from .engines import MODULES
    from .engines import get as get_engine
    from .plan import size as memory

    spec = load_model(model)
    opts = options if options is not None else _options(more, "size")
    reports, left_out = [], []
    for e in MODULES:
        try:
            get_engine(e).check(spec)
        except KvplanError as err:
            left_out.append(err)
            continue
        reports.append(memory.kv_size(spec, ctx, batch, kv_dtype, e, weight_dtype, text_only, opts))
    return reports, left_out


def fit(model, gpu, ctx: int | None = None, batch: int | None = None, tp: int = 1, pp: int = 1,
        engine: str | None = None, kv_dtype: str | None = None, weight_dtype: str | None = None,
        text_only: bool = False, kv_cache_dtype: str | None = None, **options):
    """``kvplan fit``: what fits on ``gpu`` (a name from ``kvplan gpus`` or a GpuSpec) with
    ``tp`` × ``pp`` GPUs in ``engine`` (default vllm; llamacpp for a .gguf). The KV format is
    ``kv_dtype`` (kvplan's names) or ``kv_cache_dtype`` (the engine's own names: vLLM's and
    SGLang's ``--kv-cache-dtype``, TensorRT-LLM's ``kv_cache_config.dtype``), not both. ``options`` are
    the serving flags by vLLM's names (max_model_len, gpu_memory_utilization, kv_cache_memory in
    bytes, block_size, max_num_batched_tokens, max_num_seqs, enforce_eager, ...). Returns
    fit.FitReport (``.fits``, ``.max_batch``, ``.max_ctx``, ``.capacity``, ``.stages``)."""
    spec = load_model(model)
    g = load_gpu(gpu)
    eng = engine or ("llamacpp" if _is_gguf(model) else "vllm")
    kv_dtype = _cache_format(eng, kv_dtype, kv_cache_dtype)
    traffic = options.pop("traffic", None)
    trace, trace_prefix = options.pop("trace", None), options.pop("trace_prefix", 0)
    opts = _options(options, "fit")
    from .plan import fit_tiers  # fit, with the KV tiers' reload times and a trace's reuse

    r = fit_tiers.fit(spec, g, tp, pp, eng, kv_dtype, weight_dtype, ctx, batch, opts, text_only,
                      traffic=traffic, trace=trace, trace_prefix=trace_prefix)
    if batch is not None and ctx is None and traffic is None and trace is None:
        # the longest context for the batch, even where the default max_model_len cannot start
        from .plan.longest import longest_for_batch

        r = longest_for_batch(spec, g, tp, pp, eng, kv_dtype, weight_dtype, batch, opts, text_only, first=r)
    return r


def engine_version(engine: str, version: str | None) -> str | None:
    """``fit --engine-version``: the vLLM release to plan for ("0.15.1"; None: kvplan's own), checked:
    a version the vLLM plan reads (its profile run's model runner, engines/vllm/startup.py), or the
    TensorRT-LLM release ("1.0.0rc3": whether its pool is sized from the estimate's token count,
    engines/trtllm.py pool_from_max_tokens)."""
    import re

    from .plan.simulate.limits import vllm_version

    if version is None:
        return None
    if engine.strip().lower() == "trtllm":
        from .engines.trtllm import release

        if release(version) is None:
            raise KvplanError(f"--engine-version must be a TensorRT-LLM release such as 1.0.0rc3, got '{version}'")
        return version.strip()
    if engine.strip().lower() != "vllm":
        raise KvplanError(f"--engine-version is read by the vllm and trtllm plans only, not {engine}'s")
    v = vllm_version(version)
    if v is None:
        raise KvplanError(f"--engine-version must be a version such as 0.11.0, got '{version}'")
    if not re.match(r"\s*v?\d+\.\d+\.\d+", v[0]):  # "0.33": the plan reads releases (startup.yaml's ranges) by
        # major.minor.patch (engines/vllm/startup_data.py _release) and planned "0.33" as a release it had not read
        raise KvplanError(f"--engine-version {version} names no release; give its patch too, such as "
                          f"{v[1][0]}.{v[1][1]}.0")
    return v[0]


_release = engine_version  # its check, for a function whose parameter has its name (perf)


def block_size(engine: str, size: int | None, version: str | None = None) -> int | None:
    """``--block-size`` for ``engine`` at its release ``version`` (None: kvplan's), checked as the engine takes it
    (vLLM 0.33: a multiple of 16 tokens, engines/vllm check_block_size; SGLang's --page-size: any size > 0)."""
    if str(engine).strip().lower() == "vllm":
        from .engines.vllm.settings import check_block_size

        check_block_size(size, version)
    return size


def traffic(lengths: str, requests: int | None = None, seed: int | None = None, shared_prefix: int = 0):
    """Your traffic for ``fit(..., traffic=...)``: a --lengths distribution (``requests`` of them,
    default 1000, drawn with ``seed``, default 0) or a file (taken whole: no ``requests`` or ``seed``)."""
    from .plan.fit import Traffic

    return Traffic(lengths, requests, seed, shared_prefix)


def _cache_format(engine: str, kv_dtype: str | None, kv_cache_dtype: str | None) -> str | None:
    """The cache's format from ``kv_dtype`` (kvplan's names) or ``kv_cache_dtype`` (the engine's own, vLLM's and
    SGLang's --kv-cache-dtype: engines.kv_cache_format), not both: fit's, simulate's and perf's one reading."""
    if kv_cache_dtype is None:
        return kv_dtype
    if kv_dtype is not None:
        raise KvplanError("give --kv-dtype or --kv-cache-dtype, not both", option="kv-cache-dtype")
    from .engines import kv_cache_format

    return kv_cache_format(engine, kv_cache_dtype)


def perf(model, gpu, ctx: int, batch: int = 1, prompt: int | None = None, tp: int = 1,
         kv_dtype: str | None = None, weight_dtype: str | None = None, engine: str = "vllm",
         bw_efficiency: float | None = None, flops_efficiency: float | None = None,
         step_overhead_ms: float | None = None, new_tokens: int | None = None,
         batch_table: bool = False, speculative_config=None, acceptance: float | None = None, profile=None,
         data_parallel_size: int = 1, enable_expert_parallel: bool = False, engine_version: str | None = None,
         gpu_memory_utilization: float | None = None, kv_cache_dtype: str | None = None):
    """``kvplan perf``: prefill and one decode step (per operation by default; any efficiency
    override selects the roofline; ``profile``: a per-GPU profile from ``check-bench --calibrate``;
    ``data_parallel_size`` / ``enable_expert_parallel``: vLLM's flags, experts whole over tp × DP
    ranks, ``batch`` one DP rank's; ``engine_version``: the engine's release priced, checked as fit's
    (``engine_version``)); ``gpu_memory_utilization``: the engine's share of the GPU in the memory plan that bounds
    ``batch`` (as fit's); ``kv_cache_dtype``: the cache's format by the engine's name, as fit's. Returns
    plan.perf.PerfReport."""
    from .plan import perf as perfmod

    kv_dtype = _cache_format(engine, kv_dtype, kv_cache_dtype)
    return perfmod.perf(load_model(model), load_gpu(gpu), ctx, batch, prompt, tp, kv_dtype, weight_dtype,
                        bw_efficiency, flops_efficiency, step_overhead_ms, new_tokens, batch_table, engine,
                        speculative_config, acceptance, profile=profile, data_parallel_size=data_parallel_size,
                        enable_expert_parallel=enable_expert_parallel,
                        engine_version=_release(engine, engine_version),
                        gpu_memory_utilization=gpu_memory_utilization)


def compare(models, ctx: int, batch: int = 1, variants: list[str] | str | None = None, gpu=None,
            tp: int = 1, engine: str | None = None, kv_dtype: str | None = None,
            weight_dtype: str | None = None, **options) -> list[dict]:
    """``kvplan compare``: one row per model and what-if variant (``"mha,gqa:8"`` or a list).
    Bytes in ``engine``'s layout (default ideal); with a GPU the max batch is fit's own answer
    in ``engine`` (default vLLM, as ``fit``)."""
    from .plan import whatif

    specs = [load_model(m) for m in ([models] if isinstance(models, str) else models)]
    vs = whatif.parse(variants) if isinstance(variants, str) else variants
    g = None if gpu is None else load_gpu(gpu)
    return whatif.rows(specs, ctx, batch, kv_dtype, vs, g, engine, weight_dtype, tp, _options(options, "compare"))


def sweep(model, ctxs, batches=(1,), kv_dtypes=(None,), gpu=None, tp: int = 1, engine: str | None = None,
          weight_dtype: str | None = None, progress=None, **options) -> dict:
    """``kvplan sweep``: every (context, batch, KV format); ranges as the CLI writes them
    (``"1k:128k"``) or lists. With a GPU, ``fits`` is fit's own answer at each context."""
    from .plan import sweep as sw

    def values(name, v):
        return sw.parse_range(name, v) if isinstance(v, str) else list(v)

    kvs = [k.strip() for k in kv_dtypes.split(",")] if isinstance(kv_dtypes, str) else list(kv_dtypes)
    return sw.sweep(load_model(model), values("ctx", ctxs), values("batch", batches), kvs,
                    None if gpu is None else load_gpu(gpu), tp, engine, weight_dtype, progress=progress,
                    opts=_options(options, "sweep"))


def simulate(model, gpu, kv_cache_dtype: str | None = None, **kwargs):
    """``kvplan simulate``: a serving engine under load (see plan.simulate.simulate for the
    arguments). The cache's format is ``kv_dtype`` (kvplan's names) or ``kv_cache_dtype`` (the
    engine's own, vLLM's and SGLang's ``--kv-cache-dtype``), not both, as ``fit``. Returns
    plan.simulate.SimResult."""
    from .plan import simulate as sim

    if kv_cache_dtype is not None:  # else the keywords go on as given
        kwargs["kv_dtype"] = _cache_format(kwargs.get("engine", "vllm"), kwargs.get("kv_dtype"), kv_cache_dtype)
    return sim.simulate(load_model(model), load_gpu(gpu), **kwargs)


def check_log(text: str, gpu: str | None = None, model: str | None = None, tp: int | None = None,
              weight_dtype: str | None = None):
    """``kvplan check-log``: kvplan's figure beside each one a start-up log reports (``tp`` and
    ``weight_dtype`` where the log does not say)."""
    from .observe import logs

    return logs.check(logs.parse(text), gpu, model, tp, weight_dtype)


def check_server(url: str, gpu: str, model: str | None = None, timeout: float = 5.0, flags: dict | None = None):
    """``kvplan check-server``: kvplan's plan beside a running vLLM server's cache."""
    from .observe import server

    return server.check(url, gpu, model, timeout, flags)


def check_bench(files, gpu, model=None, tp: int = 1, replicas: int = 1, engine: str = "vllm",
                max_num_seqs: int | None = None, max_model_len: int | None = None, max_requests: int = 1000,
                prefix_caching: bool = True, calibrate: str | None = None, profile: str | None = None,
                engine_version: str | None = None, data_parallel_size: int = 1) -> dict:
    """``kvplan check-bench``: each load level of measured benchmark runs (GuideLLM, vllm bench
    serve, SGLang bench_serving, inference-perf) replayed through ``simulate``: {spec, gpu,
    levels, rows, notes}. ``calibrate``: fit the step time to the run and write a profile there.
    ``engine_version``: the engine's version the server ran ("0.11.0"; its rules, see
    simulate/limits.py ``for_engine_version``); default: the version a file states, else kvplan's
    own engine's rules (vLLM 0.33, SGLang 0.5.23). ``data_parallel_size``: vLLM's --data-parallel-size the
    server ran (a dense model's engines behind vLLM's balancer: plan/simulate ``_dense_dp``)."""
    from .engines.base import ServeOptions
    from .observe import bench
    from .plan.latency import calibrate as cal
    from .plan.latency.step import OpLatency
    from .plan.latency.versions import levels_profile
    from .plan.simulate.limits import OVERLAP_SCHEDULE, reserves_full_isl, vllm_version

    eng = engine.strip().lower()
    if eng not in ("vllm", "sglang"):
        raise KvplanError(f"{opt('engine')} must be vllm or sglang for check-bench, got '{engine}'")
    if calibrate and profile:
        raise KvplanError("--calibrate fits a new profile; leave out --profile")
    from .plan.traffic import check_requests

    check_requests(max_requests, "max_requests")
    if calibrate:
        from .plan.latency.calibrate import check_output

        check_output(calibrate, files)
    if engine_version is not None and vllm_version(engine_version) is None:
        raise KvplanError(f"{opt('engine_version')} must be a version such as 0.11.0, got '{engine_version}'")
    levels = [lv for f in files for lv in bench.read(f)]
    ref = model or next((lv.model for lv in levels if lv.model), None)
    if not ref:
        raise KvplanError("the file does not name its model; give --model")
    spec, g = load_model(ref), load_gpu(gpu)
    kw = dict(tp=tp, replicas=replicas, engine=eng,
              opts=ServeOptions(max_num_seqs=max_num_seqs, max_model_len=max_model_len,
                                data_parallel_size=data_parallel_size))
    notes = []
    for v in dict.fromkeys(engine_version or getattr(lv, "engine_version", None) for lv in levels):
        said = "--engine-version" if engine_version else "stated in the file"
        if eng == "vllm" and not reserves_full_isl(v):
            notes.append(f"vLLM {vllm_version(v)[0]} ({said}): before 0.19.0 a waiting request is "
                         "admitted when its first chunk fits")
        if eng == "sglang" and v and vllm_version(v) and vllm_version(v)[1] < OVERLAP_SCHEDULE["since"]:
            notes.append(f"SGLang {vllm_version(v)[0]} ({said}): before 0.4.0 the overlap scheduler is off "
                         "by default")
    step = None  # each level's version's step model (bench.replay), unless a profile scales one
    if profile:
        step = OpLatency(spec, g, tp, engine=levels_profile(
            eng, {engine_version or getattr(lv, "engine_version", None) for lv in levels}))
        cal.apply_profile(step, profile)
        notes.append(f"steps scaled {step.profile_label}")
    if calibrate:
        scale, before, after, rows = bench.calibrate(levels, spec, g, max_requests=min(max_requests, 300),
                                                     engine_version=engine_version, **kw)
        cal.write_profile(calibrate, scale, g, eng, spec.name, ", ".join(map(str, files)), len(levels), before, after)
        notes.append(f"calibrated: every step × {scale:.3f}; RMS log error {before ** 0.5:.3f} -> "
                     f"{after ** 0.5:.3f} over {len(levels)} levels (fitted on this run: not a held-out "
                     f"figure); profile written to {calibrate}")
    else:
        rows = bench.replay(levels, spec, g, prefix_caching=prefix_caching, max_requests=max_requests, step=step,
                            engine_version=engine_version, **kw)
    return {"spec": spec, "gpu": g, "engine": eng, "levels": levels, "rows": rows, "notes": notes}


def plan_deployment(model, rate: float, prompt_tokens: str, output_tokens: str, ttft_p90_ms: float,
                    itl_p90_ms: float, gpus="h100,h200", engine: str = "vllm", tps=None, seqs=None,
                    max_gpus: int = 8, disaggregated: bool = True, link: str = "auto", prices=None,
                    requests: int = 300, seed: int = 0, max_model_len: int | None = None, profile=None,
                    workers: int | None = None, ray: str | None = None, progress=None,
                    gpu_memory_utilization: float | None = None, engine_version: str | None = None):
    """``kvplan plan``: the cheapest deployments that meet a TTFT and ITL p90 target (see
    plan.deploy for the search); ``gpus`` a comma-separated list or a list of names;
    ``progress(total)`` is called once with the number of configurations and returns the
    callback told as each is done (None: no progress). ``gpu_memory_utilization``: the engine's share
    of each GPU (vLLM's flag; SGLang's --mem-fraction-static), as ``fit`` plans with it. ``engine_version``: the vLLM
    release planned (``engine_version`` checks it), its start-up, scheduler rules and step costs as ``simulate``'s."""
    from . import engines
    from .plan import costs, deploy
    from .plan import simulate as sim
    from .sources import catalog

    for name, v in (("rate", rate), ("ttft_p90_ms", ttft_p90_ms), ("itl_p90_ms", itl_p90_ms)):
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v) or v <= 0:
            raise KvplanError(f"{opt(name)} must be a finite number > 0, got {v!r}")
    sim.check_requests(requests)  # once, before a workload of them is drawn for every candidate
    if gpu_memory_utilization is not None and not (0 < gpu_memory_utilization <= 1):  # once, not per candidate
        raise KvplanError(f"{opt('gpu_memory_utilization')} must be in (0, 1], got {gpu_memory_utilization}")
    eng = engine.strip().lower()
    if eng not in ("vllm", "sglang"):
        raise KvplanError(f"{opt('engine')} must be vllm or sglang for plan, got '{engine}'")
    release = _release(eng, engine_version)  # once, not per candidate: vLLM's release (SGLang's is refused)
    if profile is not None:  # once, not as every candidate given up (each applied it and was refused)
        from .plan.latency.calibrate import check_engine, load_profile

        check_engine(load_profile(profile), eng)
    lk = link.strip().lower()
    if lk not in costs.LINKS:
        raise KvplanError(f"{opt('link')} must be one of {', '.join(costs.LINKS)}, got '{link}'")
    spec = load_model(model)
    names = [load_gpu(x.strip()).name for x in (gpus.split(",") if isinstance(gpus, str) else gpus) if x.strip()]
    if not names:
        raise KvplanError("--gpus needs at least one GPU (see kvplan gpus)")
    price = costs.load_prices(prices)
    missing = [x for x in names if x not in price]
    if missing:
        raise KvplanError(f"no hourly price for {', '.join(missing)}; give one with --prices FILE")
    if profile is not None:
        from .plan.latency.calibrate import load_profile

        load_profile(profile)  # one clear line now rather than in every worker
    # the engine's own refusal, once, rather than every candidate's "does not fit"
    engines.get(eng).check_max_model_len(spec, max_model_len)
    # the lengths are checked here, once, with simulate's own messages and limit (max_model_len − 1):
    # the length the engine serves at (Engine.default_len: vLLM's LongRoPE default is not its limit)
    mml, why = sim.served_len(spec, eng, max_model_len)
    sim.lengths_within(prompt_tokens, 1, 0, "--prompt-tokens", mml, why)
    sim.lengths_within(output_tokens, 1, 0, "--output-tokens", mml, why)
    name = spec.name if isinstance(model, str) and catalog.canonical_name(model) else model
    w = deploy.Workload(name, rate, prompt_tokens, output_tokens, ttft_p90_ms, itl_p90_ms, eng, requests, seed,
                        max_gpus, max_model_len, profile, price, gpu_memory_utilization, release)
    experts = sorted({lt.mlp.num_experts for lt in spec.layer_types.values() if hasattr(lt.mlp, "num_experts")})
    tps_ = tuple(tps or deploy.DEFAULT_TPS)
    refused = []
    for t in tps_:  # a size no layer can split is the user's to change, not a candidate that "does not fit"
        try:
            spec.shard(t)
        except KvplanError as e:
            refused.append(e)
    if eng == "vllm" and len(refused) == len(tps_):  # (SGLang's DP attention splits heads over tp / dp)
        raise refused[0]
    tasks = deploy.tasks_for(names, tps_, tuple(seqs or deploy.DEFAULT_SEQS), disaggregated, lk,
                             deploy.ep_layouts(tps_, experts, eng), deploy.dp_attention_layouts(tps_, spec, eng))
    return deploy.search(w, tasks, workers, ray, progress(len(tasks)) if progress else None)
