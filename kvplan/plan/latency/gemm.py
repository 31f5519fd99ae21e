"""One linear layer: M tokens × (N out, K in) weights in a given format.

time = max(roofline / efficiency(M, N·K), the kernel's floor), roofline = max(weight bytes +
activations in and out / bandwidth, 2·M·N·K / dense peak). Weight bytes count the format's
scales (int4: an fp16 scale and a 4-bit zero per group of 128, AWQ/GPTQ's layout). A weight-only
format without a measured table streams at the bf16 curve's efficiency times a dequantization
factor fitted on the fit half (fitted.yaml).

An FP8 W8A8 GEMM priced by vLLM's measured ``fp8`` table carries the activation quantization that table timed with it
(a per-token dynamic kernel per linear call, data/act_quant.yaml ``included_in_table``); a group whose inputs are
quantized otherwise (``Format.act``: ``static_tensor``, ``dynamic_tensor``) adds or takes away the measured
quantization kernels' difference at its (M, K) (``Profile.act_quant``), once per input the engine quantizes
(``own_inputs``: the projections reading the hidden state share one, as vLLM's fused QKV and gate_up layers do).

``Format`` is one group of a model's GEMMs as it runs (OpLatency: the attention projections, the
dense MLPs and shared experts, the LM head): a checkpoint's own quantization (``WeightQuant``)
prices each matrix at ``WeightQuant.matrix_bytes`` (values and scales, the one home of those
bytes: block scales, group scales, zero points, any 4-bit format), not ``BYTES_PER_WEIGHT``."""
from __future__ import annotations

from ...model import dtypes
from ...model.frozen import record

# bytes per weight, scales included: int4 = 4 bits + (16-bit scale + 4-bit zero) / 128 per group
# (AutoAWQ / GPTQ group_size 128); int8 per output channel (one fp16 scale per row: ~0); fp8 per tensor.
BYTES_PER_WEIGHT = {"int4": 0.5 + 2.5 / 128, "int8": 1.0, "q4_0": 18 / 32, "fp8": 1.0, "fp8_e4m3": 1.0,
                    "fp8_e5m2": 1.0, "bf16": 2.0, "fp16": 2.0, "fp32": 4.0}
WEIGHT_ONLY = ("int4", "int8", "q4_0")


def stored_bytes(wfmt: str, n: int, k: int) -> int:
    """Bytes an N × K matrix in ``wfmt`` (a ``--weight-dtype``, no checkpoint layout) streams, scales included:
    N·K × ``BYTES_PER_WEIGHT``, rounded to a whole byte. int4 group 128: 4 bits a weight plus, per 128 weights, an
    fp16 scale and a 4-bit zero point (2.5 bytes), 5,505,024 weights -> 2,752,512 + 107,520 = 2,860,032 bytes. A
    block format kvplan.model.dtypes defines and ``BYTES_PER_WEIGHT`` does not (mxfp4, q8_0, q4_1, q5_0, q5_1,
    iq4_nl, nvfp4: their scales inside each block) streams its own blocks, each of the N rows of K values in whole
    blocks as GGUF and the MX spec store them (``ElementFormat.row_bytes``): mxfp4 2,880 × 2,880 -> 2,880 × 90 blocks
    × 17 bytes = 4,406,400 bytes (was 2 bytes a weight, 16,588,800, before session 19). The dense GEMMs and the routed
    experts (step.OpLatency's ``expert_bytes``) both price a ``--weight-dtype`` this way."""
    per = BYTES_PER_WEIGHT.get(wfmt)
    if per is None and wfmt in dtypes.names() and dtypes.get(wfmt).grouped:
        return n * dtypes.get(wfmt).row_bytes(k)
    return round(n * k * (2.0 if per is None else per))


