"""observe/bench_read.py's refusals, word for word: the survivors of session 20's mutation run mut20d of the
readers session 19 moved out of bench.py (MUTATION.md, session 20): each field named as the file spells it."""
import json

import pytest

from kvplan.errors import KvplanError
from kvplan.observe import bench

BENCH = "tests/fixtures/bench/vllm_llama-3.2-3b_4xl40s_rate10.json"
HEAD = "a vllm, sglang, inference-perf or guidellm result missing or malformed field: "
PRINTED = """============ Serving Benchmark Result ============
Successful requests:                     500
Total input tokens:                      998175
Total generated tokens:                  50000
Mean TTFT (ms):                          {ttft}
==================================================
"""


def refused(path, text):
    path.write_text(text)
    with pytest.raises(KvplanError) as e:
        bench.read(path)
    return str(e.value)


@pytest.mark.parametrize("change, words", [
    ({"total_input_tokens": "x"}, "total_input_tokens is 'x', not a number"),
    ({"output_throughput": "x"}, "output_throughput is 'x', not a number"),
    ({"completed": "x"}, "completed is 'x', not a number"),
    ({"completed": 2.5}, "completed is 2.5, not a whole number"),
    ({"mean_ttft_ms": "x"}, "mean_ttft_ms is 'x', not a number"),
    ({"p99_itl_ms": [1]}, "p99_itl_ms is [1], not a number"),
])
def test_a_vllm_field_of_the_wrong_kind_is_named_as_the_file_spells_it(tmp_path, change, words):
    d = json.load(open(BENCH))
    d.update(change)
    assert refused(tmp_path / "r.json", json.dumps(d)) == "r.json: " + HEAD + words


def test_a_printed_value_that_is_no_number_is_named_by_its_label(tmp_path):
    assert refused(tmp_path / "run.txt", PRINTED.format(ttft="1e")) == "run.txt: 'Mean TTFT (ms)' is '1e', not a number"
    assert bench.read(_write(tmp_path / "ok.txt", PRINTED.format(ttft="12.5")))[0].measured["ttft_ms"] == {"mean": 12.5}


def _write(path, text):
    path.write_text(text)
    return path


def test_an_empty_file_and_one_with_no_level_are_refused_by_their_path(tmp_path):
    f = tmp_path / "empty.json"
    assert refused(f, "  \n") == f"{f}: empty (no result in it)"
    g = tmp_path / "guidellm.json"
    assert refused(g, json.dumps({"benchmarks": []})) == f"{g}: no load level in it"


# inference-perf's throughput said "value is 'x', not a number" (_num's default key; mut20d's _num survivors): the
# field is named now, as every other reader names its own.
def test_an_inference_perf_throughput_of_the_wrong_kind_is_named(tmp_path):
    d = json.load(open("tests/fixtures/bench/inference-perf_llama-3-8b_a100_stage_0_lifecycle_metrics.json"))
    d["successes"]["throughput"]["output_tokens_per_sec"] = "x"
    assert refused(tmp_path / "r.json", json.dumps(d)) == \
        "r.json: " + HEAD + "output_tokens_per_sec is 'x', not a number"
