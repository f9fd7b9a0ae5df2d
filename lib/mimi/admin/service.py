"""Admin rules outside SQL: ids that name nothing, the required Idempotency-Key, re-publishing a retried reading."""

from __future__ import annotations

from typing import TYPE_CHECKING
from uuid import UUID

from mimi.admin import repository
from mimi.admin.errors import (
    AdjustmentRequestNotFound,
    IdempotencyKeyRequired,
    PaymentNotFound,
    UserNotFound,
)
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
    PackageAdmin,
    PackageSave,
    PaymentAdmin,
    PaymentResolution,
    ReadingAdmin,
    ReadingRefunded,
    ReadingRetried,
    ReadingsQuery,
    SettingAdmin,
    SettingUpdate,
    SpreadAdmin,
    SpreadSave,
    UserAdmin,
    WalletAdmin,
)
from mimi.errors import NotFound
from mimi.logs import log
from mimi.readings.errors import QueueUnavailable, ReadingNotFound
from mimi.reconcile.schemas import ReconcileRun

if TYPE_CHECKING:
    from mimi.auth.deps import Caller


def require_admin(caller: Caller) -> None:
    """The admin router's guard, before any route reads its input: 403 not_admin unless SQL says admin (every
    admin SQL function checks again, however it is reached)."""
    repository.check_admin(caller)


def me(caller: Caller) -> AdminMe:
    """The caller is an admin (the guard let them through; the console shows its tab)."""
    return AdminMe(user_id=caller.user_id, is_admin=True)


def _known(value: UUID | None, error: type[NotFound]) -> UUID:
    """A path id; one that is not a UUID is not found (only admins get this far)."""
    if value is None:
        raise error("Nothing has this id.")
    return value


def find_user(caller: Caller, query: str) -> UserAdmin:
    return repository.find_user_by_query(caller, query=query)


def user(caller: Caller, user_id: UUID | None) -> UserAdmin:
    return repository.get_user(caller, user_id=_known(user_id, UserNotFound))


def ledger(caller: Caller, user_id: UUID | None, query: LedgerQuery) -> list[LedgerEntryAdmin]:
    return repository.list_ledger_for_user(
        caller,
        user_id=_known(user_id, UserNotFound),
        limit=query.limit,
        before=query.before,
    )


def readings_of_user(caller: Caller, user_id: UUID | None, limit: int) -> list[ReadingAdmin]:
    return repository.list_readings_for_user(
        caller, user_id=_known(user_id, UserNotFound), limit=limit
    )


def payments_of_user(caller: Caller, user_id: UUID | None, limit: int) -> list[PaymentAdmin]:
    return repository.list_payments_for_user(
        caller, user_id=_known(user_id, UserNotFound), limit=limit
    )


def adjust(
    caller: Caller, user_id: UUID | None, body: AdjustmentCreate, key: str | None
) -> AdjustmentPublic:
    """One audited adjustment, once per Idempotency-Key (required: a retried click must not pay twice)."""
    if key is None:
        raise IdempotencyKeyRequired(
            "Send an Idempotency-Key header (8 to 100 characters) with each adjustment."
        )
    result = repository.adjust_credits(
        caller,
        user_id=_known(user_id, UserNotFound),
        currency=body.currency,
        delta=body.delta,
        reason=body.reason,
        key=key,
        clawback=body.clawback,
    )
    log(
        "admin_adjustment",
        admin_id=caller.user_id,
        status=result.status,
        currency=body.currency,
        delta=body.delta,
        replayed=result.replayed,
    )
    return result


def adjustment_requests(
    caller: Caller, query: AdjustmentRequestsQuery
) -> list[AdjustmentRequestAdmin]:
    return repository.list_adjustment_requests(caller, status=query.status, limit=query.limit)


