"""kvplan fit: what fits on one GPU or several."""
from __future__ import annotations

from typing import Optional

import typer

from ..errors import KvplanError
from .root import app
from .common import (BATCHED_FLAGS, BATCHED_HELP, COMPILE_CACHE_HELP, EAGER_HELP, ENGINE_VERSION_HELP, FORMAT_HELP,
                     MODEL_HELP, NO_GRAPHS_HELP, SEQS_FLAGS, SEQS_HELP, PARALLEL_HELP, UNIFIED_HELP, WIDE_HELP, _compile_cache, _complete_gpu, _complete_model, _count,
                     _block_size, _default_engine, _eager, _engine_version, _format, _fraction, _json, _kv_cache_memory,
                     _llamacpp_opts, _load, _max_model_len, _note_llamacpp_flags, _note_scheduler_flags, _run, _say,
                     _show, _size, _whole)


@app.command()
def fit(
    model: str = typer.Argument(..., metavar="MODEL", autocompletion=_complete_model,
                                help=MODEL_HELP),
    gpu: str = typer.Option(..., "--gpu", help="GPU name (see `kvplan gpus`)", autocompletion=_complete_gpu),
    ctx: Optional[str] = typer.Option(None, "--ctx", help="tokens per sequence: answer the largest batch"),
    batch: Optional[str] = typer.Option(None, "--batch", "-b", help="sequences: answer the longest context each"),
    tp: str = typer.Option("1", "--tp", "--tensor-parallel-size", "-tp", "--tp-size", help="tensor-parallel GPUs"),
    pp: str = typer.Option("1", "--pp", "--pipeline-parallel-size", "-pp", "--pp-size", help="pipeline stages"),
    engine: Optional[str] = typer.Option(None, "--engine", help="vllm (default; llamacpp for a .gguf), sglang, "
                                                                "trtllm, llamacpp, ideal, hf or hf-static"),
    kv_dtype: Optional[str] = typer.Option(None, "--kv-dtype", help="KV element format, kvplan's names"),
    kv_cache_dtype: Optional[str] = typer.Option(None, "--kv-cache-dtype",
                                                 help="the engine's names (vLLM: auto, fp8, fp8_e4m3, "
                                                      "fp8_e5m2; SGLang: auto, fp8_e4m3, fp8_e5m2, bf16)"),
    weight_dtype: Optional[str] = typer.Option(None, "--weight-dtype", help="weight format (default: the model's dtype)"),
    gpu_memory_utilization: Optional[str] = typer.Option(None, "--gpu-memory-utilization", "--mem-fraction-static",
                                                         help="the engine's share of the GPU (vLLM: 0.9; SGLang's "
                                                              "--mem-fraction-static)"),
    kv_cache_memory: Optional[str] = typer.Option(None, "--kv-cache-memory", "--kv-cache-memory-bytes",
                                                  help="fix the KV budget per GPU (60GiB, 8GB, bytes; "
                                                       "vLLM's 20G = 20 GiB, 20g = 20 GB)"),
    max_model_len: Optional[str] = typer.Option(None, "--max-model-len", "--context-length",
                                                help="default: the model's max context (SGLang: --context-length)"),
    block_size: Optional[str] = typer.Option(None, "--block-size", "--page-size",
                                             help="tokens per KV block (vLLM picks by backend; SGLang's --page-size, 1)"),
    max_num_batched_tokens: Optional[str] = typer.Option(None, *BATCHED_FLAGS, help=BATCHED_HELP),
    max_num_seqs: Optional[str] = typer.Option(None, *SEQS_FLAGS, help=SEQS_HELP),
    enforce_eager: bool = typer.Option(False, "--enforce-eager", help=EAGER_HELP),
    disable_cuda_graph: bool = typer.Option(False, "--disable-cuda-graph", help=NO_GRAPHS_HELP),
    engine_version: Optional[str] = typer.Option(None, "--engine-version", metavar="VERSION",
                                                 help=ENGINE_VERSION_HELP),
    compile_cache: Optional[str] = typer.Option(None, "--compile-cache", metavar="warm|cold",
                                                help=COMPILE_CACHE_HELP),
    activation_memory: Optional[str] = typer.Option(None, "--activation-memory", help="override the activation-peak estimate"),
    cuda_graph_memory: Optional[str] = typer.Option(None, "--cuda-graph-memory", help="override the CUDA-graph estimate"),
    non_torch_memory: Optional[str] = typer.Option(None, "--non-torch-memory", help="override the non-torch estimate"),
    text_only: bool = typer.Option(False, "--text-only", help="leave vision/audio towers out of the weights"),
    cache_type_k: Optional[str] = typer.Option(None, "--cache-type-k", "-ctk", help="llama.cpp: K cache type (f16, q8_0, ...)"),
    cache_type_v: Optional[str] = typer.Option(None, "--cache-type-v", "-ctv", help="llama.cpp: V cache type"),
    ubatch_size: Optional[str] = typer.Option(None, "--ubatch-size", "-ub", help="llama.cpp: micro-batch (512)"),
    swa_full: bool = typer.Option(False, "--swa-full", help="llama.cpp: full-size cache for sliding layers"),
    flash_attn: str = typer.Option("on", "--flash-attn", "-fa", help="llama.cpp: on (default) or off"),
    parallel: Optional[str] = typer.Option(None, "--parallel", "-np", help=PARALLEL_HELP),
    kv_unified: bool = typer.Option(False, "--kv-unified", "-kvu", help=UNIFIED_HELP),
    lengths: Optional[str] = typer.Option(None, "--lengths",
                                          help="your traffic: uniform:A-B, normal:MEAN,STD, lognormal:MEDIAN,SIGMA, "
                                               "or a file of lengths (or CSV prompt_tokens,output_tokens)"),
    requests: Optional[str] = typer.Option(None, "--requests", help="requests sampled from a --lengths "
                                           "distribution (default 1000)"),
    seed: Optional[str] = typer.Option(None, "--seed", help="seed for sampling --lengths (default 0)"),
    shared_prefix: str = typer.Option("0", "--shared-prefix", help="prompt tokens common to every request"),
    kv_offloading_size: Optional[str] = typer.Option(None, "--kv-offloading-size",
                                                     help="vLLM: CPU KV tier over all ranks (GiB, or 64GiB)"),
    kv_offloading_backend: Optional[str] = typer.Option(None, "--kv-offloading-backend", help="vLLM: native|lmcache"),
    kv_transfer_config: Optional[str] = typer.Option(None, "--kv-transfer-config",
                                                     help="vLLM: JSON; only kv_connector_extra_config's "
                                                          "block_size / blocks_per_chunk are read"),
    speculative_config: Optional[str] = typer.Option(None, "--speculative-config",
                                                     help='vLLM: JSON, e.g. {"method":"eagle3","num_speculative_tokens":3}'),
    enable_lora: bool = typer.Option(False, "--enable-lora", help="vLLM: reserve LoRA slots; SGLang: its "
                                     "LoRA pool (not priced: noted)"),
    max_loras: Optional[str] = typer.Option(None, "--max-loras", help="vLLM: LoRA slots on the GPU (default 1)"),
    max_lora_rank: Optional[str] = typer.Option(None, "--max-lora-rank", help="largest LoRA rank (vLLM's default "
                                                "16; SGLang's: from the adapters)"),
    max_cpu_loras: Optional[str] = typer.Option(None, "--max-cpu-loras", help="vLLM: adapters cached on the host"),
    max_loras_per_batch: Optional[str] = typer.Option(None, "--max-loras-per-batch",
                                                      help="SGLang: adapters in a batch (default 8)"),
    max_loaded_loras: Optional[str] = typer.Option(None, "--max-loaded-loras",
                                                   help="SGLang: adapters kept in host memory"),
    lmcache_config: Optional[str] = typer.Option(None, "--lmcache-config",
                                                 help="LMCache's own settings, JSON or a .yaml/.json file: chunk_size, "
                                                      "max_local_cpu_size, local_disk, max_local_disk_size, "
                                                      "save_unfull_chunk, l1_size_gb"),
    enable_hicache: bool = typer.Option(False, "--enable-hierarchical-cache", "--enable-hicache",
                                        help="SGLang: a host KV pool behind the radix cache"),
    hicache_ratio: Optional[str] = typer.Option(None, "--hicache-ratio", help="SGLang: host pool / GPU pool (2.0)"),
    hicache_size: Optional[str] = typer.Option(None, "--hicache-size", help="SGLang: host pool per rank, whole GB"),
    hicache_storage_backend: Optional[str] = typer.Option(None, "--hicache-storage-backend",
                                                          help="SGLang: L3 backend (file, mooncake, ...)"),
    n_gpu_layers: Optional[str] = typer.Option(None, "--n-gpu-layers", "-ngl", "--gpu-layers",
                                               help="llama.cpp: layers on the GPU (output layer counts one)"),
    no_kv_offload: bool = typer.Option(False, "--no-kv-offload", "-nkvo", help="llama.cpp: KV cache in host memory"),
    host_memory: Optional[str] = typer.Option(None, "--host-memory",
                                              help="host memory for a host-resident cache (llama.cpp -ngl/-nkvo)"),
    trace: Optional[str] = typer.Option(None, "--trace", help="simulate's trace CSV (with prefix_id and "
                                                               "--shared-prefix): prefix hits per KV tier"),
    data_parallel_size: str = typer.Option("1", "--data-parallel-size", "-dp", "--dp-size",
                                           help="attention replicas (vLLM --data-parallel-size, SGLang --dp-size)"),
    enable_expert_parallel: bool = typer.Option(False, "--enable-expert-parallel",
                                                help="vLLM: routed experts whole, over tp × dp ranks"),
    ep_size: Optional[str] = typer.Option(None, "--ep-size", help="SGLang: routed experts over this many ranks"),
    enable_dp_attention: bool = typer.Option(False, "--enable-dp-attention",
                                             help="SGLang: attention data-parallel, --tp / --dp-size ranks each"),
    all2all_backend: Optional[str] = typer.Option(None, "--all2all-backend",
                                                  help="vLLM: expert-parallel all-to-all (default allgather_reducescatter)"),
    as_json: bool = typer.Option(False, "--json", help="print one JSON object"),
    explain: bool = typer.Option(False, "--explain", help="show the arithmetic"),
    fmt: Optional[str] = typer.Option(None, "--format", help=FORMAT_HELP),
    wide: bool = typer.Option(False, "--wide", help=WIDE_HELP),
):
    """What fits on one GPU or several: batch at --ctx, context at --batch, KV capacity.

    \b
    Example:
      kvplan fit llama-3.1-70b --gpu h100 --tensor-parallel-size 2 --ctx 8k"""
    from .. import api
    from ..render import tables as render

    def opt_count(name, v):
        return None if v is None else _count(name, v)

    def go():
        f = _format(fmt, as_json)
        opts = _llamacpp_opts(
            cache_type_k, cache_type_v, ubatch_size, swa_full, flash_attn, parallel, kv_unified,
            max_model_len=_max_model_len(max_model_len),
            gpu_memory_utilization=_fraction("--gpu-memory-utilization", gpu_memory_utilization),
            kv_cache_memory=_kv_cache_memory(kv_cache_memory),
            block_size=_block_size(engine or _default_engine(model, "vllm"), block_size, engine_version),
            max_num_batched_tokens=opt_count("--max-num-batched-tokens", max_num_batched_tokens),
            max_num_seqs=opt_count("--max-num-seqs", max_num_seqs),
            enforce_eager=_eager(engine or _default_engine(model, "vllm"), enforce_eager, disable_cuda_graph),
            activation_bytes=_size("--activation-memory", activation_memory),
            cuda_graph_bytes=_size("--cuda-graph-memory", cuda_graph_memory),
            non_torch_bytes=_size("--non-torch-memory", non_torch_memory))
        from ..model.frozen import replace as _replace  # issue 20: expert and data parallelism

        opts = _replace(opts, **_engine_version(engine or _default_engine(model, "vllm"), engine_version),
                        data_parallel_size=_count("--data-parallel-size", data_parallel_size),
                        enable_expert_parallel=enable_expert_parallel,
                        ep_size=opt_count("--ep-size", ep_size), dp_attention=enable_dp_attention,
                        all2all_backend=all2all_backend,
                        compile_cache=_compile_cache(engine or _default_engine(model, "vllm"), compile_cache))
        from ..engines.vllm import flags as vllm_flags  # issue 23: CPU tier, drafter, LoRA
        from ..engines import tier_flags  # issue 23: SGLang's HiCache, llama.cpp's -ngl / -nkvo; LoRA per engine

        lora_counts = {k: opt_count(n, v) for k, n, v in (
            ("max_loras", "--max-loras", max_loras), ("max_lora_rank", "--max-lora-rank", max_lora_rank),
            ("max_cpu_loras", "--max-cpu-loras", max_cpu_loras),
            ("max_loras_per_batch", "--max-loras-per-batch", max_loras_per_batch),
            ("max_loaded_loras", "--max-loaded-loras", max_loaded_loras))}
        opts, vllm_lora = tier_flags.lora_flags(opts, engine or _default_engine(model, "vllm"), enable_lora,
                                               lora_counts)
        opts = vllm_flags.extras(opts, engine or _default_engine(model, "vllm"), kv_offloading_size,
                                 kv_offloading_backend, kv_transfer_config, speculative_config,
                                 *vllm_lora, _size, lmcache_config)
        opts = tier_flags.extras(opts, engine or _default_engine(model, "vllm"), enable_hicache, hicache_ratio,
                                 hicache_size, hicache_storage_backend, n_gpu_layers, no_kv_offload, host_memory,
                                 _size)
        spec = _load(model)
        g = api.load_gpu(gpu)
        traffic = None
        sp = str(shared_prefix).strip()
        if lengths is not None:
            traffic = api.traffic(lengths, None if requests is None else _count("--requests", requests),
                                  None if seed is None else _whole("--seed", seed), _whole("--shared-prefix", sp))
        elif requests is not None or seed is not None:  # nothing to sample: not dropped without a word
            given = " and ".join(n for n, v in (("--requests", requests), ("--seed", seed)) if v is not None)
            raise KvplanError(f"{given} sample{'' if ' and ' in given else 's'} a --lengths distribution; give "
                              f"--lengths or leave {'them' if ' and ' in given else 'it'} out")
        _note_llamacpp_flags(engine or _default_engine(model, "vllm"), cache_type_k, cache_type_v, ubatch_size,
                             swa_full, flash_attn, parallel, kv_unified)
        _note_scheduler_flags(engine or _default_engine(model, "vllm"), **{
            "--block-size": block_size, "--max-num-batched-tokens": max_num_batched_tokens,
            "--max-num-seqs": max_num_seqs})
        r = api.fit(spec, g, opt_count("--ctx", ctx), opt_count("--batch", batch), _count("--tp", tp),
                    _count("--pp", pp), engine or _default_engine(model, "vllm"), kv_dtype, weight_dtype, text_only,
                    kv_cache_dtype=kv_cache_dtype, options=opts, traffic=traffic, trace=trace,
                    trace_prefix=_whole("--shared-prefix", sp))
        if f == "json":
            _json(render.fit_json(r, explain))
        else:
            _show(render.fit_table(r, spec, explain), f, wide)
        from ..plan.verdict import EXIT  # 0 fits, 1 does not fit, 3 at risk (docs/commands/fit.md)

        if r.verdict == "at_risk":
            _say("at risk", r.judgement.why)
        if EXIT[r.verdict]:
            raise typer.Exit(EXIT[r.verdict])

    _run(go)

