"""Issue 23: SGLang 0.5.23's hierarchical cache (engines/sglang_hicache.py) against SGLang's own
HostKVCache (tests/golden/sglang_0.5.23_hicache.json, scripts/oracles/sglang/hicache_oracle.py),
and llama.cpp's -ngl / -nkvo (engines/llamacpp_offload.py) with the arithmetic written out."""
import json
import re
import shlex
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kvplan.cli import app
from kvplan.engines import sglang_hicache as H
from kvplan.errors import KvplanError

GOLD = json.loads((Path(__file__).parents[1] / "golden" / "sglang_0.5.23_hicache.json").read_text())
run = CliRunner().invoke


def _fit(args: str) -> dict:
    r = run(app, ["fit", *shlex.split(args), "--json"])
    assert r.exit_code in (0, 1), r.output
    return json.loads(r.stdout)


@pytest.mark.parametrize("r", GOLD["records"], ids=lambda r: r["args"])
def test_hicache_matches_sglang(r):
    assert GOLD["sglang_version"] == H.VERSION and "hicache_oracle.py" in GOLD["command"]
    # SGLang's HostKVCache from the device pool it was given (the oracle took kvplan's device pool
    # at the time; the budget before the cache has since been modelled anew, issue 20): the host
    # rule, exact
    flags = dict(re.findall(r"--(hicache-ratio|hicache-size|page-size) (\S+)", r["args"]))
    cfg = H.parse(flags.get("hicache-ratio"), flags.get("hicache-size"), None)
    p = H.host_pool(cfg, r["device_tokens"], r["size_per_token"], int(flags.get("page-size", 1)))
    assert (p.host_tokens, p.host_bytes) == (r["host_tokens"], r["host_bytes_per_rank"])
    # and fit applies the same rule to its own device pool today
    d = _fit(f"{r['args']} --engine sglang --enable-hierarchical-cache")
    t = d["cpu_offload"]
    now = H.host_pool(cfg, d["kv_cache_tokens"], t["size_per_token"], int(flags.get("page-size", 1)))
    assert t["size_per_token"] == r["size_per_token"]
    assert (t["cpu_tokens"], t["host_bytes_per_rank"]) == (now.host_tokens, now.host_bytes)
    assert t["host_bytes_per_node"] == d["tp"] * d["pp"] * now.host_bytes  # stages alike here


def test_hicache_by_hand():
    # Llama-3.1-8B at TP 1: 32 layers × 8 KV heads × (128 + 128) × 2 bytes = 131,072 bytes a token
    p = H.host_pool(H.HiCacheConfig(), 100_000, 131072)
    assert (p.host_tokens, p.host_bytes) == (200_001, 200_001 * 131072)  # ratio 2.0 + one padding page
    # --hicache-size 10: GB of 10^9 per rank: 10^10 // 131,072 = 76,293 tokens, + 1 padding token
    p = H.host_pool(H.HiCacheConfig(size_gb=10), 100_000, 131072)
    assert (p.host_tokens, p.host_bytes) == (76_294, 76_294 * 131072)
    # page 64: int(1,000 × 1.5) = 1,500; 1,500 // 64 + 1 = 24 pages = 1,536 tokens
    assert H.host_pool(H.HiCacheConfig(ratio=1.5), 1000, 100, 64).host_tokens == 1536
    # auto-sizing: 256 GiB host, 8 ranks: (246 GiB // 8) × 0.8 × 0.95 over a 60 GiB pool
    assert H.auto_ratio(256 * 2**30, 8, 60 * 2**30) == pytest.approx(246 / 8 * 0.8 * 0.95 / 60, rel=1e-9)
    t = H.tier(H.HiCacheConfig(storage_backend="file"), [(100, 10)], 4, 1)
    assert t["host_bytes_per_node"] == 4 * 201 * 10 and any("L3" in n for n in t["notes"])


