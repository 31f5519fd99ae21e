"""The roofline: one forward pass (a decode step, a prefill, a mixed chunked-prefill step) as
bytes over bandwidth against FLOPs over peak, the step-time equation every speed figure uses.

One forward pass on one GPU costs

    time = max(bytes read and written / (bandwidth × memory efficiency),
               FLOPs / (dense peak of the format computed in × compute efficiency))
           + all-reduce time (tensor parallel) + a fixed per-step overhead

and the larger of the two terms names the bound. What each term holds:

* bytes: the weights once (for a mixture of experts, only the experts the step's tokens route
  to: E × (1 − (1 − k/E)^T) of E experts per layer for T tokens, the expectation under uniform
  routing), every sequence's cache in each layer's own layout (a sliding layer its window, MLA
  its latent, a recurrent layer its state read and written back) and the new tokens' K/V;
* FLOPs: 2 × the parameters each token touches (top-k experts; not the input embedding, a
  lookup; the LM head) + each layer's cache-dependent work (``mix_flops`` of its kind:
  attention over the keys it sees, MLA in absorbed form, a recurrent state update);
* with ``tp`` > 1, one GPU's share (weights and KV heads split as ``fit`` splits them) and a
  ring all-reduce of tokens × hidden activations per residual block (``ModelSpec.blocks``: two
  per transformer layer, after the mixer and after the MLP) over the catalog's interconnect.

Efficiencies and the overhead are defaults with the published measurement each comes from
(``EFFICIENCY_SOURCES``); every one can be overridden. The model is a roofline: it does not
know kernels, so where a real engine is slower than both roofs (small batches with tiny
models, long-context attention kernels below peak bandwidth) it will be optimistic;
docs/perf-accuracy.md states its error against published measurements.
"""
from __future__ import annotations

from ..model import dtypes
from ..errors import KvplanError, opt
from ..model.frozen import field, record
from ..model.hardware import GpuSpec
from ..model.spec import DenseMlp, ModelSpec, MoeMlp

# ---- defaults, each from a published measurement ------------------------------------------
# Memory: gpt-fast's README (pytorch-labs/gpt-fast, "Benchmarks"): on an A100-80GB, "Empirically,
# seems like peak bandwidth is about 1700 GB/s" of the 2,039 GB/s datasheet figure = 0.834.
MEMORY_EFFICIENCY = 0.83
MEMORY_SOURCE = ("gpt-fast README (pytorch-labs/gpt-fast): A100-80GB peak achievable bandwidth "
                 "about 1,700 of 2,039 GB/s")
# Compute: Maximum Achievable Matmul FLOPS, measured with mamf-finder.py (stas00/ml-engineering,
# compute/accelerator/README.md, "Maximum Achievable Matmul FLOPS comparison table"): MAMF /
# datasheet dense peak, BF16 and FP8 tables. GPUs without a row take the median of the NVIDIA
# BF16 rows (A100 SXM 86.9, GH200 83.8, A100 PCIe 81.1, H100 SXM 80.3, B300 78.6, B200 77.6,
# GB200 72.9 % -> 80.3 %).
MAMF = {  # gpu catalog name -> {format: MAMF / theory}
    "a100-sxm-40gb": {"bf16": 0.869, "fp16": 0.869},
    "a100-sxm-80gb": {"bf16": 0.869, "fp16": 0.869},
    "a100-pcie-80gb": {"bf16": 0.811, "fp16": 0.811},
    "h100-sxm-80gb": {"bf16": 0.803, "fp16": 0.803, "fp8": 0.709},
    "h200-sxm-141gb": {"bf16": 0.803, "fp16": 0.803, "fp8": 0.734},  # table: "H200 is the same" (bf16)
    "b200": {"bf16": 0.776, "fp16": 0.776, "fp8": 0.763},
    "gb200": {"bf16": 0.729, "fp16": 0.729, "fp8": 0.723},
    "mi300x": {"bf16": 0.514, "fp16": 0.514},
    "mi325x": {"bf16": 0.604, "fp16": 0.604},
    "mi355x": {"bf16": 0.680, "fp16": 0.680},
}
COMPUTE_EFFICIENCY = 0.803
COMPUTE_SOURCE = ("Maximum Achievable Matmul FLOPS / datasheet (stas00/ml-engineering, "
                  "compute/accelerator/README.md)")
