"""check-log's `check`: which planned figure goes beside which logged one (issue 25: the
survivors of kvplan/observe/logs.py's `check` in the clean mutation run of session 6).

llama.cpp logs below are made of llama.cpp's own format strings (quoted in
kvplan/observe/logs.py's docstring) for Llama 4 Scout, whose numbers are checkable by hand:
48 layers, 36 chunked (chunk 8,192) and 12 global, 8 KV heads of 128. In f16 a cell of one
layer holds 8 × 128 × 2 (K, V) × 2 bytes = 4,096 bytes. With -c 16384 and n_ubatch 512:
  * global cache: 12 × 16,384 × 4,096 = 805,306,368 bytes (768.00 MiB)
  * chunked cache: min(16,384, pad256(8,192 + 512)) = 8,704 cells (llama.cpp keeps a chunk plus
    a micro-batch), 36 × 8,704 × 4,096 = 1,283,457,024 bytes (1,224.00 MiB)
"""
import pytest

from kvplan.errors import KvplanError
from kvplan.observe import log_flags, logs

GLOBAL_BYTES, CHUNKED_BYTES = 805_306_368, 1_283_457_024
CTX = "llama_context: n_ctx         = 16384\nllama_context: n_ubatch      = 512\n"
GLOBAL_LINE = ("llama_kv_cache: size =  768.00 MiB ( 16384 cells,  12 layers,  1/1 seqs), K (f16):  384.00 MiB, "
               "V (f16):  384.00 MiB\n")
CHUNKED_LINE = ("llama_kv_cache: size = 1224.00 MiB (  8704 cells,  36 layers,  1/1 seqs), K (f16):  612.00 MiB, "
                "V (f16):  612.00 MiB\n")
NON_SWA = "llama_kv_cache_iswa: creating non-SWA KV cache, size = 16384 cells\n"
SWA = "llama_kv_cache_iswa: creating     SWA KV cache, size = 8704 cells\n"


def _rows(text, model="llama-4-scout"):
    c = logs.check(logs.parse(text), model=model)
    return [(r.figure.label, r.predicted, r.why_not) for r in c.rows]


def test_llamacpp_swa_and_non_swa_caches_take_their_own_groups():
    # the chunked layers are llama.cpp's SWA cache, the global ones its non-SWA cache
    assert _rows(CTX + NON_SWA + GLOBAL_LINE + SWA + CHUNKED_LINE) == [
        ("non-SWA cache cells (12 layers)", 16384, ""), ("non-SWA cache size (12 layers)", GLOBAL_BYTES, ""),
        ("SWA cache cells (36 layers)", 8704, ""), ("SWA cache size (36 layers)", CHUNKED_BYTES, "")]


def test_llamacpp_one_unnamed_cache_is_every_group():
    # one cache line and no iswa announcement: the whole plan beside it, the larger group's cells
    # and both groups' bytes: 805,306,368 + 1,283,457,024 = 2,088,763,392
    assert _rows(CTX + GLOBAL_LINE) == [("KV cache cells (12 layers)", 16384, ""),
                                        ("KV cache size (12 layers)", 2_088_763_392, "")]


def test_llamacpp_named_or_several_caches_are_the_global_one():
    # two unnamed cache lines: each one is read as the global cache (no SWA label to say otherwise)
    assert [p for _, p, _ in _rows(CTX + GLOBAL_LINE + GLOBAL_LINE)] == [16384, GLOBAL_BYTES] * 2
    # one cache announced as non-SWA: the global group only, even alone
    assert [p for _, p, _ in _rows(CTX + NON_SWA + GLOBAL_LINE)] == [16384, GLOBAL_BYTES]


def test_llamacpp_swa_cache_of_a_model_without_one():
    # Llama 3.1 8B has no sliding layers: an SWA line gets no figure, and says why
    # (its global cache: 32 layers × 16,384 × 8 × 128 × 2 × 2 = 2,147,483,648 bytes)
    rows = _rows(CTX + NON_SWA + GLOBAL_LINE + SWA + CHUNKED_LINE, model="llama-3.1-8b")
    assert rows[1][1] == 2_147_483_648
    assert rows[2:] == [("SWA cache cells (36 layers)", None, "kvplan plans no such cache for this model"),
                        ("SWA cache size (36 layers)", None, "kvplan plans no such cache for this model")]