def measured_card(prof):
    """(name, datasheet bytes/s) of the card a GPU family's kernel curves were measured on, or None: kernels.yaml's
    first ``gpus`` name (benchmarks/latency/derive_kernels.py ``main``: efficiencies are relative to ``names[0]``'s
    datasheet bandwidth, aiconfigurator's ``a100_sxm`` system being the 80 GB card), where this profile's GPU is another
    card of the family (the A100 SXM 40 GB: HBM2 at 1,555 GB/s against the 80 GB card's 2,039).

    Why a curve is not read as a share of the other card's own datasheet (the rule before session 22): a GEMV's
    memory-bound time on the measured card stood for a share of its bandwidth (about 72 % for Qwen2.5-7B's matrices
    at M = 1), and the same kernel on a slower memory streams at no less than that absolute rate until the memory
    itself binds. The memory-bound time is therefore the measured rate's (bytes / (efficiency × the measured card's
    bandwidth)), no faster than the streaming ceiling on this card (``Profile.mem_eff``: 0.83, gpt-fast's A100
    measurement, the physics fallback's), and never slower than the old reading. Evidence: sreeganeshji's served
    Qwen2.5-7B on one A100-SXM4-40GB (vLLM 0.27.1, runs.yaml, seen side) decoded at C = 1 in 12.19 ms, 15.25 GB of
    weights: 1.25 TB/s with the whole step counted, where the old reading priced the weights alone at 1.12 TB/s
    (13.60 ms, +23 % ITL with the 1.37 ms overhead); this rule prices them at 0.83 × 1,555 = 1.29 TB/s (11.82 ms). A
    rule from where the curves were measured, not a constant fitted to that run; the card's own streaming share
    is not measured (a BabelStream figure for the 40 GB card would replace 0.83)."""
    from . import tables

    family = getattr(prof, "family", None)  # test stand-ins without one: none
    fam = tables.load("kernels")["families"].get(family) if family else None
    if not fam or prof.gpu.name == fam["gpus"][0]:
        return None
    from ...sources.catalog import load_gpu

    return fam["gpus"][0], load_gpu(fam["gpus"][0]).memory_bandwidth_bytes_per_s


def seconds(prof, m: int, n: int, k: int, wfmt: str, compute_fmt: str, peak_flops: float, mamf: float,
            weight_bytes: int | None = None, block: int | None = None, act: str | None = None):
    """(seconds, bound, source) of one GEMM; ``weight_bytes``: the matrix's stored bytes, scales
    included (else N·K × ``BYTES_PER_WEIGHT`` of ``wfmt``); ``block``: the weights are block-scaled
    (``WeightQuant.block``), which takes the profile's ``fp8_block`` curve where it has one (rocm.yaml:
    a block-scale kernel measured on its own; aiconfigurator's ``fp8`` curves stand for both); ``act``: how an FP8 W8A8
    GEMM's input is quantized (data/act_quant.yaml ``schemes``; None: as the table measured it), priced where the curve
    is a per-tensor-weight ``fp8`` one (not for block-scaled weights, whose engines quantize activations per group of
    ``block`` at run time: no rule measured): the table's time plus the scheme's measured kernel difference, no lower
    than the roofline (aiconfigurator's own fp8_static rule, ``Profile.act_quant``)."""
    wbytes = stored_bytes(wfmt, n, k) if weight_bytes is None else weight_bytes
    nbytes = wbytes + 2 * m * (n + k)
    mem = nbytes / prof.bw
    comp = 2.0 * m * n * k / peak_flops
    table_fmt = {"fp8_e4m3": "fp8", "fp8_e5m2": "fp8", "fp16": "bf16"}.get(wfmt, wfmt)
    if table_fmt in WEIGHT_ONLY and prof.gemm_curve(table_fmt)[0] is None:
        table_fmt = "bf16"
    if table_fmt == "fp8" and compute_fmt != "fp8":
        table_fmt = "bf16"
    if table_fmt == "fp8" and block and prof.gemm_curve("fp8_block")[0] is not None:
        table_fmt = "fp8_block"
    eff, floor, src = prof.gemm_efficiency(table_fmt, m, n * k, mamf)
    csrc = None
    if eff is None:  # physics fallback: memory at the stated efficiency, compute at the MAMF ratio (or the engine's)
        ce, csrc = prof.fallback_compute(wfmt, mamf)
        t_mem, t_comp = mem / prof.mem_eff, comp / ce
    else:
        t_mem, t_comp = mem / eff, comp / eff
        ref = measured_card(prof)
        if ref is not None and ref[1] > prof.bw:  # the curve's kernel at the rate it streamed, within this card's
            t_abs = max(nbytes / (eff * ref[1]), mem / prof.mem_eff)
            if t_abs < t_mem:
                t_mem = t_abs
                src += (f"; streaming as measured on the {ref[0]} ({eff * ref[1] / 1e12:.2f} TB/s), no faster than "
                        f"{prof.mem_eff:.0%} of this card's bandwidth ({prof.mem_source})")
    bound = "compute" if t_comp > t_mem else "memory"
    if csrc and bound == "compute":
        src = csrc
    t = max(t_mem, t_comp)
    wo = prof.weight_only_kernel(wfmt, m) if wfmt in WEIGHT_ONLY and table_fmt == "bf16" else None
    if wo is not None:  # the engine's two weight-only kernels by M (Profile.weight_only_kernel)
        t_mem, t_comp = t_mem * wo[0], t_comp * wo[1]
        bound, t = "compute" if t_comp > t_mem else "memory", max(t_mem, t_comp)
        src += f"; {wo[2]}"
    elif wfmt in WEIGHT_ONLY and table_fmt == "bf16":
        f, fsrc = prof.dequant(wfmt)
        if bound == "memory":
            t *= f
        src += f"; dequant ×{f:.2f}: {fsrc}" if fsrc else ""
    t = max(t, floor)
    if act and table_fmt == "fp8" and not block:  # block-scaled weights quantize activations per 1 x block group
        d, asrc = prof.act_quant(act, m, k)
        if asrc:
            t = max(t + d, mem, comp)
            src += f"; {act} activation quantization {d * 1e6:+.2f} us a call: {asrc}"
    return t, bound, src


