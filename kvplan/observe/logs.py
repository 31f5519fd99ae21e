"""Engine start-up logs: what vLLM, SGLang and llama.cpp report, and kvplan's plan for the same set-up.

``parse`` reads a log into the facts it states (model, flags) and the figures it reports, each
with the line it came from and the rounding of its printed value; ``check`` plans the same
model, GPU and flags and puts kvplan's figure beside each reported one.

The lines, as the engines print them (format strings from their source):

vLLM 0.33.0 (older V1 spellings too):
  * ``non-default args: {...}`` (entrypoints/common/startup.py:96), ``vllm serve MODEL --flags``,
    ``Initializing a V1 LLM engine (vX) with config: model='...', ... tensor_parallel_size=N``,
    ``Using max model len N``, ``Chunked prefill is enabled with max_num_batched_tokens=N.``
  * ``Model loading took %s GiB memory and %.6f seconds`` (v1/worker/gpu_model_runner.py:5089)
  * ``Available KV cache memory: %s GiB`` (v1/worker/gpu_worker.py:773); the newest breakdown's
    ``Current kv cache memory in use is X GiB``
  * ``%s KV cache size: %s tokens, Maximum concurrency for %s tokens per request: %.2fx``
    (v1/core/kv_cache_utils.py:1148; before, two lines: ``GPU KV cache size: N tokens`` and
    ``Maximum concurrency for N tokens per request: Xx``)
  * refusals: ``(X GiB KV cache is needed, which is larger than the available KV cache memory
    (Y GiB)`` and the V0 ``max seq len (N) is larger than the maximum number of tokens that can
    be stored in KV cache (M)``; V0's ``Loading model weights took X GB`` (GiB: bytes / 2**30)
    and ``# GPU blocks: N``.
SGLang 0.5.23:
  * ``server_args={...}`` (entrypoints/engine.py:311)
  * ``Load weight end. elapsed=..., type=..., avail mem=X GB, mem usage=Y GB.``
    (model_executor/model_runner.py:1373; GB there is 2**30 bytes, utils/common.py:576)
  * ``KV Cache is allocated. dtype: D, #tokens: N, K size: X GB, V size: Y GB`` (or ``KV size``
    for MLA; mem_cache/memory_pool.py:2088, GB = 1024**3 at line 116)
  * ``max_total_num_tokens=N, chunked_prefill_size=..., max_prefill_tokens=...,
    max_running_requests=M, context_len=C, available_gpu_mem=...`` (managers/scheduler.py:1269)
llama.cpp 0c1e57098:
  * ``llama_model_loader: loaded meta data with N key-value pairs and M tensors from PATH``
    (src/llama-model-loader.cpp:722)
  * ``llama_context: n_seq_max = N``, ``n_ctx``, ``n_ctx_seq``, ``n_ubatch``, ``flash_attn``,
    ``kv_unified`` (src/llama-context.cpp:308-315)
  * ``llama_kv_cache_iswa: creating non-SWA KV cache, size = N cells`` / ``creating     SWA KV
    cache`` (src/llama-kv-cache-iswa.cpp:83, 100)
  * ``llama_kv_cache: size = %7.2f MiB (%6u cells, %3d layers, %2u/%u seqs), K (%s): %7.2f MiB,
    V (%s): %7.2f MiB`` (src/llama-kv-cache.cpp:301)
"""
from __future__ import annotations

import ast
import re
import shlex

from ..errors import KvplanError
from ..model.frozen import field, record, replace
from . import launch
from .log_flags import _human_int, _int, _llamacpp_size, _sglang_fit, vllm_fit

GiB = 2**30
MiB = 2**20


@record
class Figure:
    """One number the engine reported."""

    key: str  # what it is: weights, kv_budget, kv_tokens, max_concurrency, kv_bytes, ...
    label: str
    reported: float  # in bytes, tokens, sequences or "x" (concurrency)
    unit: str  # "bytes", "tokens", "x", "cells", "sequences"
    line: int  # 1-based line of the log
    text: str  # the value as printed
    tolerance: float = 0.0  # half the last printed digit, in the figure's unit


@record
class LogFacts:
    engine: str  # vllm, sglang, llamacpp
    model: str | None
    flags: dict
    figures: tuple[Figure, ...]
    version: str | None = None
    notes: tuple[str, ...] = ()


