"""One step of vLLM's data-parallel MoE engine (issue 22): D engine ranks, each ``--tensor-parallel-size
T`` with its own scheduler, requests and KV cache, whose expert layers span all D × T GPUs, stepped
together. The SGLang form of the same idea (DP attention) is dp_attention.py's ``DataParallelStep``;
this is its vLLM variant, priced by the same parts.

vLLM (vllm-project/vllm; v1/engine/core.py @ 00080ee1, v1/worker/dp_utils.py @ 00746147,
v1/engine/core_client.py ``DPLBAsyncMPClient``), ``--data-parallel-size D --enable-expert-parallel``:

* a MoE model's engine cores run ``DPEngineCoreProc`` (it asserts ``model_config.is_moe``):
  ``run_busy_loop`` steps every rank while any rank has unfinished requests
  (``_has_global_unfinished_reqs``, an all-reduce every 32 steps), and a rank with nothing scheduled
  runs ``execute_dummy_batch``, so every expert layer's collectives have all D ranks in them;
* ``coordinate_batch_across_dp``: the ranks all-reduce their token counts each step and, while CUDA
  graphs run (the synced cudagraph mode not NONE), every rank is padded to the most tokens any rank
  has (``_post_process_dp_padding``): the experts see D × that many tokens;
* expert parallelism puts whole experts over the D × T GPUs: priced as ``OpLatency`` at tp D × T,
  ep D × T (the routed experts at every rank's tokens and a dispatch + combine all-to-all per MoE
  layer, as ``kvplan perf --enable-expert-parallel`` prices them);
* attention, its projections, the dense MLPs and shared experts, the TP all-reduces and the LM head
  run on each rank's own batch at TP T (the rank's ``OpLatency`` less its routed experts).

A step therefore takes the slowest rank's own share + the routed experts and all-to-alls at D × the
most rows any rank has + one engine overhead (at the most sequences any rank holds). An idle rank's
dummy batch (one token) is never the slowest and never the most rows, so it adds nothing. Each
simplification on the side it errs: the padding is priced on every step (vLLM does not pad a step
that runs eager, past its CUDA-graph capture sizes: pessimistic there); a rank's own share is priced
at its own rows, not the padded count (optimistic only where a rank with fewer rows has the longer
attention). Without ``--enable-expert-parallel`` the experts are split tp D × T instead (vLLM's
``FusedMoEParallelConfig``) with a gather / scatter kvplan does not price: refused by ``simulate``.
"""
from __future__ import annotations

from .dp_attention import DataParallelStep, _RankSide

_GROUP_OPS = ("MoE", "all-to-all")  # OpLatency.price's op names of the expert side under EP


class _Rank(_RankSide):
    """One vLLM DP rank's own share: ``OpLatency`` at tp T less its routed experts (priced once over
    every rank's tokens) and its engine overhead; its dense MLPs and shared experts stay."""

    def mlp_seconds(self, rows: int) -> float:
        t = self._mlp_memo.get(rows)
        if t is None:
            t = self._mlp_memo[rows] = sum(o[1] for o in self.price(rows, 1, 0, 0, 0, 0, 0, 0, 0)
                                           if o[0].startswith("MoE"))
        return t


class DataParallelMoEStep(DataParallelStep):
    """The step model of vLLM's ``--data-parallel-size dp --enable-expert-parallel`` at
    ``--tensor-parallel-size tp`` (tp × dp GPUs). ``rank`` prices one rank's own share; ``step``
    joins the ranks' shares into the step's seconds."""

    def __init__(self, spec, gpu, tp: int, dp: int, kv_dtype=None, weight_dtype=None, cuda_graphs: bool | None = None,
                 engine: str = "vllm"):  # engine: vLLM's latency profile (a release's: versions.release_profile)
        super().__init__(spec, gpu, tp * dp, dp, engine=engine, ep=tp * dp, kv_dtype=kv_dtype,
                         weight_dtype=weight_dtype, cuda_graphs=cuda_graphs)
        self.rank = _Rank(spec, gpu, tp, kv_dtype, weight_dtype, engine=engine, cuda_graphs=cuda_graphs)
        self.decode_is_linear = self.rank.decode_is_linear

    def mlp_seconds(self, rows: int) -> float:
        """The routed experts and their all-to-alls at ``rows`` tokens (every rank's, padded)."""
        t = self._group_memo.get(rows)
        if t is None:
            t = self._group_memo[rows] = sum(o[1] for o in self.mlp.price(rows, 1, 0, 0, 0, 0, 0, 0, 0)
                                             if o[0].startswith(_GROUP_OPS))
        return t * self.mlp.profile_scale

    def step(self, parts) -> float:
        """Seconds of one step from each rank with a batch: (its own seconds, rows, sequences, prompt
        tokens or not). Every rank is padded to the most rows (``dp`` × that many reach the experts)."""
        slowest = max(p[0] for p in parts)
        rows = self.dp * max(p[1] for p in parts)
        seqs = max(p[2] for p in parts)
        prompt = any(p[3] for p in parts)
        return (slowest + self.mlp_seconds(rows)
                + self.rank.overhead_seconds(seqs, prompt) * self.rank.profile_scale)
