"""vLLM 0.33's expert-parallel all-to-all buffers (kvplan/engines/vllm/ep_buffers.py), by hand.

Golden sizes are hand arithmetic from DeepEP 73b6ea4's csrc/config.hpp LowLatencyLayout and
csrc/deep_ep.cpp Buffer::Buffer, and vLLM 0.33.0's envs.py / all2all.py (read from the wheel).
DeepEP itself was not run: it needs CUDA and NVSHMEM, which the CPU machine lacks. vLLM's
pure-python parts were run from the 0.33.0 wheel (scripts/oracles/vllm/ep_buffers_oracle.py,
deep_ep stubbed; torch 2.13.0+cpu) and printed: default all2all_backend allgather_reducescatter,
VLLM_DEEPEP_BUFFER_SIZE_MB 1024, DEFAULT_MAX_NUM_BATCHED_TOKENS_FOR_BATCHED_DP 256, LL hidden
2048 → 2048, 2880 → 3072, 4096 → 4096, 7168 → 7168 (MEASURED below).
"""
import pytest
from typer.testing import CliRunner

from kvplan.cli import app
from kvplan.engines import ServeOptions
from kvplan.engines.vllm import ep_buffers
from kvplan.errors import KvplanError
from kvplan.plan import fit
from kvplan.sources import catalog

GiB = 2**30


def _budget(model="deepseek-v3", gpu="h200", **opts):
    r = fit.fit(catalog.load_model(model), catalog.load_gpu(gpu), tp=opts.pop("tp", 1), engine="vllm",
                opts=ServeOptions(max_model_len=8192, **opts))
    return r, {p.key: p for p in r.stages[0].budget}


def test_ll_rdma_hint_deepseek_v3_by_hand():
    """256 tokens per rank, hidden 7,168, 8 ranks, 256 experts:
    scales = 7,168 / 128 = 56
    dispatch message = 16 + max(7,168 × 2, 7,168 + 56 × 4) = 16 + 14,336 = 14,352
    combine message = 56 × 4 + 7,168 × 2 = 14,560
    send = max(256 × 14,352, 256 × 256 × 14,560) = 954,204,160
    recv = max(256 × 256 × 14,352, 256 × 256 × 14,560) = 954,204,160
    signal = 256 × 4 = 1,024 (already a multiple of 128)
    total = 2 × 954,204,160 + 2 × 954,204,160 + 2 × 1,024 = 3,816,818,688
    hint = (3,816,818,688 + 128) // 128 × 128 = 3,816,818,816 (DeepEP always adds one alignment)."""
    assert ep_buffers.ll_rdma_size_hint(256, 7168, 8, 256) == 3_816_818_816


def test_ll_rdma_hint_small_by_hand():
    """128 tokens, hidden 2,048, 2 ranks, 8 experts: scales 16; dispatch 16 + max(4,096, 2,112) =
    4,112; combine 64 + 4,096 = 4,160; send max(526,336, 4,259,840) = 4,259,840; recv max(4,210,688,
    4,259,840) = 4,259,840; signal 32 → 128; total 2 × (4,259,840 + 4,259,840 + 128) = 17,039,616;
    hint (17,039,616 + 128) // 128 × 128 = 17,039,744."""
    assert ep_buffers.ll_rdma_size_hint(128, 2048, 2, 8) == 17_039_744


MEASURED = {"default": "allgather_reducescatter", "buffer_mb": 1024, "batched_dp_tokens": 256,
            "ll_hidden": {2048: 2048, 2880: 3072, 4096: 4096, 7168: 7168}}


def test_matches_vllm_033_pure_python():
    c = ep_buffers.constants()
    assert ep_buffers.backend(None) == MEASURED["default"]
    assert c["deepep_buffer_size_mb"] == MEASURED["buffer_mb"]
    assert c["ll_batched_dp_tokens"] == MEASURED["batched_dp_tokens"]
    for h, rounded in MEASURED["ll_hidden"].items():
        assert ep_buffers.ll_hidden(h) == rounded


def test_ll_hidden_rounds_up():
    # DeepEPLLPrepareAndFinalize.SUPPORTED_HIDDEN_SIZES: 2,880 (gpt-oss) runs as 3,072
    assert ep_buffers.ll_hidden(2880) == 3072 and ep_buffers.ll_hidden(7168) == 7168
    with pytest.raises(KvplanError):
        ep_buffers.ll_hidden(8193)


def test_backends_and_default():
    assert ep_buffers.backend(None) == "allgather_reducescatter"
    # removed in 0.33: ParallelConfig.__post_init__ falls back to allgather_reducescatter
    assert ep_buffers.backend("pplx") == ep_buffers.backend("naive") == "allgather_reducescatter"
    with pytest.raises(KvplanError, match="--all2all-backend"):
        ep_buffers.backend("pplx2")


def test_no_all2all_without_dp_or_ep():
    _, b = _budget(enable_expert_parallel=True)  # EP over tp 1 × dp 1: no all-to-all kernels
    assert not {"ep_buffers", "ep_rdma", "ep_dispatch"} & set(b)
    _, b = _budget(data_parallel_size=8)  # DP without EP: experts TP-split, all-reduce
    assert not {"ep_buffers", "ep_rdma"} & set(b)


