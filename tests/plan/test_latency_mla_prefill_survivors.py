"""Session 18's mutation run of lat21prefill's change (mut18g, MUTATION.md "Session 18 (MLA prefill)"): FLOPs as exact
ints, DeepSeek-V3.2's prefill counted as its decode, the attention peak exact, a simulator's step seconds on SGLang's
MLA context kernel, and a mixed pass of two prompt chunks. Numbers by hand.

DeepSeek-R1 at TP 8: 16 query heads on a rank, qk_nope 128 + qk_rope 64 = 192, v 128, latent 512, 61 MLA layers."""
import pytest

from kvplan.plan.latency import tables
from kvplan.plan.latency.step import OpLatency
from kvplan.sources import catalog


def r1(engine="vllm"):
    return OpLatency(catalog.load_model("deepseek-r1"), catalog.load_gpu("h200-sxm-141gb"), tp=8, engine=engine)


def test_mla_prefill_flops_are_exact_ints():
    """Positions 2-3 see 2 + 3 = 5 keys: 5 × 10,240 = 51,200 FLOPs, an int (not 51,200.0)."""
    mla = next(m for _, m, _, _ in r1().layers)
    for got, want in ((mla.prefill_flops(2, 3), 51_200), (mla.prefill_flops(2, 3, pad_v=True), 61_440)):
        assert got == want and type(got) is int


def test_deepseek_v32s_prefill_is_counted_as_its_decode():
    """DeepSeek-V3.2 (IndexedMLA) at TP 8: absorbed MLA 2 × 16 × (2 × 512 + 64) = 34,816 per key plus the indexer's
    2 × 64 × 128 = 16,384 (its 64 index heads are not split): 51,200 per key, V padding or not. Positions 3-4 see 7
    keys: 358,400; 1-4 see 10: 512,000."""
    st = OpLatency(catalog.load_model("deepseek-v3.2"), catalog.load_gpu("h200-sxm-141gb"), tp=8)
    m = next(m for _, m, _, _ in st.layers)
    assert (m.kind, m.num_heads, m.index_n_heads) == ("mla_indexed", 16, 64)
    assert m.prefill_flops(3, 4) == 358_400
    assert m.prefill_flops(1, 4, pad_v=True) == m.prefill_flops(1, 4) == 512_000


def test_attention_peak_is_the_cards_dense_bf16_peak_exactly():
    """H200 SXM: 989.5 dense bf16 TFLOPS (the GEMMs of this fp8 model run at the fp8 1,979)."""
    st = r1()
    assert st.attn_peak == 989_500_000_000_000
    assert st.peak_flops == 1_979_000_000_000_000


def test_a_simulators_step_seconds_price_mla_prefill_as_the_step_does():
    """OpLatency.seconds (a simulator's inner loop) adds the same ops as the priced step: SGLang's prefill on its
    measured MLA context kernel, not the GQA FlashAttention table."""
    st = r1("sglang")
    for n in (512, 4096):
        step = st.prefill(n)
        assert any("MLA context" in o[3] for o in step.ops)
        assert st.mixed_sum([(0, n)], 0, 0, seconds=True) == pytest.approx(step.seconds, rel=1e-12)


def test_a_mixed_pass_adds_every_chunks_prefill_flops():
    """A whole 1,000-token prompt (500,500 keys) and a chunk of 1,000 after 2,000 cached (positions 2,001-3,000:
    4,501,500 - 2,001,000 = 2,500,500 keys) in one pass: 61 × 10,240 × 3,001,000 = 1,874,544,640,000 FLOPs."""
    st = r1()
    assert st.mixed([(0, 1000), (2000, 1000)]).attention_flops == 61 * 10_240 * 3_001_000 == 1_874_544_640_000


# aiconfigurator 0.12.0 aiconfigurator_core/systems/data/h200_sxm/mla/<engine>/<version>/context_mla_perf.parquet, op
# mla_context, batch 1, bf16 KV, isl 4,096: latency (ms) by query heads on the GPU (read with pandas, session 18)
H200_4096_MS = {
    "sglang": {8: 0.247298, 16: 0.482238, 32: 0.972794, 64: 2.013299, 128: 3.917931},  # 0.5.14, flash_attention
    "trtllm": {8: 0.13461866974830627, 16: 0.20592000087102255, 32: 0.3502560059229533,  # 1.3.0rc20, default
               64: 0.6427573362986246, 128: 1.2490026950836182},
}


@pytest.mark.parametrize("engine, want", [("sglang", 0.1773), ("trtllm", 0.4958)])
def test_h200s_mla_context_efficiency_at_4096_from_the_measured_latencies(engine, want):
    """FLOPs of one head's causal MHA at 192 / 128 dims over 4,096 tokens: 2 × (192 + 128) × 8,390,656 =
    5,370,019,840; × heads / (ms × 1e-3 × 989.5e12), the median over 8-128 heads (SGLang's is 128 heads' 0.17730,
    TensorRT-LLM's 32 heads' 0.49582): the table's value, and the one DeepSeek-R1's prefill runs at."""
    per_head = 2 * (192 + 128) * (4096 * 4097 // 2)
    assert per_head == 5_370_019_840
    effs = sorted(h * per_head / (ms * 1e-3 * 989.5e12) for h, ms in H200_4096_MS[engine].items())
    assert round(effs[2], 4) == want
    t = tables.load("mla_context")["families"]["h200_sxm"]["engines"][engine]
    assert t["efficiency"][t["isl"].index(4096)] == want
    assert r1(engine).prof.prefill_attention_efficiency(4096, True)[0] == want


def test_the_mla_context_tables_families_hold_the_kernels_tables_gpus():
    """Profile.family comes from kernels.yaml (or rocm.yaml): a family's GPUs in mla_context.yaml are the same."""
    kern = tables.load("kernels")["families"]
    for name, fam in tables.load("mla_context")["families"].items():
        assert fam["gpus"] == kern[name]["gpus"], name
