"""TensorRT-LLM#5872 word for word (engines/trtllm.py, "The estimate's bytes a token against the pool's"):
before 1.1.0 the final pool is the estimate's max_tokens × the pool's own bytes a token, and the estimate
counts head_dim × KV heads // tp a layer while the pool keeps one whole KV head a rank. Every figure below is
worked by hand from the model's config (catalog) or from the numbers passed in; session 21's mutation run of
st21trt's change (MUTATION.md) found the tests before these checked the words by substring only."""
from typer.testing import CliRunner

from kvplan.cli import app
from kvplan.engines import trtllm as t
from kvplan.engines.base import ServeOptions
from kvplan.model import dtypes
from kvplan.plan import fit
from kvplan.sources import catalog

SOURCE = ("TensorRT-LLM 1.0.0rc3 sizes max_tokens with {est} bytes a token ({how}; _util.py KvCacheCreator"
          "._get_cache_size_per_token) and the pool holds {pool}; where free_gpu_memory_fraction is unset (a "
          "kv_cache_config in trtllm-serve's extra_llm_api_options replaces the CLI's, llm_args.py "
          "update_llm_args_with_extra_dict; KvCacheConfig's default None), resource_manager.py "
          "calculate_max_num_blocks takes max_tokens as it is: {size}; with the fraction set it cuts the pool "
          "to fraction × free memory")
NOTE = ("TensorRT-LLM's estimate counts {est} bytes a token ({how}), the pool {pool} (_util.py "
        "KvCacheCreator._get_cache_size_per_token, resource_manager.py KVCacheManager): ")
OLD = "TensorRT-LLM 1.0.0rc3 sizes the pool from that token count (before 1.1.0): at risk, kv_estimate"
NEW = ("from 1.1.0 (and at kvplan's read commit) the estimate is bytes (max_gpu_total_bytes), so the pool holds "
       "the budget; a release before 1.1.0 (--engine-version) sizes the pool from that token count, 2.00 × the "
       "budget where free_gpu_memory_fraction is unset (TensorRT-LLM#5872)")
NEW_MIX = ("from 1.1.0 (and at kvplan's read commit) the estimate is bytes, so the pool holds the budget; before "
           "1.1.0 (--engine-version) the pool is sized from that token count")
MIX = "a mix of attention geometries: the estimate's figure is not computed"
# Qwen3-235B-A22B: 94 layers, 4 KV heads of 128, bf16 KV, TP 8: 128 × 4 // 8 = 64 a layer, 94 × 2 (K, V) × 2 bytes
# × 64 = 24,064 bytes a token; the pool ceil(4 / 8) = 1 whole head a rank, 94 × 2 × 2 × 128 = 48,128
QWEN_HOW = ("head_dim × KV heads // tp = 128 × 4 // 8 = 64 a layer against the pool's ceil(4 / 8) = 1 whole head "
            "× 128")


def _plan(model, gpu, tp, version, **kw):
    return fit.fit(catalog.load_model(model), catalog.load_gpu(gpu), tp=tp, engine="trtllm",
                   opts=ServeOptions(trtllm_version=version), **kw)


def _part(r, key):
    return next((p for p in r.stages[0].budget if p.key == key), None)


def _notes(r):
    return [line for line in r.capacity.explain if line.startswith("TensorRT-LLM's estimate")]


def test_the_pool_the_estimate_makes_word_for_word():
    """_estimate_part on figures given by hand: max_tokens = budget // 24,064, the pool that × 48,128."""
    eng = t.TRTLLM(None, "1.0.0rc3")
    # a budget of 24,064 × 2,000,000 + 1 bytes: max_tokens 2,000,000 (the byte left over is dropped, // not /),
    # the pool 2,000,000 × 48,128 = 96,256,000,000 bytes = 89.645... GiB, 48,128 / 24,064 = 2.00 × the budget
    kv = 24_064 * 2_000_000 + 1
    made = 96_256_000_000
    pool = "a pool of max_tokens 2,000,000 × 48,128 = 89.65 GiB (2.00 × the budget) against 89.65 GiB free: "
    # exactly as much free as the pool: not more than the GPU has (made > free, not >=)
    p = eng._estimate_part((24_064, 48_128, "HOW"), kv, made)
    assert (p.key, p.label, p.bytes, p.unmodelled) == ("kv_estimate", "KV estimate (KV heads < TP)", 0, True)
    assert p.source == SOURCE.format(est="24,064", how="HOW", pool="48,128",
                                     size=pool + "what is left for the run shrinks")
    # one byte less free (96,255,999,999 bytes, still 89.65 GiB): the pool is more than the GPU has
    p = eng._estimate_part((24_064, 48_128, "HOW"), kv, made - 1)
    assert p.source == SOURCE.format(est="24,064", how="HOW", pool="48,128", size=pool + (
        "more than the GPU has, so creating the KV cache runs out of memory (TensorRT-LLM#5872)"))
    # the estimate's figure not computed (0): no factor, no division
    p = eng._estimate_part((0, 61_440, MIX), kv, made)
    assert p.source == SOURCE.format(est="0", how=MIX, pool="61,440",
                                     size="a pool larger than the budget, by a factor kvplan does not compute")


