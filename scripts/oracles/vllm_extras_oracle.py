#!/usr/bin/env python
"""Golden numbers for vLLM 0.33.0's memory beyond the GPU's KV pool (issue 23), from its own code.

Runs on a CPU with the same stubs as ``vllm_plan_oracle.py`` (compiled CUDA code and device
identity only; see that file's docstring) and reuses its planning flow:

  offload   EngineArgs(kv_offloading_size=..., kv_offloading_backend=...) -> create_engine_config
            (VllmConfig._post_init_kv_transfer_config turns the flags into a KVTransferConfig),
            the model on the meta device, the engine-core KV plan (plan_one), then
            distributed/kv_transfer/kv_connector/v1/offloading/config.py build_offloading_config
            and v1/kv_offload/cpu/spec.py CPUOffloadingSpec(config) -> num_chunks,
            kv_bytes_per_chunk, cpu_page_size_per_worker (the host region's layout).
  spec      EngineArgs(speculative_config={...}): the target and the draft built on the meta device
            (the draft with its own model_config, as llm_base_proposer.py load_model ->
            _get_model does), get_kv_cache_spec over every attention layer (target + draft, one
            pool), plan_one; the draft's parameter and buffer bytes by top-level module.
  lora      EngineArgs(enable_lora=True, max_loras, max_lora_rank): the target on the meta device,
            lora/model_manager.py create_lora_manager (which wraps every supported layer and
            allocates its stacked LoRA A/B buffers); the bytes of every tensor the LoRA layers own.

Rerun (after the venv of vllm_plan_oracle.py's docstring; model dirs under models/):
  cp scripts/oracles/vllm_plan_oracle.py scripts/oracles/vllm_extras_oracle.py /work/scratch/vllm/
  mkdir -p /work/scratch/vllm/models/{Llama-3.1-8B,DeepSeek-V3,EAGLE3-LLaMA3.1-Instruct-8B}
  cp /work/shared/hf_configs/Llama-3.1-8B.json /work/scratch/vllm/models/Llama-3.1-8B/config.json
  cp /work/shared/hf_configs/DeepSeek-V3.json /work/scratch/vllm/models/DeepSeek-V3/config.json
  cp tests/fixtures/drafts/EAGLE3-LLaMA3.1-Instruct-8B.json \
     /work/scratch/vllm/models/EAGLE3-LLaMA3.1-Instruct-8B/config.json
  cd /work/scratch/vllm && venv/bin/python vllm_extras_oracle.py offload > out/offload.json
  venv/bin/python vllm_extras_oracle.py spec > out/spec.json
  venv/bin/python vllm_extras_oracle.py lora > out/lora.json
"""
import os
import sys

os.environ["CUDA_VISIBLE_DEVICES"] = ""
os.environ.setdefault("VLLM_LOGGING_LEVEL", "WARNING")

import copy
import json
import logging

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import vllm_plan_oracle as base  # noqa: E402

GiB = 2**30
MODELS = base.MODELS_DIR


def engine(model, tp, **kw):
    from vllm.engine.arg_utils import EngineArgs
    from vllm.usage.usage_lib import UsageContext

    ea = EngineArgs(model=os.path.join(MODELS, model), skip_tokenizer_init=True,
                    tensor_parallel_size=tp, load_format="dummy", **kw)
    cfg = ea.create_engine_config(usage_context=UsageContext.OPENAI_API_SERVER)
    if getattr(cfg, "kernel_config", None) is not None:
        cfg.kernel_config.enable_jit_warmup = False
    return cfg


