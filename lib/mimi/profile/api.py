"""profile routes: GET /, PATCH /, GET /transactions."""

from __future__ import annotations

from fastapi import APIRouter

from mimi.auth.deps import CurrentUser
from mimi.pagination import Page, check_limit, decode_seq_cursor, page_of
from mimi.profile import repository
from mimi.profile.schemas import LedgerRowPublic, ProfilePublic, ProfileUpdate

router = APIRouter()


@router.get("/", response_model=ProfilePublic)
def get_profile(caller: CurrentUser) -> ProfilePublic:
    return ProfilePublic.model_validate(repository.my_profile(caller))


@router.patch("/", response_model=ProfilePublic)
def update_profile(body: ProfileUpdate, caller: CurrentUser) -> ProfilePublic:
    updated = repository.update_profile(caller, body.display_name, body.language)
    return ProfilePublic.model_validate(updated)


@router.get("/transactions", response_model=Page[LedgerRowPublic])
def transactions(caller: CurrentUser, limit: int = 20, cursor: str | None = None) -> Page[LedgerRowPublic]:
    before = decode_seq_cursor(cursor)
    rows = repository.ledger_page(caller, before, check_limit(limit))
    items, next_cursor = page_of(rows, limit)
    return Page[LedgerRowPublic](items=[LedgerRowPublic.model_validate(r) for r in items],
                                 next_cursor=next_cursor)
