"""Expert parallelism in the per-operation step model (vLLM --enable-expert-parallel over tp × DP
ranks): the arithmetic, checkable by hand.

Qwen3-30B-A3B (model_specs/models/qwen3-30b-a3b.yaml): 48 layers, all MoE, hidden 2,048, 128
experts of intermediate 768 (gated), top-8, bf16. One expert: 3 matrices × 2,048 × 768 = 4,718,592
parameters = 9,437,184 bytes; all experts of all layers: 48 × 128 × 9,437,184 = 57,982,058,496 bytes.
"""
import json
import math

import pytest
from typer.testing import CliRunner

from kvplan.cli import app
from kvplan.errors import KvplanError
from kvplan.plan import perf as perfmod
from kvplan.plan.latency import comm, moe
from kvplan.plan.latency.step import OpLatency
from kvplan.sources import catalog

ONE_EXPERT = 3 * 2048 * 768 * 2  # 9,437,184 bytes
ALL_EXPERTS = 48 * 128 * ONE_EXPERT  # 57,982,058,496 bytes


@pytest.fixture(scope="module")
def qwen():
    return catalog.load_model("qwen3-30b-a3b")


@pytest.fixture(scope="module")
def h100():
    return catalog.load_gpu("h100")


def test_the_hand_numbers_are_the_catalogs(qwen):
    mlp = qwen.layer_types[next(iter(qwen.counts()))].mlp
    assert (qwen.num_layers, qwen.hidden_size, mlp.num_experts, mlp.experts_per_token,
            mlp.intermediate_size, mlp.gated) == (48, 2048, 128, 8, 768, True)
    assert ONE_EXPERT == 9_437_184 and ALL_EXPERTS == 57_982_058_496


@pytest.mark.parametrize("tp", [1, 2])
def test_ep_1_is_todays_step_exactly(qwen, h100, tp):
    """EP 1 takes none of the new branches: every op, its time and the step's bytes are today's."""
    old, new = OpLatency(qwen, h100, tp), OpLatency(qwen, h100, tp, ep=1)
    for a, b in ((old.decode(4096, 32), new.decode(4096, 32)), (old.prefill(2048, 2), new.prefill(2048, 2))):
        assert a.ops == b.ops and a.seconds == b.seconds and a.bytes == b.bytes
    # and through `perf`: --enable-expert-parallel at tp 1, DP 1 is EP 1
    r0 = perfmod.perf(qwen, h100, 4096, 8, new_tokens=None)
    r1 = perfmod.perf(qwen, h100, 4096, 8, new_tokens=None, enable_expert_parallel=True)
    assert r0.decode == r1.decode and r0.prefill == r1.prefill and r1.expert_parallel == 1


def test_ep_8_streams_an_eighth_of_the_experts_at_large_batches(qwen, h100):
    """At 512 rows per DP rank × 8 ranks = 4,096 tokens, every expert is read:
    (1 − 8/128)^4096 = 0.9375^4096 ≈ 10^-115. One GPU at EP 1 reads all 57,982,058,496 expert bytes;
    an EP 8 rank holds and reads 128 / 8 = 16 experts per layer: 48 × 16 × 9,437,184 = 7,247,757,312."""
    one, ep8 = OpLatency(qwen, h100, 1), OpLatency(qwen, h100, 1, ep=8)
    other = one.weights_bytes - ALL_EXPERTS  # attention, norms, embeddings, LM head: the same on both
    assert one.weights_read(4096) == other + ALL_EXPERTS
    assert ep8.weights_bytes == other + ALL_EXPERTS // 8 == other + 7_247_757_312
    assert ep8.weights_read(512) == other + 7_247_757_312
    # the MoE grouped kernels: the rank multiplies 16 experts at the same tokens each as one GPU's 128 at
    # 4,096 rows (4,096 × 8 / 128 = 256 tokens per expert), so 1/8 of the bytes and FLOPs; the measured
    # table's fixed cost per layer (alpha, 48 layers) is paid in full on both
    m1 = next(o for o in one.decode(1024, 4096).ops if o[0].startswith("MoE"))
    m8 = next(o for o in ep8.decode(1024, 512).ops if o[0].startswith("MoE"))
    assert "128.0 of 128 read, 256 tokens each" in m1[0] and "16.0 of 16 on the rank read, 256 tokens each" in m8[0]
    fixed = 48 * one.prof.moe_fit("bf16")[0]["alpha_us"] * 1e-6
    # EP 1 is priced from the measured row of its shape (data/moe_shapes.json, the table's rows are EP 1); the same
    # pass by the fit, which EP 8 takes, is the reference here
    from kvplan.plan.latency import moe

    assert "measured at this shape" in m1[3] and "measured at this shape" not in m8[3]
    fit1 = 48 * moe.grouped_seconds(one.prof, 4096 * 8, 128.0, one.expert_bytes[0], one.moe_shapes[0][3], "bf16",
                                    one.peak_flops, one.mamf)[0]
    assert m8[1] - fixed == pytest.approx((fit1 - fixed) / 8, rel=1e-9)


