"""SGLang's DP attention step model (plan/latency/dp_attention.py), piece by piece, with the arithmetic
stated: DeepSeek-R1 (61 layers, hidden 7,168, MLA: 512 + 64 cached values a token a layer) on H200s,
``--tp 8 --dp-size 8 --enable-dp-attention`` (one GPU per attention group).

    step = the slowest rank's own share (attention, projections, K/V write, LM head: its own rows)
         + the MLP side at the summed rows (MLP + MoE GEMMs at tp 8, and 2 × 61 + 1 = 123 all-reduces
           of rows × 7,168 × 2 bytes, each α + bytes / β from the 8-GPU all-reduce table)
         + one engine overhead at the most sequences any rank holds, eager when any rank prefills
           (fitted.yaml sglang: base + per layer × 61 + per sequence × seqs; 28 µs a layer with CUDA
           graphs, 930 µs eager)."""
from __future__ import annotations

import pytest

from kvplan.errors import KvplanError
from kvplan.plan.latency import tables
from kvplan.plan.latency.calibrate import KIND
from kvplan.plan.latency.dp_attention import DataParallelStep
from kvplan.sources import catalog

_SIDE = ("MLP", "MoE", "engine overhead")  # ops a rank's own share leaves to the step


@pytest.fixture(scope="module")
def ds():
    return catalog.load_model("deepseek-r1"), catalog.load_gpu("h200-sxm-141gb")


@pytest.fixture(scope="module")
def m(ds):
    return DataParallelStep(*ds, 8, 8, engine="sglang")


def _sglang_overhead(seqs: int, eager: bool) -> float:
    """fitted.yaml's SGLang constants, by hand: today (session 21's refit, lat21trt) 0.2 ms + 42 µs (graphs) or
    700 µs (eager) × 61 layers + 0 µs × seqs (engines.yaml sglang fit_per_seq_us)."""
    f = tables.load("fitted")["engines"]["sglang"]
    per_layer = f["per_layer_us_eager"] if eager else f["per_layer_us_graphs"]
    return f["base_ms"] * 1e-3 + per_layer * 1e-6 * 61 + f["per_seq_us"] * 1e-6 * seqs


def test_layout_checks_name_the_flags(ds):
    with pytest.raises(KvplanError, match=r"--dp-size 1 must divide --tp 8 with --enable-dp-attention \(and be > 1\)"):
        DataParallelStep(*ds, 8, 1)  # D = 1 is plain TP, not DP attention
    with pytest.raises(KvplanError, match="--dp-size 3 must divide --tp 8"):
        DataParallelStep(*ds, 8, 3)
    with pytest.raises(KvplanError, match=r"--ep-size 4 with DP attention: kvplan prices --ep-size 1 or 8 \(the whole TP group\)"):
        DataParallelStep(*ds, 8, 8, ep=4)
    two = DataParallelStep(*ds, 8, 2)  # D = 2: attention groups of 4 GPUs
    assert (two.rank.tp, two.mlp.tp, two.dp) == (4, 8, 2)


def test_both_sides_are_sglangs_and_carry_the_dtypes(ds, m):
    assert m.rank.engine == m.mlp.engine == "sglang"  # not OpLatency's default (vLLM)
    assert m.decode_is_linear is True  # MLA: a decode's cost is affine in its context
    # K/V: (512 + 64) values × 61 layers × 2 bytes (bf16) = 70,272 bytes a token; fp8: 35,136
    assert m.rank.bytes_per_token == m.mlp.bytes_per_token == 576 * 61 * 2
    q = DataParallelStep(*ds, 8, 8, kv_dtype="fp8", weight_dtype="bf16")
    assert q.rank.bytes_per_token == q.mlp.bytes_per_token == 576 * 61
    assert q.rank.weight_dtype == q.mlp.weight_dtype == "bf16"
    assert m.rank.weight_dtype != "bf16"  # the checkpoint's own fp8 linears


