"""fit's --trace replay over the KV tiers (kvplan/plan/fit_tiers.py): which tiers, which block.

The trace: two requests of 100 prompt + 10 output tokens sharing a 64-token prefix; the second
finds the whole prefix cached (64 tokens: 4 blocks of 16, 2 of 32, 1 of 64, 64 pages of 1).
"""
import json
import shlex

import pytest
from typer.testing import CliRunner

from kvplan.cli import app
from kvplan.engines import ServeOptions
from kvplan.plan import fit_tiers
from kvplan.sources import catalog

NOTE = ("requests replayed one after another (in-flight blocks never crowd the cache): an upper "
        "bound for a busy server")


@pytest.fixture()
def trace(tmp_path):
    f = tmp_path / "t.csv"
    f.write_text("arrival_s,prompt_tokens,output_tokens,prefix_id\n0,100,10,p\n1,100,10,p\n")
    return str(f)


def _reuse(args: str) -> dict:
    r = CliRunner().invoke(app, ["fit", "llama-3.1-8b", "--gpu", "h100", *shlex.split(args), "--json"])
    assert r.exit_code == 0, r.output
    return json.loads(r.stdout)["reuse"]


@pytest.mark.parametrize("flags, block", [
    ("", 16),                                  # vLLM's default block
    ("--block-size 32", 32),                   # vLLM's --block-size, as its capacity reports it
    ("--engine sglang", 1),                    # SGLang's token pages
    ("--engine sglang --page-size 16", 16),
    ("--engine trtllm", 32),                   # TensorRT-LLM's tokens_per_block
    ("--engine ideal", 16),                    # no block of its own: 16
    ("--engine ideal --block-size 64", 64),    # ... or the user's
    ("--engine llamacpp --block-size 8", 8),
])
def test_the_block_a_trace_is_replayed_at(trace, flags, block):
    u = _reuse(f"{flags} --trace {trace} --shared-prefix 64")
    assert u["block_size"] == block
    assert (u["requests"], u["prompt_tokens"], u["missed_tokens"], u["hit_rate"]) == (2, 200, 136, 64 / 200)
    assert u["note"] == NOTE
    (gpu,) = u["tiers"]
    assert set(gpu) == {"tier", "capacity_tokens", "hit_tokens"}
    assert gpu["tier"] == "GPU (KV pool)" and gpu["hit_tokens"] == 64


def test_a_cpu_tier_is_replayed_behind_the_gpu(trace):
    r = CliRunner().invoke(app, ["fit", "llama-3.1-8b", "--gpu", "h100", "--kv-offloading-size", "64",
                                 "--trace", trace, "--shared-prefix", "64", "--json"])
    d = json.loads(r.stdout)
    gpu, cpu = d["reuse"]["tiers"]
    assert (gpu["tier"], cpu["tier"]) == ("GPU (KV pool)", "CPU (host)")
    # the CPU tier's capacity is the offload's own token count (64 GiB of 131,072-byte tokens,
    # in whole chunks), and the GPU's the pool's
    assert cpu["capacity_tokens"] == d["cpu_offload"]["cpu_tokens"] > 0
    assert gpu["capacity_tokens"] == d["kv_cache_tokens"]
    assert gpu["hit_tokens"] == 64 and cpu["hit_tokens"] == 0  # the GPU, searched first, has it


def test_the_library_call_takes_opts_by_name_or_position(trace):
    s, g = catalog.load_model("llama-3.1-8b"), catalog.load_gpu("h100")
    o = ServeOptions(block_size=64)
    by_name = fit_tiers.fit(s, g, 1, 1, "ideal", opts=o, trace=trace, trace_prefix=64)
    by_pos = fit_tiers.fit(s, g, 1, 1, "ideal", None, None, None, None, o, trace=trace, trace_prefix=64)
    assert by_name.capacity.detail["reuse"]["block_size"] == by_pos.capacity.detail["reuse"]["block_size"] == 64
    # the other keywords reach fit too
    assert fit_tiers.fit(s, g, ctx=32000).ctx == 32000
    # no opts at all: 16
    assert fit_tiers.fit(s, g, 1, 1, "ideal", trace=trace, trace_prefix=64).capacity.detail["reuse"]["block_size"] == 16
