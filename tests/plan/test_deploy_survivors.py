"""Issue 25, session 9: what plan/deploy.py's replica scans and replica models must do, for the
mutants session 8 left open (MUTATION.md): which pool's "does not fit" is reported, the scan's
length and which pool grows after a miss (and at a p90 exactly on its target), the auto link at
the 8-GPU node, a side cache's bytes in the KV transfer, a saturated candidate, the DP ranks at
the GPU budget, the options and engine a replica is modelled with, a calibration profile, and a
candidate being the `kvplan simulate` run of the same workload.

Each scan runs 40 requests of llama-3.1-8b (a few tenths of a second each)."""
import math

import pytest

from kvplan.cli.common import flag
from kvplan.errors import render
from kvplan.engines.base import ServeOptions
from kvplan.plan import deploy as d
from kvplan.plan import simulate as sim
from kvplan.sources import catalog

PRICES = {"h100-sxm-80gb": (2.0, "src h"), "l40s": (1.0, "src l")}
KV_TOKEN = 131_072  # llama-3.1-8b: 32 layers × 8 KV heads × 128 × (K, V) × 2 bytes
IB_MS = 1024 * KV_TOKEN / 50e9 * 1000  # a 1024-token prompt over InfiniBand's 50 GB/s: 2.684 ms
NV_MS = 1024 * KV_TOKEN / 450e9 * 1000  # over H100 NVLink's 900 GB/s both ways, 450 one way: 0.298 ms


def workload(**kw):
    base = dict(model="llama-3.1-8b", rate=4.0, prompt_tokens="1024", output_tokens="16",
                ttft_p90_ms=1e9, itl_p90_ms=1e9, requests=40, prices=PRICES)
    base.update(kw)
    return d.Workload(**base)


PAIR = d.Task("disaggregated", "h100", 1, 32, 1)  # 1-GPU pools, the auto link


@pytest.fixture(autouse=True)
def _fresh_models():
    d._CACHE.clear()  # a replica's models are cached per process: build them under this test's code
    yield
    d._CACHE.clear()


# ---- which pool does not fit --------------------------------------------------------------------------
def test_the_note_names_the_pool_that_does_not_fit():
    # llama-3.1-70b: 141 GB of weights; one H100 (76 GB usable) cannot hold them, four can.
    # One pool fitting is not enough, and the note is the other pool's reason.
    w = workload(model="llama-3.1-70b")
    why = {seqs: d._models(w, "h100", 1, seqs)[3] for seqs in (None, 32)}  # prefill pool, decode pool
    # 2 × 70,553,706,496 parameters + vLLM's rotary table (131,072 × 128 × 2 = 33,554,432), as loaded
    assert all(x.startswith("llama-3.1-70b does not fit: each GPU needs 141,140,967,424 bytes of weights")
               for x in why.values())
    assert why[None] != why[32]  # each pool's runtime bytes differ with its max_num_seqs
    assert d._models(w, "h100", 4, 32)[2] is not None and d._models(w, "h100", 4, None)[2] is not None
    # the prefill pool (TP 1) does not fit, the decode pool (TP 4) does
    got = d._disaggregated(w, d.Task("disaggregated", "h100", 4, 32, 1))
    assert [(c.note, c.gpus) for c in got] == [(f"does not fit: {why[None]}", 0)]
    # the decode pool (TP 1, max_num_seqs 32) does not fit, the prefill pool (TP 4) does
    got = d._disaggregated(w, d.Task("disaggregated", "h100", 1, 32, 4))
    assert [(c.note, c.gpus) for c in got] == [(f"does not fit: {why[32]}", 0)]
    assert d._aggregated(w, d.Task("aggregated", "h100", 1, 32))[0].note == f"does not fit: {why[32]}"


# ---- the disaggregated scan ----------------------------------------------------------------------------
def test_a_pair_that_never_meets_the_itl_grows_the_decode_pool_one_by_one_for_nine_tries():
    # an ITL p90 of 1 µs is never met; the TTFT target (10^9 ms) always is: 2 × SCAN + 1 = 9 joined
    # simulations, the decode pool 1, 2, ..., 9 replicas, the prefill pool left at 1
    got = d._disaggregated(workload(itl_p90_ms=0.001), PAIR)
    assert [(c.prefill_replicas, c.replicas) for c in got] == [(1, r) for r in range(1, 10)]
    assert not any(c.meets for c in got) and all(c.ttft_p90_ms is not None for c in got)
    # the auto link: NVLink while both pools fit one 8-GPU node (1 + r <= 8), InfiniBand past it
    assert [c.link for c in got] == ["nvlink"] * 7 + ["infiniband"] * 2
    assert [c.transfer_ms for c in got] == pytest.approx([NV_MS] * 7 + [IB_MS] * 2)


