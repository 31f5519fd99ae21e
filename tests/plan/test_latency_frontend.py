"""A served request's front end (one home: plan/latency/frontend.py) and decode attention without multi-block mode
(attention.decode_seconds ``one_cta``), issue 21 session 10."""
import importlib.util

import pytest

from conftest import ROOT
from kvplan.plan.latency import attention, frontend, tables
from kvplan.plan.latency.step import OpLatency
from kvplan.plan.simulate import limits
from kvplan.sources import catalog


def test_one_home_for_the_front_end():
    assert limits.FRONTEND is frontend.FRONTEND and limits.ENDPOINTS is frontend.ENDPOINTS
    s, src = frontend.per_request_seconds("vllm", "chat")
    assert s == frontend.FRONTEND["vllm"]["per_request_s"]["chat"] == 0.02272 and "issue 22" in src
    assert frontend.per_request_seconds("sglang", "completions")[0] == 0.0  # FRONTEND's value (not fitted), kept


def test_an_in_process_engine_pays_no_front_end():
    """A benchmark that drives the engine in its own process (no HTTP server) pays no front end, whatever the
    engine: 0 s, said so, for vLLM (whose HTTP endpoints cost 10.8 / 22.72 ms), SGLang and an engine priced from
    fitted.yaml alike."""
    for engine in ("vllm", "sglang", "lmdeploy", "other"):
        s, src = frontend.per_request_seconds(engine, "in-process")
        assert s == 0.0 and src == frontend.IN_PROCESS_SOURCE and "no HTTP front end" in src
    assert "in-process" in frontend.ENDPOINTS and frontend.FRONTEND["vllm"]["per_request_s"]["in-process"] == 0.0


def test_fitted_front_end_where_frontend_has_no_engine(monkeypatch):
    real = tables.load

    def fake(name):
        d = real(name)
        if name == "fitted":
            d = dict(d, engines=dict(d["engines"], other={**d["engines"].get("other", {}), "per_request_ms": 7.5,
                                                          "per_request_source": "test"}))
            d["engines"].pop("lmdeploy", None)
        return d

    monkeypatch.setattr(tables, "load", fake)
    assert frontend.per_request_seconds("other", "chat") == (0.0075, "test")
    assert frontend.per_request_seconds("lmdeploy", "chat")[0] == 0.0  # nothing fitted: 0, said so


class _Prof:
    bw = 2.0e12

    def decode_attention_efficiency(self, seqs, ctx, kv_heads, gqa):
        return 0.5, 0.0, "table"


def test_one_cta_by_hand():
    # 80 layers x 7,000 tokens x 1 KV head x 128 x 2 (K, V) x 2 bytes, one sequence: 286.72 MB
    kv = 80 * 7000 * 1 * 128 * 2 * 2
    table, _ = attention.decode_seconds(_Prof(), kv, 0, 1, 7000, 1, 8, 80, 1e15)
    assert table == pytest.approx(kv / (2.0e12 * 0.5))  # 0.287 ms at half the bandwidth
    one, _ = attention.decode_seconds(_Prof(), kv, 0, 1, 7000, 1, 8, 80, 1e15, one_cta=0.01)
    assert one == pytest.approx(kv / (1 * 1 * 0.01 * 2.0e12))  # 14.3 ms: one block at 1 % of the bandwidth
    many, _ = attention.decode_seconds(_Prof(), kv, 0, 256, 7000, 1, 8, 80, 1e15, one_cta=0.01)
    assert many == table  # 256 blocks: the aggregate read is the bound again


def test_multi_block_off_only_adds(monkeypatch):
    real = tables.load
    monkeypatch.setattr(tables, "load", lambda n: dict(real(n), one_cta_decode={"stream_fraction": 0.01})
                        if n == "fitted" else real(n))
    spec, gpu = catalog.load_model("llama-3-70b"), catalog.load_gpu("a100-sxm-80gb")
    on = OpLatency(spec, gpu, 8, "bf16", "bf16", engine="other")
    off = OpLatency(spec, gpu, 8, "bf16", "bf16", engine="other", multi_block=False)
    assert on.one_cta is None and off.one_cta == 0.01
    assert off.decode(7000).seconds > on.decode(7000).seconds  # 1 KV head a GPU: one block per layer
    assert off.decode(7000, 512).seconds == pytest.approx(on.decode(7000, 512).seconds)  # enough blocks: no change


def test_served_first_token_pays_the_front_end_once():
    spec = importlib.util.spec_from_file_location("perf_accuracy", ROOT / "scripts" / "perf_accuracy.py")
    pa = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(pa)
    rows = pa.yaml.safe_load((pa.PUB / "measurements.yaml").read_text())
    nim = next(e for e in rows if e["id"] == "nim-dli-h100-sxm-80gb-llama-3-8b-fp16-tp1-c1-200-200-ttft")
    r = pa.model_for(nim)
    fe = frontend.per_request_seconds("other", "chat")[0]
    assert pa.front_end(nim) == fe and pa.predict(nim, r) == pytest.approx(1e9 * (r.first_token(200, 1) + fe))
    trt = next(e for e in rows if e["source"].endswith("performance.md") and e["metric"] == "ttft_ms")
    assert pa.front_end(trt) == 0.0  # gptSessionBenchmark times the engine in-process


