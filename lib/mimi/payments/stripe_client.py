"""The Stripe API client (created once per warm Lambda) and the calls this backend makes."""

from __future__ import annotations

import logging
from functools import lru_cache
from typing import Any

import stripe

from mimi.config import get_settings
from mimi.idempotency import IdempotencyKeyReused
from mimi.logs import log
from mimi.payments.errors import PaymentProviderUnavailable
from mimi.payments.schemas import CreatedIntent


@lru_cache(maxsize=1)
def stripe_client() -> stripe.StripeClient:
    """A sync StripeClient with a short timeout; local stacks point it at their Stripe stand-in."""
    s = get_settings()
    base = {"api": s.stripe_api_base} if s.stripe_api_base else None
    http = stripe.RequestsClient(
        timeout=s.stripe_timeout_s
    )  # requests comes with stripe; its default client
    return stripe.StripeClient(
        s.stripe_secret_key.get_secret_value(),
        base_addresses=base,  # type: ignore[arg-type]
        max_network_retries=s.stripe_max_network_retries,
        http_client=http,
    )


def create_payment_intent(
    amount: int, currency: str, metadata: dict[str, str], idempotency_key: str
) -> CreatedIntent:
    """Create a PaymentIntent; errors become AppErrors (a key reused with other params is a 422, as Stripe's 400)."""
    params: dict[str, Any] = {
        "amount": amount,
        "currency": currency,
        "metadata": metadata,
        "automatic_payment_methods": {"enabled": True},
    }
    try:
        intent = stripe_client().v1.payment_intents.create(
            params=params,  # type: ignore[arg-type]
            options={"idempotency_key": idempotency_key},
        )
    except stripe.IdempotencyError:
        raise IdempotencyKeyReused(
            "This Idempotency-Key was already used for another purchase."
        ) from None
    except stripe.StripeError as exc:
        raise unavailable(
            exc, "The payment provider could not start this payment. Please try again."
        ) from None
    return CreatedIntent.model_validate(intent.to_dict())


def unavailable(exc: stripe.StripeError, detail: str) -> PaymentProviderUnavailable:
    """Log what Stripe said (type, status, code, request id; never the message) as the 503 to raise."""
    log(
        "stripe_error",
        logging.WARNING,
        error_type=type(exc).__name__,
        http_status=exc.http_status,
        stripe_code=exc.code,
        stripe_request_id=exc.request_id,
    )
    return PaymentProviderUnavailable(detail)
