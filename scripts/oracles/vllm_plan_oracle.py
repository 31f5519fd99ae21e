#!/usr/bin/env python
"""Golden KV-cache planning numbers from vLLM 0.33.0's own code, run on a CPU.

What runs unmodified (vLLM's code):
  * EngineArgs.create_engine_config(usage_context=OPENAI_API_SERVER)  (like `vllm serve`)
    -> ModelConfig / CacheConfig / SchedulerConfig defaults, max_model_len, dtype,
       per-model verify_and_update_config (model_executor/models/config.py).
  * The model class itself, instantiated on torch.device('meta') with
    vllm.model_executor.model_loader.utils.initialize_model(): every Attention /
    MLAAttention / MambaMixer2 layer is built by vLLM's model code, selects its
    attention backend through CudaPlatform.get_attn_backend_cls (H100, SM 9.0).
  * Platform.update_block_size_for_backend(vllm_config)  (as uniproc_executor does
    after load_model: backend preferred block size + hybrid Mamba alignment).
  * vllm.v1.worker.gpu.attn_utils.get_kv_cache_spec(vllm_config)  (per-layer
    get_kv_cache_spec + customize_attention_spec; same loop as GPUModelRunner).
  * Engine-core flow of EngineCore._initialize_kv_caches (v1/engine/core.py):
    register_all_kvcache_specs, resolve_kv_cache_layout, get_global_kv_cache_groups,
    get_kv_cache_configs (refusal check), generate_scheduler_kv_cache_config,
    block_size = min(group block sizes), update_kv_cache_capacity (the log line).
  * available_memory per worker = the budget (instead of profiling), TP copies
    of the spec dict (all TP ranks identical).

What is stubbed (NOT planning code):
  * compiled CUDA extensions (vllm._C*, flash-attn .so, torch.ops._C namespaces)
    are replaced by empty modules / fake ops that raise if called (none is called);
  * CudaPlatform reports: capability 9.0, name "NVIDIA H100 80GB HBM3",
    total memory 80 GiB (-> H100 batch defaults: max_num_batched_tokens=8192,
    max_num_seqs=1024 for the API server), device_count 8;
  * torch.distributed groups are fake GroupCoordinators with world_size=TP,
    rank 0 (so layers see the per-rank head counts);
  * CUDA_VISIBLE_DEVICES="" so vLLM's Triton check keeps HAS_TRITON=True (a GPU
    host has Triton) -> Model Runner V2 / async scheduling defaults as on a GPU;
  * torch.cuda.Stream/Event dummies (MoE shared-expert aux stream at init).
  * flashinfer is NOT installed: FLASHINFER backends count as unavailable. On
    Hopper they are lower priority than FLASH_ATTN / FLASH_ATTN_MLA, so the
    selected backend is the same as on a real H100 install.

Rerun:
  python3 -m venv /work/scratch/vllm_oracle/venv
  V=/work/scratch/vllm_oracle/venv/bin
  $V/pip install --no-deps /tmp/dl/vllm-0.33.0-cp38-abi3-manylinux_2_28_x86_64.whl
  $V/pip install torch==2.13.0 "transformers<5.21.0,>=5.16.1" regex cachetools psutil \
      numpy requests tqdm blake3 py-cpuinfo pydantic msgspec cloudpickle pyyaml einops \
      pyzmq typing_extensions filelock sentencepiece safetensors tokenizers huggingface_hub \
      cbor2 pybase64 partial-json-parser ijson setproctitle prometheus_client orjson \
      watchfiles python-json-logger jsonschema pillow aiohttp openai_harmony openai uvloop \
      xgrammar==0.2.8 fastapi llguidance loguru
  $V/pip install --no-deps compressed-tensors==0.17.0
  # model dirs: models/<name>/config.json copied from /work/shared/hf_configs/<name>.json
  cd /work/scratch/vllm_oracle && $V/python measure_vllm.py  (this file)            # all configs
  $V/python measure_vllm.py --only Llama-2-7B                           # one config
"""
import os

