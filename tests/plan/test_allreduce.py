"""All-reduce by message size (kvplan/plan/latency/comm.py, data/allreduce.yaml, data/allreduce_dispatch.yaml):
the log-size interpolation worked by hand, and which all-reduce each engine runs at each size, one byte either
side of every boundary its code draws (issue 21)."""
import math

import pytest

from kvplan.plan.latency import comm, tables
from kvplan.plan.latency.profile import Profile
from kvplan.sources import catalog

KiB, MiB = 1024, 1024 * 1024
AR = tables.load("allreduce")["families"]


# ---- the curve ------------------------------------------------------------------------------
def test_interpolation_is_linear_in_log_size_by_hand():
    """Points 1,024 B -> 10 us and 4,096 B -> 20 us: 2,048 B is half-way in log size, 15 us; at or below the first
    point 10 us; past the last the last segment's 10 us per 3,072 B carries on: 8,192 B -> 20 + 4,096 × 10 / 3,072
    = 33.33 us."""
    xs, us = [1024, 4096], [10.0, 20.0]
    assert comm.curve_seconds(xs, us, 2048) == pytest.approx(15e-6, rel=1e-12)
    assert comm.curve_seconds(xs, us, 1024) == pytest.approx(10e-6) and comm.curve_seconds(xs, us, 16) == pytest.approx(10e-6)
    assert comm.curve_seconds(xs, us, 4096) == pytest.approx(20e-6)
    assert comm.curve_seconds(xs, us, 8192) == pytest.approx((20 + 4096 * 10 / 3072) * 1e-6, rel=1e-12)
    # a quarter of the way in log size (1,024 × 2^0.5 = 1,448.15 B): 12.5 us
    assert comm.curve_seconds(xs, us, 1024 * math.sqrt(2)) == pytest.approx(12.5e-6, rel=1e-12)


def test_a_spike_gives_way_to_the_larger_messages_time():
    """[5, 9, 7, 8] us: the 9 us point is slower than the next size's 7, so it reads 7; the rest stand."""
    us = [5.0, 9.0, 7.0, 8.0]
    assert comm.envelope(us) == [5.0, 7.0, 7.0, 8.0]
    assert comm.curve_seconds([1, 2, 4, 8], us, 2) == pytest.approx(7e-6)


def test_the_h100_vllm_curve_at_a_decode_message_by_hand():
    """Llama-3-70B decode at batch 1, TP 8: 8,192 hidden × 2 bytes = 16,384 B, a measured point of vLLM 0.24's
    8-GPU graph-mode curve on H100 (aiconfigurator), read as published unless a larger size was faster."""
    cur = AR["h100_sxm"]["engines"]["vllm"]
    i = cur["bytes"].index(16_384)
    want = min(cur["us"][8][i:])
    t, s = Profile(catalog.load_gpu("h100"), "vllm").allreduce(8, 16_384)
    assert t == pytest.approx(want * 1e-6, rel=1e-12) and 3 < want < 10  # a few microseconds, not the old 12 + bytes/β
    assert "vllm runs custom one-shot" in s and "log-size interpolation" in s


# ---- which all-reduce runs ---------------------------------------------------------------------
NV_H100 = dict(fully_connected=True, p2p=True, capability="9.0", multicast=True)
NV_A100 = dict(fully_connected=True, p2p=True, capability=None, multicast=True)
PCIE = dict(fully_connected=False, p2p=True, capability=None, multicast=False)


@pytest.mark.parametrize("tp, nbytes, want", [
    # A100 (no symmetric memory): custom all-reduce below 8 MiB; one-shot below 256 KiB at 8 GPUs, 512 KiB at 4
    (8, 256 * KiB - 16, "custom one-shot"), (8, 256 * KiB, "custom two-shot"),
    (6, 256 * KiB - 16, "custom one-shot"), (6, 256 * KiB, "custom two-shot"),
    (4, 512 * KiB - 16, "custom one-shot"), (4, 512 * KiB, "custom two-shot"),
    (2, 8 * MiB - 16, "custom one-shot"),
    (8, 8 * MiB - 16, "custom two-shot"), (8, 8 * MiB, "NCCL"),
    (8, 256 * KiB - 8, "NCCL"),  # not a multiple of 16 bytes: no custom all-reduce
    (3, 1024, "NCCL"), (16, 1024, "NCCL"),  # no custom world size
])
def test_vllm_on_a100(tp, nbytes, want):
    assert comm.choice("vllm", tp, nbytes, **NV_A100) == want