def test_a_pair_whose_prefill_pool_never_meets_the_ttft_is_simulated_joined_once_at_the_end():
    # a TTFT p90 of 1 µs: the prefill pool alone misses it at each of the first 2 × SCAN = 8 tries
    # (1 → 9 prefill replicas, never simulated joined); the 9th try simulates the pair joined
    got = d._disaggregated(workload(ttft_p90_ms=0.001), PAIR)
    assert [(c.prefill_replicas, c.replicas) for c in got] == [(9, 1)]
    assert not got[0].meets and got[0].ttft_p90_ms is not None
    # 9 + 1 = 10 GPUs: more than one node, so InfiniBand
    assert got[0].gpus == 10 and got[0].link == "infiniband" and got[0].transfer_ms == pytest.approx(IB_MS)


def p90_spy(monkeypatch):
    seen = []
    real = d._p90
    monkeypatch.setattr(d, "_p90", lambda values: seen.append(real(values)) or seen[-1])
    return seen


def test_a_p90_exactly_on_its_target_is_met_and_its_pool_not_grown(monkeypatch):
    seen = p90_spy(monkeypatch)
    first = d._disaggregated(workload(), PAIR)
    assert len(first) == 1 and first[0].meets and (first[0].prefill_replicas, first[0].replicas) == (1, 1)
    alone, c0 = seen[0], first[0]  # the prefill pool's own TTFT p90 (plus the transfer), the joined p90s
    assert alone < c0.ttft_p90_ms  # the joined TTFT adds the decode pool's first token
    # the TTFT target at the prefill pool's own p90 (<=: it is enough) and the ITL target at the
    # pair's ITL p90: the same 1 + 1 pair is simulated joined; its TTFT misses, so the prefill pool
    # grows and the decode pool, whose ITL p90 is exactly on target, does not
    got = d._disaggregated(workload(ttft_p90_ms=alone, itl_p90_ms=c0.itl_p90_ms), PAIR)
    assert (got[0].prefill_replicas, got[0].replicas, got[0].itl_p90_ms) == (1, 1, c0.itl_p90_ms)
    assert not got[0].meets and (got[1].prefill_replicas, got[1].replicas) == (2, 1)
    # the TTFT target at the pair's joined TTFT p90 and an ITL that is never met: only the decode
    # pool grows
    got = d._disaggregated(workload(ttft_p90_ms=c0.ttft_p90_ms, itl_p90_ms=0.001), PAIR)
    assert [(c.prefill_replicas, c.replicas) for c in got[:2]] == [(1, 1), (1, 2)]


# ---- a side cache's bytes -----------------------------------------------------------------------------
TINY_DSA = """name: tiny-dsa
display_name: Tiny DSA (a test spec)
source: tests/plan/test_deploy_survivors.py
family: deepseek_v32
dtype: bf16
hidden_size: 1024
vocab_size: 32000
max_context: 8192
layer_types:
  dense:
    mixer: {kind: mla_indexed, num_heads: 8, kv_lora_rank: 512, qk_rope_head_dim: 64, qk_nope_head_dim: 128,
            v_head_dim: 128, q_lora_rank: 256, index_n_heads: 8, index_head_dim: 128}
    mlp: {kind: dense, intermediate_size: 2048}
pattern: dense*2
"""


def test_a_side_caches_entries_travel_with_the_kv(tmp_path):
    f = tmp_path / "tiny-dsa.yaml"
    f.write_text(TINY_DSA)
    # per token, per layer: the MLA latent (512 + 64 rope) × 2 bytes = 1,152 and the indexer's key,
    # 128 fp8 bytes + one 4-byte scale per 128 = 132 (DeepseekV32IndexerCache); 2 layers:
    # 2,568 bytes a token, 2,629,632 for a 1024-token prompt; over InfiniBand's 50 GB/s: 52.59 µs
    got = d._disaggregated(workload(model=str(f)), d.Task("disaggregated", "h100", 1, 32, 1, "infiniband"))
    assert got[0].transfer_ms == pytest.approx(1024 * 2 * (1152 + 132) / 50e9 * 1000)


# ---- saturation ---------------------------------------------------------------------------------------
def test_a_saturated_candidate_is_marked_and_does_not_meet(monkeypatch):
    # the scans start at one replica (the closed-loop lower bound replaced by an endless capacity);
    # 64 requests/s of 2048-token prompts is 131,072 prompt tokens/s: 2 × 7.5 G params × 131,072 =
    # 1.97 PFLOP/s, twice an H100's 0.99 dense BF16 PFLOP/s, so one replica (or one prefill
    # replica) saturates; the latency targets (10^9 ms) are met even so
    monkeypatch.setattr(d, "_capacity", lambda *a, **k: math.inf)
    w = workload(rate=64.0, prompt_tokens="2048", requests=60)
    agg = d._aggregated(w, d.Task("aggregated", "h100", 1, 64))
    assert agg[0].replicas == 1 and agg[0].saturated is True and agg[0].meets is False
    assert agg[-1].meets and agg[-1].saturated is False and agg[-1].replicas > 1
    pair = d._disaggregated(w, d.Task("disaggregated", "h100", 1, 64, 1, "infiniband"))
    assert (pair[0].prefill_replicas, pair[0].replicas) == (1, 1)
    assert pair[0].saturated is True and pair[0].meets is False and pair[0].ttft_p90_ms < 1e9
    assert pair[1].replicas + pair[1].prefill_replicas == 3  # one pool grew after the saturated try


