"""Bad input a demanding new user typed (session 13): one line, exit 2, never a traceback or a hang;
and the same question answered alike by fit and simulate."""
import json
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from kvplan.cli import app
from kvplan.errors import KvplanError

runner = CliRunner()


def run(*args):
    return runner.invoke(app, list(args))


def one_line(r, *words):
    assert r.exit_code == 2, r.output
    assert r.output.count("\n") == 1 and r.output.startswith("kvplan: error: "), r.output
    for w in words:
        assert w in r.output, r.output


PLAN = ["plan", "llama-3.1-8b", "--prompt-tokens", "100", "--output-tokens", "10", "--gpus", "h100", "--tp", "1",
        "--max-num-seqs", "8", "--requests", "20", "--no-disaggregated", "--workers", "1"]


# `kvplan plan --rate inf` raised OverflowError (math.ceil(inf / capacity)) from a worker: a traceback.
@pytest.mark.parametrize("flag, value", [("--rate", "inf"), ("--rate", "-inf"), ("--ttft-p90", "inf"),
                                         ("--itl-p90", "Infinity")])
def test_plan_refuses_infinite_rate_and_targets(flag, value):
    args = {"--rate": "1", "--ttft-p90": "500", "--itl-p90": "50", flag: value}
    r = run(*PLAN, *[x for kv in args.items() for x in kv])
    one_line(r, flag, value)


def test_library_plan_refuses_infinite_rate():
    from kvplan import api

    with pytest.raises(KvplanError, match=r"^rate must be a finite number > 0, got inf"):
        api.plan_deployment("llama-3.1-8b", float("inf"), "100", "10", 500.0, 50.0, gpus="h100")
    with pytest.raises(KvplanError, match=r"^ttft_p90_ms must be a finite number > 0, got nan"):
        api.plan_deployment("llama-3.1-8b", 1.0, "100", "10", float("nan"), 50.0, gpus="h100")


def test_library_plan_refuses_a_zero_itl_target_and_a_switch_for_a_rate():
    """Each of plan's three numbers is named in its refusal; 0 is not > 0, and True is not a number."""
    from kvplan import api

    with pytest.raises(KvplanError) as e:
        api.plan_deployment("llama-3.1-8b", 1.0, "100", "10", 500.0, 0, gpus="h100")
    assert str(e.value) == "itl_p90_ms must be a finite number > 0, got 0"
    with pytest.raises(KvplanError) as e:
        api.plan_deployment("llama-3.1-8b", True, "100", "10", 500.0, 50.0, gpus="h100")
    assert str(e.value) == "rate must be a finite number > 0, got True"


# `kvplan perf --step-overhead-ms inf` printed nan× in its tables, exit 0: no option takes inf as a number.
def test_numbers_are_finite():
    from kvplan.units import parse_number

    for text in ("inf", "-inf", "Infinity", "nan", "1e999"):
        with pytest.raises(KvplanError, match="must be a (finite )?number"):
            parse_number(text, "--x", 0.0, None, open_low=False)
    assert parse_number("1e300", "--x") == 1e300
    one_line(run("perf", "llama-3.1-8b", "--gpu", "h100", "--ctx", "4096", "--step-overhead-ms", "inf"),
             "--step-overhead-ms", "'inf'")


# `kvplan simulate ... --requests 100000000000` died with a MemoryError traceback.
def test_out_of_memory_is_one_line(capsys):
    from kvplan import cli

    class Greedy:
        def __call__(self, **kw):
            raise MemoryError

    with pytest.raises(SystemExit) as e:
        cli._main(Greedy())
    assert e.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("kvplan: error: out of memory") and "--requests" in err


# `kvplan perf --batch 100000000` ran for hours: a prefill walked a list of --batch chunks, once per
# token of the generation table. Alike chunks are priced once and counted --batch times.
def test_prefill_of_alike_sequences_is_their_list_priced_once():
    from kvplan import api
    from kvplan.plan.latency.step import OpLatency, _Alike

    for model, tp in (("llama-3.1-8b", 1), ("qwen3-30b-a3b", 1), ("nemotron-3-nano", 1), ("deepseek-v3", 8)):
        r = OpLatency(api.load_model(model), api.load_gpu("h200"), tp)
        for tokens, batch in ((1, 1), (512, 3), (100, 17)):
            listed = r._mixed([(0, tokens)] * batch, 0, 0, 0, 0, 0)
            assert r.prefill(tokens, batch) == listed, (model, tokens, batch)
            assert r._mixed(_Alike((0, tokens), batch), 0, 0, 0, 0, 0, seconds=True) == \
                r._mixed([(0, tokens)] * batch, 0, 0, 0, 0, 0, seconds=True)
        one, huge = r.prefill(4096, 1), r.prefill(4096, 10**12)  # would not return if walked
        assert huge.kv_write_bytes == 10**12 * one.kv_write_bytes and huge.batch == 10**12


