"""Session 21's walk as a new user at 80 columns: what it found, each checked through the CLI."""
import json

import pytest

from walk import one_line, run

FIT = ("llama-3.1-8b", "--gpu", "h100")


def _json(*args):
    r = run(*args)
    assert r.exit_code in (0, 1, 3), r.output
    return json.loads(r.stdout)


# `--engine-version` was fit's (and check-bench's) alone: perf, simulate, sweep and compare answer the same start-up
# question, so `sweep ... --engine-version 0.10.0` was refused ("No such option") where fit planned vLLM 0.10.0's
# start-up (no CUDA-graph estimate subtracted before 0.19, the V1 sampler's sort: 26,269 blocks, 0.33.0's 27,185).
# Each now takes it and plans that release: the same KV budget and max batch as fit's, not kvplan's 0.33.0.
@pytest.mark.parametrize("version", ["0.10.0", "0.7.3"])
def test_sweep_and_compare_plan_the_release_fit_plans(version):
    ver = ("--engine-version", version)
    fit = _json("fit", *FIT, "--ctx", "8000", "--json", *ver)
    own = _json("fit", *FIT, "--ctx", "8000", "--json")
    assert fit["kv_budget_bytes"] != own["kv_budget_bytes"]  # the release moves fit's answer ...
    s = _json("sweep", "llama-3.1-8b", "--ctx", "8000", "--batch", "1", "--gpu", "h100", "--json", *ver)
    assert s["kv_budget_bytes"]["bf16"] == fit["kv_budget_bytes"]  # ... and sweep's and compare's with it
    m = _json("compare", "llama-3.1-8b", "--ctx", "8000", "--gpu", "h100", "--json", *ver)
    assert (m[0]["max_batch"], m[0]["max_batch_low"]) == (fit["max_batch"], fit["max_batch_low"])


# The decode step is that release's too: vLLM 0.7.3 ran the V0 engine, whose per-step costs are engines.yaml's
# vllm_v06 profile (latency/versions.py profile_for, the profile check-bench replays a 0.7.3 run with); 0.10.0 is
# V1, kvplan's own profile, so its step is 0.33.0's.
def test_sweep_and_compare_price_the_releases_step():
    def step(*ver):
        s = _json("sweep", "llama-3.1-8b", "--ctx", "8000", "--batch", "1", "--gpu", "h100", "--json", *ver)
        m = _json("compare", "llama-3.1-8b", "--ctx", "8000", "--gpu", "h100", "--json", *ver)
        assert m[0]["decode_tokens_per_second"] == pytest.approx(s["rows"][0]["tokens_per_second"])  # one answer
        return s["rows"][0]["decode_step_seconds"]

    assert step("--engine-version", "0.10.0") == step()
    assert step("--engine-version", "0.7.3") != step()
    # perf answers the same question the same way: its step, and its batch table bounded by fit's plan of the release
    for ver in ((), ("--engine-version", "0.7.3")):
        p = _json("perf", *FIT, "--ctx", "8000", "--batch-table", "--json", *ver)
        assert p["decode"]["seconds"] == step(*ver)
        assert p["max_batch"] == _json("fit", *FIT, "--ctx", "8000", "--json", *ver)["max_batch"]


# simulate plans the release as check-bench replays a run of it: fit's start-up (its blocks, the fit command it
# names), the scheduler's rules (before 0.19.0 admission by the first chunk, before 0.14.0 no async scheduling,
# before 0.8.0 the V0 engine) and the per-step costs, each said in a note.
def test_simulate_plans_the_release():
    sim = ("simulate", *FIT, "--rate", "2", "--prompt-tokens", "100", "--output-tokens", "10", "--requests", "20",
           "--json")
    fit = _json("fit", *FIT, "--json", "--engine-version", "0.10.0")
    own, v10 = _json(*sim), _json(*sim, "--engine-version", "0.10.0")
    assert v10["kv_cache"]["fit_tokens"] == fit["kv_cache_tokens"] != own["kv_cache"]["fit_tokens"]
    assert v10["kv_cache"]["blocks"] == fit["num_gpu_blocks"] - 1  # less the null block
    assert "--engine-version 0.10.0" in v10["kv_cache"]["source"]
    assert v10["notes"] == ["vLLM 0.10.0 (--engine-version): admission checks the first chunk's blocks only "
                            "(before 0.19.0); async scheduling off (before 0.14.0)"]
    assert v10["ttft_ms"] != own["ttft_ms"]
    v0 = _json(*sim, "--engine-version", "0.7.3")
    assert v0["notes"][0].startswith("vLLM 0.7.3 (--engine-version): the V0 engine (before 0.8.0)")
    assert "steps priced by engines.yaml's vllm_v06 profile" in v0["notes"][0]
    assert v0["itl_ms"] != own["itl_ms"]


