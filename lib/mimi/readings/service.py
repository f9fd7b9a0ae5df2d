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
    QueuedReading,
    ReadingCreate,
    ReadingPublic,
    ReadingSummaryPublic,
    ReviewCreate,
    ReviewPublic,
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


def submit(caller: Caller, body: ReadingCreate) -> QueuedReading:
    """Spend and queue in one rpc, then publish; when the publish fails, refund and answer 503."""
    from mimi.readings import queue  # QStash too

    check_rate_limits(caller.user_id)
    reading = repository.submit_reading(caller, question=body.question, language=body.language, depth=body.depth)
    try:
        queue.publish_reading(str(reading.id))
    except AppError:
        _cancel(caller, reading.id)
        raise
    log("reading_queued", reading_id=str(reading.id), depth=body.depth, spent=reading.spent)
    telemetry.submitted(reading, body.depth)
    return reading


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
    return found


def history(caller: Caller, page: PageRequest) -> Page[ReadingSummaryPublic]:
    """The caller's readings, newest first, one page."""
    items, next_cursor = page_of(repository.list_page_for_user(caller, page), page, key=lambda r: r.id)
    return Page[ReadingSummaryPublic](items=items, next_cursor=next_cursor)


def delete(caller: Caller, reading_id: UUID) -> None:
    """Delete one of the caller's readings (404 when it is not theirs)."""
    repository.delete_reading(caller, reading_id)


def review(caller: Caller, reading_id: UUID, body: ReviewCreate) -> ReviewPublic:
    """Review a completed reading of the caller's (rewarded once)."""
    return repository.review_reading(caller, reading_id, accuracy=body.accuracy, comment=body.comment)
