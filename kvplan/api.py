"""The Python API: the CLI's questions as functions, returning the objects the CLI renders.

    import kvplan
    spec = kvplan.load_model("Qwen/Qwen3-8B")          # any MODEL the CLI takes
    r = kvplan.size("llama-3.1-8b", ctx=8192, batch=4)  # memory.SizeReport
    f = kvplan.fit("llama-3.1-8b", gpu="h100", ctx=8192, max_model_len=32768)  # fit.FitReport

A model may be given as a name (catalog name or alias, repo id from the local Hugging Face cache,
YAML spec, config.json or its folder, .gguf) or as a ModelSpec already loaded. Errors are
``kvplan.errors.KvplanError`` with the CLI's one-line message. ``kvplan.render.tables`` turns the reports
into the CLI's tables (``render.size_table(r, spec)``) and JSON (``render.size_json(r)``).
"""
from __future__ import annotations

from .errors import KvplanError
from .model.frozen import fields


def load_model(model, notes: list | None = None):
    """The ModelSpec for any model reference the CLI accepts; ``notes`` collects what the CLI
    prints as notes (a variant read as its base model, where a config came from)."""
    from .sources import catalog
    from .model.spec import ModelSpec

    if isinstance(model, ModelSpec):
        return model
    if not isinstance(model, str):
        raise KvplanError(f"a model is a name, a path or a ModelSpec, got {type(model).__name__}")
    return catalog.load_model(model, notes)


def _options(kwargs: dict, what: str):
    from .engines import ServeOptions

    known = {f.name for f in fields(ServeOptions)}
    unknown = sorted(set(kwargs) - known)
    if unknown:
        raise KvplanError(f"{what}() got unknown option(s) {', '.join(unknown)}; serving options are: "
                          f"{', '.join(sorted(known))}")
    return ServeOptions(**kwargs)


def _is_gguf(model) -> bool:
    return isinstance(model, str) and model.strip().lower().endswith(".gguf")


def size(model, ctx: int, batch: int = 1, kv_dtype: str | None = None, engine: str | None = None,
         weight_dtype: str | None = None, text_only: bool = False, **options):
    """``kvplan size``: the cache ``batch`` sequences of ``ctx`` tokens hold in ``engine``'s
    layout (default: ideal; llamacpp for a .gguf). ``options``: llama.cpp's cache_type_k,
    cache_type_v, ubatch_size, swa_full, flash_attn (ServeOptions). Returns memory.SizeReport."""
    from .plan import size as memory

    spec = load_model(model)
    eng = engine or ("llamacpp" if _is_gguf(model) else "ideal")
    return memory.kv_size(spec, ctx, batch, kv_dtype, eng, weight_dtype, text_only, _options(options, "size"))


def fit(model, gpu, ctx: int | None = None, batch: int | None = None, tp: int = 1, pp: int = 1,
        engine: str | None = None, kv_dtype: str | None = None, weight_dtype: str | None = None,
        text_only: bool = False, **options):
    """``kvplan fit``: what fits on ``gpu`` (a name from ``kvplan gpus`` or a GpuSpec) with
    ``tp`` × ``pp`` GPUs in ``engine`` (default vllm; llamacpp for a .gguf). ``options`` are
    the serving flags by vLLM's names (max_model_len, gpu_memory_utilization, kv_cache_memory in
    bytes, block_size, max_num_batched_tokens, max_num_seqs, enforce_eager, ...). Returns
    fit.FitReport (``.fits``, ``.max_batch``, ``.max_ctx``, ``.capacity``, ``.stages``)."""
    from .sources import catalog
    from .plan import fit as fitmod
    from .model.hardware import GpuSpec

    spec = load_model(model)
    g = gpu if isinstance(gpu, GpuSpec) else catalog.load_gpu(str(gpu))
    eng = engine or ("llamacpp" if _is_gguf(model) else "vllm")
    return fitmod.fit(spec, g, tp, pp, eng, kv_dtype, weight_dtype, ctx, batch, _options(options, "fit"),
                      text_only)
