"""admin routes: lookups and audited actions. Every one acts as the caller; SQL answers 403 not_admin to non-admins."""

from __future__ import annotations

from typing import TYPE_CHECKING
from uuid import UUID

from mimi.admin import errors, service
from mimi.admin.schemas import (
    AdjustmentCreate,
    AdjustmentPublic,
    AdjustmentRequestAdmin,
    AdjustmentRequestsQuery,
    AdminMe,
    AuditEntry,
    AuditQuery,
    CatalogAdmin,
    LedgerEntryAdmin,
    LedgerQuery,
    LimitQuery,
    PackageAdmin,
    PackageSave,
    PaymentAdmin,
    PaymentResolution,
    ReadingAdmin,
    ReadingRefunded,
    ReadingRetried,
    ReadingsQuery,
    ReasonBody,
    SettingAdmin,
    SettingUpdate,
    SpreadAdmin,
    SpreadSave,
    UserAdmin,
    UserQuery,
    WalletAdmin,
    path_id,
)
from mimi.credits.errors import InvalidAmount
from mimi.idempotency import IdempotencyKeyReused, InvalidIdempotencyKey, client_key
from mimi.readings.errors import QueueUnavailable, ReadingNotFound
from mimi.reconcile.schemas import ReconcileRun
from mimi.web import USER_API, Router

if TYPE_CHECKING:
    from mimi.auth.deps import Caller

# every route: the admin check runs before any input is read, so a non-admin hears 403 whatever they send
router = Router(
    needs=(*USER_API, "qstash_url", "qstash_token", "reading_processor_url"),
    guard=service.require_admin,
)
ADMIN = {"auth": True}
USER_ID = {"user_id": path_id}
PAYMENT_ID = {"payment_id": path_id}
READING_ID = {"reading_id": path_id}
REQUEST_ID = {"request_id": path_id}
USER = (errors.NotAdmin, errors.UserNotFound)
READING = (errors.NotAdmin, ReadingNotFound, errors.ReasonRequired)


@router.get("/me", response=AdminMe, **ADMIN, errors=(errors.NotAdmin,))
def me(caller: Caller) -> AdminMe:
    """Whether the caller is an admin (403 not_admin when not)."""
    return service.me(caller)


@router.get(
    "/users", query=UserQuery, response=UserAdmin, **ADMIN, errors=(*USER, errors.InvalidUserQuery)
)
def find_user(query: UserQuery, caller: Caller) -> UserAdmin:
    """Find a user by LINE user id, user id or referral code."""
    return service.find_user(caller, query.q)


@router.get("/users/{user_id}", parse=USER_ID, response=UserAdmin, **ADMIN, errors=USER)
def get_user(user_id: UUID | None, caller: Caller) -> UserAdmin:
    """A user's profile and wallet, with freeze, clawback debt and flags."""
    return service.user(caller, user_id)


@router.get(
    "/users/{user_id}/ledger",
    parse=USER_ID,
    query=LedgerQuery,
    response=list[LedgerEntryAdmin],
    **ADMIN,
    errors=USER,
)
def get_ledger(user_id: UUID | None, query: LedgerQuery, caller: Caller) -> list[LedgerEntryAdmin]:
    """A user's ledger, newest first (?before=<id> for older rows)."""
    return service.ledger(caller, user_id, query)


@router.get(
    "/users/{user_id}/readings",
    parse=USER_ID,
    query=LimitQuery,
    response=list[ReadingAdmin],
    **ADMIN,
    errors=USER,
)
def get_readings_of_user(
    user_id: UUID | None, query: LimitQuery, caller: Caller
) -> list[ReadingAdmin]:
    """A user's readings, newest first, deleted ones included."""
    return service.readings_of_user(caller, user_id, query.limit)


@router.get(
    "/users/{user_id}/payments",
    parse=USER_ID,
    query=LimitQuery,
    response=list[PaymentAdmin],
    **ADMIN,
    errors=USER,
)
def get_payments_of_user(
    user_id: UUID | None, query: LimitQuery, caller: Caller
) -> list[PaymentAdmin]:
    """A user's payments with their flags and disputes, newest first."""
    return service.payments_of_user(caller, user_id, query.limit)


