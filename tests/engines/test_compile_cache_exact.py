"""--compile-cache warm (engines/vllm/startup.py torch_compile_part, ServeOptions.compile_cache) where
session 19's mutation run (mut19a) found no test reading it: the warm part word for word, as --explain
and --json print it."""
from kvplan import api


def test_the_warm_part_word_for_word():
    r = api.fit("qwen2.5-3b", "rtx-3090", max_model_len=8192, gpu_memory_utilization=0.85, compile_cache="warm")
    p = next(p for p in r.stages[0].budget if p.key == "torch_compile")
    assert (p.label, p.bytes, p.uncertainty, p.unmodelled) == ("torch.compile, warm cache", 0, 0, False)
    assert p.source == (
        "none: a warm compile cache (--compile-cache warm, or the log's \"Directly load the compiled graph(s) ... "
        "from the cache\", vLLM compilation/backends.py CompilerManager.compile) loads the compiled graphs; "
        "nothing is compiled in the profile run")
