"""llama.cpp's -ngl / -nkvo in ``kvplan fit`` and ``kvplan size`` (issue 23): what the GPU and host
memory each hold, weights and the cache (fit: of one request of the max model length; size: of
the --ctx and --batch asked); the exact figures are in --json."""
from __future__ import annotations

from ..units import both, ints


def placement_sheet(r):
    cap, p = r.capacity, r.capacity.detail["placement"]
    return sheet(p, p["kv_gpu_bytes_per_request"], p["kv_host_bytes_per_request"],
                 f"KV, {ints(cap.max_model_len)} tok")


def size_placement_sheet(r):
    p = r.placement
    return sheet(p, p["kv_gpu_bytes"], p["kv_host_bytes"], "KV" if r.batch == 1 else f"KV, batch {ints(r.batch)}")


def sheet(p: dict, kv_gpu: int, kv_host: int, kv_title: str):
    from .sheet import Col, Sheet

    n, first = p["n_layer"], p["first_gpu_layer"]
    gpu_layers = f"{first}-{n - 1}" if p["gpu_layers"] else "none"
    host_layers = f"0-{first - 1}" if first else "none"
    rows = [{"device": "GPU", "layers": gpu_layers + (" + output" if p["output_on_gpu"] else ""),
             "weights": p["weights_gpu_bytes"], "kv": kv_gpu},
            {"device": "host", "layers": host_layers + ("" if p["output_on_gpu"] else " + output")
             + " + input", "weights": p["weights_host_bytes"], "kv": kv_host}]
    kv = "KV on the layers' devices" if p["kv_offload"] else "KV all in host memory (-nkvo)"
    title = f"layer placement (-ngl {p['n_gpu_layers']} of {n} + 1; {kv})"
    cols = [Col("device", "device", left=True), Col("layers", "layers", left=True),
            Col("weights", "weights", both), Col("kv", kv_title, both)]
    return Sheet(cols, rows, [title])
