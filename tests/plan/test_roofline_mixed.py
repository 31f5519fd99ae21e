"""The roofline's mixed step (chunks of prefill beside decodes) and its constant-time form, by
numbers a reader can check by hand (written to kill what mutation testing found alive).

Llama 3 8B in bf16: 32 layers × 8 KV heads × 128 × (K and V) × 2 bytes = 131,072 cache bytes a
token; attention of one query over c keys: 2 (QK and PV) × 2 FLOPs × 128 × 32 heads × 32 layers
× c = 524,288 × c FLOPs."""
import pytest

from kvplan.sources import catalog
from kvplan.errors import KvplanError
from kvplan.plan.roofline import Roofline

H100 = catalog.load_gpu("h100")
TOKEN = 131_072
ATTN = 524_288


@pytest.fixture(scope="module")
def llama():
    return Roofline(catalog.load_model("llama-3-8b"), H100)


def test_a_mixed_step_adds_each_sequences_terms(llama):
    r = llama
    s = r.mixed([(512, 257)], [100, 2000])
    assert (s.phase, s.batch, s.ctx, s.tokens) == ("mixed", 3, 2000, 1)  # 259 rows over 3: not whole
    assert s.kv_read_bytes == TOKEN * (100 + 2000 + 512) == 342_360_064
    assert s.kv_write_bytes == TOKEN * (1 + 1 + 257) == 33_947_648
    assert s.state_bytes == 0
    assert s.weight_bytes == r.weights_bytes  # a dense model reads every weight once
    assert s.matmul_flops == 2 * r.active_params * 259
    assert s.attention_flops == ATTN * (101 + 2001 + sum(range(513, 770)))
    assert s.comm_bytes == 0 and s.overhead_s == 0.0016
    assert s.memory_s == (s.weight_bytes + s.kv_read_bytes + s.kv_write_bytes) / (3.35e12 * 0.83)
    # 258 rows over 3 sequences: 86 tokens each
    assert r.mixed([(512, 256)], [100, 2000]).tokens == 86
    # the longest context is a chunk's cache where that is longer than every decode's
    assert r.mixed([(3000, 10)], [100]).ctx == 3000
    assert r.mixed([(0, 10)], [100]).ctx == 100


def test_phases_and_refusals(llama):
    r = llama
    assert r.mixed([(0, 4)]).phase == "prefill" and r.mixed(decodes=[4]).phase == "decode"
    assert r.mixed([(0, 4), (8, 4)]).tokens == 4
    assert r.mixed(decodes=[7, 9]).ctx == 9
    with pytest.raises(KvplanError) as e:
        r.mixed()
    assert str(e.value) == "a step needs at least one sequence"
    with pytest.raises(KvplanError) as e:
        r.mixed([(5, 0)])
    assert str(e.value) == "chunk must be a positive integer, got 0"
    with pytest.raises(KvplanError) as e:
        r.mixed_sum([(5, 0)], 1, 3)
    assert str(e.value) == "chunk must be a positive integer, got 0"
    with pytest.raises(KvplanError) as e:
        r.mixed_sum([], 0, 0)
    assert str(e.value) == "a step needs at least one sequence"


def test_a_chunk_of_a_cached_sequence_reads_its_cache(llama):
    s = llama.mixed([(1000, 24)])
    assert s.kv_read_bytes == TOKEN * 1000 and s.kv_write_bytes == TOKEN * 24
    assert llama.mixed([(0, 24)]).kv_read_bytes == 0


def test_recurrent_state_read_once_by_a_fresh_prefill_twice_otherwise():
    r = Roofline(catalog.load_model("jamba-v0.1"), H100)
    st = r.state_per_seq
    assert st > 0
    assert r.mixed([(0, 10)]).state_bytes == st  # written only
    assert r.mixed([(5, 10)]).state_bytes == 2 * st  # read and written back
    assert r.mixed([(5, 10)], [7, 8]).state_bytes == 6 * st
    assert r.decode_is_linear
    assert r.mixed_sum([(5, 10)], 2, 15, 8).state_bytes == 6 * st
    assert r.mixed_sum([(5, 10)], 2, 15, 8) == r.mixed([(5, 10)], [7, 8])