@router.post(
    "/users/{user_id}/adjustments",
    parse={**USER_ID, "idempotency_key": client_key},
    body=AdjustmentCreate,
    response=AdjustmentPublic,
    **ADMIN,
    headers=("Idempotency-Key",),
    errors=(
        *USER,
        errors.OwnWallet,
        errors.ReasonRequired,
        errors.IdempotencyKeyRequired,
        InvalidIdempotencyKey,
        IdempotencyKeyReused,
        InvalidAmount,
        errors.InvalidClawback,
        errors.BalanceWouldGoNegative,
    ),
)
def adjust(
    user_id: UUID | None, body: AdjustmentCreate, caller: Caller, idempotency_key: str | None
) -> AdjustmentPublic:
    """Add or deduct credits of another user with a reason, once per Idempotency-Key (above the threshold: pending)."""
    return service.adjust(caller, user_id, body, idempotency_key)


@router.get(
    "/adjustments",
    query=AdjustmentRequestsQuery,
    response=list[AdjustmentRequestAdmin],
    **ADMIN,
    errors=(errors.NotAdmin,),
)
def adjustment_requests(
    query: AdjustmentRequestsQuery, caller: Caller
) -> list[AdjustmentRequestAdmin]:
    """Adjustments above the approval threshold, by status (pending first), newest first."""
    return service.adjustment_requests(caller, query)


DECISION_ERRORS = (
    errors.NotAdmin,
    errors.AdjustmentRequestNotFound,
    errors.AdjustmentRequestDecided,
    errors.OwnWallet,
    errors.ReasonRequired,
)


@router.post(
    "/adjustments/{request_id}/approve",
    parse=REQUEST_ID,
    body=ReasonBody,
    response=AdjustmentRequestAdmin,
    **ADMIN,
    errors=(*DECISION_ERRORS, errors.SecondAdminRequired, errors.BalanceWouldGoNegative),
)
def approve_adjustment(
    request_id: UUID | None, body: ReasonBody, caller: Caller
) -> AdjustmentRequestAdmin:
    """Approve another admin's adjustment: it is applied, once (a repeat answers the same)."""
    return service.decide_adjustment(caller, request_id, approve=True, reason=body.reason)


@router.post(
    "/adjustments/{request_id}/reject",
    parse=REQUEST_ID,
    body=ReasonBody,
    response=AdjustmentRequestAdmin,
    **ADMIN,
    errors=DECISION_ERRORS,
)
def reject_adjustment(
    request_id: UUID | None, body: ReasonBody, caller: Caller
) -> AdjustmentRequestAdmin:
    """Reject a pending adjustment: nothing changes (a repeat answers the same)."""
    return service.decide_adjustment(caller, request_id, approve=False, reason=body.reason)


@router.post(
    "/users/{user_id}/freeze",
    parse=USER_ID,
    body=ReasonBody,
    response=WalletAdmin,
    **ADMIN,
    errors=(*USER, errors.ReasonRequired),
)
def freeze(user_id: UUID | None, body: ReasonBody, caller: Caller) -> WalletAdmin:
    """Freeze a wallet's spending (holds until an admin unfreezes it)."""
    return service.set_frozen(caller, user_id, frozen=True, reason=body.reason)


@router.post(
    "/users/{user_id}/unfreeze",
    parse=USER_ID,
    body=ReasonBody,
    response=WalletAdmin,
    **ADMIN,
    errors=(*USER, errors.ReasonRequired, errors.DisputeOpen),
)
def unfreeze(user_id: UUID | None, body: ReasonBody, caller: Caller) -> WalletAdmin:
    """Unfreeze a wallet (refused while a payment dispute is open)."""
    return service.set_frozen(caller, user_id, frozen=False, reason=body.reason)


@router.get(
    "/payments/flagged",
    query=LimitQuery,
    response=list[PaymentAdmin],
    **ADMIN,
    errors=(errors.NotAdmin,),
)
def flagged_payments(query: LimitQuery, caller: Caller) -> list[PaymentAdmin]:
    """Payments waiting for review, newest first."""
    return service.flagged_payments(caller, query.limit)