@pytest.mark.parametrize("args, msg", [
    ("--engine sglang --hicache-ratio 2", "--hicache-ratio needs --enable-hierarchical-cache"),
    ("--engine vllm --enable-hicache", "SGLang flags"),
    ("--engine sglang --enable-hicache --hicache-ratio 0", "greater than 0"),
    ("--engine sglang --enable-hicache --hicache-size 1.5", "whole number"),
    ("--engine sglang --enable-hicache --hicache-ratio 2 --hicache-size 4", "not both"),
    ("--engine sglang --enable-hicache --hicache-storage-backend s3", "must be one of"),
    ("--engine vllm -ngl 4", "llama.cpp flags"),
    ("--engine llamacpp -ngl x", "-ngl"),
    ("--engine llamacpp -nkvo --ctx 4k", "--host-memory"),
    ("--engine llamacpp -ngl 4 --tp 2", "one GPU"),
])
def test_bad_flags_one_line(args, msg):
    r = run(app, ["fit", "llama-3.1-8b", "--gpu", "h100", *shlex.split(args)])
    assert r.exit_code == 2 and msg in r.output and "Traceback" not in r.output


def test_hicache_refuses_hybrid_pools():
    r = run(app, ["fit", "gpt-oss-20b", "--gpu", "h100", "--engine", "sglang", "--enable-hicache"])
    assert r.exit_code == 2 and "full-attention and MLA" in r.output


# --- llama.cpp -ngl / -nkvo ------------------------------------------------------------------
# Llama-3.1-8B: vocab 128,256 × hidden 4,096; one layer 218,112,000 parameters (attention
# 2 × 4096² + 2 × 4096 × 1024, MLP 3 × 4096 × 14336, two norms of 4096); the output layer is the
# LM head 525,336,576 + the final norm 4,096; bf16 weights: 2 bytes each.
LAYER, HEAD, EMB = 218_112_000, 525_336_576, 525_336_576
KV_TOKEN_LAYER = 2 * 8 * 128 * 2  # K and V, 8 KV heads × 128, f16: 4,096 bytes a token per layer


def test_ngl_places_last_layers_and_output():
    d = _fit("llama-3.1-8b --gpu rtx-4090 --engine llamacpp -ngl 20 --ctx 8192")
    p = d["placement"]
    # i_gpu_start = 32 + 1 − 20 = 13: layers 13-31 (19) and the output layer on the GPU
    assert (p["first_gpu_layer"], p["gpu_layers"], p["output_on_gpu"]) == (13, 19, True)
    assert p["weights_gpu_bytes"] == 2 * (19 * LAYER + HEAD + 4096) == 9_338_937_344
    assert p["weights_host_bytes"] == 2 * (EMB + 13 * LAYER) == 6_721_585_152
    # one request of 131,072 tokens: 19 layers' cache on the GPU, 13 in host memory
    assert p["kv_gpu_bytes_per_request"] == 19 * 131072 * KV_TOKEN_LAYER
    assert p["kv_host_bytes_per_request"] == 13 * 131072 * KV_TOKEN_LAYER
    budget = d["kv_budget_bytes"]
    assert budget == d["gpu_memory_bytes"] - p["weights_gpu_bytes"]
    assert d["max_batch"] == budget // (19 * 8192 * KV_TOKEN_LAYER)


def test_ngl_one_is_output_only_and_zero_is_none():
    p = _fit("llama-3.1-8b --gpu rtx-4090 --engine llamacpp -ngl 1 --host-memory 64GiB")["placement"]
    assert (p["gpu_layers"], p["output_on_gpu"], p["kv_gpu_bytes_per_request"]) == (0, True, 0)
    p = _fit("llama-3.1-8b --gpu rtx-4090 --engine llamacpp -ngl 0 --host-memory 64GiB")["placement"]
    assert (p["gpu_layers"], p["output_on_gpu"], p["weights_gpu_bytes"]) == (0, False, 0)
    p = _fit("llama-3.1-8b --gpu rtx-4090 --engine llamacpp -ngl 99")["placement"]
    assert (p["gpu_layers"], p["output_on_gpu"], p["weights_host_bytes"]) == (32, True, 2 * EMB)


