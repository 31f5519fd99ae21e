"""validate --tp/--pp: what one rank does (allocate its shard, time its decode step, its
all-reduces and its stage send/receive)."""
from __future__ import annotations

import datetime
import os
import socket
import time

from ..plan.fit import stage_spec
from . import require_torch
from .ranks_job import (AR_STEPS, FAIL_ENV, HANG_ENV, Job, rank_coords, shares)


def _hooks(rank: int) -> None:
    if os.environ.get(FAIL_ENV) == str(rank):
        raise RuntimeError(f"injected failure ({FAIL_ENV}={rank})")
    if os.environ.get(HANG_ENV) == str(rank):
        time.sleep(3600)


def _barrier(dist, kind: str, local_rank: int, group=None):
    if kind == "cuda":
        dist.barrier(group=group, device_ids=[local_rank])
    else:
        dist.barrier(group=group)


def run_rank(job: Job, rank: int, world: int, local_rank: int, say=None) -> dict | list[dict] | None:
    """Join the process group, validate this rank, gather at rank 0. Rank 0 returns every
    rank's dict (in rank order); the others return None."""
    torch = require_torch()
    import torch.distributed as dist

    say = say or (lambda phase: None)
    kind = job.device
    if kind == "cuda":
        torch.cuda.set_device(local_rank)
    backend = "nccl" if kind == "cuda" else "gloo"
    say("joining the process group")
    wait = datetime.timedelta(seconds=job.timeout_s)
    dist.init_process_group(backend, rank=rank, world_size=world, timeout=wait)
    try:
        _hooks(rank)
        say("creating the tensor-parallel groups")
        # every rank creates every group, in the same order (torch.distributed's rule)
        groups = [dist.new_group(list(range(s * job.tp, (s + 1) * job.tp)), timeout=wait)
                  for s in range(job.pp)]
        mine = _validate_rank(torch, dist, job, rank, local_rank, groups, say)
        say("gathering at rank 0")
        out = [None] * world if rank == 0 else None
        dist.gather_object(mine, out, dst=0)
        return out if rank == 0 else None
    finally:
        try:
            dist.destroy_process_group()
        except Exception:  # a failed group: nothing left to tear down cleanly
            pass


def _validate_rank(torch, dist, job: Job, rank: int, local_rank: int, groups, say) -> dict:
    from . import device as dev
    from . import layout as lay

    tp_rank, pp_rank = rank_coords(rank, job.tp)
    first, count, sub = shares(job.spec, job.tp, job.pp, job.engine)[pp_rank]
    k = min(job.layers, count) if job.layers else count
    kind = job.device
    device = f"cuda:{local_rank}" if kind == "cuda" else "cpu"
    info = dev.info(torch, kind, f"rank {rank}")
    live = None
    if kind == "cuda":
        from .run import live_gpu

        live = live_gpu(torch, job.gpu, info.total_bytes)
    plan = lay.plan_layout(sub, job.ctx, job.batch, job.kv_dtype, job.engine, k, live)
    out = {"rank": rank, "tp_rank": tp_rank, "pp_rank": pp_rank, "host": socket.gethostname(),
           "device_name": info.name, "local_rank": local_rank,
           "first_layer": first, "stage_layers": count, "layers_allocated": k,
           "predicted_bytes": plan.predicted_bytes, "allocated_bytes": 0,
           "predicted_stage_bytes": plan.predicted_full_bytes, "tensors": len(plan.tensors),
           "kv_heads": _kv_heads(sub), "vocab_rows": sub.vocab_size,
           "kv_format": plan.kv_format, "model_dtype": plan.model_dtype,
           "predicted_source": f"fit.rank_stages (stage {pp_rank}, one TP rank's shard) then "
                               f"{plan.source}",
           "notes": list(plan.notes), "_device": info}
    # --- memory: this rank's shard, tensor by tensor ---
    say("allocating this rank's cache")
    dev.guard(f"rank {rank}'s cache", plan.planned_tensor_bytes, dev.free_bytes(torch, kind),
              0 if kind == "cpu" else dev.DEFAULT_SAFETY_MARGIN, kind)
    if kind == "cuda":
        torch.cuda.synchronize()
        a0 = torch.cuda.memory_allocated()
    held = lay.allocate(plan, device)
    out["allocated_bytes"] = lay.storage_bytes(held)
    if kind == "cuda":
        torch.cuda.synchronize()
        out["cuda_allocated_delta"] = torch.cuda.memory_allocated() - a0
        out["cuda_allocated_expected"] = sum(dev.round512(t.nbytes) for t in plan.tensors)
    del held[:]
    dev.release(torch, kind)
    if job.speed:
        _barrier(dist, kind, local_rank)
        out.update(_time_rank(torch, dist, job, rank, local_rank, groups, sub, count, k, plan, say))
    return out


