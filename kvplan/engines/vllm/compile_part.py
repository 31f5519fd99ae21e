"""vLLM's torch.compile term of the start-up budget: a cold compile inside the profile run, a warm cache's
nothing (engines/vllm/startup.py overheads calls it)."""
from __future__ import annotations

from ...errors import KvplanError, opt
from ..base import BudgetPart
from .startup_data import const


def torch_compile_part(opts, cold_const: str | None = None) -> list[BudgetPart]:
    """torch.compile's share of the profile run, as a term with no bytes and an uncertainty: vLLM
    compiles the model inside the profile run that sizes the KV cache (gpu_worker.py
    determine_available_memory: profile_run under memory_profiling), so a cold compile cache's
    Inductor work is charged to the budget and a warm one's is not. Its size is not in vLLM's code
    and the logs disagree on it (0 to 0.81 GiB), so nothing is charged and the FITTED band
    (startup.yaml torch_compile_cold_uncertainty_bytes) makes the verdict lean to "at risk". None
    under --enforce-eager (no compile: "Enforce eager set, disabling torch.compile"), no band where the
    cache is warm (``opts.compile_cache``: the user's --compile-cache warm, or a log that loads its
    graphs from the cache), and none where the
    user gives both terms a compile lands in (--activation-memory, the torch peak; --non-torch-memory,
    what memory_profiling counts outside it): measured, not estimated.

    ``cold_const``: the startup.yaml constant a release range's ``cold_compile`` names (vLLM 0.22.0 to 0.28.0,
    and 0.29.0 to 0.30.0, model_runner): there a cold or unstated cache is charged that FITTED step, the band kept."""
    if opts.enforce_eager or (opts.activation_bytes is not None and opts.non_torch_bytes is not None):
        return []
    cache = getattr(opts, "compile_cache", None)
    if cache not in (None, "warm", "cold"):
        raise KvplanError(f"{opt('compile_cache', cache)} is not one of: warm, cold")
    if cache == "warm":
        # vLLM 0.33.0 compilation/backends.py CompilerManager.compile: a graph found in the cache is
        # loaded ("Directly load the compiled graph(s) ... from the cache") and Inductor compiles nothing
        # in the profile run; the cache is where compilation-config cache_dir (or VLLM_CACHE_ROOT's
        # torch_compile_cache) points, and VLLM_DISABLE_COMPILE_CACHE=1 (envs.py) turns it off
        return [BudgetPart("torch_compile", "torch.compile, warm cache", 0,
                           "none: a warm compile cache (--compile-cache warm, or the log's \"Directly load the "
                           "compiled graph(s) ... from the cache\", vLLM compilation/backends.py "
                           "CompilerManager.compile) loads the compiled graphs; nothing is compiled in the "
                           "profile run", 0)]
    if cold_const:
        return [BudgetPart("torch_compile", "torch.compile, cold cache (estimated)", const(cold_const),
                           "a cold compile in the profile run (gpu_worker.py determine_available_memory, "
                           "memory_profiling's transient peak), charged unless the cache is warm (--compile-cache "
                           f"warm); FITTED on a fit-side log of this release range (engines/vllm/startup.yaml "
                           f"{cold_const})", const("torch_compile_cold_uncertainty_bytes"))]
    return [BudgetPart("torch_compile", "torch.compile, cold cache (estimated)", 0,
                       "not charged: a cold compile in the profile run (gpu_worker.py "
                       "determine_available_memory, memory_profiling) costs 0 to 0.81 GiB in the logs, "
                       "a warm cache nothing; a band FITTED on fit-side logs, not vLLM's code "
                       "(engines/vllm/startup.yaml torch_compile_cold_uncertainty_bytes)",
                       const("torch_compile_cold_uncertainty_bytes"))]
