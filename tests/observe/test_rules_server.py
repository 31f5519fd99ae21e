"""check-server's reader, piece by piece (issue 25: the mutants of kvplan/observe/server.py).

The pages here are small made-up ones in vLLM 0.33.0's shapes (vllm:cache_config_info's labels
are CacheConfig fields as strings, vllm/v1/metrics/loggers.py:1114-1135; /v1/models' ModelCard);
the real pages are tested in test_server.py. Numbers are round and checkable by hand.
"""
import json
import urllib.error

import pytest

from kvplan.errors import KvplanError
from kvplan.observe import logs, server
from kvplan.observe.logs import Figure

pytest.importorskip("prometheus_client")


def page(labels: dict, usage: str = "") -> str:
    lab = ",".join(f'{k}="{v}"' for k, v in labels.items())
    return ("# HELP vllm:cache_config_info Information of the LLMEngine CacheConfig\n"
            "# TYPE vllm:cache_config_info gauge\n"
            f"vllm:cache_config_info{{{lab}}} 1.0\n" + usage)


def fake_server(monkeypatch, pages: dict):
    """server._get answering from ``pages`` (url -> text, or an exception to raise); the URLs asked."""
    asked = []

    def get(url, timeout):
        asked.append((url, timeout))
        v = pages.get(url)
        if v is None:
            raise KvplanError(f"{url}: HTTP 404 Not Found")
        if isinstance(v, Exception):
            raise v
        return v
    monkeypatch.setattr(server, "_get", get)
    return asked


def facts_of_check(monkeypatch):
    """logs.check replaced by one that returns what server.check hands it."""
    seen = {}

    def check(facts, gpu=None, model=None):
        seen.update(facts=facts, gpu=gpu, model=model)
        return "checked"
    monkeypatch.setattr(logs, "check", check)
    return seen


def test_parse_metrics_first_config_and_first_usage():
    text = (page({"block_size": "16", "num_gpu_blocks": "100"}) +
            'vllm:cache_config_info{block_size="32",num_gpu_blocks="7"} 1.0\n'
            "# TYPE vllm:kv_cache_usage_perc gauge\nvllm:kv_cache_usage_perc 0.25\n"
            "# TYPE vllm:gpu_cache_usage_perc gauge\nvllm:gpu_cache_usage_perc 0.75\n")
    labels, usage = server.parse_metrics(text, "x")
    assert labels == {"block_size": "16", "num_gpu_blocks": "100"} and usage == 0.25
    # the older name alone
    _, usage = server.parse_metrics(page({"a": "1"}) + "vllm:gpu_cache_usage_perc 0.5\n", "x")
    assert usage == 0.5
    # no usage gauge at all
    assert server.parse_metrics(page({"a": "1"}), "x") == ({"a": "1"}, None)


def test_parse_metrics_errors_name_the_page():
    with pytest.raises(KvplanError, match=r"^http://h/metrics is not a vLLM metrics page \(no "
                                          r"vllm:cache_config_info\)$"):
        server.parse_metrics("# TYPE up gauge\nup 1\n", "http://h/metrics")
    with pytest.raises(KvplanError, match=r"^http://h/metrics is not a Prometheus metrics page$"):
        server.parse_metrics("{json: 1}\n", "http://h/metrics")


@pytest.mark.parametrize("url", ["h:8000", "http://h:8000", " http://h:8000/ ", "http://h:8000/metrics",
                                 "http://h:8000/metrics/"])
def test_read_url_forms(monkeypatch, url):
    models = json.dumps({"data": [{"id": "m", "root": "/r/m", "max_model_len": 4096}]})
    asked = fake_server(monkeypatch, {"http://h:8000/metrics": page({"block_size": "16"}),
                                      "http://h:8000/v1/models": models})
    labels, usage, card = server.read(url, timeout=2.5)
    assert labels == {"block_size": "16"} and usage is None and card["root"] == "/r/m"
    assert asked == [("http://h:8000/metrics", 2.5), ("http://h:8000/v1/models", 2.5)]


