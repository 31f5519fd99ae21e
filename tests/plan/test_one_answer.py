"""Issue 19: the same question gets the same answer from every command."""
import json

import pytest
from typer.testing import CliRunner

import kvplan
from kvplan.cli import app

runner = CliRunner()


def _json(*args):
    r = runner.invoke(app, list(args))
    assert r.exit_code in (0, 1), r.output
    return json.loads(r.stdout)


@pytest.mark.parametrize("model", ["llama-3.1-8b", "mistral-7b"])
@pytest.mark.parametrize("engine", [[], ["--engine", "vllm"]])
def test_fit_compare_and_sweep_agree_at_32k_on_an_h100(model, engine):
    most = _json("fit", model, "--gpu", "h100", "--ctx", "32768", *engine, "--json")["max_batch"]
    assert most >= 1
    (row,) = _json("compare", model, "--gpu", "h100", "--ctx", "32768", *engine, "--json")
    assert row["max_batch"] == most
    res = _json("sweep", model, "--gpu", "h100", "--ctx", "32768", "--batch", f"{most},{most + 1}",
                *engine, "--json")
    assert [r["fits"] for r in res["rows"]] == [True, False]


@pytest.mark.parametrize("model,gpu,ctx", [("gemma-2-9b", "a100", 8192), ("qwen3-30b-a3b", "h200", 20000),
                                           ("deepseek-v3", "h200", 4096)])
@pytest.mark.parametrize("engine", [None, "sglang", "trtllm"])
def test_one_max_batch_across_models_gpus_and_engines(model, gpu, ctx, engine):
    tp = 8 if model == "deepseek-v3" else 1
    f = kvplan.fit(model, gpu, ctx=ctx, tp=tp, engine=engine)
    (row,) = kvplan.compare(model, ctx, gpu=gpu, tp=tp, engine=engine)
    assert row["max_batch"] == (f.max_batch or 0)
    res = kvplan.sweep(model, [ctx], [max(f.max_batch, 1), f.max_batch + 1], gpu=gpu, tp=tp, engine=engine)
    assert [r["fits"] for r in res["rows"]] == [f.max_batch >= 1, False]


def test_llama_at_tp_2_keeps_only_its_norms_twice():
    # every weight matrix of Llama 3.1 8B divides over 2 ranks (vocabulary 128,256 = 2 × 64,128);
    # each rank keeps the 2 norms of each of 32 layers and the final norm whole:
    # (2 × 32 + 1) × 4,096 = 266,240 extra parameters, × 2 bytes (bf16) = 532,480 bytes
    f = kvplan.fit("llama-3.1-8b", "h100", tp=2)
    assert f.copies.parameters == {"norms, embeddings and head": 266_240}
    assert f.copies.replicated_bytes == 532_480
    assert f.copies.model_bytes == kvplan.size("llama-3.1-8b", ctx=1).weights_bytes


@pytest.mark.parametrize("tp,pp", [(8, 1), (4, 2), (2, 4), (1, 2)])
def test_size_weights_are_the_gpus_weights_less_the_copies(tp, pp):
    # DeepSeek-V4-Flash: MXFP4 routed experts, FP8 block-scaled linears, bf16 rest, hyper head
    f = kvplan.fit("deepseek-v4-flash", "b200", tp=tp, pp=pp)
    whole = kvplan.size("deepseek-v4-flash", ctx=1).weights_bytes
    all_gpus = tp * sum(s.weights_bytes for s in f.stages)
    assert f.copies.all_gpus_bytes == all_gpus and f.copies.model_bytes == whole
    assert all_gpus - f.copies.replicated_bytes == whole
    spec = kvplan.load_model("deepseek-v4-flash")
    extra = tp * sum(s.parameters for s in f.stages) - spec.parameters()
    assert sum(f.copies.parameters.values()) == extra
    if tp == 1:  # pipeline stages split layers, nothing is held twice (untied embeddings)
        assert extra == 0 and f.copies.replicated_bytes == 0
    else:  # the attention parts every rank keeps whole dominate
        assert max(f.copies.parameters, key=f.copies.parameters.get).endswith("mixer")


def test_fit_states_the_copies_on_screen():
    out = runner.invoke(app, ["fit", "deepseek-v4-flash", "--gpu", "b200", "--tp", "8"],
                        env={"COLUMNS": "200"}).stdout
    assert "weights over all 8 GPUs: 176.03 GB, the model's 156.10 GB; 19.93 GB held more than once" in out


@pytest.mark.parametrize("model,gpu,tp,engine", [("llama-3.1-8b", "h100", 1, None), ("gemma-2-9b", "a100", 1, None),
                                                 ("qwen3-30b-a3b", "h200", 2, "sglang"),
                                                 ("mistral-7b", "l40s", 1, "trtllm")])
def test_perf_sweep_and_compare_price_one_decode_step(model, gpu, tp, engine):
    """ux16: sweep and compare priced the decode step with the bare roofline while perf prices it per
    operation: Llama 3.1 8B at 4,096 tokens × 64 on an H100 was 19.74 ms in sweep and 23.11 ms in perf."""
    ctxs, batches = [512, 4096, 16384, 60000], [1, 8, 64, 200]
    res = kvplan.sweep(model, ctxs, batches, gpu=gpu, tp=tp, engine=engine)
    assert len(res["rows"]) == len(ctxs) * len(batches)
    for row in res["rows"]:
        p = kvplan.perf(model, gpu, row["ctx"], row["batch"], tp=tp, engine=engine or "vllm")
        assert row["decode_step_seconds"] == p.decode.seconds  # bit for bit (ux16b)
        assert row["bound"] == p.decode.bound
    for batch in (1, 8):
        (row,) = kvplan.compare(model, 4096, batch, gpu=gpu, tp=tp, engine=engine)
        p = kvplan.perf(model, gpu, 4096, batch, tp=tp, engine=engine or "vllm")
        assert row["decode_tokens_per_second"] == pytest.approx(batch / p.decode.seconds, rel=1e-12)
        if row["max_batch"]:
            top = kvplan.perf(model, gpu, 4096, row["max_batch"], tp=tp, engine=engine or "vllm")
            assert row["max_batch_tokens_per_second"] == pytest.approx(row["max_batch"] / top.decode.seconds,
                                                                       rel=1e-12)


