"""Outside CI, a machine without redis-server runs the tests on fakeredis, as the README promises."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def path_without(tmp_path: Path, *names: str) -> str:
    """A PATH like this one's, where the named programs are not found."""
    shadow = tmp_path / "bin"
    shadow.mkdir()
    for folder in os.environ["PATH"].split(os.pathsep):
        for program in Path(folder).glob("*") if Path(folder).is_dir() else ():
            target = shadow / program.name
            if program.name not in names and not target.exists():
                target.symlink_to(program)
    return str(shadow)


def test_without_redis_server_the_redis_tests_fall_back_to_fakeredis(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    env |= {"PATH": path_without(tmp_path, "redis-server"), "TMPDIR": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/local/redis"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout[-3000:]
    summary = done.stdout.strip().splitlines()
    assert "FALLBACKS (not allowed on CI): redis-server" in done.stdout
    assert " error" not in summary[-1] and " failed" not in summary[-1], summary[-1]
    assert " skipped" in summary[-1]
    # where the README says the line is: before pytest's short test summary (the skips) and its count line
    fallbacks = next(i for i, line in enumerate(summary) if line.startswith("FALLBACKS"))
    short = next(i for i, line in enumerate(summary) if "short test summary info" in line)
    assert fallbacks < short < len(summary) - 1
