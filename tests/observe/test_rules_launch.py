"""Launch lines, weight formats and V0 logs, case by case (issue 25: the mutants of
kvplan/observe/launch.py). Lines are made up in the engines' CLI syntax."""
import pytest

from kvplan.errors import KvplanError
from kvplan.observe import launch
from kvplan.sources import catalog


def test_parse_flags_forms():
    words = ["org/M", "--tp", "2", "--max-model-len=32k", "--enforce-eager", "--unknown", "x", "--dtype"]
    model, flags = launch.parse_flags(words, launch.VLLM_FLAGS, launch.VLLM_SWITCHES, True)
    # an unknown flag's value is not the model (it follows a flag); a flag with no value is dropped
    assert model == "org/M"
    assert flags == {"tensor_parallel_size": "2", "max_model_len": "32k", "enforce_eager": True}
    # the words list is not changed by the --flag=value split
    assert words[3] == "--max-model-len=32k"


def test_parse_flags_model_after_a_switch_and_not_positional():
    model, flags = launch.parse_flags(["--enforce-eager", "org/M", "-tp", "4"], launch.VLLM_FLAGS,
                                      launch.VLLM_SWITCHES, True)
    assert model == "org/M" and flags == {"enforce_eager": True, "tensor_parallel_size": "4"}
    # a bare word after an unknown flag is that flag's value, not the model; the first bare word wins
    model, _ = launch.parse_flags(["--seed", "0", "a/B", "c/D"], launch.VLLM_FLAGS, launch.VLLM_SWITCHES, True)
    assert model == "a/B"
    model, flags = launch.parse_flags(["a/B", "--tp", "2"], launch.SGLANG_FLAGS, launch.SGLANG_SWITCHES, False)
    assert model is None and flags == {"tp_size": "2"}
    # a value holding "=" keeps everything after the first "="
    _, flags = launch.parse_flags(["--kv-cache-memory=a=b"], launch.VLLM_FLAGS, {}, True)
    assert flags == {"kv_cache_memory_bytes": "a=b"}


def test_vllm_serve_with_line_continuations_and_bad_quotes():
    model, flags = launch.vllm_serve("$ vllm serve org/M \\\n  --gpu-memory-utilization 0.9 \\\n  --max-num-seqs 8")
    assert model == "org/M" and flags == {"gpu_memory_utilization": "0.9", "max_num_seqs": "8"}
    # an unbalanced quote: split on spaces instead
    model, flags = launch.vllm_serve("vllm serve 'org/M --tp 2")
    assert model == "'org/M" and flags == {"tensor_parallel_size": "2"}


def test_llm_call_keywords():
    model, flags = launch.llm_call('llm = LLM(model="org/M", tensor_parallel_size=2, seed=0, '
                                   "max_model_len='4096', enforce_eager=True, swap_space=4)")
    assert model == "org/M"
    assert flags == {"tensor_parallel_size": "2", "max_model_len": "4096", "enforce_eager": "True"}
    assert launch.llm_call("LLM('org/P', dtype='half')") == ("org/P", {"dtype": "half"})
    assert launch.llm_call("LLM(path, tp=2)") == (None, {})
    assert launch.llm_call("no call here") == (None, {})


def test_sglang_launch_forms():
    assert launch.sglang_launch("vllm serve x") is None
    m, f = launch.sglang_launch("sglang serve --model org/M --tp 2 --enable-ep-moe --context-length 4096")
    assert m == "org/M" and f == {"tp_size": "2", "enable_ep_moe": True, "context_length": "4096"}
    m, f = launch.sglang_launch("python3 -m sglang.launch_server --kv-cache-dtype fp8_e5m2")
    assert m is None and f == {"kv_cache_dtype": "fp8_e5m2"}


@pytest.mark.parametrize("model,flags,lines,want", [
    ("org/M", {"quantization": "AWQ"}, [], ("awq", "the log's quantization flag")),
    ("org/M-FP8", {"quantization": "None"}, [], ("fp8", "the model's name (org/M-FP8)")),
    ("org/M", {}, ["Load weight end. elapsed=1 s, quant=FP8, fmt=e4m3"], ("fp8", "SGLang's 'Load weight end' line")),
    ("org/M", {}, ["Load weight end. quant=none"], (None, "")),
    ("RedHatAI/Llama-3.3-70B-Instruct-FP8-dynamic", {}, [], ("fp8_dynamic", "the model's name "
                                                             "(RedHatAI/Llama-3.3-70B-Instruct-FP8-dynamic)")),
    ("x/m-fp8_dynamic", {}, [], ("fp8_dynamic", "the model's name (x/m-fp8_dynamic)")),
    ("x/m-NVFP4", {}, [], ("nvfp4", "the model's name (x/m-NVFP4)")),
    ("x/m-mxfp4", {}, [], ("mxfp4", "the model's name (x/m-mxfp4)")),
    ("x/m-GPTQ-Int4", {}, [], ("gptq", "the model's name (x/m-GPTQ-Int4)")),
    ("x/m-W8A8", {}, [], ("w8a8", "the model's name (x/m-W8A8)")),
    ("x/m-int4", {}, [], ("int4", "the model's name (x/m-int4)")),
    ("fp8-org/m", {}, [], (None, "")),  # only the repo's own name is read, not the org
    (None, {}, [], (None, "")),
])
def test_weight_format(model, flags, lines, want):
    assert launch.weight_format(model, flags, lines) == want


