"""Timing a step: CUDA events after warm-up on CUDA (optionally one CUDA-graph replay per
step), ``time.perf_counter`` on the CPU; and the record of one speed run (``SpeedResult``)."""
from __future__ import annotations

import statistics
import time

from ..model.frozen import field, record


@record
class Timing:
    median_s: float
    p10_s: float
    p90_s: float
    min_s: float
    max_s: float
    steps: int
    graph: bool = False

    def as_dict(self) -> dict:
        return {"median_s": self.median_s, "p10_s": self.p10_s, "p90_s": self.p90_s,
                "min_s": self.min_s, "max_s": self.max_s, "steps": self.steps, "cuda_graph": self.graph}


@record(frozen=False)
class SpeedResult:
    layers_timed: int
    layers_total: int
    layers_step: Timing  # the decode step of the timed layers (no LM head)
    head_step: Timing  # the LM head
    step_s: float  # scaled to every layer: layers × total / timed + head
    bytes_timed: int  # bytes the timed step moves (timed layers + head)
    bytes_step: int  # scaled like step_s
    weights_bytes: int  # of the timed layers and the head
    growth: list[dict] = field(default_factory=list)  # per length: cached vs recomputed
    notes: list[str] = field(default_factory=list)

    @property
    def bandwidth(self) -> float:
        """Bytes moved per second in the timed step (layers and head, unscaled)."""
        t = self.layers_step.median_s + self.head_step.median_s
        return self.bytes_timed / t if t > 0 else 0.0


def _percentile(xs: list[float], q: float) -> float:
    s = sorted(xs)
    k = (len(s) - 1) * q
    lo = int(k)
    hi = min(lo + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (k - lo)


def measure(torch, fn, kind: str, steps: int, warmup: int, graph: bool = False) -> Timing:
    """Median and spread of ``steps`` calls of ``fn`` after ``warmup`` calls."""
    with torch.inference_mode():
        for _ in range(warmup):
            fn()
        run = fn
        if kind == "cuda":
            torch.cuda.synchronize()
            if graph:
                side = torch.cuda.Stream()
                side.wait_stream(torch.cuda.current_stream())
                with torch.cuda.stream(side):
                    for _ in range(2):
                        fn()
                torch.cuda.current_stream().wait_stream(side)
                g = torch.cuda.CUDAGraph()
                with torch.cuda.graph(g):
                    fn()
                run = g.replay
                run()
                torch.cuda.synchronize()
            events = [(torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True))
                      for _ in range(steps)]
            for a, b in events:
                a.record()
                run()
                b.record()
            torch.cuda.synchronize()
            times = [a.elapsed_time(b) / 1000 for a, b in events]
        else:
            times = []
            for _ in range(steps):
                t0 = time.perf_counter()
                run()
                times.append(time.perf_counter() - t0)
    return Timing(statistics.median(times), _percentile(times, 0.1), _percentile(times, 0.9),
                  min(times), max(times), len(times), graph and kind == "cuda")
