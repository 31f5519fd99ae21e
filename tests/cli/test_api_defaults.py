"""What kvplan/api.py itself decides: each public function's defaults, its own error messages and
how it hands each argument to the planner below it.

The functions below api.py are replaced by recorders (``_record``) where the question is only "did
api.py pass this argument, in this place": the facts checked are the arguments as written in
api.py's signatures and docstrings (batch 1, tp 1, engine "vllm", llamacpp for a .gguf, ...), so
every expected value here is read off the call, not off kvplan's output. The few calls that run the
planner compare two answers of kvplan with each other (the default left out vs spelled out).
"""
from types import SimpleNamespace

import pytest

from kvplan import api
from kvplan.engines import ServeOptions
from kvplan.errors import KvplanError

M = "llama-3.1-8b"


def _record(monkeypatch, module, name, ret="ret"):
    """Replace ``module.name`` with a recorder; returns the list of (args, kwargs) it was called with."""
    calls = []

    def fake(*args, **kwargs):
        calls.append((args, kwargs))
        return ret(*args, **kwargs) if callable(ret) else ret

    monkeypatch.setattr(module, name, fake)
    return calls


# ---- small helpers ------------------------------------------------------------------------------
@pytest.mark.parametrize("ref, gguf", [
    ("model.gguf", True), ("MODEL.GGUF", True), ("  x.GgUf  ", True), ("x.gguf\n", True),
    ("x.ggml", False), ("gguf", False), ("x.gguf.json", False), (None, False), (3, False),
])
def test_is_gguf_by_suffix_any_case_and_spaces(ref, gguf):
    assert api._is_gguf(ref) is gguf


def test_options_refuses_an_unknown_keyword_by_its_name():
    with pytest.raises(KvplanError) as e:
        api.serve_options(max_model_len=4096, bogus_flag=1, another=2)
    msg = str(e.value)
    assert msg.startswith("serve_options() got unknown option(s) another, bogus_flag; serving options are: ")
    # then ServeOptions' field names, sorted, comma-separated
    from kvplan.model.frozen import fields

    assert msg.endswith("serving options are: " + ", ".join(sorted(f.name for f in fields(ServeOptions))))
    assert "activation_bytes, all2all_backend, " in msg
    with pytest.raises(KvplanError, match=r"^fit\(\) got unknown option\(s\) nope;"):
        api.fit(M, "h100", nope=1)


def test_options_passes_a_serve_options_through_and_builds_one_from_names():
    o = ServeOptions(max_model_len=1234)
    assert api._options({"options": o}, "x") is o
    assert api.serve_options(max_model_len=4096, block_size=32) == ServeOptions(max_model_len=4096, block_size=32)
    assert api.serve_options() == ServeOptions()


def test_load_model_refuses_a_non_name_and_passes_a_spec_through():
    spec = api.load_model(M)
    assert api.load_model(spec) is spec
    with pytest.raises(KvplanError, match="^a model is a name, a path or a ModelSpec, got int$"):
        api.load_model(42)
    notes = []
    assert api.load_model(M, notes) == spec
    gpu = api.load_gpu("h100")
    assert api.load_gpu(gpu) is gpu


def test_import_config_source_override(tmp_path):
    from conftest import ROOT

    cfg = ROOT / "tests/data/configs/Qwen3-Coder-480B-A35B-Instruct.json"
    plain = api.import_config(cfg, name="x")
    assert plain.name == "x"
    assert api.import_config(cfg, name="x", source="https://example.org/cfg").source == "https://example.org/cfg"
    # no source given: the loader's own source stays (not replaced by None)
    assert api.import_config(cfg, name="x", source=None).source == plain.source
    assert api.import_config(cfg, name="x", source="").source == plain.source


def test_traffic_defaults():
    t = api.traffic("1000")  # unset: a distribution draws 1000 with seed 0 (plan.traffic), a file refuses them
    assert (t.spec, t.requests, t.seed, t.shared_prefix) == ("1000", None, None, 0)
    t = api.traffic("1000", 5, 7, 64)
    assert (t.spec, t.requests, t.seed, t.shared_prefix) == ("1000", 5, 7, 64)


# ---- size / fit ---------------------------------------------------------------------------------
def test_size_hands_each_argument_and_defaults(monkeypatch):
    from kvplan.plan import size as memory

    calls = _record(monkeypatch, memory, "kv_size")
    spec = api.load_model(M)
    assert api.size(M, 4096) == "ret"
    args, _ = calls[-1]
    # (spec, ctx, batch, kv_dtype, engine, weight_dtype, text_only, opts): defaults batch 1, ideal
    assert args == (spec, 4096, 1, None, "ideal", None, False, ServeOptions())
    api.size(M, 8192, 3, "fp8", "vllm", "bf16", True, block_size=32)
    assert calls[-1][0] == (spec, 8192, 3, "fp8", "vllm", "bf16", True, ServeOptions(block_size=32))


