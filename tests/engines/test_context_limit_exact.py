"""The context limit session 14 added (SGLang's derived --context-length, fit's note past a model's
training context), word for word and at its rope rule's edges, by hand (session 14's mutation run)."""
import json

from kvplan import api
from kvplan.engines import sglang
from kvplan.engines.base import ServeOptions
from kvplan.plan import fit


def test_a_llama3_rope_factor_does_not_lengthen_sglangs_context(tmp_path):
    """get_context_length (SGLang utils/hf_transformers_utils.py, engines/sglang.py derived_context_len):
    the rope factor is taken as 1 for rope_type llama3, even where rope_scaling states no
    original_max_position_embeddings; a linear factor of 8 on the same config is taken."""
    cfg = json.load(open("tests/fixtures/configs/Mistral-7B-v0.1.json"))
    cfg["rope_scaling"] = {"rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0}
    path = tmp_path / "config.json"
    path.write_text(json.dumps(cfg))
    spec = api.load_model(str(path))
    assert (spec.rope.type, spec.rope.factor, spec.rope.original_max_position) == ("llama3", 8.0, None)
    assert sglang.derived_context_len(spec) == cfg["max_position_embeddings"] == 32768
    cfg["rope_scaling"] = {"rope_type": "linear", "factor": 8.0}
    path.write_text(json.dumps(cfg))
    assert sglang.derived_context_len(api.load_model(str(path))) == 8 * 32768


LLAMACPP_NOTE = ("200,000 tokens are beyond llama-3.1-8b's training context (131,072); llama-server caps each slot "
                 "there (\"the slot context ... exceeds the training context of the model ... - capping\"), so no "
                 "longer request is served; the cache here is what -c allocates")


def test_the_training_context_note_word_for_word():
    """fit's note past the limit: the engine's words, and " (taken as set here)" exactly when the engine's
    override is set (a start-up log read by check-log); 200,000 tokens on a 131,072-position model."""
    spec, gpu = api.load_model("llama-3.1-8b"), api.load_gpu("h100")

    def notes(engine, **kw):
        r = fit.fit(spec, gpu, engine=engine, **kw)
        return [n for n in r.notes if "training context" in n]

    allowed = ServeOptions(max_model_len=200000, long_context_allowed=True)
    assert notes("sglang", opts=allowed) == [
        "200,000 tokens are beyond llama-3.1-8b's training context (131,072); SGLang refuses a longer "
        "--context-length unless SGLANG_ALLOW_OVERWRITE_LONGER_CONTEXT_LEN=1 (taken as set here)"]
    assert notes("vllm", opts=allowed) == [
        "200,000 tokens are beyond llama-3.1-8b's training context (131,072); vLLM refuses a longer "
        "max_model_len unless VLLM_ALLOW_LONG_MAX_MODEL_LEN=1 (taken as set here)"]
    assert notes("llamacpp", ctx=200000) == [LLAMACPP_NOTE]  # no override: nothing appended
    assert notes("llamacpp", opts=allowed) == [LLAMACPP_NOTE + " (taken as set here)"]


def test_no_limit_where_the_model_states_no_context():
    """A config without max_position_embeddings (max_context None): vLLM and llama.cpp give no limit, and fit
    plans the length given without a training-context note. SGLang's get_context_length returns 2048 there
    (utils/hf_transformers_utils.py), and refuses a longer --context-length (test_context_defaults_exact.py)."""
    from kvplan import engines

    spec = api.load_model("llama-3.1-8b").model_copy(update={"max_context": None})
    assert engines.get("vllm").context_limit(spec) is None and engines.get("llamacpp").context_limit(spec) is None
    assert engines.get("sglang").context_limit(spec)[0] == 2048
    gpu = api.load_gpu("h100")
    r = fit.fit(spec, gpu, engine="vllm", opts=ServeOptions(max_model_len=4096))
    assert r.capacity.max_model_len == 4096 and not [n for n in r.notes if "training context" in n]
    r = fit.fit(spec, gpu, engine="llamacpp", ctx=4096, opts=ServeOptions(max_model_len=4096))
    assert not [n for n in r.notes if "training context" in n]
