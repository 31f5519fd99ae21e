"""One (GPU, engine) pair's constants, each with its source: measured tables where the GPU family
has them (kernels.yaml: aiconfigurator's NVIDIA tables; rocm.yaml: MI300X's, from measurements AMD published,
benchmarks/latency/derive_rocm.py), the physics fallback where not (fallback.yaml), the engine's per-step
overhead and dequantization factors fitted on the fit half of the published measurements
(fitted.yaml, written by benchmarks/latency/fit.py)."""
from __future__ import annotations

from ...errors import KvplanError, opt
from ...model.hardware import SCALE_UP_FABRICS_SOURCE, scale_up_fabric
from . import tables

ENGINES = ("vllm", "sglang", "trtllm", "llamacpp")  # what `kvplan perf --engine` offers
_ALIASES = {"ideal": "vllm", "transformers": "hf", "tensorrt-llm": "trtllm", "llama.cpp": "llamacpp"}


class Profile:
    def __init__(self, gpu, engine: str = "vllm", cuda_graphs: bool | None = None):
        engines = tables.load("engines")
        engine = _ALIASES.get(engine, engine)
        if engine not in engines:
            raise KvplanError(f"{opt('engine')} must be one of {', '.join(ENGINES)}, got {engine!r}")
        self.gpu, self.engine = gpu, engine
        self.eng = engines[engine]
        self.cuda_graphs = self.eng["cuda_graphs"] if cuda_graphs is None else cuda_graphs
        # passes with prompt tokens: graphed as decode is unless the engine says its graphs capture decode only
        self.prefill_graphs = self.cuda_graphs and self.eng.get("prefill_cuda_graphs", True)
        # (the largest decode batch the engine release captures a CUDA graph for, its source), or None: every batch
        # (OpLatency's graph_max_batch, by the release a run states: latency/versions.py graph_max_batch)
        self.graph_max_batch: tuple[int, str] | None = None
        # how the engine makes the first token: from the prefill pass's logits (absent), or by prefilling all but the
        # last prompt token and sampling from a decode step over it ("context_minus_one": TurboMind <= v0.1.0a1)
        self.first_token = self.eng.get("first_token", "prefill")
        if self.first_token not in ("prefill", "context_minus_one"):
            raise KvplanError(f"engines.yaml: {engine}'s first_token must be prefill or context_minus_one")
        self.fb = tables.load("fallback")
        fams = {**tables.load("kernels")["families"], **tables.load("rocm")["families"]}
        self.family = next((k for k, f in fams.items() if gpu.name in f["gpus"]), None)
        fam = fams.get(self.family, {})
        self.family_label = fam.get("label")
        # flash-decoding in the fallback's decode attention: the engine's kernel splits a long context across thread
        # blocks (engines.yaml decode_split_kv, with its source: CUDA kernels; no ROCm kernel's split was read)
        self.split_kv = bool(self.eng.get("decode_split_kv")) and gpu.vendor == "nvidia"
        # a streaming kernel's share of the datasheet bandwidth: measured for the family (rocm.yaml: BabelStream), else
        # the physics fallback's; every memory pass without a kernel curve is priced at it
        # (a card outside every family: its own measured copy kernel's share, fallback.yaml measured_memory_efficiency)
        own = self.fb.get("measured_memory_efficiency", {}).get(gpu.name)
        if "memory_efficiency" in fam:
            self.mem_eff, self.mem_source = fam["memory_efficiency"], "measured: " + fam["memory_efficiency_source"]
        elif own and self.family is None:  # a family card keeps the figures its fitted constants assumed
            self.mem_eff, self.mem_source = own["efficiency"], "measured: " + own["source"]
        else:
            self.mem_eff = self.fb["memory_efficiency"]
            self.mem_source = "physics fallback: " + self.fb["memory_efficiency_source"]
        ar = tables.load("allreduce_dispatch")
        self.ar_rules = ar["profiles"].get(engine, {})  # which engine's all-reduce choice this profile follows
        self.ar_family = next((f for f in tables.load("allreduce")["families"].values() if gpu.name in f["gpus"]), None)
        self.ar_capability = ar["compute_capability"].get(gpu.name)
        self.nccl_a2a = fam.get("nccl_alltoall")
        self.tables = fam.get("engines", {}).get(self.eng["tables"]) if self.eng["tables"] else None
        fit = tables.load("fitted")
        self.fit_source = fit["source"]
        self.fit = fit["engines"].get(engine) or fit["engines"]["_prior"]
        self.fit_label = (f"fitted on the fit half ({engine})" if engine in fit["engines"]
                          else "no fit rows for this engine: median of the fitted engines")
        self.dequant_fit = fit["dequant"]
        # what a graphed step costs a layer on this GPU family under the engine's kernel tables, in place of the profile's
        # own fitted graphed per-layer cost (fitted.yaml ``family_overhead``: every vLLM profile on an MI300X), or None
        self.family_fit = fit.get("family_overhead", {}).get(self.family, {}).get(self.eng["tables"])
        self.f16_gemm = fit.get("f16_gemm", {}).get(engine)  # fit.py fit_f16_gemm: engines with gemm_accumulate fp16
        self.bw = gpu.memory_bandwidth_bytes_per_s
        self._decode_grids: dict = {}  # (kv heads, GQA ratio) -> (grid, floor, source)

    @property
    def label(self) -> str:
        if self.tables:
            if self.family_label:
                return f"{self.family_label} × {self.eng['tables']}"
            return f"measured kernel tables: {self.family} × {self.eng['tables']} (aiconfigurator 0.12.0)"
        return "physics fallback (no measured kernel table for this GPU/engine)"

    # ---- GEMM ---------------------------------------------------------------------------
    def gemm_curve(self, fmt: str):
        """(curve or None, source) for a GEMM whose weights are ``fmt`` (bf16, fp8, int8, int4)."""
        if self.tables and "gemm" in self.tables:
            g = self.tables["gemm"]
            if fmt in g:
                return g[fmt], g["source"] + f" ({fmt})"
        return None, ""

    def gemm_efficiency(self, fmt: str, m: int, nk: int, mamf: float):
        """(efficiency against the roofline, floor seconds, source): read at (M, N·K) on the curve's ``by_size`` grid
        where it has one (kernels.yaml: a column per power of two of N·K, log-interpolated on both axes,
        derive_kernels.by_size), else on its size class's row (N·K below or above 2^24: rocm.yaml)."""
        curve, src = self.gemm_curve(fmt)
        if curve is not None:
            if curve.get("by_size"):
                e = tables.interp2(curve["m"], curve["nk"], curve["by_size"], m, nk)
            else:
                e = tables.interp(curve["m"], curve["efficiency"]["large" if nk >= (1 << 24) else "small"], m)
            if e:
                return min(e, 1.0), (curve["floor_us"] or self.fb["gemm_floor_us"]) * 1e-6, src
        return None, self.fb["gemm_floor_us"] * 1e-6, self._fallback(self.fb["compute_efficiency_source"])

    def _fallback(self, what: str) -> str:
        """The source of a physics-fallback op: ``what``, and the bandwidth share it streams at (measured or not)."""
        if self.mem_source.startswith("physics fallback: "):
            return self.mem_source
        return f"physics fallback: {what}; bandwidth {self.mem_source}"

    def fallback_compute(self, wfmt: str, mamf: float):
        """(share of the catalog's dense peak, source or None) a compute-bound GEMM with no measured curve runs at: the
        MAMF ratio, or, for an engine whose fp16 GEMMs accumulate in fp16 (engines.yaml ``gemm_accumulate``: llama.cpp's
        cuBLAS path), its fitted share of the fp16-accumulate peak (fitted.yaml ``f16_gemm``, by engine) times that peak's ratio to
        the catalog's figure (fallback.yaml ``fp16_accumulate_ratio``: GeForce cards list the fp32-accumulate rate)."""
        f = self.f16_gemm
        if wfmt != "fp16" or self.eng.get("gemm_accumulate") != "fp16" or not f:
            return mamf, None
        r = self.fb["fp16_accumulate_ratio"].get(self.gpu.name, 1.0)
        return f["compute_efficiency"] * r, (f"physics fallback: {self.engine}'s fp16 GEMMs (fp16 accumulate) at "
                                            f"{f['compute_efficiency']:.2f} of the fp16-accumulate peak"
                                            + (f" ({r:g} × the catalog's fp32-accumulate figure)" if r != 1 else "")
                                            + f": {f['source']}")

    def act_quant(self, scheme: str, m: int, k: int):
        """(seconds added to one FP8 GEMM of M × K input by quantizing its input per ``scheme`` rather than as the
        engine's measured table did, source), or (0.0, "") where no table applies: data/act_quant.yaml has no entry for
        the engine's tables (vLLM's, TensorRT-LLM's) or its family, or the scheme is the table's own. ``scheme``: one of
        the tables' ``schemes``, each a count of the two measured kernels (the static quantization kernel,
        ``scale_matrix``, and what computing the scale at run time adds to it, ``compute_scale``) at (M, K),
        log-interpolated on both axes; a scheme the tables' entry has no rule for is refused."""
        aq = tables.load("act_quant")
        known = sorted({x for t in aq["tables"].values() for x in t["schemes"]})
        if scheme not in known:
            raise KvplanError(f"activation quantization must be one of {', '.join(known)}, got {scheme!r}")
        t = aq["tables"].get(self.eng["tables"])
        fam = t and t["families"].get(self.family)
        if fam is None:
            return 0.0, ""
        rule = t["schemes"].get(scheme)
        if rule is None:
            raise KvplanError(f"activation quantization {scheme!r} has no measured rule for {self.engine}'s "
                              f"{self.eng['tables']} tables (data/act_quant.yaml: {', '.join(t['schemes'])})")
        if not (rule["scale_matrix"] or rule["compute_scale"]):
            return 0.0, ""
        us = (rule["scale_matrix"] * tables.interp2(fam["k"], aq["m"], fam["scale_matrix_us"], k, m)
              + rule["compute_scale"] * tables.interp2(fam["k"], aq["m"], fam["compute_scale_us"], k, m))
        return us * 1e-6, f"{rule['source']}; {fam['source']} (the table includes {t['included_in_table']})"

    # ---- MoE ----------------------------------------------------------------------------
    def moe_fit(self, fmt: str | None):
        """(the measured grouped-MoE fit for experts in ``fmt``, or None, source) (kernels.yaml ``moe``)."""
        t = self.tables.get("moe") if self.tables else None
        if t and fmt in t:
            f = t[fmt]
            return f, (f"{t['source']} ({f['table_dtype']}, {f['kernel']}): {f['alpha_us']:g} us + weights at "
                       f"{f['memory_efficiency']:.2f} of bandwidth, one grouped kernel per fused linear")
        return None, ("physics fallback: grouped MoE, one kernel per fused linear (w13, w2) over the experts "
                      "read; " + self.mem_source.replace("physics fallback: ", ""))

    def moe_prior(self, fmt: str | None):
        """(alpha seconds, memory efficiency, source) for a grouped MoE on an NVIDIA GPU whose family has no measured
        table for this engine's kernels (``moe_fit`` None): the medians of ``alpha_us`` and ``memory_efficiency`` over
        every NVIDIA family's measured fit of the same engine tables and format (kernels.yaml ``moe``, aiconfigurator
        0.12.0's tables), so the fallback keeps the fixed cost each measured kernel has a layer (the routing sort,
        silu_and_mul and moe_sum around the two grouped launches: 13-94 us a layer in every table but L40S's) where the
        physics fallback priced the weights alone. None: another vendor, an engine without kernel tables, or no family
        measured the format."""
        if self.gpu.vendor != "nvidia" or not self.eng["tables"] or fmt is None:
            return None
        fams = tables.load("kernels")["families"].items()
        fits = [(name, f["engines"][self.eng["tables"]]["moe"][fmt]) for name, f in fams
                if fmt in f.get("engines", {}).get(self.eng["tables"], {}).get("moe", {})]
        if not fits:
            return None
        from statistics import median

        a = median(f["alpha_us"] for _, f in fits)
        e = median(f["memory_efficiency"] for _, f in fits)
        return a * 1e-6, e, (f"no measured MoE table for this GPU: the median of the {len(fits)} measured "
                             f"{self.eng['tables']} {fmt} grouped-MoE fits in kernels.yaml "
                             f"({', '.join(n for n, _ in fits)}; aiconfigurator 0.12.0): {a:g} us a layer + weights at "
                             f"{e:.2f} of bandwidth, one grouped kernel per fused linear")

    def weight_only_kernel(self, fmt: str, m: int):
        """(memory factor, compute factor, source) of a weight-only GEMM of ``m`` rows where the engine launches two
        kernels by M (engines.yaml ``weight_only_gemv_max_m``, with its source: TensorRT-LLM's groupwise plugin runs a
        CUDA-core GEMV up to that M, CUTLASS's mixed-input GEMM above it) and fitted.yaml ``weight_only`` has the
        engine's factors for the format: at M <= the bound, the GEMV's multiplier on the streaming time; above it,
        the CUTLASS kernel's multipliers on the streaming time and on the tensor-core time of the bf16 curve (a
        mixed-input GEMM dequantizes in its main loop: slower than bf16 at a large M). None where the engine has no
        such rule (``dequant``: one factor on the streaming time)."""
        cut = self.eng.get("weight_only_gemv_max_m")
        key = {"q4_0": "int4"}.get(fmt, fmt)
        f = tables.load("fitted").get("weight_only", {}).get(self.engine, {}).get(key)
        if cut is None or f is None:
            return None
        if m <= cut:
            return f["gemv"], 1.0, f"{self.engine}'s {key} GEMV (M <= {cut}) at ×{f['gemv']:.2f}: {f['source']}"
        return (f["cutlass_memory"], f["cutlass_compute"],
                f"{self.engine}'s {key} CUTLASS mixed-input GEMM (M > {cut}) at ×{f['cutlass_memory']:.2f} streaming, "
                f"×{f['cutlass_compute']:.2f} tensor-core: {f['source']}")

    def dequant(self, fmt: str):
        """Multiplier on the weight-streaming time of a weight-only format with no measured table."""
        key = {"q4_0": "int4"}.get(fmt, fmt)
        d = self.fit.get("dequant", {}).get(key) or self.dequant_fit.get(key)
        if d is None:
            return 1.0, ""
        return d["factor"], d["source"] + ("" if key == fmt else f" (the {key} factor stands for {fmt})")

    # ---- attention ----------------------------------------------------------------------
    def decode_attention_efficiency(self, batch: int, ctx: float, kv_heads: int, gqa: int):
        t = self.tables.get("decode_attention") if self.tables else None
        if t:
            grid, floor, src, per = self._decode_pick(t, kv_heads, gqa)
            if grid:
                e = tables.interp2(t["batch"], t["ctx"], grid, batch * per, ctx)
                if e:
                    return min(e, 1.0), floor, src
        # flash-decoding: a (sequence, KV head) row's context is split into up to ``max_splits`` pieces of at least
        # ``split_tokens`` tokens, each its own thread block, when the rows alone leave SMs idle
        split = self.fb["decode_attention_split_kv"]
        pieces = min(split["max_splits"], -(-int(ctx) // split["split_tokens"])) if self.split_kv else 1
        rows = batch * kv_heads * max(1, pieces)
        e = self.mem_eff * min(1.0, rows / self.fb["decode_attention_full_rows"])
        src = "physics fallback: " + self.fb["decode_attention_source"]
        if self.split_kv:
            src += f"; split-KV ({self.engine}): " + split["source"]
        return e, self.fb["attention_floor_us"] * 1e-6, src + ("" if self.mem_eff == self.fb["memory_efficiency"]
                                                              else "; bandwidth " + self.mem_source)

    def _decode_pick(self, t, kv_heads: int, gqa: int):
        """(the measured grid nearest ``kv_heads`` and ``gqa``, its floor, its source, the batch multiplier), memoised.

        The grid is read at batch × ``kv_heads`` / its own KV heads: the kernel's efficiency is one function of the
        (sequence, KV head) rows and the context, whatever the KV heads (fallback.yaml ``decode_attention_rows``, with
        the table's figures), so a model with more KV heads per GPU than any measured grid (Llama-2-7B's 32: MHA) reads
        the 8-head grid at 4 × its batch rather than at its batch."""
        pick = self._decode_grids.get((kv_heads, gqa))
        if pick is None:
            kvh = min((1, 2, 4, 8), key=lambda k: abs(k - kv_heads))
            ratio = min((1, 4, 8), key=lambda r: abs(r - gqa))
            per = kv_heads / kvh if self.fb.get("decode_attention_rows") == "batch_x_kv_heads" else 1
            note = f", read at batch × {kv_heads}/{kvh}: decode_attention_rows" if per != 1 else ""
            pick = self._decode_grids[(kv_heads, gqa)] = (
                t["efficiency"].get(f"kv{kvh}_gqa{ratio}"), t["floor_us"] * 1e-6,
                f"{t['source']} ({t['kernel']}, kv{kvh} gqa{ratio}{note})", per)
        return pick

    def decode_attention_efficiencies(self, batches, ctx: float, kv_heads: int, gqa: int) -> list:
        """``[decode_attention_efficiency(b, ctx, kv_heads, gqa)[:2] for b in batches]``, bit for bit:
        the measured grid's rows read once at ``ctx`` (a sweep prices a hundred batches per context)."""
        t = self.tables.get("decode_attention") if self.tables else None
        if t:
            grid, floor, _, per = self._decode_pick(t, kv_heads, gqa)
            if grid:
                es = tables.interp2_many(t["batch"], t["ctx"], grid, [b * per for b in batches] if per != 1
                                         else batches, ctx)
                return [(min(e, 1.0), floor) if e else self.decode_attention_efficiency(b, ctx, kv_heads, gqa)[:2]
                        for b, e in zip(batches, es)]
        return [self.decode_attention_efficiency(b, ctx, kv_heads, gqa)[:2] for b in batches]

    def mla_prefill_v_padding(self) -> bool:
        """Whether the engine's MLA prefill kernel runs V zero-padded to the query/key head dim (engines.yaml
        ``mla_prefill_v_padding``, with its source): ``always``; ``unless_sm90_sm100``: padded except on compute
        capability 9.x / 10.x (allreduce_dispatch.yaml ``compute_capability``; a GPU not listed there is padded)."""
        rule = self.eng.get("mla_prefill_v_padding")
        if rule == "always":
            return True
        if rule == "unless_sm90_sm100":
            cap = tables.load("allreduce_dispatch")["compute_capability"].get(self.gpu.name)
            return cap is None or cap.split(".")[0] not in ("9", "10")
        return False

    def prefill_attention_efficiency(self, isl: float, mla: bool = False):
        """(efficiency, source) of the prefill attention kernel at prompt length ``isl``, against the dense bf16 peak.
        ``mla``: the layers are MLA, whose prefill runs non-absorbed multi-head attention with 192 / 128 head dims:
        the engine's measured MLA context kernel where the family has one (mla_context.yaml: SGLang's, TensorRT-LLM's),
        else the engine's FlashAttention table as for GQA."""
        if mla:
            fam = tables.load("mla_context")["families"].get(self.family)
            t = fam["engines"].get(self.eng["tables"]) if fam and self.eng["tables"] else None
            if t:
                e = tables.interp(t["isl"], t["efficiency"], isl)
                if e:
                    return min(e, 1.0), f"{t['source']} ({t['kernel']}, MLA context)"
        t = self.tables.get("prefill_attention") if self.tables else None
        if t:
            e = tables.interp(t["isl"], t["efficiency"], isl)
            if e:
                return min(e, 1.0), f"{t['source']} ({t['kernel']})"
        p = self.fb["prefill_attention"]
        return tables.interp(p["isl"], p["efficiency"], isl), "physics fallback: " + p["source"]

    # ---- collectives: all-reduce (TP), all-to-all (EP dispatch and combine) ------------------
    def allreduce(self, n: int, nbytes: int):
        """(seconds, source) of one all-reduce of ``nbytes`` over ``n`` GPUs: the engine's choice (comm.choice) read
        off its measured curve (allreduce.yaml: the engine's own table where it runs its custom kernels, NCCL's
        where it runs NCCL); without a table for the GPU, a scale-up fabric's physics line (fallback.yaml), else the
        PCIe reference card's measured curves."""
        from . import comm
        from ...engines.vllm.startup import no_peer_access

        ic = (self.gpu.interconnect or "").lower()
        # a scale-up fabric joining every GPU (NVSwitch, Infinity Fabric), with its bandwidth in the catalog ("no
        # NVLink" in a PCIe card's text names no fabric: it has no figure)
        fabric = scale_up_fabric(self.gpu) and bool(self.gpu.interconnect_bytes_per_s)
        rules = self.ar_rules.get("rules")
        algo = comm.choice(rules, n, nbytes, fully_connected=fabric, p2p=not no_peer_access(self.gpu),
                           capability=self.ar_capability if self.ar_rules.get("symm_mem", True) else None,
                           multicast=fabric)
        runs = f"{rules or self.engine} runs {algo}"
        fam, pre = self.ar_family, ""
        if fam is None and not fabric:
            fam = tables.load("allreduce")["families"][self.fb["pcie_reference"]]
            pre = "physics fallback (PCIe): "
        if fam is not None:
            cur = fam["engines"].get(self.eng["tables"]) if algo != comm.NCCL and rules else None
            if cur is None:
                cur = fam["nccl"]
                if algo != comm.NCCL:
                    runs += ", no table of it here: NCCL's"
            k = comm.gpu_count(cur["us"], n)
            t = comm.curve_seconds(cur["bytes"], cur["us"][k], nbytes)
            return t, (f"{pre}{cur['source']} ({k} GPUs; {runs}; log-size interpolation)"
                       + (f"; {self.fb['pcie_reference_source']}" if pre else ""))
        alpha, beta = self.fb["nvlink_alpha_us"] * 1e-6, self.gpu.interconnect_bytes_per_s * self.fb["nvlink_beta_fraction"]
        return alpha + nbytes / beta, ("physics fallback: " + self.fb["nvlink_alpha_source"] + "; "
                                       + self.fb["nvlink_beta_source"] + ("" if "nvlink" in ic else "; "
                                                                          + SCALE_UP_FABRICS_SOURCE))

    def alltoall(self, n: int):
        """(alpha seconds, beta bytes/s, source) of one all-to-all over ``n`` GPUs, bytes being one
        rank's whole send buffer (NCCL's alltoall table; nccl-tests' size convention)."""
        return self._collective((self.nccl_a2a,), n, "nccl_alltoall", self.fb["nvlink_alltoall_beta_fraction"],
                                self.fb["nvlink_alltoall_beta_source"])

    def _collective(self, measured, n: int, ref_key: str, nvlink_fraction: float, fraction_source: str):
        """The first measured table with a row (nearest GPU count, ``comm.gpu_count``); else a scale-up fabric
        (NVLink, AMD Infinity Fabric: model/hardware.py ``scale_up_fabric``) at the catalog's bandwidth ×
        ``nvlink_fraction``; else the PCIe reference card's measured NCCL table."""
        from . import comm

        for t in measured:
            if t and t["by_gpus"]:
                k = comm.gpu_count(t["by_gpus"], n)
                row = t["by_gpus"][k]
                if row["beta_bytes_per_s"]:
                    return row["alpha_us"] * 1e-6, row["beta_bytes_per_s"], f"{t['source']} ({k} GPUs)"
        ic = (self.gpu.interconnect or "").lower()
        fabric = scale_up_fabric(self.gpu)
        if self.gpu.interconnect_bytes_per_s and fabric:
            return (self.fb["nvlink_alpha_us"] * 1e-6, self.gpu.interconnect_bytes_per_s * nvlink_fraction,
                    "physics fallback: " + self.fb["nvlink_alpha_source"] + "; " + fraction_source
                    + ("" if "nvlink" in ic else "; " + SCALE_UP_FABRICS_SOURCE))
        ref = tables.load("kernels")["families"][self.fb["pcie_reference"]][ref_key]
        k = comm.gpu_count(ref["by_gpus"], n)
        row = ref["by_gpus"][k]
        return (row["alpha_us"] * 1e-6, row["beta_bytes_per_s"],
                f"physics fallback (PCIe): {ref['source']} ({k} GPUs); " + self.fb["pcie_reference_source"])

    # ---- overhead -----------------------------------------------------------------------
    def overhead(self, layers: int, seqs: int, prompt: bool = False):
        """Per-step cost of a pass; ``prompt``: the pass has prompt tokens (prefill, extend or mixed), which
        runs eager where the engine captures decode steps only (engines.yaml ``prefill_cuda_graphs``)."""
        f = self.fit
        # a decode pass of more sequences than the engine captured graphs for runs eager (``graph_max_batch``)
        graphed = self.prefill_graphs if prompt else self.cuda_graphs and (
            self.graph_max_batch is None or seqs <= self.graph_max_batch[0])
        # a graphed pass on a family with a fitted per-layer cost (fitted.yaml family_overhead: vLLM's kernels on
        # MI300X) takes that cost in place of the profile's own graphed one, whichever of the engine's profiles runs
        fam = self.family_fit["per_layer_us_graphs"] if graphed and self.family_fit else None
        per_layer = fam if fam is not None else f["per_layer_us_graphs"] if graphed else f["per_layer_us_eager"]
        s = (f["base_ms"] * 1e-3 + per_layer * 1e-6 * layers + f["per_seq_us"] * 1e-6 * seqs)
        graphs = "CUDA graphs on" if graphed else ("CUDA graphs off" if not self.cuda_graphs else
                                                   "CUDA graphs capture decode only: this pass runs eager"
                                                   if prompt else f"no CUDA graph captured past "
                                                   f"{self.graph_max_batch[0]} sequences: this pass runs eager "
                                                   f"({self.graph_max_batch[1]})")
        more = (f"; {fam:g} us a layer on {self.family}, in place of the profile's {f['per_layer_us_graphs']:g} us "
                f"(graphed; fitted.yaml family_overhead: {self.family_fit['source']})" if fam is not None else "")
        return s, (f"{self.fit_label}, {graphs}: {f['base_ms']:g} ms + {per_layer:g} us × layers + "
                   f"{f['per_seq_us']:g} us × sequences{more}")

    def eager_note(self) -> str:
        """What a step without CUDA graphs is charged per layer, and its source: the engine's fitted eager rows, or
        (none in its fit) fitted.yaml's ``eager_source``, published with/without CUDA graphs pairs (data/eager.yaml)."""
        f = self.fit
        how = (f"fitted on {f['eager_rows']} eager rows" if f.get("eager_rows") else
               f.get("eager_source", "no eager rows in its fit and no published pair: not sourced"))
        return (f"no CUDA graphs: {self.engine}'s step overhead at its eager {f['per_layer_us_eager']:g} us per layer "
                f"(graphs: {f['per_layer_us_graphs']:g} us; {how})")

    def scale(self, op: str):
        """A fitted multiplier on an op's time for this engine (1 where none was fitted)."""
        return self.fit.get(f"{op}_scale", 1.0)

    def mla_rest_fit(self) -> dict | None:
        """The per-MLA-layer decode cost fitted for this GPU family and engine profile (fitted.yaml ``mla_rest``,
        benchmarks/latency/fit.py ``fit_mla_rest``: ``residual_us`` and ``source``), or None where none was fitted."""
        return tables.load("fitted").get("mla_rest", {}).get(self.family, {}).get(self.engine)

    def moe_route(self) -> tuple[float, str, str]:
        """(us a MoE layer a pass, the op's name, source) of the routed path's kernels beyond the router's gate GEMM and the experts'
        GEMMs: fitted.yaml ``moe_route`` where fitted for this engine profile (benchmarks/latency/fit.py
        ``fit_moe_route``: llama.cpp, whose build_moe_ffn graph launches its routing, the weights' multiply and the
        experts' sum as separate small kernels, engines.yaml ``moe_route_source``), else data/moe_routing.yaml's fused
        top-k kernel."""
        fit = tables.load("fitted").get("moe_route", {}).get(self.engine)
        if fit:
            return fit["per_layer_us"], "MoE routing and experts' sum, fitted", f"fitted: {fit['source']}"
        r = tables.load("moe_routing")
        return r["topk_us"], "MoE top-k", r["topk_label"]

    def one_cta(self) -> float | None:
        """The bandwidth share one decode-attention thread block streams at, where the context is not split across
        blocks (fitted.yaml ``one_cta_decode``, fitted by benchmarks/latency/fit.py); None where nothing was fitted."""
        got = tables.load("fitted").get("one_cta_decode")
        return got["stream_fraction"] if got else None
