"""Issue 25: vLLM 0.33's speculative decoding rules (engines/vllm/speculative.py) part by part and
to the last word of each refusal. Numbers are worked by hand beside each assertion; the EAGLE-3
parts are also vLLM's own per-module tensor bytes in tests/golden/vllm_0.33_spec.json
(scripts/oracles/vllm_extras_oracle.py spec, vLLM 0.33.0) less the rotary cache and scale
vLLM's decoder layer holds and kvplan does not count (8,192 × 128 × 2 + 16 bytes)."""
import json
from pathlib import Path
from types import SimpleNamespace

import pytest

from kvplan.engines.vllm import speculative as S
from kvplan.errors import KvplanError
from kvplan.sources import catalog

EAGLE = "yuhuili/EAGLE3-LLaMA3.1-Instruct-8B"
ROTARY = 8192 * 128 * 2 + 16


def _raises(msg, f, *args):
    with pytest.raises(KvplanError) as e:
        f(*args)
    assert str(e.value) == msg


def _gold(tp):
    d = json.loads((Path(__file__).parents[1] / "golden" / "vllm_0.33_spec.json").read_text())
    return next(r for r in d["records"] if r["method"] == "eagle3" and r["tp"] == tp)


def test_parse_accepts_and_defaults():
    assert S.parse('{"method": "eagle3", "num_speculative_tokens": 3}') == S.SpecConfig("eagle3", 3, EAGLE)
    # the alias, any case; an MTP or n-gram model name is kept as given, none stays None
    assert S.parse('{"method": "eagle3", "num_speculative_tokens": 1, "model": "EAGLE3-Llama3.1-8B"}').model == EAGLE
    assert S.parse('{"method": "mtp", "num_speculative_tokens": 2, "model": "Foo"}') == S.SpecConfig("mtp", 2, "Foo")
    assert S.parse('{"method": "ngram", "num_speculative_tokens": 1}') == S.SpecConfig("ngram", 1, None)
    assert S.parse('{"method": "deepseek_mtp", "num_speculative_tokens": 1}').method == "deepseek_mtp"


def test_parse_refusals_whole():
    _raises("--speculative-config must be JSON, e.g. '{\"method\":\"eagle3\",\"num_speculative_tokens\":3}': "
            "Expecting property name enclosed in double quotes", S.parse, "{bad")
    _raises("--speculative-config must be a JSON object", S.parse, "[1]")
    _raises("--speculative-config: kvplan models method, num_speculative_tokens and model; not alpha, zeta",
            S.parse, '{"method": "ngram", "num_speculative_tokens": 1, "zeta": 1, "alpha": 2}')
    _raises("--speculative-config method must be one of eagle3, mtp, deepseek_mtp, ngram, got 'medusa'",
            S.parse, '{"method": "medusa", "num_speculative_tokens": 1}')
    _raises("--speculative-config method must be one of eagle3, mtp, deepseek_mtp, ngram, got None",
            S.parse, '{"num_speculative_tokens": 1}')
    for k in ("0", "true", '"3"', "1.5", "-1"):
        _raises("--speculative-config needs num_speculative_tokens, a positive integer",
                S.parse, f'{{"method": "ngram", "num_speculative_tokens": {k}}}')
    _raises("--speculative-config needs num_speculative_tokens, a positive integer", S.parse, '{"method": "mtp"}')
    _raises(f"unknown EAGLE-3 draft 'x/y'; known: {EAGLE}",
            S.parse, '{"method": "eagle3", "num_speculative_tokens": 1, "model": "x/y"}')


def test_tokens_per_step_and_lookahead():
    assert S.tokens_per_step(0.5, 2) == 1.75  # 1 + 0.5 + 0.25
    assert S.tokens_per_step(1, 2) == 3.0 and S.tokens_per_step(0, 5) == 1.0
    _raises("--acceptance must be between 0 and 1, got -0.1", S.tokens_per_step, -0.1, 2)
    _raises("--acceptance must be between 0 and 1, got 1.5", S.tokens_per_step, 1.5, 2)
    assert [S.lookahead(S.SpecConfig(m, 3)) for m in ("ngram", "eagle3", "mtp", "deepseek_mtp")] == [0, 3, 3, 3]
    assert [S._pad64(n) for n in (1, 64, 65, 32000, 129280)] == [64, 64, 128, 32000, 129280]


