"""The Stripe webhook: verify the signature on the raw body, parse narrowly, apply once in one SQL call."""

from __future__ import annotations

import json
import logging
from typing import Any

import stripe
from pydantic import BaseModel, ValidationError

from mimi.config import get_settings
from mimi.errors import AppError
from mimi.logs import log
from mimi.payments import repository, telemetry
from mimi.payments.errors import InvalidStripePayload, StripeSignatureInvalid, WebhookFailed
from mimi.payments.schemas import (
    ChargeObject,
    DisputeObject,
    PaymentIntentObject,
    StripeEvent,
    WebhookReceipt,
)

# The events we act on and the object each carries; every other type is acknowledged and not stored.
HANDLED: dict[str, type[BaseModel]] = {
    "payment_intent.succeeded": PaymentIntentObject,
    "payment_intent.payment_failed": PaymentIntentObject,
    "charge.refunded": ChargeObject,
    "charge.dispute.created": DisputeObject,
    "charge.dispute.closed": DisputeObject,
}
WARN_OUTCOMES = {"mismatch", "unknown_payment", "invalid"}


def verify(payload: bytes, signature: str | None) -> StripeEvent:
    """The event, once Stripe's signature (default tolerance) checks out; 400 otherwise.

    The same shape as QStash's check (mimi.readings.queue.verify): the raw body, then the signature header.
    """
    secret = get_settings().stripe_webhook_secret.get_secret_value()
    try:
        stripe.Webhook.construct_event(payload, signature, secret)
        event = StripeEvent.model_validate_json(payload)
    except stripe.SignatureVerificationError:
        raise StripeSignatureInvalid(
            "The Stripe-Signature header does not match this body."
        ) from None
    # signed, but not an event object (RecursionError: a body nested too deep for json.loads)
    except (ValueError, TypeError, AttributeError, RecursionError, ValidationError):
        raise InvalidStripePayload("The body is not a Stripe event.") from None
    return event


def unusable_reason(model: type[BaseModel], event: StripeEvent, body: Any) -> str | None:
    """Why a verified event can never apply (fields missing or impossible, a NUL anywhere), or None."""
    if _has_nul(body):
        return "nul_character"
    try:
        model.model_validate(event.data.object)
    except ValidationError as exc:
        first = exc.errors()[0]
        return f"{'.'.join(str(p) for p in first['loc'])}: {first['type']}"[:200]
    return None


def _has_nul(value: Any) -> bool:
    """Whether a NUL is in any key or string of a parsed JSON value (jsonb cannot store one)."""
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any("\x00" in k or _has_nul(v) for k, v in value.items())
    return isinstance(value, list) and any(_has_nul(v) for v in value)


def _without_nul(value: Any) -> Any:
    """The value with every NUL replaced by U+FFFD, so it can be stored for support."""
    if isinstance(value, str):
        return value.replace("\x00", "\ufffd")
    if isinstance(value, dict):
        return {_without_nul(k): _without_nul(v) for k, v in value.items()}
    return [_without_nul(v) for v in value] if isinstance(value, list) else value


def process(payload: bytes, signature: str | None) -> WebhookReceipt:
    """Verify, then apply a handled event once; 5xx on an inside failure so Stripe retries."""
    event = verify(payload, signature)
    model = HANDLED.get(event.type)
    if model is None:
        return WebhookReceipt(event_id=event.id, outcome="ignored")
    body = json.loads(payload)
    reason = unusable_reason(model, event, body)
    try:
        if reason is not None:  # stored and flagged, answered 200: a retry could never succeed
            result = repository.record_invalid_stripe_event(
                event.id, event_type=event.type, reason=reason, payload=_without_nul(body)
            )
        else:
            result = repository.apply_stripe_event(event.id, event_type=event.type, payload=body)
    except AppError as exc:
        log(
            "stripe_event_failed",
            logging.ERROR,
            event_id=event.id,
            event_type=event.type,
            code=exc.code,
        )
        raise WebhookFailed("The event could not be applied; retry later.") from None
    outcome = result.outcome
    level = logging.WARNING if outcome in WARN_OUTCOMES else logging.INFO
    log(
        "stripe_event",
        level,
        event_id=event.id,
        event_type=event.type,
        outcome=outcome,
        reason=result.reason,
        payment_intent_id=_payment_intent_id(event),
    )
    telemetry.applied(result)
    return WebhookReceipt(event_id=event.id, outcome=outcome)


def _payment_intent_id(event: StripeEvent) -> str | None:
    obj = event.data.object
    value = obj.get("id") if event.type.startswith("payment_intent.") else obj.get("payment_intent")
    return value if isinstance(value, str) else None
