"""Issue 25: vLLM 0.33's engine wiring (kvplan/engines/vllm/__init__.py: run_dtype, stages,
for_model, configure, _pages, hold, budget, capacity, max_batch, _refuse) called directly, every
figure worked out by hand beside its assertion from vLLM's block arithmetic
(v1/core/kv_cache_utils.py, v1/core/kv_cache_planning.py, v1/kv_cache_interface.py):
blocks = budget // bytes per block, one block held back as the null block, a request of
max_model_len refused when its blocks do not fit beside the null block, the estimate of the
longest max_model_len that would fit, concurrency = blocks / blocks per request."""
from types import SimpleNamespace

import pytest

from kvplan.engines import ServeOptions
from kvplan.engines.base import BudgetPart, Capacity, Worker
from kvplan.engines.vllm import ENGINE, VLLM
from kvplan.engines.vllm.pages import Config
from kvplan.errors import KvplanError
from kvplan.model import dtypes
from kvplan.sources import catalog

GiB, MiB = 2**30, 2**20
H100 = catalog.load_gpu("h100")  # sm90, 79.1 GiB: ≥ 70 GiB and not an A100, so 8,192 tokens / 1,024 seqs
A100 = catalog.load_gpu("a100-80gb")  # sm80, 79.1 GiB but an A100: 2,048 tokens / 256 seqs
B200 = catalog.load_gpu("b200")  # sm100, 178 GiB: ≥ 160 GiB, so 16,384 tokens / 1,024 seqs
V100 = catalog.load_gpu("v100")  # sm70
DEFAULT_NOTE = "vLLM's default (CacheConfig.DEFAULT_BLOCK_SIZE)"


def _model(name):
    return catalog.load_model(name)


# --- run_dtype: config/model.py _resolve_auto_dtype ------------------------------------------

def test_run_dtype_of_a_float32_checkpoint_by_compute_capability():
    gpt2 = _model("gpt2")  # a float32 checkpoint
    assert gpt2.dtype == "fp32"
    # bfloat16 from sm80 on, float16 before (V100: sm70, T4: sm75)
    assert ENGINE.run_dtype(gpt2, V100) == "fp16"
    assert ENGINE.run_dtype(gpt2, catalog.load_gpu("t4")) == "fp16"
    assert ENGINE.run_dtype(gpt2, A100) == "bf16"  # sm80 exactly: the edge
    assert ENGINE.run_dtype(gpt2, H100) == "bf16"
    assert ENGINE.run_dtype(gpt2, None) == "bf16"  # no GPU: the sm80+ answer
    assert ENGINE.run_dtype(gpt2, SimpleNamespace(name="unknown-card")) == "bf16"  # no capability known
    # a 16-bit checkpoint runs as it is, whatever the card
    assert ENGINE.run_dtype(_model("llama-3-8b"), V100) == "bf16"


# --- stages: distributed/utils.py get_pp_indices ----------------------------------------------

def test_pipeline_stages_give_the_remainder_to_the_stages_before_the_last():
    # num_layers // pp each; the remainder, one layer each, to partitions[-2], [-3], ...
    assert ENGINE.stages(32, 1) == [32]
    assert ENGINE.stages(32, 4) == [8, 8, 8, 8]
    assert ENGINE.stages(31, 3) == [10, 11, 10]  # 31 = 3 × 10 + 1: the middle (−2) stage
    assert ENGINE.stages(32, 3) == [11, 11, 10]  # 32 = 3 × 10 + 2: stages −2 and −3
    assert ENGINE.stages(33, 4) == [8, 8, 9, 8]  # 33 = 4 × 8 + 1
    assert ENGINE.stages(35, 4) == [9, 9, 9, 8]  # 35 = 4 × 8 + 3: all but the last


# --- for_model / configure: the settings vLLM resolves ----------------------------------------

def test_for_model_resolves_the_gpu_and_the_pipeline():
    s = _model("llama-3-8b")
    eng = ENGINE.for_model(s, H100, ServeOptions(), "bf16", "bf16")
    assert eng.model is s
    # H100: 8,192 batched tokens, 1,024 seqs; async scheduling keeps pp + 1 = 2 batches in flight
    assert eng.cfg == Config(16, 8192, 8192, 1024, 2 * 8192, "align", "bf16", DEFAULT_NOTE)
    # pp 2: 3 batches in flight; A100: 2,048 tokens / 256 seqs
    assert ENGINE.for_model(s, H100, ServeOptions(), "bf16", "bf16", 2).cfg.in_flight_tokens == 3 * 8192
    assert ENGINE.for_model(s, A100, ServeOptions(), "bf16", "bf16").cfg == \
        Config(16, 8192, 2048, 256, 2 * 2048, "align", "bf16", DEFAULT_NOTE)


