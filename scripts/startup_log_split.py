"""The held-out split of the public start-up logs (issue 20), made before any constant is tuned.

    python scripts/startup_log_split.py        # rewrites tests/data/startup_logs_split.json

Unit: the source URL (every row from one URL lands on the same side). A row is scored when it
has kvplan inputs, is not marked ``excluded`` and is not a V0-engine log. Every URL of the first
collection (batch 2026-12-01) goes to the fit side: kvplan's current defaults
(engines/vllm_memory.py NON_TORCH_*, CUDA_GRAPH_BYTES) were fitted to those logs, so they cannot
be held out. The other URLs are sorted, shuffled with ``random.Random(SEED)``, then each goes to
the side with fewer scored rows so far (ties: fewer URLs, then held-out). It reads only what the
rows state (URL, batch, engine, kvplan inputs, exclusion), never an error.
"""
from __future__ import annotations

import json
import random
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data"
FILES = ("vllm_startup_logs.json", "sglang_startup_logs.json")
OUT = DATA / "startup_logs_split.json"
SEED = 20_2026_12_06  # issue 20, the day the split was made


def all_logs() -> list[dict]:
    return [e for f in FILES for e in json.loads((DATA / f).read_text())["logs"]]


def scored(e: dict) -> bool:
    return "kvplan" in e and not e.get("excluded") and e.get("engine") != "V0"


def split() -> dict:
    count: dict[str, int] = {}
    first: set[str] = set()
    for e in all_logs():
        count[e["url"]] = count.get(e["url"], 0) + scored(e)
        if e.get("batch") == "2026-12-01":
            first.add(e["url"])
    sides = {"held_out": [], "fit": sorted(first)}
    n = {"held_out": 0, "fit": sum(count[u] for u in first)}
    urls = sorted(set(count) - first)
    random.Random(SEED).shuffle(urls)
    for u in urls:
        key = {k: (n[k], len(sides[k]), k != "held_out") for k in sides}
        side = min(sides, key=key.get)
        sides[side].append(u)
        n[side] += count[u]
    return {"seed": SEED, "method": " ".join(__doc__.split("\n\n")[2].split()),
            "files": list(FILES), "scored_rows": n,
            "held_out_urls": sorted(sides["held_out"]), "fit_urls": sorted(sides["fit"])}


if __name__ == "__main__":
    OUT.write_text(json.dumps(split(), indent=1) + "\n")
    print(f"wrote {OUT}")
