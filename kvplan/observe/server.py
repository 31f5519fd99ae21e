"""A running vLLM server: its Prometheus /metrics and /v1/models, beside kvplan's plan.

vLLM 0.33.0 exports its cache configuration as ``vllm:cache_config_info``, a gauge set to 1 whose
labels are every CacheConfig field as a string (vllm/v1/metrics/loggers.py:1114-1135,
log_metrics_info; vllm/config/cache.py:440, metrics_info): ``block_size``, ``num_gpu_blocks``,
``cache_dtype``, ``gpu_memory_utilization``, ``kv_cache_memory_bytes``, and since the
capacity became group-aware ``kv_cache_size_tokens`` and ``kv_cache_max_concurrency``. The share
of the cache in use is ``vllm:kv_cache_usage_perc`` (loggers.py:620; ``vllm:gpu_cache_usage_perc``
before). ``/v1/models`` lists the served models with ``root`` (the model path) and
``max_model_len`` (entrypoints/serve/engine/protocol.py:105, ModelCard).

The page is parsed with prometheus_client's own text parser (``kvplan[server]``), imported here
alone; the HTTP requests use the standard library, with a timeout.
"""
from __future__ import annotations

import json
import urllib.error
import urllib.request

from ..errors import KvplanError
from .logs import Check, Figure, LogFacts

EXTRA = "pip install 'kvplan[server]'"
USAGE = ("vllm:kv_cache_usage_perc", "vllm:gpu_cache_usage_perc")


def _get(url: str, timeout: float) -> str:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as r:  # noqa: S310 (the user's own URL)
            return r.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as e:
        raise KvplanError(f"{url}: HTTP {e.code} {e.reason}") from None
    except urllib.error.URLError as e:
        reason = getattr(e.reason, "strerror", None) or str(e.reason)
        raise KvplanError(f"cannot reach {url}: {reason} (is the server running?)") from None
    except TimeoutError:
        raise KvplanError(f"{url} did not answer within {timeout:g} s (--timeout)") from None
    except ValueError as e:  # not an http(s) URL
        raise KvplanError(f"not a URL kvplan can read: {url} ({e})") from None


def parse_metrics(text: str, where: str) -> tuple[dict, float | None]:
    """The ``vllm:cache_config_info`` labels and the KV usage (0..1) of a /metrics page."""
    try:
        from prometheus_client.parser import text_string_to_metric_families
    except ImportError:
        raise KvplanError(f"check-server needs prometheus_client to read /metrics: {EXTRA}") from None
    labels, usage = None, None
    try:
        for fam in text_string_to_metric_families(text):
            for s in fam.samples:
                if s.name == "vllm:cache_config_info" and labels is None:
                    labels = dict(s.labels)
                elif s.name in USAGE and usage is None:
                    usage = float(s.value)
    except (ValueError, TypeError, IndexError):
        raise KvplanError(f"{where} is not a Prometheus metrics page") from None
    if labels is None:
        raise KvplanError(f"{where} is not a vLLM metrics page (no vllm:cache_config_info)")
    return labels, usage


def _none(v):
    return None if v in (None, "None", "") else v


def read(url: str, timeout: float = 5.0) -> tuple[dict, float | None, dict | None]:
    """(cache_config labels, KV usage, the first served model's card) from a server."""
    base = url.strip().rstrip("/")
    if "://" not in base and base.startswith(("/", ".", "~")):  # it was tried as http:///path/metrics
        raise KvplanError(f"check-server reads a running server's URL (localhost:8000, http://HOST:PORT), not a "
                          f"file: '{url}'; a start-up log is kvplan check-log's")
    if "://" not in base:  # localhost:8000
        base = "http://" + base
    if not base.startswith(("http://", "https://")):
        raise KvplanError(f"check-server reads http:// or https:// URLs, got '{url}'")
    if base.endswith("/metrics"):
        base = base[: -len("/metrics")]
    labels, usage = parse_metrics(_get(base + "/metrics", timeout), base + "/metrics")
    card = None
    try:
        data = json.loads(_get(base + "/v1/models", timeout)).get("data") or []
        card = data[0] if data and isinstance(data[0], dict) else None
    except (KvplanError, ValueError, AttributeError):
        card = None  # /v1/models is optional: --model names the model then
    return labels, usage, card


def check(url: str, gpu: str, model: str | None = None, timeout: float = 5.0, flags: dict | None = None) -> Check:
    """kvplan's vLLM plan beside what the server's cache configuration reports."""
    from . import logs

    labels, usage, card = read(url, timeout)
    served = (card or {}).get("root") or (card or {}).get("id")
    facts_flags = {"block_size": _none(labels.get("block_size")),
                   "gpu_memory_utilization": _none(labels.get("gpu_memory_utilization")),
                   "kv_cache_dtype": _none(labels.get("cache_dtype")),
                   "kv_cache_memory_bytes": _none(labels.get("kv_cache_memory_bytes")),
                   "max_model_len": (card or {}).get("max_model_len")}
    facts_flags = {k: v for k, v in facts_flags.items() if v is not None}
    facts_flags.update({k: v for k, v in (flags or {}).items() if v is not None})
    figures = []
    for key, label, unit, name in (("gpu_blocks", "GPU blocks", "blocks", "num_gpu_blocks"),
                                   ("kv_tokens", "KV cache size", "tokens", "kv_cache_size_tokens"),
                                   ("max_concurrency", "max concurrency", "x", "kv_cache_max_concurrency")):
        v = _none(labels.get(name))
        if v is not None:
            figures.append(Figure(key, label, float(v), unit, 0, name))
    if "kv_tokens" not in {f.key for f in figures} and labels.get("num_gpu_blocks") not in (None, "None") \
            and _none(labels.get("block_size")):
        n = int(labels["num_gpu_blocks"]) * int(labels["block_size"])
        figures.append(Figure("kv_tokens", "KV cache size (blocks × block size)", n, "tokens", 0,
                              "num_gpu_blocks×block_size"))
    if not figures:
        raise KvplanError(f"{url}: vllm:cache_config_info carries no cache size (num_gpu_blocks is None)")
    notes = []
    if usage is not None:
        notes.append(f"KV cache in use now: {100 * usage:.1f} % (vllm:kv_cache_usage_perc)")
    facts = LogFacts("vllm", served, facts_flags, tuple(figures), None, tuple(notes))
    if model is None and served is None:
        raise KvplanError(f"{url}/v1/models names no model; give --model")
    return logs.check(facts, gpu=gpu, model=model)
