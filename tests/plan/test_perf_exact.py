"""kvplan/plan/perf.py's wiring, figure by figure: the options `perf` hands to the step model and to
`fit`, its notes word for word, its errors word for word, and `decode_step` (what `kvplan validate`
puts beside a measurement). Every byte count is stated by hand in the test's docstring."""
import re

import pytest

from kvplan.engines.base import ServeOptions
from kvplan.errors import KvplanError
from kvplan.plan import perf as P
from kvplan.plan.fit import fit
from kvplan.plan.latency.step import OpLatency
from kvplan.sources import catalog

H100 = catalog.load_gpu("h100")


@pytest.fixture(scope="module")
def llama8b():
    return catalog.load_model("llama-3.1-8b")


@pytest.fixture(scope="module")
def qwen():
    return catalog.load_model("qwen3-30b-a3b")


def raises(msg):
    return pytest.raises(KvplanError, match="^" + re.escape(msg) + "$")


# ---- errors, word for word -------------------------------------------------------------------
def test_errors_name_the_flag_exactly(llama8b, qwen):
    with raises("--data-parallel-size must be a positive integer, got 0"):
        P.perf(llama8b, H100, 1024, data_parallel_size=0)
    with raises("--acceptance needs --speculative-config"):
        P.perf(llama8b, H100, 1024, acceptance=0.7)
    with raises("expert parallelism is priced by the per-operation model only; drop the efficiency overrides "
                "(--bw-efficiency, --flops-efficiency, --step-overhead-ms)"):
        P.perf(qwen, H100, 1024, tp=2, enable_expert_parallel=True, bw_efficiency=0.8)
    with raises("--data-parallel-size without --enable-expert-parallel splits every expert over tp × DP ranks, "
                "which the step model does not price; add --enable-expert-parallel"):
        P.perf(qwen, H100, 1024, data_parallel_size=2)


# ---- what reaches the per-operation model --------------------------------------------------
def test_the_dtypes_reach_the_step_model(llama8b):
    """llama-3.1-8b: 32 layers × 2 (K, V) × 8 KV heads × 128 = 65,536 values per token; at batch 8 ×
    4,096 tokens, 2,147,483,648 bytes read in fp8 (1 B), 4,294,967,296 in bf16 (2 B). Its 8,030,261,248
    parameters are 8,030,261,248 bytes in fp8, 16,060,522,496 in bf16."""
    kv8 = P.perf(llama8b, H100, 4096, 8, kv_dtype="fp8")
    assert (kv8.kv_dtype, kv8.weight_dtype) == ("fp8_e4m3", "bf16")
    assert (kv8.decode.kv_read_bytes, kv8.decode.weight_bytes) == (2_147_483_648, 16_060_522_496)
    w8 = P.perf(llama8b, H100, 4096, 8, weight_dtype="fp8")
    assert (w8.kv_dtype, w8.weight_dtype) == ("bf16", "fp8_e4m3")
    assert (w8.decode.kv_read_bytes, w8.decode.weight_bytes) == (4_294_967_296, 8_030_261_248)


def test_the_engine_reaches_the_step_model(llama8b):
    """Each engine has its own per-step overhead (latency/profile.py): SGLang's step is not vLLM's."""
    sg = P.perf(llama8b, H100, 4096, 8, engine="sglang")
    assert sg.decode == OpLatency(llama8b, H100, 1, engine="sglang").decode(4096, 8)
    assert sg.decode.seconds != P.perf(llama8b, H100, 4096, 8).decode.seconds


def test_a_profile_scales_every_op_and_says_so(llama8b):
    """A profile of step_scale 2 doubles every op's time, so the decode step and the prefill take
    exactly twice as long, and the one note names the scale and where it was fitted."""
    doc = {"kind": "kvplan-latency-profile", "step_scale": 2.0, "gpu": H100.name, "fitted_on": "a test"}
    plain, scaled = P.perf(llama8b, H100, 4096, 8), P.perf(llama8b, H100, 4096, 8, profile=doc)
    assert scaled.notes == ("every op's time scaled × 2.000 (profile fitted on a test)",)
    assert scaled.decode.seconds == pytest.approx(2 * plain.decode.seconds, rel=1e-12)
    assert scaled.prefill.seconds == pytest.approx(2 * plain.prefill.seconds, rel=1e-12)
    assert plain.notes == ()


