"""A logged launch's flags as kvplan's options: vLLM's and SGLang's flags (as their start-up logs
print them, or as tests/data/*_startup_logs.json state them) -> ServeOptions, tensor-parallel size
and KV dtype, and the plan `kvplan fit` makes for the same set-up; llama.cpp's context -> its
cache. Shared by check-log (observe/logs.py) and scripts/startup_log_*.py."""
from __future__ import annotations

import re

from ..engines.tier_flags import sglang_lora  # SGLang's LoRA flags (one home: kvplan fit's too)
from ..engines.vllm.lora import LORA_DEFAULTS
from ..errors import KvplanError


def _human_int(text) -> int | None:
    """A count as vLLM's CLI takes it: 32K = 32,768, 32k = 32,000 (human_readable_int)."""
    m = re.fullmatch(r"\s*'?(\d+(?:\.\d+)?)([kKmMgG]?)'?\s*", str(text))
    if not m:
        return None
    mult = {"": 1, "k": 10**3, "m": 10**6, "g": 10**9, "K": 2**10, "M": 2**20, "G": 2**30}[m.group(2)]
    return int(float(m.group(1)) * mult)


def _int(v) -> int | None:
    if v is None or v == "None":
        return None
    return _human_int(v)


def _float(v) -> float | None:
    try:
        return None if v is None or v == "None" else float(v)
    except (TypeError, ValueError):
        return None


def _on(v) -> bool:
    """A switch as a log or a data row states it: True, or "True" as the engines log Python's True."""
    return v is True or str(v) == "True"


def _lora(flags: dict):
    """``--enable-lora`` with its sizes (engines/vllm/lora.py prices the slots), or None."""
    if not _on(flags.get("enable_lora")):
        return None
    return (_int(flags.get("max_loras")) or LORA_DEFAULTS[0], _int(flags.get("max_lora_rank")) or LORA_DEFAULTS[1],
            _int(flags.get("max_cpu_loras")))


# the counts sglang_lora reads (vLLM's two only to refuse them)
_LORA_COUNTS = ("max_loras_per_batch", "max_lora_rank", "max_loaded_loras", "max_loras", "max_cpu_loras")


def vllm_options(flags: dict):
    """vLLM's flags (as logged, or as tests/data/vllm_startup_logs.json states them) -> kvplan's
    ServeOptions, tensor-parallel size and KV dtype. Shared by check-log and
    scripts/startup_log_errors.py."""
    from ..engines import ServeOptions
    from ..engines.vllm import KV_CACHE_DTYPES

    kvd = str(flags.get("kv_cache_dtype") or "auto").lower()
    if kvd != "auto" and kvd not in KV_CACHE_DTYPES:
        raise KvplanError(f"--kv-cache-dtype '{kvd}' in the log is not one kvplan models")
    # a row's "cuda_graphs_charged": false says its release subtracted no graph estimate; where the
    # release can be read, vLLM's code decides instead (engines/vllm/startup.py graphs_charged), and
    # the graphs are then checked after sizing (plan/verdict.py)
    from ..engines.vllm.startup import graphs_charged
    charged = flags.get("cuda_graphs_charged", True) or graphs_charged(
        str(flags["vllm_version"]) if flags.get("vllm_version") else None) is not None
    opts = ServeOptions(gpu_memory_utilization=_float(flags.get("gpu_memory_utilization")),
                        max_model_len=_int(flags.get("max_model_len")),
                        max_num_batched_tokens=_int(flags.get("max_num_batched_tokens")),
                        max_num_seqs=_int(flags.get("max_num_seqs")),
                        block_size=_int(flags.get("block_size")),
                        kv_cache_memory=_int(flags.get("kv_cache_memory_bytes")),
                        enforce_eager=_on(flags.get("enforce_eager")), cuda_graph_bytes=None if charged else 0,
                        # expert and data parallelism, as `kvplan fit` takes them (plan/parallel.py)
                        data_parallel_size=_int(flags.get("data_parallel_size")) or 1,
                        enable_expert_parallel=_on(flags.get("enable_expert_parallel")),
                        all2all_backend=flags.get("all2all_backend") or None,
                        vllm_version=str(flags["vllm_version"]) if flags.get("vllm_version") else None,
                        # "Using FlashInfer for top-p & top-k sampling." (or its absence stated) in the log
                        flashinfer_sampler=None if flags.get("flashinfer_sampler") is None
                        else _on(flags["flashinfer_sampler"]),
                        lora=_lora(flags),
                        # "Directly load the compiled graph(s) ... from the cache" (warm) or "Compiling a
                        # graph for ..." (cold) in the log (observe/logs.py)
                        compile_cache=flags.get("compile_cache") or None,
                        long_context_allowed=True)  # the engine started with the length it logged
    tp = _int(flags.get("tensor_parallel_size") or flags.get("tp")) or 1
    return opts, tp, None if kvd == "auto" else KV_CACHE_DTYPES[kvd]