def test_checkpoint_quant_formats():
    spec = catalog.load_model("llama-3.1-8b")
    dyn = launch.checkpoint_quant(spec, "fp8_dynamic").weight_quant
    assert (dyn.scope, dyn.format, dyn.channel, dyn.block, dyn.method) == \
        ("linear", "fp8_e4m3", True, None, "compressed-tensors")
    blk = launch.checkpoint_quant(spec, "fp8").weight_quant
    assert (blk.scope, blk.format, blk.channel, blk.block, blk.method) == ("linear", "fp8_e4m3", None, 128, "fp8")
    assert launch.checkpoint_quant(spec, "awq") is None
    q = launch.checkpoint_quant(spec, "fp8")
    assert launch.checkpoint_quant(q, "fp8_dynamic") is q  # already quantized: kept


def test_weights_as_loaded_notes():
    spec = catalog.load_model("llama-3.1-8b")
    flags = {}
    q, note = launch.weights_as_loaded(spec, "org/M-FP8", flags)
    assert q.weight_quant.block == 128 and flags == {"quantization": "fp8"}
    assert note == ("weights: fp8 read from the model's name (org/M-FP8), priced as vLLM loads an FP8 checkpoint "
                    "(linear layers in fp8, embeddings, LM head and routers in bf16; checkpoint_quant)")
    flags = {}
    same, note = launch.weights_as_loaded(spec, "org/M-AWQ", flags)
    assert same is spec and note == ("weights: the model's name (org/M-AWQ) says awq, which kvplan does not price "
                                     "from a name; priced in bf16 (give --weight-dtype)")
    assert launch.weights_as_loaded(spec, "org/M", {}) == (spec, "")
    assert launch.weights_as_loaded(q, "org/M-FP8", {}) == (q, "")


def test_row_spec():
    assert launch.row_spec({"model": "llama-3.1-8b"}).weight_quant is None
    assert launch.row_spec({"model": "llama-3.1-8b", "quantization": "fp8"}).weight_quant.block == 128
    with pytest.raises(KvplanError, match=r"^quantization 'awq' is not one kvplan prices as loaded$"):
        launch.row_spec({"model": "llama-3.1-8b", "quantization": "awq"})


@pytest.mark.parametrize("version,lines,want", [
    (None, ["INFO Initializing a V1 LLM engine (v0.6.0)", "Loading model weights took 1 GB"], None),
    (None, ["x # GPU blocks: 10"], "a V0-only line ('# GPU blocks:')"),
    (None, ["... stored in KV cache (10)"], "a V0-only line ('stored in KV cache')"),
    (None, ["Initializing an LLM engine (v0.5.0)"], "a V0-only line ('Initializing an LLM engine (v')"),
    ("0.7.3", [], "version 0.7.3, before V1 became the default (0.8.0)"),
    ("0.8.0", [], None), ("1.0", [], None), ("0.10.0", [], None), ("dev", [], None), (None, [], None),
])
def test_v0_reason(version, lines, want):
    assert launch.v0_reason(version, lines) == want


def test_line_continuations_anywhere():
    # a backslash-newline with no space before it, and one before the model: each is a space
    # (shlex alone would keep "org/M\n--tp" as one word)
    assert launch.vllm_serve("vllm serve org/M\\\n--tp 2") == ("org/M", {"tensor_parallel_size": "2"})
    assert launch.vllm_serve("vllm serve \\\n  org/M --tp 2") == ("org/M", {"tensor_parallel_size": "2"})


def test_the_first_vllm_serve_is_the_command():
    # a served name that repeats the command does not restart the parse
    line = "vllm serve org/M --tp 2 --served-model-name 'vllm serve demo'"
    assert launch.vllm_serve(line) == ("org/M", {"tensor_parallel_size": "2"})


def test_flag_equals_value_first_keeps_the_words_after_it():
    model, flags = launch.parse_flags(["--tp=2", "org/M", "--max-model-len", "4096"], launch.VLLM_FLAGS,
                                      launch.VLLM_SWITCHES, True)
    assert model == "org/M" and flags == {"tensor_parallel_size": "2", "max_model_len": "4096"}


def test_llm_call_strips_only_quotes():
    assert launch.llm_call('LLM(model="org/Model-X", dtype="half")') == ("org/Model-X", {"dtype": "half"})


def test_weight_format_reads_the_last_part_of_a_path():
    # a local path: only the folder's own name is read, not the parent folders'
    assert launch.weight_format("/data/fp8-models/Llama-3-8B", {}, []) == (None, "")
    assert launch.weight_format("/data/models/Llama-3-8B-FP8", {}, []) == ("fp8", "the model's name "
                                                                           "(/data/models/Llama-3-8B-FP8)")
