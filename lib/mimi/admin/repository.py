"""Admin calls into Postgres, as the admin (their JWT): every function checks is_admin() and audits its change."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mimi.admin.schemas import (
    AdjustmentPublic,
    AuditEntry,
    CatalogAdmin,
    LedgerEntryAdmin,
    PackageAdmin,
    PaymentAdmin,
    ReadingAdmin,
    SettingAdmin,
    UserAdmin,
    WalletAdmin,
)
from mimi.db import call
from mimi.reconcile.schemas import ReconcileRun

if TYPE_CHECKING:
    from mimi.auth.deps import Caller


def is_admin(caller: Caller) -> bool:
    return bool(call(caller.db(), "is_admin"))


def find_user(caller: Caller, *, query: str) -> UserAdmin:
    return UserAdmin.model_validate(call(caller.db(), "admin_find_user", {"p_query": query}))


def get_user(caller: Caller, *, user_id: str) -> UserAdmin:
    return UserAdmin.model_validate(call(caller.db(), "admin_user", {"p_user_id": user_id}))


def get_ledger(caller: Caller, *, user_id: str, limit: int, before: int | None) -> list[LedgerEntryAdmin]:
    found = call(caller.db(), "admin_user_ledger", {"p_user_id": user_id, "p_limit": limit, "p_before": before})
    return [LedgerEntryAdmin.model_validate(row) for row in found]


def get_readings_of_user(caller: Caller, *, user_id: str, limit: int) -> list[ReadingAdmin]:
    found = call(caller.db(), "admin_user_readings", {"p_user_id": user_id, "p_limit": limit})
    return [ReadingAdmin.model_validate(row) for row in found]


def get_payments_of_user(caller: Caller, *, user_id: str, limit: int) -> list[PaymentAdmin]:
    found = call(caller.db(), "admin_user_payments", {"p_user_id": user_id, "p_limit": limit})
    return [PaymentAdmin.model_validate(row) for row in found]


def get_flagged_payments(caller: Caller, *, limit: int) -> list[PaymentAdmin]:
    return [PaymentAdmin.model_validate(row) for row in call(caller.db(), "admin_flagged_payments",
                                                              {"p_limit": limit})]


def get_readings_by_state(caller: Caller, *, state: str, older_than_s: int, limit: int) -> list[ReadingAdmin]:
    found = call(caller.db(), "admin_readings", {"p_state": state, "p_older_than_s": older_than_s, "p_limit": limit})
    return [ReadingAdmin.model_validate(row) for row in found]


def get_audit_log(caller: Caller, *, user_id: str | None, limit: int) -> list[AuditEntry]:
    found = call(caller.db(), "admin_audit_log", {"p_user_id": user_id, "p_limit": limit})
    return [AuditEntry.model_validate(row) for row in found]


def get_catalog(caller: Caller) -> CatalogAdmin:
    return CatalogAdmin.model_validate(call(caller.db(), "admin_catalog"))


def adjust_credits(caller: Caller, *, user_id: str, currency: str, delta: int, reason: str, key: str,
                   clawback: bool) -> AdjustmentPublic:
    result = call(caller.db(), "admin_adjust_credits", {
        "p_user_id": user_id, "p_currency": currency, "p_delta": delta, "p_reason": reason, "p_key": key,
        "p_clawback": clawback})
    return AdjustmentPublic.model_validate(result)


def set_frozen(caller: Caller, *, user_id: str, frozen: bool, reason: str) -> WalletAdmin:
    result = call(caller.db(), "admin_set_frozen", {"p_user_id": user_id, "p_frozen": frozen, "p_reason": reason})
    return WalletAdmin.model_validate(result)


def resolve_payment(caller: Caller, *, payment_id: str, action: str, reason: str) -> PaymentAdmin:
    result = call(caller.db(), "admin_resolve_payment",
                  {"p_payment_id": payment_id, "p_resolution": action, "p_reason": reason})
    return PaymentAdmin.model_validate(result)


def retry_reading(caller: Caller, *, reading_id: str, reason: str) -> dict[str, Any]:
    """The re-queued reading and the audit id of this retry (its QStash deduplication id)."""
    result: dict[str, Any] = call(caller.db(), "admin_retry_reading",
                                  {"p_reading_id": reading_id, "p_reason": reason})
    return result


def refund_reading(caller: Caller, *, reading_id: str, reason: str) -> dict[str, Any]:
    result: dict[str, Any] = call(caller.db(), "admin_refund_reading",
                                  {"p_reading_id": reading_id, "p_reason": reason})
    return result


def update_setting(caller: Caller, *, key: str, value: int, reason: str) -> SettingAdmin:
    result = call(caller.db(), "admin_update_setting", {"p_key": key, "p_value": value, "p_reason": reason})
    return SettingAdmin.model_validate(result)


def save_package(caller: Caller, *, package_id: str, changes: dict[str, Any], reason: str) -> PackageAdmin:
    result = call(caller.db(), "admin_save_package", {"p_id": package_id, "p_changes": changes, "p_reason": reason})
    return PackageAdmin.model_validate(result)


def get_reconcile_runs(caller: Caller, *, limit: int) -> list[ReconcileRun]:
    return [ReconcileRun.model_validate(row) for row in call(caller.db(), "admin_reconcile_runs", {"p_limit": limit})]
