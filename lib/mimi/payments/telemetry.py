"""Payment metrics (EMF lines, mimi.metrics), from the outcome of applying one Stripe event."""

from __future__ import annotations

from typing import TYPE_CHECKING

from mimi.metrics import (
    PAYMENTS_FLAGGED,
    PAYMENTS_REFUNDED,
    PAYMENTS_SUCCEEDED,
    STARS_PURCHASED,
    emit,
    emit_many,
)

if TYPE_CHECKING:
    from mimi.payments.schemas import StripeEventResult

FLAGGING = {
    "mismatch",
    "invalid",
    "dispute_lost",
}  # outcomes that leave a payment for support to review


def applied(result: StripeEventResult) -> None:
    """Count what an applied event did: stars credited, a refund clawed back, or a payment flagged."""
    if result.outcome == "credited":
        stars = result.payment.stars if result.payment else None
        emit_many({PAYMENTS_SUCCEEDED: (1, "Count"), STARS_PURCHASED: (stars, "Count")})
    elif result.outcome == "refund_applied":
        emit(PAYMENTS_REFUNDED, 1)
    elif result.outcome in FLAGGING:
        emit(PAYMENTS_FLAGGED, 1, Reason=result.outcome)
