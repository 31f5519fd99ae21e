#!/usr/bin/env python3
"""Golden KV-cache capacity numbers from SGLang 0.5.23's own planning code, on a CPU box.

RERUN
-----
    cd /work/scratch/sglang_oracle
    python3 -m venv venv && . venv/bin/activate
    pip download --no-deps sglang==0.5.23 -d dl && pip install --no-deps dl/sglang-0.5.23-*.whl
    pip install torch==2.13.0            # CPU wheel (sglang pins 2.14.1; 2.13 CPU is used instead)
    pip install --no-deps triton==3.9.0  # sglang.srt.utils.common does `import triton` unconditionally
    pip install numpy msgspec psutil packaging requests tqdm pydantic orjson transformers==5.19.0 \
        pybase64 regex pillow starlette pyzmq IPython aiohttp dill sentencepiece einops openai \
        partial_json_parser uvicorn setproctitle fastapi
    python measure_sglang_kv.py            # writes sglang_golden.json (about 5-10 min on 2 CPUs)
    python measure_sglang_kv.py --only Llama-3.1-8B   # one config, printed, nothing written

WHAT IS SGLANG'S OWN CODE (unmodified, imported from the installed wheel)
-------------------------------------------------------------------------
  * ServerArgs parsing + the whole resolution pipeline
    (sglang.srt.server_args.prepare_server_args / ServerArgs.resolve_once ->
    arg_groups/pipeline.py; mem_fraction_static default = arg_groups/memory_hook.py:
    handle_gpu_memory_settings), then runtime_context.publish(role="scheduler").
  * ModelConfig.from_server_args (configs/model_config.py): MLA / hybrid-SWA / Mamba detection,
    KV heads per rank, head dims, dtype.
  * kv dtype: mem_cache/kv_cache_dtype.py:configure_kv_cache_dtype.
  * layer info: model_runner_components/layer_setup.py:resolve_layer_indices;
    sliding window: load_model_utils.py:resolve_sliding_window_size (with the real model class's
    get_attention_sliding_window_size bound to a weightless stand-in object).
  * KVCacheConfigurator (mem_cache/kv_cache_configurator.py) built with exactly the fields
    ModelRunner.init_kv_cache_configurator passes, then
      - for Mamba/linear hybrids: KVCacheConfigurator._handle_max_mamba_cache(rest_gb)
        (the Mamba-state share SGLang carves out of the same budget, as _profile_available_bytes does)
      - KVCacheConfigurator.config_from_budget(budget_bytes) -> pool_configurator.py:
        create_memory_pool_configurator -> {Default,HybridSWA,...}PoolConfigurator.calculate_pool_sizes
        + _apply_token_constraints (page-size rounding, user cap).
    This is the function _resolve_memory_pool_config calls with the profiled byte budget, so
    "pool memory = 8 GiB" means: _profile_available_bytes returned 8 GiB.
  * Architecture support: models/registry.py ModelRegistry (unknown archs fall back to
    TransformersForCausalLM there, which SGLang reports as such).

WHAT IS STUBBED (no GPU, no weights)
-----------------------------------
  * torch.cuda.is_available -> True, torch.version.cuda = "13.0", device_count -> 8,
    get_device_capability -> FAKE_GPU_CAP (default 9,0 = H100), get_device_name.
  * nvidia-smi: fakebin/nvidia-smi prints FAKE_GPU_MEM_MIB (SGLang's get_nvgpu_memory_capacity
    runs nvidia-smi; default 81559 MiB = H100 80GB HBM3).
  * Import-only stubs (stubs/stub_modules.py, attributes are inert dummies) for packages imported
    at module level but never called by the sizing code: torchvision, torchaudio, tvm_ffi,
    compressed_tensors, gguf, sgl_kernel, deep_gemm, cutlass, quack.
  * The loaded nn.Module is replaced by a plain object carrying `.config` (no weights); only its
    get_attention_sliding_window_size (real method, bound) is used.
  * Nothing of SGLang is patched; the GPU free-memory probe is not called (the budget is given).
"""
from __future__ import annotations

import argparse
import datetime
import json
import os
import subprocess
import sys
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
MODELS = os.path.join(HERE, "models")  # one dir per config: <name>/config.json (copied verbatim)
CONFIG_SRC = "/work/shared/hf_configs"
STUBS = ["torchvision", "torchaudio", "tvm_ffi", "compressed_tensors", "gguf", "sgl_kernel",
         "deep_gemm", "cutlass", "quack"]
