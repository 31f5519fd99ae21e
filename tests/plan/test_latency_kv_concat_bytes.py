"""Session 17 (mut17c): the bytes a decode step writes beside its attention, by hand from the models' shapes, through
each of step.py's paths (``decode_steps_many``, ``mixed`` / ``mixed_sum``): plain Transformers' cache copy
(engines.yaml ``kv_cache_append: concat``, 2 x the K/V the step's decodes read) and the recurrent state (read and
written once a decode, 2 x its bytes a sequence). Run 1 of mutmut on 524a266's lines, without tests/plan/
test_perf_rules.py in the selection, left ``2 * b * sps`` in ``decode_steps_many`` unchecked (``-``, ``2 / b``,
``3 *`` survived); these check it against a number worked out here.

Qwen2.5-7B: 28 layers x 2 (K, V) x 4 KV heads x 128 x 2 bytes = 57,344 bytes a token, no recurrent state.
Jamba v0.1: 4 attention layers x 2 x 8 KV heads x 128 x 2 bytes = 16,384 bytes a token; 28 Mamba layers each keep
(d_conv - 1 = 3 conv columns + d_state = 16 SSM columns) x d_inner 8,192 x 2 bytes: 28 x 8,192 x 19 x 2 = 8,716,288
bytes a sequence."""
import pytest

from kvplan.plan.latency.step import OpLatency
from kvplan.sources import catalog

QWEN_TOKEN = 28 * 2 * 4 * 128 * 2
JAMBA_STATE = 28 * 8192 * (3 + 16) * 2


def _qwen(concat: bool) -> OpLatency:
    r = OpLatency(catalog.load_model("qwen2.5-7b"), catalog.load_gpu("a100-sxm-80gb"), engine="hf_plain")
    r.kv_concat = concat  # the same engine without the copy: every other op the same
    return r


def _bwm(r) -> float:
    return r.prof.bw * r.prof.mem_eff


def test_hand_numbers_are_the_models():
    assert QWEN_TOKEN == 57_344 and JAMBA_STATE == 8_716_288
    assert _qwen(True).bytes_per_token == QWEN_TOKEN and _qwen(True).state_per_seq == 0
    jamba = OpLatency(catalog.load_model("jamba-v0.1"), catalog.load_gpu("h100"))
    assert (jamba.bytes_per_token, jamba.state_per_seq) == (16_384, JAMBA_STATE)


@pytest.mark.parametrize("b", [1, 7])
def test_the_sweeps_path_copies_two_caches_a_sequence(b):
    ctx = 30_000
    copy = 2 * b * ctx * QWEN_TOKEN  # b = 7: 24,084,480,000 bytes a step
    assert copy == {1: 3_440_640_000, 7: 24_084_480_000}[b]
    on, off = _qwen(True), _qwen(False)
    [(t_on, _)], [(t_off, _)] = on.decode_steps_many(ctx, [b]), off.decode_steps_many(ctx, [b])
    assert t_on - t_off == pytest.approx(copy / _bwm(on), rel=1e-9)


@pytest.mark.parametrize("b", [1, 7])
def test_the_sweeps_path_reads_and_writes_the_state_once_each(b):
    ctx = 4096
    jamba = OpLatency(catalog.load_model("jamba-v0.1"), catalog.load_gpu("h100"))
    bare = OpLatency(catalog.load_model("jamba-v0.1"), catalog.load_gpu("h100"))
    bare.state_per_seq = 0  # the same model priced without its recurrent state
    [(t, _)], [(t0, _)] = jamba.decode_steps_many(ctx, [b]), bare.decode_steps_many(ctx, [b])
    assert t - t0 == pytest.approx(2 * b * JAMBA_STATE / _bwm(jamba), rel=1e-9)  # b = 7: 122,028,032 bytes
    assert jamba.decode_steps_many(ctx, [b]) == [(jamba.decode(ctx, b).seconds, jamba.decode(ctx, b).bound)]


def test_a_mixed_pass_copies_its_decodes_caches_and_not_its_chunks():
    on, off = _qwen(True), _qwen(False)
    decodes, chunks = [2048, 4096], [(1024, 512)]
    copy = 2 * (2048 + 4096) * QWEN_TOKEN
    assert copy == 704_643_072
    s_on, s_off = on.mixed(chunks, decodes), off.mixed(chunks, decodes)
    (w_on,) = [o for o in s_on.ops if o[0].startswith("K/V write")]
    (w_off,) = [o for o in s_off.ops if o[0].startswith("K/V write")]
    assert w_on[0] == "K/V write, recurrent state and cache concatenation (torch.cat)"
    assert w_off[0] == "K/V write and recurrent state"
    assert w_on[1] - w_off[1] == pytest.approx(copy / _bwm(on), rel=1e-9)
    assert s_on.seconds - s_off.seconds == pytest.approx(copy / _bwm(on), rel=1e-9)
    # the simulator's path: the same seconds, the contexts given as their sum
    assert on.mixed_sum(chunks, 2, 2048 + 4096, 4096, seconds=True) == s_on.seconds
    # a pass of chunks alone (a chunked prefill over 1,024 cached tokens) decodes nothing and copies nothing
    assert on.mixed(chunks).seconds == off.mixed(chunks).seconds