def test_configure_without_a_gpu_or_a_model():
    s = _model("llama-3-8b")
    # no GPU: 2,048 tokens, 256 seqs, pp 1 (2 batches in flight), max_model_len the model's 8,192
    assert ENGINE.configure(s, None, ServeOptions(), "bf16") == \
        Config(16, 8192, 2048, 256, 4096, "align", "bf16", DEFAULT_NOTE)
    # no model: max_model_len must be given; 16-token blocks, "default"
    assert ENGINE.configure(None, None, ServeOptions(max_model_len=1024), "bf16") == \
        Config(16, 1024, 2048, 256, 4096, "align", "bf16", "default")
    with pytest.raises(KvplanError) as e:
        ENGINE.configure(None, None, ServeOptions(), "bf16")
    assert str(e.value) == "the model states no max_position_embeddings; give max_model_len"


def test_configure_refuses_a_max_model_len_beyond_the_model():
    s = _model("llama-3-8b")  # max_position_embeddings 8,192
    assert ENGINE.configure(s, None, ServeOptions(max_model_len=8192), "bf16").max_model_len == 8192
    with pytest.raises(KvplanError) as e:
        ENGINE.configure(s, None, ServeOptions(max_model_len=8193), "bf16")
    assert str(e.value) == ("max_model_len=8193 is greater than llama-3-8b's max_position_embeddings "
                            "(8192); vLLM refuses it unless VLLM_ALLOW_LONG_MAX_MODEL_LEN=1")


def test_configure_block_size_given_and_by_backend():
    s = _model("llama-3-8b")
    cfg = ENGINE.configure(s, H100, ServeOptions(block_size=32, max_num_seqs=7, max_num_batched_tokens=512), "bf16")
    assert cfg == Config(32, 8192, 512, 7, 2 * 512, "align", "bf16", "--block-size")
    # DeepSeek-V3 (MLA) on sm100: FLASHINFER_MLA, 32-token blocks; B200 ≥ 160 GiB: 16,384 / 1,024
    v3 = _model("deepseek-v3")
    assert ENGINE.configure(v3, B200, ServeOptions(), "bf16") == \
        Config(32, 163_840, 16384, 1024, 2 * 16384, "align", "bf16",
               "FLASHINFER_MLA on sm100 takes 32 or 64 tokens per block: 32")


def test_configure_notes_where_the_cache_is_not_in_the_format_asked():
    falcon = _model("falcon-7b")
    cfg = ENGINE.configure(falcon, H100, ServeOptions(), "fp8_e4m3", "bf16")
    note = ("vLLM's falcon attention ignores --kv-cache-dtype: its cache stays bf16 "
            "(model_executor/models/falcon.py FalconAttention: the rotary and ALiBi paths build "
            "Attention without cache_config)")
    assert cfg == Config(16, 2048, 8192, 1024, 16384, "align", "bf16", DEFAULT_NOTE, kv_note=note)
    eng = ENGINE.for_model(falcon, H100, ServeOptions(), "fp8_e4m3", "bf16")
    assert eng.notes(falcon) == [note] and eng.kv_formats("fp8_e4m3") == ("bf16", "bf16")
    # asked in the model's own format: nothing to say
    plain = ENGINE.for_model(falcon, H100, ServeOptions(), "bf16", "bf16")
    assert plain.cfg.kv_note == "" and plain.notes(falcon) == []
    assert ENGINE.notes(falcon) == [] and ENGINE.kv_formats("fp8_e4m3") == ("fp8_e4m3", "fp8_e4m3")
    v4 = ENGINE.configure(_model("deepseek-v4-flash"), H100, ServeOptions(max_model_len=4096), "bf16", "bf16")
    assert v4.kv_note == ("vLLM keeps DeepSeek-V4's cache in fp8_ds_mla rows (584 bytes per 512 values) "
                          "whatever --kv-cache-dtype says (models/deepseek_v4/attention.py)")
    assert (v4.block_size, v4.sparse_mla) == (256, False)
