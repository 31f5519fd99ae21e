"""simulate's SGLang replica (kvplan/plan/simulate/sglang.py): SGLang 0.5.23's defaults, its
PrefillAdder's reservation of the running requests' outputs and its overlap scheduler, each
checked by hand."""
import pytest

from kvplan.engines.base import ServeOptions
from kvplan.engines.sglang import NEW_TOKEN_RATIO_FLOOR, chunked_prefill_size, max_running_requests
from kvplan.model.frozen import replace
from kvplan.plan import fit as fitmod
from kvplan.plan import simulate as sim
from kvplan.plan.latency.step import OpLatency
from kvplan.plan.simulate.workload import Request
from kvplan.sources import catalog


@pytest.fixture(scope="module")
def llama():
    spec, gpu = catalog.load_model("llama-3.1-8b"), catalog.load_gpu("h100")
    return spec, gpu, OpLatency(spec, gpu, engine="sglang")


def tiny(tokens: int, reserve: float = 0.0) -> sim.Limits:
    return sim.Limits("sglang", 1, tokens, 256, 8192, 131072, True, {"num_blocks": "test"},
                      output_reserve=reserve)


@pytest.mark.parametrize("gpu, cps", [("t4", 2048), ("rtx-4090", 4096), ("l40s", 4096),
                                      ("a100-sxm-40gb", 4096), ("h100", 8192), ("h200", 8192),
                                      ("b200", 16384)])
def test_chunked_prefill_size_follows_the_cards_memory(gpu, cps):
    # memory_hook.py handle_gpu_memory_settings: < 20 GiB 2k, < 60 GiB 4k, < 160 GiB 8k, else 16k
    assert chunked_prefill_size(catalog.load_gpu(gpu), ServeOptions()) == cps
    assert chunked_prefill_size(catalog.load_gpu(gpu), ServeOptions(max_num_batched_tokens=512)) == 512


def test_max_running_requests_by_hand():
    # kv_cache_configurator.py resolve_max_num_reqs: tokens / context × 512 clamped to 2048..4096,
    # at most half the pool
    o = ServeOptions()
    assert max_running_requests(400_000, 131072, o) == 2048  # 1,562 -> 2,048
    assert max_running_requests(800_000, 65536, o) == 4096  # 6,250 -> 4,096
    assert max_running_requests(700_000, 131072, o) == 2734  # int(2,734.4)
    assert max_running_requests(3000, 131072, o) == 1500  # half the pool
    assert max_running_requests(400_000, 131072, ServeOptions(max_num_seqs=64)) == 64
    assert max_running_requests(100, 131072, ServeOptions(max_num_seqs=64)) == 50


def test_simulate_takes_sglangs_defaults_from_fit(llama):
    spec, gpu, _ = llama
    lim = sim.engine_limits(spec, gpu, engine="sglang")
    tokens = fitmod.fit(spec, gpu, engine="sglang").capacity.detail["max_total_num_tokens"]
    assert lim.max_num_batched_tokens == 8192
    assert lim.max_num_seqs == max(min(int(tokens / 131072 * 512), 4096), 2048)
    assert lim.output_reserve == pytest.approx(0.098)


def test_admission_reserves_the_running_requests_outputs(llama):
    """1,000 tokens; two requests of 100 + 450. Reserving everything (ignore_eos): the first needs
    100 + 450 + 1 ≤ 1,000; the second 551 > 900 free − 450 reserved, and stays out until the first
    is done (free − reserved stays 451 as it decodes), so it is never preempted. Reserving
    nothing, both start at once and the pool (1,100 needed) runs out."""
    spec, gpu, rf = llama
    two = [Request(0.0, 100, 450), Request(0.0, 100, 450)]
    full = sim.simulate(spec, gpu, trace=two, limits=tiny(1000, 1.0), roofline=rf)
    none = sim.simulate(spec, gpu, trace=two, limits=tiny(1000, 0.0), roofline=rf)
    assert full.preemptions == 0 and none.preemptions > 0
    first_e2e = rf.prefill(100).seconds + sum(rf.decode(100 + t).seconds for t in range(1, 450))
    ttft_second = 2 * full.ttft_ms.mean - rf.prefill(100).seconds * 1000
    assert ttft_second > first_e2e * 1000  # its prefill waited for the first to end
    assert none.ttft_ms.p50 == none.ttft_ms.p99 == pytest.approx(rf.mixed([(0, 100), (0, 100)]).seconds * 1000)
    assert NEW_TOKEN_RATIO_FLOOR == pytest.approx(0.7 * 0.14)


