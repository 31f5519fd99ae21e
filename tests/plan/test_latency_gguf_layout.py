"""A GGUF's weights as llama.cpp streams them in a decode step (issue 21, session 19).

Block formats stream their own blocks (gemm.stored_bytes): each of the N rows of K values in whole blocks of 32,
17 bytes an MXFP4 block (16 bytes of E2M1 pairs + one E8M0 scale), 34 a Q8_0 block (fp16 scale + 32 int8). Before
session 19 every format that ``BYTES_PER_WEIGHT`` did not list (mxfp4, q8_0, q5_*, ...) streamed 2 bytes a weight,
so llama.cpp's gpt-oss-20b MXFP4 decode on an RTX 4090 was priced at 99.7 tokens/s against 167-187 measured.

gpt-oss-20b's GGUF of type MXFP4 MoE (benchmarks/published/checkpoints.yaml): experts MXFP4, every other matrix Q8_0,
the LM head too (``WeightQuant.head_format``):
    one expert: gate + up 5,760 × 2,880 and down 2,880 × 2,880 = 3 × 2,880 rows × 90 blocks × 17 = 13,219,200 bytes,
      its biases (2 × 2,880 + 2,880) in bf16 17,280: 13,236,480
    the head: 201,088 × 90 blocks × 34 = 615,329,280 bytes
    the file: 20,914,757,184 parameters, 12,096,558,336 bytes = 11.2658 GiB (llama-bench prints 11.27 GiB, 20.91 B)."""
import sys
from pathlib import Path

import pytest

from kvplan.model.weights import WeightQuant
from kvplan.plan.latency import gemm
from kvplan.plan.latency.step import OpLatency
from kvplan.sources import catalog

ROOT = Path(__file__).resolve().parents[2]
GGUF = WeightQuant(scope="linear", format="q8_0", expert_format="mxfp4", head_format="q8_0")


def test_block_formats_stream_their_own_blocks():
    assert gemm.stored_bytes("mxfp4", 2880, 2880) == 2880 * 90 * 17 == 4_406_400
    assert gemm.stored_bytes("q8_0", 4096, 2880) == 4096 * 90 * 34 == 12_533_760
    assert gemm.stored_bytes("q5_1", 32, 64) == 32 * 2 * 24
    assert gemm.stored_bytes("mxfp4", 1, 33) == 34  # a partial block is a whole block
    # the formats BYTES_PER_WEIGHT lists keep their figure: int4 group 128 with scales and zeros, q4_0 18 / 32
    assert gemm.stored_bytes("int4", 5_505_024, 1) == 2_860_032
    assert gemm.stored_bytes("q4_0", 4096, 4096) == 4096 * 128 * 18
    assert gemm.stored_bytes("bf16", 10, 10) == 200


def gptoss(quant=GGUF, gpu="rtx-4090", **kw):
    spec = catalog.load_model("gpt-oss-20b").model_copy(update={"weight_quant": quant})
    return OpLatency(spec, catalog.load_gpu(gpu), engine="llamacpp", **kw)


def test_gguf_layout_experts_in_mxfp4_and_the_head_in_q8_0():
    m = gptoss()
    assert m.expert_bytes == [13_236_480, 13_236_480]  # its two layer types (sliding, full), 12 layers each
    assert m.head_fmt.wfmt == "q8_0" and m.proj_fmt.wfmt == "q8_0"
    assert gemm.stored_bytes(m.head_fmt.wfmt, *m.head) == 615_329_280
    # without a head format the head stays in the model's dtype, as every HF quantization config leaves it
    plain = gptoss(GGUF.model_copy(update={"head_format": None}))
    assert plain.head_fmt.wfmt == "bf16"
    logits = {n: t for n, t, _, _ in m.decode(128).ops}["logits (LM head GEMM)"]
    logits_bf16 = {n: t for n, t, _, _ in plain.decode(128).ops}["logits (LM head GEMM)"]
    assert logits == pytest.approx(logits_bf16 * 615_329_280 / 1_158_266_880, rel=1e-3)


def test_mxfp4_experts_priced_at_their_bytes_not_two_a_weight():
    """--weight-dtype mxfp4: a routed expert streams 13,219,200 bytes + biases, not 2 bytes a weight (49,766,400)."""
    m = gptoss(quant=None, weight_dtype="mxfp4")
    assert m.expert_bytes == [13_223_790, 13_223_790]  # its 8,640 biases in mxfp4 too: 270 blocks, 4,590 bytes
    experts = [t for n, t, _, _ in m.decode(128).ops if n.startswith("MoE experts")]
    per_layer = 4 * 13_223_790 / (m.prof.bw * m.prof.mem_eff)  # 4 of 32 experts at batch 1
    assert sum(experts) == pytest.approx(24 * per_layer, rel=0.01)


