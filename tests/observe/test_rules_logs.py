"""check-log's readers, line by line (issue 25: the mutants of kvplan/observe/logs.py).

Each log below is made of the engines' own format strings (quoted in kvplan/observe/logs.py's
docstring, with the file and line of each) filled with round made-up numbers, so every figure
is checkable by hand: a printed GiB figure is that number × 2**30 bytes, give or take half its
last printed digit (x.yz GiB: ± 0.005 × 2**30).
"""
import pytest

from kvplan.errors import KvplanError
from kvplan.observe import log_flags, logs
from kvplan.observe.logs import Figure

GiB, MiB = 2**30, 2**20

VLLM_V1 = """\
INFO 12-01 10:00:00 [api_server.py:1] vLLM API server version 0.33.0
INFO 12-01 10:00:00 [utils.py:1] non-default args: {'model': 'meta-llama/Llama-3.1-8B', 'max_model_len': '32k', 'tensor_parallel_size': 2}
INFO 12-01 10:00:01 [core.py:1] Initializing a V1 LLM engine (v0.33.0) with config: model='other/Model', tensor_parallel_size=4, pipeline_parallel_size=3, enforce_eager=True, max_seq_len=9999
INFO 12-01 10:00:01 [config.py:1] Using max model len 8888
INFO 12-01 10:00:01 [config.py:1] Chunked prefill is enabled with max_num_batched_tokens=2048.
INFO 12-01 10:00:09 [gpu_model_runner.py:5089] Model loading took 14.99 GiB memory and 3.000000 seconds
INFO 12-01 10:00:20 [gpu_worker.py:773] Available KV cache memory: 1,234.5 GiB
INFO 12-01 10:00:20 [gpu_worker.py:1] Current kv cache memory in use is 20 GiB
INFO 12-01 10:00:21 [kv_cache_utils.py:1148] GPU KV cache size: 157,936 tokens, Maximum concurrency for 32,000 tokens per request: 4.93x
"""


def test_vllm_v1_every_line_as_a_figure():
    f = logs.parse(VLLM_V1)
    assert (f.engine, f.model, f.version, f.notes) == ("vllm", "meta-llama/Llama-3.1-8B", "0.33.0", ())
    # non-default args win over the config line, which only fills what they leave out; the model
    # key is not a flag
    assert f.flags == {"max_model_len": "32k", "tensor_parallel_size": 2, "pipeline_parallel_size": "3",
                       "enforce_eager": "True", "max_num_batched_tokens": 2048}
    assert f.figures == (
        # 14.99 GiB = 14.99 × 2**30 bytes, ± 0.005 × 2**30 (two decimals)
        Figure("weights", "model loading (weights)", 14.99 * GiB, "bytes", 6, "14.99 GiB", 0.005 * GiB),
        # 1,234.5 GiB: the comma is a thousands separator; one decimal: ± 0.05 × 2**30
        Figure("kv_budget", "available KV cache memory", 1234.5 * GiB, "bytes", 7, "1,234.5 GiB", 0.05 * GiB),
        # 20 GiB, no decimals: ± 0.5 × 2**30
        Figure("kv_budget", "KV cache memory in use", 20 * GiB, "bytes", 8, "20 GiB", 0.5 * GiB),
        Figure("kv_tokens", "KV cache size", 157_936, "tokens", 9, "157,936 tokens"),
        Figure("max_concurrency", "max concurrency at 32,000 tokens", 4.93, "x", 9, "4.93x", 0.005),
    )


def test_vllm_config_line_and_max_model_len_lines_fill_what_is_not_said():
    text = ("Initializing a V1 LLM engine (v0.9.2) with config: model='org/M', tensor_parallel_size=4, "
            "max_seq_len=9999\nAvailable KV cache memory: 1.00 GiB\n")
    f = logs.parse(text)
    assert (f.model, f.version) == ("org/M", "0.9.2")
    assert f.flags == {"tensor_parallel_size": "4", "max_model_len": "9999"}
    # without the config line: "Using max model len", else the concurrency line's length
    f = logs.parse("Using max model len 8888\nMaximum concurrency for 4,096 tokens per request: 2.50x\n")
    assert f.flags == {"max_model_len": 8888}
    f = logs.parse("Maximum concurrency for 4,096 tokens per request: 2.50x\n")
    assert f.flags == {"max_model_len": 4096}
    assert f.figures == (Figure("max_concurrency", "max concurrency at 4,096 tokens", 2.5, "x", 1, "2.50x", 0.005),)
    # a tensor_parallel_size outside the config line is not read as a flag
    f = logs.parse("tensor_parallel_size=8\nAvailable KV cache memory: 1.00 GiB\n")
    assert f.flags == {}


@pytest.mark.parametrize("line,version", [
    ("INFO vLLM API server version 0.10.1.1", "0.10.1.1"),
    ("Initializing a V1 LLM engine (v0.11.0rc2) with config: model='m'", "0.11.0rc2"),
    ("INFO [utils.py:1]  █ version 0.33.0", "0.33.0"),
])
def test_vllm_version_lines(line, version):
    assert logs.parse(line + "\nAvailable KV cache memory: 1.00 GiB\n").version == version


