"""A legacy (Prisma) database in a test cluster, seeded with one user per case the import must handle."""

from __future__ import annotations

import secrets
import string
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
from psycopg.rows import dict_row
from psycopg.types.json import Jsonb

from mimi_local.pg import PgCluster

SCHEMA = Path(__file__).with_name("prisma_schema.sql")
CARDS = [
    "The Fool",
    "The Tower",
    "Ace of Cups",
    "The Sun",
    "The Joker",
]  # the last is no card of ours
PACKS = [(1, "10 Stars", 9900, 10), (2, "25 Stars", 19900, 25), (3, "60 Stars", 39900, 60)]
ANSWER = {
    "header": "ไพ่บอกว่าความรักกำลังมา",
    "cards_reading": [{"name": "The Fool", "meaning": "เริ่มต้นใหม่"}],
    "reading": "คำทำนาย",
    "suggestions": ["a", "b", "c"],
    "next_questions": ["x", "y", "z"],
    "final": "สรุป",
    "end": "ขอให้โชคดี",
    "notice": "เพื่อความบันเทิง",
}
Conn = psycopg.Connection[dict[str, Any]]


def cuid() -> str:
    return "c" + "".join(secrets.choice(string.ascii_lowercase + string.digits) for _ in range(24))


def line_id() -> str:
    return "U" + secrets.token_hex(16)


def pi() -> str:
    return "pi_" + secrets.token_hex(12)


@contextmanager
def legacy_database(cluster: PgCluster) -> Iterator[str]:
    """A fresh database with the old app's schema in the cluster; yields its DSN, drops it afterwards."""
    name = "legacy_" + secrets.token_hex(4)
    with psycopg.connect(cluster.dsn(), autocommit=True) as admin:
        admin.execute(f"create database {name}")
        try:
            with psycopg.connect(cluster.dsn(name), autocommit=True) as conn:
                conn.execute(SCHEMA.read_bytes())
            yield cluster.dsn(name)
        finally:
            admin.execute(f"drop database {name} with (force)")


@dataclass
class Seeded:
    """The seeded old users by role: their old ids, LINE ids and PaymentIntents."""

    ids: dict[str, str] = field(default_factory=dict)
    lines: dict[str, str | None] = field(default_factory=dict)
    pis: dict[str, str] = field(default_factory=dict)
    codes: dict[str, str] = field(default_factory=dict)
    readings: dict[str, str] = field(default_factory=dict)


def _user(conn: Conn, seeded: Seeded, who: str, line: str | None, **balances: int) -> str:
    uid = "user_" + secrets.token_hex(12)  # a Clerk user id
    seeded.ids[who], seeded.lines[who] = uid, line
    conn.execute(
        'insert into "User" (id, "lineId", name, "imageUrl", email, "createdAt", stars, coins, exp, '
        '"freePoint") values (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)',
        (
            uid,
            line,
            who.title(),
            f"https://img.clerk.com/{who}.png",
            f"{who}-{uid}@example.com",
            datetime(2024, 5, 1) + timedelta(days=len(seeded.ids)),
            balances.get("stars", 0),
            balances.get("coins", 0),
            balances.get("exp", 0),
            balances.get("free", 0),
        ),
    )
    return uid


def _reading(
    conn: Conn,
    seeded: Seeded,
    key: str,
    user: str,
    status: str,
    cards: list[str],
    *,
    question: str = "ความรักของฉันจะเป็นอย่างไรในปีนี้คะ",
    deleted: bool = False,
) -> str:
    rid = cuid()
    seeded.readings[key] = rid
    answer = Jsonb(ANSWER) if status == "COMPLETED" else None
    conn.execute(
        'insert into readings (id, "userId", question, answer, "isDeleted", status, "createdAt") '
        "values (%s, %s, %s, %s, %s, %s, %s)",
        (rid, user, question, answer, deleted, status, datetime(2024, 6, 1, 12, 30)),
    )
    for position, name in enumerate(cards):
        conn.execute(
            'insert into "ReadingCard" ("readingId", "cardId", position) '
            'select %s, id, %s from "Card" where name = %s',
            (rid, position, name),
        )
    return rid


