"""The pure-python parts of vLLM 0.33.0's expert-parallel all-to-all sizing, run from its wheel
(tests/engines/test_vllm_ep_buffers.py checks kvplan against what this prints).

    /path/to/venv-with-vllm-0.33.0/bin/python scripts/oracles/vllm/ep_buffers_oracle.py

(vllm-0.33.0-cp38-abi3-manylinux_2_28_x86_64.whl --no-deps, torch 2.13.0+cpu.) DeepEP is a CUDA
extension and is not installed: ``deep_ep`` is stubbed so that vLLM's modules import; its
``get_low_latency_rdma_size_hint`` is not run (the tests compute it by hand).
"""
import sys
import types

stub = types.ModuleType("deep_ep")
stub.Buffer = object
sys.modules["deep_ep"] = stub

import vllm  # noqa: E402
import vllm.envs as envs  # noqa: E402
from vllm.config.parallel import ParallelConfig  # noqa: E402
from vllm.config.scheduler import SchedulerConfig  # noqa: E402
from vllm.model_executor.layers.fused_moe.prepare_finalize.deepep_ll import (  # noqa: E402
    DeepEPLLPrepareAndFinalize)

print("vllm", vllm.__version__)
print("default all2all_backend", ParallelConfig.__dataclass_fields__["all2all_backend"].default)
print("VLLM_DEEPEP_BUFFER_SIZE_MB", envs.VLLM_DEEPEP_BUFFER_SIZE_MB)
print("DEFAULT_MAX_NUM_BATCHED_TOKENS_FOR_BATCHED_DP", SchedulerConfig.DEFAULT_MAX_NUM_BATCHED_TOKENS_FOR_BATCHED_DP)
for h in (2048, 2880, 4096, 7168):
    print("LL hidden", h, "->", DeepEPLLPrepareAndFinalize.maybe_roundup_layer_hidden_size(h))