def test_read_https_kept_and_default_timeout(monkeypatch):
    asked = fake_server(monkeypatch, {"https://h/metrics": page({"a": "1"})})
    assert server.read("https://h")[2] is None  # no /v1/models: no card
    assert asked == [("https://h/metrics", 5.0), ("https://h/v1/models", 5.0)]
    with pytest.raises(KvplanError, match=r"^check-server reads http:// or https:// URLs, got 'ftp://h/'$"):
        server.read("ftp://h/")


@pytest.mark.parametrize("models", ["not json", json.dumps({"data": []}), json.dumps({"data": ["m"]}),
                                    json.dumps({"data": None}), json.dumps([1])])
def test_models_page_optional(monkeypatch, models):
    fake_server(monkeypatch, {"http://h/metrics": page({"a": "1"}), "http://h/v1/models": models})
    assert server.read("http://h")[2] is None


def test_get_errors_are_one_line(monkeypatch):
    import urllib.request

    def raising(exc):
        def urlopen(url, timeout):
            raise exc
        return urlopen
    cases = [(urllib.error.HTTPError("u", 503, "Service Unavailable", {}, None), "^http://h/x: HTTP 503 Service Unavailable$"),
             (urllib.error.URLError(ConnectionRefusedError(111, "Connection refused")),
              r"^cannot reach http://h/x: Connection refused \(is the server running\?\)$"),
             (urllib.error.URLError("no host"), r"^cannot reach http://h/x: no host \(is the server running\?\)$"),
             (TimeoutError(), r"^http://h/x did not answer within 1.5 s \(--timeout\)$"),
             (ValueError("unknown url type"), r"^not a URL kvplan can read: http://h/x \(unknown url type\)$")]
    for exc, msg in cases:
        monkeypatch.setattr(urllib.request, "urlopen", raising(exc))
        with pytest.raises(KvplanError, match=msg):
            server._get("http://h/x", 1.5)


def test_get_reads_utf8_and_replaces_bad_bytes(monkeypatch):
    import io
    import urllib.request

    class Body(io.BytesIO):
        def __exit__(self, *a):
            return False
    seen = {}

    def urlopen(url, timeout):
        seen.update(url=url, timeout=timeout)
        return Body("é".encode() + b"\xff")
    monkeypatch.setattr(urllib.request, "urlopen", urlopen)
    assert server._get("http://h/x", 3.0) == "é\ufffd" and seen == {"url": "http://h/x", "timeout": 3.0}


LABELS = {"block_size": "16", "num_gpu_blocks": "1000", "cache_dtype": "fp8", "gpu_memory_utilization": "0.9",
          "kv_cache_memory_bytes": "None", "kv_cache_size_tokens": "16000", "kv_cache_max_concurrency": "3.9"}


def test_check_hands_the_labels_to_check_log(monkeypatch):
    models = json.dumps({"data": [{"id": "served-name", "root": "org/Model", "max_model_len": 4096}]})
    asked = fake_server(monkeypatch, {"http://h/metrics": page(LABELS, "vllm:kv_cache_usage_perc 0.125\n"),
                                      "http://h/v1/models": models})
    seen = facts_of_check(monkeypatch)
    assert server.check("http://h", "h100", timeout=2.0, flags={"enforce_eager": True, "max_num_seqs": None,
                                                                 "block_size": "32"}) == "checked"
    assert asked[0] == ("http://h/metrics", 2.0)
    f = seen["facts"]
    assert (seen["gpu"], seen["model"]) == ("h100", None)
    assert (f.engine, f.model, f.version) == ("vllm", "org/Model", None)
    # the labels' "None" is dropped; the caller's flags win over the labels, its None ones are not set
    assert f.flags == {"block_size": "32", "gpu_memory_utilization": "0.9", "kv_cache_dtype": "fp8",
                       "max_model_len": 4096, "enforce_eager": True}
    assert f.figures == (Figure("gpu_blocks", "GPU blocks", 1000.0, "blocks", 0, "num_gpu_blocks"),
                         Figure("kv_tokens", "KV cache size", 16000.0, "tokens", 0, "kv_cache_size_tokens"),
                         Figure("max_concurrency", "max concurrency", 3.9, "x", 0, "kv_cache_max_concurrency"))
    assert f.notes == ("KV cache in use now: 12.5 % (vllm:kv_cache_usage_perc)",)  # 0.125 × 100


