"""payments function: packages, PaymentIntents at the server's price, the purchase journey, history."""

from __future__ import annotations

import secrets
from typing import Any

import httpx
import pytest

from mimi_local.stack import LocalStack
from tests.functions.conftest import bearer, login
from tests.functions.payments_support import (
    buy,
    dev_action,
    event_of,
    payments_url,
    send,
    stub,
    wallet,
)


def test_packages_are_public_in_display_order(stack: LocalStack) -> None:
    response = httpx.get(payments_url(stack, "/packages"))
    assert response.status_code == 200
    assert "max-age" in response.headers["cache-control"]
    rows = [
        (p["id"], p["price_satang"], p["price_thb"], p["stars"], p["popular"])
        for p in response.json()
    ]
    assert rows == [
        ("stars_10", 9900, 99.0, 10, False),
        ("stars_25", 19900, 199.0, 25, True),
        ("stars_60", 39900, 399.0, 60, False),
    ]
    assert {p["currency"] for p in response.json()} == {"thb"}


def test_purchase_journey_credits_once_and_shows_in_history(stack: LocalStack, sql: Any) -> None:
    session = login(stack, name="Buyer")
    intent = buy(stack, session, "stars_25")
    assert (intent["amount"], intent["currency"], intent["stars"]) == (19900, "thb", 25)
    assert intent["client_secret"].startswith(intent["payment_intent_id"] + "_secret_")
    at_stripe = stub(stack).state.intents[intent["payment_intent_id"]]
    assert at_stripe["metadata"] == {"user_id": session["user"]["id"], "package_id": "stars_25"}
    assert at_stripe["automatic_payment_methods"]["enabled"] is True
    history = httpx.get(payments_url(stack), headers=bearer(session)).json()
    assert [p["status"] for p in history["items"]] == ["pending"]

    paid = dev_action(stack, intent["payment_intent_id"], "succeed")
    assert wallet(stack, session)["stars"] == 25
    retry = send(
        stack, event_of(paid, "payment_intent.succeeded")
    )  # Stripe redelivers the same event
    assert retry.status_code == 200
    assert retry.json()["outcome"] == "duplicate"
    assert wallet(stack, session)["stars"] == 25

    item = httpx.get(payments_url(stack), headers=bearer(session)).json()["items"][0]
    assert (item["package_id"], item["amount_satang"], item["status"], item["stars_credited"]) == (
        "stars_25",
        19900,
        "succeeded",
        25,
    )
    ledger = sql.execute(
        "select delta, reason, ref from public.ledger where user_id = %s and currency = 'star'",
        (session["user"]["id"],),
    ).fetchall()
    assert ledger == [
        {"delta": 25, "reason": "stripe_purchase", "ref": intent["payment_intent_id"]}
    ]


def test_a_declined_payment_shows_as_failed(stack: LocalStack) -> None:
    session = login(stack)
    intent = buy(stack, session, "stars_10")
    dev_action(stack, intent["payment_intent_id"], "fail")
    item = httpx.get(payments_url(stack), headers=bearer(session)).json()["items"][0]
    assert (item["status"], item["stars_credited"]) == ("failed", 0)


def test_the_same_idempotency_key_returns_the_same_intent(stack: LocalStack) -> None:
    session = login(stack)
    key = "tap-" + secrets.token_hex(8)
    before = len(stub(stack).state.intents)
    first, again = buy(stack, session, "stars_10", key), buy(stack, session, "stars_10", key)
    assert first == again
    assert len(stub(stack).state.intents) == before + 1
    reused = httpx.post(
        payments_url(stack, "/intents"),
        headers={**bearer(session), "Idempotency-Key": key},
        json={"package_id": "stars_60"},
    )
    assert reused.status_code == 422
    assert reused.json()["code"] == "idempotency_key_reused"
    other_user = buy(stack, login(stack), "stars_10", key)  # keys are scoped per user
    assert other_user["payment_intent_id"] != first["payment_intent_id"]


def test_a_key_stripe_has_forgotten_is_still_refused_for_another_package(
    stack: LocalStack, sql: Any
) -> None:
    session = login(stack)
    key = "tap-" + secrets.token_hex(8)
    buy(stack, session, "stars_10", key)
    stub(stack).idempotency.pop(
        f"mimi-intent:{session['user']['id']}:{key}"
    )  # Stripe keeps keys for 24 hours
    reused = httpx.post(
        payments_url(stack, "/intents"),
        headers={**bearer(session), "Idempotency-Key": key},
        json={"package_id": "stars_60"},
    )
    assert reused.status_code == 422
    assert reused.json()["code"] == "idempotency_key_reused"
    rows = sql.execute(
        "select package_id from public.payments where user_id = %s", (session["user"]["id"],)
    )
    assert [r["package_id"] for r in rows.fetchall()] == ["stars_10"]


