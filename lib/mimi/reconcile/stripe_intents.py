"""The PaymentIntents Stripe says succeeded recently: the reconciliation's view of the truth about payments."""

from __future__ import annotations

from typing import Any

import stripe

from mimi.payments.stripe_client import stripe_client, unavailable
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
        detail = "Stripe could not list the PaymentIntents; the run will be retried."
        raise unavailable(exc, detail) from None
    return [SucceededIntent.model_validate(intent) for intent in intents]