TPS = [1, 2, 8]
KV_DTYPES = ["auto", "fp8_e4m3"]
POOL_BYTES = [8 << 30, 40 << 30]
GPUS = {  # name: (nvidia-smi memory.total MiB, compute capability, device name)
    "H100-80GB": (81559, (9, 0), "NVIDIA H100 80GB HBM3"),
    "A100-40GB": (40960, (8, 0), "NVIDIA A100-SXM4-40GB"),
    "L4-24GB": (23034, (8, 9), "NVIDIA L4"),
}
MFS_CASES = [("H100-80GB", 1), ("A100-40GB", 1), ("L4-24GB", 1), ("H100-80GB", 8)]


# ----------------------------------------------------------------------------- worker side
def _setup_fake_cuda():
    sys.path.insert(0, os.path.join(HERE, "stubs"))
    os.environ["PATH"] = os.path.join(HERE, "fakebin") + ":" + os.environ["PATH"]
    import stub_modules

    stub_modules.install(STUBS)
    import torch

    cap = tuple(int(x) for x in os.environ.get("FAKE_GPU_CAP", "9,0").split(","))
    name = os.environ.get("FAKE_GPU_NAME", "NVIDIA H100 80GB HBM3")
    torch.cuda.is_available = lambda: True
    torch.version.cuda = "13.0"
    torch.cuda.device_count = lambda: 8
    torch.cuda.get_device_capability = lambda *a, **k: cap
    torch.cuda.get_device_name = lambda *a, **k: name


class _Capture:
    """Collects SGLang log lines emitted while sizing (verbatim messages)."""

    def __init__(self):
        import logging

        self.lines = []
        outer = self

        class H(logging.Handler):
            def emit(self, record):
                try:
                    outer.lines.append(f"{record.levelname} {record.name}: {record.getMessage()}")
                except Exception:
                    pass

        self.handler = H(level=logging.INFO)

    def __enter__(self):
        import logging

        self.lines = []
        logging.getLogger().addHandler(self.handler)  # sglang.* loggers propagate to root
        return self

    def __exit__(self, *exc):
        import logging

        logging.getLogger().removeHandler(self.handler)


def _resolve(name, extra_argv):
    from sglang.srt.server_args import prepare_server_args

    argv = ["--model-path", os.path.join(MODELS, name), "--skip-tokenizer-init"] + extra_argv
    sa = prepare_server_args(argv)
    sa.resolve_once()
    return sa, argv


class _WeightlessModel:
    """Stand-in for the loaded nn.Module: carries .config only (no weights)."""

    def __init__(self, config):
        self.config = config


def _fake_model(model_cls, hf_config):
    import types

    m = _WeightlessModel(hf_config)
    fn = getattr(model_cls, "get_attention_sliding_window_size", None) if model_cls else None
    if fn is not None:
        m.get_attention_sliding_window_size = types.MethodType(fn, m)
    return m


def _head_divisibility(mc, tp):
    """SGLang's attention layers assert heads % tp == 0 and, for KV heads, either
    kv % tp == 0 (kv >= tp) or tp % kv == 0 (replication); e.g. models/llama.py LlamaAttention."""
    if mc.attention_arch.name == "MLA":
        heads = mc.num_attention_heads
        if heads % tp:
            return f"num_attention_heads {heads} % tp {tp} != 0"
        return None
    heads = mc.num_attention_heads
    kv = mc.get_total_num_kv_heads()
    if heads and heads % tp:
        return f"num_attention_heads {heads} % tp {tp} != 0"
    if kv:
        if kv >= tp and kv % tp:
            return f"num_kv_heads {kv} % tp {tp} != 0"
        if kv < tp and tp % kv:
            return f"tp {tp} % num_kv_heads {kv} != 0"
    return None