def test_size_and_fit_pick_llamacpp_for_a_gguf(monkeypatch):
    from kvplan.plan import fit_tiers, size as memory

    size_calls = _record(monkeypatch, memory, "kv_size")
    fit_calls = _record(monkeypatch, fit_tiers, "fit")
    spec = api.load_model(M)
    monkeypatch.setattr(api, "load_model", lambda m, notes=None: spec)
    api.size("w/Model.GGUF", 10)
    assert size_calls[-1][0][4] == "llamacpp"
    api.fit("w/Model.GGUF", "h100")
    assert fit_calls[-1][0][4] == "llamacpp"
    api.fit("w/Model.safetensors", "h100")
    assert fit_calls[-1][0][4] == "vllm"


def test_size_engine_all_is_the_list_of_size_all(monkeypatch):
    from kvplan.plan import size as memory

    calls = _record(monkeypatch, memory, "kv_size", ret=lambda s, ctx, b, kv, e, *rest: (ctx, b, kv, e) + rest)
    got = api.size(M, 64, engine=" ALL ")
    reports, left_out = api.size_all(M, 64)
    assert got == reports and isinstance(got, list)
    assert [r[3] for r in reports] == [e for e in api.engine_names() if e not in {str(x) for x in left_out}][:len(reports)]
    assert "ideal" in [r[3] for r in reports] and "vllm" in [r[3] for r in reports]
    # every layout gets the same arguments; defaults batch 1, kv/weight None, text_only False, no options
    assert {r[:3] + r[4:] for r in reports} == {(64, 1, None, None, False, ServeOptions())}
    reports, _ = api.size_all(M, 64, 2, "fp8", "bf16", True, None, block_size=32)
    assert {r[:3] + r[4:] for r in reports} == {(64, 2, "fp8", "bf16", True, ServeOptions(block_size=32))}
    o = ServeOptions(max_model_len=99)
    reports, _ = api.size_all(M, 64, options=o)
    assert {r[-1] for r in reports} == {o}
    with pytest.raises(KvplanError, match=r"^size\(\) got unknown option\(s\) zzz;"):
        api.size_all(M, 64, zzz=1)
    with pytest.raises(KvplanError, match=r"^size\(\) got unknown option\(s\) zzz;"):
        api.size(M, 64, zzz=1)
    assert len(calls) > 0


def test_size_all_reports_each_layout_left_out():
    # DeepSeek-V3.2's indexed MLA: ideal, hf and vllm model it; hf-static, sglang, trtllm and
    # llamacpp (the last layout) refuse it, each with its own error
    reports, left_out = api.size_all("deepseek-v3.2", 1024)
    assert len(reports) == 3 and all(isinstance(e, KvplanError) for e in left_out)
    assert [str(e).split(" layout ")[0] for e in left_out] == ["the hf-static", "the sglang", "the trtllm",
                                                                 "the llamacpp"]


def test_size_engine_all_hands_each_argument(monkeypatch):
    from kvplan.plan import size as memory

    calls = _record(monkeypatch, memory, "kv_size", ret=lambda *a: a[1:4] + a[5:])
    got = api.size(M, 512, 2, "fp8", "all", "bf16", True, block_size=16)
    assert set(got) == {(512, 2, "fp8", "bf16", True, ServeOptions(block_size=16))} and len(calls) == len(got)


def test_load_model_hands_the_notes_list_on(monkeypatch):
    from kvplan.sources import catalog

    calls = _record(monkeypatch, catalog, "load_model")
    notes = []
    assert api.load_model("some-name", notes) == "ret"
    assert calls[-1][0][0] == "some-name" and calls[-1][0][1] is notes


def test_fit_hands_each_argument_and_defaults(monkeypatch):
    from kvplan.plan import fit_tiers
    from kvplan.plan import longest

    calls = _record(monkeypatch, fit_tiers, "fit")
    longest_calls = _record(monkeypatch, longest, "longest_for_batch", ret="longest")
    spec, g = api.load_model(M), api.load_gpu("h100")
    assert api.fit(M, "h100") == "ret"
    args, kw = calls[-1]
    # (spec, gpu, tp, pp, engine, kv_dtype, weight_dtype, ctx, batch, opts, text_only)
    assert args == (spec, g, 1, 1, "vllm", None, None, None, None, ServeOptions(), False)
    assert kw == {"traffic": None, "trace": None, "trace_prefix": 0}
    assert longest_calls == []
    api.fit(M, "h100", 4096, None, 2, 3, "sglang", "fp8", "bf16", True, max_model_len=8192,
            traffic="T", trace="tr", trace_prefix=5)
    args, kw = calls[-1]
    assert args == (spec, g, 2, 3, "sglang", "fp8", "bf16", 4096, None, ServeOptions(max_model_len=8192), True)
    assert kw == {"traffic": "T", "trace": "tr", "trace_prefix": 5}
    assert longest_calls == []