os.environ["CUDA_VISIBLE_DEVICES"] = ""  # keep vLLM's HAS_TRITON True (see above)
os.environ.setdefault("VLLM_LOGGING_LEVEL", "INFO")
# Kimi-K3's fused GEMM + all-reduce kernel (CUTLASS DSL, not installed here) is a user flag that
# leaves the cache alone; switched off as `VLLM_KIMI_K3_GEMM_AR=0 vllm serve` would (issue 13)
os.environ.setdefault("VLLM_KIMI_K3_GEMM_AR", "0")
os.environ.setdefault("VLLM_ENABLE_GEMM_RS", "0")

import argparse
import copy
import datetime
import json
import logging
import shutil
import subprocess
import sys
import traceback
import types

HERE = os.path.dirname(os.path.abspath(__file__))
CONFIG_DIR = "/work/shared/hf_configs"
MODELS_DIR = os.path.join(HERE, "models")
GiB = 2**30
BUDGETS = [4 * GiB, 40 * GiB]
TPS = [1, 2, 8]
MMLS = [None, 8192]  # None = vLLM default (derived from max_position_embeddings)
KV_DTYPES = ["auto", "fp8"]
# multimodal wrappers whose processor inspection needs torchvision: serve the
# language model's text_config with vLLM's text-only class (same decoder code).
TEXT_ONLY_DERIVED = {
    "Llama-4-Scout-17B-16E-Instruct": ("Llama4ForCausalLM", "llama4_text"),
    "gemma-4-26B-A4B": ("Gemma4ForCausalLM", "gemma4_text"),
}
# configs whose architecture vLLM 0.33 registers under another name (issue 13): the same keys,
# served with the class and config type vLLM has. MiniMax-M3's published config says
# MiniMaxM3ForCausalLM / minimax_m3; vLLM 0.33 registers its text backbone as
# MiniMaxM3SparseForCausalLM, whose config (MiniMaxM3Config, model_type minimax_m3_vl) holds
# the text keys under text_config: the published keys go there unchanged.
RENAMED = {"MiniMax-M3": ("MiniMaxM3SparseForCausalLM", "minimax_m3_vl")}
META_ONLY = [False]  # set while the model is instantiated (see install_stubs)