def vllm_plan_args(spec, flags: dict):
    """(tp, KV dtype, ServeOptions) for vLLM's flags, max_model_len filled in as vLLM does when the
    flags do not say it (engines/vllm default_max_model_len: the model's own, vLLM's 2048 default where
    the config states no length; 4,096 with no model): what `kvplan fit` takes for the same set-up."""
    from ..model.frozen import replace
    opts, tp, kvd = vllm_options(flags)
    if opts.max_model_len is None:
        from ..engines.vllm import default_max_model_len

        opts = replace(opts, max_model_len=default_max_model_len(spec) or 4096)
    return tp, kvd, opts


def vllm_fit(spec, gpu, flags: dict, weight_dtype: str | None = None):
    """kvplan's vLLM plan for a model, a GPU and vLLM's flags (vllm_plan_args)."""
    from ..plan import fit
    tp, kvd, opts = vllm_plan_args(spec, flags)
    return fit.fit(spec, gpu, tp=tp, engine="vllm", kv_dtype=kvd, weight_dtype=weight_dtype, opts=opts)


def sglang_options(flags: dict):
    """SGLang's flags (server_args as logged; tests/data/sglang_startup_logs.json's) -> ServeOptions, tp, KV
    dtype: --dp-size, --ep-size (older --enable-ep-moe: ep = tp), DP attention as `kvplan fit` takes them;
    its LoRA flags as SGLang spells them (sglang_lora)."""
    from ..engines import ServeOptions, kv_cache_format
    kvd = str(flags.get("kv_cache_dtype") or "auto").lower()
    tp = _int(flags.get("tp_size")) or 1
    ep = _int(flags.get("ep_size")) or (tp if _on(flags.get("enable_ep_moe")) else None)
    adp = _int(flags.get("attn_dp_size")) or 1  # 0.5.23 logs --dp-size N --enable-dp-attention as this N
    opts = ServeOptions(gpu_memory_utilization=_float(flags.get("mem_fraction_static")),
                        max_model_len=_int(flags.get("context_length")), block_size=_int(flags.get("page_size")),
                        data_parallel_size=adp if adp > 1 else _int(flags.get("dp_size")) or 1,
                        ep_size=ep if ep and ep > 1 else None,
                        dp_attention=adp > 1 or _on(flags.get("enable_dp_attention")),
                        # SGLang's LoRA flags, not vLLM's slots: SGLang's pool, noted as not priced
                        sglang_lora=sglang_lora({**{k: _int(flags.get(k)) for k in _LORA_COUNTS},
                                                 "enable_lora": flags.get("enable_lora"),
                                                 "lora_paths": flags.get("lora_paths")}),
                        long_context_allowed=True)  # the engine started with the length it logged
    return opts, tp, kv_cache_format("sglang", kvd)


def _sglang_fit(spec, gpu, flags: dict, weight_dtype: str | None = None):
    from ..plan import fit
    opts, tp, kvd = sglang_options(flags)
    return fit.fit(spec, gpu, tp=tp, engine="sglang", kv_dtype=kvd, weight_dtype=weight_dtype, opts=opts)


def _llamacpp_size(spec, flags: dict):
    from ..plan import size as memory
    from ..engines import ServeOptions

    n_seq = _int(flags.get("n_seq_max")) or 1
    unified = str(flags.get("kv_unified", "false")) == "true"
    # the context as llama-server was given it (-c): n_ctx_seq cells in each of n_seq streams, or
    # one stream of n_ctx_seq = n_ctx cells when unified
    n_ctx_seq = _int(flags.get("n_ctx_seq"))
    n_ctx = n_ctx_seq * (1 if unified else n_seq) if n_ctx_seq else _int(flags.get("n_ctx"))
    if not n_ctx:
        raise KvplanError("the llama.cpp log states no n_ctx; kvplan needs the context to plan the cache")
    # "auto": llama.cpp turns flash attention on where the backend supports it; planned as on
    fa = str(flags.get("flash_attn", "enabled")).lower() not in ("disabled", "off", "false", "0")
    opts = ServeOptions(cache_type_k=flags.get("type_k"), cache_type_v=flags.get("type_v"),
                        ubatch_size=_int(flags.get("n_ubatch")), flash_attn=fa, parallel=n_seq,
                        kv_unified=unified)
    return memory.kv_size(spec, n_ctx, 1, None, "llamacpp", opts=opts)
