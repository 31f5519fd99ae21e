"""Session 19's walk as a new user at 80 columns: what it found, each checked through the CLI."""
import json

import pytest

from kvplan import api
from kvplan.cli import app
from walk import one_line, run, runner
from kvplan.errors import KvplanError


# `kvplan perf --ctx 1000 --prompt 4000` priced a decode step at 1,000 tokens of context after a
# 4,000-token prefill (a context that cannot hold its own prompt) and said nothing.
def test_a_prompt_longer_than_the_decode_context_is_refused():
    for extra in ([], ["--json"]):
        one_line(run("perf", "llama-3.1-8b", "--gpu", "h100", "--ctx", "1000", "--prompt", "4000", *extra),
                 "--prompt 4,000 is longer than --ctx 1,000, the tokens each sequence holds at the decode step "
                 "(the prompt among them); give --ctx 4,000 or more")
    with pytest.raises(KvplanError, match=r"^prompt 4,000 is longer than ctx 1,000, .*; give ctx 4,000 or more$"):
        api.perf("llama-3.1-8b", "h100", 1000, prompt=4000)
    r = json.loads(run("perf", "llama-3.1-8b", "--gpu", "h100", "--ctx", "4000", "--prompt", "4000", "--json").output)
    assert (r["ctx"], r["prompt"]) == (4000, 4000)


# `kvplan fit --kv-cache-memory 20GiB --gpu-memory-utilization 0.5` planned the 20 GiB and dropped the
# 0.5 without a word. vLLM 0.33 takes both and does the same (v1/worker/gpu_worker.py
# determine_available_memory returns kv_cache_memory_bytes after a profile run, logging "This does not
# respect the gpu_memory_utilization config"), so it is a note, in fit and in simulate alike.
def test_a_utilization_that_kv_cache_memory_overrides_is_said():
    args = ("llama-3.1-8b", "--gpu", "h100", "--kv-cache-memory", "20GiB", "--gpu-memory-utilization", "0.5")
    note = ('--gpu-memory-utilization 0.5 does not size the cache: with --kv-cache-memory vLLM reserves those '
            'bytes and skips its memory profiling ("This does not respect the gpu_memory_utilization config"); '
            'it still refuses to start if free memory is below the utilization × total (request_memory)')
    fit = json.loads(run("fit", *args, "--ctx", "8k", "--json").output)
    assert note in fit["notes"] and fit["kv_budget_bytes"] == 20 * 2**30
    sim = json.loads(run("simulate", *args, "--requests", "20", "--rate", "2", "--prompt-tokens", "1000",
                         "--output-tokens", "10", "--json").output)
    assert note in sim["notes"]
    other = json.loads(run("fit", *args, "--ctx", "8k", "--engine", "sglang", "--json").output)
    assert "--gpu-memory-utilization 0.5 does not size the cache: --kv-cache-memory fixes it" in other["notes"]
    for alone in (("--kv-cache-memory", "20GiB"), ("--gpu-memory-utilization", "0.5")):
        r = json.loads(run("fit", "llama-3.1-8b", "--gpu", "h100", *alone, "--ctx", "8k", "--json").output)
        assert not any("does not size the cache" in n for n in r["notes"])


# `kvplan fit --kv-cache-memory 0` said "each GPU needs 16,094,076,928 bytes of weights ... more than the
# 16,094,076,928 bytes vllm may use; no --tp up to 64 fits": a plan of no cache, where vLLM 0.33 reads 0
# as not given (gpu_worker.py determine_available_memory: `if kv_cache_memory_bytes := ...`).
@pytest.mark.parametrize("cmd", [("fit", "--ctx", "4k"),
                                 ("simulate", "--rate", "1", "--requests", "10", "--prompt-tokens", "100",
                                  "--output-tokens", "10")])
