"""Shared helpers for the payments and stripe_webhook tests: buy through the function, drive the Stripe stand-in."""

from __future__ import annotations

import json
import secrets
import time
from typing import Any

import httpx

from mimi_local.stack import LocalStack
from mimi_local.stripe import StripeStub, sign_payload
from tests.functions.conftest import bearer


def payments_url(stack: LocalStack, path: str = "/") -> str:
    return f"{stack.url}/functions/payments{path}"


def webhook_url(stack: LocalStack) -> str:
    return f"{stack.url}/functions/stripe_webhook/"


def stub(stack: LocalStack) -> StripeStub:
    found: StripeStub = stack.state["stripe"]
    return found


def buy(
    stack: LocalStack, session: dict[str, Any], package_id: str = "stars_25", key: str | None = None
) -> dict[str, Any]:
    """POST /intents for the user; asserts 201 and returns the body."""
    headers = {**bearer(session), **({"Idempotency-Key": key} if key else {})}
    response = httpx.post(
        payments_url(stack, "/intents"), headers=headers, json={"package_id": package_id}
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def dev_action(stack: LocalStack, pi: str, action: str, **options: Any) -> dict[str, Any]:
    """A Stripe stand-in dev action (succeed, fail, refund, dispute); returns its events and deliveries."""
    response = httpx.post(
        f"{stack.url}/stripe/dev/payment_intents/{pi}/{action}", json=options, timeout=60
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    assert all(d["status"] == 200 for d in body["deliveries"]), body["deliveries"]
    return body


def event_of(result: dict[str, Any], type_: str) -> dict[str, Any]:
    found: dict[str, Any] = next(e for e in result["events"] if e["type"] == type_)
    return found


def send(
    stack: LocalStack,
    event: dict[str, Any] | str,
    *,
    secret: str | None = None,
    timestamp: int | None = None,
) -> httpx.Response:
    """POST an event to the webhook, signed with stripe's helper (the stack's secret unless told)."""
    payload = event if isinstance(event, str) else json.dumps(event)
    signature = sign_payload(payload, secret or stack.secrets["stripe_webhook_secret"], timestamp)
    return httpx.post(
        webhook_url(stack),
        content=payload.encode(),
        timeout=60,
        headers={"Content-Type": "application/json", "Stripe-Signature": signature},
    )


def new_event(type_: str, obj: dict[str, Any]) -> dict[str, Any]:
    """A fresh event (new id) carrying obj, shaped like Stripe's."""
    return {
        "id": "evt_" + secrets.token_hex(12),
        "object": "event",
        "api_version": "2026-10-28.endive",
        "created": int(time.time()),
        "data": {"object": obj},
        "livemode": False,
        "pending_webhooks": 1,
        "request": {"id": None, "idempotency_key": None},
        "type": type_,
    }


def wallet(stack: LocalStack, session: dict[str, Any]) -> dict[str, Any]:
    response = httpx.get(f"{stack.url}/functions/profile/", headers=bearer(session))
    assert response.status_code == 200, response.text
    found: dict[str, Any] = response.json()["wallet"]
    return found
