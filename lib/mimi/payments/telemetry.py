"""Payment metrics (EMF lines, mimi.metrics), from the outcome of applying one Stripe event."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mimi.metrics import PAYMENTS_FLAGGED, PAYMENTS_REFUNDED, PAYMENTS_SUCCEEDED, STARS_PURCHASED, emit, emit_many

FLAGGING = {"mismatch", "invalid", "dispute_lost"}  # outcomes that leave a payment for support to review


def applied(outcome: str, result: Mapping[str, Any]) -> None:
    """Count what an applied event did: stars credited, a refund clawed back, or a payment flagged."""
    if outcome == "credited":
        payment = result.get("payment") or {}
        emit_many({PAYMENTS_SUCCEEDED: (1, "Count"), STARS_PURCHASED: (payment.get("stars"), "Count")})
    elif outcome == "refund_applied":
        emit(PAYMENTS_REFUNDED, 1)
    elif outcome in FLAGGING:
        emit(PAYMENTS_FLAGGED, 1, Reason=outcome)
