"""One step of data-parallel attention (issue 22): D attention ranks, each with its own batch, and
one MLP over all their tokens, stepped together.

SGLang 0.5.23, ``--tp-size T --dp-size D --enable-dp-attention`` (arg_groups/parallel_hook.py
``handle_deprecated_dp_attention`` turns it into ``attn_dp_size`` D; T / D GPUs per attention group):

* each rank runs its own batch through attention, the attention projections, the K/V write and the
  LM head, sharded over its attention group (``attn_tp`` = T / D; usually 1), with no all-reduce of
  its own: o_proj leaves partial sums (models/deepseek_v2.py ``DeepseekV2DecoderLayer``:
  ``reduce_results=False``; sgl-project/sglang at 3e4a39ee) that the gather below sums over all T
  GPUs, and the embedding is replicated (``enable_tp=not is_dp_attention_enabled()``);
* around every layer's MLP the ranks' hidden states are gathered over all T ranks and scattered back
  (layers/dp_attention.py ``dp_gather`` / ``dp_scatter``; ``DpPaddingMode.SUM_LEN``, an all-reduce
  of the summed rows, whenever a rank prefills; layers/communicator.py at fd3907ee,
  ``CommunicateWithAllReduceAndLayerNormFn._gather_hidden_states_and_residual`` calls
  ``dp_gather_partial``, and ``dp_scatter`` after the MLP is a copy): the MLP (dense layers, shared
  and routed experts, split tp T, or whole experts over ``--ep-size`` T) runs once on every rank's
  tokens together.
  Priced as ``OpLatency`` at tp T prices its MLP ops and its all-reduces (comm.py: 1 per mixer and per MLP + 1)
  at the summed rows: per layer the gather's all-reduce and the MLP's own (``DeepseekV2MoE``
  ``forward_normal``: ``tensor_model_parallel_all_reduce``; a reduce-scatter under max-len padding,
  priced as the all-reduce, pessimistic by its half);
* a step runs on every rank at once: scheduler_components/dp_attn.py ``prepare_mlp_sync_batch_raw``
  all-gathers each rank's token count and a rank without a batch runs an idle one (``get_idle_batch``)
  whenever any rank has tokens; the decode CUDA graph runs only where every rank can
  (``_local_decode_cuda_graph_vote``, min-reduced), so one rank's prefill makes the step eager on all.

A step therefore takes the slowest rank's own share + the MLP share at the summed rows + one engine
overhead (at the most sequences any rank holds; eager when any rank has prompt tokens). Not
modelled: DeepEP's all-to-all (``--moe-a2a-backend deepep``: the gather is priced instead) and
``--enable-dp-lm-head`` (the LM head is priced per rank on its own rows, the vocabulary split over
its attention group). D = 1 is plain TP: ``simulate`` then uses ``OpLatency`` itself.
"""
from __future__ import annotations

from ...errors import KvplanError
from .step import OpLatency

_MLP_OPS = ("MLP", "MoE", "all-reduce")  # OpLatency.price's op names of the MLP side


class _RankSide(OpLatency):
    """One rank's own share: ``OpLatency`` at the attention TP less its MLP ops, its all-reduces
    (none runs inside an attention group: the module's docstring) and its engine overhead (the MLP
    side and the overhead are priced once per step by ``DataParallelStep``). ``last`` keeps the
    (rows, sequences, prompt tokens or not) of the pass priced last."""

    def __init__(self, *a, **kw):
        super().__init__(*a, **kw)
        self.last = (0, 0, False)
        self._mlp_memo, self._oh_memo = {}, {}

    def seconds(self, rows, seqs, decodes, *rest):
        t = super().seconds(rows, seqs, decodes, *rest)
        prompt = rows > decodes
        self.last = (rows, seqs, prompt)
        return t - self.mlp_seconds(rows) - self.overhead_seconds(seqs, prompt)

    def mlp_seconds(self, rows: int) -> float:
        t = self._mlp_memo.get(rows)
        if t is None:
            t = self._mlp_memo[rows] = sum(o[1] for o in self.price(rows, 1, 0, 0, 0, 0, 0, 0, 0)
                                           if o[0].startswith(_MLP_OPS))
        return t

    def overhead_seconds(self, seqs: int, prompt: bool) -> float:
        t = self._oh_memo.get((seqs, prompt))
        if t is None:
            ops = self.price(1, seqs, 0 if prompt else 1, 0, 0, 0, 0, 0, 0)
            t = self._oh_memo[(seqs, prompt)] = ops[-1][1]
        return t


class DataParallelStep:
    """The step model of ``dp`` attention ranks over ``tp`` GPUs (SGLang's DP attention). ``rank``
    prices one rank's own share (the simulator's replicas use it as their step model); ``step``
    joins the ranks' shares into the step's seconds."""

    def __init__(self, spec, gpu, tp: int, dp: int, engine: str = "sglang", ep: int = 1,
                 kv_dtype=None, weight_dtype=None, cuda_graphs: bool | None = None):
        if dp < 2 or tp % dp:
            raise KvplanError(f"--dp-size {dp} must divide --tp {tp} with --enable-dp-attention (and be > 1)")
        if ep not in (1, tp):
            raise KvplanError(f"--ep-size {ep} with DP attention: kvplan prices --ep-size 1 or {tp} (the whole TP group)")
        self.tp, self.dp, self.ep = tp, dp, ep
        self.rank = _RankSide(spec, gpu, tp // dp, kv_dtype, weight_dtype, engine=engine, cuda_graphs=cuda_graphs)
        self.mlp = OpLatency(spec, gpu, tp, kv_dtype, weight_dtype, engine=engine, ep=ep, cuda_graphs=cuda_graphs)
        self.decode_is_linear = self.rank.decode_is_linear
        self._group_memo: dict = {}

    def apply_profile(self, src) -> None:
        """A calibrated profile (latency/calibrate.py) scales both sides alike."""
        from .calibrate import apply_profile

        apply_profile(self.rank, src)
        apply_profile(self.mlp, src)

    def mlp_seconds(self, rows: int) -> float:
        """The MLP side at ``rows`` tokens (every rank's): MLP and MoE GEMMs at tp T (or EP T) and
        the gather / scatter priced as tp T's all-reduces."""
        t = self._group_memo.get(rows)
        if t is None:
            t = self._group_memo[rows] = sum(o[1] for o in self.mlp.price(rows, 1, 0, 0, 0, 0, 0, 0, 0)
                                             if o[0].startswith(_MLP_OPS))
        return t * self.mlp.profile_scale  # the memo unscaled: a profile applied later still counts

    def step(self, parts) -> float:
        """Seconds of one step from each rank with a batch: (its own seconds, rows, sequences, prompt
        tokens or not) as ``rank`` priced it. Idle ranks add nothing but wait."""
        slowest = max(p[0] for p in parts)
        rows = sum(p[1] for p in parts)
        seqs = max(p[2] for p in parts)
        prompt = any(p[3] for p in parts)
        return (slowest + self.mlp_seconds(rows)
                + self.rank.overhead_seconds(seqs, prompt) * self.rank.profile_scale)
