"""Issue 25: the pieces of ``kvplan plan`` (plan/deploy.py) one at a time, each number checkable by hand:
a candidate's JSON fields, its price arithmetic, the price table's parsing, the KV link's seconds,
the prefill/decode split of a disaggregated pair, the task list, and the Ray path (on a stand-in
``ray`` module that does what Ray's API says: ``remote(f).remote(x)`` then ``get`` runs f(x))."""
import math
import sys
import types

import pytest

from kvplan.cli.common import flag
from kvplan.errors import KvplanError, render
from kvplan.plan import costs
from kvplan.plan import deploy as d
from kvplan.sources import catalog


def workload(**kw):
    base = dict(model="llama-3.1-8b", rate=4.0, prompt_tokens="1024", output_tokens="128",
                ttft_p90_ms=1000.0, itl_p90_ms=60.0, requests=40, prices={"h100-sxm-80gb": (2.0, "src h"),
                                                                           "l40s": (1.0, "src l")})
    base.update(kw)
    return d.Workload(**base)


# ---- a candidate -------------------------------------------------------------------------------------
CAND = d.Candidate("disaggregated", "h100-sxm-80gb", 2, 3, 64, prefill_tp=4, prefill_replicas=5, link="nvlink",
                   transfer_ms=1.5, ttft_p90_ms=200.0, itl_p90_ms=20.0, offered_output_tokens_per_s=800.0,
                   saturated=True, usd_per_hour=44.0, usd_per_m_output=15.0, meets=True, note="n", dp=6, ep=7)


def test_as_dict_holds_every_field_and_the_gpu_count():
    # GPUs: tp × dp × replicas + prefill_tp × prefill_replicas = 2 × 6 × 3 + 4 × 5 = 56
    assert CAND.as_dict() == {
        "mode": "disaggregated", "gpu": "h100-sxm-80gb", "tp": 2, "replicas": 3, "max_num_seqs": 64,
        "prefill_tp": 4, "prefill_replicas": 5, "link": "nvlink", "transfer_ms": 1.5, "ttft_p90_ms": 200.0,
        "itl_p90_ms": 20.0, "offered_output_tokens_per_s": 800.0, "saturated": True, "usd_per_hour": 44.0,
        "usd_per_m_output": 15.0, "meets": True, "note": "n", "dp": 6, "ep": 7, "dp_attention": False,
        "gpus": 56}


def test_layouts():
    assert CAND.layout == "P 5×tp4 + D 3×tp2"
    agg = d.Candidate("aggregated", "h100-sxm-80gb", 2, 3, 64)
    assert agg.layout == "3×tp2" and agg.gpus == 6
    assert d.replace(agg, dp=4, ep=8).layout == "3×tp2×dp4 EP"
    assert d.replace(agg, ep=2).layout == "3×tp2 EP"


# ---- its price -----------------------------------------------------------------------------------------
def reqs(*outputs):
    from kvplan.plan import simulate as sim

    return [sim.Request(0.0, 100, o) for o in outputs]


def test_finish_prices_gpus_times_dollars_per_hour_over_the_offered_output_tokens():
    w = workload(rate=4.0, ttft_p90_ms=200.0, itl_p90_ms=20.0)
    c = d.replace(CAND, dp=1, saturated=False, usd_per_hour=0.0, usd_per_m_output=None, meets=False)
    got = d._finish(c, w, reqs(100, 300), 2.5)
    # GPUs 2 × 3 + 4 × 5 = 26; 26 × $2.5 = $65/h; output 4 requests/s × mean(100, 300) = 800 tokens/s
    # = 2,880,000 tokens/h: $65 / 2.88 M = $22.569.../M
    assert got.gpus == 26 and got.usd_per_hour == 65.0 and got.offered_output_tokens_per_s == 800.0
    assert got.usd_per_m_output == pytest.approx(65 / 2.88)
    assert got.meets  # both p90s exactly at their targets: met (<=)


@pytest.mark.parametrize("change", [dict(saturated=True), dict(ttft_p90_ms=None), dict(itl_p90_ms=None),
                                    dict(ttft_p90_ms=200.001), dict(itl_p90_ms=20.001)])
