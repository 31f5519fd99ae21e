"""The context-length keys session 15 reads (sources/hfconfig/reader.py LENGTH_KEYS) and the limits the
engines derive from them (engines/vllm max_len_limit, engines/sglang.py _derived), at their edges, by
hand (session 15's mutation run). Each config is a real one (tests/fixtures/configs/) edited as its
comment says."""
import json

import pytest

from kvplan import api
from kvplan.engines import sglang
from kvplan.engines.vllm import max_len_limit
from kvplan.errors import KvplanError
from kvplan.model.spec import Rope
from kvplan.plan import fit


def _edited(tmp_path, fixture, drop=(), **edits):
    cfg = json.load(open(f"tests/fixtures/configs/{fixture}.json"))
    for k in drop:
        del cfg[k]
    cfg.update(edits)
    path = tmp_path / "config.json"
    path.write_text(json.dumps(cfg))
    return api.load_model(str(path))


def test_the_key_max_context_is_read_from_is_not_counted_again(tmp_path):
    """GPT-2 states n_positions (1,024) and no max_position_embeddings: max_context is read from it, so it is
    not among the other keys. Mistral's config with n_positions 4,096 beside its 32,768 positions keeps it, and
    vLLM takes the smallest key (derive_max_model_len_and_key): 4,096, by n_positions."""
    gpt2 = _edited(tmp_path, "GPT-2")
    assert (gpt2.max_context, gpt2.context_keys) == (1024, {})
    assert max_len_limit(gpt2) == (1024, "max_position_embeddings")
    both = _edited(tmp_path, "Mistral-7B-v0.1", n_positions=4096)
    assert (both.max_context, both.context_keys) == (32768, {"n_positions": 4096})
    assert max_len_limit(both) == (4096, "n_positions")


def test_a_length_key_counts_from_one_token(tmp_path):
    """A stated length of 0 is no length (the spec keeps positive lengths only); 1 is one, and vLLM's smallest
    key then limits the model to 1 token."""
    assert _edited(tmp_path, "Mistral-7B-v0.1", max_seq_len=0).context_keys == {}
    one = _edited(tmp_path, "Mistral-7B-v0.1", max_seq_len=1)
    assert one.context_keys == {"max_seq_len": 1} and max_len_limit(one) == (1, "max_seq_len")


def test_vllm_leaves_gemma3s_rope_factor_out():
    """_get_and_verify_max_len scales by the rope factor unless the model type is a Gemma 3 ("already scaled");
    gemma-3-27b's config states rope_scaling linear × 8 on 131,072 positions (kvplan's reader keeps no rope for
    Gemma 3, so it is set here as the config states it): 131,072, where a Mistral with the same rope gets
    32,768 × 8 = 262,144."""
    linear8 = Rope(type="linear", factor=8.0)
    gemma = api.load_model("gemma-3-27b")
    assert "gemma3" in gemma.family
    assert max_len_limit(gemma.model_copy(update={"rope": linear8})) == (131072, "max_position_embeddings")
    mistral = api.load_model("tests/fixtures/configs/Mistral-7B-v0.1.json").model_copy(update={"rope": linear8})
    assert max_len_limit(mistral) == (262144, "max_position_embeddings 32768 × linear rope factor 8")


def test_sglang_takes_2048_where_the_config_states_no_length(tmp_path):
    """Mistral's config without max_position_embeddings (and none of the other keys): SGLang's get_context_length
    (utils/hf_transformers_utils.py) falls through its keys to "return 2048", the rope factor unapplied, so
    kvplan derives 2,048 with or without a linear factor 2 and refuses a longer --context-length (as
    ModelConfig._derive_context_length does). (SGLang reads the config through transformers, whose
    MistralConfig defaults max_position_embeddings to 131,072: see engines/sglang.py _derived.)"""
    for rope in ({}, {"rope_scaling": {"type": "linear", "factor": 2.0}}):
        spec = _edited(tmp_path, "Mistral-7B-v0.1", drop=("max_position_embeddings",), **rope)
        assert (spec.max_context, spec.context_keys) == (None, {})
        assert sglang.derived_context_len(spec) == 2048
        sglang.check_context_length(spec, 2048)
        with pytest.raises(KvplanError, match="as SGLang derives it \\(2048: SGLang's default 2048 where"):
            sglang.check_context_length(spec, 2049)


