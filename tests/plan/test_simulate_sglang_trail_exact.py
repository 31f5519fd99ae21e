"""SGLang's overlap scheduler's trailing step (kvplan/plan/simulate/sglang.py) priced by a step model
whose decode is not affine in its lengths (``decode_is_linear`` False: each decode's own length goes to
``mixed``), and the trailing step not counted as an engine step. The same two runs as
tests/plan/test_simulate_sglang.py's trailing-step tests, figures by hand from the step model's own
prices; session 13's mutation run of sglang.py (MUTATION.md) left these paths unchecked."""
import pytest

from kvplan.plan import simulate as sim
from kvplan.plan.latency.step import OpLatency
from kvplan.plan.simulate.workload import Request
from kvplan.sources import catalog


class PerLength:
    """Llama 3.1 8B's step on an H100 (OpLatency, SGLang), taken through its per-length path."""
    decode_is_linear = False

    def __init__(self, rf):
        self.rf = rf

    def __getattr__(self, name):
        return getattr(self.rf, name)


@pytest.fixture(scope="module")
def llama():
    spec, gpu = catalog.load_model("llama-3.1-8b"), catalog.load_gpu("h100")
    return spec, gpu, OpLatency(spec, gpu, engine="sglang")


def tiny(tokens: int) -> sim.Limits:
    return sim.Limits("sglang", 1, tokens, 256, 8192, 131072, True, {"num_blocks": "test"})


def test_a_trailing_step_alone_priced_per_length(llama):
    """A (500, 2) alone: prefill P, decode D1 (A at 501, its last token), then the trailing decode T
    of A at 502, alone. B (300, 2) arrives a quarter into T and is prefilled when T ends. Steps: P, D1,
    B's prefill and B's decode: 4; T is not one (it gives nobody a token)."""
    spec, gpu, rf = llama
    P, D1, T = rf.mixed([(0, 500)]).seconds, rf.mixed([], [501]).seconds, rf.mixed([], [502]).seconds
    tb = P + D1 + T / 4
    r = sim.simulate(spec, gpu, trace=[Request(0.0, 500, 2), Request(tb, 300, 2)], limits=tiny(100000),
                     roofline=PerLength(rf))
    assert r.ttft_ms.mean == pytest.approx((P + T * 3 / 4 + rf.mixed([(0, 300)]).seconds) / 2 * 1000, rel=1e-9)
    assert r.steps == 4


def test_a_decode_formed_ahead_priced_per_length(llama):
    """A (500, 2) and B (500, 4) prefilled together; D1 ends A; D2, formed before that was known,
    runs A (502) beside B (502); D3 runs B (503) alone. B's last token at P + D1 + D2 + D3."""
    spec, gpu, rf = llama
    P = rf.mixed([(0, 500), (0, 500)]).seconds
    d1, d2, d3 = rf.mixed([], [501, 501]).seconds, rf.mixed([], [502, 502]).seconds, rf.mixed([], [503]).seconds
    r = sim.simulate(spec, gpu, trace=[Request(0.0, 500, 2), Request(0.0, 500, 4)], limits=tiny(100000),
                     roofline=PerLength(rf))
    assert r.e2e_ms.mean == pytest.approx((P + d1 + P + d1 + d2 + d3) / 2 * 1000, rel=1e-9)


class Steps:
    """A step costs 10 ms plus 1 ms per prompt token, whatever its decodes (exact sums of the same
    floats the test adds)."""
    decode_is_linear = True

    def mixed_sum(self, parts, n_dec, dec_sum, seconds=True):
        return 0.010 + 0.001 * sum(n for _, n in parts)


P = 0.010 + 0.001 * 500  # A's prefill, 0 to 0.51 s; A's one decode (its last token) 0.51 to 0.52 s


def _ttft_b(arrival: float) -> float:
    trace = [Request(0.0, 500, 2), Request(arrival, 300, 2)]
    r = sim.simulate(None, None, trace=trace, limits=tiny(100000), roofline=Steps())
    return r.ttft_ms.mean * 2 / 1000 - P  # B's TTFT: the mean of the two less A's (P)


def test_a_request_that_arrived_as_the_last_step_began_is_no_trailing_steps():
    """B arrives at 0.51 s, exactly as A's decode begins: it was received before the batch after that
    decode was formed (form: ``seen <= last_start``), so no trailing decode runs alone; B's prefill
    runs 0.52 to 0.83 s (0.31 s): TTFT 0.32 s. A moment later it would wait out the trailing decode."""
    assert _ttft_b(P) == pytest.approx(0.52 + 0.31 - 0.51, abs=1e-12)
    assert _ttft_b(P + 0.001) == pytest.approx(0.53 + 0.31 - 0.511, abs=1e-12)


def test_a_request_that_arrives_as_the_trailing_step_ends_waits_for_nothing():
    """The trailing decode runs 0.52 to 0.53 s; B arriving at exactly 0.53 s is prefilled at once
    (0.53 to 0.84 s): TTFT 0.31 s, no empty step priced before it."""
    end = (P + 0.010) + 0.010  # the same sums the replica makes: last_end + the trailing decode
    assert _ttft_b(end) == pytest.approx(0.31, abs=1e-12)


def test_a_decode_formed_ahead_priced_per_length_after_earlier_decodes(llama):
    """As above, but Z (100, 2) ran first and is long done when A and B arrive at 1 s (Z: a prefill of
    100 and one decode at 101; its trailing decode ends well before 1 s): the decode clock has moved
    on, and each decode still prices A and B at their own lengths, 501, 502 (A's formed ahead), 503."""
    spec, gpu, rf = llama
    z = rf.mixed([(0, 100)]).seconds + rf.mixed([], [101]).seconds
    P = rf.mixed([(0, 500), (0, 500)]).seconds
    d1, d2, d3 = rf.mixed([], [501, 501]).seconds, rf.mixed([], [502, 502]).seconds, rf.mixed([], [503]).seconds
    assert z + rf.mixed([], [102]).seconds < 1.0
    r = sim.simulate(spec, gpu, trace=[Request(0.0, 100, 2), Request(1.0, 500, 2), Request(1.0, 500, 4)],
                     limits=tiny(100000), roofline=PerLength(rf))
    assert r.e2e_ms.mean == pytest.approx((z + P + d1 + P + d1 + d2 + d3) / 3 * 1000, rel=1e-9)
