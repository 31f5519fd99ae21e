"""Mixture of experts: a pass of T tokens each routed to k of E experts reads the distinct experts
they pick, E·(1 − (1 − k/E)^T) in expectation under uniform routing, and each expert it reads
multiplies T·k / (experts read) tokens (a grouped GEMM of that M per expert).

Expert parallelism (vLLM ``--enable-expert-parallel``, EP = tp × data-parallel-size ranks; see
``kvplan.plan.parallel``): each rank holds E/EP whole experts and the data-parallel ranks step in
lockstep, so the tokens routed are all DP ranks' together (T = rows × DP, equal batches assumed);
under uniform routing a rank reads its share of the distinct experts, E·(1 − (1 − k/E)^T) / EP,
each at the same T·k / (experts read) tokens.

The experts of a layer run as ONE grouped kernel per expert linear, not one GEMM per expert: vLLM's
``fused_experts`` (vllm/model_executor/layers/fused_moe/fused_moe.py, ``fused_experts_impl``, vllm-project/vllm
at 000d1458) quantizes the activations, sorts the routed (token, expert) pairs by expert
(``moe_align_block_size``) and calls ``invoke_fused_moe_kernel`` twice per chunk of up to
``VLLM_FUSED_MOE_CHUNK_SIZE`` tokens (one chunk for a decode step), with ``silu_and_mul`` and ``moe_sum`` around them, once for w13 (gate and up fused, ``w1`` of shape
[E, 2·I, H]) and once for w2 ([E, H, I]), each a single Triton launch over every expert the batch
routes to (SGLang's fused_moe_triton is the same code; TRT-LLM's and FlashInfer's CUTLASS MoE
likewise group the experts). ``grouped_seconds`` prices that: per fused linear, bytes = experts
read × N × K at the stored bytes per weight + activations, FLOPs = 2 × tokens routed × N × K."""
from __future__ import annotations

import math

from ...errors import KvplanError, opt
from ...model.spec import MoeMlp
from . import tables


def expected_experts(num_experts: int, k: int, tokens: int) -> float:
    return num_experts * (1.0 - (1.0 - k / num_experts) ** tokens)


def tokens_per_expert(num_experts: int, k: int, tokens: int) -> float:
    return tokens * k / max(expected_experts(num_experts, k, tokens), 1e-9)


def experts_read_per_rank(num_experts: int, k: int, tokens: int, ep: int) -> float:
    """Distinct experts one of ``ep`` ranks reads when ``tokens`` tokens (all DP ranks') route."""
    return expected_experts(num_experts, k, tokens) / ep


def routed_experts(spec) -> set[int]:
    """The expert counts of ``spec``'s MoE layers, or a one-line error where it has none: expert parallelism
    on a dense model is refused by every command that takes it (perf, simulate, fit), as vLLM refuses it
    (0.33.0 config/model.py ModelConfig._verify_with_expert_parallelism: "Number of experts in the model must
    be greater than 0 when expert parallelism is enabled."), not planned as a split of experts not there."""
    moes = {lt.mlp.num_experts for lt in spec.layer_types.values() if isinstance(lt.mlp, MoeMlp)}
    if not moes:
        raise KvplanError(f"{opt('enable_expert_parallel')} needs a mixture-of-experts model; {spec.name} is dense "
                          "(vLLM refuses it too: the number of experts must be greater than 0)")
    return moes


def check_expert_parallel(spec, tp: int, ep: int, asked: bool = False) -> int:
    """The data-parallel size of ``ep`` = tp × DP ranks, or a one-line error for a combination
    kvplan cannot price: EP on a dense model, EP not a multiple of tp, EP not dividing every MoE
    layer's experts (vLLM gives the first E mod EP ranks one more; kvplan prices even splits only).
    ``asked``: the flag was given, so a dense model is an error even at EP 1."""
    if ep == 1 and not asked:
        return 1
    if not isinstance(ep, int) or ep < 1 or ep % tp:
        raise KvplanError(f"expert parallelism spans {opt('tp')} × {opt('data_parallel_size')} ranks; got {ep!r}")
    moes = routed_experts(spec)
    bad = sorted(e for e in moes if e % ep)
    if bad:
        raise KvplanError(f"{opt('enable_expert_parallel')} over {ep} ranks ({opt('tp')} × "
                          f"{opt('data_parallel_size')}) does not divide {spec.name}'s {bad[0]} experts "
                          f"evenly; kvplan prices even splits only")
    return ep // tp


