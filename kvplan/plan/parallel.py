"""Expert and data parallelism (issue 20): which share of a MoE model one GPU holds.

vLLM 0.33 (config/parallel.py ParallelConfig; model_executor/layers/fused_moe/config.py
FusedMoEParallelConfig.make; fused_moe/layer.py determine_expert_map):

* ``--data-parallel-size D``: D replicas of the attention (each its own ``--tp`` group, its own
  KV cache and requests); GPUs = tp × D × pp;
* MoE layers without ``--enable-expert-parallel``: every expert tensor-parallel over all tp × D
  ranks (``flatten_tp_size``): intermediate / (tp × D) per rank;
* with ``--enable-expert-parallel``: ep_size = tp × D, MoE tp 1; each rank holds whole experts,
  ``num_experts // ep_size`` of them, the first ``num_experts % ep_size`` ranks one more;
* the router, shared experts, dense MLPs, attention, embeddings and LM head follow ``--tp``.

SGLang 0.5.23 (server_args.py): ``--tp-size`` is every GPU of a replica; ``--ep-size E`` splits
the routed experts over E ranks (whole experts, the rest of the MoE tp over tp / E);
``--enable-dp-attention`` with ``--dp-size D`` runs attention data-parallel: tp / D ranks per
attention group, each with its own KV cache. Dense MLPs are counted as sharded like attention.

Facts copied, not code. The routed experts' bytes per rank are ``experts on the rank`` × one
expert's matrices in the checkpoint's format (with block scales), biases in the model's dtype.
"""
from __future__ import annotations

from ..errors import KvplanError, opt
from ..model import dtypes
from ..model.frozen import record
from ..model.spec import DenseMlp, MoeMlp


@record
class Layout:
    """One GPU's place: how its attention, dense parts and routed experts are split."""

    attn_tp: int  # ranks sharing one attention group (its KV cache is spec.shard(attn_tp))
    replicas: int  # attention replicas (data parallel): KV caches side by side
    moe_ep: int  # ranks the routed experts are split over, whole experts each
    moe_tp: int  # ranks each routed expert's intermediate is split over
    gpus: int  # GPUs of one pipeline stage

    @property
    def describe(self) -> str:
        return (f"attention tp {self.attn_tp} × {self.replicas} replica(s); routed experts over "
                f"{self.moe_ep} EP rank(s)" + (f", each split tp {self.moe_tp}" if self.moe_tp > 1 else ""))


