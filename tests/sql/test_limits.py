"""Per-user limits in SQL: they hold for a user's own token however PostgREST is reached, and under concurrency."""

from __future__ import annotations

import json
import secrets
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import psycopg
import pytest
from psycopg.rows import dict_row

from mimi_local.pg import PgCluster
from tests.sql.conftest import call_as, login

Conn = psycopg.Connection[dict[str, Any]]
QUESTION = "ความรักของฉันจะเป็นอย่างไร"


def funded_user(db: Conn, stars: int = 20) -> str:
    uid: str = login(db)["user"]["id"]
    db.execute(
        "select public.grant_credit(%s, %s, 'test', %s::jsonb)",
        (uid, f"fund:{uid}", json.dumps({"star": stars})),
    )
    return uid


def submit(db: Conn, uid: str) -> dict[str, Any]:
    result: dict[str, Any] = call_as(
        db, "authenticated", "select public.submit_reading(%s) as r", (QUESTION,), sub=uid
    )["r"]
    return result


def refused(call: Any) -> tuple[str, str]:
    with pytest.raises(psycopg.Error) as err:
        call()
    return str(err.value.diag.sqlstate), str(err.value.diag.message_primary)


def readings_of(db: Conn, uid: str) -> int:
    row = db.execute(
        "select count(*) as n from public.readings where user_id = %s", (uid,)
    ).fetchone()
    assert row
    return int(row["n"])


def test_sixth_reading_in_a_minute_is_refused_in_sql_and_spends_nothing(db: Conn) -> None:
    uid = funded_user(db)
    for _ in range(5):
        submit(db, uid)
    stars = db.execute("select stars from public.wallets where user_id = %s", (uid,)).fetchone()
    assert refused(lambda: submit(db, uid)) == ("PT429", "rate_limited")
    assert readings_of(db, uid) == 5
    assert (
        db.execute("select stars from public.wallets where user_id = %s", (uid,)).fetchone()
        == stars
    )


def test_cancelled_and_deleted_readings_still_count(db: Conn) -> None:
    uid = funded_user(db)
    for i in range(5):
        rid = submit(db, uid)["id"]
        fn = "cancel_reading" if i % 2 else "delete_reading"
        call_as(db, "authenticated", f"select public.{fn}(%s)", (rid,), sub=uid)
    assert refused(lambda: submit(db, uid)) == ("PT429", "rate_limited")


def test_the_daily_limit_counts_the_last_24_hours(db: Conn) -> None:
    uid = funded_user(db)
    db.execute(
        "insert into public.readings (user_id, question, language, depth, created_at) "
        "select %s, %s, 'th', 'standard', now() - interval '23 hours' from generate_series(1, 60)",
        (uid, QUESTION),
    )
    assert refused(lambda: submit(db, uid)) == ("PT429", "rate_limited")
    db.execute(
        "update public.readings set created_at = now() - interval '25 hours' where user_id = %s",
        (uid,),
    )
    assert submit(db, uid)["status"] == "queued"


def test_the_daily_limit_counts_every_reading_whatever_became_of_it(db: Conn) -> None:
    uid = funded_user(db)
    db.execute(
        "insert into public.readings (user_id, question, language, depth, status, result, deleted_at,"
        " created_at) select %s, %s, 'th', 'standard', s.status,"
        " case when s.status = 'completed' then '{}'::jsonb end, case when i %% 2 = 0 then now() end,"
        " now() - interval '23 hours' from generate_series(1, 60) i"
        " join (values (0, 'queued'), (1, 'processing'), (2, 'completed'), (3, 'rejected'), (4, 'failed'))"
        " s(n, status) on s.n = i %% 5",
        (uid, QUESTION),
    )
    statuses = db.execute(
        "select status, count(*) as n from public.readings where user_id = %s group by 1 order by 1",
        (uid,),
    ).fetchall()
    assert [(r["status"], r["n"]) for r in statuses] == [
        ("completed", 12),
        ("failed", 12),
        ("processing", 12),
        ("queued", 12),
        ("rejected", 12),
    ]
    stars = db.execute("select stars from public.wallets where user_id = %s", (uid,)).fetchone()
    assert refused(lambda: submit(db, uid)) == ("PT429", "rate_limited")
    assert readings_of(db, uid) == 60
    assert (
        db.execute("select stars from public.wallets where user_id = %s", (uid,)).fetchone()
        == stars
    )


def test_concurrent_submissions_cannot_beat_the_limit(db: Conn, pg: PgCluster) -> None:
    uid = funded_user(db)

    def attempt(_: int) -> str:
        with psycopg.connect(pg.dsn(), autocommit=True, row_factory=dict_row) as conn:
            try:
                submit(conn, uid)
                return "ok"
            except psycopg.Error as exc:
                return str(exc.diag.message_primary)

    with ThreadPoolExecutor(max_workers=12) as pool:
        outcomes = list(pool.map(attempt, range(12)))
    assert outcomes.count("ok") == 5
    assert set(outcomes) == {"ok", "rate_limited"}
    assert readings_of(db, uid) == 5


def record(
    db: Conn, uid: str, pi: str | None = None, package_id: str = "stars_10"
) -> dict[str, Any]:
    result: dict[str, Any] = call_as(
        db,
        "authenticated",
        "select public.record_payment_intent(%s, %s) as r",
        (pi or "pi_" + secrets.token_hex(12), package_id),
        sub=uid,
    )["r"]
    return result


def test_invented_payment_intents_are_limited_per_minute_but_a_retry_still_answers(
    db: Conn,
) -> None:
    uid = login(db)["user"]["id"]
    first = record(db, uid)
    for _ in range(9):
        record(db, uid)
    assert refused(lambda: record(db, uid)) == ("PT429", "rate_limited")
    assert (
        record(db, uid, first["payment_intent_id"]) == first
    )  # the same PaymentIntent again is no new payment
    row = db.execute(
        "select count(*) as n from public.payments where user_id = %s", (uid,)
    ).fetchone()
    assert row
    assert row["n"] == 10


def test_payment_intents_are_limited_per_day(db: Conn) -> None:
    uid = login(db)["user"]["id"]
    db.execute(
        "insert into public.payments (user_id, package_id, payment_intent_id, amount_satang, currency, stars,"
        " created_at) select %s, 'stars_10', 'pi_' || md5(random()::text), 9900, 'thb', 10,"
        " now() - interval '2 hours' from generate_series(1, 50)",
        (uid,),
    )
    assert refused(lambda: record(db, uid)) == ("PT429", "rate_limited")


def test_users_cannot_change_the_limits(db: Conn) -> None:
    uid = login(db)["user"]["id"]
    with db.transaction(force_rollback=True), pytest.raises(psycopg.errors.InsufficientPrivilege):
        call_as(
            db,
            "authenticated",
            "update public.app_settings set value = 1000 where key = 'readings_per_minute'",
            sub=uid,
        )
