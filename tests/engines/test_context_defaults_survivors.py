"""The served length's reason where each caller prints it, by hand (session 15's third mutation run: the
survivors of Engine.served_len's callers, listed in MUTATION.md). Phi-3.5-mini's config states longrope,
131,072 positions and original_max_position_embeddings 4,096, so vLLM 0.33 serves it at 4,096 when
--max-model-len is unset (config/model.py _get_and_verify_max_len: "For LongRoPE, default to
original_max_position_embeddings"); a length of max_model_len tokens is refused (a request needs a prompt
token and an output token: at most max_model_len − 1 each)."""
import json

import pytest

from kvplan import api
from kvplan.engines import ServeOptions
from kvplan.engines.vllm import default_max_model_len
from kvplan.errors import KvplanError
from kvplan.plan import simulate as sim
from kvplan.sources import catalog

PHI35 = "tests/fixtures/configs/Phi-3.5-mini-instruct.json"
LONGROPE = ("vLLM's default for a LongRoPE model, original_max_position_embeddings, not the 131,072 it takes at "
            "most; --max-model-len up to 131,072 sets it")


def _refusal(fn, *args, **kw) -> str:
    with pytest.raises(KvplanError) as e:
        fn(*args, **kw)
    return str(e.value)


def test_output_tokens_past_the_default_say_why_in_plan_and_simulate():
    """The output-token check carries the reason as the prompt-token check does."""
    want = f"--output-tokens must be between 1 and 4,095, got 4,096 (max_model_len 4,096: {LONGROPE})"
    assert _refusal(api.plan_deployment, PHI35, 1.0, "16", "4096", 500.0, 50.0, gpus="h100", tps=[3]) == want
    spec, gpu = api.load_model(PHI35), api.load_gpu("h100")
    assert _refusal(sim.simulate, spec, gpu, rate=1.0, prompt_tokens="16", output_tokens="4096",
                    requests=4) == want


def test_simulate_gives_no_reason_for_a_length_the_caller_set():
    """--max-model-len 4,096 given (equal to vLLM's default) or the limits passed in: the length is the
    caller's, so the refusal has no reason after it."""
    spec, gpu = api.load_model(PHI35), api.load_gpu("h100")
    plain = "--prompt-tokens must be between 1 and 4,095, got 4,096"
    assert _refusal(sim.simulate, spec, gpu, rate=1.0, prompt_tokens="4096", output_tokens="16", requests=4,
                    opts=ServeOptions(max_model_len=4096)) == plain
    lim = sim.engine_limits(spec, gpu, 1, "vllm", ServeOptions())
    assert lim.max_model_len == 4096
    assert _refusal(sim.simulate, spec, gpu, rate=1.0, prompt_tokens="4096", output_tokens="16", requests=4,
                    limits=lim) == plain


def test_lengths_within_without_a_reason_refuses_as_sample_lengths():
    assert sim.lengths_within("8", 2, 0, "--prompt-tokens", 9) == [8, 8]  # at most 9 − 1
    assert _refusal(sim.lengths_within, "9", 1, 0, "--prompt-tokens", 9) == \
        "--prompt-tokens must be between 1 and 8, got 9"
    assert _refusal(sim.lengths_within, "9", 1, 0, "--prompt-tokens", 9, "why") == \
        "--prompt-tokens must be between 1 and 8, got 9 (max_model_len 9: why)"


def test_the_limits_name_where_max_model_len_comes_from():
    """engine_limits' sources: --max-model-len where given, else the model's max context (Llama 3.1 8B,
    131,072 on both engines), else the engine's shorter default and why."""
    llama, gpu = api.load_model("tests/fixtures/configs/Llama-3.1-8B.json"), api.load_gpu("h100")
    for eng in ("vllm", "sglang"):
        got = sim.engine_limits(llama, gpu, 1, eng, ServeOptions())
        assert (got.max_model_len, got.sources["max_model_len"]) == (131072, "the model's max context")
        got = sim.engine_limits(llama, gpu, 1, eng, ServeOptions(max_model_len=8192))
        assert (got.max_model_len, got.sources["max_model_len"]) == (8192, "--max-model-len")


def _seq_length_only(tmp_path) -> str:
    """Llama-3.1-8B's config with max_position_embeddings replaced by seq_length 4,096: SGLang's
    get_context_length finds seq_length second of max_sequence_length, seq_length, max_seq_len,
    model_max_length, max_position_embeddings (the llama3 rope factor is not applied), and kvplan's
    reader states no max_context."""
    cfg = json.load(open("tests/fixtures/configs/Llama-3.1-8B.json"))
    del cfg["max_position_embeddings"]
    cfg["seq_length"] = 4096
    path = tmp_path / "config.json"
    path.write_text(json.dumps(cfg))
    return str(path)


def test_sglang_says_which_key_it_derived_the_length_from(tmp_path):
    path = _seq_length_only(tmp_path)
    spec, gpu = api.load_model(path), api.load_gpu("h100")
    assert spec.max_context is None
    why = "the context length SGLang derives (seq_length)"
    assert _refusal(api.plan_deployment, path, 1.0, "4096", "16", 500.0, 50.0, gpus="h100", engine="sglang") == \
        f"--prompt-tokens must be between 1 and 4,095, got 4,096 (max_model_len 4,096: {why})"
    got = sim.engine_limits(spec, gpu, 1, "sglang", ServeOptions())
    assert (got.max_model_len, got.sources["max_model_len"]) == (4096, why)


def test_vllm_has_no_default_length_without_a_model():
    assert default_max_model_len(None) is None


def test_an_empty_line_among_the_models_loses_none():
    """A blank line between two models' lines (still valid JSON) is skipped, not taken as the end."""
    data = {"aliases": {}, "gpus": [], "models": {"m1": {"k": 1}, "m2": {"k": 2}}}
    text = catalog.bundle_text(data).replace('\n"m2"', '\n\n"m2"')
    assert json.loads(text) == data
    b = catalog._Bundle(text.encode())
    assert b._lines and dict(b["models"]) == data["models"]