def decide_adjustment(
    caller: Caller, request_id: UUID | None, *, approve: bool, reason: str
) -> AdjustmentRequestAdmin:
    """Approve (a different admin than the one who asked) or reject a pending adjustment, once."""
    decided = repository.decide_adjustment(
        caller,
        request_id=_known(request_id, AdjustmentRequestNotFound),
        approve=approve,
        reason=reason,
    )
    log(
        "admin_adjustment_decided",
        admin_id=caller.user_id,
        request_id=str(decided.id),
        status=decided.status,
        replayed=decided.replayed,
    )
    return decided


def set_frozen(caller: Caller, user_id: UUID | None, *, frozen: bool, reason: str) -> WalletAdmin:
    return repository.set_frozen(
        caller, user_id=_known(user_id, UserNotFound), frozen=frozen, reason=reason
    )


def flagged_payments(caller: Caller, limit: int) -> list[PaymentAdmin]:
    return repository.list_flagged_payments(caller, limit=limit)


def resolve_payment(
    caller: Caller, payment_id: UUID | None, body: PaymentResolution
) -> PaymentAdmin:
    return repository.resolve_payment(
        caller,
        payment_id=_known(payment_id, PaymentNotFound),
        action=body.action,
        reason=body.reason,
    )


def readings(caller: Caller, query: ReadingsQuery) -> list[ReadingAdmin]:
    return repository.list_readings_by_state(
        caller, state=query.state, older_than_s=query.older_than_s, limit=query.limit
    )


def retry(caller: Caller, reading_id: UUID | None, reason: str) -> ReadingRetried:
    """Re-queue (audited in SQL), then publish under a new deduplication id: QStash remembers the first one."""
    from mimi.readings import queue  # QStash loads only for a retry

    reading = repository.requeue_reading(
        caller, reading_id=_known(reading_id, ReadingNotFound), reason=reason
    )
    rid = str(reading.id)
    try:
        queue.publish_reading(rid, deduplication_id=f"{rid}-retry-{reading.retry_id}")
    except QueueUnavailable:
        # the reading stays queued: retry again, or the sweep/reconciliation fails and refunds it (once)
        raise QueueUnavailable(
            "The reading is queued again but QStash did not take it; retry shortly."
        ) from None
    log("admin_reading_retry", admin_id=caller.user_id, reading_id=rid, retry_id=reading.retry_id)
    return ReadingRetried(**reading.model_dump(), published=True)


def refund(caller: Caller, reading_id: UUID | None, reason: str) -> ReadingRefunded:
    """Fail a stuck reading and refund it, or refund a failed one: at most once."""
    return repository.refund_reading(
        caller, reading_id=_known(reading_id, ReadingNotFound), reason=reason
    )


def catalog(caller: Caller) -> CatalogAdmin:
    return repository.get_catalog(caller)


def update_setting(caller: Caller, key: str, body: SettingUpdate) -> SettingAdmin:
    return repository.update_setting(caller, key=key, value=body.value, reason=body.reason)


def save_package(caller: Caller, package_id: str, body: PackageSave) -> PackageAdmin:
    """Create a package or change the fields sent (the others stay as they are)."""
    changes = body.model_dump(exclude={"reason"}, exclude_none=True)
    return repository.save_package(
        caller, package_id=package_id, changes=changes, reason=body.reason
    )


def save_spread(caller: Caller, spread_id: str, body: SpreadSave) -> SpreadAdmin:
    """Change the fields sent of an existing spread (the others stay as they are)."""
    fields = body.model_dump(exclude={"reason"}, exclude_none=True)
    return repository.save_spread(caller, spread_id=spread_id, fields=fields, reason=body.reason)


def audit_log(caller: Caller, query: AuditQuery) -> list[AuditEntry]:
    return repository.list_audit_entries(caller, user_id=query.user_id, limit=query.limit)


def reconcile_runs(caller: Caller, limit: int) -> list[ReconcileRun]:
    return repository.list_reconcile_runs(caller, limit=limit)