# ---- session 10's mutation run of plan/latency (issue 25) ------------------------------------------------------
def test_the_default_endpoint_is_completions():
    """vllm bench serve's default backend posts to /v1/completions (FRONTEND's comment), so the endpoint defaults to
    it: vLLM's 10.8 ms (kvcached's runs: 500 requests in 5.16-5.40 s at rate inf, 5.40 s / 500 = 10.8 ms), not the
    chat endpoint's 22.72 ms (gpustack's 1,000 requests in 22.72 s)."""
    s, src = frontend.per_request_seconds("vllm")
    assert s == 0.0108 == 5.40 / 500 and src.startswith("fitted (issue 22, round 3, fit side only): kvcached's")
    assert frontend.per_request_seconds("vllm") == frontend.per_request_seconds("vllm", "completions")


def test_a_fitted_front_end_without_a_source_names_fitted_yaml(monkeypatch):
    """fitted.yaml may give an engine ``per_request_ms`` without ``per_request_source``: the source then names the
    file (7.5 ms -> 0.0075 s)."""
    real = tables.load

    def fake(name):
        d = real(name)
        if name == "fitted":
            d = dict(d, engines=dict(d["engines"], other={"per_request_ms": 7.5}))
        return d

    monkeypatch.setattr(tables, "load", fake)
    assert frontend.per_request_seconds("other", "chat") == (0.0075, "fitted.yaml")


def test_nothing_fitted_says_so_in_full(monkeypatch):
    real = tables.load
    monkeypatch.setattr(tables, "load", lambda n: dict(real(n), engines={}) if n == "fitted" else real(n))
    assert frontend.per_request_seconds("lmdeploy", "chat") == (
        0.0, "not fitted: no client-side first-token row of this engine on the fit side")


def test_one_block_per_kv_head_and_sequence():
    """Llama-3.1-8B at TP 1: 8 KV heads, so one sequence streams in 8 blocks. 32 layers x 7,000 tokens x 8 heads x
    128 x 2 (K, V) x 2 bytes = 917,504,000 bytes; at 1 % of 2.0e12 B/s a block: 917.504e6 / (1 x 8 x 0.01 x 2.0e12)
    = 5.7344 ms (the table's 0.9175 ms at half the bandwidth is below it); two sequences, 16 blocks: 2.8672 ms."""
    kv = 32 * 7000 * 8 * 128 * 2 * 2
    assert kv == 917_504_000
    one, _ = attention.decode_seconds(_Prof(), kv, 0, 1, 7000, 8, 4, 32, 1e15, one_cta=0.01)
    assert one == pytest.approx(5.7344e-3)
    two, _ = attention.decode_seconds(_Prof(), kv, 0, 2, 3500, 8, 4, 32, 1e15, one_cta=0.01)
    assert two == pytest.approx(2.8672e-3)


def _one_cta(monkeypatch, value):
    real = tables.load

    def load(n):
        d = real(n)
        if n != "fitted":
            return d
        d = dict(d)
        d.pop("one_cta_decode")
        return dict(d, one_cta_decode=value) if value is not None else d

    monkeypatch.setattr(tables, "load", load)


def test_multi_block_off_on_the_fast_path(monkeypatch):
    """The simulator's path (``seconds=True``) passes the one-block bound to the decode attention as ``price``
    does: Llama-3-70B at TP 8 on an A100 has 1 KV head a GPU, so one sequence at 7,000 tokens is one block a layer,
    and the step is slower without multi-block mode on both paths, by the same float sum."""
    _one_cta(monkeypatch, {"stream_fraction": 0.01})
    spec, gpu = catalog.load_model("llama-3-70b"), catalog.load_gpu("a100-sxm-80gb")
    on = OpLatency(spec, gpu, 8, "bf16", "bf16", engine="other")
    off = OpLatency(spec, gpu, 8, "bf16", "bf16", engine="other", multi_block=False)
    fresh = OpLatency(spec, gpu, 8, "bf16", "bf16", engine="other", multi_block=False)
    full = fresh.mixed_sum((), 1, 7000, 7000)
    assert off.mixed_sum((), 1, 7000, 7000, seconds=True) == sum(o[1] for o in full.ops)
    assert off.mixed_sum((), 1, 7000, 7000, seconds=True) > on.mixed_sum((), 1, 7000, 7000, seconds=True)


def test_the_fitted_stream_fraction_and_none_without_it(monkeypatch):
    """fitted.yaml's ``one_cta_decode.stream_fraction`` is 0.0225 (benchmarks/latency/fit.py, session 15); a fitted.yaml without
    the row leaves multi-block mode's absence unpriced (None), and the step is the multi-block one."""
    spec, gpu = catalog.load_model("llama-3-70b"), catalog.load_gpu("a100-sxm-80gb")
    assert OpLatency(spec, gpu, 8, "bf16", "bf16", engine="other", multi_block=False).one_cta == 0.0225
    _one_cta(monkeypatch, None)
    off = OpLatency(spec, gpu, 8, "bf16", "bf16", engine="other", multi_block=False)
    on = OpLatency(spec, gpu, 8, "bf16", "bf16", engine="other")
    assert off.one_cta is None and off.prof.one_cta() is None
    assert off.decode(7000).seconds == on.decode(7000).seconds