# ---- notes, word for word ------------------------------------------------------------------
def test_data_parallel_notes(llama8b, qwen):
    """tp 2 × DP 4 = 8 GPUs; EP 8 over qwen3-30b-a3b's 128 experts = 16 per rank. tp 1 × DP 2: EP 2,
    64 per rank. A dense model under DP has no EP clause."""
    tail = ("read at all replicas' tokens (equal batches, lockstep), a dispatch + combine all-to-all per MoE "
            "layer (kvplan/plan/latency/comm.py)")
    r = P.perf(qwen, H100, 2048, 16, tp=2, data_parallel_size=4, enable_expert_parallel=True)
    assert ("data parallel: 4 attention replicas of tp 2 (8 GPUs); --batch and tokens/s are one replica's; "
            f"experts whole over EP 8 ranks (16 per rank), {tail}") in r.notes
    r = P.perf(qwen, H100, 2048, 16, tp=1, data_parallel_size=2, enable_expert_parallel=True)
    assert ("data parallel: 2 attention replicas of tp 1 (2 GPUs); --batch and tokens/s are one replica's; "
            f"experts whole over EP 2 ranks (64 per rank), {tail}") in r.notes
    r = P.perf(llama8b, H100, 2048, 16, tp=2, data_parallel_size=2)
    assert r.notes == ("data parallel: 2 attention replicas of tp 2 (4 GPUs); --batch and tokens/s are one "
                       "replica's", "all-reduce: measured time by message size (log-size interpolation), the "
                       "engine's choice of kernel, 1 per mixer and per MLP + 1 (kvplan/plan/latency/comm.py)")


def test_the_rooflines_all_reduce_note(llama8b):
    """An efficiency override prices the step with the roofline, whose all-reduce has no latency term."""
    r = P.perf(llama8b, H100, 2048, 16, tp=2, bw_efficiency=0.8)
    assert r.notes == ("all-reduce: bandwidth term only (ring, 1 per mixer and per MLP); latency not modelled",)


def test_the_does_not_fit_note_counts_the_recurrent_state():
    """nemotron-h-56b in fp16 at ctx 4,096, batch 1. Its 10 attention layers: 2 × 8 KV heads × 128 × 2 B
    = 4,096 B per layer per token, 40,960 B per token, × 4,096 = 167,772,160 B. Its 54 Mamba2 layers
    (256 heads × 64, state 256, 8 groups, conv kernel 4): the conv state (4 − 1) × (256 × 64 + 2 × 8 × 256
    = 20,480) × 2 B = 122,880 B and the SSM state 256 × 64 × 256 × 2 B = 8,388,608 B, 54 × 8,511,488 =
    459,620,352 B per sequence. Need = weights + 167,772,160 + 459,620,352."""
    m = catalog.load_model("nemotron-h-56b")
    r = P.perf(m, H100, 4096, 1, kv_dtype="fp16", weight_dtype="fp16")
    need = r.weights_bytes + 167_772_160 + 459_620_352
    assert r.notes == (f"this does not fit: {need:,} bytes of weights and cache per GPU against "
                       f"{H100.usable_bytes:,} on h100-sxm-80gb (see kvplan fit; a larger --tp)",)
    # exactly as much memory as the bytes need passes the bytes check; a byte less does not. With
    # exactly that much, vLLM's own plan (fit's answer; ux16) still holds no sequence: its runtime
    # needs memory beyond the weights and the cache, and perf says so instead
    exact = H100.model_copy(update={"cuda_memory_bytes": need})
    assert P.perf(m, exact, 4096, 1, kv_dtype="fp16", weight_dtype="fp16").notes == (
        "this does not fit: vllm's memory plan holds 0 sequence(s) of 4,096 tokens per replica, not 1 "
        "(kvplan fit --ctx 4096)",)
    short = H100.model_copy(update={"cuda_memory_bytes": need - 1})
    (note,) = P.perf(m, short, 4096, 1, kv_dtype="fp16", weight_dtype="fp16").notes
    assert note.startswith(f"this does not fit: {need:,} bytes of weights and cache per GPU")