def test_perf_with_a_huge_batch_answers():
    p = subprocess.run([sys.executable, "-m", "kvplan", "perf", "llama-3.1-8b", "--gpu", "h100", "--ctx", "4096",
                        "--batch", "100000000"], capture_output=True, text=True, timeout=120)
    assert p.returncode == 0 and "Traceback" not in p.stderr, p.stderr[-300:]
    assert "100,000,000" in p.stdout


# `kvplan fit --max-num-batched-tokens 1` said "fits" where `kvplan simulate` with the same flags said
# vLLM refuses it (SchedulerConfig: max_num_batched_tokens >= max_num_seqs): both say it now.
@pytest.mark.parametrize("flags, message", [
    (["--max-num-batched-tokens", "100", "--max-num-seqs", "256"],
     "--max-num-batched-tokens 100 is smaller than --max-num-seqs 256; vLLM refuses that"),
    (["--max-num-batched-tokens", "1"],
     "--max-num-batched-tokens 1 is smaller than max_num_seqs 1024 (vLLM's default on h100-sxm-80gb; "
     "--max-num-seqs sets it); vLLM refuses that"),
    (["--max-num-seqs", "9000"],
     "max_num_batched_tokens 8192 (vLLM's default on h100-sxm-80gb) is smaller than --max-num-seqs 9000; "
     "vLLM refuses that"),
])
def test_fit_and_simulate_refuse_fewer_batched_tokens_than_sequences_alike(flags, message):
    fit = run("fit", "llama-3.1-8b", "--gpu", "h100", *flags)
    sim = run("simulate", "llama-3.1-8b", "--gpu", "h100", "--rate", "1", "--prompt-tokens", "10",
              "--output-tokens", "10", "--requests", "5", *flags)
    for r in (fit, sim):
        one_line(r)
        assert r.output == f"kvplan: error: {message}\n"
    assert run("fit", "llama-3.1-8b", "--gpu", "h100", "--max-num-batched-tokens", "256",
               "--max-num-seqs", "256").exit_code == 0  # equal is allowed


# `kvplan plan --max-model-len 10000000` searched, gave every candidate up ("does not fit") and exited 0,
# where fit and simulate refuse the flag; and plan took --prompt-tokens up to the model's context where
# simulate (which plan runs) takes up to max_model_len − 1: one answer, one line, from all three.
@pytest.mark.parametrize("flags, message", [
    (["--prompt-tokens", "100", "--max-model-len", "10000000"],
     "--max-model-len 10000000 is greater than llama-3.1-8b's length as vLLM derives it (131072: "
     "max_position_embeddings); vLLM refuses it "
     "unless VLLM_ALLOW_LONG_MAX_MODEL_LEN=1"),
    (["--prompt-tokens", "131072"], "--prompt-tokens must be between 1 and 131,071, got 131,072"),
    (["--prompt-tokens", "2000", "--max-model-len", "1000"], "--prompt-tokens must be between 1 and 999, got 2,000"),
])
def test_plan_and_simulate_refuse_lengths_alike(flags, message):
    plan = run(*PLAN, "--rate", "1", "--ttft-p90", "500", "--itl-p90", "50", *flags)
    sim = run("simulate", "llama-3.1-8b", "--gpu", "h100", "--rate", "1", "--output-tokens", "10", *flags)
    for r in (plan, sim):
        one_line(r)
        assert r.output == f"kvplan: error: {message}\n"
    if "10000000" in flags:  # fit says it in the same words
        assert run("fit", "llama-3.1-8b", "--gpu", "h100", *flags[2:]).output == f"kvplan: error: {message}\n"


# The same model, GPU and flags through fit and simulate --json: one KV capacity. For gemma-2-9b (a full
# and a sliding group sharing one block pool) simulate said 121,824 tokens (its pool's slots) beside
# fit's 60,860 (vLLM's own figure: a max_model_len request's blocks in both groups) and never said why.
@pytest.mark.parametrize("model, gpu", [("llama-3.1-8b", "a100-sxm-40gb"), ("gemma-2-9b", "l40s")])
def test_fit_and_simulate_report_one_kv_capacity(model, gpu):
    import json

    f = json.loads(run("fit", model, "--gpu", gpu, "--json").stdout)
    r = run("simulate", model, "--gpu", gpu, "--rate", "1", "--prompt-tokens", "100", "--output-tokens", "10",
            "--requests", "5", "--json")
    kv = json.loads(r.stdout)["kv_cache"]
    assert kv["fit_tokens"] == f["kv_cache_tokens"]
    assert kv["blocks"] == f["num_gpu_blocks"] - 1 and kv["tokens"] == kv["blocks"] * f["block_size"]
    text = run("simulate", model, "--gpu", gpu, "--rate", "1", "--prompt-tokens", "100", "--output-tokens", "10",
               "--requests", "5").output
    said = f"is {f['kv_cache_tokens']:,} tokens" in " ".join(text.split())
    assert said == (len(f["groups"]) > 1), text


