"""profile routes: GET /, PATCH /, DELETE / (account deletion), GET /export, GET /transactions."""

from __future__ import annotations

from typing import TYPE_CHECKING

from mimi.errors import ValidationFailed
from mimi.pagination import Page, PageQuery, check_limit, decode_seq_cursor, page_of
from mimi.profile import repository, service
from mimi.profile.schemas import AccountExport, LedgerRowPublic, ProfilePublic, ProfileUpdate
from mimi.web import USER_API, Router

if TYPE_CHECKING:
    from mimi.auth.deps import Caller

router = Router(needs=USER_API)


@router.get("/", response=ProfilePublic, auth=True)
def get_profile(caller: Caller) -> ProfilePublic:
    """The caller's profile with wallet, level and streak."""
    return ProfilePublic.model_validate(repository.my_profile(caller))


@router.patch("/", body=ProfileUpdate, response=ProfilePublic, auth=True)
def update_profile(body: ProfileUpdate, caller: Caller) -> ProfilePublic:
    """Change the display name, language and/or LINE notifications."""
    return ProfilePublic.model_validate(service.update(caller, body))


@router.delete("/", status=204, auth=True)
def delete_account(caller: Caller) -> None:
    """Delete the account: sessions revoked, the person erased, ledger amounts kept (PDPA)."""
    service.delete_account(caller)


@router.get("/export", response=AccountExport, auth=True, response_headers=tuple(service.EXPORT_HEADERS.items()))
def export(caller: Caller) -> AccountExport:
    """Everything stored about the caller, as one JSON download."""
    return service.export(caller)


@router.get("/transactions", query=PageQuery, response=Page[LedgerRowPublic], auth=True, errors=(ValidationFailed,))
def transactions(query: PageQuery, caller: Caller) -> Page[LedgerRowPublic]:
    """The caller's ledger rows, newest first, a page at a time."""
    before = decode_seq_cursor(query.cursor)
    rows = repository.ledger_page(caller, before, check_limit(query.limit))
    items, next_cursor = page_of(rows, query.limit)
    return Page[LedgerRowPublic](items=[LedgerRowPublic.model_validate(r) for r in items],
                                 next_cursor=next_cursor)