def build(cfg, tp, draft=False):
    """The model (and the draft) on the meta device, then the per-layer KV specs."""
    import torch
    from vllm.config import set_current_vllm_config
    from vllm.distributed.kv_transfer.kv_connector.utils import get_current_attn_backends
    from vllm.model_executor.model_loader.utils import initialize_model
    from vllm.platforms import current_platform
    from vllm.utils.torch_utils import set_default_torch_dtype
    from vllm.v1.attention.backends.utils import get_supported_kv_cache_layouts
    from vllm.v1.worker.gpu.attn_utils import get_kv_cache_spec
    from vllm.v1.worker.workspace import init_workspace_manager

    base.set_fake_parallel_groups(tp)
    base.install_fake_torch_ops()
    init_workspace_manager(torch.device("meta"))
    base.META_ONLY[0] = True
    drafter = None
    try:
        with set_current_vllm_config(cfg), set_default_torch_dtype(cfg.model_config.dtype), \
                torch.device("meta"):
            model = initialize_model(cfg)
            if draft:
                dcfg = cfg.speculative_config.draft_model_config
                with set_default_torch_dtype(dcfg.dtype):
                    drafter = initialize_model(cfg, model_config=dcfg, prefix="draft_model")
    finally:
        base.META_ONLY[0] = False
    with set_current_vllm_config(cfg):
        current_platform.update_block_size_for_backend(cfg)
        specs = get_kv_cache_spec(cfg)
        layouts = [l.name for l in get_supported_kv_cache_layouts(get_current_attn_backends(cfg))]
    return model, drafter, specs, layouts


def plan(cfg, specs, tp, budget, layouts):
    """plan_one (vllm_plan_oracle.py) but keeping vLLM's KVCacheConfig for the connector."""
    from vllm.config import set_current_vllm_config
    from vllm.v1.attention.backends.utils import resolve_kv_cache_layout
    from vllm.v1.core.kv_cache_planning import get_global_kv_cache_groups, get_kv_cache_configs
    from vllm.v1.core.single_type_kv_cache_manager import register_all_kvcache_specs

    with set_current_vllm_config(cfg):
        base_cc = copy.deepcopy(cfg.cache_config)
        rec = base.plan_one(cfg, base_cc, specs, tp, budget, layouts, base.LogCapture())
        cfg.cache_config = copy.deepcopy(base_cc)
        register_all_kvcache_specs(cfg)
        per = [dict(specs) for _ in range(tp)]
        resolve_kv_cache_layout(cfg, [layouts] * tp, [s for d in per for s in d.values()])
        groups = get_global_kv_cache_groups(cfg, per)
        kcs = get_kv_cache_configs(cfg, per, [budget] * tp, groups)
    return rec, kcs[0]


