"""The stand-ins are one package per service, each independent of the stack that composes them."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

import mimi_local

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
ROOT = Path(mimi_local.__file__).parent


def _imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


@pytest.mark.parametrize("name", STAND_INS)
def test_stand_in_is_a_documented_package(name: str) -> None:
    package = importlib.import_module(f"mimi_local.{name}")
    assert package.__file__ is not None
    assert Path(package.__file__).name == "__init__.py"
    assert (package.__doc__ or "").strip()


@pytest.mark.parametrize("name", STAND_INS)
def test_stand_in_never_imports_the_stack(name: str) -> None:
    for path in (ROOT / name).glob("*.py"):
        imports = _imported_modules(path)
        assert "mimi_local.stack" not in imports, path
        assert "mimi_local.dev" not in imports, path


def test_no_flat_stand_in_modules_remain() -> None:
    flat = sorted(p.name for p in ROOT.glob("*.py") if p.stem.split("_")[0] in STAND_INS)
    assert flat == []
