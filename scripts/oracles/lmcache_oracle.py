#!/usr/bin/env python
"""Golden numbers for LMCache 0.5.6's in-process CPU and disk tiers (issue 23), from its own code.

For each case: LMCacheEngineConfig.from_dict (lmcache/v1/config.py) with the settings, the chunk
object's kv_shape as integration/vllm/vllm_service_factory.py builds it (layers, 2, chunk_size,
KV heads on the rank, head size; the model facts are the config.json's), then LMCache's own
TensorMemoryAllocator (memory_allocators/tensor_memory_allocator.py, AddressManager alignment)
over a meta-device buffer of int(max_local_cpu_size * 1024**3) bytes, as LocalCPUBackend's
MixedMemoryAllocator sizes it: allocate full chunks until it returns None. Disk: LocalDiskBackend's
max_cache_size = int(max_local_disk_size * 1024**3) over the object's physical (aligned) size.

Rerun (CPU only; the wheel is not installed, only unpacked):
  mkdir -p /work/scratch/lmcache && cd /work/scratch/lmcache
  /work/scratch/vllm/venv/bin/python -m pip download --no-deps lmcache==0.5.6 -d dl
  mkdir -p src && (cd src && unzip -q ../dl/lmcache-0.5.6-*.whl)
  /work/scratch/vllm/venv/bin/python -m pip install --target deps sortedcontainers
  PYTHONPATH=src:deps /work/scratch/vllm/venv/bin/python \
      <kvplan>/scripts/oracles/lmcache_oracle.py > out.json   (torch 2.x from the vLLM venv)
"""
import json

import torch

from lmcache.v1.config import LMCacheEngineConfig
from lmcache.v1.memory_allocators.tensor_memory_allocator import TensorMemoryAllocator
from lmcache.v1.memory_management import MemoryFormat

# model facts from /work/shared/hf_configs/Llama-3.1-8B.json: 32 layers, 8 KV heads, head 128, bf16
MODELS = {"Llama-3.1-8B": (32, 8, 128)}
CASES = [  # (model, tp, settings)
    ("Llama-3.1-8B", 1, {}),
    ("Llama-3.1-8B", 4, {}),
    ("Llama-3.1-8B", 4, {"max_local_cpu_size": 16, "local_disk": "file:///tmp/lm", "max_local_disk_size": 100}),
    ("Llama-3.1-8B", 2, {"chunk_size": 100, "max_local_cpu_size": 1.5}),
    ("Llama-3.1-8B", 8, {"chunk_size": 64, "max_local_cpu_size": 0.3}),
]


def one(model, tp, settings):
    cfg = LMCacheEngineConfig.from_dict(dict(settings))
    layers, kv_heads, head = MODELS[model]
    shape = torch.Size((layers, 2, cfg.chunk_size, kv_heads // tp, head))
    cpu_bytes = int(cfg.max_local_cpu_size * 1024**3)
    alloc = TensorMemoryAllocator(torch.empty(cpu_bytes, dtype=torch.uint8, device="meta"))
    held = []  # kept alive: a collected MemoryObj goes back to the allocator
    while True:
        o = alloc.allocate(shape, torch.bfloat16, MemoryFormat.KV_2LTD)
        if o is None:
            break
        held.append(o)
    n, phys = len(held), held[0].get_physical_size()
    disk = int(cfg.max_local_disk_size * 1024**3) if cfg.local_disk else 0
    partial = alloc.address_manager.compute_aligned_size(layers * 2 * 1 * (kv_heads // tp) * head * 2)
    return {"model": model, "tp": tp, "settings": settings, "chunk_size": cfg.chunk_size,
            "max_local_cpu_size": cfg.max_local_cpu_size, "save_unfull_chunk": cfg.save_unfull_chunk,
            "kv_shape": list(shape), "chunk_object_physical_bytes": phys, "cpu_chunks": n,
            "cpu_bytes_per_rank": cpu_bytes, "disk_max_cache_size": disk, "disk_chunks": disk // phys,
            "one_token_object_physical_bytes": partial}


if __name__ == "__main__":
    import lmcache

    print(json.dumps({"lmcache_version": getattr(lmcache, "__version__", None) or "0.5.6", "what": "in-process tiers",
                      "command": "PYTHONPATH=src:deps /work/scratch/vllm/venv/bin/python scripts/oracles/lmcache_oracle.py"
                                 "  (in /work/scratch/lmcache, see the script docstring)",
                      "records": [one(*c) for c in CASES]}, indent=1))
