"""Readings in Postgres: user calls act as the user (RLS applies); processor calls use the service role."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from uuid import UUID

from mimi.db import anon_client, call, call_as, call_list, select, service_client
from mimi.pagination import PageRequest
from mimi.readings.schemas import (
    ClaimedReading,
    DailyCardPublic,
    DraftSaved,
    FollowUpPublic,
    QueuedReading,
    ReadingPublic,
    ReadingStepResult,
    ReadingSummaryPublic,
    ReviewPublic,
    SpreadPublic,
    SweepOutcome,
)

if TYPE_CHECKING:
    from mimi.auth.deps import Caller

READING_COLUMNS = (
    "id,status,question,language,depth,spread,parent_id,daily_on,cards,result,draft,analysis,"
    "rejection,failure_reason,created_at,updated_at,completed_at"
)
FOLLOW_UP_COLUMNS = (
    "id,status,question,language,cards,result,rejection,failure_reason,created_at,completed_at"
)
SPREAD_COLUMNS = "id,name_th,name_en,position_keys,positions_th,positions_en,card_count,price"


def submit_reading(
    caller: Caller,
    *,
    question: str,
    language: str | None,
    depth: str | None,
    spread: str | None,
    idempotency_key: str | None,
) -> QueuedReading:
    """Spend the spread's price, draw the cards and queue the reading, in one transaction (within the user's
    reading limits); the key's earlier reading when the key was used."""
    params = {
        "p_question": question,
        "p_language": language,
        "p_depth": depth,
        "p_spread": spread,
        "p_idempotency_key": idempotency_key,
    }
    return call_as(QueuedReading, caller.db(), "submit_reading", params)


def list_active_spreads() -> list[SpreadPublic]:
    """The spreads a user may ask for, in display order (public data, read with the anon key)."""
    return select(
        SpreadPublic,
        anon_client()
        .table("spreads")
        .select(SPREAD_COLUMNS)
        .eq("active", "true")
        .order("sort_order"),
    )


def get_or_create_daily_card(caller: Caller) -> DailyCardPublic:
    """Today's free card of the caller (Bangkok day): created once, then the same reading."""
    return call_as(DailyCardPublic, caller.db(), "daily_card")


def ask_follow_up(
    caller: Caller,
    reading_id: UUID,
    *,
    question: str,
    language: str | None,
    idempotency_key: str | None,
) -> QueuedReading:
    """Spend the follow-up price, draw its card and queue a follow-up question about one of the caller's
    completed readings; the key's earlier follow-up when the key was used."""
    params = {
        "p_reading": str(reading_id),
        "p_question": question,
        "p_language": language,
        "p_idempotency_key": idempotency_key,
    }
    return call_as(QueuedReading, caller.db(), "ask_follow_up", params)


def list_follow_ups_for_reading(caller: Caller, reading_id: UUID) -> list[FollowUpPublic]:
    """The follow-up questions of one of the caller's readings, oldest first (RLS hides other users')."""
    query = caller.db().table("readings").select(FOLLOW_UP_COLUMNS).eq("parent_id", str(reading_id))
    return select(FollowUpPublic, query.order("created_at"))


def cancel_reading(caller: Caller, reading_id: UUID) -> None:
    """Fail a reading the queue never took and refund what it spent."""
    call(caller.db(), "cancel_reading", {"p_id": str(reading_id)})


def get_by_id(caller: Caller, reading_id: UUID) -> ReadingPublic | None:
    """One of the caller's readings, or None (RLS hides other users' and deleted ones)."""
    query = caller.db().table("readings").select(READING_COLUMNS).eq("id", str(reading_id)).limit(1)
    found = select(ReadingPublic, query)
    return found[0] if found else None


def list_page_for_user(caller: Caller, page: PageRequest) -> list[ReadingSummaryPublic]:
    """Up to limit+1 of the caller's readings, newest first, after the reading page.after."""
    params = {"p_limit": page.limit + 1, "p_before": page.after}
    return call_list(ReadingSummaryPublic, caller.db(), "reading_history", params)


def delete_reading(caller: Caller, reading_id: UUID) -> None:
    call(caller.db(), "delete_reading", {"p_id": str(reading_id)})


def review_reading(
    caller: Caller, reading_id: UUID, *, accuracy: int, comment: str | None
) -> ReviewPublic:
    """Store the caller's review of a completed reading, rewarded once when it was paid for."""
    params = {"p_id": str(reading_id), "p_accuracy": accuracy, "p_comment": comment}
    return call_as(ReviewPublic, caller.db(), "review_reading", params)


def claim_reading(reading_id: UUID) -> ClaimedReading:
    return call_as(ClaimedReading, service_client(), "claim_reading", {"p_id": str(reading_id)})


def save_reading_draft(
    reading_id: UUID, *, attempt: int, received: int, draft: dict[str, Any]
) -> DraftSaved:
    """Store (and broadcast) what may be shown of a reading being written, when SQL lets it replace the last."""
    params = {
        "p_id": str(reading_id),
        "p_attempt": attempt,
        "p_received": received,
        "p_draft": draft,
    }
    return call_as(DraftSaved, service_client(), "save_reading_draft", params)


def complete_reading(
    reading_id: UUID, *, result: dict[str, Any], analysis: dict[str, Any], meta: dict[str, Any]
) -> ReadingStepResult:
    """Store the finished reading (its cards stay those drawn when it was paid for) and award its reward, once."""
    params = {"p_id": str(reading_id), "p_result": result, "p_analysis": analysis, "p_meta": meta}
    return call_as(ReadingStepResult, service_client(), "complete_reading", params)


def reject_reading(
    reading_id: UUID, *, rejection: dict[str, Any], analysis: dict[str, Any]
) -> ReadingStepResult:
    """Store why the question was refused and refund what it spent, once."""
    params = {"p_id": str(reading_id), "p_rejection": rejection, "p_analysis": analysis}
    return call_as(ReadingStepResult, service_client(), "reject_reading", params)


def fail_reading(reading_id: UUID, *, reason: str) -> ReadingStepResult:
    params = {"p_id": str(reading_id), "p_reason": reason}
    return call_as(ReadingStepResult, service_client(), "fail_reading", params)


def sweep_stale_readings(*, older_than_s: int) -> SweepOutcome:
    return call_as(
        SweepOutcome, service_client(), "sweep_stale_readings", {"p_older_than_s": older_than_s}
    )
