"""Admin operations on readings, settings and packages, and the audit trail, through the admin function."""

from __future__ import annotations

from typing import Any

import httpx

from mimi_local.stack import LocalStack
from tests.functions.admin_support import audit_rows, call, new_admin, ok
from tests.functions.conftest import bearer, login, refusal, rpc_refusal
from tests.functions.readings_support import (
    dispatcher,
    ledger_keys,
    queued_reading,
    reading_row,
    wallet,
)

WHY = {"reason": "support ticket 42"}


def dead_lettered(stack: LocalStack, sql: Any, user: dict[str, Any]) -> str:
    """A reading QStash gave up on: failed by the failure callback's SQL, its credit refunded."""
    reading = queued_reading(stack, user)
    sql.execute("select public.claim_reading(%s)", (reading,))
    sql.execute("select public.fail_reading(%s, 'delivery_failed')", (reading,))
    return reading


def test_failed_and_dead_lettered_readings_are_listed(stack: LocalStack, sql: Any) -> None:
    admin, user = new_admin(stack), login(stack)
    dlq = dead_lettered(stack, sql, user)
    for state in ("failed", "dlq"):
        assert dlq in [
            r["id"] for r in ok(call(stack, admin, "GET", "/readings", params={"state": state}))
        ]
    stuck = queued_reading(stack, user)
    listed = ok(
        call(stack, admin, "GET", "/readings", params={"state": "stuck", "older_than_s": 0})
    )
    assert stuck in [r["id"] for r in listed]
    assert dlq not in [r["id"] for r in listed]
    assert stuck not in [
        r["id"] for r in ok(call(stack, admin, "GET", "/readings", params={"state": "stuck"}))
    ]
    assert call(stack, admin, "GET", "/readings", params={"state": "lost"}).status_code == 422
    ok(
        call(stack, admin, "POST", f"/readings/{stuck}/refund", json=WHY)
    )  # leave nothing queued behind


def test_a_failed_reading_is_retried_through_qstash_and_completes(
    stack: LocalStack, sql: Any
) -> None:
    admin, user = new_admin(stack), login(stack)
    reading = dead_lettered(stack, sql, user)
    assert wallet(stack, user)["free_points"] == 3  # refunded when it failed
    retried = ok(call(stack, admin, "POST", f"/readings/{reading}/retry", json=WHY))
    assert (retried["status"], retried["published"], retried["failure_reason"]) == (
        "queued",
        True,
        None,
    )
    dispatcher(stack).wait_idle(30)
    row = reading_row(sql, reading)
    assert row["status"] == "completed"
    assert row["attempts"] == 2
    assert (
        wallet(stack, user)["free_points"] == 3
    )  # the retry is on the house: the refund stands, once
    again = call(stack, admin, "POST", f"/readings/{reading}/retry", json=WHY)
    assert refusal(again) == (409, "reading_not_retryable")
    refund = call(stack, admin, "POST", f"/readings/{reading}/refund", json=WHY)
    assert refusal(refund) == (409, "reading_not_refundable")
    [entry] = audit_rows(sql, user["user"]["id"], "retry_reading")
    assert (entry["before"]["status"], entry["after"]["status"], entry["reason"]) == (
        "failed",
        "queued",
        WHY["reason"],
    )


def test_a_stuck_reading_is_failed_and_refunded_at_most_once(stack: LocalStack, sql: Any) -> None:
    admin, user = new_admin(stack), login(stack)
    reading = queued_reading(stack, user)
    sql.execute("select public.claim_reading(%s)", (reading,))
    assert wallet(stack, user)["free_points"] == 2
    first = ok(call(stack, admin, "POST", f"/readings/{reading}/refund", json=WHY))
    assert (first["status"], first["failure_reason"], first["refund"]["refunded"]) == (
        "failed",
        "admin_refund",
        True,
    )
    second = ok(call(stack, admin, "POST", f"/readings/{reading}/refund", json=WHY))
    assert second["refund"].get("replayed") is True
    assert wallet(stack, user)["free_points"] == 3
    assert (
        sum(
            1
            for k in ledger_keys(sql, user["user"]["id"])
            if k.startswith(f"reading:{reading}:refund")
        )
        == 1
    )
    missing = call(
        stack, admin, "POST", "/readings/00000000-0000-0000-0000-000000000000/refund", json=WHY
    )
    assert refusal(missing) == (404, "reading_not_found")


