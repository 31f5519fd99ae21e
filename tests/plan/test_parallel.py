"""Expert and data parallelism (issue 20, kvplan/plan/parallel.py): per-rank weights by hand."""
import pytest
from typer.testing import CliRunner

from kvplan.cli import app
from kvplan.engines import ServeOptions
from kvplan.errors import KvplanError
from kvplan.plan import fit
from kvplan.plan.parallel import layout
from kvplan.sources import catalog


def _rank_weights(model, engine="vllm", tp=1, **opts):
    return fit.fit(catalog.load_model(model), catalog.load_gpu("h200"), tp=tp, engine=engine,
                   opts=ServeOptions(max_model_len=8192, **opts)).weights_bytes


def _whole(model):
    s = catalog.load_model(model)
    return s.model_copy(update={"stored_weights": None}).weight_bytes()[0]


def test_deepseek_v3_ep8_by_hand():
    """DeepSeek-V3 (fp8 e4m3, 128 × 128 block scales, fp32): 58 MoE layers × 256 routed experts.
    One expert: gate, up (2,048 × 7,168) and down (7,168 × 2,048) = 3 × 14,680,064 = 44,040,192
    bytes of fp8, plus 3 × (16 × 56 blocks) × 4 bytes = 10,752 of scales: 44,050,944 bytes.
    All routed experts: 58 × 256 × 44,050,944 = 654,068,416,512 bytes.
    EP 8: 256 / 8 = 32 experts per rank per layer: 58 × 32 × 44,050,944 = 81,758,552,064 bytes.
    With --data-parallel-size 8 and tp 1 everything else (attention, 3 dense layers, the shared
    expert, routers, embeddings, LM head) is on every rank: whole − all routed + one rank's."""
    whole = _whole("deepseek-v3")
    assert whole == 673_150_552_416
    per_rank = whole - 654_068_416_512 + 81_758_552_064
    assert per_rank == 100_840_687_968
    assert _rank_weights("deepseek-v3", data_parallel_size=8, enable_expert_parallel=True) == per_rank
    # TP 8 with or without EP: the experts divide evenly, 1/8 of them either way (block scales too:
    # 256 experts × 2 × 56 blocks per gate split = 32 experts × 16 × 56), so the same bytes
    assert _rank_weights("deepseek-v3", tp=8, enable_expert_parallel=True) == _rank_weights("deepseek-v3", tp=8)
    # SGLang's spelling of the same split: --tp 8 --ep-size 8 --enable-dp-attention --dp-size 8
    assert _rank_weights("deepseek-v3", "sglang", tp=8, ep_size=8, dp_attention=True,
                         data_parallel_size=8) == per_rank


def test_qwen3_235b_a22b_ep8_by_hand():
    """Qwen3-235B-A22B (bf16): 94 MoE layers × 128 routed experts, no shared expert.
    One expert: 3 × 4,096 × 1,536 = 18,874,368 parameters × 2 bytes = 37,748,736 bytes.
    All routed: 94 × 128 × 37,748,736 = 454,192,791,552 bytes; EP 8: 16 experts per rank per
    layer, 94 × 16 × 37,748,736 = 56,774,098,944 bytes. DP 8 (attention replicated, tp 1):
    whole − all routed + one rank's."""
    whole = _whole("qwen3-235b-a22b")
    assert whole == 470_187_269_120
    per_rank = whole - 454_192_791_552 + 56_774_098_944
    assert per_rank == 72_768_576_512
    assert _rank_weights("qwen3-235b-a22b", data_parallel_size=8, enable_expert_parallel=True) == per_rank
    # without EP, DP 8 splits every expert's 1,536 intermediate over tp × dp = 8: same bytes
    assert _rank_weights("qwen3-235b-a22b", data_parallel_size=8) == per_rank


def test_uneven_experts_fullest_rank():
    """vLLM determine_expert_map: 128 experts over 6 ranks: 21 each, the first 2 ranks 22;
    the fullest rank holds 22 per layer."""
    lay = layout("vllm", 3, 2, True)
    assert (lay.moe_ep, lay.moe_tp, lay.attn_tp, lay.replicas, lay.gpus) == (6, 1, 3, 2, 6)
    one = 37_748_736
    with pytest.raises(KvplanError):  # 4 KV heads do not split over 3 ranks
        _rank_weights("qwen3-235b-a22b", tp=3, data_parallel_size=2, enable_expert_parallel=True)
    assert layout("vllm", 1, 6, True).moe_ep == 6
    r6 = _rank_weights("qwen3-235b-a22b", data_parallel_size=6, enable_expert_parallel=True)
    assert r6 == _whole("qwen3-235b-a22b") - 94 * 128 * one + 94 * 22 * one


def test_layout_refusals_and_cli():
    with pytest.raises(KvplanError):
        layout("sglang", 8, 3, dp_attention=True)
    with pytest.raises(KvplanError):
        layout("sglang", 8, ep_size=3)
    r = CliRunner().invoke(app, ["fit", "deepseek-v3", "--gpu", "h200", "-dp", "8", "--enable-expert-parallel",
                                 "--max-model-len", "8192", "--json"])
    assert r.exit_code == 0, r.output
    import json
    d = json.loads(r.stdout)
    assert d["weights_bytes"] == 100_840_687_968 and d["gpus"] == 8
    assert any("routed experts over 8 EP rank(s)" in n for n in d["notes"])


@pytest.mark.parametrize("engine, given, said", [
    ("vllm", {"ep_size": 2}, "--ep-size is SGLang's flag; the vllm plan would ignore it (give --engine sglang); "
                             "vLLM's is --enable-expert-parallel (experts over --tp × --data-parallel-size)"),
    ("sglang", {"expert_parallel": True}, "--enable-expert-parallel is vLLM's flag; the sglang plan would ignore it "
                                          "(give --engine vllm); SGLang's is --ep-size N"),
    ("trtllm", {"dp_attention": True}, "--enable-dp-attention is SGLang's flag; the trtllm plan would ignore it "
                                       "(give --engine sglang)"),
    ("sglang", {"all2all_backend": "naive"}, "--all2all-backend is vLLM's flag; the sglang plan would ignore it "
                                             "(give --engine vllm)"),
])
def test_another_engines_parallel_flag_is_refused_in_full(engine, given, said):
    """ux16 (plan/parallel.py engine_flags): the refusal names the flag's engine, the --engine that takes it
    and, for the expert-parallel flags, the other engine's spelling."""
    from kvplan.plan.parallel import engine_flags

    with pytest.raises(KvplanError) as e:
        engine_flags(engine, **given)
    assert str(e.value) == said


def test_no_parallel_flag_and_the_engines_own_are_taken():
    from kvplan.plan.parallel import engine_flags

    for engine in ("vllm", "sglang", "trtllm", "llamacpp"):
        assert engine_flags(engine) is None  # nothing given, nothing refused
    # TensorRT-LLM's and llama.cpp's plans take --enable-expert-parallel as vLLM's split
    assert engine_flags("trtllm", expert_parallel=True) is None and engine_flags("llamacpp", expert_parallel=True) is None
    assert engine_flags("sglang", dp_attention=True, ep_size=2) is None
    assert engine_flags("vllm", expert_parallel=True, all2all_backend="naive") is None