def test_vllm_model_tag_and_a_model_from_the_serve_line():
    # `vllm serve` logs the positional model as model_tag in its non-default args
    f = logs.parse("non-default args: {'model_tag': 'Qwen/Qwen3-8B', 'gpu_memory_utilization': 0.8}\n"
                   "Available KV cache memory: 1.00 GiB\n")
    assert f.model == "Qwen/Qwen3-8B" and f.flags == {"gpu_memory_utilization": 0.8}
    # the serve line's flags fill in, never override the non-default args
    f = logs.parse("non-default args: {'max_model_len': 1000}\nvllm serve org/M --max-model-len 2000 --tp 2\n"
                   "Available KV cache memory: 1.00 GiB\n")
    assert f.model == "org/M" and f.flags == {"max_model_len": 1000, "tensor_parallel_size": "2"}


def test_elided_non_default_args_read_key_by_key():
    # vLLM prints long dicts whole, but copies in issues elide them; each readable pair is kept,
    # strings unquoted, numbers and booleans as literals, anything else as written
    d = logs._literal_dict("{... 'model': 'a/b', 'max_num_seqs': 8, 'x': \"q\", 'enforce_eager': True, "
                           "'rate': 1e-3, 'mode': auto_x, ...}")
    assert d == {"model": "a/b", "max_num_seqs": 8, "x": "q", "enforce_eager": True, "rate": 0.001,
                 "mode": "auto_x"}
    assert logs._literal_dict("{'a': 1}") == {"a": 1}
    assert logs._literal_dict("[1, 2]") == {}  # a literal, but not a dict


VLLM_V0 = """\
INFO 10-01 [llm_engine.py:237] Initializing an LLM engine (v0.6.3) with config: model='m/M', tensor_parallel_size=1
INFO 10-01 [model_runner.py:1067] Loading model weights took 14.9888 GB
INFO 10-01 [worker.py:1] Memory profiling results: total_gpu_memory=79.1GiB kv_cache_size=55.25GiB
INFO 10-01 [gpu_executor.py:122] # GPU blocks: 2000, # CPU blocks: 2048
ValueError: The model's max seq len (131072) is larger than the maximum number of tokens that can be stored in KV cache (32000). Try increasing gpu_memory_utilization.
"""


def test_vllm_v0_lines():
    f = logs.parse(VLLM_V0)
    assert f.version == "0.6.3" and f.flags["max_model_len"] == 131072 and f.flags["v0"]
    assert f.figures == (
        # V0's "GB" is bytes / 2**30; four decimals: ± 0.00005 × 2**30
        Figure("weights", "model weights (V0, GB = GiB)", 14.9888 * GiB, "bytes", 2, "14.9888 GB", 0.5e-4 * GiB),
        Figure("kv_budget", "kv_cache_size (V0 profile)", 55.25 * GiB, "bytes", 3, "55.25 GiB", 0.005 * GiB),
        Figure("gpu_blocks", "GPU blocks", 2000, "blocks", 4, "2000"),
        Figure("kv_tokens", "KV cache tokens (refusal)", 32000, "tokens", 5, "32000"),
    )
    assert f.notes[0] == "line 5: vLLM refused max seq len 131072"
    assert f.notes[1].startswith("a vLLM V0 log (a V0-only line ('Initializing an LLM engine (v')): V0 profiles")
    # the V1 spelling without '#'
    assert logs.parse("GPU blocks: 17\n").figures == (Figure("gpu_blocks", "GPU blocks", 17, "blocks", 1, "17"),)


def test_vllm_refusal_of_one_max_length_request():
    line = ("ValueError: To serve at least one request with the models's max seq len (131072), (16.00 GiB KV "
            "cache is needed, which is larger than the available KV cache memory (10.5 GiB). Try ...")
    f = logs.parse(line)
    # 16.00 GiB = 16 × 2**30 bytes ± 0.005 × 2**30; the available figure is not a figure of its own
    assert f.figures == (Figure("request_bytes", "KV one max-length request needs (refusal)", 16 * GiB, "bytes",
                                1, "16.00 GiB", 0.005 * GiB),)
    assert f.notes == ("line 1: vLLM refused to start: one request of max_model_len does not fit",)


@pytest.mark.parametrize("line", [
    "Model loading took 1.5 GiB memory and 2.0 seconds", "Loading model weights took 1.5 GB",
    "Available KV cache memory: 1.5 GiB", "GPU KV cache size: 10 tokens", "Current kv cache memory in use is 1.5 GiB",
    "# GPU blocks: 10", "Maximum concurrency for 10 tokens per request: 1.00x",
    "The model's max seq len (20) is larger than the maximum number of tokens that can be stored in KV cache (10)",
    "(1.00 GiB KV cache is needed, which is larger than the available KV cache memory (0.50 GiB)",
])
def test_each_vllm_figure_line_alone_is_a_vllm_log(line):
    """Each of vLLM's figure lines tells the engine by itself (a log cut down to one line)."""
    f = logs.parse(f"prefix {line}\n")
    assert f.engine == "vllm" and len(f.figures) == 1


@pytest.mark.parametrize("line", [
    "INFO Memory profiling results: duration=1.0 seconds, kv_cache_size=1.5GiB",
    "INFO vLLM API server version 0.33.0\nINFO kv_cache_size=1.5GiB",
    "INFO Initializing a V1 LLM engine (v0.9.0) with config: model='m'\nINFO kv_cache_size=1.5GiB",
])
def test_vllm_marker_lines(line):
    assert logs.parse(line).engine == "vllm"


def test_a_log_of_none_of_the_engines_is_refused():
    with pytest.raises(KvplanError, match="^not a vLLM, SGLang or llama.cpp start-up log"):
        logs.parse("kv_cache_size=1.5GiB\n")  # a figure, but no engine's marker
    with pytest.raises(KvplanError, match=r"^a sglang log, but with none of the figures kvplan compares \(KV cache "
                                          r"size, available memory, weights\)$"):
        logs.parse("python -m sglang.launch_server --model-path m\n")


