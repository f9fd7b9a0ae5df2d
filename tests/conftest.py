"""Session-wide real services: one private Postgres cluster with every migration applied."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from mimi.migrations import migrate
from mimi_local.pg import PgCluster, free_port
from tests.parts import INSTALL_HINT, in_ci, missing_parts

if (
    TYPE_CHECKING
):  # imported where used: the stack's imports cost seconds that SQL-only sessions need not pay
    from mimi_local.stack import LocalStack

# fixtures other folders share (sql, env, quiet_pipeline): registered once here rather than imported with noqa
pytest_plugins = ("tests.functions.fixtures",)

MISSING = pytest.StashKey[list[str]]()


def pytest_sessionstart(session: pytest.Session) -> None:
    """On CI a missing part fails the run before any test: never a silent skip or fallback."""
    missing = missing_parts()
    session.config.stash[MISSING] = missing
    if missing and in_ci():
        raise pytest.UsageError(
            "CI is set and real parts are missing ("
            + INSTALL_HINT
            + "):\n  "
            + "\n  ".join(missing)
        )


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Outside CI, fallbacks are announced in one line at the end of the summary."""
    missing = terminalreporter.config.stash.get(MISSING, [])
    if missing:
        terminalreporter.write_line(
            "FALLBACKS (not allowed on CI): " + "; ".join(missing), yellow=True, bold=True
        )


def _open_to_postgres(root: Path) -> None:
    """The postgres user must be able to reach a data dir under pytest's tmp folders."""
    os.chmod(root, 0o755)
    for parent in Path(root).parents:
        if str(parent).startswith("/tmp/") and parent.stat().st_mode & 0o005 != 0o005:
            os.chmod(parent, parent.stat().st_mode | 0o005)


def _from_seed(datadir: Path) -> None:
    """A copy of an empty initdb'd cluster when MIMI_TEST_PG_SEED names one (initdb is most of a short session)."""
    seed = os.environ.get("MIMI_TEST_PG_SEED")
    if seed and not datadir.exists():
        subprocess.run(["cp", "-a", seed, str(datadir)], check=True)


@pytest.fixture(scope="session")
def pg(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PgCluster]:
    root = tmp_path_factory.mktemp("pg")
    _open_to_postgres(root)
    _from_seed(root / "data")
    cluster = PgCluster(root / "data")
    cluster.start()
    migrate(cluster.dsn(), local=True)
    yield cluster
    cluster.stop()


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    """The whole local stack (as `make dev` runs it) on a free port, with fast QStash retries."""
    from mimi_local.stack import LocalStack

    data = tmp_path_factory.mktemp("stack")
    _open_to_postgres(data)
    # every test client is 127.0.0.1: the per-IP login limit is tested on its own with other IPs
    _from_seed(data / "postgres")
    local = LocalStack(
        data, port=free_port(), qstash_backoff_scale=0.01, extra_env={"LOGIN_RATE_LIMIT": "100000"}
    )
    local.start()
    yield local
    local.stop()