def test_engine_version_is_checked_as_fit_checks_it():
    sim = ("simulate", *FIT, "--rate", "1", "--prompt-tokens", "10", "--output-tokens", "10")
    for cmd in (("fit", *FIT), sim, ("perf", *FIT, "--ctx", "8k"), ("sweep", "llama-3.1-8b", "--ctx", "8k", "--gpu", "h100"),
                ("compare", "llama-3.1-8b", "--ctx", "8k", "--gpu", "h100")):
        one_line(run(*cmd, "--engine-version", "0.33"),
                 "--engine-version 0.33 names no release; give its patch too, such as 0.33.0")
        one_line(run(*cmd, "--engine-version", "banana"),
                 "--engine-version must be a version such as 0.11.0, got 'banana'")
        one_line(run(*cmd, "--engine", "sglang", "--engine-version", "0.4.0"),
                 "--engine-version is read by the vllm and trtllm plans only, not sglang's")
    for cmd in ("sweep", "compare"):  # no GPU, no start-up planned: not dropped unsaid
        one_line(run(cmd, "llama-3.1-8b", "--ctx", "8k", "--engine-version", "0.10.0"),
                 "--engine-version is for vLLM's start-up on a GPU; give --gpu or leave it out")


# `sweep --tp 2 --gpu h100` headed its table "KV budget (vllm): bf16 129.20 GB" where `fit --tp 2` says "64.60 GB
# per GPU", and its JSON's kv_budget_bytes (all GPUs, as sweep's KV cache column counts the whole cache) was
# fit's key for the per-GPU figure: the header now says it is over the GPUs, and the JSON gives fit's figure too.
def test_sweeps_budget_says_it_is_over_every_gpu():
    fit = _json("fit", *FIT, "--tp", "2", "--ctx", "32000", "--json")
    s = _json("sweep", "llama-3.1-8b", "--gpu", "h100", "--tp", "2", "--ctx", "32000", "--batch", "29", "--json")
    assert s["tp"] == 2 and s["kv_budget_bytes_per_gpu"] == {"bf16": fit["kv_budget_bytes"]}
    assert s["kv_budget_bytes"] == {"bf16": 2 * fit["kv_budget_bytes"]}  # 2 × 64,598,811,476
    head = run("sweep", "llama-3.1-8b", "--gpu", "h100", "--tp", "2", "--ctx", "32000", "--batch", "29").stdout
    assert "KV budget (vllm, over 2 GPUs): bf16\n129.20 GB" in head
    one = run("sweep", "llama-3.1-8b", "--gpu", "h100", "--ctx", "32000", "--batch", "29").stdout
    assert "KV budget (vllm): bf16 57.01 GB" in one  # one GPU: as before


# `simulate --rate 0` said "--rate must be a number > 0", leaving out the inf its --help offers (the library's own
# refusal says "a number > 0 or inf"); `plan --rate inf` and `perf --bw-efficiency inf` said "must be a number > 0"
# of a number that is > 0: they say "finite" now.
def test_rate_refusals_say_what_is_taken():
    sim = ("simulate", *FIT, "--prompt-tokens", "10", "--output-tokens", "5", "--requests", "3")
    for r in ("0", "-1", "nan", "2/s"):
        one_line(run(*sim, "--rate", r), f"--rate must be a number > 0 or inf, got '{r}'")
    assert run(*sim, "--rate", "Inf").exit_code == 0
    one_line(run("plan", "llama-3.1-8b", "--rate", "inf", "--prompt-tokens", "100", "--output-tokens", "10",
                 "--ttft-p90", "500", "--itl-p90", "50"), "--rate must be a finite number > 0, got 'inf'")
    one_line(run("perf", *FIT, "--ctx", "8k", "--bw-efficiency", "inf"),
             "--bw-efficiency must be a finite number (0, 1], got 'inf'")


