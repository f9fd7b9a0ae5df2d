"""Profile queries, always as the user (RLS applies)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mimi.db import call, rows

if TYPE_CHECKING:
    from mimi.auth.deps import Caller


def my_profile(caller: Caller) -> dict[str, Any]:
    result: dict[str, Any] = call(caller.db(), "my_profile")
    return result


def update_profile(caller: Caller, display_name: str | None, language: str | None) -> dict[str, Any]:
    result: dict[str, Any] = call(caller.db(), "update_profile",
                                  {"p_display_name": display_name, "p_language": language})
    return result


def set_line_notifications(caller: Caller, *, enabled: bool) -> dict[str, Any]:
    result: dict[str, Any] = call(caller.db(), "set_line_notifications", {"p_enabled": enabled})
    return result


def ledger_page(caller: Caller, before_id: str | None, limit: int) -> list[dict[str, Any]]:
    query = caller.db().table("ledger").select("id,currency,delta,reason,ref,created_at")
    if before_id is not None:
        query = query.lt("id", before_id)
    return rows(query.order("id", desc=True).limit(limit + 1))


def delete_my_account(caller: Caller) -> dict[str, Any]:
    result: dict[str, Any] = call(caller.db(), "delete_my_account")
    return result


def export_my_data(caller: Caller) -> dict[str, Any]:
    result: dict[str, Any] = call(caller.db(), "export_my_data")
    return result