def own_inputs(lins, hidden: int) -> list[bool]:
    """For a group's matrices (N, K) in order, whether each quantizes an input of its own: the matrices reading the
    hidden state (K = hidden, the last one of the group excepted) share one input, quantized once, as vLLM runs them
    fused (QKVParallelLinear for q, k, v; MergedColumnParallelLinear for gate and up; MLA's fused q_a / kv_a); every
    other matrix (the output projection, down, MLA's q_b and kv_b, the LM head) reads its own. Llama's attention
    projections [q, k, v, o] -> [True, False, False, True]; a gated MLP [gate, up, down] -> [True, False, True]."""
    out, shared = [], False
    for i, (_, k) in enumerate(lins):
        if k == hidden and i < len(lins) - 1:
            out.append(not shared)
            shared = True
        else:
            out.append(True)
    return out


def fused(lins, hidden: int) -> list[tuple[int, int]]:
    """A group's matrices (N, K) as the engine launches them: those reading one input (``own_inputs``: the hidden
    state's readers but the group's last) as one GEMM of their N summed, each other matrix alone. vLLM's
    QKVParallelLinear and MergedColumnParallelLinear (model_executor/layers/linear.py), SGLang's, TensorRT-LLM's fused
    QKV (``Attention.qkv``) and fused gate/fc (``FusedGatedMLP``, llama's build default ``use_fused_mlp``) each run one
    GEMM where the checkpoint stores two or three matrices, so the fixed cost of a call (launch, the activation's
    quantization: the measured tables' small-size efficiencies, derive_kernels.by_size) is paid once. Llama-3.1-8B's
    attention [q 4096, k 1024, v 1024, o] -> [(6144, 4096), (4096, 4096)]; its MLP [gate, up, down] ->
    [(28672, 4096), (4096, 14336)]; DeepSeek-V3's MLA [q_a 1536, q_b, kv_a 576, kv_b, o] -> [(2112, 7168), q_b, kv_b, o]
    (vLLM's fused_qkv_a_proj)."""
    out, first = [], None  # first: where the hidden state's first reader stands in ``out``
    for (n, k), own in zip(lins, own_inputs(lins, hidden)):
        if own or first is None:
            if k == hidden and first is None:
                first = len(out)
            out.append((n, k))
        else:
            out[first] = (out[first][0] + n, k)
    return out


@record
class Format:
    """How one group of GEMMs runs: weights in ``wfmt`` (a dtypes name), computed in ``compute_fmt``
    (roofline.compute_format) at ``peak_flops`` and the MAMF ratio ``mamf``; ``quant``: the
    checkpoint's ``WeightQuant`` when the group is stored in it (its ``matrix_bytes`` per matrix); ``act``: how an FP8
    W8A8 group's inputs are quantized (data/act_quant.yaml ``schemes``; None: as the engine's measured table did)."""

    wfmt: str
    compute_fmt: str
    peak_flops: float
    mamf: float
    quant: object = None
    act: str | None = None

    def seconds(self, prof, m: int, n: int, k: int, own_input: bool = True):
        """``own_input`` False: the matrix reads an input another matrix of its layer quantized (``own_inputs``), so
        its activation quantization is the table's, not ``act``'s."""
        wb = None if self.quant is None else self.quant.matrix_bytes(n, k)
        block = None if self.quant is None else self.quant.block
        return seconds(prof, m, n, k, self.wfmt, self.compute_fmt, self.peak_flops, self.mamf, wb, block,
                       self.act if own_input else None)
