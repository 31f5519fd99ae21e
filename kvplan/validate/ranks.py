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

import datetime
import os
import socket
import time

from .. import engines
from ..errors import KvplanError
from ..plan.fit import rank_stages, stage_spec
from ..model.frozen import field, record, replace
from . import MISSING_TORCH, require_torch

FAIL_ENV = "KVPLAN_VALIDATE_FAIL_RANK"
HANG_ENV = "KVPLAN_VALIDATE_HANG_RANK"
DEFAULT_TIMEOUT_S = 300
GRACE_S = 30  # on top of the collective timeout: a rank's start-up (importing torch) and teardown
AR_STEPS = {"cuda": 100, "cpu": 20}  # all-reduce / send-receive timing calls (after warm-up)
TORCHRUN_VARS = ("RANK", "WORLD_SIZE", "LOCAL_RANK")


class RankFailure(KvplanError):
    """A rank failed or hung; the message is the one line the command prints."""


@record
class Job:
    """Everything one rank needs (picklable: it crosses to spawned processes)."""

    spec: object
    tp: int
    pp: int
    ctx: int
    batch: int
    kv_dtype: str | None
    engine: str
    device: str  # "cpu" | "cuda", already chosen
    layers: int | None
    speed: bool
    steps: int | None
    timeout_s: int
    gpu: str | None = None
    weight_dtype: str | None = None


@record(frozen=False)
class RanksResult:
    model: str
    command: str
    launcher: str  # "spawn" | "torchrun"
    backend: str
    job: Job
    device: object  # rank 0's device.DeviceInfo
    ranks: list[dict]
    kv_format: str
    model_dtype: str
    step_s: float | None = None  # the whole model's decode step, as the pipeline runs it
    allreduce_s: float | None = None  # one all-reduce of [batch, hidden] (slowest rank's median)
    allreduce_step_s: float | None = None  # all-reduces of one step, summed over stages
    allreduce_bytes: int | None = None  # of one all-reduce
    send_recv_s: float | None = None  # one stage boundary's send/receive, slowest
    predicted_step_s: float | None = None
    predicted_allreduce_step_s: float | None = None
    prediction_note: str = ""
    notes: list[str] = field(default_factory=list)

    @property
    def memory_equal(self) -> bool:
        return all(r["predicted_bytes"] == r["allocated_bytes"] for r in self.ranks)


# --- checks before anything starts ------------------------------------------------------------

def shares(spec, tp: int, pp: int, engine: str):
    """Each stage's (first layer, layers, rank spec), as ``fit`` plans them, after the checks
    that make a bad request one line before any process starts."""
    from . import layout as lay

    for name, v in (("--tp", tp), ("--pp", pp)):
        if not isinstance(v, int) or isinstance(v, bool) or v < 1:
            raise KvplanError(f"{name} must be a positive integer, got {v!r}")
    key = str(engine).strip().lower()
    if key not in lay.ENGINES:
        raise KvplanError(f"validate allocates the {', '.join(lay.ENGINES)} layouts, not '{engine}'")
    return rank_stages(spec, tp, pp, engines.get(key))


def torchrun_env(environ=None) -> dict | None:
    """rank, world size, local rank from torchrun's environment, or None outside torchrun."""
    env = os.environ if environ is None else environ
    if not all(env.get(k) for k in TORCHRUN_VARS):
        return None
    try:
        got = {k.lower(): int(env[k]) for k in TORCHRUN_VARS}
    except ValueError:
        raise KvplanError("RANK, WORLD_SIZE and LOCAL_RANK must be integers (as torchrun sets them), "
                          f"got {', '.join(f'{k}={env[k]!r}' for k in TORCHRUN_VARS)}") from None
    if not 0 <= got["rank"] < got["world_size"]:
        raise KvplanError(f"RANK {got['rank']} is outside WORLD_SIZE {got['world_size']}")
    return got


