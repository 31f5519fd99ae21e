"""vLLM's fused-MoE workspace, and the part of it the profile run still holds while the sampler runs
(issue 20). Facts copied, not code; the release rule is in startup.yaml moe_workspace_kept_from.

The widths (vLLM 0.15.1 and 0.19.0 model_executor/layers/fused_moe: FusedMoEModularKernel
_allocate_buffers takes workspace13 and workspace2 at once, the output sharing workspace13's memory
when the tokens fit one chunk; TritonExperts.workspace_shapes (M, top-k, max(I, K)) and (M, top-k,
max(2·I, K)), DeepGemmExperts and CutlassExpertsFp8 the same widths over M·top-k rows, Marlin's the
same sizes): top-k × (max(I, K) + max(2·I, K)) values a token, I the rank's expert intermediate and
K the hidden (or latent) width."""
from __future__ import annotations

from .startup_data import _data, _release


def workspace_values(mlp, hidden: int) -> int:
    """Values a token of the fused-MoE workspaces (workspace13 + workspace2) for one MoE ``mlp``."""
    i, k, w = mlp.intermediate_size, mlp.experts_per_token, mlp.latent_size or hidden
    return k * (max(i, w) + max(2 * i, w))


def kept(version: str | None) -> bool | None:
    """Whether vLLM ``version`` keeps the fused-MoE workspace between forwards (startup.yaml
    moe_workspace_kept_from: v1/worker/workspace.py WorkspaceManager, used by the modular kernel from
    0.13.0); None where kvplan cannot read the release."""
    key = _release(version)
    return None if key is None else key >= _release(_data()["moe_workspace_kept_from"]["release"])[:3] + (0,)


def kept_bytes(spec, tokens: int, version: str | None) -> tuple[int, int]:
    """(bytes charged, uncertainty) of the fused-MoE workspace still allocated when the profile run's
    dummy sampler pass runs (``spec`` the rank's, sharded): the largest MoE layer's workspace over
    ``tokens`` in the 16-bit dtype, charged where the release keeps it, carried as uncertainty where
    the release cannot be read, else (0, 0); (0, 0) for a dense model and for MXFP4 experts, whose
    kernels size theirs otherwise (fused_moe/gpt_oss_triton_kernels_moe.py OAITritonExperts
    .workspace_shapes: (0, 0) and (M·top-k, I) beside the output; the monolithic kernels none; 0.19.0)."""
    from ...model.spec import MoeMlp

    q = spec.weight_quant
    if q is not None and q.format == "mxfp4":
        return 0, 0
    widths = [workspace_values(t.mlp, spec.hidden_size) for lt in spec.counts()
              if isinstance((t := spec.layer_types[lt]).mlp, MoeMlp)]
    size = tokens * max(widths, default=0) * 2
    rule = kept(version)
    return (size, 0) if rule else (0, size) if rule is None else (0, 0)
