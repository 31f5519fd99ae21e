"""The command line that starts an engine for a planned deployment (``kvplan plan``). Each engine
owns its flag names here, each with the page that documents it:

* vLLM 0.33 (docs.vllm.ai, "vllm serve" CLI reference): ``--tensor-parallel-size``,
  ``--max-num-seqs``, ``--max-model-len``; disaggregated prefill/decode through the NIXL
  connector: ``--kv-transfer-config '{"kv_connector":"NixlConnector","kv_role":"kv_both"}'``
  (docs/features/nixl_connector_usage.md).
* SGLang 0.5 (docs.sglang.ai, server arguments): ``--model-path``, ``--tp``,
  ``--max-running-requests``, ``--context-length``, ``--dp-size`` with ``--enable-dp-attention``; disaggregation:
  ``--disaggregation-mode prefill|decode`` (docs/advanced_features/pd_disaggregation.md).
"""
from __future__ import annotations

import shlex

from ..errors import KvplanError

NIXL = '{"kv_connector":"NixlConnector","kv_role":"kv_both"}'


def serve_command(engine: str, model: str, tp: int, max_num_seqs: int | None = None,
                  role: str | None = None, max_model_len: int | None = None, data_parallel_size: int = 1,
                  enable_expert_parallel: bool = False, dp_attention: bool = False,
                  gpu_memory_utilization: float | None = None) -> str:
    """One replica's command. ``role``: None (aggregated), "prefill" or "decode".
    ``data_parallel_size`` / ``enable_expert_parallel``: vLLM's flags; SGLang takes
    ``data_parallel_size`` with ``dp_attention`` (--dp-size D --enable-dp-attention) only.
    ``gpu_memory_utilization``: vLLM's --gpu-memory-utilization, SGLang's --mem-fraction-static."""
    if role not in (None, "prefill", "decode"):
        raise KvplanError(f"role must be prefill or decode, got {role!r}")
    if engine == "vllm":
        args = ["vllm", "serve", model, "--tensor-parallel-size", str(tp)]
        if data_parallel_size > 1:
            args += ["--data-parallel-size", str(data_parallel_size)]
        if enable_expert_parallel:
            args += ["--enable-expert-parallel"]
        if max_num_seqs:
            args += ["--max-num-seqs", str(max_num_seqs)]
        if max_model_len:
            args += ["--max-model-len", str(max_model_len)]
        if gpu_memory_utilization is not None:
            args += ["--gpu-memory-utilization", f"{gpu_memory_utilization:g}"]
        if role:
            args += ["--kv-transfer-config", NIXL]
    elif engine == "sglang":
        if (data_parallel_size > 1 and not dp_attention) or enable_expert_parallel:
            raise KvplanError("no SGLang launch command for vLLM's data/expert-parallel flags")
        args = ["python", "-m", "sglang.launch_server", "--model-path", model, "--tp", str(tp)]
        if dp_attention and data_parallel_size > 1:
            args += ["--dp-size", str(data_parallel_size), "--enable-dp-attention"]
        if max_num_seqs:
            args += ["--max-running-requests", str(max_num_seqs)]
        if max_model_len:
            args += ["--context-length", str(max_model_len)]
        if gpu_memory_utilization is not None:
            args += ["--mem-fraction-static", f"{gpu_memory_utilization:g}"]
        if role:
            args += ["--disaggregation-mode", role]
    else:
        raise KvplanError(f"no launch command for engine {engine!r} (vllm or sglang)")
    return shlex.join(args)