def fused_linears(lins):
    """One expert's (N, K) matrices as the fused kernels see them: a gated expert's gate and up
    projections stacked into w13 (2·I × H), then w2 (H × I)."""
    if len(lins) == 3 and lins[0] == lins[1]:
        return [(2 * lins[0][0], lins[0][1]), lins[2]]
    return list(lins)


def table_format(spec, weight_dtype: str | None, act: str) -> str | None:
    """The key of the experts' format in the measured MoE tables (kernels.yaml ``moe``): bf16, fp8
    (block-scaled, DeepSeek-V3's layout) or int4 (group 128); None for a format without a table."""
    q = spec.weight_quant
    fmt = weight_dtype or (q.expert_format or q.format if q else act)
    if fmt in ("bf16", "fp16"):
        return "bf16"
    if fmt.startswith("fp8"):
        return "fp8"
    return "int4" if fmt == "int4" else None


_SHAPES: dict = {}


def measured_shape(prof, fmt: str | None, shape: tuple | None):
    """(tokens, microseconds, source) of the measured MoE table's rows at ``shape`` = (hidden, full expert
    intermediate, experts, top-k, tensor-parallel size) for the profile's GPU family, engine tables and format
    (data/moe_shapes.json, benchmarks/latency/derive_moe_shapes.py: the rows the ``moe`` fit of kernels.yaml was fitted
    on, at the catalog models' shapes), or None where the table has no row of that shape."""
    if shape is None or fmt is None or not prof.eng.get("tables"):
        return None
    key = (prof.family, prof.eng["tables"], fmt)
    got = _SHAPES.get(key)
    if got is None:
        if "data" not in _SHAPES:
            import json

            _SHAPES["data"] = json.loads((tables.DATA / "moe_shapes.json").read_text())
        eng = _SHAPES["data"]["families"].get(prof.family, {}).get(prof.eng["tables"], {})
        t = eng.get(fmt)
        got = _SHAPES[key] = {} if t is None else {
            (r["hidden"], r["intermediate"], r["experts"], r["top_k"], r["tp"]):
                (r["tokens"], r["us"], f"{eng['source']} ({t['table_dtype']}, {t['kernel']}): measured at this shape, "
                                       f"balanced routing, {len(r['tokens'])} token counts")
            for r in t["shapes"]}
    return got.get(shape)


def measured_seconds(rows, tokens: float) -> float:
    """A measured shape's seconds at ``tokens`` (``measured_shape``'s rows): log-log between the measured token
    counts, linear in tokens past the largest (the kernel is compute-bound there)."""
    xs, ys = rows[0], rows[1]
    t = max(tokens, xs[0])
    if t >= xs[-1]:
        return ys[-1] * t / xs[-1] * 1e-6
    for i in range(1, len(xs)):
        if t <= xs[i]:
            a, b = xs[i - 1], xs[i]
            w = (math.log(t) - math.log(a)) / (math.log(b) - math.log(a))
            return math.exp(math.log(ys[i - 1]) * (1 - w) + math.log(ys[i]) * w) * 1e-6
    return ys[-1] * 1e-6


