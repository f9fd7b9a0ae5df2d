"""Profile queries, always as the user (RLS applies)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from mimi.db import call_as, call_list
from mimi.pagination import PageRequest
from mimi.profile.schemas import AccountDeletion, AccountExport, LedgerRowPublic, ProfilePublic

if TYPE_CHECKING:
    from mimi.auth.deps import Caller


def get_for_user(caller: Caller) -> ProfilePublic:
    """The caller's profile with wallet, level and streak."""
    return call_as(ProfilePublic, caller.db(), "my_profile")


def update_profile(
    caller: Caller, *, display_name: str | None, language: str | None, reversals: bool | None
) -> ProfilePublic:
    params = {"p_display_name": display_name, "p_language": language, "p_reversals": reversals}
    return call_as(ProfilePublic, caller.db(), "update_profile", params)


def set_line_notifications(caller: Caller, *, enabled: bool) -> ProfilePublic:
    return call_as(ProfilePublic, caller.db(), "set_line_notifications", {"p_enabled": enabled})


def list_ledger_page_for_user(caller: Caller, page: PageRequest) -> list[LedgerRowPublic]:
    """Up to limit+1 of the caller's ledger rows, newest first, after the row with id page.after.

    Through my_ledger, not the table: a row's ref never names another person (an admin, an invitee)."""
    params = {"p_limit": page.limit + 1, "p_before": page.after}
    return call_list(LedgerRowPublic, caller.db(), "my_ledger", params)


def delete_my_account(caller: Caller) -> AccountDeletion:
    return call_as(AccountDeletion, caller.db(), "delete_my_account")


def export_my_data(caller: Caller) -> AccountExport:
    return call_as(AccountExport, caller.db(), "export_my_data")
