"""Readings in Postgres: user calls act as the user (RLS applies); processor calls use the service role."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from uuid import UUID

from mimi.db import call, call_as, call_list, select, service_client
from mimi.pagination import PageRequest
from mimi.readings.schemas import (
    ClaimedReading,
    QueuedReading,
    ReadingPublic,
    ReadingStepResult,
    ReadingSummaryPublic,
    ReviewPublic,
    SweepOutcome,
)

if TYPE_CHECKING:
    from mimi.auth.deps import Caller

READING_COLUMNS = ("id,status,question,language,depth,cards,result,analysis,rejection,failure_reason,"
                   "created_at,updated_at,completed_at")


def submit_reading(caller: Caller, *, question: str, language: str | None, depth: str) -> QueuedReading:
    """Spend one star and queue the reading, in one transaction (within the user's reading limits)."""
    params = {"p_question": question, "p_language": language, "p_depth": depth}
    return call_as(QueuedReading, caller.db(), "submit_reading", params)


def cancel_reading(caller: Caller, reading_id: UUID) -> None:
    """Fail a reading the queue never took and refund its star."""
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


def review_reading(caller: Caller, reading_id: UUID, *, accuracy: int, comment: str | None) -> ReviewPublic:
    """Store the caller's review of a completed reading and reward it once."""
    params = {"p_id": str(reading_id), "p_accuracy": accuracy, "p_comment": comment}
    return call_as(ReviewPublic, caller.db(), "review_reading", params)


def claim_reading(reading_id: UUID) -> ClaimedReading:
    return call_as(ClaimedReading, service_client(), "claim_reading", {"p_id": str(reading_id)})


def complete_reading(reading_id: UUID, *, cards: list[dict[str, Any]], result: dict[str, Any],
                     analysis: dict[str, Any], meta: dict[str, Any]) -> ReadingStepResult:
    """Store the finished reading and award its exp and coins, once."""
    params = {"p_id": str(reading_id), "p_cards": cards, "p_result": result, "p_analysis": analysis, "p_meta": meta}
    return call_as(ReadingStepResult, service_client(), "complete_reading", params)


def reject_reading(reading_id: UUID, *, rejection: dict[str, Any], cards: list[dict[str, Any]],
                   analysis: dict[str, Any]) -> ReadingStepResult:
    """Store why the question was refused and refund its star, once."""
    params = {"p_id": str(reading_id), "p_rejection": rejection, "p_cards": cards, "p_analysis": analysis}
    return call_as(ReadingStepResult, service_client(), "reject_reading", params)


def fail_reading(reading_id: UUID, *, reason: str) -> ReadingStepResult:
    params = {"p_id": str(reading_id), "p_reason": reason}
    return call_as(ReadingStepResult, service_client(), "fail_reading", params)


def sweep_stale_readings(*, older_than_s: int) -> SweepOutcome:
    return call_as(SweepOutcome, service_client(), "sweep_stale_readings", {"p_older_than_s": older_than_s})