@record
class Row:
    figure: Figure
    predicted: float | None
    why_not: str = ""  # when kvplan has no figure to put beside it

    @property
    def error_pct(self) -> float | None:
        if self.predicted is None or not self.figure.reported:
            return None
        return 100 * (self.predicted - self.figure.reported) / self.figure.reported


@record
class Check:
    facts: LogFacts
    model: str  # the spec kvplan planned
    gpu: str | None
    rows: tuple[Row, ...]
    notes: tuple[str, ...] = field(default_factory=tuple)


# --- vLLM ----------------------------------------------------------------------------------
# the version vLLM prints at start-up: ``Initializing a V1 LLM engine (v%s) with config``
# (v1/engine/core.py), ``vLLM API server version %s`` (entrypoints/openai/api_server.py), the
# banner's ``█ version %s``; also read by check-bench from a result file that carries its log
VLLM_VERSION = re.compile(r"LLM engine \(v([\w.+-]+)\)|API server version ([\w.+-]+)|█ version ([\w.+-]+)")
_NUM = r"([\d,]+(?:\.\d+)?)"
_VLLM_MARKERS = ("Available KV cache memory", "KV cache size:", "non-default args", "Model loading took", "vllm serve",
                 "LLM engine (v", "Loading model weights took", "vLLM API server version", "Maximum concurrency for",
                 "Current kv cache memory in use", "Memory profiling results", "GPU blocks:", "stored in KV cache",
                 "KV cache is needed", "for KV Cache is", "available_kv_cache_memory")
_SGLANG_MARKERS = ("KV Cache is allocated", "max_total_num_tokens=", "server_args=", "Load weight end.",
                   "sglang.launch_server", "sglang serve")
_LLAMA_MARKERS = ("llama_kv_cache", "llama_context:", "llama_model_loader:", "print_info:")


def _num(text: str) -> float:
    return float(text.replace(",", ""))


def _gib(text: str) -> tuple[float, float]:
    """Bytes of a printed GiB figure and the rounding its digits allow."""
    v = _num(text)
    digits = len(text.split(".")[1]) if "." in text else 0
    return v * GiB, 0.5 * 10**-digits * GiB


def _literal_dict(text: str) -> dict:
    """A logged Python dict; an elided one (``{... 'a': 1, ...}``) is read key by key."""
    try:
        d = ast.literal_eval(text)
        if isinstance(d, dict):
            return d
    except (ValueError, SyntaxError):
        pass
    out = {}
    for k, v in re.findall(r"'(\w+)': ('[^']*'|\"[^\"]*\"|[\w.+-]+)", text):
        try:
            out[k] = ast.literal_eval(v)
        except (ValueError, SyntaxError):
            out[k] = v
    return out


def _vllm_runtime_flags(line: str, flags: dict) -> None:
    """What a vLLM log line says of the start-up's runtime paths, into ``flags``: the sampler and the compile cache."""
    # v1/sample/ops/topk_topp_sampler.py TopKTopPSampler.__init__ says which top-k/top-p path the V1
    # sampler takes (engines/vllm/startup.py v1_sampler_peak)
    if "Using FlashInfer for top-p & top-k sampling" in line:
        flags["flashinfer_sampler"] = True
    elif re.search(r"FlashInfer is not available|FlashInfer is available, but it is not enabled|"
                   r"top-p/top-k sampling disabled via VLLM_USE_FLASHINFER_SAMPLER=0", line):
        flags.setdefault("flashinfer_sampler", False)
    # vLLM compilation/backends.py CompilerManager.compile says whether the profile run compiled the
    # model or loaded it from the compile cache (engines/vllm/startup.py torch_compile_part); one
    # compile in the start-up makes it cold
    if "Compiling a graph for" in line or re.search(r"VLLM_DISABLE_COMPILE_CACHE=1\b", line):
        flags["compile_cache"] = "cold"
    elif "Directly load the compiled graph" in line or "Directly load AOT compilation" in line:
        # the second: vLLM 0.29.0 / 0.30.0 compilation/decorators.py _try_load_aot_compiled_fn loads the
        # whole compiled model from torch_compile_cache/torch_aot_compile and compiles no graph
        flags.setdefault("compile_cache", "warm")


