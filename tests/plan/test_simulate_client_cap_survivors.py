"""Session 19's mutation survivors in the open loop with a client cap and in gamma arrivals (mut19b). Times and
counts by hand with a step model in which every step takes one second (test_simulate_client_cap.py's)."""
import pytest

from kvplan.errors import KvplanError
from kvplan.plan import simulate as sim
from kvplan.plan.simulate.workload import Request, arrivals
from kvplan.sources import catalog

from tests.plan.test_simulate_args import Steps, tiny


def _run(reqs, cap, **kw):
    return sim.run(reqs, tiny(async_scheduling=False), Steps(1.0), max_concurrency=cap, **kw)


def test_a_cap_of_two_sends_two_and_holds_the_third():
    # three requests at 0 s, 3 s of service each (a prefill step, two decode steps): two sent at once and served
    # together (0-3 s), the third held until they finish
    raw = _run([Request(0.0, 10, 3) for _ in range(3)], 2)
    assert [(r.arrival, r.first_tok, r.end) for r in raw["reqs"]] == [(0.0, 1.0, 3.0), (0.0, 1.0, 3.0),
                                                                      (3.0, 4.0, 6.0)]
    # saturation marks at arrivals 2 and 3 (half + 1, the last): 1 waiting at the scheduler (the first, not yet
    # stepped); then 2 waiting + 1 held, less the arrival itself: 2
    assert raw["mark"] == {2: 1, 3: 2}


def test_held_requests_count_in_the_saturation_marks_less_the_arrival_itself():
    # cap 1, one request a second, 3 s of service: sent at 0, 3, 6, ...; marks at arrivals 4 (half + 1) and 6.
    # At 3 s the first ends and the second is sent (waiting at the scheduler), the fourth arrives and is held
    # behind the third: 1 + 2 - 1 = 2. At 5 s the second is running, held are the 3rd-6th: 0 + 4 - 1 = 3.
    raw = _run([Request(float(i), 10, 3) for i in range(6)], 1)
    assert [r.arrival for r in raw["reqs"]] == [0.0, 3.0, 6.0, 9.0, 12.0, 15.0]
    assert raw["mark"] == {4: 2, 6: 3}


def test_an_arrival_sent_at_once_is_not_taken_off_the_marks():
    # one request every 5 s against 3 s of service: every arrival finds the slot free; nothing waits or is held
    raw = _run([Request(i * 5.0, 10, 3) for i in range(4)], 1)
    assert raw["mark"] == {3: 0, 4: 0}


@pytest.mark.parametrize("cap, concurrency, shown", [(2, 2, "2"), (1.5, None, "1.5"), (0, None, "0"),
                                                         (True, None, "True")])
def test_a_cap_on_a_closed_loop_or_not_a_positive_integer_is_refused(cap, concurrency, shown):
    with pytest.raises(KvplanError) as e:
        _run([Request(0.0, 10, 3)], cap, concurrency=concurrency)
    assert str(e.value) == f"a client's in-flight cap is a positive integer on an open loop, got {shown}"


def test_simulates_cap_messages_and_workload_word_for_word():
    spec, gpu = catalog.load_model("llama-3.1-8b"), catalog.load_gpu("h100")
    with pytest.raises(KvplanError) as e:
        sim.simulate(spec, gpu, rate=float("inf"), max_concurrency=2, limits=tiny(), roofline=Steps())
    assert str(e.value) == ("a client's in-flight cap (max_concurrency) goes with a finite --rate; at --rate inf "
                            "it is a closed loop: give --concurrency")
    r = sim.simulate(spec, gpu, rate=1.0, arrivals_kind="constant", max_concurrency=1_000, requests=4,
                     prompt_tokens="10", output_tokens="3", limits=tiny(async_scheduling=False), roofline=Steps(1.0))
    assert r.workload == "constant 1/s, prompt 10, output 3, at most 1,000 in flight (the client's cap)"


@pytest.mark.parametrize("kind, shown", [("gamma:-1", "-1"), ("gamma:x", "x"), ("gamma:", ""), ("gamma:0", "0")])
def test_a_bad_gamma_burstiness_is_quoted_whole(kind, shown):
    with pytest.raises(KvplanError) as e:
        arrivals(2, 1.0, kind)
    assert str(e.value) == f"a gamma arrival process needs a burstiness > 0, got '{shown}'"