@router.post(
    "/payments/{payment_id}/resolve",
    parse=PAYMENT_ID,
    body=PaymentResolution,
    response=PaymentAdmin,
    **ADMIN,
    errors=(
        errors.NotAdmin,
        errors.PaymentNotFound,
        errors.PaymentNotFlagged,
        errors.PaymentNotCreditable,
        errors.ReasonRequired,
    ),
)
def resolve_payment(
    payment_id: UUID | None, body: PaymentResolution, caller: Caller
) -> PaymentAdmin:
    """Settle a flagged payment: credit its stars once (as the webhook would) or dismiss the flag."""
    return service.resolve_payment(caller, payment_id, body)


@router.get(
    "/readings",
    query=ReadingsQuery,
    response=list[ReadingAdmin],
    **ADMIN,
    errors=(errors.NotAdmin,),
)
def readings(query: ReadingsQuery, caller: Caller) -> list[ReadingAdmin]:
    """Stuck (queued/processing for older_than_s), failed, or dlq (QStash gave up) readings."""
    return service.readings(caller, query)


@router.post(
    "/readings/{reading_id}/retry",
    parse=READING_ID,
    body=ReasonBody,
    response=ReadingRetried,
    **ADMIN,
    errors=(*READING, errors.ReadingNotRetryable, errors.ReadingDeleted, QueueUnavailable),
)
def retry_reading(reading_id: UUID | None, body: ReasonBody, caller: Caller) -> ReadingRetried:
    """Queue a failed reading again and publish it to QStash."""
    return service.retry(caller, reading_id, body.reason)


@router.post(
    "/readings/{reading_id}/refund",
    parse=READING_ID,
    body=ReasonBody,
    response=ReadingRefunded,
    **ADMIN,
    errors=(*READING, errors.ReadingNotRefundable),
)
def refund_reading(reading_id: UUID | None, body: ReasonBody, caller: Caller) -> ReadingRefunded:
    """Fail a stuck reading and refund it, or refund a failed one: at most once."""
    return service.refund(caller, reading_id, body.reason)


@router.get("/catalog", response=CatalogAdmin, **ADMIN, errors=(errors.NotAdmin,))
def catalog(caller: Caller) -> CatalogAdmin:
    """Every business setting (with its bounds), every package and every spread."""
    return service.catalog(caller)


@router.patch(
    "/settings/{key}",
    body=SettingUpdate,
    response=SettingAdmin,
    **ADMIN,
    errors=(
        errors.NotAdmin,
        errors.SettingNotFound,
        errors.InvalidSettingValue,
        errors.ReasonRequired,
    ),
)
def update_setting(key: str, body: SettingUpdate, caller: Caller) -> SettingAdmin:
    """Change one business setting within its bounds."""
    return service.update_setting(caller, key, body)


@router.route(
    "PUT",
    "/packages/{package_id}",
    body=PackageSave,
    response=PackageAdmin,
    **ADMIN,
    errors=(errors.NotAdmin, errors.InvalidPackage, errors.ReasonRequired),
)
def save_package(package_id: str, body: PackageSave, caller: Caller) -> PackageAdmin:
    """Create a star package, or change some of its fields."""
    return service.save_package(caller, package_id, body)


@router.route(
    "PUT",
    "/spreads/{spread_id}",
    body=SpreadSave,
    response=SpreadAdmin,
    **ADMIN,
    errors=(errors.NotAdmin, errors.SpreadNotFound, errors.InvalidSpread, errors.ReasonRequired),
)
def save_spread(spread_id: str, body: SpreadSave, caller: Caller) -> SpreadAdmin:
    """Change some fields of a spread (names, positions, card count, price, active, order); not daily or follow_up."""
    return service.save_spread(caller, spread_id, body)


@router.get(
    "/audit", query=AuditQuery, response=list[AuditEntry], **ADMIN, errors=(errors.NotAdmin,)
)
def audit_log(query: AuditQuery, caller: Caller) -> list[AuditEntry]:
    """The audit trail, newest first (?user_id= for one user's)."""
    return service.audit_log(caller, query)


@router.get(
    "/reconcile/runs",
    query=LimitQuery,
    response=list[ReconcileRun],
    **ADMIN,
    errors=(errors.NotAdmin,),
)
def reconcile_runs(query: LimitQuery, caller: Caller) -> list[ReconcileRun]:
    """The latest nightly reconciliation runs, newest first."""
    return service.reconcile_runs(caller, query.limit)
