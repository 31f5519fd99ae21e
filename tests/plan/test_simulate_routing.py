"""simulate's run loop (kvplan/plan/simulate/__init__.py run, _route, _drafter): which replica
each router picks on a load built by hand, the saturation marks, the replica class per engine
and flag, and the speculative drafter's messages. Steps: every step costs 1 s."""
import math

import pytest

from kvplan.engines import ServeOptions
from kvplan.engines.vllm import speculative as S
from kvplan.errors import KvplanError
from kvplan.model.frozen import replace
from kvplan.plan import simulate as sim
from kvplan.plan.latency.step import OpLatency
from kvplan.plan.simulate.sglang import SGLangReplica
from kvplan.plan.simulate.speculative import SpecReplica
from kvplan.plan.simulate.vllm_v0 import V0MultiStepReplica, v0_limits
from kvplan.plan.speculative import drafter
from kvplan.sources import catalog


class Steps:
    decode_is_linear = True

    def mixed_sum(self, parts, n_dec, dec_sum, seconds=True):
        return 1.0


def tiny(engine: str = "vllm", block: int = 16, seqs: int = 256, **kw) -> sim.Limits:
    return sim.Limits(engine, block, 100_000, seqs, 8192, 131072, True, {"num_blocks": "test"}, **kw)


def prompts(raw) -> list[int]:
    """Each replica's admitted prompt tokens: which requests it was given."""
    return [x.prompt_tokens for x in raw["reps"]]


# Four requests at 0, prompts 100, 200, 300, 400, prefixes a, b, a, a.
ABAA = [sim.Request(0.0, 100 * (i + 1), 2, pid) for i, pid in enumerate("abaa")]


def test_round_robin_deals_requests_in_turn():
    """Three replicas: requests 1..4 go to replicas 0, 1, 2, 0 (prompts 100 + 400, 200, 300),
    prefixes or not; the three are busy at once, each for a prefill step and a decode step."""
    raw = sim.run(ABAA, tiny(), Steps(), replicas=3)
    assert prompts(raw) == [500, 200, 300]
    assert [r.end for r in raw["reqs"]] == [2.0] * 4 and [x.steps for x in raw["reps"]] == [2, 2, 2]


def test_least_loaded_takes_the_replica_with_fewest_requests_then_the_lowest_index():
    """Loads (0, 0): replica 0; (1, 0): 1; (1, 1): 0; (2, 1): 1, whatever the prefixes."""
    raw = sim.run(ABAA, tiny(), Steps(), replicas=2, router="least-loaded")
    assert prompts(raw) == [100 + 300, 200 + 400]


def test_the_prefix_router_sends_a_prefix_home():
    """a's first request goes to the least loaded replica (0) and makes it a's home; b goes to
    the least loaded then (1); a's later requests go home to 0 although it is busier. A request
    without a prefix goes to the least loaded."""
    raw = sim.run(ABAA, tiny(), Steps(), replicas=2, router="prefix")
    assert prompts(raw) == [100 + 300 + 400, 200]
    free = ABAA + [sim.Request(0.0, 500, 2)]
    assert prompts(sim.run(free, tiny(), Steps(), replicas=2, router="prefix")) == [800, 700]


def test_speculative_replicas_keep_their_index_and_the_shared_prefix():
    """The same routes with speculative replicas; with a 32-token shared prefix, a's three
    requests on one replica hit its two blocks twice."""
    spec, gpu = catalog.load_model("llama-3.1-8b"), catalog.load_gpu("h100")
    rf = OpLatency(spec, gpu)
    d = drafter(rf, spec, S.parse('{"method":"ngram","num_speculative_tokens":2}'), 0.0)
    raw = sim.run(ABAA, tiny(), rf, replicas=2, router="prefix", shared_prefix=32, drafter=d)
    assert all(isinstance(x, SpecReplica) for x in raw["reps"])
    assert [x.index for x in raw["reps"]] == [0, 1]
    assert prompts(raw) == [800, 200]
    # at 0 a's three requests are admitted together, none cached yet; a 4th a at 5 s hits
    later = ABAA + [sim.Request(5.0, 100, 2, "a")]
    raw = sim.run(later, tiny(), rf, replicas=2, router="prefix", shared_prefix=32, drafter=d)
    assert raw["reps"][0].hit_tokens == 32


