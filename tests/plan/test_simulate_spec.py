"""simulate --speculative-config --acceptance (issue 23; kvplan/plan/simulate/speculative.py):
one request at a time, checked by hand against the step model and the drafter's cost."""
import json

import pytest
from typer.testing import CliRunner

from kvplan.cli import app
from kvplan.engines import ServeOptions
from kvplan.engines.vllm import speculative as S
from kvplan.errors import KvplanError
from kvplan.plan import simulate as sim
from kvplan.plan.latency.step import OpLatency
from kvplan.plan.speculative import draft_seconds, drafter
from kvplan.sources import catalog

EAGLE = S.parse('{"method":"eagle3","num_speculative_tokens":3}')


@pytest.fixture(scope="module")
def llama():
    spec, gpu = catalog.load_model("llama-3.1-8b"), catalog.load_gpu("h100")
    return spec, gpu, OpLatency(spec, gpu)


def tiny(blocks: int) -> sim.Limits:
    return sim.Limits("vllm", 16, blocks, 256, 8192, 131072, True, {"num_blocks": "test"})


def one(llama, alpha, p, n, sc=EAGLE, limits=None):
    spec, gpu, rf = llama
    return sim.simulate(spec, gpu, concurrency=1, requests=1, prompt_tokens=str(p), output_tokens=str(n),
                        opts=ServeOptions(speculative_config=sc), acceptance=alpha,
                        limits=limits or tiny(100_000), roofline=rf)