def rank_coords(rank: int, tp: int) -> tuple[int, int]:
    """(tp_rank, pp_rank): tensor-parallel ranks adjacent, as vLLM and Megatron number them."""
    return rank % tp, rank // tp


# --- one rank --------------------------------------------------------------------------------

def _one_line(e: BaseException) -> str:
    text = " ".join(str(e).split()) or type(e).__name__
    return text if len(text) <= 240 else text[:237] + "..."


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
        out["send_recv_s"] = None
        if job.pp > 1:
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
                    out["send_recv_s"] = t.median_s / 2
        out["decoder_notes"] = list(dec.notes)
    finally:
        del dec
    return out


def _stage_reduces(sub, tp: int) -> int:
    """All-reduces one decode step makes in a stage: one after each token mixer and one after
    each MLP (vLLM's RowParallelLinear o_proj / down_proj), none with tp 1."""
    if tp == 1:
        return 0
    n = 0
    for lt in sub.layers:
        layer = sub.layer_types[lt]
        n += (layer.mixer.kind != "none") + (layer.mlp is not None)
    return n


# --- spawned ranks and their supervisor -------------------------------------------------------
# Each rank is a fresh interpreter (subprocess, not multiprocessing: nothing of the caller's
# __main__ is re-imported, so the API works from any script or notebook). The job goes in on
# stdin (pickled); messages come back on a pipe of their own as length-prefixed pickles:
# ("progress", rank, phase), ("result", rank, gathered), ("done", rank, None), ("error", rank, line).

CHILD_CODE = "from kvplan.validate.ranks import _child_main; _child_main()"
FD_ENV = "KVPLAN_RANK_FD"


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _die_with_parent() -> None:
    """Linux: this process gets SIGKILL when the parent dies (no orphan rank, even when the
    parent is killed outright)."""
    try:
        import ctypes
        import signal

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def _send(fd: int, msg) -> None:
    import pickle
    import struct

    data = pickle.dumps(msg)
    view = memoryview(struct.pack("!I", len(data)) + data)
    while view:
        n = os.write(fd, view)
        view = view[n:]


def _child_main() -> None:
    """A spawned rank: read the job, run, report on the message pipe, exit 0 or 1."""
    import pickle
    import sys

    _die_with_parent()
    fd = int(os.environ[FD_ENV])
    rank, world = int(os.environ["RANK"]), int(os.environ["WORLD_SIZE"])
    phase = ["starting"]

    def say(what):
        phase[0] = what
        _send(fd, ("progress", rank, what))

    try:
        job = pickle.load(sys.stdin.buffer)
        res = run_rank(job, rank, world, int(os.environ["LOCAL_RANK"]), say)
        _send(fd, ("result", rank, res) if rank == 0 else ("done", rank, None))
        code = 0
    except BaseException as e:  # noqa: BLE001: every failure becomes the one line the parent prints
        _send(fd, ("error", rank, f"{phase[0]}: {_one_line(e)}"))
        code = 1
    sys.stdout.flush()
    os._exit(code)  # no interpreter teardown racing the process group's threads


class _Reader:
    """Length-prefixed pickles from one rank's pipe."""

    def __init__(self, fd: int):
        self.fd, self.buf, self.closed = fd, b"", False

    def read(self) -> list:
        import pickle
        import struct

        chunk = os.read(self.fd, 1 << 16)
        if not chunk:
            self.closed = True
        self.buf += chunk
        out = []
        while len(self.buf) >= 4:
            (n,) = struct.unpack("!I", self.buf[:4])
            if len(self.buf) < 4 + n:
                break
            out.append(pickle.loads(self.buf[4:4 + n]))
            self.buf = self.buf[4 + n:]
        return out