def test_ep_at_small_batches_reads_the_ranks_share_of_the_distinct_experts(qwen, h100):
    """1 row per rank × 8 ranks = 8 tokens: (120/128)^8 = 0.9375^8 = 0.5967, so 128 × (1 − 0.5967)
    = 51.62 distinct experts in all, 51.62 / 8 = 6.45 on the rank."""
    expect = 128 * (1 - (120 / 128) ** 8) / 8
    assert moe.experts_read_per_rank(128, 8, 8, 8) == pytest.approx(expect) and round(expect, 2) == 6.45
    op = next(o for o in OpLatency(qwen, h100, 1, ep=8).decode(1024, 1).ops if o[0].startswith("MoE"))
    assert "6.5 of 16 on the rank read" in op[0]  # the label rounds to 0.1


def test_the_all_to_all_bytes_and_time_by_hand(qwen, h100):
    """Decode, batch 16 per DP rank, tp 1 × DP 8: one dispatch send buffer = 16 tokens × top-8 ×
    2,048 hidden × 2 bytes = 524,288 bytes; a dispatch and a combine per MoE layer: 96 calls.
    H100 NCCL all-to-all over 8 GPUs (kernels.yaml nccl_alltoall, fitted from aiconfigurator 0.12.0's
    nccl_perf.parquet): α 14.68 µs, β 338,730,972,359 bytes/s, so
    96 × (14.68 µs + 524,288 / 338,730,972,359 s) = 96 × 16.2278 µs = 1.5579 ms."""
    r = OpLatency(qwen, h100, 1, ep=8)
    alpha, beta, src = r.prof.alltoall(8)
    assert alpha == pytest.approx(14.68e-6) and beta == 338_730_972_359 and "nccl_perf.parquet (op alltoall) (8 GPUs)" in src
    assert comm.alltoall_bytes(16, 8, 2048, 2) == 524_288
    op = next(o for o in r.decode(2048, 16).ops if o[0].startswith("all-to-all"))
    assert op[0] == "all-to-all, EP dispatch + combine (96 × 524,288 bytes)" and op[2] == "comm"
    assert op[1] == pytest.approx(96 * (14.68e-6 + 524_288 / 338_730_972_359)) and round(op[1] * 1e3, 4) == 1.5579
    # no all-reduce at tp 1; bytes leaving the rank: 7/8 of each buffer, 96 × 458,752
    assert not any(o[0].startswith("all-reduce") for o in r.decode(2048, 16).ops)
    assert r.decode(2048, 16).comm_bytes == 96 * 458_752


def test_tp_inside_ep_splits_the_dispatch_and_keeps_the_all_reduce(qwen, h100):
    """tp 2 × DP 4 = EP 8: the 16 rows of an attention group are dispatched half by each of its 2
    ranks (8 × 8 × 2,048 × 2 = 262,144 bytes a call), the all-reduces stay (2 × 48 + 1 = 97)."""
    ops = OpLatency(qwen, h100, 2, ep=8).decode(2048, 16).ops
    names = [o[0] for o in ops]
    assert "all-to-all, EP dispatch + combine (96 × 262,144 bytes)" in names
    assert any(n.startswith("all-reduce (97 ×") for n in names)


def test_the_simulators_fast_path_sums_the_same_ops(qwen, h100):
    r = OpLatency(qwen, h100, 2, ep=8)
    for chunks, decodes in (((), 24), (((0, 512),), 7), (((100, 64), (0, 300)), 0)):
        step = r.mixed(chunks, [1500] * decodes)
        fast = r.mixed_sum(chunks, decodes, 1500 * decodes, 1500, seconds=True)
        assert fast == pytest.approx(sum(o[1] for o in step.ops), rel=1e-12)