@pytest.mark.parametrize("tp, nbytes, want", [
    # H100 with NVSwitch multicast: custom all-reduce only below 256 KiB at 8 GPUs, then torch symmetric memory (multimem)
    # up to 64 MiB inclusive, then NCCL
    (8, 256 * KiB - 16, "custom one-shot"), (8, 256 * KiB, "symm-mem multimem"),
    (8, 64 * MiB, "symm-mem multimem"), (8, 64 * MiB + 16, "NCCL"),
    (4, 512 * KiB - 16, "custom one-shot"), (4, 512 * KiB, "custom two-shot"),
    (4, 8 * MiB - 16, "custom two-shot"), (4, 8 * MiB, "symm-mem multimem"),  # custom's own 8 MiB cap
    (4, 32 * MiB, "symm-mem multimem"), (4, 32 * MiB + 16, "NCCL"),
    (2, 8 * MiB - 16, "custom one-shot"), (2, 8 * MiB, "symm-mem two-shot"), (2, 64 * MiB + 16, "NCCL"),
])
def test_vllm_on_h100(tp, nbytes, want):
    assert comm.choice("vllm", tp, nbytes, **NV_H100) == want


def test_vllm_turns_its_custom_all_reduce_off():
    """--disable-custom-all-reduce, more than two PCIe-only GPUs, no P2P: NCCL (on H100 symmetric memory still runs)."""
    assert comm.choice("vllm", 8, 1024, **NV_A100, custom_ar=False) == "NCCL"
    assert comm.choice("vllm", 8, 1024, **NV_H100, custom_ar=False) == "symm-mem multimem"
    assert comm.choice("vllm", 4, 1024, **PCIE) == "NCCL"
    assert comm.choice("vllm", 2, 1024, **PCIE) == "custom one-shot"
    assert comm.choice("vllm", 2, 1024, **{**PCIE, "p2p": False}) == "NCCL"


def test_sglang_and_trtllm():
    """SGLang: vLLM 0.6's rules, 8 MiB, no symmetric memory by default; TensorRT-LLM: its own kernels (AUTO) where
    peers are reachable, NCCL on more than two PCIe-only GPUs."""
    assert comm.choice("sglang", 8, 256 * KiB - 16, **NV_H100) == "custom one-shot"
    assert comm.choice("sglang", 8, 256 * KiB, **NV_H100) == "custom two-shot"
    assert comm.choice("sglang", 8, 8 * MiB - 16, **NV_H100) == "custom two-shot"
    assert comm.choice("sglang", 8, 8 * MiB, **NV_H100) == "NCCL"
    assert comm.choice("trtllm", 8, 1024, **NV_H100) == "custom (AUTO)"
    assert comm.choice("trtllm", 8, 1024, **PCIE) == "NCCL"
    assert comm.choice(None, 8, 1024, **NV_H100) == "NCCL"


def test_the_profile_prices_the_choice():
    """L40S (PCIe): vLLM at TP 2 runs its custom all-reduce, its own L40S curve; at TP 8 NCCL's L40S curve. Under
    --disable-custom-all-reduce style routing (llama.cpp: NCCL) an H100's NCCL curve."""
    l40s = catalog.load_gpu("l40s")
    fam = AR["l40s"]
    t, s = Profile(l40s, "vllm").allreduce(2, 16_384)
    assert t == comm.curve_seconds(fam["engines"]["vllm"]["bytes"], fam["engines"]["vllm"]["us"][2], 16_384)
    t, s = Profile(l40s, "vllm").allreduce(8, 16_384)
    assert t == comm.curve_seconds(fam["nccl"]["bytes"], fam["nccl"]["us"][8], 16_384) and "vllm runs NCCL" in s