# ----------------------------------------------------------------------------
# Stubs: only compiled CUDA code and device identity.
# ----------------------------------------------------------------------------
def install_stubs():
    for m in [
        "vllm._C_stable_libtorch",
        "vllm.vllm_flash_attn._vllm_fa2_C",
        "vllm.vllm_flash_attn._vllm_fa3_C",
        "vllm._C",
        "vllm._moe_C",
        "vllm._flashmla_C",  # shipped in the wheel; loadable on a real H100
        "vllm._flashmla_extension_C",
        "vllm._flashkda_C",  # Kimi-K3's KDA kernels (issue 13)
    ]:
        sys.modules[m] = types.ModuleType(m)
    import torch

    class _FakeStream:
        def __init__(self, *a, **k):
            pass

        def __getattr__(self, k):
            return lambda *a, **kw: None

    torch.cuda.Stream = _FakeStream
    torch.cuda.Event = _FakeStream
    # the workspace manager frees the allocator cache when it grows a (meta) workspace: nothing to
    # free on this host (DeepSeek-V3.2's fp8_ds_mla layers, issue 13)
    torch.accelerator.empty_cache = lambda: None

    # Some model classes allocate helper buffers on "cuda" by name (DeepSeek-V3.2's
    # topk_indices_buffer, issue 13); on this CPU host they go to the meta device, as the
    # weights do. Buffers are not KV-cache specs: the plan does not read them.
    def _to_meta(fn):
        def wrap(*a, **k):
            # explicit "cuda", or no device at all while a model is built (Kimi-K3's MoE weights
            # escape the meta-device context): the meta device, as for every other weight
            if "cuda" in str(k.get("device", "")) or (k.get("device") is None and META_ONLY[0]):
                k["device"] = "meta"
            return fn(*a, **k)
        return wrap

    for name in ("empty", "zeros", "ones", "full", "arange", "tensor", "empty_strided"):
        setattr(torch, name, _to_meta(getattr(torch, name)))

    import vllm.platforms.cuda as vc
    from vllm.platforms.interface import DeviceCapability

    P = vc.NonNvmlCudaPlatform
    P.get_device_capability = classmethod(lambda cls, device_id=0: DeviceCapability(9, 0))
    P.get_device_name = classmethod(lambda cls, device_id=0: "NVIDIA H100 80GB HBM3")
    P.get_device_total_memory = classmethod(lambda cls, device_id=0: 80 * GiB)
    P.device_count = classmethod(lambda cls: 8)
    P.num_compute_units = classmethod(lambda cls, device_id=0: 132)  # H100 SXM SMs
    P.current_device = classmethod(lambda cls: torch.device("meta"))  # Kimi-K3 asks at init
    import vllm._custom_ops as _ops

    _ops.cutlass_scaled_mm_supports_block_fp8 = lambda cap: True
    _ops.cutlass_scaled_mm_supports_fp8 = lambda cap: True
    _ops.cutlass_scaled_mm_supports_fp4 = lambda cap: False
    _ops.cutlass_group_gemm_supported = lambda cap: True
    import vllm.platforms as vp

    vp._current_platform = P()

    # issue 13, kernel libraries a GPU install has and this CPU host lacks. DeepGEMM: DeepSeek-V3.2's
    # indexer refuses to build without it (sparse_attn_indexer.py); TileLang: DeepSeek-V4's mHC
    # kernels import it at module load (tilelang_utils). Neither is called while planning.
    import vllm.utils.deep_gemm as dg
    import vllm.utils.import_utils as iu

    dg.has_deep_gemm = lambda: True
    iu.has_tilelang = lambda: True

    class _Any:
        def __init__(self, *a, **k):
            pass

        def __call__(self, *a, **k):
            if len(a) == 1 and callable(a[0]) and not k:
                return a[0]  # used as a decorator
            return _Any()

        def __getattr__(self, k):
            if k.startswith("__"):
                raise AttributeError(k)
            return _Any()

        def __getitem__(self, k):
            return _Any()

    def _module_attr(k):
        if k.startswith("__"):
            raise AttributeError(k)
        return _Any()

    for m in ("tilelang", "tilelang.language", "tilelang.jit", "tilelang.engine"):
        mod = types.ModuleType(m)
        mod.__getattr__ = _module_attr
        sys.modules[m] = mod

    # MiniMax-M3's module imports its vision tower (torchvision, not installed here) next to the
    # text backbone the plan reads; vLLM inspects the class in a subprocess that would not see
    # these stubs, so the inspection runs in this process (issue 13)
    if "torchvision" not in sys.modules:
        try:
            import torchvision  # noqa: F401
        except ImportError:
            for m in ("torchvision", "torchvision.transforms", "torchvision.transforms.functional",
                      "torchvision.transforms.v2", "torchvision.io", "torchvision.ops"):
                mod = types.ModuleType(m)
                mod.__getattr__ = _module_attr
                sys.modules[m] = mod
    import vllm.model_executor.models.registry as reg

    reg._run_in_subprocess = lambda fn: fn()


