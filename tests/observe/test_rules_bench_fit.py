"""check-bench's fit, on made-up numbers (issue 25: the mutants of kvplan/observe/bench.py's
``objective`` and ``calibrate``, which the suite reached only through a CLI subprocess).

``objective`` is the mean squared log error of TTFT (median, else mean), ITL (mean, else median)
and output tokens/s; each case below is worked out with ln 2 = 0.693147. ``calibrate``'s
golden-section search is run on a made-up objective, (ln scale − ln s*)², with the simulator
replaced: its answer must land within the search's final bracket of s*, which after 14 steps
on ln scale in [ln 1/8, ln 8] (width 4.1589) is 4.1589 × 0.618034**14 = 0.0049 wide."""
import math

import pytest

from kvplan.errors import KvplanError
from kvplan.observe import bench

LN2 = math.log(2)
# a level stands in for a run's load level: calibrate reads only its engine_version (the engine's profile)
LEVELS = [type("Level", (), {"engine_version": None})()]


def level(measured):
    return bench.Level("vllm", "f.json", None, 1.0, None, 10, "100", "10", measured)


def row(measured, predicted):
    p = {"ttft_ms": {}, "itl_ms": {}, "output_tokens_per_s": None, **predicted}
    return bench.Row(level(measured), p)


def test_objective_of_one_figure():
    # TTFT p50 measured 100 ms, predicted 200 ms: (ln 2)² = 0.480453
    r = row({"ttft_ms": {"p50": 100.0}}, {"ttft_ms": {"p50": 200.0}})
    assert bench.objective([r]) == pytest.approx(LN2 ** 2)


def test_objective_takes_the_ttft_median_before_its_mean():
    # median off by 2× (ln 2)², mean exact: only the median counts
    r = row({"ttft_ms": {"p50": 100.0, "mean": 50.0}}, {"ttft_ms": {"p50": 200.0, "mean": 50.0}})
    assert bench.objective([r]) == pytest.approx(LN2 ** 2)
    # no median on one side: the mean, off by 4× = (2 ln 2)²
    r = row({"ttft_ms": {"mean": 50.0}}, {"ttft_ms": {"p50": 200.0, "mean": 200.0}})
    assert bench.objective([r]) == pytest.approx(4 * LN2 ** 2)


def test_objective_takes_the_itl_mean_before_its_median():
    r = row({"itl_ms": {"mean": 10.0, "p50": 10.0}}, {"itl_ms": {"mean": 20.0, "p50": 10.0}})
    assert bench.objective([r]) == pytest.approx(LN2 ** 2)
    r = row({"itl_ms": {"p50": 10.0}}, {"itl_ms": {"mean": 10.0, "p50": 40.0}})
    assert bench.objective([r]) == pytest.approx(4 * LN2 ** 2)


def test_objective_is_the_mean_over_figures_and_levels():
    # level 1: TTFT 2× off (ln 2)², ITL exact 0, throughput ½ (ln ½)² = (ln 2)²;
    # level 2: throughput 4× off (2 ln 2)² = 4 (ln 2)²; mean of the four terms: 6 (ln 2)² / 4
    a = row({"ttft_ms": {"p50": 100.0}, "itl_ms": {"mean": 10.0}, "output_tokens_per_s": 1000.0},
            {"ttft_ms": {"p50": 200.0}, "itl_ms": {"mean": 10.0}, "output_tokens_per_s": 500.0})
    b = row({"output_tokens_per_s": 100.0}, {"output_tokens_per_s": 400.0})
    assert bench.objective([a, b]) == pytest.approx(6 * LN2 ** 2 / 4)
    # p90 and p99 are not fitted to
    c = row({"ttft_ms": {"p90": 1.0, "p99": 1.0}, "output_tokens_per_s": 100.0},
            {"ttft_ms": {"p90": 9.0, "p99": 9.0}, "output_tokens_per_s": 200.0})
    assert bench.objective([c]) == pytest.approx(LN2 ** 2)


def test_objective_of_figures_under_one():
    # an ITL of 0.5 ms measured, 0.25 ms predicted: (ln ½)² = (ln 2)²; both under 1, both kept
    r = row({"itl_ms": {"mean": 0.5}}, {"itl_ms": {"mean": 0.25}})
    assert bench.objective([r]) == pytest.approx(LN2 ** 2)


def test_objective_skips_figures_it_cannot_take_the_log_of():
    # a predicted throughput of 0 (a saturated simulation) has no log: the TTFT term alone
    r = row({"ttft_ms": {"p50": 100.0}, "output_tokens_per_s": 100.0},
            {"ttft_ms": {"p50": 200.0}, "output_tokens_per_s": 0.0})
    assert bench.objective([r]) == pytest.approx(LN2 ** 2)
    r = row({"ttft_ms": {"p50": 0.0}, "itl_ms": {"mean": 10.0}}, {"ttft_ms": {"p50": 5.0}, "itl_ms": {"mean": 40.0}})
    assert bench.objective([r]) == pytest.approx(4 * LN2 ** 2)  # a measured 0 ms neither
    with pytest.raises(KvplanError, match=r"^the run has no TTFT, ITL or throughput figure to fit to$"):
        bench.objective([row({"ttft_ms": {"p50": 0.0}}, {"ttft_ms": {"p50": 5.0}})])
    with pytest.raises(KvplanError, match=r"^the run has no TTFT, ITL or throughput figure to fit to$"):
        bench.objective([])


