"""PDPA in SQL: account deletion as the user, the returning-account rule at login, and the data export."""

from __future__ import annotations

import hashlib
import json
import secrets
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import psycopg
import pytest
from psycopg.rows import dict_row

from mimi_local.pg import PgCluster
from tests.sql.conftest import call_as, line_id, login, outcome
from tests.sql.test_payments_sql import apply, intent, record
from tests.sql.test_readings import claim, complete, submit

Conn = psycopg.Connection[dict[str, Any]]
QUESTION = "งานใหม่ของฉันจะไปได้ดีไหม ช่วยดูให้หน่อย"
BILLING = {"name": "Somchai Jaidee", "email": "somchai@example.com", "phone": "+66812345678"}


def login_as(
    db: Conn, line_user_id: str, ref: str | None = None, name: str = "Somchai"
) -> dict[str, Any]:
    row = db.execute(
        "select public.login_line_user(%s, %s, %s, %s, 60, %s) as r",
        (line_user_id, name, "https://example.com/somchai.png", secrets.token_hex(32), ref),
    ).fetchone()
    assert row
    result: dict[str, Any] = row["r"]
    return result


def as_user(db: Conn, uid: str, sql: str, params: tuple[Any, ...] = ()) -> Any:
    row = call_as(db, "authenticated", f"select {sql} as r", params, sub=uid)
    return row["r"]


def delete(db: Conn, uid: str) -> dict[str, Any]:
    result: dict[str, Any] = as_user(db, uid, "public.delete_my_account()")
    return result


def export(db: Conn, uid: str) -> dict[str, Any]:
    result: dict[str, Any] = as_user(db, uid, "public.export_my_data()")
    return result


def count(db: Conn, sql: str, params: tuple[Any, ...]) -> int:
    row = db.execute(f"select count(*) as n from {sql}", params).fetchone()
    assert row
    return int(row["n"])


def busy_user(db: Conn, line_user_id: str | None = None) -> dict[str, Any]:
    """A referred user with a completed and reviewed reading, one still queued, and a paid payment."""
    inviter = login(db, name="Inviter")["user"]
    user = login_as(db, line_user_id or line_id(), ref=inviter["referral_code"])["user"]
    uid = user["id"]
    done = submit(db, uid, QUESTION)["id"]
    claim(db, done)
    complete(db, done)
    as_user(db, uid, "public.review_reading(%s, 90, 'แม่นมากค่ะ ขอบคุณ')", (done,))
    queued = submit(db, uid, QUESTION + " อีกครั้ง")["id"]
    pay = record(db, uid)
    apply(
        db,
        "payment_intent.succeeded",
        intent(pay, uid, receipt_email=BILLING["email"], shipping={"name": BILLING["name"]}),
    )
    apply(
        db,
        "charge.refunded",
        {
            "id": "ch_" + pay["id"][:8],
            "object": "charge",
            "amount": pay["amount_satang"],
            "currency": "thb",
            "amount_refunded": 0,
            "payment_intent": pay["payment_intent_id"],
            "billing_details": BILLING,
        },
    )
    return {"user": user, "inviter": inviter, "done": done, "queued": queued, "payment": pay}


def test_delete_erases_the_person_and_keeps_the_books(db: Conn) -> None:
    b = busy_user(db)
    uid, pay = b["user"]["id"], b["payment"]
    ledger_before = count(db, "public.ledger where user_id = %s", (uid,))
    assert delete(db, uid)["replayed"] is False
    row = db.execute("select * from public.users where id = %s", (uid,)).fetchone()
    assert row
    assert row["deleted_at"] is not None
    assert (row["line_user_id"], row["display_name"], row["picture_url"], row["referral_code"]) == (
        None,
    ) * 4
    for table in ("public.readings", "public.reading_reviews", "private.refresh_tokens"):
        assert count(db, f"{table} where user_id = %s", (uid,)) == 0, table
    # the queued reading was refunded once before it was erased; every earlier ledger row is still there
    keys = {
        r["idempotency_key"]
        for r in db.execute(
            "select idempotency_key from public.ledger where user_id = %s", (uid,)
        ).fetchall()
    }
    assert f"reading:{b['queued']}:refund:free_point" in keys
    assert len(keys) == ledger_before + 1
    kept = db.execute("select * from public.payments where id = %s", (pay["id"],)).fetchone()
    assert kept
    assert (str(kept["user_id"]), kept["amount_satang"], kept["stars_credited"]) == (uid, 19900, 25)
    payloads = db.execute(
        "select payload::text as p from private.stripe_events where payment_intent_id = %s",
        (pay["payment_intent_id"],),
    ).fetchall()
    assert len(payloads) == 2
    assert all("19900" in p["p"] for p in payloads)
    assert not any(v in p["p"] for p in payloads for v in BILLING.values())
    assert db.execute("select * from public.ledger_mismatches()").fetchall() == []


