"""What a start-up log's launch line says (issue 20): the model, the parallel sizes, the weight
format, and whether the log comes from vLLM's V0 engine.

Launch lines read: ``vllm serve MODEL --flags`` (vLLM's CLI, entrypoints/cli/serve.py),
``LLM(model=..., tensor_parallel_size=...)`` (vLLM's offline entry point, entrypoints/llm.py),
``python -m sglang.launch_server --model-path M --tp N`` and ``sglang serve`` (SGLang's
server_args.py: ``--model-path``/``--model``, ``--tp-size``/``--tp``, ``--ep-size``/``--ep``,
``--dp-size``/``--dp``, ``--enable-dp-attention``, 0.5.23's ``--attn-dp-size``, ``--mem-fraction-static``,
``--context-length``, ``--quantization``, ``--kv-cache-dtype``).

An FP8 checkpoint is priced as vLLM loads it (``checkpoint_quant``): only linear layers take
the FP8 method (model_executor/layers/quantization/fp8.py Fp8Config.get_quant_method and
compressed_tensors/compressed_tensors.py CompressedTensorsConfig.get_quant_method return a
quantized method for ``LinearBase`` and ``FusedMoE`` layers only), so the token embedding
(VocabParallelEmbedding), the LM head (ParallelLMHead, which llm-compressor's FP8_DYNAMIC recipe
also names in its ``ignore`` list: ``ignore=["lm_head"]``), the norms and the MoE router
(qwen3_moe.py / deepseek_v2.py build the gate with ``quant_config=None``) stay in the model's
16-bit dtype. Priced as one format for every weight, Llama-3.3-70B FP8-dynamic came out 2 GiB
under the 67.72 GiB vLLM logs (llm-d-benchmark's empirical-vllm-memory-results.md).
"""
from __future__ import annotations

import re
import shlex

# flag -> the key vLLM's non-default args use (kvplan.observe.log_flags.vllm_options reads these)
VLLM_FLAGS = {"--tensor-parallel-size": "tensor_parallel_size", "-tp": "tensor_parallel_size",
              "--tensor_parallel_size": "tensor_parallel_size", "--tensor_parallel": "tensor_parallel_size",
              "--tp": "tensor_parallel_size", "--tp-size": "tensor_parallel_size",
              "--pipeline-parallel-size": "pipeline_parallel_size", "-pp": "pipeline_parallel_size",
              "--data-parallel-size": "data_parallel_size", "-dp": "data_parallel_size",
              "--data_parallel_size": "data_parallel_size",
              "--gpu-memory-utilization": "gpu_memory_utilization",
              "--gpu_memory_utilization": "gpu_memory_utilization",
              "--max-model-len": "max_model_len", "--max_model_len": "max_model_len",
              "--max-num-seqs": "max_num_seqs", "--max_num_seqs": "max_num_seqs",
              "--max-loras": "max_loras", "--max_loras": "max_loras",
              "--max-lora-rank": "max_lora_rank", "--max_lora_rank": "max_lora_rank",
              "--max-cpu-loras": "max_cpu_loras", "--max_cpu_loras": "max_cpu_loras",
              "--max-num-batched-tokens": "max_num_batched_tokens",
              "--max_num_batched_tokens": "max_num_batched_tokens",
              "--kv-cache-dtype": "kv_cache_dtype", "--kv_cache_dtype": "kv_cache_dtype",
              "--block-size": "block_size", "--block_size": "block_size",
              "--quantization": "quantization", "-q": "quantization", "--dtype": "dtype",
              "--kv-cache-memory": "kv_cache_memory_bytes", "--kv-cache-memory-bytes": "kv_cache_memory_bytes",
              "--all2all-backend": "all2all_backend", "--all2all_backend": "all2all_backend"}
VLLM_SWITCHES = {"--enforce-eager": "enforce_eager", "--enforce_eager": "enforce_eager",
                 "--enable-expert-parallel": "enable_expert_parallel", "-ep": "enable_expert_parallel",
                 "--enable_expert_parallel": "enable_expert_parallel",
                 "--enable-lora": "enable_lora", "--enable_lora": "enable_lora"}
SGLANG_FLAGS = {"--model-path": "model_path", "--model": "model_path", "--tp-size": "tp_size", "--tp": "tp_size",
                "--tensor-parallel-size": "tp_size", "--ep-size": "ep_size", "--ep": "ep_size",
                "--expert-parallel-size": "ep_size", "--dp-size": "dp_size", "--dp": "dp_size",
                "--data-parallel-size": "dp_size", "--attn-dp-size": "attn_dp_size",
                "--attention-data-parallel-size": "attn_dp_size", "--mem-fraction-static": "mem_fraction_static",
                "--context-length": "context_length", "--quantization": "quantization",
                "--kv-cache-dtype": "kv_cache_dtype", "--page-size": "page_size", "--dtype": "dtype",
                # LoRA (server_args Lora, 0.5.23), and vLLM's spellings so that they are refused, not dropped
                "--max-loras-per-batch": "max_loras_per_batch", "--max-lora-rank": "max_lora_rank",
                "--max-loaded-loras": "max_loaded_loras", "--lora-paths": "lora_paths",
                "--max-loras": "max_loras", "--max-cpu-loras": "max_cpu_loras"}
