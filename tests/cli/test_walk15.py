"""Session 15's walk as a new user at 80 columns: what it found, each checked through the CLI."""
import shlex

import pytest

from walk import run


# `kvplan plan` printed its launch commands whole: 158 columns for a disaggregated vLLM decode pool
# (--kv-transfer-config's JSON). They are folded with ` \` continuations at the terminal's width,
# breaking between arguments, so that each still pastes into a shell as one command.
PLAN = ["plan", "llama-3.1-8b", "--rate", "2", "--prompt-tokens", "512", "--output-tokens", "64", "--ttft-p90",
        "500", "--itl-p90", "50", "--gpus", "h100", "--tp", "1", "--requests", "30", "--workers", "1"]


def test_plan_launch_commands_fold_to_the_terminal_and_paste_whole():
    r = run(*PLAN)
    assert r.exit_code == 0, r.output
    lines = r.stdout.splitlines()
    assert max(map(len, lines)) <= 80, r.stdout
    folded, cmd = [], []
    for line in lines:  # each command: its lines up to the first without a continuation
        if line.startswith(("vllm ", "python -m sglang")) or cmd:
            cmd.append(line.removesuffix(" \\"))
            if not line.endswith(" \\"):
                folded.append(" ".join(cmd))
                cmd = []
    assert len(folded) == 3  # #1 aggregated; #2's prefill and decode pools
    from kvplan.engines.launch import serve_command

    assert shlex.split(folded[2]) == shlex.split(serve_command("vllm", "meta-llama/Meta-Llama-3.1-8B", 1, 32, "decode"))
    assert "  --kv-transfer-config '{\"kv_connector\":\"NixlConnector\",\"kv_role\":\"kv_both\"}'" in lines


@pytest.mark.parametrize("width", [40, 60, 80, 120])
def test_shell_lines_break_between_arguments_only(width):
    from kvplan.engines.launch import serve_command
    from kvplan.render.deploy import shell_lines

    for cmd in (serve_command("vllm", "meta-llama/Meta-Llama-3.1-8B", 2, 64, "decode", max_model_len=32768),
                serve_command("sglang", "Qwen/Qwen3-235B-A22B", 8, 256, "prefill")):
        lines = shell_lines(cmd, width)
        assert all(l.endswith(" \\") for l in lines[:-1]) and not lines[-1].endswith("\\")
        assert all(l.startswith("  ") for l in lines[1:]) and not lines[0].startswith(" ")
        assert shlex.split(" ".join(l.removesuffix(" \\") for l in lines)) == shlex.split(cmd)
        # an option stays beside its value unless the two are wider than a line
        for l, after in zip(lines, lines[1:]):
            last, nxt = l.removesuffix(" \\").split()[-1], after.split()[0]
            if last.startswith("--") and not nxt.startswith("-"):
                assert len(f"  {last} {nxt} \\") > width, lines
        assert all(len(l) <= width for l in lines if "'{" not in l and len(l.split()) > 1), lines
    assert shell_lines("vllm serve m/x --tensor-parallel-size 1", 80) == ["vllm serve m/x --tensor-parallel-size 1"]


# `kvplan perf --help` at 80 columns split its example mid-flag ("--batch-" / "table"), and `plan`'s
# ("--output-" / "tokens 250"): an example is a block of its own, folded with ` \` between
# arguments, so that it pastes into a shell as it is shown.
def _commands():
    from kvplan import cli

    return [c for commands in cli._MODULES.values() for c in commands]


def _example(help_text: str) -> str | None:
    lines = help_text.splitlines()
    at = next((i for i, line in enumerate(lines) if line.startswith("  Example:")), None)
    if at is None:
        return None
    body = [lines[at].removeprefix("  Example:").strip()]
    for line in lines[at + 1:]:
        if not line.strip():
            break
        body.append(line.strip().removesuffix(" \\"))
    return " ".join(b.removesuffix(" \\") for b in body if b)


@pytest.mark.parametrize("name", _commands())
def test_help_fits_80_columns_and_its_example_pastes(name):
    r = run(name, "--help")
    assert r.exit_code == 0, r.output
    assert max(map(len, r.stdout.splitlines())) <= 80, r.stdout
    example = _example(r.stdout)
    if example is None:
        return
    args = shlex.split(example)
    assert args[:2] == ["kvplan", name] and not any(a.endswith("-") for a in args), example
    if name in ("size", "fit", "perf", "compare"):  # quick ones: the example runs as shown
        done = run(*args[1:])
        assert done.exit_code in (0, 1, 3), done.output


def test_every_long_running_example_is_shown():
    examples = {n: _example(run(n, "--help").stdout) for n in ("simulate", "plan", "check-bench", "sweep")}
    assert examples == {
        "simulate": "kvplan simulate llama-3.1-8b --gpu h100 --rate 8 --prompt-tokens 2048 --output-tokens 250",
        "plan": "kvplan plan llama-3.1-8b --rate 8 --prompt-tokens 2048 --output-tokens 250 --ttft-p90 500 "
                "--itl-p90 50",
        "check-bench": "kvplan check-bench online.jsonl --model llama-3.1-70b --gpu h200 --tp 4 --engine sglang",
        "sweep": "kvplan sweep llama-3.1-8b --ctx 1k:128k --batch 1,8,32 --gpu h100 --plot kv.png"}


