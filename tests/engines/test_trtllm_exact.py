"""TensorRT-LLM's budget as whole records, by hand (issue 25).

The rules (kvplan/engines/trtllm.py's docstring) were read from tensorrt_llm/_torch/pyexecutor/_util.py
at commit 0004396720054fd8e205cbf616f21f0b57c6b412: KvCacheCreator.configure_kv_cache_capacity (the
estimation run over max_num_tokens, 8,192 by default; max_gpu_total_bytes a cap: min(estimate, cap)),
_cal_max_memory ((total − peak) × free_gpu_memory_fraction 0.9), get_mla_context_workspace_reserve
(not sized: an unmodelled term)."""
from kvplan.engines.base import BudgetPart, ServeOptions
from kvplan.engines.trtllm import ENGINE
from kvplan.sources import catalog

GiB = 2**30
H100 = catalog.load_gpu("h100")  # usable (CUDA's total) 84,938,346,987 bytes

MLA_SOURCE = ("_util.py get_mla_context_workspace_reserve: with block reuse on and chunked prefill off "
              "(the defaults) TensorRT-LLM may take up to budget × w / (k + w) off the cache; w, the "
              "backend's runtime_workspace_bytes_per_token, was not read")


def test_trtllm_budget_of_an_mla_model_with_flags_and_a_cap_as_a_whole_record():
    """DeepSeek-V3 (MLA) with 40 GiB of weights, --activation-memory 3 GiB, --non-torch-memory 1 GiB
    (given: no uncertainty) and --kv-cache-memory 8 GiB. Free = 84,938,346,987 − 40 GiB − 3 GiB
    − 1 GiB = 84,938,346,987 − 47,244,640,256 = 37,693,706,731; × 0.9 = 33,924,336,057, over the
    8 GiB cap, so the cache is 8,589,934,592; left free 37,693,706,731 − 8,589,934,592 =
    29,103,772,139. The MLA workspace reserve is a term of 0 bytes, marked unmodelled."""
    opts = ServeOptions(activation_bytes=3 * GiB, non_torch_bytes=GiB, kv_cache_memory=8 * GiB)
    parts = ENGINE.budget(H100, 40 * GiB, catalog.load_model("deepseek-v3"), opts, 1, 1, None)
    assert 84_938_346_987 - 47_244_640_256 == 37_693_706_731
    assert int(37_693_706_731 * 0.9) == 33_924_336_057 > 8 * GiB
    assert parts == [
        BudgetPart("weights", "weights (this GPU's share)", 42_949_672_960,
                   "parameters × weight format, split as the parallel layers split them"),
        BudgetPart("activation", "estimation-run peak (activations)", 3_221_225_472, "--activation-memory", 0),
        BudgetPart("non_torch", "non-torch runtime (CUDA graphs, NCCL)", 1_073_741_824, "--non-torch-memory", 0),
        BudgetPart("mla_workspace", "context-MLA workspace reserve", 0, MLA_SOURCE, 0, True),
        BudgetPart("kv_cache", "KV cache", 8_589_934_592,
                   "free_gpu_memory_fraction 0.9 × (total − the parts above); "
                   "capped by max_gpu_total_bytes (--kv-cache-memory 8,589,934,592)"),
        BudgetPart("unused", "left free", 29_103_772_139, "")]


def test_trtllm_estimation_run_has_no_sampler_rows():
    """The estimation run's peak is the forward over max_num_tokens alone (no sampler pass: kvplan
    passes 0 sequences to vllm_memory.activation_peak). At --max-num-batched-tokens 16 on Llama 3.1 8B:
    16 × (2 × 4,096 + 3 × 14,336) × 2 = 16 × 102,400 = 1,638,400 bytes, where one sampler row
    (128,256 logits × 34 bytes = 4,360,704) would be larger and take the max."""
    parts = ENGINE.budget(H100, 16_060_522_496, catalog.load_model("llama-3.1-8b"),
                          ServeOptions(max_num_batched_tokens=16), 1, 1, None)
    act = {p.key: p for p in parts}["activation"]
    assert act.bytes == 16 * (2 * 4096 + 3 * 14_336) * 2 == 1_638_400
    assert act.source == "estimated for 16 tokens (vllm_memory.activation_peak)"