def test_fit_batch_without_ctx_asks_for_the_longest_context(monkeypatch):
    from kvplan.plan import fit_tiers
    from kvplan.plan import longest

    _record(monkeypatch, fit_tiers, "fit", ret="first")
    calls = _record(monkeypatch, longest, "longest_for_batch", ret="longest")
    spec, g = api.load_model(M), api.load_gpu("h100")
    assert api.fit(M, "h100", batch=4) == "longest"
    args, kw = calls[-1]
    assert args == (spec, g, 1, 1, "vllm", None, None, 4, ServeOptions(), False)
    assert kw == {"first": "first"}
    api.fit(M, "h100", batch=4, tp=2, pp=2, engine="sglang", kv_dtype="fp8", weight_dtype="bf16",
            text_only=True, block_size=16)
    assert calls[-1][0] == (spec, g, 2, 2, "sglang", "fp8", "bf16", 4, ServeOptions(block_size=16), True)
    n = len(calls)
    # any of ctx, traffic, trace given: fit's own answer
    assert api.fit(M, "h100", ctx=1024, batch=4) == "first"
    assert api.fit(M, "h100", batch=4, traffic="T") == "first"
    assert api.fit(M, "h100", batch=4, trace="t.jsonl") == "first"
    assert api.fit(M, "h100") == "first"
    assert len(calls) == n


def test_fit_kv_cache_dtype_is_the_engines_name(monkeypatch):
    from kvplan.engines import kv_cache_format
    from kvplan.plan import fit_tiers

    calls = _record(monkeypatch, fit_tiers, "fit")
    api.fit(M, "h100", kv_cache_dtype="fp8")
    assert calls[-1][0][5] == kv_cache_format("vllm", "fp8")
    api.fit(M, "h100", engine="trtllm", kv_cache_dtype="fp8")
    assert calls[-1][0][5] == kv_cache_format("trtllm", "fp8")
    with pytest.raises(KvplanError) as e:
        api.fit(M, "h100", kv_dtype="fp8", kv_cache_dtype="fp8")
    assert str(e.value) == "give --kv-dtype or --kv-cache-dtype, not both"
    assert e.value.option == "kv-cache-dtype"


def test_fit_default_is_the_spelled_out_default():
    """The real planner: the defaults left out and spelled out give one answer."""
    a = api.fit(M, "h100", ctx=8192)
    b = api.fit(M, "h100", ctx=8192, tp=1, pp=1, engine="vllm", text_only=False)
    assert (a.fits, a.max_batch, a.max_ctx) == (b.fits, b.max_batch, b.max_ctx)
    c = api.fit(M, "h100", ctx=8192, tp=2)
    assert c.max_batch > a.max_batch  # two GPUs hold more: the default is not tp=2


# ---- perf / compare / sweep / simulate ----------------------------------------------------------
def test_perf_hands_each_argument_and_defaults(monkeypatch):
    from kvplan.plan import perf as perfmod

    calls = _record(monkeypatch, perfmod, "perf")
    spec, g = api.load_model(M), api.load_gpu("h100")
    api.perf(M, "h100", 2048)
    args, kw = calls[-1]
    assert args == (spec, g, 2048, 1, None, 1, None, None, None, None, None, None, False, "vllm", None, None)
    assert kw == {"profile": None, "data_parallel_size": 1, "enable_expert_parallel": False, "engine_version": None,
                  "gpu_memory_utilization": None}
    api.perf(M, "h100", 2048, 4, 512, 2, "fp8", "bf16", "sglang", 0.8, 0.5, 1.5, 64, True, "SC", 0.7,
             "P", 2, True)
    args, kw = calls[-1]
    assert args == (spec, g, 2048, 4, 512, 2, "fp8", "bf16", 0.8, 0.5, 1.5, 64, True, "sglang", "SC", 0.7)
    assert kw == {"profile": "P", "data_parallel_size": 2, "enable_expert_parallel": True, "engine_version": None,
                  "gpu_memory_utilization": None}
    api.perf(M, "h100", 2048, engine_version="0.7.3")  # checked as fit's (api.engine_version), handed on
    assert calls[-1][1]["engine_version"] == "0.7.3"
    api.perf(M, "h100", 2048, gpu_memory_utilization=0.5)  # fit's share, handed on to the plan bounding --batch
    assert calls[-1][1]["gpu_memory_utilization"] == 0.5
    api.perf(M, "h100", 2048, kv_cache_dtype="fp8")  # the engine's name, read as fit reads it
    assert calls[-1][0][6] == "fp8_e4m3"