# --- human-readable counts (vLLM's human_readable_int) ---------------------------------------

@pytest.mark.parametrize("text,value", [
    ("32k", 32_000), ("32K", 32_768), ("2m", 2_000_000), ("2M", 2 * 2**20), ("1g", 10**9), ("1G", 2**30),
    ("1.5K", 1536),  # 1.5 × 1,024
    (" '4096' ", 4096), (4096, 4096), ("0", 0), ("32x", None), ("k", None), ("", None),
])
def test_human_int(text, value):
    assert log_flags._human_int(text) == value


def test_int_and_float_of_logged_values():
    assert log_flags._int(None) is None and log_flags._int("None") is None and log_flags._int("8K") == 8192
    assert log_flags._float(None) is None and log_flags._float("None") is None and log_flags._float("abc") is None
    assert log_flags._float("0.9") == 0.9 and log_flags._float([1]) is None


# --- SGLang ---------------------------------------------------------------------------------

SGLANG = """\
[2026-01-01 00:00:00] server_args=ServerArgs(model_path='org/Model-7B', tp_size=2, mem_fraction_static=0.85, enable_dp_attention=False, kv_cache_dtype='fp8_e4m3', chunked_prefill_size=None, device=cuda)
[2026-01-01 00:00:01 TP0] Load weight end. elapsed=3.1 s, type=LlamaForCausalLM, quant=FP8, fmt=e4m3, avail mem=63.5 GB, mem usage=7.25 GB.
[2026-01-01 00:00:02 TP0] KV Cache is allocated. dtype: torch.float8_e4m3fn, #tokens: 1000000, K size: 2.5 GB, V size: 1.25 GB
[2026-01-01 00:00:03 TP0] max_total_num_tokens=999999, chunked_prefill_size=8192, max_prefill_tokens=16384, max_running_requests=64, context_len=4096, available_gpu_mem=10.00 GB
"""


def test_sglang_every_line_as_a_figure():
    f = logs.parse(SGLANG)
    assert (f.engine, f.model, f.version, f.notes) == ("sglang", "org/Model-7B", None, ())
    assert f.flags == {"tp_size": 2, "mem_fraction_static": 0.85, "enable_dp_attention": False,
                       "kv_cache_dtype": "fp8_e4m3", "chunked_prefill_size": None, "device": "cuda",
                       "quantization": "fp8", "context_length": 4096}
    assert f.figures == (
        # SGLang's GB are GiB (utils/common.py:576): 7.25 × 2**30, ± 0.005 × 2**30
        Figure("weights", "memory taken while loading weights", 7.25 * GiB, "bytes", 2, "7.25 GB", 0.005 * GiB),
        Figure("kv_tokens", "KV pool tokens (#tokens)", 1_000_000, "tokens", 3, "1000000"),
        # K + V = (2.5 + 1.25) × 2**30 = 4,026,531,840 bytes, each ± 0.05 × 2**30 (one decimal)
        Figure("kv_bytes", "KV pool K + V", 3.75 * GiB, "bytes", 3, "2.5 + 1.25 GB", 0.05 * GiB + 0.005 * GiB),
        # per token: 4,026,531,840 / 1,000,000 = 4,026.53184 bytes, ± 0.055 × 2**30 / 1,000,000
        Figure("cell_bytes", "bytes per token (K + V size / #tokens)", 4026.53184, "bytes/token", 3,
               "(2.5 + 1.25 GB) / 1000000", 0.055 * GiB / 1_000_000),
        Figure("kv_tokens", "max_total_num_tokens", 999_999, "tokens", 4, "999999"),
    )
    assert f.figures[1].reported + 0 == 1_000_000 and 2.5 * GiB + 1.25 * GiB == 4_026_531_840


def test_sglang_server_args_as_a_dict_and_quant_none():
    f = logs.parse("server_args={'model_path': 'a/b', 'tp_size': 4, 'context_length': None}\n"
                   "Load weight end. elapsed=1 s, quant=None, fmt=x, mem usage=1.00 GB.\n"
                   "KV Cache is allocated. dtype: torch.bfloat16, #tokens: 0, K size: 0.00 GB, V size: 0.00 GB\n"
                   "max_total_num_tokens=0, chunked_prefill_size=8192\n")
    assert f.model == "a/b" and f.flags == {"tp_size": 4, "context_length": None}  # quant=None is no format
    # #tokens 0: no bytes per token (no division by zero)
    assert [x.key for x in f.figures] == ["weights", "kv_tokens", "kv_bytes", "kv_tokens"]


def test_sglang_mla_pool():
    f = logs.parse("KV Cache is allocated. dtype: torch.bfloat16, #tokens: 4096, KV size: 0.27 GB\n")
    assert f.figures == (Figure("kv_tokens", "KV pool tokens (#tokens)", 4096, "tokens", 1, "4096"),
                         Figure("kv_bytes", "KV pool (KV size)", 0.27 * GiB, "bytes", 1, "0.27 GB", 0.005 * GiB))


@pytest.mark.parametrize("line", ["KV Cache is allocated. #tokens: 1, KV size: 1.00 GB", "max_total_num_tokens=5",
                                  "server_args={}\nmax_total_num_tokens=5", "Load weight end. mem usage=1.00 GB.",
                                  "sglang.launch_server --tp 2\nmax_total_num_tokens=5",
                                  "sglang serve --tp 2\nmax_total_num_tokens=5"])