def test_qwen3_235b_at_tp8_says_how_word_for_word():
    old = _plan("qwen3-235b-a22b", "h200", 8, "1.0.0rc3", weight_dtype="fp8")
    eng = t.ENGINE.for_model(catalog.load_model("qwen3-235b-a22b"), None, ServeOptions(), "bf16", "bf16")
    spec = catalog.load_model("qwen3-235b-a22b").shard(8)
    assert eng.estimate_bytes_per_token(spec, 8, dtypes.get("bf16"), "bf16") == (24_064, 48_128, QWEN_HOW)
    assert _part(old, "kv_estimate").source.startswith(
        f"TensorRT-LLM 1.0.0rc3 sizes max_tokens with 24,064 bytes a token ({QWEN_HOW}; _util.py KvCacheCreator")
    # --explain: the release sizes the pool from the token count; from 1.1.0 (and kvplan's commit) it does not
    head = NOTE.format(est="24,064", how=QWEN_HOW, pool="48,128")
    assert _notes(old) == [head + OLD]
    for v in (None, "1.1.0"):
        assert _notes(_plan("qwen3-235b-a22b", "h200", 8, v, weight_dtype="fp8")) == [head + NEW]


def test_a_mix_of_attention_geometries_is_not_computed():
    """Gemma 4 26B-A4B at TP 4: 25 sliding layers of 8 KV heads × 256 (2 a rank: they split evenly) and 5 full
    layers of 2 KV heads × 512 (fewer than the ranks: one whole head a rank). Two geometries, so the estimate's
    figure is 0 (not computed: TensorRT-LLM averages a list's heads); the pool 25 × 2 × 2 × 2 × 256 = 51,200
    + 5 × 2 × 2 × 1 × 512 = 10,240: 61,440 bytes a token."""
    spec = catalog.load_model("gemma-4-26b-a4b")
    eng = t.ENGINE.for_model(spec, None, ServeOptions(), "bf16", spec.dtype)
    assert eng.estimate_bytes_per_token(spec.shard(4), 4, dtypes.get("bf16"), spec.dtype) == (0, 61_440, MIX)
    old = _plan("gemma-4-26b-a4b", "h100", 4, "1.0.0rc3")
    assert old.judgement.verdict == "at_risk" and old.judgement.deciding_term == "kv_estimate"
    assert _part(old, "kv_estimate").source == SOURCE.format(
        est="0", how=MIX, pool="61,440", size="a pool larger than the budget, by a factor kvplan does not compute")
    head = NOTE.format(est="0", how=MIX, pool="61,440")
    assert _notes(old) == [head + OLD]
    new = _plan("gemma-4-26b-a4b", "h100", 4, None)
    assert new.judgement.verdict == "fits" and _part(new, "kv_estimate") is None
    assert _notes(new) == [head + NEW_MIX]


def test_a_hybrid_model_counts_its_attention_layers_only():
    """Nemotron-3-Nano-30B-A3B at TP 4: 6 attention layers of 2 KV heads × 128 (23 Mamba2 layers, whose state
    is per sequence, not per token: it cancels out of one more block's bytes). The estimate 128 × 2 // 4 = 64 a
    layer, 6 × 2 × 2 × 64 = 1,536; the pool one whole head, 6 × 2 × 2 × 128 = 3,072. The state's dtype is the
    model's (bf16): the plan must pass it on, or the Mamba2 state cannot be sized."""
    how = ("head_dim × KV heads // tp = 128 × 2 // 4 = 64 a layer against the pool's ceil(2 / 4) = 1 whole head "
           "× 128")
    old = _plan("nemotron-3-nano-30b-a3b", "h100", 4, "1.0.0rc3")
    assert old.judgement.verdict == "at_risk" and old.judgement.deciding_term == "kv_estimate"
    kv = _part(old, "kv_cache").bytes
    assert f"max_tokens {kv // 1_536:,} × 3,072 = {kv // 1_536 * 3_072 / 2**30:.2f} GiB (2.00 × the budget)" \
        in _part(old, "kv_estimate").source
    head = NOTE.format(est="1,536", how=how, pool="3,072")
    assert _notes(old) == [head + OLD]
    new = _plan("nemotron-3-nano-30b-a3b", "h100", 4, None)
    assert new.judgement.verdict == "fits" and _notes(new) == [head + NEW]


def test_the_default_options_plan_kvplans_read_commit():
    """ServeOptions() plans kvplan's read commit (the estimate in bytes from 1.1.0): no kv_estimate part."""
    assert ServeOptions().trtllm_version is None
    r = fit.fit(catalog.load_model("qwen3-235b-a22b"), catalog.load_gpu("h200"), tp=8, engine="trtllm",
                weight_dtype="fp8", opts=ServeOptions())
    assert r.judgement.verdict == "fits" and _part(r, "kv_estimate") is None


def test_fit_routes_the_release_to_the_trtllm_plan_whatever_its_case():
    from kvplan import api

    assert api.engine_version(" TRTLLM ", " 1.0.0rc3 ") == "1.0.0rc3"  # the release kept, stripped
    args = ["fit", "qwen3-235b-a22b", "--gpu", "h200", "--tp", "8", "--weight-dtype", "fp8", "--json"]
    run = CliRunner().invoke(app, [*args, "--engine", "TRTLLM", "--engine-version", "1.0.0rc3"])
    assert run.exit_code == 3 and '"kv_estimate"' in run.output  # 3: at risk (plan/verdict.py EXIT)
    run = CliRunner().invoke(app, [*args, "--engine", "trtllm"])  # no release: kvplan's commit
    assert run.exit_code == 0 and "kv_estimate" not in run.output
