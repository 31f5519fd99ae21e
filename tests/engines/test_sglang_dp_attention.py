"""Issue 25 (session 11): SGLang 0.5.23's per-rank limits under DP attention, and a hybrid model's
SWA holding, each by hand from SGLang's own code (the 0.5.23 wheel, sglang/srt/...):

* arg_groups/parallel_hook.py handle_deprecated_dp_attention: ``--dp-size D --enable-dp-attention``
  becomes attn_dp_size D; without --enable-dp-attention it returns early and attn_dp_size stays 1
  (``--dp-size D`` alone is D whole replicas, each with the whole chunk and request limit).
* parallel_hook.py _handle_data_parallelism: chunked_prefill_size // attn_dp_size.
* mem_cache/kv_cache_configurator.py resolve_max_num_reqs: a --max-running-requests N given is
  ``max(1, N // attn_dp_size)`` per worker, then capped at ``token_capacity // 2``.
* models/gpt_oss.py get_attention_sliding_window_size: ``config.sliding_window - 1``.
"""
from kvplan.engines.base import ServeOptions
from kvplan.engines.sglang import SGLang, attn_dp_size, chunked_prefill_size, max_running_requests
from kvplan.sources import catalog

H100 = catalog.load_gpu("h100")  # 81,559 MiB: handle_gpu_memory_settings' 8,192-token class
DPA = dict(dp_attention=True)


def test_dp_size_without_dp_attention_is_whole_replicas():
    # --dp-size 2 alone: attn_dp_size stays 1, so neither limit is split
    plain = ServeOptions(data_parallel_size=2)
    assert attn_dp_size(plain) == 1
    assert chunked_prefill_size(H100, plain) == 8192
    assert max_running_requests(700_000, 131_072, ServeOptions(data_parallel_size=2, max_num_seqs=64)) == 64
    # with --enable-dp-attention: 2 ranks, 8,192 // 2 = 4,096 and 64 // 2 = 32
    assert attn_dp_size(ServeOptions(data_parallel_size=2, **DPA)) == 2
    assert chunked_prefill_size(H100, ServeOptions(data_parallel_size=2, **DPA)) == 4096
    assert max_running_requests(700_000, 131_072, ServeOptions(data_parallel_size=2, max_num_seqs=64, **DPA)) == 32


def test_max_running_requests_split_floors_to_an_int_of_at_least_one():
    pool = 700_000  # half the pool (350,000) never binds here
    # 5 // 2 = 2 (an int, not 2.5)
    got = max_running_requests(pool, 131_072, ServeOptions(data_parallel_size=2, max_num_seqs=5, **DPA))
    assert got == 2 and type(got) is int
    # 3 // 2 = 1: kept at 1, not raised to 2
    assert max_running_requests(pool, 131_072, ServeOptions(data_parallel_size=2, max_num_seqs=3, **DPA)) == 1
    # 1 // 8 = 0: max(1, 0) = 1
    assert max_running_requests(pool, 131_072, ServeOptions(data_parallel_size=8, max_num_seqs=1, **DPA)) == 1
    # no DP attention: --max-running-requests 1 is 1
    assert max_running_requests(pool, 131_072, ServeOptions(max_num_seqs=1)) == 1


def test_hybrid_swa_layer_holds_sliding_window_minus_one():
    # gpt-oss-20b's local layers: sliding_window 128, so SGLang's SWA pool keeps 127 tokens of a
    # longer request, and every token of a shorter one
    spec = catalog.load_model("gpt-oss-20b")
    local = spec.layer_types["local"].mixer
    eng = SGLang(hybrid=True)
    assert eng.hold(local, 8192, "bf16", "bf16").tokens == 127
    assert eng.hold(local, 127, "bf16", "bf16").tokens == 127
    assert eng.hold(local, 100, "bf16", "bf16").tokens == 100
    # the same layer in a model SGLang does not treat as hybrid: every token
    assert SGLang(hybrid=False).hold(local, 8192, "bf16", "bf16").tokens == 8192