@pytest.mark.parametrize("model,tp,dp,msg", [
    ("llama-3.1-8b", 1, 1, "needs a mixture-of-experts model; llama-3.1-8b is dense"),
    ("llama-3.1-8b", 1, 8, "needs a mixture-of-experts model"),
    ("mixtral-8x7b", 1, 16, "over 16 ranks (tp × data_parallel_size) does not divide mixtral-8x7b's 8 experts"),
    ("qwen3-30b-a3b", 1, 3, "does not divide qwen3-30b-a3b's 128 experts"),
])
def test_bad_combinations_are_errors(h100, model, tp, dp, msg):
    with pytest.raises(KvplanError, match=msg.replace("(", r"\(").replace(")", r"\)")):
        perfmod.perf(catalog.load_model(model), h100, 1024, tp=tp, data_parallel_size=dp, enable_expert_parallel=True)


runner = CliRunner()


def test_cli_prices_vllms_flags(qwen):
    r = runner.invoke(app, ["perf", "qwen3-30b-a3b", "--gpu", "h100", "--ctx", "2k", "--batch", "16", "--tp", "1",
                            "--data-parallel-size", "8", "--enable-expert-parallel", "--json"])
    assert r.exit_code == 0, r.output
    d = json.loads(r.stdout)
    assert d["data_parallel_size"] == 8 and d["expert_parallel"] == 8
    a2a = [o for o in d["decode_breakdown"] if o["op"].startswith("all-to-all")]
    assert a2a and "(96 × 524,288 bytes)" in a2a[0]["op"]
    text = runner.invoke(app, ["perf", "qwen3-30b-a3b", "--gpu", "h100", "--ctx", "2k", "--batch", "16",
                               "--data-parallel-size", "8", "--enable-expert-parallel", "--no-cache-compare"])
    assert text.exit_code == 0 and "dp 8 (EP 8) × h100" in text.stdout and "all-to-all time" in text.stdout


@pytest.mark.parametrize("args,msg", [
    (["llama-3.1-8b", "--enable-expert-parallel"], "--enable-expert-parallel needs a mixture-of-experts model"),
    (["mixtral-8x7b", "--data-parallel-size", "3", "--enable-expert-parallel"], "does not divide"),
    (["mixtral-8x7b", "--data-parallel-size", "2"], "add --enable-expert-parallel"),
    (["mixtral-8x7b", "--data-parallel-size", "0"], "--data-parallel-size"),
])
def test_cli_bad_combinations_are_one_line_and_non_zero(args, msg):
    r = runner.invoke(app, ["perf", *args, "--gpu", "h100", "--ctx", "1k"])
    err = r.stderr if r.stderr else r.output
    assert r.exit_code != 0 and msg in err and len(err.strip().splitlines()) == 1, err
    assert not math.isnan(r.exit_code)


@pytest.mark.parametrize("tp,dp", [(1, 8), (2, 4), (4, 2), (2, 1)])
def test_a_ranks_weights_are_fits_ep_plan(qwen, h100, tp, dp):
    """The step model's per-rank weights (Roofline._expert_bytes of whole experts, E/EP of them)
    equal `fit`'s under the same vLLM flags (kvplan/plan/parallel.py routed_bytes)."""
    from kvplan.engines.base import ServeOptions
    from kvplan.plan.fit import fit

    r = fit(qwen, h100, tp=tp, ctx=8000, opts=ServeOptions(data_parallel_size=dp, enable_expert_parallel=True))
    assert OpLatency(qwen, h100, tp, ep=tp * dp).weights_bytes == r.weights_bytes


def test_the_batch_table_uses_one_dp_ranks_memory_plan():
    r = runner.invoke(app, ["perf", "qwen3-30b-a3b", "--gpu", "h100", "--ctx", "8k", "--data-parallel-size", "8",
                            "--enable-expert-parallel", "--batch-table", "--json", "--no-cache-compare"])
    assert r.exit_code == 0, r.output
    plain = runner.invoke(app, ["perf", "qwen3-30b-a3b", "--gpu", "h100", "--ctx", "8k", "--batch-table", "--json",
                                "--no-cache-compare"])
    # EP 8 frees 7/8 of the 57.98 GB of experts on each rank, so more sequences fit than at tp 1 alone
    assert json.loads(r.stdout)["max_batch"] > json.loads(plain.stdout)["max_batch"]
