"""Run the mutants: one scratch copy, one mutant at a time, only its named tests, a verdict per mutant."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

from mimi_local.pg import PgCluster
from tests.mutation.locate import Applied, Mutant, Stale, apply

COPIED = ("lib", "sql", "functions", "tests", "pyproject.toml")
SEED = ".pg-seed"  # an empty initdb'd cluster each test session copies instead of running initdb
TIMEOUT_S = 300
# A kill counts only when a test's own assertion failed (or an expected error was not raised); an exception
# escaping a test (a constraint error, a KeyError on a missing field) is a crash, not a kill.
ASSERTED = re.compile(
    r'^(failed on (setup|teardown) with "?)?(AssertionError|assert |Failed: DID NOT RAISE)'
)


@dataclass
class Case:
    test: str
    failed: bool
    asserted: bool
    message: str


@dataclass
class Verdict:
    mutant: Mutant
    status: str  # killed | survived | crashed | stale
    killer: str = ""
    detail: str = ""
    seconds: float = 0.0
    crashes: list[str] = field(default_factory=list)


def scratch_copy(root: Path) -> Path:
    """A copy of what the tests need, outside the working tree (which is never touched)."""
    scratch = Path(tempfile.mkdtemp(prefix="mimi-mutate-"))
    scratch.chmod(0o755)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", ".pytest_cache", "screenshots")
    for name in COPIED:
        source = root / name
        if source.is_dir():
            shutil.copytree(source, scratch / name, ignore=ignore)
        else:
            shutil.copy2(source, scratch / name)
    PgCluster(scratch / SEED).init()
    return scratch


def pytest(
    scratch: Path, tests: list[str], *, stop_first: bool, deselect: tuple[str, ...] = ()
) -> tuple[int, list[Case]]:
    """Run tests in the scratch copy with the project's venv; the exit code and one Case per test run."""
    junit = scratch / ".mutate-junit.xml"
    junit.unlink(missing_ok=True)
    env = {
        **os.environ,
        "PYTHONPATH": f"{scratch / 'lib'}{os.pathsep}{scratch}",
        "PYTHONDONTWRITEBYTECODE": "1",
        "MIMI_TEST_PG_SEED": str(scratch / SEED),
    }
    args = [
        sys.executable,
        "-m",
        "pytest",
        "-q",
        "--tb=no",
        "-p",
        "no:cacheprovider",
        f"--basetemp={scratch / '.tmp'}",
        f"--junitxml={junit}",
        *(["-x"] if stop_first else []),
        *(f"--deselect={test}" for test in deselect),
        *tests,
    ]
    try:
        code = subprocess.run(
            args, cwd=scratch, env=env, capture_output=True, timeout=TIMEOUT_S
        ).returncode
    except subprocess.TimeoutExpired:
        return -1, []
    return code, _cases(junit) if junit.exists() else []


def _cases(junit: Path) -> list[Case]:
    cases = []
    for testcase in ET.parse(junit).iter("testcase"):
        test = testcase.get("classname", "").replace(".", "/") + ".py::" + testcase.get("name", "")
        problems = [child for child in testcase if child.tag in ("failure", "error")]
        message = problems[0].get("message", "") if problems else ""
        asserted = any(ASSERTED.match(p.get("message", "")) for p in problems)
        cases.append(
            Case(test, bool(problems), asserted, message.splitlines()[0][:160] if message else "")
        )
    return cases


def judge(scratch: Path, mutant: Mutant) -> Verdict:
    """Apply the mutant, run its tests (stopping at the first failure), restore the file."""
    started = time.monotonic()
    try:
        applied = apply(scratch, mutant)
    except Stale as exc:
        return Verdict(mutant, "stale", detail=str(exc))
    applied.path.write_text(applied.mutated)
    try:
        verdict = _run(scratch, mutant)
    finally:
        applied.path.write_text(applied.original)
    verdict.seconds = time.monotonic() - started
    return verdict


def _run(scratch: Path, mutant: Mutant) -> Verdict:
    code, cases = pytest(scratch, list(mutant.kills), stop_first=True)
    if code in (4, 5) or (code == 0 and not cases):
        return Verdict(mutant, "stale", detail=f"its tests were not found (pytest exit {code})")
    if code == -1:
        return Verdict(mutant, "crashed", detail=f"timed out after {TIMEOUT_S} s")
    crashed = tuple(c.test for c in cases if c.failed and not c.asserted)
    if crashed and not any(
        c.asserted for c in cases
    ):  # a crash stopped the run: try the other tests too
        code, more = pytest(scratch, list(mutant.kills), stop_first=False, deselect=crashed)
        cases = [c for c in cases if c.failed] + more
    killer = next((c for c in cases if c.asserted), None)
    if killer:
        return Verdict(mutant, "killed", killer.test, killer.message, crashes=list(crashed))
    failed = [c for c in cases if c.failed]
    if failed:
        return Verdict(
            mutant,
            "crashed",
            detail=f"{failed[0].test}: {failed[0].message}",
            crashes=list(crashed),
        )
    return Verdict(mutant, "survived", detail=f"{len(cases)} tests passed")


def baseline(scratch: Path, mutants: list[Mutant]) -> list[Case]:
    """Every named test on the unmutated copy: each must pass, or a kill would mean nothing."""
    tests = sorted({test for m in mutants for test in m.kills})
    code, cases = pytest(scratch, tests, stop_first=False)
    failed = [c for c in cases if c.failed]
    if code != 0 and not failed:
        failed = [
            Case(" ".join(tests), True, False, f"pytest exit {code} (a named test does not exist?)")
        ]
    return failed


def dry_run(root: Path, mutants: list[Mutant]) -> list[Verdict]:
    """The mutants that no longer apply to the code (checked before anything runs)."""
    stale = []
    for mutant in mutants:
        try:
            applied: Applied = apply(root, mutant)
            assert applied.mutated != applied.original
        except Stale as exc:
            stale.append(Verdict(mutant, "stale", detail=str(exc)))
    return stale