def test_sglang_marker_lines(line):
    # each also carries a vLLM marker-free figure, so only SGLang's markers can tell the engine
    assert logs.parse(line).engine == "sglang"


# --- llama.cpp ------------------------------------------------------------------------------

LLAMA = """\
llama_model_loader: loaded meta data with 40 key-value pairs and 400 tensors from /m/model-Q8_0.gguf (version GGUF V3 (latest))
llama_context: n_seq_max     = 2
llama_context: n_ctx         = 8192
llama_context: n_ctx_seq     = 4096
llama_context: n_batch       = 2048
llama_context: n_ubatch      = 512
llama_context: flash_attn    = auto
llama_context: kv_unified    = false
llama_kv_cache: size =  100.00 MiB (  4096 cells,  10 layers,  2/2 seqs), K (q8_0):   50.00 MiB, V (f16):   50.00 MiB
llama_kv_cache_iswa: creating     SWA KV cache, size = 1024 cells
llama_kv_cache: size =   25.50 MiB (  1024 cells,  20 layers,  2/2 seqs), K (q8_0):   12.75 MiB, V (f16):   12.75 MiB
"""


def test_llamacpp_every_line_as_a_figure():
    f = logs.parse(LLAMA)
    assert (f.engine, f.model) == ("llamacpp", "/m/model-Q8_0.gguf")
    assert f.flags == {"n_seq_max": "2", "n_ctx": "8192", "n_ctx_seq": "4096", "n_batch": "2048", "n_ubatch": "512",
                       "flash_attn": "auto", "kv_unified": "false", "type_k": "q8_0", "type_v": "f16"}
    # a cache line before any "creating ... KV cache" is a plain KV cache; the announced one is SWA
    assert f.figures == (
        Figure("cache1_cells", "KV cache cells (10 layers)", 4096, "cells", 9, "4096"),
        Figure("cache1_bytes", "KV cache size (10 layers)", 100 * MiB, "bytes", 9, "100.00 MiB", 0.005 * MiB),
        Figure("cache2_cells", "SWA cache cells (20 layers)", 1024, "cells", 11, "1024"),
        # 25.50 MiB = 25.5 × 2**20 bytes, ± 0.005 × 2**20
        Figure("cache2_bytes", "SWA cache size (20 layers)", 25.5 * MiB, "bytes", 11, "25.50 MiB", 0.005 * MiB),
    )


def test_llamacpp_seqs_when_no_context_line_says():
    f = logs.parse("llama_kv_cache: size =  100.00 MiB (  4096 cells,  10 layers,  3/1 seqs), K (f16):   50.00 MiB, "
                   "V (f16):   50.00 MiB\n")
    assert f.flags == {"type_k": "f16", "type_v": "f16", "n_seq_max": "3"}


@pytest.mark.parametrize("marker", ["llama_kv_cache: x", "llama_context: x", "llama_model_loader: x",
                                    "print_info: x"])
def test_llamacpp_markers_beat_the_others(marker):
    # a llama.cpp log that also mentions vLLM's and SGLang's words is llama.cpp's
    with pytest.raises(KvplanError, match="^a llamacpp log, but with none of the figures"):
        logs.parse(f"{marker}\nmax_total_num_tokens=5\nAvailable KV cache memory: 1.00 GiB\n")


def test_sglang_markers_beat_vllms():
    f = logs.parse("max_total_num_tokens=5\nAvailable KV cache memory: 1.00 GiB\n")
    assert f.engine == "sglang"


def test_a_log_without_a_model_says_none():
    assert logs.parse("KV Cache is allocated. #tokens: 1, KV size: 1.00 GB\n").model is None
    assert logs.parse("llama_kv_cache: size =  100.00 MiB (  4096 cells,  10 layers,  1/1 seqs), K (f16):   "
                      "50.00 MiB, V (f16):   50.00 MiB\n").model is None
    assert logs.parse("Available KV cache memory: 1.00 GiB\n").model is None


# --- the plan for the same set-up: each logged SGLang flag reaches kvplan's plan --------------

def _plan(r):
    c = r.capacity
    return (r.weights_bytes, r.kv_budget_bytes, c.kv_cache_tokens, c.detail.get("cell_size_bytes"), c.max_model_len)


def test_sglang_flags_reach_the_plan():
    from kvplan.engines import ServeOptions
    from kvplan.plan import fit
    from kvplan.sources import catalog

    spec, gpu = catalog.load_model("llama-3.1-8b"), catalog.load_gpu("h100")
    # as logged: SGLang's names, strings, upper case; "4k" is 4,000 (lower-case k: 10**3)
    flags = {"kv_cache_dtype": "FP8_E5M2", "mem_fraction_static": "0.5", "context_length": "4k", "page_size": "16",
             "tp_size": "2"}
    got = log_flags._sglang_fit(spec, gpu, flags, weight_dtype="fp8")
    want = fit.fit(spec, gpu, tp=2, engine="sglang", kv_dtype="fp8_e5m2", weight_dtype="fp8",
                   opts=ServeOptions(gpu_memory_utilization=0.5, max_model_len=4000, block_size=16))
    assert _plan(got) == _plan(want)
    # one byte per element, 4 of Llama 3.1 8B's 8 KV heads per GPU at tp 2:
    # 32 layers × 4 heads × 128 × 2 (K, V) × 1 byte = 32,768 bytes per token
    assert _plan(got)[3] == 32_768 and _plan(got)[4] == 4000
    # each flag moves the plan: the one-flag-less plans all differ from it
    for k in flags:
        less = {x: v for x, v in flags.items() if x != k}
        assert _plan(log_flags._sglang_fit(spec, gpu, less, weight_dtype="fp8")) != _plan(got), k
    assert _plan(log_flags._sglang_fit(spec, gpu, flags)) != _plan(got)  # weight_dtype reaches it too
    # no flags: SGLang's defaults, tp 1, the model's dtype (bf16: 32 × 8 × 128 × 2 × 2 = 131,072)
    assert _plan(log_flags._sglang_fit(spec, gpu, {})) == _plan(fit.fit(spec, gpu, engine="sglang"))
    assert _plan(log_flags._sglang_fit(spec, gpu, {"kv_cache_dtype": "auto"}))[3] == 131_072
    # the log's name is read in SGLang's own spellings (server_args' choices): bf16 is one of
    # them (not vLLM's), fp8 alone and fp32 are not, and say so
    assert _plan(log_flags._sglang_fit(spec, gpu, {"kv_cache_dtype": "bf16"}))[3] == 131_072
    for name in ("fp8", "fp32"):
        with pytest.raises(KvplanError, match="sglang's names"):
            log_flags._sglang_fit(spec, gpu, {"kv_cache_dtype": name})


