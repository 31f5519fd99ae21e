#!/usr/bin/env python3
"""Independent re-derivation of every record in llamacpp_golden.json from the rules in RULES.md.

  predict.py llamacpp_golden.json      -> prints mismatches, exits 1 if any

Only per-model facts are taken from the golden file's "models[...].llama_hparams" (what llama.cpp parsed from the
GGUF: per-layer n_embd_k_gqa / n_embd_v_gqa / n_head_kv, n_swa, SWA layers, recurrent layers, n_embd_r/s,
n_ctx_train, is_mla); everything else (n_ctx padding, cell counts, streams, bytes) is recomputed here.
"""
import json
import sys

# ggml block size / bytes per block (ggml/src/ggml.c type_traits)
TYPES = {"f32": (1, 4), "f16": (1, 2), "bf16": (1, 2), "q8_0": (32, 34), "q4_0": (32, 18), "q4_1": (32, 20),
         "q5_0": (32, 22), "q5_1": (32, 24), "iq4_nl": (32, 18)}


def pad(x, m):
    return (x + m - 1) // m * m


def row_bytes(t, n):
    b, s = TYPES[t]
    assert n % b == 0
    return n // b * s


def predict(hp, case):
    n_ctx_req, tk, tv, fa, ub, np_, swa_full, kvu, nb = case.split(":")
    n_ctx_req, ub, np_, swa_full, kvu, nb = int(n_ctx_req), int(ub), int(np_), swa_full == "1", kvu == "1", int(nb)
    if hp["is_mla"] and tk != tv:
        return {"error": "different K/V types not supported with MLA"}
    if fa == "off" and TYPES[tv][0] > 1:
        return {"error": "quantized V needs FA"}
    n_ctx = n_ctx_req or hp["n_ctx_train"]
    n_batch = min(n_ctx, nb)                 # causal attention: n_batch clamped BEFORE padding
    n_ubatch = min(n_batch, ub)
    n_ctx = pad(n_ctx, 256)
    if kvu:
        n_ctx_seq = n_ctx
    else:
        n_ctx_seq = pad(n_ctx // np_, 256)
        n_ctx = n_ctx_seq * np_
    n_stream = 1 if kvu else np_
    v_trans = fa == "off"
    L = hp["n_layer"]
    recr = set(hp["recurrent_layers"])
    swa = set(hp["swa_layers"])
    attn = [il for il in range(L) if il not in recr and hp["n_head_kv"][il] > 0]
    v_max = max(hp["n_embd_v_gqa"])
    caches = []

    def kv(kind, layers, cells):
        kb = sum(n_stream * cells * row_bytes(tk, hp["n_embd_k_gqa"][il]) for il in layers)
        vb = 0 if hp["is_mla"] else sum(n_stream * cells * row_bytes(tv, v_max if v_trans else hp["n_embd_v_gqa"][il]) for il in layers)
        return {"kind": kind, "cells": cells, "layers": len(layers), "k_bytes": kb, "v_bytes": vb}

    if hp["n_swa"] > 0 and swa and hp["swa_type"] != 0:
        base = [il for il in attn if il not in swa]
        sl = [il for il in attn if il in swa]
        swa_cells = n_ctx_seq if swa_full else pad(min(n_ctx_seq, hp["n_swa"] * (np_ if kvu else 1) + n_ubatch), 256)
        caches += [kv("kv", base, n_ctx_seq), kv("kv_swa", sl, swa_cells)]
    else:
        caches.append(kv("kv", attn, n_ctx_seq))
    if recr:
        cells = max(1, np_)
        rb = sum(cells * hp["n_embd_r"] * 4 for _ in recr)
        sb = sum(cells * hp["n_embd_s"] * 4 for _ in recr)
        caches.append({"kind": "recurrent", "cells": cells, "layers": len(recr), "k_bytes": rb, "v_bytes": sb})
    return {"n_ctx_used": n_ctx, "n_ctx_seq": n_ctx_seq, "n_ubatch_used": n_ubatch, "caches": caches}


def main():
    d = json.load(open(sys.argv[1]))
    bad = 0
    n = 0
    for r in d["records"]:
        hp = d["models"][r["config"]]["llama_hparams"]
        p = predict(hp, r["case"])
        n += 1
        if "error" in p or "error" in r:
            if ("error" in p) != ("error" in r):
                bad += 1
                print("ERR-MISMATCH", r["config"], r["case"], p.get("error"), r.get("error"))
            continue
        got = {"n_ctx_used": r["n_ctx_used"], "n_ctx_seq": r["n_ctx_seq"], "n_ubatch_used": r["n_ubatch_used"],
               "caches": [{k: c[k] for k in ("kind", "cells", "layers", "k_bytes", "v_bytes")} for c in r["caches"]]}
        if got != p:
            bad += 1
            print("MISMATCH", r["config"], r["case"], "\n  got ", got, "\n  pred", p)
        for c in r["caches"]:
            if c["buffer_bytes"] != c["total_bytes"]:
                print("NOTE buffer != sum(nbytes)", r["config"], r["case"], c["kind"], c["buffer_bytes"], c["total_bytes"])
    print(f"{n} records checked, {bad} mismatches")
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
