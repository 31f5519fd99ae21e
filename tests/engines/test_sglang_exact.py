"""SGLang 0.5.23's scheduler defaults and its budget as whole records, by hand (issue 25).

Rules read from the 0.5.23 wheel (/work/scratch/sglang/venv, paths under sglang/srt/):

* ``chunked_prefill_size``: arg_groups/memory_hook.py handle_gpu_memory_settings: by
  get_device_memory_capacity's MiB (nvidia-smi's total), 2,048 under 20 × 1,024, 4,096 under
  35 × 1,024 and under 60 × 1,024, 8,192 under 90 × 1,024 and under 160 × 1,024, else 16,384;
  a --chunked-prefill-size given is kept (kvplan's --max-num-batched-tokens);
* ``max_running_requests``: mem_cache/kv_cache_configurator.py KVCacheConfigurator.resolve_max_num_reqs:
  estimated = max(min(int(tokens / context_len × 512), 4096), 2048); with --max-running-requests
  (kvplan's --max-num-seqs) min(max(1, requested), tokens // 2), else min(estimated, tokens // 2).
"""
import pytest

from kvplan.engines.base import BudgetPart, ServeOptions
from kvplan.engines.sglang import ENGINE, chunked_prefill_size, max_running_requests
from kvplan.errors import KvplanError
from kvplan.sources import catalog

GiB = 2**30
H100 = catalog.load_gpu("h100")  # nvidia-smi 85,520,809,984 bytes = 81,559 MiB; usable 84,938,346,987
LLAMA_8B_WEIGHTS = 8_030_261_248 * 2  # bf16: 16,060,522,496


@pytest.mark.parametrize("gpu, mib, cps", [
    ("t4", 15_360, 2048),         # < 20,480
    ("l4", 23_034, 4096),         # 20,480 <= MiB < 35,840
    ("a100-40gb", 40_960, 4096),  # 35,840 <= MiB < 61,440
    ("h100", 81_559, 8192),       # 61,440 <= MiB < 163,840
    ("b200", 183_359, 16384),     # 163,840 and above
])
def test_chunked_prefill_size_by_the_cards_mib(gpu, mib, cps):
    g = catalog.load_gpu(gpu)
    assert g.smi_bytes // 2**20 == mib
    got = chunked_prefill_size(g, ServeOptions())
    assert got == cps and type(got) is int
    # a size given is SGLang's --chunked-prefill-size, kept as given, on any card
    assert chunked_prefill_size(g, ServeOptions(max_num_batched_tokens=512)) == 512


def test_max_running_requests_from_the_pool_by_hand():
    o = ServeOptions()
    # 700,000 / 131,072 × 512 = 2,734.375 -> 2,734, inside 2,048..4,096, under 700,000 // 2
    assert max_running_requests(700_000, 131_072, o) == 2734
    # 400,000 / 131,072 × 512 = 1,562.5 -> 1,562, clamped up to 2,048
    assert max_running_requests(400_000, 131_072, o) == 2048
    # 800,000 / 65,536 × 512 = 6,250, clamped down to 4,096
    assert max_running_requests(800_000, 65_536, o) == 4096
    # half the pool binds: 3,001 // 2 = 1,500 (an int, not 1,500.5), 3 // 2 = 1
    small = max_running_requests(3001, 131_072, o)
    assert small == 1500 and type(small) is int
    assert max_running_requests(3, 131_072, o) == 1
    # no context length (kvplan's own fallback: SGLang always has one): the 4,096 cap, no division
    assert max_running_requests(1_000_000, 0, o) == 4096


def test_max_running_requests_given_by_hand():
    # --max-running-requests 64 (kvplan's --max-num-seqs), under half the pool: kept
    assert max_running_requests(700_000, 131_072, ServeOptions(max_num_seqs=64)) == 64
    # over half the pool: 101 // 2 = 50 (an int), 3 // 2 = 1
    got = max_running_requests(101, 131_072, ServeOptions(max_num_seqs=64))
    assert got == 50 and type(got) is int
    assert max_running_requests(3, 131_072, ServeOptions(max_num_seqs=64)) == 1


def test_sglang_budget_with_a_fixed_cache_as_a_whole_record():
    """--kv-cache-memory fixes the cache: weights, the cache, and the rest of the card left on it.
    H100 usable 84,938,346,987 − weights 16,060,522,496 − 8 GiB (8,589,934,592) = 60,287,889,899."""
    parts = ENGINE.budget(H100, LLAMA_8B_WEIGHTS, catalog.load_model("llama-3.1-8b"),
                          ServeOptions(kv_cache_memory=8 * GiB, gpu_memory_utilization=0.85), 1, 1, None)
    assert 84_938_346_987 - 16_060_522_496 - 8_589_934_592 == 60_287_889_899
    assert parts == [
        BudgetPart("weights", "weights (this GPU's share)", 16_060_522_496, "parameters × weight format"),
        BudgetPart("kv_cache", "KV cache", 8_589_934_592,
                   "--kv-cache-memory (vLLM's --kv-cache-memory-bytes): fixed, no estimate"),
        BudgetPart("unused", "left on the card", 60_287_889_899,
                   "total − weights − the fixed cache: activations, CUDA graphs")]