# Per step: what a batch-1 decode costs beyond the bandwidth roof in gpt-fast's own table
# (Llama-2-7B fp16, A100-80GB, 104.9 tokens/s = 9.533 ms per token; its 13,476,831,232 weight
# bytes at 1,700 GB/s take 7.928 ms): 1.6 ms of launches, small kernels and sampling.
STEP_OVERHEAD_S = 0.0016
OVERHEAD_SOURCE = ("gpt-fast README: Llama-2-7B fp16 on A100-80GB, 1/104.9 s per token less "
                   "13.48 GB / 1,700 GB/s")
EFFICIENCY_SOURCES = {"memory": MEMORY_SOURCE, "compute": COMPUTE_SOURCE, "overhead": OVERHEAD_SOURCE}


@record
class Efficiency:
    memory: float
    compute: float
    step_overhead_s: float
    memory_source: str = MEMORY_SOURCE
    compute_source: str = COMPUTE_SOURCE
    overhead_source: str = OVERHEAD_SOURCE


def efficiency(gpu: GpuSpec, fmt: str, memory: float | None = None, compute: float | None = None,
               overhead_ms: float | None = None) -> Efficiency:
    """The defaults for ``gpu`` computing in ``fmt``, with any of them overridden."""
    for name, v, hi in (("--bw-efficiency", memory, 1.0), ("--flops-efficiency", compute, 1.0)):
        if v is not None and not (0 < v <= hi):
            raise KvplanError(f"{name} must be in (0, 1], got {v}")
    if overhead_ms is not None and overhead_ms < 0:
        raise KvplanError(f"--step-overhead-ms must be >= 0, got {overhead_ms}")
    row = MAMF.get(gpu.name, {})
    comp_src = COMPUTE_SOURCE + (f": {gpu.name} {fmt} row" if fmt in row else
                                 ": median of the NVIDIA BF16 rows (no row for this GPU/format)")
    return Efficiency(
        memory=MEMORY_EFFICIENCY if memory is None else memory,
        compute=row.get(fmt, COMPUTE_EFFICIENCY) if compute is None else compute,
        step_overhead_s=STEP_OVERHEAD_S if overhead_ms is None else overhead_ms / 1000,
        memory_source=MEMORY_SOURCE if memory is None else "--bw-efficiency",
        compute_source=comp_src if compute is None else "--flops-efficiency",
        overhead_source=OVERHEAD_SOURCE if overhead_ms is None else "--step-overhead-ms")


def compute_format(weight_fmt: str, act_dtype: str, gpu: GpuSpec) -> str:
    """The tensor-core format the matmuls run in: fp8 weights on fp8 hardware run fp8; other
    weight-only formats (int4, q4_0, mxfp4 on pre-fp4 cards...) dequantize to the activation
    dtype; fp32 runs fp32. Where the card has no such path (bf16 on V100/T4), fp16."""
    key = {"fp8_e4m3": "fp8", "fp8_e5m2": "fp8", "fp16": "fp16", "bf16": "bf16",
           "fp32": "fp32"}.get(weight_fmt)
    if key == "fp8" and not gpu.dense_tflops.get("fp8"):
        key = None
    if key is None:
        key = {"fp32": "fp32", "fp16": "fp16", "bf16": "bf16"}.get(act_dtype, "bf16")
    if not gpu.dense_tflops.get(key) and key == "bf16" and gpu.dense_tflops.get("fp16"):
        key = "fp16"
    if not gpu.dense_tflops.get(key):
        raise KvplanError(f"{gpu.name} has no {key} throughput in the GPU catalog; "
                          "kvplan cannot time this format on it")
    return key


