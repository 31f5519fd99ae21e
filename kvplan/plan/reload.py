"""Bringing a prefix back from a KV tier beside recomputing it (issue 23): for each tier of
``kvplan fit``'s KV tiers, the seconds to copy a prefix's cache to the GPU over the GPU's host
link (model_specs/host_links.yaml: PCIe generation or NVLink-C2C, sourced, one direction at the
link's peak, so a lower bound), and the seconds kvplan's step model takes to prefill the same
prefix (plan/latency OpLatency.prefill, batch 1). Each TP rank copies its own share over its own
link, in parallel; a tier's bytes per token per rank are its host bytes over its tokens.

A disk tier (LMCache's local_disk) is read through host memory and then the link: the node's
one NVMe drive (model_specs/host_links.yaml ``disks``, a datasheet's sequential read) serves
every rank's share at once, so its time is the larger of the node's bytes over the drive and a
rank's bytes over its link (the two pipelined).
"""
from __future__ import annotations

from functools import lru_cache

from ..errors import KvplanError


@lru_cache(maxsize=1)
def _links() -> dict:
    import yaml

    from ..sources.catalog import specs_dir

    return yaml.safe_load((specs_dir() / "host_links.yaml").read_text())


def link_bytes_per_s(gpu_name: str) -> tuple[int, str, str]:
    """(bytes per second host to GPU, the link's name, its source) for a catalog GPU."""
    d = _links()
    g = d["gpus"].get(gpu_name)
    if g is None or not g.get("link"):
        raise KvplanError(f"no sourced host link for {gpu_name} (model_specs/host_links.yaml)")
    ln = d["links"][g["link"]]
    if "bytes_per_s" in ln:
        bw = int(ln["bytes_per_s"])
    else:  # GT/s a lane × lanes × payload bits / line bits / 8 bits a byte
        num, den = ln["encoding"]
        bw = ln["gt_per_s"] * 10**9 * ln["lanes"] * num // (den * 8)
    return bw, g["link"], f"{g['source']}; {ln['source']}"


def disk_bytes_per_s() -> tuple[int, str, str]:
    """(bytes per second, what drive, its source) of the local disk a KV tier spills to."""
    d = _links()
    disk = d["disks"][d["disk"]]
    return int(disk["bytes_per_s"]), disk["text"], disk["source"]


def seconds(bytes_per_rank: int, tp: int, link_bw: int, disk: bool = False) -> float:
    """The time to bring ``bytes_per_rank`` back to each of ``tp`` ranks: over each rank's link
    in parallel, and from a disk tier also through the node's one drive."""
    t = bytes_per_rank / link_bw
    return max(t, bytes_per_rank * tp / disk_bytes_per_s()[0]) if disk else t


def reload(spec, gpu, tp: int, kv_dtype: str | None, engine: str, tiers: list[tuple[str, int]],
           prefix: int) -> dict:
    """``tiers``: (name, bytes per token per rank[, "disk"]) of each tier a prefix can come back
    from."""
    from .latency.step import OpLatency

    bw, link, src = link_bytes_per_s(gpu.name)
    recompute = OpLatency(spec, gpu, tp, kv_dtype, None, engine=engine).prefill(prefix, 1).seconds
    rows = [{"tier": t[0], "bytes_per_token_per_rank": t[1], "bytes_per_rank": t[1] * prefix,
             "seconds": seconds(t[1] * prefix, tp, bw, t[2:] == ("disk",))} for t in tiers]
    out = {"prefix_tokens": prefix, "link": link, "link_bytes_per_s": bw, "link_source": src,
            "recompute_seconds": recompute, "tiers": rows,
            "note": "copy at the link's peak, one direction, each rank over its own link (a lower bound); "
                    "recompute: kvplan's prefill of the prefix alone at batch 1"}
    if any(t[2:] == ("disk",) for t in tiers):
        dbw, drive, dsrc = disk_bytes_per_s()
        out.update(disk_bytes_per_s=dbw, disk=drive, disk_source=dsrc)
    return out
