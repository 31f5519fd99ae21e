"""llama.cpp's prefill in 512-token micro-batches (step.OpLatency._ubatched, session 19's lat21cpp), field by field
(session 19's mutation pass, mut19c; MUTATION.md "Session 19 (llama.cpp GGUF pricing, MoE row bound)").

Llama-3.1-8B in bf16 on an RTX 4090 under llama.cpp (engines.yaml ``ubatch_tokens: 512``), a 1,100-token prompt:
three passes of 512, 512 and 76 tokens. By hand (32 layers, 8 K/V heads of 128, bf16 K/V):
    K/V a token: 2 × 8 × 128 × 2 bytes × 32 layers = 131,072 bytes; written 1,100 × 131,072 = 144,179,200
    K/V read: the 2nd pass the 1st's 512 tokens, the 3rd the first 1,024: 1,536 × 131,072 = 201,326,592
    weights: every pass reads all of them again, 3 × one pass's
    attention: 605,550 causal (query, key) pairs (1 + ... + 1,100) × 4 × 32 heads × 128 × 32 layers = 524,288 FLOPs
      a pair: 317,482,598,400; GEMMs 2 × 7,504,924,672 parameters (no embedding) × 1,100 tokens."""
import pytest

from kvplan.plan.latency.step import OpLatency, _Alike
from kvplan.sources import catalog


def llama(gpu="rtx-4090"):
    return OpLatency(catalog.load_model("llama-3.1-8b"), catalog.load_gpu(gpu), engine="llamacpp")


def one_pass(m, cached, new, batch=1):
    return m._mixed(_Alike((cached, new), batch), 0, 0, 0, 0, 0)


def test_a_1100_token_prompt_is_three_passes_field_by_field():
    m = llama()
    p = m.prefill(1100)
    assert (p.phase, p.batch, p.ctx, p.tokens) == ("prefill", 1, 0, 1100)
    assert p.kv_write_bytes == 1100 * 131_072 == 144_179_200
    assert p.kv_read_bytes == 1536 * 131_072 == 201_326_592
    assert p.weight_bytes == 3 * m.decode(1).weight_bytes == 48_181_567_488
    assert p.state_bytes == 0 and p.comm_bytes == 0
    assert p.bytes == 48_181_567_488 + 201_326_592 + 144_179_200
    assert p.attention_flops == 605_550 * 524_288 == 317_482_598_400
    assert p.matmul_flops == 2 * 7_504_924_672 * 1100 == 16_510_834_278_400
    assert p.flops == 16_510_834_278_400 + 317_482_598_400


def test_the_ops_carry_the_last_passs_bounds_and_sources_and_the_whole_prompts_attention_name():
    m = llama()
    p = m.prefill(1100)
    last = one_pass(m, 1024, 76)
    assert [(o[0], o[2], o[3]) for o in p.ops] == [
        (("prefill attention (causal, 1,100 tokens in 3 micro-batches)" if n.startswith("prefill attention") else n),
         b, s) for n, _, b, s in last.ops]
    # the 512-token passes are compute bound where the 76-token one is not: the bounds are the last pass's
    first = one_pass(m, 0, 512)
    assert [o[2] for o in first.ops] != [o[2] for o in last.ops]


def test_the_head_is_priced_once_in_its_own_bound():
    """Only the last micro-batch computes logits: the three passes' memory and compute seconds less two heads, in
    the bound the head has. At 4-token prompts × 256 sequences (two passes of 2 tokens each) the head GEMM of 256
    rows is compute bound on an RTX 4090, at one 1,100-token prompt memory bound."""
    m = llama()
    for tokens, batch, bound, parts in ((1100, 1, "memory", ((0, 512), (512, 512), (1024, 76))),
                                        (4, 256, "compute", ((0, 2), (2, 2)))):
        p = m.prefill(tokens, batch)
        passes = [one_pass(m, c, n, batch) for c, n in parts]
        head = [o for o in passes[0].ops if o[0].startswith("logits")]
        assert len(head) == 1 and head[0][2] == bound
        k = len(parts) - 1
        mem = sum(s.memory_s for s in passes) - (k * head[0][1] if bound == "memory" else 0.0)
        comp = sum(s.compute_s for s in passes) - (k * head[0][1] if bound == "compute" else 0.0)
        assert p.memory_s == pytest.approx(mem, rel=1e-12) and p.compute_s == pytest.approx(comp, rel=1e-12)
        assert p.overhead_s == pytest.approx(sum(s.overhead_s for s in passes), rel=1e-12)
        assert {o[0]: o[1] for o in p.ops}["logits (LM head GEMM)"] == head[0][1]


def test_more_sequences_than_a_micro_batch_holds_is_one_pass_of_a_token_each():
    """600 one-token prompts: 512 // 600 rounds to 0 tokens of each a pass, floored at 1: one pass, priced as
    the plain prefill's one pass (nothing subtracted: no pass without outputs)."""
    m = llama()
    p, one = m.prefill(1, 600), one_pass(m, 0, 1, 600)
    assert (p.memory_s, p.compute_s, p.weight_bytes, p.batch) == (one.memory_s, one.compute_s, one.weight_bytes, 600)


def test_the_micro_batch_holds_512_tokens_across_the_sequences():
    """4-token prompts × 300 sequences: 512 // 300 = 1 token of each a pass, four passes (the weights read 4 times);
    × 256: 2 tokens of each, two passes; × 128 (512 tokens, not above 512): one plain pass."""
    m = llama()
    w = m.decode(1).weight_bytes
    assert m.prefill(4, 300).weight_bytes == 4 * w
    assert m.prefill(4, 256).weight_bytes == 2 * w
    assert m.prefill(4, 128).weight_bytes == w


def test_llamacpps_routed_experts_pay_the_dense_gemms_dequant_factor():
    """engines.yaml ``experts_kernel: gemm``: gpt-oss-20b's experts in q4_0 (a weight-only format) under llama.cpp
    stream at the dense GEMMs' q4_0 factor, 1.0 (fitted on llama.cpp's int4 rows; session 22's narrow refit with the
    RTX 4090 at its measured 0.912, 1.05 before, 1.2 before session 21's), named in the op's source. At 1.0 the
    factor's figure no longer tells paying it from not paying it; the named source in the op still does."""
    from kvplan.model.weights import WeightQuant
    spec = catalog.load_model("gpt-oss-20b").model_copy(
        update={"weight_quant": WeightQuant(scope="linear", format="q4_0")})
    m = OpLatency(spec, catalog.load_gpu("rtx-4090"), engine="llamacpp")
    assert m.expert_dequant == m.prof.dequant("q4_0") and m.expert_dequant[0] == 1.0
    name, _, _, src = next(o for o in m.decode(128).ops if o[0].startswith("MoE experts"))
    assert src.startswith("physics fallback: grouped MoE")
    assert src.endswith("; dequant ×1.00: " + m.expert_dequant[1])