# --- llama.cpp: the context lines reach kvplan's plan ------------------------------------------
# Gemma 2 9B: 42 layers, 21 sliding (window 4,096) and 21 global, 8 KV heads of 256. Per cell and
# layer: K in q8_0 = 2,048 elements in 64 blocks of 34 bytes = 2,176 bytes; V in f16 = 4,096 bytes.
LLAMA_FLAGS = {"n_ctx": "8192", "type_k": "q8_0", "type_v": "f16", "n_ubatch": "512", "flash_attn": "enabled",
               "n_seq_max": "1", "kv_unified": "false"}


def _cells(flags):
    from kvplan.sources import catalog

    r = log_flags._llamacpp_size(catalog.load_model("gemma-2-9b"), flags)
    return {g.kind: (g.held.tokens, g.kv_bytes) for g in r.groups}


def test_llamacpp_flags_reach_the_plan():
    # global: 21 × 8,192 × (2,176 + 4,096) = 1,078,984,704; sliding: min(8,192, 4,096 + 512) = 4,608 cells
    # (llama.cpp keeps the window plus a micro-batch), 21 × 4,608 × 6,272 = 606,928,896
    assert _cells(LLAMA_FLAGS) == {"full": (8192, 1_078_984_704), "sliding": (4608, 606_928_896)}
    # n_ubatch 2,048: 4,096 + 2,048 = 6,144 sliding cells
    assert _cells({**LLAMA_FLAGS, "n_ubatch": "2048"})["sliding"][0] == 6144
    # K in f16 too: 21 × 8,192 × 8,192 = 1,409,286,144
    assert _cells({**LLAMA_FLAGS, "type_k": "f16"})["full"] == (8192, 1_409_286_144)
    # the defaults: one sequence, not unified, flash attention on
    less = {"n_ctx": "8192", "type_k": "q8_0", "type_v": "f16", "n_ubatch": "512"}
    assert _cells(less) == _cells(LLAMA_FLAGS)


def test_llamacpp_streams_from_n_ctx_seq():
    # 2 sequences of n_ctx_seq 4,096, not unified: n_ctx = 2 × 4,096 = 8,192, 4,096 cells per stream
    two = _cells({**LLAMA_FLAGS, "n_ctx_seq": "4096", "n_seq_max": "2"})
    assert two == _cells({**LLAMA_FLAGS, "n_seq_max": "2"})  # the same as n_ctx 8,192 said outright
    assert two["full"] == (4096, 1_078_984_704)  # 2 streams × 21 × 4,096 × 6,272
    # unified: one stream of n_ctx_seq = n_ctx = 4,096 cells, half the bytes
    assert _cells({"n_ctx_seq": "4096", "n_seq_max": "2", "kv_unified": "true", "type_k": "q8_0",
                   "type_v": "f16"})["full"] == (4096, 539_492_352)
    # n_ctx_seq wins over n_ctx
    assert _cells({**LLAMA_FLAGS, "n_ctx": "999", "n_ctx_seq": "8192"}) == _cells(LLAMA_FLAGS)
    with pytest.raises(KvplanError, match=r"^the llama\.cpp log states no n_ctx; kvplan needs the context to plan "
                                          r"the cache$"):
        _cells({"n_seq_max": "2"})


@pytest.mark.parametrize("fa", ["disabled", "off", "false", "0", "OFF", "Disabled"])
def test_llamacpp_flash_attention_off_spellings(fa):
    # llama.cpp refuses a quantized V cache without flash attention; so must the plan of such a log
    with pytest.raises(KvplanError, match="needs flash attention for a quantized V cache"):
        _cells({**LLAMA_FLAGS, "type_v": "q8_0", "flash_attn": fa})


@pytest.mark.parametrize("fa", ["enabled", "auto", "on", "1", None])
def test_llamacpp_flash_attention_on_or_auto(fa):
    flags = {**LLAMA_FLAGS, "type_v": "q8_0", "flash_attn": fa}
    if fa is None:
        del flags["flash_attn"]
    # V in q8_0 too: 21 × 8,192 × (2,176 + 2,176) = 748,683,264
    assert _cells(flags)["full"] == (8192, 748_683_264)


# --- the model a log names ---------------------------------------------------------------------

