"""Admin calls into Postgres, as the admin (their JWT): every function checks is_admin() and audits its change."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from uuid import UUID

from mimi.admin.schemas import (
    AdjustmentPublic,
    AdjustmentRequestAdmin,
    AuditEntry,
    CatalogAdmin,
    LedgerEntryAdmin,
    PackageAdmin,
    PaymentAdmin,
    ReadingAdmin,
    ReadingRefunded,
    RequeuedReading,
    SettingAdmin,
    SpreadAdmin,
    UserAdmin,
    WalletAdmin,
)
from mimi.db import call, call_as, call_list
from mimi.reconcile.schemas import ReconcileRun

if TYPE_CHECKING:
    from mimi.auth.deps import Caller


def check_admin(caller: Caller) -> None:
    """401 for a deleted account, 403 not_admin unless the caller is in private.admins now (not in the token)."""
    call(caller.db(), "admin_check")


def find_user_by_query(caller: Caller, *, query: str) -> UserAdmin:
    """One user by LINE user id, user id or referral code."""
    return call_as(UserAdmin, caller.db(), "admin_find_user", {"p_query": query})


def get_user(caller: Caller, *, user_id: UUID) -> UserAdmin:
    return call_as(UserAdmin, caller.db(), "admin_user", {"p_user_id": str(user_id)})


def list_ledger_for_user(
    caller: Caller, *, user_id: UUID, limit: int, before: int | None
) -> list[LedgerEntryAdmin]:
    """A user's ledger rows, newest first, before the row `before`."""
    params = {"p_user_id": str(user_id), "p_limit": limit, "p_before": before}
    return call_list(LedgerEntryAdmin, caller.db(), "admin_user_ledger", params)


def list_readings_for_user(caller: Caller, *, user_id: UUID, limit: int) -> list[ReadingAdmin]:
    params = {"p_user_id": str(user_id), "p_limit": limit}
    return call_list(ReadingAdmin, caller.db(), "admin_user_readings", params)


def list_payments_for_user(caller: Caller, *, user_id: UUID, limit: int) -> list[PaymentAdmin]:
    params = {"p_user_id": str(user_id), "p_limit": limit}
    return call_list(PaymentAdmin, caller.db(), "admin_user_payments", params)


def list_flagged_payments(caller: Caller, *, limit: int) -> list[PaymentAdmin]:
    return call_list(PaymentAdmin, caller.db(), "admin_flagged_payments", {"p_limit": limit})


def list_readings_by_state(
    caller: Caller, *, state: str, older_than_s: int, limit: int
) -> list[ReadingAdmin]:
    params = {"p_state": state, "p_older_than_s": older_than_s, "p_limit": limit}
    return call_list(ReadingAdmin, caller.db(), "admin_readings", params)


def list_audit_entries(caller: Caller, *, user_id: UUID | None, limit: int) -> list[AuditEntry]:
    """The audit trail, newest first, about one user when user_id is given."""
    params = {"p_user_id": str(user_id) if user_id else None, "p_limit": limit}
    return call_list(AuditEntry, caller.db(), "admin_audit_log", params)


def get_catalog(caller: Caller) -> CatalogAdmin:
    return call_as(CatalogAdmin, caller.db(), "admin_catalog")


def adjust_credits(
    caller: Caller,
    *,
    user_id: UUID,
    currency: str,
    delta: int,
    reason: str,
    key: str,
    clawback: bool,
) -> AdjustmentPublic:
    """One audited `adjustment` ledger row, once per key (a replay returns the first result)."""
    params = {
        "p_user_id": str(user_id),
        "p_currency": currency,
        "p_delta": delta,
        "p_reason": reason,
        "p_key": key,
        "p_clawback": clawback,
    }
    return call_as(AdjustmentPublic, caller.db(), "admin_adjust_credits", params)


def list_adjustment_requests(
    caller: Caller, *, status: str, limit: int
) -> list[AdjustmentRequestAdmin]:
    params = {"p_status": status, "p_limit": limit}
    return call_list(AdjustmentRequestAdmin, caller.db(), "admin_adjustment_requests", params)


def decide_adjustment(
    caller: Caller, *, request_id: UUID, approve: bool, reason: str
) -> AdjustmentRequestAdmin:
    """Approve (applied through the adjustment's own SQL path) or reject a pending request, once."""
    params = {"p_request_id": str(request_id), "p_approve": approve, "p_reason": reason}
    return call_as(AdjustmentRequestAdmin, caller.db(), "admin_decide_adjustment", params)


def set_frozen(caller: Caller, *, user_id: UUID, frozen: bool, reason: str) -> WalletAdmin:
    params = {"p_user_id": str(user_id), "p_frozen": frozen, "p_reason": reason}
    return call_as(WalletAdmin, caller.db(), "admin_set_frozen", params)


def resolve_payment(caller: Caller, *, payment_id: UUID, action: str, reason: str) -> PaymentAdmin:
    params = {"p_payment_id": str(payment_id), "p_resolution": action, "p_reason": reason}
    return call_as(PaymentAdmin, caller.db(), "admin_resolve_payment", params)


def requeue_reading(caller: Caller, *, reading_id: UUID, reason: str) -> RequeuedReading:
    """Put a failed (or queued) reading back in the queue; the caller publishes it."""
    params = {"p_reading_id": str(reading_id), "p_reason": reason}
    return call_as(RequeuedReading, caller.db(), "admin_retry_reading", params)


def refund_reading(caller: Caller, *, reading_id: UUID, reason: str) -> ReadingRefunded:
    params = {"p_reading_id": str(reading_id), "p_reason": reason}
    return call_as(ReadingRefunded, caller.db(), "admin_refund_reading", params)


def update_setting(caller: Caller, *, key: str, value: int, reason: str) -> SettingAdmin:
    params = {"p_key": key, "p_value": value, "p_reason": reason}
    return call_as(SettingAdmin, caller.db(), "admin_update_setting", params)


def save_package(
    caller: Caller, *, package_id: str, changes: dict[str, Any], reason: str
) -> PackageAdmin:
    params = {"p_id": package_id, "p_changes": changes, "p_reason": reason}
    return call_as(PackageAdmin, caller.db(), "admin_save_package", params)


def save_spread(
    caller: Caller, *, spread_id: str, fields: dict[str, Any], reason: str
) -> SpreadAdmin:
    params = {"p_id": spread_id, "p_fields": fields, "p_reason": reason}
    return call_as(SpreadAdmin, caller.db(), "admin_save_spread", params)


def list_reconcile_runs(caller: Caller, *, limit: int) -> list[ReconcileRun]:
    return call_list(ReconcileRun, caller.db(), "admin_reconcile_runs", {"p_limit": limit})
