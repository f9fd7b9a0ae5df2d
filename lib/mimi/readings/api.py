"""readings routes: POST /, GET /, GET /{reading_id}, DELETE /{reading_id}, POST /{reading_id}/review, sharing."""

from __future__ import annotations

from typing import TYPE_CHECKING

from mimi.errors import NotFound, RateLimited, ServiceUnavailable, ValidationFailed
from mimi.pagination import Page, PageQuery, check_limit, decode_uuid_cursor, page_of
from mimi.readings import repository, service
from mimi.readings.schemas import (
    ReadingCreate,
    ReadingPublic,
    ReadingQueuedPublic,
    ReadingSummaryPublic,
    ReviewCreate,
    ReviewPublic,
)
from mimi.sharing import service as sharing
from mimi.sharing.errors import ReadingNotCompleted, ShareNotFound, TooManyShares
from mimi.sharing.schemas import ShareCreate, ShareCreatedPublic, SharedReadingPublic, SharesRevokedPublic
from mimi.web import USER_API, Router

if TYPE_CHECKING:
    from mimi.auth.deps import Caller

router = Router(needs=(*USER_API, "upstash_redis_rest_url", "upstash_redis_rest_token", "qstash_url", "qstash_token",
                       "reading_processor_url", "liff_url"))


@router.post("/", body=ReadingCreate, response=ReadingQueuedPublic, status=202, auth=True,
             errors=(RateLimited, ServiceUnavailable))
def submit(body: ReadingCreate, caller: Caller) -> ReadingQueuedPublic:
    """Ask a question: one star is spent and the reading is queued."""
    return ReadingQueuedPublic.model_validate(service.submit(caller, body))


@router.get("/", query=PageQuery, response=Page[ReadingSummaryPublic], auth=True, errors=(ValidationFailed,))
def history(query: PageQuery, caller: Caller) -> Page[ReadingSummaryPublic]:
    """The caller's readings, newest first, a page at a time."""
    rows = repository.history(caller, decode_uuid_cursor(query.cursor), check_limit(query.limit))
    items, next_cursor = page_of(rows, query.limit)
    return Page[ReadingSummaryPublic](items=[ReadingSummaryPublic.model_validate(r) for r in items],
                                      next_cursor=next_cursor)


@router.get("/{reading_id}", response=ReadingPublic, auth=True, errors=(NotFound,))
def get_reading(reading_id: str, caller: Caller) -> ReadingPublic:
    """One of the caller's readings (poll it until it is completed, rejected or failed)."""
    return ReadingPublic.model_validate(service.get(caller, reading_id))


@router.delete("/{reading_id}", status=204, auth=True, errors=(NotFound,))
def delete_reading(reading_id: str, caller: Caller) -> None:
    """Delete one of the caller's readings."""
    repository.delete_reading(caller, service.reading_id(reading_id))


@router.post("/{reading_id}/review", body=ReviewCreate, response=ReviewPublic, auth=True, errors=(NotFound,))
def review(reading_id: str, body: ReviewCreate, caller: Caller) -> ReviewPublic:
    """Say how accurate a reading felt (rewarded once)."""
    result = repository.review_reading(caller, service.reading_id(reading_id), body.accuracy, body.comment)
    return ReviewPublic.model_validate(result)


@router.post("/{reading_id}/share", body=ShareCreate, response=ShareCreatedPublic, status=201, auth=True,
             errors=(NotFound, ReadingNotCompleted, TooManyShares))
def share(reading_id: str, body: ShareCreate, caller: Caller) -> ShareCreatedPublic:
    """A new revocable link to a completed reading, and a LINE Flex message for liff.shareTargetPicker."""
    return sharing.create(caller, service.reading_id(reading_id), body)


@router.delete("/{reading_id}/share", response=SharesRevokedPublic, auth=True, errors=(NotFound,))
def revoke_shares(reading_id: str, caller: Caller) -> SharesRevokedPublic:
    """Every share link of the reading stops working."""
    return sharing.revoke(caller, service.reading_id(reading_id))


@router.get("/shared/{token}", response=SharedReadingPublic, errors=(ShareNotFound,))
def shared_reading(token: str) -> SharedReadingPublic:
    """Public (no login): the minimal view behind a share link."""
    return sharing.shared(token)