def _facts(model, engine="vllm"):
    return logs.LogFacts(engine, model, {}, (Figure("kv_tokens", "KV cache size", 1, "tokens", 1, "1"),))


def test_resolve_model_notes_and_errors():
    notes = []
    assert logs._resolve_model(_facts("Meta-Llama-3.1-8B-Instruct"), None, notes).name == "llama-3.1-8b"
    assert notes[0].startswith("'Meta-Llama-3.1-8B-Instruct' read as llama-3.1-8b: the same architecture")
    # a path in someone else's log: its last part, with the catalog's note and one saying so
    notes = []
    path = "/home/me/models/Meta-Llama-3.1-8B-Instruct"
    assert logs._resolve_model(_facts(path), None, notes).name == "llama-3.1-8b"
    assert notes[0].startswith("'Meta-Llama-3.1-8B-Instruct' read as llama-3.1-8b")
    assert notes[1] == f"the log's model '{path}' read as llama-3.1-8b"
    # no slash: the catalog's own error, not the path's
    with pytest.raises(KvplanError, match=r"^unknown model 'nosuchmodel-7b'"):
        logs._resolve_model(_facts("nosuchmodel-7b"), None, [])
    # --model given: its own error, never its last part
    with pytest.raises(KvplanError, match=r"^no such file: /x/llama-3.1-8b$"):
        logs._resolve_model(_facts(None), "/x/llama-3.1-8b", [])
    with pytest.raises(KvplanError, match=r"^the log does not name the model; give --model \(a catalog name, a repo "
                                          r"id, a config\.json or a \.gguf\)$"):
        logs._resolve_model(_facts(None), None, [])


def test_check_tp_lands_on_each_engines_flag():
    text = "server_args={'model_path': 'meta-llama/Llama-3.1-8B'}\nmax_total_num_tokens=5\n"
    c = logs.check(logs.parse(text), gpu="h100", tp=2)
    assert c.facts.flags["tp_size"] == 2 and "tensor_parallel_size" not in c.facts.flags
    c = logs.check(logs.parse("vllm serve meta-llama/Llama-3.1-8B\n" + "GPU KV cache size: 10 tokens\n"),
                   gpu="h100", tp=2)
    assert c.facts.flags["tensor_parallel_size"] == 2 and "tp_size" not in c.facts.flags


def test_vllm_v0_by_version_alone_and_its_note():
    f = logs.parse("INFO vLLM API server version 0.7.3\nAvailable KV cache memory: 1.00 GiB\n")
    assert f.flags["v0"] == "version 0.7.3, before V1 became the default (0.8.0)"
    assert f.notes == ("a vLLM V0 log (version 0.7.3, before V1 became the default (0.8.0)): V0 profiles memory "
                       "differently from the V1 engine kvplan models, so its KV budget and capacity are out of "
                       "scope; only the weights are compared",)


def test_vllm_refusal_figures_without_decimals():
    f = logs.parse("(16 GiB KV cache is needed, which is larger than the available KV cache memory (10 GiB)")
    assert [(x.reported, x.tolerance) for x in f.figures] == [(16 * GiB, 0.5 * GiB)]


def test_vllm_refusal_without_the_parenthesis_of_later_releases():
    # club-3090 issue 35 (round 14 of tests/data/vllm_startup_logs.json), a vLLM nightly's wording, verbatim
    line = ("ValueError: To serve at least one request with the model's max seq len (180000), 3.05 GiB KV cache is "
            "needed, which is larger than the available KV cache memory (2.17 GiB). Based on the available memory, "
            "the estimated maximum model length is 111456.")
    f = logs.parse(line)
    assert [(x.key, x.reported, x.text) for x in f.figures] == [("request_bytes", 3.05 * GiB, "3.05 GiB")]
    assert f.flags["max_model_len"] == 180000
    assert f.notes == ("line 1: vLLM refused to start: one request of max_model_len does not fit",)
    # the older wording still reads, and its max seq len with it
    old = logs.parse("the models's max seq len (131072), (4.54 GiB KV cache is needed, which is larger than the "
                     "available KV cache memory (1.71 GiB).")
    assert [x.text for x in old.figures] == ["4.54 GiB"] and old.flags["max_model_len"] == 131072


def test_literal_dict_keeps_nested_values():
    assert logs._literal_dict("{'a': [1, 2], 'b': {'c': 1}}") == {"a": [1, 2], "b": {"c": 1}}


def test_vllm_options_block_size_eager_and_graphs():
    opts = log_flags.vllm_options({"block_size": "32", "enforce_eager": "True", "cuda_graphs_charged": False})[0]
    assert (opts.block_size, opts.enforce_eager, opts.cuda_graph_bytes) == (32, True, 0)
    opts = log_flags.vllm_options({"enforce_eager": True})[0]
    assert (opts.block_size, opts.enforce_eager, opts.cuda_graph_bytes) == (None, True, None)
    for off in (False, "False", None, "true"):  # vLLM logs Python's True; anything else is not eager
        assert log_flags.vllm_options({"enforce_eager": off})[0].enforce_eager is False, off
    assert log_flags.vllm_options({})[0].enforce_eager is False


def test_vllm_options_graphs_flag_only_where_the_release_cannot_be_read():
    """A data row's "cuda_graphs_charged": false sets no graphs where vLLM's release is not read;
    where it is, the code decides (engines/vllm/startup.py graphs_charged), so the flag changes nothing."""
    off = {"cuda_graphs_charged": False}
    assert log_flags.vllm_options({**off, "vllm_version": "not printed (Feb 2026)"})[0].cuda_graph_bytes == 0
    assert log_flags.vllm_options({**off, "vllm_version": "0.19.1"})[0].cuda_graph_bytes == 0  # not read
    for ver in ("0.10.2", "0.11.x (Oct 2025)", "0.23.0"):
        assert log_flags.vllm_options({**off, "vllm_version": ver})[0].cuda_graph_bytes is None, ver
    assert log_flags.vllm_options({"vllm_version": "0.10.2"})[0].cuda_graph_bytes is None


