"""A bool is not a count (True is an int in Python): the API refuses it wherever it takes a number, as
size and perf did and session 19 found simulate's run(max_concurrency=True) did not (session 20's walk)."""
import pytest

from kvplan import api
from kvplan.errors import KvplanError

M = "llama-3.1-8b"


@pytest.mark.parametrize("call, msg", [
    (lambda: api.fit(M, "h100", True), "ctx must be a positive integer, got True"),
    (lambda: api.fit(M, "h100", None, True), "batch must be a positive integer, got True"),
    (lambda: api.fit(M, "h100", 1000, tp=True), "tp must be a positive integer, got True"),
    (lambda: api.fit(M, "h100", 1000, pp=True), "pp must be a positive integer, got True"),
    (lambda: api.perf(M, "h100", 1000, tp=True), "tp must be a positive integer, got True"),
    (lambda: api.serve_options(max_model_len=True), "max_model_len must be a positive integer, got True"),
    (lambda: api.serve_options(max_num_seqs=True), "max_num_seqs must be a positive integer, got True"),
    (lambda: api.serve_options(block_size=0), "block_size must be a positive integer, got 0"),
    (lambda: api.serve_options(data_parallel_size=True), "data_parallel_size must be a positive integer, got True"),
    (lambda: api.fit(M, "h100", 1000, max_model_len=4096.5), "max_model_len must be a positive integer, got 4096.5"),
    (lambda: api.serve_options(kv_cache_memory=True),
     "kv_cache_memory must be a whole number of bytes, 0 or more, got True"),
    (lambda: api.fit(M, "h100", 1000, cuda_graph_bytes=-1),
     "cuda_graph_bytes must be a whole number of bytes, 0 or more, got -1"),
    (lambda: api.serve_options(gpu_memory_utilization=True),
     "gpu_memory_utilization must be in (0, 1], got True"),
    (lambda: api.fit(M, "h100", 1000, gpu_memory_utilization=1.5),
     "gpu_memory_utilization must be in (0, 1], got 1.5"),
    (lambda: api.simulate(M, "h100", rate=True, prompt_tokens="10", output_tokens="5", requests=5),
     "rate must be a number > 0 or inf, got True"),
    (lambda: api.simulate(M, "h100", rate=1.0, prompt_tokens="10", output_tokens="5", requests=5, shared_prefix=True),
     "shared_prefix is a number of tokens, got True"),
])
def test_a_bool_or_a_number_out_of_range_is_refused_in_one_line(call, msg):
    with pytest.raises(KvplanError) as e:
        call()
    assert str(e.value) == msg


def test_the_numbers_the_cli_takes_still_pass():
    o = api.serve_options(gpu_memory_utilization=1, max_model_len=8192, kv_cache_memory=0, cuda_graph_bytes=0)
    assert (o.gpu_memory_utilization, o.max_model_len, o.kv_cache_memory, o.cuda_graph_bytes) == (1, 8192, 0, 0)
    assert api.fit(M, "h100", 1000, tp=1, pp=1, max_model_len=8192).max_batch > 0
