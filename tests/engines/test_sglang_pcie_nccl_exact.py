"""SGLang's NCCL share and custom all-reduce on PCIe-only cards at exactly two GPUs, the edge of
session 14-15's rule (engines/sglang_startup.py NCCL_TP_PCIE, CUSTOM_AR), by hand (session 15's
mutation run: the survivors of budget_parts' wording and uncertainty at two GPUs)."""
from kvplan.engines.sglang_startup import (NCCL_TP_PCIE, NCCL_TP_PCIE_UNCERTAINTY, PRE_LOAD_TP1,
                                           PRE_LOAD_UNCERTAINTY, budget_parts, custom_all_reduce_bytes)
from kvplan.sources import catalog

GiB = 2**30


def test_two_pcie_only_gpus_keep_the_custom_all_reduce_and_carry_nccls_risk():
    """custom_all_reduce.py turns the custom all-reduce off on more than two PCIe-only GPUs only, so
    at world size 2 (an L4 pair, "PCIe Gen4 x16" in the catalog) its 3 × 8 MiB = 25,165,824 bytes are
    charged and the source names no "no custom all-reduce"; NCCL is the PCIe figure read from one SGLang
    log (139,586,437), its uncertainty the vLLM log's 751,619,276 on top of the context's 536,870,912."""
    l4 = catalog.load_gpu("l4")
    assert custom_all_reduce_bytes(2, l4) == 3 * 8 * 2**20 == 25_165_824
    nt = budget_parts(22 * GiB, 0.85, 0, 2, l4, 2)[1]
    assert nt.bytes == PRE_LOAD_TP1["datacenter"]["value"] + NCCL_TP_PCIE["value"] + 25_165_824
    assert NCCL_TP_PCIE["value"] == 139_586_437
    assert nt.uncertainty == PRE_LOAD_UNCERTAINTY["value"] + NCCL_TP_PCIE_UNCERTAINTY["value"] \
        == 536_870_912 + 751_619_276
    assert nt.source == ("a datacenter card's context from the fit half of the SGLang logs + NCCL on PCIe-only "
                         "cards, read from one seen SGLang log at 4 GPUs, up to a vLLM log's figure "
                         "(engines/sglang_startup.py NCCL_TP_PCIE)")
    # four of them: the custom all-reduce is off, and the source says so
    nt4 = budget_parts(22 * GiB, 0.85, 0, 4, l4, 4)[1]
    assert nt4.bytes == nt.bytes - 25_165_824
    assert nt4.source.endswith("up to a vLLM log's figure; no custom all-reduce past two PCIe-only GPUs "
                               "(engines/sglang_startup.py NCCL_TP_PCIE)")
