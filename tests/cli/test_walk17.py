"""Session 17's walk as a new user at 80 columns: what it found, each checked through the CLI."""
import pytest

from walk import run


# `kvplan perf llama-3.1-8b --gpu h100 --ctx 4096 --engine foo --batch-table` printed vLLM's batch
# table, exit 0: an unknown --engine was priced and planned as vLLM without a word; so was
# --engine SGLang (fit and size take the name in any case).
def test_perf_refuses_an_unknown_engine():
    from kvplan import api
    from kvplan.errors import KvplanError

    with pytest.raises(KvplanError, match="unknown engine 'foo'"):
        api.perf("llama-3.1-8b", "h100", 4096, engine="foo")
    for extra in ([], ["--batch-table"], ["--json"]):
        r = run("perf", "llama-3.1-8b", "--gpu", "h100", "--ctx", "4096", "--engine", "foo", *extra)
        assert r.exit_code == 2 and r.output == (
            "kvplan: error: unknown engine 'foo'; known: ideal, hf, hf-static, vllm, sglang, trtllm, llamacpp\n")
    same = [run("perf", "llama-3.1-8b", "--gpu", "h100", "--ctx", "4096", "--engine", e, "--batch-table")
            for e in ("sglang", "SGLang")]
    assert same[0].exit_code == 0 and same[0].output == same[1].output
    assert "sglang's memory plan fits" in same[1].output


# `kvplan sweep llama-3.1-8b --ctx 4K --batch 99 --gpu h100 --engine SGLang` priced the decode step
# with vLLM's latency profile (32.87 ms) where --engine sglang gives SGLang's (26.40 ms): the step
# model's engine was matched case-sensitively and fell back to vLLM; the fits column was SGLang's.
def test_sweep_prices_the_engine_named_in_any_case():
    args = ["sweep", "llama-3.1-8b", "--ctx", "4K", "--batch", "1,99", "--gpu", "h100", "--json"]
    lower, mixed = run(*args, "--engine", "sglang"), run(*args, "--engine", "SGLang")
    assert lower.exit_code == 0 and mixed.exit_code == 0
    assert lower.stdout == mixed.stdout


def _json(*args):
    import json

    r = run(*args)
    assert r.exit_code == 0, r.output
    return json.loads(r.stdout)


LOAD = ["--rate", "1", "--prompt-tokens", "100", "--output-tokens", "10", "--requests", "3"]


# `kvplan simulate llama-3.1-8b --gpu h100 --max-num-seqs 64 ...` said "KV cache per replica: 27,939
# blocks ... (kvplan fit llama-3.1-8b --gpu h100-sxm-80gb --tp 1 --engine vllm: num_gpu_blocks 27,940
# ...)", but that fit command prints 27,185 blocks (434,960 tokens): --max-num-seqs (which sizes vLLM's
# profile run), --max-num-batched-tokens, --max-model-len and --speculative-config (the drafter's
# memory) were left out of the command it names. Each named command now gives simulate's own pool.
@pytest.mark.parametrize("engine, extra", [
    ("vllm", ["--max-num-seqs", "64"]),
    ("vllm", ["--max-num-batched-tokens", "2048", "--max-model-len", "8192"]),
    ("vllm", ["--speculative-config", '{"method":"eagle3","num_speculative_tokens":3}', "--acceptance", "0.5"]),
    ("vllm", ["--enforce-eager", "--gpu-memory-utilization", "0.8"]),
    ("sglang", ["--disable-cuda-graph", "--max-num-seqs", "64"]),
])
def test_simulate_names_the_fit_command_that_gives_its_pool(engine, extra):
    import shlex

    s = _json("simulate", "llama-3.1-8b", "--gpu", "h100", "--engine", engine, *LOAD, *extra, "--json")
    cmd = s["kv_cache"]["source"].split(": ")[0]
    words = shlex.split(cmd)
    assert words[:2] == ["kvplan", "fit"]
    f = _json(*words[1:], "--json")
    assert f["kv_cache_tokens"] == s["kv_cache"]["fit_tokens"], cmd