def test_compare_hands_each_argument_and_defaults(monkeypatch):
    from kvplan.plan import whatif

    calls = _record(monkeypatch, whatif, "rows")
    spec = api.load_model(M)
    api.compare(M, 1024)
    assert calls[-1][0] == ([spec], 1024, 1, None, None, None, None, None, 1, ServeOptions())
    g = api.load_gpu("h100")
    api.compare([M, "mistral-7b"], 1024, 2, "mha, gqa:8", "h100", 2, "vllm", "fp8", "bf16", block_size=16)
    assert calls[-1][0] == ([spec, api.load_model("mistral-7b")], 1024, 2, "fp8", ["mha", "gqa:8"], g, "vllm",
                            "bf16", 2, ServeOptions(block_size=16))
    api.compare(M, 1024, variants=["mha"])
    assert calls[-1][0][4] == ["mha"]
    with pytest.raises(KvplanError, match=r"^compare\(\) got unknown option\(s\) q;"):
        api.compare(M, 1024, q=1)


def test_sweep_hands_each_argument_and_defaults(monkeypatch):
    from kvplan.plan import sweep as sw

    calls = _record(monkeypatch, sw, "sweep")
    spec = api.load_model(M)
    api.sweep(M, [1024, 2048])
    args, kw = calls[-1]
    assert args == (spec, [1024, 2048], [1], [None], None, 1, None, None)
    assert kw == {"progress": None, "opts": ServeOptions()}
    g = api.load_gpu("h100")
    api.sweep(M, "1k:2k", "1:2", " fp8 ,bf16", "h100", 2, "vllm", "bf16", progress="cb", block_size=16)
    args, kw = calls[-1]
    assert args == (spec, sw.parse_range("ctx", "1k:2k"), sw.parse_range("batch", "1:2"), ["fp8", "bf16"], g, 2,
                    "vllm", "bf16")
    assert kw == {"progress": "cb", "opts": ServeOptions(block_size=16)}
    api.sweep(M, (1024,), (3,), ("fp8",))
    assert calls[-1][0][1:4] == ([1024], [3], ["fp8"])
    with pytest.raises(KvplanError) as e:
        api.sweep(M, "zz")
    assert str(e.value).startswith("ctx must be a positive whole number, got 'zz'")
    with pytest.raises(KvplanError) as e:
        api.sweep(M, [1024], "zz")
    assert str(e.value).startswith("batch must be a positive whole number, got 'zz'")
    with pytest.raises(KvplanError, match=r"^sweep\(\) got unknown option\(s\) q;"):
        api.sweep(M, [1024], q=1)


def test_simulate_hands_the_model_gpu_and_keywords(monkeypatch):
    from kvplan.plan import simulate as sim

    calls = _record(monkeypatch, sim, "simulate")
    api.simulate(M, "h100", tp=2, rate=3.0)
    assert calls[-1] == ((api.load_model(M), api.load_gpu("h100")), {"tp": 2, "rate": 3.0})


def test_simulate_kv_cache_dtype_is_the_engines_name(monkeypatch):
    """As fit's: the engine's own --kv-cache-dtype name becomes kvplan's format by that engine's list
    (vLLM's "fp8" is fp8_e4m3, engines/vllm/settings.py KV_CACHE_DTYPES; SGLang's "bf16", a name vLLM
    lacks), the engine vLLM when not given; both names: one error about the engine's name."""
    from kvplan.plan import simulate as sim

    calls = _record(monkeypatch, sim, "simulate")
    api.simulate(M, "h100", kv_cache_dtype="fp8", rate=3.0)
    assert calls[-1][1] == {"rate": 3.0, "kv_dtype": "fp8_e4m3"}
    api.simulate(M, "h100", engine="sglang", kv_cache_dtype="bf16")
    assert calls[-1][1] == {"engine": "sglang", "kv_dtype": "bf16"}
    with pytest.raises(KvplanError, match="'bf16' is not one of vllm's names"):
        api.simulate(M, "h100", kv_cache_dtype="bf16")
    with pytest.raises(KvplanError) as e:
        api.simulate(M, "h100", kv_dtype="fp8", kv_cache_dtype="fp8")
    assert str(e.value) == "give --kv-dtype or --kv-cache-dtype, not both"
    assert e.value.option == "kv-cache-dtype"
    assert len(calls) == 2


def test_check_log_and_check_server_hand_each_argument(monkeypatch):
    from kvplan.observe import logs, server

    _record(monkeypatch, logs, "parse", ret=lambda text: ("facts", text))
    calls = _record(monkeypatch, logs, "check")
    api.check_log("LOG")
    assert calls[-1][0] == (("facts", "LOG"), None, None, None, None)
    api.check_log("LOG", "h100", M, 2, "bf16")
    assert calls[-1][0] == (("facts", "LOG"), "h100", M, 2, "bf16")
    calls = _record(monkeypatch, server, "check")
    api.check_server("http://x", "h100")
    assert calls[-1][0] == ("http://x", "h100", None, 5.0, None)
    api.check_server("http://x", "h100", M, 1.5, {"a": 1})
    assert calls[-1][0] == ("http://x", "h100", M, 1.5, {"a": 1})