def test_the_constant_time_form_equals_the_sum(llama):
    r = llama
    assert r.decode_is_linear
    step = r.mixed([(512, 257)], [100, 2000])
    fast = r.mixed_sum([(512, 257)], 2, 2100, 2000)
    assert fast == step
    assert fast.kv_read_bytes == TOKEN * 2612 and fast.attention_flops == step.attention_flops
    assert r.mixed_sum([], 4, 4 * 1001, 1001) == r.decode(1001, 4)
    # ctx_max defaults to 0: the record's ctx is then the chunks' longest cache
    assert r.mixed_sum([(512, 257)], 2, 2100).ctx == 512
    assert r.mixed_sum([(512, 257)], 2, 2100, seconds=True) == step.seconds
    # with tensor parallelism the all-reduce is in the fast price too
    r2 = Roofline(catalog.load_model("llama-3-8b"), H100, 2)
    s2 = r2.mixed([(512, 257)], [100, 2000])
    assert s2.comm_s > 0
    assert r2.mixed_sum([(512, 257)], 2, 2100, seconds=True) == s2.seconds


def test_a_sliding_window_model_is_not_linear_and_refuses_the_fast_form():
    r = Roofline(catalog.load_model("gemma-2-9b"), H100)
    assert not r.decode_is_linear
    with pytest.raises(KvplanError) as e:
        r.mixed_sum([], 2, 100)
    assert str(e.value) == "this model's decode cost is not linear in context; use mixed()"


def test_an_fp32_checkpoint_is_priced_as_its_bf16_copy():
    r = Roofline(catalog.load_model("gpt2"), H100)
    assert r.spec.dtype == "bf16"  # the spec the steps are priced from, not only the label


def test_one_gpu_needs_no_interconnect():
    rtx = catalog.load_gpu("rtx-4090")
    assert not rtx.interconnect_bytes_per_s
    d = Roofline(catalog.load_model("llama-3-8b"), rtx).decode(100)
    assert d.comm_bytes == 0 and d.comm_s == 0


def test_a_tie_between_the_roofs_is_memory_bound_in_both_forms():
    # every efficiency 1: 3.35e12 bytes at H100's 3.35 TB/s and 989.4e12 FLOPs at its bf16
    # 989.4 TFLOPS both take exactly one second
    r = Roofline(catalog.load_model("llama-3-8b"), H100, bw_efficiency=1.0, flops_efficiency=1.0)
    assert r.pass_seconds(1, int(3.35e12), int(989.4e12)) == (1.0016, "memory")


def test_a_moe_prefill_routes_every_token_of_every_sequence():
    # Mixtral 8x7B: 32 layers of 8 experts, 2 a token, 352,321,536 bytes an expert; 2 sequences
    # of 4 tokens route 8 tokens: 8 × 0.75^8 = 0.8009 experts a layer unread, 9,029,615,616 bytes
    r = Roofline(catalog.load_model("mixtral-8x7b"), H100)
    p = r.prefill(4, 2)
    assert p.weight_bytes == 93_405_585_408 - 9_029_615_616 == r.weights_read(8)
    assert p.matmul_flops == 2 * r.active_params * 8


def test_weight_dtype_override_prices_every_weight_in_it():
    # Llama 3 8B: 8,030,261,248 parameters, 2 bytes each in bf16, 1 in fp8
    spec = catalog.load_model("llama-3-8b")
    assert spec.parameters() == 8_030_261_248
    assert Roofline(spec, H100).weights_bytes == 16_060_522_496
    r = Roofline(spec, H100, weight_dtype="fp8")
    assert (r.weights_bytes, r.weight_dtype, r.compute_fmt) == (8_030_261_248, "fp8_e4m3", "fp8")


def test_experts_only_quantization_computes_in_the_activation_dtype():
    # gpt-oss's experts in fp8 (made up; the checkpoint's are MXFP4): attention and the rest stay
    # bf16, so the matmuls are timed at the bf16 peak, not the fp8 one
    g = catalog.load_model("gpt-oss-20b")
    spec = g.model_copy(update={"weight_quant": g.weight_quant.model_copy(update={"format": "fp8_e4m3"})})
    r = Roofline(spec, H100)
    assert r.compute_fmt == "bf16" and r.peak_flops == 989.4e12


