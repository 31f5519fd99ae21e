"""Issue 23: perf --speculative-config --acceptance (kvplan/plan/speculative.py), checked by hand."""
import json

import pytest
from typer.testing import CliRunner

from kvplan.cli import app
from kvplan.engines.vllm import speculative as S
from kvplan.errors import KvplanError
from kvplan.plan import perf as P
from kvplan.sources import catalog

EAGLE = S.parse('{"method":"eagle3","num_speculative_tokens":3}')


def test_round_by_hand():
    s, g = catalog.load_model("llama-3.1-8b"), catalog.load_gpu("h100")
    r = P.perf(s, g, 4096, 8, new_tokens=None, speculative_config=EAGLE, acceptance=0.7)
    from kvplan.plan.latency.step import OpLatency

    sp, rf = r.speculative, OpLatency(s, g, engine="vllm")  # perf's default step model
    assert sp.tokens_per_step == pytest.approx(1 + 0.7 + 0.49 + 0.343)
    # the target verifies 4 tokens of each of the 8 sequences in one pass
    assert sp.verify_seconds == rf.mixed(chunks=[(4096, 4)] * 8).seconds
    # each of the 3 drafts reads the drafter's weights and its one layer's share of the cache
    bw = g.memory_bandwidth_bytes_per_s * rf.eff.memory
    one = (sp.draft_weights_bytes + 8 * (rf.kv_tokens_read(4096) // 32)) / bw + rf.eff.step_overhead_s
    assert sp.draft_seconds == pytest.approx(3 * one)
    assert sp.tokens_per_second == pytest.approx(8 * sp.tokens_per_step / (sp.draft_seconds + sp.verify_seconds))
    assert sp.speedup == pytest.approx(r.decode.seconds * sp.tokens_per_step / sp.round_seconds)
    # acceptance 0: one token a round at more than a plain step's cost: slower, said so
    r0 = P.perf(s, g, 4096, 8, new_tokens=None, speculative_config=EAGLE, acceptance=0.0)
    assert r0.speculative.speedup < 1
    ng = P.perf(s, g, 4096, 8, new_tokens=None, speculative_config=S.parse(
        '{"method":"ngram","num_speculative_tokens":4}'), acceptance=0.5)
    assert ng.speculative.draft_seconds == 0 and ng.speculative.draft_weights_bytes == 0
    with pytest.raises(KvplanError):
        P.perf(s, g, 4096, 8, speculative_config=EAGLE)  # no acceptance
    with pytest.raises(KvplanError):
        P.perf(s, g, 4096, 8, acceptance=0.5)  # no drafter


def test_cli():
    run = CliRunner().invoke
    r = run(app, ["perf", "llama-3.1-8b", "--gpu", "h100", "--ctx", "4k", "--speculative-config",
                  '{"method":"eagle3","num_speculative_tokens":3}', "--acceptance", "0.7", "--json"])
    assert r.exit_code == 0 and json.loads(r.stdout)["speculative"]["num_speculative_tokens"] == 3
    for bad in (["--acceptance", "1.5", "--speculative-config", '{"method":"ngram","num_speculative_tokens":2}'],
                ["--acceptance", "0.5"]):
        r = run(app, ["perf", "llama-3.1-8b", "--gpu", "h100", "--ctx", "4k", *bad])
        assert r.exit_code != 0 and "Traceback" not in r.output


def test_the_rounds_record_and_a_one_layer_drafters_cache_share():
    """The record's own fields, and the drafter's share of the cache for a 1-layer target (the
    whole of one layer's read, not half of it)."""
    s, g = catalog.load_model("llama-3.1-8b"), catalog.load_gpu("h100")
    sp = P.perf(s, g, 4096, 8, new_tokens=None, speculative_config=EAGLE, acceptance=0.7).speculative
    assert (sp.method, sp.num_speculative_tokens, sp.acceptance) == ("eagle3", 3, 0.7)
    # per sequence: the round's tokens over the round's seconds; all 8 sequences: 8 times that
    assert sp.tokens_per_second_per_sequence == pytest.approx(sp.tokens_per_step / sp.round_seconds)
    assert sp.tokens_per_second == pytest.approx(8 * sp.tokens_per_second_per_sequence)
    one = s.model_copy(update={"pattern": "full"})  # Llama 3.1 8B cut to its first layer
    from kvplan.plan.latency.step import OpLatency

    rf = OpLatency(one, g, engine="vllm")
    # one layer at 4,096 tokens: 4,096 × 8 KV heads × 128 × 2 (K, V) × 2 bytes = 16,777,216 bytes
    assert rf.kv_tokens_read(4096) == 16_777_216
    sp1 = P.perf(one, g, 4096, 8, new_tokens=None, speculative_config=EAGLE, acceptance=0.7).speculative
    bw = g.memory_bandwidth_bytes_per_s * rf.eff.memory
    per_draft = (sp1.draft_weights_bytes + 8 * 16_777_216) / bw + rf.eff.step_overhead_s
    assert sp1.draft_seconds == pytest.approx(3 * per_draft)


def test_the_drafters_pool_layers_and_the_missing_acceptance_message():
    from kvplan.plan.latency.step import OpLatency
    from kvplan.plan.speculative import drafter

    s, g = catalog.load_model("llama-3.1-8b"), catalog.load_gpu("h100")
    rf = OpLatency(s, g, engine="vllm")
    ng = drafter(rf, s, S.parse('{"method":"ngram","num_speculative_tokens":4}'), 0.5)
    assert (ng.weights_bytes, ng.kv_layers, ng.num_speculative_tokens) == (0, 0, 4)  # an n-gram drafter adds nothing
    assert drafter(rf, s, EAGLE, 0.7).kv_layers == 1  # EAGLE-3's one decoder layer
    with pytest.raises(KvplanError, match=r"^--speculative-config needs --acceptance, the per-token acceptance rate \(0 to 1\)$"):
        drafter(rf, s, EAGLE, None)
