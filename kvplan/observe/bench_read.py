"""Reading a benchmark tool's result into load levels (``read``): vllm bench serve's and sglang.bench_serving's
JSON and printed blocks, inference-perf's lifecycle report and GuideLLM's benchmarks report (kvplan/observe/bench.py's
docstring says what each field means and where it comes from)."""
from __future__ import annotations

import json
import math
import re
from pathlib import Path

from ..errors import KvplanError
from ..model.frozen import field, record, replace
from .logs import VLLM_VERSION


TOOLS = ("vllm", "sglang", "inference-perf", "guidellm")


@record
class Level:
    tool: str
    source: str  # file (and line / index)
    model: str | None
    rate: float | None  # requests/s; None with concurrency, inf for all at once
    concurrency: int | None
    requests: int
    prompt_tokens: str  # simulate's --prompt-tokens
    output_tokens: str
    measured: dict = field(default_factory=dict)  # ttft_ms / itl_ms: {mean, p50, p90, p99}; output_tokens_per_s
    lengths: tuple = ()  # per-request (prompt, output) tokens, where the file keeps them
    dataset: str | None = None  # the tool's data set ("sharegpt", "random"), where known
    endpoint: str | None = None  # "chat" or "completions" where the file says (its backend)
    # a client that sends documents' prompts and warms up first (benchmarks/serving/accuracy.py's
    # client_prompts): per-request prefix groups beside ``lengths`` (the first ``warmup`` of both are
    # the warm-up batch, the ``requests`` measured ones follow), sharing their first ``shared_prefix``
    prefix_ids: tuple = ()
    shared_prefix: int = 0
    warmup: int = 0
    engine_version: str | None = None  # the vLLM version where the file states it (its server's log lines)
    # the client's arrival process at a finite rate (simulate/workload.py ``arrivals``): "poisson" (vllm bench serve
    # at --burstiness 1, its default; SGLang bench_serving's exponential gaps; inference-perf, whose "constant" load
    # draws exponential gaps and rescales them to the stage's duration, loadgen/load_timer.py ConstantLoadTimer),
    # "constant" (GuideLLM's constant profile: uniform intervals; vllm bench serve at --burstiness inf) or "gamma:B"
    # (vllm bench serve --burstiness B)
    arrivals: str = "poisson"


def _to(v, key: str, kind=float):
    """``v`` (the file's ``key``) as a number of ``kind``; a string, list or bool names its field."""
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        raise ValueError(f"{key} is {v!r}, not a number")
    if kind is int and v != int(v):
        raise ValueError(f"{key} is {v!r}, not a whole number")
    return kind(v)


def _num(v, key: str):
    return None if v is None else _to(v, key)


def _stats(d: dict, prefix: str, scale: float = 1.0) -> dict:
    out = {}
    for key, name in (("mean", "mean"), ("median", "p50"), ("p50", "p50"), ("p90", "p90"), ("p99", "p99")):
        v = d.get(f"{key}_{prefix}") if prefix else d.get(key)
        if v is not None and name not in out:
            out[name] = _to(v, f"{key}_{prefix}" if prefix else key) * scale
    return out


def _rate(v, key: str = "request_rate") -> float | None:
    if v is None:
        return None
    if isinstance(v, str) and v.strip().lower() in ("inf", "infinity"):
        return math.inf
    f = _to(v, key)
    if not f > 0:  # said as the file's field, not as simulate's --rate
        raise ValueError(f"{key} is {v!r}, not a rate > 0 (or inf)")
    return math.inf if math.isinf(f) else f


def _vllm_like(d: dict, where: str, tool: str) -> Level:
    key = "completed" if d.get("completed") is not None else "num_prompts"  # 0 completed is 0, not num_prompts
    done = _to(d.get(key, 0), key, int)
    if done < 1:
        raise KvplanError(f"{where}: no completed requests")
    conc = d.get("max_concurrency")
    rate = _rate(d.get("request_rate"))
    if conc is not None and (rate is None or math.isinf(rate)):
        rate = None
    mean_in = _to(d["total_input_tokens"], "total_input_tokens") / done
    mean_out = _to(d["total_output_tokens"], "total_output_tokens") / done
    if tool == "sglang" and d.get("dataset_name") == "random" and d.get("random_input_len"):
        r = float(d.get("random_range_ratio") or 0.0)
        lo_i, hi_i = max(int(d["random_input_len"] * r), 1), int(d["random_input_len"])
        lo_o, hi_o = max(int(d["random_output_len"] * r), 1), int(d["random_output_len"])
        prompt = f"uniform:{lo_i}-{hi_i}" if lo_i < hi_i else str(hi_i)
        output = f"uniform:{lo_o}-{hi_o}" if lo_o < hi_o else str(hi_o)
    else:
        prompt, output = str(max(1, round(mean_in))), str(max(1, round(mean_out)))
    measured = {"ttft_ms": _stats({k: v for k, v in d.items() if k.endswith("_ttft_ms")}, "ttft_ms"),
                "itl_ms": _stats({k: v for k, v in d.items() if k.endswith("_itl_ms")}, "itl_ms"),
                "tpot_ms": _stats({k: v for k, v in d.items() if k.endswith("_tpot_ms")}, "tpot_ms"),
                "output_tokens_per_s": _num(d.get("output_throughput"), "output_throughput"),
                "mean_prompt_tokens": mean_in, "mean_output_tokens": mean_out}
    lens = d.get("input_lens"), d.get("output_lens")
    lengths = tuple(zip(lens[0], lens[1])) if all(isinstance(x, list) and len(x) == done for x in lens) else ()
    return Level(tool, where, d.get("model_id"), rate, None if conc is None else _to(conc, "max_concurrency", int),
                 done, prompt, output, measured, lengths, d.get("dataset_name"), _endpoint(d),
                 arrivals=_burstiness(d))


