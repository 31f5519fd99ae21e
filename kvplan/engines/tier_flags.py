"""Parsing of issue 23's host-tier flags of SGLang (--enable-hierarchical-cache, --hicache-ratio,
--hicache-size, --hicache-storage-backend) and llama.cpp (-ngl, -nkvo) into ServeOptions, each
under its engine's own name; one clear KvplanError for bad input."""
from __future__ import annotations

from ..errors import KvplanError
from ..model.frozen import replace


def n_gpu_layers(text: str | None) -> int | None:
    """llama.cpp's -ngl: a number of layers (the output layer counts as one), 'all' or 'auto'
    (common/arg.cpp; kvplan reads both as every layer: 'auto' fits layers to free memory at start-up,
    which kvplan does not model)."""
    if text is None:
        return None
    t = text.strip().lower()
    if t in ("all", "auto", "-1"):
        return None
    if not t.isdigit():
        raise KvplanError(f"-ngl / --n-gpu-layers takes a number of layers, 'all' or 'auto', got '{text}'")
    return int(t)


def extras(opts, engine: str, hicache: bool, ratio, size, backend, ngl, nkvo: bool, host_memory, size_parser):
    eng = engine.strip().lower()
    sg = [n for n, v in (("--enable-hierarchical-cache", hicache or None), ("--hicache-ratio", ratio),
                         ("--hicache-size", size), ("--hicache-storage-backend", backend)) if v is not None]
    lc = [n for n, v in (("--n-gpu-layers", ngl), ("--no-kv-offload", nkvo or None)) if v is not None]
    up = {}
    if sg:
        if eng != "sglang":
            raise KvplanError(f"{', '.join(sg)}: SGLang flags; kvplan models them for --engine sglang only")
        if not hicache:
            raise KvplanError(f"{', '.join(sg)} need{'s' if len(sg) == 1 else ''} --enable-hierarchical-cache")
        if ratio is not None and size is not None:
            # SGLang takes both and lets --hicache-size win; kvplan asks for one, to be plain
            raise KvplanError("give --hicache-ratio or --hicache-size, not both (SGLang lets the size win)")
        from . import sglang_hicache

        up["hicache"] = sglang_hicache.parse(ratio, size, backend)
    if lc:
        if eng != "llamacpp":
            raise KvplanError(f"{', '.join(lc)}: llama.cpp flags; kvplan models them for --engine llamacpp only")
        up["n_gpu_layers"] = n_gpu_layers(ngl)
        up["no_kv_offload"] = nkvo
    if host_memory is not None:
        if eng != "llamacpp":  # only llama.cpp's plan reads it (engines/llamacpp.py): not dropped without a word
            raise KvplanError(f"--host-memory sizes llama.cpp's host-resident cache (-ngl, -nkvo); the {eng} plan "
                              "would ignore it (give --engine llamacpp)")
        up["host_memory"] = size_parser("--host-memory", host_memory)
    return replace(opts, **up) if up else opts