def _vllm(lines: list[str]) -> LogFacts:
    flags: dict = {}
    figures: list[Figure] = []
    model = version = None
    notes: list[str] = []
    for n, line in enumerate(lines, 1):
        if (m := re.search(r"non-default args: (\{.*)$", line)):
            d = _literal_dict(m.group(1))
            model = d.get("model") or d.get("model_tag") or model
            flags.update({k: v for k, v in d.items() if k not in ("model", "model_tag")})
        if "vllm serve" in line or re.search(r"\bLLM\(", line):
            mdl, f = launch.vllm_serve(line) if "vllm serve" in line else launch.llm_call(line)
            model = model or mdl
            for k, v in f.items():
                flags.setdefault(k, v)
        if (m := re.search(r"with config: model='([^']+)'", line)):
            model = model or m.group(1)
        for key in ("tensor_parallel_size", "pipeline_parallel_size", "enforce_eager", "max_seq_len"):
            if (m := re.search(rf"\b{key}=(\w+)", line)) and "with config" in line:
                flags.setdefault("max_model_len" if key == "max_seq_len" else key, m.group(1))
        if (m := VLLM_VERSION.search(line)):
            version = next(g for g in m.groups() if g)
        _vllm_runtime_flags(line, flags)
        if (m := re.search(r"Using max model len (\d+)", line)):
            flags.setdefault("max_model_len", int(m.group(1)))
        if (m := re.search(r"Chunked prefill is enabled with max_num_batched_tokens=(\d+)", line)):
            flags.setdefault("max_num_batched_tokens", int(m.group(1)))
        if (m := re.search(rf"Model loading took {_NUM} GiB", line)):
            b, tol = _gib(m.group(1))
            figures.append(Figure("weights", "model loading (weights)", b, "bytes", n, f"{m.group(1)} GiB", tol))
        if (m := re.search(rf"Loading model weights took {_NUM} GB", line)):  # V0: bytes / 2**30, said GB
            b, tol = _gib(m.group(1))
            figures.append(Figure("weights", "model weights (V0, GB = GiB)", b, "bytes", n, f"{m.group(1)} GB", tol))
        if (m := re.search(r"Available KV cache memory:\**\s*(-?[\d,]+(?:\.\d+)?) GiB", line)):
            b, tol = _gib(m.group(1))
            figures.append(Figure("kv_budget", "available KV cache memory", b, "bytes", n, f"{m.group(1)} GiB", tol))
        if (m := re.search(rf"Current kv cache memory in use is {_NUM} GiB", line)):
            b, tol = _gib(m.group(1))
            figures.append(Figure("kv_budget", "KV cache memory in use", b, "bytes", n, f"{m.group(1)} GiB", tol))
        if (m := re.search(r"(?:\bkv_cache_size=|available_kv_cache_memory\s+|for KV Cache is )(-?[\d.]+)GiB", line)):
            b, tol = _gib(m.group(1))  # V0 worker.py's three profiling formats (Nov 2024 to 0.8)
            figures.append(Figure("kv_budget", "kv_cache_size (V0 profile)", b, "bytes", n, f"{m.group(1)} GiB", tol))
        if (m := re.search(rf"KV cache size: {_NUM} tokens", line)):
            figures.append(Figure("kv_tokens", "KV cache size", _num(m.group(1)), "tokens", n, f"{m.group(1)} tokens"))
        if (m := re.search(r"# GPU blocks: (\d+)|GPU blocks: (\d+)", line)):
            v = m.group(1) or m.group(2)
            figures.append(Figure("gpu_blocks", "GPU blocks", int(v), "blocks", n, v))
        if (m := re.search(rf"Maximum concurrency for {_NUM} tokens per request: ([\d.]+)x", line)):
            flags.setdefault("max_model_len", int(_num(m.group(1))))
            figures.append(Figure("max_concurrency", f"max concurrency at {m.group(1)} tokens", float(m.group(2)),
                                  "x", n, f"{m.group(2)}x", 0.005))
        if (m := re.search(r"max seq len \((\d+)\) is larger than the maximum number of tokens that can be "
                           r"stored in KV cache \((\d+)\)", line)):
            flags.setdefault("max_model_len", int(m.group(1)))
            figures.append(Figure("kv_tokens", "KV cache tokens (refusal)", int(m.group(2)), "tokens", n, m.group(2)))
            notes.append(f"line {n}: vLLM refused max seq len {m.group(1)}")
        # vLLM's check_enough_kv_cache_memory (v1/core/kv_cache_utils.py): "(X GiB KV cache is needed, ..." up to
        # the 0.1x releases, "max seq len (N), X GiB KV cache is needed, ..." (no parenthesis) in later ones
        if (m := re.search(rf"\(?({_NUM[1:-1]}) GiB KV cache is needed, which is larger than the available "
                           rf"KV cache memory \(({_NUM[1:-1]}) GiB\)", line)):
            if (ml := re.search(r"max seq len \((\d+)\), \(?[\d.]+ GiB KV cache is needed", line)):
                flags.setdefault("max_model_len", int(ml.group(1)))
            b, tol = _gib(m.group(1))
            figures.append(Figure("request_bytes", "KV one max-length request needs (refusal)", b, "bytes", n,
                                  f"{m.group(1)} GiB", tol))
            notes.append(f"line {n}: vLLM refused to start: one request of max_model_len does not fit")
    if (why := launch.v0_reason(version, lines)):
        flags["v0"] = why
        notes.append(f"a vLLM V0 log ({why}): V0 profiles memory differently from the V1 engine kvplan "
                     "models, so its KV budget and capacity are out of scope; only the weights are compared")
    elif (note := snapshot_before_nccl(version, flags)):
        notes.append(note)
    return LogFacts("vllm", model, flags, tuple(figures), version, tuple(notes))


