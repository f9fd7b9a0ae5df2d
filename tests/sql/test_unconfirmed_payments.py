"""Payments Stripe never reported on (0036): a user can record one for a PaymentIntent this app never created; it
leaves their own history a day later, while support and their data export still see it."""

from __future__ import annotations

from typing import Any

import psycopg

from tests.sql.conftest import call_as, login
from tests.sql.test_payments_sql import apply, intent, new_pi, record
from tests.sql.test_privacy import export

Conn = psycopg.Connection[dict[str, Any]]


def history(db: Conn, uid: str) -> list[str]:
    rows = call_as(
        db,
        "authenticated",
        "select coalesce(jsonb_agg(payment_intent_id order by seq), '[]') as r from public.payments",
        sub=uid,
    )
    return list(rows["r"])


def backdate(db: Conn, pi: str, hours: int) -> None:
    db.execute(
        "update public.payments set created_at = now() - make_interval(hours => %s)"
        " where payment_intent_id = %s",
        (hours, pi),
    )


def test_an_invented_payment_intent_leaves_the_users_history_after_a_day(db: Conn) -> None:
    uid = login(db)["user"]["id"]
    invented = record(db, uid, pi=new_pi())["payment_intent_id"]
    paid = record(db, uid)
    apply(db, "payment_intent.succeeded", intent(paid, uid))
    assert history(db, uid) == [invented, paid["payment_intent_id"]]
    backdate(db, invented, 23)
    assert invented in history(db, uid)  # a checkout still open: shown
    for pi in (invented, paid["payment_intent_id"]):
        backdate(db, pi, 25)
    assert history(db, uid) == [paid["payment_intent_id"]]
    assert [p["payment_intent_id"] for p in export(db, uid)["payments"]] == [
        invented,
        paid["payment_intent_id"],
    ]