# ---- one forward pass -----------------------------------------------------------------------
@record
class Step:
    """One forward pass on one GPU: ``tokens`` new tokens in each of ``batch`` sequences that
    already hold ``ctx`` tokens (decode: tokens 1; prefill: ctx 0)."""

    phase: str
    batch: int
    ctx: int
    tokens: int
    weight_bytes: int  # weights read (MoE: the experts routed to, in expectation)
    kv_read_bytes: int  # the cache read by attention, all sequences
    kv_write_bytes: int  # the new tokens' K/V
    state_bytes: int  # recurrent state read and written back
    matmul_flops: int
    attention_flops: int
    comm_bytes: int  # all-reduce bytes each GPU sends
    memory_s: float
    compute_s: float
    comm_s: float
    overhead_s: float
    ops: tuple = ()  # per-operation model (kvplan.plan.latency): (name, seconds, bound, source)

    @property
    def bytes(self) -> int:
        return self.weight_bytes + self.kv_read_bytes + self.kv_write_bytes + self.state_bytes

    @property
    def flops(self) -> int:
        return self.matmul_flops + self.attention_flops

    @property
    def bound(self) -> str:
        return "compute" if self.compute_s > self.memory_s else "memory"

    @property
    def seconds(self) -> float:
        if self.ops:  # a sum of operations, each already at its own roof (kvplan.plan.latency)
            return self.memory_s + self.compute_s + self.comm_s + self.overhead_s
        return max(self.memory_s, self.compute_s) + self.comm_s + self.overhead_s

    def as_dict(self) -> dict:
        return {"phase": self.phase, "batch": self.batch, "ctx": self.ctx, "tokens": self.tokens,
                "seconds": self.seconds, "bound": self.bound, "bytes": self.bytes,
                "flops": self.flops, "weight_bytes": self.weight_bytes,
                "kv_read_bytes": self.kv_read_bytes, "kv_write_bytes": self.kv_write_bytes,
                "state_bytes": self.state_bytes, "matmul_flops": self.matmul_flops,
                "attention_flops": self.attention_flops, "comm_bytes": self.comm_bytes,
                "memory_seconds": self.memory_s, "compute_seconds": self.compute_s,
                "comm_seconds": self.comm_s, "overhead_seconds": self.overhead_s}


def expected_experts(num_experts: int, k: int, tokens: int) -> float:
    """Distinct experts ``tokens`` tokens route to, each picking ``k`` of ``num_experts``
    uniformly: E × (1 − (1 − k/E)^T)."""
    return num_experts * (1.0 - (1.0 - k / num_experts) ** tokens)


