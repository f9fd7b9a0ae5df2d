"""The admin domain's errors: who may act, what they act on, and what the audited actions refuse (raised by SQL)."""

from __future__ import annotations

from mimi.errors import Conflict, Forbidden, NotFound, ValidationFailed


class NotAdmin(Forbidden):
    """The caller is not in private.admins (checked live by every admin SQL function)."""

    code = "not_admin"


class UserNotFound(NotFound):
    code = "user_not_found"


class OwnWallet(Forbidden):
    """An admin adjusting (or deciding on an adjustment of) their own wallet: another admin must."""

    code = "own_wallet"


class SecondAdminRequired(Forbidden):
    """An admin approving the adjustment they asked for: a different admin must approve it."""

    code = "second_admin_required"


class AdjustmentRequestNotFound(NotFound):
    code = "adjustment_request_not_found"


class AdjustmentRequestDecided(Conflict):
    """The request was already approved (to reject it) or rejected (to approve it)."""

    code = "adjustment_request_decided"


class InvalidDecision(ValidationFailed):
    code = "invalid_decision"


class InvalidRequestStatus(ValidationFailed):
    code = "invalid_request_status"


class InvalidUserQuery(ValidationFailed):
    """Not a LINE user id, a user id or a referral code."""

    code = "invalid_user_query"


class ReasonRequired(ValidationFailed):
    """Every admin action says why, in 3 to 500 characters."""

    code = "reason_required"


class IdempotencyKeyRequired(ValidationFailed):
    """An adjustment without an Idempotency-Key: a retried click must not pay twice."""

    code = "idempotency_key_required"


class InvalidCurrency(ValidationFailed):
    code = "invalid_currency"


class InvalidClawback(ValidationFailed):
    """Only a star deduction can be a clawback."""

    code = "invalid_clawback"


class BalanceWouldGoNegative(Conflict):
    code = "balance_would_go_negative"


class InvalidFrozen(ValidationFailed):
    code = "invalid_frozen"


class DisputeOpen(Conflict):
    """An unfreeze refused while a payment dispute holds the wallet."""

    code = "dispute_open"


class PaymentNotFound(NotFound):
    code = "payment_not_found"


class InvalidResolution(ValidationFailed):
    code = "invalid_resolution"


class PaymentNotFlagged(Conflict):
    code = "payment_not_flagged"


class PaymentNotCreditable(Conflict):
    code = "payment_not_creditable"


class InvalidReadingState(ValidationFailed):
    code = "invalid_reading_state"


class ReadingNotRetryable(Conflict):
    code = "reading_not_retryable"


class ReadingNotRefundable(Conflict):
    code = "reading_not_refundable"


class ReadingDeleted(Conflict):
    code = "reading_deleted"


class SettingNotFound(NotFound):
    code = "setting_not_found"


class InvalidSettingValue(ValidationFailed):
    """Outside the setting's min_value..max_value."""

    code = "invalid_setting_value"


class InvalidPackage(ValidationFailed):
    code = "invalid_package"


class SpreadNotFound(NotFound):
    """Only existing spreads are edited (a new one comes by migration, with the agent's reading lengths)."""

    code = "spread_not_found"


class InvalidSpread(ValidationFailed):
    """A field out of bounds, position arrays not card_count long, or an internal spread (daily, follow_up)."""

    code = "invalid_spread"
