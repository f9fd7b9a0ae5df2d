"""readings routes: POST /, GET /, GET /{id}, DELETE /{id}, POST /{id}/review."""

from __future__ import annotations

from fastapi import APIRouter, Response

from mimi.auth.deps import CurrentUser
from mimi.pagination import Page, check_limit, decode_uuid_cursor, page_of
from mimi.readings import repository, service
from mimi.readings.schemas import (
    ReadingCreate,
    ReadingPublic,
    ReadingQueuedPublic,
    ReadingSummaryPublic,
    ReviewCreate,
    ReviewPublic,
)

router = APIRouter()


@router.post("/", status_code=202, response_model=ReadingQueuedPublic)
def submit(body: ReadingCreate, caller: CurrentUser) -> ReadingQueuedPublic:
    return ReadingQueuedPublic.model_validate(service.submit(caller, body))


@router.get("/", response_model=Page[ReadingSummaryPublic])
def history(caller: CurrentUser, limit: int = 20, cursor: str | None = None) -> Page[ReadingSummaryPublic]:
    rows = repository.history(caller, decode_uuid_cursor(cursor), check_limit(limit))
    items, next_cursor = page_of(rows, limit)
    return Page[ReadingSummaryPublic](items=[ReadingSummaryPublic.model_validate(r) for r in items],
                                      next_cursor=next_cursor)


@router.get("/{reading_id}", response_model=ReadingPublic)
def get_reading(reading_id: str, caller: CurrentUser) -> ReadingPublic:
    return ReadingPublic.model_validate(service.get(caller, reading_id))


@router.delete("/{reading_id}", status_code=204)
def delete_reading(reading_id: str, caller: CurrentUser) -> Response:
    repository.delete_reading(caller, service.reading_id(reading_id))
    return Response(status_code=204)


@router.post("/{reading_id}/review", response_model=ReviewPublic)
def review(reading_id: str, body: ReviewCreate, caller: CurrentUser) -> ReviewPublic:
    result = repository.review_reading(caller, service.reading_id(reading_id), body.accuracy, body.comment)
    return ReviewPublic.model_validate(result)