# ---- the batch table's memory plan ---------------------------------------------------------
@pytest.mark.parametrize("engine,planned", [("ideal", "vllm"), ("vllm", "vllm"), ("sglang", "sglang"),
                                            ("trtllm", "trtllm"), ("llamacpp", "llamacpp")])
def test_the_batch_table_is_bounded_by_the_engines_plan(llama8b, engine, planned):
    """The four engines with a memory plan bound the table themselves; any other (ideal) by vLLM's."""
    r = P.perf(llama8b, H100, 8192, engine=engine, batch_table=True)
    f = fit(llama8b, H100, engine=planned, ctx=8192)
    assert (r.max_batch_engine, r.max_batch) == (f.engine, f.max_batch)


def test_the_batch_table_plans_expert_parallel_at_one_dp_rank():
    """gpt-oss-120b, tp 4 on an H100 at ctx 20k: whole experts over EP 4 (128 / 4 = 32 per rank,
    MXFP4 blocks whole) leave room for one more sequence than each expert's intermediate split 4 ways."""
    m = catalog.load_model("gpt-oss-120b")
    ep = fit(m, H100, tp=4, ctx=20480, opts=ServeOptions(enable_expert_parallel=True)).max_batch
    assert ep != fit(m, H100, tp=4, ctx=20480).max_batch  # the case tells the two plans apart
    r = P.perf(m, H100, 20480, tp=4, enable_expert_parallel=True, batch_table=True)
    assert r.max_batch == ep


def test_the_batch_table_plans_dp_with_and_without_ep():
    """mixtral-8x7b, tp 1 × DP 2: EP keeps 4 whole experts per rank and adds vLLM's all-to-all buffers;
    the two plans differ by a few sequences on an H200."""
    m, h200 = catalog.load_model("mixtral-8x7b"), catalog.load_gpu("h200")
    ep = fit(m, h200, ctx=4096, opts=ServeOptions(data_parallel_size=2, enable_expert_parallel=True)).max_batch
    assert ep != fit(m, h200, ctx=4096, opts=ServeOptions(data_parallel_size=2)).max_batch
    r = P.perf(m, h200, 4096, data_parallel_size=2, enable_expert_parallel=True, batch_table=True)
    assert r.max_batch == ep


# ---- decode_step ---------------------------------------------------------------------------
def test_decode_step_by_hand():
    """llama-2-13b (40 layers, 40 KV heads × 128, hidden 5,120): 13,015,864,320 parameters × 2 B =
    26,031,728,640 B; 40 × 2 × 40 × 128 × 2 B = 819,200 B per token, × 4,096 = 3,355,443,200 read.
    fp8 cache: half of both cache figures. fp8 weights: 13,015,864,320 B. tp 2: each GPU holds half of
    every matrix and all 81 norms (2 × 40 + 1, 5,120 × 2 B each = 829,440 B in all):
    (26,031,728,640 − 829,440) / 2 + 829,440 = 13,016,279,040 B, and half the KV heads."""
    m = catalog.load_model("llama-2-13b")
    s = P.decode_step(m, H100, 4096)
    assert (s.weight_bytes, s.kv_read_bytes, s.kv_write_bytes) == (26_031_728_640, 3_355_443_200, 819_200)
    s = P.decode_step(m, H100, 4096, kv_dtype="fp8")
    assert (s.weight_bytes, s.kv_read_bytes, s.kv_write_bytes) == (26_031_728_640, 1_677_721_600, 409_600)
    s = P.decode_step(m, H100, 4096, weight_dtype="fp8")
    assert (s.weight_bytes, s.kv_read_bytes) == (13_015_864_320, 3_355_443_200)
    s = P.decode_step(m, H100, 4096, tp=2)
    assert (s.weight_bytes, s.kv_read_bytes) == (13_016_279_040, 1_677_721_600)
    s = P.decode_step(m, H100, 4096, batch=3)
    assert (s.weight_bytes, s.kv_read_bytes) == (26_031_728_640, 3 * 3_355_443_200)