def test_check_tokens_from_blocks_when_not_labelled(monkeypatch):
    # an older vLLM without kv_cache_size_tokens: 1,000 blocks × 16 tokens = 16,000 tokens
    labels = {"block_size": "16", "num_gpu_blocks": "1000", "kv_cache_memory_bytes": "1073741824"}
    fake_server(monkeypatch, {"http://h/metrics": page(labels),
                              "http://h/v1/models": json.dumps({"data": [{"id": "org/Id"}]})})
    seen = facts_of_check(monkeypatch)
    server.check("http://h", "h100", model="llama-3.1-8b")
    f = seen["facts"]
    assert f.model == "org/Id" and seen["model"] == "llama-3.1-8b" and f.notes == ()
    assert f.flags == {"block_size": "16", "kv_cache_memory_bytes": "1073741824"}
    assert f.figures == (Figure("gpu_blocks", "GPU blocks", 1000.0, "blocks", 0, "num_gpu_blocks"),
                         Figure("kv_tokens", "KV cache size (blocks × block size)", 16_000, "tokens", 0,
                                "num_gpu_blocks×block_size"))


@pytest.mark.parametrize("labels", [{"num_gpu_blocks": "None", "block_size": "16"},
                                    {"num_gpu_blocks": "None"}, {"block_size": "16"}, {}])
def test_check_without_a_cache_size_is_one_line(monkeypatch, labels):
    fake_server(monkeypatch, {"http://h/metrics": page(labels or {"x": "1"})})
    facts_of_check(monkeypatch)
    with pytest.raises(KvplanError, match=r"^http://h: vllm:cache_config_info carries no cache size "
                                          r"\(num_gpu_blocks is None\)$"):
        server.check("http://h", "h100", model="m")


def test_check_blocks_without_a_block_size_give_no_tokens(monkeypatch):
    fake_server(monkeypatch, {"http://h/metrics": page({"num_gpu_blocks": "10", "block_size": "None"})})
    seen = facts_of_check(monkeypatch)
    server.check("http://h", "h100", model="m")
    assert [x.key for x in seen["facts"].figures] == ["gpu_blocks"]


def test_check_without_a_model_anywhere(monkeypatch):
    fake_server(monkeypatch, {"http://h/metrics": page(LABELS)})
    facts_of_check(monkeypatch)
    with pytest.raises(KvplanError, match=r"^http://h/v1/models names no model; give --model$"):
        server.check("http://h", "h100")


def test_none_values():
    assert [server._none(v) for v in (None, "None", "", "0", 0)] == [None, None, None, "0", 0]


def test_read_names_the_metrics_page_in_its_errors(monkeypatch):
    fake_server(monkeypatch, {"http://hostX/metrics": "# TYPE up gauge\nup 1\n"})
    # a host ending in X keeps its X (only slashes are stripped from the end)
    with pytest.raises(KvplanError, match=r"^http://hostX/metrics is not a vLLM metrics page"):
        server.read("http://hostX//")


def test_parse_metrics_without_prometheus_client(monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "prometheus_client.parser", None)  # import fails
    with pytest.raises(KvplanError, match=r"^check-server needs prometheus_client to read /metrics: pip install "
                                          r"'kvplan\[server\]'$"):
        server.parse_metrics("", "x")


def test_check_default_timeout_is_five_seconds(monkeypatch):
    asked = fake_server(monkeypatch, {"http://h/metrics": page(LABELS)})
    facts_of_check(monkeypatch)
    server.check("http://h", "h100", model="m")
    assert asked[0] == ("http://h/metrics", 5.0)