# ---- the aggregated scan ------------------------------------------------------------------------------------
def test_an_aggregated_scan_gives_up_after_scan_more_replicas():
    # the lower bound (1 replica at 4 requests/s) and SCAN = 4 more: 5 simulated, none meets
    got = d._aggregated(workload(itl_p90_ms=0.001), d.Task("aggregated", "h100", 1, 32))
    assert [c.replicas for c in got] == [1, 2, 3, 4, 5] and not any(c.meets for c in got)
    assert all(c.note == "" and c.ttft_p90_ms is not None for c in got)


def test_dp_ranks_count_against_the_gpu_budget():
    # qwen3-30b-a3b, EP over TP 1 × DP 2: 2 GPUs a replica; --max-gpus 2 holds one replica, not two
    w = workload(model="qwen3-30b-a3b", itl_p90_ms=0.001, max_gpus=2)
    got = d._aggregated(w, d.Task("aggregated", "h100", 1, 32, dp=2, ep=True))
    assert [(c.replicas, c.gpus, render(c.note, flag)) for c in got] == [(1, 2, ""), (2, 4, "over --max-gpus 2")]
    assert got[0].ttft_p90_ms is not None and got[1].ttft_p90_ms is None


# ---- a replica's models --------------------------------------------------------------------------------------
def limits(model, tp, seqs, **opts):
    return sim.engine_limits(catalog.load_model(model), catalog.load_gpu("h100"), tp, "vllm",
                             ServeOptions(max_num_seqs=seqs, **opts))


def test_a_replica_is_planned_with_its_dp_ranks_and_expert_parallelism():
    w = workload(model="qwen3-30b-a3b")
    # EP over TP 1 × DP 2: each rank holds half the routed experts (and the EP buffers), so its
    # KV cache is that of ServeOptions(data_parallel_size=2, enable_expert_parallel=True)
    ep = d._models(w, "h100", 1, 64, dp=2, ep=True)[2]
    assert ep == limits("qwen3-30b-a3b", 1, 64, data_parallel_size=2, enable_expert_parallel=True)
    assert ep.num_blocks != limits("qwen3-30b-a3b", 1, 64, data_parallel_size=2).num_blocks  # no EP
    assert ep.num_blocks > limits("qwen3-30b-a3b", 1, 64).num_blocks  # one rank with every expert
    # a disaggregated pool (no dp given) is TP only: one DP rank with all the experts
    pool = d._models(w, "h100", 1, 64)
    assert pool[2] == limits("qwen3-30b-a3b", 1, 64) and pool is d._models(w, "h100", 1, 64, dp=1)


def test_a_replicas_step_model_is_the_engines():
    spec, g, lim, step = d._models(workload(engine="sglang"), "h100", 1, 32)
    assert lim.engine == "sglang" and step.engine == "sglang"
    assert d._models(workload(), "h100", 1, 32)[3].engine == "vllm"


def test_a_calibration_profile_scales_the_steps_of_its_own_gpu_only(tmp_path):
    f = tmp_path / "prof.yaml"
    f.write_text("kind: kvplan-latency-profile\ngpu: h100-sxm-80gb\nstep_scale: 2.0\nfitted_on: a test\n")
    w = workload(profile=str(f))
    h100 = d._models(w, "h100", 1, 32)[3]
    assert h100.profile_scale == 2.0 and h100.profile_label == "× 2.000 (profile fitted on a test)"
    assert d._models(w, "l40s", 1, 32)[3].profile_scale == 1.0  # another GPU of the search: its tables
    # the steps take twice as long as without the profile: 8 decodes at 2,000 tokens of context
    plain = d._models(workload(), "h100", 1, 32)[3]
    assert h100.mixed_sum((), 8, 16_000, seconds=True) == pytest.approx(2 * plain.mixed_sum((), 8, 16_000, seconds=True))
    f.write_text("kind: kvplan-latency-profile\nstep_scale: 3\n")  # no GPU named: every GPU's
    d._CACHE.clear()
    assert d._models(w, "l40s", 1, 32)[3].profile_scale == 3.0


# ---- a candidate is a `kvplan simulate` run ------------------------------------------------------------------
def test_an_aggregated_candidate_is_the_simulate_run_of_the_same_workload():
    # docs/commands/plan.md: "Each candidate is a `kvplan simulate` run of the workload": the same
    # seeded prompt, output and arrival draws (seed, seed + 1, seed + 2), the same limits and steps
    w = workload(rate=6.0, prompt_tokens="normal:800,300,64,2000", output_tokens="normal:60,40,1,200", seed=3,
                 requests=60)
    c = d._aggregated(w, d.Task("aggregated", "h100", 1, 32))[0]
    ref = sim.simulate(catalog.load_model("llama-3.1-8b"), catalog.load_gpu("h100"), replicas=c.replicas, rate=6.0,
                       prompt_tokens=w.prompt_tokens, output_tokens=w.output_tokens, requests=60, seed=3,
                       opts=ServeOptions(max_num_seqs=32), router="least-loaded")
    assert (c.ttft_p90_ms, c.itl_p90_ms) == (ref.ttft_ms.p90, ref.itl_ms.p90)
