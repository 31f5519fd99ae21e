"""Session 16 (mut16c): the many-batch decode path sweep prices (ux16b's decode_steps_many and its helpers) is
its one-batch counterpart bit for bit on the inputs the sweep tests did not reach: a grid with an empty row, a
context under 1 (the log clamp), a batch of 0, no attention layers, one attention layer, TensorRT-LLM's one-block
kernel (one_cta), a measured table without the model's grid, and a calibrated profile scaled by 2."""
import copy

import pytest

import kvplan
from kvplan.errors import KvplanError
from kvplan.plan.latency import attention, tables
from kvplan.plan.latency.step import OpLatency
from kvplan.sources import catalog

XS, YS = [1, 4, 16], [0.25, 1, 64]
GRID = [[0.1, 0.2, 0.4], [None, None, None], [0.3, 0.5, 0.9]]  # row 4 measured nowhere


def test_interp2_many_is_interp2_at_each_x():
    xs = [0.5, 1, 2, 4, 8, 16, 100]
    for y in (0.1, 0.25, 0.5, 1, 8, 64, 1000):
        assert tables.interp2_many(XS, YS, GRID, xs, y) == [tables.interp2(XS, YS, GRID, x, y) for x in xs]
    # by hand: at y 1 row 1 reads 0.2 and row 16 0.5; x 4 (an empty row) lies half way in log(x) between them
    assert tables.interp2_many(XS, YS, GRID, [1, 4, 16, 32], 1) == [0.2, 0.2 + (0.5 - 0.2) * 0.5, 0.5, 0.5]
    # y 0.5 lies half way in log(y) between 0.25 and 1: row 1 reads 0.15 (a y under 1 is not clamped to 1)
    assert tables.interp2_many(XS, YS, GRID, [1], 0.5) == pytest.approx([0.15], rel=1e-12)
    empty = [[None, None, None]] * 3
    assert tables.interp2_many(XS, YS, empty, [1, 2], 1) == [None, None]


def _prof(engine="vllm", gpu="h100"):
    return OpLatency(catalog.load_model("llama-3.1-8b"), catalog.load_gpu(gpu), 1, engine=engine).prof


@pytest.mark.parametrize("edit", ["no_grid", "empty_grid"])
def test_efficiencies_fall_back_as_one_batch_does(edit):
    """A table without the model's (kv heads, GQA) grid, or with one measured nowhere, falls back to the physics
    model for every batch, in decode_attention_efficiency's own arguments."""
    p = _prof()
    t = copy.deepcopy(p.tables["decode_attention"])
    if edit == "no_grid":
        t["efficiency"] = {k: v for k, v in t["efficiency"].items() if k != "kv8_gqa4"}
    else:
        t["efficiency"]["kv8_gqa4"] = [[None] * len(t["ctx"]) for _ in t["batch"]]
    p.tables = {**p.tables, "decode_attention": t}
    p._decode_grids = {}
    batches = [1, 3, 64, 500]
    for ctx in (1, 1000, 100000):
        got = p.decode_attention_efficiencies(batches, ctx, 8, 4)
        assert got == [p.decode_attention_efficiency(b, ctx, 8, 4)[:2] for b in batches]
        assert all(src.startswith("physics fallback") for src in
                   (p.decode_attention_efficiency(b, ctx, 8, 4)[2] for b in batches))
    # fresh, the measured grid is picked by its own table (no memo to lean on)
    q = _prof("sglang")
    q._decode_grids = {}
    assert q.decode_attention_efficiencies([2, 40], 3000, 8, 4) == [
        q.decode_attention_efficiency(b, 3000, 8, 4)[:2] for b in (2, 40)]


@pytest.mark.parametrize("one_cta", [None, 0.001])
@pytest.mark.parametrize("layers", [0, 1, 32])
def test_decode_seconds_many_is_decode_seconds_per_batch(layers, one_cta):
    p = _prof()
    kv, fl = 131072 * 4096, 2 * 4096 * 4096  # one sequence's bytes and FLOPs at 4,096 tokens
    batches = [0, 1, 8, 0, 256]
    for ctx in (0.5, 1, 4096):
        want = [attention.decode_seconds(p, b * kv, b * fl, b, ctx, 8, 4, layers, 989e12, one_cta)[0]
                for b in batches]
        assert attention.decode_seconds_many(p, kv, fl, batches, ctx, 8, 4, layers, 989e12, one_cta) == want
    if layers and one_cta:  # one block per (sequence, KV head) at 0.1 % of the bandwidth binds: its 1/8 of the bytes
        got = attention.decode_seconds_many(p, kv, fl, [1, 3], 4096, 8, 4, layers, 989e12, one_cta)
        assert got == pytest.approx([kv / (8 * 0.001 * p.bw)] * 2, rel=1e-12)


def test_one_block_kernel_and_a_profile_scaled_by_two_price_as_the_step():
    spec, g = catalog.load_model("llama-3.1-8b"), catalog.load_gpu("h100")
    r = OpLatency(spec, g, 1, engine="trtllm", multi_block=False)
    assert r.one_cta
    batches = [1, 2, 64]
    for ctx in (1024, 131072):
        assert r.decode_steps_many(ctx, batches) == [(s.seconds, s.bound) for s in (r.decode(ctx, b) for b in batches)]
    r2 = OpLatency(spec, g, 1)
    r2.profile_scale = 2.0
    assert r2.decode_steps_many(4096, batches) == [(s.seconds, s.bound) for s in (r2.decode(4096, b) for b in batches)]


def test_sweep_with_tp_and_no_gpu_says_what_it_plans():
    with pytest.raises(KvplanError, match="plans the fits on a GPU"):
        kvplan.sweep("llama-3.1-8b", [1024], [1], tp=2)


def test_validates_decode_step_is_perfs():
    """perf.decode_step (what kvplan validate puts beside its measurement) is kvplan perf's decode step: by default
    one sequence, one GPU, the ideal layout priced as vLLM; and with every argument passed on."""
    from kvplan.plan import perf

    spec, g = catalog.load_model("llama-3.1-8b"), catalog.load_gpu("h100")
    s = perf.decode_step(spec, g, 4096)
    assert s.seconds == kvplan.perf("llama-3.1-8b", "h100", 4096).decode.seconds and s.batch == 1
    s = perf.decode_step(spec, g, 8192, 16, "fp8", "fp8", "sglang", 2)
    p = kvplan.perf("llama-3.1-8b", "h100", 8192, 16, tp=2, kv_dtype="fp8", weight_dtype="fp8", engine="sglang")
    assert (s.seconds, s.batch, s.ctx) == (p.decode.seconds, 16, 8192)
    assert s.seconds != perf.decode_step(spec, g, 8192, 16, "fp8", "fp8", "vllm", 2).seconds
    assert s.seconds != perf.decode_step(spec, g, 8192, 16, None, "fp8", "sglang", 2).seconds
    assert s.seconds != perf.decode_step(spec, g, 8192, 16, "fp8", None, "sglang", 2).seconds
