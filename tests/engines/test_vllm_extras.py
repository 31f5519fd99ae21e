"""Issue 23: vLLM 0.33's CPU KV tier, speculative drafters and LoRA slots, against vLLM's own code
(tests/golden/vllm_0.33_{offload,spec,lora}.json, scripts/oracles/vllm_extras_oracle.py) and by hand."""
import json
from pathlib import Path

import pytest

from kvplan.engines.base import ServeOptions
from kvplan.engines.vllm import lora as vllm_lora
from kvplan.engines.vllm import offload as vllm_offload
from kvplan.engines.vllm import speculative as vllm_spec
from kvplan.plan import fit as F
from kvplan.sources import catalog
from kvplan.errors import KvplanError

GOLD = Path(__file__).parents[1] / "golden"
GiB = 2**30
MODELS = {"Llama-3.1-8B": "llama-3.1-8b", "DeepSeek-V3": "deepseek-v3"}


def gold(what):
    d = json.loads((GOLD / f"vllm_0.33_{what}.json").read_text())
    assert d["vllm_version"] == "0.33.0" and "vllm_extras_oracle.py" in d["command"]
    return d["records"]


@pytest.mark.parametrize("r", [r for r in gold("offload") if "num_chunks" in r],
                         ids=lambda r: f"{r['model']}-tp{r['tp']}-{r['kv_offloading_size']}-{r['blocks_per_chunk']}")
def test_offload_tier_matches_vllm(r):
    extra = r["kv_connector_extra_config_added"]
    mla = r["model"] == "DeepSeek-V3"
    t = vllm_offload.plan_tier(vllm_offload.flag_bytes(r["kv_offloading_size"]), "native", r["bytes_per_block"],
                               r["block_size"], r["tp"], 1, mla, extra)
    assert (t.num_chunks, t.chunk_bytes, t.cpu_page_size_per_worker, t.blocks_per_chunk, t.replicated_layout,
            t.cpu_tokens, t.host_bytes_per_node) == (
        r["num_chunks"], r["kv_bytes_per_chunk"], r["cpu_page_size_per_worker"], r["blocks_per_chunk"],
        r["replicated_layout"], r["cpu_tokens"], r["shared_region_total_bytes"])


def test_offload_by_hand_and_fit():
    # Llama-3.1-8B, TP 1: a block is 32 layers × 16 tokens × 8 heads × 2 × 128 × 2 B = 2 MiB;
    # 64 GiB / 2 MiB = 32,768 blocks = 524,288 tokens, the whole region on the one rank
    g = catalog.load_gpu("h100")
    s = catalog.load_model("llama-3.1-8b")
    r = F.fit(s, g, opts=ServeOptions(kv_offloading_size=64 * GiB))
    t = r.capacity.detail["cpu_offload"]
    assert (t["cpu_blocks"], t["cpu_tokens"], t["host_bytes_per_rank"]) == (32768, 524288, 64 * GiB)
    # TP 4: the size is over all ranks; each rank's slots are a quarter, the node holds all 64 GiB
    r = F.fit(s, g, tp=4, opts=ServeOptions(kv_offloading_size=64 * GiB))
    t = r.capacity.detail["cpu_offload"]
    assert (t["cpu_tokens"], t["host_bytes_per_rank"], t["host_bytes_per_node"]) == (524288, 16 * GiB, 64 * GiB)
    # a chunk that is not a multiple of the 4 KiB page is padded: DeepSeek-V3 1,124,352 -> 1,126,400
    assert vllm_offload.plan_tier(64 * GiB, "native", 1124352, 16, 1).chunk_bytes == 1126400
    r = F.fit(s, g, tp=4, opts=ServeOptions(kv_offloading_size=64 * GiB, kv_offloading_backend="lmcache"))
    t = r.capacity.detail["cpu_offload"]  # LMCache's server sizes it (tests/engines/test_lmcache.py)
    assert (t["mode"], t["host_bytes_per_node"]) == ("multi-process", 64 * GiB)
    with pytest.raises(KvplanError):
        vllm_offload.blocks_per_chunk({"block_size": 24}, 16)


@pytest.mark.parametrize("r", gold("spec"), ids=lambda r: f"{r['model']}-tp{r['tp']}-k{r['num_speculative_tokens']}"
                                                          f"-{r['kv_budget_bytes'] // GiB}")
