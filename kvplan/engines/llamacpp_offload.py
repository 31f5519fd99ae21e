"""llama.cpp's partial offload: ``-ngl N`` (layers on the GPU) and ``-nkvo`` (the KV cache in
host memory), at the commit kvplan follows (ggml-org/llama.cpp@0c1e57098, vendored in
llama-cpp-python 0.3.36; engines/llamacpp.py). Facts copied, not code:

* src/llama-model.cpp llama_model::n_gpu_layers: -ngl below 0 means every layer plus the output
  layer (n_layer + 1); common/arg.cpp: ``-ngl`` takes a number, ``all`` or ``auto`` (the default;
  auto fits layers to the free memory at start-up, which kvplan reads as all).
* llama_model_base::load_tensors: ``i_gpu_start = max(n_layer + 1 − ngl, 0)``; layer ``il`` (the
  output layer is il = n_layer) is on the GPU when il ≥ i_gpu_start, else on the CPU: -ngl N puts
  the output layer and the LAST N − 1 repeating layers on the GPU. The input layer (token
  embeddings) is always on the CPU ("there is very little benefit to offloading the input
  layer"). A tied output matrix is a duplicate of the token embeddings on the output's device.
* src/llama-kv-cache.cpp llama_kv_cache::llama_kv_cache: layer il's K and V live on
  ``model.dev_layer(il)`` when ``offload`` (cparams.offload_kqv, true unless -nkvo), else in a
  CPU buffer: -nkvo keeps the whole cache in host memory; with -ngl the CPU layers' cache is in
  host memory too.
Not counted: llama.cpp's compute buffers on either side (tens to hundreds of MiB).
"""
from __future__ import annotations

from ..errors import KvplanError
from ..model.frozen import record
from ..model.spec import compress_pattern


@record
class Placement:
    """Where each part of the model lives for one -ngl / -nkvo setting."""

    n_layer: int
    n_gpu_layers: int  # as llama.cpp counts them: the output layer is one
    i_gpu_start: int  # the first repeating layer on the GPU
    gpu_layers: int  # repeating layers on the GPU
    output_on_gpu: bool
    kv_on_gpu: bool  # False with -nkvo
    gpu_params: int
    host_params: int


def place(spec, ngl: int | None, no_kv_offload: bool) -> Placement:
    n = spec.num_layers
    eff = n + 1 if ngl is None else ngl
    start = max(n + 1 - eff, 0)
    act = min(eff, n + 1)
    on = [start <= il and il - start < act for il in range(n + 1)]
    per = spec.layer_params()
    gpu_layer_params = sum(per[lt] for il, lt in enumerate(spec.layers) if on[il])
    cpu_layer_params = sum(per[lt] for il, lt in enumerate(spec.layers) if not on[il])
    output = spec.final_norm_params() + spec.vocab_size * spec.hidden_size  # a tied output is a copy
    gpu = gpu_layer_params + (output if on[n] else 0)
    host = spec.embedding_params() + cpu_layer_params + (0 if on[n] else spec.final_norm_params()
                                                          + spec.lm_head_params())
    return Placement(n, eff, start, sum(on[:n]), on[n], not no_kv_offload, gpu, host)


def layers(spec, first: int, count: int):
    """Layers [first, first + count) of ``spec`` as a spec of their own (None when empty)."""
    if count <= 0:
        return None
    names = spec.layers[first:first + count]
    data = {k: getattr(spec, k) for k in type(spec).model_fields}
    data.update(layer_types={nm: spec.layer_types[nm] for nm in dict.fromkeys(names)},
                pattern=compress_pattern(names))
    return type(spec).model_construct(**data)


def split_specs(spec, p: Placement):
    """(the layers whose cache is on the GPU, the layers whose cache is in host memory)."""
    if not p.kv_on_gpu:
        return None, spec
    return layers(spec, p.i_gpu_start, p.n_layer - p.i_gpu_start), layers(spec, 0, p.i_gpu_start)


def weight_split(weights_bytes: int, spec, p: Placement) -> tuple[int, int]:
    """(GPU bytes, host bytes) of the weights, at the checkpoint's bytes per parameter. Exact for
    whole-byte formats; for block-quantized GGUF types within a block's rounding per tensor."""
    total = spec.embedding_params() + sum(spec.layer_params()[lt] for lt in spec.layers) + \
        spec.final_norm_params() + spec.lm_head_params()
    if total <= 0:
        raise KvplanError("the model has no parameters to place")
    gpu = weights_bytes * p.gpu_params // total
    return gpu, weights_bytes * p.host_params // total


def check(tp: int, pp: int) -> None:
    if tp * pp > 1:
        raise KvplanError("-ngl / --no-kv-offload: kvplan models llama.cpp on one GPU (--tp 1 --pp 1)")
