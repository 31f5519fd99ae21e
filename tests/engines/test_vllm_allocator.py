"""The caching allocator's whole blocks in vLLM's "Model loading took X GiB" (engines/vllm/loaded.py
allocator_slack and load_tensors; the rules, from PyTorch's c10/cuda/CUDACachingAllocator.cpp, are
in startup.yaml ``caching_allocator``). Each figure by hand from the model's config.json and checked
against the start-up logs that state the weights (tests/data/vllm_startup_logs.json, fit and seen rows)."""
from kvplan.engines.base import ServeOptions
from kvplan.engines.vllm import loaded
from kvplan.plan import fit
from kvplan.sources import catalog

MiB = 2**20
GiB = 2**30


def test_the_allocator_rules():
    slack = loaded.allocator_slack
    # small pool (up to 1 MiB): rounded up to 512 bytes, remainders always split off
    assert slack([7_168]) == 0 and slack([100]) == 412 and slack([MiB]) == 0
    # 10 MiB and up: a new segment of the request rounded up to 2 MiB; a remainder of at most
    # 1 MiB is not split off ("remaining > kSmallSize"), so the block keeps it
    assert slack([259 * MiB]) == MiB  # 260 MiB segment, exactly 1 MiB left: kept
    assert slack([31 * MiB + MiB // 2]) == MiB // 2  # 32 MiB segment, 0.5 MiB kept
    assert slack([24 * MiB + MiB // 2]) == 0  # 26 MiB segment, 1.5 MiB split off and cached
    assert slack([20 * MiB]) == 0
    # between 1 and 10 MiB: carved from a 20 MiB segment; the 12 MiB left is cached and the next
    # request that fits takes the smallest such block: 11.5 MiB leaves 0.5 MiB, kept
    assert slack([8 * MiB]) == 0
    assert slack([8 * MiB, 11 * MiB + MiB // 2]) == MiB // 2
    # a cached 1.5 MiB remainder serves a 1.25 MiB request whole (0.25 MiB more than asked)
    assert slack([24 * MiB + MiB // 2, MiB + MiB // 4]) == MiB // 4
    # order matters: 11.5 MiB first gets its own 12 MiB segment (0.5 kept), then 8 MiB a new 20 MiB one
    assert slack([11 * MiB + MiB // 2, 8 * MiB]) == MiB // 2
    # the pools' edges: exactly 1 MiB is still the small pool (no 20 MiB segment whose 19 MiB
    # remainder an 18.5 MiB request would then take whole, keeping 0.5 MiB); exactly 10 MiB is
    # already a segment of its own size (no 20 MiB one whose 10 MiB remainder a 9.5 MiB request
    # would take whole)
    assert slack([MiB, 18 * MiB + MiB // 2]) == 0
    assert slack([10 * MiB, 9 * MiB + MiB // 2]) == 0


def _slack(name: str, tp: int) -> int:
    spec = catalog.load_model(name)
    return loaded.allocator_slack(loaded.load_tensors(spec.shard(tp), tp, ServeOptions()))


def test_qwen2_7b_by_hand_and_against_its_logs():
    # Qwen2(.5)-7B: hidden 3,584, 28 heads and 4 KV heads of 128, intermediate 18,944, vocabulary
    # 152,064, untied, 28 layers, bf16. TP 1, per layer: qkv_proj 4,608 × 3,584 × 2 = 31.5 MiB
    # (0.5 kept), o_proj 24.5 MiB (1.5 split off), gate_up_proj 37,888 × 3,584 × 2 = 259 MiB (1 kept),
    # down_proj 129.5 MiB (0.5 kept): 2 MiB; embedding and LM head 1,039.5 MiB each (0.5 kept)
    assert _slack("qwen2.5-7b", 1) == 28 * 2 * MiB + 2 * MiB // 2 == 57 * MiB
    # TP 2: qkv 15.75 MiB (0.25 kept), o 12.25 (1.75 split), gate_up 129.5 (0.5 kept), down 64.75
    # (1.25 split): 0.75 MiB a layer; embedding and LM head 519.75 MiB each (0.25 kept)
    assert _slack("qwen2.5-7b", 2) == 28 * 3 * MiB // 4 + MiB // 2 == 22_544_384
    # dennislee22's vLLM 0.10.1.1 logs (fit): "Model loading took 14.2488 GiB" at TP 1 and 7.1217
    # at TP 2; kvplan's parameters × 2 bytes + the 8 MiB rotary table + the blocks above
    a100 = catalog.load_gpu("a100-sxm-80gb")
    for tp, logged in ((1, 14.2488), (2, 7.1217)):
        st = fit.fit(catalog.load_model("qwen2.5-7b"), a100, tp=tp).stages[0]
        assert st.part("weights_allocator") == _slack("qwen2.5-7b", tp)
        assert abs(st.weights_as_loaded / GiB - logged) < 0.0002
        # without the blocks kvplan was 57 and 21.5 MiB under the log
        assert abs((st.weights_as_loaded - st.part("weights_allocator")) / GiB - logged) > 0.02


def test_qwen3_by_hand():
    # Qwen3-4B (tied embeddings, 36 layers, hidden 2,560, intermediate 9,728): qkv 6,144 × 2,560 ×
    # 2 = 30 MiB and o 20 MiB exact; gate_up 95 MiB (1 kept), down 47.5 MiB (0.5 kept); the
    # embedding 151,936 × 2,560 × 2 = 741.875 MiB (0.125 kept), no LM head. graphrag's vLLM 0.10.2
    # log (fit) loads 7.5552 GiB, 54 MiB above the parameters and rotary table
    assert _slack("qwen3-4b", 1) == 36 * 3 * MiB // 2 + MiB // 8 == 56_754_176
    # Qwen3-32B at TP 2: down_proj 5,120 × 12,800 × 2 = 125 MiB keeps 1 MiB in each of 64
    # layers; the rest is 2 MiB-exact but the embedding and LM head, 741.875 MiB each (llm-d's vLLM
    # 0.11.0 log: 30.59 GiB, kvplan 30.52 before); at TP 1 only those two (1,483.75 MiB each)
    assert _slack("qwen3-32b", 2) == 64 * MiB + MiB // 4
    assert _slack("qwen3-32b", 1) == MiB // 2


def test_no_blocks_where_every_tensor_is_2_mib_exact():
    # Llama 3.1 8B and 70B: every matrix and the 128,256-row embedding are multiples of 2 MiB
    # (llm-d's and every other Llama log load exactly the parameters and the rotary table)
    assert _slack("llama-3.1-8b", 1) == 0 and _slack("llama-3.1-70b", 2) == 0
    st = fit.fit(catalog.load_model("llama-3.1-8b"), catalog.load_gpu("h100")).stages[0]
    assert st.part("weights_allocator") == 0
    assert "weights_allocator" not in [p.key for p in st.budget]
    # gpt-oss's MXFP4 growth was fitted on logs that hold the blocks: not charged twice
    st = fit.fit(catalog.load_model("gpt-oss-20b"), catalog.load_gpu("h100")).stages[0]
    assert st.part("weights_allocator") == 0 and st.part("weights_transform") > 0


def test_quantized_and_moe_tensors():
    # an FP8 checkpoint's matrices are 1 byte a value: R1-Distill-Qwen-32B (Qwen2, 64 layers, hidden
    # 5,120, intermediate 27,648, 40 + 8 heads): qkv 7,168 × 5,120 = 35 MiB, o 25 MiB, down 135 MiB
    # keep 1 MiB each, gate_up 270 MiB none: 3 MiB a layer; the bf16 embedding and LM head
    # (152,064 × 5,120 × 2 = 1,485 MiB, a 1,486 MiB segment) 1 MiB each: 194 MiB. elloraa's vLLM
    # 0.11.0 log (seen) loads 32.1993 GiB, 190 MiB over kvplan's 32.0136 before (4 MiB under after).
    from kvplan.model.weights import WeightQuant

    spec = catalog.load_model("qwen2.5-32b").model_copy(update={"weight_quant": WeightQuant(
        scope="linear", format="fp8_e4m3", channel=True)})
    sizes = loaded.load_tensors(spec, 1, ServeOptions())
    assert loaded.allocator_slack(sizes) == (64 * 3 + 2) * MiB
    assert 35 * MiB in sizes and 7_168 * 4 in sizes  # the fused qkv and its per-channel fp32 scales
    # expert parallelism: Qwen3-235B-A22B at TP 8 with EP holds 128 / 8 = 16 whole experts, w13
    # 16 × 3,072 × 4,096 × 2 = 384 MiB and w2 192 MiB (2 MiB-exact) per layer
    ep = ServeOptions(enable_expert_parallel=True)
    sizes = loaded.load_tensors(catalog.load_model("qwen3-235b-a22b").shard(8), 8, ep)
    assert 384 * MiB in sizes and 192 * MiB in sizes
    # without EP every rank holds all 128 experts at 1,536 / 8 = 192 wide: w13 128 × 384 × 4,096 × 2
    sizes = loaded.load_tensors(catalog.load_model("qwen3-235b-a22b").shard(8), 8, ServeOptions())
    assert 384 * MiB in sizes and 128 * 4_096 * 192 * 2 in sizes


def test_the_expert_split_is_plan_parallel_s():
    # load_tensors repeats vLLM's expert split (engines may not import plan/parallel.py): the same
    # experts per rank and intermediate per expert as plan.parallel.layout, with and without EP
    from kvplan.plan.parallel import layout

    full = catalog.load_model("qwen3-235b-a22b")
    mlp = next(lt.mlp for lt in full.layer_types.values() if lt.mlp is not None)
    # 128 experts over 12 ranks do not divide: EP gives the fullest rank 11 whole experts (1,536
    # wide), TP-style every expert 128 wide: different tensors
    for dp, ep in ((1, False), (2, False), (2, True), (1, True), (3, True), (3, False)):
        lay = layout("vllm", 4, dp, ep)
        e = -(-mlp.num_experts // lay.moe_ep)
        w13 = e * 2 * (mlp.intermediate_size // lay.moe_tp) * full.hidden_size * 2
        sizes = loaded.load_tensors(full.shard(4), 4, ServeOptions(data_parallel_size=dp, enable_expert_parallel=ep))
        assert w13 in sizes, (dp, ep)
