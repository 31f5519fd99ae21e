"""SGLang's DP attention before / after simulate modelled it (issue 22), on SEEN rows only.

    python benchmarks/serving/dp_attention_seen.py [--requests N]

The rows: dstack-deepseek-r1's H200 SGLang runs of random 3200-token prompts
(benchmarks/serving/files/dstack-deepseek-r1/online_results.csv, GPU h200, backend sglang, dataset
random; server `python3 -m sglang.launch_server --model deepseek-ai/DeepSeek-R1 --tp 8
--trust-remote-code --enable-dp-attention`, SGLang 0.4.3.post2, whose --enable-dp-attention set
dp_size = tp_size: 8 ranks; dstackai/benchmarks Deepseek-R1/README.md). runs.yaml leaves them out
(simulate did not model DP attention) and its source was already seen (round 7), so every figure here
is SEEN, not held out, and read with SGLang 0.5.23's rules. "before": the same rows replayed as
plain TP 8; "after": --dp-size 8 --enable-dp-attention. Reads runs.yaml's row selection rule
(accuracy.csv_levels) and check-bench's replay; writes nothing."""
from __future__ import annotations

import argparse
import statistics
import sys

from accuracy import csv_levels

from kvplan.engines.base import ServeOptions
from kvplan.observe import bench
from kvplan.plan.latency.dp_attention import DataParallelStep
from kvplan.sources import catalog

RUN = {"csv": "files/dstack-deepseek-r1/online_results.csv",
       "csv_where": {"GPU": "h200", "backend": "sglang", "dataset_name": "random"}}


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--requests", type=int, default=500)
    a = ap.parse_args()
    spec, gpu = catalog.load_model("deepseek-r1"), catalog.load_gpu("h200-sxm-141gb")
    levels = csv_levels(RUN)
    dp = ServeOptions(data_parallel_size=8, dp_attention=True)
    before = bench.replay(levels, spec, gpu, tp=8, engine="sglang", max_requests=a.requests)
    after = bench.replay(levels, spec, gpu, tp=8, engine="sglang", opts=dp, max_requests=a.requests,
                         step=DataParallelStep(spec, gpu, 8, 8))
    errs = {k: ([], []) for k in ("out", "itl", "ttft")}
    print(f"{'level (seen)':<28}{'out tok/s meas':>15}{'before':>9}{'after':>9}{'ITL mean':>9}{'before':>8}"
          f"{'after':>8}{'TTFT p50':>10}{'before':>9}{'after':>9}")
    for b, f in zip(before, after):
        m = b.level.measured
        got = [(m["output_tokens_per_s"], b.predicted["output_tokens_per_s"], f.predicted["output_tokens_per_s"]),
               (m["itl_ms"]["mean"], b.predicted["itl_ms"]["mean"], f.predicted["itl_ms"]["mean"]),
               (m["ttft_ms"]["p50"], b.predicted["ttft_ms"]["p50"], f.predicted["ttft_ms"]["p50"])]
        for k, (mv, bv, fv) in zip(errs, got):
            errs[k][0].append(abs(bv / mv - 1))
            errs[k][1].append(abs(fv / mv - 1))
        lv = f"C={b.level.concurrency} {b.level.prompt_tokens}/{b.level.output_tokens}"
        print(f"{lv:<28}" + "".join(f"{x:>9,.0f}" if i % 3 else f"{x:>15,.0f}" if i == 0 else f"{x:>9,.1f}"
                                     for i, x in enumerate(v for t in got for v in t)))
    for k, (bb, ff) in errs.items():
        print(f"median |error| {k}: before {statistics.median(bb):.1%}, after {statistics.median(ff):.1%} (seen)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