def test_finish_meets_only_unsaturated_with_both_p90s_within(change):
    w = workload(ttft_p90_ms=200.0, itl_p90_ms=20.0)
    c = d.replace(CAND, **{"saturated": False, "meets": True, **change})
    assert d._finish(c, w, reqs(10), 1.0).meets is False


def test_finish_with_no_output_has_no_price_per_token():
    got = d._finish(d.replace(CAND, dp=1), workload(), reqs(0, 0), 1.0)
    assert got.usd_per_m_output is None and got.usd_per_hour == 26.0


def test_a_gpu_without_a_price_says_so():
    with pytest.raises(KvplanError, match=r"^no hourly price for a100; add it with --prices FILE$"):
        d._price(workload(), "a100")
    assert d._price(workload(), "l40s") == 1.0


# ---- the price table --------------------------------------------------------------------------------------
def test_price_sources_row_then_file_then_path(tmp_path):
    f = tmp_path / "p.yaml"
    f.write_text("source: the file's\nprices:\n  h100: {usd_per_hour: 2, source: the row's}\n  l40s: 1.25\n")
    assert costs.load_prices(f) == {"h100-sxm-80gb": (2.0, "the row's"), "l40s": (1.25, "the file's")}
    f.write_text("prices:\n  l40s: {usd_per_hour: 3}\n")
    assert costs.load_prices(str(f)) == {"l40s": (3.0, str(f))}
    assert isinstance(costs.load_prices(f)["l40s"][0], float)


@pytest.mark.parametrize("body,msg", [
    ("prices:\n  l40s: true\n", "l40s: usd_per_hour must be a number > 0, got True"),
    ("prices:\n  l40s: .inf\n", "l40s: usd_per_hour must be a number > 0, got inf"),
    ("prices:\n  l40s: 0\n", "l40s: usd_per_hour must be a number > 0, got 0"),
    ("prices:\n  l40s: '2'\n", "l40s: usd_per_hour must be a number > 0, got '2'"),
    ("prices:\n  l40s: {source: x}\n", "l40s: usd_per_hour must be a number > 0, got None"),
    ("prices:\n  nosuch: 1\n", "unknown GPU 'nosuch' (see kvplan gpus)"),
    ("prices: [1]\n", "needs a 'prices:' map of GPU name -> usd_per_hour"),
    ("- 1\n", "needs a 'prices:' map of GPU name -> usd_per_hour"),
])
def test_bad_price_tables_are_one_line(tmp_path, body, msg):
    f = tmp_path / "p.yaml"
    f.write_text(body)
    with pytest.raises(KvplanError) as e:
        costs.load_prices(f)
    assert str(e.value).startswith("--prices: ") and str(e.value).endswith(msg) and "\n" not in str(e.value)


def test_the_default_price_table_is_read():
    got = costs.load_prices()
    assert got["h100-sxm-80gb"][0] > 0 and got["h100-sxm-80gb"][1].startswith("https://")


# ---- the KV link ------------------------------------------------------------------------------------------
def gpu(interconnect, bw, name="g"):
    return types.SimpleNamespace(name=name, interconnect=interconnect, interconnect_bytes_per_s=bw)


LINKS = {"infiniband": {"per_gpu_bytes_per_s": 1000}, "ethernet": {"per_node_bytes_per_s": 4000}}


def test_link_seconds_with_a_given_link_table():
    g = gpu("NVLink 9", 600)
    assert costs.link_seconds("nvlink", g, 900, LINKS) == 3.0  # 900 B / (600 / 2 B/s one way)
    assert costs.link_seconds("infiniband", g, 900, LINKS) == 0.9  # 900 / 1000
    assert costs.link_seconds("ethernet", g, 900, LINKS) == 1.8  # 900 × 8 GPUs / 4000
    with pytest.raises(KvplanError, match=r"^g has no NVLink in the catalog; use --link infiniband or ethernet$"):
        costs.link_seconds("nvlink", gpu("PCIe", 600), 900, LINKS)
    with pytest.raises(KvplanError, match="no NVLink"):
        costs.link_seconds("nvlink", gpu(None, 600), 900, LINKS)
    with pytest.raises(KvplanError, match="no NVLink"):
        costs.link_seconds("nvlink", gpu("NVLink", None), 900, LINKS)
    with pytest.raises(KvplanError, match=r"^--link must be one of auto, nvlink, infiniband, ethernet, got 'wifi'$"):
        costs.link_seconds("wifi", g, 900, LINKS)