def test_delete_twice_is_harmless(db: Conn) -> None:
    uid = busy_user(db)["user"]["id"]
    first = delete(db, uid)
    snapshot = db.execute(
        "select (select count(*) from public.ledger where user_id = %s) as n, "
        "(select to_jsonb(u) from public.users u where id = %s) as u",
        (uid, uid),
    ).fetchone()
    second = delete(db, uid)
    assert second == {**first, "replayed": True}
    assert (
        db.execute(
            "select (select count(*) from public.ledger where user_id = %s) as n, "
            "(select to_jsonb(u) from public.users u where id = %s) as u",
            (uid, uid),
        ).fetchone()
        == snapshot
    )


def test_a_deleted_users_token_reads_and_writes_nothing(db: Conn) -> None:
    uid = busy_user(db)["user"]["id"]
    delete(db, uid)
    for sql in (
        "public.my_profile()",
        "public.export_my_data()",
        "public.daily_check_in()",
        "public.submit_reading('ช่วยดูเรื่องงานให้หน่อยนะคะ', null, 'standard')",
        "public.update_profile('Back again', null)",
        "public.reading_history(20, null)",
    ):
        with pytest.raises(psycopg.Error) as err:
            as_user(db, uid, sql)
        assert (err.value.diag.sqlstate, err.value.diag.message_primary) == (
            "PT401",
            "account_deleted",
        ), sql
    for table in (
        "public.users",
        "public.wallets",
        "public.ledger",
        "public.payments",
        "public.readings",
    ):
        assert (
            call_as(db, "authenticated", f"select count(*) as n from {table}", sub=uid)["n"] == 0
        ), table
    assert (
        db.execute("select count(*) as n from public.ledger where user_id = %s", (uid,)).fetchone()[
            "n"
        ]
        > 0
    )


def test_a_reading_being_processed_when_the_account_is_deleted_finishes_harmlessly(
    db: Conn,
) -> None:
    uid = login(db)["user"]["id"]
    rid = submit(db, uid, QUESTION)["id"]
    claim(db, rid)
    delete(db, uid)
    for step in (lambda: claim(db, rid), lambda: complete(db, rid)):
        with pytest.raises(psycopg.Error) as err:
            step()
        assert err.value.diag.message_primary == "reading_not_found"
    keys = [
        r["idempotency_key"]
        for r in db.execute(
            "select idempotency_key from public.ledger where user_id = %s "
            "and idempotency_key like 'reading:%%'",
            (uid,),
        ).fetchall()
    ]
    assert sorted(keys) == [f"reading:{rid}:refund:free_point", f"reading:{rid}:spend:free_point"]


def test_a_deleted_users_referral_code_no_longer_attributes(db: Conn) -> None:
    inviter = login(db)["user"]
    delete(db, inviter["id"])
    joined = login(db, ref=inviter["referral_code"])
    assert joined["referral"] == "ignored"
    assert joined["user"]["wallet"]["stars"] == 0


def test_a_returning_line_account_is_a_new_user_with_no_bonus_and_no_referral(db: Conn) -> None:
    line = line_id()
    friend = login(db)["user"]
    first = login_as(db, line)
    delete(db, first["user"]["id"])
    for _ in range(2):  # however often it deletes and returns
        again = login_as(db, line, ref=friend["referral_code"])
        assert (again["created"], again["welcome_bonus"], again["referral"]) == (
            True,
            False,
            "not_eligible",
        )
        assert again["user"]["id"] != first["user"]["id"]
        wallet = again["user"]["wallet"]
        assert (wallet["free_points"], wallet["stars"], wallet["coins"]) == (0, 0, 0)
        assert count(db, "public.ledger where user_id = %s", (again["user"]["id"],)) == 0
        assert count(db, "public.referrals where invitee_id = %s", (again["user"]["id"],)) == 0
        delete(db, again["user"]["id"])
    assert login_as(db, line_id())["welcome_bonus"] is True


def test_the_deleted_line_id_is_kept_only_as_a_keyed_hash_unlinked_to_the_user(db: Conn) -> None:
    line = line_id()
    uid = login_as(db, line)["user"]["id"]
    delete(db, uid)
    plain = hashlib.sha256(line.encode()).hexdigest()
    dump = json.dumps(
        db.execute(
            "select jsonb_agg(to_jsonb(d)) as d from private.deleted_line_accounts d"
        ).fetchone()["d"]
    )
    assert line not in dump
    assert plain not in dump
    assert uid not in dump
    columns = {
        r["column_name"]
        for r in db.execute(
            "select column_name from information_schema.columns "
            "where table_schema = 'private' and table_name = 'deleted_line_accounts'"
        ).fetchall()
    }
    assert columns == {"line_hash", "first_deleted_at"}


