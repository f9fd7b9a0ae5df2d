"""Account rules under Thailand's PDPA: deletion and export, each one SQL function acting on the caller."""

from __future__ import annotations

from mimi.auth.deps import Caller
from mimi.logs import log
from mimi.profile import repository
from mimi.profile.schemas import AccountExport

# personal data: a download, never stored by a browser or a proxy
EXPORT_HEADERS = {"Content-Disposition": 'attachment; filename="mimivibes-export.json"', "Cache-Control": "no-store"}


def delete_account(caller: Caller) -> None:
    """Erase the caller's account (idempotent: a second call changes nothing)."""
    result = repository.delete_my_account(caller)
    log("account_deleted", user_id=caller.user_id, replayed=bool(result.get("replayed")))


def export(caller: Caller) -> AccountExport:
    """Everything stored about the caller, as one JSON document."""
    return AccountExport.model_validate(repository.export_my_data(caller))
