"""SQL-level fixtures: a superuser connection, acting as a role, user factories, the ledger invariant."""

from __future__ import annotations

import json
import secrets
from typing import Any

import psycopg


def line_id() -> str:
    return "U" + secrets.token_hex(16)


def login(
    conn: psycopg.Connection[dict[str, Any]], ref: str | None = None, name: str = "Dao"
) -> dict[str, Any]:
    row = conn.execute(
        "select public.login_line_user(%s, %s, %s, %s, 60, %s) as r",
        (line_id(), name, "https://example.com/p.png", secrets.token_hex(32), ref),
    ).fetchone()
    assert row
    result: dict[str, Any] = row["r"]
    return result


def call_as(
    conn: psycopg.Connection[dict[str, Any]],
    role: str,
    sql: str,
    params: tuple[Any, ...] = (),
    sub: str | None = None,
) -> Any:
    """Run one statement as an API role with JWT claims, as the gateway does."""
    claims = {"role": role, **({"sub": sub} if sub else {})}
    with conn.transaction():
        conn.execute(f"set local role {role}")
        conn.execute("select set_config('request.jwt.claims', %s, true)", (json.dumps(claims),))
        row = conn.execute(sql, params).fetchone()
    return row


def outcome(
    conn: psycopg.Connection[dict[str, Any]],
    sql: str,
    params: tuple[Any, ...] = (),
    role: str | None = None,
    sub: str | None = None,
) -> dict[str, Any]:
    """What a call answers (its `r` column), or {"error": sqlstate, "code": message} when it raises.

    Tests compare the whole answer, so a wrong error (a constraint instead of the rule) fails an assertion."""
    try:
        row = (
            call_as(conn, role, sql, params, sub) if role else conn.execute(sql, params).fetchone()
        )
    except psycopg.Error as exc:
        return {"error": exc.diag.sqlstate, "code": exc.diag.message_primary}
    assert row is not None
    result: dict[str, Any] = row["r"]
    return result