def install_fake_torch_ops():
    """After vLLM's op registrations ran: fake torch.ops namespaces for CUDA ops
    referenced (never called) at layer construction."""
    import torch

    class _FakeOp:
        def __init__(self, n):
            self._n = n

        def __call__(self, *a, **k):
            raise RuntimeError("fake op called: " + self._n)

        def __getattr__(self, k):
            return _FakeOp(self._n + "." + k)

    class _FakeNS:
        def __init__(self, n):
            self._n = n

        def __getattr__(self, k):
            return _FakeOp(self._n + "." + k)

    for ns in ["_C", "_moe_C", "_C_cache_ops", "_C_custom_ar", "_vllm_fa2_C",
               "_vllm_fa3_C", "_flashmla_C", "_flashmla_extension_C", "_qutlass_C",
               "_C_stable_libtorch"]:
        setattr(torch.ops, ns, _FakeNS(ns))

    class _FlashKda(_FakeNS):
        """Kimi-K3's KDA kernels (issue 13): the layer asks for its scratch workspace size at
        init (a kernel buffer, not a KV-cache spec); 0 here, every other op raises if called."""

        def __getattr__(self, k):
            return (lambda *a, **kw: 0) if k == "get_workspace_size" else _FakeOp(self._n + "." + k)

    torch.ops._flashkda_C = _FlashKda("_flashkda_C")


class _FakePG:
    def __init__(self, ws):
        self._ws = ws

    def size(self):
        return self._ws

    def rank(self):
        return 0


class _FakeGroup:
    def __init__(self, ws):
        self.world_size = ws
        self.rank_in_group = 0
        self.rank = 0
        self.ranks = list(range(ws))
        self.local_rank = 0
        self.is_first_rank = True
        self.is_last_rank = True
        self.device_group = _FakePG(ws)
        self.cpu_group = _FakePG(ws)
        self.unique_name = "fake"
        self.use_custom_op_call = False
        self.device_communicator = None


def set_fake_parallel_groups(tp):
    import vllm.distributed.parallel_state as ps

    ps._TP = _FakeGroup(tp)
    ps._PP = _FakeGroup(1)
    ps._DP = _FakeGroup(1)
    ps._EP = _FakeGroup(tp)
    ps._DCP = _FakeGroup(1)
    ps._PCP = _FakeGroup(1)
    ps._WORLD = _FakeGroup(tp)
    ps._EPLB = _FakeGroup(1)
    ps._ETP = _FakeGroup(tp)
    ps._NODE_COUNT = 1


class LogCapture(logging.Handler):
    def __init__(self):
        super().__init__(level=logging.DEBUG)
        self.lines = []

    def emit(self, record):
        if record.levelno >= logging.INFO:
            try:
                self.lines.append(f"{record.levelname} {record.getMessage()}")
            except Exception:
                pass

    def attach(self):
        lg = logging.getLogger("vllm")
        if self not in lg.handlers:
            lg.addHandler(self)

    def take(self):
        out, self.lines = self.lines, []
        return out


def reset_once_caches():
    import vllm.logger as vl

    for n in ["_print_debug_once", "_print_info_once", "_print_warning_once",
              "_print_error_once"]:
        f = getattr(vl, n, None)
        if f is not None and hasattr(f, "cache_clear"):
            f.cache_clear()


def spec_summary(spec, vllm_config):
    from vllm.utils.math_utils import cdiv

    d = {"spec_class": type(spec).__name__, "block_size": spec.block_size,
         "page_size_bytes": spec.page_size_bytes}
    for f in ["num_kv_heads", "head_size", "head_size_v", "sliding_window",
              "attention_chunk_size", "page_size_padded", "max_tp_shards",
              "cache_dtype_str", "shapes", "mamba_cache_mode",
              "num_speculative_blocks"]:
        if hasattr(spec, f):
            v = getattr(spec, f)
            if v is not None:
                d[f] = list(map(list, v)) if f == "shapes" else v
    if hasattr(spec, "dtype"):
        d["dtype"] = str(spec.dtype)
    if hasattr(spec, "dtypes"):
        d["dtypes"] = [str(x) for x in spec.dtypes]
    if hasattr(spec, "kv_quant_mode"):
        d["kv_quant_mode"] = spec.kv_quant_mode.name
    if hasattr(spec, "real_page_size_bytes"):
        d["unpadded_page_size_bytes"] = spec.real_page_size_bytes
    try:
        mm = spec.max_memory_usage_bytes(vllm_config)
        d["max_memory_usage_bytes_per_request"] = mm
        d["blocks_per_request"] = cdiv(mm, spec.page_size_bytes)
    except Exception as e:  # noqa
        d["max_memory_usage_error"] = repr(e)
    return d


