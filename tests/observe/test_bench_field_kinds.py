"""observe/bench.py's field checks (ux19's _to/_num), read through bench.read, word for word; with
calibrate.load_profile's text fields and check-server's file refusal (session 19's mutation run of
ux19's change, mut19d)."""
import json

import pytest

from kvplan.errors import KvplanError
from kvplan.observe import bench, server
from kvplan.plan.latency.calibrate import KIND, load_profile

BENCH = "tests/fixtures/bench/vllm_llama-3.2-3b_4xl40s_rate10.json"
IPERF = "tests/fixtures/bench/inference-perf_llama-3-8b_a100_stage_0_lifecycle_metrics.json"
HEAD = "a vllm, sglang, inference-perf or guidellm result missing or malformed field: "


def refused(tmp_path, path, **change):
    d = json.load(open(path))
    for k, v in change.items():
        if v is KeyError:
            d.pop(k, None)
        else:
            d[k] = v
    f = tmp_path / "r.json"
    f.write_text(json.dumps(d))
    with pytest.raises(KvplanError) as e:
        bench.read(f)
    return str(e.value)


@pytest.mark.parametrize("change,words", [
    ({"burstiness": "x"}, "burstiness is 'x', not a number"),
    ({"request_rate": "x"}, "request_rate is 'x', not a number"),
    ({"request_rate": 0}, "request_rate is 0, not a rate > 0 (or inf)"),
    ({"total_output_tokens": "x"}, "total_output_tokens is 'x', not a number"),
    ({"max_concurrency": 2.5}, "max_concurrency is 2.5, not a whole number"),
])
def test_a_vllm_field_of_the_wrong_kind_is_named(tmp_path, change, words):
    assert refused(tmp_path, BENCH, **change) == "r.json: " + HEAD + words


def test_a_result_without_completed_or_num_prompts_has_no_completed_request(tmp_path):
    assert refused(tmp_path, BENCH, completed=KeyError, num_prompts=KeyError) == "r.json: no completed requests"


def test_a_whole_float_concurrency_is_read_as_an_int(tmp_path):
    d = json.load(open(BENCH))
    d["max_concurrency"] = 8.0
    f = tmp_path / "r.json"
    f.write_text(json.dumps(d))
    (level,) = bench.read(f)
    assert level.concurrency == 8 and type(level.concurrency) is int


def test_an_inference_perf_latency_of_the_wrong_kind_is_named_by_its_own_key(tmp_path):
    d = json.load(open(IPERF))
    lat = d["successes"]["latency"]["time_to_first_token"]
    assert "mean" in lat
    lat["mean"] = "x"
    f = tmp_path / "r.json"
    f.write_text(json.dumps(d))
    with pytest.raises(KvplanError) as e:
        bench.read(f)
    assert str(e.value) == "r.json: " + HEAD + "mean is 'x', not a number"


@pytest.mark.parametrize("key", ["gpu", "engine", "model", "fitted_on"])
def test_a_profile_text_field_given_as_a_number_is_refused(key):
    with pytest.raises(KvplanError) as e:
        load_profile({"kind": KIND, "step_scale": 1.0, key: 5})
    assert str(e.value) == f"--profile: {key} must be text, got 5"


def test_check_server_refuses_a_path_but_not_a_url_with_a_scheme():
    with pytest.raises(KvplanError) as e:
        server.read("./metrics.txt")
    assert str(e.value).startswith("check-server reads a running server's URL (localhost:8000, http://HOST:PORT), "
                                   "not a file: './metrics.txt'")
    with pytest.raises(KvplanError) as e:  # a scheme after the path: read as a URL, refused as one
        server.read("./x://y", timeout=0.5)
    assert str(e.value) == "check-server reads http:// or https:// URLs, got './x://y'"


def test_a_coerced_count_is_a_validation_error_titled_by_its_class():
    from pydantic import ValidationError

    from kvplan.model.frozen import validate
    from kvplan.model.kinds import FullAttention

    with pytest.raises(ValidationError) as e:
        validate(FullAttention, {"num_heads": 8, "num_kv_heads": "8", "head_dim": 64})
    assert e.value.title == "FullAttention"
    assert e.value.errors()[0]["loc"] == ("num_kv_heads",) and e.value.errors()[0]["input"] == "8"
