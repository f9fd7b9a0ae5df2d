"""profile routes: GET /, PATCH /, DELETE / (account deletion), GET /export, GET /transactions."""

from __future__ import annotations

from typing import TYPE_CHECKING

from mimi.errors import RateLimited, ValidationFailed
from mimi.pagination import InvalidCursor, Page, PageQuery
from mimi.profile import service
from mimi.profile.schemas import AccountExport, LedgerRowPublic, ProfilePublic, ProfileUpdate
from mimi.web import USER_API, Router

if TYPE_CHECKING:
    from mimi.auth.deps import Caller

router = Router(needs=(*USER_API, "upstash_redis_rest_url", "upstash_redis_rest_token"))


@router.get("/", response=ProfilePublic, auth=True)
def get_profile(caller: Caller) -> ProfilePublic:
    """The caller's profile with wallet, level and streak."""
    return service.get(caller)


@router.patch("/", body=ProfileUpdate, response=ProfilePublic, auth=True)
def update_profile(body: ProfileUpdate, caller: Caller) -> ProfilePublic:
    """Change the display name, language, whether cards may come up reversed and/or LINE notifications."""
    return service.update(caller, body)


@router.delete("/", status=204, auth=True)
def delete_account(caller: Caller) -> None:
    """Delete the account: sessions revoked, the person erased, ledger amounts kept (PDPA)."""
    service.delete_account(caller)


@router.get(
    "/export",
    response=AccountExport,
    auth=True,
    errors=(RateLimited,),
    response_headers=tuple(service.EXPORT_HEADERS.items()),
)
def export(caller: Caller) -> AccountExport:
    """Everything stored about the caller, as one JSON download."""
    return service.export(caller)


@router.get(
    "/transactions",
    query=PageQuery,
    response=Page[LedgerRowPublic],
    auth=True,
    errors=(InvalidCursor, ValidationFailed),
)
def transactions(query: PageQuery, caller: Caller) -> Page[LedgerRowPublic]:
    """The caller's ledger rows, newest first, a page at a time."""
    return service.transactions(caller, query.by_seq())