@pytest.mark.parametrize("tp", [1, 2])
def test_eagle3_parts_are_vllms_modules(tp):
    # TP 1: h 4,096, q 32 × 128, kv 8 × 128, MLP 14,336; a decoder layer is
    #   2h(q + 2kv) + qh + 2h·inter + inter·h + 3h = 50,331,648 + 16,777,216 + 117,440,512
    #   + 58,720,256 + 12,288 = 243,281,920 parameters, 486,563,840 bytes in bf16;
    # fc 3 × 4,096 × 4,096 × 2 = 100,663,296; LM head 32,000 / tp × 4,096 × 2; d2t 32,000 × 8;
    # the embedding 128,256 / tp × 4,096 × 2 (1,050,673,152 at TP 1) shared with the target (PP 1)
    s = catalog.load_model("llama-3.1-8b")
    g = _gold(tp)
    d = S.eagle3(s, tp, 1, S.SpecConfig("eagle3", 3, EAGLE), "bf16")
    inner, outer = g["draft_inner_by_module"], g["draft_tensor_bytes_by_module"]
    assert dict(d.parts) == {"decoder layer (QKV from 2 × hidden)": inner["layers"] - ROTARY,
                             "fc (3 × hidden -> hidden)": inner["fc"], "final norm": inner["norm"],
                             "LM head (draft vocabulary)": outer["lm_head"], "d2t map (int64)": outer["(own)"]}
    assert dict(d.parts)["decoder layer (QKV from 2 × hidden)"] == (486_563_840 if tp == 1 else 243_294_208)
    assert d.allocated_bytes == g["draft_tensor_bytes"] - ROTARY
    assert d.weights_bytes == d.allocated_bytes - inner["embed_tokens"] == sum(b for _, b in d.parts)
    assert (d.method, d.num_speculative_tokens, d.kv_layers, d.kv_layer_type) == ("eagle3", 3, 1, None)
    assert d.source == S.DRAFTS[EAGLE]["source"]
    # byte counts are ints (the record keeps a float as given)
    assert all(type(b) is int for b in (d.weights_bytes, d.allocated_bytes, *dict(d.parts).values()))


def test_eagle3_past_the_kv_heads_and_at_pp2():
    # TP 16: q 2 × 128 = 256, kv max(1, 8 // 16) × 128 = 128, MLP 896: 2·4,096·512 + 256·4,096
    #   + 4,096·1,792 + 896·4,096 + 12,288 = 16,265,216 parameters = 32,530,432 bytes; LM head 2,000 rows
    s = catalog.load_model("llama-3.1-8b")
    d = S.eagle3(s, 16, 1, S.SpecConfig("eagle3", 1, EAGLE), "bf16")
    assert dict(d.parts)["decoder layer (QKV from 2 × hidden)"] == 32_530_432
    assert dict(d.parts)["LM head (draft vocabulary)"] == 2000 * 4096 * 2
    # PP 2: nothing is shared, the draft keeps its own embedding: weights = allocated
    d = S.eagle3(s, 1, 2, S.SpecConfig("eagle3", 1, EAGLE), "bf16")
    assert d.parts[-1] == ("embedding (own copy)", 1_050_673_152)
    assert d.weights_bytes == d.allocated_bytes == 849_635_328 + 1_050_673_152
    # the target must be the one the head drafts for
    q = catalog.load_model("qwen3-8b")
    _raises(f"{EAGLE} drafts for a model of hidden size 4096 and vocabulary 128256; qwen3-8b has "
            f"{q.hidden_size} and {q.vocab_size}", S.eagle3, q, 1, 1, S.SpecConfig("eagle3", 1, EAGLE), "bf16")


def test_eagle3_vocabulary_alone_differs():
    s = catalog.load_model("llama-3.1-8b")
    other = s.model_copy(update={"vocab_size": 128000})
    _raises(f"{EAGLE} drafts for a model of hidden size 4096 and vocabulary 128256; {s.name} has 4096 and 128000",
            S.eagle3, other, 1, 1, S.SpecConfig("eagle3", 1, EAGLE), "bf16")


def test_mtp_by_hand():
    # a made-up target: hidden 64, vocabulary 100 (padded to 128), bf16, TP 2, two MTP layers of
    # 1,000 bytes each. Per layer: 1,000 + eh_proj 2 × 64 × 64 × 2 = 16,384 + norms 3 × 64 × 2 = 384
    # = 17,768; the head 128 / 2 × 64 × 2 = 8,192 bytes (shared: in allocated, not in weights)
    spec = SimpleNamespace(name="toy", dtype="bf16", hidden_size=64, vocab_size=100)
    d = S.mtp(spec, None, 2, 1, S.SpecConfig("mtp", 3), 1000, "mla", 2)
    assert d.parts == (("MTP decoder layer(s)", 2000), ("eh_proj (2 × hidden -> hidden)", 32768),
                       ("norms (enorm, hnorm, head norm)", 768))
    assert (d.weights_bytes, d.allocated_bytes) == (35_536, 2 * (17_768 + 8_192) + 8_192)
    assert (d.method, d.num_speculative_tokens, d.kv_layers, d.kv_layer_type) == ("mtp", 3, 2, "mla")
    assert d.source == "model_executor/models/deepseek_mtp.py; embed and head shared (llm_base_proposer.py)"
    assert all(type(b) is int for b in (d.weights_bytes, d.allocated_bytes, *dict(d.parts).values()))
    # fp8 weights: 1 byte an element
    d = S.mtp(SimpleNamespace(name="toy", dtype="fp8", hidden_size=64, vocab_size=100), None, 1, 1,
              S.SpecConfig("mtp", 1), 1000, "mla", 1)
    assert d.weights_bytes == 1000 + 8192 + 192
    _raises("toy has no MTP layers (num_nextn_predict_layers is 0)", S.mtp, spec, None, 2, 1,
            S.SpecConfig("mtp", 1), 1000, "mla", 0)
