"""The nightly reconciliation in SQL (0020), called as the server: it fails only readings stuck in processing (never
one that already failed, nor one still being worked on), and credits only PaymentIntents that succeeded, whatever
list the caller sends."""

from __future__ import annotations

import json
from typing import Any

import psycopg
import pytest

from tests.sql.conftest import login, outcome
from tests.sql.test_forgetting import admin
from tests.sql.test_payments_sql import intent, record
from tests.sql.test_privacy import as_user
from tests.sql.test_readings import claim, service, submit

Conn = psycopg.Connection[dict[str, Any]]


def reconcile(db: Conn, intents: list[dict[str, Any]]) -> dict[str, Any]:
    run = outcome(
        db, "select public.reconcile(%s::jsonb) as r", (json.dumps(intents),), "service_role"
    )
    assert "error" not in run, run
    return run


def reading(db: Conn, rid: str) -> dict[str, Any]:
    row: dict[str, Any] = db.execute(
        "select status, failure_reason, updated_at, attempts from public.readings where id = %s",
        (rid,),
    ).fetchone()
    return row


def refunds(db: Conn, rid: str) -> int:
    row = db.execute(
        "select count(*) as n from public.ledger where idempotency_key like %s",
        (f"reading:{rid}:refund:%",),
    ).fetchone()
    return int(row["n"])


def hours_ago(db: Conn, rid: str, hours: int) -> None:
    db.execute(
        "update public.readings set updated_at = now() - make_interval(hours => %s) where id = %s",
        (hours, rid),
    )


def test_a_run_leaves_failed_readings_alone_and_in_the_admins_failed_list(db: Conn) -> None:
    boss, uid = admin(db), login(db)["user"]["id"]
    failed = str(submit(db, uid)["id"])
    claim(db, failed)
    service(db, "public.fail_reading(%s, 'model_error')", (failed,))
    hours_ago(db, failed, 3)
    before = reading(db, failed)
    run = reconcile(db, [])
    assert failed not in run["details"]["readings_failed"]
    assert reading(db, failed) == before
    assert (before["status"], before["failure_reason"]) == ("failed", "model_error")
    assert refunds(db, failed) == 1
    listed = {r["id"]: r for r in as_user(db, boss, "public.admin_readings('failed', 600, 201)")}
    assert listed[failed]["failure_reason"] == "model_error"


def test_a_run_fails_a_reading_stuck_in_processing_but_not_one_still_being_worked_on(
    db: Conn,
) -> None:
    uid = login(db)["user"]["id"]
    stuck, working = (str(submit(db, uid)["id"]) for _ in range(2))
    for rid in (stuck, working):
        claim(db, rid)
    hours_ago(db, stuck, 3)
    run = reconcile(db, [])
    assert stuck in run["details"]["readings_failed"]
    assert working not in run["details"]["readings_failed"]
    assert (reading(db, stuck)["status"], reading(db, stuck)["failure_reason"]) == (
        "failed",
        "stuck",
    )
    assert (reading(db, working)["status"], refunds(db, working)) == ("processing", 0)
    service(db, "public.fail_reading(%s, 'test')", (working,))  # leave nothing processing behind


@pytest.mark.parametrize(
    "status", ["processing", "requires_payment_method", "requires_capture", "canceled"]
)
def test_only_a_succeeded_payment_intent_is_credited(db: Conn, status: str) -> None:
    uid = login(db)["user"]["id"]
    pay = record(db, uid)
    run = reconcile(db, [intent(pay, uid, status=status)])
    assert pay["payment_intent_id"] not in json.dumps(run["details"])
    payment = db.execute(
        "select succeeded_at, stars_credited from public.payments where id = %s", (pay["id"],)
    ).fetchone()
    assert (payment["succeeded_at"], payment["stars_credited"]) == (None, 0)
    stars = db.execute("select stars from public.wallets where user_id = %s", (uid,)).fetchone()
    assert stars["stars"] == 0
    events = db.execute(
        "select count(*) as n from private.stripe_events where payment_intent_id = %s",
        (pay["payment_intent_id"],),
    ).fetchone()
    assert events["n"] == 0
    paid = reconcile(db, [intent(pay, uid)])  # the same payment once Stripe says it succeeded
    assert paid["details"]["repaired"] == [pay["payment_intent_id"]]
