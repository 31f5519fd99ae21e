"""simulate's wiring of SGLang's DP attention beyond one replica (kvplan/plan/simulate/__init__.py
``_replicas``, ``_step_model``): replicas of D ranks numbered across the deployment, each rank with
the shared prefix; a calibrated profile scaling the DP step; and the refusal for a model whose
decode cost is not linear in context, in full."""
from __future__ import annotations

import pytest

from kvplan.engines import ServeOptions
from kvplan.errors import KvplanError
from kvplan.plan import simulate as sim
from kvplan.plan.latency.calibrate import KIND
from kvplan.plan.latency.dp_attention import DataParallelStep
from kvplan.sources import catalog
from tests.plan.test_simulate_dp import _Step  # the stand-in step: slowest rank + 0.1 ms a row

DP2 = ServeOptions(data_parallel_size=2, dp_attention=True)


def test_two_replicas_of_two_ranks_number_their_ranks_and_share_the_prefix():
    """--replicas 2 of D = 2, page 16, a 64-token shared prefix: every rank holds 64 // 16 = 4 prefix
    pages; the ranks are numbered replica × 2 + rank = 0, 1 | 2, 3 (SGLang's dp_rank), and the
    replicas 0, 1 (round robin sends request 0 to replica 0, request 1 to replica 1)."""
    lim = sim.Limits("sglang", 16, 100_000, 64, 4096, 100_000, True, {}, "", (0.0,), output_reserve=1.0)
    reqs = [sim.Request(0.0, 80, 2, "p"), sim.Request(0.0, 80, 2, "p")]
    raw = sim.run(reqs, lim, _Step(2), replicas=2, shared_prefix=64)
    assert [x.index for x in raw["reps"]] == [0, 1, 2, 3]
    assert [x.k_prefix for x in raw["reps"]] == [4, 4, 4, 4]


@pytest.fixture(scope="module")
def ds():
    return catalog.load_model("deepseek-r1"), catalog.load_gpu("h200-sxm-141gb")


def test_a_calibrated_profile_scales_the_dp_attention_step(ds):
    """--profile with step_scale 2.0 under --dp-size 2 --enable-dp-attention: both sides of every
    step and its overhead take twice as long (a closed loop of 4 clients, no front-end time), so the
    first token of every request comes at exactly twice the time; the same as passing the
    hand-built DataParallelStep with the profile applied."""
    spec, gpu = ds
    prof = {"kind": KIND, "step_scale": 2.0, "gpu": gpu.name, "fitted_on": "t"}
    kw = dict(tp=8, engine="sglang", concurrency=4, prompt_tokens="100", output_tokens="4", requests=4, opts=DP2)
    plain = sim.simulate(spec, gpu, **kw)
    got = sim.simulate(spec, gpu, profile=prof, **kw)
    assert got.ttft_ms.p50 == pytest.approx(2 * plain.ttft_ms.p50, rel=1e-9)
    hand = DataParallelStep(spec, gpu, 8, 2, engine="sglang")
    hand.apply_profile(prof)
    assert sim.simulate(spec, gpu, roofline=hand, **kw).ttft_ms.p50 == pytest.approx(got.ttft_ms.p50, rel=1e-12)


def test_dp_attention_refuses_a_model_whose_decode_is_not_linear():
    """gpt-oss-120b's sliding-window layers read min(context, 128) tokens: a decode's cost is not
    affine in its context, so the DP step (priced from the sum of contexts) refuses it by name."""
    spec, gpu = catalog.load_model("gpt-oss-120b"), catalog.load_gpu("h100")
    with pytest.raises(KvplanError) as e:
        sim.simulate(spec, gpu, tp=2, engine="sglang", opts=DP2, concurrency=2, prompt_tokens="100",
                     output_tokens="10", requests=2)
    assert str(e.value) == ("DP attention is simulated for models whose decode cost is linear in context; "
                            "gpt-oss-120b's is not")
