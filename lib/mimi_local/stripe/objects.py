"""The Stripe stand-in's state: PaymentIntents, charges, refunds, disputes and the events their changes emit."""

from __future__ import annotations

import copy
import secrets
import string
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

API_VERSION = "2026-10-28.endive"
CREATE_PARAMS = {
    "amount",
    "currency",
    "metadata",
    "automatic_payment_methods",
    "description",
    "payment_method_types",
    "receipt_email",
    "customer",
    "capture_method",
    "statement_descriptor",
    "statement_descriptor_suffix",
    "setup_future_usage",
    "expand",
}
MIN_AMOUNT = {"thb": 1000}  # Stripe's minimum charge: 10.00 THB
DECLINE = {
    "code": "card_declined",
    "decline_code": "generic_decline",
    "message": "Your card was declined.",
    "type": "card_error",
}
_ALPHABET = string.ascii_letters + string.digits


class StripeApiError(Exception):
    """An error Stripe would answer: HTTP status and its `error` object."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        type_: str = "invalid_request_error",
        code: str | None = None,
        param: str | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.body: dict[str, Any] = {
            "error": {"type": type_, "message": message, "code": code, "param": param}
        }


def new_id(prefix: str, length: int = 24) -> str:
    """A Stripe-looking id: prefix_ + random alphanumerics."""
    return f"{prefix}_" + "".join(secrets.choice(_ALPHABET) for _ in range(length))


def decode_form(body: str) -> dict[str, Any]:
    """Stripe's form encoding (`metadata[user_id]=...`, `list[0]=...`) as nested dicts."""
    result: dict[str, Any] = {}
    for key, value in parse_qsl(body, keep_blank_values=True):
        head, _, rest = key.partition("[")
        parts = [head, *[p.rstrip("]") for p in rest.split("[")]] if rest else [head]
        node = result
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = value
    return result


def _list(url: str, items: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "object": "list",
        "data": items,
        "has_more": False,
        "total_count": len(items),
        "url": url,
    }


def _limit(value: Any) -> int:
    if value is None:
        return 10
    if not str(value).isdigit() or not 1 <= int(value) <= 100:
        raise StripeApiError(
            400,
            "This value must be between 1 and 100.",
            code="parameter_invalid_integer",
            param="limit",
        )
    return int(value)


def _created_within(created: int, bounds: dict[str, Any]) -> bool:
    """Whether a `created` timestamp meets Stripe's range filter (gt, gte, lt, lte, or an exact value)."""
    tests = {
        "gt": int.__gt__,
        "gte": int.__ge__,
        "lt": int.__lt__,
        "lte": int.__le__,
        "eq": int.__eq__,
    }
    for name, value in bounds.items():
        if name not in tests or not str(value).lstrip("-").isdigit():
            raise StripeApiError(
                400,
                f"Invalid created[{name}]",
                code="parameter_invalid_integer",
                param=f"created[{name}]",
            )
        if not tests[name](int(created), int(value)):
            return False
    return True


def check_create(params: dict[str, Any]) -> tuple[int, str]:
    """The amount and currency of a valid create request; StripeApiError as Stripe words it otherwise."""
    unknown = sorted(set(params) - CREATE_PARAMS)
    if unknown:
        raise StripeApiError(
            400,
            f"Received unknown parameter: {unknown[0]}",
            code="parameter_unknown",
            param=unknown[0],
        )
    for name in ("amount", "currency"):
        if name not in params:
            raise StripeApiError(
                400, f"Missing required param: {name}.", code="parameter_missing", param=name
            )
    amount, currency = str(params["amount"]), str(params["currency"]).lower()
    if not amount.isdigit() or int(amount) < 1:
        raise StripeApiError(
            400, "Invalid positive integer", code="parameter_invalid_integer", param="amount"
        )
    if int(amount) < MIN_AMOUNT.get(currency, 1):
        raise StripeApiError(
            400,
            "Amount must be at least the minimum charge amount.",
            code="amount_too_small",
            param="amount",
        )
    if len(currency) != 3 or not currency.isalpha():
        raise StripeApiError(
            400, f"Invalid currency: {currency}.", code="parameter_invalid_string", param="currency"
        )
    return int(amount), currency