def test_run_shares_no_prefix_unless_told():
    """run's shared_prefix defaults to 0: two requests of one prefix id share nothing, even in
    SGLang's token pool (a 'block' of 1 token)."""
    reqs = [sim.Request(0.0, 100, 2, "a"), sim.Request(5.0, 100, 2, "a")]
    raw = sim.run(reqs, tiny("sglang", block=1), Steps())
    assert raw["reps"][0].hit_tokens == 0
    assert sim.run(reqs, tiny("sglang", block=1), Steps(), shared_prefix=50)["reps"][0].hit_tokens == 50


@pytest.mark.parametrize("engine, steps, cls", [("vllm", 1, sim.Replica), ("vllm", 2, V0MultiStepReplica),
                                                ("sglang", 1, SGLangReplica)])
def test_each_engine_and_flag_has_its_replica(engine, steps, cls):
    lim = tiny(engine, block=1 if engine == "sglang" else 16)
    if steps > 1:
        lim = v0_limits(lim, steps, ServeOptions(max_num_batched_tokens=8192))
    raw = sim.run([sim.Request(0.0, 10, 2)], lim, Steps(), replicas=2)
    assert [type(x) for x in raw["reps"]] == [cls, cls] and [x.index for x in raw["reps"]] == [0, 1]


def test_saturation_counts_the_queue_at_the_middle_and_the_last_arrival():
    """One sequence at a time (max_num_seqs 1), 5 requests 0.1 s apart, each 2 steps of 1 s.
    Request 1 starts at 0; the others arrive during that step and wait. At the 3rd arrival 2 wait
    (1 beyond the one arriving), at the 5th 4 wait (3): the queue grew by 2 over the last 3
    arrivals, more than 10 % of them."""
    reqs = [sim.Request(0.1 * i, 10, 2) for i in range(5)]
    raw = sim.run(reqs, tiny(seqs=1), Steps())
    assert raw["mark"] == {3: 1, 5: 3}
    r = sim.simulate(None, None, trace=reqs, limits=tiny(seqs=1), roofline=Steps())
    assert r.saturated
    assert r.saturation == ("waiting requests grew from 1 to 3 over the second half of the arrivals "
                            "(3 requests); saturated when the growth exceeds 10% of them")
    assert sim.run(reqs, tiny(seqs=1), Steps(), concurrency=2)["mark"] == {}


def test_the_drafters_messages():
    spec, gpu = catalog.load_model("llama-3.1-8b"), catalog.load_gpu("h100")
    kw = dict(concurrency=1, requests=1, prompt_tokens="10", output_tokens="2")
    with pytest.raises(KvplanError) as e:
        sim.simulate(spec, gpu, acceptance=0.5, limits=tiny(), roofline=Steps(), **kw)
    assert str(e.value) == "--acceptance needs --speculative-config"
    o = ServeOptions(speculative_config=S.parse('{"method":"ngram","num_speculative_tokens":2}'))
    with pytest.raises(KvplanError) as e:
        sim.simulate(spec, gpu, engine="sglang", opts=o, acceptance=0.5, limits=tiny("sglang", block=1),
                     roofline=OpLatency(spec, gpu), **kw)
    assert str(e.value) == "--speculative-config is vLLM's flag; simulate it with --engine vllm"


def test_a_front_end_of_none_adds_nothing():
    raw = sim.run([sim.Request(0.0, 10, 2)], replace(tiny(), frontend=None), Steps())
    assert raw["reqs"][0].first_tok == 1.0
    raw = sim.run([sim.Request(0.0, 10, 2)], replace(tiny(), frontend=(0.25,)), Steps())
    assert raw["reqs"][0].first_tok == 1.25
    assert math.isclose(raw["reqs"][0].end, 2.25)
