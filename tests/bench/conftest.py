"""Benchmarks: `make bench` collects tests/bench/bench_*.py (kept out of `make test`)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from mimi_local.pg import free_port
from mimi_local.stack import LocalStack
from tests.conftest import _open_to_postgres

# The benches measure functions and the pipeline, not the limiters: every per-user and per-IP limit is lifted.
LIFTED = {
    "LOGIN_RATE_LIMIT": "100000",
    "READINGS_PER_MINUTE": "100000",
    "READINGS_PER_DAY": "100000",
    "LOG_LEVEL": "WARNING",
}


def pytest_collect_file(parent: pytest.Collector, file_path: Path) -> pytest.Module | None:
    """Collect bench_*.py modules like test modules."""
    if file_path.suffix == ".py" and file_path.name.startswith("bench_"):
        return pytest.Module.from_parent(parent, path=file_path)
    return None


@pytest.fixture(scope="session")
def bench_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    """One stack for every bench: the functions it runs in-process keep their clients (and its port) while warm."""
    data = tmp_path_factory.mktemp("bench")
    _open_to_postgres(data)
    local = LocalStack(data, port=free_port(), qstash_backoff_scale=0.01, extra_env=LIFTED)
    saved = dict(os.environ)
    local.start()
    with psycopg.connect(
        local.pg.dsn(), autocommit=True
    ) as conn:  # the same limits hold in SQL (0011): lift them
        conn.execute(
            "update public.app_settings set value = 100000 where key in "
            "('readings_per_minute', 'readings_per_day', 'payments_per_minute', 'payments_per_day')"
        )
    yield local
    local.stop()
    os.environ.clear()
    os.environ.update(saved)