class FakeStep:
    """Stands in for OpLatency: calibrate sets profile_scale on it."""
    made = []

    def __init__(self, *a, **k):
        self.profile_scale = None
        FakeStep.made.append((a, k))


@pytest.fixture
def made_up(monkeypatch):
    """calibrate with the simulator replaced: replay returns the scale it was given, and the
    objective is (ln scale − ln target)², or ``flat``. Returns (run calibrate at target, the scales
    tried, the last replay's arguments)."""
    from kvplan.plan.latency import step

    tried, seen = [], {}
    monkeypatch.setattr(step, "OpLatency", FakeStep)

    def replay(levels, spec, gpu, **kw):
        seen.update(kw, levels=levels, spec=spec, gpu=gpu)
        tried.append(kw["step"].profile_scale)
        return [kw["step"].profile_scale]

    def go(target, flat=None, **kw):
        monkeypatch.setattr(bench, "replay", replay)
        monkeypatch.setattr(bench, "objective", lambda rows: flat if flat is not None else
                            (math.log(rows[0]) - math.log(target)) ** 2)
        return bench.calibrate(LEVELS, "spec", "gpu", **kw)
    return go, tried, seen


BRACKET = 4.1589 * 0.618034 ** 14  # ln(64) × g**14 = 0.00490


@pytest.mark.parametrize("target", [2.0, 0.3, 5.0, 1.0])
def test_calibrate_finds_the_minimum_of_a_made_up_objective(made_up, target):
    go, tried, _ = made_up
    scale, before, after, rows = go(target)
    assert abs(math.log(scale) - math.log(target)) < BRACKET
    assert before == pytest.approx(math.log(target) ** 2)  # the objective at scale 1
    assert after == pytest.approx((math.log(scale) - math.log(target)) ** 2) and after < 1e-5
    assert rows == [scale]  # the rows of the best scale, not of another
    # each point is replayed once (cached): the two starting points and one new point in each of
    # the next 13 steps (the 14th step's point is first needed at the end), then scale 1 (the
    # error before), the final bracket's midpoint (within the bracket of the target too) and
    # the 14th step's point
    assert len(tried) == 2 + 13 + 3 and len(set(tried)) == 18 and tried[15] == 1.0
    assert abs(math.log(tried[16]) - math.log(target)) < BRACKET


def test_calibrate_first_steps_by_hand(made_up):
    # target 2 (ln 2 = 0.6931): the first two points are ln s = ∓ (√5 − 2) × ln 8 = ∓ 0.4909; the
    # upper one is closer, so the lower part goes and the third point is
    # -0.4909 + 0.618034 × (2.0794 + 0.4909) = 1.0977
    go, tried, _ = made_up
    go(2.0)
    assert [round(math.log(s), 4) for s in tried[:3]] == [-0.4909, 0.4909, 1.0977]


def test_calibrate_keeps_scale_one_unless_a_scale_beats_it(made_up):
    go, tried, _ = made_up
    assert go(1.0)[0] == 1.0  # the minimum itself: exactly 1, not the search's 1 ± 0.5 %
    # a flat objective (a run whose figures do not move with the step time): scale 1, not the
    # end of [1/8, 8] the search drifts to on ties (7.98 before this was fixed)
    assert go(2.0, flat=0.25) == (1.0, 0.25, 0.25, [1.0])


def test_calibrate_stays_in_one_eighth_to_eight(made_up):
    go, tried, _ = made_up
    scale, *_ = go(100.0)  # a minimum past the range: the search ends at its top, 8
    assert abs(math.log(scale) - math.log(8)) < BRACKET and scale <= 8
    assert all(1 / 8 <= s <= 8 for s in tried)
    scale, *_ = go(0.001)
    assert abs(math.log(scale) - math.log(1 / 8)) < BRACKET and scale >= 1 / 8
    # the first two points are the golden sections of [ln 1/8, ln 8]: ± 0.236068 × ln 8
    first = sorted(math.log(s) for s in tried[:2])
    assert first == pytest.approx([-(math.sqrt(5) - 2) * math.log(8), (math.sqrt(5) - 2) * math.log(8)])


def test_calibrate_passes_the_set_up_to_every_replay(made_up):
    go, _, seen = made_up
    FakeStep.made.clear()
    go(2.0, tp=2, replicas=3, engine="sglang", opts={"x": 1}, max_requests=50, seed=7)
    assert set(map(repr, FakeStep.made)) == {repr((("spec", "gpu", 2), {"engine": "sglang"}))}
    assert (seen["levels"], seen["spec"], seen["gpu"]) == (LEVELS, "spec", "gpu")
    assert {k: seen[k] for k in ("tp", "replicas", "engine", "opts", "max_requests", "seed")} == \
        {"tp": 2, "replicas": 3, "engine": "sglang", "opts": {"x": 1}, "max_requests": 50, "seed": 7}
    go(2.0)  # the defaults: one GPU, one replica, vLLM, 300 requests, seed 0
    assert {k: seen[k] for k in ("tp", "replicas", "engine", "opts", "max_requests", "seed")} == \
        {"tp": 1, "replicas": 1, "engine": "vllm", "opts": None, "max_requests": 300, "seed": 0}
