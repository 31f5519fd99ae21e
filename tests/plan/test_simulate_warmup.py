"""simulate's closed loop over a population with prefix groups, and its warm-up batch
(``prefix_ids``, ``warmup``: a client that asks several questions of each document and warms
the server up with the same prompts before it measures). ``Steps``: every step costs 1 s, so
times are counted by hand; prompts of 40 tokens and a shared prefix of 32 (2 blocks of 16)."""
import pytest

from kvplan.errors import KvplanError
from kvplan.plan import simulate as sim
from kvplan.sources import catalog


class Steps:
    decode_is_linear = True

    def mixed_sum(self, parts, n_dec, dec_sum, seconds=True):
        return 1.0


def tiny(blocks: int = 10_000, engine: str = "vllm", block: int = 16) -> sim.Limits:
    return sim.Limits(engine, block, blocks, 256, 8192, 131072, True, {"num_blocks": "test"})


@pytest.fixture(scope="module")
def llama():
    return catalog.load_model("llama-3.1-8b"), catalog.load_gpu("h100")


def run(llama, **kw):
    spec, gpu = llama
    base = dict(concurrency=1, requests=4, prompt_tokens="40", output_tokens="2", shared_prefix=32,
                limits=tiny(), roofline=Steps())
    return sim.simulate(spec, gpu, **(base | kw))


def test_each_group_shares_only_its_own_prefix(llama):
    """One client, groups a b a b: the 3rd and 4th requests find their group's 2 blocks (32
    tokens) cached, the 2nd does not (another group); with one group (no prefix_ids) the 2nd,
    3rd and 4th all do."""
    assert run(llama, prefix_ids=["a", "b"]).prefix_hit_tokens == 2 * 32
    assert run(llama).prefix_hit_tokens == 3 * 32
    assert run(llama, prefix_ids=["a", "b", "c", "d"]).prefix_hit_tokens == 0
    assert run(llama, prefix_ids=["a", "b"]).workload == \
        "concurrency 1, prompt 40, output 2, shared prefix 32 in 2 groups"


def test_sglang_groups_hit_token_by_token(llama):
    r = run(llama, prefix_ids=["a", "b"], limits=tiny(engine="sglang", block=1))
    assert r.prefix_hit_tokens == 2 * 32


def test_a_warm_up_leaves_its_cache_and_drops_its_figures(llama):
    """Two clients warm up with a and b (both prefilled in the step 0-1 s, the last token at
    2 s), then send a and b again at 2 s: both hit 32 tokens, first token at 3 s, done at 4 s.
    Only the measured two count: 2 requests, 4 output tokens in 2 s, 2 steps, TTFT 1 s."""
    r = run(llama, concurrency=2, requests=2, warmup=2, prefix_ids=["a", "b"])
    assert r.requests == 2 and r.prefix_hit_tokens == 2 * 32 and r.prompt_tokens == 2 * 40
    assert r.duration_s == 2.0 and r.output_tokens_per_s == 2.0 and r.steps == 2
    assert r.ttft_ms.mean == 1000 and r.e2e_ms.mean == 2000
    assert r.workload.endswith("shared prefix 32 in 2 groups, after a warm-up of 2")
    cold = run(llama, concurrency=2, requests=2, prefix_ids=["a", "b"])
    assert cold.prefix_hit_tokens == 0 and cold.duration_s == 2.0


def test_the_measured_requests_wait_for_the_whole_warm_up(llama):
    """Two clients, a warm-up of 3: requests 1 and 2 end at 2 s, request 3 runs alone from 2 to
    4 s; the measured ones start together at 4 s, not at 2 s when one client was free."""
    spec, gpu = llama
    reqs = [sim.Request(0.0, 40, 2, "a") for _ in range(5)]
    raw = sim.run(reqs, tiny(), Steps(), shared_prefix=32, concurrency=2, warmup=3)
    assert [r.arrival for r in raw["reqs"]] == [4.0, 4.0]
    assert [r.end for r in raw["reqs"]] == [6.0, 6.0]
    assert len(raw["reqs"]) == 2


@pytest.mark.parametrize("kw, msg", [
    (dict(warmup=2, concurrency=None, rate=1.0),
     "a warm-up batch is a whole number of requests >= 0 in a closed loop (--concurrency), got 2"),
    (dict(warmup=-1), "a warm-up batch is a whole number of requests >= 0 in a closed loop (--concurrency), got -1"),
    (dict(prefix_ids=["a"], shared_prefix=0),
     "per-request prefix groups need --shared-prefix (and no --trace: a trace carries its own prefix_id column)"),
    (dict(prefix_ids=[]),
     "per-request prefix groups need --shared-prefix (and no --trace: a trace carries its own prefix_id column)"),
])
def test_refusals(llama, kw, msg):
    with pytest.raises(KvplanError) as e:
        run(llama, **kw)
    assert str(e.value) == msg


def test_run_refuses_a_warm_up_that_leaves_nothing_to_measure():
    reqs = [sim.Request(0.0, 40, 2) for _ in range(2)]
    with pytest.raises(KvplanError, match="none would be measured"):
        sim.run(reqs, tiny(), Steps(), concurrency=1, warmup=2)
    with pytest.raises(KvplanError, match="needs a closed loop"):
        sim.run(reqs, tiny(), Steps(), warmup=1)


def test_a_warm_up_over_replicas_leaves_each_groups_prefix_at_home(llama):
    """Two replicas behind the prefix router: a warms up on one, b on the other; the measured a and b
    go home and hit their 32 tokens; each replica runs 2 measured steps (4 in all)."""
    r = run(llama, concurrency=2, requests=2, warmup=2, prefix_ids=["a", "b"], replicas=2, router="prefix")
    assert (r.requests, r.duration_s, r.prefix_hit_tokens, r.steps) == (2, 2.0, 64, 4)
