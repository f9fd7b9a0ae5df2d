"""The reading job: claim, draw the cards, one LLM call, then complete (reward) or reject (refund), idempotently."""

from __future__ import annotations

import base64
import logging
from typing import Any

from pydantic import BaseModel, ValidationError

from mimi.agent import AgentResult, run_reading, spread
from mimi.agent.prompt import Depth, Language
from mimi.errors import AppError, ValidationFailed
from mimi.logs import log
from mimi.notify import service as notify
from mimi.readings import repository
from mimi.readings.deck import Card, draw
from mimi.readings.schemas import FailureCallback, ReadingJob

DELIVERY_FAILED = "delivery_failed"


class JobOutcome(BaseModel):
    """What the processor did with one delivery."""

    reading_id: str
    status: str
    replayed: bool


class SweepOutcome(BaseModel):
    """What a scheduled sweep refunded."""

    swept: int
    reading_ids: list[str]


def parse_job(body: bytes) -> ReadingJob:
    """The job in a delivery body; 422 when it is not one."""
    try:
        return ReadingJob.model_validate_json(body)
    except ValidationError:
        raise ValidationFailed("body: expected {\"reading_id\": <uuid>}", code="invalid_job") from None


def parse_failure(body: bytes) -> ReadingJob:
    """The original job inside a QStash failure callback; 422 when it is not one."""
    try:
        callback = FailureCallback.model_validate_json(body)
        return parse_job(base64.b64decode(callback.source_body, validate=True))
    except (ValidationError, ValueError):  # binascii.Error, and non-ASCII text, are ValueErrors
        raise ValidationFailed("body: expected a QStash failure callback", code="invalid_callback") from None


def drawn_cards(cards: list[Card], depth: Depth) -> list[dict[str, Any]]:
    """The drawn cards as stored: names, image and position (both labels), in drawing order."""
    return [{"id": card.id, "name": card.name_en, "name_th": card.name_th, "image": card.image,
             "position": pos.key, "position_th": pos.th, "position_en": pos.en}
            for card, pos in zip(cards, spread(depth), strict=True)]


def result_json(agent: AgentResult, cards: list[Card], depth: Depth, language: Language) -> dict[str, Any]:
    """The finished reading the app shows: the LLM's text around our cards (short meanings from the deck)."""
    out = agent.output
    said = {entry.card_id: entry.meaning for entry in out.cards}
    shown = [{**drawn, "short_meaning": card.meaning_th if language == "th" else card.meaning_en,
              "meaning": said.get(card.id, "")}
             for drawn, card in zip(drawn_cards(cards, depth), cards, strict=True)]
    return {"header": out.header, "cards": shown, "reading": out.reading, "suggestions": out.suggestions,
            "next_questions": out.next_questions, "final": out.final, "end": out.end, "notice": out.notice}


def _meta(agent: AgentResult) -> dict[str, Any]:
    return {"provider": agent.provider, "model": agent.model, "prompt_version": agent.prompt_version,
            "prompt_tokens": agent.prompt_tokens, "completion_tokens": agent.completion_tokens}


def _store(reading_id: str, agent: AgentResult, cards: list[Card], depth: Depth,
           language: Language) -> dict[str, Any]:
    """One rpc: complete (reward once) or reject (refund once)."""
    out, drawn = agent.output, drawn_cards(cards, depth)
    analysis = out.analysis.model_dump()
    if out.accepted or out.rejection is None:
        return repository.complete_reading(reading_id, drawn, result_json(agent, cards, depth, language),
                                           analysis, _meta(agent))
    return repository.reject_reading(reading_id, out.rejection.model_dump(), drawn, analysis)


def process(job: ReadingJob) -> JobOutcome:
    """Handle one delivery; a finished or unknown reading is a no-op, LlmUnavailable (503) makes QStash retry."""
    reading_id = str(job.reading_id)
    claim = _claim(reading_id)
    if claim is None or claim["final"]:
        status = claim["status"] if claim else "unknown"
        log("reading_job_noop", reading_id=reading_id, status=status)
        return JobOutcome(reading_id=reading_id, status=status, replayed=True)
    depth: Depth = claim["depth"]
    language: Language = claim["language"]
    cards = draw(len(spread(depth)))
    agent = run_reading(claim["question"], language, cards, depth)
    stored = _store(reading_id, agent, cards, depth, language)
    log("reading_job_done", reading_id=reading_id, status=stored["status"], attempts=claim["attempts"],
        replayed=stored["replayed"], provider=agent.provider)
    notify.reading_finished(reading_id)
    return JobOutcome(reading_id=reading_id, status=stored["status"], replayed=bool(stored["replayed"]))


def _claim(reading_id: str) -> dict[str, Any] | None:
    """The claimed reading, or None when it does not exist (nothing to retry for)."""
    try:
        return repository.claim_reading(reading_id)
    except AppError as exc:
        if exc.code != "reading_not_found":
            raise
        log("reading_job_unknown", logging.WARNING, reading_id=reading_id)
        return None


def fail(job: ReadingJob) -> JobOutcome:
    """QStash gave up on a job: mark the reading failed and refund once (a finished one is left as it is)."""
    reading_id = str(job.reading_id)
    try:
        stored = repository.fail_reading(reading_id, DELIVERY_FAILED)
    except AppError as exc:
        if exc.code != "reading_not_found":
            raise
        log("reading_failure_unknown", logging.WARNING, reading_id=reading_id)
        return JobOutcome(reading_id=reading_id, status="unknown", replayed=True)
    log("reading_failed", logging.WARNING, reading_id=reading_id, status=stored["status"],
        replayed=stored["replayed"])
    notify.reading_finished(reading_id)
    return JobOutcome(reading_id=reading_id, status=stored["status"], replayed=bool(stored["replayed"]))
