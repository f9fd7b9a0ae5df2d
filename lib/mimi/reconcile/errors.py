"""The reconciliation's errors (raised by its SQL function)."""

from __future__ import annotations

from mimi.errors import ValidationFailed


class InvalidIntents(ValidationFailed):
    """The PaymentIntents listed from Stripe did not reach SQL as a JSON array."""

    code = "invalid_intents"