def snapshot_before_nccl(version: str | None, flags: dict) -> str | None:
    """A note for a vLLM V1 log before 0.11.0 on more than one GPU: those releases took the start-up
    snapshot before initializing the distributed environment (v1/worker/gpu_worker.py
    Worker.init_device, read in the 0.10.0 and 0.10.2 wheels; 0.11.0, 0.18.1 and 0.33 take it
    after, "Initialize the distributed environment BEFORE taking memory snapshot"), so the log's
    non-torch growth holds NCCL's communicators and custom all-reduce buffers, which kvplan (the
    later accounting) does not charge. None otherwise."""
    m = re.match(r"(\d+)\.(\d+)", version or "")
    gpus = (_int(flags.get("tensor_parallel_size")) or 1) * (_int(flags.get("pipeline_parallel_size")) or 1)
    if not m or (int(m.group(1)), int(m.group(2))) >= (0, 11) or gpus <= 1:
        return None
    return (f"vLLM {version} took its start-up snapshot before NCCL was initialized (0.11.0 and later take it "
            "after): this log's budget also pays for NCCL's communicators and custom all-reduce buffers, which "
            "kvplan, following the later accounting, does not charge, so the log's KV budget may be below "
            "kvplan's by that much")


def _sglang(lines: list[str]) -> LogFacts:
    flags: dict = {}
    figures: list[Figure] = []
    model = None
    for n, line in enumerate(lines, 1):
        if (got := launch.sglang_launch(line)) is not None:
            model = model or got[0]
            for k, v in got[1].items():
                flags.setdefault(k, v)
        if (m := re.search(r"server_args=(\{.*\}|ServerArgs\(.*\))\s*$", line)):
            text = m.group(1)
            d = _literal_dict(text) if text.startswith("{") else {
                k: ast.literal_eval(v) if re.match(r"^('.*'|[\d.]+|True|False|None)$", v) else v
                for k, v in re.findall(r"(\w+)=('[^']*'|[^,()]+)", text)}
            model = d.get("model_path") or model
            flags.update({k: v for k, v in d.items() if k != "model_path"})
        if (m := re.search(r"Load weight end\..*\bquant=(\w+)", line)) and m.group(1).lower() != "none":
            flags.setdefault("quantization", m.group(1).lower())
        if (m := re.search(rf"Load weight end\..*mem usage={_NUM} GB", line)):
            b, tol = _gib(m.group(1))
            figures.append(Figure("weights", "memory taken while loading weights", b, "bytes", n,
                                  f"{m.group(1)} GB", tol))
        if (m := re.search(rf"KV Cache is allocated\..*#tokens: (\d+), K size: {_NUM} GB, V size: {_NUM} GB", line)):
            k, tk = _gib(m.group(2))
            v, tv = _gib(m.group(3))
            figures.append(Figure("kv_tokens", "KV pool tokens (#tokens)", int(m.group(1)), "tokens", n, m.group(1)))
            figures.append(Figure("kv_bytes", "KV pool K + V", k + v, "bytes", n,
                                  f"{m.group(2)} + {m.group(3)} GB", tk + tv))
            tokens = int(m.group(1))
            if tokens:  # the pool's bytes per token: what the budget does not change
                figures.append(Figure("cell_bytes", "bytes per token (K + V size / #tokens)", (k + v) / tokens,
                                      "bytes/token", n, f"({m.group(2)} + {m.group(3)} GB) / {tokens}",
                                      (tk + tv) / tokens))
        elif (m := re.search(rf"KV Cache is allocated\..*#tokens: (\d+), KV size: {_NUM} GB", line)):
            b, tol = _gib(m.group(2))
            figures.append(Figure("kv_tokens", "KV pool tokens (#tokens)", int(m.group(1)), "tokens", n, m.group(1)))
            figures.append(Figure("kv_bytes", "KV pool (KV size)", b, "bytes", n, f"{m.group(2)} GB", tol))
        if (m := re.search(r"max_total_num_tokens=(\d+)", line)):
            figures.append(Figure("kv_tokens", "max_total_num_tokens", int(m.group(1)), "tokens", n, m.group(1)))
            if (c := re.search(r"context_len=(\d+)", line)):
                flags.setdefault("context_length", int(c.group(1)))
    return LogFacts("sglang", model, flags, tuple(figures))