def test_ep_reaches_the_mlp_side(ds):
    e = DataParallelStep(*ds, 8, 8, ep=8)
    assert (e.rank.ep, e.mlp.ep) == (1, 8)
    names = [o[0] for o in e.mlp.price(64, 1, 0, 0, 0, 0, 0, 0, 0)]
    assert any(n.startswith("MoE experts, EP 8 (") for n in names)  # 256 / 8 = 32 whole experts a rank


def test_a_fresh_rank_has_priced_no_pass(m):
    assert DataParallelStep(*(m.rank.spec, m.rank.gpu), 8, 8).rank.last == (0, 0, False)


def test_rank_overhead_is_the_engines_graphed_or_eager(m):
    # graphs: 0.2 + 61 × 0.042 + 0 = 0.2 + 2.562 = 2.762 ms; eager (SGLang graphs capture decode only): 0.2 + 61 × 0.7
    # = 42.9 ms (session 15's refit: 0.75 + 1.83 = 2.58 and 0.75 + 40.87 = 41.62 ms)
    assert m.rank.overhead_seconds(32, False) == pytest.approx(_sglang_overhead(32, False))
    assert m.rank.overhead_seconds(32, True) == pytest.approx(_sglang_overhead(32, True))
    assert m.rank.overhead_seconds(32, False) == pytest.approx(2.762e-3, rel=1e-12)
    assert m.rank.overhead_seconds(32, True) - m.rank.overhead_seconds(32, False) == pytest.approx(61 * 658e-6, rel=1e-12)


@pytest.mark.parametrize("kind", ["decode", "prefill"])
def test_a_ranks_share_is_its_pass_less_mlp_moe_and_overhead(m, kind):
    r = m.rank
    if kind == "decode":  # 32 sequences at 3,000 tokens
        whole = r.decode(3000, 32).ops
        own = r.mixed_sum((), 32, 32 * 3000, seconds=True)
        assert r.last == (32, 32, False)
    else:  # one 1,000-token prompt: the eager overhead is the one left out
        whole = r.prefill(1000).ops
        own = r.mixed_sum([(0, 1000)], 0, 0, seconds=True)
        assert r.last == (1000, 1, True)
    names = [o[0] for o in whole]
    assert any(n.startswith("MLP") for n in names) and any(n.startswith("MoE") for n in names)
    assert own == pytest.approx(sum(o[1] for o in whole if not o[0].startswith(_SIDE)), rel=1e-12)
    assert r.mlp_seconds(r.last[0]) == pytest.approx(sum(o[1] for o in whole if o[0].startswith(("MLP", "MoE"))))


def test_mlp_side_is_tp8_gemms_plus_123_allreduces_at_the_summed_rows(ds, m):
    spec, gpu = ds
    rows = 256  # 8 ranks × 32 decodes
    ops = m.mlp.price(rows, 1, 0, 0, 0, 0, 0, 0, 0)
    gemms = sum(o[1] for o in ops if o[0].startswith(("MLP", "MoE")))
    one, _ = m.mlp.prof.allreduce(8, rows * 7168 * 2)  # aiconfigurator's H200 SGLang curve, log-size interpolated
    # each gather / scatter an all-reduce of 256 × 7,168 × 2 = 3,670,016 bytes, 123 of them
    comm = (2 * 61 + 1) * one
    assert m.mlp_seconds(rows) == pytest.approx(gemms + comm, rel=1e-12)
    assert m.mlp_seconds(rows) > m.mlp_seconds(32)


def test_a_step_joins_the_ranks_as_stated(m):
    """Three ranks with batches (the other five idle): one prefilling a 100-token prompt, one with 5
    decodes, one with 20. Rows 100 + 5 + 20 = 125; sequences max(1, 5, 20) = 20; a prompt on one
    rank makes the step eager on all."""
    parts = [(0.004, 100, 1, True), (0.001, 5, 5, False), (0.002, 20, 20, False)]
    want = 0.004 + m.mlp_seconds(125) + _sglang_overhead(20, True)
    assert m.step(parts) == pytest.approx(want, rel=1e-12)
    # all decoding: graphed, and the rows are the tokens (not the sequences: 6 + 5 + 20)
    dec = [(0.001, 12, 6, False), (0.001, 5, 5, False), (0.002, 20, 20, False)]
    assert m.step(dec) == pytest.approx(0.002 + m.mlp_seconds(37) + _sglang_overhead(20, False), rel=1e-12)