# Contradictory flags were taken silently: --format csv --json printed JSON; simulate dropped --arrivals
# beside --concurrency or --trace, and --requests beside --trace (which replays its own requests).
def test_format_and_json_together_must_agree():
    one_line(run("fit", "llama-3.1-8b", "--gpu", "h100", "--format", "csv", "--json"), "--json", "--format csv")
    one_line(run("models", "--format", "md", "--json"), "not both")
    assert run("gpus", "--format", "json", "--json").exit_code == 0


TRACE = ["simulate", "llama-3.1-8b", "--gpu", "h100", "--trace", "docs/examples/prefix_trace.csv"]
CLOSED = ["simulate", "llama-3.1-8b", "--gpu", "h100", "--concurrency", "2", "--prompt-tokens", "64",
          "--output-tokens", "8", "--requests", "4"]


@pytest.mark.parametrize("args, words", [
    ([*CLOSED, "--arrivals", "constant"], ("--arrivals", "--concurrency sets its own")),
    ([*TRACE, "--arrivals", "poisson"], ("--arrivals", "--trace sets its own")),
    ([*TRACE, "--requests", "5"], ("--trace replays each of its requests", "--requests")),
])
def test_simulate_refuses_flags_it_would_ignore(args, words):
    one_line(run(*args), *words)


def test_simulate_arrivals_and_requests_still_work_where_they_mean_something():
    import json

    r = run("simulate", "llama-3.1-8b", "--gpu", "h100", "--rate", "2", "--arrivals", "constant", "--prompt-tokens",
            "64", "--output-tokens", "8", "--requests", "4", "--json")
    d = json.loads(r.output)
    assert r.exit_code == 0 and d["requests"] == 4 and d["workload"].startswith("constant 2/s")
    assert json.loads(run(*CLOSED, "--json").output)["requests"] == 4


# A GGUF cut short (a download that stopped) was "not a GGUF file (index 0 is out of bounds for axis 0
# with size 0)": numpy's words. It starts with GGUF's magic, so say it is truncated or damaged.
@pytest.mark.parametrize("keep", [10, 24, 1000, 3000])
def test_truncated_gguf_is_said_so(tmp_path, keep):
    cut = tmp_path / "cut.gguf"
    cut.write_bytes(open("tests/data/tiny-gemma2.gguf", "rb").read()[:keep])
    one_line(run("show", str(cut)), f"cut.gguf: a truncated or damaged GGUF file ({keep:,} bytes; the reader "
                                    "stopped: ")


def test_empty_gguf_is_said_so(tmp_path):
    empty = tmp_path / "empty.gguf"
    empty.write_bytes(b"")
    one_line(run("size", str(empty), "--ctx", "16"), "empty.gguf: not a GGUF file (empty)")


# `kvplan fit llama-3.1-8b --gpu h100 --all2all-backend nope` said "fits": the name was read only where an
# all-to-all runs (a MoE model under EP × DP). vLLM's argument parser refuses it whatever the model.
def test_a_bad_all2all_backend_is_refused_on_any_model():
    one_line(run("fit", "llama-3.1-8b", "--gpu", "h100", "--all2all-backend", "nope"), "--all2all-backend", "'nope'")
    assert run("fit", "llama-3.1-8b", "--gpu", "h100", "--all2all-backend", "naive").exit_code == 0


# A config.json with "torch_dtype": "float7" was priced as float32 with the note "config.json states no
# torch_dtype": untrue. The note now names the value it could not read (still float32: the largest).
def test_an_unknown_torch_dtype_is_named_not_called_missing(tmp_path):
    import json

    cfg = json.load(open("tests/fixtures/configs/Mistral-7B-v0.1.json"))
    cfg["torch_dtype"] = "float7"
    path = tmp_path / "config.json"
    path.write_text(json.dumps(cfg))
    r = run("show", str(path), "--json")
    d = json.loads(r.output)
    assert r.exit_code == 0 and d["dtype"] == "fp32"
    assert "'float7' is not one kvplan reads" in d["dtype_note"] and "states no torch_dtype" not in d["dtype_note"]