def worker_kv(name):
    _setup_fake_cuda()
    import logging

    logging.basicConfig(level=logging.WARNING)
    import torch
    from sglang.srt.models.registry import ModelRegistry

    out = []
    arch_info = {}
    for tp in TPS:
        for kvd in KV_DTYPES:
            base = {"config": name, "tp": tp, "kv_dtype": kvd, "gpu_emulated": "H100-80GB (sm90)"}
            if "__VARIANT_" in name:
                base["variant_note"] = ("NOT the vendored file: falcon-7b.json with "
                                        "architectures=['FalconForCausalLM'] added")
            try:
                sa, argv = _resolve(name, ["--tp-size", str(tp), "--kv-cache-dtype", kvd])
                from sglang.srt.configs.model_config import AttentionArch, ModelConfig
                from sglang.srt.mem_cache import kv_cache_dtype as kvdmod
                from sglang.srt.mem_cache.kv_cache_configurator import KVCacheConfigurator
                from sglang.srt.model_executor.model_runner_components.kv_pool_runtime import (
                    is_post_capture_kv_active,
                )
                from sglang.srt.model_executor.model_runner_components.layer_setup import (
                    resolve_layer_indices,
                )
                from sglang.srt.model_executor.model_runner_components.load_model_utils import (
                    resolve_sliding_window_size,
                )
                from sglang.srt.model_executor.model_runner_components.spec_aux_hidden_state import (
                    SpecAuxHiddenStateConfig,
                )
                from sglang.srt.model_executor.pool_configurator import (
                    create_memory_pool_configurator,
                )
                from sglang.srt.runtime_context import (
                    get_model,
                    get_parallel,
                    get_schedule,
                    get_spec,
                    publish,
                )
                from sglang.srt.speculative.spec_info import SpeculativeAlgorithm

                publish(sa, role="scheduler")
                mc = ModelConfig.from_server_args(sa)
                archs = list(mc.hf_config.architectures or [])
                try:
                    model_cls, resolved_arch = ModelRegistry.resolve_model_cls(archs)
                except Exception as e:  # SGLang's own "not supported" answer
                    base.update(status="unsupported", error=f"{type(e).__name__}: {str(e)[:300]}")
                    out.append(base)
                    continue
                base["architectures"] = archs
                base["sglang_model_class"] = f"{model_cls.__module__}.{model_cls.__name__}"
                if resolved_arch != (archs[0] if archs else None):
                    base["note"] = f"architecture {archs} not registered; SGLang falls back to {resolved_arch}"
                why = _head_divisibility(mc, tp)
                if why:
                    base.update(status="skipped_tp", error=why)
                    out.append(base)
                    continue
                res_str, kv_dtype = kvdmod.configure_kv_cache_dtype(
                    server_args_kv_cache_dtype=get_model().kv_cache_dtype,
                    model=None,
                    model_dtype=mc.dtype,
                    is_draft_worker=False,
                    is_dflash=False,
                    speculative_draft_attention_backend=None,
                    speculative_draft_kv_cache_dtype=get_spec().speculative_draft_kv_cache_dtype,
                )
                model = _fake_model(model_cls, mc.hf_config)
                li = resolve_layer_indices(model=model, model_config=mc, is_draft_worker=False)
                swa_size = resolve_sliding_window_size(model, mc)
                spec_alg = SpeculativeAlgorithm.from_string(get_spec().speculative_algorithm)
                kvc = KVCacheConfigurator(
                    device="cuda", gpu_id=0, attn_dp_size=get_parallel().attn_dp_size,
                    pp_size=1, pp_group=None, model=model, model_config=mc, server_args=sa,
                    kv_cache_dtype=kv_dtype,
                    kv_cache_dtype_str=res_str if res_str is not None else get_model().kv_cache_dtype,
                    model_dtype=mc.dtype, page_size=get_schedule().page_size,
                    sliding_window_size=swa_size, spec_algorithm=spec_alg, is_draft_worker=False,
                    post_capture_kv_active=is_post_capture_kv_active(
                        server_args=sa, is_draft_worker=False, spec_algorithm=spec_alg,
                        token_to_kv_pool_allocator=None),
                    spec_aux_config=SpecAuxHiddenStateConfig(),
                    is_hybrid_swa=mc.is_hybrid_swa, is_hybrid_swa_compress=mc.is_hybrid_swa_compress,
                    use_mla_backend=mc.attention_arch == AttentionArch.MLA, layer_info=li,
                    forward_stream=None, req_to_token_pool=None, token_to_kv_pool_allocator=None,
                    memory_pool_config=None,
                )
                pc = create_memory_pool_configurator(kvc)
                from sglang.srt.mem_cache.kv_cache_configurator import mm_runtime_reservation_gb
                from sglang.srt.runtime_context import get_mm

                mm_gb = mm_runtime_reservation_gb(is_multimodal=mc.is_multimodal,
                                                  mm_feature_transport=get_mm().mm_feature_transport)
                common = dict(
                    status="ok",
                    command="sglang serve " + " ".join(argv),
                    attention_arch=mc.attention_arch.name,
                    is_mla=mc.attention_arch == AttentionArch.MLA,
                    is_hybrid_swa=bool(mc.is_hybrid_swa),
                    is_mamba_hybrid=kvc.mambaish_config is not None,
                    attention_backend=getattr(sa, "attention_backend", None),
                    resolved_attention_backend=_resolved(sa, "attention_backend"),
                    page_size=get_schedule().page_size,
                    model_dtype=str(mc.dtype).replace("torch.", ""),
                    kv_cache_dtype_torch=str(kv_dtype).replace("torch.", ""),
                    kv_dtype_bytes=torch._utils._element_size(kv_dtype),
                    context_len=mc.context_len,
                    num_hidden_layers=mc.num_hidden_layers,
                    num_effective_layers=li.num_effective_layers,
                    total_num_kv_heads=mc.get_total_num_kv_heads(),
                    kv_heads_per_rank=mc.get_num_kv_heads(get_parallel().attn_tp_size),
                    head_dim=getattr(mc, "head_dim", None),
                    v_head_dim=getattr(mc, "v_head_dim", None),
                    kv_lora_rank=getattr(mc, "kv_lora_rank", None) if mc.attention_arch == AttentionArch.MLA else None,
                    qk_rope_head_dim=getattr(mc, "qk_rope_head_dim", None) if mc.attention_arch == AttentionArch.MLA else None,
                    sliding_window_size=swa_size,
                    attention_chunk_size=mc.attention_chunk_size,
                    swa_full_tokens_ratio=get_schedule().swa_full_tokens_ratio if mc.is_hybrid_swa else None,
                    is_multimodal=bool(mc.is_multimodal),
                    mm_reservation_gb_not_applied=mm_gb,
                    configurator=type(pc).__name__,
                    cell_size_bytes=getattr(pc, "_cell_size", None),
                    fixed_overhead_bytes=getattr(pc, "_fixed_overhead_bytes", None),
                )
                if mc.is_hybrid_swa:
                    common.update(
                        full_layers=getattr(pc, "_full_layers_num", None),
                        swa_layers=getattr(pc, "_swa_layers_num", None),
                        full_per_token_per_layer_bytes=getattr(pc, "_full_per_token", None),
                        swa_per_token_per_layer_bytes=getattr(pc, "_swa_per_token", None),
                        swa_head_dim=getattr(mc, "swa_head_dim", None),
                        swa_kv_heads_per_rank=mc.get_swa_num_kv_heads(get_parallel().attn_tp_size),
                        full_attention_layer_ids=li.full_attention_layer_ids,
                    )
                if kvc.mambaish_config is not None:
                    mcfg = kvc.mambaish_config
                    common.update(
                        full_attention_layer_ids=list(mcfg.full_attention_layer_ids),
                        num_mamba_layers=len(mcfg.mamba2_cache_params.layers),
                        mamba_cache_per_req_bytes=int(mcfg.mamba2_cache_params.mamba_cache_per_req),
                        mamba_full_memory_ratio=get_schedule().mamba_full_memory_ratio,
                    )
                for pool_bytes in POOL_BYTES:
                    rec = dict(base)
                    rec.update(common)
                    rec["pool_memory_bytes"] = pool_bytes
                    try:
                        with _Capture() as cap:
                            budget = pool_bytes
                            if kvc.mambaish_config is not None:
                                # same call _profile_available_bytes makes on rest_memory (GB float)
                                rest_gb = kvc._handle_max_mamba_cache(pool_bytes / (1 << 30))
                                budget = int(rest_gb * (1 << 30))
                                rec["max_mamba_cache_size"] = get_schedule().max_mamba_cache_size
                                rec["kv_budget_after_mamba_bytes"] = budget
                            cfg = kvc.config_from_budget(budget)
                        rec["max_total_num_tokens"] = cfg.max_total_num_tokens
                        if cfg.full_max_total_num_tokens is not None or cfg.swa_max_total_num_tokens is not None:
                            rec["full_tokens"] = cfg.full_max_total_num_tokens
                            rec["swa_tokens"] = cfg.swa_max_total_num_tokens
                        rec["log_lines"] = cap.lines
                        rec["error"] = None
                    except Exception as e:
                        rec.update(status="error", error=f"{type(e).__name__}: {e}",
                                   traceback=traceback.format_exc()[-2000:])
                    out.append(rec)
                    # mamba override is sticky in the context: republish for the next budget
                    if kvc.mambaish_config is not None:
                        publish(sa, role="scheduler")
            except Exception as e:
                base.update(status="error", error=f"{type(e).__name__}: {str(e)[:500]}",
                            traceback=traceback.format_exc()[-2500:])
                out.append(base)
    return out