def test_auto_link_is_nvlink_within_one_node_of_nvlink_gpus():
    t = d.Task("disaggregated", "h100", 1, 64, 1)
    h100, l40s = catalog.load_gpu("h100"), catalog.load_gpu("l40s")
    assert d._link(t, h100, 8) == "nvlink" and d._link(t, h100, 9) == "infiniband"
    assert d._link(t, l40s, 2) == "infiniband"  # PCIe only
    assert d._link(t, gpu("NVLink", None), 2) == "infiniband" and d._link(t, gpu(None, 9), 2) == "infiniband"
    assert d._link(d.replace(t, link="ethernet"), h100, 2) == "ethernet"


# ---- a disaggregated pair -----------------------------------------------------------------------------------
def test_a_disaggregated_pair_moves_each_prompts_kv_over_the_link():
    # llama-3.1-8b: 32 layers × 8 KV heads × 128 × (K, V) × 2 bytes = 131,072 bytes a token; a 1024-token
    # prompt on one prefill GPU: 134,217,728 bytes; over InfiniBand's 50 GB/s: 2.68435456 ms
    w = workload()
    got = d._disaggregated(w, d.Task("disaggregated", "h100", 1, 64, 1, "infiniband"))
    assert got and all(c.link == "infiniband" for c in got)
    assert all(c.transfer_ms == pytest.approx(134_217_728 / 50e9 * 1000) for c in got)
    # over NVLink (one node): 900 GB/s both ways, 450 GB/s one way: 0.29826... ms
    nv = d._disaggregated(w, d.Task("disaggregated", "h100", 1, 64, 1))
    assert nv[0].link == "nvlink" and nv[0].transfer_ms == pytest.approx(134_217_728 / 450e9 * 1000)
    # TP 2 prefill ranks each hold half the KV heads: half the bytes, in parallel
    tp2 = d._disaggregated(w, d.Task("disaggregated", "h100", 1, 64, 2, "infiniband"))
    assert tp2[0].transfer_ms == pytest.approx(67_108_864 / 50e9 * 1000)
    for c in got + nv + tp2:
        assert (c.mode, c.gpu, c.tp, c.max_num_seqs) == ("disaggregated", "h100-sxm-80gb", 1, 64)
        assert c.gpus == c.prefill_tp * c.prefill_replicas + c.replicas and c.usd_per_hour == 2.0 * c.gpus
        assert c.replicas >= 1 and c.prefill_replicas >= 1
    assert got[-1].meets and not any(c.meets for c in got[:-1])  # the scan stops at the first that meets


def test_a_disaggregated_pair_over_the_gpu_budget_or_without_nvlink_is_noted():
    w = workload(max_gpus=1)
    got = d._disaggregated(w, d.Task("disaggregated", "h100", 1, 64, 1, "infiniband"))
    assert len(got) == 1 and render(got[0].note, flag) == "over --max-gpus 1" and got[0].gpus == 2 and got[0].ttft_p90_ms is None
    got = d._disaggregated(workload(), d.Task("disaggregated", "l40s", 1, 64, 1, "nvlink"))
    assert len(got) == 1 and got[0].note.startswith("l40s has no NVLink") and got[0].ttft_p90_ms is None


def test_a_pool_that_does_not_fit_is_noted():
    w = workload(model="llama-3.1-70b")
    got = d._disaggregated(w, d.Task("disaggregated", "l40s", 1, 64, 1))
    assert len(got) == 1 and got[0].note.startswith("does not fit: ") and got[0].prefill_tp == 1
    assert (got[0].replicas, got[0].prefill_replicas, got[0].gpus) == (0, 0, 0)
    agg = d._aggregated(w, d.Task("aggregated", "l40s", 1, 64))
    assert len(agg) == 1 and agg[0].note.startswith("does not fit: ") and agg[0].replicas == 0


