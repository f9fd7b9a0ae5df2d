"""The layout: mimi_local and mimi_ops each import mimi, never each other; no package imports itself in a circle;
the stand-ins are one package per service, each independent of the stack that composes them."""

from __future__ import annotations

import ast
import importlib
import importlib.util
from collections.abc import Iterator
from pathlib import Path

import pytest

LIB = Path(__file__).resolve().parents[1] / "lib"
PACKAGES = ("mimi", "mimi_local", "mimi_ops")
# Whom each package may import, of the three (tests may import any).
MAY_IMPORT = {
    "mimi": {"mimi"},
    "mimi_local": {"mimi", "mimi_local"},
    "mimi_ops": {"mimi", "mimi_ops"},
}
STAND_INS = [
    "gateway",
    "redis",
    "qstash",
    "stripe",
    "line",
    "openai",
    "realtime",
    "console",
    "secrets_extension",
]
LOCAL = LIB / "mimi_local"


def module_name(path: Path) -> str:
    parts = path.relative_to(LIB).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules(package: str) -> list[Path]:
    return sorted((LIB / package).rglob("*.py"))


def imported(path: Path, type_only: bool = True) -> Iterator[tuple[int, str]]:
    """Every module a file of lib/ imports (see imports_in); without those under `if TYPE_CHECKING:` when asked."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    source = path.read_text(encoding="utf-8")
    found = imports_in(source, package)
    if type_only:
        return found
    typing_lines = {line for line, _ in imports_in(_type_checking_blocks(source), package)}
    return ((line, target) for line, target in found if line not in typing_lines)


def _type_checking_blocks(source: str) -> str:
    """The source with everything but its `if TYPE_CHECKING:` blocks blanked (line numbers kept)."""
    keep: set[int] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.If) and ast.unparse(node.test).endswith("TYPE_CHECKING"):
            for inner in node.body:
                keep.update(range(inner.lineno, (inner.end_lineno or inner.lineno) + 1))
    lines = source.splitlines()
    return "\n".join(line.strip() if i + 1 in keep else "" for i, line in enumerate(lines))


def imports_in(source: str, package: str) -> Iterator[tuple[int, str]]:
    """Every module a module of `package` imports, wherever the statement is (inside a function or `if
    TYPE_CHECKING:` too), relative imports resolved, and `importlib.import_module("...")` with a literal name."""
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            yield from ((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            yield from ((node.lineno, _submodule(base, alias.name)) for alias in node.names)
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute | ast.Name)
            and getattr(node.func, "attr", getattr(node.func, "id", "")) == "import_module"
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            yield node.lineno, node.args[0].value


def _submodule(base: str, name: str) -> str:
    """`from base import name`: the module base.name when it is one, else base."""
    candidate = LIB.joinpath(*f"{base}.{name}".split("."))
    if candidate.with_suffix(".py").is_file() or (candidate / "__init__.py").is_file():
        return f"{base}.{name}"
    return base


@pytest.mark.parametrize("package", PACKAGES)
def test_a_package_imports_only_what_it_may(package: str) -> None:
    crossing = [
        f"{path.relative_to(LIB)}:{line} imports {target}"
        for path in modules(package)
        for line, target in imported(path)
        if target.split(".")[0] in PACKAGES and target.split(".")[0] not in MAY_IMPORT[package]
    ]
    assert crossing == []


def test_the_layout_check_sees_an_import_wherever_it_hides() -> None:
    source = (
        "from typing import TYPE_CHECKING\nimport importlib\n"
        "if TYPE_CHECKING:\n    from mimi_local.pg import PgCluster\n"
        "def f() -> None:\n    import mimi_local.stack\n    importlib.import_module('mimi_local.dev')\n"
        "from .. import migrate\nfrom . import report\n"
    )
    found = {target for _, target in imports_in(source, "mimi_ops.eval")}
    assert found == {
        "typing",
        "importlib",
        "mimi_local.pg",
        "mimi_local.stack",
        "mimi_local.dev",
        "mimi_ops.migrate",
        "mimi_ops.eval.report",
    }


def import_graph(package: str, type_only: bool = True) -> dict[str, set[str]]:
    """Each module of a package -> the modules of the same package it imports."""
    graph: dict[str, set[str]] = {}
    for path in modules(package):
        graph[module_name(path)] = {
            target for _, target in imported(path, type_only) if target.split(".")[0] == package
        }
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The import circles of a graph (one path each), by depth-first search."""
    found: list[list[str]] = []
    done: set[str] = set()

    def visit(node: str, path: list[str]) -> None:
        if node in path:
            found.append([*path[path.index(node) :], node])
            return
        if node in done:
            return
        for target in sorted(graph.get(node, ())):
            visit(target, [*path, node])
        done.add(node)

    for node in sorted(graph):
        visit(node, [])
    return found


def test_no_ops_module_imports_itself_in_a_circle_not_even_for_types() -> None:
    assert cycles(import_graph("mimi_ops")) == []


def test_no_local_module_imports_itself_in_a_circle_when_it_runs() -> None:
    # The Realtime stand-in's channel, socket and server name each other's classes under `if TYPE_CHECKING:`
    # (type-only back-references, never executed); every other local module would pass the stricter check.
    assert cycles(import_graph("mimi_local", type_only=False)) == []
    assert {m for c in cycles(import_graph("mimi_local")) for m in c} <= {
        "mimi_local.realtime.channel",
        "mimi_local.realtime.socket",
        "mimi_local.realtime.server",
    }


def test_the_circle_check_finds_a_circle_also_one_for_types_only() -> None:
    graph = {"p.report": {"p.run"}, "p.run": {"p.report", "p.checks"}, "p.checks": set()}
    assert cycles(graph) == [["p.report", "p.run", "p.report"]]
    source = "from typing import TYPE_CHECKING\nimport p.a\nif TYPE_CHECKING:\n    import p.b\n"
    assert _type_checking_blocks(source).splitlines()[3] == "import p.b"


@pytest.mark.parametrize("name", STAND_INS)
def test_stand_in_is_a_documented_package(name: str) -> None:
    package = importlib.import_module(f"mimi_local.{name}")
    assert package.__file__ is not None
    assert Path(package.__file__).name == "__init__.py"
    assert (package.__doc__ or "").strip()


@pytest.mark.parametrize("name", STAND_INS)
def test_stand_in_never_imports_the_stack(name: str) -> None:
    for path in (LOCAL / name).glob("*.py"):
        targets = {target for _, target in imported(path)}
        assert "mimi_local.stack" not in targets, path
        assert "mimi_local.dev" not in targets, path


def test_no_flat_stand_in_modules_remain() -> None:
    flat = sorted(p.name for p in LOCAL.glob("*.py") if p.stem.split("_")[0] in STAND_INS)
    assert flat == []