SGLANG_SWITCHES = {"--enable-dp-attention": "enable_dp_attention", "--enable-ep-moe": "enable_ep_moe",
                   "--enable-lora": "enable_lora"}


def _words(text: str) -> list[str]:
    try:
        return shlex.split(text.replace("\\", " "))
    except ValueError:
        return text.split()


def parse_flags(words: list[str], flags_map: dict, switches: dict, positional: bool) -> tuple[str | None, dict]:
    """``--flag value``, ``--flag=value`` and switches; the first bare word is the model when
    ``positional`` (``vllm serve MODEL``)."""
    model, flags, i = None, {}, 0
    words = list(words)
    while i < len(words):
        w = words[i]
        if "=" in w and w.startswith("-"):
            w, v = w.split("=", 1)
            words[i + 1:i + 1] = [v]
        if w in flags_map and i + 1 < len(words):
            flags[flags_map[w]] = words[i + 1]
            i += 2
            continue
        if w in switches:
            flags[switches[w]] = True
        elif positional and not w.startswith("-") and model is None and (
                i == 0 or not words[i - 1].startswith("-") or words[i - 1] in switches):
            model = w
        i += 1
    return model, flags


def vllm_serve(line: str) -> tuple[str | None, dict]:
    """``vllm serve MODEL --flag value ...``."""
    return parse_flags(_words(line[line.index("vllm serve") + len("vllm serve"):]), VLLM_FLAGS,
                       VLLM_SWITCHES, True)


_LLM_KW = {"model": "model", "tensor_parallel_size": "tensor_parallel_size",
           "pipeline_parallel_size": "pipeline_parallel_size", "data_parallel_size": "data_parallel_size",
           "gpu_memory_utilization": "gpu_memory_utilization", "max_model_len": "max_model_len",
           "max_num_seqs": "max_num_seqs", "max_num_batched_tokens": "max_num_batched_tokens",
           "kv_cache_dtype": "kv_cache_dtype", "quantization": "quantization", "enforce_eager": "enforce_eager",
           "enable_expert_parallel": "enable_expert_parallel", "block_size": "block_size", "dtype": "dtype"}


def llm_call(line: str) -> tuple[str | None, dict]:
    """``LLM(model="...", tensor_parallel_size=2, ...)``: the keyword arguments vLLM's offline
    ``LLM`` passes on to EngineArgs, as written (literals only)."""
    m = re.search(r"\bLLM\((.*)", line)
    if not m:
        return None, {}
    flags = {}
    for k, v in re.findall(r"\b(\w+)\s*=\s*('[^']*'|\"[^\"]*\"|[\w.+-]+)", m.group(1)):
        if k in _LLM_KW:
            flags[_LLM_KW[k]] = v.strip("'\"")
    model = flags.pop("model", None)
    if model is None and (p := re.match(r"\s*['\"]([^'\"]+)['\"]", m.group(1))):  # LLM("repo/id")
        model = p.group(1)
    return model, flags


def sglang_launch(line: str) -> tuple[str | None, dict] | None:
    """``python -m sglang.launch_server --model-path M --tp N ...`` or ``sglang serve ...``."""
    m = re.search(r"sglang\.launch_server|sglang serve", line)
    if not m:
        return None
    _, flags = parse_flags(_words(line[m.end():]), SGLANG_FLAGS, SGLANG_SWITCHES, False)
    return flags.pop("model_path", None), flags


# --- the weight format ---------------------------------------------------------------------
def weight_format(model: str | None, flags: dict, lines: list[str]) -> tuple[str | None, str]:
    """The checkpoint's weight format as the log says it: ``quantization`` in the flags, SGLang's
    ``Load weight end. quant=fp8, fmt=e4m3`` line, else the model's name (``-FP8``,
    ``FP8-dynamic``, ``AWQ``, ``GPTQ``, ``NVFP4``); (format, where it was read) or (None, "")."""
    q = str(flags.get("quantization") or "").lower()
    if q and q != "none":
        return q, "the log's quantization flag"
    for ln in lines:
        if (m := re.search(r"Load weight end\..*\bquant=(\w+)", ln)) and m.group(1).lower() != "none":
            return m.group(1).lower(), "SGLang's 'Load weight end' line"
    name = (model or "").rsplit("/", 1)[-1].lower()
    for key, fmt in (("fp8-dynamic", "fp8_dynamic"), ("fp8_dynamic", "fp8_dynamic"), ("nvfp4", "nvfp4"),
                     ("mxfp4", "mxfp4"), ("fp8", "fp8"), ("awq", "awq"), ("gptq", "gptq"),
                     ("w8a8", "w8a8"), ("int4", "int4")):
        if key in name:
            return fmt, f"the model's name ({model})"
    return None, ""