def _llamacpp(lines: list[str]) -> LogFacts:
    flags: dict = {}
    figures: list[Figure] = []
    model = None
    pending = None  # "non-SWA" / "SWA" cache announced by llama_kv_cache_iswa
    caches = 0
    for n, line in enumerate(lines, 1):
        if (m := re.search(r"loaded meta data with \d+ key-value pairs and \d+ tensors from (.+?) \(version", line)):
            model = m.group(1).strip()
        if (m := re.search(r"llama_context: (n_seq_max|n_ctx|n_ctx_seq|n_batch|n_ubatch|flash_attn|kv_unified)"
                           r"\s+= (\S+)", line)):
            flags[m.group(1)] = m.group(2)
        if (m := re.search(r"creating\s+(non-SWA|SWA) KV cache", line)):
            pending = m.group(1)
        if (m := re.search(r"llama_kv_cache: size = +([\d.]+) MiB \( *(\d+) cells, +(\d+) layers, +(\d+)/(\d+) "
                           r"seqs\), K \((\w+)\): +([\d.]+) MiB, V \((\w+)\): +([\d.]+) MiB", line)):
            caches += 1
            which = pending or "KV"
            pending = None
            flags.setdefault("type_k", m.group(6))
            flags.setdefault("type_v", m.group(8))
            flags.setdefault("n_seq_max", m.group(4))
            tol = 0.005 * MiB
            figures.append(Figure(f"cache{caches}_cells", f"{which} cache cells ({m.group(3)} layers)",
                                  int(m.group(2)), "cells", n, m.group(2)))
            figures.append(Figure(f"cache{caches}_bytes", f"{which} cache size ({m.group(3)} layers)",
                                  float(m.group(1)) * MiB, "bytes", n, f"{m.group(1)} MiB", tol))
    return LogFacts("llamacpp", model, flags, tuple(figures))


def parse(text: str) -> LogFacts:
    """The facts and figures of a start-up log; the engine is told by its own log lines."""
    lines = text.splitlines()
    if any(any(k in ln for k in _LLAMA_MARKERS) for ln in lines):
        facts = _llamacpp(lines)
    elif any(any(k in ln for k in _SGLANG_MARKERS) for ln in lines):
        facts = _sglang(lines)
    elif any(any(k in ln for k in _VLLM_MARKERS) for ln in lines):
        facts = _vllm(lines)
    else:
        raise KvplanError("not a vLLM, SGLang or llama.cpp start-up log (none of their KV-cache lines found)")
    if not facts.figures:
        raise KvplanError(f"a {facts.engine} log, but with none of the figures kvplan compares "
                          "(KV cache size, available memory, weights)")
    return facts


def _resolve_model(facts: LogFacts, model: str | None, notes: list[str]):
    from pathlib import Path

    from ..sources import catalog

    ref = model or facts.model
    if ref is None:
        raise KvplanError("the log does not name the model; give --model (a catalog name, a repo id, a "
                          "config.json or a .gguf)")
    try:
        return catalog.load_model(ref, notes)
    except KvplanError:
        if model is not None or "/" not in ref:
            raise
    # a local path in someone else's log (/home/me/models/Meta-Llama-3.1-8B-Instruct): its last part
    tail = Path(ref).name
    try:
        spec = catalog.load_model(tail, notes)
    except KvplanError:
        raise KvplanError(f"the log's model '{ref}' is not a file here nor a model kvplan knows; give "
                          "--model") from None
    notes.append(f"the log's model '{ref}' read as {spec.name}")
    return spec


