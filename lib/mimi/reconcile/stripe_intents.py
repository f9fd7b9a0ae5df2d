"""The PaymentIntents Stripe says succeeded recently: the reconciliation's view of the truth about payments."""

from __future__ import annotations

import logging
from typing import Any

import stripe

from mimi.logs import log
from mimi.payments.errors import PaymentProviderUnavailable
from mimi.payments.stripe_client import stripe_client
from mimi.reconcile.schemas import SucceededIntent


def succeeded_since(created_gte: int) -> list[SucceededIntent]:
    """Every PaymentIntent created at or after created_gte (unix s) whose status is succeeded, all pages."""
    params: dict[str, Any] = {"created": {"gte": created_gte}, "limit": 100}
    try:
        page = stripe_client().v1.payment_intents.list(params=params)  # type: ignore[arg-type]
        intents = [
            intent.to_dict() for intent in page.auto_paging_iter() if intent.status == "succeeded"
        ]
    except stripe.StripeError as exc:  # 503: QStash delivers the schedule again
        log(
            "stripe_error",
            logging.WARNING,
            error_type=type(exc).__name__,
            http_status=exc.http_status,
            stripe_code=exc.code,
            stripe_request_id=exc.request_id,
        )
        detail = "Stripe could not list the PaymentIntents; the run will be retried."
        raise PaymentProviderUnavailable(detail) from None
    return [SucceededIntent.model_validate(intent) for intent in intents]