def supervise(commands: list[tuple[list[str], dict, bytes]], idle_s: float):
    """Start one process per (argv, extra env, stdin bytes), rank r being the r-th; wait for
    rank 0's result and every rank's end; stop them all. A rank's error, a rank that exits
    without a word, or no message for ``idle_s`` seconds stops every rank and raises
    ``RankFailure`` with one line."""
    import selectors
    import subprocess
    import tempfile

    procs, readers, logs = [], {}, []
    sel = selectors.DefaultSelector()
    result, done = None, set()
    phases = {r: "starting" for r in range(len(commands))}
    try:
        for r, (argv, env, stdin) in enumerate(commands):
            rfd, wfd = os.pipe()
            log = tempfile.TemporaryFile()
            logs.append(log)
            p = subprocess.Popen(argv, env={**os.environ, **env, FD_ENV: str(wfd)}, pass_fds=(wfd,),
                                 stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=log,
                                 start_new_session=True)
            os.close(wfd)
            procs.append(p)
            readers[rfd] = (r, _Reader(rfd))
            sel.register(rfd, selectors.EVENT_READ)
            try:
                p.stdin.write(stdin)
                p.stdin.close()
            except BrokenPipeError:
                pass
        last = time.monotonic()
        while len(done) < len(procs):
            events = sel.select(timeout=0.2)
            for key, _ in events:
                r, rd = readers[key.fd]
                for kind, rank, payload in rd.read():
                    last = time.monotonic()
                    if kind == "progress":
                        phases[rank] = payload
                    elif kind == "error":
                        low = payload.lower()
                        hint = ("; a collective waited its --timeout: another rank failed or hangs"
                                if "timeout" in low or "timed out" in low else "")
                        raise RankFailure(f"rank {rank} failed while {payload}{hint}")
                    else:
                        done.add(rank)
                        if kind == "result":
                            result = payload
                if rd.closed:
                    sel.unregister(key.fd)
                    if r not in done:
                        code = procs[r].wait()
                        raise RankFailure(f"rank {r} exited with code {code} while {phases[r]}, "
                                          f"without a result{_last_line(logs[r])}")
            if not events and time.monotonic() - last > idle_s:
                raise RankFailure(
                    f"no rank reported for {idle_s:g} s ("
                    f"{'; '.join(f'rank {r} {phases[r]}' for r in sorted(phases))}); stopped every "
                    "rank (--timeout sets the wait)")
        for p in procs:
            p.wait(timeout=30)
        return result
    finally:
        _stop(procs)
        sel.close()
        for fd in readers:
            os.close(fd)
        for log in logs:
            log.close()


def _last_line(log) -> str:
    log.seek(0)
    lines = [ln for ln in log.read().decode(errors="replace").splitlines() if ln.strip()]
    return f" (its last words: {lines[-1].strip()[:200]})" if lines else ""


def _stop(procs) -> None:
    """Terminate the ranks still running (each in its own session: its whole group), then
    kill what is left after a moment."""
    import signal
    import subprocess

    for sig in (signal.SIGTERM, signal.SIGKILL):
        alive = [p for p in procs if p.poll() is None]
        for p in alive:
            try:
                os.killpg(p.pid, sig)
            except (ProcessLookupError, PermissionError):
                pass
        for p in alive:
            try:
                p.wait(timeout=3)
            except subprocess.TimeoutExpired:
                pass


def spawn_commands(job: Job, world: int, port: int) -> list[tuple[list[str], dict, bytes]]:
    import pickle
    import sys

    data = pickle.dumps(job)
    env = {"MASTER_ADDR": "127.0.0.1", "MASTER_PORT": str(port), "WORLD_SIZE": str(world)}
    if job.device == "cpu" and not os.environ.get("OMP_NUM_THREADS"):
        # the ranks share this machine's cores: each its share, not all of them (torchrun does the same)
        env["OMP_NUM_THREADS"] = str(max(1, (os.cpu_count() or 1) // world))
    return [([sys.executable, "-c", CHILD_CODE], {**env, "RANK": str(r), "LOCAL_RANK": str(r)}, data)
            for r in range(world)]


# --- the command ------------------------------------------------------------------------------

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