def checkpoint_quant(spec, fmt: str):
    """``spec`` with the FP8 checkpoint's ``weight_quant`` as vLLM loads it (see the module
    docstring): every decoder linear layer in fp8 e4m3, embeddings, LM head, norms and routers in
    the model's dtype; ``fp8_dynamic`` (compressed-tensors FP8-dynamic: one fp32 scale per output
    channel, compressed_tensors_w8a8_fp8.py) or ``fp8`` (a block-quantized checkpoint,
    ``weight_block_size: [128, 128]``, one fp32 scale per 128 × 128 tile: Qwen3's and
    DeepSeek's FP8 releases). None for formats not priced this way (the caller says so)."""
    from ..model.weights import WeightQuant

    if spec.weight_quant is not None:
        return spec
    if fmt == "fp8_dynamic":
        wq = WeightQuant(scope="linear", format="fp8_e4m3", channel=True, method="compressed-tensors")
    elif fmt == "fp8":
        wq = WeightQuant(scope="linear", format="fp8_e4m3", block=128, method="fp8")
    else:
        return None
    return spec.model_copy(update={"weight_quant": wq})


def weights_as_loaded(spec, model: str | None, flags: dict):
    """The spec priced in the weight format the log states (launch.weight_format), and a note."""
    fmt, where = weight_format(model, flags, [])
    if fmt is None or spec.weight_quant is not None:
        return spec, ""
    flags.setdefault("quantization", fmt)
    q = checkpoint_quant(spec, fmt)
    if q is None:
        return spec, (f"weights: {where} says {fmt}, which kvplan does not price from a name; priced in "
                      f"{spec.dtype} (give --weight-dtype)")
    return q, (f"weights: {fmt} read from {where}, priced as vLLM loads an FP8 checkpoint (linear layers in "
               f"fp8, embeddings, LM head and routers in {spec.dtype}; checkpoint_quant)")


def row_spec(k: dict):
    """The model of a start-up-log row's kvplan inputs (tests/data/*startup_logs.json), with its
    checkpoint's ``quantization`` priced as the engine loads it (checkpoint_quant), or its
    ``quantization_config`` (an AWQ/GPTQ checkpoint of a catalog model) read as a config.json's."""
    from ..errors import KvplanError
    from ..sources import catalog

    spec = catalog.load_model(k["model"])
    if k.get("quantization_config") is not None:
        # the checkpoint's own quantization_config (AWQ, GPTQ, compressed-tensors, ...), read as
        # a config.json's is (sources/hfconfig/quant.py), on the catalog model's shapes
        from ..sources.hfconfig.quant import checkpoint_weight_quant

        if spec.weight_quant is not None or k.get("quantization"):
            raise KvplanError("a row gives quantization_config for a model that already has a weight format")
        wq = checkpoint_weight_quant(k["quantization_config"], f"row {k['model']}", len(spec.layers))
        return spec.model_copy(update={"weight_quant": wq})
    if k.get("quantization"):
        q = checkpoint_quant(spec, k["quantization"])
        if q is None:
            raise KvplanError(f"quantization '{k['quantization']}' is not one kvplan prices as loaded")
        spec = q
    return spec


# --- vLLM V0 -------------------------------------------------------------------------------
_V0_LINES = ("Loading model weights took", "# GPU blocks:", "stored in KV cache", "Initializing an LLM engine (v")


def v0_reason(version: str | None, lines: list[str]) -> str | None:
    """Why a vLLM log is from the V0 engine, whose profiling differs from V1's (kvplan models
    vLLM 0.33's V1 budget): a V0-only line, or a version before 0.8 (V1 became the default in
    0.8.0) without V1's "Initializing a V1 LLM engine"."""
    if any("V1 LLM engine" in ln for ln in lines):
        return None
    for ln in lines:
        for k in _V0_LINES:
            if k in ln:
                return f"a V0-only line ('{k}')"
    if version and (m := re.match(r"(\d+)\.(\d+)", version)) and (int(m.group(1)), int(m.group(2))) < (0, 8):
        return f"version {version}, before V1 became the default (0.8.0)"
    return None
