"""kvplan simulate: a serving engine under load, step by step (continuous batching, replicas)."""
from __future__ import annotations

import sys
from typing import Optional

import typer

from ..errors import KvplanError
from .root import app
from .common import (BATCHED_FLAGS, BATCHED_HELP, COMPILE_CACHE_HELP, EAGER_HELP, ENGINE_VERSION_HELP, MODEL_HELP,
                     NO_GRAPHS_HELP, RADIX_HELP, SEQS_FLAGS, SEQS_HELP, _compile_cache,
                     _block_size, _complete_gpu, _complete_model, _count, _eager, _engine_version, _fraction, _json,
                     _kv_cache_memory, _load, _max_model_len, _number, _prefix_caching, _run, _size, _whole)


@app.command()
def simulate(
    model: str = typer.Argument(..., metavar="MODEL", autocompletion=_complete_model, help=MODEL_HELP),
    gpu: str = typer.Option(..., "--gpu", help="GPU name (see `kvplan gpus`)", autocompletion=_complete_gpu),
    tp: str = typer.Option("1", "--tp", "--tensor-parallel-size", "-tp", "--tp-size", help="tensor-parallel GPUs per replica"),
    replicas: str = typer.Option("1", "--replicas", help="copies of the engine behind a router"),
    router: str = typer.Option("round-robin", "--router", help="round-robin, least-loaded or prefix"),
    engine: str = typer.Option("vllm", "--engine", help="vllm (V1 scheduler) or sglang (simplified)"),
    rate: Optional[str] = typer.Option(None, "--rate", help="requests per second, or inf (all at once)"),
    concurrency: Optional[str] = typer.Option(None, "--concurrency", help="closed loop: clients, each "
                                              "sending its next request when the last ends"),
    trace: Optional[str] = typer.Option(None, "--trace", help="CSV arrival_s,prompt_tokens,output_tokens"
                                        "[,prefix_id]"),
    arrivals: Optional[str] = typer.Option(None, "--arrivals", help="with --rate: poisson (default) or constant"),
    prompt_tokens: Optional[str] = typer.Option(None, "--prompt-tokens", help="N, uniform:A-B, "
                                                "normal:MEAN,STD[,MIN,MAX], lognormal:MEDIAN,SIGMA"),
    output_tokens: Optional[str] = typer.Option(None, "--output-tokens", help="as --prompt-tokens"),
    shared_prefix: str = typer.Option("0", "--shared-prefix", help="prompt tokens shared (per prefix_id "
                                      "of a trace)"),
    requests: Optional[str] = typer.Option(None, "--requests", help="requests to simulate (default 1000; a "
                                           "--trace's own)"),
    seed: str = typer.Option("0", "--seed", help="seed for lengths and arrivals"),
    max_model_len: Optional[str] = typer.Option(None, "--max-model-len", "--context-length",
                                                help="default: the model's (SGLang: --context-length)"),
    gpu_memory_utilization: Optional[str] = typer.Option(None, "--gpu-memory-utilization", "--mem-fraction-static",
                                                         help="the engine's share of the GPU (as kvplan fit)"),
    kv_cache_memory: Optional[str] = typer.Option(None, "--kv-cache-memory", "--kv-cache-memory-bytes",
                                                  help="fix the KV budget per GPU (as kvplan fit)"),
    block_size: Optional[str] = typer.Option(None, "--block-size", "--page-size",
                                             help="tokens per KV block (as kvplan fit)"),
    kv_dtype: Optional[str] = typer.Option(None, "--kv-dtype", help="KV element format, kvplan's names (as kvplan fit)"),
    weight_dtype: Optional[str] = typer.Option(None, "--weight-dtype", help="weight format (default: as stored; "
                                               "as kvplan fit and perf)"),
    kv_cache_dtype: Optional[str] = typer.Option(None, "--kv-cache-dtype",
                                                 help="the engine's names (vLLM: auto, fp8, fp8_e4m3, fp8_e5m2; "
                                                      "SGLang: auto, fp8_e4m3, fp8_e5m2, bf16)"),
    enforce_eager: bool = typer.Option(False, "--enforce-eager", help=EAGER_HELP),
    disable_cuda_graph: bool = typer.Option(False, "--disable-cuda-graph", help=NO_GRAPHS_HELP),
    compile_cache: Optional[str] = typer.Option(None, "--compile-cache", metavar="warm|cold",
                                                help=COMPILE_CACHE_HELP + " (as kvplan fit)"),
    engine_version: Optional[str] = typer.Option(None, "--engine-version", metavar="VERSION",
                                                 help=ENGINE_VERSION_HELP),
    max_num_seqs: Optional[str] = typer.Option(None, *SEQS_FLAGS, help=SEQS_HELP),
    max_num_batched_tokens: Optional[str] = typer.Option(None, *BATCHED_FLAGS, help=BATCHED_HELP),
    prefix_caching: bool = typer.Option(True, "--enable-prefix-caching/--no-enable-prefix-caching",
                                        help="reuse cached prefix blocks (vLLM's default: on)"),
    disable_radix_cache: bool = typer.Option(False, "--disable-radix-cache", help=RADIX_HELP),
    speculative_config: Optional[str] = typer.Option(None, "--speculative-config",
                                                     help='vLLM: JSON, e.g. {"method":"eagle3",'
                                                          '"num_speculative_tokens":3}'),
    acceptance: Optional[str] = typer.Option(None, "--acceptance",
                                             help="per-token acceptance rate of the drafts (0 to 1)"),
    kv_offloading_size: Optional[str] = typer.Option(None, "--kv-offloading-size",
                                                     help="vLLM: CPU KV tier over all ranks (GiB, or 64GiB): "
                                                          "prefix hits load from it"),
    kv_offloading_backend: Optional[str] = typer.Option(None, "--kv-offloading-backend", help="vLLM: native|lmcache"),
    kv_transfer_config: Optional[str] = typer.Option(None, "--kv-transfer-config",
                                                     help="vLLM: JSON (as kvplan fit reads it)"),
    lmcache_config: Optional[str] = typer.Option(None, "--lmcache-config",
                                                 help="LMCache's own settings, JSON or a file (as kvplan fit)"),
    profile: Optional[str] = typer.Option(None, "--profile", metavar="FILE",
                                          help="a calibrated latency profile (check-bench --calibrate)"),
    dp_size: str = typer.Option("1", "--dp-size", "--dp", "--data-parallel-size", "-dp", metavar="N",
                                help="SGLang: DP attention ranks (with --enable-dp-attention); vLLM: DP ranks (a MoE "
                                "model: with --enable-expert-parallel, in lockstep; a dense model: independent "
                                "engines behind vLLM's balancer); each its own scheduler and KV cache"),
    enable_expert_parallel: bool = typer.Option(False, "--enable-expert-parallel",
                                                help="vLLM: experts over --tp × --data-parallel-size GPUs, the "
                                                     "ranks stepped in lockstep"),
    enable_dp_attention: bool = typer.Option(False, "--enable-dp-attention",
                                             help="SGLang: attention data-parallel, --tp / --dp-size GPUs a rank"),
    ep_size: Optional[str] = typer.Option(None, "--ep-size", metavar="N", help="SGLang: routed experts over this many ranks "
                                          "(1 or --tp with DP attention)"),
    as_json: bool = typer.Option(False, "--json", help="print one JSON object"),
):
    """Serving under load: TTFT, inter-token latency and throughput, simulated step by step.

    \b
    Example:
      kvplan simulate llama-3.1-8b --gpu h100 --rate 8 --prompt-tokens 2048 \\
        --output-tokens 250"""
    import math

    from .. import api
    from ..render.simulate import render as render_sim

    def go():
        given = [n for n, v in (("--rate", rate), ("--concurrency", concurrency), ("--trace", trace)) if v is not None]
        if len(given) != 1:
            raise KvplanError("give exactly one of --rate R, --rate inf, --concurrency C or --trace FILE"
                              + (f" (got {' and '.join(given)})" if given else ""))
        if trace is None and (prompt_tokens is None or output_tokens is None):
            raise KvplanError("--prompt-tokens and --output-tokens are needed (unless --trace gives them)")
        if trace is not None and (prompt_tokens is not None or output_tokens is not None):
            raise KvplanError("--trace gives each request's lengths; leave out --prompt-tokens and --output-tokens")
        eng, rt = engine.strip().lower(), router.strip().lower()  # checked by the library
        kind = (arrivals or "poisson").strip().lower()
        if kind not in ("poisson", "constant"):
            raise KvplanError(f"--arrivals must be poisson or constant, got '{arrivals}'")
        if arrivals is not None and rate is None:  # it was ignored: a closed loop and a trace set their own
            raise KvplanError(f"--arrivals shapes --rate's arrivals; {given[0]} sets its own, leave --arrivals out")
        if requests is not None and trace is not None:
            raise KvplanError("--trace replays each of its requests; leave out --requests")
        r = None
        if rate is not None:
            try:  # inf: all at once; the refusal names it, as --help and the library's own do
                r = math.inf if rate.strip().lower() in ("inf", "infinity") else _number("--rate", rate, 0, None)
            except KvplanError:
                raise KvplanError(f"--rate must be a number > 0 or inf, got '{rate}'") from None
        sd = str(seed).strip()
        sp = str(shared_prefix).strip()
        opts = api.serve_options(
            max_model_len=_max_model_len(max_model_len),
            gpu_memory_utilization=_fraction("--gpu-memory-utilization", gpu_memory_utilization),
            kv_cache_memory=_kv_cache_memory(kv_cache_memory),
            block_size=_block_size(eng, block_size, engine_version),
            max_num_seqs=None if max_num_seqs is None else _count("--max-num-seqs", max_num_seqs),
            enforce_eager=_eager(eng, enforce_eager, disable_cuda_graph),
            max_num_batched_tokens=None if max_num_batched_tokens is None else
            _count("--max-num-batched-tokens", max_num_batched_tokens),
            data_parallel_size=_count("--dp-size", dp_size), dp_attention=enable_dp_attention,
            enable_expert_parallel=enable_expert_parallel,
            ep_size=None if ep_size is None else _count("--ep-size", ep_size),
            compile_cache=_compile_cache(eng, compile_cache), **_engine_version(eng, engine_version))
        from ..engines.vllm import flags as vllm_flags  # issue 23: the drafter, the CPU tier

        opts = vllm_flags.extras(opts, eng, kv_offloading_size, kv_offloading_backend, kv_transfer_config,
                                 speculative_config, False, 1, 16, None, _size, lmcache_config)
        kw = dict(tp=_count("--tp", tp), replicas=_count("--replicas", replicas), engine=eng,
                  rate=r, concurrency=None if concurrency is None else _count("--concurrency", concurrency),
                  trace=trace, arrivals_kind=kind, prompt_tokens=prompt_tokens or "1",
                  output_tokens=output_tokens or "1",
                  shared_prefix=_whole("--shared-prefix", sp),
                  requests=1000 if requests is None else _count("--requests", requests),
                  seed=_whole("--seed", sd), opts=opts,
                  prefix_caching=_prefix_caching(eng, prefix_caching, disable_radix_cache), router=rt, profile=profile,
                  acceptance=_number("--acceptance", acceptance, 0, 1, open_low=False),
                  kv_dtype=kv_dtype, kv_cache_dtype=kv_cache_dtype, weight_dtype=weight_dtype)
        spec = _load(model)
        res = api.simulate(spec, gpu, **kw)
        if as_json:
            return _json(res.as_dict())
        sys.stdout.write(render_sim(res))

    _run(go)
