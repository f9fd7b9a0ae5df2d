"""The admin back office through its function URL: lookups, audited credit, freeze, payment, reading and settings
actions, each one SQL function (the ledger invariant is checked after the module)."""

from __future__ import annotations

import secrets
from typing import Any

import httpx

from mimi_local.stack import LocalStack
from tests.functions.admin_support import adjust, audit_rows, call, new_admin, ok
from tests.functions.conftest import bearer, login, refusal, rpc_refusal
from tests.functions.payments_support import buy, dev_action, new_event, send, stub
from tests.functions.readings_support import (
    ledger_keys,
    queued_reading,
    submit,
    wallet,
)


def test_find_a_user_by_line_id_referral_code_or_user_id(stack: LocalStack, sql: Any) -> None:
    admin, user = new_admin(stack), login(stack)
    uid = user["user"]["id"]
    row = sql.execute(
        "select line_user_id, referral_code from public.users where id = %s", (uid,)
    ).fetchone()
    for q in (row["line_user_id"], row["referral_code"].lower(), uid):
        found = ok(call(stack, admin, "GET", "/users", params={"q": q}))
        assert found["id"] == uid
        assert found["wallet"]["free_points"] == 3
        assert found["is_admin"] is False
    unknown = call(stack, admin, "GET", "/users", params={"q": "U" + "f" * 32})
    assert refusal(unknown) == (404, "user_not_found")
    malformed = call(stack, admin, "GET", "/users", params={"q": "who?"})
    assert refusal(malformed) == (422, "invalid_user_query")


def test_view_a_users_wallet_ledger_readings_and_payments(stack: LocalStack) -> None:
    admin, user = new_admin(stack), login(stack)
    uid = user["user"]["id"]
    reading = queued_reading(stack, user)
    intent = buy(stack, user, "stars_10")
    assert ok(call(stack, admin, "GET", f"/users/{uid}"))["wallet"]["free_points"] == 2
    ledger = ok(call(stack, admin, "GET", f"/users/{uid}/ledger"))
    assert [r["reason"] for r in ledger] == ["reading", "welcome_bonus"]
    older = ok(
        call(stack, admin, "GET", f"/users/{uid}/ledger", params={"before": ledger[0]["id"]})
    )
    assert [r["id"] for r in older] == [ledger[1]["id"]]
    readings = ok(call(stack, admin, "GET", f"/users/{uid}/readings"))
    assert [(r["id"], r["status"]) for r in readings] == [(reading, "queued")]
    payments = ok(call(stack, admin, "GET", f"/users/{uid}/payments"))
    assert [(p["payment_intent_id"], p["status"], p["flagged"]) for p in payments] == [
        (intent["payment_intent_id"], "pending", False)
    ]
    missing = call(stack, admin, "GET", "/users/00000000-0000-0000-0000-000000000000")
    assert refusal(missing) == (404, "user_not_found")


def test_an_adjustment_is_an_audited_ledger_row_once_per_key(stack: LocalStack, sql: Any) -> None:
    admin, user = new_admin(stack), login(stack)
    uid, key = user["user"]["id"], secrets.token_hex(8)
    first = ok(adjust(stack, admin, uid, key, delta=7, reason="support chat #77"))
    assert (first["wallet"]["stars"], first["replayed"]) == (7, False)
    again = ok(adjust(stack, admin, uid, key, delta=7, reason="support chat #77"))
    assert again["replayed"] is True
    assert wallet(stack, user)["stars"] == 7
    for changed in ({"delta": 8}, {"currency": "coin"}):
        reused = adjust(
            stack, admin, uid, key, **{"delta": 7, **changed}, reason="support chat #77"
        )
        assert refusal(reused) == (422, "idempotency_key_reused"), changed
    rows = sql.execute(
        "select * from public.ledger where user_id = %s and reason = 'adjustment'", (uid,)
    ).fetchall()
    assert [(r["currency"], r["delta"], r["ref"]) for r in rows] == [
        ("star", 7, f"admin:{admin['user']['id']}")
    ]
    entries = [
        (str(e["admin_id"]), e["reason"], e["target"], e["before"]["stars"], e["after"]["stars"])
        + (e["after"]["delta"],)
        for e in audit_rows(sql, uid, "adjust_credits")
    ]  # one row, whatever the retries: counted and read, never unpacked
    assert entries == [(admin["user"]["id"], "support chat #77", "star", 0, 7, 7)]
    down = ok(adjust(stack, admin, uid, delta=-2, currency="star"))
    assert down["wallet"]["stars"] == 5