def test_the_overlap_scheduler_sees_a_request_one_step_late(llama):
    """A alone from 0: prefill P, decode steps D1, D2, ... B arrives halfway through D1. The batch
    after D1 was formed when D1 began, without B; so B is prefilled after D2."""
    spec, gpu, rf = llama
    P, D1, D2 = rf.prefill(500).seconds, rf.decode(501).seconds, rf.decode(502).seconds
    tb = P + D1 / 2
    r = sim.simulate(spec, gpu, trace=[Request(0.0, 500, 100), Request(tb, 300, 2)],
                     limits=tiny(100000), roofline=rf)
    ttft_b = P + D1 + D2 + rf.prefill(300).seconds - tb
    assert r.ttft_ms.mean == pytest.approx((P + ttft_b) / 2 * 1000, rel=1e-9)


def test_without_the_overlap_scheduler_a_request_joins_the_next_step(llama):
    """The same trace on SGLang 0.3.0 (before 0.4.0 the overlap scheduler is off by default:
    limits.OVERLAP_SCHEDULE): B, arriving halfway through D1, is prefilled right after D1, one
    decode step earlier than with overlap. 0.3.6 is still before; 0.4.0 has it (the rule's edge)."""
    from kvplan.plan.simulate.limits import for_engine_version

    spec, gpu, rf = llama
    P, D1 = rf.prefill(500).seconds, rf.decode(501).seconds
    tb = P + D1 / 2
    trace = [Request(0.0, 500, 100), Request(tb, 300, 2)]
    old = for_engine_version(tiny(100000), "0.3.0")
    assert old.overlap is False and "PR #2067" in old.sources["overlap"]
    r = sim.simulate(spec, gpu, trace=trace, limits=old, roofline=rf)
    ttft_b = P + D1 + rf.prefill(300).seconds - tb
    assert r.ttft_ms.mean == pytest.approx((P + ttft_b) / 2 * 1000, rel=1e-9)
    assert for_engine_version(tiny(1), "v0.3.6").overlap is False
    assert for_engine_version(tiny(1), "0.4.0").overlap is True
    assert for_engine_version(tiny(1), None).overlap is True  # not stated: SGLang 0.5.23's default


def test_an_idle_sglang_schedules_at_once(llama):
    spec, gpu, rf = llama
    r = sim.simulate(spec, gpu, trace=[Request(0.0, 500, 2), Request(5.0, 300, 2)],
                     limits=tiny(100000), roofline=rf)
    assert r.ttft_ms.mean == pytest.approx((rf.prefill(500).seconds + rf.prefill(300).seconds) / 2 * 1000,
                                           rel=1e-9)


def test_check_bench_reserves_everything_for_sglang_bench_serving(llama):
    lim = replace(tiny(1000), output_reserve=1.0)
    assert lim.output_reserve == 1.0


def test_admission_counts_tokens_at_a_page_size_over_one(llama):
    """Page size 16, a pool of 10 pages = 160 tokens. A request of 16 + 16 tokens needs 16 + 16 +
    one page (16) = 48 tokens ≤ 160, so it is admitted at once and never preempted (its 32 tokens
    fill 2 pages); counting the 10 free pages as 10 tokens would refuse it for ever."""
    spec, gpu, rf = llama
    lim = sim.Limits("sglang", 16, 10, 256, 8192, 131072, True, {"num_blocks": "test"}, output_reserve=1.0)
    out = sim.simulate(spec, gpu, trace=[Request(0.0, 16, 16)], limits=lim, roofline=rf)
    assert out.requests_per_s > 0 and out.preemptions == 0
    assert out.ttft_ms.p50 == pytest.approx(rf.prefill(16).seconds * 1000, rel=0.05)


