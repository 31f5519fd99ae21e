"""One routed expert's bytes and a rank's routed experts (kvplan/plan/parallel.py), by hand.

gpt-oss-20b (model_specs/models/gpt-oss-20b.yaml): hidden 2,880, 24 MoE layers of two types
(12 sliding, 12 full), 32 experts of intermediate 2,880 each, gated, with biases on the expert
projections; the experts are MXFP4 (a 4-bit value per weight and a 1-byte scale per 32), the
biases stay in the model's bf16.
"""
import pytest

from kvplan.errors import KvplanError
from kvplan.model import dtypes
from kvplan.model.spec import MoeMlp
from kvplan.plan.parallel import layout, one_expert_bytes, routed_bytes
from kvplan.sources import catalog

H = 2880
MATRIX = H * H // 2 + H * H // 32  # 4,147,200 + 259,200 = 4,406,400 bytes of MXFP4
BIASES = (2 * H + H) * 2  # gate and up of 2,880 each, down of 2,880: 17,280 bytes of bf16
ONE = 3 * MATRIX + BIASES  # 13,236,480


@pytest.fixture(scope="module")
def oss():
    return catalog.load_model("gpt-oss-20b")


def test_the_hand_numbers_are_the_catalogs(oss):
    mlp = oss.layer_types["local"].mlp
    assert (oss.hidden_size, mlp.num_experts, mlp.intermediate_size, mlp.gated, mlp.expert_bias) == (H, 32, H, True, True)
    assert oss.counts() == {"local": 12, "global": 12} and oss.weight_quant.format == "mxfp4"
    assert ONE == 13_236_480


def test_one_expert_in_its_checkpoint_format_with_bf16_biases(oss):
    mlp = oss.layer_types["local"].mlp
    assert one_expert_bytes(mlp, H, H, oss.weight_quant, "bf16") == 13_236_480
    # unquantized: 3 × 2,880² + 3 × 2,880 = 24,891,840 parameters × 2 bytes
    assert one_expert_bytes(mlp, H, H, None, "bf16") == 49_783_680
    assert one_expert_bytes(mlp, H, H, None, "fp32") == 99_567_360
    # --weight-dtype fp8: every parameter one byte, biases included
    assert one_expert_bytes(mlp, H, H, oss.weight_quant, "bf16", dtypes.get("fp8")) == 24_891_840


def test_one_expert_plain_and_gated_with_and_without_biases():
    # a plain (up, down) expert of 128 over a hidden of 64, with biases: 2 × 64 × 128 + 128 + 64
    plain = MoeMlp(num_experts=8, experts_per_token=2, intermediate_size=128, gated=False, expert_bias=True)
    assert one_expert_bytes(plain, 64, 128, None, "bf16") == (16384 + 192) * 2 == 33_152
    # gated (gate, up, down) without biases: 3 × 64 × 128 = 24,576 parameters
    gated = MoeMlp(num_experts=8, experts_per_token=2, intermediate_size=128)
    assert one_expert_bytes(gated, 64, 128, None, "bf16") == 49_152


def test_a_ranks_routed_experts_over_both_layer_types(oss):
    # EP 4: 8 experts a rank in each of the 24 layers (both layer types count)
    ep4 = layout("vllm", 1, 4, True)
    assert [routed_bytes(oss, oss, ep4, r) for r in range(4)] == [24 * 8 * ONE] * 4 == [2_541_404_160] * 4
    # EP 3: 32 = 11 + 11 + 10 experts; the first two ranks hold one more
    ep3 = layout("vllm", 1, 3, True)
    assert [routed_bytes(oss, oss, ep3, r) for r in range(3)] == [3_494_430_720, 3_494_430_720, 3_176_755_200]
    assert 24 * 11 * ONE == 3_494_430_720 and 24 * 10 * ONE == 3_176_755_200
    # one rank holding all: 24 × 32 experts
    assert routed_bytes(oss, oss, layout("vllm", 1), 0) == 24 * 32 * ONE == 10_165_616_640
    # --weight-dtype fp8 reaches the experts: 24 × 8 × 24,891,840
    assert routed_bytes(oss, oss, ep4, 0, dtypes.get("fp8")) == 24 * 8 * 24_891_840 == 4_779_233_280


def test_refusals_say_why(oss):
    with pytest.raises(KvplanError, match="the expert intermediate size 2880 does not divide over 7 ranks"):
        routed_bytes(oss, oss, layout("vllm", 7), 0)
    v4 = catalog.load_model("deepseek-v4-flash")
    mlp = next(lt.mlp for lt in v4.layer_types.values() if isinstance(lt.mlp, MoeMlp))
    with pytest.raises(KvplanError, match=r"^expert parallelism is not modelled for experts in their own format \(mxfp4\)$"):
        one_expert_bytes(mlp, v4.hidden_size, mlp.intermediate_size, v4.weight_quant, v4.dtype)


