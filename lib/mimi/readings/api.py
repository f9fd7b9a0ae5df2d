"""readings routes: POST /, GET /, GET /spreads, POST /daily, GET /{reading_id}, DELETE /{reading_id},
POST /{reading_id}/review, POST /{reading_id}/follow-ups, POST and DELETE /{reading_id}/share, GET /shared/{token}."""

from __future__ import annotations

from typing import TYPE_CHECKING
from uuid import UUID

from mimi.credits.errors import AccountFrozen, InsufficientCredits, WalletNotFound
from mimi.errors import RateLimited, RateLimitUnavailable, ValidationFailed
from mimi.idempotency import IdempotencyKeyReused, InvalidIdempotencyKey, client_key
from mimi.pagination import InvalidCursor, Page, PageQuery
from mimi.readings import service
from mimi.readings.errors import (
    AlreadyReviewed,
    FollowUpLimit,
    QueueUnavailable,
    ReadingNotCompleted,
    ReadingNotFound,
    SpreadUnknown,
)
from mimi.readings.schemas import (
    DailyCardPublic,
    FollowUpCreate,
    QueuedReading,
    ReadingCreate,
    ReadingPublic,
    ReadingQueuedPublic,
    ReadingSummaryPublic,
    ReviewCreate,
    ReviewPublic,
    SpreadPublic,
    parse_reading_id,
)
from mimi.sharing import service as sharing
from mimi.sharing.errors import ShareNotFound, TooManyShares
from mimi.sharing.schemas import (
    ShareCreate,
    ShareCreatedPublic,
    SharedReadingPublic,
    SharesRevokedPublic,
)
from mimi.web import USER_API, Router

if TYPE_CHECKING:
    from mimi.auth.deps import Caller

router = Router(
    needs=(
        *USER_API,
        "upstash_redis_rest_url",
        "upstash_redis_rest_token",
        "qstash_url",
        "qstash_token",
        "reading_processor_url",
        "liff_url",
    )
)
READING_ID = {"reading_id": parse_reading_id}


@router.post(
    "/",
    body=ReadingCreate,
    response=ReadingQueuedPublic,
    status=202,
    auth=True,
    headers=("Idempotency-Key",),
    parse={"idempotency_key": client_key},
    errors=(
        SpreadUnknown,
        InsufficientCredits,
        AccountFrozen,
        WalletNotFound,
        RateLimited,
        RateLimitUnavailable,
        QueueUnavailable,
        InvalidIdempotencyKey,
        IdempotencyKeyReused,
    ),
)
def submit(body: ReadingCreate, caller: Caller, idempotency_key: str | None) -> ReadingQueuedPublic:
    """Ask a question: its price is spent, its cards are drawn and shown, and the reading is queued."""
    return queued_public(service.submit(caller, body, idempotency_key))


@router.get(
    "/",
    query=PageQuery,
    response=Page[ReadingSummaryPublic],
    auth=True,
    errors=(InvalidCursor, ValidationFailed),
)
def history(query: PageQuery, caller: Caller) -> Page[ReadingSummaryPublic]:
    """The caller's readings, newest first, a page at a time."""
    return service.history(caller, query.by_uuid())


@router.get(
    "/spreads",
    response=list[SpreadPublic],
    response_headers=(("Cache-Control", "public, max-age=300"),),
)
def spreads() -> list[SpreadPublic]:
    """The spreads a user can ask for, with their positions and prices (public)."""
    return service.spreads()


@router.post("/daily", response=DailyCardPublic, auth=True, errors=(QueueUnavailable,))
def daily_card(caller: Caller) -> DailyCardPublic:
    """Today's free card (Bangkok day): the first call draws it, later calls return the same reading."""
    return service.daily_card(caller)


@router.post(
    "/{reading_id}/follow-ups",
    parse={**READING_ID, "idempotency_key": client_key},
    body=FollowUpCreate,
    response=ReadingQueuedPublic,
    status=202,
    auth=True,
    headers=("Idempotency-Key",),
    errors=(
        ReadingNotFound,
        ReadingNotCompleted,
        FollowUpLimit,
        InsufficientCredits,
        AccountFrozen,
        WalletNotFound,
        RateLimited,
        RateLimitUnavailable,
        QueueUnavailable,
        InvalidIdempotencyKey,
        IdempotencyKeyReused,
    ),
)
def ask_follow_up(
    reading_id: UUID, body: FollowUpCreate, caller: Caller, idempotency_key: str | None
) -> ReadingQueuedPublic:
    """Ask a follow-up question about a completed reading: one clarifying card, priced by the settings."""
    return queued_public(service.ask_follow_up(caller, reading_id, body, idempotency_key))


@router.get(
    "/{reading_id}", parse=READING_ID, response=ReadingPublic, auth=True, errors=(ReadingNotFound,)
)
def get_reading(reading_id: UUID, caller: Caller) -> ReadingPublic:
    """One of the caller's readings (poll it until it is completed, rejected or failed)."""
    return service.get(caller, reading_id)


@router.delete("/{reading_id}", parse=READING_ID, status=204, auth=True, errors=(ReadingNotFound,))
def delete_reading(reading_id: UUID, caller: Caller) -> None:
    """Delete one of the caller's readings."""
    service.delete(caller, reading_id)


@router.post(
    "/{reading_id}/review",
    parse=READING_ID,
    body=ReviewCreate,
    response=ReviewPublic,
    auth=True,
    errors=(ReadingNotFound, ReadingNotCompleted, AlreadyReviewed),
)
def review(reading_id: UUID, body: ReviewCreate, caller: Caller) -> ReviewPublic:
    """Say how accurate a reading felt (once; a paid reading's review is rewarded)."""
    return service.review(caller, reading_id, body)


@router.post(
    "/{reading_id}/share",
    parse=READING_ID,
    body=ShareCreate,
    response=ShareCreatedPublic,
    status=201,
    auth=True,
    errors=(ReadingNotFound, ReadingNotCompleted, TooManyShares, RateLimited),
)
def share(reading_id: UUID, body: ShareCreate, caller: Caller) -> ShareCreatedPublic:
    """A new revocable link to a completed reading, and a LINE Flex message for liff.shareTargetPicker."""
    return sharing.create(caller, reading_id, body)


@router.delete(
    "/{reading_id}/share",
    parse=READING_ID,
    response=SharesRevokedPublic,
    auth=True,
    errors=(ReadingNotFound,),
)
def revoke_shares(reading_id: UUID, caller: Caller) -> SharesRevokedPublic:
    """Every share link of the reading stops working."""
    return sharing.revoke(caller, reading_id)


@router.get(
    "/shared/{token}",
    response=SharedReadingPublic,
    errors=(ShareNotFound,),
    response_headers=(("Cache-Control", "no-store"), ("Referrer-Policy", "no-referrer")),
)
def shared_reading(token: str) -> SharedReadingPublic:
    """Public (no login): the minimal view behind a share link."""
    return sharing.shared(token)


def queued_public(queued: QueuedReading) -> ReadingQueuedPublic:
    """What the app is told about a queued reading (not which currency paid)."""
    return ReadingQueuedPublic(
        id=queued.id,
        status=queued.status,
        cards=queued.cards,
        wallet=queued.wallet,
        spread=queued.spread,
        price=queued.price,
        parent_id=queued.parent_id,
    )
