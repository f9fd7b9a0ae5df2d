"""Fixtures shared across test folders, loaded once by tests/conftest.py's `pytest_plugins` (never imported)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import psycopg
import pytest
from psycopg.rows import dict_row

from mimi.config import get_settings
from tests.functions.readings_support import dispatcher

if TYPE_CHECKING:  # annotations only: SQL-only test sessions need not import the stack
    from mimi_local.pg import PgCluster
    from mimi_local.stack import LocalStack


@pytest.fixture(scope="module")
def db(pg: PgCluster) -> Iterator[psycopg.Connection[dict[str, Any]]]:
    """A superuser connection to the session's Postgres (no stack); the ledger invariant is checked at the end."""
    with psycopg.connect(pg.dsn(), autocommit=True, row_factory=dict_row) as conn:
        yield conn
        mismatches = conn.execute("select * from public.ledger_mismatches()").fetchall()
        assert mismatches == [], f"ledger invariant broken: {mismatches}"


@pytest.fixture(scope="module")
def sql(stack: LocalStack) -> Iterator[psycopg.Connection[dict[str, Any]]]:
    """A superuser connection to the stack's database."""
    with psycopg.connect(stack.pg.dsn(), autocommit=True, row_factory=dict_row) as conn:
        yield conn


@pytest.fixture
def quiet_pipeline(stack: LocalStack) -> Iterator[None]:
    """Each test starts with a healthy LLM stand-in and leaves no QStash delivery running behind it."""
    stack.state["openai"].reset()
    yield
    stack.state["openai"].reset()
    dispatcher(stack).wait_idle(60)


@pytest.fixture(name="env")
def env_fixture(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., None]]:
    """Change settings through the environment for one test; the functions see it at once, and it is undone."""

    def configure(**variables: str) -> None:
        for name, value in variables.items():
            monkeypatch.setenv(name, value)
        get_settings.cache_clear()

    yield configure
    monkeypatch.undo()
    get_settings.cache_clear()
