"""Reading rules on the user's side: rate limits before any credit moves, one spend, then the queue."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING
from uuid import UUID

from mimi.config import get_settings
from mimi.errors import AppError
from mimi.logs import log
from mimi.pagination import Page, PageRequest, page_of
from mimi.readings import repository, telemetry
from mimi.readings.errors import ReadingNotFound
from mimi.readings.schemas import (
    DailyCardPublic,
    FollowUpCreate,
    QueuedReading,
    ReadingCreate,
    ReadingPublic,
    ReadingSummaryPublic,
    ReviewCreate,
    ReviewPublic,
    SpreadPublic,
)

if TYPE_CHECKING:
    from mimi.auth.deps import Caller

DAY_S = 86400


def check_rate_limits(user_id: str) -> None:
    """5 a minute and 60 a day per user (settings); closed when Redis is down, as each reading costs money."""
    from mimi import ratelimit  # Upstash loads with the first submission, not for reading history

    s = get_settings()
    ratelimit.enforce("readings_minute", user_id, s.readings_per_minute, 60, fail_open=False)
    ratelimit.enforce("readings_day", user_id, s.readings_per_day, DAY_S, fail_open=False)


def submit(
    caller: Caller, body: ReadingCreate, idempotency_key: str | None = None
) -> QueuedReading:
    """Spend, draw the cards and queue in one rpc, then publish; when the publish fails, refund and answer 503."""
    check_rate_limits(caller.user_id)
    reading = repository.submit_reading(
        caller,
        question=body.question,
        language=body.language,
        depth=body.depth,
        spread=body.spread,
        idempotency_key=idempotency_key,
    )
    _queue(caller, reading)
    log(
        "reading_queued",
        reading_id=str(reading.id),
        spread=reading.spread,
        spent=reading.spent,
        replayed=reading.replayed,
    )
    return reading


def ask_follow_up(
    caller: Caller, reading_id: UUID, body: FollowUpCreate, idempotency_key: str | None = None
) -> QueuedReading:
    """Spend the follow-up price, draw its card and queue it like any reading (refunded if the queue fails)."""
    check_rate_limits(caller.user_id)
    queued = repository.ask_follow_up(
        caller,
        reading_id,
        question=body.question,
        language=body.language,
        idempotency_key=idempotency_key,
    )
    _queue(caller, queued)
    log(
        "follow_up_queued",
        reading_id=str(queued.id),
        parent_id=str(queued.parent_id),
        replayed=queued.replayed,
    )
    return queued


def spreads() -> list[SpreadPublic]:
    """The spreads a user can ask for, in display order."""
    return repository.list_active_spreads()


def daily_card(caller: Caller) -> DailyCardPublic:
    """Today's free card; queued (again, deduplicated by id) while it has not reached the processor."""
    from mimi.readings import queue

    card = repository.get_or_create_daily_card(caller)
    if card.status == "queued":
        # nothing was spent, so nothing to refund: a failed publish answers 503 and the next call publishes again
        queue.publish_reading(str(card.id))
    log("daily_card", reading_id=str(card.id), created=card.created, status=card.status)
    if card.created:
        telemetry.submitted_free(card.spread)
    return card


def _queue(caller: Caller, reading: QueuedReading) -> None:
    """Publish a paid reading while it waits (a replay's again: QStash deduplicates by id); count a new one."""
    if reading.status == "queued":
        _publish_or_refund(caller, reading.id)
    if not reading.replayed:
        telemetry.submitted(reading)


def _publish_or_refund(caller: Caller, queued_id: UUID) -> None:
    """Hand a paid reading to QStash; when that fails, give the credit back and re-raise (503)."""
    from mimi.readings import queue  # QStash too

    try:
        queue.publish_reading(str(queued_id))
    except AppError:
        _cancel(caller, queued_id)
        raise


def _cancel(caller: Caller, reading_id: UUID) -> None:
    """Give the credit back for a reading the queue never took (a failure here is logged for reconciliation)."""
    try:
        repository.cancel_reading(caller, reading_id)
        telemetry.cancelled()
    except AppError as exc:
        log("reading_cancel_failed", logging.ERROR, reading_id=str(reading_id), code=exc.code)


def get(caller: Caller, reading_id: UUID) -> ReadingPublic:
    """One of the caller's readings; 404 for another user's or a deleted one."""
    found = repository.get_by_id(caller, reading_id)
    if found is None:
        raise ReadingNotFound("No such reading.")
    if found.parent_id is None:
        found.follow_ups = repository.list_follow_ups_for_reading(caller, found.id)
    return found


def history(caller: Caller, page: PageRequest) -> Page[ReadingSummaryPublic]:
    """The caller's readings, newest first, one page."""
    items, next_cursor = page_of(
        repository.list_page_for_user(caller, page), page, key=lambda r: r.id
    )
    return Page[ReadingSummaryPublic](items=items, next_cursor=next_cursor)


def delete(caller: Caller, reading_id: UUID) -> None:
    """Delete one of the caller's readings (404 when it is not theirs)."""
    repository.delete_reading(caller, reading_id)


def review(caller: Caller, reading_id: UUID, body: ReviewCreate) -> ReviewPublic:
    """Review a completed reading of the caller's, once (rewarded when it was paid for)."""
    return repository.review_reading(
        caller, reading_id, accuracy=body.accuracy, comment=body.comment
    )
