"""The KV tiers beside the GPU's pool in ``kvplan fit`` (issue 23): tokens each tier holds and
its memory per GPU (rank) and per node; the exact bytes and the rules' notes are in --json."""
from __future__ import annotations

from ..units import both, ints


def tiers_sheet(r):
    from .sheet import Col, Sheet

    cap, t = r.capacity, r.capacity.detail["cpu_offload"]
    world = t.get("world_size") or r.tp * r.pp
    rows = [{"tier": "GPU (KV pool)", "tokens": cap.kv_cache_tokens, "rank": r.kv_budget_bytes,
             "node": r.kv_budget_bytes * world}]
    if t.get("cpu_tokens") is not None:
        rows.append({"tier": "CPU (host)", "tokens": t["cpu_tokens"], "rank": t["host_bytes_per_rank"],
                     "node": t["host_bytes_per_node"]})
    if t.get("disk_tokens"):
        rows.append({"tier": "disk", "tokens": t["disk_tokens"], "rank": t["disk_bytes_per_rank"],
                     "node": t["disk_bytes_per_node"]})
    how = t.get("connector", "")
    if t.get("mode"):
        how += f", {t['mode']}, chunks of {t['chunk_size']} tokens"
    cols = [Col("tier", "tier", left=True), Col("tokens", "tokens", ints),
            Col("rank", "per GPU", both), Col("node", f"per node ({world} GPUs)", both, drop=1)]
    return Sheet(cols, rows, [f"KV tiers ({t['backend']}: {how})"])


def reload_sheet(r):
    """Bringing a prefix back from each tier beside recomputing it (plan/reload.py)."""
    from .sheet import Col, Sheet

    rl = r.capacity.detail["cpu_offload"]["reload"]
    rows = [{"tier": "recompute (prefill)", "bytes": None, "ms": rl["recompute_seconds"] * 1e3}]
    rows += [{"tier": f"copy from {t['tier']}", "bytes": t["bytes_per_rank"], "ms": t["seconds"] * 1e3}
             for t in rl["tiers"]]
    cols = [Col("tier", "way back", left=True), Col("bytes", "bytes per GPU", lambda v: "-" if v is None else both(v)),
            Col("ms", "ms", lambda v: f"{v:,.1f}")]
    gbs = rl["link_bytes_per_s"] / 1e9
    lines = [f"local disk: one drive a node, read by every GPU's share at once, "
             f"{rl['disk_bytes_per_s'] / 1e9:.1f} GB/s ({rl['disk']})"] if "disk_bytes_per_s" in rl else []
    return Sheet(cols, rows, [f"a {ints(rl['prefix_tokens'])}-token prefix back on the GPU "
                              f"({rl['link']}, {gbs:.1f} GB/s each way, at peak)"], lines)


def reuse_sheet(r):
    """Prefix hits of a trace per tier (plan/reuse.py)."""
    from .sheet import Col, Sheet

    u = r.capacity.detail["reuse"]
    rows = [{"tier": t["tier"], "cap": t["capacity_tokens"], "hit": t["hit_tokens"],
             "share": t["hit_tokens"] / u["prompt_tokens"]} for t in u["tiers"]]
    rows.append({"tier": "recomputed", "cap": None, "hit": u["missed_tokens"],
                 "share": u["missed_tokens"] / u["prompt_tokens"]})
    cols = [Col("tier", "prompt tokens from", left=True),
            Col("cap", "tier tokens", lambda v: "-" if v is None else ints(v)),
            Col("hit", "tokens", ints), Col("share", "share", lambda v: f"{v:.1%}")]
    cut = u.get("outputs_cut")
    return Sheet(cols, rows, [f"prefix reuse: {ints(u['requests'])} requests of the trace, blocks of "
                              f"{u['block_size']} tokens, LRU per tier (an upper bound)"
                              + (f"; {ints(cut)} requests' output cut to fit max_model_len "
                                 f"{ints(r.capacity.max_model_len)} (as vLLM caps max_tokens)" if cut else "")])