def test_a_moes_parameter_counts_are_whole():
    r = Roofline(catalog.load_model("mixtral-8x7b"), H100)
    (layers, experts, k, nbytes, one), = r.moe
    assert (layers, experts, k, nbytes) == (32, 8, 2, 352_321_536)
    assert one == 3 * 4096 * 14336 and isinstance(one, int)  # gate, up and down of one expert
    assert isinstance(r.active_params, int) and isinstance(r.decode(10, 3).matmul_flops, int)


def test_side_caches_in_a_mixed_step_complete_groups_from_each_sequences_own_context():
    # DeepSeek V4 Flash: compressed entries of 4 and 128 tokens; a decode at 127 completes a group
    # of 128 (and of 4), a chunk of 1 at 127 the same
    r = Roofline(catalog.load_model("deepseek-v4-flash"), catalog.load_gpu("b200"), 8)
    assert r.mixed(decodes=[127]) == r.decode(127)
    assert r.mixed(decodes=[127]).kv_write_bytes == r.kv_written(127) > r.bytes_per_token
    assert r.mixed([(127, 1)]).kv_write_bytes == r.kv_written(127)
    assert r.mixed([(127, 1)]).kv_read_bytes == r.kv_tokens_read(127)


def test_a_whole_prefill_in_the_mixed_forms_has_context_0(llama):
    assert llama.mixed([(0, 4)]).ctx == 0 and llama.mixed([(0, 4)]) == llama.prefill(4)
    assert llama.mixed_sum([(0, 8)], 0, 0).ctx == 0
    assert isinstance(llama.mixed([(512, 256)], [100, 2000]).tokens, int)


@pytest.mark.parametrize("model", ["mixtral-8x7b", "jamba-v0.1"])
def test_the_fast_price_of_a_compute_bound_step_equals_the_records(model):
    # a MoE (weights read depend on the step's tokens) and a model with recurrent state, both
    # compute bound with a 4,096-token chunk beside two decodes
    r = Roofline(catalog.load_model(model), H100)
    step = r.mixed([(100, 4096)], [50, 60])
    assert step.bound == "compute" and step.weight_bytes == r.weights_read(4098)
    assert r.mixed_sum([(100, 4096)], 2, 110, seconds=True) == step.seconds
    small = r.mixed([(100, 3)], [50, 60])  # and one bound by memory
    assert small.bound == "memory"
    assert r.mixed_sum([(100, 3)], 2, 110, seconds=True) == small.seconds


def test_one_decodes_terms_by_hand(llama):
    """sweep's constant-time decode (session 16): at 4,096 cached tokens a decode reads the cache,
    4,096 × 131,072 = 536,870,912 bytes, writes one token's K/V, 131,072, and its query attends
    4,097 keys (the new token's own among them): 524,288 × 4,097 = 2,148,007,936 FLOPs."""
    assert llama.decode_terms(4096) == (536_870_912, TOKEN, 2_148_007_936)
    assert llama.decode_terms(1) == (TOKEN, TOKEN, ATTN * 2)


@pytest.mark.parametrize("ctx, batch", [(4096, 1), (4096, 64), (16, 4096)])
def test_a_decodes_steps_many_are_the_steps(llama, ctx, batch):
    """decode_steps_many prices decode(ctx, b) for a sweep's batches (ux16b removed decode_seconds, its
    one-batch form), with the terms given or not; at 16 tokens × 4,096 sequences the step is compute
    bound, so the attention FLOPs (4,096 × 524,288 × 17) count in its time, not only the bytes."""
    step = llama.decode(ctx, batch)
    assert llama.decode_steps_many(ctx, [batch]) == [(step.seconds, step.bound)]
    assert llama.decode_steps_many(ctx, [batch, 1], llama.decode_terms(ctx)) == [
        (step.seconds, step.bound), (llama.decode(ctx, 1).seconds, llama.decode(ctx, 1).bound)]
    if ctx == 16:
        assert step.bound == "compute" and step.attention_flops == 4096 * ATTN * 17 == 36_507_222_016