def _resolved(sa, field):
    try:
        from sglang.srt.arg_groups.overrides import resolution_result

        return resolution_result(sa, field)
    except Exception:
        return None


def worker_mfs(name, gpu, tp):
    _setup_fake_cuda()
    import logging

    logging.basicConfig(level=logging.WARNING)
    rec = {"config": name, "gpu": gpu, "gpu_mem_mib": GPUS[gpu][0],
           "compute_capability": list(GPUS[gpu][1]), "tp": tp}
    try:
        sa, argv = _resolve(name, ["--tp-size", str(tp)])
        from sglang.srt.arg_groups.memory_hook import reserve_for_deepep_a2a_mb, reserve_for_graph_mb
        from sglang.srt.arg_groups.overrides import (
            post_capture_kv_sizing_planned,
            resolving_view,
            use_mla_backend,
        )

        cfg = resolving_view(sa)
        decl = [(src, d["mem_fraction_static"]) for src, d in (sa._resolved_overrides or [])
                if "mem_fraction_static" in d]
        g = cfg.cuda_graph_config
        from sglang.srt.arg_groups.overrides import model_config_of

        mcfg = model_config_of(sa)
        vc = getattr(mcfg.hf_config, "vision_config", None)
        rec.update(
            command="sglang serve " + " ".join(argv),
            mem_fraction_static=cfg.mem_fraction_static,
            is_multimodal=bool(mcfg.is_multimodal),
            vision_num_hidden_layers=getattr(vc, "num_hidden_layers", None) if vc is not None else None,
            vision_hidden_size=getattr(vc, "hidden_size", None) if vc is not None else None,
            declared_by=decl,
            chunked_prefill_size=cfg.chunked_prefill_size,
            page_size=cfg.page_size,
            attention_backend=_resolved(sa, "attention_backend"),
            use_mla_backend=use_mla_backend(sa),
            post_capture_kv_sizing=post_capture_kv_sizing_planned(sa),
            decode_graph_backend=str(g.decode.backend),
            decode_max_bs=g.decode.max_bs,
            prefill_graph_backend=str(g.prefill.backend),
            prefill_max_bs=g.prefill.max_bs,
            prefill_num_bs=len(g.prefill.bs or []),
            max_running_requests=cfg.max_running_requests,
        )
        try:
            rec["reserve_for_graph_mb_recomputed"] = reserve_for_graph_mb(sa)
            rec["reserve_for_deepep_a2a_mb"] = reserve_for_deepep_a2a_mb(sa)
        except Exception as e:
            rec["reserve_for_graph_mb_recomputed"] = f"error: {e}"
        rec["status"] = "ok"
        rec["error"] = None
    except Exception as e:
        rec.update(status="error", error=f"{type(e).__name__}: {str(e)[:500]}",
                   traceback=traceback.format_exc()[-2000:])
    return rec


