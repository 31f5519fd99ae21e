"""kvplan/plan/simulate/groups.py's pieces one at a time, each figure counted by hand from vLLM 0.33's
v1/core/single_type_kv_cache_manager.py (``get_num_skipped_tokens``: sliding max(0, c − W + 1),
chunked local c // W × W, full attention 0; ``get_num_blocks_to_allocate`` with the admission cap)
and SGLang 0.5.23's mem_cache/prefill_budget.py ``estimate_swa_kv_tokens``."""
from types import SimpleNamespace as NS

from kvplan.plan.simulate.groups import Group, describe, sglang_swa_need, vllm_groups


def test_skipped_tokens_by_kind():
    """Full attention skips nothing at any length; a sliding window of 32 skips nothing before
    c = 31 (max(0, 10 − 32 + 1) = 0) and c − 31 after (100 − 31 = 69); chunked 40: 95 // 40 × 40
    = 80."""
    assert Group("full", 16).skipped(100) == 0
    assert Group("mla", 1).skipped(7) == 0
    assert Group("sliding", 16, 32).skipped(10) == 0
    assert Group("sliding", 16, 32).skipped(100) == 69
    assert Group("chunked", 16, 40).skipped(95) == 80


def test_admission_cap_skips_and_mamba():
    """Admission of a 100-token sequence, no hit: full attention, no cap: cdiv(100, 16) = 7
    blocks; a Mamba group counts its fixed 2 blocks (not 7); a sliding group (W 32, cap 3) at a
    1,000-token hit: min(cdiv(1010, 16) = 64, 3) − (1000 − 31) // 16 = 3 − 60 < 0, so 0."""
    assert Group("full", 16).admission(0, 100) == 7
    assert Group("mamba", 16, fixed=2).admission(0, 100) == 2
    assert Group("sliding", 16, 32, cap=3).admission(1000, 1010) == 0
    assert Group("sliding", 16, 32, cap=3).admission(0, 1010) == 3  # capped: min(64, 3)


def test_next_change_chunked_window_before_block():
    """Chunked local attention, chunk 40, block 16, at c = 35: the next block boundary is 48, the
    next chunk boundary 40, where held drops: held(39, 1) = cdiv(40, 16) − 0 = 3, held(40, 1) =
    cdiv(41, 16) − 40 // 16 = 3 − 2 = 1."""
    g = Group("chunked", 16, 40)
    assert (g.held(39, 1), g.held(40, 1)) == (3, 1)
    assert g.next_change(35) == 40


def test_vllm_groups_from_fits_detail():
    """fit's ``detail["groups"]``: the first full group (index 1) is the scheduler's own (block 16);
    the rest keep their window (0 when absent), Mamba's blocks_per_request as its fixed blocks,
    sliding and chunked groups' blocks_per_request as their admission cap (0, no cap, when
    absent; other kinds never capped)."""
    detail = {"groups": [
        {"kind": "sliding", "block_size": 16, "blocks_per_request": 257, "window": 4096},
        {"kind": "full", "block_size": 16, "blocks_per_request": 8192},
        {"kind": "mamba", "block_size": 16, "blocks_per_request": 3},
        {"kind": "chunked", "block_size": 16, "blocks_per_request": 513, "window": 8192},
        {"kind": "full", "block_size": 32, "blocks_per_request": 100},
        {"kind": "sliding", "block_size": 16, "window": 128},
    ]}
    assert vllm_groups(detail) == (16, (
        Group("sliding", 16, 4096, 0, 257), Group("mamba", 16, 0, 3, 0),
        Group("chunked", 16, 8192, 0, 513), Group("full", 32, 0, 0, 0),
        Group("sliding", 16, 128, 0, 0)), True)
    assert vllm_groups({}) == (None, (), False)
    assert vllm_groups({"groups": [{"kind": "mamba", "block_size": 16, "blocks_per_request": 3}]}) \
        == (None, (), False)
    # sliding-window groups only (Mistral 7B v0.1): every group, none the scheduler's own
    only = {"groups": [{"kind": "sliding", "block_size": 16, "blocks_per_request": 513, "window": 4096}]}
    assert vllm_groups(only) == (16, (Group("sliding", 16, 4096, 0, 513),), False)


def test_sglang_swa_need_short_prompt():
    """A 100-token prompt, 50 new tokens, window 4,096, page 16: max(100 − 4096, 0) = 0, plus
    min(100 + 50, 4096) = 150, plus 16 = 166."""
    assert sglang_swa_need(100, 50, 4096, 16) == 166


def test_describe_notes_in_full():
    """The note for vLLM lists every other group with its window or fixed blocks; SGLang's names
    its SWA pool."""
    groups = (Group("sliding", 16, 4096), Group("mamba", 16, fixed=3), Group("full", 16))
    assert describe(NS(engine="vllm", groups=groups, swa_tokens=0)) == (
        "the blocks are shared by the full-attention group and sliding (window 4,096), "
        "mamba (3 blocks a request), full: each request holds blocks in every group "
        "(kvplan/plan/simulate/groups.py)")
    assert describe(NS(engine="sglang", groups=(Group("sliding", 1, 4096),), swa_tokens=123456)) \
        == ("beside the full-attention pool, a sliding-window pool of 123,456 tokens "
            "(window 4,096): a request holds its window there once decoding")


def test_describe_a_sliding_only_cache():
    """Mistral 7B v0.1 on vLLM: no full-attention group to share with; the note says so."""
    assert describe(NS(engine="vllm", groups=(Group("sliding", 16, 4096),), swa_tokens=0, main_group=False)) == (
        "every KV cache group is sliding window (sliding (window 4,096)): a request holds the blocks of its "
        "window, the ones behind it freed; prefix-cache hits not modelled (kvplan/plan/simulate/hybrid.py)")