def test_the_gguf_layout_is_what_llama_bench_prints():
    """The layout's file size from kvplan's shapes: experts MXFP4, matrices Q8_0, 1-D tensors and router F32."""
    s = catalog.load_model("gpt-oss-20b")
    h, v, layers = s.hidden_size, s.vocab_size, s.num_layers
    lt = next(iter(s.layer_types.values()))
    q, kv, e, i = lt.mixer.num_heads * lt.mixer.head_dim, lt.mixer.num_kv_heads * lt.mixer.head_dim, \
        lt.mlp.num_experts, lt.mlp.intermediate_size
    mats = h * q + 2 * h * kv + q * h
    one_d = q + 2 * kv + h + 2 * h + lt.mixer.num_heads + e * h + e + 3 * e * i
    experts = 3 * e * i * h
    params = 2 * v * h + layers * (mats + one_d + experts) + h
    size = (2 * v * h + layers * mats) * 34 // 32 + layers * experts * 17 // 32 + 4 * (layers * one_d + h)
    assert round(params / 1e9, 2) == 20.91
    assert size == 12_096_558_336 and round(size / 2**30, 2) == 11.27


def test_the_rows_take_the_gguf_layout():
    sys.path.insert(0, str(ROOT / "scripts"))
    import perf_accuracy as pa

    row = {"id": "llamacpp-pr16834-4090-gpt-oss-20b-mxfp4-tg128-master", "model": "gpt-oss-20b",
           "weight_dtype": "mxfp4"}
    spec, wd = pa.spec_for(row)
    assert wd is None and spec.weight_quant == GGUF


def test_llamacpp_prefill_runs_as_micro_batches_of_512():
    """engines.yaml llamacpp ubatch_tokens 512 (llama-bench's n_ubatch): a 1,100-token prompt is three passes (0-511,
    512-1023, 1024-1099), each over the K/V before it, the LM head in the last alone; 512 tokens or fewer: one pass."""
    m = gptoss(gpu="rtx-6000-ada")
    one = m.prefill(512)
    assert one.ops == m._mixed([(0, 512)], 0, 0, 0, 0, 0).ops
    st = m.prefill(1100)
    passes = [m._mixed([(c, n)], 0, 0, 0, 0, 0) for c, n in ((0, 512), (512, 512), (1024, 76))]
    names = [n for n, _, _, _ in passes[0].ops]
    for i, (n, t, _, _) in enumerate(st.ops):
        want = passes[-1].ops[i][1] if n.startswith("logits") else sum(p.ops[i][1] for p in passes)
        assert t == pytest.approx(want, rel=1e-12)
    assert st.ops[names.index("prefill attention (causal, 512 tokens)")][0] == \
        "prefill attention (causal, 1,100 tokens in 3 micro-batches)"
    assert st.seconds == pytest.approx(sum(t for _, t, _, _ in st.ops), rel=1e-12)
    assert st.seconds == pytest.approx(sum(p.seconds for p in passes) - 2 * passes[0].ops[names.index(
        "logits (LM head GEMM)")][1], rel=1e-12)
    # every pass reads all 32 experts at 512 tokens: sixteen passes of 8,096 read them sixteen times
    assert m.prefill(8096).seconds > 10 * m.prefill(512).seconds
    # an engine without micro-batches prices one pass
    v = OpLatency(m.spec, catalog.load_gpu("rtx-6000-ada"), engine="vllm")
    assert v.prefill(1100).ops == v._mixed([(0, 1100)], 0, 0, 0, 0, 0).ops


def test_llamacpp_experts_pay_the_dense_gemms_dequant_factor():
    """llama.cpp's mul_mat_id runs the dense mmvq kernel over the selected experts (engines.yaml experts_kernel), so
    Qwen3-30B-A3B's Q4_0 experts stream at the llamacpp profile's fitted q4_0 (int4) factor, as its dense GEMMs do;
    vLLM's experts (its own fused-MoE kernels) do not."""
    spec, gpu = catalog.load_model("qwen3-30b-a3b"), catalog.load_gpu("rtx-4090")
    m = OpLatency(spec, gpu, weight_dtype="q4_0", engine="llamacpp")
    f, src = m.prof.dequant("q4_0")
    # f is 1.0 since session 21's refit (the RTX 4090 at its measured 0.912; 1.05 before): the factor is still the
    # dense GEMMs' own, fitted, and named
    assert f == 1.0 and "fitted on" in src and "llamacpp" in src and m.expert_dequant == (f, src)
    plain = OpLatency(spec, gpu, weight_dtype="q4_0", engine="llamacpp")
    plain.expert_dequant = (1.0, "")
    op = [o for o in m.decode(128).ops if o[0].startswith("MoE experts")][0]
    op0 = [o for o in plain.decode(128).ops if o[0].startswith("MoE experts")][0]
    assert op[1] == pytest.approx(f * op0[1], rel=1e-12) and "dequant" in op[3] and "dequant" not in op0[3]
    assert OpLatency(spec, gpu, weight_dtype="q4_0", engine="vllm").expert_dequant == (1.0, "")
    # a 16-bit or MXFP4 expert has no weight-only factor
    assert gptoss().expert_dequant == (1.0, "")
