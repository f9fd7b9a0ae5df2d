"""CI cannot pass with a real part missing; a laptop run announces its fallbacks in one line."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _pytest_without_redis(ci: str | None) -> subprocess.CompletedProcess[str]:
    """Run one fast test module with a PATH that has no redis-server on it."""
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    env["PATH"] = str(Path(sys.executable).parent)
    if ci is not None:
        env["CI"] = ci
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "tests/test_layout.py",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_ci_run_fails_when_redis_server_is_missing() -> None:
    run = _pytest_without_redis("true")
    assert run.returncode != 0
    assert "CI is set and real parts are missing" in run.stdout + run.stderr
    assert "redis-server" in run.stdout + run.stderr


def test_laptop_run_passes_and_announces_the_fallback() -> None:
    run = _pytest_without_redis(None)
    assert run.returncode == 0, run.stdout + run.stderr
    last_lines = run.stdout.strip().splitlines()[-3:]
    assert any(
        line.startswith("FALLBACKS (not allowed on CI): redis-server") for line in last_lines
    ), run.stdout