def plan_one(cfg, base_cache_config, kv_specs_one_rank, tp, budget, supported_layouts, log):
    """Exactly the EngineCore._initialize_kv_caches sequence, with
    available_memory = budget for every TP rank."""
    from vllm.v1.attention.backends.utils import resolve_kv_cache_layout
    from vllm.v1.core.kv_cache_planning import (
        _pool_bytes_per_block_from_builder,
        get_global_kv_cache_groups,
        get_kv_cache_configs,
    )
    from vllm.v1.core.kv_cache_config_builder import get_kv_cache_config_builder
    from vllm.v1.core.kv_cache_utils import (
        generate_scheduler_kv_cache_config,
        get_kv_cache_capacity,
        update_kv_cache_capacity,
    )
    from vllm.v1.core.single_type_kv_cache_manager import register_all_kvcache_specs
    from vllm.v1.kv_cache_interface import UniformTypeKVCacheSpecs

    # planning mutates cache_config (block_size, layout, capacity); restore a
    # pristine copy per budget. (Deep-copying the whole VllmConfig is not
    # possible: its forward context holds meta-device parameters.)
    cfg.cache_config = copy.deepcopy(base_cache_config)
    log.attach()
    reset_once_caches()
    register_all_kvcache_specs(cfg)
    kv_cache_specs = [dict(kv_specs_one_rank) for _ in range(tp)]
    layout = resolve_kv_cache_layout(
        cfg, [supported_layouts] * tp, [s for specs in kv_cache_specs for s in specs.values()]
    )
    groups = get_global_kv_cache_groups(cfg, kv_cache_specs)
    rec = {"kv_cache_layout": layout.name}
    builder = get_kv_cache_config_builder(cfg)
    try:
        rec["bytes_per_block"] = _pool_bytes_per_block_from_builder(builder, cfg, groups)
        rec["num_blocks_ignoring_refusal"] = budget // rec["bytes_per_block"]
    except Exception as e:  # noqa
        rec["bytes_per_block_error"] = repr(e)
    try:
        kv_cache_configs = get_kv_cache_configs(cfg, kv_cache_specs, [budget] * tp, groups)
    except ValueError as e:
        rec.update(refused=True, refusal_message=str(e))
        rec["groups"] = [group_summary(g, cfg) for g in groups]
        rec["log_lines"] = log.take()
        return rec
    sched = generate_scheduler_kv_cache_config(kv_cache_configs)
    participating = [g.kv_cache_spec.block_size for g in sched.kv_cache_groups
                     if g.kv_cache_spec.prefix_cacheable]
    cfg.cache_config.block_size = min(
        participating or [g.kv_cache_spec.block_size for g in sched.kv_cache_groups])
    update_kv_cache_capacity(cfg, sched)
    tokens, conc = get_kv_cache_capacity(cfg, sched)
    kc = kv_cache_configs[0]
    rec.update(
        refused=False,
        refusal_message=None,
        num_gpu_blocks=kc.num_blocks,
        kv_cache_tokens=tokens,
        max_concurrency=conc,
        final_cache_block_size=cfg.cache_config.block_size,
        groups=[group_summary(g, cfg) for g in kc.kv_cache_groups],
        kv_cache_tensors=[
            {"size": t.size, "num_layers": len(t.layers), "layers_first": t.layers[:2],
             "offset": getattr(t, "offset", None),
             "layer_stride": getattr(t, "layer_stride", None),
             "block_stride": getattr(t, "block_stride", None)}
            for t in kc.kv_cache_tensors
        ],
        kv_tp_replicas=getattr(kc, "kv_tp_replicas", None),
    )
    rec["log_lines"] = log.take()
    return rec


