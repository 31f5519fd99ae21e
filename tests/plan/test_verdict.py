"""Three answers (issue 20): fits / at risk / does not fit, with the margin and the term whose
uncertainty decides it (kvplan/plan/verdict.py)."""
import json

from typer.testing import CliRunner

from kvplan.cli import app
from kvplan.engines import BudgetPart, Capacity, ServeOptions
from kvplan.plan import fit
from kvplan.plan.fit import Stage
from kvplan.plan.verdict import judge
from kvplan.sources import catalog

GiB = 2**30


def run(*args):
    return CliRunner().invoke(app, list(args))


def _stage(kv: int, unc: dict) -> Stage:
    parts = [BudgetPart("weights", "weights", 10 * GiB)]
    parts += [BudgetPart(k, k, GiB, "estimated", u) for k, u in unc.items()]
    parts += [BudgetPart("kv_cache", "KV cache", kv), BudgetPart("unused", "unused", GiB)]
    return Stage(0, 0, 1, 1, 10 * GiB, parts)


def _cap(need: int, fits: bool = True) -> Capacity:
    return Capacity(fits, 1000, 0, 0.0, need, detail={"bytes_per_block": 0})


def test_margin_and_deciding_term_by_hand():
    # KV budget 3 GiB, one request needs 2 GiB: margin 1 GiB. Estimated parts ±0.25 and ±1 GiB
    # (±1.25 together, more than the margin): at risk, decided by the ±1 GiB part.
    s = _stage(3 * GiB, {"activation": GiB // 4, "cuda_graphs": GiB})
    v = judge("ideal", [s], _cap(2 * GiB), True)
    assert (v.verdict, v.margin_bytes, v.uncertainty_bytes, v.deciding_term) == \
        ("at_risk", GiB, 5 * GiB // 4, "cuda_graphs")
    # the same margin with every part computed (uncertainty 0): fits
    v = judge("ideal", [_stage(3 * GiB, {"activation": 0})], _cap(2 * GiB), True)
    assert (v.verdict, v.deciding_term) == ("fits", None)
    # margin 1 GiB beyond the ±0.5 GiB: fits
    assert judge("ideal", [_stage(3 * GiB, {"activation": GiB // 2})], _cap(2 * GiB), True).verdict == "fits"
    # the engine refuses: does not fit, whatever the estimates, and never at risk
    v = judge("ideal", [_stage(GiB, {"cuda_graphs": GiB})], _cap(2 * GiB, False), False)
    assert (v.verdict, v.margin_bytes, v.deciding_term) == ("does_not_fit", -GiB, "cuda_graphs")


def _vllm(model, gpu, **kw):
    return fit.fit(catalog.load_model(model), catalog.load_gpu(gpu), engine="vllm", opts=ServeOptions(**kw))


def test_gpt_oss_120b_on_one_h100_does_not_fit_at_090_and_095():
    """vLLM found −2.14 GiB (0.9, vllm#23278) and 1.71 GiB (0.95, vllm#27508) and stopped."""
    for util in (0.9, 0.95):
        r = _vllm("gpt-oss-120b", "h100", gpu_memory_utilization=util)
        assert r.verdict == "does_not_fit" and r.margin_bytes < 0 and not r.fits


def test_llama_8b_on_a_3090_at_29000_is_not_called_fits():
    """vLLM refused it (vllm#10517, V0); kvplan's margin is inside the estimates' error."""
    r = _vllm("llama-3.1-8b", "rtx-3090", max_model_len=29000)
    assert r.fits and r.verdict == "at_risk"
    # the CUDA graphs, ±1.23 GiB, the largest estimated part: vLLM 0.33's V2 sampler warm-up is
    # derived (engines/vllm/startup.yaml v2_sampler_0_33_source), so the activation peak carries
    # its 0.90 GiB alone (±1.89 GiB while that warm-up was not derived)
    assert r.deciding_term == "cuda_graphs"
    a = next(p for p in r.stages[0].budget if p.key == "activation")
    assert a.uncertainty == 966_367_641
    assert 0 < r.margin_bytes <= r.judgement.uncertainty_bytes


def test_fixed_kv_memory_has_no_estimated_part():
    r = _vllm("llama-3.1-8b", "h100", kv_cache_memory=10 * GiB, max_model_len=8192)
    assert r.verdict == "fits" and r.judgement.uncertainty_bytes == 0


def test_cli_exit_codes_json_and_explain():
    ok = run("fit", "llama-3.1-8b", "--gpu", "h100", "--json")
    d = json.loads(ok.stdout)
    assert ok.exit_code == 0 and d["verdict"] == "fits" and d["margin_bytes"] > 0 and d["deciding_term"] is None
    risk = run("fit", "llama-3.1-8b", "--gpu", "rtx-3090", "--max-model-len", "29000", "--json")
    d = json.loads(risk.stdout)
    assert risk.exit_code == 3 and d["verdict"] == "at_risk" and d["deciding_term"] == "cuda_graphs"
    assert d["fits"] is True  # the engine's own check passes; the verdict says how sure that is
    assert {p["key"]: p["uncertainty_bytes"] for p in d["budget"]}["cuda_graphs"] == 1_320_702_443
    no = run("fit", "gpt-oss-120b", "--gpu", "h100", "--json")
    d = json.loads(no.stdout)
    assert no.exit_code == 1 and d["verdict"] == "does_not_fit" and d["margin_bytes"] < 0
    ex = run("fit", "llama-3.1-8b", "--gpu", "rtx-3090", "--max-model-len", "29000", "--explain")
    assert ex.exit_code == 3
    assert "at risk: fits by" in ex.stdout and "verdict: at risk" in ex.stdout and "cuda_graphs" in ex.stdout


def test_gpt_oss_120b_weights_as_loaded_in_the_refusal():
    """The message counts the MXFP4 post-load growth under the weights: 65.97 GiB as vLLM logs
    (vllm#23278, "Model loading took 65.9651 GiB"), within 1 %. Planned at the log's release,
    0.10.1 (the V1 runner's sampler leaves no KV budget; 0.33's V2 warm-up leaves 0.88 GiB, and the
    refusal is then vLLM's one-request check)."""
    r = _vllm("gpt-oss-120b", "h100", vllm_version="0.10.1")
    loaded = int(r.message.split("needs ")[1].split(" bytes")[0].replace(",", ""))
    assert abs(loaded / GiB - 65.9651) / 65.9651 < 0.01
    assert "bytes of weights as loaded plus" in r.message


def test_sglang_budget_from_its_code_by_hand():
    """SGLang 0.5.23 kv_cache_configurator.py _profile_available_bytes: KV = (total − used before
    the baseline) × mem_fraction_static − loaded; used before on one datacenter GPU = 681,826,058
    bytes and 219,911,823 allocated while loading beyond the weights (both read from fit-side logs,
    engines/sglang_startup.py PRE_LOAD_TP1, LOAD_EXTRA). Llama-3.1-8B on an H100 at 0.8: weights
    8,030,261,248 × 2 = 16,060,522,496; (84,938,346,987 − 681,826,058) × 0.8 = 67,405,216,743
    (int; the total is CUDA's, gpus.yaml cuda_memory_bytes); KV = 67,405,216,743 − 16,060,522,496
    − 219,911,823 = 51,124,782,424."""
    r = fit.fit(catalog.load_model("llama-3.1-8b"), catalog.load_gpu("h100"), engine="sglang",
                opts=ServeOptions(gpu_memory_utilization=0.8))
    assert r.weights_bytes == 16_060_522_496
    assert r.kv_budget_bytes == 51_124_782_424
    parts = {p.key: p for p in r.stages[0].budget}
    assert parts["non_torch"].bytes == 681_826_058 and parts["non_torch"].uncertainty == 2**29
    assert parts["load_extra"].bytes == parts["load_extra"].uncertainty == 219_911_823
    assert sum(p.bytes for p in r.stages[0].budget) == 84_938_346_987


def _unused_stage(unused: int, unc: int = 0) -> Stage:
    parts = [BudgetPart("weights", "weights", 10 * GiB), BudgetPart("cuda_graphs", "g", GiB, "estimated", unc),
             BudgetPart("kv_cache", "KV cache", 8 * GiB), BudgetPart("unused", "unused", unused)]
    return Stage(0, 0, 1, 1, 10 * GiB, parts)


def test_after_sizing_block_tables_against_what_the_share_leaves():
    """vLLM's V1 runner rebuilds its input batch after sizing with a block table per KV cache
    group (gpu_model_runner.py may_reinitialize_input_batch, 0.12.0): the groups past the first
    must fit in the unused share; short by a byte: does not fit; within one table and the
    estimated errors: at risk (post_sizing); a byte more: fits."""
    from kvplan.engines.vllm.startup import post_sizing_block_tables
    groups = [{"block_size": 16}] * 4
    # 1,024 rows × cdiv(8,388,608, 16) = 524,288 int32 entries = 2 GiB a table, 3 past the first
    extra = post_sizing_block_tables({"groups": groups, "max_num_seqs": 1024}, 8_388_608)
    assert extra == 3 * 1024 * 524_288 * 4 == 6 * GiB
    assert post_sizing_block_tables({"groups": groups, "max_num_seqs": 1024}, 8_388_609) == extra + 3 * 1024 * 4
    assert post_sizing_block_tables({"groups": groups[:1], "max_num_seqs": 1024}, 8_388_608) == 0
    cap = Capacity(True, 1000, 0, 0.0, GiB, detail={"bytes_per_block": 0, "groups": groups,
                                                    "post_sizing_bytes": extra})
    one, unc = 2 * GiB, GiB // 2

    def v(unused):
        return judge("vllm", [_unused_stage(unused, unc)], cap, True)
    assert (v(extra - 1).verdict, v(extra - 1).deciding_term, v(extra - 1).margin_bytes) == \
        ("does_not_fit", "post_sizing", -1)
    assert (v(extra).verdict, v(extra).deciding_term, v(extra).margin_bytes, v(extra).uncertainty_bytes) == \
        ("at_risk", "post_sizing", 0, one + unc)
    assert (v(extra + one + unc).verdict, v(extra + one + unc).deciding_term) == ("at_risk", "post_sizing")
    assert v(extra + one + unc + 1).verdict == "fits"
    # another engine, or no term: the check does not apply
    assert judge("ideal", [_unused_stage(extra - 1, unc)], cap, True).verdict == "fits"
    cap0 = Capacity(True, 1000, 0, 0.0, GiB, detail={"bytes_per_block": 0, "groups": groups})
    assert judge("vllm", [_unused_stage(0, unc)], cap0, True).verdict == "fits"


def test_llama_4_scout_8m_on_8_h200_at_095_is_not_fits():
    """coderepo (fit side, round 16): vLLM 0.12.0 at 0.95 stopped with a CUDA OOM warming up the
    sampler after sizing; at 0.90 it started (89.71 GiB). 4 KV cache groups (3 chunked, 1 full),
    max_num_seqs 1,024: 6 GiB of block tables after sizing against 6.99 GiB unused."""
    m, g = catalog.load_model("llama-4-scout"), catalog.load_gpu("h200-sxm-141gb")

    def go(util):
        return fit.fit(m, g, tp=8, engine="vllm", opts=ServeOptions(
            gpu_memory_utilization=util, max_model_len=8_388_608, vllm_version="0.12.0"))
    r95, r90 = go(0.95), go(0.9)
    # since session 20 the check also holds what sits before vLLM's snapshot (TP 8: context, NCCL and custom
    # all-reduce, 1.91 GiB) and the warm-up's fragmentation: 6.99 - 1.91 - 6 - 0.65 GiB is short, the refusal
    assert r95.verdict == "does_not_fit" and r95.judgement.deciding_term == "post_sizing"
    assert r95.judgement.why.endswith("short by 1.57 GiB")
    assert r95.capacity.detail["post_sizing_bytes"] == 6 * GiB
    # 0.12.0 captures its CUDA graphs after sizing too (startup.yaml cuda_graph_estimate_charged_from)
    assert (r95.capacity.detail["post_sizing_graph_bytes"], r95.capacity.detail["post_sizing_graph_uncertainty"]) == \
        (697_932_185, 1_320_702_443)
    # at 0.9 it started: 13.98 - 1.91 - 6 - 0.65 = 5.42 GiB to spare, within one table (2 GiB), the estimated
    # parts' ±1.47, the graphs' ±1.23, the outside part's ±0.50 and the warm-up's 1.79 GiB: at risk, not refused
    assert r90.verdict == "at_risk" and r90.judgement.deciding_term == "post_sizing"


def test_after_sizing_graphs_against_what_the_share_leaves():
    """A release that captures its CUDA graphs after sizing (the V1 runner up to 0.19) charges them in
    no budget: the fitted 697,932,185 bytes (±1,320,702,443) must fit in the unused share. Short by
    a byte: does not fit; within the graphs' own uncertainty: at risk (post_sizing), the band that
    alone (the estimated parts of the budget do not move what is left after the cache); beyond: fits."""
    g, gu = 697_932_185, 1_320_702_443
    cap = Capacity(True, 1000, 0, 0.0, GiB, detail={"bytes_per_block": 0, "groups": [{"block_size": 16}],
                                                    "post_sizing_bytes": 0, "post_sizing_graph_bytes": g,
                                                    "post_sizing_graph_uncertainty": gu})

    def v(unused):
        return judge("vllm", [_unused_stage(unused, GiB // 2)], cap, True)
    short = v(g - 1)
    assert (short.verdict, short.deciding_term, short.margin_bytes) == ("does_not_fit", "post_sizing", -1)
    assert short.why == ("post_sizing: after the KV cache is sized vLLM captures its CUDA graphs (0.65 GiB estimated, "
                         "±1.23 GiB, charged in no budget; gpu_worker.py compile_or_warm_up_model, capture_model) "
                         "against the 0.65 GiB the share leaves: short by 0.00 GiB")
    edge = v(g + gu)
    assert (edge.verdict, edge.margin_bytes, edge.uncertainty_bytes) == ("at_risk", gu, gu)
    assert edge.why.endswith("1.88 GiB the share leaves: 1.23 GiB to spare, within the ±1.23 GiB the graphs' "
                             "estimate may err")
    assert v(g + gu + 1).verdict == "fits"
    # with block tables too: both after sizing, both bands
    tables = dict(cap.detail, groups=[{"block_size": 16}] * 3, post_sizing_bytes=2 * GiB)
    cap2 = Capacity(True, 1000, 0, 0.0, GiB, detail=tables)
    both = judge("vllm", [_unused_stage(2 * GiB + g, GiB // 2)], cap2, True)
    assert (both.verdict, both.margin_bytes, both.uncertainty_bytes) == ("at_risk", 0, GiB + GiB // 2 + gu)
    assert "2 × 1.00 GiB = 2.00 GiB more" in both.why and " and vLLM captures its CUDA graphs" in both.why
    assert both.why.endswith(": 0.00 GiB to spare, within one group's table and the ±0.50 GiB the estimated parts "
                             "may err and the ±1.23 GiB the graphs' estimate may err")
    assert judge("vllm", [_unused_stage(2 * GiB + g - 1, GiB // 2)], cap2, True).verdict == "does_not_fit"


def test_after_sizing_graphs_from_the_release():
    """Llama-3.1-8B on an A10G at 0.92 (round 16's ddiiwoong Mistral row's card and share): vLLM 0.9.0.1
    leaves 0.08 × 23,820,962,365 (the A10G's CUDA total) = 1.77 GiB after sizing, the graphs' 0.65 GiB
    within their ±1.23 GiB of it: at risk; 0.33.0 charges the graphs in the budget instead: nothing after."""
    m, g = catalog.load_model("llama-3.1-8b"), catalog.load_gpu("a10g")

    def go(ver):
        return fit.fit(m, g, tp=1, engine="vllm", opts=ServeOptions(
            gpu_memory_utilization=0.92, max_model_len=8192, vllm_version=ver))
    old, new = go("0.9.0.1"), go("0.33.0")
    assert old.capacity.detail["post_sizing_graph_bytes"] == 697_932_185
    assert old.stages[0].part("cuda_graphs") == 0 and new.stages[0].part("cuda_graphs") == 697_932_185
    assert "post_sizing_graph_bytes" not in new.capacity.detail
    assert (old.verdict, old.judgement.deciding_term) == ("at_risk", "post_sizing")


def test_post_sizing_block_tables_edges_by_hand():
    """Two groups is the first count with a table after sizing; no max_num_seqs known: none."""
    from kvplan.engines.vllm.startup import post_sizing_block_tables
    # 2 groups: the second's table only, 1,024 rows × cdiv(8,388,608, 32) = 262,144 int32 entries = 1 GiB
    two = [{"block_size": 16}, {"block_size": 32}]
    assert post_sizing_block_tables({"groups": two, "max_num_seqs": 1024}, 8_388_608) == 1024 * 262_144 * 4 == GiB
    assert post_sizing_block_tables({"groups": [{"block_size": 16}] * 4}, 8_388_608) == 0


def test_after_sizing_answer_states_its_figures():
    """The after-sizing verdict keeps the request's need and the estimated parts' error, and says
    its figures: 4 groups, 3 tables past the first of 2 GiB each (6 GiB) against what is left."""
    groups = [{"block_size": 16}] * 4
    what = ("post_sizing: after the KV cache is sized vLLM rebuilds its input batch with a block table for each of "
            "4 KV cache groups (3 × 2.00 GiB = 6.00 GiB more, charged in no budget; gpu_model_runner.py "
            "may_reinitialize_input_batch, block_table.py BlockTable) against the ")

    def v(extra, unused):
        cap = Capacity(True, 1000, 0, 0.0, GiB, detail={"bytes_per_block": 0, "groups": groups,
                                                        "post_sizing_bytes": extra})
        return judge("vllm", [_unused_stage(unused, GiB // 2)], cap, True)
    short = v(6 * GiB, 6 * GiB - GiB // 4)  # 0.25 GiB short
    assert (short.verdict, short.margin_bytes, short.need_bytes, short.uncertainty_bytes) == \
        ("does_not_fit", -(GiB // 4), GiB, GiB // 2)
    assert short.why == what + "5.75 GiB the share leaves: short by 0.25 GiB"
    risk = v(6 * GiB, 7 * GiB)  # 1 GiB to spare, within 2 GiB + 0.5 GiB
    assert (risk.verdict, risk.margin_bytes, risk.need_bytes, risk.uncertainty_bytes) == \
        ("at_risk", GiB, GiB, 2 * GiB + GiB // 2)
    assert risk.why == what + ("7.00 GiB the share leaves: 1.00 GiB to spare, within one group's table and the "
                               "±0.50 GiB the estimated parts may err")
    # a total not a multiple of the tables: one table is its whole-byte share (6 GiB + 1 over 3: 2 GiB)
    odd = v(6 * GiB + 1, 7 * GiB)
    assert odd.uncertainty_bytes == 2 * GiB + GiB // 2 and type(odd.uncertainty_bytes) is int


def test_post_sizing_bytes_only_where_the_v1_runner_runs():
    """gemma-3-27b has 7 KV cache groups (sliding and full): on vLLM 0.12.0 (V1 runner) 6 tables
    past the first, 1,024 rows × cdiv(32,768, 16) = 2,048 int32 entries = 8 MiB each, 48 MiB; on
    0.25.0 the V2 runner takes it (dense) and builds its own tables: none stored; with a drafter
    on 0.25.0 the runner is not told (kvplan cannot tell), so the V1 figure is kept."""
    from kvplan.engines.vllm import speculative
    m, g = catalog.load_model("gemma-3-27b"), catalog.load_gpu("h200-sxm-141gb")

    def detail(ver, sc=None):
        return fit.fit(m, g, tp=1, engine="vllm", opts=ServeOptions(
            gpu_memory_utilization=0.95, max_model_len=32_768, vllm_version=ver, speculative_config=sc)).capacity.detail
    assert detail("0.12.0")["post_sizing_bytes"] == 6 * 1024 * 2048 * 4 == 50_331_648
    assert "post_sizing_bytes" not in detail("0.25.0")
    ngram = speculative.parse('{"method":"ngram","num_speculative_tokens":3}')
    assert detail("0.25.0", ngram)["post_sizing_bytes"] == 50_331_648


def test_after_sizing_outside_share_and_warmup_fragmentation():
    """What sits on the GPU before vLLM's snapshot comes out of the unused share (vLLM refuses at start-up where
    it is more: v1/worker/utils.py request_memory), and the sampler warm-up's fragmentation is carried as an
    uncertainty (engines/vllm/after_sizing.py): 1 GiB outside, 2 GiB of fragmentation, no graphs, no tables."""
    groups = [{"block_size": 16}]
    d = {"bytes_per_block": 0, "groups": groups, "outside_share_bytes": GiB, "outside_share_uncertainty": GiB // 2,
         "outside_share_what": "the CUDA context", "warmup_fragmentation_bytes": 2 * GiB}
    cap = Capacity(True, 1000, 0, 0.0, GiB, detail=d)

    def v(unused):
        return judge("vllm", [_unused_stage(unused)], cap, True)
    refused = v(GiB - 1)
    assert (refused.verdict, refused.deciding_term, refused.margin_bytes) == ("does_not_fit", "post_sizing", -1)
    assert "is less than desired GPU memory utilization" in refused.why and "request_memory" in refused.why
    edge = v(GiB)  # nothing left after the outside part: at risk, within the outside part's and the warm-up's bands
    assert (edge.verdict, edge.margin_bytes, edge.uncertainty_bytes) == ("at_risk", 0, GiB // 2 + 2 * GiB)
    assert edge.why.endswith("within the ±0.50 GiB what sits outside the share may err and the 2.00 GiB the "
                             "sampler warm-up may find unusable")
    assert v(GiB + GiB // 2 + 2 * GiB).verdict == "at_risk"
    assert v(GiB + GiB // 2 + 2 * GiB + 1).verdict == "fits"
    # the warm-up's band alone (no outside part: a release charging everything inside its share)
    only = Capacity(True, 1000, 0, 0.0, GiB, detail={"bytes_per_block": 0, "groups": groups,
                                                      "warmup_fragmentation_bytes": 2 * GiB})
    assert judge("vllm", [_unused_stage(2 * GiB)], only, True).verdict == "at_risk"
    assert judge("vllm", [_unused_stage(2 * GiB + 1)], only, True).verdict == "fits"


def test_gpt_oss_20b_at_095_on_vllm_0_19_is_not_fits():
    """Round 19 (llm-d-planner, vLLM 0.19.0, H100 80GB): gpt-oss-20b at 0.95 sized its cache, captured its graphs
    and ran out of memory warming up the sampler with 1,024 dummy requests, at TP 1 and TP 2; at TP 2 and 0.9 it
    started. One fp32 logits block: 1,024 x 201,088 x 4 = 823,656,448 bytes (the "Tried to allocate 786.00 MiB")."""
    from kvplan.engines.vllm import after_sizing
    m, g = catalog.load_model("gpt-oss-20b"), catalog.load_gpu("h100-sxm-80gb")

    def go(util, tp):
        return fit.fit(m, g, tp=tp, engine="vllm", opts=ServeOptions(
            gpu_memory_utilization=util, max_model_len=8192, vllm_version="0.19.0"))
    assert after_sizing.logits_block(m, 1, 1024, 8192) == 823_656_448
    assert after_sizing.logits_block(m, 1, 1024, 512) == 512 * 201_088 * 4  # the token budget caps the rows
    assert after_sizing.fragmentation(m, 1, 1024, 8192) == 1_910_882_960  # ceil(2.320 x 823,656,448)
    for tp in (1, 2):
        r = go(0.95, tp)
        assert r.verdict == "at_risk" and r.judgement.deciding_term == "post_sizing", tp
        assert r.capacity.detail["warmup_fragmentation_bytes"] == 1_910_882_960
    assert go(0.9, 2).verdict == "fits"