def round_seconds(llama, ctx, sc=EAGLE, alpha=0.0):
    """One speculative round of one sequence holding ``ctx`` tokens: the target verifies k + 1
    tokens on it, and k draft passes read the drafter and its layer's share of the cache."""
    spec, _, rf = llama
    d = drafter(rf, spec, sc, alpha)
    return rf.mixed([(ctx, sc.num_speculative_tokens + 1)]).seconds + \
        draft_seconds(rf, d, rf.kv_tokens_read(ctx) // spec.num_layers)


def test_acceptance_0_emits_the_tokens_of_plain_decoding_in_slower_steps(llama):
    _, _, rf = llama
    p, n = 1000, 20
    plain = sim.simulate(*llama[:2], concurrency=1, requests=1, prompt_tokens=str(p), output_tokens=str(n),
                         limits=tiny(100_000), roofline=rf)
    r = one(llama, 0.0, p, n)
    assert r.steps == plain.steps == 1 + (n - 1)  # a prefill, then one token a step
    e2e = rf.prefill(p).seconds + sum(round_seconds(llama, p + t) for t in range(n - 1))
    assert r.e2e_ms.mean == pytest.approx(e2e * 1000, rel=1e-12)
    assert r.ttft_ms.mean == plain.ttft_ms.mean
    assert r.tpot_ms.mean > plain.tpot_ms.mean  # k drafts and k + 1 verified tokens per token


def test_acceptance_1_emits_k_plus_1_tokens_a_step(llama):
    _, _, rf = llama
    p, n = 1000, 1 + 5 * 4  # the prefill's token, then 5 rounds of k + 1 = 4
    r = one(llama, 1.0, p, n)
    assert r.steps == 1 + 5
    e2e = rf.prefill(p).seconds + sum(round_seconds(llama, p + 4 * j, alpha=1.0) for j in range(5))
    assert r.e2e_ms.mean == pytest.approx(e2e * 1000, rel=1e-12)
    # a 22nd token needs a 6th round, which stops at max_tokens
    assert one(llama, 1.0, p, n + 1).steps == 1 + 6


def test_a_fractional_rate_advances_every_decode_by_the_expected_tokens(llama):
    # α = 0.5, k = 1: E = 1 + 0.5 = 1.5 tokens a step: 30 tokens after the first in 20 steps
    sc = S.parse('{"method":"ngram","num_speculative_tokens":1}')
    r = one(llama, 0.5, 500, 31, sc)
    assert r.steps == 1 + 20


def test_a_decode_holds_blocks_for_1_plus_k_plus_the_lookahead(llama):
    # prompt 10, block 16: the prefill takes 1 block; the first round asks for 10 + 1 + 3 + 3 =
    # 17 tokens' slots: 2 blocks (plain decoding: 11 tokens, 1 block)
    spec, gpu, rf = llama
    reqs = [sim.Request(0.0, 10, 3)]
    d = drafter(rf, spec, EAGLE, 0.0)
    spec_run = sim.run(reqs, tiny(4), rf, drafter=d)
    plain = sim.run(reqs, tiny(4), rf)
    assert max(s[1] for s in spec_run["reps"][0].samples) == 2
    assert max(s[1] for s in plain["reps"][0].samples) == 1
    # n-gram reserves no lookahead: 10 + 1 + 3 = 14 tokens, 1 block
    ng = drafter(rf, spec, S.parse('{"method":"ngram","num_speculative_tokens":3}'), 0.0)
    assert max(s[1] for s in sim.run(reqs, tiny(4), rf, drafter=ng)["reps"][0].samples) == 1
    # every block is back in the pool at the end
    assert spec_run["reps"][0].free == 4


def test_the_cache_is_fits_with_the_drafter(llama):
    from kvplan.plan import fit as fitmod

    spec, gpu, _ = llama
    o = ServeOptions(speculative_config=EAGLE)
    lim = sim.engine_limits(spec, gpu, opts=o)
    f = fitmod.fit(spec, gpu, engine="vllm", opts=o)
    assert lim.num_blocks == f.capacity.detail["num_gpu_blocks"] - 1
    assert lim.num_blocks < sim.engine_limits(spec, gpu).num_blocks  # its layer and weights


def test_many_requests_with_preemption_run_to_the_end(llama):
    _, _, rf = llama
    spec = llama[0]
    d = drafter(rf, spec, EAGLE, 0.6)
    reqs = [sim.Request(0.0, 40 + i, 30 + 7 * i) for i in range(12)]
    raw = sim.run(reqs, tiny(40), rf, drafter=d)
    assert all(r.state == "done" for r in raw["reqs"])
    assert raw["reps"][0].preemptions > 0 and raw["reps"][0].free == 40


def test_bad_input(llama):
    spec, gpu, _ = llama
    with pytest.raises(KvplanError, match="--acceptance"):
        sim.simulate(spec, gpu, concurrency=1, requests=1, opts=ServeOptions(speculative_config=EAGLE))
    with pytest.raises(KvplanError, match="needs --speculative-config"):
        sim.simulate(spec, gpu, concurrency=1, requests=1, acceptance=0.5)
    with pytest.raises(KvplanError, match="--engine vllm"):
        sim.simulate(spec, gpu, concurrency=1, requests=1, engine="sglang",
                     opts=ServeOptions(speculative_config=EAGLE), acceptance=0.5)


def test_cli():
    run = CliRunner().invoke
    base = ["simulate", "llama-3.1-8b", "--gpu", "h100", "--concurrency", "4", "--requests", "20",
            "--prompt-tokens", "500", "--output-tokens", "50"]
    r = run(app, base + ["--speculative-config", '{"method":"eagle3","num_speculative_tokens":3}',
                         "--acceptance", "0.7", "--json"])
    assert r.exit_code == 0, r.output
    d = json.loads(r.stdout)
    assert any("speculative (eagle3, k 3" in n for n in d["notes"])
    plain = json.loads(run(app, base + ["--json"]).stdout)
    assert d["tpot_ms"]["mean"] < plain["tpot_ms"]["mean"]
    for bad in (["--acceptance", "0.5"], ["--acceptance", "2", "--speculative-config",
                                          '{"method":"ngram","num_speculative_tokens":2}'],
                ["--speculative-config", "{"]):
        r = run(app, base + bad)
        assert r.exit_code != 0 and "Traceback" not in r.output and len(r.output.strip().splitlines()) == 1
    r = run(app, base + ["--speculative-config", '{"method":"eagle3","num_speculative_tokens":3}',
                         "--acceptance", "0.7"])
    assert r.exit_code == 0 and max(len(x) for x in r.stdout.splitlines()) <= 80