def test_an_adjustment_needs_a_reason_and_a_key(stack: LocalStack, sql: Any) -> None:
    admin, user = new_admin(stack), login(stack)
    uid = user["user"]["id"]
    no_reason = call(
        stack,
        admin,
        "POST",
        f"/users/{uid}/adjustments",
        json={"currency": "coin", "delta": 5},
        headers={"Idempotency-Key": secrets.token_hex(8)},
    )
    assert no_reason.status_code == 422
    no_key = call(
        stack,
        admin,
        "POST",
        f"/users/{uid}/adjustments",
        json={"currency": "coin", "delta": 5, "reason": "goodwill"},
    )
    assert refusal(no_key) == (422, "idempotency_key_required")
    # the SQL function refuses a blank reason itself, however it is reached
    direct = httpx.post(
        f"{stack.url}/rest/v1/rpc/admin_adjust_credits",
        headers={**bearer(admin), "apikey": stack.secrets["anon_key"]},
        json={
            "p_user_id": uid,
            "p_currency": "coin",
            "p_delta": 5,
            "p_reason": "   ",
            "p_key": secrets.token_hex(8),
        },
    )
    assert rpc_refusal(direct) == (422, "reason_required")
    assert audit_rows(sql, uid) == []
    assert wallet(stack, user)["coins"] == 0


def test_a_deduction_never_goes_below_zero_unless_it_is_a_star_clawback(
    stack: LocalStack, sql: Any
) -> None:
    admin, user = new_admin(stack), login(stack)
    uid = user["user"]["id"]
    ok(adjust(stack, admin, uid, delta=2))
    refused = adjust(stack, admin, uid, delta=-3)
    assert refusal(refused) == (409, "balance_would_go_negative")
    assert refusal(adjust(stack, admin, uid, currency="coin", delta=-1)) == (
        409,
        "balance_would_go_negative",
    )
    assert refusal(adjust(stack, admin, uid, currency="coin", delta=-1, clawback=True)) == (
        422,
        "invalid_clawback",
    )
    clawed = ok(
        adjust(stack, admin, uid, delta=-3, clawback=True, reason="chargeback outside Stripe")
    )
    assert (clawed["wallet"]["stars"], clawed["wallet"]["clawback_debt"]) == (-1, 1)
    ok(adjust(stack, admin, uid, delta=1))
    assert ok(call(stack, admin, "GET", f"/users/{uid}"))["wallet"]["clawback_debt"] == 0


def test_freeze_stops_spending_until_an_admin_unfreezes(stack: LocalStack, sql: Any) -> None:
    admin, user = new_admin(stack), login(stack)
    uid = user["user"]["id"]
    frozen = ok(
        call(stack, admin, "POST", f"/users/{uid}/freeze", json={"reason": "suspected fraud"})
    )
    assert frozen["frozen"]
    assert frozen["frozen_by_admin"]
    assert refusal(submit(stack, user)) == (403, "account_frozen")
    # what settle_payment does when no dispute is open: the admin freeze holds
    sql.execute("update public.wallets set frozen = false where user_id = %s", (uid,))
    assert wallet(stack, user)["frozen"] is True
    thawed = ok(
        call(stack, admin, "POST", f"/users/{uid}/unfreeze", json={"reason": "cleared by support"})
    )
    assert not thawed["frozen"]
    assert not thawed["frozen_by_admin"]
    assert submit(stack, user).status_code == 202
    assert [r["action"] for r in audit_rows(sql, uid)] == ["freeze_wallet", "unfreeze_wallet"]


