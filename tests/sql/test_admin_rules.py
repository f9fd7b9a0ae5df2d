"""Admins in SQL, as an admin's own token: never an action on their own account (0042), an Idempotency-Key never
replays another currency or amount, every adjustment has its one audit row, and nobody changes the audit."""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable
from typing import Any

import psycopg
import pytest

from tests.sql.conftest import login, outcome
from tests.sql.test_forgetting import admin
from tests.sql.test_payments_sql import apply, intent, record
from tests.sql.test_privacy import as_user
from tests.sql.test_readings import claim, service, submit

Conn = psycopg.Connection[dict[str, Any]]
OWN = {"error": "PT403", "code": "own_wallet"}
REASON = "support ticket 88"


def flagged_payment(db: Conn, uid: str) -> str:
    """A payment of the user that Stripe reported succeeded for the wrong amount: flagged, nothing credited."""
    pay = record(db, uid)
    assert (
        apply(db, "payment_intent.succeeded", intent(pay, uid, amount=100))["outcome"] == "mismatch"
    )
    return str(pay["id"])


def failed_reading(db: Conn, uid: str) -> str:
    rid = str(submit(db, uid)["id"])
    claim(db, rid)
    service(db, "public.fail_reading(%s, 'model_error')", (rid,))
    return rid


def frozen_by(db: Conn, other: str, uid: str) -> str:
    """The user's wallet, frozen by the other admin."""
    as_user(db, other, "public.admin_set_frozen(%s, true, %s)", (uid, REASON))
    return uid


# each action an admin could take on their own account: (make what it acts on, of `me`; the call)
ACTIONS: dict[str, tuple[Callable[[Conn, str, str], str], str]] = {
    "credit_own_payment": (
        lambda db, me, other: flagged_payment(db, me),
        "public.admin_resolve_payment(%s, 'credit', %s)",
    ),
    "dismiss_own_payment": (
        lambda db, me, other: flagged_payment(db, me),
        "public.admin_resolve_payment(%s, 'dismiss', %s)",
    ),
    "unfreeze_own_wallet": (
        lambda db, me, other: frozen_by(db, other, me),
        "public.admin_set_frozen(%s, false, %s)",
    ),
    "freeze_own_wallet": (lambda db, me, other: me, "public.admin_set_frozen(%s, true, %s)"),
    "retry_own_reading": (
        lambda db, me, other: failed_reading(db, me),
        "public.admin_retry_reading(%s, %s)",
    ),
    "refund_own_reading": (
        lambda db, me, other: str(submit(db, me)["id"]),
        "public.admin_refund_reading(%s, %s)",
    ),
}

ACCOUNT = """
select (select to_jsonb(w) from public.wallets w where w.user_id = %(u)s) as wallet,
  (select jsonb_agg(to_jsonb(l) order by l.id) from public.ledger l where l.user_id = %(u)s) as ledger,
  (select jsonb_agg(to_jsonb(p) order by p.seq) from public.payments p where p.user_id = %(u)s) as payments,
  (select jsonb_agg(to_jsonb(r) order by r.id) from public.readings r where r.user_id = %(u)s) as readings,
  (select count(*) from private.admin_audit a where a.target_user_id = %(u)s) as audit
"""


def account(db: Conn, uid: str) -> dict[str, Any]:
    row: dict[str, Any] = db.execute(ACCOUNT, {"u": uid}).fetchone()
    return row


@pytest.mark.parametrize("action", list(ACTIONS))
def test_an_admin_never_acts_on_their_own_account(db: Conn, action: str) -> None:
    me, other = admin(db), admin(db)
    make, call = ACTIONS[action]
    target = make(db, me, other)
    before = account(db, me)
    refused = outcome(db, f"select {call} as r", (target, REASON), "authenticated", me)
    assert refused == OWN
    assert account(db, me) == before


@pytest.mark.parametrize("action", list(ACTIONS))
def test_another_admin_may_do_it(db: Conn, action: str) -> None:
    me, other = admin(db), admin(db)
    make, call = ACTIONS[action]
    target = make(db, me, other)
    done = outcome(db, f"select {call} as r", (target, REASON), "authenticated", other)
    assert "error" not in done, done


ADJUST = "select public.admin_adjust_credits(%s, %s, %s, %s, %s) as r"


def adjust(db: Conn, boss: str, uid: str, currency: str, delta: int, key: str) -> dict[str, Any]:
    return outcome(db, ADJUST, (uid, currency, delta, REASON, key), "authenticated", boss)