@pytest.mark.parametrize("engine,flags", [
    ("vllm", ["--gpu-memory-utilization", "0.8", "--block-size", "32"]),
    ("vllm", ["--kv-cache-memory", "20GiB"]),
    ("sglang", ["--mem-fraction-static", "0.7"]),
])
def test_simulate_takes_fits_memory_flags_and_gets_fits_cache(engine, flags):
    """ux16: simulate had no --gpu-memory-utilization, --kv-cache-memory or --block-size, so a
    server started with them could be asked of fit but not of simulate."""
    f = _json("fit", "llama-3.1-8b", "--gpu", "h100", "--engine", engine, *flags, "--json")
    s = _json("simulate", "llama-3.1-8b", "--gpu", "h100", "--engine", engine, *flags, "--rate", "4",
              "--prompt-tokens", "256", "--output-tokens", "16", "--requests", "5", "--json")
    plain = _json("fit", "llama-3.1-8b", "--gpu", "h100", "--engine", engine, "--json")
    assert f["kv_cache_tokens"] != plain["kv_cache_tokens"]  # the flags move the cache
    assert s["kv_cache"]["fit_tokens"] == f["kv_cache_tokens"]
    if engine == "vllm":
        assert s["kv_cache"]["blocks"] == f["num_gpu_blocks"] - 1  # less vLLM's null block
        assert s["kv_cache"]["block_size"] == f["block_size"]
    said = {"--mem-fraction-static": "--gpu-memory-utilization 0.7", "--kv-cache-memory": "--kv-cache-memory "
            f"{20 * 2**30}"}.get(flags[0], " ".join(flags))
    assert said in s["kv_cache"]["source"]  # the fit command it names gives the same figure


def test_check_log_and_fit_agree_given_the_logs_release():
    """ux16: check-log plans for the log's vLLM release (0.15.1 here: 156,368 tokens) and fit for
    kvplan's (0.33: 159,008) with no way to ask fit for 0.15.1; fit --engine-version asks it, and
    check-log says which release it planned."""
    log = "tests/data/logs/vllm_0.15.1_a100-40gb_llama-3.1-8b.log"
    c = _json("check-log", log, "--gpu", "a100-sxm-40gb", "--json")
    got = {f["key"]: f["kvplan"] for f in c["figures"]}
    flags = ["--enforce-eager", "--max-model-len", "131072", "--max-num-batched-tokens", "8192"]
    assert c["flags"]["enforce_eager"] and c["flags"]["max_model_len"] == 131072  # what the log ran
    f = _json("fit", "llama-3.1-8b", "--gpu", "a100-sxm-40gb", *flags, "--engine-version", "0.15.1", "--json")
    assert (f["kv_cache_tokens"], f["kv_budget_bytes"]) == (got["kv_tokens"], got["kv_budget"]) \
        == (156_368, 20_497_053_450)
    today = _json("fit", "llama-3.1-8b", "--gpu", "a100-sxm-40gb", *flags, "--json")
    assert today["kv_cache_tokens"] != f["kv_cache_tokens"]  # the release matters here
    assert "planned for vLLM 0.15.1, the log's release (kvplan fit --engine-version 0.15.1 gives the same plan)" \
        in c["notes"]


@pytest.mark.parametrize("args, words", [(["--engine-version", "abc"], "must be a version such as 0.11.0"),
                                         (["--engine", "sglang", "--engine-version", "0.5.0"], "vllm and trtllm plans only"),
                                         (["--engine", "trtllm", "--engine-version", "1.0"],
                                          "must be a TensorRT-LLM release such as 1.0.0rc3")])
def test_fit_engine_version_is_checked(args, words):
    r = runner.invoke(app, ["fit", "llama-3.1-8b", "--gpu", "h100", *args])
    assert r.exit_code == 2 and r.output.count("\n") == 1 and words in r.output, r.output


@pytest.mark.parametrize("engine", ["vllm", "sglang"])
def test_perf_says_a_batch_fit_does_not_hold_does_not_fit(engine):
    """ux16: perf priced Llama 3.1 8B at 4,096 tokens × 120 on an H100 without a word (its bytes, 80.5 GB,
    are under the card's 84.9 GB) while fit says vLLM holds 106; now perf says fit's answer."""
    most = kvplan.fit("llama-3.1-8b", "h100", ctx=4096, engine=engine).max_batch
    assert most > 8
    ok = kvplan.perf("llama-3.1-8b", "h100", 4096, most, engine=engine)
    assert not any("does not fit" in n for n in ok.notes)
    over = kvplan.perf("llama-3.1-8b", "h100", 4096, most + 1, engine=engine)
    assert f"this does not fit: {engine}'s memory plan holds {most:,} sequence(s) of 4,096 tokens per replica, " \
           f"not {most + 1:,} (kvplan fit --ctx 4096)" in over.notes
