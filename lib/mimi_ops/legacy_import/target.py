"""Writes the old users into MiMiVibes through the import's SQL functions: one transaction, a savepoint per user."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from functools import partial
from typing import Any

import psycopg
from psycopg.rows import dict_row
from psycopg.types.json import Jsonb

from mimi_ops.legacy_import.source import Legacy, Row

IMPORT_LOCK = 727275  # one import at a time (the migration runner holds 727274)


@dataclass
class Outcome:
    """What the import did (or, under --dry-run, would do)."""

    before: dict[str, int] = field(default_factory=dict)
    after: dict[str, int] = field(default_factory=dict)
    users: list[Row] = field(default_factory=list)
    failed: list[Row] = field(default_factory=list)
    referrals: Counter[str] = field(default_factory=Counter)


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):  # Prisma's TIMESTAMP(3) holds UTC without saying so
        return (value if value.tzinfo else value.replace(tzinfo=UTC)).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    raise TypeError(f"cannot send {type(value).__name__} as JSON")


def _jsonb(value: Row) -> Jsonb:
    return Jsonb(value, dumps=partial(json.dumps, default=_plain))


def _totals(conn: psycopg.Connection[Row]) -> dict[str, int]:
    row = conn.execute("select public.legacy_import_totals() as t").fetchone()
    return dict(row["t"]) if row else {}


def _import_user(conn: psycopg.Connection[Row], user: Row, outcome: Outcome) -> None:
    try:
        with conn.transaction():  # a savepoint: a refused user leaves no trace and the others go on
            row = conn.execute(
                "select public.import_legacy_user(%s) as r", (_jsonb(user),)
            ).fetchone()
    except psycopg.Error as exc:
        outcome.failed.append(
            {
                "id": user["id"],
                "sqlstate": exc.sqlstate,
                "code": exc.diag.message_primary,
                "detail": exc.diag.message_detail,
            }
        )
        return
    if row:
        outcome.users.append({"legacy_id": user["id"], **row["r"]})


def _link(conn: psycopg.Connection[Row], referral: Row) -> str:
    row = conn.execute(
        "select public.import_legacy_referral(%s, %s, %s) as r",
        (referral["user_id"], referral["referred_by"], referral["used_at"]),
    ).fetchone()
    return str(row["r"]) if row else "unknown"


def apply(dsn: str, legacy: Legacy, *, dry_run: bool) -> Outcome:
    """Import everything in one transaction, committed unless dry_run (then rolled back: nothing is written)."""
    outcome = Outcome()
    with psycopg.connect(dsn, row_factory=dict_row) as conn:
        conn.execute("select pg_advisory_xact_lock(%s)", (IMPORT_LOCK,))
        outcome.before = _totals(conn)
        for user in legacy.users:
            _import_user(conn, user, outcome)
        outcome.referrals.update(_link(conn, r) for r in legacy.referrals)
        outcome.after = _totals(conn)
        if dry_run:
            conn.rollback()
    return outcome