def test_no_kv_offload_keeps_cache_on_host():
    # all layers on the GPU, the cache in host memory: 64 GiB − 1.05 GB of embeddings for the cache
    d = _fit("llama-3.1-8b --gpu rtx-4090 --engine llamacpp -nkvo --host-memory 64GiB --ctx 8192")
    p = d["placement"]
    assert (p["gpu_layers"], p["kv_offload"], p["kv_gpu_bytes_per_request"]) == (32, False, 0)
    host = 64 * 2**30 - 2 * EMB
    assert d["max_batch"] == host // (32 * 8192 * KV_TOKEN_LAYER)


def test_ngl_table_shows_devices():
    r = run(app, ["fit", "llama-3.1-8b", "--gpu", "rtx-4090", "--engine", "llamacpp", "-ngl", "20", "--ctx", "8k"],
            env={"COLUMNS": "80"})
    assert r.exit_code == 0, r.output
    assert "layer placement" in r.output and "host" in r.output
    assert max(len(line) for line in r.output.splitlines()) <= 80


def test_size_and_fit_give_one_answer_under_ngl():
    # kvplan size -ngl 20 at ctx 8,192: 19 layers' cache on the GPU, 13 in host memory, the
    # whole the plain size; the same split and weights as fit's placement at --max-model-len 8192
    r = run(app, ["size", "llama-3.1-8b", "--engine", "llamacpp", "--ctx", "8192", "-ngl", "20", "--json"])
    assert r.exit_code == 0, r.output
    s = json.loads(r.stdout)
    p = s["placement"]
    assert p["kv_gpu_bytes"] == 19 * 8192 * KV_TOKEN_LAYER and p["kv_host_bytes"] == 13 * 8192 * KV_TOKEN_LAYER
    assert p["kv_gpu_bytes"] + p["kv_host_bytes"] == s["total_bytes"]
    f = _fit("llama-3.1-8b --gpu rtx-4090 --engine llamacpp -ngl 20 --max-model-len 8192")["placement"]
    assert (f["kv_gpu_bytes_per_request"], f["kv_host_bytes_per_request"]) == (p["kv_gpu_bytes"], p["kv_host_bytes"])
    assert (f["weights_gpu_bytes"], f["weights_host_bytes"]) == (p["weights_gpu_bytes"], p["weights_host_bytes"])
    nkvo = json.loads(run(app, ["size", "llama-3.1-8b", "--engine", "llamacpp", "--ctx", "8192", "-nkvo",
                                "--json"]).stdout)["placement"]
    assert nkvo["kv_gpu_bytes"] == 0 and nkvo["kv_host_bytes"] == s["total_bytes"]
    r = run(app, ["size", "llama-3.1-8b", "--engine", "llamacpp", "--ctx", "8k", "-ngl", "20"], env={"COLUMNS": "80"})
    assert "layer placement" in r.output and max(len(line) for line in r.output.splitlines()) <= 80
    for bad in (["-ngl", "x"], ["-ngl", "20", "--engine", "vllm"]):
        r = run(app, ["size", "llama-3.1-8b", "--engine", "llamacpp", "--ctx", "8k", *bad])
        assert r.exit_code != 0 and "Traceback" not in r.output


# --- reload from a tier beside recompute (plan/reload.py, model_specs/host_links.yaml) ------------
def test_host_links_by_hand():
    from kvplan.plan.reload import link_bytes_per_s
    from kvplan.sources import catalog

    # PCIe 5.0 x16: 32 GT/s × 16 lanes × 128/130 / 8 = 63,015,384,615 bytes/s one way
    assert link_bytes_per_s("h100-sxm-80gb")[:2] == (63_015_384_615, "pcie5")
    assert link_bytes_per_s("a100-sxm-80gb")[0] == 31_507_692_307  # PCIe 4.0
    assert link_bytes_per_s("t4")[0] == 15_753_846_153  # PCIe 3.0
    assert link_bytes_per_s("gb200")[:2] == (450 * 10**9, "nvlink-c2c")
    every = {g.name for g in catalog.gpus()}
    for name in every:  # every catalog GPU has a sourced link
        assert link_bytes_per_s(name)[2].startswith("http")