# `kvplan simulate --engine sglang --enforce-eager` was taken (and `fit --engine sglang --enforce-eager`,
# whose plan simulate's named fit command repeated; fit took it for trtllm and llamacpp too, whose plans
# ignore it): flag names follow the engine modelled, vLLM's --enforce-eager, SGLang's
# --disable-cuda-graph; the other's spelling is one line naming the right one.
@pytest.mark.parametrize("command", ["simulate", "fit"])
def test_no_cuda_graphs_is_spelled_as_the_engine_spells_it(command):
    base = [command, "llama-3.1-8b", "--gpu", "h100", *(LOAD if command == "simulate" else ["--ctx", "4096"])]
    r = run(*base, "--engine", "sglang", "--enforce-eager")
    assert r.exit_code == 2 and r.output == (
        "kvplan: error: --enforce-eager is vLLM's flag; SGLang's is --disable-cuda-graph\n")
    for engine in ([], ["--engine", "vllm"]):
        r = run(*base, *engine, "--disable-cuda-graph")
        assert r.exit_code == 2 and r.output == (
            "kvplan: error: --disable-cuda-graph is SGLang's flag; vLLM's is --enforce-eager\n")
    assert run(*base, "--engine", "sglang", "--disable-cuda-graph").exit_code == 0
    assert run(*base, "--engine", "vllm", "--enforce-eager").exit_code == 0
    if command == "fit":  # engines with neither flag: their plans have no CUDA-graph term to drop
        r = run(*base, "--engine", "trtllm", "--disable-cuda-graph")
        assert r.exit_code == 2 and r.output == (
            "kvplan: error: --disable-cuda-graph is SGLang's flag; the trtllm plan would ignore it (give --engine "
            "sglang)\n")
        for engine in ("trtllm", "llamacpp"):
            r = run(*base, "--engine", engine, "--enforce-eager")
            assert r.exit_code == 2 and r.output == (
                f"kvplan: error: --enforce-eager is vLLM's flag; the {engine} plan would ignore it (give --engine "
                "vllm)\n")


# `kvplan fit llama-3.1-8b --gpu rtx-3090 --max-model-len 29000` wrote its "kvplan: at risk: ..." line
# on stderr in 243 columns at an 80-column terminal (as were long notes and warnings); it is folded to
# the width with an indented continuation, a word (path, URL) kept whole. Errors stay one line.
def test_at_risk_notes_and_warnings_fold_to_the_width():
    import subprocess
    import sys

    env = {**__import__("os").environ, "COLUMNS": "80"}
    p = subprocess.run([sys.executable, "-m", "kvplan", "fit", "llama-3.1-8b", "--gpu", "rtx-3090",
                        "--max-model-len", "29000"], capture_output=True, text=True, timeout=120, env=env)
    assert p.returncode == 3
    lines = p.stderr.splitlines()
    assert len(lines) > 1 and lines[0].startswith("kvplan: at risk: the margin of ")
    assert all(len(l) <= 80 for l in lines) and all(l.startswith("  ") for l in lines[1:]), p.stderr
    assert " ".join(l.strip() for l in lines).endswith("(engines/vllm/startup.yaml))")
    r = run("perf", "llama-3.1-8b", "--gpu", "h100", "--ctx", "100000000", "--no-cache-compare", width=60)
    warn = [l for l in r.stderr.splitlines() if l.startswith("kvplan: warning:")]
    assert warn and all(len(l) <= 60 for l in r.stderr.splitlines()), r.stderr


# `kvplan check-log` of an SGLang log put kvplan's pool as "49.97 GB" beside SGLang's "4.00 + 4.00 GB":
# SGLang's GB is GiB (mem_cache/memory_pool.py, GB = 1024**3), and kvplan's own figure, 53,652,357,120
# bytes (409,335 tokens × 131,072), is 53.65 GB: it is said in GiB, and a note says what the engine's "GB" is.
def test_check_log_says_gib_where_the_engine_prints_gb():
    r = run("check-log", "tests/data/logs/sglang_0.5.23_llama-3.1-8b_8gib-pool.log", "--gpu", "h100")
    assert r.exit_code == 0, r.output
    row = next(l for l in r.stdout.splitlines() if l.startswith("KV pool K + V"))
    assert "│ 4.00 + 4.00 GB │ 49.97 GiB │" in row
    assert 409_335 * 131_072 == 53_652_357_120  # 49.97 GiB, 53.65 GB
    assert "note: SGLang's \"GB\" is GiB (2^30 bytes), as kvplan's column says" in r.stdout
    r = run("check-log", "tests/data/logs/vllm_0.15.1_a100-40gb_llama-3.1-8b.log", "--gpu", "a100-sxm-40gb")
    assert r.exit_code == 0 and "\"GB\" is GiB" not in r.stdout  # vLLM V1 prints GiB itself


# `kvplan sweep llama-3.1-8b --ctx 4K --weight-dtype fp3` printed its table, exit 0: without --gpu no
# column reads the weights, so the option (even an unknown format) was dropped without a word. It is
# refused as --tp is there, naming --gpu.
def test_sweep_refuses_a_weight_format_without_a_gpu():
    import kvplan
    from kvplan.errors import KvplanError

    for fmt in ("fp3", "fp8"):
        r = run("sweep", "llama-3.1-8b", "--ctx", "4K", "--weight-dtype", fmt)
        assert r.exit_code == 2 and r.output == (
            "kvplan: error: --weight-dtype prices the fits and the decode step on a GPU; give --gpu (the bytes are "
            "the KV cache's only)\n")
    with pytest.raises(KvplanError, match="give gpu"):
        kvplan.sweep("llama-3.1-8b", [4096], weight_dtype="fp8")
    with_gpu = run("sweep", "llama-3.1-8b", "--ctx", "4K", "--weight-dtype", "fp8", "--gpu", "h100", "--json")
    plain = run("sweep", "llama-3.1-8b", "--ctx", "4K", "--gpu", "h100", "--json")
    assert with_gpu.exit_code == 0 and with_gpu.stdout != plain.stdout  # read there: the step, the budget