def group_summary(g, cfg):
    from vllm.utils.math_utils import cdiv
    from vllm.v1.kv_cache_interface import UniformTypeKVCacheSpecs

    spec = g.kv_cache_spec
    d = {"num_layers": len(g.layer_names), "layer_names_first": g.layer_names[:3],
         "group_spec_class": type(spec).__name__,
         "group_page_size_bytes": spec.page_size_bytes,
         "block_size": spec.block_size}
    if isinstance(spec, UniformTypeKVCacheSpecs):
        per = list(spec.kv_cache_specs.values())
        d["layer_spec"] = spec_summary(per[0], cfg)
        d["distinct_layer_page_sizes"] = sorted({s.page_size_bytes for s in per})
        d["blocks_per_request"] = spec.max_memory_usage_pages(cfg)
    else:
        d["layer_spec"] = spec_summary(spec, cfg)
        d["blocks_per_request"] = cdiv(spec.max_memory_usage_bytes(cfg), spec.page_size_bytes)
    d["spec_class"] = d["layer_spec"]["spec_class"]
    d["page_size_bytes"] = d["layer_spec"]["page_size_bytes"]
    for k in ["sliding_window", "attention_chunk_size"]:
        if k in d["layer_spec"]:
            d[k] = d["layer_spec"][k]
    return d


def run_config(name):
    install_stubs()
    import torch
    import vllm
    from vllm.config import set_current_vllm_config
    from vllm.engine.arg_utils import EngineArgs
    from vllm.model_executor.model_loader.utils import initialize_model
    from vllm.platforms import current_platform
    from vllm.usage.usage_lib import UsageContext
    from vllm.utils.torch_utils import set_default_torch_dtype
    from vllm.v1.worker.gpu.attn_utils import get_kv_cache_spec
    from vllm.distributed.kv_transfer.kv_connector.utils import get_current_attn_backends
    from vllm.v1.attention.backends.utils import get_supported_kv_cache_layouts

    log = LogCapture()
    logging.getLogger("vllm").addHandler(log)

    model_dir = os.path.join(MODELS_DIR, name)
    records = []
    for kv_dtype in KV_DTYPES:
        for tp in TPS:
            for mml in MMLS:
                base = {"config": name + ".json", "tp": tp, "kv_cache_dtype": kv_dtype,
                        "max_model_len_requested": mml}
                log.take()
                reset_once_caches()
                try:
                    extra = {}
                    if name == "OPT-125m":
                        # vLLM's test copy renamed the architecture to MyOPTForCausalLM
                        # (registered only inside vLLM's tests); use the real name.
                        extra["hf_overrides"] = {"architectures": ["OPTForCausalLM"]}
                        base["hf_overrides"] = extra["hf_overrides"]
                    ea = EngineArgs(model=model_dir, skip_tokenizer_init=True, **extra,
                                    tensor_parallel_size=tp, max_model_len=mml,
                                    kv_cache_dtype=kv_dtype, load_format="dummy")
                    cfg = ea.create_engine_config(usage_context=UsageContext.OPENAI_API_SERVER)
                except Exception as e:  # vLLM refuses the configuration itself
                    for b in BUDGETS:
                        records.append({**base, "kv_budget_bytes": b, "status": "config_error",
                                        "error": f"{type(e).__name__}: {e}",
                                        "log_lines": log.lines[-5:]})
                    continue
                # JIT kernel warm-up registration (DeepSeek-V4's CuTe-DSL compressor kernels) needs
                # CUTLASS's Python DSL and a GPU; it registers kernels, not cache specs (issue 13)
                if getattr(cfg, "kernel_config", None) is not None:
                    cfg.kernel_config.enable_jit_warmup = False
                log.attach()
                set_fake_parallel_groups(tp)
                install_fake_torch_ops()
                info = {
                    "max_model_len": cfg.model_config.max_model_len,
                    "model_dtype": str(cfg.model_config.dtype),
                    "architecture": cfg.model_config.architecture,
                    "max_num_batched_tokens": cfg.scheduler_config.max_num_batched_tokens,
                    "max_num_seqs": cfg.scheduler_config.max_num_seqs,
                    "async_scheduling": cfg.scheduler_config.async_scheduling,
                    "max_in_flight_tokens": cfg.max_in_flight_tokens,
                    "enable_prefix_caching": cfg.cache_config.enable_prefix_caching,
                    "block_size_after_engine_config": cfg.cache_config.block_size,
                    "disable_hybrid_kv_cache_manager": cfg.scheduler_config.disable_hybrid_kv_cache_manager,
                    "use_v2_model_runner": cfg.use_v2_model_runner,
                }
                try:
                    # GPUModelRunner.__init__ sets up the workspace manager before loading the
                    # model (v1/worker/workspace.py); sparse-MLA layers with fp8_ds_mla need it
                    from vllm.v1.worker.workspace import init_workspace_manager

                    init_workspace_manager(torch.device("meta"))
                    META_ONLY[0] = True
                    try:
                        with set_current_vllm_config(cfg), set_default_torch_dtype(
                                cfg.model_config.dtype), torch.device("meta"):
                            model = initialize_model(cfg)
                    finally:
                        META_ONLY[0] = False
                    with set_current_vllm_config(cfg):
                        current_platform.update_block_size_for_backend(cfg)
                        specs = get_kv_cache_spec(cfg)
                        backends = get_current_attn_backends(cfg)
                        layouts = [l.name for l in get_supported_kv_cache_layouts(backends)]
                    del model
                    info.update(
                        block_size=cfg.cache_config.block_size,
                        mamba_block_size=cfg.cache_config.mamba_block_size,
                        mamba_page_size_padded=cfg.cache_config.mamba_page_size_padded,
                        attn_backends=[b.get_name() for b in backends],
                        num_kv_cache_layers=len(specs),
                        init_log_lines=[l for l in log.take()
                                        if "block size" in l or "backend" in l
                                        or "mamba" in l.lower() or "Padding" in l],
                    )
                except Exception as e:
                    for b in BUDGETS:
                        records.append({**base, **info, "kv_budget_bytes": b,
                                        "status": "model_init_error",
                                        "error": f"{type(e).__name__}: {e}",
                                        "traceback": traceback.format_exc()[-3000:]})
                    continue
                base_cache_config = copy.deepcopy(cfg.cache_config)
                for b in BUDGETS:
                    rec = {**base, **info, "kv_budget_bytes": b}
                    try:
                        with set_current_vllm_config(cfg):
                            rec.update(plan_one(cfg, base_cache_config, specs, tp, b, layouts, log))
                        rec["status"] = "refused" if rec["refused"] else "ok"
                    except Exception as e:
                        rec.update(status="planning_error", error=f"{type(e).__name__}: {e}",
                                   traceback=traceback.format_exc()[-3000:])
                    records.append(rec)
    return records


