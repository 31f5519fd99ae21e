"""``kvplan validate MODEL --tp N --pp M``: one process per GPU (rank), each allocating its own
shard of the cache and timing its share of a decode step, with the real collectives.

What each rank holds is asked of the planner, never derived here: ``fit.rank_stages`` (the
same function ``kvplan fit --tp/--pp`` plans every GPU from) gives each pipeline stage's first
layer, layer count and one tensor-parallel rank's spec (KV heads split, or replicated when
there are fewer KV heads than ranks; an MLA latent whole on every rank; the vocabulary padded
and split). ``layout.plan_layout`` on that spec gives the rank's predicted bytes and the
tensors shaped from its geometry; the rank allocates them and counts what torch allocated.

Ranks are numbered as vLLM and Megatron number them: tensor-parallel ranks adjacent
(``rank = pp_rank × tp + tp_rank``), so one stage's TP group sits on one node.

Per rank, the speed part builds the synthetic decoder of ``speed.py`` on the rank's spec (its
first ``--layers`` layers of its stage; the LM head, its vocabulary share, on the last stage
only) and times one cached decode step with the collectives tensor parallelism adds: an
all-reduce of the hidden state after the token mixer and after the MLP (two per layer, as
vLLM's RowParallelLinear does), an all-gather of the logits after the LM head; and, between
pipeline stages, a send/receive of the hidden state (timed as half a round trip). One
all-reduce of [batch, hidden] is also timed on its own.

Launch:

* spawned here (the default): ``tp × pp`` processes (multiprocessing "spawn"), gloo on the
  CPU, NCCL on CUDA (one GPU per rank). The parent only supervises: the first rank that fails
  ends the run with one line naming it, and every rank is stopped; a collective waits at most
  ``timeout`` seconds (``init_process_group(timeout=...)``), and the parent stops all ranks
  when none has reported for ``timeout`` + ``GRACE_S`` seconds;
* under torchrun (``RANK``, ``WORLD_SIZE``, ``LOCAL_RANK`` set): this process is one rank;
  rank 0 gathers and prints, the others print nothing. torchrun's own agent stops the other
  workers when one fails.

Test hooks (honest: they exist to test the failure paths, nothing else reads them):
``KVPLAN_VALIDATE_FAIL_RANK=r`` makes rank r raise right after joining the process group;
``KVPLAN_VALIDATE_HANG_RANK=r`` makes it sleep instead, so the others' collective times out.
"""
from __future__ import annotations

import os

from ..errors import KvplanError
from ..model.frozen import replace
from . import MISSING_TORCH, require_torch
from .ranks_job import DEFAULT_TIMEOUT_S, GRACE_S, Job, RankFailure, RanksResult, _one_line, shares, torchrun_env
from .ranks_job import FAIL_ENV, HANG_ENV, rank_coords  # noqa: F401  (tests reach them here)
from .ranks_spawn import _free_port, spawn_commands, supervise  # noqa: F401  (tests reach them here)
from .ranks_worker import run_rank


def validate_ranks(spec, tp: int, pp: int, ctx: int, batch: int, kv_dtype: str | None = None,
                   engine: str = "ideal", device: str | None = None, layers: int | None = None,
                   speed: bool = True, steps: int | None = None, timeout_s: int = DEFAULT_TIMEOUT_S,
                   gpu: str | None = None, weight_dtype: str | None = None, command: str = "",
                   environ=None) -> RanksResult | None:
    """Validate every rank of a tp × pp deployment. Returns the gathered result in the process
    that has it (the parent when spawned; rank 0 under torchrun), None on other torchrun ranks."""
    from . import device as dev
    from . import layout as lay

    run_env = torchrun_env(environ)
    if run_env is not None and tp == 1 and pp == 1 and run_env["world_size"] > 1:
        tp = run_env["world_size"]  # torchrun without --tp: every rank one tensor-parallel rank
    stages = shares(spec, tp, pp, engine)
    if layers is not None and (not isinstance(layers, int) or layers < 1):
        raise KvplanError(f"--layers must be a positive integer, got {layers!r}")
    if layers is not None and layers > spec.num_layers:
        raise KvplanError(f"--layers {layers} is more than {spec.name}'s {spec.num_layers} layers")
    if steps is not None and steps < 1:
        raise KvplanError(f"--steps must be a positive integer, got {steps}")
    if not isinstance(timeout_s, int) or timeout_s < 1:
        raise KvplanError(f"--timeout must be a positive number of seconds, got {timeout_s!r}")
    for _, _, sub in stages:  # the layout refuses what it cannot shape: here, not in every rank
        lay.plan_layout(sub, ctx, batch, kv_dtype, engine, 1)
    spawned_cpu = run_env is None and str(device).strip().lower() == "cpu"
    if spawned_cpu:  # the ranks import torch; this process only supervises them
        import importlib.util

        if importlib.util.find_spec("torch") is None:
            raise KvplanError(MISSING_TORCH)
        torch, kind, why = None, "cpu", "--device cpu"
    else:
        torch = require_torch()
        kind, why = dev.choose(torch, device)
        import torch.distributed as dist

        if not dist.is_available():
            raise KvplanError(f"torch {torch.__version__} was built without torch.distributed")
    world = tp * pp
    job = Job(spec, tp, pp, ctx, batch, kv_dtype, engine, kind, layers, speed, steps, timeout_s,
              gpu, weight_dtype)
    if run_env is not None:
        if run_env["world_size"] != world:
            raise KvplanError(f"torchrun started {run_env['world_size']} processes (WORLD_SIZE) but "
                              f"--tp {tp} × --pp {pp} needs {world}")
        if kind == "cuda" and run_env["local_rank"] >= torch.cuda.device_count():
            raise KvplanError(f"LOCAL_RANK {run_env['local_rank']}: this node has "
                              f"{torch.cuda.device_count()} CUDA devices")
        if not (os.environ.get("MASTER_ADDR") or os.environ.get("TORCHELASTIC_RUN_ID")):
            raise KvplanError("RANK and WORLD_SIZE are set but MASTER_ADDR is not: start the ranks "
                              "with torchrun (or set MASTER_ADDR and MASTER_PORT)")
        rank = run_env["rank"]
        try:
            gathered = run_rank(job, rank, world, run_env["local_rank"])
        except KvplanError:
            raise
        except Exception as e:  # noqa: BLE001: one line for this rank; torchrun stops the others
            raise RankFailure(f"rank {rank} failed: {_one_line(e)}") from None
        if gathered is None:
            return None
        launcher = "torchrun"
    else:
        if kind == "cuda" and torch.cuda.device_count() < world:
            raise KvplanError(f"--tp {tp} × --pp {pp} = {world} ranks, one GPU each, but torch sees "
                              f"{torch.cuda.device_count()} CUDA device(s): use torchrun across "
                              "nodes, or --device cpu")
        port = _free_port()
        gathered = supervise(spawn_commands(job, world, port), idle_s=timeout_s + GRACE_S)
        launcher = "spawn"
        if gathered is None:
            raise RankFailure("rank 0 finished without the gathered result")
    return _assemble(job, gathered, launcher, "nccl" if kind == "cuda" else "gloo", why, command)