def test_settings_are_edited_within_their_bounds(stack: LocalStack, sql: Any) -> None:
    admin = new_admin(stack)
    catalog = ok(call(stack, admin, "GET", "/catalog"))
    cost = next(s for s in catalog["settings"] if s["key"] == "reading_cost")
    assert (cost["value"], cost["min_value"]) == (1, 1)
    assert {p["id"] for p in catalog["packages"]} >= {"stars_10", "stars_25", "stars_60"}
    changed = ok(
        call(stack, admin, "PATCH", "/settings/review_reward_coins", json={"value": 4, **WHY})
    )
    assert changed["value"] == 4
    zero = call(stack, admin, "PATCH", "/settings/coins_per_star", json={"value": 0, **WHY})
    assert refusal(zero) == (422, "invalid_setting_value")
    unknown = call(stack, admin, "PATCH", "/settings/free_money", json={"value": 1, **WHY})
    assert refusal(unknown) == (404, "setting_not_found")
    ok(call(stack, admin, "PATCH", "/settings/review_reward_coins", json={"value": 2, **WHY}))
    rows = audit_rows(sql, action="update_setting")
    assert [(r["before"], r["after"]) for r in rows if r["target"] == "review_reward_coins"][
        -2:
    ] == [({"value": 2}, {"value": 4}), ({"value": 4}, {"value": 2})]


def test_packages_are_created_and_edited_validated(stack: LocalStack) -> None:
    admin, user = new_admin(stack), login(stack)
    created = ok(
        call(
            stack,
            admin,
            "PUT",
            "/packages/stars_200_test",
            json={"title": "200 Stars", "price_satang": 99900, "stars": 200, "sort": 40, **WHY},
        )
    )
    assert (created["price_satang"], created["active"], created["kind"]) == (99900, True, "stars")
    on_sale = httpx.get(f"{stack.url}/functions/payments/packages", headers=bearer(user)).json()
    assert "stars_200_test" in [p["id"] for p in on_sale]
    edited = ok(
        call(
            stack,
            admin,
            "PUT",
            "/packages/stars_200_test",
            json={"stars": 210, "active": False, **WHY},
        )
    )
    assert (edited["stars"], edited["title"], edited["active"]) == (210, "200 Stars", False)
    incomplete = call(stack, admin, "PUT", "/packages/stars_new_test", json={"title": "New", **WHY})
    assert refusal(incomplete) == (422, "invalid_package")
    assert (
        call(
            stack, admin, "PUT", "/packages/stars_10", json={"price_satang": 50, **WHY}
        ).status_code
        == 422
    )
    # the SQL function validates on its own, whatever the caller sends
    direct = httpx.post(
        f"{stack.url}/rest/v1/rpc/admin_save_package",
        headers={**bearer(admin), "apikey": stack.secrets["anon_key"]},
        json={"p_id": "stars_10", "p_changes": {"price_satang": 50}, "p_reason": "typo"},
    )
    assert rpc_refusal(direct) == (422, "invalid_package")
    bad_type = httpx.post(
        f"{stack.url}/rest/v1/rpc/admin_save_package",
        headers={**bearer(admin), "apikey": stack.secrets["anon_key"]},
        json={
            "p_id": "stars_10",
            "p_changes": {"active": "yes", "kind": "coins"},
            "p_reason": "typo",
        },
    )
    assert bad_type.status_code == 422


def test_the_audit_trail_lists_who_did_what_to_whom(stack: LocalStack) -> None:
    admin, user = new_admin(stack), login(stack)
    uid = user["user"]["id"]
    ok(call(stack, admin, "POST", f"/users/{uid}/freeze", json=WHY))
    ok(call(stack, admin, "POST", f"/users/{uid}/unfreeze", json=WHY))
    trail = ok(call(stack, admin, "GET", "/audit", params={"user_id": uid}))
    assert [(e["action"], e["admin_id"], e["reason"]) for e in trail] == [
        ("unfreeze_wallet", admin["user"]["id"], WHY["reason"]),
        ("freeze_wallet", admin["user"]["id"], WHY["reason"]),
    ]


def test_the_audit_trail_of_a_malformed_user_id_is_a_validation_error(stack: LocalStack) -> None:
    admin = new_admin(stack)
    response = call(stack, admin, "GET", "/audit", params={"user_id": "not-a-uuid"})
    assert refusal(response) == (422, "validation_failed")