def test_only_a_logged_in_user_can_delete_or_export(db: Conn) -> None:
    for sql in ("public.delete_my_account()", "public.export_my_data()"):
        with pytest.raises(psycopg.Error) as err:
            call_as(db, "anon", f"select {sql}")
        assert err.value.diag.sqlstate == "42501", sql


def test_export_holds_everything_about_the_user_and_nothing_secret(db: Conn) -> None:
    line = line_id()
    b = busy_user(db, line)
    uid = b["user"]["id"]
    got = export(db, uid)
    assert set(got) == {
        "format",
        "exported_at",
        "user",
        "wallet",
        "ledger",
        "readings",
        "reviews",
        "payments",
        "stripe_events",
        "referrals",
        "sessions",
        "share_links",
        "admin_actions",
        "old_app_user_id",
        "exports",
    }
    assert got["user"]["line_user_id"] == line
    assert got["user"]["display_name"] == "Somchai"
    assert got["wallet"]["stars"] == 26  # 1 for being referred + 25 bought
    assert {r["idempotency_key"] for r in got["ledger"]} >= {
        f"welcome:{uid}:free_point",
        f"reading:{b['done']}:reward:coin",
    }
    done = next(r for r in got["readings"] if r["id"] == b["done"])
    assert done["question"] == QUESTION
    assert done["result"]["header"] == "h"
    assert done["model"] == "m"
    assert [v["comment"] for v in got["reviews"]] == ["แม่นมากค่ะ ขอบคุณ"]
    assert [p["payment_intent_id"] for p in got["payments"]] == [b["payment"]["payment_intent_id"]]
    assert len(got["stripe_events"]) == 2
    assert BILLING["email"] in json.dumps(got["stripe_events"])
    assert got["referrals"]["referred_by_someone"]["inviter_rewarded_at"] is not None
    assert len(got["sessions"]) == 1
    assert got["sessions"][0]["revoked_at"] is None
    text = json.dumps(got)
    assert "token_hash" not in text
    assert "flag_reason" not in text
    # other users' ids stay out (the ledger's own refs name the inviter, as /transactions already shows)
    assert b["inviter"]["id"] not in json.dumps(got["referrals"])
    for token in db.execute(
        "select token_hash from private.refresh_tokens where user_id = %s", (uid,)
    ).fetchall():
        assert token["token_hash"] not in text


def test_export_after_deletion_holds_nothing_personal(db: Conn) -> None:
    line = line_id()
    b = busy_user(db, line)
    uid = b["user"]["id"]
    delete(db, uid)
    left = db.execute("select private.account_export(%s) as r", (uid,)).fetchone()["r"]
    assert (left["readings"], left["reviews"], left["sessions"]) == ([], [], [])
    assert left["user"]["line_user_id"] is None
    assert left["user"]["deleted_at"] is not None
    text = json.dumps(left, ensure_ascii=False)
    for personal in (
        line,
        "Somchai",
        "somchai.png",
        QUESTION,
        "แม่นมากค่ะ",
        *BILLING.values(),
        b["user"]["referral_code"],
    ):
        assert personal not in text, personal


def test_after_deletion_only_the_accounting_tables_still_point_at_the_user(db: Conn) -> None:
    """A new table holding user data shows up here: erase it in delete_my_account (or justify keeping it)."""
    uid = busy_user(db)["user"]["id"]
    delete(db, uid)
    fks = db.execute(
        "select c.conrelid::regclass::text as t, a.attname as col from pg_constraint c "
        "join pg_attribute a on a.attrelid = c.conrelid and a.attnum = any(c.conkey) "
        "where c.contype = 'f' and c.confrelid = 'public.users'::regclass"
    ).fetchall()
    assert len(fks) >= 9
    still = {
        (r["t"], r["col"]) for r in fks if count(db, f"{r['t']} where {r['col']} = %s", (uid,)) > 0
    }
    assert still == {
        ("wallets", "user_id"),
        ("ledger", "user_id"),
        ("private.credit_ops", "user_id"),
        ("payments", "user_id"),
        ("referrals", "invitee_id"),
    }


DEADLOCK = "40P01"  # Postgres aborts one side; the function answers 503 and the client retries


def retrying(step: Callable[[], Any]) -> Any:
    """Run a step as a client would: again after a detected deadlock (503)."""
    while True:
        try:
            return step()
        except psycopg.Error as exc:
            if exc.diag.sqlstate != DEADLOCK:
                raise


def until_refused(step: Callable[[], Any]) -> str:
    """Repeat a step until the database refuses it; the refusal's code."""
    while True:
        try:
            retrying(step)
        except psycopg.Error as exc:
            return str(exc.diag.message_primary)