def test_data_rows_graphs_flag_agrees_with_the_code():
    """Every vLLM row of tests/data that says its release charged no graphs, and whose release the code
    reads, is one whose budget the code gives no graph part (up to 0.19 on the V1 runner, or the V2
    runner of 0.22-0.28): the flag and the rule never disagree."""
    import json
    from pathlib import Path

    from kvplan.engines import ServeOptions
    from kvplan.engines.vllm import startup
    from kvplan.observe import launch

    rows = json.loads((Path(__file__).resolve().parents[1] / "data" / "vllm_startup_logs.json").read_text())["logs"]
    checked = 0
    for e in rows:
        k = e.get("kvplan") or {}
        ver = e.get("vllm_version")
        if k.get("cuda_graphs_charged") is not False or startup.graphs_charged(ver) is None or k.get("enforce_eager"):
            continue
        spec = None if k["model"].endswith(".json") else launch.row_spec(k)
        opts = ServeOptions(vllm_version=ver)
        assert startup.graphs_charged(ver) is False or (
            spec is not None and startup._v2_without_graph_estimate(spec, opts)), e["id"]
        checked += 1
    assert checked >= 30

def test_vllm_fit_max_model_len_and_weights():
    from kvplan.sources import catalog

    spec, gpu = catalog.load_model("llama-3.1-8b"), catalog.load_gpu("h100")
    # no max_model_len in the flags: the model's own (131,072 for Llama 3.1)
    assert log_flags.vllm_fit(spec, gpu, {}).capacity.max_model_len == 131_072
    # no length in the config: vLLM 0.33's 2048 (_get_and_verify_max_len; llama3 rope is not scaled)
    no_len = spec.model_copy(update={"max_context": None, "context_keys": {}})
    assert log_flags.vllm_fit(no_len, gpu, {}).capacity.max_model_len == 2048
    # weights in fp8: 1 byte a parameter where bf16 took 2
    assert log_flags.vllm_fit(spec, gpu, {}, weight_dtype="fp8").weights_bytes < log_flags.vllm_fit(spec, gpu, {}).weights_bytes


def test_check_log_prices_the_release_s_model_runner():
    """The version line decides the profile run's runner (engines/vllm/startup.py model_runner):
    vLLM 0.23.0 runs Qwen3-8B on the V2 runner (6 bytes a logit, no CUDA-graph estimate), 0.16.0
    on the V1 runner (its sort, 38: engines/vllm/startup.yaml v1_sampler); the same launch otherwise. The V2 budget is larger by the sampler
    difference (the V1 sampler 1,024 rows × 151,936 × 38 + (8,192 + 2,048) × 4,096 × 2 against the
    V2 one, 1,024 × 151,936 × 6 + 1,024 × 149 blocks × 12 + (8,192 + 1,024) × 4,096 × 2); neither
    charges CUDA graphs (0.16.0 subtracts no estimate, startup.yaml cuda_graph_estimate_charged_from;
    0.23.0's V2 runner estimates none), and 0.20.0's V1 runner does: 697,932,185 less than 0.19.0.
    0.23.0 also charges a cold compile's fitted step, 569,583,715 bytes (engines/vllm/compile_part.py)."""
    launch_line = ("non-default args: {'model': 'Qwen/Qwen3-8B', 'max_model_len': 16384, "
                   "'gpu_memory_utilization': 0.3, 'max_num_batched_tokens': 8192}\n")

    def budget(version):
        text = f"Initializing a V1 LLM engine (v{version}) with config: model='Qwen/Qwen3-8B'\n" + launch_line + \
            "Available KV cache memory: 6.98 GiB\n"
        c = logs.check(logs.parse(text), gpu="h100-sxm-80gb")
        return next(r.predicted for r in c.rows if r.figure.key == "kv_budget")

    v1 = 1024 * 151_936 * 38 + (8192 + 2048) * 4096 * 2
    v2 = 1024 * 151_936 * 6 + 1024 * 149 * 12 + (8192 + 1024) * 4096 * 2
    # less 0.23.0's cold torch.compile step (the log says no cache state: charged from 0.22.0 to 0.28.0,
    # startup.yaml torch_compile_cold_bytes_0_23; 0.16.0 carries the band only)
    assert budget("0.23.0") - budget("0.16.0") == v1 - v2 - 569_583_715
    assert budget("0.19.0") - budget("0.20.0") == 697_932_185  # the same V1 sampler path (Triton), graphs
    assert log_flags.vllm_options({"vllm_version": "0.23.0"})[0].vllm_version == "0.23.0"
    assert log_flags.vllm_options({})[0].vllm_version is None