@pytest.mark.parametrize("mfs", [0.0, -0.1, 1.5, 1.01])
def test_sglang_mem_fraction_static_outside_0_to_1_is_refused(mfs):
    spec = catalog.load_model("llama-3.1-8b")
    with pytest.raises(KvplanError) as e:
        ENGINE.budget(H100, LLAMA_8B_WEIGHTS, spec, ServeOptions(gpu_memory_utilization=mfs), 1, 1, None)
    assert str(e.value) == f"--mem-fraction-static must be in (0, 1], got {mfs}"


def test_sglang_mem_fraction_static_of_one_is_taken():
    # (0, 1]: 1 is allowed; with the fraction's budget (engines/sglang_startup.py budget_parts)
    # the cache is (total − used before the baseline) × 1 − weights − allocated while loading
    spec = catalog.load_model("llama-3.1-8b")
    parts = ENGINE.budget(H100, LLAMA_8B_WEIGHTS, spec, ServeOptions(gpu_memory_utilization=1.0), 1, 1, None)
    p = {x.key: x for x in parts}
    assert p["kv_cache"].bytes == 84_938_346_987 - p["non_torch"].bytes - 16_060_522_496 - p["load_extra"].bytes
    assert p["unused"].bytes == 0


def test_sglang_reserve_follows_a_chunked_prefill_size_given():
    """handle_gpu_memory_settings reserves for cfg.chunked_prefill_size, the user's when given:
    activations max(cps, 2,048) × 1.5 MiB and, as the prefill CUDA graphs' max_bs, the sizes
    generate_prefill_cuda_graph_batch_sizes captures up to it (8 MiB each). kvplan used the card's
    default here whatever --max-num-batched-tokens said (an optimistic budget for a larger size).
    H100, 81,559 MiB, TP 1: 512 + tp × pp / 8 × 1,024 = 128 + 2 × 256 (decode graphs) = 1,152 MiB
    plus
    * cps 16,384: 16,384 × 1.5 = 24,576 and 74 prefill graph sizes (8 + 14 + 8 + 8 + 12 up to
      4,096, then 4,608..16,384 by 512: 24) × 8 = 592: 26,320 MiB; (81,559 − 26,320) / 81,559
      = 0.6773 -> 0.677 (the card's default 8,192: 13,904 MiB, 0.830);
    * cps 512: max(512, 2,048) × 1.5 = 3,072 and 30 sizes (4..512) × 8 = 240: 4,464 MiB, under
      the 10,240 MiB floor of a card over 60 × 1,024 MiB: (81,559 − 10,240) / 81,559 = 0.8745 -> 0.874."""
    from kvplan.engines.sglang import default_mem_fraction_static, reserved_mib

    assert reserved_mib(81_559, 1, 1, False, False, None, 16_384) == 26_320
    assert reserved_mib(81_559, 1, 1, False, False, None, 8192) == reserved_mib(81_559, 1, 1, False, False) == 13_904
    assert default_mem_fraction_static(H100, 1, 1, False, False, None, 16_384) == 0.677
    assert default_mem_fraction_static(H100, 1, 1, False, False, None, 512) == 0.874
    # the floor: only above 61,440 MiB (memory_hook.py: gpu_mem > 60 * 1024)
    assert reserved_mib(61_440, 1, 1, False, False, None, 512) == 4464
    assert reserved_mib(61_441, 1, 1, False, False, None, 512) == 10_240
    # the budget passes --max-num-batched-tokens (SGLang's --chunked-prefill-size) on
    spec = catalog.load_model("llama-3.1-8b")
    parts = ENGINE.budget(H100, LLAMA_8B_WEIGHTS, spec, ServeOptions(max_num_batched_tokens=16_384), 1, 1, None)
    kv = {p.key: p for p in parts}["kv_cache"]
    assert "mem_fraction_static 0.677 " in kv.source


def test_sglang_refuses_a_mamba_state_cache_of_no_slot():
    """mem_cache/kv_cache_configurator.py _handle_max_mamba_cache: max_mamba_cache_size =
    int((budget × R / (1 + R) − per_req) // per_req), R = 0.9, and SGLang raises ("Not enough GPU
    memory for hybrid (mamba/linear-attention) state cache") when it is not positive. kvplan said
    the pool fit with -1 or 0 slots. Jamba v0.1 in bf16: 28 Mamba layers × (24,576 conv + 131,072
    SSM elements) × 2 bytes = 8,716,288 bytes a request (= 532 × its 16,384-byte attention cell).
    * 5 requests' worth: 5 × 0.9 / 1.9 = 2.37 -> 1 slot; the pool gets 5 − 2 (1 + the padding
      slot) = 3 × 8,716,288 = 26,148,864 bytes = 1,596 tokens;
    * 4: 4 × 0.9 / 1.9 = 1.89 -> 0 slots; 2: 0.95 − 1 < 0 -> (floor) -1: refused, saying so."""
    from kvplan.plan import fit

    spec = catalog.load_model("jamba-v0.1")
    per = 28 * (24_576 + 131_072) * 2
    assert per == 8_716_288 == 532 * 16_384

    def cap(n):
        return fit.fit(spec, H100, engine="sglang", opts=ServeOptions(kv_cache_memory=n * per, max_model_len=100),
                       check_memory=False).capacity

    one = cap(5)
    assert one.fits and one.message is None
    assert one.detail["max_mamba_cache_size"] == 1 and one.kv_cache_tokens == 1596
    for n, slots in ((4, 0), (2, -1)):
        c = cap(n)
        assert not c.fits and c.detail["max_mamba_cache_size"] == slots
        assert c.message == (f"no memory left for the Mamba state cache (max_mamba_cache_size {slots}: "
                             "SGLang refuses to start)")
