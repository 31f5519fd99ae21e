"""simulate's own wiring of DP attention and hybrid groups (kvplan/plan/simulate/__init__.py
``_step_model``, ``_replicas``, the notes): a real SGLang DP-attention run is the run of a
``DataParallelStep`` built by hand with the same arguments, and every refusal says what to do."""
from __future__ import annotations

import pytest

from kvplan.engines import ServeOptions
from kvplan.errors import KvplanError
from kvplan.plan import simulate as sim
from kvplan.plan.latency.dp_attention import DataParallelStep
from kvplan.plan.simulate.groups import Group
from kvplan.sources import catalog

KW = dict(tp=8, engine="sglang", concurrency=4, prompt_tokens="100", output_tokens="10", requests=8)


@pytest.fixture(scope="module")
def ds():
    return catalog.load_model("deepseek-r1"), catalog.load_gpu("h200-sxm-141gb")


@pytest.mark.parametrize("ep", [None, 8])
def test_dp_attention_run_is_the_hand_built_step_models(ds, ep):
    """--dp-size 2 --enable-dp-attention at TP 8: each replica is 2 ranks of TP 8 // 2 = 4; the step
    model simulate builds is DataParallelStep(spec, gpu, 8, 2, engine="sglang", ep=ep or 1)."""
    spec, gpu = ds
    o = ServeOptions(data_parallel_size=2, dp_attention=True, ep_size=ep)
    got = sim.simulate(spec, gpu, opts=o, **KW)
    hand = sim.simulate(spec, gpu, opts=o, roofline=DataParallelStep(spec, gpu, 8, 2, engine="sglang", ep=ep or 1),
                        **KW)
    assert got.as_dict() == hand.as_dict()
    assert got.replicas == 1  # 2 ranks' schedulers make one replica (results: len(reps) // dp)
    assert any("DP attention ranks (2 a replica)" in n for n in got.notes)
    assert ("DP attention: each replica is 2 attention ranks (tp 4 each), each with its own scheduler, token "
            "pool and requests (round robin); a step runs on all ranks at once, as long as the slowest rank's "
            "attention plus the MLP over every rank's tokens") in got.notes
    # ep 1 and ep 8 price the MLP differently, so ep reaches the step model
    if ep == 8:
        one = sim.simulate(spec, gpu, opts=ServeOptions(data_parallel_size=2, dp_attention=True), **KW)
        assert one.as_dict() != got.as_dict()


def test_dp_size_without_dp_attention_says_use_replicas(ds):
    spec, gpu = ds
    with pytest.raises(KvplanError) as e:
        sim.simulate(spec, gpu, opts=ServeOptions(data_parallel_size=2), **KW)
    assert str(e.value) == ("simulate models --dp-size with --enable-dp-attention (SGLang); for whole copies "
                            "of the engine use --replicas")


def test_dp_attention_on_vllm_says_use_sglang(ds):
    spec, gpu = ds
    with pytest.raises(KvplanError) as e:
        sim.simulate(spec, gpu, opts=ServeOptions(data_parallel_size=2, dp_attention=True), **{**KW, "engine": "vllm"})
    # fit's refusal, which simulate's pool comes from (ux16: plan/parallel.py engine_flags)
    assert str(e.value) == "--enable-dp-attention is SGLang's flag; the vllm plan would ignore it (give --engine sglang)"


def test_speculative_decoding_with_hybrid_groups_is_refused():
    """Checked before the drafter is used: any drafter object reaches the refusal."""
    lim = sim.Limits("vllm", 16, 100, 8, 256, 4096, groups=(Group("sliding", 16, 128),))
    with pytest.raises(KvplanError) as e:
        sim.run([sim.Request(0.0, 10, 2)], lim, object(), drafter=object())
    assert str(e.value) == "simulate does not model speculative decoding with hybrid KV cache groups"


def test_hybrid_groups_are_noted():
    """gpt-oss on vLLM keeps a sliding group beside the full one: the result says so
    (groups.describe of the limits simulate used)."""
    from kvplan.plan.simulate.groups import describe

    spec, gpu = catalog.load_model("gpt-oss-120b"), catalog.load_gpu("h100")
    lim = sim.engine_limits(spec, gpu, 2, "vllm")
    r = sim.simulate(spec, gpu, tp=2, rate=4.0, prompt_tokens="100", output_tokens="10", requests=6)
    assert lim.groups and describe(lim) in r.notes
