"""Reads the old app's Prisma tables (quoted PascalCase, camelCase columns) into one bundle per user."""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import psycopg
from psycopg import sql
from psycopg.rows import dict_row

LINE_ID = re.compile(r"^U[0-9a-f]{32}$")
BALANCES = ("stars", "coins", "exp", "free_points")

USERS = """
select id, "lineId" as line_id, name, "imageUrl" as image_url, email, "createdAt" as created_at,
  stars, coins, exp, "freePoint" as free_points
from "User" order by "createdAt", id
"""
READINGS = """
select id, "userId" as user_id, question, answer, "isDeleted" as deleted, status::text as status,
  "createdAt" as created_at
from readings order by "createdAt", id
"""
CARDS = """
select rc."readingId" as reading_id, rc.position, c.name
from "ReadingCard" rc left join "Card" c on c.id = rc."cardId"
order by rc."readingId", rc.position
"""
REVIEWS = """
select "readingId" as reading_id, liked, "accurateLevel" as accuracy, "createdAt" as created_at from "Review"
"""
PAYMENTS = """
select p."userId" as user_id, p."stripePaymentId" as payment_intent_id, p.amount, p.currency, p.status,
  p."creditsAdded" as credits_added, p."createdAt" as created_at,
  case when k.id is not null then jsonb_build_object('id', k.id::text, 'title', k.title, 'price', k.price,
    'credit_amount', k."creditAmount") end as pack
from "PaymentHistory" p left join "Pack" k on k.id = p."packId"
order by p."createdAt", p.id
"""
REFERRALS = """select "userId" as user_id, code, "referredBy" as referred_by, "usedAt" as used_at
from referral_codes"""
HISTORY_ONLY = ("PointTransaction", "CoinExchange")

Row = dict[str, Any]


@dataclass
class Legacy:
    """What the import needs: user bundles for import_legacy_user, users kept aside, invitations."""

    users: list[Row] = field(default_factory=list)
    aside: list[Row] = field(default_factory=list)
    referrals: list[Row] = field(default_factory=list)
    history_only: dict[str, int] = field(default_factory=dict)

    def totals(self) -> dict[str, int]:
        """The old balances of the users that will be imported."""
        return {k: sum(int(u[k] or 0) for u in self.users) for k in BALANCES}


def _by(rows: list[Row], key: str) -> dict[Any, list[Row]]:
    grouped: dict[Any, list[Row]] = defaultdict(list)
    for row in rows:
        grouped[row.pop(key)].append(row)
    return grouped


def _readings(conn: psycopg.Connection[Row]) -> dict[Any, list[Row]]:
    cards = _by(conn.execute(CARDS).fetchall(), "reading_id")
    reviews = {r.pop("reading_id"): r for r in conn.execute(REVIEWS).fetchall()}
    readings = conn.execute(READINGS).fetchall()
    for reading in readings:
        reading["cards"] = cards.get(reading["id"], [])
        reading["review"] = reviews.get(reading["id"])
    return _by(readings, "user_id")


def _aside_reason(user: Row) -> str | None:
    if not user["line_id"]:
        return "no_line_id"
    if not LINE_ID.match(user["line_id"]):
        return "invalid_line_id"
    if any(not isinstance(user[k], int) or user[k] < 0 for k in BALANCES):
        return "invalid_balance"
    return None


def load(conn: psycopg.Connection[Row]) -> Legacy:
    """Every user with a usable LINE id as a bundle; the others aside, with the reason."""
    legacy = Legacy()
    readings = _readings(conn)
    payments = _by(conn.execute(PAYMENTS).fetchall(), "user_id")
    codes = {r["user_id"]: r for r in conn.execute(REFERRALS).fetchall()}
    for user in conn.execute(USERS).fetchall():
        reason = _aside_reason(user)
        if reason:
            legacy.aside.append(
                {"id": user["id"], "email": user["email"], "name": user["name"], "reason": reason}
            )
            continue
        code = codes.get(user["id"])
        legacy.users.append(
            {
                **{k: v for k, v in user.items() if k != "email"},
                "referral_code": code["code"] if code else None,
                "readings": readings.get(user["id"], []),
                "payments": payments.get(user["id"], []),
            }
        )
    legacy.referrals = [r for r in codes.values() if r["referred_by"]]
    legacy.history_only = {t: _count(conn, t) for t in HISTORY_ONLY}
    return legacy


def _count(conn: psycopg.Connection[Row], table: str) -> int:
    row = conn.execute(
        sql.SQL("select count(*) as n from {}").format(sql.Identifier(table))
    ).fetchone()
    return int(row["n"]) if row else 0


def read(dsn: str) -> Legacy:
    """The old database in one read-only snapshot."""
    with psycopg.connect(dsn, row_factory=dict_row) as conn:
        conn.execute("set transaction isolation level repeatable read read only")
        return load(conn)
