"""The engine's front end, per request: HTTP server, chat template, tokenization and the hand-over to the
scheduler, time a request through an API server spends outside the model's passes. One home (issue 21, moved from
plan/simulate/limits.py): simulate queues requests through it (a FIFO server, issue 22); a served request's first
token includes it once (``per_request_seconds``: what `kvplan perf` adds for a client-side TTFT, and what the accuracy
page adds to the rows measured through an HTTP endpoint, benchmarks/published/served.yaml). An engine-internal
benchmark (vLLM benchmark_latency, TensorRT-LLM gptSessionBenchmark, llama-bench) has none."""
from __future__ import annotations

from . import tables

# The engine's front end (HTTP server, chat template, tokenization: one API-server process in
# vLLM) as one FIFO server that hands each request to the scheduler after ``per_request_s`` of its
# time, per endpoint (``ENDPOINTS``; vllm bench serve's default backend posts to /v1/completions).
# Data with its source; 0 where nothing was fitted. ``in-process``: no front end at all, an engine driven from
# Python in the benchmark's own process (vLLM's LLM / AsyncLLM given token ids), so 0 by construction, not fitted.
ENDPOINTS = ("completions", "chat", "in-process")
IN_PROCESS_SOURCE = ("no HTTP front end: the engine is driven in-process (vLLM's AsyncLLM.generate with a "
                     "TokensPrompt, e.g. casys-kaist/LLMServingSim bench/core/runner.py), so no API server, chat "
                     "template or tokenization sits before the scheduler; its TTFT starts at the request's "
                     "queued_ts (RequestStateStats)")
FRONTEND = {
    "vllm": {"per_request_s": {"completions": 0.0108, "chat": 0.02272, "in-process": 0.0},
             "source": {
                 "chat": "fitted (issue 22, round 2, fit side only): gpustack's vLLM 0.11.0 run of 1,000 "
                         "requests of 128 -> 4 tokens at rate inf on one H100 (Qwen3-14B, openai-chat, "
                         "/v1/chat/completions) took 22.72 s, 22.72 ms a request, where the engine's own "
                         "work is under 3 s",
                 "completions": "fitted (issue 22, round 3, fit side only): kvcached's three vLLM 0.19.0 runs "
                                "of 500 requests of 512 -> 128 tokens at rate inf on one H100 (Qwen3-0.6B, "
                                "/v1/completions) took 5.16-5.40 s (92.6-97.0 requests/s; TTFT median 2.8-3.0 s, "
                                "half the run: the requests reached the engine one after another), where "
                                "the engine's own work is under 1 s; inference-perf's 112.55/s run (vLLM "
                                "0.11.0, completions, seen side) completed 89 requests/s, the same ceiling",
                 "in-process": IN_PROCESS_SOURCE}},
    "sglang": {"per_request_s": {"completions": 0.0, "chat": 0.0, "in-process": 0.0},
               "source": {e: "not fitted: SGLang tokenizes in a process of its own; no SGLang run among "
                             "the fit side isolates a per-request cost" if e != "in-process" else IN_PROCESS_SOURCE
                          for e in ENDPOINTS}},
}


def per_request_seconds(engine: str, endpoint: str = "completions") -> tuple[float, str]:
    """(seconds, source) of one request's front end on ``endpoint``: ``FRONTEND`` (fitted by issue 22 on serving runs)
    where it has the engine, else the engine's ``per_request_ms`` in fitted.yaml (benchmarks/latency/fit.py, on the fit
    side's client-side TTFT rows), else 0 (nothing fitted); ``in-process`` (no front end): 0 for every engine."""
    if endpoint == "in-process":
        return 0.0, IN_PROCESS_SOURCE
    if engine in FRONTEND:
        return FRONTEND[engine]["per_request_s"][endpoint], FRONTEND[engine]["source"][endpoint]
    got = tables.load("fitted")["engines"].get(engine, {})
    if "per_request_ms" in got:
        return got["per_request_ms"] / 1e3, got.get("per_request_source", "fitted.yaml")
    return 0.0, "not fitted: no client-side first-token row of this engine on the fit side"
