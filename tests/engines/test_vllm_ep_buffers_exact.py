"""Issue 25: vLLM 0.33's all-to-all lines (engines/vllm/ep_buffers.py) as whole records (label,
bytes, source, uncertainty), DeepEP's low-latency RDMA hint at sizes where each of its terms
decides, and the DP / EP thresholds at 2 replicas. Every number is hand arithmetic from the rules
test_vllm_ep_buffers.py cites (DeepEP 73b6ea4 csrc/config.hpp LowLatencyLayout, deep_ep.cpp
Buffer::Buffer; vLLM 0.33.0 config/parallel.py, fused_moe/, moe_runner.py), worked beside it."""
from types import SimpleNamespace

import pytest

from kvplan.engines import ServeOptions
from kvplan.engines.base import BudgetPart
from kvplan.engines.vllm import ep_buffers
from kvplan.errors import KvplanError
from kvplan.plan import fit
from kvplan.sources import catalog

CITE = "engines/vllm/ep_buffers.yaml"
EST = "; estimated (a shape estimate, not vLLM's profile run)"


def _budget(model="deepseek-v3", gpu="h200", **opts):
    r = fit.fit(catalog.load_model(model), catalog.load_gpu(gpu), tp=opts.pop("tp", 1), engine="vllm",
                opts=ServeOptions(max_model_len=8192, **opts))
    return {p.key: p for p in r.stages[0].budget}


def test_ll_rdma_hint_where_the_dispatch_message_decides():
    """3 tokens, hidden 128, 1 expert (ranks do not enter DeepEP's layout): scales 128 // 128 = 1;
    dispatch message 16 + max(256, 128 + 4) = 272; combine 4 + 256 = 260;
    send max(3 × 272, 1 × 3 × 260) = 816; recv max(1 × 3 × 272, 780) = 816; signal ceil(4 / 128) × 128 = 128;
    total 2 × 816 + 2 × 816 + 2 × 128 = 3,520; hint (3,520 + 128) // 128 × 128 = 28 × 128 = 3,584."""
    h = ep_buffers.ll_rdma_size_hint(3, 128, 2, 1)
    assert h == 3_584 and type(h) is int


def test_ll_rdma_hint_where_the_signal_needs_129_lines():
    """1 token, hidden 128, 4,128 experts: dispatch 272, combine 260 (above);
    send max(272, 4,128 × 260 = 1,073,280) = 1,073,280; recv max(4,128 × 272 = 1,122,816, 1,073,280) = 1,122,816;
    signal 4,128 × 4 = 16,512 = 129 × 128; total 2 × (1,073,280 + 1,122,816 + 16,512) = 4,425,216
    (34,572 × 128); hint (4,425,216 + 128) // 128 × 128 = 4,425,344."""
    h = ep_buffers.ll_rdma_size_hint(1, 128, 8, 4128)
    assert h == 4_425_344 and type(h) is int


def test_backend_message_names_every_backend():
    # config/parallel.py All2AllBackend (vLLM 0.33.0), less "passthrough"
    with pytest.raises(KvplanError) as e:
        ep_buffers.backend("fast")
    assert str(e.value) == (
        "--all2all-backend must be one of allgather_reducescatter, naive, pplx, deepep_high_throughput, "
        "deepep_low_latency, deepep_v2, mori_high_throughput, mori_low_latency, moonep, nixl_ep, "
        "flashinfer_all2allv, flashinfer_nvlink_two_sided, flashinfer_nvlink_one_sided; got 'fast'")


def test_nixl_ep_lowers_the_batched_tokens_too():
    # ParallelConfig.use_batched_dp_moe: deepep_low_latency or nixl_ep, with EP and DP > 1 → 256
    on = dict(enable_expert_parallel=True, data_parallel_size=2)
    assert ep_buffers.default_batched_tokens(ServeOptions(all2all_backend="nixl_ep", **on)) == 256
    assert ep_buffers.default_batched_tokens(ServeOptions(all2all_backend="deepep_low_latency", **on)) == 256
    assert ep_buffers.default_batched_tokens(ServeOptions(**on)) is None
    assert ep_buffers.uses_all2all(ServeOptions(**on))  # 2 replicas are enough


def test_two_replicas_with_and_without_ep():
    """DeepSeek-V3 (hidden 7,168; 256 experts, top-8, intermediate 2,048), H200, 8,192 batched tokens.
    DP 2 with EP (all-gather): (2 − 1) × 8,192 × (2 × 7,168 + 3 × 2,048 × 8) × 2 = 8,192 × 126,976
    = 1,040,187,392. DP 2 without EP (naive): 1 × 8,192 × ((2 + 8) × 7,168 × 2 + 256 × 4)
    = 8,192 × 144,384 = 1,182,793,728."""
    ep = _budget(data_parallel_size=2, enable_expert_parallel=True)
    assert ep["ep_dispatch"] == BudgetPart(
        "ep_dispatch", "all-to-all dispatch in the profile run", 1_040_187_392,
        "the MoE layers see 2 × 8,192 tokens: (2 − 1) × 8,192 × (2 × hidden + 3 × intermediate × top-k) "
        "× 2 bytes" + EST, 1_040_187_392)
    naive = _budget(data_parallel_size=2)
    assert naive["dp_dispatch"] == BudgetPart(
        "dp_dispatch", "DP all-gather of the MoE rows in the profile run", 1_182_793_728,
        "DP 2 without expert parallelism: each MoE layer all-gathers 2 × 8,192 tokens "
        "(moe_runner.py do_naive_dispatch_combine); (2 − 1) × 8,192 × ((2 + top-k 8) × hidden 7168 × 2 "
        "+ 256 router logits × 4) bytes" + EST, 1_182_793_728)


