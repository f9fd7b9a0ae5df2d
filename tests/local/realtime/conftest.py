"""Test-only ownership and policies on realtime.messages for `probe:<id>` topics, shaped as the real `reading:<id>`
policy will be: a user may join (and, with the insert policy, send on) the topic of a row they own."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import psycopg
import pytest

OWNS_TOPIC = """exists (
    select 1 from realtime_probe.owned o where (select realtime.topic()) = 'probe:' || o.id
  )"""

SETUP = f"""
create schema realtime_probe;
grant usage on schema realtime_probe to authenticated;
create table realtime_probe.owned (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null
);
comment on table realtime_probe.owned is 'Rows whose owners may use the realtime topic probe:<id> (tests only).';
alter table realtime_probe.owned enable row level security;
create policy "Users can read what they own" on realtime_probe.owned
  for select to authenticated using ((select auth.uid()) = user_id);
grant select on realtime_probe.owned to authenticated;
create policy "Owners can receive broadcasts on their probe topic" on realtime.messages
  for select to authenticated using (extension = 'broadcast' and {OWNS_TOPIC});
"""
TEARDOWN = """
drop policy if exists "Owners can send broadcasts on their probe topic" on realtime.messages;
drop policy "Owners can receive broadcasts on their probe topic" on realtime.messages;
drop schema realtime_probe cascade;
"""
INSERT_POLICY = f"""
create policy "Owners can send broadcasts on their probe topic" on realtime.messages
  for insert to authenticated with check (extension = 'broadcast' and {OWNS_TOPIC});
"""


@pytest.fixture(scope="module")
def probe(sql: psycopg.Connection[dict[str, Any]]) -> Iterator[Callable[[str], str]]:
    """own(user_id) -> a topic `probe:<id>` only that user may join."""
    sql.execute(SETUP)

    def own(user_id: str) -> str:
        row = sql.execute(
            "insert into realtime_probe.owned (user_id) values (%s) returning id", (user_id,)
        ).fetchone()
        assert row is not None
        return f"probe:{row['id']}"

    yield own
    sql.execute(TEARDOWN)


@pytest.fixture
def insert_policy(sql: psycopg.Connection[dict[str, Any]], probe: Any) -> Iterator[None]:
    """Owners may also send on their probe topic (the INSERT policy a client broadcast needs)."""
    sql.execute(INSERT_POLICY)
    yield
    sql.execute(
        'drop policy "Owners can send broadcasts on their probe topic" on realtime.messages'
    )