def offload():
    from vllm.config import set_current_vllm_config
    from vllm.distributed.kv_transfer.kv_connector.v1.offloading.config import (
        build_offloading_config)
    from vllm.v1.kv_offload.cpu.spec import CPUOffloadingSpec

    out = []
    cases = [("Llama-3.1-8B", tp, size, extra, backend)
             for tp in (1, 2, 4, 8) for size in (64, 1.5)
             for extra in ({}, {"block_size": 64}) for backend in ("native",)]
    cases += [("Llama-3.1-8B", 4, 64, {}, "lmcache"), ("DeepSeek-V3", 8, 64, {}, "native"),
              ("DeepSeek-V3", 1, 64, {}, "native")]
    for model, tp, size, extra, backend in cases:
        budget = 40 * GiB
        try:
            cfg = engine(model, tp, kv_offloading_size=size, kv_offloading_backend=backend,
                         max_model_len=8192)
        except Exception as e:  # lmcache: its connector imports the lmcache package at config time
            out.append({"model": model, "tp": tp, "kv_offloading_size": size,
                        "kv_offloading_backend": backend, "status": "config_error",
                        "error": f"{type(e).__name__}: {e}"})
            continue
        ktc = cfg.kv_transfer_config
        rec = {"model": model, "tp": tp, "kv_offloading_size": size, "kv_offloading_backend": backend,
               "kv_connector_extra_config_added": extra, "kv_budget_bytes": budget,
               "kv_connector": ktc.kv_connector,
               "kv_connector_extra_config": dict(ktc.kv_connector_extra_config),
               "distributed_executor_backend": cfg.parallel_config.distributed_executor_backend,
               "world_size": cfg.parallel_config.world_size}
        ktc.kv_connector_extra_config.update(extra)
        if ktc.engine_id is None:
            ktc.engine_id = "oracle"
        _, _, specs, layouts = build(cfg, tp)
        prec, kc = plan(cfg, specs, tp, budget, layouts)
        rec.update(num_gpu_blocks=kc.num_blocks, bytes_per_block=prec.get("bytes_per_block"),
                   block_size=prec.get("final_cache_block_size"),
                   kv_cache_tensor0_size=kc.kv_cache_tensors[0].size,
                   kv_tp_replicas=getattr(kc, "kv_tp_replicas", None))
        if backend == "native":
            with set_current_vllm_config(cfg):
                oc = build_offloading_config(cfg, kc)
                sp = CPUOffloadingSpec(oc)
            rec.update(worker_kv_bytes_per_block=oc.worker_kv_bytes_per_block,
                       blocks_per_chunk=oc.cache.blocks_per_chunk,
                       tokens_per_block=[g.tokens_per_block for g in oc.groups],
                       replicated_layout=sp.replicated_layout,
                       num_chunks=sp.num_chunks, kv_bytes_per_chunk=sp.kv_bytes_per_chunk,
                       cpu_page_size_per_worker=sp.cpu_page_size_per_worker,
                       BLOCK_SIZE_ALIGNMENT=sp.BLOCK_SIZE_ALIGNMENT,
                       shared_region_total_bytes=sp.num_chunks * sp.kv_bytes_per_chunk,
                       cpu_tokens=sp.num_chunks * oc.cache.blocks_per_chunk * oc.groups[0].tokens_per_block)
        out.append(rec)
        print(json.dumps(rec), file=sys.stderr, flush=True)
    return out


def tensor_bytes(mod):
    n = 0
    for t in list(mod.parameters()) + list(mod.buffers()):
        n += t.numel() * t.element_size()
    return n


def by_child(mod):
    return {name: tensor_bytes(c) for name, c in mod.named_children()} | (
        {"(own)": sum(t.numel() * t.element_size() for t in mod.parameters(recurse=False))
         + sum(t.numel() * t.element_size() for t in mod.buffers(recurse=False))})


def spec():
    out = []
    cases = [("Llama-3.1-8B", 1, {"method": "eagle3", "model": os.path.join(MODELS, "EAGLE3-LLaMA3.1-Instruct-8B"),
                                  "num_speculative_tokens": 3}),
             ("Llama-3.1-8B", 2, {"method": "eagle3", "model": os.path.join(MODELS, "EAGLE3-LLaMA3.1-Instruct-8B"),
                                  "num_speculative_tokens": 3}),
             ("DeepSeek-V3", 8, {"method": "mtp", "num_speculative_tokens": 1}),
             ("DeepSeek-V3", 8, {"method": "mtp", "num_speculative_tokens": 3})]
    for model, tp, sc in cases:
        for budget in (4 * GiB, 40 * GiB):
            cfg = engine(model, tp, speculative_config=dict(sc), max_model_len=8192)
            s = cfg.speculative_config
            target, drafter, specs, layouts = build(cfg, tp, draft=True)
            prec, kc = plan(cfg, specs, tp, budget, layouts)
            draft_layers = sorted(n for n in specs if n.startswith("draft_model") or "mtp" in n
                                  or n not in {k for k in specs if k.startswith("model.layers.")})
            rec = {"model": model, "tp": tp, "speculative_config": {k: v for k, v in sc.items() if k != "model"},
                   "draft": os.path.basename(sc.get("model", "")) or None,
                   "kv_budget_bytes": budget,
                   "method": s.method, "num_speculative_tokens": s.num_speculative_tokens,
                   "num_lookahead_tokens": getattr(cfg, "num_lookahead_tokens", None),
                   "draft_architecture": s.draft_model_config.architecture,
                   "draft_dtype": str(s.draft_model_config.dtype),
                   "draft_num_hidden_layers": s.draft_model_config.hf_config.num_hidden_layers,
                   "max_num_batched_tokens": cfg.scheduler_config.max_num_batched_tokens,
                   "max_in_flight_tokens": cfg.max_in_flight_tokens,
                   "num_kv_layers": len(specs), "draft_kv_layers": draft_layers,
                   "target_weight_bytes": tensor_bytes(target),
                   "draft_tensor_bytes": tensor_bytes(drafter),
                   "draft_tensor_bytes_by_module": by_child(drafter),
                   "draft_inner_by_module": by_child(drafter.model) if hasattr(drafter, "model") else None,
                   **{k: prec.get(k) for k in ("bytes_per_block", "num_gpu_blocks", "kv_cache_tokens",
                                               "max_concurrency", "final_cache_block_size", "refused",
                                               "groups")}}
            out.append(rec)
            print(json.dumps(rec, default=str)[:400], file=sys.stderr, flush=True)
    return out


