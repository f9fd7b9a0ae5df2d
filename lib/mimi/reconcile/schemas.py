"""What one reconciliation run checked and repaired (stored, and shown to admins)."""

from datetime import datetime
from typing import Any

from mimi.model import Model


class SucceededIntent(Model):
    """The fields of a PaymentIntent the webhook's SQL reads (nothing personal goes to the database)."""

    id: str
    object: str = "payment_intent"
    status: str
    amount: int
    amount_received: int | None = None
    currency: str
    metadata: dict[str, str] = {}
    latest_charge: str | None = None
    created: int


class ReconcileRun(Model):
    id: int
    started_at: datetime
    finished_at: datetime
    ledger_mismatches: int
    intents_listed: int
    payments_repaired: int
    payments_mismatched: int
    payments_unknown: int
    readings_failed: int
    details: dict[str, Any]
