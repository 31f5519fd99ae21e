"""vLLM's DP + EP step model (kvplan/plan/latency/dp_moe.py ``DataParallelMoEStep``): the dtypes reach
both sides, a profile scales both, and the experts see D × the most *rows* (tokens) any rank has, not
its sequences. Expected values come from the module's rule (a step = the slowest rank's own share +
the routed experts and all-to-alls at D × the most rows + one engine overhead at the most sequences),
priced with parts a reader can check, or equal to ``kvplan perf``'s own price of the same set-up."""
from __future__ import annotations

import pytest

from kvplan.plan.latency.calibrate import KIND
from kvplan.plan.latency.dp_moe import DataParallelMoEStep
from kvplan.plan.latency.step import OpLatency
from kvplan.sources import catalog

SPEC, GPU = catalog.load_model("qwen3-30b-a3b"), catalog.load_gpu("h100")


def test_fp8_kv_and_weights_reach_the_rank_and_the_experts():
    """Two ranks decoding 8 sequences each (contexts summing to 8,000) with fp8 K/V and fp8 weights:
    as at the default dtypes (test_simulate_dp_moe.py), the step is perf's step at --tp 1 --kv-dtype
    fp8 --dtype fp8 with experts over 2 EP ranks. A side left at the spec's own dtypes (bf16) prices
    its weights or K/V at twice the bytes and misses it; and fp8 must differ from bf16 here, or the
    check could not tell."""
    fp8 = DataParallelMoEStep(SPEC, GPU, 1, 2, kv_dtype="fp8", weight_dtype="fp8")
    own = fp8.rank.mixed_sum([], 8, 8_000, seconds=True)
    got = fp8.step([(own, *fp8.rank.last)] * 2)
    perf = OpLatency(SPEC, GPU, 1, "fp8", "fp8", engine="vllm", ep=2).mixed_sum([], 8, 8_000, seconds=True)
    assert got == pytest.approx(perf, rel=1e-9)
    bf16 = OpLatency(SPEC, GPU, 1, engine="vllm", ep=2).mixed_sum([], 8, 8_000, seconds=True)
    assert perf < bf16 * 0.99
    # each dtype alone moves its own side (K/V: the rank's attention reads half the bytes; weights:
    # the rank's GEMMs and the experts change format), each as perf prices it alone
    for kv, w in (("fp8", None), (None, "fp8")):
        one = DataParallelMoEStep(SPEC, GPU, 1, 2, kv_dtype=kv, weight_dtype=w)
        own = one.rank.mixed_sum([], 8, 8_000, seconds=True)
        perf = OpLatency(SPEC, GPU, 1, kv, w, engine="vllm", ep=2).mixed_sum([], 8, 8_000, seconds=True)
        assert one.step([(own, *one.rank.last)] * 2) == pytest.approx(perf, rel=1e-9)
        assert abs(perf - bf16) > 0.01 * bf16


def test_the_experts_see_every_ranks_rows_not_its_sequences():
    """Rank 0 prefills a 100-token prompt (100 rows, 1 sequence, prompt tokens), rank 1 idles: the
    experts see 2 × 100 = 200 tokens (rank 1 padded to 100), the overhead is one step's at 1
    sequence. Own share 3 ms, a number given by hand."""
    m = DataParallelMoEStep(SPEC, GPU, 1, 2)
    got = m.step([(0.003, 100, 1, True)])
    assert got == pytest.approx(0.003 + m.mlp_seconds(200) + m.rank.overhead_seconds(1, True), rel=1e-12)
    assert m.mlp_seconds(200) > m.mlp_seconds(2) * 1.5  # 2 × sequences instead would show


def test_a_calibrated_profile_scales_the_experts_and_the_overhead():
    """A profile of step_scale 2 applied to both sides: with both ranks' own shares given (3 ms
    each, 8 decodes each), the step is 3 ms + 2 × (experts at 16 rows + overhead at 8 sequences)
    unscaled."""
    m = DataParallelMoEStep(SPEC, GPU, 1, 2)
    p = DataParallelMoEStep(SPEC, GPU, 1, 2)
    p.apply_profile({"kind": KIND, "step_scale": 2.0, "gpu": GPU.name, "fitted_on": "t"})
    parts = [(0.003, 8, 8, False)] * 2
    want = 0.003 + 2 * (m.mlp_seconds(16) + m.rank.overhead_seconds(8, False))
    assert p.step(parts) == pytest.approx(want, rel=1e-12)
    assert p.mlp_seconds(16) == pytest.approx(2 * m.mlp_seconds(16), rel=1e-12)


def test_fp8_kv_reaches_the_expert_side_too():
    """Both sides are built at the K/V format asked, as DataParallelStep's are (test_dp_attention_step.py):
    Qwen3-30B-A3B's K/V is 48 layers × 4 KV heads × 128 × 2 (K and V) = 49,152 values a token, one byte
    each in fp8 on a rank at --tp 1; the expert side runs over tp × dp = 2 GPUs, 2 KV heads each: 24,576.
    At the spec's bf16, twice each."""
    for kv, byte in (("fp8", 1), (None, 2)):
        s = DataParallelMoEStep(SPEC, GPU, 1, 2, kv_dtype=kv)
        assert (s.rank.bytes_per_token, s.mlp.bytes_per_token) == (49_152 * byte, 24_576 * byte)
