"""Communication between GPUs, each call α + bytes/β with α, β by interconnect and GPU count
(``Profile.allreduce`` / ``Profile.alltoall``: aiconfigurator's measured NCCL tables, else the
physics fallback of ``data/fallback.yaml``):

* tensor parallelism: one all-reduce per residual block (``ModelSpec.blocks``: after the token
  mixer's output projection and after the MLP's or MoE's down projection, Megatron-LM's split;
  none for a block a layer lacks), one more for the vocabulary-parallel embedding: 2 × layers + 1
  for a transformer, 52 + 1 for Nemotron 3 Nano's 52 single-block layers;
* expert parallelism: per MoE layer a dispatch and a combine all-to-all over the EP ranks, each
  rank's send buffer its tokens × top-k × hidden × activation bytes (every token goes to its k
  experts and comes back; 1/EP of the buffer stays on the rank, NCCL's table counts it the same
  way: nccl-tests' alltoall size is the whole send buffer)."""
from __future__ import annotations


def allreduces_per_step(spec) -> int:
    """A tensor-parallel pass's all-reduces: one per residual block of ``spec`` + the embedding's."""
    return spec.blocks() + 1


def seconds(prof, tp: int, rows: int, hidden: int, act_bytes: int, spec):
    """(seconds, bytes per all-reduce, calls, source) of ``spec``'s all-reduces."""
    if tp <= 1:
        return 0.0, 0, 0, ""
    nbytes = rows * hidden * act_bytes
    alpha, beta, src = prof.allreduce(tp)
    calls = allreduces_per_step(spec)
    return calls * (alpha + nbytes / beta), nbytes, calls, src


def alltoall_bytes(tokens: int, k: int, hidden: int, act_bytes: int) -> int:
    """One rank's send buffer for one dispatch (or combine): each token's hidden state once per
    expert it routes to."""
    return tokens * k * hidden * act_bytes


def alltoall_seconds(prof, ep: int, tokens: int, k: int, hidden: int, act_bytes: int, moe_layers: int):
    """(seconds, bytes per all-to-all, calls, source): a dispatch and a combine per MoE layer."""
    if ep <= 1 or not moe_layers:
        return 0.0, 0, 0, ""
    nbytes = alltoall_bytes(tokens, k, hidden, act_bytes)
    alpha, beta, src = prof.alltoall(ep)
    calls = 2 * moe_layers
    return calls * (alpha + nbytes / beta), nbytes, calls, src
