"""A vLLM release's rules in a simulation (``--engine-version`` of simulate, as fit's: ``ServeOptions.vllm_version``):
its start-up is fit's (engine_limits plans it), its scheduler's rules and its per-step costs are those check-bench
replays a run of that release with (observe/bench.py ``replay``), each said in a note."""
from __future__ import annotations

from ...model.frozen import replace
from ..latency.versions import release_profile
from .limits import for_engine_version
from .vllm_v0 import v0_limits


def for_release(lim, opts):
    """``lim`` (``engine_limits``', whose fit already plans the start-up of ``opts.vllm_version``) under that vLLM
    release's scheduler rules, as check-bench replays a run of it (observe/bench.py ``replay``): V0's scheduler
    before 0.8.0 (``v0_limits``), then limits.py ``for_engine_version`` (admission by the first chunk before 0.19.0,
    no async scheduling before 0.14.0). ``lim`` itself without a release or for another engine."""
    ver = getattr(opts, "vllm_version", None)
    if not ver or lim.engine != "vllm":
        return lim
    out = for_engine_version(v0_limits(lim, 1, opts, ver), ver)
    said = ["the V0 engine (before 0.8.0): prefill-first steps of whole prompts (vllm_v0.py)"] if out.v0 else []
    said += ["admission checks the first chunk's blocks only (before 0.19.0)"] if lim.reserve_full_isl and not \
        out.reserve_full_isl and not out.v0 else []
    said += ["async scheduling off (before 0.14.0)"] if lim.async_scheduling and not out.async_scheduling else []
    prof = release_profile("vllm", opts)
    said += [f"steps priced by engines.yaml's {prof} profile"] if prof != "vllm" else []
    note = f"vLLM {ver} (--engine-version): " + ("; ".join(said) if said else "its start-up; its scheduler and "
                                                "steps as kvplan's vLLM 0.33.0")
    return replace(out, note="; ".join(x for x in (lim.note, note) if x))
