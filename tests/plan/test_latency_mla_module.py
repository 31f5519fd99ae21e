"""vLLM's MLA module beyond its GEMMs and attention kernel (data/mla_module.yaml, written by
benchmarks/latency/derive_mla_module.py from aiconfigurator's measured DeepseekV2MLAAttention decode timings): per MLA
layer of a decode pass, the measured module time minus kvplan's price of the module's projections and attention,
by heads per rank and batch. DeepSeek-R1 at TP 8 on an H100 runs 128 / 8 = 16 heads a rank over 61 MLA layers."""
import pytest

from kvplan.plan.latency import tables
from kvplan.plan.latency.step import OpLatency
from kvplan.sources import catalog

H100 = tables.load("mla_module")["families"]["h100_sxm"]


def r1(engine="vllm", gpu="h100-sxm-80gb"):
    return OpLatency(catalog.load_model("deepseek-r1"), catalog.load_gpu(gpu), tp=8, weight_dtype="int4",
                     kv_dtype="fp16", engine=engine)


def rest(step):
    return [o for o in step.ops if o[0].startswith("MLA module rest")]


def test_the_grid_is_whole():
    assert H100["heads"] == [8, 16, 32, 64, 128] and H100["batch"][0] == 1
    assert all(len(H100["residual_us"][h]) == len(H100["batch"]) for h in H100["heads"])
    assert H100["source"].startswith("aiconfigurator 0.12.0: ") and "mla_generation_module_perf" in H100["source"]


@pytest.mark.parametrize("batch", [1, 4, 64])
def test_decode_pays_61_layers_at_the_measured_cell(batch):
    st = r1()
    step = st.decode(1000, batch)
    (op,) = rest(step)
    cell = H100["residual_us"][16][H100["batch"].index(batch)]
    assert op[1] == pytest.approx(61 * cell * 1e-6, rel=1e-9)
    assert op[0] == "MLA module rest (61 layers, norms, BMMs)"
    assert step.seconds == pytest.approx(sum(o[1] for o in step.ops), rel=1e-9)  # the fast path carries it


def test_the_term_moves_the_step_by_itself():
    st = r1()
    with_rest = st.decode(1000, 1).seconds
    st.mla_rest = None
    st._memo_rows.clear(), st._memo_seqs.clear()
    without = st.decode(1000, 1).seconds
    assert with_rest - without == pytest.approx(61 * H100["residual_us"][16][0] * 1e-6, rel=1e-9)


def test_only_where_vllms_tables_price_a_plain_mla_model():
    assert not rest(r1(engine="sglang").decode(1000, 1))  # SGLang's tables have no MLA module timing
    assert not rest(r1(gpu="a100-sxm-80gb").decode(1000, 1))  # no vLLM MLA module table for the A100
    llama = OpLatency(catalog.load_model("llama-3.1-8b"), catalog.load_gpu("h100-sxm-80gb"))
    assert not rest(llama.decode(1000, 1))
    assert not rest(r1().prefill(1000, 1))  # a decode-phase table: prefill passes do not take it
