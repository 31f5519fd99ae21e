"""--kv-cache-dtype is read in the named engine's own vocabulary (each engine module owns its
names): vLLM's CacheDType, SGLang 0.5.23's server_args choices, TensorRT-LLM's
KvCacheConfig.dtype; llama.cpp and the reference layouts have none."""
import pytest

import kvplan
from kvplan.engines import kv_cache_format
from kvplan.errors import KvplanError


@pytest.mark.parametrize("engine,name,fmt", [
    ("vllm", "fp8", "fp8_e4m3"), ("vllm", "fp8_e5m2", "fp8_e5m2"), ("vllm", "bfloat16", "bf16"),
    ("vllm", "auto", None), ("sglang", "fp8_e4m3", "fp8_e4m3"), ("sglang", "fp8_e5m2", "fp8_e5m2"),
    ("sglang", "bf16", "bf16"), ("sglang", "bfloat16", "bf16"), ("sglang", "AUTO", None),
    ("trtllm", "fp8", "fp8_e4m3"), ("trtllm", "auto", None)])
def test_each_engine_reads_its_own_names(engine, name, fmt):
    assert kv_cache_format(engine, name) == fmt


@pytest.mark.parametrize("engine,name", [
    ("sglang", "fp8"),  # SGLang has no bare "fp8": its choices are fp8_e5m2 and fp8_e4m3
    ("vllm", "bf16"),  # vLLM spells it bfloat16
    ("trtllm", "fp8_e5m2"), ("sglang", "fp4_e2m1")])  # accepted by the engines, not modelled
def test_a_name_the_engine_does_not_take_is_one_error(engine, name):
    with pytest.raises(KvplanError, match=f"not one of {engine}'s names"):
        kv_cache_format(engine, name)


@pytest.mark.parametrize("engine", ["llamacpp", "ideal", "hf"])
def test_engines_without_the_flag_say_what_to_use(engine):
    with pytest.raises(KvplanError, match="cache-type-k" if engine == "llamacpp" else "--kv-dtype"):
        kv_cache_format(engine, "fp8")


def test_fit_with_the_engines_name_is_fit_with_kvplans_name():
    a = kvplan.fit("llama-3.1-8b", "h100", ctx=8192, engine="sglang", kv_cache_dtype="fp8_e4m3")
    b = kvplan.fit("llama-3.1-8b", "h100", ctx=8192, engine="sglang", kv_dtype="fp8_e4m3")
    c = kvplan.fit("llama-3.1-8b", "h100", ctx=8192, engine="sglang")
    assert a.max_batch == b.max_batch
    # fp8 holds 1 byte per element against bf16's 2: the same budget holds twice the tokens,
    # so at least twice the batch, give or take SGLang's request-slot rounding
    assert a.max_batch >= 2 * c.max_batch - 1
    with pytest.raises(KvplanError, match="not both"):
        kvplan.fit("llama-3.1-8b", "h100", ctx=8192, kv_dtype="fp8", kv_cache_dtype="fp8")