def test_llamacpp_check_names_the_model_and_keeps_the_notes():
    # the log's own path, not a file here: read by its last part, and said so; a GGUF's name
    # that says FP8 is not re-priced (llama.cpp's weights are the file's, not a vLLM checkpoint's)
    c = logs.check(logs.parse("llama_model_loader: loaded meta data with 40 key-value pairs and 400 tensors from "
                              "/home/me/llama-4-scout (version GGUF V3 (latest))\n" + CTX + GLOBAL_LINE))
    assert c.model == "llama-4-scout" and c.gpu is None
    assert c.notes == ("the log's model '/home/me/llama-4-scout' read as llama-4-scout",)
    fp8 = logs.parse("llama_model_loader: loaded meta data with 40 key-value pairs and 400 tensors from "
                     "/m/Llama-4-Scout-FP8.gguf (version GGUF V3 (latest))\n" + CTX + GLOBAL_LINE)
    assert logs.check(fp8, model="llama-4-scout").notes == ()


# --- vLLM and SGLang ---------------------------------------------------------------------------
# Llama 3.1 8B: 8,030,261,248 parameters, 16,060,522,496 bytes in bf16 (2 a parameter)
VLLM = "vllm serve meta-llama/Llama-3.1-8B\nModel loading took 14.96 GiB memory and 3.0 seconds\n" \
       "GPU KV cache size: 10 tokens\n"
SGLANG = "server_args={'model_path': 'meta-llama/Llama-3.1-8B'}\n" \
         "Load weight end. elapsed=1 s, type=LlamaForCausalLM, avail mem=60.00 GB, mem usage=14.96 GB.\n" \
         "max_total_num_tokens=5\n"


def _pred(c, key):
    return [(r.predicted, r.why_not) for r in c.rows if r.figure.key == key]


@pytest.mark.parametrize("text", [VLLM, SGLANG])
def test_check_weight_dtype_reaches_the_plan(text):
    # weights as loaded: vLLM also loads its rotary table, 131,072 positions × 128 dims × 2 bytes (bf16);
    # SGLang's 'mem usage' holds what loading allocates beyond the weights (sglang_startup.py LOAD_EXTRA)
    table = 131_072 * 128 * 2 if text is VLLM else 219_911_823
    assert _pred(logs.check(logs.parse(text), gpu="h100"), "weights") == [(16_060_522_496 + table, "")]
    c = logs.check(logs.parse(text), gpu="h100", weight_dtype="fp8")
    assert _pred(c, "weights") == [(8_030_261_248 + table, "")]  # one byte a parameter
    assert not [n for n in c.notes if n.startswith("weights:")]


def test_check_weight_dtype_given_wins_over_the_logs_name_without_a_note():
    # the log's quantization says fp8; --weight-dtype bf16 given: no re-pricing, no note of it
    c = logs.check(logs.parse("non-default args: {'model': 'meta-llama/Llama-3.1-8B', 'quantization': 'fp8'}\n"
                              "GPU KV cache size: 10 tokens\n"), gpu="h100", weight_dtype="bf16")
    assert not [n for n in c.notes if n.startswith("weights:")]


def test_check_kv_tokens_when_the_plan_refuses():
    # 10 % of an H100 (about 8.6 GB) holds less than the 16 GB of bf16 weights: the plan refuses;
    # vLLM would not start, so no token count beside its figure; SGLang's pool size is its plan's (0)
    c = logs.check(logs.parse("non-default args: {'model': 'meta-llama/Llama-3.1-8B', "
                              "'gpu_memory_utilization': 0.1}\nGPU KV cache size: 10 tokens\n"), gpu="h100")
    assert _pred(c, "kv_tokens") == [(None, "kvplan's plan refuses this set-up")]
    c = logs.check(logs.parse("server_args={'model_path': 'meta-llama/Llama-3.1-8B', 'mem_fraction_static': 0.1}\n"
                              "max_total_num_tokens=5\n"), gpu="h100")
    assert _pred(c, "kv_tokens") == [(0, "")]


def test_check_tp_note_only_when_the_log_says_another():
    text = "non-default args: {'model': 'meta-llama/Llama-3.1-8B', 'tensor_parallel_size': 2}\n" \
           "GPU KV cache size: 10 tokens\n"
    assert not [n for n in logs.check(logs.parse(text), gpu="h100", tp=2).notes if "--tp" in n]
    assert "the log says tensor parallel 2; --tp 4 ignored" in logs.check(logs.parse(text), gpu="h100", tp=4).notes


def test_sglang_kv_cache_dtype_error_echoes_the_lower_cased_name():
    from kvplan.sources import catalog

    spec, gpu = catalog.load_model("llama-3.1-8b"), catalog.load_gpu("h100")
    with pytest.raises(KvplanError, match=r"^--kv-cache-dtype 'fp32' is not one of sglang's names"):
        log_flags._sglang_fit(spec, gpu, {"kv_cache_dtype": "FP32"})