def _assemble(job: Job, ranks: list[dict], launcher: str, backend: str, why: str,
              command: str) -> RanksResult:
    info = replace(ranks[0]["_device"], chosen=why)
    for x in ranks:
        x.pop("_device", None)
    r = RanksResult(job.spec.name, command, launcher, backend, job, info, ranks,
                    ranks[0]["kv_format"], ranks[0]["model_dtype"])
    notes = list(dict.fromkeys(n for x in ranks for n in x.pop("notes", [])))
    if job.device == "cpu":
        notes.append("run on the CPU (gloo): the byte counts are exact checks per rank; the "
                     "timings are reported, not judged (every rank shares this machine's cores)")
    scaled = [x for x in ranks if x["layers_allocated"] != x["stage_layers"]]
    if scaled:
        notes.append(f"each rank allocated {'and timed ' if job.speed else ''}the first "
                     f"{scaled[0]['layers_allocated']} layer(s) of its stage"
                     + ("; step and all-reduce figures are scaled to the stage's layers" if job.speed else ""))
    if job.speed:
        notes += list(dict.fromkeys(n for x in ranks for n in x.pop("decoder_notes", [])))
        stages = sorted({x["pp_rank"] for x in ranks})
        slow = {s: max(x["stage_step_s"] for x in ranks if x["pp_rank"] == s) for s in stages}
        hop = [x["send_recv_s"] for x in ranks if x.get("send_recv_s") is not None]
        r.send_recv_s = max(hop) if hop else None
        # a decode step of one batch runs the stages one after another, a hop between each
        r.step_s = sum(slow.values()) + (r.send_recv_s or 0.0) * (job.pp - 1)
        ar = [x["allreduce_s"] for x in ranks if x.get("allreduce_s") is not None]
        if ar:
            r.allreduce_s = max(ar)
            r.allreduce_bytes = ranks[0]["allreduce_bytes"]
            r.allreduce_step_s = sum(max(x["allreduce_step_s"] for x in ranks if x["pp_rank"] == s)
                                     for s in stages)
        r.prediction_note = _predict(r, job)
    r.notes = notes
    return r


def _predict(r: RanksResult, job: Job) -> str:
    """kvplan perf's decode step (with its all-reduce term) beside the measured one, where it
    has one: a CUDA run on a catalog GPU, without pipeline stages."""
    if job.device != "cuda":
        return "kvplan perf predicts a GPU; this run is on the CPU"
    if job.pp > 1:
        return "kvplan perf does not model pipeline stages; no prediction with --pp > 1"
    try:
        from ..plan.perf import decode_step
        from ..sources import catalog

        name = job.gpu
        if name is None:
            dn = r.device.name.lower()
            cands = [g for g in catalog.gpus() if g.display_name.lower() in dn or dn in g.display_name.lower()]
            if len(cands) != 1:
                return "no catalog GPU for this device (--gpu names one)"
            name = cands[0].name
        step = decode_step(job.spec, catalog.load_gpu(name), ctx=job.ctx, batch=job.batch,
                           kv_dtype=r.kv_format, weight_dtype=job.weight_dtype, engine=job.engine,
                           tp=job.tp)
    except KvplanError as e:
        return f"kvplan perf: {e}"
    r.predicted_step_s = step.seconds
    r.predicted_allreduce_step_s = step.comm_s if job.tp > 1 else None
    return ""