def test_an_aggregated_scan_stops_at_the_gpu_budget():
    got = d._aggregated(workload(max_gpus=1), d.Task("aggregated", "h100", 2, 64))
    assert len(got) == 1 and render(got[0].note, flag) == "over --max-gpus 1" and got[0].replicas == 1 and got[0].gpus == 2


def test_evaluate_turns_an_error_into_a_noted_candidate():
    # qwen3-30b-a3b: 128 experts a MoE layer, EP 2 × 2 = 4 divides them
    got = d.evaluate(workload(model="qwen3-30b-a3b", prices={}), d.Task("aggregated", "h100", 2, 64, dp=2, ep=True))
    assert got == [d.Candidate("aggregated", "h100", 2, 0, 64, 0, note="no hourly price for h100-sxm-80gb; add it "
                               "with --prices FILE", dp=2, ep=4)]
    got = d.evaluate(workload(prices={}), d.Task("disaggregated", "h100", 2, 64, 4))
    assert got == [d.Candidate("disaggregated", "h100", 2, 0, 64, 4, note="no hourly price for h100-sxm-80gb; add "
                               "it with --prices FILE")]


# ---- a replica's models ---------------------------------------------------------------------------------------
def test_models_pass_the_options_and_a_decode_pool_has_no_token_budget():
    d._CACHE.clear()
    w = workload(max_model_len=4096)
    spec, g, lim, step = d._models(w, "h100", 1, 32)
    assert (spec.name, g.name, lim.max_num_seqs, lim.max_model_len) == ("llama-3.1-8b", "h100-sxm-80gb", 32, 4096)
    _, _, lim_d, step_d = d._models(w, "h100", 1, 32, decode_side=True)
    assert isinstance(step_d, d.DecodeSide) and step_d.inner is step and not isinstance(step, d.DecodeSide)
    assert step_d.decode_is_linear is step.decode_is_linear
    assert lim_d.max_num_batched_tokens == 1 << 40
    assert d.replace(lim_d, max_num_batched_tokens=lim.max_num_batched_tokens, note=lim.note,
                     frontend=lim.frontend) == lim
    assert d._models(workload(max_model_len=2048), "h100", 1, 32)[2].max_model_len == 2048  # not the cached one
    assert d._models(w, "h100", 1, 16)[2].max_num_seqs == 16
    assert d._models(w, "h100", 1, 32) is d._models(w, "h100", 1, 32)
    _, _, none, why = d._models(workload(model="llama-3.1-70b"), "l40s", 1, 32)
    assert none is None and isinstance(why, str) and why


# ---- the task list and the search -----------------------------------------------------------------------------
def test_tasks_for_lists_every_configuration():
    T = d.Task
    assert d.tasks_for(["h100"], (1, 2), (64,), True, "infiniband", ep_pairs=((2, 4),)) == [
        T("aggregated", "h100", 2, 64, link="infiniband", dp=4, ep=True),
        T("aggregated", "h100", 1, 64, link="infiniband"),
        T("disaggregated", "h100", 1, 64, 1, "infiniband"), T("disaggregated", "h100", 1, 64, 2, "infiniband"),
        T("aggregated", "h100", 2, 64, link="infiniband"),
        T("disaggregated", "h100", 2, 64, 1, "infiniband"), T("disaggregated", "h100", 2, 64, 2, "infiniband")]
    assert d.tasks_for(["h100", "l40s"], (1,), (32, 64), False) == [
        T("aggregated", g, 1, s) for g in ("h100", "l40s") for s in (32, 64)]
    assert len(d.tasks_for(["h100"])) == 4 * 4 * (1 + 4)  # the defaults: TP 1, 2, 4, 8 × 4 max_num_seqs


def fake(task):
    c = {"a": (5.0, 4), "b": (3.0, 8), "c": (3.0, 2), "d": (None, 1)}[task.gpu]
    meets = task.gpu != "d"
    return [d.Candidate("aggregated", task.gpu, 1, c[1], 64, ttft_p90_ms=1.0 if meets else None,
                        usd_per_m_output=c[0], meets=meets)]


