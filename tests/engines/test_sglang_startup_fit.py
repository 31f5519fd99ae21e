"""SGLang's start-up terms (engines/sglang_startup.py) against the fit-side logs they are read from
(scripts/fit_sglang_startup.py), to the byte, and one log's budget by hand (issue 20)."""
import sys
from pathlib import Path

from kvplan.engines import ServeOptions
from kvplan.engines import sglang_startup as ss
from kvplan.plan import fit
from kvplan.sources import catalog

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))
import fit_sglang_startup  # noqa: E402


def test_stored_terms_are_the_fit_side_logs_to_the_byte():
    d = fit_sglang_startup.derive()
    assert (ss.PRE_LOAD_TP1["datacenter"]["value"], ss.PRE_LOAD_TP1["display"]["value"],
            ss.NCCL_TP["value"], ss.LOAD_EXTRA["value"]) == (
        d["tp1_datacenter"], d["tp1_display"], d["nccl"], d["load_extra"])


def test_pcie_nccl_is_the_seen_log_line_to_the_byte():
    # session 15: NCCL on PCIe-only cards from the seen 4 × L4 log's "Init torch distributed ends.
    # mem usage=0.13 GB" (scripts/fit_sglang_startup.py PCIE_SEEN_ROW)
    assert ss.NCCL_TP_PCIE["value"] == fit_sglang_startup.derive()["nccl_pcie"] == round(0.13 * 2**30)


def test_the_two_nvlink_logs_agree_on_nccl():
    # 4 × H100 (through the pool) and 8 × H200 (its own lines): 1,340,153,712 and 1,338,486,292 bytes
    by_row = fit_sglang_startup.derive()["_by_row"]
    nccl = [v for k, v in by_row.items() if k.startswith("nccl ")]
    assert sorted(nccl) == [1_338_486_292, 1_340_153_712]


def test_llmd_h100_qwen3_32b_log_by_hand():
    """llmd-gke-snapshot_h100_qwen3-32b_sglang0.5.19_mfs0.9 (SGLang 0.5.19, one H100, 0.90):
    used before = 681,826,058 (the datacenter context, read from this very log: CUDA's 84,938,346,987
    less 78.47 GB = 84,256,520,929 free, its pre); int(84,256,520,929 × 0.9) = 75,830,868,836; less
    kvplan's weights as loaded, 65,524,246,528, and LOAD_EXTRA 219,911,823: KV 10,086,710,485
    bytes; 262,144 bytes a token (64 layers × 8 KV heads × 128 × 2 × 2 B): 38,477 tokens. The log:
    39,078 tokens (9.54 GiB), 61.07 GB loaded: kvplan charges 0.16 GiB more while loading."""
    r = fit.fit(catalog.load_model("qwen3-32b"), catalog.load_gpu("h100"), engine="sglang",
                opts=ServeOptions(gpu_memory_utilization=0.9, max_model_len=8192))
    st = r.stages[0]
    assert st.weights_bytes == 65_524_246_528  # as loaded: + LOAD_EXTRA, what 'mem usage' counts
    assert st.weights_as_loaded == 65_524_246_528 + 219_911_823 == 65_744_158_351  # the log: 61.07 GB
    assert st.part("non_torch") == 681_826_058 and 84_938_346_987 - 681_826_058 == 84_256_520_929
    assert st.part("load_extra") == 219_911_823
    assert st.part("kv_cache") == 10_086_710_485
    assert r.capacity.kv_cache_tokens == 38_477 and r.capacity.detail["cell_size_bytes"] == 262_144
    assert r.capacity.kv_cache_tokens <= 39_078  # never more than the engine made


def test_a_term_off_by_one_byte_moves_the_budget(monkeypatch):
    base = fit.fit(catalog.load_model("qwen3-32b"), catalog.load_gpu("h100"), engine="sglang",
                   opts=ServeOptions(gpu_memory_utilization=1.0)).stages[0].part("kv_cache")
    monkeypatch.setitem(ss.LOAD_EXTRA, "value", ss.LOAD_EXTRA["value"] + 1)
    moved = fit.fit(catalog.load_model("qwen3-32b"), catalog.load_gpu("h100"), engine="sglang",
                    opts=ServeOptions(gpu_memory_utilization=1.0)).stages[0].part("kv_cache")
    assert moved == base - 1
