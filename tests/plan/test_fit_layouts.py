"""fit's per-rank weights follow the engine's parallel layout flags (plan/parallel.py layout),
checked by hand: vLLM's --enable-expert-parallel and SGLang's --enable-dp-attention."""
from kvplan import api

# gpt-oss-20b (model_specs/models/gpt-oss-20b.yaml): hidden 2,880, 24 MoE layers, 32 experts of
# intermediate 2,880, gated, MXFP4 (4 bits a weight + a 1-byte scale per 32) with bf16 biases.
H = 2880


def _expert(inter: int) -> int:
    matrix = H * inter // 2 + H * inter // 32
    return 3 * matrix + (2 * inter + H) * 2


def test_vllm_expert_parallel_gives_the_fullest_rank_whole_experts():
    # tp 1 × DP 3 = 3 ranks. Without EP the experts split tp 3 over them (vLLM's MoE group is
    # tp × dp): 32 experts of 960 wide = 32 × 4,416,000 = 141,312,000 bytes a layer. With EP:
    # 32 = 11 + 11 + 10 whole experts, rank 0 the fullest: 11 × 13,236,480 = 145,601,280.
    assert (_expert(960), _expert(2880)) == (4_416_000, 13_236_480)
    per_layer = 11 * _expert(2880) - 32 * _expert(960)
    assert per_layer == 4_289_280
    ep = api.fit("gpt-oss-20b", "h100", tp=1, data_parallel_size=3, enable_expert_parallel=True)
    no = api.fit("gpt-oss-20b", "h100", tp=1, data_parallel_size=3)
    assert ep.stages[0].weights_bytes - no.stages[0].weights_bytes == 24 * per_layer == 102_942_720


def test_sglang_dp_attention_splits_the_model_over_tp_over_dp():
    # SGLang --tp 4 --dp-size 2 --enable-dp-attention: attention groups of 4 / 2 = 2 ranks; a
    # dense model's rank then holds what a --tp 2 rank holds. Without the flag: a --tp 4 rank's.
    dpa = api.fit("llama-3.1-8b", "h100", tp=4, engine="sglang", data_parallel_size=2, dp_attention=True)
    dp = api.fit("llama-3.1-8b", "h100", tp=4, engine="sglang", data_parallel_size=2)
    tp2 = api.fit("llama-3.1-8b", "h100", tp=2, engine="sglang")
    tp4 = api.fit("llama-3.1-8b", "h100", tp=4, engine="sglang")
    assert dpa.stages[0].weights_bytes == tp2.stages[0].weights_bytes
    assert dp.stages[0].weights_bytes == tp4.stages[0].weights_bytes < tp2.stages[0].weights_bytes
