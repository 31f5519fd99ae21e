"""The length an engine serves at when none is given, by hand (session 15's three context-limit doubts):
SGLang's 2048 for a config stating no length (utils/hf_transformers_utils.py get_context_length), vLLM
0.33's LongRoPE default (config/model.py _get_and_verify_max_len), checked alike by fit, simulate and plan
(Engine.default_len, Engine.served_len); and budget_parts' reason for no custom all-reduce
(engines/sglang_startup.py no_custom_all_reduce)."""
import json

import pytest

from kvplan import api
from kvplan.engines import ServeOptions, sglang
from kvplan.engines.sglang_startup import budget_parts, custom_all_reduce_bytes
from kvplan.engines.vllm import default_len, default_max_model_len, max_len_limit
from kvplan.errors import KvplanError
from kvplan.plan import fit
from kvplan.plan import simulate as sim

GiB = 2**30
PHI35 = "tests/fixtures/configs/Phi-3.5-mini-instruct.json"
# the reason vLLM's LongRoPE default is given for, after "max_model_len 4,096: "
LONGROPE = ("vLLM's default for a LongRoPE model, original_max_position_embeddings, not the 131,072 it takes at "
            "most; --max-model-len up to 131,072 sets it")


def _edited(tmp_path, fixture, drop=(), **edits):
    cfg = json.load(open(f"tests/fixtures/configs/{fixture}.json"))
    for k in drop:
        del cfg[k]
    cfg.update(edits)
    path = tmp_path / "config.json"
    path.write_text(json.dumps(cfg))
    return str(path)


# ---- 1. SGLang on a config stating none of its length keys ----------------------------------------------
def test_sglang_serves_2048_where_the_config_states_no_length(tmp_path):
    """Llama-3.1-8B's config without max_position_embeddings: get_context_length's loop over
    max_sequence_length, seq_length, max_seq_len, model_max_length, max_position_embeddings finds none and
    returns 2048, the llama3 rope factor 8 unapplied (transformers' LlamaConfig defaults
    max_position_embeddings to 2048 too, so SGLang reading it through transformers gets the same). SGLang
    serves at 2,048 with --context-length unset and refuses 2,049 (ModelConfig._derive_context_length)."""
    spec = api.load_model(_edited(tmp_path, "Llama-3.1-8B", drop=("max_position_embeddings",)))
    assert (spec.max_context, spec.context_keys, spec.rope.type, spec.rope.factor) == (None, {}, "llama3", 8.0)
    eng = sglang.ENGINE
    assert sglang.derived_context_len(spec) == 2048
    assert eng.default_len(spec)[0] == 2048
    how = ("SGLang's default 2048 where the config states none of max_sequence_length, seq_length, max_seq_len, "
           "model_max_length, max_position_embeddings (get_context_length)")
    assert eng.context_limit(spec) == (2048, how + "; SGLang refuses a longer --context-length unless "
                                               "SGLANG_ALLOW_OVERWRITE_LONGER_CONTEXT_LEN=1")
    eng.check_max_model_len(spec, 2048)
    with pytest.raises(KvplanError) as e:
        eng.check_max_model_len(spec, 2049)
    assert str(e.value) == (f"max_model_len=2049 (SGLang's --context-length) is greater than {spec.name}'s context "
                            f"length as SGLang derives it (2048: {how}); SGLang refuses it unless "
                            "SGLANG_ALLOW_OVERWRITE_LONGER_CONTEXT_LEN=1")
    # fit with --context-length unset plans a 2,048-token request: 32 layers × 8 KV heads × 128 × 2 (K, V) ×
    # 2 bytes = 131,072 bytes a token, 268,435,456 for 2,048 tokens
    r = fit.fit(spec, api.load_gpu("h100"), engine="sglang", opts=ServeOptions(kv_cache_memory=8 * GiB))
    assert (r.capacity.max_model_len, r.capacity.kv_bytes_per_request) == (2048, 2048 * 131_072)
    # plan and simulate: a prompt of at most 2,047 tokens, and why (the model states no max_context)
    with pytest.raises(KvplanError) as e:
        api.plan_deployment(spec, 1.0, "2048", "16", 500.0, 50.0, gpus="h100", engine="sglang")
    assert str(e.value) == f"--prompt-tokens must be between 1 and 2,047, got 2,048 (max_model_len 2,048: {how})"
    with pytest.raises(KvplanError) as e2:
        sim.simulate(spec, api.load_gpu("h100"), engine="sglang", rate=1.0, prompt_tokens="2048",
                     output_tokens="16", requests=4)
    assert str(e2.value) == str(e.value)


