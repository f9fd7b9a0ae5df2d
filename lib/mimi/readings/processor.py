"""The reading job: claim, draw the cards, one LLM call, then complete (reward) or reject (refund), idempotently."""

from __future__ import annotations

import base64
import logging
import time
from typing import Any
from uuid import UUID

from pydantic import ValidationError

from mimi.agent import AgentResult, FollowUp, Position, Spread, run_reading
from mimi.agent.prompt import Language
from mimi.config import get_settings
from mimi.logs import log
from mimi.notify import service as notify
from mimi.readings import repository, telemetry
from mimi.readings.deck import DrawnCard, draw_oriented
from mimi.readings.errors import InvalidCallback, InvalidJob, ReadingNotFound
from mimi.readings.schemas import (
    ClaimedReading,
    FailureCallback,
    JobOutcome,
    ReadingJob,
    ReadingStepResult,
    SweepOutcome,
)

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


def drawn_cards(cards: list[DrawnCard], spread: Spread) -> list[dict[str, Any]]:
    """The drawn cards as stored: names, image, orientation and position (both labels), in drawing order."""
    return [
        {
            "id": d.card.id,
            "name": d.card.name_en,
            "name_th": d.card.name_th,
            "image": d.card.image,
            "orientation": d.orientation,
            "position": pos.key,
            "position_th": pos.th,
            "position_en": pos.en,
        }
        for d, pos in zip(cards, spread.positions, strict=True)
    ]


def result_json(
    agent: AgentResult, cards: list[DrawnCard], spread: Spread, language: Language
) -> dict[str, Any]:
    """The finished reading the app shows: the LLM's text around our cards (short meanings from the deck)."""
    out = agent.output
    said = {entry.card_id: entry.meaning for entry in out.cards}
    shown = [
        {**stored, "short_meaning": d.meaning(language), "meaning": said.get(d.card.id, "")}
        for stored, d in zip(drawn_cards(cards, spread), cards, strict=True)
    ]
    return {
        "header": out.header,
        "cards": shown,
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


def _store(
    reading_id: UUID, agent: AgentResult, cards: list[DrawnCard], spread: Spread, language: Language
) -> ReadingStepResult:
    """One rpc: complete (reward once) or reject (refund once)."""
    out, drawn = agent.output, drawn_cards(cards, spread)
    analysis = out.analysis.model_dump()
    if out.accepted or out.rejection is None:
        return repository.complete_reading(
            reading_id,
            cards=drawn,
            result=result_json(agent, cards, spread, language),
            analysis=analysis,
            meta=_meta(agent),
        )
    return repository.reject_reading(
        reading_id, rejection=out.rejection.model_dump(), cards=drawn, analysis=analysis
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
    spread, follow_up = spread_of(claim), follow_up_of(claim)
    earlier = {str(card.get("id")) for card in claim.context.cards} if claim.context else set()
    cards = draw_oriented(len(spread.positions), reversals=claim.reversals, exclude=earlier)
    cap = get_settings().daily_card_max_tokens if spread.id == DAILY else None
    started = time.perf_counter()
    agent = run_reading(
        claim.question, claim.language, cards, spread, follow_up=follow_up, max_tokens=cap
    )
    telemetry.answered(agent, round((time.perf_counter() - started) * 1000, 1))
    stored = _store(job.reading_id, agent, cards, spread, claim.language)
    telemetry.stored(stored)
    log(
        "reading_job_done",
        reading_id=reading_id,
        status=stored.status,
        attempts=claim.attempts,
        replayed=stored.replayed,
        provider=agent.provider,
        spread=spread.id,
    )
    notify.reading_finished(reading_id)
    return JobOutcome(reading_id=reading_id, status=stored.status, replayed=stored.replayed)


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