def test_bad_packages_are_refused_before_any_intent_is_created(stack: LocalStack, sql: Any) -> None:
    session = login(stack)
    sql.execute(
        "insert into public.packages (id, kind, title, price_satang, stars, active) values "
        "('vip_month', 'subscription', 'VIP month', 29900, 0, true), "
        "('stars_old', 'stars', 'Old stars', 4900, 5, false) on conflict do nothing"
    )
    before = len(stub(stack).state.intents)
    cases: list[tuple[dict[str, Any], int, str]] = [
        ({"package_id": "stars_1000"}, 404, "package_not_found"),
        ({}, 422, "validation_failed"),
        ({"package_id": "vip_month"}, 422, "package_not_purchasable"),
        ({"package_id": "stars_old"}, 422, "package_not_purchasable"),
        (
            {"package_id": "stars_10", "amount": 100},
            422,
            "validation_failed",
        ),  # the client never sets a price
        ({"package_id": "../x"}, 422, "validation_failed"),
    ]
    for body, status, code in cases:
        response = httpx.post(payments_url(stack, "/intents"), headers=bearer(session), json=body)
        assert response.status_code == status, (body, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")
        assert response.json()["code"] == code, body
    assert len(stub(stack).state.intents) == before
    assert httpx.get(payments_url(stack), headers=bearer(session)).json()["items"] == []
    ids = [p["id"] for p in httpx.get(payments_url(stack, "/packages")).json()]
    assert "vip_month" not in ids
    assert "stars_old" not in ids


def test_intents_and_history_need_a_login(stack: LocalStack) -> None:
    assert (
        httpx.post(payments_url(stack, "/intents"), json={"package_id": "stars_10"}).status_code
        == 401
    )
    assert httpx.get(payments_url(stack)).status_code == 401
    bad_key = httpx.post(
        payments_url(stack, "/intents"),
        headers={**bearer(login(stack)), "Idempotency-Key": "x"},
        json={"package_id": "stars_10"},
    )
    assert bad_key.status_code == 422
    assert bad_key.json()["code"] == "invalid_idempotency_key"


@pytest.mark.parametrize("key", ["x", "1234567", "k" * 101])
def test_a_bad_idempotency_key_is_422_before_stripe_is_asked(stack: LocalStack, key: str) -> None:
    session = login(stack)
    before = len(stub(stack).state.intents)
    response = httpx.post(
        payments_url(stack, "/intents"),
        headers={**bearer(session), "Idempotency-Key": key},
        json={"package_id": "stars_10"},
    )
    assert (response.status_code, response.json()["code"]) == (422, "invalid_idempotency_key")
    assert len(stub(stack).state.intents) == before


def test_history_is_newest_first_paginated_and_private(stack: LocalStack) -> None:
    session, other = login(stack), login(stack)
    bought = [
        buy(stack, session, p)["payment_intent_id"] for p in ("stars_10", "stars_25", "stars_60")
    ]
    buy(stack, other, "stars_10")
    page1 = httpx.get(payments_url(stack), headers=bearer(session), params={"limit": 2}).json()
    page2 = httpx.get(
        payments_url(stack),
        headers=bearer(session),
        params={"limit": 2, "cursor": page1["next_cursor"]},
    ).json()
    assert [p["package_id"] for p in page1["items"] + page2["items"]] == [
        "stars_60",
        "stars_25",
        "stars_10",
    ]
    assert page2["next_cursor"] is None
    assert len(bought) == 3
    bad = httpx.get(payments_url(stack), headers=bearer(session), params={"cursor": "!!"})
    assert bad.status_code == 422


def test_a_payment_intent_this_app_never_created_leaves_the_history_a_day_later(
    stack: LocalStack, sql: Any
) -> None:
    session = login(stack)
    invented = "pi_" + secrets.token_hex(12)
    recorded = httpx.post(
        f"{stack.url}/rest/v1/rpc/record_payment_intent",
        headers={**bearer(session), "apikey": stack.secrets["anon_key"]},
        json={"p_payment_intent_id": invented, "p_package_id": "stars_10"},
    )  # the user's own token, straight at PostgREST: nothing refuses an id we did not make
    assert recorded.status_code == 200, recorded.text
    paid = buy(stack, session)["payment_intent_id"]
    dev_action(stack, paid, "succeed")
    url = f"{stack.url}/functions/payments/"
    assert len(httpx.get(url, headers=bearer(session)).json()["items"]) == 2
    sql.execute(
        "update public.payments set created_at = now() - interval '25 hours'"
        " where payment_intent_id = any(%s)",
        ([invented, paid],),
    )
    items = httpx.get(url, headers=bearer(session)).json()["items"]
    assert [(p["status"], p["stars_credited"]) for p in items] == [("succeeded", 25)]