def test_dp_without_ep_charges_the_naive_all_gather_by_hand():
    """DP 8 without EP (moe_runner.py do_naive_dispatch_combine): no buffer, but the profile run's MoE
    all-gathers 8 × 8,192 tokens. Extra = 7 × 8,192 × ((2 + 8) × 7,168 × 2 + 256 × 4)
    = 57,344 × 144,384 = 8,279,556,096 bytes, estimated: its uncertainty is itself."""
    r, b = _budget(data_parallel_size=8)
    assert b["dp_dispatch"].bytes == 8_279_556_096 == b["dp_dispatch"].uncertainty
    assert "ep_dispatch" not in b
    _, one = _budget()  # one replica: nothing gathered
    assert "dp_dispatch" not in one
    _, dense = _budget(model="llama-3.1-8b", data_parallel_size=4)  # no MoE layer: nothing
    assert "dp_dispatch" not in dense


def test_default_backend_deepseek_v3_dp8_by_hand():
    """allgather_reducescatter has no buffer; its profile run's MoE sees 8 × 8,192 tokens
    (H200: 8,192 batched tokens by default). Extra = 7 × 8,192 × (2 × 7,168 + 3 × 2,048 × 8) × 2
    = 57,344 × 63,488 × 2 = 7,281,311,744 bytes, estimated: its uncertainty is itself."""
    r, b = _budget(data_parallel_size=8, enable_expert_parallel=True)
    assert "ep_buffers" not in b
    assert b["ep_dispatch"].bytes == 7_281_311_744 == b["ep_dispatch"].uncertainty
    _, plain = _budget(data_parallel_size=8, enable_expert_parallel=True, all2all_backend="naive")
    assert plain["ep_dispatch"].bytes == 7_281_311_744


def test_deepep_low_latency_deepseek_v3_dp8_by_hand():
    """deepep_low_latency lowers --max-num-batched-tokens' default to 256.
    NVL: 1,024 MiB + 160 bytes + 32 MiB workspace = 1,073,741,824 + 160 + 33,554,432 = 1,107,296,416.
    RDMA: hint 3,816,818,816 (above) in 512 MiB granules: ceil(3,816,818,816 / 536,870,912) = 8 →
    4,294,967,296, ± 536,870,912.
    Dispatch: 256 / 8 = 32 local experts × 8 ranks × 256 tokens × 7,168 × 2 = 939,524,096."""
    r, b = _budget(data_parallel_size=8, enable_expert_parallel=True, all2all_backend="deepep_low_latency")
    assert b["ep_buffers"].bytes == 1_107_296_416 and b["ep_buffers"].uncertainty == 0
    assert b["ep_rdma"].bytes == 4_294_967_296 and b["ep_rdma"].uncertainty == 536_870_912
    assert b["ep_dispatch"].bytes == 939_524_096
    assert r.capacity.detail["max_num_batched_tokens"] == 256


def test_deepep_high_throughput_intra_and_inter_node():
    """HT inside a node: NVL + workspace only (1,107,296,416); its dispatch as all-gather's.
    Over 16 ranks (tp 2 × dp 8, two 8-GPU nodes): an RDMA buffer of 1,024 MiB = 2 granules of
    512 MiB. Its MoE still sees 8 × 8,192 tokens (the tp ranks split each replica's tokens before
    the gather), so the dispatch line is unchanged."""
    _, b = _budget(data_parallel_size=8, enable_expert_parallel=True, all2all_backend="deepep_high_throughput")
    assert b["ep_buffers"].bytes == 1_107_296_416 and "ep_rdma" not in b
    assert b["ep_dispatch"].bytes == 7_281_311_744
    _, b = _budget(tp=2, data_parallel_size=8, enable_expert_parallel=True,
                   all2all_backend="deepep_high_throughput")
    assert b["ep_rdma"].bytes == 2 * 536_870_912
    assert b["ep_dispatch"].bytes == 7_281_311_744


def test_buffers_come_off_the_kv_budget():
    """0.33 charges the KV budget with all memory lost since the snapshot (memory_profiling
    total_consumed): the KV cache shrinks by exactly the new lines."""
    _, base = _budget(data_parallel_size=8, enable_expert_parallel=True, activation_bytes=0)
    _, ll = _budget(data_parallel_size=8, enable_expert_parallel=True, activation_bytes=0,
                    all2all_backend="deepep_low_latency", max_num_batched_tokens=8192)
    extra = sum(ll[k].bytes for k in ("ep_buffers", "ep_rdma", "ep_dispatch"))
    assert base["kv_cache"].bytes + base["ep_dispatch"].bytes - ll["kv_cache"].bytes == extra


def test_unmodelled_backend_is_never_fits():
    r, b = _budget(data_parallel_size=8, enable_expert_parallel=True, all2all_backend="mori_low_latency")
    assert b["ep_buffers"].unmodelled
    assert r.judgement.verdict == "at_risk" and r.judgement.deciding_term == "ep_buffers"


def test_cli_shows_the_term_and_refuses_a_bad_backend():
    run = CliRunner().invoke(app, ["fit", "deepseek-v3", "--gpu", "h200", "--tp", "1",
                                   "--data-parallel-size", "8", "--enable-expert-parallel",
                                   "--all2all-backend", "deepep_low_latency"])
    assert "all-to-all RDMA buffer" in run.output and "all-to-all buffers" in run.output
    bad = CliRunner().invoke(app, ["fit", "deepseek-v3", "--gpu", "h200", "--data-parallel-size", "8",
                                   "--enable-expert-parallel", "--all2all-backend", "fast"])
    assert bad.exit_code != 0 and "Traceback" not in bad.output and "--all2all-backend" in bad.output