def _ignore_eos_pair(b_output: int, version: str | None = None):
    """A pool of 1,000 tokens, radix cache off, ignore_eos (sglang.bench_serving): A (100 + 100)
    and B (100 + ``b_output``) arrive together; how many of them the first step admits."""
    from kvplan.plan.simulate.scheduler import _Req
    from kvplan.plan.simulate.sglang import SGLangReplica

    from kvplan.plan.simulate.limits import for_engine_version

    lim = for_engine_version(sim.Limits("sglang", 1, 1000, 256, 8192, 131072, False, {}, output_reserve=0.0,
                                        ignore_eos=True), version)
    rep = SGLangReplica(lim, OpLatency(catalog.load_model("llama-3.1-8b"), catalog.load_gpu("h100"),
                                       engine="sglang"))
    rep.waiting.extend([_Req(0, Request(0.0, 100, 100)), _Req(1, Request(0.0, 100, b_output))])
    rep.form(0.0)
    return len(rep.running)


def test_ignore_eos_with_the_radix_cache_off_checks_the_peak_not_the_sum():
    """PrefillAdder.add_one_req_ignore_eos. A: 101 tokens (prompt + a page) of 1,000, then A alone
    keeps 899 − 100 > 1 free: admitted. B: 900 free − 101 = 799; sorted by output left, at A's end
    both have grown 100 (799 − 2 × 100 = 599 > 2 × 1); at B's end the 100 tokens A holds now are
    counted back (SGLang's tokens_occupied) and B grew b: 799 + 100 − b > 1 admits b = 897, refuses
    b = 898 (IGNORE_EOS_RESERVE_TOKENS 1).
    The sum rule would have refused B: 100 + 897 + 1 > 900 − 100 reserved for A."""
    assert _ignore_eos_pair(897) == 2
    assert _ignore_eos_pair(898) == 1
    # a release before 0.4.0 (its rule not read): the whole remaining outputs are kept free, so B
    # waits at 897 too (998 > 900 − 100)
    assert _ignore_eos_pair(897, "0.3.0") == 1


def test_the_overlap_scheduler_runs_a_trailing_step_for_finished_requests(llama):
    """A alone: prefill P, one decode D1 that gives its last token. The batch after D1 was formed
    when D1 began, before its result said A was done (event_loop_overlap: process_batch_result of
    the last batch follows run_batch of the next), so the GPU runs A's decode once more (T, at its
    502 tokens). B, arriving a quarter into T, is prefilled when T ends; SGLang 0.3.0 (no overlap)
    prefills it at once."""
    from kvplan.plan.simulate.limits import for_engine_version

    spec, gpu, rf = llama
    P, D1, T = rf.prefill(500).seconds, rf.decode(501).seconds, rf.decode(502).seconds
    tb = P + D1 + T / 4
    trace = [Request(0.0, 500, 2), Request(tb, 300, 2)]
    r = sim.simulate(spec, gpu, trace=trace, limits=tiny(100000), roofline=rf)
    assert r.ttft_ms.mean == pytest.approx((P + T * 3 / 4 + rf.prefill(300).seconds) / 2 * 1000, rel=1e-9)
    old = sim.simulate(spec, gpu, trace=trace, limits=for_engine_version(tiny(100000), "0.3.0"), roofline=rf)
    assert old.ttft_ms.mean == pytest.approx((P + rf.prefill(300).seconds) / 2 * 1000, rel=1e-9)


def test_a_decode_formed_ahead_still_prices_the_requests_just_finished(llama):
    """A (output 2) and B (output 4) prefilled together, then decodes. D1 ends A; the decode after
    it was formed before that was known, so it still runs A (2 rows, A at 502 tokens); the one
    after that runs B alone. B's last token: P + D1 + D2(both) + D3(B alone)."""
    spec, gpu, rf = llama
    P = rf.mixed([(0, 500), (0, 500)]).seconds
    d1 = rf.mixed([], [501, 501]).seconds
    d2 = rf.mixed([], [502, 502]).seconds
    d3 = rf.mixed([], [503]).seconds
    r = sim.simulate(spec, gpu, trace=[Request(0.0, 500, 2), Request(0.0, 500, 4)],
                     limits=tiny(100000), roofline=rf)
    e2e_a, e2e_b = P + d1, P + d1 + d2 + d3
    assert r.e2e_ms.mean == pytest.approx((e2e_a + e2e_b) / 2 * 1000, rel=1e-9)
