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
