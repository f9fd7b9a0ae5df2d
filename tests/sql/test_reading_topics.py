"""Who may hear a reading being written (0031): the RLS policies on realtime.messages, checked as Supabase Realtime
checks a private join, as the joining user's role with realtime.topic() set: only the reading's owner reads its
topic; any other topic is no error; nobody may send on a reading's topic."""

from __future__ import annotations

import json
import uuid
from typing import Any

import psycopg
import pytest

from tests.sql.conftest import call_as, login
from tests.sql.test_readings import submit

Conn = psycopg.Connection[dict[str, Any]]
ANY_TOPIC_INSERT = """create policy "test: anyone sends anywhere" on realtime.messages
  for insert to authenticated with check (true)"""


def as_joining(db: Conn, role: str, sub: str | None, topic: str) -> None:
    """Take the joining user's place inside the current transaction, as Realtime's authorisation does."""
    claims = {"role": role, **({"sub": sub} if sub else {})}
    db.execute("select set_config('realtime.topic', %s, true)", (topic,))
    db.execute("select set_config('request.jwt.claims', %s, true)", (json.dumps(claims),))
    db.execute(f"set local role {role}")


def can_read(
    db: Conn, topic: str, sub: str | None, role: str = "authenticated", extension: str = "broadcast"
) -> bool:
    """Whether the SELECT policies let this user see a row of the topic (the join's read check)."""
    with db.transaction(force_rollback=True):
        row = db.execute(
            "insert into realtime.messages (topic, extension, payload) values (%s, %s, '{}') returning id",
            (topic, extension),
        ).fetchone()
        as_joining(db, role, sub, topic)
        seen = db.execute("select count(*) as n from realtime.messages where id = %s", (row["id"],))
        return bool(seen.fetchone()["n"])


def send_as(db: Conn, topic: str, sub: str, *, open_policy: bool = False) -> str:
    """The SQLSTATE of a client broadcast (an insert as the user) on the topic ('ok' when allowed); rolled back."""
    with db.transaction(force_rollback=True):
        if open_policy:
            db.execute(ANY_TOPIC_INSERT)
        as_joining(db, "authenticated", sub, topic)
        try:
            with db.transaction():
                db.execute(
                    "insert into realtime.messages (topic, extension, payload, private)"
                    " values (%s, 'broadcast', '{}', true)",
                    (topic,),
                )
        except psycopg.Error as exc:
            return str(exc.diag.sqlstate)
    return "ok"


def reading_topic(db: Conn) -> tuple[str, str]:
    uid = login(db)["user"]["id"]
    return uid, f"reading:{submit(db, uid)['id']}"


def test_only_the_owner_reads_a_readings_topic(db: Conn) -> None:
    owner, topic = reading_topic(db)
    other = login(db)["user"]["id"]
    assert can_read(db, topic, owner) is True
    assert can_read(db, topic, other) is False
    assert can_read(db, topic, None, role="anon") is False
    assert can_read(db, topic, owner, extension="presence") is False


def test_a_deleted_reading_can_no_longer_be_heard(db: Conn) -> None:
    owner, topic = reading_topic(db)
    call_as(db, "authenticated", "select public.delete_reading(%s)", (topic[8:],), sub=owner)
    assert can_read(db, topic, owner) is False


@pytest.mark.parametrize(
    "topic",
    [
        "reading:nope",
        "reading:",
        f"reading:{uuid.uuid4()}x",
        f"reading:{str(uuid.uuid4()).upper()}",
        f"chat:{uuid.uuid4()}",
        "",
    ],
    ids=["not-a-uuid", "empty-id", "trailing", "uppercase", "other-prefix", "empty"],
)
def test_any_other_topic_is_false_here_and_never_an_error(db: Conn, topic: str) -> None:
    owner, mine = reading_topic(db)
    assert can_read(db, topic, owner) is False
    assert can_read(db, mine, owner) is True


def test_an_unknown_reading_id_is_nobodys(db: Conn) -> None:
    uid = login(db)["user"]["id"]
    assert can_read(db, f"reading:{uuid.uuid4()}", uid) is False


def test_nobody_may_send_on_a_readings_topic_even_where_another_policy_allows_sending(
    db: Conn,
) -> None:
    owner, topic = reading_topic(db)
    assert send_as(db, topic, owner) == "42501"
    assert send_as(db, topic, owner, open_policy=True) == "42501"
    assert send_as(db, f"chat:{uuid.uuid4()}", owner, open_policy=True) == "ok"
    assert (
        db.execute(
            "select count(*) as n from realtime.messages where topic = %s", (topic,)
        ).fetchone()["n"]
        == 0
    )