def test_unfreeze_is_refused_while_a_dispute_is_open(stack: LocalStack) -> None:
    admin, user = new_admin(stack), login(stack)
    uid = user["user"]["id"]
    pi = buy(stack, user, "stars_10")["payment_intent_id"]
    dev_action(stack, pi, "succeed")
    dev_action(stack, pi, "dispute")
    refused = call(
        stack, admin, "POST", f"/users/{uid}/unfreeze", json={"reason": "customer called"}
    )
    assert refusal(refused) == (409, "dispute_open")
    dev_action(stack, pi, "dispute", outcome="won")
    assert wallet(stack, user)["frozen"] is False


def flagged_payment(stack: LocalStack, user: dict[str, Any]) -> dict[str, Any]:
    """A payment Stripe says succeeded with an amount that does not match: flagged, no stars."""
    pi = buy(stack, user, "stars_25")["payment_intent_id"]
    intent = {
        **stub(stack).state.intent(pi),
        "status": "succeeded",
        "amount": 100,
        "amount_received": 100,
    }
    assert (
        send(stack, new_event("payment_intent.succeeded", intent)).json()["outcome"] == "mismatch"
    )
    return intent


def test_a_flagged_payment_is_credited_once_through_the_webhooks_path(
    stack: LocalStack, sql: Any
) -> None:
    admin, user = new_admin(stack), login(stack)
    pi = flagged_payment(stack, user)["id"]
    flagged = ok(call(stack, admin, "GET", "/payments/flagged"))
    payment = next(p for p in flagged if p["payment_intent_id"] == pi)
    assert (payment["status"], payment["flag_reason"]) == ("needs_review", "amount_mismatch")
    path = f"/payments/{payment['id']}/resolve"
    resolved = ok(
        call(
            stack,
            admin,
            "POST",
            path,
            json={"action": "credit", "reason": "amount checked in Stripe"},
        )
    )
    assert (resolved["status"], resolved["stars_credited"], resolved["resolution"]) == (
        "succeeded",
        25,
        "credited",
    )
    assert wallet(stack, user)["stars"] == 25
    assert ledger_keys(sql, user["user"]["id"])[f"stripe:{pi}:credit:star"] == 25
    again = call(stack, admin, "POST", path, json={"action": "credit", "reason": "double click"})
    assert refusal(again) == (409, "payment_not_flagged")
    assert wallet(stack, user)["stars"] == 25
    [entry] = audit_rows(sql, user["user"]["id"], "credit_payment")
    assert (entry["before"]["stars_credited"], entry["after"]["stars_credited"]) == (0, 25)


def test_a_flagged_payment_can_be_dismissed_and_only_a_succeeded_one_credited(
    stack: LocalStack, sql: Any
) -> None:
    admin, user = new_admin(stack), login(stack)
    flagged_payment(stack, user)
    payment_id = ok(call(stack, admin, "GET", f"/users/{user['user']['id']}/payments"))[0]["id"]
    sql.execute("update public.payments set succeeded_at = null where id = %s", (payment_id,))
    not_paid = call(
        stack,
        admin,
        "POST",
        f"/payments/{payment_id}/resolve",
        json={"action": "credit", "reason": "looks paid"},
    )
    assert refusal(not_paid) == (409, "payment_not_creditable")
    dismissed = ok(
        call(
            stack,
            admin,
            "POST",
            f"/payments/{payment_id}/resolve",
            json={"action": "dismiss", "reason": "test payment"},
        )
    )
    assert (dismissed["flagged"], dismissed["resolution"], dismissed["stars_credited"]) == (
        False,
        "dismissed",
        0,
    )
    assert wallet(stack, user)["stars"] == 0
    unknown = call(
        stack,
        admin,
        "POST",
        "/payments/00000000-0000-0000-0000-000000000000/resolve",
        json={"action": "dismiss", "reason": "typo"},
    )
    assert refusal(unknown) == (404, "payment_not_found")
