"""vLLM 0.33's KV-cache groups (kvplan/engines/vllm/planner.py): the groups kvplan reports against
the groups vLLM's own planner made (tests/golden/vllm_0.33_plan.json and _frontier.json, measured
with scripts/oracles/vllm_plan_oracle.py, vLLM 0.33.0 on the CPU, H100 emulated), and DeepSeek-V4's
packed groups on made-up pages, by hand."""
import json
from pathlib import Path

import pytest

from kvplan.engines import ServeOptions
from kvplan.engines.vllm.pages import Config, Page
from kvplan.engines.vllm.planner import plan as vplan
from kvplan.plan import fit
from kvplan.sources import catalog, hfconfig as hf

TESTS = Path(__file__).resolve().parents[1]
# the oracle records each group's layer spec class; kvplan's kinds
KIND = {"FullAttentionSpec": "full", "MLAAttentionSpec": "mla", "SlidingWindowSpec": "sliding",
        "SlidingWindowMLASpec": "sliding", "ChunkedLocalAttentionSpec": "chunked", "MambaSpec": "mamba"}


def _records():
    out, seen = [], set()
    for name in ("vllm_0.33_plan.json", "vllm_0.33_frontier.json"):
        for r in json.loads((TESTS / "golden" / name).read_text())["records"]:
            if r["status"] == "ok" and r.get("groups") and r["config"] not in seen:
                seen.add(r["config"])
                out.append(r)
    return out


@pytest.mark.parametrize("r", _records(), ids=lambda r: r["config"])
def test_vllm_groups_match_vllms_own_groups(r):
    """Each golden group is [layer spec class, layers, one layer's page bytes, blocks per request].
    A plain group (one spec for all its layers) is reported the same way; a uniform-type or packed
    group (UniformTypeKVCacheSpecs: layers of one kind with different page sizes) is reported as
    one composite page holding a page of each of its layers: 1 "layer" whose page is their sum,
    so that layers x page is the group's bytes per block either way."""
    path = TESTS / "fixtures" / "configs" / r["config"]
    opts = ServeOptions(kv_cache_memory=r["kv_budget_bytes"], max_model_len=r["max_model_len_requested"])
    got = fit.fit(hf.load(path), catalog.load_gpu("h100"), tp=r["tp"], engine="vllm",
                  kv_dtype={"auto": None, "fp8": "fp8_e4m3"}[r["kv_cache_dtype"]], opts=opts, check_memory=False)
    groups = got.capacity.detail["groups"]
    assert len(groups) == len(r["groups"])
    for g, (cls, layers, page_bytes, blocks) in zip(groups, r["groups"]):
        assert (g["kind"], g["blocks_per_request"]) == (KIND[cls], blocks)
        if g["layers"] > 1 or layers == 1:
            assert (g["layers"], g["page_size_bytes"]) == (layers, page_bytes)
        else:  # composite: the first layer's page and the others'
            assert g["layers"] == 1 and g["page_size_bytes"] > page_bytes
    assert got.capacity.detail["bytes_per_block"] == max(g["layers"] * g["page_size_bytes"] for g in groups)


def test_vllm_packed_groups_without_a_repeating_pattern():
    """_get_packed_kv_cache_groups (v1/core/kv_cache_planning.py) when no bucket mixes page sizes:
    no floor on the repeats per group (0), so no repeats_per_group, and every bucket that is not
    a state bucket (Mamba, circular buffer, or sliding window without repeats) is one group."""
    cfg = Config(256, 1024, 2048, 256, 4096, "align", "bf16")
    mla = Page("mla", 256, 10, packed=True)  # 256 x 10 = 2,560-byte pages
    full = Page("full", 64, 7, packed=True)  # 64 x 7 = 448
    one = Page("mla", 128, 3, packed=True)  # 128 x 3 = 384, alone in its bucket (another block size)
    p = vplan([mla, full, mla, full, full, one], cfg)
    # buckets (kind, block, window): 2 mla pages of one size, 3 full of one size, 1 mla of 128 tokens:
    # one group each, whose page holds a page of each layer: 2 x 2,560 = 5,120; 3 x 448 = 1,344; 384
    assert [(g.page.kind, g.page.block_size, g.layers, g.page.bytes) for g in p.groups] == \
        [("mla", 256, 1, 5120), ("full", 64, 1, 1344), ("mla", 128, 1, 384)]
    # bytes per block: the largest group's page
    assert p.bytes_per_block == 5120 == max(g.layers * g.page.bytes for g in p.groups)
    # a 1,024-token request: cdiv(1,024, 256) + cdiv(1,024, 64) + cdiv(1,024, 128) = 4 + 16 + 8 blocks
    assert p.blocks_per_request(1024) == 28


def test_vllm_full_and_mla_layers_of_one_block_size_are_one_full_group():
    """UniformTypeKVCacheSpecs.is_uniform_type: one block size, every spec a FullAttentionSpec
    (MLAAttentionSpec is one); get_kv_cache_spec_kind calls such a group FULL_ATTENTION. kvplan
    names the group by its first layer's page, here the full one (MiniMax-M3's K/V beside its
    MLA-spec index keys is this case, measured)."""
    cfg = Config(16, 1024, 2048, 256, 4096, "align", "bf16")
    p = vplan([Page("full", 16, 1000), Page("mla", 16, 500)], cfg)
    # one group; its block holds a 16,000-byte and an 8,000-byte page: 24,000 bytes;
    # a 1,024-token request: cdiv(1,024, 16) = 64 blocks
    assert [(g.page.kind, g.layers, g.page.bytes) for g in p.groups] == [("full", 1, 24_000)]
    assert p.bytes_per_block == 24_000 and p.blocks_per_request(1024) == 64


def test_vllm_group_size_is_the_larger_bucket_when_within_one_and_a_half():
    """_get_kv_cache_groups_uniform_page_size: the group size is the smallest bucket's layers,
    unless the largest has fewer than 1.5 times as many; then the largest (vLLM's own example:
    gpt-oss-20b + EAGLE, 12 sliding + 13 full layers, padded to 13 and 13, not 12 and 24)."""
    cfg = Config(16, 1024, 2048, 256, 4096, "align", "bf16")
    full, slide = Page("full", 16, 1000), Page("sliding", 16, 1000, window=100)
    p = vplan([full] * 13 + [slide] * 12, cfg)
    # 13 < 12 x 1.5 = 18: groups of 13, each bucket one group; a block holds 13 pages of 16,000
    assert [(g.page.kind, g.layers) for g in p.groups] == [("full", 13), ("sliding", 12)]
    assert p.bytes_per_block == 13 * 16_000
    # 18 is not < 18: groups of 12, the full bucket split [0::2] and [1::2] (9 layers each)
    p = vplan([full] * 18 + [slide] * 12, cfg)
    assert [(g.page.kind, g.layers) for g in p.groups] == [("full", 9), ("full", 9), ("sliding", 12)]
    assert p.bytes_per_block == 12 * 16_000
