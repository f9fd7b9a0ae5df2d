"""Legacy import rules (0035): a LINE account deleted here never comes back, and rows the API would refuse (questions,
names, oversized answers, dates in the future) are refused one by one, reported, while the rest is imported."""

from __future__ import annotations

import json
import secrets
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

from mimi_local.pg import PgCluster
from tests.ops.legacy_import.legacy_support import ANSWER, Seeded, cuid, pi
from tests.ops.legacy_import.test_import import imported, user_of
from tests.sql.conftest import call_as

Conn = psycopg.Connection[dict[str, Any]]
FUTURE = datetime.now(UTC).replace(tzinfo=None) + timedelta(days=30)
PAST = datetime(2024, 6, 2)


def old_reading(
    conn: Conn, user: str, question: str, *, at: datetime = PAST, answer: Any = ANSWER
) -> str:
    rid = cuid()
    conn.execute(
        'insert into readings (id, "userId", question, answer, status, "createdAt") values (%s, %s, %s, %s, %s, %s)',
        (rid, user, question, Jsonb(answer), "COMPLETED", at),
    )
    return rid


def old_user(conn: Conn, name: str, *, at: datetime = PAST) -> str:
    uid = "user_" + secrets.token_hex(12)
    conn.execute(
        'insert into "User" (id, "lineId", name, email, "createdAt", stars) values (%s, %s, %s, %s, %s, 5)',
        (uid, "U" + secrets.token_hex(16), name, f"{uid}@example.com", at),
    )
    return uid


def delete_here(db: Conn, line: str) -> None:
    uid = str(
        db.execute("select id from public.users where line_user_id = %s", (line,)).fetchone()["id"]
    )
    call_as(db, "authenticated", "select public.delete_my_account()", sub=uid)


def test_an_account_deleted_here_is_never_brought_back_by_an_import(
    pg: PgCluster, db: Conn, legacy: tuple[str, Seeded]
) -> None:
    dsn, seeded = legacy
    imported(pg, dsn)
    delete_here(db, str(seeded.lines["alice"]))
    again = imported(pg, dsn)
    assert again["deleted_skipped"] == [seeded.ids["alice"]]
    assert again["accounts"] == {"already_imported": 3, "skipped_deleted": 1}
    found = db.execute(
        "select (select count(*) from public.users where line_user_id = %s) as users,"
        " (select count(*) from private.legacy_users where legacy_id = %s) as links,"
        " (select count(*) from public.payments where payment_intent_id = %s) as payments",
        (seeded.lines["alice"], seeded.ids["alice"], seeded.pis["paid"]),
    ).fetchone()
    assert found == {
        "users": 0,
        "links": 0,
        "payments": 1,
    }  # the payment row is the kept, erased account's


def test_a_first_import_after_the_deletion_skips_the_account_too(
    pg: PgCluster, db: Conn, legacy: tuple[str, Seeded]
) -> None:
    dsn, seeded = legacy
    db.execute(
        "select public.login_line_user(%s, 'Erin here', null, %s, 60)",
        (seeded.lines["erin"], secrets.token_hex(32)),
    )
    delete_here(db, str(seeded.lines["erin"]))
    report = imported(pg, dsn)
    assert report["deleted_skipped"] == [seeded.ids["erin"]]
    assert report["payments"] == {
        "imported": 2
    }  # alice's two; erin's pending one is not brought in
    gone = db.execute(
        "select count(*) as n from public.users where line_user_id = %s", (seeded.lines["erin"],)
    ).fetchone()
    assert gone["n"] == 0


def test_rows_the_api_would_refuse_are_reported_one_by_one_and_the_rest_imported(
    pg: PgCluster, db: Conn, legacy: tuple[str, Seeded]
) -> None:
    dsn, seeded = legacy
    alice = seeded.ids["alice"]
    with psycopg.connect(dsn, autocommit=True) as conn:
        bell = old_reading(conn, alice, "ความรักของฉัน\x07จะเป็นอย่างไรคะ")
        long = old_reading(conn, alice, "ความรัก" * 80)
        later = old_reading(conn, alice, "ปีหน้าฉันจะได้เลื่อนตำแหน่งไหมคะ", at=FUTURE)
        huge = old_reading(
            conn, alice, "งานของฉันจะดีขึ้นไหมคะปีนี้", answer={**ANSWER, "reading": "ก" * 20_000}
        )
        future_pi = pi()
        conn.execute(
            'insert into "PaymentHistory" (id, "userId", "stripePaymentId", "packId", amount, status, '
            '"creditsAdded", "createdAt") values (%s, %s, %s, 1, 9900, %s, 10, %s)',
            (cuid(), alice, future_pi, "succeeded", FUTURE),
        )
        spoofed = old_user(conn, "Admin\u202eniamdA")
        early = old_user(conn, "Time Traveller", at=FUTURE)
    report = imported(pg, dsn)
    assert sorted(
        (r["user"], r["kind"], r["id"], r["outcome"]) for r in report["refused"]
    ) == sorted(
        [
            (alice, "reading", bell, "refused_question"),
            (alice, "reading", long, "refused_question"),
            (alice, "reading", later, "refused_future_date"),
            (alice, "reading", huge, "refused_answer_too_large"),
            (alice, "payment", future_pi, "refused_future_date"),
        ]
    )
    assert {(f["id"], f["code"]) for f in report["failed"]} == {
        (spoofed, "invalid_legacy_user"),
        (early, "invalid_legacy_user"),
    }
    assert report["readings"] == {
        "imported": 4,
        "refused_question": 2,
        "refused_future_date": 1,
        "refused_answer_too_large": 1,
    }
    assert report["payments"] == {"imported": 3, "refused_future_date": 1}
    here = user_of(db, seeded.lines["alice"])
    assert here["wallet"]["stars"] == 30  # the rest of alice arrived
    ahead = db.execute(
        "select count(*) as n from public.readings where user_id = %s and created_at > now()",
        (here["id"],),
    ).fetchone()
    assert ahead["n"] == 0  # nothing holds a place in her daily limit
    assert json.dumps(report, default=str).count("refused_") >= 5