# ---- check_bench --------------------------------------------------------------------------------
@pytest.fixture
def bench_rec(monkeypatch):
    """check_bench with bench.read / replay / calibrate, OpLatency and the profile I/O recorded."""
    from kvplan.observe import bench
    from kvplan.plan.latency import calibrate as cal
    from kvplan.plan.latency import step as stepmod

    class Step:
        def __init__(self, spec, gpu, tp, engine):
            self.args = (spec, gpu, tp, engine)
            self.profile_label = ""

    def apply(step, src):
        step.profile_label = f"× 1.500 (profile {src})"
        rec["apply"].append(src)

    rec = {"read": [], "apply": []}
    monkeypatch.setattr(stepmod, "OpLatency", Step)
    monkeypatch.setattr(cal, "apply_profile", apply)
    monkeypatch.setattr(bench, "read", lambda f: rec["read"].append(f) or [SimpleNamespace(model=None),
                                                                          SimpleNamespace(model=M)])
    rec["replay"] = _record(monkeypatch, bench, "replay", ret=["row"])
    rec["calibrate"] = _record(monkeypatch, bench, "calibrate", ret=(1.25, 0.04, 0.01, ["crow"]))
    rec["write"] = _record(monkeypatch, cal, "write_profile")
    return rec


def test_check_bench_defaults_and_hand_off(bench_rec):
    spec, g = api.load_model(M), api.load_gpu("h100")
    out = api.check_bench(["a.json"], "h100")
    assert bench_rec["read"] == ["a.json"]
    assert out["spec"] == spec and out["gpu"] == g and out["engine"] == "vllm" and out["rows"] == ["row"]
    assert out["notes"] == [] and len(out["levels"]) == 2
    (levels, s, gg), kw = bench_rec["replay"][-1]
    assert (levels, s, gg) == (out["levels"], spec, g)
    # no profile given: no step model handed over, bench.replay builds each level's own by its engine's
    # version (latency/versions.py: vLLM V0 before 0.8.0 runs the vllm_v0 / vllm_v06 overheads)
    assert kw.pop("step") is None
    assert kw == {"tp": 1, "replicas": 1, "engine": "vllm", "prefix_caching": True, "max_requests": 1000,
                  "opts": ServeOptions(max_num_seqs=None, max_model_len=None), "engine_version": None}
    assert bench_rec["calibrate"] == [] and bench_rec["write"] == [] and bench_rec["apply"] == []


def test_check_bench_arguments_reach_the_replay(bench_rec):
    out = api.check_bench(["a.json", "b.json"], "h100", model="mistral-7b", tp=2, replicas=3, engine=" SGLang ",
                          max_num_seqs=64, max_model_len=4096, max_requests=50, prefix_caching=False,
                          profile="p.yaml", engine_version="0.18.1")
    spec = api.load_model("mistral-7b")
    assert bench_rec["read"] == ["a.json", "b.json"] and len(out["levels"]) == 4
    assert out["spec"] == spec and out["engine"] == "sglang"
    kw = dict(bench_rec["replay"][-1][1])
    assert kw.pop("step").args == (spec, api.load_gpu("h100"), 2, "sglang")
    assert kw == {"tp": 2, "replicas": 3, "engine": "sglang", "prefix_caching": False, "max_requests": 50,
                  "opts": ServeOptions(max_num_seqs=64, max_model_len=4096), "engine_version": "0.18.1"}
    assert bench_rec["apply"] == ["p.yaml"]
    assert out["notes"] == ["steps scaled × 1.500 (profile p.yaml)"]


def test_check_bench_data_parallel_size_reaches_the_replay(bench_rec):
    api.check_bench(["a.json"], "h100", data_parallel_size=4)
    assert bench_rec["replay"][-1][1]["opts"] == ServeOptions(max_num_seqs=None, max_model_len=None,
                                                              data_parallel_size=4)


