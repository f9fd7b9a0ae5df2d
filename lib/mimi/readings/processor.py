"""The reading job: claim (with the cards drawn when it was paid for), one LLM call, then complete (reward) or
reject (refund), idempotently."""

from __future__ import annotations

import base64
import logging
import time
from typing import Any
from uuid import UUID

from pydantic import ValidationError

from mimi.agent import AgentResult, FollowUp, Position, Spread, run_reading
from mimi.config import get_settings
from mimi.logs import log
from mimi.notify import service as notify
from mimi.readings import repository, telemetry
from mimi.readings.deck import DrawnCard, load_deck
from mimi.readings.errors import InvalidCallback, InvalidJob, ReadingNotFound
from mimi.readings.schemas import (
    ClaimedReading,
    FailureCallback,
    JobOutcome,
    ReadingJob,
    ReadingStepResult,
    SweepOutcome,
)
from mimi.readings.schemas import DrawnCard as StoredCard

DELIVERY_FAILED = "delivery_failed"
DAILY = "daily"


def parse_job(body: bytes) -> ReadingJob:
    """The job in a delivery body; 422 when it is not one."""
    try:
        return ReadingJob.model_validate_json(body)
    except ValidationError:
        raise InvalidJob('body: expected {"reading_id": <uuid>}') from None


def parse_failure(body: bytes) -> ReadingJob:
    """The original job inside a QStash failure callback; 422 when it is not one."""
    try:
        callback = FailureCallback.model_validate_json(body)
        return parse_job(base64.b64decode(callback.source_body, validate=True))
    except (ValidationError, ValueError):  # binascii.Error, and non-ASCII text, are ValueErrors
        raise InvalidCallback("body: expected a QStash failure callback") from None


def deck_cards(cards: list[StoredCard]) -> list[DrawnCard]:
    """The stored cards as the agent reads them: each the deck's card, upright or reversed."""
    by_id = {card.id: card for card in load_deck()}
    return [
        DrawnCard(card=by_id[c["id"]], reversed=c.get("orientation") == "reversed") for c in cards
    ]


def result_json(agent: AgentResult, cards: list[StoredCard]) -> dict[str, Any]:
    """The finished reading the app shows: the LLM's text around the drawn cards (and what each means there)."""
    out = agent.output
    said = {entry.card_id: entry.meaning for entry in out.cards}
    return {
        "header": out.header,
        "cards": [{**card, "meaning": said.get(card["id"], "")} for card in cards],
        "reading": out.reading,
        "suggestions": out.suggestions,
        "next_questions": out.next_questions,
        "final": out.final,
        "end": out.end,
        "notice": out.notice,
    }


def _meta(agent: AgentResult) -> dict[str, Any]:
    return {
        "provider": agent.provider,
        "model": agent.model,
        "prompt_version": agent.prompt_version,
        "prompt_tokens": agent.prompt_tokens,
        "completion_tokens": agent.completion_tokens,
    }


def _store(reading_id: UUID, agent: AgentResult, cards: list[StoredCard]) -> ReadingStepResult:
    """One rpc: complete (reward once) or reject (refund once)."""
    out = agent.output
    analysis = out.analysis.model_dump()
    if out.accepted or out.rejection is None:
        return repository.complete_reading(
            reading_id, result=result_json(agent, cards), analysis=analysis, meta=_meta(agent)
        )
    return repository.reject_reading(
        reading_id, rejection=out.rejection.model_dump(), analysis=analysis
    )


def process(job: ReadingJob) -> JobOutcome:
    """Handle one delivery; a finished or unknown reading is a no-op, LlmUnavailable (503) makes QStash retry."""
    reading_id = str(job.reading_id)
    claim = _claim(job.reading_id)
    if claim is None or claim.final:
        status = claim.status if claim else "unknown"
        log("reading_job_noop", reading_id=reading_id, status=status)
        return JobOutcome(reading_id=reading_id, status=status, replayed=True)
    telemetry.claimed(claim)
    cards = claim.cards or []  # an unfinished claim always has them (ClaimedReading checks)
    agent = _read(claim, cards)
    stored = _store(job.reading_id, agent, cards)
    telemetry.stored(stored)
    log(
        "reading_job_done",
        reading_id=reading_id,
        status=stored.status,
        attempts=claim.attempts,
        replayed=stored.replayed,
        provider=agent.provider,
        spread=claim.spread,
    )
    notify.reading_finished(reading_id)
    return JobOutcome(reading_id=reading_id, status=stored.status, replayed=stored.replayed)


def _read(claim: ClaimedReading, cards: list[StoredCard]) -> AgentResult:
    """The one LLM call of a claimed reading: its question, its stored cards in its spread's positions."""
    spread = spread_of(claim)
    cap = get_settings().daily_card_max_tokens if spread.id == DAILY else None
    started = time.perf_counter()
    agent = run_reading(
        claim.question,
        claim.language,
        deck_cards(cards),
        spread,
        follow_up=follow_up_of(claim),
        max_tokens=cap,
    )
    telemetry.answered(agent, round((time.perf_counter() - started) * 1000, 1))
    return agent


def spread_of(claim: ClaimedReading) -> Spread:
    """The claimed reading's spread, positions in drawing order."""
    return Spread(claim.spread, tuple(Position(p.key, p.th, p.en) for p in claim.positions))


def follow_up_of(claim: ClaimedReading) -> FollowUp | None:
    """What a follow-up is read with: the earlier question, its cards (one line each) and its short summary."""
    if claim.context is None:
        return None
    lines = tuple(
        f"- {c.get('position_en', '')}: {c.get('name', '')} | {c.get('name_th', '')} | "
        f"{c.get('orientation', 'upright')}"
        for c in claim.context.cards
    )
    return FollowUp(
        question=claim.context.question, cards=lines, summary=claim.context.summary or ""
    )


def _claim(reading_id: UUID) -> ClaimedReading | None:
    """The claimed reading, or None when it does not exist (nothing to retry for)."""
    try:
        return repository.claim_reading(reading_id)
    except ReadingNotFound:
        log("reading_job_unknown", logging.WARNING, reading_id=str(reading_id))
        return None


def fail(job: ReadingJob) -> JobOutcome:
    """QStash gave up on a job: mark the reading failed and refund once (a finished one is left as it is)."""
    reading_id = str(job.reading_id)
    try:
        stored = repository.fail_reading(job.reading_id, reason=DELIVERY_FAILED)
    except ReadingNotFound:
        log("reading_failure_unknown", logging.WARNING, reading_id=reading_id)
        telemetry.dead_lettered(None, DELIVERY_FAILED)
        return JobOutcome(reading_id=reading_id, status="unknown", replayed=True)
    log(
        "reading_failed",
        logging.WARNING,
        reading_id=reading_id,
        status=stored.status,
        replayed=stored.replayed,
    )
    telemetry.dead_lettered(stored, DELIVERY_FAILED)
    notify.reading_finished(reading_id)
    return JobOutcome(reading_id=reading_id, status=stored.status, replayed=stored.replayed)


def sweep() -> SweepOutcome:
    """Fail and refund the readings paid for but never claimed within stale_reading_after_s."""
    outcome = repository.sweep_stale_readings(older_than_s=get_settings().stale_reading_after_s)
    telemetry.swept(outcome.swept)
    for reading_id in outcome.reading_ids:
        notify.reading_finished(reading_id)
    return outcome
