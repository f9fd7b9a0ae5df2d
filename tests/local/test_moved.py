"""The old `python -m mimi_local.<tool>` names still work for one release: each says where it moved, then runs it."""

from __future__ import annotations

import importlib.util
import subprocess
import sys

import pytest

from mimi_local.moved import MOVED

SESSION_6543 = "postgresql://postgres.ref:pw@aws-0-ap-southeast-1.pooler.supabase.com:6543/postgres"


def old_name(name: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", f"mimi_local.{name}", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize("name", MOVED)
def test_every_moved_tool_has_its_old_name_and_its_new_home(name: str) -> None:
    assert importlib.util.find_spec(f"mimi_local.{name}") is not None
    assert importlib.util.find_spec(f"mimi_ops.{name}") is not None


def test_the_old_migrate_says_where_it_moved_then_runs_the_new_one() -> None:
    done = old_name("migrate", SESSION_6543)
    assert done.returncode == 1  # the new runner's refusal, before connecting
    moved, refusal = done.stderr.splitlines()[:2]
    assert "python -m mimi_local.migrate has moved to python -m mimi_ops.migrate" in moved
    assert "transaction pooler" in refusal and "pw" not in done.stderr


@pytest.mark.parametrize("name", ["admins", "legacy_import", "eval", "package", "openapi"])
def test_the_old_name_passes_its_arguments_to_the_new_command(name: str) -> None:
    done = old_name(name, "--help")
    assert done.returncode == 0, done.stderr
    assert f"has moved to python -m mimi_ops.{name}" in done.stderr
    assert "usage:" in done.stdout


@pytest.mark.parametrize("name", MOVED)
def test_importing_an_old_name_says_where_it_moved(name: str) -> None:
    with pytest.raises(ImportError, match=f"moved to mimi_ops.{name}"):
        importlib.import_module(f"mimi_local.{name}")