def test_reload_beside_recompute_in_fit():
    d = _fit("llama-3.1-8b --gpu h100 --kv-offloading-size 64 --ctx 32000")
    rl = d["cpu_offload"]["reload"]
    # the CPU tier holds vLLM's GPU blocks: 131,072 bytes a token; 32,000 tokens over 63.0 GB/s
    (row,) = rl["tiers"]
    assert row["bytes_per_token_per_rank"] == 131072 and row["bytes_per_rank"] == 32000 * 131072
    assert row["seconds"] == pytest.approx(32000 * 131072 / 63_015_384_615)
    assert rl["recompute_seconds"] > 5 * row["seconds"]  # a 32k prefill on an 8B model is far slower
    r = run(app, ["fit", "llama-3.1-8b", "--gpu", "h100", "--kv-offloading-size", "64", "--ctx", "32000"],
            env={"COLUMNS": "80"})
    assert "recompute (prefill)" in r.output and "copy from CPU (host)" in r.output


def test_disk_tier_reload_by_hand():
    from kvplan.plan.reload import disk_bytes_per_s

    assert disk_bytes_per_s()[0] == 6_500_000_000  # the drive's datasheet, model_specs/host_links.yaml
    d = _fit("llama-3.1-8b --gpu h100 --tp 4 --ctx 32000 --kv-transfer-config "
             "'{\"kv_connector\":\"LMCacheConnectorV1\"}' --lmcache-config "
             "'{\"max_local_cpu_size\":20,\"local_disk\":\"/nvme\",\"max_local_disk_size\":100}'")
    cpu, disk = d["cpu_offload"]["reload"]["tiers"]
    # a rank's share: 8 KV heads / 4 × 128 × 2 (K, V) × 2 bytes × 32 layers = 32,768 bytes a token
    assert disk["tier"] == "local disk" and disk["bytes_per_token_per_rank"] == 32768
    # the CPU copy: each rank over its own PCIe 5.0 link; the disk: 4 ranks' shares through one drive
    assert cpu["seconds"] == pytest.approx(32000 * 32768 / 63_015_384_615)
    assert disk["seconds"] == pytest.approx(4 * 32000 * 32768 / 6_500_000_000)
    assert not any("disk" in n and "not priced" in n for n in d["notes"])


# --- prefix reuse from a trace (plan/reuse.py) ----------------------------------------------------
def test_reuse_replay_by_hand():
    from kvplan.plan.reuse import replay
    from kvplan.plan.simulate import Request

    # blocks of 16; a GPU tier of 4 blocks, a host tier of 64; the shared prefix is 64 tokens (4 blocks)
    reqs = [Request(0.0, 80, 1, "p"), Request(1.0, 80, 1, "q"), Request(2.0, 80, 1, "p")]
    u = replay(reqs, 64, 16, [("GPU", 64), ("CPU", 1024)])
    # A and B miss; B's 5 blocks push A's prefix off the GPU (LRU of 4), so C finds its 4 prefix
    # blocks on the host only; each request's 5th block is its own
    assert [t.hit_tokens for t in u.tiers] == [0, 64] and u.missed_tokens == 240 - 64
    assert u.hit_rate == pytest.approx(64 / 240)
    # at most prompt − 1 tokens come from the cache: a 64-token prompt of a 64-token prefix hits 48
    u = replay([Request(0.0, 64, 16, "p"), Request(1.0, 64, 16, "p")], 64, 16, [("GPU", 4096)])
    assert u.tiers[0].hit_tokens == 48


def test_reuse_in_fit(tmp_path):
    f = tmp_path / "t.csv"
    f.write_text("arrival_s,prompt_tokens,output_tokens,prefix_id\n" +
                 "".join(f"{i},{9000 + i},10,p{i % 2}\n" for i in range(6)))
    d = _fit(f"llama-3.1-8b --gpu h100 --trace {f} --shared-prefix 8192")
    u = d["reuse"]
    # two prefixes of 8,192 tokens (512 blocks of 16): the four later requests hit all of theirs
    assert (u["block_size"], u["tiers"][0]["hit_tokens"]) == (16, 4 * 8192)
    assert u["missed_tokens"] == sum(9000 + i for i in range(6)) - 4 * 8192
    r = run(app, ["fit", "llama-3.1-8b", "--gpu", "h100", "--trace", str(tmp_path / "none.csv")])
    assert r.exit_code == 2 and "--trace" in r.output
