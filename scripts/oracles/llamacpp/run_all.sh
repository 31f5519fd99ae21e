#!/bin/bash
# kvplan llama.cpp KV-cache oracle — full rerun (about 5 minutes on 2 cores once llama.cpp is built;
# the llama.cpp build itself takes ~15 min with -j2).
#
# What it does
#   1. build_oracle.sh   : pip-download llama-cpp-python==0.3.36 sdist (vendor/llama.cpp = llama.cpp 0c1e57098),
#                          cmake-build the static `llama` library (CPU, GGML_NATIVE=OFF), link oracle.cpp against it.
#   2. make_gguf.py      : for each /work/shared/hf_configs/*.json, run llama.cpp's own conversion code
#                          (conversion/*.py, i.e. convert_hf_to_gguf.py) for the metadata, discover the tensor list
#                          from llama.cpp's loader errors, write a weight-less sparse GGUF (F32 tensor infos only).
#   3. measure.py        : for every GGUF x case, create a llama_context (model loaded with no_alloc=true) and read
#                          the K/V/recurrent buffers back from llama.cpp's objects -> llamacpp_golden.json
#   4. crosscheck.sh     : reduced configs, real allocation vs no_alloc (must be identical) -> crosscheck.json
#   5. predict.py        : re-derive every record from the formulas in RULES.md (must print 0 mismatches)
# Requirements: python3.11 venv with transformers==4.57.6 numpy~=2.2.6 pyyaml sentencepiece (the versions pinned by
# llama.cpp's requirements-convert_hf_to_gguf.txt; torch is NOT needed: torchstub/ replaces it for metadata only).
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
cd "$HERE"
OUT=${OUT:-/tmp/kvo/gguf}
if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
  .venv/bin/pip install -q "transformers==4.57.6" "numpy~=2.2.6" pyyaml sentencepiece
fi
./build_oracle.sh
mkdir -p "$OUT"
for c in /work/shared/hf_configs/*.json; do .venv/bin/python make_gguf.py "$c" "$OUT" 2>/dev/null | tail -1; done
# variants: falcon-7b as MQA (published GGUFs have head_count_kv=1), Mistral with a hand-added sliding_window key
.venv/bin/python make_gguf.py /work/shared/hf_configs/falcon-7b.json "$OUT" --name falcon-7b@head_count_kv=1 \
    --set falcon.attention.head_count_kv=1 2>/dev/null | tail -1
.venv/bin/python make_gguf.py /work/shared/hf_configs/Mistral-7B-v0.1.json "$OUT" --name Mistral-7B-v0.1@sliding_window=4096 \
    --set llama.attention.sliding_window=4096 2>/dev/null | tail -1
./crosscheck.sh /tmp/kvo/small
.venv/bin/python measure.py "$OUT" llamacpp_golden.json
python3 predict.py llamacpp_golden.json