# ---- 2. vLLM's LongRoPE default, checked alike by fit, simulate and plan --------------------------------
def test_vllm_serves_a_longrope_model_at_its_original_length():
    """Phi-3.5-mini's config states rope_scaling type longrope, 131,072 positions and (beside rope_scaling)
    original_max_position_embeddings 4,096: vLLM takes up to 131,072 (no factor on longrope)
    but, max_model_len unset, serves at 4,096 ("For LongRoPE, default to original_max_position_embeddings")."""
    spec = api.load_model(PHI35)
    assert (spec.rope.type, spec.rope.original_max_position, spec.max_context) == ("longrope", 4096, 131072)
    assert max_len_limit(spec) == (131072, "max_position_embeddings")
    assert default_len(spec) == (4096, LONGROPE) and default_max_model_len(spec) == 4096
    assert fit.fit(spec, api.load_gpu("h100"), engine="vllm").capacity.max_model_len == 4096


def test_plan_checks_prompts_against_vllms_longrope_default(tmp_path):
    """plan with --max-model-len unset: at most 4,095 prompt tokens (vLLM's 4,096 − 1), 4,096 refused with
    why; 4,095 passes the length check and reaches the next refusal (TP 3, which 32 heads cannot split); with
    --max-model-len 8,192, 8,000 passes. Before, plan took 8,000 and printed `vllm serve` commands without
    --max-model-len, which vLLM would have refused such prompts under."""
    msg = f"--prompt-tokens must be between 1 and 4,095, got 4,096 (max_model_len 4,096: {LONGROPE})"
    with pytest.raises(KvplanError) as e:
        api.plan_deployment(PHI35, 1.0, "4096", "16", 500.0, 50.0, gpus="h100", tps=[3])
    assert str(e.value) == msg
    for p, mml in (("4095", None), ("8000", 8192)):
        with pytest.raises(KvplanError) as e:
            api.plan_deployment(PHI35, 1.0, p, "16", 500.0, 50.0, gpus="h100", tps=[3], max_model_len=mml)
        assert "prompt-tokens" not in str(e.value) and "3" in str(e.value)


def test_simulate_and_fit_say_the_same_length_and_why():
    """simulate refuses 4,096 prompt tokens with plan's words; fit's note at --ctx 8,000 names the default and
    why (not "--max-model-len", which was not given); with --max-model-len given the old words stay."""
    spec, gpu = api.load_model(PHI35), api.load_gpu("h100")
    with pytest.raises(KvplanError) as e:
        sim.simulate(spec, gpu, rate=1.0, prompt_tokens="4096", output_tokens="16", requests=4)
    assert str(e.value) == f"--prompt-tokens must be between 1 and 4,095, got 4,096 (max_model_len 4,096: {LONGROPE})"
    notes = fit.fit(spec, gpu, engine="vllm", ctx=8000).notes
    assert f"--ctx 8,000 is beyond max_model_len 4,096 ({LONGROPE}): vLLM rejects such requests" in notes
    notes = fit.fit(spec, gpu, engine="vllm", ctx=8000, opts=ServeOptions(max_model_len=6000)).notes
    assert "--ctx 8,000 is beyond --max-model-len 6,000: vLLM rejects such requests" in notes
    lim = sim.engine_limits(spec, gpu, 1, "vllm", ServeOptions())
    assert (lim.max_model_len, lim.sources["max_model_len"]) == (4096, LONGROPE)


