"""Run one reading through the configured LLM providers in order, streamed, falling back on any provider failure.

`stream_reading` yields ReadingDrafts as the reply is written and ends with the AgentResult; each provider tried
is a new attempt (1, 2, ...), so a client drops an earlier attempt's text when a later one begins. `run_reading`
is the same without the drafts.
"""

import logging
import time
from collections.abc import Generator

from mimi.agent.attempt import Job, attempt
from mimi.agent.client import ProviderFailed
from mimi.agent.draft import ReadingDraft
from mimi.agent.output import AgentResult
from mimi.agent.prompt import PROMPT_VERSION, FollowUp, Language, Spread, build_messages
from mimi.config import LlmProvider, get_settings
from mimi.errors import ServiceUnavailable
from mimi.logs import log
from mimi.readings.deck import DrawnCard

__all__ = ["AgentResult", "LlmUnavailable", "ProviderFailed", "run_reading", "stream_reading"]

# Bigger spreads write a card entry each and a longer reading, so they get more room to finish their JSON.
DEEP_TOKEN_FACTOR = 1.5  # four to six cards
LARGE_TOKEN_FACTOR = 2.5  # seven to ten cards


class LlmUnavailable(ServiceUnavailable):
    status, code, title = 503, "llm_unavailable", "Reading service unavailable"


def stream_reading(
    question: str,
    language: Language,
    cards: list[DrawnCard],
    spread: Spread,
    *,
    follow_up: FollowUp | None = None,
    max_tokens: int | None = None,
    deadline: float | None = None,
) -> Generator[ReadingDraft | AgentResult, None, None]:
    """Drafts of the reading as it is written, then the AgentResult of the first provider whose reply is valid;
    LlmUnavailable when none is.

    Each attempt begins with an empty draft. A provider's `timeout_s` bounds every wait for it (to connect, for
    the first chunk, between two chunks). `deadline` (a time.monotonic() value) bounds the whole: a provider is
    not tried with less than its timeout_s left, and an attempt still writing past the deadline ends at its
    next chunk; so this returns or raises by the deadline plus, at worst, one timeout_s (a provider falling
    silent just before it). max_tokens caps the output below the provider's own cap (the daily card's budget)."""
    if len(cards) != len(spread.positions):
        raise ValueError(
            f"a {spread.id} reading takes {len(spread.positions)} cards, not {len(cards)}"
        )
    job = Job(
        build_messages(question, cards, language, spread, follow_up),
        cards,
        spread,
        language,
        deadline,
    )
    providers, number = get_settings().llm_providers, 0
    for provider in providers:
        if deadline is not None and deadline - time.monotonic() < provider.timeout_s:
            log("llm_provider_skipped", logging.WARNING, provider=provider.name, reason="deadline")
            continue
        number, started = number + 1, time.monotonic()
        try:
            result = yield from attempt(
                job, provider, number, token_cap(provider, len(cards), max_tokens)
            )
        except ProviderFailed as exc:
            _failed(provider, exc, number, started)
            continue
        _answered(result, started)
        yield result
        return
    log("llm_unavailable", logging.ERROR, providers=len(providers), attempts=number)
    raise LlmUnavailable("No language model provider could write the reading; try again later.")


def run_reading(
    question: str,
    language: Language,
    cards: list[DrawnCard],
    spread: Spread,
    *,
    follow_up: FollowUp | None = None,
    max_tokens: int | None = None,
    deadline: float | None = None,
) -> AgentResult:
    """One reading from the first provider that answers with valid output; LlmUnavailable if none does."""
    for event in stream_reading(
        question,
        language,
        cards,
        spread,
        follow_up=follow_up,
        max_tokens=max_tokens,
        deadline=deadline,
    ):
        if isinstance(event, AgentResult):
            return event
    raise AssertionError("stream_reading ends with a result or raises")  # pragma: no cover


def token_cap(provider: LlmProvider, n_cards: int, limit: int | None = None) -> int:
    """The output budget of one call: the provider's cap, grown for bigger spreads, never above `limit`."""
    factor = 1.0 if n_cards <= 3 else DEEP_TOKEN_FACTOR if n_cards <= 6 else LARGE_TOKEN_FACTOR
    cap = int(provider.max_tokens * factor)
    return min(cap, limit) if limit else cap


def _failed(provider: LlmProvider, exc: ProviderFailed, number: int, started: float) -> None:
    level = logging.ERROR if exc.reason == "request_refused" else logging.WARNING
    log(
        "llm_provider_failed",
        level,
        provider=provider.name,
        model=provider.model,
        attempt=number,
        reason=exc.reason,
        status=exc.status,
        duration_ms=_ms(started),
    )


def _answered(result: AgentResult, started: float) -> None:
    log(
        "llm_reading",
        provider=result.provider,
        model=result.model,
        attempt=result.attempt,
        prompt_version=PROMPT_VERSION,
        prompt_tokens=result.prompt_tokens,
        completion_tokens=result.completion_tokens,
        accepted=result.output.accepted,
        duration_ms=_ms(started),
    )


def _ms(started: float) -> int:
    """Milliseconds since a monotonic start."""
    return int((time.monotonic() - started) * 1000)
