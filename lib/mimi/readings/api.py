"""readings routes: POST /, GET /, GET /{reading_id}, DELETE /{reading_id}, POST /{reading_id}/review."""

from __future__ import annotations

from typing import TYPE_CHECKING
from uuid import UUID

from mimi.credits.errors import AccountFrozen, InsufficientCredits, WalletNotFound
from mimi.errors import RateLimited, RateLimitUnavailable, ValidationFailed
from mimi.pagination import InvalidCursor, Page, PageQuery
from mimi.readings import service
from mimi.readings.errors import AlreadyReviewed, QueueUnavailable, ReadingNotCompleted, ReadingNotFound
from mimi.readings.schemas import (
    ReadingCreate,
    ReadingPublic,
    ReadingQueuedPublic,
    ReadingSummaryPublic,
    ReviewCreate,
    ReviewPublic,
    parse_reading_id,
)
from mimi.web import USER_API, Router

if TYPE_CHECKING:
    from mimi.auth.deps import Caller

router = Router(needs=(*USER_API, "upstash_redis_rest_url", "upstash_redis_rest_token", "qstash_url", "qstash_token",
                       "reading_processor_url"))
READING_ID = {"reading_id": parse_reading_id}


@router.post("/", body=ReadingCreate, response=ReadingQueuedPublic, status=202, auth=True,
             errors=(InsufficientCredits, AccountFrozen, WalletNotFound, RateLimited,
                     RateLimitUnavailable, QueueUnavailable))
def submit(body: ReadingCreate, caller: Caller) -> ReadingQueuedPublic:
    """Ask a question: one star is spent and the reading is queued."""
    queued = service.submit(caller, body)
    return ReadingQueuedPublic(id=queued.id, status=queued.status, wallet=queued.wallet)


@router.get("/", query=PageQuery, response=Page[ReadingSummaryPublic], auth=True,
            errors=(InvalidCursor, ValidationFailed))
def history(query: PageQuery, caller: Caller) -> Page[ReadingSummaryPublic]:
    """The caller's readings, newest first, a page at a time."""
    return service.history(caller, query.by_uuid())


@router.get("/{reading_id}", parse=READING_ID, response=ReadingPublic, auth=True, errors=(ReadingNotFound,))
def get_reading(reading_id: UUID, caller: Caller) -> ReadingPublic:
    """One of the caller's readings (poll it until it is completed, rejected or failed)."""
    return service.get(caller, reading_id)


@router.delete("/{reading_id}", parse=READING_ID, status=204, auth=True, errors=(ReadingNotFound,))
def delete_reading(reading_id: UUID, caller: Caller) -> None:
    """Delete one of the caller's readings."""
    service.delete(caller, reading_id)


@router.post("/{reading_id}/review", parse=READING_ID, body=ReviewCreate, response=ReviewPublic, auth=True,
             errors=(ReadingNotFound, ReadingNotCompleted, AlreadyReviewed))
def review(reading_id: UUID, body: ReviewCreate, caller: Caller) -> ReviewPublic:
    """Say how accurate a reading felt (rewarded once)."""
    return service.review(caller, reading_id, body)