@dataclass
class StripeState:
    """Everything the stand-in has created, by id; `events` keeps every event it emitted."""

    intents: dict[str, dict[str, Any]] = field(default_factory=dict)
    charges: dict[str, dict[str, Any]] = field(default_factory=dict)
    disputes: dict[str, dict[str, Any]] = field(default_factory=dict)
    events: dict[str, dict[str, Any]] = field(default_factory=dict)

    def create_intent(self, params: dict[str, Any]) -> dict[str, Any]:
        """POST /v1/payment_intents."""
        amount, currency = check_create(params)
        pi_id = new_id("pi")
        automatic = params.get("automatic_payment_methods") or {}
        intent = {
            "id": pi_id,
            "object": "payment_intent",
            "amount": amount,
            "amount_capturable": 0,
            "amount_received": 0,
            "automatic_payment_methods": {
                "enabled": str(automatic.get("enabled")) == "true",
                "allow_redirects": "always",
            }
            if automatic
            else None,
            "capture_method": "automatic",
            "client_secret": f"{pi_id}_secret_{new_id('s', 25)[2:]}",
            "confirmation_method": "automatic",
            "created": int(time.time()),
            "currency": currency,
            "customer": params.get("customer"),
            "description": params.get("description"),
            "last_payment_error": None,
            "latest_charge": None,
            "livemode": False,
            "metadata": dict(params.get("metadata") or {}),
            "payment_method": None,
            "payment_method_types": ["card", "promptpay"]
            if automatic
            else list((params.get("payment_method_types") or {"0": "card"}).values()),
            "status": "requires_payment_method",
            "canceled_at": None,
            "cancellation_reason": None,
        }
        self.intents[pi_id] = intent
        return intent

    def list_intents(self, params: dict[str, Any]) -> dict[str, Any]:
        """GET /v1/payment_intents: newest first, `created[gt|gte|lt|lte]`, `limit`, `starting_after`."""
        limit = _limit(params.get("limit"))
        created = params.get("created")
        bounds = (
            created
            if isinstance(created, dict)
            else ({"eq": created} if created is not None else {})
        )
        items = [
            i for i in reversed(self.intents.values()) if _created_within(i["created"], bounds)
        ]
        items.sort(
            key=lambda i: -int(i["created"])
        )  # stable: same-second intents stay newest first
        after = params.get("starting_after")
        if after is not None:
            ids = [i["id"] for i in items]
            if after not in ids:
                raise StripeApiError(
                    400,
                    f"No such payment_intent: '{after}'",
                    code="resource_missing",
                    param="starting_after",
                )
            items = items[ids.index(after) + 1 :]
        page = _list("/v1/payment_intents", items[:limit])
        del page["total_count"]  # Stripe's lists carry has_more, not a total
        return {**page, "has_more": len(items) > limit}

    def intent(self, pi_id: str) -> dict[str, Any]:
        if pi_id not in self.intents:
            raise StripeApiError(
                404, f"No such payment_intent: '{pi_id}'", code="resource_missing", param="intent"
            )
        return self.intents[pi_id]

    def _charge_of(self, intent: dict[str, Any]) -> dict[str, Any]:
        if intent["status"] != "succeeded" or not intent["latest_charge"]:
            raise StripeApiError(
                400,
                "This PaymentIntent has no successful charge yet.",
                code="payment_intent_unexpected_state",
            )
        return self.charges[intent["latest_charge"]]

    def event(self, type_: str, obj: dict[str, Any]) -> dict[str, Any]:
        """A new event carrying a snapshot of obj."""
        event_id = new_id("evt")
        event: dict[str, Any] = {
            "id": event_id,
            "object": "event",
            "api_version": API_VERSION,
            "created": int(time.time()),
            "data": {"object": copy.deepcopy(obj)},
            "livemode": False,
            "pending_webhooks": 1,
            "request": {"id": None, "idempotency_key": None},
            "type": type_,
        }
        self.events[event_id] = event
        return event

    def succeed(self, pi_id: str) -> list[dict[str, Any]]:
        """The customer paid: a charge for the full amount, then charge.succeeded and payment_intent.succeeded."""
        intent = self.intent(pi_id)
        if intent["status"] not in (
            "requires_payment_method",
            "requires_confirmation",
            "requires_action",
        ):
            raise StripeApiError(
                400,
                f"This PaymentIntent's status is {intent['status']}.",
                code="payment_intent_unexpected_state",
            )
        charge = {
            "id": new_id("ch"),
            "object": "charge",
            "amount": intent["amount"],
            "amount_captured": intent["amount"],
            "amount_refunded": 0,
            "balance_transaction": new_id("txn"),
            "captured": True,
            "created": int(time.time()),
            "currency": intent["currency"],
            "disputed": False,
            "livemode": False,
            "metadata": dict(intent["metadata"]),
            "paid": True,
            "payment_intent": pi_id,
            "refunded": False,
            "status": "succeeded",
        }
        charge["refunds"] = _list(f"/v1/charges/{charge['id']}/refunds", [])
        self.charges[charge["id"]] = charge
        intent.update(
            status="succeeded",
            amount_received=intent["amount"],
            latest_charge=charge["id"],
            last_payment_error=None,
        )
        return [
            self.event("charge.succeeded", charge),
            self.event("payment_intent.succeeded", intent),
        ]

    def fail(self, pi_id: str) -> list[dict[str, Any]]:
        """A declined attempt: the PaymentIntent waits for another payment method."""
        intent = self.intent(pi_id)
        if intent["status"] in ("succeeded", "canceled"):
            raise StripeApiError(
                400,
                f"This PaymentIntent's status is {intent['status']}.",
                code="payment_intent_unexpected_state",
            )
        intent.update(status="requires_payment_method", last_payment_error=dict(DECLINE))
        return [self.event("payment_intent.payment_failed", intent)]

    def refund(self, pi_id: str, amount: int | None) -> list[dict[str, Any]]:
        """Refund part (amount) or the rest of the charge: charge.refunded with the running total."""
        charge = self._charge_of(self.intent(pi_id))
        left = charge["amount"] - charge["amount_refunded"]
        amount = left if amount is None else amount
        if not 1 <= amount <= left:
            raise StripeApiError(
                400,
                f"Refund amount ({amount}) must be between 1 and {left}.",
                code="amount_too_large",
                param="amount",
            )
        refund = {
            "id": new_id("re"),
            "object": "refund",
            "amount": amount,
            "charge": charge["id"],
            "created": int(time.time()),
            "currency": charge["currency"],
            "metadata": {},
            "payment_intent": pi_id,
            "reason": "requested_by_customer",
            "status": "succeeded",
        }
        charge["amount_refunded"] += amount
        charge["refunded"] = charge["amount_refunded"] == charge["amount"]
        charge["refunds"] = _list(charge["refunds"]["url"], [refund, *charge["refunds"]["data"]])
        return [self.event("charge.refunded", charge)]

    def dispute(self, pi_id: str, outcome: str | None) -> list[dict[str, Any]]:
        """Open a dispute (charge.dispute.created) and/or close it as won or lost (charge.dispute.closed)."""
        charge = self._charge_of(self.intent(pi_id))
        found = [d for d in self.disputes.values() if d["charge"] == charge["id"]]
        events = []
        if not found:
            found = [
                {
                    "id": new_id("dp"),
                    "object": "dispute",
                    "amount": charge["amount"] - charge["amount_refunded"],
                    "charge": charge["id"],
                    "created": int(time.time()),
                    "currency": charge["currency"],
                    "is_charge_refundable": False,
                    "livemode": False,
                    "metadata": {},
                    "payment_intent": pi_id,
                    "reason": "fraudulent",
                    "status": "needs_response",
                }
            ]
            self.disputes[found[0]["id"]] = found[0]
            charge["disputed"] = True
            events.append(self.event("charge.dispute.created", found[0]))
        if outcome is not None:
            if found[0]["status"] in ("won", "lost"):
                raise StripeApiError(
                    400, "This dispute is already closed.", code="dispute_already_closed"
                )
            found[0]["status"] = outcome
            events.append(self.event("charge.dispute.closed", found[0]))
        return events
