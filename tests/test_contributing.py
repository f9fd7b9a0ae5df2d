"""docs/contributing.md stays true: every path, `make` target and `python -m` module it names exists."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOC = (ROOT / "docs" / "contributing.md").read_text(encoding="utf-8")
# a repository path, not the tail of a URL path (`$API/functions/credits/referral`) nor a placeholder's folder
PATH = re.compile(r"(?<![\w/$.<])(?:lib|tests|functions|sql|docs|clients)/[\w./-]*[\w/]")
TOP_FILES = re.compile(r"\b(serverless\.yml|pyproject\.toml|openapi\.json|README\.md|Makefile)\b")
MAKE = re.compile(r"\bmake ([a-z][\w-]*)")
MODULE = re.compile(r"python -m ([\w.]+)")


def test_every_path_it_names_exists() -> None:
    named = set(PATH.findall(DOC)) | set(TOP_FILES.findall(DOC))
    assert len(named) > 30
    assert sorted(p for p in named if not (ROOT / p).exists()) == []


def test_every_make_target_it_names_exists() -> None:
    targets = set(re.findall(r"^([a-z][\w-]*):", (ROOT / "Makefile").read_text(), re.M))
    named = set(MAKE.findall(DOC))
    assert {"dev", "test", "lint", "openapi", "mutate", "deploy-check"} <= named
    assert sorted(named - targets) == []


def test_every_module_it_runs_exists() -> None:
    modules = set(MODULE.findall(DOC))
    assert modules
    assert sorted(m for m in modules if importlib.util.find_spec(m) is None) == []


def test_every_mutant_it_runs_exists() -> None:
    from tests.mutation.catalogue import MUTANTS

    named = set(re.findall(r"make mutate ARGS=\"--only ([\w-]+)", DOC))
    assert named
    assert sorted(named - {m.name for m in MUTANTS}) == []


def test_the_readme_links_it() -> None:
    assert "(docs/contributing.md)" in (ROOT / "README.md").read_text(encoding="utf-8")


def test_the_path_pattern_skips_urls_and_placeholders() -> None:
    text = "`$API/functions/credits/referral` at `/functions/<name>/`, see lib/mimi/db.py."
    assert PATH.findall(text) == ["lib/mimi/db.py"]