def test_search_ranks_by_price_then_gpus_and_names_the_price_sources(monkeypatch):
    monkeypatch.setattr(d, "evaluate", lambda w, t: fake(t))
    w = workload(prices={"a": (1.0, "sa"), "b": (1.0, "sb"), "z": (1.0, "sz")})
    res = d.search(w, [d.Task("aggregated", g, 1, 64) for g in "abcd"], workers=1)
    assert [c.gpu for c in res.ranked] == ["c", "b", "a"]  # $3 on 2 GPUs, $3 on 8, $5
    assert [c.gpu for c in res.candidates] == ["a", "b", "c", "d"] and res.simulated == 3
    assert (res.tasks, res.workers, res.price_sources) == (4, "process pool of 1", {"a": "sa", "b": "sb"})



def test_rows_merge_only_what_differs_in_max_num_seqs_alone_and_simulated_alike():
    C = d.Candidate

    def c(seqs, ttft=100.0, gpu="h100", replicas=1):
        return C("aggregated", gpu, 1, replicas, seqs, ttft_p90_ms=ttft, itl_p90_ms=20.0,
                 offered_output_tokens_per_s=500.0, usd_per_hour=3.0, usd_per_m_output=1.0, meets=True)

    ranked = (c(64), c(128), c(256), c(32, ttft=100.5), c(64, replicas=2), c(128, gpu="l40s"))
    res = d.PlanResult(workload(), ranked, ranked, 6, "process pool of 1")
    assert [(r.max_num_seqs, r.replicas, r.gpu, alike) for r, alike in res.rows] == [
        (64, 1, "h100", (128, 256)),  # 128 and 256 simulated alike: one row
        (32, 1, "h100", ()),  # its TTFT p90 differs by 0.5 ms: not merged
        (64, 2, "h100", ()),  # another replica count
        (128, 1, "l40s", ())]  # another GPU
    from kvplan.render.deploy import as_dict, render, verdicts

    text = render(res, top=2)
    table = [ln for ln in text.splitlines() if ln[:2] in (" 1", " 2")]
    assert [ln.split()[3] for ln in table] == ["64*", "32"]
    assert "(*: the larger max_num_seqs values tried simulate alike" in text
    assert "(max_num_seqs 128, 256 simulated alike" in " ".join(verdicts(res)[0].split())
    doc = as_dict(res)
    assert len(doc["ranked"]) == 6 and [r["alike_max_num_seqs"] for r in doc["rows"]] == [[128, 256], [], [], []]
    assert [r["ranked_index"] for r in doc["rows"]] == [1, 4, 5, 6]



@pytest.mark.parametrize("field,other", [
    ("mode", "disaggregated"), ("gpu", "l40s"), ("tp", 2), ("replicas", 2), ("prefill_tp", 1),
    ("prefill_replicas", 1), ("link", "nvlink"), ("dp", 2), ("ep", 2), ("dp_attention", True),
    ("ttft_p90_ms", 100.001), ("itl_p90_ms", 20.001), ("offered_output_tokens_per_s", 500.001), ("saturated", True),
    ("usd_per_m_output", 1.001), ("transfer_ms", 0.001)])
def test_rows_keep_apart_what_differs_in_anything_but_max_num_seqs(field, other):
    base = dict(mode="aggregated", gpu="h100", tp=1, replicas=1, max_num_seqs=64, ttft_p90_ms=100.0,
                itl_p90_ms=20.0, offered_output_tokens_per_s=500.0, usd_per_hour=3.0, usd_per_m_output=1.0, meets=True)
    a, b = d.Candidate(**base), d.Candidate(**dict(base, max_num_seqs=128, **{field: other}))
    res = d.PlanResult(workload(), (a, b), (a, b), 2, "process pool of 1")
    assert [(c.max_num_seqs, alike) for c, alike in res.rows] == [(64, ()), (128, ())]
    same = d.Candidate(**dict(base, max_num_seqs=128))
    res = d.PlanResult(workload(), (a, same), (a, same), 2, "process pool of 1")
    assert [(c.max_num_seqs, alike) for c, alike in res.rows] == [(64, (128,))]


