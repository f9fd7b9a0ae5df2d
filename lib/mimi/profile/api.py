"""profile routes: GET /, PATCH /, DELETE / (account deletion), GET /export, GET /transactions."""

from __future__ import annotations

from fastapi import APIRouter, Response

from mimi.auth.deps import CurrentUser
from mimi.pagination import Page, check_limit, decode_seq_cursor, page_of
from mimi.profile import repository, service
from mimi.profile.schemas import AccountExport, LedgerRowPublic, ProfilePublic, ProfileUpdate

router = APIRouter()


@router.get("/", response_model=ProfilePublic)
def get_profile(caller: CurrentUser) -> ProfilePublic:
    return ProfilePublic.model_validate(repository.my_profile(caller))


@router.patch("/", response_model=ProfilePublic)
def update_profile(body: ProfileUpdate, caller: CurrentUser) -> ProfilePublic:
    updated = repository.update_profile(caller, body.display_name, body.language)
    return ProfilePublic.model_validate(updated)


@router.delete("/", status_code=204)
def delete_account(caller: CurrentUser) -> Response:
    service.delete_account(caller)
    return Response(status_code=204)


@router.get("/export", response_model=AccountExport)
def export(caller: CurrentUser, response: Response) -> AccountExport:
    response.headers.update(service.EXPORT_HEADERS)
    return service.export(caller)


@router.get("/transactions", response_model=Page[LedgerRowPublic])
def transactions(caller: CurrentUser, limit: int = 20, cursor: str | None = None) -> Page[LedgerRowPublic]:
    before = decode_seq_cursor(cursor)
    rows = repository.ledger_page(caller, before, check_limit(limit))
    items, next_cursor = page_of(rows, limit)
    return Page[LedgerRowPublic](items=[LedgerRowPublic.model_validate(r) for r in items],
                                 next_cursor=next_cursor)