# ----------------------------------------------------------------------------- driver side
def _prepare_models():
    os.makedirs(MODELS, exist_ok=True)
    names = []
    for f in sorted(os.listdir(CONFIG_SRC)):
        if not f.endswith(".json"):
            continue
        n = f[:-5]
        d = os.path.join(MODELS, n)
        os.makedirs(d, exist_ok=True)
        with open(os.path.join(CONFIG_SRC, f), "rb") as src, open(os.path.join(d, "config.json"), "wb") as dst:
            dst.write(src.read())
        names.append(n)
    # Variant: the vendored falcon-7b file has no "architectures" key, which SGLang's ModelConfig
    # cannot handle (TypeError). Add the published value so SGLang can size it (falls back to
    # TransformersForCausalLM, as SGLang has no native Falcon class).
    with open(os.path.join(CONFIG_SRC, "falcon-7b.json")) as f:
        c = json.load(f)
    c["architectures"] = ["FalconForCausalLM"]
    n = "falcon-7b__VARIANT_arch_FalconForCausalLM"
    os.makedirs(os.path.join(MODELS, n), exist_ok=True)
    with open(os.path.join(MODELS, n, "config.json"), "w") as f:
        json.dump(c, f, indent=1)
    names.append(n)
    return names


def _run_worker(args, env_extra, timeout=600):
    env = dict(os.environ)
    env.update(env_extra)
    p = subprocess.run([sys.executable, os.path.abspath(__file__)] + args, capture_output=True,
                       text=True, env=env, timeout=timeout)
    for line in p.stdout.splitlines()[::-1]:
        if line.startswith("@@JSON@@"):
            return json.loads(line[len("@@JSON@@"):]), p
    return None, p


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--worker-kv")
    ap.add_argument("--worker-mfs", nargs=3)
    ap.add_argument("--only")
    ap.add_argument("--jobs", type=int, default=2)
    a = ap.parse_args()
    if a.worker_kv:
        print("@@JSON@@" + json.dumps(worker_kv(a.worker_kv), default=str))
        return
    if a.worker_mfs:
        n, gpu, tp = a.worker_mfs
        print("@@JSON@@" + json.dumps(worker_mfs(n, gpu, int(tp)), default=str))
        return

    names = _prepare_models()
    if a.only:
        names = [a.only]
    from concurrent.futures import ThreadPoolExecutor

    h100 = GPUS["H100-80GB"]
    env_h100 = {"FAKE_GPU_MEM_MIB": str(h100[0]), "FAKE_GPU_CAP": "%d,%d" % h100[1], "FAKE_GPU_NAME": h100[2]}
    t0 = time.time()
    kv_records, mfs_records = [], []

    def run_kv(n):
        res, p = _run_worker(["--worker-kv", n], env_h100)
        if res is None:
            return [{"config": n, "status": "error", "error": "worker crashed: " + p.stderr[-1500:]}]
        return res

    def run_mfs(case):
        n, gpu, tp = case
        mem, cap, dev = GPUS[gpu]
        res, p = _run_worker(["--worker-mfs", n, gpu, str(tp)],
                             {"FAKE_GPU_MEM_MIB": str(mem), "FAKE_GPU_CAP": "%d,%d" % cap, "FAKE_GPU_NAME": dev})
        if res is None:
            return {"config": n, "gpu": gpu, "tp": tp, "status": "error", "error": "worker crashed: " + p.stderr[-1500:]}
        return res

    with ThreadPoolExecutor(a.jobs) as ex:
        for r in ex.map(run_kv, names):
            kv_records.extend(r)
            print(f"[{time.time()-t0:.0f}s] kv {r[0]['config']}: " +
                  ", ".join(f"tp{x['tp']}/{x['kv_dtype']}/{x.get('pool_memory_bytes', 0) >> 30}G="
                            f"{x.get('max_total_num_tokens', x['status'])}" for x in r if 'tp' in x), flush=True)
        cases = [(n, gpu, tp) for n in names for gpu, tp in MFS_CASES]
        for r in ex.map(run_mfs, cases):
            mfs_records.append(r)
            print(f"[{time.time()-t0:.0f}s] mfs {r['config']} {r['gpu']} tp{r['tp']}: "
                  f"{r.get('mem_fraction_static', r['status'])}", flush=True)

    if a.only:
        print(json.dumps({"kv": kv_records, "mfs": mfs_records}, indent=1, default=str))
        return
    import importlib.metadata as md

    meta = {
        "generated": datetime.datetime.now(datetime.timezone.utc).isoformat(),
        "command": "python measure_sglang_kv.py",
        "script": "measure_sglang_kv.py (see its docstring for what is SGLang's code and what is stubbed)",
        "versions": {p: md.version(p) for p in ["sglang", "torch", "transformers", "triton"]},
        "python": sys.version.split()[0],
        "stubbed_import_only_modules": STUBS,
        "gpu_emulated_for_kv_records": {"name": "H100-80GB", "nvidia_smi_mib": h100[0], "capability": h100[1]},
        "gpus_for_mfs": {k: {"nvidia_smi_mib": v[0], "capability": v[1], "name": v[2]} for k, v in GPUS.items()},
        "pool_memory_semantics": (
            "pool_memory_bytes is the byte budget KVCacheConfigurator._profile_available_bytes would "
            "return (free memory after weights minus the non-static slack); it is passed to "
            "KVCacheConfigurator.config_from_budget. For Mamba hybrids SGLang first carves the Mamba "
            "state out of the same budget (_handle_max_mamba_cache), recorded as kv_budget_after_mamba_bytes."),
        "elapsed_s": round(time.time() - t0, 1),
    }
    with open(os.path.join(HERE, "sglang_golden.json"), "w") as f:
        json.dump({"metadata": meta, "records": kv_records, "mem_fraction_static_records": mfs_records},
                  f, indent=1, default=str)
    print("wrote sglang_golden.json", len(kv_records), "kv records,", len(mfs_records), "mfs records")


if __name__ == "__main__":
    main()
