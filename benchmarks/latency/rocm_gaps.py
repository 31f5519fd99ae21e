"""Where kvplan's step model misprices MI300X: every published MI300X row, its op-by-op price, and two reductions.

    PYTHONPATH=. python benchmarks/latency/rocm_gaps.py

Prints, for every row of benchmarks/published/measurements.yaml on an AMD GPU (held-out rows of the current round are
skipped: none is on AMD today), its side (fit / seen), measured and predicted figure and error; for the decode rows
(``decode_ms_per_token``) the per-op price of the step at the row's mean context (``OpLatency.decode``, what
``kvplan perf --explain`` prints). Then, per (model, engine) with decode rows at several contexts, the least-squares
line of the step time against the context, measured beside predicted: the intercept is what a step costs with no
K/V to read (weights, kernels, launches, all-reduces, overhead), the slope what each token of context adds (decode
attention). And the step per layer, measured beside predicted. It fits nothing and writes nothing."""
from __future__ import annotations

import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))

import perf_accuracy as pa  # noqa: E402

AMD = ("mi300x", "mi325x", "mi355x")


def line(xs, ys):
    """(intercept, slope) of the least-squares line through (xs, ys)."""
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    sxx = sum((x - mx) ** 2 for x in xs)
    b = sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sxx if sxx else 0.0
    return my - b * mx, b


def main() -> None:
    doc, _ = pa.split()
    rows = [e for e in yaml.safe_load((pa.PUB / "measurements.yaml").read_text()) if e["gpu"] in AMD]
    decode: dict = {}
    for e in rows:
        side = pa.side_of(pa._doc_of(e["source"]), doc)
        if side == "held_out":
            continue
        r = pa.model_for(e)
        p = pa.predict(e, r)
        err = pa.per_token_error(e["metric"], p, e["value"])
        print(f"{side:<5} {e['id'][:70]:<70} measured {e['value']:>9.4g} kvplan {p:>9.4g} {100 * err:+6.1f} %")
        if e["metric"] != "decode_ms_per_token":
            continue
        ctx = e["input_len"] + e["output_len"] // 2
        step = r.decode(ctx, e["batch"])
        for name, sec, _, src in step.ops:
            print(f"        {name[:52]:<52} {sec * 1e3:8.3f} ms  {src[:60]}")
        decode.setdefault((e["model"], e["engine"], e["batch"]), []).append(
            (ctx, e["value"], 1e3 * step.seconds, r.layers_n))
    print("\nstep time against context (least squares; ms, us per token of context), per layer (us)")
    for (model, engine, batch), pts in decode.items():
        xs = [c for c, *_ in pts]
        mi, ms = line(xs, [m for _, m, _, _ in pts])
        ki, ks = line(xs, [k for _, _, k, _ in pts])
        layers = pts[0][3]
        per_m = sum(m for _, m, _, _ in pts) / len(pts) / layers * 1e3
        per_k = sum(k for _, _, k, _ in pts) / len(pts) / layers * 1e3
        print(f"{model} {engine} batch {batch}, {len(pts)} contexts {min(xs)}-{max(xs)}: measured {mi:.2f} ms + "
              f"{ms * 1e3:.3f} us/token, kvplan {ki:.2f} ms + {ks * 1e3:.3f} us/token; per layer ({layers}) measured "
              f"{per_m:.0f} us, kvplan {per_k:.0f} us")


if __name__ == "__main__":
    main()
