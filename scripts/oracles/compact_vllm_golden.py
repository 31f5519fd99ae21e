"""Compact the vLLM planning oracle's output into tests/golden/vllm_0.33_plan.json.

    python scripts/oracles/compact_vllm_golden.py OUT_DIR [DEST]

DEST defaults to tests/golden/vllm_0.33_plan.json (the frontier models go to
tests/golden/vllm_0.33_frontier.json).

OUT_DIR holds one JSON per config written by scripts/oracles/vllm_plan_oracle.py (run in a
scratch virtual environment with vLLM 0.33.0 installed --no-deps; see that file's docstring).
Keeps, per case, what tests/engines/test_vllm_golden.py compares and nothing else.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

KEEP = ("config", "tp", "kv_cache_dtype", "max_model_len_requested", "kv_budget_bytes", "status",
        "max_model_len", "block_size", "num_gpu_blocks", "kv_cache_tokens", "max_concurrency",
        "refusal_message", "max_num_batched_tokens", "max_num_seqs", "max_in_flight_tokens",
        "attn_backends", "derived")


def compact(rec: dict) -> dict:
    out = {k: rec.get(k) for k in KEEP}
    out["groups"] = [[g.get("spec_class") or g.get("group_spec_class"), g.get("num_layers"),
                      g.get("page_size_bytes") or g.get("group_page_size_bytes"), g.get("blocks_per_request")]
                     for g in rec.get("groups") or []]
    lines = [ln for ln in rec.get("log_lines") or [] if "KV cache size" in ln]
    out["log_line"] = lines[0].split("INFO ", 1)[-1] if lines else None
    if rec.get("status") not in ("ok", "refused"):
        out["error"] = (rec.get("error") or "").splitlines()[0][:300] + " " + \
            " ".join((rec.get("error") or "").splitlines()[1:3])[:300]
    return out


def main(out_dir: str, dest: str | None = None) -> None:
    records = []
    for f in sorted(Path(out_dir).glob("*.json")):
        records += [compact(r) for r in json.loads(f.read_text())]
    meta = {"vllm": "0.33.0", "torch": "2.13.0+cpu", "measured": "2026-12-01",
            "how": "scripts/oracles/vllm_plan_oracle.py: vLLM's own engine config, model classes on "
                   "the meta device, update_block_size_for_backend, get_kv_cache_spec, "
                   "get_kv_cache_configs and update_kv_cache_capacity, with CUDA probes stubbed as "
                   "an H100 (sm90, 80 GiB); available memory = kv_budget_bytes per worker"}
    dest = Path(dest) if dest else Path(__file__).resolve().parents[2] / "tests" / "golden" / "vllm_0.33_plan.json"
    dest.write_text(json.dumps({"metadata": meta, "records": records}, indent=0) + "\n")
    print(f"{len(records)} records -> {dest}")


if __name__ == "__main__":
    main(*sys.argv[1:3])
