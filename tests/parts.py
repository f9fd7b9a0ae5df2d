"""The real parts the tests need (Postgres, redis-server, Chromium, Node): required in CI, fallbacks elsewhere.

When `CI` is set, a missing part fails the run at once with a clear message; it is never a skip or a fallback.
On a developer's machine the tests fall back (Redis: in-process fakeredis; Chromium: browser tests skipped; Node:
the typed client's tests skipped) and
the run ends with one line that says so.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

CHROMIUM = Path("/usr/bin/chromium")
CLIENT = Path(__file__).resolve().parents[1] / "clients" / "mimi-api"
INSTALL_HINT = "`make test` installs it with apt; see the apt messages above"


def in_ci() -> bool:
    """True on CI, where every part must be present."""
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def missing_parts() -> list[str]:
    """Each real part that is not on this machine, with what the tests would do without it."""
    from mimi_local.pg import find_bin_dir

    missing = []
    try:
        find_bin_dir()
    except RuntimeError:
        missing.append("Postgres binaries (initdb/pg_ctl): no database tests can run")
    if shutil.which("redis-server") is None:
        missing.append("redis-server: Redis tests use the in-process fakeredis instead")
    if not CHROMIUM.exists():
        missing.append(f"Chromium ({CHROMIUM}): browser tests are skipped")
    if not node_ready():
        missing.append(
            "Node.js/npm (or clients/mimi-api's npm ci): the typed client's tests are skipped"
        )
    return missing


def node_ready() -> bool:
    """Node and npm on PATH, and the client's packages installed from its lock (`make test` runs npm ci)."""
    return (
        shutil.which("node") is not None
        and shutil.which("npm") is not None
        and (CLIENT / "node_modules" / ".bin" / "openapi-typescript").exists()
    )


def node_or_skip() -> None:
    """A test that runs the client's tools: skipped, as the fallback promises, without Node outside CI."""
    import pytest

    if not node_ready():
        if in_ci():
            pytest.fail(
                "Node.js/npm or the client's packages are missing on CI (" + INSTALL_HINT + ")"
            )
        pytest.skip(
            "Node.js/npm or clients/mimi-api/node_modules missing: the client's tests are skipped"
        )


def redis_server_or_skip() -> None:
    """A test of the real redis-server: skipped, as the fallback promises, when it is missing outside CI."""
    import pytest

    if shutil.which("redis-server") is None:
        if in_ci():
            pytest.fail("redis-server is missing on CI (" + INSTALL_HINT + ")")
        pytest.skip("redis-server is not installed: the Redis tests run on fakeredis only")
