"""The readings pipeline's metrics (EMF lines, mimi.metrics): each step counts itself here, in one call."""

from __future__ import annotations

from typing import TYPE_CHECKING

from mimi.metrics import (
    CREDITS_SPENT,
    LLM_COMPLETION_TOKENS,
    LLM_COST_USD,
    LLM_LATENCY,
    LLM_PROMPT_TOKENS,
    QSTASH_DEAD_LETTERS,
    QUEUE_DELAY,
    READINGS_COMPLETED,
    READINGS_FAILED,
    READINGS_REJECTED,
    READINGS_SUBMITTED,
    SWEEP_RUNS,
    TIME_TO_COMPLETED,
    emit,
    emit_many,
    since_ms,
)

if TYPE_CHECKING:
    from mimi.agent import AgentResult
    from mimi.readings.schemas import ClaimedReading, QueuedReading, ReadingStepResult


def submitted(reading: QueuedReading) -> None:
    """A reading or follow-up was queued: one submission, and its price in the currency it took (if not free)."""
    reason = "follow_up" if reading.parent_id else "reading"
    emit(READINGS_SUBMITTED, 1, Spread=reading.spread or "unknown", Depth=reading.depth or "")
    if reading.spent is not None:
        emit(
            CREDITS_SPENT,
            reading.price if reading.price is not None else 1,
            Currency=reading.spent,
            Reason=reason,
        )


def submitted_free(spread: str) -> None:
    """A free reading (the daily card) was created and queued: a submission, nothing spent."""
    emit(READINGS_SUBMITTED, 1, Spread=spread)


def cancelled() -> None:
    """The queue never took a paid reading; it failed and was refunded."""
    emit(READINGS_FAILED, 1, Reason="cancelled")


def claimed(claim: ClaimedReading) -> None:
    """Queue delay on the first claim only: submit (created_at) to processing (updated_at), both Postgres' clock."""
    if claim.attempts == 1:
        emit_many({QUEUE_DELAY: (since_ms(claim.created_at, claim.updated_at), "Milliseconds")})


def answered(agent: AgentResult, latency_ms: float) -> None:
    """The LLM's part of one reading: latency (fallbacks included), tokens and what they cost."""
    from mimi.agent.cost import (
        cost_usd,
    )  # the agent package (openai) is loaded in the processor only

    emit_many(
        {
            LLM_LATENCY: (latency_ms, "Milliseconds"),
            LLM_PROMPT_TOKENS: (agent.prompt_tokens, "Count"),
            LLM_COMPLETION_TOKENS: (agent.completion_tokens, "Count"),
            LLM_COST_USD: (
                cost_usd(agent.prompt_tokens, agent.completion_tokens, agent.model),
                "None",
            ),
        },
        Provider=agent.provider,
    )


def stored(reading: ReadingStepResult) -> None:
    """A reading ended as completed or rejected (a replay counts nothing)."""
    if reading.replayed:
        return
    if reading.status == "completed":
        emit_many(
            {
                READINGS_COMPLETED: (1, "Count"),
                TIME_TO_COMPLETED: (
                    since_ms(reading.created_at, reading.completed_at),
                    "Milliseconds",
                ),
            }
        )
    elif reading.status == "rejected":
        emit(READINGS_REJECTED, 1)


def dead_lettered(reading: ReadingStepResult | None, reason: str) -> None:
    """QStash gave up on a job (it is in the DLQ now); the reading failed unless it had already ended."""
    emit(QSTASH_DEAD_LETTERS, 1)
    if reading is not None and not reading.replayed and reading.status == "failed":
        emit(READINGS_FAILED, 1, Reason=reason)


def swept(count: int) -> None:
    """The schedule ran (its alarm reads that), and failed and refunded readings that never reached the processor."""
    emit(SWEEP_RUNS, 1)
    if count:
        emit(READINGS_FAILED, count, Reason="never_processed")