# `kvplan plan ... --tp 3` (32 heads) searched nothing, said "no deployment met the SLA ... raise
# --max-gpus, add --gpus, or relax the targets" and exited 0. When no size given can split the model,
# that is fit's error; a list with one good size still searches it.
def test_plan_refuses_tp_sizes_none_of_which_split_the_model():
    base = ["plan", "llama-3.1-8b", "--prompt-tokens", "100", "--output-tokens", "10", "--gpus", "h100",
            "--max-num-seqs", "8", "--requests", "20", "--no-disaggregated", "--workers", "1",
            "--rate", "1", "--ttft-p90", "500", "--itl-p90", "50"]
    r = run(*base, "--tp", "3,5")
    one_line(r)
    assert r.output == run("fit", "llama-3.1-8b", "--gpu", "h100", "--tp", "3").output
    ok = run(*base, "--tp", "1,3", "--json")
    assert ok.exit_code == 0 and "ranked" in ok.output


# `kvplan fit '' --gpu h100` said "no such file: config.json" (the empty name read as this folder).
def test_an_empty_model_is_said_so():
    from kvplan import api

    for args in (["fit", "", "--gpu", "h100"], ["size", "  ", "--ctx", "16"], ["show", ""]):
        one_line(run(*args), "the model is empty")
    with pytest.raises(KvplanError, match="^the model is empty"):
        api.load_model("")



# ---- session 14 ------------------------------------------------------------------------------
# `kvplan fit --engine sglang --max-model-len 1000000` said "fits" for a 131,072-position model. SGLang
# refuses a --context-length past the one it derives (configs/model_config.py
# ModelConfig._derive_context_length) unless SGLANG_ALLOW_OVERWRITE_LONGER_CONTEXT_LEN is set; fit,
# simulate and plan say so in its words, as they do vLLM's.
SGLANG_TOO_LONG = ("--max-model-len 1000000 (SGLang's --context-length) is greater than llama-3.1-8b's context "
                   "length as SGLang derives it (131072: max_position_embeddings); SGLang refuses it unless "
                   "SGLANG_ALLOW_OVERWRITE_LONGER_CONTEXT_LEN=1")


@pytest.mark.parametrize("args", [
    ["fit", "llama-3.1-8b", "--gpu", "h100", "--engine", "sglang", "--max-model-len", "1000000"],
    ["fit", "llama-3.1-8b", "--gpu", "h100", "--engine", "sglang", "--max-model-len", "1000000", "--json"],
    ["simulate", "llama-3.1-8b", "--gpu", "h100", "--engine", "sglang", "--max-model-len", "1000000", "--rate", "1",
     "--prompt-tokens", "100", "--output-tokens", "10", "--requests", "5"],
    [*PLAN, "--engine", "sglang", "--rate", "1", "--ttft-p90", "500", "--itl-p90", "50", "--max-model-len", "1000000"],
])
def test_sglang_refuses_a_context_length_past_the_model(args):
    r = run(*args)
    one_line(r)
    assert r.output == f"kvplan: error: {SGLANG_TOO_LONG}\n"
    ok = run("fit", "llama-3.1-8b", "--gpu", "h100", "--engine", "sglang", "--max-model-len", "131072")
    assert ok.exit_code == 0 and "fits" in ok.output


def test_sglang_derives_its_context_length_with_the_rope_factor(tmp_path):
    """get_context_length (utils/hf_transformers_utils.py): max_position_embeddings × rope factor, unless
    rope_scaling states original_max_position_embeddings or is llama3's."""
    import json

    from kvplan import api
    from kvplan.engines import sglang

    cfg = json.load(open("tests/fixtures/configs/Mistral-7B-v0.1.json"))
    cfg["rope_scaling"] = {"type": "linear", "factor": 2.0}
    path = tmp_path / "config.json"
    path.write_text(json.dumps(cfg))
    spec = api.load_model(str(path))
    assert sglang.derived_context_len(spec) == 2 * cfg["max_position_embeddings"] == 65536
    sglang.check_context_length(spec, 65536)
    with pytest.raises(KvplanError, match=r"\(65536: max_position_embeddings 32768 × rope factor 2\); SGLang"):
        sglang.check_context_length(spec, 65537)
    cfg["rope_scaling"]["original_max_position_embeddings"] = 4096
    path.write_text(json.dumps(cfg))
    assert sglang.derived_context_len(api.load_model(str(path))) == 32768