# Options that size nothing in the run asked were dropped without a word: `kvplan fit ... --requests 5`
# (or --seed) without --lengths, and `kvplan perf ... --no-cache-compare --new-tokens 5`.
@pytest.mark.parametrize("args, message", [
    (["fit", "llama-3.1-8b", "--gpu", "h100", "--ctx", "4096", "--requests", "5"],
     "--requests samples a --lengths distribution; give --lengths or leave it out"),
    (["fit", "llama-3.1-8b", "--gpu", "h100", "--ctx", "4096", "--seed", "0"],
     "--seed samples a --lengths distribution; give --lengths or leave it out"),
    (["fit", "llama-3.1-8b", "--gpu", "h100", "--ctx", "4096", "--requests", "5", "--seed", "1"],
     "--requests and --seed sample a --lengths distribution; give --lengths or leave them out"),
    (["perf", "llama-3.1-8b", "--gpu", "h100", "--ctx", "4096", "--no-cache-compare", "--new-tokens", "5"],
     "--new-tokens sizes the cache-vs-recompute table that --no-cache-compare leaves out; give one of them"),
])
def test_an_option_that_sizes_nothing_is_refused(args, message):
    for extra in ([], ["--json"]):
        r = run(*args, *extra)
        assert r.exit_code == 2 and r.output == f"kvplan: error: {message}\n"


def test_the_defaults_of_those_options_are_kept():
    base = ["fit", "llama-3.1-8b", "--gpu", "h100", "--ctx", "4096", "--lengths", "uniform:10-100", "--json"]
    assert run(*base).stdout == run(*base, "--requests", "1000", "--seed", "0").stdout
    base = ["perf", "llama-3.1-8b", "--gpu", "h100", "--ctx", "4096", "--json"]
    assert run(*base).stdout == run(*base, "--new-tokens", "1000").stdout


# simulate's and check-bench's first line said "llama-3.1-70b on 1 × h200-sxm-141gb (tp 4)" for four
# GPUs and "llama-3.2-3b on 4 × l40s (tp 1)" for four others: "1 × h200" reads as one GPU. The
# replicas and their tensor-parallel size are said as such.
def test_simulate_says_replicas_and_tp_not_a_gpu_count():
    r = run("simulate", "llama-3.1-8b", "--gpu", "h100", "--tp", "2", "--replicas", "3", *LOAD)
    assert r.exit_code == 0, r.output
    head = " ".join(r.stdout.split())
    assert head.startswith("llama-3.1-8b on h100-sxm-80gb: 3 replicas of tp 2, round-robin router · vllm · ")
    r = run("check-bench", "tests/fixtures/bench/vllm_llama-3.2-3b_4xl40s_rate10.json", "--gpu", "l40s", "--tp", "4",
            "--max-requests", "20")
    assert r.exit_code == 0, r.output
    assert " ".join(r.stdout.split()).startswith("llama-3.2-3b on l40s: 1 replica of tp 4 · vllm · ")


# `kvplan simulate ... --requests 100000000` was killed for memory (exit 137, no message) after
# minutes: about 4.3 kB a request (100,000 took 428 MB). Past simulate's limit it is one line, exit 2,
# in the library's words too.
def test_simulate_refuses_a_request_count_it_cannot_hold():
    from kvplan import api
    from kvplan.errors import KvplanError
    from kvplan.plan.simulate import MAX_REQUESTS

    base = ["simulate", "llama-3.1-8b", "--gpu", "h100", "--rate", "1", "--prompt-tokens", "100", "--output-tokens",
            "10"]
    r = run(*base, "--requests", "100000000")
    assert r.exit_code == 2 and r.output == (
        "kvplan: error: --requests 100,000,000 is more than kvplan takes (1,000,000: a simulated request holds "
        "about 4.3 kB and costs 0.27 ms, so 4.3 GB and minutes at the most); is it a typo?\n")
    with pytest.raises(KvplanError, match=r"^requests 1,000,001 is more than kvplan takes"):
        api.simulate("llama-3.1-8b", "h100", rate=1.0, prompt_tokens="100", output_tokens="10",
                     requests=MAX_REQUESTS + 1)
    assert MAX_REQUESTS == 1_000_000
    from kvplan.plan import simulate as sim

    assert sim.check_requests(MAX_REQUESTS) is None  # the limit itself is taken: refused past it, not at it
    with pytest.raises(KvplanError, match=r"^requests 1,000,001 is more than kvplan takes \(1,000,000: "):
        sim.check_requests(MAX_REQUESTS + 1)