def test_sglang_serves_its_derived_length_when_none_is_given(tmp_path):
    """SGLang's --context-length unset: the derived length, here a linear rope factor 2 on Mistral's 32,768
    positions, 65,536 (not max_position_embeddings)."""
    spec = _edited(tmp_path, "Mistral-7B-v0.1", rope_scaling={"type": "linear", "factor": 2.0})
    r = fit.fit(spec, api.load_gpu("h100"), engine="sglang")
    assert r.capacity.max_model_len == 2 * 32768 == 65536


def test_plan_checks_lengths_against_the_engines_derived_length(tmp_path):
    """kvplan plan with no --max-model-len: a prompt may be at most the engine's length − 1; vLLM derives
    4,096 from seq_length 4,096 beside 32,768 positions (the smallest key), so 4,096 is refused and 4,095
    passes (to TP 3, which Mistral's 32 heads cannot split: the next refusal)."""
    spec_path = tmp_path / "m"
    spec_path.mkdir()
    _edited(spec_path, "Mistral-7B-v0.1", seq_length=4096)
    path = str(spec_path / "config.json")
    with pytest.raises(KvplanError, match=r"^--prompt-tokens must be between 1 and 4,095, got 4,096$"):
        api.plan_deployment(path, 1.0, "4096", "16", 500.0, 50.0, gpus="h100", tps=[3])
    with pytest.raises(KvplanError) as e:
        api.plan_deployment(path, 1.0, "4095", "16", 500.0, 50.0, gpus="h100", tps=[3])
    assert "prompt-tokens" not in str(e.value)


def test_sglang_reads_its_keys_in_order(tmp_path):
    """get_context_length takes the first of max_sequence_length, seq_length, max_seq_len, model_max_length,
    max_position_embeddings the config states ("The ordering here is important"): with all five stated
    (1,000, 2,000, 3,000, 4,000 and Mistral's 32,768) the first, then, each dropped in turn, the next."""
    order = [("max_sequence_length", 1000), ("seq_length", 2000), ("max_seq_len", 3000), ("model_max_length", 4000)]
    for i in range(len(order) + 1):
        spec = _edited(tmp_path, "Mistral-7B-v0.1", **dict(order[i:]))
        assert sglang.derived_context_len(spec) == (order[i][1] if i < len(order) else 32768)


def test_every_length_key_is_read(tmp_path):
    """All eight of LENGTH_KEYS stated (distinct lengths) beside Mistral's max_position_embeddings: each kept; vLLM
    takes the smallest, seq_len's 1,024."""
    keys = {"n_positions": 9000, "max_seq_len": 8000, "seq_length": 7000, "model_max_length": 6000,
            "max_target_positions": 5000, "max_sequence_length": 4000, "max_seq_length": 3000, "seq_len": 1024}
    spec = _edited(tmp_path, "Mistral-7B-v0.1", **keys)
    assert spec.context_keys == keys
    del keys["model_max_length"]  # model_max_length, where stated, wins in vLLM (a longer one too)
    spec = _edited(tmp_path, "Mistral-7B-v0.1", **keys)
    assert max_len_limit(spec) == (1024, "seq_len")


@pytest.mark.parametrize("rope_type, limit", [
    # _get_and_verify_max_len: su, longrope, llama3 and the YaRN variants state the extended length already
    ("su", 32768), ("longrope", 32768), ("llama3", 32768), ("yarn", 32768), ("deepseek_yarn", 32768),
    ("deepseek_llama_scaling", 32768),
    # the rest are scaled by their factor: 32,768 × 4
    ("linear", 131072), ("dynamic", 131072)])
def test_which_rope_types_vllm_scales(rope_type, limit):
    spec = api.load_model("tests/fixtures/configs/Mistral-7B-v0.1.json")
    spec = spec.model_copy(update={"rope": Rope(type=rope_type, factor=4.0)})
    assert max_len_limit(spec)[0] == limit