class Roofline:
    """A model × GPU × formats × TP, priced once, timed for any step (cheap per call, so a
    sweep of 100,000 points stays well under a second)."""

    needs_interconnect = True  # the per-operation model (latency.step) has a PCIe fallback

    def __init__(self, spec: ModelSpec, gpu: GpuSpec, tp: int = 1, kv_dtype: str | None = None,
                 weight_dtype: str | None = None, eff: Efficiency | None = None,
                 bw_efficiency: float | None = None, flops_efficiency: float | None = None,
                 step_overhead_ms: float | None = None):
        from .fit import stage_parameters, stage_weight_bytes

        if not isinstance(tp, int) or isinstance(tp, bool) or tp < 1:  # True is an int, not a count
            raise KvplanError(f"{opt('tp')} must be a positive integer, got {tp!r}")
        act = spec.dtype if spec.dtype in ("fp16", "bf16") else "bf16"
        if act != spec.dtype:  # engines run fp32 checkpoints in bf16 (vLLM, SGLang)
            spec = spec.model_copy(update={"dtype": act})
        self.spec, self.gpu, self.tp = spec, gpu, tp
        self.act_dtype = act
        self.kv_fmt = dtypes.get(kv_dtype or act)
        wfmt = dtypes.get(weight_dtype) if weight_dtype else None
        if wfmt is None and not spec.weight_quant:
            wfmt = dtypes.get(act)
        self.weight_dtype = wfmt.name if wfmt else spec.weight_bytes()[1]
        fmt_for_compute = wfmt.name if wfmt else (
            spec.weight_quant.format if spec.weight_quant.scope == "linear" else act)
        self.compute_fmt = compute_format(fmt_for_compute, act, gpu)
        self.peak_flops = gpu.dense_tflops[self.compute_fmt] * 1e12
        self.eff = eff or efficiency(gpu, self.compute_fmt, bw_efficiency, flops_efficiency,
                                     step_overhead_ms)
        if tp > 1 and self.needs_interconnect and not gpu.interconnect_bytes_per_s:
            raise KvplanError(f"{gpu.name} has no interconnect bandwidth in the GPU catalog, so "
                              f"kvplan cannot time {opt('tp')} > 1 on it")
        rank = spec.shard(tp)
        h = spec.hidden_size
        params = stage_parameters(rank, 0, rank.num_layers, 1)
        self.weights_bytes = stage_weight_bytes(rank, params, wfmt)
        # parameters a token's matmuls touch: not the input embedding (a lookup); the LM head
        # (the embedding itself when tied)
        active = params - rank.embedding_params() + (rank.vocab_size * h if rank.tie_embeddings else 0)
        self.moe = []  # (layers, experts, k, bytes of one expert, params of one expert)
        for lt_name, count in rank.counts().items():
            mlp = rank.layer_types[lt_name].mlp
            if isinstance(mlp, MoeMlp):
                one = mlp.params(h) - mlp.active_params(h)
                one //= (mlp.num_experts - mlp.experts_per_token) or 1
                self.moe.append((count, mlp.num_experts, mlp.experts_per_token,
                                 self._expert_bytes(rank, mlp, wfmt), one))
                active -= count * (mlp.num_experts - mlp.experts_per_token) * one
        self.active_params = active
        # per sequence, per cached token: K/V bytes of every layer; fixed state; mix layers
        self.layers = []  # (count, mixer, bytes per token, state bytes)
        self.sides = []  # (count, bytes per entry, tokens per entry)
        for lt_name, count in rank.counts().items():
            mixer = rank.layer_types[lt_name].mixer
            per_token = sum(rows * self.kv_fmt.row_bytes(n) for rows, n in mixer.kv_rows())
            state = sum(dtypes.get(st.dtype).row_bytes(st.elements) for st in mixer.state(act))
            if rank.layer_types[lt_name].kv_shared:  # reads a cache another layer already read
                per_token = state = 0
            self.layers.append((count, mixer, per_token, state))
            # side caches (indexer keys, compressed entries): bytes per entry, one per stride
            for sc in (getattr(mixer, "side_caches", lambda: [])()
                       if not rank.layer_types[lt_name].kv_shared else []):
                fmt = dtypes.get(sc.format) if sc.format else self.kv_fmt
                self.sides.append((count, sc.rows * fmt.row_bytes(sc.values), sc.stride))
        self.bytes_per_token = sum(c * pt for c, _, pt, _ in self.layers)
        self.state_per_seq = sum(c * st for c, _, _, st in self.layers)
        self.act_bytes = dtypes.get(act).row_bytes(1)

    @staticmethod
    def _expert_bytes(rank: ModelSpec, mlp: MoeMlp, wfmt) -> int:
        h = rank.hidden_size
        one = DenseLike(mlp).linears(h)
        q = rank.weight_quant
        bias = (2 * mlp.intermediate_size + h if mlp.gated else mlp.intermediate_size + h) \
            if mlp.expert_bias else 0
        n = sum(o * i for o, i in one)
        if wfmt is not None:
            return wfmt.row_bytes(n + bias)
        if q is not None and q.expert_format:  # the routed experts in their own format, no block scales
            efmt = dtypes.get(q.expert_format)  # (ModelSpec.priced_bytes: o × row_bytes(i) a matrix)
            return sum(o * efmt.row_bytes(i) for o, i in one) + dtypes.get(rank.dtype).row_bytes(bias)
        if q is not None:  # both scopes quantize the routed experts
            return sum(q.matrix_bytes(o, i) for o, i in one) + dtypes.get(rank.dtype).row_bytes(bias)
        return dtypes.get(rank.dtype).row_bytes(n + bias)

    # --- pieces ----------------------------------------------------------------------------
    def weights_read(self, tokens: int) -> int:
        """Weight bytes one pass over ``tokens`` tokens (all sequences) reads."""
        unread = 0.0
        for count, e, k, nbytes, _ in self.moe:
            unread += count * (e - expected_experts(e, k, tokens)) * nbytes
        return self.weights_bytes - round(unread)

    def kv_tokens_read(self, ctx: int) -> int:
        """Cache bytes one sequence's attention reads at context ``ctx``: each layer its span
        (a layer sharing another's K/V re-reads it; counted once, as if it stayed in cache)."""
        return sum(c * pt * m.span(ctx) for c, m, pt, _ in self.layers if pt) \
            + sum(c * b * (ctx // stride) for c, b, stride in self.sides)

    def kv_written(self, ctx: int, tokens: int = 1) -> int:
        """Cache bytes one sequence writes going from ``ctx`` to ``ctx + tokens`` tokens: each
        token's K/V, and a side cache's entry each time a group of its stride completes."""
        return tokens * self.bytes_per_token + sum(
            c * b * ((ctx + tokens) // stride - ctx // stride) for c, b, stride in self.sides)

    def mix_flops(self, first: int, last: int) -> int:
        return sum(c * m.mix_flops(first, last) for c, m, _, _ in self.layers)

    def _time(self, phase, batch, ctx, tokens, wbytes, kv_read, kv_write, state, mm, attn,
              rows: int | None = None) -> Step:
        """``rows``: the tokens in the pass (default batch × tokens; a mixed step's sum)."""
        comm, memory_s, compute_s, comm_s = self._terms(
            batch * tokens if rows is None else rows, wbytes + kv_read + kv_write + state, mm + attn)
        return Step(phase, batch, ctx, tokens, wbytes, kv_read, kv_write, state, mm, attn, comm,
                    memory_s=memory_s, compute_s=compute_s, comm_s=comm_s,
                    overhead_s=self.eff.step_overhead_s)

    def _terms(self, rows: int, nbytes: int, flops: int) -> tuple[int, float, float, float]:
        """(all-reduce bytes, memory, compute and all-reduce seconds) of a pass over ``rows``
        tokens that moves ``nbytes`` and computes ``flops``: the roofline itself."""
        comm = comm_s = 0
        if self.tp > 1:
            per = rows * self.spec.hidden_size * self.act_bytes
            comm = self.spec.blocks() * (2 * (self.tp - 1) * per // self.tp)
            comm_s = comm / (self.gpu.interconnect_bytes_per_s / 2)
        return (comm, nbytes / (self.gpu.memory_bandwidth_bytes_per_s * self.eff.memory),
                flops / (self.peak_flops * self.eff.compute), comm_s)

    def pass_seconds(self, rows: int, nbytes: int, flops: int) -> tuple[float, str]:
        """The step equation alone, for callers that price many passes (sweep): (seconds, bound)
        of a pass over ``rows`` tokens moving ``nbytes`` and computing ``flops``, exactly what
        ``Step.seconds`` gives for the same terms."""
        _, memory_s, compute_s, comm_s = self._terms(rows, nbytes, flops)
        return (max(memory_s, compute_s) + comm_s + self.eff.step_overhead_s,
                "compute" if compute_s > memory_s else "memory")

    def decode_terms(self, ctx: int) -> tuple[int, int, int]:
        """One sequence's decode at ``ctx``: (cache bytes read, bytes written, attention FLOPs)."""
        return self.kv_tokens_read(ctx), self.kv_written(ctx), self.mix_flops(ctx + 1, ctx + 1)

    def decode_steps_many(self, ctx: int, batches, terms: tuple[int, int, int] | None = None) -> list:
        """(seconds, bound) of ``decode(ctx, b)`` for each of ``batches`` (a sweep's batches at one context;
        the per-operation model answers it without building the steps: ``OpLatency.decode_steps_many``)."""
        return [(s.seconds, s.bound) for s in (self.decode(ctx, b) for b in batches)]

    # --- the two passes --------------------------------------------------------------------
    def decode(self, ctx: int, batch: int = 1) -> Step:
        """The step that makes token ctx + 1 for ``batch`` sequences holding ``ctx`` tokens."""
        positive("context", ctx)
        positive("batch", batch)
        return self._time("decode", batch, ctx, 1, self.weights_read(batch),
                          batch * self.kv_tokens_read(ctx), batch * self.kv_written(ctx),
                          2 * batch * self.state_per_seq,
                          2 * self.active_params * batch, batch * self.mix_flops(ctx + 1, ctx + 1))

    def prefill(self, tokens: int, batch: int = 1) -> Step:
        """``tokens`` prompt tokens in each of ``batch`` sequences, from an empty cache: the
        matmuls plus attention over the causal triangle; K/V of every prompt token written."""
        positive("prompt", tokens)
        positive("batch", batch)
        return self._time("prefill", batch, 0, tokens, self.weights_read(batch * tokens), 0,
                          batch * self.kv_written(0, tokens), batch * self.state_per_seq,
                          2 * self.active_params * batch * tokens, batch * self.mix_flops(1, tokens))


    # --- a mixed step: chunks of prefill beside decodes (continuous batching) ----------------
    def mixed(self, chunks=(), decodes=()) -> Step:
        """One forward pass over several sequences at once, as a serving engine batches them:
        each ``(cached, new)`` in ``chunks`` computes ``new`` prompt tokens of a sequence that
        already holds ``cached`` (a chunked prefill; cached 0 is a whole prefill), and each
        ``ctx`` in ``decodes`` is one decode of a sequence of ``ctx`` tokens, priced as
        ``decode(ctx)``. Every part is the same term ``prefill`` and ``decode`` use; the weights
        are read once for all the pass's tokens, the per-step overhead paid once. So
        ``mixed([(0, p)]) == prefill(p)`` and ``mixed(decodes=[c]) == decode(c)``."""
        kv_read = kv_write = attn = 0
        for ctx in decodes:
            kv_read += self.kv_tokens_read(ctx)
            kv_write += self.kv_written(ctx)
            attn += self.mix_flops(ctx + 1, ctx + 1)
        return self._mixed(chunks, len(decodes), kv_read, kv_write, attn,
                           max(decodes, default=0))

    @property
    def decode_is_linear(self) -> bool:
        """Whether a decode's cache read, write and attention FLOPs are affine in its context
        (every layer full attention or fixed state, no side caches): then a batch of decodes is
        priced exactly from its count and the sum of its contexts (``mixed_sum``)."""
        if getattr(self, "_linear", None) is None:
            def terms(c):
                return (self.kv_tokens_read(c), self.kv_written(c), self.mix_flops(c + 1, c + 1))
            t0, t1 = terms(0), terms(1)
            self._linear = all(terms(c) == tuple(a + c * (b - a) for a, b in zip(t0, t1))
                               for c in (2, 3, 16, 17, 1000, 4097, 131072, 1 << 20))
            self._coef = (t0, tuple(b - a for a, b in zip(t0, t1)))
        return self._linear

    def mixed_sum(self, chunks, decodes: int, ctx_sum: int, ctx_max: int = 0,
                  seconds: bool = False):
        """``mixed(chunks, decodes)`` for ``decodes`` decodes whose contexts sum to ``ctx_sum``,
        in constant time; exact only where ``decode_is_linear`` (else it refuses). With
        ``seconds``, only ``Step.seconds`` (no record built: a simulator's inner loop)."""
        if not self.decode_is_linear:
            raise KvplanError("this model's decode cost is not linear in context; use mixed()")
        (r0, w0, a0), (r1, w1, a1) = self._coef
        return self._mixed(chunks, decodes, decodes * r0 + ctx_sum * r1,
                           decodes * w0 + ctx_sum * w1, decodes * a0 + ctx_sum * a1, ctx_max,
                           seconds)

    def _mixed(self, chunks, decodes: int, kv_read: int, kv_write: int, attn: int,
               ctx_max: int, seconds: bool = False):
        rows = decodes
        state = 2 * decodes * self.state_per_seq
        for cached, new in chunks:
            positive("chunk", new)
            rows += new
            kv_read += self.kv_tokens_read(cached) if cached else 0
            kv_write += self.kv_written(cached, new)
            state += (2 if cached else 1) * self.state_per_seq
            attn += self.mix_flops(cached + 1, cached + new)
            ctx_max = max(ctx_max, cached)
        seqs = decodes + len(chunks)
        if seqs == 0:
            raise KvplanError("a step needs at least one sequence")
        if seconds:
            _, memory_s, compute_s, comm_s = self._terms(
                rows, self.weights_read(rows) + kv_read + kv_write + state,
                2 * self.active_params * rows + attn)
            return max(memory_s, compute_s) + comm_s + self.eff.step_overhead_s
        phase = "decode" if not chunks else ("prefill" if not decodes else "mixed")
        return self._time(phase, seqs, ctx_max, rows // seqs if rows % seqs == 0 else 1,
                          self.weights_read(rows), kv_read, kv_write, state,
                          2 * self.active_params * rows, attn, rows=rows)


class DenseLike:
    """One routed expert of a MoE block as its matrices (a dense MLP of the expert's size)."""

    def __init__(self, mlp: MoeMlp):
        self.mlp = mlp

    def linears(self, hidden: int) -> list[tuple[int, int]]:
        return DenseMlp(intermediate_size=self.mlp.intermediate_size, gated=self.mlp.gated).linears(hidden)


def positive(name: str, v) -> None:
    if not isinstance(v, int) or isinstance(v, bool) or v < 1:
        raise KvplanError(f"{name} must be a positive integer, got {v!r}")
