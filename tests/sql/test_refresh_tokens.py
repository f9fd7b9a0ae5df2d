"""Refresh rotation in SQL: the same successor inside the reuse interval, the family revoked on any other reuse."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Any

import psycopg
import pytest

from tests.sql.conftest import call_as, line_id

Conn = psycopg.Connection[dict[str, Any]]
T0 = datetime.fromisoformat("2030-01-01T00:00:00+00:00")


def h() -> str:
    return secrets.token_hex(32)


def session(db: Conn) -> str:
    """A login's first refresh-token hash."""
    first = h()
    db.execute(
        "select public.login_line_user(%s, 'Dao', null, %s, 3600 * 24 * 365 * 10, null)",
        (line_id(), first),
    )
    return first


def rotate(db: Conn, old: str, new: str, at: datetime) -> Any:
    row = db.execute(
        "select private.rotate_refresh_token(%s, %s, 3600, %s) as uid", (old, new, at)
    ).fetchone()
    assert row
    return row["uid"]


def revoked(db: Conn, token_hash: str) -> bool:
    row = db.execute(
        "select revoked_at is not null as r from private.refresh_tokens where token_hash = %s",
        (token_hash,),
    ).fetchone()
    assert row
    return bool(row["r"])


def test_a_repeat_inside_the_interval_returns_the_same_successor_and_revokes_nothing(
    db: Conn,
) -> None:
    first, second = session(db), h()
    uid = rotate(db, first, second, T0)
    assert uid is not None
    assert rotate(db, first, second, T0 + timedelta(seconds=9.9)) == uid
    assert not revoked(db, first)
    assert not revoked(db, second)
    assert (
        db.execute(
            "select count(*) as n from private.refresh_tokens where token_hash = %s", (second,)
        ).fetchone()["n"]
        == 1
    )
    assert rotate(db, second, h(), T0 + timedelta(seconds=10)) == uid  # the successor still works


def test_a_repeat_after_the_interval_revokes_the_family(db: Conn) -> None:
    first, second = session(db), h()
    rotate(db, first, second, T0)
    assert rotate(db, first, second, T0 + timedelta(seconds=10)) is None
    assert revoked(db, first)
    assert revoked(db, second)
    with pytest.raises(psycopg.Error, match="refresh_token_invalid"):
        rotate(db, second, h(), T0 + timedelta(seconds=11))


def test_a_different_successor_inside_the_interval_is_reuse(db: Conn) -> None:
    first, second = session(db), h()
    rotate(db, first, second, T0)
    assert rotate(db, first, h(), T0 + timedelta(seconds=1)) is None
    assert revoked(db, second)


def test_the_interval_is_a_business_setting(db: Conn) -> None:
    row = db.execute(
        "select value from public.app_settings where key = 'refresh_reuse_interval_s'"
    ).fetchone()
    assert row == {"value": 10}


def test_the_clock_is_injectable_only_on_the_private_function(db: Conn) -> None:
    for role in ("anon", "authenticated", "service_role"):
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            call_as(db, role, "select private.rotate_refresh_token(%s, %s, 60, now())", (h(), h()))


def test_a_token_two_rotations_old_is_a_replay_even_inside_the_interval(db: Conn) -> None:
    first, second, third = session(db), h(), h()
    uid = rotate(db, first, second, T0)
    assert rotate(db, second, third, T0 + timedelta(seconds=1)) == uid
    # the repeat carries the right successor and comes inside 10 s, but that successor is already used
    assert rotate(db, first, second, T0 + timedelta(seconds=2)) is None
    assert [revoked(db, t) for t in (first, second, third)] == [True, True, True]
    with pytest.raises(psycopg.Error, match="refresh_token_invalid"):
        rotate(db, third, h(), T0 + timedelta(seconds=3))
