"""Session 22's walk as a new user at 80 columns: what it found, each checked through the CLI."""
import json

import pytest

from walk import one_line, run

FIT = ("llama-3.1-8b", "--gpu", "h100")
PLAN = ("plan", "llama-3.1-8b", "--rate", "2", "--prompt-tokens", "1000", "--output-tokens", "100", "--ttft-p90",
        "2000", "--itl-p90", "100", "--gpus", "h100", "--tp", "1", "--max-num-seqs", "32", "--no-disaggregated",
        "--requests", "40", "--workers", "1")


def _json(*args):
    r = run(*args)
    assert r.exit_code in (0, 1, 3), r.output
    return json.loads(r.stdout)


# `kvplan plan` lacked --engine-version ("No such option") where fit, perf, simulate, sweep and compare plan the
# release: plan simulates each candidate as simulate does, so it now plans the release as simulate plans it (fit's
# start-up, the release's scheduler rules, its step costs: simulate/release.py for_release, release_profile).
# vLLM 0.7.3 is the V0 engine priced by engines.yaml's vllm_v06 profile: its ITL differs from 0.33.0's; 0.10.0 is
# V1 with 0.33.0's step costs (the same ITL) but no async scheduling and 0.10.0's start-up (a different TTFT).
def test_plan_plans_the_release():
    own = _json(*PLAN, "--json")
    assert own["engine_version"] is None
    best = own["ranked"][0]
    for ver in ("0.7.3", "0.10.0"):
        got = _json(*PLAN, "--json", "--engine-version", ver)
        assert got["engine_version"] == ver
        assert got["ranked"][0]["ttft_p90_ms"] != best["ttft_p90_ms"]
    assert _json(*PLAN, "--json", "--engine-version", "0.7.3")["ranked"][0]["itl_p90_ms"] != best["itl_p90_ms"]
    assert _json(*PLAN, "--json", "--engine-version", "0.10.0")["ranked"][0]["itl_p90_ms"] == best["itl_p90_ms"]
    r = run(*PLAN, "--engine-version", "0.10.0")
    assert r.exit_code == 0 and "llama-3.1-8b · vllm 0.10.0 · 2 requests/s" in r.stdout, r.output


def test_plan_checks_the_release_as_fit_does():
    one_line(run(*PLAN, "--engine-version", "0.33"),
             "--engine-version 0.33 names no release; give its patch too, such as 0.33.0")
    one_line(run(*PLAN, "--engine-version", "banana"),
             "--engine-version must be a version such as 0.11.0, got 'banana'")
    one_line(run(*PLAN, "--engine", "sglang", "--engine-version", "0.4.0"),
             "--engine-version is read by the vllm and trtllm plans only, not sglang's")


# simulate lacked --weight-dtype ("No such option") where fit, perf, sweep and compare take it: simulate now plans
# the weights as fit does (its blocks: the fit command it names) and prices the step's weight reads as perf does.
def test_simulate_takes_the_weight_dtype_fit_and_perf_take():
    sim = ("simulate", *FIT, "--rate", "2", "--prompt-tokens", "1000", "--output-tokens", "100", "--requests", "30",
           "--json")
    own, fp8 = _json(*sim), _json(*sim, "--weight-dtype", "fp8")
    fit = _json("fit", *FIT, "--json", "--weight-dtype", "fp8")
    assert fp8["kv_cache"]["blocks"] == fit["num_gpu_blocks"] - 1 > own["kv_cache"]["blocks"]  # less the null block
    assert "--weight-dtype fp8" in fp8["kv_cache"]["source"]
    assert fp8["itl_ms"]["mean"] < own["itl_ms"]["mean"]  # half the weight bytes read per decode step
    r = run(*sim, "--weight-dtype", "banana")
    assert r.exit_code == 2 and r.output.startswith("kvplan: error: unknown dtype 'banana'") and r.output.count("\n") == 1


# perf said nothing at a batch fit calls "at risk": llama-3.1-8b on an H100 at 32,000 tokens, fit's plan holds 13
# sequences, 12 with every estimated part at the far end of its error (CUDA graphs the largest, ±1.23 GiB). perf at
# --batch 13 now says fit's "at risk" (its words, the deciding term named) on stderr and in its notes; at 12 nothing;
# at 14 its "does not fit" note is a warning on stderr too. The price is still printed (exit 0): perf prices a step.
def test_perf_says_at_risk_where_fit_does():
    args = ("perf", *FIT, "--ctx", "32k", "--no-cache-compare")
    fit = _json("fit", *FIT, "--ctx", "32k", "--json")
    assert (fit["max_batch"], fit["max_batch_low"]) == (13, 12)
    assert "at risk" not in run(*args, "--batch", "12").stderr
    r = run(*args, "--batch", "13")
    assert r.exit_code == 0 and r.stderr.startswith("kvplan: at risk: vllm's memory plan: 13 sequences"), r.stderr
    assert "cuda_graphs" in r.stderr
    notes = _json(*args, "--batch", "13", "--json")["notes"]
    assert [n for n in notes if n.startswith("at risk: ")] and "at_risk" == _json("fit", *FIT, "--ctx", "32k",
                                                                                  "--batch", "13", "--json")["verdict"]
    r = run(*args, "--batch", "14")
    assert r.exit_code == 0 and r.stderr.startswith("kvplan: warning: this does not fit: vllm's memory plan holds 13")