def _payment(conn: Conn, seeded: Seeded, key: str, user: str, pack: int, status: str) -> None:
    seeded.pis[key] = pi()
    _, _, price, credits = PACKS[pack - 1]
    conn.execute(
        'insert into "PaymentHistory" (id, "userId", "stripePaymentId", "packId", amount, currency, status, '
        '"creditsAdded") values (%s, %s, %s, %s, %s, %s, %s, %s)',
        (
            cuid(),
            user,
            seeded.pis[key],
            pack,
            price,
            "thb",
            status,
            credits if status != "pending" else 0,
        ),
    )


def _code(conn: Conn, seeded: Seeded, who: str, referred_by: str | None = None) -> None:
    seeded.codes[who] = "".join(
        secrets.choice("ABCDEFGHJKLMNPQRSTUVWXYZ23456789") for _ in range(8)
    )
    conn.execute(
        'insert into referral_codes (id, "userId", code, "referredBy", "isUsed", "usedAt") '
        "values (%s, %s, %s, %s, %s, %s)",
        (
            cuid(),
            seeded.ids[who],
            seeded.codes[who],
            referred_by,
            referred_by is not None,
            datetime(2024, 5, 20) if referred_by else None,
        ),
    )


def seed(dsn: str) -> Seeded:
    """alice (readings, payments, inviter), bob (invited by alice), carol (no LINE id), dan (to log in here first),
    erin (a payment still pending)."""
    seeded = Seeded()
    with psycopg.connect(dsn, autocommit=True, row_factory=dict_row) as conn:
        for name in CARDS:
            conn.execute(
                'insert into "Card" (name, "displayName", arcana) values (%s, %s, %s)',
                (name, name, "major"),
            )
        for pack in PACKS:
            conn.execute(
                'insert into "Pack" (id, title, price, "creditAmount") values (%s, %s, %s, %s)',
                pack,
            )
        alice = _user(conn, seeded, "alice", line_id(), stars=30, coins=340, exp=450, free=2)
        bob = _user(conn, seeded, "bob", line_id(), coins=50, exp=100)
        _user(conn, seeded, "carol", None, stars=40)
        _user(conn, seeded, "dan", line_id(), stars=7, free=1)
        erin = _user(conn, seeded, "erin", line_id(), stars=3)
        rid = _reading(
            conn, seeded, "completed", alice, "COMPLETED", ["The Fool", "The Tower", "Ace of Cups"]
        )
        conn.execute(
            'insert into "Review" ("readingId", "userId", liked, "accurateLevel") values (%s, %s, true, 87.5)',
            (rid, alice),
        )
        _reading(conn, seeded, "deleted", alice, "COMPLETED", ["The Sun"], deleted=True)
        _reading(conn, seeded, "pending", alice, "PENDING", [])
        _reading(
            conn,
            seeded,
            "unknown_card",
            alice,
            "COMPLETED",
            ["Ace of Cups", "The Joker"],
            question="Will I find a new job this year?",
        )
        _payment(conn, seeded, "paid", alice, 2, "succeeded")
        _payment(conn, seeded, "refunded", alice, 1, "refunded")
        _payment(conn, seeded, "pending", erin, 3, "pending")
        _code(conn, seeded, "alice")
        _code(conn, seeded, "bob", referred_by=alice)
        conn.execute(
            'insert into "PointTransaction" (id, "userId", "eventType", "deltaPoint") values (%s, %s, %s, 5)',
            (cuid(), bob, "REVIEW"),
        )
        conn.execute(
            'insert into "CoinExchange" (id, "userId", "coinAmount", "receivedItem", "receivedAmount") '
            "values (%s, %s, 100, %s, 1)",
            (cuid(), alice, "stars"),
        )
    return seeded