def test_rows_are_the_ranked_survivors_in_rank_order_not_every_candidate():
    # candidates in task order with one that missed the SLA (no p90s); ranked: the two survivors,
    # cheapest first (h100 at $1 per M before l40s at $2). rows follow ranked: 2 rows, h100 first,
    # the failed one left out (iterating candidates would give 3 rows, l40s first)
    def c(gpu, usd, seqs=64, meets=True):
        return d.Candidate("aggregated", gpu, 1, 1, seqs, ttft_p90_ms=100.0 if meets else None,
                           itl_p90_ms=20.0 if meets else None, offered_output_tokens_per_s=500.0, usd_per_hour=3.0,
                           usd_per_m_output=usd, meets=meets)

    l40s, failed, h100 = c("l40s", 2.0), c("h100", 1.0, seqs=32, meets=False), c("h100", 1.0)
    res = d.PlanResult(workload(), (l40s, failed, h100), (h100, l40s), 3, "process pool of 1")
    assert [(r.gpu, r.max_num_seqs, alike) for r, alike in res.rows] == [("h100", 64, ()), ("l40s", 64, ())]


# ---- Ray -------------------------------------------------------------------------------------------------
def fake_ray(initialized=False, fail=None):
    calls = []
    ray = types.ModuleType("ray")

    def init(**kw):
        calls.append(("init", kw))
        if fail:
            raise fail

    ray.is_initialized = lambda: initialized
    ray.init = init
    ray.shutdown = lambda: calls.append(("shutdown",))
    ray.remote = lambda f: types.SimpleNamespace(remote=lambda x: ("ref", f, x))
    ray.get = lambda refs: [f(x) for _, f, x in refs]
    ray.cluster_resources = lambda: {"CPU": 12.0}
    return ray, calls


def test_the_ray_path_runs_each_task_remotely_and_shuts_down_what_it_started(monkeypatch):
    monkeypatch.setattr(d, "evaluate", lambda w, t: fake(t) if isinstance(w, d.Workload) else [])
    ray, calls = fake_ray()
    monkeypatch.setitem(sys.modules, "ray", ray)
    w = workload()
    tasks = [d.Task("aggregated", g, 1, 64) for g in "ab"]
    rows, how = d._on_ray(w, tasks, "ray://head:10001")
    assert rows == [fake(t) for t in tasks] and how == "Ray cluster at ray://head:10001 (12 CPUs)"
    assert calls == [("init", {"address": "ray://head:10001", "ignore_reinit_error": True, "log_to_driver": False}),
                     ("shutdown",)]
    res = d.search(w, tasks, ray_address="auto")
    assert res.workers == "Ray cluster at auto (12 CPUs)" and [c.gpu for c in res.ranked] == ["b", "a"]


def test_a_running_ray_is_used_and_left_running(monkeypatch):
    monkeypatch.setattr(d, "evaluate", lambda w, t: fake(t))
    ray, calls = fake_ray(initialized=True)
    monkeypatch.setitem(sys.modules, "ray", ray)
    ray.cluster_resources = lambda: {}  # no CPU resource reported: 0
    rows, how = d._on_ray(workload(), [d.Task("aggregated", "a", 1, 64)], "auto")
    assert rows == [fake(d.Task("aggregated", "a", 1, 64))] and calls == [] and how == "Ray cluster at auto (0 CPUs)"


@pytest.mark.parametrize("err,msg", [
    (ConnectionError("no cluster at x\nsecond line"), "--ray x: cannot connect: no cluster at x"),
    (RuntimeError(""), "--ray x: cannot connect: "),
])
def test_a_ray_that_cannot_connect_is_one_line(monkeypatch, err, msg):
    ray, _ = fake_ray(fail=err)
    monkeypatch.setitem(sys.modules, "ray", ray)
    with pytest.raises(KvplanError) as e:
        d._on_ray(workload(), [], "x")
    assert str(e.value) == msg


def test_without_ray_the_ray_path_says_how_to_install_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "ray", None)  # import ray raises ImportError
    with pytest.raises(KvplanError, match=r"^--ray needs Ray: pip install 'kvplan\[ray\]'$"):
        d._on_ray(workload(), [], "auto")


