"""benchmarks/published/checkpoints.yaml: rows that ran a checkpoint whose layers are not all in the row's
weight_dtype are priced with the checkpoint's own layout (scripts/perf_accuracy.py spec_for)."""
import importlib.util
import re

import yaml
from conftest import ROOT

spec = importlib.util.spec_from_file_location("perf_accuracy", ROOT / "scripts" / "perf_accuracy.py")
pa = importlib.util.module_from_spec(spec)
spec.loader.exec_module(pa)

ROWS = {e["id"]: e for e in yaml.safe_load((pa.PUB / "measurements.yaml").read_text())}
DOC = yaml.safe_load((pa.PUB / "checkpoints.yaml").read_text())


def test_every_listed_row_exists_and_names_its_checkpoint():
    for c in DOC:
        assert c["ids"] and c["sources"]
        for i in c["ids"]:
            e = ROWS[i]  # a KeyError is a row id that is not in measurements.yaml
            if "named_as" in c:  # no command printed: the row's table names the file by that description
                assert f"| {c['named_as']} |" in e["quote"], i
                continue
            # the row's command names the checkpoint (quoted or not: --model, or the server's --model-path)
            assert re.search(rf'--model(-path)? "?{re.escape(c["checkpoint"])}"?(\s|$)', e["quote"]), i


def test_a_command_naming_another_checkpoint_is_caught():
    # the pattern above must not accept a longer name that merely starts with the checkpoint's
    q = "--model deepseek-ai/DeepSeek-V3.1-Terminus --tp 8"
    assert not re.search(rf'--model(-path)? "?{re.escape("deepseek-ai/DeepSeek-V3.1")}"?(\s|$)', q)
    assert re.search(rf'--model(-path)? "?{re.escape("deepseek-ai/DeepSeek-V3.1")}"?(\s|$)', "--model deepseek-ai/DeepSeek-V3.1 \\")


def test_deepseek_fp8_rows_run_block_scaled_gemms_with_a_bf16_head():
    # DeepSeek's FP8 checkpoints: every linear e4m3 with 128 x 128 block scales, the LM head bf16 (config.json
    # quantization_config weight_block_size [128, 128]); on MI300X SGLang's block-FP8 linears run AITER's
    # gemm_a8w8_blockscale, which rocm.yaml prices with AITER's tuned fp8_block curve
    e = ROWS["sglang-mi300x-deepseek-v3.1-fp8-tp8-c1-1000-1000-tpot"]
    r = pa.model_for(e)
    assert r.proj_fmt.quant.block == 128 and r.mlp_fmt.quant.block == 128
    assert r.head_fmt.wfmt == "bf16" and r.head_fmt.quant is None
    ops = {n: src for n, _, _, src in r.decode(900, 1).ops}
    assert ops["attention projections (GEMM)"].startswith("AITER")
    # AITER's block-scale kernel at M = 1 streams 0.13 of bandwidth on small matrices, below the fallback's: slower
    assert pa.predict(e) > pa.predict(dict(e, id="not-listed"))
    b200 = pa.model_for(ROWS["sglang-b200-deepseek-r1-fp8-tp8-c1-1000-1000-tpot"])
    assert b200.proj_fmt.quant.block == 128 and b200.head_fmt.wfmt == "bf16"


def test_meta_fp8_405b_weights_match_the_campaigns_log():
    # dstack's gpu-usage.md: vLLM loaded meta-llama/Llama-3.1-405B-FP8 at "56.7677 GB" (GiB) a GPU, TP 8, on H100 and
    # on MI300X. Its FFN-only layout (attention in bf16) comes within the 2 of 126 MLPs kvplan prices in fp8
    # (0.61 GiB); priced all-FP8 it would be 47.25 GiB, 17 % short
    measured = 56.7677 * 2**30
    for i in ("dstack-vllm-h100-llama3.1-405b-fp8-tp8-bs4-128-2048-latency",
              "dstack-vllm-mi300x-meta-llama3.1-405b-fp8-tp8-bs4-128-2048-latency"):
        r = pa.model_for(ROWS[i])
        assert r.spec.weight_quant.scope == "mlp" and r.spec.weight_quant.method == "fbgemm_fp8"
        assert -0.012 < r.weights_bytes / measured - 1 < -0.010
        # the projections run bf16 (the table's bf16 curve), the MLPs fp8
        assert r.proj_fmt.wfmt == "bf16" and r.mlp_fmt.wfmt == "fp8_e4m3" and r.mlp_fmt.compute_fmt == "fp8"


def test_amd_quark_rows_stay_all_fp8():
    # amd/Llama-3.1-405B-Instruct-FP8-KV quantizes every linear layer (49.3235 GiB a GPU in the same log): no entry
    e = ROWS["dstack-vllm-mi300x-amd-llama3.1-405b-fp8-tp8-bs4-128-2048-latency"]
    assert e["id"] not in pa.CHECKPOINTS
    r = pa.model_for(e)
    assert r.spec.weight_quant is None and r.weight_dtype == "fp8_e4m3"
    meta = ROWS["dstack-vllm-mi300x-meta-llama3.1-405b-fp8-tp8-bs4-128-2048-latency"]
    assert r.weights_bytes < pa.model_for(meta).weights_bytes


def test_a_listed_row_is_slower_than_the_same_row_priced_all_fp8():
    # bf16 attention projections read twice the bytes of fp8 ones: the step is slower (MI300X: the fallback's
    # bandwidth, no table to hide it)
    e = ROWS["dstack-vllm-mi300x-meta-llama3.1-405b-fp8-tp8-bs4-128-2048-latency"]
    assert pa.predict(e) > pa.predict(dict(e, id="not-listed"))


def test_a_batch_that_does_not_fit_at_once_is_simulated():
    # batch 128 at 128 + 2,048 tokens of the meta checkpoint on 8 x H100: kvplan's vLLM plan holds 9,233 blocks of 16,
    # the batch needs 128 x 136 = 17,408, so the engine preempts and recomputes: the row's time is simulate's makespan,
    # longer than the batch running together
    e = ROWS["dstack-vllm-h100-llama3.1-405b-fp8-tp8-bs128-128-2048-latency"]
    r = pa.model_for(e)
    together = r.first_token(128, 128) + sum(r.decode(128 + t, 128).seconds for t in range(1, 2048))
    got = pa.closed_batch_seconds(e, r)
    assert got is not None and got > 1.2 * together and pa.predict(e) == got


def test_a_batch_that_fits_runs_together():
    # batch 64 at the same lengths needs 64 x 136 = 8,704 blocks of the 9,233: one batch, priced as before
    e = ROWS["dstack-vllm-h100-llama3.1-405b-fp8-tp8-bs64-128-2048-latency"]
    r = pa.model_for(e)
    assert pa.closed_batch_seconds(e, r) is None
    assert pa.predict(e) == r.first_token(128, 64) + sum(r.decode(128 + t, 64).seconds for t in range(1, 2048))


def test_engine_limits_plans_the_weight_format_it_is_given():
    # 405B in bf16 does not fit 8 x H100; in fp8 it does: simulate's limits follow the format asked for
    import pytest
    from kvplan.errors import KvplanError
    from kvplan.plan.simulate.limits import engine_limits
    from kvplan.sources import catalog

    spec, gpu = catalog.load_model("llama-3.1-405b"), catalog.load_gpu("h100-sxm-80gb")
    assert engine_limits(spec, gpu, 8, "vllm", weight_dtype="fp8", kv_dtype="bf16").num_blocks > 0
    with pytest.raises(KvplanError):
        engine_limits(spec, gpu, 8, "vllm", kv_dtype="bf16")
