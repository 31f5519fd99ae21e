"""llamacpp: llama.cpp as vendored in llama-cpp-python 0.3.36 (ggml-org/llama.cpp@0c1e57098).

Rules read from that tree and checked against what llama.cpp itself allocates
(tests/golden/llamacpp_0c1e57098.json: its own llama_context / llama_kv_cache /
llama_kv_cache_iswa / llama_memory_recurrent constructors run on GGUF metadata made by its own
conversion code, with no weights; scripts/oracles/llamacpp/):

* context: kvplan's ``--ctx C --batch B`` is llama-server's ``-c C×B``: ``n_ctx = pad(C×B, 256)``;
  with ``--parallel N`` slots (default: one per sequence, N = B) each slot holds
  ``n_ctx_seq = pad(n_ctx / N, 256)`` cells in its own stream, or, with ``--kv-unified``, the
  slots share one stream of ``n_ctx_seq = n_ctx`` cells (src/llama-context.cpp,
  llama_context::llama_context; llama_kv_cache's n_stream = kv_unified ? 1 : n_seq_max);
* ``n_ubatch = min(n_ctx, n_batch 2048, --ubatch-size 512)`` (the unpadded context clamps it);
* SWA layers live in a second cache of ``pad(min(n_ctx_seq, n_swa × (unified ? N : 1) + n_ubatch), 256)``
  cells per stream, or ``n_ctx_seq`` with ``--swa-full`` (src/llama-kv-cache-iswa.cpp); Llama 4's
  chunked layers are SWA with n_swa hard-coded to 8192;
* bytes per layer: cells × row_size(type_k, kv_heads × head_dim) + cells ×
  row_size(type_v, kv_heads × v_dim); without flash attention V is stored transposed and padded
  to the widest V of any layer (src/llama-kv-cache.cpp); quantized V needs flash attention;
* MLA (deepseek2): K only, one 576-wide row (kv_lora_rank + qk_rope_head_dim); K and V types
  must match (llama_init_from_model);
* recurrent layers: conv (d_conv − 1) × conv channels and the SSM state, always f32, one cell
  per slot (src/llama-memory-recurrent.cpp: mem_size = max(1, n_seq_max); hparams n_embd_r / n_embd_s);
* the cache follows the GGUF, not the config.json: convert_hf_to_gguf.py drops Mistral's and
  Qwen2's sliding window (the llama arch has none), and llama.cpp switches Phi-3's off, so those
  layers are full-size here (``CONVERSION_NOTES``).

Defaults are llama-server's with one slot per sequence (``--parallel B``): flash attention on,
``--ubatch-size 512``, ``--swa-full`` off, K and V in f16. llama-server without ``--parallel``
runs 4 slots sharing one stream (``--parallel 4 --kv-unified``, tools/server/server.cpp): same
full-attention cache, but sliding caches of ``4 × n_swa + n_ubatch`` cells and 4 recurrent
cells; kvplan says so for models that have either.
"""
from __future__ import annotations

from ..model import dtypes
from ..model.dtypes import cdiv
from ..errors import KvplanError
from ..model.frozen import record
from ..model.kinds import MLA, ChunkedAttention, FullAttention, GatedDeltaNet, Mamba, Mamba2, SlidingWindow, StateTensor
from .base import cache_bytes, Engine, Holding, ServeOptions

COMMIT = "0c1e57098"
PAD = 256  # GGML_PAD of n_ctx and of the SWA cache (llama-context.cpp, llama-kv-cache-iswa.cpp)
N_BATCH = 2048  # llama_context_default_params n_batch
N_UBATCH = 512  # --ubatch-size default
LLAMA4_CHUNK = 8192  # src/models/llama4: n_swa hard-coded for the chunked layers

# llama.cpp's --cache-type-k / -v names -> kvplan element formats
CACHE_TYPES = {"f32": "fp32", "f16": "fp16", "bf16": "bf16", "q8_0": "q8_0", "q4_0": "q4_0",
               "q4_1": "q4_1", "q5_0": "q5_0", "q5_1": "q5_1", "iq4_nl": "iq4_nl"}
