"""simulate with a CPU KV tier behind the prefix cache (issue 23; kvplan/plan/simulate/host.py):
a prefix evicted from the GPU and found in host memory is loaded at bytes / link bandwidth."""
import json

import pytest
from typer.testing import CliRunner

from kvplan.cli import app
from kvplan.engines import ServeOptions
from kvplan.plan import simulate as sim
from kvplan.plan.latency.step import OpLatency
from kvplan.plan.simulate.host import HostTier
from kvplan.sources import catalog

LOAD = 0.01  # seconds to load one block, given (the library asks plan/reload.py for it)


@pytest.fixture(scope="module")
def rf():
    spec, gpu = catalog.load_model("llama-3.1-8b"), catalog.load_gpu("h100")
    return OpLatency(spec, gpu)


def lim(gpu_blocks: int, host_blocks: int, chunk: int = 1) -> sim.Limits:
    return sim.Limits("vllm", 16, gpu_blocks, 256, 8192, 131072, True, {"num_blocks": "test"},
                      host_blocks=host_blocks, host_chunk_blocks=chunk, host_block_seconds=LOAD)


# A (prefix "p", 80 tokens: its 64-token prefix is 4 blocks, then 1 of its own) runs alone; B (prefix
# "q", 190 tokens, 12 blocks) then takes all 12 GPU blocks, evicting A's cached prefix; C (prefix
# "p" again, 80 tokens) finds nothing on the GPU.
REQS = [sim.Request(0.0, 80, 1, "p"), sim.Request(10.0, 190, 1, "q"), sim.Request(20.0, 80, 1, "p")]


def ttft(raw, i):
    r = raw["reqs"][i]
    return r.first_tok - r.arrival


def test_a_prefix_evicted_from_the_gpu_loads_from_host_memory(rf):
    plain = sim.run(REQS, lim(12, 0), rf, shared_prefix=64)
    assert ttft(plain, 2) == pytest.approx(rf.prefill(80).seconds, rel=1e-12)  # recomputed
    raw = sim.run(REQS, lim(12, 64), rf, shared_prefix=64)
    # its 4 prefix blocks come back from host memory (4 × LOAD), only the last 16 tokens are computed
    assert ttft(raw, 2) == pytest.approx(4 * LOAD + rf.mixed([(64, 16)]).seconds, rel=1e-12)
    rep = raw["reps"][0]
    assert rep.host.hit_tokens == 64 and rep.hit_tokens == 64


def test_the_host_tier_is_an_lru_of_its_capacity(rf):
    # 10 host blocks: A writes its prefix (4) and its own block (1), B its prefix (4) and its 7 own
    # full blocks (190 // 16 − 4): 16 > 10, and A's prefix, the least recently used, is gone
    raw = sim.run(REQS, lim(12, 10), rf, shared_prefix=64)
    assert ttft(raw, 2) == pytest.approx(rf.prefill(80).seconds, rel=1e-12)
    assert raw["reps"][0].host.hit_tokens == 0


def test_hits_come_in_whole_chunks_of_the_tier(rf):
    # a tier of 3-block chunks (LMCache's chunk_size over the block size): 3 of the 4 blocks load
    raw = sim.run(REQS, lim(12, 64, chunk=3), rf, shared_prefix=64)
    assert ttft(raw, 2) == pytest.approx(3 * LOAD + rf.mixed([(48, 32)]).seconds, rel=1e-12)


def test_lru_by_hand():
    t = HostTier(5, 1, 0.0)
    t.put(("p", "a"), 3)
    t.put(("u", 1), 2)
    assert t.prefix_blocks("a", 99) == 3  # a hit makes "a" the most recent
    t.put(("u", 2), 2)  # 7 > 5: the oldest, ("u", 1), goes
    assert ("u", 1) not in t.d and t.used == 5
    t.put(("u", 3), 1)  # 6 > 5: one block of "a", the oldest now, goes
    assert t.d[("p", "a")] == 2 and t.prefix_blocks("a", 99) == 2 and t.prefix_blocks("a", 1) == 1


def test_the_tier_is_fits_and_the_load_time_reloads():
    spec, gpu = catalog.load_model("llama-3.1-8b"), catalog.load_gpu("h100")
    lm = sim.engine_limits(spec, gpu, opts=ServeOptions(kv_offloading_size=64 * 2**30))
    # fit: 64 GiB of vLLM's 2 MiB blocks of 16 tokens: 32,768 blocks, 524,288 tokens; a block is
    # 16 × 131,072 bytes over PCIe 5.0 x16's 63,015,384,615 bytes/s
    assert (lm.host_blocks, lm.host_chunk_blocks) == (32768, 1)
    assert lm.host_block_seconds == pytest.approx(16 * 131072 / 63_015_384_615)
    assert sim.engine_limits(spec, gpu).host_blocks == 0


def test_cli():
    run = CliRunner().invoke
    base = ["simulate", "llama-3.1-8b", "--gpu", "l4", "--max-model-len", "8192", "--rate", "20",
            "--requests", "200", "--prompt-tokens", "3000", "--output-tokens", "20", "--shared-prefix", "2048"]
    r = run(app, base + ["--kv-offloading-size", "64", "--json"])
    assert r.exit_code == 0, r.output
    pc = json.loads(r.stdout)["prefix_cache"]
    assert pc["host_tier_tokens"] == 64 * 2**30 // (2 * 2**20) * 16
    r = run(app, base + ["--kv-offloading-size", "64"])
    assert r.exit_code == 0 and "CPU tier" in r.stdout and max(len(x) for x in r.stdout.splitlines()) <= 80
    r = run(app, base + ["--kv-offloading-size", "64", "--engine", "sglang"])
    assert r.exit_code != 0 and "Traceback" not in r.output and len(r.output.strip().splitlines()) == 1
