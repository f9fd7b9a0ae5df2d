"""Profile rules: the caller's own profile and ledger, and their PDPA rights (deletion, export), each one SQL call."""

from __future__ import annotations

from mimi.auth.deps import Caller
from mimi.config import get_settings
from mimi.logs import log
from mimi.pagination import Page, PageRequest, page_of
from mimi.profile import repository
from mimi.profile.schemas import AccountExport, LedgerRowPublic, ProfilePublic, ProfileUpdate

# personal data: a download, never stored by a browser or a proxy
EXPORT_HEADERS = {
    "Content-Disposition": 'attachment; filename="mimivibes-export.json"',
    "Cache-Control": "no-store",
}


def get(caller: Caller) -> ProfilePublic:
    """The caller's profile with wallet, level and streak."""
    return repository.get_for_user(caller)


def update(caller: Caller, body: ProfileUpdate) -> ProfilePublic:
    """The profile fields first (they validate), then the LINE notification choice; the profile as it ends up."""
    updated: ProfilePublic | None = None
    if body.display_name is not None or body.language is not None or body.reversals is not None:
        updated = repository.update_profile(
            caller, display_name=body.display_name, language=body.language, reversals=body.reversals
        )
    if body.notify_line is not None:
        updated = repository.set_line_notifications(caller, enabled=body.notify_line)
    assert updated is not None  # the model requires one of them
    return updated


def transactions(caller: Caller, page: PageRequest) -> Page[LedgerRowPublic]:
    """The caller's ledger rows, newest first, one page."""
    items, next_cursor = page_of(
        repository.list_ledger_page_for_user(caller, page), page, key=lambda r: r.id
    )
    return Page[LedgerRowPublic](items=items, next_cursor=next_cursor)


def delete_account(caller: Caller) -> None:
    """Erase the caller's account (idempotent: a second call changes nothing)."""
    result = repository.delete_my_account(caller)
    log("account_deleted", user_id=caller.user_id, replayed=result.replayed)


def export(caller: Caller) -> AccountExport:
    """Everything stored about the caller, as one JSON document; a few an hour (Redis first, then SQL)."""
    from mimi.ratelimit import enforce  # Upstash loads for an export, not for profile reads

    enforce("exports", caller.user_id, get_settings().exports_per_hour, 3600, fail_open=True)
    return repository.export_my_data(caller)
