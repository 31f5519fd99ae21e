"""Bringing a prefix back from a KV tier beside recomputing it (kvplan/plan/reload.py) and fit's
use of it (kvplan/plan/fit_tiers.py): the record, by hand.

Llama 3.1 8B on H100s (PCIe 5.0 x16: 32 GT/s × 16 lanes × 128/130 / 8 = 63,015,384,615 bytes/s
one way); the node's drive reads 6,500,000,000 bytes/s (model_specs/host_links.yaml).
"""
import json
import shlex

import pytest
from typer.testing import CliRunner

from kvplan.cli import app
from kvplan.plan.latency.step import OpLatency
from kvplan.plan.reload import reload
from kvplan.sources import catalog

PCIE5 = 63_015_384_615
DRIVE = 6_500_000_000
NOTE = ("copy at the link's peak, one direction, each rank over its own link (a lower bound); "
        "recompute: kvplan's prefill of the prefix alone at batch 1")


@pytest.fixture(scope="module")
def llama():
    return catalog.load_model("llama-3.1-8b"), catalog.load_gpu("h100")


def test_a_host_tier_by_hand(llama):
    s, g = llama
    out = reload(s, g, 2, "fp8", "sglang", [("CPU (host)", 65536)], 8192)
    # the recompute is the step model's prefill of the prefix alone (batch 1) with the fit's own
    # engine, tp and KV dtype: SGLang's step overhead and an fp8 cache are not vLLM's bf16
    want = OpLatency(s, g, 2, "fp8", None, engine="sglang").prefill(8192, 1).seconds
    assert out["recompute_seconds"] == want
    assert want != OpLatency(s, g, 2, None, None, engine="sglang").prefill(8192, 1).seconds
    assert want != OpLatency(s, g, 2, "fp8", None, engine="vllm").prefill(8192, 1).seconds
    assert want < OpLatency(s, g, 2, "fp8", None, engine="sglang").prefill(8192, 2).seconds
    assert set(out) == {"prefix_tokens", "link", "link_bytes_per_s", "link_source", "recompute_seconds",
                        "tiers", "note"}  # no drive without a disk tier
    assert (out["prefix_tokens"], out["link"], out["link_bytes_per_s"], out["note"]) == (8192, "pcie5", PCIE5, NOTE)
    assert out["link_source"].startswith("https://www.nvidia.com/")
    # 65,536 bytes a token a rank × 8,192 tokens = 536,870,912 bytes over each rank's own link
    assert out["tiers"] == [{"tier": "CPU (host)", "bytes_per_token_per_rank": 65536,
                             "bytes_per_rank": 536_870_912, "seconds": 536_870_912 / PCIE5}]


def test_a_disk_tier_names_its_drive(llama):
    s, g = llama
    out = reload(s, g, 4, None, "vllm", [("CPU (host)", 32768), ("local disk", 32768, "disk")], 32000)
    cpu, disk = out["tiers"]
    # 32,000 × 32,768 = 1,048,576,000 bytes a rank; 4 ranks through one drive: 0.645 s
    assert cpu["seconds"] == 1_048_576_000 / PCIE5
    assert disk["seconds"] == 4 * 1_048_576_000 / DRIVE == pytest.approx(0.6452775)
    assert out["disk_bytes_per_s"] == DRIVE
    assert out["disk"].startswith("Samsung PM9A3") and out["disk_source"].startswith("https://")


def _fit(args: str) -> dict:
    r = CliRunner().invoke(app, ["fit", *shlex.split(args), "--json"])
    assert r.exit_code == 0, r.output
    return json.loads(r.stdout)


def test_fit_prices_a_disk_only_lmcache_tier():
    # LMCache with no CPU bytes and 100 GiB of disk a rank: only the disk row, no division by 0
    d = _fit("llama-3.1-8b --gpu h100 --tp 4 --ctx 32000 --kv-transfer-config "
             "'{\"kv_connector\":\"LMCacheConnectorV1\"}' --lmcache-config "
             "'{\"max_local_cpu_size\":0,\"local_disk\":\"/nvme\",\"max_local_disk_size\":100}'")
    (row,) = d["cpu_offload"]["reload"]["tiers"]
    # a rank's share: 8 KV heads / 4 × 128 × 2 (K, V) × 2 bytes × 32 layers = 32,768 bytes a token
    assert row["tier"] == "local disk" and row["bytes_per_token_per_rank"] == 32768
    assert type(row["bytes_per_token_per_rank"]) is int  # byte counts are ints
    assert row["seconds"] == pytest.approx(4 * 32000 * 32768 / DRIVE)


def test_fit_host_tier_bytes_are_ints():
    d = _fit("llama-3.1-8b --gpu h100 --kv-offloading-size 64 --ctx 32000")
    (row,) = d["cpu_offload"]["reload"]["tiers"]
    assert row["bytes_per_token_per_rank"] == 131072 and type(row["bytes_per_token_per_rank"]) is int
    assert row["bytes_per_rank"] == 32000 * 131072 and type(row["bytes_per_rank"]) is int


def test_fit_recomputes_with_its_own_kv_dtype(llama):
    s, g = llama
    d = _fit("llama-3.1-8b --gpu h100 --kv-offloading-size 64 --ctx 32000 --kv-dtype fp8")
    rl = d["cpu_offload"]["reload"]
    assert rl["recompute_seconds"] == OpLatency(s, g, 1, "fp8", None, engine="vllm").prefill(32000, 1).seconds
    (row,) = rl["tiers"]
    assert row["bytes_per_token_per_rank"] == 65536  # fp8: half of bf16's 131,072


def test_a_gpu_without_a_sourced_link_is_said_so(monkeypatch):
    from kvplan.plan import reload as R

    links = R._links()
    monkeypatch.setattr(R, "_links", lambda: {**links, "gpus": {k: v for k, v in links["gpus"].items()
                                                               if k != "h100-sxm-80gb"}})
    d = _fit("llama-3.1-8b --gpu h100 --kv-offloading-size 64 --ctx 32000")
    assert "reload" not in d["cpu_offload"]
    assert "reload time not priced: no sourced host link for h100-sxm-80gb (model_specs/host_links.yaml)" in d["notes"]
    assert d["fits"]  # the fit itself stands


def test_a_trace_shares_nothing_without_a_shared_prefix(tmp_path, llama):
    from kvplan.plan import fit_tiers

    s, g = llama
    f = tmp_path / "t.csv"
    f.write_text("arrival_s,prompt_tokens,output_tokens,prefix_id\n0,100,10,p\n1,100,10,p\n")
    # SGLang's pages of one token: without --shared-prefix not even the first token is shared
    r = fit_tiers.fit(s, g, 1, 1, "sglang", trace=str(f))
    assert r.capacity.detail["reuse"]["tiers"][0]["hit_tokens"] == 0
    assert fit_tiers.fit(s, g, 1, 1, "sglang", trace=str(f), trace_prefix=64).capacity.detail["reuse"]["tiers"][0]["hit_tokens"] == 64