def test_a_kv_cache_memory_of_zero_is_refused(cmd):
    for zero in ("0", "0GB"):
        one_line(run(cmd[0], "llama-3.1-8b", "--gpu", "h100", *cmd[1:], "--kv-cache-memory", zero),
                 "--kv-cache-memory 0 leaves no room for the cache (vLLM 0.33 reads 0 as not given: "
                 "`if kv_cache_memory_bytes := ...` in gpu_worker.py determine_available_memory); give a size "
                 "or leave it out")
    assert run(cmd[0], "llama-3.1-8b", "--gpu", "h100", *cmd[1:], "--kv-cache-memory", "1GiB",
               "--max-model-len", "4096").exit_code == 0


BENCH = "tests/fixtures/bench/vllm_llama-3.2-3b_4xl40s_rate10.json"


# A vLLM bench result with a field of the wrong kind: "completed": "abc" said "a ('vllm', 'sglang',
# 'inference-perf', 'guidellm') result missing or malformed field: invalid literal for int() with base 10:
# 'abc'" (no field named); "request_rate": -1 blamed --rate, an option not given; "completed": 0 fell
# back to num_prompts and replayed 300 requests; "input_len": a list, a string throughput were read as
# numbers where Python could, refused in Python's words where not.
@pytest.mark.parametrize("key,value,words", [
    ("completed", "abc", "completed is 'abc', not a number"),
    ("completed", 2.5, "completed is 2.5, not a whole number"),
    ("output_throughput", "x", "output_throughput is 'x', not a number"),
    ("mean_ttft_ms", [1], "mean_ttft_ms is [1], not a number"),
    ("total_input_tokens", True, "total_input_tokens is True, not a number"),
    ("request_rate", -1, "request_rate is -1, not a rate > 0 (or inf)"),
    ("max_concurrency", "8", "max_concurrency is '8', not a number"),
])
def test_a_bench_field_of_the_wrong_kind_is_named(tmp_path, key, value, words):
    d = json.load(open(BENCH))
    d[key] = value
    f = tmp_path / "r.json"
    f.write_text(json.dumps(d))
    one_line(run("check-bench", str(f), "--gpu", "l40s", "--max-requests", "20"),
             f"r.json: a vllm, sglang, inference-perf or guidellm result missing or malformed field: {words}")


def test_a_bench_run_with_no_completed_request_is_refused(tmp_path):
    d = json.load(open(BENCH))
    assert d["num_prompts"] == 300
    d["completed"] = 0
    f = tmp_path / "r.json"
    f.write_text(json.dumps(d))
    one_line(run("check-bench", str(f), "--gpu", "l40s", "--max-requests", "20"), "r.json: no completed requests")
    d["request_rate"] = "inf"  # a rate as vLLM writes an infinite one stays a rate
    d["completed"] = 300
    f.write_text(json.dumps(d))
    assert run("check-bench", str(f), "--gpu", "l40s", "--max-requests", "20").exit_code == 0


def test_a_printed_result_with_a_broken_number_is_one_line(tmp_path):
    f = tmp_path / "out.txt"
    f.write_text("============ Serving Benchmark Result ============\nSuccessful requests:   1e\n"
                 "Total generated tokens:  100\n==================================================\n")
    one_line(run("check-bench", str(f), "--gpu", "l40s", "--model", "llama-3.2-3b", "--max-requests", "20"),
             "out.txt: 'Successful requests' is '1e', not a number")


