"""Communication between GPUs.

* tensor parallelism: one all-reduce per residual block (``ModelSpec.blocks``: after the token
  mixer's output projection and after the MLP's or MoE's down projection, Megatron-LM's split;
  none for a block a layer lacks), one more for the vocabulary-parallel embedding: 2 × layers + 1
  for a transformer, 52 + 1 for Nemotron 3 Nano's 52 single-block layers. Each call's time is read
  off a measured curve, message bytes -> microseconds (``data/allreduce.yaml``, interpolated in log
  size, ``curve_seconds``): the engine's own all-reduce table where the engine runs its custom kernels
  (``choice``, by engine, message size and topology: ``data/allreduce_dispatch.yaml``), NCCL's table
  where it runs NCCL; ``Profile.allreduce`` picks the table, or the physics fallback where none covers
  the GPU;
* expert parallelism: per MoE layer a dispatch and a combine all-to-all over the EP ranks, each
  rank's send buffer its tokens × top-k × hidden × activation bytes (every token goes to its k
  experts and comes back; 1/EP of the buffer stays on the rank, NCCL's table counts it the same
  way: nccl-tests' alltoall size is the whole send buffer), α + bytes/β (``Profile.alltoall``)."""
from __future__ import annotations

import math

from . import tables

NCCL = "NCCL"


def allreduces_per_step(spec) -> int:
    """A tensor-parallel pass's all-reduces: one per residual block of ``spec`` + the embedding's."""
    return spec.blocks() + 1


def seconds(prof, tp: int, rows: int, hidden: int, act_bytes: int, spec):
    """(seconds, bytes per all-reduce, calls, source) of ``spec``'s all-reduces."""
    if tp <= 1:
        return 0.0, 0, 0, ""
    nbytes = rows * hidden * act_bytes
    one, src = prof.allreduce(tp, nbytes)
    calls = allreduces_per_step(spec)
    return calls * one, nbytes, calls, src


def choice(engine: str, tp: int, nbytes: int, *, fully_connected: bool, p2p: bool, capability: str | None,
           multicast: bool, custom_ar: bool = True) -> str:
    """The all-reduce ``engine`` runs for one ``nbytes`` message over ``tp`` GPUs (allreduce_dispatch.yaml):
    ``"custom one-shot"`` / ``"custom two-shot"`` (vLLM's or SGLang's custom all-reduce), ``"symm-mem multimem"`` /
    ``"symm-mem two-shot"`` (vLLM's torch symmetric memory), ``"custom (AUTO)"`` (TensorRT-LLM's own kernels, its
    lookup picking one- or two-shot) or ``NCCL``. ``fully_connected``: every GPU pair on NVLink (an NVSwitch, or
    two on one bridge); ``p2p``: GPU peer access; ``capability``: compute capability ("9.0"), None where vLLM keys
    nothing to it; ``multicast``: NVSwitch multicast (torch symmetric memory needs it); ``custom_ar``: False for
    ``--disable-custom-all-reduce``."""
    rules = tables.load("allreduce_dispatch").get(engine)
    if not rules or tp < 2:
        return NCCL
    c = rules["custom"]
    ok = custom_ar and tp in c["world_sizes"] and p2p and (tp == 2 or fully_connected)
    if engine == "trtllm":
        return "custom (AUTO)" if ok else NCCL
    sm = rules.get("symm_mem")
    symm = (sm is not None and multicast and capability in sm["max_bytes"] and tp in sm["max_bytes"][capability])
    if ok:
        cap = c["max_bytes"]
        if symm and capability in c["max_bytes_with_symm_mem"]:
            cap = min(cap, c["max_bytes_with_symm_mem"][capability][tp])
        if nbytes % 16 == 0 and nbytes < cap:
            one = tp == 2 or nbytes < next(v for k, v in sorted(c["one_shot_below"].items()) if tp <= k)
            return "custom one-shot" if one else "custom two-shot"
    if symm and nbytes % 4 == 0 and nbytes <= sm["max_bytes"][capability][tp]:
        return "symm-mem multimem" if tp in sm["multimem_world_sizes"].get(capability, ()) else "symm-mem two-shot"
    return NCCL


_ENVELOPES: dict = {}  # id(us) -> (us, the least time at each size or above)


def envelope(us: list) -> list:
    """Each point's least time over it and every larger size: a smaller message never takes longer than a
    larger one it could be padded to, so a single slow point (a measurement spike) gives way to its neighbour."""
    got = _ENVELOPES.get(id(us))
    if got is None or got[0] is not us:
        out, low = [], math.inf
        for t in reversed(us):
            low = min(low, t)
            out.append(low)
        got = _ENVELOPES[id(us)] = (us, out[::-1])
    return got[1]


def curve_seconds(nbytes: list, us: list, x: float) -> float:
    """One all-reduce of ``x`` bytes on a measured curve (``nbytes`` ascending, ``us`` microseconds): linear in
    log size between points (``tables.interp``) on ``envelope(us)``; the smallest point's time below the curve;
    past the largest, the last segment's time per byte carries on (bandwidth-bound there)."""
    t = envelope(us)
    if x > nbytes[-1]:
        return (t[-1] + (x - nbytes[-1]) * (t[-1] - t[-2]) / (nbytes[-1] - nbytes[-2])) * 1e-6
    return tables.interp(nbytes, t, x) * 1e-6


def gpu_count(by: dict, n: int):
    """The curve's GPU count that stands for ``n``: ``n`` itself, else the nearest (the smaller of a tie)."""
    return min(sorted(by), key=lambda g: abs(int(g) - n))


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
