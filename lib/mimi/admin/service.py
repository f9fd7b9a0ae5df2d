"""Admin rules outside SQL: ids from the path, the Idempotency-Key, and re-publishing a retried reading."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from mimi.admin import repository
from mimi.admin.errors import AdminReadingNotFound, IdempotencyKeyRequired, NotAdmin, PaymentNotFound, UserNotFound
from mimi.admin.schemas import AdjustmentCreate, AdjustmentPublic, AdminMe, ReadingRetried
from mimi.errors import AppError, NotFound, ServiceUnavailable
from mimi.idempotency import client_key
from mimi.logs import log

if TYPE_CHECKING:
    from mimi.auth.deps import Caller


def path_uuid(caller: Caller, raw: str, error: type[NotFound]) -> str:
    """An id from the path; one that is not a UUID is not found (for an admin: others get 403 as everywhere)."""
    try:
        return str(uuid.UUID(raw))
    except ValueError:
        me(caller)
        raise error("Nothing has this id.") from None


def user_id(caller: Caller, raw: str) -> str:
    return path_uuid(caller, raw, UserNotFound)


def reading_id(caller: Caller, raw: str) -> str:
    return path_uuid(caller, raw, AdminReadingNotFound)


def payment_id(caller: Caller, raw: str) -> str:
    return path_uuid(caller, raw, PaymentNotFound)


def me(caller: Caller) -> AdminMe:
    """Whether the caller is an admin, as SQL says; 403 not_admin when not (the console hides its tab)."""
    if not repository.is_admin(caller):
        raise NotAdmin("Only admins may use the back office.")
    return AdminMe(user_id=caller.user_id, is_admin=True)


def adjust(caller: Caller, raw_user_id: str, body: AdjustmentCreate, key_header: str | None) -> AdjustmentPublic:
    """One audited adjustment, once per Idempotency-Key (required: a retried click must not pay twice)."""
    key = client_key(key_header)
    if key is None:
        me(caller)  # a non-admin hears 403, as everywhere
        raise IdempotencyKeyRequired("Send an Idempotency-Key header (8 to 100 characters) with each adjustment.")
    result = repository.adjust_credits(caller, user_id=user_id(caller, raw_user_id), currency=body.currency,
                                       delta=body.delta, reason=body.reason, key=key, clawback=body.clawback)
    log("admin_adjustment", admin_id=caller.user_id, currency=body.currency, delta=body.delta,
        replayed=result.replayed)
    return result


def retry(caller: Caller, raw_reading_id: str, reason: str) -> ReadingRetried:
    """Re-queue (audited in SQL), then publish under a new deduplication id: QStash remembers the first one."""
    from mimi.readings import queue  # QStash loads only for a retry

    reading = repository.retry_reading(caller, reading_id=reading_id(caller, raw_reading_id), reason=reason)
    rid, retry_id = str(reading["id"]), int(reading["retry_id"])
    try:
        queue.publish_reading(rid, deduplication_id=f"{rid}-retry-{retry_id}")
    except AppError:
        # the reading stays queued: retry again, or the sweep/reconciliation fails and refunds it (once)
        raise ServiceUnavailable("The reading is queued again but QStash did not take it; retry shortly.",
                                 code="queue_unavailable") from None
    log("admin_reading_retry", admin_id=caller.user_id, reading_id=rid, retry_id=retry_id)
    return ReadingRetried.model_validate({**reading, "published": True})