# `kvplan plan ... --requests 100000000` drew its workload before any candidate ran: killed for memory
# (or, under a memory limit, a traceback from the process pool). It is refused first, as simulate's.
def test_plan_refuses_a_request_count_simulate_cannot_hold():
    r = run("plan", "llama-3.1-8b", "--rate", "2", "--prompt-tokens", "512", "--output-tokens", "50", "--ttft-p90",
            "1000", "--itl-p90", "50", "--gpus", "h100", "--tp", "1", "--requests", "100000000", "--workers", "1")
    assert r.exit_code == 2 and r.output.startswith(
        "kvplan: error: --requests 100,000,000 is more than kvplan takes (1,000,000: ") and r.output.count("\n") == 1


# check-bench replays a run on the vLLM release it names (--engine-version, or the file's): the fit
# command its limits name left the release out, and kvplan's release plans another pool.
def test_the_named_fit_command_keeps_the_release():
    import shlex

    from kvplan.engines.base import ServeOptions
    from kvplan.plan import simulate as sim
    from kvplan.sources import catalog

    spec, gpu = catalog.load_model("llama-3.1-8b"), catalog.load_gpu("a100-sxm-40gb")
    lim = sim.engine_limits(spec, gpu, 1, "vllm", ServeOptions(vllm_version="0.15.1", enforce_eager=True))
    words = shlex.split(lim.sources["num_blocks"].split(": ")[0])
    assert "--engine-version" in words
    assert _json(*words[1:], "--json")["kv_cache_tokens"] == lim.fit_tokens


# The named fit command's other options, word for word (mutation run mut17d: no test gave them): SGLang's
# --ep-size, the library's weight_dtype (engine_limits', as scripts/perf_accuracy.py passes it), and a
# vLLM release on ServeOptions left out for SGLang, whose plan does not read it (fit refuses
# --engine-version there). Each command, run, plans the pool simulate took.
@pytest.mark.parametrize("model, tp, engine, opts, weight, command", [
    ("qwen3-30b-a3b", 2, "sglang", {"ep_size": 2}, None,
     "kvplan fit qwen3-30b-a3b --gpu h100-sxm-80gb --tp 2 --engine sglang --ep-size 2"),
    ("llama-3.1-8b", 1, "vllm", {}, "fp8", "kvplan fit llama-3.1-8b --gpu h100-sxm-80gb --tp 1 --engine vllm "
                                           "--weight-dtype fp8"),
    ("llama-3.1-8b", 1, "sglang", {"vllm_version": "0.15.1"}, None,
     "kvplan fit llama-3.1-8b --gpu h100-sxm-80gb --tp 1 --engine sglang"),
])
def test_the_named_fit_command_carries_what_fit_reads(model, tp, engine, opts, weight, command):
    import shlex

    from kvplan.engines.base import ServeOptions
    from kvplan.plan import simulate as sim
    from kvplan.sources import catalog

    lim = sim.engine_limits(catalog.load_model(model), catalog.load_gpu("h100"), tp, engine, ServeOptions(**opts),
                            weight_dtype=weight)
    assert lim.sources["num_blocks"].split(": ")[0] == command
    assert _json(*shlex.split(command)[1:], "--json")["kv_cache_tokens"] == lim.fit_tokens


# `kvplan fit llama-3.1-8b --gpu h100 --ctx 4096 --host-memory 5GiB` said "fits", exit 0: only
# llama.cpp's plan reads --host-memory (its host-resident cache), and the vllm plan dropped it without
# a word. And one SGLang flag without --enable-hierarchical-cache read "--hicache-ratio need ...".
def test_host_memory_is_refused_where_no_plan_reads_it():
    for engine in ("vllm", "sglang"):
        r = run("fit", "llama-3.1-8b", "--gpu", "h100", "--ctx", "4096", "--engine", engine, "--host-memory", "5GiB")
        assert r.exit_code == 2 and r.output == (
            f"kvplan: error: --host-memory sizes llama.cpp's host-resident cache (-ngl, -nkvo); the {engine} plan "
            "would ignore it (give --engine llamacpp)\n")
    r = run("fit", "llama-3.1-8b", "--gpu", "h100", "--ctx", "4096", "--engine", "sglang", "--hicache-ratio", "2")
    assert r.exit_code == 2 and r.output == (
        "kvplan: error: --hicache-ratio needs --enable-hierarchical-cache\n")
    r = run("fit", "llama-3.1-8b", "--gpu", "rtx-4090", "--engine", "llamacpp", "-nkvo", "--host-memory", "64GiB",
            "--ctx", "8192")
    assert r.exit_code == 0, r.output