def _burstiness(d: dict) -> str:
    """A vllm bench serve result's arrival process from its ``burstiness`` (vllm/benchmarks/serve.py ``get_request``:
    gamma gaps of shape burstiness and mean 1 / rate; 1, its default, is Poisson; inf, constant gaps of 1 / rate)."""
    b = _num(d.get("burstiness"), "burstiness")
    if b is None or b == 1.0:
        return "poisson"
    if math.isinf(b):
        return "constant"
    if not b > 0:
        raise KvplanError(f"burstiness must be > 0, got {b:g}")
    return f"gamma:{b:g}"


def _endpoint(d: dict) -> str | None:
    """chat for the tools' chat backends (vLLM openai-chat, SGLang *-chat), completions for the
    others they name, None when the file does not say."""
    b = str(d.get("endpoint_type") or d.get("backend") or "")
    return None if not b else "chat" if "chat" in b else "completions"


def _inference_perf(d: dict, where: str) -> Level:
    s = d["successes"]
    n = int(s.get("count") or 0)
    if n < 1:
        raise KvplanError(f"{where}: no successful requests")
    lat = s.get("latency", {})
    # inference-perf's inter_token_latency is per streamed chunk (its median is ~0.05 ms: tokens
    # arriving together); its time_per_output_token, (latency − TTFT) / (output − 1) per
    # request, is the per-token figure simulate's ITL compares with
    measured = {"ttft_ms": _stats(lat.get("time_to_first_token") or {}, "", 1000),
                "itl_ms": _stats(lat.get("time_per_output_token") or {}, "", 1000),
                "output_tokens_per_s": _num((s.get("throughput") or {}).get("output_tokens_per_sec"),
                                            "output_tokens_per_sec"),
                "mean_prompt_tokens": s["prompt_len"]["mean"], "mean_output_tokens": s["output_len"]["mean"]}
    rate = _rate(d["load_summary"].get("requested_rate"))
    return Level("inference-perf", where, None, rate, None, n, str(max(1, round(s["prompt_len"]["mean"]))),
                 str(max(1, round(s["output_len"]["mean"]))), measured)


def _guidellm(doc: dict, where: str) -> list[Level]:
    out = []
    for i, b in enumerate(doc["benchmarks"]):
        m = b.get("metrics") or {}
        strat = ((b.get("config") or {}).get("strategy") or b.get("args", {}).get("strategy") or {})
        kind = strat.get("type_") or strat.get("type")
        rate = conc = None
        if kind in ("constant", "poisson"):
            rate = float(strat["rate"])
        elif kind == "concurrent":
            conc = int(strat.get("streams") or strat.get("max_concurrency"))
        elif kind == "throughput":
            rate = math.inf
        elif kind == "synchronous":
            conc = 1
        else:
            raise KvplanError(f"{where} benchmark {i + 1}: strategy {kind!r} is not replayed "
                              "(constant, poisson, concurrent, throughput, synchronous)")

        def dist(name, scale=1.0):
            s = (m.get(name) or {}).get("successful") or {}
            got = {k: float(s[k]) * scale for k in ("mean",) if s.get(k) is not None}
            if s.get("median") is not None:
                got["p50"] = float(s["median"]) * scale
            for k, v in (s.get("percentiles") or {}).items():
                if k in ("p50", "p90", "p99"):
                    got[k] = float(v) * scale
            return got

        n = int(((m.get("request_totals") or {}).get("successful")) or 0)
        pin = dist("prompt_token_count").get("mean")
        pout = dist("output_token_count").get("mean")
        if not n or pin is None or pout is None:
            raise KvplanError(f"{where} benchmark {i + 1}: needs request_totals and prompt/output token counts")
        out.append(Level("guidellm", f"{where} #{i + 1}", None, rate, conc, n, str(max(1, round(pin))),
                         str(max(1, round(pout))),
                         {"ttft_ms": dist("time_to_first_token_ms"), "itl_ms": dist("inter_token_latency_ms"),
                          "output_tokens_per_s": dist("output_tokens_per_second").get("mean"),
                          "mean_prompt_tokens": pin, "mean_output_tokens": pout},
                         # GuideLLM's constant profile: uniform intervals (scheduler/strategies.py AsyncConstantStrategy;
                         # 0.1-0.3 first sent an initial burst of floor(rate) requests, not replayed)
                         arrivals="constant" if kind == "constant" else "poisson"))
    return out