def audit(db: Conn, uid: str) -> list[tuple[Any, ...]]:
    rows = db.execute(
        "select admin_id::text as by, action, target, reason, before, after from private.admin_audit"
        " where target_user_id = %s order by id",
        (uid,),
    ).fetchall()
    return [
        (r["by"], r["action"], r["target"], r["reason"], r["before"]["stars"], r["after"]["stars"])
        + (r["after"]["delta"],)
        for r in rows
    ]


def test_an_adjustment_key_reused_for_another_currency_or_amount_is_refused_not_replayed(
    db: Conn,
) -> None:
    boss, uid = admin(db), login(db)["user"]["id"]
    key = "ticket-" + secrets.token_hex(6)
    first = adjust(db, boss, uid, "star", 5, key)
    assert (first.get("status"), first.get("replayed")) == ("applied", False)
    for currency, delta in (("coin", 5), ("free_point", 5), ("star", 6), ("star", -5)):
        refused = adjust(db, boss, uid, currency, delta, key)
        assert refused == {"error": "PT422", "code": "idempotency_key_reused"}, (currency, delta)
    again = adjust(db, boss, uid, "star", 5, key)
    assert (again.get("replayed"), again.get("wallet", {}).get("stars")) == (True, 5)
    wallet = db.execute("select * from public.wallets where user_id = %s", (uid,)).fetchone()
    assert (wallet["stars"], wallet["coins"], wallet["free_points"]) == (5, 0, 3)
    rows = db.execute(
        "select currency, delta, idempotency_key from public.ledger"
        " where user_id = %s and reason = 'adjustment'",
        (uid,),
    ).fetchall()
    assert [(r["currency"], r["delta"]) for r in rows] == [("star", 5)]
    assert audit(db, uid) == [(boss, "adjust_credits", "star", REASON, 0, 5, 5)]


def test_a_pending_requests_key_reused_for_another_currency_is_refused(db: Conn) -> None:
    boss, uid = admin(db), login(db)["user"]["id"]
    key = "ticket-" + secrets.token_hex(6)
    first = adjust(db, boss, uid, "star", 300, key)
    assert (first.get("status"), first.get("replayed")) == ("pending_approval", False)
    for currency, delta in (("free_point", 300), ("coin", 30_000)):
        refused = adjust(db, boss, uid, currency, delta, key)
        assert refused == {"error": "PT422", "code": "idempotency_key_reused"}, currency
    requests = db.execute(
        "select currency, delta from private.adjustment_requests where user_id = %s", (uid,)
    ).fetchall()
    assert [(r["currency"], r["delta"]) for r in requests] == [("star", 300)]


# ---- the audit: nobody changes a row, whatever role ------------------------------------------------------------

CHANGES = {
    "update": "update private.admin_audit set reason = 'nothing happened here'",
    "delete": "delete from private.admin_audit",
    "truncate": "truncate private.admin_audit",
}
REFUSALS = {  # the owner is stopped by the append-only trigger, the API roles by their privileges
    None: ("PT403", "ledger_append_only"),
    "anon": ("42501", "permission denied for schema private"),
    "authenticated": ("42501", "permission denied for schema private"),
    "service_role": ("42501", "permission denied for schema private"),
}


@pytest.mark.parametrize("change", list(CHANGES))
@pytest.mark.parametrize("role", list(REFUSALS), ids=lambda r: r or "owner")
def test_nobody_may_change_or_remove_an_audit_row(db: Conn, role: str | None, change: str) -> None:
    boss, uid = admin(db), login(db)["user"]["id"]
    adjust(db, boss, uid, "coin", 3, "ticket-" + secrets.token_hex(6))
    before = db.execute(
        "select jsonb_agg(to_jsonb(x) order by x.id) as a from private.admin_audit x"
    )
    snapshot = before.fetchone()["a"]
    with db.transaction(force_rollback=True):
        if role:
            db.execute(f"set local role {role}")
            db.execute(
                "select set_config('request.jwt.claims', %s, true)",
                (json.dumps({"role": role, "sub": boss}),),
            )
        with pytest.raises(psycopg.Error) as err, db.transaction():
            db.execute(CHANGES[change])
    assert (err.value.diag.sqlstate, err.value.diag.message_primary) == REFUSALS[role]
    after = db.execute(
        "select jsonb_agg(to_jsonb(x) order by x.id) as a from private.admin_audit x"
    )
    assert after.fetchone()["a"] == snapshot
