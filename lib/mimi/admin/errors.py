"""The admin domain's coded errors (raised by its SQL functions; declared here for routes and the OpenAPI file)."""

from __future__ import annotations

from mimi.errors import Conflict, Forbidden, NotFound, ValidationFailed


class NotAdmin(Forbidden):
    code = "not_admin"


class UserNotFound(NotFound):
    code = "user_not_found"


class InvalidUserQuery(ValidationFailed):
    code = "invalid_user_query"


class ReasonRequired(ValidationFailed):
    code = "reason_required"


class IdempotencyKeyRequired(ValidationFailed):
    code = "idempotency_key_required"


class BalanceWouldGoNegative(Conflict):
    code = "balance_would_go_negative"


class DisputeOpen(Conflict):
    code = "dispute_open"


class PaymentNotFound(NotFound):
    code = "payment_not_found"


class PaymentNotFlagged(Conflict):
    code = "payment_not_flagged"


class PaymentNotCreditable(Conflict):
    code = "payment_not_creditable"


class AdminReadingNotFound(NotFound):
    code = "reading_not_found"


class ReadingNotRetryable(Conflict):
    code = "reading_not_retryable"


class ReadingNotRefundable(Conflict):
    code = "reading_not_refundable"


class ReadingDeleted(Conflict):
    code = "reading_deleted"


class SettingNotFound(NotFound):
    code = "setting_not_found"


class InvalidSettingValue(ValidationFailed):
    code = "invalid_setting_value"


class InvalidPackage(ValidationFailed):
    code = "invalid_package"
