"""Reading rules on the user's side: rate limits before any credit moves, one spend, then the queue."""

from __future__ import annotations

import logging
import uuid
from typing import TYPE_CHECKING, Any

from mimi.config import get_settings
from mimi.errors import AppError, NotFound
from mimi.logs import log
from mimi.readings import repository, telemetry
from mimi.readings.schemas import ReadingCreate

if TYPE_CHECKING:
    from mimi.auth.deps import Caller

DAY_S = 86400


def check_rate_limits(user_id: str) -> None:
    """5 a minute and 60 a day per user (settings); closed when Redis is down, as each reading costs money."""
    from mimi import ratelimit  # Upstash loads with the first submission, not for reading history

    s = get_settings()
    ratelimit.enforce("readings_minute", user_id, s.readings_per_minute, 60, fail_open=False)
    ratelimit.enforce("readings_day", user_id, s.readings_per_day, DAY_S, fail_open=False)


def submit(caller: Caller, body: ReadingCreate) -> dict[str, Any]:
    """Spend and queue in one rpc, then publish; when the publish fails, refund and answer 503."""
    from mimi.readings import queue  # QStash too

    check_rate_limits(caller.user_id)
    reading = repository.submit_reading(caller, body.question, body.language, body.depth)
    try:
        queue.publish_reading(str(reading["id"]))
    except AppError:
        _cancel(caller, str(reading["id"]))
        raise
    log("reading_queued", reading_id=str(reading["id"]), depth=body.depth, spent=reading.get("spent"))
    telemetry.submitted(reading, body.depth)
    return reading


def _cancel(caller: Caller, reading_id: str) -> None:
    """Give the credit back for a reading the queue never took (a failure here is logged for reconciliation)."""
    try:
        repository.cancel_reading(caller, reading_id)
        telemetry.cancelled()
    except AppError as exc:
        log("reading_cancel_failed", logging.ERROR, reading_id=reading_id, code=exc.code)


def reading_id(raw: str) -> str:
    """A reading id from the path; anything that is not a UUID is simply not found."""
    try:
        return str(uuid.UUID(raw))
    except ValueError:
        raise NotFound("No such reading.", code="reading_not_found") from None


def get(caller: Caller, raw_id: str) -> dict[str, Any]:
    """One of the caller's readings; 404 for another user's, a deleted one or a bad id."""
    found = repository.get_reading(caller, reading_id(raw_id))
    if found is None:
        raise NotFound("No such reading.", code="reading_not_found")
    return found
