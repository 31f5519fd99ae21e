"""validate --tp/--pp: what a run is (Job), its result, and the ranks' coordinates and settings."""
from __future__ import annotations

import os

from .. import engines
from ..errors import KvplanError
from ..plan.fit import rank_stages
from ..model.frozen import field, record


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


def _one_line(e: BaseException) -> str:
    text = " ".join(str(e).split()) or type(e).__name__
    return text if len(text) <= 240 else text[:237] + "..."
