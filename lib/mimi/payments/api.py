"""payments routes: GET /packages (public), POST /intents, GET / (the user's payment history)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Response

from mimi.auth.deps import CurrentUser
from mimi.pagination import Page, check_limit, decode_seq_cursor, page_of
from mimi.payments import repository, service
from mimi.payments.schemas import IntentCreate, IntentPublic, PackagePublic, PaymentPublic

router = APIRouter()


@router.get("/packages", response_model=list[PackagePublic])
def packages(response: Response) -> list[PackagePublic]:
    response.headers["Cache-Control"] = "public, max-age=300"
    return service.packages()


@router.post("/intents", response_model=IntentPublic, status_code=201)
def create_intent(body: IntentCreate, caller: CurrentUser,
                  idempotency_key: Annotated[str | None, Header()] = None) -> IntentPublic:
    return service.start_purchase(caller, body.package_id, idempotency_key)


@router.get("/", response_model=Page[PaymentPublic])
def history(caller: CurrentUser, limit: int = 20, cursor: str | None = None) -> Page[PaymentPublic]:
    before = decode_seq_cursor(cursor)
    rows = repository.payments_page(caller, before, check_limit(limit))
    items, next_cursor = page_of(rows, limit, key="seq")
    return Page[PaymentPublic](items=[PaymentPublic.model_validate(r) for r in items], next_cursor=next_cursor)