# ---- the simulated requests and one replica's capacity -----------------------------------------------------
@pytest.mark.parametrize("field,flag", [("prompt_tokens", "--prompt-tokens"), ("output_tokens", "--output-tokens")])
def test_request_lengths_are_capped_at_2_to_the_30_and_errors_name_the_flag(field, flag):
    # 1 << 30 = 1,073,741,824 tokens is the most either length may be
    with pytest.raises(KvplanError, match=rf"^{flag} must be between 1 and 1,073,741,824, got 1,073,741,825$"):
        d._requests(workload(**{field: "1073741825"}), 3, 1.0, 0)
    assert len(d._requests(workload(**{field: "1073741824"}), 3, 1.0, 0)) == 3


def test_requests_are_reproducible_and_each_seed_draws_new_ones():
    w = workload(prompt_tokens="normal:1000,300,1,4000", output_tokens="normal:100,30,1,400")
    a, b, c = d._requests(w, 30, 2.0, 5), d._requests(w, 30, 2.0, 5), d._requests(w, 30, 2.0, 6)
    assert a == b
    for get in (lambda q: q.arrival_s, lambda q: q.prompt, lambda q: q.output):
        assert [get(q) for q in a] != [get(q) for q in c]
    assert d._requests(w, 30, None, 5)[-1].arrival_s == 0.0  # no rate: every request waits at 0
    assert [q.output for q in d._requests(w, 30, 2.0, 5, "7")] == [7] * 30


def test_capacity_is_one_replica_with_max_num_seqs_clients(monkeypatch):
    from kvplan.plan import simulate as sim

    d._CACHE.clear()
    w = workload(prompt_tokens="16", output_tokens="64")
    _, _, lim, step = d._models(w, "h100", 1, 16)
    seen = []
    real_requests, real_run = d._requests, sim.run
    monkeypatch.setattr(d, "_requests", lambda *a: seen.append(a) or real_requests(*a))
    monkeypatch.setattr(sim, "run", lambda *a, **k: seen.append(a[3:]) or real_run(*a, **k))
    mu = d._capacity(w, lim, step)
    # max(2 × 16, 64) = 64 requests, no arrival rate; one replica, 16 clients in a closed loop
    assert seen[0][1:3] == (64, None) and seen[0][4] is None and seen[1] == (1, "least-loaded", 0, 16)
    seen.clear()
    mu1 = d._capacity(w, lim, step, "1")
    assert seen[0][4] == "1"
    # 64 requests of 16 prompt tokens and one output token on one H100 take well under a second:
    # more than 64 requests/s, and more than with 64 output tokens each
    assert math.isfinite(mu1) and mu1 > 64 and mu1 > mu > 0
    _, _, lim64, step64 = d._models(w, "h100", 1, 64)
    seen.clear()
    d._capacity(w, lim64, step64)
    assert seen[0][1] == 128 and seen[1][-1] == 64  # 2 × 64 requests


def test_a_budget_of_exactly_the_gpus_needed_is_simulated():
    # --max-gpus 2: one TP-2 replica, or a 1 + 1 GPU pair, is within it (<=), and the scans start
    # at one replica (the offered 4 requests/s are within one H100's capacity)
    agg = d._aggregated(workload(max_gpus=2), d.Task("aggregated", "h100", 2, 64))
    assert agg[0].replicas == 1 and agg[0].gpus == 2 and agg[0].ttft_p90_ms is not None and agg[0].note == ""
    pair = d._disaggregated(workload(max_gpus=2), d.Task("disaggregated", "h100", 1, 64, 1, "infiniband"))
    assert (pair[0].replicas, pair[0].prefill_replicas) == (1, 1) and pair[0].ttft_p90_ms is not None


def test_an_unreadable_price_table_is_one_line_naming_it(tmp_path):
    f = tmp_path / "p.yaml"
    f.write_bytes(b"prices:\n  l40s: \xff\n")
    with pytest.raises(KvplanError, match=r"^--prices: .*p\.yaml: not UTF-8 text .*; a price table must be UTF-8$"):
        costs.load_prices(f)
    with pytest.raises(KvplanError, match=r"^--prices: cannot read .*nothere\.yaml"):
        costs.load_prices(tmp_path / "nothere.yaml")