def check(facts: LogFacts, gpu: str | None = None, model: str | None = None, tp: int | None = None,
          weight_dtype: str | None = None) -> Check:
    """kvplan's figure beside each reported one, for the log's model, flags and ``gpu``;
    ``tp`` and ``weight_dtype`` where the log does not say them (the log's own win, with a note)."""
    from ..sources import catalog

    notes: list[str] = list(facts.notes)
    spec = _resolve_model(facts, model, notes)
    flags = dict(facts.flags)
    tp_key = "tensor_parallel_size" if facts.engine == "vllm" else "tp_size"
    if tp is not None:
        if flags.get(tp_key) is not None and _int(flags[tp_key]) != tp:
            notes.append(f"the log says tensor parallel {flags[tp_key]}; --tp {tp} ignored")
        else:
            flags[tp_key] = tp
    if facts.engine != "llamacpp" and weight_dtype is None:
        spec, wnote = launch.weights_as_loaded(spec, facts.model, flags)
        if wnote:
            notes.append(wnote)
    facts = replace(facts, flags=flags)
    rows: list[Row] = []
    if facts.engine == "llamacpp":
        r = _llamacpp_size(spec, facts.flags)
        groups = [(g, g.held.tokens) for g in r.groups if g.kv_bytes]
        swa = [g for g, _ in groups if g.kind in ("sliding", "chunked")]
        full = [g for g, _ in groups if g.kind not in ("sliding", "chunked")]
        cache_lines = [f for f in facts.figures if f.key.endswith("_bytes")]
        for f in facts.figures:
            which = swa if f.label.startswith("SWA") else full if f.label.startswith("non-SWA") or \
                len(cache_lines) > 1 else full + swa
            if not which:
                rows.append(Row(f, None, "kvplan plans no such cache for this model"))
            elif f.unit == "cells":
                rows.append(Row(f, max(g.tokens for g in which)))
            else:
                rows.append(Row(f, sum(g.kv_bytes for g in which)))
        return Check(facts, spec.name, None, tuple(rows), tuple(notes))
    if gpu is None:
        raise KvplanError(f"a {facts.engine} log does not say which GPU it ran on; give --gpu (see `kvplan gpus`)")
    g = catalog.load_gpu(gpu)
    if facts.engine == "vllm":
        # the release decides the profile run's model runner (engines/vllm/startup.py model_runner);
        # a log that prints none is not taken for kvplan's default release: the runner is not told
        r = vllm_fit(spec, g, {**facts.flags, "vllm_version": facts.version or "not printed"}, weight_dtype)
    else:
        r = _sglang_fit(spec, g, facts.flags, weight_dtype)
    cap = r.capacity
    cell = cap.detail.get("cell_size_bytes")
    pred = {"weights": r.weights_as_loaded, "kv_budget": r.kv_budget_bytes,
            "kv_tokens": cap.kv_cache_tokens if cap.fits or facts.engine == "sglang" else None,
            "gpu_blocks": cap.detail.get("num_gpu_blocks"),
            "max_concurrency": cap.max_concurrency if cap.fits else None,
            "request_bytes": cap.kv_bytes_per_request,
            "kv_bytes": round(cap.kv_cache_tokens * cell) if cell else None, "cell_bytes": cell}
    v0 = facts.flags.get("v0")
    for f in facts.figures:
        p = pred.get(f.key)
        p = None if p is not None and p == float("inf") else p  # attention-free: no finite figure
        if v0 and f.key != "weights":
            rows.append(Row(f, None, "vLLM V0: out of scope"))
            continue
        rows.append(Row(f, p, "" if p is not None else "kvplan's plan refuses this set-up" if not cap.fits
                        else "kvplan has no such figure"))
    if not cap.fits and cap.message:
        notes.append(f"kvplan: {cap.message}")
    if facts.engine == "vllm" and facts.version:  # fit plans kvplan's own release unless told
        notes.append(f"planned for vLLM {facts.version}, the log's release (kvplan fit --engine-version "
                     f"{facts.version} gives the same plan)")
    notes += list(r.notes)
    return Check(facts, spec.name, g.name, tuple(rows), tuple(notes))
