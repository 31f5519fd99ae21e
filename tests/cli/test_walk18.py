"""Session 18's walk as a new user at 80 columns: what it found, each checked through the CLI."""
import pytest

from walk import run
from kvplan.errors import KvplanError

BENCH = "tests/fixtures/bench/vllm_llama-3.2-3b_4xl40s_rate10.json"


# `kvplan fit llama-3.1-8b --gpu h100 --lengths normal:4096,1024 --requests 100000000` sampled 10^8
# lengths (10^6 took 3.42 s and 70 MB) where simulate and plan refuse past 1,000,000; and
# check-bench --max-requests took any count. One rule (plan/traffic.py MAX_REQUESTS) in every command.
def test_every_request_count_has_the_same_limit(monkeypatch):
    from kvplan.plan import fit, traffic as tr
    from kvplan.sources import catalog

    def never(*a, **k):
        raise AssertionError("lengths sampled past the limit")

    monkeypatch.setattr(tr, "parse_lengths", never)
    with pytest.raises(KvplanError, match=r"^requests 1,000,001 is more than kvplan takes \(1,000,000: "):
        fit.fit(catalog.load_model("llama-3.1-8b"), catalog.load_gpu("h100"), engine="vllm",
                traffic=fit.Traffic("normal:4096,1024", requests=tr.MAX_REQUESTS + 1))
    monkeypatch.undo()
    r = run("fit", "llama-3.1-8b", "--gpu", "h100", "--lengths", "normal:4096,1024", "--requests", "100000000")
    assert r.exit_code == 2 and r.output == (
        "kvplan: error: --requests 100,000,000 is more than kvplan takes (1,000,000: a simulated request holds "
        "about 4.3 kB and costs 0.27 ms, so 4.3 GB and minutes at the most); is it a typo?\n")
    r = run("check-bench", BENCH, "--gpu", "l40s", "--max-requests", "1000001")
    assert r.exit_code == 2 and r.output.startswith(
        "kvplan: error: --max-requests 1,000,001 is more than kvplan takes (1,000,000: ") and r.output.count("\n") == 1
    from kvplan.plan import simulate as sim

    assert sim.MAX_REQUESTS is tr.MAX_REQUESTS and sim.check_requests is tr.check_requests  # one home


# `kvplan fit ... --lengths lengths.txt --requests 5 --seed 2` placed the file's 3 requests, exit 0:
# --requests and --seed were dropped without a word (without --lengths they are refused).
def test_a_lengths_file_refuses_requests_and_seed(tmp_path):
    from kvplan.plan.traffic import parse_lengths

    f = tmp_path / "lengths.txt"
    f.write_text("100\n2000\n3000\n")
    base = ["fit", "llama-3.1-8b", "--gpu", "h100", "--lengths", str(f)]
    for extra, said in ((["--requests", "5"], "--requests samples"), (["--seed", "2"], "--seed samples"),
                        (["--requests", "5", "--seed", "2"], "--requests and --seed sample")):
        r = run(*base, *extra)
        assert r.exit_code == 2 and r.output == (
            f"kvplan: error: {said} a --lengths distribution; {f} is a file, taken whole: leave "
            f"{'them' if ' and ' in said else 'it'} out\n")
    r = run(*base, "--json")
    assert r.exit_code == 0 and '"requests": "3 requests from' in r.output
    with pytest.raises(KvplanError, match=r"^requests samples a --lengths distribution"):
        parse_lengths(str(f), 5000, n=1000)
    assert parse_lengths(str(f), 5000)[0] == [100, 2000, 3000]
    assert parse_lengths("uniform:3-3", 50)[1] == "1,000 requests sampled from uniform:3-3 (seed 0)"


