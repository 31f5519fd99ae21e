"""What a deployment costs and moves: GPU hourly prices (``model_specs/gpu_prices.yaml`` or the
user's ``--prices`` file) and the KV links between prefill and decode pools
(``model_specs/links.yaml``), each row with its source. ``kvplan plan`` (plan/deploy.py) ranks
by these."""
from __future__ import annotations

import functools
import math
from pathlib import Path

from ..errors import KvplanError

NODE_GPUS = 8  # GPUs a node's NVLink domain and its NIC serve
LINKS = ("auto", "nvlink", "infiniband", "ethernet")


def load_prices(path: str | Path | None = None) -> dict:
    """{gpu name: (usd per hour, source)} from ``model_specs/gpu_prices.yaml`` or a user file of
    the same shape (``prices: {name: {usd_per_hour, source?}}``)."""
    from ..sources import catalog
    from ..sources.readers import load_yaml

    p = Path(path) if path else catalog.specs_dir() / "gpu_prices.yaml"
    try:
        doc = load_yaml(p, "price table")  # the project's one YAML reader: UTF-8, depth-capped
    except KvplanError as e:
        raise KvplanError(f"--prices: {e}") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("prices"), dict):
        raise KvplanError(f"--prices: {p} needs a 'prices:' map of GPU name -> usd_per_hour")
    out = {}
    for name, row in doc["prices"].items():
        v = row.get("usd_per_hour") if isinstance(row, dict) else row
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not v > 0 or not math.isfinite(v):
            raise KvplanError(f"--prices: {p}: {name}: usd_per_hour must be a number > 0, got {v!r}")
        try:
            gname = catalog.load_gpu(str(name)).name
        except KvplanError:
            raise KvplanError(f"--prices: {p}: unknown GPU '{name}' (see kvplan gpus)") from None
        src = (row.get("source") if isinstance(row, dict) else None) or doc.get("source") or str(p)
        out[gname] = (float(v), src)
    return out


@functools.lru_cache(maxsize=None)
def load_links() -> dict:
    import yaml

    from ..sources import catalog

    return yaml.safe_load((catalog.specs_dir() / "links.yaml").read_text())["links"]


def link_seconds(link: str, gpu, rank_bytes: int, links: dict | None = None) -> float:
    """Seconds to move one request's KV: ``rank_bytes`` on every prefill rank, in parallel."""
    links = links or load_links()
    if link == "nvlink":
        if not gpu.interconnect_bytes_per_s or "nvlink" not in (gpu.interconnect or "").lower():
            raise KvplanError(f"{gpu.name} has no NVLink in the catalog; use --link infiniband or ethernet")
        return rank_bytes / (gpu.interconnect_bytes_per_s / 2)
    if link == "infiniband":
        return rank_bytes / links["infiniband"]["per_gpu_bytes_per_s"]
    if link == "ethernet":  # the node's NIC is shared by its GPUs
        return rank_bytes * NODE_GPUS / links["ethernet"]["per_node_bytes_per_s"]
    raise KvplanError(f"--link must be one of {', '.join(LINKS)}, got '{link}'")