def layout(engine: str, tp: int, dp: int = 1, expert_parallel: bool = False, ep_size: int | None = None,
           dp_attention: bool = False) -> Layout:
    """vLLM's or SGLang's split for the flags (see the module docstring)."""
    for name, v in (("--data-parallel-size", dp), ("--ep-size", ep_size or 1)):
        if not isinstance(v, int) or v < 1:
            raise KvplanError(f"{name} must be a positive integer, got {v!r}")
    if engine == "sglang":
        if dp_attention:
            if tp % dp:
                raise KvplanError(f"--dp-size {dp} must divide --tp-size {tp} with --enable-dp-attention")
            attn, reps = tp // dp, dp
        else:
            attn, reps = tp, 1
        ep = ep_size or 1
        if tp % ep:
            raise KvplanError(f"--ep-size {ep} must divide --tp-size {tp}")
        return Layout(attn, reps, ep, tp // ep, tp)
    world = tp * dp
    if expert_parallel:
        return Layout(tp, dp, world, 1, world)
    return Layout(tp, dp, 1, world, world)


def tp_needs_gpu(tp: int, gpu, what: str) -> None:
    """compare and sweep: a tensor-parallel size sizes each GPU's share of ``what`` (their max batch,
    their fits); without a GPU their bytes are the whole cache and a tp would be ignored, so it is refused."""
    if gpu is None and tp != 1:
        raise KvplanError(f"{opt('tp', tp)} plans {what} on a GPU; give {opt('gpu')} (the bytes are the whole cache)")


def engine_flags(engine: str, dp_attention: bool = False, ep_size: int | None = None,
                 expert_parallel: bool = False, all2all_backend: str | None = None) -> None:
    """Refuse a parallelism flag of another engine (not ignore it: the plan would not be the one
    asked): SGLang's --enable-dp-attention and --ep-size, vLLM's --enable-expert-parallel (which
    TensorRT-LLM's and llama.cpp's plans take as vLLM's split) and --all2all-backend."""
    for flag, owner, given, theirs in (
            ("--enable-dp-attention", "sglang", dp_attention, "SGLang"),
            ("--ep-size", "sglang", ep_size is not None, "SGLang"),
            ("--enable-expert-parallel", "vllm", expert_parallel and engine == "sglang", "vLLM"),
            ("--all2all-backend", "vllm", all2all_backend is not None, "vLLM")):
        if given and engine != owner:
            hint = {"--ep-size": "; vLLM's is --enable-expert-parallel (experts over --tp × --data-parallel-size)",
                    "--enable-expert-parallel": "; SGLang's is --ep-size N"}.get(flag, "")
            raise KvplanError(f"{flag} is {theirs}'s flag; the {engine} plan would ignore it (give --engine "
                              f"{owner}){hint}")


def layout_of(engine: str, tp: int, opts, pp: int = 1, notes: list | None = None) -> Layout:
    """The layout for ``opts`` (ServeOptions), with a note for ``fit`` where it is not plain TP."""
    engine_flags(engine, opts.dp_attention, opts.ep_size, opts.enable_expert_parallel, opts.all2all_backend)
    lay = layout(engine, tp, opts.data_parallel_size, opts.enable_expert_parallel, opts.ep_size,
                 opts.dp_attention)
    if notes is not None and (lay.replicas > 1 or lay.moe_ep > 1 or lay.attn_tp != tp):
        notes.append(f"per rank: {lay.describe}; {lay.gpus * pp} GPUs; the budget and KV figures are one "
                     f"rank's (the fullest), the capacity one attention replica's"
                     + ("; the all-to-all buffers of expert parallelism are not modelled"
                        if lay.moe_ep > 1 and engine not in ("vllm", "trtllm") else ""))
    return lay


def one_expert_bytes(mlp: MoeMlp, hidden: int, intermediate: int, q, model_dtype: str, wfmt=None) -> int:
    """One routed expert's matrices (gate, up, down) of ``intermediate`` width, in the checkpoint's
    format (``q`` covers routed experts in every scope) or in ``wfmt``; biases in the model's dtype."""
    d = DenseMlp(intermediate_size=intermediate, gated=mlp.gated, bias=mlp.expert_bias)
    width = mlp.latent_size or hidden
    params = d.params(width)
    if wfmt is not None:
        return wfmt.row_bytes(params)
    if q is None:
        return dtypes.get(model_dtype).row_bytes(params)
    if q.expert_format:
        raise KvplanError("expert parallelism is not modelled for experts in their own format "
                          f"({q.expert_format})")
    mats = d.linears(width)
    return sum(q.matrix_bytes(o, i) for o, i in mats) + \
        dtypes.get(model_dtype).row_bytes(params - sum(o * i for o, i in mats))


def routed_bytes(sub, full, lay: Layout, rank: int, wfmt=None) -> int:
    """Routed-expert bytes on EP rank ``rank`` for the layers of ``sub`` (a stage of the
    attention-sharded spec), from the unsharded ``full`` spec's expert shapes."""
    total = 0
    for lt, count in sub.counts().items():
        mlp = full.layer_types[lt].mlp
        if not isinstance(mlp, MoeMlp):
            continue
        base, extra = divmod(mlp.num_experts, lay.moe_ep)
        n = base + (1 if rank < extra else 0)
        if mlp.intermediate_size % lay.moe_tp:
            raise KvplanError(f"the expert intermediate size {mlp.intermediate_size} does not divide "
                              f"over {lay.moe_tp} ranks")
        total += count * n * one_expert_bytes(mlp, full.hidden_size, mlp.intermediate_size // lay.moe_tp,
                                              full.weight_quant, full.dtype, wfmt)
    return total


def ep_delta(sub, full, lay: Layout, wfmt=None) -> int:
    """Bytes the fullest rank holds beyond the attention-TP pricing of ``sub``: its routed
    experts under ``lay`` less the experts split tp ``lay.attn_tp`` (what spec.shard priced)."""
    tp_only = Layout(lay.attn_tp, 1, 1, lay.attn_tp, lay.attn_tp)
    if tp_only.moe_ep == lay.moe_ep and tp_only.moe_tp == lay.moe_tp:
        return 0
    return routed_bytes(sub, full, lay, 0, wfmt) - routed_bytes(sub, full, tp_only, 0, wfmt)