def test_a_calibrated_profile_scales_both_sides(ds, m):
    p = DataParallelStep(*ds, 8, 8)
    p.apply_profile({"kind": KIND, "step_scale": 2.0, "gpu": ds[1].name, "fitted_on": "t"})
    assert p.rank.profile_scale == p.mlp.profile_scale == 2.0
    assert p.mlp_seconds(256) == pytest.approx(2 * m.mlp_seconds(256), rel=1e-12)
    assert p.rank.mixed_sum((), 32, 96_000, seconds=True) == pytest.approx(
        2 * m.rank.mixed_sum((), 32, 96_000, seconds=True), rel=1e-12)
    parts = [(0.003, 32, 32, False)] * 8
    assert p.step(parts) == pytest.approx(0.003 + 2 * (m.mlp_seconds(256) + _sglang_overhead(32, False)), rel=1e-12)
    with pytest.raises(KvplanError, match="fitted on b200"):
        DataParallelStep(*ds, 8, 8).apply_profile({"kind": KIND, "step_scale": 2.0, "gpu": "b200"})


def test_a_profile_applied_after_pricing_still_scales_the_mlp_side(ds, m):
    """The MLP side's memo keeps unscaled seconds: a profile applied after a step was priced scales
    the next one (before the fix the memo returned the unscaled figure)."""
    p = DataParallelStep(*ds, 8, 8)
    before = p.mlp_seconds(256)
    p.apply_profile({"kind": KIND, "step_scale": 0.5, "gpu": ds[1].name})
    assert p.mlp_seconds(256) == pytest.approx(0.5 * before, rel=1e-12)


def test_attention_groups_wider_than_a_gpu_leave_every_all_reduce_to_the_mlp_side(ds):
    """--tp 8 --dp-size 2: attention groups of 4 GPUs. SGLang runs no all-reduce inside an attention
    group (sgl-project/sglang, models/deepseek_v2.py at 3e4a39ee: DeepseekV2DecoderLayer builds
    self_attn with ``reduce_results=False``, so o_proj leaves partial sums; layers/communicator.py at
    fd3907ee, CommunicateWithAllReduceAndLayerNormFn._gather_hidden_states_and_residual: with
    attn_dp_size != 1 those partials go through ``dp_gather_partial``, one all-reduce over all 8 GPUs
    that sums the group's partials and gathers the ranks at once; _scatter_hidden_states after the MLP
    is ``dp_scatter``, a copy; the embedding is built with ``enable_tp=not is_dp_attention_enabled()``).
    The MLP side already prices those (2 × 61 + 1 all-reduces over 8 at the summed rows), so a rank's
    own share must not keep its own tp-4 all-reduces: 123 × (α₄ + 32 × 7,168 × 2 / β₄) for 32 decodes
    (before the fix it kept them, the MLP's reduction counted twice and the attention's once too many)."""
    two = DataParallelStep(*ds, 8, 2, engine="sglang")
    r = two.rank
    whole = r.decode(3000, 32).ops
    one, _ = r.prof.allreduce(4, 458_752)
    ar = [o for o in whole if o[0].startswith("all-reduce")]
    assert [o[0] for o in ar] == ["all-reduce (123 × 458,752 bytes)"]  # 32 × 7,168 × 2 bytes, 2 × 61 + 1 calls
    assert ar[0][1] == pytest.approx(123 * one, rel=1e-12)
    own = r.mixed_sum((), 32, 32 * 3000, seconds=True)
    assert own == pytest.approx(sum(o[1] for o in whole if not o[0].startswith(_SIDE + ("all-reduce",))),
                                rel=1e-12)
    # the step: the rank's share + the MLP side at 2 × 32 = 64 rows (its 123 all-reduces over 8 GPUs)
    # + the graphed overhead at 32 sequences, and no tp-4 all-reduce anywhere
    parts = [(own, 32, 32, False), (own, 32, 32, False)]
    assert two.step(parts) == pytest.approx(own + two.mlp_seconds(64) + _sglang_overhead(32, False), rel=1e-12)