def test_check_bench_calibrate_note_and_profile(bench_rec):
    spec, g = api.load_model(M), api.load_gpu("h100")
    out = api.check_bench(["a.json", "b.json"], "h100", tp=2, replicas=2, max_num_seqs=8, calibrate="out.yaml")
    assert out["rows"] == ["crow"] and bench_rec["replay"] == []
    args, kw = bench_rec["calibrate"][-1]
    assert args == (out["levels"], spec, g)
    # at most 300 requests per level while calibrating (min(1000, 300))
    assert kw == {"max_requests": 300, "tp": 2, "replicas": 2, "engine": "vllm",
                  "opts": ServeOptions(max_num_seqs=8, max_model_len=None), "engine_version": None}
    api.check_bench(["a.json"], "h100", calibrate="out.yaml", max_requests=120)
    assert bench_rec["calibrate"][-1][1]["max_requests"] == 120
    # write_profile(path, scale, gpu, engine, model, fitted_on, levels, before, after)
    assert bench_rec["write"][0][0] == ("out.yaml", 1.25, g, "vllm", spec.name, "a.json, b.json", 4, 0.04, 0.01)
    # sqrt(0.04) = 0.200, sqrt(0.01) = 0.100; 4 levels (2 per file)
    assert out["notes"] == ["calibrated: every step × 1.250; RMS log error 0.200 -> 0.100 over 4 levels "
                            "(fitted on this run: not a held-out figure); profile written to out.yaml"]


def test_check_bench_errors(bench_rec, monkeypatch):
    with pytest.raises(KvplanError) as e:
        api.check_bench(["a.json"], "h100", engine="trtllm")
    assert str(e.value) == "engine must be vllm or sglang for check-bench, got 'trtllm'"
    assert e.value.option == "engine"
    with pytest.raises(KvplanError) as e:
        api.check_bench(["a.json"], "h100", calibrate="o.yaml", profile="p.yaml")
    assert str(e.value) == "--calibrate fits a new profile; leave out --profile"
    assert bench_rec["read"] == []  # refused before reading anything
    from kvplan.observe import bench

    monkeypatch.setattr(bench, "read", lambda f: [SimpleNamespace(model=None), SimpleNamespace(model="")])
    with pytest.raises(KvplanError) as e:
        api.check_bench(["a.json"], "h100")
    assert str(e.value) == "the file does not name its model; give --model"
    assert api.check_bench(["a.json"], "h100", model=M)["spec"] == api.load_model(M)


# ---- plan_deployment ----------------------------------------------------------------------------
@pytest.fixture
def deploy_rec(monkeypatch):
    from kvplan.plan import deploy

    rec = {"search": _record(monkeypatch, deploy, "search", ret="plan"),
           "tasks": _record(monkeypatch, deploy, "tasks_for", ret=["task"])}
    return rec


def test_plan_deployment_defaults(deploy_rec):
    from kvplan.plan import costs, deploy

    assert api.plan_deployment(M, 2.0, "1000", "100", 500, 50) == "plan"
    (w, tasks, workers, ray, progress), _ = deploy_rec["search"][-1]
    assert tasks == ["task"] and workers is None and ray is None and progress is None
    price = costs.load_prices(None)
    assert w == deploy.Workload(api.load_model(M).name, 2.0, "1000", "100", 500, 50, "vllm", 300, 0, 8, None, None,
                                price)
    # h100 and h200 (their catalog names); tps 1,2,4,8; seqs 32..256; disaggregated; auto link; a dense model: no EP layouts
    assert deploy_rec["tasks"][-1][0] == (["h100-sxm-80gb", "h200-sxm-141gb"], (1, 2, 4, 8), (32, 64, 128, 256), True, "auto", [], [])


def test_plan_deployment_hands_each_argument(deploy_rec, tmp_path):
    from kvplan.plan import costs, deploy

    prices = tmp_path / "p.yaml"
    prices.write_text("prices:\n  a100-80gb: {usd_per_hour: 2.5}\n  l40s: {usd_per_hour: 1.0}\n")
    api.plan_deployment(M, 3.5, "2000", "200", 800, 40, gpus=[" a100-80gb", "", "l40s "], engine=" SGLang",
                        tps=[2, 4], seqs=[16], max_gpus=4, disaggregated=False, link=" NVLink ", prices=str(prices),
                        requests=50, seed=9, max_model_len=8192, workers=3, ray="ray://h:1",
                        progress=lambda total: ("tick", total))
    (w, tasks, workers, ray, progress), _ = deploy_rec["search"][-1]
    assert (workers, ray, progress) == (3, "ray://h:1", ("tick", 1))  # start(total) over the 1 task
    assert w == deploy.Workload(api.load_model(M).name, 3.5, "2000", "200", 800, 40, "sglang", 50, 9, 4, 8192, None,
                                costs.load_prices(str(prices)))
    assert deploy_rec["tasks"][-1][0] == (["a100-sxm-80gb", "l40s"], (2, 4), (16,), False, "nvlink", [], [])
    api.plan_deployment(M, 1.0, "100", "10", 500, 50, gpus="h200")
    assert deploy_rec["tasks"][-1][0][0] == ["h200-sxm-141gb"]


