"""The Stripe webhook: verify the signature on the raw body, parse narrowly, apply once in one SQL call."""

from __future__ import annotations

import json
import logging

import stripe
from pydantic import BaseModel, ValidationError

from mimi.config import get_settings
from mimi.errors import AppError, BadRequest, ServiceUnavailable
from mimi.logs import log
from mimi.payments import repository
from mimi.payments.schemas import ChargeObject, DisputeObject, PaymentIntentObject, StripeEvent, WebhookReceipt

# The events we act on and the object each carries; every other type is acknowledged and not stored.
HANDLED: dict[str, type[BaseModel]] = {
    "payment_intent.succeeded": PaymentIntentObject,
    "payment_intent.payment_failed": PaymentIntentObject,
    "charge.refunded": ChargeObject,
    "charge.dispute.created": DisputeObject,
    "charge.dispute.closed": DisputeObject,
}
WARN_OUTCOMES = {"mismatch", "unknown_payment"}


def verify(payload: bytes, signature: str | None) -> StripeEvent:
    """The event, once Stripe's signature (default tolerance) checks out; 400 otherwise."""
    secret = get_settings().stripe_webhook_secret.get_secret_value()
    try:
        stripe.Webhook.construct_event(payload, signature, secret)
        event = StripeEvent.model_validate_json(payload)
    except stripe.SignatureVerificationError:
        raise BadRequest("The Stripe-Signature header does not match this body.", code="invalid_signature") from None
    except (ValueError, TypeError, AttributeError, ValidationError):  # signed, but not an event object
        raise BadRequest("The body is not a Stripe event.", code="invalid_payload") from None
    return event


def process(payload: bytes, signature: str | None) -> WebhookReceipt:
    """Verify, then apply a handled event once; 5xx on an inside failure so Stripe retries."""
    event = verify(payload, signature)
    model = HANDLED.get(event.type)
    if model is None:
        return WebhookReceipt(event_id=event.id, outcome="ignored")
    try:
        model.model_validate(event.data.object)
    except ValidationError:
        raise BadRequest(f"The {event.type} object lacks fields we need.", code="invalid_payload") from None
    try:
        result = repository.apply_stripe_event(event.id, event.type, json.loads(payload))
    except AppError as exc:
        log("stripe_event_failed", logging.ERROR, event_id=event.id, event_type=event.type, code=exc.code)
        raise ServiceUnavailable("The event could not be applied; retry later.", code="webhook_failed") from None
    outcome = str(result.get("outcome", "unknown"))
    level = logging.WARNING if outcome in WARN_OUTCOMES else logging.INFO
    log("stripe_event", level, event_id=event.id, event_type=event.type, outcome=outcome,
        reason=result.get("reason"), payment_intent_id=_payment_intent_id(event))
    return WebhookReceipt(event_id=event.id, outcome=outcome)


def _payment_intent_id(event: StripeEvent) -> str | None:
    obj = event.data.object
    value = obj.get("id") if event.type.startswith("payment_intent.") else obj.get("payment_intent")
    return value if isinstance(value, str) else None