def test_drafter_in_the_pool_matches_vllm(r):
    s = catalog.load_model(MODELS[r["model"]])
    gpu = catalog.load_gpu("h200" if r["model"] == "DeepSeek-V3" else "h100")
    sc = vllm_spec.parse(json.dumps(r["speculative_config"]))
    rep = F.fit(s, gpu, tp=r["tp"], opts=ServeOptions(speculative_config=sc, kv_cache_memory=r["kv_budget_bytes"],
                                                      max_model_len=8192), check_memory=False)
    c = rep.capacity
    assert (c.kv_cache_tokens, c.detail["bytes_per_block"], c.detail["num_gpu_blocks"]) == (
        r["kv_cache_tokens"], r["bytes_per_block"], r["num_gpu_blocks"])
    # weights: vLLM's allocation less its buffers (rotary cache, attention scales, router bias)
    d = next(p for p in rep.stages[0].budget if p.key == "draft")
    if r["method"] == "eagle3":
        rotary = 8192 * 128 * 2  # cos/sin cache, bf16, max_model_len × head_dim
        allocated = r["draft_tensor_bytes"] - rotary - 16
        embed = r["draft_inner_by_module"]["embed_tokens"]
        assert d.bytes == allocated - embed  # the embedding is the target's (PP 1)
    else:
        rotary = 163840 * 64 * 2  # DeepSeek-V3's YaRN cos/sin cache, bf16
        allocated = r["draft_tensor_bytes"] - rotary - 16 - 256 * 4  # + e_score_correction_bias fp32
        head = embed = r["draft_inner_by_module"]["embed_tokens"]
        assert d.bytes == allocated - embed - head


def test_speedup_by_hand():
    assert vllm_spec.tokens_per_step(0.7, 3) == pytest.approx(1 + 0.7 + 0.49 + 0.343)  # 2.533
    assert vllm_spec.tokens_per_step(0.0, 3) == 1.0
    assert vllm_spec.tokens_per_step(1.0, 3) == 4.0
    with pytest.raises(KvplanError):
        vllm_spec.tokens_per_step(1.2, 3)


@pytest.mark.parametrize("r", gold("lora"), ids=lambda r: f"tp{r['tp']}-{r['max_loras']}x{r['max_lora_rank']}")
def test_lora_slots_match_vllm(r):
    s = catalog.load_model("llama-3.1-8b")
    x = vllm_lora.lora_slots(s.shard(r["tp"]), r["tp"], r["max_loras"], r["max_lora_rank"], "bf16", s.vocab_size)
    assert x.bytes == r["lora_buffer_bytes"]


def test_lora_by_hand():
    # one QKV layer at TP 1, 4 slots of rank 64: A 3 × 4 × 64 × 4096, B 4 × 64 × (4096 + 2 × 1024), bf16
    s = catalog.load_model("llama-3.1-8b")
    x = vllm_lora.lora_slots(s.shard(1), 1, 4, 64, "bf16", s.vocab_size)
    assert dict(x.parts)["attention (qkv, o)"] == 32 * 2 * 4 * 64 * (3 * 4096 + 6144 + 4096 + 4096)
    with pytest.raises(KvplanError):
        vllm_lora.check(4, 64, 2)  # --max-cpu-loras below --max-loras


def test_cli_flags():
    from typer.testing import CliRunner

    from kvplan.cli import app

    runner = CliRunner()
    r = runner.invoke(app, ["fit", "llama-3.1-8b", "--gpu", "h100", "--kv-offloading-size", "64GiB", "--json"])
    assert r.exit_code == 0 and json.loads(r.stdout)["cpu_offload"]["cpu_tokens"] == 524288
    for bad in (["--speculative-config", "{bad"], ["--engine", "sglang", "--enable-lora", "--max-loras", "4"],  # SGLang's: --max-loras-per-batch
                ["--engine", "trtllm", "--enable-lora"],
                ["--enable-lora", "--max-lora-rank", "7"], ["--kv-offloading-size", "-1"]):
        r = runner.invoke(app, ["fit", "llama-3.1-8b", "--gpu", "h100", *bad])
        assert r.exit_code != 0 and "Traceback" not in r.output