TAIL = "the budget and KV figures are one rank's (the fullest), the capacity one attention replica's"


def _note(engine, tp, pp=1, **opts):
    from kvplan.engines import ServeOptions
    from kvplan.plan.parallel import layout_of

    notes = []
    lay = layout_of(engine, tp, ServeOptions(**opts), pp, notes)
    return lay, notes


def test_layout_of_says_where_a_rank_is_not_plain_tp():
    # vLLM tp 2 with expert parallelism: experts over 2 ranks; × pp 2 = 4 GPUs
    lay, notes = _note("vllm", 2, 2, enable_expert_parallel=True)
    assert notes == [f"per rank: attention tp 2 × 1 replica(s); routed experts over 2 EP rank(s); 4 GPUs; {TAIL}"]
    # vLLM data parallel 2 without EP: 2 replicas, every expert split tp 4
    lay, notes = _note("vllm", 2, data_parallel_size=2)
    assert notes == [f"per rank: attention tp 2 × 2 replica(s); routed experts over 1 EP rank(s), each split tp 4; "
                     f"4 GPUs; {TAIL}"]
    # SGLang --tp 8 --ep-size 2 --enable-dp-attention --dp-size 4: attention tp 2 × 4, experts over
    # 2 ranks split tp 4; SGLang's all-to-all buffers are not priced, said so
    lay, notes = _note("sglang", 8, ep_size=2, dp_attention=True, data_parallel_size=4)
    assert (lay.attn_tp, lay.replicas, lay.moe_ep, lay.moe_tp, lay.gpus) == (2, 4, 2, 4, 8)
    assert notes == [f"per rank: attention tp 2 × 4 replica(s); routed experts over 2 EP rank(s), each split tp 4; "
                     f"8 GPUs; {TAIL}; the all-to-all buffers of expert parallelism are not modelled"]
    # plain tp: no note
    assert _note("vllm", 4)[1] == [] and _note("sglang", 4)[1] == []


def test_ep_delta_by_hand(oss):
    from kvplan.plan.parallel import ep_delta

    # EP 4 against tp 1's every expert: 24 × (8 − 32) experts, in MXFP4 or in --weight-dtype fp8
    ep4 = layout("vllm", 1, 4, True)
    assert ep_delta(oss, oss, ep4) == -24 * 24 * ONE
    assert ep_delta(oss, oss, ep4, dtypes.get("fp8")) == -24 * 24 * 24_891_840
    # EP 31: 32 experts = 2 on rank 0 (the fullest), 1 on the others
    assert ep_delta(oss, oss, layout("vllm", 1, 31, True)) == (2 - 32) * 24 * ONE
    assert ep_delta(oss, oss, layout("vllm", 1)) == 0  # nothing beyond tp


def test_defaults_plain_tp_and_sglang_dp_attention_without_ep():
    from kvplan.engines import ServeOptions
    from kvplan.plan.parallel import layout_of

    # SGLang --tp 4 --dp-size 2 without --enable-dp-attention: one attention group of 4
    assert (layout("sglang", 4, 2).attn_tp, layout("sglang", 4, 2).replicas) == (4, 1)
    # one pipeline stage unless told: 2 GPUs
    notes = []
    layout_of("vllm", 2, ServeOptions(enable_expert_parallel=True), notes=notes)
    assert notes == [f"per rank: attention tp 2 × 1 replica(s); routed experts over 2 EP rank(s); 2 GPUs; {TAIL}"]
    # SGLang's dp attention without --ep-size: no expert parallelism, so no all-to-all clause
    lay, notes = _note("sglang", 4, dp_attention=True, data_parallel_size=2)
    assert notes == [f"per rank: attention tp 2 × 2 replica(s); routed experts over 1 EP rank(s), each split tp 4; "
                     f"4 GPUs; {TAIL}"]


def test_bad_sizes_are_named():
    with pytest.raises(KvplanError, match=r"^--data-parallel-size must be a positive integer, got 0$"):
        layout("vllm", 1, 0)
    with pytest.raises(KvplanError, match=r"^--ep-size must be a positive integer, got -2$"):
        layout("sglang", 2, ep_size=-2)


def test_trtllm_ep_note_leaves_the_all_to_all_to_its_own_term():
    # TensorRT-LLM prices its all-to-all workspaces as a budget term (engines/trtllm.py ep_alltoall_part:
    # 0 bytes without attention DP, unmodelled with it), so the layout note does not add SGLang's clause
    _, notes = _note("trtllm", 2, enable_expert_parallel=True)
    assert notes == [f"per rank: attention tp 2 × 1 replica(s); routed experts over 2 EP rank(s); 2 GPUs; {TAIL}"]
    _, notes = _note("trtllm", 2, enable_expert_parallel=True, data_parallel_size=2)
    assert notes == [f"per rank: attention tp 2 × 2 replica(s); routed experts over 4 EP rank(s); 4 GPUs; {TAIL}"]