# Flag names follow the engine modelled: an SGLang user's --max-running-requests, --chunked-prefill-size,
# --context-length and --disable-radix-cache were refused ("No such option") where kvplan reads the same limits under vLLM's names
# (engines/sglang.py max_running_requests, chunked_prefill_size); they are taken now, with the same answers, and
# SGLang's radix switch given to vLLM is refused with vLLM's spelling (as --disable-cuda-graph is).
def test_sglangs_own_flag_names_are_taken():
    sg = ("--engine", "sglang", "--json")
    assert _json("fit", *FIT, *sg, "--max-running-requests", "64", "--chunked-prefill-size", "4096",
                 "--context-length", "32768") == \
        _json("fit", *FIT, *sg, "--max-num-seqs", "64", "--max-num-batched-tokens", "4096", "--max-model-len", "32768")
    sim = ("simulate", *FIT, "--rate", "4", "--prompt-tokens", "1000", "--output-tokens", "10", "--requests", "20",
           "--shared-prefix", "500", *sg)
    off = _json(*sim, "--disable-radix-cache")
    assert off == _json(*sim, "--no-enable-prefix-caching") != _json(*sim)
    assert off["prefix_cache"]["hit_tokens"] == 0
    one_line(run(*sim[:-3], "--disable-radix-cache"),
             "--disable-radix-cache is SGLang's flag; vLLM's is --no-enable-prefix-caching")


# simulate --engine sglang said "limits: max_num_seqs 2,048 · max_num_batched_tokens 8,192 · max_model_len ... ·
# prefix caching on", vLLM's names for SGLang's --max-running-requests, --chunked-prefill-size, --context-length and
# radix cache; it says them in SGLang's names now (vLLM's line is as it was).
def test_simulate_says_sglangs_limits_in_its_names():
    sim = ("simulate", *FIT, "--rate", "4", "--prompt-tokens", "100", "--output-tokens", "10", "--requests", "5")
    text = " ".join(run(*sim, "--engine", "sglang", width=200).stdout.split())
    assert "limits: max_running_requests 2,048 · chunked_prefill_size 8,192 · context_length 131,072 · radix cache " \
           "on" in text
    text = " ".join(run(*sim, "--max-num-seqs", "64", width=200).stdout.split())
    assert "limits: max_num_seqs 64 · max_num_batched_tokens 8,192 · max_model_len 131,072 · prefix caching on" in text


# `fit llama-3.1-70b --gpu l40s` said "the smallest --tp that fits is 4", and `fit ... --tp 4` then said does not
# fit: at tp 4 the weights leave a KV budget (5.94 GiB) but not one request of the default max_model_len 131,072
# (10.0 GiB, vLLM's refusal). The hint is now a --tp that fit says fits at the same flags: 8, or 4 at 32k tokens.
@pytest.mark.parametrize("flags, hint", [((), 8), (("--max-model-len", "32k"), 4)])
def test_the_smallest_tp_offered_is_one_that_fits(flags, hint):
    base = ("fit", "llama-3.1-70b", "--gpu", "l40s", "--json", *flags)
    r = _json(*base)
    assert r["verdict"] == "does_not_fit" and r["min_tp"] == hint
    assert r["message"].endswith(f"the smallest --tp that fits is {hint}")
    assert _json(*base, "--tp", str(hint))["verdict"] in ("fits", "at_risk")
    assert _json(*base, "--tp", str(hint // 2))["verdict"] == "does_not_fit"


# `fit llama-3.1-8b --gpu h100 --batch 16` said "max context for 16 sequences: 27,184 tokens each" and "fits",
# while `fit ... --batch 16 --ctx 27184` and sweep at that point say "at risk" (15 fit with every estimated part at
# the far end of its error): --batch's answer had no pessimistic band, --ctx's only under --explain. Both lines now
# say where the answer turns "at risk", the point fit --ctx --batch and sweep turn (25,792 and 51 here), and the
# JSON gives max_ctx_low beside max_batch_low.
def test_the_max_answers_say_where_they_turn_at_risk():
    r = _json("fit", *FIT, "--batch", "16", "--json")
    low = r["max_ctx_low"]
    assert low < r["max_ctx"] == 27184
    for c, want in ((low, "fits"), (low + 1, "at_risk"), (r["max_ctx"], "at_risk"), (r["max_ctx"] + 1, "does_not_fit")):
        assert _json("fit", *FIT, "--batch", "16", "--ctx", str(c), "--json")["verdict"] == want, c
        s = _json("sweep", "llama-3.1-8b", "--gpu", "h100", "--batch", "16", "--ctx", str(c), "--json")
        assert s["rows"][0]["verdict"] == want, c
    out = run("fit", *FIT, "--batch", "16").stdout
    assert f"max context for 16 sequences: 27,184 tokens each (at risk above {low:,})" in out
    m = _json("fit", *FIT, "--ctx", "8000", "--json")
    assert f"max batch at 8,000 tokens: 54 sequences (at risk above {m['max_batch_low']})" in \
        run("fit", *FIT, "--ctx", "8000").stdout
