"""A forward pass priced per operation: ``OpLatency`` has ``Roofline``'s interface (decode, prefill,
mixed, mixed_sum) and byte accounting, and replaces its two roofs by a sum of operations:

    step = Σ GEMMs (per layer, by shape and format; MoE experts at their tokens each)
         + attention (decode: K/V read by batch × context × GQA; prefill: causal FLOPs by length)
         + K/V writes and recurrent state + all-reduces (measured curves by message size, one per mixer and
           per MLP + 1)
         + under expert parallelism (``ep`` > 1): whole experts, E/EP per rank, read at all
           data-parallel ranks' tokens, and a dispatch + combine all-to-all per MoE layer
         + the LM head on one row per sequence + the engine's per-step overhead (per layer: per two
           residual blocks, overhead.layer_equivalents)
         + per MoE layer, the router: its unquantized gate GEMM and a top-k kernel (data/moe_routing.yaml;
           the measured MoE tables time the experts alone); an engine whose graph runs the routing, the weights'
           multiply and the experts' sum as separate small kernels (llama.cpp) pays fitted.yaml's ``moe_route``
           per MoE layer instead (Profile.moe_route)
         + per MLA layer of a decode pass priced by vLLM's tables, the rest of vLLM's MLA module (norms, RoPE,
           cache write, absorbed BMMs: measured module time - priced parts, data/mla_module.yaml); where no such
           table covers the GPU family and engine, a per-MLA-layer rest fitted on the fit side (fitted.yaml
           ``mla_rest``: SGLang on MI300X), labelled so

Each GEMM group runs in its stored format (``_gemm_formats``): a checkpoint's ``weight_quant`` covers
the projections iff its scope is ``linear``, the dense MLPs and shared experts iff ``linear`` or
``mlp``, the LM head never; ``--weight-dtype`` puts every group in that one format.

Each op carries the source of its efficiency (``Step.ops``), which ``kvplan perf --explain`` prints."""
from __future__ import annotations

from ...model import dtypes
from ...model.spec import DenseMlp, MoeMlp
from ..roofline import DenseLike, Roofline, Step, compute_format, efficiency
from . import attention, comm, gemm, moe, overhead, tables
from .chunks import _Alike, _runs
from .profile import Profile