_BLOCK = "Serving Benchmark Result"
_LINE = re.compile(r"^\s*([A-Za-z][A-Za-z0-9 ()/._-]*?)\s*:\s*([-+0-9.eE]+|inf)\s*$")
_PRINTED = {"successful requests": "completed", "total input tokens": "total_input_tokens",
            "total generated tokens": "total_output_tokens", "traffic request rate": "request_rate",
            "maximum request concurrency": "max_concurrency",
            "max request concurrency": "max_concurrency",  # sglang.bench_serving's wording
            "output token throughput (tok/s)": "output_throughput"}


def _printed(text: str, name: str) -> list[Level]:
    """Every printed ``Serving Benchmark Result`` block in ``text`` (vLLM's or SGLang's)."""
    out = []
    parts = text.split(_BLOCK)[1:]
    for i, part in enumerate(parts, start=1):
        d: dict = {}
        for ln in part.splitlines()[1:]:
            if ln.strip().startswith("=" * 10):
                break
            m = _LINE.match(ln)
            if not m:
                continue
            key, text_val = m.group(1).strip().lower(), m.group(2)
            try:
                val = float(text_val)  # "inf" too (a rate)
            except ValueError:  # the pattern lets "1e" and "--" through
                raise KvplanError(f"{name}: '{m.group(1).strip()}' is {text_val!r}, not a number") from None
            st = re.fullmatch(r"(mean|median|p99|p90) (ttft|tpot|itl|e2e latency) \(ms\)", key)
            if st:
                d[f"{st.group(1)}_{st.group(2).replace('e2e latency', 'e2e_latency')}_ms"] = val
            elif key in _PRINTED:
                d[_PRINTED[key]] = val
        where = f"{name} #{i}" if len(parts) > 1 else name
        backend = re.search(r"^\s*Backend:\s*(\S+)", part, re.M)  # printed by sglang.bench_serving only
        tool = "sglang" if backend and backend.group(1).startswith("sglang") else "printed"
        if "completed" not in d or "total_output_tokens" not in d:
            raise KvplanError(f"{where}: a printed result without its request and token counts")
        d["completed"] = int(d["completed"])
        if d.get("max_concurrency") is not None:
            d["max_concurrency"] = int(d["max_concurrency"])
        out.append(_vllm_like(d, where, tool))
    ver = VLLM_VERSION.search(text)
    if ver:
        out = [replace(lv, engine_version=next(g for g in ver.groups() if g)) for lv in out]
    return out


def read(path: str | Path) -> list[Level]:
    """Every load level in one result file, whichever of the four tools wrote it."""
    from ..sources.readers import read_text  # one line for an unreadable or non-UTF-8 file

    p = Path(path)
    text = read_text(p, "benchmark result")
    if not text.strip():  # JSON lines of none: no load level, which replayed nothing and exited 0
        raise KvplanError(f"{p}: empty (no result in it)")
    if _BLOCK in text:
        return _some(_printed(text, p.name), p)
    try:
        docs = [json.loads(text)]
    except json.JSONDecodeError:
        try:
            docs = [json.loads(ln) for ln in text.splitlines() if ln.strip()]
        except json.JSONDecodeError as e:
            raise KvplanError(f"{p}: not JSON or JSON lines ({e.msg}, line {e.lineno})") from None
    out: list[Level] = []
    for i, d in enumerate(docs, start=1):
        where = p.name + (f":{i}" if len(docs) > 1 else "")
        if not isinstance(d, dict):
            raise KvplanError(f"{where}: expected a JSON object")
        try:
            if "benchmarks" in d and isinstance(d["benchmarks"], list):
                out.extend(_guidellm(d, where))
            elif "load_summary" in d and "successes" in d:
                out.append(_inference_perf(d, where))
            elif "total_output_tokens" in d and ("median_itl_ms" in d or "mean_itl_ms" in d):
                tool = "sglang" if d.get("backend", "").startswith("sglang") or "random_range_ratio" in d \
                    and "mean_e2e_latency_ms" in d else "vllm"
                out.append(_vllm_like(d, where, tool))
            else:
                raise KvplanError(f"{where}: not a result of {', '.join(TOOLS)} (keys: "
                                  f"{', '.join(sorted(d)[:6])}...)")
        except (KeyError, TypeError, ValueError) as e:
            raise KvplanError(f"{where}: a {', '.join(TOOLS[:-1])} or {TOOLS[-1]} result missing or malformed "
                              f"field: {e}") from None
    return _some(out, p)


def _some(levels: list[Level], p: Path) -> list[Level]:
    if not levels:  # e.g. GuideLLM's "benchmarks": []: nothing to replay is not a check that passed
        raise KvplanError(f"{p}: no load level in it")
    return levels