def lora():
    import torch
    from vllm.config import set_current_vllm_config
    from vllm.lora.model_manager import create_lora_manager

    out = []
    for model, tp, max_loras, rank in [("Llama-3.1-8B", 1, 4, 64), ("Llama-3.1-8B", 1, 1, 16),
                                       ("Llama-3.1-8B", 2, 4, 64), ("Llama-3.1-8B", 4, 4, 64)]:
        cfg = engine(model, tp, enable_lora=True, max_loras=max_loras, max_lora_rank=rank,
                     max_model_len=8192)
        target, _, specs, layouts = build(cfg, tp)
        before = {id(t) for t in list(target.parameters()) + list(target.buffers())}
        with set_current_vllm_config(cfg), torch.device("meta"):
            mgr = create_lora_manager(target, max_num_seqs=cfg.scheduler_config.max_num_seqs,
                                      max_num_batched_tokens=cfg.scheduler_config.max_num_batched_tokens,
                                      vocab_size=cfg.model_config.get_vocab_size(),
                                      lora_config=cfg.lora_config, vllm_config=cfg,
                                      device=torch.device("meta"))
        per_kind, seen, total = {}, set(), 0
        for name, m in mgr.modules.items():
            for attr, v in vars(m).items():
                ts = [v] if isinstance(v, torch.Tensor) else (
                    [x for x in v if isinstance(x, torch.Tensor)] if isinstance(v, (list, tuple)) else [])
                for t in ts:
                    if id(t) in seen or id(t) in before or t._base is not None:  # views share storage
                        continue
                    seen.add(id(t))
                    b = t.numel() * t.element_size()
                    key = f"{type(m).__name__}.{attr}"
                    per_kind.setdefault(key, {"bytes": 0, "shapes": set()})
                    per_kind[key]["bytes"] += b
                    per_kind[key]["shapes"].add(f"{tuple(t.shape)}:{t.dtype}")
                    total += b
        rec = {"model": model, "tp": tp, "max_loras": max_loras, "max_lora_rank": rank,
               "lora_dtype": str(cfg.lora_config.lora_dtype), "max_cpu_loras": cfg.lora_config.max_cpu_loras,
               "lora_modules": len(mgr.modules), "lora_buffer_bytes": total,
               "by_kind": {k: {"bytes": v["bytes"], "shapes": sorted(v["shapes"])} for k, v in per_kind.items()}}
        out.append(rec)
        print(json.dumps(rec)[:300], file=sys.stderr, flush=True)
    return out


if __name__ == "__main__":
    base.install_stubs()
    logging.getLogger("vllm").setLevel(logging.WARNING)
    what = sys.argv[1]
    recs = {"offload": offload, "spec": spec, "lora": lora}[what]()
    import vllm

    print(json.dumps({"vllm_version": vllm.__version__, "what": what,
                      "command": f"python scripts/oracles/vllm_extras_oracle.py {what}",
                      "records": recs}, indent=1, default=str))
