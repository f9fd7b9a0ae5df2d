"""The readings pipeline's metrics (EMF lines, mimi.metrics): each step counts itself here, in one call."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

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
    TIME_TO_COMPLETED,
    emit,
    emit_many,
    since_ms,
)

if TYPE_CHECKING:
    from mimi.agent import AgentResult

Row = Mapping[str, Any]


def submitted(reading: Row, depth: str) -> None:
    """A reading was paid for and queued: one submission, one spend of the currency it took."""
    emit(READINGS_SUBMITTED, 1, Depth=depth)
    emit(CREDITS_SPENT, 1, Currency=str(reading.get("spent") or "unknown"), Reason="reading")


def cancelled() -> None:
    """The queue never took a paid reading; it failed and was refunded."""
    emit(READINGS_FAILED, 1, Reason="cancelled")


def claimed(claim: Row) -> None:
    """Queue delay on the first claim only: submit (created_at) to processing (updated_at), both Postgres' clock."""
    if claim.get("attempts") == 1:
        emit_many({QUEUE_DELAY: (since_ms(claim.get("created_at"), claim.get("updated_at")), "Milliseconds")})


def answered(agent: AgentResult, latency_ms: float) -> None:
    """The LLM's part of one reading: latency (fallbacks included), tokens and what they cost."""
    from mimi.agent.cost import cost_usd  # the agent package (openai) is loaded in the processor only

    emit_many({LLM_LATENCY: (latency_ms, "Milliseconds"), LLM_PROMPT_TOKENS: (agent.prompt_tokens, "Count"),
               LLM_COMPLETION_TOKENS: (agent.completion_tokens, "Count"),
               LLM_COST_USD: (cost_usd(agent.prompt_tokens, agent.completion_tokens, agent.model), "None")},
              Provider=agent.provider)


def stored(reading: Row) -> None:
    """A reading ended as completed or rejected (a replay counts nothing)."""
    if reading.get("replayed"):
        return
    if reading.get("status") == "completed":
        emit_many({READINGS_COMPLETED: (1, "Count"),
                   TIME_TO_COMPLETED: (since_ms(reading.get("created_at"), reading.get("completed_at")),
                                       "Milliseconds")})
    elif reading.get("status") == "rejected":
        emit(READINGS_REJECTED, 1)


def dead_lettered(reading: Row | None, reason: str) -> None:
    """QStash gave up on a job (it is in the DLQ now); the reading failed unless it had already ended."""
    emit(QSTASH_DEAD_LETTERS, 1)
    if reading is not None and not reading.get("replayed") and reading.get("status") == "failed":
        emit(READINGS_FAILED, 1, Reason=reason)


def swept(count: int) -> None:
    """The schedule failed (and refunded) readings that never reached the processor."""
    if count:
        emit(READINGS_FAILED, count, Reason="never_processed")
