"""Parsing of issue 23's host-tier flags of SGLang (--enable-hierarchical-cache, --hicache-ratio,
--hicache-size, --hicache-storage-backend) and llama.cpp (-ngl, -nkvo), and of each engine's LoRA
flags, into ServeOptions, each under its engine's own name; one clear KvplanError for bad input."""
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


def lora_notes(engine, opts) -> list[str]:
    """The plan's notes for LoRA on ``engine`` (an Engine), or one clear KvplanError where the
    options carry another engine's LoRA (its plan would ignore them): vLLM's slots
    (``opts.lora``, priced in engines/vllm/extras.py) on vLLM only; SGLang's (``opts.sglang_lora``,
    sglang_lora below) on SGLang only, and there noted as not priced. SGLang 0.5.23
    model_executor/model_runner.py initialize: maybe_init_lora_manager (LoRAManager ->
    lora/mem_pool.py LoRAMemoryPool.init_buffers) runs after load_model and before the KV pool is
    sized; its buffers follow the adapters' target modules and rank, which the flags do not say."""
    if opts.lora is not None and engine.name != "vllm":
        raise KvplanError(f"LoRA slots as vLLM sizes them (--enable-lora --max-loras --max-lora-rank) are priced for "
                          f"--engine vllm only; the {engine.display} plan would ignore them")
    if opts.sglang_lora is not None and engine.name != "sglang":
        raise KvplanError(f"SGLang's LoRA flags (--max-loras-per-batch, --lora-paths) are SGLang's; the "
                          f"{engine.display} plan would ignore them")
    if opts.sglang_lora is None:
        return []
    n, r, _ = opts.sglang_lora
    return [f"LoRA not priced: SGLang's LoRA memory pool (lora/mem_pool.py LoRAMemoryPool: A and B buffers for {n} "
            f"adapters a batch, rank {r if r else 'inferred from the adapters'}, per target module and layer) is "
            f"taken before the KV pool and is not in this budget, so the KV figure is too generous by its size"]


# SGLang's LoRA flags (server_args.py's Lora fields; 0.5.23 arg_groups/fields/lora.py, 0.5.19
# server_args.py): --enable-lora (None: on where --lora-paths is given), --max-loras-per-batch
# (default 8), --max-lora-rank (default None: inferred from the adapters in --lora-paths),
# --max-loaded-loras (default None), --lora-paths. 0.4.3.post4 and 0.4.6.post5 server_args.py have
# --lora-paths and --max-loras-per-batch (default 8) only. vLLM's spellings given to SGLang, with
# SGLang's own (kvplan fit takes these too: lora_flags):
SGLANG_LORA_DEFAULT_PER_BATCH = 8
_VLLM_LORA_IN_SGLANG = {"max_loras": "--max-loras is vLLM's flag; SGLang's is --max-loras-per-batch",
                        "max_cpu_loras": "--max-cpu-loras is vLLM's flag; SGLang's is --max-loaded-loras"}


def _vllm_defaults():
    from .vllm.lora import LORA_DEFAULTS
    return LORA_DEFAULTS


def sglang_lora(flags: dict):
    """SGLang's LoRA flags as SGLang spells them (``flags``: enable_lora True/None, lora_paths, and
    the counts max_loras_per_batch, max_lora_rank, max_loaded_loras as ints or None; vLLM's
    max_loras and max_cpu_loras are refused with SGLang's spelling) -> (max_loras_per_batch,
    max_lora_rank or None, max_loaded_loras), or None where LoRA is off."""
    for k, why in _VLLM_LORA_IN_SGLANG.items():
        if flags.get(k) is not None:
            raise KvplanError(why)
    on = flags.get("enable_lora")
    paths = flags.get("lora_paths") not in (None, "None", "", [], {})
    if not (on is True or str(on) == "True" or (on is None and paths)):
        return None
    return (flags.get("max_loras_per_batch") or SGLANG_LORA_DEFAULT_PER_BATCH, flags.get("max_lora_rank"),
            flags.get("max_loaded_loras"))


def lora_flags(opts, engine: str, enable_lora: bool, counts: dict):
    """``kvplan fit``'s LoRA flags (``counts``: max_loras, max_lora_rank, max_cpu_loras,
    max_loras_per_batch, max_loaded_loras, each an int or None) for ``engine``: SGLang's read into
    ``opts.sglang_lora`` as SGLang spells and defaults them (sglang_lora); for another engine,
    SGLang's own flags refused with one line. Returns (opts, the arguments vLLM's flags.extras
    takes: enable_lora, max_loras, max_lora_rank, max_cpu_loras, with vLLM's defaults where not
    given: engines/vllm/lora.py LORA_DEFAULTS)."""
    eng = str(engine).strip().lower()
    if eng == "sglang":
        return replace(opts, sglang_lora=sglang_lora({**counts, "enable_lora": True if enable_lora else None})), \
            (False, _vllm_defaults()[0], _vllm_defaults()[1], None)
    for flag, key, theirs in (("--max-loras-per-batch", "max_loras_per_batch", "--max-loras"),
                              ("--max-loaded-loras", "max_loaded_loras", "--max-cpu-loras")):
        if counts.get(key) is not None:
            raise KvplanError(f"{flag} is SGLang's flag; the {eng} plan would ignore it"
                              + (f" (vLLM's is {theirs})" if eng == "vllm" else " (give --engine sglang)"))
    return opts, (enable_lora, counts.get("max_loras") or _vllm_defaults()[0],
                  counts.get("max_lora_rank") or _vllm_defaults()[1], counts.get("max_cpu_loras"))
