"""The package's shape (issue 19): imports run one way, model <- sources <- engines <- plan <-
observe/render/validate <- api <- cli, with no cycle, counting the imports inside functions;
no module over 500 lines and no function over 80."""
import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PKG = ROOT / "kvplan"

# the layer of each top-level part: a module may import its own layer or lower ones only
LAYERS = {"errors": 0, "units": 0, "model": 0, "sources": 1, "engines": 2, "plan": 3,
          "observe": 4, "render": 4, "validate": 4, "api": 5, "__init__": 5, "__main__": 7, "cli": 6}


def _name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules() -> dict[str, Path]:
    return {_name(p): p for p in PKG.rglob("*.py")}


def _imports(mod: str, path: Path, known: set[str]) -> set[str]:
    """Every kvplan module ``mod`` imports, at the top or inside a function."""
    pkg = mod if path.name == "__init__.py" else mod.rpartition(".")[0]
    out = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = pkg.split(".")
                base = base[: len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if not target.startswith("kvplan"):
                continue
            for a in node.names:  # `from . import x` imports the module x
                out.add(f"{target}.{a.name}" if f"{target}.{a.name}" in known else target)
        elif isinstance(node, ast.Import):
            out |= {a.name for a in node.names if a.name.startswith("kvplan")}
    return {m for m in out if m in known and m != mod}


def _layer(mod: str) -> int:
    part = mod.split(".")[1] if "." in mod else "__init__"
    return LAYERS[part]


def _graph() -> dict[str, set[str]]:
    mods = _modules()
    return {m: _imports(m, p, set(mods)) for m, p in mods.items()}


def test_every_part_has_a_layer():
    assert {(m.split(".") + ["__init__"])[1] for m in _modules()} <= set(LAYERS)


def test_imports_run_one_way():
    upward = [f"{m} -> {d}" for m, deps in _graph().items() for d in deps if _layer(d) > _layer(m)]
    assert not upward, "imports against the layering:\n" + "\n".join(sorted(upward))


def test_no_import_cycle():
    graph = _graph()
    # a package's __init__ importing its own submodules (a registry, re-exports) is not a cycle
    # with them unless a submodule imports the package back
    seen, on_stack, cycles = set(), [], []

    def visit(m):
        if m in on_stack:
            cycles.append(" -> ".join(on_stack[on_stack.index(m):] + [m]))
            return
        if m in seen:
            return
        seen.add(m)
        on_stack.append(m)
        for d in sorted(graph[m]):
            visit(d)
        on_stack.pop()

    for m in sorted(graph):
        visit(m)
    assert not cycles, "import cycles:\n" + "\n".join(cycles)


def test_no_module_over_500_lines():
    long = {m: n for m, p in _modules().items() if (n := len(p.read_text().splitlines())) > 500}
    assert not long, f"split by responsibility: {long}"


@pytest.mark.parametrize("limit", [80])
def test_no_function_over_80_lines(limit):
    long = []
    for m, p in _modules().items():
        for node in ast.walk(ast.parse(p.read_text())):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                # the body: a CLI command's option list is its signature, not its logic
                start = node.body[0].lineno
                if isinstance(node.body[0], ast.Expr) and isinstance(getattr(node.body[0], "value", None),
                                                                     ast.Constant):
                    start = node.body[1].lineno if len(node.body) > 1 else node.end_lineno
                n = node.end_lineno - start + 1
                if n > limit:
                    long.append(f"{m}.{node.name}: {n} lines")
    assert not long, "\n".join(long)


def test_no_api_name_shadows_a_subpackage():
    import kvplan

    subpackages = {p.parent.name for p in PKG.glob("*/__init__.py")} | {p.stem for p in PKG.glob("*.py")}
    assert not set(kvplan.__all__) & subpackages


def test_tests_mirror_the_package():
    # tests/<part>/ for each part of kvplan they test; data, fixtures and goldens stay where they are
    folders = {p.name for p in (ROOT / "tests").iterdir() if p.is_dir() and any(p.glob("test_*.py"))}
    assert folders <= set(LAYERS), folders - set(LAYERS)
    loose = sorted(p.name for p in (ROOT / "tests").glob("test_*.py"))
    assert loose == ["test_architecture.py", "test_packaging.py"], loose


# What the CLI may import besides the API: presentation (render), its own parsers (units, errors),
# torch's validate, and the engines' own flag vocabularies (each engine owns its flag names)
CLI_MAY_IMPORT = ("kvplan.api", "kvplan.errors", "kvplan.units", "kvplan.render", "kvplan.validate", "kvplan.cli",
                  "kvplan.engines.vllm.flags", "kvplan.engines.tier_flags", "kvplan.engines.vllm.speculative",
                  "kvplan.engines.vllm", "kvplan.plan.verdict", "kvplan.model.frozen", "kvplan.model.dtypes")


def test_the_cli_goes_through_the_api():
    graph = _graph()
    other = sorted(f"{m} -> {d}" for m, deps in graph.items() if m.startswith("kvplan.cli")
                   for d in deps if d != "kvplan" and not d.startswith(CLI_MAY_IMPORT))
    assert not other, "the CLI calls kvplan.api, not the layers below it:\n" + "\n".join(other)
