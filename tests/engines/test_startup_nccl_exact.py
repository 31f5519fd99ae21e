"""vLLM's non-torch growth by interconnect and release (engines/vllm/startup.py overheads, session 15's
NCCL terms), each figure and source by hand (session 15's second mutation run: the survivors of
overheads' new lines, listed in MUTATION.md)."""
from kvplan.engines import ServeOptions
from kvplan.engines.vllm import startup
from kvplan.sources import catalog

GiB = 2**30
BASE = ("growth after the start-up snapshot; fitted on fit and seen rows (session 11, "
        "engines/vllm/startup.yaml)")


class _Cfg:
    max_num_batched_tokens = 8192
    max_num_seqs = 256


def _non_torch(gpu, tp, pp, version=None):
    m = catalog.load_model("llama-3.1-8b")
    return next(p for p in startup.overheads(m, catalog.load_gpu(gpu), _Cfg, ServeOptions(vllm_version=version),
                                             tp, pp) if p.key == "non_torch")


def test_pcie_only_cards_by_pipeline_stages():
    """Any split over more than one GPU (tp × pp > 1) on L40S (no NVLink) is charged TP 1's
    150,323,855 + the PCIe figure 75,161,928 = 225,485,783, and the NVLink figure's rest,
    440,234,148 − 75,161,928 = 365,072,220, is its uncertainty: TP 1 × PP 2 (tp / pp = 0.5) and
    TP 2 × PP 2 (tp / pp = 1) as TP 2 × PP 1, each saying why."""
    for tp, pp in ((1, 2), (2, 2), (2, 1)):
        n = _non_torch("l40s", tp, pp)
        assert (n.bytes, n.uncertainty) == (150_323_855 + 75_161_928, 440_234_148 - 75_161_928) \
            == (225_485_783, 365_072_220), (tp, pp)
        assert n.source == (BASE + "; NCCL over PCIe (no NVLink): the PCIe figure fitted on a fit-side log, the "
                            "rest of the NVLink figure carried as the uncertainty"), (tp, pp)


def test_nccl_before_the_snapshot_says_which_release_and_how_much():
    """vLLM 0.10.0 (before 0.11.0) on 8 H100s, and a release kvplan cannot read on TP 1 × PP 4:
    1,731,604,758 bytes of NCCL's charged and carried (1,731,604,758 / 2^30 = 1.6127, printed 1.61
    GiB), the source naming the release and the reason in full."""
    tail = (": 1.61 GiB of NCCL's on a group of more than two NVLink GPUs that can use NVLink SHARP, "
            "estimated (fitted on one fit-side log), carried as its uncertainty")
    old = _non_torch("h100", 8, 1, "0.10.0")
    assert (old.bytes, old.uncertainty) == (150_323_855 + 440_234_148 + 1_731_604_758, 1_731_604_758)
    assert old.source == (BASE + "; vLLM 0.10.0 takes its snapshot before NCCL's communicators exist "
                          "(gpu_worker.py init_device, before 0.11.0)" + tail)
    unread = _non_torch("h100", 1, 4, "not printed")
    # plus, as uncertainty only, the datacenter CUDA context (681,826,058 bytes, 0.63499 GiB, printed 0.63) that a
    # release up to 0.9.0 charges (startup.yaml whole_non_torch_until)
    assert (unread.bytes, unread.uncertainty) == (2_322_162_761, 1_731_604_758 + 681_826_058)
    assert unread.source == (BASE + "; a release kvplan cannot read may be one up to 0.9.0, which charges the "
                             "CUDA context and other processes too (0.63 GiB, carried as uncertainty)"
                             "; vLLM not printed is a release kvplan cannot read, so its snapshot may "
                             "come before NCCL's communicators" + tail)
    # TP 2 × PP 2: four GPUs, but each group is two (NCCL: no NVLS when gpuCount <= 2), nothing added
    two_by_two = _non_torch("h100", 2, 2, "0.10.0")
    assert (two_by_two.bytes, two_by_two.uncertainty, two_by_two.source) == (590_558_003, 0, BASE)