# `kvplan fit llama-3.1-8b --gpu h100 --ctx 32k --batch 40` said "max batch at 32,000 tokens: 13 sequences"
# and then "fits" (exit 0): the verdict answered whether the engine starts, not the batch asked about,
# where sweep's fits column says "no" for (32k, 40) and "at risk" for (32k, 13). One answer now.
def test_fit_with_ctx_and_batch_answers_for_the_batch_as_sweep_does():
    base = ("llama-3.1-8b", "--gpu", "h100", "--ctx", "32k")
    sweep = json.loads(run("sweep", *base, "--batch", "12,13,14,40", "--json").output)["rows"]
    want = {r["batch"]: r["verdict"] for r in sweep}
    assert want == {12: "fits", 13: "at_risk", 14: "does_not_fit", 40: "does_not_fit"}
    exits = {"fits": 0, "at_risk": 3, "does_not_fit": 1}
    for b, verdict in want.items():
        r = run("fit", *base, "--batch", str(b), "--json")
        d = json.loads(r.stdout)
        assert (d["verdict"], r.exit_code, d["fits"]) == (verdict, exits[verdict], verdict != "does_not_fit"), b
        assert (d["max_batch"], d["max_batch_low"]) == (13, 12)
    r = run("fit", *base, "--batch", "40")
    assert r.exit_code == 1 and r.stdout.endswith("\ndoes NOT fit: 40 sequences of 32,000 tokens: at most 13 fit\n")
    r = run("fit", *base, "--batch", "13")
    flat = r.stdout.replace("\n", " ")  # the verdict line folds at 80 columns
    assert r.exit_code == 3 and ("\nat risk: 13 sequences of 32,000 tokens fit only if the estimated parts err the "
                                 "kind way: with each at the far end of its error at most 12 fit (the largest: "
                                 ).replace("\n", " ") in flat
    # --ctx alone or --batch alone: the start's answer, as before
    assert json.loads(run("fit", *base, "--json").stdout)["verdict"] == "fits"
    assert json.loads(run("fit", "llama-3.1-8b", "--gpu", "h100", "--batch", "40", "--json").stdout)["verdict"] == "fits"


# A trace or lengths file saved by a spreadsheet as "CSV UTF-8" starts with a byte-order mark: the
# header was refused as "got '\ufeffarrival_s,...'" and the first length as "got '\ufeff100'"; and an
# --lmcache-config or --matrix file that is not UTF-8 was a UnicodeDecodeError traceback.
def test_files_are_read_as_every_reader_reads_them(tmp_path):
    trace = tmp_path / "t.csv"
    trace.write_bytes(b"\xef\xbb\xbfarrival_s,prompt_tokens,output_tokens\r\n0,100,10\r\n1,200,20\r\n")
    r = json.loads(run("simulate", "llama-3.1-8b", "--gpu", "h100", "--trace", str(trace), "--json").stdout)
    assert r["requests"] == 2
    lengths = tmp_path / "l.txt"
    lengths.write_bytes(b"\xef\xbb\xbf100\n200\n")
    assert run("fit", "llama-3.1-8b", "--gpu", "h100", "--lengths", str(lengths), "--json").exit_code == 0
    binary = tmp_path / "b.yaml"
    binary.write_bytes(b"\xff\xfe\x00\x01")
    one_line(run("validate", "llama-3.1-8b", "--matrix", str(binary)),
             f"--matrix: {binary}: not UTF-8 text (a binary file: byte 0xff at offset 0); a matrix must be UTF-8")
    one_line(run("fit", "llama-3.1-8b", "--gpu", "h100", "--ctx", "4k", "--kv-transfer-config",
                 '{"kv_connector":"LMCacheConnectorV1","kv_role":"kv_both"}', "--lmcache-config", str(binary)),
             f"--lmcache-config: {binary}: not UTF-8 text (a binary file: byte 0xff at offset 0); a config file must "
             "be UTF-8")


# perf, sweep and validate said MODEL is "a catalog name or alias, a YAML spec, or a config.json": they
# read a .gguf and a repo id from the local cache like every other command (common._load).
def test_every_model_argument_is_described_alike():
    from typer.main import get_command

    from kvplan.cli.common import MODEL_HELP

    seen = []
    for name, cmd in get_command(app).commands.items():
        for p in cmd.params:
            if p.param_type_name == "argument" and p.metavar == "MODEL":
                seen.append(name)
                assert p.help == MODEL_HELP, name
    assert {"size", "fit", "perf", "sweep", "validate", "simulate", "plan", "show"} <= set(seen)
    assert run("perf", "tests/data/tiny-gemma2.gguf", "--gpu", "h100", "--ctx", "1k").exit_code == 0


