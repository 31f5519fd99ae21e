"""A card outside every kernel family streams at its own measured copy bandwidth where one is kept
(fallback.yaml measured_memory_efficiency: the RTX 4090; Profile.mem_eff), in place of the physics fallback's 0.83,
issue 21/22 session 21; figures by hand."""
import statistics

import pytest

from kvplan.plan.latency import gemm, tables
from kvplan.plan.latency.profile import Profile
from kvplan.plan.latency.step import OpLatency
from kvplan.sources import catalog

FB = tables.load("fallback")
M4090 = FB["measured_memory_efficiency"]["rtx-4090"]


def test_the_4090s_share_is_the_median_copy_figure_over_the_datasheet():
    """Six copy-kernel figures (nvbench's five vector widths, gpu-bench's D2D memcpy): sorted 904.3, 914.6, 918.8,
    920.2, 921.1, 921.9 GB/s, median (918.813 + 920.207) / 2 = 919.51 GB/s; 919.51 / 1,008 = 0.9122 -> 0.912,
    above the physics fallback's 0.83 (gpt-fast's A100: 1,700 / 2,039)."""
    figs = M4090["copy_gb_per_s"]
    assert len(figs) == 6 and statistics.median(figs) == pytest.approx(919.51)
    gpu = catalog.load_gpu("rtx-4090")
    assert gpu.memory_bandwidth_bytes_per_s == 1_008_000_000_000
    assert round(statistics.median(figs) * 1e9 / gpu.memory_bandwidth_bytes_per_s, 3) == M4090["efficiency"] == 0.912
    for f in ("920.2", "904.3", "921.9", "914.6", "921.1", "918.8", "xytpai/nvbench", "binbinsh/gpu-bench"):
        assert f in M4090["source"]


def test_the_4090_streams_at_it_and_other_cards_keep_theirs():
    p = Profile(catalog.load_gpu("rtx-4090"), "vllm")
    assert p.mem_eff == 0.912 and p.mem_source == "measured: " + M4090["source"]
    for name in ("rtx-3090", "l4"):  # no measured figure kept: the physics fallback's 0.83
        q = Profile(catalog.load_gpu(name), "vllm")
        assert q.mem_eff == FB["memory_efficiency"] == 0.83 and q.mem_source.startswith("physics fallback: ")
    assert Profile(catalog.load_gpu("mi300x"), "vllm").mem_eff == 0.803  # a family's own (rocm.yaml) comes first


def test_a_4090_decode_gemm_by_hand():
    """A batch-1 bf16 GEMM of 4,096 x 4,096 on the 4090 (no kernel table): weights 4096 x 4096 x 2 = 33,554,432 bytes
    plus the activations 2 x 1 x (4096 + 4096) x 2... as gemm.seconds counts them (2 x m x (n + k) = 16,384), over
    1,008 GB/s x 0.912 = 919.296 GB/s: 33,570,816 / 919.296e9 = 36.518 us (at 0.83: 40.126 us)."""
    p = Profile(catalog.load_gpu("rtx-4090"), "vllm")
    t, bound, src = gemm.seconds(p, 1, 4096, 4096, "bf16", "bf16", 165.2e12, 0.8)
    assert bound == "memory" and src.startswith("physics fallback: ") and "xytpai/nvbench" in src
    assert t == pytest.approx(33_570_816 / 919.296e9, rel=1e-12) == pytest.approx(36.518e-6, abs=1e-9)


def test_qwen25_7b_decodes_faster_on_the_4090_by_the_bandwidth_ratio(monkeypatch):
    """A decode step's pure weight-streaming GEMMs (the MLP, the LM head) take 0.83 / 0.912 of their time at the
    fallback's share, exactly; decode attention and the step's fixed overhead do not move. Qwen2.5-7B streams about
    14.1 GB of GEMM weights a step (7.07e9 weights outside the embedding x 2 bytes): 14.1e9 / (1,008e9 x 0.912)
    = 15.4 ms, against 16.9 ms at 0.83."""
    spec, gpu = catalog.load_model("qwen2.5-7b"), catalog.load_gpu("rtx-4090")

    def ops():
        return {name: s for name, s, *_ in OpLatency(spec, gpu, 1, engine="vllm").decode(400, 1).ops}

    now = ops()
    gemms = now["attention projections (GEMM)"] + now["MLP (GEMM)"] + now["logits (LM head GEMM)"]
    assert gemms == pytest.approx(14.1e9 / (1.008e12 * 0.912), rel=0.01)
    real = tables.load
    monkeypatch.setattr(tables, "load", lambda n: {k: v for k, v in real(n).items() if k != "measured_memory_efficiency"}
                        if n == "fallback" else real(n))
    before = ops()
    for k in ("MLP (GEMM)", "logits (LM head GEMM)"):
        assert now[k] == pytest.approx(before[k] * 0.83 / 0.912, rel=1e-12)
    for k in ("engine overhead (per step)", "decode attention (K/V read, mean ctx 400)"):
        assert now[k] == before[k]
