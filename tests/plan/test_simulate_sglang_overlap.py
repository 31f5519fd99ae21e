"""SGLang's overlap scheduler hides a step's kernel launches behind the GPU work of the step before it
(kvplan/plan/simulate/sglang.py ``_overlapped``; scheduler.py ``event_loop_overlap``: ``run_batch`` of
batch k+1 is called while the GPU runs batch k). The launches are the step model's per-layer overhead
term (latency/profile.py ``Profile.launch``); the per-step and per-sequence terms stay on the path.
Figures by hand on a step model with round numbers, then the step model's own split checked."""
import pytest

from kvplan.plan import simulate as sim
from kvplan.plan.latency.step import OpLatency
from kvplan.plan.simulate.limits import for_engine_version
from kvplan.plan.simulate.workload import Request
from kvplan.sources import catalog


class Split:
    """A prompt pass: 30 ms of GPU work + 20 ms overhead, 18 ms of it launches; a decode: ``dec`` s of GPU
    work + 2 ms overhead, no launches (a graph replay)."""
    decode_is_linear = True

    def __init__(self, dec: float):
        self.dec = dec

    def mixed_sum(self, chunks, decodes, ctx_sum, ctx_max=0, seconds=False):
        return 0.050 if chunks else self.dec + 0.002

    def overhead_parts(self, seqs, prompt=False):
        return (0.020, 0.018) if prompt else (0.002, 0.0)


def tiny():
    return sim.Limits("sglang", 1, 100000, 256, 8192, 131072, True, {"num_blocks": "test"})


@pytest.fixture(scope="module")
def llama():
    return catalog.load_model("llama-3.1-8b"), catalog.load_gpu("h100")


@pytest.mark.parametrize("dec, ttft_b", [(0.010, 0.75 * 0.012 + 0.050 - 0.010),
                                         (0.030, 0.75 * 0.032 + 0.050 - 0.018)])
def test_a_prompt_pass_launched_behind_the_trailing_decode(llama, dec, ttft_b):
    """A (100, 2) alone: its prefill (50 ms: the GPU was idle, nothing hides), D1, then the trailing
    decode T (dec + 2 ms). B arrives a quarter into T and is prefilled when T ends; its 18 ms of launches
    ran while T's GPU work did: hidden min(18, 10) = 10 ms, or all 18 behind 30 ms. TTFT of B: T × 3/4 +
    50 − hidden; of A: 50 ms."""
    spec, gpu = llama
    rf = Split(dec)
    T = dec + 0.002
    tb = 0.050 + T + T / 4
    r = sim.simulate(spec, gpu, trace=[Request(0.0, 100, 2), Request(tb, 100, 2)], limits=tiny(), roofline=rf)
    assert r.ttft_ms.mean == pytest.approx((0.050 + ttft_b) / 2 * 1000, rel=1e-9)


def test_nothing_hides_after_an_idle_gpu_or_without_overlap(llama):
    """B arrives 5 s after A ended (the GPU idle): its prefill costs the whole 50 ms. SGLang 0.3.0 (no
    overlap scheduler) prefills B at once when it arrives during A's last decode's result: 50 ms too."""
    spec, gpu = llama
    rf = Split(0.030)
    r = sim.simulate(spec, gpu, trace=[Request(0.0, 100, 2), Request(5.0, 100, 2)], limits=tiny(), roofline=rf)
    assert r.ttft_ms.mean == pytest.approx(50.0, rel=1e-9)
    tb = 0.050 + 0.032 + 0.008
    old = sim.simulate(spec, gpu, trace=[Request(0.0, 100, 2), Request(tb, 100, 2)],
                       limits=for_engine_version(tiny(), "0.3.0"), roofline=rf)
    assert old.ttft_ms.mean == pytest.approx(50.0, rel=1e-9)


def test_the_step_models_launch_term_is_its_per_layer_overhead():
    """Qwen2.5-7B (28 layers) on an L4, SGLang (fitted.yaml: 1.45 ms + 690 us a layer eager, 0 with graphs,
    + 30 us a sequence): a prompt pass of one sequence carries 1.45 + 19.32 + 0.03 = 20.80 ms of overhead,
    19.32 ms of it launches; a decode (a graph replay) 1.48 ms, no launches."""
    rf = OpLatency(catalog.load_model("qwen2.5-7b"), catalog.load_gpu("l4"), engine="sglang")
    total, launch = rf.overhead_parts(1, True)
    assert (total, launch) == (pytest.approx(0.02080), pytest.approx(0.01932))
    assert rf.overhead_parts(1, False) == (pytest.approx(0.00148), 0.0)
    # the split is of the overhead the step's seconds carry
    assert rf.prefill(42).seconds - total == pytest.approx(
        sum(o[1] for o in rf.prefill(42).ops if o[2] != "overhead"))


class EagerDecode(Split):
    """As Split, but a decode runs eager: 10 ms of GPU work + 8 ms overhead, 6 ms of it launches."""

    def mixed_sum(self, chunks, decodes, ctx_sum, ctx_max=0, seconds=False):
        return 0.050 if chunks else 0.018

    def overhead_parts(self, seqs, prompt=False):
        return (0.020, 0.018) if prompt else (0.008, 0.006)


def test_eager_decodes_and_the_trailing_step_hide_their_launches(llama):
    """A's D1 was launched during its prefill (30 ms of GPU work): 18 − 6 = 12 ms. The trailing decode T,
    launched during D1 (10 ms of GPU work), 12 ms too. B, arriving a quarter into T, launches during T:
    its prefill hides min(18, 10) = 10 ms, 40 ms. TTFT of B: 12 × 3/4 + 40 = 49 ms; A's 50 ms. Had T not
    hidden its launches (18 ms), B would wait 15 ms for it, not 9."""
    spec, gpu = llama
    tb = 0.050 + 0.012 + 0.003
    r = sim.simulate(spec, gpu, trace=[Request(0.0, 100, 2), Request(tb, 100, 2)], limits=tiny(),
                     roofline=EagerDecode(0.0))
    assert r.ttft_ms.mean == pytest.approx((0.050 + 0.049) / 2 * 1000, rel=1e-9)
    assert r.itl_ms.mean == pytest.approx(12.0, rel=1e-9)