def test_a_rope_that_is_not_longrope_gets_the_derived_length_and_no_reason(tmp_path):
    """The same config with rope_scaling linear × 2: vLLM derives 131,072 × 2 and serves at it; nothing is
    added to the messages (the default is the limit)."""
    path = _edited(tmp_path, "Phi-3.5-mini-instruct", rope_scaling={"type": "linear", "factor": 2.0})
    spec = api.load_model(path)
    assert default_len(spec) == (262144, "the length vLLM derives (max_position_embeddings 131072 × linear rope "
                                          "factor 2)")
    assert sim.served_len(spec, "vllm", None) == (262144, "")
    with pytest.raises(KvplanError) as e:
        api.plan_deployment(path, 1.0, "262144", "16", 500.0, 50.0, gpus="h100", tps=[3])
    assert str(e.value) == "--prompt-tokens must be between 1 and 262,143, got 262,144"


# ---- 3. budget_parts: why no custom all-reduce ----------------------------------------------------------
def test_the_reason_for_no_custom_all_reduce_is_the_tp_group():
    """custom_all_reduce_bytes(tp, gpu) decides: SGLang's custom all-reduce is the TP group's, so TP 1 × PP 2
    holds none on any card, said as TP 1, not as "past two PCIe-only GPUs" (two L4s, PCIe only, are two
    GPUs); TP 3 is no world size it supports; four PCIe-only GPUs in one TP group: the PCIe rule."""
    l4, h100 = api.load_gpu("l4"), api.load_gpu("h100")
    assert custom_all_reduce_bytes(1, l4) == custom_all_reduce_bytes(1, h100) == 0
    src = budget_parts(22 * GiB, 0.85, 0, 2, l4, 1)[1].source
    assert src == ("a datacenter card's context from the fit half of the SGLang logs + NCCL on PCIe-only cards, "
                   "read from one seen SGLang log at 4 GPUs, up to a vLLM log's figure; no custom all-reduce at "
                   "TP 1 (SGLang's is per TP group) (engines/sglang_startup.py NCCL_TP_PCIE)")
    assert budget_parts(22 * GiB, 0.85, 0, 3, l4, 3)[1].source.endswith(
        "; no custom all-reduce at TP 3 (its world sizes are 2, 4, 6, 8) (engines/sglang_startup.py NCCL_TP_PCIE)")
    assert budget_parts(22 * GiB, 0.85, 0, 4, l4, 4)[1].source.endswith(
        "; no custom all-reduce past two PCIe-only GPUs (engines/sglang_startup.py NCCL_TP_PCIE)")
    # NVLink: TP 1 × PP 2 no longer says "+ custom all-reduce"; TP 2 still does
    assert budget_parts(80 * GiB, 0.9, 0, 2, h100, 1)[1].source == (
        "a datacenter card's context + NCCL, from the fit half of the SGLang logs; no custom all-reduce at TP 1 "
        "(SGLang's is per TP group) (engines/sglang_startup.py)")
    assert "+ custom all-reduce" in budget_parts(80 * GiB, 0.9, 0, 2, h100, 2)[1].source


def test_plans_launch_commands_carry_the_max_model_len_it_simulated():
    """plan --max-model-len 8,400 simulated an 8,400-token max_model_len, but its `vllm serve` lines had no
    --max-model-len, so vLLM would serve Phi-3.5-mini at its 4,096 default and refuse the 8,000-token prompts
    planned (render/deploy.py commands): each command now carries it (SGLang: --context-length); without
    it, nothing is added (the engine's default is the length simulated)."""
    from kvplan.plan import deploy as d
    from kvplan.render.deploy import commands

    agg = d.Candidate("aggregated", "h100-sxm-80gb", 1, 1, 32)
    dis = d.Candidate("disaggregated", "h100-sxm-80gb", 1, 1, 32, prefill_tp=1, prefill_replicas=1, link="nvlink")
    repo = "microsoft/Phi-3.5-mini-instruct"
    assert commands(agg, "vllm", repo, 8400)[1] == ("vllm serve microsoft/Phi-3.5-mini-instruct "
                                                     "--tensor-parallel-size 1 --max-num-seqs 32 --max-model-len 8400")
    assert commands(agg, "vllm", repo)[1] == ("vllm serve microsoft/Phi-3.5-mini-instruct --tensor-parallel-size 1 "
                                              "--max-num-seqs 32")
    assert [ln.count("--max-model-len 8400") for ln in commands(dis, "vllm", repo, 8400)] == [0, 1, 0, 1]
    assert commands(agg, "sglang", repo, 8400)[1].endswith("--max-running-requests 32 --context-length 8400")