def test_plan_deployment_moe_searches_expert_parallel_layouts(deploy_rec):
    from kvplan.plan import deploy

    # mixtral-8x7b: 8 experts; EP = tp × dp from 2 to 8 dividing 8 (deploy.ep_layouts)
    api.plan_deployment("mixtral-8x7b", 1.0, "100", "10", 500, 50, gpus="h100", tps=[1, 2])
    args = deploy_rec["tasks"][-1][0]
    assert args[5] == deploy.ep_layouts((1, 2), [8], "vllm") == [(1, 2), (1, 4), (1, 8), (2, 1), (2, 2), (2, 4)]
    api.plan_deployment("mixtral-8x7b", 1.0, "100", "10", 500, 50, gpus="h100", tps=[1, 2], engine="sglang")
    assert deploy_rec["tasks"][-1][0][5] == [] and deploy_rec["tasks"][-1][0][6] == []  # no MLA: no DP attention
    api.plan_deployment("deepseek-r1", 1.0, "100", "10", 500, 50, gpus="h200", tps=[8], engine="sglang")
    assert deploy_rec["tasks"][-1][0][6] == [(8, 2), (8, 4), (8, 8)]  # MoE + MLA on SGLang: DP attention


def test_plan_deployment_model_name_kept_for_a_path(deploy_rec, monkeypatch):
    spec = api.load_model(M)
    api.plan_deployment(spec, 1.0, "100", "10", 500, 50)
    assert deploy_rec["search"][-1][0][0].model is spec  # not a catalog name: handed on as given
    api.plan_deployment("Llama-3.1-8B", 1.0, "100", "10", 500, 50)
    assert deploy_rec["search"][-1][0][0].model == spec.name


def test_plan_deployment_errors(deploy_rec, tmp_path):
    def plan(**kw):
        a = dict(model=M, rate=1.0, prompt_tokens="100", output_tokens="10", ttft_p90_ms=500, itl_p90_ms=50)
        a.update(kw)
        with pytest.raises(KvplanError) as e:
            api.plan_deployment(**a)
        return e.value

    e = plan(engine="trtllm")
    assert str(e) == "engine must be vllm or sglang for plan, got 'trtllm'" and e.option == "engine"
    e = plan(link="carrier-pigeon")
    assert str(e) == "link must be one of auto, nvlink, infiniband, ethernet, got 'carrier-pigeon'"
    assert e.option == "link"
    assert str(plan(gpus=" , ")) == "--gpus needs at least one GPU (see kvplan gpus)"
    prices = tmp_path / "p.yaml"
    prices.write_text("prices:\n  h100: {usd_per_hour: 2.5}\n")
    assert str(plan(gpus="h100,h200,l40s", prices=str(prices))) == \
        "no hourly price for h200-sxm-141gb, l40s; give one with --prices FILE"
    assert "--prompt-tokens" in str(plan(prompt_tokens="nonsense"))
    assert "--output-tokens" in str(plan(output_tokens="nonsense"))
    assert "profile" in str(plan(profile=str(tmp_path / "missing.yaml"))).lower()
    assert deploy_rec["search"] == []


def test_plan_deployment_profile_and_a_path_reach_the_workload(deploy_rec, tmp_path):
    from conftest import ROOT

    prof = tmp_path / "prof.yaml"
    prof.write_text("kind: kvplan-latency-profile\nstep_scale: 1.5\n")
    api.plan_deployment(M, 1.0, "100", "10", 500, 50, profile=str(prof))
    assert deploy_rec["search"][-1][0][0].profile == str(prof)
    # a config path is no catalog name: the workers get the path as given, to load it themselves
    cfg = str(ROOT / "tests/data/configs/Qwen3-Coder-480B-A35B-Instruct.json")
    api.plan_deployment(cfg, 1.0, "100", "10", 500, 50, gpus="h100")
    assert deploy_rec["search"][-1][0][0].model == cfg


def test_plan_deployment_checks_the_lengths_against_the_models_context(deploy_rec):
    # llama-3.1-8b: max_context 131,072; as simulate (which plan runs), a length leaves one position
    # for the other: 131,071 at most, and the flag's own name
    with pytest.raises(KvplanError) as e:
        api.plan_deployment(M, 1.0, "131072", "10", 500, 50)
    assert str(e.value) == "--prompt-tokens must be between 1 and 131,071, got 131,072"
    with pytest.raises(KvplanError) as e:
        api.plan_deployment(M, 1.0, "100", "131072", 500, 50)
    assert str(e.value) == "--output-tokens must be between 1 and 131,071, got 131,072"
    api.plan_deployment(M, 1.0, "131071", "131071", 500, 50)  # the limit itself is allowed
    # max_model_len, when given, is the context
    with pytest.raises(KvplanError) as e:
        api.plan_deployment(M, 1.0, "4096", "10", 500, 50, max_model_len=4096)
    assert str(e.value) == "--prompt-tokens must be between 1 and 4,095, got 4,096"
    # no max_context (and no other length key): vLLM 0.33 serves at the 2048 it assumes
    # (_get_and_verify_max_len's default_max_len; llama-3.1-8b's llama3 rope is not scaled), so 2,047
    spec = api.load_model(M).model_copy(update={"max_context": None, "context_keys": {}})
    api.plan_deployment(spec, 1.0, "2047", "10", 500, 50)
    with pytest.raises(KvplanError) as e:
        api.plan_deployment(spec, 1.0, "2048", "10", 500, 50)
    assert str(e.value) == ("--prompt-tokens must be between 1 and 2,047, got 2,048 (max_model_len 2,048: vLLM's "
                            "default where the config states no length: it assumes 2048; max_model_len sets any "
                            "other)")
    # a length given is taken as it is (vLLM returns a user's max_model_len unchecked there)
    api.plan_deployment(spec, 1.0, "8000", "10", 500, 50, max_model_len=8192)


