"""DeepSeek-V3.2 at TP 8 on the 96 GB H20 at vLLM's defaults (issue 20 c; the serving row
vllm-recipes-dsv32-h20, which the engine ran on a card named only '8xH20'): kvplan's "does not fit" is
decided by the weights and one request's KV alone, before any estimated term, so the card the recipe
ran on held more than 96 GB (benchmarks/serving/runs.yaml, that source's caveat 2)."""
import kvplan.api as api

GiB = 2**30


def test_weights_and_one_max_length_request_exceed_the_96gb_h20_share():
    r = api.fit("deepseek-v3.2", "h20", tp=8)
    assert r.verdict == "does_not_fit" and not r.fits
    # one request at the model's 163,840 positions, by hand: 61 layers x (the MLA latent 512 + rope 64 in
    # bf16, 2 B each; vLLM's default "auto" cache dtype) + the sparse-attention indexer's K cache, 128 fp8
    # values and one fp32 scale = 132 B (vLLM's DeepseekV32IndexerCache)
    one_request = 163_840 * 61 * (576 * 2 + 128 + 4)
    assert one_request == 12_832_604_160  # 11.95 GiB, the figure of the refusal line
    share = 0.9 * r.gpu_memory_bytes  # gpu_memory_utilization 0.9 of CUDA's total (95.00 GiB, gpus.yaml h20)
    assert r.weights_as_loaded + one_request > share  # no overhead needed to refuse: 80.1 + 11.95 > 85.5 GiB
    # the same launch on the 141 GB H200 fits with the same weights
    h200 = api.fit("deepseek-v3.2", "h200", tp=8)
    assert h200.fits and h200.weights_as_loaded == r.weights_as_loaded


def test_deepseek_r1_weights_at_tp8_near_a_logged_load():
    # HabanaAI/vllm-fork#809 (DeepSeek-R1, TP 8): "Pre-loading model weights on hpu:0 took 79.41 GiB of device
    # memory"; an HPU loader, not CUDA's, so within 1 % only
    w = api.fit("deepseek-r1", "h200", tp=8).weights_as_loaded
    assert abs(w / GiB - 79.41) / 79.41 < 0.01
