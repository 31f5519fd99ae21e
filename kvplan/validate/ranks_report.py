"""The report of ``kvplan validate --tp/--pp``: one JSON object with a ``ranks`` list, and a
table with one row per rank (predicted beside allocated bytes, the rank's step and its
all-reduce), the whole step and the all-reduce below it."""
from __future__ import annotations

from ..units import ints
from .report import DASH, _err

RANK_KEYS = ("rank", "tp_rank", "pp_rank", "host", "local_rank", "device_name", "first_layer",
             "stage_layers", "layers_allocated", "predicted_bytes", "allocated_bytes",
             "predicted_stage_bytes", "tensors", "kv_heads", "vocab_rows", "predicted_source",
             "cuda_allocated_delta", "cuda_allocated_expected", "stage_step_s", "layers_step",
             "head_s", "allreduces_per_step", "allreduce_bytes", "allreduce_s", "allreduce",
             "allreduce_step_s", "send_recv_s")


def _ms(s: float | None) -> str:
    if s is None:
        return DASH
    return f"{s:.3f} s" if s >= 1 else f"{s * 1e3:.3f} ms"


def to_json(r) -> dict:
    j, d = r.job, r.device
    ranks = []
    for x in r.ranks:
        row = {k: x[k] for k in RANK_KEYS if k in x}
        row["equal"] = x["predicted_bytes"] == x["allocated_bytes"]
        ranks.append(row)
    return {
        "model": r.model, "command": r.command, "ctx": j.ctx, "batch": j.batch, "engine": j.engine,
        "kv_dtype": r.kv_format, "model_dtype": r.model_dtype, "tp": j.tp, "pp": j.pp,
        "world_size": j.tp * j.pp, "launcher": r.launcher, "backend": r.backend,
        "device": d.kind, "device_name": d.name, "device_chosen": d.chosen,
        "torch_version": d.torch_version, "driver": d.driver, "cuda_runtime": d.cuda_runtime,
        "date": d.date, "layers": j.layers, "equal": r.memory_equal,
        "predicted_source": "fit.rank_stages (the split kvplan fit --tp/--pp plans with), then "
                            "the layout's plan for that rank's spec",
        "measured_source": "Σ tensor.untyped_storage().nbytes() over the rank's allocated tensors",
        "ranks": ranks,
        "speed": None if not j.speed else {
            "judged": d.kind == "cuda",
            "step_s": r.step_s, "predicted_step_s": r.predicted_step_s,
            "allreduce_s": r.allreduce_s, "allreduce_bytes": r.allreduce_bytes,
            "allreduce_step_s": r.allreduce_step_s,
            "predicted_allreduce_step_s": r.predicted_allreduce_step_s,
            "send_recv_s": r.send_recv_s, "prediction_note": r.prediction_note,
            "step_source": "Σ over stages of the slowest rank's stage step (its layers, scaled, "
                           "with their all-reduces; the LM head and logit gather on the last) + "
                           "one send/receive per stage boundary",
        },
        "notes": r.notes,
    }


def table(r):
    from ..render.sheet import Col, Sheet

    j = r.job
    data = []
    for x in r.ranks:
        data.append({"rank": x["rank"], "tp": x["tp_rank"], "pp": x["pp_rank"],
                     "layers": f"{x['layers_allocated']} of {x['first_layer']}-"
                               f"{x['first_layer'] + x['stage_layers'] - 1}",
                     "predicted": x["predicted_bytes"], "allocated": x["allocated_bytes"],
                     "error": _err(x["allocated_bytes"], x["predicted_bytes"]),
                     "step": x.get("stage_step_s"), "allreduce": x.get("allreduce_s")})
    cols = [Col("rank", "rank"), Col("tp", "tp"), Col("pp", "pp"),
            Col("layers", "layers", left=True, drop=2),
            Col("predicted", "predicted B", ints), Col("allocated", "allocated B", ints),
            Col("error", "error", drop=4)]
    if j.speed:
        cols += [Col("step", "stage step", _ms, drop=1), Col("allreduce", "all-reduce", _ms, drop=1)]
    title = (f"validate {r.model} · tp {j.tp} × pp {j.pp} · ctx {j.ctx:,} · batch {j.batch} · "
             f"KV {r.kv_format} · {j.engine} · {r.device.kind}")
    return Sheet(cols, data, [title])


def footer(r, deterministic: bool = False) -> list[str]:
    d, j = r.device, r.job
    lines = [f"ranks: {j.tp * j.pp} ({r.launcher}, {r.backend}), device {d.kind} ({d.chosen})"]
    if not deterministic:
        drv = f" · driver {d.driver} · CUDA {d.cuda_runtime}" if d.kind == "cuda" else ""
        lines = [f"ranks: {j.tp * j.pp} ({r.launcher}, {r.backend}) on {d.name}{drv} · torch "
                 f"{d.torch_version} · {d.date}"]
    bad = [x for x in r.ranks if x["predicted_bytes"] != x["allocated_bytes"]]
    lines.append("memory: " + ("EQUAL on every rank: predicted and allocated bytes agree to the byte"
                               if not bad else "MISMATCH on rank(s) " + ", ".join(
                                   f"{x['rank']} ({x['allocated_bytes'] - x['predicted_bytes']:+,} bytes)"
                                   for x in bad)))
    lines.append("predicted: each rank's shard as kvplan fit --tp/--pp splits the model "
                 "(fit.rank_stages), priced by the layout's plan; allocated: Σ untyped_storage().nbytes()")
    if j.speed:
        pred = f"; predicted {_ms(r.predicted_step_s)}" if r.predicted_step_s is not None else ""
        lines.append(f"decode step (all stages, scaled to every layer): measured {_ms(r.step_s)}{pred}")
        if r.allreduce_s is not None:
            apred = (f"; predicted {_ms(r.predicted_allreduce_step_s)}"
                     if r.predicted_allreduce_step_s is not None else "")
            lines.append(f"all-reduce of [{j.batch}, hidden] ({r.allreduce_bytes:,} bytes): "
                         f"{_ms(r.allreduce_s)} each; per step {_ms(r.allreduce_step_s)}{apred}")
        if r.send_recv_s is not None:
            lines.append(f"stage send/receive of the hidden state: {_ms(r.send_recv_s)} each "
                         f"(half a round trip), {j.pp - 1} per step")
        if r.prediction_note:
            lines.append(f"no speed prediction: {r.prediction_note}")
    notes = r.notes if not deterministic else [n for n in r.notes if not n.startswith("run on the CPU")]
    lines += [f"note: {n}" for n in notes]
    return lines