def test_check_pool_bytes_and_bytes_per_token_beside_sglangs():
    t = "server_args={'model_path': 'meta-llama/Llama-3.1-8B'}\n" \
        "KV Cache is allocated. dtype: torch.bfloat16, #tokens: 100000, K size: 6.10 GB, V size: 6.10 GB\n"
    rows = {r.figure.key: r.predicted for r in logs.check(logs.parse(t), gpu="h100").rows}
    # bf16: 32 layers × 8 KV heads × 128 × 2 (K, V) × 2 bytes = 131,072 bytes a token, and the
    # pool's bytes are its planned tokens times that (tokens × 131,072, not tokens / 131,072)
    assert rows["cell_bytes"] == 131_072
    assert rows["kv_bytes"] == rows["kv_tokens"] * 131_072 and rows["kv_tokens"] > 100_000


def test_check_bytes_one_request_needs_beside_vllms_refusal():
    # max_model_len 131,072 (Llama 3.1's own) × 131,072 bytes a token = 17,179,869,184 (16 GiB)
    t = "vllm serve meta-llama/Llama-3.1-8B\n" \
        "(16.00 GiB KV cache is needed, which is larger than the available KV cache memory (1.00 GiB)\n"
    assert _pred(logs.check(logs.parse(t), gpu="h100"), "request_bytes") == [(17_179_869_184, "")]


def test_check_refusal_gives_no_concurrency_and_a_note():
    c = logs.check(logs.parse("non-default args: {'model': 'meta-llama/Llama-3.1-8B', 'gpu_memory_utilization': 0.1}"
                              "\nMaximum concurrency for 4,096 tokens per request: 1.50x\n"), gpu="h100")
    assert _pred(c, "max_concurrency") == [(None, "kvplan's plan refuses this set-up")]
    assert [n for n in c.notes if n.startswith("kvplan: llama-3.1-8b does not fit: ")]
    # a figure kvplan's plan has no counterpart of, on a set-up that fits
    fig = logs.Figure("gpu_blocks", "GPU blocks", 1, "blocks", 1, "1")
    c = logs.check(logs.LogFacts("sglang", "meta-llama/Llama-3.1-8B", {}, (fig,)), gpu="h100")
    assert [(r.predicted, r.why_not) for r in c.rows] == [(None, "kvplan has no such figure")]
    assert not [n for n in c.notes if n.startswith("kvplan:")]


def test_check_v0_rows_out_of_scope_but_the_weights():
    # a V0 log: each figure but the weights is out of scope, wherever it stands in the log
    t = "vllm serve meta-llama/Llama-3.1-8B\nINFO # GPU blocks: 100, # CPU blocks: 0\n" \
        "INFO Loading model weights took 14.96 GB\n"
    c = logs.check(logs.parse(t), gpu="h100")
    assert [(r.figure.key, r.predicted, r.why_not) for r in c.rows] == [
        ("gpu_blocks", None, "vLLM V0: out of scope"), ("weights", 16_060_522_496 + 131_072 * 128 * 2, "")]


def test_check_attention_free_model_has_no_finite_concurrency(tmp_path):
    # A model whose every layer caches nothing (kind "none", MLP-only blocks): vLLM's planner
    # makes no KV group, and kvplan's vLLM capacity is "fits, infinitely many requests"
    # (engines/vllm Capacity(True, mml, 0, inf, ...)). check-log must not print "inf" beside a
    # logged concurrency: it says kvplan has no such figure, and the weights still compare.
    spec = tmp_path / "mlp-only.yaml"
    spec.write_text("name: mlp-only\ndisplay_name: MLP only\nsource: made up for this test\n"
                    "dtype: bf16\nhidden_size: 1024\nvocab_size: 1000\ntie_embeddings: true\n"
                    "max_context: 4096\nlayer_types:\n  mlp:\n    mixer:\n      kind: none\n"
                    "    mlp:\n      kind: dense\n      intermediate_size: 4096\npattern: mlp*4\n")
    t = ("non-default args: {'model': 'x/mlp-only'}\n"
         "Maximum concurrency for 4,096 tokens per request: 1.50x\n")
    c = logs.check(logs.parse(t), gpu="h100", model=str(spec))
    assert _pred(c, "max_concurrency") == [(None, "kvplan has no such figure")]
    assert not [n for n in c.notes if n.startswith("kvplan:")]
