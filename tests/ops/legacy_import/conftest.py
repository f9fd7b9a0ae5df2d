"""Legacy import fixtures: a superuser connection to the migrated test database and a seeded old database."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from mimi_local.pg import PgCluster
from tests.ops.legacy_import.legacy_support import Seeded, legacy_database, seed


@pytest.fixture
def legacy(pg: PgCluster) -> Iterator[tuple[str, Seeded]]:
    """A fresh old database (its DSN) seeded with every case, and what was seeded."""
    with legacy_database(pg) as dsn:
        yield dsn, seed(dsn)
