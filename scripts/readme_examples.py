"""Run the ```console examples of README.md and docs/**/*.md and check or rewrite their output.

    python scripts/readme_examples.py                  # rewrite every page in place
    python scripts/readme_examples.py docs/commands/fit.md   # some pages
    python scripts/readme_examples.py --check          # exit 1 if any output drifted

Each example is a line ``$ kvplan ARGS`` (optionally after ``VAR=value`` assignments) followed by its
output (stdout, then stderr, then ``(exit N)`` when N is not 0), up to the next ``$`` line or the end
of the block. Commands run as ``python -m kvplan`` in the repository's root with COLUMNS=140, so
tables render the same everywhere. tests/cli/test_readme.py runs the check.
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


def pages() -> list[Path]:
    """Every page whose examples are real output: the README, then the docs site's pages."""
    return [README, *sorted((ROOT / "docs").rglob("*.md"))]


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


def main(argv: list[str]) -> int:
    check = "--check" in argv
    chosen = [ROOT / a for a in argv if a != "--check"] or pages()
    bad = []
    for page in chosen:
        text = page.read_text()
        if check:
            bad += [f"{page.relative_to(ROOT)}: {c}" for c, out in examples(text) if run(c) != out]
        else:
            new = render(text)
            if new != text:
                page.write_text(new)
                print(f"rewrote {page.relative_to(ROOT)}")
    if check:
        print("\n".join(f"drifted: {b}" for b in bad) or "examples are up to date")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
