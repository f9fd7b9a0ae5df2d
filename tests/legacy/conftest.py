"""Legacy import fixtures: a superuser connection to the migrated test database and a seeded old database."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from psycopg.rows import dict_row

from mimi_local.pg import PgCluster
from tests.legacy.legacy_support import Seeded, legacy_database, seed


@pytest.fixture(scope="module")
def db(pg: PgCluster) -> Iterator[psycopg.Connection[dict[str, Any]]]:
    with psycopg.connect(pg.dsn(), autocommit=True, row_factory=dict_row) as conn:
        yield conn
        mismatches = conn.execute("select * from public.ledger_mismatches()").fetchall()
        assert mismatches == [], f"ledger invariant broken: {mismatches}"


@pytest.fixture
def legacy(pg: PgCluster) -> Iterator[tuple[str, Seeded]]:
    """A fresh old database (its DSN) seeded with every case, and what was seeded."""
    with legacy_database(pg) as dsn:
        yield dsn, seed(dsn)
