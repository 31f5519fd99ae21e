#!/usr/bin/env python3
"""Re-derive every golden number in sglang_golden.json from the plain formulas in RULES.md
(no SGLang import) and report mismatches. Usage: python3 check_formulas.py"""
import json
import os

HERE = os.path.dirname(os.path.abspath(__file__))
G = json.load(open(os.path.join(HERE, "sglang_golden.json")))


def kv_tokens(r):
    b = r["kv_dtype_bytes"]
    page = r["page_size"]
    budget = r["pool_memory_bytes"]
    if r.get("is_mamba_hybrid"):
        # KVCacheConfigurator._handle_max_mamba_cache (auto-fit branch, no spec decode)
        per_req = r["mamba_cache_per_req_bytes"]
        ratio = r["mamba_full_memory_ratio"]
        rest_gb = budget / (1 << 30)
        mamba_budget_bytes = rest_gb * ratio / (1 + ratio) * (1 << 30)
        size = int((mamba_budget_bytes - per_req) // per_req)
        rest_gb -= (size + 1) * per_req / (1 << 30)
        budget = int(rest_gb * (1 << 30))
        assert size == r["max_mamba_cache_size"], (size, r["max_mamba_cache_size"])
        assert budget == r["kv_budget_after_mamba_bytes"], (budget, r["kv_budget_after_mamba_bytes"])
    if r["is_hybrid_swa"]:
        full_pt = r["kv_heads_per_rank"] * (r["head_dim"] + r["v_head_dim"]) * b
        swa_pt = r["swa_kv_heads_per_rank"] * (2 * r["swa_head_dim"]) * b
        ratio = r["swa_full_tokens_ratio"]
        cell = full_pt * r["full_layers"] + ratio * swa_pt * r["swa_layers"]
        full = int(budget // cell) // page * page
        swa = int(full * ratio) // page * page
        return cell, full, (full, swa)
    if r["is_mla"]:
        cell = r["num_effective_layers"] * (r["kv_lora_rank"] + r["qk_rope_head_dim"]) * b
    else:
        layers = len(r["full_attention_layer_ids"]) if r.get("is_mamba_hybrid") else r["num_effective_layers"]
        cell = r["kv_heads_per_rank"] * (r["head_dim"] + r["v_head_dim"]) * layers * b
    return cell, budget // cell // page * page, None


ok = bad = 0
for r in G["records"] + G.get("page_size_variant_records", []):
    if r.get("status") != "ok":
        continue
    cell, tokens, split = kv_tokens(r)
    good = tokens == r["max_total_num_tokens"] and abs(cell - r["cell_size_bytes"]) < 1e-6
    if split:
        good = good and split == (r["full_tokens"], r["swa_tokens"])
    if good:
        ok += 1
    else:
        bad += 1
        print("MISMATCH", r["config"], r["tp"], r["kv_dtype"], r["pool_memory_bytes"] >> 30,
              "formula", cell, tokens, split, "sglang", r["cell_size_bytes"], r["max_total_num_tokens"],
              r.get("full_tokens"), r.get("swa_tokens"))

# mem_fraction_static: memory_hook.handle_gpu_memory_settings (non-post-capture branch)
mok = mbad = 0
for m in G["mem_fraction_static_records"]:
    if m.get("status") != "ok":
        continue
    gpu = m["gpu_mem_mib"]
    act = max(m["chunked_prefill_size"], 2048)
    reserved = 512 + act * 1.5 + m["tp"] * 1 / 8 * 1024
    graph = m["decode_max_bs"] * 2 if "disabled" not in m["decode_graph_backend"] else 0
    if "disabled" not in m["prefill_graph_backend"]:
        graph += 1.5 * 1024 if m["use_mla_backend"] else m["prefill_num_bs"] * 8
    reserved += graph
    if gpu > 60 * 1024:
        reserved = max(reserved, 10 * 1024)
    mfs = round((gpu - reserved) / gpu, 3)
    if m.get("is_multimodal") and m.get("vision_num_hidden_layers"):
        # memory_hook.adjust_mem_fraction_for_vlm (no rounding afterwards)
        ratio = m["vision_num_hidden_layers"] * m["vision_hidden_size"] ** 2 / (24 * 1024 ** 2)
        mfs *= 0.95 * max(0.8, min(1.05, 1.0 - 0.1 * (ratio - 1.0)))
    if abs(mfs - m["mem_fraction_static"]) < 1e-12:
        mok += 1
    else:
        mbad += 1
        print("MFS MISMATCH", m["config"], m["gpu"], m["tp"], mfs, m["mem_fraction_static"])
print(f"kv records: {ok} match, {bad} mismatch; mfs records: {mok} match, {mbad} mismatch")
