#!/usr/bin/env python3
"""Extra golden records that exercise page-size rounding (SGLang resolves page_size=1 by default
on CUDA for every config here). Same machinery as measure_sglang_kv.py (imported from it), plus
`--page-size N` on the SGLang command line. Run AFTER measure_sglang_kv.py; merges the records
into sglang_golden.json under "page_size_variant_records".

    . venv/bin/activate && python measure_page_size_variants.py
"""
import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import measure_sglang_kv as M  # noqa: E402

CONFIGS = ["Llama-3.1-8B", "Qwen3-8B", "DeepSeek-V3", "gpt-oss-20b", "Llama-4-Scout-17B-16E-Instruct",
           "gemma-4-26B-A4B", "Nemotron-3-Nano-30B-A3B", "Nemotron-H-56B-Base-8K"]
PAGES = [16, 64]


def worker(name, page):
    M.TPS = [1, 8]
    M.KV_DTYPES = ["auto", "fp8_e4m3"]
    M.POOL_BYTES = [8 << 30]
    orig = M._resolve
    M._resolve = lambda n, extra: orig(n, extra + ["--page-size", str(page)])
    recs = M.worker_kv(name)
    for r in recs:
        r["page_size_requested"] = page
    return recs


def main():
    if len(sys.argv) == 4 and sys.argv[1] == "--worker":
        print("@@JSON@@" + json.dumps(worker(sys.argv[2], int(sys.argv[3])), default=str))
        return
    h = M.GPUS["H100-80GB"]
    env = dict(os.environ, FAKE_GPU_MEM_MIB=str(h[0]), FAKE_GPU_CAP="%d,%d" % h[1], FAKE_GPU_NAME=h[2])

    def run(case):
        n, p = case
        out = subprocess.run([sys.executable, os.path.abspath(__file__), "--worker", n, str(p)],
                             capture_output=True, text=True, env=env, timeout=600)
        for line in out.stdout.splitlines()[::-1]:
            if line.startswith("@@JSON@@"):
                return json.loads(line[8:])
        return [{"config": n, "page_size_requested": p, "status": "error", "error": out.stderr[-1500:]}]

    recs = []
    with ThreadPoolExecutor(2) as ex:
        for r in ex.map(run, [(n, p) for n in CONFIGS for p in PAGES]):
            recs.extend(r)
            print(r[0]["config"], r[0].get("page_size_requested"),
                  [(x.get("tp"), x.get("kv_dtype"), x.get("page_size"), x.get("max_total_num_tokens", x.get("status")))
                   for x in r], flush=True)
    path = os.path.join(HERE, "sglang_golden.json")
    g = json.load(open(path))
    g["page_size_variant_records"] = recs
    g["metadata"]["page_size_variants_command"] = "python measure_page_size_variants.py"
    json.dump(g, open(path, "w"), indent=1, default=str)
    print("merged", len(recs), "page-size variant records")


if __name__ == "__main__":
    main()
