"""TensorRT-LLM's max_seq_len from the model's config (engines/trtllm.py max_seq_len_limit, TRTLLM.capacity),
by hand from tensorrt_llm/_torch/pyexecutor/model_engine.py (_infer_max_seq_len_from_config: 2048 where the
config states no max_position_embeddings; `if rope_factor != 1: inferred_max_seq_len =
int(math.ceil(inferred_max_seq_len * rope_factor))`, the factor read only for rope types other than su,
longrope, llama3, yarn; _init_max_seq_len lowers a longer max_seq_len to it). Session 15's second
mutation run: the survivors of the derivation's wording, the factor-2 edge and the note's boundary."""
import pytest

from kvplan.engines import ServeOptions
from kvplan.engines.trtllm import max_seq_len_limit
from kvplan.model.spec import ModelSpec, Rope
from kvplan.plan import fit
from kvplan.sources import catalog

DEFAULT = "TensorRT-LLM's default: the config states no max_position_embeddings"


def _llama(**kw):
    spec = catalog.load_model("llama-3.1-8b")
    return ModelSpec.model_construct(**{**{k: getattr(spec, k) for k in type(spec).model_fields}, **kw})


def test_how_the_length_is_derived():
    # no max_position_embeddings: 2048, said so; × a linear factor 2 that is 4,096
    assert max_seq_len_limit(_llama(max_context=None, rope=None)) == (2048, DEFAULT)
    assert max_seq_len_limit(_llama(max_context=None, rope=Rope(type="linear", factor=2.0))) == (
        4096, DEFAULT + " 2,048 × linear rope factor 2")
    # factor 2 exactly scales (131,072 × 2 = 262,144); factor 1 leaves the length and its wording alone
    assert max_seq_len_limit(_llama(rope=Rope(type="linear", factor=2.0))) == (
        262_144, "max_position_embeddings 131,072 × linear rope factor 2")
    assert max_seq_len_limit(_llama(rope=Rope(type="linear", factor=1.0))) == (131_072, "max_position_embeddings")


@pytest.mark.parametrize("kind,limit", [
    ("su", 131_072), ("longrope", 131_072), ("llama3", 131_072), ("yarn", 131_072),  # already the long length
    ("linear", 4 * 131_072), ("dynamic", 4 * 131_072)])  # scaled: 131,072 × 4 = 524,288
def test_which_rope_types_scale(kind, limit):
    assert max_seq_len_limit(_llama(rope=Rope(type=kind, factor=4.0)))[0] == limit


def _capacity(max_model_len):
    # Llama 2 13B: max_position_embeddings 4,096, no rope scaling; an H100's pool (60,768 tokens) is
    # far longer, so only the length rule can add a note
    return fit.fit(catalog.load_model("llama-2-13b"), catalog.load_gpu("h100"), engine="trtllm",
                   opts=ServeOptions(max_model_len=max_model_len), check_memory=False).capacity


def test_a_max_seq_len_one_past_the_models_length_is_lowered_and_said():
    at = _capacity(4096)
    assert at.max_model_len == 4096 and "note" not in at.detail and len(at.explain) == 3
    past = _capacity(4097)
    note = ("max_seq_len 4,097 is longer than TensorRT-LLM takes for llama-2-13b (4,096: max_position_embeddings): "
            "it lowers it to 4,096 (model_engine.py _init_max_seq_len)")
    assert past.max_model_len == 4096 and past.detail["note"] == note and past.explain[3:] == (note,)
    assert past.kv_cache_tokens == at.kv_cache_tokens == 60_768