# `kvplan check-bench run.json --gpu l40s --calibrate run.json` wrote the profile over the run it had
# just read (the run was gone: "not JSON"); --calibrate x.txt wrote YAML under any name, and any
# file of the user's was written over. Now: a .yaml name, never a file read or one not a profile.
def test_calibrate_writes_only_a_yaml_profile_and_never_over_a_users_file(tmp_path):
    import shutil

    run_json = tmp_path / "run.json"
    shutil.copy(BENCH, run_json)
    before = run_json.read_bytes()
    as_yaml = tmp_path / "run.yaml"
    shutil.copy(BENCH, as_yaml)
    mine = tmp_path / "mine.yaml"
    mine.write_text("kind: something-else\n")
    for target, said in ((run_json, f"--calibrate writes a YAML profile: give a name ending .yaml, got '{run_json}'"),
                         (tmp_path / "x.txt", f"--calibrate writes a YAML profile: give a name ending .yaml, got "
                                              f"'{tmp_path / 'x.txt'}'"),
                         (mine, f"--calibrate: {mine} exists and is not a kvplan latency profile; not written over: "
                                "give another name")):
        r = run("check-bench", str(run_json), "--gpu", "l40s", "--calibrate", str(target))
        assert r.exit_code == 2 and r.output == f"kvplan: error: {said}\n"
    d = tmp_path / "d.yaml"
    d.mkdir()
    r = run("check-bench", str(run_json), "--gpu", "l40s", "--calibrate", str(d))
    assert r.exit_code == 2 and r.output == f"kvplan: error: --calibrate: {d} is a folder; give a file name ending .yaml\n"
    r = run("check-bench", str(as_yaml), "--gpu", "l40s", "--calibrate", str(as_yaml))
    assert r.exit_code == 2 and r.output == f"kvplan: error: --calibrate: {as_yaml} is a file being read; give another name\n"
    assert run_json.read_bytes() == before and mine.read_text() == "kind: something-else\n" and not (tmp_path / "x.txt").exists()
    out = tmp_path / "p.yaml"
    for _ in range(2):  # a profile is written, and written again over itself
        r = run("check-bench", str(run_json), "--gpu", "l40s", "--calibrate", str(out))
        assert r.exit_code == 0 and out.read_text().startswith("kind: kvplan-latency-profile\n")


# A profile holding only `kind: kvplan-latency-profile` said "step_scale must be a number > 0, got
# None"; a list for gpu was printed as "fitted on [1]", a mapping for fitted_on went into the label.
def test_a_profile_with_only_its_kind_says_what_is_missing(tmp_path):
    from kvplan.plan.latency.calibrate import KIND, load_profile

    f = tmp_path / "k.yaml"
    for body in (f"kind: {KIND}\n", f"kind: {KIND}\nstep_scale:\n"):
        f.write_text(body)
        r = run("perf", "llama-3.1-8b", "--gpu", "h100", "--ctx", "4k", "--profile", str(f))
        assert r.exit_code == 2 and r.output == (
            f"kvplan: error: --profile: {f} has no step_scale (the factor check-bench --calibrate fits and writes)\n")
    with pytest.raises(KvplanError, match=r"^--profile: the profile has no step_scale "):
        load_profile({"kind": KIND})
    for key, val in (("gpu", [1]), ("fitted_on", {"a": 1})):
        with pytest.raises(KvplanError, match=rf"^--profile: {key} must be text, got {val!r}$".replace("[", r"\[")):
            load_profile({"kind": KIND, "step_scale": 1.0, key: val})


