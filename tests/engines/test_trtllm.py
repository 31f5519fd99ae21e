"""--engine trtllm: TensorRT-LLM's V1 KV-cache manager, by hand (its code was read, not run)."""
from kvplan.sources import catalog
from kvplan.plan import fit, size as memory
from kvplan.engines import ServeOptions

GiB = 2**30


def trt(model, gpu="h100", **kw):
    opts = ServeOptions(**{k: kw.pop(k) for k in list(kw) if k in ServeOptions.__record_fields__})
    return fit.fit(catalog.load_model(model), catalog.load_gpu(gpu), engine="trtllm", opts=opts,
                   check_memory=False, **kw)


def test_llama_8b_8gib():
    # 32 layers × 2 × 8 heads × 128 × 2 bytes = 131,072 bytes/token; 8 GiB // that = 65,536
    # tokens = 2,048 blocks of 32; the 131,072 max_seq_len is cut to the pool's 65,536
    r = trt("llama-3.1-8b", kv_cache_memory=8 * GiB)
    assert r.capacity.detail["bytes_per_token"] == 131_072
    assert r.capacity.detail["num_gpu_blocks"] == 2048 and r.capacity.kv_cache_tokens == 65_536
    assert "cuts it to 65,536" in r.capacity.detail["note"]


def test_llama_70b_tp2_and_mla():
    # 70B, TP 2: 80 × 2 × 4 × 128 × 2 = 163,840 bytes/token; a 4 GiB cap (below the estimate,
    # about 7.8 GiB on an H100) // that = 26,214 tokens, 819 blocks, 26,208 tokens in the pool
    r = trt("llama-3.1-70b", tp=2, kv_cache_memory=4 * GiB)
    assert r.capacity.kv_cache_tokens == 26_208
    # DeepSeek-V3: 61 × 576 × 2 = 70,272 bytes/token on every rank; 8 GiB // that = 122,238
    # tokens = 3,819 whole blocks = 122,208 tokens in the pool
    r = trt("deepseek-v3", gpu="h200", tp=8, kv_cache_memory=8 * GiB)
    assert r.capacity.detail["bytes_per_token"] == 70_272
    assert r.capacity.kv_cache_tokens == (8 * GiB // 70_272) // 32 * 32 == 122_208


def test_sliding_windows_get_full_pools_without_max_attention_window():
    # Mistral 7B at 32,768 tokens: V1 sizes every layer for the full length (1,024 blocks of 32)
    spec = catalog.load_model("mistral-7b")
    assert memory.kv_size(spec, 32_768, engine="trtllm").kv_cache_bytes == 32_768 * 131_072
    assert memory.kv_size(spec, 100, engine="trtllm").kv_cache_bytes == 128 * 131_072  # 4 blocks


def _parts(r):
    return {p.key: p for p in r.stages[0].budget}


def test_budget_term_by_term_llama_8b_h100():
    """_util.py _cal_max_memory: (total − peak + allocated_bytes) × fraction, the temporary cache
    cancelling. H100 CUDA total 84,938,346,987 (gpus.yaml cuda_memory_bytes); weights 16,060,522,496; the estimation run's
    activations over 8,192 tokens: 8,192 × (2 × 4,096 + 3 × 14,336) × 2 = 838,860,800; non-torch
    2,612 MiB = 2,738,880,512. Free = 65,300,083,179; × 0.9 = 58,770,074,861 (int)."""
    r = trt("llama-3.1-8b")
    p = _parts(r)
    assert p["activation"].bytes == 838_860_800 and p["non_torch"].bytes == 2_738_880_512
    assert p["kv_cache"].bytes == int(0.9 * 65_300_083_179) == 58_770_074_861
    # both are estimates: they carry uncertainty, so the verdict can say "at risk"
    assert p["activation"].uncertainty > 0 and p["non_torch"].uncertainty == 2_738_880_512


def test_max_gpu_total_bytes_is_a_cap_not_a_size():
    """configure_kv_cache_capacity: kv_cache_max_memory = min(estimate, max_gpu_total_bytes). A cap
    above the estimate changes nothing (kvplan used to hand the cache the whole cap)."""
    big = trt("llama-3.1-8b", kv_cache_memory=1000 * GiB)
    assert _parts(big)["kv_cache"].bytes == 58_770_074_861
    small = trt("llama-3.1-8b", kv_cache_memory=8 * GiB)
    assert _parts(small)["kv_cache"].bytes == 8 * GiB


def test_mla_workspace_reserve_is_not_fits():
    """get_mla_context_workspace_reserve is not sized (w not read): an MLA model is never "fits"."""
    r = fit.fit(catalog.load_model("deepseek-v3"), catalog.load_gpu("h200"), tp=8, engine="trtllm",
                opts=ServeOptions(max_model_len=8192))
    assert _parts(r)["mla_workspace"].unmodelled
    assert r.judgement.verdict == "at_risk" and r.judgement.deciding_term == "mla_workspace"


# TensorRT-LLM#5872 (engines/trtllm.py, "The estimate's bytes a token against the pool's"): before 1.1.0 the pool
# is the estimate's max_tokens × the pool's own bytes a token, and the estimate counts head_dim × KV heads // tp.


def test_which_releases_size_the_pool_from_the_estimates_token_count():
    from kvplan.engines.trtllm import pool_from_max_tokens, release

    assert release("1.0.0rc1 / 1.0.0rc3 (the report)") == (1, 0, 0, 1)  # the first release named
    assert release("1.2.0rc4 (PyTorch backend)") == (1, 2, 0, 4) and release("not given") is None
    # 1.0.0rc read; 1.0.0 and the 1.1.0 candidates not read, taken as the earlier ones; 1.1.0's log prints
    # "Estimated max memory in KV cache" (bytes)
    assert all(pool_from_max_tokens(v) for v in ("0.21.0", "1.0.0rc3", "1.0.0", "1.1.0rc2", "not given"))
    assert not any(pool_from_max_tokens(v) for v in ("1.1.0", "1.2.0rc4", None))  # None: kvplan's commit


def test_estimate_and_pool_bytes_a_token_by_hand():
    from kvplan.engines import trtllm as t
    from kvplan.model import dtypes

    def gap(model, tp):
        spec = catalog.load_model(model)
        eng = t.ENGINE.for_model(spec, None, ServeOptions(), "bf16", spec.dtype)
        return eng.estimate_bytes_per_token(spec.shard(tp), tp, dtypes.get("bf16"), spec.dtype)

    # Qwen3-235B-A22B, 94 layers, 4 KV heads of 128, bf16, TP 8: the estimate 128 × 4 // 8 = 64 a layer,
    # 94 × 2 × 2 × 64 = 24,064; the pool one whole head, 94 × 2 × 2 × 128 = 48,128
    est, pool, how = gap("qwen3-235b-a22b", 8)
    assert (est, pool) == (24_064, 48_128) and "128 × 4 // 8 = 64" in how
    assert gap("qwen3-235b-a22b", 4) is None  # 4 heads over 4 ranks: they agree
    # Llama-3.1-70B, 80 layers, 8 KV heads of 128, TP 16: 128 × 8 // 16 = 64; 80 × 4 × 64 = 20,480 against 40,960
    assert gap("llama-3.1-70b", 16)[:2] == (20_480, 40_960)
    assert gap("llama-3.1-70b", 8) is None
    assert gap("deepseek-v3", 8) is None  # MLA: one latent on every rank, both count it whole


def test_kv_estimate_is_at_risk_before_1_1_only():
    """Qwen3-235B-A22B at TP 8 on H200s: at 1.0.0rc3 "at risk", naming kv_estimate, with the pool it makes
    (max_tokens = budget // 24,064, × 48,128: twice the budget); at kvplan's commit and 1.1.0 the pool is
    sized in bytes: no such part, and --explain says why."""
    def plan(v):
        return fit.fit(catalog.load_model("qwen3-235b-a22b"), catalog.load_gpu("h200"), tp=8, engine="trtllm",
                       weight_dtype="fp8", opts=ServeOptions(trtllm_version=v))

    old = plan("1.0.0rc3")
    p = _parts(old)
    kv = p["kv_cache"].bytes
    assert p["kv_estimate"].unmodelled and p["kv_estimate"].bytes == 0
    assert old.judgement.verdict == "at_risk" and old.judgement.deciding_term == "kv_estimate"
    made = kv // 24_064 * 48_128
    assert f"max_tokens {kv // 24_064:,} × 48,128 = {made / GiB:.2f} GiB" in p["kv_estimate"].source
    for v in (None, "1.1.0"):
        new = plan(v)
        assert "kv_estimate" not in _parts(new) and new.judgement.verdict == "fits"
        assert _parts(new)["kv_cache"].bytes == kv  # the budget itself does not move
        assert any("from 1.1.0" in line and "24,064" in line for line in new.capacity.explain)


def test_engine_version_reaches_the_trtllm_plan():
    import pytest
    from typer.testing import CliRunner

    from kvplan import api
    from kvplan.cli import app
    from kvplan.errors import KvplanError

    assert api.engine_version("trtllm", "1.0.0rc3") == "1.0.0rc3"
    with pytest.raises(KvplanError):
        api.engine_version("trtllm", "1.0")
    with pytest.raises(KvplanError):
        api.engine_version("sglang", "0.5.2")
    run = CliRunner().invoke(app, ["fit", "qwen3-235b-a22b", "--gpu", "h200", "--tp", "8", "--engine", "trtllm",
                                   "--weight-dtype", "fp8", "--engine-version", "1.0.0rc3", "--explain"])
    assert run.exit_code == 3 and "kv_estimate" in run.output  # 3: at risk (plan/verdict.py EXIT)


def test_kv_heads_tp_rule_is_each_engines_refusal():
    """Phi-4: 40 heads, 10 KV heads × 128. TP 4 divides the 40 heads but not the 10 KV heads, and is
    not a multiple of them: vLLM's and SGLang's QKVParallelLinear (``divide``) and TensorRT-LLM's
    HfWeightMapper._duplicate_kv (``assert num_kv_heads % tensor_parallel_size == 0``) all stop there,
    though TensorRT-LLM's attention module would keep ceil(10 / 4) = 3 heads a rank
    (model/kinds/attention.py _Attention.shard cites each). kvplan refuses in one line, never "fits"."""
    import pytest
    from kvplan.errors import KvplanError

    for engine in ("trtllm", "vllm", "sglang"):
        with pytest.raises(KvplanError) as e:
            fit.fit(catalog.load_model("phi-4"), catalog.load_gpu("h100"), tp=4, engine=engine)
        assert str(e.value) == ("tp=4 does not divide the 10 KV heads; choose a tensor-parallel size that divides "
                                "10 (vLLM, SGLang and TensorRT-LLM refuse this split too)")
    # TP 2 divides both: 10 / 2 = 5 KV heads a rank; 40 layers × 2 (K, V) × 5 × 128 × 2 bytes = 102,400
    r = trt("phi-4", tp=2, kv_cache_memory=1 * GiB)
    assert r.capacity.detail["bytes_per_token"] == 40 * 2 * 5 * 128 * 2 == 102_400


def test_ep_alltoall_workspaces_only_with_attention_dp():
    """Expert parallelism's all-to-all workspaces (engines/trtllm.py ep_alltoall_part): TensorRT-LLM
    chooses an all-to-all method only with enable_attention_dp and more than one rank
    (select_alltoall_method_type: NotEnabled "if not mapping.enable_attention_dp"); their sizes were not
    read, so there the plan is "at risk" naming ep_alltoall; without attention DP none is allocated
    (0 bytes, said); without EP there is no such term (EP on a dense model is refused before)."""
    dp = trt("qwen3-30b-a3b", tp=1, data_parallel_size=2, enable_expert_parallel=True)
    part = _parts(dp)["ep_alltoall"]
    assert part.unmodelled and part.bytes == 0
    assert dp.judgement.verdict == "at_risk" and dp.judgement.deciding_term == "ep_alltoall"
    tp = trt("qwen3-30b-a3b", tp=2, enable_expert_parallel=True)
    assert _parts(tp)["ep_alltoall"].bytes == 0 and not _parts(tp)["ep_alltoall"].unmodelled
    assert "ep_alltoall" not in _parts(trt("qwen3-30b-a3b", tp=2))
