"""Which engines.yaml overhead profile a run of an engine's stated version takes (issue 21): a profile with
``versions_of: ENGINE`` and ``versions_from`` / ``versions_below`` (and their sources) stands for those releases of
ENGINE. vLLM: before 0.2.5 (no CUDA graphs, PR #1926) ``vllm_v020``; 0.2.5 to 0.5.x, the V0 engine, ``vllm_v0``;
0.6.0 to 0.7.x, the V0 engine with v0.6.0's asynchronous output processing, ``vllm_v06`` (simulate/vllm_v0.py
``v0_engine``: V1 by default from 0.8.0, PR #13726); 0.8.0 on, and any version not stated or not leading with a
number, the engine's own profile (kvplan's vLLM, V1)."""
from __future__ import annotations

import re


def without_engine_name(text: str | None) -> str:
    """A version text without the engine name it may lead with ("vLLM 0.7.4.dev181+gf35f8e22 (...)" ->
    "0.7.4.dev181+gf35f8e22 (...)"; "SGLang 0.4.3.post2" -> "0.4.3.post2"); a text with none, as given ("" for None)."""
    return re.sub(r"^\s*[A-Za-z][\w.-]*\s+(?=v?\d)", "", text or "")


def _release(text: str | None) -> tuple[int, int, int] | None:
    """(major, minor, patch) of a version text that leads with one, after an optional engine name
    ("vLLM 0.6.3.post2.dev308+gb489fc3c", "0.7.3", "v0.4.1"); None otherwise ("vLLM main of 2024-01-22")."""
    from ..simulate.limits import vllm_version

    v = vllm_version(without_engine_name(text))
    return None if v is None else v[1]


def _parse(s: str) -> tuple[int, ...]:
    return tuple(int(x) for x in str(s).split("."))


def profile_for(engine: str, version: str | None) -> str:
    """The engines.yaml profile ``engine`` at ``version`` runs: the profile whose ``versions_of`` is the engine and
    whose [versions_from, versions_below) holds the release; else the engine itself. A vLLM release the V0 bracket
    holds whose text says V1 ("0.7.3 (V1)": VLLM_USE_V1=1) is V1's: vllm_v0.py ``v0_engine`` decides V0 / V1."""
    from . import tables

    rel = _release(version)
    if rel is None:
        return engine
    for name, p in tables.load("engines").items():
        if p.get("versions_of") != engine:
            continue
        if _parse(p["versions_from"]) <= rel < _parse(p["versions_below"]):
            if p.get("v0_engine"):  # the bracket is V0's: a text that says V1 ran V1
                from ..simulate.vllm_v0 import v0_engine

                if not v0_engine(without_engine_name(version)):
                    return engine
            return name
    return engine


def release_profile(engine: str, opts) -> str:
    """The latency profile of a plan at the vLLM release ``opts.vllm_version`` names (``--engine-version`` of fit,
    simulate, sweep, compare and perf: ``profile_for`` it, so vLLM 0.6.0-0.7.x steps at ``vllm_v06``'s per-step
    costs); the engine's own profile without one, or for an engine other than vLLM (the release is vLLM's only).
    ``opts``: ServeOptions, or the release itself ("0.7.3"; None: none)."""
    v = opts if opts is None or isinstance(opts, str) else getattr(opts, "vllm_version", None)
    return profile_for("vllm", v) if v and str(engine).strip().lower() == "vllm" else engine


def step_profile(engine: str, version: str | None, scheduler_steps: int = 1) -> str:
    """The profile a replayed run's steps take (observe/bench.py ``replay``): ``profile_for`` its version, one step
    scheduled at a time; with V0's multi-step (``--num-scheduler-steps`` > 1, simulate/vllm_v0.py) the engine's own,
    since that mode runs the block's steps without scheduling or handing outputs back between them, the per-step CPU
    work ``vllm_v0``'s and ``vllm_v06``'s constants price (not fitted on such a run: no fit-side row states its steps)."""
    return engine if scheduler_steps > 1 else profile_for(engine, version)


def levels_profile(engine: str, versions, scheduler_steps: int = 1) -> str:
    """The one profile of runs stating ``versions`` (``step_profile``), or the engine's own where they differ."""
    got = {step_profile(engine, v, scheduler_steps) for v in versions}
    return got.pop() if len(got) == 1 else engine


def graph_max_batch(engine: str, version: str | None) -> tuple[int, str] | None:
    """(the largest decode batch ``engine`` at the stated ``version`` captures a CUDA graph for, its source) where
    engines.yaml's entry lists the release in its ``graph_max_batch`` brackets ([versions_from, versions_below)); None
    where no bracket holds it (a version not stated, or not read: every decode batch graphed, as before)."""
    from . import tables

    rel = _release(version)
    if rel is None:
        return None
    for b in tables.load("engines").get(engine, {}).get("graph_max_batch", []):
        if _parse(b["versions_from"]) <= rel < _parse(b["versions_below"]):
            return b["max_batch"], b["source"]
    return None