@pytest.fixture
def unlimited_readings(db: Conn) -> Iterator[None]:
    """The reading limits out of the way, so only the deletion can stop a racing submit loop (not 5 a minute)."""
    keys = ("readings_per_minute", "readings_per_day")
    before = db.execute(
        "select key, value from public.app_settings where key = any(%s)", (list(keys),)
    ).fetchall()
    db.execute("update public.app_settings set value = 1000000 where key = any(%s)", (list(keys),))
    yield
    for row in before:
        db.execute(
            "update public.app_settings set value = %s where key = %s", (row["value"], row["key"])
        )


@pytest.mark.usefixtures("unlimited_readings")
def test_deletion_racing_submits_and_refreshes_leaves_no_reading_or_session_behind(
    db: Conn, pg: PgCluster
) -> None:
    def connect() -> Conn:
        return psycopg.connect(pg.dsn(), autocommit=True, row_factory=dict_row)

    def submits(uid: str) -> str:
        with connect() as conn:
            return until_refused(lambda: submit(conn, uid, QUESTION))

    def refreshes(uid: str) -> str:
        token = [secrets.token_hex(32)]
        db.execute(
            "insert into private.refresh_tokens (token_hash, user_id, family_id, expires_at) "
            "values (%s, %s, gen_random_uuid(), now() + interval '1 hour')",
            (token[0], uid),
        )

        def rotate() -> None:
            new = secrets.token_hex(32)
            conn.execute("select public.rotate_refresh_token(%s, %s, 60)", (token[0], new))
            token[0] = new

        with connect() as conn:
            return until_refused(rotate)

    def deletes(uid: str) -> str:
        with connect() as conn:
            time.sleep(0.05)
            return "replayed" if retrying(lambda: delete(conn, uid))["replayed"] else "deleted"

    uids = [login(db)["user"]["id"] for _ in range(4)]
    for uid in uids:
        db.execute(
            "select public.grant_credit(%s, %s, 'test', '{\"star\": 100000}')", (uid, f"race:{uid}")
        )
    with ThreadPoolExecutor(max_workers=16) as pool:
        futures = {
            (fn.__name__, uid): pool.submit(fn, uid)
            for uid in uids
            for fn in (submits, refreshes, deletes)
        }
        futures |= {("deletes_again", uid): pool.submit(deletes, uid) for uid in uids}
        ends = {key: f.result() for key, f in futures.items()}
    for uid in uids:
        assert sorted([ends[("deletes", uid)], ends[("deletes_again", uid)]]) == [
            "deleted",
            "replayed",
        ]
        assert ends[("submits", uid)] == "account_deleted"
        assert ends[("refreshes", uid)] in {"refresh_token_invalid", "account_deleted"}
    for table in ("public.readings", "private.refresh_tokens"):
        assert count(db, f"{table} where user_id = any(%s::uuid[])", (uids,)) == 0, table


def wait_until_blocked(db: Conn, pid: int) -> None:
    """Until the backend `pid` waits for a lock (the lock-step point of a race test)."""
    for _ in range(500):
        row = db.execute(
            "select wait_event_type from pg_stat_activity where pid = %s", (pid,)
        ).fetchone()
        if row and row["wait_event_type"] == "Lock":
            return
        time.sleep(0.01)
    raise AssertionError(f"backend {pid} never waited for a lock")


@pytest.mark.parametrize(
    "edit", ["public.set_line_notifications(false)", "public.update_profile('Nok', 'en', false)"]
)
def test_a_profile_edit_that_waited_for_the_deletion_is_refused_as_account_deleted(
    db: Conn, pg: PgCluster, edit: str
) -> None:
    uid = login(db)["user"]["id"]
    with (
        psycopg.connect(pg.dsn(), row_factory=dict_row) as deleter,
        psycopg.connect(pg.dsn(), autocommit=True, row_factory=dict_row) as editor,
    ):
        deleter.execute("set local role authenticated")
        claims = json.dumps({"role": "authenticated", "sub": uid})
        deleter.execute("select set_config('request.jwt.claims', %s, true)", (claims,))
        deleter.execute("select public.delete_my_account()")  # holds the user row until commit
        pid = editor.info.backend_pid
        with ThreadPoolExecutor(max_workers=1) as pool:
            edited = pool.submit(
                outcome, editor, f"select {edit} as r", role="authenticated", sub=uid
            )
            wait_until_blocked(db, pid)
            deleter.commit()
            assert edited.result(timeout=30) == {"error": "PT401", "code": "account_deleted"}
    row = db.execute(
        "select language, updated_at, deleted_at from public.users where id = %s", (uid,)
    )
    user = row.fetchone()
    assert user and user["deleted_at"] is not None
    assert user["updated_at"] == user["deleted_at"]  # nothing wrote the row after its erasure
