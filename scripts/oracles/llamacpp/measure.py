#!/usr/bin/env python3
"""Run the oracle over every GGUF made by make_gguf.py and write llamacpp_golden.json.

  measure.py <gguf_dir> <out_json> [--configs A,B,...]

Each case string is  n_ctx:type_k:type_v:fa:n_ubatch:n_seq_max:swa_full:kv_unified[:n_batch]
(n_batch defaults to 2048 = llama-server default).
"""
from __future__ import annotations

import argparse
import datetime
import json
import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ORACLE = Path(os.environ.get("ORACLE_BIN", str(HERE / "build" / "oracle")))

# llama-server defaults used as the base: -fa on, -ub 512, -b 2048, --parallel 1 (explicit; kv_unified stays
# false), --swa-full off, -ctk/-ctv f16.
BASE = dict(fa="on", ub=512, np=1, swa_full=0, kvu=0, nb=2048)


def case(n_ctx, tk="f16", tv="f16", fa="on", ub=512, np_=1, swa_full=0, kvu=0, nb=2048, tag=""):
    return (f"{n_ctx}:{tk}:{tv}:{fa}:{ub}:{np_}:{swa_full}:{kvu}:{nb}", tag)


def case_matrix():
    cs = []
    for n in (512, 4096, 8192, 32768):
        for t in ("f16", "q8_0", "q4_0"):
            cs.append(case(n, t, t, tag=f"server-defaults ctx={n} cache={t}"))
    # other cache types (row-size rules)
    for t in ("bf16", "f32", "q4_1", "q5_0", "q5_1", "iq4_nl"):
        cs.append(case(4096, t, t, tag=f"cache type {t}"))
    cs.append(case(4096, "q8_0", "f16", tag="quantized K only"))
    # flash attention off: V stored transposed; quantized V rejected
    cs.append(case(4096, fa="off", tag="fa off (v_trans)"))
    cs.append(case(32768, fa="off", tag="fa off (v_trans) long"))
    cs.append(case(4096, "q8_0", "f16", fa="off", tag="fa off, quantized K only"))
    cs.append(case(4096, "q8_0", "q8_0", fa="off", tag="fa off + quantized V (expected error)"))
    cs.append(case(4096, fa="auto", tag="fa auto"))
    # padding of n_ctx
    cs.append(case(5000, tag="n_ctx padding (5000)"))
    cs.append(case(100, tag="n_ctx padding (100, n_batch clamp)"))
    # parallel / unified
    cs.append(case(8192, np_=4, tag="--parallel 4 (kv_unified=false, 4 streams)"))
    cs.append(case(32768, np_=4, tag="--parallel 4 long"))
    cs.append(case(5000, np_=3, tag="--parallel 3 with n_ctx 5000 (per-seq padding)"))
    cs.append(case(8192, np_=4, kvu=1, tag="llama-server default --parallel auto (=4, kv_unified=true)"))
    cs.append(case(32768, np_=4, kvu=1, tag="--parallel 4 --kv-unified long"))
    # swa_full
    cs.append(case(8192, swa_full=1, tag="--swa-full"))
    cs.append(case(32768, swa_full=1, tag="--swa-full long"))
    # n_ubatch influence on SWA cells
    cs.append(case(32768, ub=2048, tag="-ub 2048"))
    cs.append(case(32768, ub=128, tag="-ub 128"))
    # n_ctx = 0 -> n_ctx_train
    cs.append(case(0, tag="n_ctx=0 (train ctx)"))
    return cs


def run_oracle(gguf: Path, cases: list[str]):
    r = subprocess.run([str(ORACLE), "measure", str(gguf), *cases], capture_output=True, text=True)
    outs = []
    for line in r.stdout.splitlines():
        line = line.strip()
        if line.startswith("{"):
            outs.append(json.loads(line))
    return outs, r.returncode, r.stderr[-2000:]


