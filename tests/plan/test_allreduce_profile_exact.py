"""Which all-reduce a profile reads and how it says so, word for word (latency/profile.py Profile.allreduce,
comm.curve_seconds past a curve's end, the all-to-all's fabric note, the split-KV fallback's source); each case
worked out by hand from data/allreduce_dispatch.yaml's rules (session 15's mutation run)."""
import pytest

from kvplan.model.hardware import SCALE_UP_FABRICS_SOURCE
from kvplan.plan.latency import comm, tables
from kvplan.plan.latency.profile import Profile
from kvplan.plan.latency.step import OpLatency
from kvplan.sources import catalog

MiB = 1024 * 1024
AR = tables.load("allreduce")["families"]


def test_past_the_largest_message_the_last_segment_carries_on_by_hand():
    """Points 1,024 -> 10 us, 4,096 -> 20 us, 16,384 -> 50 us: past the last, its segment's 30 us per 12,288 B
    carries on, 32,768 B -> 50 + 16,384 × 30 / 12,288 = 90 us; at the last point 50 us."""
    xs, us = [1024, 4096, 16384], [10.0, 20.0, 50.0]
    assert comm.curve_seconds(xs, us, 32768) == pytest.approx(90e-6, rel=1e-12)
    assert comm.curve_seconds(xs, us, 16384) == pytest.approx(50e-6, rel=1e-12)


def test_vllm_on_h100_runs_symmetric_memory_between_its_custom_kernel_and_nccl():
    """1 MiB at TP 8 on H100 (compute capability 9.0, NVSwitch multicast): vLLM's custom all-reduce stops at
    256 KiB there with symmetric memory on (max_bytes_with_symm_mem 9.0 / 8), symmetric memory takes up to 64 MiB,
    multimem at 8 GPUs; vLLM 0.2.5-0.7 (vllm_v0: no symmetric memory) runs its custom two-shot (1 MiB is past the
    256 KiB one-shot limit at 8 GPUs, under the 8 MiB cap). Both read vLLM's own measured 8-GPU curve."""
    h100 = catalog.load_gpu("h100")
    cur = AR["h100_sxm"]["engines"]["vllm"]
    want = comm.curve_seconds(cur["bytes"], cur["us"][8], MiB)
    t, s = Profile(h100, "vllm").allreduce(8, MiB)
    assert t == want
    assert s == f"{cur['source']} (8 GPUs; vllm runs symm-mem multimem; log-size interpolation)"
    t, s = Profile(h100, "vllm_v0").allreduce(8, MiB)
    assert t == want
    assert s == f"{cur['source']} (8 GPUs; vllm runs custom two-shot; log-size interpolation)"


def test_a_card_without_peer_access_runs_nccl():
    """RTX 3090 (startup.yaml no_peer_access_gpus: its stock driver gives no P2P): vLLM's custom all-reduce is off
    even at TP 2, so NCCL's curve, the PCIe reference card's (L40S) at 2 GPUs; an RTX 4090 (P2P) runs the custom
    one-shot on vLLM's L40S curve."""
    ref = AR["l40s"]
    t, s = Profile(catalog.load_gpu("rtx-3090"), "vllm").allreduce(2, 16_384)
    assert t == comm.curve_seconds(ref["nccl"]["bytes"], ref["nccl"]["us"][2], 16_384)
    assert s.startswith(f"physics fallback (PCIe): {ref['nccl']['source']} (2 GPUs; vllm runs NCCL; ")
    t, s = Profile(catalog.load_gpu("rtx-4090"), "vllm").allreduce(2, 16_384)
    assert t == comm.curve_seconds(ref["engines"]["vllm"]["bytes"], ref["engines"]["vllm"]["us"][2], 16_384)
    assert "(2 GPUs; vllm runs custom one-shot; " in s


def test_an_engine_kernel_with_no_table_reads_nccls_in_full():
    """MI300X: Infinity Fabric joins all 8 GPUs, so vLLM's rules pick the custom one-shot for 16 KiB, but the family
    has only RCCL's measured table: that curve, and the source says so."""
    fam = AR["mi300x"]
    t, s = Profile(catalog.load_gpu("mi300x"), "vllm").allreduce(8, 16_384)
    assert t == comm.curve_seconds(fam["nccl"]["bytes"], fam["nccl"]["us"][8], 16_384)
    assert s == (f"{fam['nccl']['source']} (8 GPUs; vllm runs custom one-shot, no table of it here: NCCL's; "
                 "log-size interpolation)")


def test_the_all_to_all_on_infinity_fabric_names_the_fabric_once():
    """MI300X has no measured all-to-all: the scale-up fabric's physics line, whose source ends with why Infinity
    Fabric counts as one ("; " + SCALE_UP_FABRICS_SOURCE), exactly once."""
    s = Profile(catalog.load_gpu("mi300x"), "vllm").alltoall(8)[2]
    assert s.startswith("physics fallback: ") and s.endswith("; " + SCALE_UP_FABRICS_SOURCE)
    assert s.count(SCALE_UP_FABRICS_SOURCE) == 1


def test_the_split_kv_fallbacks_source_in_full():
    """RTX 3090 (no decode table, no measured bandwidth) under vLLM: the physics fallback's source, then the split-KV
    rule's; the RTX 4090 (no decode table) streams at its own measured copy bandwidth (fallback.yaml
    measured_memory_efficiency, 0.912 in place of 0.83: session 21), and its source ends by saying so."""
    fb = tables.load("fallback")
    want = ("physics fallback: " + fb["decode_attention_source"] + "; split-KV (vllm): "
            + fb["decode_attention_split_kv"]["source"])
    p = OpLatency(catalog.load_model("llama-3-8b"), catalog.load_gpu("rtx-3090")).prof
    assert p.mem_eff == fb["memory_efficiency"]  # no bandwidth note
    assert p.decode_attention_efficiency(1, 8192, 8, 4)[2] == want
    p = OpLatency(catalog.load_model("llama-3-8b"), catalog.load_gpu("rtx-4090")).prof
    own = fb["measured_memory_efficiency"]["rtx-4090"]
    assert p.mem_eff == own["efficiency"] == 0.912
    assert p.decode_attention_efficiency(1, 8192, 8, 4)[2] == want + "; bandwidth measured: " + own["source"]