# `kvplan import model.gguf` read the GGUF as JSON ("not UTF-8 text (a binary file ...); a config.json
# must be UTF-8"), and `kvplan check-server ./metrics.txt` tried "http:///./metrics.txt/metrics".
def test_a_file_given_where_another_kind_is_read_says_which():
    one_line(run("import", "tests/data/tiny-gemma2.gguf"),
             "tests/data/tiny-gemma2.gguf: import converts a config.json; a .gguf file is read as it is by every "
             "command (kvplan show tests/data/tiny-gemma2.gguf)")
    for path in ("./metrics.txt", "/tmp/metrics.txt", "~/m.txt"):
        one_line(run("check-server", path, "--gpu", "h100"),
                 f"check-server reads a running server's URL (localhost:8000, http://HOST:PORT), not a file: "
                 f"'{path}'; a start-up log is kvplan check-log's")


# `kvplan fit --engine llamacpp --max-num-seqs 4` planned llama.cpp's cache and dropped vLLM's flag
# without a word (the reverse, llama.cpp's flags to vLLM, was already a note).
def test_a_scheduler_flag_the_engine_does_not_read_is_said():
    base = ("fit", "llama-3.1-8b", "--gpu", "h100", "--ctx", "4k")
    r = runner.invoke(app, [*base, "--engine", "trtllm", "--max-num-seqs", "4"], env={"COLUMNS": "200"})
    assert r.exit_code == 0 and ("kvplan: note: the trtllm plan does not read --max-num-seqs; it is ignored (read by "
                                 "sglang, vllm)\n") in r.stderr
    r = runner.invoke(app, [*base, "--engine", "llamacpp", "--block-size", "32", "--max-num-batched-tokens", "2048"],
                      env={"COLUMNS": "200"})
    assert ("kvplan: note: the llamacpp plan does not read --block-size, --max-num-batched-tokens; they are ignored "
            "(read by sglang, trtllm, vllm)\n") in r.stderr
    for engine in ("vllm", "sglang"):
        r = runner.invoke(app, [*base, "--engine", engine, "--max-num-seqs", "4", "--block-size", "32",
                                "--max-num-batched-tokens", "2048"])
        assert "does not read" not in r.stderr


# A profile check-bench --calibrate fitted on a vLLM run was applied to --engine sglang without a word
# in perf and simulate, and in plan every candidate applied it, so "0 meet the SLA"; its engine and
# model fields took a list. A profile is one GPU's and one engine's (docs/commands/check-bench.md).
def test_a_profile_of_another_engine_is_refused(tmp_path):
    prof = tmp_path / "p.yaml"
    r = run("check-bench", BENCH, "--gpu", "l40s", "--max-requests", "20", "--calibrate", str(prof))
    assert r.exit_code == 0 and "engine: vllm\n" in prof.read_text()
    msg = "--profile was fitted on a vllm run, not sglang; calibrate one on a sglang run"
    one_line(run("perf", "llama-3.2-3b", "--gpu", "l40s", "--ctx", "1k", "--engine", "sglang", "--profile", str(prof)),
             msg)
    one_line(run("simulate", "llama-3.2-3b", "--gpu", "l40s", "--engine", "sglang", "--profile", str(prof),
                 "--concurrency", "2", "--prompt-tokens", "100", "--output-tokens", "10", "--requests", "4"), msg)
    one_line(run("plan", "llama-3.2-3b", "--rate", "2", "--prompt-tokens", "1000", "--output-tokens", "100",
                 "--ttft-p90", "1000", "--itl-p90", "100", "--gpus", "l40s", "--requests", "20", "--engine", "sglang",
                 "--profile", str(prof), "--workers", "1"), msg)
    assert run("perf", "llama-3.2-3b", "--gpu", "l40s", "--ctx", "1k", "--profile", str(prof)).exit_code == 0
    prof.write_text(prof.read_text().replace("engine: vllm\n", "engine: [1]\n"))
    one_line(run("perf", "llama-3.2-3b", "--gpu", "l40s", "--ctx", "1k", "--profile", str(prof)),
             "--profile: engine must be text, got [1]")