def test_check_log_0_33_and_a_log_with_no_version():
    """vLLM 0.33.0 runs Qwen3-8B on the V2 runner, whose warm-up sampler is derived
    (engines/vllm/startup.yaml v2_sampler_0_33_source: 14 bytes a logit, plus the kept penalty
    counts, max_num_seqs × (151,936 + 151,936 / 32 = 4,748) × 4); a log that prints no version is
    not taken for 0.33.0 (kvplan's default) but left untold: the V1 sampler is charged, at risk.
    Both charge the 0.65 GiB of graphs; the forward over 8,192 tokens (0.69 GiB) is below both."""
    text = ("non-default args: {'model': 'Qwen/Qwen3-8B', 'max_model_len': 16384, "
            "'gpu_memory_utilization': 0.3, 'max_num_batched_tokens': 8192}\nAvailable KV cache memory: 6.98 GiB\n")

    def check(version):
        head = f"Initializing a V1 LLM engine (v{version}) with config: model='Qwen/Qwen3-8B'\n" if version else ""
        return logs.check(logs.parse(head + text), gpu="h100-sxm-80gb")

    def kv(c):
        return next(r.predicted for r in c.rows if r.figure.key == "kv_budget")

    v1 = 1024 * 151_936 * 38 + (8192 + 2048) * 4096 * 2
    v2 = 1024 * 151_936 * 14 + 1024 * 149 * 12 + (8192 + 1024) * 4096 * 2 + 1024 * (151_936 + 4_748) * 4
    assert (v1, v2) == (5_996_019_712, 2_897_260_544)
    assert kv(check("0.33.0")) - kv(check(None)) == v1 - v2


def test_vllm_flashinfer_sampler_line():
    """v1/sample/ops/topk_topp_sampler.py TopKTopPSampler.__init__ logs which top-k/top-p path the V1
    sampler takes; check-log passes it on (engines/vllm/startup.py v1_sampler_peak)."""
    head = ("INFO 09-04 01:02:21 [api_server.py:1805] vLLM API server version 0.10.1.1\n"
            "INFO 09-04 01:04:29 [gpu_worker.py:276] Available KV cache memory: 5.01 GiB\n")
    on = logs.parse(head + "(EngineCore_0 pid=1812) INFO 09-04 01:02:57 [topk_topp_sampler.py:50] Using FlashInfer "
                    "for top-p & top-k sampling.\n")
    off = logs.parse(head + "WARNING 09-04 01:02:57 [topk_topp_sampler.py:70] FlashInfer is not available. Falling "
                     "back to the PyTorch-native implementation of top-p & top-k sampling.\n")
    assert (on.flags["flashinfer_sampler"], off.flags["flashinfer_sampler"]) == (True, False)
    assert "flashinfer_sampler" not in logs.parse(head).flags
    assert log_flags.vllm_options(on.flags)[0].flashinfer_sampler is True
    assert log_flags.vllm_options(off.flags)[0].flashinfer_sampler is False
    assert log_flags.vllm_options({})[0].flashinfer_sampler is None


@pytest.mark.parametrize("line", [
    # vLLM 0.9-0.10 (v1/sample/ops/topk_topp_sampler.py TopKTopPSampler.__init__, VLLM_USE_FLASHINFER_SAMPLER=0)
    "WARNING 06-18 08:55:01 [topk_topp_sampler.py:52] FlashInfer is available, but it is not enabled. Falling back "
    "to the PyTorch-native implementation of top-p & top-k sampling. For the best performance, please set "
    "VLLM_USE_FLASHINFER_SAMPLER=1.",
    # later releases (the same file, flashinfer_sampler_supported: logger.info_once("FlashInfer top-p/top-k
    # sampling disabled via VLLM_USE_FLASHINFER_SAMPLER=0."))
    "(EngineCore pid=690661) INFO 09-13 01:53:00 [topk_topp_sampler.py:46] FlashInfer top-p/top-k sampling disabled "
    "via VLLM_USE_FLASHINFER_SAMPLER=0.",
])
def test_vllm_flashinfer_sampler_turned_off(line):
    """The two other ways a log says the V1 sampler does not take FlashInfer's top-k/top-p: available
    but not enabled, and disabled by the environment. Either reads as False, and a "Using FlashInfer"
    line elsewhere in the log wins over it."""
    head = ("INFO 09-04 01:02:21 [api_server.py:1805] vLLM API server version 0.10.1.1\n"
            "INFO 09-04 01:04:29 [gpu_worker.py:276] Available KV cache memory: 5.01 GiB\n")
    assert logs.parse(head + line + "\n").flags["flashinfer_sampler"] is False
    used = "INFO 09-04 01:02:57 [topk_topp_sampler.py:50] Using FlashInfer for top-p & top-k sampling.\n"
    assert logs.parse(head + line + "\n" + used).flags["flashinfer_sampler"] is True
    assert logs.parse(head + used + line + "\n").flags["flashinfer_sampler"] is True


def test_check_log_names_the_release_it_planned_only_when_the_log_prints_one():
    """check-log plans for the log's vLLM release and says so (kvplan fit --engine-version gives the
    same plan); a log that prints no release gets no such note (kvplan's own is not the log's)."""
    text = ("non-default args: {'model': 'Qwen/Qwen3-8B', 'max_model_len': 16384, "
            "'gpu_memory_utilization': 0.3, 'max_num_batched_tokens': 8192}\nAvailable KV cache memory: 6.98 GiB\n")
    untold = logs.check(logs.parse(text), gpu="h100-sxm-80gb")
    assert untold.facts.version is None and not [n for n in untold.notes if "planned for" in n]
    told = logs.check(logs.parse("Initializing a V1 LLM engine (v0.16.0) with config: model='Qwen/Qwen3-8B'\n" + text),
                      gpu="h100-sxm-80gb")
    assert [n for n in told.notes if "planned for" in n] == [
        "planned for vLLM 0.16.0, the log's release (kvplan fit --engine-version 0.16.0 gives the same plan)"]
