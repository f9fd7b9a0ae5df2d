"""PDPA in SQL (0032): deletion forgets everywhere (the admin audit, Stripe events arriving later, the old app's id)
and the export is complete (share links, admin actions, the old app's id) and bounded (a few an hour)."""

from __future__ import annotations

import json
import secrets
from typing import Any

import psycopg

from tests.sql.conftest import login, outcome
from tests.sql.test_payments_sql import apply, charge, dispute, intent, record
from tests.sql.test_privacy import BILLING, QUESTION, as_user, delete, export
from tests.sql.test_readings import submit

Conn = psycopg.Connection[dict[str, Any]]


def admin(db: Conn) -> str:
    uid: str = login(db, name="Admin")["user"]["id"]
    db.execute("select public.add_admin(%s, 'test admin')", (uid,))
    return uid


def audit_text(db: Conn, uid: str) -> str:
    rows = db.execute(
        "select to_jsonb(a) as a from private.admin_audit a where target_user_id = %s", (uid,)
    ).fetchall()
    return json.dumps([r["a"] for r in rows], ensure_ascii=False)


def stored_events(db: Conn, pi: str) -> list[dict[str, Any]]:
    rows = db.execute(
        "select payload from private.stripe_events where payment_intent_id = %s order by received_at",
        (pi,),
    ).fetchall()
    return [r["payload"] for r in rows]


def test_admin_actions_on_a_reading_audit_its_id_and_status_never_its_question(db: Conn) -> None:
    boss, uid = admin(db), login(db)["user"]["id"]
    rid = submit(db, uid, QUESTION)["id"]
    as_user(db, boss, "public.admin_retry_reading(%s, 'ticket 12: stuck')", (rid,))
    as_user(db, boss, "public.admin_refund_reading(%s, 'ticket 12: refund')", (rid,))
    rows = db.execute(
        "select action, before, after from private.admin_audit where target_user_id = %s order by id",
        (uid,),
    ).fetchall()
    assert [r["action"] for r in rows] == ["retry_reading", "refund_reading"]
    assert [(r["before"]["id"], r["after"]["status"]) for r in rows] == [
        (rid, "queued"),
        (rid, "failed"),
    ]
    assert QUESTION not in audit_text(db, uid)
    delete(db, uid)
    seen = as_user(db, boss, "public.admin_audit_log(%s, 50)", (uid,))
    assert len(seen) == 2
    assert QUESTION not in json.dumps(seen, ensure_ascii=False)


def test_stripe_events_arriving_after_deletion_are_stored_redacted(db: Conn) -> None:
    uid = login(db)["user"]["id"]
    pay = record(db, uid)
    apply(db, "payment_intent.succeeded", intent(pay, uid))
    delete(db, uid)
    refund = {**charge(pay, 5000), "billing_details": BILLING, "receipt_email": BILLING["email"]}
    assert apply(db, "charge.refunded", refund)["outcome"] == "refund_applied"
    opened = {**dispute(pay, "needs_response"), "evidence": {"customer_name": BILLING["name"]}}
    apply(db, "charge.dispute.created", opened)
    payloads = stored_events(db, pay["payment_intent_id"])
    assert len(payloads) == 3
    assert [p.get("redacted") for p in payloads] == [True] * 3
    text = json.dumps(payloads)
    assert not any(value in text for value in BILLING.values())
    assert '"amount_refunded": 5000' in text


def test_an_intent_the_reconciliation_applies_after_deletion_is_stored_redacted(db: Conn) -> None:
    uid = login(db)["user"]["id"]
    pay = record(db, uid)
    delete(db, uid)
    paid = intent(pay, uid, receipt_email=BILLING["email"], shipping={"name": BILLING["name"]})
    run = outcome(
        db, "select public.reconcile(%s::jsonb) as r", (json.dumps([paid]),), "service_role"
    )
    assert run["payments_repaired"] == 1
    [payload] = stored_events(db, pay["payment_intent_id"])
    assert payload.get("redacted") is True
    assert not any(value in json.dumps(payload) for value in BILLING.values())


def legacy_user(db: Conn) -> tuple[str, str]:
    """An old-app user imported by ops: (old id, our user id)."""
    old = "user_" + secrets.token_hex(8)
    bundle = {"id": old, "line_id": "U" + secrets.token_hex(16), "name": "Old Friend", "stars": 2}
    bundle |= {"coins": 0, "exp": 0, "free_points": 0}
    row = db.execute("select public.import_legacy_user(%s::jsonb) as r", (json.dumps(bundle),))
    return old, str(row.fetchone()["r"]["user_id"])


def test_erasure_removes_the_link_from_the_old_apps_id(db: Conn) -> None:
    old, uid = legacy_user(db)
    assert export(db, uid)["old_app_user_id"] == old
    delete(db, uid)
    linked = db.execute(
        "select count(*) as n from private.legacy_users where legacy_id = %s or user_id = %s",
        (old, uid),
    ).fetchone()
    assert linked["n"] == 0


def test_export_holds_share_links_admin_actions_and_the_old_apps_id(db: Conn) -> None:
    boss = admin(db)
    old, uid = legacy_user(db)
    rid = submit(db, uid, QUESTION)["id"]
    db.execute(
        "update public.readings set status = 'completed', result = '{\"header\": \"h\"}' where id = %s",
        (rid,),
    )
    token_hash = secrets.token_hex(32)
    as_user(db, uid, "public.share_reading(%s, %s, false)", (rid, token_hash))
    as_user(db, uid, "public.revoke_reading_shares(%s)", (rid,))
    as_user(
        db,
        boss,
        "public.admin_adjust_credits(%s, 'coin', 7, 'goodwill after an outage', %s)",
        (uid, "key-" + secrets.token_hex(8)),
    )
    got = export(db, uid)
    [link] = got["share_links"]
    assert link["token_hash_prefix"] == token_hash[:8]
    assert (link["reading_id"], link["include_question"]) == (rid, False)
    assert link["created_at"] is not None and link["revoked_at"] is not None
    assert [(a["action"], a["reason"]) for a in got["admin_actions"]] == [
        ("adjust_credits", "goodwill after an outage")
    ]
    assert got["old_app_user_id"] == old
    assert [r["ref"] for r in got["ledger"] if r["reason"] == "adjustment"] == ["admin"]
    assert len(got["exports"]) == 1
    text = json.dumps(got)
    assert token_hash not in text
    assert boss not in text


def test_a_fourth_export_in_an_hour_is_refused_in_sql_and_not_recorded(db: Conn) -> None:
    uid = login(db)["user"]["id"]
    for _ in range(3):
        assert export(db, uid)["format"] == "mimivibes-account-export/1"
    refused = outcome(db, "select public.export_my_data() as r", (), "authenticated", uid)
    assert refused == {"error": "PT429", "code": "rate_limited"}
    recorded = db.execute(
        "select count(*) as n from private.data_exports where user_id = %s", (uid,)
    ).fetchone()
    assert recorded["n"] == 3
    db.execute(
        "update private.data_exports set exported_at = exported_at - interval '61 minutes' "
        "where user_id = %s",
        (uid,),
    )
    assert len(export(db, uid)["exports"]) == 4  # an hour later, one more
