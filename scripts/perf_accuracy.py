"""kvplan perf's default prediction beside every published measurement, and the error.

    python scripts/perf_accuracy.py          # rewrite docs/perf-accuracy.md
    python scripts/perf_accuracy.py --check  # exit 1 if the page is out of date

Reads benchmarks/published/measurements.yaml (the measurements, with sources) and
benchmarks/published/aiconfigurator.yaml (aiconfigurator 0.12.0's predictions, run offline),
predicts each entry with kvplan's roofline at its default efficiencies, and writes the table
with both errors. tests/test_perf_accuracy.py runs the check, so the page cannot drift.
"""
from __future__ import annotations

import statistics
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
PUB = ROOT / "benchmarks" / "published"
DOC = ROOT / "docs" / "perf-accuracy.md"
DECODE = ("decode_tokens_per_s_per_seq", "decode_ms_per_token", "e2e_latency_ms", "output_tokens_per_s_total")


def predict(e: dict) -> float:
    """kvplan's figure in the entry's own metric, from its setup, at default efficiencies."""
    from kvplan.sources import catalog
    from kvplan.plan import perf

    r = perf.Roofline(catalog.load_model(e["model"]), catalog.load_gpu(e["gpu"]), e["num_gpus"],
                      e["kv_dtype"] or e["weight_dtype"], e["weight_dtype"])
    b, i, o, m = e["batch"], e["input_len"], e["output_len"], e["metric"]
    if m == "prefill_tokens_per_s":
        return b * i / r.prefill(i, b).seconds
    if m == "ttft_ms":
        return 1e3 * r.prefill(i, b).seconds
    if m == "decode_tokens_per_s_per_seq":  # llama-bench tg: o tokens from an empty cache
        return o / sum(r.decode(max(t, 1), b).seconds for t in range(o))
    if m == "decode_ms_per_token":  # the steps after the first token
        return 1e3 * sum(r.decode(i + t, b).seconds for t in range(1, o)) / (o - 1)
    total = r.prefill(i, b).seconds + sum(r.decode(i + t, b).seconds for t in range(1, o))
    if m == "e2e_latency_ms":
        return 1e3 * total
    if m == "output_tokens_per_s_total":
        return b * o / total
    raise ValueError(f"unknown metric {m}")


def per_token_error(metric: str, predicted: float, measured: float) -> float:
    """Signed error of the time per token (or per request): for a rate, measured / predicted − 1."""
    if metric.endswith("_per_s") or metric.endswith("per_s_total") or metric.endswith("per_s_per_seq"):
        return measured / predicted - 1
    return predicted / measured - 1


def rows() -> list[dict]:
    meas = yaml.safe_load((PUB / "measurements.yaml").read_text())
    aic = {p["id"]: p for p in yaml.safe_load((PUB / "aiconfigurator.yaml").read_text())["predictions"]}
    out = []
    for e in meas:
        p = predict(e)
        a = aic.get(e["id"])
        out.append({"id": e["id"], "engine": e["engine"], "metric": e["metric"], "model": e["model"],
                    "gpu": e["gpu"], "tp": e["num_gpus"], "batch": e["batch"], "in": e["input_len"],
                    "out": e["output_len"], "w": e["weight_dtype"], "measured": e["value"],
                    "kvplan": p, "kvplan_err": per_token_error(e["metric"], p, e["value"]),
                    "aic": a["predicted"] if a else None,
                    "aic_err": per_token_error(e["metric"], a["predicted"], e["value"]) if a else None,
                    "source": e["source"]})
    return out


def groups(rs: list[dict]):
    gddr = {"rtx-4090", "rtx-3090", "a6000", "rtx-6000-ada", "l40s"}

    def pick(f):
        return [r["kvplan_err"] for r in rs if f(r)]

    return [
        ("llama.cpp decode (tg), GDDR cards", pick(lambda r: r["engine"] == "llamacpp" and r["out"] and r["gpu"] in gddr)),
        ("llama.cpp decode (tg), HBM cards", pick(lambda r: r["engine"] == "llamacpp" and r["out"] and r["gpu"] not in gddr)),
        ("llama.cpp prompt (pp)", pick(lambda r: r["engine"] == "llamacpp" and not r["out"])),
        ("TensorRT-LLM TTFT, batch 1", pick(lambda r: r["engine"] == "trtllm" and r["metric"] == "ttft_ms")),
        ("TensorRT-LLM static-batch throughput", pick(lambda r: r["metric"] == "output_tokens_per_s_total")),
        ("vLLM batch latency (H200)", pick(lambda r: r["engine"] == "vllm")),
        ("NIM, 2 × H100 (TTFT and ITL)", pick(lambda r: r["engine"] == "other")),
    ]


def _f(v: float) -> str:
    return f"{v:,.2f}" if abs(v) < 100 else f"{v:,.0f}"


def _pct(v) -> str:
    return "—" if v is None else f"{100 * v:+.1f} %"