def _levels_with_versions(monkeypatch, versions):
    """bench.read stubbed: one level per version (the first names the model), as a file states it."""
    from kvplan.observe import bench

    monkeypatch.setattr(bench, "read", lambda f: [SimpleNamespace(model=M if i == 0 else None, engine_version=v)
                                                  for i, v in enumerate(versions)])


def test_check_bench_notes_each_stated_vllm_version_before_0_19_once(bench_rec, monkeypatch):
    # vLLM admits a waiting request on its first chunk before 0.19.0 (simulate/limits.py RESERVE_FULL_ISL):
    # 0.10.1.1 (stated twice) gets one note, said as stated ("0.10.1.1"; compared as 0.10.1);
    # 0.19.0 and a level that states none (kvplan's own vLLM 0.33) get none
    _levels_with_versions(monkeypatch, ["0.10.1.1", "0.19.0", None, "0.10.1.1"])
    out = api.check_bench(["a.json"], "h100")
    assert out["notes"] == ["vLLM 0.10.1.1 (stated in the file): before 0.19.0 a waiting request is admitted when "
                            "its first chunk fits"]
    assert bench_rec["replay"][-1][1]["engine_version"] is None  # each level keeps its own (bench.replay)
    # the caller's version stands for every level's: one note, said to come from --engine-version
    out = api.check_bench(["a.json"], "h100", engine_version="0.11.0")
    assert out["notes"] == ["vLLM 0.11.0 (--engine-version): before 0.19.0 a waiting request is admitted when "
                            "its first chunk fits"]
    assert bench_rec["replay"][-1][1]["engine_version"] == "0.11.0"
    assert api.check_bench(["a.json"], "h100", engine_version="0.19.0")["notes"] == []
    # a vLLM run older than SGLang's overlap cut-off (0.4.0) gets vLLM's note only, not SGLang's
    assert api.check_bench(["a.json"], "h100", engine_version="0.3.0")["notes"] == [
        "vLLM 0.3.0 (--engine-version): before 0.19.0 a waiting request is admitted when its first chunk fits"]


def test_check_bench_notes_sglang_before_0_4_and_not_vllms_rule(bench_rec, monkeypatch):
    # SGLang's overlap scheduler is on by default from 0.4.0 (OVERLAP_SCHEDULE["since"] = (0, 4, 0)):
    # 0.3.0 gets the note; 0.4.0 itself none; vLLM's 0.19.0 admission rule is not SGLang's (0.3.0 < 0.19.0)
    _levels_with_versions(monkeypatch, [None, None])
    out = api.check_bench(["a.json"], "h100", engine="sglang", engine_version="0.3.0")
    assert out["notes"] == ["SGLang 0.3.0 (--engine-version): before 0.4.0 the overlap scheduler is off by default"]
    assert api.check_bench(["a.json"], "h100", engine="sglang", engine_version="0.4.0")["notes"] == []
    _levels_with_versions(monkeypatch, ["0.3.1"])
    assert api.check_bench(["a.json"], "h100", engine="sglang")["notes"] == [
        "SGLang 0.3.1 (stated in the file): before 0.4.0 the overlap scheduler is off by default"]


def test_check_bench_refuses_a_version_it_cannot_read_before_reading_the_files(bench_rec):
    with pytest.raises(KvplanError) as e:
        api.check_bench(["a.json"], "h100", engine_version="latest")
    assert str(e.value) == "engine_version must be a version such as 0.11.0, got 'latest'"
    assert e.value.option == "engine_version" and bench_rec["read"] == []


def test_check_bench_calibration_replays_at_the_version_given(bench_rec):
    api.check_bench(["a.json"], "h100", calibrate="out.yaml", engine_version="0.18.1")
    assert bench_rec["calibrate"][-1][1]["engine_version"] == "0.18.1"