# A config.json with num_hidden_layers 10^12 (a typo) died of MemoryError, a traceback, in size, fit,
# show, import and perf (each layer is spelled out); 100,000 took 160 s in fit. Past MAX_LAYERS
# (model/spec.py) a config, a GGUF's block_count and a YAML spec's pattern are refused first.
def test_a_typo_layer_count_is_refused_before_the_layers_are_spelled_out(tmp_path):
    import json
    import struct

    from conftest import ROOT
    from kvplan.model.spec import MAX_LAYERS, parse_pattern

    assert MAX_LAYERS == 10_000 and len(parse_pattern(f"(a b)*{MAX_LAYERS // 2}")) == MAX_LAYERS
    from kvplan.sources import catalog

    assert max(catalog.load_model(n).num_layers for n in catalog.model_names()) == 126  # the message's figure
    for text in ("a*1000000000000", "(a)*1000000000000", "((a b)*100)*51", f"a*{MAX_LAYERS} b"):
        with pytest.raises(ValueError, match=r"layers is more than kvplan takes \(10,000; "):
            parse_pattern(text)
    cfg = json.loads((ROOT / "tests/fixtures/configs/Llama-3.1-8B.json").read_text())
    cfg["num_hidden_layers"] = 10 ** 12
    f = tmp_path / "config.json"
    f.write_text(json.dumps(cfg))
    for cmd in (["size", str(f), "--ctx", "4096"], ["fit", str(f), "--gpu", "h100", "--ctx", "4096", "--json"],
                ["show", str(f)], ["import", str(f)], ["perf", str(f), "--gpu", "h100", "--ctx", "4096"]):
        r = run(*cmd)
        assert r.exit_code == 2 and r.output == (
            f"kvplan: error: {f}: key 'num_hidden_layers': 1,000,000,000,000 layers is more than kvplan takes "
            "(10,000; the deepest model it ships has 126); is it a typo?\n"), cmd
    spec = tmp_path / "x.yaml"
    spec.write_text((ROOT / "model_specs/models/codellama-34b-instruct.yaml").read_text().replace(
        "pattern: full*48", "pattern: full*1000000000000"))
    r = run("size", str(spec), "--ctx", "4096")
    assert r.exit_code == 2 and r.output.endswith(
        "pattern: 1,000,000,000,000 layers is more than kvplan takes (10,000; the deepest model it ships has 126)\n")

    def s(t):
        b = t.encode()
        return struct.pack("<Q", len(b)) + b

    g = tmp_path / "m.gguf"
    g.write_bytes(b"GGUF" + struct.pack("<IQQ", 3, 0, 2) + s("general.architecture") + struct.pack("<I", 8)
                  + s("llama") + s("llama.block_count") + struct.pack("<II", 4, 10 ** 9))
    r = run("size", str(g), "--ctx", "4096")
    assert r.exit_code == 2 and r.output == (
        f"kvplan: error: {g}: llama.block_count: 1,000,000,000 layers is more than kvplan takes (10,000; the "
        "deepest model it ships has 126); is it a typo?\n")


# `kvplan fit llama-3.1-8b --gpu h100 --trace t.csv` with a prompt of 10^11 tokens ran for minutes
# (the prefix replay walks every block) where simulate refuses it: a request past max_model_len is
# held to it as simulate holds it (simulate/workload.py within_max_model_len), in both commands.
def test_fit_trace_holds_requests_to_max_model_len_as_simulate_does(tmp_path):
    import json

    head = "arrival_s,prompt_tokens,output_tokens\n"
    long_prompt, long_output = tmp_path / "p.csv", tmp_path / "o.csv"
    long_prompt.write_text(head + "0,200000,10\n")
    long_output.write_text(head + "0,100,200000\n1,100,10\n")
    said = "kvplan: error: request 1: a prompt of 200,000 tokens leaves no room for output within max_model_len 131,072\n"
    for cmd in (["fit", "llama-3.1-8b", "--gpu", "h100", "--trace", str(long_prompt)],
                ["simulate", "llama-3.1-8b", "--gpu", "h100", "--trace", str(long_prompt)]):
        r = run(*cmd)
        assert r.exit_code == 2 and r.output == said, cmd
    r = run("fit", "llama-3.1-8b", "--gpu", "h100", "--trace", str(long_output), "--json")
    assert r.exit_code == 0 and '"outputs_cut": 1' in r.stdout and json.loads(r.stdout)
    r = run("fit", "llama-3.1-8b", "--gpu", "h100", "--trace", str(long_output))
    assert r.exit_code == 0 and "1 requests' output cut to fit max_model_len 131,072 (as vLLM caps" in \
        " ".join(r.output.split())


# A profile of step_scale 1e-300 (not one check-bench wrote) priced perf's decode step at 0.000 ms
# and printed a tokens/s line of 300 digits, past 80 columns; its scale must be one calibrate fits.
def test_a_profile_scale_outside_what_calibrate_fits_is_refused(tmp_path):
    from kvplan.plan.latency.calibrate import KIND, SCALE_RANGE, load_profile

    assert SCALE_RANGE == (0.125, 8.0)
    for s in SCALE_RANGE:
        assert load_profile({"kind": KIND, "step_scale": s})["step_scale"] == s  # the ends are taken
    f = tmp_path / "p.yaml"
    for text, shown in (("1.0e-300", "1e-300"), ("0.12", "0.12"), ("8.5", "8.5")):  # YAML 1.1: a float has a dot
        f.write_text(f"kind: {KIND}\nstep_scale: {text}\n")
        r = run("perf", "llama-3.1-8b", "--gpu", "h100", "--ctx", "4k", "--profile", str(f))
        assert r.exit_code == 2 and r.output == (
            f"kvplan: error: --profile: step_scale {shown} is outside the 0.125 to 8 that check-bench --calibrate "
            "fits\n")