KV_CACHE_DTYPE_NOTE = "llama.cpp names its cache formats with --cache-type-k / --cache-type-v (f16, q8_0, ...)"
# Models whose GGUF carries no sliding window although the config.json has one
CONVERSION_NOTES = {
    "mistral": "convert_hf_to_gguf.py writes Mistral as the llama arch, which has no sliding window: "
               "every layer keeps the whole context",
    "qwen2": "convert_hf_to_gguf.py drops sliding_window / use_sliding_window / max_window_layers",
    "phi3": "llama.cpp's phi3 loader switches the sliding window (2047) off: one full cache",
}


def pad(x: int, m: int = PAD) -> int:
    return cdiv(x, m) * m


@record
class Config:
    type_k: str
    type_v: str
    n_ubatch_req: int
    swa_full: bool
    flash_attn: bool
    drops_window: bool
    v_max: int  # the widest V row of any layer (transposed V without flash attention)
    model_dtype: str
    parallel: int | None = None  # --parallel slots; None: one per sequence
    kv_unified: bool = False
    n_gpu_layers: int | None = None  # -ngl (llamacpp_offload.py); None: every layer and the output
    no_kv_offload: bool = False  # -nkvo: the cache in host memory


def _streams(ctx: int, batch: int, cfg: Config) -> tuple[int, int, int, int]:
    """(slots, streams, n_ctx_seq, n_ubatch) for ``batch`` sequences of ``ctx`` tokens: llama-server
    run with ``-c ctx×batch`` (llama_context::llama_context)."""
    n_req = ctx * batch
    slots = cfg.parallel or batch
    n_ctx = pad(n_req)
    n_ubatch = min(n_req, N_BATCH, cfg.n_ubatch_req)
    if cfg.kv_unified:
        return slots, 1, n_ctx, n_ubatch
    if n_ctx // slots == 0:
        raise KvplanError(f"a context of {n_ctx:,} cells cannot be split into {slots:,} slots (--parallel)")
    return slots, slots, pad(n_ctx // slots), n_ubatch


class LlamaCpp(Engine):
    name = "llamacpp"
    summary = f"llama.cpp @{COMMIT} (llama-cpp-python 0.3.36), llama-server defaults, one slot per sequence"
    version = f"llama.cpp {COMMIT}"
    budget_caveat = ("compute buffers not counted: llama.cpp also reserves its compute graph's buffers "
                     "(tens to hundreds of MiB, more with a larger --ubatch-size), which the cache here "
                     "does not leave room for")

    def __init__(self, cfg: Config | None = None):
        self.cfg = cfg

    def run_dtype(self, spec, gpu) -> str:
        """llama.cpp caches K and V in f16 unless --cache-type-k/-v say otherwise."""
        return "fp16"

    def for_model(self, spec, gpu, opts: ServeOptions, kv_fmt: str, model_dtype: str, pp: int = 1) -> "LlamaCpp":
        fam = spec.family
        k = _cache_type(opts.cache_type_k, kv_fmt)
        v = _cache_type(opts.cache_type_v, kv_fmt)
        if dtypes.get(v).grouped and not opts.flash_attn:
            raise KvplanError(f"llama.cpp needs flash attention for a quantized V cache ({_name(v)}); "
                              "use --flash-attn on or --cache-type-v f16")
        mla = any(isinstance(spec.layer_types[lt].mixer, MLA) for lt in spec.counts())
        if mla and k != v:
            raise KvplanError(f"llama.cpp stores MLA as one K row: --cache-type-k ({_name(k)}) and "
                              f"--cache-type-v ({_name(v)}) must be the same")
        v_max = max((spec.layer_types[lt].mixer.num_kv_heads * spec.layer_types[lt].mixer.v_dim
                     for lt in spec.counts() if hasattr(spec.layer_types[lt].mixer, "num_kv_heads")), default=0)
        return LlamaCpp(Config(k, v, opts.ubatch_size or N_UBATCH, opts.swa_full, opts.flash_attn,
                               fam in CONVERSION_NOTES, v_max, model_dtype, opts.parallel, opts.kv_unified,
                               opts.n_gpu_layers, opts.no_kv_offload))

    def budget(self, gpu, weights_bytes: int, spec, opts: ServeOptions, tp: int, pp: int, kv_fmt):
        """The whole card less the weights (GGUF weights priced at the given --weight-dtype; a
        Q4_K_M-style mixed quantization is not modelled). Not counted: llama.cpp's compute
        buffers (its graph reserve, tens to hundreds of MiB)."""
        from .base import BudgetPart, finish_budget

        util = opts.gpu_memory_utilization if opts.gpu_memory_utilization is not None else 1.0
        if self._offload():  # issue 23: -ngl / -nkvo (llamacpp_offload.py)
            from . import llamacpp_offload as off

            off.check(tp, pp)
            p = off.place(spec, self.cfg.n_gpu_layers, self.cfg.no_kv_offload)
            gpu_w, host_w = off.weight_split(weights_bytes, spec, p)
            self.placement = (p, host_w)
            out = " + output" if p.output_on_gpu else ""
            parts = [BudgetPart("weights", f"weights on the GPU ({p.gpu_layers} of {p.n_layer} layers{out})",
                                gpu_w, "llama-model.cpp load_tensors: i_gpu_start = n_layer + 1 − ngl; "
                                "the token embeddings stay on the CPU")]
            return finish_budget(gpu.usable_bytes, util, parts, opts.kv_cache_memory)
        parts = [BudgetPart("weights", "weights", weights_bytes,
                            "parameters × weight format; compute buffers not counted")]
        return finish_budget(gpu.usable_bytes, util, parts, opts.kv_cache_memory)

    def _offload(self) -> bool:
        return self.cfg is not None and (self.cfg.n_gpu_layers is not None or self.cfg.no_kv_offload)

    def capacity(self, workers, gpu, opts: ServeOptions, kv_fmt, model_dtype: str):
        if not self._offload():
            return super().capacity(workers, gpu, opts, kv_fmt, model_dtype)
        from . import llamacpp_offload as off
        from .base import Capacity

        mml = opts.max_model_len or workers[0].spec.max_context or 0
        if not mml:
            raise KvplanError("the model states no max context; give --max-model-len or --ctx")
        p, host_w = self.placement
        split = self.offload_split(workers[0].spec, mml, 1, kv_fmt, model_dtype, None)
        gneed, hneed = split["kv_gpu_bytes"], split["kv_host_bytes"]
        budget = workers[0].kv_budget_bytes
        host = None if opts.host_memory is None else opts.host_memory - host_w
        ratios = [b / n for b, n in ((budget, gneed), (host, hneed)) if b is not None and n]
        conc = min(ratios) if ratios else float("inf")
        fits = budget >= gneed and (host is None or host >= hneed)
        msg = None
        if budget < gneed:
            msg = f"one request of {mml:,} tokens needs {gneed:,} bytes of cache on the GPU; the budget is {budget:,}"
        elif not fits:
            msg = (f"one request of {mml:,} tokens needs {hneed:,} bytes of cache in host memory beside "
                   f"{host_w:,} of weights; --host-memory is {opts.host_memory:,}")
        detail = {"placement": {
            "n_gpu_layers": p.n_gpu_layers, "n_layer": p.n_layer, "gpu_layers": p.gpu_layers,
            "first_gpu_layer": p.i_gpu_start, "output_on_gpu": p.output_on_gpu, "kv_offload": p.kv_on_gpu,
            "weights_gpu_bytes": workers[0].budget[0].bytes, "weights_host_bytes": host_w,
            "kv_gpu_bytes_per_request": gneed, "kv_host_bytes_per_request": hneed,
            "host_memory_bytes": opts.host_memory, "llamacpp_commit": COMMIT}}
        explain = (f"-ngl {p.n_gpu_layers}: i_gpu_start = max({p.n_layer} + 1 − {p.n_gpu_layers}, 0) = "
                   f"{p.i_gpu_start}; {_gpu_layer_range(p.i_gpu_start, p.n_layer)} on the GPU"
                   + (", output too" if p.output_on_gpu else ""),
                   f"cache of one {mml:,}-token request: {gneed:,} bytes on the GPU, {hneed:,} in host memory"
                   + ("" if p.kv_on_gpu else " (-nkvo)"))
        return Capacity(fits, mml, int(conc * mml) if ratios else 0,
                        conc, gneed, msg, detail=detail, explain=explain)

    def _split_bytes(self, spec, ctx: int, batch: int, kv_fmt, model_dtype: str) -> tuple[int, int]:
        d = self.offload_split(spec, ctx, batch, kv_fmt, model_dtype, None)
        return d["kv_gpu_bytes"], d["kv_host_bytes"]

    def offload_split(self, spec, ctx: int, batch: int, kv_fmt, model_dtype: str,
                      weights_bytes: int | None) -> dict | None:
        """Under -ngl / -nkvo (None without them): where the layers are, and the cache of
        ``batch`` sequences of ``ctx`` tokens (and the weights, when given) on the GPU and in
        host memory. ``kvplan size`` and ``kvplan fit`` both ask this."""
        if not self._offload():
            return None
        from . import llamacpp_offload as off

        p = off.place(spec, self.cfg.n_gpu_layers, self.cfg.no_kv_offload)
        g, h = off.split_specs(spec, p)
        kv = [cache_bytes(s, ctx, batch, kv_fmt, self, model_dtype) if s is not None else 0 for s in (g, h)]
        out = {"n_gpu_layers": p.n_gpu_layers, "n_layer": p.n_layer, "gpu_layers": p.gpu_layers,
               "first_gpu_layer": p.i_gpu_start, "output_on_gpu": p.output_on_gpu, "kv_offload": p.kv_on_gpu,
               "kv_gpu_bytes": kv[0], "kv_host_bytes": kv[1]}
        if weights_bytes is not None:
            out["weights_gpu_bytes"], out["weights_host_bytes"] = off.weight_split(weights_bytes, spec, p)
        return out

    def context_limit(self, spec) -> tuple[int, str] | None:
        """llama-server caps a slot's context at the GGUF's training context (ggml-org/llama.cpp
        tools/server/server-context.cpp load_model: "the slot context (%d) exceeds the training
        context of the model (%d) - capping"; src/llama-context.cpp warns "possible training
        context overflow"): it starts, the cache allocated at the full -c, but serves no longer
        request."""
        return (spec.max_context, "llama-server caps each slot there (\"the slot context ... exceeds the "
                                  "training context of the model ... - capping\"), so no longer request is "
                                  "served; the cache here is what -c allocates") if spec.max_context else None

    def notes(self, spec) -> list[str]:
        out = [CONVERSION_NOTES[spec.family]] if spec.family in CONVERSION_NOTES else []
        cfg = self.cfg
        # a window the GGUF drops (CONVERSION_NOTES) leaves full layers, sized alike both ways
        differs = (ChunkedAttention, Mamba, Mamba2, GatedDeltaNet) + \
            (() if spec.family in CONVERSION_NOTES else (SlidingWindow,))
        if (cfg is None or cfg.parallel is None and not cfg.kv_unified) and \
                any(isinstance(spec.layer_types[lt].mixer, differs) for lt in spec.counts()):
            out.append("one llama.cpp slot per sequence here; llama-server without --parallel shares one "
                       "stream among 4 slots (--parallel 4 --kv-unified), which sizes sliding and recurrent "
                       "caches differently")
        return out

    def kv_formats(self, kv_fmt: str) -> tuple[str, str]:
        """--cache-type-k and --cache-type-v (each the --kv-dtype given, else f16, when not set)."""
        cfg = self._cfg("", kv_fmt)
        return cfg.type_k, cfg.type_v

    def _cfg(self, model_dtype: str, kv_dtype: str) -> Config:
        return self.cfg or Config(_cache_type(None, kv_dtype), _cache_type(None, kv_dtype), N_UBATCH, False,
                                  True, False, 0, model_dtype)

    def hold(self, mixer, ctx: int, model_dtype: str, kv_dtype: str) -> Holding:
        """One sequence: its stream as ``hold_batch`` sizes a batch of one."""
        return self.hold_batch(mixer, ctx, 1, model_dtype, kv_dtype)[0]

    def hold_batch(self, mixer, ctx: int, batch: int, model_dtype: str, kv_dtype: str) -> tuple[Holding, int]:
        """Each stream's cells, and the streams: one per slot, or one for all with --kv-unified
        (whose recurrent state still has one cell per slot)."""
        cfg = self._cfg(model_dtype, kv_dtype)
        slots, streams, n_ctx_seq, n_ubatch = _streams(ctx, batch, cfg)
        held = self._hold(mixer, cfg, n_ctx_seq, n_ubatch, slots if cfg.kv_unified else 1)
        if held.state and streams != slots:
            held = Holding(held.rows, held.tokens, [StateTensor(name=st.name, elements=st.elements * slots,
                                                                dtype=st.dtype) for st in held.state],
                           held.formats, held.sides)
        return held, streams

    def max_batch(self, workers, gpu, cap, opts: ServeOptions, kv_fmt, model_dtype: str, ctx: int) -> int:
        """The largest batch whose cache fits, each batch sized whole: llama.cpp's cache is not a
        copy per sequence (n_ctx × batch padded once; with --kv-unified, sliding caches of all the
        slots' windows in one stream)."""
        from .base import largest

        budget = min(w.kv_budget_bytes for w in workers)

        def ok(b: int) -> bool:
            return max(cache_bytes(w.spec, ctx, b, kv_fmt, self, model_dtype) for w in workers) <= budget

        if self._offload():  # -ngl / -nkvo: the GPU's layers against the GPU, the rest against --host-memory
            host = None if opts.host_memory is None else opts.host_memory - self.placement[1]
            if host is None and not self._split_bytes(workers[0].spec, ctx, 1, kv_fmt, model_dtype)[0]:
                raise KvplanError("the whole cache is in host memory (-nkvo or no layer on the GPU): give "
                                  "--host-memory to bound the batch")

            def ok(b: int) -> bool:  # noqa: F811
                g, h = self._split_bytes(workers[0].spec, ctx, b, kv_fmt, model_dtype)
                return g <= budget and (host is None or h <= host)

        hi = 1
        while ok(hi) and hi < 2**40:
            hi *= 2
        return largest(ok, hi)

    @staticmethod
    def _hold(mixer, cfg: Config, n_ctx_seq: int, n_ubatch: int, swa_slots: int) -> Holding:
        """One stream of ``n_ctx_seq`` cells; a sliding cache keeps ``swa_slots`` windows."""
        if isinstance(mixer, (Mamba, Mamba2, GatedDeltaNet)):
            conv = mixer.conv_state(mixer.conv_kernel - 1, "fp32")
            ssm = mixer.recurrent_state("fp32") if isinstance(mixer, GatedDeltaNet) else mixer.ssm_state("fp32")
            return Holding([], 0, [StateTensor(name="conv", elements=conv.elements, dtype="fp32"),
                                   StateTensor(name="ssm", elements=ssm.elements, dtype="fp32")])
        if isinstance(mixer, MLA):
            return Holding([(1, mixer.kv_lora_rank + mixer.qk_rope_head_dim)], n_ctx_seq, formats=(cfg.type_k,))
        if not isinstance(mixer, (FullAttention, SlidingWindow, ChunkedAttention)):
            return Holding([], 0)
        cells = n_ctx_seq
        window = mixer.window if isinstance(mixer, SlidingWindow) else \
            LLAMA4_CHUNK if isinstance(mixer, ChunkedAttention) else None
        if window and not cfg.drops_window and not cfg.swa_full:
            cells = pad(min(n_ctx_seq, window * swa_slots + n_ubatch))
        v_row = mixer.num_kv_heads * mixer.v_dim if cfg.flash_attn or not cfg.v_max else cfg.v_max
        return Holding([(1, mixer.num_kv_heads * mixer.head_dim), (1, v_row)], cells,
                       formats=(cfg.type_k, cfg.type_v))


def _gpu_layer_range(first: int, n_layer: int) -> str:
    """The repeating layers -ngl puts on the GPU, [first, n_layer), in words."""
    if first < n_layer - 1:
        return f"layers {first}-{n_layer - 1}"
    return f"layer {first}" if first == n_layer - 1 else "no decoder layer"


def _cache_type(name: str | None, kv_fmt: str | None) -> str:
    """A --cache-type-k/-v name (llama.cpp's), else the --kv-dtype given, else f16."""
    if name is None:
        fmt = dtypes.get(kv_fmt) if kv_fmt else dtypes.get("fp16")
        if fmt.name not in CACHE_TYPES.values():
            raise KvplanError(f"llama.cpp has no '{fmt.name}' cache type; it takes: {', '.join(CACHE_TYPES)}")
        return fmt.name
    key = name.strip().lower()
    if key not in CACHE_TYPES:
        raise KvplanError(f"unknown llama.cpp cache type '{name}'; known: {', '.join(CACHE_TYPES)}")
    return CACHE_TYPES[key]


def _name(fmt: str) -> str:
    return next((k for k, v in CACHE_TYPES.items() if v == fmt), fmt)


ENGINE = LlamaCpp()
