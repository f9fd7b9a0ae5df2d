"""An admin who cannot deal for themselves, through the admin function: never their own wallet, a second admin for
adjustments above the threshold, and a trace of who looked at whose questions."""

from __future__ import annotations

from typing import Any

from mimi_local.stack import LocalStack
from tests.functions.admin_support import adjust, audit_rows, call, new_admin, ok
from tests.functions.conftest import login
from tests.functions.readings_support import queued_reading, wallet

WHY = {"reason": "checked ticket 81"}


def test_an_admin_cannot_adjust_their_own_wallet(stack: LocalStack, sql: Any) -> None:
    admin = new_admin(stack)
    refused = adjust(stack, admin, admin["user"]["id"], delta=50)
    assert (refused.status_code, refused.json().get("code")) == (403, "own_wallet")
    assert wallet(stack, admin)["stars"] == 0
    assert audit_rows(sql, admin["user"]["id"], "adjust_credits") == []


def test_a_large_adjustment_is_applied_only_when_another_admin_approves_it(
    stack: LocalStack, sql: Any
) -> None:
    asker, approver, user = new_admin(stack), new_admin(stack), login(stack)
    uid = user["user"]["id"]
    pending = ok(adjust(stack, asker, uid, delta=250))
    assert (pending["status"], pending["wallet"]["stars"]) == ("pending_approval", 0)
    request = pending["request_id"]
    listed = ok(call(stack, approver, "GET", "/adjustments"))
    assert request in [r["id"] for r in listed]
    own = call(stack, asker, "POST", f"/adjustments/{request}/approve", json=WHY)
    assert (own.status_code, own.json().get("code")) == (403, "second_admin_required")
    assert wallet(stack, user)["stars"] == 0
    approved = ok(call(stack, approver, "POST", f"/adjustments/{request}/approve", json=WHY))
    assert (approved["status"], approved["decided_by"]) == ("approved", approver["user"]["id"])
    again = ok(call(stack, approver, "POST", f"/adjustments/{request}/approve", json=WHY))
    assert again["replayed"] is True
    assert wallet(stack, user)["stars"] == 250
    assert [r["action"] for r in audit_rows(sql, uid)] == [
        "request_adjustment",
        "approve_adjustment",
    ]
    ledger = sql.execute(
        "select count(*) as n from public.ledger where user_id = %s and reason = 'adjustment'",
        (uid,),
    ).fetchone()
    assert ledger["n"] == 1


def test_a_rejected_adjustment_changes_nothing(stack: LocalStack) -> None:
    asker, other, user = new_admin(stack), new_admin(stack), login(stack)
    request = ok(adjust(stack, asker, user["user"]["id"], delta=-500, clawback=True))["request_id"]
    rejected = ok(call(stack, other, "POST", f"/adjustments/{request}/reject", json=WHY))
    assert rejected["status"] == "rejected"
    late = call(stack, other, "POST", f"/adjustments/{request}/approve", json=WHY)
    assert (late.status_code, late.json().get("code")) == (409, "adjustment_request_decided")
    assert wallet(stack, user)["stars"] == 0
    unknown = call(stack, other, "POST", "/adjustments/not-a-uuid/approve", json=WHY)
    assert (unknown.status_code, unknown.json().get("code")) == (
        404,
        "adjustment_request_not_found",
    )


def test_looking_at_a_users_questions_leaves_a_trace_without_them(
    stack: LocalStack, sql: Any
) -> None:
    admin, user = new_admin(stack), login(stack)
    uid = user["user"]["id"]
    reading = queued_reading(stack, user)
    shown = ok(call(stack, admin, "GET", f"/users/{uid}/readings"))
    assert [r["id"] for r in shown] == [reading]
    ok(call(stack, admin, "GET", "/readings", params={"state": "stuck", "older_than_s": 0}))
    trail = ok(call(stack, admin, "GET", "/audit", params={"user_id": uid}))
    views = [
        (e["action"], e["target"], e["admin_id"]) for e in trail if e["action"] == "view_readings"
    ]
    assert views == [
        ("view_readings", "stuck_readings", admin["user"]["id"]),
        ("view_readings", "user_readings", admin["user"]["id"]),
    ]
    assert shown[0]["question"] not in str(trail)
    ok(call(stack, admin, "POST", f"/readings/{reading}/refund", json=WHY))  # nothing left queued
