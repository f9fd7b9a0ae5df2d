"""Bad input found by fuzzing: signed Stripe and QStash bodies that used to answer 5xx."""

from __future__ import annotations

import base64
import json
import secrets
from typing import Any

import pytest

from mimi_local.stack import LocalStack
from tests.functions.conftest import login
from tests.functions.payments_support import buy, dev_action, event_of, new_event, send, wallet
from tests.functions.readings_support import deliver_signed


def _stored(sql: Any, event_id: str) -> dict[str, Any] | None:
    row: dict[str, Any] | None = sql.execute(
        "select outcome, invalid_reason, payload from private.stripe_events where id = %s",
        (event_id,),
    ).fetchone()
    return row


def test_a_signed_stripe_body_nested_ten_thousand_deep_is_400(stack: LocalStack, sql: Any) -> None:
    event_id = "evt_" + secrets.token_hex(12)
    head = json.dumps({"id": event_id, "object": "event", "type": "charge.refunded", "created": 1})[
        :-1
    ]
    payload = head + ', "data": {"object": ' + "[" * 10_000 + "]" * 10_000 + "}}"
    response = send(stack, payload)
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_payload"
    assert _stored(sql, event_id) is None


def _paid(stack: LocalStack) -> tuple[dict[str, Any], dict[str, Any]]:
    """A session and the succeeded event of its credited purchase."""
    session = login(stack)
    intent = buy(stack, session)
    event = event_of(
        dev_action(stack, intent["payment_intent_id"], "succeed", deliver=False),
        "payment_intent.succeeded",
    )
    assert send(stack, event).json()["outcome"] == "credited"
    return session, event


def _impossible_events(pi: str) -> list[tuple[str, dict[str, Any]]]:
    charge = {
        "id": "ch_" + secrets.token_hex(6),
        "object": "charge",
        "amount": 19900,
        "currency": "thb",
        "payment_intent": pi,
    }
    dispute = {
        "id": "dp_" + secrets.token_hex(6),
        "object": "dispute",
        "amount": 19900,
        "charge": charge["id"],
        "payment_intent": pi,
    }
    return [
        ("amount_refunded", new_event("charge.refunded", {**charge, "amount_refunded": 2**63})),
        ("amount_refunded", new_event("charge.refunded", {**charge, "amount_refunded": 2**40})),
        ("nul_character", new_event("charge.dispute.closed", {**dispute, "status": "lo\u0000st"})),
        (
            "nul_character",
            new_event(
                "charge.refunded", {**charge, "amount_refunded": 100, "description": "a\u0000b"}
            ),
        ),
        ("amount_refunded", new_event("charge.refunded", charge)),  # lacks the field we read
    ]


@pytest.mark.parametrize("case", range(5))
def test_signed_stripe_events_with_impossible_values_are_stored_flagged_and_200(
    stack: LocalStack, sql: Any, case: int
) -> None:
    session, paid = _paid(stack)
    pi = paid["data"]["object"]["id"]
    reason, event = _impossible_events(pi)[case]
    for _ in range(2):  # a redelivery is acknowledged the same way
        response = send(stack, event)
        assert response.status_code == 200, response.text
        assert response.json()["outcome"] in ("invalid", "duplicate")
    row = _stored(sql, event["id"])
    assert row is not None
    assert row["outcome"] == "invalid"
    assert row["invalid_reason"].startswith(reason)
    assert "\u0000" not in json.dumps(row["payload"])
    payment = sql.execute(
        "select flagged, flag_reason, amount_refunded from public.payments "
        "where payment_intent_id = %s",
        (pi,),
    ).fetchone()
    assert payment["flagged"]
    assert payment["flag_reason"] == "invalid_stripe_event"
    assert payment["amount_refunded"] == 0
    assert wallet(stack, session)["stars"] == 25


@pytest.mark.parametrize("source_body", ["ความรัก", "caf\u00e9==", "\u0661\u0662\u0663\u0664"])
def test_a_signed_failure_callback_with_non_ascii_source_body_is_422(
    stack: LocalStack, source_body: str
) -> None:
    body = json.dumps(
        {"status": 503, "retried": 3, "sourceBody": source_body}, ensure_ascii=False
    ).encode()
    response = deliver_signed(stack, "/failed", body)
    assert response.status_code == 422
    assert response.json()["code"] == "invalid_callback"
    escaped = json.dumps({"sourceBody": base64.b64encode(b"x").decode() + "\u00e9"}).encode()
    assert deliver_signed(stack, "/failed", escaped).status_code == 422