def summary(rs: list[dict]) -> dict:
    dec = [r for r in rs if r["metric"] in DECODE]
    pre = [r for r in rs if r["metric"] not in DECODE]
    both = [r for r in rs if r["aic_err"] is not None]

    def med(xs):
        return statistics.median(abs(x) for x in xs) if xs else None

    return {"n": len(rs), "decode_n": len(dec), "prefill_n": len(pre),
            "decode_median": med([r["kvplan_err"] for r in dec]),
            "prefill_median": med([r["kvplan_err"] for r in pre]),
            "all_median": med([r["kvplan_err"] for r in rs]),
            "both_n": len(both), "both_kvplan": med([r["kvplan_err"] for r in both]),
            "both_aic": med([r["aic_err"] for r in both])}


def render() -> str:
    from kvplan.plan import perf

    rs = rows()
    s = summary(rs)
    lines = [
        "# How close `kvplan perf` is to published measurements",
        "",
        "Generated by `python scripts/perf_accuracy.py` from `benchmarks/published/measurements.yaml` "
        f"({s['n']} measurements others published, each with its source and a verbatim quote) and "
        "`benchmarks/published/aiconfigurator.yaml` (NVIDIA aiconfigurator 0.12.0, run offline). "
        "`tests/test_perf_accuracy.py` recomputes every prediction, so this page cannot drift from the code.",
        "",
        "kvplan predicts each entry from its setup alone, at its **default** efficiencies: memory "
        f"{perf.MEMORY_EFFICIENCY} ({perf.MEMORY_SOURCE}), compute per GPU ({perf.COMPUTE_SOURCE}), "
        f"{perf.STEP_OVERHEAD_S * 1e3:g} ms per step ({perf.OVERHEAD_SOURCE}). Nothing below was fitted to these "
        "measurements. Error is of the time (per token, per request, or per prompt): "
        "predicted time / measured time − 1, so −10 % means kvplan is 10 % optimistic.",
        "",
        "## Summary",
        "",
        f"- **Decode** (time per generated token; llama.cpp `tg`, NIM ITL, vLLM batch latency, TensorRT-LLM "
        f"static-batch throughput; {s['decode_n']} entries): median absolute error "
        f"**{100 * s['decode_median']:.1f} %**.",
        f"- Prefill and TTFT ({s['prefill_n']} entries): median absolute error {100 * s['prefill_median']:.1f} %.",
        f"- On the {s['both_n']} entries aiconfigurator can model (its kernel tables cover H100/H200/A100 "
        "and TensorRT-LLM/vLLM/SGLang, not llama.cpp or RTX cards): kvplan "
        f"{100 * s['both_kvplan']:.1f} %, aiconfigurator {100 * s['both_aic']:.1f} % median absolute error.",
        "",
        "## By group",
        "",
        "| group | entries | kvplan error, range | median |",
        "|---|---:|---:|---:|",
        *[f"| {name} | {len(g)} | {_pct(min(g))} … {_pct(max(g))} | {_pct(statistics.median(g))} |"
          for name, g in groups(rs) if g],
        "",
        "What the groups say. Decode on GDDR cards and TensorRT-LLM's batched throughput are where a "
        "bandwidth roofline is at its best (the −20.5 % GDDR row is Q4_0 weights, whose dequantization "
        "the roofline does not charge). llama.cpp on HBM cards (A100, H100 PCIe) runs far below their "
        "bandwidth, so the roofline is optimistic there: that is the engine, not the card. Prefill and TTFT "
        "are optimistic in TensorRT-LLM, NIM and on HBM cards: the compute efficiency is the best matmul "
        "shape's (MAMF), while a prompt's GEMMs, attention, norms and launches reach less, and at 128 tokens "
        "fixed costs dominate that the one 1.6 ms overhead does not cover. Multi-GPU rows have no all-reduce "
        "latency term (bandwidth only), which shows as optimism on the tensor-parallel vLLM and NIM rows.",
        "",
        "## Every entry",
        "",
        "| id | metric | setup | measured | kvplan | error | aiconfigurator | error |",
        "|---|---|---|---:|---:|---:|---:|---:|",
    ]
    for r in rs:
        setup = f"{r['model']}, {r['w']}, {r['gpu']}{' ×' + str(r['tp']) if r['tp'] > 1 else ''}, " \
                f"b{r['batch']}, {r['in']}→{r['out']}"
        lines.append(f"| [{r['id']}]({r['source']}) | {r['metric']} | {setup} | {_f(r['measured'])} | "
                     f"{_f(r['kvplan'])} | {_pct(r['kvplan_err'])} | "
                     f"{'—' if r['aic'] is None else _f(r['aic'])} | {_pct(r['aic_err'])} |")
    lines += ["", "Metrics: `*_per_s*` are rates (higher is faster); `*_ms` are times. The error column "
              "always compares times.", ""]
    return "\n".join(lines)


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    text = render()
    if "--check" in sys.argv:
        ok = DOC.exists() and DOC.read_text() == text
        print("docs/perf-accuracy.md is up to date" if ok else "docs/perf-accuracy.md drifted")
        sys.exit(0 if ok else 1)
    DOC.write_text(text)
    s = summary(rows())
    print(f"wrote {DOC}: decode median |error| {100 * s['decode_median']:.1f} % over {s['decode_n']}, "
          f"prefill {100 * s['prefill_median']:.1f} % over {s['prefill_n']}; aiconfigurator subset "
          f"kvplan {100 * s['both_kvplan']:.1f} % vs aic {100 * s['both_aic']:.1f} % over {s['both_n']}")