# `kvplan perf --new-tokens 100000000` priced 2 × 10^8 steps one by one: hours. Past EXACT_STEPS the
# cache-vs-recompute table prices runs of steps by their middle one and says so; and a generation past
# the model's positions is warned of in the engine's words, as --ctx is.
def test_perf_with_huge_new_tokens_answers_and_says_it_estimated():
    import json

    p = subprocess.run([sys.executable, "-m", "kvplan", "perf", "llama-3.1-8b", "--gpu", "h100", "--ctx", "4096",
                        "--new-tokens", "100000000", "--json"], capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stderr[-300:]
    g = json.loads(p.stdout)["cache_vs_recompute"]
    assert g["new_tokens"] == 10**8 and g["steps_priced_every"] == 12209
    assert " ".join(p.stderr.split()) + "\n" == ("kvplan: warning: ctx 100,004,095 (the prompt + the new tokens − 1) is beyond llama-3.1-8b's "
                        "max_position_embeddings (131,072); vLLM refuses a longer max_model_len unless "
                        "VLLM_ALLOW_LONG_MAX_MODEL_LEN=1: priced as if it were set\n")
    text = run("perf", "llama-3.1-8b", "--gpu", "h100", "--ctx", "4096", "--new-tokens", "9000").output
    assert "estimated: runs of 3 steps, each priced by its middle step" in text


def test_generation_priced_in_runs_is_close_to_every_step(monkeypatch):
    from kvplan import api
    from kvplan.plan import perf
    from kvplan.plan.latency.step import OpLatency

    r = OpLatency(api.load_model("llama-3.1-8b"), api.load_gpu("h100"), 1)
    exact = perf.generation(r, 1000, 3001)
    monkeypatch.setattr(perf, "EXACT_STEPS", 100)
    runs = perf.generation(r, 1000, 3001)
    assert (exact.every, runs.every) == (1, 31)
    for k in ("cached_flops", "cached_bytes", "cached_seconds", "recompute_flops", "recompute_bytes",
              "recompute_seconds"):
        assert getattr(runs, k) == pytest.approx(getattr(exact, k), rel=1e-5), k
    assert runs.recompute_bytes == exact.recompute_bytes  # affine in the context: exact in runs of odd length


def test_perf_warns_of_a_context_past_the_model_in_the_engine_words():
    r = run("perf", "llama-3.1-8b", "--gpu", "h100", "--ctx", "200000", "--engine", "sglang", "--no-cache-compare")
    assert r.exit_code == 0
    assert ("kvplan: warning: ctx 200,000 is beyond llama-3.1-8b's max_position_embeddings (131,072); SGLang refuses "
            "a longer --context-length unless SGLANG_ALLOW_OVERWRITE_LONGER_CONTEXT_LEN=1: priced as if it were set"
            ) in " ".join(r.stderr.split())  # folded to the width (ux17)


# `kvplan plan` exited 0 when no deployment met the SLA: a script could not tell. It exits 1 (as fit's
# "does not fit"), the report or --json printed all the same; bad input stays 2.
def test_plan_exits_1_when_no_deployment_meets_the_sla():
    import json

    args = [*PLAN, "--rate", "1", "--ttft-p90", "0.001", "--itl-p90", "50"]
    r = run(*args, "--json")
    d = json.loads(r.stdout)
    assert r.exit_code == 1 and d["ranked"] == [] and d["candidates"], r.output
    text = run(*args)
    assert text.exit_code == 1 and "no deployment met the SLA" in text.output
    ok = run(*PLAN, "--rate", "1", "--ttft-p90", "500", "--itl-p90", "50", "--json")
    assert ok.exit_code == 0 and json.loads(ok.stdout)["ranked"]
    assert "Exit status: 0 when a deployment meets the SLA, 1 when none does" in " ".join(
        run("plan", "--help").output.split())


# `kvplan plan --explain` said "out: h100-sxm-80gb 0×tp1, max_num_seqs 9000: does not fit: ... smaller
# than max_num_seqs=9000": the library's Python names and a replica count never simulated. It says the
# CLI's flags (--json's explain too); the library's own report keeps its parameter names.
def test_plan_explain_speaks_the_users_words():
    import json

    args = [("9000" if a == "8" else a) for a in PLAN] + ["--rate", "1", "--ttft-p90", "500", "--itl-p90", "50"]
    r = run(*args, "--explain")
    why = " ".join(r.output.split("why:\n")[1].split())
    assert r.exit_code == 1
    assert why == ("out: h100-sxm-80gb TP 1, --max-num-seqs 9000: does not fit: max_num_batched_tokens 8192 (vLLM's "
                   "default on h100-sxm-80gb) is smaller than --max-num-seqs 9000; vLLM refuses that")
    d = json.loads(run(*args, "--json").stdout)
    assert d["explain"] == [why]
    assert d["candidates"][0]["note"].endswith("is smaller than max_num_seqs=9000; vLLM refuses that")
    from kvplan import api
    from kvplan.render.deploy import verdicts

    res = api.plan_deployment("llama-3.1-8b", 1.0, "100", "10", 500.0, 50.0, gpus="h100", tps=[1], seqs=[9000],
                              requests=20, disaggregated=False, workers=1)
    assert verdicts(res)[0].startswith("out: h100-sxm-80gb TP 1, max_num_seqs=9000: does not fit: ")
    assert "\x1f" not in json.dumps(d)


# `kvplan check-bench empty.json --model ... --gpu h100` printed a table of "0 load level" and exited 0:
# a check that checked nothing. An empty file, or one holding no load level, is one line and exit 2.
@pytest.mark.parametrize("text, words", [("", "empty.json: empty (no result in it)"),
                                         ("  \n", "empty.json: empty (no result in it)"),
                                         ('{"benchmarks": []}', "empty.json: no load level in it")])
def test_check_bench_refuses_a_file_with_no_load_level(tmp_path, text, words):
    path = tmp_path / "empty.json"
    path.write_text(text)
    for extra in ([], ["--json"]):
        one_line(run("check-bench", str(path), "--gpu", "h100", "--model", "llama-3.1-8b", *extra), words)


# `kvplan perf --new-tokens 100000` printed "1606.05 TB" (no unit past TB) and its table ran past 80
# columns at larger counts: sizes go on to PB and EB, FLOPs to EFLOP.
def test_sizes_past_a_terabyte_have_units():
    from kvplan.render.perf import flops
    from kvplan.units import gb, gib

    assert gb(1_606_052_250_000_000) == "1.61 PB" and gb(657 * 10**18) == "657.00 EB"
    assert gib(2**50) == "1 PiB" and gib(3 * 2**60) == "3 EiB" and gb(999 * 10**12) == "999.00 TB"
    assert flops(179_756 * 10**15) == "179.76 EFLOP"
    p = subprocess.run([sys.executable, "-m", "kvplan", "perf", "llama-3.1-8b", "--gpu", "h100", "--ctx", "4096",
                        "--new-tokens", "100000000"], capture_output=True, text=True, timeout=60,
                       env={**__import__("os").environ, "COLUMNS": "80"})
    assert p.returncode == 0 and max(map(len, p.stdout.splitlines())) <= 80, p.stdout


# `kvplan fit --engine llamacpp --ctx 200000` on a 131,072-token model said "fits" and nothing else.
# llama-server starts (its cache at the full -c) but caps each slot at the GGUF's training context
# (tools/server/server-context.cpp load_model): fit says so.
def test_llamacpp_past_the_training_context_is_noted():
    import json

    d = json.loads(run("fit", "llama-3.1-8b", "--gpu", "h100", "--engine", "llamacpp", "--ctx", "200000",
                       "--json").stdout)
    assert ("200,000 tokens are beyond llama-3.1-8b's training context (131,072); llama-server caps each slot "
            "there") in " ".join(d["notes"])
    d = json.loads(run("fit", "llama-3.1-8b", "--gpu", "h100", "--engine", "llamacpp", "--ctx", "131072",
                       "--json").stdout)
    assert "training context" not in " ".join(d["notes"])


# `kvplan plan ... --top 0` searched every deployment (minutes with the default GPUs and sizes), then
# refused --top: it is read before the search.
def test_plan_reads_top_before_searching(monkeypatch):
    from kvplan import api

    def search(*a, **k):
        raise AssertionError("searched")

    monkeypatch.setattr(api, "plan_deployment", search)
    one_line(run("plan", "llama-3.1-8b", "--rate", "1", "--prompt-tokens", "100", "--output-tokens", "10",
                 "--ttft-p90", "500", "--itl-p90", "50", "--top", "0"), "--top must be a positive whole number")


# A start-up log shows an engine that started: check-log takes the length it logged even past the model's
# (the server ran with the override set), where fit, unset, refuses it.
def test_a_logged_length_past_the_model_is_taken_as_allowed():
    from kvplan import api
    from kvplan.engines.base import ServeOptions
    from kvplan.observe.log_flags import sglang_options, vllm_options
    from kvplan.plan import fit

    spec, gpu = api.load_model("llama-3.1-8b"), api.load_gpu("h100")
    assert sglang_options({"context_length": "200000"})[0].long_context_allowed
    assert vllm_options({"max_model_len": "200000"})[0].long_context_allowed
    for engine in ("sglang", "vllm"):
        with pytest.raises(KvplanError, match="unless"):
            fit.fit(spec, gpu, engine=engine, opts=ServeOptions(max_model_len=200000))
        r = fit.fit(spec, gpu, engine=engine, opts=ServeOptions(max_model_len=200000, long_context_allowed=True))
        assert r.capacity.max_model_len == 200000
        assert any(n.startswith("200,000 tokens are beyond llama-3.1-8b's training context (131,072)")
                   for n in r.notes), r.notes


# `kvplan perf --ctx 8k --prompt 1000000000000` (a count kvplan takes: 2^40 is its largest) drew
# its TTFT as "394,626,911,820,611.06 s" and FLOPs as "262,144,015,533.88 EFLOP": the cache table
# ran to 86 columns. Past a million seconds and 1,000 EFLOP the cells keep three figures. (A prompt
# longer than --ctx is refused since session 19, so the run gives --ctx the same count.)
def test_an_absurd_prompt_keeps_its_tables_within_80_columns():
    from kvplan.render.perf import flops, ms

    assert ms(394_626_911_820_611.06) == "3.95e+14 s" and ms(999_999.994) == "999,999.99 s"
    assert ms(66_124.68) == "66,124.68 s" and ms(0.007869) == "7.869 ms"
    assert flops(262_144_015_533_880 * 10**15) == "2.62e+29 FLOP" and flops(999_994 * 10**15) == "999.99 EFLOP"
    p = subprocess.run([sys.executable, "-m", "kvplan", "perf", "llama-3.1-8b", "--gpu", "h100", "--ctx", "1000000000000",
                        "--prompt", "1000000000000"], capture_output=True, text=True, timeout=60,
                       env={**__import__("os").environ, "COLUMNS": "80"})
    assert p.returncode == 0 and max(map(len, p.stdout.splitlines())) <= 80, p.stdout
    assert "TTFT 3.95e+14 s for 1,000,000,000,000 tokens" in p.stdout


# `kvplan perf --ctx 1T --batch 1T` priced 10^24 tokens of cache, in a 97-column table: the tokens
# a cache holds are a count like any other, refused past kvplan's largest (2^40), as one line.
@pytest.mark.parametrize("args, words", [
    (["perf", "llama-3.1-8b", "--gpu", "h100", "--ctx", "1T", "--batch", "1T"], "--ctx × --batch = "),
    (["perf", "llama-3.1-8b", "--gpu", "h100", "--ctx", "8k", "--prompt", "1T", "--batch", "2"],
     "--prompt × --batch = 2,199,023,255,552 tokens"),
    (["size", "llama-3.1-8b", "--ctx", "1M", "--batch", "1048577"], "--ctx × --batch = 1,099,512,676,352 tokens"),
])
def test_tokens_past_the_largest_count_are_one_line(args, words):
    for extra in ([], ["--json"]):
        one_line(run(*args, *extra), words, "is more than kvplan takes (1,099,511,627,776); is it a typo?")
    assert run("size", "llama-3.1-8b", "--ctx", "1M", "--batch", "1048576", "--json").exit_code == 0  # = 2^40


def test_library_refuses_tokens_past_the_largest_count_in_its_words():
    from kvplan import api

    with pytest.raises(KvplanError, match=r"^ctx × batch = 1,099,511,627,777 tokens is more than kvplan takes"):
        api.size("llama-3.1-8b", 2**40 + 1, 1)


# `kvplan fit --engine trtllm --max-model-len 200000 --ctx 200000` on a 131,072-position model said
# "fits" with no rule sourced. TensorRT-LLM's PyTorch backend lowers a max_seq_len past the model's
# length to it (model_engine.py _init_max_seq_len) and refuses a longer request (executor/worker.py
# _deduce_max_tokens): a 200,000-token sequence is not served, exit 1, with both reasons.
def test_trtllm_past_the_models_positions_does_not_fit_and_says_why():
    args = ["fit", "llama-3.1-8b", "--gpu", "h100", "--engine", "trtllm", "--max-model-len", "200000",
            "--ctx", "200000"]
    r = run(*args)
    assert r.exit_code == 1 and "does NOT fit" in r.stdout and "fits (" not in r.stdout, r.output
    d = json.loads(run(*args, "--json").stdout)
    assert d["verdict"] == "does_not_fit" and d["max_batch"] == 0
    assert d["notes"] == [
        "200,000 tokens are beyond llama-3.1-8b's training context (131,072); TensorRT-LLM lowers a longer "
        "max_seq_len to it (max_position_embeddings; _torch/pyexecutor/model_engine.py _init_max_seq_len)",
        "--ctx 200,000 is beyond --max-model-len 131,072: TensorRT-LLM rejects such requests"]
    assert run(*args[:-4], "--ctx", "131072").exit_code == 0  # at the model's length: fits


def test_trtllm_max_seq_len_limit_follows_its_rope_rule():
    # _infer_max_seq_len_from_config: max_position_embeddings × the rope factor, rounded up, unless
    # the rope type is su, longrope, llama3 or yarn (their length is already the extended one)
    from kvplan.engines.trtllm import max_seq_len_limit
    from kvplan.model.spec import ModelSpec, Rope
    from kvplan.sources import catalog

    spec = catalog.load_model("llama-3.1-8b")
    assert spec.rope.type == "llama3" and max_seq_len_limit(spec) == (131_072, "max_position_embeddings")

    def with_(**kw):
        return ModelSpec.model_construct(**{**{k: getattr(spec, k) for k in type(spec).model_fields}, **kw})

    assert max_seq_len_limit(with_(rope=Rope(type="linear", factor=2.5)))[0] == 327_680
    assert max_seq_len_limit(with_(max_context=4097, rope=Rope(type="dynamic", factor=1.5)))[0] == 6146
    assert max_seq_len_limit(with_(rope=Rope(type="yarn", factor=4.0)))[0] == 131_072
    assert max_seq_len_limit(with_(max_context=None, rope=None))[0] == 2048


# ux16: another engine's parallelism flag was ignored without a word (fit qwen3-30b-a3b --engine vllm
# --ep-size 2 planned plain TP and said "fits"); now refused in one line by fit, simulate and perf.
SIM = ["--rate", "4", "--prompt-tokens", "256", "--output-tokens", "16", "--requests", "5"]


@pytest.mark.parametrize("command, flags, words", [
    (["fit"], ["--engine", "vllm", "--ep-size", "2"], ["--ep-size is SGLang's flag", "--enable-expert-parallel"]),
    (["fit"], ["--enable-dp-attention"], ["--enable-dp-attention is SGLang's flag", "--engine sglang"]),
    (["fit"], ["--engine", "sglang", "--enable-expert-parallel"], ["vLLM's flag", "--ep-size N"]),
    (["fit"], ["--engine", "sglang", "--all2all-backend", "naive"], ["--all2all-backend is vLLM's flag"]),
    (["simulate"], ["--enable-dp-attention", *SIM], ["--enable-dp-attention is SGLang's flag"]),
    (["simulate"], ["--engine", "sglang", "--enable-expert-parallel", *SIM], ["vLLM's flag"]),
    (["perf"], ["--ctx", "4k", "--engine", "sglang", "--enable-expert-parallel"], ["vLLM's flag", "--ep-size N"]),
])
def test_another_engines_parallel_flag_is_refused(command, flags, words):
    one_line(run(*command, "qwen3-30b-a3b", "--gpu", "h100", "--tp", "2", *flags), *words)


def test_the_engines_own_parallel_flags_still_plan():
    base = ["fit", "qwen3-30b-a3b", "--gpu", "h100", "--tp", "2"]
    assert run(*base, "--engine", "sglang", "--ep-size", "2").exit_code == 0
    assert run(*base, "--enable-expert-parallel").exit_code == 0


# ux16: the engines' own spellings of the parallel sizes (vLLM's -tp / -pp / -dp, SGLang's --tp-size /
# --pp-size) were "No such option" in some commands and not others (check-bench and validate took --tp only).
TP_COMMANDS = [["fit", "llama-3.1-8b", "--gpu", "h100"], ["perf", "llama-3.1-8b", "--gpu", "h100", "--ctx", "1k"],
               ["compare", "llama-3.1-8b", "--gpu", "h100", "--ctx", "1k"],
               ["sweep", "llama-3.1-8b", "--gpu", "h100", "--ctx", "1k"],
               ["simulate", "llama-3.1-8b", "--gpu", "h100", *SIM]]


@pytest.mark.parametrize("command", TP_COMMANDS)
@pytest.mark.parametrize("flag", ["-tp", "--tp-size", "--tensor-parallel-size"])
def test_every_spelling_of_tp_gives_the_answer_of_tp(command, flag):
    want = run(*command, "--tp", "2", "--json")
    got = run(*command, flag, "2", "--json")
    assert want.exit_code == got.exit_code == 0, got.output
    assert json.loads(got.stdout) == json.loads(want.stdout)


def test_check_bench_validate_and_fit_take_the_engines_spellings():
    from typer.main import get_command

    cmd = get_command(app)
    ctx = cmd.make_context("kvplan", ["size"])
    opts = {name: {o for p in cmd.get_command(ctx, name).params if p.param_type_name == "option"
                   for o in p.opts + p.secondary_opts} for name in ("check-bench", "validate", "fit", "simulate")}
    assert {"-tp", "--tensor-parallel-size"} <= opts["check-bench"] & opts["validate"]
    assert {"-pp", "--pipeline-parallel-size"} <= opts["fit"] & opts["validate"] and "--pp-size" in opts["fit"]
    assert "-dp" in opts["simulate"]


# ux16: compare and sweep took --tp without --gpu and ignored it (their help says "with --gpu").
@pytest.mark.parametrize("command", [["compare", "llama-3.1-8b", "--ctx", "4096"],
                                     ["sweep", "llama-3.1-8b", "--ctx", "4k"]])
def test_tp_without_a_gpu_is_refused(command):
    one_line(run(*command, "--tp", "2"), "--tp 2", "give --gpu")
    assert run(*command, "--tp", "2", "--gpu", "h100").exit_code == 0
    assert run(*command, "--tp", "1").exit_code == 0