# `--seed -1` and `--shared-prefix -1` said "must be a positive whole number", though 0 is their
# default and is taken: the message says 0 or more (fit, simulate, plan).
@pytest.mark.parametrize("args", [
    ["fit", "llama-3.1-8b", "--gpu", "h100", "--ctx", "8k", "--lengths", "uniform:10-20"],
    ["simulate", "llama-3.1-8b", "--gpu", "h100", "--rate", "2", "--prompt-tokens", "100", "--output-tokens", "10",
     "--requests", "10"],
])
def test_seed_and_shared_prefix_take_zero_and_say_so(args):
    for flag in ("--seed", "--shared-prefix"):
        for extra in ([], ["--json"]):
            r = run(*args, flag, "-1", *extra)
            assert r.exit_code == 2 and r.output.count("\n") == 1, r.output
            assert r.output.startswith(f"kvplan: error: {flag} must be a whole number, 0 or more, got '-1'")
    r = run(*args, "--seed", "0", "--shared-prefix", "0", "--json")
    assert r.exit_code == 0, r.output


def test_units_count_with_zero():
    from kvplan.errors import KvplanError
    from kvplan.units import parse_count

    assert parse_count("0", "--seed", zero=True) == 0 and parse_count("4k", "--seed", zero=True) == 4000
    with pytest.raises(KvplanError, match=r"^--batch must be a positive whole number, got '0'"):
        parse_count("0", "--batch")


# `kvplan validate --ctx 1T` refused in one line but said "(4194304.00 GiB)": sizes in the
# refusal go through kvplan.units like every other (4 PiB).
def test_validate_refusal_sizes_have_units():
    from kvplan.errors import KvplanError
    from kvplan.validate.device import guard

    with pytest.raises(KvplanError) as e:
        guard("the cache", 2**52, 24 * 2**30, 2 * 2**30, "cpu")
    assert str(e.value).startswith("the cache needs 4,503,599,627,370,496 bytes (4 PiB), but the cpu has "
                                   "25,769,803,776 bytes free (24 GiB) less the 2 GiB safety margin")


# `kvplan size . --ctx 8` (a folder with no config.json) said "no such file: config.json", and
# check-bench on a binary file said "'utf-8' codec can't decode byte 0x82 in position 0".
def test_a_folder_without_a_config_and_a_binary_result_are_said_plainly(tmp_path):
    r = run("size", str(tmp_path), "--ctx", "8")
    assert r.exit_code == 2 and r.output == f"kvplan: error: no config.json in the folder {tmp_path}\n", r.output
    blob = tmp_path / "run.json"
    blob.write_bytes(b"\x82\x00\x01binary")
    for extra in ([], ["--json"]):
        r = run("check-bench", str(blob), "--gpu", "h100", "--model", "llama-3.1-8b", *extra)
        assert r.exit_code == 2 and r.output == (
            f"kvplan: error: {blob}: not UTF-8 text (a binary file: byte 0x82 at offset 0); a benchmark result "
            "must be UTF-8\n"), r.output


# `kvplan size llama-3.1-8b --ctx 8 --engine ''` (a shell variable left empty) ran with the default
# engine without a word, as did --weight-dtype '' in perf and --kv-dtype '' in sweep: an option
# given an empty value is one line, exit 2, in the console script (cli.main).
@pytest.mark.parametrize("args, option", [
    (["size", "llama-3.1-8b", "--ctx", "8", "--engine", ""], "--engine"),
    (["size", "llama-3.1-8b", "--ctx", "8", "--engine=", "--json"], "--engine"),
    (["perf", "llama-3.1-8b", "--gpu", "h100", "--ctx", "8", "--weight-dtype", ""], "--weight-dtype"),
    (["sweep", "llama-3.1-8b", "--ctx", "8", "--kv-dtype", ""], "--kv-dtype"),
    (["fit", "llama-3.1-8b", "--gpu", "h100", "--ctx", "8", "-b", ""], "-b"),
])
def test_an_option_given_an_empty_value_is_one_line(args, option):
    import subprocess
    import sys

    p = subprocess.run([sys.executable, "-m", "kvplan", *args], capture_output=True, text=True, timeout=120)
    assert p.returncode == 2 and p.stdout == ""
    assert p.stderr == f"kvplan: error: {option} is empty; give it a value or leave it out\n"


def test_an_empty_model_keeps_its_own_message():
    from kvplan import cli

    the_app = cli._for(["size", "", "--ctx", "8"])
    assert cli._empty_option(the_app, ["size", "", "--ctx", "8"]) is None  # MODEL: sources.catalog says it
    assert cli._empty_option(the_app, ["size", "--json", "", "--ctx", "8"]) is None  # --json takes no value
    assert cli._empty_option(the_app, ["size", "x", "--ctx", "8"]) is None
    assert cli._empty_option(the_app, ["size", "x", "--ctx", ""]) == "--ctx"