def slim(rec: dict, keep_per_layer: bool) -> dict:
    out = {}
    for k, v in rec.items():
        if k == "caches":
            cs = []
            for c in v:
                c = dict(c)
                c["cells_total"] = c["cells"] * c.get("n_stream", 1)
                if not keep_per_layer:
                    c.pop("per_layer", None)
                cs.append(c)
            out[k] = cs
        elif k == "model":
            continue
        else:
            out[k] = v
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("gguf_dir")
    ap.add_argument("out_json")
    ap.add_argument("--configs")
    a = ap.parse_args()
    gdir = Path(a.gguf_dir)
    metas = sorted(gdir.glob("*.meta.json"))
    if a.configs:
        want = set(a.configs.split(","))
        metas = [m for m in metas if m.name[: -len(".meta.json")] in want]
    cases = case_matrix()
    records, models, failures = [], {}, []
    for mp in metas:
        meta = json.loads(mp.read_text())
        name = meta["config"]
        if meta.get("status") != "ok":
            failures.append({"config": name, "stage": meta.get("status"), "error": meta.get("error")})
            models[name] = {k: meta.get(k) for k in ("status", "error", "hf_arch", "config_file")}
            print(f"[skip] {name}: {meta.get('status')}: {str(meta.get('error'))[:200]}", file=sys.stderr)
            continue
        gguf = gdir / f"{name}.gguf"
        # run in chunks so that one crashing case does not lose the others
        outs = []
        for cs, tag in cases:
            o, rc, err = run_oracle(gguf, [cs])
            if not o:
                failures.append({"config": name, "case": cs, "stage": "oracle", "rc": rc, "stderr_tail": err[-600:]})
                print(f"[fail] {name} {cs} rc={rc}", file=sys.stderr)
                continue
            o[0]["tag"] = tag
            outs.append(o[0])
        if outs:
            m0 = outs[0]["model"]
            models[name] = {
                "gguf_arch": meta["gguf_arch"], "hf_arch": meta["hf_arch"], "convert_class": meta["convert_class"],
                "config_patches": meta.get("config_patches"), "set_overrides": meta.get("set_overrides"),
                "gguf_metadata_written_by_convert": {k: v for k, v in meta["metadata"].items()
                                                      if not k.startswith("tokenizer.") and not k.startswith("general.")},
                "llama_hparams": m0,
                "model_load_log_lines": outs[0].get("model_log_lines", []),
            }
        first_per_layer = True
        for o in outs:
            o.pop("model_log_lines", None)
            keep = first_per_layer and o["case"].startswith("4096:f16:f16:on")
            if keep:
                first_per_layer = False
            r = slim(o, keep)
            r["config"] = name
            if "caches" in r:
                r["total_kv_bytes"] = sum(c["total_bytes"] for c in r["caches"])
                r["total_buffer_bytes"] = sum(c["buffer_bytes"] for c in r["caches"])
            records.append(r)
        print(f"[ok] {name}: {len(outs)} cases", file=sys.stderr)

    # order keys of each record as requested in the brief
    order = ["config", "tag", "case", "n_ctx_requested", "n_ctx_used", "n_ctx_seq", "cache_type_k", "cache_type_v",
             "flash_attn_requested", "flash_attn_used", "n_ubatch_requested", "n_ubatch_used", "n_batch", "n_batch_used",
             "n_seq_max", "kv_unified", "swa_full", "memory_class", "caches", "total_kv_bytes", "total_buffer_bytes",
             "memory_breakdown_bytes", "llama_get_memory_breakdown", "error", "no_alloc", "log_lines"]
    records = [{k: r[k] for k in order if k in r} | {k: v for k, v in r.items() if k not in order} for r in records]

    build_flags = "-DCMAKE_BUILD_TYPE=Release -DBUILD_SHARED_LIBS=OFF -DGGML_NATIVE=OFF -DLLAMA_CURL=OFF -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_TOOLS=OFF -DLLAMA_BUILD_SERVER=OFF -DLLAMA_BUILD_COMMON=ON -DGGML_OPENMP=OFF"
    doc = {
        "metadata": {
            "llama_cpp": "vendored in llama-cpp-python 0.3.36 (PyPI sdist, vendor/llama.cpp); CHANGELOG: 'update llama.cpp to ggml-org/llama.cpp@0c1e57098'",
            "llama_cpp_commit": "0c1e57098",
            "build": f"cmake {build_flags}; cmake --build --target llama -j2; oracle.cpp linked statically (g++ -std=c++17 -O1)",
            "backend": "CPU only (no GPU backend compiled); KV buffers are the CPU buffer type",
            "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
            "method": ("model loaded with llama_model_params.no_alloc=true (weights never read; GGUF built from the config "
                       "by llama.cpp's own conversion code + tensor infos discovered from llama.cpp's loader errors); "
                       "context created with llama_init_from_model -> real llama_context / llama_model::create_memory / "
                       "llama_kv_cache(_iswa) / llama_memory_hybrid / llama_memory_recurrent constructors. Bytes: "
                       "k_bytes/v_bytes = sum of ggml_nbytes of the per-layer K/V tensors (what the 'llama_kv_cache: size = ...' "
                       "log line sums); buffer_bytes = the cache's memory_breakdown() = ggml_backend_alloc_ctx_tensors_from_buft_size "
                       "(exact bytes a real allocation takes, alignment included). Note: with no_alloc the log line "
                       "'CPU KV buffer size = 0.00 MiB' is printed because only a dummy buffer is created; the recurrent "
                       "state (llama_memory_recurrent) is really allocated even with no_alloc."),
            "commands": [
                "./build_oracle.sh",
                "for c in /work/shared/hf_configs/*.json; do .venv/bin/python make_gguf.py $c /tmp/kvo/gguf; done",
                ".venv/bin/python make_gguf.py /work/shared/hf_configs/falcon-7b.json /tmp/kvo/gguf --name falcon-7b@head_count_kv=1 --set falcon.attention.head_count_kv=1",
                ".venv/bin/python measure.py /tmp/kvo/gguf llamacpp_golden.json",
            ],
            "case_format": "n_ctx:type_k:type_v:flash_attn(on|off|auto):n_ubatch:n_seq_max:swa_full:kv_unified:n_batch",
            "server_defaults_note": ("llama-server (tools/server/server.cpp) defaults: -fa auto (resolves to on when the "
                                     "backend supports FA; forced 'on' here), -ub 512, -b 2048, --parallel -1 = auto -> "
                                     "n_parallel=4 AND kv_unified=true; an explicit --parallel N leaves kv_unified=false "
                                     "(N streams). --swa-full off. --fit on by default may shrink an UNSET n_ctx to fit "
                                     "device memory (not modelled: every case here sets n_ctx explicitly except n_ctx=0)."),
        },
        "crosscheck_real_allocation": (lambda p: {"file": "crosscheck.json", "all_match": json.loads(p.read_text())["all_match"],
                                                  "n_cases": len(json.loads(p.read_text())["rows"])} if p.exists() else None)(HERE / "crosscheck.json"),
        "field_notes": {
            "caches[].cells": "cells per stream (llama_kv_cache::get_size()); cells_total = cells * n_stream",
            "caches[].n_stream": "1 if kv_unified else n_seq_max (separate K/V planes per sequence)",
            "caches[].k_bytes/v_bytes": "sum over the cache's layers of ggml_nbytes(K) / ggml_nbytes(V); for kind=recurrent: k_bytes = conv state R, v_bytes = SSM state S (both f32)",
            "caches[].buffer_bytes": "llama_kv_cache::memory_breakdown() = bytes of the backend buffer(s) (alignment included)",
            "caches[].k_row_elems/v_row_elems": "ne0 of the K/V tensors (n_embd_k_gqa / n_embd_v_gqa, or n_embd_v_gqa_max when V is transposed); -1 if it varies per layer",
            "caches[].per_layer": "only kept in the first '4096:f16:f16:on' record of each config",
            "memory_breakdown_bytes": "llama_memory_i::memory_breakdown() summed (all caches)",
            "llama_get_memory_breakdown": "llama-ext.h API summed over buffer types; 'context' = memory (KV + recurrent) bytes, 'model' = weights (F32 dummy weights here: meaningless), 'compute' = compute buffers (CPU, meaningless for GPU)",
            "log_lines": "verbatim llama.cpp log lines about the context/KV (per-layer 'dev = CPU' lines dropped); note 'CPU KV buffer size = 0.00 MiB' is an artefact of no_alloc",
        },
        "models": models,
        "failures": failures,
        "records": records,
    }
    Path(a.out_json).write_text(json.dumps(doc, indent=1))
    print(f"wrote {a.out_json}: {len(records)} records, {len(failures)} failures", file=sys.stderr)


if __name__ == "__main__":
    main()
