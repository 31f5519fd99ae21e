"""Run the README's ```console examples and check or rewrite their output.

    python scripts/readme_examples.py          # rewrite README.md in place
    python scripts/readme_examples.py --check  # exit 1 if any output drifted

Each example is a line ``$ kvplan ARGS`` (optionally after ``VAR=value`` assignments) followed by its output (stdout, then stderr), up to
the next ``$`` line or the end of the block. Commands run as ``python -m kvplan`` with
COLUMNS=140, so tables render the same everywhere. tests/test_readme.py runs the check.
"""
from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
BLOCK = re.compile(r"```console\n(.*?)```", re.S)


def run(cmdline: str) -> str:
    """``[VAR=value ...] kvplan ARGS`` (a leading assignment sets the environment, as a shell does)."""
    args = shlex.split(cmdline)
    env = {**os.environ, "COLUMNS": "140", "NO_COLOR": "1", "TERM": "dumb"}
    while args and re.fullmatch(r"[A-Z_][A-Z0-9_]*=.*", args[0]):
        k, v = args.pop(0).split("=", 1)
        env[k] = v
    assert args[0] == "kvplan", cmdline
    p = subprocess.run([sys.executable, "-m", "kvplan", *args[1:]], capture_output=True, text=True,
                       env=env, cwd=ROOT)
    out = p.stdout + p.stderr
    if p.returncode:
        out += f"(exit {p.returncode})\n"
    return out


def examples(text: str):
    """(command, recorded output) for every ``$ kvplan`` line in a console block."""
    for block in BLOCK.findall(text):
        parts = re.split(r"^\$ (.*)\n", block, flags=re.M)
        for cmd, out in zip(parts[1::2], parts[2::2]):
            yield cmd, out


def render(text: str) -> str:
    def fix(m):
        parts = re.split(r"^\$ (.*)\n", m.group(1), flags=re.M)
        body = parts[0] + "".join(f"$ {cmd}\n{run(cmd)}" for cmd in parts[1::2])
        return f"```console\n{body}```"

    return BLOCK.sub(fix, text)


if __name__ == "__main__":
    text = README.read_text()
    if "--check" in sys.argv:
        bad = [cmd for cmd, out in examples(text) if run(cmd) != out]
        print("\n".join(f"drifted: {c}" for c in bad) or "README examples are up to date")
        sys.exit(1 if bad else 0)
    README.write_text(render(text))
