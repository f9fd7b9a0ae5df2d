"""Readings in Postgres: user calls act as the user (RLS applies); processor calls use the service role."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mimi.db import anon_client, call, rows, service_client
from mimi.readings.schemas import DailyCardPublic, FollowUpPublic, ReadingQueuedPublic, SpreadPublic

if TYPE_CHECKING:
    from mimi.auth.deps import Caller

READING_COLUMNS = ("id,status,question,language,depth,spread,parent_id,daily_on,cards,result,analysis,rejection,"
                   "failure_reason,created_at,updated_at,completed_at")
FOLLOW_UP_COLUMNS = "id,status,question,language,cards,result,rejection,failure_reason,created_at,completed_at"
SPREAD_COLUMNS = "id,name_th,name_en,position_keys,positions_th,positions_en,card_count,price"


def submit_reading(caller: Caller, question: str, language: str | None, depth: str | None, *,
                   spread: str | None = None) -> dict[str, Any]:
    result: dict[str, Any] = call(caller.db(), "submit_reading", {
        "p_question": question, "p_language": language, "p_depth": depth, "p_spread": spread})
    return result


def list_active_spreads() -> list[SpreadPublic]:
    """The spreads a user may ask for, in display order (public data, read with the anon key)."""
    query = anon_client().table("spreads").select(SPREAD_COLUMNS).eq("active", "true").order("sort_order")
    return [SpreadPublic.model_validate(row) for row in rows(query)]


def get_or_create_daily_card(caller: Caller) -> DailyCardPublic:
    """Today's free card of the caller (Bangkok day): created once, then the same reading."""
    return DailyCardPublic.model_validate(call(caller.db(), "daily_card", {}))


def ask_follow_up(caller: Caller, *, reading_id: str, question: str, language: str | None) -> ReadingQueuedPublic:
    """Spend the follow-up price and queue a follow-up question about one of the caller's completed readings."""
    result = call(caller.db(), "ask_follow_up",
                  {"p_reading": reading_id, "p_question": question, "p_language": language})
    return ReadingQueuedPublic.model_validate(result)


def list_follow_ups(caller: Caller, *, reading_id: str) -> list[FollowUpPublic]:
    """The follow-up questions of one of the caller's readings, oldest first (RLS hides other users')."""
    query = caller.db().table("readings").select(FOLLOW_UP_COLUMNS).eq("parent_id", reading_id).order("created_at")
    return [FollowUpPublic.model_validate(row) for row in rows(query)]


def cancel_reading(caller: Caller, reading_id: str) -> dict[str, Any]:
    result: dict[str, Any] = call(caller.db(), "cancel_reading", {"p_id": reading_id})
    return result


def get_reading(caller: Caller, reading_id: str) -> dict[str, Any] | None:
    """One of the caller's readings, or None (RLS hides other users' and deleted ones)."""
    found = rows(caller.db().table("readings").select(READING_COLUMNS).eq("id", reading_id).limit(1))
    return found[0] if found else None


def history(caller: Caller, before_id: str | None, limit: int) -> list[dict[str, Any]]:
    """Up to limit+1 of the caller's readings, newest first, after the reading before_id."""
    rows: list[dict[str, Any]] = call(caller.db(), "reading_history", {"p_limit": limit + 1, "p_before": before_id})
    return rows


def delete_reading(caller: Caller, reading_id: str) -> None:
    call(caller.db(), "delete_reading", {"p_id": reading_id})


def review_reading(caller: Caller, reading_id: str, accuracy: int, comment: str | None) -> dict[str, Any]:
    result: dict[str, Any] = call(caller.db(), "review_reading",
                                  {"p_id": reading_id, "p_accuracy": accuracy, "p_comment": comment})
    return result


def claim_reading(reading_id: str) -> dict[str, Any]:
    result: dict[str, Any] = call(service_client(), "claim_reading", {"p_id": reading_id})
    return result


def complete_reading(reading_id: str, cards: list[dict[str, Any]], result: dict[str, Any],
                     analysis: dict[str, Any], meta: dict[str, Any]) -> dict[str, Any]:
    stored: dict[str, Any] = call(service_client(), "complete_reading", {
        "p_id": reading_id, "p_cards": cards, "p_result": result, "p_analysis": analysis, "p_meta": meta})
    return stored


def reject_reading(reading_id: str, rejection: dict[str, Any], cards: list[dict[str, Any]],
                   analysis: dict[str, Any]) -> dict[str, Any]:
    stored: dict[str, Any] = call(service_client(), "reject_reading", {
        "p_id": reading_id, "p_rejection": rejection, "p_cards": cards, "p_analysis": analysis})
    return stored


def fail_reading(reading_id: str, reason: str) -> dict[str, Any]:
    stored: dict[str, Any] = call(service_client(), "fail_reading", {"p_id": reading_id, "p_reason": reason})
    return stored


def sweep_stale_readings(older_than_s: int) -> dict[str, Any]:
    result: dict[str, Any] = call(service_client(), "sweep_stale_readings", {"p_older_than_s": older_than_s})
    return result