class OpLatency(Roofline):
    def __init__(self, spec, gpu, tp: int = 1, kv_dtype=None, weight_dtype=None, engine: str = "vllm",
                 cuda_graphs: bool | None = None, ep: int = 1, multi_block: bool = True, act_quant: str | None = None,
                 graph_max_batch: tuple[int, str] | None = None):
        """``multi_block`` False: decode attention without a split of the context across thread blocks (TensorRT-LLM
        before 0.13 unless built with --multi_block_mode; attention.decode_seconds ``one_cta``). ``act_quant``: how the
        FP8 W8A8 GEMMs quantize their inputs (data/act_quant.yaml ``schemes``: ``dynamic_token``, ``static_tensor``,
        ``dynamic_tensor``); None: the engine's own (engines.yaml ``fp8_activations``: TensorRT-LLM's static scales),
        else as its measured GEMM table did (gemm.seconds ``act``). ``graph_max_batch``: (the largest decode batch
        the engine's release captures a CUDA graph for, its source), past which a decode pass runs eager
        (latency/versions.py graph_max_batch, by the release a run states); None: every decode batch graphed."""
        super().__init__(spec, gpu, tp, kv_dtype, weight_dtype)
        self.ep, self.dp = ep, moe.check_expert_parallel(self.spec, tp, ep)  # EP = tp × DP ranks
        self.prof = Profile(gpu, engine, cuda_graphs)
        self.prof.graph_max_batch = graph_max_batch
        self.act_quant = act_quant or self.prof.eng.get("fp8_activations")
        # decode steps that append each layer's new K/V by concatenation (engines.yaml ``kv_cache_append: concat``,
        # with its source: transformers' DynamicCache.update, torch.cat): the cache is read and written once more a
        # step beside the attention kernel's read, 2 x the K/V the step's attention reads, priced with the K/V write
        self.kv_concat = self.prof.eng.get("kv_cache_append") == "concat"
        self.engine = self.prof.engine
        rank = self.spec.shard(tp)
        if self.engine == "sglang":  # recurrent states as SGLang's plan holds them (float32 SSM: its default)
            from ...engines import sglang as sg

            self.state_per_seq = sum(count * (sg.state_bytes(mixer, self.spec, self.act_dtype) if state else 0)
                                     for count, mixer, _, state in self.layers)
        h = self.hidden = rank.hidden_size
        self.wfmt = self.weight_dtype
        self.layers_n = rank.num_layers
        self.attn_layers = attention_layers(rank)  # layers with an attention kernel: its per-kernel floor
        self.overhead_layers = overhead.layer_equivalents(rank)  # blocks / 2: a single-block layer is half
        self.proj, self.mlps, self.moe_shapes, self.moe_keys = [], [], [], []  # (layers, [(n, k)])
        self.kv_heads = self.gqa = 0
        for lt_name, count in rank.counts().items():
            lt = rank.layer_types[lt_name]
            lin = getattr(lt.mixer, "linears", None)
            if lin is not None:
                self.proj.append((count, [(o, i) for o, i in lin(h)]))
            if not self.kv_heads and getattr(lt.mixer, "num_kv_heads", None):
                self.kv_heads = lt.mixer.num_kv_heads
                self.gqa = max(1, getattr(lt.mixer, "num_heads", 1) // max(1, lt.mixer.num_kv_heads))
            if isinstance(lt.mlp, DenseMlp):
                self.mlps.append((count, list(lt.mlp.linears(h))))
            elif isinstance(lt.mlp, MoeMlp):
                whole = self.spec.layer_types[lt_name].mlp if ep > 1 else lt.mlp  # EP: experts unsplit
                self.moe_shapes.append((count, lt.mlp.num_experts, lt.mlp.experts_per_token,
                                        moe.fused_linears(DenseLike(whole).linears(h))))
                full = self.spec.layer_types[lt_name].mlp  # the measured MoE table's key (moe.measured_shape)
                self.moe_keys.append((self.spec.hidden_size, full.intermediate_size, full.num_experts,
                                      full.experts_per_token, tp) if full.gated and ep == 1 else None)
                if lt.mlp.shared_intermediate_size:
                    self.mlps.append((count, list(DenseMlp(intermediate_size=lt.mlp.shared_intermediate_size,
                                                           gated=lt.mlp.gated).linears(h))))
        self.head = (rank.vocab_size, h)
        self.mamf = self.eff.compute
        self._memo_rows, self._memo_seqs, self._memo_prefill, self._memo_decode = {}, {}, {}, {}
        self.profile_scale, self.profile_label = 1.0, ""  # a calibrated profile (latency/calibrate.py)
        self._attn_scale = self.prof.scale("attention")
        self.one_cta = None if multi_block else self.prof.one_cta()
        if ep > 1:
            self._expert_parallel_bytes(weight_dtype)
        # one routed expert's bytes on this rank (its intermediate / tp slice, or whole under EP), scales included
        self.expert_bytes = [m[3] for m in (self.ep_moe if ep > 1 else self.moe)]
        if weight_dtype:  # a --weight-dtype streams its scales in the experts as in the dense GEMMs (gemm.stored_bytes)
            fmt = dtypes.get(self.wfmt)
            self.expert_bytes = [b + sum(gemm.stored_bytes(self.wfmt, n, k) - fmt.row_bytes(n * k) for n, k in lins)
                                 for b, (_, _, _, lins) in zip(self.expert_bytes, self.moe_shapes)]
        self.moe_fmt = moe.table_format(self.spec, weight_dtype and self.wfmt, self.act_dtype)
        # an engine whose experts run its dense GEMMs' kernel (engines.yaml experts_kernel, with its source) streams a
        # weight-only format's experts at the dense GEMMs' dequantization factor (moe.grouped_seconds ``dequant``)
        q = self.spec.weight_quant
        efmt = self.wfmt if weight_dtype else (q.expert_format or q.format) if q else self.act_dtype
        self.expert_dequant = (self.prof.dequant(efmt) if self.prof.eng.get("experts_kernel") == "gemm"
                               and efmt in gemm.WEIGHT_ONLY else (1.0, ""))
        self.proj_fmt, self.mlp_fmt, self.head_fmt = self._gemm_formats(weight_dtype)
        cf = compute_format(self.act_dtype, self.act_dtype, self.gpu)  # the MoE router's gate: never quantized
        self.router_fmt = gemm.Format(self.act_dtype, cf, self.gpu.dense_tflops[cf] * 1e12,
                                      self.mamf if cf == self.compute_fmt else efficiency(self.gpu, cf).compute)
        # attention runs in the activation format whatever the weights' (FlashAttention / FlashInfer / MLA kernels on
        # bf16 or fp16 Q, K, V; fp8 weights run fp8 GEMMs only): its kernels' measured efficiencies (kernels.yaml
        # prefill_attention, mla_context.yaml) are against the dense bf16 peak (benchmarks/latency/derive_kernels.py)
        self.attn_peak = self.gpu.dense_tflops[cf] * 1e12
        # MLA layers prefill in the non-absorbed form (MLA.prefill_flops) at the MLA context kernel's efficiency
        self.mla_prefill = any(getattr(rank.layer_types[n].mixer, "kind", None) == "mla" for n in rank.counts())
        self.mla_pad_v = self.prof.mla_prefill_v_padding()
        self.mla_rest = self._mla_rest(rank)

    def _mla_rest(self, rank):
        """(MLA layers, heads per rank, the grid, its source, the op's name) where the engine runs vLLM's kernels on a
        family with vLLM's MLA module table (data/mla_module.yaml, benchmarks/latency/derive_mla_module.py): what
        vLLM's MLA module costs at decode beyond its GEMMs and attention kernel (norms, RoPE, cache write, the
        absorbed BMMs), measured module time minus kvplan's price of those parts, by heads and batch; else where
        fitted.yaml has a per-MLA-layer rest for the family and engine profile (``Profile.mla_rest_fit``), that one
        figure at every heads and batch (grid ``None``); else None."""
        fam = tables.load("mla_module")["families"].get(self.prof.family)
        if fam is not None and self.prof.eng["tables"] != "vllm":
            fam = None
        fit = None if fam is not None else self.prof.mla_rest_fit()
        if fam is None and fit is None:
            return None
        mla = [(count, rank.layer_types[n].mixer) for n, count in rank.counts().items()
               if getattr(rank.layer_types[n].mixer, "kind", None) == "mla"]
        if not mla:
            return None
        layers = sum(c for c, _ in mla)
        if fam is None:
            return (layers, mla[0][1].num_heads, None, f"fitted: {fit['source']}",
                    f"MLA layer rest, fitted ({layers} layers × {fit['residual_us']:g} us)", fit["residual_us"])
        grid = [fam["residual_us"][h] for h in fam["heads"]]
        return (layers, mla[0][1].num_heads, (fam["heads"], fam["batch"], grid),
                f"measured vLLM module - priced parts: {fam['source']}",
                f"MLA module rest ({layers} layers, norms, BMMs)", None)

    def prefill_flops(self, first: int, last: int) -> int:
        """``mix_flops`` of the prompt positions ``first``..``last`` as the prefill kernels compute them: a kind's own
        ``prefill_flops`` where its prefill runs another form than its decode (MLA: non-absorbed), else ``mix_flops``."""
        pad = self.mla_pad_v
        return sum(c * (m.prefill_flops(first, last, pad) if hasattr(m, "prefill_flops") else m.mix_flops(first, last))
                   for c, m, _, _ in self.layers)

    def _mla_rest_seconds(self, decodes: int) -> float:
        layers, heads, grid, _, _, flat_us = self.mla_rest
        if grid is None:
            return layers * flat_us * 1e-6
        hs, bs, g = grid
        return layers * tables.interp2(hs, bs, g, heads, decodes) * 1e-6

    def _gemm_formats(self, weight_dtype):
        """(projections, dense MLPs and shared experts, LM head) as ``gemm.Format``s. ``--weight-dtype``
        or an unquantized checkpoint: all three in the one weight format. A checkpoint's own
        ``weight_quant`` (kvplan/model/weights.py WeightQuant: the scopes): its format and
        ``matrix_bytes`` for the groups its scope covers, the model's dtype for the rest, each computed
        in ``roofline.compute_format`` of its own format (an unquantized group on an fp8 card: bf16).
        The LM head is never quantized: vLLM's Fp8Config.get_quant_method (quantization/fp8.py,
        vllm-project/vllm at 0071b24b) quantizes LinearBase and FusedMoE layers only, and ParallelLMHead
        is a VocabParallelEmbedding (AWQ's and compressed-tensors' configs likewise); an AWQ/GPTQ config
        that asks for a quantized head (``lm_head: true``) is refused on import (sources/hfconfig/quant.py).
        A layout with a ``head_format`` (a GGUF's output.weight, benchmarks/published/checkpoints.yaml) streams
        the head in that format (``gemm.stored_bytes``: its own blocks)."""
        q = self.spec.weight_quant
        if weight_dtype or q is None:
            same = gemm.Format(self.wfmt, self.compute_fmt, self.peak_flops, self.mamf, act=self.act_quant)
            return same, same, same

        def fmt(name, quant):
            cf = compute_format(name, self.act_dtype, self.gpu)
            mamf = self.mamf if cf == self.compute_fmt else efficiency(self.gpu, cf).compute
            return gemm.Format(name, cf, self.gpu.dense_tflops[cf] * 1e12, mamf, quant, self.act_quant)

        plain, stored = fmt(self.act_dtype, None), fmt(q.format, q)
        head = fmt(q.head_format, None) if q.head_format else plain  # a GGUF's quantized output.weight
        return (stored if q.scope == "linear" else plain, stored if q.scope in ("linear", "mlp") else plain, head)

    # ---- pricing --------------------------------------------------------------------------
    def _gemms(self, shapes, m: int, fmt):
        """The group's GEMMs: where the engine fuses the matrices that read one input (engines.yaml ``fused_linears``,
        with its source: a fused QKV, a fused gate_up), one GEMM each such set (gemm.fused), its input quantized once;
        else one GEMM a matrix, each reading its own input or sharing one (gemm.own_inputs)."""
        t, bound_t, src = 0.0, {"memory": 0.0, "compute": 0.0}, ""
        fused = self.prof.eng.get("fused_linears")
        for count, lins in shapes:
            if fused:
                calls = [((n, k), True) for n, k in gemm.fused(lins, self.hidden)]
            else:
                own = gemm.own_inputs(lins, self.hidden) if getattr(fmt, "act", None) else [True] * len(lins)
                calls = list(zip(lins, own))  # own False: an input another matrix of its layer quantized
            for (n, k), own_input in calls:
                s, b, src = (fmt.seconds(self.prof, m, n, k) if own_input
                             else fmt.seconds(self.prof, m, n, k, own_input=False))
                t += count * s
                bound_t[b] += count * s
        return t, max(bound_t, key=bound_t.get), src

    def price(self, rows: int, seqs: int, decodes: int, dec_kv: int, dec_flops: int, chunk_kv: int,
              chunk_flops: int, isl: float, write_state: int):
        """The ops of one pass, as (name, seconds, bound, source)."""
        p, ops = self.prof, []
        g = p.scale("gemm")
        t, b, src = self._gemms(self.proj, rows, self.proj_fmt)
        ops.append(("attention projections (GEMM)", g * t, b, src))
        if self.mlps:
            t, b, src = self._gemms(self.mlps, rows, self.mlp_fmt)
            ops.append(("MLP (GEMM)", g * t, b, src))
        for (count, e, k, lins), nbytes, key in zip(self.moe_shapes, self.expert_bytes, self.moe_keys):
            if self.ep > 1:
                read = moe.experts_read_per_rank(e, k, rows * self.dp, self.ep)
                routed = rows * self.dp * k / self.ep
                m = max(1, round(moe.tokens_per_expert(e, k, rows * self.dp)))
                name = f"MoE experts, EP {self.ep} ({read:.1f} of {e // self.ep} on the rank read, {m} tokens each)"
            else:
                read = moe.expected_experts(e, k, rows)
                routed = rows * k
                m = max(1, round(moe.tokens_per_expert(e, k, rows)))
                name = f"MoE experts ({read:.1f} of {e} read, {m} tokens each)"
            t, b, src = moe.grouped_seconds(p, routed, read, nbytes, lins, self.moe_fmt, self.peak_flops,
                                            self.mamf, self.act_bytes, None if self.ep > 1 else key, self.expert_dequant)
            ops.append((name, g * count * t, b, src))
        for count, e, _, _ in self.moe_shapes:  # the router, per MoE layer: gate GEMM (hidden -> experts), top-k
            t, b, src = self.router_fmt.seconds(p, rows, e, self.spec.hidden_size)
            ops.append((f"MoE router gate {self.spec.hidden_size:,} -> {e} (GEMM)", g * count * t, b, src))
            us, what, src = self.prof.moe_route()
            ops.append((f"{what} ({count} layers × {us:g} us)", count * us * 1e-6, "overhead", src))
        t, b, src = self._gemms([(1, [self.head])], seqs, self.head_fmt)
        ops.append(("logits (LM head GEMM)", g * t, b, src))
        a = p.scale("attention")
        if decodes:
            ctx = dec_kv / (decodes * self.bytes_per_token) if self.bytes_per_token else 1
            t, src = attention.decode_seconds(p, dec_kv, dec_flops, decodes, ctx, self.kv_heads, self.gqa,
                                              self.attn_layers, self.attn_peak, self.one_cta)
            ops.append((f"decode attention (K/V read, mean ctx {ctx:,.0f})", a * t, "memory", src))
            if self.mla_rest:
                ops.append((self.mla_rest[4], self._mla_rest_seconds(decodes), "overhead", self.mla_rest[3]))
        if chunk_flops or chunk_kv:
            t, src = attention.prefill_seconds(p, chunk_flops, isl, self.attn_layers, self.attn_peak, self.mla_prefill)
            t += chunk_kv / (p.bw * p.mem_eff)
            ops.append((f"prefill attention (causal, {isl:,.0f} tokens)", a * t, "compute", src))
        if write_state:
            if self.kv_concat and decodes:
                ops.append(("K/V write, recurrent state and cache concatenation (torch.cat)",
                            write_state / (p.bw * p.mem_eff), "memory",
                            f"{p.mem_source}; cache copy: {p.eng['kv_cache_append_source']}"))
            else:
                ops.append(("K/V write and recurrent state", write_state / (p.bw * p.mem_eff), "memory",
                            p.mem_source))
        t, nbytes, calls, src = comm.seconds(p, self.tp, rows, self.spec.hidden_size, self.act_bytes, self.spec)
        if calls:
            ops.append((f"all-reduce ({calls} × {nbytes:,} bytes)", t, "comm", src))
        if self.ep > 1:
            t, nbytes, calls, src = self._alltoall(rows)
            ops.append((f"all-to-all, EP dispatch + combine ({calls} × {nbytes:,} bytes)", t, "comm",
                        src + "; a rank sends its attention group's tokens / tp"))
        t, src = overhead.seconds(p, self.overhead_layers, seqs, rows > decodes)
        ops.append(("engine overhead (per step)", t, "overhead", src))
        return ops

    def seconds(self, rows: int, seqs: int, decodes: int, dec_kv: int, dec_flops: int, chunk_kv: int,
                chunk_flops: int, isl: float, write_state: int) -> float:
        """``sum`` of ``price``'s op seconds, the same floats added in the same order, without
        the records: the ops that depend only on the pass's rows or sequences are kept per
        rows / sequences (a simulator prices ~10^5 steps of a few hundred distinct sizes)."""
        by_rows = self._memo_rows.get(rows)
        if by_rows is None:
            ops = self.price(rows, 1, 0, 0, 0, 0, 0, 0, 0)
            by_rows = self._memo_rows[rows] = tuple(o[1] for o in ops  # the router's overhead-kind ops stay
                                                    if not o[0].startswith(("logits", "engine overhead")))
        prompt = rows > decodes  # prompt tokens in the pass: its overhead (eager where graphs capture decode only)
        by_seqs = self._memo_seqs.get((seqs, prompt))
        if by_seqs is None:
            ops = self.price(1, seqs, 0 if prompt else 1, 0, 0, 0, 0, 0, 0)
            by_seqs = self._memo_seqs[(seqs, prompt)] = (next(o[1] for o in ops if o[0].startswith("logits")),
                                                         ops[-1][1])
        p = self.prof
        n_gemm = len(by_rows) - (1 if self.tp > 1 else 0) - (1 if self.ep > 1 else 0)
        t = 0
        for x in by_rows[:n_gemm]:
            t += x
        t += by_seqs[0]
        if decodes:
            ctx = dec_kv / (decodes * self.bytes_per_token) if self.bytes_per_token else 1
            a, _ = attention.decode_seconds(p, dec_kv, dec_flops, decodes, ctx, self.kv_heads, self.gqa,
                                            self.attn_layers, self.attn_peak, self.one_cta)
            t += self._attn_scale * a
            if self.mla_rest:
                t += self._mla_rest_seconds(decodes)
        if chunk_flops or chunk_kv:
            a = self._memo_prefill.get((chunk_flops, isl))
            if a is None:
                a = self._memo_prefill[(chunk_flops, isl)] = attention.prefill_seconds(
                    p, chunk_flops, isl, self.attn_layers, self.attn_peak, self.mla_prefill)[0]
            a += chunk_kv / (p.bw * p.mem_eff)
            t += self._attn_scale * a
        if write_state:
            t += write_state / (p.bw * p.mem_eff)
        for x in by_rows[n_gemm:]:  # all-reduce, all-to-all
            t += x
        return t + by_seqs[1]

    def decode_steps_many(self, ctx: int, batches, terms: tuple[int, int, int] | None = None) -> list:
        """``[(s.seconds, s.bound) for s in (self.decode(ctx, b) for b in batches)]``, bit for bit: each bound's
        ops added in ``price``'s order, then the four sums as ``Step.seconds`` adds them, without the records (a
        sweep prices 10^5 points). The ops that depend on the batch alone (GEMMs, router, LM head, the MLA rest,
        all-reduce, all-to-all, overhead) are summed once per batch (``_decode_parts``), the attention kernel's
        grid is read once per context (``attention.decode_seconds_many``); only the attention and the K/V
        write are priced per point. ``terms``: ``decode_terms(ctx)``."""
        if self.profile_scale != 1.0:  # each op scaled before it is summed: price the steps themselves
            return [(s.seconds, s.bound) for s in (self.decode(ctx, b) for b in batches)]
        read, written, attn = terms or self.decode_terms(ctx)
        p = self.prof
        parts = [self._decode_parts(b) for b in batches]
        atts = attention.decode_seconds_many(
            p, read, attn, batches, read / self.bytes_per_token if self.bytes_per_token else 1, self.kv_heads,
            self.gqa, self.attn_layers, self.attn_peak, self.one_cta)
        bwm, sps, a_scale = p.bw * p.mem_eff, self.state_per_seq, self._attn_scale
        out = []
        for b, (mem, comp, comm_s, over), a in zip(batches, parts, atts):
            mem += a_scale * a
            ws = b * written + 2 * b * sps + (2 * b * read if self.kv_concat else 0)
            if ws:
                mem += ws / bwm
            out.append((mem + comp + comm_s + over, "compute" if comp > mem else "memory"))
        return out

    def _decode_parts(self, b: int) -> tuple:
        """A decode pass of ``b`` sequences' ops that do not depend on the context, summed per bound as ``_mixed``
        sums them: (memory before the attention, compute, comm, overhead), memoised per batch."""
        got = self._memo_decode.get(b)
        if got is None:
            by = {"memory": 0.0, "compute": 0.0, "comm": 0.0, "overhead": 0.0}
            for name, t, bound, _ in self.price(b, b, b, 0, 0, 0, 0, 0, 0):
                if not name.startswith("decode attention"):  # priced per context (decode_steps_many)
                    by[bound] += t
            got = self._memo_decode[b] = (by["memory"], by["compute"], by["comm"], by["overhead"])
        return got

    def _mixed(self, chunks, decodes: int, kv_read: int, kv_write: int, attn: int, ctx_max: int,
               seconds: bool = False):
        rows = decodes
        state = 2 * decodes * self.state_per_seq
        chunk_kv = chunk_flops = 0
        isl = 0
        write = kv_write
        for (cached, new), k in _runs(chunks):  # k alike chunks at once: every sum is k × one's (ints)
            if not isinstance(new, int) or isinstance(new, bool) or new < 1:
                return super()._mixed(chunks, decodes, kv_read, kv_write, attn, ctx_max, seconds)
            rows += k * new
            chunk_kv += k * self.kv_tokens_read(cached) if cached else 0
            write += k * self.kv_written(cached, new)
            state += k * (2 if cached else 1) * self.state_per_seq
            chunk_flops += k * self.prefill_flops(cached + 1, cached + new)
            isl = max(isl, cached + new)
            ctx_max = max(ctx_max, cached)
        seqs = decodes + len(chunks)
        if seqs == 0:
            return super()._mixed(chunks, decodes, kv_read, kv_write, attn, ctx_max, seconds)
        copy = 2 * kv_read if self.kv_concat and decodes else 0  # the decodes' caches copied by torch.cat
        if seconds:
            t = self.seconds(rows, seqs, decodes, kv_read, attn, chunk_kv, chunk_flops, isl, write + state + copy)
            return t if self.profile_scale == 1.0 else t * self.profile_scale
        ops = self.price(rows, seqs, decodes, kv_read, attn, chunk_kv, chunk_flops, isl, write + state + copy)
        if self.profile_scale != 1.0:
            ops = [(n, t * self.profile_scale, b, f"{src}; {self.profile_label}") for n, t, b, src in ops]
        phase = "decode" if not chunks else ("prefill" if not decodes else "mixed")
        wbytes = self.weights_read(rows)
        _, _, _, comm_bytes = self._roof_terms(rows)
        by = {"memory": 0.0, "compute": 0.0, "comm": 0.0, "overhead": 0.0}
        for _, s, b, _ in ops:
            by[b] += s
        return Step(phase, seqs, ctx_max, rows // seqs if rows % seqs == 0 else 1, wbytes, kv_read + chunk_kv,
                    write, state, 2 * self.active_params * rows, attn + chunk_flops, comm_bytes,
                    memory_s=by["memory"], compute_s=by["compute"], comm_s=by["comm"], overhead_s=by["overhead"],
                    ops=tuple(ops))

    def _roof_terms(self, rows):
        """All-reduce bytes each GPU sends (a ring: 2(n − 1)/n of each message), as Roofline counts them;
        under EP plus the all-to-alls' bytes that leave the rank ((EP − 1)/EP of each send buffer)."""
        a2a = 0
        if self.ep > 1:
            _, nbytes, calls, _ = self._alltoall(rows)
            a2a = calls * (nbytes * (self.ep - 1) // self.ep)
        if self.tp <= 1:
            return None, None, None, a2a
        per = rows * self.spec.hidden_size * self.act_bytes
        return None, None, None, self.spec.blocks() * (2 * (self.tp - 1) * per // self.tp) + a2a

    # ---- expert parallelism -------------------------------------------------------------------
    def _alltoall(self, rows: int):
        """(seconds, bytes per call, calls, source) of the step's EP all-to-alls."""
        k = max(k for _, _, k, _ in self.moe_shapes)
        return comm.alltoall_seconds(self.prof, self.ep, -(-rows // self.tp), k, self.spec.hidden_size,
                                     self.act_bytes, sum(c for c, _, _, _ in self.moe_shapes))

    def _expert_parallel_bytes(self, weight_dtype):
        """One rank's weights under EP: E/EP whole experts per MoE layer where ``spec.shard(tp)``
        priced E experts of intermediate / tp (``Roofline._expert_bytes``, the unsharded spec)."""
        from ...model import dtypes

        wfmt = dtypes.get(weight_dtype) if weight_dtype else (None if self.spec.weight_quant
                                                              else dtypes.get(self.act_dtype))
        names = [n for n in self.spec.shard(self.tp).counts() if isinstance(self.spec.layer_types[n].mlp, MoeMlp)]
        self.ep_moe = []  # (layers, experts, k, bytes of one whole expert), in Roofline.moe's order
        for (count, e, k, rank_bytes, _), name in zip(self.moe, names):
            full = self._expert_bytes(self.spec, self.spec.layer_types[name].mlp, wfmt)
            self.ep_moe.append((count, e, k, full))
            self.weights_bytes += count * (e // self.ep * full - e * rank_bytes)

    def weights_read(self, tokens: int) -> int:
        if self.ep == 1:
            return super().weights_read(tokens)
        unread = 0.0
        for count, e, k, nbytes in self.ep_moe:
            unread += count * (e / self.ep - moe.experts_read_per_rank(e, k, tokens * self.dp, self.ep)) * nbytes
        return self.weights_bytes - round(unread)

    def decode(self, ctx: int, batch: int = 1) -> Step:
        from ..roofline import positive as _positive

        _positive("context", ctx)
        _positive("batch", batch)
        return self._mixed((), batch, batch * self.kv_tokens_read(ctx), batch * self.kv_written(ctx),
                           batch * self.mix_flops(ctx + 1, ctx + 1), ctx)

    def prefill(self, tokens: int, batch: int = 1) -> Step:
        """A prompt of ``tokens`` in each of ``batch`` sequences: one pass, or, for an engine that splits a prompt into
        micro-batches of at most ``ubatch_tokens`` tokens (engines.yaml, with its source: llama.cpp's n_ubatch), one
        pass per micro-batch, each over the K/V its earlier ones wrote (``_ubatched``)."""
        from ..roofline import positive as _positive

        _positive("prompt", tokens)
        _positive("batch", batch)
        u = self.prof.eng.get("ubatch_tokens")
        if u and tokens * batch > u:
            return self._ubatched(tokens, batch, max(1, u // batch))
        return self._mixed(_Alike((0, tokens), batch), 0, 0, 0, 0, 0)

    def _ubatched(self, tokens: int, batch: int, per_seq: int) -> Step:
        """The prefill as llama.cpp runs it: ``llama_decode`` splits the batch into micro-batches of n_ubatch tokens
        (``per_seq`` of each sequence's prompt in each), each a forward pass of its own that reads the weights again
        (under MoE: the experts its tokens route to) and attends to the K/V of the micro-batches before it. The passes'
        ops are summed position by position (each pass prices the same ops in the same order); the attention op is
        named for the whole prompt. Only the last micro-batch computes logits (llama-bench and a server's prompt ask
        for the last token's alone: llama_batch_get_one / n_outputs; a micro-batch without outputs skips the LM head),
        so the LM head is the last pass's alone."""
        steps = []
        for start in range(0, tokens, per_seq):
            steps.append(self._mixed(_Alike((start, min(per_seq, tokens - start)), batch), 0, 0, 0, 0, 0))
        ops = []
        for i, last in enumerate(steps[-1].ops):
            secs = last[1] if last[0].startswith("logits") else sum(s.ops[i][1] for s in steps)
            name = last[0] if not last[0].startswith("prefill attention") else \
                f"prefill attention (causal, {tokens:,} tokens in {len(steps)} micro-batches)"
            ops.append((name, secs, last[2], last[3]))
        f = lambda k: sum(getattr(s, k) for s in steps)  # noqa: E731
        head = sum(t for n, t, _, _ in steps[0].ops if n.startswith("logits"))  # the head of the passes without outputs
        by = {"memory": f("memory_s"), "compute": f("compute_s")}
        b = next((bd for n, _, bd, _ in steps[0].ops if n.startswith("logits")), "memory")
        by[b] -= (len(steps) - 1) * head if b in by else 0.0
        return Step("prefill", batch, 0, tokens, f("weight_bytes"), f("kv_read_bytes"), f("kv_write_bytes"),
                    f("state_bytes"), f("matmul_flops"), f("attention_flops"), f("comm_bytes"),
                    memory_s=by["memory"], compute_s=by["compute"], comm_s=f("comm_s"), overhead_s=f("overhead_s"),
                    ops=tuple(ops))

    def first_token(self, prompt: int, batch: int = 1) -> float:
        """Seconds from a batch of ``prompt``-token prompts to its first sampled tokens (TTFT with no queueing). Most
        engines sample it from the prefill pass's logits: the prefill. TurboMind up to v0.1.0a1 prefills the first
        prompt − 1 tokens and runs the last one through a decode step that samples the token (engines.yaml
        ``first_token: context_minus_one``, with its source): a prefill of prompt − 1 tokens (none for a one-token
        prompt) plus a decode step at context ``prompt``."""
        if self.prof.first_token == "prefill":
            return self.prefill(prompt, batch).seconds
        head = self.prefill(prompt - 1, batch).seconds if prompt > 1 else 0.0
        return head + self.decode(prompt, batch).seconds


OpLatency.needs_interconnect = False


def attention_layers(rank) -> int:
    """Layers whose token mixer is attention over a K/V cache (full, sliding, chunked, MLA, compressed: one attention
    kernel each per pass); Mamba / Mamba2, gated-delta-net and KDA mixers (``attention.NO_KV_KERNEL``: a state update,
    priced as a memory pass over their state) and layers with no mixer run none. A Nemotron-H layer is one block
    (``hybrid_override_pattern``: M Mamba2, * attention, - MLP, E MoE; vLLM ``models/nemotron_h.py``), so Nemotron 3
    Nano's 52 layers hold 6 attention kernels, not 52."""
    return sum(count for name, count in rank.counts().items()
               if rank.layer_types[name].mixer.kind not in attention.NO_KV_KERNEL)