def main():
    global CONFIG_DIR, BUDGETS, TPS, MMLS, KV_DTYPES
    ap = argparse.ArgumentParser()
    ap.add_argument("--only", nargs="*")
    ap.add_argument("--worker")
    ap.add_argument("--jobs", type=int, default=2)
    # issue 13: run on other configs (tests/fixtures/configs) and a smaller grid
    ap.add_argument("--config-dir", default=CONFIG_DIR)
    ap.add_argument("--tps", default=None, help="comma-separated TP sizes (default 1,2,8)")
    ap.add_argument("--budgets-gib", default=None, help="comma-separated KV budgets in GiB (default 4,40)")
    ap.add_argument("--mmls", default=None, help="comma-separated max_model_len values, 0 = vLLM default")
    ap.add_argument("--kv-dtypes", default=None, help="comma-separated --kv-cache-dtype values (default auto,fp8)")
    args = ap.parse_args()
    CONFIG_DIR = args.config_dir
    if args.tps:
        TPS = [int(x) for x in args.tps.split(",")]
    if args.budgets_gib:
        BUDGETS = [int(x) * GiB for x in args.budgets_gib.split(",")]
    if args.mmls:
        MMLS = [int(x) or None for x in args.mmls.split(",")]
    if args.kv_dtypes:
        KV_DTYPES = args.kv_dtypes.split(",")
    grid = sum([["--tps", ",".join(map(str, TPS)), "--budgets-gib", ",".join(str(b // GiB) for b in BUDGETS),
                 "--mmls", ",".join(str(m or 0) for m in MMLS), "--kv-dtypes", ",".join(KV_DTYPES),
                 "--config-dir", CONFIG_DIR]], [])
    if args.worker:
        recs = run_config(args.worker)
        with open(os.path.join(HERE, "out", args.worker + ".json"), "w") as f:
            json.dump(recs, f, indent=1, default=str)
        return
    names = sorted(f[:-5] for f in os.listdir(CONFIG_DIR) if f.endswith(".json"))
    if args.only:
        names = [n for n in names if n in args.only]
    os.makedirs(os.path.join(HERE, "out"), exist_ok=True)
    for n in names:
        os.makedirs(os.path.join(MODELS_DIR, n), exist_ok=True)
        src = os.path.join(CONFIG_DIR, n + ".json")
        dst = os.path.join(MODELS_DIR, n, "config.json")
        if n in TEXT_ONLY_DERIVED:
            # The multimodal wrapper's processor inspection needs torchvision
            # (only a CUDA wheel is available here). The KV cache belongs to the
            # language model only, so serve the text_config with vLLM's
            # text-only class (same decoder-layer code).
            d = json.load(open(src))
            t = dict(d["text_config"])
            arch, mtype = TEXT_ONLY_DERIVED[n]
            t["architectures"] = [arch]
            t["model_type"] = mtype
            for k in ("torch_dtype", "dtype", "tie_word_embeddings"):
                if k in d:
                    t.setdefault(k, d[k])
            json.dump(t, open(dst, "w"), indent=1)
        elif n in RENAMED:
            d = json.load(open(src))
            arch, mtype = RENAMED[n]
            wrapped = {"architectures": [arch], "model_type": mtype, "text_config": d}
            for k in ("torch_dtype", "dtype", "tie_word_embeddings", "max_position_embeddings"):
                if k in d:
                    wrapped[k] = d[k]
            json.dump(wrapped, open(dst, "w"), indent=1)
        else:
            shutil.copyfile(src, dst)
    procs = []
    pending = list(names)
    while pending or procs:
        while pending and len(procs) < args.jobs:
            n = pending.pop(0)
            lf = open(os.path.join(HERE, "out", n + ".log"), "w")
            procs.append((n, subprocess.Popen([sys.executable, __file__, "--worker", n, *grid],
                                              stdout=lf, stderr=subprocess.STDOUT)))
        for n, p in list(procs):
            if p.poll() is not None:
                print(n, "rc", p.returncode, flush=True)
                procs.remove((n, p))
        import time
        time.sleep(1)
    import torch
    import importlib.metadata as md

    all_recs = []
    for n in sorted(os.listdir(CONFIG_DIR)):
        p = os.path.join(HERE, "out", n[:-5] + ".json")
        if n.endswith(".json") and os.path.exists(p) and (not args.only or n[:-5] in args.only):
            all_recs.extend(json.load(open(p)))
    out = {
        "metadata": {
            "vllm_version": md.version("vllm"),
            "torch_version": torch.__version__,
            "transformers_version": md.version("transformers"),
            "date": datetime.datetime.now(datetime.timezone.utc).isoformat(),
            "command": " ".join([sys.executable] + sys.argv),
            "emulated_device": "NVIDIA H100 80GB HBM3 (SM 9.0), usage_context=OPENAI_API_SERVER",
            "notes": "see docstring of measure_vllm.py and RULES.md",
        },
        "records": all_recs,
    }
    with open(os.path.join(HERE, "vllm_golden.json"), "w") as f:
        json.dump(out, f, indent=1, default=str)
    print("wrote", len(all_recs), "records")


if __name__ == "__main__":
    main()