def test_deepep_low_latency_records_whole():
    """DP 8, EP, deepep_low_latency (256 tokens a rank): NVL 1,024 MiB + 160 + 32 MiB = 1,107,296,416;
    RDMA hint 3,816,818,816 (test_vllm_ep_buffers.py) in 8 granules of 512 MiB = 4,294,967,296 ± 536,870,912;
    receive 256 / 8 = 32 local experts × 8 × 256 × 7,168 × 2 = 939,524,096."""
    b = _budget(data_parallel_size=8, enable_expert_parallel=True, all2all_backend="deepep_low_latency")
    assert b["ep_buffers"] == BudgetPart(
        "ep_buffers", "all-to-all buffers (deepep_low_latency, NVLink)", 1_107_296_416,
        f"DeepEP NVL buffer VLLM_DEEPEP_BUFFER_SIZE_MB 1024 MiB + 160 bytes + 32 MiB workspace "
        f"(deep_ep.cpp Buffer::Buffer); {CITE}")
    assert b["ep_rdma"] == BudgetPart(
        "ep_rdma", "all-to-all RDMA buffer (deepep_low_latency, NVSHMEM)", 4_294_967_296,
        f"get_low_latency_rdma_size_hint(256, 7168, 8, 256) = 3,816,818,816 bytes, in whole 512 MiB NVSHMEM "
        f"granules: estimated (NVSHMEM's own state not computed); {CITE}", 536_870_912)
    assert b["ep_dispatch"] == BudgetPart(
        "ep_dispatch", "all-to-all dispatch in the profile run", 939_524_096,
        "DeepEP low-latency receive: 32 local experts × 8 ranks × 256 tokens × hidden 7168 × 2 bytes" + EST,
        939_524_096)
    assert type(b["ep_dispatch"].bytes) is int


def test_deepep_high_throughput_across_nodes_record():
    # tp 2 × dp 8 = 16 ranks > 8 NVLink peers: an RDMA buffer of 1,024 MiB = 2 granules of 512 MiB
    b = _budget(tp=2, data_parallel_size=8, enable_expert_parallel=True, all2all_backend="deepep_high_throughput")
    assert b["ep_rdma"] == BudgetPart(
        "ep_rdma", "all-to-all RDMA buffer (deepep_high_throughput, NVSHMEM)", 1_073_741_824,
        "RDMA buffer VLLM_DEEPEP_BUFFER_SIZE_MB across nodes (EP over more than 8 GPUs: 8-GPU nodes assumed), "
        f"in whole 512 MiB NVSHMEM granules: estimated; {CITE}", 536_870_912)


def test_unmodelled_backend_record():
    b = _budget(data_parallel_size=8, enable_expert_parallel=True, all2all_backend="mori_low_latency")
    assert b["ep_buffers"] == BudgetPart(
        "ep_buffers", "all-to-all buffers (mori_low_latency)", 0,
        "the mori_low_latency backend's buffers are not counted (kvplan has not read them)",
        1_073_741_824, unmodelled=True)


def test_the_largest_moe_sizes_the_dispatch():
    """A made-up gpt-oss-20b whose global layers hold 64 experts of 720 (64 × 720 = 46,080) beside the
    local layers' 32 of 2,880 (92,160): the larger, local, sizes the line. DP 2, EP, 1,024 tokens:
    (2 − 1) × 1,024 × (2 × 2,880 + 3 × 2,880 × 4) × 2 = 1,024 × 80,640 = 82,575,360
    (the global MoE would give 1,024 × (5,760 + 3 × 720 × 4) × 2 = 29,491,200)."""
    spec = catalog.load_model("gpt-oss-20b")
    g = spec.layer_types["global"]
    small = g.mlp.model_copy(update={"num_experts": 64, "intermediate_size": 720})
    spec = spec.model_copy(update={"layer_types": {**spec.layer_types,
                                                   "global": g.model_copy(update={"mlp": small})}})
    opts = ServeOptions(enable_expert_parallel=True, data_parallel_size=2)
    (part,) = ep_buffers.parts(spec, SimpleNamespace(max_num_batched_tokens=1024), opts, 1)
    assert part.key == "ep_dispatch" and part.bytes == 82_575_360