def test_a_decode_side_step_keeps_the_engines_defaults_and_longest_context():
    from kvplan.plan.latency.step import OpLatency

    rf = OpLatency(catalog.load_model("llama-3.1-8b"), catalog.load_gpu("h100"))
    side = d.DecodeSide(rf)
    # an arriving 2048-token prompt is one more decode row at 2048: 3 + 1 rows, 3000 + 2048 context
    assert side.mixed_sum([(0, 2048)], 3, 3000) == rf.mixed_sum([], 4, 5048)  # a Step, ctx_max 0
    assert side.mixed_sum([(0, 2048)], 3, 3000, 4096) == rf.mixed_sum([], 4, 5048, 4096)


def test_search_uses_every_core_by_default(monkeypatch):
    monkeypatch.setattr(d, "evaluate", lambda w, t: fake(t))
    tasks = [d.Task("aggregated", g, 1, 64) for g in "ab"]
    monkeypatch.setattr(d.os, "cpu_count", lambda: 2)
    assert d.search(workload(), tasks).workers == "process pool of 2"
    monkeypatch.setattr(d.os, "cpu_count", lambda: None)  # unknown: one
    assert d.search(workload(), tasks).workers == "process pool of 1"


def test_half_a_token_a_second_is_still_priced():
    # 0.5 requests/s × 1 output token = 0.5 tokens/s = 1,800 tokens/h; 26 GPUs × $1 = $26/h: $14,444.4/M
    got = d._finish(d.replace(CAND, dp=1), workload(rate=0.5), reqs(1), 1.0)
    assert got.offered_output_tokens_per_s == 0.5 and got.usd_per_m_output == pytest.approx(26 / 1800 * 1e6)


def test_a_saturated_prefill_pool_grows_the_prefill_pool(monkeypatch):
    # the bug session 9 found: a saturated pair grew only its decode pool, so a pair whose prefill
    # pool saturates within the TTFT target was scanned to 9 decode replicas and never met.
    # The scan starts at 1 + 1 (the lower bound replaced by an endless capacity); 64 requests/s of
    # 2048-token prompts is 131,072 prompt tokens/s: 2 × 7.5 G params × 131,072 = 1.97 PFLOP/s,
    # twice an H100's 0.99 dense BF16 PFLOP/s, so the one prefill replica saturates
    monkeypatch.setattr(d, "_capacity", lambda *a, **k: math.inf)
    w = workload(rate=64.0, prompt_tokens="2048", output_tokens="16", requests=60, ttft_p90_ms=1e9, itl_p90_ms=1e9)
    got = d._disaggregated(w, d.Task("disaggregated", "h100", 1, 64, 1, "infiniband"))
    assert (got[0].prefill_replicas, got[0].replicas, got[0].saturated, got[0].meets) == (1, 1, True, False)
    assert got[0].itl_p90_ms < 1e9 and got[0].ttft_p90_ms < 1e9  # both targets met: only the saturation grows
    assert (got[1].prefill_replicas, got[1].replicas) == (2, 1)  # the prefill pool, not the decode pool
    assert got[-1].meets and len(got) < 9


def test_a_saturated_decode_pool_grows_the_decode_pool(monkeypatch):
    # 64 requests/s of 256 output tokens on one decode replica of max_num_seqs 32: a decode step
    # reads at least llama-3.1-8b's 15 GB of weights at the H100's 3.35 TB/s (4.5 ms), so a request
    # holds its sequence slot >= 256 × 4.5 ms = 1.15 s and 32 slots serve <= 28 requests/s: the
    # decode pool saturates (16-token prompts: the prefill pool does not)
    monkeypatch.setattr(d, "_capacity", lambda *a, **k: math.inf)
    w = workload(rate=64.0, prompt_tokens="16", output_tokens="256", requests=60, ttft_p90_ms=1e9, itl_p90_ms=1e9)
    got = d._disaggregated(w, d.Task("disaggregated", "h100", 1, 32, 1, "infiniband"))
    assert (got[0].prefill_replicas, got[0].replicas, got[0].saturated, got[0].meets) == (1, 1, True, False)
    assert (got[1].prefill_replicas, got[1].replicas) == (1, 2)  # the decode pool, not the prefill pool
