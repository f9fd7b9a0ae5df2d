"""Account rules: profile updates, and under Thailand's PDPA deletion and export, each one SQL function per change."""

from __future__ import annotations

from typing import Any

from mimi.auth.deps import Caller
from mimi.logs import log
from mimi.profile import repository
from mimi.profile.schemas import AccountExport, ProfileUpdate

# personal data: a download, never stored by a browser or a proxy
EXPORT_HEADERS = {"Content-Disposition": 'attachment; filename="mimivibes-export.json"', "Cache-Control": "no-store"}


def update(caller: Caller, body: ProfileUpdate) -> dict[str, Any]:
    """The profile fields first (they validate), then the LINE notification choice; the profile as it ends up."""
    updated: dict[str, Any] | None = None
    if body.display_name is not None or body.language is not None:
        updated = repository.update_profile(caller, body.display_name, body.language)
    if body.notify_line is not None:
        updated = repository.set_line_notifications(caller, enabled=body.notify_line)
    assert updated is not None  # the model requires one of them
    return updated


def delete_account(caller: Caller) -> None:
    """Erase the caller's account (idempotent: a second call changes nothing)."""
    result = repository.delete_my_account(caller)
    log("account_deleted", user_id=caller.user_id, replayed=bool(result.get("replayed")))


def export(caller: Caller) -> AccountExport:
    """Everything stored about the caller, as one JSON document."""
    return AccountExport.model_validate(repository.export_my_data(caller))
