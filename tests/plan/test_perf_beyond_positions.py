"""perf's note past a model's positions (plan/perf.py beyond_positions) word for word, and the cache side's
bytes of a generation, by hand (session 14's mutation run)."""
import json

from kvplan import api
from kvplan.plan import perf
from kvplan.plan.roofline import Roofline
from kvplan.sources import catalog


def test_an_engine_that_plans_no_memory_falls_back_to_the_models_positions():
    """A latency profile's engine kvplan plans no memory for (lmdeploy: not an ``engines`` name) has no
    context limit of its own: the note is the model's max_position_embeddings, with no engine words; the
    prompt, shorter than ctx but past 131,072, gets its own line."""
    spec = api.load_model("llama-3.1-8b")
    assert perf.beyond_positions(spec, "lmdeploy", 200000, 150000, None) == [
        "ctx 200,000 is beyond llama-3.1-8b's max_position_embeddings (131,072)",
        "ctx 150,000 (the prompt) is beyond llama-3.1-8b's max_position_embeddings (131,072)"]
    assert perf.beyond_positions(spec, "lmdeploy", 131072, 131072, 1) == []


def test_sglangs_derived_length_is_named_a_context_length(tmp_path):
    """Mistral 7B v0.1's config with a linear rope factor of 2: SGLang derives 2 × 32,768 = 65,536, which is
    not max_position_embeddings, so the note says "context length"; 65,536 itself is no note."""
    cfg = json.load(open("tests/fixtures/configs/Mistral-7B-v0.1.json"))
    cfg["rope_scaling"] = {"type": "linear", "factor": 2.0}
    path = tmp_path / "config.json"
    path.write_text(json.dumps(cfg))
    spec = api.load_model(str(path))
    assert perf.beyond_positions(spec, "sglang", 70000, 70000, None) == [
        f"ctx 70,000 is beyond {spec.name}'s context length (65,536); SGLang refuses a longer --context-length "
        "unless SGLANG_ALLOW_OVERWRITE_LONGER_CONTEXT_LEN=1: priced as if it were set"]
    assert perf.beyond_positions(spec, "sglang", 65536, 65536, 1) == []


def test_the_cached_generation_adds_every_decode_steps_bytes():
    """With the cache, 3 new tokens after a 100-token prompt: the prefill, then decodes at contexts 101 and
    102; bytes, FLOPs and seconds are the sums of those three steps (under EXACT_STEPS: each step priced)."""
    r = Roofline(catalog.load_model("llama-3.1-8b"), catalog.load_gpu("h100"))
    g = perf.generation(r, 100, 3)
    steps = [r.prefill(100), r.decode(101), r.decode(102)]
    assert g.every == 1
    assert g.cached_bytes == sum(s.bytes for s in steps)
    assert g.cached_flops == sum(s.flops for s in steps)
