"""An engine whose decode steps append each layer's K/V by concatenation (engines.yaml ``kv_cache_append: concat``:
plain transformers' DynamicCache.update, torch.cat) reads and writes the whole cache once more a step: 2 x the K/V the
step's attention reads, priced with the K/V write at the memory rate (latency/step.py ``kv_concat``; issue 21).

Qwen2.5-7B on an A100 SXM 80 GB: 28 layers x 2 (K, V) x 4 KV heads x 128 x 2 bytes = 57,344 bytes a token."""
import pytest
import yaml

from kvplan.plan.latency.step import OpLatency
from kvplan.sources import catalog
from conftest import ROOT

ENGINES = yaml.safe_load((ROOT / "kvplan" / "plan" / "latency" / "data" / "engines.yaml").read_text())


@pytest.fixture
def plain():
    return OpLatency(catalog.load_model("qwen2.5-7b"), catalog.load_gpu("a100-sxm-80gb"), engine="hf_plain")


def test_only_plain_transformers_concatenates_and_says_where_from():
    assert {k for k, v in ENGINES.items() if "kv_cache_append" in v} == {"hf_plain"}
    src = ENGINES["hf_plain"]["kv_cache_append_source"]
    assert ENGINES["hf_plain"]["kv_cache_append"] == "concat" and "torch.cat([self.key_cache[layer_idx]" in src
    assert all(v in src for v in ("v4.38.2", "v4.46.0", "v4.51.3"))
    # AutoAWQ's fused modules (hf) keep their own cache: no copy priced there
    assert not OpLatency(catalog.load_model("qwen2.5-7b"), catalog.load_gpu("a100-sxm-80gb"), engine="hf").kv_concat


def test_a_decode_step_pays_two_more_passes_over_its_cache(plain):
    ctx, b = 30_000, 1
    assert plain.bytes_per_token == 57_344 and plain.kv_concat
    step = plain.decode(ctx, b)
    (write,) = [o for o in step.ops if o[0].startswith("K/V write")]
    assert write[0] == "K/V write, recurrent state and cache concatenation (torch.cat)"
    assert "DynamicCache.update" in write[3]
    p = plain.prof
    read = b * plain.kv_tokens_read(ctx)
    assert read == step.kv_read_bytes
    assert write[1] == (b * plain.kv_written(ctx) + 2 * read) / (p.bw * p.mem_eff)
    plain.kv_concat = False  # the same engine without the copy: every other op the same
    bare = plain.decode(ctx, b)
    assert [o[1] for o in bare.ops if not o[0].startswith("K/V write")] == [
        o[1] for o in step.ops if not o[0].startswith("K/V write")]
    assert step.seconds - bare.seconds == pytest.approx(2 * read / (p.bw * p.mem_eff), rel=1e-12)
    # the reported bytes are the cache's own, not the copy's
    assert (bare.kv_read_bytes, bare.kv_write_bytes, bare.state_bytes) == (
        step.kv_read_bytes, step.kv_write_bytes, step.state_bytes)


def test_a_prefill_copies_nothing(plain):
    step = plain.prefill(4096)
    (write,) = [o for o in step.ops if o[0].startswith("K/V write")]
    assert write[0] == "K/V write and recurrent state"
    plain.kv_concat = False
    assert plain.prefill(4096).seconds == step.seconds


@pytest.mark.parametrize("ctx", [1, 2048, 30_000])
def test_the_fast_paths_price_the_copy_as_the_ops_do(plain, ctx):
    batches = [1, 2, 7, 64]
    got = plain.decode_steps_many(ctx, batches)
    assert [s for s, _ in got] == [plain.decode(ctx, b).seconds for b in batches]
    # a simulator's inner loop (mixed_sum with seconds) and the records (mixed) too
    assert [plain.mixed_sum([], b, b * ctx, ctx, seconds=True) for b in batches] == [
        plain.decode(ctx, b).seconds for b in batches]
    assert [plain.mixed([], [ctx] * b).seconds for b in batches] == [plain.decode(ctx, b).seconds for b in batches]