def grouped_seconds(prof, routed: float, read: float, expert_bytes: int, lins, fmt: str | None,
                    peak_flops: float, mamf: float, act_bytes: int = 2, shape: tuple | None = None,
                    dequant: tuple = (1.0, "")):
    """(seconds, bound, source) of one MoE layer's routed experts: ``routed`` = tokens × k (token,
    expert) pairs over ``read`` distinct experts of ``expert_bytes`` each (the rank's share, scales
    included), ``lins`` the fused linears' (N, K). Each linear: ``mem`` = (read × expert_bytes × its
    share of N·K + act_bytes × routed × (N + K)) / bandwidth, ``comp`` = 2 × routed × N × K / peak.

    Measured at this shape (``shape`` = (hidden, full intermediate, experts, top-k, tp), no expert parallelism;
    ``measured_shape``) and a pass that reads every expert (``read`` within half an expert of all): the table's time
    at routed / top-k tokens, no fit. Only there: below it the table's rows and kvplan disagree on the experts read
    (aiconfigurator's ``balanced`` router spreads T·k pairs over fewer experts than uniform routing's
    E·(1 − (1 − k/E)^T): its B200 SGLang DeepSeek-R1 row at 64 tokens takes 156 us, 9.0 TB/s if all 256 experts'
    1.41 GB were read, above the card's 8 TB/s), so a step that reads part of the experts (decode) keeps the fit,
    whose memory term counts the experts read. The same holds where every expert is read but the row is faster than
    streaming all their bytes at the best share known for the card (``Profile.mem_eff``) or the kernel (the fit's
    ``memory_efficiency``): vLLM 0.24.0's Triton row at DeepSeek-R1's TP-8 shape on H200 takes 291.78 us at 256
    tokens, 1.41 GB at 4.83 TB/s, above the 4.8 TB/s data sheet, and its TP-1 rows on H100 are 1.95 x faster than
    the bytes allow (the balanced rows that do read everything, at larger T, are used as measured). Else the
    measured table's fit (kernels.yaml ``moe``): alpha + Σ max(mem / memory_efficiency,
    comp / compute_efficiency(routed / read)). Physics fallback:
    Σ max(mem / memory efficiency, comp / MAMF, the GEMM floor), one floor per fused kernel; on an NVIDIA GPU with no
    table for an engine whose kernels other families measured (``Profile.moe_prior``), plus those tables' median alpha,
    and the memory at their median efficiency. ``dequant``: (factor, source) on the physics fallback's weight streaming
    where the engine runs the experts through its dense GEMMs' kernel (engines.yaml ``experts_kernel: gemm``: llama.cpp's
    mul_mat_id is its mmvq / mmq with expert ids), so a weight-only format pays the dense GEMMs' dequantization factor."""
    rows = measured_shape(prof, fmt, shape)
    fit, src = prof.moe_fit(fmt)
    if rows is not None and read >= shape[2] - 0.5:
        t = measured_seconds(rows, routed / shape[3])
        mem = sum((read * expert_bytes * (n * k) / sum(a * b for a, b in lins) + act_bytes * routed * (n + k)) / prof.bw
                  for n, k in lins)
        # a row faster than every expert's bytes at the best streaming share known (the card's, the kernel's fit) did
        # not read them all: its pairs sat on fewer experts, as below the switch, so it keeps the fit as they do
        if not (fit and mem / max(fit["memory_efficiency"], prof.mem_eff) > t):
            return t, ("memory" if mem >= 0.5 * t else "compute"), rows[2]
        src += (f" (the measured row at this shape, {t * 1e6:.1f} us, is faster than reading all {shape[2]} experts "
                f"at {max(fit['memory_efficiency'], prof.mem_eff):.2f} of bandwidth: {prof.mem_source})")
    prior = None if fit else prof.moe_prior(fmt)
    if prior:
        src = prior[2]
    elems = sum(n * k for n, k in lins)
    m = routed / read if read else 0.0
    t, by = (fit["alpha_us"] * 1e-6 if fit else prior[0] if prior else 0.0), {"memory": 0.0, "compute": 0.0}
    mem_eff = prior[1] if prior else prof.mem_eff
    e_comp = tables.interp(fit["m"], fit["compute_efficiency"], max(m, 1.0)) if fit else None
    for n, k in lins:
        mem = (read * expert_bytes * (n * k) / elems + act_bytes * routed * (n + k)) / prof.bw
        comp = 2.0 * routed * n * k / peak_flops
        if fit:
            t_mem, t_comp = mem / fit["memory_efficiency"], (comp / e_comp if e_comp else 0.0)
            one = max(t_mem, t_comp)
        else:
            t_mem, t_comp = mem / mem_eff * (1.0 if prior else dequant[0]), comp / mamf
            one = max(t_mem, t_comp, prof.fb["gemm_floor_us"] * 1e-6)
        t += one
        by["compute" if t_comp > t_mem else "memory"] += one
    if not fit and not prior and dequant[1]:
        src += f"; dequant ×{dequant[0]:.2f}: {dequant[1]}"
    return t, max(by, key=by.get), src
