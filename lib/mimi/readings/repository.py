"""Readings in Postgres: user calls act as the user (RLS applies); processor calls use the service role."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mimi.db import call, rows, service_client

if TYPE_CHECKING:
    from mimi.auth.deps import Caller

READING_COLUMNS = ("id,status,question,language,depth,cards,result,analysis,rejection,failure_reason,"
                   "created_at,updated_at,completed_at")


def submit_reading(caller: Caller, question: str, language: str | None, depth: str) -> dict[str, Any]:
    result: dict[str, Any] = call(caller.db(), "submit_reading",
                                  {"p_question": question, "p_language": language, "p_depth": depth})
    return result


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