def _kv_heads(sub) -> dict:
    """KV heads this rank keeps per layer type (the MLA latent counts as one head)."""
    heads = {}
    for lt in sub.counts():
        m = sub.layer_types[lt].mixer
        if m.kind == "mla":
            heads[lt] = 1
        elif hasattr(m, "num_kv_heads"):
            heads[lt] = m.num_kv_heads
    return heads


def _time_rank(torch, dist, job: Job, rank, local_rank, groups, sub, count, k, plan, say) -> dict:
    from . import run as runmod
    from . import speed as sp

    kind = job.device
    device = f"cuda:{local_rank}" if kind == "cuda" else "cpu"
    tp_rank, pp_rank = rank_coords(rank, job.tp)
    group = groups[pp_rank]
    last = pp_rank == job.pp - 1
    steps = job.steps or runmod.DEFAULT_STEPS[kind]
    warm = runmod.DEFAULT_WARMUP[kind]
    timed = stage_spec(sub, 0, k)
    # the LM head (this rank's vocabulary rows) lives on the last stage only
    head_spec = sub if last else sub.model_copy(update={"vocab_size": 1})
    say("building the synthetic decoder")
    dec = sp.Decoder(torch, head_spec, timed, job.ctx, job.batch, plan.kv_format, job.engine, device)
    F = torch.nn.functional

    def reduce(y):
        if job.tp > 1:
            dist.all_reduce(y, group=group)
        return y

    def step():
        x = dec.x
        for layer in dec.layers:
            if layer.mixer is not None:
                x = x + reduce(layer.mixer.step(F, F.rms_norm(x, x.shape[-1:])))
            if layer.mlp is not None:
                x = x + reduce(layer.mlp(F, F.rms_norm(x, x.shape[-1:])))
        return x

    def head():
        logits = dec.head_step()
        if job.tp > 1:
            parts = [torch.empty_like(logits) for _ in range(job.tp)]
            dist.all_gather(parts, logits.contiguous(), group=group)
        return logits

    out = {}
    try:
        say("timing the decode step")
        layers_t = sp.measure(torch, step, kind, steps, warm)
        head_t = sp.measure(torch, head, kind, steps, warm) if last else None
        scale = count / k
        out["layers_step"] = layers_t.as_dict()
        out["head_s"] = head_t.median_s if head_t else None
        out["stage_step_s"] = layers_t.median_s * scale + (head_t.median_s if head_t else 0.0)
        # all-reduces of the stage's layers: those of the timed ones, scaled like the step
        stage_reduces = _stage_reduces(sub, job.tp)
        out["allreduces_per_step"] = stage_reduces
        buf = torch.zeros(job.batch, sub.hidden_size, dtype=dec.x.dtype, device=device)
        out["allreduce_bytes"] = buf.numel() * buf.element_size()
        n = AR_STEPS[kind]
        if job.tp > 1:
            say("timing the all-reduce")
            ar = sp.measure(torch, lambda: dist.all_reduce(buf, group=group), kind, n, warm + 2)
            out["allreduce"] = ar.as_dict()
            out["allreduce_s"] = ar.median_s
            out["allreduce_step_s"] = ar.median_s * stage_reduces
        else:
            out["allreduce"] = out["allreduce_s"] = out["allreduce_step_s"] = None
        out["send_recv_s"] = _time_send_recv(torch, dist, job, rank, local_rank, buf, n, warm, say) \
            if job.pp > 1 else None
        out["decoder_notes"] = list(dec.notes)
    finally:
        del dec
    return out


def _time_send_recv(torch, dist, job: Job, rank, local_rank, buf, n, warm, say):
    """Half a round trip between consecutive stages' ranks, as the sender measures it."""
    from . import speed as sp

    kind = job.device
    pp_rank = rank_coords(rank, job.tp)[1]
    sent = None
    say("timing the stage send/receive")
    _barrier(dist, kind, local_rank)
    for b in range(job.pp - 1):  # boundary b: stage b's ranks send to stage b + 1's
        if pp_rank == b:
            peer = rank + job.tp

            def ping():
                dist.send(buf, peer)
                dist.recv(buf, peer)
        elif pp_rank == b + 1:
            peer = rank - job.tp

            def ping():
                dist.recv(buf, peer)
                dist.send(buf, peer)
        else:
            continue
        t = sp.measure(torch, ping, kind, n, warm + 2)
        if pp_rank == b:  # the sender's figure: half a round trip
            sent = t.median_s / 2
    return sent


def _stage_reduces(sub, tp: int) -> int:
    """All-reduces one decode step makes in a stage: one after each token mixer and one after
    each MLP (vLLM's RowParallelLinear o_proj / down_proj; ``ModelSpec.blocks``), none with tp 1."""
    return 0 if tp == 1 else sub.blocks()
