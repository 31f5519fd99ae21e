#!/usr/bin/env python3
"""Golden host-pool sizes of SGLang 0.5.23's hierarchical cache, from SGLang's own code on a CPU.

RERUN (a scratch venv outside the repository; SGLang is never a kvplan dependency):
    cd /work/scratch/sglang && python3 -m venv venv && . venv/bin/activate
    pip install torch==2.13.0 && pip download --no-deps sglang==0.5.23 -d dl
    pip install --no-deps dl/sglang-0.5.23-*.whl && pip install --no-deps triton==3.9.0
    pip install numpy msgspec psutil packaging requests tqdm pydantic orjson pybase64 regex pillow pyzmq \\
        starlette IPython aiohttp transformers torchvision dill   # torchvision pulls torch 2.14.1
    python <repo>/scripts/oracles/sglang/hicache_oracle.py > <repo>/tests/golden/sglang_0.5.23_hicache.json

WHAT IS SGLANG'S OWN CODE (unmodified, imported from the wheel):
  * sglang.srt.mem_cache.pool_host.base.HostKVCache.__init__: the host token count from
    --hicache-ratio or --hicache-size, the padding page, page alignment (run with is_dummy=True,
    which skips only the buffer allocation; the bytes are size × size_per_token as
    _allocate_host_buffer requests them).
  * sglang.srt.mem_cache.pool_host.mha.MHATokenToKVPoolHost.get_size_per_token, called on an
    object carrying the geometry it reads (head_dim, v_head_dim, head_num, layer_num, dtype).
STUBBED (import only, never called): tvm_ffi, sgl_kernel, deep_gemm, cutlass, quack, compressed_tensors,
gguf, torchaudio. WHAT IS NOT SGLang's: the MLA bytes per token (MLATokenToKVPoolHost computes it inside an __init__ that needs
device buffers); the MLA cases give HostKVCache (kv_lora_rank + qk_rope_head_dim) × dtype bytes ×
layers as pool_host/mla.py writes it, so for MLA only the token count is SGLang's.
The device token counts are kvplan's SGLang pool (checked separately, tests/golden/sglang_0.5.23.json).
"""
import json
import sys
import types

import importlib.abc
import importlib.machinery

# Import-only stubs for packages SGLang imports at module level but the sizing never calls
# (as measure_sglang_kv.py does): each attribute is an inert dummy.
STUBS = ("tvm_ffi", "sgl_kernel", "deep_gemm", "cutlass", "quack", "compressed_tensors", "gguf", "torchaudio")


class _Dummy:
    def __init__(self, *a, **k): pass
    def __call__(self, *a, **k): return _Dummy()
    def __getattr__(self, name): return _Dummy()
    def __mro_entries__(self, bases): return (object,)


class _Stub(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    def find_spec(self, name, path, target=None):
        if name.split(".")[0] in STUBS:
            return importlib.machinery.ModuleSpec(name, self, is_package=True)
        return None

    def create_module(self, spec):
        m = types.ModuleType(spec.name)
        m.__path__ = []
        m.__getattr__ = lambda attr: _Dummy()
        return m

    def exec_module(self, module): pass


sys.meta_path.insert(0, _Stub())

import torch  # noqa: E402
from sglang.srt.mem_cache.pool_host.base import HostKVCache
from sglang.srt.mem_cache.pool_host.mha import MHATokenToKVPoolHost

DT = {"bf16": torch.bfloat16, "fp8": torch.float8_e4m3fn}
# (kvplan fit arguments, device tokens, kind, geometry, dtype, ratio, size GB, page size)
CASES = [
    ("llama-3.1-8b --gpu h100 --tp 1", 419019, "mha", (8, 128, 128, 32), "bf16", None, 0, 1),
    ("llama-3.1-8b --gpu h100 --tp 2 --hicache-size 100", 957957, "mha", (4, 128, 128, 32), "bf16", None, 100, 1),
    ("llama-3.1-8b --gpu h100 --tp 1 --page-size 64 --hicache-ratio 1.5", 419008, "mha", (8, 128, 128, 32),
     "bf16", 1.5, 0, 64),
    ("llama-3.1-70b --gpu h100 --tp 4 --kv-dtype fp8 --hicache-ratio 3", 848699, "mha", (2, 128, 128, 80),
     "fp8", 3.0, 0, 1),
    ("qwen3-8b --gpu a100-40gb --tp 1 --hicache-size 7", 128622, "mha", (8, 128, 128, 36), "bf16", None, 7, 1),
    ("llama-3.1-70b --gpu h100 --tp 2 --pp 2 --hicache-size 50", 430629, "mha", (4, 128, 128, 40), "bf16",
     None, 50, 1),
    ("deepseek-v3 --gpu h200 --tp 8 --hicache-ratio 2", 689160, "mla", (512, 64, 61), "bf16", 2.0, 0, 1),
]


# HostKVCache with its abstract methods filled by no-ops (never called in dummy mode)
Probe = type("Probe", (HostKVCache,), {m: (lambda self, *a, **k: None) for m in HostKVCache.__abstractmethods__})


def run(case):
    args, dev, kind, geo, dt, ratio, size, page = case
    dtype = DT[dt]
    if kind == "mha":
        heads, hd, vd, layers = geo
        spt = MHATokenToKVPoolHost.get_size_per_token(types.SimpleNamespace(
            head_dim=hd, v_head_dim=vd, head_num=heads, layer_num=layers, dtype=dtype))
    else:
        rank, rope, layers = geo
        spt = (rank + rope) * dtype.itemsize * layers  # pool_host/mla.py, transcribed
    p = Probe.__new__(Probe)
    p.clear = lambda: None
    HostKVCache.__init__(p, dtype=dtype, device_capacity_tokens=dev, size_per_token=spt, start_layer=0,
                         end_layer=layers - 1, host_to_device_ratio=ratio if ratio is not None else 2.0,
                         host_size=size, page_size=page, layout="page_first", pin_memory=False, device="cpu",
                         is_dummy=True)
    return {"args": args, "device_tokens": dev, "size_per_token": spt, "spt_from_sglang": kind == "mha",
            "host_tokens": p.size, "host_bytes_per_rank": p.size * spt}


if __name__ == "__main__":
    import sglang
    out = {"sglang_version": sglang.__version__, "torch_version": torch.__version__,
           "command": "python scripts/oracles/sglang/hicache_oracle.py", "records": [run(c) for c in CASES]}
    json.dump(out, sys.stdout, indent=1)
    sys.stdout.write("\n")