# `--block-size 7` was planned as if vLLM ran it. vLLM 0.33.0's CacheConfig takes any block_size > 0 (config/cache.py,
# Field gt=0) but start-up's select_common_block_size (v1/worker/utils.py) needs a kernel block size dividing it, and
# every CUDA attention backend takes multiples of 16 (FLASH_ATTN, FLASHINFER, TRITON_ATTN: [MultipleOf(16)]) or a
# fixed 32/64/128 (the MLA backends): 7 or 24 is "No common block size" there, refused here in one line. SGLang's
# --page-size (the same option) and a release stated by --engine-version are not refused by that rule.
@pytest.mark.parametrize("size", ["7", "24"])
def test_block_size_vllm_cannot_run_is_refused(size):
    msg = (f"--block-size {size}: vLLM 0.33.0's attention kernels take blocks of a multiple of 16 tokens (16, 32, 64, "
           f"128, 256, ...; select_common_block_size refuses {size} at start-up)")
    one_line(run("fit", *FIT, "--block-size", size), msg)
    one_line(run("simulate", *FIT, "--block-size", size, "--rate", "1", "--prompt-tokens", "10", "--output-tokens",
                 "10"), msg)
    assert run("fit", *FIT, "--block-size", "48").exit_code == 0
    assert run("fit", *FIT, "--page-size", size, "--engine", "sglang").exit_code == 0
    assert run("fit", *FIT, "--block-size", "8", "--engine-version", "0.10.0").exit_code == 0


# The same flags with the same meaning on every command that plans memory: perf's "fits" (its notes, its batch table)
# is fit's plan, but perf lacked --gpu-memory-utilization (fit, simulate and plan take it), so perf could not be asked
# fit's question at 0.5. Now it can, and answers as fit does: at ctx 32,000 fit holds 5 (4 at the estimates' far end).
def test_perf_takes_fits_gpu_memory_utilization():
    gmu = ("--gpu-memory-utilization", "0.5")
    fit = _json("fit", *FIT, "--ctx", "32k", "--json", *gmu)
    assert (fit["max_batch"], fit["max_batch_low"]) == (5, 4)
    p = _json("perf", *FIT, "--ctx", "32k", "--batch-table", "--batch", "5", "--json", *gmu)
    assert p["max_batch"] == fit["max_batch"]
    assert any(n.startswith("at risk: ") and n.endswith("--batch 5 --gpu-memory-utilization 0.5)") for n in p["notes"])
    assert _json("perf", *FIT, "--ctx", "32k", "--batch-table", "--json")["max_batch"] == 13  # the default's, as fit's
    one_line(run("perf", *FIT, "--ctx", "32k", "--gpu-memory-utilization", "1.5"),
             "--gpu-memory-utilization must be a number in (0, 1], got '1.5'")


# perf took only kvplan's --kv-dtype where fit and simulate also take the engine's --kv-cache-dtype (vLLM's fp8 is
# fp8_e4m3): the same flag now means the same there (api._cache_format, fit's and simulate's one reading).
def test_perf_takes_the_engines_kv_cache_dtype():
    base = ("perf", *FIT, "--ctx", "8k", "--json")
    ours, engines = _json(*base, "--kv-dtype", "fp8_e4m3"), _json(*base, "--kv-cache-dtype", "fp8")
    assert engines["kv_dtype"] == "fp8_e4m3" and engines["decode"] == ours["decode"]
    assert _json("fit", *FIT, "--kv-cache-dtype", "fp8", "--json")["kv_dtype"] == "fp8_e4m3"
    one_line(run(*base, "--kv-cache-dtype", "fp8", "--kv-dtype", "fp8"), "give --kv-dtype or --kv-cache-dtype, not both")


# compare and sweep plan fit's max batch and KV budget on --gpu, but lacked fit's --gpu-memory-utilization: at 0.5
# fit's llama-3.1-8b on an H100 at 8,000 tokens holds 21 sequences; compare's and sweep's answer is now fit's.
def test_compare_and_sweep_take_fits_gpu_memory_utilization():
    gmu = ("--gpu-memory-utilization", "0.5")
    fit = _json("fit", *FIT, "--ctx", "8000", "--json", *gmu)
    assert fit["max_batch"] == 21
    assert _json("compare", "llama-3.1-8b", "--ctx", "8000", "--gpu", "h100", "--json", *gmu)[0]["max_batch"] == 21
    s = _json("sweep", "llama-3.1-8b", "--ctx", "8000", "--batch", "1", "--gpu", "h100", "--json", *gmu)
    assert s["kv_budget_bytes"]["bf16"] == fit["kv_budget_bytes"]
    one_line(run("compare", "llama-3.1-8b", "--ctx", "8000", *gmu),
             "--gpu-memory-utilization is for vLLM's start-up on a GPU; give --gpu or leave it out")
