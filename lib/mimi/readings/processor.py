"""The reading job: claim (with the cards drawn when it was paid for), one streamed LLM call whose drafts are
stored as it writes, then complete (reward) or reject (refund), idempotently."""

from __future__ import annotations

import base64
import logging
import time
from contextlib import closing
from typing import Any
from uuid import UUID

from pydantic import ValidationError

from mimi.agent import AgentResult, stream_reading
from mimi.config import get_settings
from mimi.logs import log
from mimi.notify import service as notify
from mimi.readings import repository, telemetry
from mimi.readings.agent_io import deck_cards, follow_up_of, result_json, spread_of
from mimi.readings.drafts import DraftWriter
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
# of the Lambda's time, what the model may not use: the final store, the LINE push and the answer to QStash
FINAL_RESERVE_S = 3.0


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


def _meta(agent: AgentResult, attempt_base: int) -> dict[str, Any]:
    return {
        "attempt": attempt_base + agent.attempt,
        "provider": agent.provider,
        "model": agent.model,
        "prompt_version": agent.prompt_version,
        "prompt_tokens": agent.prompt_tokens,
        "completion_tokens": agent.completion_tokens,
    }


def _store(claim: ClaimedReading, agent: AgentResult, cards: list[StoredCard]) -> ReadingStepResult:
    """One rpc: complete (the result replaces the draft; reward once) or reject (refund once)."""
    out, reading_id = agent.output, claim.id
    analysis = out.analysis.model_dump()
    if out.accepted or out.rejection is None:
        meta = _meta(agent, claim.attempt_base)
        return repository.complete_reading(
            reading_id, result=result_json(agent, cards), analysis=analysis, meta=meta
        )
    return repository.reject_reading(
        reading_id, rejection=out.rejection.model_dump(), analysis=analysis
    )


def process(job: ReadingJob, deadline: float | None = None) -> JobOutcome:
    """Handle one delivery; a finished or unknown reading is a no-op, LlmUnavailable (503) makes QStash retry.

    `deadline` (time.monotonic()) is when Lambda ends the invocation: the model gets it less FINAL_RESERVE_S."""
    reading_id = str(job.reading_id)
    claim = _claim(job.reading_id)
    if claim is None or claim.final:
        return _noop(reading_id, claim.status if claim else "unknown")
    telemetry.claimed(claim)
    cards = claim.cards or []  # an unfinished claim always has them (ClaimedReading checks)
    writer = DraftWriter(claim.id, claim.attempt_base)
    agent = _write(claim, cards, writer, deadline)
    if agent is None:  # finished elsewhere while this delivery wrote (another delivery, a refund)
        return _noop(reading_id, writer.status)
    stored = _store(claim, agent, cards)
    telemetry.stored(stored)
    log(
        "reading_job_done",
        reading_id=reading_id,
        status=stored.status,
        attempts=claim.attempts,
        attempt=claim.attempt_base + agent.attempt,
        drafts=writer.writes,
        replayed=stored.replayed,
        provider=agent.provider,
        spread=claim.spread,
    )
    notify.reading_finished(reading_id)
    return JobOutcome(reading_id=reading_id, status=stored.status, replayed=stored.replayed)


def _noop(reading_id: str, status: str) -> JobOutcome:
    log("reading_job_noop", reading_id=reading_id, status=status)
    return JobOutcome(reading_id=reading_id, status=status, replayed=True)


def _write(
    claim: ClaimedReading, cards: list[StoredCard], writer: DraftWriter, deadline: float | None
) -> AgentResult | None:
    """The one streamed LLM call of a claimed reading (its question, its stored cards in its spread's positions),
    its drafts offered to the writer; None when the reading was finished elsewhere meanwhile."""
    spread = spread_of(claim)
    cap = get_settings().daily_card_max_tokens if spread.id == DAILY else None
    started = time.perf_counter()
    events = stream_reading(
        claim.question,
        claim.language,
        deck_cards(cards),
        spread,
        follow_up=follow_up_of(claim),
        max_tokens=cap,
        deadline=None if deadline is None else deadline - FINAL_RESERVE_S,
    )
    with closing(events):  # stopping early closes the provider's stream
        for event in events:
            if isinstance(event, AgentResult):
                telemetry.answered(event, round((time.perf_counter() - started) * 1000, 1))
                return event
            if not writer.offer(event):
                return None
    raise AssertionError("stream_reading ends with a result or raises")  # pragma: no cover


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
